"""What the application factory builds and the views read: :class:`NetCds`, kept in
``app.extensions["netcds"]``.

The routes reach it through :func:`current_state` (Flask's ``current_app``), so no stage imports
the factory (``service.app``) to find it.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Callable

from flask import Flask, current_app

from service.config import Settings
from service.protocol import cors
from service.protocol.admission import Admission

EXTENSION = "netcds"


@dataclass
class NetCds:
    """What the factory built, for the views (``app.extensions["netcds"]``)."""

    settings: Settings
    knowledge: Any
    terminology: Any
    verifier: Any
    feedback_store: Any
    cors: cors.CorsPolicy
    clock: Callable[[], datetime]
    uuid_factory: Callable[[], str]
    prefetch_templates: dict[str, str]
    fhir_policy: Any
    fhir_session: Any
    in_flight: Admission = field(repr=False, default_factory=Admission)
    issued: Any = None      # service.feedback.store.IssuedRecorder: issued cards, off the request path

    def close(self, flush_seconds: float = 5.0) -> None:
        """Release what the app holds, in order: issued cards still waiting for their batch are
        written first, then the database pool is closed (the other way round, the writer would
        reopen a connection to a database that may be gone)."""
        if self.issued is not None:
            self.issued.flush(flush_seconds)
        self.feedback_store.close()


def state_of(app: Flask) -> NetCds:
    """The state the factory built for ``app``."""
    return app.extensions[EXTENSION]


def current_state() -> NetCds:
    """The state of the app handling the current request."""
    return current_app.extensions[EXTENSION]
