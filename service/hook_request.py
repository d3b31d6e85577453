"""The hook request body (CDS Hooks 2.0 §Calling a CDS Service; patient-view context) -> ``HookRequest``.

``parse_hook_request(body)`` accepts the raw body (bytes or str) or already-parsed JSON and
raises :class:`service.errors.BadRequest` with ``expression`` naming the offending element
(``hook``, ``context.patientId``, ``fhirAuthorization.access_token`` ...). Messages name the
problem, never echo the value (it may be patient data or a token).

JSON is read strictly: duplicate keys, ``NaN``/``Infinity``, invalid UTF-8 and nesting deeper
than :data:`MAX_DEPTH` are rejected as 400 rather than guessed at or crashed on.
"""
from __future__ import annotations

import json
import re
from itertools import accumulate
from dataclasses import dataclass, field
from typing import Any, Mapping
from urllib.parse import urlsplit

from service.errors import BadRequest

HOOK = "patient-view"
MAX_DEPTH = 100
USER_TYPES = ("Practitioner", "PractitionerRole", "Patient", "RelatedPerson")

_FHIR_ID = re.compile(r"[A-Za-z0-9\-.]{1,64}")
_USER_ID = re.compile(rf"({'|'.join(USER_TYPES)})/([A-Za-z0-9\-.]{{1,64}})")
_MAX_HOOK_INSTANCE = 256


class FhirAuthorization(dict):
    """``fhirAuthorization`` (§5) as a dict of its fields (``access_token``, ``token_type``,
    ``expires_in``, ``scope``, ``subject``, ``patient``; absent ones omitted).

    The token is transient: never logged, never stored. ``repr``/``str`` mask it.
    """

    @property
    def access_token(self) -> str:
        return self["access_token"]

    @property
    def header(self) -> str:
        """The ``Authorization`` header value for calls to ``fhirServer``."""
        return f"Bearer {self['access_token']}"

    def __repr__(self) -> str:
        shown = {k: ("***" if k == "access_token" else v) for k, v in self.items()}
        return f"FhirAuthorization({shown!r})"

    __str__ = __repr__


@dataclass(frozen=True, slots=True)
class HookRequest:
    hook: str
    hook_instance: str
    user_id: str
    patient_id: str                                   # bare id (a stray "Patient/" prefix is removed)
    encounter_id: str | None = None
    fhir_server: str | None = None                    # base URL, no trailing slash
    fhir_authorization: FhirAuthorization | None = None
    prefetch: Mapping[str, Any] = field(default_factory=dict, repr=False)   # key -> resource | None
    extension: Mapping[str, Any] = field(default_factory=dict, repr=False)
    context: Mapping[str, Any] = field(default_factory=dict, repr=False)

    @property
    def user_type(self) -> str:
        return self.user_id.split("/", 1)[0]


# ---------------------------------------------------------------------- JSON


def load_json(body: bytes | str) -> Any:
    """Parse a request body strictly; any problem is a 400 ``BadRequest``."""
    if isinstance(body, (bytes, bytearray)):
        try:
            text = bytes(body).decode("utf-8")
        except UnicodeDecodeError:
            raise BadRequest("Request body is not valid UTF-8.") from None
    else:
        text = body
    if text.startswith("\ufeff"):
        text = text[1:]
    if not text.strip():
        raise BadRequest("Request body is empty; a JSON object is required.")
    if _too_deep(text):
        raise BadRequest(f"JSON is nested deeper than {MAX_DEPTH} levels.")
    try:
        return json.loads(text, object_pairs_hook=_no_duplicates, parse_constant=_no_constant)
    except BadRequest:
        raise
    except RecursionError:
        raise BadRequest(f"JSON is nested deeper than {MAX_DEPTH} levels.") from None
    except json.JSONDecodeError as exc:
        raise BadRequest(f"Malformed JSON at line {exc.lineno} column {exc.colno}: {exc.msg}.") from None


def _no_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in pairs:
        if key in out:
            raise BadRequest("Duplicate key in JSON object.", expression=key)
        out[key] = value
    return out


def _no_constant(name: str) -> Any:
    raise BadRequest(f"{name} is not valid JSON.")


_STRING = re.compile(r'"[^"\\]*(?:\\.[^"\\]*)*"')
_NOT_BRACKET = re.compile(r"[^\[\]{}]+")
_STEP = {"[": 1, "{": 1, "]": -1, "}": -1}


def _too_deep(text: str) -> bool:
    """Bracket-depth scan outside strings, so deep nesting never reaches the parser."""
    if text.count("[") + text.count("{") <= MAX_DEPTH:
        return False
    brackets = _NOT_BRACKET.sub("", _STRING.sub("", text))
    return max(accumulate(map(_STEP.__getitem__, brackets)), default=0) > MAX_DEPTH


# ---------------------------------------------------------------------- the request


def parse_hook_request(body: bytes | str | Mapping[str, Any]) -> HookRequest:
    """Parse a raw body (bytes/str) or an already-decoded JSON object into a ``HookRequest``."""
    data = body if isinstance(body, Mapping) else load_json(body)
    return hook_request_from_json(data)


def hook_request_from_json(data: Any) -> HookRequest:
    """Validate decoded JSON (any value) as a patient-view hook request."""
    if not isinstance(data, Mapping):
        raise BadRequest("The request body must be a JSON object.")

    hook = _required_string(data, "hook", "hook")
    if hook != HOOK:
        raise BadRequest(f"This service answers the {HOOK} hook only.", expression="hook")
    hook_instance = _required_string(data, "hookInstance", "hookInstance")
    if len(hook_instance) > _MAX_HOOK_INSTANCE:
        raise BadRequest("hookInstance is too long.", expression="hookInstance")

    fhir_server = _fhir_server(data)
    fhir_authorization = _fhir_authorization(data, fhir_server)

    context = data.get("context")
    if context is None:
        raise BadRequest("context is required.", expression="context")
    if not isinstance(context, Mapping):
        raise BadRequest("context must be an object.", expression="context")

    user_id = _required_string(context, "userId", "context.userId")
    if not _USER_ID.fullmatch(user_id):
        raise BadRequest(
            "context.userId must be a reference of the form "
            "Practitioner/<id>, PractitionerRole/<id>, Patient/<id> or RelatedPerson/<id>.",
            expression="context.userId",
        )
    patient_id = _required_string(context, "patientId", "context.patientId")
    if patient_id.startswith("Patient/"):
        patient_id = patient_id[len("Patient/"):]
    if not _FHIR_ID.fullmatch(patient_id):
        raise BadRequest("context.patientId must be a FHIR id.", expression="context.patientId")
    encounter_id = _optional_string(context, "encounterId", "context.encounterId")
    if encounter_id is not None:
        if encounter_id.startswith("Encounter/"):
            encounter_id = encounter_id[len("Encounter/"):]
        if not _FHIR_ID.fullmatch(encounter_id):
            raise BadRequest("context.encounterId must be a FHIR id.", expression="context.encounterId")

    prefetch = data.get("prefetch", {})
    if prefetch is None:
        prefetch = {}
    if not isinstance(prefetch, Mapping):
        raise BadRequest("prefetch must be an object.", expression="prefetch")
    for key, value in prefetch.items():
        if value is not None and not isinstance(value, Mapping):
            raise BadRequest("A prefetch value must be a FHIR resource or null.", expression=f"prefetch.{key}")

    extension = data.get("extension", {})
    if not isinstance(extension, Mapping):
        raise BadRequest("extension must be an object.", expression="extension")

    return HookRequest(
        hook=hook,
        hook_instance=hook_instance,
        user_id=user_id,
        patient_id=patient_id,
        encounter_id=encounter_id,
        fhir_server=fhir_server,
        fhir_authorization=fhir_authorization,
        prefetch=dict(prefetch),
        extension=dict(extension),
        context={**context, "patientId": patient_id},
    )


def _required_string(obj: Mapping[str, Any], key: str, expression: str) -> str:
    if key not in obj or obj[key] is None:
        raise BadRequest(f"{expression} is required.", expression=expression)
    value = obj[key]
    if not isinstance(value, str):
        raise BadRequest(f"{expression} must be a string.", expression=expression)
    if not value.strip():
        raise BadRequest(f"{expression} must not be empty.", expression=expression)
    return value


def _optional_string(obj: Mapping[str, Any], key: str, expression: str) -> str | None:
    if obj.get(key) is None:
        return None
    return _required_string(obj, key, expression)


def _fhir_server(data: Mapping[str, Any]) -> str | None:
    value = _optional_string(data, "fhirServer", "fhirServer")
    if value is None:
        return None
    parts = urlsplit(value)
    if parts.scheme not in ("http", "https") or not parts.netloc or parts.query or parts.fragment \
            or "@" in parts.netloc:
        raise BadRequest("fhirServer must be an absolute http(s) base URL.", expression="fhirServer")
    return value.rstrip("/")


def _fhir_authorization(data: Mapping[str, Any], fhir_server: str | None) -> FhirAuthorization | None:
    auth = data.get("fhirAuthorization")
    if auth is None:
        return None
    if fhir_server is None:
        raise BadRequest("fhirAuthorization requires fhirServer.", expression="fhirServer")
    if not isinstance(auth, Mapping):
        raise BadRequest("fhirAuthorization must be an object.", expression="fhirAuthorization")
    token = _required_string(auth, "access_token", "fhirAuthorization.access_token")
    token_type = _required_string(auth, "token_type", "fhirAuthorization.token_type")
    if token_type.lower() != "bearer":
        raise BadRequest("fhirAuthorization.token_type must be Bearer.", expression="fhirAuthorization.token_type")
    expires_in = auth.get("expires_in")
    if expires_in is not None and (isinstance(expires_in, bool) or not isinstance(expires_in, int)):
        raise BadRequest("fhirAuthorization.expires_in must be an integer.", expression="fhirAuthorization.expires_in")
    fields = {
        "access_token": token,
        "token_type": "Bearer",
        "expires_in": expires_in,
        "scope": _optional_string(auth, "scope", "fhirAuthorization.scope"),
        "subject": _optional_string(auth, "subject", "fhirAuthorization.subject"),
        "patient": _optional_string(auth, "patient", "fhirAuthorization.patient"),
    }
    return FhirAuthorization({k: v for k, v in fields.items() if v is not None})
