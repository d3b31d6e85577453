"""Prometheus metrics: request latency and errors, hook stages, cards, FHIR fallback, knowledge.

``Metrics(registry=None)`` owns its metric objects in its own ``CollectorRegistry`` (nothing at
module level, so several apps in one test process never collide). ``metrics.init_app(app)``
times every request and serves ``GET /metrics`` (Prometheus text format). With a ``token``
(``NETCDS_METRICS_TOKEN``) the scrape must send ``Authorization: Bearer <token>``; anything else
is 401 with the same OperationOutcome as a refused JWT (the token is compared in constant time,
as SHA-256 digests, so neither its content nor its length leaks). Without one the endpoint is
open and must not be reachable from outside (deploy/README.md). The views report what only they
know::

    m = metrics_of(current_app)          # a no-op stand-in when init_app was not called
    m.observe_stages(timings)            # {"auth": 0.002, "picture": 0.010, ...} in seconds
    m.count_cards(cards)                 # by card["extension"]["net-cds"] topic and strength
    m.fhir_calls(client.stats)           # FhirClient / prefetch counters

Under gunicorn, with ``PROMETHEUS_MULTIPROC_DIR`` set in the environment *before* the process
starts, every worker writes its values to files in that directory and ``/metrics`` (answered
by any one worker) adds them up with ``prometheus_client.multiprocess``; the gunicorn master
wipes the directory at start and marks dead workers (``service.ops.serving_config``).

Labels never carry patient data or unbounded values: the route is the Flask endpoint name
(never the path, which holds the service id and could hold anything), methods outside the
HTTP set become ``other``, stage and FHIR outcome names come from fixed sets, and topic,
strength and knowledge version must look like short codes or are replaced.

=============================================  =======================================================
``netcds_http_request_duration_seconds``        histogram {endpoint, method, status_class}
``netcds_http_error_responses_total``           counter {endpoint, status} (4xx and 5xx only)
``netcds_hook_stage_duration_seconds``          histogram {stage}
``netcds_hook_calls_in_flight``                 gauge (hook calls being answered)
``netcds_cards_total``                          counter {topic, strength}
``netcds_fhir_fallback_requests_total``         counter (HTTP requests to EHR FHIR servers)
``netcds_fhir_fallback_outcomes_total``         counter {outcome} (each read/search: ok, failure kind, incomplete)
``netcds_fhir_fallback_failures_total``         counter {outcome} (the failure kinds only, and calls
                                                abandoned at the hook deadline)
``netcds_data_stage_events_total``              counter {event} (per prefetch key: fetched, dropped, ...)
``netcds_knowledge_info``                       gauge {version} = 1
=============================================  =======================================================
"""
from __future__ import annotations

import hashlib
import hmac
import logging
import math
import os
import re
import time
from typing import Any, Iterable, Mapping

from flask import Flask, Response, g, request
from prometheus_client import (
    CONTENT_TYPE_LATEST, CollectorRegistry, Counter, Gauge, Histogram, generate_latest,
)

logger = logging.getLogger(__name__)

EXTENSION = "netcds_metrics"
MULTIPROC_ENV = "PROMETHEUS_MULTIPROC_DIR"
METRICS_PATH = "/metrics"

# Seconds; hook work is ms-scale and the hook deadline is about 1 s.
BUCKETS = (0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 0.75, 1.0, 2.0)

# Stages of a hook call (the keys of the pipeline's ``timings`` dict). ``data`` is prefetch
# resolution plus FHIR fallback together, for callers that time them as one.
STAGES = ("auth", "data", "prefetch", "fhir_fallback", "picture", "rules", "render")
HOOK_ENDPOINTS = frozenset({"hooks.call_service"})
METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})

# ``FhirClient.stats`` keys (one per HTTP request, read or search).
FHIR_REQUESTS = "requests"
FHIR_OK = frozenset({"ok"})
FHIR_INCOMPLETE = frozenset({"next_foreign", "max_pages", "too_many_resources"})
FHIR_FAILURES = frozenset({
    "timeout", "connection", "deadline", "redirect", "auth", "server_error", "client_error",
    "too_large", "bad_json", "error_type",
})
# ``prefetch.gather(stats=...)`` keys (one per prefetch key of a hook call).
DATA_STAGE_EVENTS = frozenset({
    "prefetch_outcome", "dropped_other_patient", "dropped_wrong_type", "precondition_failed",
    "prefetch_paging_unfollowed", "deadline_exceeded", "fhir_error", "fhir_fetched",
    "attachment_fetched", "attachment_unread",
})
# Data-stage events that are also FHIR fallback failures the client did not count itself.
DATA_STAGE_FHIR_FAILURES = frozenset({"deadline_exceeded"})
OTHER = "other"
NONE = "none"

_MAX_CACHED_CHILDREN = 1024
_CODE = re.compile(r"[A-Za-z][A-Za-z0-9_.-]{0,39}")
_VERSION = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.+-]{0,63}")


def multiprocess_dir(env: Mapping[str, str] | None = None) -> str | None:
    value = (os.environ if env is None else env).get(MULTIPROC_ENV)
    return value or None


def _code(value: Any) -> str:
    """A label value from knowledge (topic, strength): a short code, else ``other``/``none``."""
    if value is None or value == "":
        return NONE
    if isinstance(value, str) and _CODE.fullmatch(value):
        return value
    return OTHER


class Metrics:
    """The service's metrics, in ``registry`` (a new one by default)."""

    def __init__(self, registry: CollectorRegistry | None = None, *, env: Mapping[str, str] | None = None,
                 token: str | None = None):
        self.registry = registry if registry is not None else CollectorRegistry(auto_describe=True)
        # Only the digest is kept: compared in constant time against the digest of what was sent.
        self._token_digest = hashlib.sha256(token.encode("utf-8")).digest() if token else None
        self.multiprocess_dir = multiprocess_dir(env)
        self._knowledge_version: str | None = None
        r = self.registry
        self.request_seconds = Histogram(
            "netcds_http_request_duration_seconds", "Time to answer an HTTP request, by route.",
            ["endpoint", "method", "status_class"], buckets=BUCKETS, registry=r)
        self.error_responses = Counter(
            "netcds_http_error_responses", "HTTP responses with a 4xx or 5xx status.",
            ["endpoint", "status"], registry=r)
        self.stage_seconds = Histogram(
            "netcds_hook_stage_duration_seconds", "Time spent in one stage of a hook call.",
            ["stage"], buckets=BUCKETS, registry=r)
        self.in_flight = Gauge(
            "netcds_hook_calls_in_flight", "Hook calls being answered now.",
            registry=r, multiprocess_mode="livesum")
        self.cards = Counter(
            "netcds_cards", "Cards returned, by topic and strength of recommendation.",
            ["topic", "strength"], registry=r)
        self.fhir_requests = Counter(
            "netcds_fhir_fallback_requests", "HTTP requests sent to EHR FHIR servers (FHIR fallback).",
            registry=r)
        self.fhir_outcomes = Counter(
            "netcds_fhir_fallback_outcomes", "FHIR fallback reads and searches, by outcome.",
            ["outcome"], registry=r)
        self.fhir_failures = Counter(
            "netcds_fhir_fallback_failures", "Failed FHIR fallback reads and searches, by kind of failure.",
            ["outcome"], registry=r)
        self.data_stage_events = Counter(
            "netcds_data_stage_events", "Data stage events per prefetch key (fetched, dropped, unusable ...).",
            ["event"], registry=r)
        self.knowledge = Gauge(
            "netcds_knowledge_info", "The knowledge version loaded (value 1).",
            ["version"], registry=r, multiprocess_mode="livemax")
        # Labelled children, looked up once: ``labels()`` validates and locks on every call, and
        # a hook call reports a dozen values. Every key is bounded (fixed stage names, endpoint x
        # method x status, knowledge topics x strengths), and the card cache is capped besides.
        self._stage_children = {stage: self.stage_seconds.labels(stage) for stage in STAGES}
        self._request_children: dict[tuple[Any, str, int], tuple[Any, Any]] = {}
        self._card_children: dict[tuple[Any, Any], Any] = {}
        for outcome in sorted(FHIR_FAILURES | DATA_STAGE_FHIR_FAILURES):
            self.fhir_failures.labels(outcome)

    # ------------------------------------------------------------------ Flask wiring

    def init_app(self, app: Flask) -> "Metrics":
        """Time every request, count error statuses, serve ``GET /metrics``; set the knowledge version."""
        if EXTENSION in app.extensions:
            raise RuntimeError("metrics are already set up for this app")
        app.extensions[EXTENSION] = self

        @app.before_request
        def _metrics_begin() -> None:
            g._metrics_started = time.perf_counter()
            if request.endpoint in HOOK_ENDPOINTS:
                self.in_flight.inc()
                g._metrics_in_flight = True

        @app.after_request
        def _metrics_finish(response: Response) -> Response:
            started = g.pop("_metrics_started", None)
            if started is not None:
                self.observe_request(request.endpoint, request.method, response.status_code,
                                     time.perf_counter() - started)
            return response

        @app.teardown_request
        def _metrics_end(_exc: BaseException | None) -> None:
            if g.pop("_metrics_in_flight", False):
                self.in_flight.dec()

        app.add_url_rule(METRICS_PATH, endpoint="metrics", view_func=self.exposition, methods=["GET"])

        state = app.extensions.get("netcds")
        version = getattr(getattr(state, "knowledge", None), "version", None)
        if version is not None:
            self.set_knowledge_version(version)
        if self.multiprocess_dir and not _values_are_shared():
            logger.warning("metrics: %s is set but was not when prometheus_client was imported; "
                           "this process's values are not exported", MULTIPROC_ENV)
        return self

    def authorized(self, header: str | None) -> bool:
        """True when no token is configured, or ``header`` is ``Bearer <the token>`` (constant time)."""
        if self._token_digest is None:
            return True
        scheme, _, credentials = (header or "").partition(" ")
        sent = hashlib.sha256(credentials.strip().encode("utf-8", "replace")).digest()
        # Both digests are compared whatever the scheme, so a wrong scheme costs the same time.
        return hmac.compare_digest(sent, self._token_digest) & (scheme.lower() == "bearer")

    def exposition(self) -> Response:
        """``GET /metrics``: the text exposition format (all workers added up in multiprocess mode).

        401 (``errors.Unauthorized``: the app's one OperationOutcome, ``WWW-Authenticate: Bearer``)
        when a token is configured and the request does not carry it.
        """
        if not self.authorized(request.headers.get("Authorization")):
            from service.errors import Unauthorized

            raise Unauthorized("metrics token missing or wrong")
        if self.multiprocess_dir:
            from prometheus_client import multiprocess

            registry = CollectorRegistry()
            multiprocess.MultiProcessCollector(registry, path=self.multiprocess_dir)
        else:
            registry = self.registry
        return Response(generate_latest(registry), status=200, content_type=CONTENT_TYPE_LATEST)

    # ------------------------------------------------------------------ what the views report

    def observe_request(self, endpoint: str | None, method: str, status: int, seconds: float) -> None:
        key = (endpoint, method, status)
        children = self._request_children.get(key)
        if children is None:
            endpoint_label = endpoint or "unmatched"
            method_label = method if method in METHODS else OTHER
            children = (self.request_seconds.labels(endpoint_label, method_label, f"{status // 100}xx"),
                        self.error_responses.labels(endpoint_label, str(status)) if 400 <= status <= 599 else None)
            if len(self._request_children) < _MAX_CACHED_CHILDREN:
                self._request_children[key] = children
        children[0].observe(seconds if seconds > 0.0 else 0.0)
        if children[1] is not None:
            children[1].inc()

    def observe_stages(self, timings: Mapping[str, float]) -> None:
        """One observation per known stage in ``timings`` (seconds); other keys are ignored."""
        children = self._stage_children
        for stage, seconds in timings.items():
            child = children.get(stage)
            if child is None:
                logger.debug("metrics: unknown stage ignored", extra={"stage": str(stage)[:40]})
                continue
            if isinstance(seconds, (int, float)) and not isinstance(seconds, bool) \
                    and math.isfinite(seconds) and seconds >= 0:
                child.observe(seconds)

    def count_cards(self, cards: Iterable[Mapping[str, Any]]) -> None:
        cache = self._card_children
        for card in cards:
            ext = card.get("extension") if isinstance(card, Mapping) else None
            net = ext.get("net-cds") if isinstance(ext, Mapping) else None
            net = net if isinstance(net, Mapping) else {}
            topic, strength = net.get("topic"), net.get("strength")
            try:
                key = (topic, strength)
                child = cache.get(key)
            except TypeError:           # an unhashable value: labelled "other", never cached
                key, child = None, None
            if child is None:
                child = self.cards.labels(_code(topic), _code(strength))
                if key is not None and len(cache) < _MAX_CACHED_CHILDREN:
                    cache[key] = child
            child.inc()

    def fhir_calls(self, stats: Mapping[str, int]) -> None:
        """Add the counts of one hook call: ``FhirClient.stats`` and/or the ``prefetch.gather`` stats.

        The two use distinct keys, so one merged Counter or two calls give the same result.
        """
        for key, count in stats.items():
            if not isinstance(count, int) or isinstance(count, bool) or count <= 0:
                continue
            if key == FHIR_REQUESTS:
                self.fhir_requests.inc(count)
            elif key in DATA_STAGE_EVENTS:
                self.data_stage_events.labels(key).inc(count)
                if key in DATA_STAGE_FHIR_FAILURES:
                    self.fhir_failures.labels(key).inc(count)
            elif key in FHIR_FAILURES:
                self.fhir_outcomes.labels(key).inc(count)
                self.fhir_failures.labels(key).inc(count)
            elif key in FHIR_OK or key in FHIR_INCOMPLETE:
                self.fhir_outcomes.labels(key).inc(count)
            else:
                self.fhir_outcomes.labels(OTHER).inc(count)

    def set_knowledge_version(self, version: Any) -> None:
        label = str(version) if version is not None else NONE
        if not _VERSION.fullmatch(label):
            label = "invalid"
        if self._knowledge_version is not None and self._knowledge_version != label:
            self.knowledge.labels(self._knowledge_version).set(0)
        self.knowledge.labels(label).set(1)
        self._knowledge_version = label


class NullMetrics:
    """Stands in for :class:`Metrics` when an app has none: every report is dropped."""

    def observe_stages(self, timings: Mapping[str, float]) -> None:
        pass

    def count_cards(self, cards: Iterable[Mapping[str, Any]]) -> None:
        pass

    def fhir_calls(self, stats: Mapping[str, int]) -> None:
        pass

    def set_knowledge_version(self, version: Any) -> None:
        pass


_NULL = NullMetrics()


def metrics_of(app: Flask) -> Metrics | NullMetrics:
    """The app's :class:`Metrics`, or a no-op stand-in if ``init_app`` was not called."""
    return app.extensions.get(EXTENSION, _NULL)


def _values_are_shared() -> bool:
    """True when prometheus_client writes values to the multiprocess directory (decided at its import)."""
    from prometheus_client import values

    return bool(getattr(values.ValueClass, "_multiprocess", False))
