"""Feedback (CDS Hooks §Feedback; checklist §13.5; Sandbox behaviour §14)."""
from __future__ import annotations

import json

import pytest

from tests.plugins.app import FEEDBACK_PATH, HOOK_PATH, fixture_hook_request, validator


@pytest.fixture
def card(checked_client, auth_header) -> dict:
    response = checked_client.post(HOOK_PATH, json=fixture_hook_request("net-32"), headers=auth_header(HOOK_PATH))
    return response.get_json()["cards"][0]


def _send(client, auth_header, body, path=FEEDBACK_PATH):
    return client.post(path, data=json.dumps(body), content_type="application/json", headers=auth_header(path))


def test_sandbox_dismissal_without_display_is_stored(app, checked_client, auth_header, card):
    body = {"feedback": [{
        "card": card["uuid"], "outcome": "overridden", "outcomeTimestamp": "2026-11-22T11:07:29.497Z",
        "overrideReason": {"reason": {"code": "patient-declined",
                                      "system": "https://net-cds.org/fhir/CodeSystem/override-reason"}},
    }]}
    validator("feedback").validate(body)

    response = _send(checked_client, auth_header, body)

    assert response.status_code == 200
    assert response.get_json() == {}
    stored = app.extensions["netcds"].feedback_store.list_feedback()
    assert [s.item.card_uuid for s in stored] == [card["uuid"]]


def test_accepted_suggestion_is_stored_and_repeats_are_idempotent(app, checked_client, auth_header, card):
    body = {"feedback": [{
        "card": card["uuid"], "outcome": "accepted", "outcomeTimestamp": "2026-11-22T11:07:29Z",
        "acceptedSuggestions": [{"id": card["suggestions"][0]["uuid"]}],
    }]}
    validator("feedback").validate(body)

    assert _send(checked_client, auth_header, body).status_code == 200
    assert _send(checked_client, auth_header, body).status_code == 200

    assert len(app.extensions["netcds"].feedback_store.list_feedback()) == 1


@pytest.mark.parametrize(("body", "expression"), [
    ({}, "feedback"),
    ({"feedback": "yes"}, "feedback"),
    ({"feedback": [{"outcome": "overridden", "outcomeTimestamp": "2026-11-22T11:07:29Z"}]}, "card"),
    ({"feedback": [{"card": "c", "outcome": "ignored", "outcomeTimestamp": "2026-11-22T11:07:29Z"}]}, "outcome"),
    ({"feedback": [{"card": "c", "outcome": "accepted", "outcomeTimestamp": "2026-11-22T11:07:29Z"}]},
     "acceptedSuggestions"),
    ({"feedback": [{"card": "c", "outcome": "overridden", "outcomeTimestamp": "yesterday"}]}, "outcomeTimestamp"),
])
def test_malformed_feedback_is_400_naming_the_field(checked_client, auth_header, body, expression):
    assert not validator("feedback").is_valid(body)      # the schema and the service agree

    response = _send(checked_client, auth_header, body)

    assert response.status_code == 400
    issue = response.get_json()["issue"][0]
    assert expression in " ".join(issue.get("expression", [])) + issue["diagnostics"]


def test_feedback_for_unknown_service_is_404(checked_client, auth_header):
    path = "/cds-services/no-such-service/feedback"
    body = {"feedback": [{"card": "c", "outcome": "overridden", "outcomeTimestamp": "2026-11-22T11:07:29Z"}]}
    assert _send(checked_client, auth_header, body, path=path).status_code == 404


def test_feedback_store_outage_is_503_so_the_client_may_retry(checked_client, auth_header, app, monkeypatch):
    from service.errors import FeedbackStoreError

    def down(*_args, **_kwargs):
        raise FeedbackStoreError()
    monkeypatch.setattr(app.extensions["netcds"].feedback_store, "record", down)
    body = {"feedback": [{"card": "c", "outcome": "overridden", "outcomeTimestamp": "2026-11-22T11:07:29Z"}]}

    response = _send(checked_client, auth_header, body)

    assert response.status_code == 503
    assert response.headers["Retry-After"]


# ---------------------------------------------------------------------- calendar edges (issue 15, finding 4)


@pytest.mark.parametrize("timestamp", [
    "9999-12-31T23:59:59Z", "0001-01-01T00:00:00Z",
    "9999-12-31T23:59:59+14:00", "9999-12-31T23:59:59-14:00",   # -14:00 is past year 9999 in UTC
    "0001-01-01T00:00:00+14:00", "0001-01-01T00:00:00-14:00",   # +14:00 is before year 1 in UTC
    "1969-12-31T23:59:59Z", "2100-01-01T00:00:00Z", "2100-01-01T14:00:00+14:00",
])
def test_outcome_timestamp_at_the_calendar_edges_is_400_naming_it(app, checked_client, auth_header, timestamp):
    body = {"feedback": [{"card": "c", "outcome": "overridden", "outcomeTimestamp": timestamp}]}

    response = _send(checked_client, auth_header, body)

    assert response.status_code == 400
    issue = response.get_json()["issue"][0]
    assert issue["expression"] == ["feedback[0].outcomeTimestamp"]
    assert "1970-01-01T00:00:00Z" in issue["diagnostics"]
    assert app.extensions["netcds"].feedback_store.list_feedback() == []


@pytest.mark.parametrize("timestamp", [
    "1970-01-01T00:00:00Z", "2099-12-31T23:59:59.999999Z", "2100-01-01T13:59:59+14:00", "1970-01-01T00:00:00-14:00",
])
def test_outcome_timestamp_just_inside_the_range_is_stored(app, checked_client, auth_header, card, timestamp):
    body = {"feedback": [{"card": card["uuid"], "outcome": "overridden", "outcomeTimestamp": timestamp}]}

    assert _send(checked_client, auth_header, body).status_code == 200

    assert len(app.extensions["netcds"].feedback_store.list_feedback()) == 1
