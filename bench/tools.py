"""External tools the HTTP parts need: wrk, nginx, a PostgreSQL server (Debian packages).

When one is missing and we run as root, it is installed with apt-get (printed first); otherwise
the benchmark stops with a clear message. Nothing else is ever downloaded.
"""
from __future__ import annotations

import glob
import os
import shutil
import subprocess
from pathlib import Path


class ToolMissing(SystemExit):
    def __init__(self, message: str):
        super().__init__(f"bench: {message}")


# tool -> (Debian package, where else to look)
TOOLS: dict[str, tuple[str, tuple[str, ...]]] = {
    "wrk": ("wrk", ()),
    "nginx": ("nginx", ("/usr/sbin/nginx",)),
    "initdb": ("postgresql", ()),
}


def _find(tool: str) -> str | None:
    found = shutil.which(tool)
    if found:
        return found
    for candidate in TOOLS[tool][1]:
        if os.access(candidate, os.X_OK):
            return candidate
    if tool == "initdb":
        dirs = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"))
        return dirs[-1] if dirs else None
    return None


def postgres_bindir() -> Path:
    initdb = ensure(["initdb"])["initdb"]
    bindir = Path(os.path.realpath(initdb)).parent
    if not (bindir / "pg_ctl").exists():
        pg_ctl = shutil.which("pg_ctl")
        if not pg_ctl:
            raise ToolMissing("pg_ctl not found next to initdb nor on PATH (Debian package 'postgresql')")
        bindir = Path(os.path.realpath(pg_ctl)).parent
    return bindir


def ensure(tools: list[str], *, log=print) -> dict[str, str]:
    """Paths of ``tools``; installs the missing ones' Debian packages when running as root."""
    missing = [t for t in tools if _find(t) is None]
    if missing:
        packages = sorted({TOOLS[t][0] for t in missing})
        if os.geteuid() != 0 or not shutil.which("apt-get"):
            raise ToolMissing(
                f"missing {', '.join(missing)}; install the Debian package(s) {' '.join(packages)} "
                f"(as root: apt-get install -y {' '.join(packages)}) or run the benchmark as root "
                f"so it can install them; or run only the in-process part: python -m bench --parts inprocess")
        log(f"bench: installing Debian package(s) {' '.join(packages)} with apt-get (setup step)")
        env = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
        for cmd in (["apt-get", "update", "-qq"], ["apt-get", "install", "-y", "-qq", *packages]):
            proc = subprocess.run(cmd, env=env, capture_output=True, text=True)
            if proc.returncode != 0:
                raise ToolMissing(f"{' '.join(cmd)} failed ({proc.returncode}): "
                                  f"{(proc.stderr or proc.stdout).strip()[-800:]}")
        still = [t for t in missing if _find(t) is None]
        if still:
            raise ToolMissing(f"{', '.join(still)} still missing after installing {' '.join(packages)}")
    return {t: _find(t) for t in tools}  # type: ignore[misc]
