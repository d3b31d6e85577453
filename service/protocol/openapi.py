"""``GET /openapi.json``: the hand-written OpenAPI 3.0 document of this service's own endpoints.

The document is ``service/protocol/openapi.json`` (kept in the repository, reviewed like code); it is
read once at start-up and served as is, unauthenticated (it describes the API, not patients).
``tests/hardening/test_openapi.py`` checks that its body schemas agree with the JSON Schemas
of ``tests/schemas/`` and runs schemathesis against a live server with it.
"""
from __future__ import annotations

from pathlib import Path

from flask import Blueprint, Response, current_app

DOCUMENT = Path(__file__).resolve().parent / "openapi.json"
PATH = "/openapi.json"
_KEY = "netcds_openapi"

blueprint = Blueprint("openapi", __name__)


def load_document() -> bytes:
    return DOCUMENT.read_bytes()


@blueprint.get(PATH)
def openapi_document() -> Response:
    body = current_app.extensions.get(_KEY)
    if body is None:
        body = current_app.extensions[_KEY] = load_document()
    return Response(body, mimetype="application/json")


def init_app(app) -> None:
    app.extensions[_KEY] = load_document()
    app.register_blueprint(blueprint)
