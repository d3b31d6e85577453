"""Meta-test: every registered decision-table row is exercised by the row tests in this folder.

The row tests are parametrised ``(rule_id, fires, near_miss)`` tables plus named tests; a row id
that never appears here has neither a firing nor a near-miss test.
"""
from __future__ import annotations

import re
from pathlib import Path

from service.rules import load_rules

HERE = Path(__file__).resolve().parent


def test_every_row_appears_in_a_row_test():
    text = "".join(p.read_text(encoding="utf-8") for p in HERE.glob("test_*.py") if p.name != Path(__file__).name)
    uses = {rule_id: len(re.findall(rf'"{re.escape(rule_id)}"', text)) for rule_id in load_rules()}
    untested = sorted(r for r, n in uses.items() if n == 0)
    assert not untested, f"rows without a firing/near-miss test in tests/rules: {untested}"
