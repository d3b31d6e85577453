"""pytest fixtures: a LIVE net-cds (see tests/conftest.py).

``live_server_factory(**env)`` starts the production server, ``python -m service`` (gunicorn,
gthread workers, the real settings path), on a free loopback port, with the test trusted
issuers (``tests/plugins/keys.py``), a throwaway SQLite feedback database and the given
``NETCDS_*`` overrides; it waits for ``/readyz`` and stops the server (SIGTERM, then SIGKILL)
when the test ends. ``live_server`` is one shared instance for the whole session (2 workers).

    def test_x(live_server):
        r = requests.post(live_server.url(HOOK_PATH), json=body,
                          headers=live_server.auth(HOOK_PATH))

``server.auth(path)`` mints a fresh ES384 JWT for ``<public base URL><path>`` (a new ``jti``
each time, so replay protection never trips). The server's stderr (its JSON log lines) goes to
a file that the log audit (``tests/plugins/log_audit.py``) reads at the end of the session.
"""
from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Iterator

import pytest
import requests

from tests.plugins.keys import KID_ES384, TEST_ISS, encode_token

REPO = Path(__file__).resolve().parents[2]
START_TIMEOUT_S = 60.0


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class LiveServer:
    port: int
    env: dict[str, str]
    log_path: Path
    process: subprocess.Popen
    signing_key: Any
    tokens: list[str] = field(default_factory=list)

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def url(self, path: str) -> str:
        return self.base_url + path

    def token(self, path: str, **claims: Any) -> str:
        now = int(time.time())
        payload = {"iss": TEST_ISS, "aud": self.base_url + path, "iat": now, "exp": now + 300,
                   "jti": str(uuid.uuid4()), **claims}
        return encode_token(payload, self.signing_key, alg="ES384", headers={"typ": "JWT", "kid": KID_ES384})

    def auth(self, path: str, **claims: Any) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token(path, **claims)}"}

    # -- process control (workers are the master's children)

    def worker_pids(self) -> list[int]:
        """The gunicorn worker processes (children of the master)."""
        try:
            children = Path(f"/proc/{self.process.pid}/task/{self.process.pid}/children").read_text().split()
        except OSError:
            return []
        return sorted(int(pid) for pid in children)

    def wait_for_workers(self, count: int, *, exclude: set[int] = frozenset(), timeout: float = 30) -> list[int]:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            pids = [p for p in self.worker_pids() if p not in exclude]
            if len(pids) >= count:
                return pids
            time.sleep(0.05)
        raise AssertionError(f"gunicorn did not have {count} workers within {timeout} s: {self.worker_pids()}")

    def alive(self) -> bool:
        return self.process.poll() is None

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=10)

    def log_text(self) -> str:
        try:
            return self.log_path.read_text(encoding="utf-8", errors="replace")
        except OSError:
            return ""


LIVE_LOGS: list[Path] = []
"""Every live server's stderr file, for the log audit."""


def start_live_server(tmp_dir: Path, issuers_file: Path, signing_key: Any, **overrides: str) -> LiveServer:
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("NETCDS_")}
    env.pop("PROMETHEUS_MULTIPROC_DIR", None)
    env.update({
        "NETCDS_HOST": "127.0.0.1",
        "NETCDS_PORT": str(port),
        "NETCDS_PUBLIC_BASE_URL": f"http://127.0.0.1:{port}",
        "NETCDS_TRUSTED_ISSUERS": str(issuers_file),
        "NETCDS_DATABASE_URL": f"sqlite:///{tmp_dir / 'feedback.sqlite3'}",
        "NETCDS_WORKERS": "2",
        "NETCDS_THREADS": "4",
        "NETCDS_LOG_LEVEL": "INFO",
        "PYTHONUNBUFFERED": "1",
        "PYTHONPATH": str(REPO) + os.pathsep + env.get("PYTHONPATH", ""),
    })
    env.update({k: str(v) for k, v in overrides.items()})
    log_path = tmp_dir / f"live-server-{port}.log"
    LIVE_LOGS.append(log_path)
    log_file = log_path.open("wb")
    process = subprocess.Popen([sys.executable, "-m", "service"], cwd=REPO, env=env, stdout=log_file,
                               stderr=subprocess.STDOUT, start_new_session=True)
    log_file.close()
    server = LiveServer(port=port, env=env, log_path=log_path, process=process, signing_key=signing_key)
    deadline = time.monotonic() + START_TIMEOUT_S
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"the live server exited with {process.returncode}:\n{server.log_text()[-3000:]}")
        try:
            if requests.get(server.url("/readyz"), timeout=1).status_code == 200:
                workers = int(env["NETCDS_WORKERS"])
                server.wait_for_workers(workers)
                return server
        except requests.RequestException:
            pass
        time.sleep(0.1)
    server.stop()
    raise RuntimeError(f"the live server did not become ready in {START_TIMEOUT_S} s:\n{server.log_text()[-3000:]}")


@pytest.fixture(scope="session")
def live_server(tmp_path_factory, issuers_file, es384_key) -> Iterator[LiveServer]:
    """One production server (2 gthread workers) for the session."""
    server = start_live_server(tmp_path_factory.mktemp("live"), issuers_file, es384_key)
    yield server
    server.stop()


@pytest.fixture
def live_server_factory(tmp_path_factory, issuers_file, es384_key) -> Iterator[Callable[..., LiveServer]]:
    """``live_server_factory(NETCDS_X="...")`` -> a new production server, stopped after the test."""
    started: list[LiveServer] = []

    def make(**overrides: str) -> LiveServer:
        server = start_live_server(tmp_path_factory.mktemp("live"), issuers_file, es384_key, **overrides)
        started.append(server)
        return server

    yield make
    for server in started:
        server.stop()
