"""Universal gates G-01..G-09 (decision table 4.1), the scope rows (G-03/NR-22, DG-01) and evaluate()."""
from __future__ import annotations

import pytest

from service.picture.model import (
    Agent,
    Differentiation,
    Extent,
    Grade,
    Hereditary,
    Ki67,
    PrimarySite,
    Resectability,
    Scope,
    Source,
    Syndrome,
)
from service.rules import Status, evaluate
from tests.rules.factories import (
    AS_OF,
    MISSING,
    fact,
    fired_cards,
    knowledge,
    make_labs,
    make_picture,
    run,
    therapy,
)

LOCALIZED = {"extent": Extent.LOCALIZED, "metastatic_sites": frozenset(), "liver_metastases": False}


@pytest.mark.parametrize(
    ("rule_id", "fires", "near_miss"),
    [
        ("G-01", dict(LOCALIZED), dict(LOCALIZED, extent=Extent.METASTATIC)),
        ("G-01", dict(LOCALIZED, grade=Grade.G1), dict(LOCALIZED, resectability=Resectability.UNRESECTABLE)),
        ("G-02", {"scope": Scope.NEC, "differentiation": Differentiation.POOR, "grade": Grade.NEC}, {"grade": Grade.G3}),
        ("G-04", {"scope": Scope.MINEN}, {}),
        ("G-05", {"ki67": MISSING, "grade": MISSING}, {}),
        ("G-05", {"differentiation": MISSING, "grade": Grade.G3, "ki67": Ki67(30)},
         {"scope": Scope.NEC, "differentiation": MISSING, "grade": Grade.G3, "ki67": Ki67(30)}),
        ("G-06", {"sstr": MISSING}, {}),
        ("G-06", {"sstr": MISSING}, {"sstr": MISSING, **LOCALIZED}),
        ("G-07", {"syndromes": frozenset({Syndrome.CARCINOID}), "carcinoid_syndrome": True}, {}),
        ("G-08", {"primary_site": PrimarySite.PANCREAS}, {"primary_site": PrimarySite.PANCREAS,
                                                          "hereditary": frozenset({Hereditary.MEN1})}),
        ("G-08", {"family_history_net": True}, {"family_history_net": False, "multiple_primaries": False}),
        ("G-09", {"labs": make_labs(chromogranin_a_rising=True), "therapies": (therapy(Agent.PPI),)},
         {"labs": make_labs(chromogranin_a_rising=True, creatinine_clearance=95.0)}),
        ("G-09", {"labs": make_labs(chromogranin_a_rising=True, creatinine_clearance=35.0)},
         {"labs": make_labs(chromogranin_a_rising=False), "therapies": (therapy(Agent.PPI),)}),
        ("G-03", {"scope": Scope.SCLC}, {"primary_site": PrimarySite.LUNG_THYMUS}),
        ("NR-22", {"scope": Scope.SCLC}, {"scope": Scope.NEC}),
        ("DG-01", {"unavailable": ("observations",)}, {}),
        ("DG-01", {"incomplete": ("procedures",)}, {}),
    ],
)
def test_row_fires_and_near_miss_does_not(rule_id, fires, near_miss):
    assert any(o.status is Status.APPLICABLE for o in run(rule_id, **fires)), f"{rule_id} should fire"
    assert not any(o.status is Status.APPLICABLE for o in run(rule_id, **near_miss)), f"{rule_id} near miss fired"


def test_g01_missing_extent_is_insufficient_not_a_negative_finding():
    (o,) = run("G-01", extent=MISSING)
    assert o.status is Status.INSUFFICIENT
    assert "disease extent (staging)" in o.missing


def test_g05_lists_exactly_what_is_missing():
    (o,) = run("G-05", ki67=MISSING, grade=MISSING, mitoses_per_2mm2=fact(1.0))
    assert o.missing == ("Ki-67 index (LOINC 29593-1)",)


def test_g06_extent_unknown_is_insufficient():
    (o,) = run("G-06", sstr=MISSING, extent=MISSING)
    assert o.status is Status.INSUFFICIENT


def test_g08_young_age_at_pnet_is_a_listed_trigger():
    (o,) = run("G-08", primary_site=PrimarySite.PANCREAS, age_years=fact(42))
    assert {f.name for f in o.facts} >= {"Primary site", "Age"}


def test_g08_unknown_family_history_is_insufficient_not_negative():
    (o,) = run("G-08", family_history_net=MISSING)
    assert o.status is Status.INSUFFICIENT


def test_dg01_names_every_unreadable_category():
    (o,) = run("DG-01", unavailable=("observations", "procedures"), incomplete=("medicationRequests",))
    assert o.params["categories"] == "observations, procedures, medicationRequests"
    assert len(o.missing) == 3


# --------------------------------------------------------------------------- evaluate(): scope


def test_scope_none_yields_no_outcomes_at_all():
    picture = make_picture(scope=Scope.NONE, unavailable=("observations",))
    assert evaluate(picture, as_of=AS_OF, knowledge=knowledge()) == []


def test_sclc_yields_only_the_out_of_scope_outcomes():
    picture = make_picture(scope=Scope.SCLC, primary_site=PrimarySite.LUNG_THYMUS, progression=True,
                           therapies=(therapy(Agent.EVEROLIMUS),), unavailable=("observations",))
    outcomes = evaluate(picture, as_of=AS_OF, knowledge=knowledge())
    assert {o.rule_id for o in outcomes} == {"G-03", "NR-22"}
    assert all(o.status is Status.APPLICABLE for o in outcomes)
    assert fired_cards("G-03", picture) == {"sclc-out-of-scope"}


@pytest.mark.parametrize(("kind", "card"), [("merkel", "merkel-out-of-scope"), ("ppgl", "ppgl-out-of-scope"),
                                            ("other", "other-out-of-scope")])
def test_every_neoplasm_routed_out_gets_one_out_of_scope_card(kind, card):
    """One rule for Merkel cell carcinoma, paraganglioma/phaeochromocytoma and SCLC: one out-of-scope card
    naming the pathway, and nothing else (a patient with no NEN at all gets no card)."""
    picture = make_picture(scope=Scope.EXCLUDED, out_of_scope=kind, progression=True,
                           therapies=(therapy(Agent.EVEROLIMUS),), pregnant=True)
    outcomes = evaluate(picture, as_of=AS_OF, knowledge=knowledge())
    assert [(o.rule_id, o.card) for o in outcomes if o.status is Status.APPLICABLE] == [("G-03", card)]
    assert {o.rule_id for o in outcomes} == {"G-03"}


def test_nec_suppresses_wd_net_antiproliferative_suggestions():
    picture = make_picture(scope=Scope.NEC, differentiation=Differentiation.POOR, grade=Grade.G3,
                           ki67=Ki67(40.0), primary_site=PrimarySite.PANCREAS)
    outcomes = evaluate(picture, as_of=AS_OF, knowledge=knowledge())
    k = knowledge()
    for o in outcomes:
        if o.status is Status.APPLICABLE and o.rule_id.split("-")[0] in {"M", "P", "L", "O", "LD", "G3"}:
            card = k.cards[o.card or k.rules[o.rule_id].cards[0]]
            assert card.strength not in ("recommend", "consider"), o


def test_scope_sources_become_facts_of_the_out_of_scope_card():
    src = Source("Condition/sclc-1", AS_OF, "Small cell carcinoma of lung")
    (o,) = run("G-03", scope=Scope.SCLC, scope_sources=(src,))
    assert o.facts[0].reference == "Condition/sclc-1"


# --------------------------------------------------------------------------- clinical review 2026-11


def test_g01_after_resection_is_follow_up_not_a_second_resection():
    """Primary resected (R0), no metastasis: follow-up card, never 'refer for resection'."""
    assert fired_cards("G-01", **LOCALIZED, r0_resection=True) == {"post-resection-follow-up"}
    assert fired_cards("G-01", **LOCALIZED) == {"surgery-localized"}
    assert fired_cards("G-01", **dict(LOCALIZED, r0_resection=True, extent=Extent.METASTATIC)) == set()


@pytest.mark.parametrize("size, fires", [(1.5, False), (2.0, False), (2.4, True)])
def test_g01_leaves_small_sporadic_nf_pnet_g1_to_p01(size, fires):
    """A sporadic NF-pNET G1 <=2 cm may be watched (P-01): G-01 must not also say 'resect'."""
    pnet = dict(LOCALIZED, primary_site=PrimarySite.PANCREAS, grade=Grade.G1, ki67=Ki67(1), tumor_size_cm=size)
    assert (fired_cards("G-01", **pnet) == {"surgery-localized"}) is fires


def test_g01_waits_for_size_of_nf_pnet_g1_and_defers_hereditary_pnet():
    pnet = dict(LOCALIZED, primary_site=PrimarySite.PANCREAS, grade=Grade.G1, ki67=Ki67(1))
    (o,) = run("G-01", **pnet)
    assert o.status is Status.INSUFFICIENT and "tumour size (cm)" in o.missing
    assert fired_cards("G-01", **dict(pnet, tumor_size_cm=2.6, hereditary=frozenset({Hereditary.VHL}))) == set()
    assert fired_cards("G-01", **dict(pnet, tumor_size_cm=2.6, grade=Grade.G2)) == {"surgery-localized"}


def test_g01_gastric_type_1_is_endoscopic_not_resection():
    stomach = dict(LOCALIZED, primary_site=PrimarySite.OTHER_GI, site_detail="stomach", grade=Grade.G1)
    assert fired_cards("G-01", **stomach, gastric_type=1) == set()
    assert fired_cards("G-01", **stomach, gastric_type=3) == {"surgery-localized"}


def test_g01_grades_thoracic_carcinoid_by_type():
    from service.picture.model import LungType
    lung = dict(LOCALIZED, primary_site=PrimarySite.LUNG_THYMUS, grade=MISSING, ki67=MISSING)
    assert fired_cards("G-01", **lung, lung_type=LungType.TYPICAL) == {"surgery-localized"}
    (o,) = run("G-01", **lung)
    assert o.status is Status.INSUFFICIENT


@pytest.mark.parametrize("grade, ki67, fires", [(Grade.G1, 2, False), (Grade.G2, 12, False), (Grade.G3, 30, True)])
def test_g05_differentiation_matters_only_at_g3(grade, ki67, fires):
    """A G1/G2 NET is well differentiated by definition; only at Ki-67 >20 % is NET G3 vs NEC open."""
    outcomes = run("G-05", grade=grade, ki67=Ki67(ki67), differentiation=MISSING)
    assert any(o.status is Status.APPLICABLE for o in outcomes) is fires


def test_g05_thoracic_carcinoid_type_counts_as_grade():
    from service.picture.model import LungType
    lung = dict(primary_site=PrimarySite.LUNG_THYMUS, grade=MISSING, differentiation=MISSING)
    assert not any(o.status is Status.APPLICABLE for o in run("G-05", **lung, lung_type=LungType.ATYPICAL))
    (o,) = run("G-05", **lung, ki67=MISSING)
    assert o.status is Status.APPLICABLE and any("typical vs atypical" in m for m in o.missing)


def test_g01_gastric_type_2_is_managed_through_the_gastrinoma():
    stomach = dict(LOCALIZED, primary_site=PrimarySite.OTHER_GI, site_detail="stomach", grade=Grade.G1)
    assert fired_cards("G-01", **stomach, gastric_type=2) == set()


def test_g08_multifocal_gastric_type_1_is_no_germline_trigger():
    multifocal = dict(primary_site=PrimarySite.OTHER_GI, site_detail="stomach", multiple_primaries=True,
                      family_history_net=False)
    assert fired_cards("G-08", **multifocal, gastric_type=3) == {"germline-testing"}
    assert fired_cards("G-08", **multifocal, gastric_type=1) == set()


# --------------------------------------------------------------------------- coded differentiation, Ki-67 > 55 % (2026-11)

from service.picture.model import Fact, FactState  # noqa: E402

_CODED_WELL = Fact(FactState.PRESENT, Differentiation.WELL,
                   (Source("Condition/primary", AS_OF, "Malignant carcinoid tumor of the ileum"),),
                   "inferred from the diagnosis/morphology code (no pathology statement of differentiation)")


def test_coded_well_differentiation_with_ki67_above_55_asks_for_expert_pathology_review():
    """Decision table 1.1 rule 5: flag for expert review; do not call it a NEC (G-02 stays silent)."""
    picture = dict(grade=Grade.G3, ki67=Ki67(62.0), differentiation=_CODED_WELL)
    assert fired_cards("G-05", **picture) == {"differentiation-expert-review"}
    (o,) = run("G-05", **picture)
    assert o.status is Status.APPLICABLE and o.missing
    assert {f.reference for f in o.facts} >= {"Condition/primary"}
    assert fired_cards("G-02", **picture) == set()
    assert fired_cards("G3-02", **picture) == {"g3-platinum-etoposide"}


@pytest.mark.parametrize("near_miss", [
    dict(grade=Grade.G3, ki67=Ki67(40.0), differentiation=_CODED_WELL),          # Ki-67 within 55 %
    dict(grade=Grade.G3, ki67=Ki67(55.0), differentiation=_CODED_WELL),          # 55 % is not above 55 %
    dict(grade=Grade.G3, ki67=Ki67(62.0), differentiation=Differentiation.WELL),  # stated by pathology
])
def test_expert_review_near_misses(near_miss):
    assert fired_cards("G-05", **near_miss) == set()


def test_g08_no_germline_card_for_a_pancreatic_nec():
    """Review Wrong 9 (net-59): a poorly differentiated pancreatic NEC does not meet germline-testing criteria."""
    nec = dict(scope=Scope.NEC, differentiation=Differentiation.POOR, grade=Grade.NEC, ki67=Ki67(35.0),
               primary_site=PrimarySite.PANCREAS)
    assert fired_cards("G-08", **nec) == set()
    assert fired_cards("G-08", primary_site=PrimarySite.PANCREAS) == {"germline-testing"}


def test_g01_ampullary_net_goes_to_surgery_with_lymphadenectomy_not_endoscopy():
    """Review Wrong 8 (net-66): ampullary NET: nodal risk at any size."""
    local = dict(primary_site=PrimarySite.OTHER_GI, extent=Extent.LOCALIZED, metastatic_sites=frozenset(),
                 liver_metastases=False, grade=Grade.G1, ki67=Ki67(2.0), tumor_size_cm=1.8)
    assert fired_cards("G-01", **local, site_detail="ampulla") == {"ampullary-net-surgery"}
    text = fact("duodenum", display="Periampullary (ampullary) somatostatin-producing NET 1.8 cm")
    assert fired_cards("G-01", **local, site_detail=text) == {"ampullary-net-surgery"}
    assert fired_cards("G-01", **local, site_detail="duodenum") == {"surgery-localized"}


def test_g01_net_in_remission_without_a_resection_on_record_gets_surveillance():
    """Issue 11 item 5: a Condition in remission is history, not "no NET" (net-139)."""
    remission = dict(in_remission=True, extent=MISSING, metastatic_sites=frozenset(), liver_metastases=MISSING,
                     progression=False, grade=Grade.G1, ki67=Ki67(2.0))
    assert fired_cards("G-01", **remission) == {"remission-follow-up"}
    assert fired_cards("G-01", **dict(remission, progression=True)) == set()
    assert fired_cards("G-01", **dict(remission, in_remission=MISSING)) == set()
