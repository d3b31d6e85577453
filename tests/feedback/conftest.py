"""Fixtures for the feedback tests: one empty database per test, on SQLite and on PostgreSQL."""
from __future__ import annotations

from collections.abc import Iterator

import pytest

from service.feedback.store import FeedbackStore, migrate

BACKENDS = [
    pytest.param("sqlite", id="sqlite"),
    pytest.param("postgresql", id="postgresql", marks=pytest.mark.postgres),
]


@pytest.fixture(params=BACKENDS)
def db_url(request: pytest.FixtureRequest, tmp_path) -> Iterator[str]:
    """An empty database (no schema yet): a SQLite file under tmp_path, or a fresh PostgreSQL database."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'db' / 'feedback.sqlite3'}"
        return
    server = request.getfixturevalue("postgres_server")
    url = server.create_database()
    yield url
    if server.running:
        server.drop_database(url)


@pytest.fixture
def store(db_url: str) -> Iterator[FeedbackStore]:
    """A FeedbackStore on a migrated, empty database."""
    migrate(db_url)
    with FeedbackStore(db_url) as s:
        yield s
