"""One decision, one card: the order of a choice card's options (card contract "One decision, one card: choices").

Cards that answer the same clinical question carry the same ``decision:`` key in the knowledge (``antitumour-
therapy``: the next antiproliferative line, first or later, whichever rows offer it: M-01..M-07, P-02..P-06,
L-02..L-05, O-06, G3-01/02, N-03/04, F-07; ``ssa-escalation``: M-08). The renderer makes them ONE choice card
(one suggestion per option, ``selectionBehavior: at-most-one``, the other topics in ``alternatives``). This review
row says in which order, for this patient, and why. It never adds, withdraws or changes advice.

XC-02 — the options of one decision in order for this patient  (card contract; review 2026-12 A-U2, A-C1, B-W2)
    When: two or more applicable recommend/consider outcomes whose cards share a ``decision`` (from one row or
          several: net-14 cabozantinib P-06, PRRT P-05, sunitinib P-03, CAPTEM P-04; net-201 SSA M-02, PRRT M-03).
    Then: one outcome of its own (no card; it steers the renderer as G-07 does) with params ``decision`` and
          ``order`` (the card ids, first the option preferred for this patient) and the reason in words:
          0. interactions: an option an interaction card of this answer cautions about (SB-11 strong CYP3A4
             inhibitor/inducer, SB-12 QT; ``choice_interaction_cards``) goes after the options without one,
             whatever their strength (net-140: rifampicin -> CAPTEM before everolimus/sunitinib; review B-W6);
          1. strength: recommend before consider (a row the table rates CONSIDER is never first);
          2. this patient: a pancreatic NET before any approved targeted agent (everolimus, sunitinib) was given
             has those before PRRT (decision table P-05: ESMO places PRRT after the other approved lines in pNET);
          3. the knowledge's preference list (``choice_preference_<decision>``), options of one row keeping the
             row's own order (P-03's comorbidity order, G3-01's pancreas order).
    Source: card contract; decision table P-05 (ESMO-GEP 2020).
"""
from __future__ import annotations

from datetime import date

from service.errors import KnowledgeError
from service.picture.model import Agent, NetPicture, PrimarySite
from service.rules.outcome import Outcome, Status
from service.rules.predicates import received
from service.rules.registry import RuleKnowledge, rule

_SUGGESTING = {"recommend": 0, "consider": 1}


@rule("XC-02", review=True)
def options_in_order(p: NetPicture, as_of: date, k: RuleKnowledge,
                     outcomes: tuple[Outcome, ...]) -> tuple[Outcome, ...]:
    specs = [(i, o, k.card_of(o)) for i, o in enumerate(outcomes) if o.status is Status.APPLICABLE]
    # as the renderer does: a topic another card warns about, or suggests outside any decision, is no option here
    # (a change of the current order, SSA escalation, excepted)
    blocked = {s.topic for _, _, s in specs if s is not None and s.strength in ("not-recommended", "caution")}
    started = {a for _, _, s in specs if s is not None and not s.decision and s.strength in _SUGGESTING
               for a in _agents(s, k)}
    by_decision: dict[str, list[tuple[int, Outcome, object]]] = {}
    for i, o, spec in specs:
        if (spec is not None and spec.decision and spec.strength in _SUGGESTING and spec.topic not in blocked
                and (spec.changes_current or not _agents(spec, k) & started)):
            by_decision.setdefault(spec.decision, []).append((i, o, spec))
    added: list[Outcome] = []
    for decision, members in by_decision.items():
        if len({spec.topic for _, _, spec in members}) < 2:  # type: ignore[attr-defined]
            continue  # one option: no choice to order
        added.append(_order(decision, members, p, k, outcomes))
    return outcomes + tuple(added) if added else outcomes


def _agents(spec, k: RuleKnowledge) -> set[str]:
    """The therapy classes a card's draft orders start (as the renderer reads them)."""
    if spec.order is None:
        return set()
    return {k.drug(d).agent for o in spec.order.options for d in o.medications if k.drug(d).agent}


def _order(decision: str, members: list, p: NetPicture, k: RuleKnowledge, outcomes: tuple[Outcome, ...]) -> Outcome:
    listed = f"choice_preference_{decision.replace('-', '_')}"
    try:
        preference = k.values(listed)
    except KnowledgeError:  # a decision without a preference list: the rows' order
        preference = ()
    rank = {topic: n for n, group in enumerate(preference) for topic in group.split("|")}
    later = len(preference)
    notes: list[str] = []
    topics = {spec.topic for _, _, spec in members}
    targeted_first = set(k.values("choice_pnet_targeted_before_prrt"))
    prrt_strengths = {s.strength for _, _, s in members if s.topic == "prrt"}
    pnet_targeted = (p.primary_site.is_(PrimarySite.PANCREAS) and "prrt" in topics
                     and any(s.topic in targeted_first and s.strength in prrt_strengths for _, _, s in members)
                     and not any(received(p, Agent(t)) for t in targeted_first))
    if pnet_targeted:
        rank = dict(rank)
        rank["prrt"] = max(rank.get(t, later) for t in targeted_first) + 0.5
        notes.append("pancreatic NET with no targeted agent given yet: everolimus or sunitinib before PRRT "
                     "(ESMO places PRRT after the approved lines in pNET)")

    option_words = k.pairs("choice_option_words")

    def words_of(topic: str) -> str:
        return option_words.get(topic, topic)

    def row_rank(rule_id: str, strength: str) -> float:
        # a row's options of one strength stay together, in the row's own order, at the row's best place
        return min(rank.get(s.topic, later) for _, o, s in members if o.rule_id == rule_id and s.strength == strength)

    # an option an interaction card of this answer cautions about goes after the options without one
    interaction = k.pairs("choice_interaction_cards")
    hit: dict[str, list[str]] = {}
    for o in outcomes:
        topic = interaction.get(o.card or "") if o.status is Status.APPLICABLE else None
        if topic in topics and o.reason not in hit.get(topic, []):
            hit.setdefault(topic, []).append(o.reason)
    clean = [s for _, _, s in members if s.topic not in hit]
    moved = ("options without an interaction first: " + "; ".join(r for rs in hit.values() for r in rs)
             + " (see the interaction card)") if hit and clean else ""
    # an option only for the MDT or a trial (N-04: PRRT in NEC) after the others of its strength
    last_rows = set(k.values("choice_last_rows"))
    trial_only = [s for _, o, s in members if o.rule_id in last_rows]
    if trial_only and any(o.rule_id not in last_rows for _, o, _ in members):
        notes.append(", ".join(dict.fromkeys(words_of(s.topic) for s in trial_only))
                     + " last: in a high-grade NEC only in the MDT or a trial, after second-line chemotherapy")
    ordered = sorted(members, key=lambda m: (m[2].topic in hit and bool(clean), _SUGGESTING[m[2].strength],
                                             m[1].rule_id in last_rows,
                                             row_rank(m[1].rule_id, m[2].strength), m[0]))
    seen: set[str] = set()
    cards: list[str] = []
    for _, _, spec in ordered:
        if spec.id not in seen:
            seen.add(spec.id)
            cards.append(spec.id)
    strengths = {spec.strength for _, _, spec in members}
    if len(strengths) > 1:
        notes.insert(0, "recommended options before those to consider")
    words = k.pairs("choice_option_words")
    for strength in _SUGGESTING:
        rows = list(dict.fromkeys(o.rule_id for _, o, s in ordered if s.strength == strength))
        if len(rows) > 1:  # equal options from several rows: the usual sequence decided
            these = [s for _, o, s in ordered if s.strength == strength]
            names = list(dict.fromkeys(words.get(s.topic, s.topic) for s in these))
            if len({rank.get(s.topic, later) for s in these}) == 1:
                notes.append(" or ".join(names) + ": equal options in the guidelines (no preference on record; choose "
                             "with the patient)")
            else:
                notes.append(f"among the {strength}ed options the usual sequence: " + ", ".join(names))
    # a row that offers two equal options itself says why in its finding (P-03: comorbidity; G3-01: site)
    for rule_id in dict.fromkeys(o.rule_id for _, o, _ in ordered):
        own = [(o, s) for _, o, s in ordered if o.rule_id == rule_id]
        if len({s.topic for _, s in own}) < 2 or len({s.strength for _, s in own}) > 1:
            continue
        reason = own[0][0].reason
        if reason and ("first" in reason or "order" in reason or "preference" in reason):
            notes.append(reason)
        else:
            names = list(dict.fromkeys(words.get(s.topic, s.topic) for _, s in own))
            notes.append(" or ".join(names) + ": the guidelines offer them as equal options for this patient "
                         "(no preference on record; choose with the patient)")
    if moved:
        notes.insert(0, moved)
    if not notes:
        notes.append("in the order the guideline rows give them; no patient factor on record changes it")
    return Outcome.applicable("XC-02", params={"decision": decision, "order": ",".join(cards)},
                              reason="; ".join(notes))
