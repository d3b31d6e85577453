"""End to end through the Flask app with the REAL FHIR server behind it: a hook call that
carries no prefetch is answered from ``fhirServer`` with the same cards a full prefetch gives;
an unreachable server is a 412 and a server off the allowlist a 400, both as OperationOutcomes.
"""
from __future__ import annotations

import pytest

from service.demo.fhir_server import free_port
from tests.plugins.app import HOOK_PATH, fixture_hook_request

pytestmark = pytest.mark.fhirserver

PATIENT = "net-01"


def body_for(fhir_server, *, prefetch: dict | None = None, base_url: str | None = None, token: str | None = None):
    body = fixture_hook_request(PATIENT)
    body.pop("prefetch", None)
    if prefetch is not None:
        body["prefetch"] = prefetch
    body["fhirServer"] = base_url or fhir_server.base_url
    body["fhirAuthorization"] = {"access_token": token or fhir_server.token, "token_type": "Bearer",
                                 "expires_in": 300, "scope": "user/*.read", "subject": "net-cds"}
    return body


@pytest.fixture
def post(app_factory, auth_header, fhir_server):
    def run(body, **overrides):
        env = {"NETCDS_ALLOWED_FHIR_SERVERS": fhir_server.base_url, "NETCDS_ALLOW_HTTP_FHIR": "true",
               "NETCDS_HOOK_DEADLINE_SECONDS": "2", **overrides}
        client = app_factory(**env).test_client()
        return client.post(HOOK_PATH, json=body, headers=auth_header(HOOK_PATH))
    return run


def test_no_prefetch_gives_the_same_cards_as_full_prefetch(post, fhir_server):
    from_fhir = post(body_for(fhir_server))
    from_prefetch = post(fixture_hook_request(PATIENT))
    assert from_fhir.status_code == 200, from_fhir.get_json()
    assert from_fhir.get_json()["cards"], "net-01 is a NET patient: cards expected"
    assert from_fhir.get_json() == from_prefetch.get_json()


def test_partial_prefetch_is_completed_from_the_fhir_server(post, fhir_server):
    full = fixture_hook_request(PATIENT)["prefetch"]
    partial = {key: full[key] for key in ("patient", "conditions")}
    response = post(body_for(fhir_server, prefetch=partial))
    assert response.status_code == 200
    assert response.get_json() == post(fixture_hook_request(PATIENT)).get_json()


def test_unreachable_fhir_server_and_no_prefetch_is_412_with_operation_outcome(post, fhir_server):
    dead = f"http://127.0.0.1:{free_port()}/fhir"
    response = post(body_for(fhir_server, base_url=dead), NETCDS_ALLOWED_FHIR_SERVERS=dead)
    assert response.status_code == 412
    assert response.get_json()["resourceType"] == "OperationOutcome"


def test_fhir_server_off_the_allowlist_is_400_naming_fhirServer(post, fhir_server):
    response = post(body_for(fhir_server), NETCDS_ALLOWED_FHIR_SERVERS="https://ehr.example.org/fhir")
    assert response.status_code == 400
    outcome = response.get_json()
    assert outcome["resourceType"] == "OperationOutcome"
    assert "fhirServer" in str(outcome["issue"])
    assert fhir_server.token not in response.get_data(as_text=True)
