"""Facts read from report text on the card (card contract, "Facts read from report text"): each fact says its
``source``; a report-text fact carries its escaped ``quote`` (<= 200 characters) and ``reference`` to the
DiagnosticReport; the detail says the value was read from text; and the card offers a suggestion that records
the value as a coded Observation for the clinician to confirm (never pre-selected)."""
from __future__ import annotations

import itertools
import json
from datetime import date

import jsonschema

from service.picture.model import Fact, FactState, Ki67, Source, SstrStatus
from service.render import render
from service.rules import FactUse, Outcome, Status, evaluate
from tests.rules.factories import AS_OF, knowledge, make_picture
from tests.test_cards import SCHEMA

RECORD = json.dumps({
    "code": {"coding": [{"system": "http://loinc.org", "code": "29593-1", "display": "Ki-67"}]},
    "valueQuantity": {"value": 12, "unit": "%", "system": "http://unitsofmeasure.org", "code": "%"},
    "label": "Record from the pathology report: Ki-67 12 %",
    "detail": "Ki-67 was read from the text of the pathology report of 2026-10-01, not from a coded result.",
    "note": "Transcribed from the pathology report text: Ki-67 12 % (hot spot).",
    "category": "laboratory"}, sort_keys=True)


def uuids():
    counter = itertools.count()
    return lambda: f"uuid-{next(counter)}"


def text_source(quote: str = "The Ki-67 proliferation index is 12 % (hot spot).", when: date = date(2026, 10, 1),
                ref: str = "DiagnosticReport/path-1") -> Source:
    return Source(ref, when, "Ki-67 12 % (read from the pathology report text)", quote=quote, record=RECORD)


def ki67_cards(source: Source) -> list[dict]:
    """M-02 (octreotide LAR or lanreotide: a choice card) deciding on a Ki-67 read from report text."""
    fact = Fact(FactState.PRESENT, Ki67(12.0), (source,))
    outcome = Outcome.applicable("M-02", facts=(FactUse.of("Ki-67", fact),))
    return render([outcome], make_picture(), knowledge=knowledge(), uuid_factory=uuids())


def ki67_card(source: Source):
    return ki67_cards(source)[0]


def records(cards: list[dict]) -> list[dict]:
    return [s for c in cards for s in c.get("suggestions", ()) for a in s["actions"][:1]
            if isinstance(a.get("resource"), dict) and a["resource"].get("resourceType") == "Observation"]


def test_a_fact_read_from_text_is_marked_quoted_and_referenced():
    card = ki67_card(text_source())
    (fact,) = card["extension"]["net-cds"]["facts"]
    assert fact["source"] == "report-text"
    assert fact["reference"] == "DiagnosticReport/path-1"
    assert fact["quote"] == "The Ki-67 proliferation index is 12 % (hot spot)."
    jsonschema.Draft202012Validator(SCHEMA).validate(card)
    assert "**Read from report text**" in card["detail"]
    assert "read from the text of the pathology report" in card["detail"]
    assert "read from report text: “The Ki\\-67 proliferation index is 12 % \\(hot spot\\)\\.”" in card["detail"]


def test_the_answer_offers_to_record_the_value_as_a_coded_observation_not_preselected():
    cards = ki67_cards(text_source())
    record = records(cards)
    assert len(record) == 1
    suggestion = record[0]
    assert suggestion["isRecommended"] is False and suggestion["uuid"]
    assert suggestion["label"] == "Record from the pathology report: Ki-67 12 %"
    (action,) = suggestion["actions"]
    assert action["type"] == "create"
    obs = action["resource"]
    assert obs["status"] == "final"
    assert obs["code"]["coding"][0] == {"system": "http://loinc.org", "code": "29593-1", "display": "Ki-67"}
    assert obs["valueQuantity"] == {"value": 12, "unit": "%", "system": "http://unitsofmeasure.org", "code": "%"}
    assert obs["subject"] == {"reference": "Patient/p-1"}
    assert obs["effectiveDateTime"] == "2026-10-01"
    assert obs["derivedFrom"] == [{"reference": "DiagnosticReport/path-1"}]
    assert obs["category"][0]["coding"][0]["code"] == "laboratory"
    # a choice card (two options of one decision, here octreotide LAR or lanreotide) is at-most-one: its options
    # must never both be accepted, and recording a value is no alternative to a therapy, so the record is not on
    # it but on a card of its own, where any record may be accepted; the choice card says where it is
    choice, records_card = cards
    assert choice["selectionBehavior"] == "at-most-one" and len(choice["suggestions"]) == 2
    assert not records([choice])
    assert "Confirm values read from report text" in choice["detail"]
    assert records_card["suggestions"] == record and records_card["selectionBehavior"] == "any"
    assert records_card["indicator"] == "info"
    ext = records_card["extension"]["net-cds"]
    assert ext["topic"] == "data-gap" and ext["strength"] == "info" and ext["rules"] == ["M-02"]
    (fact,) = ext["facts"]
    assert fact["source"] == "report-text" and fact["reference"] == "DiagnosticReport/path-1"
    assert records_card["summary"] == "Confirm values read from report text: Ki-67 12 %"
    jsonschema.Draft202012Validator(SCHEMA).validate(records_card)


def test_a_value_used_by_several_cards_is_offered_once_on_the_records_card():
    """Two cards (one order each, not choices) using one report-text value: the record is offered once, on the
    records card, never on the cards themselves (review 2026-12 D: one value recorded three times)."""
    fact = Fact(FactState.PRESENT, Ki67(12.0), (text_source(),))
    use = (FactUse.of("Ki-67", fact),)
    outcomes = [Outcome.applicable("M-05", facts=use), Outcome.applicable("G-04", facts=use)]
    cards = render(outcomes, make_picture(), knowledge=knowledge(), uuid_factory=uuids())
    *advice, records_card = cards
    assert len(advice) >= 2, [c["summary"] for c in cards]
    assert len(records(cards)) == 1 and records(cards) == records([records_card])
    for card in advice:
        assert not records([card])
        assert "Confirm values read from report text" in card["detail"]
    assert set(records_card["extension"]["net-cds"]["rules"]) == {"M-05", "G-04"}


def test_a_hostile_quote_is_escaped_everywhere_and_bounded():
    quote = "<script>alert(1)</script> [x](javascript:alert(1)) " + "Ki-67 12 % " * 30
    card = ki67_card(text_source(quote=quote[:200]))
    (fact,) = card["extension"]["net-cds"]["facts"]
    assert len(fact["quote"]) <= 200 and "<" not in fact["quote"] and "javascript:" not in fact["quote"]
    assert "<script>" not in card["detail"] and "javascript:" not in card["detail"].lower()
    note = records(ki67_cards(text_source(quote=quote[:200])))[0]["actions"][0]["resource"]["note"][0]["text"]
    assert "<" not in note


def test_a_coded_fact_says_coded_and_offers_no_record():
    fact = Fact(FactState.PRESENT, Ki67(12.0), (Source("Observation/k1", date(2026, 10, 1), "Ki-67 12 %"),))
    outcome = Outcome.applicable("M-02", facts=(FactUse.of("Ki-67", fact),))
    (card,) = render([outcome], make_picture(), knowledge=knowledge(), uuid_factory=uuids())
    (f,) = card["extension"]["net-cds"]["facts"]
    assert f["source"] == "coded" and "quote" not in f
    assert "Read from report text" not in card["detail"]
    assert all(a["resource"]["resourceType"] != "Observation" for s in card.get("suggestions", ())
               for a in s["actions"])


def test_at_one_date_the_coded_source_is_shown_before_the_report_text():
    coded = Source("Observation/k1", date(2026, 10, 1), "Ki-67 12 %")
    fact = Fact(FactState.PRESENT, Ki67(12.0), (text_source(), coded))
    use = FactUse.of("Ki-67", fact)
    assert use.source == "coded" and use.reference == "Observation/k1" and use.quote is None
    newer_text = Fact(FactState.PRESENT, Ki67(12.0), (coded, text_source(when=date(2026, 10, 20))))
    assert FactUse.of("Ki-67", newer_text).source == "report-text"


def test_a_prrt_card_deciding_on_text_sstr_says_so():
    sstr = Fact(FactState.PRESENT, SstrStatus.POSITIVE_ALL, (Source(
        "DiagnosticReport/pet-1", date(2026, 9, 1), "SSTR uptake higher than liver (read from the imaging report text)",
        quote="All liver metastases show uptake greater than normal liver.",
        record=json.dumps({"code": {"coding": [{"system": "https://net-cds.org/fhir/CodeSystem/observation",
                                                 "code": "sstr-imaging"}]},
                           "valueCodeableConcept": {"coding": [{
                               "system": "https://net-cds.org/fhir/CodeSystem/sstr-uptake",
                               "code": "higher-than-liver"}]},
                           "detail": "SSTR imaging uptake was read from the text of the imaging report.",
                           "label": "Record SSTR imaging uptake as a coded result", "category": "imaging"})),))
    from tests.rules.factories import therapy
    from service.picture.model import Agent
    picture = make_picture(sstr=sstr, progression=True, therapies=(therapy(Agent.SSA),))
    cards = render(evaluate(picture, as_of=AS_OF, knowledge=knowledge()), picture, knowledge=knowledge(),
                   uuid_factory=uuids())
    prrt = [c for c in cards if c["extension"]["net-cds"]["topic"] == "prrt"]
    assert prrt, [c["summary"] for c in cards]
    facts = prrt[0]["extension"]["net-cds"]["facts"]
    assert any(f.get("source") == "report-text" and f["reference"] == "DiagnosticReport/pet-1" for f in facts)
    assert "Read from report text" in prrt[0]["detail"]
    # the record is offered once in the answer, on the card of values read from report text
    (record,) = [s for s in records(cards) if s["actions"][0]["resource"]["code"]["coding"][0]["code"] == "sstr-imaging"]
    holder = [c for c in cards if record in c.get("suggestions", ())]
    assert len(holder) == 1 and holder[0]["summary"].startswith("Confirm values read from report text")
