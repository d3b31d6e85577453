"""What the costliest request of at most ``NETCDS_MAX_BODY_BYTES`` (10 MB by default) costs one worker (issue 15,
finding 2): hostile bodies built to just under the limit, each posted through the real Flask view in-process
(auth off: the signature check is the same for every body), CPU time (``time.process_time``) per call.

    .venv/bin/python -m bench.worst_case [--repeat 3]

Shapes: one 9 MB ``code.text``; one Observation with 80,000 components; one Condition with 600,000 notes; a
Ki-67 ``valueString`` of 9 MB of digits; and the many-resources shapes that stay under the body limit: 4,980
Conditions whose text (as long as fits) names a NEN (each is read), 4,980 Ki-67 Observations with long text values,
4,980 DiagnosticReports with long conclusions. Prints the best and worst CPU seconds per shape (JSON).
"""
from __future__ import annotations

import argparse
import copy
import json
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

LIMIT = 10_000_000          # service.config: max_body_bytes default
MAX_RESOURCES = 4_980       # under NETCDS_MAX_PREFETCH_RESOURCES (5,000) with the fixture's own resources


def _base() -> dict:
    from tests.plugins.app import fixture_hook_request
    return fixture_hook_request("net-05")


def _fill(body: dict, key: str, make, count: int) -> dict:
    body["prefetch"][key] = {"resourceType": "Bundle", "type": "searchset",
                             "entry": [{"resource": make(i)} for i in range(count)]}
    return body


def shapes() -> dict[str, dict]:
    base = _base()
    out: dict[str, dict] = {}
    room = LIMIT - len(json.dumps(base)) - 1_000

    body = copy.deepcopy(base)
    body["prefetch"]["conditions"]["entry"][0]["resource"]["code"]["text"] = "neuroendocrine tumour " + "x" * room
    out["one 9 MB code.text"] = body

    body = copy.deepcopy(base)
    ki = next(e["resource"] for e in body["prefetch"]["observations"]["entry"] if e["resource"]["id"] == "net-05-ki67")
    ki.pop("valueQuantity")
    ki["valueString"] = "1" * room + " %"
    out["Ki-67 valueString of 9 MB of digits"] = body

    body = copy.deepcopy(base)
    component = {"code": {"coding": [{"system": "http://loinc.org", "code": "29593-1"}]},
                 "valueQuantity": {"value": 5, "unit": "%", "code": "%"}}
    n = room // (len(json.dumps(component)) + 2)
    panel = {"resourceType": "Observation", "id": "panel", "status": "final",
             "code": {"coding": [{"system": "http://example.org/panel", "code": "synoptic"}]},
             "subject": {"reference": "Patient/net-05"}, "effectiveDateTime": "2026-10-01",
             "component": [component] * n}
    body["prefetch"]["observations"]["entry"].append({"resource": panel})
    out[f"Observation with {n:,} components"] = body

    body = copy.deepcopy(base)
    n = room // len(json.dumps({"text": "n"}) + ", ")
    body["prefetch"]["conditions"]["entry"][0]["resource"]["note"] = [{"text": "n"}] * n
    out[f"Condition with {n:,} notes"] = body

    body = copy.deepcopy(base)
    n = room // len(json.dumps({"system": "http://snomed.info/sct", "code": "1"}) + ", ")
    body["prefetch"]["conditions"]["entry"][0]["resource"]["code"]["coding"] = \
        [{"system": "http://snomed.info/sct", "code": "1"}] * n
    out[f"Condition code with {n:,} codings"] = body

    template = base["prefetch"]["conditions"]["entry"][0]["resource"]
    words = ("well differentiated neuroendocrine tumour of the ileum with liver metastases, family history of "
             "carcinoid, octreotide ")

    def conditions(text_len: int) -> dict:
        text = (words * (text_len // len(words) + 1))[:text_len]

        def condition(i: int) -> dict:
            r = copy.deepcopy(template)
            r["id"] = f"c{i}"
            r["code"] = {"text": text}
            r.pop("note", None)
            return r
        return _fill(copy.deepcopy(base), "conditions", condition, MAX_RESOURCES)

    def ki67s(text_len: int) -> dict:
        def ki67(i: int) -> dict:
            r = copy.deepcopy(ki)
            r["id"] = f"k{i}"
            r["effectiveDateTime"] = f"20{10 + i % 16:02d}-0{1 + i % 9}-1{i % 10}"
            r["valueString"] = ("Ki-67 " + "1 2 - 3 x " * (text_len // 10))[:text_len] + " 5 %"
            return r
        body = copy.deepcopy(base)
        body["prefetch"]["observations"]["entry"] = [
            e for e in body["prefetch"]["observations"]["entry"] if e["resource"]["id"] != "net-05-ki67"]
        body["prefetch"]["observations"]["entry"] += [{"resource": ki67(i)} for i in range(MAX_RESOURCES)]
        return body

    sentence = ("Well-differentiated neuroendocrine tumour, Ki-67 12 % in hot spots, mitoses 3 per 2 mm2, "
                "no necrosis. Ga-68 DOTATATE avid liver lesions, uptake higher than liver. ")

    def reports(text_len: int) -> dict:
        conclusion = (sentence * (text_len // len(sentence) + 1))[:text_len]

        def report(i: int) -> dict:
            return {"resourceType": "DiagnosticReport", "id": f"r{i}", "status": "final",
                    "category": [{"coding": [{"system": "http://terminology.hl7.org/CodeSystem/v2-0074",
                                              "code": "SP"}]}],
                    "code": {"coding": [{"system": "http://loinc.org", "code": "11526-1"}]},
                    "subject": {"reference": "Patient/net-05"},
                    "effectiveDateTime": f"2026-{1 + i % 9:02d}-1{i % 10}", "conclusion": conclusion}
        return _fill(copy.deepcopy(base), "diagnosticReports", report, MAX_RESOURCES)

    for label, build in (("Conditions with {}-character NEN text", conditions),
                         ("Ki-67 Observations with {}-character text", ki67s),
                         ("DiagnosticReports with {}-character conclusions", reports)):
        text_len, body = _fit(build)
        out[f"{MAX_RESOURCES:,} " + label.format(f"{text_len:,}")] = body
    return out


def _fit(build) -> tuple[int, dict]:
    """The longest text per resource (and its body) that keeps the body under LIMIT."""
    text_len = LIMIT // MAX_RESOURCES
    while True:
        body = build(text_len)
        size = len(json.dumps(body))
        if size <= LIMIT - 2_000:
            return text_len, body
        text_len -= (size - LIMIT + 2_000) // MAX_RESOURCES + 1


def measure(repeat: int = 3) -> dict:
    from service.app import create_app
    from bench.inprocess import clean_netcds_env, quiet_stderr
    from bench.workload import FIXED_NOW, HOOK_PATH

    with tempfile.TemporaryDirectory() as tmp:
        overrides = {"NETCDS_AUTH_DISABLED": "true", "NETCDS_DATABASE_URL": f"sqlite:///{Path(tmp) / 'f.sqlite3'}",
                     "NETCDS_LOG_LEVEL": "WARNING"}
        with clean_netcds_env(), quiet_stderr():
            app = create_app(overrides, clock=lambda: FIXED_NOW)
        client = app.test_client()
        client.post(HOOK_PATH, data=json.dumps(_base()), content_type="application/json")   # warm up
        out = {}
        for name, body in shapes().items():
            data = json.dumps(body).encode()
            cpu, wall, status = [], [], None
            for _ in range(repeat):
                c0, w0 = time.process_time(), time.perf_counter()
                response = client.post(HOOK_PATH, data=data, content_type="application/json")
                cpu.append(time.process_time() - c0)
                wall.append(time.perf_counter() - w0)
                status = response.status_code
            out[name] = {"bytes": len(data), "status": status, "cpu_s_best": round(min(cpu), 3),
                         "cpu_s_worst": round(max(cpu), 3), "wall_s_best": round(min(wall), 3)}
            print(name, out[name], file=sys.stderr, flush=True)
    return out


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3)
    print(json.dumps(measure(parser.parse_args().repeat), indent=2))
