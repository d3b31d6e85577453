"""The therapy course in the rules: PRRT re-treatment (M-07, P-05, L-04, G3-01, O-06), TC-01 (a therapy the
patient progressed on is never the next suggestion), TM-01 (restaging overdue), and the age limits of the
deciding facts for PRRT (SSTR imaging, eligibility labs)."""
from __future__ import annotations

from datetime import date

import pytest

from service.picture.model import (Agent, DiseaseStatus, Fact, FactState, Grade, Ki67, PrimarySite, Source,
                                   SstrStatus, TherapyStatus)
from service.rules import Outcome, Status, _review, evaluate
from service.rules.registry import RegisteredRule
from tests.rules.factories import (AS_OF, MISSING, fact, fired_cards, knowledge, make_labs, make_picture,
                                   normal_labs, run, therapy)

SSA = therapy(Agent.SSA, drug="octreotide LAR", start=date(2021, 1, 1), progressed_on=True)
PROGRESSION = dict(progression=True, progression_date=fact(date(2026, 10, 1), on=date(2026, 10, 1)),
                   newly_diagnosed=False, sstr=fact(SstrStatus.POSITIVE_ALL, on=date(2026, 10, 10)))


def prrt_course(last: date, first_progression: date | None, *, doses: int = 4,
                response: DiseaseStatus | None = DiseaseStatus.IMPROVED):
    start = date.fromordinal(last.toordinal() - 56 * (doses - 1))
    gap = (first_progression - last).days if first_progression else None
    return therapy(Agent.PRRT, drug="Lu-177 dotatate", status=TherapyStatus.COMPLETED, start=start, end=last,
                   dose_dates=tuple(date.fromordinal(start.toordinal() + 56 * i) for i in range(doses)),
                   doses=doses, cycles=doses, last_dose=last, first_progression=first_progression,
                   end_to_progression_days=gap, best_response=response,
                   progressed_on=gap is not None and gap <= 90)


def _outcomes(**overrides) -> list[Outcome]:
    return evaluate(make_picture(**overrides), as_of=AS_OF, knowledge=knowledge())


def _cards_of(outcomes: list[Outcome], rule_id: str) -> set[str | None]:
    own = knowledge().rules[rule_id].cards
    return {o.card or own[0] for o in outcomes if o.rule_id == rule_id
            and (o.status is Status.APPLICABLE or o.card is not None)}


# --------------------------------------------------------------------------- PRRT re-treatment

DURABLE = prrt_course(last=date(2024, 6, 1), first_progression=date(2026, 10, 1))      # 28 months
EARLY = prrt_course(last=date(2026, 1, 10), first_progression=date(2026, 10, 1))       # < 9 months


def test_m07_durable_responder_gets_prrt_retreatment_with_the_course_shown():
    (o,) = [o for o in run("M-07", therapies=(SSA, DURABLE), **PROGRESSION) if o.card == "prrt-retreatment"]
    assert o.status is Status.APPLICABLE
    (course,) = [f for f in o.facts if f.name == "Therapy course"]
    assert "4 doses" in course.display and "last 2024-06-01" in course.display
    assert "progression 2026-10-01" in course.display and "after the last dose" in course.display
    assert "improved" in course.display and not o.missing


def test_m07_early_progression_after_prrt_says_not_recommended_plainly():
    cards = fired_cards("M-07", therapies=(SSA, EARLY), **PROGRESSION)
    assert "prrt-retreatment-not-recommended" in cards and "prrt-retreatment" not in cards
    assert "cabozantinib-epnet" in cards  # the next line stands
    spec = knowledge().cards["prrt-retreatment-not-recommended"]
    assert spec.strength == "not-recommended" and "not recommended" in spec.summary


@pytest.mark.parametrize("row, site", [("P-05", PrimarySite.PANCREAS), ("L-04", PrimarySite.LUNG_THYMUS),
                                       ("O-06", PrimarySite.OTHER_GI)])
def test_every_prrt_row_applies_the_same_retreatment_rule(row, site):
    extra = {"site_detail": "rectum"} if site is PrimarySite.OTHER_GI else {}
    if site is PrimarySite.LUNG_THYMUS:
        extra["grade"] = MISSING
        extra["lung_type"] = "atypical"
    durable = fired_cards(row, primary_site=site, therapies=(SSA, DURABLE), **PROGRESSION, **extra)
    early = fired_cards(row, primary_site=site, therapies=(SSA, EARLY), **PROGRESSION, **extra)
    assert "prrt-retreatment" in durable and "prrt-retreatment-not-recommended" not in durable
    assert "prrt-retreatment-not-recommended" in early and "prrt-retreatment" not in early


def test_retreatment_needs_the_last_dose_date():
    undated = prrt_course(last=date(2024, 6, 1), first_progression=None)
    undated = therapy(Agent.PRRT, status=TherapyStatus.COMPLETED, start=None, end=None)
    outcomes = run("M-07", therapies=(SSA, undated), **PROGRESSION)
    asks = [o for o in outcomes if o.status is Status.INSUFFICIENT]
    assert any("last PRRT dose" in m for o in asks for m in o.missing)
    assert not any(o.card in ("prrt-retreatment", "prrt-retreatment-not-recommended") for o in outcomes)


def test_retreatment_waits_for_sstr_imaging_newer_than_the_progression():
    old_scan = dict(PROGRESSION, sstr=fact(SstrStatus.POSITIVE_ALL, on=date(2026, 6, 1)))
    (o,) = [o for o in run("M-07", therapies=(SSA, DURABLE), **old_scan) if o.card == "prrt-needs-sstr"]
    assert o.status is Status.INSUFFICIENT and "predates the progression of 2026-10-01" in o.missing[0]


def test_retreatment_is_not_offered_during_a_course():
    running = therapy(Agent.PRRT, status=TherapyStatus.ACTIVE, start=date(2026, 8, 1))
    cards = fired_cards("M-07", therapies=(SSA, running), **PROGRESSION)
    assert not cards & {"prrt-retreatment", "prrt-retreatment-not-recommended"}


# --------------------------------------------------------------------------- TC-01

EVEROLIMUS_FAILED = therapy(Agent.EVEROLIMUS, drug="everolimus", status=TherapyStatus.STOPPED,
                            start=date(2025, 4, 1), progressed_on=True)


def test_tc01_sunitinib_card_says_everolimus_already_failed():
    outcomes = _outcomes(primary_site=PrimarySite.PANCREAS, therapies=(SSA, EVEROLIMUS_FAILED), **PROGRESSION)
    (suni,) = [o for o in outcomes if o.card in ("sunitinib-pnet", "sunitinib-pnet-after-everolimus")
               and o.status is Status.APPLICABLE]
    assert "already failed: everolimus (progressed on it, started 2025-04-01)" in suni.reason
    assert any(f.name == "Therapy course" and f.display.startswith("everolimus") for f in suni.facts)
    assert not [o for o in outcomes if o.status is Status.APPLICABLE and (o.card or knowledge().rules[o.rule_id].cards)
                and knowledge().cards[o.card or knowledge().rules[o.rule_id].cards[0]].topic == "everolimus"
                and knowledge().cards[o.card or knowledge().rules[o.rule_id].cards[0]].strength
                in ("recommend", "consider")]


def test_tc01_withdraws_a_suggestion_of_the_therapy_that_failed():
    captem = therapy(Agent.CAPTEM, drug="capecitabine/temozolomide", status=TherapyStatus.COMPLETED,
                     start=date(2026, 1, 1), end=date(2026, 8, 1), progressed_on=True)
    g3 = dict(PROGRESSION, primary_site=PrimarySite.PANCREAS, grade=Grade.G3, ki67=Ki67(30.0),
              therapies=(captem,))
    # G3-01's choice card leaves out an option the tumour progressed on (the row itself), and TC-01 would
    # withdraw it otherwise: either way the answer offers PRRT only.
    assert "g3-captem-pancreas" not in fired_cards("G3-01", **g3)
    outcomes = _outcomes(**g3)
    assert "g3-captem-pancreas" not in _cards_of(outcomes, "G3-01")
    assert "g3-prrt-pretreated" in _cards_of(outcomes, "G3-01")


def test_tc01_near_miss_captem_given_without_progression_on_it_is_not_withdrawn():
    captem = therapy(Agent.CAPTEM, status=TherapyStatus.COMPLETED, start=date(2024, 1, 1), end=date(2024, 6, 1),
                     progressed_on=False)
    outcomes = _outcomes(**dict(PROGRESSION, primary_site=PrimarySite.PANCREAS, grade=Grade.G3, ki67=Ki67(30.0),
                                therapies=(captem,)))
    assert "g3-captem-pancreas" in _cards_of(outcomes, "G3-01")


def test_tc01_keeps_ssa_for_carcinoid_syndrome_after_progression_on_the_ssa():
    outcomes = _outcomes(carcinoid_syndrome=True, therapies=(SSA,), **PROGRESSION)
    assert "ssa-carcinoid-continue" in _cards_of(outcomes, "F-01") | _cards_of(outcomes, "F-01")


# --------------------------------------------------------------------------- TM-01


def test_tm01_old_progression_asks_for_restaging():
    stale = Fact(FactState.STALE, None, (Source("Observation/s", date(2025, 4, 1), "worsened"),),
                 "older than 365 days")
    (o,) = run("TM-01", progression=stale, therapies=(SSA,))
    assert o.status is Status.INSUFFICIENT and o.card == "restaging-overdue"
    assert "last disease status 2025-04-01, 19 months ago" in o.missing[0]


def test_tm01_near_miss_current_status():
    (o,) = run("TM-01", therapies=(SSA,))
    assert o.status is Status.NOT_APPLICABLE


def test_a_progression_older_than_the_window_no_longer_triggers_second_line():
    stale = Fact(FactState.STALE, None, (Source("Observation/s", date(2025, 4, 1), "worsened"),), "old")
    assert fired_cards("M-04", progression=stale, newly_diagnosed=False, therapies=(SSA,)) == set()


# --------------------------------------------------------------------------- time: PRRT gates


def test_sstr_imaging_older_than_its_limit_gives_a_repeat_sstr_card_not_prrt():
    old = dict(PROGRESSION, sstr=fact(SstrStatus.POSITIVE_ALL, on=date(2026, 1, 15)), therapies=(SSA,))
    (o,) = run("M-04", **old)
    assert o.status is Status.INSUFFICIENT and o.card == "prrt-needs-sstr"
    assert "older than 6 months" in o.missing[0] and "2026-01-15" in o.missing[0]


def test_sstr_imaging_of_the_restaging_work_up_counts():
    near = dict(PROGRESSION, sstr=fact(SstrStatus.POSITIVE_ALL, on=date(2026, 9, 10)), therapies=(SSA,))
    assert fired_cards("M-04", **near) == {"prrt-second-line"}   # 21 days before the progression


def test_sstr_imaging_older_than_a_new_metastasis_is_repeated():
    new_met = Fact(FactState.PRESENT, True, (Source("Condition/bone", date(2026, 10, 20), "bone metastasis"),))
    picture = dict(ki67=Ki67(15.0), sstr=fact(SstrStatus.POSITIVE_ALL, on=date(2026, 8, 1)), liver_metastases=new_met)
    (o,) = run("M-03", **picture)
    assert o.card == "prrt-needs-sstr" and "predates metastases recorded 2026-10-20" in o.missing[0]


def test_eligibility_labs_older_than_their_limit_give_the_labs_card_instead_of_prrt():
    old = make_labs(**{name: fact(value, on=date(2026, 6, 1)) for name, value in
                       (("creatinine_clearance", 90.0), ("hemoglobin", 13.0), ("wbc", 6.0), ("platelets", 250.0),
                        ("bilirubin", 0.6), ("albumin", 4.0))})
    (o,) = run("M-04", labs=old, therapies=(SSA,), **PROGRESSION)
    assert o.status is Status.INSUFFICIENT and o.card == "prrt-needs-labs"
    assert "platelets (last 2026-06-01, 5 months ago: repeat)" in o.missing
    assert run("M-04", labs=normal_labs(), therapies=(SSA,), **PROGRESSION)[0].card == "prrt-second-line"


def test_missing_eligibility_labs_are_asked_for_not_assumed():
    (o,) = run("M-04", labs=make_labs(), therapies=(SSA,), **PROGRESSION)
    assert o.card == "prrt-needs-labs" and "creatinine clearance (not on record)" in o.missing


def test_nr04_old_labs_are_repeated_before_an_ordered_dose_and_an_old_low_value_still_warns():
    planned = therapy(Agent.PRRT, status=TherapyStatus.PLANNED, start=date(2026, 12, 1))
    labs = make_labs(creatinine_clearance=fact(90.0), hemoglobin=fact(13.0), wbc=fact(6.0), albumin=fact(4.0),
                     bilirubin=fact(0.6), platelets=fact(60.0, on=date(2026, 7, 1)))
    outcomes = run("NR-04", labs=labs, therapies=(planned,), **PROGRESSION)
    assert {o.card for o in outcomes} == {"prrt-labs-caution", "prrt-labs-needed"}
    (needed,) = [o for o in outcomes if o.card == "prrt-labs-needed"]
    assert any(m.startswith("Platelets (last 2026-07-01") for m in needed.missing)


# --------------------------------------------------------------------------- the review contract


def test_a_review_row_may_amend_but_not_rewrite_another_rows_outcome():
    base = Outcome.applicable("M-04", card="prrt-second-line", reason="progressive on SSA")
    amended = base.amended(note="ECOG 2: caution", missing=("x",))
    assert amended.reason == "progressive on SSA; ECOG 2: caution" and amended.missing == ("x",)

    def amend(p, as_of, k, outcomes):
        return tuple(o.amended(note="checked") for o in outcomes)

    def rewrite(p, as_of, k, outcomes):
        return tuple(Outcome.applicable(o.rule_id, card="everolimus-nonfunctional", reason=o.reason)
                     for o in outcomes)

    picture = make_picture()
    view = knowledge().for_rule("TC-01")
    ok = _review(RegisteredRule("TC-01", amend, "t", frozenset(), True), picture, AS_OF, view, [base])
    assert ok[0].reason.endswith("checked")
    with pytest.raises(TypeError):
        _review(RegisteredRule("TC-01", rewrite, "t", frozenset(), True), picture, AS_OF, view, [base])


def test_an_old_ki67_that_decides_the_row_is_said_to_be_old():
    old = dict(PROGRESSION, primary_site=PrimarySite.PANCREAS, grade=Grade.G3, therapies=(SSA,),
               ki67=fact(Ki67(30.0), on=date(2023, 6, 1)))
    outcomes = run("G3-01", **old)
    (captem,) = [o for o in outcomes if o.card == "g3-captem-pancreas"]
    assert any(m.startswith("a recent Ki-67: the last (2023-06-01, 3 years ago)") for m in captem.missing)
    recent = run("G3-01", **dict(old, ki67=fact(Ki67(30.0), on=date(2026, 9, 1))))
    assert not any("recent Ki-67" in m for o in recent for m in o.missing)


def test_capecitabine_and_platinum_checks_ask_for_a_current_creatinine_clearance():
    captem = therapy(Agent.CAPTEM, status=TherapyStatus.PLANNED, start=date(2026, 11, 20))
    old_crcl = make_labs(creatinine_clearance=fact(80.0, on=date(2026, 5, 1)))
    (sb04,) = run("SB-04", therapies=(captem,), labs=old_crcl)
    assert "creatinine clearance (last 2026-05-01, 6 months ago: repeat)" in sb04.missing
    (sb04,) = run("SB-04", therapies=(captem,), labs=make_labs(creatinine_clearance=fact(80.0)))
    assert sb04.missing == ("DPYD genotype / DPD activity",)
    platinum = therapy(Agent.PLATINUM_ETOPOSIDE, status=TherapyStatus.PLANNED, start=date(2026, 11, 20))
    (sb06,) = run("SB-06", therapies=(platinum,), labs=make_labs(creatinine_clearance=fact(45.0, on=date(2026, 5, 1))))
    assert sb06.status is Status.INSUFFICIENT and "repeat" in sb06.missing[0]
