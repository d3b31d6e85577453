"""``python -m service demo`` as a process: SIGTERM and SIGINT stop every child and remove its
temporary folders; a busy port is refused at once with a message naming it."""
from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from service.demo.fhir_server import free_port

pytestmark = [pytest.mark.fhirserver, pytest.mark.slow]
REPO = Path(__file__).resolve().parents[2]


def _environment(tmp_path: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("NETCDS_")}
    env.update({"TMPDIR": str(tmp_path), "PYTHONUNBUFFERED": "1", "NETCDS_LOG_FORMAT": "json",
                "NETCDS_DATABASE_URL": f"sqlite:///{tmp_path / 'feedback.sqlite3'}"})
    return env


def _children(pid: int) -> list[int]:
    out = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(fields[1]) == pid:
                out.append(int(entry.name))
    return out


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


@pytest.mark.parametrize("stop_signal", [signal.SIGTERM, signal.SIGINT], ids=["SIGTERM", "SIGINT"])
def test_a_signal_stops_every_child_and_removes_temporary_folders(tmp_path, stop_signal):
    log = tmp_path / "demo.log"
    with log.open("wb") as out:
        demo = subprocess.Popen([sys.executable, "-m", "service", "demo", "--no-sandbox", "--port", str(free_port()),
                                 "--web-port", str(free_port())], cwd=REPO, env=_environment(tmp_path),
                                stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, start_new_session=True)
    try:
        deadline = time.monotonic() + 180
        while "Ctrl-C stops" not in log.read_text(errors="replace"):
            assert demo.poll() is None and time.monotonic() < deadline, log.read_text(errors="replace")[-2000:]
            time.sleep(0.5)
        started = log.read_text(errors="replace")
        # Ready means /healthz answered: no authentication involved, so no 401 and no auth warning at start.
        assert '"route":"/healthz","status":200' in started and '"status":401' not in started
        assert '"level":"WARNING"' not in started, [l for l in started.splitlines() if '"WARNING"' in l]
        assert started.count('"message":"knowledge loaded') >= 1 and '"message":"rule loaded' not in started
        children = _children(demo.pid)
        assert len(children) >= 2, "expected the FHIR server and the service as children"
        assert list(tmp_path.glob("netcds-demo-*")), "the demo's temporary folder"
        demo.send_signal(stop_signal)
        assert demo.wait(60) == 0
        deadline = time.monotonic() + 20
        while any(_alive(c) for c in children) and time.monotonic() < deadline:
            time.sleep(0.2)
        assert not [c for c in children if _alive(c)], "children still running after the demo stopped"
        assert not list(tmp_path.glob("netcds-demo-*")), "temporary folder left behind"
    finally:
        if demo.poll() is None:
            os.killpg(demo.pid, signal.SIGKILL)
            demo.wait(10)


def test_a_busy_port_is_refused_before_anything_starts(tmp_path):
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        done = subprocess.run([sys.executable, "-m", "service", "demo", "--no-sandbox", "--port", str(port)],
                              cwd=REPO, env=_environment(tmp_path), capture_output=True, text=True, timeout=120)
    assert done.returncode == 1
    assert f"port {port} on 127.0.0.1 is already in use" in done.stderr and "--port N" in done.stderr
    assert "Starting the FHIR server" not in done.stdout
