"""A critical safety card offers what a clinician would do (orders helper finding 1, 2026-12): over every fixture
answer, a critical drug-safety card carries at least one suggestion; the QT card (SB-12) asks for a 12-lead ECG,
potassium and magnesium as LOINC-coded draft ServiceRequests, on the chart and in order hooks (net-141, net-255,
net-260, ord-09). It never stops the other QT-prolonging drug in one click (review E, net-141: an antibiotic stopped
mid-course with no replacement, an SSRI stopped abruptly): its detail says to review each with its prescriber."""
from __future__ import annotations

import pytest

from tests.orders.answers import all_answers
from tests.orders.ends import target

LOINC = "http://loinc.org"
QT_TESTS = {"34534-8", "2823-3", "2601-3"}  # 12-lead ECG panel, potassium, magnesium (cards/knowledge/services.yaml)


@pytest.fixture(scope="module")
def answers() -> dict[str, dict]:
    return all_answers()


def _tests(card: dict) -> set[str]:
    return {c["code"] for s in card.get("suggestions", []) for a in s["actions"] if a["type"] == "create"
            and a["resource"]["resourceType"] == "ServiceRequest" and a["resource"]["status"] == "draft"
            for c in a["resource"]["code"]["coding"] if c["system"] == LOINC}


def critical_problems(body: dict) -> list[str]:
    out = []
    for card in body["cards"]:
        net = card["extension"]["net-cds"]
        if card["indicator"] == "critical" and net["topic"] == "drug-safety" and not card.get("suggestions"):
            out.append(f"{card['summary'][:80]!r}: critical, nothing to do")
        if "SB-12" in net["rules"]:
            if not QT_TESTS <= _tests(card):
                out.append(f"{card['summary'][:80]!r}: QT card without ECG/potassium/magnesium ({_tests(card)})")
            cited = {f["reference"] for f in net["facts"] if f["name"] == "Current medication" and "reference" in f}
            # a record in force of the other QT drug is never ended by the card: reviewed with its prescriber
            stopped = {target(a) for s in card.get("suggestions", []) for a in s["actions"]
                       if a["type"] == "update" and a["resource"]["status"] in ("stopped", "on-hold")}
            if cited & stopped:
                out.append(f"{card['summary'][:80]!r}: the QT drug {sorted(cited & stopped)} is stopped in one click")
            if cited and "prescriber" not in card["detail"]:
                out.append(f"{card['summary'][:80]!r}: no word on reviewing the QT drug with its prescriber")
    return out


def test_every_critical_safety_card_offers_an_action(answers):
    found = {sid: p for sid, body in sorted(answers.items()) if (p := critical_problems(body))}
    assert not found, "\n".join(f"{sid}: {line}" for sid, lines in found.items() for line in lines)


@pytest.mark.parametrize("sid", ["net-141", "net-255", "net-260", "ord-09"])
def test_the_qt_card_asks_for_ecg_and_electrolytes(answers, sid):
    (card,) = [c for c in answers[sid]["cards"] if "SB-12" in c["extension"]["net-cds"]["rules"]]
    assert card["indicator"] == "critical" and QT_TESTS <= _tests(card)
    # the tests (and, in an order hook, the removal of a draft) may all be taken together
    assert card["selectionBehavior"] == "any"


def test_the_critical_check_can_fail(answers):
    body = {"cards": [{**c, "suggestions": []} for c in answers["net-141"]["cards"]
                      if "SB-12" in c["extension"]["net-cds"]["rules"]]}
    problems = critical_problems(body)
    assert any("nothing to do" in p for p in problems) and any("without ECG" in p for p in problems)
    (qt,) = [c for c in answers["net-141"]["cards"] if "SB-12" in c["extension"]["net-cds"]["rules"]]
    cited = [f["reference"] for f in qt["extension"]["net-cds"]["facts"] if f["name"] == "Current medication"]
    assert cited
    one_click = {**qt, "detail": "no review", "suggestions": [{"actions": [
        {"type": "update", "resource": {"resourceType": cited[0].split("/")[0], "id": cited[0].split("/")[1],
                                        "status": "stopped"}}]}]}
    problems = critical_problems({"cards": [one_click]})
    assert any("stopped in one click" in p for p in problems) and any("prescriber" in p for p in problems)
