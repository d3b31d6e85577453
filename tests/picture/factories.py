"""Small FHIR R4 resource factories for picture tests: keyword-only, sensible defaults."""
from __future__ import annotations

from datetime import date
from itertools import count

from service.data.records import PatientRecord

ICD10 = "http://hl7.org/fhir/sid/icd-10-cm"
ICDO3 = "http://terminology.hl7.org/CodeSystem/icd-o-3"
SCT = "http://snomed.info/sct"
LOINC = "http://loinc.org"
RXNORM = "http://www.nlm.nih.gov/research/umls/rxnorm"
CPT = "http://www.ama-assn.org/go/cpt"
HCPCS = "http://www.cms.gov/Medicare/Coding/HCPCSReleaseCodeSets"
NETOBS = "https://net-cds.org/fhir/CodeSystem/observation"
V3INTERP = "http://terminology.hl7.org/CodeSystem/v3-ObservationInterpretation"
MORPH_EXT = "http://hl7.org/fhir/us/mcode/StructureDefinition/mcode-histology-morphology-behavior"

AS_OF = date(2025, 6, 1)
_ids = count(1)


def _id(prefix: str) -> str:
    return f"{prefix}{next(_ids)}"


def cc(system: str, code: str, display: str = "", text: str | None = None) -> dict:
    out: dict = {"coding": [{"system": system, "code": code, **({"display": display} if display else {})}]}
    if text:
        out["text"] = text
    return out


def patient(*, id: str = "p1", birth_date: str = "1960-05-01", gender: str = "female") -> dict:
    return {"resourceType": "Patient", "id": id, "birthDate": birth_date, "gender": gender}


def condition(code: str, *, system: str = ICD10, id: str | None = None, onset: str = "2023-01-10",
              morphology: str | None = None, clinical: str = "active", verification: str = "confirmed",
              text: str | None = None, body_site: tuple[str, str] | None = None, note: str | None = None) -> dict:
    r: dict = {
        "resourceType": "Condition", "id": id or _id("c"), "subject": {"reference": "Patient/p1"},
        "code": cc(system, code, text=text), "onsetDateTime": onset,
        "clinicalStatus": cc("http://terminology.hl7.org/CodeSystem/condition-clinical", clinical),
        "verificationStatus": cc("http://terminology.hl7.org/CodeSystem/condition-ver-status", verification),
    }
    if morphology:
        r["extension"] = [{"url": MORPH_EXT, "valueCodeableConcept": cc(ICDO3, morphology)}]
    if body_site:
        r["bodySite"] = [cc(body_site[0], body_site[1])]
    if note:
        r["note"] = [{"text": note}]
    return r


def observation(code: str, *, system: str = LOINC, id: str | None = None, date: str = "2025-03-01",
                status: str = "final", **value) -> dict:
    r: dict = {"resourceType": "Observation", "id": id or _id("o"), "status": status,
               "subject": {"reference": "Patient/p1"}, "code": cc(system, code), "effectiveDateTime": date}
    r.update(value)
    return r


def ki67(value=None, *, unit: str | None = "%", string: str | None = None, id: str | None = None,
         date: str = "2025-03-01", code: str = "29593-1", status: str = "final", body_site: str | None = None,
         **extra) -> dict:
    v: dict = {}
    if string is not None:
        v["valueString"] = string
    elif value is not None:
        q: dict = {"value": value}
        if unit is not None:
            q["unit"] = unit
            if unit in ("%", "1"):
                q["system"] = "http://unitsofmeasure.org"
                q["code"] = unit
        v["valueQuantity"] = q
    if body_site:
        v["bodySite"] = {"text": body_site}
    v.update(extra)
    return observation(code, id=id, date=date, status=status, **v)


def local(code: str, **kw) -> dict:
    return observation(code, system=NETOBS, **kw)


def qty(value: float, unit: str, code: str | None = None) -> dict:
    q = {"value": value, "unit": unit}
    if code is not None:
        q["system"] = "http://unitsofmeasure.org"
        q["code"] = code
    return q


def med_request(code: str, *, system: str = RXNORM, id: str | None = None, status: str = "active",
                intent: str = "order", authored: str = "2024-01-15", text: str | None = None, **extra) -> dict:
    r = {"resourceType": "MedicationRequest", "id": id or _id("mr"), "status": status, "intent": intent,
         "subject": {"reference": "Patient/p1"}, "medicationCodeableConcept": cc(system, code, text=text),
         "authoredOn": authored}
    r.update(extra)
    return r


def med_statement(code: str, *, system: str = RXNORM, id: str | None = None, status: str = "active",
                  start: str = "2024-01-15", end: str | None = None, text: str | None = None) -> dict:
    period = {"start": start, **({"end": end} if end else {})}
    return {"resourceType": "MedicationStatement", "id": id or _id("ms"), "status": status,
            "subject": {"reference": "Patient/p1"}, "medicationCodeableConcept": cc(system, code, text=text),
            "effectivePeriod": period}


def med_admin(code: str, *, system: str = RXNORM, id: str | None = None, status: str = "completed",
              date: str = "2024-02-01") -> dict:
    return {"resourceType": "MedicationAdministration", "id": id or _id("ma"), "status": status,
            "subject": {"reference": "Patient/p1"}, "medicationCodeableConcept": cc(system, code),
            "effectiveDateTime": date}


def procedure(code: str, *, system: str = SCT, id: str | None = None, status: str = "completed",
              date: str = "2023-03-01", text: str | None = None, note: str | None = None) -> dict:
    r = {"resourceType": "Procedure", "id": id or _id("pr"), "status": status,
         "subject": {"reference": "Patient/p1"}, "code": cc(system, code, text=text), "performedDateTime": date}
    if note:
        r["note"] = [{"text": note}]
    return r


def record(*resources: dict, unavailable: frozenset[str] = frozenset(), with_patient: bool = True) -> PatientRecord:
    res = ((patient(),) if with_patient else ()) + tuple(resources)
    return PatientRecord("p1", res, unavailable=unavailable)


def ileal_net(**kw) -> dict:
    return condition("C7A.012", **kw)
