"""Pancreatic NET rows P-01..P-08 (decision table 4.3): each fires, each has a near miss."""
from __future__ import annotations

from datetime import date

import pytest

from service.picture.model import (
    Agent,
    Extent,
    Grade,
    Hereditary,
    Ki67,
    PrimarySite,
    SstrStatus,
    Syndrome,
    TherapyStatus,
)
from service.rules import Status
from tests.rules.factories import MISSING, fired_cards, procedure, run, therapy

PNET = {"primary_site": PrimarySite.PANCREAS, "site_detail": "pancreas"}
SMALL_LOCAL = dict(PNET, extent=Extent.LOCALIZED, metastatic_sites=frozenset(), liver_metastases=False,
                   grade=Grade.G1, ki67=Ki67(2), tumor_size_cm=1.5)
ON_SSA = (therapy(Agent.SSA, start=date(2025, 1, 1)),)
PROGRESSING_ON_SSA = dict(PNET, progression=True, newly_diagnosed=False, therapies=ON_SSA)
AFTER_EVEROLIMUS = dict(PNET, progression=True, newly_diagnosed=False,
                        therapies=ON_SSA + (therapy(Agent.EVEROLIMUS, start=date(2025, 6, 1)),))


@pytest.mark.parametrize(
    ("rule_id", "card", "fires", "near_miss"),
    [
        # P-01 small sporadic NF-pNET: surveillance is an option; a MEN1 patient goes to the H-rows
        ("P-01", "pnet-small-surveillance", SMALL_LOCAL, dict(SMALL_LOCAL, hereditary=frozenset({Hereditary.MEN1}))),
        ("P-01", "pnet-small-surveillance", SMALL_LOCAL, dict(SMALL_LOCAL, tumor_size_cm=2.5)),
        # P-02 lanreotide first line for Ki-67 < 10 %; Ki-67 12 % is outside CLARINET
        ("P-02", "pnet-ssa-first-line", PNET, dict(PNET, ki67=Ki67(12))),
        # P-03 everolimus/sunitinib for progression; stable with Ki-67 5 % does not qualify
        ("P-03", "everolimus-pnet", PROGRESSING_ON_SSA, PNET),
        ("P-03", "sunitinib-pnet", dict(PNET, ki67=Ki67(15)), dict(PNET, ki67=Ki67(15), syndromes=frozenset({Syndrome.INSULINOMA}))),
        # P-04 CAPTEM when shrinkage matters (bulky liver disease); low burden stable does not
        ("P-04", "captem-pnet", dict(PNET, hepatic_burden_percent=60.0), dict(PNET, hepatic_burden_percent=10.0)),
        # P-05 PRRT after a prior line; needs SSTR >= liver everywhere
        ("P-05", "prrt-pnet", AFTER_EVEROLIMUS, dict(AFTER_EVEROLIMUS, sstr=SstrStatus.NEGATIVE)),
        # P-06 cabozantinib after a NON-SSA therapy; progression on SSA alone is not enough
        ("P-06", "cabozantinib-pnet", AFTER_EVEROLIMUS, PROGRESSING_ON_SSA),
        # P-07 SSTR-negative pNET -> MDT options; SSTR-positive -> not this row
        ("P-07", "pnet-sstr-negative-mdt", dict(PNET, sstr=SstrStatus.NEGATIVE), PNET),
        # P-08 abscess caution after Whipple; no anastomosis -> no caution
        ("P-08", "liver-directed-anastomosis-caution",
         dict(PNET, procedures=(procedure("pancreaticoduodenectomy"),)), dict(PNET, bilio_enteric_anastomosis=False)),
    ],
)
def test_row_fires_and_near_miss_does_not(rule_id, card, fires, near_miss):
    assert card in fired_cards(rule_id, **fires)
    assert card not in fired_cards(rule_id, **near_miss)


def test_first_line_prrt_in_pnet_is_consider_for_netter2_population():
    """P-05 for a newly diagnosed pNET with Ki-67 >= 10 % uses the NETTER-2 (consider) card, not 'recommend'."""
    assert fired_cards("P-05", **dict(PNET, ki67=Ki67(15))) == {"prrt-first-line"}
    assert fired_cards("P-05", **dict(PNET, ki67=Ki67(5))) == set()


def test_insulinoma_gets_everolimus_but_neither_sunitinib_nor_plain_ssa():
    insulinoma = dict(PROGRESSING_ON_SSA, syndromes=frozenset({Syndrome.INSULINOMA}))
    assert fired_cards("P-03", **insulinoma) == {"everolimus-pnet"}
    assert fired_cards("P-02", **dict(PNET, syndromes=frozenset({Syndrome.INSULINOMA}))) == set()


def test_p03_offers_only_the_drug_not_yet_given():
    """After everolimus failed, sunitinib is the next line, not "an equal alternative" (review Wrong 13, net-14)."""
    history = dict(AFTER_EVEROLIMUS)
    assert fired_cards("P-03", **history) == {"sunitinib-pnet-after-everolimus"}


def test_pnet_rows_do_not_fire_for_unknown_primary():
    """Sunitinib and other pNET rows need an established pancreatic primary (M-11)."""
    unknown = dict(PROGRESSING_ON_SSA, primary_site=PrimarySite.UNKNOWN, ki67=Ki67(15))
    assert fired_cards("P-03", **unknown) == set()


def test_missing_sstr_is_insufficient_for_prrt():
    (o,) = run("P-05", **dict(AFTER_EVEROLIMUS, sstr=MISSING))
    assert o.status is Status.INSUFFICIENT and o.card == "prrt-needs-sstr"


def test_small_pnet_size_unknown_is_insufficient():
    (o,) = run("P-01", **dict(SMALL_LOCAL, tumor_size_cm=MISSING))
    assert o.status is Status.INSUFFICIENT


def test_cabozantinib_not_repeated():
    history = dict(AFTER_EVEROLIMUS, therapies=AFTER_EVEROLIMUS["therapies"]
                   + (therapy(Agent.CABOZANTINIB, status=TherapyStatus.STOPPED),))
    assert fired_cards("P-06", **history) == set()


# --------------------------------------------------------------------------- clinical review 2026-11


def test_p02_first_line_ssa_not_after_a_non_ssa_line():
    """net-14: a pNET that progressed after everolimus is not offered 'first-line lanreotide'."""
    after_everolimus = dict(PNET, ki67=Ki67(7), progression=True, newly_diagnosed=False,
                            therapies=(therapy(Agent.EVEROLIMUS, status=TherapyStatus.STOPPED,
                                               start=date(2024, 1, 1), progressed_on=True),))
    assert fired_cards("P-02", **after_everolimus) == set()
    assert fired_cards("P-02", **dict(PNET, ki67=Ki67(7))) == {"pnet-ssa-first-line"}


def test_p03_does_not_switch_a_targeted_therapy_that_is_working():
    """On everolimus started after the last progression (not progressed on it): no 'start sunitinib'."""
    on_everolimus = dict(PNET, ki67=Ki67(12), progression=True, progression_date=date(2026, 7, 1),
                         newly_diagnosed=False,
                         therapies=(therapy(Agent.EVEROLIMUS, start=date(2026, 8, 1), progressed_on=False),))
    assert fired_cards("P-03", **on_everolimus) == set()
    progressed = dict(on_everolimus, therapies=(therapy(Agent.EVEROLIMUS, start=date(2026, 1, 1), progressed_on=True),))
    assert fired_cards("P-03", **progressed) == {"sunitinib-pnet-after-everolimus"}


def test_p04_recommends_captem_for_shrinkage_and_only_considers_it_for_progression_alone():
    progressive = dict(PROGRESSING_ON_SSA, ki67=Ki67(15), hepatic_burden_percent=20.0)
    assert fired_cards("P-04", **progressive) == {"captem-pnet-progressive"}
    bulky = dict(progressive, hepatic_burden_percent=60.0)
    assert fired_cards("P-04", **bulky) == {"captem-pnet", "streptozocin-pnet"}
    stable_low = dict(PNET, ki67=Ki67(4), hepatic_burden_percent=20.0)
    assert fired_cards("P-04", **stable_low) == set()


def test_p01_asks_for_size_instead_of_guessing():
    (o,) = run("P-01", **dict(SMALL_LOCAL, tumor_size_cm=MISSING))
    assert o.status is Status.INSUFFICIENT and o.card == "pnet-size-needs-data"
    assert fired_cards("P-01", **SMALL_LOCAL) == {"pnet-small-surveillance"}


def test_p03_targeted_agents_become_later_options_when_shrinkage_is_needed_first():
    """P-03 is for 'no urgent need for shrinkage': bulky liver disease or a symptomatic tumour sends the
    first choice to chemotherapy (P-04), and everolimus/sunitinib are offered as 'consider' options."""
    bulky = dict(PROGRESSING_ON_SSA, hepatic_burden_percent=60.0)
    assert fired_cards("P-03", **bulky) == {"everolimus-pnet-after-shrinkage", "sunitinib-pnet-after-shrinkage"}
    assert fired_cards("P-04", **bulky) >= {"captem-pnet"}
    painful = dict(PROGRESSING_ON_SSA, abdominal_pain=True)
    assert fired_cards("P-03", **painful) == {"everolimus-pnet-after-shrinkage", "sunitinib-pnet-after-shrinkage"}
    # near misses: modest burden, or chemotherapy already given -> the ordinary recommend cards
    assert fired_cards("P-03", **dict(PROGRESSING_ON_SSA, hepatic_burden_percent=20.0)) == {"everolimus-pnet", "sunitinib-pnet"}
    after_captem = dict(bulky, therapies=ON_SSA + (therapy(Agent.CAPTEM, start=date(2025, 3, 1)),))
    assert fired_cards("P-03", **after_captem) == {"everolimus-pnet", "sunitinib-pnet"}


def test_p04_captem_for_any_progressing_pnet_beside_the_targeted_options():
    """Issue 11 item 5: pNET progression offers CAPTEM as the table words it (E2211: progressive pNET, any
    low/intermediate Ki-67), not only with Ki-67 >= 10 %."""
    low_ki67 = dict(PROGRESSING_ON_SSA, ki67=Ki67(6))
    assert fired_cards("P-04", **low_ki67) == {"captem-pnet-progressive"}
    assert fired_cards("P-04", **dict(low_ki67, progression=False)) == set()
    working = dict(low_ki67, therapies=ON_SSA + (therapy(Agent.EVEROLIMUS, start=date(2026, 10, 1), progressed_on=False),))
    assert fired_cards("P-04", **working) == set()


def test_p07_lists_only_the_options_left():
    """Review Missing (net-35): the MDT card listed everolimus while she takes it."""
    negative = dict(PNET, sstr=SstrStatus.NEGATIVE, progression=True, newly_diagnosed=False)
    (o,) = run("P-07", **dict(negative, therapies=(therapy(Agent.EVEROLIMUS),)))
    assert "everolimus" not in o.params["options"] and "sunitinib" in o.params["options"]
    (o,) = run("P-07", **negative)
    assert "everolimus" in o.params["options"] and "cabozantinib" not in o.params["options"]
