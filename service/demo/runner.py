"""``python -m service demo``: the service and a real FHIR server with the fixture patients, locally.

1. installs SEKMET into ``.netcds/sekmet-venv`` if missing (one-time, from the package index);
2. starts SEKMET on 127.0.0.1 with every ``fhir_fixtures/bundles/*.json`` loaded; it accepts calls
   with or without its bearer token, because the CDS Hooks Sandbox reads it from the browser
   without one;
3. writes ``.netcds/dev-issuers.json`` (``service.demo.issuer.write_dev_issuers``: the Sandbox's
   public key and the local demo issuer; development only);
4. starts the service (``python -m service serve``: gunicorn) with that FHIR server allowlisted,
   http and anonymous FHIR callbacks allowed (development only) and CORS open to the Sandbox
   and localhost;
5. prints how to call it with curl, open SEKMET's console, and point the public Sandbox at it.

Ctrl-C stops both. Everything listens on 127.0.0.1 only.
"""
from __future__ import annotations

import argparse
import json
import os
import shlex
import signal
import subprocess
import sys
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlencode

import requests

from service.demo.fhir_server import (
    PROJECT_ROOT, STATE_DIR, SekmetError, SekmetServer, bundle_patient_ids, ensure_sekmet, fixture_bundles,
    start_with_fixtures,
)

SANDBOX = "https://sandbox.cds-hooks.org"
SERVICE_ID = "net-treatment"
ISSUERS_FILE = STATE_DIR / "dev-issuers.json"
HOOK_REQUEST_FILE = STATE_DIR / "demo-hook-request.json"
DEFAULT_PATIENT = "net-01"


class DemoError(RuntimeError):
    """The demo could not be started."""


@dataclass(frozen=True, slots=True)
class DemoUrls:
    service: str          # http://127.0.0.1:PORT
    fhir: str             # SEKMET base, http://127.0.0.1:PORT/fhir
    console: str          # SEKMET web console

    @property
    def discovery(self) -> str:
        return f"{self.service}/cds-services"

    @property
    def hook(self) -> str:
        return f"{self.discovery}/{SERVICE_ID}"


def service_environment(urls: DemoUrls, *, port: int, issuers_file: Path,
                        base: Mapping[str, str] | None = None) -> dict[str, str]:
    """The environment of the demo service: the inherited one plus the demo's NETCDS_* settings."""
    env = dict(os.environ if base is None else base)
    env.update({
        "NETCDS_HOST": "127.0.0.1",
        "NETCDS_PORT": str(port),
        "NETCDS_PUBLIC_BASE_URL": urls.service,
        "NETCDS_TRUSTED_ISSUERS": str(issuers_file),
        "NETCDS_ALLOWED_FHIR_SERVERS": urls.fhir,
        "NETCDS_ALLOW_HTTP_FHIR": "true",
        "NETCDS_ALLOW_ANONYMOUS_FHIR": "true",
        "NETCDS_CORS_ORIGINS": ",".join([SANDBOX, urls.service, f"http://localhost:{port}"]),
    })
    env.setdefault("NETCDS_WORKERS", "1")
    return env


def demo_hook_request(urls: DemoUrls, patient_id: str, fhir_token: str) -> dict:
    """A patient-view call with NO prefetch: the service must read everything from fhirServer."""
    return {
        "hook": "patient-view",
        "hookInstance": "7b0c6c8e-5f0e-4a49-9d57-1f3b3c0d4e01",
        "context": {"userId": "Practitioner/demo-oncologist", "patientId": patient_id},
        "fhirServer": urls.fhir,
        "fhirAuthorization": {"access_token": fhir_token, "token_type": "Bearer", "expires_in": 3600,
                              "scope": "user/*.read", "subject": "net-cds-demo"},
    }


def instructions(urls: DemoUrls, *, patient_id: str, patients: Sequence[str], request_file: Path) -> str:
    token_cmd = f"python -m service demo-token --audience {urls.hook}"
    sandbox_link = f"{SANDBOX}/?" + urlencode({"serviceDiscoveryURL": urls.discovery, "fhirServiceUrl": urls.fhir})
    shown = ", ".join(patients[:12]) + (" ..." if len(patients) > 12 else "")
    rel_request = os.path.relpath(request_file, PROJECT_ROOT)
    return f"""
net-cds demo is running (development settings; nothing here is fit for production).

  CDS service      {urls.discovery}
  FHIR server      {urls.fhir}   (SEKMET, fixture patients: {shown or 'none yet'})
  FHIR console     {urls.console}   (browse the loaded patients)

Call the service from this directory, with no prefetch, so it reads patient {patient_id} from the FHIR server:

  curl -sS -X POST {urls.hook} \\
    -H "Authorization: Bearer $({token_cmd})" \\
    -H "Content-Type: application/json" \\
    --data @{shlex.quote(rel_request)}

  (the body, {rel_request}, is a patient-view request for {patient_id} with fhirServer set and no prefetch;
   change context.patientId to try another fixture patient)

Point the public CDS Hooks Sandbox at it:

  open {sandbox_link}
  or in the Sandbox: gear menu -> "Change FHIR Server" -> {urls.fhir}
                     gear menu -> "Add CDS Services"   -> {urls.discovery}
                     "Change Patient" -> a fixture id, e.g. {patient_id}
  Use 127.0.0.1 exactly as shown: the service checks the JWT audience against {urls.service}.
  The Sandbox runs in your browser and calls both servers from there, so they must be reachable
  from the browser: loopback works when the browser runs on this machine. It signs with its own
  (public) key, which the development issuers file trusts; it sends no FHIR token, so the service
  reads the FHIR server anonymously (allowed in this demo only).

Ctrl-C stops the service and the FHIR server.
"""


def _write_issuers(path: Path) -> None:
    try:
        from service.demo import issuer as auth_demo
    except ImportError as exc:
        raise DemoError(f"service.demo.issuer is not available ({exc})") from None
    writer = getattr(auth_demo, "write_dev_issuers", None)
    if writer is None:
        raise DemoError("service.demo.issuer.write_dev_issuers is missing")
    writer(path, state_dir=STATE_DIR)


def _wait_for_service(process: subprocess.Popen, url: str, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    with requests.Session() as http:
        http.trust_env = False
        while time.monotonic() < deadline:
            if process.poll() is not None:
                raise DemoError(f"the service exited during start-up (exit status {process.returncode})")
            try:
                if http.get(url, timeout=1).status_code < 500:
                    return
            except requests.RequestException:
                pass
            time.sleep(0.2)
    raise DemoError(f"the service did not answer {url} within {timeout:.0f} s")


def _stop_service(process: subprocess.Popen | None) -> None:
    if process is None or process.poll() is not None:
        return
    for sig, wait in ((signal.SIGTERM, 15), (signal.SIGKILL, 5)):
        try:
            process.send_signal(sig)
            process.wait(wait)
            return
        except subprocess.TimeoutExpired:
            continue
        except ProcessLookupError:
            return


def main(argv: Sequence[str] | None = None) -> int:
    args_in = list(sys.argv[1:] if argv is None else argv)
    if args_in[:1] == ["demo"]:
        args_in = args_in[1:]
    parser = argparse.ArgumentParser(prog="python -m service demo",
                                     description="Run the service with a local FHIR server and the fixture patients.")
    parser.add_argument("--port", type=int, default=8080, help="service port (default 8080)")
    parser.add_argument("--fhir-port", type=int, default=None, help="FHIR server port (default: a free one)")
    parser.add_argument("--patient", default=DEFAULT_PATIENT, help=f"patient for the curl example ({DEFAULT_PATIENT})")
    args = parser.parse_args(args_in)

    fhir: SekmetServer | None = None
    service: subprocess.Popen | None = None
    try:
        ensure_sekmet()
        print("Starting the FHIR server (SEKMET) and loading the fixture patients ...", flush=True)
        fhir = start_with_fixtures(open_access=True, port=args.fhir_port)
        urls = DemoUrls(service=f"http://127.0.0.1:{args.port}", fhir=fhir.base_url, console=fhir.console_url)
        _write_issuers(ISSUERS_FILE)
        HOOK_REQUEST_FILE.write_text(json.dumps(demo_hook_request(urls, args.patient, fhir.token), indent=2) + "\n")
        print("Starting the service ...", flush=True)
        service = subprocess.Popen(
            [sys.executable, "-m", "service", "serve"], cwd=PROJECT_ROOT,
            env=service_environment(urls, port=args.port, issuers_file=ISSUERS_FILE),
            stdin=subprocess.DEVNULL, start_new_session=True,
        )
        _wait_for_service(service, urls.discovery)
        print(instructions(urls, patient_id=args.patient, patients=bundle_patient_ids(fixture_bundles()),
                           request_file=HOOK_REQUEST_FILE), flush=True)
        while service.poll() is None and fhir.running:
            time.sleep(0.5)
        print("A demo process exited; stopping.", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("\nStopping ...", flush=True)
        return 0
    except (SekmetError, DemoError) as exc:
        print(f"demo: {exc}", file=sys.stderr)
        return 1
    finally:
        _stop_service(service)
        if fhir is not None:
            fhir.stop()


if __name__ == "__main__":
    raise SystemExit(main())
