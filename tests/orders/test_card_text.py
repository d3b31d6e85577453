"""Card text a NET clinician would sign (issue 12 item 5, the review's Wording section), scanned over every
fixture response and every knowledge card:

* no internal words in clinician-facing text ("seed", "decision table", row ids in prose, "named under
  Finding"); no doubled words ("SSTR uptake Uptake", "NET NET");
* each source cited once per card, by DOI where one exists; no search-engine or PubMed-search URL;
* suggestion labels short by design and never cut;
* numbers in a summary match what the card's drafts order.
"""
from __future__ import annotations

import re
from typing import Iterator

import pytest

from service.rules import Outcome, Status
from service.render import render
from tests.orders.reader import read_draft
from tests.orders.test_draft_orders import fixture_responses
from tests.rules.factories import knowledge, make_picture

ROW_ID = re.compile(r"(?<![\w/-])(?:G|M|P|L|O|G3|LD|N|F|H|NR|SB|PD|DG)-\d{2}(?![\w-])")
INTERNAL = re.compile(r"\bseeds?\b|decision table|named under Finding|\bthe table\b|\btable's\b", re.IGNORECASE)
DOUBLED = re.compile(r"\b([A-Za-z]{2,})\s+\1\b", re.IGNORECASE)
SEARCH_URL = re.compile(r"[?&](?:term|q|query)=|/search\b|google\.|bing\.", re.IGNORECASE)
# Numbers with a dose unit in a summary: "30 mg", "100-250 micrograms", "7.4 GBq", "120 mg"
DOSE_IN_TEXT = re.compile(r"(\d+(?:\.\d+)?)(?:\s*-\s*(\d+(?:\.\d+)?))?\s*(mg/m2|mg|micrograms|µg|ug|GBq)\b")


def unescaped(text: str) -> str:
    return re.sub(r"\\(.)", r"\1", text)


def prose(card: dict) -> Iterator[tuple[str, str]]:
    """(field, text) of every clinician-facing text of a card: summary, detail (without its evidence list, whose
    labels are citations), suggestion labels and action descriptions."""
    yield "summary", card["summary"]
    detail = unescaped(card.get("detail", ""))
    detail = re.sub(r"\*\*Evidence\*\*.*?(?=\n\*\*|\Z)", "", detail, flags=re.DOTALL)
    detail = re.sub(r"\*\*Patient facts used\*\*.*?(?=\n\*\*|\Z)", "", detail, flags=re.DOTALL)  # EHR words
    yield "detail", detail
    for suggestion in card.get("suggestions", []):
        yield "label", suggestion["label"]
        for action in suggestion["actions"]:
            yield "action", action["description"]


# Placeholder values a rule gives for a typical patient (the rules always fill site, grade and Ki-67).
TYPICAL = {"site": "ileal", "grade": "G2", "ki67": "12 %", "drug": "clarithromycin", "date": "2026-12-01",
           "lab": "CrCl 40 mL/min", "therapy": "PRRT (Lu-177 dotatate)", "declined_on": "on 2026-10-02",
           "given": "2026-11-15", "earliest": "2026-12-13", "categories": "observations"}


def every_knowledge_card() -> list[dict]:
    k = knowledge()
    picture = make_picture()
    cards = []
    for card in k.cards.values():
        params = {name: value for name, value in TYPICAL.items() if name in k.placeholders}
        cards += render([Outcome(card.rules[0], Status.APPLICABLE, card=card.id, params=params)], picture,
                        knowledge=k, uuid_factory=lambda: "u")
    return cards


def all_cards() -> list[tuple[str, dict]]:
    out = [(f"knowledge:{c['extension']['net-cds']['rules'][0]}", c) for c in every_knowledge_card()]
    out += [(pid, c) for pid, body in fixture_responses().items() for c in body["cards"]]
    return out


def problems(check) -> list[str]:
    found = []
    for where, card in all_cards():
        for field, text in prose(card):
            for problem in check(text):
                found.append(f"{where} {field}: {problem} in {text[:90]!r}")
    return sorted(set(found))


def test_no_internal_words_in_clinician_facing_text():
    bad = problems(lambda t: [m.group(0) for m in INTERNAL.finditer(t)] + [m.group(0) for m in ROW_ID.finditer(t)])
    assert not bad, "\n".join(bad[:40])


def test_no_doubled_words():
    bad = problems(lambda t: [m.group(0) for m in DOUBLED.finditer(t)])
    assert not bad, "\n".join(bad[:40])


def test_no_doubled_words_in_the_facts_the_service_words():
    """Review Wording: "SSTR uptake Uptake higher than ..." (29 responses): the service's own wording of a fact
    never repeats the word its source already starts with. (Doubled words inside an EHR's own text are the
    EHR's and are shown as recorded.)"""
    bad = [f"{where}: {f['display']}" for where, card in all_cards()
           for f in card["extension"]["net-cds"]["facts"]
           if re.search(r"\bSSTR uptake\s+(uptake|SSTR)\b", f["display"], re.IGNORECASE)]
    assert not bad, bad[:20]
    sstr = [f["display"] for _, c in all_cards() for f in c["extension"]["net-cds"]["facts"] if f["name"] == "SSTR imaging"]
    assert "Uptake higher than normal liver in all target lesions" in sstr


def test_the_checks_catch_what_the_review_found():
    assert INTERNAL.search("Seed material called PRRT a later-line option")
    assert INTERNAL.search("comes first (decision table P-04)") and ROW_ID.search("comes first (decision table P-04)")
    assert DOUBLED.search("SSTR uptake Uptake higher than normal liver") and DOUBLED.search("unknown NET NET")
    assert not ROW_ID.search("Ki-67 10-20 %; ECOG 0-1; MedicationRequest/net-16-ppi")
    assert SEARCH_URL.search("https://pubmed.ncbi.nlm.nih.gov/?term=Wolin+pasireotide")


def test_each_source_is_cited_once_per_card_by_doi_where_one_exists():
    k = knowledge()
    for where, card in all_cards():
        evidence = card["extension"]["net-cds"]["evidence"]
        labels = [e["label"] for e in evidence]
        urls = [e["url"] for e in evidence if "url" in e]
        assert len(labels) == len(set(labels)), f"{where}: a source cited twice: {labels}"
        assert len(urls) == len(set(urls)), f"{where}: a source cited twice: {urls}"
        for e in evidence:
            assert not SEARCH_URL.search(e.get("url", "")), f"{where}: search URL {e['url']}"
    for e in k.evidence.values():
        assert not SEARCH_URL.search(e.url), f"evidence {e.id}: {e.url}"
    for card in k.cards.values():
        for g in card.guideline:
            assert not SEARCH_URL.search(g.url), f"{card.id}: {g.url}"


def test_suggestion_labels_are_short_and_never_cut():
    labels = [s["label"] for _, c in all_cards() for s in c.get("suggestions", [])]
    assert labels
    cut = [label for label in labels if label.endswith(("…", "...")) or len(label) > 80]
    assert not cut, cut


def _doses_ordered(card: dict) -> set[tuple[float, str]]:
    out = set()
    for suggestion in card.get("suggestions", []):
        for action in suggestion["actions"]:
            if action["type"] != "create":
                continue
            for e in read_draft(action["resource"]):
                for v in e.per_dose:
                    out.add((float(v), e.unit))
    return out


_UNIT = {"mg": "mg", "mg/m2": "mg/m2", "micrograms": "ug", "µg": "ug", "ug": "ug", "GBq": "GBq"}


def test_doses_named_in_a_summary_are_the_doses_its_drafts_order():
    """Review Wording: "SSA rescue dose 100-250 µg in text vs 100-200 µg in the draft". A dose a summary names
    must be one its own drafts order (per dose), whenever the card drafts that drug."""
    bad = []
    for where, card in all_cards():
        ordered = _doses_ordered(card)
        if not ordered:
            continue
        units = {u for _, u in ordered}
        for m in DOSE_IN_TEXT.finditer(card["summary"]):
            unit = _UNIT[m.group(3)]
            if unit not in units:
                continue
            for number in filter(None, (m.group(1), m.group(2))):
                if (float(number), unit) not in ordered:
                    bad.append(f"{where}: summary names {m.group(0)!r}, drafts order {sorted(ordered)}")
    assert not sorted(set(bad)), "\n".join(sorted(set(bad))[:30])


@pytest.mark.parametrize("phrase", ["meets hereditary criteria", "100-200 micrograms", "first LAR injection"])
def test_review_wording_items_are_gone_from_every_card(phrase):
    found = [where for where, card in all_cards() for _, text in prose(card) if phrase in text]
    assert not found, found[:10]
