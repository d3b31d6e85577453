"""The hook request body (CDS Hooks 2.0 §Calling a CDS Service) -> ``HookRequest``.

Three hooks: ``patient-view`` (context ``userId``, ``patientId``, ``encounterId``), ``order-select``
(also ``selections`` and ``draftOrders``) and ``order-sign`` (also ``draftOrders``), per the CDS Hooks
library (hookVersion 1.0). ``draftOrders`` is a Bundle of draft orders; the ones this service reads
(MedicationRequest, ServiceRequest) must carry an id (suggestions delete them by it) and, if they name
a subject, the patient in context. Other order types (NutritionOrder, VisionPrescription ...) are
accepted and left alone.

``parse_hook_request(body)`` accepts the raw body (bytes or str) or already-parsed JSON and
raises :class:`service.errors.BadRequest` with ``expression`` naming the offending element
(``hook``, ``context.patientId``, ``fhirAuthorization.access_token`` ...). Messages name the
problem, never echo the value (it may be patient data or a token).

JSON is read strictly (``service/strict_json.py``, the one reader shared with JWTs and FHIR server
answers; orjson, fast): duplicate keys, ``NaN``/``Infinity``, numbers beyond a double (a
5,000-digit integer), invalid UTF-8, lone surrogates and nesting deeper than :data:`MAX_DEPTH` are
rejected as 400 rather than guessed at or crashed on, in time linear in the body and without a
Python-level walk of it.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any, Mapping
from urllib.parse import urlsplit


from service import strict_json
from service.errors import BadRequest, PayloadTooLarge

HOOK = "patient-view"
ORDER_SELECT = "order-select"
ORDER_SIGN = "order-sign"
HOOKS = (HOOK, ORDER_SELECT, ORDER_SIGN)
ORDER_HOOKS = frozenset({ORDER_SELECT, ORDER_SIGN})
#: Draft order types the checks read; other entries of ``draftOrders`` are accepted and ignored.
READ_ORDER_TYPES = frozenset({"MedicationRequest", "ServiceRequest"})
MAX_DRAFT_ORDERS = 200
MAX_DEPTH = strict_json.MAX_DEPTH
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
    # order hooks: the draft orders this service reads (MedicationRequest / ServiceRequest resources, as
    # sent) and, for order-select, the references of the newly selected ones ("MedicationRequest/<id>")
    draft_orders: tuple[Mapping[str, Any], ...] = field(default=(), repr=False)
    selections: tuple[str, ...] = ()

    @property
    def user_type(self) -> str:
        return self.user_id.split("/", 1)[0]


# ---------------------------------------------------------------------- JSON


def load_json(body: bytes | bytearray | memoryview | str) -> Any:
    """Parse a request body strictly (:func:`service.strict_json.loads`); any problem is a 400
    ``BadRequest`` naming it (a duplicated key, truncated, as ``expression``)."""
    try:
        return strict_json.loads(body)
    except strict_json.JsonError as exc:
        message = ("Request body is empty; a JSON object is required." if exc.message == strict_json.EMPTY
                   else exc.message.replace("The JSON text", "Request body"))
        raise BadRequest(message, expression=exc.key) from None


# ---------------------------------------------------------------------- the request


def parse_hook_request(body: bytes | str | Mapping[str, Any], *, hook: str = HOOK) -> HookRequest:
    """Parse a raw body (bytes/str) or an already-decoded JSON object into a ``HookRequest``."""
    data = body if isinstance(body, Mapping) else load_json(body)
    return hook_request_from_json(data, hook=hook)


DEFAULT_MAX_PREFETCH_RESOURCES = 5_000


def hook_request_from_json(data: Any, *, hook: str = HOOK,
                           max_prefetch_resources: int = DEFAULT_MAX_PREFETCH_RESOURCES) -> HookRequest:
    """Validate decoded JSON (any value) as a request for the service answering ``hook``.

    More than ``max_prefetch_resources`` prefetched resources (Bundle entries, plus single
    resources, plus draft orders) is a 413 ``PayloadTooLarge``: the answer would not fit the hook
    deadline.
    """
    if not isinstance(data, Mapping):
        raise BadRequest("The request body must be a JSON object.")

    expected = hook
    hook = _required_string(data, "hook", "hook")
    if hook != expected:
        raise BadRequest(f"This service answers the {expected} hook only.", expression="hook")
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
    resources = 0
    for key, value in prefetch.items():
        if value is not None and not isinstance(value, Mapping):
            raise BadRequest("A prefetch value must be a FHIR resource or null.", expression=f"prefetch.{key}")
        if value is not None:
            entries = value.get("entry")
            resources += len(entries) if isinstance(entries, list) else 1
    if resources > max_prefetch_resources:
        raise PayloadTooLarge(f"The prefetch holds more than {max_prefetch_resources} resources.",
                              expression="prefetch")

    extension = data.get("extension", {})
    if not isinstance(extension, Mapping):
        raise BadRequest("extension must be an object.", expression="extension")

    draft_orders: tuple[Mapping[str, Any], ...] = ()
    selections: tuple[str, ...] = ()
    if hook in ORDER_HOOKS:
        draft_orders, all_drafts = _draft_orders(context, patient_id)
        if resources + len(all_drafts) > max_prefetch_resources:
            raise PayloadTooLarge(f"The prefetch and draft orders hold more than {max_prefetch_resources} resources.",
                                  expression="context.draftOrders")
        if hook == ORDER_SELECT:
            selections = _selections(context, all_drafts)

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
        draft_orders=draft_orders,
        selections=selections,
    )


def _draft_orders(context: Mapping[str, Any], patient_id: str) -> tuple[tuple[Mapping[str, Any], ...], set[str]]:
    """``context.draftOrders``: (the orders this service reads, the references of every draft)."""
    where = "context.draftOrders"
    bundle = context.get("draftOrders")
    if bundle is None:
        raise BadRequest(f"{where} is required.", expression=where)
    if not isinstance(bundle, Mapping) or bundle.get("resourceType") != "Bundle":
        raise BadRequest(f"{where} must be a FHIR Bundle.", expression=where)
    entries = bundle.get("entry", [])
    if entries is None:
        entries = []
    if not isinstance(entries, list):
        raise BadRequest(f"{where}.entry must be an array.", expression=f"{where}.entry")
    if len(entries) > MAX_DRAFT_ORDERS:
        raise PayloadTooLarge(f"{where} holds more than {MAX_DRAFT_ORDERS} orders.", expression=f"{where}.entry")
    read: list[Mapping[str, Any]] = []
    references: set[str] = set()
    for index, entry in enumerate(entries):
        at = f"{where}.entry[{index}]"
        if not isinstance(entry, Mapping):
            raise BadRequest(f"{at} must be an object.", expression=at)
        resource = entry.get("resource")
        if not isinstance(resource, Mapping):
            raise BadRequest(f"{at}.resource must be a FHIR resource.", expression=f"{at}.resource")
        resource_type = resource.get("resourceType")
        if not isinstance(resource_type, str) or not resource_type:
            raise BadRequest(f"{at}.resource.resourceType is required.", expression=f"{at}.resource.resourceType")
        resource_id = resource.get("id")
        if resource_id is not None and (not isinstance(resource_id, str) or not _FHIR_ID.fullmatch(resource_id)):
            raise BadRequest(f"{at}.resource.id must be a FHIR id.", expression=f"{at}.resource.id")
        if resource_id is not None:
            reference = f"{resource_type}/{resource_id}"
            if reference in references:
                raise BadRequest(f"{at}.resource: two draft orders share the id.", expression=f"{at}.resource.id")
            references.add(reference)
        if resource_type not in READ_ORDER_TYPES:
            continue
        if resource_id is None:
            raise BadRequest(f"{at}.resource.id is required (suggestions refer to the draft by it).",
                             expression=f"{at}.resource.id")
        subject = resource.get("subject")
        if subject is not None:
            ref = subject.get("reference") if isinstance(subject, Mapping) else None
            if not isinstance(ref, str) or ref.rsplit("/", 2)[-2:] != ["Patient", patient_id]:
                raise BadRequest(f"{at}.resource.subject must be the patient in context.",
                                 expression=f"{at}.resource.subject")
        read.append(resource)
    return tuple(read), references


def _selections(context: Mapping[str, Any], drafts: set[str]) -> tuple[str, ...]:
    """``context.selections`` (order-select): 1..* references, each to an order in ``draftOrders``."""
    where = "context.selections"
    selections = context.get("selections")
    if selections is None:
        raise BadRequest(f"{where} is required.", expression=where)
    if not isinstance(selections, list) or not selections:
        raise BadRequest(f"{where} must be a non-empty array.", expression=where)
    for index, value in enumerate(selections):
        if not isinstance(value, str) or value not in drafts:
            raise BadRequest(f"{where}[{index}] must name an order in context.draftOrders (Type/id).",
                             expression=f"{where}[{index}]")
    return tuple(dict.fromkeys(selections))


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
