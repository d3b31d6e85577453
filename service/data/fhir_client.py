"""Reads from the EHR's FHIR server (the CDS Hooks ``fhirServer``), guarded.

One :class:`FhirClient` is built per hook call by :meth:`FhirClient.for_request`, which
decides whether the service may call ``fhirServer`` at all:

- the server must fall under an allowlist entry: same scheme, host and port, and a path equal
  to or below the entry's path (``https://ehr.example.org.evil.com`` and
  ``https://user@ehr.example.org`` never match ``https://ehr.example.org``);
- ``https`` only, unless ``allow_http`` (development);
- the URL is normalised before it is compared and refused if a server would read it as somewhere
  else (``;`` path parameters, percent-encoded dot segments, backslashes, double encoding:
  :func:`parse_server_url`), for ``fhirServer`` and every ``next`` link;
- a host resolving to a loopback, private, link-local or otherwise non-public address is
  refused unless that exact base URL is on the allowlist (not just below an entry); the host is
  resolved once, and every connection goes to the address that was checked
  (:class:`PinnedAdapter`, TLS still verified for the host name), never to a later DNS answer;
- with no ``fhirAuthorization`` the server is called anonymously only if ``allow_anonymous``
  (development: the CDS Hooks Sandbox sends no token); otherwise there is no client.

A disallowed ``fhirServer`` is a :class:`~service.errors.BadRequest` naming ``fhirServer``.

Every request: ``Accept: application/fhir+json``, no redirects (a 3xx is a failure), no
cookies, no proxy or ``.netrc`` from the environment, a per-call timeout cut to the overall
deadline, the body streamed under a byte cap and a wall-clock limit (a slow drip of bytes is
cut off), the answer read with the service's strict JSON reader (``service/strict_json.py``: ``NaN``,
a number beyond a double, duplicate keys are a failure, never a 500). ``next`` links are followed
only while they stay under the same base URL and only up to ``max_pages`` pages, and only while
the resources handed back stay within :meth:`FhirClient.limit_resources`; otherwise the result is
marked incomplete. The bearer token is sent
only to URLs under the allowlisted base it came with.

Failures raise :class:`~service.errors.FhirAccessError` with a message that names the resource
type and the kind of failure, never the URL (it carries the patient id), the token or a body.
Outcomes are counted in ``client.stats`` for the metrics exporter.
"""
from __future__ import annotations

import contextvars
import http.cookiejar
import ipaddress
import logging
import re
import socket
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from urllib.parse import unquote, urljoin, urlsplit

import requests
import urllib3
from requests.adapters import HTTPAdapter

from service import strict_json
from service.errors import BadRequest, FhirAccessError

log = logging.getLogger(__name__)

FHIR_JSON = "application/fhir+json"
DEFAULT_TIMEOUT = 0.5
DEFAULT_MAX_PAGES = 5
DEFAULT_MAX_BYTES = 8 * 1024 * 1024

Resolver = Callable[[str, int], Iterable[str]]


# --------------------------------------------------------------------------- URLs


@dataclass(frozen=True, slots=True)
class ServerUrl:
    """A FHIR base URL reduced to what is compared: scheme, host, port, path (no trailing /)."""

    scheme: str
    host: str
    port: int
    path: str

    @property
    def origin(self) -> str:
        default = {"https": 443, "http": 80}[self.scheme]
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"{self.scheme}://{host}" + ("" if self.port == default else f":{self.port}")

    @property
    def url(self) -> str:
        return self.origin + self.path

    def contains(self, other: "ServerUrl") -> bool:
        """True if ``other`` is this URL or lies below it (path-segment boundary)."""
        if (self.scheme, self.host, self.port) != (other.scheme, other.host, other.port):
            return False
        return other.path == self.path or other.path.startswith(self.path + "/")


_HOST = re.compile(r"[a-z0-9_](?:[a-z0-9_-]{0,61}[a-z0-9_])?(?:\.[a-z0-9_](?:[a-z0-9_-]{0,61}[a-z0-9_])?){0,126}")


def parse_server_url(raw: object, *, allow_query: bool = False) -> ServerUrl:
    """Normalise a FHIR server URL; ``ValueError`` for anything odd.

    Refused: non-strings, whitespace or control characters, backslashes, schemes other than
    http(s), userinfo, a host that is not a DNS name or an IP literal, fragments, a query (unless
    ``allow_query``, for ``next`` links), and in the path: ``;`` (path parameters: Tomcat and
    Spring read ``/fhir/..;/admin`` as ``/admin``), ``.``/``..`` segments whether written plainly or
    percent-encoded (``%2e%2e``, ``%2E.``), an encoded slash or backslash, an encoded ``%`` (double
    encoding) and encoded control characters. The path is judged as a server would decode it:
    normalise, then refuse, never the other way round.
    """
    if not isinstance(raw, str) or not raw or len(raw) > 4096:
        raise ValueError("not a URL")
    if any(ch.isspace() or ord(ch) < 0x20 or ord(ch) == 0x7F or ch == "\\" for ch in raw):
        raise ValueError("bad characters")
    parts = urlsplit(raw)
    scheme = parts.scheme.lower()
    if scheme not in ("http", "https"):
        raise ValueError("scheme")
    if "@" in parts.netloc or parts.username is not None or parts.password is not None:
        raise ValueError("userinfo")
    host = (parts.hostname or "").rstrip(".").lower()
    if not host:
        raise ValueError("host")
    if not _HOST.fullmatch(host):
        try:
            ipaddress.ip_address(host)
        except ValueError:
            raise ValueError("host") from None
    try:
        port = parts.port
    except ValueError as exc:
        raise ValueError("port") from exc
    if port is None:
        port = 443 if scheme == "https" else 80
    if parts.fragment or (parts.query and not allow_query):
        raise ValueError("query or fragment")
    path = _checked_path(parts.path)
    return ServerUrl(scheme, host, port, path.rstrip("/"))


def _checked_path(path: str) -> str:
    """The path as written, if the server's decoding of it stays where it appears to; else ``ValueError``."""
    if ";" in path:
        raise ValueError("path parameters")
    lowered = path.lower()
    if "%2f" in lowered or "%5c" in lowered:
        raise ValueError("encoded slash")
    if "%25" in lowered:
        raise ValueError("double encoding")
    decoded = unquote(path, errors="strict")
    if any(ord(ch) < 0x20 or ord(ch) == 0x7F or ch in "\\;" for ch in decoded):
        raise ValueError("encoded control characters")
    if any(seg in (".", "..") for seg in decoded.split("/")):
        raise ValueError("dot segments")
    return path


def _default_resolver(host: str, port: int) -> list[str]:
    return [info[4][0] for info in socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)]


def _is_public(address: str) -> bool:
    ip = ipaddress.ip_address(address.split("%", 1)[0])
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    return ip.is_global and not (ip.is_multicast or ip.is_reserved)


# --------------------------------------------------------------------------- policy


@dataclass(frozen=True, slots=True)
class FhirPolicy:
    """What the service may do with a ``fhirServer``; built once at start-up."""

    allowed_servers: tuple[ServerUrl, ...] = ()
    allow_http: bool = False
    allow_anonymous: bool = False
    timeout: float = DEFAULT_TIMEOUT
    max_pages: int = DEFAULT_MAX_PAGES
    max_bytes: int = DEFAULT_MAX_BYTES

    @classmethod
    def build(cls, allowed_servers: Iterable[str] = (), **kwargs) -> "FhirPolicy":
        """Plain-argument constructor; an unparsable allowlist entry raises ``ValueError``."""
        entries = []
        for raw in allowed_servers:
            try:
                entries.append(parse_server_url(raw))
            except ValueError as exc:
                raise ValueError(f"invalid FHIR server allowlist entry ({exc})") from None
        return cls(allowed_servers=tuple(entries), **kwargs)

    @classmethod
    def from_settings(cls, settings) -> "FhirPolicy":
        return cls.build(
            tuple(settings.allowed_fhir_servers or ()),
            allow_http=bool(settings.allow_http_fhir),
            allow_anonymous=bool(settings.allow_anonymous_fhir),
            timeout=float(settings.fhir_timeout_seconds),
            max_pages=int(settings.fhir_max_pages),
            max_bytes=int(settings.fhir_max_response_bytes),
        )

    def check_server(self, raw: object, *, resolver: Resolver | None = None) -> ServerUrl:
        """The normalised ``fhirServer`` if the service may call it; else ``BadRequest``."""
        return self.checked_server(raw, resolver=resolver)[0]

    def checked_server(self, raw: object, *, resolver: Resolver | None = None) -> tuple[ServerUrl, str | None]:
        """(the normalised ``fhirServer``, the address it was checked at) if the service may call it.

        The address is ``None`` for a server that is exactly an allowlist entry (trusted whatever it
        resolves to, no DNS here). Otherwise the host was resolved once, every address it gave was
        public, and the connection must go to the returned one (:class:`PinnedAdapter`): a second
        resolution between check and connect (DNS rebinding) could name a private address.
        """
        def refuse(reason: str) -> BadRequest:
            log.warning("fhirServer refused", extra={"reason": reason})
            return BadRequest(
                "fhirServer is not a FHIR server this service may call.", expression="fhirServer"
            )

        try:
            url = parse_server_url(raw)
        except ValueError as exc:
            raise refuse(f"malformed: {exc}") from None
        if url.scheme != "https" and not self.allow_http:
            raise refuse("scheme")
        entry = next((e for e in self.allowed_servers if e.contains(url)), None)
        if entry is None:
            raise refuse("not allowlisted")
        if entry == url:
            return url, None    # exactly an allowlisted server: trusted whatever it resolves to (no DNS here)
        try:
            ip = ipaddress.ip_address(url.host)
            addresses = [str(ip)]
        except ValueError:
            try:
                addresses = list((resolver or _default_resolver)(url.host, url.port))
            except (OSError, UnicodeError):
                raise refuse("unresolvable") from None
        if not addresses:
            raise refuse("unresolvable")
        if not all(_is_public(a) for a in addresses):
            raise refuse("non-public address")
        return url, addresses[0].split("%", 1)[0]


# --------------------------------------------------------------------------- pinned connections

#: (host, port) -> the checked address, for the FHIR request being sent by this thread (set by
#: ``FhirClient._get`` around its one ``session.get``).
_PINS: contextvars.ContextVar[dict[tuple[str, int], str] | None] = contextvars.ContextVar("netcds_fhir_pins",
                                                                                         default=None)


class PinnedAdapter(HTTPAdapter):
    """An adapter that connects to the address a host was checked at, never a fresh DNS answer.

    For a request whose (host, port) is pinned (:data:`_PINS`) the urllib3 pool is the one for the
    checked IP address, with TLS SNI and certificate verification still for the hostname
    (``server_hostname`` / ``assert_hostname``) and the ``Host`` header naming it. Requests that
    are not pinned (an exactly allowlisted server) go the ordinary way.
    """

    @staticmethod
    def _pin_of(url: str) -> tuple[str, str] | None:
        pins = _PINS.get()
        if not pins:
            return None
        parts = urlsplit(url)
        host = (parts.hostname or "").rstrip(".").lower()
        port = parts.port or (443 if parts.scheme == "https" else 80)
        address = pins.get((host, port))
        return (address, parts.netloc) if address else None

    def get_connection_with_tls_context(self, request, verify, proxies=None, cert=None):
        pin = self._pin_of(request.url)
        if pin is None or proxies:
            return super().get_connection_with_tls_context(request, verify, proxies=proxies, cert=cert)
        host_params, pool_kwargs = self.build_connection_pool_key_attributes(request, verify, cert)
        hostname = host_params["host"]
        host_params = {**host_params, "host": pin[0]}
        if host_params["scheme"] == "https":
            pool_kwargs = {**pool_kwargs, "server_hostname": hostname, "assert_hostname": hostname}
        return self.poolmanager.connection_from_host(**host_params, pool_kwargs=pool_kwargs)

    def send(self, request, *args, **kwargs):
        pin = self._pin_of(request.url)
        if pin is not None:
            request.headers["Host"] = pin[1]      # the pool's host is the IP address: name the server
        return super().send(request, *args, **kwargs)


def new_session(pool_size: int = 16) -> requests.Session:
    """A pooled session for FHIR calls: no cookies, nothing taken from the environment, connections
    to checked addresses pinned (:class:`PinnedAdapter`)."""
    session = requests.Session()
    session.trust_env = False          # no proxies or .netrc credentials from the environment
    session.cookies.set_policy(http.cookiejar.DefaultCookiePolicy(allowed_domains=[]))
    adapter = PinnedAdapter(pool_connections=pool_size, pool_maxsize=pool_size, max_retries=0)
    session.mount("https://", adapter)
    session.mount("http://", adapter)
    return session


# --------------------------------------------------------------------------- client


@dataclass(frozen=True, slots=True)
class SearchResult:
    resources: tuple[dict, ...]
    complete: bool                 # False: paging was cut short (max pages, foreign link, error)
    outcomes: int = 0              # OperationOutcome entries (search.mode outcome) seen


class FhirClient:
    """Guarded reads against one FHIR base URL. Thread-safe for concurrent GETs."""

    def __init__(self, base_url: str, token: str | None, *, timeout: float = DEFAULT_TIMEOUT,
                 max_pages: int = DEFAULT_MAX_PAGES, max_bytes: int = DEFAULT_MAX_BYTES,
                 session: requests.Session | None = None, address: str | None = None):
        self.base = parse_server_url(base_url)
        # the address the host was checked at (FhirPolicy.checked_server): every connection goes there
        self._pins = {(self.base.host, self.base.port): address} if address else None
        self._token = token
        self.timeout = timeout
        self.max_pages = max(1, max_pages)
        self.max_bytes = max_bytes
        self._session = session or new_session()
        self.stats: Counter[str] = Counter()
        # Resources this client may still hand back (None: no limit); shared by the parallel reads.
        self._budget: int | None = None
        self._budget_lock = threading.Lock()
        self.over_budget = False

    def limit_resources(self, budget: int) -> None:
        """Hand back at most ``budget`` resources in all (reads, search pages, ``next`` pages, from
        every thread): past it paging stops and :attr:`over_budget` is set, so the caller answers
        "too much data" (``NETCDS_MAX_PREFETCH_RESOURCES`` counts fetched resources too)."""
        with self._budget_lock:
            self._budget = max(0, budget)

    def _take(self, count: int) -> bool:
        """Count ``count`` fetched resources against the budget; False once it is exceeded."""
        with self._budget_lock:
            if self._budget is None:
                return True
            self._budget -= count
            if self._budget < 0:
                if not self.over_budget:
                    self.stats["too_many_resources"] += 1
                self.over_budget = True
                return False
            return True

    def __repr__(self) -> str:   # never the token
        return f"FhirClient({self.base.url!r}, token={'yes' if self._token else 'no'})"

    @property
    def base_url(self) -> str:
        return self.base.url

    @classmethod
    def for_request(cls, hook_request, policy: FhirPolicy, *, session: requests.Session | None = None,
                    resolver: Resolver | None = None) -> "FhirClient | None":
        """The client this hook call may use, or ``None`` when there is no usable server.

        ``None``: no ``fhirServer``; or ``fhirServer`` without ``fhirAuthorization`` while
        anonymous callbacks are off. ``BadRequest`` (naming ``fhirServer``): a server that is not
        allowed, or ``fhirAuthorization`` without a usable ``access_token``.
        """
        server = getattr(hook_request, "fhir_server", None)
        authorization = getattr(hook_request, "fhir_authorization", None)
        if server is None:
            return None
        token: str | None = None
        if authorization:
            token = authorization.get("access_token") if isinstance(authorization, dict) else None
            if not isinstance(token, str) or not token:
                raise BadRequest("fhirAuthorization.access_token is missing.",
                                 expression="fhirAuthorization.access_token")
        elif not policy.allow_anonymous:
            return None
        url, address = policy.checked_server(server, resolver=resolver)
        return cls(url.url, token, timeout=policy.timeout, max_pages=policy.max_pages,
                   max_bytes=policy.max_bytes, session=session, address=address)

    # -- public reads

    def read(self, relative: str, *, deadline: float, resource_type: str | None = None,
             max_bytes: int | None = None) -> dict:
        """GET ``{base}/{relative}`` and return the resource (of ``resource_type`` if given).

        ``max_bytes`` lowers the client's response cap for this one read (e.g. a report attachment)."""
        rtype = resource_type or relative.split("/", 1)[0]
        body = self._get(self._absolute(relative), rtype, deadline, max_bytes=max_bytes)
        if body.get("resourceType") != rtype:
            self.stats["error_type"] += 1
            raise FhirAccessError(f"{rtype} read returned a {_kind(body)}.")
        self.stats["ok"] += 1
        self._take(1)
        return body

    def search(self, relative: str, *, deadline: float, resource_type: str | None = None,
               include_types: tuple[str, ...] = ()) -> SearchResult:
        """Run a search and follow ``next`` links (bounded); the first page must succeed.

        ``include_types``: resource types whose ``search.mode = include`` entries (``_include``) are kept too."""
        rtype = resource_type or relative.split("?", 1)[0]
        bundle = self._get(self._absolute(relative), rtype, deadline)
        _require_bundle(bundle, rtype, self.stats)
        self.stats["ok"] += 1
        return self._collect(bundle, rtype, deadline, pages=1, include_types=include_types)

    def follow(self, bundle: dict, *, deadline: float, resource_type: str,
               include_types: tuple[str, ...] = ()) -> SearchResult:
        """Continue a searchset (e.g. a paginated prefetch) from its ``next`` link.

        Returns only the resources of the *following* pages; the caller already has page one.
        """
        return self._collect({"link": bundle.get("link")}, resource_type, deadline, pages=1,
                             include_types=include_types)

    # -- internals

    def _collect(self, bundle: dict, rtype: str, deadline: float, *, pages: int,
                 include_types: tuple[str, ...] = ()) -> SearchResult:
        resources: list[dict] = []
        outcomes = 0
        seen_urls: set[str] = set()
        while True:
            found, n_out = _entries(bundle, include_types)
            resources.extend(found)
            outcomes += n_out
            if not self._take(len(found)):
                log.info("FHIR resources over the limit; paging stopped", extra={"resource_type": rtype})
                return SearchResult(tuple(resources), False, outcomes)
            nxt = _next_link(bundle)
            if nxt is None:
                return SearchResult(tuple(resources), True, outcomes)
            url = self._same_base(nxt)
            if url is None:
                self.stats["next_foreign"] += 1
                log.warning("FHIR next link leaves the server; paging stopped", extra={"resource_type": rtype})
                return SearchResult(tuple(resources), False, outcomes)
            if pages >= self.max_pages or url in seen_urls:
                self.stats["max_pages"] += 1
                log.info("FHIR paging cut short", extra={"resource_type": rtype, "pages": pages})
                return SearchResult(tuple(resources), False, outcomes)
            seen_urls.add(url)
            try:
                bundle = self._get(url, rtype, deadline)
                _require_bundle(bundle, rtype, self.stats)
            except FhirAccessError:
                return SearchResult(tuple(resources), False, outcomes)
            self.stats["ok"] += 1
            pages += 1

    def _absolute(self, relative: str) -> str:
        path = relative.split("?", 1)[0]
        if ":" in path or path.startswith("/") or ".." in path.split("/"):
            raise ValueError("relative FHIR query expected")
        return f"{self.base.url}/{relative}"

    def _same_base(self, link: str) -> str | None:
        """``link`` as an absolute URL if it stays under our base URL, else ``None``."""
        try:
            absolute = urljoin(self.base.url + "/", link)
            target = parse_server_url(absolute, allow_query=True)
        except ValueError:
            return None
        if not self.base.contains(target):
            return None
        return absolute

    def _get(self, url: str, rtype: str, deadline: float, *, max_bytes: int | None = None) -> dict:
        """One guarded GET; the parsed JSON object, or ``FhirAccessError``."""
        cap = self.max_bytes if max_bytes is None else min(self.max_bytes, max_bytes)
        start = time.monotonic()
        remaining = deadline - start
        if remaining <= 0.005:
            self.stats["deadline"] += 1
            raise FhirAccessError(f"{rtype}: no time left before the deadline.")
        budget = min(self.timeout, remaining)
        stop_at = start + budget
        headers = {"Accept": FHIR_JSON}
        if self._token and self._same_base(url) is not None:
            headers["Authorization"] = f"Bearer {self._token}"
        self.stats["requests"] += 1
        pinned = _PINS.set(self._pins)
        try:
            response = self._session.get(url, headers=headers, timeout=(budget, budget),
                                         allow_redirects=False, stream=True)
        except requests.Timeout:
            self.stats["timeout"] += 1
            raise FhirAccessError(f"{rtype}: the FHIR server did not answer in time.") from None
        except requests.RequestException as exc:
            self.stats["connection"] += 1
            raise FhirAccessError(f"{rtype}: the FHIR server could not be reached ({type(exc).__name__}).") from None
        finally:
            _PINS.reset(pinned)
        with response:
            status = response.status_code
            if status != 200:
                key = ("redirect" if 300 <= status < 400 else "auth" if status in (401, 403)
                       else "server_error" if status >= 500 else "client_error")
                self.stats[key] += 1
                raise FhirAccessError(f"{rtype}: the FHIR server answered HTTP {status}.")
            declared = response.headers.get("Content-Length")
            if declared and declared.isdigit() and int(declared) > cap:
                self.stats["too_large"] += 1
                raise FhirAccessError(f"{rtype}: the FHIR response is too large.")
            chunks: list[bytes] = []
            size = 0
            raw = response.raw
            read1 = getattr(raw, "read1", None)     # urllib3 >= 2.2: one recv per call, so a drip is seen
            try:
                while True:
                    chunk = read1(16384, decode_content=True) if read1 else raw.read(1024, decode_content=True)
                    if not chunk:
                        break
                    size += len(chunk)
                    if size > cap:
                        self.stats["too_large"] += 1
                        raise FhirAccessError(f"{rtype}: the FHIR response is too large.")
                    if time.monotonic() > stop_at:
                        self.stats["timeout"] += 1
                        raise FhirAccessError(f"{rtype}: the FHIR response took too long.")
                    chunks.append(chunk)
            except (requests.RequestException, urllib3.exceptions.HTTPError, OSError) as exc:
                timeout = isinstance(exc, (urllib3.exceptions.TimeoutError, TimeoutError))
                self.stats["timeout" if timeout else "connection"] += 1
                raise FhirAccessError(f"{rtype}: the FHIR response was cut off.") from None
        try:
            body = strict_json.loads(b"".join(chunks))
        except strict_json.JsonError as exc:
            # NaN/Infinity, a number beyond a double (a 4,000-digit integer), duplicate keys, deep
            # nesting, broken JSON: the server's data is not read (a data gap), never a 500.
            self.stats["bad_json"] += 1
            raise FhirAccessError(f"{rtype}: the FHIR response is not valid JSON ({exc.message})") from None
        if not isinstance(body, dict):
            self.stats["bad_json"] += 1
            raise FhirAccessError(f"{rtype}: the FHIR response is not a FHIR resource.")
        return body


# --------------------------------------------------------------------------- bundles


def _kind(body: dict) -> str:
    rt = body.get("resourceType")
    return rt if isinstance(rt, str) and rt.isalnum() and len(rt) < 64 else "non-FHIR body"


def _require_bundle(body: dict, rtype: str, stats: Counter) -> None:
    if body.get("resourceType") != "Bundle":
        stats["error_type"] += 1
        raise FhirAccessError(f"{rtype} search returned a {_kind(body)}, not a Bundle.")


def _next_link(bundle: dict) -> str | None:
    links = bundle.get("link")
    if not isinstance(links, list):
        return None
    for link in links:
        if isinstance(link, dict) and link.get("relation") == "next" and isinstance(link.get("url"), str):
            return link["url"]
    return None


def next_link(bundle: dict) -> str | None:
    """The ``next`` link of a Bundle, if any."""
    return _next_link(bundle)


def _entries(bundle: dict, include_types: tuple[str, ...] = ()) -> tuple[list[dict], int]:
    """Resources of entries in search mode ``match`` (or no mode), and the count of outcomes.

    Entries in search mode ``include`` are kept only when their type is in ``include_types``
    (e.g. the Observations a DiagnosticReport search ``_include``s)."""
    found: list[dict] = []
    outcomes = 0
    entries = bundle.get("entry")
    if not isinstance(entries, list):
        return found, 0
    append = found.append
    for entry in entries:
        if not isinstance(entry, dict):
            continue
        resource = entry.get("resource")
        if not isinstance(resource, dict):
            continue
        if resource.get("resourceType") == "OperationOutcome":
            outcomes += 1
            continue
        search = entry.get("search")
        mode = search.get("mode") if isinstance(search, dict) else None
        if mode in (None, "match") or (mode == "include" and include_types
                                       and resource.get("resourceType") in include_types):
            append(resource)
    return found, outcomes


def bundle_entries(bundle: dict, include_types: tuple[str, ...] = ()) -> tuple[list[dict], int]:
    """Public form of the entry filter, shared with the prefetch reader."""
    return _entries(bundle, include_types)
