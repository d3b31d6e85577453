"""The hook call (CDS Hooks §Calling a CDS Service, §HTTP Response; checklist §13.3; §15.4).

Every rejected request is an OperationOutcome naming the problem (checked_client validates the
body against tests/schemas/operation-outcome.schema.json); every success is a schema-valid
``{"cards": [...]}``; a failure is never answered with ``{"cards": []}``.
"""
from __future__ import annotations

import io
import json

import pytest

from tests.plugins.app import (
    BASE_URL, HOOK_PATH, CheckedClient, fixture_hook_request, hook_body,
)


@pytest.fixture
def post(checked_client, auth_header):
    """``post(body | bytes, content_type=..., path=...)`` with a valid JWT for that path."""

    def _post(body, *, content_type="application/json", path=HOOK_PATH, headers=None):
        data = body if isinstance(body, (bytes, str)) else json.dumps(body)
        return checked_client.post(path, data=data, content_type=content_type,
                                   headers={**auth_header(path), **(headers or {})})

    return _post


def _issue(response) -> dict:
    body = response.get_json()
    assert body["resourceType"] == "OperationOutcome"
    return body["issue"][0]


# ---------------------------------------------------------------------- success


def test_patient_without_a_net_gets_an_empty_card_list(post):
    response = post(fixture_hook_request("net-39"))     # hypertension + diabetes, no NEN

    assert response.status_code == 200
    assert response.get_json() == {"cards": []}


def test_net_without_ki67_gets_a_data_gap_card_g05(post):
    response = post(fixture_hook_request("net-32"))     # metastatic small-bowel NET, no Ki-67

    assert response.status_code == 200
    cards = response.get_json()["cards"]
    g05 = [c for c in cards if "G-05" in c.get("extension", {}).get("net-cds", {}).get("rules", [])]
    assert g05, f"no G-05 card in {[c['summary'] for c in cards]}"
    assert g05[0]["source"]["topic"]["code"] == "data-gap"
    # Deterministic uuids from the injected factory: cards can be pinned by tests.
    assert g05[0]["uuid"].startswith("00000000-0000-4000-8000-")


def test_patient_reference_prefix_on_patient_id_is_normalised(post):
    body = fixture_hook_request("net-32")
    body["context"]["patientId"] = "Patient/net-32"      # as some clients (cqf-ruler examples) send it

    response = post(body)

    assert response.status_code == 200
    cards = response.get_json()["cards"]
    assert any("G-05" in c["extension"]["net-cds"]["rules"] for c in cards)
    assert "Patient/Patient/" not in json.dumps(cards)


@pytest.mark.parametrize("content_type", [
    "application/json", "application/json; charset=utf-8", "application/json;charset=UTF-8",
    "application/fhir+json",
])
def test_json_media_types_are_accepted(post, content_type):
    assert post(hook_body(), content_type=content_type).status_code == 200


def test_unknown_extension_keys_are_ignored(post):
    response = post(hook_body(extension={"com.example.unknown": {"x": 1}}))
    assert response.status_code == 200


def test_encounter_id_is_optional_and_accepted(post):
    body = hook_body()
    body["context"]["encounterId"] = "enc-1"
    assert post(body).status_code == 200


def test_response_is_not_cached_and_has_a_request_id(post):
    response = post(hook_body())
    assert response.headers["Cache-Control"] == "no-store"
    assert response.headers["X-Request-ID"]


# ---------------------------------------------------------------------- 400: the body names the problem


def _with_context(**changes):
    body = hook_body()
    for key, value in changes.items():
        if value is None:
            body["context"].pop(key)
        else:
            body["context"][key] = value
    return body


BAD_REQUESTS = {
    "malformed JSON": ('{"hook": "patient-view", ', None, "Malformed JSON"),
    "empty body": (b"", None, "empty"),
    "not an object": ("[]", None, "object"),
    "a string": ('"patient-view"', None, "object"),
    "NaN": ('{"hook": NaN}', None, "NaN"),
    "invalid UTF-8": (b'{"hook": "\xff\xfe"}', None, "UTF-8"),
    "duplicate key": ('{"hook": "patient-view", "hook": "order-select"}', "hook", "Duplicate"),
    "deep nesting": ('{"extension": ' + "[" * 5000 + "]" * 5000 + "}", None, "nested"),
    "missing hook": (hook_body(hook=None), "hook", "required"),
    "hook not a string": (hook_body(hook=7), "hook", "string"),
    "other hook": (hook_body(hook="order-select"), "hook", "patient-view"),
    "missing hookInstance": (hook_body(hookInstance=None), "hookInstance", "required"),
    "hookInstance not a string": (hook_body(hookInstance=12345), "hookInstance", "string"),
    "missing context": (hook_body(context=None), "context", "required"),
    "context not an object": (hook_body(context="pat-1"), "context", "object"),
    "missing patientId": (_with_context(patientId=None), "context.patientId", "required"),
    "patientId not a string": (_with_context(patientId=42), "context.patientId", "string"),
    "patientId not a FHIR id": (_with_context(patientId="../../admin"), "context.patientId", "FHIR id"),
    "missing userId": (_with_context(userId=None), "context.userId", "required"),
    "userId not a string": (_with_context(userId=["Practitioner/1"]), "context.userId", "string"),
    "userId of another type": (_with_context(userId="Device/1"), "context.userId", "Practitioner/"),
    "userId without type": (_with_context(userId="abc"), "context.userId", "Practitioner/"),
    "fhirAuthorization without fhirServer": (
        hook_body(fhirAuthorization={"access_token": "t", "token_type": "Bearer", "expires_in": 300,
                                     "scope": "user/Patient.read", "subject": "net-cds"}),
        "fhirServer", "requires fhirServer"),
    "fhirAuthorization without access_token": (
        hook_body(fhirServer="https://fhir.test.example/r4",
                  fhirAuthorization={"token_type": "Bearer", "expires_in": 300, "scope": "s", "subject": "c"}),
        "fhirAuthorization.access_token", "required"),
    "fhirAuthorization not Bearer": (
        hook_body(fhirServer="https://fhir.test.example/r4",
                  fhirAuthorization={"access_token": "t", "token_type": "MAC", "expires_in": 300,
                                     "scope": "s", "subject": "c"}),
        "fhirAuthorization.token_type", "Bearer"),
    "fhirServer not a URL": (hook_body(fhirServer="fhir.test.example"), "fhirServer", "URL"),
    "fhirServer not on the allowlist": (
        hook_body(fhirServer="https://fhir.elsewhere.example/r4",
                  fhirAuthorization={"access_token": "t", "token_type": "Bearer", "expires_in": 300,
                                     "scope": "s", "subject": "c"}),
        "fhirServer", "fhirServer"),
    "prefetch not an object": (hook_body(prefetch=["Patient/1"]), "prefetch", "object"),
    "prefetch value not a resource": (hook_body(prefetch={"patient": "Patient/pat-1"}), "prefetch.patient", "resource"),
    "extension not an object": (hook_body(extension=[1]), "extension", "object"),
}


@pytest.mark.parametrize("case", sorted(BAD_REQUESTS))
def test_malformed_requests_are_400_naming_the_problem(post, case):
    body, expression, words = BAD_REQUESTS[case]

    response = post(body)

    assert response.status_code == 400, response.get_json()
    issue = _issue(response)
    assert issue["severity"] == "error" and issue["code"] == "invalid"
    if expression:
        assert issue["expression"] == [expression]
    assert words.lower() in issue["diagnostics"].lower()


def test_bad_request_never_echoes_the_offending_value(post):
    response = post(_with_context(userId="Device/SECRET-VALUE"))
    assert "SECRET-VALUE" not in response.get_data(as_text=True)


# ---------------------------------------------------------------------- 404 / 405 / 412 / 413 / 415


def test_unknown_service_id_is_404(post):
    response = post(hook_body(), path="/cds-services/no-such-service")

    assert response.status_code == 404
    assert _issue(response)["code"] == "not-found"


def test_unknown_path_is_404_operation_outcome(checked_client):
    response = checked_client.get("/no/such/path")
    assert response.status_code == 404
    assert _issue(response)["code"] == "not-found"


@pytest.mark.parametrize(("method", "path", "allowed"), [
    ("GET", HOOK_PATH, "POST"),
    ("PUT", HOOK_PATH, "POST"),
    ("DELETE", "/cds-services", "GET"),
    ("GET", HOOK_PATH + "/feedback", "POST"),
])
def test_wrong_method_is_405_with_allow_header(checked_client, auth_header, method, path, allowed):
    response = checked_client.open(path, method=method, headers=auth_header(path))

    assert response.status_code == 405
    assert allowed in response.headers["Allow"]
    assert _issue(response)["code"] == "not-supported"


def test_required_data_not_obtainable_is_412(post):
    # No patient/conditions prefetch and no fhirServer: the service cannot get required data.
    response = post(hook_body(prefetch={}))

    assert response.status_code == 412
    assert _issue(response)["severity"] == "error"


@pytest.fixture
def small_client(app_factory):
    app = app_factory(NETCDS_MAX_BODY_BYTES="1024")
    app.test_client_class = CheckedClient
    return app.test_client()


def test_body_over_the_limit_is_413(small_client, auth_header):
    body = hook_body(extension={"pad": "x" * 2000})

    response = small_client.post(HOOK_PATH, json=body, headers=auth_header(HOOK_PATH))

    assert response.status_code == 413
    assert _issue(response)["code"] == "too-costly"


def test_content_length_is_checked_before_reading(small_client, auth_header):
    # A Content-Length over the limit is refused even though only a few bytes arrive.
    response = small_client.post(HOOK_PATH, data=b"{}", content_type="application/json",
                                 headers=auth_header(HOOK_PATH), environ_overrides={"CONTENT_LENGTH": "5000000"})
    assert response.status_code == 413


def test_chunked_body_is_capped_while_reading(small_client, auth_header):
    big = json.dumps(hook_body(extension={"pad": "x" * 5000})).encode()

    response = small_client.post(HOOK_PATH, input_stream=io.BytesIO(big), content_type="application/json",
                                 headers={**auth_header(HOOK_PATH), "Transfer-Encoding": "chunked"},
                                 environ_overrides={"wsgi.input_terminated": True})

    assert response.status_code == 413


@pytest.mark.parametrize("content_type", [
    "text/plain", "application/x-www-form-urlencoded", "application/xml", "application/json; charset=latin-1",
])
def test_other_media_types_are_415(post, content_type):
    response = post(json.dumps(hook_body()), content_type=content_type)

    assert response.status_code == 415
    assert _issue(response)["code"] == "not-supported"


def test_missing_content_type_is_415(checked_client, auth_header):
    response = checked_client.post(HOOK_PATH, data=json.dumps(hook_body()), headers=auth_header(HOOK_PATH))
    assert response.status_code == 415


# ---------------------------------------------------------------------- failures are never 200 []


def test_pipeline_exception_is_500_operation_outcome_not_empty_cards(post, monkeypatch, capsys):
    def broken(*_args, **_kwargs):
        raise RuntimeError("internal detail about pat-1")
    monkeypatch.setattr("service.pipeline.advise", broken)

    response = post(hook_body())

    assert response.status_code == 500
    text = response.get_data(as_text=True)
    assert "cards" not in text
    assert "internal detail" not in text and "Traceback" not in text and "RuntimeError" not in text
    issue = _issue(response)
    assert issue["code"] == "exception"
    # Logged with the hookInstance, without the exception's message.
    lines = [json.loads(line) for line in capsys.readouterr().err.splitlines() if line.startswith("{")]
    errors = [line for line in lines if line["message"] == "unexpected error"]
    assert errors and errors[0]["hook_instance"] == hook_body()["hookInstance"]
    assert errors[0]["error_type"] == "builtins.RuntimeError"
    assert "internal detail" not in json.dumps(lines)


def test_pipeline_returning_something_else_than_cards_is_500(post, monkeypatch):
    monkeypatch.setattr("service.pipeline.advise", lambda *_a, **_k: None)
    assert post(hook_body()).status_code == 500


def test_data_stage_crash_is_500(post, monkeypatch):
    def broken(*_args, **_kwargs):
        raise KeyError("x")
    monkeypatch.setattr("service.data.prefetch.gather", broken)
    assert post(hook_body()).status_code == 500


def test_too_many_calls_in_flight_is_429_with_retry_after(app_factory, auth_header):
    app = app_factory(NETCDS_MAX_IN_FLIGHT="1")
    app.extensions["netcds"].in_flight.acquire()          # one call is already running
    client = app.test_client()

    response = client.post(HOOK_PATH, json=hook_body(), headers=auth_header(HOOK_PATH))

    assert response.status_code == 429
    assert response.headers["Retry-After"]


def test_the_data_stage_gets_the_configured_deadline(post, monkeypatch):
    import time

    import service.data.prefetch

    seen = {}
    real = service.data.prefetch.gather

    def spy(hook_request, **kwargs):
        seen["remaining"] = kwargs["deadline"] - time.monotonic()
        seen["patient_id"] = hook_request.patient_id
        return real(hook_request, **kwargs)
    monkeypatch.setattr("service.data.prefetch.gather", spy)

    assert post(hook_body()).status_code == 200
    assert 0.5 < seen["remaining"] <= 0.9          # NETCDS_HOOK_DEADLINE_SECONDS default 0.9
    assert seen["patient_id"] == "pat-1"


def test_base_url_of_the_request_does_not_matter(checked_client, auth_header):
    # Behind a proxy the service sees another host; the JWT audience still is the public URL.
    response = checked_client.post(HOOK_PATH, json=hook_body(), headers=auth_header(HOOK_PATH),
                                   base_url="http://backend.internal.invalid:8080")
    assert response.status_code == 200
    assert BASE_URL.startswith("https://")
