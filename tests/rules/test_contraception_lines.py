"""Review 2026-12 D (net-270): every drug card of an embryo-fetal toxic therapy carries its label's pregnancy-test /
contraception line, shown only where pregnancy is possible; a current enzyme inducer makes hormonal contraception
unreliable, and the card says so."""
from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from tests.rules.factories import knowledge

GOLDEN = Path(__file__).resolve().parents[1] / "golden" / "cards"
PREGNANCY = re.compile(r"pregnan|contracept|breast-?feed", re.IGNORECASE)
CONTRACEPTION = re.compile(r"contracept", re.IGNORECASE)
HORMONAL_UNRELIABLE = re.compile(r"hormonal contraception unreliable", re.IGNORECASE)

#: drug agents (cards/knowledge/drugs.yaml ``agent``) whose labels warn of embryo-fetal toxicity and ask for
#: contraception: everolimus, sunitinib, cabozantinib, CAPTEM, streptozocin/5-FU, platinum-etoposide,
#: FOLFOX/FOLFIRI ("other-chemotherapy"), Lu-177 dotatate, belzutifan
EMBRYO_FETAL_TOXIC_AGENTS = {"everolimus", "sunitinib", "cabozantinib", "captem", "streptozocin-chemotherapy",
                             "platinum-etoposide", "other-chemotherapy", "prrt", "belzutifan"}


def _drafting_cards() -> list[str]:
    k = knowledge()
    return sorted(cid for cid, c in k.cards.items() if c.order is not None
                  and {k.drugs[m].agent for m in c.order.medications} & EMBRYO_FETAL_TOXIC_AGENTS)


def test_the_set_of_drafting_cards_is_not_empty():
    cards = _drafting_cards()
    assert {"everolimus-pnet", "sunitinib-pnet", "captem-pnet", "cabozantinib-pnet", "belzutifan-vhl",
            "nec-second-line", "prrt-pnet"} <= set(cards)


@pytest.mark.parametrize("card_id", _drafting_cards())
def test_every_card_drafting_an_embryo_fetal_toxic_drug_has_a_contraception_line(card_id):
    card = knowledge().cards[card_id]
    lines = [line for line in card.cautions + card.monitoring if CONTRACEPTION.search(line)]
    assert lines, f"{card_id} drafts {card.order.medications} without a contraception line"  # type: ignore[union-attr]
    # written so the render filter can drop it where pregnancy is not possible: its own line ("pregnancy: ...")
    # or a clause of its own that names pregnancy/contraception
    assert all(line.startswith("pregnancy:") or PREGNANCY.search(line) for line in lines)


def _details(pid: str) -> str:
    return "\n".join(c["detail"] for c in json.loads((GOLDEN / f"{pid}.json").read_text())["cards"])


@pytest.mark.parametrize("pid, inducer", [("net-270", "rifampicin"), ("net-289", "carbamazepine")])
def test_woman_of_child_bearing_age_on_an_inducer_sees_contraception_and_the_inducer_line(pid, inducer):
    text = _details(pid)
    for option, period in (("Everolimus", "8 weeks"), ("Sunitinib", "4 weeks"), ("CAPTEM", "6 months")):
        assert re.search(rf"- {option}: pregnancy: .*contraception during treatment and for {period} after", text), \
            (pid, option)
    inducer_lines = [line for line in text.splitlines() if HORMONAL_UNRELIABLE.search(line)]
    assert len(inducer_lines) == 1 and inducer in inducer_lines[0], inducer_lines


@pytest.mark.parametrize("pid", ["net-288", "net-269"])  # a man on rifampicin; an 80-year-old woman
def test_no_pregnancy_or_contraception_line_where_pregnancy_is_not_possible(pid):
    text = _details(pid)
    assert not PREGNANCY.search(text), PREGNANCY.search(text)
    assert not HORMONAL_UNRELIABLE.search(text)


def test_man_on_rifampicin_keeps_the_other_hazards_of_the_drug_cards():
    text = _details("net-288")
    assert "Everolimus: avoid strong CYP3A4/P-gp inhibitors" in text
    assert "Sunitinib: hepatotoxicity (boxed)" in text
