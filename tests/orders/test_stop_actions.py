"""Advice against a drug the patient takes acts on it (reviews A M1, B U7; issue 12 item 2): over every
patient-view fixture answer, a not-recommended card about a therapy class the patient has in force (an active
order, an active statement, an order not yet started) carries a suggestion that stops or holds that record --
"SSA not recommended in NEC" with lanreotide running, "everolimus during a PRRT course" with everolimus taken."""
from __future__ import annotations

from tests.orders.ends import ended

import pytest

from service.picture.model import TherapyStatus
from tests.orders.answers import all_answers
from tests.plugins.clinical import FIXTURES_DIR, bundle_record
from tests.rules.factories import knowledge

# topics that are about the drug itself (drug-safety cards name their drug through `stops`)
_AGENT_TOPICS = {d.agent for d in knowledge().drugs.values()} | {"prrt"}


def _in_force(picture, agent: str) -> set[str]:
    return {ref for t in picture.therapies if t.agent.value == agent
            and t.status in (TherapyStatus.ACTIVE, TherapyStatus.PLANNED) for ref in (*t.orders, *t.statements)}


def stop_problems(picture, body: dict) -> list[str]:
    out = []
    for card in body["cards"]:
        net = card["extension"]["net-cds"]
        if net["strength"] != "not-recommended" or net["topic"] not in _AGENT_TOPICS:
            continue
        current = _in_force(picture, net["topic"])
        if not current:
            continue
        deletes = {ref for s in card.get("suggestions", []) for ref in ended(s["actions"])}
        if not current & deletes:
            out.append(f"{card['summary'][:80]!r}: not recommended, the patient has {sorted(current)} in force and "
                       "no suggestion stops or holds it")
    return out


@pytest.fixture(scope="module")
def answers() -> dict[str, dict]:
    return all_answers()


def test_every_not_recommended_card_about_a_current_drug_stops_or_holds_it(answers, picture_of):
    found = {}
    for pid, body in sorted(answers.items()):
        bundle = FIXTURES_DIR / "bundles" / f"{pid}.json"
        if not bundle.exists():
            continue  # order situations: the card removes the draft (tests/test_order_goldens.py)
        if (p := stop_problems(picture_of(bundle_record(bundle)), body)):
            found[pid] = p
    assert not found, "\n".join(f"{pid}: {line}" for pid, lines in found.items() for line in lines)


def test_the_stop_check_can_fail(picture_of):
    picture = picture_of(bundle_record(FIXTURES_DIR / "bundles" / "net-30.json"))
    body = {"cards": [{"summary": "SSA not recommended", "suggestions": [],
                       "extension": {"net-cds": {"strength": "not-recommended", "topic": "somatostatin-analog"}}}]}
    assert stop_problems(picture, body)
