"""Reports through the REAL FHIR server: a hook call with no prefetch reads the patient's DiagnosticReports
(with their ``_include``d results), contained results and ``_include``d Medications from ``fhirServer`` and
answers with the same cards as the full prefetch; a text attachment held only as ``Binary`` on the same server
is fetched and read."""
from __future__ import annotations

import base64

import pytest

from tests.integration.test_hook_over_fhir import body_for, post  # noqa: F401 - the fixture
from tests.plugins.app import fixture_hook_request

pytestmark = pytest.mark.fhirserver


@pytest.mark.parametrize("patient", ["net-200", "net-202", "net-208", "net-222"])
def test_reports_from_the_fhir_server_give_the_same_cards_as_the_prefetch(post, fhir_server, patient):  # noqa: F811
    body = body_for(fhir_server)
    body["context"]["patientId"] = patient
    body["hookInstance"] = fixture_hook_request(patient)["hookInstance"]
    from_fhir = post(body)
    from_prefetch = post(fixture_hook_request(patient))
    assert from_fhir.status_code == 200, from_fhir.get_json()
    assert _without_server_meta(from_fhir.get_json()) == from_prefetch.get_json()


def _without_server_meta(body: dict) -> dict:
    """The answer with the server's ``meta`` (versionId, lastUpdated) removed from the records that update actions
    echo: a stop or hold sends the record back whole, as the FHIR server holds it (its meta included, which an
    EHR may use for a conditional update); the prefetch fixture has no meta."""
    for card in body.get("cards", []):
        for suggestion in card.get("suggestions", []):
            for action in suggestion.get("actions", []):
                if action.get("type") == "update" and isinstance(action.get("resource"), dict):
                    action["resource"].pop("meta", None)
    return body


def test_a_report_attachment_held_as_a_binary_on_the_server_is_read(post, fhir_server):  # noqa: F811
    patient = "net-201"
    text = ("FINAL DIAGNOSIS: Jejunum, resection: well-differentiated neuroendocrine tumour, WHO grade 3. "
            "Ki-67 labelling index 27 % (hot spot).")
    fhir_server.load_bundle({"resourceType": "Bundle", "type": "transaction", "entry": [
        {"resource": {"resourceType": "Binary", "id": "net-201-path-text", "contentType": "text/plain",
                      "data": base64.b64encode(text.encode()).decode()},
         "request": {"method": "PUT", "url": "Binary/net-201-path-text"}},
        {"resource": {"resourceType": "DiagnosticReport", "id": "net-201-path-addendum", "status": "final",
                      "category": [{"coding": [{"system": "http://terminology.hl7.org/CodeSystem/v2-0074",
                                                "code": "SP"}]}],
                      "code": {"coding": [{"system": "http://loinc.org", "code": "60567-5"}]},
                      "subject": {"reference": f"Patient/{patient}"}, "effectiveDateTime": "2026-11-20",
                      "presentedForm": [{"contentType": "text/plain", "url": "Binary/net-201-path-text"}]},
         "request": {"method": "PUT", "url": "DiagnosticReport/net-201-path-addendum"}},
    ]})
    body = body_for(fhir_server)
    body["context"]["patientId"] = patient
    response = post(body)
    assert response.status_code == 200, response.get_json()
    facts = [f for c in response.get_json()["cards"] for f in c["extension"]["net-cds"]["facts"]]
    ki67 = [f for f in facts if f["name"] == "Ki-67" and f.get("reference") == "DiagnosticReport/net-201-path-addendum"]
    assert ki67 and ki67[0]["source"] == "report-text" and "27 %" in ki67[0]["quote"]
