"""`python -m service feedback-report`: acceptance and override rates per topic and rule, as a table or JSON."""
from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from service.feedback.api import parse_feedback
from service.feedback.report import main
from service.feedback.store import FeedbackStore, migrate

SERVICE = "net-cds-patient-view"
REPO = Path(__file__).resolve().parents[2]


def card(uuid, topic, rules):
    return {"uuid": uuid, "extension": {"net-cds": {"topic": topic, "strength": "recommend", "rules": rules}}}


@pytest.fixture
def filled(db_url):
    migrate(db_url)
    with FeedbackStore(db_url) as store:
        store.record_issued([card("s-1", "surgery", ["P-01"]), card("s-2", "surgery", ["P-01"]),
                             card("s-3", "surgery", ["P-01"]), card("r-1", "prrt", ["M-07"])],
                            service_id=SERVICE, hook_instance="h")
        store.record(SERVICE, parse_feedback({"feedback": [
            {"card": "s-1", "outcome": "accepted", "acceptedSuggestions": [{"id": "x"}],
             "outcomeTimestamp": "2021-12-11T10:05:31Z"},
            {"card": "s-2", "outcome": "overridden", "outcomeTimestamp": "2021-12-11T10:05:31Z",
             "overrideReason": {"reason": {"code": "patient-declined", "system": "https://net-cds.org/x"},
                                "userComment": "Mrs Example declined"}},
        ]}))
    return db_url


def test_table_shows_rates_per_topic_and_rule(filled, capsys):
    assert main(["--database-url", filled]) == 0
    out = capsys.readouterr().out
    lines = out.splitlines()
    assert lines[0].split()[:2] == ["topic", "rule"]
    surgery = next(line for line in lines if line.startswith("surgery"))
    assert surgery.split()[:8] == ["surgery", "P-01", "3", "2", "1", "1", "33.3%", "33.3%"]
    assert "patient-declined (1)" in surgery
    prrt = next(line for line in lines if line.startswith("prrt"))
    assert prrt.split()[:8] == ["prrt", "M-07", "1", "0", "0", "0", "0.0%", "0.0%"]
    assert "Mrs Example" not in out                  # free-text comments are never reported


def test_json_format(filled, capsys):
    assert main(["--database-url", filled, "--format", "json"]) == 0
    rows = {(r["topic"], r["rule"]): r for r in json.loads(capsys.readouterr().out)["rows"]}
    assert rows[("surgery", "P-01")]["acceptanceRate"] == pytest.approx(1 / 3)
    assert rows[("surgery", "P-01")]["topOverrideReasons"] == [
        {"system": "https://net-cds.org/x", "code": "patient-declined", "display": None, "count": 1}]
    assert rows[("prrt", "M-07")]["overrideRate"] == 0


def test_empty_database_prints_header_and_note(tmp_path, capsys):
    url = f"sqlite:///{tmp_path / 'empty.sqlite3'}"
    migrate(url)
    assert main(["--database-url", url]) == 0
    assert "no cards issued" in capsys.readouterr().out


def test_missing_sqlite_file_is_reported_not_created(tmp_path, capsys):
    path = tmp_path / "nothing.sqlite3"
    assert main(["--database-url", f"sqlite:///{path}"]) == 2
    assert "no feedback database" in capsys.readouterr().err
    assert not path.exists()


def test_unmigrated_database_asks_for_migrate(tmp_path, capsys):
    path = tmp_path / "raw.sqlite3"
    path.touch()
    assert main(["--database-url", f"sqlite:///{path}"]) == 2
    assert "python -m service migrate" in capsys.readouterr().err


def test_uses_netcds_database_url_from_the_environment(filled, monkeypatch, capsys):
    monkeypatch.setenv("NETCDS_DATABASE_URL", filled)
    assert main([]) == 0
    assert "surgery" in capsys.readouterr().out


@pytest.mark.slow
def test_runs_as_a_module_command(filled, tmp_path):
    """`python -m service feedback-report` reaches this command (dispatch in service/__main__.py)."""
    env = {**os.environ, "NETCDS_DATABASE_URL": filled, "PYTHONPATH": str(REPO)}
    proc = subprocess.run([sys.executable, "-m", "service", "feedback-report", "--format", "table"],
                          cwd=tmp_path, env=env, capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    assert "surgery" in proc.stdout and "33.3%" in proc.stdout
