"""A draft says what its card says (reviews A U1, B U1-U3): over every fixture answer, each draft's structured
count, bound and dose agree with the numbers of its card's "Dose and schedule", and no draft schedules a drug
that a card of the same answer says not to give.

* count: a course of a fixed number of doses (``timing.repeat.count``) is one of the dose counts the card
  states ("2 further doses"); a PRRT re-treatment card never carries the first course's 4;
* bound: a draft bounded in time (``boundsDuration``, outside a regimen) has its duration in the card's text
  (rescue octreotide for a patient already on a depot is never the 14-day first-injection bridge);
* dose: each structured dose number is written in the card's "Dose and schedule" (cards of one option);
* forbidden: a card that says "no long-acting SSA" (insulinoma PRRT) or a not-recommended card about a drug
  class rules out any draft of that class in the same answer, including a drug the draft's own dosage text
  schedules ("octreotide LAR 30 mg 4-24 h after each dose").
"""
from __future__ import annotations

from tests.orders.ends import ends

import re

import pytest

from tests.orders.answers import all_answers, drafts, ordered_dose, section
from tests.rules.factories import knowledge

_DOSE_COUNT = re.compile(r"\b(\d+) (?:further |more )?doses\b")
_NUMBER = re.compile(r"\d+(?:\.\d+)?")
# "no / never / without <drug class>" in a card: (pattern, agent, long-acting or None for both forms)
_FORBIDS = [
    (re.compile(r"\b(?:no|never|without)(?: a| an)? long-acting (?:SSA|somatostatin analogue)\b"
                r"(?! (?:dose |injection )?(?:in|within|before|after the))", re.I), "somatostatin-analog", True),
    (re.compile(r"\b(?:no|never)(?: an?)? octreotide LAR\b(?! (?:dose |injection )?(?:in|within|before))", re.I),
     "somatostatin-analog", True),
]
# drugs a dosage text schedules beside the ordered one ("octreotide LAR 30 mg 4-24 h after each dose")
_SCHEDULES = [
    (re.compile(r"\b(?:octreotide LAR|lanreotide) \d+ ?mg\b", re.I), "somatostatin-analog", True),
]


def _drug(mr: dict):
    k = knowledge()
    code = mr["medicationCodeableConcept"]["coding"][0]["code"]
    text = mr["medicationCodeableConcept"].get("text")
    found = [d for d in k.drugs.values() if d.rxnorm == code and d.display == text]
    return found[0] if found else None


def _scheduled(mr: dict, *, with_text: bool = True) -> set[tuple[str, bool | None]]:
    """(agent, long-acting) of the ordered drug and of any drug its dosage text schedules."""
    out: set[tuple[str, bool | None]] = set()
    drug = _drug(mr)
    if drug is not None:
        out.add((drug.agent, drug.long_acting))
    text = mr["dosageInstruction"][0].get("text", "") if with_text else ""
    for pattern, agent, long_acting in _SCHEDULES:
        if pattern.search(text):
            out.add((agent, long_acting))
    return out


def _clashes(scheduled: set[tuple[str, bool | None]], agent: str, long_acting: bool | None) -> bool:
    return any(a == agent and (long_acting is None or la is None or la == long_acting) for a, la in scheduled)


def problems(body: dict) -> list[str]:
    out: list[str] = []
    cards = body["cards"]
    for card in cards:
        schedule = section(card, "Dose and schedule")
        detail = card.get("detail", "")
        for suggestion, mr, in_regimen in drafts(card):
            name = mr["medicationCodeableConcept"].get("text", "?")
            where = f"{card['summary'][:70]!r} / {name!r}"
            dosage = mr["dosageInstruction"][0]
            repeat = dosage["timing"]["repeat"]
            own = dosage.get("text", "")
            if not in_regimen and "count" in repeat and "boundsDuration" not in repeat and schedule:
                stated = {int(n) for n in _DOSE_COUNT.findall(schedule)}
                if stated and repeat["count"] not in stated:
                    out.append(f"{where}: draft count {repeat['count']}, the card says {sorted(stated)} doses")
                own_counts = {int(n) for n in _DOSE_COUNT.findall(own)}
                if own_counts and repeat["count"] not in own_counts:
                    out.append(f"{where}: draft count {repeat['count']}, its own text says {sorted(own_counts)}")
            if not in_regimen and "boundsDuration" in repeat:
                days = repeat["boundsDuration"]["value"]
                said = [f"{days} days"] + ([f"{days // 7} weeks", f"{days // 7} week"] if days % 7 == 0 else [])
                if not any(s in detail for s in said):
                    out.append(f"{where}: bounded to {days} days, which the card never says")
            options = [sg for sg in card.get("suggestions", []) if any(a["type"] == "create" for a in sg["actions"])]
            if schedule and len(options) == 1:  # a choice card's section is its first option's (render, choices)
                low, high, _ = ordered_dose(mr)
                numbers = set(_NUMBER.findall(schedule))
                for value in {low, high}:
                    if f"{value:g}" not in numbers:
                        out.append(f"{where}: structured dose {value:g} is not in the card's Dose and schedule")
    # forbidden classes: phrases of any card, and not-recommended cards about a class (other cards' drafts)
    forbids: list[tuple[str, str, bool | str | None]] = []
    for card in cards:
        text = f"{card['summary']}\n{card.get('detail', '')}"
        for pattern, agent, long_acting in _FORBIDS:
            if pattern.search(text):
                forbids.append((card["uuid"], agent, long_acting))
        net = card.get("extension", {}).get("net-cds", {})
        if net.get("strength") == "not-recommended" and net.get("topic") in {d.agent for d in knowledge().drugs.values()}:
            forbids.append((card["uuid"], net["topic"], "ordered"))
    for card in cards:
        for suggestion, mr, _ in drafts(card):
            for source, agent, long_acting in forbids:
                # a not-recommended card is about the drug as ordered (e.g. "SSA alone"), a "no ..." phrase also
                # about a drug the draft's text schedules beside it
                scheduled = _scheduled(mr, with_text=long_acting != "ordered")
                if long_acting == "ordered":
                    long_acting = None
                strength = next(c for c in cards if c["uuid"] == source).get("extension", {}).get(
                    "net-cds", {}).get("strength")
                if source == card["uuid"] and strength == "not-recommended":
                    continue  # a not-recommended card's own replacement order (e.g. the label dose)
                if _clashes(scheduled, agent, long_acting):
                    name = mr["medicationCodeableConcept"].get("text", "?")
                    out.append(f"{card['summary'][:60]!r}: draft {name!r} schedules {agent}"
                               f"{' (long-acting)' if long_acting else ''}, which a card of this answer rules out")
    return out


@pytest.fixture(scope="module")
def answers() -> dict[str, dict]:
    return all_answers()


def test_every_fixture_draft_agrees_with_its_card_and_the_answer(answers):
    found = {pid: p for pid, body in sorted(answers.items()) if (p := problems(body))}
    assert not found, "\n".join(f"{pid}: {line}" for pid, lines in found.items() for line in lines)


def test_prrt_retreatment_draft_orders_the_retreatment_series(answers):
    """The PRRT option (on its own card, or one option of the next-line choice card) is the re-treatment series."""
    for pid in ("net-48", "net-101", "net-230"):
        (mr,) = _prrt_drafts(answers[pid])
        assert mr["dosageInstruction"][0]["timing"]["repeat"]["count"] == 2, pid
        assert "further doses" in mr["dosageInstruction"][0]["text"], pid


def test_insulinoma_prrt_draft_schedules_no_long_acting_ssa(answers):
    for pid in ("net-134", "net-231"):
        (mr,) = _prrt_drafts(answers[pid])
        assert ("somatostatin-analog", True) not in _scheduled(mr), pid


def _prrt_drafts(answer: dict) -> list[dict]:
    """Every Lu-177 draft of an answer, whichever card (a PRRT card or a choice card's option) carries it."""
    found = []
    for card in answer["cards"]:
        for _, mr, _ in drafts(card):
            drug = _drug(mr)
            if drug is not None and drug.agent == "prrt":
                found.append(mr)
    return found


def test_add_on_octreotide_for_a_patient_on_a_depot_is_not_the_bridge(answers):
    for pid in ("net-137", "net-232"):
        (card,) = [c for c in answers[pid]["cards"] if c["summary"].startswith("Escalate VIPoma control")]
        for _, mr, _ in drafts(card):
            repeat = mr["dosageInstruction"][0]["timing"]["repeat"]
            assert "boundsDuration" not in repeat and "count" not in repeat, pid
            assert "first octreotide LAR" not in mr["dosageInstruction"][0]["text"], pid


# --------------------------------------------------------------------------- the checks can fail


def _card(summary: str, detail: str, mr: dict, strength: str = "consider", uuid: str = "c1") -> dict:
    return {"uuid": uuid, "summary": summary, "detail": detail,
            "extension": {"net-cds": {"strength": strength, "topic": "prrt"}},
            "suggestions": [{"label": "x", "actions": [{"type": "create", "resource": mr}]}]}


def _mr(drug_id: str) -> dict:
    from service.render import medication_create
    from tests.rules.factories import make_picture
    return medication_create(drug_id, make_picture(), knowledge=knowledge())["resource"]


def test_the_check_catches_a_first_course_count_on_a_retreatment_card():
    detail = "**Why**\n\nRe-treatment.\n\n**Dose and schedule**\n\n7.4 GBq IV every 8 weeks for 2 further doses."
    assert any("count 4" in p for p in problems({"cards": [_card("Re-treat", detail, _mr("lutathera"))]}))
    assert not problems({"cards": [_card("Re-treat", detail, _mr("lutathera-retreatment"))]})


def test_the_check_catches_a_long_acting_ssa_scheduled_against_the_card():
    detail = ("**Why**\n\nInsulinoma.\n\n**Dose and schedule**\n\n7.4 GBq IV every 8 weeks for 4 doses. "
              "No long-acting SSA bridge unless a monitored test dose was tolerated.")
    assert any("rules out" in p for p in problems({"cards": [_card("PRRT", detail, _mr("lutathera"))]}))
    assert not problems({"cards": [_card("PRRT", detail, _mr("lutathera-no-ssa"))]})


def test_the_check_catches_an_unstated_bound_and_a_dose_not_in_the_text():
    detail = "**Dose and schedule**\n\nOctreotide 100-250 micrograms SC up to three times daily, titrated."
    found = problems({"cards": [_card("Escalate", detail, _mr("octreotide-sc-tid"))]})
    assert any("bounded to 14 days" in p for p in found)
    detail = "**Dose and schedule**\n\nEverolimus 5 mg daily."
    assert any("structured dose 10" in p for p in problems({"cards": [_card("E", detail, _mr("everolimus-10"))]}))


def test_a_first_lar_bridge_is_never_drafted_without_the_depot():
    """The 2-week SC cover bridges a first octreotide LAR injection: for a patient already on a depot (no new
    depot drafted) it is not drafted (it would be an add-on that silently stops after 14 days)."""
    from service.picture.model import Agent
    from service.render import render
    from service.rules import Outcome, Status
    from tests.rules.factories import make_picture, therapy

    k = knowledge()
    spec = k.cards["ssa-carcinoid-syndrome"]

    def drafted(picture) -> list[str]:
        cards = render([Outcome(spec.rules[0], Status.APPLICABLE, card=spec.id)], picture, knowledge=k,
                       uuid_factory=lambda: "u")
        return [mr["medicationCodeableConcept"]["text"] for c in cards for _, mr, _ in drafts(c)]

    naive = drafted(make_picture())
    assert any("octreotide LAR takes effect" in t for t in naive)  # with the depot: the bridge goes with it
    on_lar = drafted(make_picture(therapies=(therapy(Agent.SSA, drug="octreotide LAR",
                                                     ref="MedicationRequest/lar"),)))
    assert not any("octreotide LAR takes effect" in t for t in on_lar), on_lar


def test_a_prrt_option_ends_the_current_ssa_depot(answers):
    """Review 2026-12 C-1: choosing PRRT (whose schedule gives octreotide LAR after each dose) must not leave the
    patient's q4w depot running: the same suggestion ends the current depot record (never two live SSA
    schedules; no depot in the 4 weeks before a PRRT dose, NR-17)."""
    for pid in ("net-48", "net-101", "net-230", "net-242"):
        found = []
        for card in answers[pid]["cards"]:
            for suggestion in card.get("suggestions", ()):
                creates = [a["resource"] for a in suggestion["actions"] if a["type"] == "create"]
                if any(_drug(r) is not None and _drug(r).agent == "prrt" for r in creates
                       if r.get("resourceType") == "MedicationRequest"):
                    found.append([a for a in suggestion["actions"] if ends(a)])
        assert found, pid
        for deletes in found:
            assert any("long-acting SSA" in a["description"] for a in deletes), (pid, deletes)
            # the depot record is put on hold (it resumes after each PRRT dose: review E), never deleted with its
            # history
            assert all(a["type"] == "update" and a["resource"]["status"] == "on-hold" for a in deletes), (pid, deletes)


def test_an_insulinoma_prrt_option_without_ssa_ends_nothing():
    from tests.rules.factories import knowledge as k
    assert not k().drugs["lutathera-no-ssa"].replaces_depot
    assert k().drugs["lutathera"].replaces_depot and k().drugs["lutathera-retreatment"].replaces_depot
