"""``python -m service demo``: the service, a real FHIR server with the fixture patients, the CDS Hooks
Sandbox and a patients page, locally.

1. refuses a busy port at once, with a message naming it and the option to change it;
2. installs SEKMET into ``.netcds/sekmet-venv`` if missing (one-time, from the package index);
3. starts SEKMET on 127.0.0.1 with every ``fhir_fixtures/bundles/*.json`` loaded, every date moved
   so that the fixtures' own "today" (``fhir_fixtures/index.json`` ``as_of``) is today: the cards
   do not age. It accepts calls with or without its bearer token, because the CDS Hooks Sandbox
   reads it from the browser without one;
4. writes ``.netcds/dev-issuers.json`` (``service.demo.issuer.write_dev_issuers``: the Sandbox's
   public key and the local demo issuer; development only);
5. starts the service (``python -m service serve``: gunicorn) with the FHIR server allowlisted under
   both its ``127.0.0.1`` and ``localhost`` spellings, http and anonymous FHIR callbacks allowed
   (development only) and CORS open to the public Sandbox, the local one, any
   ``NETCDS_CORS_ORIGINS`` of the environment and every ``--cors-origin``; waits for ``/healthz``;
6. serves, on ``--web-port``, the CDS Hooks Sandbox built from its source when it is available
   (``service.demo.sandbox``) and the ``/demo/`` patients page (``service.demo.page``);
7. prints how to call it with curl, explain a patient, and ready-made Sandbox links.

Ctrl-C (SIGINT) or SIGTERM stops every child and removes the FHIR server's temporary folder.
Everything listens on 127.0.0.1 only.
"""
from __future__ import annotations

import argparse
import json
import os
import shlex
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlencode

import requests

from service.demo.fhir_server import (
    FIXTURE_BUNDLES, PROJECT_ROOT, STATE_DIR, SekmetError, SekmetServer, days_to_today, ensure_sekmet,
    start_with_fixtures,
)
from service.demo.sandbox import HOW_TO_GET, SandboxError, ensure_build, find_source, port_is_free

SANDBOX = "https://sandbox.cds-hooks.org"
SERVICE_ID = "net-treatment"
ISSUERS_FILE = STATE_DIR / "dev-issuers.json"
HOOK_REQUEST_FILE = STATE_DIR / "demo-hook-request.json"
DEMO_HOOKS_DIR = STATE_DIR / "demo-hooks"      # the fixture hook requests, dates moved like the FHIR server's
DEFAULT_PATIENT = "net-04"
DEFAULT_PORT = 8080
DEFAULT_WEB_PORT = 8081
# One patient per pathway, for the printed Sandbox links.
LINK_PATIENTS = (
    ("net-04", "midgut NET progressing on an SSA: PRRT candidate"),
    ("net-12", "progressive pancreatic NET"),
    ("net-07", "refractory carcinoid syndrome"),
    ("net-32", "Ki-67 missing"),
    ("net-05", "hostile text in the record"),
    ("net-39", "no neuroendocrine neoplasm: no cards"),
)


class DemoError(RuntimeError):
    """The demo could not be started."""


class _Stop(Exception):
    """SIGTERM (or SIGINT) arrived: stop everything."""


@dataclass(frozen=True, slots=True)
class DemoUrls:
    service: str          # http://127.0.0.1:PORT
    fhir: str             # SEKMET base, http://127.0.0.1:PORT/fhir
    console: str          # SEKMET web console
    web: str = ""         # the demo's web server (local Sandbox at /, patients page at /demo/)

    @property
    def discovery(self) -> str:
        return f"{self.service}/cds-services"

    @property
    def hook(self) -> str:
        return f"{self.discovery}/{SERVICE_ID}"

    @property
    def fhir_localhost(self) -> str:
        return self.fhir.replace("://127.0.0.1:", "://localhost:", 1)


def _origin_spellings(url: str) -> list[str]:
    """``http://127.0.0.1:P`` and ``http://localhost:P`` (a browser treats them as two origins)."""
    if not url:
        return []
    return [url, url.replace("://127.0.0.1:", "://localhost:", 1)]


def cors_origins(urls: DemoUrls, *, extra: Sequence[str] = (), environ: Mapping[str, str] | None = None) -> list[str]:
    """The demo's browser origins: the public Sandbox, the local one (both spellings), the
    environment's ``NETCDS_CORS_ORIGINS`` and ``extra`` (``--cors-origin``), once each, in that order."""
    env = os.environ if environ is None else environ
    wanted = [SANDBOX, *_origin_spellings(urls.web), *_origin_spellings(urls.service)]
    wanted += [o.strip() for o in env.get("NETCDS_CORS_ORIGINS", "").split(",") if o.strip()]
    wanted += [o.strip().rstrip("/") for o in extra if o.strip()]
    out: list[str] = []
    for origin in wanted:
        if origin not in out:
            out.append(origin)
    return out


def service_environment(urls: DemoUrls, *, port: int, issuers_file: Path,
                        base: Mapping[str, str] | None = None, extra_origins: Sequence[str] = ()) -> dict[str, str]:
    """The environment of the demo service: the inherited one plus the demo's NETCDS_* settings."""
    env = dict(os.environ if base is None else base)
    origins = cors_origins(urls, extra=extra_origins, environ=env)
    env.update({
        "NETCDS_HOST": "127.0.0.1",
        "NETCDS_PORT": str(port),
        "NETCDS_PUBLIC_BASE_URL": urls.service,
        "NETCDS_TRUSTED_ISSUERS": str(issuers_file),
        "NETCDS_ALLOWED_FHIR_SERVERS": ",".join([urls.fhir, urls.fhir_localhost]),
        "NETCDS_ALLOW_HTTP_FHIR": "true",
        "NETCDS_ALLOW_ANONYMOUS_FHIR": "true",
        "NETCDS_CORS_ORIGINS": "*" if "*" in origins else ",".join(origins),
    })
    env.setdefault("NETCDS_WORKERS", "1")
    env.setdefault("NETCDS_LOG_FORMAT", "text")      # a person reads the demo's terminal; NETCDS_LOG_FORMAT=json keeps JSON
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


def write_demo_hooks(shift_days: int, target: Path = DEMO_HOOKS_DIR) -> int:
    """``fhir_fixtures/hooks/*.json`` (full prefetch) with every date moved by ``shift_days`` into ``target``,
    so a curl call with a fixture's prefetch decides today what the fixture decides on its own day."""
    from service.demo.fhir_server import shift_dates

    target.mkdir(parents=True, exist_ok=True)
    count = 0
    for source in sorted((FIXTURE_BUNDLES.parent / "hooks").glob("*.json")):
        body = shift_dates(json.loads(source.read_text(encoding="utf-8")), shift_days)
        (target / source.name).write_text(json.dumps(body, indent=1) + "\n", encoding="utf-8")
        count += 1
    return count


def sandbox_link(base: str, urls: DemoUrls, patient_id: str | None = None) -> str:
    """A Sandbox URL that opens on the demo's FHIR server, with the demo service and (optionally) a patient."""
    params = {"fhirServiceUrl": urls.fhir, "serviceDiscoveryURL": urls.discovery}
    if patient_id:
        params["patientId"] = patient_id
    return f"{base.rstrip('/')}/?{urlencode(params)}"


def python_command() -> str:
    """How to run this interpreter from the repository root, as printed commands spell it."""
    exe = Path(sys.executable)
    try:
        rel = exe.relative_to(PROJECT_ROOT)
    except ValueError:
        # A venv's python is often a symlink out of the repository: the venv path is what works.
        venv = os.environ.get("VIRTUAL_ENV") or sys.prefix
        candidate = Path(venv) / "bin" / "python"
        try:
            rel = candidate.relative_to(PROJECT_ROOT)
        except ValueError:
            return shlex.quote(str(exe))
    return shlex.quote(str(rel))


def instructions(urls: DemoUrls, *, patient_id: str, patients: Sequence[str], request_file: Path,
                 python: str = "python", local_sandbox: bool = True, shift_days: int = 0) -> str:
    token_cmd = f"{python} -m service demo-token --audience {urls.hook}"
    shown = ", ".join(patients[:12]) + (" ..." if len(patients) > 12 else "")
    rel_request = os.path.relpath(request_file, PROJECT_ROOT)
    links = ["  any patient (pick one in the Sandbox's patient list, or add &patientId=<id>)"]
    if local_sandbox and urls.web:
        links.append(f"    local   {sandbox_link(urls.web, urls)}")
    links.append(f"    public  {sandbox_link(SANDBOX, urls)}")
    for pid, what in LINK_PATIENTS:
        if patients and pid not in patients:
            continue
        links.append(f"  {pid}  {what}")
        if local_sandbox and urls.web:
            links.append(f"    local   {sandbox_link(urls.web, urls, pid)}")
        links.append(f"    public  {sandbox_link(SANDBOX, urls, pid)}")
    local_note = (f"  The local Sandbox ({urls.web}/) is built from its source and served by this demo."
                  if local_sandbox and urls.web else
                  "  No local Sandbox here (see above): the public Sandbox links work from this machine's browser.")
    page = f"  Patients page     {urls.web}/demo/   (every fixture patient: cards as an EHR shows them + explain)\n" \
        if urls.web else ""
    dates = (f"  Fixture dates are moved {shift_days:+d} days so that their 'today' is today.\n" if shift_days else "")
    return f"""
net-cds demo is running (development settings; nothing here is fit for production).

  CDS service       {urls.discovery}
  FHIR server       {urls.fhir}   (SEKMET, fixture patients: {shown or 'none yet'})
  FHIR console      {urls.console}   (browse the loaded patients)
{page}{dates}
Call the service from the repository root, with no prefetch, so it reads patient {patient_id} from the FHIR server
(a token is single-use: mint a new one for every call):

  curl -sS -X POST {urls.hook} \\
    -H "Authorization: Bearer $({token_cmd})" \\
    -H "Content-Type: application/json" \\
    --data @{shlex.quote(rel_request)}

  (the body, {rel_request}, is a patient-view request for {patient_id} with fhirServer set and no prefetch;
   change context.patientId to try another fixture patient; or send a fixture's own prefetch, dated like
   the FHIR server's data: --data @{os.path.relpath(DEMO_HOOKS_DIR, PROJECT_ROOT)}/{patient_id}.json)

See what the service saw for a patient (the clinical picture and every rule's verdict):

  {python} -m service explain --patient {patient_id} --fhir-server {urls.fhir}

Open a patient in the CDS Hooks Sandbox (discovery, prefetch from the browser, cards, feedback):

{chr(10).join(links)}
{local_note}
  The public Sandbox page calling this loopback service makes Chrome ask for local-network access
  (a permission prompt): allow it, or use the local Sandbox. Keep 127.0.0.1 in the service URL
  exactly as shown (the JWT audience is {urls.service}); the FHIR server may be spelled either way.
  The Sandbox signs with its own public key (trusted by the development issuers file) and sends no
  FHIR token, so the service reads the FHIR server anonymously (allowed in this demo only).

Ctrl-C stops the service, the FHIR server and the web server.
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


def wait_for_service(process: subprocess.Popen, base_url: str, timeout: float = 60.0) -> None:
    """Wait until ``/healthz`` answers 200 (no authentication involved: no warnings in the log)."""
    url = f"{base_url}/healthz"
    deadline = time.monotonic() + timeout
    with requests.Session() as http:
        http.trust_env = False
        while time.monotonic() < deadline:
            if process.poll() is not None:
                raise DemoError(f"the service exited during start-up (exit status {process.returncode})")
            try:
                if http.get(url, timeout=1).status_code == 200:
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


def check_ports(ports: Mapping[str, int]) -> None:
    """Refuse a busy port before starting anything, naming it and the option that changes it."""
    for option, port in ports.items():
        if port and not port_is_free(port):
            raise DemoError(f"port {port} on 127.0.0.1 is already in use (another demo or service?): "
                            f"stop what listens there, or pick another with {option} N")


def _raise_stop(signum, _frame):
    raise _Stop(signal.Signals(signum).name)


def main(argv: Sequence[str] | None = None) -> int:
    args_in = list(sys.argv[1:] if argv is None else argv)
    if args_in[:1] == ["demo"]:
        args_in = args_in[1:]
    parser = argparse.ArgumentParser(
        prog="python -m service demo",
        description="Run the service with a local FHIR server, the fixture patients, the CDS Hooks Sandbox "
                    "(when its source is available) and a patients page.")
    parser.add_argument("--port", type=int, default=DEFAULT_PORT, help=f"service port (default {DEFAULT_PORT})")
    parser.add_argument("--fhir-port", type=int, default=None, help="FHIR server port (default: a free one)")
    parser.add_argument("--web-port", type=int, default=DEFAULT_WEB_PORT,
                        help=f"port of the local Sandbox and the /demo/ page (default {DEFAULT_WEB_PORT})")
    parser.add_argument("--no-sandbox", action="store_true", help="do not build or serve the local Sandbox")
    parser.add_argument("--cors-origin", action="append", default=[], metavar="ORIGIN",
                        help="another browser origin to allow (repeatable; added to NETCDS_CORS_ORIGINS "
                             "and the demo's own list)")
    parser.add_argument("--patient", default=DEFAULT_PATIENT, help=f"patient for the curl example ({DEFAULT_PATIENT})")
    parser.add_argument("--no-date-shift", action="store_true",
                        help="load the fixtures with their own dates (their cards then age day by day)")
    args = parser.parse_args(args_in)

    fhir: SekmetServer | None = None
    service: subprocess.Popen | None = None
    web = None
    previous = {sig: signal.signal(sig, _raise_stop) for sig in (signal.SIGTERM, signal.SIGINT)}
    work_dir = Path(tempfile.mkdtemp(prefix="netcds-demo-"))
    try:
        check_ports({"--port": args.port, "--web-port": args.web_port, "--fhir-port": args.fhir_port or 0})
        sandbox_dir = None
        if args.no_sandbox:
            print("No local Sandbox (--no-sandbox).", flush=True)
        else:
            source = find_source()
            if source is None:
                print(f"No local Sandbox: {HOW_TO_GET}.", flush=True)
            else:
                try:
                    sandbox_dir = ensure_build(source, log=lambda m: print(m, flush=True))
                except SandboxError as exc:
                    print(f"No local Sandbox (its build failed): {exc}", file=sys.stderr, flush=True)
        ensure_sekmet(log=lambda m: print(m, flush=True))
        shift = 0 if args.no_date_shift else days_to_today()
        print("Starting the FHIR server (SEKMET) and loading the fixture patients ...", flush=True)
        fhir = start_with_fixtures(open_access=True, port=args.fhir_port, shift_days=shift, work_dir=work_dir)
        web_url = f"http://127.0.0.1:{args.web_port}"
        urls = DemoUrls(service=f"http://127.0.0.1:{args.port}", fhir=fhir.base_url, console=fhir.console_url,
                        web=web_url)
        _write_issuers(ISSUERS_FILE)
        HOOK_REQUEST_FILE.write_text(json.dumps(demo_hook_request(urls, args.patient, fhir.token), indent=2) + "\n")
        write_demo_hooks(shift)
        print("Starting the service ...", flush=True)
        service = subprocess.Popen(
            [sys.executable, "-m", "service", "serve"], cwd=PROJECT_ROOT,
            env=service_environment(urls, port=args.port, issuers_file=ISSUERS_FILE, extra_origins=args.cors_origin),
            stdin=subprocess.DEVNULL, start_new_session=True,
        )
        wait_for_service(service, urls.service)
        web = _start_web(urls, args.web_port, sandbox_dir, fhir)
        from service.demo.fhir_server import bundle_patient_ids, fixture_bundles

        print(instructions(urls, patient_id=args.patient, patients=bundle_patient_ids(fixture_bundles()),
                           request_file=HOOK_REQUEST_FILE, python=python_command(),
                           local_sandbox=sandbox_dir is not None, shift_days=shift), flush=True)
        while service.poll() is None and fhir.running:
            time.sleep(0.5)
        print("A demo process exited; stopping.", file=sys.stderr)
        return 1
    except (KeyboardInterrupt, _Stop):
        print("\nStopping ...", flush=True)
        return 0
    except (SekmetError, DemoError, SandboxError) as exc:
        print(f"demo: {exc}", file=sys.stderr)
        return 1
    finally:
        # Children first, then folders; a second signal during the clean-up is ignored.
        for sig in previous:
            signal.signal(sig, signal.SIG_IGN)
        if web is not None:
            web.stop()
        _stop_service(service)
        if fhir is not None:
            fhir.stop()
        import shutil

        shutil.rmtree(work_dir, ignore_errors=True)
        for sig, handler in previous.items():
            signal.signal(sig, handler)


def _start_web(urls: DemoUrls, port: int, sandbox_dir: Path | None, fhir: SekmetServer):
    from service.demo.issuer import mint_token
    from service.demo.page import DemoWeb, load_patients

    patients = load_patients(FIXTURE_BUNDLES.parent / "index.json")

    def links(patient_id: str) -> dict[str, str]:
        out = {}
        if sandbox_dir is not None:
            out["local Sandbox"] = sandbox_link(urls.web, urls, patient_id)
        out["public Sandbox"] = sandbox_link(SANDBOX, urls, patient_id)
        return out

    return DemoWeb(port=port, sandbox_dir=sandbox_dir, patients=patients, hook_url=urls.hook, fhir_url=urls.fhir,
                   fhir_token=fhir.token, mint_token=lambda aud: mint_token(aud, state_dir=STATE_DIR),
                   sandbox_links=links).start()


if __name__ == "__main__":
    raise SystemExit(main())
