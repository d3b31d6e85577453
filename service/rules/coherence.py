"""One answer that agrees with itself: the last review row (issue 11 item 7, content part).

Runs after every other row and review row (its id sorts last). It never adds advice; it withdraws an
outcome that would contradict another card of the same answer, with the reason.

XC-01 — a monitoring card for a drug another card of this answer says not to give
    When: a drug-monitoring outcome (the "how to monitor it" card of a section-5 safety box: SB-01 everolimus,
          SB-02 sunitinib, SB-03 cabozantinib, SB-05 belzutifan, SB-08 interferon, SB-09 diazoxide; the info card,
          never a caution or critical one) and an applicable not-recommended outcome on that drug's own topic
          (e.g. NR-23 "everolimus during a PRRT course not recommended", NR-02, NR-06, NR-08).
    Then: the monitoring outcome is withdrawn (not applicable: "not-recommended on another card"); the
          not-recommended card stands and says what to do. (Review 2026-12: net-68 showed "Monitor everolimus"
          beside "everolimus during a PRRT course not recommended".)
    Source: card contract ("cards of one answer agree with each other").
"""
from __future__ import annotations

from datetime import date

from service.picture.model import Agent, NetPicture
from service.rules.outcome import Outcome, Status
from service.rules.registry import RuleKnowledge, rule

# The monitoring card of each section-5 box and the card-contract topic of its drug.
_MONITORING = {
    "everolimus-monitoring": Agent.EVEROLIMUS.value,
    "sunitinib-monitoring": Agent.SUNITINIB.value,
    "cabozantinib-monitoring": Agent.CABOZANTINIB.value,
    "belzutifan-monitoring": Agent.BELZUTIFAN.value,
    "interferon-monitoring": Agent.INTERFERON.value,
    "diazoxide-monitoring": Agent.DIAZOXIDE.value,
}


@rule("XC-01", review=True)
def answer_agrees_with_itself(p: NetPicture, as_of: date, k: RuleKnowledge,
                              outcomes: tuple[Outcome, ...]) -> tuple[Outcome, ...]:
    monitoring_rows = {r for card_id in _MONITORING for r in k.card(card_id).rules}
    if not any(o.rule_id in monitoring_rows and o.status is Status.APPLICABLE for o in outcomes):
        return outcomes  # the common case: no monitoring card to check
    refused: dict[str, str] = {}
    for o in outcomes:
        if o.status is Status.APPLICABLE:
            spec = k.card_of(o)
            if spec is not None and spec.strength == "not-recommended":
                refused.setdefault(spec.topic, o.rule_id)
    if not refused:
        return outcomes
    revised = []
    for o in outcomes:
        spec = k.card_of(o) if o.status is Status.APPLICABLE else None
        topic = _MONITORING.get(spec.id) if spec is not None else None
        if topic is not None and topic in refused:
            revised.append(Outcome.not_applicable(
                o.rule_id, f"{topic} is not recommended on another card ({refused[topic]}): no monitoring card"))
            continue
        revised.append(o)
    return tuple(revised)
