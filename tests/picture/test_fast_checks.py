"""The fast element checks of ``fhir_adapter`` may only ever say "certainly valid".

Property: for every element type with a fast check, a value the fast check accepts is accepted by
the R4B element type (pydantic, the authority). Values are the fixtures' own elements, mutated
(wrong types, extra keys, ``null``s, empty / whitespace / control-character strings, bad dates,
bad URIs, nested extensions, non-finite and huge numbers), plus generated date strings.
"""
from __future__ import annotations

import copy
import json
import math
from pathlib import Path

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from service.data import fhir_adapter as fa

BUNDLES = Path(__file__).resolve().parents[2] / "fhir_fixtures" / "bundles"


def _schemas() -> dict[str, fa._TypeSchema]:
    fa.prepare_validation()
    return fa._SCHEMAS


def _fast_elements() -> list[tuple[str, str]]:
    return [(rtype, element) for rtype, schema in _schemas().items()
            for element, fast, validate, _ in schema.present if fast is not fa._never and validate is not None]


def _checks(rtype: str, element: str):
    for name, fast, validate, _ in _schemas()[rtype].present:
        if name == element:
            return fast, validate
    raise KeyError(element)


def _fixture_values() -> dict[tuple[str, str], list[object]]:
    wanted = set(_fast_elements())
    found: dict[tuple[str, str], list[object]] = {key: [] for key in wanted}
    for path in sorted(BUNDLES.glob("*.json")):
        for entry in json.loads(path.read_text()).get("entry", ()):
            r = entry.get("resource") or {}
            for (rtype, element) in wanted:
                if r.get("resourceType") == rtype and element in r:
                    values = found[(rtype, element)]
                    if len(values) < 60 and r[element] not in values:
                        values.append(r[element])
    return found


FAST = _fast_elements()
VALUES = _fixture_values()
SEEDS = [(rtype, element, v) for (rtype, element), vs in sorted(VALUES.items()) for v in vs]

ODD = [None, True, False, 0, -1, 1.5, float("nan"), float("inf"), -float("inf"), 10**40, 2**31, -2**31 - 1, 1e300,
       "", " ", "  x", "x ", "\t", "\n", "a\nb", "a b", "a  b", "\x00", "\x7f", "é", "\u200b", "x" * 5000,
       "2024", "2024-13", "2024-02-30", "2023-02-29", "0000-01-01", "0999-01-01", "1899-12-31", "3000-01-01",
       "2024-01-01T10:00:00", "2024-01-01T24:00:00Z", "2024-01-01T10:00:60Z", "2024-01-01T10:00:00+14:30",
       "2024-01-01T10:00:00-00:00", "2024-01-01T10:00:00.1234567Z", "2024-01-01 10:00:00Z", "2024-1-1",
       "http://a b", "urn:x", "not a uri", "Patient/", "/x", "#", "a" * 65, "a" * 300,
       [], [None], [{}], {}, {"url": "http://x"}, {"extension": [{"url": "http://x", "valueString": "y"}]},
       [{"url": "http://x", "extension": [{"url": "y", "valueCode": "z"}]}]]
EXTRA_KEYS = ["extension", "id", "_value", "_code", "foo", "comparator", "version", "userSelected",
              "identifier", "type", "coding", "text", "value", "unit", "system", "code", "display", "reference",
              "start", "end", "url", "profile", "lastUpdated", "dose", "low", "high", "valueQuantity",
              "valueCodeableConcept", "valueString", "authorString", "time", "timing", "age", "appliesTo"]


def _paths(value: object, prefix: tuple = ()) -> list[tuple]:
    out = [prefix]
    if isinstance(value, dict):
        for k, v in value.items():
            out += _paths(v, prefix + (k,))
    elif isinstance(value, list):
        for i, v in enumerate(value):
            out += _paths(v, prefix + (i,))
    return out


def _replace(value: object, path: tuple, new: object) -> object:
    if not path:
        return new
    value = copy.deepcopy(value)
    target = value
    for step in path[:-1]:
        target = target[step]
    target[path[-1]] = new
    return value


@st.composite
def mutated(draw):
    rtype, element, value = draw(st.sampled_from(SEEDS))
    for _ in range(draw(st.integers(1, 3))):
        path = draw(st.sampled_from(_paths(value)))
        kind = draw(st.sampled_from(["replace", "extra", "delete", "wrap"]))
        if kind == "replace":
            value = _replace(value, path, draw(st.one_of(st.sampled_from(ODD), st.text(max_size=12),
                                                         st.integers(), st.floats())))
        elif kind == "extra":
            holder = value
            for step in path:
                holder = holder[step]
            if isinstance(holder, dict):
                new = dict(holder)
                new[draw(st.sampled_from(EXTRA_KEYS))] = draw(st.sampled_from(ODD))
                value = _replace(value, path, new)
        elif kind == "delete" and path:
            holder = value
            for step in path[:-1]:
                holder = holder[step]
            new = copy.deepcopy(holder)
            del new[path[-1]]
            value = _replace(value, path[:-1], new)
        elif kind == "wrap":
            value = _replace(value, path, [copy.deepcopy(value) if not path else draw(st.sampled_from(ODD))])
    return rtype, element, value


def _accepted(validate, value) -> bool:
    try:
        validate(value)
    except (ValueError, TypeError, KeyError, AttributeError, RecursionError):
        return False
    return True


def _assert_sound(rtype: str, element: str, value: object) -> None:
    fast, validate = _checks(rtype, element)
    if fast(value):
        assert _accepted(validate, value), (rtype, element, value)


def test_every_fast_check_is_exercised_by_fixtures():
    assert FAST, "no element has a fast check"
    assert {key for key, vs in VALUES.items() if vs}, "fixtures carry none of the fast-checked elements"


@pytest.mark.parametrize("rtype,element,value", SEEDS)
def test_fast_check_sound_on_fixture_values(rtype, element, value):
    _assert_sound(rtype, element, value)


def test_fast_check_accepts_most_fixture_values():
    """Not a correctness property: the fast path must actually fire on ordinary data."""
    accepted = sum(1 for rtype, element, v in SEEDS if _checks(rtype, element)[0](v))
    assert accepted >= 0.8 * len(SEEDS)


@settings(max_examples=3000, deadline=None, suppress_health_check=list(HealthCheck))
@given(mutated())
def test_fast_check_never_accepts_what_r4b_rejects(case):
    _assert_sound(*case)


DATE_ALPHABET = "0123456789-T:Z+.  "


@settings(max_examples=3000, deadline=None, suppress_health_check=list(HealthCheck))
@given(element=st.sampled_from([k for k in FAST if "DateTime" in k[1] or k[1] in ("birthDate", "authoredOn",
                                                                                     "recordedDate", "dateAsserted")]),
       text=st.one_of(st.text(DATE_ALPHABET, max_size=32),
                      st.datetimes().map(lambda d: d.isoformat() + "Z"),
                      st.datetimes().map(lambda d: d.isoformat(timespec="seconds") + "+13:59"),
                      st.dates().map(lambda d: d.isoformat()),
                      st.dates().map(lambda d: d.isoformat()[:7])))
@example(element=("Observation", "effectiveDateTime"), text="2024-02-29")
def test_fast_date_checks_never_accept_what_r4b_rejects(element, text):
    _assert_sound(*element, text)


@settings(max_examples=1500, deadline=None, suppress_health_check=list(HealthCheck))
@given(element=st.sampled_from([k for k in FAST if k[1] == "valueQuantity"]),
       number=st.one_of(st.floats(), st.integers(), st.decimals().map(lambda d: float(d) if d.is_finite() else math.nan)))
def test_fast_quantity_numbers(element, number):
    _assert_sound(*element, {"value": number, "unit": "mg", "system": "http://unitsofmeasure.org", "code": "mg"})


@settings(max_examples=3000, deadline=None, suppress_health_check=list(HealthCheck))
@given(number=st.one_of(st.floats(), st.floats(allow_subnormal=True, width=32), st.sampled_from(
    [math.inf, -math.inf, math.nan, 0.0, -0.0, 5e-324, 1.7976931348623157e308, 1e16, 1e-7, 123.456])))
def test_float_finiteness_is_the_decimal_regex_verdict(number):
    """``_fast_quantity`` tests a float's finiteness instead of matching its repr against
    ``_DECIMAL_RE``: the two verdicts must be the same for every float."""
    assert fa._isfinite(number) == (fa._DECIMAL_RE.fullmatch(str(number)) is not None)
