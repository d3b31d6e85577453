"""NEC specialist's review 2026-12 (helper nec): wording and lines that must follow the record."""
from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from service.rules.predicates import pregnancy_possible
from tests.rules.factories import MISSING, make_picture

GOLDEN = Path(__file__).resolve().parents[1] / "golden" / "cards"
PREGNANCY = re.compile(r"pregnan|contracept|breast-?feed", re.IGNORECASE)


def _cards(pid: str) -> list[dict]:
    return json.loads((GOLDEN / f"{pid}.json").read_text())["cards"]


@pytest.mark.parametrize(("sex", "age", "pregnant", "expected"), [
    ("female", 80, MISSING, False),   # finding 5: no pregnancy lines at 80
    ("female", 56, MISSING, False),
    ("female", 55, MISSING, True),
    ("female", 30, MISSING, True),
    ("female", 11, MISSING, False),
    ("female", MISSING, MISSING, True),  # age unknown: missing is not negative
    (MISSING, 40, MISSING, True),
    ("male", 30, MISSING, False),
    ("female", 58, True, True),       # a pregnancy on record always shows them
])
def test_pregnancy_lines_only_with_child_bearing_potential(sex, age, pregnant, expected):
    p = make_picture(sex=sex, age_years=age, pregnant=pregnant)
    assert pregnancy_possible(p, 12, 55) is expected


def test_woman_of_80_sees_no_pregnancy_line_but_every_other_hazard_of_the_line():
    """net-269: 'myelosuppression ...; pregnancy test before each dose' keeps its first clause."""
    text = "\n".join(c["detail"] for c in _cards("net-269"))
    assert not PREGNANCY.search(text), PREGNANCY.search(text)
    assert "avoid strong CYP3A4/P-gp inhibitors" in text
    assert re.search(r"PRRT: [Mm]yelosuppression", text)


def test_interaction_card_asserts_no_indication_not_on_record():
    """net-270: rifampicin for a prosthetic-joint infection; nothing says tuberculosis."""
    cards = _cards("net-270")
    assert any("rifampicin" in c["summary"] for c in cards)
    text = json.dumps(cards)
    assert not re.search(r"\bTB\b|tubercul", text, re.IGNORECASE)


def test_caution_clauses_split_outside_parentheses():
    from service.render import _clauses
    assert _clauses("a (b; c); d") == ["a (b; c)", "d"]
    assert _clauses("one clause") == ["one clause"]


@pytest.mark.parametrize("pid", ["net-14", "net-271"])
def test_no_functional_pnet_line_for_a_non_functional_tumour(pid):
    """Finding 7 (net-14): the PRRT 'functional pNET: hormonal crisis' line only with a syndrome on record."""
    text = "\n".join(c["detail"] for c in _cards(pid))
    assert not re.search(r"functional (pNET|tumours?):", text, re.IGNORECASE)


def test_functional_line_kept_for_a_functional_tumour():
    text = "\n".join(c["detail"] for c in _cards("net-07"))
    assert re.search(r"functional (pNET|tumours?):", text, re.IGNORECASE)


@pytest.mark.parametrize("pid", ["net-48", "net-271"])
def test_no_anastomosis_line_without_an_anastomosis_on_record(pid):
    """Finding 7 (net-48): 'bilio-enteric anastomosis: high abscess risk' only with one on record."""
    assert "bilio-enteric anastomosis:" not in "\n".join(c["detail"] for c in _cards(pid))


def test_no_card_calls_the_patient_newly_diagnosed():
    """Finding 3 (net-119, net-211): 'newly diagnosed' was said of metastases found years ago; the rows mean 'no
    prior systemic therapy', and LD-01 says when the liver metastases were first recorded."""
    for path in GOLDEN.glob("*.json"):
        for card in json.loads(path.read_text())["cards"]:
            shown = card["summary"] + "\n" + "\n".join(
                line for line in card["detail"].split("\n") if line.startswith(("Finding:", "1.", "2.", "3.")))
            assert not re.search(r"newly diagnosed|— new ", shown, re.IGNORECASE), (path.name, shown[:200])
    finding = [line for c in _cards("net-119") for line in c["detail"].split("\n") if line.startswith("Finding: liver")]
    assert finding and "first recorded 2024" in finding[0].replace("\\", "")
