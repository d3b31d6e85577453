"""Midgut / unknown-primary rows M-01..M-11 (decision table 4.2): each fires, each has a near miss."""
from __future__ import annotations

from datetime import date

import pytest

from service.picture.model import (
    Agent,
    Extent,
    Grade,
    Ki67,
    PrimarySite,
    SstrStatus,
    Syndrome,
    TherapyStatus,
)
from service.rules import Status
from tests.rules.factories import MISSING, fired_cards, procedure, run, therapy

ON_SSA = (therapy(Agent.SSA, start=date(2025, 1, 1)),)
PROGRESSING_ON_SSA = {"progression": True, "newly_diagnosed": False, "therapies": ON_SSA}
CS = {"syndromes": frozenset({Syndrome.CARCINOID}), "carcinoid_syndrome": True}


def statuses(rule_id: str, **overrides) -> set[Status]:
    return {o.status for o in run(rule_id, **overrides)}


@pytest.mark.parametrize(
    ("rule_id", "card", "fires", "near_miss"),
    [
        # M-01 watch-and-wait needs LOW burden; 30 % of the liver replaced is not low
        ("M-01", "midgut-surveillance", {"hepatic_burden_percent": 5.0}, {"hepatic_burden_percent": 30.0}),
        # M-02 first-line SSA; an SSTR-negative tumour gets no SSA for antiproliferation
        ("M-02", "ssa-first-line", {}, {"sstr": SstrStatus.NEGATIVE}),
        # M-03 NETTER-2: newly diagnosed, Ki-67 >= 10 %; Ki-67 5 % is not the NETTER-2 population
        ("M-03", "prrt-first-line", {"ki67": Ki67(12)}, {"ki67": Ki67(5)}),
        # M-04 PRRT after SSA needs uptake >= liver everywhere; heterogeneous uptake rules it out
        ("M-04", "prrt-second-line", PROGRESSING_ON_SSA, dict(PROGRESSING_ON_SSA, sstr=SstrStatus.POSITIVE_HETEROGENEOUS)),
        # M-05 everolimus for NON-functional progression; not with carcinoid syndrome (NR-02)
        ("M-05", "everolimus-nonfunctional", PROGRESSING_ON_SSA, dict(PROGRESSING_ON_SSA, **CS)),
        # M-06 SSTR-negative progression -> everolimus recommended; SSTR-positive -> not this row
        ("M-06", "everolimus-sstr-negative", dict(PROGRESSING_ON_SSA, sstr=SstrStatus.NEGATIVE), PROGRESSING_ON_SSA),
        # M-07 cabozantinib after PRRT; progression with SSA alone is not enough
        ("M-07", "cabozantinib-epnet",
         dict(PROGRESSING_ON_SSA, therapies=ON_SSA + (therapy(Agent.PRRT, status=TherapyStatus.COMPLETED,
                                                             start=date(2025, 3, 1), end=date(2025, 9, 1)),)),
         PROGRESSING_ON_SSA),
        # M-08 escalation for refractory symptoms; controlled symptoms (2 BM/day, no flushing) do not qualify
        ("M-08", "ssa-escalation-symptoms", dict(CS, therapies=ON_SSA, bowel_movements_per_day=6.0),
         dict(CS, therapies=ON_SSA, bowel_movements_per_day=2.0, flushing_per_day=0.0)),
        # M-09 interferon only after SSA + two non-SSA lines; planned interferon after SSA alone is not last resort
        ("M-09", "interferon-last-resort",
         {"therapies": ON_SSA + (therapy(Agent.PRRT, status=TherapyStatus.COMPLETED),
                                 therapy(Agent.EVEROLIMUS, status=TherapyStatus.STOPPED),
                                 therapy(Agent.INTERFERON, status=TherapyStatus.PLANNED))},
         {"therapies": ON_SSA + (therapy(Agent.INTERFERON, status=TherapyStatus.PLANNED),)}),
        # M-10 symptomatic small-bowel primary in situ; already resected -> no
        ("M-10", "primary-resection-si", {"abdominal_pain": True},
         {"abdominal_pain": True, "procedures": (procedure("resection"),)}),
        # M-11 unknown primary -> localisation work-up; a known midgut primary does not need it
        ("M-11", "unknown-primary-workup", {"primary_site": PrimarySite.UNKNOWN, "site_detail": MISSING}, {}),
    ],
)
def test_row_fires_and_near_miss_does_not(rule_id, card, fires, near_miss):
    assert card in fired_cards(rule_id, **fires)
    assert card not in fired_cards(rule_id, **near_miss)


def test_unknown_primary_follows_the_midgut_pathway_but_never_sunitinib():
    """M-11: unknown primary is extra-pancreatic — PRRT after SSA applies, no sunitinib card anywhere."""
    unknown_primary = dict(PROGRESSING_ON_SSA, primary_site=PrimarySite.UNKNOWN, site_detail=MISSING)
    assert "prrt-second-line" in fired_cards("M-04", **unknown_primary)
    for rule_id in ("M-02", "M-04", "M-05", "M-06", "M-07"):
        assert not any("sunitinib" in c for c in fired_cards(rule_id, **unknown_primary))


def test_prrt_without_sstr_imaging_asks_for_it_instead_of_saying_no():
    """M-04: missing SSTR imaging is insufficient data with the needs-data card, never not-applicable."""
    (outcome,) = run("M-04", **dict(PROGRESSING_ON_SSA, sstr=MISSING))
    assert outcome.status is Status.INSUFFICIENT and outcome.card == "prrt-needs-sstr"


def test_prrt_positive_degree_unknown_needs_data_but_ssa_still_advised():
    """SSTR 'positive' without the liver comparison: PRRT needs data; the SSA is still recommended."""
    (prrt,) = run("M-04", **dict(PROGRESSING_ON_SSA, sstr=SstrStatus.POSITIVE_DEGREE_UNKNOWN))
    assert prrt.status is Status.INSUFFICIENT and prrt.card == "prrt-needs-sstr"
    assert "ssa-first-line" in fired_cards("M-02", sstr=SstrStatus.POSITIVE_DEGREE_UNKNOWN)


@pytest.mark.parametrize("sstr", [SstrStatus.LOWER_THAN_LIVER, SstrStatus.NEGATIVE, SstrStatus.POSITIVE_HETEROGENEOUS])
def test_prrt_never_fires_when_any_lesion_is_below_liver(sstr):
    for rule_id in ("M-03", "M-04"):
        assert statuses(rule_id, **dict(PROGRESSING_ON_SSA, sstr=sstr, ki67=Ki67(12))) == {Status.NOT_APPLICABLE}


def test_progression_unknown_is_insufficient_not_a_negative():
    assert statuses("M-04", **dict(PROGRESSING_ON_SSA, progression=MISSING)) == {Status.INSUFFICIENT}


def test_netter2_upper_ki67_limit_and_prior_therapy_exclude_first_line_prrt():
    assert "prrt-first-line" not in fired_cards("M-03", ki67=Ki67(12), newly_diagnosed=False, therapies=ON_SSA)
    assert "prrt-first-line" not in fired_cards("M-03", ki67=Ki67(60), grade=Grade.G2)


def test_g3_and_missing_grade_are_not_midgut_g1_g2_rows():
    assert statuses("M-02", grade=Grade.G3, ki67=Ki67(30)) == {Status.NOT_APPLICABLE}
    assert statuses("M-02", grade=MISSING) == {Status.INSUFFICIENT}


def test_localized_disease_gets_no_systemic_card():
    assert fired_cards("M-02", extent=Extent.LOCALIZED, metastatic_sites=frozenset(), liver_metastases=False) == set()


def test_functional_progression_gets_no_everolimus_from_m06_but_does_get_rebiopsy():
    cards = fired_cards("M-06", **dict(PROGRESSING_ON_SSA, sstr=SstrStatus.NEGATIVE, **CS))
    assert "everolimus-sstr-negative" not in cards and "rebiopsy-sstr-discordant" in cards


def test_after_prrt_offers_everolimus_and_trial_alongside_cabozantinib():
    history = ON_SSA + (therapy(Agent.PRRT, status=TherapyStatus.COMPLETED, start=date(2025, 3, 1)),)
    cards = fired_cards("M-07", **dict(PROGRESSING_ON_SSA, therapies=history))
    assert {"cabozantinib-epnet", "everolimus-after-prrt", "clinical-trial-later-line"} <= cards


def test_surveillance_not_offered_when_progressing_or_on_ssa():
    assert "midgut-surveillance" not in fired_cards("M-01", hepatic_burden_percent=5.0, progression=True)
    assert "midgut-surveillance" not in fired_cards("M-01", hepatic_burden_percent=5.0, therapies=ON_SSA)


def test_escalation_needs_three_months_of_ssa():
    recent = (therapy(Agent.SSA, start=date(2026, 10, 1)),)
    assert statuses("M-08", **dict(CS, therapies=recent, bowel_movements_per_day=6.0)) == {Status.NOT_APPLICABLE}


@pytest.mark.parametrize(
    ("ki67", "first_line_prrt"),
    [(Ki67(10), True), (Ki67(9.9), False), (Ki67(55), True), (Ki67(56), False),
     (Ki67(10, comparator="<"), False), (Ki67(15, low=10), True), (Ki67(12, comparator="<"), None)],
)
def test_netter2_ki67_boundaries(ki67, first_line_prrt):
    """Ki-67 10 % and 55 % are inside the NETTER-2 range; '<10 %' is outside; '<12 %' cannot be decided."""
    (o,) = run("M-03", ki67=ki67)
    expected = {True: Status.APPLICABLE, False: Status.NOT_APPLICABLE, None: Status.INSUFFICIENT}[first_line_prrt]
    assert o.status is expected


def test_surveillance_ki67_boundary_is_strictly_below_ten():
    assert "midgut-surveillance" in fired_cards("M-01", hepatic_burden_percent=5.0, ki67=Ki67(9.9))
    assert "midgut-surveillance" not in fired_cards("M-01", hepatic_burden_percent=5.0, ki67=Ki67(10))


def test_m09_interferon_request_when_ssa_escalation_was_never_tried():
    """Review Wrong 13 (net-44): "other options appear used" although SSA escalation was never tried."""
    used = dict(CS, newly_diagnosed=False, therapies=(
        therapy(Agent.SSA, start=date(2020, 1, 1), dose_text="120 mg deep SC every 4 weeks"),
        therapy(Agent.PRRT, status=TherapyStatus.COMPLETED, start=date(2023, 1, 1)),
        therapy(Agent.TELOTRISTAT, start=date(2024, 1, 1)),
        therapy(Agent.INTERFERON, status=TherapyStatus.PLANNED, start=date(2026, 11, 20))))
    assert fired_cards("M-09", **used) == {"interferon-after-ssa-escalation"}
    escalated = dict(used, therapies=(therapy(Agent.SSA, start=date(2020, 1, 1), dose_text="120 mg every 14 days"),)
                     + used["therapies"][1:])
    assert fired_cards("M-09", **escalated) == {"interferon-last-resort"}


def test_m03_first_line_prrt_is_consider_as_the_table_rates_it_and_says_the_eu_label_status():
    """Review 2026-12 A-W4/B-W2 (net-03, net-201, net-208): the decision table rates M-03 CONSIDER (MDT; OS
    immature), an alternative to SSA alone on the same choice card; off-label in the EU."""
    from tests.rules.factories import knowledge
    card = knowledge().cards["prrt-first-line"]
    assert card.strength == "consider" and "off-label in the EU" in " ".join(card.why.split())
