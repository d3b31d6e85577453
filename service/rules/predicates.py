"""Shared population predicates and fact helpers for every rule module (pure, no rows here).

Grade, site, extent, SSTR and therapy-history questions that several decision-table groups ask
live here once, so every row answers them the same way. Each predicate that cannot decide
returns ``None`` (or an INSUFFICIENT outcome): missing data is never a negative finding.
"""
from __future__ import annotations

from dataclasses import replace
from datetime import date, timedelta
from typing import Any, Iterable, Mapping

from service.picture.dates import shift
from service.picture.model import (
    Agent,
    Differentiation,
    Extent,
    Fact,
    FactState,
    Grade,
    Ki67,
    Medication,
    NetPicture,
    PrimarySite,
    Resectability,
    Scope,
    SstrStatus,
    Syndrome,
    Therapy,
    TherapyStatus,
)
from service.rules.outcome import FactUse, Outcome, Status, _outcome, age_words, unknown
from service.rules.registry import RuleKnowledge

LOW_GRADES = frozenset({Grade.G1, Grade.G2})
SSTR_POSITIVE = frozenset({SstrStatus.POSITIVE_ALL, SstrStatus.POSITIVE_HETEROGENEOUS,
                           SstrStatus.POSITIVE_DEGREE_UNKNOWN})
SSTR_NOT_PRRT = frozenset({SstrStatus.POSITIVE_HETEROGENEOUS, SstrStatus.LOWER_THAN_LIVER,
                           SstrStatus.NEGATIVE})
SYSTEMIC = frozenset({Agent.SSA, Agent.EVEROLIMUS, Agent.SUNITINIB, Agent.CABOZANTINIB, Agent.PRRT,
                      Agent.CAPTEM, Agent.STREPTOZOCIN, Agent.PLATINUM_ETOPOSIDE, Agent.OTHER_CHEMOTHERAPY,
                      Agent.IMMUNOTHERAPY, Agent.INTERFERON, Agent.BELZUTIFAN})
NON_SSA_SYSTEMIC = SYSTEMIC - {Agent.SSA}
MIDGUT_SITES = frozenset({PrimarySite.MIDGUT, PrimarySite.UNKNOWN})

SITE_WORDS = {
    PrimarySite.PANCREAS: "pancreatic",
    PrimarySite.MIDGUT: "midgut",
    PrimarySite.LUNG_THYMUS: "lung/thymic",
    PrimarySite.OTHER_GI: "GI",
    PrimarySite.UNKNOWN: "unknown-primary",
    PrimarySite.OTHER: "",
}
_DETAIL_WORDS = {"ileum": "ileal", "jejunum": "jejunal", "appendix": "appendiceal", "stomach": "gastric",
                 "duodenum": "duodenal", "rectum": "rectal", "colon": "colonic", "thymus": "thymic",
                 "lung": "lung", "caecum": "caecal", "cecum": "caecal", "small intestine": "small-bowel",
                 "pancreas": "pancreatic", "sigmoid colon": "sigmoid-colon", "ascending colon": "colonic",
                 "transverse colon": "colonic", "descending colon": "colonic", "bronchus": "bronchial",
                 "oesophagus": "oesophageal", "esophagus": "oesophageal", "ampulla": "ampullary",
                 "anal canal": "anal", "cervix": "cervical", "bladder": "bladder", "prostate": "prostatic"}


def site_words(p: NetPicture) -> str:
    """Plain words for the primary site (card placeholder ``{site}``)."""
    if p.site_detail.known:
        detail = str(p.site_detail.value).strip().lower()
        if detail in _DETAIL_WORDS:
            return _DETAIL_WORDS[detail]
    if p.primary_site.known:
        return SITE_WORDS.get(p.primary_site.value, "") or "this"  # type: ignore[arg-type]
    return "this"


def card_params(p: NetPicture) -> dict[str, str]:
    params = {"site": site_words(p)}
    if p.grade.known:
        params["grade"] = p.grade.value.value  # type: ignore[union-attr]
        ends = [g for _, g in p.ki67_ends]
        if len(ends) == 2 and None not in ends and ends[0] != ends[1]:
            params["grade"] = f"{ends[0].value}-{ends[1].value}"   # a Ki-67 range across a grade cut-off
    if p.ki67.known:
        k: Ki67 = p.ki67.value  # type: ignore[assignment]
        params["ki67"] = ki67_text(k)
    return params


def ki67_text(k: Ki67) -> str:
    if k.low is not None:
        return f"{k.low:g}-{k.percent:g} %"
    prefix = "" if k.comparator == "=" else k.comparator
    return f"{prefix}{k.percent:g} %"


def ki67_at_least(k: Ki67, threshold: float) -> bool | None:
    """Is the reported Ki-67 >= threshold? None when the report cannot say (e.g. "<12 %" vs 10)."""
    if k.comparator == "<":
        return False if k.percent <= threshold else None
    if k.comparator == "<=":
        return False if k.percent < threshold else None
    if k.comparator in (">", ">="):
        return True if k.percent >= threshold else None
    if k.low is not None:
        if k.low >= threshold:
            return True
        return False if k.percent < threshold else None
    return k.percent >= threshold


def ki67_at_most(k: Ki67, threshold: float) -> bool | None:
    """Is the reported Ki-67 <= threshold? None when the report cannot say."""
    if k.comparator in ("<", "<="):
        return True if k.percent <= threshold else None
    if k.comparator in (">", ">="):
        return False if k.percent >= threshold else None
    if k.low is not None:
        if k.percent <= threshold:
            return True
        return False if k.low > threshold else None
    return k.percent <= threshold


def ki67_low(p: NetPicture, threshold: float) -> bool | None:
    """Ki-67 below ``threshold``; a G1 tumour without a Ki-67 value counts as low. None = cannot say."""
    if not unknown(p.ki67):
        at_least = ki67_at_least(p.ki67.value, threshold)  # type: ignore[arg-type]
        return None if at_least is None else not at_least
    if p.grade.is_(Grade.G1):
        return True
    return None


def grade_fact(p: NetPicture, name: str = "WHO grade") -> FactUse:
    """The WHO grade with what it was computed from: "G2 (Ki-67 12 %)" (not only the source's text)."""
    return _valued_fact(name, p.grade)


def extent_fact(p: NetPicture, name: str = "Disease extent") -> FactUse:
    """The extent with how it was reached: "localized (judged resectable, no metastasis coded)"."""
    return _valued_fact(name, p.extent)


def _valued_fact(name: str, fact: Fact) -> FactUse:  # type: ignore[type-arg]
    if not fact.known:
        return FactUse.of(name, fact)
    words = str(getattr(fact.value, "value", fact.value)).replace("_", " ")
    basis = fact.note or next((s.display for s in reversed(fact.sources) if s.display), "")
    if not basis or basis == words:
        return FactUse.of(name, fact, words)
    return FactUse.of(name, fact, basis if words.lower() in basis.lower() else f"{words} ({basis})")


def fact_uses(p: NetPicture, *names: str) -> tuple[FactUse, ...]:
    """FactUse for the named picture facts that are on record (by picture field name)."""
    labels = {
        "primary_site": "Primary site", "site_detail": "Site", "grade": "WHO grade", "ki67": "Ki-67",
        "extent": "Disease extent", "sstr": "SSTR imaging", "progression": "Progression (12 months)",
        "resectability": "Resectability", "hepatic_burden_percent": "Hepatic tumour burden",
        "liver_dominant": "Liver-dominant disease", "liver_metastases": "Liver metastases",
        "carcinoid_syndrome": "Carcinoid syndrome", "tumor_size_cm": "Tumour size",
        "newly_diagnosed": "Newly diagnosed (no prior systemic therapy)",
        "bowel_movements_per_day": "Bowel movements per day", "flushing_per_day": "Flushing episodes per day",
        "abdominal_pain": "Abdominal pain", "lung_type": "Lung carcinoid type", "gastric_type": "Gastric NET type",
        "bilio_enteric_anastomosis": "Bilio-enteric anastomosis", "carcinoid_heart_disease": "Carcinoid heart disease",
        "hypoglycaemia": "Hypoglycaemia", "differentiation": "Differentiation", "age_years": "Age",
        "pregnant": "Pregnant", "refractory_carcinoid_syndrome": "Refractory carcinoid syndrome",
        "venous_thromboembolism": "Venous thromboembolism (DVT/PE)", "hyperparathyroidism": "Hyperparathyroidism",
        "dpd_deficiency": "DPD deficiency", "breastfeeding": "Breast-feeding", "fdg_avid": "FDG PET",
    }
    out = []
    for name in names:
        value = getattr(p, name)
        if value.known:
            if name in ("grade", "extent"):
                out.append(_valued_fact(labels[name], value))
            elif name == "age_years":
                out.append(age_fact(p, None))
            elif name == "newly_diagnosed" and value.note:
                out.append(FactUse.of(labels[name], value, f"{'yes' if value.value else 'no'}: {value.note}"))
            else:
                out.append(FactUse.of(labels.get(name, name), value))
    return tuple(out)


# Labs with critical limits in the knowledge (critical_<lab>_below / critical_<lab>_above), their card label and unit.
_CRITICAL_LABS = {"potassium": ("Potassium", "mmol/L"), "magnesium": ("Magnesium", "mmol/L"),
                  "glucose": ("Glucose", "mg/dL")}


def beyond_critical(thresholds: Mapping[str, Any], lab: str, value: float) -> tuple[str, float] | None:
    """("below" | "above", limit) when ``value`` of ``lab`` is beyond a critical limit of the knowledge
    (``critical_<lab>_below``: value < limit; ``critical_<lab>_above``: value >= limit), else None. Shared by the
    rules (a critical fact) and the renderer (a recent critical value is requested again, never skipped)."""
    for side, test in (("below", lambda v, t: v < t), ("above", lambda v, t: v >= t)):
        threshold = thresholds.get(f"critical_{lab}_{side}")
        if threshold is not None and test(value, float(threshold.value)):
            return side, float(threshold.value)
    return None


def recent_critical(thresholds: Mapping[str, Any], lab: str, fact: Fact, as_of: date, max_days: float) -> bool:
    """``fact`` (a lab of the picture) is known, at most ``max_days`` old and beyond a critical limit: the one test
    both F-09 (what it asks for) and the renderer (which lab requests it drafts) apply to a recent value."""
    return (fact.known and fact.date is not None and 0 <= (as_of - fact.date).days <= max_days
            and beyond_critical(thresholds, lab, float(fact.value)) is not None)  # type: ignore[arg-type]


def lab_fact(p: NetPicture, k: RuleKnowledge, lab: str) -> FactUse | None:
    """The lab value on record (canonical unit, with its date and reference), or None when none is known.

    Beyond a critical limit of the knowledge (``critical_<lab>_below``/``_above``) the fact is marked critical
    and says so ("2.8 mmol/L (critically low: below 3 mmol/L)"): the card citing it is shown with indicator
    "critical" -- when the value is at most ``critical_value_max_days`` old (an older one is shown as "low").
    """
    fact = getattr(p.labs, lab)
    if not fact.known:
        return None
    name, unit = _CRITICAL_LABS[lab]
    value = float(fact.value)
    words = f"{round(value, 2):g} {unit}"
    raw = FactUse.of(name, fact).display
    if raw and raw.replace(" ", "") != words.replace(" ", ""):
        words += f" ({raw})"          # the value as reported, when in another unit
    critical = False
    recent = fact.date is not None and (p.as_of - fact.date).days <= k.threshold("critical_value_max_days")
    beyond = beyond_critical(k.whole.thresholds, lab, value)
    if beyond is not None:
        side, limit = beyond
        critical = recent     # an older critical value is shown, dated, but does not make the card critical
        words += f" ({'critically ' if recent else ''}{'low' if side == 'below' else 'high'}: {side} {limit:g} {unit})"
    base = FactUse.of(name, fact, words)
    return replace(base, critical=critical)


def lab_facts(p: NetPicture, k: RuleKnowledge, *labs: str) -> tuple[FactUse, ...]:
    """``lab_fact`` of each lab on record."""
    return tuple(f for lab in labs if (f := lab_fact(p, k, lab)) is not None)


def age_fact(p: NetPicture, as_of: date | None) -> FactUse:
    """The patient's age on ``as_of`` (the fact's date), never dated with the birth date (the source's date):
    "43 years (born 1983-06-06)". Without ``as_of`` the fact has no date."""
    base = FactUse.of("Age", p.age_years)
    born = f" ({base.display})" if base.display.startswith("born") else ""
    return FactUse(name="Age", display=f"{p.age_years.value} years{born}", date=as_of, reference=base.reference)


def growth_facts(p: NetPicture) -> tuple[FactUse, ...]:
    """Tumour growth per year and volume doubling time, when known, with the two sizes they come from."""
    out = []
    growth, doubling = p.tumor_growth_cm_per_year, p.tumor_doubling_time_days
    if growth.known:
        out.append(FactUse.of("Tumour growth", growth, f"{float(growth.value):+.2f} cm/year ({growth.note})"))  # type: ignore[arg-type]
    if doubling.known:
        out.append(FactUse.of("Volume doubling time", doubling, f"{float(doubling.value):.0f} days"))  # type: ignore[arg-type]
    return tuple(out)


def rapid_growth(p: NetPicture, *, doubling_days_below: float | None = None,
                 cm_per_year_at_least: float | None = None) -> bool | None:
    """Is the primary growing fast by a volume doubling time below ``doubling_days_below`` or a diameter growth of
    at least ``cm_per_year_at_least``? Only current (PRESENT) growth counts: a stale or missing growth rate gives
    None (cannot say), never "not growing". Growth <= 0 is not growing (its doubling time is MISSING by design)."""
    growth, doubling = p.tumor_growth_cm_per_year, p.tumor_doubling_time_days
    present = growth.known and growth.state is FactState.PRESENT
    if present and float(growth.value) <= 0:  # type: ignore[arg-type]
        return False
    checks: list[bool | None] = []
    if doubling_days_below is not None:
        current = doubling.known and doubling.state is FactState.PRESENT
        checks.append(float(doubling.value) < doubling_days_below if current else None)  # type: ignore[arg-type]
    if cm_per_year_at_least is not None:
        checks.append(float(growth.value) >= cm_per_year_at_least if present else None)  # type: ignore[arg-type]
    if any(c is True for c in checks):
        return True
    if checks and all(c is False for c in checks):
        return False
    return None


def syndrome_facts(p: NetPicture, syndrome: Syndrome) -> tuple[FactUse, ...]:
    """The records of a functional syndrome (with dates); the bare name only when none is on record."""
    words = syndrome.value
    sources = [s for s in p.syndrome_sources if words[:6] in (s.display or "").lower()] or list(p.syndrome_sources)
    if not sources:
        return (FactUse(name="Functional syndrome", display=words),)
    return tuple(FactUse(name="Functional syndrome", display=s.display or words, date=s.date, reference=s.reference)
                 for s in sources)


def syndrome_list_facts(p: NetPicture) -> tuple[FactUse, ...]:
    """Every functional-syndrome record (with dates), for cards of rows that are not syndrome rows."""
    return tuple(FactUse.of_source("Functional syndrome", s)
                 for s in p.syndrome_sources)


NO_DATE = "date not recorded"


def therapy_fact(t: Therapy, state: str) -> FactUse:
    """One therapy exposure as a fact, dated with its start (the order's authoredOn / the statement's or
    administration's effective date, as the picture merged them); without one the text says so."""
    words = state if t.start is not None else f"{state}; {NO_DATE}"
    return FactUse(name="Therapy", display=f"{t.drug} ({words})", date=t.start,
                   reference=t.references[0] if t.references else None)


def medication_fact(m: Medication) -> FactUse:
    """A current (non-antitumour) medication, dated with its start or order date when the record has one;
    without one the text says "date not recorded"; the reference leads to the order itself."""
    words = "current" if m.date is not None else f"current; {NO_DATE}"
    return FactUse(name="Current medication", display=f"{m.name} ({words})", date=m.date, reference=m.reference)


def _in_order(agents: Iterable[Agent]) -> Iterable[Agent]:
    """The agents in the caller's order; a set in a fixed order (a set's order changes between processes)."""
    return sorted(agents, key=lambda a: a.value) if isinstance(agents, (set, frozenset)) else agents


def therapy_facts(p: NetPicture, agents: Iterable[Agent]) -> tuple[FactUse, ...]:
    out = []
    for agent in _in_order(agents):
        for t in p.therapies_of(agent):
            if t.status is TherapyStatus.PLANNED:
                continue
            out.append(therapy_fact(t, "progressed on it" if t.progressed_on else t.status.value))
    return tuple(out)


def needs_data(rule_id: str, p: NetPicture, missing: tuple[str, ...], *, card: str | None = None,
               reason: str = "", facts: tuple[FactUse, ...] = ()) -> Outcome:
    """INSUFFICIENT outcome; with ``card`` it renders a needs-data card filled with the patient's site/grade."""
    return _outcome(rule_id, Status.INSUFFICIENT, card, tuple(facts), tuple(missing), reason,
                    card_params(p) if card else {})


def well_differentiated_low_grade(rule_id: str, p: NetPicture) -> Outcome | None:
    """None when the tumour is a WD NET G1/G2; otherwise the outcome that stops the row."""
    if p.scope is not Scope.NET:
        return Outcome.not_applicable(rule_id, f"scope is {p.scope.value}; this row is for WD NET G1/G2")
    if p.differentiation.is_(Differentiation.POOR) or p.grade.is_(Grade.NEC):
        return Outcome.not_applicable(rule_id, "poorly differentiated NEC: NEC pathway")
    if p.differentiation.is_(Differentiation.MIXED):
        return Outcome.not_applicable(rule_id, "MiNEN: managed by its most aggressive component (G-04)")
    if unknown(p.grade):
        return Outcome.insufficient(rule_id, ("WHO grade (Ki-67 and mitotic count)",),
                                    reason="grade not known")
    if p.grade.value not in LOW_GRADES:
        return Outcome.not_applicable(rule_id, "WD NET G3: G3 rows apply")
    return None


def site_is(rule_id: str, p: NetPicture, sites: frozenset[PrimarySite], what: str) -> Outcome | None:
    if unknown(p.primary_site):
        return Outcome.insufficient(rule_id, ("primary tumour site",), reason="primary site not known")
    if p.primary_site.value not in sites:
        return Outcome.not_applicable(rule_id, f"primary site is {p.primary_site.value.value}, row is for {what}")  # type: ignore[union-attr]
    return None


def is_advanced(p: NetPicture) -> bool | None:
    """Metastatic, or locoregional and not (completely) resectable.

    None when it cannot be told: extent unknown, or locoregional disease whose resectability
    has not been assessed (locoregional NET is often resectable: never assume either way).
    """
    if unknown(p.extent):
        return None
    if p.extent.value is Extent.METASTATIC:
        return True
    if p.extent.value is Extent.LOCOREGIONAL:
        if unknown(p.resectability):
            return None
        return not p.resectability.is_(Resectability.RESECTABLE)
    return False


def advanced(rule_id: str, p: NetPicture) -> Outcome | None:
    state = is_advanced(p)
    if state is None:
        return Outcome.insufficient(rule_id, ("disease extent (staging imaging)",), reason="extent not known")
    if not state:
        return Outcome.not_applicable(rule_id, "localized or resectable disease: surgery (G-01)")
    if p.r0_resection.is_(True) and not p.progression.is_(True):
        return Outcome.not_applicable(rule_id, "after R0 resection without recurrence: no adjuvant therapy (NR-08)")
    return None


def progression_known(rule_id: str, p: NetPicture) -> Outcome | None:
    if unknown(p.progression):
        return Outcome.insufficient(
            rule_id, ("documented progression within 12 months (RECIST 1.1 imaging)",),
            reason="progression status not on record",
        )
    return None


def received(p: NetPicture, agent: Agent) -> bool:
    """Has started this therapy (planned orders do not count)."""
    return p.ever_had(agent)


def progressed_on(p: NetPicture, agent: Agent) -> bool:
    """Documented progression (within 12 months) while on / after starting this therapy class."""
    if not p.progression.is_(True):
        return False
    when = p.progression_date.value if p.progression_date.known else None
    for t in p.therapies_of(agent):
        if t.status is TherapyStatus.PLANNED or t.progressed_on is False:
            continue
        if t.progressed_on is True or when is None or t.start is None or t.start <= when:
            return True
    return False


def progressed_after(p: NetPicture, agent: Agent) -> bool:
    """Documented progression (within 12 months) at any time after starting this therapy class: on it or
    after it ended (decision table M-07 "progression after PRRT and/or everolimus"; ``progressed_on`` asks
    for progression during the course)."""
    if not p.progression.is_(True):
        return False
    when = p.progression_date.value if p.progression_date.known else None
    for t in p.therapies_of(agent):
        if t.status is TherapyStatus.PLANNED:
            continue
        if t.first_progression is not None or t.progressed_on is True:
            return True
        if when is None or t.start is None or t.start <= when:
            return True
    return False


def had_any(p: NetPicture, agents: Iterable[Agent]) -> bool:
    return any(received(p, a) for a in agents)


def newly_diagnosed(p: NetPicture) -> bool | None:
    """No prior antitumour systemic therapy. None when the record cannot say."""
    if had_any(p, SYSTEMIC):
        return False
    if p.newly_diagnosed.known:
        return bool(p.newly_diagnosed.value)
    return None


def pregnancy_possible(p: NetPicture, age_min: float, age_max: float) -> bool:
    """Whether pregnancy or breast-feeding lines apply to this patient: never for a man; always when a pregnancy
    or breast-feeding is on record; otherwise for a woman (or sex not recorded) of child-bearing age
    (``childbearing_age_min``..``childbearing_age_max``, knowledge) or of unknown age (missing is not negative).
    NEC review 2026-12: no pregnancy lines for an 80-year-old woman."""
    if p.sex.is_("male"):
        return False
    if p.pregnant.is_(True) or p.breastfeeding.is_(True):
        return True
    if p.age_years.known:
        return age_min <= p.age_years.value <= age_max  # type: ignore[operator]
    return True


def functional_carcinoid(p: NetPicture) -> bool:
    return p.has_syndrome(Syndrome.CARCINOID) or p.carcinoid_syndrome.is_(True)


def any_functional(p: NetPicture) -> bool:
    return bool(p.syndromes) or p.carcinoid_syndrome.is_(True)


def days_old(fact: Fact, as_of: date) -> int | None:  # type: ignore[type-arg]
    """Days from the fact's (newest) date to ``as_of``; None when unknown or undated."""
    if not fact.known or fact.date is None:
        return None
    return (as_of - fact.date).days


def sstr_outdated(p: NetPicture, k: RuleKnowledge) -> tuple[str, tuple[FactUse, ...]] | None:
    """Why the SSTR imaging on record cannot decide PRRT now (None when it can): older than
    ``sstr_imaging_max_age_days``, or more than ``sstr_before_progression_days`` older than the latest
    documented progression (imaging of the restaging work-up counts), or older than a metastasis diagnosis
    recorded since (new disease may not take up the tracer)."""
    when = p.sstr.date
    if when is None:
        return "SSTR imaging without a date", ()
    limit = int(k.threshold("sstr_imaging_max_age_days"))
    age = (p.as_of - when).days
    if age > limit:
        return (f"the last SSTR imaging ({when.isoformat()}, {age_words(when, p.as_of)}) is older than "
                f"{round(limit / 30.4)} months"), ()
    window = k.threshold("sstr_before_progression_days")
    if (p.progression.is_(True) and p.progression_date.known
            and p.progression_date.value > shift(when, window)):  # type: ignore[operator]
        prog = p.progression_date.value
        return (f"the last SSTR imaging ({when.isoformat()}) predates the progression of {prog.isoformat()}",  # type: ignore[union-attr]
                (FactUse.of("Latest progression", p.progression_date, f"progression {prog.isoformat()}"),))  # type: ignore[union-attr]
    new_mets = [s for f in (p.extent, p.liver_metastases) if f.known for s in f.sources
                if s.date is not None and s.date > when and (s.reference or "").startswith("Condition/")]
    if new_mets:
        newest = max(new_mets, key=lambda s: s.date)  # type: ignore[arg-type,return-value]
        return (f"the last SSTR imaging ({when.isoformat()}) predates metastases recorded "
                f"{newest.date.isoformat()}",  # type: ignore[union-attr]
                (FactUse(name="Metastases recorded since", display=newest.display or "metastasis",
                         date=newest.date, reference=newest.reference),))
    return None


def sstr_needs_data(rule_id: str, p: NetPicture, k: RuleKnowledge, card: str = "prrt-needs-sstr") -> Outcome | None:
    """For PRRT rows: SSTR missing or positive without the liver comparison -> needs-data card;
    any other state that is not positive_all -> not applicable; positive_all on imaging too old for the
    decision (``sstr_outdated``) -> needs-data card asking for a repeat SSTR PET/CT. None when positive_all
    on current imaging."""
    if unknown(p.sstr):
        return needs_data(rule_id, p, ("SSTR PET/CT with uptake compared with liver",), card=card,
                          reason="no SSTR imaging on record")
    if p.sstr.value is SstrStatus.POSITIVE_DEGREE_UNKNOWN:
        return needs_data(rule_id, p, ("SSTR uptake of each target lesion compared with liver",), card=card,
                          facts=fact_uses(p, "sstr"), reason="SSTR positive, degree vs liver not stated")
    if p.sstr.value is not SstrStatus.POSITIVE_ALL:
        return Outcome.not_applicable(rule_id, f"SSTR {p.sstr.value.value}: PRRT requires uptake >= liver in all lesions")  # type: ignore[union-attr]
    outdated = sstr_outdated(p, k)
    if outdated is not None:
        why, extra = outdated
        return needs_data(rule_id, p, (f"repeat SSTR PET/CT: {why}",), card=card,
                          facts=fact_uses(p, "sstr") + extra, reason=f"SSTR uptake >= liver, but {why}")
    return None


def ki67_outdated(p: NetPicture, k: RuleKnowledge) -> tuple[str, ...]:
    """Where the Ki-67 decides a row: what is missing when it is older than ``ki67_max_age_days`` (the grade
    can rise over time; a recent biopsy is asked for, the old value still decides)."""
    when = p.ki67.date if p.ki67.known else None
    if when is None or (p.as_of - when).days <= k.threshold("ki67_max_age_days"):
        return ()
    return (f"a recent Ki-67: the last ({when.isoformat()}, {age_words(when, p.as_of)}) decides here; re-biopsy "
            "if the course has changed",)


# Plain words for the Labs fields a rule may list as missing or to repeat.
LAB_WORDS = {
    "creatinine_clearance": "creatinine clearance", "egfr": "eGFR", "creatinine": "creatinine",
    "hemoglobin": "haemoglobin", "wbc": "white cell count", "neutrophils": "neutrophils",
    "platelets": "platelets", "bilirubin": "bilirubin", "albumin": "albumin", "alt": "ALT", "ast": "AST",
    "glucose": "fasting glucose or HbA1c", "hba1c": "HbA1c", "cholesterol": "lipids (cholesterol, triglycerides)",
}


def labs_not_current(p: NetPicture, names: Iterable[str], max_days: float) -> tuple[list[str], list[FactUse]]:
    """The labs of ``names`` (Labs fields) that are missing or older than ``max_days``: (what to obtain or
    repeat, in words with the last date and age; the outdated results as facts)."""
    todo: list[str] = []
    old: list[FactUse] = []
    for name in names:
        fact = getattr(p.labs, name)
        words = LAB_WORDS.get(name, name)
        if not fact.known:
            todo.append(f"{words} (not on record)")
            continue
        when = fact.date
        if when is None or (p.as_of - when).days > max_days:
            last = f"last {when.isoformat()}, {age_words(when, p.as_of)}" if when else "undated"
            todo.append(f"{words} ({last}: repeat)")
            old.append(FactUse.of(words[:1].upper() + words[1:], fact))
    return todo, old


def prrt_labs_needed(rule_id: str, p: NetPicture, k: RuleKnowledge) -> Outcome | None:
    """For PRRT suggestions: the eligibility labs (``lists.prrt_eligibility_labs``) must be on record and no
    older than ``prrt_labs_max_age_days``; otherwise the row gives the ``prrt-needs-labs`` card (obtain or
    repeat them before the first dose) instead of the suggestion. None when they are current."""
    limit = k.threshold("prrt_labs_max_age_days")
    todo, old = labs_not_current(p, k.values("prrt_eligibility_labs"), limit)
    if not todo:
        return None
    return needs_data(rule_id, p, tuple(todo), card="prrt-needs-labs", facts=tuple(old),
                      reason=f"PRRT fits this row, but its eligibility labs are missing or older than {limit:g} days")


def prrt_gates(rule_id: str, p: NetPicture, k: RuleKnowledge) -> Outcome | None:
    """Every PRRT suggestion passes these first: current SSTR imaging >= liver everywhere (``sstr_needs_data``),
    then current eligibility labs (``prrt_labs_needed``). None when both hold."""
    return sstr_needs_data(rule_id, p, k) or prrt_labs_needed(rule_id, p, k)


def first(*checks: Outcome | None) -> Outcome | None:
    for check in checks:
        if check is not None:
            return check
    return None


def on_ssa_for(p: NetPicture, as_of: date, months: float) -> bool | None:
    """Currently on an SSA that started at least ``months`` ago. None when start dates are unknown."""
    active = [t for t in p.therapies_of(Agent.SSA) if t.status is TherapyStatus.ACTIVE]
    if not active:
        return False
    starts = [t.start for t in active if t.start is not None]
    if not starts:
        return None
    return min(starts) <= as_of - timedelta(days=round(months * 30.4))




_ACTIVE_OR_PLANNED = (TherapyStatus.ACTIVE, TherapyStatus.PLANNED)


def in_play(p: NetPicture, agent: Agent) -> bool:
    """The patient is on this therapy class now or it is ordered/planned."""
    return any(t.status in _ACTIVE_OR_PLANNED for t in p.therapies_of(agent))


def is_nec(p: NetPicture) -> bool:
    return (p.scope is Scope.NEC or p.differentiation.is_(Differentiation.POOR)
            or p.grade.is_(Grade.NEC))


def well_differentiated(p: NetPicture) -> bool | None:
    """True for a WD NET (differentiation well); False for NEC/MiNEN; None when not stated."""
    if is_nec(p) or p.scope is Scope.MINEN or p.differentiation.is_(Differentiation.MIXED):
        return False
    if p.differentiation.is_(Differentiation.WELL):
        return True
    return None


def exposure_facts(p: NetPicture, *agents: Agent) -> tuple[FactUse, ...]:
    """Every exposure to these therapy classes, planned orders included ("belzutifan (planned)")."""
    out = []
    for agent in _in_order(agents):
        for t in p.therapies_of(agent):
            out.append(therapy_fact(t, t.status.value))
    return tuple(out)


# Antitumour therapies that answer a documented progression (SSA excluded: progression on it is the trigger).
_ANSWERS_PROGRESSION = frozenset({Agent.EVEROLIMUS, Agent.SUNITINIB, Agent.CABOZANTINIB, Agent.PRRT,
                                  Agent.CAPTEM, Agent.STREPTOZOCIN, Agent.PLATINUM_ETOPOSIDE,
                                  Agent.OTHER_CHEMOTHERAPY, Agent.IMMUNOTHERAPY, Agent.BELZUTIFAN,
                                  Agent.LIVER_DIRECTED})


def progression_being_treated(p: NetPicture) -> tuple[FactUse, ...]:
    """The therapies started on/after the latest progression and still running (or scheduled).

    Non-empty means the documented progression already has an answer (e.g. PRRT in course,
    everolimus started since): rows triggered by that progression alone should not propose yet
    another line. Empty when nothing answers it (or dates do not allow the judgement).
    """
    if not p.progression.is_(True):
        return ()
    when = p.progression_date.value if p.progression_date.known else None
    out = []
    for t in p.therapies:
        if t.agent not in _ANSWERS_PROGRESSION or t.progressed_on is True:
            continue
        running = t.status is TherapyStatus.ACTIVE or (t.agent is Agent.PRRT and p.next_prrt_date.known)
        if not running:
            continue
        if t.progressed_on is False or (when is not None and t.start is not None and t.start >= when):
            out.append(FactUse(name="Therapy since progression", display=f"{t.drug} ({t.status.value})",
                               date=t.start, reference=t.references[0] if t.references else None))
    return tuple(out)


def primary_resected(p: NetPicture) -> bool:
    """A resection of the primary tumour is on record."""
    return p.r0_resection.is_(True) or any(p.has_procedure(kind) for kind in PRIMARY_RESECTIONS)


PRIMARY_RESECTIONS = ("resection", "r0-resection", "pancreaticoduodenectomy")


def ssa_escalation_card(p: NetPicture) -> str:
    """The SSA escalation card for the depot the patient is on: lanreotide -> 120 mg every 14 days
    (``ssa-escalation-lanreotide``); octreotide LAR -> 30 mg every 3 weeks or 60 mg every 4 weeks
    (``ssa-escalation-octreotide``); neither known (or both) -> every step (``ssa-escalation-symptoms``).
    Its draft replaces the current depot order (decision table M-08: escalation is a change of the SSA)."""
    depots = {t.drug.lower() for t in p.therapies_of(Agent.SSA)
              if t.status is TherapyStatus.ACTIVE and t.long_acting is True}
    lanreotide = any("lanreotide" in d for d in depots)
    octreotide = any("octreotide" in d for d in depots)
    if lanreotide and not octreotide:
        return "ssa-escalation-lanreotide"
    if octreotide and not lanreotide:
        return "ssa-escalation-octreotide"
    return "ssa-escalation-symptoms"


def refractory_symptoms(rule_id: str, p: NetPicture, as_of: date, k: RuleKnowledge,
                        *, flushing_only: bool = False) -> Outcome | None:
    """None when carcinoid-syndrome symptoms are refractory on SSA (>= 3 months)."""
    if p.scope is not Scope.NET:
        return Outcome.not_applicable(rule_id, f"scope is {p.scope.value}")
    if not functional_carcinoid(p):
        return Outcome.not_applicable(rule_id, "no carcinoid syndrome on record")
    long_enough = on_ssa_for(p, as_of, k.threshold("ssa_min_months_refractory"))
    if long_enough is None:
        return Outcome.insufficient(rule_id, ("start date of the somatostatin analogue",), reason="SSA start unknown")
    if not long_enough:
        return Outcome.not_applicable(rule_id, "not on a standard-dose SSA for 3 months yet: optimise SSA first")
    bm, flush = p.bowel_movements_per_day, p.flushing_per_day
    diarrhoea = bm.known and float(bm.value) >= k.threshold("refractory_bm_per_day")  # type: ignore[arg-type]
    flushing = flush.known and float(flush.value) >= k.threshold("refractory_flushing_per_day")  # type: ignore[arg-type]
    if flushing_only:
        if flushing:
            return None
        if unknown(flush):
            return Outcome.insufficient(rule_id, ("flushing episodes per day",), reason="flushing frequency unknown")
        return Outcome.not_applicable(rule_id, "no daily flushing on SSA")
    if diarrhoea or flushing or p.refractory_carcinoid_syndrome.is_(True):
        return None
    if unknown(bm) and unknown(flush) and unknown(p.refractory_carcinoid_syndrome):
        return Outcome.insufficient(rule_id, ("bowel movements per day", "flushing episodes per day"),
                                    reason="symptom frequency not recorded")
    return Outcome.not_applicable(rule_id, "symptoms controlled on SSA")


_ANASTOMOSIS_PROCEDURES = ("pancreaticoduodenectomy", "bilio-enteric-anastomosis")


def has_bilio_enteric_anastomosis(p: NetPicture) -> bool | None:
    if p.bilio_enteric_anastomosis.is_(True) or any(p.has_procedure(kd) for kd in _ANASTOMOSIS_PROCEDURES):
        return True
    if p.bilio_enteric_anastomosis.known:
        return False
    if "procedures" in p.unavailable:
        return None
    return False  # procedures were read and none is an anastomosis


def anastomosis_facts(p: NetPicture) -> tuple[FactUse, ...]:
    out = [FactUse(name="Procedure", display=pr.display, date=pr.date, reference=pr.reference)
           for pr in p.procedures if pr.kind in _ANASTOMOSIS_PROCEDURES]
    if p.bilio_enteric_anastomosis.is_(True) and not out:
        out.append(FactUse.of("Bilio-enteric anastomosis", p.bilio_enteric_anastomosis))
    return tuple(out)


def drug_words(name: str) -> str:
    """A medication's name without strength and directions, lower case ("Clarithromycin 500 MG Oral Tablet" ->
    "clarithromycin"), so one drug recorded twice reads once."""
    words = []
    for word in name.split():
        if any(ch.isdigit() for ch in word):
            break
        words.append(word)
    return (" ".join(words) or name).lower()
