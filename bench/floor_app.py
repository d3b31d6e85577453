"""The floor: a bare Flask app that decodes the hook request body and answers one fixed card.

Same JSON library as the service (``service/hook_request.py`` decodes with the standard
library's ``json``; ``service/hooks.py`` answers with Flask's ``jsonify``, i.e. Flask's default
JSON provider over the standard library's ``json``), same gunicorn settings
(``service.serving_config.gunicorn_options``: workers, threads, gthread, keepalive ...), no
auth, no validation, no clinical work. What the service costs above this is its own work.

    python -m bench.floor_app            # listens on NETCDS_HOST:NETCDS_PORT like the service
"""
from __future__ import annotations

import json
import os
import sys
from typing import Any

from flask import Flask, Response, jsonify, request

from bench.workload import FLOOR_CARD, HOOK_PATH


def decode(body: bytes) -> Any:
    return json.loads(body)


def create_floor_app() -> Flask:
    app = Flask("bench_floor")
    app.json.sort_keys = False  # type: ignore[attr-defined]  # as service/app.py

    @app.post(HOOK_PATH)
    def hook() -> Response:
        data = decode(request.get_data())
        if not isinstance(data, dict):
            return Response(status=400)
        return jsonify({"cards": [FLOOR_CARD]})

    @app.get("/healthz")
    def healthz() -> Response:
        return jsonify({"status": "ok"})

    return app


def encode_one_card(app: Flask) -> bytes:
    """What the floor's ``jsonify`` serialises (for the in-process floor)."""
    return app.json.dumps({"cards": [FLOOR_CARD]}).encode("utf-8")


def main(argv: list[str] | None = None) -> int:
    from gunicorn.app.base import BaseApplication

    from service.config import Settings
    from service.serving_config import available_cpus, gunicorn_options

    settings = Settings.from_env(dict(os.environ))
    options = gunicorn_options(settings, cpu_count=available_cpus(), env=os.environ)
    options["proc_name"] = "net-cds-floor"

    class FloorServer(BaseApplication):
        def load_config(self) -> None:
            for key, value in options.items():
                if key in self.cfg.settings and value is not None:
                    self.cfg.set(key, value)

        def load(self) -> Flask:
            return create_floor_app()

    FloorServer().run()
    return 0


if __name__ == "__main__":
    sys.exit(main())
