"""Ki-67 labelling index from one Observation, in every shape labs send it.

valueQuantity in %; a fraction (unit "1" or no unit, value <= 1: 0.12 -> 12 %) — but 1 with unit "%" is 1 %;
valueString "12%", "Ki-67: 12 %", "<2%", "≤ 2 %", "10-15%", "10 to 15 %", "approximately 5%"; valueRange.
Anything else (unknown unit, no number) -> None: never guessed. Text is cut to ``MAX_PARSE_TEXT`` characters
(``service/data/limits.py``) before any pattern runs, and every pattern is linear.
"""
from __future__ import annotations

import re

from service.data.fhir_adapter import ObservationRec, Qty
from service.data.limits import MAX_PARSE_TEXT
from service.picture.model import Ki67

_PERCENT_UNITS = frozenset({"%", "percent", "pct", "%{cells}", "{%}"})
_FRACTION_UNITS = frozenset({"", "1", "{ratio}", "ratio", "fraction"})

# Linear patterns only (issue 15): a number is 1-6 digits with at most 4 decimals, not part of a longer
# number (the look-arounds), and whitespace runs are bounded, so a run of 100,000 digits, spaces or "1-"
# costs a few steps per character; the text is cut to MAX_PARSE_TEXT characters before any pattern runs.
_NUM = r"(?<![\d.,])(\d{1,6}(?:[.,]\d{1,4})?)(?![\d])(?![.,]\d)"
_CMP = r"(<=|>=|≤|≥|<|>|=)?"
_RANGE_RE = re.compile(rf"{_NUM}\s{{0,3}}%?\s{{0,3}}(?:-|–|—|to)\s{{0,3}}{_NUM}\s{{0,3}}(%|percent)?",
                       re.IGNORECASE)
_SINGLE_RE = re.compile(rf"{_CMP}\s{{0,3}}{_NUM}\s{{0,3}}(%|percent)?", re.IGNORECASE)
_LABEL_RE = re.compile(r"ki[- ]?67|mib[- ]?1|labell?ing index|proliferation index", re.IGNORECASE)
_APPROX_RE = re.compile(r"\b(approx(?:imately)?|about|around|circa|ca\.?|~)\s{0,3}", re.IGNORECASE)
_LESS_WORDS = re.compile(r"\b(less than|below|under)\s{1,3}", re.IGNORECASE)
_MORE_WORDS = re.compile(r"\b(more than|greater than|above|over)\s{1,3}", re.IGNORECASE)
_CMP_NORMAL = {"≤": "<=", "≥": ">=", "": "=", None: "=", "=": "="}


def _num(text: str) -> float:
    return float(text.replace(",", "."))


def _unit_key(q: Qty) -> str:
    return (q.code or q.unit).strip().casefold()


def percent_of(q: Qty) -> float | None:
    """The % a Ki-67 quantity stands for, or None when its unit is not understood."""
    unit = _unit_key(q)
    human = q.unit.strip().casefold()
    if unit in _PERCENT_UNITS or human in _PERCENT_UNITS:
        return q.value
    if unit in _FRACTION_UNITS and human in _FRACTION_UNITS:
        if 0 <= q.value <= 1:
            return q.value * 100.0
        return None    # a number > 1 with no unit: % or count? not guessed
    return None


def parse_text(text: str) -> Ki67 | None:
    """Ki-67 from free text; None when no single reading is possible."""
    if not text:
        return None
    t = _LABEL_RE.sub(" ", text[:MAX_PARSE_TEXT])
    t = _APPROX_RE.sub("", t)
    t = _LESS_WORDS.sub("<", t)
    t = _MORE_WORDS.sub(">", t)
    m = _RANGE_RE.search(t)
    if m and (m.group(3) or "%" in t):
        low, high = _num(m.group(1)), _num(m.group(2))
        if low > high:
            low, high = high, low
        if not (0 <= low <= 100 and 0 <= high <= 100):
            return None
        return Ki67(percent=high, low=low)
    matches = list(_SINGLE_RE.finditer(t))
    if len(matches) > 1:
        # a report sentence ("segment VI ... approximately 12 % ... 500 cells counted"): the one number
        # written with a per-cent sign is the index; none or several -> not guessed
        matches = [m for m in matches if m.group(3)]
    if len(matches) != 1:
        return None
    m = matches[0]
    value = _num(m.group(2))
    if not m.group(3) and "%" not in t:
        return None           # a bare number in text: unit unknown
    if not 0 <= value <= 100:
        return None
    cmp = _CMP_NORMAL.get(m.group(1), m.group(1) or "=")
    return Ki67(percent=value, comparator=cmp)


def from_observation(obs: ObservationRec) -> Ki67 | None:
    """Named constructor: the Ki-67 an Observation reports, or None (unknown unit / no number)."""
    q = obs.quantity
    if q is not None:
        pct = percent_of(q)
        if pct is None or not 0 <= pct <= 100:
            return None
        cmp = _CMP_NORMAL.get(q.comparator, q.comparator or "=")
        return Ki67(percent=round(pct, 4), comparator=cmp)
    if obs.range_high is not None:
        high = percent_of(obs.range_high)
        low = percent_of(obs.range_low) if obs.range_low is not None else None
        if high is None or not 0 <= high <= 100:
            return None
        return Ki67(percent=round(high, 4), low=None if low is None else round(low, 4))
    if obs.string:
        return parse_text(obs.string)
    if obs.integer is not None and 0 <= obs.integer <= 100:
        return None   # an integer with no unit: not guessed
    return None


def display(k: Ki67) -> str:
    if k.low is not None:
        return f"Ki-67 {k.low:g}-{k.percent:g} %"
    cmp = "" if k.comparator == "=" else k.comparator + " "
    return f"Ki-67 {cmp}{k.percent:g} %"


_WORD = re.compile(r"[A-Za-z]{3,}")
_VALUE_WORDS = frozenset({"approx", "approximately", "about", "around", "circa", "less", "than", "below", "under",
                          "more", "greater", "above", "over", "percent", "index", "labelling", "labeling",
                          "proliferation", "mib", "hot", "spot", "hotspot", "and", "the"})


def is_narrative(text: str) -> bool:
    """A valueString that is a sentence of a report ("Liver core biopsy ... Ki-67 approximately 12 % in hot-spot
    areas (500 tumour cells counted)"), not a value ("12%", "Ki-67: 12 %", "approximately 5 %"): more than three
    words besides the label and value words. A value read from it is a text fact, not a coded one."""
    words = [w for w in _WORD.findall(_LABEL_RE.sub(" ", text)) if w.lower() not in _VALUE_WORDS]
    return len(words) > 3


def names_ki67(text: str) -> bool:
    """Does this sentence name the Ki-67 / MIB-1 labelling index?"""
    return _LABEL_RE.search(text) is not None
