"""The right order is acted on (reviews A U4, U5; B W1, W10): NR-23 stops the SSA kept beside everolimus and never
removes the indicated everolimus; a change of the SSA regimen ends the regimen the patient takes (an active order
or a regimen recorded as a statement) so that two schedules are never live; an interacting antibiotic for an
infection: the preferred action holds everolimus, stopping the antibiotic is the alternative switch."""
from __future__ import annotations

from tests.orders.ends import ended, target

import pytest

from tests.orders.answers import all_answers


@pytest.fixture(scope="module")
def answers() -> dict[str, dict]:
    return all_answers()


def _cards(body: dict, rule: str) -> list[dict]:
    return [c for c in body["cards"] if rule in c["extension"]["net-cds"]["rules"]]


def _deletes(card: dict) -> list[str]:
    return [ref for s in card.get("suggestions", []) for ref in ended(s["actions"])]


def test_nr23_never_deletes_everolimus_and_stops_the_ssa(answers):
    seen = 0
    for pid, body in answers.items():
        for card in _cards(body, "NR-23"):
            if "everolimus" not in card["summary"].lower() or "PRRT" in card["summary"]:
                continue
            seen += 1
            assert not any("everolimus" in ref for ref in _deletes(card)), f"{pid}: NR-23 deletes everolimus"
            assert any("lanreotide" in ref or "lar" in ref or "ssa" in ref.lower() for ref in _deletes(card)), pid
    assert seen >= 3  # net-235, ord-08, ord-13, ord-21 at least


def test_nr23_does_not_speak_about_a_lar_of_a_prrt_course_or_beside_nr02(answers):
    assert not _cards(answers["ord-11"], "NR-23"), "the LAR of a PRRT course is NR-17's, not NR-23's"
    assert [c["extension"]["net-cds"]["rules"] for c in answers["ord-02"]["cards"]] == [["NR-02"]], \
        "carcinoid syndrome: one card (NR-02) about the everolimus draft"


def test_ssa_escalation_ends_the_regimen_the_patient_takes(answers):
    for pid, current in (("net-43", "MedicationStatement/net-43-lar"), ("net-236", "MedicationStatement/net-236-lar")):
        (card,) = [c for c in answers[pid]["cards"] if "escalating" in c["summary"]]
        for suggestion in card["suggestions"]:
            assert current in ended(suggestion["actions"]), pid
            assert [a["type"] for a in suggestion["actions"]][-1] == "create"


def test_interacting_antibiotic_holds_everolimus_first(answers):
    for pid in ("net-35", "net-237", "ord-07", "ord-22"):
        (card,) = _cards(answers[pid], "NR-19")
        first = card["suggestions"][0]
        assert first["isRecommended"] and first["label"].startswith("Hold everolimus"), pid
        assert all("everolimus" in target(a) for a in first["actions"]), pid
        # a current everolimus is held (status on-hold), a draft one removed
        assert all(a["type"] == "delete" or a["resource"]["status"] == "on-hold" for a in first["actions"]), pid
        assert all(not s["isRecommended"] for s in card["suggestions"][1:]), pid
        assert card["selectionBehavior"] == "at-most-one", pid
