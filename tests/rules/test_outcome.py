"""The outcome constructors build exactly the frozen dataclass ``Outcome`` (they skip its ``__init__`` for speed)."""
from __future__ import annotations

import dataclasses
from datetime import date

import pytest

from service.rules.outcome import _OUTCOME_FIELDS, FactUse, Outcome, Status


def test_fast_constructor_sets_exactly_the_dataclass_fields():
    assert tuple(f.name for f in dataclasses.fields(Outcome)) == _OUTCOME_FIELDS


@pytest.mark.parametrize("made, expected", [
    (Outcome.not_applicable("M-04", "no progression"),
     Outcome("M-04", Status.NOT_APPLICABLE, reason="no progression")),
    (Outcome.insufficient("M-04", ("Ki-67",), reason="r", card="c"),
     Outcome("M-04", Status.INSUFFICIENT, "c", (), ("Ki-67",), "r")),
    (Outcome.applicable("M-04", card="c", facts=[FactUse("Ki-67", "12 %", date(2026, 1, 2), "Observation/1")],
                        missing=["x"], reason="r", params={"site": "ileal"}),
     Outcome("M-04", Status.APPLICABLE, "c", (FactUse("Ki-67", "12 %", date(2026, 1, 2), "Observation/1"),),
             ("x",), "r", {"site": "ileal"})),
])
def test_named_constructors_equal_the_dataclass(made, expected):
    assert made == expected and repr(made) == repr(expected) and type(made) is Outcome
    assert vars(made) == vars(expected)
    with pytest.raises(dataclasses.FrozenInstanceError):
        made.reason = "changed"  # type: ignore[misc]
    assert dataclasses.replace(made, reason="x").reason == "x"


def test_fast_constructor_gives_each_outcome_its_own_params():
    a, b = Outcome.not_applicable("M-04", "r"), Outcome.not_applicable("M-04", "r")
    assert a.params is not b.params and a == b
