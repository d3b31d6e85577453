"""Ki-67 reported as a range or a bound: never a silent pick of one end (review row).

KR-01 — a Ki-67 range across a decision threshold
    When: the latest Ki-67 is a range ("5-10 %") or a bound ("< 12 %", "> 20 %"): the picture gives its two
          ends as point values, each with the grade at that end (``NetPicture.ki67_ends``; an open bound
          ends just inside it, "< 12 %" at 11.9 %, and at 0 or 100 %). Every row is run at each end (the
          whole evaluation, review rows included), and the suggestions compared as decisions (topic and
          strength of each recommend/consider card, whichever row words it).
    Then: the same suggestions at both ends: nothing to say (the range does not change the answer, e.g.
          "< 2 %" or "10-15 %"). Different: the suggestions that hold at only one end are withdrawn from this
          answer, the ones that hold at both stay, and one needs-data card (``ki67-range-point-value``,
          data-gap) names the decision thresholds (``lists.ki67_decision_thresholds``: 3, 10, 20, 55 %)
          inside the range, what the table gives at each end, and asks pathology for a point value (or the
          mitotic count). Never no card, never one end taken silently. A suggestion held at both ends but worded
          by a row of one end only (G3-01 "WD G3" beside M-03 at the G2 end) keeps its card with a finding naming
          the other end's row; the grade words read "G2-G3" (picture note "uncertain"). No Ki-67 threshold of the knowledge
          inside the range ("< 2 %"): the rows are not run again (they cannot differ).
    Source: WHO 2019/2022 grading (Ki-67 3 % and 20 % cut-offs); CLARINET (< 10 %) and NETTER-2 (10-55 %)
          enrolment; decision table section 1.1.
"""
from __future__ import annotations

import dataclasses
from datetime import date

from service.picture.model import Fact, FactState, Ki67, NetPicture
from service.rules.outcome import FactUse, Outcome, Status
from service.rules.predicates import card_params, ki67_text
from service.rules.registry import RuleKnowledge, rule

_SUGGESTING = ("recommend", "consider")


def _end_picture(p: NetPicture, point: Ki67, grade: object) -> NetPicture:
    ki67 = Fact(p.ki67.state, point, p.ki67.sources, "one end of the reported range")
    changes: dict[str, object] = {"ki67": ki67, "ki67_ends": ()}
    if grade is not None:
        state = p.ki67.state if p.ki67.state in (FactState.PRESENT, FactState.STALE) else FactState.PRESENT
        changes["grade"] = Fact(state, grade, p.ki67.sources, f"Ki-67 {point.percent:g} % ({grade.value})")  # type: ignore[attr-defined]
    return dataclasses.replace(p, **changes)  # type: ignore[arg-type]


_TOPIC_WORDS = {"prrt": "PRRT", "captem": "CAPTEM", "somatostatin-analog": "somatostatin analogue"}


def _suggested(outcomes: list[Outcome], k: RuleKnowledge) -> dict[tuple[str, str], list[str]]:
    """(topic, strength) -> row ids of every suggestion in an answer: the decision, whichever row or card
    text gives it (first-line PRRT is one option whether M-03 or G3-01 words it)."""
    out: dict[tuple[str, str], list[str]] = {}
    for o in outcomes:
        if o.status is not Status.APPLICABLE:
            continue
        spec = k.card_of(o)
        if spec is not None and spec.strength in _SUGGESTING:
            out.setdefault((spec.topic, spec.strength), []).append(o.rule_id)
    return out


def _listing(answer: dict[tuple[str, str], list[str]], only: set[tuple[str, str]]) -> str:
    items = [f"{_TOPIC_WORDS.get(topic, topic.replace('-', ' '))} ({strength})" for topic, strength in sorted(only)]
    return ", ".join(items) or "nothing further"


def _cut_offs(k: RuleKnowledge) -> tuple[float, ...]:
    """Every Ki-67 value a row decides on: the listed decision thresholds and every Ki-67 threshold (in %)
    of the knowledge (derived once per knowledge)."""
    def build(knowledge: object) -> tuple[float, ...]:
        values = {float(v) for v in k.values("ki67_decision_thresholds")}
        values |= {t.value for name, t in k.whole.thresholds.items() if "ki67" in name and t.unit == "%"}
        return tuple(sorted(values))
    return k.whole.derive("kr01_cut_offs", build)


@rule("KR-01", review=True)
def ki67_range(p: NetPicture, as_of: date, k: RuleKnowledge, outcomes: tuple[Outcome, ...]) -> tuple[Outcome, ...]:
    if len(p.ki67_ends) != 2 or not p.ki67.known:
        return outcomes
    (lo_point, _), (hi_point, _) = p.ki67_ends
    if not any(lo_point.percent <= t <= hi_point.percent for t in _cut_offs(k)):
        return outcomes   # no cut-off inside the range ("< 2 %"): the rows cannot differ, nothing to run
    from service.rules import evaluate  # the rows at each end (a variant picture has no ends: no recursion)

    answers = [_suggested(evaluate(_end_picture(p, point, grade), as_of=as_of, knowledge=k.whole), k)
               for point, grade in p.ki67_ends]
    low, high = answers
    if set(low) == set(high):
        return outcomes
    common = set(low) & set(high)
    (lo_point, lo_grade), (hi_point, hi_grade) = p.ki67_ends
    revised: list[Outcome] = []
    (lo_point, lo_grade), (hi_point, hi_grade) = p.ki67_ends
    for o in outcomes:
        spec = k.card_of(o) if o.status is Status.APPLICABLE else None
        if spec is not None and spec.strength in _SUGGESTING and (spec.topic, spec.strength) not in common:
            revised.append(Outcome.not_applicable(o.rule_id, "holds at one end of the reported Ki-67 range only"))
            continue
        if (spec is not None and spec.strength in _SUGGESTING and lo_grade != hi_grade
                and o.rule_id not in low.get((spec.topic, spec.strength), ())):
            # the option holds at both ends, but this row's wording is the high end's (e.g. "WD G3"): say so
            o = o.amended(note=f"grade {lo_grade.value if lo_grade else '?'}-{hi_grade.value if hi_grade else '?'} "
                               f"uncertain (Ki-67 {ki67_text(p.ki67.value)}): at the low end the same option comes "
                               f"from {', '.join(low[(spec.topic, spec.strength)])}")  # type: ignore[arg-type]
        revised.append(o)
    reported: Ki67 = p.ki67.value  # type: ignore[assignment]
    thresholds = [float(t) for t in k.values("ki67_decision_thresholds")
                  if lo_point.percent <= float(t) <= hi_point.percent]
    cut = " and ".join(f"{t:g} %" for t in thresholds) or "a decision cut-off"

    def end(point: Ki67, grade: object) -> str:
        return f"{point.percent:g} %" + (f", {grade.value}" if grade is not None else "")  # type: ignore[attr-defined]

    reason = (f"Ki-67 reported as {ki67_text(reported)} spans {cut}: at its low end ({end(lo_point, lo_grade)}) "
              f"the suggestions are {_listing(low, set(low) - common)}; at its high end ({end(hi_point, hi_grade)}) "
              f"{_listing(high, set(high) - common)}")
    if common:
        reason += "; suggested at both ends (shown): " + _listing(low, common)
    revised.append(Outcome.applicable(
        "KR-01", card="ki67-range-point-value", facts=(FactUse.of("Ki-67", p.ki67),),
        missing=("Ki-67 as a point value (or the mitotic count) from pathology",),
        params={**card_params(p), "ki67": ki67_text(reported), "threshold": cut[:24]}, reason=reason))
    return tuple(revised)
