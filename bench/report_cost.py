"""What reading reports costs a hook call in-process: the typical patient (300 resources) with and without its
ten DiagnosticReports, through ``service.pipeline.advise`` (data already gathered: picture, rules, cards).

    .venv/bin/python -m bench.report_cost

Prints the median and best per-call time of both and the difference (issue 13: at most 2 ms). A report is read
once per content (``service.picture.reports.read``: a per-worker cache of what a text says, keyed by its digest),
so repeated calls of one patient pay the reading once; "first reading" clears that cache before every call (what
the first call of a patient pays). "direct" times ``service.picture.reports.read.read`` alone on the typical
patient's ten reports (as the picture selects them), cold: the cache cleared before each call; best and median of
``direct_repeat`` calls, wall clock and this thread's CPU time (the figure to compare across branches on a shared
machine: it does not move with the rest of the call).

    .venv/bin/python -m bench.report_cost --direct      # only the direct figure
"""
from __future__ import annotations

import json
import statistics
import sys
import time
import uuid
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))


def _record(hook: dict):
    from service.data.records import PatientRecord
    resources = [hook["prefetch"]["patient"]]
    for key, value in hook["prefetch"].items():
        if key != "patient":
            resources += [e["resource"] for e in value.get("entry", [])]
    return PatientRecord(hook["context"]["patientId"], tuple(resources))


def direct(repeat: int = 500) -> dict:
    """``read()`` alone, cold, on the typical patient's ten reports: best and median (ms)."""
    from fhir_fixtures.synthetic import large_patient
    from service.data import fhir_adapter
    from service.picture.build import DEFAULT_LOOKBACK_DAYS
    from service.picture.context import Context
    from service.picture.reports import read as reader
    from service.picture.select import select
    from service.picture.terminology import load_terminology

    terminology = load_terminology(ROOT / "cards" / "terminology")
    as_of = date(2026, 11, 22)
    record = _record(large_patient(300, "bench-300", reports=10)[1])
    adapted = select(record.resources, Context(fhir_adapter.AdaptedRecord(), as_of, DEFAULT_LOOKBACK_DAYS, terminology,
                                                frozenset(record.unavailable)))
    reports, results = adapted.reports, adapted.report_results
    found = None
    for _ in range(20):
        reader._SAID_CACHE.clear()
        found = reader.read(reports, results, terminology, as_of)
    wall, cpu = [], []
    for _ in range(repeat):
        reader._SAID_CACHE.clear()
        c0, t0 = time.thread_time(), time.perf_counter()
        reader.read(reports, results, terminology, as_of)
        wall.append((time.perf_counter() - t0) * 1000)
        cpu.append((time.thread_time() - c0) * 1000)
    return {"reports": len(reports), "reports_read": found.reports_read,
            "candidates": sum(len(v) for v in found.candidates.values()), "calls": repeat,
            "best_ms": round(min(wall), 3), "median_ms": round(statistics.median(wall), 3),
            "cpu_best_ms": round(min(cpu), 3), "cpu_median_ms": round(statistics.median(cpu), 3)}


def measure(repeat: int = 200) -> dict:
    from fhir_fixtures.synthetic import large_patient
    from service.pipeline import advise, prepare_knowledge
    from service.picture.terminology import load_terminology

    knowledge = prepare_knowledge(ROOT / "cards")
    terminology = load_terminology(ROOT / "cards" / "terminology")
    as_of = date(2026, 11, 22)
    out = {}
    from service.picture.reports import read as reader

    for name, reports in (("without reports", 0), ("with ten reports", 10), ("with ten reports, first reading", 10)):
        record = _record(large_patient(300, "bench-300", reports=reports)[1])
        cold = name.endswith("first reading")
        for _ in range(10):
            advise(record, as_of=as_of, knowledge=knowledge, terminology=terminology, uuid_factory=lambda: str(uuid.uuid4()))
        times = []
        for _ in range(repeat):
            if cold:
                reader._SAID_CACHE.clear()
            t0 = time.perf_counter()
            cards = advise(record, as_of=as_of, knowledge=knowledge, terminology=terminology,
                           uuid_factory=lambda: str(uuid.uuid4()))
            times.append((time.perf_counter() - t0) * 1000)
        out[name] = {"median_ms": round(statistics.median(times), 3), "best_ms": round(min(times), 3),
                     "cards": len(cards)}
    out["added_ms_median"] = round(out["with ten reports"]["median_ms"] - out["without reports"]["median_ms"], 3)
    out["added_ms_best"] = round(out["with ten reports"]["best_ms"] - out["without reports"]["best_ms"], 3)
    first = out["with ten reports, first reading"]
    out["first_reading_added_ms_median"] = round(first["median_ms"] - out["without reports"]["median_ms"], 3)
    out["first_reading_added_ms_best"] = round(first["best_ms"] - out["without reports"]["best_ms"], 3)
    out["direct"] = direct()
    return out


if __name__ == "__main__":
    print(json.dumps({"direct": direct()} if "--direct" in sys.argv else measure(), indent=2))
