"""Midgut / small-intestine NET and unknown primary, well-differentiated G1-G2 (decision table 4.2).

Every row below needs: scope NET, well-differentiated, WHO grade G1 or G2 (G3 -> G3 rows, NEC ->
NEC rows; grade unknown -> insufficient data), primary site midgut or unknown primary (M-11),
and -- except M-08/M-09/M-11 -- advanced disease (metastatic, or locoregional and not resectable).
"Progression" is the picture's documented progression within 12 months (RECIST/disease status);
rising chromogranin A alone is never progression. Numbers come from ``cards/knowledge/midgut.yaml``.

M-01 — watch-and-wait  (seed 002; NCCN observation option; ENETS SI-NET 2024)
    When: advanced, stable (no progression), no carcinoid syndrome, Ki-67 < ki67_clarinet_low_max
          (10 %; G1 without Ki-67 counts as low), hepatic burden < surveillance_hepatic_burden_max
          (10 %; no liver metastases = 0 %), not on an SSA.
    Then: RECOMMEND active surveillance (CT/MRI q3-6 mo) *or* an SSA (M-02 shows the SSA).
M-02 — first-line SSA  (PROMID TTP 14.3 vs 6.0 mo; CLARINET PFS NR vs 18.0 mo)
    When: advanced, SSTR positive of any degree, not on an SSA and not progressed on one.
    Then: RECOMMEND octreotide LAR 30 mg q4w or lanreotide 120 mg q4w (one, not both).
    SSTR imaging missing -> insufficient (G-06 asks for it); negative/below liver -> not applicable.
M-03 — first-line PRRT  (NETTER-2 PFS 22.8 vs 8.5 mo)
    When: advanced, newly diagnosed (no prior antitumour systemic therapy), SSTR positive_all,
          prrt_first_line_ki67_min <= Ki-67 <= prrt_first_line_ki67_max (10-55 %).
    Then: CONSIDER Lu-177 dotatate x4 + octreotide LAR 30 mg (MDT). SSTR missing or degree
          unknown -> needs-data card (prrt-needs-sstr).
M-04 — PRRT after SSA  (NETTER-1 PFS NR vs 8.4 mo; FDA/EU label)
    When: advanced, progressive on an SSA, SSTR positive_all, no PRRT before.
    Then: RECOMMEND Lu-177 dotatate 7.4 GBq q8w x4. SSTR missing/degree unknown -> needs-data;
          heterogeneous/below liver/negative -> not applicable (NR-03 says why).
M-05 — everolimus  (RADIANT-4 PFS 11.0 vs 3.9 mo)
    When: advanced, non-functional (no carcinoid syndrome), progressive on an SSA, no everolimus before.
    Then: CONSIDER everolimus 10 mg daily (card says: if PRRT not possible or declined).
M-06 — SSTR-negative/heterogeneous progression  (RADIANT-4; CABINET)
    When: advanced, progressive on an SSA, SSTR negative, lower than liver or heterogeneous.
    Then: RECOMMEND everolimus if non-functional and not yet given; CONSIDER re-biopsy/MDT;
          RECOMMEND cabozantinib if a non-SSA systemic therapy already failed. Never PRRT.
M-07 — after PRRT and/or everolimus  (CABINET epNET PFS 8.4 vs 3.9 mo)
    When: advanced, progressive, PRRT or everolimus received before, no cabozantinib yet.
    Then: RECOMMEND cabozantinib 60 mg daily; CONSIDER the remaining one of PRRT (if SSTR
          positive_all) / everolimus (if non-functional), and a clinical trial.
M-08 — SSA escalation for symptoms  (CLARINET FORTE; NETTER-1 control arm 60 mg)
    When: carcinoid syndrome on an SSA for >= ssa_min_months_refractory (3 months) with refractory
          symptoms (>= refractory_bm_per_day bowel movements/day, daily flushing, or recorded refractory).
    Then: CONSIDER SSA escalation for symptom control (any site; shared card with F-02/F-03).
M-09 — interferon alfa  (SWOG S0518; seeds 000/002)
    When: interferon planned or active after progression on SSA and >= interferon_min_prior_non_ssa_lines
          (2) non-SSA lines.
    Then: CONSIDER interferon as a last resort; otherwise not applicable (first-line use is NR-13).
M-10 — primary / mesenteric resection  (seed 001; NANETS surgery 2017)
    When: small-intestine primary (not appendix, not unknown), advanced, no resection on record,
          abdominal pain documented (obstruction/ischaemia risk). Pain not recorded -> insufficient.
    Then: CONSIDER resection of primary and mesenteric mass; cholecystectomy if long-term SSA.
M-11 — unknown primary  (RADIANT-4 and CABINET included unknown primary)
    When: unknown primary, WD G1/G2.
    Then: RECOMMEND primary localisation; rows M-02..M-07 treat it as extra-pancreatic; sunitinib
          only once a pancreatic primary is established.

The predicates at the end of this module (grade, extent, SSTR, therapy history) are shared with
the other site modules (pancreas, lung, other_gi, liver, functional, hereditary).
"""
from __future__ import annotations

from datetime import date, timedelta
from typing import Iterable

from service.picture.model import (
    Agent,
    Differentiation,
    Extent,
    Grade,
    Ki67,
    NetPicture,
    PrimarySite,
    Resectability,
    Scope,
    SstrStatus,
    Syndrome,
    TherapyStatus,
)
from service.rules.outcome import FactUse, Outcome, Status, unknown
from service.rules.registry import RuleKnowledge, rule

# --------------------------------------------------------------------------- shared predicates

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
                 "lung": "lung", "caecum": "caecal", "cecum": "caecal", "small intestine": "small-bowel"}


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
    }
    out = []
    for name in names:
        value = getattr(p, name)
        if value.known:
            out.append(FactUse.of(labels.get(name, name), value))
    return tuple(out)


def therapy_facts(p: NetPicture, agents: Iterable[Agent]) -> tuple[FactUse, ...]:
    out = []
    for agent in agents:
        for t in p.therapies_of(agent):
            if t.status is TherapyStatus.PLANNED:
                continue
            state = "progressed on it" if t.progressed_on else t.status.value
            out.append(FactUse(name="Therapy", display=f"{t.drug} ({state})", date=t.start,
                               reference=t.references[0] if t.references else None))
    return tuple(out)


def needs_data(rule_id: str, p: NetPicture, missing: tuple[str, ...], *, card: str | None = None,
               reason: str = "", facts: tuple[FactUse, ...] = ()) -> Outcome:
    """INSUFFICIENT outcome; with ``card`` it renders a needs-data card filled with the patient's site/grade."""
    return Outcome(rule_id, Status.INSUFFICIENT, card, tuple(facts), tuple(missing), reason,
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
    """Metastatic, or locoregional and not resectable. None when extent is unknown."""
    if unknown(p.extent):
        return None
    if p.extent.value is Extent.METASTATIC:
        return True
    if p.extent.value is Extent.LOCOREGIONAL:
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


def had_any(p: NetPicture, agents: Iterable[Agent]) -> bool:
    return any(received(p, a) for a in agents)


def newly_diagnosed(p: NetPicture) -> bool | None:
    """No prior antitumour systemic therapy. None when the record cannot say."""
    if had_any(p, SYSTEMIC):
        return False
    if p.newly_diagnosed.known:
        return bool(p.newly_diagnosed.value)
    return None


def functional_carcinoid(p: NetPicture) -> bool:
    return p.has_syndrome(Syndrome.CARCINOID) or p.carcinoid_syndrome.is_(True)


def any_functional(p: NetPicture) -> bool:
    return bool(p.syndromes) or p.carcinoid_syndrome.is_(True)


def sstr_needs_data(rule_id: str, p: NetPicture, card: str = "prrt-needs-sstr") -> Outcome | None:
    """For PRRT rows: SSTR missing or positive without the liver comparison -> needs-data card;
    any other state that is not positive_all -> not applicable. None when positive_all."""
    if unknown(p.sstr):
        return needs_data(rule_id, p, ("SSTR PET/CT with uptake compared with liver",), card=card,
                          reason="no SSTR imaging on record")
    if p.sstr.value is SstrStatus.POSITIVE_DEGREE_UNKNOWN:
        return needs_data(rule_id, p, ("SSTR uptake of each target lesion compared with liver",), card=card,
                          facts=fact_uses(p, "sstr"), reason="SSTR positive, degree vs liver not stated")
    if p.sstr.value is not SstrStatus.POSITIVE_ALL:
        return Outcome.not_applicable(rule_id, f"SSTR {p.sstr.value.value}: PRRT requires uptake >= liver in all lesions")  # type: ignore[union-attr]
    return None


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


# --------------------------------------------------------------------------- the extra-pancreatic pathway
# M-02..M-07 logic, parameterised by row id so other_gi (O-06) and lung can reuse it.


def ssa_first_line(rule_id: str, p: NetPicture) -> Outcome:
    if p.on(Agent.SSA):
        return Outcome.not_applicable(rule_id, "already on a somatostatin analogue")
    if progressed_on(p, Agent.SSA):
        return Outcome.not_applicable(rule_id, "progressed on an SSA: second-line rows apply")
    if unknown(p.sstr):
        return Outcome.insufficient(rule_id, ("SSTR imaging (G-06)",), reason="no SSTR imaging on record")
    if p.sstr.value not in SSTR_POSITIVE:
        return Outcome.not_applicable(rule_id, f"SSTR {p.sstr.value.value}: low expected SSA benefit (NR-16)")  # type: ignore[union-attr]
    return Outcome.applicable(
        rule_id, card="ssa-first-line", params=card_params(p),
        facts=fact_uses(p, "primary_site", "grade", "ki67", "extent", "sstr"),
        reason="advanced SSTR-positive WD NET, no SSA yet",
    )


def prrt_first_line(rule_id: str, p: NetPicture, k: RuleKnowledge) -> Outcome:
    new = newly_diagnosed(p)
    if new is None:
        return Outcome.insufficient(rule_id, ("prior systemic therapy history",), reason="treatment history unknown")
    if not new:
        return Outcome.not_applicable(rule_id, "prior antitumour systemic therapy: not the NETTER-2 population")
    if unknown(p.ki67):
        return Outcome.insufficient(rule_id, ("Ki-67 index",), reason="Ki-67 not on record")
    lo = ki67_at_least(p.ki67.value, k.threshold("prrt_first_line_ki67_min"))  # type: ignore[arg-type]
    hi = ki67_at_most(p.ki67.value, k.threshold("prrt_first_line_ki67_max"))  # type: ignore[arg-type]
    if lo is False or hi is False:
        return Outcome.not_applicable(rule_id, "Ki-67 outside the NETTER-2 range (10-55 %)")
    if lo is None or hi is None:
        return Outcome.insufficient(rule_id, ("exact Ki-67 index",), reason="Ki-67 reported as a range across 10 %")
    stop = sstr_needs_data(rule_id, p)
    if stop is not None:
        return stop
    return Outcome.applicable(
        rule_id, card="prrt-first-line", params=card_params(p),
        facts=fact_uses(p, "primary_site", "ki67", "sstr", "extent", "newly_diagnosed"),
        reason="newly diagnosed, SSTR >= liver everywhere, Ki-67 in the NETTER-2 range",
    )


def prrt_after_ssa(rule_id: str, p: NetPicture) -> Outcome:
    stop = progression_known(rule_id, p)
    if stop is not None:
        return stop
    if not progressed_on(p, Agent.SSA):
        return Outcome.not_applicable(rule_id, "no documented progression on an SSA")
    if received(p, Agent.PRRT):
        return Outcome.not_applicable(rule_id, "PRRT already given (re-treatment: M-07 / MDT)")
    stop = sstr_needs_data(rule_id, p)
    if stop is not None:
        return stop
    missing = tuple(what for what, f in (("creatinine clearance", p.labs.creatinine_clearance),
                                         ("blood counts (Hb, WBC, platelets)", p.labs.platelets))
                    if unknown(f))
    return Outcome.applicable(
        rule_id, card="prrt-second-line", params=card_params(p), missing=missing,
        facts=fact_uses(p, "primary_site", "grade", "sstr", "progression") + therapy_facts(p, (Agent.SSA,)),
        reason="progressive on SSA with SSTR uptake >= liver in all target lesions",
    )


def everolimus_progressive(rule_id: str, p: NetPicture) -> Outcome:
    stop = progression_known(rule_id, p)
    if stop is not None:
        return stop
    if functional_carcinoid(p):
        return Outcome.not_applicable(rule_id, "functional carcinoid: everolimus not standard (NR-02; F-06)")
    if not progressed_on(p, Agent.SSA):
        return Outcome.not_applicable(rule_id, "no documented progression on an SSA")
    if received(p, Agent.EVEROLIMUS):
        return Outcome.not_applicable(rule_id, "everolimus already given")
    return Outcome.applicable(
        rule_id, card="everolimus-nonfunctional", params=card_params(p),
        facts=fact_uses(p, "primary_site", "grade", "progression", "sstr") + therapy_facts(p, (Agent.SSA,)),
        reason="non-functional NET progressive on SSA",
    )


def sstr_negative_progression(rule_id: str, p: NetPicture) -> tuple[Outcome, ...] | Outcome:
    stop = progression_known(rule_id, p)
    if stop is not None:
        return stop
    if not progressed_on(p, Agent.SSA):
        return Outcome.not_applicable(rule_id, "no documented progression on an SSA")
    if unknown(p.sstr):
        return Outcome.insufficient(rule_id, ("SSTR imaging",), reason="no SSTR imaging on record")
    if p.sstr.value not in SSTR_NOT_PRRT:
        return Outcome.not_applicable(rule_id, "SSTR uptake not negative/heterogeneous")
    params = card_params(p)
    facts = fact_uses(p, "primary_site", "grade", "ki67", "sstr", "progression") + therapy_facts(p, (Agent.SSA,))
    out = [Outcome.applicable(rule_id, card="rebiopsy-sstr-discordant", params=params, facts=facts,
                              reason="progression with SSTR-negative/heterogeneous disease")]
    if not functional_carcinoid(p) and not received(p, Agent.EVEROLIMUS):
        out.append(Outcome.applicable(rule_id, card="everolimus-sstr-negative", params=params, facts=facts,
                                      reason="non-functional, PRRT not possible (SSTR)"))
    if had_any(p, NON_SSA_SYSTEMIC - {Agent.INTERFERON}) and not received(p, Agent.CABOZANTINIB):
        out.append(Outcome.applicable(rule_id, card="cabozantinib-epnet", params=params,
                                      facts=facts + therapy_facts(p, NON_SSA_SYSTEMIC),
                                      reason="progressed after a non-SSA systemic therapy"))
    return tuple(out)


def after_prrt_or_everolimus(rule_id: str, p: NetPicture) -> tuple[Outcome, ...] | Outcome:
    stop = progression_known(rule_id, p)
    if stop is not None:
        return stop
    if not p.progression.is_(True):
        return Outcome.not_applicable(rule_id, "no documented progression within 12 months")
    had_prrt, had_evero = received(p, Agent.PRRT), received(p, Agent.EVEROLIMUS)
    if not (had_prrt or had_evero):
        return Outcome.not_applicable(rule_id, "no prior PRRT or everolimus")
    if not (progressed_on(p, Agent.PRRT) or progressed_on(p, Agent.EVEROLIMUS)):
        return Outcome.not_applicable(rule_id, "progression predates PRRT/everolimus")
    params = card_params(p)
    facts = fact_uses(p, "primary_site", "grade", "progression", "sstr") + therapy_facts(
        p, (Agent.PRRT, Agent.EVEROLIMUS))
    out: list[Outcome] = []
    if not received(p, Agent.CABOZANTINIB):
        out.append(Outcome.applicable(rule_id, card="cabozantinib-epnet", params=params, facts=facts,
                                      reason="progressed after PRRT and/or everolimus"))
    if had_prrt and not had_evero and not functional_carcinoid(p):
        out.append(Outcome.applicable(rule_id, card="everolimus-after-prrt", params=params, facts=facts,
                                      reason="everolimus not yet given"))
    if had_evero and not had_prrt:
        stop = sstr_needs_data(rule_id, p)
        if stop is None:
            out.append(Outcome.applicable(rule_id, card="prrt-after-everolimus", params=params, facts=facts,
                                          reason="PRRT not yet given, SSTR >= liver everywhere"))
        elif stop.status is not Status.NOT_APPLICABLE:
            out.append(stop)
    out.append(Outcome.applicable(rule_id, card="clinical-trial-later-line", params=params, facts=facts,
                                  reason="later-line progressive NET"))
    return tuple(out)


def _midgut_row(rule_id: str, p: NetPicture, *, need_advanced: bool = True) -> Outcome | None:
    return first(
        well_differentiated_low_grade(rule_id, p),
        site_is(rule_id, p, MIDGUT_SITES, "midgut or unknown primary"),
        advanced(rule_id, p) if need_advanced else None,
    )


# --------------------------------------------------------------------------- rows


@rule("M-01")
def surveillance_or_ssa(p: NetPicture, as_of: date, k: RuleKnowledge) -> Outcome:
    stop = _midgut_row("M-01", p)
    if stop is not None:
        return stop
    if p.on(Agent.SSA) or had_any(p, NON_SSA_SYSTEMIC):
        return Outcome.not_applicable("M-01", "already on or after antitumour therapy")
    if functional_carcinoid(p):
        return Outcome.not_applicable("M-01", "carcinoid syndrome: symptomatic, SSA indicated (F-01)")
    stop = progression_known("M-01", p)
    if stop is not None:
        return stop
    if p.progression.value:
        return Outcome.not_applicable("M-01", "progressive disease: treat (M-02/M-03)")
    low = ki67_low(p, k.threshold("ki67_clarinet_low_max"))
    if low is None:
        return Outcome.insufficient("M-01", ("Ki-67 index",), reason="Ki-67 not known for a G2 tumour")
    if not low:
        return Outcome.not_applicable("M-01", "Ki-67 >= 10 %: not low proliferation")
    if p.liver_metastases.is_(False):
        burden: float | None = 0.0
    elif p.hepatic_burden_percent.known:
        burden = float(p.hepatic_burden_percent.value)  # type: ignore[arg-type]
    else:
        burden = None
    if burden is None:
        return Outcome.insufficient("M-01", ("hepatic tumour burden (% of liver replaced)",),
                                    reason="tumour burden not on record")
    if burden >= k.threshold("surveillance_hepatic_burden_max"):
        return Outcome.not_applicable("M-01", "hepatic tumour burden is not low")
    return Outcome.applicable(
        "M-01", params=card_params(p),
        facts=fact_uses(p, "grade", "ki67", "extent", "progression", "hepatic_burden_percent", "liver_metastases"),
        reason="asymptomatic, stable, low-burden, low-grade advanced NET",
    )


@rule("M-02")
def first_line_ssa(p: NetPicture, as_of: date, k: RuleKnowledge) -> Outcome:
    return _midgut_row("M-02", p) or ssa_first_line("M-02", p)


@rule("M-03")
def first_line_prrt(p: NetPicture, as_of: date, k: RuleKnowledge) -> Outcome:
    return _midgut_row("M-03", p) or prrt_first_line("M-03", p, k)


@rule("M-04")
def prrt_after_progression_on_ssa(p: NetPicture, as_of: date, k: RuleKnowledge) -> Outcome:
    return _midgut_row("M-04", p) or prrt_after_ssa("M-04", p)


@rule("M-05")
def everolimus_after_ssa(p: NetPicture, as_of: date, k: RuleKnowledge) -> Outcome:
    return _midgut_row("M-05", p) or everolimus_progressive("M-05", p)


@rule("M-06")
def progression_sstr_negative(p: NetPicture, as_of: date, k: RuleKnowledge) -> Outcome | tuple[Outcome, ...]:
    return _midgut_row("M-06", p) or sstr_negative_progression("M-06", p)


@rule("M-07")
def after_prrt_or_everolimus_row(p: NetPicture, as_of: date, k: RuleKnowledge) -> Outcome | tuple[Outcome, ...]:
    return _midgut_row("M-07", p) or after_prrt_or_everolimus("M-07", p)


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


@rule("M-08")
def ssa_escalation_for_symptoms(p: NetPicture, as_of: date, k: RuleKnowledge) -> Outcome:
    stop = refractory_symptoms("M-08", p, as_of, k)
    if stop is not None:
        return stop
    return Outcome.applicable(
        "M-08", params=card_params(p),
        facts=fact_uses(p, "carcinoid_syndrome", "bowel_movements_per_day", "flushing_per_day",
                        "refractory_carcinoid_syndrome") + therapy_facts(p, (Agent.SSA,)),
        reason="carcinoid syndrome refractory to standard-dose SSA",
    )


@rule("M-09")
def interferon_last_resort(p: NetPicture, as_of: date, k: RuleKnowledge) -> Outcome:
    stop = _midgut_row("M-09", p, need_advanced=False)
    if stop is not None:
        return stop
    requested = [t for t in p.therapies_of(Agent.INTERFERON)
                 if t.status in (TherapyStatus.PLANNED, TherapyStatus.ACTIVE)]
    if not requested:
        return Outcome.not_applicable("M-09", "no interferon ordered or given")
    lines = sum(1 for a in NON_SSA_SYSTEMIC - {Agent.INTERFERON} if received(p, a))
    if lines < k.threshold("interferon_min_prior_non_ssa_lines") or not received(p, Agent.SSA):
        return Outcome.not_applicable("M-09", "other standard options not exhausted (interferon first/early: NR-13)")
    return Outcome.applicable(
        "M-09", params=card_params(p),
        facts=therapy_facts(p, (Agent.INTERFERON, *sorted(NON_SSA_SYSTEMIC, key=lambda a: a.value), Agent.SSA)),
        reason="standard options used; interferon as last resort",
    )


@rule("M-10")
def primary_and_mesenteric_resection(p: NetPicture, as_of: date, k: RuleKnowledge) -> Outcome:
    stop = _midgut_row("M-10", p)
    if stop is not None:
        return stop
    if not p.primary_site.is_(PrimarySite.MIDGUT):
        return Outcome.not_applicable("M-10", "primary not in the small bowel")
    detail = str(p.site_detail.value).lower() if p.site_detail.known else ""
    if detail in ("appendix", "caecum", "cecum", "ascending colon"):
        return Outcome.not_applicable("M-10", f"{detail} primary: not a small-bowel primary")
    if any(p.has_procedure(kind) for kind in ("resection", "r0-resection")):
        return Outcome.not_applicable("M-10", "primary resection on record")
    if unknown(p.abdominal_pain):
        return Outcome.insufficient("M-10", ("imaging/clinical: mesenteric mass, obstruction or ischaemia symptoms",),
                                    reason="no record of obstructive/ischaemic symptoms")
    if not p.abdominal_pain.value:
        return Outcome.not_applicable("M-10", "asymptomatic primary: prophylactic resection is an MDT decision")
    return Outcome.applicable(
        "M-10", params=card_params(p), facts=fact_uses(p, "site_detail", "extent", "abdominal_pain"),
        reason="small-bowel primary in situ with abdominal pain",
    )


@rule("M-11")
def unknown_primary(p: NetPicture, as_of: date, k: RuleKnowledge) -> Outcome:
    stop = well_differentiated_low_grade("M-11", p)
    if stop is not None:
        return stop
    if unknown(p.primary_site):
        return Outcome.insufficient("M-11", ("primary tumour site",), reason="primary site not recorded")
    if not p.primary_site.is_(PrimarySite.UNKNOWN):
        return Outcome.not_applicable("M-11", "primary site is known")
    return Outcome.applicable("M-11", params=card_params(p), facts=fact_uses(p, "primary_site", "grade", "sstr"),
                              reason="WD NET of unknown primary")
