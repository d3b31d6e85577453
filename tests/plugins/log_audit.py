"""pytest plugin: audit EVERY log line of the test session for secrets and patient data.

From the start of the session to its end, a handler on the root logger receives every record
any logger emits (``service.*``, werkzeug and gunicorn at ALL levels, DEBUG included: their
level check is bypassed for the audit only, other handlers still see exactly what they saw
before; other libraries at their configured level) and formats it with the service's own
``JsonFormatter``, i.e. exactly the line production would write. The live servers' stderr
files (``tests/plugins/live_server.py``) are read too. At the end of the session the run FAILS
(exit status 1, with the offending logger and what was found, never the secret itself) if any
line contains:

* a JWT (``eyJ[\\w-]+\\.[\\w-]+\\.[\\w-]*``);
* a registered secret: bearer/access tokens the tests use (``register_secret(value)``; the
  constants below are registered at start-up);
* a fixture patient's name (``fhir_fixtures/bundles``: "given family" and the name text);
* a FHIR resource body (``"resourceType"``).

Tests may call ``audit_lines(lines)`` to check a list of lines directly (the plugin's own tests).
"""
from __future__ import annotations

import json
import logging
import re
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterable

import pytest

REPO = Path(__file__).resolve().parents[2]
JWT = re.compile(r"eyJ[\w-]+\.[\w-]+\.[\w-]*")
RESOURCE_BODY = re.compile(r"[\"']resourceType[\"']")   # JSON text, or a dict's repr
AUDITED_PREFIXES = ("service", "werkzeug", "gunicorn")
MIN_SECRET_LENGTH = 8

# Bearer / access tokens the test suite sends as fhirAuthorization.access_token.
KNOWN_SECRETS = (
    "tok-SECRET-not-for-others",          # tests/data/_support.py
    "fhir-access-token-DO-NOT-LOG-123",   # tests/contract/test_logs.py
    "hardening-secret-access-token",      # tests/hardening
)


def fixture_patient_names() -> set[str]:
    names: set[str] = set()
    for path in sorted((REPO / "fhir_fixtures" / "bundles").glob("*.json")):
        try:
            bundle = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            continue
        for entry in bundle.get("entry") or ():
            resource = entry.get("resource") or {}
            if resource.get("resourceType") != "Patient":
                continue
            for name in resource.get("name") or ():
                family = name.get("family") or ""
                given = " ".join(g for g in name.get("given") or () if isinstance(g, str))
                for text in (f"{given} {family}".strip(), name.get("text") or ""):
                    if len(text) >= MIN_SECRET_LENGTH and " " in text:
                        names.add(text)
    return names


@dataclass
class Finding:
    source: str
    kind: str

    def __str__(self) -> str:
        return f"{self.source}: {self.kind}"


@dataclass
class LogAudit:
    secrets: set[str] = field(default_factory=lambda: set(KNOWN_SECRETS))
    names: set[str] = field(default_factory=fixture_patient_names)
    findings: list[Finding] = field(default_factory=list)
    records: int = 0
    files: list[Path] = field(default_factory=list)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def register_secret(self, value: str) -> None:
        if isinstance(value, str) and len(value) >= MIN_SECRET_LENGTH:
            self.secrets.add(value)

    def check_line(self, line: str, source: str) -> list[Finding]:
        found = []
        if JWT.search(line):
            found.append(Finding(source, "a JWT"))
        if RESOURCE_BODY.search(line):
            found.append(Finding(source, "a FHIR resource body (\"resourceType\")"))
        for secret in self.secrets:
            if secret in line:
                found.append(Finding(source, f"a registered secret ({len(secret)} characters)"))
        for name in self.names:
            if name in line:
                found.append(Finding(source, "a fixture patient's name"))
        return found

    def audit_lines(self, lines: Iterable[str], source: str = "lines") -> list[Finding]:
        out: list[Finding] = []
        for line in lines:
            out.extend(self.check_line(line, source))
        return out

    def add(self, findings: list[Finding]) -> None:
        if findings:
            with self._lock:
                self.findings.extend(findings)


class AuditHandler(logging.Handler):
    def __init__(self, audit: LogAudit):
        super().__init__(level=logging.NOTSET)
        from service.ops.logs import ContextFilter, JsonFormatter

        self.audit = audit
        self.setFormatter(JsonFormatter())
        self.addFilter(ContextFilter())

    def emit(self, record: logging.LogRecord) -> None:
        try:
            line = self.format(record)
        except Exception as exc:  # noqa: BLE001 - a record the formatter cannot write is a finding too
            line = f"unformattable record ({type(exc).__name__})"
        self.audit.records += 1
        source = f"logger {record.name} ({record.levelname})"
        # The written line, and the record as the code made it: the formatter's masking is the
        # second line of defence, never a licence to hand it a secret.
        self.audit.add(self.audit.check_line(line, source) or self.audit.check_line(_raw(record), source + " raw"))


_STANDARD = frozenset(vars(logging.LogRecord("x", 0, "x", 0, "x", None, None))) | {"message", "asctime", "taskName"}


def _raw(record: logging.LogRecord) -> str:
    try:
        parts = [record.getMessage()]
    except Exception:  # noqa: BLE001
        parts = [str(record.msg)]
    # (An exception's message is not audited: the formatter never writes it, by design.)
    parts += [repr(v) for k, v in vars(record).items() if k not in _STANDARD]
    return " ".join(parts)


_AUDIT = LogAudit()
_HANDLER: AuditHandler | None = None
_ORIGINAL_IS_ENABLED = logging.Logger.isEnabledFor
_ORIGINAL_CALL_HANDLERS = logging.Logger.callHandlers


def _audited(logger: logging.Logger) -> bool:
    return logger.name.startswith(AUDITED_PREFIXES)


def _is_enabled_for(self: logging.Logger, level: int) -> bool:
    if _audited(self) and self.manager.disable < level:
        return True
    return _ORIGINAL_IS_ENABLED(self, level)


def _call_handlers(self: logging.Logger, record: logging.LogRecord) -> None:
    if _ORIGINAL_IS_ENABLED(self, record.levelno):
        _ORIGINAL_CALL_HANDLERS(self, record)       # everything that was written before, as before
    elif _HANDLER is not None:
        _HANDLER.handle(record)                      # below the configured level: the audit only


def register_secret(value: str) -> None:
    """Fail the session if ``value`` ever appears in a log line."""
    _AUDIT.register_secret(value)


def audit() -> LogAudit:
    return _AUDIT


def pytest_configure(config: pytest.Config) -> None:
    global _HANDLER
    if _HANDLER is not None:
        return
    _HANDLER = AuditHandler(_AUDIT)
    logging.getLogger().addHandler(_HANDLER)
    logging.Logger.isEnabledFor = _is_enabled_for          # type: ignore[method-assign]
    logging.Logger.callHandlers = _call_handlers           # type: ignore[method-assign]
    for existing in logging.Logger.manager.loggerDict.values():
        if isinstance(existing, logging.Logger):
            existing._cache.clear()                       # noqa: SLF001 - the level cache of isEnabledFor


def pytest_unconfigure(config: pytest.Config) -> None:
    global _HANDLER
    if _HANDLER is not None:
        logging.getLogger().removeHandler(_HANDLER)
        _HANDLER = None
    logging.Logger.isEnabledFor = _ORIGINAL_IS_ENABLED    # type: ignore[method-assign]
    logging.Logger.callHandlers = _ORIGINAL_CALL_HANDLERS  # type: ignore[method-assign]


def _audit_live_server_logs() -> None:
    try:
        from tests.plugins.live_server import LIVE_LOGS
    except ImportError:
        return
    for path in LIVE_LOGS:
        try:
            text = path.read_text(encoding="utf-8", errors="replace")
        except OSError:
            continue
        _AUDIT.files.append(path)
        _AUDIT.add(_AUDIT.audit_lines(text.splitlines(), f"live server log {path.name}"))


@pytest.hookimpl(trylast=True)
def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    _audit_live_server_logs()
    if not _AUDIT.findings:
        return
    seen: dict[str, int] = {}
    for finding in _AUDIT.findings:
        seen[str(finding)] = seen.get(str(finding), 0) + 1
    lines = [f"  {count} x {what}" for what, count in sorted(seen.items())]
    message = ("LOG AUDIT FAILED: log lines of this test session contain secrets or patient data "
               "(tests/plugins/log_audit.py):\n" + "\n".join(lines[:50]))
    reporter = session.config.pluginmanager.get_plugin("terminalreporter")
    if reporter is not None:
        reporter.write_line(message, red=True, bold=True)
    else:
        print(message)
    session.exitstatus = pytest.ExitCode.TESTS_FAILED
