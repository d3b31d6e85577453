"""Every fixture answer agrees with itself (issue 11 item 7, content part; expert review 2026-12).

Runs every ``fhir_fixtures/hooks/*.json`` request through the real app (as the goldens do) and fails on the
contradictions the review found, as classes rather than per patient:

* a card asserts in its summary a fact it lists as missing (review Wrong 12: "not suited to resection" while
  the resectability assessment is missing);
* a monitoring card for a drug that another card of the same answer says not to give (net-68);
* a card suggests (recommend/consider with a draft) a targeted drug the patient already takes, or lists it
  among "options left" (net-35: everolimus offered while she takes it);
* "VTE prophylaxis" beside an active DVT/PE on record (review U3, net-60);
* octreotide cover suggested while an insulinoma has no SSTR-positive imaging (review U2; NR-12).
"""
from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path

import pytest

from service.picture.build import build_picture
from service.picture.model import Agent, NetPicture, SstrStatus, Syndrome
from service.picture.terminology import load_terminology
from tests.golden_cards_regen import golden_client, hook_files, response_for
from tests.plugins.clinical import FIXTURE_AS_OF, bundle_record

ROOT = Path(__file__).resolve().parents[1]
HOOKS = hook_files()


@lru_cache(maxsize=1)
def _answers() -> dict[str, list[dict]]:
    with golden_client() as (client, uuids):
        return {h.stem: response_for(client, uuids, h)["cards"] for h in HOOKS}


@lru_cache(maxsize=None)
def _picture(pid: str) -> NetPicture:
    term = load_terminology(ROOT / "cards" / "terminology")
    return build_picture(bundle_record(ROOT / "fhir_fixtures" / "bundles" / f"{pid}.json"), as_of=FIXTURE_AS_OF,
                         terminology=term)


def _ext(card: dict) -> dict:
    return card["extension"]["net-cds"]


# What a summary asserts when it contains the phrase, and the missing-data words that contradict it.
ASSERTIONS = (
    (re.compile(r"not suited to resection|unresectable|resection/cytoreduction feasible", re.I), ("resectab",)),
    (re.compile(r"SSTR\+|(?<!without )SSTR-positive|SSTR uptake (higher|above)", re.I), ("sstr",)),
    (re.compile(r"\bKi-67 \d", re.I), ("ki-67 index",)),
    (re.compile(r"\bprogressi(ng|ve|on)\b", re.I), ("documented progression",)),
    (re.compile(r">50 %|bulky", re.I), ("hepatic tumour burden",)),
)


@pytest.mark.parametrize("pid", [h.stem for h in HOOKS])
def test_no_card_asserts_a_fact_it_lists_as_missing(pid):
    for card in _answers()[pid]:
        missing = " ".join(_ext(card).get("missing", [])).lower()
        for asserts, words in ASSERTIONS:
            if asserts.search(card["summary"]) and any(w in missing for w in words):
                pytest.fail(f"{pid}: '{card['summary']}' asserts what it lists as missing: {missing}")


# monitoring rows of the section-5 boxes -> the topic of their drug
MONITORING_ROWS = {"SB-01": "everolimus", "SB-02": "sunitinib", "SB-03": "cabozantinib", "SB-05": "belzutifan",
                   "SB-08": "interferon-alpha", "SB-09": "diazoxide"}


@pytest.mark.parametrize("pid", [h.stem for h in HOOKS])
def test_no_monitoring_card_for_a_drug_another_card_says_not_to_give(pid):
    cards = _answers()[pid]
    refused = {_ext(c)["topic"] for c in cards if _ext(c)["strength"] == "not-recommended"}
    for card in cards:
        if _ext(card)["strength"] in ("not-recommended", "caution") or card["indicator"] == "critical":
            continue  # a safety card may name the drug it warns about
        for row in _ext(card)["rules"]:
            if MONITORING_ROWS.get(row) in refused:
                pytest.fail(f"{pid}: monitoring ({row}) for {MONITORING_ROWS[row]}, which another card refuses")


TARGETED = {Agent.EVEROLIMUS: "everolimus", Agent.SUNITINIB: "sunitinib", Agent.CABOZANTINIB: "cabozantinib",
            Agent.BELZUTIFAN: "belzutifan", Agent.CAPTEM: "captem"}


# a taken drug may be named in a suggestion's summary only as the current or failed one ("on everolimus",
# "after everolimus", "progressing on or after everolimus", "with everolimus")
_CONTEXT = re.compile(r"(\bon|\bafter|\bwith|\bavoid|\bstop|\bhold|\bmonitor)\s+(\w+\s+){0,2}$", re.I)


@pytest.mark.parametrize("pid", [h.stem for h in HOOKS])
def test_no_suggestion_or_option_of_a_drug_the_patient_takes(pid):
    p = _picture(pid)
    taken = {topic for agent, topic in TARGETED.items() if p.on(agent)}
    for card in _answers()[pid]:
        ext = _ext(card)
        if ext["strength"] not in ("recommend", "consider"):
            continue
        if ext["topic"] in taken and card.get("suggestions"):
            pytest.fail(f"{pid}: suggests {ext['topic']}, which the patient already takes: {card['summary']}")
        for drug in taken:
            for m in re.finditer(rf"\b{drug}\b", card["summary"], re.I):
                if not _CONTEXT.search(card["summary"][:m.start()]):
                    pytest.fail(f"{pid}: lists {drug} as an option while the patient takes it: {card['summary']}")


@pytest.mark.parametrize("pid", [h.stem for h in HOOKS])
def test_no_vte_prophylaxis_beside_an_active_dvt(pid):
    if not _picture(pid).venous_thromboembolism.is_(True):
        return
    for card in _answers()[pid]:
        assert "VTE prophylaxis" not in card["summary"], f"{pid}: {card['summary']}"


_NEGATED = re.compile(r"\b(no|never|not|instead|only after|only if)\b", re.I)


@pytest.mark.parametrize("pid", [h.stem for h in HOOKS])
def test_no_octreotide_cover_for_an_insulinoma_without_sstr_positive_imaging(pid):
    """Review U2 (net-15): the surgery card advised octreotide "crisis prophylaxis" for an insulinoma."""
    p = _picture(pid)
    if not p.has_syndrome(Syndrome.INSULINOMA) or (p.sstr.known and p.sstr.value is not SstrStatus.NEGATIVE):
        return
    for card in _answers()[pid]:
        assert _ext(card)["topic"] != "carcinoid-crisis-prophylaxis", f"{pid}: octreotide cover (NR-12)"
        for sentence in re.split(r"(?<=[.])\s+|\n", card["detail"]):
            low = sentence.lower()
            if "octreotide" in low and ("cover" in low or "prophylaxis" in low) and not _NEGATED.search(sentence):
                pytest.fail(f"{pid}: '{sentence.strip()}' advises octreotide cover for an insulinoma")


# A datum the picture holds (current) must never be listed as missing (reviews A W1/W2, B U3/M5): the missing
# words of a card -> the picture fact that answers them. "more recent than" / "newer" asks for a repeat, which
# is allowed (the fact is then cited with its date).
_REPEAT = re.compile(r"more recent than|newer than|repeat|older than", re.I)
ON_RECORD = (
    (re.compile(r"\bpotassium\b", re.I), lambda p: p.labs.potassium),
    (re.compile(r"\bmagnesium\b", re.I), lambda p: p.labs.magnesium),
    (re.compile(r"cross-sectional imaging \(RECIST", re.I),
     lambda p: p.disease_status if p.disease_status.state.value == "present" else p.labs.body_height.missing()),
    (re.compile(r"growth rate", re.I),
     lambda p: p.progression if p.progression.is_(True) else p.labs.body_height.missing()),
    (re.compile(r"hepatic tumour burden", re.I), lambda p: p.hepatic_burden_percent),
    (re.compile(r"^QTc", re.I), lambda p: p.labs.qtc),
    (re.compile(r"^INR\b"), lambda p: p.labs.inr),
)


@pytest.mark.parametrize("pid", [h.stem for h in HOOKS])
def test_no_fact_on_record_is_listed_as_missing(pid):
    """Over every fixture answer: what a card lists as missing is not on the picture (when it is, the card cites
    it with its date instead), and no card lists as missing a datum another fact of the same card shows."""
    p = _picture(pid)
    for card in _answers()[pid]:
        ext = _ext(card)
        names = {f["name"].lower() for f in ext.get("facts", [])}
        for item in ext.get("missing", []):
            if _REPEAT.search(item):
                continue
            for words, fact in ON_RECORD:
                if words.search(item) and fact(p).known:
                    pytest.fail(f"{pid}: '{card['summary']}' lists '{item}' as missing; the record has "
                                f"{fact(p).sources[0].display if fact(p).sources else fact(p).value}")
            lead = item.split(" (")[0].split(",")[0].strip().lower()
            if lead in names:
                pytest.fail(f"{pid}: '{card['summary']}' cites {lead} as a fact and lists '{item}' as missing")
