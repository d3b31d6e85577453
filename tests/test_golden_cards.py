"""Whole responses of every fixture patient, pinned (``tests/golden/cards/<id>.json``), and a
cross-check of the cards against the clinical expectations in ``fhir_fixtures/index.json``.

* ``test_response_matches_golden``: the real app (auth off, fixed clock 2026-11-22, counting
  uuids) answers each ``fhir_fixtures/hooks/*.json`` request with exactly the pinned
  ``{"cards": [...]}``. Any change to a card -- wording, order, strength, facts, uuids -- fails
  with a readable diff. Regenerate only on purpose: ``python -m tests.golden_cards_regen`` or
  ``NETCDS_REGEN_GOLDENS=1 python -m pytest tests/test_golden_cards.py``; review the diff as a
  clinical change.
* ``test_cards_agree_with_fixture_expectations``: every row an oncologist expects (``rows``)
  appears in some card's ``extension["net-cds"].rules``; no ``not_rows`` row does; a patient
  without a NEN gets no card; an SCLC, a Merkel cell carcinoma or a paraganglioma (scope excluded) gets only
  the out-of-scope card (one rule for every neoplasm routed out, G-03). Justified exceptions
  are listed (with the reason) in ``EXPECTED_ROW_EXCEPTIONS``; an exception that is no longer
  needed fails too, so the list cannot go stale.

Both tests discover the fixture files, so new patients are covered without an edit here.
"""
from __future__ import annotations

import difflib
import json
import os
from pathlib import Path

import pytest

from tests.golden_cards_regen import (
    GOLDEN_DIR,
    REGEN_VARIABLE,
    golden_client,
    golden_text,
    hook_files,
    response_for,
)

INDEX = json.loads((Path(__file__).resolve().parents[1] / "fhir_fixtures" / "index.json").read_text(encoding="utf-8"))
EXPECTATIONS = {p["id"]: p for p in INDEX["patients"]}
HOOKS = {path.stem: path for path in hook_files()}

# Rows that never make a card of their own, by design.
NO_CARD_ROWS = {
    "G-07": "functional syndrome present: only orders the symptom-control cards first (no card of its own)",
}

# (patient, row) -> why an expected row does not appear (or a not_row does). Each entry is a
# known, accepted gap; remove it when the gap closes (the test then insists).
EXPECTED_ROW_EXCEPTIONS: dict[tuple[str, str], str] = {
    # (patient, row): why the card set departs from fhir_fixtures/index.json. Empty: every fixture agrees.
}


def _cards(patient: str) -> list[dict]:
    return json.loads((GOLDEN_DIR / f"{patient}.json").read_text(encoding="utf-8"))["cards"]


def _fired_rows(cards: list[dict]) -> set[str]:
    return {r for card in cards for r in card["extension"]["net-cds"]["rules"]}


def _card_lines(body: dict) -> list[str]:
    lines = []
    for card in body.get("cards", []):
        ext = card["extension"]["net-cds"]
        lines.append(f"[{card['indicator']}|{ext['strength']}|{ext['topic']}] {','.join(ext['rules'])}: {card['summary']}")
    return lines


def readable_diff(patient: str, expected_text: str, actual_text: str, *, max_lines: int = 120) -> str:
    expected, actual = json.loads(expected_text), json.loads(actual_text)
    out = [f"{patient}: response differs from tests/golden/cards/{patient}.json", "", "cards (golden -> now):"]
    out += difflib.unified_diff(_card_lines(expected), _card_lines(actual), "golden", "now", lineterm="", n=20)
    text_diff = list(difflib.unified_diff(expected_text.splitlines(), actual_text.splitlines(),
                                          "golden", "now", lineterm="", n=2))
    out += ["", "JSON diff:"] + text_diff[:max_lines]
    if len(text_diff) > max_lines:
        out.append(f"... {len(text_diff) - max_lines} more diff lines")
    out += ["", "If the change is intended, review it clinically and run: python -m tests.golden_cards_regen"]
    return "\n".join(out)


@pytest.fixture(scope="module")
def golden_app():
    with golden_client() as pair:
        yield pair


@pytest.mark.parametrize("patient", sorted(HOOKS))
def test_response_matches_golden(patient, golden_app):
    client, uuids = golden_app
    actual = golden_text(response_for(client, uuids, HOOKS[patient]))
    target = GOLDEN_DIR / f"{patient}.json"
    if os.environ.get(REGEN_VARIABLE) == "1":
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(actual, encoding="utf-8")
        return
    assert target.exists(), f"no golden for {patient}: run python -m tests.golden_cards_regen {patient} and review it"
    expected = target.read_text(encoding="utf-8")
    if expected != actual:
        pytest.fail(readable_diff(patient, expected, actual), pytrace=False)


def test_every_golden_has_a_fixture():
    """A golden whose fixture was removed is stale and must go too."""
    stale = sorted(p.stem for p in GOLDEN_DIR.glob("*.json") if p.stem not in HOOKS)
    assert not stale, f"goldens without a fixture hook request: {stale}"


def _expected_problems(patient: str) -> list[tuple[str, str]]:
    """(row, problem) pairs where the golden disagrees with the fixture's clinical expectation."""
    exp = EXPECTATIONS[patient]
    cards = _cards(patient)
    fired = _fired_rows(cards)
    scope = (exp.get("expect") or {}).get("scope")
    problems: list[tuple[str, str]] = []
    if scope == "none":
        if cards:
            problems.append(("*", "a patient without a NEN must get no card at all"))
        return problems
    if scope in ("sclc", "excluded"):
        if len(cards) != 1:
            problems.append(("*", f"a neoplasm routed out must get exactly one out-of-scope card, not {len(cards)}"))
        for card in cards:
            if card["extension"]["net-cds"]["topic"] != "out-of-scope":
                problems.append(("*", f"{scope} got a {card['extension']['net-cds']['topic']} card"))
    hereditary_known = bool((exp.get("expect") or {}).get("hereditary"))
    for row in exp.get("rows", []):
        if row in NO_CARD_ROWS:
            continue
        if row == "G-08" and hereditary_known:
            continue  # G-08 is for patients whose hereditary syndrome is not yet known
        if row not in fired:
            problems.append((row, "expected row did not fire"))
    for row in exp.get("not_rows", []):
        if row in fired:
            problems.append((row, "row that must not fire is on a card"))
    return problems


@pytest.mark.parametrize("patient", sorted(p for p in HOOKS if p in EXPECTATIONS))
def test_cards_agree_with_fixture_expectations(patient):
    problems = _expected_problems(patient)
    unexplained = [f"{row}: {what}" for row, what in problems if (patient, row) not in EXPECTED_ROW_EXCEPTIONS]
    assert not unexplained, f"{patient} ({EXPECTATIONS[patient]['title']}): " + "; ".join(unexplained)


def test_exceptions_are_still_needed():
    """An exception whose gap has closed must be removed, so the allow-list never hides a regression."""
    still_needed = {(patient, row) for patient in EXPECTATIONS if patient in HOOKS
                    for row, _ in _expected_problems(patient)}
    stale = sorted(set(EXPECTED_ROW_EXCEPTIONS) - still_needed)
    assert not stale, f"remove these exceptions, the row now behaves as expected: {stale}"


def test_every_fixture_has_expectations():
    missing = sorted(set(HOOKS) - set(EXPECTATIONS))
    assert not missing, f"fixture hooks without an entry in fhir_fixtures/index.json: {missing}"
