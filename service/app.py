"""The application factory: the one place that wires config, logging, knowledge, auth, storage,
the blueprint and the error handlers together.

``create_app(overrides)`` reads ``os.environ`` updated by ``overrides`` (tests pass a dict),
refuses to start on a bad setting (``ConfigError``) or broken knowledge (``KnowledgeError``),
and keeps everything it built in ``app.extensions["netcds"]`` (a :class:`NetCds`). Nothing is
bound at import time.

Errors are mapped to HTTP here and only here: every :class:`service.errors.NetCdsError`, every
werkzeug ``HTTPException`` and any unexpected exception becomes a FHIR ``OperationOutcome``
with the status of its class. Unexpected exceptions are logged (type and stack, with the
``hookInstance``) and answered 500 with a generic message; no stack trace leaves the service.
"""
from __future__ import annotations

import array
import fcntl
import gc
import logging
import os
import re
import select
import socket
import ssl
import termios
import time
import uuid
from datetime import datetime, timezone
from typing import Any, Callable, Mapping

import orjson
from flask import Flask, Response, g, jsonify, request
from flask.json.provider import DefaultJSONProvider
from werkzeug.exceptions import HTTPException

from service.ops import logs
from service.protocol import cors
from service.protocol.admission import Admission
from service.config import Settings
from service.errors import NetCdsError, Unauthorized
from service.state import EXTENSION, NetCds

logger = logging.getLogger(__name__)

# FHIR IssueType for werkzeug's own HTTP errors (routing, method, size).
_HTTP_ISSUE_CODES = {
    400: "invalid", 401: "login", 403: "forbidden", 404: "not-found", 405: "not-supported",
    408: "timeout", 412: "not-found", 413: "too-costly", 415: "not-supported", 429: "throttled",
}


class OrjsonProvider(DefaultJSONProvider):
    """Flask's JSON (``jsonify``, ``request.get_json``) through orjson: the hook answer is encoded in C.

    Key order is kept (cards are ordered); anything orjson cannot encode (an int beyond 64 bits,
    a non-string key) falls back to the standard provider, so the output never differs in meaning.
    """

    sort_keys = False

    def dumps(self, obj: Any, **kwargs: Any) -> str:
        if not kwargs:
            try:
                return orjson.dumps(obj, default=self.default).decode("utf-8")
            except (orjson.JSONEncodeError, TypeError):
                pass
        return super().dumps(obj, **kwargs)

    def loads(self, s: str | bytes, **kwargs: Any) -> Any:
        if kwargs:
            return super().loads(s, **kwargs)
        return orjson.loads(s)

    def response(self, *args: Any, **kwargs: Any) -> Response:
        obj = self._prepare_response_obj(args, kwargs)
        try:
            body = orjson.dumps(obj, default=self.default)
        except (orjson.JSONEncodeError, TypeError):
            return super().response(obj)
        return self._app.response_class(body, mimetype=self.mimetype)


def _utc_now() -> datetime:
    return datetime.now(timezone.utc)


def _uuid4() -> str:
    return str(uuid.uuid4())


def environment(overrides: Mapping[str, str] | None = None) -> dict[str, str]:
    env = dict(os.environ)
    env.update(overrides or {})
    return env


def load_settings(overrides: Mapping[str, str] | None = None) -> Settings:
    env = environment(overrides)
    settings = Settings.from_env(env)
    for name in Settings.unknown_variables(env):
        logger.warning("unknown setting ignored", extra={"variable": name})
    return settings


def load_clinical(settings: Settings) -> tuple[Any, Any]:
    """Terminology and knowledge from ``settings.cards_dir``; raises ``KnowledgeError`` if broken."""
    from service.data.fhir_adapter import prepare_validation
    from service.picture.terminology import load_terminology
    from service.pipeline import prepare_knowledge

    terminology = load_terminology(settings.cards_dir / "terminology")
    knowledge = prepare_knowledge(settings.cards_dir)
    prepare_validation()      # the R4B element validators, built once here rather than on a hook call
    return terminology, knowledge


GC_YOUNG_THRESHOLD = 10_000


def settle_heap() -> None:
    """Collect once, then move everything alive (app, knowledge, R4B models: ~100k objects) out of
    the garbage collector's view (``gc.freeze``).

    Called once per served worker after the app is built (``service.ops.serving_config``
    ``post_worker_init``), never per request or in tests. Without it every full collection walks
    the start-up objects again: 20-70 ms of pure overhead, triggered every few hook calls because
    a request body of thousands of JSON objects lives long enough to be promoted.

    The youngest generation's threshold is raised from 700 to :data:`GC_YOUNG_THRESHOLD`: a hook
    call's objects (body, records, picture) die by reference counting when it ends, but with
    700 the collector ran ~5 young and ~0.5 middle collections during every typical call
    (~0.25 ms) only to promote objects about to be freed anyway. Cyclic garbage still goes
    within a few requests.
    """
    gc.collect()
    gc.freeze()
    _young, middle, old = gc.get_threshold()
    gc.set_threshold(GC_YOUNG_THRESHOLD, middle, old)


def create_app(
    overrides: Mapping[str, str] | None = None,
    *,
    clock: Callable[[], datetime] | None = None,
    uuid_factory: Callable[[], str] | None = None,
) -> Flask:
    env = environment(overrides)
    settings = load_settings(overrides)
    logs.configure_logging(settings.log_level, settings.log_format)

    terminology, knowledge = load_clinical(settings)

    from service.protocol.auth import Verifier, replay_cache_from_settings
    from service.feedback.store import FeedbackStore, IssuedRecorder, ensure_schema
    from service.data.fhir_client import FhirPolicy, new_session
    from service.data.prefetch import discovery_prefetch

    ensure_schema(settings.database_url, settings.auto_migrate)

    policy = cors.CorsPolicy.from_settings(settings)
    feedback_store = FeedbackStore.from_settings(settings)
    state = NetCds(
        settings=settings,
        knowledge=knowledge,
        terminology=terminology,
        verifier=Verifier.from_settings(settings, replay_cache=replay_cache_from_settings(settings)),
        feedback_store=feedback_store,
        cors=policy,
        clock=clock or _utc_now,
        uuid_factory=uuid_factory or _uuid4,
        prefetch_templates=dict(discovery_prefetch(terminology)),
        fhir_policy=FhirPolicy.from_settings(settings),
        fhir_session=new_session(),
        in_flight=Admission(settings.max_in_flight),
        issued=IssuedRecorder(feedback_store),
    )

    from service.ops.metrics import Metrics

    app = Flask("service")
    app.config["MAX_CONTENT_LENGTH"] = settings.max_body_bytes
    app.json = OrjsonProvider(app)
    app.extensions[EXTENSION] = state

    from service.protocol import openapi, routes as hooks

    register_request_context(app)
    app.register_blueprint(hooks.blueprint)
    openapi.init_app(app)
    cors.init_app(app, policy)
    Metrics(env=env, token=settings.metrics_token).init_app(app)
    register_error_handlers(app)
    app.wsgi_app = CloseWhenAsked(app.wsgi_app)
    logger.info(
        "net-cds ready",
        extra={
            "knowledge_version": getattr(knowledge, "version", None),
            "auth": "disabled" if settings.auth_disabled else "enabled",
            "public_base_url": settings.public_base_url,
            "cors_origins": list(settings.cors_origins),
        },
    )
    return app


# ---------------------------------------------------------------------- per-request context

_REQUEST_ID = re.compile(r"[A-Za-z0-9._-]{1,64}")


def register_request_context(app: Flask) -> None:
    """Request id + log context for every request, one access line per response, safe headers."""

    @app.before_request
    def _begin() -> None:
        logs.clear()
        incoming = request.headers.get("X-Request-ID", "")
        g.request_id = (incoming if _REQUEST_ID.fullmatch(incoming) and not logs.looks_secret(incoming)
                        else uuid.uuid4().hex)
        g.started = time.perf_counter()
        logs.bind(request_id=g.request_id)

    max_body = app.config.get("MAX_CONTENT_LENGTH") or 0

    @app.after_request
    def _finish(response: Response) -> Response:
        if not _drain_unread_body(max_body):
            response.headers["Connection"] = "close"
            request.environ[CLOSE_CONNECTION] = True
            _stop_reading(request.environ)
        request_id = g.get("request_id")
        if request_id:
            response.headers["X-Request-ID"] = request_id
        response.headers["Cache-Control"] = "no-store"
        response.headers["X-Content-Type-Options"] = "nosniff"
        if not logger.isEnabledFor(logging.INFO):      # nothing built for a line that is not written
            return response
        started = g.get("started")
        extra = {
            "method": request.method,
            # the route template, never the raw path (a mistyped URL may hold anything)
            "route": request.url_rule.rule if request.url_rule is not None else None,
            "status": response.status_code,
            "duration_ms": round((time.perf_counter() - started) * 1000, 1) if started else None,
        }
        annotations = logs.request_annotations()
        if annotations:
            # The view's own fields (a hook call: card count and uuids, timings, knowledge
            # version ...): one line per request carries them, never a second record.
            extra.update((k, v) for k, v in annotations.items() if k not in extra)
        logger.info("request", extra=extra)
        return response

    @app.teardown_request
    def _end(_exc: BaseException | None) -> None:
        logs.clear()


#: A body the view did not read is drained only while that is cheap: at most this many bytes ...
DRAIN_MAX_BYTES = 1 << 20
#: ... and this long, reading only bytes that have already arrived. Otherwise the connection closes.
DRAIN_MAX_SECONDS = 0.05
CLOSE_CONNECTION = "netcds.close_connection"


def _drain_unread_body(max_bytes: int) -> bool:
    """Read and drop a request body the view did not read (a 429, 401, 404, /healthz ... answered
    first), if that is cheap; True when the connection may be kept alive.

    Why drain: a keep-alive connection closed with unread body bytes is reset by the kernel, and a
    reverse proxy in front (nginx) answers 502 for it. Why only cheaply: a client that announces a
    body and sends nothing (or a byte now and then) would hold this worker thread for as long as it
    likes; thirty such connections stopped every hook call. So only bytes already in the kernel's
    receive queue are read (never a blocking wait for more), for at most :data:`DRAIN_MAX_SECONDS`
    and :data:`DRAIN_MAX_BYTES`; a body announced beyond that, a chunked body, or a client that
    stops sending gets ``Connection: close`` instead (the socket is closed after the answer, no
    thread waits). Behind the shipped nginx (deploy/nginx/nginx.conf, request buffering on) a body
    arrives whole and at once, so keep-alive holds.
    """
    length = request.content_length
    if length is None:         # no body, or a chunked one (which gunicorn would drain: close instead)
        return "chunked" not in request.headers.get("Transfer-Encoding", "").lower()
    if length == 0:
        return True
    if length > max_bytes:
        return False           # refused unread (413; werkzeug will not even open the stream)
    environ = request.environ
    sock = environ.get("gunicorn.socket") or environ.get("werkzeug.socket")
    try:
        stream = request.stream
        if getattr(stream, "is_exhausted", True):
            return True        # the view read it (a hook call): keep-alive, whatever its size
        if length > DRAIN_MAX_BYTES:
            return False       # too much to read for nothing
        if sock is None:       # in process (the test client): the body is already in memory
            while stream.read(65536):
                pass
            return True
        if isinstance(sock, ssl.SSLSocket):
            return False       # encrypted bytes in the queue say nothing about the body's bytes
        deadline = time.monotonic() + DRAIN_MAX_SECONDS
        while not stream.is_exhausted:
            waiting = _bytes_waiting(sock)
            if not waiting:
                remaining = deadline - time.monotonic()
                if remaining <= 0 or not select.select([sock], [], [], remaining)[0]:
                    return False
                waiting = _bytes_waiting(sock)
                if not waiting:
                    return False                      # readable with nothing to read: the client left
            if not stream.read(min(waiting, 65536)):
                return False
            if time.monotonic() > deadline:
                return False
        return True
    except Exception:  # noqa: BLE001 - a client that went away, a refused stream: just close
        return False


def _stop_reading(environ: Mapping[str, Any]) -> None:
    """Shut the read side of a connection that is to close (the answer still goes out).

    gunicorn closes a connection "gracefully" (RFC 9112 9.6): it half-closes, then reads from the
    client for up to 2 s waiting for its end, on the worker's main thread (gthread), the one that
    accepts connections and tells the master the worker is alive. A client that announced a body
    and went silent would hold that thread 2 s per connection: fifteen of them stop the worker
    until the master kills it (WORKER TIMEOUT). With the read side shut, those reads end at once.
    """
    sock = environ.get("gunicorn.socket") or environ.get("werkzeug.socket")
    if sock is None or isinstance(sock, ssl.SSLSocket):
        return
    try:
        sock.shutdown(socket.SHUT_RD)
    except OSError:
        pass


def _bytes_waiting(sock: Any) -> int:
    """Bytes in the socket's receive queue (FIONREAD): what a read returns without waiting."""
    buffer = array.array("i", [0])
    fcntl.ioctl(sock.fileno(), termios.FIONREAD, buffer, True)
    return buffer[0]


class CloseWhenAsked:
    """WSGI middleware: a response whose request asked for it (``environ[CLOSE_CONNECTION]``) closes
    its connection. gunicorn drops hop-by-hop headers set by the application (``Connection: close``
    included), so its response object is told directly (``force_close``); werkzeug's server reads
    the header."""

    def __init__(self, app: Callable):
        self.app = app

    def __call__(self, environ: dict, start_response: Callable):
        def start(status: str, headers: list, exc_info: Any = None):
            if environ.get(CLOSE_CONNECTION):
                force_close = getattr(getattr(start_response, "__self__", None), "force_close", None)
                if callable(force_close):
                    force_close()
            return start_response(status, headers, exc_info) if exc_info else start_response(status, headers)

        return self.app(environ, start)


# ---------------------------------------------------------------------- errors -> OperationOutcome


#: ``expression`` may hold a client-chosen key (``prefetch.<key>``, a duplicated JSON key): cut to this.
MAX_EXPRESSION_CHARS = 200
MAX_DIAGNOSTICS_CHARS = 300


def operation_outcome(*, severity: str, code: str, diagnostics: str, expression: str | None = None) -> dict:
    issue: dict[str, Any] = {"severity": severity, "code": code,
                             "diagnostics": logs.clip(diagnostics, MAX_DIAGNOSTICS_CHARS)}
    if expression:
        issue["expression"] = [logs.clip(expression, MAX_EXPRESSION_CHARS)]
    return {"resourceType": "OperationOutcome", "issue": [issue]}


def _outcome_response(status: int, body: dict, headers: Mapping[str, str] | None = None) -> Response:
    response = jsonify(body)
    response.status_code = status
    for key, value in (headers or {}).items():
        response.headers[key] = value
    return response


def register_error_handlers(app: Flask) -> None:
    @app.errorhandler(NetCdsError)
    def _netcds_error(exc: NetCdsError) -> Response:
        status = exc.status
        headers: dict[str, str] = {}
        if isinstance(exc, Unauthorized):
            # The same body for every reason: never say why a token was refused.
            body = operation_outcome(severity="error", code=exc.code, diagnostics=Unauthorized.public_message)
            headers["WWW-Authenticate"] = "Bearer"
        elif status >= 500:
            body = operation_outcome(severity=exc.severity, code=exc.code, diagnostics=type(exc).public_message)
        else:
            body = operation_outcome(severity=exc.severity, code=exc.code, diagnostics=exc.message,
                                     expression=exc.expression)
        if status in (429, 503):
            headers["Retry-After"] = "1"
        level = logging.ERROR if status >= 500 else logging.INFO
        logger.log(level, "request failed", extra={
            "status": status, "error_type": type(exc).__name__, "expression": exc.expression,
        })
        return _outcome_response(status, body, headers)

    @app.errorhandler(HTTPException)
    def _http_error(exc: HTTPException) -> Response:
        status = exc.code or 500
        headers = {}
        allow = exc.get_response().headers.get("Allow")
        if allow:
            headers["Allow"] = allow
        diagnostics = exc.name + "."
        body = operation_outcome(severity="error", code=_HTTP_ISSUE_CODES.get(status, "exception"),
                                 diagnostics=diagnostics)
        logger.info("request failed", extra={"status": status, "error_type": type(exc).__name__})
        return _outcome_response(status, body, headers)

    @app.errorhandler(Exception)
    def _unexpected(exc: Exception) -> Response:
        logger.error("unexpected error", exc_info=exc, extra={"status": 500, "error_type": type(exc).__name__})
        body = operation_outcome(severity="fatal", code="exception", diagnostics=NetCdsError.public_message)
        return _outcome_response(500, body)
