"""HTTP parts: the production server vs the floor app (part 2), and scale-out behind nginx (part 3).

Auth is real: the service trusts the local demo issuer (``service.demo.issuer``) and every
request carries its own freshly minted ES384 token. The service remembers each ``jti`` (per
worker) and refuses a replay, so tokens are minted ahead into a file, enough for three times the rate
measured in a warm-up run, and the wrk script deals them out without repeating one; a run
in which a token had to be reused (a 401) is reported invalid. The floor gets the same headers
(one fixed token it ignores). Feedback/analytics go to a throwaway PostgreSQL server, as in
production (every hook call inserts its issued cards).
"""
from __future__ import annotations

import json
import os
import shutil
import time
from contextlib import ExitStack
from pathlib import Path
from typing import Callable

from bench.loadgen import Target, machine_load, run_wrk, tokens_needed, write_tokens
from bench.net import free_port, http_post
from bench.procs import memory_kib
from bench.servers import GunicornServer, Nginx, migrate, service_env, serving_numbers
from bench.workload import HOOK_PATH, TokenMinter, Workload

CONCURRENCY = (1, 8, 32)
TARGETS = {"throughput_vs_floor": 0.60, "p99_ms_at_32": 100.0, "worker_rss_mb": 150.0}


class Context:
    """What the HTTP parts share: temp dir, tool paths, PostgreSQL, the demo issuer, the body."""

    def __init__(self, *, workdir: Path, tools: dict[str, str], postgres, minter: TokenMinter,
                 workload: Workload, duration: float, warmup: float, log: Callable[[str], None]):
        self.workdir = workdir
        self.tools = tools
        self.postgres = postgres
        self.minter = minter
        self.issuers = minter.write_issuers(workdir / "issuers.json")
        self.workload = workload
        self.body_file = workdir / f"body-{workload.name}.json"
        self.body_file.write_bytes(workload.body)
        self.duration = duration
        self.warmup = warmup
        self.log = log
        self._n = 0
        self.rps_seen = 0.0       # highest request rate any service run reached (sizes token pools)

    def token_file(self, audience: str, count: int) -> Path:
        self._n += 1
        started = time.perf_counter()
        path = write_tokens(self.workdir / f"tokens-{self._n}.txt", self.minter, audience, count)
        self.log(f"  minted {count} tokens in {time.perf_counter() - started:.1f} s")
        return path

    def check_call(self, port: int, audience: str) -> dict:
        """One real call before the load: a 200 with cards, or stop."""
        token = self.minter.mint(audience)
        status, body = http_post(port, HOOK_PATH, self.workload.body,
                                 {"Authorization": f"Bearer {token}", "Content-Type": "application/json"})
        cards = None
        try:
            cards = json.loads(body).get("cards")
        except ValueError:
            pass
        if status != 200 or not isinstance(cards, list) or not cards:
            raise RuntimeError(f"check call on port {port} answered {status}: {body[:300]!r}")
        return {"status": status, "card_count": len(cards)}

    def load(self, target: Target, connections: int, *, audience: str | None, rps_estimate: float,
             duration: float | None = None) -> dict:
        duration = self.duration if duration is None else duration
        if audience is None:   # the floor: the same header, one fixed token
            tokens = self.token_file(HOOK_PATH, 1)
            fixed = True
        else:
            tokens = self.token_file(audience, tokens_needed(max(rps_estimate, self.rps_seen), duration, connections))
            fixed = False
        self.log(f"  wrk {target.name}: {connections} connections, {duration:.0f} s")
        result = run_wrk(self.tools["wrk"], target, body_file=self.body_file, token_file=tokens,
                         connections=connections, duration=duration, fixed_token=fixed, workdir=self.workdir)
        tokens.unlink(missing_ok=True)
        if audience is not None and result["duration_s"]:
            self.rps_seen = max(self.rps_seen, result["requests"] / result["duration_s"])
        self.log(f"    {result['rps']} req/s, p50 {result['latency_ms']['p50']} ms, "
                 f"p99 {result['latency_ms']['p99']} ms{'' if result['valid'] else '  INVALID: ' + '; '.join(result['problems'])}")
        return result


def _memory(server: GunicornServer) -> dict:
    workers = {str(pid): memory_kib(pid) for pid in server.workers()}
    rss = [m.get("VmRSS", 0) / 1024 for m in workers.values()]
    hwm = [m.get("VmHWM", 0) / 1024 for m in workers.values()]
    pss = [m.get("Pss", 0) / 1024 for m in workers.values() if "Pss" in m]
    master = memory_kib(server.proc.pid)
    return {
        "workers": len(workers),
        "worker_rss_mb_max": round(max(rss), 1) if rss else None,
        "worker_rss_mb_mean": round(sum(rss) / len(rss), 1) if rss else None,
        "worker_peak_rss_mb_max": round(max(hwm), 1) if hwm else None,
        "worker_pss_mb_mean": round(sum(pss) / len(pss), 1) if pss else None,
        "master_rss_mb": round(master.get("VmRSS", 0) / 1024, 1),
        "per_worker_kib": workers,
    }


def run_http(ctx: Context) -> dict:
    """Part 2: service vs floor at concurrency 1, 8, 32 (floor and service runs interleaved)."""
    numbers = serving_numbers()
    db = ctx.postgres.create_database("bench_http")
    ctx.log(f"http: {migrate(db, ctx.workdir)}")
    section: dict = {"serving": numbers, "body_bytes": len(ctx.workload.body), "workload": ctx.workload.name,
                     "resources": ctx.workload.resources, "duration_s": ctx.duration, "runs": [],
                     "load_before": machine_load()}
    with ExitStack() as stack:
        port = free_port()
        base = f"http://127.0.0.1:{port}"
        service = GunicornServer("service", "service", workdir=ctx.workdir, port=port,
                                 env_extra=service_env(public_base_url=base, issuers=ctx.issuers, database_url=db,
                                                       workdir=ctx.workdir, tag="http"))
        stack.callback(service.stop)
        floor = GunicornServer("floor", "bench.floor_app", workdir=ctx.workdir, ready_path="/healthz",
                               env_extra={"NETCDS_AUTH_DISABLED": "true"})
        stack.callback(floor.stop)
        service.wait_workers(numbers["workers"])
        floor.wait_workers(numbers["workers"])
        audience = base + HOOK_PATH
        section["check_call"] = ctx.check_call(service.port, audience)
        t_service = Target("service", service.port, service.pids)
        t_floor = Target("floor", floor.port, floor.pids)

        ctx.log("http: warm-up")
        warm = ctx.load(t_service, 8, audience=audience, rps_estimate=300, duration=ctx.warmup)
        ctx.load(t_floor, 8, audience=None, rps_estimate=0, duration=ctx.warmup)
        estimate = warm["requests"] / max(warm["duration_s"], 0.1)
        section["warmup_rps"] = round(estimate, 1)
        for c in CONCURRENCY:
            for target, aud in ((t_floor, None), (t_service, audience)):
                section["runs"].append(ctx.load(target, c, audience=aud, rps_estimate=estimate))
        section["memory"] = {"service": _memory(service), "floor": _memory(floor)}
    section["load_after"] = machine_load()
    section["summary"] = _http_summary(section)
    return section


def _http_summary(section: dict) -> dict:
    by = {(r["target"], r["connections"]): r for r in section["runs"]}
    rows = []
    for c in CONCURRENCY:
        s, f = by.get(("service", c)), by.get(("floor", c))
        if not s or not f:
            continue
        rows.append({"connections": c, "service_rps": s["rps"], "floor_rps": f["rps"],
                     "ratio": round(s["rps"] / f["rps"], 3) if f["rps"] else None,
                     "service_p99_ms": s["latency_ms"]["p99"], "floor_p99_ms": f["latency_ms"]["p99"]})
    at32 = next((r for r in rows if r["connections"] == 32), None)
    mem = section.get("memory", {}).get("service", {})
    checks = {}
    if at32:
        checks["throughput_vs_floor_at_32"] = {"value": at32["ratio"], "target": f">= {TARGETS['throughput_vs_floor']}",
                                               "pass": bool(at32["ratio"] and at32["ratio"] >= TARGETS["throughput_vs_floor"])}
        checks["p99_ms_at_32"] = {"value": at32["service_p99_ms"], "target": f"< {TARGETS['p99_ms_at_32']:.0f}",
                                  "pass": at32["service_p99_ms"] < TARGETS["p99_ms_at_32"]}
    if mem.get("worker_rss_mb_max") is not None:
        checks["worker_rss_mb"] = {"value": mem["worker_rss_mb_max"], "target": f"< {TARGETS['worker_rss_mb']:.0f}",
                                   "pass": mem["worker_rss_mb_max"] < TARGETS["worker_rss_mb"]}
    all_valid = all(r["valid"] for r in section["runs"])
    return {"rows": rows, "checks": checks, "all_runs_valid": all_valid}


def run_scaleout(ctx: Context) -> dict:
    """Part 3: one instance direct, one behind nginx, two behind nginx (shared PostgreSQL), at 32 connections."""
    numbers = serving_numbers()
    # Two 1-CPU "nodes" on this machine: instance a on CPU 0, b on CPU 1 (taskset), each sized by the
    # serving config for one usable CPU. Unpinned, 2 x (cores + 1) CPU-bound workers would share every
    # core and each instance would only slow the other down. wrk, nginx and PostgreSQL are not pinned.
    pinned = (os.cpu_count() or 1) >= 2 and shutil.which("taskset") is not None
    cpus = {"a": "0", "b": "1"} if pinned else {"a": None, "b": None}
    if pinned:
        from service.ops.serving_config import thread_count, worker_count

        numbers = {**numbers, "usable_cpus": 1, "workers": worker_count(1), "threads": thread_count(1)}
    db = ctx.postgres.create_database("bench_scaleout")
    ctx.log(f"scale-out: {migrate(db, ctx.workdir)}")
    section: dict = {"serving": numbers, "connections": 32, "duration_s": ctx.duration, "runs": [],
                     "load_before": machine_load(),
                     "nginx": {"worker_processes": 1, "balancing": "least_conn", "upstream_keepalive": 64},
                     "pinned_cpus": cpus if pinned else None}
    one_port, two_port = free_port(), free_port()
    base = f"http://127.0.0.1:{two_port}"      # the external URL of the service (JWT aud), as behind a proxy
    audience = base + HOOK_PATH
    with ExitStack() as stack:
        instances = []
        for tag in ("a", "b"):
            inst = GunicornServer(f"service-{tag}", "service", workdir=ctx.workdir, cpus=cpus[tag],
                                  env_extra=service_env(public_base_url=base, issuers=ctx.issuers, database_url=db,
                                                        workdir=ctx.workdir, tag=f"scale-{tag}"))
            stack.callback(inst.stop)
            instances.append(inst)
        for inst in instances:
            inst.wait_workers(numbers["workers"])
        a, b = instances
        nginx = Nginx(ctx.tools["nginx"], ctx.workdir, {one_port: [a.port], two_port: [a.port, b.port]})
        stack.callback(nginx.stop)
        nginx.wait_ready()
        section["check_call"] = ctx.check_call(two_port, audience)

        targets = [
            Target("one instance, direct", a.port, a.pids),
            Target("one instance, behind nginx", one_port, lambda: [*a.pids(), *nginx.pids()]),
            Target("two instances, behind nginx", two_port, lambda: [*a.pids(), *b.pids(), *nginx.pids()]),
        ]
        ctx.log("scale-out: warm-up (both instances through nginx)")
        warm = ctx.load(targets[2], 32, audience=audience, rps_estimate=300, duration=ctx.warmup)
        estimate = warm["requests"] / max(warm["duration_s"], 0.1)
        section["warmup_rps"] = round(estimate, 1)
        for target in targets:
            section["runs"].append(ctx.load(target, 32, audience=audience, rps_estimate=estimate))
        section["memory"] = {"instance_a": _memory(a), "instance_b": _memory(b)}
    section["load_after"] = machine_load()
    return section
