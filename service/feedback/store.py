"""Feedback store: SQLAlchemy 2 Core over SQLite (default, embedded) or PostgreSQL (by URL).

Two tables (schema owned by the Alembic migrations under ``service/feedback/migrations/``):

- ``feedback``: one row per CDS Hooks feedback item, UNIQUE on
  ``(service_id, card_uuid, outcome, outcome_timestamp)``; inserts use
  ``INSERT ... ON CONFLICT DO NOTHING`` so a repeated or concurrent submission of the same
  item is stored once.
  Each row keeps the caller's JWT ``iss`` and ``tenant`` (migration 0003).
- ``card_issued``: one row per card the service returned (uuid, service, topic, strength, rules,
  the caller's ``iss`` and tenant), so the report can tell acceptance per topic and rule, and the
  feedback endpoint takes feedback only for cards this service issued, recently, to that issuer
  (``record(..., issued_only=True)``), at most ``MAX_FEEDBACK_PER_CARD`` items per card.
- ``jti_seen``: the shared JWT replay cache (``service.protocol.auth.DatabaseReplayCache``): primary key
  ``(iss, jti)``, so the second insert of a token's ``jti`` fails in every worker and process;
  rows expire at ``expires_at`` (epoch seconds) and are purged periodically.

Durability contract: ``record`` returns only after the transaction committed; any database
failure raises ``errors.FeedbackStoreError`` (HTTP 503, the client may retry; retries are
harmless because inserts are idempotent). ``record_issued`` is analytics: it never raises.

Schema management: ``migrate(url)`` upgrades to head (``python -m service migrate``);
``ensure_schema(url, auto_migrate)`` is what the app factory calls at start-up.

Nothing here logs SQL parameters, URLs with passwords, user comments or card contents.
"""
from __future__ import annotations

import argparse
import atexit
import logging
import os
import sys
import threading
import time
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.engine import URL, Engine, make_url
from sqlalchemy.exc import ArgumentError, SQLAlchemyError

from service.errors import CardNotIssued, ConfigError, FeedbackLimitReached, FeedbackStoreError
from service.feedback.api import FeedbackItem

log = logging.getLogger(__name__)

DEFAULT_DATABASE_URL = "sqlite:///.netcds/feedback.sqlite3"
MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"

SQLITE_BUSY_TIMEOUT_S = 30.0
PG_CONNECT_TIMEOUT_S = 5
PG_STATEMENT_TIMEOUT_MS = 15000   # store statements (not migrations): a hung server must not hang requests
ISSUED_BACKOFF_S = 30.0        # after a failed record_issued, skip analytics writes this long
TOP_REASONS = 3
ISSUED_WINDOW = timedelta(days=30)   # feedback is taken for cards issued this recently (the feedback endpoint)
MAX_FEEDBACK_PER_CARD = 20           # feedback items kept per card uuid (the feedback endpoint); more: 409
UNKNOWN = "(unknown)"


# --------------------------------------------------------------------------- schema

class UTCDateTime(sa.types.TypeDecorator):
    """Aware UTC datetimes in, aware UTC datetimes out, on every backend.

    PostgreSQL: ``timestamp with time zone``. SQLite has no time zones: the value is stored
    as naive UTC in one canonical text form, so the UNIQUE constraint compares like with like.
    """

    impl = sa.DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: sa.Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime; an aware UTC datetime is required")
        value = value.astimezone(timezone.utc)
        if dialect.name == "sqlite":
            value = value.replace(tzinfo=None)
        return value

    def process_result_value(self, value: datetime | None, dialect: sa.Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=timezone.utc)
        return value.astimezone(timezone.utc)


metadata = sa.MetaData()

feedback_table = sa.Table(
    "feedback",
    metadata,
    sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), primary_key=True, autoincrement=True),
    sa.Column("service_id", sa.String(200), nullable=False),
    sa.Column("card_uuid", sa.String(256), nullable=False),
    sa.Column("outcome", sa.String(20), nullable=False),
    sa.Column("accepted_suggestions", sa.JSON(), nullable=False),
    sa.Column("override_reason_system", sa.String(2048), nullable=True),
    sa.Column("override_reason_code", sa.String(256), nullable=True),
    sa.Column("override_reason_display", sa.Text(), nullable=True),
    sa.Column("user_comment", sa.Text(), nullable=True),
    sa.Column("outcome_timestamp", UTCDateTime(), nullable=False),
    sa.Column("received_at", UTCDateTime(), nullable=False),
    sa.Column("hook_instance", sa.String(256), nullable=True),
    sa.Column("iss", sa.String(512), nullable=True),        # JWT issuer of the feedback request (0003)
    sa.Column("tenant", sa.String(512), nullable=True),     # its tenant claim, else the card's tenant (0003)
    sa.UniqueConstraint("service_id", "card_uuid", "outcome", "outcome_timestamp", name="uq_feedback_item"),
    sa.CheckConstraint("outcome IN ('accepted', 'overridden')", name="ck_feedback_outcome"),
    sa.Index("ix_feedback_card_uuid", "card_uuid"),
)

card_issued_table = sa.Table(
    "card_issued",
    metadata,
    sa.Column("card_uuid", sa.String(256), primary_key=True),
    sa.Column("service_id", sa.String(200), nullable=False),
    sa.Column("topic", sa.String(100), nullable=True),
    sa.Column("strength", sa.String(40), nullable=True),
    sa.Column("rules", sa.String(1000), nullable=True),      # comma-separated rule ids
    sa.Column("knowledge_version", sa.String(100), nullable=True),
    sa.Column("issued_at", UTCDateTime(), nullable=False),
    sa.Column("hook_instance", sa.String(256), nullable=True),
    sa.Column("iss", sa.String(512), nullable=True),        # JWT issuer of the hook call (0003)
    sa.Column("tenant", sa.String(512), nullable=True),     # its tenant claim, else its fhirServer (0003)
)


jti_seen_table = sa.Table(
    "jti_seen",
    metadata,
    sa.Column("iss", sa.String(512), primary_key=True),
    sa.Column("jti", sa.String(256), primary_key=True),
    sa.Column("expires_at", sa.BigInteger(), nullable=False),
    sa.Index("ix_jti_seen_expires_at", "expires_at"),
)


# --------------------------------------------------------------------------- engines

def normalise_url(url: str | URL) -> URL:
    """Parse and check a database URL: SQLite (pysqlite) or PostgreSQL (psycopg 3) only.

    ``postgresql://`` and ``postgres://`` are read as ``postgresql+psycopg://``.
    """
    try:
        parsed = make_url(url.replace("postgres://", "postgresql://", 1) if isinstance(url, str) else url)
    except ArgumentError:
        raise ConfigError("NETCDS_DATABASE_URL is not a valid database URL.") from None
    backend, _, driver = parsed.drivername.partition("+")
    if backend == "sqlite" and driver in ("", "pysqlite"):
        return parsed.set(drivername="sqlite")
    if backend == "postgresql" and driver in ("", "psycopg"):
        return parsed.set(drivername="postgresql+psycopg")
    raise ConfigError(
        "NETCDS_DATABASE_URL must be sqlite:///<path> or postgresql+psycopg://...; "
        f"driver {parsed.drivername!r} is not supported."
    )


def _sqlite_file(url: URL) -> Path | None:
    db = url.database
    if not db or db == ":memory:" or db.startswith("file:"):
        return None
    return Path(db)


def make_engine(url: str | URL, *, immediate_transactions: bool = False, statement_timeout_ms: int = 0,
                durable: bool = True, pre_ping: bool = True) -> Engine:
    """Create an engine with the store's settings.

    SQLite: parent directory created, WAL, ``synchronous=FULL`` (a commit is on disk),
    busy timeout, foreign keys. ``immediate_transactions`` makes every transaction
    ``BEGIN IMMEDIATE`` (used by migrations so concurrent migrators serialise).
    ``durable=False`` (the replay cache): SQLite ``synchronous=NORMAL`` (WAL keeps the file
    consistent; the last commits may be lost on power failure, not on a process crash) and,
    on PostgreSQL, ``synchronous_commit=off``.
    PostgreSQL: psycopg 3, connect timeout, ``pool_pre_ping`` (``pre_ping=False``: no extra round
    trip per checkout; the caller retries once on a connection found dead), optional
    ``statement_timeout``.
    Parameters are never rendered into error messages or logs (``hide_parameters``).
    """
    parsed = normalise_url(url)
    if parsed.get_backend_name() == "sqlite":
        path = _sqlite_file(parsed)
        if path is not None:
            try:
                path.parent.mkdir(parents=True, exist_ok=True)
            except OSError:
                raise ConfigError(
                    "NETCDS_DATABASE_URL: the directory of the SQLite database cannot be created."
                ) from None
        engine = sa.create_engine(
            parsed,
            hide_parameters=True,
            pool_pre_ping=pre_ping,
            connect_args={"timeout": SQLITE_BUSY_TIMEOUT_S},
        )

        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
            if immediate_transactions:
                dbapi_connection.isolation_level = None     # we emit BEGIN ourselves
            cur = dbapi_connection.cursor()
            try:
                cur.execute(f"PRAGMA busy_timeout = {int(SQLITE_BUSY_TIMEOUT_S * 1000)}")
                if path is not None:
                    cur.execute("PRAGMA journal_mode = WAL")
                cur.execute("PRAGMA synchronous = FULL" if durable else "PRAGMA synchronous = NORMAL")
                cur.execute("PRAGMA foreign_keys = ON")
            finally:
                cur.close()

        if immediate_transactions:
            @event.listens_for(engine, "begin")
            def _begin_immediate(conn: sa.Connection) -> None:
                conn.exec_driver_sql("BEGIN IMMEDIATE")

        return engine

    connect_args: dict[str, Any] = {"connect_timeout": PG_CONNECT_TIMEOUT_S, "application_name": "net-cds"}
    options = []
    if statement_timeout_ms:
        options.append(f"-c statement_timeout={int(statement_timeout_ms)}")
    if not durable:
        options.append("-c synchronous_commit=off")
    if options:
        connect_args["options"] = " ".join(options)
    return sa.create_engine(
        parsed,
        hide_parameters=True,
        pool_pre_ping=pre_ping,
        pool_size=5,
        max_overflow=5,
        pool_recycle=1800,
        connect_args=connect_args,
    )


def _insert(engine: Engine, table: sa.Table):  # -> dialect Insert with on_conflict_do_nothing
    if engine.dialect.name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    else:
        from sqlalchemy.dialects.sqlite import insert
    return insert(table)


# --------------------------------------------------------------------------- store

@dataclass(frozen=True)
class StoredFeedback:
    service_id: str
    item: FeedbackItem
    received_at: datetime
    hook_instance: str | None
    iss: str | None = None
    tenant: str | None = None


@dataclass(frozen=True)
class OverrideReasonCount:
    system: str
    code: str
    display: str | None
    count: int


@dataclass(frozen=True)
class ReportRow:
    """Acceptance per card topic and rule.

    ``accepted`` / ``overridden`` count distinct cards with at least one such feedback item;
    ``feedback_items`` counts items. Rates are per card issued (``None`` when no card of
    this topic/rule was recorded as issued); cards neither accepted nor overridden were ignored.
    Feedback about cards with no ``card_issued`` row is reported under topic and rule ``(unknown)``.
    """

    topic: str
    rule: str
    cards_issued: int
    feedback_items: int
    accepted: int
    overridden: int
    acceptance_rate: float | None
    override_rate: float | None
    top_override_reasons: tuple[OverrideReasonCount, ...]

    def as_dict(self) -> dict[str, Any]:
        return {
            "topic": self.topic,
            "rule": self.rule,
            "cardsIssued": self.cards_issued,
            "feedbackItems": self.feedback_items,
            "accepted": self.accepted,
            "overridden": self.overridden,
            "acceptanceRate": self.acceptance_rate,
            "overrideRate": self.override_rate,
            "topOverrideReasons": [
                {"system": r.system, "code": r.code, "display": r.display, "count": r.count}
                for r in self.top_override_reasons
            ],
        }


class FeedbackStore:
    """Durable, idempotent feedback storage. Thread-safe; one instance per process."""

    def __init__(self, url: str | URL, *, engine: Engine | None = None):
        self.url = normalise_url(url)
        self.engine = engine if engine is not None else make_engine(
            self.url, statement_timeout_ms=PG_STATEMENT_TIMEOUT_MS)
        self._issued_suspended_until = 0.0
        self._issued_lock = threading.Lock()

    @classmethod
    def from_settings(cls, settings: Any) -> "FeedbackStore":
        return cls(settings.database_url)

    @property
    def backend(self) -> str:
        return self.engine.dialect.name

    def close(self) -> None:
        self.engine.dispose()

    def __enter__(self) -> "FeedbackStore":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- writes ------------------------------------------------------------

    def record(self, service_id: str, items: Sequence[FeedbackItem], *, hook_instance: str | None = None,
               iss: str | None = None, tenant: str | None = None, issued_only: bool = False,
               issued_within: timedelta = ISSUED_WINDOW, max_per_card: int | None = None) -> int:
        """Store feedback items in one transaction; return how many were new.

        Returns only after commit. Items already stored (same service, card, outcome and
        timestamp) are skipped, also under concurrent submissions. Any database failure
        raises ``FeedbackStoreError``; nothing is partially stored. ``iss`` and ``tenant`` (the
        caller's JWT issuer and tenant) are stored with each item; with no ``tenant``, the tenant
        the card was issued to.

        ``issued_only`` (the feedback endpoint): every card must be in ``card_issued`` for this
        ``service_id``, issued within ``issued_within``, and to this ``iss`` when both are known,
        else ``CardNotIssued`` naming the first such entry (``feedback[i].card``).
        ``max_per_card``: a card may have at most this many stored items; a request that would
        store more raises ``FeedbackLimitReached`` (a repeat of stored items is still fine).
        Either way nothing of the request is stored. On PostgreSQL the cards' ``card_issued`` rows
        are locked (``FOR UPDATE``) for the transaction, so concurrent requests about one card
        cannot both pass the bound; SQLite has one writer at a time anyway.
        """
        if not items:
            return 0
        now = datetime.now(timezone.utc)
        rows: list[dict[str, Any]] = []
        seen: set[tuple[str, str, datetime]] = set()
        first_index: dict[str, int] = {}
        for index, item in enumerate(items):
            if item.outcome_timestamp.tzinfo is None:
                raise ValueError("FeedbackItem.outcome_timestamp must be timezone-aware")
            first_index.setdefault(item.card_uuid, index)
            key = (item.card_uuid, item.outcome, item.outcome_timestamp)
            if key in seen:
                continue
            seen.add(key)
            rows.append({
                "service_id": service_id,
                "card_uuid": item.card_uuid,
                "outcome": item.outcome,
                "accepted_suggestions": list(item.accepted_suggestions),
                "override_reason_system": item.override_reason_system,
                "override_reason_code": item.override_reason_code,
                "override_reason_display": item.override_reason_display,
                "user_comment": item.user_comment,
                "outcome_timestamp": item.outcome_timestamp,
                "received_at": now,
                "hook_instance": hook_instance,
                "iss": _short(iss, 512),
                "tenant": _short(tenant, 512),
            })
        stmt = (
            _insert(self.engine, feedback_table)
            .on_conflict_do_nothing(index_elements=["service_id", "card_uuid", "outcome", "outcome_timestamp"])
            .returning(feedback_table.c.id)
        )
        cards = sorted(first_index)
        try:
            with self.engine.begin() as conn:
                if issued_only or tenant is None:
                    issued = self._issued_rows(conn, cards, lock=issued_only or max_per_card is not None)
                    if issued_only:
                        self._check_issued(issued, cards, first_index, service_id, iss, now - issued_within)
                    if tenant is None:
                        for row in rows:
                            card_row = issued.get(row["card_uuid"])
                            row["tenant"] = card_row.tenant if card_row is not None else None
                inserted = len(conn.execute(stmt, rows).all())
                if max_per_card is not None and inserted:
                    fb = feedback_table
                    counts = conn.execute(
                        sa.select(fb.c.card_uuid, sa.func.count()).where(fb.c.card_uuid.in_(cards))
                        .group_by(fb.c.card_uuid)).all()
                    over = sorted(first_index[card] for card, n in counts if n > max_per_card)
                    if over:
                        raise FeedbackLimitReached(
                            f"This card already has the {max_per_card} feedback items kept per card; "
                            "nothing of this request was stored.", expression=f"feedback[{over[0]}].card")
        except SQLAlchemyError as exc:
            log.error(
                "feedback not stored",
                extra={"service_id": service_id, "items": len(rows), "backend": self.backend,
                       "error": type(exc).__name__, "hook_instance": hook_instance},
            )
            raise FeedbackStoreError("Feedback could not be stored; retry later.") from None
        log.debug(
            "feedback stored",
            extra={"service_id": service_id, "items": len(items), "inserted": inserted, "backend": self.backend},
        )
        return inserted

    def _issued_rows(self, conn: sa.Connection, cards: Sequence[str], *, lock: bool) -> dict[str, Any]:
        ci = card_issued_table
        query = (sa.select(ci.c.card_uuid, ci.c.service_id, ci.c.issued_at, ci.c.iss, ci.c.tenant)
                 .where(ci.c.card_uuid.in_(cards)).order_by(ci.c.card_uuid))
        if lock and conn.dialect.name == "postgresql":
            query = query.with_for_update()
        return {row.card_uuid: row for row in conn.execute(query)}

    @staticmethod
    def _check_issued(issued: dict[str, Any], cards: Sequence[str], first_index: dict[str, int],
                      service_id: str, iss: str | None, since: datetime) -> None:
        for card in sorted(cards, key=first_index.__getitem__):
            row = issued.get(card)
            if (row is None or row.service_id != service_id or row.issued_at < since
                    or (iss is not None and row.iss is not None and row.iss != iss)):
                # One answer for "never issued", "issued by another service", "too old" and "issued
                # to another EHR": the uuid's existence is not disclosed to a caller it was not for.
                raise CardNotIssued(
                    f"No card with this uuid was issued by this service ({service_id}) to this client in the "
                    f"last {ISSUED_WINDOW.days} days; feedback is kept only for cards this service returned.",
                    expression=f"feedback[{first_index[card]}].card")

    def record_issued(self, cards: Iterable[dict], *, service_id: str, hook_instance: str | None,
                      iss: str | None = None, tenant: str | None = None) -> int:
        """Remember the cards a hook call returned (uuid, topic, strength, rules). Never raises.

        A card uuid already recorded is left alone. After a failure, further calls are skipped
        for ``ISSUED_BACKOFF_S`` so an analytics outage cannot slow down hook calls. Returns the
        number of rows attempted (0 when skipped or failed).
        """
        return self.record_issued_calls([(cards, service_id, hook_instance, iss, tenant)])

    def record_issued_calls(self, calls: Sequence[tuple]) -> int:
        """``record_issued`` for several hook calls at once: ONE multi-row ``INSERT`` (per 1000
        rows) in one transaction, so the write costs one statement and one commit per batch of
        hook calls rather than per call. ``calls`` holds
        ``(cards, service_id, hook_instance[, iss, tenant])``.
        Never raises; returns the number of rows attempted.
        """
        first_service = calls[0][1] if calls else None
        first_instance = calls[0][2] if calls else None
        try:
            if time.monotonic() < self._issued_suspended_until:
                return 0
            now = datetime.now(timezone.utc)
            rows = []
            for cards, service_id, hook_instance, *caller in calls:
                instance = _short(hook_instance, 256)
                iss, tenant = (caller + [None, None])[:2]
                for card in cards:
                    if not isinstance(card, dict):
                        continue
                    uuid = card.get("uuid")
                    if not isinstance(uuid, str) or not uuid:
                        continue
                    ext = card.get("extension")
                    ext = ext.get("net-cds") if isinstance(ext, dict) else None
                    ext = ext if isinstance(ext, dict) else {}
                    rules = ext.get("rules")
                    rules_text = ",".join(str(r) for r in rules) if isinstance(rules, list) else None
                    rows.append({
                        "card_uuid": uuid[:256],
                        "service_id": service_id,
                        "topic": _short(ext.get("topic"), 100),
                        "strength": _short(ext.get("strength"), 40),
                        "rules": _short(rules_text, 1000),
                        "knowledge_version": _short(ext.get("knowledgeVersion"), 100),
                        "issued_at": now,
                        "hook_instance": instance,
                        "iss": _short(iss, 512),
                        "tenant": _short(tenant, 512),
                    })
            if not rows:
                return 0
            # RETURNING makes SQLAlchemy render the rows as one multi-VALUES INSERT
            # ("insertmanyvalues") on every backend, instead of one statement per row.
            stmt = (_insert(self.engine, card_issued_table)
                    .on_conflict_do_nothing(index_elements=["card_uuid"])
                    .returning(card_issued_table.c.card_uuid))
            with self.engine.begin() as conn:
                conn.execute(stmt, rows).all()
            return len(rows)
        except Exception as exc:  # analytics must never fail a hook call
            with self._issued_lock:
                self._issued_suspended_until = time.monotonic() + ISSUED_BACKOFF_S
            log.warning(
                "issued cards not recorded; analytics writes paused",
                extra={"service_id": first_service, "error": type(exc).__name__, "calls": len(calls),
                       "hook_instance": first_instance, "pause_s": ISSUED_BACKOFF_S},
            )
            return 0

    # -- reads -------------------------------------------------------------

    def ping(self) -> bool:
        """True when the database answers and the schema is there (for /readyz)."""
        try:
            with self.engine.connect() as conn:
                conn.execute(sa.select(feedback_table.c.id).limit(1)).all()
            return True
        except SQLAlchemyError as exc:
            log.warning("feedback store ping failed", extra={"backend": self.backend, "error": type(exc).__name__})
            return False

    def list_feedback(self, service_id: str | None = None) -> list[StoredFeedback]:
        """All stored feedback (optionally for one service), oldest first."""
        t = feedback_table
        query = sa.select(t).order_by(t.c.outcome_timestamp, t.c.id)
        if service_id is not None:
            query = query.where(t.c.service_id == service_id)
        with self._reading() as conn:
            result = conn.execute(query).mappings().all()
        return [
            StoredFeedback(
                service_id=r["service_id"],
                item=FeedbackItem(
                    card_uuid=r["card_uuid"],
                    outcome=r["outcome"],
                    outcome_timestamp=r["outcome_timestamp"],
                    accepted_suggestions=tuple(r["accepted_suggestions"] or ()),
                    override_reason_code=r["override_reason_code"],
                    override_reason_system=r["override_reason_system"],
                    override_reason_display=r["override_reason_display"],
                    user_comment=r["user_comment"],
                ),
                received_at=r["received_at"],
                hook_instance=r["hook_instance"],
                iss=r["iss"],
                tenant=r["tenant"],
            )
            for r in result
        ]

    def report(self) -> list[ReportRow]:
        """Acceptance and override rates per card topic and rule (see ``ReportRow``).

        Aggregates in SQL by (topic, rules-list) so the work in Python is proportional to the
        number of distinct rule combinations, not to the number of cards.
        """
        ci, fb = card_issued_table, feedback_table
        issued_q = sa.select(ci.c.topic, ci.c.rules, sa.func.count().label("n")).group_by(ci.c.topic, ci.c.rules)
        outcome_q = (
            sa.select(
                ci.c.topic, ci.c.rules, fb.c.outcome,
                sa.func.count().label("items"),
                sa.func.count(sa.distinct(fb.c.card_uuid)).label("cards"),
            )
            .select_from(fb.outerjoin(ci, ci.c.card_uuid == fb.c.card_uuid))
            .group_by(ci.c.topic, ci.c.rules, fb.c.outcome)
        )
        reason_q = (
            sa.select(
                ci.c.topic, ci.c.rules, fb.c.override_reason_system, fb.c.override_reason_code,
                sa.func.max(fb.c.override_reason_display).label("display"),
                sa.func.count().label("n"),
            )
            .select_from(fb.outerjoin(ci, ci.c.card_uuid == fb.c.card_uuid))
            .where(fb.c.outcome == "overridden", fb.c.override_reason_code.is_not(None))
            .group_by(ci.c.topic, ci.c.rules, fb.c.override_reason_system, fb.c.override_reason_code)
        )
        with self._reading() as conn:
            issued = conn.execute(issued_q).all()
            outcomes = conn.execute(outcome_q).all()
            reasons = conn.execute(reason_q).all()

        def keys(topic: str | None, rules: str | None) -> list[tuple[str, str]]:
            rule_ids = sorted({r.strip() for r in (rules or "").split(",") if r.strip()}) or [UNKNOWN]
            return [(topic or UNKNOWN, rule) for rule in rule_ids]

        acc: dict[tuple[str, str], dict[str, int]] = defaultdict(lambda: defaultdict(int))
        reason_counts: dict[tuple[str, str], dict[tuple[str, str], list]] = defaultdict(dict)
        for topic, rules, n in issued:
            for k in keys(topic, rules):
                acc[k]["issued"] += n
        for topic, rules, outcome, items, cards in outcomes:
            for k in keys(topic, rules):
                acc[k]["items"] += items
                acc[k][outcome] += cards
        for topic, rules, system, code, display, n in reasons:
            for k in keys(topic, rules):
                entry = reason_counts[k].setdefault((system, code), [display, 0])
                entry[0] = entry[0] or display
                entry[1] += n

        rows = []
        for (topic, rule), c in sorted(acc.items()):
            issued_n = c["issued"]
            top = sorted(
                (OverrideReasonCount(system=s, code=code, display=d, count=n)
                 for (s, code), (d, n) in reason_counts[(topic, rule)].items()),
                key=lambda r: (-r.count, r.system, r.code),
            )[:TOP_REASONS]
            rows.append(ReportRow(
                topic=topic,
                rule=rule,
                cards_issued=issued_n,
                feedback_items=c["items"],
                accepted=c["accepted"],
                overridden=c["overridden"],
                acceptance_rate=(c["accepted"] / issued_n) if issued_n else None,
                override_rate=(c["overridden"] / issued_n) if issued_n else None,
                top_override_reasons=tuple(top),
            ))
        return rows

    def _reading(self):
        return _GuardedConnection(self)


class IssuedRecorder:
    """Records issued cards OFF the request path, in batches: a bounded buffer drained by one
    daemon thread with one multi-row ``INSERT`` per batch (``FeedbackStore.record_issued_calls``).

    A batch is written ``flush_interval`` seconds after its first hook call arrived, or at once
    when ``max_batch`` calls are waiting, or when ``flush`` asks (tests, the bench, shutdown). So
    under load the database sees a few statements per second per worker instead of one per hook
    call, and at rest a row is written within ``flush_interval``.

    ``submit`` never blocks and never raises: when ``maxsize`` calls are already waiting (the
    database is slow or down) the entry is dropped and counted (``dropped``): analytics must not
    cost the hook answer. The thread is started on first use (after gunicorn's fork); at
    interpreter exit (a graceful worker stop) everything waiting is written, for up to
    ``EXIT_FLUSH_S`` seconds.
    """

    EXIT_FLUSH_S = 3.0
    FLUSH_INTERVAL_S = 0.2
    MAX_BATCH = 200

    def __init__(self, store: "FeedbackStore", *, maxsize: int = 2000,
                 flush_interval: float = FLUSH_INTERVAL_S, max_batch: int = MAX_BATCH):
        self._store = store
        self._maxsize = maxsize
        self._flush_interval = flush_interval
        self._max_batch = max(1, max_batch)
        self._pending: list[tuple] = []
        self._writing = 0             # calls taken by the thread and not yet written
        self._urgent = 0              # flush() callers waiting: write what is there now
        self._cond = threading.Condition(threading.Lock())
        self._thread: threading.Thread | None = None
        self._start_lock = threading.Lock()
        self.dropped = 0
        self.recorded = 0

    def submit(self, cards: Iterable[dict], *, service_id: str, hook_instance: str | None,
               iss: str | None = None, tenant: str | None = None) -> bool:
        thread = self._thread
        if thread is None or not thread.is_alive():
            self._ensure_thread()
        entry = (list(cards), service_id, hook_instance, iss, tenant)
        with self._cond:
            pending = self._pending
            if len(pending) < self._maxsize:
                pending.append(entry)
                # Wake the writer only when it has something new to do: a first entry starts
                # the batch timer, a full batch is written at once. Other submits just append.
                if len(pending) == 1 or len(pending) == self._max_batch:
                    self._cond.notify()
                return True
            self.dropped += 1
            dropped = self.dropped
        if dropped == 1 or dropped % 1000 == 0:
            log.warning("issued-card queue full; analytics rows dropped",
                        extra={"dropped": dropped, "service_id": service_id})
        return False

    @property
    def busy(self) -> bool:
        """Calls submitted and not yet written (pending or being written)."""
        return bool(self._pending or self._writing)

    def flush(self, timeout: float = 5.0) -> bool:
        """Write everything submitted so far now; True once written, False if ``timeout`` passes first."""
        deadline = time.monotonic() + timeout
        with self._cond:
            if not self._pending and not self._writing:
                return True
            self._urgent += 1
            self._cond.notify_all()
            try:
                while self._pending or self._writing:
                    remaining = deadline - time.monotonic()
                    if remaining <= 0:
                        return False
                    self._cond.wait(remaining)
                return True
            finally:
                self._urgent -= 1

    def _ensure_thread(self) -> None:
        if self._thread is not None and self._thread.is_alive():
            return
        with self._start_lock:
            if self._thread is not None and self._thread.is_alive():
                return
            self._thread = threading.Thread(target=self._run, name="netcds-issued-cards", daemon=True)
            self._thread.start()
            atexit.register(self.flush, self.EXIT_FLUSH_S)

    def _next_batch(self) -> list[tuple]:
        """Wait for a batch: the first entry, then up to ``flush_interval`` for more (less if urged)."""
        cond = self._cond
        with cond:
            while not self._pending:
                cond.wait()
            deadline = time.monotonic() + self._flush_interval
            while len(self._pending) < self._max_batch and not self._urgent:
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    break
                cond.wait(remaining)
            batch = self._pending[:self._max_batch]
            del self._pending[:self._max_batch]
            self._writing = len(batch)
            return batch

    def _run(self) -> None:
        while True:
            batch = self._next_batch()
            try:
                self.recorded += self._store.record_issued_calls(batch)
            except Exception:  # noqa: BLE001 - record_issued_calls never raises; be sure the thread lives on
                pass
            finally:
                with self._cond:
                    self._writing = 0
                    self._cond.notify_all()


class _GuardedConnection:
    """``with store._reading() as conn`` -> a connection; database errors -> FeedbackStoreError."""

    def __init__(self, store: FeedbackStore):
        self._store = store
        self._conn: sa.Connection | None = None

    def __enter__(self) -> sa.Connection:
        try:
            self._conn = self._store.engine.connect()
        except SQLAlchemyError as exc:
            self._fail(exc)
        return self._conn

    def __exit__(self, exc_type, exc, tb) -> bool:
        assert self._conn is not None
        self._conn.close()
        if isinstance(exc, SQLAlchemyError):
            self._fail(exc)
        return False

    def _fail(self, exc: Exception):
        log.error("feedback store read failed", extra={"backend": self._store.backend, "error": type(exc).__name__})
        raise FeedbackStoreError("The feedback store could not be read.") from None


def _short(value: object, limit: int) -> str | None:
    if value is None:
        return None
    return str(value)[:limit]


# --------------------------------------------------------------------------- migrations

def _alembic_config(connection: sa.Connection):
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR).replace("%", "%%"))
    cfg.attributes["connection"] = connection
    return cfg


def head_revision() -> str:
    from alembic.script import ScriptDirectory
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR).replace("%", "%%"))
    head = ScriptDirectory.from_config(cfg).get_current_head()
    assert head is not None
    return head


def current_revision(url: str | URL) -> str | None:
    """The schema revision of the database (None for an empty database)."""
    from alembic.runtime.migration import MigrationContext

    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            return MigrationContext.configure(conn).get_current_revision()
    except SQLAlchemyError as exc:
        log.error("feedback store unavailable", extra={"error": type(exc).__name__})
        raise FeedbackStoreError("The feedback database is unavailable.") from None
    finally:
        engine.dispose()


def migrate(url: str | URL) -> str:
    """Upgrade the database schema to head; safe to run again and from several processes at once.

    Runs in one transaction: SQLite takes the write lock up front (``BEGIN IMMEDIATE``),
    PostgreSQL takes a transaction-level advisory lock, so concurrent migrators serialise and
    the later ones find the schema already at head. Returns the head revision.
    """
    from alembic import command

    engine = make_engine(url, immediate_transactions=True)
    try:
        with engine.begin() as conn:
            if conn.dialect.name == "postgresql":
                conn.exec_driver_sql("SELECT pg_advisory_xact_lock(7417280001)")
            command.upgrade(_alembic_config(conn), "head")
    except SQLAlchemyError as exc:
        log.error("feedback store migration failed", extra={"error": type(exc).__name__})
        raise FeedbackStoreError("The feedback database could not be migrated.") from None
    finally:
        engine.dispose()
    return head_revision()


def auto_migrate_default(url: str | URL) -> bool:
    """Default for NETCDS_AUTO_MIGRATE: on for SQLite (embedded), off for PostgreSQL."""
    return normalise_url(url).get_backend_name() == "sqlite"


def ensure_schema(url: str | URL, auto_migrate: bool | None = None) -> None:
    """Called once by the app factory.

    ``auto_migrate`` true: migrate to head (idempotent; cheap when already there).
    ``auto_migrate`` false: only check that the schema is at head; raise ``ConfigError``
    telling the operator to run ``python -m service migrate`` if it is not.
    ``None``: ``auto_migrate_default(url)``. Database unreachable -> ``FeedbackStoreError``.
    """
    if auto_migrate is None:
        auto_migrate = auto_migrate_default(url)
    if auto_migrate:
        migrate(url)
        return
    current, head = current_revision(url), head_revision()
    if current != head:
        raise ConfigError(
            f"The feedback database schema is at revision {current or 'none'}, expected {head}: "
            "run `python -m service migrate` (or set NETCDS_AUTO_MIGRATE=true)."
        )


def _url_from_args(value: str | None) -> str:
    return value or os.environ.get("NETCDS_DATABASE_URL") or DEFAULT_DATABASE_URL


def migrate_main(argv: Sequence[str] | None = None) -> int:
    """``python -m service migrate [--database-url URL]``: upgrade the feedback schema to head."""
    parser = argparse.ArgumentParser(prog="python -m service migrate",
                                     description="Upgrade the feedback database schema to the latest revision.")
    parser.add_argument("--database-url", help="default: $NETCDS_DATABASE_URL or " + DEFAULT_DATABASE_URL)
    args = parser.parse_args(argv)
    url = _url_from_args(args.database_url)
    try:
        revision = migrate(url)
    except (ConfigError, FeedbackStoreError) as exc:
        print(f"migrate: {exc.message}", file=sys.stderr)
        return 1
    shown = normalise_url(url).render_as_string(hide_password=True)
    print(f"feedback database {shown} is at revision {revision}")
    return 0
