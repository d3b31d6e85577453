"""Lab draft requests (VIPoma, specialist review): a lab request is LOINC-coded and drafted only when no value of
what it measures is on record within its ``recent_within`` days; a recent value is cited, not requested again."""
from __future__ import annotations

import pytest

from tests.orders.answers import all_answers


def _lab_codes(body: dict) -> list[str]:
    out = []
    for card in body["cards"]:
        for s in card.get("suggestions", []):
            for a in s["actions"]:
                r = a.get("resource") or {}
                if r.get("resourceType") == "ServiceRequest":
                    out += [c["code"] for c in r["code"]["coding"] if c["system"] == "http://loinc.org"]
    return out


@pytest.fixture(scope="module")
def answers() -> dict[str, dict]:
    return all_answers()


def test_no_electrolytes_on_record_requests_all_three(answers):
    assert sorted(_lab_codes(answers["net-278"])) == ["19123-9", "2160-0", "2823-3"]


def test_with_a_critical_value_all_three_are_repeated_together(answers):
    # net-287: potassium 2.7 (critical), magnesium 0.8 and creatinine 0.9, all three days old. Review E: magnesium
    # decides whether potassium can be corrected and renal function comes before IV replacement, so with one
    # critical value all three are repeated today (with an ECG); a value a few days old is not today's
    assert sorted(_lab_codes(answers["net-287"])) == ["19123-9", "2160-0", "2823-3", "34534-8"]


def test_recent_values_are_cited_not_requested_without_a_critical_one(answers):
    # a VIPoma patient with recent non-critical values only: nothing is requested again
    for pid, body in answers.items():
        for card in body["cards"]:
            if "F-09" in card["extension"]["net-cds"]["rules"] and card["indicator"] != "critical":
                assert "34534-8" not in _lab_codes({"cards": [card]}), pid


def test_a_recent_critical_value_is_requested_again_with_an_ecg(answers):
    """Review D (net-17, net-137, net-279): a critical potassium/magnesium 2-4 days old was "recent" and not
    repeated. A critical value is requested however recent, with a 12-lead ECG and "replace now"."""
    body = answers["net-279"]     # K 3.4 and Mg 0.45 (critical) two days ago, creatinine 25 days ago
    assert sorted(_lab_codes(body)) == ["19123-9", "2160-0", "2823-3", "34534-8"], "Mg (critical), K and creatinine"
    (card,) = [c for c in body["cards"] if c["summary"].startswith("Replace magnesium now")]
    assert card["indicator"] == "critical"
    assert "0\\.45 mmol/L" in card["detail"] and "2026-11-20" in card["detail"]
    assert "repeat potassium, magnesium and creatinine today" in card["summary"], "the summary names what is requested"
    for pid in ("net-17", "net-137"):       # K 2.9 / 2.8 three / four days ago
        assert "2823-3" in _lab_codes(answers[pid]) and "34534-8" in _lab_codes(answers[pid]), pid
        assert any(c["summary"].startswith("Replace potassium now") for c in answers[pid]["cards"]), pid


def test_the_lab_card_summary_names_what_it_requests(answers):
    names = {"2823-3": "potassium", "19123-9": "magnesium", "2160-0": "creatinine"}
    for pid, body in answers.items():
        for card in body["cards"]:
            if card["summary"].startswith(("Check ", "Replace ")) and "VIPoma" in card["summary"]:
                asked = {names[c] for c in _lab_codes({"cards": [card]}) if c in names}
                said = card["summary"].split("today")[0]
                assert asked and all(n in said for n in asked), (pid, card["summary"], asked)
                assert all(n not in said.split("repeat")[-1] for n in set(names.values()) - asked), \
                    (pid, card["summary"], asked)


def test_a_vipoma_with_recent_values_gets_no_lab_card(answers):
    for pid, body in answers.items():
        for card in body["cards"]:
            if "VIPoma watery diarrhoea" in card["summary"] and card["summary"].startswith("Check "):
                assert card.get("suggestions"), f"{pid}: a lab card with nothing to request"


def _tests_only(card: dict) -> bool:
    """Every suggestion creates ServiceRequests that are not referrals (labs, an ECG)."""
    referral = "3457005"
    suggestions = card.get("suggestions", [])
    return len(suggestions) > 1 and all(
        a["type"] == "create" and isinstance(a.get("resource"), dict)
        and a["resource"].get("resourceType") == "ServiceRequest"
        and not any(c.get("code") == referral for cat in a["resource"].get("category", []) for c in cat.get("coding", []))
        for s in suggestions for a in s["actions"])


def test_a_card_of_several_tests_lets_all_be_taken():
    """Review D: the critical-electrolyte card offered potassium, magnesium, creatinine and an ECG as alternatives
    ("at-most-one"); independent tests are "any" in every answer."""
    import glob
    import json
    from pathlib import Path
    root = Path(__file__).resolve().parents[1] / "golden"
    seen = 0
    for path in sorted(glob.glob(str(root / "cards" / "*.json"))) + sorted(glob.glob(str(root / "orders" / "*.json"))):
        for card in json.loads(Path(path).read_text(encoding="utf-8"))["cards"]:
            if _tests_only(card):
                seen += 1
                assert card["selectionBehavior"] == "any", (Path(path).stem, card["summary"])
    assert seen >= 5   # net-17, net-137, net-250, net-279, net-287 at least


def test_the_tests_only_check_can_fail():
    card = {"suggestions": [{"actions": [{"type": "create", "resource": {"resourceType": "ServiceRequest"}}]}] * 2,
            "selectionBehavior": "at-most-one"}
    assert _tests_only(card) and card["selectionBehavior"] != "any"
