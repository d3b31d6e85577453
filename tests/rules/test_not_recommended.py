"""NOT RECOMMENDED rows (decision table section 6): each fires when its therapy is in play, not otherwise."""
from __future__ import annotations

import pytest

from service.picture.model import (
    Agent,
    Differentiation,
    DiseaseStatus,
    Extent,
    Grade,
    Ki67,
    LungType,
    PrimarySite,
    Scope,
    SstrStatus,
    Syndrome,
    TherapyStatus,
)
from service.rules import Status
from tests.rules.factories import MISSING, fired_cards, knowledge, make_labs, run, therapy

SSA = therapy(Agent.SSA, drug="octreotide LAR")
PROGRESSING_ON_SSA = {"progression": True, "therapies": (SSA,)}
NEC = {"scope": Scope.NEC, "differentiation": Differentiation.POOR, "grade": Grade.NEC, "ki67": Ki67(70.0)}
CARCINOID = {"carcinoid_syndrome": True, "syndromes": frozenset({Syndrome.CARCINOID})}
R0 = {"r0_resection": True, "extent": Extent.LOCALIZED, "metastatic_sites": frozenset(), "liver_metastases": False}


@pytest.mark.parametrize(
    ("rule_id", "fires", "expected", "near_miss"),
    [
        ("NR-01", {"therapies": (SSA, therapy(Agent.SUNITINIB, status=TherapyStatus.PLANNED))},
         {"sunitinib-non-pancreatic"},
         {"therapies": (SSA, therapy(Agent.SUNITINIB, status=TherapyStatus.PLANNED)), "primary_site": PrimarySite.PANCREAS}),
        ("NR-01", {"therapies": (therapy(Agent.SUNITINIB),)}, {"sunitinib-non-pancreatic"},
         PROGRESSING_ON_SSA),  # a warning about a drug nobody proposed is noise
        ("NR-01", {"therapies": (therapy(Agent.SUNITINIB),), "primary_site": PrimarySite.UNKNOWN},
         {"sunitinib-non-pancreatic"}, {}),
        ("NR-02", {**CARCINOID, "therapies": (therapy(Agent.EVEROLIMUS, status=TherapyStatus.PLANNED),)},
         {"everolimus-functional-carcinoid"}, {**CARCINOID, "progression": True}),
        ("NR-02", {**CARCINOID, "therapies": (therapy(Agent.EVEROLIMUS),)}, {"everolimus-functional-carcinoid"},
         {**CARCINOID, "primary_site": PrimarySite.PANCREAS, "therapies": (therapy(Agent.EVEROLIMUS),)}),
        ("NR-03", {**PROGRESSING_ON_SSA, "sstr": SstrStatus.NEGATIVE}, {"prrt-sstr-negative"},
         {**PROGRESSING_ON_SSA, "sstr": SstrStatus.POSITIVE_ALL}),
        ("NR-03", {**PROGRESSING_ON_SSA, "sstr": SstrStatus.POSITIVE_HETEROGENEOUS}, {"prrt-sstr-negative"},
         {"sstr": SstrStatus.NEGATIVE}),  # stable, not newly diagnosed high Ki-67: PRRT not in play
        ("NR-03", {"sstr": MISSING, "therapies": (therapy(Agent.PRRT, status=TherapyStatus.PLANNED),)},
         {"prrt-no-sstr-imaging"}, {"sstr": MISSING, **PROGRESSING_ON_SSA}),
        ("NR-05", {**NEC, "therapies": (SSA,)}, {"ssa-in-nec"}, {**NEC, "sstr": SstrStatus.POSITIVE_ALL}),
        ("NR-05", {**NEC, "sstr": MISSING, "therapies": (SSA,)}, {"ssa-in-nec"}, {"therapies": (SSA,)}),
        ("NR-06", {**NEC, "therapies": (therapy(Agent.EVEROLIMUS), therapy(Agent.CABOZANTINIB))},
         {"nec-everolimus", "nec-cabozantinib"}, {"therapies": (therapy(Agent.EVEROLIMUS),)}),
        ("NR-06", {**NEC, "therapies": (therapy(Agent.PRRT, status=TherapyStatus.PLANNED),)}, {"nec-prrt"},
         {**NEC, "ki67": Ki67(30.0), "sstr": SstrStatus.POSITIVE_ALL,
          "therapies": (therapy(Agent.PRRT, status=TherapyStatus.PLANNED),
                        therapy(Agent.PLATINUM_ETOPOSIDE, status=TherapyStatus.COMPLETED))}),
        ("NR-07", {"therapies": (therapy(Agent.PLATINUM_ETOPOSIDE),)}, {"platinum-wd-net"},
         {"therapies": (therapy(Agent.PLATINUM_ETOPOSIDE),), "primary_site": PrimarySite.LUNG_THYMUS,
          "lung_type": LungType.ATYPICAL}),
        ("NR-07", {"therapies": (therapy(Agent.PLATINUM_ETOPOSIDE, status=TherapyStatus.PLANNED),)}, {"platinum-wd-net"},
         {"progression": True, "ki67": Ki67(15.0)}),
        ("NR-08", {**R0, "therapies": (therapy(Agent.EVEROLIMUS),)}, {"adjuvant-everolimus"},
         {**R0, "r0_resection": MISSING, "therapies": (therapy(Agent.EVEROLIMUS),)}),
        ("NR-08", {**R0, "therapies": (SSA, therapy(Agent.CAPTEM))}, {"adjuvant-ssa", "adjuvant-captem"},
         {**R0, **CARCINOID, "therapies": (SSA,)}),
        ("NR-12", {"syndromes": frozenset({Syndrome.INSULINOMA}), "sstr": MISSING}, {"ssa-insulinoma"},
         {"syndromes": frozenset({Syndrome.INSULINOMA}), "sstr": SstrStatus.POSITIVE_ALL}),
        ("NR-13", {"therapies": (therapy(Agent.INTERFERON),)}, {"interferon-first-line"},
         {"therapies": (therapy(Agent.INTERFERON), therapy(Agent.SSA, status=TherapyStatus.STOPPED))}),
        ("NR-14", {"therapies": (therapy(Agent.PASIREOTIDE),)}, {"pasireotide-routine"},
         {"therapies": (therapy(Agent.PASIREOTIDE, status=TherapyStatus.STOPPED),)}),
        # NR-15/NR-16 only when an SSA is ordered or taken (review 2026-11: no row suggests SSA alone here)
        ("NR-15", {"grade": Grade.G3, "ki67": Ki67(25.0), "therapies": (SSA,)}, {"ssa-g3-monotherapy"},
         {"grade": Grade.G3, "ki67": Ki67(25.0), "therapies": (SSA, therapy(Agent.CAPTEM))}),
        ("NR-15", {"grade": Grade.G3, "ki67": Ki67(25.0), "therapies": (SSA,)}, {"ssa-g3-monotherapy"},
         {"grade": Grade.G3, "ki67": Ki67(25.0), **CARCINOID}),
        ("NR-15", {"grade": Grade.G3, "ki67": Ki67(25.0), "therapies": (SSA,)}, {"ssa-g3-monotherapy"},
         {"grade": Grade.G3, "ki67": Ki67(25.0)}),
        ("NR-15", {"grade": Grade.G3, "ki67": Ki67(25.0), "therapies": (SSA,)}, {"ssa-g3-monotherapy"},
         {"grade": Grade.G3, "ki67": Ki67(25.0),
          "therapies": (SSA, therapy(Agent.PRRT, status=TherapyStatus.PLANNED, start=None))}),
        ("NR-16", {"sstr": SstrStatus.NEGATIVE, "therapies": (SSA,)}, {"ssa-sstr-negative"},
         {"sstr": SstrStatus.NEGATIVE, "therapies": (SSA,), **CARCINOID}),
        ("NR-16", {"sstr": SstrStatus.NEGATIVE, "therapies": (SSA,)}, {"ssa-sstr-negative"},
         {"sstr": MISSING, "therapies": (SSA,)}),
        ("NR-16", {"sstr": SstrStatus.NEGATIVE, "therapies": (SSA,)}, {"ssa-sstr-negative"},
         {"sstr": SstrStatus.NEGATIVE}),
        ("NR-21", {"labs": make_labs(chromogranin_a_rising=True), "disease_status": MISSING}, {"cga-alone"},
         {"labs": make_labs(chromogranin_a_rising=True), "disease_status": DiseaseStatus.PROGRESSIVE}),
        ("NR-23", {"therapies": (SSA, therapy(Agent.SSA, drug="lanreotide"))}, {"ssa-combination"},
         {"therapies": (SSA, therapy(Agent.SSA, drug="octreotide", long_acting=False))}),
        ("NR-23", {"therapies": (SSA, therapy(Agent.EVEROLIMUS))}, {"everolimus-ssa-combination"},
         {"therapies": (SSA, therapy(Agent.EVEROLIMUS)), "syndromes": frozenset({Syndrome.GASTRINOMA})}),
    ],
)
def test_nr_row_fires_when_in_play_and_not_on_near_miss(rule_id, fires, expected, near_miss):
    assert fired_cards(rule_id, **fires) == expected
    assert fired_cards(rule_id, **near_miss) == set()


def test_nr01_unknown_site_with_sunitinib_is_insufficient():
    (o,) = run("NR-01", primary_site=MISSING, therapies=(therapy(Agent.SUNITINIB),))
    assert o.status is Status.INSUFFICIENT


def test_nr03_positive_degree_unknown_asks_for_uptake_vs_liver():
    (o,) = run("NR-03", sstr=SstrStatus.POSITIVE_DEGREE_UNKNOWN, **PROGRESSING_ON_SSA)
    assert o.status is Status.INSUFFICIENT and o.card == "prrt-uptake-degree"


def test_nr03_newly_diagnosed_high_ki67_puts_prrt_in_play():
    assert fired_cards("NR-03", sstr=SstrStatus.LOWER_THAN_LIVER, ki67=Ki67(14.0), newly_diagnosed=True) == {
        "prrt-sstr-negative"}


def test_nr_rows_stay_quiet_for_a_stable_untreated_patient():
    quiet = ("NR-01", "NR-02", "NR-03", "NR-05", "NR-06", "NR-07", "NR-08", "NR-12", "NR-13", "NR-14", "NR-15",
             "NR-16", "NR-21", "NR-23")
    assert {r: fired_cards(r) for r in quiet} == {r: set() for r in quiet}


def test_nr02_nr23_everolimus_proposed_for_progression_of_a_functional_carcinoid():
    """Review Wrong 10 (net-46): the reason is the label limitation for functional carcinoid tumours (NR-02, whose
    card cites RADIANT-2); NR-23 does not add a second card about the same everolimus (review B W1, ord-02): in
    carcinoid syndrome the SSA treats the syndrome."""
    proposed = dict(CARCINOID, progression=True,
                    therapies=(SSA, therapy(Agent.EVEROLIMUS, status=TherapyStatus.PLANNED)))
    assert fired_cards("NR-02", **proposed) == {"everolimus-functional-carcinoid-progression"}
    assert fired_cards("NR-23", **dict(proposed, therapies=(SSA, therapy(Agent.EVEROLIMUS)))) == set()
    assert fired_cards("NR-02", **dict(proposed, progression=False)) == {"everolimus-functional-carcinoid"}


def test_nr23_everolimus_with_an_ssa_in_non_functional_net_outside_a_prrt_course():
    """Review B W1: the combination card fires for non-functional NET and stops the SSA (stops.agents), not during
    a PRRT course (the SSA is part of the PRRT schedule; the everolimus-during-PRRT card speaks)."""
    both = (SSA, therapy(Agent.EVEROLIMUS))
    assert fired_cards("NR-23", therapies=both) == {"everolimus-ssa-combination"}
    assert knowledge().cards["everolimus-ssa-combination"].stops.agents == ("somatostatin-analog",)
    assert fired_cards("NR-23", therapies=(*both, therapy(Agent.PRRT))) == {"everolimus-prrt-combination"}


def test_nr03_uptake_equal_to_liver_is_a_caution():
    """Review Missing (net-09): PET uptake "equal to liver" counted as eligible without comment."""
    from tests.rules.factories import fact
    equal = fact(SstrStatus.POSITIVE_ALL, display="SSTR uptake Uptake about equal to normal liver")
    assert fired_cards("NR-03", sstr=equal, progression=True) == {"prrt-uptake-equal-to-liver"}
    assert fired_cards("NR-03", progression=True) == set()
