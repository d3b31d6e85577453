"""Authentication wiring (CDS Hooks §Trusting CDS Clients, best-practices 401; checklist §13.3.1; §14).

The verifier itself is tested in tests/auth; here: every route is protected, the audience is
the configured public URL of the endpoint, and a 401 never says why.
"""
from __future__ import annotations

import time

import pytest

from tests.plugins.app import BASE_URL, DISCOVERY_PATH, FEEDBACK_PATH, HOOK_PATH, SERVICE_ID, hook_body
from tests.plugins.keys import OMIT, SANDBOX_ISS, sandbox_like_token

UNAUTHENTICATED_ROUTES = {"/healthz", "/readyz", "/metrics", "/openapi.json"}


def _routes(app):
    for rule in app.url_map.iter_rules():
        if rule.endpoint == "static" or rule.rule in UNAUTHENTICATED_ROUTES:
            continue
        path = rule.rule.replace("<service_id>", SERVICE_ID)
        assert "<" not in path, f"meta-test does not know how to fill {rule.rule}"
        for method in sorted(rule.methods - {"OPTIONS", "HEAD"}):
            yield method, path


def test_every_route_except_health_requires_a_jwt(app):
    client = app.test_client()
    checked = list(_routes(app))
    assert {("GET", DISCOVERY_PATH), ("POST", HOOK_PATH), ("POST", FEEDBACK_PATH)} <= set(checked)

    for method, path in checked:
        response = client.open(path, method=method, json=hook_body())
        assert response.status_code == 401, f"{method} {path} answered {response.status_code} without a JWT"
        assert response.headers["WWW-Authenticate"] == "Bearer"


def test_health_routes_need_no_jwt(checked_client):
    assert checked_client.get("/healthz").status_code == 200
    assert checked_client.get("/readyz").status_code == 200


def test_with_auth_disabled_routes_answer_without_a_jwt(app_factory):
    client = app_factory(NETCDS_AUTH_DISABLED="true", NETCDS_TRUSTED_ISSUERS="").test_client()

    assert client.get(DISCOVERY_PATH).status_code == 200
    assert client.post(HOOK_PATH, json=hook_body()).status_code == 200


def _failures(mint):
    return {
        "no header": None,
        "not bearer": "Basic dXNlcjpwYXNz",
        "garbage": "Bearer not.a.jwt",
        "expired": f"Bearer {mint(aud=BASE_URL + HOOK_PATH, exp=int(time.time()) - 3600, iat=int(time.time()) - 3900)}",
        "wrong audience": f"Bearer {mint(aud=BASE_URL + DISCOVERY_PATH)}",
        "internal URL as audience": f"Bearer {mint(aud='http://localhost' + HOOK_PATH)}",
        "unknown issuer": f"Bearer {mint(aud=BASE_URL + HOOK_PATH, iss='https://evil.example')}",
        "alg none": f"Bearer {mint(aud=BASE_URL + HOOK_PATH, alg='none')}",
        "HS256": f"Bearer {mint(aud=BASE_URL + HOOK_PATH, alg='HS256', key=b'secret')}",
        "no jti": f"Bearer {mint(aud=BASE_URL + HOOK_PATH, jti=OMIT)}",
    }


def test_401_body_is_identical_whatever_the_reason(checked_client, mint):
    bodies = {}
    for reason, header in _failures(mint).items():
        headers = {"Authorization": header} if header else {}
        response = checked_client.post(HOOK_PATH, json=hook_body(), headers=headers)
        assert response.status_code == 401, reason
        bodies[reason] = response.get_data()

    assert len(set(bodies.values())) == 1, bodies
    issue = checked_client.post(HOOK_PATH, json=hook_body()).get_json()["issue"][0]
    assert issue == {"severity": "error", "code": "login", "diagnostics": "Unauthorized."}


def test_replayed_token_is_refused(checked_client, mint):
    header = {"Authorization": f"Bearer {mint(aud=BASE_URL + HOOK_PATH)}"}

    assert checked_client.post(HOOK_PATH, json=hook_body(), headers=header).status_code == 200
    assert checked_client.post(HOOK_PATH, json=hook_body(), headers=header).status_code == 401


def test_audience_is_the_public_url_not_the_request_url(checked_client, mint):
    # The test client's request.url is http://localhost/...; only the public URL is accepted.
    internal = {"Authorization": f"Bearer {mint(aud='http://localhost' + HOOK_PATH)}"}
    public = {"Authorization": f"Bearer {mint(aud=BASE_URL + HOOK_PATH)}"}

    assert checked_client.post(HOOK_PATH, json=hook_body(), headers=internal).status_code == 401
    assert checked_client.post(HOOK_PATH, json=hook_body(), headers=public).status_code == 200


def test_feedback_audience_is_the_feedback_url(app, checked_client, auth_header):
    body = {"feedback": [{"card": "c1", "outcome": "overridden", "outcomeTimestamp": "2026-11-22T10:00:00Z"}]}
    app.extensions["netcds"].feedback_store.record_issued([{"uuid": "c1"}], service_id=SERVICE_ID, hook_instance=None)

    assert checked_client.post(FEEDBACK_PATH, json=body, headers=auth_header(HOOK_PATH)).status_code == 401
    assert checked_client.post(FEEDBACK_PATH, json=body, headers=auth_header(FEEDBACK_PATH)).status_code == 200


@pytest.mark.parametrize("ahead", [0.0, 0.49])
def test_sandbox_token_with_rounded_iat_is_accepted(checked_client, sandbox_test_key, ahead):
    # The Sandbox rounds iat to the nearest second: up to 0.5 s in the future (§14).
    for path, method in ((DISCOVERY_PATH, "GET"), (HOOK_PATH, "POST")):
        token = sandbox_like_token(sandbox_test_key, BASE_URL + path, now=time.time() + ahead)
        kwargs = {"json": hook_body()} if method == "POST" else {}
        response = checked_client.open(path, method=method, headers={"Authorization": f"Bearer {token}"}, **kwargs)
        assert response.status_code == 200, (path, SANDBOX_ISS)


def test_auth_is_checked_before_the_body_is_read(checked_client):
    # An unauthenticated caller learns nothing about body validation.
    response = checked_client.post(HOOK_PATH, data="{not json", content_type="text/plain")
    assert response.status_code == 401
