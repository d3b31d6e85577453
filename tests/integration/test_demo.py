"""The demo's wiring: its settings are ones the service accepts, and its instructions say how to
call the service without prefetch and how to point the Sandbox at it."""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from service.config import Settings
from service.demo.runner import SANDBOX, DemoUrls, demo_hook_request, instructions, service_environment

URLS = DemoUrls(service="http://127.0.0.1:8080", fhir="http://127.0.0.1:45001/fhir", console="http://127.0.0.1:45001/ui")


def test_demo_environment_is_valid_service_configuration(tmp_path):
    issuers = tmp_path / "dev-issuers.json"
    issuers.write_text("{}")
    env = service_environment(URLS, port=8080, issuers_file=issuers, base={})
    settings = Settings.from_env(env)
    assert settings.allowed_fhir_servers == (URLS.fhir, URLS.fhir_localhost)
    assert settings.allow_http_fhir and settings.allow_anonymous_fhir
    assert SANDBOX in settings.cors_origins and "http://localhost:8080" in settings.cors_origins
    assert settings.public_base_url == URLS.service and settings.host == "127.0.0.1"
    assert settings.log_format == "text"                                   # people read the demo's terminal
    json_env = service_environment(URLS, port=8080, issuers_file=issuers, base={"NETCDS_LOG_FORMAT": "json"})
    assert Settings.from_env(json_env).log_format == "json"


def test_demo_hook_request_has_no_prefetch_and_points_at_the_fhir_server():
    body = demo_hook_request(URLS, "net-01", "tok")
    assert "prefetch" not in body
    assert body["fhirServer"] == URLS.fhir and body["context"]["patientId"] == "net-01"


def test_instructions_cover_curl_console_and_sandbox():
    text = instructions(URLS, patient_id="net-01", patients=["net-01"], request_file=Path(".netcds/x.json"))
    assert "$(python -m service demo-token --audience http://127.0.0.1:8080/cds-services/net-treatment)" in text
    assert URLS.console in text
    assert "serviceDiscoveryURL=http%3A%2F%2F127.0.0.1%3A8080%2Fcds-services" in text
    assert "fhirServiceUrl=" in text and "browser" in text


def test_sekmet_settings_are_loopback_only_deterministic_and_token_protected(tmp_path):
    import yaml

    from service.demo.fhir_server import settings_yaml

    cfg = yaml.safe_load(settings_yaml(port=45001, data_dir=tmp_path / "data", token="t0k", open_access=False))
    assert cfg["host"] == "127.0.0.1" and cfg["base_url"] == "http://127.0.0.1:45001/fhir"
    assert cfg["simulator"] == {"enabled": False}
    assert cfg["server_auth"] == {"types": ["bearer"], "tokens": ["t0k"]}
    assert cfg["validation"] == {"inbound": "strict"} and cfg["log_inbound"] is False
    assert cfg["data_dir"] == str(tmp_path / "data")
    sandbox = yaml.safe_load(settings_yaml(port=1, data_dir=tmp_path, token="t", open_access=True))
    assert sandbox["server_auth"]["types"] == ["none", "bearer"]


def test_a_half_installed_sekmet_venv_does_not_count(tmp_path):
    from service.demo.fhir_server import SEKMET_VERSION, sekmet_executable

    (tmp_path / "bin").mkdir()
    (tmp_path / "bin" / "sekmet").write_text("")
    assert sekmet_executable(tmp_path) is None                      # no marker, no dist-info
    (tmp_path / "lib" / "python3.11" / "site-packages" / f"sekmet_fhir-{SEKMET_VERSION}.dist-info").mkdir(parents=True)
    assert sekmet_executable(tmp_path) == tmp_path / "bin" / "sekmet"


# --------------------------------------------------------------------------- a demo that works with any Sandbox

WEB_URLS = DemoUrls(service="http://127.0.0.1:8080", fhir="http://127.0.0.1:45001/fhir",
                    console="http://127.0.0.1:45001/ui", web="http://127.0.0.1:8081")


def test_demo_adds_the_environments_and_the_command_lines_origins_to_its_own(tmp_path):
    issuers = tmp_path / "dev-issuers.json"
    issuers.write_text("{}")
    env = service_environment(WEB_URLS, port=8080, issuers_file=issuers,
                              base={"NETCDS_CORS_ORIGINS": "http://127.0.0.1:3000, https://ehr.example.org"},
                              extra_origins=["http://localhost:5173/"])
    origins = Settings.from_env(env).cors_origins
    for wanted in (SANDBOX, "http://127.0.0.1:8081", "http://localhost:8081",          # the demo's own list
                   "http://127.0.0.1:3000", "https://ehr.example.org",                # NETCDS_CORS_ORIGINS
                   "http://localhost:5173"):                                          # --cors-origin
        assert wanted in origins, wanted
    assert len(origins) == len(set(origins))


def test_demo_allows_both_spellings_of_its_fhir_server(tmp_path):
    from service.data.fhir_client import FhirPolicy

    issuers = tmp_path / "dev-issuers.json"
    issuers.write_text("{}")
    settings = Settings.from_env(service_environment(WEB_URLS, port=8080, issuers_file=issuers, base={}))
    assert set(settings.allowed_fhir_servers) == {"http://127.0.0.1:45001/fhir", "http://localhost:45001/fhir"}
    policy = FhirPolicy.from_settings(settings)
    for spelling in ("http://127.0.0.1:45001/fhir", "http://localhost:45001/fhir"):
        assert policy.check_server(spelling, resolver=lambda host: ["127.0.0.1"]).url == spelling


def test_instructions_print_local_and_public_sandbox_links_for_pathway_patients():
    from urllib.parse import parse_qs, urlsplit

    from service.demo.runner import LINK_PATIENTS, sandbox_link

    patients = [pid for pid, _ in LINK_PATIENTS]
    text = instructions(WEB_URLS, patient_id="net-04", patients=patients, request_file=Path(".netcds/x.json"),
                        python=".venv/bin/python", local_sandbox=True, shift_days=15)
    for pid in patients:
        local, public = sandbox_link(WEB_URLS.web, WEB_URLS, pid), sandbox_link(SANDBOX, WEB_URLS, pid)
        assert local in text and public in text
        query = parse_qs(urlsplit(local).query)
        assert query == {"fhirServiceUrl": [WEB_URLS.fhir], "serviceDiscoveryURL": [WEB_URLS.discovery],
                         "patientId": [pid]}
    assert "local-network" in text and "Chrome" in text
    assert ".venv/bin/python -m service explain --patient net-04 --fhir-server http://127.0.0.1:45001/fhir" in text
    assert "single-use" in text and "+15 days" in text
    without = instructions(WEB_URLS, patient_id="net-04", patients=patients, request_file=Path(".netcds/x.json"),
                           local_sandbox=False)
    assert sandbox_link(WEB_URLS.web, WEB_URLS, "net-04") not in without and "No local Sandbox" in without


def test_a_busy_port_is_refused_with_a_clear_message():
    import socket

    from service.demo.runner import DemoError, check_ports

    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        try:
            check_ports({"--port": port})
        except DemoError as exc:
            assert f"port {port}" in str(exc) and "--port" in str(exc) and "in use" in str(exc)
        else:
            raise AssertionError("a busy port was accepted")


def test_printed_commands_use_an_interpreter_that_exists_from_the_repository_root():
    import os

    from service.demo.fhir_server import PROJECT_ROOT
    from service.demo.runner import python_command

    command = python_command()
    path = command if os.path.isabs(command) else os.path.join(PROJECT_ROOT, command)
    assert os.access(path, os.X_OK), command


# --------------------------------------------------------------------------- the demo's data never age


def test_shift_dates_moves_every_full_date_and_nothing_else():
    from service.demo.fhir_server import shift_dates

    resource = {
        "resourceType": "Observation", "id": "net-99-2026-01-31", "status": "final",
        "code": {"coding": [{"system": "http://loinc.org", "code": "2160-0"}], "text": "2026-01-31 report"},
        "effectiveDateTime": "2026-01-31T09:30:00+01:00", "issued": "2026-01-31T10:00:00.123Z",
        "effectivePeriod": {"start": "2025-12-31", "end": "2026-02"},
        "extension": [{"url": "x", "valueDate": "2024"}],
        "timing": {"event": ["2026-12-01"]}, "valueQuantity": {"value": 1.5},
    }
    moved = shift_dates(resource, 10)
    assert moved["effectiveDateTime"] == "2026-02-10T09:30:00+01:00"
    assert moved["issued"] == "2026-02-10T10:00:00.123Z"
    assert moved["effectivePeriod"] == {"start": "2026-01-10", "end": "2026-02"}     # partial date untouched
    assert moved["timing"]["event"] == ["2026-12-11"]
    assert moved["id"] == resource["id"] and moved["code"] == resource["code"]      # ids and text untouched
    assert moved["extension"] == resource["extension"] and moved["valueQuantity"] == {"value": 1.5}
    assert shift_dates(resource, 0) is resource


# Patients whose cards depend on dates: a planned PRRT dose (net-38, net-68), a recent progression
# (net-04), a new diagnosis (net-03), time on an SSA (net-07).
@pytest.mark.parametrize("patient", ["net-04", "net-38", "net-68", "net-03", "net-07"])
def test_shifted_fixtures_get_the_same_cards_on_the_shifted_day(patient):
    """Every interval is kept: a patient loaded N days later decides N days later exactly as on its own day."""
    from datetime import timedelta

    from service.demo.fhir_server import fixtures_as_of, shift_dates

    hook = _hook(patient)
    as_of = fixtures_as_of()
    before = _verdicts(hook, as_of)
    assert before
    for days in (15, 400):
        assert _verdicts(shift_dates(hook, days), as_of + timedelta(days=days)) == before, f"shifted {days} days"


@pytest.mark.parametrize("patient", ["net-38"])
def test_unshifted_fixtures_would_age(patient):
    """Why the demo shifts: a planned PRRT dose in the past no longer triggers its timing warning."""
    from datetime import timedelta

    from service.demo.fhir_server import fixtures_as_of

    hook = _hook(patient)
    assert _verdicts(hook, fixtures_as_of() + timedelta(days=60)) != _verdicts(hook, fixtures_as_of())


def _hook(patient: str) -> dict:
    from tests.golden_cards_regen import hook_files

    return json.loads(next(p for p in hook_files() if p.stem == patient).read_text(encoding="utf-8"))


def _verdicts(hook: dict, as_of) -> list[tuple[str, str, tuple[str, ...]]]:
    """(rule, status, missing) of every rule, and the cards' summaries: what a clinician would see change."""
    from service.ops.explain import explain_request

    import re
    from datetime import date

    def undated(text: str) -> str:      # a date a card names moves with the data: compare it as days from as_of
        return re.sub(r"\d{4}-\d{2}-\d{2}", lambda m: f"as_of{(date.fromisoformat(m.group()) - as_of).days:+d}d", text)

    explained = explain_request(hook, as_of=as_of, clinical=_clinical())
    return sorted((o.rule_id, o.status.value, tuple(o.missing)) for o in explained.outcomes) + [
        ("card", undated(c["summary"]), ()) for c in explained.cards]


_CLINICAL = []


def _clinical():
    if not _CLINICAL:
        from service.app import load_clinical, load_settings

        _CLINICAL.append(load_clinical(load_settings({"NETCDS_AUTH_DISABLED": "true"})))
    return _CLINICAL[0]


def test_demo_hook_files_are_the_fixture_requests_with_dates_moved(tmp_path):
    from service.demo.fhir_server import shift_dates
    from service.demo.runner import write_demo_hooks
    from tests.golden_cards_regen import hook_files

    assert write_demo_hooks(15, tmp_path) == len(hook_files())
    original = _hook("net-38")
    written = json.loads((tmp_path / "net-38.json").read_text(encoding="utf-8"))
    assert written == shift_dates(original, 15) and written != original


# --------------------------------------------------------------------------- the /demo/ page renders cards safely


def test_demo_page_renders_card_markdown_with_raw_html_escaped_and_unsafe_links_dropped():
    from service.demo.page import CSP, _markdown, render_card

    card = {
        "summary": "Start <b>x</b>", "indicator": "warning",
        "detail": "**Why**\n\n<script>alert(1)</script> <img src=x onerror=alert(1)> "
                  "[click](javascript:alert(1)) [ok](https://example.org/a)\n\n| a | b |\n|---|---|\n| 1 | 2 |",
        "source": {"label": "src", "url": "javascript:alert(1)"},
        "suggestions": [{"label": "<i>Order</i>"}],
        "links": [{"label": "bad", "url": "data:text/html,<script>alert(1)</script>"},
                  {"label": "good", "url": "https://example.org/b"}],
        "overrideReasons": [{"display": "Patient <declined>"}],
    }
    html = render_card(card, _markdown())
    assert "<script" not in html and "<img" not in html and "<b>x</b>" not in html and "<i>Order" not in html
    assert 'href="javascript' not in html and 'href="data:' not in html
    assert "<strong>Why</strong>" in html and "<table>" in html
    assert 'href="https://example.org/a"' in html and 'href="https://example.org/b"' in html
    assert "&lt;script&gt;" in html and "Patient &lt;declined&gt;" in html
    assert "script-src" not in CSP and "default-src 'none'" in CSP      # no script may run on the page


def test_demo_page_pathways_name_the_clinical_group():
    from service.demo.page import load_patients

    patients = {p.id: p for p in load_patients(Path(__file__).resolve().parents[2] / "fhir_fixtures" / "index.json")}
    assert patients["net-12"].pathway.startswith("pancreatic NET")
    assert patients["net-04"].pathway == "midgut NET"
    assert "functional" in patients["net-07"].pathway
    assert patients["net-39"].pathway == "no neuroendocrine neoplasm"
    assert patients["net-25"].pathway.startswith("small-cell lung carcinoma")
