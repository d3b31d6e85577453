"""data -> picture -> rules -> cards, for one hook call. Pure apart from the timings it records.

Also the one place that puts the stages and the knowledge together at start-up
(:func:`prepare_knowledge`): the knowledge loader knows nothing of the rules or the renderer, so
the rules' run plan and the cards' pre-sanitised texts are derived here, above both.
"""
from __future__ import annotations

import time
from dataclasses import replace
from datetime import date
from pathlib import Path
from typing import Any, Callable, Mapping, Sequence

from service.knowledge import Knowledge, load_knowledge
from service.render import card_texts, render
from service.picture.build import build_picture
from service.data.records import PatientRecord
from service.rules import Outcome, Status, evaluate, load_rules, rule_plan


def advise(
    record: PatientRecord,
    *,
    as_of: date,
    knowledge,
    terminology,
    uuid_factory: Callable[[], str],
    timings: dict[str, float] | None = None,
) -> list[dict]:
    """Return the CDS Hooks cards for one patient record (``[]`` when there is no NEN)."""
    t0 = time.perf_counter()
    picture = build_picture(record, as_of=as_of, terminology=terminology)
    t1 = time.perf_counter()
    outcomes = evaluate(picture, as_of=as_of, knowledge=knowledge)
    t2 = time.perf_counter()
    cards = render(outcomes, picture, knowledge=knowledge, uuid_factory=uuid_factory)
    t3 = time.perf_counter()
    if timings is not None:
        timings["picture"] = t1 - t0
        timings["rules"] = t2 - t1
        timings["render"] = t3 - t2
    return cards


def prepare_knowledge(cards_dir: Path) -> Knowledge:
    """The knowledge under ``cards_dir``, checked against the rows the rules stage implements, with the
    work every hook call would otherwise repeat done once: the rules' run plan and the cards'
    pre-sanitised constant text (``Knowledge.derived``). Raises ``KnowledgeError`` when broken."""
    knowledge = load_knowledge(cards_dir, rule_ids=load_rules().keys())
    rule_plan(knowledge)
    card_texts(knowledge)
    return knowledge


# ---------------------------------------------------------------------- order hooks

#: Card strengths that are a concern about a proposed therapy (order hooks stay silent otherwise).
CONCERN_STRENGTHS = frozenset({"not-recommended", "caution"})


def advise_orders(
    record: PatientRecord,
    drafts: Sequence[Mapping[str, Any]],
    *,
    selections: Sequence[str] | None = None,
    as_of: date,
    knowledge: Knowledge,
    terminology,
    uuid_factory: Callable[[], str],
    timings: dict[str, float] | None = None,
) -> list[dict]:
    """Cards about draft orders (order-select / order-sign): only concerns, never the usual advice.

    The same rules as patient-view run on the record with the drafts added (a draft MedicationRequest
    reads as a planned therapy), so no rule is duplicated: a concern is a not-recommended or caution
    card, or a critical one, about a draft: it cites the draft among its facts (an interaction, a dose),
    or its topic is the therapy the draft proposes (PRRT not recommended, and the draft is PRRT).
    ``selections`` (order-select) narrows the drafts asked about to the newly selected ones; the others
    still count as context (an interaction between two drafts is found either way).
    """
    t0 = time.perf_counter()
    references = [f"{d['resourceType']}/{d['id']}" for d in drafts]
    asked = set(references) if selections is None else set(selections) & set(references)
    if not asked:
        return []
    with_drafts = replace(record, resources=record.resources + tuple(_as_record_resource(d, record) for d in drafts))
    after = build_picture(with_drafts, as_of=as_of, terminology=terminology)
    t1 = time.perf_counter()
    outcomes_after = evaluate(after, as_of=as_of, knowledge=knowledge)
    t2 = time.perf_counter()
    draft_topics = _draft_topics(after, asked)
    concerns: list[Outcome] = []
    about: dict[int, list[str]] = {}
    for outcome in outcomes_after:
        if not _is_concern(outcome, knowledge):
            continue
        cited = [f.reference for f in outcome.facts if f.reference in asked]
        topic = _card_of(outcome, knowledge).topic
        topical = [ref for ref, t in draft_topics.items() if t == topic]
        if cited or topical:
            concerns.append(outcome)
            about[id(outcome)] = sorted(set(cited or topical))
    cards = render(concerns, after, knowledge=knowledge, uuid_factory=uuid_factory) if concerns else []
    cards = [_order_card(card, concerns, about, knowledge, uuid_factory) for card in cards]
    t3 = time.perf_counter()
    if timings is not None:
        timings["picture"] = t1 - t0
        timings["rules"] = t2 - t1
        timings["render"] = t3 - t2
    return cards


def _as_record_resource(draft: Mapping[str, Any], record: PatientRecord) -> dict:
    resource = dict(draft)
    resource.setdefault("subject", {"reference": f"Patient/{record.patient_id}"})
    return resource


def _draft_topics(picture, asked: set[str]) -> dict[str, str]:
    """Draft reference -> the card topic of the therapy it proposes (drafts the picture does not know: none)."""
    topics: dict[str, str] = {}
    for therapy in picture.therapies:
        for ref in therapy.references:
            if ref in asked:
                topics[ref] = therapy.agent.value
    return topics


def _card_of(outcome: Outcome, knowledge: Knowledge):
    cards = knowledge.rules[outcome.rule_id].cards
    card_id = outcome.card or (cards[0] if cards else None)
    return knowledge.cards[card_id] if card_id is not None else None


def _is_concern(outcome: Outcome, knowledge: Knowledge) -> bool:
    if outcome.status is not Status.APPLICABLE:
        return False
    spec = _card_of(outcome, knowledge)
    return spec is not None and (spec.strength in CONCERN_STRENGTHS or spec.indicator == "critical")


def _order_card(card: dict, concerns: list[Outcome], about: dict[int, list[str]], knowledge: Knowledge,
                uuid_factory: Callable[[], str]) -> dict:
    """The card as an order hook answers it: the drafts it is about, and a suggestion to remove them."""
    net = card["extension"]["net-cds"]
    rules = set(net["rules"])
    drafts = sorted({ref for o in concerns if o.rule_id in rules for ref in about.get(id(o), ())})
    net["draftOrders"] = drafts
    if drafts:
        removal = {
            "label": "Remove the draft order" if len(drafts) == 1 else "Remove the draft orders",
            "uuid": uuid_factory(),
            "actions": [{"type": "delete", "description": f"Remove draft {ref}", "resourceId": ref}
                        for ref in drafts],
        }
        kept = [s for s in card.get("suggestions", ()) if any(a.get("type") != "create" for a in s.get("actions", ()))]
        card["suggestions"] = [removal, *kept]
        card["selectionBehavior"] = "at-most-one" if len(card["suggestions"]) == 1 else "any"
    return card
