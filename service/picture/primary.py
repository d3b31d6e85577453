"""The primary tumour's size and, for gastric NETs, the type (1/2/3).

- Size: LOINC 21889-1 / 33728-7, valueQuantity in mm or cm (cards/terminology/labs.yaml ``tumor_size``),
  or text such as "1.5 cm" / "12 x 8 mm" (largest dimension). A number without a unit is not guessed.
- Gastric type: the local ``gastric-net-type`` Observation (valueInteger, a ``gastric-net-type`` code,
  or text "type 1"/"type II"), else "type N" in the gastric NET's own diagnosis text, else inferred:
  chronic atrophic gastritis, or hypergastrinaemia with achlorhydria -> type 1; gastrinoma/ZES or
  MEN1 -> type 2; both -> CONTRADICTORY; nothing -> MISSING. Type 3 is never inferred (it is the
  diagnosis of exclusion and needs a normal gastrin and no atrophic gastritis documented).
"""
from __future__ import annotations

import re

from service.data.fhir_adapter import ObservationRec, Qty
from service.data.limits import MAX_PARSE_TEXT
from service.picture.context import Context
from service.picture.diagnosis import Diagnosis
from service.picture.facts import Candidate, choose, dedupe_sources, fmt_number, present
from service.picture.fitness import convert
from service.picture.model import Fact, FactState, Hereditary, Source
from service.picture.terminology import Terminology

# Linear (issue 15): a number is 1-6 digits with at most 4 decimals and not part of a longer number, at most
# three dimensions, bounded whitespace; the text is cut to MAX_PARSE_TEXT characters first.
_NUM = r"(?<![\d.,])\d{1,6}(?:[.,]\d{1,4})?(?![\d])(?![.,]\d)"
_SIZE_RE = re.compile(rf"({_NUM}(?:\s{{0,3}}[x×]\s{{0,3}}{_NUM}){{0,2}})\s{{0,3}}(mm|cm)\b", re.IGNORECASE)
_NUMBER_RE = re.compile(_NUM)
_MAX_CM = 50.0   # larger is a typo or not a tumour size


def size_cm(term: Terminology, obs: ObservationRec) -> float | None:
    """Largest dimension in cm from one size Observation, or None when not readable."""
    value: float | None = None
    if obs.quantity is not None:
        conv = convert(term, "tumor_size", obs.quantity)
        value = conv[0] if conv is not None else None
    elif obs.string:
        found = _SIZE_RE.findall(obs.string[:MAX_PARSE_TEXT])
        if len(found) == 1:
            numbers, unit = found[0]
            largest = max(float(n.replace(",", ".")) for n in _NUMBER_RE.findall(numbers))
            conv = convert(term, "tumor_size", Qty(largest, unit.lower()))
            value = conv[0] if conv is not None else None
    if value is None or not 0 < value <= _MAX_CM:
        return None
    return round(value, 3)


def tumor_size(ctx: Context) -> Fact:
    cands = []
    for obs, _ in ctx.role("tumor-size"):
        cm = size_cm(ctx.term, obs)
        if cm is not None:
            cands.append(Candidate(cm, Source(obs.ref or None, obs.date, f"tumour size {fmt_number(cm)} cm")))
    return choose(cands, as_of=ctx.as_of, lookback_days=None, what="tumour size")


def gastric_type_value(ctx: Context, obs: ObservationRec) -> int | None:
    """The type a ``gastric-net-type`` Observation reports, or None."""
    value: object = None
    if obs.integer is not None:
        value = obs.integer
    elif obs.quantity is not None and float(obs.quantity.value).is_integer():
        value = int(obs.quantity.value)
    else:
        ans = ctx.answer(obs.concept, "gastric_type")
        if ans is not None:
            value = ans[0]
        else:
            text = obs.string or (obs.concept.all_text if obs.concept else "")
            e = ctx.term.match_text("gastric_type_text", text)
            value = e.get("gastric_type") if e is not None else None
    return value if isinstance(value, int) and value in (1, 2, 3) else None


def gastric_type(ctx: Context, dx: Diagnosis, gastrin: Fact) -> Fact:
    if not dx.site_detail.is_("stomach"):
        return Fact.missing()
    # 1. documented type (local Observation)
    cands = []
    for obs, _ in ctx.role("gastric-type"):
        t = gastric_type_value(ctx, obs)
        if t is not None:
            cands.append(Candidate(t, Source(obs.ref or None, obs.date, f"gastric NET type {t}")))
    fact = choose(cands, as_of=ctx.as_of, lookback_days=None, what="gastric NET type")
    if fact.state != FactState.MISSING:
        return fact
    # 2. "type N" in the gastric NET diagnosis itself
    text_cands = []
    for info in dx.nen_conditions:
        e = ctx.term.match_text("gastric_type_text", info.text())
        if e is not None:
            t = int(e.get("gastric_type"))  # type: ignore[arg-type]
            text_cands.append(Candidate(t, info.source(f"diagnosis text: gastric NET type {t}")))
    fact = choose(text_cands, as_of=ctx.as_of, lookback_days=None, what="gastric NET type")
    if fact.state != FactState.MISSING:
        return fact
    # 3. inferred from the background of the stomach
    bg = dx.gastric_background
    type1 = list(bg.get("atrophic_gastritis", ()))
    if bg.get("achlorhydria"):
        hyper = list(bg.get("hypergastrinaemia", ()))
        uln = float(ctx.term.parameter("gastrin_uln_pg_ml"))  # type: ignore[arg-type]
        if gastrin.known and gastrin.value > uln:
            hyper.extend(gastrin.sources)
        if hyper:
            type1.extend(list(bg["achlorhydria"]) + hyper)
    # gastrinoma named as such (not just "increased secretion of gastrin") or MEN1
    type2 = list(bg.get("gastrinoma", ()))
    if Hereditary.MEN1 in dx.hereditary:
        type2.extend(dx.hereditary_sources)
    if type1 and type2:
        return Fact(FactState.CONTRADICTORY, None, dedupe_sources(type1 + type2),
                    "atrophic gastritis/achlorhydria and gastrinoma/MEN1 both on record: type needs MDT review")
    if type1:
        return present(1, type1, "inferred: gastric NET with chronic atrophic gastritis or "
                                 "hypergastrinaemia with achlorhydria")
    if type2:
        return present(2, type2, "inferred: gastric NET with gastrinoma (ZES) or MEN1")
    return Fact.missing("gastric NET type not documented (needs gastrin, gastric pH or atrophic-gastritis work-up)")

