"""Therapies the patient declined: a review row over the other rows' suggestions.

The picture lists the therapy classes the patient declined and has not started or been ordered
since (``NetPicture.declined_therapies``, with ``declined_sources``). Site rows that name the
alternative themselves do so (H-04: surveillance when belzutifan is declined; M-05 everolimus is
the table's option "when PRRT is not possible/declined"); the PRRT safety/not-recommended rows
(NR-03, NR-04) treat a declined PRRT as not in play. This row makes sure nothing else suggests what
the patient refused.

PD-01 — the patient declined a therapy a row would suggest
    When: a row's recommend, consider or needs-data card (not critical) is of a therapy topic the
          patient declined.
    Then: that outcome is withdrawn (the row becomes not applicable: "patient declined ..."); one info
          card per declined therapy, on the therapy's OWN card-contract topic (``prrt``, ``surgery``...;
          it takes the place of the withdrawn suggestion, one card per topic), says what was declined,
          when (or that the date is not recorded), with the record it comes from and the rows whose
          suggestion was withheld. The other rows' alternatives stand. Caution, not-recommended and
          critical cards are never withdrawn (safety), nor are the safety cards in
          ``lists.declined_kept_safety_cards`` (F-05 peri-procedural octreotide against carcinoid crisis
          when the SSA was declined): they stay, and the PD-01 card names them ("confirm with the
          patient"). A declined therapy that no row would suggest gets no card (nothing to withhold).
    Source: decision table M-05 ("PRRT not possible/declined"); shared decision-making.
"""
from __future__ import annotations

from datetime import date

from service.picture.model import Agent, NetPicture
from service.rules.outcome import FactUse, Outcome, Status
from service.rules.registry import RuleKnowledge, rule

_WITHDRAWN_STRENGTHS = ("recommend", "consider", "needs-data")

# Plain words for the therapy classes (card placeholder ``{therapy}``, at most 30 characters).
THERAPY_WORDS = {
    Agent.SSA: "somatostatin analogue",
    Agent.EVEROLIMUS: "everolimus",
    Agent.SUNITINIB: "sunitinib",
    Agent.CABOZANTINIB: "cabozantinib",
    Agent.PRRT: "PRRT (Lu-177 dotatate)",
    Agent.TELOTRISTAT: "telotristat",
    Agent.CAPTEM: "capecitabine/temozolomide",
    Agent.STREPTOZOCIN: "streptozocin chemotherapy",
    Agent.PLATINUM_ETOPOSIDE: "platinum-etoposide",
    Agent.OTHER_CHEMOTHERAPY: "chemotherapy",
    Agent.IMMUNOTHERAPY: "immunotherapy",
    Agent.INTERFERON: "interferon alfa",
    Agent.BELZUTIFAN: "belzutifan",
    Agent.DIAZOXIDE: "diazoxide",
    Agent.PPI: "proton-pump inhibitor",
    Agent.PASIREOTIDE: "pasireotide",
    Agent.SURGERY: "surgery",
    Agent.LIVER_DIRECTED: "liver-directed therapy",
}


def _declined_on(p: NetPicture, agent: Agent) -> tuple[str, tuple[FactUse, ...]]:
    sources = [s for a, s in p.declined_sources if a is agent]
    facts = tuple(FactUse(name="Declined by the patient", display=s.display or f"{THERAPY_WORDS[agent]} declined",
                          date=s.date, reference=s.reference) for s in sources)
    dates = [s.date for s in sources if s.date is not None]
    when = f"on {max(dates).isoformat()}" if dates else "(date not recorded)"
    return when, facts


@rule("PD-01", review=True)
def declined_therapy(p: NetPicture, as_of: date, k: RuleKnowledge,
                     outcomes: tuple[Outcome, ...]) -> tuple[Outcome, ...]:
    if not p.declined_therapies:
        return outcomes
    by_topic = {agent.value: agent for agent in p.declined_therapies}
    # The PD-01 card of each therapy topic (knowledge: one per topic a row may suggest; a topic
    # without one is a knowledge error caught by tests/rules/test_declined.py).
    own_card = {spec.topic: spec.id for spec in k.own_cards}
    kept_safety = dict(pair.split(":", 1) for pair in k.values("declined_kept_safety_cards"))
    revised: list[Outcome] = []
    withheld: dict[Agent, list[str]] = {}
    kept: dict[Agent, list[str]] = {}
    for o in outcomes:
        spec = k.card_of(o) if o.status is not Status.NOT_APPLICABLE else None
        if spec is not None and o.status is Status.APPLICABLE and kept_safety.get(spec.id) in by_topic:
            kept.setdefault(by_topic[kept_safety[spec.id]], []).append(spec.topic.replace("-", " "))
        agent = by_topic.get(spec.topic) if spec is not None else None
        if spec is not None and spec.id in kept_safety:
            agent = None  # a kept safety card is never withdrawn, even on the declined therapy's own topic
        if (agent is not None and spec is not None and spec.strength in _WITHDRAWN_STRENGTHS
                and spec.indicator != "critical" and (o.status is Status.APPLICABLE or o.card is not None)):
            revised.append(Outcome.not_applicable(o.rule_id, f"patient declined {THERAPY_WORDS[agent]}"))
            withheld.setdefault(agent, []).append(spec.id)
            continue
        revised.append(o)
    for agent in sorted(set(withheld) | set(kept), key=lambda a: a.value):
        when, facts = _declined_on(p, agent)
        parts = [f"the patient declined {THERAPY_WORDS[agent]} {when}"]
        if withheld.get(agent):
            # row ids stay in the machine-readable extension, never in the clinician's prose
            n = len(dict.fromkeys(withheld[agent]))
            parts.append(f"{n} suggestion{'s' if n > 1 else ''} of it withheld")
        if kept.get(agent):
            parts.append("still shown as a safety measure, confirm with the patient: "
                         + ", ".join(dict.fromkeys(kept[agent])))
        revised.append(Outcome.applicable(
            "PD-01", card=own_card[agent.value], facts=facts,
            params={"therapy": THERAPY_WORDS[agent], "declined_on": when},
            missing=() if any(f.date for f in facts) else (f"date the patient declined {THERAPY_WORDS[agent]}",),
            reason="; ".join(parts),
        ))
    return tuple(revised)
