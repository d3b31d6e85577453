"""One long-acting SSA per answer, and a card's text never adds a second one beside its draft (review D net-278:
the VIPoma card drafted octreotide LAR while its merged line said "Start lanreotide 120 mg")."""
from __future__ import annotations

import re

import pytest

from tests.orders.answers import all_answers, drafts

# long-acting SSA names as they appear in card text and in draft medication text
_DEPOTS = {"octreotide LAR": re.compile(r"octreotide LAR", re.I), "lanreotide": re.compile(r"lanreotide", re.I)}


def _drafted_depots(card: dict) -> set[str]:
    out = set()
    for _, resource, _ in drafts(card):
        text = resource.get("medicationCodeableConcept", {}).get("text", "")
        out |= {name for name, rx in _DEPOTS.items() if rx.search(text)}
    return out


@pytest.fixture(scope="module")
def answers() -> dict[str, dict]:
    return all_answers()


def test_a_merged_line_naming_another_depot_is_an_alternative(answers):
    """Under a card drafting one depot, a merged line that starts another depot (a bare "Start lanreotide ...")
    could be read as an addition: it must be worded as the alternative."""
    for pid, body in answers.items():
        for card in body["cards"]:
            drafted = _drafted_depots(card)
            also = card.get("detail", "").split("Also on this topic:\n", 1)
            if not drafted or len(also) < 2:
                continue
            for line in also[1].split("\n\n", 1)[0].splitlines():
                named = {n for n, rx in _DEPOTS.items() if rx.search(line)}
                if named - drafted and re.match(r"- (Start|Switch|Add|Give)\b", line):
                    pytest.fail(f"{pid}: {line!r} beside a drafted {sorted(drafted)}")


def test_net_278_names_lanreotide_as_the_alternative(answers):
    (card,) = [c for c in answers["net-278"]["cards"] if c["summary"].startswith("Start IV fluids")]
    assert _drafted_depots(card) == {"octreotide LAR"}
    assert "Instead of the drafted Octreotide LAR 30 mg IM every 4 weeks, not in addition" in card["detail"]


def test_one_long_acting_ssa_drafted_per_card_suggestion_and_per_answer(answers):
    for pid, body in answers.items():
        per_card = [_drafted_depots(c) for c in body["cards"]]
        cards_with = [d for d in per_card if d]
        assert len(cards_with) <= 1, (pid, per_card)
        for card in body["cards"]:
            for suggestion in card.get("suggestions", []):
                names = set()
                for action in suggestion["actions"]:
                    r = action.get("resource") or {}
                    if action["type"] == "create" and r.get("resourceType") == "MedicationRequest":
                        names |= {n for n, rx in _DEPOTS.items()
                                  if rx.search(r.get("medicationCodeableConcept", {}).get("text", ""))}
                assert len(names) <= 1, (pid, suggestion["label"])
