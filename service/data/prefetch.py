"""The data stage: prefetch templates (discovery) and their resolution into a PatientRecord.

Discovery declares one prefetch template per data category (``docs/architecture.md``, keys
table). On a hook call each key is resolved by the CDS Hooks decision table
(``§Prefetch Template``):

=========================  =================================================================
what arrives for key K     what we do
=========================  =================================================================
absent                     fetch it from ``fhirServer`` if there is a usable client; else the
                           category is unavailable (a required one -> 412)
``null``                   no data; never re-queried
searchset Bundle           entries in search mode ``match`` (or no mode) of the expected type;
                           0 entries = no data; a ``next`` link is followed with the client
                           (same base URL only, bounded), else the category is incomplete
the resource (a read)      used if it is the context patient's
OperationOutcome, or a     the client hit an error: re-queried from ``fhirServer`` if there is
Bundle of only those       a usable client, else unavailable (a required one -> 412)
anything else              treated like an OperationOutcome (malformed prefetch)
=========================  =================================================================

Every FHIR call runs in a thread pool under one overall deadline. Only resources of the
expected type that belong to the context patient are kept (others are dropped and counted),
de-duplicated by type/id. Logs name the key and the failure kind, never bodies or ids.
"""
from __future__ import annotations

import logging
import re
import time
from collections import Counter
from collections.abc import Mapping
from concurrent.futures import Executor, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass, field
from typing import Protocol
from urllib.parse import quote

from service.ops import logs
from service.errors import FhirAccessError, PayloadTooLarge, PreconditionFailed
from service.data.fhir_client import FhirClient, bundle_entries, next_link
from service.data.records import CATEGORIES, REQUIRED_CATEGORIES, PatientRecord

log = logging.getLogger(__name__)

DEFAULT_DEADLINE_SECONDS = 0.9
OBSERVATION_COUNT = 500
#: Pathology and imaging reports asked for (newest first): enough for years of staging scans and biopsies.
REPORT_COUNT = 50
#: Report attachments (``presentedForm.url``) fetched from the FHIR server per call, and the cap on each
#: (the Binary's JSON, base64 included); larger or further attachments are named as unread on a card.
ATTACHMENT_FETCHES = 10
ATTACHMENT_MAX_BYTES = 512 * 1024
#: Attachment types the picture reads as text; a url of another type (PDF, RTF, images) is not fetched.
TEXT_ATTACHMENT_TYPES = ("text/plain", "text/html")

#: key -> template, for every key but ``observations`` (whose code list comes from terminology).
_FIXED_TEMPLATES = {
    "patient": "Patient/{{context.patientId}}",
    "conditions": "Condition?patient={{context.patientId}}",
    "medicationRequests": "MedicationRequest?patient={{context.patientId}}",
    "medicationStatements": "MedicationStatement?patient={{context.patientId}}",
    "medicationAdministrations": "MedicationAdministration?patient={{context.patientId}}",
    "procedures": "Procedure?patient={{context.patientId}}",
}

#: Types kept from a key's ``_include`` entries (``search.mode = include``) beside its own type.
_INCLUDE_TYPES = {"diagnosticReports": ("Observation",), "medicationRequests": ("Medication",),
                  "medicationStatements": ("Medication",), "medicationAdministrations": ("Medication",)}
#: Included types that belong to no patient (a Medication is a product): kept without the patient check.
_UNOWNED_TYPES = frozenset({"Medication"})
#: Added to the query when the service itself searches the FHIR server (not part of the discovery
#: template: ``_include`` is outside the CDS Hooks query subset an EHR is expected to honour).
_FALLBACK_SUFFIX = {"diagnosticReports": "&_include=DiagnosticReport:result",
                    "medicationRequests": "&_include=MedicationRequest:medication",
                    "medicationStatements": "&_include=MedicationStatement:medication",
                    "medicationAdministrations": "&_include=MedicationAdministration:medication"}
_BINARY_REF = re.compile(r"^Binary/[A-Za-z0-9\-.]{1,64}$")

_TOKEN = re.compile(r"\{\{\s{0,8}([A-Za-z][A-Za-z0-9_.]{0,63})\s{0,8}\}\}")
_USER_TOKENS = {
    "userPractitionerId": "Practitioner",
    "userPractitionerRoleId": "PractitionerRole",
    "userPatientId": "Patient",
    "userRelatedPersonId": "RelatedPerson",
}
_QUERY_SAFE = ":/|,"


class ObservationCodes(Protocol):
    def observation_codes(self) -> list[str]: ...


def _token_list(items: list[str]) -> str:
    out = []
    for item in sorted(set(items)):
        system, sep, code = item.partition("|")
        if not sep or not code:
            raise ValueError("codes must be 'system|code'")
        out.append(f"{_escape_token_value(system)}|{_escape_token_value(code)}")
    return ",".join(out)


# --------------------------------------------------------------------------- discovery


def _escape_token_value(value: str) -> str:
    """A ``system|code`` half escaped for a FHIR token search value, then for a URL query."""
    escaped = value.replace("\\", "\\\\").replace(",", "\\,").replace("|", "\\|").replace("$", "\\$")
    return quote(escaped, safe=":/\\")


def discovery_prefetch(terminology: ObservationCodes) -> dict[str, str]:
    """The ``prefetch`` object of our discovery entry: key -> R4 template (build once at start-up).

    Templates stay inside the CDS Hooks query subset: reads, type searches on ``patient``, token
    ``code``/``category`` equality (an OR list of ``system|code``), ``_sort=-date`` and ``_count``.
    DiagnosticReports are asked for by the pathology and imaging categories the terminology lists
    (``report_category``; all of them when it lists none), newest first, at most ``REPORT_COUNT``.
    """
    codes = _token_list(list(terminology.observation_codes()))
    observations = "Observation?patient={{context.patientId}}"
    if codes:
        observations += "&code=" + codes
    observations += f"&_sort=-date&_count={OBSERVATION_COUNT}"
    report_categories = getattr(terminology, "report_categories", None)
    categories = _token_list(list(report_categories())) if callable(report_categories) else ""
    reports = "DiagnosticReport?patient={{context.patientId}}"
    if categories:
        reports += "&category=" + categories
    reports += f"&_sort=-date&_count={REPORT_COUNT}"
    templates = {
        "patient": _FIXED_TEMPLATES["patient"],
        "conditions": _FIXED_TEMPLATES["conditions"],
        "observations": observations,
        "diagnosticReports": reports,
        **{k: v for k, v in _FIXED_TEMPLATES.items() if k not in ("patient", "conditions")},
    }
    return {key: templates[key] for key in CATEGORIES}


# --------------------------------------------------------------------------- templates


class TemplateError(ValueError):
    """A template token this hook call cannot fill (e.g. no such context field)."""


def instantiate(template: str, hook_request) -> str:
    """Fill ``{{context.X}}`` and the four user tokens; values are URL-encoded."""
    def value_of(name: str) -> str:
        if name.startswith("context."):
            field_name = name[len("context."):]
            if "." in field_name or not field_name:
                raise TemplateError("only root-level context fields are tokens")
            value = _context_value(hook_request, field_name)
        elif name in _USER_TOKENS:
            user = getattr(hook_request, "user_id", None) or _context_value(hook_request, "userId")
            rtype, _, rid = (user or "").partition("/")
            value = rid if rtype == _USER_TOKENS[name] and rid else None
        else:
            raise TemplateError("unknown prefetch token")
        if value is None or isinstance(value, (dict, list)) or value == "":
            raise TemplateError("prefetch token has no value in this context")
        if isinstance(value, bool):
            value = "true" if value else "false"
        return quote(str(value), safe="")

    return _TOKEN.sub(lambda m: value_of(m.group(1)), template)


def _context_value(hook_request, name: str):
    if name == "patientId":
        value = getattr(hook_request, "patient_id", None)
        if value is not None:
            return value
    if name == "userId":
        value = getattr(hook_request, "user_id", None)
        if value is not None:
            return value
    context = getattr(hook_request, "context", None)
    if isinstance(context, Mapping):
        return context.get(name)
    return None


def _shape(template: str) -> tuple[str, bool]:
    """(resource type, is_read) of a template."""
    path, _, _ = template.partition("?")
    rtype = path.split("/", 1)[0]
    return rtype, "?" not in template and "/" in path


# --------------------------------------------------------------------------- resolution


@dataclass(slots=True)
class _Key:
    key: str
    rtype: str
    is_read: bool
    template: str
    source: str = "unavailable"           # prefetch | fhir | null | unavailable
    resources: list[dict] = field(default_factory=list)
    incomplete: bool = False
    pending_bundle: dict | None = None    # prefetched Bundle whose next link is to be followed
    needs_fetch: bool = False
    reason: str = ""
    include_types: tuple[str, ...] = ()   # types of ``_include``d entries kept beside ``rtype``


def _belongs_to(resource: dict, rtype: str, patient_id: str, plain_ref: str | None = None) -> bool:
    """Is ``resource`` of type ``rtype`` and the context patient's? ``plain_ref`` = ``"Patient/<id>"``
    (precomputed once per call: the common exact match costs one string comparison)."""
    if resource.get("resourceType") != rtype:
        return False
    if rtype == "Patient":
        return resource.get("id") == patient_id
    exact = plain_ref or f"Patient/{patient_id}"
    for field_name in ("subject", "patient"):
        ref = resource.get(field_name)
        if isinstance(ref, dict):
            reference = ref.get("reference")
            if isinstance(reference, str):
                return reference == exact or _is_patient_ref(reference, patient_id)
    return False


def _is_patient_ref(reference: str, patient_id: str) -> bool:
    parts = reference.split("?", 1)[0].rstrip("/").split("/")
    if len(parts) >= 4 and parts[-2] == "_history":
        parts = parts[:-2]
    return len(parts) >= 2 and parts[-2] == "Patient" and parts[-1] == patient_id


def _read_prefetch(item: _Key, value, patient_id: str, stats: Counter) -> None:
    """Classify one present prefetch value (decision table above)."""
    if value is None:
        item.source = "null"
        return
    if not isinstance(value, dict):
        item.needs_fetch, item.reason = True, "malformed"
        return
    rtype = value.get("resourceType")
    if rtype == "OperationOutcome":
        stats["prefetch_outcome"] += 1
        item.needs_fetch, item.reason = True, "operation-outcome"
        return
    if item.is_read:
        if rtype != item.rtype:
            item.needs_fetch, item.reason = True, "malformed"
            return
        if not _belongs_to(value, item.rtype, patient_id):
            stats["dropped_other_patient"] += 1
            item.needs_fetch, item.reason = True, "other-patient"
            return
        item.source, item.resources = "prefetch", [value]
        return
    if rtype != "Bundle":
        item.needs_fetch, item.reason = True, "malformed"
        return
    resources, outcomes = bundle_entries(value, item.include_types)
    if outcomes and not resources:
        stats["prefetch_outcome"] += 1
        item.needs_fetch, item.reason = True, "operation-outcome"
        return
    if outcomes:
        log.info("prefetch Bundle carries OperationOutcome entries", extra={"prefetch_key": item.key})
    item.source, item.resources = "prefetch", resources
    if next_link(value) is not None:
        item.pending_bundle = value


def gather(
    hook_request,
    *,
    client: FhirClient | None,
    templates: Mapping[str, str],
    deadline: float | None = None,
    stats: Counter | None = None,
    executor: Executor | None = None,
    max_resources: int | None = None,
) -> PatientRecord:
    """Resolve every prefetch key of ``templates`` into one :class:`PatientRecord`.

    ``deadline`` is an absolute :func:`time.monotonic` instant (default: now + 0.9 s); every FHIR
    call is answered or abandoned by then. ``client`` is this call's FHIR client
    (:meth:`FhirClient.for_request`) or ``None`` when there is no usable server. ``stats``, if
    given, is a Counter that receives data-stage counts (for metrics). Raises
    :class:`PreconditionFailed` naming the key when a required category cannot be had.
    """
    if deadline is None:
        deadline = time.monotonic() + DEFAULT_DEADLINE_SECONDS
    counts: Counter = stats if stats is not None else Counter()
    patient_id = getattr(hook_request, "patient_id", None)
    if not isinstance(patient_id, str) or not patient_id:
        raise ValueError("hook request without a patient id reached the data stage")
    # The log context's value: id-like only (service.protocol.routes); the raw one is client-chosen text.
    hook_instance = logs.current("hook_instance")
    raw_prefetch = getattr(hook_request, "prefetch", None)
    prefetch = raw_prefetch if isinstance(raw_prefetch, Mapping) else {}

    plain_ref = f"Patient/{patient_id}"
    items: list[_Key] = []
    for key, template in templates.items():
        rtype, is_read = _shape(template)
        item = _Key(key, rtype, is_read, template, include_types=_INCLUDE_TYPES.get(key, ()))
        if key in prefetch:
            _read_prefetch(item, prefetch[key], patient_id, counts)
        else:
            item.needs_fetch, item.reason = True, "absent"
        items.append(item)

    if client is not None and max_resources is not None:
        already = sum(len(item.resources) for item in items) + len(getattr(hook_request, "draft_orders", ()) or ())
        client.limit_resources(max_resources - already)
    _fetch_all(items, hook_request, client, deadline, counts, executor)
    _check_budget(client, max_resources, counts)

    resources: list[dict] = []
    seen: dict[str, set[str]] = {}
    unavailable: set[str] = set()
    incomplete: set[str] = set()
    for item in items:
        if item.source == "unavailable":
            unavailable.add(item.key)
            log.warning("data category unavailable", extra={
                "prefetch_key": item.key, "reason": item.reason, "hook_instance": hook_instance})
            continue
        rtype = item.rtype
        if item.is_read and item.source != "null" and not any(
                _belongs_to(resource, rtype, patient_id, plain_ref) for resource in item.resources):
            # a read that returned someone else (or nothing usable) did not give us the resource
            for resource in item.resources:
                counts["dropped_other_patient" if resource.get("resourceType") == rtype
                       else "dropped_wrong_type"] += 1
            item.source, item.reason = "unavailable", "read returned no resource of the context patient"
            unavailable.add(item.key)
            log.warning("data category unavailable", extra={
                "prefetch_key": item.key, "reason": item.reason, "hook_instance": hook_instance})
            continue
        if item.incomplete:
            incomplete.add(item.key)
        # One pass per resource: membership (is it of the item's type and the context patient's?)
        # and de-duplication by id per type together; the drop counts are those of a separate
        # membership pass. The common case first, inline (no call): a resource of the item's type
        # whose ``subject`` is exactly ``Patient/<id>``, which is what _belongs_to answers True
        # for at its first test.
        seen_ids = seen.setdefault(rtype, set())     # ids of this type already gathered
        inline = rtype != "Patient"
        for resource in item.resources:
            ids_of = seen_ids
            if not (inline and resource.get("resourceType") == rtype
                    and type(subject := resource.get("subject")) is dict
                    and subject.get("reference") == plain_ref):
                other = resource.get("resourceType")
                if item.include_types and other != rtype and other in item.include_types:
                    # an _include'd resource (a report's Observations, a request's Medication): the patient's
                    # (a Medication belongs to no one), once per type/id
                    if other not in _UNOWNED_TYPES and not _belongs_to(resource, other, patient_id, plain_ref):
                        counts["dropped_other_patient"] += 1
                        continue
                    ids_of = seen.setdefault(other, set())
                elif not _belongs_to(resource, rtype, patient_id, plain_ref):
                    counts["dropped_other_patient" if resource.get("resourceType") == rtype
                           else "dropped_wrong_type"] += 1
                    continue
            rid = resource.get("id")
            if type(rid) is str:
                if rid in ids_of:
                    continue
                ids_of.add(rid)
            resources.append(resource)
    if counts.get("dropped_other_patient"):
        log.warning("resources of another patient dropped", extra={
            "count": counts["dropped_other_patient"], "hook_instance": hook_instance})

    for key in REQUIRED_CATEGORIES:
        if key in unavailable:
            counts["precondition_failed"] += 1
            where = "no FHIR server may be called" if client is None else "the FHIR server could not be read"
            raise PreconditionFailed(
                f"Required prefetch key '{key}' is missing or unusable and {where}.",
                expression=f"prefetch.{key}",
            )

    if client is not None and "diagnosticReports" not in unavailable:
        resources = _fetch_attachments(resources, client, deadline, counts, executor)
        _check_budget(client, max_resources, counts)

    return PatientRecord(
        patient_id=patient_id,
        resources=tuple(resources),
        unavailable=frozenset(unavailable),
        incomplete=frozenset(incomplete),
        sources={item.key: item.source for item in items},
    )


def _check_budget(client: FhirClient | None, max_resources: int | None, counts: Counter) -> None:
    """413 once the resources read from the FHIR server passed ``max_resources`` (with the prefetch)."""
    if client is not None and max_resources is not None and client.over_budget:
        raise PayloadTooLarge(
            f"The prefetch and the resources read from the FHIR server hold more than {max_resources} resources.",
            expression="fhirServer")


def _fetch_all(items: list[_Key], hook_request, client: FhirClient | None, deadline: float,
               counts: Counter, executor: Executor | None) -> None:
    """Run every needed FHIR call in parallel; record the outcome on each item."""
    jobs: list[tuple[_Key, str]] = []      # (item, "fetch" | "follow")
    for item in items:
        if item.pending_bundle is not None:
            if client is None:
                item.incomplete = True
                counts["prefetch_paging_unfollowed"] += 1
            else:
                jobs.append((item, "follow"))
        elif item.needs_fetch:
            if client is None:
                item.source = "unavailable"
                item.reason = f"{item.reason}; no usable FHIR server"
            else:
                jobs.append((item, "fetch"))
    if not jobs:
        return

    def run(item: _Key, kind: str):
        if kind == "follow":
            return client.follow(item.pending_bundle, deadline=deadline, resource_type=item.rtype,
                                 include_types=item.include_types)
        query = instantiate(item.template, hook_request)
        if item.is_read:
            return client.read(query, deadline=deadline, resource_type=item.rtype)
        return client.search(query + _FALLBACK_SUFFIX.get(item.key, ""), deadline=deadline,
                             resource_type=item.rtype, include_types=item.include_types)

    own = executor is None
    pool = executor or ThreadPoolExecutor(max_workers=min(len(jobs), 8), thread_name_prefix="fhir")
    try:
        futures: list[tuple[_Key, str, Future]] = [(item, kind, pool.submit(run, item, kind)) for item, kind in jobs]
        wait([f for _, _, f in futures], timeout=max(0.0, deadline - time.monotonic()))
        for item, kind, future in futures:
            _settle(item, kind, future, counts)
    finally:
        if own:
            pool.shutdown(wait=False, cancel_futures=True)


def _settle(item: _Key, kind: str, future: Future, counts: Counter) -> None:
    if not future.done():
        future.cancel()
        counts["deadline_exceeded"] += 1
        if kind == "follow":
            item.incomplete = True
        else:
            item.source, item.reason = "unavailable", "deadline exceeded"
        return
    try:
        result = future.result()
    except TemplateError:
        item.source, item.reason = "unavailable", "template token has no value"
        return
    except FhirAccessError as exc:
        counts["fhir_error"] += 1
        if kind == "follow":
            item.incomplete = True
        else:
            item.source, item.reason = "unavailable", exc.message
        return
    except Exception as exc:  # a bug or an odd library error must not become a 500 for optional data
        counts["fhir_error"] += 1
        log.error("unexpected error reading FHIR", extra={"prefetch_key": item.key, "error": type(exc).__name__})
        if kind == "follow":
            item.incomplete = True
        else:
            item.source, item.reason = "unavailable", type(exc).__name__
        return
    if kind == "follow":
        item.resources.extend(result.resources)
        item.incomplete = item.incomplete or not result.complete
        return
    counts["fhir_fetched"] += 1
    item.source = "fhir"
    if item.is_read:
        item.resources = [result]
    else:
        item.resources = list(result.resources)
        item.incomplete = not result.complete


# --------------------------------------------------------------------------- report attachments


def _attachment_target(form: object, base_url: str) -> str | None:
    """``Binary/<id>`` for a text attachment held by URL on the same FHIR server, else None."""
    if not isinstance(form, dict) or form.get("data") is not None:
        return None
    url = form.get("url")
    ctype = form.get("contentType")
    if not isinstance(url, str) or not url:
        return None
    if ctype is not None and (not isinstance(ctype, str)
                              or ctype.split(";", 1)[0].strip().lower() not in TEXT_ATTACHMENT_TYPES):
        return None
    relative = url[len(base_url) + 1:] if url.startswith(base_url + "/") else url
    return relative if _BINARY_REF.match(relative) else None


def _fetch_attachments(resources: list[dict], client: FhirClient, deadline: float, counts: Counter,
                       executor: Executor | None) -> list[dict]:
    """Fill in the text attachments of DiagnosticReports held by URL on the same FHIR server.

    At most ``ATTACHMENT_FETCHES`` Binaries, each capped at ``ATTACHMENT_MAX_BYTES``, read with the call's
    client and deadline (a plain GET of ``Binary/<id>`` as FHIR JSON). A report is replaced by a copy whose
    attachment carries the Binary's ``data``; anything not fetched stays a ``url`` (the picture names it as
    unread). URLs elsewhere are never followed.
    """
    wanted: list[tuple[int, int, str]] = []          # (resource position, form position, Binary/<id>)
    for i, resource in enumerate(resources):
        if resource.get("resourceType") != "DiagnosticReport":
            continue
        forms = resource.get("presentedForm")
        if not isinstance(forms, list):
            continue
        for j, form in enumerate(forms):
            target = _attachment_target(form, client.base_url)
            if target is not None and len(wanted) < ATTACHMENT_FETCHES:
                wanted.append((i, j, target))
    if not wanted:
        return resources

    def read(target: str) -> dict:
        return client.read(target, deadline=deadline, resource_type="Binary", max_bytes=ATTACHMENT_MAX_BYTES)

    own = executor is None
    pool = executor or ThreadPoolExecutor(max_workers=min(len(wanted), 4), thread_name_prefix="fhir-binary")
    try:
        futures = [(i, j, pool.submit(read, target)) for i, j, target in wanted]
        wait([f for _, _, f in futures], timeout=max(0.0, deadline - time.monotonic()))
        out = list(resources)
        for i, j, future in futures:
            if not future.done():
                future.cancel()
                counts["attachment_unread"] += 1
                continue
            try:
                binary = future.result()
            except Exception:   # FhirAccessError or a library error: the attachment stays unread
                counts["attachment_unread"] += 1
                continue
            data = binary.get("data")
            if not isinstance(data, str):
                counts["attachment_unread"] += 1
                continue
            report = out[i] = dict(out[i])
            forms = report["presentedForm"] = list(report["presentedForm"])
            form = dict(forms[j])
            form["data"] = data
            if not form.get("contentType") and isinstance(binary.get("contentType"), str):
                form["contentType"] = binary["contentType"]
            forms[j] = form
            counts["attachment_fetched"] += 1
        return out
    finally:
        if own:
            pool.shutdown(wait=False, cancel_futures=True)
