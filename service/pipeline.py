"""data -> picture -> rules -> cards, for one hook call. Pure apart from the timings it records."""
from __future__ import annotations

import time
from datetime import date
from typing import Callable

from service.cards import render
from service.picture.build import build_picture
from service.records import PatientRecord
from service.rules import evaluate


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
