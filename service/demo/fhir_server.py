"""A real FHIR R4 server for the tests and the demo: SEKMET (``sekmet-fhir``), run locally.

- :func:`ensure_sekmet` installs SEKMET into its own virtual environment at
  ``.netcds/sekmet-venv`` when it is missing (it pins its own pydantic/fastapi/fhir.resources,
  so it must not share the service's environment). This is a setup step (``./run tests``, the
  demo, ``python -m service.demo.fhir_server install``); the service never installs anything while it
  serves.
- :class:`SekmetServer` starts it on ``127.0.0.1`` and a free port with a fresh data folder,
  bearer-token auth (or open access for the browser-based Sandbox), strict inbound validation,
  the order simulator off and no traffic log; waits for ``/metadata``; loads transaction
  Bundles (PUT entries with fixed ids: idempotent); and stops it cleanly.
- :func:`fixture_bundles` lists ``fhir_fixtures/bundles/*.json``; :func:`shift_dates` moves every
  date of a resource by a number of days (the demo loads the fixtures shifted so that their
  "today", ``fhir_fixtures.fhir.AS_OF``, is the real today: its cards never age).

Nothing here is imported by the service at run time.
"""
from __future__ import annotations

import argparse
import contextlib
import fcntl
import json
import os
import re
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterable, Sequence
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

import requests

SEKMET_PACKAGE = "sekmet-fhir"
SEKMET_VERSION = "0.1.1"
PROJECT_ROOT = Path(__file__).resolve().parents[2]
STATE_DIR = PROJECT_ROOT / ".netcds"
VENV_DIR = STATE_DIR / "sekmet-venv"
FIXTURE_BUNDLES = PROJECT_ROOT / "fhir_fixtures" / "bundles"
_MARKER = ".netcds-installed"


class SekmetError(RuntimeError):
    """SEKMET could not be installed, started or loaded."""


# --------------------------------------------------------------------------- install


def _bin(venv: Path, name: str) -> Path:
    return venv / ("Scripts" if os.name == "nt" else "bin") / name


def sekmet_executable(venv: Path = VENV_DIR) -> Path | None:
    """The installed ``sekmet`` command, or ``None`` if SEKMET (this version) is not installed.

    ``SEKMET_BIN`` (exported by ``./run``) names an installed command explicitly. A venv made by
    another installer (no marker yet) counts when its ``sekmet_fhir-VERSION.dist-info`` is there.
    """
    explicit = os.environ.get("SEKMET_BIN", "").strip()
    if explicit and venv == VENV_DIR and Path(explicit).is_file() and os.access(explicit, os.X_OK):
        return Path(explicit)
    exe = _bin(venv, "sekmet")
    if not exe.exists():
        return None
    marker = venv / _MARKER
    if marker.exists() and marker.read_text().strip() == SEKMET_VERSION:
        return exe
    if any(venv.glob(f"lib*/python*/site-packages/sekmet_fhir-{SEKMET_VERSION}.dist-info")):
        marker.write_text(SEKMET_VERSION + "\n")
        return exe
    return None


def ensure_sekmet(venv: Path = VENV_DIR, *, python: str = sys.executable, quiet: bool = True,
                  log=print) -> Path:
    """Install SEKMET into ``venv`` if it is not there yet; return the ``sekmet`` command.

    Uses the ordinary package installer against the configured package index (pip honours
    ``PIP_INDEX_URL`` etc.). A lock file keeps two concurrent test sessions from installing at
    once; a marker written last means a half-finished install is redone.
    """
    exe = sekmet_executable(venv)
    if exe is not None:
        return exe
    venv.parent.mkdir(parents=True, exist_ok=True)
    with open(venv.parent / "sekmet-install.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        exe = sekmet_executable(venv)
        if exe is not None:
            return exe
        log(f"Installing {SEKMET_PACKAGE}=={SEKMET_VERSION} into {venv} (one-time setup) ...")
        if venv.exists():
            shutil.rmtree(venv)
        quiet_flag = ["-q"] if quiet else []
        try:
            subprocess.run([python, "-m", "venv", str(venv)], check=True)
            subprocess.run([str(_bin(venv, "python")), "-m", "pip", "install", *quiet_flag,
                            "--disable-pip-version-check", f"{SEKMET_PACKAGE}=={SEKMET_VERSION}"], check=True)
        except (OSError, subprocess.CalledProcessError) as exc:
            raise SekmetError(f"installing {SEKMET_PACKAGE}=={SEKMET_VERSION} failed: {exc}") from None
        if not _bin(venv, "sekmet").exists():
            raise SekmetError("SEKMET installed but its 'sekmet' command is missing")
        (venv / _MARKER).write_text(SEKMET_VERSION + "\n")
        return _bin(venv, "sekmet")


# --------------------------------------------------------------------------- fixtures


def fixture_bundles(directory: Path = FIXTURE_BUNDLES) -> list[Path]:
    """Every transaction Bundle under ``fhir_fixtures/bundles`` (sorted; empty if none yet)."""
    return sorted(directory.glob("*.json")) if directory.is_dir() else []


def bundle_patient_ids(paths: Iterable[Path]) -> list[str]:
    """Patient ids PUT by the given transaction Bundles (for the demo's hints)."""
    out: list[str] = []
    for path in paths:
        for entry in json.loads(path.read_text(encoding="utf-8")).get("entry", []):
            resource = entry.get("resource") or {}
            if resource.get("resourceType") == "Patient" and resource.get("id"):
                out.append(resource["id"])
    return out


# A full FHIR date or dateTime/instant: "2026-11-22", "2026-11-22T09:30:00Z", "...+01:00", "...T09:30:00.123Z".
# Partial dates ("2024", "2024-03") are left as they are: a shift of days does not apply to them.
_FHIR_DATE = re.compile(r"^(\d{4}-\d{2}-\d{2})(T\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:\d{2})?)?$")


def fixtures_as_of() -> date:
    """The date the committed fixtures are written against (``fhir_fixtures/index.json`` ``as_of``)."""
    index = FIXTURE_BUNDLES.parent / "index.json"
    try:
        return date.fromisoformat(json.loads(index.read_text(encoding="utf-8"))["as_of"])
    except (OSError, KeyError, ValueError, TypeError) as exc:
        raise SekmetError(f"cannot read the fixtures' as_of date from {index}: {exc}") from None


def shift_dates(value: Any, days: int) -> Any:
    """A copy of ``value`` (decoded FHIR JSON) with every full date and dateTime moved by ``days``.

    Every interval between two dates of a patient (age, time on a drug, time since progression,
    the next PRRT dose) stays what it was, so the rules decide today what they decided on the
    fixtures' own date. Strings that are not whole dates (ids, codes, text) are untouched.
    """
    if days == 0:
        return value
    if isinstance(value, dict):
        return {key: shift_dates(item, days) for key, item in value.items()}
    if isinstance(value, list):
        return [shift_dates(item, days) for item in value]
    if isinstance(value, str):
        match = _FHIR_DATE.match(value)
        if match is None:
            return value
        try:
            moved = date.fromisoformat(match.group(1)) + timedelta(days=days)
        except (ValueError, OverflowError):
            return value
        return moved.isoformat() + (match.group(2) or "")
    return value


def days_to_today(today: date | None = None) -> int:
    """Days from the fixtures' ``as_of`` to ``today`` (the real one by default)."""
    return ((today or datetime.now().date()) - fixtures_as_of()).days


# --------------------------------------------------------------------------- server


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def settings_yaml(*, port: int, data_dir: Path, token: str, open_access: bool) -> str:
    """SEKMET's settings for a local, loopback-only, deterministic server."""
    auth_types = '["none", "bearer"]' if open_access else '["bearer"]'
    return "\n".join([
        f"base_url: http://127.0.0.1:{port}/fhir",
        "host: 127.0.0.1",
        f"port: {port}",
        f"data_dir: {json.dumps(str(data_dir))}",
        "simulator: {enabled: false}",
        f"server_auth: {{types: {auth_types}, tokens: [{json.dumps(token)}]}}",
        "validation: {inbound: strict}",
        "log_inbound: false",
        "",
    ])


class SekmetServer:
    """One SEKMET process on 127.0.0.1. Use as a context manager, or ``start()``/``stop()``.

    ``open_access=True`` also accepts calls without a token (the CDS Hooks Sandbox reads the FHIR
    server from the browser without one); tests keep the default bearer-only auth.
    """

    def __init__(self, *, executable: Path | None = None, port: int | None = None, token: str | None = None,
                 open_access: bool = False, startup_timeout: float = 60.0, work_dir: Path | None = None):
        self.executable = executable
        self.requested_port = port
        self.port: int | None = None
        self.token = token or secrets.token_urlsafe(24)
        self.open_access = open_access
        self.startup_timeout = startup_timeout
        self._work_parent = work_dir
        self.work_dir: Path | None = None
        self._process: subprocess.Popen | None = None
        self._log = None

    # -- addresses
    @property
    def origin(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def base_url(self) -> str:
        return f"{self.origin}/fhir"

    @property
    def console_url(self) -> str:
        return f"{self.origin}/ui"

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}", "Accept": "application/fhir+json",
                "Content-Type": "application/fhir+json"}

    # -- lifecycle
    def __enter__(self) -> "SekmetServer":
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()

    def start(self) -> "SekmetServer":
        exe = self.executable or sekmet_executable()
        if exe is None:
            raise SekmetError("SEKMET is not installed; run `python -m service.demo.fhir_server install`")
        if self._work_parent is not None:
            self._work_parent.mkdir(parents=True, exist_ok=True)
        attempts = 1 if self.requested_port else 3
        last_error: Exception | None = None
        for _ in range(attempts):
            self.port = self.requested_port or free_port()
            self.work_dir = Path(tempfile.mkdtemp(prefix="sekmet-", dir=self._work_parent))
            config = self.work_dir / "settings.yaml"
            config.write_text(settings_yaml(port=self.port, data_dir=self.work_dir / "data", token=self.token,
                                            open_access=self.open_access))
            self._log = open(self.work_dir / "sekmet.log", "wb")
            self._process = subprocess.Popen(
                [str(exe), "serve", "-c", str(config), "--host", "127.0.0.1", "--port", str(self.port)],
                cwd=self.work_dir, stdin=subprocess.DEVNULL, stdout=self._log, stderr=subprocess.STDOUT,
                start_new_session=True,   # Ctrl-C in a terminal reaches us; we stop SEKMET ourselves
            )
            try:
                self._wait_ready()
                return self
            except SekmetError as exc:
                last_error = exc
                self.stop()
        raise last_error or SekmetError("SEKMET did not start")

    def _wait_ready(self) -> None:
        deadline = time.monotonic() + self.startup_timeout
        with requests.Session() as http:
            http.trust_env = False
            while time.monotonic() < deadline:
                if self._process is None or self._process.poll() is not None:
                    raise SekmetError(f"SEKMET exited during start-up:\n{self.log_tail()}")
                try:
                    if http.get(f"{self.base_url}/metadata", timeout=1).status_code == 200:
                        return
                except requests.RequestException:
                    pass
                time.sleep(0.1)
        raise SekmetError(f"SEKMET did not answer /metadata within {self.startup_timeout:.0f} s:\n{self.log_tail()}")

    def log_tail(self, lines: int = 20) -> str:
        if self.work_dir is None:
            return ""
        try:
            return "\n".join((self.work_dir / "sekmet.log").read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return ""

    @property
    def running(self) -> bool:
        return self._process is not None and self._process.poll() is None

    def stop(self, *, keep_files: bool = False) -> None:
        """Stop SEKMET (SIGINT, then SIGTERM, then SIGKILL) and remove its data folder."""
        process, self._process = self._process, None
        if process is not None and process.poll() is None:
            for sig, wait in ((signal.SIGINT, 10), (signal.SIGTERM, 5), (signal.SIGKILL, 5)):
                with contextlib.suppress(ProcessLookupError):
                    process.send_signal(sig)
                try:
                    process.wait(wait)
                    break
                except subprocess.TimeoutExpired:
                    continue
        if self._log is not None:
            self._log.close()
            self._log = None
        if self.work_dir is not None and not keep_files:
            shutil.rmtree(self.work_dir, ignore_errors=True)
            self.work_dir = None

    # -- data
    def load_bundle(self, bundle: dict, *, session: requests.Session | None = None) -> None:
        """POST one transaction Bundle; every entry must succeed."""
        if bundle.get("resourceType") != "Bundle" or bundle.get("type") != "transaction":
            raise SekmetError("only transaction Bundles are loaded")
        http = session or requests.Session()
        http.trust_env = False
        try:
            response = http.post(self.base_url, data=json.dumps(bundle), headers=self.headers, timeout=60)
        finally:
            if session is None:
                http.close()
        if response.status_code != 200:
            raise SekmetError(f"transaction rejected: HTTP {response.status_code}: {response.text[:2000]}")
        for entry in response.json().get("entry", []):
            status = str((entry.get("response") or {}).get("status", ""))
            if not status.startswith(("200", "201")):
                raise SekmetError(f"transaction entry failed: {status}")

    def load_files(self, paths: Iterable[Path], *, shift_days: int = 0) -> int:
        """Load transaction Bundles from files, every date moved by ``shift_days`` (see :func:`shift_dates`)."""
        count = 0
        with requests.Session() as http:
            for path in paths:
                try:
                    bundle = shift_dates(json.loads(path.read_text(encoding="utf-8")), shift_days)
                    self.load_bundle(bundle, session=http)
                except SekmetError as exc:
                    raise SekmetError(f"{path.name}: {exc}") from None
                count += 1
        return count


def start_with_fixtures(*, extra_bundles: Sequence[dict] = (), open_access: bool = False,
                        port: int | None = None, install: bool = True, shift_days: int = 0,
                        work_dir: Path | None = None) -> SekmetServer:
    """Install if needed, start, and load ``fhir_fixtures/bundles`` (dates moved by ``shift_days``)
    plus ``extra_bundles`` (as given)."""
    exe = ensure_sekmet() if install else sekmet_executable()
    server = SekmetServer(executable=exe, open_access=open_access, port=port, work_dir=work_dir).start()
    try:
        server.load_files(fixture_bundles(), shift_days=shift_days)
        for bundle in extra_bundles:
            server.load_bundle(bundle)
    except BaseException:
        server.stop()
        raise
    return server


# --------------------------------------------------------------------------- CLI


def main(argv: Sequence[str] | None = None) -> int:
    """``python -m service.demo.fhir_server install`` (setup/CI) or ``serve`` (SEKMET alone, with fixtures)."""
    parser = argparse.ArgumentParser(prog="python -m service.demo.fhir_server")
    parser.add_argument("command", choices=["install", "serve"])
    parser.add_argument("--port", type=int, default=None)
    args = parser.parse_args(argv)
    try:
        exe = ensure_sekmet(quiet=False)
    except SekmetError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    if args.command == "install":
        print(f"SEKMET {SEKMET_VERSION} ready: {exe}")
        return 0
    server = start_with_fixtures(port=args.port)
    print(f"SEKMET at {server.base_url} (console {server.console_url}); bearer token: {server.token}")
    print("Ctrl-C to stop.")
    try:
        while server.running:
            time.sleep(0.5)
    except KeyboardInterrupt:
        pass
    finally:
        server.stop()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
