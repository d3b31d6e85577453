"""A JWT is accepted once, whichever worker or process it reaches (the shared ``jti_seen`` cache).

Before: each gunicorn worker kept its own in-memory jti set, so a token replayed to another
worker (or to the replacement of a recycled worker) was accepted again. Now
``NETCDS_REPLAY_CACHE=database`` (the default whenever the service is served by gunicorn, with
any number of workers and instances) inserts ``(iss, jti)`` under a primary key: the second insert fails everywhere.
"""
from __future__ import annotations

import multiprocessing
import statistics
import time

import pytest
import requests

from service.protocol.auth import DatabaseReplayCache, InMemoryReplayCache, ReplayCacheUnavailable
from service.config import Settings
from service.feedback.store import migrate
from service.ops.serve import worker_overrides
from tests.hardening import _processes
from tests.plugins.app import HOOK_PATH, hook_body

ISS = "https://ehr.test.example/issuer"


@pytest.fixture
def db_url(tmp_path):
    url = f"sqlite:///{tmp_path / 'replay.sqlite3'}"
    migrate(url)
    return url


def test_per_process_memory_caches_accept_a_replay_the_shared_one_refuses(db_url):
    key, now = f"{ISS}\x00jti-1", time.time()
    worker_a, worker_b = InMemoryReplayCache(), InMemoryReplayCache()
    assert worker_a.add(key, expires_at=now + 300, now=now) and worker_b.add(key, expires_at=now + 300, now=now)
    shared_a, shared_b = DatabaseReplayCache(db_url), DatabaseReplayCache(db_url)
    try:
        assert shared_a.add(key, expires_at=now + 300, now=now) is True
        assert shared_b.add(key, expires_at=now + 300, now=now) is False
        assert shared_a.add(key, expires_at=now + 300, now=now) is False
        assert shared_b.add(f"{ISS}\x00jti-2", expires_at=now + 300, now=now) is True
        assert shared_a.add("https://other.example\x00jti-1", expires_at=now + 300, now=now) is True   # per issuer
    finally:
        shared_a.close()
        shared_b.close()


def test_two_processes_racing_with_the_same_jti_accept_it_once(db_url):
    ctx = multiprocessing.get_context("spawn")
    barrier, results = ctx.Barrier(4), ctx.Queue()
    now = time.time()
    procs = [ctx.Process(target=_processes.add_after_barrier,
                         args=(db_url, f"{ISS}\x00race", now + 300, now, barrier, results)) for _ in range(4)]
    for p in procs:
        p.start()
    outcomes = sorted(results.get(timeout=60) for _ in procs)
    for p in procs:
        p.join(30)
    assert outcomes == [False, False, False, True]


def test_expired_rows_are_purged_and_an_expired_jti_is_no_replay(db_url):
    cache = DatabaseReplayCache(db_url, purge_interval=0)
    try:
        now = time.time()
        assert cache.add(f"{ISS}\x00old", expires_at=now - 10, now=now - 100)
        assert cache.add(f"{ISS}\x00new", expires_at=now + 300, now=now)    # purges "old" on the way
        assert len(cache) == 1
        assert cache.purge(now + 1000) == 1 and len(cache) == 0
    finally:
        cache.close()


def test_an_unreachable_replay_cache_is_503_never_an_accepted_token(tmp_path, app_factory, auth_header):
    app = app_factory(NETCDS_REPLAY_CACHE="database")
    state = app.extensions["netcds"]
    import sqlalchemy as sa

    state.verifier._replay.engine = sa.create_engine(f"sqlite:///{tmp_path / 'missing' / 'x.sqlite3'}")
    response = app.test_client().post(HOOK_PATH, json=hook_body(), headers=auth_header(HOOK_PATH))
    assert response.status_code == 503 and response.headers["Retry-After"] == "1"
    with pytest.raises(ReplayCacheUnavailable):
        state.verifier._replay.add(f"{ISS}\x00x", expires_at=time.time() + 10, now=time.time())


def test_the_replay_cache_is_shared_by_default_whenever_served_whatever_the_worker_count():
    """Issue 15, finding 6: one worker per pod used to keep the memory cache (a token replayed on another pod)."""
    settings = Settings.from_env({"NETCDS_AUTH_DISABLED": "true"})
    assert worker_overrides(settings, {"workers": 3, "threads": 4}, env={})["NETCDS_REPLAY_CACHE"] == "database"
    assert worker_overrides(settings, {"workers": 1, "threads": 4}, env={})["NETCDS_REPLAY_CACHE"] == "database"
    assert "NETCDS_REPLAY_CACHE" not in worker_overrides(
        settings, {"workers": 1, "threads": 4}, env={"NETCDS_REPLAY_CACHE": "memory"})


def test_a_gunicorn_worker_defaults_to_the_shared_cache_the_in_process_factory_to_memory():
    """However gunicorn was started (``python -m service``, ``gunicorn -c deploy/gunicorn.conf.py``, plain
    ``gunicorn 'service.app:create_app()'``), its arbiter sets SERVER_SOFTWARE before any worker builds an app."""
    base = {"NETCDS_AUTH_DISABLED": "true"}
    assert Settings.from_env(base).replay_cache == "memory"                       # tests, create_app()
    served = {**base, "SERVER_SOFTWARE": "gunicorn/23.0.0"}
    assert Settings.from_env(served).replay_cache == "database"
    assert Settings.from_env({**served, "NETCDS_REPLAY_CACHE": "memory"}).replay_cache == "memory"   # explicit
    assert Settings.from_env({**base, "SERVER_SOFTWARE": "waitress"}).replay_cache == "memory"


def test_per_request_cost_of_the_shared_cache_is_small(db_url):
    """One INSERT per authenticated call (SQLite, WAL, synchronous=NORMAL). Reported in README."""
    cache = DatabaseReplayCache(db_url)
    try:
        now = time.time()
        times = []
        for i in range(300):
            started = time.perf_counter()
            cache.add(f"{ISS}\x00cost-{i}", expires_at=now + 300, now=now)
            times.append(time.perf_counter() - started)
        median = statistics.median(times)
        assert median < 0.005, f"median {median * 1000:.2f} ms per insert"
    finally:
        cache.close()


@pytest.mark.slow
def test_a_token_replayed_to_the_live_multi_worker_server_is_refused(live_server):
    """python -m service with 2 workers: a token works once; replays on fresh connections are 401."""
    headers = live_server.auth(HOOK_PATH)
    statuses = []
    for _ in range(12):
        with requests.Session() as session:             # a new connection each time: any worker may answer
            statuses.append(session.post(live_server.url(HOOK_PATH), json=hook_body(), headers=headers,
                                         timeout=10).status_code)
    assert statuses[0] == 200 and statuses[1:] == [401] * 11, statuses


@pytest.mark.slow
def test_a_token_used_on_one_instance_is_refused_on_another_with_default_settings(
        live_server_factory, postgres_server):
    """Two instances (pods) of ``python -m service``, ONE worker each, one PostgreSQL database, no
    NETCDS_REPLAY_CACHE set: a token accepted by one is 401 on the other (issue 15, finding 6)."""
    url = postgres_server.create_database()
    migrate(url)
    public = "https://netcds.pods.example"          # both behind one load balancer: one public URL (JWT aud)
    settings = {"NETCDS_WORKERS": "1", "NETCDS_DATABASE_URL": url, "NETCDS_PUBLIC_BASE_URL": public}
    pod_a, pod_b = live_server_factory(**settings), live_server_factory(**settings)
    assert "NETCDS_REPLAY_CACHE" not in pod_a.env and "NETCDS_REPLAY_CACHE" not in pod_b.env

    headers = pod_a.auth(HOOK_PATH, aud=public + HOOK_PATH)
    first = requests.post(pod_a.url(HOOK_PATH), json=hook_body(), headers=headers, timeout=10)
    replayed = requests.post(pod_b.url(HOOK_PATH), json=hook_body(), headers=headers, timeout=10)
    fresh = requests.post(pod_b.url(HOOK_PATH), json=hook_body(),
                          headers=pod_b.auth(HOOK_PATH, aud=public + HOOK_PATH), timeout=10)

    assert first.status_code == 200, first.text
    assert replayed.status_code == 401 and replayed.headers["WWW-Authenticate"] == "Bearer"
    assert fresh.status_code == 200, fresh.text
    if postgres_server.running:
        postgres_server.drop_database(url)
