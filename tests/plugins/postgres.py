"""pytest fixtures: a REAL throwaway PostgreSQL server (see tests/conftest.py).

``postgres_server`` (session): ``initdb`` into a fresh temporary directory, start on
127.0.0.1 with a free port and the unix socket inside that directory, stop and delete at the
end. Tests may ``stop()`` / ``start()`` / ``restart()`` it (and must leave it running).
``postgres_url`` (session): ``postgresql+psycopg://`` URL of a database created on it.
``server.create_database()`` gives a test its own empty database.

The server (binaries found on PATH or under ``/usr/lib/postgresql/*/bin``, run as an
unprivileged user when we are root) is ``bench.pg.PostgresServer``, shared with the benchmark.
No binaries: the tests fail with a clear message when ``CI`` is set, and are skipped locally.
"""
from __future__ import annotations

import os
import subprocess
from collections.abc import Iterator

import pytest

# The server itself is bench/pg.py (pytest-free, shared with the benchmark); here only the fixtures.
from bench.pg import PostgresServer, PostgresUnavailable
from bench.pg import find_bindir as _find_bindir
from bench.pg import run_as as _run_as


def _unavailable(reason: str) -> None:
    message = f"PostgreSQL tests cannot run: {reason}"
    if os.environ.get("CI"):
        pytest.fail(message, pytrace=False)
    pytest.skip(message)


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[PostgresServer]:
    try:
        bindir = _find_bindir()
        user = _run_as()
    except PostgresUnavailable as exc:
        _unavailable(str(exc))
        raise  # unreachable
    server = PostgresServer(bindir, user)
    try:
        try:
            server.initdb()
            server.start()
        except (PostgresUnavailable, subprocess.TimeoutExpired, OSError) as exc:
            _unavailable(str(exc))
        yield server
    finally:
        server.destroy()


@pytest.fixture(scope="session")
def postgres_url(postgres_server: PostgresServer) -> str:
    """URL of a database on the session's throwaway server: ``postgresql+psycopg://...``."""
    return postgres_server.create_database("netcds_test")
