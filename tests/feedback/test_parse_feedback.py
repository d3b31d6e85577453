"""parse_feedback: CDS Hooks 2.0 §Feedback bodies -> FeedbackItem, malformed bodies -> BadRequest naming the field."""
from __future__ import annotations

import copy
from datetime import datetime, timedelta, timezone

import pytest

from service.errors import BadRequest
from service.feedback.api import MAX_ITEMS, FeedbackItem, parse_feedback

# What the CDS Hooks Sandbox sends when a card is dismissed with a reason (no `display`).
SANDBOX_OVERRIDDEN = {
    "feedback": [{
        "card": "7b9b7d0e-2c57-4c0f-9a8e-0d8f6f1c1a01",
        "outcome": "overridden",
        "overrideReason": {"reason": {"code": "patient-declined",
                                      "system": "https://net-cds.org/fhir/CodeSystem/override-reason"}},
        "outcomeTimestamp": "2021-12-11T11:07:29.497Z",
    }]
}

# What the Sandbox sends when a suggestion is accepted.
SANDBOX_ACCEPTED = {
    "feedback": [{
        "card": "7b9b7d0e-2c57-4c0f-9a8e-0d8f6f1c1a02",
        "outcome": "accepted",
        "acceptedSuggestions": [{"id": "e56e1945-20b3-4393-8503-a1a20fd73152"}],
        "outcomeTimestamp": "2021-12-11T10:05:31Z",
    }]
}


def test_sandbox_override_without_display_is_accepted():
    [item] = parse_feedback(SANDBOX_OVERRIDDEN)
    assert item == FeedbackItem(
        card_uuid="7b9b7d0e-2c57-4c0f-9a8e-0d8f6f1c1a01",
        outcome="overridden",
        outcome_timestamp=datetime(2021, 12, 11, 11, 7, 29, 497000, tzinfo=timezone.utc),
        override_reason_code="patient-declined",
        override_reason_system="https://net-cds.org/fhir/CodeSystem/override-reason",
        override_reason_display=None,
    )


def test_sandbox_accepted_with_suggestions():
    [item] = parse_feedback(SANDBOX_ACCEPTED)
    assert item.outcome == "accepted"
    assert item.accepted_suggestions == ("e56e1945-20b3-4393-8503-a1a20fd73152",)
    assert item.outcome_timestamp == datetime(2021, 12, 11, 10, 5, 31, tzinfo=timezone.utc)
    assert item.override_reason_code is None and item.user_comment is None


def test_overridden_without_any_reason_is_valid():
    [item] = parse_feedback({"feedback": [{"card": "c", "outcome": "overridden",
                                           "outcomeTimestamp": "2021-12-11T10:05:31Z"}]})
    assert item.override_reason_code is None and item.accepted_suggestions == ()


def test_reason_display_and_user_comment_are_kept_but_comment_is_not_in_repr():
    body = copy.deepcopy(SANDBOX_OVERRIDDEN)
    body["feedback"][0]["overrideReason"]["reason"]["display"] = "Patient declined"
    body["feedback"][0]["overrideReason"]["userComment"] = "Mrs Example prefers to wait"
    [item] = parse_feedback(body)
    assert item.override_reason_display == "Patient declined"
    assert item.user_comment == "Mrs Example prefers to wait"
    assert "Mrs Example" not in repr(item)


def test_batch_keeps_order_and_is_frozen():
    body = {"feedback": SANDBOX_ACCEPTED["feedback"] + SANDBOX_OVERRIDDEN["feedback"]}
    items = parse_feedback(body)
    assert [i.outcome for i in items] == ["accepted", "overridden"]
    with pytest.raises(AttributeError):
        items[0].outcome = "overridden"  # type: ignore[misc]


@pytest.mark.parametrize("text, expected", [
    ("2021-12-11T11:07:29.497Z", datetime(2021, 12, 11, 11, 7, 29, 497000, tzinfo=timezone.utc)),
    ("2021-12-11T11:07:29.1234567891Z", datetime(2021, 12, 11, 11, 7, 29, 123456, tzinfo=timezone.utc)),
    ("2021-12-11t11:07:29z", datetime(2021, 12, 11, 11, 7, 29, tzinfo=timezone.utc)),
    ("2021-12-11T12:07:29+01:00", datetime(2021, 12, 11, 11, 7, 29, tzinfo=timezone.utc)),
    ("2021-12-11T06:37:29.5-04:30", datetime(2021, 12, 11, 11, 7, 29, 500000, tzinfo=timezone.utc)),
    ("2016-12-31T23:59:60Z", datetime(2016, 12, 31, 23, 59, 59, 999999, tzinfo=timezone.utc)),
])
def test_timestamps_are_rfc3339_and_normalised_to_utc(text, expected):
    [item] = parse_feedback({"feedback": [{"card": "c", "outcome": "overridden", "outcomeTimestamp": text}]})
    assert item.outcome_timestamp == expected
    assert item.outcome_timestamp.utcoffset() == timedelta(0)


def _one(**fields):
    entry = {"card": "c", "outcome": "overridden", "outcomeTimestamp": "2021-12-11T10:05:31Z"}
    entry.update(fields)
    return {"feedback": [entry]}


def _without(key):
    body = _one()
    del body["feedback"][0][key]
    return body


def _third_bad():
    good = _one()["feedback"][0]
    return {"feedback": [good, good, {**good, "outcome": "dismissed"}]}


MALFORMED = [
    ("not an object", ["feedback"], "$"),
    ("no feedback key", {}, "feedback"),
    ("feedback not a list", {"feedback": {"card": "c"}}, "feedback"),
    ("feedback empty", {"feedback": []}, "feedback"),
    ("too many items", {"feedback": _one()["feedback"] * (MAX_ITEMS + 1)}, "feedback"),
    ("entry not an object", {"feedback": ["c"]}, "feedback[0]"),
    ("card missing", _without("card"), "feedback[0].card"),
    ("card empty", _one(card=""), "feedback[0].card"),
    ("card not a string", _one(card=12), "feedback[0].card"),
    ("card too long", _one(card="x" * 300), "feedback[0].card"),
    ("outcome missing", _without("outcome"), "feedback[0].outcome"),
    ("outcome not in enum", _one(outcome="ignored"), "feedback[0].outcome"),
    ("outcome wrong case", _one(outcome="Accepted"), "feedback[0].outcome"),
    ("third item named", _third_bad(), "feedback[2].outcome"),
    ("accepted without suggestions", _one(outcome="accepted"), "feedback[0].acceptedSuggestions"),
    ("accepted with empty suggestions", _one(outcome="accepted", acceptedSuggestions=[]),
     "feedback[0].acceptedSuggestions"),
    ("suggestions not a list", _one(outcome="accepted", acceptedSuggestions={"id": "s"}),
     "feedback[0].acceptedSuggestions"),
    ("suggestion not an object", _one(outcome="accepted", acceptedSuggestions=["s"]),
     "feedback[0].acceptedSuggestions[0]"),
    ("suggestion without id", _one(outcome="accepted", acceptedSuggestions=[{"id": "s"}, {"uuid": "s"}]),
     "feedback[0].acceptedSuggestions[1].id"),
    ("overrideReason not an object", _one(overrideReason="no"), "feedback[0].overrideReason"),
    ("reason not a Coding", _one(overrideReason={"reason": "declined"}), "feedback[0].overrideReason.reason"),
    ("reason without code", _one(overrideReason={"reason": {"system": "s"}}),
     "feedback[0].overrideReason.reason.code"),
    ("reason without system", _one(overrideReason={"reason": {"code": "c"}}),
     "feedback[0].overrideReason.reason.system"),
    ("reason display not a string", _one(overrideReason={"reason": {"code": "c", "system": "s", "display": 1}}),
     "feedback[0].overrideReason.reason.display"),
    ("userComment not a string", _one(overrideReason={"userComment": ["x"]}),
     "feedback[0].overrideReason.userComment"),
    ("userComment too long", _one(overrideReason={"userComment": "x" * 10001}),
     "feedback[0].overrideReason.userComment"),
    ("timestamp missing", _without("outcomeTimestamp"), "feedback[0].outcomeTimestamp"),
    ("timestamp without zone", _one(outcomeTimestamp="2021-12-11T10:05:31"), "feedback[0].outcomeTimestamp"),
    ("timestamp date only", _one(outcomeTimestamp="2021-12-11"), "feedback[0].outcomeTimestamp"),
    ("timestamp epoch number", _one(outcomeTimestamp=1639217131), "feedback[0].outcomeTimestamp"),
    ("timestamp not a date", _one(outcomeTimestamp="2021-02-30T10:05:31Z"), "feedback[0].outcomeTimestamp"),
    ("timestamp hour 24", _one(outcomeTimestamp="2021-12-11T24:05:31Z"), "feedback[0].outcomeTimestamp"),
    ("timestamp bad offset", _one(outcomeTimestamp="2021-12-11T10:05:31+25:00"), "feedback[0].outcomeTimestamp"),
    ("timestamp short offset", _one(outcomeTimestamp="2021-12-11T10:05:31+0100"), "feedback[0].outcomeTimestamp"),
    ("timestamp trailing text", _one(outcomeTimestamp="2021-12-11T10:05:31Z junk"), "feedback[0].outcomeTimestamp"),
    ("timestamp non-ascii digits", _one(outcomeTimestamp="２０２１-12-11T10:05:31Z"), "feedback[0].outcomeTimestamp"),
]


@pytest.mark.parametrize("body, expression", [pytest.param(b, e, id=i) for i, b, e in MALFORMED])
def test_malformed_feedback_is_rejected_naming_the_field(body, expression):
    with pytest.raises(BadRequest) as caught:
        parse_feedback(body)
    assert caught.value.expression == expression
    assert caught.value.status == 400


def test_error_message_does_not_echo_the_user_comment():
    body = _one(overrideReason={"userComment": "Mrs Example " * 1000})
    with pytest.raises(BadRequest) as caught:
        parse_feedback(body)
    assert "Mrs Example" not in caught.value.message
