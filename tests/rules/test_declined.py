"""PD-01 (review row): a therapy the patient declined is never suggested, and one info card says so."""
from __future__ import annotations

import itertools
from datetime import date

import pytest

from service.render import render
from service.picture.model import Agent, Extent, Grade, Ki67, PrimarySite, Source, SstrStatus
from service.rules import Outcome, Status, evaluate
from service.rules import _review  # the framework guard for review rows
from service.rules.registry import RegisteredRule
from tests.rules.factories import AS_OF, knowledge, make_picture, normal_labs, therapy

# net-42: ileal NET G2, liver metastases, progressing on octreotide LAR, SSTR >= liver, PRRT declined.
PROGRESSING_ON_SSA = dict(progression=True, progression_date=date(2026, 9, 23), newly_diagnosed=False,
                          labs=normal_labs(), therapies=(therapy(Agent.SSA, start=date(2025, 3, 1), progressed_on=True),))
PRRT_DECLINED = dict(PROGRESSING_ON_SSA, declined_therapies=frozenset({Agent.PRRT}),
                     declined_sources=((Agent.PRRT, Source("Procedure/prrt-declined", date(2026, 10, 2),
                                                           "PRRT declined by the patient")),))


def _outcomes(**overrides) -> list[Outcome]:
    return evaluate(make_picture(**overrides), as_of=AS_OF, knowledge=knowledge())


def _fired(outcomes: list[Outcome], rule_id: str) -> list[Outcome]:
    return [o for o in outcomes if o.rule_id == rule_id and o.status is Status.APPLICABLE]


def _cards(**overrides) -> list[dict]:
    picture = make_picture(**overrides)
    counter = itertools.count()
    return render(evaluate(picture, as_of=AS_OF, knowledge=knowledge()), picture, knowledge=knowledge(),
                  uuid_factory=lambda: f"u-{next(counter)}")


def test_declined_prrt_is_not_suggested_everolimus_is_and_the_card_says_why():
    outcomes = _outcomes(**PRRT_DECLINED)
    (m04,) = [o for o in outcomes if o.rule_id == "M-04"]
    assert m04.status is Status.NOT_APPLICABLE and "declined" in m04.reason
    assert _fired(outcomes, "M-05")  # the table's alternative "when PRRT is not possible/declined"
    (pd,) = _fired(outcomes, "PD-01")
    assert "1 suggestion of it withheld" in pd.reason and pd.params["declined_on"] == "on 2026-10-02"
    assert "M-04" not in pd.reason  # row ids stay in the extension, not in the clinician's prose
    assert [(f.reference, f.date) for f in pd.facts] == [("Procedure/prrt-declined", date(2026, 10, 2))]
    cards = _cards(**PRRT_DECLINED)
    topics = {c["extension"]["net-cds"]["topic"]: c for c in cards}
    # The PD-01 card takes the place of the withdrawn suggestion on the therapy's own topic (card contract:
    # the topic is one of the contract's codes; one card per topic).
    declined = topics["prrt"]
    assert declined["extension"]["net-cds"]["rules"] == ["PD-01"]
    assert declined["extension"]["net-cds"]["strength"] == "info" and "suggestions" not in declined
    assert declined["summary"].startswith("Patient declined PRRT") and "on 2026-10-02" in declined["summary"]
    assert len(declined["summary"]) < 140


def test_near_miss_prrt_not_declined_is_recommended_without_a_declined_card():
    outcomes = _outcomes(**PROGRESSING_ON_SSA)
    assert _fired(outcomes, "M-04") and not _fired(outcomes, "PD-01")


def test_declined_without_a_date_says_the_date_is_missing():
    undated = dict(PRRT_DECLINED, declined_sources=((Agent.PRRT, Source("Procedure/x", None, "PRRT declined")),))
    (pd,) = _fired(_outcomes(**undated), "PD-01")
    assert pd.params["declined_on"] == "(date not recorded)" and pd.missing
    cards = {c["extension"]["net-cds"]["topic"]: c for c in _cards(**undated)}
    assert "(date not recorded)" in cards["prrt"]["summary"]


def test_a_declined_therapy_no_row_would_suggest_gets_no_card():
    """Stable, newly diagnosed: nobody proposes CAPTEM, so 'declined CAPTEM' would be noise."""
    outcomes = _outcomes(declined_therapies=frozenset({Agent.CAPTEM}))
    assert not _fired(outcomes, "PD-01")


def test_declined_prrt_silences_prrt_warnings_that_assume_it_is_next():
    """SSTR-negative and progressing: NR-03 warns against PRRT as the usual next step -- not when declined."""
    sstr_negative = dict(PROGRESSING_ON_SSA, sstr=SstrStatus.NEGATIVE)
    assert _fired(_outcomes(**sstr_negative), "NR-03")
    assert not _fired(_outcomes(**dict(sstr_negative, declined_therapies=frozenset({Agent.PRRT}))), "NR-03")


def test_first_line_g3_prrt_declined_leaves_captem():
    g3 = dict(grade=Grade.G3, ki67=Ki67(30), primary_site=PrimarySite.PANCREAS,
              declined_therapies=frozenset({Agent.PRRT}))
    cards = {c["extension"]["net-cds"]["topic"]: c for c in _cards(**g3)}
    assert cards["prrt"]["extension"]["net-cds"]["rules"] == ["PD-01"] and "suggestions" not in cards["prrt"]
    assert cards["captem"]["extension"]["net-cds"]["strength"] == "recommend"
    assert "suggestion of it withheld" in cards["prrt"]["detail"] and "G3\\-01" not in cards["prrt"]["detail"]


@pytest.mark.parametrize("agent, topic", [(Agent.SSA, "somatostatin-analog"), (Agent.SURGERY, "surgery")])
def test_other_declined_therapies_are_withheld_too(agent, topic):
    localized = dict(extent=Extent.LOCALIZED, metastatic_sites=frozenset(), liver_metastases=False)
    base = {Agent.SSA: {}, Agent.SURGERY: localized}[agent]
    shown = {c["extension"]["net-cds"]["topic"] for c in _cards(**base)}
    assert topic in shown
    declined = {c["extension"]["net-cds"]["topic"]: c for c in _cards(**dict(base, declined_therapies=frozenset({agent})))}
    card = declined[topic]  # the PD-01 card in place of the suggestion, on the same topic
    assert card["extension"]["net-cds"]["rules"] == ["PD-01"] and card["extension"]["net-cds"]["strength"] == "info"
    assert "suggestions" not in card
    # the PRRT alternative (everolimus, M-05) is named on the declined-PRRT card only
    assert "PRRT" not in card["detail"] and "everolimus" not in card["detail"]


def test_review_rows_may_only_withdraw_other_rows():
    """The framework guard: a review row that turns another row's outcome into a suggestion is refused."""
    k = knowledge()
    before = [Outcome.not_applicable("M-04", "no progression")]

    def promote(p, as_of, kn, outcomes):
        return (Outcome.applicable("M-04"),)

    def withdraw(p, as_of, kn, outcomes):
        return (Outcome.not_applicable("M-04", "declined"),)

    picture = make_picture()
    with pytest.raises(TypeError):
        _review(RegisteredRule("PD-01", promote, __name__, frozenset(), True), picture, AS_OF, k, before)
    assert _review(RegisteredRule("PD-01", withdraw, __name__, frozenset(), True), picture, AS_OF, k,
                   [Outcome.applicable("M-04")])[0].status is Status.NOT_APPLICABLE


def test_declined_ssa_keeps_carcinoid_crisis_prophylaxis_and_says_so():
    """Declining long-term SSA therapy is not declining octreotide cover for a planned operation: the
    crisis-prophylaxis card (F-05) stays (withholding it would be unsafe) and PD-01 asks to confirm it."""
    from service.picture.model import Extent, TherapyStatus
    before_surgery = dict(extent=Extent.LOCALIZED, metastatic_sites=frozenset(), liver_metastases=False,
                          carcinoid_syndrome=True, therapies=(therapy(Agent.SURGERY, status=TherapyStatus.PLANNED),),
                          declined_therapies=frozenset({Agent.SSA}))
    outcomes = _outcomes(**before_surgery)
    assert any(o.card == "crisis-prophylaxis" or o.rule_id == "F-05" for o in _fired(outcomes, "F-05"))
    (pd,) = _fired(outcomes, "PD-01")
    assert "carcinoid crisis prophylaxis" in pd.reason and "confirm" in pd.reason and "F-05" not in pd.reason
    cards = {c["extension"]["net-cds"]["topic"]: c for c in _cards(**before_surgery)}
    assert "carcinoid-crisis-prophylaxis" in cards
    ssa = cards["somatostatin-analog"]  # the PD-01 card, not an SSA suggestion
    assert ssa["extension"]["net-cds"]["rules"] == ["PD-01"] and "suggestions" not in ssa
    assert "confirm" in ssa["detail"]


def test_every_topic_pd01_can_withdraw_has_its_own_declined_card():
    """PD-01 renders on the declined therapy's own topic: every therapy topic with a card PD-01 may withdraw
    (recommend/consider/needs-data, not critical) needs a PD-01 card of that topic, else evaluation would fail."""
    k = knowledge()
    pd01 = {k.cards[c].topic for c in k.rules["PD-01"].cards}
    withdrawable = {c.topic for c in k.cards.values()
                    if c.strength in ("recommend", "consider", "needs-data") and c.indicator != "critical"}
    therapy_topics = {a.value for a in Agent}
    assert withdrawable & therapy_topics - pd01 == set()
    assert all(k.cards[c].strength == "info" and k.cards[c].order is None for c in k.rules["PD-01"].cards)
    assert len(pd01) == len(k.rules["PD-01"].cards)  # one card per topic


def test_declined_diazoxide_keeps_the_insulinoma_glucose_cover_for_a_procedure():
    """F-05's peri-procedural glucose cover sits on the diazoxide topic: a declined diazoxide must not withdraw it."""
    from service.picture.model import Syndrome, TherapyStatus
    from tests.rules.factories import fired_cards
    insulinoma = dict(primary_site=PrimarySite.PANCREAS, syndromes=frozenset({Syndrome.INSULINOMA}),
                      therapies=(therapy(Agent.SURGERY, status=TherapyStatus.PLANNED),),
                      declined_therapies=frozenset({Agent.DIAZOXIDE}))
    assert fired_cards("F-05", **insulinoma) == {"insulinoma-periprocedural"}
