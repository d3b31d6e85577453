"""The demo's wiring: its settings are ones the service accepts, and its instructions say how to
call the service without prefetch and how to point the Sandbox at it."""
from __future__ import annotations

from pathlib import Path

from service.config import Settings
from service.demo.runner import SANDBOX, DemoUrls, demo_hook_request, instructions, service_environment

URLS = DemoUrls(service="http://127.0.0.1:8080", fhir="http://127.0.0.1:45001/fhir", console="http://127.0.0.1:45001/ui")


def test_demo_environment_is_valid_service_configuration(tmp_path):
    issuers = tmp_path / "dev-issuers.json"
    issuers.write_text("{}")
    env = service_environment(URLS, port=8080, issuers_file=issuers, base={})
    settings = Settings.from_env(env)
    assert settings.allowed_fhir_servers == (URLS.fhir,)
    assert settings.allow_http_fhir and settings.allow_anonymous_fhir
    assert SANDBOX in settings.cors_origins and "http://localhost:8080" in settings.cors_origins
    assert settings.public_base_url == URLS.service and settings.host == "127.0.0.1"


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
