"""Structured logging: one JSON object per line on stderr (``NETCDS_LOG_FORMAT=text``: one readable line).

Every record carries the request id, the CDS Hooks ``hookInstance`` and the service id of the
request being handled (set by the views through :func:`bind` and held in ``contextvars``, so
threads and requests never mix). Context goes in ``extra=``; the formatter writes the
``extra`` keys beside the message.

What never reaches a log line: request or resource bodies, bearer tokens, JWTs, patient data.
As a second line of defence the formatter drops ``extra`` keys that name credentials or
bodies, masks anything shaped like a JWT or a ``Bearer`` credential, and writes exception
type and stack frames but not the exception message (which may quote data).
"""
from __future__ import annotations

import contextvars
import json
import logging
import re
import sys
import traceback
from datetime import datetime, timezone
from contextlib import contextmanager
from typing import Any, Iterator

import orjson

_request_id: contextvars.ContextVar[str | None] = contextvars.ContextVar("netcds_request_id", default=None)
_hook_instance: contextvars.ContextVar[str | None] = contextvars.ContextVar("netcds_hook_instance", default=None)
_service_id: contextvars.ContextVar[str | None] = contextvars.ContextVar("netcds_service_id", default=None)

_CONTEXT = {"request_id": _request_id, "hook_instance": _hook_instance, "service_id": _service_id}
# Fields a view adds to its request's access line (``annotate_request``); cleared with the context.
_annotations: contextvars.ContextVar[dict[str, Any] | None] = contextvars.ContextVar("netcds_annotations", default=None)

# Attributes every LogRecord has; anything else on a record came from ``extra=``.
_STANDARD = frozenset(vars(logging.LogRecord("x", 0, "x", 0, "x", None, None))) | {"message", "asctime", "taskName"}
# ``extra`` keys never written, whatever their value.
_FORBIDDEN_KEYS = re.compile(r"token|authorization|jwt|secret|password|body|prefetch|resource", re.I)
_JWT = re.compile(r"\beyJ[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*")
_BEARER = re.compile(r"(?i)\b(bearer)\s+[A-Za-z0-9._~+/=-]+")
_HANDLER_MARK = "_netcds_handler"
# Every JWT match holds "eyJ" and every bearer match holds "bearer": text without either (nearly
# all of it) is returned as is after one search, instead of two substitutions.
_SUSPECT = re.compile(r"eyJ|(?i:bearer)")
# ``extra`` key -> refused? Keys are a small fixed set (names in the code), so each is matched once.
_KEY_VERDICTS: dict[str, bool] = {}
_MAX_KEY_VERDICTS = 4096
#: A string field of a log line is cut to this many characters (client-chosen keys and values, a
#: prefetch key of megabytes, must not fill the log).
MAX_FIELD_CHARS = 200
#: Third-party loggers that write URLs (FHIR URLs carry patient ids: ``Patient/<id>``,
#: ``?patient=<id>``) or request details: held at WARNING whatever ``NETCDS_LOG_LEVEL`` says.
QUIET_LOGGERS = ("urllib3", "requests", "charset_normalizer", "httpx", "httpcore", "sqlalchemy.engine")


def bind(**values: str | None) -> None:
    """Set request context (``request_id``, ``hook_instance``, ``service_id``) for later records."""
    for key, value in values.items():
        _CONTEXT[key].set(value)


def clear() -> None:
    for var in _CONTEXT.values():
        var.set(None)
    _annotations.set(None)


def annotate_request(fields: dict[str, Any]) -> None:
    """Add ``fields`` to the access line of the request being handled (one line per request
    instead of one per stage: each record costs a format, a write and a flush)."""
    current = _annotations.get()
    if current is None:
        _annotations.set(dict(fields))
    else:
        current.update(fields)


def request_annotations() -> dict[str, Any] | None:
    """What the views added for the access line (``annotate_request``), or None."""
    return _annotations.get()


@contextmanager
def bound(**values: str | None) -> Iterator[None]:
    tokens = [(_CONTEXT[k], _CONTEXT[k].set(v)) for k, v in values.items()]
    try:
        yield
    finally:
        for var, token in reversed(tokens):
            var.reset(token)


def current(key: str) -> str | None:
    return _CONTEXT[key].get()


def looks_secret(text: str) -> bool:
    """Is this (client-chosen) text shaped like a JWT or a bearer credential? Such text is never bound."""
    if _SUSPECT.search(text) is None:
        return False
    return bool(_JWT.search(text) or _BEARER.search(text))


def scrub(text: str) -> str:
    """Mask JWTs and bearer credentials in free text."""
    if _SUSPECT.search(text) is None:
        return text
    return _BEARER.sub(r"\1 ***", _JWT.sub("***jwt***", text))


def clip(text: str, limit: int = MAX_FIELD_CHARS) -> str:
    """``text`` cut to ``limit`` characters (an ellipsis marks the cut)."""
    return text if len(text) <= limit else text[: limit - 1] + "\u2026"


def _field(text: str) -> str:
    """A string field of a log line: cut first (a scrub of megabytes costs), then scrubbed."""
    return scrub(clip(text))


class ContextFilter(logging.Filter):
    """Copies the request context onto each record (``record.request_id`` ...)."""

    def filter(self, record: logging.LogRecord) -> bool:
        for key, var in _CONTEXT.items():
            if getattr(record, key, None) is None:
                setattr(record, key, var.get())
        return True


_second_prefix: tuple[int, str] = (-1, "")    # (whole second, its ISO text): one datetime per second


def _timestamp(created: float) -> str:
    """``datetime.fromtimestamp(created, utc).isoformat(timespec="milliseconds")``, cheaper."""
    global _second_prefix
    second = int(created)
    micro = round((created - second) * 1_000_000)
    if micro >= 1_000_000:
        return datetime.fromtimestamp(created, timezone.utc).isoformat(timespec="milliseconds")
    cached = _second_prefix
    if cached[0] != second:
        cached = _second_prefix = (second, datetime.fromtimestamp(second, timezone.utc).strftime("%Y-%m-%dT%H:%M:%S"))
    return f"{cached[1]}.{micro // 1000:03d}+00:00"


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "ts": _timestamp(record.created),
            "level": record.levelname,
            "logger": record.name,
            "message": scrub(record.getMessage()),
        }
        for key in _CONTEXT:
            value = getattr(record, key, None)
            if value is not None:
                entry[key] = _field(value) if isinstance(value, str) else value   # client-chosen values
        for key, value in record.__dict__.items():
            if key in _STANDARD or key in _CONTEXT or key.startswith("_") or key in entry:
                continue
            if _forbidden_key(key):
                continue
            entry[key] = _plain(value)
        if record.exc_info and record.exc_info[0] is not None:
            exc_type, _exc, tb = record.exc_info
            entry["error_type"] = f"{exc_type.__module__}.{exc_type.__qualname__}"
            entry["error_stack"] = [
                f"{'/'.join(frame.filename.replace(chr(92), '/').rsplit('/', 2)[-2:])}:{frame.lineno} {frame.name}"
                for frame in traceback.extract_tb(tb)
            ]
        try:
            return orjson.dumps(entry, default=str).decode("utf-8")
        except (orjson.JSONEncodeError, TypeError):      # e.g. an int beyond 64 bits
            return json.dumps(entry, default=str, ensure_ascii=False, separators=(",", ":"))


class TextFormatter(JsonFormatter):
    """The same record as :class:`JsonFormatter` (same fields, same scrubbing), on one line for people:
    ``17:26:27.454 INFO  service.app  net-cds ready  knowledge_version=2026.11.6 auth=enabled``."""

    def format(self, record: logging.LogRecord) -> str:
        entry = orjson.loads(super().format(record))
        ts = str(entry.pop("ts", ""))
        head = f"{ts[11:23]} {entry.pop('level', ''):7} {entry.pop('logger', '')}  {entry.pop('message', '')}"
        stack = entry.pop("error_stack", None)
        fields = " ".join(f"{key}={_text_value(value)}" for key, value in entry.items())
        line = f"{head}  {fields}" if fields else head
        if stack:
            line += "\n    " + "\n    ".join(stack)
        return line


def _text_value(value: Any) -> str:
    if isinstance(value, str):
        return value if value and not any(c.isspace() for c in value) else json.dumps(value, ensure_ascii=False)
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


LOG_FORMATTERS = {"json": JsonFormatter, "text": TextFormatter}


def _forbidden_key(key: str) -> bool:
    """Does this ``extra`` key name a credential or a body (never written)? Remembered per key."""
    verdict = _KEY_VERDICTS.get(key)
    if verdict is None:
        verdict = _FORBIDDEN_KEYS.search(key) is not None
        if len(_KEY_VERDICTS) < _MAX_KEY_VERDICTS:
            _KEY_VERDICTS[key] = verdict
    return verdict


def _plain(value: Any) -> Any:
    if isinstance(value, str):
        return _field(value)
    if value is None or isinstance(value, (bool, int, float)):
        return value
    if isinstance(value, (list, tuple, set, frozenset)):
        return [_plain(v) for v in value]
    if isinstance(value, dict):
        return {clip(str(k)): _plain(v) for k, v in value.items() if not _forbidden_key(str(k))}
    return _field(str(value))


class _StderrHandler(logging.StreamHandler):
    """Writes to whatever ``sys.stderr`` is at emit time (test runners swap it)."""

    @property  # type: ignore[override]
    def stream(self):  # noqa: D401
        return sys.stderr

    @stream.setter
    def stream(self, _value) -> None:
        pass


def configure_logging(level: str = "INFO", fmt: str = "json") -> None:
    """Install the JSON (or ``fmt="text"``) handler on the root logger (idempotent: replaces an earlier one)."""
    root = logging.getLogger()
    for handler in list(root.handlers):
        if getattr(handler, _HANDLER_MARK, False):
            root.removeHandler(handler)
    handler = _StderrHandler()
    setattr(handler, _HANDLER_MARK, True)
    handler.setFormatter(LOG_FORMATTERS[fmt]())
    handler.addFilter(ContextFilter())
    root.addHandler(handler)
    root.setLevel(level)
    logging.getLogger("service").setLevel(level)
    # Alembic narrates every plugin and migration context at INFO (~10 lines per start): only at DEBUG.
    logging.getLogger("alembic").setLevel(level if level == "DEBUG" else "WARNING")
    # urllib3 logs every FHIR request line at DEBUG ("GET /fhir/Condition?patient=<id>"): never.
    numeric = logging.getLevelName(level)
    quiet = max(logging.WARNING, numeric if isinstance(numeric, int) else logging.WARNING)
    for name in QUIET_LOGGERS:
        logging.getLogger(name).setLevel(quiet)
