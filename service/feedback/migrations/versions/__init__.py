"""Alembic revision scripts (Alembic itself ignores this file)."""
