"""The JSON Schemas in tests/schemas (written from the CDS Hooks 2.0 tables) reject what the spec
forbids, accept the spec's own examples, and every fixture hook request passes both the schema
and the service's parser; every fixture patient gets a schema-valid response."""
from __future__ import annotations

import copy
import json

import pytest

from service.protocol.request import parse_hook_request
from tests.plugins.app import FIXTURES_DIR, HOOK_PATH, fixture_hook_request, validator

FIXTURE_PATIENTS = sorted(p.stem for p in (FIXTURES_DIR / "hooks").glob("*.json"))

SPEC_CARD = {   # the spec's example card, with a uuid as our contract requires
    "uuid": "4e0a3a1e-3283-4575-ab82-028d55fe2719",
    "summary": "Example Card",
    "indicator": "info",
    "detail": "Add an XYZ complimentary medication OR switch patient order to ABC. See SMART app for more details.",
    "source": {"label": "Medicine Library", "url": "https://example.com",
               "icon": "https://example.com/img/icon-100px.png",
               "topic": {"display": "Drug Recommendation", "code": "1001", "system": "http://example.org/codesystem"}},
    "suggestions": [{"label": "Add XYZ", "uuid": "e56e1945-20b3-4393-8503-a1a20fd73152", "isRecommended": False,
                     "actions": [{"type": "create", "description": "Add XYZ",
                                  "resource": {"resourceType": "MedicationRequest", "id": "medrx-1"}}]}],
    "selectionBehavior": "at-most-one",
    "overrideReasons": [{"code": "reason-code-provided-by-service", "system": "http://example.org/cds-services/fhir/CodeSystem/override-reasons",
                         "display": "Patient refused"}],
    "links": [{"label": "Drug Library", "url": "https://example.com", "type": "absolute"}],
}


def _card(**changes):
    card = copy.deepcopy(SPEC_CARD)
    for key, value in changes.items():
        if value is None:
            card.pop(key)
        else:
            card[key] = value
    return {"cards": [card]}


def test_spec_example_card_is_valid():
    validator("response").validate({"cards": [SPEC_CARD]})
    validator("response").validate({"cards": []})


@pytest.mark.parametrize(("name", "response"), [
    ("summary of 140 characters", _card(summary="x" * 140)),
    ("no uuid", _card(uuid=None)),
    ("empty detail", _card(detail="")),
    ("null detail", {"cards": [dict(SPEC_CARD, detail=None)]}),
    ("unknown indicator", _card(indicator="hard-stop")),
    ("no source label", _card(source={"url": "https://example.com"})),
    ("suggestions without selectionBehavior", _card(selectionBehavior=None)),
    ("unknown selectionBehavior", _card(selectionBehavior="all")),
    ("override reason without display", _card(overrideReasons=[{"code": "x", "system": "http://s"}])),
    ("empty overrideReasons", _card(overrideReasons=[])),
    ("empty links", _card(links=[])),
    ("link type unknown", _card(links=[{"label": "l", "url": "https://example.com", "type": "relative"}])),
    ("appContext on an absolute link", _card(links=[{"label": "l", "url": "https://e.example", "type": "absolute",
                                                     "appContext": "x"}])),
    ("create without resource", _card(suggestions=[{"label": "s", "actions": [{"type": "create", "description": "d"}]}])),
    ("two recommended at-most-one", _card(suggestions=[{"label": "a", "isRecommended": True},
                                                        {"label": "b", "isRecommended": True}])),
    ("unknown card field", _card(rationale="x")),
    ("cards missing", {}),
])
def test_response_schema_rejects_what_the_spec_forbids(name, response):
    assert not validator("response").is_valid(response), name


def test_discovery_schema_rejects_missing_required_fields():
    v = validator("discovery")
    assert v.is_valid({"services": [{"hook": "patient-view", "id": "x", "description": "d"}]})
    assert not v.is_valid({"services": [{"hook": "patient-view", "id": "x"}]})
    assert not v.is_valid({"services": [{"hook": "patient-view", "id": "a/b", "description": "d"}]})
    assert not v.is_valid({"services": [{"hook": "patient-view", "id": "x", "description": "d", "prefetch": {}}]})


def test_operation_outcome_schema_requires_an_issue_with_diagnostics():
    v = validator("operation-outcome")
    assert v.is_valid({"resourceType": "OperationOutcome",
                       "issue": [{"severity": "error", "code": "invalid", "diagnostics": "x", "expression": ["hook"]}]})
    assert not v.is_valid({"resourceType": "OperationOutcome", "issue": []})
    assert not v.is_valid({"resourceType": "OperationOutcome", "issue": [{"severity": "error", "code": "invalid"}]})
    assert not v.is_valid({"resourceType": "OperationOutcome",
                           "issue": [{"severity": "bad", "code": "invalid", "diagnostics": "x"}]})


def test_hook_request_schema_follows_the_spec_rules():
    v = validator("hook-request")
    base = fixture_hook_request(FIXTURE_PATIENTS[0])
    assert v.is_valid(base)
    assert not v.is_valid({**base, "fhirAuthorization": {"access_token": "t", "token_type": "Bearer", "expires_in": 1,
                                                          "scope": "s", "subject": "c"}, "fhirServer": None})
    assert not v.is_valid({**base, "hook": "order-select"})
    assert not v.is_valid({**base, "context": {"userId": "Device/1", "patientId": "p"}})


@pytest.mark.parametrize("patient", FIXTURE_PATIENTS)
def test_every_fixture_hook_request_is_valid_and_parses(patient):
    body = fixture_hook_request(patient)

    validator("hook-request").validate(body)
    request = parse_hook_request(json.dumps(body).encode())
    assert request.patient_id == body["context"]["patientId"]
    assert set(request.prefetch) == set(body["prefetch"])


@pytest.mark.slow
def test_every_fixture_patient_gets_a_schema_valid_response(checked_client, auth_header):
    # checked_client validates each body against response.schema.json; none may fail.
    for patient in FIXTURE_PATIENTS:
        response = checked_client.post(HOOK_PATH, json=fixture_hook_request(patient), headers=auth_header(HOOK_PATH))
        assert response.status_code == 200, (patient, response.get_json())
