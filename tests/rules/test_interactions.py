"""SB-11..SB-14: interactions and pharmacogenetics that read the whole answer (review rows)."""
from __future__ import annotations

from datetime import date

from service.picture.model import Agent, Ki67, PrimarySite
from service.rules import Status
from tests.rules.factories import MISSING, fired_cards, make_labs, medication, run, therapy

PNET = {"primary_site": PrimarySite.PANCREAS, "site_detail": "pancreas"}
# progressive pNET on lanreotide: P-03 suggests everolimus and sunitinib, P-04 CAPTEM (Ki-67 12 %)
PROGRESSIVE_PNET = dict(PNET, ki67=Ki67(12.0), progression=True, newly_diagnosed=False,
                        therapies=(therapy(Agent.SSA, start=date(2024, 1, 1)),))
RIFAMPICIN = medication("rifampicin", "strong-cyp3a4-inducer")
CLARITHROMYCIN = medication("clarithromycin", "strong-cyp3a4-inhibitor", "qt-prolonging")


def test_sb11_inducer_with_everolimus_taken_gives_the_label_adjustment():
    on_everolimus = dict(PNET, therapies=(therapy(Agent.EVEROLIMUS),), current_medications=(RIFAMPICIN,))
    assert "cyp3a4-everolimus-inducer" in fired_cards("SB-11", **on_everolimus)
    assert fired_cards("SB-11", **dict(on_everolimus, current_medications=())) == set()


def test_sb11_speaks_for_drugs_this_answer_suggests():
    """Sunitinib and everolimus suggested on other cards (P-03) while the patient takes an inducer/inhibitor."""
    cards = fired_cards("SB-11", **dict(PROGRESSIVE_PNET, current_medications=(RIFAMPICIN,)))
    assert {"cyp3a4-everolimus-inducer", "cyp3a4-sunitinib-inducer"} <= cards
    cards = fired_cards("SB-11", **dict(PROGRESSIVE_PNET, current_medications=(CLARITHROMYCIN,)))
    assert {"cyp3a4-everolimus-inhibitor", "cyp3a4-sunitinib-inhibitor"} <= cards


def test_sb11_leaves_everolimus_taken_with_an_inhibitor_to_nr19():
    on_everolimus = dict(PNET, therapies=(therapy(Agent.EVEROLIMUS),), current_medications=(CLARITHROMYCIN,))
    assert "cyp3a4-everolimus-inhibitor" not in fired_cards("SB-11", **on_everolimus)
    assert "everolimus-cyp3a4" in fired_cards("NR-19", **on_everolimus)


def test_sb11_cabozantinib_both_directions():
    on_cabo = dict(therapies=(therapy(Agent.CABOZANTINIB),))
    assert fired_cards("SB-11", **on_cabo, current_medications=(CLARITHROMYCIN,)) == {"cyp3a4-cabozantinib-inhibitor"}
    assert fired_cards("SB-11", **on_cabo, current_medications=(RIFAMPICIN,)) == {"cyp3a4-cabozantinib-inducer"}


def test_sb12_qt_drug_or_long_qtc_with_sunitinib():
    on_sunitinib = dict(PNET, therapies=(therapy(Agent.SUNITINIB),))
    ondansetron = medication("ondansetron", "qt-prolonging")
    (o,) = run("SB-12", **dict(on_sunitinib, current_medications=(ondansetron,)))
    assert o.card == "sunitinib-qt-caution" and o.missing  # QTc not measured: asked for
    assert fired_cards("SB-12", **dict(on_sunitinib, labs=make_labs(qtc=512.0))) == {"sunitinib-qtc-long"}
    assert fired_cards("SB-12", **dict(on_sunitinib, labs=make_labs(qtc=430.0))) == set()
    assert fired_cards("SB-12", **dict(PNET, current_medications=(ondansetron,), progression=False)) == set()


def test_sb13_dpd_deficiency_blocks_the_standard_dose_fluoropyrimidine_suggestion():
    suggested = dict(PROGRESSIVE_PNET, dpd_deficiency=True)
    assert "dpd-captem" in fired_cards("SB-13", **suggested)
    # status not on record: never read as normal -> test before the first dose (never the standard-dose block)
    assert fired_cards("SB-13", **dict(suggested, dpd_deficiency=MISSING)) == {"dpd-test-before-fluoropyrimidine"}
    taking = dict(PNET, dpd_deficiency=True, therapies=(therapy(Agent.CAPTEM, drug="capecitabine"),))
    assert "dpd-fluoropyrimidine-current" in fired_cards("SB-13", **taking)


def test_sb13_temozolomide_alone_is_not_a_fluoropyrimidine():
    taking = dict(PNET, dpd_deficiency=True, therapies=(therapy(Agent.CAPTEM, drug="temozolomide"),), progression=False)
    assert "dpd-fluoropyrimidine-current" not in fired_cards("SB-13", **taking)


def test_sb04_does_not_ask_for_a_dpyd_test_already_answered():
    on_captem = dict(PNET, therapies=(therapy(Agent.CAPTEM, drug="capecitabine"),), labs=make_labs(creatinine_clearance=90.0))
    (asked,) = run("SB-04", **on_captem)
    assert any("DPYD" in m for m in asked.missing)
    (known,) = run("SB-04", **dict(on_captem, dpd_deficiency=True))
    assert not any("DPYD" in m for m in known.missing) and known.status is Status.APPLICABLE


def test_review_rows_never_drop_other_outcomes():
    from tests.rules.factories import knowledge, make_picture
    from service.rules import evaluate
    picture = make_picture(**dict(PROGRESSIVE_PNET, current_medications=(RIFAMPICIN, CLARITHROMYCIN), dpd_deficiency=True))
    outcomes = evaluate(picture, as_of=picture.as_of, knowledge=knowledge())
    assert {o.rule_id for o in outcomes if o.status is Status.APPLICABLE} >= {"P-03", "SB-11", "SB-12", "SB-13"}


def test_xc01_withdraws_monitoring_of_a_drug_another_card_refuses():
    """Review 2026-12 (net-68): "Monitor everolimus" beside "everolimus during a PRRT course not recommended"."""
    from service.picture.model import TherapyStatus
    during_prrt = dict(PNET, therapies=(therapy(Agent.EVEROLIMUS),
                                        therapy(Agent.PRRT, status=TherapyStatus.PLANNED, start=date(2026, 12, 1))))
    assert run("XC-01", **during_prrt) == ()  # XC-01 only withdraws; it adds no outcome of its own
    from service.rules import evaluate
    from tests.rules.factories import knowledge, make_picture
    outcomes = evaluate(make_picture(**during_prrt), as_of=date(2026, 11, 1), knowledge=knowledge())
    sb01 = [x for x in outcomes if x.rule_id == "SB-01"]
    assert sb01 and all(x.status is Status.NOT_APPLICABLE for x in sb01)
    assert any(x.rule_id == "NR-23" and x.status is Status.APPLICABLE for x in outcomes)
    # near miss: everolimus without a refusing card keeps its monitoring card
    alone = evaluate(make_picture(**dict(PNET, therapies=(therapy(Agent.EVEROLIMUS),))), as_of=date(2026, 11, 1),
                     knowledge=knowledge())
    assert any(x.rule_id == "SB-01" and x.status is Status.APPLICABLE for x in alone)


# --------------------------------------------------------------------------- SB-13 degrees, SB-14 UGT1A1

def test_sb13_partial_deficiency_is_a_dose_reduction_on_the_regimen_topic_never_the_complete_block():
    partial = dict(PROGRESSIVE_PNET, dpd_deficiency=True, dpd_partial=True)
    cards = fired_cards("SB-13", **partial)
    assert "dpd-partial-captem" in cards and "dpd-captem" not in cards
    assert "dpd-test-before-fluoropyrimidine" not in cards  # the status is known
    # a deficiency of unstated degree is read as complete (never under-read)
    cards = fired_cards("SB-13", **dict(partial, dpd_partial=MISSING))
    assert "dpd-captem" in cards and "dpd-partial-captem" not in cards


def test_sb13_partial_deficiency_with_a_fluoropyrimidine_given_is_still_critical():
    taking = dict(PNET, dpd_deficiency=True, dpd_partial=True, progression=False,
                  therapies=(therapy(Agent.CAPTEM, drug="capecitabine"),))
    assert "dpd-partial-fluoropyrimidine-current" in fired_cards("SB-13", **taking)
    complete = dict(taking, dpd_partial=None)  # complete (or unstated) deficiency: the any-dose contraindication card
    assert "dpd-fluoropyrimidine-current" in fired_cards("SB-13", **complete)


def test_sb13_unknown_status_asks_for_the_test_before_an_ordered_regimen_not_once_it_is_given():
    from service.picture.model import TherapyStatus
    ordered = dict(PNET, progression=False,
                   therapies=(therapy(Agent.OTHER_CHEMOTHERAPY, drug="FOLFOX", status=TherapyStatus.PLANNED),))
    assert fired_cards("SB-13", **ordered) == {"dpd-test-before-fluoropyrimidine"}
    given = dict(ordered, therapies=(therapy(Agent.OTHER_CHEMOTHERAPY, drug="FOLFOX"),))
    assert fired_cards("SB-13", **given) == set()


def test_sb14_irinotecan_ordered_poor_metaboliser_or_unknown():
    from service.picture.model import TherapyStatus
    ordered = dict(PNET, progression=False,
                   therapies=(therapy(Agent.OTHER_CHEMOTHERAPY, drug="FOLFIRI", status=TherapyStatus.PLANNED),))
    assert fired_cards("SB-14", **ordered) == {"ugt1a1-test-before-irinotecan"}
    assert fired_cards("SB-14", **dict(ordered, ugt1a1_poor=True)) == {"ugt1a1-poor-irinotecan"}
    folfox = dict(ordered, therapies=(therapy(Agent.OTHER_CHEMOTHERAPY, drug="FOLFOX", status=TherapyStatus.PLANNED),))
    assert fired_cards("SB-14", **folfox) == set() and fired_cards("SB-14", **dict(folfox, ugt1a1_poor=True)) == set()


def test_sb15_baseline_labs_before_a_suggested_everolimus():
    """SB-15 fires for everolimus suggested by this answer (P-03) with baseline labs missing, and names each one;
    near misses: all labs current, everolimus taken (SB-01 monitors), everolimus not in question."""
    from tests.rules.factories import fact, run
    recent = date(2026, 10, 20)  # 12 days before the factories' as-of date
    missing = [o for o in run("SB-15", **PROGRESSIVE_PNET) if o.status is Status.INSUFFICIENT]
    assert missing and missing[0].card == "everolimus-baseline-labs"
    assert "before everolimus: fasting glucose or HbA1c (not on record)" in missing[0].missing
    full = make_labs(**{n: fact(v, on=recent) for n, v in (("hemoglobin", 13.0), ("wbc", 6.0), ("platelets", 250.0),
                                                              ("creatinine_clearance", 90.0), ("hba1c", 5.6),
                                                              ("cholesterol", 180.0))})
    assert not [o for o in run("SB-15", **dict(PROGRESSIVE_PNET, labs=full)) if o.rule_id == "SB-15"
                and o.status is not Status.NOT_APPLICABLE]
    taken = dict(PNET, therapies=(therapy(Agent.EVEROLIMUS),))
    assert not [o for o in run("SB-15", **taken) if o.status is Status.INSUFFICIENT]
    assert not [o for o in run("SB-15", **PNET) if o.status is Status.INSUFFICIENT]
