"""Universal gates G-01..G-09 (decision table section 4.1) and the scope rows."""
from __future__ import annotations

from pathlib import Path

import pytest

from service.knowledge import Knowledge, load_knowledge
from service.picture.model import Scope
from service.rules import Status, evaluate
from tests.rules.factories import AS_OF, MISSING, make_picture

CARDS = Path(__file__).resolve().parents[2] / "cards"


@pytest.fixture(scope="module")
def knowledge() -> Knowledge:
    return load_knowledge(CARDS)


def outcome(knowledge: Knowledge, rule_id: str, **overrides):
    picture = make_picture(**overrides)
    found = [o for o in evaluate(picture, as_of=AS_OF, knowledge=knowledge) if o.rule_id == rule_id]
    assert found, f"{rule_id} did not run"
    return found[0]


def test_g05_fires_when_ki67_and_grade_unknown(knowledge):
    o = outcome(knowledge, "G-05", ki67=MISSING, grade=MISSING)
    assert o.status is Status.APPLICABLE
    assert any("Ki-67" in m for m in o.missing)


def test_g05_fires_when_differentiation_unknown(knowledge):
    o = outcome(knowledge, "G-05", differentiation=MISSING)
    assert o.status is Status.APPLICABLE
    assert any("differentiation" in m for m in o.missing)


def test_g05_near_miss_grade_and_differentiation_known(knowledge):
    assert outcome(knowledge, "G-05").status is Status.NOT_APPLICABLE
