"""Structured logs: one JSON object per line, request context, never tokens or bodies (checklist §13.7)."""
from __future__ import annotations

import json
import logging

from service.ops import logs
from tests.plugins.app import HOOK_PATH, hook_body

FHIR_TOKEN = "fhir-access-token-DO-NOT-LOG-123"


def _lines(text: str) -> list[dict]:
    return [json.loads(line) for line in text.splitlines() if line.strip()]


def test_a_hook_call_logs_json_lines_with_context_and_no_secrets(checked_client, auth_header, capsys):
    body = hook_body(fhirServer="https://fhir.elsewhere.example/r4",
                     fhirAuthorization={"access_token": FHIR_TOKEN, "token_type": "Bearer", "expires_in": 60,
                                        "scope": "user/Patient.read", "subject": "net-cds"})
    headers = auth_header(HOOK_PATH)
    jwt = headers["Authorization"].split()[1]

    checked_client.post(HOOK_PATH, json=body, headers=headers)
    checked_client.post(HOOK_PATH, json=hook_body(), headers=auth_header(HOOK_PATH))

    err = capsys.readouterr().err
    lines = _lines(err)                      # every line is a JSON object
    assert FHIR_TOKEN not in err and jwt not in err
    assert '"resourceType"' not in err       # no bodies
    access = [line for line in lines if line["message"] == "request" and line["route"] == "/cds-services/<service_id>"]
    assert len(access) == 2
    assert all(line["request_id"] and line["hook_instance"] == body["hookInstance"] for line in access)
    assert [line["status"] for line in access] == [400, 200]
    # One line per hook call: the access line carries what the call produced.
    answered = access[1]
    assert answered["service_id"] == "net-treatment" and "knowledge_version" in answered
    assert answered["card_count"] == len(answered["card_uuids"]) and "timings_ms" in answered
    assert "card_count" not in access[0]
    assert not [line for line in lines if line["message"] == "cards returned"]


def test_request_id_from_the_client_is_echoed_if_well_formed(checked_client):
    assert checked_client.get("/healthz", headers={"X-Request-ID": "abc-123"}).headers["X-Request-ID"] == "abc-123"
    assert checked_client.get("/healthz", headers={"X-Request-ID": "bad id;x"}).headers["X-Request-ID"] != "bad id;x"


def test_formatter_drops_credential_keys_and_masks_jwts():
    record = logging.LogRecord("t", logging.INFO, __file__, 1, "token %s", ("eyJhbGciOi.eyJzdWIiOiIx.c2ln",), None)
    record.access_token = "secret"
    record.authorization = "Bearer abc"
    record.note = "Authorization: Bearer abc.def"
    record.iss = "https://issuer.example"

    entry = json.loads(logs.JsonFormatter().format(record))

    assert "access_token" not in entry and "authorization" not in entry
    assert "eyJ" not in entry["message"]
    assert entry["note"] == "Authorization: Bearer ***"
    assert entry["iss"] == "https://issuer.example"


def test_exceptions_are_logged_as_type_and_frames_without_their_message():
    try:
        raise ValueError("patient Jane Doe")
    except ValueError as exc:
        record = logging.LogRecord("t", logging.ERROR, __file__, 1, "failed", (), (type(exc), exc, exc.__traceback__))

    entry = json.loads(logs.JsonFormatter().format(record))

    assert entry["error_type"] == "builtins.ValueError"
    assert entry["error_stack"] and "Jane" not in json.dumps(entry)


def test_context_does_not_leak_between_requests(checked_client, auth_header, capsys):
    checked_client.post(HOOK_PATH, json=hook_body(), headers=auth_header(HOOK_PATH))
    checked_client.get("/healthz")

    health = [line for line in _lines(capsys.readouterr().err) if line.get("route") == "/healthz"]
    assert health and "hook_instance" not in health[0]


def test_text_format_is_one_readable_line_with_the_same_scrubbing():
    record = logging.LogRecord("service.app", logging.INFO, __file__, 1, "token %s", ("eyJhbGciOi.eyJzdWIiOiIx.c2ln",),
                               None)
    record.access_token = "secret"
    record.note = "Authorization: Bearer abc.def"
    record.card_count = 3

    line = logs.TextFormatter().format(record)

    assert "\n" not in line and not line.startswith("{")
    assert " INFO " in line and "service.app" in line
    assert "secret" not in line and "eyJ" not in line and "abc.def" not in line
    assert "card_count=3" in line and 'note="Authorization: Bearer ***"' in line


def test_log_format_setting_chooses_the_formatter():
    from service.config import Settings
    from service.errors import ConfigError

    assert Settings.from_env({"NETCDS_AUTH_DISABLED": "true"}).log_format == "json"
    assert Settings.from_env({"NETCDS_AUTH_DISABLED": "true", "NETCDS_LOG_FORMAT": "text"}).log_format == "text"
    try:
        Settings.from_env({"NETCDS_AUTH_DISABLED": "true", "NETCDS_LOG_FORMAT": "xml"})
    except ConfigError as exc:
        assert "NETCDS_LOG_FORMAT" in exc.message
    else:
        raise AssertionError("NETCDS_LOG_FORMAT=xml was accepted")
    root = logging.getLogger()
    before, root_level = list(root.handlers), root.level
    try:
        logs.configure_logging("INFO", "text")
        installed = [h for h in root.handlers if getattr(h, "_netcds_handler", False)]
        assert len(installed) == 1 and isinstance(installed[0].formatter, logs.TextFormatter)
        assert not logging.getLogger("alembic.runtime.migration").isEnabledFor(logging.INFO)   # start-up noise
        logs.configure_logging("DEBUG", "json")
        assert logging.getLogger("alembic.runtime.migration").isEnabledFor(logging.DEBUG)
    finally:
        logging.getLogger("alembic").setLevel(logging.NOTSET)
        root.setLevel(root_level)
        for handler in list(root.handlers):
            if handler not in before:
                root.removeHandler(handler)
        for handler in before:
            if handler not in root.handlers:
                root.addHandler(handler)
