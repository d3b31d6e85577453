"""Serve the app with gunicorn (``python -m service``), configured from :class:`Settings`.

The numbers (bind ``NETCDS_HOST:NETCDS_PORT``, workers, threads, worker timeout above the hook
deadline, graceful shutdown on SIGTERM, access log off) come from ``service.ops.serving_config``,
shared with ``deploy/gunicorn.conf.py`` so the two ways of starting cannot drift apart.

The master validates configuration and knowledge before forking (``service.__main__.serve``), so a bad
setting or broken knowledge stops the server with a clear message instead of a crash loop.
Each worker builds its own app (database connections and caches are never shared across a fork).
"""
from __future__ import annotations

import os
from typing import Any, Mapping

from gunicorn.app.base import BaseApplication

from service.config import Settings


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


def options_for(settings: Settings, env: Mapping[str, str] | None = None) -> dict[str, Any]:
    """gunicorn settings from ``service.ops.serving_config`` (the one source of the serving numbers)."""
    from service.ops.serving_config import available_cpus, gunicorn_options

    return gunicorn_options(settings, cpu_count=available_cpus(), env=os.environ if env is None else env)


def worker_overrides(settings: Settings, options: Mapping[str, Any],
                     env: Mapping[str, str] | None = None) -> dict[str, str]:
    """Settings that follow from how gunicorn runs the workers, unless set explicitly.

    * ``NETCDS_REPLAY_CACHE=database``, whatever the number of workers: a per-process memory would
      accept a token replayed to another worker, to a replacement after ``max_requests``, or to
      another instance (pod) behind the same load balancer. (A gunicorn worker also defaults to
      ``database`` by itself: ``service.config.served_by_gunicorn``.)
    * ``NETCDS_MAX_IN_FLIGHT`` = gunicorn threads - 1: gthread runs at most ``threads`` requests
      per worker at once, so a limit equal to the thread count could never be exceeded (excess
      calls would queue and time out instead of getting a quick 429).
    """
    env = os.environ if env is None else env
    out: dict[str, str] = {}
    if not env.get("NETCDS_REPLAY_CACHE", "").strip():
        out["NETCDS_REPLAY_CACHE"] = "database"
    if not env.get("NETCDS_MAX_IN_FLIGHT", "").strip():
        out["NETCDS_MAX_IN_FLIGHT"] = str(max(1, int(options["threads"]) - 1))
    return out


def serve(settings: Settings, overrides: Mapping[str, str] | None = None) -> None:
    options = options_for(settings)
    NetCdsServer(options, {**worker_overrides(settings, options), **(overrides or {})}).run()
