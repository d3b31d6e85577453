"""Serve the app with gunicorn (``python -m service``), configured from :class:`Settings`.

* bind ``NETCDS_HOST:NETCDS_PORT``; ``NETCDS_WORKERS`` processes of ``NETCDS_THREADS`` threads
  (``gthread``: hook calls wait on the EHR's FHIR server, so threads pay off);
* worker timeout well above the hook deadline, so only a stuck worker is killed;
* graceful shutdown on SIGTERM: workers finish in-flight requests within ``graceful_timeout``;
* gunicorn's access log stays off: the app writes one JSON line per request itself.

The master validates configuration and knowledge before forking (``check_startup``), so a bad
setting or broken knowledge stops the server with a clear message instead of a crash loop.
Each worker builds its own app (database connections and caches are never shared across a fork).
"""
from __future__ import annotations

import math
from typing import Any, Mapping

from gunicorn.app.base import BaseApplication

from service.config import Settings

GRACEFUL_TIMEOUT_SECONDS = 20
KEEPALIVE_SECONDS = 5


def gunicorn_options(settings: Settings) -> dict[str, Any]:
    """The gunicorn settings for ``settings`` (pure; tested)."""
    return {
        "bind": [_bind(settings.host, settings.port)],
        "workers": settings.workers,
        "threads": settings.threads,
        "worker_class": "gthread",
        "timeout": max(30, math.ceil(settings.hook_deadline_seconds * 4) + 10),
        "graceful_timeout": GRACEFUL_TIMEOUT_SECONDS,
        "keepalive": KEEPALIVE_SECONDS,
        "accesslog": None,
        "errorlog": "-",
        "loglevel": settings.log_level.lower(),
        "limit_request_line": 8190,
        "limit_request_fields": 100,
        "limit_request_field_size": 16384,
        "preload_app": False,
        "proc_name": "net-cds",
    }


def _bind(host: str, port: int) -> str:
    if ":" in host and not host.startswith("["):
        host = f"[{host}]"  # IPv6 literal
    return f"{host}:{port}"


class NetCdsServer(BaseApplication):
    def __init__(self, options: Mapping[str, Any], overrides: Mapping[str, str] | None = None):
        self._options = dict(options)
        self._overrides = dict(overrides or {})
        super().__init__()

    def load_config(self) -> None:
        for key, value in self._options.items():
            if key in self.cfg.settings and value is not None:
                self.cfg.set(key, value)

    def load(self):
        from service.app import create_app

        return create_app(self._overrides)


def serve(settings: Settings, overrides: Mapping[str, str] | None = None) -> None:
    NetCdsServer(gunicorn_options(settings), overrides).run()
