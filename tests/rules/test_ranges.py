"""KR-01 (review row): a Ki-67 reported as a range or a bound across a decision threshold is never settled by
silently taking one end: the suggestions that differ are withheld and one card asks for a point value."""
from __future__ import annotations


from service.picture.model import Grade, Ki67, PrimarySite
from service.rules import Outcome, Status, evaluate
from tests.rules.factories import AS_OF, knowledge, make_picture

PNET = dict(primary_site=PrimarySite.PANCREAS, hepatic_burden_percent=20.0)


def _outcomes(**overrides) -> list[Outcome]:
    return evaluate(make_picture(**overrides), as_of=AS_OF, knowledge=knowledge())


def _suggestions(outcomes: list[Outcome]) -> set[str]:
    out = set()
    for o in outcomes:
        if o.status is Status.APPLICABLE and (o.card or knowledge().rules[o.rule_id].cards):  # XC-02: no card
            spec = knowledge().cards[o.card or knowledge().rules[o.rule_id].cards[0]]
            if spec.strength in ("recommend", "consider"):
                out.add(spec.topic)
    return out


def test_range_across_10_percent_gives_a_point_value_card_naming_both_answers():
    low = _suggestions(_outcomes(ki67=Ki67(5.0), **PNET))
    high = _suggestions(_outcomes(ki67=Ki67(15.0), **PNET))
    assert "somatostatin-analog" in low and "somatostatin-analog" not in high   # the 10 % cut-off decides
    outcomes = _outcomes(ki67=Ki67(15.0, low=5.0), ki67_ends=((Ki67(5.0), Grade.G2), (Ki67(15.0), Grade.G2)),
                         **PNET)
    (kr,) = [o for o in outcomes if o.rule_id == "KR-01" and o.status is Status.APPLICABLE]
    assert kr.card == "ki67-range-point-value" and kr.params["threshold"] == "10 %"
    assert "at its low end (5 %, G2) the suggestions are somatostatin analogue" in kr.reason
    assert "at its high end (15 %, G2)" in kr.reason
    shown = _suggestions(outcomes)
    assert shown == low & high   # only what holds at both ends is still suggested


def test_range_across_20_percent_decides_the_grade_and_says_so():
    outcomes = _outcomes(ki67=Ki67(25.0, low=15.0), grade=Grade.G3, newly_diagnosed=True,
                         ki67_ends=((Ki67(15.0), Grade.G2), (Ki67(25.0), Grade.G3)))
    (kr,) = [o for o in outcomes if o.rule_id == "KR-01" and o.status is Status.APPLICABLE]
    assert "spans 20 %" in kr.reason and "(15 %, G2)" in kr.reason and "(25 %, G3)" in kr.reason
    kept = {o.card for o in outcomes if o.rule_id == "G3-01" and o.status is Status.APPLICABLE}
    # first-line PRRT differs in strength at the two ends (M-03 CONSIDER at 15 %, G3-01 RECOMMEND at 25 %: review
    # 2026-12 B-W3, "PRRT at most consider until pathology gives a point value"), and CAPTEM holds only at the G3
    # end: neither is kept as a suggestion; the point-value card names both answers
    assert not kept and "PRRT (consider)" in kr.reason and "PRRT (recommend)" in kr.reason


def test_bound_that_decides_nothing_gets_no_card():
    outcomes = _outcomes(ki67=Ki67(2.0, comparator="<"), grade=Grade.G1,
                         ki67_ends=((Ki67(0.0), Grade.G1), (Ki67(1.9), Grade.G1)))
    assert not [o for o in outcomes if o.rule_id == "KR-01" and o.status is Status.APPLICABLE]


def test_a_point_value_is_never_reviewed():
    outcomes = _outcomes(ki67=Ki67(12.0))
    assert [o.rule_id for o in outcomes if o.rule_id == "KR-01"] == []
