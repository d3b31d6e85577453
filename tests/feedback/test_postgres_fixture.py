"""The postgres fixture starts a real server we can talk to."""
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
