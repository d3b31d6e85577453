"""data -> picture -> rules -> cards, for one hook call. Pure apart from the timings it records.

Also the one place that puts the stages and the knowledge together at start-up
(:func:`prepare_knowledge`): the knowledge loader knows nothing of the rules or the renderer, so
the rules' run plan and the cards' pre-sanitised texts are derived here, above both.
"""
from __future__ import annotations

import time
from datetime import date
from pathlib import Path
from typing import Callable

from service.knowledge import Knowledge, load_knowledge
from service.render import card_texts, render
from service.picture.build import build_picture
from service.data.records import PatientRecord
from service.rules import evaluate, load_rules, rule_plan


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
