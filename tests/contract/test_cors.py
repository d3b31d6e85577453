"""CORS (CDS Hooks §Cross-Origin Resource Sharing; §9; common mistakes §15.1; Sandbox preflights §14)."""
from __future__ import annotations

import pytest

from tests.plugins.app import (
    DISCOVERY_PATH, EHR_ORIGIN, FEEDBACK_PATH, HOOK_PATH, SANDBOX_ORIGIN, hook_body,
)


def _preflight(client, path, method, request_headers, origin=SANDBOX_ORIGIN):
    return client.options(path, headers={
        "Origin": origin,
        "Access-Control-Request-Method": method,
        "Access-Control-Request-Headers": request_headers,
    })


@pytest.mark.parametrize(("path", "method", "request_headers"), [
    (DISCOVERY_PATH, "GET", "authorization"),                 # the Sandbox before discovery
    (HOOK_PATH, "POST", "authorization,content-type"),        # the Sandbox before the hook call
    (FEEDBACK_PATH, "POST", "authorization,content-type"),    # ...and before feedback
    ("/healthz", "GET", "authorization"),
])
def test_preflight_is_answered_without_auth_and_allows_authorization_and_content_type(
        checked_client, path, method, request_headers):
    response = _preflight(checked_client, path, method, request_headers)

    assert response.status_code == 204
    assert response.headers["Access-Control-Allow-Origin"] == SANDBOX_ORIGIN
    allowed_headers = {h.strip().lower() for h in response.headers["Access-Control-Allow-Headers"].split(",")}
    assert {"authorization", "content-type"} <= allowed_headers
    allowed_methods = {m.strip() for m in response.headers["Access-Control-Allow-Methods"].split(",")}
    assert {"GET", "POST", "OPTIONS"} <= allowed_methods
    assert int(response.headers["Access-Control-Max-Age"]) > 0
    assert "Origin" in response.headers["Vary"]
    assert "Access-Control-Allow-Credentials" not in response.headers


def test_origin_not_on_the_allowlist_gets_no_cors_grant(checked_client):
    response = _preflight(checked_client, HOOK_PATH, "POST", "authorization,content-type",
                          origin="https://evil.example")

    assert "Access-Control-Allow-Origin" not in response.headers
    assert "Access-Control-Allow-Headers" not in response.headers
    assert "Origin" in response.headers["Vary"]


def test_wildcard_origins_answer_any_origin_with_star(app_factory):
    client = app_factory(NETCDS_CORS_ORIGINS="*").test_client()

    response = _preflight(client, HOOK_PATH, "POST", "authorization,content-type", origin="https://any.example")

    assert response.headers["Access-Control-Allow-Origin"] == "*"


def test_actual_responses_carry_the_origin_grant(checked_client, auth_header):
    response = checked_client.get(DISCOVERY_PATH, headers={**auth_header(DISCOVERY_PATH), "Origin": EHR_ORIGIN})

    assert response.status_code == 200
    assert response.headers["Access-Control-Allow-Origin"] == EHR_ORIGIN
    assert "Origin" in response.headers["Vary"]


def _error_401(client, auth_header):
    return client.post(HOOK_PATH, json=hook_body(), headers={"Origin": SANDBOX_ORIGIN})


def _error_400(client, auth_header):
    return client.post(HOOK_PATH, json=hook_body(hook=None), headers={**auth_header(HOOK_PATH), "Origin": SANDBOX_ORIGIN})


def _error_404(client, auth_header):
    path = "/cds-services/no-such-service"
    return client.post(path, json=hook_body(), headers={**auth_header(path), "Origin": SANDBOX_ORIGIN})


def _error_404_unknown_path(client, auth_header):
    return client.get("/nowhere", headers={"Origin": SANDBOX_ORIGIN})


def _error_405(client, auth_header):
    return client.get(HOOK_PATH, headers={**auth_header(HOOK_PATH), "Origin": SANDBOX_ORIGIN})


def _error_412(client, auth_header):
    return client.post(HOOK_PATH, json=hook_body(prefetch={}), headers={**auth_header(HOOK_PATH), "Origin": SANDBOX_ORIGIN})


def _error_413(client, auth_header):
    return client.post(HOOK_PATH, data=b"{" + b" " * 2048 + b"}", content_type="application/json",
                       headers={**auth_header(HOOK_PATH), "Origin": SANDBOX_ORIGIN})


def _error_415(client, auth_header):
    return client.post(HOOK_PATH, data="hook=patient-view", content_type="application/x-www-form-urlencoded",
                       headers={**auth_header(HOOK_PATH), "Origin": SANDBOX_ORIGIN})


def _error_500(client, auth_header):
    return client.post(HOOK_PATH, json=hook_body(), headers={**auth_header(HOOK_PATH), "Origin": SANDBOX_ORIGIN})


@pytest.mark.parametrize(("make_error", "status"), [
    (_error_400, 400), (_error_401, 401), (_error_404, 404), (_error_404_unknown_path, 404), (_error_405, 405),
    (_error_412, 412), (_error_413, 413), (_error_415, 415), (_error_500, 500),
])
def test_error_responses_carry_cors_headers_so_the_browser_shows_the_status(
        app_factory, auth_header, monkeypatch, make_error, status):
    if status == 500:
        def broken(*_args, **_kwargs):
            raise RuntimeError("boom")
        monkeypatch.setattr("service.pipeline.advise", broken)
    from tests.plugins.app import CheckedClient
    app = app_factory(NETCDS_MAX_BODY_BYTES="1024")
    app.test_client_class = CheckedClient
    client = app.test_client()

    response = make_error(client, auth_header)

    assert response.status_code == status
    assert response.headers["Access-Control-Allow-Origin"] == SANDBOX_ORIGIN
    assert "Origin" in response.headers["Vary"]
