"""Strength per table: a card shows the strength the decision table gives its row, unless a documented modifier
applies (review 2026-12 A-W3, A-W4, A-W8; B-W2). The table's strengths for the therapy rows are transcribed here
from the decision table (net guideline section 4); a card that departs from them must be listed in MODIFIERS with
the reason, so no stricter or looser rule hides in the knowledge without a row behind it."""
from __future__ import annotations

from dataclasses import replace
from datetime import date

import pytest

from service.picture.model import Agent, Fact, SstrStatus, Source
from tests.rules.factories import fact, fired_cards, knowledge, make_labs, run, therapy

# decision table section 4: the strengths each therapy row gives its options
TABLE = {
    "M-01": {"recommend"}, "M-02": {"recommend"}, "M-03": {"consider"}, "M-04": {"recommend"},
    "M-05": {"consider"}, "M-06": {"recommend"}, "M-07": {"recommend", "consider"},
    "P-02": {"recommend"}, "P-03": {"recommend"}, "P-04": {"recommend"}, "P-05": {"recommend"},
    "P-06": {"recommend"}, "L-02": {"recommend"}, "L-03": {"recommend"}, "L-04": {"consider"},
    "L-05": {"consider"}, "G3-01": {"recommend"}, "G3-02": {"recommend"}, "N-03": {"consider"},
    "N-04": {"consider"},
}
# card -> why it departs from a row's strength (a documented modifier)
MODIFIERS = {
    "everolimus-prrt-not-possible": "M-05's condition is met on record (PRRT declined, CrCl < 30, pregnancy, "
                                    "breast-feeding): the recommended next line",
    "everolimus-pnet-after-shrinkage": "P-03 is 'no urgent need for shrinkage': later option when P-04 leads",
    "sunitinib-pnet-after-shrinkage": "P-03 is 'no urgent need for shrinkage': later option when P-04 leads",
    "captem-pnet-progressive": "P-04 on progression alone (not bulky/symptomatic): one option beside P-03/P-05",
    "streptozocin-pnet": "P-04's alternative regimen",
    "prrt-first-line": "P-05/O-06 first line is M-03 (CONSIDER)",
    "everolimus-thymic": "L-03's approval is for lung NET; thymic NET off-label (MDT)",
    "prrt-retreatment": "M-07 re-treatment in selected prior responders (CONSIDER, MDT)",
    "g3-prrt-pretreated": "G3-01 is first line; after prior therapy PRRT is an MDT option",
    "g3-captem": "G3-01 CAPTEM outside the pancreas is the alternative (MDT)",
    "captem-lung": "L-05",
    "g3-platinum-etoposide-pending": "G3-02's own expert pathology review is pending and decides the regimen", "everolimus-after-prrt": "M-07 'the remaining one of PRRT/everolimus'",
    "prrt-after-everolimus": "M-07 'the remaining one of PRRT/everolimus'",
}
SUGGESTING = ("recommend", "consider")


def test_every_therapy_card_has_its_rows_strength_or_a_documented_modifier():
    wrong = []
    for spec in knowledge().cards.values():
        if spec.strength not in SUGGESTING or spec.id in MODIFIERS:
            continue
        for row in spec.rules:
            if row in TABLE and spec.strength not in TABLE[row] and not (row in ("P-05", "O-06") and
                                                                             spec.topic != "prrt"):
                wrong.append(f"{spec.id}: {spec.strength}, row {row} says {sorted(TABLE[row])}")
    assert not wrong, wrong


def test_first_line_prrt_is_consider_as_the_table_rates_m03():
    assert knowledge().cards["prrt-first-line"].strength == "consider"


PROGRESSING_ON_SSA = {"progression": True, "newly_diagnosed": False,
                      "therapies": (therapy(Agent.SSA, start=date(2025, 1, 1)),)}


def test_everolimus_stays_consider_while_prrt_is_possible():
    assert fired_cards("M-05", **PROGRESSING_ON_SSA) == {"everolimus-nonfunctional"}


@pytest.mark.parametrize("overrides, words", [
    ({"declined_therapies": frozenset({Agent.PRRT})}, "declined"),
    ({"labs": make_labs(creatinine_clearance=24.0)}, "CrCl 24"),
    ({"breastfeeding": True}, "breast-feeding"),
    ({"pregnant": True}, "pregnancy"),
])
def test_everolimus_is_the_recommended_next_line_when_prrt_is_not_possible(overrides, words):
    (outcome,) = run("M-05", **PROGRESSING_ON_SSA, **overrides)
    assert outcome.card == "everolimus-prrt-not-possible" and words in outcome.params["prrt_barrier"]
    assert knowledge().cards[outcome.card].strength == "recommend"


def test_labs_below_the_netter_thresholds_are_no_bar_to_prrt():
    """CrCl 40 or platelets 70 (net-37): the PRRT card asks for MDT review; everolimus stays an alternative."""
    assert fired_cards("M-05", **PROGRESSING_ON_SSA, labs=make_labs(creatinine_clearance=40.0,
                                                                      platelets=70.0)) == {"everolimus-nonfunctional"}
