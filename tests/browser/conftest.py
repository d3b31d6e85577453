"""Fixtures of the Sandbox browser test: the built Sandbox, the running demo, a headless Chromium.

Without the Sandbox's source (a newcomer's clone has no ``../shared``), Chromium or npm, the tests
skip with a message saying how to get them; under ``CI`` they fail instead (CI must run them).
"""
from __future__ import annotations

import os
import re
import shutil
import signal
import subprocess
import sys
import time
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Iterator

import pytest

from service.demo.sandbox import HOW_TO_GET, SandboxError, ensure_build, find_source
from tests.browser.harness import (
    CHROMEDRIVER_CANDIDATES, CHROMIUM_CANDIDATES, SandboxBrowser, find_executable,
)

REPO = Path(__file__).resolve().parents[2]
SCREENSHOT_ENV = "NETCDS_SCREENSHOT_DIR"
_SHOTS: list[Path] = []


def _unavailable(message: str) -> None:
    if os.environ.get("CI"):
        pytest.fail(f"CI must run the Sandbox browser test, but {message}", pytrace=False)
    pytest.skip(message)


@pytest.fixture(scope="session")
def sandbox_site() -> Path:
    source = find_source()
    if source is None:
        _unavailable(HOW_TO_GET)
    if shutil.which("npm") is None:
        _unavailable("npm is not installed (Node >= 18 and npm build the Sandbox; Debian: apt-get install npm)")
    try:
        return ensure_build(source, log=lambda m: print(m, file=sys.stderr))
    except SandboxError as exc:
        pytest.fail(f"the Sandbox did not build: {exc}", pytrace=False)


@pytest.fixture(scope="session")
def browser_binaries() -> tuple[str, str]:
    chromium = find_executable("NETCDS_CHROMIUM", CHROMIUM_CANDIDATES)
    driver = find_executable("NETCDS_CHROMEDRIVER", CHROMEDRIVER_CANDIDATES)
    if chromium is None or driver is None:
        _unavailable("Chromium and its driver are not installed (Debian: apt-get install chromium chromium-driver)")
    return chromium, driver


@dataclass
class RunningDemo:
    process: subprocess.Popen
    log_path: Path
    service: str
    fhir: str
    web: str
    database: Path
    output: str

    @property
    def discovery(self) -> str:
        return f"{self.service}/cds-services"

    def local_link(self, patient_id: str) -> str | None:
        """The local Sandbox link the demo printed for ``patient_id`` (None if it printed none)."""
        match = re.search(rf"^\s+local\s+(\S+patientId={re.escape(patient_id)})\s*$", self.output, re.M)
        return match.group(1) if match else None


def _free_port() -> int:
    from service.demo.fhir_server import free_port

    return free_port()


@pytest.fixture(scope="session")
def running_demo(sandbox_site, tmp_path_factory) -> Iterator[RunningDemo]:
    """``python -m service demo`` as a user runs it (its own ports, its own feedback database)."""
    from service.demo.sandbox import ENV_VAR
    from tests.plugins.live_server import LIVE_LOGS

    folder = tmp_path_factory.mktemp("demo")
    database = folder / "feedback.sqlite3"
    port, web_port = _free_port(), _free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("NETCDS_")}
    env.update({"NETCDS_DATABASE_URL": f"sqlite:///{database}", "PYTHONUNBUFFERED": "1", "NETCDS_LOG_FORMAT": "json",
                ENV_VAR: str(find_source())})
    log_path = folder / "demo.log"
    LIVE_LOGS.append(log_path)              # the session's log audit reads it too
    with log_path.open("wb") as log:
        process = subprocess.Popen([sys.executable, "-m", "service", "demo", "--port", str(port),
                                    "--web-port", str(web_port)], cwd=REPO, env=env, stdout=log,
                                   stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, start_new_session=True)
    try:
        deadline = time.monotonic() + 240
        text = ""
        while "Ctrl-C stops" not in text:
            if process.poll() is not None or time.monotonic() > deadline:
                pytest.fail(f"the demo did not start:\n{log_path.read_text(errors='replace')[-3000:]}", pytrace=False)
            time.sleep(0.5)
            text = log_path.read_text(errors="replace")
        service = re.search(r"CDS service\s+(http://\S+)/cds-services", text).group(1)
        fhir = re.search(r"FHIR server\s+(http://\S+/fhir)", text).group(1)
        web = re.search(r"Patients page\s+(http://\S+)/demo/", text).group(1)
        yield RunningDemo(process=process, log_path=log_path, service=service, fhir=fhir, web=web,
                          database=database, output=text)
    finally:
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
            try:
                process.wait(30)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait(10)


@pytest.fixture(scope="session")
def browser(browser_binaries) -> Iterator[SandboxBrowser]:
    chromium, driver = browser_binaries
    instance = SandboxBrowser(chromium=chromium, chromedriver=driver)
    try:
        yield instance
    finally:
        instance.close()


@pytest.fixture(scope="session")
def screenshot_dir() -> Path:
    explicit = os.environ.get(SCREENSHOT_ENV, "").strip()
    stamp = datetime.now(timezone.utc).strftime("%Y%m%dT%H%M%SZ")
    folder = Path(explicit) if explicit else REPO / ".netcds" / "screenshots" / f"sandbox-{stamp}"
    folder.mkdir(parents=True, exist_ok=True)
    _SHOTS.append(folder)
    return folder


def pytest_terminal_summary(terminalreporter) -> None:
    for folder in _SHOTS:
        shots = sorted(p.name for p in folder.glob("*.png"))
        if shots:
            terminalreporter.write_line(f"Sandbox browser test: {len(shots)} screenshots in {folder}")
