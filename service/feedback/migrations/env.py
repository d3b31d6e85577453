"""Alembic environment for the feedback store.

``service.feedback.store.migrate`` opens a connection (inside a transaction holding the
migration lock) and hands it over in ``config.attributes["connection"]``. Offline mode
(``--sql``) renders SQL for a DBA from ``sqlalchemy.url``.
"""
from __future__ import annotations

from alembic import context

from service.feedback.store import metadata

config = context.config


def run_offline() -> None:
    context.configure(
        url=config.get_main_option("sqlalchemy.url"),
        target_metadata=metadata,
        literal_binds=True,
        dialect_opts={"paramstyle": "named"},
    )
    with context.begin_transaction():
        context.run_migrations()


def run_online() -> None:
    connection = config.attributes.get("connection")
    if connection is None:
        raise RuntimeError("Run migrations with `python -m service migrate` (service.feedback.store.migrate).")
    context.configure(connection=connection, target_metadata=metadata, compare_type=True)
    with context.begin_transaction():
        context.run_migrations()


if context.is_offline_mode():
    run_offline()
else:
    run_online()
