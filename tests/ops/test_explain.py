"""``python -m service explain``: the clinical picture and every rule's verdict, for people and tools."""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from service.ops import explain
from service.pipeline import prepare_knowledge
from service.rules import evaluate
from tests.plugins.clinical import FIXTURE_AS_OF, FIXTURES_DIR, bundle_record

REPO = Path(__file__).resolve().parents[2]


def run(capsys, *argv: str) -> tuple[int, str, str]:
    code = explain.main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_a_fixture_patient_by_id_prints_picture_rules_and_cards(capsys):
    code, out, _ = run(capsys, "--patient", "net-04")
    assert code == 0
    assert out.startswith(f"Patient net-04, as of {FIXTURE_AS_OF.isoformat()}; scope: net")
    assert "CLINICAL PICTURE" in out and "RULES" in out and "CARDS" in out
    # a fact: value, state, date, the resource it came from and how it read
    assert "from Observation/net-04-ki67  2023-11-23  \"Ki-67 8 %\"" in out
    assert "ki67                             8 %" in out and "stale" in out
    # verdicts of all three kinds, with their reasons / what is missing
    assert "Fired (" in out and "    M-04    progressive on SSA" in out
    assert "Needs data (cannot decide) (" in out and "needs: family history of NET" in out
    assert "Not applicable (" in out and "F-01    no carcinoid syndrome on record" in out


def test_every_rule_verdict_is_listed_once(capsys, picture_of):
    code, out, _ = run(capsys, "--patient", "net-12", "--json")
    assert code == 0
    data = json.loads(out)
    knowledge = prepare_knowledge(REPO / "cards")
    picture = picture_of(bundle_record(FIXTURES_DIR / "bundles" / "net-12.json"))
    outcomes = evaluate(picture, as_of=FIXTURE_AS_OF, knowledge=knowledge)
    assert [(r["rule"], r["status"]) for r in data["rules"]] == [(o.rule_id, o.status.value) for o in outcomes]
    for row in data["rules"]:
        if row["status"] == "not-applicable":
            assert row["reason"], row
        if row["status"] == "insufficient-data":
            assert row["missing"], row
    names = {row["name"] for row in data["picture"]}
    assert {"ki67", "grade", "sstr", "progression", "labs.platelets", "therapies"} <= names
    ki67 = next(row for row in data["picture"] if row["name"] == "ki67")
    assert ki67["value"]["percent"] == 15 and ki67["sources"][0]["reference"].startswith("Observation/")


def test_missing_data_is_shown_as_missing_never_as_negative(capsys):
    code, out, _ = run(capsys, "--patient", "net-32")
    assert code == 0
    assert "G-05" in out.split("Fired (")[1].split("Needs data")[0]
    missing_line = next(line for line in out.splitlines() if line.strip().startswith("Not on record"))
    assert "ki67" in missing_line and "never read as negative" in missing_line


def test_a_patient_without_a_nen_gets_no_rules_and_no_cards(capsys):
    code, out, _ = run(capsys, "--patient", "net-39")
    assert code == 0
    assert "scope: none" in out and "none run: the patient is not in this service's scope" in out
    assert "CARDS  (0)" in out


def test_a_hook_request_file_uses_the_fixtures_date_and_stdin_works(capsys, monkeypatch):
    path = FIXTURES_DIR / "hooks" / "net-07.json"
    code, from_file, _ = run(capsys, str(path))
    assert code == 0 and f"as of {FIXTURE_AS_OF.isoformat()}" in from_file
    code, dated, _ = run(capsys, str(path), "--as-of", "2027-01-01")
    assert code == 0 and "as of 2027-01-01" in dated

    import io
    import sys

    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(path.read_bytes())))
    code, from_stdin, _ = run(capsys, "-", "--as-of", FIXTURE_AS_OF.isoformat())
    assert code == 0 and from_stdin == from_file


def test_the_patients_text_is_printed_as_text(capsys):
    code, out, _ = run(capsys, "--patient", "net-05", "--json")
    assert code == 0
    json.loads(out)                                   # hostile strings stay inside JSON strings


@pytest.mark.parametrize(("argv", "message"), [
    (["--patient", "net-999"], "no fixture patient 'net-999'"),
    (["/nonexistent/request.json"], "cannot read /nonexistent/request.json"),
])
def test_bad_input_gets_a_clear_message(capsys, argv, message):
    code, out, err = run(capsys, *argv)
    assert code == 2 and out == "" and message in err


def test_an_invalid_hook_request_is_refused_as_the_service_refuses_it(capsys, tmp_path):
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps({"hook": "patient-view", "hookInstance": "x", "context": {"userId": "Practitioner/1"}}))
    code, _out, err = run(capsys, str(bad))
    assert code == 2 and "context.patientId" in err


def test_explain_is_a_command_of_python_m_service():
    from service.__main__ import DELEGATED, USAGE

    assert DELEGATED["explain"] == "service.ops.explain:main" and "explain" in USAGE


def test_control_and_bidi_characters_in_patient_text_cannot_act_on_the_terminal(capsys, tmp_path):
    hook = json.loads((FIXTURES_DIR / "hooks" / "net-05.json").read_text(encoding="utf-8"))

    def poison(value):
        if isinstance(value, dict):
            return {k: (v + "\x1b[2J\u202e\x9b" if k in ("display", "text") and isinstance(v, str) else poison(v))
                    for k, v in value.items()}
        if isinstance(value, list):
            return [poison(v) for v in value]
        return value

    hook["prefetch"]["conditions"] = poison(hook["prefetch"]["conditions"])
    path = tmp_path / "poisoned.json"
    path.write_text(json.dumps(hook), encoding="utf-8")
    for extra in ((), ("--json",)):
        code, out, _ = run(capsys, str(path), "--as-of", FIXTURE_AS_OF.isoformat(), *extra)
        assert code == 0
        assert "\x1b" not in out and "\u202e" not in out and "\x9b" not in out
    code, out, _ = run(capsys, str(path), "--as-of", FIXTURE_AS_OF.isoformat())
    assert "\\u001b[2J\\u202e" in out           # shown, as escapes, where the text is shown
