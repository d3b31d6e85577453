"""SSTR, FDG, progression, therapy history, procedures, current medication flags."""
from datetime import date

import pytest

from service.picture.model import Agent, DiseaseStatus, FactState, SstrStatus, TherapyStatus
from tests.picture.factories import (AS_OF, CPT, HCPCS, SCT, V3INTERP, cc, ileal_net, local, med_admin,
                                     med_request, med_statement, observation, procedure, qty, record)

SSTR_CS = "https://net-cds.org/fhir/CodeSystem/sstr-uptake"


@pytest.mark.parametrize("value, expected", [
    ("higher-than-liver", SstrStatus.POSITIVE_ALL), ("equal-to-liver", SstrStatus.POSITIVE_ALL),
    ("lower-than-liver", SstrStatus.LOWER_THAN_LIVER), ("heterogeneous", SstrStatus.POSITIVE_HETEROGENEOUS),
    ("negative", SstrStatus.NEGATIVE),
])
def test_sstr_coded(picture_of, value, expected):
    p = picture_of(record(ileal_net(), local("sstr-imaging", valueCodeableConcept=cc(SSTR_CS, value))), as_of=AS_OF)
    assert p.sstr.is_(expected)


@pytest.mark.parametrize("text, expected", [
    ("Krenning 1", SstrStatus.LOWER_THAN_LIVER), ("Krenning score 2", SstrStatus.POSITIVE_ALL),
    ("Krenning 3", SstrStatus.POSITIVE_ALL), ("Krenning grade 4", SstrStatus.POSITIVE_ALL),
])
def test_sstr_krenning_text(picture_of, text, expected):
    p = picture_of(record(ileal_net(), local("sstr-imaging", valueString=text)), as_of=AS_OF)
    assert p.sstr.is_(expected)


def test_sstr_interpretation_only(picture_of):
    pos = local("sstr-imaging", interpretation=[cc(V3INTERP, "POS")])
    neg = local("sstr-imaging", interpretation=[cc(V3INTERP, "NEG")])
    assert picture_of(record(ileal_net(), pos), as_of=AS_OF).sstr.is_(SstrStatus.POSITIVE_DEGREE_UNKNOWN)
    assert picture_of(record(ileal_net(), neg), as_of=AS_OF).sstr.is_(SstrStatus.NEGATIVE)


def test_no_sstr_imaging_is_missing_not_negative(picture_of):
    p = picture_of(record(ileal_net()), as_of=AS_OF)
    assert p.sstr.state == FactState.MISSING and not p.sstr.is_(SstrStatus.NEGATIVE)


def test_fdg(picture_of):
    p = picture_of(record(ileal_net(), local("fdg-pet", interpretation=[cc(V3INTERP, "POS")])), as_of=AS_OF)
    assert p.fdg_avid.is_(True)


def _status(code, date, loinc="97509-4"):
    return observation(loinc, date=date, valueCodeableConcept=cc(SCT, code))


def test_progression_within_lookback(picture_of):
    p = picture_of(record(ileal_net(), _status("359746009", "2024-06-01"), _status("271299001", "2025-01-10")),
                   as_of=AS_OF)
    assert p.progression.is_(True) and p.progression_date.value.isoformat() == "2025-01-10"
    assert p.disease_status.is_(DiseaseStatus.PROGRESSIVE)


def test_legacy_status_code(picture_of):
    p = picture_of(record(ileal_net(), _status("271299001", "2025-01-10", loinc="88040-1")), as_of=AS_OF)
    assert p.progression.is_(True)


def test_old_progression_is_stale(picture_of):
    p = picture_of(record(ileal_net(), _status("271299001", "2023-01-10")), as_of=AS_OF)
    assert p.progression.state == FactState.STALE


def test_progression_window_is_the_reviewed_12_months_not_the_lookback(picture_of):
    # decision table 1.2: progressive = documented within 12 months (terminology parameter
    # progression_window_days); a longer generic lookback does not make an old progression current
    rec = record(ileal_net(), _status("271299001", "2024-01-10"))
    p = picture_of(rec, as_of=AS_OF, lookback_days=730)
    assert not p.progression.is_(True) and not p.progression.known
    assert p.progression.state == FactState.STALE and "current status not known" in p.progression.note
    assert p.progression_date.value == date(2024, 1, 10)   # the date is kept


def test_old_progression_alone_is_not_progressive(picture_of):
    p = picture_of(record(ileal_net(), _status("271299001", "2024-03-01")), as_of=AS_OF)  # 15 months before
    assert p.progression.value is None and p.progression_date.known


def test_stable_status_is_no_progression(picture_of):
    p = picture_of(record(ileal_net(), _status("359746009", "2025-01-10")), as_of=AS_OF)
    assert p.progression.is_(False)


def test_rising_chromogranin_is_not_progression(picture_of):
    cga = [observation("9811-1", date=d, valueQuantity=qty(v, "ng/mL")) for d, v in
           (("2024-10-01", 100), ("2025-03-01", 400))]
    p = picture_of(record(ileal_net(), *cga), as_of=AS_OF)
    assert p.labs.chromogranin_a_rising.is_(True)
    assert p.progression.state == FactState.MISSING


def test_octreotide_depot_vs_short_acting(picture_of):
    p = picture_of(record(ileal_net(), med_statement("898601")), as_of=AS_OF)
    assert p.therapies_of(Agent.SSA)[0].long_acting is True and p.on(Agent.SSA)
    p = picture_of(record(ileal_net(), med_statement("312069")), as_of=AS_OF)
    assert p.therapies_of(Agent.SSA)[0].long_acting is False


@pytest.mark.parametrize("code", ["977427", "1363281", "2380611"])
def test_excluded_products(picture_of, code):
    p = picture_of(record(ileal_net(), med_statement(code)), as_of=AS_OF)
    assert p.therapies == ()


def test_cabometyx_counts(picture_of):
    p = picture_of(record(ileal_net(), med_statement("1790173")), as_of=AS_OF)
    assert p.on(Agent.CABOZANTINIB)


def test_hcpcs_lutathera_cycles(picture_of):
    admins = [med_admin("A9513", system=HCPCS, date=d) for d in ("2024-01-10", "2024-03-10", "2024-05-10")]
    p = picture_of(record(ileal_net(), *admins), as_of=AS_OF)
    prrt = p.therapies_of(Agent.PRRT)[0]
    assert prrt.cycles == 3 and prrt.status == TherapyStatus.COMPLETED


def test_planned_order_does_not_count_as_had(picture_of):
    p = picture_of(record(ileal_net(), med_request("845507", intent="plan")), as_of=AS_OF)
    assert not p.ever_had(Agent.EVEROLIMUS) and p.newly_diagnosed.is_(True)


def test_text_fallback_and_contained_medication(picture_of):
    req = med_request("x", system="urn:local", text="Sandostatin LAR 30 mg")
    contained = {"resourceType": "MedicationRequest", "id": "mr-c", "status": "active", "intent": "order",
                 "subject": {"reference": "Patient/p1"}, "authoredOn": "2024-05-01",
                 "contained": [{"resourceType": "Medication", "id": "m1", "code": cc(
                     "http://www.nlm.nih.gov/research/umls/rxnorm", "845507")}],
                 "medicationReference": {"reference": "#m1"}}
    p = picture_of(record(ileal_net(), req, contained), as_of=AS_OF)
    assert p.on(Agent.SSA) and p.therapies_of(Agent.SSA)[0].long_acting is True
    assert p.on(Agent.EVEROLIMUS)


def test_entered_in_error_medication_ignored(picture_of):
    p = picture_of(record(ileal_net(), med_statement("898601", status="entered-in-error")), as_of=AS_OF)
    assert p.therapies == () and p.newly_diagnosed.is_(True)


def test_progressed_on_ssa(picture_of):
    p = picture_of(record(ileal_net(), med_statement("898601", start="2024-01-01"),
                          _status("271299001", "2025-02-01")), as_of=AS_OF)
    assert p.therapies_of(Agent.SSA)[0].progressed_on is True


def test_unavailable_medications(picture_of):
    unav = frozenset({"medicationRequests", "medicationStatements", "medicationAdministrations"})
    p = picture_of(record(ileal_net(), unavailable=unav), as_of=AS_OF)
    assert p.newly_diagnosed.state == FactState.UNAVAILABLE


def test_whipple_and_liver_directed(picture_of):
    p = picture_of(record(ileal_net(), procedure("48150", system=CPT),
                          procedure("16736007", date="2024-04-01")), as_of=AS_OF)
    assert p.bilio_enteric_anastomosis.is_(True)
    assert p.has_procedure("pancreaticoduodenectomy") and p.has_procedure("tae")
    assert p.ever_had(Agent.LIVER_DIRECTED)


def test_prrt_procedure_needs_lutetium(picture_of):
    generic = procedure("440252007", text="Administration of radiopharmaceutical")
    lu = procedure("440252007", text="Lu-177 dotatate cycle 1")
    assert not picture_of(record(ileal_net(), generic), as_of=AS_OF).has_procedure("prrt")
    assert picture_of(record(ileal_net(), lu), as_of=AS_OF).has_procedure("prrt")


def test_r0_from_text(picture_of):
    p = picture_of(record(ileal_net(), procedure("44120", system=CPT, note="R0, margins negative")), as_of=AS_OF)
    assert p.r0_resection.is_(True) and p.has_procedure("r0-resection")


def test_strong_cyp3a4_inhibitor_flag(picture_of):
    p = picture_of(record(ileal_net(), med_statement("21212", text="clarithromycin 500 mg")), as_of=AS_OF)
    assert p.medication_flagged("strong-cyp3a4-inhibitor")


def test_refractory_cs(picture_of):
    from tests.picture.factories import condition
    base = [ileal_net(), condition("E34.00"), med_statement("898601", start="2024-06-01")]
    bm = local("bowel-movements-per-day", valueQuantity=qty(5, "/d"))
    assert picture_of(record(*base, bm), as_of=AS_OF).refractory_carcinoid_syndrome.is_(True)
    short = [ileal_net(), condition("E34.00"), med_statement("898601", start="2025-05-01"), bm]
    assert picture_of(record(*short), as_of=AS_OF).refractory_carcinoid_syndrome.is_(False)
    assert picture_of(record(*base), as_of=AS_OF).refractory_carcinoid_syndrome.state == FactState.MISSING
