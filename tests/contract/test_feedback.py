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


# ---------------------------------------------------------------------- which cards take feedback (issue 15, finding 13)


def _overridden(card_uuid: str, ts: str = "2026-11-22T11:07:29Z") -> dict:
    return {"card": card_uuid, "outcome": "overridden", "outcomeTimestamp": ts}


def test_feedback_for_a_card_this_service_never_issued_is_404_naming_it_and_nothing_is_stored(
        app, checked_client, auth_header, card):
    body = {"feedback": [_overridden(card["uuid"]), _overridden("6f1c0f0e-0000-4000-8000-00000000dead")]}

    response = _send(checked_client, auth_header, body)

    assert response.status_code == 404
    issue = response.get_json()["issue"][0]
    assert issue["code"] == "not-found" and issue["expression"] == ["feedback[1].card"]
    assert "issued" in issue["diagnostics"] and "dead" not in issue["diagnostics"]
    assert app.extensions["netcds"].feedback_store.list_feedback() == []      # all or nothing


def test_feedback_for_a_card_of_another_service_is_404(app, checked_client, auth_header, card):
    path = "/cds-services/net-order-sign/feedback"      # the card came from net-treatment
    response = _send(checked_client, auth_header, {"feedback": [_overridden(card["uuid"])]}, path=path)

    assert response.status_code == 404
    assert app.extensions["netcds"].feedback_store.list_feedback() == []


def test_feedback_is_taken_only_from_the_issuer_the_card_was_issued_to(app, checked_client, mint):
    from tests.plugins.app import BASE_URL
    from tests.plugins.keys import TENANT_ISS, TEST_ISS, TEST_TENANT

    def headers(path, iss, **kw):
        return {"Authorization": f"Bearer {mint(BASE_URL + path, iss=iss, **kw)}"}

    hook = checked_client.post(HOOK_PATH, json=fixture_hook_request("net-32"),
                               headers=headers(HOOK_PATH, TENANT_ISS, tenant=TEST_TENANT))
    card_uuid = hook.get_json()["cards"][0]["uuid"]
    body = {"feedback": [_overridden(card_uuid)]}

    other = checked_client.post(FEEDBACK_PATH, json=body, headers=headers(FEEDBACK_PATH, TEST_ISS))
    same = checked_client.post(FEEDBACK_PATH, json=body,
                               headers=headers(FEEDBACK_PATH, TENANT_ISS, tenant=TEST_TENANT))

    assert other.status_code == 404 and other.get_json()["issue"][0]["expression"] == ["feedback[0].card"]
    assert same.status_code == 200
    [stored] = app.extensions["netcds"].feedback_store.list_feedback()
    assert (stored.iss, stored.tenant) == (TENANT_ISS, TEST_TENANT)


def test_issuer_and_tenant_are_stored_with_feedback_tenant_from_the_card_when_the_token_has_none(
        app, checked_client, auth_header, card):
    from tests.plugins.keys import TEST_ISS

    assert _send(checked_client, auth_header, {"feedback": [_overridden(card["uuid"])]}).status_code == 200

    [stored] = app.extensions["netcds"].feedback_store.list_feedback()
    assert stored.iss == TEST_ISS
    assert stored.tenant is None           # net-32's request has no fhirServer and the token no tenant


def test_a_card_takes_at_most_20_feedback_items_then_409_and_repeats_stay_idempotent(
        app, checked_client, auth_header, card):
    from service.feedback.store import MAX_FEEDBACK_PER_CARD

    items = [_overridden(card["uuid"], f"2026-11-22T11:{m:02d}:00Z") for m in range(MAX_FEEDBACK_PER_CARD + 2)]
    assert _send(checked_client, auth_header, {"feedback": items[:MAX_FEEDBACK_PER_CARD - 1]}).status_code == 200

    two_more = _send(checked_client, auth_header, {"feedback": items[MAX_FEEDBACK_PER_CARD - 1:]})
    last = _send(checked_client, auth_header, {"feedback": [items[MAX_FEEDBACK_PER_CARD - 1]]})
    over = _send(checked_client, auth_header, {"feedback": [items[MAX_FEEDBACK_PER_CARD]]})
    repeat = _send(checked_client, auth_header, {"feedback": items[:3]})

    assert two_more.status_code == 409           # 19 + 3 > 20: nothing of it stored
    assert two_more.get_json()["issue"][0]["expression"] == ["feedback[0].card"]
    assert two_more.get_json()["issue"][0]["code"] == "business-rule"
    assert last.status_code == 200 and over.status_code == 409
    assert repeat.status_code == 200             # already stored: a retry is still fine
    assert len(app.extensions["netcds"].feedback_store.list_feedback()) == MAX_FEEDBACK_PER_CARD


def test_feedback_waits_for_an_admission_slot_like_a_hook_call_and_keeps_its_token(
        app, checked_client, auth_header, card):
    state = app.extensions["netcds"]
    taken = 0
    while state.in_flight.acquire(blocking=False):
        taken += 1
    headers = auth_header(FEEDBACK_PATH)
    body = json.dumps({"feedback": [_overridden(card["uuid"])]})
    try:
        busy = checked_client.post(FEEDBACK_PATH, data=body, content_type="application/json", headers=headers)
    finally:
        for _ in range(taken):
            state.in_flight.release()
    retried = checked_client.post(FEEDBACK_PATH, data=body, content_type="application/json", headers=headers)

    assert busy.status_code == 429 and busy.headers["Retry-After"] == "1"
    assert retried.status_code == 200             # the 429 came before the JWT check: the token is unused
    assert len(state.feedback_store.list_feedback()) == 1
