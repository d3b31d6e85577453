"""The clinical hazard log is complete, consistent and names only tests that exist.

Checks: every named test file exists and every ``file::function`` test function is defined there; every control
path exists; every SB-/NR- row the knowledge defines (``cards/knowledge/*.yaml`` ``rules:``) and every finding of
the expert review has a hazard; risk values follow the matrix; an open hazard names the issue that plans its
control and has a test or says explicitly why there is none (``no_test_yet``); a closed hazard has a test and a
residual risk that is not unacceptable; the Markdown view is rendered from the YAML.
"""
from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml

from tests.safety.render_hazard_log import LOG, VIEW, load, render, risk

REPO = Path(__file__).resolve().parents[2]
LOGDATA = load()
HAZARDS = LOGDATA["hazards"]
REQUIRED = ("id", "title", "cause", "effect", "severity", "likelihood_initial", "likelihood_residual",
            "controls", "status")


def _test_exists(ref: str) -> str | None:
    """None when ``tests/x.py`` or ``tests/x.py::name`` exists, else what is wrong."""
    path, _, name = ref.partition("::")
    if not path.startswith("tests/") or not (REPO / path).is_file():
        return f"{ref}: no test file {path}"
    if name and not re.search(rf"^(?:async )?def {re.escape(name)}\(", (REPO / path).read_text(encoding="utf-8"), re.M):
        return f"{ref}: no test function {name} in {path}"
    return None


def _knowledge_safety_rows() -> set[str]:
    rows: set[str] = set()
    for path in (REPO / "cards" / "knowledge").glob("*.yaml"):
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        rows.update(r for r in (data.get("rules") or {}) if r.startswith(("SB-", "NR-")))
    return rows


def test_the_log_has_at_least_25_hazards_with_unique_ids_and_every_field():
    assert len(HAZARDS) >= 25
    ids = [h["id"] for h in HAZARDS]
    assert len(ids) == len(set(ids))
    incomplete = [f"{h.get('id')}: {k}" for h in HAZARDS for k in REQUIRED if h.get(k) in (None, "", [])]
    assert not incomplete, incomplete


def test_every_named_test_exists():
    problems = [p for h in HAZARDS for t in h.get("tests") or [] if (p := _test_exists(t))]
    assert not problems, "\n".join(problems)


def test_the_test_checker_catches_a_missing_file_and_a_missing_function():
    assert _test_exists("tests/rules/test_safety.py::test_nr20_cometriq_capsules") is None
    assert _test_exists("tests/rules/test_safety.py::test_no_such_test")
    assert _test_exists("tests/rules/test_no_such_file.py")
    assert _test_exists("service/rules/safety.py")


def test_every_control_path_exists():
    missing = [f"{h['id']}: {c['path']}" for h in HAZARDS for c in h["controls"] if not (REPO / c["path"]).exists()]
    assert not missing, missing


def test_every_safety_row_of_the_knowledge_has_a_hazard():
    rows = _knowledge_safety_rows()
    assert len(rows) >= 30        # NR-01..NR-23 and the SB boxes
    covered = {r for h in HAZARDS for r in h.get("rows") or []}
    assert not rows - covered, f"SB-/NR- rows without a hazard: {sorted(rows - covered)}"
    unknown = covered - rows
    assert not unknown, f"hazards name rows the knowledge does not define: {sorted(unknown)}"


def test_every_review_finding_has_a_hazard():
    covered = {f for h in HAZARDS for f in h.get("findings") or []}
    assert not set(LOGDATA["findings"]) - covered, sorted(set(LOGDATA["findings"]) - covered)
    assert not covered - set(LOGDATA["findings"]), sorted(covered - set(LOGDATA["findings"]))
    # the review's own ids: six unsafe, fifteen wrong, and the other sections
    assert {f"U{i}" for i in range(1, 7)} | {f"W{i}" for i in range(1, 16)} <= set(LOGDATA["findings"])


@pytest.mark.parametrize("hazard", HAZARDS, ids=lambda h: h["id"])
def test_each_hazard_is_scored_on_the_matrix_and_its_status_is_honest(hazard):
    for key in ("severity", "likelihood_initial", "likelihood_residual"):
        assert hazard[key] in (1, 2, 3, 4, 5), key
    assert hazard["likelihood_residual"] <= hazard["likelihood_initial"]
    residual = risk(LOGDATA, hazard["likelihood_residual"], hazard["severity"])
    if hazard["status"] == "closed":
        assert hazard.get("tests"), "a closed hazard names the tests that guard it"
        assert residual <= 3, "a closed hazard's residual risk is not unacceptable"
        assert not hazard.get("planned")
    else:
        assert hazard["status"] == "open"
        assert re.search(r"\bissue \d+", hazard.get("planned") or ""), "an open hazard names the issue of its control"
        assert hazard.get("tests") or hazard.get("no_test_yet"), "an open hazard has a test or says why not"


def test_risk_follows_the_matrix():
    assert risk(LOGDATA, 5, 5) == 5 and risk(LOGDATA, 1, 1) == 1
    assert risk(LOGDATA, 4, 3) == 3 and risk(LOGDATA, 2, 5) == 4


def test_the_markdown_view_is_rendered_from_the_yaml():
    assert VIEW.read_text(encoding="utf-8") == render(load(LOG)), \
        "run: .venv/bin/python -m tests.safety.render_hazard_log"
