"""gunicorn configuration for ``gunicorn -c deploy/gunicorn.conf.py``.

The container runs ``python -m service`` (service/ops/serve.py), which needs no config file. This
file is for operators who prefer the plain gunicorn command line::

    gunicorn -c deploy/gunicorn.conf.py

Every number comes from ``service.ops.serving_config.gunicorn_options`` (the one source, shared with
service/ops/serve.py): workers and threads from the usable CPUs (cgroup quota aware) unless
NETCDS_WORKERS / NETCDS_THREADS are set, timeout and graceful_timeout above
NETCDS_HOOK_DEADLINE_SECONDS, keepalive above the proxies' idle timeout, max_requests with
jitter, bind NETCDS_HOST:NETCDS_PORT, access log off (the app logs one JSON line per request,
path without query string), preload_app off (each worker builds its own app after the fork),
the PROMETHEUS_MULTIPROC_DIR hooks (wipe at start, mark dead workers in child_exit),
worker_exit (the issued cards still waiting for their batch are written), and
post_worker_init (the worker's start-up objects are frozen out of the garbage collector's walks).
A bad NETCDS_* setting stops gunicorn here, before any worker starts.
"""
import os
import sys
from pathlib import Path

_ROOT = str(Path(__file__).resolve().parent.parent)   # the repository / image root holding service/
if _ROOT not in sys.path:
    sys.path.insert(0, _ROOT)

from service.config import Settings  # noqa: E402
from service.ops.serving_config import available_cpus, gunicorn_options  # noqa: E402

wsgi_app = "service.app:create_app()"

_options = gunicorn_options(Settings.from_env(os.environ), cpu_count=available_cpus(), env=os.environ)

bind = _options["bind"]
workers = _options["workers"]
threads = _options["threads"]
worker_class = _options["worker_class"]
timeout = _options["timeout"]
graceful_timeout = _options["graceful_timeout"]
keepalive = _options["keepalive"]
max_requests = _options["max_requests"]
max_requests_jitter = _options["max_requests_jitter"]
preload_app = _options["preload_app"]
accesslog = _options["accesslog"]
errorlog = _options["errorlog"]
loglevel = _options["loglevel"]
limit_request_line = _options["limit_request_line"]
limit_request_fields = _options["limit_request_fields"]
limit_request_field_size = _options["limit_request_field_size"]
proc_name = _options["proc_name"]
on_starting = _options["on_starting"]
post_worker_init = _options["post_worker_init"]
child_exit = _options["child_exit"]
worker_exit = _options["worker_exit"]
