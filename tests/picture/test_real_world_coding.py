"""Real-world coding (issue 13, item 4): how EHRs actually send the facts, each shape read right.

ICD-10-CM without the dot; a Condition with only ``code.text``; SNOMED-only conditions and body sites; units
"percent"/"pct" without a UCUM code; Ki-67 as a fraction; entered-in-error and refuted resources ignored;
resolved/remission conditions read as history; ``medicationReference`` to contained or bundled Medications;
the same resource twice from two feeds; timezone offsets; a MedicationStatement and a MedicationRequest for the
same drug. (The data-stage shapes - duplicates across feeds, bundled Medications - are also in
tests/data/test_report_data.py.)"""
from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from service.data.records import PatientRecord
from service.picture.build import build_picture
from service.picture.model import Agent, FactState, PrimarySite, Scope, TherapyStatus
from service.picture.terminology import load_terminology
from tests.picture.factories import AS_OF, ICD10, RXNORM, SCT, cc, condition, ki67, patient

TERM = load_terminology(Path(__file__).resolve().parents[2] / "cards" / "terminology")


def picture(*resources: dict, as_of: date = AS_OF):
    return build_picture(PatientRecord("p1", (patient(), *resources)), as_of=as_of, terminology=TERM)


def text_condition(text: str, **kw) -> dict:
    c = condition("x", **kw)
    c["code"] = {"text": text}
    return c


# --------------------------------------------------------------------------- diagnoses


@pytest.mark.parametrize("code, site", [("C7A012", PrimarySite.MIDGUT), ("c7a.012", PrimarySite.MIDGUT),
                                        ("C254", PrimarySite.PANCREAS), ("C7A1", None)])
def test_icd10cm_codes_without_the_dot_or_in_lower_case_are_read(code, site):
    p = picture(condition(code))
    assert p.scope in (Scope.NET, Scope.NEC)
    if site is not None:
        assert p.primary_site.value == site
    else:
        assert p.scope == Scope.NEC


@pytest.mark.parametrize("text, scope, site", [
    ("Well-differentiated neuroendocrine tumour of the terminal ileum", Scope.NET, PrimarySite.MIDGUT),
    ("Pancreatic NET G2", Scope.NET, PrimarySite.PANCREAS),
    ("Carcinoid tumor of appendix", Scope.NET, PrimarySite.MIDGUT),
    ("Poorly differentiated neuroendocrine carcinoma of the pancreas", Scope.NEC, PrimarySite.PANCREAS),
])
def test_a_condition_with_only_code_text_is_read(text, scope, site):
    p = picture(text_condition(text))
    assert p.scope == scope and p.primary_site.value == site


@pytest.mark.parametrize("text", [
    "Family history of neuroendocrine tumour (mother)", "Suspected neuroendocrine tumour, work-up pending",
    "Rule out carcinoid", "Carcinoid syndrome", "No evidence of neuroendocrine tumour", "?NET pancreas",
    "Breast cancer", "Malignant neoplasm of ileum",
])
def test_text_that_does_not_affirm_an_nen_makes_none(text):
    assert picture(text_condition(text)).scope == Scope.NONE


def test_snomed_only_conditions_and_body_sites_are_read():
    c = condition("255046005", system=SCT, body_site=(SCT, "34707002"))     # NET disorder; body site
    c["bodySite"] = [cc(SCT, "34707002", "Ileum structure")]
    p = picture(c)
    assert p.scope == Scope.NET
    p = picture(condition("425318003", system=SCT))                         # ileal NET (SNOMED only)
    assert p.scope == Scope.NET and p.primary_site.value == PrimarySite.MIDGUT and p.site_detail.value == "ileum"


def test_a_snomed_body_site_given_only_as_text_gives_the_site():
    c = condition("255046005", system=SCT)
    c["bodySite"] = [{"text": "Pancreas, tail"}]
    assert picture(c).primary_site.value == PrimarySite.PANCREAS


@pytest.mark.parametrize("verification", ["entered-in-error", "refuted"])
def test_entered_in_error_and_refuted_conditions_are_ignored(verification):
    assert picture(condition("C7A.012", verification=verification)).scope == Scope.NONE


def test_an_entered_in_error_observation_is_ignored():
    p = picture(condition("C7A.012"), ki67(8, date="2024-01-01"), ki67(40, date="2025-01-01", status="entered-in-error"))
    assert p.ki67.value.percent == 8.0


@pytest.mark.parametrize("clinical", ["resolved", "remission", "inactive"])
def test_resolved_or_remission_conditions_are_history_not_active_disease(clinical):
    primary = condition("C7A.012", clinical=clinical)
    liver = condition("C7B.02", clinical=clinical)
    p = picture(primary, liver)
    assert p.scope == Scope.NET                       # the tumour is on record (history)
    assert not p.liver_metastases.is_(True)           # but no active metastasis
    assert not p.extent.is_("metastatic")


@pytest.mark.parametrize("status_text", ["Resolved", "In remission", "remission", "Inactive"])
def test_a_clinical_status_sent_only_as_text_is_read_too(status_text):
    liver = condition("C7B.02")
    liver["clinicalStatus"] = {"text": status_text}
    p = picture(condition("C7A.012"), liver)
    assert not p.liver_metastases.is_(True)


def test_a_verification_status_sent_only_as_text_is_read_too():
    c = condition("C7A.012")
    c["verificationStatus"] = {"text": "Entered in error"}
    assert picture(c).scope == Scope.NONE


# --------------------------------------------------------------------------- units


@pytest.mark.parametrize("quantity, percent", [
    ({"value": 12, "unit": "percent"}, 12.0), ({"value": 12, "unit": "pct"}, 12.0), ({"value": 12, "unit": "%"}, 12.0),
    ({"value": 0.12, "unit": "1", "system": "http://unitsofmeasure.org", "code": "1"}, 12.0),   # a fraction
    ({"value": 0.12}, 12.0), ({"value": 0.05, "unit": "{ratio}"}, 5.0),
])
def test_ki67_in_percent_words_or_as_a_fraction_is_read(quantity, percent):
    k = ki67(None)
    k["valueQuantity"] = quantity
    p = picture(condition("C7A.012"), k)
    assert p.ki67.value.percent == pytest.approx(percent)


def test_a_bare_number_above_one_without_a_unit_is_not_guessed():
    k = ki67(None)
    k["valueQuantity"] = {"value": 12}
    assert picture(condition("C7A.012"), k).ki67.state == FactState.MISSING


# --------------------------------------------------------------------------- dates


@pytest.mark.parametrize("when, day", [("2025-05-31T23:30:00-05:00", date(2025, 5, 31)),
                                       ("2025-05-31T02:00:00+09:00", date(2025, 5, 31)),
                                       ("2025-05-31T12:00:00Z", date(2025, 5, 31)),
                                       ("2025-05-31T12:00:00.123+01:00", date(2025, 5, 31))])
def test_timezone_offsets_keep_the_local_date_as_sent(when, day):
    p = picture(condition("C7A.012"), ki67(9, date=when))
    assert p.ki67.date == day and p.ki67.value.percent == 9.0


def test_a_result_dated_after_as_of_is_not_yet_known_even_with_an_offset():
    p = picture(condition("C7A.012"), ki67(9, date="2025-06-02T00:30:00+14:00"))
    assert p.ki67.state == FactState.MISSING


# --------------------------------------------------------------------------- medications


def _octreotide_request(rid: str, med: dict, **extra) -> dict:
    r = {"resourceType": "MedicationRequest", "id": rid, "status": "active", "intent": "order",
         "subject": {"reference": "Patient/p1"}, "authoredOn": "2024-01-10", **med}
    r.update(extra)
    return r


OCTREOTIDE = {"resourceType": "Medication", "id": "med-oct",
              "code": cc(RXNORM, "898601", "octreotide 30 MG Injection")}


def test_medication_reference_to_a_contained_medication_is_read():
    contained = dict(OCTREOTIDE, id="m1")
    r = _octreotide_request("mr1", {"medicationReference": {"reference": "#m1"}}, contained=[contained])
    p = picture(condition("C7A.012"), r)
    assert p.on(Agent.SSA)


def test_medication_reference_to_a_bundled_medication_is_read():
    r = _octreotide_request("mr2", {"medicationReference": {"reference": "Medication/med-oct"}})
    p = picture(condition("C7A.012"), r, OCTREOTIDE)
    assert p.on(Agent.SSA)


def test_a_statement_and_a_request_for_the_same_drug_are_one_therapy():
    request = _octreotide_request("mr3", {"medicationCodeableConcept": cc(RXNORM, "898601")})
    statement = {"resourceType": "MedicationStatement", "id": "ms3", "status": "active",
                 "subject": {"reference": "Patient/p1"}, "medicationCodeableConcept": cc(RXNORM, "898601"),
                 "effectivePeriod": {"start": "2024-01-12"}}
    p = picture(condition("C7A.012"), request, statement)
    ssa = p.therapies_of(Agent.SSA)
    assert len(ssa) == 1 and ssa[0].status == TherapyStatus.ACTIVE
    assert set(ssa[0].references) >= {"MedicationRequest/mr3", "MedicationStatement/ms3"}


def test_the_same_resource_twice_counts_once():
    k = ki67(9, id="k-dup", date="2025-03-01")
    p = picture(condition("C7A.012", id="c-dup"), condition("C7A.012", id="c-dup"), k, dict(k))
    assert p.ki67.state == FactState.PRESENT and len(p.ki67.sources) == 1
    assert len(p.scope_sources) == 1
