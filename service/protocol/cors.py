"""CORS for browser CDS clients (CDS Hooks §Cross-Origin Resource Sharing; the Sandbox is one).

* Preflight (``OPTIONS`` with ``Access-Control-Request-Method``) is answered on every route of
  the app, before authentication: browsers never send credentials on a preflight.
* ``Access-Control-Allow-Origin`` goes on every response to an allowed origin, error responses
  included (401, 404, 405, 412, 413, 415, 500 ...), or the browser hides the status from the
  client. ``Vary: Origin`` always, so caches keep origins apart.
* Origins come from ``NETCDS_CORS_ORIGINS``; ``*`` answers any origin (development only).
  No cookies are involved, so ``Access-Control-Allow-Credentials`` is never sent.
"""
from __future__ import annotations

import logging
from dataclasses import dataclass

from flask import Flask, Response, request

from service.config import Settings

logger = logging.getLogger(__name__)

ALLOW_HEADERS = "Authorization, Content-Type"
ALLOW_METHODS = "GET, POST, OPTIONS"
EXPOSE_HEADERS = "X-Request-ID, Retry-After"
MAX_AGE_SECONDS = 600


@dataclass(frozen=True)
class CorsPolicy:
    origins: frozenset[str]
    any_origin: bool

    @classmethod
    def from_settings(cls, settings: Settings) -> "CorsPolicy":
        any_origin = "*" in settings.cors_origins
        if any_origin:
            logger.warning("CORS allows any origin (NETCDS_CORS_ORIGINS=*): development only")
        return cls(origins=frozenset(o for o in settings.cors_origins if o != "*"), any_origin=any_origin)

    def allow_origin(self, origin: str | None) -> str | None:
        """The ``Access-Control-Allow-Origin`` value for ``origin``, or None if not allowed."""
        if not origin:
            return None
        if self.any_origin:
            return "*"
        return origin if origin.lower() in self.origins else None


def init_app(app: Flask, policy: CorsPolicy) -> None:
    @app.before_request
    def _preflight() -> Response | None:
        if request.method != "OPTIONS":
            return None
        if request.url_rule is None:   # unknown path: let routing answer 404 (with CORS headers)
            return None
        response = app.response_class(status=204)
        methods = sorted((request.url_rule.methods or set()) | {"OPTIONS"})
        response.headers["Allow"] = ", ".join(methods)
        if policy.allow_origin(request.headers.get("Origin")):
            response.headers["Access-Control-Allow-Methods"] = ALLOW_METHODS
            response.headers["Access-Control-Allow-Headers"] = ALLOW_HEADERS
            response.headers["Access-Control-Max-Age"] = str(MAX_AGE_SECONDS)
        return response

    @app.after_request
    def _headers(response: Response) -> Response:
        if "Vary" in response.headers:
            response.vary.add("Origin")             # merge with what the view set
        else:
            response.headers["Vary"] = "Origin"     # the usual case, without parsing a header set
        allowed = policy.allow_origin(request.headers.get("Origin"))
        if allowed:
            response.headers["Access-Control-Allow-Origin"] = allowed
            response.headers["Access-Control-Expose-Headers"] = EXPOSE_HEADERS
        return response
