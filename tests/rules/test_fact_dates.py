"""A fact is dated with the date of the datum it shows: age on the evaluation date (never the birth date),
therapies with their start, and 'date not recorded' said in words when the picture has no date."""
from __future__ import annotations

from datetime import date

from service.picture.model import Agent, Fact, FactState, PrimarySite, Source
from service.rules import Status
from tests.rules.factories import AS_OF, make_picture, medication, run, therapy

BORN = Fact(FactState.PRESENT, 43, (Source("Patient/p-1", date(1983, 6, 6), "born 1983-06-06"),))


def test_age_is_dated_with_the_evaluation_date_not_the_birth_date():
    """G-08 (pNET below the age threshold): the age fact shows the age on as_of."""
    (o,) = run("G-08", primary_site=PrimarySite.PANCREAS, age_years=BORN)
    assert o.status is Status.APPLICABLE
    (age,) = [f for f in o.facts if f.name == "Age"]
    assert age.date == AS_OF and age.date != date(1983, 6, 6)
    assert age.display == "43 years (born 1983-06-06)" and age.reference == "Patient/p-1"


def test_therapy_without_a_start_date_says_so():
    from service.rules.predicates import therapy_facts

    undated = make_picture(therapies=(therapy(Agent.SSA, drug="lanreotide", start=None),))
    (fact,) = therapy_facts(undated, (Agent.SSA,))
    assert fact.date is None and fact.display == "lanreotide (active; date not recorded)"
    dated = make_picture(therapies=(therapy(Agent.SSA, drug="lanreotide", start=date(2025, 1, 26)),))
    (fact,) = therapy_facts(dated, (Agent.SSA,))
    assert fact.date == date(2025, 1, 26) and fact.display == "lanreotide (active)"


def test_current_medication_without_a_date_says_date_not_recorded():
    """NR-19: the interacting clarithromycin has no date in the picture: the fact says so in words."""
    outcomes = run("NR-19", therapies=(therapy(Agent.EVEROLIMUS),),
                   current_medications=(medication("clarithromycin", "strong-cyp3a4-inhibitor",
                                                   ref="MedicationRequest/clari"),))
    (o,) = [o for o in outcomes if o.status is Status.APPLICABLE]
    (med,) = [f for f in o.facts if f.name == "Current medication"]
    assert med.date is None and "date not recorded" in med.display and med.reference == "MedicationRequest/clari"


def test_detail_shows_each_dated_fact_with_its_age():
    """Cards show a deciding fact's date and how old it is ("SSTR imaging ... (2026-03-02, 8 months ago)")."""
    import itertools

    from service.picture.model import SstrStatus
    from service.render import render
    from service.rules import evaluate
    from tests.rules.factories import fact, knowledge

    picture = make_picture(sstr=fact(SstrStatus.POSITIVE_ALL, on=date(2026, 3, 2)), ki67=fact_ki67(),
                           as_of=AS_OF)
    counter = itertools.count()
    cards = render(evaluate(picture, as_of=AS_OF, knowledge=knowledge()), picture, knowledge=knowledge(),
                   uuid_factory=lambda: f"u-{next(counter)}")
    details = "\n".join(c["detail"] for c in cards)
    assert "(2026-03-02, 8 months ago)" in details
    assert "(2024-11-01, 2 years ago)" in details


def fact_ki67():
    from service.picture.model import Ki67
    from tests.rules.factories import fact

    return fact(Ki67(5.0), on=date(2024, 11, 1))


def test_age_words():
    from service.rules.outcome import age_words

    assert age_words(AS_OF, AS_OF) == "today"
    assert age_words(date(2026, 10, 31), AS_OF) == "1 day ago"
    assert age_words(date(2026, 9, 2), AS_OF) == "2 months ago"
    assert age_words(date(2024, 11, 1), AS_OF) == "2 years ago"
    assert age_words(date(2026, 11, 10), AS_OF) == "in 9 days"
