"""Shared JWT replay cache: jti_seen.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-22

One row per accepted client JWT (iss, jti) until it expires, so a token replayed to another
gunicorn worker, pod or process is refused (service.protocol.auth.DatabaseReplayCache).
Frozen copy of the schema (do not import the live table definitions here).
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "jti_seen",
        sa.Column("iss", sa.String(512), primary_key=True),
        sa.Column("jti", sa.String(256), primary_key=True),
        sa.Column("expires_at", sa.BigInteger(), nullable=False),
    )
    op.create_index("ix_jti_seen_expires_at", "jti_seen", ["expires_at"])


def downgrade() -> None:
    op.drop_index("ix_jti_seen_expires_at", table_name="jti_seen")
    op.drop_table("jti_seen")
