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
APPENDIX = dict(LOCAL, primary_site=PrimarySite.MIDGUT, site_detail="appendix", grade=Grade.G1, ki67=Ki67(1),
                r0_resection=True)
# every O-05 risk feature stated absent (tip, no mesoappendiceal invasion, no LVI), R0, G1
APPENDIX_NO_RISK = dict(APPENDIX, appendix_base=False, appendix_meso_deep=False, appendix_lvi=False)
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
        ("O-05", "appendix-hemicolectomy-discuss", dict(APPENDIX_NO_RISK, tumor_size_cm=1.5, appendix_lvi=True),
         dict(APPENDIX_NO_RISK, tumor_size_cm=1.5)),
        ("O-05", "appendix-no-risk-features", dict(APPENDIX_NO_RISK, tumor_size_cm=1.5),
         dict(APPENDIX_NO_RISK, tumor_size_cm=1.5, grade=Grade.G2, ki67=Ki67(4))),
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


@pytest.mark.parametrize("unstated", ["appendix_base", "appendix_meso_deep", "appendix_lvi", "r0_resection"])
def test_appendix_unstated_risk_feature_is_missing_never_no_follow_up(unstated):
    """1-2 cm, every other feature stated absent, one not stated: needs data naming it, never 'no follow-up'."""
    (o,) = run("O-05", **dict(APPENDIX_NO_RISK, tumor_size_cm=1.4, **{unstated: MISSING}))
    assert o.status is Status.INSUFFICIENT and o.card == "appendix-risk-review"
    assert len(o.missing) == 1


def test_appendix_small_without_margin_is_not_cured_by_default():
    (o,) = run("O-05", **dict(APPENDIX, tumor_size_cm=0.6, r0_resection=MISSING))
    assert o.status is Status.INSUFFICIENT and any("margin" in m for m in o.missing)


@pytest.mark.parametrize("risk, said", [({"r0_resection": False}, "R1 margin"), ({"appendix_base": True}, "base"),
                                        ({"appendix_lvi": True}, "LVI"),
                                        ({"grade": Grade.G2, "ki67": Ki67(4)}, "G2")])
def test_appendix_each_risk_feature_leads_to_hemicolectomy_discussion(risk, said):
    (o,) = run("O-05", **dict(APPENDIX_NO_RISK, tumor_size_cm=1.5, **risk))
    assert o.card == "appendix-hemicolectomy-discuss" and said in o.params["risks"]


@pytest.mark.parametrize("size", [0.8, 1.5])
def test_appendix_deep_mesoappendiceal_invasion_is_a_hemicolectomy_at_any_size(size):
    """Decision table O-05: mesoappendiceal invasion >3 mm -> right hemicolectomy (as >= 2 cm or G3)."""
    assert fired_cards("O-05", **dict(APPENDIX_NO_RISK, tumor_size_cm=size, appendix_meso_deep=True)) == {
        "appendix-hemicolectomy"}


def test_appendix_after_appendectomy_g01_leaves_follow_up_to_o05():
    from service.picture.model import Procedure
    appendectomy = (Procedure("resection", date(2026, 9, 1), "Procedure/a", "Laparoscopic appendectomy"),)
    (o,) = run("G-01", **dict(APPENDIX_NO_RISK, tumor_size_cm=1.5, procedures=appendectomy))
    assert o.status is Status.NOT_APPLICABLE and "O-05" in o.reason
    ileal = dict(APPENDIX_NO_RISK, site_detail="ileum", procedures=appendectomy[:0] + (
        Procedure("resection", date(2026, 9, 1), "Procedure/b", "Ileal resection"),))
    (o,) = run("G-01", **ileal)
    assert o.card == "post-resection-follow-up"


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
