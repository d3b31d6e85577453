"""The therapy course: PRRT re-treatment and the therapies the patient already progressed on.

The picture gives every antitumour therapy as a course (``Therapy``: start, end, dose dates and number of
doses, last dose, first documented progression after the start, days from the last dose to it, best
response). Two decisions read it.

PRRT re-treatment (decision table M-07 "PRRT re-treatment in selected prior responders"; the same question
in P-05, L-04, G3-01 and O-06 once PRRT was given) -- ``prrt_retreatment``:
    When: a completed PRRT course (not one under way), progression documented now (12 months).
    Then: progression after the last dose at least ``prrt_retreatment_min_interval_days`` (365, R) -- a
          durable response -- with SSTR uptake >= liver in every lesion on imaging newer than that
          progression and current eligibility labs (``service.rules.predicates.prrt_gates``: otherwise the
          needs-data card for the SSTR PET/CT or the labs): CONSIDER (MDT) PRRT re-treatment
          (``prrt-retreatment``); progression earlier than that (on PRRT or within the interval after its
          last dose): NOT RECOMMENDED, said plainly (``prrt-retreatment-not-recommended``); last dose date not
          known: insufficient (the last dose is asked for). The card shows the course: doses, last dose,
          first progression after it and the interval, and the best response recorded.
    Source: NANETS/SNMMI PRRT consensus (Hope 2020) and ENETS 2024 (re-treatment in prior responders with a
          long progression-free interval, MDT); retreatment series (R).

TM-01 -- restaging overdue (the age limit of the progression status)
    When: advanced disease, and disease statuses on record but none within ``progression_window_days``
          (365: decision table 1.2 "progressive" = documented within 12 months; the picture then leaves the
          progression unknown, never "progressive").
    Then: NEEDS DATA (``restaging-overdue``, monitoring): restage with CT/MRI (RECIST 1.1); the last
          assessment and its age are shown. Rows triggered by progression stay undecided until then.
    Source: decision table 1.2; ENETS/ESMO follow-up imaging every 3-6 months in advanced disease.

TC-01 -- a therapy the patient progressed on is never the next recommendation (review row)
    When: a recommend/consider outcome's card is on the topic of a therapy class the patient progressed on
          (``Therapy.progressed_on``: progression documented during the course or within the grace period
          after its end), the topic is in ``lists.progressed_on_withdrawn_topics`` and the card is not in
          ``lists.progressed_on_kept_cards`` (symptom control with an SSA, SSA escalation, PRRT re-treatment:
          decided on their own conditions).
    Then: that outcome is withdrawn ("progressed on ..."). Every remaining suggestion whose card text names
          a therapy the patient progressed on (``lists.therapy_mention_words``; SSAs excluded, progression
          on an SSA being the usual trigger of the next line) says which one already failed: its finding gets
          "already failed: <drug> (progressed on it ...)" and the course as a fact.
    Source: decision table lines of therapy (section 4: a line is given after progression on the previous
          one); clinical review 2026-11 (Wrong 13: sunitinib called an equal alternative after everolimus
          failed).
"""
from __future__ import annotations

import re
from datetime import date

from service.picture.model import Agent, FactState, NetPicture, Therapy, TherapyStatus
from service.rules.outcome import FactUse, Outcome, Status, age_words
from service.rules.predicates import card_params, fact_uses, is_advanced, needs_data, prrt_gates
from service.rules.registry import RuleKnowledge, rule

_SUGGESTING = ("recommend", "consider")


def _months(days: int) -> str:
    return f"{days / 30.4:.0f} months" if days >= 60 else f"{days} days"


def _after_end(t: Therapy) -> bool:
    """Progression came after the course ended (not during it): the interval from the last dose is positive."""
    return t.end_to_progression_days is not None and t.end_to_progression_days > 0


def course_fact(t: Therapy, as_of: date) -> FactUse:
    """One course in words: "Lu-177 dotatate: 4 doses, last 2024-03-02 (2 years ago); progression
    2025-06-01, 15 months after the last dose; best response: improved", dated with its last dose."""
    bits = [t.drug + ":"]
    if t.doses:
        bits.append(f"{t.doses} dose{'s' if t.doses != 1 else ''},")
    stop = t.last_dose or t.end
    if t.status is TherapyStatus.ACTIVE:
        bits.append(f"ongoing since {t.start.isoformat()}" if t.start else "ongoing")
    elif stop is not None:
        bits.append(f"last {stop.isoformat()} ({age_words(stop, as_of)})")
    else:
        bits.append("end not recorded")
    text = " ".join(bits).rstrip(",")
    if t.first_progression is not None:
        text += f"; progression {t.first_progression.isoformat()}"
        if t.end_to_progression_days is not None:
            gap = t.end_to_progression_days
            text += (f", {_months(gap)} after the last dose" if gap > 0 else ", during the course")
    if t.best_response is not None:
        text += f"; best response recorded: {t.best_response.value}"
    return FactUse(name="Therapy course", display=text, date=stop or t.start,
                   reference=t.references[0] if t.references else None)


def _latest_course(p: NetPicture, agent: Agent) -> Therapy | None:
    courses = [t for t in p.therapies_of(agent) if t.status is not TherapyStatus.PLANNED]
    return max(courses, key=lambda t: (t.start or date.min)) if courses else None


def prrt_retreatment(rule_id: str, p: NetPicture, k: RuleKnowledge) -> Outcome | None:
    """PRRT after a PRRT course (see the module docstring). None when no PRRT course was given (the row's
    first-PRRT logic applies)."""
    t = _latest_course(p, Agent.PRRT)
    if t is None:
        return None
    if t.status is TherapyStatus.ACTIVE or (p.next_prrt_date.known and p.next_prrt_date.value >= p.as_of):  # type: ignore[operator]
        return Outcome.not_applicable(rule_id, "PRRT course under way")
    if not p.progression.is_(True):
        return Outcome.not_applicable(rule_id, "no documented progression within 12 months after PRRT")
    course = course_fact(t, p.as_of)
    stop = t.last_dose or t.end
    if stop is None:
        return needs_data(rule_id, p, ("date of the last PRRT dose (and number of doses given)",),
                          facts=(course,), reason="PRRT given before; last dose not recorded: re-treatment "
                                                  "depends on the interval to progression")
    if t.first_progression is None or t.end_to_progression_days is None:
        return Outcome.not_applicable(rule_id, "progression predates the PRRT course")
    interval = t.end_to_progression_days
    minimum = k.threshold("prrt_retreatment_min_interval_days")
    facts = (course,) + fact_uses(p, "sstr", "progression")
    if interval < minimum:
        when = "during the course" if interval <= 0 else f"{_months(interval)} after the last dose"
        return Outcome.applicable(
            rule_id, card="prrt-retreatment-not-recommended", facts=facts,
            params={**card_params(p), "interval": when},
            reason=f"progression {when} (less than {minimum / 30.4:.0f} months): no durable response to PRRT")
    gate = prrt_gates(rule_id, p, k)
    if gate is not None:
        return gate
    missing = () if t.best_response is not None else ("best response to the first PRRT course (imaging report)",)
    return Outcome.applicable(
        rule_id, card="prrt-retreatment", facts=facts, missing=missing,
        params={**card_params(p), "interval": f"{_months(interval)} after the last dose"},
        reason=f"durable response: progression {_months(interval)} after the last PRRT dose; "
               "SSTR uptake >= liver on imaging since; labs current")


# --------------------------------------------------------------------------- TM-01


@rule("TM-01")
def restaging_overdue(p: NetPicture, as_of: date, k: RuleKnowledge) -> Outcome:
    if is_advanced(p) is not True:
        return Outcome.not_applicable("TM-01", "not advanced disease (or extent unknown)")
    if p.progression.known or p.progression.state is not FactState.STALE:
        return Outcome.not_applicable("TM-01", "disease status current, or never recorded")
    dates = [s.date for s in p.progression.sources if s.date is not None]
    last = max(dates) if dates else None
    facts = (FactUse.of("Last disease assessment", p.progression),) + fact_uses(p, "extent")
    return needs_data("TM-01", p, (f"restaging (CT/MRI, RECIST 1.1): last disease status "
                                   f"{last.isoformat() + ', ' + age_words(last, as_of) if last else 'undated'}",),
                      card="restaging-overdue", facts=facts,
                      reason=f"advanced NET with no disease status in the last "
                             f"{k.threshold('progression_window_days'):g} days: progression-triggered rows cannot "
                             "decide")


# --------------------------------------------------------------------------- TC-01


def _failed(p: NetPicture) -> dict[Agent, Therapy]:
    """The therapy classes the patient progressed on (latest such course of each)."""
    out: dict[Agent, Therapy] = {}
    for t in p.therapies:
        if t.status is not TherapyStatus.PLANNED and t.progressed_on is True:
            if t.agent not in out or (t.start or date.min) > (out[t.agent].start or date.min):
                out[t.agent] = t
    return out


def _mentions(k: RuleKnowledge) -> dict[str, re.Pattern[str]]:
    """topic -> pattern of the words naming it (compiled once per knowledge)."""
    def build(_: object) -> dict[str, re.Pattern[str]]:
        out = {}
        for pair in k.values("therapy_mention_words"):
            topic, words = pair.split(":", 1)
            out[topic] = re.compile(r"\b(?:" + words + r")\b", re.IGNORECASE)
        return out
    return k.whole.derive("tc01_mentions", build)


@rule("TC-01", review=True)
def progressed_on_review(p: NetPicture, as_of: date, k: RuleKnowledge,
                         outcomes: tuple[Outcome, ...]) -> tuple[Outcome, ...]:
    failed = _failed(p)
    if not failed:
        return outcomes
    withdrawn_topics = set(k.values("progressed_on_withdrawn_topics"))
    kept_cards = set(k.values("progressed_on_kept_cards"))
    mentions = _mentions(k)
    revised: list[Outcome] = []
    applicable = Status.APPLICABLE
    for o in outcomes:
        spec = k.card_of(o) if o.status is applicable else None
        if spec is None or spec.strength not in _SUGGESTING:
            revised.append(o)
            continue
        own = next((a for a in failed if a.value == spec.topic), None)
        if own is not None and spec.topic in withdrawn_topics and spec.id not in kept_cards:
            revised.append(Outcome.not_applicable(o.rule_id, f"progressed on {failed[own].drug}: not the next line"))
            continue
        named = [t for a, t in failed.items() if a.value != spec.topic and a.value in mentions
                 and (mentions[a.value].search(spec.summary) or mentions[a.value].search(spec.why))]
        if named:
            # "progressed on it" only of progression during the course; progression after its end (within the
            # grace period) is said as such (net-58: a relapse 85 days after a response is not a failure on it)
            during = [t for t in named if not _after_end(t)]
            after = [t for t in named if _after_end(t)]
            notes = []
            if during:
                notes.append("already failed: " + ", ".join(
                    f"{t.drug} (progressed on it" + (f", started {t.start.isoformat()})" if t.start else ")")
                    for t in during))
            if after:
                notes.append("given before: " + ", ".join(
                    f"{t.drug} (progression {t.end_to_progression_days} days after its last dose)" for t in after))
            o = o.amended(note="; ".join(notes), facts=tuple(course_fact(t, as_of) for t in named))
        revised.append(o)
    return tuple(revised)
