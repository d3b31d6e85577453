"""``python -m service``: subcommand dispatch, start-up checks (exit 2 with a clear message), gunicorn."""
from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
import requests

import service.__main__ as cli
from service.config import Settings
from service.errors import KnowledgeError

REPO = Path(__file__).resolve().parents[2]


def _env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("NETCDS_")}
    return {**env, "NETCDS_AUTH_DISABLED": "true", **extra}


def _run(*args: str, env: dict[str, str], cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "service", *args], env={**env, "PYTHONPATH": str(REPO)},
                          cwd=cwd, capture_output=True, text=True, timeout=120)


def test_check_passes_on_the_shipped_configuration(tmp_path):
    result = _run("check", env=_env(), cwd=tmp_path)

    assert result.returncode == 0, result.stderr
    assert "configuration OK" in result.stdout and "knowledge" in result.stdout


def test_bad_setting_exits_2_naming_the_variable(tmp_path):
    result = _run("check", env=_env(NETCDS_PORT="eighty"), cwd=tmp_path)

    assert result.returncode == 2
    assert "NETCDS_PORT" in result.stderr
    assert "Traceback" not in result.stderr


def test_serve_refuses_to_start_on_a_bad_setting(monkeypatch, capsys):
    for name in list(os.environ):
        if name.startswith("NETCDS_"):
            monkeypatch.delenv(name)
    monkeypatch.setenv("NETCDS_JWT_ALGORITHMS", "HS256")

    assert cli.main(["serve"]) == 2
    assert "NETCDS_JWT_ALGORITHMS" in capsys.readouterr().err


@pytest.fixture
def broken_cards(tmp_path) -> Path:
    cards = tmp_path / "cards"
    shutil.copytree(REPO / "cards", cards)
    victim = sorted((cards / "knowledge").glob("*.yaml"))[0]
    victim.write_text("review: {reviewed_by: nobody}\nrules: [this is not a rule\n", encoding="utf-8")
    return cards


def test_broken_knowledge_stops_check_with_exit_2(tmp_path, broken_cards):
    result = _run("check", env=_env(NETCDS_CARDS_DIR=str(broken_cards)), cwd=tmp_path)

    assert result.returncode == 2
    assert "knowledge" in result.stderr.lower()


def test_create_app_refuses_to_start_on_broken_knowledge(app_factory, broken_cards):
    with pytest.raises(KnowledgeError):
        app_factory(NETCDS_CARDS_DIR=str(broken_cards))


def test_unknown_command_exits_2(capsys):
    assert cli.main(["frobnicate"]) == 2
    assert "usage" in capsys.readouterr().err


def test_subcommands_are_dispatched_lazily_with_their_arguments(monkeypatch):
    seen = {}

    def fake_main(argv):
        seen["argv"] = argv
        return 3
    monkeypatch.setitem(sys.modules, "fake_netcds_cmd", type(sys)("fake_netcds_cmd"))
    sys.modules["fake_netcds_cmd"].main = fake_main
    monkeypatch.setitem(cli.DELEGATED, "demo", "fake_netcds_cmd:main")

    assert cli.main(["demo", "--port", "1"]) == 3
    assert seen["argv"] == ["--port", "1"]
    assert set(cli.DELEGATED) == {"demo", "demo-token", "explain", "feedback-report", "migrate"}


def test_a_missing_subcommand_module_is_a_clear_error(monkeypatch, capsys):
    monkeypatch.setitem(cli.DELEGATED, "demo", "service.no_such_module:main")

    assert cli.main(["demo"]) == 2
    assert "not available" in capsys.readouterr().err


def test_gunicorn_options_follow_the_settings():
    from service.ops.serve import options_for

    settings = Settings.from_env({"NETCDS_AUTH_DISABLED": "true", "NETCDS_HOST": "::1", "NETCDS_PORT": "9001",
                                  "NETCDS_WORKERS": "3", "NETCDS_THREADS": "5"})
    options = options_for(settings, env={"NETCDS_WORKERS": "3", "NETCDS_THREADS": "5"})

    assert options["bind"] == ["[::1]:9001"]
    assert (options["workers"], options["threads"], options["worker_class"]) == (3, 5, "gthread")
    assert options["timeout"] > settings.hook_deadline_seconds
    assert options["graceful_timeout"] > settings.hook_deadline_seconds
    assert options["preload_app"] is False


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.mark.slow
def test_python_m_service_serves_and_shuts_down_gracefully(tmp_path):
    port = _free_port()
    env = _env(NETCDS_PORT=str(port), NETCDS_WORKERS="1", NETCDS_THREADS="2",
               NETCDS_DATABASE_URL=f"sqlite:///{tmp_path / 'fb.sqlite3'}")
    process = subprocess.Popen([sys.executable, "-m", "service"], env={**env, "PYTHONPATH": str(REPO)},
                               cwd=tmp_path, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                response = requests.get(f"http://127.0.0.1:{port}/healthz", timeout=5)
                break
            except requests.RequestException:   # not listening yet, or the worker still booting
                assert process.poll() is None, process.communicate()[1][-2000:]
                assert time.monotonic() < deadline, "server did not start"
                time.sleep(0.2)
        assert response.status_code == 200
        discovery = requests.get(f"http://127.0.0.1:{port}/cds-services", timeout=5)
        assert discovery.json()["services"][0]["id"] == "net-treatment"
    finally:
        process.send_signal(signal.SIGTERM)
        _out, err = process.communicate(timeout=60)
    assert process.returncode == 0, err[-2000:]


def test_check_validates_the_knowledge_even_without_deployment_settings(tmp_path):
    env = {k: v for k, v in os.environ.items() if not k.startswith("NETCDS_")}
    result = _run("check", env=env, cwd=tmp_path)
    assert result.returncode == 2
    assert "knowledge OK" in result.stdout
    assert "NETCDS_TRUSTED_ISSUERS" in result.stderr and "check --knowledge" in result.stderr

    knowledge_only = _run("check", "--knowledge", env=env, cwd=tmp_path)
    assert knowledge_only.returncode == 0, knowledge_only.stderr
    assert "knowledge OK" in knowledge_only.stdout and "configuration" not in knowledge_only.stdout


def test_check_knowledge_only_still_fails_on_broken_knowledge(tmp_path, broken_cards):
    env = {k: v for k, v in os.environ.items() if not k.startswith("NETCDS_")}
    result = _run("check", "--knowledge", env={**env, "NETCDS_CARDS_DIR": str(broken_cards)}, cwd=tmp_path)
    assert result.returncode == 2 and "knowledge error" in result.stderr
