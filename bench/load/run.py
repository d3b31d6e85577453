"""``python -m bench.load``: does the production server hold its planned rate, and shed the rest?

Starts the real server (``python -m service``: gunicorn, gthread workers, auth ON with a
throwaway ES384 issuer, SQLite feedback store) on a free loopback port, then:

1. **steady**: an open-loop stream at ``--rate`` requests/s for ``--steady`` seconds (default
   40 req/s for 60 s = 2,400 requests; 9 in 10 are hook calls with a fixture patient's full
   prefetch, 1 in 10 feedback). Asserted: zero errors (every answer 200, no timeout, no
   connection failure).
2. **burst**: ``--burst-connections`` clients (default 64) sending back to back for
   ``--burst`` seconds (default 5), far beyond what 2 cores can advise on. Asserted: every
   answer is 200, or 429/503 **with** ``Retry-After``; no timeout, no connection failure; the
   refusals come quickly (p95 of 429/503 latency under ``--max-shed-p95`` seconds).

It prints the status mix and p50/p95/p99 latency of each phase (``--json FILE`` writes them) and
exits 1 if an assertion fails. Traffic goes to 127.0.0.1 only; every loop is bounded in count
and time. The CI suite runs a short version (tests/hardening/test_load.py: 5 s steady + 2 s burst).
"""
from __future__ import annotations

import argparse
import http.client
import json
import os
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections import Counter
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[2]
SERVICE_ID = "net-treatment"
HOOK_PATH = f"/cds-services/{SERVICE_ID}"
FEEDBACK_PATH = HOOK_PATH + "/feedback"
FEEDBACK_CARDS = 1000        # card uuids registered as issued before the run (feedback goes to them)
ISSUER = "https://load.test.example/issuer"
KID = "load-es384"
FIXTURES = ("net-05", "net-32", "net-01")
REQUEST_TIMEOUT_S = 30.0


# ---------------------------------------------------------------------- results


@dataclass
class Phase:
    name: str
    sent: int = 0
    statuses: Counter = field(default_factory=Counter)
    errors: Counter = field(default_factory=Counter)            # timeouts, connection failures
    missing_retry_after: int = 0
    latencies: list[float] = field(default_factory=list)
    shed_latencies: list[float] = field(default_factory=list)   # of 429/503 answers
    duration: float = 0.0
    lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def record(self, status: int | None, seconds: float, retry_after: str | None, error: str | None) -> None:
        with self.lock:
            if error is not None:
                self.errors[error] += 1
                return
            self.statuses[status] += 1
            self.latencies.append(seconds)
            if status in (429, 503):
                self.shed_latencies.append(seconds)
                if not retry_after:
                    self.missing_retry_after += 1

    def summary(self) -> dict[str, Any]:
        return {
            "phase": self.name,
            "sent": self.sent,
            "answered": sum(self.statuses.values()),
            "duration_s": round(self.duration, 2),
            "rate_per_s": round(sum(self.statuses.values()) / self.duration, 1) if self.duration else None,
            "statuses": {str(k): v for k, v in sorted(self.statuses.items())},
            "errors": dict(self.errors),
            "missing_retry_after": self.missing_retry_after,
            "latency_ms": percentiles(self.latencies),
            "shed_latency_ms": percentiles(self.shed_latencies),
        }


def percentiles(values: list[float]) -> dict[str, float | None]:
    if not values:
        return {"p50": None, "p95": None, "p99": None, "max": None}
    ordered = sorted(values)

    def at(q: float) -> float:
        return round(ordered[min(len(ordered) - 1, int(q * len(ordered)))] * 1000, 1)

    return {"p50": at(0.50), "p95": at(0.95), "p99": at(0.99), "max": round(ordered[-1] * 1000, 1)}


# ---------------------------------------------------------------------- the server


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Issuer:
    """A throwaway ES384 issuer: the trusted-issuers file and fresh tokens (one per request)."""

    def __init__(self, directory: Path):
        import jwt
        from cryptography.hazmat.primitives.asymmetric import ec
        from jwt.algorithms import ECAlgorithm

        self._jwt = jwt
        self.key = ec.generate_private_key(ec.SECP384R1())
        jwk = ECAlgorithm.to_jwk(self.key.public_key(), as_dict=True)
        jwk.pop("key_ops", None)
        self.path = directory / "trusted-issuers.json"
        self.path.write_text(json.dumps({ISSUER: {"jwks": {"keys": [{**jwk, "kid": KID, "use": "sig",
                                                                    "alg": "ES384"}]}}}), encoding="utf-8")

    def token(self, audience: str) -> str:
        now = int(time.time())
        return self._jwt.encode({"iss": ISSUER, "aud": audience, "iat": now, "exp": now + 600,
                                 "jti": str(uuid.uuid4())}, self.key, algorithm="ES384",
                                headers={"typ": "JWT", "kid": KID})


class Server:
    def __init__(self, directory: Path, issuer: Issuer, env: dict[str, str]):
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.database_url = f"sqlite:///{directory / 'feedback.sqlite3'}"
        full_env = {k: v for k, v in os.environ.items() if not k.startswith("NETCDS_")}
        full_env.pop("PROMETHEUS_MULTIPROC_DIR", None)
        full_env.update({
            "NETCDS_HOST": "127.0.0.1", "NETCDS_PORT": str(self.port), "NETCDS_PUBLIC_BASE_URL": self.base,
            "NETCDS_TRUSTED_ISSUERS": str(issuer.path),
            "NETCDS_DATABASE_URL": self.database_url,
            "NETCDS_LOG_LEVEL": "WARNING", "PYTHONUNBUFFERED": "1",
            "PYTHONPATH": str(REPO) + os.pathsep + os.environ.get("PYTHONPATH", ""),
            **env,
        })
        self.log_path = directory / "server.log"
        with self.log_path.open("wb") as log:
            self.process = subprocess.Popen([sys.executable, "-m", "service"], cwd=REPO, env=full_env,
                                            stdout=log, stderr=subprocess.STDOUT, start_new_session=True)

    def wait_ready(self, timeout: float = 60.0) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"server exited ({self.process.returncode}):\n{self.log_tail()}")
            conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=1)
            try:
                conn.request("GET", "/readyz")
                if conn.getresponse().status == 200:
                    return
            except OSError:
                pass
            finally:
                conn.close()           # also after a timeout or a non-200: never leak the socket
            time.sleep(0.1)
        raise RuntimeError(f"server not ready in {timeout} s:\n{self.log_tail()}")

    def log_tail(self) -> str:
        return self.log_path.read_text(encoding="utf-8", errors="replace")[-3000:]

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=10)


# ---------------------------------------------------------------------- the load


class Client:
    """One keep-alive connection; reconnects after a failure."""

    def __init__(self, port: int):
        self.port = port
        self.conn: http.client.HTTPConnection | None = None

    def post(self, path: str, body: bytes, token: str) -> tuple[int, str | None]:
        if self.conn is None:
            self.conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=REQUEST_TIMEOUT_S)
        try:
            self.conn.request("POST", path, body=body, headers={
                "Content-Type": "application/json", "Authorization": f"Bearer {token}"})
            response = self.conn.getresponse()
            response.read()
            if response.getheader("Connection", "").lower() == "close":
                self.close()
            return response.status, response.getheader("Retry-After")
        except BaseException:
            self.close()
            raise

    def close(self) -> None:
        if self.conn is not None:
            self.conn.close()
            self.conn = None


class Workload:
    def __init__(self, server: Server, issuer: Issuer):
        self.server, self.issuer = server, issuer
        self.bodies = [(REPO / "fhir_fixtures" / "hooks" / f"{name}.json").read_bytes() for name in FIXTURES]
        self._n = 0
        self._lock = threading.Lock()
        # Feedback is kept only for cards the service issued: register a pool of card uuids, as if
        # returned by earlier hook calls (the same item sent again is idempotent: 200, stored once).
        from service.feedback.store import FeedbackStore

        with FeedbackStore(server.database_url) as store:
            store.record_issued([{"uuid": f"load-card-{i}"} for i in range(FEEDBACK_CARDS)],
                                service_id=SERVICE_ID, hook_instance=None)

    def next_request(self) -> tuple[str, bytes]:
        with self._lock:
            self._n += 1
            n = self._n
        if n % 10 == 0:
            card = f"load-card-{(n // 10) % FEEDBACK_CARDS}"
            body = json.dumps({"feedback": [{"card": card, "outcome": "overridden",
                                             "outcomeTimestamp": "2026-11-22T09:30:00Z"}]}).encode()
            return FEEDBACK_PATH, body
        return HOOK_PATH, self.bodies[n % len(self.bodies)]

    def one(self, client: Client, phase: Phase) -> None:
        path, body = self.next_request()
        token = self.issuer.token(self.server.base + path)
        started = time.perf_counter()
        try:
            status, retry_after = client.post(path, body, token)
            phase.record(status, time.perf_counter() - started, retry_after, None)
        except socket.timeout:
            phase.record(None, time.perf_counter() - started, None, "timeout")
        except OSError as exc:
            phase.record(None, time.perf_counter() - started, None, type(exc).__name__)
        except http.client.HTTPException as exc:
            phase.record(None, time.perf_counter() - started, None, type(exc).__name__)


def steady(workload: Workload, rate: float, seconds: float, *, clients: int = 16) -> Phase:
    """Open loop: request i is due at start + i/rate, whatever the earlier answers did."""
    phase = Phase("steady")
    total = int(rate * seconds)
    due: list[float] = []
    start = time.monotonic() + 0.2
    next_index = {"i": 0}
    lock = threading.Lock()

    def worker() -> None:
        client = Client(workload.server.port)
        while True:
            with lock:
                i = next_index["i"]
                if i >= total:
                    break
                next_index["i"] = i + 1
            at = start + i / rate
            delay = at - time.monotonic()
            if delay > 0:
                time.sleep(delay)
            workload.one(client, phase)
        client.close()

    threads = [threading.Thread(target=worker, daemon=True) for _ in range(clients)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(seconds + REQUEST_TIMEOUT_S + 30)
    del due
    phase.sent = total
    phase.duration = time.monotonic() - start
    return phase


def burst(workload: Workload, connections: int, seconds: float) -> Phase:
    """Closed loop, many clients back to back: far more than the server can advise on."""
    phase = Phase("burst")
    stop_at = time.monotonic() + seconds
    sent = Counter()

    def worker() -> None:
        client = Client(workload.server.port)
        while time.monotonic() < stop_at:
            sent["n"] += 1
            workload.one(client, phase)
        client.close()

    started = time.monotonic()
    threads = [threading.Thread(target=worker, daemon=True) for _ in range(connections)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(seconds + REQUEST_TIMEOUT_S + 30)
    phase.sent = sent["n"]
    phase.duration = time.monotonic() - started
    return phase


# ---------------------------------------------------------------------- verdicts


def warm_up(workload: Workload, connections: int = 8, each: int = 5) -> None:
    """First calls in each worker are slow (lazy imports, first knowledge use): warm every worker.

    Fresh connections in parallel, so the workers' accept race spreads them over all workers.
    """
    def worker() -> None:
        for _ in range(each):
            client = Client(workload.server.port)
            workload.one(client, Phase("warm-up"))
            client.close()

    threads = [threading.Thread(target=worker, daemon=True) for _ in range(connections)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)


def check_steady(phase: Phase) -> list[str]:
    problems = []
    if phase.errors:
        problems.append(f"steady: errors {dict(phase.errors)}")
    others = {k: v for k, v in phase.statuses.items() if k != 200}
    if others:
        problems.append(f"steady: non-200 answers {others}")
    if sum(phase.statuses.values()) != phase.sent:
        problems.append(f"steady: {phase.sent - sum(phase.statuses.values())} requests unanswered")
    return problems


def check_burst(phase: Phase, max_shed_p95: float) -> list[str]:
    problems = []
    if phase.errors:
        problems.append(f"burst: errors {dict(phase.errors)} (timeouts or failed connections instead of 429/503)")
    others = {k: v for k, v in phase.statuses.items() if k not in (200, 429, 503)}
    if others:
        problems.append(f"burst: answers other than 200/429/503: {others}")
    if phase.missing_retry_after:
        problems.append(f"burst: {phase.missing_retry_after} 429/503 answers without Retry-After")
    shed = percentiles(phase.shed_latencies)["p95"]
    if shed is not None and shed > max_shed_p95 * 1000:
        problems.append(f"burst: 429/503 answers are slow (p95 {shed} ms > {max_shed_p95 * 1000:.0f} ms)")
    return problems


@dataclass
class Config:
    rate: float = 40.0
    steady_seconds: float = 60.0
    burst_seconds: float = 5.0
    burst_connections: int = 64
    max_shed_p95: float = 2.0
    workers: int | None = None        # default: what python -m service picks for this machine
    threads: int | None = None
    max_in_flight: int | None = None


def run(config: Config) -> dict[str, Any]:
    """Start the server, run both phases, stop it; the report (``problems`` empty = pass)."""
    with tempfile.TemporaryDirectory(prefix="netcds-load-") as tmp:
        directory = Path(tmp)
        issuer = Issuer(directory)
        env = {}
        if config.workers:
            env["NETCDS_WORKERS"] = str(config.workers)
        if config.threads:
            env["NETCDS_THREADS"] = str(config.threads)
        if config.max_in_flight:
            env["NETCDS_MAX_IN_FLIGHT"] = str(config.max_in_flight)
        server = Server(directory, issuer, env)
        try:
            server.wait_ready()
            workload = Workload(server, issuer)
            warm_up(workload)
            first = steady(workload, config.rate, config.steady_seconds)
            second = burst(workload, config.burst_connections, config.burst_seconds)
            alive = server.process.poll() is None
        finally:
            server.stop()
        problems = check_steady(first) + check_burst(second, config.max_shed_p95)
        if not alive:
            problems.append("the server died during the run")
        return {"config": asdict(config), "steady": first.summary(), "burst": second.summary(),
                "problems": problems}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.load", description=__doc__.split("\n\n")[0])
    parser.add_argument("--rate", type=float, default=40.0, help="steady requests per second (default 40)")
    parser.add_argument("--steady", type=float, default=60.0, help="steady phase seconds (default 60)")
    parser.add_argument("--burst", type=float, default=5.0, help="burst phase seconds (default 5)")
    parser.add_argument("--burst-connections", type=int, default=64, help="burst clients (default 64)")
    parser.add_argument("--max-shed-p95", type=float, default=2.0, help="seconds; p95 of 429/503 latency")
    parser.add_argument("--workers", type=int, help="gunicorn workers (default: the server's own choice)")
    parser.add_argument("--threads", type=int, help="threads per worker (default: the server's own choice)")
    parser.add_argument("--max-in-flight", type=int, help="hook calls per worker before 429 (default: the server's)")
    parser.add_argument("--json", type=Path, help="write the report here")
    args = parser.parse_args(argv)
    config = Config(rate=args.rate, steady_seconds=args.steady, burst_seconds=args.burst,
                    burst_connections=args.burst_connections, max_shed_p95=args.max_shed_p95,
                    workers=args.workers, threads=args.threads,
                    max_in_flight=args.max_in_flight)
    report = run(config)
    for name in ("steady", "burst"):
        s = report[name]
        print(f"{name:6}  sent {s['sent']:5}  answered {s['answered']:5}  {s['rate_per_s']} req/s  "
              f"statuses {s['statuses']}  errors {s['errors']}  latency ms {s['latency_ms']}  "
              f"429/503 latency ms {s['shed_latency_ms']}")
    if args.json:
        args.json.write_text(json.dumps(report, indent=2), encoding="utf-8")
    for problem in report["problems"]:
        print(f"FAIL: {problem}")
    print("PASS" if not report["problems"] else "FAIL")
    return 0 if not report["problems"] else 1


if __name__ == "__main__":
    sys.exit(main())
