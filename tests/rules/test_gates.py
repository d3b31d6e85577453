"""Universal gates G-01..G-09 (decision table 4.1), the scope rows (G-03/NR-22, DG-01) and evaluate()."""
from __future__ import annotations

import pytest

from service.picture.model import (
    Agent,
    Differentiation,
    Extent,
    Grade,
    Hereditary,
    Ki67,
    PrimarySite,
    Resectability,
    Scope,
    Source,
    Syndrome,
)
from service.rules import Status, evaluate
from tests.rules.factories import (
    AS_OF,
    MISSING,
    fact,
    fired_cards,
    knowledge,
    make_labs,
    make_picture,
    run,
    therapy,
)

LOCALIZED = {"extent": Extent.LOCALIZED, "metastatic_sites": frozenset(), "liver_metastases": False}


@pytest.mark.parametrize(
    ("rule_id", "fires", "near_miss"),
    [
        ("G-01", dict(LOCALIZED), dict(LOCALIZED, r0_resection=True)),
        ("G-01", dict(LOCALIZED, grade=Grade.G1), dict(LOCALIZED, resectability=Resectability.UNRESECTABLE)),
        ("G-02", {"scope": Scope.NEC, "differentiation": Differentiation.POOR, "grade": Grade.NEC}, {"grade": Grade.G3}),
        ("G-04", {"scope": Scope.MINEN}, {}),
        ("G-05", {"ki67": MISSING, "grade": MISSING}, {}),
        ("G-05", {"differentiation": MISSING}, {"scope": Scope.NEC, "differentiation": MISSING}),
        ("G-06", {"sstr": MISSING}, {}),
        ("G-06", {"sstr": MISSING}, {"sstr": MISSING, **LOCALIZED}),
        ("G-07", {"syndromes": frozenset({Syndrome.CARCINOID}), "carcinoid_syndrome": True}, {}),
        ("G-08", {"primary_site": PrimarySite.PANCREAS}, {"primary_site": PrimarySite.PANCREAS,
                                                          "hereditary": frozenset({Hereditary.MEN1})}),
        ("G-08", {"family_history_net": True}, {"family_history_net": False, "multiple_primaries": False}),
        ("G-09", {"labs": make_labs(chromogranin_a_rising=True), "therapies": (therapy(Agent.PPI),)},
         {"labs": make_labs(chromogranin_a_rising=True, creatinine_clearance=95.0)}),
        ("G-09", {"labs": make_labs(chromogranin_a_rising=True, creatinine_clearance=35.0)},
         {"labs": make_labs(chromogranin_a_rising=False), "therapies": (therapy(Agent.PPI),)}),
        ("G-03", {"scope": Scope.SCLC}, {"primary_site": PrimarySite.LUNG_THYMUS}),
        ("NR-22", {"scope": Scope.SCLC}, {"scope": Scope.NEC}),
        ("DG-01", {"unavailable": ("observations",)}, {}),
        ("DG-01", {"incomplete": ("procedures",)}, {}),
    ],
)
def test_row_fires_and_near_miss_does_not(rule_id, fires, near_miss):
    assert any(o.status is Status.APPLICABLE for o in run(rule_id, **fires)), f"{rule_id} should fire"
    assert not any(o.status is Status.APPLICABLE for o in run(rule_id, **near_miss)), f"{rule_id} near miss fired"


def test_g01_missing_extent_is_insufficient_not_a_negative_finding():
    (o,) = run("G-01", extent=MISSING)
    assert o.status is Status.INSUFFICIENT
    assert "disease extent (staging)" in o.missing


def test_g05_lists_exactly_what_is_missing():
    (o,) = run("G-05", ki67=MISSING, grade=MISSING, mitoses_per_2mm2=fact(1.0))
    assert o.missing == ("Ki-67 index (LOINC 29593-1)",)


def test_g06_extent_unknown_is_insufficient():
    (o,) = run("G-06", sstr=MISSING, extent=MISSING)
    assert o.status is Status.INSUFFICIENT


def test_g08_young_age_at_pnet_is_a_listed_trigger():
    (o,) = run("G-08", primary_site=PrimarySite.PANCREAS, age_years=fact(42))
    assert {f.name for f in o.facts} >= {"Primary site", "Age"}


def test_g08_unknown_family_history_is_insufficient_not_negative():
    (o,) = run("G-08", family_history_net=MISSING)
    assert o.status is Status.INSUFFICIENT


def test_dg01_names_every_unreadable_category():
    (o,) = run("DG-01", unavailable=("observations", "procedures"), incomplete=("medicationRequests",))
    assert o.params["categories"] == "observations, procedures, medicationRequests"
    assert len(o.missing) == 3


# --------------------------------------------------------------------------- evaluate(): scope


def test_scope_none_yields_no_outcomes_at_all():
    picture = make_picture(scope=Scope.NONE, unavailable=("observations",))
    assert evaluate(picture, as_of=AS_OF, knowledge=knowledge()) == []


def test_sclc_yields_only_the_out_of_scope_outcomes():
    picture = make_picture(scope=Scope.SCLC, primary_site=PrimarySite.LUNG_THYMUS, progression=True,
                           therapies=(therapy(Agent.EVEROLIMUS),), unavailable=("observations",))
    outcomes = evaluate(picture, as_of=AS_OF, knowledge=knowledge())
    assert {o.rule_id for o in outcomes} == {"G-03", "NR-22"}
    assert all(o.status is Status.APPLICABLE for o in outcomes)
    assert fired_cards("G-03", picture) == {"sclc-out-of-scope"}


def test_nec_suppresses_wd_net_antiproliferative_suggestions():
    picture = make_picture(scope=Scope.NEC, differentiation=Differentiation.POOR, grade=Grade.G3,
                           ki67=Ki67(40.0), primary_site=PrimarySite.PANCREAS)
    outcomes = evaluate(picture, as_of=AS_OF, knowledge=knowledge())
    k = knowledge()
    for o in outcomes:
        if o.status is Status.APPLICABLE and o.rule_id.split("-")[0] in {"M", "P", "L", "O", "LD", "G3"}:
            card = k.cards[o.card or k.rules[o.rule_id].cards[0]]
            assert card.strength not in ("recommend", "consider"), o


def test_scope_sources_become_facts_of_the_out_of_scope_card():
    src = Source("Condition/sclc-1", AS_OF, "Small cell carcinoma of lung")
    (o,) = run("G-03", scope=Scope.SCLC, scope_sources=(src,))
    assert o.facts[0].reference == "Condition/sclc-1"
