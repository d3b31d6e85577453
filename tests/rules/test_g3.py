"""Well-differentiated NET G3 rows G3-01..G3-03 (decision table 4.6)."""
from __future__ import annotations

from datetime import date, timedelta

from service.picture.model import (
    Agent,
    Differentiation,
    Extent,
    Fact,
    FactState,
    Grade,
    GradeAssessment,
    Ki67,
    PrimarySite,
    Source,
    SstrStatus,
)
from service.rules import Status
from tests.rules.factories import MISSING, fact, fired_cards, knowledge, run, therapy

G3 = {"grade": Grade.G3, "ki67": Ki67(32.0)}


def test_g3_01_sstr_positive_offers_prrt_and_captem():
    assert fired_cards("G3-01", **G3) == {"g3-prrt-first-line", "g3-captem"}


def test_g3_01_pancreas_recommends_captem():
    assert fired_cards("G3-01", primary_site=PrimarySite.PANCREAS, **G3) == {"g3-prrt-first-line", "g3-captem-pancreas"}


def test_g3_01_first_line_prrt_only_when_newly_diagnosed():
    """net-56: a WD G3 pNET already on lanreotide is not the NETTER-2 population. The PRRT card must not say
    "first-line" nor cite NETTER-2; it is PRRT for WD G3 after prior therapy, for the MDT (consider)."""
    on_lanreotide = dict(G3, primary_site=PrimarySite.PANCREAS, newly_diagnosed=False,
                         therapies=(therapy(Agent.SSA, drug="lanreotide"),))
    assert fired_cards("G3-01", **on_lanreotide) == {"g3-prrt-pretreated", "g3-captem-pancreas"}
    (prrt,) = [o for o in run("G3-01", **on_lanreotide) if o.card == "g3-prrt-pretreated"]
    assert any(f.display.startswith("lanreotide") for f in prrt.facts)  # the prior therapy is shown
    k = knowledge()
    pretreated, first_line = k.cards["g3-prrt-pretreated"], k.cards["g3-prrt-first-line"]
    assert "first-line" not in pretreated.summary.lower() and "prior therapy" in pretreated.summary
    assert "NETTER-2" not in pretreated.evidence and pretreated.strength == "consider" and pretreated.order
    assert "NETTER-2" in first_line.evidence and "untreated" in first_line.summary  # NEC review 2026-12: not "newly diagnosed"


def test_g3_01_newly_diagnosed_gets_first_line_netter2():
    (prrt, _) = run("G3-01", newly_diagnosed=True, **G3)
    assert prrt.card == "g3-prrt-first-line" and prrt.status is Status.APPLICABLE
    assert any(f.name.startswith("Newly diagnosed") for f in prrt.facts)


def test_g3_01_unreadable_treatment_history_holds_prrt_keeps_captem():
    unreadable = dict(G3, newly_diagnosed=Fact(FactState.UNAVAILABLE, None, (), "medication history could not be read"))
    prrt, captem = run("G3-01", **unreadable)
    assert prrt.status is Status.INSUFFICIENT and prrt.card is None and "prior systemic therapy" in prrt.missing[0]
    assert captem.status is Status.APPLICABLE and captem.card == "g3-captem"


def test_g3_01_near_miss_ki67_above_55():
    assert fired_cards("G3-01", grade=Grade.G3, ki67=Ki67(60.0)) == set()


def test_g3_01_near_miss_heterogeneous_uptake():
    assert fired_cards("G3-01", sstr=SstrStatus.POSITIVE_HETEROGENEOUS, **G3) == set()


def test_g3_01_near_miss_g2():
    (o,) = run("G3-01", grade=Grade.G2)
    assert o.status is Status.NOT_APPLICABLE


def test_g3_01_missing_sstr_is_insufficient():
    (o,) = run("G3-01", sstr=MISSING, **G3)
    assert o.status is Status.INSUFFICIENT and o.missing


def test_g3_01_degree_unknown_needs_uptake_vs_liver():
    (o,) = run("G3-01", sstr=SstrStatus.POSITIVE_DEGREE_UNKNOWN, **G3)
    assert o.status is Status.INSUFFICIENT
    assert "liver" in o.missing[0]


def test_g3_01_localized_is_not_applicable():
    (o,) = run("G3-01", extent=Extent.LOCALIZED, **G3)
    assert o.status is Status.NOT_APPLICABLE


def chemo_cards(rule_id, *args, **kwargs):
    """G3-02's chemotherapy cards (its expert pathology re-review card is tested on its own)."""
    return fired_cards(rule_id, *args, **kwargs) - {"g3-pathology-review"}


def test_g3_02_asks_for_expert_pathology_re_review():
    """Issue 11 item 5: aggressive WD G3 -> expert NEN pathology re-review (WD G3 vs NEC decides the regimen)."""
    assert "g3-pathology-review" in fired_cards("G3-02", sstr=SstrStatus.NEGATIVE, **G3)
    reviewed = fact(Differentiation.WELL, display="well differentiated: expert NEN pathology review, Rb retained")
    assert "g3-pathology-review" not in fired_cards("G3-02", sstr=SstrStatus.NEGATIVE, **dict(G3, differentiation=reviewed))
    assert "g3-pathology-review" not in fired_cards("G3-02", fdg_avid=False, **G3)


def test_g3_02_sstr_negative_recommends_chemotherapy():
    assert chemo_cards("G3-02", sstr=SstrStatus.NEGATIVE, **G3) == {"g3-chemotherapy"}


def test_g3_02_fdg_avid_recommends_chemotherapy():
    assert chemo_cards("G3-02", fdg_avid=True, **G3) == {"g3-chemotherapy"}


def test_g3_02_ki67_above_55_plans_platinum_while_the_expert_review_is_pending():
    """Review 2026-12 A-C2 (net-22): the expert review decides the regimen, so platinum is planned, not started."""
    assert chemo_cards("G3-02", grade=Grade.G3, ki67=Ki67(70.0)) == {"g3-platinum-etoposide-pending"}
    assert "g3-pathology-review" in fired_cards("G3-02", grade=Grade.G3, ki67=Ki67(70.0))


def test_g3_02_near_miss_sstr_positive_ki67_moderate():
    (o,) = run("G3-02", fdg_avid=False, **G3)
    assert o.status is Status.NOT_APPLICABLE


def test_g3_02_unknown_sstr_and_no_other_criterion_is_insufficient():
    (o,) = run("G3-02", sstr=MISSING, **G3)
    assert o.status is Status.INSUFFICIENT


def test_g3_03_discordant_grades_need_rebiopsy():
    assessments = (
        GradeAssessment(Grade.G2, None, "primary", 8.0, None, "Ki-67 8 %", ("Observation/a",)),
        GradeAssessment(Grade.G3, None, "liver", 30.0, None, "Ki-67 30 %", ("Observation/b",)),
    )
    (o,) = run("G3-03", grade_discordant=True, grade_assessments=assessments)
    assert o.status is Status.APPLICABLE
    assert [f.reference for f in o.facts] == ["Observation/a", "Observation/b"]


def test_g3_03_current_biopsy_already_shows_the_worst_grade():
    """Review Wrong 5 (net-56): the G3 Ki-67 comes from the biopsy of the progressing lesion: no new biopsy."""
    assessments = (
        GradeAssessment(Grade.G2, date(2024, 11, 1), "primary", 8.0, None, "Ki-67 8 %", ("Observation/a",)),
        GradeAssessment(Grade.G3, date(2026, 10, 12), "liver", 28.0, None, "Ki-67 28 %", ("Observation/b",)),
    )
    progressing = dict(grade_discordant=True, grade_assessments=assessments, progression=True,
                       progression_date=date(2026, 10, 2))
    assert fired_cards("G3-03", **progressing) == {"grade-discordant-current"}
    old_biopsy = dict(progressing, progression_date=date(2026, 12, 20))  # biopsy long before the new progression
    assert fired_cards("G3-03", **old_biopsy) == {"grade-discordant"}
    newest_lower = (GradeAssessment(Grade.G3, date(2024, 11, 1), "primary", 30.0, None, "Ki-67 30 %", ("Observation/a",)),
                    GradeAssessment(Grade.G2, date(2026, 10, 12), "liver", 9.0, None, "Ki-67 9 %", ("Observation/b",)))
    assert fired_cards("G3-03", **dict(progressing, grade_assessments=newest_lower)) == {"grade-discordant"}


def test_g3_03_near_miss_concordant():
    (o,) = run("G3-03", grade_discordant=False)
    assert o.status is Status.NOT_APPLICABLE


def test_g3_03_contradictory_fact_does_not_fire():
    (o,) = run("G3-03", grade_discordant=fact(True, state=FactState.CONTRADICTORY))
    assert o.status is Status.NOT_APPLICABLE


# --------------------------------------------------------------------------- clinical review 2026-11


G3_SSTR_POSITIVE = {"grade": Grade.G3, "ki67": Ki67(30), "sstr": SstrStatus.POSITIVE_ALL, "fdg_avid": False,
                    "progression": True}


def _interval(days: int, note: str, state: FactState = FactState.PRESENT):
    return Fact(state, days, (Source("MedicationRequest/ssa", date(2026, 3, 1), "octreotide LAR started"),
                              Source("Observation/status", date(2026, 3, 1) + timedelta(days=days), "worsened")), note)


def test_g3_02_progression_within_180_days_of_starting_therapy_is_rapid_growth():
    """WD G3, SSTR >= liver, Ki-67 30 %, but progressing 120 days after starting the SSA: cytotoxic chemotherapy."""
    rapid = dict(G3_SSTR_POSITIVE, progression_interval_days=_interval(120, "progression 120 days after starting octreotide LAR"))
    assert chemo_cards("G3-02", **rapid) == {"g3-chemotherapy"}
    (o,) = [o for o in run("G3-02", **rapid) if o.card == "g3-chemotherapy"]
    assert any(f.name == "Progression interval" and f.date == date(2026, 6, 29) for f in o.facts)
    slow = dict(rapid, progression_interval_days=_interval(400, "progression 400 days after starting octreotide LAR"))
    assert fired_cards("G3-02", **slow) == set()


def test_g3_02_interval_from_a_first_recorded_dose_is_not_informative():
    """net-42 shape: only administrations on record, so '24 days after starting' may really be years."""
    note = ("progression 24 days after starting octreotide LAR (first recorded dose: only administrations on record, "
            "the true start may be earlier)")
    assert fired_cards("G3-02", **dict(G3_SSTR_POSITIVE, progression_interval_days=_interval(24, note))) == set()


def test_g3_02_stale_or_missing_interval_is_not_rapid_growth():
    stale = _interval(60, "progression 60 days after diagnosis", FactState.STALE)
    assert fired_cards("G3-02", **dict(G3_SSTR_POSITIVE, progression_interval_days=stale)) == set()
    assert fired_cards("G3-02", **dict(G3_SSTR_POSITIVE, progression_interval_days=MISSING)) == set()


def test_g3_02_short_volume_doubling_time_is_rapid_growth():
    sizes = (Source("Observation/s1", date(2026, 3, 1), "tumour size 2 cm"),
             Source("Observation/s2", date(2026, 7, 1), "tumour size 3 cm"))
    fast = dict(G3_SSTR_POSITIVE, progression=False,
                tumor_growth_cm_per_year=Fact(FactState.PRESENT, 3.0, sizes, "2 cm -> 3 cm (122 days)"),
                tumor_doubling_time_days=Fact(FactState.PRESENT, 70.0, sizes, "volume doubling time"))
    assert chemo_cards("G3-02", **fast) == {"g3-chemotherapy"}
    slow = dict(fast, tumor_doubling_time_days=Fact(FactState.PRESENT, 400.0, sizes, "volume doubling time"))
    assert fired_cards("G3-02", **slow) == set()
    shrinking = dict(fast, tumor_growth_cm_per_year=Fact(FactState.PRESENT, -0.5, sizes, "3 cm -> 2.8 cm"),
                     tumor_doubling_time_days=Fact.missing("not growing"))
    assert fired_cards("G3-02", **shrinking) == set()


def test_g3_01_prrt_suggestion_orders_lutathera_only():
    """The NETTER-2 octreotide LAR is part of the PRRT dosing text; no separate SSA order that could
    clash with the 'SSA alone not recommended' card (NR-15) on the same picture."""
    from tests.rules.factories import knowledge
    assert knowledge().cards["g3-prrt-first-line"].order.medications == ("lutathera",)
