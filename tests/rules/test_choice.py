"""XC-02: the options of one decision, from one row or several, in order for this patient (card contract "One
decision, one card: choices"; review 2026-12 A-U2, A-C1, B-W2). Read on the fixture patients' real pictures."""
from __future__ import annotations

from functools import lru_cache
from pathlib import Path

import pytest

from service.picture.build import build_picture
from service.picture.terminology import load_terminology
from service.rules import Status, evaluate
from tests.plugins.clinical import FIXTURE_AS_OF, bundle_record
from tests.rules.factories import knowledge

ROOT = Path(__file__).resolve().parents[2]


@lru_cache(maxsize=None)
def _outcomes(pid: str):
    term = load_terminology(ROOT / "cards" / "terminology")
    picture = build_picture(bundle_record(ROOT / "fhir_fixtures" / "bundles" / f"{pid}.json"), as_of=FIXTURE_AS_OF,
                            terminology=term)
    return evaluate(picture, as_of=FIXTURE_AS_OF, knowledge=knowledge())


def _order(pid: str, decision: str = "antitumour-therapy") -> tuple[list[str], str]:
    found = [o for o in _outcomes(pid) if o.rule_id == "XC-02" and o.status is Status.APPLICABLE
             and o.params["decision"] == decision]
    assert len(found) == 1, f"{pid}: one XC-02 order per decision, got {found}"
    return found[0].params["order"].split(","), found[0].reason


def test_progression_after_everolimus_is_one_decision_prrt_first():
    order, reason = _order("net-240")
    assert order == ["prrt-pnet", "cabozantinib-pnet", "sunitinib-pnet-after-everolimus", "captem-pnet-progressive"]
    assert "recommended options before those to consider" in reason


def test_pnet_before_any_targeted_agent_puts_everolimus_and_sunitinib_before_prrt():
    order, reason = _order("net-12")  # progressed on SSA only; diabetes: sunitinib first (P-03's own order)
    assert order.index("prrt-pnet") > max(order.index("everolimus-pnet"), order.index("sunitinib-pnet"))
    assert order[0] == "sunitinib-pnet" and "ESMO" in reason and "diabetes" in reason


def test_first_line_ssa_before_prrt_and_consider_never_first():
    order, _ = _order("net-241")
    assert order == ["ssa-first-line", "prrt-first-line"]
    spec = knowledge().cards
    for pid in ("net-14", "net-13", "net-240", "net-241", "net-48", "net-51"):
        strengths = [spec[c].strength for c in _order(pid)[0]]
        assert strengths == sorted(strengths, key=["recommend", "consider"].index), pid


def test_a_rows_own_order_is_kept():
    order, reason = _order("net-21")  # G3-01, pancreas: CAPTEM first (its own reason)
    assert order[0].startswith("g3-captem") and "pancreatic primary" in reason


@pytest.mark.parametrize("pid", ["net-02", "net-36"])  # F-01 SSA for the syndrome: M-02's SSA stays on that card
def test_no_order_when_one_option_is_left(pid):
    assert not [o for o in _outcomes(pid) if o.rule_id == "XC-02"]


# --------------------------------------------------------------------------- ordered for this patient (class 4)


def test_an_option_an_interaction_card_cautions_about_goes_after_the_others():
    """Review 2026-12 B-W6 (net-140: a current rifampicin, strong CYP3A4 inducer): everolimus and sunitinib lose exposure with a strong
    CYP3A4 inducer; CAPTEM, without an interaction, comes first, with the reason."""
    order, reason = _order("net-140")
    assert order[0].startswith("captem") and "strong CYP3A4 inducer" in reason
    assert order.index("captem-pnet-progressive") < min(order.index("everolimus-pnet"), order.index("sunitinib-pnet"))


@pytest.mark.parametrize("pid", ["net-148", "net-246"])  # diabetes written in a diagnosis / coded E11.9 only
def test_diabetes_on_the_problem_list_puts_sunitinib_first(pid):
    order, reason = _order(pid)
    assert order.index("sunitinib-pnet") < order.index("everolimus-pnet")
    assert "diabetes on record" in reason and "could not order" not in reason
