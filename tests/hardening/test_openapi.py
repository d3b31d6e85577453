"""The OpenAPI document (``GET /openapi.json``) is served, agrees with tests/schemas, and the LIVE
service (real gunicorn, ``python -m service``) never answers 5xx nor outside the document to
schemathesis-generated calls (valid and invalid bodies, wrong types, missing fields).

Auth for the schemathesis run: ON. The server trusts the test issuers file and every generated
call gets a freshly minted ES384 JWT for exactly the path being called (``LiveServer.auth``),
so requests reach the body validation and the pipeline; schemathesis's own ``ignored_auth``
check also calls without/with a broken token and expects the 401 the document declares.
"""
from __future__ import annotations

import json
from pathlib import Path

import jsonschema
import pytest
import requests
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.checks import (
    content_type_conformance, not_a_server_error, response_schema_conformance, status_code_conformance,
)
from schemathesis.specs.openapi.checks import ignored_auth

REPO = Path(__file__).resolve().parents[2]
DOCUMENT = json.loads((REPO / "service" / "protocol" / "openapi.json").read_text(encoding="utf-8"))
SCHEMAS = REPO / "tests" / "schemas"
MAX_EXAMPLES = 25


def _schema(name: str) -> dict:
    return json.loads((SCHEMAS / f"{name}.schema.json").read_text(encoding="utf-8"))


def _component(name: str) -> dict:
    return DOCUMENT["components"]["schemas"][name]


# ---------------------------------------------------------------------- the document itself


def test_the_document_is_served_unauthenticated_and_is_the_committed_file(client):
    response = client.get("/openapi.json")
    assert response.status_code == 200 and response.mimetype == "application/json"
    assert response.get_json() == DOCUMENT


def test_the_document_is_valid_openapi_3_0_and_declares_bearer_auth():
    schemathesis.openapi.from_dict(DOCUMENT)  # raises on an invalid document
    assert DOCUMENT["openapi"].startswith("3.0.")
    scheme = DOCUMENT["components"]["securitySchemes"]["cdsClientJwt"]
    assert (scheme["type"], scheme["scheme"], scheme["bearerFormat"]) == ("http", "bearer", "JWT")
    for path in ("/healthz", "/readyz", "/openapi.json"):
        assert DOCUMENT["paths"][path]["get"]["security"] == [], f"{path} must be unauthenticated"
    # /metrics: open, or the operator's bearer token when NETCDS_METRICS_TOKEN is set (issue 15, finding 12)
    assert DOCUMENT["paths"]["/metrics"]["get"]["security"] == [{}, {"metricsToken": []}]
    assert "401" in DOCUMENT["paths"]["/metrics"]["get"]["responses"]
    for path in ("/cds-services", "/cds-services/{service_id}", "/cds-services/{service_id}/feedback"):
        assert "options" in DOCUMENT["paths"][path]


def test_every_route_of_the_app_is_documented(app):
    documented = {(path.replace("{service_id}", "<service_id>"), method.upper())
                  for path, item in DOCUMENT["paths"].items() for method in item if method != "parameters"}
    for rule in app.url_map.iter_rules():
        if rule.endpoint == "static":
            continue
        for method in rule.methods - {"HEAD"}:
            if method == "OPTIONS" and not rule.rule.startswith("/cds-services"):
                continue   # Flask's automatic OPTIONS; the preflight matters only for the CDS routes
            assert (rule.rule, method) in documented, f"{method} {rule.rule} is not in service/protocol/openapi.json"


def _shape(schema: dict, defs: dict) -> dict:
    """What must agree between a JSON Schema (2020-12) node and its OpenAPI 3.0 rendering."""
    if "$ref" in schema:
        schema = defs[schema["$ref"].rsplit("/", 1)[-1]]
    if "allOf" in schema and "properties" not in schema:   # an allOf of a $ref and extra requirements
        merged: dict = {}
        for part in schema["allOf"]:
            part = defs[part["$ref"].rsplit("/", 1)[-1]] if "$ref" in part else part
            merged.setdefault("properties", {}).update(part.get("properties", {}))
            merged["required"] = sorted(set(merged.get("required", [])) | set(part.get("required", [])))
        schema = merged
    enum = schema.get("enum") or ([schema["const"]] if "const" in schema else None)
    return {
        "required": sorted(schema.get("required", [])),
        "properties": sorted(schema.get("properties", {})),
        "enum": enum,
        "pattern": schema.get("pattern"),
        "maxLength": schema.get("maxLength"),
    }


def _oa_shape(schema: dict) -> dict:
    if "$ref" in schema:
        schema = _component(schema["$ref"].rsplit("/", 1)[-1])
    return {
        "required": sorted(schema.get("required", [])),
        "properties": sorted(schema.get("properties", {})),
        "enum": schema.get("enum"),
        "pattern": schema.get("pattern"),
        "maxLength": schema.get("maxLength"),
    }


PAIRS = [  # (tests/schemas file, JSON pointer into it, OpenAPI component)
    ("operation-outcome", "", "OperationOutcome"),
    ("operation-outcome", "/$defs/issue", "OperationOutcomeIssue"),
    ("discovery", "", "Discovery"),
    ("discovery", "/$defs/service", "DiscoveryService"),
    ("hook-request", "", "HookRequest"),
    ("hook-request", "/properties/fhirAuthorization", "FhirAuthorization"),
    ("hook-request", "/properties/context", None),
    ("feedback", "", "Feedback"),
    ("feedback", "/$defs/feedback", "FeedbackItem"),
    ("response", "", "CardResponse"),
    ("response", "/$defs/card", "Card"),
    ("response", "/$defs/source", "Source"),
    ("response", "/$defs/coding", "Coding"),
    ("response", "/$defs/overrideReason", "OverrideReasonCoding"),
    ("response", "/$defs/suggestion", "Suggestion"),
    ("response", "/$defs/action", "Action"),
    ("response", "/$defs/link", "Link"),
]


@pytest.mark.parametrize(("name", "pointer", "component"), PAIRS)
def test_body_schemas_agree_with_tests_schemas(name, pointer, component):
    """Property names, required fields, enums/consts, patterns and lengths, object by object."""
    root = _schema(name)
    node = root
    for part in [p for p in pointer.split("/") if p]:
        node = node[part]
    oa = _component(component) if component else _component("HookRequest")["properties"]["context"]
    expected, actual = _shape(node, root.get("$defs", {})), _oa_shape(oa)
    assert actual == expected, f"{component or 'HookRequest.context'} differs from {name}.schema.json{pointer}"
    for prop in expected["properties"]:
        sub = node.get("properties", {})[prop] if "properties" in node else None
        if sub is None or "$ref" in sub or "oneOf" in sub or "allOf" in sub:
            continue
        oa_sub = oa["properties"][prop]
        if "$ref" in oa_sub:
            continue
        assert _oa_shape(oa_sub)["enum"] == _shape(sub, root.get("$defs", {}))["enum"], f"{component}.{prop}"
        assert _oa_shape(oa_sub)["pattern"] == _shape(sub, root.get("$defs", {}))["pattern"], f"{component}.{prop}"


def test_fixture_requests_are_valid_against_the_document_and_the_test_schema():
    """The OpenAPI request schema accepts what the test schema accepts (the committed fixtures)."""
    spec = schemathesis.openapi.from_dict(DOCUMENT)
    del spec
    resolver_doc = {"components": DOCUMENT["components"], **_component("HookRequest")}
    validator = jsonschema.Draft4Validator(_nullable_to_json_schema(resolver_doc))
    for path in sorted((REPO / "fhir_fixtures" / "hooks").glob("*.json"))[:10]:
        body = json.loads(path.read_text(encoding="utf-8"))
        jsonschema.Draft202012Validator(_schema("hook-request")).validate(body)
        errors = list(validator.iter_errors(body))
        assert not errors, f"{path.name}: {errors[0].message}"


def _nullable_to_json_schema(node):
    if isinstance(node, dict):
        out = {k: _nullable_to_json_schema(v) for k, v in node.items() if k != "nullable"}
        if node.get("nullable") and "type" in node:
            out = {"anyOf": [{"type": "null"}, out]}
        return out
    if isinstance(node, list):
        return [_nullable_to_json_schema(v) for v in node]
    return node


# ---------------------------------------------------------------------- schemathesis against the live server


# The base URL (a free port chosen at run time) is given to each call, not to the schema.
live_schema = schemathesis.openapi.from_dict(DOCUMENT)

CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance,
          ignored_auth]


@pytest.mark.slow
@live_schema.parametrize()
@settings(max_examples=MAX_EXAMPLES, deadline=None, derandomize=True,
          suppress_health_check=list(HealthCheck))
def test_live_service_never_answers_5xx_or_outside_the_document(case, live_server):
    headers = dict(case.headers or {})
    headers.update(live_server.auth(case.formatted_path))
    case.call_and_validate(base_url=live_server.base_url, headers=headers, checks=CHECKS, timeout=10)


def test_live_server_serves_the_document(live_server):
    response = requests.get(live_server.url("/openapi.json"), timeout=5)
    assert response.status_code == 200 and response.json() == DOCUMENT
