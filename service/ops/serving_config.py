"""How many gunicorn processes and threads, which timeouts: the ONE source of the serving numbers.

Both ways of starting the server read this module, so they cannot drift apart:

* ``python -m service`` (``service/ops/serve.py``, the container's ``CMD``);
* ``gunicorn -c deploy/gunicorn.conf.py 'service.app:create_app()'`` (operators who prefer it).

``gunicorn_options(settings, cpu_count=..., env=...)`` is pure: give it the settings, the CPU
count and the environment, get the gunicorn settings back (tested in tests/deploy).

The numbers and why:

* ``worker_class = gthread``: a hook call may wait up to the hook deadline on the EHR's FHIR
  server; a second thread keeps the worker answering meanwhile (and answers a 429, /healthz or
  /metrics at once). Picture, rules and render are pure Python and hold the GIL, so processes
  (not threads) give CPU parallelism.
* workers = ``cores + 1`` capped at :data:`MAX_WORKERS` (each worker holds its own knowledge,
  terminology, DB pool: budget <= :data:`WORKER_MEMORY_MB` MB each), threads = 2, and the
  admission limit ``NETCDS_MAX_IN_FLIGHT`` = threads - 1 = 1 hook call per worker: a hook call
  with its prefetch is CPU-bound (~10 ms), so more calls at once than cores only interleave
  them (each one slower, none sooner) and add context switches and cache misses. Measured on 2
  CPUs with 32 connections (bench/RESULTS.md): 5 workers x 4 threads (the earlier
  ``2 * cores + 1`` x 4) gave 58 req/s and p99 2.0 s with 429s; 3 x 2 gave 95 req/s, p99 0.73 s,
  no 429 (2 x 2: the same throughput; the extra worker covers a call waiting on a FHIR server).
  Beyond that the requests queue in the worker's connection queue: at N connections the
  latency is N / throughput (Little's law), whatever the split. ``NETCDS_WORKERS`` wins when
  set: pin it in Kubernetes so the memory limit can be sized (see deploy/k8s).
* threads: 2. ``NETCDS_THREADS`` wins when set (more only if hook calls mostly wait on FHIR
  servers rather than compute).
* cores are the CPUs this process may really use: the cgroup CPU quota (a container's
  ``resources.limits.cpu``) and the affinity mask, not the node's ``os.cpu_count()``.
* ``timeout`` (a silent worker is killed) is far above the hook deadline, so only a stuck worker
  dies; ``graceful_timeout`` (SIGTERM -> finish in-flight calls) is above the deadline too, and
  below the pod's ``terminationGracePeriodSeconds`` minus the preStop sleep.
* ``keepalive`` above the idle timeout of the proxies in front (nginx ingress 60 s, cloud load
  balancers 60 s): a backend that closes an idle connection first makes the proxy answer 502.
  gthread parks idle connections in a poller, so they do not hold a thread.
* ``max_requests`` + jitter: a worker is replaced now and then, so a slow leak cannot grow
  without bound; jitter keeps workers from restarting together. Not too often: each replaced
  worker costs a knowledge load and leaves its counter files in ``PROMETHEUS_MULTIPROC_DIR``
  (they must stay, or the totals would drop), about 100-300 KB each.
* ``preload_app = False``: each worker builds its own app after the fork (DB engine, HTTP
  session and thread pools must not cross a fork). The cost, per-worker memory and start-up, is
  paid once per ``max_requests``. The master validates settings and knowledge before forking.
* access log off: the app writes one JSON line per request itself (path without query string).
* request limits (:data:`LIMIT_REQUEST_LINE`, :data:`LIMIT_REQUEST_FIELDS`,
  :data:`LIMIT_REQUEST_FIELD_SIZE`): a header line holds the longest JWT the service reads; the
  shipped nginx (deploy/nginx/nginx.conf) refuses anything beyond them first, as JSON.
* a request body the application did not read is drained only if it has already arrived
  (``service.app``), else the connection closes: no worker thread waits on a slow client. The
  worker ``timeout`` only catches a stuck worker; a slow client is the proxy's to wait for.
* ``PROMETHEUS_MULTIPROC_DIR``: stale files are wiped when the master starts (an emptyDir
  survives a container restart) and a dead worker's live gauges are dropped in ``child_exit``.
"""
from __future__ import annotations

import math
import os
from pathlib import Path
from typing import Any, Mapping

from service.config import Settings, env_var

MAX_WORKERS = 9
WORKER_MEMORY_MB = 150
TIMEOUT_MIN_SECONDS = 30
GRACEFUL_TIMEOUT_MIN_SECONDS = 20
KEEPALIVE_SECONDS = 75
MAX_REQUESTS = 20000
MAX_REQUESTS_JITTER = 2000
MULTIPROC_ENV = "PROMETHEUS_MULTIPROC_DIR"
# What gunicorn accepts before the application sees a request. Beyond these gunicorn answers 400
# itself, in HTML, without CORS: the shipped proxy (deploy/nginx/nginx.conf) refuses first, with
# an OperationOutcome, so these are reached only by a client talking to gunicorn directly.
#: the request line (gunicorn's own maximum; nginx refuses request targets of 8,000 characters)
LIMIT_REQUEST_LINE = 8190
#: header fields (nginx passes the dozen the service reads, never more)
LIMIT_REQUEST_FIELDS = 100
#: one header line: holds ``Authorization: Bearer <JWT>`` of the longest token the service reads
#: (MAX_TOKEN_CHARS = 16,384); equal to nginx's header buffer (large_client_header_buffers 4 20k)
LIMIT_REQUEST_FIELD_SIZE = 20 * 1024


# ---------------------------------------------------------------------- formulas


def worker_count(cores: int) -> int:
    """``cores + 1``, at least 2, at most :data:`MAX_WORKERS` (CPU-bound: about one call per core)."""
    return max(2, min(max(1, cores) + 1, MAX_WORKERS))


def thread_count(cores: int) -> int:
    """2: one hook call at a time (admission limit threads - 1) and a thread free for 429s and probes."""
    return 2


def worker_timeout(hook_deadline_seconds: float) -> int:
    return max(TIMEOUT_MIN_SECONDS, math.ceil(hook_deadline_seconds * 4) + 10)


def graceful_timeout(hook_deadline_seconds: float) -> int:
    return max(GRACEFUL_TIMEOUT_MIN_SECONDS, math.ceil(hook_deadline_seconds) + 10)


def bind_address(host: str, port: int) -> str:
    if ":" in host and not host.startswith("["):
        host = f"[{host}]"  # IPv6 literal
    return f"{host}:{port}"


# ---------------------------------------------------------------------- usable CPUs


def cgroup_cpu_limit(cpu_max: str | None = None, cfs_quota_us: str | None = None,
                     cfs_period_us: str | None = None) -> float | None:
    """CPUs allowed by a cgroup quota, from the text of ``cpu.max`` (v2) or the v1 CFS files.

    ``None`` when there is no quota (``max``, ``-1``) or the text cannot be read.
    """
    try:
        if cpu_max is not None:
            quota, _, period = cpu_max.strip().partition(" ")
            if quota == "max":
                return None
            return int(quota) / int(period or "100000")
        if cfs_quota_us is not None and cfs_period_us is not None:
            quota_us = int(cfs_quota_us.strip())
            if quota_us <= 0:
                return None
            return quota_us / int(cfs_period_us.strip())
    except (ValueError, ZeroDivisionError):
        return None
    return None


def _read(path: str) -> str | None:
    try:
        return Path(path).read_text(encoding="ascii")
    except (OSError, UnicodeDecodeError):
        return None


def available_cpus() -> int:
    """Whole CPUs this process may use: min(affinity mask, cgroup quota rounded up), at least 1."""
    try:
        cpus = len(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        cpus = os.cpu_count() or 1
    limit = cgroup_cpu_limit(cpu_max=_read("/sys/fs/cgroup/cpu.max"))
    if limit is None:
        limit = cgroup_cpu_limit(cfs_quota_us=_read("/sys/fs/cgroup/cpu/cpu.cfs_quota_us"),
                                 cfs_period_us=_read("/sys/fs/cgroup/cpu/cpu.cfs_period_us"))
    if limit is not None:
        cpus = min(cpus, math.ceil(limit))
    return max(1, cpus)


# ---------------------------------------------------------------------- gunicorn


def gunicorn_options(settings: Settings, *, cpu_count: int, env: Mapping[str, str]) -> dict[str, Any]:
    """The gunicorn settings (pure). ``env`` says whether NETCDS_WORKERS/THREADS were set explicitly."""
    workers = settings.workers if env_var("workers") in env else worker_count(cpu_count)
    threads = settings.threads if env_var("threads") in env else thread_count(cpu_count)
    return {
        "bind": [bind_address(settings.host, settings.port)],
        "workers": workers,
        "threads": threads,
        "worker_class": "gthread",
        "timeout": worker_timeout(settings.hook_deadline_seconds),
        "graceful_timeout": graceful_timeout(settings.hook_deadline_seconds),
        "keepalive": KEEPALIVE_SECONDS,
        "max_requests": MAX_REQUESTS,
        "max_requests_jitter": MAX_REQUESTS_JITTER,
        "preload_app": False,
        "accesslog": None,
        "errorlog": "-",
        "loglevel": settings.log_level.lower(),
        "limit_request_line": LIMIT_REQUEST_LINE,
        "limit_request_fields": LIMIT_REQUEST_FIELDS,
        "limit_request_field_size": LIMIT_REQUEST_FIELD_SIZE,
        "proc_name": "net-cds",
        "on_starting": on_starting,
        "post_worker_init": post_worker_init,
        "child_exit": child_exit,
        "worker_exit": worker_exit,
    }


def memory_budget_mb(workers: int) -> int:
    """Memory a pod needs for ``workers`` workers (plus the master, about one worker's worth)."""
    return (workers + 1) * WORKER_MEMORY_MB


# ---------------------------------------------------------------------- server hooks (master process)


def on_starting(server: Any) -> None:
    """Wipe the Prometheus multiprocess directory: files of a previous run would be counted again."""
    directory = os.environ.get(MULTIPROC_ENV)
    if not directory:
        return
    path = Path(directory)
    path.mkdir(parents=True, exist_ok=True)
    for stale in path.glob("*.db"):
        stale.unlink(missing_ok=True)


def post_worker_init(worker: Any) -> None:
    """The worker's app is built: take its start-up objects out of the garbage collector's walks."""
    from service.app import settle_heap

    settle_heap()


def worker_exit(server: Any, worker: Any) -> None:
    """In the stopping worker: write the issued cards still waiting for their batch (the atexit
    flush is the second chance, for a worker stopped some other way)."""
    from service.state import EXTENSION

    app = getattr(worker, "wsgi", None)
    state = getattr(app, "extensions", {}).get(EXTENSION) if app is not None else None
    issued = getattr(state, "issued", None)
    if issued is not None:
        try:
            issued.flush(issued.EXIT_FLUSH_S)
        except Exception:  # noqa: BLE001 - a worker on its way out: never fail its exit
            pass


def child_exit(server: Any, worker: Any) -> None:
    """Drop a dead worker's live gauges (in-flight calls) from the multiprocess totals."""
    if not os.environ.get(MULTIPROC_ENV):
        return
    from prometheus_client import multiprocess

    multiprocess.mark_process_dead(worker.pid)
