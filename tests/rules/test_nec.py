"""Neuroendocrine carcinoma rows N-01..N-04 (decision table 4.8)."""
from __future__ import annotations

from service.picture.model import (
    Agent,
    Differentiation,
    Extent,
    Grade,
    Ki67,
    PrimarySite,
    Resectability,
    Scope,
    SstrStatus,
    TherapyStatus,
)
from service.rules import Status
from tests.rules.factories import MISSING, fired_cards, run, therapy

NEC = {"scope": Scope.NEC, "differentiation": Differentiation.POOR, "grade": Grade.NEC, "ki67": Ki67(70.0),
       "sstr": MISSING}
AFTER_PLATINUM = (therapy(Agent.PLATINUM_ETOPOSIDE, status=TherapyStatus.COMPLETED),)


def test_n01_localized_nec_gets_multimodality():
    assert fired_cards("N-01", **{**NEC, "extent": Extent.LOCALIZED}) == {"nec-localized"}


def test_n01_near_miss_metastatic():
    assert fired_cards("N-01", **NEC) == set()


def test_n01_locoregional_unknown_resectability_is_insufficient():
    (o,) = run("N-01", **{**NEC, "extent": Extent.LOCOREGIONAL})
    assert o.status is Status.INSUFFICIENT


def test_n01_near_miss_wd_net():
    assert fired_cards("N-01", extent=Extent.LOCALIZED) == set()


def test_n02_advanced_nec_first_line_platinum_and_biomarkers():
    assert fired_cards("N-02", **NEC) == {"nec-platinum-etoposide", "nec-biomarkers"}


def test_n02_near_miss_after_platinum():
    assert fired_cards("N-02", therapies=AFTER_PLATINUM, **NEC) == set()


def test_n02_locoregional_unresectable_counts_as_advanced():
    assert "nec-platinum-etoposide" in fired_cards(
        "N-02", **{**NEC, "extent": Extent.LOCOREGIONAL, "resectability": Resectability.UNRESECTABLE})


def test_n03_second_line_non_pancreatic_adds_immunotherapy():
    assert fired_cards("N-03", therapies=AFTER_PLATINUM, **NEC) == {"nec-second-line", "nec-immunotherapy"}


def test_n03_pancreatic_nec_gets_no_ipilimumab_nivolumab():
    assert fired_cards("N-03", therapies=AFTER_PLATINUM, **{**NEC, "primary_site": PrimarySite.PANCREAS}) == {
        "nec-second-line"}


def test_n03_near_miss_before_platinum():
    assert fired_cards("N-03", **NEC) == set()


def test_n04_selected_prrt_after_chemo():
    picture = {**NEC, "ki67": Ki67(35.0), "sstr": SstrStatus.POSITIVE_ALL}
    assert fired_cards("N-04", therapies=AFTER_PLATINUM, **picture) == {"nec-prrt-selected"}


def test_n04_near_miss_ki67_55_or_more():
    picture = {**NEC, "ki67": Ki67(60.0), "sstr": SstrStatus.POSITIVE_ALL}
    assert fired_cards("N-04", therapies=AFTER_PLATINUM, **picture) == set()


def test_n04_near_miss_no_prior_chemo():
    picture = {**NEC, "ki67": Ki67(35.0), "sstr": SstrStatus.POSITIVE_ALL}
    assert fired_cards("N-04", **picture) == set()
