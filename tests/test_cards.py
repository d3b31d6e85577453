"""Card rendering: the CDS Hooks card schema, the card contract, merging, ordering and escaping."""
from __future__ import annotations

import itertools
import json
import re
from datetime import date
from pathlib import Path
from typing import Any

import jsonschema
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from service.render import escape_markdown, plain_text, render
from service.knowledge import Knowledge, option_label, worst_case_values
from service.picture.model import (
    Agent,
    Differentiation,
    DiseaseStatus,
    Extent,
    Fact,
    FactState,
    Grade,
    Hereditary,
    Ki67,
    Labs,
    LungType,
    Medication,
    NetPicture,
    PrimarySite,
    Procedure,
    Resectability,
    Scope,
    Source,
    SstrStatus,
    Syndrome,
    Therapy,
    TherapyStatus,
)
from service.rules import FactUse, Outcome, Status, evaluate
from tests.rules.factories import AS_OF, knowledge, make_picture, medication, therapy

SCHEMA = json.loads((Path(__file__).resolve().parents[1] / "cards" / "schema" / "cds-card.schema.json").read_text())
VALIDATOR = jsonschema.Draft202012Validator(SCHEMA)
HOSTILE = [
    "<script>alert(1)</script>",
    "[click](javascript:alert(1))",
    "**bold** _it_ `code` ``` fence",
    "# heading\n- list\r\n| a | b |",
    "![img](https://evil.example/x.png)",
    "\x00\x1b[31mred\u202e\u2028 &amp; <b>",
]


def uuids():
    counter = itertools.count()
    return lambda: f"uuid-{next(counter)}"


def empty_values(node: Any, path: str = "") -> list[str]:
    """Paths of null / "" / [] / {} values anywhere in a card (the contract omits them instead)."""
    found = []
    if node is None or node == "" or node == [] or node == {}:
        found.append(path)
    elif isinstance(node, dict):
        for key, value in node.items():
            if key in ("facts", "evidence") and value == []:
                continue  # contract: always present in the extension, may be empty
            found += empty_values(value, f"{path}/{key}")
    elif isinstance(node, list):
        for i, value in enumerate(node):
            found += empty_values(value, f"{path}/{i}")
    return found


def assert_contract(card: dict, k: Knowledge) -> None:
    VALIDATOR.validate(card)
    assert len(card["summary"]) < 140
    assert empty_values(card) == []
    ext = card["extension"]["net-cds"]
    assert ext["topic"] == card["source"]["topic"]["code"]
    assert ext["knowledgeVersion"] == k.version
    assert not re.search(r"(?<!\\)<[A-Za-z/!?]", card.get("detail", "")), "raw HTML in detail"
    for link in card.get("links", []):
        assert link["url"].startswith("https://") and link["type"] == "absolute"
    for reason in card["overrideReasons"]:
        assert reason["system"] == "https://net-cds.org/fhir/CodeSystem/override-reason" and reason["display"]
    drug_suggestion = ext["strength"] in ("recommend", "consider")
    for suggestion in card.get("suggestions", []):
        assert suggestion["uuid"] and suggestion["isRecommended"] is (suggestion is card["suggestions"][0])
        assert len(suggestion["label"]) <= 80 and not suggestion["label"].endswith("…"), "label cut"
        for action in suggestion["actions"]:
            if action["type"] == "delete":  # removal of a draft order (never signed)
                assert re.fullmatch(r"MedicationRequest/[A-Za-z0-9\-.]{1,64}", action["resourceId"])
                assert "resource" not in action
                continue
            if action["type"] == "update":  # a stop or hold of a record in force: the whole resource, new status
                assert "resourceId" not in action
                assert action["resource"]["resourceType"] in ("MedicationRequest", "MedicationStatement")
                assert action["resource"]["id"] and action["resource"]["status"] in ("stopped", "on-hold", "cancelled")
                continue
            resource = action["resource"]
            assert action["type"] == "create"
            assert resource["status"] == "draft" and resource["intent"] == "proposal"
            assert resource["subject"] == {"reference": "Patient/p-1"}
            requests = [resource] if resource["resourceType"] == "MedicationRequest" else (
                resource.get("contained", []) if resource["resourceType"] == "RequestGroup" else [])
            if resource["resourceType"] == "RequestGroup":
                assert requests and resource["action"][0]["timingTiming"]["repeat"]["count"] >= 1
            for request in requests:
                coding = request["medicationCodeableConcept"]["coding"][0]
                assert coding["system"] == "http://www.nlm.nih.gov/research/umls/rxnorm" and coding["code"].isdigit()
                dosage = request["dosageInstruction"][0]
                assert dosage["text"] and dosage["route"]["coding"][0]["system"] == "http://snomed.info/sct"
                assert {"doseQuantity", "doseRange"} & set(dosage["doseAndRate"][0])
            if resource["resourceType"] == "ServiceRequest":
                assert resource["code"]["text"]
                assert any(c["system"] == "https://net-cds.org/fhir/CodeSystem/service-request"
                           for c in resource["code"]["coding"])
            else:
                assert requests, f"unexpected draft {resource['resourceType']}"
    if ext["strength"] in ("caution", "not-recommended", "info"):
        # only a stop (stops/holds of current orders, removal of a draft) or a test (ECG, labs), never a new drug
        assert all(a["type"] in ("delete", "update") or a["resource"]["resourceType"] == "ServiceRequest"
                   for s in card.get("suggestions", []) for a in s["actions"])
    if drug_suggestion and card["source"]["topic"]["code"] in ("everolimus", "prrt", "captem"):
        # no suggestion only when the patient already has that therapy in force: never a duplicate order
        assert card.get("suggestions") or "No new order for" in card["detail"] or "No draft to change" in card["detail"], \
            "recommend/consider drug card without a suggestion"


# --------------------------------------------------------------------------- escaping


@pytest.mark.parametrize("hostile", HOSTILE)
def test_escape_markdown_makes_hostile_text_inert(hostile):
    out = escape_markdown(hostile)
    assert "<" not in out.replace("\\<", "")
    assert "[" not in out.replace("\\[", "")
    assert "`" not in out.replace("\\`", "")
    assert "*" not in out.replace("\\*", "")
    assert not re.search(r"[\x00-\x1f\x7f\u202e\u2028]", out)
    assert "javascript:" not in out.lower()


@pytest.mark.parametrize("hostile", HOSTILE + ["JavaScript:alert(1)", "xjavascript: y", "1javascript:x", "data:text/html,x",
                                                "see https://evil.example", "vbscript:msgbox"])
def test_plain_text_makes_hostile_text_inert(hostile):
    """Plain-text fields (facts, missing, labels, summary placeholders): no markup, link or scheme survives,
    even for a client that renders them as HTML or Markdown."""
    out = plain_text(hostile)
    assert not set("<>[]") & set(out)
    assert not re.search(r"[A-Za-z][A-Za-z0-9+.\-]*:\S", out), "a URL scheme survived"
    assert not re.search(r"(javascript|vbscript|data):", out.lower())
    assert not re.search(r"[\x00-\x1f\x7f-\x9f\u200b-\u200f\u202a-\u202e\u2028\u2029\u2066-\u2069]", out)


def test_plain_text_shows_angle_brackets_and_links_in_a_safe_readable_form():
    assert plain_text("[click](javascript:alert(1)) <b>") == "(click)(javascript：alert(1)) ＜b＞"
    assert plain_text("Ki-67 <2 %; SSTR uptake: higher than liver") == "Ki-67 ＜2 %; SSTR uptake: higher than liver"
    assert plain_text("mitoses 3/2 mm2 (G2) -> higher wins; size >= 2 cm, Ki-67 <= 3") == (
        "mitoses 3/2 mm2 (G2) → higher wins; size ≥ 2 cm, Ki-67 ≤ 3")
    assert plain_text("x" * 5000).endswith("…") and len(plain_text("x" * 5000)) <= 120


def test_escape_markdown_escapes_the_colon_of_a_url_scheme():
    assert escape_markdown("javascript:alert(1)") == "javascript：alert\\(1\\)"
    assert escape_markdown("see https://x.example") == "see https：//x\\.example"   # no autolink either
    assert escape_markdown("note: text") == "note\\: text"


def test_escape_markdown_keeps_plain_words_and_escapes_every_special():
    assert escape_markdown("Ki-67 12 %") == "Ki\\-67 12 %"
    assert escape_markdown("a_b*c`d[e](f)!g#h|i<j>k&l+m.n{o}p\\q") == (
        "a\\_b\\*c\\`d\\[e\\]\\(f\\)\\!g\\#h\\|i\\<j\\>k\\&l\\+m\\.n\\{o\\}p\\\\q")


def _escape_markdown_by_character(text: str, *, max_length: int = 120) -> str:
    """The escaping rule spelled out one character at a time (the definition the fast
    ``str.translate`` implementation must match): every Markdown/HTML special and every
    URL-scheme colon gets a backslash."""
    from service.render import _MARKDOWN_SPECIALS, _SCHEME_COLON, _clean

    cleaned = _clean(text, max_length)
    colons = {m.end() - 1 for m in _SCHEME_COLON.finditer(cleaned)}
    return "".join("\\" + ch if ch in _MARKDOWN_SPECIALS or i in colons else ch for i, ch in enumerate(cleaned))


_ESCAPE_ALPHABET = st.lists(st.sampled_from(list("ab1Z:.+-/ \\`*_{}[]()#!|<>&~\n\t\x00\u202e")
                                             + ["javascript:", "x:", "https://"]), max_size=60).map("".join)


@settings(max_examples=400, deadline=None)
@given(text=st.one_of(st.text(max_size=200), _ESCAPE_ALPHABET), max_length=st.sampled_from([8, 30, 120, 300]))
def test_escape_markdown_equals_the_character_by_character_rule(text, max_length):
    assert escape_markdown(text, max_length=max_length) == _escape_markdown_by_character(text, max_length=max_length)


@pytest.mark.parametrize("hostile", HOSTILE + ["1javascript:x", "a:b:c", "::", "see https://x.example: now"])
def test_escape_markdown_hostile_equals_the_character_by_character_rule(hostile):
    assert escape_markdown(hostile) == _escape_markdown_by_character(hostile)


def test_escape_markdown_truncates_very_long_values():
    out = escape_markdown("x" * 5000)
    assert len(out) <= 120 and out.endswith("…")


def test_hostile_patient_strings_never_reach_a_card_unescaped():
    k = knowledge()
    hostile_facts = tuple(FactUse(name=h, display=h, reference=h) for h in HOSTILE)
    outcome = Outcome(rule_id="NR-19", status=Status.APPLICABLE, card="everolimus-cyp3a4",
                      facts=hostile_facts, missing=tuple(HOSTILE), reason=HOSTILE[1],
                      params={"drug": "<script>x</script>"})
    (card,) = render([outcome], make_picture(), knowledge=k, uuid_factory=uuids())
    assert_contract(card, k)
    assert "<script>" not in card["detail"] and "](javascript" not in card["detail"]
    assert "\\<script\\>" in card["detail"]
    assert all("reference" not in f for f in card["extension"]["net-cds"]["facts"])  # not FHIR references
    # The extension's facts and missing data are plain text, neutralised too (never raw '<', '[' or a scheme).
    ext = card["extension"]["net-cds"]
    for text in [f[key] for f in ext["facts"] for key in ("name", "display")] + ext["missing"] + [card["summary"]]:
        assert not set("<>[]") & set(text) and "javascript:" not in text.lower(), text
    assert "javascript:" not in card["detail"].lower()


# --------------------------------------------------------------------------- every card in the knowledge


@pytest.mark.parametrize("card_id", sorted(knowledge().cards))
def test_every_knowledge_card_renders_to_a_valid_card(card_id):
    k = knowledge()
    spec = k.cards[card_id]
    facts = (FactUse("Ki-67", "12 %", date(2026, 10, 1), "Observation/ki67-1"),)
    outcome = Outcome(rule_id=spec.rules[0], status=Status.APPLICABLE, card=card_id, facts=facts,
                      params=worst_case_values(k))
    (card,) = render([outcome], make_picture(), knowledge=k, uuid_factory=uuids())
    assert_contract(card, k)
    assert card["extension"]["net-cds"]["rules"] == [spec.rules[0]]
    assert card["extension"]["net-cds"]["facts"] == [
        {"name": "Ki-67", "display": "12 %", "date": "2026-10-01", "reference": "Observation/ki67-1",
         "source": "coded"}]
    for section in ("**Why**", "**Patient facts used**"):
        assert section in card["detail"]


# --------------------------------------------------------------------------- merging and order


def test_same_topic_merges_and_not_recommended_wins_over_a_suggestion():
    k = knowledge()
    recommend = Outcome(rule_id="G3-01", status=Status.APPLICABLE, card="g3-prrt-first-line")
    never = Outcome(rule_id="NR-04", status=Status.APPLICABLE, card="prrt-pregnancy")
    cards = render([recommend, never], make_picture(), knowledge=k, uuid_factory=uuids())
    (card,) = [c for c in cards if c["source"]["topic"]["code"] == "prrt"]
    assert card["extension"]["net-cds"]["strength"] == "not-recommended"
    assert card["extension"]["net-cds"]["rules"] == ["G3-01", "NR-04"]
    assert "suggestions" not in card and "selectionBehavior" not in card


def test_caution_beats_recommend_on_the_same_topic():
    k = knowledge()
    cards = render([Outcome("G3-01", Status.APPLICABLE, card="g3-prrt-first-line"),
                    Outcome("NR-04", Status.APPLICABLE, card="prrt-labs-caution", params={"lab": "Platelets"})],
                   make_picture(), knowledge=k, uuid_factory=uuids())
    (card,) = cards
    assert card["summary"].startswith("PRRT only after MDT review — Platelets")


def test_site_row_leads_over_the_universal_gate_at_equal_strength():
    """net-27: G-01 'refer for resection' and O-04 'endoscopic resection' merge on surgery; the specific
    site card leads (its order is the endoscopic resection), G-01 is listed under 'Also on this topic'."""
    k = knowledge()
    for outcomes in ([Outcome("G-01", Status.APPLICABLE), Outcome("O-04", Status.APPLICABLE, card="rectal-endoscopic-resection")],
                     [Outcome("O-04", Status.APPLICABLE, card="rectal-endoscopic-resection"), Outcome("G-01", Status.APPLICABLE)]):
        (card,) = render(outcomes, make_picture(), knowledge=k, uuid_factory=uuids())
        lead = k.cards["rectal-endoscopic-resection"]
        assert card["summary"].startswith(lead.summary.split("—")[0].strip())
        assert card["extension"]["net-cds"]["rules"] == ["G-01", "O-04"]
        also = card["detail"].split("Also on this topic:")[1]
        assert "Refer for resection" in also and "G\\-01" not in also  # row ids stay in the extension, not in prose


def test_cards_are_ordered_critical_recommend_consider_caution_not_recommended_needs_data():
    k = knowledge()
    outcomes = [
        Outcome("G-05", Status.APPLICABLE),                                       # needs-data
        Outcome("NR-16", Status.APPLICABLE),                                      # not-recommended
        Outcome("G-09", Status.APPLICABLE),                                       # caution
        Outcome("G-08", Status.APPLICABLE),                                       # consider
        Outcome("N-02", Status.APPLICABLE, card="nec-platinum-etoposide"),        # recommend
        Outcome("NR-19", Status.APPLICABLE, card="everolimus-cyp3a4", params={"drug": "clarithromycin"}),  # critical
    ]
    cards = render(outcomes, make_picture(), knowledge=k, uuid_factory=uuids())
    assert [c["extension"]["net-cds"]["rules"][0] for c in cards] == ["NR-19", "N-02", "G-08", "G-09", "NR-16", "G-05"]
    assert cards[0]["indicator"] == "critical"


def test_uuids_come_from_the_factory_for_cards_and_suggestions():
    k = knowledge()
    cards = render([Outcome("N-02", Status.APPLICABLE, card="nec-platinum-etoposide")], make_picture(),
                   knowledge=k, uuid_factory=uuids())
    assert cards[0]["uuid"] == "uuid-0" and cards[0]["suggestions"][0]["uuid"] == "uuid-1"
    (action,) = cards[0]["suggestions"][0]["actions"]
    regimen = action["resource"]
    assert regimen["resourceType"] == "RequestGroup"
    assert [r["medicationCodeableConcept"]["coding"][0]["code"] for r in regimen["contained"]] == ["2555", "4179"]


def test_draft_medication_request_carries_rxnorm_dose_timing_and_route():
    k = knowledge()
    (card,) = render([Outcome("G3-01", Status.APPLICABLE, card="g3-prrt-first-line")], make_picture(),
                     knowledge=k, uuid_factory=uuids())
    lutathera = card["suggestions"][0]["actions"][0]["resource"]
    assert lutathera["medicationCodeableConcept"]["coding"][0]["code"] == "1999682"
    dosage = lutathera["dosageInstruction"][0]
    assert dosage["timing"]["repeat"] == {"frequency": 1, "period": 8, "periodUnit": "wk", "count": 4}
    assert dosage["route"]["coding"][0]["code"] == "47625008"
    assert dosage["doseAndRate"][0]["doseQuantity"] == {"value": 7.4, "unit": "GBq", "system": "http://unitsofmeasure.org",
                                                        "code": "GBq"}


def test_not_applicable_and_unnamed_insufficient_outcomes_make_no_card():
    k = knowledge()
    outcomes = [Outcome.not_applicable("G-05", "known"), Outcome.insufficient("G-06", ("extent",))]
    assert render(outcomes, make_picture(), knowledge=k, uuid_factory=uuids()) == []


def test_merged_needs_data_card_offers_each_requested_test():
    k = knowledge()
    outcomes = [Outcome("G-05", Status.APPLICABLE, missing=("Ki-67 index",)),
                Outcome("G-06", Status.APPLICABLE, missing=("SSTR PET/CT result",))]
    (card,) = render(outcomes, make_picture(), knowledge=k, uuid_factory=uuids())
    assert card["selectionBehavior"] == "any" and len(card["suggestions"]) == 2
    assert card["extension"]["net-cds"]["missing"] == ["Ki-67 index", "SSTR PET/CT result"]


# --------------------------------------------------------------------------- end to end


def advise(picture: NetPicture) -> list[dict]:
    k = knowledge()
    return render(evaluate(picture, as_of=AS_OF, knowledge=k), picture, knowledge=k, uuid_factory=uuids())


def test_no_neuroendocrine_neoplasm_gets_no_cards():
    assert advise(make_picture(scope=Scope.NONE, unavailable=("observations",))) == []


def test_small_cell_lung_carcinoma_gets_only_the_out_of_scope_card():
    cards = advise(make_picture(scope=Scope.SCLC, primary_site=PrimarySite.LUNG_THYMUS, progression=True,
                                carcinoid_syndrome=True, therapies=(therapy(Agent.EVEROLIMUS),)))
    assert [c["source"]["topic"]["code"] for c in cards] == ["out-of-scope"]
    assert cards[0]["extension"]["net-cds"]["rules"] == ["G-03", "NR-22"]


def test_grade_unknown_gives_a_data_gap_card_end_to_end():
    cards = advise(make_picture(ki67=Fact.missing(), grade=Fact.missing()))
    gaps = [c for c in cards if c["source"]["topic"]["code"] == "data-gap"]
    assert len(gaps) == 1 and "G-05" in gaps[0]["extension"]["net-cds"]["rules"]
    assert "Ki-67 index (LOINC 29593-1)" in gaps[0]["extension"]["net-cds"]["missing"]


def test_unreadable_category_gives_a_data_gap_card_end_to_end():
    cards = advise(make_picture(unavailable=("observations",)))
    (gap,) = [c for c in cards if c["source"]["topic"]["code"] == "data-gap"]
    assert "DG-01" in gap["extension"]["net-cds"]["rules"]


def test_everolimus_with_clarithromycin_is_the_first_card_and_critical():
    cards = advise(make_picture(progression=True, therapies=(therapy(Agent.EVEROLIMUS),),
                                current_medications=(medication("clarithromycin", "strong-cyp3a4-inhibitor"),)))
    assert cards[0]["indicator"] == "critical" and "clarithromycin" in cards[0]["summary"]


def test_no_topic_is_both_suggested_and_not_recommended():
    cards = advise(make_picture(progression=True, sstr=SstrStatus.NEGATIVE, therapies=(therapy(Agent.SSA),)))
    topics = [c["source"]["topic"]["code"] for c in cards]
    assert len(topics) == len(set(topics))


# --------------------------------------------------------------------------- property: never raises


def facts(values: st.SearchStrategy) -> st.SearchStrategy:
    src = st.builds(Source, st.sampled_from([None, "Observation/1", "Condition/c-2"]),
                    st.one_of(st.none(), st.dates(date(2015, 1, 1), date(2026, 11, 1))),
                    st.text(max_size=30))
    known = st.builds(Fact, st.sampled_from([FactState.PRESENT, FactState.STALE]), values,
                      st.tuples(src) | st.just(()))
    unknown = st.sampled_from([Fact.missing(), Fact.unavailable(), Fact(FactState.CONTRADICTORY)])
    return st.one_of(known, unknown)


numbers = st.floats(min_value=0, max_value=500, allow_nan=False)
therapies = st.builds(
    Therapy, agent=st.sampled_from(Agent), drug=st.text(max_size=20), status=st.sampled_from(TherapyStatus),
    start=st.one_of(st.none(), st.dates(date(2020, 1, 1), date(2027, 6, 1))),
    end=st.one_of(st.none(), st.dates(date(2020, 1, 1), date(2027, 6, 1))),
    references=st.just(("MedicationRequest/1",)), long_acting=st.one_of(st.none(), st.booleans()),
    dose_text=st.one_of(st.none(), st.text(max_size=20)),
    codes=st.lists(st.sampled_from(["http://www.nlm.nih.gov/research/umls/rxnorm|1363281", "x|1"]), max_size=2).map(tuple),
)
labs = st.builds(Labs, creatinine_clearance=facts(numbers), hemoglobin=facts(numbers), wbc=facts(numbers),
                 platelets=facts(numbers), bilirubin=facts(numbers), bilirubin_uln=facts(numbers),
                 albumin=facts(numbers), glucose=facts(numbers), hba1c=facts(numbers),
                 systolic_bp=facts(numbers), chromogranin_a_rising=facts(st.booleans()))
pictures = st.builds(
    NetPicture,
    patient_ref=st.just("Patient/p-1"), as_of=st.just(AS_OF), scope=st.sampled_from(Scope),
    primary_site=facts(st.sampled_from(PrimarySite)), differentiation=facts(st.sampled_from(Differentiation)),
    lung_type=facts(st.sampled_from(LungType)), gastric_type=facts(st.integers(1, 3)),
    ki67=facts(st.builds(Ki67, numbers)), grade=facts(st.sampled_from(Grade)),
    grade_discordant=facts(st.booleans()), extent=facts(st.sampled_from(Extent)),
    liver_metastases=facts(st.booleans()), liver_dominant=facts(st.booleans()),
    resectability=facts(st.sampled_from(Resectability)), sstr=facts(st.sampled_from(SstrStatus)),
    fdg_avid=facts(st.booleans()), disease_status=facts(st.sampled_from(DiseaseStatus)),
    progression=facts(st.booleans()), r0_resection=facts(st.booleans()), newly_diagnosed=facts(st.booleans()),
    syndromes=st.frozensets(st.sampled_from(Syndrome)), carcinoid_syndrome=facts(st.booleans()),
    refractory_carcinoid_syndrome=facts(st.booleans()), severe_constipation=facts(st.booleans()),
    abdominal_pain=facts(st.booleans()), hereditary=st.frozensets(st.sampled_from(Hereditary)),
    family_history_net=facts(st.booleans()), multiple_primaries=facts(st.booleans()),
    therapies=st.lists(therapies, max_size=4).map(tuple),
    procedures=st.lists(st.builds(Procedure, st.sampled_from(["pancreaticoduodenectomy", "tae", "resection"]),
                                  st.none(), st.just("Procedure/1"), st.text(max_size=10)), max_size=2).map(tuple),
    current_medications=st.lists(st.builds(Medication, st.text(min_size=1, max_size=15), st.just(()),
                                           st.just("MedicationRequest/2"),
                                           st.frozensets(st.sampled_from(["strong-cyp3a4-inhibitor", "live-vaccine"]))),
                                 max_size=2).map(tuple),
    bilio_enteric_anastomosis=facts(st.booleans()),
    next_prrt_date=facts(st.dates(date(2026, 1, 1), date(2027, 6, 1))),
    declined_therapies=st.frozensets(st.sampled_from(Agent), max_size=2),
    tumor_growth_cm_per_year=facts(st.floats(min_value=-2, max_value=5, allow_nan=False)),
    tumor_doubling_time_days=facts(st.floats(min_value=1, max_value=5000, allow_nan=False)),
    progression_interval_days=facts(st.integers(0, 3000)),
    age_years=facts(st.integers(0, 100)), sex=facts(st.sampled_from(["female", "male"])),
    pregnant=facts(st.booleans()), breastfeeding=facts(st.booleans()), labs=labs,
    unavailable=st.lists(st.sampled_from(["observations", "procedures", "medicationRequests"]), max_size=2,
                         unique=True).map(tuple),
    incomplete=st.lists(st.sampled_from(["observations", "procedures"]), max_size=1).map(tuple),
)


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(pictures)
def test_evaluate_never_raises_and_every_card_is_valid(picture):
    k = knowledge()
    outcomes = evaluate(picture, as_of=AS_OF, knowledge=k)
    cards = render(outcomes, picture, knowledge=k, uuid_factory=uuids())
    if picture.scope is Scope.NONE:
        assert outcomes == [] and cards == []
    if picture.scope in (Scope.SCLC, Scope.EXCLUDED):  # one rule for every neoplasm routed out (G-03)
        assert [c["source"]["topic"]["code"] for c in cards] == ["out-of-scope"]
    # one card per topic, except drug-safety: each safety row is its own hazard and keeps its own card
    topics = [c["source"]["topic"]["code"] for c in cards if c["source"]["topic"]["code"] != "drug-safety"]
    assert len(topics) == len(set(topics))
    safety_rows = [tuple(c["extension"]["net-cds"]["rules"]) for c in cards
                   if c["source"]["topic"]["code"] == "drug-safety"]
    assert len(safety_rows) == len(set(safety_rows))
    for card in cards:
        assert_contract(card, k)


# --------------------------------------------------------------------------- property: a not-recommended
# therapy is never also suggested


_SSA_DRUG_PREFIXES = ("octreotide", "lanreotide")


def drug_topics(k: Knowledge) -> dict[str, str]:
    """Each draft-order drug -> the therapy topic it belongs to (SSAs by class, others by the cards ordering them)."""
    topics: dict[str, set[str]] = {}
    for card in k.cards.values():
        if card.order is None:
            continue
        for drug in card.order.medications:
            topics.setdefault(drug, set()).add(card.topic)
    out = {}
    for drug, seen in topics.items():
        if drug.startswith(_SSA_DRUG_PREFIXES):
            out[drug] = "somatostatin-analog"
        else:
            assert len(seen) == 1, f"drug {drug} is ordered under several topics {seen}: give it one class"
            out[drug] = seen.pop()
    return out


def _by_rxnorm(topics: dict[str, str], k: Knowledge) -> dict[str, set[str]]:
    """RxNorm code -> the therapy topics of the drugs carrying it (one ingredient, e.g. fluorouracil, can be part of
    several regimens: streptozocin + 5-FU, FOLFOX, FOLFIRI)."""
    out: dict[str, set[str]] = {}
    for d, t in topics.items():
        out.setdefault(k.drugs[d].rxnorm, set()).add(t)
    return out


def _suggested_drug_topics(card: dict, k: Knowledge, by_rxnorm: dict[str, set[str]]) -> set[str]:
    """The therapy topics of every drug a card's suggestions would create (a regimen's contained orders too); a code
    shared by several regimens counts as the card's own topic when that is one of them."""
    own = card.get("extension", {}).get("net-cds", {}).get("topic")
    out = set()
    for suggestion in card.get("suggestions", []):
        for action in suggestion["actions"]:
            if action.get("type", "create") != "create":
                continue  # a delete carries no resource; an update stops or holds a recorded order
            resource = action.get("resource", {})
            for request in [resource, *resource.get("contained", [])]:
                for coding in request.get("medicationCodeableConcept", {}).get("coding", []):
                    seen = by_rxnorm.get(coding["code"], {"?"})
                    out |= {own} if own in seen else seen
    return out


def assert_never_suggested_and_not_recommended(cards: list[dict], k: Knowledge) -> None:
    topics = drug_topics(k)
    by_rxnorm = _by_rxnorm(topics, k)
    refused = {c["extension"]["net-cds"]["topic"] for c in cards
               if c["extension"]["net-cds"]["strength"] == "not-recommended"}
    for card in cards:
        ext = card["extension"]["net-cds"]
        if ext["strength"] in ("recommend", "consider"):
            # a choice card suggests its topic and every alternative: none of them may be refused
            for topic in [ext["topic"], *ext.get("alternatives", [])]:
                assert topic not in refused, f"{topic} is both suggested and not recommended"
        clash = _suggested_drug_topics(card, k, by_rxnorm) & refused
        assert not clash, f"card {ext['topic']} ({ext['rules']}) suggests a drug of a not-recommended topic {clash}"


def test_every_ordered_drug_has_one_therapy_topic():
    """The property below needs each draft-order drug to belong to one therapy class."""
    assert drug_topics(knowledge())


def test_invariant_catches_a_prrt_order_carrying_an_ssa_next_to_ssa_not_recommended():
    """The checker itself can fail: a PRRT suggestion carrying octreotide LAR while SSA is refused."""
    k = knowledge()
    lar = k.drugs["octreotide-lar-30"]
    cards = [
        {"extension": {"net-cds": {"topic": "somatostatin-analog", "strength": "not-recommended", "rules": ["NR-15"]}}},
        {"extension": {"net-cds": {"topic": "prrt", "strength": "recommend", "rules": ["G3-01"]}},
         "suggestions": [{"actions": [{"resource": {"medicationCodeableConcept": {
             "coding": [{"code": lar.rxnorm}]}}}]}]},
    ]
    with pytest.raises(AssertionError):
        assert_never_suggested_and_not_recommended(cards, k)


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(pictures)
def test_not_recommended_therapy_is_never_suggested_random_pictures(picture):
    k = knowledge()
    cards = render(evaluate(picture, as_of=AS_OF, knowledge=k), picture, knowledge=k, uuid_factory=uuids())
    assert_never_suggested_and_not_recommended(cards, k)


# A realistic advanced or localized WD NET (the wild strategy above rarely reaches deep rows).
realistic = st.fixed_dictionaries({
    "primary_site": st.sampled_from([PrimarySite.MIDGUT, PrimarySite.PANCREAS, PrimarySite.OTHER_GI,
                                     PrimarySite.LUNG_THYMUS, PrimarySite.UNKNOWN]),
    "grade": st.sampled_from([Grade.G1, Grade.G2, Grade.G3]),
    "ki67": st.builds(Ki67, st.sampled_from([1.0, 4.0, 9.0, 12.0, 18.0, 30.0, 60.0])),
    "extent": st.sampled_from(list(Extent)),
    "sstr": st.sampled_from(list(SstrStatus)),
    "progression": st.booleans(),
    "newly_diagnosed": st.booleans(),
    "syndromes": st.frozensets(st.sampled_from(Syndrome), max_size=1),
    "carcinoid_syndrome": st.booleans(),
    "hereditary": st.frozensets(st.sampled_from([Hereditary.MEN1, Hereditary.VHL]), max_size=1),
    "liver_dominant": st.booleans(),
    "pregnant": st.booleans(),
    "tumor_size_cm": st.sampled_from([1.0, 2.5, 3.5]),
    "therapies": st.lists(st.builds(therapy, st.sampled_from(Agent), status=st.sampled_from(TherapyStatus)),
                          max_size=3).map(tuple),
    "current_medications": st.lists(st.just(medication("clarithromycin", "strong-cyp3a4-inhibitor")),
                                    max_size=1).map(tuple),
    "declined_therapies": st.frozensets(st.sampled_from([Agent.PRRT, Agent.EVEROLIMUS, Agent.SSA, Agent.CAPTEM,
                                                         Agent.SURGERY, Agent.BELZUTIFAN]), max_size=1),
})


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(realistic)
def test_not_recommended_therapy_is_never_suggested_realistic_pictures(overrides):
    picture = make_picture(**overrides)
    k = knowledge()
    cards = render(evaluate(picture, as_of=AS_OF, knowledge=k), picture, knowledge=k, uuid_factory=uuids())
    assert_never_suggested_and_not_recommended(cards, k)
    assert_declined_never_suggested(cards, picture, k)
    for card in cards:
        assert_contract(card, k)


# --------------------------------------------------------------------------- property: a therapy the patient
# declined is never suggested (PD-01)


def assert_declined_never_suggested(cards: list[dict], picture: NetPicture, k: Knowledge) -> None:
    """No suggestion of a declined therapy; the only exception, a listed safety card (F-05 octreotide cover
    against carcinoid crisis), must come with the PD-01 card that tells the clinician to confirm it."""
    declined = {agent.value for agent in picture.declined_therapies}
    topics = drug_topics(k)
    by_rxnorm = _by_rxnorm(topics, k)
    kept_topics = {k.cards[pair.split(":")[0]].topic for pair in k.lists["declined_kept_safety_cards"]}
    for card in cards:
        ext = card["extension"]["net-cds"]
        if ext["strength"] in ("recommend", "consider", "needs-data") and card["indicator"] != "critical":
            # a listed safety card on the declined topic (the insulinoma glucose cover sits on the diazoxide topic)
            # stays, with PD-01 on the same card saying so
            kept = ext["topic"] in kept_topics and "PD-01" in ext["rules"]
            assert ext["topic"] not in declined or kept, f"{ext['topic']} ({ext['rules']}) suggested although declined"
        clash = _suggested_drug_topics(card, k, by_rxnorm) & declined
        if clash and ext["topic"] in kept_topics:
            assert any("PD-01" in c["extension"]["net-cds"]["rules"] and c["extension"]["net-cds"]["topic"] in clash
                       for c in cards), \
                f"safety card {ext['topic']} orders a declined therapy {clash} without the PD-01 card saying so"
            continue
        assert not clash, f"card {ext['topic']} ({ext['rules']}) orders a declined therapy {clash}"


def test_declined_invariant_catches_a_declined_prrt_suggestion():
    """The checker itself can fail."""
    k = knowledge()
    lutathera = k.drugs["lutathera"]
    cards = [{"indicator": "info", "extension": {"net-cds": {"topic": "prrt", "strength": "recommend", "rules": ["M-04"]}},
              "suggestions": [{"actions": [{"resource": {"medicationCodeableConcept": {
                  "coding": [{"code": lutathera.rxnorm}]}}}]}]}]
    with pytest.raises(AssertionError):
        assert_declined_never_suggested(cards, make_picture(declined_therapies=frozenset({Agent.PRRT})), k)


def test_declined_diazoxide_keeps_the_insulinoma_glucose_cover_with_pd01():
    """An insulinoma with a procedure planned and diazoxide declined: the peri-procedural glucose cover (F-05, on the
    diazoxide topic) is safety, not diazoxide therapy -- it stays, with the PD-01 line on it, and orders no
    diazoxide (found by the random-picture property below)."""
    from service.picture.model import Syndrome, TherapyStatus
    from tests.rules.factories import therapy
    k = knowledge()
    from tests.rules.test_functional import syndrome
    picture = make_picture(**syndrome(Syndrome.INSULINOMA, therapies=(therapy(Agent.SURGERY, status=TherapyStatus.PLANNED),),
                                      declined_therapies=frozenset({Agent.DIAZOXIDE})))
    cards = render(evaluate(picture, as_of=AS_OF, knowledge=k), picture, knowledge=k, uuid_factory=uuids())
    (cover,) = [c for c in cards if "F-05" in c["extension"]["net-cds"]["rules"]]
    assert cover["extension"]["net-cds"]["topic"] == "diazoxide" and "PD-01" in cover["extension"]["net-cds"]["rules"]
    assert "declined diazoxide" in cover["detail"]
    assert not _suggested_drug_topics(cover, k, _by_rxnorm(drug_topics(k), k))
    assert_declined_never_suggested(cards, picture, k)


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(pictures)
def test_declined_therapy_is_never_suggested_random_pictures(picture):
    k = knowledge()
    cards = render(evaluate(picture, as_of=AS_OF, knowledge=k), picture, knowledge=k, uuid_factory=uuids())
    assert_declined_never_suggested(cards, picture, k)


# --------------------------------------------------------------------------- constant text, sanitised once


def test_pre_sanitised_knowledge_text_equals_sanitising_at_call_time():
    """CardTexts holds only reviewed knowledge text, each entry exactly what the call-time sanitiser gives."""
    from service.render import _DESCRIPTION_MAX, card_texts

    k = knowledge()
    texts = card_texts(k)
    assert texts is card_texts(k)  # built once per knowledge
    constant = set(k.rules) | {m for c in k.cards.values() for m in c.missing}
    assert {t for t, _ in texts.plain} == constant == {t for t, _ in texts.markdown}
    for (text, max_length), out in texts.plain.items():
        assert out == plain_text(text, max_length=max_length)
    for (text, max_length), out in texts.markdown.items():
        assert out == escape_markdown(text, max_length=max_length)
    for drug in k.drugs.values():
        assert texts.descriptions[f"drug:{drug.id}"] == plain_text(f"Draft order: {drug.display}",
                                                                   max_length=_DESCRIPTION_MAX)
    for service in k.services.values():
        assert texts.descriptions[f"service:{service.id}"] == plain_text(f"Draft request: {service.display}",
                                                                         max_length=_DESCRIPTION_MAX)
    for card in k.cards.values():
        if card.order is not None:
            for i, option in enumerate(card.order.options):
                label = option_label(k, card, option)
                assert label and len(label) <= 80, f"{card.id}: a label is short by design, never cut"
                assert texts.labels[(card.id, i)] == plain_text(label, max_length=80) == label


def test_patient_text_is_sanitised_per_call_even_when_it_equals_no_knowledge_text():
    """The per-call memo never turns a hostile value into a pre-sanitised constant: same strings, same output."""
    from service.render import _Sanitiser, card_texts

    sanitiser = _Sanitiser(card_texts(knowledge()))
    for hostile in HOSTILE:
        for _ in range(2):  # second time from the memo
            assert sanitiser.markdown(hostile) == escape_markdown(hostile)
            assert sanitiser.plain(hostile, 30) == plain_text(hostile, max_length=30)
