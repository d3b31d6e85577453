"""In-process: one hook call through the real Flask view (test client), timed per stage.

The app is ``service.app.create_app`` with auth ENABLED (the local demo issuer; one freshly
minted ES384 token per call, minted outside the timed region), a throwaway SQLite feedback
store (each call records its issued cards, as in production), the fixtures' fixed clock, and
logging at INFO written to /dev/null (the log records are still built and formatted).

Stages come from the view itself: ``auth``, ``data``, ``picture``, ``rules``, ``render`` are
the service's own timings (the dict it hands to ``Metrics.observe_stages``); ``decode`` (body
bytes -> JSON, ``load_json``), ``validate`` (``hook_request_from_json``), ``store``
(``IssuedRecorder.submit``: the issued cards are queued, the database write happens on a
background thread, drained after each call outside the timed region and reported beside the
stages as ``store (background)``) and ``encode`` (``jsonify`` of the response) are timed by
wrapping those callables in this process for the duration of the run (no service file is
changed). ``framework`` is the rest of the wall time of ``client.post``: Flask/werkzeug request
handling, before/after-request hooks, logging, metrics, the test client itself.

The floor, measured in the same run on the same body: decoding the body bytes plus encoding a
one-card response, with the library the service uses for each (``bench.floor_app.LIBRARY``:
orjson or the standard library's json).
"""
from __future__ import annotations

import contextlib
import gc
import json
import os
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Iterator

from bench.stats import summary_ms
from bench.workload import FIXED_NOW, HOOK_PATH, SIZES, TokenMinter, Workload, build_order_workload, build_workload

BASE_URL = "http://127.0.0.1:8080"
STAGES = ("auth", "decode", "validate", "data", "picture", "rules", "render", "store", "encode")
SERVICE_STAGES = ("auth", "data", "picture", "rules", "render")

FULL_REPEAT = {"small": 300, "typical": 150, "typical-no-reports": 150, "large": 30}
FULL_WARMUP = {"small": 20, "typical": 10, "typical-no-reports": 10, "large": 3}
QUICK_REPEAT = {"small": 30, "typical": 15, "typical-no-reports": 15, "large": 4}
QUICK_WARMUP = {"small": 3, "typical": 2, "typical-no-reports": 2, "large": 1}


@contextlib.contextmanager
def clean_netcds_env() -> Iterator[None]:
    """Hide the caller's NETCDS_* variables while the app is built (they must not change the bench)."""
    saved = {k: v for k, v in os.environ.items() if k.startswith("NETCDS_") or k == "PROMETHEUS_MULTIPROC_DIR"}
    for key in saved:
        del os.environ[key]
    try:
        yield
    finally:
        os.environ.update(saved)


@contextlib.contextmanager
def quiet_stderr() -> Iterator[None]:
    with open(os.devnull, "w") as sink, contextlib.redirect_stderr(sink):
        yield


def build_app(workdir: Path, minter: TokenMinter):
    from service.app import create_app

    issuers = minter.write_issuers(workdir / "issuers.json")
    overrides = {
        "NETCDS_TRUSTED_ISSUERS": str(issuers),
        "NETCDS_PUBLIC_BASE_URL": BASE_URL,
        "NETCDS_DATABASE_URL": f"sqlite:///{workdir / 'feedback.sqlite3'}",
        "NETCDS_LOG_LEVEL": "INFO",
    }
    from service.app import settle_heap

    with clean_netcds_env(), quiet_stderr():
        app = create_app(overrides, clock=lambda: FIXED_NOW)
    settle_heap()       # what a served worker does once its app is built (serving_config.post_worker_init)
    return app


# ---------------------------------------------------------------------- stage probe


class StageProbe:
    """Wraps the view's collaborators to time them; ``uninstall()`` puts everything back."""

    def __init__(self, app):
        from service.state import state_of
        from service.ops.metrics import metrics_of

        self.app = app
        self.state = state_of(app)
        self.metrics = metrics_of(app)
        self.current: dict[str, float] = {}
        self.background: list[float] = []
        self._undo: list[Callable[[], None]] = []

    def _timed(self, name: str, fn: Callable) -> Callable:
        current = self

        def wrapper(*args, **kwargs):
            started = time.perf_counter()
            try:
                return fn(*args, **kwargs)
            finally:
                current.current[name] = current.current.get(name, 0.0) + time.perf_counter() - started
        return wrapper

    def _timed_background(self, fn: Callable) -> Callable:
        """Times ``fn(calls)`` into ``self.background``, per hook call of the batch (it runs on the
        issued-card thread, off the request path, one multi-row INSERT per batch)."""
        current = self

        def wrapper(calls, *args, **kwargs):
            started = time.perf_counter()
            try:
                return fn(calls, *args, **kwargs)
            finally:
                per_call = (time.perf_counter() - started) / max(1, len(calls))
                current.background.extend([per_call] * max(1, len(calls)))
        return wrapper

    def _patch(self, owner: Any, attr: str, new: Any) -> None:
        """Set ``owner.attr`` (a module global or an instance attribute) and remember how to undo it."""
        had_own = attr in vars(owner)
        old = vars(owner).get(attr)
        setattr(owner, attr, new)
        self._undo.append((lambda: setattr(owner, attr, old)) if had_own else (lambda: delattr(owner, attr)))

    def install(self) -> "StageProbe":
        from service.protocol import routes as hooks

        self._patch(hooks, "load_json", self._timed("decode", hooks.load_json))
        self._patch(hooks, "hook_request_from_json", self._timed("validate", hooks.hook_request_from_json))
        self._patch(hooks, "jsonify", self._timed("encode", hooks.jsonify))
        issued = self.state.issued
        self._patch(issued, "submit", self._timed("store", issued.submit))
        store = self.state.feedback_store
        self._patch(store, "record_issued_calls", self._timed_background(store.record_issued_calls))
        observe = self.metrics.observe_stages

        def observe_stages(timings):
            for key in SERVICE_STAGES:
                if key in timings:
                    self.current[key] = float(timings[key])
            return observe(timings)

        self._patch(self.metrics, "observe_stages", observe_stages)
        return self

    def uninstall(self) -> None:
        while self._undo:
            self._undo.pop()()


# ---------------------------------------------------------------------- measurement


@dataclass
class SizeResult:
    workload: Workload
    samples: dict[str, list[float]] = field(default_factory=dict)
    floor: dict[str, list[float]] = field(default_factory=dict)
    reference: dict[str, list[float]] = field(default_factory=dict)
    background: list[float] = field(default_factory=list)   # record_issued on the issued-card thread
    status: int = 0
    cards: list[dict] = field(default_factory=list)


def _check_response(response) -> list[dict]:
    if response.status_code != 200:
        raise RuntimeError(f"hook call answered {response.status_code}: {response.get_data(as_text=True)[:300]}")
    payload = response.get_json()
    cards = payload.get("cards") if isinstance(payload, dict) else None
    if not isinstance(cards, list) or not cards:
        raise RuntimeError(f"hook call answered 200 without cards: {str(payload)[:300]}")
    return cards


def measure_size(app, probe: StageProbe, minter: TokenMinter, workload: Workload, *,
                 repeat: int, warmup: int) -> SizeResult:
    from bench.floor_app import create_floor_app, decode, encode_one_card

    client = app.test_client()
    audience = BASE_URL + workload.path
    result = SizeResult(workload=workload, samples={k: [] for k in (*STAGES, "framework", "total")})
    floor_app = create_floor_app()
    floor_client = floor_app.test_client()
    result.floor = {"decode": [], "encode": [], "total": [], "floor_app_total": []}
    body = workload.body
    try:
        import orjson
    except ImportError:  # pragma: no cover - orjson is a declared dependency
        orjson = None
    result.reference = {"orjson_decode": [], "orjson_encode": [], "stdlib_decode": [], "stdlib_encode_response": []}

    with quiet_stderr():
        for i in range(warmup + repeat):
            timed = i >= warmup
            token = minter.mint(audience)
            headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
            probe.current = {}
            probe.background.clear()
            started = time.perf_counter()
            response = client.post(workload.path, data=body, headers=headers)
            total = time.perf_counter() - started
            probe.state.issued.flush()       # the background write, outside the timed region
            cards = _check_response(response)
            if not timed:
                result.status, result.cards = response.status_code, cards
                continue
            stages = dict(probe.current)
            missing = [k for k in STAGES if k not in stages]
            if missing:
                raise RuntimeError(f"stage(s) not seen in the hook call: {missing} (has the view changed?)")
            for key in STAGES:
                result.samples[key].append(stages[key])
            result.background.extend(probe.background)
            result.samples["framework"].append(max(0.0, total - sum(stages[k] for k in STAGES)))
            result.samples["total"].append(total)

            # the floor, interleaved with the service so both see the same machine load
            t0 = time.perf_counter()
            decode(body)
            t1 = time.perf_counter()
            encode_one_card()
            t2 = time.perf_counter()
            result.floor["decode"].append(t1 - t0)
            result.floor["encode"].append(t2 - t1)
            result.floor["total"].append(t2 - t0)
            t0 = time.perf_counter()
            floor_response = floor_client.post(HOOK_PATH, data=body, headers=headers)
            result.floor["floor_app_total"].append(time.perf_counter() - t0)
            if floor_response.status_code != 200:
                raise RuntimeError(f"floor app answered {floor_response.status_code}")

            # references: the same work with orjson, the service's response with stdlib json
            response_obj = {"cards": cards}
            t0 = time.perf_counter()
            json.loads(body)
            t1 = time.perf_counter()
            json.dumps(response_obj)
            t2 = time.perf_counter()
            result.reference["stdlib_decode"].append(t1 - t0)
            result.reference["stdlib_encode_response"].append(t2 - t1)
            if orjson is not None:
                t0 = time.perf_counter()
                orjson.loads(body)
                t1 = time.perf_counter()
                orjson.dumps(response_obj)
                t2 = time.perf_counter()
                result.reference["orjson_decode"].append(t1 - t0)
                result.reference["orjson_encode"].append(t2 - t1)
    result.status = response.status_code
    result.cards = cards
    return result


def decode_anatomy(body: bytes, repeat: int) -> dict[str, dict]:
    """Where ``load_json`` spends its time: UTF-8 decode, depth pre-scan, strict parse vs plain parse."""
    from service.protocol import request as hr

    text = body.decode("utf-8")
    parts: dict[str, Callable[[], Any]] = {
        "load_json (service, strict)": lambda: hr.load_json(body),
        "bytes.decode utf-8": lambda: body.decode("utf-8"),
        "json.loads(bytes) plain": lambda: json.loads(body),
    }
    if hasattr(hr, "_too_deep"):
        parts["_too_deep pre-scan"] = lambda: hr._too_deep(text)
    if hasattr(hr, "_no_duplicates"):
        parts["json.loads + object_pairs_hook"] = lambda: json.loads(
            text, object_pairs_hook=hr._no_duplicates, parse_constant=hr._no_constant)
    try:
        import orjson

        parts["orjson.loads"] = lambda: orjson.loads(body)
        prefix, suffix = getattr(hr, "_PREFIX", None), getattr(hr, "_SUFFIX", None)
        if isinstance(prefix, bytes) and isinstance(suffix, bytes):
            parts[f"orjson.loads inside the {len(prefix)} wrapper arrays"] = lambda: orjson.loads(prefix + body + suffix)
        if hasattr(hr, "_pairs_dropped"):
            value = orjson.loads(body)
            parts["_pairs_dropped (re-encode + count)"] = lambda: hr._pairs_dropped(body, value)
    except ImportError:  # pragma: no cover
        pass
    out: dict[str, dict] = {}
    for name, fn in parts.items():
        fn()
        samples = []
        for _ in range(repeat):
            t0 = time.perf_counter()
            fn()
            samples.append(time.perf_counter() - t0)
        out[name] = summary_ms(samples)
    return out


def run(*, quick: bool = False, repeat: int | None = None, sizes: dict[str, int] | None = None,
        log: Callable[[str], None] = print) -> dict:
    """Run the in-process part; return its result section (JSON-ready)."""
    sizes = dict(sizes or SIZES)
    repeats = QUICK_REPEAT if quick else FULL_REPEAT
    warmups = QUICK_WARMUP if quick else FULL_WARMUP
    results: dict[str, Any] = {"sizes": {}, "method": __doc__.strip().split("\n\n")[0]}
    with tempfile.TemporaryDirectory(prefix="netcds-bench-inproc-") as tmp:
        workdir = Path(tmp)
        minter = TokenMinter(workdir / "state")
        app = build_app(workdir, minter)
        probe = StageProbe(app).install()
        try:
            per_size: dict[str, SizeResult] = {}
            for name, n in sizes.items():
                workload = build_workload(name, n)
                r = repeat if repeat is not None else repeats.get(name, 20)
                w = min(warmups.get(name, 2), max(1, r)) if repeat is None else 1
                log(f"in-process: {name} ({n} resources, {workload.kib:.0f} KiB): {w} warm-up + {r} calls")
                gc.collect()
                per_size[name] = measure_size(app, probe, minter, workload, repeat=r, warmup=w)
            if "typical" in sizes:
                # an order-sign call on the typical patient with one draft, beside patient-view's (issue 16)
                workload = build_order_workload("order-sign", "typical")
                r = repeat if repeat is not None else repeats.get("typical", 20)
                w = min(warmups.get("typical", 2), max(1, r)) if repeat is None else 1
                log(f"in-process: order-sign on the typical patient ({workload.kib:.0f} KiB): {w} warm-up + {r} calls")
                gc.collect()
                per_size["order-sign"] = measure_size(app, probe, minter, workload, repeat=r, warmup=w)
        finally:
            probe.uninstall()
    for name, res in per_size.items():
        results["sizes"][name] = _size_section(res)
    typical = per_size.get("typical") or next(iter(per_size.values()))
    anatomy_repeat = 5 if quick or repeat is not None else 30
    results["decode_anatomy"] = {"size": typical.workload.name,
                                 "parts": decode_anatomy(typical.workload.body, anatomy_repeat)}
    results["growth"] = _growth(results["sizes"])
    return results


def _size_section(res: SizeResult) -> dict:
    wl = res.workload
    stages = {k: summary_ms(v) for k, v in res.samples.items()}
    floor = {k: summary_ms(v) for k, v in res.floor.items()}
    total_median = stages["total"]["median_ms"]
    floor_median = floor["total"]["median_ms"]
    return {
        "resources": wl.resources,
        "body_bytes": len(wl.body),
        "status": res.status,
        "card_count": len(res.cards),
        "card_summaries": [c.get("summary") for c in res.cards],
        "stages": stages,
        "floor": floor,
        "reference": {k: summary_ms(v) for k, v in res.reference.items() if v},
        "store_background": summary_ms(res.background) if res.background else None,
        "ratio_to_floor": round(total_median / floor_median, 1) if floor_median else None,
        "ratio_to_floor_app": round(total_median / floor["floor_app_total"]["median_ms"], 1)
        if floor["floor_app_total"]["median_ms"] else None,
        "per_resource_us": round(total_median * 1000 / wl.resources, 2),
        "floor_per_resource_us": round(floor_median * 1000 / wl.resources, 2),
    }


def _growth(sizes: dict[str, dict]) -> dict:
    """Linear growth check: per-resource cost of the large patient vs the typical one."""
    if "typical" not in sizes or "large" not in sizes:
        return {}
    t, l = sizes["typical"], sizes["large"]
    dn = l["resources"] - t["resources"]
    out = {
        "per_resource_ratio_large_vs_typical": round(l["per_resource_us"] / t["per_resource_us"], 2),
        "marginal_us_per_resource": round((l["stages"]["total"]["median_ms"] - t["stages"]["total"]["median_ms"])
                                          * 1000 / dn, 2),
        "stage_marginal_us_per_resource": {
            k: round((l["stages"][k]["median_ms"] - t["stages"][k]["median_ms"]) * 1000 / dn, 3)
            for k in (*STAGES, "framework")
        },
        "floor_marginal_us_per_resource": round(
            (l["floor"]["total"]["median_ms"] - t["floor"]["total"]["median_ms"]) * 1000 / dn, 3),
    }
    return out
