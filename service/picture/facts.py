"""Choosing one Fact from several dated results: latest wins, duplicates once, stale and contradictory said so."""
from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Generic, TypeVar

from service.picture.model import Fact, FactState, Source

T = TypeVar("T")

#: Observation statuses that carry a usable result.
VALID_OBSERVATION_STATUSES = frozenset({"final", "amended", "corrected"})


@dataclass(frozen=True, slots=True)
class Candidate(Generic[T]):
    value: T
    source: Source


def fmt_number(value: float) -> str:
    """12.0 -> "12", 12.5 -> "12.5" (for displays)."""
    return f"{value:g}"


def choose(
    candidates: Iterable[Candidate[T]],
    *,
    as_of: date,
    lookback_days: int | None,
    same: Callable[[T, T], bool] | None = None,
    what: str = "result",
) -> Fact[T]:
    """One fact from dated candidates.

    - results dated after ``as_of`` are not yet known and are left out;
    - duplicates (same value and date) count once, their references kept;
    - the most recent date wins; different values on that date -> CONTRADICTORY;
    - older than ``lookback_days`` (None = never stale) or undated -> STALE.
    """
    eq = same or (lambda a, b: a == b)
    kept: list[Candidate[T]] = []
    for c in candidates:
        if c.source.date is not None and c.source.date > as_of:
            continue
        kept.append(c)
    if not kept:
        return Fact.missing()
    dated = [c for c in kept if c.source.date is not None]
    if dated:
        latest = max(c.source.date for c in dated)  # type: ignore[type-var]
        top = [c for c in dated if c.source.date == latest]
    else:
        top = kept
    distinct: list[Candidate[T]] = []
    for c in top:
        if not any(eq(c.value, d.value) for d in distinct):
            distinct.append(c)
    sources = tuple(_unique(c.source for c in top))
    if len(distinct) > 1:
        return Fact(FactState.CONTRADICTORY, None, sources,
                    f"{len(distinct)} different {what}s on the same date")
    value = distinct[0].value
    when = top[0].source.date
    if when is None:
        return Fact(FactState.STALE, value, sources, f"{what} has no date")
    if lookback_days is not None and when < as_of - timedelta(days=lookback_days):
        return Fact(FactState.STALE, value, sources, f"{what} older than {lookback_days} days")
    return Fact(FactState.PRESENT, value, sources)


def _unique(sources: Iterable[Source]) -> list[Source]:
    seen: set[tuple[str | None, date | None, str]] = set()
    out = []
    for s in sources:
        key = (s.reference, s.date, s.display)
        if key not in seen:
            seen.add(key)
            out.append(s)
    return out


def present(value: T, sources: Iterable[Source], note: str = "") -> Fact[T]:
    return Fact(FactState.PRESENT, value, tuple(_unique(sources)), note)


def absent_fact(category_unavailable: bool, what: str) -> Fact:
    """MISSING, or UNAVAILABLE when the category it comes from could not be read."""
    if category_unavailable:
        return Fact.unavailable(f"{what}: the data source could not be read")
    return Fact.missing()


def or_unavailable(fact: Fact[T], category_unavailable: bool, what: str) -> Fact[T]:
    """Turn a MISSING fact into UNAVAILABLE when its source category could not be read."""
    if fact.state == FactState.MISSING and category_unavailable:
        return Fact.unavailable(f"{what}: the data source could not be read")
    return fact


def dedupe_sources(sources: Iterable[Source]) -> tuple[Source, ...]:
    return tuple(_unique(sources))


def with_report_text(fact: Fact[T], candidates: Iterable[Candidate[T]], *,
                     same: Callable[[T, T], bool] | None = None) -> Fact[T]:
    """Say on a fact chosen among coded and report-text candidates which one was used and over what.

    - CONTRADICTORY with a coded result and report text on the same date: the note says they disagree
      (the card asks for the datum: a coded value and the report's words do not agree);
    - a known value that differs from an older candidate: the chosen source's display says it is the newer
      one and names the older reading ("newer than: Ki-67 5 % (2025-03-01)"), so the card shows which was used.
    """
    eq = same or (lambda a, b: a == b)
    cands = [c for c in candidates if c.source.date is None or fact.date is None or c.source.date <= fact.date]
    if fact.state == FactState.CONTRADICTORY:
        origins = {s.origin for s in fact.sources}
        if len(origins) > 1:
            return Fact(fact.state, None, fact.sources,
                        "a coded result and the report text disagree on the same date: "
                        + ", ".join(s.display for s in fact.sources))
        return fact
    if not fact.known or fact.date is None:
        return fact
    older = [c for c in cands if c.source.date is not None and c.source.date < fact.date
             and not eq(c.value, fact.value)]
    if not older:
        return fact
    prior = max(older, key=lambda c: c.source.date)   # type: ignore[arg-type,return-value]
    if not any(s.origin == "report-text" for s in fact.sources) and prior.source.origin != "report-text":
        return fact
    when = prior.source.date.isoformat() if prior.source.date else "undated"
    suffix = f"; newer than: {prior.source.display} ({when})"
    sources = tuple(Source(s.reference, s.date, s.display + suffix, s.quote, s.record) for s in fact.sources)
    return Fact(fact.state, fact.value, sources, fact.note)
