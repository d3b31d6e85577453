"""Fitness and age: a review row over every suggestion that needs the patient fit enough, or old enough.

FT-01 — performance status and label ages (review row)
    Reads: ECOG (``NetPicture.ecog``: recorded, or converted from a Karnofsky score), current when no older
    than ``ecog_max_age_days`` (90, R); age from the birth date. Applies to the recommend/consider/needs-data
    cards (not critical) whose topic is in ``lists.fitness_required_topics`` (cytotoxic chemotherapy,
    everolimus, sunitinib, cabozantinib, belzutifan, PRRT, liver-directed therapy, immunotherapy, interferon).
    When / Then:
    - current ECOG >= ``ecog_poor_min`` (3): those suggestions are withdrawn; one card
      (``fitness-poor-performance``, mdt-review) says why and what fits: SSA for tumour and symptom control,
      symptom and supportive care, MDT and palliative-care review (also when nothing was withdrawn, for
      advanced disease);
    - current ECOG ``ecog_caution`` (2): each such suggestion stays, with the caution in its finding and the
      ECOG among its facts;
    - ECOG older than its limit: the suggestion stays, its finding says the last value and its date and the
      current performance status is listed as missing (an old ECOG 3-4 does not withdraw, nor pass as fit);
    - ECOG not on record: listed as missing on each such suggestion (missing is never read as fit);
    - ECOG 0-1, current: the ECOG is shown among the suggestion's facts.
    - under ``adult_age_years`` (18): a suggestion below its label age (``lists.label_min_age_years``:
      Lutathera >= 12 years, US label 2024; cabozantinib >= 12 years; belzutifan adults only) is withdrawn;
      a suggestion of a therapy used off-label in children (``lists.paediatric_off_label_topics``: everolimus,
      sunitinib, chemotherapy...) or approved from 12 years in the US only stays with that said in its
      finding; one card (``paediatric-label-ages``, mdt-review) lists what was withheld or flagged and asks
      for paediatric NET expertise.
    Source: PRRT and drug labels (Lutathera US label 2024, Cabometyx, Welireg, Afinitor, Sutent); ECOG >= 3
    excluded from the pivotal trials (NETTER-1/-2, RADIANT, CABINET, E2211 required ECOG/Karnofsky
    performance status of at least 60-70 %); ESMO/ENETS: best supportive care for poor performance status.
"""
from __future__ import annotations

from datetime import date

from service.picture.model import NetPicture
from service.rules.outcome import FactUse, Outcome, Status, age_words
from service.rules.predicates import age_fact, card_params, is_advanced
from service.rules.registry import RuleKnowledge, rule

_REVIEWED = ("recommend", "consider", "needs-data")


def _words(topic: str) -> str:
    return {"prrt": "PRRT", "captem": "CAPTEM"}.get(topic, topic.replace("-", " "))


def _pairs(values: tuple[str, ...]) -> dict[str, int]:
    return {topic: int(age) for topic, age in (v.split(":", 1) for v in values)}


@rule("FT-01", review=True)
def fitness_and_age(p: NetPicture, as_of: date, k: RuleKnowledge,
                    outcomes: tuple[Outcome, ...]) -> tuple[Outcome, ...]:
    fit_topics = set(k.values("fitness_required_topics"))
    label_ages = _pairs(k.values("label_min_age_years"))
    off_label = set(k.values("paediatric_off_label_topics"))
    adult = k.threshold("adult_age_years")
    ecog = p.ecog
    ecog_use = FactUse.of("ECOG performance status", ecog) if ecog.known else None
    current = (ecog.known and ecog.date is not None
               and (as_of - ecog.date).days <= k.threshold("ecog_max_age_days"))
    score = int(ecog.value) if ecog.known else None  # type: ignore[arg-type]
    poor = current and score is not None and score >= k.threshold("ecog_poor_min")
    age = int(p.age_years.value) if p.age_years.known else None  # type: ignore[arg-type]
    child = age is not None and age < adult

    revised: list[Outcome] = []
    unfit: list[str] = []
    too_young: list[str] = []
    flagged_young: list[str] = []
    not_applicable, insufficient = Status.NOT_APPLICABLE, Status.INSUFFICIENT
    for o in outcomes:
        if o.status is not_applicable or (o.status is insufficient and o.card is None):
            revised.append(o)   # most outcomes: nothing shown, nothing to review
            continue
        spec = k.card_of(o)
        if spec is None or spec.strength not in _REVIEWED or spec.indicator == "critical":
            revised.append(o)
            continue
        topic = spec.topic
        if topic not in fit_topics and not (child and (topic in label_ages or topic in off_label)):
            revised.append(o)
            continue
        label = _words(topic)
        if child and topic in label_ages and age < label_ages[topic]:  # type: ignore[operator]
            revised.append(Outcome.not_applicable(o.rule_id, f"label age: {_words(topic)} from "
                                                             f"{label_ages[topic]} years; patient aged {age}"))
            too_young.append(label)
            continue
        if topic in fit_topics and poor:
            revised.append(Outcome.not_applicable(o.rule_id, f"ECOG {score}: needs a fitter patient"))
            unfit.append(label)
            continue
        if child and (topic in label_ages or topic in off_label):
            note = (f"patient aged {age}: off-label under {adult:g} years (no paediatric NET approval)"
                    if topic in off_label else
                    f"patient aged {age}: approved from {label_ages[topic]} years in the US label only")
            o = o.amended(note=note)
            flagged_young.append(label)
        if topic in fit_topics:
            if ecog_use is None:
                o = o.amended(missing=("ECOG performance status (not on record: fitness decides this option)",))
            elif not current:
                o = o.amended(note=f"last ECOG {score} on {ecog.date.isoformat() if ecog.date else 'an unknown date'}"
                                   f"{f' ({age_words(ecog.date, as_of)})' if ecog.date else ''}: reassess fitness",
                              facts=(ecog_use,), missing=("current ECOG performance status",))
            elif score is not None and score >= k.threshold("ecog_caution"):
                o = o.amended(note=f"ECOG {score}: fitness-dependent option, use with caution (dose, schedule, "
                                   "support; MDT)", facts=(ecog_use,))
            else:
                o = o.amended(facts=(ecog_use,))
        revised.append(o)

    if poor and (unfit or is_advanced(p)):
        facts = (ecog_use,) if ecog_use is not None else ()
        reason = f"ECOG {score} on {ecog.date.isoformat() if ecog.date else 'an unknown date'}"
        reason += ("; not suggested: " + ", ".join(dict.fromkeys(unfit))) if unfit else ""
        revised.append(Outcome.applicable("FT-01", card="fitness-poor-performance", facts=facts,
                                          params={**card_params(p), "ecog": str(score)}, reason=reason))
    if child and (too_young or flagged_young):
        parts = []
        if too_young:
            parts.append("below the label age, not suggested: " + ", ".join(dict.fromkeys(too_young)))
        if flagged_young:
            parts.append("off-label or approved in the US only at this age: " + ", ".join(dict.fromkeys(flagged_young)))
        revised.append(Outcome.applicable("FT-01", card="paediatric-label-ages", facts=(age_fact(p, as_of),),
                                          params={**card_params(p), "age": str(age)}, reason="; ".join(parts)))
    return tuple(revised)
