"""CDS client authentication: verification of the JWT a CDS Client sends (CDS Hooks 2.0 §Trusting CDS Clients).

Interface
---------
``Verifier.from_settings(settings).verify(request.headers.get("Authorization"), audience) -> Claims``
where ``audience`` is the *external* URL of the endpoint being invoked, built from the configured
public base URL (never ``request.url``), e.g. ``f"{settings.public_base_url}/cds-services/net-treatment"``.

Every failure raises ``service.errors.Unauthorized()`` with no detail. The reason is logged at WARNING
as a short category (``extra={"iss", "tenant", "jti", "reason"}``); the token is never logged.

Trusted issuers file (``NETCDS_TRUSTED_ISSUERS``), validated strictly at start-up::

    {
      "<iss>": {
        "jwks": {"keys": [<public JWK>, ...]},      # inline key set, or
        "jwks_url": "https://...",                   # where the issuer publishes its key set
        "jku": ["https://..."],                      # `jku` header values this issuer may send
        "audiences": ["https://alt-base.example"],   # optional extra accepted base URLs
        "tenants": ["..."]                           # optional: `tenant` must be one of these
      }
    }

Exactly one of ``jwks`` / ``jwks_url``. A ``jku`` header is honoured only if it is in that issuer's
``jku`` list; otherwise the token is rejected and nothing is fetched. With an inline ``jwks`` an
allowed ``jku`` is never fetched (the inline set wins); with ``jwks_url`` an allowed ``jku`` that
differs from it is fetched instead (it is operator-configured, so not attacker-chosen).

``audiences`` are alternative *base URLs* under which the issuer was told to address this service
(e.g. an EHR configured with another host name). A token's ``aud`` is accepted if it equals the
audience argument exactly, or equals one of these bases + the same endpoint suffix (the part of the
audience argument after ``public_base_url``).
"""
from __future__ import annotations

import base64
import binascii
import heapq
import ipaddress
import json
import logging
import math
import re
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Iterable, Mapping, Protocol, Sequence
from urllib.parse import urlsplit

import jwt
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from jwt.algorithms import ECAlgorithm, RSAAlgorithm, get_default_algorithms

from service import strict_json
from service.ops import logs
from service.errors import ConfigError, ServiceUnavailable, Unauthorized

log = logging.getLogger(__name__)

DEFAULT_ALGORITHMS: tuple[str, ...] = ("ES384", "RS384", "ES256", "RS256", "PS384")
# Asymmetric algorithms we are able to accept at all. `none` and HS* are never acceptable.
_EC_ALGS = {"ES256": "P-256", "ES384": "P-384", "ES512": "P-521"}
_RSA_ALGS = {"RS256", "RS384", "RS512", "PS256", "PS384", "PS512"}
SUPPORTED_ALGORITHMS = frozenset(_EC_ALGS) | frozenset(_RSA_ALGS)

_EC_CURVES = {"P-256": ec.SECP256R1, "P-384": ec.SECP384R1, "P-521": ec.SECP521R1}
_MIN_RSA_BITS = 2048
# Members of a JWK that only a private (or symmetric) key has.
_PRIVATE_JWK_MEMBERS = frozenset({"d", "p", "q", "dp", "dq", "qi", "oth", "k"})
_ISSUER_FIELDS = frozenset({"jwks", "jwks_url", "jku", "audiences", "tenants"})

MAX_TOKEN_CHARS = 16 * 1024
_MAX_LOGGED_CHARS = 128
_COMPACT_JWS = re.compile(r"^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*$")  # empty sig: alg none, refused below

JWKS_FETCH_TIMEOUT_SECONDS = 3.0
JWKS_MAX_BYTES = 64 * 1024
JWKS_CACHE_TTL_SECONDS = 300.0
JWKS_MIN_REFETCH_SECONDS = 10.0

AUTH_DISABLED_ISSUER = "auth-disabled"


# --------------------------------------------------------------------------------------------
# Results
# --------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Claims:
    """What the rest of the service may know about the authenticated caller."""

    iss: str
    tenant: str | None
    jti: str | None
    exp: int | None


class _Reject(Exception):
    """Internal: a verification failure with a short, loggable reason category."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


# --------------------------------------------------------------------------------------------
# Keys
# --------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class PublicKey:
    """One verified-shape public key from a JWK Set."""

    kid: str
    kty: str                      # "EC" | "RSA"
    key: Any                      # cryptography public key object
    alg: str | None = None        # the JWK's own `alg`, if it declares one
    crv: str | None = None        # EC curve name

    def fits(self, alg: str) -> bool:
        """Does this key's type (and curve, and declared alg) fit the token's ``alg``?"""
        if self.alg is not None and self.alg != alg:
            return False
        if alg in _EC_ALGS:
            return self.kty == "EC" and self.crv == _EC_ALGS[alg]
        if alg in _RSA_ALGS:
            return self.kty == "RSA"
        return False


def parse_public_jwk(jwk: Any) -> PublicKey:
    """Parse one public JWK strictly. Raises ``ValueError`` naming the problem."""
    if not isinstance(jwk, dict):
        raise ValueError("a key is not a JSON object")
    private = sorted(_PRIVATE_JWK_MEMBERS.intersection(jwk))
    if private:
        raise ValueError(
            f"key {jwk.get('kid')!r} contains private or symmetric key material ({', '.join(private)}); "
            "only public keys belong here")
    kid = jwk.get("kid")
    if not isinstance(kid, str) or not kid:
        raise ValueError("a key has no 'kid'")
    kty = jwk.get("kty")
    use = jwk.get("use")
    if use is not None and use != "sig":
        raise ValueError(f"key {kid!r} has use {use!r}; only 'sig' keys are accepted")
    alg = jwk.get("alg")
    if alg is not None and alg not in SUPPORTED_ALGORITHMS:
        raise ValueError(f"key {kid!r} declares unsupported alg {alg!r}")
    if kty == "EC":
        crv = jwk.get("crv")
        if crv not in _EC_CURVES:
            raise ValueError(f"key {kid!r} has unsupported curve {crv!r}")
        if alg is not None and _EC_ALGS.get(alg) != crv:
            raise ValueError(f"key {kid!r}: alg {alg!r} does not fit curve {crv!r}")
        try:
            key = ECAlgorithm.from_jwk(jwk)
        except Exception as exc:  # noqa: BLE001 - PyJWT raises several types
            raise ValueError(f"key {kid!r} is not a valid EC public key") from exc
        if not isinstance(key, ec.EllipticCurvePublicKey):
            raise ValueError(f"key {kid!r} is not an EC public key")
        return PublicKey(kid=kid, kty="EC", key=key, alg=alg, crv=crv)
    if kty == "RSA":
        if alg is not None and alg not in _RSA_ALGS:
            raise ValueError(f"key {kid!r}: alg {alg!r} does not fit an RSA key")
        try:
            key = RSAAlgorithm.from_jwk(jwk)
        except Exception as exc:  # noqa: BLE001
            raise ValueError(f"key {kid!r} is not a valid RSA public key") from exc
        if not isinstance(key, rsa.RSAPublicKey):
            raise ValueError(f"key {kid!r} is not an RSA public key")
        if key.key_size < _MIN_RSA_BITS:
            raise ValueError(f"key {kid!r} is a {key.key_size}-bit RSA key; at least {_MIN_RSA_BITS} bits required")
        return PublicKey(kid=kid, kty="RSA", key=key, alg=alg)
    raise ValueError(f"key {kid!r} has unsupported kty {kty!r} (EC or RSA only)")


def parse_jwks(jwks: Any, *, strict: bool) -> dict[str, PublicKey]:
    """Parse a JWK Set into ``{kid: PublicKey}``.

    ``strict`` (the trusted issuers file): any bad key is an error. Otherwise (a fetched set):
    keys we cannot or must not use are skipped, but a set containing private key material is
    refused outright (the publisher has leaked its key).
    """
    if not isinstance(jwks, dict) or not isinstance(jwks.get("keys"), list):
        raise ValueError("the key set is not a JSON object with a 'keys' array")
    keys: dict[str, PublicKey] = {}
    for raw in jwks["keys"]:
        if isinstance(raw, dict) and _PRIVATE_JWK_MEMBERS.intersection(raw):
            parse_public_jwk(raw)  # raises with the message naming the key
        try:
            key = parse_public_jwk(raw)
        except ValueError:
            if strict:
                raise
            continue
        if key.kid in keys:
            if strict:
                raise ValueError(f"duplicate kid {key.kid!r}")
            continue
        keys[key.kid] = key
    if strict and not keys:
        raise ValueError("the key set has no keys")
    return keys


# --------------------------------------------------------------------------------------------
# Trusted issuers
# --------------------------------------------------------------------------------------------
def _is_loopback_host(host: str | None) -> bool:
    if not host:
        return False
    if host.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def check_fetch_url(url: str) -> None:
    """A URL we may fetch a JWK Set from: https, or http to a loopback host. Raises ``ValueError``."""
    if not isinstance(url, str) or not url:
        raise ValueError("not a URL")
    parts = urlsplit(url)
    if parts.username or parts.password:
        raise ValueError(f"{url!r} must not contain credentials")
    if not parts.hostname:
        raise ValueError(f"{url!r} has no host")
    if parts.scheme == "https":
        return
    if parts.scheme == "http" and _is_loopback_host(parts.hostname):
        return
    raise ValueError(f"{url!r} must be https (http only for loopback)")


@dataclass(frozen=True)
class Issuer:
    iss: str
    keys: Mapping[str, PublicKey] | None = None      # inline JWKS
    jwks_url: str | None = None
    jku: frozenset[str] = frozenset()
    audiences: tuple[str, ...] = ()
    tenants: frozenset[str] | None = None


def _string_list(value: Any, what: str, *, urls: bool = False) -> list[str]:
    if not isinstance(value, list) or not all(isinstance(v, str) and v for v in value):
        raise ValueError(f"'{what}' must be an array of non-empty strings")
    if urls:
        for v in value:
            check_fetch_url(v)
    return list(value)


def _parse_issuer(iss: str, spec: Any) -> Issuer:
    if not isinstance(spec, dict):
        raise ValueError("must be a JSON object")
    unknown = sorted(set(spec) - _ISSUER_FIELDS)
    if unknown:
        raise ValueError(f"unknown field(s) {', '.join(unknown)} (allowed: {', '.join(sorted(_ISSUER_FIELDS))})")
    has_jwks, has_url = "jwks" in spec, "jwks_url" in spec
    if has_jwks == has_url:
        raise ValueError("needs exactly one of 'jwks' (inline key set) or 'jwks_url'")
    keys = None
    jwks_url = None
    if has_jwks:
        keys = parse_jwks(spec["jwks"], strict=True)
    else:
        jwks_url = spec["jwks_url"]
        check_fetch_url(jwks_url)
    jku = _string_list(spec.get("jku", []), "jku", urls=True)
    audiences = _string_list(spec.get("audiences", []), "audiences")
    for aud in audiences:
        parts = urlsplit(aud)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise ValueError(f"audience {aud!r} is not an absolute http(s) URL")
    tenants = None
    if "tenants" in spec:
        tenants = frozenset(_string_list(spec["tenants"], "tenants"))
        if not tenants:
            raise ValueError("'tenants' is empty (omit it to accept any tenant)")
    return Issuer(iss=iss, keys=keys, jwks_url=jwks_url, jku=frozenset(jku),
                  audiences=tuple(a.rstrip("/") for a in audiences), tenants=tenants)


class TrustedIssuers:
    """The allowlist of CDS Client issuers and their keys."""

    def __init__(self, issuers: Iterable[Issuer] = ()):
        self._issuers = {i.iss: i for i in issuers}

    @classmethod
    def from_mapping(cls, data: Any, *, source: str = "trusted issuers") -> TrustedIssuers:
        if not isinstance(data, dict):
            raise ConfigError(f"{source}: must be a JSON object mapping issuer (iss) to its settings")
        if not data:
            raise ConfigError(f"{source}: no trusted issuers configured")
        issuers = []
        for iss, spec in data.items():
            if not iss:
                raise ConfigError(f"{source}: an issuer name is empty")
            try:
                issuers.append(_parse_issuer(iss, spec))
            except ValueError as exc:
                raise ConfigError(f"{source}: issuer {iss!r}: {exc}") from None
        return cls(issuers)

    @classmethod
    def from_file(cls, path: str | Path) -> TrustedIssuers:
        path = Path(path)
        source = f"NETCDS_TRUSTED_ISSUERS ({path.name})"
        try:
            text = path.read_text(encoding="utf-8")
        except OSError as exc:
            raise ConfigError(f"{source}: cannot be read ({exc.strerror or type(exc).__name__})") from None
        try:
            data = json.loads(text)
        except ValueError as exc:
            raise ConfigError(f"{source}: not valid JSON ({exc})") from None
        return cls.from_mapping(data, source=source)

    def get(self, iss: Any) -> Issuer | None:
        return self._issuers.get(iss) if isinstance(iss, str) else None

    def __len__(self) -> int:
        return len(self._issuers)

    def __iter__(self):
        return iter(self._issuers.values())


# --------------------------------------------------------------------------------------------
# JWKS fetching and caching
# --------------------------------------------------------------------------------------------
def fetch_jwks_https(url: str, *, timeout: float = JWKS_FETCH_TIMEOUT_SECONDS,
                     max_bytes: int = JWKS_MAX_BYTES) -> dict:
    """Fetch a JWK Set: https only (http for loopback), no redirects, short timeout, size cap."""
    import requests

    check_fetch_url(url)
    with requests.Session() as session:
        # Never send loopback traffic through an environment proxy.
        session.trust_env = not _is_loopback_host(urlsplit(url).hostname)
        with session.get(url, timeout=timeout, allow_redirects=False, stream=True,
                         headers={"Accept": "application/jwk-set+json, application/json"}) as resp:
            if resp.status_code != 200:
                raise ValueError(f"HTTP {resp.status_code}")
            declared = resp.headers.get("Content-Length")
            if declared and declared.isdigit() and int(declared) > max_bytes:
                raise ValueError("key set too large")
            body = bytearray()
            for chunk in resp.iter_content(8192):
                body.extend(chunk)
                if len(body) > max_bytes:
                    raise ValueError("key set too large")
    return strict_json.loads(bytes(body))


@dataclass
class _CachedSet:
    keys: dict[str, PublicKey] = field(default_factory=dict)
    fetched_at: float | None = None     # last successful fetch
    attempted_at: float | None = None   # last fetch attempt (success or failure)
    lock: threading.Lock = field(default_factory=threading.Lock)


class JwksCache:
    """Keys fetched from allowlisted JWKS URLs, cached with a TTL.

    An unknown ``kid`` triggers one refetch, at most once per ``min_refetch`` seconds per URL (so a
    stream of tokens with bogus kids cannot make us hammer the issuer). A failed fetch keeps serving
    the previously fetched keys.
    """

    def __init__(self, fetch: Callable[[str], Any], clock: Callable[[], float], *,
                 ttl: float = JWKS_CACHE_TTL_SECONDS, min_refetch: float = JWKS_MIN_REFETCH_SECONDS):
        self._fetch = fetch
        self._clock = clock
        self._ttl = ttl
        self._min_refetch = min_refetch
        self._sets: dict[str, _CachedSet] = {}
        self._guard = threading.Lock()

    def _entry(self, url: str) -> _CachedSet:
        with self._guard:
            return self._sets.setdefault(url, _CachedSet())

    def _refresh(self, url: str, entry: _CachedSet, now: float) -> None:
        entry.attempted_at = now
        try:
            entry.keys = parse_jwks(self._fetch(url), strict=False)
            entry.fetched_at = now
        except Exception as exc:  # noqa: BLE001 - any fetch/parse failure is handled the same way
            log.warning("JWKS fetch failed", extra={"jwks_url": url, "reason": type(exc).__name__})

    def get(self, url: str, kid: str) -> PublicKey | None:
        entry = self._entry(url)
        with entry.lock:
            now = self._clock()
            fresh = entry.fetched_at is not None and now - entry.fetched_at < self._ttl
            may_fetch = entry.attempted_at is None or now - entry.attempted_at >= self._min_refetch
            if not fresh and may_fetch:
                self._refresh(url, entry, now)
            elif kid not in entry.keys and may_fetch:
                self._refresh(url, entry, now)   # key rotation: refetch once on an unknown kid
            return entry.keys.get(kid)


# --------------------------------------------------------------------------------------------
# Replay cache
# --------------------------------------------------------------------------------------------
class ReplayCacheFull(Exception):
    """The replay cache cannot record another token without forgetting an unexpired one."""


class ReplayCacheUnavailable(Exception):
    """The shared replay cache cannot be reached; the token is neither accepted nor refused (503)."""


class ReplayCache(Protocol):
    """Short-term memory of seen ``jti`` values.

    ``InMemoryReplayCache``: one process (tests, a single worker). ``DatabaseReplayCache``: shared
    by every worker and pod through the feedback database (``NETCDS_REPLAY_CACHE=database``).
    Keys are ``f"{iss}\\x00{jti}"``.
    """

    def add(self, key: str, *, expires_at: float, now: float) -> bool:
        """Remember ``key`` until ``expires_at``; return False if it is already remembered (a replay).

        May raise ``ReplayCacheFull`` (the verifier rejects the token: fails closed) or
        ``ReplayCacheUnavailable`` (the call is answered 503, retryable; never accepted).
        """


class InMemoryReplayCache:
    """Thread-safe, bounded, in-process replay cache (per worker process)."""

    def __init__(self, max_entries: int = 100_000):
        self._max = max_entries
        self._expiry: dict[str, float] = {}
        self._heap: list[tuple[float, str]] = []
        self._lock = threading.Lock()

    def _purge(self, now: float) -> None:
        while self._heap and self._heap[0][0] <= now:
            expires_at, key = heapq.heappop(self._heap)
            if self._expiry.get(key) == expires_at:
                del self._expiry[key]

    def add(self, key: str, *, expires_at: float, now: float) -> bool:
        with self._lock:
            self._purge(now)
            if key in self._expiry:
                return False
            if len(self._expiry) >= self._max:
                raise ReplayCacheFull()
            self._expiry[key] = expires_at
            heapq.heappush(self._heap, (expires_at, key))
            return True

    def __len__(self) -> int:
        with self._lock:
            return len(self._expiry)


class DatabaseReplayCache:
    """Replay cache shared by all workers and processes: the ``jti_seen`` table of the feedback database.

    ``add`` is one short ``INSERT`` in its own autocommit transaction: the primary key ``(iss, jti)`` makes
    the second insert of a token fail, whichever worker or pod it reaches (insert-or-fail, no
    read-then-write race). Expired rows are deleted at most once per ``purge_interval`` seconds
    per process (one indexed ``DELETE``). The engine is not durable-on-commit (SQLite
    ``synchronous=NORMAL``, PostgreSQL ``synchronous_commit=off``): a token's row can be lost
    only with the machine, never with a worker, and tokens live minutes.
    """

    def __init__(self, url: str, *, purge_interval: float = 60.0, engine: Any = None):
        from service.feedback.store import jti_seen_table, make_engine

        self.engine = engine if engine is not None else make_engine(
            url, statement_timeout_ms=2000, durable=False, pre_ping=False)
        # The hot path: one INSERT as its own (autocommit) transaction, plain driver SQL (no
        # statement compilation; psycopg prepares it server-side after a few uses), no pre-ping
        # round trip: a pooled connection found dead is replaced and the insert retried once.
        self._table = jti_seen_table.name
        self._hot: tuple[Any, Any, str] | None = None     # (engine, its autocommit view, INSERT text)
        self._purge_interval = purge_interval
        self._next_purge = 0.0
        self._purge_lock = threading.Lock()

    def add(self, key: str, *, expires_at: float, now: float) -> bool:
        from sqlalchemy.exc import DBAPIError, IntegrityError, SQLAlchemyError

        iss, _, jti = key.partition("\x00")
        if len(iss) > 512 or len(jti) > 256:
            raise ReplayCacheFull()
        self._maybe_purge(now)
        params = (iss, jti, int(math.ceil(expires_at)))
        _engine, autocommit, sql = self._hot_path()
        for attempt in (1, 2):
            try:
                with autocommit.connect() as conn:
                    conn.exec_driver_sql(sql, params)
                return True
            except IntegrityError:
                return not self._still_remembered(iss, jti, now)
            except DBAPIError as exc:
                if attempt == 1 and exc.connection_invalidated:
                    continue            # a dead pooled connection (server restart): once more, on a new one
                log.error("replay cache unavailable", extra={"error": type(exc).__name__})
                raise ReplayCacheUnavailable() from None
            except SQLAlchemyError as exc:
                log.error("replay cache unavailable", extra={"error": type(exc).__name__})
                raise ReplayCacheUnavailable() from None
        raise ReplayCacheUnavailable()

    def _hot_path(self) -> tuple[Any, Any, str]:
        hot = self._hot
        if hot is None or hot[0] is not self.engine:        # built once per engine
            engine = self.engine
            mark = "?" if engine.dialect.paramstyle in ("qmark", "numeric") else "%s"
            hot = self._hot = (engine, engine.execution_options(isolation_level="AUTOCOMMIT"),
                               f"INSERT INTO {self._table} (iss, jti, expires_at) VALUES ({mark}, {mark}, {mark})")
        return hot

    def _still_remembered(self, iss: str, jti: str, now: float) -> bool:
        """After a duplicate key: is the row unexpired (a replay)? An expired row is forgotten.

        (A token is only ever presented before its own expiry, so an expired row with the same
        ``jti`` is a reused nonce of an old token: it is deleted and the caller accepted once.)
        """
        from sqlalchemy.exc import SQLAlchemyError

        from service.feedback.store import jti_seen_table as t

        try:
            with self.engine.begin() as conn:
                deleted = conn.execute(t.delete().where(t.c.iss == iss, t.c.jti == jti, t.c.expires_at < int(now)))
                if not deleted.rowcount:
                    return True
                conn.execute(t.insert().values(iss=iss, jti=jti, expires_at=int(now) + 1))
            return False
        except SQLAlchemyError:
            return True     # a concurrent writer won: treat as a replay (fails closed)

    def _maybe_purge(self, now: float) -> None:
        if now < self._next_purge or not self._purge_lock.acquire(blocking=False):
            return
        try:
            self._next_purge = now + self._purge_interval
            self.purge(now)
        finally:
            self._purge_lock.release()

    def purge(self, now: float) -> int:
        """Delete expired rows; return how many. Failures are logged, never raised (the next insert tells)."""
        from sqlalchemy.exc import SQLAlchemyError

        from service.feedback.store import jti_seen_table as t

        try:
            with self.engine.begin() as conn:
                return conn.execute(t.delete().where(t.c.expires_at < int(now))).rowcount or 0
        except SQLAlchemyError as exc:
            log.warning("replay cache purge failed", extra={"error": type(exc).__name__})
            return 0

    def __len__(self) -> int:
        import sqlalchemy as sa

        from service.feedback.store import jti_seen_table as t

        with self.engine.connect() as conn:
            return int(conn.execute(sa.select(sa.func.count()).select_from(t)).scalar_one())

    def close(self) -> None:
        self.engine.dispose()


def replay_cache_from_settings(settings: Any) -> ReplayCache:
    """``NETCDS_REPLAY_CACHE``: ``database`` (shared) or ``memory`` (this process only)."""
    if getattr(settings, "replay_cache", "memory") == "database":
        return DatabaseReplayCache(settings.database_url)
    return InMemoryReplayCache()


# --------------------------------------------------------------------------------------------
# Verifier
# --------------------------------------------------------------------------------------------
def _b64url_bytes(segment: str) -> bytes:
    """A base64url segment (alphabet already checked, no padding) -> bytes, canonical only.

    Refuses what PyJWT refuses: a length that no encoding has (``len % 4 == 1``) and spare
    trailing bits that are not zero (two texts for the same bytes).
    """
    if len(segment) % 4 == 1:
        raise ValueError("impossible base64url length")
    raw = segment.encode("ascii")
    decoded = base64.urlsafe_b64decode(raw + b"=" * (-len(raw) % 4))
    if base64.urlsafe_b64encode(decoded).rstrip(b"=") != raw:
        raise ValueError("non-canonical base64url")
    return decoded


def _b64url_json(segment: str) -> Any:
    """A JWT header or payload: strict JSON (a repeated member, NaN, a huge number ... is a
    ``JsonError``, a ``ValueError``: the token is malformed). With the stdlib's ``json.loads`` the
    last of two ``"alg"`` or ``"aud"`` members would win, so two readers of one token could
    disagree about what it says."""
    return strict_json.loads(_b64url_bytes(segment))


# PyJWT's verifier object per algorithm we may accept (stateless; built once).
_ALGORITHM_OBJECTS: dict[str, Any] = {
    name: algorithm for name, algorithm in get_default_algorithms().items() if name in SUPPORTED_ALGORITHMS
}


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)


def _loggable(value: Any) -> str | None:
    """An unverified claim, made safe to log: strings only, truncated."""
    if not isinstance(value, str):
        return None
    value = value[:_MAX_LOGGED_CHARS]
    return "***" if logs.looks_secret(value) else value


class Verifier:
    def __init__(self, issuers: TrustedIssuers, *,
                 algorithms: Sequence[str] = DEFAULT_ALGORITHMS,
                 leeway: float = 60,
                 max_lifetime: float = 3600,
                 auth_disabled: bool = False,
                 fetch_jwks: Callable[[str], Any] | None = None,
                 clock: Callable[[], float] = time.time,
                 replay_cache: ReplayCache | None = None,
                 public_base_url: str | None = None,
                 jwks_cache_ttl: float = JWKS_CACHE_TTL_SECONDS,
                 jwks_min_refetch: float = JWKS_MIN_REFETCH_SECONDS):
        algs = tuple(algorithms)
        bad = [a for a in algs if a not in SUPPORTED_ALGORITHMS]
        if bad or not algs:
            raise ConfigError(
                f"NETCDS JWT algorithms: {', '.join(map(repr, bad)) or 'none given'} not allowed; "
                f"choose from {', '.join(sorted(SUPPORTED_ALGORITHMS))} (never none or HS*)")
        if not (0 <= leeway <= 300):
            raise ConfigError("JWT leeway must be between 0 and 300 seconds")
        if not (0 < max_lifetime <= 86_400):
            raise ConfigError("JWT max lifetime must be between 1 and 86400 seconds")
        if not auth_disabled and not len(issuers):
            raise ConfigError("NETCDS_TRUSTED_ISSUERS: no trusted issuers configured")
        self.issuers = issuers
        self.algorithms = frozenset(algs)
        self.leeway = leeway
        self.max_lifetime = max_lifetime
        self.auth_disabled = auth_disabled
        self.public_base_url = public_base_url.rstrip("/") if public_base_url else None
        self._clock = clock
        self._jwks = JwksCache(fetch_jwks or fetch_jwks_https, clock,
                               ttl=jwks_cache_ttl, min_refetch=jwks_min_refetch)
        self._replay: ReplayCache = replay_cache if replay_cache is not None else InMemoryReplayCache()
        if auth_disabled:
            log.warning("authentication disabled: development only", extra={"reason": "auth-disabled"})

    @classmethod
    def from_settings(cls, settings: Any, **kwargs: Any) -> Verifier:
        """Build from ``service.config.Settings``; ``kwargs`` (fetch_jwks, clock, replay_cache) for tests."""
        auth_disabled = bool(settings.auth_disabled)
        path = settings.trusted_issuers_path
        if path:
            issuers = TrustedIssuers.from_file(path)
        elif auth_disabled:
            issuers = TrustedIssuers()
        else:
            raise ConfigError("NETCDS_TRUSTED_ISSUERS must name the trusted issuers file "
                              "(or set NETCDS_AUTH_DISABLED=true, development only)")
        return cls(issuers,
                   algorithms=tuple(settings.jwt_algorithms),
                   leeway=settings.jwt_leeway_seconds,
                   max_lifetime=settings.jwt_max_lifetime_seconds,
                   auth_disabled=auth_disabled,
                   public_base_url=settings.public_base_url,
                   **kwargs)

    # -- public ---------------------------------------------------------------------------
    def verify(self, authorization_header: str | None, audience: str) -> Claims:
        """Verify the ``Authorization`` header for a call to ``audience`` (the endpoint's external URL)."""
        if self.auth_disabled:
            log.warning("authentication disabled: development only", extra={"reason": "auth-disabled"})
            return Claims(iss=AUTH_DISABLED_ISSUER, tenant=None, jti=None, exp=None)
        context: dict[str, Any] = {}
        try:
            claims = self._verify(authorization_header, audience, context)
        except _Reject as rej:
            self._log_failure(rej.reason, context)
            raise Unauthorized() from None
        except ReplayCacheUnavailable:
            self._log_failure("replay-cache-unavailable", context)
            raise ServiceUnavailable("The token could not be checked against replay; retry later.") from None
        except Exception as exc:  # noqa: BLE001 - fail closed on anything unexpected
            self._log_failure(f"error:{type(exc).__name__}", context)
            raise Unauthorized() from None
        # DEBUG: the hook call's own INFO line names the issuer and tenant (one line per request).
        if log.isEnabledFor(logging.DEBUG):
            log.debug("client authenticated",
                      extra={"iss": claims.iss, "tenant": claims.tenant, "jti": claims.jti, "reason": None})
        return claims

    # -- internals ------------------------------------------------------------------------
    @staticmethod
    def _log_failure(reason: str, context: Mapping[str, Any]) -> None:
        log.warning("client authentication failed: %s", reason,
                    extra={"iss": _loggable(context.get("iss")), "tenant": _loggable(context.get("tenant")),
                           "jti": _loggable(context.get("jti")), "reason": reason})

    def _accepted_audiences(self, issuer: Issuer, audience: str) -> set[str]:
        accepted = {audience}
        if issuer.audiences:
            if self.public_base_url and audience.startswith(self.public_base_url):
                suffix = audience[len(self.public_base_url):]
            else:
                parts = urlsplit(audience)
                suffix = parts.path + (f"?{parts.query}" if parts.query else "")
            accepted.update(base + suffix for base in issuer.audiences)
        return accepted

    def _verify(self, header_value: str | None, audience: str, ctx: dict[str, Any]) -> Claims:
        # 1. Transport: "Bearer <compact JWS>".
        if not header_value:
            raise _Reject("missing-authorization")
        scheme, _, token = header_value.partition(" ")
        if scheme.lower() != "bearer":
            raise _Reject("wrong-scheme")
        token = token.strip()
        if not token or len(token) > MAX_TOKEN_CHARS or not _COMPACT_JWS.match(token):
            raise _Reject("malformed-token")
        header_seg, payload_seg, _sig = token.split(".")

        # 2. Header and payload, decoded WITHOUT trusting them.
        try:
            header = _b64url_json(header_seg)
            unverified = _b64url_json(payload_seg)
        except (ValueError, binascii.Error, UnicodeDecodeError):
            raise _Reject("malformed-token") from None
        if not isinstance(header, dict) or not isinstance(unverified, dict):
            raise _Reject("malformed-token")
        ctx.update(iss=unverified.get("iss"), tenant=unverified.get("tenant"), jti=unverified.get("jti"))

        alg = header.get("alg")
        if not isinstance(alg, str) or alg not in self.algorithms:
            raise _Reject("bad-alg")
        kid = header.get("kid")
        if not isinstance(kid, str) or not kid:
            raise _Reject("missing-kid")
        if "typ" in header and (not isinstance(header["typ"], str) or header["typ"].upper() != "JWT"):
            raise _Reject("bad-typ")
        if "crit" in header or "b64" in header:
            raise _Reject("unsupported-header")

        # 3. Issuer allowlist (iss read unverified, only to pick the issuer).
        issuer = self.issuers.get(unverified.get("iss"))
        if issuer is None:
            raise _Reject("unknown-issuer")

        # 4. Key: by kid, from the inline set or an allowlisted URL. A jku off the allowlist is never fetched.
        jku = header.get("jku")
        if jku is not None and (not isinstance(jku, str) or jku not in issuer.jku):
            raise _Reject("jku-not-allowed")
        if issuer.keys is not None:
            key = issuer.keys.get(kid)
        else:
            key = self._jwks.get(jku or issuer.jwks_url, kid)
        if key is None:
            raise _Reject("unknown-kid")
        if not key.fits(alg):
            raise _Reject("key-alg-mismatch")

        # 5. Signature, with exactly that one algorithm. The token's segments were decoded once
        # above; the signature is checked over the very bytes they came from, so the payload read
        # there is the signed one. PyJWT's verifier for ``alg`` does the cryptography (no second
        # parse of the token, no second JSON decode of the payload).
        try:
            signature = _b64url_bytes(_sig)
        except (ValueError, binascii.Error):
            raise _Reject("malformed-token") from None
        algorithm = _ALGORITHM_OBJECTS.get(alg)
        if algorithm is None:
            raise _Reject("bad-alg")
        try:
            valid = algorithm.verify(f"{header_seg}.{payload_seg}".encode("ascii"), key.key, signature)
        except (jwt.PyJWTError, ValueError, TypeError):
            raise _Reject("malformed-token") from None
        if not valid:
            raise _Reject("bad-signature")
        payload = unverified
        if payload.get("iss") != issuer.iss:
            raise _Reject("malformed-token")
        ctx.update(tenant=payload.get("tenant"), jti=payload.get("jti"))

        # 6. Audience: exactly this endpoint's external URL (or a configured alternative base).
        aud = payload.get("aud")
        auds = [aud] if isinstance(aud, str) else aud
        if not isinstance(auds, list) or not auds or not all(isinstance(a, str) for a in auds):
            raise _Reject("bad-audience")
        if not self._accepted_audiences(issuer, audience).intersection(auds):
            raise _Reject("bad-audience")

        # 7. Times.
        now = self._clock()
        exp, iat, nbf = payload.get("exp"), payload.get("iat"), payload.get("nbf")
        if not _is_number(exp):
            raise _Reject("missing-exp")
        if not _is_number(iat):
            raise _Reject("missing-iat")
        if exp <= now - self.leeway:
            raise _Reject("expired")
        if iat > now + self.leeway:
            raise _Reject("iat-in-future")
        if nbf is not None and (not _is_number(nbf) or nbf > now + self.leeway):
            raise _Reject("not-yet-valid")
        if exp <= iat or exp - iat > self.max_lifetime:
            raise _Reject("bad-lifetime")

        # 8. Tenant.
        tenant = payload.get("tenant")
        if tenant is not None and not isinstance(tenant, str):
            raise _Reject("bad-tenant")
        if issuer.tenants is not None and tenant not in issuer.tenants:
            raise _Reject("tenant-not-allowed")

        # 9. jti: required, and never seen before (checked last, so rejected tokens are not remembered).
        jti = payload.get("jti")
        if not isinstance(jti, str) or not jti or len(jti) > 256:
            raise _Reject("missing-jti")
        try:
            fresh = self._replay.add(f"{issuer.iss}\x00{jti}", expires_at=exp + self.leeway, now=now)
        except ReplayCacheFull:
            raise _Reject("replay-cache-full") from None
        except ReplayCacheUnavailable:
            raise
        if not fresh:
            raise _Reject("replayed-jti")

        return Claims(iss=issuer.iss, tenant=tenant, jti=jti, exp=int(exp))
