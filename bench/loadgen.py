"""wrk runs: one bounded load run against a loopback URL, with a token file for real auth."""
from __future__ import annotations

import json
import math
import os
import resource
import subprocess
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Sequence

from bench.procs import cpu_seconds, machine_busy
from bench.workload import HOOK_PATH, TokenMinter

LUA = Path(__file__).resolve().parent / "wrk_post.lua"
WRK_TIMEOUT = "10s"


@dataclass
class Target:
    name: str
    port: int
    server_pids: Callable[[], Sequence[int]]   # processes whose CPU time the run is charged with


def wrk_threads(connections: int) -> int:
    return max(1, min(connections, 2))


def write_tokens(path: Path, minter: TokenMinter | None, audience: str, count: int) -> Path:
    tokens = minter.mint_many(audience, count) if minter is not None and count > 0 else []
    path.write_text("\n".join(tokens) + ("\n" if tokens else ""), encoding="ascii")
    return path


def tokens_needed(rps_estimate: float, duration: float, connections: int) -> int:
    """Enough tokens for the run at up to 3x the estimated rate, at least 100 req/s (one token per request).

    A warm-up right after start is slower than the runs after it (workers import lazily), so the
    estimate is only a lower bound; the harness also passes the highest rate seen so far.
    """
    return int(math.ceil(max(rps_estimate, 100.0) * duration * 3.0)) + 4 * connections + 50


def run_wrk(wrk: str, target: Target, *, body_file: Path, token_file: Path | None, connections: int,
            duration: float, fixed_token: bool = False, workdir: Path) -> dict:
    """One wrk run; returns counts, rate, latency percentiles (ms), CPU use and validity."""
    threads = wrk_threads(connections)
    argv = [wrk, "-t", str(threads), "-c", str(connections), "-d", f"{max(1, round(duration))}s",
            "--timeout", WRK_TIMEOUT, "-s", str(LUA), f"http://127.0.0.1:{target.port}{HOOK_PATH}",
            "--", str(body_file), str(token_file) if token_file else "-", str(threads), HOOK_PATH]
    if fixed_token:
        argv.append("fixed")
    pids = list(target.server_pids())
    cpu0 = cpu_seconds(pids)
    busy0, total0 = machine_busy()
    ru0 = resource.getrusage(resource.RUSAGE_CHILDREN)
    proc = subprocess.run(argv, capture_output=True, text=True, timeout=duration + 120, cwd=workdir)
    ru1 = resource.getrusage(resource.RUSAGE_CHILDREN)
    busy1, total1 = machine_busy()
    cpu1 = cpu_seconds(pids)
    if proc.returncode != 0:
        raise RuntimeError(f"wrk failed ({proc.returncode}): {proc.stderr.strip() or proc.stdout.strip()}")
    line = next((ln for ln in proc.stdout.splitlines() if ln.startswith("BENCH_JSON ")), None)
    if line is None:
        raise RuntimeError(f"wrk printed no BENCH_JSON line:\n{proc.stdout}\n{proc.stderr}")
    raw = json.loads(line[len("BENCH_JSON "):])
    seconds = raw["duration_us"] / 1e6
    statuses = {int(k): v for k, v in raw["statuses"].items()}
    ok = statuses.get(200, 0)
    errors = raw["errors"]
    problems = []
    if raw["exhausted"]:
        problems.append(f"token pool exhausted ({raw['exhausted']} requests reused a token)")
    bad = {s: n for s, n in statuses.items() if s != 200}
    if bad:
        problems.append(f"non-200 answers {bad}")
    if any(errors[k] for k in ("connect", "read", "write", "timeout")):
        problems.append(f"socket errors {errors}")
    if ok == 0:
        problems.append("no successful request")
    lat = raw["latency_us"]
    requests = raw["requests"]
    return {
        "target": target.name,
        "connections": connections,
        "wrk_threads": threads,
        "duration_s": round(seconds, 2),
        "requests": requests,
        "ok": ok,
        "rps": round(ok / seconds, 1) if seconds else 0.0,
        "latency_ms": {k: round(lat[k] / 1000, 2) for k in ("p50", "p90", "p95", "p99", "max", "mean")},
        "server_cpu_s": round(cpu1 - cpu0, 2),
        "server_cpu_ms_per_request": round((cpu1 - cpu0) * 1000 / requests, 2) if requests else None,
        "wrk_cpu_s": round((ru1.ru_utime + ru1.ru_stime) - (ru0.ru_utime + ru0.ru_stime), 2),
        "machine_busy_pct": round(100.0 * (busy1 - busy0) / (total1 - total0), 1) if total1 > total0 else None,
        "statuses": {str(k): v for k, v in sorted(statuses.items())},
        "errors": errors,
        "valid": not problems,
        "problems": problems,
    }


def machine_load() -> dict:
    one, five, fifteen = os.getloadavg()
    return {"loadavg_1m": round(one, 2), "loadavg_5m": round(five, 2), "cpus": os.cpu_count()}
