"""What the picture infers from how EHRs really code data: differentiation from diagnosis/morphology codes,
Ki-67 filed under the breast LOINC, localized extent from positive signs, tumour growth, declined therapies and
the progression interval. Each inference has its near miss (the datum stays MISSING / is not read)."""
from __future__ import annotations

import math

import pytest

from service.picture.model import Agent, Differentiation, Extent, FactState, Scope
from tests.picture import factories as f

AS_OF = f.AS_OF
NETDIFF = "https://net-cds.org/fhir/CodeSystem/differentiation"


def _diff(value: str, **kw) -> dict:
    return f.local("differentiation", valueCodeableConcept=f.cc(NETDIFF, value), **kw)


# --------------------------------------------------------------------------- differentiation


@pytest.mark.parametrize(("code", "expected"), [
    ("C7A.012", Differentiation.WELL), ("C7A.00", Differentiation.WELL), ("C7A.026", Differentiation.WELL),
    ("C7A.091", Differentiation.WELL), ("C7A.0", Differentiation.WELL), ("D3A.012", Differentiation.WELL),
    ("D3A.8", Differentiation.WELL), ("C7A.1", Differentiation.POOR),
])
def test_differentiation_inferred_from_the_diagnosis_code(picture_of, code, expected):
    p = picture_of(f.record(f.condition(code, id="dx")), as_of=AS_OF)
    assert p.differentiation.is_(expected) and p.differentiation.state == FactState.PRESENT
    src = p.differentiation.sources[0]
    assert src.reference == "Condition/dx" and f"from diagnosis code {code}" in src.display
    assert "inferred" in p.differentiation.note


def test_carcinoid_code_display_says_why(picture_of):
    p = picture_of(f.record(f.condition("C7A.012", id="dx")), as_of=AS_OF)
    assert p.differentiation.sources[0].display == "from diagnosis code C7A.012 (carcinoid = well differentiated)"


@pytest.mark.parametrize(("morphology", "expected"), [
    ("8240/3", Differentiation.WELL), ("8241/3", Differentiation.WELL), ("8242/3", Differentiation.WELL),
    ("8249/3", Differentiation.WELL), ("8150/3", Differentiation.WELL), ("8153/3", Differentiation.WELL),
    ("8156/3", Differentiation.WELL), ("8246/3", Differentiation.POOR), ("8041/3", Differentiation.POOR),
    ("8013/3", Differentiation.POOR), ("8154/3", Differentiation.MIXED), ("8244/3", Differentiation.MIXED),
])
def test_differentiation_inferred_from_morphology(picture_of, morphology, expected):
    p = picture_of(f.record(f.condition("C25.4", morphology=morphology)), as_of=AS_OF)
    assert p.differentiation.is_(expected)


@pytest.mark.parametrize(("code", "system"), [("C7A.8", f.ICD10), ("C25.4", f.ICD10), ("255046005", f.SCT)])
def test_codes_that_say_nothing_leave_differentiation_missing(picture_of, code, system):
    p = picture_of(f.record(f.condition(code, system=system), f.ki67(40)), as_of=AS_OF)
    assert p.differentiation.state == FactState.MISSING


def test_ki67_never_decides_differentiation_even_very_high(picture_of):
    p = picture_of(f.record(f.condition("C25.4"), f.ki67(85)), as_of=AS_OF)
    assert p.differentiation.state == FactState.MISSING and p.scope == Scope.NET


def test_explicit_pathology_wins_over_the_code_when_they_agree_or_the_code_is_mixed(picture_of):
    p = picture_of(f.record(f.condition("C7A.012"), _diff("well", id="d")), as_of=AS_OF)
    assert p.differentiation.is_(Differentiation.WELL)
    assert [s.reference for s in p.differentiation.sources] == ["Observation/d"]
    p = picture_of(f.record(f.condition("C25.4", morphology="8154/3"), _diff("poor")), as_of=AS_OF)
    assert p.differentiation.is_(Differentiation.POOR) and p.scope == Scope.MINEN


@pytest.mark.parametrize("explicit", ["local", "text"])
def test_poorly_differentiated_pathology_with_a_carcinoid_code_is_contradictory(picture_of, explicit):
    if explicit == "local":
        extra = (_diff("poor", id="d"),)
        dx = f.condition("C7A.012", id="dx")
    else:
        extra = ()
        dx = f.condition("C7A.012", id="dx", text="Poorly differentiated neuroendocrine carcinoma, ileum")
    p = picture_of(f.record(dx, *extra), as_of=AS_OF)
    assert p.differentiation.state == FactState.CONTRADICTORY and p.differentiation.value is None
    assert "pathology review" in p.differentiation.note
    assert "Condition/dx" in {s.reference for s in p.differentiation.sources}


def test_well_differentiated_text_with_the_nec_code_is_contradictory(picture_of):
    # a WD NET G3 miscoded as C7A.1 ("high grade neuroendocrine carcinoma"): neither is assumed
    dx = f.condition("C7A.1", text="Well-differentiated NET G3 of the pancreas")
    p = picture_of(f.record(dx, f.ki67(35)), as_of=AS_OF)
    assert p.differentiation.state == FactState.CONTRADICTORY
    assert p.scope == Scope.NET


def test_text_saying_both_well_and_poorly_is_not_read(picture_of):
    dx = f.condition("C25.4", text="NET G3: well differentiated or poorly differentiated? Await review")
    assert picture_of(f.record(dx), as_of=AS_OF).differentiation.state == FactState.MISSING


def test_inferred_codes_that_disagree_use_the_worse_and_say_so(picture_of):
    p = picture_of(f.record(f.condition("C7A.012", morphology="8246/3")), as_of=AS_OF)
    assert p.differentiation.is_(Differentiation.POOR) and p.scope == Scope.NEC
    assert "codes disagree" in p.differentiation.note


# --------------------------------------------------------------------------- Ki-67 under LOINC 85330-9


def test_breast_loinc_ki67_read_with_any_nen_condition_code(picture_of):
    p = picture_of(f.record(f.condition("C7A.026"), f.ki67(1, code="85330-9", id="k")), as_of=AS_OF)
    assert p.ki67.value.percent == 1 and p.grade.value.value == "G1"


@pytest.mark.parametrize("breast", [
    {"code": "C50.911"}, {"code": "Z85.3"}, {"code": "C44.91", "morphology": "8500/3"},
    {"code": "254837009", "system": f.SCT}, {"code": "Z00.00", "text": "Invasive ductal carcinoma of the breast"},
])
def test_breast_loinc_ki67_never_read_with_breast_cancer_on_record(picture_of, breast):
    p = picture_of(f.record(f.ileal_net(), f.condition(**breast), f.ki67(30, code="85330-9")), as_of=AS_OF)
    assert p.scope == Scope.NET
    assert p.ki67.state == FactState.MISSING and "breast cancer on record" in p.ki67.note


def test_breast_loinc_ki67_from_a_breast_specimen_is_not_read(picture_of):
    p = picture_of(f.record(f.ileal_net(), f.ki67(30, code="85330-9", body_site="left breast core")), as_of=AS_OF)
    assert p.ki67.state == FactState.MISSING and "breast specimen" in p.ki67.note


def test_family_history_of_breast_cancer_does_not_block(picture_of):
    fam = f.condition("Z80.3", text="Family history of breast cancer (mother)")
    p = picture_of(f.record(f.ileal_net(), fam, f.ki67(4, code="85330-9")), as_of=AS_OF)
    assert p.ki67.value.percent == 4


def test_breast_cancer_alone_with_breast_loinc_is_no_picture(picture_of):
    cond = f.condition("C50.911", morphology="8500/3")
    p = picture_of(f.record(cond, f.ki67(30, code="85330-9")), as_of=AS_OF)
    assert p.scope == Scope.NONE and p.ki67.state == FactState.MISSING


# --------------------------------------------------------------------------- localized extent from positive signs


def _size(cm: float, day: str, **kw) -> dict:
    return f.observation("21889-1", date=day, valueQuantity=f.qty(cm, "cm", "cm"), **kw)


def _t(value: str, day: str = "2025-03-01") -> dict:
    return f.observation("21905-5", date=day, valueCodeableConcept={"text": value})


def _rectal(**kw) -> dict:
    return f.condition("C7A.026", id="dx", onset="2025-01-10", **kw)


def test_size_with_a_primary_and_nothing_against_is_localized(picture_of):
    p = picture_of(f.record(_rectal(), _size(0.8, "2025-01-10", id="sz")), as_of=AS_OF)
    assert p.extent.is_(Extent.LOCALIZED) and p.extent.state == FactState.PRESENT
    assert {s.reference for s in p.extent.sources} == {"Condition/dx", "Observation/sz"}
    assert "inferred" in p.extent.note


@pytest.mark.parametrize("against", [
    f.condition("C78.7", clinical="resolved"),                       # a metastasis, even resolved
    f.condition("C77.2", clinical="inactive"),
    f.condition("E34.00"),                                            # carcinoid syndrome without staging
    f.med_statement("845507", start="2024-06-01"),                    # everolimus: advanced-disease therapy
    f.procedure("37243", system=f.CPT, date="2025-02-01", text="TAE liver"),
    f.local("hepatic-tumor-burden", valueQuantity=f.qty(10, "%")),
])
def test_anything_against_limited_disease_leaves_extent_missing(picture_of, against):
    p = picture_of(f.record(_rectal(), _size(0.8, "2025-01-10"), against), as_of=AS_OF)
    assert p.extent.state == FactState.MISSING


@pytest.mark.parametrize("text", ["Metastatic rectal NET", "Rectal NET, stage IV", "rectal NET pT2 pN1",
                                  "rectal NET, unresectable"])
def test_condition_text_saying_advanced_blocks_the_inference(picture_of, text):
    p = picture_of(f.record(_rectal(text=text), _size(0.8, "2025-01-10")), as_of=AS_OF)
    assert p.extent.state == FactState.MISSING


def test_no_metastases_in_text_does_not_block(picture_of):
    p = picture_of(f.record(_rectal(note="CT: no metastases."), _size(0.8, "2025-01-10")), as_of=AS_OF)
    assert p.extent.is_(Extent.LOCALIZED)


def test_a_primary_alone_without_a_sign_stays_missing(picture_of):
    p = picture_of(f.record(_rectal()), as_of=AS_OF)
    assert p.extent.state == FactState.MISSING and "no staging, size or resection" in p.extent.note


@pytest.mark.parametrize("category", ["unavailable", "incomplete"])
@pytest.mark.parametrize("what", ["conditions", "observations"])
def test_incomplete_data_never_gives_localized(picture_of, terminology, category, what):
    from service.picture.build import build_picture
    from service.data.records import PatientRecord
    res = (f.patient(), _rectal(), _size(0.8, "2025-01-10"))
    kw = {category: frozenset({what})}
    p = build_picture(PatientRecord("p1", res, **kw), as_of=AS_OF, terminology=terminology)
    assert not p.extent.is_(Extent.LOCALIZED)
    if category == "unavailable" and what == "observations":
        assert p.extent.state == FactState.UNAVAILABLE


def test_history_only_code_is_not_a_primary_on_the_problem_list(picture_of):
    p = picture_of(f.record(f.condition("Z85.040"), _size(0.8, "2025-01-10")), as_of=AS_OF)
    assert p.extent.state == FactState.MISSING


@pytest.mark.parametrize(("value", "localized"), [("cT1", True), ("pT2", True), ("T4", False), ("TX", False)])
def test_t_category(picture_of, value, localized):
    p = picture_of(f.record(_rectal(), _t(value)), as_of=AS_OF)
    assert p.extent.is_(Extent.LOCALIZED) is localized


def test_t_category_with_n1_is_locoregional_not_localized(picture_of):
    n1 = f.observation("21906-3", valueCodeableConcept={"text": "cN1"})
    p = picture_of(f.record(_rectal(), _t("cT2"), n1), as_of=AS_OF)
    assert p.extent.is_(Extent.LOCOREGIONAL)


def test_resection_of_the_primary_is_a_sign(picture_of):
    res = f.procedure("44140", system=f.CPT, date="2025-01-20", text="Sigmoid resection", id="res")
    p = picture_of(f.record(_rectal(), res), as_of=AS_OF)
    assert p.extent.is_(Extent.LOCALIZED) and "Procedure/res" in {s.reference for s in p.extent.sources}


def test_resection_note_with_nodes_blocks(picture_of):
    res = f.procedure("44140", system=f.CPT, date="2025-01-20", text="Sigmoid resection", note="pT2 pN1 (2/12)")
    assert picture_of(f.record(_rectal(), res), as_of=AS_OF).extent.state == FactState.MISSING


def test_resection_years_before_the_nen_is_not_its_resection(picture_of):
    res = f.procedure("44140", system=f.CPT, date="2015-01-20", text="Sigmoid resection (diverticulitis)")
    assert picture_of(f.record(_rectal(), res), as_of=AS_OF).extent.state == FactState.MISSING


def test_appendectomy_counts_only_for_an_appendiceal_nen(picture_of):
    appx = f.procedure("44950", system=f.CPT, date="2025-01-12", text="Laparoscopic appendectomy")
    p = picture_of(f.record(f.condition("C7A.020", onset="2025-01-10"), appx), as_of=AS_OF)
    assert p.extent.is_(Extent.LOCALIZED)
    p = picture_of(f.record(f.condition("C7A.012", onset="2025-01-10"), appx), as_of=AS_OF)
    assert p.extent.state == FactState.MISSING


def test_endoscopic_resection_counts_only_for_a_luminal_gi_nen(picture_of):
    emr = f.procedure("45385", system=f.CPT, date="2025-01-12", text="Colonoscopy with snare polypectomy")
    p = picture_of(f.record(_rectal(), emr), as_of=AS_OF)
    assert p.extent.is_(Extent.LOCALIZED) and p.has_procedure("endoscopic-resection")
    p = picture_of(f.record(f.condition("C25.4", onset="2025-01-10"), emr), as_of=AS_OF)
    assert p.extent.state == FactState.MISSING


def test_old_sign_gives_stale_localized(picture_of):
    p = picture_of(f.record(f.condition("C7A.026", onset="2021-01-10"), _size(0.8, "2021-01-10")), as_of=AS_OF)
    assert p.extent.value == Extent.LOCALIZED and p.extent.state == FactState.STALE


# --------------------------------------------------------------------------- tumour size history and growth


def test_size_history_keeps_every_dated_size_and_growth_uses_90_days_apart(picture_of):
    p = picture_of(f.record(f.condition("C25.4"), _size(10, "2024-01-01", id="a"),
                            _size(1.5, "2024-12-01", id="b"), _size(1.6, "2025-02-01", id="c"),
                            _size(2.0, "2025-09-01", id="future")), as_of=AS_OF)
    assert [(cm, s.reference) for cm, s in p.tumor_size_history] == [
        (10.0, "Observation/a"), (1.5, "Observation/b"), (1.6, "Observation/c")]
    # D2 = 1.6 cm (2025-02-01); 2024-12-01 is only 62 days before it, so D1 = 10 cm (2024-01-01)
    g = p.tumor_growth_cm_per_year
    assert [s.reference for s in g.sources] == ["Observation/a", "Observation/c"]
    assert g.value == round((1.6 - 10) / (397 / 365.25), 3) and g.value < 0
    assert p.tumor_doubling_time_days.state == FactState.MISSING and "not growing" in p.tumor_doubling_time_days.note


def test_doubling_time_of_a_growing_tumour(picture_of):
    mm = f.observation("21889-1", date="2024-03-01", valueQuantity=f.qty(20, "mm", "mm"), id="a")
    p = picture_of(f.record(f.condition("C25.4"), mm, _size(2.6, "2025-03-01", id="b")), as_of=AS_OF)
    days = 365
    assert p.tumor_growth_cm_per_year.value == round(0.6 / (days / 365.25), 3)
    expected = round(days * math.log(2) / (3 * math.log(2.6 / 2.0)), 1)
    assert p.tumor_doubling_time_days.value == expected and expected < 500
    assert p.tumor_doubling_time_days.state == FactState.PRESENT
    assert [s.reference for s in p.tumor_doubling_time_days.sources] == ["Observation/a", "Observation/b"]


def test_growth_needs_two_sizes_90_days_apart(picture_of):
    p = picture_of(f.record(f.condition("C25.4"), _size(1.0, "2025-01-01"), _size(1.4, "2025-03-01")), as_of=AS_OF)
    assert p.tumor_growth_cm_per_year.state == FactState.MISSING
    assert p.tumor_doubling_time_days.state == FactState.MISSING
    assert len(p.tumor_size_history) == 2


def test_different_sizes_on_one_date_are_not_a_growth_rate(picture_of):
    p = picture_of(f.record(f.condition("C25.4"), _size(1.0, "2024-06-01"), _size(1.4, "2025-03-01"),
                            _size(2.2, "2025-03-01")), as_of=AS_OF)
    assert p.tumor_growth_cm_per_year.state == FactState.MISSING and "different tumour sizes" in \
        p.tumor_growth_cm_per_year.note


# --------------------------------------------------------------------------- declined therapies


def _not_done_prrt(**kw) -> dict:
    r = f.procedure("440252007", status="not-done", text="Lu-177 dotatate PRRT (offered)", id="prrt", **kw)
    del r["performedDateTime"]
    return r


def test_not_done_procedure_with_refusal_reason_is_declined(picture_of):
    r = _not_done_prrt()
    r["statusReason"] = f.cc(f.SCT, "105480006", "Refusal of treatment by patient (situation)")
    p = picture_of(f.record(f.ileal_net(), r), as_of=AS_OF)
    assert p.declined(Agent.PRRT) and p.declined_therapies == frozenset({Agent.PRRT})
    assert [(a, s.reference) for a, s in p.declined_sources] == [(Agent.PRRT, "Procedure/prrt")]
    assert not p.ever_had(Agent.PRRT)


def test_not_done_for_another_reason_is_not_declined(picture_of):
    r = _not_done_prrt()
    r["statusReason"] = f.cc(f.SCT, "183932001", "Procedure contraindicated")
    r["note"] = [{"text": "eGFR declined to 35 mL/min; PRRT not given."}]
    assert picture_of(f.record(f.ileal_net(), r), as_of=AS_OF).declined_therapies == frozenset()


def test_refusal_in_a_note_of_a_not_done_procedure(picture_of):
    r = _not_done_prrt(note="PRRT offered after MDT; the patient declined.")
    assert picture_of(f.record(f.ileal_net(), r), as_of=AS_OF).declined(Agent.PRRT)


def test_cancelled_order_refused_by_the_patient_is_declined_and_never_given(picture_of):
    mr = f.med_request("845507", status="cancelled", id="evr", authored="2025-01-05")
    mr["statusReason"] = {"text": "Patient refused"}
    p = picture_of(f.record(f.ileal_net(), mr), as_of=AS_OF)
    assert p.declined(Agent.EVEROLIMUS) and not p.therapies_of(Agent.EVEROLIMUS)


def test_stopped_statement_with_refusal_code_is_declined_but_stays_an_exposure(picture_of):
    ms = f.med_statement("898601", status="stopped", start="2024-01-01", end="2024-06-01")
    ms["statusReason"] = [f.cc(f.SCT, "183944003")]
    p = picture_of(f.record(f.ileal_net(), ms), as_of=AS_OF)
    assert p.declined(Agent.SSA) and p.ever_had(Agent.SSA)


def test_stopped_order_without_refusal_is_not_declined(picture_of):
    mr = f.med_request("845507", status="stopped")
    mr["note"] = [{"text": "Stopped for progression; eGFR declined."}]
    assert picture_of(f.record(f.ileal_net(), mr), as_of=AS_OF).declined_therapies == frozenset()


def test_refusal_condition_naming_therapies(picture_of):
    c = f.condition("105480006", system=f.SCT, onset="2025-02-01", id="ref",
                    note="Patient declined PRRT and further surgery; declined chemotherapy as well.")
    p = picture_of(f.record(f.ileal_net(), c), as_of=AS_OF)
    assert p.declined_therapies == frozenset({Agent.PRRT, Agent.SURGERY})   # "chemotherapy" names no class


def test_refusal_observation_naming_a_therapy(picture_of):
    o = f.observation("105480006", system=f.SCT, valueString="declined lanreotide injections")
    assert picture_of(f.record(f.ileal_net(), o), as_of=AS_OF).declined_therapies == frozenset({Agent.SSA})


def test_declined_then_started_is_no_longer_declined(picture_of):
    c = f.condition("105480006", system=f.SCT, onset="2024-02-01", note="Declines everolimus for now.")
    started = f.med_statement("845507", start="2024-09-01")
    assert not picture_of(f.record(f.ileal_net(), c, started), as_of=AS_OF).declined(Agent.EVEROLIMUS)
    earlier = f.med_statement("845507", start="2023-09-01", end="2023-12-01", status="completed")
    assert picture_of(f.record(f.ileal_net(), c, earlier), as_of=AS_OF).declined(Agent.EVEROLIMUS)


# --------------------------------------------------------------------------- progression interval


def _progressed(day: str) -> dict:
    return f.observation("97509-4", date=day, id="st", valueCodeableConcept=f.cc(f.SCT, "271299001"))


def test_progression_interval_from_the_therapy_running_at_progression(picture_of):
    ms = f.med_statement("845507", start="2024-11-01", id="evr")
    p = picture_of(f.record(f.ileal_net(onset="2023-01-10"), ms, _progressed("2025-03-01")), as_of=AS_OF)
    assert p.progression_interval_days.value == 120
    assert [s.reference for s in p.progression_interval_days.sources] == ["MedicationStatement/evr", "Observation/st"]
    assert "everolimus" in p.progression_interval_days.note


def test_progression_interval_from_diagnosis_without_a_running_therapy(picture_of):
    old = f.med_statement("845507", start="2023-02-01", end="2023-05-01", status="completed")
    p = picture_of(f.record(f.ileal_net(onset="2024-12-01", id="dx"), old, _progressed("2025-03-01")), as_of=AS_OF)
    assert p.progression_interval_days.value == 90 and "after diagnosis" in p.progression_interval_days.note
    assert p.progression_interval_days.sources[0].reference == "Condition/dx"


def test_administrations_only_say_the_start_may_be_earlier(picture_of):
    lar = f.med_admin("898601", date="2025-01-01")
    p = picture_of(f.record(f.ileal_net(), lar, _progressed("2025-03-01")), as_of=AS_OF)
    assert p.progression_interval_days.value == 59 and "true start may be earlier" in p.progression_interval_days.note


def test_no_progression_no_interval(picture_of):
    stable = f.observation("97509-4", date="2025-03-01", valueCodeableConcept=f.cc(f.SCT, "359746009"))
    assert picture_of(f.record(f.ileal_net(), stable), as_of=AS_OF).progression_interval_days.state == \
        FactState.MISSING
