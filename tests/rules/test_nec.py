"""Neuroendocrine carcinoma rows N-01..N-04 (decision table 4.8)."""
from __future__ import annotations

from service.picture.model import (
    Agent,
    Differentiation,
    DiseaseStatus,
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


def test_locoregional_unresectable_nec_gets_definitive_chemoradiation_not_the_metastatic_first_line():
    """Issue 11 item 5: a locoregional NEC (e.g. oesophageal small-cell) is treated with curative intent (N-01)."""
    locoregional = {**NEC, "extent": Extent.LOCOREGIONAL, "resectability": Resectability.UNRESECTABLE,
                    "primary_site": PrimarySite.OTHER_GI, "site_detail": "oesophagus"}
    assert fired_cards("N-01", **locoregional) == {"nec-locoregional-chemoradiation"}
    assert fired_cards("N-02", **locoregional) == set()
    assert fired_cards("N-01", **{**locoregional, "resectability": Resectability.RESECTABLE}) == {"nec-localized"}


def test_n03_second_line_non_pancreatic_adds_immunotherapy():
    assert fired_cards("N-03", therapies=AFTER_PLATINUM, **NEC) == {"nec-second-line", "nec-immunotherapy",
                                                                    "nec-biomarkers-later-line"}


def test_n03_pancreatic_nec_gets_no_ipilimumab_nivolumab():
    assert fired_cards("N-03", therapies=AFTER_PLATINUM, **{**NEC, "primary_site": PrimarySite.PANCREAS}) == {
        "nec-second-line", "nec-biomarkers-later-line"}


from datetime import date  # noqa: E402


def _course(last: date, response: DiseaseStatus | None = DiseaseStatus.IMPROVED):
    return (therapy(Agent.PLATINUM_ETOPOSIDE, status=TherapyStatus.COMPLETED, start=date(2026, 1, 5), end=last,
                    best_response=response),)


def test_n03_platinum_rechallenge_after_a_late_relapse():
    """Review Missing (net-58): progression >= 12 weeks after the last platinum-etoposide dose -> re-challenge."""
    late = dict(NEC, progression=True, progression_date=date(2026, 10, 20), therapies=_course(date(2026, 7, 1)))
    assert "nec-platinum-rechallenge" in fired_cards("N-03", **late)
    early = dict(late, therapies=_course(date(2026, 9, 15)))  # 5 weeks: platinum-refractory
    assert "nec-platinum-rechallenge" not in fired_cards("N-03", **early)
    another_line = dict(late, therapies=_course(date(2026, 7, 1)) + (
        therapy(Agent.OTHER_CHEMOTHERAPY, status=TherapyStatus.COMPLETED, start=date(2026, 8, 1)),))
    assert "nec-platinum-rechallenge" not in fired_cards("N-03", **another_line)


def test_n03_rechallenge_never_assumes_a_response_to_the_first_line():
    """NEC review 2026-12 (net-59): a late relapse alone is not enough; the response must be on record."""
    late = dict(NEC, progression=True, progression_date=date(2026, 10, 20))
    unrecorded = run("N-03", therapies=_course(date(2026, 7, 1), response=None), **late)
    assert "nec-platinum-rechallenge" not in {o.card for o in unrecorded if o.status is Status.APPLICABLE}
    (ask,) = [o for o in unrecorded if o.card == "nec-platinum-rechallenge-needs-response"]
    assert ask.status is Status.INSUFFICIENT
    assert any("response to first-line platinum-etoposide" in m for m in ask.missing)
    # stable disease only is disease control, not a response: no re-challenge, and nothing to ask for
    stable = run("N-03", therapies=_course(date(2026, 7, 1), response=DiseaseStatus.STABLE), **late)
    assert not {o.card for o in stable} & {"nec-platinum-rechallenge", "nec-platinum-rechallenge-needs-response"}
    remission = fired_cards("N-03", therapies=_course(date(2026, 7, 1), response=DiseaseStatus.REMISSION), **late)
    assert "nec-platinum-rechallenge" in remission


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


def test_fixture_patients_rechallenge_follows_the_recorded_response():
    """net-133 responded (improved) -> re-challenge; net-59 response not on record -> asked for, not offered;
    net-265 stable disease only -> neither."""
    from tests.rules.test_choice import _outcomes

    def cards(pid):
        return {(o.card, o.status) for o in _outcomes(pid) if o.rule_id == "N-03"}

    # net-133's first line was carboplatin: the re-challenge repeats carboplatin (never a cisplatin draft)
    assert ("nec-platinum-rechallenge-carboplatin", Status.APPLICABLE) in cards("net-133")
    assert ("nec-platinum-rechallenge", Status.APPLICABLE) not in cards("net-133")
    # net-58: partial response, progression 85 days after the last carboplatin (>= 84): re-challenge offered,
    # not withdrawn by TC-01 as "progressed on it"
    assert ("nec-platinum-rechallenge-carboplatin", Status.APPLICABLE) in cards("net-58")
    assert ("nec-platinum-rechallenge-needs-response", Status.INSUFFICIENT) in cards("net-59")
    assert not any(c == "nec-platinum-rechallenge" for c, _ in cards("net-59"))
    assert not any(c and c.startswith("nec-platinum-rechallenge") for c, _ in cards("net-265"))
