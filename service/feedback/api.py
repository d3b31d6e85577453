"""CDS Hooks 2.0 feedback (§Feedback): validation of the request body -> ``FeedbackItem``.

Body: ``{"feedback": [Feedback, ...]}``. Each Feedback has ``card`` (the card uuid),
``outcome`` (``accepted`` | ``overridden``), ``acceptedSuggestions`` (required when
accepted: ``[{"id": ...}]``), optional ``overrideReason`` (``{reason?: Coding, userComment?}``;
the CDS Hooks Sandbox sends ``reason`` as ``{code, system}`` without ``display``) and
``outcomeTimestamp`` (RFC 3339 date-time with a time zone; fractional seconds allowed).

Every problem raises ``errors.BadRequest`` whose ``expression`` names the field, e.g.
``feedback[2].outcome``. Messages never echo the submitted values (the user comment in
particular is free text a clinician typed and may contain patient data).
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone

from service.errors import BadRequest

OUTCOMES = ("accepted", "overridden")

MAX_ITEMS = 1000
MAX_ID_LENGTH = 256          # card uuid, suggestion id, reason code
MAX_URI_LENGTH = 2048        # reason system
MAX_TEXT_LENGTH = 4096       # reason display
MAX_COMMENT_LENGTH = 10000   # userComment
MAX_SUGGESTIONS = 100
# The instants an ``outcomeTimestamp`` may name (UTC): a clinician acted on a card this century. Outside
# (9999-12-31 "open-ended", 0001-01-01 "unknown", or a time zone pushing either past the calendar) is 400.
EARLIEST_OUTCOME = datetime(1970, 1, 1, tzinfo=timezone.utc)
LATEST_OUTCOME = datetime(2100, 1, 1, tzinfo=timezone.utc)        # exclusive

# RFC 3339 §5.6 date-time. The time zone is mandatory ("Z" or a numeric offset).
_RFC3339 = re.compile(
    r"(?P<year>\d{4})-(?P<month>\d{2})-(?P<day>\d{2})[Tt]"
    r"(?P<hour>\d{2}):(?P<minute>\d{2}):(?P<second>\d{2})(?:\.(?P<fraction>\d+))?"
    r"(?P<tz>[Zz]|(?P<sign>[+-])(?P<tzh>\d{2}):(?P<tzm>\d{2}))",
    re.ASCII,
)


@dataclass(frozen=True)
class FeedbackItem:
    """One validated feedback entry. ``user_comment`` is free text: never log it (not in repr)."""

    card_uuid: str
    outcome: str                                   # "accepted" | "overridden"
    outcome_timestamp: datetime                    # aware, UTC
    accepted_suggestions: tuple[str, ...] = ()
    override_reason_code: str | None = None
    override_reason_system: str | None = None
    override_reason_display: str | None = None
    user_comment: str | None = field(default=None, repr=False)


def parse_feedback(body: object) -> list[FeedbackItem]:
    """Validate a feedback request body; return one ``FeedbackItem`` per entry, in order."""
    if not isinstance(body, dict):
        raise BadRequest("The feedback request body must be a JSON object.", expression="$")
    entries = body.get("feedback")
    if "feedback" not in body:
        raise BadRequest("'feedback' is required.", expression="feedback")
    if not isinstance(entries, list):
        raise BadRequest("'feedback' must be an array.", expression="feedback")
    if not entries:
        raise BadRequest("'feedback' must not be empty.", expression="feedback")
    if len(entries) > MAX_ITEMS:
        raise BadRequest(f"'feedback' has more than {MAX_ITEMS} entries.", expression="feedback")
    return [_parse_item(entry, f"feedback[{i}]") for i, entry in enumerate(entries)]


def _parse_item(entry: object, where: str) -> FeedbackItem:
    if not isinstance(entry, dict):
        raise BadRequest("Each feedback entry must be an object.", expression=where)

    card = _required_string(entry, "card", where, MAX_ID_LENGTH)

    outcome = entry.get("outcome")
    if outcome is None:
        raise BadRequest("'outcome' is required.", expression=f"{where}.outcome")
    if not isinstance(outcome, str) or outcome not in OUTCOMES:
        raise BadRequest("'outcome' must be 'accepted' or 'overridden'.", expression=f"{where}.outcome")

    suggestions = _accepted_suggestions(entry, where, required=outcome == "accepted")

    code = system = display = comment = None
    if entry.get("overrideReason") is not None:
        code, system, display, comment = _override_reason(entry["overrideReason"], f"{where}.overrideReason")

    raw_ts = entry.get("outcomeTimestamp")
    if raw_ts is None:
        raise BadRequest("'outcomeTimestamp' is required.", expression=f"{where}.outcomeTimestamp")
    timestamp = parse_rfc3339(raw_ts, f"{where}.outcomeTimestamp")

    return FeedbackItem(
        card_uuid=card,
        outcome=outcome,
        outcome_timestamp=timestamp,
        accepted_suggestions=suggestions,
        override_reason_code=code,
        override_reason_system=system,
        override_reason_display=display,
        user_comment=comment,
    )


def _required_string(obj: dict, key: str, where: str, max_len: int) -> str:
    value = obj.get(key)
    path = f"{where}.{key}"
    if value is None:
        raise BadRequest(f"'{key}' is required.", expression=path)
    if not isinstance(value, str) or not value.strip():
        raise BadRequest(f"'{key}' must be a non-empty string.", expression=path)
    if len(value) > max_len:
        raise BadRequest(f"'{key}' is longer than {max_len} characters.", expression=path)
    return value


def _optional_string(obj: dict, key: str, where: str, max_len: int) -> str | None:
    if obj.get(key) is None:
        return None
    return _required_string(obj, key, where, max_len)


def _accepted_suggestions(entry: dict, where: str, *, required: bool) -> tuple[str, ...]:
    path = f"{where}.acceptedSuggestions"
    raw = entry.get("acceptedSuggestions")
    if raw is None:
        if required:
            raise BadRequest("'acceptedSuggestions' is required when outcome is 'accepted'.", expression=path)
        return ()
    if not isinstance(raw, list):
        raise BadRequest("'acceptedSuggestions' must be an array.", expression=path)
    if required and not raw:
        raise BadRequest("'acceptedSuggestions' must not be empty when outcome is 'accepted'.", expression=path)
    if len(raw) > MAX_SUGGESTIONS:
        raise BadRequest(f"'acceptedSuggestions' has more than {MAX_SUGGESTIONS} entries.", expression=path)
    ids: list[str] = []
    for j, suggestion in enumerate(raw):
        if not isinstance(suggestion, dict):
            raise BadRequest("Each accepted suggestion must be an object with an 'id'.", expression=f"{path}[{j}]")
        ids.append(_required_string(suggestion, "id", f"{path}[{j}]", MAX_ID_LENGTH))
    return tuple(ids)


def _override_reason(raw: object, path: str) -> tuple[str | None, str | None, str | None, str | None]:
    if not isinstance(raw, dict):
        raise BadRequest("'overrideReason' must be an object.", expression=path)
    code = system = display = None
    reason = raw.get("reason")
    if reason is not None:
        rpath = f"{path}.reason"
        if not isinstance(reason, dict):
            raise BadRequest("'reason' must be a Coding object.", expression=rpath)
        code = _required_string(reason, "code", rpath, MAX_ID_LENGTH)
        system = _required_string(reason, "system", rpath, MAX_URI_LENGTH)
        display = _optional_string(reason, "display", rpath, MAX_TEXT_LENGTH)   # the Sandbox omits it
    comment = raw.get("userComment")
    if comment is not None:
        if not isinstance(comment, str):
            raise BadRequest("'userComment' must be a string.", expression=f"{path}.userComment")
        if len(comment) > MAX_COMMENT_LENGTH:
            raise BadRequest(
                f"'userComment' is longer than {MAX_COMMENT_LENGTH} characters.", expression=f"{path}.userComment"
            )
        if not comment.strip():
            comment = None
    return code, system, display, comment


def parse_rfc3339(value: object, path: str) -> datetime:
    """Parse an RFC 3339 date-time with a time zone into an aware UTC datetime.

    Fractional seconds beyond microseconds are truncated; a leap second (``:60``) is read
    as the last microsecond of that minute. The instant must lie in
    [``EARLIEST_OUTCOME``, ``LATEST_OUTCOME``) (1970 to 2099, UTC), else 400: never an overflow
    at the calendar's edges (``9999-12-31T23:59:59-14:00`` is beyond year 9999 in UTC).
    """
    if not isinstance(value, str):
        raise BadRequest("Must be an RFC 3339 date-time string.", expression=path)
    m = _RFC3339.fullmatch(value)
    if m is None:
        raise BadRequest(
            "Must be an RFC 3339 date-time with a time zone, e.g. 2021-12-11T10:05:31Z.", expression=path
        )
    second = int(m["second"])
    leap = second == 60
    fraction = m["fraction"] or ""
    micro = int((fraction + "000000")[:6])
    if m["tz"] in ("Z", "z"):
        offset = timedelta(0)
    else:
        hours, minutes = int(m["tzh"]), int(m["tzm"])
        if hours > 23 or minutes > 59:
            raise BadRequest("The time-zone offset is out of range.", expression=path)
        offset = timedelta(hours=hours, minutes=minutes)
        if m["sign"] == "-":
            offset = -offset
    try:
        parsed = datetime(
            int(m["year"]), int(m["month"]), int(m["day"]),
            int(m["hour"]), int(m["minute"]), 59 if leap else second,
            999999 if leap else micro,
            tzinfo=timezone(offset),
        )
    except ValueError:
        raise BadRequest("The date-time is not a valid calendar date and time.", expression=path) from None
    try:
        utc = parsed.astimezone(timezone.utc)
    except OverflowError:       # the offset moves it before year 1 or after year 9999
        utc = None
    if utc is None or not EARLIEST_OUTCOME <= utc < LATEST_OUTCOME:
        raise BadRequest("The date-time must lie between 1970-01-01T00:00:00Z and 2099-12-31T23:59:59Z.",
                         expression=path)
    return utc
