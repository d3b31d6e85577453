"""Every ``NETCDS_*`` setting, typed and checked once at start-up.

``Settings.from_env(mapping)`` reads a mapping (``os.environ`` from the CLI, a plain dict in
tests). Defaults live here; a bad value raises :class:`service.errors.ConfigError` whose
message names the variable, so the service refuses to start rather than run half-configured.
Other modules map what they need in their own ``from_settings(settings)``.

Values are never secrets but two: the database URL (``describe()`` masks its password) and
``NETCDS_METRICS_TOKEN`` (``describe()`` says only whether it is set; never in ``repr``).
"""
from __future__ import annotations

import os
import re
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any, Callable, Mapping
from urllib.parse import urlsplit, urlunsplit

from service.errors import ConfigError

PREFIX = "NETCDS_"

# Asymmetric JWS algorithms a client may use (CDS Hooks §JWT Signing Algorithm: ES384/RS384
# recommended; ``none`` and every symmetric HS* algorithm SHALL NOT be used).
ASYMMETRIC_ALGORITHMS = frozenset({
    "ES256", "ES384", "ES512", "RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "EdDSA",
})
LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL")
_TRUE = frozenset({"1", "true", "yes", "on"})
_FALSE = frozenset({"0", "false", "no", "off", ""})


def _default_cards_dir() -> Path:
    return Path(__file__).resolve().parent.parent / "cards"


def _default_workers() -> int:
    return min(2 * (os.cpu_count() or 1) + 1, 9)


@dataclass(frozen=True)
class Settings:
    host: str = "127.0.0.1"
    port: int = 8080
    public_base_url: str = "http://127.0.0.1:8080"
    trusted_issuers_path: Path | None = None
    auth_disabled: bool = False
    public_discovery: bool = False
    jwt_leeway_seconds: int = 60
    jwt_algorithms: tuple[str, ...] = ("ES384", "RS384", "ES256", "RS256", "PS384")
    jwt_max_lifetime_seconds: int = 3600
    allowed_fhir_servers: tuple[str, ...] = ()
    allow_http_fhir: bool = False
    allow_anonymous_fhir: bool = False
    fhir_timeout_seconds: float = 0.5
    hook_deadline_seconds: float = 0.9
    fhir_max_pages: int = 5
    fhir_max_response_bytes: int = 20_000_000
    cors_origins: tuple[str, ...] = ()
    max_body_bytes: int = 10_000_000
    database_url: str = "sqlite:///.netcds/feedback.sqlite3"
    auto_migrate: bool | None = None   # None: on for SQLite, off for PostgreSQL
    cards_dir: Path = _default_cards_dir()
    lookback_days: int = 365
    log_level: str = "INFO"
    log_format: str = "json"       # "json" (one object per line, for machines) or "text" (for people)
    workers: int = _default_workers()
    threads: int = 4
    max_in_flight: int = 0  # 0 = threads - 1 (at least 1): one thread stays free to answer 429 quickly
    replay_cache: str = "memory"   # "database" whenever served by gunicorn (see ``from_env``), else memory
    max_prefetch_resources: int = 5_000
    metrics_token: str | None = field(default=None, repr=False)   # bearer token GET /metrics requires (None: open)

    # ------------------------------------------------------------------ building

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> "Settings":
        """Build from ``NETCDS_*`` entries of ``env``; other keys are ignored."""
        env = {} if env is None else env
        values: dict[str, Any] = {}
        for name, parse in _PARSERS.items():
            var = env_var(name)
            raw = env.get(var)
            if raw is None or not raw.strip():   # empty = unset (as env files write it)
                continue
            try:
                values[name] = parse(raw.strip())
            except ConfigError:
                raise
            except (TypeError, ValueError) as exc:
                raise ConfigError(f"{var}: {exc}") from None
        if "replay_cache" not in values and served_by_gunicorn(env):
            # Served (python -m service, gunicorn -c deploy/gunicorn.conf.py, plain gunicorn, the
            # container): the replay cache is the shared jti_seen table, so a token used on one worker
            # or pod is refused on every other. Memory only in-process (tests, create_app()) or when
            # NETCDS_REPLAY_CACHE=memory says so.
            values["replay_cache"] = "database"
        if not values.get("max_in_flight"):
            values["max_in_flight"] = max(1, values.get("threads", cls.threads) - 1)
        settings = cls(**values)
        settings._check()
        return settings

    @staticmethod
    def unknown_variables(env: Mapping[str, str]) -> list[str]:
        """``NETCDS_*`` names in ``env`` that no setting reads (likely typos)."""
        known = {env_var(name) for name in _PARSERS}
        return sorted(k for k in env if k.startswith(PREFIX) and k not in known)

    def describe(self) -> dict[str, Any]:
        """Settings as loggable values (the database password is masked)."""
        out: dict[str, Any] = {}
        for f in fields(self):
            value = getattr(self, f.name)
            if f.name == "database_url":
                value = _mask_password(value)
            elif f.name == "metrics_token":
                value = "***" if value else None
            elif isinstance(value, Path):
                value = str(value)
            elif isinstance(value, tuple):
                value = list(value)
            out[f.name] = value
        return out

    @property
    def discovery_url(self) -> str:
        return f"{self.public_base_url}/cds-services"

    # ------------------------------------------------------------------ checks across settings

    def _check(self) -> None:
        if not self.auth_disabled:
            if self.trusted_issuers_path is None:
                raise ConfigError(
                    "NETCDS_TRUSTED_ISSUERS: required unless NETCDS_AUTH_DISABLED=true "
                    "(path to the trusted issuers file)"
                )
            if not self.trusted_issuers_path.is_file():
                raise ConfigError(f"NETCDS_TRUSTED_ISSUERS: no such file: {self.trusted_issuers_path}")
        if not self.cards_dir.is_dir():
            raise ConfigError(f"NETCDS_CARDS_DIR: not a directory: {self.cards_dir}")
        if not self.allow_http_fhir:
            for url in self.allowed_fhir_servers:
                if not url.startswith("https://"):
                    raise ConfigError(
                        f"NETCDS_ALLOWED_FHIR_SERVERS: {url} is not https "
                        "(set NETCDS_ALLOW_HTTP_FHIR=true for development only)"
                    )
        if self.fhir_timeout_seconds > self.hook_deadline_seconds:
            raise ConfigError(
                "NETCDS_FHIR_TIMEOUT_SECONDS: must not exceed NETCDS_HOOK_DEADLINE_SECONDS"
            )


def served_by_gunicorn(env: Mapping[str, str]) -> bool:
    """True in a gunicorn master or worker: its arbiter sets ``SERVER_SOFTWARE=gunicorn/<version>``
    in the process environment before any worker (and so any app) exists."""
    return str(env.get("SERVER_SOFTWARE", "")).startswith("gunicorn/")


def env_var(name: str) -> str:
    """The environment variable of a setting: ``jwt_leeway_seconds`` -> ``NETCDS_JWT_LEEWAY_SECONDS``."""
    return PREFIX + _ENV_NAMES.get(name, name.upper())


# ---------------------------------------------------------------------- parsers


def _bool(raw: str) -> bool:
    value = raw.lower()
    if value in _TRUE:
        return True
    if value in _FALSE:
        return False
    raise ValueError(f"expected true/false, got {raw!r}")


def _int_range(low: int, high: int) -> Callable[[str], int]:
    def parse(raw: str) -> int:
        try:
            value = int(raw)
        except ValueError:
            raise ValueError(f"expected an integer, got {raw!r}") from None
        if not low <= value <= high:
            raise ValueError(f"must be between {low} and {high}, got {value}")
        return value
    return parse


def _positive_float(high: float) -> Callable[[str], float]:
    def parse(raw: str) -> float:
        try:
            value = float(raw)
        except ValueError:
            raise ValueError(f"expected a number of seconds, got {raw!r}") from None
        if not 0 < value <= high:  # also rejects nan
            raise ValueError(f"must be greater than 0 and at most {high}, got {raw}")
        return value
    return parse


def _csv(raw: str) -> list[str]:
    return [item.strip() for item in raw.split(",") if item.strip()]


def _base_url(raw: str) -> str:
    parts = urlsplit(raw)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise ValueError(f"expected an absolute http(s) URL, got {raw!r}")
    if parts.query or parts.fragment or "@" in parts.netloc:
        raise ValueError("must not contain credentials, a query or a fragment")
    return urlunsplit((parts.scheme, parts.netloc.lower(), parts.path.rstrip("/"), "", ""))


def _base_urls(raw: str) -> tuple[str, ...]:
    return tuple(_base_url(item) for item in _csv(raw))


def _origins(raw: str) -> tuple[str, ...]:
    out = []
    for item in _csv(raw):
        if item == "*":
            out.append(item)
            continue
        parts = urlsplit(item)
        if parts.scheme not in ("http", "https") or not parts.netloc or parts.path not in ("", "/") \
                or parts.query or parts.fragment:
            raise ValueError(f"expected origins like https://ehr.example.org or '*', got {item!r}")
        out.append(f"{parts.scheme}://{parts.netloc.lower()}")
    return tuple(out)


def _algorithms(raw: str) -> tuple[str, ...]:
    algs = tuple(_csv(raw))
    if not algs:
        raise ValueError("at least one algorithm is required")
    for alg in algs:
        if alg.lower() == "none" or alg.upper().startswith("HS"):
            raise ValueError(f"{alg} is forbidden by CDS Hooks (no 'none', no symmetric HS*)")
        if alg not in ASYMMETRIC_ALGORITHMS:
            raise ValueError(f"unknown algorithm {alg!r}; allowed: {', '.join(sorted(ASYMMETRIC_ALGORITHMS))}")
    return algs


def _choice(*allowed: str) -> Callable[[str], str]:
    def parse(raw: str) -> str:
        value = raw.lower()
        if value not in allowed:
            raise ValueError(f"expected one of {', '.join(allowed)}, got {raw!r}")
        return value
    return parse


def _path(raw: str) -> Path:
    if not raw:
        raise ValueError("must not be empty")
    return Path(raw)


def _host(raw: str) -> str:
    if not raw or any(c.isspace() for c in raw):
        raise ValueError(f"expected a host name or address, got {raw!r}")
    return raw


def _log_level(raw: str) -> str:
    value = raw.upper()
    if value not in LOG_LEVELS:
        raise ValueError(f"expected one of {', '.join(LOG_LEVELS)}, got {raw!r}")
    return value


def _database_url(raw: str) -> str:
    if not re.match(r"^[a-z][a-z0-9+]*://", raw):
        raise ValueError("expected a SQLAlchemy URL such as sqlite:///path or postgresql+psycopg://...")
    return raw


_TOKEN = re.compile(r"[A-Za-z0-9._~+/=-]{32,512}")


def _secret_token(raw: str) -> str:
    """A bearer token (RFC 6750 ``b64token`` characters), at least 32 characters: guessable ones are refused."""
    if not _TOKEN.fullmatch(raw):
        raise ValueError("expected 32 to 512 characters of A-Z a-z 0-9 . _ ~ + / = - "
                         "(e.g. `python -c 'import secrets; print(secrets.token_urlsafe(32))'`)")
    return raw


def _mask_password(url: str) -> str:
    return re.sub(r"(://[^:/@]+:)[^@]*@", r"\1***@", url)


_PARSERS: dict[str, Callable[[str], Any]] = {
    "host": _host,
    "port": _int_range(1, 65535),
    "public_base_url": _base_url,
    "trusted_issuers_path": _path,
    "auth_disabled": _bool,
    "public_discovery": _bool,
    "jwt_leeway_seconds": _int_range(0, 300),
    "jwt_algorithms": _algorithms,
    "jwt_max_lifetime_seconds": _int_range(1, 86400),
    "allowed_fhir_servers": _base_urls,
    "allow_http_fhir": _bool,
    "allow_anonymous_fhir": _bool,
    "fhir_timeout_seconds": _positive_float(60),
    "hook_deadline_seconds": _positive_float(120),
    "fhir_max_pages": _int_range(1, 1000),
    "fhir_max_response_bytes": _int_range(1, 1_000_000_000),
    "cors_origins": _origins,
    "max_body_bytes": _int_range(1, 1_000_000_000),
    "database_url": _database_url,
    "auto_migrate": _bool,
    "cards_dir": _path,
    "lookback_days": _int_range(1, 36500),
    "log_level": _log_level,
    "log_format": _choice("json", "text"),
    "workers": _int_range(1, 256),
    "threads": _int_range(1, 256),
    "max_in_flight": _int_range(0, 10000),
    "replay_cache": _choice("memory", "database"),
    "max_prefetch_resources": _int_range(1, 10_000_000),
    "metrics_token": _secret_token,
}

# Settings whose variable is not simply NETCDS_<NAME>.
_ENV_NAMES = {"trusted_issuers_path": "TRUSTED_ISSUERS"}
