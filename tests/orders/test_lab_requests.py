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


def test_recent_values_are_cited_not_requested(answers):
    body = answers["net-279"]
    assert _lab_codes(body) == ["2160-0"], "potassium and magnesium are 2 days old; creatinine 25 days"
    (card,) = [c for c in body["cards"] if c["summary"].startswith("Escalate VIPoma")]
    assert card["indicator"] == "critical", "magnesium 0.45 mmol/L two days ago is critical"
    assert "0\\.45 mmol/L" in card["detail"] and "2026-11-20" in card["detail"]


def test_a_vipoma_with_recent_values_gets_no_lab_card(answers):
    for pid, body in answers.items():
        for card in body["cards"]:
            if card["summary"].startswith("Check potassium, magnesium and creatinine"):
                assert card.get("suggestions"), f"{pid}: a lab card with nothing to request"
