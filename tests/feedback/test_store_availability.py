"""A feedback store that cannot reach its database says so (FeedbackStoreError, 503) and never loses
an accepted item silently; what was accepted survives a PostgreSQL crash and restart."""
from __future__ import annotations

import socket
import time

import pytest

from service.errors import FeedbackStoreError
from service.feedback.api import parse_feedback
from service.feedback.store import FeedbackStore, current_revision, ensure_schema, migrate

pytestmark = pytest.mark.postgres

SERVICE = "net-cds-patient-view"
BODY = {"feedback": [
    {"card": "card-1", "outcome": "overridden", "outcomeTimestamp": "2021-12-11T11:07:29.497Z",
     "overrideReason": {"reason": {"code": "patient-declined", "system": "https://net-cds.org/fhir/x"}}},
    {"card": "card-2", "outcome": "accepted", "acceptedSuggestions": [{"id": "s"}],
     "outcomeTimestamp": "2021-12-11T11:08:00Z"},
]}


def dead_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def pg_db(postgres_server):
    url = postgres_server.create_database()
    migrate(url)
    yield url
    if not postgres_server.running:      # a failed test must not leave the session's server down
        postgres_server.start()
    postgres_server.drop_database(url)


def test_unreachable_database_raises_quickly_and_is_not_ready():
    url = f"postgresql+psycopg://netcds@127.0.0.1:{dead_port()}/nowhere"
    with FeedbackStore(url) as store:
        started = time.monotonic()
        with pytest.raises(FeedbackStoreError) as caught:
            store.record(SERVICE, parse_feedback(BODY))
        assert caught.value.status == 503
        assert store.ping() is False
        with pytest.raises(FeedbackStoreError):
            store.report()
        assert store.record_issued([{"uuid": "u"}], service_id=SERVICE, hook_instance="h") == 0
        assert time.monotonic() - started < 30
    with pytest.raises(FeedbackStoreError):
        ensure_schema(url, auto_migrate=False)
    with pytest.raises(FeedbackStoreError):
        current_revision(url)


def test_server_going_down_raises_then_recovers_without_loss_or_duplicates(postgres_server, pg_db):
    items = parse_feedback(BODY)
    with FeedbackStore(pg_db) as store:
        assert store.record(SERVICE, items[:1]) == 1
        postgres_server.stop()
        try:
            with pytest.raises(FeedbackStoreError):
                store.record(SERVICE, items)          # the client gets a 503 and retries
            assert store.ping() is False
        finally:
            postgres_server.start()
        assert store.ping() is True                   # pool_pre_ping replaces the dead connections
        assert store.record(SERVICE, items) == 1      # the retry stores the missing item, not the first twice
        assert [s.item for s in store.list_feedback()] == items


def test_accepted_feedback_survives_a_postgresql_crash(postgres_server, pg_db):
    items = parse_feedback(BODY)
    with FeedbackStore(pg_db) as store:
        assert store.record(SERVICE, items) == 2     # returned: committed
    postgres_server.stop(mode="immediate")           # crash: no shutdown checkpoint, WAL recovery on start
    postgres_server.start()
    with FeedbackStore(pg_db) as store:
        assert [s.item for s in store.list_feedback()] == items
        assert store.record(SERVICE, items) == 0



def test_store_statements_time_out_so_a_hung_server_cannot_hang_requests(pg_db):
    import sqlalchemy as sa

    with FeedbackStore(pg_db) as store, store.engine.connect() as conn:
        assert conn.execute(sa.text("SHOW statement_timeout")).scalar_one() == "15s"
