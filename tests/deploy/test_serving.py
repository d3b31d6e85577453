"""The serving numbers (service/ops/serving_config.py) and deploy/gunicorn.conf.py, pinned.

Both ``python -m service`` (service/ops/serve.py) and ``gunicorn -c deploy/gunicorn.conf.py`` get
their settings from ``gunicorn_options``; these tests pin the formulas and check that gunicorn
itself accepts every option.
"""
from __future__ import annotations

import runpy

import pytest
from gunicorn.config import Config

from service.config import Settings
from service.ops.serving_config import (
    MAX_WORKERS, cgroup_cpu_limit, graceful_timeout, gunicorn_options, memory_budget_mb, worker_timeout,
)
from tests.deploy.conftest import DEPLOY


def _settings(**env: str) -> Settings:
    return Settings.from_env({"NETCDS_AUTH_DISABLED": "true", **env})


@pytest.mark.parametrize(("cores", "workers", "threads"), [(1, 2, 2), (2, 3, 2), (8, MAX_WORKERS, 2), (16, MAX_WORKERS, 2)])
def test_workers_and_threads_follow_the_cpu_count(cores, workers, threads):
    options = gunicorn_options(_settings(), cpu_count=cores, env={})

    assert (options["workers"], options["threads"]) == (workers, threads)
    assert options["worker_class"] == "gthread"


def test_explicit_workers_and_threads_win():
    env = {"NETCDS_WORKERS": "2", "NETCDS_THREADS": "8"}
    options = gunicorn_options(_settings(**env), cpu_count=64, env=env)
    assert (options["workers"], options["threads"]) == (2, 8)


@pytest.mark.parametrize("deadline", ["0.9", "5", "30", "120"])
def test_timeouts_are_above_the_hook_deadline(deadline):
    options = gunicorn_options(_settings(NETCDS_HOOK_DEADLINE_SECONDS=deadline), cpu_count=2, env={})

    assert options["timeout"] > float(deadline) * 2
    assert options["graceful_timeout"] > float(deadline)
    assert (options["timeout"], options["graceful_timeout"]) == (worker_timeout(float(deadline)),
                                                                 graceful_timeout(float(deadline)))


def test_default_numbers_are_pinned():
    options = gunicorn_options(_settings(), cpu_count=2, env={})
    assert options["timeout"] == 30 and options["graceful_timeout"] == 20
    assert options["keepalive"] > 60, "above the 60 s idle timeout of common proxies, or they answer 502"
    assert options["max_requests"] > 0 and 0 < options["max_requests_jitter"] < options["max_requests"]
    assert options["preload_app"] is False
    assert options["accesslog"] is None
    assert options["bind"] == ["127.0.0.1:8080"]


def test_bind_follows_host_and_port_with_ipv6_brackets():
    options = gunicorn_options(_settings(NETCDS_HOST="::", NETCDS_PORT="9000"), cpu_count=1, env={})
    assert options["bind"] == ["[::]:9000"]


def test_gunicorn_accepts_every_option():
    cfg = Config()
    for key, value in gunicorn_options(_settings(), cpu_count=2, env={}).items():
        assert key in cfg.settings, f"{key} is not a gunicorn setting"
        if value is not None:
            cfg.set(key, value)                       # gunicorn's own validation
    assert cfg.worker_class_str == "gthread"


def test_memory_budget_is_150_mib_per_process():
    assert memory_budget_mb(3) == 600


@pytest.mark.parametrize(("text", "cpus"), [
    ({"cpu_max": "max 100000"}, None),
    ({"cpu_max": "200000 100000\n"}, 2.0),
    ({"cpu_max": "50000 100000"}, 0.5),
    ({"cfs_quota_us": "-1", "cfs_period_us": "100000"}, None),
    ({"cfs_quota_us": "150000", "cfs_period_us": "100000"}, 1.5),
    ({"cpu_max": "garbage"}, None),
    ({}, None),
])
def test_cgroup_cpu_quota_is_read(text, cpus):
    assert cgroup_cpu_limit(**text) == cpus


def test_gunicorn_conf_file_uses_the_shared_numbers(monkeypatch):
    for name in ("NETCDS_WORKERS", "NETCDS_THREADS", "NETCDS_TRUSTED_ISSUERS", "PROMETHEUS_MULTIPROC_DIR"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("NETCDS_AUTH_DISABLED", "true")
    monkeypatch.setenv("NETCDS_WORKERS", "4")
    monkeypatch.setenv("NETCDS_HOOK_DEADLINE_SECONDS", "10")
    monkeypatch.setenv("NETCDS_PORT", "8081")

    conf = runpy.run_path(str(DEPLOY / "gunicorn.conf.py"))
    expected = gunicorn_options(Settings.from_env({"NETCDS_AUTH_DISABLED": "true", "NETCDS_WORKERS": "4",
                                                   "NETCDS_HOOK_DEADLINE_SECONDS": "10", "NETCDS_PORT": "8081"}),
                                cpu_count=1, env={"NETCDS_WORKERS": "4"})
    expected.pop("threads")                           # depends on this machine's CPUs
    for key, value in expected.items():
        assert conf[key] == value, key
    assert conf["wsgi_app"] == "service.app:create_app()"
    cfg = Config()
    for key in cfg.settings:
        if key in conf and conf[key] is not None:
            cfg.set(key, conf[key])


def test_serve_py_takes_its_options_from_serving_config(monkeypatch):
    """python -m service and gunicorn.conf.py cannot drift: serve.py asks serving_config."""
    import service.ops.serve as serve
    import service.ops.serving_config as serving_config

    seen = {}

    def spy(settings, *, cpu_count, env):
        seen["called"] = True
        return {"workers": 1}

    monkeypatch.setattr(serving_config, "gunicorn_options", spy)
    options = serve.options_for(_settings(), env={})
    assert seen and options == {"workers": 1}


def test_worker_exit_writes_the_issued_cards_still_waiting():
    from types import SimpleNamespace

    from service.ops.serving_config import worker_exit

    flushed = []
    issued = SimpleNamespace(EXIT_FLUSH_S=3.0, flush=lambda timeout: flushed.append(timeout) or True)
    worker = SimpleNamespace(wsgi=SimpleNamespace(extensions={"netcds": SimpleNamespace(issued=issued)}))
    worker_exit(None, worker)
    assert flushed == [3.0]
    worker_exit(None, SimpleNamespace())          # no app (failed boot): nothing to do, no error
    worker_exit(None, SimpleNamespace(wsgi=SimpleNamespace(extensions={})))


def test_settle_heap_freezes_start_up_objects_and_raises_the_young_threshold():
    import gc

    from service.app import GC_YOUNG_THRESHOLD, settle_heap

    before = gc.get_threshold()
    try:
        settle_heap()
        assert gc.get_threshold() == (GC_YOUNG_THRESHOLD, *before[1:])
        assert gc.get_freeze_count() > 0
    finally:
        gc.set_threshold(*before)
        gc.unfreeze()
