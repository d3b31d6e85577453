"""What the picture infers from how EHRs really code data: differentiation from diagnosis/morphology codes,
Ki-67 filed under the breast LOINC, localized extent from positive signs, tumour growth, declined therapies and
the progression interval. Each inference has its near miss (the datum stays MISSING / is not read)."""
from __future__ import annotations

import pytest

from service.picture.model import Differentiation, FactState, Scope
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
