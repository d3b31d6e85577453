"""``python -m bench [--quick] [--parts inprocess,profile,http,scaleout] [--out DIR]``

Runs on loopback only and never downloads anything at run time (as root it may install the
Debian packages wrk, nginx and postgresql first, printing what it installs). See bench/README.md.
"""
from __future__ import annotations

import argparse
import os
import platform
import subprocess
import sys
import tempfile
import time
from datetime import datetime, timezone
from pathlib import Path

from bench import report
from bench.workload import REPO

PARTS = ("inprocess", "profile", "http", "scaleout")
FULL = {"duration": 20.0, "warmup": 5.0}
QUICK = {"duration": 3.0, "warmup": 3.0}


def _log(message: str) -> None:
    print(message, flush=True)


def _revision() -> tuple[str, bool]:
    try:
        rev = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=REPO, capture_output=True, text=True,
                             timeout=10).stdout.strip()
        dirty = subprocess.run(["git", "status", "--porcelain", "--", "service", "cards"], cwd=REPO,
                               capture_output=True, text=True, timeout=10).stdout.strip()
        return rev or "unknown", bool(dirty)
    except (OSError, subprocess.SubprocessError):
        return "unknown", False


def meta(mode: str) -> dict:
    rev, dirty = _revision()
    return {"mode": mode, "when": datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC"), "revision": rev,
            "dirty": dirty, "python": platform.python_version(), "cpus": os.cpu_count(),
            "loadavg_1m": round(os.getloadavg()[0], 2), "json_library": _json_library(), "versions": _versions(),
            "dependency_mismatches": dependency_mismatches()}


def dependency_mismatches() -> list[str]:
    """Installed packages that do not satisfy pyproject.toml's [project].dependencies (figures would mislead)."""
    import tomllib
    from importlib import metadata

    try:
        from packaging.requirements import Requirement
    except ImportError:   # pragma: no cover - packaging comes with pip/setuptools
        return []
    try:
        deps = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))["project"]["dependencies"]
    except (OSError, KeyError, ValueError):
        return []
    out = []
    for spec in deps:
        req = Requirement(spec)
        try:
            installed = metadata.version(req.name)
        except metadata.PackageNotFoundError:
            out.append(f"{req.name}: not installed (needs {req.specifier or 'any'})")
            continue
        if req.specifier and not req.specifier.contains(installed, prereleases=True):
            out.append(f"{req.name} {installed} installed, pyproject.toml needs {req.specifier}")
    return out


def _versions() -> dict[str, str]:
    from importlib import metadata

    out = {}
    for dist in ("orjson", "Flask", "Werkzeug", "gunicorn", "PyJWT", "cryptography", "SQLAlchemy", "psycopg",
                 "fhir.resources", "pydantic"):
        try:
            out[dist] = metadata.version(dist)
        except metadata.PackageNotFoundError:
            out[dist] = "absent"
    return out


def _json_library() -> dict[str, str]:
    from bench.floor_app import LIBRARY

    return dict(LIBRARY)


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    p = argparse.ArgumentParser(prog="python -m bench", description=__doc__.split("\n\n")[0])
    p.add_argument("--quick", action="store_true", help="short smoke run (few calls, 3 s load runs)")
    p.add_argument("--parts", default=",".join(PARTS),
                   help=f"comma-separated subset of {','.join(PARTS)} (default: all)")
    p.add_argument("--repeat", type=int, help="in-process: timed calls per size (overrides the defaults)")
    p.add_argument("--duration", type=float, help="seconds per wrk run (default 20, quick 3)")
    p.add_argument("--out", type=Path, help="where results.json and RESULTS.md go "
                                             "(default bench/; with --quick .netcds/bench-quick/)")
    args = p.parse_args(argv)
    parts = [x.strip() for x in args.parts.split(",") if x.strip()]
    unknown = [x for x in parts if x not in PARTS]
    if unknown:
        p.error(f"unknown part(s) {unknown}; choose from {', '.join(PARTS)}")
    if args.repeat is not None and args.repeat < 1:
        p.error("--repeat must be >= 1")
    args.parts = parts
    if args.out is None:
        args.out = REPO / (".netcds/bench-quick" if args.quick else "bench")
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    mode = "quick" if args.quick else "full"
    timing = dict(QUICK if args.quick else FULL)
    if args.duration:
        timing["duration"] = args.duration
    for problem in dependency_mismatches():
        _log(f"bench: WARNING: {problem}; the figures are for this environment, not the declared one")
    results = report.load(args.out / "results.json")
    results.pop("error", None)
    started = time.monotonic()
    http_parts = [p for p in args.parts if p in ("http", "scaleout")]
    if http_parts:   # fail before any measurement if a tool is missing
        from bench.tools import ensure, postgres_bindir

        tools = ensure(["wrk", "nginx"] if "scaleout" in http_parts else ["wrk"], log=_log)
        pg_bindir = postgres_bindir()

    if "inprocess" in args.parts:
        from bench import inprocess

        section = inprocess.run(quick=args.quick, repeat=args.repeat, log=_log)
        section["meta"] = meta(mode)
        results["inprocess"] = section
        report.write(results, args.out)
    if "profile" in args.parts:
        from bench import profiling

        section = profiling.run(quick=args.quick, log=_log)
        section["meta"] = meta(mode)
        results["profile"] = section
        report.write(results, args.out)
    if http_parts:
        from bench.http_parts import Context, run_http, run_scaleout
        from bench.pg import bench_server
        from bench.workload import TokenMinter, build_workload

        with tempfile.TemporaryDirectory(prefix="netcds-bench-http-") as tmp:
            workdir = Path(tmp)
            os.chmod(workdir, 0o755)
            postgres = bench_server(pg_bindir)
            try:
                postgres.up()
                _log(f"bench: PostgreSQL on 127.0.0.1:{postgres.port}")
                ctx = Context(workdir=workdir, tools=tools, postgres=postgres,
                              minter=TokenMinter(workdir / "state"), workload=build_workload("typical"),
                              duration=timing["duration"], warmup=timing["warmup"], log=_log)
                if "http" in http_parts:
                    section = run_http(ctx)
                    section["meta"] = meta(mode)
                    results["http"] = section
                    report.write(results, args.out)
                if "scaleout" in http_parts:
                    section = run_scaleout(ctx)
                    section["meta"] = meta(mode)
                    results["scaleout"] = section
                    report.write(results, args.out)
            finally:
                postgres.destroy()
    json_path, md_path = report.write(results, args.out)
    _log(f"bench: done in {time.monotonic() - started:.0f} s; wrote {_rel(md_path)} and {_rel(json_path)}")
    return 0


def _rel(path: Path) -> str:
    try:
        return str(path.resolve().relative_to(REPO))
    except ValueError:
        return str(path)


if __name__ == "__main__":
    sys.exit(main())
