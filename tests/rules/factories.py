"""Test factories for clinical pictures: keyword-only, with defaults, so a test states only what matters.

The default picture is a *metastatic, well-differentiated midgut NET G2 (Ki-67 5 %), SSTR
uptake higher than liver in every lesion, stable, newly diagnosed, no therapy, normal current labs
(``normal_labs``, dated ``AS_OF``), all data read*.
Override any ``NetPicture`` field by keyword. Plain values given for ``Fact`` fields are
wrapped as present facts (``fact(value)``); pass ``MISSING`` (or ``Fact.missing()``) to make a
datum unknown.

    make_picture(ki67=Ki67(12), progression=True, therapies=(therapy(Agent.SSA),))
    make_picture(sstr=MISSING)
    make_picture(labs=make_labs(platelets=60))
"""
from __future__ import annotations

import dataclasses
import enum
import functools
from datetime import date
from pathlib import Path
from typing import Any

from service.knowledge import Knowledge
from service.pipeline import prepare_knowledge
from service.rules import Outcome, evaluate, load_rules

from service.picture.model import (
    Agent,
    Differentiation,
    DiseaseStatus,
    Extent,
    Fact,
    FactState,
    Grade,
    Ki67,
    Labs,
    Medication,
    NetPicture,
    PrimarySite,
    Procedure,
    Scope,
    Source,
    SstrStatus,
    Therapy,
    TherapyStatus,
)

AS_OF = date(2026, 11, 1)
PATIENT = "Patient/p-1"
MISSING: Fact[Any] = Fact.missing()
UNAVAILABLE: Fact[Any] = Fact.unavailable("observations could not be read")

_counter = iter(range(1, 1_000_000))


def fact(value: Any, *, ref: str | None = None, on: date | None = None, display: str | None = None,
         state: FactState = FactState.PRESENT) -> Fact[Any]:
    """A known fact with one source (reference ``ref``, dated ``on``)."""
    if ref is None:
        ref = f"Observation/f{next(_counter)}"
    shown = display if display is not None else _display(value)
    return Fact(state, value, (Source(reference=ref, date=on or AS_OF, display=shown),))


def _display(value: Any) -> str:
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, enum.Enum):
        return str(value.value).replace("_", " ")
    if isinstance(value, Ki67):
        return f"Ki-67 {value.percent:g} %"
    return str(value)


def _fact_fields(cls: type) -> set[str]:
    names = set()
    for f in dataclasses.fields(cls):
        if f.default_factory is not dataclasses.MISSING and f.default_factory in (Fact.missing,):  # type: ignore[comparison-overlap]
            names.add(f.name)
    return names


_PICTURE_FACTS = _fact_fields(NetPicture)
_LAB_FACTS = _fact_fields(Labs)


def _wrap(overrides: dict[str, Any], fact_names: set[str]) -> dict[str, Any]:
    out = {}
    for name, value in overrides.items():
        if name in fact_names and not isinstance(value, Fact):
            value = fact(value)
        out[name] = value
    return out


def make_labs(**overrides: Any) -> Labs:
    """Labs with every value missing unless given (plain numbers become present facts)."""
    return Labs(**_wrap(overrides, _LAB_FACTS))


def normal_labs() -> Labs:
    """Labs that meet every PRRT/chemotherapy threshold."""
    return make_labs(creatinine_clearance=90.0, hemoglobin=13.0, wbc=6.0, platelets=250.0,
                     bilirubin=0.6, bilirubin_uln=1.2, albumin=4.0)


def make_picture(**overrides: Any) -> NetPicture:
    """A NetPicture: the documented default patient, with ``overrides`` applied."""
    defaults: dict[str, Any] = {
        "patient_ref": PATIENT,
        "as_of": AS_OF,
        "scope": Scope.NET,
        "primary_site": PrimarySite.MIDGUT,
        "site_detail": "ileum",
        "differentiation": Differentiation.WELL,
        "ki67": Ki67(5.0),
        "grade": Grade.G2,
        "extent": Extent.METASTATIC,
        "metastatic_sites": frozenset({"liver"}),
        "liver_metastases": True,
        "sstr": SstrStatus.POSITIVE_ALL,
        "disease_status": DiseaseStatus.STABLE,
        "progression": False,
        "newly_diagnosed": True,
        "labs": normal_labs(),
    }
    if "primary_site" in overrides and "site_detail" not in overrides:
        defaults["site_detail"] = MISSING  # the default "ileum" belongs to the default midgut site
    defaults.update(overrides)
    return NetPicture(**_wrap(defaults, _PICTURE_FACTS))


def therapy(agent: Agent, *, status: TherapyStatus = TherapyStatus.ACTIVE, drug: str | None = None,
            start: date | None = date(2026, 1, 1), end: date | None = None, ref: str | None = None,
            **extra: Any) -> Therapy:
    """One therapy exposure (active by default)."""
    if agent is Agent.SSA and "long_acting" not in extra:
        extra["long_acting"] = True
    return Therapy(agent=agent, drug=drug or agent.value, status=status, start=start, end=end,
                   references=(ref or f"MedicationRequest/t{next(_counter)}",), **extra)


def medication(name: str, *flags: str, ref: str | None = None) -> Medication:
    """A current medication with interaction flags, e.g. medication("clarithromycin", "strong-cyp3a4-inhibitor")."""
    return Medication(name=name, codes=(), reference=ref or f"MedicationRequest/m{next(_counter)}",
                      flags=frozenset(flags))


def procedure(kind: str, *, on: date | None = date(2025, 6, 1), display: str | None = None) -> Procedure:
    return Procedure(kind=kind, date=on, reference=f"Procedure/pr{next(_counter)}", display=display or kind)


CARDS_DIR = Path(__file__).resolve().parents[2] / "cards"


@functools.cache
def knowledge() -> Knowledge:
    """The project's real knowledge base (loaded once per test session)."""
    return prepare_knowledge(CARDS_DIR)


def run(rule_id: str, picture: NetPicture | None = None, **overrides: Any) -> tuple[Outcome, ...]:
    """Run one registered row on ``picture`` (or ``make_picture(**overrides)``); always a tuple.

    A review row (F-05, PD-01, SB-11..SB-15, XC-01) reads the other rows' outcomes: it is run through the whole
    evaluation and its own outcomes (plus the outcomes it withdrew, as not applicable) are returned."""
    if picture is None:
        picture = make_picture(**overrides)
    registered = load_rules()[rule_id]
    if registered.review:
        return tuple(o for o in evaluate(picture, as_of=picture.as_of, knowledge=knowledge()) if o.rule_id == rule_id)
    result = registered.function(picture, picture.as_of, knowledge().for_rule(rule_id))
    return result if isinstance(result, tuple) else (result,)


def fired_cards(rule_id: str, picture: NetPicture | None = None, **overrides: Any) -> set[str]:
    """Card ids of the applicable outcomes of one row (the row's own card when none is named)."""
    own = knowledge().rules[rule_id].cards
    return {o.card or own[0] for o in run(rule_id, picture, **overrides) if o.status.value == "applicable"}
