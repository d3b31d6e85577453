"""Logs and error answers leak nothing.

* The session-wide log audit (tests/plugins/log_audit.py) really fails a run whose logs hold a
  JWT, a registered token, a fixture patient's name or a FHIR resource body, at any level.
* Error responses (400/401/404/405/412/413/415/429/500/503) carry no stack trace, no exception
  class name, no token, no patient data: an OperationOutcome with a fixed or element-naming text.
"""
from __future__ import annotations

import json
import logging
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from tests.plugins.app import FEEDBACK_PATH, HOOK_PATH, fixture_hook_request, hook_body
from tests.plugins.log_audit import AuditHandler, LogAudit, register_secret

REPO = Path(__file__).resolve().parents[2]
SECRET = "hardening-secret-access-token"
FAKE_JWT = "eyJhbGciOiJFUzM4NCJ9.eyJpc3MiOiJ4In0.c2lnbmF0dXJl"


# ---------------------------------------------------------------------- the audit itself


def _run_pytest(tmp_path: Path, body: str) -> subprocess.CompletedProcess:
    (tmp_path / "test_probe.py").write_text(textwrap.dedent(body), encoding="utf-8")
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    return subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "tests.plugins.log_audit", "-p", "no:cacheprovider",
         "--rootdir", str(tmp_path), "-c", os.devnull, str(tmp_path / "test_probe.py")],
        cwd=tmp_path, env=env, capture_output=True, text=True, timeout=120)


@pytest.mark.parametrize(("leak", "why"), [
    (f'logging.getLogger("service.protocol.routes").debug("token %s", "{FAKE_JWT}")', "a JWT at DEBUG"),
    (f'logging.getLogger("service.x").info("t", extra={{"note": "{SECRET}"}})', "a registered secret"),
    ('logging.getLogger("werkzeug").info("Test Patient Epsilon <script>alert(1)</script> [click](javascript:alert(1))")',
     "a fixture patient's name"),
    ('logging.getLogger("service.x").warning("%s", {"resourceType": "Patient", "id": "p"})', "a resource body"),
])
def test_the_audit_fails_a_session_whose_logs_leak(tmp_path, leak, why):
    result = _run_pytest(tmp_path, f"""
        import logging
        def test_leaks():
            {leak}
    """)
    assert result.returncode == 1, f"{why} was not caught:\n{result.stdout}\n{result.stderr}"
    assert "LOG AUDIT FAILED" in result.stdout + result.stderr
    assert SECRET not in result.stdout + result.stderr, "the report must not repeat the secret"


def test_the_audit_passes_a_clean_session(tmp_path):
    result = _run_pytest(tmp_path, """
        import logging
        def test_clean():
            logging.getLogger("service.x").info("cards returned", extra={"card_count": 2})
    """)
    assert result.returncode == 0, result.stdout + result.stderr


def test_audit_detection_rules():
    audit = LogAudit(secrets={SECRET}, names={"Test Patient Epsilon"})
    assert audit.audit_lines([f"x {FAKE_JWT} y"]) and audit.audit_lines([f"Bearer {SECRET}"])
    assert audit.audit_lines(['{"resourceType":"Patient"}']) and audit.audit_lines(["Test Patient Epsilon"])
    assert not audit.audit_lines(['{"message":"request","status":400,"route":"/cds-services/<service_id>"}'])


def test_the_audit_handler_formats_like_production():
    audit = LogAudit(secrets=set(), names=set())
    handler = AuditHandler(audit)
    record = logging.LogRecord("service.t", logging.INFO, __file__, 1, "hello", None, None)
    handler.handle(record)
    assert audit.records == 1 and not audit.findings


# ---------------------------------------------------------------------- error responses


FORBIDDEN_IN_ERRORS = ("Traceback", 'File "', "Error:", "Exception", "KeyError", "TypeError", "ValueError",
                       "AttributeError", "werkzeug", "sqlalchemy", "service/", ".py", SECRET, "eyJ")


def _assert_clean_error(response, status):
    assert response.status_code == status, response.get_data(as_text=True)[:300]
    text = response.get_data(as_text=True)
    body = json.loads(text)
    assert body["resourceType"] == "OperationOutcome"
    for needle in FORBIDDEN_IN_ERRORS:
        assert needle not in text, f"{status} answer contains {needle!r}: {text[:300]}"
    for name in ("Epsilon", "<script>", "javascript:"):
        assert name not in text


def _hostile_body(**changes):
    return hook_body(fhirServer="https://fhir.elsewhere.example/r4",
                     fhirAuthorization={"access_token": SECRET, "token_type": "Bearer", "expires_in": 60,
                                        "scope": "user/Patient.read", "subject": "net-cds"}, **changes)


def test_error_responses_carry_no_trace_class_name_token_or_patient_data(app_factory, auth_header, monkeypatch):
    register_secret(SECRET)
    app = app_factory(NETCDS_MAX_BODY_BYTES="200000")
    client = app.test_client()
    hdr = lambda path=HOOK_PATH: auth_header(path)  # noqa: E731

    _assert_clean_error(client.post(HOOK_PATH, json=_hostile_body()), 401)                      # no JWT
    _assert_clean_error(client.post(HOOK_PATH, json=_hostile_body(),
                                    headers={"Authorization": f"Bearer {FAKE_JWT}"}), 401)
    _assert_clean_error(client.post(HOOK_PATH, json=_hostile_body(), headers=hdr()), 400)      # not allowlisted
    _assert_clean_error(client.post(HOOK_PATH, data=b'{"hook": NaN, "x": "' + SECRET.encode() + b'"}',
                                    headers={**hdr(), "Content-Type": "application/json"}), 400)
    _assert_clean_error(client.post("/cds-services/nope", json=_hostile_body(),
                                    headers=auth_header("/cds-services/nope")), 404)
    _assert_clean_error(client.get(HOOK_PATH, headers=hdr()), 405)
    _assert_clean_error(client.post(HOOK_PATH, data="x", headers={**hdr(), "Content-Type": "text/plain"}), 415)
    _assert_clean_error(client.post(HOOK_PATH, data=b"{" + b" " * 300000 + b"}",
                                    headers={**hdr(), "Content-Type": "application/json"}), 413)
    body = fixture_hook_request("net-05")
    body["prefetch"].pop("patient")
    body["fhirAuthorization"] = None
    _assert_clean_error(client.post(HOOK_PATH, json={k: v for k, v in body.items() if v is not None},
                                    headers=hdr()), 412)
    _assert_clean_error(client.post(FEEDBACK_PATH, json={"feedback": [{"card": SECRET}]},
                                    headers=hdr(FEEDBACK_PATH)), 400)

    import service.pipeline

    def explode(*args, **kwargs):
        raise KeyError(f"secret {SECRET} Test Patient Epsilon")

    monkeypatch.setattr(service.pipeline, "advise", explode)
    _assert_clean_error(client.post(HOOK_PATH, json=fixture_hook_request("net-05"), headers=hdr()), 500)


def test_429_and_503_answers_are_clean_and_say_when_to_retry(app_factory, auth_header):
    app = app_factory()
    state = app.extensions["netcds"]
    client = app.test_client()
    while state.in_flight.acquire(blocking=False):
        pass
    response = client.post(HOOK_PATH, json=hook_body(), headers=auth_header(HOOK_PATH))
    _assert_clean_error(response, 429)
    assert response.headers["Retry-After"] == "1"
    feedback = client.post(FEEDBACK_PATH, json={"feedback": []}, headers=auth_header(FEEDBACK_PATH))
    _assert_clean_error(feedback, 429)                  # feedback takes a slot too (issue 15, finding 13)
    for _ in range(state.in_flight.limit):
        state.in_flight.release()

    state.feedback_store.engine.dispose()
    state.feedback_store.engine = __import__("sqlalchemy").create_engine("sqlite:////nonexistent/dir/x.sqlite3")
    response = client.post(FEEDBACK_PATH, json={"feedback": [{"card": "c", "outcome": "overridden",
                                                              "outcomeTimestamp": "2026-11-22T09:00:00Z"}]},
                           headers=auth_header(FEEDBACK_PATH))
    _assert_clean_error(response, 503)
    assert response.headers["Retry-After"] == "1"


def test_client_chosen_ids_in_the_log_context_are_masked(app_factory, capsys):
    client = app_factory(NETCDS_AUTH_DISABLED="true").test_client()
    client.post(HOOK_PATH, json=hook_body(hookInstance=FAKE_JWT), headers={"X-Request-ID": FAKE_JWT})
    client.post(HOOK_PATH, json=hook_body(hookInstance="Test Patient Epsilon <script>"))
    err = capsys.readouterr().err
    assert "eyJ" not in err and "Epsilon" not in err


# ---------------------------------------------------------------------- issue 15, finding 9


def test_at_debug_third_party_loggers_do_not_write_fhir_urls(capsys):
    """urllib3 logs every request line at DEBUG ("GET /fhir/Patient/<id>"): held at WARNING."""
    import time as _time

    from service.data.fhir_client import FhirClient, new_session
    from service.ops.logs import QUIET_LOGGERS, configure_logging
    from tests.data._support import FaultServer, patient

    patient_id = "pat-debug-7f3a9"
    ehr = FaultServer().start()
    ehr.routes["Patient"] = ehr.ok(patient(patient_id))
    session = new_session()
    try:
        configure_logging("DEBUG")
        assert logging.getLogger("service").isEnabledFor(logging.DEBUG)        # the service's own DEBUG is on
        for name in QUIET_LOGGERS:
            assert not logging.getLogger(name).isEnabledFor(logging.INFO), name
        FhirClient(ehr.base_url, "tok", session=session).read(f"Patient/{patient_id}",
                                                               deadline=_time.monotonic() + 2)
        logging.getLogger("urllib3.connectionpool").debug('"GET /fhir/Patient/%s HTTP/1.1" 200', patient_id)
    finally:
        session.close()
        ehr.stop()
        configure_logging("INFO")
    assert ehr.seen, "the FHIR server was called"
    assert patient_id not in capsys.readouterr().err


def test_client_chosen_keys_are_cut_in_the_outcome_and_the_log_line(app_factory, capsys):
    client = app_factory(NETCDS_AUTH_DISABLED="true").test_client()
    key = "k" * 20_000
    body = hook_body()
    body["prefetch"][key] = "not a resource"
    response = client.post(HOOK_PATH, json=body)
    assert response.status_code == 400
    expression = response.get_json()["issue"][0]["expression"][0]
    assert expression.startswith("prefetch.kkk") and len(expression) <= 200

    duplicate = ('{"hook": "patient-view", "' + key + '": 1, "' + key + '": 2}').encode()
    response = client.post(HOOK_PATH, data=duplicate, headers={"Content-Type": "application/json"})
    assert response.status_code == 400 and "Duplicate" in response.get_json()["issue"][0]["diagnostics"]
    assert len(response.get_json()["issue"][0]["expression"][0]) <= 200

    lines = [line for line in capsys.readouterr().err.splitlines() if "kkkk" in line]
    assert lines, "the failures were logged with their expression"
    assert all("k" * 201 not in line for line in lines)
