"""The postgres fixture starts a real server we can talk to."""
import glob

import psycopg
import pytest
import sqlalchemy as sa


@pytest.mark.postgres
def test_postgres_url_points_at_a_real_running_server(postgres_url):
    assert postgres_url.startswith("postgresql+psycopg://")
    engine = sa.create_engine(postgres_url)
    try:
        with engine.connect() as conn:
            version = conn.execute(sa.text("SHOW server_version_num")).scalar_one()
            assert int(version) >= 120000
            assert conn.execute(sa.text("SELECT current_database()")).scalar_one() == "netcds_test"
    finally:
        engine.dispose()


@pytest.mark.postgres
def test_server_listens_only_on_loopback(postgres_server):
    with psycopg.connect(host="127.0.0.1", port=postgres_server.port, user="netcds", dbname="postgres") as conn:
        assert conn.execute("SHOW listen_addresses").fetchone()[0] == "127.0.0.1"


def test_missing_binaries_fail_in_ci_and_skip_locally(monkeypatch):
    from tests.plugins import postgres as plugin

    monkeypatch.setenv("PATH", "/nonexistent")
    monkeypatch.setattr(glob, "glob", lambda pattern: [])
    with pytest.raises(plugin.PostgresUnavailable) as caught:
        plugin._find_bindir()
    assert "postgresql" in str(caught.value)

    monkeypatch.setenv("CI", "true")
    with pytest.raises(pytest.fail.Exception, match="PostgreSQL tests cannot run"):
        plugin._unavailable(str(caught.value))
    monkeypatch.delenv("CI")
    with pytest.raises(pytest.skip.Exception, match="PostgreSQL tests cannot run"):
        plugin._unavailable(str(caught.value))


def test_binaries_are_found_under_usr_lib_postgresql_when_not_on_path(monkeypatch, tmp_path):
    from tests.plugins import postgres as plugin

    for version in ("9.6", "15", "13"):
        (tmp_path / version / "bin").mkdir(parents=True)
        (tmp_path / version / "bin" / "initdb").touch()
    monkeypatch.setenv("PATH", "/nonexistent")
    monkeypatch.setattr(glob, "glob", lambda pattern: [str(tmp_path / v / "bin") for v in ("9.6", "15", "13")])
    assert plugin._find_bindir() == tmp_path / "15" / "bin"
