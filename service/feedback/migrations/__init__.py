"""Alembic migrations of the feedback store (configured programmatically; no alembic.ini).

Run with ``python -m service migrate`` or ``service.feedback.store.migrate(url)``.
"""
