"""Everolimus suggested without its baseline labs (orders helper finding 5, 2026-12; SB-15): like PRRT's labs, the
everolimus card names each baseline lab (CBC, creatinine clearance, fasting glucose or HbA1c, lipids) not on record
or older than 30 days -- with the last date -- and, where everolimus is the card's one option, offers the
pre-everolimus blood tests beside the order (both may be taken: "any"). Labs on record and current are never asked
for, and a drug the answer advises against gets no labs."""
from __future__ import annotations

import pytest

from tests.orders.answers import all_answers


@pytest.fixture(scope="module")
def answers() -> dict[str, dict]:
    return all_answers()


def _everolimus(body: dict) -> dict:
    (card,) = [c for c in body["cards"] if "SB-15" in c["extension"]["net-cds"]["rules"]]
    return card


def _tests(card: dict) -> list[dict]:
    return [a["resource"] for s in card.get("suggestions", []) for a in s["actions"] if a["type"] == "create"
            and a["resource"]["resourceType"] == "ServiceRequest" and any(
                c["code"] == "everolimus-labs" for c in a["resource"]["code"]["coding"])]


def test_net37_everolimus_card_lists_the_missing_baseline_and_offers_the_labs(answers):
    card = _everolimus(answers["net-37"])
    net = card["extension"]["net-cds"]
    assert net["topic"] == "everolimus" and net["strength"] in ("recommend", "consider")
    missing = net["missing"]
    assert "before everolimus: fasting glucose or HbA1c (not on record)" in missing
    assert "before everolimus: lipids (cholesterol, triglycerides) (not on record)" in missing
    # CBC and CrCl are on record 10 days ago: not asked for again
    assert not [m for m in missing if "haemoglobin" in m or "creatinine clearance" in m]
    assert len(_tests(card)) == 1 and card["selectionBehavior"] == "any"


def test_old_labs_are_named_with_their_date(answers):
    net = _everolimus(answers["net-263"])["extension"]["net-cds"]
    assert "before everolimus: haemoglobin (last 2026-09-08, 2 months ago: repeat)" in net["missing"]
    assert "before everolimus: creatinine clearance (last 2026-09-08, 2 months ago: repeat)" in net["missing"]


def test_current_labs_or_advice_against_everolimus_ask_for_nothing(answers):
    """net-12 has CBC, CrCl, glucose and HbA1c from 15 days ago (lipids missing only); net-46's everolimus is
    not recommended (NR-02): no labs for it."""
    missing = _everolimus(answers["net-12"])["extension"]["net-cds"]["missing"]
    assert [m for m in missing if m.startswith("before everolimus")] == [
        "before everolimus: lipids (cholesterol, triglycerides) (not on record)"]
    assert not [c for c in answers["net-46"]["cards"] if "SB-15" in c["extension"]["net-cds"]["rules"]]
