"""Scope, primary site, differentiation, syndromes, heredity from Conditions."""
import pytest

from service.picture.model import (Differentiation, Extent, FactState, Hereditary, LungType, PrimarySite,
                                   Scope, Syndrome)
from tests.picture.factories import AS_OF, ICDO3, SCT, cc, condition, ki67, observation, record


@pytest.mark.parametrize("code, system, morphology, scope, site", [
    ("C7A.012", "icd", None, Scope.NET, PrimarySite.MIDGUT),
    ("C25.4", "icd", None, Scope.NET, PrimarySite.PANCREAS),
    ("C25.0", "icd", "8240/3", Scope.NET, PrimarySite.PANCREAS),
    ("C7A.090", "icd", "8249/3", Scope.NET, PrimarySite.LUNG_THYMUS),
    ("C7A.026", "icd", None, Scope.NET, PrimarySite.OTHER_GI),
    ("C7A.00", "icd", None, Scope.NET, PrimarySite.UNKNOWN),
    ("C7A.1", "icd", None, Scope.NEC, None),
    ("C18.2", "icd", "8154/3", Scope.MINEN, PrimarySite.MIDGUT),
    ("C16.9", "icd", "8244/3", Scope.MINEN, PrimarySite.OTHER_GI),
    ("254613007", "sct", None, Scope.NET, PrimarySite.PANCREAS),
])
def test_scope_and_site(picture_of, code, system, morphology, scope, site):
    sysuri = SCT if system == "sct" else "http://hl7.org/fhir/sid/icd-10-cm"
    p = picture_of(record(condition(code, system=sysuri, morphology=morphology)), as_of=AS_OF)
    assert p.scope == scope
    if site is not None:
        assert p.primary_site.is_(site)


def test_breast_cancer_with_ki67_is_not_a_nen(picture_of):
    p = picture_of(record(condition("C50.911"), ki67(25, code="85330-9")), as_of=AS_OF)
    assert p.scope == Scope.NONE


@pytest.mark.parametrize("code", ["C25.0", "C34.90", "C80.1"])
def test_ambiguous_codes_need_nen_morphology(picture_of, code):
    assert picture_of(record(condition(code)), as_of=AS_OF).scope == Scope.NONE


def test_ambiguous_code_with_morphology_observation(picture_of):
    morph = observation("31206-6", valueCodeableConcept=cc(ICDO3, "8240/3"))
    p = picture_of(record(condition("C25.1"), morph), as_of=AS_OF)
    assert p.scope == Scope.NET and p.primary_site.is_(PrimarySite.PANCREAS)


def test_small_cell_lung_is_sclc(picture_of):
    assert picture_of(record(condition("C34.11", morphology="8041/3")), as_of=AS_OF).scope == Scope.SCLC
    assert picture_of(record(condition("254632001", system=SCT)), as_of=AS_OF).scope == Scope.SCLC


def test_extrapulmonary_small_cell_is_nec(picture_of):
    assert picture_of(record(condition("C25.9", morphology="8041/3")), as_of=AS_OF).scope == Scope.NEC


@pytest.mark.parametrize("code, morphology", [("C4A.9", None), ("C7B.1", None), ("C44.91", "8247/3")])
def test_merkel_is_excluded(picture_of, code, morphology):
    assert picture_of(record(condition(code, morphology=morphology)), as_of=AS_OF).scope == Scope.EXCLUDED


@pytest.mark.parametrize("verification", ["entered-in-error", "refuted"])
def test_ignored_conditions(picture_of, verification):
    assert picture_of(record(condition("C7A.012", verification=verification)), as_of=AS_OF).scope == Scope.NONE


def test_resolved_condition_keeps_history_but_not_active_facts(picture_of):
    p = picture_of(record(condition("C7A.012", clinical="resolved"), condition("C7B.02", clinical="resolved")),
                   as_of=AS_OF)
    assert p.scope == Scope.NET
    assert p.extent.state == FactState.MISSING


def test_lung_typical_atypical_from_morphology(picture_of):
    p = picture_of(record(condition("C7A.090", morphology="8240/3")), as_of=AS_OF)
    assert p.lung_type.is_(LungType.TYPICAL)
    p = picture_of(record(condition("C34.1", morphology="8249/3")), as_of=AS_OF)
    assert p.lung_type.is_(LungType.ATYPICAL)


def test_differentiation_local_code_and_text(picture_of):
    diff = observation("differentiation", system="https://net-cds.org/fhir/CodeSystem/observation",
                       valueCodeableConcept=cc("https://net-cds.org/fhir/CodeSystem/differentiation", "well"))
    p = picture_of(record(condition("C7A.8"), diff, ki67(40)), as_of=AS_OF)
    assert p.differentiation.is_(Differentiation.WELL) and p.scope == Scope.NET
    assert p.grade.value.value == "G3"


def test_ki67_alone_does_not_set_differentiation(picture_of):
    p = picture_of(record(condition("C7A.8"), ki67(80)), as_of=AS_OF)
    assert p.differentiation.state == FactState.MISSING and p.scope == Scope.NET


def test_metastatic_extent_and_sites(picture_of):
    p = picture_of(record(condition("C7A.012"), condition("C7B.02"), condition("C7B.03")), as_of=AS_OF)
    assert p.extent.is_(Extent.METASTATIC)
    assert p.metastatic_sites == frozenset({"liver", "bone"})
    assert p.liver_metastases.is_(True)
    assert p.liver_dominant.state == FactState.MISSING


def test_no_metastasis_code_is_not_localized(picture_of):
    p = picture_of(record(condition("C7A.012")), as_of=AS_OF)
    assert p.extent.state == FactState.MISSING and p.liver_metastases.state == FactState.MISSING


@pytest.mark.parametrize("code, system, syndrome", [
    ("E34.0", "icd", Syndrome.CARCINOID), ("E34.09", "icd", Syndrome.CARCINOID),
    ("35868009", "sct", Syndrome.CARCINOID), ("E16.4", "icd", Syndrome.GASTRINOMA),
    ("E24.3", "icd", Syndrome.ACTH), ("E16.3", "icd", Syndrome.GLUCAGONOMA),
])
def test_syndromes(picture_of, code, system, syndrome):
    sysuri = SCT if system == "sct" else "http://hl7.org/fhir/sid/icd-10-cm"
    p = picture_of(record(condition("C7A.012"), condition(code, system=sysuri)), as_of=AS_OF)
    assert p.has_syndrome(syndrome)


def test_carcinoid_heart_disease(picture_of):
    p = picture_of(record(condition("C7A.012"), condition("E34.01")), as_of=AS_OF)
    assert p.carcinoid_heart_disease.is_(True) and p.carcinoid_syndrome.is_(True)


def test_missing_syndrome_is_not_negative(picture_of):
    p = picture_of(record(condition("C7A.012")), as_of=AS_OF)
    assert p.carcinoid_syndrome.state == FactState.MISSING


def test_insulinoma_from_morphology(picture_of):
    p = picture_of(record(condition("C25.4", morphology="8151/3")), as_of=AS_OF)
    assert p.has_syndrome(Syndrome.INSULINOMA)


@pytest.mark.parametrize("code, text, expected", [
    ("E31.21", None, Hereditary.MEN1), ("Q85.83", None, Hereditary.VHL), ("Q85.01", None, Hereditary.NF1),
    ("Q85.1", None, Hereditary.TSC), ("Q85.8", "von Hippel-Lindau disease", Hereditary.VHL),
])
def test_hereditary(picture_of, code, text, expected):
    p = picture_of(record(condition("C25.4"), condition(code, text=text)), as_of=AS_OF)
    assert expected in p.hereditary


def test_legacy_q85_8_without_text_is_not_vhl(picture_of):
    p = picture_of(record(condition("C25.4"), condition("Q85.8")), as_of=AS_OF)
    assert Hereditary.VHL not in p.hereditary


def test_pregnancy_condition(picture_of):
    p = picture_of(record(condition("C25.4"), condition("Z33.1", onset="2025-03-01")), as_of=AS_OF)
    assert p.pregnant.is_(True)
