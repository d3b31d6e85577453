"""Draft orders are executable as structured fields say them, in every fixture response and for every order in
the knowledge (review U1, Wrong 1 and 4; issue 12 items 1-2).

* A reader that looks only at the structured fields (``tests/orders/reader.py``) computes what each draft would
  give per cycle; it must equal the knowledge's intended regimen and the decision table's doses.
* No draft without a structured dose in a UCUM unit and a coded route; no cyclic drug with an unbounded timing;
  no draft of a drug class the patient already takes unless the same suggestion deletes the current order.
* Every draft resource is a valid FHIR R4B resource; every ServiceRequest is coded.
"""
from __future__ import annotations

from tests.orders.ends import ended

import json
from functools import lru_cache
from pathlib import Path
from typing import Any, Iterator

import pytest
from fhir.resources.R4B import get_fhir_model_class

from service.knowledge import DrugSpec, Knowledge
from service.picture.model import NetPicture, TherapyStatus
from service.render import render
from service.rules import evaluate
from tests.golden_cards_regen import golden_client, hook_files, response_for
from tests.orders.reader import CONTINUOUS_REFERENCE_DAYS, Exposure, read_draft
from tests.plugins.clinical import FIXTURES_DIR, bundle_record
from tests.rules.factories import AS_OF, knowledge, make_picture

HOOKS = {p.stem: p for p in hook_files()}
UCUM_DOSE_UNITS = {"mg", "ug", "g", "GBq", "MBq", "mg/m2", "mg/kg", "ug/kg", "10*6.[iU]", "[iU]"}

# The decision table's regimens (net-guideline sections 4-5), written out independently of the knowledge:
# drug -> (exposure per cycle low, high, UCUM unit, cycle days; continuous drugs over 28 days). A draft that
# says anything else is wrong.
GUIDELINE_PER_CYCLE: dict[str, tuple[float, float, str, float]] = {
    "capecitabine-captem": (21000, 21000, "mg/m2", 28),   # 750 mg/m2 twice daily, days 1-14
    "temozolomide-captem": (1000, 1000, "mg/m2", 28),     # 200 mg/m2 daily, days 10-14
    "streptozocin": (2500, 2500, "mg/m2", 42),            # 500 mg/m2 days 1-5, every 6 weeks
    "fluorouracil": (2000, 2000, "mg/m2", 42),            # 400 mg/m2 days 1-5
    "cisplatin-nec": (75, 75, "mg/m2", 21),               # 75 mg/m2 day 1 (the table range 75-80 keeps to the text)
    "etoposide-nec": (300, 300, "mg/m2", 21),             # 100 mg/m2 days 1-3
    "everolimus-10": (280, 280, "mg", 28),                # 10 mg daily, continuous
    "sunitinib-37-5": (1050, 1050, "mg", 28),             # 37.5 mg daily, continuous
    "cabozantinib-60": (1680, 1680, "mg", 28),            # 60 mg daily
    "belzutifan-120": (3360, 3360, "mg", 28),             # 120 mg (3 x 40 mg) daily
    "telotristat-250": (21000, 21000, "mg", 28),          # 250 mg three times daily
    "lutathera": (7.4, 7.4, "GBq", 56),                   # 7.4 GBq every 8 weeks (x4)
    "octreotide-lar-30": (30, 30, "mg", 28),
    "octreotide-lar-30-q3w": (40, 40, "mg", 28),           # 30 mg every 3 weeks = 40 mg per 28 days
    "octreotide-lar-60-q4w": (60, 60, "mg", 28),
    "lanreotide-120": (120, 120, "mg", 28),
    "lanreotide-120-q14d": (240, 240, "mg", 28),           # 120 mg every 14 days
    "omeprazole-high-dose": (2240, 2240, "mg", 28),       # 40 mg twice daily (starting dose)
}
GUIDELINE_COURSE_TOTAL = {"lutathera": (29.6, "GBq")}    # 4 x 7.4 GBq


# --------------------------------------------------------------------------- what the knowledge intends


def intended(k: Knowledge, drug: DrugSpec) -> tuple[float, float, float]:
    """(low, high, cycle days) the knowledge intends per cycle, from its own fields (not from the FHIR)."""
    assert drug.dose is not None and drug.timing is not None
    low, high = drug.dose.bounds
    t = drug.timing
    period_days = t["period"] * {"h": 1 / 24, "d": 1, "wk": 7, "mo": 30}[t["period_unit"]]
    regimen = next((r for r in k.regimens.values() if drug.id in r.days), None)
    if regimen is not None:
        first, last = regimen.days[drug.id]
        n = t["frequency"] / period_days * (last - first + 1)
        return low * n, high * n, regimen.cycle_days
    if drug.as_needed:
        assert drug.max_per_day is not None
        return 0.0, drug.max_per_day.bounds[0], 1.0
    if "duration_days" in t:
        n = t["frequency"] / period_days * t["duration_days"]
        return low * n, high * n, t["duration_days"]
    if "count" in t:
        return low * t["frequency"], high * t["frequency"], period_days
    n = t["frequency"] / period_days * CONTINUOUS_REFERENCE_DAYS
    return low * n, high * n, CONTINUOUS_REFERENCE_DAYS


def drug_of(k: Knowledge, exposure: Exposure) -> DrugSpec:
    (drug,) = [d for d in k.drugs.values() if d.rxnorm == exposure.rxnorm and d.display == exposure.text]
    return drug


# --------------------------------------------------------------------------- responses


@lru_cache(maxsize=1)
def fixture_responses() -> dict[str, dict]:
    out = {}
    with golden_client() as (client, uuids):
        for name, path in sorted(HOOKS.items()):
            out[name] = response_for(client, uuids, path)
    return out


def creates(cards: list[dict]) -> Iterator[tuple[dict, dict, dict]]:
    """(card, suggestion, resource) of every create action."""
    for card in cards:
        for suggestion in card.get("suggestions", []):
            for action in suggestion["actions"]:
                if action["type"] == "create":
                    yield card, suggestion, action["resource"]


def medication_requests(resource: dict) -> list[dict]:
    if resource["resourceType"] == "MedicationRequest":
        return [resource]
    if resource["resourceType"] == "RequestGroup":
        return list(resource.get("contained", []))
    return []


def every_knowledge_order(k: Knowledge) -> list[dict]:
    """The cards of every knowledge order, rendered for a patient with nothing in force."""
    from service.rules import Outcome, Status
    picture = make_picture()
    cards = []
    for card in k.cards.values():
        if card.order is None or card.strength not in ("recommend", "consider", "needs-data"):
            continue
        cards += render([Outcome(card.rules[0], Status.APPLICABLE, card=card.id)], picture, knowledge=k,
                        uuid_factory=lambda: "u")
    return cards


@pytest.fixture(scope="module")
def responses() -> dict[str, dict]:
    return fixture_responses()


def _all_drafts(responses: dict[str, dict]) -> list[tuple[str, dict, dict, dict]]:
    return [(pid, card, suggestion, resource) for pid, body in responses.items()
            for card, suggestion, resource in creates(body["cards"])]


# --------------------------------------------------------------------------- structured dose, route, timing


def assert_structured(mr: dict, where: str) -> None:
    dosage = mr["dosageInstruction"][0]
    ordered = [d for d in dosage.get("doseAndRate", [])
               if d.get("type", {}).get("coding", [{}])[0].get("code") == "ordered"]
    assert ordered, f"{where}: draft without a structured dose"
    quantities = ([ordered[0]["doseQuantity"]] if "doseQuantity" in ordered[0]
                  else [ordered[0]["doseRange"]["low"], ordered[0]["doseRange"]["high"]])
    for q in quantities:
        assert q["system"] == "http://unitsofmeasure.org" and q["code"] in UCUM_DOSE_UNITS, f"{where}: unit {q}"
    route = dosage["route"]["coding"][0]
    assert route["system"] == "http://snomed.info/sct" and route["code"].isdigit(), f"{where}: route not coded"
    assert dosage["timing"]["repeat"]["frequency"] >= 1, f"{where}: no timing"
    coding = mr["medicationCodeableConcept"]["coding"][0]
    assert coding["system"] == "http://www.nlm.nih.gov/research/umls/rxnorm", where


def test_every_fixture_draft_has_a_structured_dose_unit_route_and_timing(responses):
    drafts = _all_drafts(responses)
    assert any(r["resourceType"] == "RequestGroup" for *_, r in drafts), "the fixtures include a cyclic regimen"
    for pid, card, _, resource in drafts:
        for mr in medication_requests(resource):
            assert_structured(mr, f"{pid} {card['summary'][:50]}")


def test_every_knowledge_order_has_a_structured_dose_unit_route_and_timing():
    k = knowledge()
    cards = every_knowledge_order(k)
    seen = set()
    for card, _, resource in creates(cards):
        for mr in medication_requests(resource):
            assert_structured(mr, card["summary"][:60])
            seen.add(mr["medicationCodeableConcept"]["text"])
    ordered = {k.drugs[d].display for c in k.cards.values() if c.order for d in c.order.medications}
    assert ordered <= seen, f"orders never rendered: {ordered - seen}"


def test_no_cyclic_drug_has_an_unbounded_timing(responses):
    """U1: a cyclic regimen never reads as continuous daily use. Each regimen drug is bounded to its days of the
    cycle (boundsDuration + count) inside a RequestGroup whose cycle repeats a counted number of times."""
    k = knowledge()
    cards = every_knowledge_order(k) + [c for body in responses.values() for c in body["cards"]]
    regimen_drugs = {k.drugs[d].display for r in k.regimens.values() for d in r.days}
    found = 0
    for _, _, resource in creates(cards):
        if resource["resourceType"] == "MedicationRequest":
            assert resource["medicationCodeableConcept"]["text"] not in regimen_drugs, \
                "a cyclic drug drafted outside its regimen"
        for exposure in read_draft(resource):
            if exposure.text in regimen_drugs:
                found += 1
                assert exposure.bounded and exposure.cycles and exposure.days is not None, exposure
                assert exposure.first_day + exposure.days - 1 <= exposure.cycle_days, exposure
    assert found


def test_structured_exposure_per_cycle_equals_the_knowledge_and_the_decision_table(responses):
    """The reader computes each draft's exposure per cycle from the structured fields only; it must equal what the
    knowledge intends, and the decision table's regimen where the table gives one."""
    k = knowledge()
    cards = every_knowledge_order(k) + [c for body in responses.values() for c in body["cards"]]
    checked = set()
    for card, _, resource in creates(cards):
        for exposure in read_draft(resource):
            drug = drug_of(k, exposure)
            assert drug.dose is not None and exposure.unit == drug.dose.unit, drug.id
            low, high, cycle = intended(k, drug)
            assert exposure.per_cycle == pytest.approx((low, high)), f"{drug.id}: {exposure.per_cycle} vs {(low, high)}"
            assert exposure.cycle_days == pytest.approx(cycle), drug.id
            if drug.id in GUIDELINE_PER_CYCLE:
                g_low, g_high, g_unit, g_cycle = GUIDELINE_PER_CYCLE[drug.id]
                assert (exposure.unit, exposure.cycle_days) == (g_unit, g_cycle), drug.id
                assert exposure.per_cycle == pytest.approx((g_low, g_high)), f"{drug.id} differs from the table"
            if drug.id in GUIDELINE_COURSE_TOTAL:
                assert exposure.total == pytest.approx((GUIDELINE_COURSE_TOTAL[drug.id][0],) * 2)
            if drug.id in ("temozolomide-captem",):
                assert exposure.first_day == 10 and exposure.days == 5
            checked.add(drug.id)
    assert set(GUIDELINE_PER_CYCLE) <= checked, f"not drafted anywhere: {set(GUIDELINE_PER_CYCLE) - checked}"


def test_the_reader_catches_continuous_temozolomide():
    """The reader can fail: CAPTEM with temozolomide as plain daily timing (the defect of review U1)."""
    k = knowledge()
    (card,) = [c for c in every_knowledge_order(k) if "CAPTEM" in json.dumps(c.get("suggestions", []))][:1]
    regimen = next(r for _, _, r in creates([card]) if r["resourceType"] == "RequestGroup")
    broken = json.loads(json.dumps(regimen))
    tmz = next(r for r in broken["contained"] if r["id"] == "temozolomide-captem")
    repeat = tmz["dosageInstruction"][0]["timing"]["repeat"]
    del repeat["boundsDuration"], repeat["count"]
    with pytest.raises(AssertionError):
        read_draft(broken)


def test_belzutifan_draft_is_three_40_mg_tablets_once_daily():
    """U1: belzutifan 120 mg = 3 x 40 mg tablets; the structured dose is 120 mg, never one tablet."""
    k = knowledge()
    (exposure,) = [e for c in every_knowledge_order(k) for _, _, r in creates([c]) for e in read_draft(r)
                   if e.rxnorm == "2567231"][:1]
    assert exposure.per_dose == (120, 120) and exposure.unit == "mg"
    assert k.drugs["belzutifan-120"].strength.value == 40  # the loader checks 120 / 40 is whole


def test_rescue_octreotide_is_an_as_needed_clinical_drug_order():
    """Wrong 4: rescue SC octreotide is as needed, with a daily maximum, coded as a clinical drug (not 7617)."""
    k = knowledge()
    drug = k.drugs["octreotide-sc"]
    assert drug.rxnorm_tty == "SCD" and drug.rxnorm != "7617" and drug.as_needed
    exposures = [e for c in every_knowledge_order(k) for _, _, r in creates([c]) for e in read_draft(r)
                 if e.text == drug.display]
    # one dose, at most 3 a day (review D net-02: a 100-250 microgram range timed once a day, max 750)
    assert exposures and all(e.as_needed and e.per_dose == (100, 100) and e.per_cycle[1] == 300 for e in exposures)
    assert "LAR" not in drug.dosage  # rescue text never speaks of a first LAR injection


def test_every_fixture_draft_is_a_valid_fhir_r4b_resource(responses):
    for pid, card, _, resource in _all_drafts(responses):
        model = get_fhir_model_class(resource["resourceType"])
        model.model_validate(resource)  # raises on an invalid draft


def test_every_draft_service_request_is_coded(responses):
    k = knowledge()
    cards = every_knowledge_order(k) + [c for body in responses.values() for c in body["cards"]]
    requests = [r for _, _, r in creates(cards) if r["resourceType"] == "ServiceRequest"]
    assert requests
    for r in requests:
        systems = {c["system"] for c in r["code"]["coding"]}
        assert "https://net-cds.org/fhir/CodeSystem/service-request" in systems and r["code"]["text"]


# --------------------------------------------------------------------------- duplicates (Wrong 1)


@lru_cache(maxsize=None)
def _picture(pid: str, picture_builder: Any) -> NetPicture:
    return picture_builder(bundle_record(FIXTURES_DIR / "bundles" / f"{pid}.json"))


def in_force(picture: NetPicture, drug: DrugSpec) -> list:
    return [t for t in picture.therapies
            if t.agent.value == drug.agent and t.status in (TherapyStatus.ACTIVE, TherapyStatus.PLANNED)
            and (drug.long_acting is None or t.long_acting is None or t.long_acting == drug.long_acting)]


def assert_no_duplicate(picture: NetPicture, cards: list[dict], k: Knowledge, where: str) -> None:
    for card in cards:
        for suggestion in card.get("suggestions", []):
            deletes = set(ended(suggestion["actions"]))
            for action in suggestion["actions"]:
                if action["type"] != "create":
                    continue
                for exposure in read_draft(action["resource"]):
                    drug = drug_of(k, exposure)
                    current = in_force(picture, drug)
                    # never two live schedules: the change ends the active orders, a regimen recorded only as a
                    # statement, and any pending draft of the class (review A U4)
                    orders = {ref for t in current for ref in (*t.orders, *t.statements)}
                    assert all(t.orders or t.statements for t in current) and orders <= deletes, (
                        f"{where}: '{suggestion['label']}' drafts {drug.id} although the patient has "
                        f"{[t.drug for t in current]} in force without deleting {orders - deletes}")


def test_no_fixture_draft_duplicates_a_drug_class_in_force(responses, picture_of):
    k = knowledge()
    for pid, body in responses.items():
        bundle = FIXTURES_DIR / "bundles" / f"{pid}.json"
        if not bundle.exists():
            continue
        assert_no_duplicate(picture_of(bundle_record(bundle)), body["cards"], k, pid)


def test_the_duplicate_check_can_fail():
    """A PPI patient offered omeprazole with no delete (review Wrong 1) is caught."""
    from service.picture.model import Agent
    from tests.rules.factories import therapy
    k = knowledge()
    picture = make_picture(therapies=(therapy(Agent.PPI, drug="pantoprazole"),))
    cards = every_knowledge_order(k)
    ppi = [c for c in cards if c["extension"]["net-cds"]["topic"] == "proton-pump-inhibitor"]
    assert ppi
    with pytest.raises(AssertionError, match="omeprazole-high-dose"):
        assert_no_duplicate(picture, ppi, k, "test")


def test_random_pictures_never_get_a_duplicate_draft():
    """Over realistic therapy mixes, every recommend card either drafts a class not in force or replaces it."""
    from hypothesis import HealthCheck, given, settings
    from hypothesis import strategies as st
    from service.picture.model import Agent
    from tests.rules.factories import therapy

    k = knowledge()
    therapies = st.lists(st.builds(therapy, st.sampled_from(list(Agent)),
                                   status=st.sampled_from([TherapyStatus.ACTIVE, TherapyStatus.PLANNED,
                                                           TherapyStatus.COMPLETED])), max_size=3).map(tuple)

    @settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
    @given(therapies, st.booleans(), st.booleans())
    def check(ts, progression, carcinoid):
        picture = make_picture(therapies=ts, progression=progression, carcinoid_syndrome=carcinoid)
        cards = render(evaluate(picture, as_of=AS_OF, knowledge=k), picture, knowledge=k, uuid_factory=lambda: "u")
        assert_no_duplicate(picture, cards, k, "random")

    check()
