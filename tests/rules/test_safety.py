"""Drug-safety rows: NR-04, NR-09, NR-10, NR-11, NR-17..NR-20 and the section 5 boxes SB-01..SB-06."""
from __future__ import annotations

import dataclasses
from datetime import date

import pytest

from service.picture.model import Agent, Extent, Hereditary, PrimarySite, TherapyStatus
from service.rules import Status
from tests.rules.factories import (
    MISSING,
    fact,
    fired_cards,
    knowledge,
    make_labs,
    medication,
    normal_labs,
    procedure,
    run,
    therapy,
)

PRRT_PLANNED = therapy(Agent.PRRT, status=TherapyStatus.PLANNED, start=date(2026, 11, 20))
SSA_LAR = therapy(Agent.SSA, drug="octreotide LAR")
PROGRESSING_ON_SSA = {"progression": True, "therapies": (SSA_LAR,)}


# ---- NR-04 PRRT


def test_nr04_pregnancy_blocks_prrt_in_play_and_is_critical_when_ordered():
    assert fired_cards("NR-04", pregnant=True, labs=normal_labs(), **PROGRESSING_ON_SSA) == {"prrt-pregnancy"}
    ordered = fired_cards("NR-04", pregnant=True, labs=normal_labs(), therapies=(PRRT_PLANNED,))
    assert ordered == {"prrt-pregnancy", "prrt-pregnancy-current"}


def test_nr04_breast_feeding_is_not_pregnancy_and_never_blocks_prrt():
    """Review Wrong 2 (net-67): breast-feeding with a negative pregnancy test: PRRT after weaning, not "do not give"."""
    cards = fired_cards("NR-04", breastfeeding=True, pregnant=False, labs=normal_labs(), **PROGRESSING_ON_SSA)
    assert cards == {"prrt-breastfeeding"}
    both = fired_cards("NR-04", breastfeeding=True, pregnant=True, labs=normal_labs(), **PROGRESSING_ON_SSA)
    assert both == {"prrt-pregnancy"}


@pytest.mark.parametrize(
    ("lab", "value"),
    [("creatinine_clearance", 45.0), ("hemoglobin", 7.5), ("wbc", 1.8), ("platelets", 60.0), ("albumin", 3.0),
     ("bilirubin", 4.0)],
)
def test_nr04_each_netter1_threshold_flags_caution(lab, value):
    labs = dataclasses.replace(normal_labs(), **{lab: fact(value)})
    outcomes = run("NR-04", labs=labs, **PROGRESSING_ON_SSA)
    (o,) = [o for o in outcomes if o.status is Status.APPLICABLE]
    assert o.card == "prrt-labs-caution"


def test_nr04_crcl_below_30_is_not_recommended_not_a_caution():
    """Review U4 (net-41): the EU label says do not use in severe renal impairment, the US label says
    CrCl < 30 mL/min was not studied: PRRT is not recommended, not merely a caution."""
    labs = make_labs(creatinine_clearance=25.0, hemoglobin=12.0, wbc=5.0, platelets=200.0, bilirubin=0.5,
                     albumin=4.0)
    (o,) = run("NR-04", labs=labs, **PROGRESSING_ON_SSA)
    assert o.card == "prrt-renal-not-recommended" and "below 30 mL/min" in o.reason
    card = knowledge().cards[o.card]
    assert card.strength == "not-recommended" and card.stops is not None and card.stops.agents == ("prrt",)


def test_nr04_crcl_30_to_50_is_a_caution_for_the_mdt():
    labs = make_labs(creatinine_clearance=40.0, hemoglobin=12.0, wbc=5.0, platelets=200.0, bilirubin=0.5,
                     albumin=4.0)
    (o,) = run("NR-04", labs=labs, **PROGRESSING_ON_SSA)
    assert o.card == "prrt-labs-caution" and o.params["lab"] == "CrCl 40 mL/min"
    assert knowledge().cards[o.card].strength == "caution"


def test_prrt_lab_caution_never_offers_the_reduced_activity_for_failed_eligibility():
    """Review U4 (net-37): 3.7 GBq is the label's activity after toxicity from a previous dose, not a way to
    treat a patient who fails the baseline thresholds."""
    why = knowledge().cards["prrt-labs-caution"].why
    assert "3.7 GBq" in why and "previous dose" in why and "Dose reduction (3.7 GBq) or deferral" not in why


def test_nr04_bilirubin_uses_the_reported_uln():
    labs = make_labs(creatinine_clearance=90.0, hemoglobin=12.0, wbc=5.0, platelets=200.0, albumin=4.0,
                     bilirubin=2.5, bilirubin_uln=0.8)
    assert fired_cards("NR-04", labs=labs, **PROGRESSING_ON_SSA) == {"prrt-labs-caution"}


def test_nr04_near_miss_normal_labs():
    assert fired_cards("NR-04", labs=normal_labs(), **PROGRESSING_ON_SSA) == set()


def test_nr04_near_miss_prrt_not_in_play():
    assert fired_cards("NR-04", pregnant=True, labs=make_labs(platelets=50.0)) == set()  # stable, no PRRT


def test_nr04_missing_labs_with_prrt_ordered_asks_for_them():
    outcomes = run("NR-04", therapies=(PRRT_PLANNED,), labs=make_labs())
    (o,) = outcomes
    assert o.status is Status.INSUFFICIENT and o.card == "prrt-labs-needed"
    assert "Platelets" in o.missing


# ---- NR-09 / NR-10 telotristat


def test_nr09_telotristat_without_ssa():
    # within label except that no SSA is current: the plan card (restart the SSA, keep telotristat), review D net-36
    assert fired_cards("NR-09", therapies=(therapy(Agent.TELOTRISTAT),)) == {"telotristat-without-ssa"}
    assert fired_cards("NR-09", therapies=(therapy(Agent.TELOTRISTAT),), carcinoid_syndrome=True) == {
        "telotristat-without-ssa"}


def test_nr09_telotristat_without_ssa_and_another_reason_keeps_the_review_card():
    t = therapy(Agent.TELOTRISTAT, dose_text="500 mg three times daily")
    assert fired_cards("NR-09", therapies=(t,), carcinoid_syndrome=True) == {"telotristat-off-label"}
    assert fired_cards("NR-09", therapies=(therapy(Agent.TELOTRISTAT),), carcinoid_syndrome=False) == {
        "telotristat-off-label"}


def test_nr09_telotristat_500mg():
    t = therapy(Agent.TELOTRISTAT, dose_text="500 mg three times daily")
    (o,) = run("NR-09", therapies=(t, SSA_LAR), carcinoid_syndrome=True)
    assert o.status is Status.APPLICABLE and "250 mg" in o.reason


def test_nr09_near_miss_on_label():
    t = therapy(Agent.TELOTRISTAT, dose_text="250 mg TID")
    assert fired_cards("NR-09", therapies=(t, SSA_LAR), carcinoid_syndrome=True) == set()


def test_nr10_severe_constipation_on_telotristat_is_critical():
    assert fired_cards("NR-10", therapies=(therapy(Agent.TELOTRISTAT), SSA_LAR), severe_constipation=True) == {
        "telotristat-constipation"}


def test_nr10_near_miss_no_symptoms():
    assert fired_cards("NR-10", therapies=(therapy(Agent.TELOTRISTAT), SSA_LAR), severe_constipation=False,
                       abdominal_pain=False) == set()


def test_nr10_unrecorded_symptoms_are_insufficient():
    (o,) = run("NR-10", therapies=(therapy(Agent.TELOTRISTAT),))
    assert o.status is Status.INSUFFICIENT


# ---- NR-11 belzutifan

VHL_PNET = {"hereditary": frozenset({Hereditary.VHL}), "primary_site": PrimarySite.PANCREAS}


def test_nr11_pregnancy_blocks_belzutifan_for_vhl_pnet():
    assert fired_cards("NR-11", pregnant=True, **VHL_PNET) == {"belzutifan-pregnancy"}


def test_nr11_pregnant_on_belzutifan_is_critical():
    cards = fired_cards("NR-11", pregnant=True, therapies=(therapy(Agent.BELZUTIFAN),), **VHL_PNET)
    assert "belzutifan-pregnancy-current" in cards


def test_nr11_belzutifan_without_vhl():
    assert fired_cards("NR-11", therapies=(therapy(Agent.BELZUTIFAN),), primary_site=PrimarySite.PANCREAS) == {
        "belzutifan-non-vhl"}


def test_nr11_near_miss_vhl_not_pregnant():
    assert fired_cards("NR-11", pregnant=False, therapies=(therapy(Agent.BELZUTIFAN),), **VHL_PNET) == set()


# ---- NR-17 SSA washout before PRRT


def test_nr17_long_acting_ssa_before_scheduled_prrt():
    (o,) = run("NR-17", therapies=(SSA_LAR, PRRT_PLANNED))
    assert o.status is Status.APPLICABLE and o.params["date"] == "2026-11-20"


def test_nr17_near_miss_short_acting_only():
    short = therapy(Agent.SSA, drug="octreotide", long_acting=False)
    assert fired_cards("NR-17", therapies=(short, PRRT_PLANNED)) == set()


def test_nr17_near_miss_no_prrt_scheduled():
    assert fired_cards("NR-17", therapies=(SSA_LAR,)) == set()


# ---- NR-18 embolisation after bilio-enteric anastomosis


def test_nr18_embolisation_planned_after_whipple():
    tae = therapy(Agent.LIVER_DIRECTED, status=TherapyStatus.PLANNED, drug="TAE")
    assert fired_cards("NR-18", procedures=(procedure("pancreaticoduodenectomy"),), therapies=(tae,)) == {
        "embolisation-abscess-risk"}


def test_nr18_liver_dominant_disease_with_anastomosis():
    assert fired_cards("NR-18", bilio_enteric_anastomosis=True, liver_dominant=True) == {"embolisation-abscess-risk"}


def test_nr18_near_miss_no_anastomosis():
    tae = therapy(Agent.LIVER_DIRECTED, status=TherapyStatus.PLANNED, drug="TAE")
    assert fired_cards("NR-18", bilio_enteric_anastomosis=False, therapies=(tae,)) == set()


def test_nr18_near_miss_prrt_is_not_embolisation():
    assert fired_cards("NR-18", bilio_enteric_anastomosis=True, liver_dominant=False,
                       therapies=(PRRT_PLANNED,)) == set()


# ---- NR-19 / NR-20


def test_nr19_everolimus_with_clarithromycin_is_critical():
    (o,) = run("NR-19", therapies=(therapy(Agent.EVEROLIMUS),),
               current_medications=(medication("clarithromycin", "strong-cyp3a4-inhibitor"),))
    assert o.card == "everolimus-cyp3a4" and o.params["drug"] == "clarithromycin"


def test_nr19_live_vaccine_on_everolimus():
    assert fired_cards("NR-19", therapies=(therapy(Agent.EVEROLIMUS),),
                       current_medications=(medication("yellow fever vaccine", "live-vaccine"),)) == {
        "everolimus-live-vaccine"}


def test_nr19_near_miss_inhibitor_without_everolimus():
    assert fired_cards("NR-19", current_medications=(medication("clarithromycin", "strong-cyp3a4-inhibitor"),)) == set()


def test_nr19_unreadable_medications_are_insufficient():
    (o,) = run("NR-19", therapies=(therapy(Agent.EVEROLIMUS),), unavailable=("medicationRequests",))
    assert o.status is Status.INSUFFICIENT


def test_nr20_cometriq_capsules():
    t = therapy(Agent.CABOZANTINIB, drug="cabozantinib capsule",
                codes=("http://www.nlm.nih.gov/research/umls/rxnorm|1363281",))
    assert fired_cards("NR-20", therapies=(t,)) == {"cometriq-substitution"}


def test_nr20_near_miss_cabometyx_tablets():
    t = therapy(Agent.CABOZANTINIB, drug="Cabometyx", codes=("http://www.nlm.nih.gov/research/umls/rxnorm|1790173",))
    assert fired_cards("NR-20", therapies=(t,)) == set()


# ---- section 5 boxes


def test_sb01_everolimus_monitoring_and_hyperglycaemia():
    assert fired_cards("SB-01", therapies=(therapy(Agent.EVEROLIMUS),)) == {"everolimus-monitoring"}
    assert fired_cards("SB-01", therapies=(therapy(Agent.EVEROLIMUS),), labs=make_labs(hba1c=8.1)) == {
        "everolimus-hyperglycaemia"}
    assert fired_cards("SB-01") == set()


def test_sb02_sunitinib_monitoring_only_when_on_it():
    assert fired_cards("SB-02", therapies=(therapy(Agent.SUNITINIB),)) == {"sunitinib-monitoring"}
    assert fired_cards("SB-02", therapies=(therapy(Agent.SUNITINIB, status=TherapyStatus.STOPPED),)) == set()


def test_sb03_cabozantinib_stop_before_planned_surgery():
    surgery = therapy(Agent.SURGERY, status=TherapyStatus.PLANNED, start=date(2026, 11, 15))
    assert fired_cards("SB-03", therapies=(therapy(Agent.CABOZANTINIB), surgery)) == {"cabozantinib-surgery"}
    assert fired_cards("SB-03", therapies=(therapy(Agent.CABOZANTINIB),)) == {"cabozantinib-monitoring"}


def test_sb04_capecitabine_contraindicated_below_crcl_30():
    assert fired_cards("SB-04", therapies=(therapy(Agent.CAPTEM),), labs=make_labs(creatinine_clearance=25.0)) == {
        "capecitabine-renal"}
    assert fired_cards("SB-04", therapies=(therapy(Agent.CAPTEM),), labs=make_labs(creatinine_clearance=70.0)) == {
        "capecitabine-monitoring"}


def test_sb05_belzutifan_hold_for_anaemia():
    assert fired_cards("SB-05", therapies=(therapy(Agent.BELZUTIFAN),), labs=make_labs(hemoglobin=8.5)) == {
        "belzutifan-anaemia"}
    assert fired_cards("SB-05", therapies=(therapy(Agent.BELZUTIFAN),), labs=make_labs(hemoglobin=12.0)) == {
        "belzutifan-monitoring"}


def test_sb06_platinum_with_low_crcl_prefers_carboplatin():
    on = (therapy(Agent.PLATINUM_ETOPOSIDE),)
    assert fired_cards("SB-06", therapies=on, labs=make_labs(creatinine_clearance=50.0)) == {"platinum-renal"}
    assert fired_cards("SB-06", therapies=on, labs=make_labs(creatinine_clearance=80.0)) == set()
    (o,) = run("SB-06", therapies=on, labs=make_labs(creatinine_clearance=MISSING))
    assert o.status is Status.INSUFFICIENT


# --------------------------------------------------------------------------- clinical review 2026-11


def test_belzutifan_without_vhl_is_not_recommended_not_a_caution():
    card = knowledge().cards["belzutifan-non-vhl"]
    assert (card.strength, card.topic) == ("not-recommended", "belzutifan")
    ordered = {"primary_site": PrimarySite.PANCREAS,
               "therapies": (therapy(Agent.BELZUTIFAN, status=TherapyStatus.PLANNED),)}
    assert "belzutifan-non-vhl" in fired_cards("NR-11", **ordered)
    assert "belzutifan-non-vhl" not in fired_cards("NR-11", **ordered, hereditary=frozenset({Hereditary.VHL}))


def test_belzutifan_in_pregnancy_order_is_cancelled_intake_is_stopped():
    vhl_pregnant = {"primary_site": PrimarySite.PANCREAS, "hereditary": frozenset({Hereditary.VHL}), "pregnant": True}
    planned = fired_cards("NR-11", **vhl_pregnant,
                          therapies=(therapy(Agent.BELZUTIFAN, status=TherapyStatus.PLANNED),))
    active = fired_cards("NR-11", **vhl_pregnant, therapies=(therapy(Agent.BELZUTIFAN),))
    assert "belzutifan-pregnancy-ordered" in planned and "belzutifan-pregnancy-current" not in planned
    assert "belzutifan-pregnancy-current" in active
    assert knowledge().cards["belzutifan-pregnancy-ordered"].indicator == "critical"
    # one card says it (net-20 had "cancel the order" and "do not start" side by side: noise)
    assert planned == {"belzutifan-pregnancy-ordered"} and active == {"belzutifan-pregnancy-current"}


def test_everolimus_with_strong_cyp3a4_inhibitor_is_critical():
    card = knowledge().cards["everolimus-cyp3a4"]
    assert (card.indicator, card.topic) == ("critical", "drug-safety")
    on = {"therapies": (therapy(Agent.EVEROLIMUS),)}
    assert fired_cards("NR-19", **on, current_medications=(medication("clarithromycin", "strong-cyp3a4-inhibitor"),)) \
        == {"everolimus-cyp3a4"}
    assert fired_cards("NR-19", **on, current_medications=(medication("azithromycin"),)) == set()


def test_telotristat_for_flushing_only_is_off_label():
    cs = {"carcinoid_syndrome": True, "therapies": (SSA_LAR, therapy(Agent.TELOTRISTAT, status=TherapyStatus.PLANNED))}
    assert fired_cards("NR-09", **cs, flushing_per_day=6.0, bowel_movements_per_day=2.0) == {"telotristat-off-label"}
    assert fired_cards("NR-09", **cs, flushing_per_day=6.0, bowel_movements_per_day=5.0) == set()


@pytest.mark.parametrize("rule_id, agent, card", [
    ("SB-01", Agent.EVEROLIMUS, "everolimus-monitoring"),
    ("SB-02", Agent.SUNITINIB, "sunitinib-monitoring"),
    ("SB-08", Agent.INTERFERON, "interferon-monitoring"),
    ("SB-09", Agent.DIAZOXIDE, "diazoxide-monitoring"),
])
def test_monitoring_boxes_speak_while_the_drug_is_taken_not_for_a_proposal(rule_id, agent, card):
    assert card in fired_cards(rule_id, therapies=(therapy(agent),))
    assert fired_cards(rule_id, therapies=(therapy(agent, status=TherapyStatus.PLANNED),)) == set()


def test_streptozocin_nephrotoxicity_box():
    ordered = {"therapies": (therapy(Agent.STREPTOZOCIN, status=TherapyStatus.PLANNED),)}
    assert fired_cards("SB-07", **ordered, labs=make_labs(creatinine_clearance=45.0)) == {"streptozocin-renal"}
    assert fired_cards("SB-07", **ordered, labs=make_labs(creatinine_clearance=95.0)) == {"streptozocin-monitoring"}
    assert fired_cards("SB-07") == set()


def test_prrt_lab_caution_names_every_failing_lab_within_the_summary():
    labs = make_labs(creatinine_clearance=40.0, platelets=70.0, hemoglobin=10.5, wbc=5.0, albumin=4.0, bilirubin=0.5)
    (o,) = [o for o in run("NR-04", **PROGRESSING_ON_SSA, labs=labs) if o.card == "prrt-labs-caution"]
    assert o.params["lab"] == "CrCl 40 mL/min, platelets 70 x10^9/L"
    assert len(o.params["lab"]) <= knowledge().placeholders["lab"].max_length


def test_everolimus_during_prrt_is_not_recommended():
    """net-68: everolimus started between two Lu-177 dotatate doses."""
    course = {"progression": True, "next_prrt_date": date(2026, 11, 28),
              "therapies": (therapy(Agent.PRRT, start=date(2026, 10, 3)), therapy(Agent.EVEROLIMUS, start=date(2026, 11, 1)))}
    assert "everolimus-prrt-combination" in fired_cards("NR-23", **course)
    after = dict(course, therapies=(therapy(Agent.PRRT, status=TherapyStatus.COMPLETED, start=date(2025, 1, 1)),
                                    therapy(Agent.EVEROLIMUS, start=date(2026, 11, 1))))
    after.pop("next_prrt_date")
    assert "everolimus-prrt-combination" not in fired_cards("NR-23", **after)


def test_nr01_only_when_sunitinib_is_ordered():
    """The site rows never suggest sunitinib outside the pancreas; NR-01 speaks when someone orders it."""
    progressing = {"progression": True, "progression_date": date(2026, 7, 1), "newly_diagnosed": False}
    assert fired_cards("NR-01", **progressing, therapies=(SSA_LAR,)) == set()
    ordered = (SSA_LAR, therapy(Agent.SUNITINIB, status=TherapyStatus.PLANNED))
    assert fired_cards("NR-01", **progressing, therapies=ordered) == {"sunitinib-non-pancreatic"}



# ---- SB-10 pregnancy / breast-feeding and systemic therapy


def test_sb10_breast_feeding_with_advanced_disease_warns_before_systemic_therapy():
    """Review Wrong 2: breast-feeding is told apart from pregnancy (stop it for the course, not "fetal toxicity")."""
    assert fired_cards("SB-10", breastfeeding=True) == {"breastfeeding-systemic-therapy"}
    assert fired_cards("SB-10", pregnant=True, therapies=(therapy(Agent.EVEROLIMUS),)) == {
        "pregnancy-systemic-therapy", "pregnancy-net-management"}


def test_sb10_near_misses():
    # status not on record (missing is not "yes"), or localized disease with nothing ordered
    assert fired_cards("SB-10") == set()
    assert fired_cards("SB-10", breastfeeding=False) == set()
    localized = dict(extent=Extent.LOCALIZED, metastatic_sites=frozenset(), liver_metastases=False)
    assert fired_cards("SB-10", breastfeeding=True, **localized) == set()
    # a pregnant patient always gets the management path (MDT + obstetrics), never only cautions
    assert fired_cards("SB-10", pregnant=True, **localized) == {"pregnancy-net-management"}
