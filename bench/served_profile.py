"""``python -m bench.served_profile [--connections 8] [--seconds 15] [--out FILE]``

Where a *served* hook call spends its CPU: the production server (``python -m service``: gunicorn,
real ES384 auth, PostgreSQL replay cache and issued-card store, multiprocess metrics, JSON logs)
under wrk load with the typical body, one worker sampled with py-spy in ``--gil`` mode (only the
thread holding the GIL is sampled, so a sample is Python or a C extension at work, never a
thread waiting for the GIL, a lock, the database or the socket). Each sample is put in ONE
bucket by the innermost frame that names a stage (see :data:`BUCKETS`), and the buckets are
printed as shares of the worker's samples.

Needs py-spy (``pip install py-spy``; not a project dependency), wrk and a PostgreSQL server
(as ``python -m bench``). Loopback only; nothing is downloaded. The result is written to
``bench/SERVED_PROFILE.md`` by default; figures from a busy machine are indicative only.
"""
from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
from collections import Counter
from datetime import datetime, timezone
from pathlib import Path

from bench.workload import REPO

# (bucket, frame-name fragments): the innermost frame of a sample matching any fragment decides
# the bucket; checked from the innermost frame outward, buckets in this order at each frame.
BUCKETS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("decode: duplicate-key check (re-encode + count)", ("_pairs_dropped ",)),
    ("decode: orjson.loads of the body", ("load_json ",)),
    ("auth: jti replay-cache INSERT", ("DatabaseReplayCache", "InMemoryReplayCache")),
    ("auth: JWT signature + claims", ("Verifier.verify", "_authenticate ")),
    ("issued-card store (background batch INSERT)", ("record_issued", "IssuedRecorder")),
    ("data: prefetch resolution", ("gather ", "_gather ")),
    ("picture", ("build_picture ",)),
    ("rules", ("evaluate ",)),
    ("render cards", ("render ",)),
    ("metrics (Prometheus multiprocess)", ("prometheus_client", "observe_stages", "count_cards", "fhir_calls")),
    ("logging (one JSON line)", ("logging/", "service/ops/logs.py", "Logger.", "Handler.")),
    ("encode the response", ("jsonify", "dumps ")),
    ("reading the body (werkzeug/gunicorn)", ("get_data", "read_json_body ", "LengthReader", "Body.read",
                                              "Unreader")),
    ("rest of the hook view (incl. freeing the decoded body)", ("call_service ", "_answer ")),
    ("gunicorn + Flask (parse, dispatch, respond)", ("gunicorn/", "flask/", "werkzeug/")),
)
OTHER = "other"


def bucket_of(frames: list[str]) -> str:
    """The bucket of one sampled stack (outermost frame first)."""
    for frame in reversed(frames):
        for name, fragments in BUCKETS:
            if any(fragment in frame for fragment in fragments):
                return name
    return OTHER


def aggregate(raw: str) -> Counter:
    """py-spy ``--format raw`` (collapsed stacks: ``f1;f2;f3 N``) -> samples per bucket."""
    shares: Counter = Counter()
    for line in raw.splitlines():
        stack, _, count = line.rstrip().rpartition(" ")
        if stack and count.isdigit():
            shares[bucket_of(stack.split(";"))] += int(count)
    return shares


def table(shares: Counter) -> str:
    total = sum(shares.values()) or 1
    rows = ["| where | share of the worker's CPU samples |", "|---|---:|"]
    for name, count in sorted(shares.items(), key=lambda item: -item[1]):
        rows.append(f"| {name} | {100 * count / total:.1f} % |")
    rows.append(f"| (samples) | {total} |")
    return "\n".join(rows)


def _py_spy() -> str:
    for candidate in (shutil.which("py-spy"), str(Path(sys.executable).with_name("py-spy"))):
        if candidate and os.access(candidate, os.X_OK):
            return candidate
    raise SystemExit("bench.served_profile: py-spy not found; install it with 'pip install py-spy' "
                     "(a profiling tool, not a project dependency)")


def run(connections: int, seconds: float, log=print, keep_raw: Path | None = None) -> tuple[Counter, dict]:
    from bench.http_parts import Context
    from bench.loadgen import Target
    from bench.net import free_port
    from bench.pg import bench_server
    from bench.servers import GunicornServer, migrate, service_env, serving_numbers
    from bench.tools import ensure, postgres_bindir
    from bench.workload import HOOK_PATH, TokenMinter, build_workload

    spy = _py_spy()
    tools = ensure(["wrk"], log=log)
    with tempfile.TemporaryDirectory(prefix="netcds-served-profile-") as tmp:
        workdir = Path(tmp)
        os.chmod(workdir, 0o755)
        postgres = bench_server(postgres_bindir())
        try:
            postgres.up()
            ctx = Context(workdir=workdir, tools=tools, postgres=postgres, minter=TokenMinter(workdir / "state"),
                          workload=build_workload("typical"), duration=seconds, warmup=3.0, log=log)
            database = postgres.create_database("served_profile")
            migrate(database, workdir)
            port = free_port()
            base = f"http://127.0.0.1:{port}"
            server = GunicornServer("service", "service", workdir=workdir, port=port,
                                    env_extra=service_env(public_base_url=base, issuers=ctx.issuers,
                                                          database_url=database, workdir=workdir, tag="profile"))
            try:
                server.wait_workers(serving_numbers()["workers"])
                target = Target("service", server.port, server.pids)
                audience = base + HOOK_PATH
                ctx.check_call(server.port, audience)
                ctx.load(target, connections, audience=audience, rps_estimate=200, duration=3.0)   # warm-up
                raw_path = workdir / "raw.txt"
                sampler = subprocess.Popen(
                    [spy, "record", "--pid", str(server.workers()[0]), "--gil", "--rate", "250",
                     "--duration", str(max(1, int(seconds) - 1)), "--format", "raw", "--output", str(raw_path),
                     "--nonblocking"], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
                result = ctx.load(target, connections, audience=audience, rps_estimate=200, duration=seconds)
                _, err = sampler.communicate(timeout=seconds + 60)
                if sampler.returncode != 0 or not raw_path.exists():
                    raise SystemExit(f"bench.served_profile: py-spy failed: {err.strip()[-500:]}")
                raw = raw_path.read_text(encoding="utf-8")
                if keep_raw is not None:
                    keep_raw.write_text(raw, encoding="utf-8")
                shares = aggregate(raw)
            finally:
                server.stop()
        finally:
            postgres.destroy()
    return shares, result


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.served_profile", description=__doc__.split("\n\n")[1])
    parser.add_argument("--connections", type=int, default=8)
    parser.add_argument("--seconds", type=float, default=15.0)
    parser.add_argument("--out", type=Path, default=REPO / "bench" / "SERVED_PROFILE.md")
    parser.add_argument("--raw", type=Path, default=None, help="also keep py-spy's collapsed stacks here")
    args = parser.parse_args(argv)
    shares, result = run(args.connections, args.seconds, keep_raw=args.raw)
    rev = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=REPO, capture_output=True,
                         text=True).stdout.strip() or "unknown"
    when = datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    text = (f"# Where a served hook call spends its CPU\n\nGenerated by `python -m bench.served_profile` "
            f"({when}, revision `{rev}`, {os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.2f}); "
            f"do not edit by hand.\n\nTypical body, {args.connections} connections, {args.seconds:.0f} s of wrk: "
            f"{result['rps']} req/s, p50 {result['latency_ms']['p50']} ms, p99 {result['latency_ms']['p99']} ms. "
            "One worker sampled by py-spy `--gil` (only the GIL holder: Python and C extensions at work; "
            "socket reads/writes and database waits that release the GIL are not in the samples).\n\n"
            f"{table(shares)}\n")
    args.out.write_text(text, encoding="utf-8")
    print(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
