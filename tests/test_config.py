"""Settings: every NETCDS_* variable typed and checked at start-up; a bad value names the variable."""
from __future__ import annotations

from pathlib import Path

import pytest

from service.config import Settings, env_var
from service.errors import ConfigError

DEV = {"NETCDS_AUTH_DISABLED": "true"}   # no issuers file needed


def test_defaults():
    s = Settings.from_env(DEV)

    assert (s.host, s.port) == ("127.0.0.1", 8080)
    assert s.public_base_url == "http://127.0.0.1:8080"
    assert s.jwt_leeway_seconds == 60
    assert s.jwt_algorithms == ("ES384", "RS384", "ES256", "RS256", "PS384")
    assert s.jwt_max_lifetime_seconds == 3600
    assert s.allowed_fhir_servers == () and not s.allow_http_fhir and not s.allow_anonymous_fhir
    assert (s.fhir_timeout_seconds, s.hook_deadline_seconds) == (0.5, 0.9)
    assert (s.fhir_max_pages, s.fhir_max_response_bytes) == (5, 20_000_000)
    assert s.cors_origins == () and s.max_body_bytes == 10_000_000
    assert s.database_url == "sqlite:///.netcds/feedback.sqlite3"
    assert s.cards_dir == Path(__file__).resolve().parents[1] / "cards"
    assert s.lookback_days == 365 and s.log_level == "INFO"
    # one thread of each worker stays free, so an over-capacity call is answered 429 at once, not queued
    assert s.workers >= 1 and s.threads >= 1 and s.max_in_flight == max(1, s.threads - 1)
    assert s.replay_cache == "memory" and s.max_prefetch_resources == 5_000
    assert not s.public_discovery


def test_values_are_parsed_and_normalised(tmp_path):
    issuers = tmp_path / "issuers.json"
    issuers.write_text("{}")
    s = Settings.from_env({
        "NETCDS_PORT": "9090",
        "NETCDS_PUBLIC_BASE_URL": "https://CDS.Example.org/base/",
        "NETCDS_TRUSTED_ISSUERS": str(issuers),
        "NETCDS_JWT_ALGORITHMS": "ES384, RS384",
        "NETCDS_ALLOWED_FHIR_SERVERS": "https://ehr.example.org/fhir/, https://other.example/r4",
        "NETCDS_CORS_ORIGINS": "https://sandbox.cds-hooks.org, https://EHR.example.org/",
        "NETCDS_HOOK_DEADLINE_SECONDS": "1.5",
        "NETCDS_LOG_LEVEL": "debug",
        "NETCDS_THREADS": "8",
        "NETCDS_AUTH_DISABLED": "no",
        "OTHER": "ignored",
    })

    assert s.port == 9090
    assert s.public_base_url == "https://cds.example.org/base"    # no trailing slash: aud = base + path
    assert s.discovery_url == "https://cds.example.org/base/cds-services"
    assert s.trusted_issuers_path == issuers
    assert s.jwt_algorithms == ("ES384", "RS384")
    assert s.allowed_fhir_servers == ("https://ehr.example.org/fhir", "https://other.example/r4")
    assert s.cors_origins == ("https://sandbox.cds-hooks.org", "https://ehr.example.org")
    assert s.hook_deadline_seconds == 1.5 and s.log_level == "DEBUG"
    assert s.max_in_flight == 7 and not s.auth_disabled


def test_empty_value_means_default():
    assert Settings.from_env({**DEV, "NETCDS_PORT": "", "NETCDS_CORS_ORIGINS": " "}).port == 8080


@pytest.mark.parametrize(("variable", "value"), [
    ("NETCDS_PORT", "eighty"),
    ("NETCDS_PORT", "70000"),
    ("NETCDS_PUBLIC_BASE_URL", "cds.example.org"),
    ("NETCDS_PUBLIC_BASE_URL", "https://cds.example.org/?x=1"),
    ("NETCDS_AUTH_DISABLED", "maybe"),
    ("NETCDS_JWT_LEEWAY_SECONDS", "-1"),
    ("NETCDS_JWT_ALGORITHMS", "none"),
    ("NETCDS_JWT_ALGORITHMS", "ES384,HS256"),
    ("NETCDS_JWT_ALGORITHMS", "hs384"),
    ("NETCDS_JWT_ALGORITHMS", "ES999"),
    ("NETCDS_ALLOWED_FHIR_SERVERS", "ehr.example.org/fhir"),
    ("NETCDS_ALLOWED_FHIR_SERVERS", "http://ehr.example.org/fhir"),      # https only unless allowed
    ("NETCDS_FHIR_TIMEOUT_SECONDS", "0"),
    ("NETCDS_FHIR_TIMEOUT_SECONDS", "nan"),
    ("NETCDS_FHIR_TIMEOUT_SECONDS", "2"),                                 # longer than the hook deadline
    ("NETCDS_HOOK_DEADLINE_SECONDS", "soon"),
    ("NETCDS_CORS_ORIGINS", "https://ehr.example.org/path"),
    ("NETCDS_MAX_BODY_BYTES", "0"),
    ("NETCDS_DATABASE_URL", "feedback.sqlite3"),
    ("NETCDS_CARDS_DIR", "/nonexistent/cards"),
    ("NETCDS_LOG_LEVEL", "LOUD"),
    ("NETCDS_WORKERS", "0"),
    ("NETCDS_TRUSTED_ISSUERS", "/nonexistent/issuers.json"),
])
def test_bad_value_stops_start_up_naming_the_variable(variable, value):
    env = {**DEV, variable: value}
    if variable == "NETCDS_TRUSTED_ISSUERS":
        env.pop("NETCDS_AUTH_DISABLED")

    with pytest.raises(ConfigError) as raised:
        Settings.from_env(env)

    assert variable in raised.value.message


def test_auth_enabled_needs_a_trusted_issuers_file():
    with pytest.raises(ConfigError, match="NETCDS_TRUSTED_ISSUERS"):
        Settings.from_env({})


def test_http_fhir_servers_need_the_development_flag():
    s = Settings.from_env({**DEV, "NETCDS_ALLOW_HTTP_FHIR": "true",
                           "NETCDS_ALLOWED_FHIR_SERVERS": "http://127.0.0.1:9999/fhir"})
    assert s.allowed_fhir_servers == ("http://127.0.0.1:9999/fhir",)


def test_unknown_netcds_variables_are_reported():
    assert Settings.unknown_variables({"NETCDS_AUTH_DISABLE": "1", "NETCDS_PORT": "1", "PATH": "x"}) == [
        "NETCDS_AUTH_DISABLE"]


def test_describe_masks_the_database_password():
    s = Settings.from_env({**DEV, "NETCDS_DATABASE_URL": "postgresql+psycopg://netcds:s3cret@db:5432/netcds"})
    assert "s3cret" not in str(s.describe())
    assert s.describe()["database_url"] == "postgresql+psycopg://netcds:***@db:5432/netcds"


def test_every_setting_has_a_documented_variable():
    readme = (Path(__file__).resolve().parents[1] / "README.md").read_text(encoding="utf-8")
    from dataclasses import fields
    missing = [env_var(f.name) for f in fields(Settings) if f"`{env_var(f.name)}`" not in readme]
    assert not missing, f"README.md settings table lacks {missing}"


def test_settings_are_immutable():
    s = Settings.from_env(DEV)
    with pytest.raises(AttributeError):
        s.port = 1  # type: ignore[misc]
