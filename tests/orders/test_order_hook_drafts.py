"""Order hooks: a draft is an order, not a therapy the patient takes, and a drafted antitumour therapy that no row
offers for the patient is not recommended for lack of indication (review B W10, U4).

* No card of an order hook says a draft is "(active)"; the belzutifan draft in pregnancy is "cancel the order",
  never "stop belzutifan now" (a drug never started); no resource is deleted twice on one card.
* ord-12 (cabozantinib, localised lung carcinoid booked for lobectomy) and ord-24 (cabozantinib first line):
  a not-recommended XO-01 card beside any timing caution; XO-01 stays quiet where another not-recommended card
  already speaks (ord-23: NR-08), for concordant drafts (the silent situations) and outside order hooks.
"""
from __future__ import annotations

import json

import pytest

from tests.golden_cards_regen import ORDERS_DIR
from tests.orders.answers import all_answers

SITUATIONS = {p.stem: json.loads(p.read_text(encoding="utf-8")) for p in sorted(ORDERS_DIR.glob("ord-*.json"))}


@pytest.fixture(scope="module")
def answers() -> dict[str, dict]:
    return all_answers()


def _drafts(situation: str) -> set[str]:
    body = SITUATIONS[situation]
    return {f"{e['resource']['resourceType']}/{e['resource']['id']}" for e in body["context"]["draftOrders"]["entry"]}


def test_no_order_hook_card_calls_a_draft_active(answers):
    for situation in SITUATIONS:
        drafts = _drafts(situation)
        for card in answers[situation]["cards"]:
            for fact in card["extension"]["net-cds"]["facts"]:
                if fact.get("reference") in drafts:
                    assert "(active)" not in fact["display"], f"{situation}: {fact['display']}"
            for draft in drafts:
                for line in card.get("detail", "").splitlines():
                    if draft.replace("-", "\\-") in line or draft in line:
                        assert "\\(active\\)" not in line and "(active)" not in line, f"{situation}: {line}"


def test_a_belzutifan_draft_in_pregnancy_is_cancelled_not_stopped(answers):
    summaries = [c["summary"] for c in answers["ord-04"]["cards"]]
    assert not any(s.startswith("Stop belzutifan now") for s in summaries), summaries
    assert any(s.startswith("Cancel the belzutifan order") for s in summaries), summaries
    for card in answers["ord-04"]["cards"]:
        refs = [a["resourceId"] for s in card["suggestions"] if all(a["type"] == "delete" for a in s["actions"])
                for a in s["actions"]]
        assert len(refs) == len(set(refs)), card["summary"]


@pytest.mark.parametrize("situation", ["ord-12", "ord-24"])
def test_a_draft_no_row_offers_is_not_recommended_for_lack_of_indication(situation, answers):
    cards = [c for c in answers[situation]["cards"] if "XO-01" in c["extension"]["net-cds"]["rules"]]
    assert len(cards) == 1, [c["summary"] for c in answers[situation]["cards"]]
    (card,) = cards
    assert card["extension"]["net-cds"]["strength"] == "not-recommended" and "no indication" in card["summary"]
    assert card["extension"]["net-cds"]["draftOrders"] == sorted(_drafts(situation))


def test_no_indication_card_stays_quiet_where_a_row_speaks_or_offers(answers):
    assert not any("XO-01" in c["extension"]["net-cds"]["rules"] for c in answers["ord-23"]["cards"])
    assert not any("XO-01" in c["extension"]["net-cds"]["rules"] for c in answers["ord-01"]["cards"])
    for situation in ("ord-15", "ord-17"):  # concordant drafts: PRRT, LAR offered by the rows
        assert answers[situation]["cards"] == [], situation
    for pid, body in answers.items():
        if not pid.startswith("ord-"):
            assert not any("XO-01" in c["extension"]["net-cds"]["rules"] for c in body["cards"]), pid
