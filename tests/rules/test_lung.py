"""Lung/thymic NET rows L-01..L-06 (decision table 4.4): each fires, each has a near miss."""
from __future__ import annotations

from datetime import date

import pytest

from service.picture.model import Agent, Extent, Grade, Ki67, LungType, PrimarySite, SstrStatus, Syndrome, TherapyStatus
from service.rules import Status
from tests.rules.factories import MISSING, fired_cards, run, therapy

LUNG = {"primary_site": PrimarySite.LUNG_THYMUS, "site_detail": "lung", "lung_type": LungType.TYPICAL,
        "grade": Grade.G1, "ki67": Ki67(2)}
LOCAL = dict(LUNG, extent=Extent.LOCALIZED, metastatic_sites=frozenset(), liver_metastases=False)
PROGRESSING = dict(LUNG, progression=True, newly_diagnosed=False,
                   therapies=(therapy(Agent.SSA, start=date(2025, 1, 1)),))
AGGRESSIVE = dict(PROGRESSING, lung_type=LungType.ATYPICAL, grade=Grade.G3, ki67=Ki67(25))
ON_SUNITINIB = dict(LUNG, therapies=(therapy(Agent.SUNITINIB, status=TherapyStatus.PLANNED, start=None),))
ON_PLATINUM = dict(LUNG, therapies=(therapy(Agent.PLATINUM_ETOPOSIDE, status=TherapyStatus.PLANNED, start=None),))


@pytest.mark.parametrize(
    ("rule_id", "card", "fires", "near_miss"),
    [
        ("L-01", "lung-resection", LOCAL, LUNG),
        # L-02: stable low-grade advanced -> observation; progressing -> no observation card
        ("L-02", "lung-surveillance", LUNG, dict(LUNG, progression=True)),
        ("L-02", "lung-ssa", LUNG, dict(LUNG, sstr=SstrStatus.NEGATIVE)),
        # L-03 everolimus for progressive NON-functional lung NET
        ("L-03", "everolimus-lung", PROGRESSING, dict(PROGRESSING, syndromes=frozenset({Syndrome.CARCINOID}))),
        # L-04 PRRT (consider) needs SSTR >= liver in all lesions
        ("L-04", "prrt-lung", PROGRESSING, dict(PROGRESSING, sstr=SstrStatus.LOWER_THAN_LIVER)),
        # L-05 CAPTEM for an aggressive profile; indolent typical carcinoid does not qualify
        ("L-05", "captem-lung", AGGRESSIVE, PROGRESSING),
        # platinum-etoposide only for aggressive atypical with Ki-67 > 20 %
        ("L-05", "platinum-etoposide-lung", AGGRESSIVE, dict(AGGRESSIVE, grade=Grade.G2, ki67=Ki67(12))),
        # L-06 sunitinib is not recommended for lung NET when it is ordered; a pancreatic NET is not this row
        ("L-06", "lung-sunitinib-not-recommended", ON_SUNITINIB, dict(ON_SUNITINIB, primary_site=PrimarySite.PANCREAS)),
        ("L-06", "lung-sunitinib-not-recommended", ON_SUNITINIB, LUNG),
        ("L-06", "lung-platinum-not-first-line", ON_PLATINUM,
         dict(ON_PLATINUM, lung_type=LungType.ATYPICAL, grade=Grade.G2)),
        ("L-06", "lung-platinum-not-first-line", ON_PLATINUM, LUNG),
    ],
)
def test_row_fires_and_near_miss_does_not(rule_id, card, fires, near_miss):
    assert card in fired_cards(rule_id, **fires)
    assert card not in fired_cards(rule_id, **near_miss)


def test_lung_prrt_without_sstr_degree_needs_data():
    (o,) = run("L-04", **dict(PROGRESSING, sstr=SstrStatus.POSITIVE_DEGREE_UNKNOWN))
    assert o.status is Status.INSUFFICIENT and o.card == "prrt-needs-sstr"


def test_lung_rows_need_grade_or_carcinoid_type():
    assert {o.status for o in run("L-03", **dict(PROGRESSING, grade=MISSING, lung_type=MISSING))} == {Status.INSUFFICIENT}


def test_cabozantinib_for_lung_only_after_non_ssa_therapy():
    after_everolimus = dict(AGGRESSIVE, therapies=AGGRESSIVE["therapies"]
                            + (therapy(Agent.EVEROLIMUS, start=date(2025, 6, 1)),))
    assert "cabozantinib-lung" in fired_cards("L-05", **after_everolimus)
    assert "cabozantinib-lung" not in fired_cards("L-05", **AGGRESSIVE)


def test_no_sunitinib_warning_for_every_advanced_lung_net():
    """Review 2026-11 (noise): L-06 spoke for every advanced lung NET although no lung row suggests
    sunitinib. It now speaks when sunitinib (or, for a typical carcinoid, platinum-etoposide) is
    ordered or taken; a sunitinib that was stopped is history, not a proposal."""
    assert fired_cards("L-06", **PROGRESSING) == set()
    stopped = dict(LUNG, therapies=(therapy(Agent.SUNITINIB, status=TherapyStatus.STOPPED),))
    assert fired_cards("L-06", **stopped) == set()
    assert fired_cards("L-06", **dict(LUNG, therapies=(therapy(Agent.SUNITINIB),))) == {"lung-sunitinib-not-recommended"}


def test_l03_thymic_everolimus_is_off_label_consider_not_approved_recommend():
    """Review Wrong 7 (net-52): thymic primaries were not in RADIANT-4."""
    thymic = dict(PROGRESSING, site_detail="thymus")
    assert fired_cards("L-03", **thymic) == {"everolimus-thymic"}
    assert fired_cards("L-03", **PROGRESSING) == {"everolimus-lung"}


def test_l05_card_names_the_reason_this_patient_has():
    """Review Wrong 13 (net-51): an SSTR-positive atypical carcinoid with Ki-67 9 % is not "aggressive or SSTR-negative"."""
    atypical = dict(PROGRESSING, lung_type=LungType.ATYPICAL, ki67=Ki67(9), sstr=SstrStatus.POSITIVE_ALL)
    assert "captem-lung-atypical" in fired_cards("L-05", **atypical)
    assert "captem-lung" in fired_cards("L-05", **dict(atypical, sstr=SstrStatus.NEGATIVE))
