"""Order hooks: a drafted therapy that no row offers for this patient (review B U4).

XO-01 — a draft of an antitumour therapy without an indication here
    When: an order hook's draft (``NetPicture.order_drafts``) of a therapy in ``lists.off_pathway_agents``, the
          patient is not already on that therapy (the exposure is the draft alone), and none of the rows that
          apply to the patient without the drafts (``NetPicture.pathway_topics``, worked out by
          ``service.pipeline.advise_orders``) offers that therapy.
    Then: NOT RECOMMENDED, no indication for this patient's disease, extent or line (the order hook removes the
          draft). Silent outside order hooks (``pathway_topics`` is None) and for a draft a row offers.
    Source: decision table sections 4 and 6 (the rows' options); card contract (not-recommended for a draft the
          table does not support).
"""
from __future__ import annotations

from datetime import date

from service.picture.model import NetPicture
from service.rules.outcome import Outcome
from service.rules.predicates import therapy_fact
from service.rules.registry import RuleKnowledge, rule


@rule("XO-01")
def draft_off_pathway(p: NetPicture, as_of: date, k: RuleKnowledge) -> Outcome | tuple[Outcome, ...]:
    if p.pathway_topics is None or not p.order_drafts:
        return Outcome.not_applicable("XO-01", "not an order hook")
    agents = set(k.values("off_pathway_agents"))
    out = []
    for t in p.therapies:
        if t.agent.value not in agents or not p.draft_only(t) or t.agent.value in p.pathway_topics:
            continue
        out.append(Outcome.applicable("XO-01", card="draft-off-pathway", facts=(therapy_fact(t, "draft order"),),
                                      reason=f"no row for this patient offers {t.agent.value}",
                                      params={"drug": t.drug[:1].upper() + t.drug[1:]}))
    return tuple(out) if out else Outcome.not_applicable("XO-01", "every drafted therapy is offered by a row")
