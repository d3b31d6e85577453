"""N-03 second line (helper chemo, 2026-12): FOLFOX and FOLFIRI drafted as one signable 14-day cycle whose structured
fields carry the infusion durations and the same-day sequence; DPD and UGT1A1 status read before them (SB-13, SB-14)."""
from __future__ import annotations

import re

from tests.orders.test_choices_and_changes import card_with, cards_of, ext
from tests.orders.test_draft_orders import creates


def _regimens(pid: str) -> dict[str, dict]:
    card = card_with(cards_of(pid), topic="other-chemotherapy")
    return {re.match(r"[A-Z]+", r["action"][0]["title"]).group(0): r for (_, _, r) in creates([card]) if r["resourceType"] == "RequestGroup"}


def _timing(regimen: dict, drug_id: str) -> dict:
    mr = next(r for r in regimen["contained"] if r["id"] == drug_id)
    return mr["dosageInstruction"][0]["timing"]["repeat"]


def test_folfox_and_folfiri_are_one_14_day_cycle_with_durations_and_sequence():
    regimens = _regimens("net-273")
    assert set(regimens) == {"FOLFOX", "FOLFIRI"}
    for name, first in (("FOLFOX", "oxaliplatin-folfox"), ("FOLFIRI", "irinotecan-folfiri")):
        r = regimens[name]
        assert r["action"][0]["timingTiming"]["repeat"] == {"count": 1, "frequency": 1, "period": 14, "periodUnit": "d"}
        suffix = name.lower()
        infusion = _timing(r, f"fluorouracil-infusion-{suffix}")
        assert (infusion["duration"], infusion["durationUnit"], infusion["count"]) == (46, "h", 1)
        assert "duration" not in _timing(r, f"fluorouracil-bolus-{suffix}")  # a bolus, not an infusion
        doses = {mr["id"]: mr["dosageInstruction"][0]["doseAndRate"][0]["doseQuantity"]["value"] for mr in r["contained"]}
        assert doses[f"fluorouracil-bolus-{suffix}"] == 400 and doses[f"fluorouracil-infusion-{suffix}"] == 2400
        assert doses[f"leucovorin-{suffix}"] == 400 and doses[first] == (85 if name == "FOLFOX" else 180)
        related = {a["id"]: a.get("relatedAction") for a in r["action"][0]["action"]}
        assert related[f"fluorouracil-bolus-{suffix}"] == [{"actionId": f"leucovorin-{suffix}", "relationship": "after-end"}]
        assert related[f"fluorouracil-infusion-{suffix}"] == [{"actionId": f"fluorouracil-bolus-{suffix}",
                                                              "relationship": "after-end"}]


def test_unknown_dpd_and_ugt1a1_status_offer_the_tests_beside_the_drafts():
    cards = cards_of("net-273")
    dpd = card_with(cards, rule="SB-13")
    assert "DPYD" in dpd["summary"] and ext(dpd)["missing"]
    assert any(a["resource"]["resourceType"] == "ServiceRequest" for s in dpd["suggestions"] for a in s["actions"])
    assert "UGT1A1" in card_with(cards, rule="SB-14")["summary"]


def test_partial_or_complete_dpd_deficiency_withdraws_the_standard_dose_drafts():
    for pid in ("net-274", "net-275"):
        card = card_with(cards_of(pid), topic="other-chemotherapy")
        assert ext(card)["strength"] in ("caution", "not-recommended")
        assert not [r for (_, _, r) in creates([card]) if r["resourceType"] == "RequestGroup"]
        assert not any("Test DPYD" in c["summary"] for c in cards_of(pid))  # the status is known: no test asked
    assert "50 %" in card_with(cards_of("net-274"), topic="other-chemotherapy")["summary"]


def test_ugt1a1_poor_metaboliser_gets_no_standard_dose_folfiri_draft():
    """net-276 (UGT1A1 *28/*28): no FOLFIRI draft at irinotecan 180 mg/m2; FOLFOX stays; the second-line card says
    why; net-275 (complete DPD deficiency): no SB-14 card, and nothing points to FOLFOX (review D, unsafe 1-2)."""
    cards = cards_of("net-276")
    assert "FOLFIRI" not in _regimens("net-276") and "FOLFOX" in _regimens("net-276")
    chemo = card_with(cards, topic="other-chemotherapy")
    assert "70 %" in chemo["detail"] and "UGT1A1" in chemo["detail"]
    assert not any("SB-14" in ext(c)["rules"] for c in cards)
    for c in cards_of("net-275"):
        assert "SB-14" not in ext(c)["rules"]
        assert "choose a regimen without irinotecan" not in c["detail"]
