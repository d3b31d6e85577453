"""Pancreatic NET, well-differentiated G1-G2 (decision table 4.3).

Rows P-01..P-07 need scope NET, WD G1/G2 (G3/NEC/unknown grade handled as in midgut.py) and
primary site pancreas (an unknown primary is never treated as pancreatic: M-11). P-02..P-07
need advanced disease. Functioning pNETs also get these antitumour rows (F-09); insulinoma is
excluded from the SSA and sunitinib suggestions (SSA may worsen hypoglycaemia; sunitinib can
cause it). MEN1/VHL pNETs: hereditary.py; advanced hereditary pNET follows these rows (H-03).
Numbers come from ``cards/knowledge/pancreas.yaml``.

P-01 — small localized NF-pNET  (ENETS NF-pNET 2023)
    When: localized, <= pnet_small_max_cm (2 cm), G1, no functional syndrome, no MEN1/VHL.
    Then: CONSIDER surveillance vs resection (MDT). Size unknown -> insufficient.
P-02 — first-line SSA  (CLARINET PFS NR vs 18.0 mo)
    When: advanced, SSTR positive (any degree), Ki-67 < ki67_clarinet_low_max (10 %), hepatic
          burden not > hepatic_replacement_high (50 %), not insulinoma, no SSA yet.
    Then: RECOMMEND lanreotide 120 mg q4w (octreotide LAR acceptable); with a hormone syndrome the card says
          it also controls the syndrome and names its cautions (pnet-ssa-first-line-functional).
P-03 — everolimus / sunitinib  (RADIANT-3 11.0 vs 4.6 mo; A6181111 11.4 vs 5.5 mo)
    When: advanced and (progressive within 12 months, or Ki-67 >= pnet_aggressive_ki67_min (10 %)).
    Then: RECOMMEND everolimus 10 mg daily or sunitinib 37.5 mg daily (each if not yet given;
          sunitinib not in insulinoma) as ONE choice card (decision antitumour-therapy, with the other rows' next-line options): the option
          favoured for this patient first, with the reason -- diabetes (HbA1c >= hba1c_diabetes_min, or
          glucose >= fasting_glucose_diabetes_min) favours sunitinib, systolic BP >=
          systolic_bp_uncontrolled_min favours everolimus; both or neither known: no preference, and the
          reason says which values are missing. When P-04's shrinkage triggers hold (hepatic burden > 50 %
          or a symptomatic tumour) and no chemotherapy has been given, chemotherapy leads and the two
          After progression on everolimus, sunitinib is the next line, not an "equal alternative"
          (sunitinib-pnet-after-everolimus; review 2026-12, Wrong 13).
          targeted agents are CONSIDER options for later (P-03 is "no urgent need for shrinkage").
P-04 — CAPTEM  (E2211 22.7 vs 14.4 mo)
    When: advanced, no CAPTEM yet, and bulky (hepatic burden > 50 %), symptomatic from tumour
          (abdominal pain), or progressive (E2211 enrolled progressive low/intermediate-grade pNET of any
          Ki-67); not while a targeted therapy the tumour has not progressed on is running.
    Then: bulky/symptomatic: RECOMMEND capecitabine + temozolomide; CONSIDER streptozocin + 5-FU. Progression
          alone: CONSIDER CAPTEM as the table words it (for bulky, symptomatic or rapidly progressive disease,
          or when downsizing is needed) beside everolimus, sunitinib and PRRT.
P-05 — PRRT  (FDA label all GEP-NET; NETTER-1/-2)
    When: advanced, no PRRT yet, SSTR positive_all, and progressed on >= 1 line; or newly
          diagnosed with Ki-67 10-55 % (first line as M-03).
    Then: RECOMMEND Lu-177 dotatate after >= 1 line; CONSIDER first line (as M-03: NETTER-2, MDT; off-label in the EU);
          needs-data when SSTR
          missing, degree unknown or the imaging is outdated, or when the eligibility labs are
          missing or outdated (``predicates.prrt_gates``). After a PRRT course: re-treatment
          (``course.prrt_retreatment``: consider after a durable response, not recommended after early
          progression).
P-06 — cabozantinib  (CABINET pNET 13.8 vs 4.4 mo)
    When: advanced, progressive after >= 1 non-SSA systemic therapy, no cabozantinib yet; WD G1-G3 (CABINET
          enrolled well-differentiated grade 1-3: a WD G3 pNET after CAPTEM gets it too, review 2026-12 B-M1).
    Then: RECOMMEND cabozantinib 60 mg daily.
P-07 — SSTR-negative pNET
    When: advanced, SSTR negative or below liver.
    Then: CONSIDER MDT review of the options that remain for this patient ({options}: everolimus, sunitinib,
          CAPTEM, cabozantinib after a prior non-SSA therapy, liver-directed therapy when liver-dominant -- none
          the patient takes or progressed on: review 2026-12, "the MDT card lists the drug she takes");
          never PRRT/SSA.
P-08 — liver-directed therapy after bilio-enteric anastomosis  (IR literature; NR-18)
    When: WD NET (any site, any WD grade) with liver metastases and a bilio-enteric anastomosis
          (fact, or a pancreaticoduodenectomy / bilio-enteric-anastomosis procedure).
    Then: CAUTION card: high liver-abscess risk with TAE/TACE/TARE/ablation.
"""
from __future__ import annotations

from datetime import date

from service.picture.model import (
    Agent,
    Differentiation,
    Extent,
    Grade,
    Hereditary,
    NetPicture,
    PrimarySite,
    Scope,
    SstrStatus,
    Syndrome,
)
from service.rules.predicates import (
    syndrome_list_facts,
    anastomosis_facts,
    has_bilio_enteric_anastomosis,
    NON_SSA_SYSTEMIC,
    SSTR_POSITIVE,
    SYSTEMIC,
    advanced,
    any_functional,
    card_params,
    fact_uses,
    first,
    had_any,
    ki67_at_least,
    ki67_low,
    ki67_outdated,
    needs_data,
    newly_diagnosed,
    progressed_on,
    progression_being_treated,
    progression_known,
    received,
    site_is,
    prrt_gates,
    therapy_facts,
    well_differentiated,
    well_differentiated_low_grade,
)
from service.rules.course import prrt_retreatment
from service.rules.pathways import (
    prrt_first_line,
    ssa_line,
)
from service.rules.outcome import FactUse, Outcome, unknown
from service.rules.registry import RuleKnowledge, rule

PANCREAS = frozenset({PrimarySite.PANCREAS})


def _pnet(rule_id: str, p: NetPicture, *, need_advanced: bool = True) -> Outcome | None:
    return first(
        well_differentiated_low_grade(rule_id, p),
        site_is(rule_id, p, PANCREAS, "pancreatic NET"),
        advanced(rule_id, p) if need_advanced else None,
    )


def _insulinoma(p: NetPicture) -> bool:
    return p.has_syndrome(Syndrome.INSULINOMA)


def _hepatic_burden_high(p: NetPicture, k: RuleKnowledge) -> bool | None:
    if p.liver_metastases.is_(False):
        return False
    if p.hepatic_burden_percent.known:
        return float(p.hepatic_burden_percent.value) > k.threshold("hepatic_replacement_high")  # type: ignore[arg-type]
    return None


@rule("P-01")
def small_nonfunctioning_pnet(p: NetPicture, as_of: date, k: RuleKnowledge) -> Outcome:
    stop = _pnet("P-01", p, need_advanced=False)
    if stop is not None:
        return stop
    if unknown(p.extent):
        return Outcome.insufficient("P-01", ("disease extent (staging imaging)",), reason="extent not known")
    if p.extent.value is not Extent.LOCALIZED:
        return Outcome.not_applicable("P-01", "not localized")
    if p.hereditary & {Hereditary.MEN1, Hereditary.VHL}:
        return Outcome.not_applicable("P-01", "hereditary syndrome: H-rows apply")
    if any_functional(p):
        return Outcome.not_applicable("P-01", "functioning pNET: F-rows apply (resection)")
    if not p.grade.is_(Grade.G1):
        return Outcome.not_applicable("P-01", "G2: resection advised (G-01)")
    if unknown(p.tumor_size_cm):
        return needs_data("P-01", p, ("tumour size (cm) on MRI, CT or EUS",), card="pnet-size-needs-data",
                          facts=fact_uses(p, "grade", "extent"),
                          reason="NF-pNET G1 of unknown size: <=2 cm may be watched, larger is resected")
    if float(p.tumor_size_cm.value) > k.threshold("pnet_small_max_cm"):  # type: ignore[arg-type]
        return Outcome.not_applicable("P-01", "larger than 2 cm: resection (G-01)")
    return Outcome.applicable("P-01", params=card_params(p),
                              facts=fact_uses(p, "tumor_size_cm", "grade", "extent"),
                              reason="sporadic NF-pNET <=2 cm, G1, localized")


@rule("P-02")
def first_line_ssa_pnet(p: NetPicture, as_of: date, k: RuleKnowledge) -> Outcome:
    stop = _pnet("P-02", p)
    if stop is not None:
        return stop
    if _insulinoma(p):
        return Outcome.not_applicable("P-02", "insulinoma: SSA only with SSTR+ imaging and monitored test dose (F-07, NR-12)")
    if p.on(Agent.SSA) or progressed_on(p, Agent.SSA):
        return Outcome.not_applicable("P-02", "already on (or progressed on) an SSA")
    if had_any(p, NON_SSA_SYSTEMIC):
        return Outcome.not_applicable("P-02", "not first line: a non-SSA systemic therapy was given already")
    if unknown(p.sstr):
        return Outcome.insufficient("P-02", ("SSTR imaging (G-06)",), reason="no SSTR imaging on record")
    if p.sstr.value not in SSTR_POSITIVE:
        return Outcome.not_applicable("P-02", "SSTR negative/below liver: SSA not antiproliferative here (NR-16)")
    low = ki67_low(p, k.threshold("ki67_clarinet_low_max"))
    if low is None:
        return Outcome.insufficient("P-02", ("Ki-67 index",), reason="Ki-67 not known")
    if not low:
        return Outcome.not_applicable("P-02", "Ki-67 >= 10 %: outside CLARINET; P-03/P-05 apply")
    high = _hepatic_burden_high(p, k)
    if high:
        return Outcome.not_applicable("P-02", "hepatic burden >50 %: cytoreductive options (P-04)")
    missing = ("hepatic tumour burden (% of liver)",) if high is None else ()
    functional = any_functional(p)
    line, why_stopped = ssa_line(p, k)
    return Outcome.applicable("P-02", card="pnet-ssa-first-line-functional" if functional else None,
                              params=card_params(p) | line, missing=missing + why_stopped,
                              facts=fact_uses(p, "grade", "ki67", "sstr", "extent", "hepatic_burden_percent")
                              + (syndrome_list_facts(p) if functional else ()),
                              reason="advanced SSTR+ pNET, Ki-67 <10 %" + (", hormone syndrome" if functional else ""))


@rule("P-03")
def everolimus_or_sunitinib(p: NetPicture, as_of: date, k: RuleKnowledge) -> Outcome | tuple[Outcome, ...]:
    stop = _pnet("P-03", p)
    if stop is not None:
        return stop
    progressive = p.progression.is_(True)
    proliferative = (ki67_at_least(p.ki67.value, k.threshold("pnet_aggressive_ki67_min"))  # type: ignore[arg-type]
                     if not unknown(p.ki67) else None)
    if not progressive and not proliferative:
        if unknown(p.progression):
            return progression_known("P-03", p)  # type: ignore[return-value]
        if proliferative is None:
            return Outcome.insufficient("P-03", ("Ki-67 index",), reason="stable; Ki-67 not known")
        return Outcome.not_applicable("P-03", "stable and Ki-67 <10 %")
    current = [a for a in (Agent.EVEROLIMUS, Agent.SUNITINIB) if p.on(a) and not progressed_on(p, a)]
    if current:
        return Outcome.not_applicable("P-03", f"on {current[0].value} without progression on it: continue it")
    params = card_params(p)
    facts = fact_uses(p, "grade", "ki67", "progression", "extent") + therapy_facts(p, SYSTEMIC)
    old_ki67 = ki67_outdated(p, k) if not progressive else ()  # the Ki-67 decides only without progression
    # P-03 is the option "with no urgent need for shrinkage"; when P-04's shrinkage triggers hold
    # (bulky liver disease or symptoms) and chemotherapy has not been given, chemotherapy leads and
    # the targeted agents are offered as later options (consider), not as first choice.
    later = _needs_shrinkage(p, k) and not received(p, Agent.CAPTEM) and not received(p, Agent.STREPTOZOCIN)
    if later:
        facts = facts + fact_uses(p, "hepatic_burden_percent", "abdominal_pain")
    options = []
    if not received(p, Agent.EVEROLIMUS):
        options.append(Agent.EVEROLIMUS)
    if not received(p, Agent.SUNITINIB) and not _insulinoma(p):
        options.append(Agent.SUNITINIB)
    if not options:
        return Outcome.not_applicable("P-03", "everolimus and sunitinib both given already")
    if len(options) == 2:
        # one decision, one choice card: the option favoured for this patient first, with the reason
        favoured, reason, used = _targeted_preference(p, k)
        if favoured is Agent.SUNITINIB:
            options.reverse()
        facts = facts + used
    else:
        reason = ("everolimus only: sunitinib can cause hypoglycaemia (insulinoma)" if _insulinoma(p)
                  else f"{options[0].value} only: the other targeted agent was given already")
    cards = {Agent.EVEROLIMUS: "everolimus-pnet", Agent.SUNITINIB: "sunitinib-pnet"}
    if options == [Agent.SUNITINIB] and progressed_on(p, Agent.EVEROLIMUS) and not later:
        # the next line after everolimus failed, not an "equal alternative" (review 2026-12, Wrong 13)
        return Outcome.applicable("P-03", card="sunitinib-pnet-after-everolimus", params=params, facts=facts,
                                  missing=old_ki67,
                                  reason="pNET progressing on or after everolimus: sunitinib as the next line")
    return tuple(Outcome.applicable("P-03", card=cards[a] + ("-after-shrinkage" if later else ""), params=params,
                                    facts=facts, missing=old_ki67, reason=reason) for a in options)


def _targeted_preference(p: NetPicture, k: RuleKnowledge) -> tuple[Agent | None, str, tuple[FactUse, ...]]:
    """Everolimus or sunitinib first for this patient (decision table P-03, practice heuristic): diabetes favours
    sunitinib (everolimus raises glucose); uncontrolled hypertension favours everolimus (sunitinib raises blood
    pressure). Returns (the favoured agent or None, the reason in words, the facts used). Missing values are
    never read as normal: the reason then says the order does not take them into account."""
    labs = p.labs
    used: list[FactUse] = []
    diabetes: bool | None = None
    words: list[str] = []
    if labs.hba1c.known:
        used.append(FactUse.of("HbA1c", labs.hba1c, f"{labs.hba1c.value:g} %"))
        diabetes = float(labs.hba1c.value) >= k.threshold("hba1c_diabetes_min")  # type: ignore[arg-type]
        if diabetes:
            words.append(f"diabetes-range HbA1c {labs.hba1c.value:g} %")
    if not diabetes and p.diabetes.is_(True):
        # written or coded in a diagnosis (a somatostatinoma's "diabetes", an E11 code): review 2026-12 B-W5
        used.append(FactUse.of("Diabetes", p.diabetes, "diabetes on the problem list"))
        diabetes = True
        words.append("diabetes on record")
    if not diabetes and labs.glucose.known and float(labs.glucose.value) >= k.threshold(  # type: ignore[arg-type]
            "fasting_glucose_diabetes_min"):
        used.append(FactUse.of("Glucose", labs.glucose, f"{labs.glucose.value:g} mg/dL"))
        diabetes = True
        words.append(f"glucose {labs.glucose.value:g} mg/dL")
    hypertension: bool | None = None
    if labs.systolic_bp.known:
        used.append(FactUse.of("Systolic blood pressure", labs.systolic_bp, f"{labs.systolic_bp.value:g} mm Hg"))
        hypertension = float(labs.systolic_bp.value) >= k.threshold(  # type: ignore[arg-type]
            "systolic_bp_uncontrolled_min")
    if diabetes and hypertension:
        return (None, "no comorbidity preference: both diabetes (" + ", ".join(words) + ") and uncontrolled blood "
                f"pressure ({labs.systolic_bp.value:g} mm Hg systolic) are on record; choose in the NET MDT",
                tuple(used))
    if diabetes:
        return (Agent.SUNITINIB, "sunitinib first: " + ", ".join(words) + " (everolimus raises glucose)", tuple(used))
    if hypertension:
        return (Agent.EVEROLIMUS, f"everolimus first: systolic blood pressure {labs.systolic_bp.value:g} mm Hg "
                "(sunitinib raises blood pressure)", tuple(used))
    unknown_values = [n for n, f in (("HbA1c", labs.hba1c), ("blood pressure", labs.systolic_bp)) if not f.known]
    if unknown_values:
        return (None, f"{' and '.join(unknown_values)} not on record, so comorbidity could not order the options "
                "(diabetes favours sunitinib; uncontrolled hypertension, heart failure or bleeding risk favour "
                "everolimus)", tuple(used))
    return (None, "no comorbidity on record that favours either option (diabetes favours sunitinib; uncontrolled "
            "hypertension, heart failure or bleeding risk favour everolimus)", tuple(used))


def _needs_shrinkage(p: NetPicture, k: RuleKnowledge) -> bool:
    """P-04's shrinkage triggers, known to be present: bulky liver disease or a symptomatic tumour."""
    return bool(_hepatic_burden_high(p, k)) or p.abdominal_pain.is_(True)


@rule("P-04")
def captem_for_shrinkage(p: NetPicture, as_of: date, k: RuleKnowledge) -> Outcome | tuple[Outcome, ...]:
    stop = _pnet("P-04", p)
    if stop is not None:
        return stop
    if received(p, Agent.CAPTEM):
        return Outcome.not_applicable("P-04", "CAPTEM already given")
    bulky = _hepatic_burden_high(p, k)
    symptomatic = p.abdominal_pain.is_(True)
    aggressive = p.progression.is_(True)  # E2211: progressive pNET, any low/intermediate Ki-67
    if not (bulky or symptomatic or aggressive):
        if bulky is None:
            return Outcome.insufficient("P-04", ("hepatic tumour burden (% of liver)",),
                                        reason="burden not known; no other reason for shrinkage on record")
        return Outcome.not_applicable("P-04", "no bulky, symptomatic or aggressive disease on record")
    params = card_params(p)
    facts = fact_uses(p, "grade", "ki67", "progression", "hepatic_burden_percent", "abdominal_pain")
    reason = ", ".join(w for w, on in (("bulky liver disease", bulky), ("symptomatic", symptomatic),
                                       ("progressive", aggressive)) if on)
    if not (bulky or symptomatic):
        # Progression alone: CAPTEM is one option among P-03/P-05 (E2211), not the first.
        working = [a for a in (Agent.EVEROLIMUS, Agent.SUNITINIB) if p.on(a) and not progressed_on(p, a)]
        if working:
            return Outcome.not_applicable("P-04", f"on {working[0].value} without progression on it; no need for shrinkage")
        return Outcome.applicable("P-04", card="captem-pnet-progressive", params=params,
                                  facts=facts + therapy_facts(p, SYSTEMIC), reason=reason)
    out = [Outcome.applicable("P-04", card="captem-pnet", params=params, facts=facts, reason=reason)]
    if not received(p, Agent.STREPTOZOCIN):
        out.append(Outcome.applicable("P-04", card="streptozocin-pnet", params=params, facts=facts, reason=reason))
    return tuple(out)


@rule("P-05")
def prrt_pnet(p: NetPicture, as_of: date, k: RuleKnowledge) -> Outcome:
    stop = _pnet("P-05", p)
    if stop is not None:
        return stop
    if received(p, Agent.PRRT):
        return progression_known("P-05", p) or prrt_retreatment("P-05", p, k)  # type: ignore[return-value]
    if newly_diagnosed(p):
        return prrt_first_line("P-05", p, k)
    stop = progression_known("P-05", p)
    if stop is not None:
        return stop
    if not any(progressed_on(p, a) for a in SYSTEMIC):
        return Outcome.not_applicable("P-05", "no progression on a prior line")
    answered = progression_being_treated(p)
    if answered:  # e.g. everolimus started since the progression and working: not another line now
        return Outcome.not_applicable("P-05", f"the progression is being treated: {answered[0].display}")
    stop = prrt_gates("P-05", p, k)
    if stop is not None:
        return stop
    return Outcome.applicable("P-05", card="prrt-pnet", params=card_params(p),
                              facts=fact_uses(p, "grade", "sstr", "progression") + therapy_facts(p, SYSTEMIC),
                              reason="pNET progressing after >=1 line, SSTR >= liver everywhere")


@rule("P-06")
def cabozantinib_pnet(p: NetPicture, as_of: date, k: RuleKnowledge) -> Outcome:
    # CABINET enrolled well-differentiated NET of grade 1-3: a WD G3 pNET progressing after a non-SSA line (e.g.
    # early progression after CAPTEM) gets cabozantinib too (review 2026-12 B-M1, net-104)
    wd_g3 = p.grade.is_(Grade.G3) and well_differentiated(p) is True
    stop = (first(site_is("P-06", p, PANCREAS, "pancreatic NET"), advanced("P-06", p)) if wd_g3
            else _pnet("P-06", p)) or progression_known("P-06", p)
    if stop is not None:
        return stop
    if received(p, Agent.CABOZANTINIB):
        return Outcome.not_applicable("P-06", "cabozantinib already given")
    prior = NON_SSA_SYSTEMIC - {Agent.INTERFERON}
    if not any(progressed_on(p, a) for a in prior):
        return Outcome.not_applicable("P-06", "no progression after a non-SSA systemic therapy")
    return Outcome.applicable("P-06", params=card_params(p),
                              facts=fact_uses(p, "grade", "progression") + therapy_facts(p, prior),
                              reason="pNET progressing after non-SSA systemic therapy")


@rule("P-07")
def sstr_negative_pnet(p: NetPicture, as_of: date, k: RuleKnowledge) -> Outcome:
    stop = _pnet("P-07", p)
    if stop is not None:
        return stop
    if unknown(p.sstr):
        return Outcome.insufficient("P-07", ("SSTR imaging",), reason="no SSTR imaging on record")
    if p.sstr.value not in (SstrStatus.NEGATIVE, SstrStatus.LOWER_THAN_LIVER):
        return Outcome.not_applicable("P-07", "SSTR-positive pNET")
    options = _remaining_options(p)
    return Outcome.applicable("P-07", params={**card_params(p), "options": ", ".join(options)},
                              facts=fact_uses(p, "sstr", "grade", "ki67") + therapy_facts(p, SYSTEMIC),
                              reason="SSTR-negative advanced pNET; options left: " + ", ".join(options))


_OPTION_WORDS = ((Agent.EVEROLIMUS, "everolimus"), (Agent.SUNITINIB, "sunitinib"), (Agent.CAPTEM, "CAPTEM"),
                 (Agent.CABOZANTINIB, "cabozantinib"))


def _remaining_options(p: NetPicture) -> list[str]:
    """The SSTR-negative pNET options this patient neither takes nor progressed on (cabozantinib only after a
    non-SSA therapy; liver-directed only when liver-dominant); a clinical trial when none is left."""
    out = []
    prior_non_ssa = any(received(p, a) for a in NON_SSA_SYSTEMIC - {Agent.INTERFERON})
    for agent, words in _OPTION_WORDS:
        if p.on(agent) or progressed_on(p, agent) or (agent is Agent.SUNITINIB and _insulinoma(p)):
            continue
        if agent is Agent.CABOZANTINIB and not prior_non_ssa:
            continue
        out.append(words)
    if p.liver_dominant.is_(True) and not p.on(Agent.LIVER_DIRECTED):
        out.append("liver-directed")
    return out or ["clinical trial"]


@rule("P-08")
def liver_directed_after_anastomosis(p: NetPicture, as_of: date, k: RuleKnowledge) -> Outcome:
    if p.scope is not Scope.NET or p.differentiation.is_(Differentiation.POOR) or p.grade.is_(Grade.NEC):
        return Outcome.not_applicable("P-08", "not a well-differentiated NET")
    if unknown(p.liver_metastases):
        return Outcome.insufficient("P-08", ("liver metastases (imaging)",), reason="liver status unknown")
    if not p.liver_metastases.value:
        return Outcome.not_applicable("P-08", "no liver metastases")
    anastomosis = has_bilio_enteric_anastomosis(p)
    if anastomosis is None:
        return Outcome.insufficient("P-08", ("history of bilio-enteric anastomosis / Whipple",),
                                    reason="surgical history not known")
    if not anastomosis:
        return Outcome.not_applicable("P-08", "no bilio-enteric anastomosis")
    return Outcome.applicable("P-08", card="liver-directed-anastomosis-caution", params=card_params(p),
                              facts=anastomosis_facts(p) + fact_uses(p, "liver_metastases", "liver_dominant"),
                              reason="liver metastases after bilio-enteric anastomosis")
