"""Date arithmetic on dates from patient data, safe at the calendar's edges.

EHRs write an open-ended period as ``end: 9999-12-31`` and an unknown date as ``0001-01-01``;
``date + timedelta`` then overflows (``OverflowError``) and a hook call would end in a 500.
Every shift of a date read from a record goes through :func:`shift`, which clamps to
``date.min``/``date.max`` instead; a period end in the year 9999 is read as "no end"
(ongoing) by :func:`open_end`.
"""
from __future__ import annotations

from datetime import date, timedelta

OPEN_END_YEAR = 9999     # a period end in this year means "open-ended" (FHIR servers write 9999-12-31)


def shift(when: date, days: float) -> date:
    """``when`` moved by ``days`` (negative: earlier), clamped to ``date.min`` .. ``date.max``."""
    try:
        return when + timedelta(days=days)
    except OverflowError:
        return date.max if days > 0 else date.min


def open_end(end: date | None) -> date | None:
    """A period end, or None (ongoing) when it is the open-ended convention (any day in 9999)."""
    if end is None or end.year >= OPEN_END_YEAR:
        return None
    return end
