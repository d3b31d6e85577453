"""Other GI NET rows O-01..O-06 (decision table 4.5): each fires, each has a near miss."""
from __future__ import annotations

from datetime import date

import pytest

from service.picture.model import Agent, Extent, Grade, Ki67, PrimarySite, SstrStatus, TherapyStatus
from service.rules import Status
from tests.rules.factories import MISSING, fired_cards, run, therapy

LOCAL = {"extent": Extent.LOCALIZED, "metastatic_sites": frozenset(), "liver_metastases": False}
STOMACH = dict(LOCAL, primary_site=PrimarySite.OTHER_GI, site_detail="stomach", grade=Grade.G1, ki67=Ki67(1))
RECTUM = dict(LOCAL, primary_site=PrimarySite.OTHER_GI, site_detail="rectum", grade=Grade.G1, ki67=Ki67(1))
APPENDIX = dict(LOCAL, primary_site=PrimarySite.MIDGUT, site_detail="appendix", grade=Grade.G1, ki67=Ki67(1))
RECTAL_ADVANCED = {"primary_site": PrimarySite.OTHER_GI, "site_detail": "rectum"}
PROGRESSING_ON_SSA = dict(RECTAL_ADVANCED, progression=True, newly_diagnosed=False,
                          therapies=(therapy(Agent.SSA, start=date(2025, 1, 1)),))


@pytest.mark.parametrize(
    ("rule_id", "card", "fires", "near_miss"),
    [
        ("O-01", "gastric-type1-surveillance", dict(STOMACH, gastric_type=1), dict(STOMACH, gastric_type=3)),
        ("O-02", "ppi-gastrinoma", dict(STOMACH, gastric_type=2), dict(STOMACH, gastric_type=1)),
        ("O-03", "oncologic-resection-gi", dict(STOMACH, gastric_type=3), dict(STOMACH, gastric_type=1)),
        ("O-03", "oncologic-resection-gi", dict(RECTUM, site_detail="sigmoid colon"), RECTUM),
        ("O-04", "rectal-endoscopic-resection", dict(RECTUM, tumor_size_cm=0.8), dict(RECTUM, tumor_size_cm=1.5)),
        ("O-04", "rectal-oncologic-resection", dict(RECTUM, tumor_size_cm=2.5), dict(RECTUM, tumor_size_cm=0.8)),
        ("O-04", "rectal-staging-mdt", dict(RECTUM, tumor_size_cm=1.5), dict(RECTUM, tumor_size_cm=2.5)),
        ("O-05", "appendix-appendectomy-only", dict(APPENDIX, tumor_size_cm=0.6), dict(APPENDIX, tumor_size_cm=1.5)),
        ("O-05", "appendix-risk-review", dict(APPENDIX, tumor_size_cm=1.5), dict(APPENDIX, tumor_size_cm=0.6)),
        ("O-05", "appendix-hemicolectomy", dict(APPENDIX, tumor_size_cm=2.2), dict(APPENDIX, tumor_size_cm=1.5)),
        # O-06 advanced other GI follows the extra-pancreatic pathway
        ("O-06", "ssa-first-line", RECTAL_ADVANCED, dict(RECTAL_ADVANCED, sstr=SstrStatus.NEGATIVE)),
        ("O-06", "prrt-second-line", PROGRESSING_ON_SSA, dict(PROGRESSING_ON_SSA, sstr=SstrStatus.POSITIVE_HETEROGENEOUS)),
        ("O-06", "prrt-first-line", dict(RECTAL_ADVANCED, ki67=Ki67(14)), RECTAL_ADVANCED),
        ("O-06", "everolimus-nonfunctional", PROGRESSING_ON_SSA, RECTAL_ADVANCED),
    ],
)
def test_row_fires_and_near_miss_does_not(rule_id, card, fires, near_miss):
    assert card in fired_cards(rule_id, **fires)
    assert card not in fired_cards(rule_id, **near_miss)


def test_gastric_type_unknown_asks_for_it():
    (o,) = run("O-01", **STOMACH)
    assert o.status is Status.INSUFFICIENT and o.card == "gastric-type-needs-data"


def test_rectal_size_unknown_is_insufficient_not_a_negative():
    assert {o.status for o in run("O-04", **dict(RECTUM, tumor_size_cm=MISSING))} == {Status.INSUFFICIENT}


def test_g2_rectal_net_goes_to_oncologic_resection_even_when_small():
    assert fired_cards("O-04", **dict(RECTUM, tumor_size_cm=0.8, grade=Grade.G2, ki67=Ki67(5))) == {"rectal-oncologic-resection"}


def test_advanced_other_gi_never_gets_sunitinib_and_gets_cabozantinib_after_prrt():
    after_prrt = dict(PROGRESSING_ON_SSA, therapies=PROGRESSING_ON_SSA["therapies"]
                      + (therapy(Agent.PRRT, status=TherapyStatus.COMPLETED, start=date(2025, 3, 1)),))
    cards = fired_cards("O-06", **after_prrt)
    assert "cabozantinib-epnet" in cards and not any("sunitinib" in c for c in cards)
