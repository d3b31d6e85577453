"""Alembic migrations: build the schema from empty, are re-runnable (also concurrently), match the
store's table definitions; ensure_schema migrates only when told to; URLs are checked."""
from __future__ import annotations

import multiprocessing

import pytest
import sqlalchemy as sa
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext

from service.errors import ConfigError
from service.feedback.api import parse_feedback
from service.feedback.store import (
    DEFAULT_DATABASE_URL,
    FeedbackStore,
    _alembic_config,
    auto_migrate_default,
    current_revision,
    ensure_schema,
    head_revision,
    make_engine,
    metadata,
    migrate,
    migrate_main,
    normalise_url,
)
from tests.feedback import _workers

HEAD = "0003"   # the newest revision under service/feedback/migrations/versions
ITEM = {"feedback": [{"card": "c", "outcome": "overridden", "outcomeTimestamp": "2021-12-11T10:05:31Z"}]}




def test_migrate_creates_the_schema_from_empty(db_url):
    assert current_revision(db_url) is None
    assert migrate(db_url) == head_revision() == HEAD
    assert current_revision(db_url) == HEAD
    engine = make_engine(db_url)
    try:
        insp = sa.inspect(engine)
        assert {"feedback", "card_issued", "jti_seen", "alembic_version"} <= set(insp.get_table_names())
        uniques = [set(u["column_names"]) for u in insp.get_unique_constraints("feedback")]
        assert {"service_id", "card_uuid", "outcome", "outcome_timestamp"} in uniques
        assert insp.get_pk_constraint("card_issued")["constrained_columns"] == ["card_uuid"]
    finally:
        engine.dispose()


def test_migrated_schema_matches_the_store_tables(db_url):
    migrate(db_url)
    engine = make_engine(db_url)
    try:
        with engine.connect() as conn:
            diffs = compare_metadata(MigrationContext.configure(conn, opts={"compare_type": True}), metadata)
    finally:
        engine.dispose()
    assert diffs == []


def test_migrate_is_re_runnable_and_keeps_data(db_url):
    migrate(db_url)
    with FeedbackStore(db_url) as store:
        assert store.record("svc", parse_feedback(ITEM)) == 1
    assert migrate(db_url) == HEAD
    with FeedbackStore(db_url) as store:
        assert len(store.list_feedback()) == 1


def test_downgrade_to_base_and_upgrade_again(db_url):
    migrate(db_url)
    engine = make_engine(db_url)
    try:
        with engine.begin() as conn:
            command.downgrade(_alembic_config(conn), "base")
        assert not {"feedback", "card_issued"} & set(sa.inspect(engine).get_table_names())
    finally:
        engine.dispose()
    assert current_revision(db_url) is None
    migrate(db_url)
    assert current_revision(db_url) == HEAD


@pytest.mark.slow
def test_concurrent_migrations_serialise(db_url):
    ctx = multiprocessing.get_context("spawn")
    barrier, results = ctx.Barrier(3), ctx.Queue()
    procs = [ctx.Process(target=_workers.migrate_after_barrier, args=(db_url, barrier, results)) for _ in range(3)]
    for p in procs:
        p.start()
    for p in procs:
        p.join(timeout=120)
    outcomes = [results.get(timeout=5) for _ in procs]
    results.close()
    results.join_thread()
    assert outcomes == [HEAD] * 3
    assert current_revision(db_url) == HEAD


def test_ensure_schema_without_auto_migrate_refuses_an_unmigrated_database(db_url):
    with pytest.raises(ConfigError) as caught:
        ensure_schema(db_url, auto_migrate=False)
    assert "python -m service migrate" in caught.value.message
    assert current_revision(db_url) is None          # it did not migrate behind the operator's back


def test_ensure_schema_with_auto_migrate_migrates(db_url):
    ensure_schema(db_url, auto_migrate=True)
    assert current_revision(db_url) == HEAD
    ensure_schema(db_url, auto_migrate=False)        # now at head: fine


def test_auto_migrate_defaults_on_for_sqlite_off_for_postgresql():
    assert auto_migrate_default("sqlite:///x.sqlite3") is True
    assert auto_migrate_default("postgresql+psycopg://u@h/db") is False


def test_ensure_schema_default_migrates_sqlite(tmp_path):
    url = f"sqlite:///{tmp_path / 'a' / 'b.sqlite3'}"
    ensure_schema(url)
    assert current_revision(url) == HEAD


def test_default_url_is_relative_to_the_working_directory(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("NETCDS_DATABASE_URL", raising=False)
    assert migrate_main([]) == 0
    assert (tmp_path / ".netcds" / "feedback.sqlite3").is_file()
    assert current_revision(DEFAULT_DATABASE_URL) == HEAD


def test_sqlite_uses_wal_and_full_sync(tmp_path):
    engine = make_engine(f"sqlite:///{tmp_path / 'f.sqlite3'}")
    try:
        with engine.connect() as conn:
            assert conn.exec_driver_sql("PRAGMA journal_mode").scalar_one() == "wal"
            assert conn.exec_driver_sql("PRAGMA synchronous").scalar_one() == 2      # FULL
            assert conn.exec_driver_sql("PRAGMA busy_timeout").scalar_one() >= 5000
    finally:
        engine.dispose()


def test_sqlite_directory_that_cannot_be_created_is_a_config_error(tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("not a directory")
    with pytest.raises(ConfigError):
        FeedbackStore(f"sqlite:///{blocker}/feedback.sqlite3")


@pytest.mark.parametrize("url, driver", [
    ("sqlite:///x.sqlite3", "sqlite"),
    ("sqlite+pysqlite:///x.sqlite3", "sqlite"),
    ("postgresql://u:p@h/db", "postgresql+psycopg"),
    ("postgres://u:p@h/db", "postgresql+psycopg"),
    ("postgresql+psycopg://u:p@h/db", "postgresql+psycopg"),
])
def test_supported_urls(url, driver):
    assert normalise_url(url).drivername == driver


@pytest.mark.parametrize("url", ["mysql://u@h/db", "postgresql+psycopg2://u@h/db", "not a url"])
def test_unsupported_urls_are_config_errors(url):
    with pytest.raises(ConfigError) as caught:
        normalise_url(url)
    assert "NETCDS_DATABASE_URL" in caught.value.message


def test_migrate_main_reports_revision_without_password(postgres_server, capsys):
    url = postgres_server.create_database()
    try:
        with_password = url.replace("netcds@", "netcds:s3cret-pw@")   # trust auth ignores the password
        assert migrate_main(["--database-url", with_password]) == 0
        out = capsys.readouterr().out
        assert HEAD in out and "s3cret-pw" not in out
    finally:
        postgres_server.drop_database(url)


test_migrate_main_reports_revision_without_password = pytest.mark.postgres(
    test_migrate_main_reports_revision_without_password)


def test_migrate_main_fails_cleanly_on_a_bad_url(capsys):
    assert migrate_main(["--database-url", "mysql://u:s3cret@h/db"]) == 1
    assert "s3cret" not in capsys.readouterr().err
