"""Order hooks: a draft the decision table says not to give now is NOT RECOMMENDED, with its row and source, and the
draft's removal (orders helper findings 2 and 3, 2026-12).

* NR-17 (net guideline section 6): a Lutathera draft within 4 weeks of a long-acting SSA injection (ord-25), or a
  long-acting SSA draft within 4 weeks before a scheduled PRRT dose (ord-11, ord-26), was only a caution; the table
  says not recommended. The card says when instead (the earliest PRRT date; the SSA 4-24 h after the dose).
* NR-23: an everolimus draft during a PRRT course (ord-27) is not recommended (the table does not combine them).
"""
from __future__ import annotations

import pytest

from tests.orders.answers import all_answers

LUTATHERA_LABEL = "https://www.ema.europa.eu/en/medicines/human/EPAR/lutathera"


@pytest.fixture(scope="module")
def answers() -> dict[str, dict]:
    return all_answers()


def _card(body: dict, rule: str) -> dict:
    (card,) = [c for c in body["cards"] if rule in c["extension"]["net-cds"]["rules"]]
    return card


def _removes(card: dict, draft: str) -> bool:
    return any(a["type"] == "delete" and a["resourceId"] == draft for s in card["suggestions"] for a in s["actions"])


@pytest.mark.parametrize("sid, draft, when", [
    ("ord-25", "MedicationRequest/ord-25-lutathera", "schedule the dose on 2026-12-10 or later"),
    ("ord-26", "MedicationRequest/ord-26-lanreotide", "PRRT dose on 2026-11-30; give it 4-24 h after"),
    ("ord-11", "MedicationRequest/ord-11-lar", "PRRT dose on 2026-11-28; give it 4-24 h after"),
])
def test_a_draft_inside_the_ssa_prrt_washout_is_not_recommended(answers, sid, draft, when):
    card = _card(answers[sid], "NR-17")
    net = card["extension"]["net-cds"]
    assert net["strength"] == "not-recommended" and card["indicator"] == "warning"
    assert net["draftOrders"] == [draft] and _removes(card, draft)
    assert when in card["summary"]
    assert any(e["url"] == LUTATHERA_LABEL for e in net["evidence"])


def test_an_everolimus_draft_during_a_prrt_course_is_not_recommended(answers):
    card = _card(answers["ord-27"], "NR-23")
    net = card["extension"]["net-cds"]
    assert net["strength"] == "not-recommended" and net["topic"] == "everolimus"
    assert net["draftOrders"] == ["MedicationRequest/ord-27-everolimus"]
    assert _removes(card, "MedicationRequest/ord-27-everolimus")


def test_without_the_draft_there_is_no_not_recommended_timing_card(answers):
    """The not-recommended cards are about a draft: the patient-view answers of the same patients (net-262 the base of
    ord-25, net-261 of ord-26, net-68 of ord-11) carry no NR-17 card."""
    for pid in ("net-262", "net-261", "net-68"):
        assert not [c for c in answers[pid]["cards"] if "NR-17" in c["extension"]["net-cds"]["rules"]], pid
