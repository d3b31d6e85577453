"""The floor: a bare Flask app that decodes the hook request body and answers one fixed card.

Same JSON library as the service (:func:`service_json_library`: ``orjson`` when
``service/protocol/request.py`` parses with it and the app's JSON provider encodes with it, else
the standard library's ``json`` through Flask's default provider), same gunicorn settings
(``service.ops.serving_config.gunicorn_options``: workers, threads, gthread, keepalive ...), no
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


def service_json_library() -> dict[str, str]:
    """Which library the service decodes request bodies with and encodes responses with."""
    import inspect

    from service import app as service_app
    from service.protocol import request as hook_request

    # the body goes through service.strict_json (orjson inside) since the hardening round; before, request.py
    # imported orjson itself
    strict = getattr(hook_request, "strict_json", None)
    decoder = ("orjson" if getattr(hook_request, "orjson", None) is not None
               or (strict is not None and getattr(strict, "orjson", None) is not None) else "json")
    encoder = "orjson" if "orjson" in inspect.getsource(service_app) else "json"
    return {"decode": decoder, "encode": encoder}


LIBRARY = service_json_library()


def decode(body: bytes) -> Any:
    if LIBRARY["decode"] == "orjson":
        import orjson

        return orjson.loads(body)
    return json.loads(body)


def encode(obj: Any) -> bytes:
    if LIBRARY["encode"] == "orjson":
        import orjson

        return orjson.dumps(obj)
    return json.dumps(obj, separators=(",", ":")).encode("utf-8")


def create_floor_app() -> Flask:
    app = Flask("bench_floor")

    @app.post(HOOK_PATH)
    def hook() -> Response:
        data = decode(request.get_data())
        if not isinstance(data, dict):
            return Response(status=400)
        return Response(encode({"cards": [FLOOR_CARD]}), mimetype="application/json")

    @app.get("/healthz")
    def healthz() -> Response:
        return jsonify({"status": "ok"})

    return app


def encode_one_card() -> bytes:
    """What the floor app answers (for the in-process floor)."""
    return encode({"cards": [FLOOR_CARD]})


def main(argv: list[str] | None = None) -> int:
    from gunicorn.app.base import BaseApplication

    from service.config import Settings
    from service.ops.serving_config import available_cpus, gunicorn_options

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
