"""Tumour size, gastric NET type, family history, multiple primaries and locoregional/localized extent."""
from __future__ import annotations

import pytest

from service.picture.model import Extent, FactState, Syndrome
from tests.picture import factories as f

AS_OF = f.AS_OF
NETGTYPE = "https://net-cds.org/fhir/CodeSystem/gastric-net-type"


def gastric_net(**kw) -> dict:
    return f.condition("C7A.092", **kw)


def rectal_net(**kw) -> dict:
    return f.condition("C7A.026", **kw)


# --------------------------------------------------------------------------- size


@pytest.mark.parametrize("code", ["21889-1", "33728-7"])
@pytest.mark.parametrize(("value", "unit", "cm"), [(8, "mm", 0.8), (1.5, "cm", 1.5), (15, "mm", 1.5)])
def test_size_from_quantity_in_mm_or_cm(picture_of, code, value, unit, cm):
    p = picture_of(f.record(rectal_net(), f.observation(code, valueQuantity=f.qty(value, unit, unit))), as_of=AS_OF)
    assert p.tumor_size_cm.is_(cm)


@pytest.mark.parametrize(("text", "cm"), [("1.5 cm", 1.5), ("lesion 12 x 8 mm", 1.2), ("0,9 cm", 0.9)])
def test_size_from_text(picture_of, text, cm):
    p = picture_of(f.record(rectal_net(), f.observation("21889-1", valueString=text)), as_of=AS_OF)
    assert p.tumor_size_cm.is_(cm)


@pytest.mark.parametrize("bad", [{"valueQuantity": {"value": 12}}, {"valueString": "12"},
                                 {"valueQuantity": {"value": 2, "unit": "inches"}},
                                 {"valueString": "1 cm and 2 cm"}])
def test_size_without_a_unit_or_ambiguous_is_not_guessed(picture_of, bad):
    p = picture_of(f.record(rectal_net(), f.observation("21889-1", **bad)), as_of=AS_OF)
    assert p.tumor_size_cm.state == FactState.MISSING


def test_latest_size_wins(picture_of):
    p = picture_of(f.record(rectal_net(), f.observation("21889-1", date="2024-01-01", valueString="2 cm"),
                            f.observation("21889-1", date="2025-02-01", valueString="9 mm")), as_of=AS_OF)
    assert p.tumor_size_cm.is_(0.9)


# --------------------------------------------------------------------------- gastric type


@pytest.mark.parametrize(("value", "expected"), [
    ({"valueInteger": 1}, 1), ({"valueString": "type 2"}, 2), ({"valueString": "Type III"}, 3),
    ({"valueCodeableConcept": f.cc(NETGTYPE, "type-1")}, 1),
])
def test_gastric_type_documented(picture_of, value, expected):
    p = picture_of(f.record(gastric_net(), f.local("gastric-net-type", **value)), as_of=AS_OF)
    assert p.gastric_type.is_(expected)


def test_gastric_type_1_inferred_from_atrophic_gastritis(picture_of):
    for cag in (f.condition("K29.40"), f.condition("84568007", system=f.SCT)):
        p = picture_of(f.record(gastric_net(), cag), as_of=AS_OF)
        assert p.gastric_type.is_(1), p.gastric_type
        assert "inferred" in p.gastric_type.note


def test_gastric_type_1_from_hypergastrinaemia_with_achlorhydria(picture_of):
    p = picture_of(f.record(gastric_net(), f.condition("K31.83"),
                            f.observation("2333-3", valueQuantity=f.qty(850, "pg/mL", "pg/mL"))), as_of=AS_OF)
    assert p.gastric_type.is_(1)
    # "increased secretion of gastrin" with achlorhydria is not a gastrinoma
    p = picture_of(f.record(gastric_net(), f.condition("K31.83"), f.condition("E16.4")), as_of=AS_OF)
    assert p.gastric_type.is_(1)
    assert not p.has_syndrome(Syndrome.GASTRINOMA)


def test_high_gastrin_alone_does_not_make_a_type(picture_of):
    p = picture_of(f.record(gastric_net(), f.observation("2333-3", valueQuantity=f.qty(850, "pg/mL", "pg/mL"))),
                   as_of=AS_OF)
    assert p.gastric_type.state == FactState.MISSING
    p = picture_of(f.record(gastric_net(), f.condition("E16.4")), as_of=AS_OF)
    assert p.gastric_type.state == FactState.MISSING


def test_gastric_type_2_from_gastrinoma_or_men1(picture_of):
    for cond in (f.condition("53132006", system=f.SCT), f.condition("E31.21"),
                 f.condition("E16.4", text="Zollinger-Ellison syndrome")):
        p = picture_of(f.record(gastric_net(), cond), as_of=AS_OF)
        assert p.gastric_type.is_(2), cond


def test_gastric_type_conflicting_background_is_contradictory(picture_of):
    p = picture_of(f.record(gastric_net(), f.condition("K29.40"), f.condition("E31.21")), as_of=AS_OF)
    assert p.gastric_type.state == FactState.CONTRADICTORY


def test_gastric_type_never_guessed_as_3_and_only_for_gastric_nets(picture_of):
    p = picture_of(f.record(gastric_net()), as_of=AS_OF)
    assert p.gastric_type.state == FactState.MISSING and p.gastric_type.value is None
    p = picture_of(f.record(rectal_net(), f.condition("K29.40")), as_of=AS_OF)
    assert p.gastric_type.state == FactState.MISSING


def test_gastric_type_from_the_diagnosis_text(picture_of):
    p = picture_of(f.record(gastric_net(text="Gastric NET type 1, multifocal")), as_of=AS_OF)
    assert p.gastric_type.is_(1)


# --------------------------------------------------------------------------- family history, multiple primaries


def test_family_history_of_men_syndrome(picture_of):
    p = picture_of(f.record(f.ileal_net(), f.condition("Z83.41")), as_of=AS_OF)
    assert p.family_history_net.is_(True)


def test_family_history_of_digestive_cancer_needs_net_words(picture_of):
    p = picture_of(f.record(f.ileal_net(), f.condition("Z80.0", text="Family history of colon cancer")), as_of=AS_OF)
    assert p.family_history_net.state == FactState.MISSING
    p = picture_of(f.record(f.ileal_net(), f.condition("Z80.0", text="Family history of carcinoid tumour")),
                   as_of=AS_OF)
    assert p.family_history_net.is_(True)


def test_family_history_in_uncoded_condition_text(picture_of):
    cond = f.condition("000", system="urn:local", text="Family history of pancreatic neuroendocrine tumour")
    p = picture_of(f.record(f.ileal_net(), cond), as_of=AS_OF)
    assert p.family_history_net.is_(True)


def test_no_family_history_on_record_is_missing_not_false(picture_of):
    p = picture_of(f.record(f.ileal_net()), as_of=AS_OF)
    assert p.family_history_net.state == FactState.MISSING


def test_two_primary_sites_are_multiple_primaries(picture_of):
    p = picture_of(f.record(f.ileal_net(), f.condition("C25.4")), as_of=AS_OF)
    assert p.multiple_primaries.is_(True)


def test_generic_and_specific_site_of_one_tumour_are_not_multiple(picture_of):
    p = picture_of(f.record(f.ileal_net(), f.condition("C7A.019")), as_of=AS_OF)
    assert p.multiple_primaries.state == FactState.MISSING


def test_multifocal_in_the_diagnosis_text(picture_of):
    p = picture_of(f.record(f.ileal_net(text="Multifocal ileal NET (3 lesions)")), as_of=AS_OF)
    assert p.multiple_primaries.is_(True)


# --------------------------------------------------------------------------- extent


def _tnm(code: str, value: str, **kw) -> dict:
    return f.observation(code, valueCodeableConcept={"text": value}, **kw)


@pytest.mark.parametrize(("code", "value"), [("21906-3", "cN1"), ("21900-6", "pN1a")])
def test_n1_is_locoregional(picture_of, code, value):
    p = picture_of(f.record(f.ileal_net(), _tnm(code, value)), as_of=AS_OF)
    assert p.extent.is_(Extent.LOCOREGIONAL)


def test_node_metastasis_code_with_nen_primary_is_locoregional(picture_of):
    p = picture_of(f.record(f.ileal_net(), f.condition("C77.2")), as_of=AS_OF)
    assert p.extent.is_(Extent.LOCOREGIONAL)
    # without an NEN there is no picture to speak of
    assert picture_of(f.record(f.condition("C77.2")), as_of=AS_OF).scope.value == "none"


@pytest.mark.parametrize("code", ["21907-1", "21901-4"])
def test_explicit_m0_is_localized(picture_of, code):
    p = picture_of(f.record(f.ileal_net(), _tnm(code, "cM0")), as_of=AS_OF)
    assert p.extent.is_(Extent.LOCALIZED)


def test_old_m0_is_stale(picture_of):
    p = picture_of(f.record(f.ileal_net(), _tnm("21907-1", "M0", date="2022-01-01")), as_of=AS_OF)
    assert p.extent.value == Extent.LOCALIZED and p.extent.state == FactState.STALE


def test_m1_wins_over_n1_and_m0(picture_of):
    p = picture_of(f.record(f.ileal_net(), _tnm("21907-1", "M0", date="2024-01-01"), _tnm("21906-3", "N1"),
                            _tnm("21907-1", "cM1", date="2025-02-01")), as_of=AS_OF)
    assert p.extent.is_(Extent.METASTATIC)
    p = picture_of(f.record(f.ileal_net(), _tnm("21907-1", "M0"), _tnm("21906-3", "N1")), as_of=AS_OF)
    assert p.extent.is_(Extent.LOCOREGIONAL)


def test_n0_alone_says_nothing_about_distant_disease(picture_of):
    p = picture_of(f.record(f.ileal_net(), _tnm("21906-3", "N0")), as_of=AS_OF)
    assert p.extent.state == FactState.MISSING


# --------------------------------------------------------------------------- found while reviewing the goldens


def _sstr(note: str) -> dict:
    r = f.local("sstr-imaging", valueCodeableConcept=f.cc("https://net-cds.org/fhir/CodeSystem/sstr-uptake",
                                                         "higher-than-liver"))
    r["note"] = [{"text": note}]
    return r


def test_staging_imaging_without_metastases_is_localized(picture_of):
    p = picture_of(f.record(f.ileal_net(), _sstr("Primary only; no metastases.")), as_of=AS_OF)
    assert p.extent.is_(Extent.LOCALIZED)
    p = picture_of(f.record(f.ileal_net(), _sstr("No new metastases since March.")), as_of=AS_OF)
    assert p.extent.state == FactState.MISSING


def test_ki67_in_a_report_sentence_uses_the_per_cent_number(picture_of):
    text = "Liver core, segment VI: Ki-67 approximately 12 % in hot spots (500 tumour cells counted)."
    p = picture_of(f.record(f.ileal_net(), f.ki67(string=text)), as_of=AS_OF)
    assert p.ki67.value.percent == 12
    p = picture_of(f.record(f.ileal_net(), f.ki67(string="Ki-67 5 % in block A, 15 % in block B")), as_of=AS_OF)
    assert p.ki67.state == FactState.MISSING


def test_unknown_primary_topography_gives_unknown_site(picture_of):
    cond = f.condition("C7A.1", body_site=(f.ICDO3, "C80.9"))
    p = picture_of(f.record(cond), as_of=AS_OF)
    assert p.primary_site.value.value == "unknown"


def test_somatostatinoma_morphology_alone_is_not_the_syndrome(picture_of):
    p = picture_of(f.record(f.condition("C7A.010", morphology="8156/3")), as_of=AS_OF)
    assert not p.has_syndrome(Syndrome.SOMATOSTATINOMA)


def test_gastric_nec_has_no_gastric_net_type(picture_of):
    p = picture_of(f.record(f.condition("C7A.1", body_site=(f.ICDO3, "C16.9")), f.condition("K29.40")), as_of=AS_OF)
    assert p.scope.value == "nec"
    assert p.gastric_type.state == FactState.MISSING
