"""One decision, one card (choice cards); merging never hides advice; changes and stops act on the current
order; labels applied as the labels say them (review U4, U5, Wrong 1, 3, 4, 11; issue 11 item 7).

Each test names the fixture patient (fhir_fixtures/scenarios_orders.py) or builds a picture for the class.
"""
from __future__ import annotations

import re
from datetime import date, timedelta

import pytest

from tests.orders.ends import target

from service.picture.model import Agent, Fact, FactState, Source, TherapyStatus
from service.render import render
from service.rules import Outcome, Status, evaluate
from tests.orders.test_draft_orders import creates, fixture_responses, read_draft
from service.picture.model import PrimarySite
from tests.plugins.clinical import FIXTURE_AS_OF
from tests.rules.factories import AS_OF, knowledge, make_labs, make_picture, therapy


def words(markdown: str) -> str:
    """A detail as a reader sees it (Markdown backslash escapes removed)."""
    return re.sub(r"\\(.)", r"\1", markdown)


def cards_of(pid: str) -> list[dict]:
    return fixture_responses()[pid]["cards"]


def ext(card: dict) -> dict:
    return card["extension"]["net-cds"]


def card_with(cards: list[dict], *, topic: str | None = None, rule: str | None = None) -> dict:
    found = [c for c in cards if (topic is None or ext(c)["topic"] == topic) and (rule is None or rule in ext(c)["rules"])]
    assert len(found) == 1, [(ext(c)["topic"], ext(c)["rules"]) for c in cards]
    return found[0]


def drafted(card: dict) -> list[str]:
    """The medicationCodeableConcept texts each suggestion of a card creates, one string per suggestion."""
    out = []
    for suggestion in card.get("suggestions", []):
        texts = [e.text for a in suggestion["actions"] if a["type"] == "create" for e in read_draft(a["resource"])]
        out.append(" + ".join(texts))
    return out


# --------------------------------------------------------------------------- choice cards (Wrong 11)


def test_everolimus_or_sunitinib_is_one_choice_card_sunitinib_first_with_diabetes():
    """net-181: HbA1c 7.8 %: one card for the next line, sunitinib first with the reason, everolimus next (the
    other rows' options of the same decision, PRRT and CAPTEM, after them on the same card)."""
    cards = cards_of("net-181")
    assert not [c for c in cards if ext(c)["topic"] == "everolimus"], "no second 'Start everolimus' card"
    card = card_with(cards, rule="P-03")
    assert ext(card)["topic"] == "sunitinib" and ext(card)["alternatives"][0] == "everolimus"
    assert card["selectionBehavior"] == "at-most-one"
    assert [s.split(" ")[0] for s in drafted(card)][:2] == ["Sunitinib", "Everolimus"]
    assert "sunitinib first: diabetes-range HbA1c 7.8 %" in words(card["detail"])
    assert any(f["name"] == "HbA1c" for f in ext(card)["facts"])


def test_uncontrolled_hypertension_puts_everolimus_first():
    """net-182: 172/96 mm Hg: everolimus first, sunitinib the alternative."""
    card = card_with(cards_of("net-182"), rule="P-03")
    assert ext(card)["topic"] == "everolimus" and ext(card)["alternatives"][0] == "sunitinib"
    assert "everolimus first: systolic blood pressure 172 mm Hg" in words(card["detail"])


def test_missing_comorbidity_values_are_named_not_read_as_normal():
    p = make_picture(progression=True, labs=make_labs(), primary_site=PrimarySite.PANCREAS)
    k = knowledge()
    (card,) = [c for c in render(evaluate(p, as_of=AS_OF, knowledge=k), p, knowledge=k, uuid_factory=lambda: "u")
               if "P-03" in ext(c)["rules"]]
    assert "HbA1c and blood pressure not on record" in words(card["detail"])
    options = [ext(card)["topic"], *ext(card)["alternatives"]]  # first-line SSA (P-02) may lead the same choice
    assert options.index("everolimus") + 1 == options.index("sunitinib")


def test_an_option_already_given_is_not_offered():
    """Prior lines: after everolimus, P-03 offers sunitinib alone (everolimus is no option on the next-line card)."""
    p = make_picture(progression=True, primary_site=PrimarySite.PANCREAS,
                     therapies=(therapy(Agent.EVEROLIMUS, status=TherapyStatus.COMPLETED),))
    k = knowledge()
    (card,) = [c for c in render(evaluate(p, as_of=AS_OF, knowledge=k), p, knowledge=k, uuid_factory=lambda: "u")
               if "P-03" in ext(c)["rules"]]
    options = [ext(card)["topic"], *ext(card).get("alternatives", ())]
    assert "sunitinib" in options and "everolimus" not in options
    assert [s.split(" ")[0] for s in drafted(card)].count("Sunitinib") == 1


def test_wd_g3_prrt_or_captem_is_one_card_prrt_first_outside_the_pancreas():
    """net-183: newly diagnosed WD G3 ileal NET: PRRT first, CAPTEM (one RequestGroup) the alternative."""
    card = card_with(cards_of("net-183"), rule="G3-01")
    assert ext(card)["topic"] == "prrt" and ext(card)["alternatives"] == ["captem"]
    kinds = [a["resource"]["resourceType"] for s in card["suggestions"] for a in s["actions"]]
    assert kinds == ["MedicationRequest", "RequestGroup"] and card["selectionBehavior"] == "at-most-one"


def test_wd_g3_pancreas_puts_captem_first():
    card = card_with(cards_of("net-21"), rule="G3-01")
    assert ext(card)["topic"] == "captem" and ext(card)["alternatives"] == ["prrt"]
    assert "CAPTEM first: pancreatic primary" in words(card["detail"])


def test_first_line_ssa_is_one_card_with_octreotide_lar_or_lanreotide():
    """M-02: octreotide LAR or lanreotide, one suggestion each, at most one chosen."""
    k = knowledge()
    (card,) = render([Outcome("M-02", Status.APPLICABLE, card="ssa-first-line")], make_picture(), knowledge=k,
                     uuid_factory=lambda: "u")
    assert drafted(card) == ["Octreotide LAR 30 mg IM every 4 weeks", "Lanreotide 120 mg deep SC every 4 weeks"]
    assert card["selectionBehavior"] == "at-most-one" and "alternatives" not in ext(card)  # one topic


def test_a_not_recommended_option_leaves_the_choice_and_joins_its_topic_card():
    """A choice never suggests a topic another card of the answer refuses: the refused option merges into
    the refusing card (no suggestion there), the other option stands alone."""
    k = knowledge()
    outcomes = [Outcome("P-03", Status.APPLICABLE, card="everolimus-pnet"),
                Outcome("P-03", Status.APPLICABLE, card="sunitinib-pnet"),
                Outcome("NR-01", Status.APPLICABLE, card=k.rules["NR-01"].cards[0])]
    cards = render(outcomes, make_picture(), knowledge=k, uuid_factory=lambda: "u")
    (sunitinib,) = [c for c in cards if ext(c)["topic"] == "sunitinib"]
    assert ext(sunitinib)["strength"] == "not-recommended" and "suggestions" not in sunitinib
    (everolimus,) = [c for c in cards if ext(c)["topic"] == "everolimus"]
    assert "alternatives" not in ext(everolimus) and drafted(everolimus) == ["Everolimus 10 mg PO daily"]


# --------------------------------------------------------------------------- escalation, rescue (Wrong 3, 4)


def test_ssa_escalation_is_its_own_card_and_replaces_the_lanreotide_order():
    """net-179: on lanreotide with refractory flushing: continue-SSA card (rescue octreotide as needed) and a
    separate escalation card whose draft deletes the lanreotide order and creates lanreotide every 14 days."""
    cards = cards_of("net-179")
    ssa = [c for c in cards if ext(c)["topic"] == "somatostatin-analog"]
    assert len(ssa) == 2
    continue_card = next(c for c in ssa if "F-01" in ext(c)["rules"])
    escalation = next(c for c in ssa if "F-03" in ext(c)["rules"])
    assert "F-03" not in ext(continue_card)["rules"] and "lanreotide to 120 mg every 14 days" in escalation["summary"]
    (suggestion,) = escalation["suggestions"]
    # the current order is stopped (an update to status stopped: its history stays), the escalated one created
    assert [(a["type"], target(a) if a["type"] != "create" else None) for a in suggestion["actions"]] == [
        ("update", "MedicationRequest/net-179-lanreotide"), ("create", None)]
    assert suggestion["actions"][0]["resource"]["status"] == "stopped"
    (exposure,) = read_draft(suggestion["actions"][1]["resource"])
    assert exposure.per_dose == (120, 120) and exposure.per_cycle == (240, 240)  # 120 mg every 14 days
    (rescue,) = continue_card["suggestions"]
    (dose,) = read_draft(rescue["actions"][0]["resource"])
    assert dose.as_needed and dose.rxnorm == "312069"
    assert "first LAR" not in continue_card["detail"] and "first octreotide LAR" not in continue_card["detail"]


def test_escalation_of_a_depot_recorded_only_as_a_statement_ends_that_regimen():
    """net-180 (review A U4): the regimen the patient takes is recorded as a statement; each escalation step stops
    it and creates the escalated order (one live schedule, never a second one beside it)."""
    escalation = card_with([c for c in cards_of("net-180") if "F-03" in ext(c)["rules"]])
    assert escalation["suggestions"]
    for suggestion in escalation["suggestions"]:
        kinds = [(a["type"], target(a)) for a in suggestion["actions"]]
        assert kinds[-1][0] == "create" and any(
            a["type"] == "update" and a["resource"]["status"] == "stopped" and target(a).startswith("MedicationStatement/")
            for a in suggestion["actions"][:-1]), kinds


def test_escalation_on_octreotide_lar_offers_both_steps_each_replacing_the_order():
    card = card_with([c for c in cards_of("net-07") if "M-08" in ext(c)["rules"]])
    assert drafted(card) == ["Octreotide LAR 30 mg IM every 3 weeks (escalated interval)",
                             "Octreotide LAR 60 mg IM every 4 weeks (escalated dose: two 30 mg injections)"]
    for suggestion in card["suggestions"]:
        first = suggestion["actions"][0]
        assert first["type"] == "update" and target(first) == "MedicationRequest/net-07-lar"
        assert first["resource"]["status"] == "stopped"


# --------------------------------------------------------------------------- duplicates and stops (Wrong 1)


def test_gastrinoma_on_pantoprazole_by_order_gets_no_second_ppi():
    card = card_with(cards_of("net-170"), topic="proton-pump-inhibitor")
    assert "suggestions" not in card
    assert "No new order for Omeprazole 40 mg PO twice daily (high-dose PPI, titrated): the patient already has " \
           "pantoprazole (current, MedicationRequest/net-170-ppi)" in words(card["detail"])


def test_gastrinoma_without_a_ppi_gets_the_omeprazole_clinical_drug():
    card = card_with(cards_of("net-171"), topic="proton-pump-inhibitor")
    ((_, _, resource),) = list(creates([card]))
    (exposure,) = read_draft(resource)
    assert exposure.rxnorm == "200329" and exposure.per_dose == (40, 40) and exposure.per_cycle == (2240, 2240)
    assert "40 mg" in card["summary"] and "40-60" not in card["summary"]  # the summary says what the draft orders


def test_avoid_clarithromycin_holds_everolimus_first_and_offers_the_switch():
    """Review A U5: holding everolimus is the preferred action; stopping the antibiotic is the alternative."""
    card = card_with(cards_of("net-184"), rule="NR-19")
    assert card["indicator"] == "critical"
    hold, switch = card["suggestions"]
    assert hold["isRecommended"] and not switch["isRecommended"] and card["selectionBehavior"] == "at-most-one"
    assert [target(a) for a in hold["actions"]] == ["MedicationRequest/net-184-everolimus"]
    assert [a["resource"]["status"] for a in hold["actions"]] == ["on-hold"]
    (stop,) = switch["actions"]
    assert stop["type"] == "update" and target(stop) == "MedicationRequest/net-184-clarithromycin"
    assert stop["resource"]["status"] == "stopped"
    # the whole recorded order, only its status changed (an update replaces the resource)
    assert stop["resource"]["medicationCodeableConcept"]["coding"][0]["code"] == "21212"


def test_stop_telotristat_deletes_the_telotristat_order():
    card = card_with(cards_of("net-185"), rule="NR-10")
    (suggestion,) = card["suggestions"]
    assert [target(a) for a in suggestion["actions"]] == ["MedicationRequest/net-185-telotristat"]
    assert [a["resource"]["status"] for a in suggestion["actions"]] == ["stopped"]


def test_cancel_the_belzutifan_order_in_pregnancy():
    card = card_with(cards_of("net-20"), rule="NR-11")
    (suggestion,) = card["suggestions"]
    assert suggestion["label"] == "Cancel the belzutifan order"
    assert [a["type"] for a in suggestion["actions"]] == ["delete"]


# --------------------------------------------------------------------------- labels as labels say them (U4, U5)


def test_crcl_25_makes_prrt_not_recommended():
    card = card_with(cards_of("net-177"), topic="prrt")
    assert ext(card)["strength"] == "not-recommended" and "below 30 mL/min" in card["summary"]
    assert "suggestions" not in card  # no PRRT order to cancel, and PRRT is never suggested


def test_crcl_40_is_a_caution_without_the_reduced_activity():
    card = card_with(cards_of("net-178"), topic="prrt")
    assert ext(card)["strength"] == "caution" and "CrCl 40 mL/min" in card["summary"]
    assert "Dose reduction (3.7 GBq)" not in card["detail"]


def test_ssa_given_10_days_before_prrt_postpones_the_prrt_dose():
    """net-175 (U5): LAR given on day -10, PRRT dose 2 due on day +11: postpone to given + 28 days."""
    card = card_with(cards_of("net-175"), rule="NR-17")
    given = (FIXTURE_AS_OF - timedelta(days=10)).isoformat()
    earliest = (FIXTURE_AS_OF + timedelta(days=18)).isoformat()
    assert card["summary"].startswith(f"Long-acting SSA given on {given}: postpone the PRRT dose")
    assert f"to {earliest} or later" in card["summary"] and "Hold" not in card["summary"]


def test_ssa_given_40_days_before_says_no_further_depot_before_the_prrt_dose():
    card = card_with(cards_of("net-176"), rule="NR-17")
    assert card["summary"].startswith("No long-acting SSA dose before the PRRT dose")


def test_no_injection_date_asks_for_it():
    prrt_date = AS_OF + timedelta(days=15)
    p = make_picture(next_prrt_date=Fact(FactState.PRESENT, prrt_date, (Source("MedicationRequest/x", prrt_date, "PRRT"),)),
                     therapies=(therapy(Agent.SSA, drug="octreotide LAR", start=date(2025, 1, 1)),))
    k = knowledge()
    (card,) = [c for c in render(evaluate(p, as_of=AS_OF, knowledge=k), p, knowledge=k, uuid_factory=lambda: "u")
               if "NR-17" in ext(c)["rules"]]
    assert card["summary"].startswith("Check when the last long-acting SSA dose was given")
    assert "date of the last long-acting SSA injection" in ext(card)["missing"]


# --------------------------------------------------------------------------- doses per m2


def test_captem_dose_per_m2_is_computed_from_height_and_a_recent_weight():
    """net-172: height 168 cm, weight 64 kg (6 days ago): BSA 1.73 m2; capecitabine 1298 mg, temozolomide 346 mg
    per dose, structured as a 'calculated' dose next to the ordered dose per m2, with the values and dates used."""
    card = card_with(cards_of("net-172"), topic="captem")
    regimen = next(r for (_, _, r) in creates([card]) if r["resourceType"] == "RequestGroup")  # CAPTEM leads
    calculated = {mr["id"]: [d for d in mr["dosageInstruction"][0]["doseAndRate"]
                             if d["type"]["coding"][0]["code"] == "calculated"][0]["doseQuantity"]
                  for mr in regimen["contained"]}
    assert calculated["capecitabine-captem"]["value"] == 1298 and calculated["capecitabine-captem"]["code"] == "mg"
    assert calculated["temozolomide-captem"]["value"] == 346
    assert "height 168 cm on 2026-06-25 and weight 64 kg on 2026-11-16" in words(card["detail"])
    assert {"Body height", "Body weight"} <= {f["name"] for f in ext(card)["facts"]}


def test_a_stale_weight_is_not_used_and_is_listed_as_missing():
    card = card_with(cards_of("net-173"), topic="captem")
    regimen = next(r for (_, _, r) in creates([card]) if r["resourceType"] == "RequestGroup")  # CAPTEM leads
    for mr in regimen["contained"]:
        assert [d["type"]["coding"][0]["code"] for d in mr["dosageInstruction"][0]["doseAndRate"]] == ["ordered"]
    assert any("body weight from the last 30 days" in m for m in ext(card)["missing"])


def test_nec_platinum_etoposide_is_one_bounded_21_day_cycle_with_computed_doses():
    card = card_with(cards_of("net-174"), topic="platinum-etoposide")
    ((_, _, regimen),) = list(creates([card]))
    exposures = {e.text.split(" ")[0]: e for e in read_draft(regimen)}
    assert exposures["Cisplatin"].per_cycle == (75, 75) and exposures["Cisplatin"].days == 1  # one dose (drugs.yaml dose_choice)
    assert exposures["Etoposide"].per_cycle == (300, 300) and exposures["Etoposide"].days == 3
    assert all(e.cycle_days == 21 and e.cycles == 1 for e in exposures.values())
    assert "Computed for this patient" in card["detail"]


@pytest.mark.parametrize("pid", [f"net-{n}" for n in range(170, 186)])
def test_order_fixtures_have_their_goldens_and_valid_cards(pid):
    assert fixture_responses()[pid]["cards"], pid
