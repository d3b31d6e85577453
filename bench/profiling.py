"""cProfile of whole hook calls (through the Flask test client, auth enabled) for the typical and large patient."""
from __future__ import annotations

import cProfile
import io
import pstats
import tempfile
from pathlib import Path

from bench.inprocess import BASE_URL, build_app, quiet_stderr
from bench.workload import HOOK_PATH, SIZES, TokenMinter, build_workload

CALLS = {"typical": 40, "large": 6}
TOP = 45


def _rows(stats: pstats.Stats, sort: str, calls: int, top: int) -> list[dict]:
    stats.sort_stats(sort)
    rows = []
    for func in stats.fcn_list[:top]:  # type: ignore[attr-defined]
        cc, nc, tt, ct, _callers = stats.stats[func]  # type: ignore[attr-defined]
        filename, line, name = func
        short = filename
        for marker in ("/service/", "/site-packages/", "/lib/python3"):
            if marker in filename:
                short = filename[filename.index(marker) + 1:]
                break
        rows.append({"function": f"{short}:{line}({name})" if line else name,
                     "ncalls_per_call": round(nc / calls, 1),
                     "tottime_ms_per_call": round(tt * 1000 / calls, 3),
                     "cumtime_ms_per_call": round(ct * 1000 / calls, 3)})
    return rows


def run(*, quick: bool = False, log=print) -> dict:
    out: dict = {"method": "cProfile over N hook calls via the Flask test client (auth on, INFO logs to /dev/null); "
                           "times per call, profiler overhead included (relative weights matter, not absolutes)",
                 "sizes": {}}
    with tempfile.TemporaryDirectory(prefix="netcds-bench-prof-") as tmp:
        workdir = Path(tmp)
        minter = TokenMinter(workdir / "state")
        app = build_app(workdir, minter)
        client = app.test_client()
        for name in ("typical", "large"):
            calls = max(2, CALLS[name] // (8 if quick else 1))
            workload = build_workload(name, SIZES[name])
            tokens = minter.mint_many(BASE_URL + HOOK_PATH, calls + 1)
            log(f"profile: {name}: {calls} calls")
            with quiet_stderr():
                headers = {"Content-Type": "application/json", "Authorization": f"Bearer {tokens.pop()}"}
                assert client.post(HOOK_PATH, data=workload.body, headers=headers).status_code == 200
                profiler = cProfile.Profile()
                for token in tokens:
                    headers = {"Content-Type": "application/json", "Authorization": f"Bearer {token}"}
                    profiler.enable()
                    response = client.post(HOOK_PATH, data=workload.body, headers=headers)
                    profiler.disable()
                    if response.status_code != 200:
                        raise RuntimeError(f"profiled call answered {response.status_code}")
            stats = pstats.Stats(profiler, stream=io.StringIO())
            out["sizes"][name] = {
                "calls": calls,
                "by_cumulative": _rows(stats, "cumulative", calls, TOP),
                "by_own_time": _rows(stats, "tottime", calls, TOP),
            }
    return out
