"""XO-01 (order hooks): a drafted antitumour therapy that no row offers this patient is not recommended; quiet
outside order hooks, for a therapy the rows offer, for a course the patient is already on, and for drugs that
are not antitumour therapies."""
from __future__ import annotations

from service.picture.model import Agent
from service.rules import Status
from tests.rules.factories import fired_cards, run, therapy

DRAFT = "MedicationRequest/draft-1"


def test_xo01_fires_for_a_draft_no_row_offers():
    drafted = dict(therapies=(therapy(Agent.CABOZANTINIB, ref=DRAFT),), order_drafts=(DRAFT,),
                   pathway_topics=frozenset({"surgery", "mdt-review"}))
    assert fired_cards("XO-01", **drafted) == {"draft-off-pathway"}
    (outcome,) = run("XO-01", **drafted)
    assert outcome.facts[0].reference == DRAFT and outcome.params["drug"]


def test_xo01_near_misses():
    cabo = (therapy(Agent.CABOZANTINIB, ref=DRAFT),)
    offered = frozenset({"cabozantinib"})
    assert fired_cards("XO-01", therapies=cabo, order_drafts=(DRAFT,), pathway_topics=offered) == set()
    # outside order hooks (patient-view): no pathway worked out
    assert all(o.status is Status.NOT_APPLICABLE for o in run("XO-01", therapies=cabo, order_drafts=(DRAFT,)))
    # a course already under way (the draft continues it)
    course = (therapy(Agent.CABOZANTINIB, ref=DRAFT), )
    course = (course[0].__class__(**{**{f: getattr(course[0], f) for f in course[0].__dataclass_fields__},
                                     "references": (DRAFT, "MedicationRequest/old")}),)
    assert fired_cards("XO-01", therapies=course, order_drafts=(DRAFT,), pathway_topics=frozenset()) == set()
    # an SSA or a symptom drug is left to its own rows
    assert fired_cards("XO-01", therapies=(therapy(Agent.SSA, ref=DRAFT),), order_drafts=(DRAFT,),
                       pathway_topics=frozenset()) == set()
