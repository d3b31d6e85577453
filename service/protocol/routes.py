"""The CDS Hooks endpoints (blueprint): discovery, the hook call, feedback; health and readiness.

=========================================  =====================================================
``GET  /cds-services``                       discovery (JWT ``aud`` = ``<public base>/cds-services``;
                                             public when ``NETCDS_PUBLIC_DISCOVERY=true``)
``POST /cds-services/<id>``                  hook call -> ``{"cards": [...]}``: ``net-treatment``
                                             (patient-view), ``net-order-select`` (order-select),
                                             ``net-order-sign`` (order-sign)
``POST /cds-services/<id>/feedback``         feedback -> ``{}``
``OPTIONS`` on each of the above            CORS preflight (``service.protocol.cors``), never authenticated
``GET  /healthz``                            the process is alive
``GET  /readyz``                             knowledge loaded and database reachable, else 503
=========================================  =====================================================

A hook call, in order: JWT (401, same body for every reason) -> service id (404) ->
Content-Type (415) -> size (413, checked on Content-Length before reading, and reading capped)
-> JSON and the CDS Hooks fields (400 naming the element) -> data (412 when required data
cannot be had) -> advice -> 200. Any failure after that is an error response, never
``{"cards": []}``: an empty list means "no advice for this patient", nothing else.

The JWT audience is always the configured public base URL plus the route, never
``request.url`` (reverse proxies change scheme, host and port).
"""
from __future__ import annotations

import logging
import re
import time
from collections import Counter
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from flask import Blueprint, current_app, jsonify, request

from service.ops import logs
from service.ops.metrics import metrics_of
from service.errors import NotFound, PayloadTooLarge, ServiceUnavailable, TooManyRequests, UnsupportedMediaType
from service.protocol.request import HOOK, ORDER_HOOKS, ORDER_SELECT, ORDER_SIGN, hook_request_from_json, load_json
from service.state import NetCds, current_state

logger = logging.getLogger(__name__)

blueprint = Blueprint("hooks", __name__)

SERVICE_ID = "net-treatment"
ORDER_SELECT_ID = "net-order-select"
ORDER_SIGN_ID = "net-order-sign"
USAGE_REQUIREMENTS = (
    "Needs the patient and conditions prefetch, or fhirServer with fhirAuthorization allowing "
    "read of Patient and Condition. Observations, medications and procedures (prefetch or FHIR "
    "read) make the advice complete; without them the cards say which data could not be read."
)


@dataclass(frozen=True)
class ServiceDef:
    """One CDS service of discovery: its id (the path segment), the hook it answers, its words."""

    id: str
    hook: str
    title: str
    description: str


SERVICES: dict[str, ServiceDef] = {s.id: s for s in (
    ServiceDef(SERVICE_ID, HOOK, "Neuroendocrine tumour treatment advice", (
        "Guideline-based treatment and work-up advice for adults with a neuroendocrine neoplasm "
        "(site, grade, Ki-67, SSTR imaging, stage, functional syndrome, prior therapy), with the "
        "evidence behind each recommendation and the data that is missing to decide.")),
    ServiceDef(ORDER_SELECT_ID, ORDER_SELECT, "Neuroendocrine tumour order check (order-select)", (
        "Checks the newly selected draft orders of a patient with a neuroendocrine neoplasm against "
        "the decision table's not-recommended rows and drug-safety boxes (interactions, label doses "
        "and ages, organ function, timing around PRRT and surgery). Silent unless a draft needs action.")),
    ServiceDef(ORDER_SIGN_ID, ORDER_SIGN, "Neuroendocrine tumour order check (order-sign)", (
        "Checks the draft orders about to be signed for a patient with a neuroendocrine neoplasm, as "
        "order-select does, before signature. Silent unless a draft needs action.")),
)}
# Media types accepted for request bodies (charset, if given, must be UTF-8).
JSON_TYPES = frozenset({"application/json", "application/fhir+json"})


def _state() -> NetCds:
    return current_state()


def _authenticate(path: str) -> Any:
    """Verify the client JWT for the endpoint at ``<public base URL><path>``."""
    state = _state()
    return state.verifier.verify(request.headers.get("Authorization"), state.settings.public_base_url + path)


def _known_service(service_id: str) -> ServiceDef:
    service = SERVICES.get(service_id)
    if service is None:
        raise NotFound("No CDS service with this id.")
    return service


def read_json_body(max_bytes: int) -> Any:
    """The request body as JSON: 415 for another media type, 413 over ``max_bytes``, 400 if malformed."""
    if request.mimetype not in JSON_TYPES:
        raise UnsupportedMediaType()
    charset = request.mimetype_params.get("charset")
    if charset and charset.lower() not in ("utf-8", "utf8"):
        raise UnsupportedMediaType("Content-Type charset must be utf-8.")
    length = request.content_length
    if length is not None:
        if length > max_bytes:
            raise PayloadTooLarge()
        # Known length (the usual case): one read (werkzeug stops at Content-Length) into one
        # bytes object, no chunk list, no join, not kept on the request.
        return load_json(request.get_data(cache=False))
    chunks: list[bytes] = []
    total = 0
    stream = request.stream
    while True:
        chunk = stream.read(min(65536, max_bytes + 1 - total))
        if not chunk:
            break
        chunks.append(chunk)
        total += len(chunk)
        if total > max_bytes:
            raise PayloadTooLarge()
    return load_json(b"".join(chunks))


_LOGGABLE_ID = re.compile(r"[A-Za-z0-9._:-]{1,128}")


def _bind_hook_instance(data: Any) -> None:
    """Put the hookInstance in the log context as early as possible (even for a request we reject)."""
    if isinstance(data, dict):
        value = data.get("hookInstance")
        # Client-chosen text goes into every log line: only id-like values (a UUID in practice).
        if isinstance(value, str) and _LOGGABLE_ID.fullmatch(value) and not logs.looks_secret(value):
            logs.bind(hook_instance=value)


# ---------------------------------------------------------------------- discovery


@blueprint.get("/cds-services")
def discovery():
    state = _state()
    if not state.settings.public_discovery:
        _authenticate("/cds-services")
    services = [{
        "hook": service.hook,
        "id": service.id,
        "title": service.title,
        "description": service.description,
        "prefetch": state.prefetch_templates,
        "usageRequirements": USAGE_REQUIREMENTS,
    } for service in SERVICES.values()]
    return jsonify({"services": services})


# ---------------------------------------------------------------------- the hook call


ADMISSION_WAIT_SECONDS = 0.25   # a slot freed within this wait is taken (smooths micro-bursts); then 429


@blueprint.post("/cds-services/<service_id>")
def call_service(service_id: str):
    state = _state()
    # Admission first: over capacity costs a 429 (with Retry-After) before any signature check,
    # database insert or body read, and leaves the caller's token unused for the retry.
    if not state.in_flight.acquire(timeout=ADMISSION_WAIT_SECONDS):
        raise TooManyRequests()
    try:
        started_auth = time.perf_counter()
        claims = _authenticate(f"/cds-services/{service_id}")
        auth_seconds = time.perf_counter() - started_auth
        service = _known_service(service_id)
        logs.bind(service_id=service_id)
        return _answer(state, service, auth_seconds, claims)
    finally:
        state.in_flight.release()


def _answer(state, service: ServiceDef, auth_seconds: float, claims: Any = None):
    from service.pipeline import advise, advise_orders

    service_id = service.id
    metrics = metrics_of(current_app)
    data = read_json_body(state.settings.max_body_bytes)
    _bind_hook_instance(data)
    hook_request = hook_request_from_json(data, hook=service.hook,
                                          max_prefetch_resources=state.settings.max_prefetch_resources)

    started = time.monotonic()
    deadline = started + state.settings.hook_deadline_seconds
    stats: Counter = Counter()
    try:
        record = _gather(state, hook_request, deadline, stats)
    finally:
        metrics.fhir_calls(stats)
    timings: dict[str, float] = {"auth": auth_seconds, "data": time.monotonic() - started}
    if service.hook in ORDER_HOOKS:
        cards = advise_orders(
            record,
            hook_request.draft_orders,
            selections=hook_request.selections or None,
            as_of=_as_of(state.clock()),
            knowledge=state.knowledge,
            terminology=state.terminology,
            uuid_factory=state.uuid_factory,
            timings=timings,
        )
    else:
        cards = advise(
            record,
            as_of=_as_of(state.clock()),
            knowledge=state.knowledge,
            terminology=state.terminology,
            uuid_factory=state.uuid_factory,
            timings=timings,
        )
    if not isinstance(cards, list) or not all(isinstance(card, dict) for card in cards):
        raise TypeError("the pipeline returned something other than a list of cards")
    metrics.observe_stages(timings)
    metrics.count_cards(cards)
    state.issued.submit(cards, service_id=service_id, hook_instance=hook_request.hook_instance,
                        iss=getattr(claims, "iss", None),
                        tenant=getattr(claims, "tenant", None) or hook_request.fhir_server)

    # No line of its own: these fields ride on the request's one access line (service.app
    # ``_finish``), so a hook call costs one formatted, written and flushed log record.
    if logger.isEnabledFor(logging.INFO):
        _annotate_access_line(state, claims, cards, record, timings)
    return jsonify({"cards": cards})


def _annotate_access_line(state, claims: Any, cards: list[dict], record: Any, timings: dict[str, float]) -> None:
    """What a hook call adds to its access line: caller, cards (uuids, rule ids), data sources,
    timings, knowledge version. Ids and codes only, never patient data."""
    logs.annotate_request({
        "iss": getattr(claims, "iss", None),
        "tenant": getattr(claims, "tenant", None),
        "card_count": len(cards),
        "card_uuids": [card.get("uuid") for card in cards],
        "rule_ids": _rule_ids(cards),
        "knowledge_version": getattr(state.knowledge, "version", None),
        "data_sources": dict(getattr(record, "sources", {}) or {}),
        "unavailable": sorted(getattr(record, "unavailable", ()) or ()),
        "incomplete": sorted(getattr(record, "incomplete", ()) or ()),
        "timings_ms": {k: round(v * 1000, 1) for k, v in timings.items()},
    })


def _rule_ids(cards: list[dict]) -> list[str]:
    """The decision-table rows behind the cards (``extension["net-cds"]["rules"]``), sorted, once each."""
    ids: set[str] = set()
    for card in cards:
        ext = card.get("extension")
        net = ext.get("net-cds") if isinstance(ext, dict) else None
        rules = net.get("rules") if isinstance(net, dict) else None
        if isinstance(rules, list):
            ids.update(r for r in rules if isinstance(r, str))
    return sorted(ids)


def _gather(state, hook_request, deadline: float, stats: Counter):
    """The data stage: prefetch, then the EHR's FHIR server for what is missing (412 if required data is not had)."""
    from service.data.fhir_client import FhirClient
    from service.data.prefetch import gather

    client = FhirClient.for_request(hook_request, state.fhir_policy, session=state.fhir_session)
    try:
        return gather(hook_request, client=client, templates=state.prefetch_templates, deadline=deadline,
                      stats=stats, max_resources=state.settings.max_prefetch_resources)
    finally:
        if client is not None:
            stats.update(client.stats)


def _as_of(now: datetime | date) -> date:
    return now.date() if isinstance(now, datetime) else now


# ---------------------------------------------------------------------- feedback


@blueprint.post("/cds-services/<service_id>/feedback")
def feedback(service_id: str):
    """Feedback: kept only for cards this service issued (to this issuer, within 30 days), at most
    ``MAX_FEEDBACK_PER_CARD`` items per card (404 / 409 otherwise, nothing stored); under the same
    admission control as hook calls (a slot of ``NETCDS_MAX_IN_FLIGHT`` before the JWT or the body)."""
    state = _state()
    if not state.in_flight.acquire(timeout=ADMISSION_WAIT_SECONDS):
        raise TooManyRequests()
    try:
        return _store_feedback(state, service_id)
    finally:
        state.in_flight.release()


def _store_feedback(state, service_id: str):
    from service.errors import CardNotIssued
    from service.feedback.api import parse_feedback
    from service.feedback.store import MAX_FEEDBACK_PER_CARD

    claims = _authenticate(f"/cds-services/{service_id}/feedback")
    _known_service(service_id)
    logs.bind(service_id=service_id)
    data = read_json_body(state.settings.max_body_bytes)
    items = parse_feedback(data)

    def record() -> int:
        return state.feedback_store.record(
            service_id, items, iss=getattr(claims, "iss", None), tenant=getattr(claims, "tenant", None),
            issued_only=True, max_per_card=MAX_FEEDBACK_PER_CARD)

    try:
        stored = record()
    except CardNotIssued:
        # Cards are registered off the request path (batches every 0.2 s): a card this worker has
        # just issued may not be written yet. Write them now and look once more.
        if not state.issued.busy or not state.issued.flush(timeout=1.0):
            raise
        stored = record()
    logger.info("feedback stored", extra={
        "feedback_count": len(items),
        "feedback_new": stored,
        "card_uuids": sorted({item.card_uuid for item in items}),
    })
    return jsonify({})


# ---------------------------------------------------------------------- health


@blueprint.get("/healthz")
def healthz():
    return jsonify({"status": "ok"})


@blueprint.get("/readyz")
def readyz():
    state = _state()
    if state.knowledge is None:
        raise ServiceUnavailable("Knowledge not loaded.")
    try:
        reachable = bool(state.feedback_store.ping())
    except Exception:  # noqa: BLE001 - any failure to reach the database means "not ready"
        logger.warning("readiness: database check raised", exc_info=True)
        reachable = False
    if not reachable:
        raise ServiceUnavailable("Database unreachable.")
    return jsonify({"status": "ready", "knowledgeVersion": getattr(state.knowledge, "version", None)})
