"""Functional-syndrome rows F-01..F-12 (decision table 4.9): each fires, each has a near miss."""
from __future__ import annotations

from datetime import date

import pytest

from service.picture.model import (
    Agent,
    Ki67,
    Extent,
    Hereditary,
    PrimarySite,
    SstrStatus,
    Syndrome,
    TherapyStatus,
)
from service.rules import Status
from tests.rules.factories import MISSING, fired_cards, make_labs, medication, run, therapy

CS = {"syndromes": frozenset({Syndrome.CARCINOID}), "carcinoid_syndrome": True}
ON_SSA = (therapy(Agent.SSA, start=date(2025, 1, 1)),)
CS_ON_SSA = dict(CS, therapies=ON_SSA, newly_diagnosed=False)
PNET = {"primary_site": PrimarySite.PANCREAS, "site_detail": "pancreas"}
LOCAL = {"extent": Extent.LOCALIZED, "metastatic_sites": frozenset(), "liver_metastases": False}


def syndrome(s: Syndrome, **more):
    return dict(PNET, syndromes=frozenset({s}), **more)


@pytest.mark.parametrize(
    ("rule_id", "card", "fires", "near_miss"),
    [
        ("F-01", "ssa-carcinoid-syndrome", CS, CS_ON_SSA),
        ("F-01", "ssa-carcinoid-syndrome", CS, {}),
        ("F-02", "telotristat-refractory", dict(CS_ON_SSA, bowel_movements_per_day=5.0),
         dict(CS_ON_SSA, bowel_movements_per_day=3.0)),
        ("F-02", "telotristat-refractory", dict(CS_ON_SSA, bowel_movements_per_day=5.0),
         dict(CS_ON_SSA, bowel_movements_per_day=5.0, severe_constipation=True)),
        ("F-03", "ssa-escalation-symptoms", dict(CS_ON_SSA, flushing_per_day=3.0), dict(CS_ON_SSA, flushing_per_day=0.0)),
        ("F-04", "chd-cardiology", dict(CS, labs=make_labs(nt_probnp=900.0)), dict(CS, labs=make_labs(nt_probnp=100.0))),
        ("F-04", "chd-known", {"carcinoid_heart_disease": True}, {}),
        ("F-05", "crisis-prophylaxis", dict(CS, therapies=(therapy(Agent.LIVER_DIRECTED, status=TherapyStatus.PLANNED),)),
         CS),
        ("F-06", "prrt-second-line", dict(CS_ON_SSA, progression=True), dict(CS_ON_SSA, progression=False)),
        ("F-06", "liver-directed-therapy-resectability-unknown", dict(CS_ON_SSA, progression=True, liver_dominant=True),
         dict(CS_ON_SSA, progression=True, liver_dominant=False)),
        ("F-07", "insulinoma-surgery", syndrome(Syndrome.INSULINOMA, **LOCAL), syndrome(Syndrome.INSULINOMA)),
        ("F-07", "diazoxide-insulinoma", syndrome(Syndrome.INSULINOMA, hypoglycaemia=True),
         syndrome(Syndrome.INSULINOMA, hypoglycaemia=False)),
        ("F-07", "everolimus-insulinoma", syndrome(Syndrome.INSULINOMA), syndrome(Syndrome.INSULINOMA, **LOCAL)),
        ("F-08", "ppi-gastrinoma", syndrome(Syndrome.GASTRINOMA),
         syndrome(Syndrome.GASTRINOMA, therapies=(therapy(Agent.PPI),))),
        ("F-08", "gastrinoma-surgery", syndrome(Syndrome.GASTRINOMA, **LOCAL),
         syndrome(Syndrome.GASTRINOMA, hereditary=frozenset({Hereditary.MEN1}), **LOCAL)),
        ("F-09", "vipoma-ssa", syndrome(Syndrome.VIPOMA), syndrome(Syndrome.VIPOMA, therapies=ON_SSA)),
        ("F-10", "glucagonoma-ssa", syndrome(Syndrome.GLUCAGONOMA), syndrome(Syndrome.VIPOMA)),
        ("F-11", "acth-hypercortisolism", syndrome(Syndrome.ACTH), PNET),
        ("F-12", "somatostatinoma-ssa", syndrome(Syndrome.SOMATOSTATINOMA, sstr=SstrStatus.NEGATIVE),
         syndrome(Syndrome.SOMATOSTATINOMA, therapies=ON_SSA)),
    ],
)
def test_row_fires_and_near_miss_does_not(rule_id, card, fires, near_miss):
    assert card in fired_cards(rule_id, **fires)
    assert card not in fired_cards(rule_id, **near_miss)


def test_carcinoid_progression_never_suggests_everolimus():
    """F-06: PRRT / liver-directed for CS progression; everolimus is not a card this row can emit."""
    for sstr in SstrStatus:
        cards = fired_cards("F-06", **dict(CS_ON_SSA, progression=True, liver_dominant=True, sstr=sstr))
        assert not any("everolimus" in c for c in cards)


def test_carcinoid_progression_with_heterogeneous_sstr_gets_no_prrt():
    assert "prrt-second-line" not in fired_cards("F-06", **dict(CS_ON_SSA, progression=True,
                                                               sstr=SstrStatus.POSITIVE_HETEROGENEOUS))


def test_telotristat_needs_three_months_on_ssa_and_an_ssa_at_all():
    recent = dict(CS, therapies=(therapy(Agent.SSA, start=date(2026, 10, 1)),), bowel_movements_per_day=6.0)
    assert "telotristat-refractory" not in fired_cards("F-02", **recent)
    assert "telotristat-refractory" not in fired_cards("F-02", **dict(CS, bowel_movements_per_day=6.0))


def test_bowel_movements_unknown_is_insufficient():
    assert {o.status for o in run("F-02", **CS_ON_SSA)} == {Status.INSUFFICIENT}


def test_carcinoid_syndrome_without_nt_probnp_asks_for_screening():
    (o,) = run("F-04", **CS)
    assert o.status is Status.INSUFFICIENT and o.card == "chd-screening-needs-data"


def test_insulinoma_alone_gets_glucose_cover_not_octreotide_crisis_cover():
    """Review U2 (net-15): an insulinoma before surgery needs glucose monitoring and IV dextrose, never octreotide."""
    planned = (therapy(Agent.SURGERY, status=TherapyStatus.PLANNED),)
    assert fired_cards("F-05", **syndrome(Syndrome.INSULINOMA, therapies=planned)) == {"insulinoma-periprocedural"}


def test_crisis_cover_for_an_upcoming_prrt_date():
    assert "crisis-prophylaxis" in fired_cards("F-05", **dict(CS, next_prrt_date=date(2026, 12, 1)))
    assert "crisis-prophylaxis" not in fired_cards("F-05", **dict(CS, next_prrt_date=date(2026, 1, 1)))


def test_progression_unknown_in_carcinoid_syndrome_is_insufficient():
    assert {o.status for o in run("F-06", **dict(CS_ON_SSA, progression=MISSING))} == {Status.INSUFFICIENT}


# --------------------------------------------------------------------------- clinical review 2026-11


def test_f01_on_an_ssa_says_continue_not_start():
    """Carcinoid syndrome already on an SSA: 'continue/optimise the SSA', never 'start an SSA'."""
    on_ssa = dict(CS, therapies=(therapy(Agent.SSA, start=date(2026, 5, 1)),))
    assert fired_cards("F-01", **on_ssa) == {"ssa-carcinoid-continue"}
    assert fired_cards("F-01", **CS) == {"ssa-carcinoid-syndrome"}
    assert fired_cards("F-01") == set()


def test_f02_already_on_telotristat_escalates_the_ssa_only():
    refractory = dict(CS, bowel_movements_per_day=5.0,
                      therapies=(therapy(Agent.SSA, start=date(2025, 1, 1)),
                                 therapy(Agent.TELOTRISTAT, start=date(2025, 6, 1))))
    assert fired_cards("F-02", **refractory) == {"ssa-escalation-symptoms"}
    assert fired_cards("F-02", **dict(refractory, bowel_movements_per_day=2.0)) == set()


def test_f12_localized_somatostatinoma_is_resected_not_given_an_ssa():
    somatostatinoma = {"syndromes": frozenset({Syndrome.SOMATOSTATINOMA}), "ki67": Ki67(12.0)}
    assert fired_cards("F-12", **somatostatinoma) == {"somatostatinoma-ssa"}
    assert fired_cards("F-12", **somatostatinoma, extent=Extent.LOCALIZED, metastatic_sites=frozenset(),
                       liver_metastases=False) == set()


def test_f05_no_routine_octreotide_cover_with_an_insulinoma_lacking_sstr_imaging():
    """Found by the never-suggested-and-refused property: octreotide cover next to 'SSA not recommended' (NR-12)."""
    from service.picture.model import SstrStatus
    planned = (therapy(Agent.SURGERY, status=TherapyStatus.PLANNED, start=date(2026, 12, 1)),)
    both = {"syndromes": frozenset({Syndrome.INSULINOMA, Syndrome.GASTRINOMA}), "therapies": planned}
    assert fired_cards("F-05", **both, sstr=MISSING) == {"insulinoma-periprocedural"}
    assert fired_cards("F-05", **both, sstr=SstrStatus.POSITIVE_ALL) == {"crisis-prophylaxis",
                                                                       "insulinoma-periprocedural"}


# --------------------------------------------------------------------------- whole rows (review 2026-12, issue 11)

from service.picture.model import Resectability  # noqa: E402


def test_f05_cover_when_this_answer_suggests_the_procedure():
    """F-05 fires for a procedure suggested on another card (LD-01 surgical evaluation), not only a planned one."""
    resectable = dict(CS_ON_SSA, resectability=Resectability.RESECTABLE, liver_dominant=True)
    assert "crisis-prophylaxis" in fired_cards("F-05", **resectable)
    (o,) = [o for o in run("F-05", **resectable) if o.card == "crisis-prophylaxis"]
    assert any(f.name == "Suggested on another card" for f in o.facts)
    # near miss: nothing planned and nothing procedural suggested
    assert fired_cards("F-05", **CS_ON_SSA) == set()


def test_f05_no_cover_for_a_procedure_the_patient_declined():
    resectable = dict(CS_ON_SSA, resectability=Resectability.RESECTABLE, liver_dominant=True,
                      declined_therapies=frozenset({Agent.SURGERY}))
    assert "crisis-prophylaxis" not in fired_cards("F-05", **resectable)


def test_f05_acth_gets_glucocorticoid_cover_not_carcinoid_crisis_cover():
    """Review U2 (net-61): ectopic ACTH before surgery needs glucocorticoid cover and a metyrapone plan."""
    planned = (therapy(Agent.SURGERY, status=TherapyStatus.PLANNED),)
    assert fired_cards("F-05", **syndrome(Syndrome.ACTH, therapies=planned)) == {"acth-periprocedural"}


def test_f07_every_option_for_malignant_insulinoma():
    advanced = syndrome(Syndrome.INSULINOMA, liver_dominant=True, resectability=Resectability.UNRESECTABLE)
    cards = fired_cards("F-07", **advanced)
    assert {"everolimus-insulinoma", "prrt-insulinoma", "liver-directed-insulinoma", "captem-insulinoma"} <= cards
    # near misses: SSTR not >= liver -> no PRRT; CAPTEM given -> no CAPTEM
    assert "prrt-insulinoma" not in fired_cards("F-07", **dict(advanced, sstr=SstrStatus.NEGATIVE))
    assert "captem-insulinoma" not in fired_cards("F-07", **dict(advanced, therapies=(therapy(Agent.CAPTEM),)))
    assert "prrt-needs-sstr" in {o.card for o in run("F-07", **dict(advanced, sstr=MISSING))}


def test_f07_optimises_diazoxide_when_already_on_it():
    on_diazoxide = syndrome(Syndrome.INSULINOMA, hypoglycaemia=True, therapies=(therapy(Agent.DIAZOXIDE),), **LOCAL)
    cards = fired_cards("F-07", **on_diazoxide)
    assert "diazoxide-insulinoma-optimise" in cards and "diazoxide-insulinoma" not in cards
    assert "diazoxide-insulinoma-optimise" not in fired_cards("F-07", **dict(on_diazoxide, hypoglycaemia=False))


def test_f09_vipoma_not_controlled_on_an_ssa():
    on_ssa = syndrome(Syndrome.VIPOMA, therapies=ON_SSA)
    assert fired_cards("F-09", **dict(on_ssa, bowel_movements_per_day=8.0)) == {"vipoma-not-controlled"}
    assert fired_cards("F-09", **dict(on_ssa, bowel_movements_per_day=2.0)) == set()
    assert {o.status for o in run("F-09", **on_ssa)} == {Status.INSUFFICIENT}


def test_f10_f11_active_dvt_asks_for_therapeutic_anticoagulation_not_prophylaxis():
    """Review U3 (net-60): a DVT on record: "confirm therapeutic anticoagulation", never "VTE prophylaxis"."""
    assert fired_cards("F-10", **syndrome(Syndrome.GLUCAGONOMA, venous_thromboembolism=True)) == {"glucagonoma-ssa-vte"}
    assert fired_cards("F-10", **syndrome(Syndrome.GLUCAGONOMA)) == {"glucagonoma-ssa"}
    assert fired_cards("F-11", **syndrome(Syndrome.ACTH, venous_thromboembolism=True)) == {"acth-hypercortisolism-vte"}
    (o,) = run("F-10", **syndrome(Syndrome.GLUCAGONOMA, venous_thromboembolism=True))
    assert any("anticoagulant" in m for m in o.missing)
    (o,) = run("F-10", **syndrome(Syndrome.GLUCAGONOMA, venous_thromboembolism=True,
                                 current_medications=(medication("apixaban", "anticoagulant"),)))
    assert not o.missing


def test_f04_known_heart_disease_refers_to_the_valve_team_and_planned_surgery_needs_it_excluded():
    """Review Wrong 14 (net-08) and 15 (net-47)."""
    assert fired_cards("F-04", carcinoid_heart_disease=True) == {"chd-known"}
    planned = dict(CS, therapies=(therapy(Agent.SURGERY, status=TherapyStatus.PLANNED, start=date(2026, 12, 10)),))
    (o,) = run("F-04", **planned)
    assert o.card == "chd-screening-before-procedure"
    (o,) = run("F-04", **CS)
    assert o.card == "chd-screening-needs-data"


def test_f12_no_second_ssa_card_when_the_first_line_ssa_row_starts_one():
    """Review Wrong 13 (net-62): "Start lanreotide" beside a merged "Consider a trial of SSA"."""
    low_ki67 = syndrome(Syndrome.SOMATOSTATINOMA)  # advanced, SSTR >= liver, Ki-67 5 %
    assert fired_cards("F-12", **low_ki67) == set()
    assert fired_cards("P-02", **low_ki67) == {"pnet-ssa-first-line-functional"}
