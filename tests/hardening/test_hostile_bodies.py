"""Hostile request bodies get a clear 4xx in bounded time, never a 5xx, never a stall.

Oversized (413 before reading), deeply nested (400, the depth limit costs nothing extra),
huge prefetch bundles (413 over NETCDS_MAX_PREFETCH_RESOURCES; up to it, an answer within a
bound), very long strings, wrong types everywhere (hypothesis), duplicate keys, invalid UTF-8,
NaN/Infinity, a BOM. In-process through the Flask app (the JSON and validation code is the
same as under gunicorn); one chunked upload goes through the live server.
"""
from __future__ import annotations

import copy
import json
import time

import pytest
import requests
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from service.protocol.request import load_json
from tests.plugins.app import HOOK_PATH, fixture_hook_request, hook_body

JSON_HEADERS = {"Content-Type": "application/json"}
SLACK = 3.0     # 2 shared cores: generous bounds, still far below a worker timeout (30 s)


@pytest.fixture
def hook_client(app_factory):
    app = app_factory(NETCDS_AUTH_DISABLED="true", NETCDS_MAX_BODY_BYTES="12000000")
    return app.test_client()


def post(client, data: bytes | str, headers=None):
    started = time.monotonic()
    response = client.post(HOOK_PATH, data=data, headers={**JSON_HEADERS, **(headers or {})})
    return response, time.monotonic() - started


def expression(response) -> list[str]:
    return response.get_json()["issue"][0].get("expression", [])


# ---------------------------------------------------------------------- size


def test_declared_oversize_is_413_before_reading(app_factory):
    client = app_factory(NETCDS_AUTH_DISABLED="true", NETCDS_MAX_BODY_BYTES="1000").test_client()
    response = client.post(HOOK_PATH, data=b"{" + b" " * 5000 + b"}", headers=JSON_HEADERS)
    assert response.status_code == 413


@pytest.mark.slow
def test_chunked_upload_over_the_limit_is_cut_off_at_the_limit(live_server_factory):
    """No Content-Length: the body is counted while read, and the read stops at the limit."""
    server = live_server_factory(NETCDS_MAX_BODY_BYTES="100000", NETCDS_WORKERS="1")
    sent = {"bytes": 0}

    def chunks():
        for _ in range(200):                     # would be 2 MB
            sent["bytes"] += 10000
            yield b" " * 10000

    response = requests.post(server.url(HOOK_PATH), data=chunks(), timeout=30,
                             headers={**JSON_HEADERS, **server.auth(HOOK_PATH)})
    assert response.status_code == 413
    assert response.headers["Content-Type"] == "application/json"


# ---------------------------------------------------------------------- nesting


def test_eight_megabytes_of_nesting_is_400_quickly(hook_client):
    depth = 4_000_000
    response, seconds = post(hook_client, b"[" * depth + b"]" * depth)
    assert response.status_code == 400 and "nested deeper" in response.get_json()["issue"][0]["diagnostics"]
    assert seconds < 1.0 + SLACK


@pytest.mark.parametrize(("depth", "ok"), [(100, True), (101, False), (1024, False), (1025, False)])
def test_the_depth_limit_is_exact(depth, ok):
    text = b'{"extension": ' + b"[" * (depth - 1) + b"]" * (depth - 1) + b"}"
    if ok:
        assert load_json(text)["extension"] is not None
    else:
        with pytest.raises(Exception, match="nested deeper"):
            load_json(text)


def test_a_body_cannot_break_out_of_the_depth_wrapper():
    for text in (b"1],[2", b'{"a":1}],[{"b":2}', b'"x"]]]],[[[["y"'):
        with pytest.raises(Exception, match="JSON"):
            load_json(text)


def test_decoding_a_large_legit_body_costs_about_one_parse():
    body = json.dumps({"prefetch": {"x": [{"resourceType": "Observation", "id": str(i),
                                           "note": [{"text": "[a]{b} \\\"q\\\" : " * 3}]}
                                          for i in range(40000)]}}).encode()
    assert len(body) > 5_000_000
    started = time.monotonic()
    load_json(body)
    assert time.monotonic() - started < 1.0 + SLACK


# ---------------------------------------------------------------------- huge prefetch


def _with_observations(n: int) -> dict:
    body = fixture_hook_request("net-05")
    template = body["prefetch"]["observations"]["entry"][0]["resource"]
    entries = []
    for i in range(n):
        resource = copy.deepcopy(template)
        resource["id"] = f"obs-{i}"
        entries.append({"resource": resource})
    body["prefetch"]["observations"] = {"resourceType": "Bundle", "type": "searchset", "entry": entries}
    return body


def test_more_prefetched_resources_than_the_cap_is_413_naming_prefetch(hook_client):
    response, seconds = post(hook_client, json.dumps(_with_observations(5001)))
    assert response.status_code == 413 and expression(response) == ["prefetch"]
    assert seconds < 1.0 + SLACK


@pytest.mark.slow
def test_prefetch_at_the_cap_is_answered_within_a_bound(hook_client):
    response, seconds = post(hook_client, json.dumps(_with_observations(4990)))
    assert response.status_code == 200 and response.get_json()["cards"]
    assert seconds < 2.0 + SLACK


# ---------------------------------------------------------------------- strings, types, encodings


def test_very_long_strings_get_a_clear_answer(hook_client):
    long = "A" * 2_000_000
    for body in (hook_body(hookInstance=long), hook_body(context={"userId": "Practitioner/" + long, "patientId": "p"}),
                 hook_body(context={"userId": "Practitioner/x", "patientId": long}), hook_body(fhirServer="https://" + long, fhirAuthorization={
                     "access_token": "hardening-secret-access-token", "token_type": "Bearer", "expires_in": 60,
                     "scope": "user/Patient.read", "subject": "net-cds"})):
        response, seconds = post(hook_client, json.dumps(body))
        assert response.status_code == 400 and seconds < 1.0 + SLACK
    note = fixture_hook_request("net-05")
    note["prefetch"]["conditions"]["entry"][0]["resource"]["note"] = [{"text": "x" * 5_000_000}]
    response, seconds = post(hook_client, json.dumps(note))
    assert response.status_code == 200 and seconds < 2.0 + SLACK


@pytest.mark.parametrize(("raw", "status", "says"), [
    (b'{"hook": "patient-view", "hook": "patient-view"}', 400, "Duplicate"),
    (b'{"prefetch": {"patient": {"resourceType": "Patient", "id": "a", "id": "b"}}}', 400, "Duplicate"),
    (b'{"hook": "patient-view", "x": "\xc3\x28"}', 400, "UTF-8"),
    (b'{"hook": "patient-view", "x": "\\ud800"}', 400, "surrogate"),
    (b'{"hook": NaN}', 400, "NaN"),
    (b'{"hook": -Infinity}', 400, "Infinity"),
    (b'{"n": 1e999}', 400, "JSON"),
    # issue 15, finding 5: Python refuses to convert integers over 4,300 digits (a ValueError that was a 500)
    (b'{"hook": "patient-view", "n": ' + b"7" * 5000 + b"}", 400, "too large"),
    (b'{"hook": "patient-view", "n": -' + b"7" * 4000 + b', "hook": "x"}', 400, "too large"),
    (b"\xef\xbb\xbf" + json.dumps(hook_body()).encode(), 200, None),   # a BOM is ignored
    (b"\xff\xfe" + json.dumps(hook_body()).encode("utf-16-le"), 400, None),
    (b"", 400, "empty"),
    (b"null", 400, "object"),
])
def test_encoding_and_syntax_traps(hook_client, raw, status, says):
    response, seconds = post(hook_client, raw)
    assert response.status_code == status, response.get_data(as_text=True)[:300]
    if says:
        assert says in response.get_json()["issue"][0]["diagnostics"]
    assert seconds < 1.0 + SLACK


def test_many_duplicate_keys_in_a_large_body_are_bounded(hook_client):
    body = b'{"prefetch": {"x": [' + b",".join(b'{"a":1,"a":2}' for _ in range(300000)) + b"]}}"
    response, seconds = post(hook_client, body)
    assert response.status_code == 400 and "Duplicate" in response.get_json()["issue"][0]["diagnostics"]
    assert seconds < 3.0 + SLACK


json_values = st.recursive(
    st.none() | st.booleans() | st.integers(-(2**70), 2**70) | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=30),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=10), children, max_size=4),
    max_leaves=20,
)
FIELDS = ["hook", "hookInstance", "context", "fhirServer", "fhirAuthorization", "prefetch", "extension"]


@st.composite
def mangled_requests(draw):
    """A valid request with some fields (and sub-fields) replaced by values of the wrong type."""
    body = fixture_hook_request(draw(st.sampled_from(["net-05", "net-01", "net-32"])))
    for name in draw(st.lists(st.sampled_from(FIELDS), max_size=4, unique=True)):
        body[name] = draw(json_values)
    if isinstance(body.get("context"), dict) and draw(st.booleans()):
        body["context"][draw(st.sampled_from(["userId", "patientId", "encounterId"]))] = draw(json_values)
    if isinstance(body.get("prefetch"), dict) and draw(st.booleans()):
        key = draw(st.sampled_from(["patient", "conditions", "observations", "medicationRequests", "procedures", "x"]))
        body["prefetch"][key] = draw(json_values | st.builds(lambda v: {"resourceType": "Bundle", "entry": v},
                                                             json_values))
    return body


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture,
                                                                   HealthCheck.too_slow])
@given(body=mangled_requests())
def test_wrong_types_anywhere_never_cause_a_5xx(hook_client, body):
    response, _ = post(hook_client, json.dumps(body))
    assert response.status_code in (200, 400, 412, 413), response.get_data(as_text=True)[:500]
    assert response.mimetype == "application/json"


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(raw=st.binary(max_size=300) | st.text(max_size=300).map(lambda t: t.encode("utf-8", "surrogatepass")))
def test_arbitrary_bytes_never_cause_a_5xx(hook_client, raw):
    response, _ = post(hook_client, raw)
    assert response.status_code in (200, 400, 412), response.get_data(as_text=True)[:300]
