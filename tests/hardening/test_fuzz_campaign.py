"""The fuzz campaign (issue 15, "Beyond the findings"): FHIR-shaped resources, valid and mutated,
through the whole pipeline over HTTP.

The real app (``service.app.create_app`` via the ``app_factory`` fixture: auth ON with the test
issuers, a throwaway SQLite database, the fixed clock) is served by werkzeug's ``make_server`` on
a loopback port in a background thread; every example is a POST with a freshly minted ES384 JWT
to the service its ``hook`` names (``net-treatment``, ``net-order-select``, ``net-order-sign``).
The strategies are in ``tests/hardening/fhir_strategies.py``.

Properties of every answer: never a 5xx; JSON; a 200 validates against the CDS Hooks response
schema (``tests/schemas/response.schema.json``, as in tests/contract/test_schemas.py); a 4xx is
an OperationOutcome (``operation-outcome.schema.json``); and no request takes longer than
``HANG_SECONDS`` (a hang detector, not a benchmark: the times are measured and printed in the
summary at the end of the module, per request and per resource).

Drawing a whole request through hypothesis costs ~100 ms (hundreds of draws), so most examples
are one drawn seed from which ``random.Random`` assembles a request out of pools of resources
drawn once by the strategies (``fhir_strategies.pools_of``); a failure names its seed, and the
same seed rebuilds the same request. ``-m slow``: 10,300 examples in five tests, all
derandomized (the same examples on every run); the quick variant (200 examples) runs in the
default selection.
"""
from __future__ import annotations

import json
import logging
import random
import statistics
import threading
import time
import traceback
from collections import Counter, defaultdict
from typing import Any

import pytest
import requests
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from werkzeug.serving import WSGIRequestHandler, make_server

from tests.hardening import fhir_strategies as fs
from tests.plugins.app import BASE_URL, validator

HANG_SECONDS = 5.0     # a request slower than this is a hang (typical: tens of ms)
PATHS = {"patient-view": "/cds-services/net-treatment", "order-select": "/cds-services/net-order-select",
         "order-sign": "/cds-services/net-order-sign"}
RESPONSE_SCHEMA = validator("response")
OUTCOME_SCHEMA = validator("operation-outcome")


def campaign(max_examples: int):
    return settings(max_examples=max_examples, derandomize=True, database=None, deadline=None,
                    suppress_health_check=list(HealthCheck), print_blob=False)


# ---------------------------------------------------------------------- the served app


class _QuietHandler(WSGIRequestHandler):
    def log_request(self, *args: Any, **kwargs: Any) -> None:   # the app writes its own access line
        pass


class _Errors(logging.Handler):
    """Keeps the tracebacks the app logs for unexpected errors (the 500 path), to show them."""

    def __init__(self) -> None:
        super().__init__(level=logging.ERROR)
        self.seen: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        if record.exc_info:
            self.seen.append("".join(traceback.format_exception(*record.exc_info)))


STATS: dict[str, Any] = {"statuses": defaultdict(Counter), "seconds": defaultdict(list),
                         "per_resource_ms": defaultdict(list), "slowest": []}


def _resource_count(body: Any) -> int:
    if isinstance(body, dict):
        return int(isinstance(body.get("resourceType"), str)) + sum(_resource_count(v) for v in body.values())
    if isinstance(body, list):
        return sum(_resource_count(v) for v in body)
    return 0


class FuzzServer:
    def __init__(self, app, mint) -> None:
        self.server = make_server("127.0.0.1", 0, app, threaded=False, request_handler=_QuietHandler)
        self.base = f"http://127.0.0.1:{self.server.server_port}"
        self.thread = threading.Thread(target=self.server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
        self.thread.start()
        self.mint = mint
        self.http = requests.Session()
        self.errors = _Errors()
        logging.getLogger("service").addHandler(self.errors)

    def close(self) -> None:
        logging.getLogger("service").removeHandler(self.errors)
        self.http.close()
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(timeout=10)

    def post(self, label: str, body: Any) -> tuple[requests.Response, float]:
        hook = body.get("hook") if isinstance(body, dict) else None
        path = PATHS.get(hook, PATHS["patient-view"]) if isinstance(hook, str) else PATHS["patient-view"]
        data = json.dumps(body, ensure_ascii=False, allow_nan=False).encode("utf-8")
        headers = {"Content-Type": "application/json",
                   "Authorization": f"Bearer {self.mint(aud=BASE_URL + path)}"}
        before = len(self.errors.seen)
        started = time.perf_counter()
        response = self.http.post(self.base + path, data=data, headers=headers, timeout=60)
        seconds = time.perf_counter() - started
        STATS["statuses"][label][response.status_code] += 1
        STATS["seconds"][label].append(seconds)
        STATS["per_resource_ms"][label].append(1000 * seconds / max(1, _resource_count(body)))
        STATS["slowest"] = sorted(STATS["slowest"] + [(seconds, label, len(data))], reverse=True)[:5]
        check(response, seconds, self.errors.seen[before:])
        return response, seconds


def check(response: requests.Response, seconds: float, tracebacks: list[str]) -> None:
    status = response.status_code
    assert status < 500, f"{status}: {response.text[:500]}\n" + "\n".join(tracebacks)
    assert response.headers.get("Content-Type", "").split(";")[0] == "application/json", response.headers
    body = response.json()
    schema = RESPONSE_SCHEMA if status == 200 else OUTCOME_SCHEMA
    assert 200 == status or 400 <= status < 500, status
    errors = [f"{'/'.join(map(str, e.absolute_path))}: {e.message}" for e in schema.iter_errors(body)]
    assert not errors, f"{status} violates its schema: {errors[:5]}"
    assert seconds < HANG_SECONDS, f"a request took {seconds:.1f} s"


@pytest.fixture
def fuzz_server(app_factory, mint):
    # Knowledge and terminology are cached per session by app_factory; the replay cache, feedback
    # store and issued-cards writer are this app's own (a throwaway SQLite file).
    server = FuzzServer(app_factory(), mint)
    yield server
    server.close()


@pytest.fixture(scope="module", autouse=True)
def _summary(request):
    """Print what the campaign measured (statuses, times, CPU) at the end of the module."""
    wall, cpu = time.perf_counter(), time.process_time()
    yield
    if not STATS["seconds"]:
        return
    lines = ["", "fuzz campaign summary (loopback HTTP, one werkzeug thread, auth on):"]
    total = 0
    for label, times in STATS["seconds"].items():
        total += len(times)
        ms = sorted(1000 * t for t in times)
        per = sorted(STATS["per_resource_ms"][label])
        lines.append(
            f"  {label}: {len(times)} requests, statuses {dict(sorted(STATS['statuses'][label].items()))}, "
            f"ms p50 {statistics.median(ms):.1f} p99 {ms[int(0.99 * (len(ms) - 1))]:.1f} max {ms[-1]:.1f}; "
            f"ms per resource p50 {statistics.median(per):.2f} max {per[-1]:.2f}")
    lines.append(f"  total {total} requests in {time.perf_counter() - wall:.0f} s wall, "
                 f"{time.process_time() - cpu:.0f} s CPU (generation, client and server: one process); slowest: "
                 + ", ".join(f"{s * 1000:.0f} ms ({label}, {size} bytes)" for s, label, size in STATS["slowest"]))
    capture = request.config.pluginmanager.getplugin("capturemanager")
    reporter = request.config.pluginmanager.getplugin("terminalreporter")
    if capture is not None and reporter is not None:
        with capture.global_and_fixture_disabled():
            for line in lines:
                reporter.write_line(line)
    else:
        print("\n".join(lines))


# ---------------------------------------------------------------------- the examples

QUICK_POOL = 40      # resources of each kind drawn once (tests/hardening/fhir_strategies.py: pools_of)
CAMPAIGN_POOL = 150
SEEDS = st.integers(0, 2**64 - 1)


def _post_seeded(server: FuzzServer, kind: str, pool: dict, seed: int, label: str) -> None:
    body = fs.SEEDED[kind](random.Random(seed), pool)
    server.post(label, body)


@campaign(200)
@given(kind=st.sampled_from(sorted(fs.SEEDED)), seed=SEEDS)
def test_quick_fuzz_never_5xx(fuzz_server, kind, seed):
    """The default selection's share: 200 requests of every kind from small pools."""
    _post_seeded(fuzz_server, kind, fs.pools_of(QUICK_POOL), seed, "quick")


# ---------------------------------------------------------------------- the campaign (-m slow): 10,300 examples


@pytest.mark.slow
@campaign(3000)
@given(seed=SEEDS)
def test_generated_patient_view(fuzz_server, seed):
    _post_seeded(fuzz_server, "patient-view", fs.pools_of(CAMPAIGN_POOL), seed, "patient-view generated")


@pytest.mark.slow
@campaign(3000)
@given(seed=SEEDS)
def test_mutated_fixture_requests(fuzz_server, seed):
    _post_seeded(fuzz_server, "fixtures", fs.pools_of(CAMPAIGN_POOL), seed, "fixtures mutated")


@pytest.mark.slow
@campaign(2500)
@given(seed=SEEDS)
def test_order_hooks(fuzz_server, seed):
    _post_seeded(fuzz_server, "orders", fs.pools_of(CAMPAIGN_POOL), seed, "order hooks")


@pytest.mark.slow
@campaign(1500)
@given(seed=SEEDS)
def test_report_texts(fuzz_server, seed):
    _post_seeded(fuzz_server, "reports", fs.pools_of(CAMPAIGN_POOL), seed, "report texts")


@pytest.mark.slow
@campaign(300)
@given(body=fs.any_request())
def test_hypothesis_native_requests(fuzz_server, body):
    """Whole requests drawn by the strategies themselves (slow to draw, but hypothesis shrinks a failure)."""
    fuzz_server.post("native strategies", body)
