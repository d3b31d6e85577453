"""Review 2026-12 D (net-36): the line of a long-acting SSA start follows the therapy history -- a restart after a
break is not "first line", and why the earlier SSA was stopped is asked."""
from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pytest

from service.picture.model import Agent, PrimarySite, TherapyStatus
from tests.rules.factories import make_picture, run, therapy

GOLDEN = Path(__file__).resolve().parents[1] / "golden" / "cards"
STOPPED_LAR = therapy(Agent.SSA, status=TherapyStatus.STOPPED, drug="octreotide LAR", start=date(2024, 11, 22),
                      end=date(2026, 8, 22))


@pytest.mark.parametrize("rule_id, site", [("M-02", PrimarySite.MIDGUT)])
def test_first_ssa_is_first_line(rule_id, site):
    (o,) = run(rule_id, make_picture(primary_site=site, site_detail="ileum"))
    assert o.card == "ssa-first-line" and o.params["ssa_line"] == "first line"
    assert not any("stopped" in m for m in o.missing)


@pytest.mark.parametrize("rule_id, site", [("M-02", PrimarySite.MIDGUT)])
def test_ssa_after_a_break_is_a_restart_and_asks_why_it_stopped(rule_id, site):
    (o,) = run(rule_id, make_picture(primary_site=site, site_detail="ileum", therapies=(STOPPED_LAR,)))
    assert o.card == "ssa-first-line"
    assert "first line" not in o.params["ssa_line"] and "restart" in o.params["ssa_line"]
    assert any("why the earlier SSA was stopped" in m for m in o.missing)
    assert any(f.reference == STOPPED_LAR.references[0] for f in o.facts)


def test_pnet_ssa_after_a_break_is_a_restart():
    p = make_picture(primary_site=PrimarySite.PANCREAS, therapies=(STOPPED_LAR,))
    (o,) = run("P-02", p)
    assert "restart" in o.params["ssa_line"]
    assert any("why the earlier SSA was stopped" in m for m in o.missing)


def test_net36_never_called_first_line_and_telotristat_plan_keeps_it_with_the_ssa():
    cards = json.loads((GOLDEN / "net-36.json").read_text())["cards"]
    text = "\n".join(c["summary"] + "\n" + c["detail"] for c in cards)
    assert "first line" not in text.lower()
    assert "restart" in text
    (telo,) = [c for c in cards if "telotristat" in c["summary"].lower()]
    assert "restart the SSA and keep telotristat" in telo["summary"]
    assert "above 250 mg" not in telo["summary"]
