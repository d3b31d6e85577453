"""Who sent feedback, who a card was issued to: iss and tenant on feedback and card_issued.

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-07

``feedback.iss`` / ``feedback.tenant``: the JWT issuer of the feedback request and its tenant (the
JWT ``tenant`` claim, else the tenant the card was issued to). ``card_issued.iss`` /
``card_issued.tenant``: the JWT issuer of the hook call and its tenant (``tenant`` claim, else the
request's ``fhirServer``), so feedback is taken only from the issuer a card was issued to
(service.feedback.store.FeedbackStore.record). Nullable: rows written before this revision, and
hook calls without either, have none. Frozen copy of the schema (do not import the live tables).
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    for table in ("feedback", "card_issued"):
        op.add_column(table, sa.Column("iss", sa.String(512), nullable=True))
        op.add_column(table, sa.Column("tenant", sa.String(512), nullable=True))


def downgrade() -> None:
    for table in ("card_issued", "feedback"):
        with op.batch_alter_table(table) as batch:
            batch.drop_column("tenant")
            batch.drop_column("iss")
