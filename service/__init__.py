"""net-cds: a CDS Hooks 2.0 service for neuroendocrine tumours."""
from __future__ import annotations

__all__ = ["create_app"]


def create_app(overrides=None):  # noqa: D401 - thin re-export, keeps import cheap
    """Build the Flask application (see ``service.app.create_app``)."""
    from service.app import create_app as _create_app

    return _create_app(overrides)
