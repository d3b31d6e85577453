"""What a rule returns: one decision-table row's verdict about one patient.

A rule never builds card JSON. It says *whether* its row fires (``Status``), *which*
patient facts it used (``FactUse``) and *what* is missing; the renderer in
``service.render`` turns applicable outcomes into cards from the reviewed knowledge.
"""
from __future__ import annotations

import enum
from dataclasses import dataclass, field
from datetime import date
from typing import Any, Mapping

from service.picture.model import Fact, Ki67, Quantity, Source


class Status(str, enum.Enum):
    APPLICABLE = "applicable"          # the row fires
    NOT_APPLICABLE = "not-applicable"  # the row does not fire; `reason` says why
    INSUFFICIENT = "insufficient-data"  # the row cannot be decided; `missing` says what is needed


@dataclass(frozen=True)
class FactUse:
    """A patient fact shown on the card (plain text; the renderer escapes it)."""

    name: str                      # "Ki-67", "SSTR imaging", "Progression"
    display: str                   # "12 %", "uptake higher than liver", "progressive (RECIST)"
    date: date | None = None
    reference: str | None = None   # "Observation/123"
    source: str = "coded"          # "coded" | "report-text" (card contract, "Facts read from report text")
    quote: str | None = None       # a report-text fact: the sentence it was read from (raw; the renderer escapes)
    record: str | None = None      # a report-text fact: JSON of the coded Observation that would record it
    # a value at or beyond a critical limit of the knowledge (``critical_values`` in cards/knowledge/safety.yaml):
    # the card that cites it is shown with indicator "critical" (service.render)
    critical: bool = False

    @classmethod
    def of_source(cls, name: str, source: Source, display: str | None = None) -> "FactUse":
        """One record of the picture as a fact, with its provenance: a source read from text keeps its quote
        and the record that would code it (source "report-text")."""
        text = source.quote is not None
        return cls(name=name, display=display or source.display, date=source.date, reference=source.reference,
                   source="report-text" if text else "coded", quote=source.quote if text else None,
                   record=source.record if text else None)

    @classmethod
    def of(cls, name: str, fact: Fact[Any], display: str | None = None) -> "FactUse":
        """Describe a picture ``Fact``: its newest source gives date and reference.

        ``display`` overrides the text; otherwise the source's own display (or the value) is used.
        A fact that is not known is shown with its state ("missing", "unavailable", ...).
        """
        newest = None
        for source in fact.sources:
            if newest is None or (source.date is not None and (newest.date is None or source.date > newest.date)) \
                    or (source.date == newest.date and source.quote is None and newest.quote is not None):
                newest = source      # the newest; at one date a coded source before report text
        if display is None:
            if not fact.known and (len({s.origin for s in fact.sources}) > 1 or (
                    fact.state.value == "contradictory" and len({s.display for s in fact.sources}) > 1)):
                # sources disagree (a coded result and report text, or two results of one date): show both
                display = f"{fact.state.value}: " + " vs ".join(dict.fromkeys(s.display for s in fact.sources))
            elif not fact.known:
                display = fact.state.value
            elif newest is not None and newest.display:
                display = newest.display
            else:
                display = _plain(fact.value)
        text = newest is not None and newest.quote is not None
        return cls(
            name=name,
            display=display,
            date=newest.date if newest is not None else None,
            reference=newest.reference if newest is not None else None,
            source="report-text" if text else "coded",
            quote=newest.quote if text else None,
            record=newest.record if text else None,
        )


def _number(value: float) -> str:
    return f"{value:g}"


def _plain(value: object) -> str:
    """Plain words for a picture value (used when a source gives no display)."""
    if isinstance(value, enum.Enum):
        return str(value.value).replace("_", " ")
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, Ki67):
        prefix = "" if value.comparator == "=" else value.comparator
        if value.low is not None:
            return f"{_number(value.low)}-{_number(value.percent)} %"
        return f"{prefix}{_number(value.percent)} %"
    if isinstance(value, Quantity):
        return f"{_number(value.value)} {value.unit}"
    if isinstance(value, float):
        return _number(value)
    return str(value)


@dataclass(frozen=True)
class Outcome:
    rule_id: str                   # "M-04"
    status: Status
    card: str | None = None        # card id in the knowledge (defaults to the rule's own card)
    facts: tuple[FactUse, ...] = ()
    missing: tuple[str, ...] = ()
    reason: str = ""               # finding (applicable) or why not (not applicable), plain words
    params: Mapping[str, str] = field(default_factory=dict)  # template values, plain text

    @property
    def fires(self) -> bool:
        return self.status is Status.APPLICABLE

    # Named constructors, so rules read like the decision table.
    @classmethod
    def applicable(
        cls,
        rule_id: str,
        *,
        card: str | None = None,
        facts: tuple[FactUse, ...] = (),
        missing: tuple[str, ...] = (),
        reason: str = "",
        params: Mapping[str, str] | None = None,
    ) -> "Outcome":
        return _outcome(rule_id, Status.APPLICABLE, card, tuple(facts), tuple(missing), reason, dict(params or {}))

    @classmethod
    def not_applicable(cls, rule_id: str, reason: str) -> "Outcome":
        return _outcome(rule_id, Status.NOT_APPLICABLE, None, (), (), reason, {})

    def amended(self, *, note: str = "", facts: tuple[FactUse, ...] = (), missing: tuple[str, ...] = ()) -> "Outcome":
        """This outcome with a note added to its finding and facts / missing data appended (what a review row
        may do to another row's outcome besides withdrawing it: FT-01 adds the performance status, TC-01 the
        therapy that already failed). Everything already said stays, in the same order."""
        reason = f"{self.reason}; {note}" if note and self.reason else (note or self.reason)
        new_facts = self.facts + tuple(f for f in facts if f not in self.facts)
        new_missing = self.missing + tuple(m for m in missing if m not in self.missing)
        return _outcome(self.rule_id, self.status, self.card, new_facts, new_missing, reason, self.params)

    @classmethod
    def insufficient(
        cls,
        rule_id: str,
        missing: tuple[str, ...],
        *,
        reason: str = "",
        facts: tuple[FactUse, ...] = (),
        card: str | None = None,
        params: Mapping[str, str] | None = None,
    ) -> "Outcome":
        """The row cannot be decided. With ``card`` set the renderer shows it (a needs-data card)."""
        return _outcome(rule_id, Status.INSUFFICIENT, card, tuple(facts), tuple(missing), reason, dict(params or {}))


_OUTCOME_FIELDS = ("rule_id", "status", "card", "facts", "missing", "reason", "params")
_new_object = object.__new__


def _outcome(rule_id: str, status: Status, card: str | None, facts: tuple[FactUse, ...], missing: tuple[str, ...],
             reason: str, params: Mapping[str, str]) -> Outcome:
    """``Outcome(rule_id, status, card, facts, missing, reason, params)`` without the frozen dataclass's
    ``__init__`` (one ``object.__setattr__`` per field): every hook call makes ~100 outcomes, most of them
    "not applicable", and this is about three times cheaper. The same object in every respect (fields,
    equality, repr, immutability); ``tests/rules/test_outcome.py`` pins that to the dataclass's fields."""
    outcome = _new_object(Outcome)
    outcome.__dict__.update(rule_id=rule_id, status=status, card=card, facts=facts, missing=missing, reason=reason,
                            params=params)
    return outcome


def age_words(when: date, as_of: date) -> str:
    """How long before (or after) ``as_of`` a date lies, in plain words: "today", "12 days ago", "8 months
    ago", "3 years ago", "in 9 days" (months of 30.4 days, from 60 days; years from 24 months)."""
    days = (as_of - when).days
    if days == 0:
        return "today"
    span = abs(days)
    if span < 60:
        words = f"{span} day{'s' if span != 1 else ''}"
    elif span < 730:
        words = f"{round(span / 30.4)} months"
    else:
        words = f"{span // 365} years"
    return f"{words} ago" if days > 0 else f"in {words}"


def unknown(fact: Fact[Any]) -> bool:
    """True when a fact cannot be used to decide: missing, unavailable or contradictory."""
    return not fact.known
