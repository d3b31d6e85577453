"""Helpers for the data-stage tests: a hook request stand-in, FHIR builders, a fault server."""
from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

PATIENT = "pat-1"
OTHER = "pat-2"
TOKEN = "tok-SECRET-not-for-others"


@dataclass
class Req:
    """Stands in for ``service.protocol.request.HookRequest`` (the attributes the data stage reads)."""

    patient_id: str = PATIENT
    user_id: str = "Practitioner/dr-1"
    hook_instance: str = "d1577c69-dfbe-44ad-ba6d-3e05e953b2ea"
    fhir_server: str | None = None
    fhir_authorization: dict | None = None
    prefetch: dict = field(default_factory=dict)
    context: dict = field(default_factory=dict)


def patient(pid: str = PATIENT) -> dict:
    return {"resourceType": "Patient", "id": pid, "gender": "female", "birthDate": "1961-04-02"}


def condition(cid: str, pid: str = PATIENT) -> dict:
    return {"resourceType": "Condition", "id": cid, "subject": {"reference": f"Patient/{pid}"},
            "code": {"coding": [{"system": "http://hl7.org/fhir/sid/icd-10-cm", "code": "C7A.012"}]}}


def observation(oid: str, pid: str = PATIENT) -> dict:
    return {"resourceType": "Observation", "id": oid, "status": "final",
            "subject": {"reference": f"Patient/{pid}"},
            "code": {"coding": [{"system": "http://loinc.org", "code": "29593-1"}]},
            "valueQuantity": {"value": 12, "unit": "%"}}


def resource_of(rtype: str, rid: str, pid: str = PATIENT) -> dict:
    return {"resourceType": rtype, "id": rid, "status": "active", "subject": {"reference": f"Patient/{pid}"}}


def searchset(*resources: dict, next_url: str | None = None, outcomes: int = 0, mode: str | None = "match") -> dict:
    entries: list[dict] = []
    for r in resources:
        entry: dict[str, Any] = {"resource": r}
        if mode is not None:
            entry["search"] = {"mode": mode}
        entries.append(entry)
    for _ in range(outcomes):
        entries.append({"resource": operation_outcome(), "search": {"mode": "outcome"}})
    bundle: dict[str, Any] = {"resourceType": "Bundle", "type": "searchset", "total": len(resources)}
    if entries:
        bundle["entry"] = entries
    if next_url:
        bundle["link"] = [{"relation": "self", "url": "x"}, {"relation": "next", "url": next_url}]
    return bundle


def operation_outcome() -> dict:
    return {"resourceType": "OperationOutcome",
            "issue": [{"severity": "error", "code": "exception", "diagnostics": "client could not read"}]}


def ids(record, rtype: str | None = None) -> set[str]:
    return {r["id"] for r in record.resources if rtype is None or r["resourceType"] == rtype}


# --------------------------------------------------------------------------- fault server


Behaviour = Callable[["FaultHandler"], None]


class FaultHandler(BaseHTTPRequestHandler):
    server: "_Server"
    protocol_version = "HTTP/1.1"

    def log_message(self, *args) -> None:   # quiet
        pass

    def do_GET(self) -> None:   # noqa: N802
        owner = self.server.owner
        owner.seen.append((self.path, self.headers.get("Authorization")))
        path = self.path.split("?", 1)[0]
        rest = path[len(owner.base_path):].lstrip("/") if path.startswith(owner.base_path) else path
        rtype = rest.split("/", 1)[0]
        behaviour = owner.routes.get(self.path) or owner.routes.get(rtype) or owner.default
        try:
            behaviour(self)
        except (BrokenPipeError, ConnectionResetError):
            pass

    # -- building blocks for behaviours
    def send_json(self, body: object, status: int = 200, ctype: str = "application/fhir+json") -> None:
        data = json.dumps(body).encode() if not isinstance(body, bytes) else body
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    owner: "FaultServer"


class FaultServer:
    """A tiny FHIR-ish server on 127.0.0.1 whose answers each test chooses per resource type."""

    def __init__(self, base_path: str = "/fhir", host: str = "127.0.0.1", port: int = 0):
        self.base_path = base_path
        self.routes: dict[str, Behaviour] = {}
        self.default: Behaviour = lambda h: h.send_json({"resourceType": "OperationOutcome"}, 404)
        self.seen: list[tuple[str, str | None]] = []
        self.stopping = threading.Event()
        self._httpd = _Server((host, port), FaultHandler)
        self._httpd.owner = self
        self._thread = threading.Thread(target=self._httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)

    @property
    def origin(self) -> str:
        return f"http://{self._httpd.server_address[0]}:{self._httpd.server_address[1]}"

    @property
    def port(self) -> int:
        return self._httpd.server_address[1]

    @property
    def base_url(self) -> str:
        return self.origin + self.base_path

    def start(self) -> "FaultServer":
        self._thread.start()
        return self

    def stop(self) -> None:
        self.stopping.set()
        self._httpd.shutdown()
        self._httpd.server_close()
        self._thread.join(5)

    def sleep(self, seconds: float) -> None:
        self.stopping.wait(seconds)

    # -- common behaviours
    def ok(self, body: dict) -> Behaviour:
        return lambda h: h.send_json(body)

    def status(self, code: int, body: object | None = None) -> Behaviour:
        return lambda h: h.send_json(body if body is not None else {"resourceType": "OperationOutcome"}, code)

    def hang(self, seconds: float = 5.0) -> Behaviour:
        def run(h: FaultHandler) -> None:
            self.sleep(seconds)
            if not self.stopping.is_set():
                h.send_json(searchset())
        return run

    def drip(self, interval: float = 0.05, total: int = 10_000) -> Behaviour:
        """Headers at once, then one byte every ``interval`` seconds (each read is quick)."""
        def run(h: FaultHandler) -> None:
            h.send_response(200)
            h.send_header("Content-Type", "application/fhir+json")
            h.send_header("Content-Length", str(total))
            h.end_headers()
            h.wfile.write(b"{")
            h.wfile.flush()
            for _ in range(total - 1):
                if self.stopping.wait(interval):
                    return
                h.wfile.write(b" ")
                h.wfile.flush()
        return run

    def redirect(self, location: str, code: int = 302) -> Behaviour:
        def run(h: FaultHandler) -> None:
            h.send_response(code)
            h.send_header("Location", location)
            h.send_header("Content-Length", "0")
            h.end_headers()
        return run

    def raw(self, data: bytes, ctype: str = "application/fhir+json") -> Behaviour:
        return lambda h: h.send_json(data, 200, ctype)


def elapsed(fn: Callable[[], Any]) -> tuple[Any, float, BaseException | None]:
    start = time.monotonic()
    try:
        result, error = fn(), None
    except BaseException as exc:   # noqa: BLE001 - the test inspects it
        result, error = None, exc
    return result, time.monotonic() - start, error


def healthy_ehr() -> "FaultServer":
    """A started fault server that answers like a working EHR: the patient, one condition, and empty
    searches for every other category (tests then replace one route with a fault)."""
    server = FaultServer().start()
    server.routes["Patient"] = server.ok(patient())
    server.routes["Condition"] = server.ok(searchset(condition("c1")))
    for rtype in ("Observation", "MedicationRequest", "MedicationStatement", "MedicationAdministration", "Procedure",
                  "DiagnosticReport"):
        server.routes[rtype] = server.ok(searchset())
    return server
