"""FT-01 (review row): performance status and label ages decide which suggestions a patient gets."""
from __future__ import annotations

from datetime import date

from service.picture.model import Agent, Extent, Fact, FactState, Hereditary, PrimarySite, Source
from service.rules import Outcome, Status, evaluate
from tests.rules.factories import AS_OF, fact, knowledge, make_picture, therapy

SSA = therapy(Agent.SSA, drug="octreotide LAR", start=date(2021, 1, 1), progressed_on=True)
PNET_PROGRESSING = dict(primary_site=PrimarySite.PANCREAS, progression=True, newly_diagnosed=False,
                        progression_date=fact(date(2026, 10, 1), on=date(2026, 10, 1)), therapies=(SSA,))
FIT_TOPICS = set(knowledge().lists["fitness_required_topics"])


def _outcomes(**overrides) -> list[Outcome]:
    return evaluate(make_picture(**overrides), as_of=AS_OF, knowledge=knowledge())


def _suggested(outcomes: list[Outcome]) -> dict[str, Outcome]:
    """topic -> suggestion (recommend/consider/needs-data with a card) of an answer."""
    out = {}
    for o in outcomes:
        if o.status is Status.APPLICABLE or (o.status is Status.INSUFFICIENT and o.card):
            spec = knowledge().cards[o.card or knowledge().rules[o.rule_id].cards[0]]
            if spec.strength in ("recommend", "consider", "needs-data"):
                out.setdefault(spec.topic, o)
    return out


def ecog(score: int, on: date = date(2026, 10, 20)) -> Fact:
    return Fact(FactState.PRESENT, score, (Source("Observation/ecog", on, f"ECOG {score}"),))


def age(years: int) -> Fact:
    return Fact(FactState.PRESENT, years, (Source("Patient/p-1", date(AS_OF.year - years, 1, 1), "born"),))


def test_ecog_3_withholds_every_fitness_dependent_option_and_one_card_says_why():
    fit = _suggested(_outcomes(ecog=ecog(1), **PNET_PROGRESSING))
    assert {"everolimus", "sunitinib", "prrt"} <= set(fit)       # the rows offer them to a fit patient
    outcomes = _outcomes(ecog=ecog(3), **PNET_PROGRESSING)
    assert not set(_suggested(outcomes)) & FIT_TOPICS
    (ft,) = [o for o in outcomes if o.rule_id == "FT-01" and o.status is Status.APPLICABLE]
    assert ft.card == "fitness-poor-performance" and ft.params["ecog"] == "3"
    assert "everolimus" in ft.reason and "PRRT" in ft.reason and "P-0" not in ft.reason
    assert [f.display for f in ft.facts] == ["ECOG 3"]
    assert knowledge().cards["fitness-poor-performance"].topic == "mdt-review"


def test_ecog_4_from_karnofsky_reads_the_same_and_safety_cards_stay():
    outcomes = _outcomes(ecog=ecog(4), pregnant=True, **PNET_PROGRESSING)
    assert not set(_suggested(outcomes)) & FIT_TOPICS
    assert any(o.card == "prrt-pregnancy" and o.status is Status.APPLICABLE for o in outcomes)  # NR-04 stays


def test_ecog_2_keeps_the_options_with_a_caution_and_the_ecog_among_the_facts():
    outcomes = _outcomes(ecog=ecog(2), **PNET_PROGRESSING)
    fit = _suggested(outcomes)
    assert {"everolimus", "prrt"} <= set(fit)
    for topic in ("everolimus", "prrt"):
        assert "ECOG 2: fitness-dependent option, use with caution" in fit[topic].reason
        assert any(f.display == "ECOG 2" for f in fit[topic].facts)
    assert not [o for o in outcomes if o.rule_id == "FT-01" and o.status is Status.APPLICABLE]


def test_missing_ecog_is_said_on_each_fitness_dependent_option_never_read_as_fit():
    fit = _suggested(_outcomes(ecog=Fact.missing(), **PNET_PROGRESSING))
    for topic in ("everolimus", "sunitinib", "prrt"):
        assert "ECOG performance status (not on record: fitness decides this option)" in fit[topic].missing
    assert "germline-testing" in fit and not any("ECOG" in m for m in fit["germline-testing"].missing)


def test_old_ecog_3_does_not_withhold_but_asks_for_a_current_one():
    fit = _suggested(_outcomes(ecog=ecog(3, on=date(2026, 3, 1)), **PNET_PROGRESSING))
    assert "everolimus" in fit
    assert "last ECOG 3 on 2026-03-01 (8 months ago): reassess fitness" in fit["everolimus"].reason
    assert "current ECOG performance status" in fit["everolimus"].missing


def test_under_12_prrt_is_withheld_and_under_18_targeted_therapy_is_flagged_off_label():
    outcomes = _outcomes(ecog=ecog(0), age_years=age(10), **PNET_PROGRESSING)
    fit = _suggested(outcomes)
    assert "prrt" not in fit
    assert "off-label under 18 years" in fit["everolimus"].reason
    (card,) = [o for o in outcomes if o.rule_id == "FT-01" and o.status is Status.APPLICABLE]
    assert card.card == "paediatric-label-ages" and "not suggested: PRRT" in card.reason and card.params["age"] == "10"


def test_15_year_old_keeps_prrt_with_the_us_label_age_said():
    fit = _suggested(_outcomes(ecog=ecog(0), age_years=age(15), **PNET_PROGRESSING))
    assert "approved from 12 years in the US label only" in fit["prrt"].reason


def test_adult_gets_no_age_notes():
    outcomes = _outcomes(ecog=ecog(0), age_years=age(40), **PNET_PROGRESSING)
    assert not any("aged" in o.reason for o in outcomes if o.status is Status.APPLICABLE)
    assert not [o for o in outcomes if o.rule_id == "FT-01" and o.status is Status.APPLICABLE]


def test_vhl_teenager_gets_surveillance_not_belzutifan():
    vhl = dict(primary_site=PrimarySite.PANCREAS, hereditary=frozenset({Hereditary.VHL}), extent=Extent.LOCALIZED,
               metastatic_sites=frozenset(), liver_metastases=False, tumor_size_cm=2.2, progression=True,
               ecog=ecog(0))
    adult = _suggested(_outcomes(age_years=age(30), **vhl))
    assert adult["belzutifan"].card == "belzutifan-vhl"
    teen = _outcomes(age_years=age(16), **vhl)
    (h04,) = [o for o in teen if o.rule_id == "H-04"]
    # growing on record: the MDT plan for the growing pNET, never "belzutifan if it grows" (review A W2)
    assert h04.card == "vhl-pnet-growing-no-belzutifan" and "belzutifan is approved for adults" in h04.reason
    assert "belzutifan" not in _suggested(teen)
