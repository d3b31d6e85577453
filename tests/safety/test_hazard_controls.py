"""Regression tests for hazard-log controls that no other test guarded end to end
(docs/clinical-safety/hazard-log.yaml names each test under its hazard).

Each test runs the real app (``tests.golden_cards_regen.golden_client``: auth off, fixed clock) on fixture hook
requests (``fhir_fixtures/hooks/*.json``, order-hook situations in ``fhir_fixtures/orders/``) and asserts the
control itself, so it fails when the control is removed:

* HAZ-026: the everolimus + clarithromycin card gives the hold plan and raises non-infectious pneumonitis, on
  patient-view and when the antibiotic is being prescribed (order-select);
* HAZ-030, HAZ-031: PRRT cards cite COMPETE, never call Lu-177 edotreotide "not yet approved", and say when
  first-line PRRT is off-label in the EU;
* HAZ-067..HAZ-069 (order hooks): a corrected order replaces the draft and is the label regimen as its
  structured fields say it; labels of order-hook suggestions are never cut;
* HAZ-070..HAZ-072 (report text): a negated SSTR statement never leads to PRRT; a historical or hedged Ki-67 in
  a report is not the grade; an unread (PDF) report is named as unread, never read as "nothing found", and no
  therapy is advised on the grade it may hold.
"""
from __future__ import annotations

from tests.orders.ends import ends

import re

import pytest

from tests.golden_cards_regen import golden_client, hook_files, order_files, order_response_for, response_for
from tests.orders.reader import read_draft
from tests.orders.test_draft_orders import drug_of, intended
from tests.rules.factories import knowledge

PATIENTS = ("net-03", "net-06", "net-14", "net-35", "net-183", "net-184", "net-205", "net-207", "net-210", "net-211")
SUGGESTING = ("recommend", "consider")


@pytest.fixture(scope="module")
def answers() -> dict[str, list[dict]]:
    hooks = {p.stem: p for p in hook_files()}
    orders = {p.stem: p for p in order_files()}
    out: dict[str, list[dict]] = {}
    with golden_client() as (client, uuids):
        for pid in PATIENTS:
            out[pid] = response_for(client, uuids, hooks[pid])["cards"]
        for sid, path in sorted(orders.items()):
            out[sid] = order_response_for(client, uuids, path)["cards"]
    return out


def ext(card: dict) -> dict:
    return card["extension"]["net-cds"]


def words(markdown: str) -> str:
    """Card text as a reader sees it (Markdown backslash escapes removed, whitespace collapsed)."""
    return " ".join(re.sub(r"\\(.)", r"\1", markdown).split())


def with_rule(cards: list[dict], rule: str) -> dict:
    """The card of ``rule`` (the answer's "Confirm values read from report text" card also lists the rows whose
    cards use report-text values: it is not that row's card)."""
    found = [c for c in cards if rule in ext(c)["rules"]
             and not (ext(c)["topic"] == "data-gap" and c["summary"].startswith("Confirm values read from report text"))]
    assert len(found) == 1, [(ext(c)["topic"], ext(c)["rules"]) for c in cards]
    return found[0]


# --------------------------------------------------------------------------- HAZ-026


@pytest.mark.parametrize("where", ["net-35", "net-184", "ord-07"])
def test_everolimus_with_clarithromycin_card_gives_the_hold_plan_and_raises_pneumonitis(answers, where):
    """Review Missing (net-35): the interaction card named the interaction only. It must say to hold everolimus
    if the antibiotic is unavoidable and that a chest infection on everolimus may be non-infectious pneumonitis,
    on the chart (patient-view) and when the antibiotic is selected (order-select, ord-07)."""
    card = with_rule(answers[where], "NR-19")
    assert card["indicator"] == "critical" and ext(card)["strength"] == "not-recommended"
    assert "clarithromycin" in card["summary"] and "hold everolimus" in card["summary"]
    detail = words(card["detail"]).lower()
    assert "hold everolimus for the course" in detail and "non-infectious pneumonitis" in detail
    stops = [a for s in card.get("suggestions", []) for a in s["actions"] if ends(a)]
    assert stops, "a stop/remove suggestion for the interacting order"


# --------------------------------------------------------------------------- HAZ-030, HAZ-031


def test_prrt_and_trial_cards_cite_compete_and_never_call_edotreotide_unapproved(answers):
    """Review Outdated: COMPETE missing from the evidence, 'not yet approved' after the FDA date, and the P-05
    rationale placing PRRT after every other pNET option."""
    p05 = with_rule(answers["net-14"], "P-05")
    assert "COMPETE (Lu-177 edotreotide vs everolimus)" in [e["label"] for e in ext(p05)["evidence"]]
    assert "ESMO 2020 sequence" in words(p05["detail"]) and "predates both trials" in words(p05["detail"])
    (trial,) = [c for c in answers["net-06"] if ext(c)["topic"] == "clinical-trial"]
    text = words(trial["detail"])
    assert "COMPETE" in text and "not verified" in text and "check the current approval status" in text
    for pid in PATIENTS:
        for card in answers[pid]:
            assert "not yet approved" not in words(card["detail"]), f"{pid}: {card['summary']}"


@pytest.mark.parametrize("pid, rule", [("net-03", "M-03"), ("net-183", "G3-01")])
def test_first_line_prrt_cards_say_it_is_off_label_in_the_eu(answers, pid, rule):
    """Review Outdated: first-line (NETTER-2) and G3 PRRT are outside the EU label; the card must say so."""
    card = with_rule(answers[pid], rule)
    # PRRT is the card's therapy or one option of its choice (first line: SSA or PRRT, one card)
    assert "prrt" in (ext(card)["topic"], *ext(card).get("alternatives", ()))
    assert ext(card)["strength"] in ("recommend", "consider")
    assert "off-label in the EU" in words(card["detail"])


# --------------------------------------------------------------------------- HAZ-067..069 (order hooks)


def test_a_corrected_order_replaces_the_draft_and_is_the_label_regimen(answers):
    """HAZ-069: where an order hook offers a corrected order, the same suggestion removes the draft (never two
    orders side by side), the structured fields say exactly the knowledge's label regimen (telotristat 250 mg
    three times daily, 21 000 mg per 28 days), and taking the correction excludes taking the plain removal."""
    k = knowledge()
    corrections = 0
    for sid in (s for s in answers if s.startswith("ord-")):
        for card in answers[sid]:
            drafts = set(ext(card)["draftOrders"])
            for suggestion in card["suggestions"]:
                creates = [a["resource"] for a in suggestion["actions"] if a["type"] == "create"
                           and a["resource"]["resourceType"] != "ServiceRequest"]  # a test (ECG, labs) is no correction
                if not creates:
                    continue
                corrections += 1
                deleted = {a["resourceId"] for a in suggestion["actions"] if a["type"] == "delete"}
                assert drafts <= deleted, f"{sid}: '{suggestion['label']}' leaves the draft beside the correction"
                for resource in creates:
                    for exposure in read_draft(resource):
                        drug = drug_of(k, exposure)
                        low, high, cycle = intended(k, drug)
                        assert exposure.per_cycle == pytest.approx((low, high)), (sid, drug.id, exposure)
                        assert exposure.cycle_days == pytest.approx(cycle), (sid, drug.id)
            if any(a["type"] == "create" and a["resource"]["resourceType"] != "ServiceRequest"
                   for s in card["suggestions"] for a in s["actions"]):
                assert card["selectionBehavior"] == "at-most-one"
    assert corrections >= 1, "the situations include a dose correction (ord-10)"
    (card,) = answers["ord-10"]
    (exposure,) = [e for s in card["suggestions"] for a in s["actions"] if a["type"] == "create"
                   for e in read_draft(a["resource"])]
    assert exposure.per_dose == (250, 250) and exposure.per_cycle == (21000, 21000)


def test_order_hook_suggestion_labels_are_short_and_never_cut(answers):
    labels = [s["label"] for sid in answers if sid.startswith("ord-") for c in answers[sid] for s in c["suggestions"]]
    assert labels
    cut = [label for label in labels if len(label) > 80 or label.endswith(("…", "..."))]
    assert not cut, cut


# --------------------------------------------------------------------------- HAZ-070..072 (report text)


def test_a_negated_sstr_statement_in_a_report_never_leads_to_prrt(answers):
    """net-210: 'No somatostatin receptor-avid disease' is a negative study, read from the report text and
    quoted; PRRT is not recommended and no card suggests it."""
    cards = answers["net-210"]
    nr03 = with_rule(cards, "NR-03")
    assert ext(nr03)["strength"] == "not-recommended" and ext(nr03)["topic"] == "prrt"
    (sstr,) = [f for f in ext(nr03)["facts"] if f["name"] == "SSTR imaging"]
    assert sstr["source"] == "report-text" and "negative" in sstr["display"]
    assert sstr["quote"] == "No somatostatin receptor-avid disease."
    assert not [c for c in cards if ext(c)["topic"] == "prrt" and ext(c)["strength"] in SUGGESTING]


def test_a_historical_or_hedged_ki67_in_a_report_is_not_the_grade(answers):
    """net-211: the report quotes an outside Ki-67 of 25 % in its history and comment; the pathologist's own
    count is 2 %. Every card grades G1 on the 2 %, says it was read from text and quotes it; nothing is G3."""
    cards = answers["net-211"]
    assert cards
    ki67 = [f for c in cards for f in ext(c)["facts"] if f["name"] == "Ki-67"]
    assert ki67 and all(f["display"].startswith("Ki-67 2 %") and f["source"] == "report-text" for f in ki67)
    assert all("Ki-67 index is 2 %" in f["quote"] for f in ki67)
    rows = {r for c in cards for r in ext(c)["rules"]}
    assert not rows & {"G3-01", "G3-02", "G3-03", "NR-15", "G-05"}, rows
    assert all("25 %" not in c["summary"] for c in cards)


def test_an_unread_pdf_report_is_named_and_no_therapy_rests_on_what_it_may_hold(answers):
    """net-207: the only pathology report is a scanned PDF. The data-gap card names it (reference and type) and
    says its absence is not a negative finding; grade is asked for; no therapy is suggested."""
    cards = answers["net-207"]
    gap = with_rule(cards, "DG-02")
    assert ext(gap)["strength"] == "needs-data"
    (unread,) = [f for f in ext(gap)["facts"] if f["name"] == "Report not read"]
    assert unread["reference"] == "DiagnosticReport/net-207-path-pdf" and "application/pdf" in unread["display"]
    assert "not a negative finding" in words(gap["detail"])
    assert {"G-05"} <= {r for c in cards for r in ext(c)["rules"]}
    assert not [c for c in cards if ext(c)["strength"] in SUGGESTING]


def test_coded_and_report_text_values_that_disagree_decide_nothing(answers):
    """net-205: coded Ki-67 4 % and the report's 24 % on the same biopsy: the grade is asked for, never picked."""
    cards = answers["net-205"]
    assert [ext(c)["strength"] for c in cards] == ["needs-data"] and "G-05" in ext(cards[0])["rules"]
