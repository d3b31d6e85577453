"""How fast the disease moves: tumour size history and growth, and the progression interval.

- Size history: every dated, readable primary-tumour size (``primary.size_cm``) up to ``as_of``, oldest first,
  one entry per (value, date).
- Growth: the latest size D2 against the latest earlier size D1 measured at least ``MIN_INTERVAL_DAYS`` before
  it. ``cm/year = (D2 - D1) / years``; volume doubling time ``dt * ln2 / (3 * ln(D2 / D1))`` days, only when
  D2 > D1. Two different sizes on one of those dates -> MISSING (which lesion is which is not guessed). Both
  facts cite both sizes; STALE when the latest size is older than the lookback.
- Progression interval: days from the start of the antitumour therapy running at the latest documented
  progression (started on/before it, not ended more than the grace period before it) to the progression;
  without such a therapy, from the diagnosis date. STALE when the progression is.
"""
from __future__ import annotations

import math
from datetime import date, timedelta

from service.picture.dates import shift
from service.picture.context import Context
from service.picture.facts import fmt_number
from service.picture.model import Agent, Fact, FactState, Source, Therapy, TherapyStatus
from service.picture.primary import size_cm

MIN_INTERVAL_DAYS = 90
_DAYS_PER_YEAR = 365.25


def size_history(ctx: Context) -> tuple[tuple[float, Source], ...]:
    seen: dict[tuple[float, date], tuple[float, Source]] = {}
    for obs, _ in ctx.role("tumor-size"):
        if obs.date is None or obs.date > ctx.as_of:
            continue
        cm = size_cm(ctx.term, obs)
        if cm is None:
            continue
        key = (cm, obs.date)
        src = Source(obs.ref or None, obs.date, f"tumour size {fmt_number(cm)} cm")
        if key not in seen or (src.reference or "") < (seen[key][1].reference or ""):
            seen[key] = (cm, src)
    return tuple(sorted(seen.values(), key=lambda v: (v[1].date, v[1].reference or "")))  # type: ignore[arg-type]


def growth(ctx: Context, history: tuple[tuple[float, Source], ...]) -> tuple[Fact, Fact]:
    """(tumor_growth_cm_per_year, tumor_doubling_time_days)."""
    by_date: dict[date, list[tuple[float, Source]]] = {}
    for cm, src in history:
        by_date.setdefault(src.date, []).append((cm, src))  # type: ignore[arg-type]
    if len(by_date) < 2:
        note = "needs two dated tumour sizes" if history else ""
        return Fact.missing(note), Fact.missing(note)
    d2 = max(by_date)
    earlier = [d for d in by_date if (d2 - d).days >= MIN_INTERVAL_DAYS]
    if not earlier:
        note = f"needs two tumour sizes at least {MIN_INTERVAL_DAYS} days apart"
        return Fact.missing(note), Fact.missing(note)
    d1 = max(earlier)
    for d in (d1, d2):
        if len({cm for cm, _ in by_date[d]}) > 1:
            note = f"different tumour sizes recorded on {d.isoformat()}: growth not computed"
            return Fact.missing(note), Fact.missing(note)
    (v1, s1), (v2, s2) = by_date[d1][0], by_date[d2][0]
    days = (d2 - d1).days
    sources = (s1, s2)
    state = FactState.PRESENT if d2 >= ctx.as_of - timedelta(days=ctx.lookback_days) else FactState.STALE
    span = f"{fmt_number(v1)} cm on {d1.isoformat()} -> {fmt_number(v2)} cm on {d2.isoformat()} ({days} days)"
    per_year = round((v2 - v1) / (days / _DAYS_PER_YEAR), 3)
    growth_fact = Fact(state, per_year, sources, span)
    if v2 <= v1:
        return growth_fact, Fact.missing(f"not growing ({span}): no doubling time")
    doubling = round(days * math.log(2) / (3 * math.log(v2 / v1)), 1)
    return growth_fact, Fact(state, doubling, sources, f"volume doubling time from {span}")


def progression_interval(ctx: Context, progression_date: Fact, diagnosis_date: Fact,
                         therapies: tuple[Therapy, ...]) -> Fact:
    if not progression_date.known:
        return Fact.missing()
    when: date = progression_date.value
    state = progression_date.state
    prog_src = progression_date.sources[-1] if progression_date.sources else Source(None, when, "progression")
    antitumour = {Agent(a) for a in ctx.term.parameter("antitumour_agents")}  # type: ignore[union-attr]
    grace = int(ctx.term.parameter("progression_grace_days"))  # type: ignore[arg-type]
    running = [t for t in therapies
               if t.agent in antitumour and t.status != TherapyStatus.PLANNED and t.start is not None
               and t.start <= when and (t.end is None or shift(t.end, grace) >= when)]
    if running:
        t = max(running, key=lambda t: t.start)  # type: ignore[arg-type,return-value]
        days = (when - t.start).days  # type: ignore[operator]
        start_src = Source(t.references[0] if t.references else None, t.start, f"{t.drug} started")
        note = f"progression {days} days after starting {t.drug}"
        if t.references and all(r.startswith("MedicationAdministration/") for r in t.references):
            note += " (first recorded dose: only administrations on record, the true start may be earlier)"
        return Fact(state, days, (start_src, prog_src), note)
    if diagnosis_date.known and diagnosis_date.value <= when:
        days = (when - diagnosis_date.value).days
        return Fact(state, days, (*diagnosis_date.sources[:1], prog_src), f"progression {days} days after diagnosis")
    return Fact.missing("no therapy start or diagnosis date before the progression")
