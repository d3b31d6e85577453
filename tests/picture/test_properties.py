"""Invariants of the picture over arbitrary FHIR-shaped input."""
from datetime import date

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from service.picture.build import build_picture
from service.picture.model import FactState, Grade, NetPicture, SstrStatus
from service.picture.grade import rank
from service.data.records import CATEGORIES, PatientRecord
from tests.picture.factories import (AS_OF, CPT, ICD10, LOINC, NETOBS, RXNORM, SCT, ileal_net, ki67, record)

SYSTEMS = st.sampled_from([ICD10, LOINC, SCT, RXNORM, CPT, NETOBS, "urn:x", ""])
CODES = st.sampled_from(["C7A.012", "C25.4", "C7B.02", "E34.00", "29593-1", "sstr-imaging", "898601",
                         "48150", "97509-4", "2160-0", "8240/3", "271299001", "C34.1", "x", ""])
scalar = st.one_of(st.none(), st.booleans(), st.integers(-10, 10**6), st.floats(allow_nan=True),
                   st.text(max_size=12), CODES)
coding = st.fixed_dictionaries({"system": st.one_of(SYSTEMS, scalar), "code": st.one_of(CODES, scalar)},
                               optional={"display": scalar})
concept = st.one_of(scalar, st.fixed_dictionaries({}, optional={"coding": st.one_of(scalar, st.lists(coding, max_size=3)),
                                                                 "text": scalar}))
quantity = st.one_of(scalar, st.fixed_dictionaries({}, optional={"value": scalar, "unit": scalar, "code": scalar,
                                                                  "comparator": scalar}))
dates = st.one_of(scalar, st.sampled_from(["2024", "2024-13", "2025-02-30", "2025-01-01T10:00:00Z", "2023-05"]))
resource = st.fixed_dictionaries(
    {"resourceType": st.sampled_from(["Condition", "Observation", "MedicationRequest", "MedicationStatement",
                                      "MedicationAdministration", "Procedure", "Patient", "Medication", "Foo"]),
     "id": st.one_of(st.text(min_size=1, max_size=8), scalar)},
    optional={"code": concept, "status": st.one_of(st.sampled_from(["final", "active", "completed"]), scalar),
              "valueQuantity": quantity, "valueString": scalar, "valueCodeableConcept": concept,
              "valueRange": st.one_of(scalar, st.fixed_dictionaries({}, optional={"low": quantity, "high": quantity})),
              "effectiveDateTime": dates, "onsetDateTime": dates, "performedDateTime": dates, "birthDate": dates,
              "clinicalStatus": concept, "verificationStatus": concept, "intent": scalar,
              "medicationCodeableConcept": concept, "medicationReference": st.one_of(scalar, st.fixed_dictionaries(
                  {"reference": st.sampled_from(["#m1", "Medication/1", "x"])})),
              "contained": st.one_of(scalar, st.lists(st.fixed_dictionaries({"resourceType": st.just("Medication"),
                                                                            "id": st.just("m1"), "code": concept}),
                                                      max_size=1)),
              "interpretation": st.one_of(scalar, st.lists(concept, max_size=2)),
              "component": st.one_of(scalar, st.lists(st.fixed_dictionaries({"code": concept, "valueQuantity": quantity}),
                                                      max_size=2)),
              "extension": st.one_of(scalar, st.lists(st.fixed_dictionaries(
                  {"url": st.sampled_from(["http://hl7.org/fhir/us/mcode/StructureDefinition/"
                                           "mcode-histology-morphology-behavior", "x"]),
                   "valueCodeableConcept": concept}), max_size=1))})


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.one_of(resource, scalar), max_size=12), st.sets(st.sampled_from(CATEGORIES)),
       st.dates(date(2000, 1, 1), date(2030, 1, 1)), st.integers(0, 5000))
def test_build_picture_never_raises(terminology, resources, unavailable, as_of, lookback):
    rec = PatientRecord("p1", tuple(resources), unavailable=frozenset(unavailable))
    p = build_picture(rec, as_of=as_of, terminology=terminology, lookback_days=lookback)
    assert isinstance(p, NetPicture)


@settings(max_examples=200, deadline=None)
@given(st.floats(0, 100), st.floats(0, 100))
def test_raising_ki67_never_lowers_the_picture_grade(terminology, a, b):
    low, high = sorted((a, b))
    def grade(v):
        return build_picture(record(ileal_net(), ki67(v)), as_of=AS_OF, terminology=terminology).grade.value
    assert rank(grade(high)) >= rank(grade(low))


@settings(max_examples=50, deadline=None)
@given(st.sets(st.sampled_from(CATEGORIES[2:])))
def test_missing_data_is_never_a_negative_finding(terminology, unavailable):
    p = build_picture(record(ileal_net(), unavailable=frozenset(unavailable)), as_of=AS_OF,
                      terminology=terminology)
    assert not p.sstr.is_(SstrStatus.NEGATIVE)
    assert p.sstr.state == (FactState.UNAVAILABLE if "observations" in unavailable else FactState.MISSING)
    for fact in (p.progression, p.carcinoid_syndrome, p.liver_metastases, p.fdg_avid, p.pregnant,
                 p.bilio_enteric_anastomosis, p.grade_discordant):
        assert fact.value is not False
    assert p.grade.value is not Grade.G1
