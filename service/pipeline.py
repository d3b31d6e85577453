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
from service.render import card_texts, plain_text, render
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

    The same rules as patient-view run on the record with the drafts added as if signed today (an active
    order: the rules see the patient taking the drug, so interactions, doses and timing are checked by the
    rows that check them for current drugs), so no rule is duplicated: a concern is a not-recommended or caution
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
    with_drafts = replace(record, resources=record.resources + tuple(_as_record_resource(d, record, as_of)
                                                                     for d in drafts))
    after = build_picture(with_drafts, as_of=as_of, terminology=terminology)
    after = replace(after, order_drafts=tuple(sorted(asked)), all_drafts=tuple(sorted(set(references))))
    if _needs_pathway(after, knowledge):
        # is the drafted therapy one the rows offer this patient? (the patient-view answer without the drafts)
        before = build_picture(record, as_of=as_of, terminology=terminology)
        after = replace(after, pathway_topics=_pathway_topics(
            evaluate(before, as_of=as_of, knowledge=knowledge), knowledge))
    t1 = time.perf_counter()
    outcomes_after = evaluate(after, as_of=as_of, knowledge=knowledge)
    t2 = time.perf_counter()
    draft_topics, courses = _draft_topics(after, asked)
    concerns: list[Outcome] = []
    about: dict[int, list[str]] = {}
    for outcome in outcomes_after:
        if not _is_concern(outcome, knowledge):
            continue
        cited_refs = {f.reference for f in outcome.facts if f.reference}
        # about a draft when it cites the draft, or any record of the therapy course the draft continues
        cited = [ref for ref in asked if ref in cited_refs or courses.get(ref, set()) & cited_refs]
        topic = _card_of(outcome, knowledge).topic
        topical = [ref for ref, t in draft_topics.items() if t == topic]
        if cited or topical:
            concerns.append(outcome)
            about[id(outcome)] = sorted(set(cited or topical))
    # XO-01 (no indication) only for a draft no other not-recommended or critical card speaks about (NR-01 already
    # says why sunitinib does not fit a midgut NET); a caution (timing, dose) does not say there is no indication
    spoken = {ref for o in concerns if o.rule_id != "XO-01" and (_card_of(o, knowledge).strength == "not-recommended"
                                                                 or _card_of(o, knowledge).indicator == "critical")
              for ref in about[id(o)]}
    concerns = [o for o in concerns if o.rule_id != "XO-01" or not set(about[id(o)]) <= spoken]
    drafted = [(_as_draft(o, asked), about[id(o)]) for o in concerns]
    concerns = [o for o, _ in drafted]
    about = {id(o): refs for o, refs in drafted}
    cards = render(concerns, after, knowledge=knowledge, uuid_factory=uuid_factory) if concerns else []
    corrections = dict(pair.split(":", 1) for pair in knowledge.lists.get("order_hook_corrections", ()))
    cards = [_order_card(card, concerns, about, knowledge, uuid_factory, corrections, after, draft_topics)
             for card in cards]
    t3 = time.perf_counter()
    if timings is not None:
        timings["picture"] = t1 - t0
        timings["rules"] = t2 - t1
        timings["render"] = t3 - t2
    return cards


def _needs_pathway(picture, knowledge: Knowledge) -> bool:
    """A draft-only exposure of a therapy that needs a row's indication (XO-01): only then is the patient-view
    answer without the drafts worked out (order hooks for other drugs cost nothing more)."""
    agents = set(knowledge.lists.get("off_pathway_agents", ()))
    return any(t.agent.value in agents and picture.draft_only(t) for t in picture.therapies)


def _pathway_topics(outcomes: Sequence[Outcome], knowledge: Knowledge) -> frozenset[str]:
    """The therapy topics the applicable rows offer: each recommend/consider/needs-data card's topic and the
    therapy class of every drug it orders."""
    topics: set[str] = set()
    for o in outcomes:
        if o.status is not Status.APPLICABLE:
            continue
        spec = _card_of(o, knowledge)
        if spec is None or spec.strength not in ("recommend", "consider", "needs-data"):
            continue
        topics.add(spec.topic)
        if spec.order is not None:
            for option in spec.order.options:
                topics.update(knowledge.drugs[d].agent for d in option.medications)
                if option.regimen is not None:
                    topics.update(knowledge.drugs[d].agent for d in knowledge.regimens[option.regimen].days)
    return frozenset(topics)


def _as_draft(outcome: Outcome, drafts: set[str]) -> Outcome:
    """Facts citing a draft say it is a draft order, not a therapy the patient takes ("(active)" is how the
    rows see it, as if signed)."""
    if not any(f.reference in drafts for f in outcome.facts):
        return outcome
    facts = tuple(replace(f, display=f.display.replace("(active)", "(draft order, not yet signed)"))
                  if f.reference in drafts else f for f in outcome.facts)
    return replace(outcome, facts=facts)


def _as_record_resource(draft: Mapping[str, Any], record: PatientRecord, as_of: date) -> dict:
    """A draft as the record would hold it once signed: an active order from today (so the rules see the
    patient taking it: interactions with current drugs, doses, timing before a PRRT dose or surgery)."""
    resource = dict(draft)
    resource.setdefault("subject", {"reference": f"Patient/{record.patient_id}"})
    if resource.get("resourceType") == "MedicationRequest":
        resource["status"] = "active"
        if resource.get("intent") not in ("order", "original-order", "instance-order", "filler-order"):
            resource["intent"] = "order"
        resource.setdefault("authoredOn", as_of.isoformat())
    elif resource.get("resourceType") == "ServiceRequest":
        resource["status"] = "active"
    return resource


def _draft_topics(picture, asked: set[str]) -> tuple[dict[str, str], dict[str, set[str]]]:
    """Draft reference -> the card topic of the therapy it proposes, and -> the references of that therapy's
    course (the draft merged with the records of the same drug). Drafts the picture does not know: none."""
    topics: dict[str, str] = {}
    courses: dict[str, set[str]] = {}
    for therapy in picture.therapies:
        for ref in therapy.references:
            if ref in asked:
                topics[ref] = therapy.agent.value
                courses[ref] = set(therapy.references)
    for medication in picture.current_medications:
        if medication.reference in asked:
            courses.setdefault(medication.reference, {medication.reference})
    return topics, courses


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
                uuid_factory: Callable[[], str], corrections: Mapping[str, str], picture,
                draft_topics: Mapping[str, str] | None = None) -> dict:
    """The card as an order hook answers it: the drafts it is about, a suggestion to remove them and, where the
    fix is a change (``lists.order_hook_corrections``: the card's drug at its label dose), one that replaces
    them with the corrected order. Only one of the two may be taken. A card whose remedy is to stop named drugs
    (``stops``: e.g. NR-23 stops the SSA kept beside everolimus) removes only drafts of those drugs: a draft of
    another drug it speaks about (the indicated everolimus) is kept, and the card's own stop suggestion leads."""
    from service.render import medication_create

    net = card["extension"]["net-cds"]
    rules = set(net["rules"])
    mine = [o for o in concerns if o.rule_id in rules]
    drafts = sorted({ref for o in mine for ref in about.get(id(o), ())})
    net["draftOrders"] = drafts
    if not drafts:
        return card
    stops = [s for o in mine if (s := _card_of(o, knowledge).stops) is not None and s.agents]
    if stops:
        named = {a for s in stops for a in s.agents}
        removable = [ref for ref in drafts if (draft_topics or {}).get(ref) in named]
        if not removable:
            # nothing of the draft is what the card stops: its own stop suggestion (current orders) is the action
            card["suggestions"] = [s for s in card.get("suggestions", ()) if not _creates_therapy(s)]
            if card["suggestions"]:
                card["suggestions"][0] = {**card["suggestions"][0], "isRecommended": True}
                card["selectionBehavior"] = "at-most-one"
            return card
        drafts_removed = removable
    else:
        drafts_removed = drafts
    deletes = [{"type": "delete", "description": f"Remove draft {ref}", "resourceId": ref} for ref in drafts_removed]
    removal = {"label": "Remove the draft order" if len(drafts_removed) == 1 else "Remove the draft orders",
               "uuid": uuid_factory(), "isRecommended": True, "actions": deletes}
    suggestions = [removal]
    fixed = next((corrections[_card_of(o, knowledge).id] for o in mine if _card_of(o, knowledge).id in corrections),
                 None)
    if fixed is not None:
        drug = knowledge.drugs[fixed]
        create = medication_create(fixed, picture, knowledge=knowledge)
        suggestions = [{"label": f"Replace with {drug.label}"[:80], "uuid": uuid_factory(), "isRecommended": True,
                        "actions": [*deletes, create]}, {**removal, "isRecommended": False}]
    # keep what the card itself offers that is not a new order (e.g. stopping a current order), without a second
    # delete of a draft the removal already deletes; a hold of a current drug (``stops.holds``) leads
    removed = set(drafts_removed)
    kept = []
    for s in card.get("suggestions", ()):
        actions = s.get("actions", ())
        if _creates_therapy(s):
            continue
        rest = [a for a in actions if not (a.get("type") == "delete" and a.get("resourceId") in removed)]
        if rest:
            kept.append({**s, "actions": rest})
    hold_labels = {plain_text(spec.stops.hold_label, max_length=80) for o in mine
                   if (spec := _card_of(o, knowledge)).stops is not None and spec.stops.hold_label}
    holds = [s for s in kept if s.get("label") in hold_labels]
    if holds:
        suggestions = [{**h, "isRecommended": True} for h in holds] + [{**s, "isRecommended": False} for s in suggestions]
        kept = [s for s in kept if s not in holds]
    card["suggestions"] = [*suggestions, *({**s, "isRecommended": False} for s in kept)]
    # alternatives (a hold, or a corrected order, against the plain removal) exclude each other; otherwise the
    # removal of the draft, the tests a hazard asks for (an ECG, labs) and stops of other current drugs go together
    alternatives = bool(holds) or fixed is not None
    card["selectionBehavior"] = "any" if not alternatives and len(card["suggestions"]) > 1 else "at-most-one"
    return card


def _creates_therapy(suggestion: Mapping[str, Any]) -> bool:
    """The suggestion drafts a therapy (a new order an order hook does not repeat); a test it asks for (a
    ServiceRequest: an ECG, labs) is kept."""
    return any(a.get("type") == "create" and (a.get("resource") or {}).get("resourceType") != "ServiceRequest"
               for a in suggestion.get("actions", ()))
