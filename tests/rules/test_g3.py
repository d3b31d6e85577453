"""Well-differentiated NET G3 rows G3-01..G3-03 (decision table 4.6)."""
from __future__ import annotations

from service.picture.model import Extent, FactState, Grade, GradeAssessment, Ki67, PrimarySite, SstrStatus
from service.rules import Status
from tests.rules.factories import MISSING, fact, fired_cards, run

G3 = {"grade": Grade.G3, "ki67": Ki67(32.0)}


def test_g3_01_sstr_positive_offers_prrt_and_captem():
    assert fired_cards("G3-01", **G3) == {"g3-prrt-first-line", "g3-captem"}


def test_g3_01_pancreas_recommends_captem():
    assert fired_cards("G3-01", primary_site=PrimarySite.PANCREAS, **G3) == {"g3-prrt-first-line", "g3-captem-pancreas"}


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


def test_g3_02_sstr_negative_recommends_chemotherapy():
    assert fired_cards("G3-02", sstr=SstrStatus.NEGATIVE, **G3) == {"g3-chemotherapy"}


def test_g3_02_fdg_avid_recommends_chemotherapy():
    assert fired_cards("G3-02", fdg_avid=True, **G3) == {"g3-chemotherapy"}


def test_g3_02_ki67_above_55_recommends_platinum():
    assert fired_cards("G3-02", grade=Grade.G3, ki67=Ki67(70.0)) == {"g3-platinum-etoposide"}


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


def test_g3_03_near_miss_concordant():
    (o,) = run("G3-03", grade_discordant=False)
    assert o.status is Status.NOT_APPLICABLE


def test_g3_03_contradictory_fact_does_not_fire():
    (o,) = run("G3-03", grade_discordant=fact(True, state=FactState.CONTRADICTORY))
    assert o.status is Status.NOT_APPLICABLE


# --------------------------------------------------------------------------- clinical review 2026-11


def test_g3_02_rapid_growth_proxy_recommends_chemotherapy():
    """WD G3, SSTR >= liver, Ki-67 30 %, but progressing within 6 months of diagnosis: cytotoxic chemotherapy."""
    from datetime import date
    g3 = {"grade": Grade.G3, "ki67": Ki67(30), "sstr": SstrStatus.POSITIVE_ALL, "fdg_avid": False}
    rapid = dict(g3, progression=True, progression_date=date(2026, 9, 1), diagnosis_date=date(2026, 5, 1))
    assert fired_cards("G3-02", **rapid) == {"g3-chemotherapy"}
    slow = dict(rapid, diagnosis_date=date(2024, 1, 1))
    assert fired_cards("G3-02", **slow) == set()


def test_g3_01_prrt_suggestion_orders_lutathera_only():
    """The NETTER-2 octreotide LAR is part of the PRRT dosing text; no separate SSA order that could
    clash with the 'SSA alone not recommended' card (NR-15) on the same picture."""
    from tests.rules.factories import knowledge
    assert knowledge().cards["g3-prrt-first-line"].order.medications == ("lutathera",)
