"""Liver-directed rows LD-01..LD-03 (decision table 4.7): each fires, each has a near miss."""
from __future__ import annotations

from datetime import date

import pytest

from service.picture.model import Agent, Grade, Ki67, Resectability, Syndrome, TherapyStatus
from service.rules import Status
from tests.rules.factories import MISSING, fired_cards, make_labs, procedure, run, therapy

LIVER_DOMINANT = {"liver_dominant": True, "resectability": Resectability.UNRESECTABLE, "progression": True,
                  "hepatic_burden_percent": 30.0}
TRANSPLANT = {"metastatic_sites": frozenset({"liver"}), "ki67": Ki67(4), "age_years": 45, "hepatic_burden_percent": 30.0,
              "resectability": Resectability.UNRESECTABLE, "procedures": (procedure("resection"),),
              "therapies": (therapy(Agent.SSA, start=date(2025, 1, 1)),), "newly_diagnosed": False}


@pytest.mark.parametrize(
    ("rule_id", "card", "fires", "near_miss"),
    [
        ("LD-01", "liver-surgery-evaluation", {"resectability": Resectability.CYTOREDUCTION_FEASIBLE},
         {"resectability": Resectability.UNRESECTABLE}),
        ("LD-01", "liver-surgery-evaluation", {"resectability": Resectability.RESECTABLE},
         {"resectability": Resectability.RESECTABLE, "grade": Grade.G3, "ki67": Ki67(30)}),
        ("LD-02", "liver-directed-therapy", LIVER_DOMINANT, dict(LIVER_DOMINANT, progression=False)),
        ("LD-02", "liver-directed-therapy", dict(LIVER_DOMINANT, progression=False,
                                                 syndromes=frozenset({Syndrome.CARCINOID}),
                                                 therapies=(therapy(Agent.SSA, start=date(2025, 1, 1)),),
                                                 bowel_movements_per_day=6.0),
         dict(LIVER_DOMINANT, liver_dominant=False)),
        ("LD-03", "liver-transplant-referral", TRANSPLANT, dict(TRANSPLANT, metastatic_sites=frozenset({"liver", "bone"}))),
        ("LD-03", "liver-transplant-referral", TRANSPLANT, dict(TRANSPLANT, age_years=70)),
    ],
)
def test_row_fires_and_near_miss_does_not(rule_id, card, fires, near_miss):
    assert card in fired_cards(rule_id, **fires)
    assert card not in fired_cards(rule_id, **near_miss)


def test_resectability_not_assessed_asks_the_surgeon():
    """Newly diagnosed, liver-dominant: the resectability judgement decides the first plan."""
    (o,) = run("LD-01", liver_dominant=True)
    assert o.status is Status.INSUFFICIENT and o.card == "liver-resectability-needs-data"
    assert any(f.name == "Liver-dominant disease" for f in o.facts)


def test_newly_diagnosed_liver_metastases_without_documented_dominance_still_ask_the_surgeon():
    """A liver-metastasis code without a burden no longer makes the disease 'liver-dominant' (review A W5); with
    no extrahepatic site coded the first-plan question stands, and its finding does not assert dominance."""
    (o,) = run("LD-01", liver_dominant=MISSING)
    assert o.card == "liver-resectability-needs-data" and "liver-dominant" not in o.reason


def test_resectability_question_only_at_the_first_plan_of_liver_dominant_disease():
    """Review 2026-11 (noise): the 'ask whether the liver metastases are resectable' card fired for
    nearly every metastatic patient. It now shows only for newly diagnosed liver-dominant disease;
    otherwise the row stays insufficient without a card (never 'not resectable')."""
    for overrides in ({"liver_dominant": False},
                      {"liver_dominant": True, "newly_diagnosed": False,
                       "therapies": (therapy(Agent.SSA, start=date(2025, 1, 1)),)},
                      {"liver_dominant": True, "newly_diagnosed": MISSING},
                      {"liver_dominant": True, "progression": True}):
        (o,) = run("LD-01", **overrides)
        assert o.status is Status.INSUFFICIENT and o.card is None and o.missing, overrides
    # at progression LD-02 carries the question on its own card
    progressing = dict(LIVER_DOMINANT, progression=True, newly_diagnosed=False, resectability=MISSING,
                       therapies=(therapy(Agent.SSA, start=date(2025, 1, 1)),))
    (o,) = run("LD-02", **progressing)
    assert o.status is Status.APPLICABLE and "resectability assessment" in o.missing


def test_after_whipple_liver_directed_therapy_is_a_caution_not_a_suggestion():
    """LD-02 + P-08: bilio-enteric anastomosis turns the card into the abscess-risk caution."""
    cards = fired_cards("LD-02", **dict(LIVER_DOMINANT, procedures=(procedure("pancreaticoduodenectomy"),)))
    assert cards == {"liver-directed-anastomosis-caution"}


def test_high_hepatic_replacement_or_bilirubin_gives_caution():
    assert fired_cards("LD-02", **dict(LIVER_DOMINANT, hepatic_burden_percent=70.0)) == {"liver-directed-high-burden-caution"}
    high_bili = dict(LIVER_DOMINANT, labs=make_labs(bilirubin=2.5, bilirubin_uln=1.2))
    assert fired_cards("LD-02", **high_bili) == {"liver-directed-high-burden-caution"}


def test_transplant_needs_the_primary_removed_and_prior_therapy():
    assert fired_cards("LD-03", **dict(TRANSPLANT, procedures=())) == set()
    no_therapy = dict(TRANSPLANT, therapies=(), newly_diagnosed=True)
    assert fired_cards("LD-03", **no_therapy) == set()
    planned_only = dict(TRANSPLANT, therapies=(therapy(Agent.SSA, status=TherapyStatus.PLANNED),))
    assert fired_cards("LD-03", **planned_only) == set()


# --------------------------------------------------------------------------- clinical review 2026-11


def test_ld02_not_for_an_untreated_or_controlled_syndrome():
    """A carcinoid syndrome not yet on an SSA (or a ZES controlled on PPI) is no indication for embolisation."""
    naive = dict(LIVER_DOMINANT, progression=False, syndromes=frozenset({Syndrome.CARCINOID}), carcinoid_syndrome=True)
    assert fired_cards("LD-02", **naive) == set()
    zes = dict(LIVER_DOMINANT, progression=False, syndromes=frozenset({Syndrome.GASTRINOMA}),
               therapies=(therapy(Agent.PPI),))
    assert fired_cards("LD-02", **zes) == set()


def test_ld02_not_while_the_progression_is_being_treated():
    """net-38/68: PRRT in course since the progression: no liver-directed suggestion in the middle of it."""
    from service.picture.model import TherapyStatus as TS
    in_prrt = dict(LIVER_DOMINANT, progression_date=date(2026, 6, 1), next_prrt_date=date(2026, 12, 1),
                   therapies=(therapy(Agent.PRRT, status=TS.ACTIVE, start=date(2026, 8, 1)),))
    assert fired_cards("LD-02", **in_prrt) == set()
    progressed_on_prrt = dict(in_prrt, therapies=(therapy(Agent.PRRT, status=TS.COMPLETED, start=date(2025, 1, 1),
                                                          end=date(2025, 7, 1)),), next_prrt_date=None)
    progressed_on_prrt.pop("next_prrt_date")
    assert fired_cards("LD-02", **progressed_on_prrt) == {"liver-directed-therapy"}


def test_ld01_no_surgical_needs_data_with_unresectable_extrahepatic_disease():
    from tests.rules.factories import MISSING
    (o,) = run("LD-01", metastatic_sites=frozenset({"liver", "bone"}), resectability=MISSING)
    assert o.status is Status.NOT_APPLICABLE
    (o,) = run("LD-01", metastatic_sites=frozenset({"liver"}), resectability=MISSING, liver_dominant=True)
    assert o.status is Status.INSUFFICIENT and o.card == "liver-resectability-needs-data"


def test_ld01_does_not_ask_about_resection_mid_treatment():
    from tests.rules.factories import MISSING
    in_prrt = dict(progression=True, progression_date=date(2026, 6, 1), next_prrt_date=date(2026, 12, 1),
                   resectability=MISSING, therapies=(therapy(Agent.PRRT, start=date(2026, 8, 1)),))
    (o,) = run("LD-01", **in_prrt)
    assert o.status is Status.NOT_APPLICABLE


# --------------------------------------------------------------------------- review 2026-12 (issue 11)

from service.picture.model import PrimarySite  # noqa: E402


def test_ld02_never_asserts_unresectable_when_resectability_is_not_assessed():
    """Review Wrong 12: "not suited to resection" while resectability is listed as missing."""
    unknown_resect = dict(LIVER_DOMINANT, resectability=MISSING)
    (o,) = run("LD-02", **unknown_resect)
    assert o.card == "liver-directed-therapy-resectability-unknown" and "resectability assessment" in o.missing
    assert fired_cards("LD-02", **LIVER_DOMINANT) == {"liver-directed-therapy"}


def test_ld02_pain_from_an_unresected_small_bowel_primary_is_not_liver_disease():
    """Review Wrong 12 (net-45): mesenteric-mass pain counted as symptomatic liver disease."""
    painful = dict(LIVER_DOMINANT, progression=False, abdominal_pain=True)
    assert fired_cards("LD-02", **painful) == set()  # ileal primary in situ: M-10 offers its resection
    resected = dict(painful, procedures=(procedure("resection"),))
    assert fired_cards("LD-02", **resected) == {"liver-directed-therapy"}
    pancreatic = dict(painful, primary_site=PrimarySite.PANCREAS)
    assert fired_cards("LD-02", **pancreatic) == {"liver-directed-therapy"}


def test_ld03_milan_net_needs_stable_disease():
    """Review Wrong 6 (net-48): no transplant referral while the disease is progressing."""
    assert fired_cards("LD-03", **dict(TRANSPLANT, progression=True)) == set()
    (o,) = run("LD-03", **dict(TRANSPLANT, progression=MISSING))
    assert o.status is Status.INSUFFICIENT and any("stable disease" in m for m in o.missing)


def test_ld01_surgery_already_booked_is_not_a_new_referral():
    """Review Wrong 15 (net-47): "Refer for surgical evaluation" although surgery is booked in 18 days."""
    booked = dict(resectability=Resectability.RESECTABLE,
                  therapies=(therapy(Agent.SURGERY, status=TherapyStatus.PLANNED, start=date(2026, 11, 20)),))
    (o,) = run("LD-01", **booked)
    assert o.card == "liver-surgery-planned" and o.params["date"] == "2026-11-20"
    assert fired_cards("LD-01", resectability=Resectability.RESECTABLE) == {"liver-surgery-evaluation"}
