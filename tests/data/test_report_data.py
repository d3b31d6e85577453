"""The data stage for DiagnosticReports: the prefetch template, ``_include``d results, and text attachments
held by URL on the same FHIR server (fetched through the call's client, size-capped, bounded in number)."""
from __future__ import annotations

import base64
import re
import time
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
import responses

from service.data import prefetch as prefetch_module
from service.data.fhir_client import FhirClient, new_session
from service.data.prefetch import discovery_prefetch, gather
from service.picture.terminology import load_terminology
from tests.data._support import PATIENT, OTHER, TOKEN, Req, condition, ids, observation, patient, searchset

BASE = "https://ehr.example.org/fhir"
TERMINOLOGY = load_terminology(Path(__file__).resolve().parents[2] / "cards" / "terminology")
TEMPLATES = discovery_prefetch(TERMINOLOGY)


def report(rid: str, *, pid: str = PATIENT, forms: list[dict] | None = None, results: list[str] = ()) -> dict:
    r = {"resourceType": "DiagnosticReport", "id": rid, "status": "final",
         "category": [{"coding": [{"system": "http://terminology.hl7.org/CodeSystem/v2-0074", "code": "SP"}]}],
         "code": {"coding": [{"system": "http://loinc.org", "code": "60567-5"}]},
         "subject": {"reference": f"Patient/{pid}"}, "effectiveDateTime": "2026-10-01"}
    if forms:
        r["presentedForm"] = forms
    if results:
        r["result"] = [{"reference": ref} for ref in results]
    return r


def prefetch(**overrides) -> dict:
    data = {"patient": patient(), "conditions": searchset(condition("c1")), "observations": searchset(),
            "medicationRequests": searchset(), "medicationStatements": searchset(),
            "medicationAdministrations": searchset(), "procedures": searchset(), "diagnosticReports": searchset()}
    for key, value in overrides.items():
        if value is ...:
            data.pop(key)
        else:
            data[key] = value
    return data


@pytest.fixture
def session():
    s = new_session()
    yield s
    s.close()


@pytest.fixture
def client(session):
    return FhirClient(BASE, TOKEN, timeout=0.5, max_pages=3, session=session)


@pytest.fixture
def fhir():
    with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
        yield mock


def run(req, client=None):
    return gather(req, client=client, templates=TEMPLATES, deadline=time.monotonic() + 0.9)


def binary(text: str, ctype: str = "text/plain") -> dict:
    return {"resourceType": "Binary", "id": "b", "contentType": ctype,
            "data": base64.b64encode(text.encode()).decode()}


def test_the_report_template_asks_for_pathology_and_imaging_categories_newest_first_and_bounded():
    template = TEMPLATES["diagnosticReports"]
    query = parse_qs(urlsplit(template).query)
    categories = query["category"][0].split(",")
    assert "http://terminology.hl7.org/CodeSystem/v2-0074|SP" in categories
    assert "http://loinc.org|LP7839-6" in categories and "http://loinc.org|LP29684-5" in categories
    assert "http://terminology.hl7.org/CodeSystem/v2-0074|NMS" in categories
    assert query["_sort"] == ["-date"] and int(query["_count"][0]) == prefetch_module.REPORT_COUNT


def test_included_results_of_a_prefetched_report_search_are_kept_once_and_only_the_patients():
    bundle = searchset(report("r1", results=["Observation/o-inc", "Observation/o1"]))
    bundle["entry"] += [
        {"resource": observation("o-inc"), "search": {"mode": "include"}},
        {"resource": observation("o1"), "search": {"mode": "include"}},          # also in the observations key
        {"resource": observation("o-other", OTHER), "search": {"mode": "include"}},
        {"resource": condition("c-inc"), "search": {"mode": "include"}},          # not a type reports include
    ]
    record = run(Req(prefetch=prefetch(observations=searchset(observation("o1")), diagnosticReports=bundle)))
    assert ids(record, "DiagnosticReport") == {"r1"}
    assert ids(record, "Observation") == {"o1", "o-inc"}
    assert [r["id"] for r in record.resources if r["resourceType"] == "Observation"].count("o1") == 1
    assert ids(record, "Condition") == {"c1"}


def test_the_fhir_fallback_asks_for_the_reports_results_with_include(fhir, client):
    seen = []

    def answer(request):
        seen.append(request.url)
        body = searchset(report("r2", results=["Observation/o-inc"]))
        body["entry"].append({"resource": observation("o-inc"), "search": {"mode": "include"}})
        return 200, {"Content-Type": "application/fhir+json"}, __import__("json").dumps(body)

    fhir.add_callback(responses.GET, re.compile(re.escape(f"{BASE}/DiagnosticReport") + r"\?.*"), callback=answer)
    record = run(Req(prefetch=prefetch(diagnosticReports=...), fhir_server=BASE,
                     fhir_authorization={"access_token": TOKEN}), client)
    assert record.sources["diagnosticReports"] == "fhir"
    assert ids(record, "DiagnosticReport") == {"r2"} and "o-inc" in ids(record, "Observation")
    assert "_include=DiagnosticReport%3Aresult" in seen[0] or "_include=DiagnosticReport:result" in seen[0]


def test_no_report_key_and_no_server_leaves_reports_unavailable_not_empty():
    record = run(Req(prefetch=prefetch(diagnosticReports=...)))
    assert "diagnosticReports" in record.unavailable


def test_a_text_attachment_held_by_url_on_the_same_server_is_fetched_and_inlined(fhir, client):
    fhir.add(responses.GET, f"{BASE}/Binary/b1", json=binary("Ki-67 index 12 %."))
    forms = [{"contentType": "text/plain", "url": f"{BASE}/Binary/b1"},
             {"contentType": "text/plain", "url": "Binary/b1"}]
    record = run(Req(prefetch=prefetch(diagnosticReports=searchset(report("r1", forms=forms)))), client)
    (r1,) = [r for r in record.resources if r["resourceType"] == "DiagnosticReport"]
    assert [base64.b64decode(f["data"]).decode() for f in r1["presentedForm"]] == ["Ki-67 index 12 %."] * 2
    assert all(call.request.headers["Authorization"] == f"Bearer {TOKEN}" for call in fhir.calls)


@pytest.mark.parametrize("form", [
    {"contentType": "application/pdf", "url": f"{BASE}/Binary/b1"},           # not text: named as unread later
    {"contentType": "text/plain", "url": "https://elsewhere.example.com/fhir/Binary/b1"},  # another server
    {"contentType": "text/plain", "url": f"{BASE}/DocumentReference/d1"},    # not a Binary
    {"contentType": "text/plain", "url": f"{BASE}/Binary/../Patient/x"},
])
def test_attachments_elsewhere_or_of_other_types_are_never_fetched(fhir, client, form):
    record = run(Req(prefetch=prefetch(diagnosticReports=searchset(report("r1", forms=[form])))), client)
    (r1,) = [r for r in record.resources if r["resourceType"] == "DiagnosticReport"]
    assert "data" not in r1["presentedForm"][0]
    assert len(fhir.calls) == 0


def test_an_oversized_or_failing_attachment_stays_unread(fhir, client):
    fhir.add(responses.GET, f"{BASE}/Binary/big", json=binary("x" * (prefetch_module.ATTACHMENT_MAX_BYTES + 10)))
    fhir.add(responses.GET, f"{BASE}/Binary/gone", status=404)
    forms = [{"contentType": "text/plain", "url": "Binary/big"}, {"contentType": "text/html", "url": "Binary/gone"}]
    record = run(Req(prefetch=prefetch(diagnosticReports=searchset(report("r1", forms=forms)))), client)
    (r1,) = [r for r in record.resources if r["resourceType"] == "DiagnosticReport"]
    assert all("data" not in f for f in r1["presentedForm"])


def test_attachment_fetches_are_bounded_per_call(fhir, client):
    fhir.add(responses.GET, re.compile(re.escape(f"{BASE}/Binary/") + r"b\d+"), json=binary("text"))
    reports = [report(f"r{i}", forms=[{"contentType": "text/plain", "url": f"Binary/b{i}"}]) for i in range(15)]
    run(Req(prefetch=prefetch(diagnosticReports=searchset(*reports))), client)
    assert len(fhir.calls) == prefetch_module.ATTACHMENT_FETCHES


def test_without_a_client_attachments_by_url_are_left_as_they_are():
    forms = [{"contentType": "text/plain", "url": "Binary/b1"}]
    record = run(Req(prefetch=prefetch(diagnosticReports=searchset(report("r1", forms=forms)))))
    (r1,) = [r for r in record.resources if r["resourceType"] == "DiagnosticReport"]
    assert r1["presentedForm"] == forms


def test_a_medication_included_beside_its_requests_is_kept_without_a_patient():
    med = {"resourceType": "Medication", "id": "med-oct",
           "code": {"coding": [{"system": "http://www.nlm.nih.gov/research/umls/rxnorm", "code": "898601"}]}}
    request = {"resourceType": "MedicationRequest", "id": "mr1", "status": "active", "intent": "order",
               "subject": {"reference": f"Patient/{PATIENT}"}, "medicationReference": {"reference": "Medication/med-oct"}}
    bundle = searchset(request)
    bundle["entry"].append({"resource": med, "search": {"mode": "include"}})
    bundle["entry"].append({"resource": dict(med), "search": {"mode": "include"}})     # twice: kept once
    record = run(Req(prefetch=prefetch(medicationRequests=bundle)))
    assert ids(record, "Medication") == {"med-oct"}
    assert [r["id"] for r in record.resources if r["resourceType"] == "Medication"] == ["med-oct"]


def test_the_same_resource_in_two_feeds_is_kept_once():
    obs = observation("o-dup")
    reports = searchset(report("r1", results=["Observation/o-dup"]))
    reports["entry"].append({"resource": dict(obs), "search": {"mode": "include"}})
    record = run(Req(prefetch=prefetch(observations=searchset(obs, dict(obs)), diagnosticReports=reports)))
    assert [r["id"] for r in record.resources if r["resourceType"] == "Observation"] == ["o-dup"]
