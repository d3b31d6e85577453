"""Labs converted to canonical units; unknown units never guessed; demographics."""
import pytest

from service.picture.model import FactState
from tests.picture.factories import AS_OF, cc, condition, ileal_net, observation, qty, record


@pytest.mark.parametrize("loinc, value, unit, field, expected", [
    ("2160-0", 88.4, "umol/L", "creatinine", 1.0),
    ("2160-0", 1.2, "mg/dL", "creatinine", 1.2),
    ("718-7", 120, "g/L", "hemoglobin", 12.0),
    ("777-3", 150000, "/mm3", "platelets", 150.0),
    ("777-3", 150, "10*3/uL", "platelets", 150.0),
    ("6690-2", 6.1, "10*9/L", "wbc", 6.1),
    ("1975-2", 17.1, "µmol/L", "bilirubin", 1.0),
    ("1751-7", 40, "g/L", "albumin", 4.0),
    ("98979-8", 75, "mL/min/{1.73_m2}", "egfr", 75.0),
    ("2164-2", 80, "mL/min", "creatinine_clearance", 80.0),
    # electrolytes and glucose in the shapes laboratories send (review B U3/M5: read, never "missing")
    ("2823-3", 2.8, "mmol/L", "potassium", 2.8),
    ("6298-4", 2.6, "mEq/L", "potassium", 2.6),
    ("19123-9", 1.0, "mg/dL", "magnesium", 0.4114),
    ("2601-3", 0.7, "mmol/L", "magnesium", 0.7),
    ("2601-3", 1.4, "mEq/L", "magnesium", 0.7),
    ("14749-6", 2.1, "mmol/L", "glucose", 37.83),
    ("2339-0", 41, "mg/dL", "glucose", 41.0),
    ("6301-6", 1.8, "{INR}", "inr", 1.8),
])
def test_unit_conversion(picture_of, loinc, value, unit, field, expected):
    p = picture_of(record(ileal_net(), observation(loinc, valueQuantity=qty(value, unit))), as_of=AS_OF)
    assert getattr(p.labs, field).value == pytest.approx(expected, rel=1e-3)


def test_unknown_unit_not_used(picture_of):
    p = picture_of(record(ileal_net(), observation("2160-0", valueQuantity=qty(1.2, "furlongs"))), as_of=AS_OF)
    assert p.labs.creatinine.state == FactState.MISSING and "unit" in p.labs.creatinine.note


def test_bilirubin_uln_from_reference_range(picture_of):
    obs = observation("1975-2", valueQuantity=qty(1.0, "mg/dL"),
                      referenceRange=[{"high": {"value": 1.2, "unit": "mg/dL"}}])
    assert picture_of(record(ileal_net(), obs), as_of=AS_OF).labs.bilirubin_uln.value == 1.2


def test_bp_panel_components(picture_of):
    comp = [{"code": cc("http://loinc.org", "8480-6"), "valueQuantity": qty(150, "mm[Hg]", "mm[Hg]")},
            {"code": cc("http://loinc.org", "8462-4"), "valueQuantity": qty(95, "mm[Hg]", "mm[Hg]")}]
    p = picture_of(record(ileal_net(), observation("85354-9", component=comp)), as_of=AS_OF)
    assert (p.labs.systolic_bp.value, p.labs.diastolic_bp.value) == (150, 95)


def test_age_sex_ecog(picture_of):
    p = picture_of(record(ileal_net(), observation("89247-1", valueInteger=1)), as_of=AS_OF)
    assert p.age_years.value == 65 and p.sex.value == "female" and p.ecog.value == 1


def test_lab_source_reference(picture_of):
    p = picture_of(record(ileal_net(), observation("718-7", id="hb1", valueQuantity=qty(11, "g/dL"))), as_of=AS_OF)
    assert p.labs.hemoglobin.sources[0].reference == "Observation/hb1"


def test_pregnancy_status_observation(picture_of):
    obs = observation("82810-3", valueCodeableConcept=cc("http://loinc.org", "LA26683-5"))
    assert picture_of(record(condition("C25.4"), obs), as_of=AS_OF).pregnant.is_(False)
