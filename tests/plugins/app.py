"""pytest fixtures: app (see tests/conftest.py).

``settings_env`` is the environment a test app is built from (a dict of ``NETCDS_*``; edit a
copy or pass overrides). ``app_factory(**overrides)`` builds an app from it with a fixed clock
and a counting uuid factory; ``app``/``client`` are the default ones. ``checked_client``
validates every JSON response against the schemas written from the CDS Hooks 2.0 tables
(``tests/schemas``): discovery, card responses, feedback ``{}``, and an OperationOutcome for
every error status.

    def test_x(app_factory, auth_header):
        client = app_factory(NETCDS_CORS_ORIGINS="*").test_client()
        client.post(HOOK_PATH, json=hook_body(), headers=auth_header(HOOK_PATH))

``os.environ``'s own ``NETCDS_*`` variables are removed for each test, so a developer's shell
never changes a test's outcome.
"""
from __future__ import annotations

import copy
import itertools
import json
import uuid
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Callable, Iterator

import jsonschema
import pytest
from flask import Flask
from flask.testing import FlaskClient

REPO = Path(__file__).resolve().parents[2]
SCHEMAS_DIR = REPO / "tests" / "schemas"
FIXTURES_DIR = REPO / "fhir_fixtures"

BASE_URL = "https://netcds.test.example"   # the public base URL of test apps (JWT aud prefix)
SERVICE_ID = "net-treatment"
DISCOVERY_PATH = "/cds-services"
HOOK_PATH = f"/cds-services/{SERVICE_ID}"
FEEDBACK_PATH = f"{HOOK_PATH}/feedback"
SANDBOX_ORIGIN = "https://sandbox.cds-hooks.org"
EHR_ORIGIN = "https://ehr.test.example"
# The fixtures' reference date (fhir_fixtures/README.md): every scenario is "as of" this day.
FIXED_NOW = datetime(2026, 11, 22, 9, 30, tzinfo=timezone.utc)


def fixed_clock() -> datetime:
    return FIXED_NOW


def counting_uuids() -> Callable[[], str]:
    """A deterministic uuid factory: 00000000-0000-4000-8000-000000000001, ...02, ..."""
    counter = itertools.count(1)
    return lambda: str(uuid.UUID(f"00000000-0000-4000-8000-{next(counter):012x}"))


def load_schema(name: str) -> dict:
    return json.loads((SCHEMAS_DIR / f"{name}.schema.json").read_text(encoding="utf-8"))


def validator(name: str) -> jsonschema.Draft202012Validator:
    return jsonschema.Draft202012Validator(load_schema(name))


def fixture_hook_request(patient: str) -> dict:
    """The committed ``patient-view`` request (full prefetch) of fixture patient ``net-NN``."""
    return json.loads((FIXTURES_DIR / "hooks" / f"{patient}.json").read_text(encoding="utf-8"))


def hook_body(**changes: Any) -> dict:
    """A minimal valid patient-view request (no NET: Patient + empty Condition search) with ``changes``.

    ``changes`` replace top-level fields; a value of ``None`` removes the field.
    """
    body: dict[str, Any] = {
        "hook": "patient-view",
        "hookInstance": "d1577c69-dfbe-44ad-ba6d-3e05e953b2ea",
        "context": {"userId": "Practitioner/example", "patientId": "pat-1"},
        "prefetch": {
            "patient": {"resourceType": "Patient", "id": "pat-1"},
            "conditions": {"resourceType": "Bundle", "type": "searchset", "total": 0},
        },
    }
    for key, value in changes.items():
        if value is None:
            body.pop(key, None)
        else:
            body[key] = value
    return copy.deepcopy(body)


# ---------------------------------------------------------------------- the checked client


class SchemaViolation(AssertionError):
    pass


def check_response(method: str, path: str, response) -> None:
    """Assert the response is what the CDS Hooks tables and our error contract allow."""
    status = response.status_code
    if status == 204 or method == "HEAD":
        assert not response.get_data(), f"{method} {path} -> {status} must have no body"
        return
    assert response.mimetype == "application/json", f"{method} {path} -> {status}: {response.content_type}"
    body = response.get_json()
    if status >= 400:
        schema = "operation-outcome"
    elif path == DISCOVERY_PATH and method == "GET":
        schema = "discovery"
    elif path.startswith("/cds-services/") and path.endswith("/feedback"):
        assert body == {}, f"feedback success must be {{}}, got {body!r}"
        return
    elif path.startswith("/cds-services/") and method == "POST":
        schema = "response"
    else:
        assert isinstance(body, dict)
        return
    errors = sorted(validator(schema).iter_errors(body), key=lambda e: list(e.absolute_path))
    if errors:
        detail = "; ".join(f"{'/'.join(map(str, e.absolute_path)) or '(root)'}: {e.message}" for e in errors[:10])
        raise SchemaViolation(f"{method} {path} -> {status} violates {schema}.schema.json: {detail}")


class CheckedClient(FlaskClient):
    def open(self, *args: Any, **kwargs: Any):
        response = super().open(*args, **kwargs)
        request = response.request
        check_response(request.method, request.path, response)
        return response


# ---------------------------------------------------------------------- fixtures


@pytest.fixture
def settings_env(tmp_path, issuers_file) -> dict[str, str]:
    """The ``NETCDS_*`` environment of a test app: auth on, our test issuers, a throwaway SQLite DB."""
    return {
        "NETCDS_PUBLIC_BASE_URL": BASE_URL,
        "NETCDS_TRUSTED_ISSUERS": str(issuers_file),
        "NETCDS_DATABASE_URL": f"sqlite:///{tmp_path / 'feedback.sqlite3'}",
        "NETCDS_CORS_ORIGINS": f"{SANDBOX_ORIGIN},{EHR_ORIGIN}",
        "NETCDS_LOG_LEVEL": "INFO",
    }


@pytest.fixture(scope="session")
def _clinical_cache() -> dict:
    return {}


@pytest.fixture
def app_factory(settings_env, monkeypatch, _clinical_cache) -> Iterator[Callable[..., Flask]]:
    """``app_factory(clock=..., uuid_factory=..., NETCDS_X="...")`` -> a new app.

    Terminology and knowledge (immutable once loaded) are loaded once per cards directory per
    test session; everything else is built anew for each app.
    """
    import os

    import service.app
    from service.app import create_app

    for name in list(os.environ):
        if name.startswith("NETCDS_"):
            monkeypatch.delenv(name)

    real_load = service.app.load_clinical

    def cached_load(settings):
        key = str(settings.cards_dir.resolve())
        if key not in _clinical_cache:
            _clinical_cache[key] = real_load(settings)
        return _clinical_cache[key]

    monkeypatch.setattr(service.app, "load_clinical", cached_load)

    made: list[Flask] = []

    def make(*, clock: Callable[[], datetime] | None = None, uuid_factory: Callable[[], str] | None = None,
             **overrides: str) -> Flask:
        env = {**settings_env, **{k: str(v) for k, v in overrides.items()}}
        app = create_app(env, clock=clock or fixed_clock, uuid_factory=uuid_factory or counting_uuids())
        made.append(app)
        return app

    yield make
    for app in made:      # issued cards written while the test's database still exists
        app.extensions["netcds"].close(flush_seconds=1.0)


@pytest.fixture
def app(app_factory) -> Flask:
    return app_factory()


@pytest.fixture
def client(app) -> FlaskClient:
    return app.test_client()


@pytest.fixture
def checked_client(app) -> CheckedClient:
    app.test_client_class = CheckedClient
    return app.test_client()


@pytest.fixture
def auth_header(mint) -> Callable[[str], dict[str, str]]:
    """``auth_header(path)`` -> ``{"Authorization": "Bearer <valid ES384 JWT for BASE_URL + path>"}``."""

    def make(path: str, **claims: Any) -> dict[str, str]:
        return {"Authorization": f"Bearer {mint(aud=BASE_URL + path, **claims)}"}

    return make
