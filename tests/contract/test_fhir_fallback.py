"""The hook call reads the EHR's FHIR server when prefetch is missing (CDS Hooks §3–§5; checklist
§13.3.5; the Sandbox sends fhirServer without fhirAuthorization, §14).

A stub FHIR server on loopback answers Patient/pat-1 and empty searches; the tests check the
protocol wiring (allowlist, anonymous flag, token passing, 412), not the data stage's details.
"""
from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import urlsplit

import pytest

from tests.plugins.app import HOOK_PATH, CheckedClient, hook_body

FHIR_TOKEN = "ehr-token-for-net-cds"


class _StubFhir(BaseHTTPRequestHandler):
    seen: list
    raw: dict          # path suffix -> the exact bytes to answer (tests put hostile JSON here)

    def do_GET(self):  # noqa: N802 - http.server's naming
        self.seen.append({"path": urlsplit(self.path).path, "authorization": self.headers.get("Authorization")})
        path = urlsplit(self.path).path
        raw = next((data for suffix, data in self.raw.items() if path.endswith(suffix)), None)
        if raw is not None:
            self.send_response(200)
            self.send_header("Content-Type", "application/fhir+json")
            self.send_header("Content-Length", str(len(raw)))
            self.end_headers()
            self.wfile.write(raw)
            return
        if path.endswith("/Patient/pat-1"):
            body = {"resourceType": "Patient", "id": "pat-1"}
        elif "/Patient/" in path:
            self.send_response(404)
            self.end_headers()
            return
        else:
            body = {"resourceType": "Bundle", "type": "searchset", "total": 0}
        data = json.dumps(body).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/fhir+json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, *_args):
        pass


class _Stub(tuple):
    """(base URL, requests seen), and ``raw``: path suffix -> bytes the stub answers as they are."""

    def __new__(cls, pair, raw):
        stub = super().__new__(cls, pair)
        stub.raw = raw
        return stub


@pytest.fixture
def stub_fhir():
    handler = type("Handler", (_StubFhir,), {"seen": [], "raw": {}})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield _Stub((f"http://127.0.0.1:{server.server_address[1]}/fhir", handler.seen), handler.raw)
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


def _client(app_factory, base, **overrides):
    app = app_factory(NETCDS_ALLOWED_FHIR_SERVERS=base, NETCDS_ALLOW_HTTP_FHIR="true",
                      NETCDS_HOOK_DEADLINE_SECONDS="5", NETCDS_FHIR_TIMEOUT_SECONDS="2", **overrides)
    app.test_client_class = CheckedClient
    return app.test_client()


def test_without_prefetch_the_service_reads_fhir_server_with_the_given_token(app_factory, auth_header, stub_fhir):
    base, seen = stub_fhir
    client = _client(app_factory, base)
    body = hook_body(prefetch=None, fhirServer=base,
                     fhirAuthorization={"access_token": FHIR_TOKEN, "token_type": "Bearer", "expires_in": 300,
                                        "scope": "user/Patient.read user/Condition.read", "subject": "net-cds"})

    response = client.post(HOOK_PATH, json=body, headers=auth_header(HOOK_PATH))

    assert response.status_code == 200
    assert response.get_json() == {"cards": []}
    paths = {s["path"] for s in seen}
    assert "/fhir/Patient/pat-1" in paths and "/fhir/Condition" in paths
    assert {s["authorization"] for s in seen} == {f"Bearer {FHIR_TOKEN}"}


def test_sandbox_style_fhir_server_without_token_works_only_with_the_development_flag(
        app_factory, auth_header, stub_fhir):
    base, seen = stub_fhir
    body = hook_body(prefetch=None, fhirServer=base)

    production = _client(app_factory, base).post(HOOK_PATH, json=body, headers=auth_header(HOOK_PATH))
    assert production.status_code == 412          # no token, no anonymous callback: required data missing
    assert seen == []

    development = _client(app_factory, base, NETCDS_ALLOW_ANONYMOUS_FHIR="true").post(
        HOOK_PATH, json=body, headers=auth_header(HOOK_PATH))
    assert development.status_code == 200
    assert seen and all(s["authorization"] is None for s in seen)


def test_partial_prefetch_is_completed_from_the_fhir_server(app_factory, auth_header, stub_fhir):
    base, seen = stub_fhir
    body = hook_body(fhirServer=base, fhirAuthorization={"access_token": FHIR_TOKEN, "token_type": "Bearer",
                                                         "expires_in": 300, "scope": "s", "subject": "c"})
    # patient + conditions are prefetched; the optional keys are fetched.

    response = _client(app_factory, base).post(HOOK_PATH, json=body, headers=auth_header(HOOK_PATH))

    assert response.status_code == 200
    paths = {s["path"] for s in seen}
    assert "/fhir/Patient/pat-1" not in paths and "/fhir/Observation" in paths


def test_fhir_server_off_the_allowlist_is_400_and_never_called(app_factory, auth_header, stub_fhir):
    base, seen = stub_fhir
    client = _client(app_factory, "https://fhir.allowed.example/r4")
    body = hook_body(prefetch=None, fhirServer=base, fhirAuthorization={
        "access_token": FHIR_TOKEN, "token_type": "Bearer", "expires_in": 300, "scope": "s", "subject": "c"})

    response = client.post(HOOK_PATH, json=body, headers=auth_header(HOOK_PATH))

    assert response.status_code == 400
    assert response.get_json()["issue"][0]["expression"] == ["fhirServer"]
    assert seen == []


# ---------------------------------------------------------------------- hostile numbers (issue 15, finding 5)

_TOKEN_AUTH = {"access_token": FHIR_TOKEN, "token_type": "Bearer", "expires_in": 300, "scope": "s", "subject": "c"}
_HUGE = b"9" * 4000          # a 4,000-digit integer: under Python's 4,300-digit limit, beyond a double
_PATIENT = b'{"resourceType": "Patient", "id": "pat-1", "birthDate": "1961-04-02"'


@pytest.mark.parametrize(("label", "patient"), [
    ("NaN", _PATIENT + b', "multipleBirthInteger": NaN}'),
    ("Infinity", _PATIENT + b', "multipleBirthInteger": Infinity}'),
    ("4000 digits", _PATIENT + b', "multipleBirthInteger": ' + _HUGE + b"}"),
    ("duplicate id", _PATIENT + b', "id": "pat-1"}'),
])
def test_hostile_numbers_in_a_required_fhir_response_are_412_never_500(app_factory, auth_header, stub_fhir, label,
                                                                        patient):
    base, seen = stub_fhir
    stub_fhir.raw["/Patient/pat-1"] = patient
    body = hook_body(prefetch=None, fhirServer=base, fhirAuthorization=_TOKEN_AUTH)

    response = _client(app_factory, base).post(HOOK_PATH, json=body, headers=auth_header(HOOK_PATH))

    assert response.status_code == 412, (label, response.get_data(as_text=True)[:300])
    issue = response.get_json()["issue"][0]
    assert issue["expression"] == ["prefetch.patient"]
    assert "/fhir/Patient/pat-1" in {s["path"] for s in seen}


@pytest.mark.parametrize("value", [b"NaN", _HUGE])
def test_hostile_numbers_in_an_optional_fhir_response_leave_a_data_gap(app_factory, auth_header, stub_fhir, value):
    base, _seen = stub_fhir
    stub_fhir.raw["/Observation"] = (
        b'{"resourceType": "Bundle", "type": "searchset", "entry": [{"resource": {"resourceType": "Observation", '
        b'"id": "ki67", "status": "final", "subject": {"reference": "Patient/pat-1"}, '
        b'"code": {"coding": [{"system": "http://loinc.org", "code": "29593-1"}]}, '
        b'"valueQuantity": {"value": ' + value + b', "unit": "%"}}}]}')
    body = hook_body(fhirServer=base, fhirAuthorization=_TOKEN_AUTH)       # patient + conditions prefetched

    response = _client(app_factory, base).post(HOOK_PATH, json=body, headers=auth_header(HOOK_PATH))

    assert response.status_code == 200, response.get_data(as_text=True)[:300]



# ---------------------------------------------------------------------- fetched resources count (issue 15, finding 2)

def test_resources_read_from_the_fhir_server_count_against_the_prefetch_limit(app_factory, auth_header, stub_fhir):
    base, _seen = stub_fhir
    conditions = [{"resource": {"resourceType": "Condition", "id": f"c{i}", "subject": {"reference": "Patient/pat-1"}}}
                  for i in range(30)]
    stub_fhir.raw["/Condition"] = json.dumps({"resourceType": "Bundle", "type": "searchset",
                                              "entry": conditions}).encode()
    body = hook_body(prefetch=None, fhirServer=base, fhirAuthorization=_TOKEN_AUTH)

    within = _client(app_factory, base, NETCDS_MAX_PREFETCH_RESOURCES="31").post(
        HOOK_PATH, json=body, headers=auth_header(HOOK_PATH))              # the patient + 30 conditions
    assert within.status_code == 200

    over = _client(app_factory, base, NETCDS_MAX_PREFETCH_RESOURCES="30").post(
        HOOK_PATH, json=body, headers=auth_header(HOOK_PATH))
    assert over.status_code == 413
    assert over.get_json()["issue"][0]["expression"] == ["fhirServer"]
