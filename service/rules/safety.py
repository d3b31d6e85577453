"""Drug-safety rows (decision table section 5 and the safety NR rows of section 6).

Each row reads current/ordered therapies, current medications and labs from the picture.
Where a therapy is only *in play* (it would be suggested) the row speaks on the therapy's own
topic so the suggestion is withheld; where the patient is already on it, a ``drug-safety``
card says what to do now (critical when it is a hazard to act on now).

NR-04 — PRRT in pregnancy/breast-feeding, or below renal/marrow/liver thresholds
    When: PRRT ordered/active/scheduled, or in play (advanced WD NET, SSTR uptake >= liver, and
    progression, Ki-67 >= 10 % when newly diagnosed, or G3), and pregnant/breast-feeding, or
    CrCl < 50 mL/min, Hb < 8 g/dL, WBC < 2.0, platelets < 75 (10^9/L), bilirubin > 3 x ULN,
    albumin <= 3.0 g/dL.
    Then: NOT RECOMMENDED in pregnancy (critical when a dose is ordered); breast-feeding (not pregnant) is
    not a reason to give up PRRT: CAUTION on the PRRT topic -- stop breast-feeding before the first dose (EU:
    wean) and do not resume for 2.5 months after the last dose (US label; the card text says so);
    NOT RECOMMENDED with CrCl < 30 mL/min (EU label: not in severe renal impairment; US label: not studied;
    prrt-renal-not-recommended, which cancels a PRRT order); CAUTION/MDT for the other thresholds (CrCl
    30-50 included), naming the values; the label's reduced activity (3.7 GBq) is for toxicity after a
    previous dose, never a way to treat a patient who fails baseline eligibility. NEEDS DATA for missing
    labs, or labs older than prrt_labs_max_age_days (30), when PRRT is ordered (an old result below a
    threshold still gives the caution). Source: Lutathera label (US and EU); NETTER-1 eligibility.
NR-09 — telotristat outside label
    When: telotristat ordered/active without a current SSA, above the label dose (a structured dose of more
    than telotristat_max_dose_mg per dose or telotristat_max_doses_per_day doses a day -- tablets counted at
    the product's strength -- or a dosage text naming 500 mg), without carcinoid
    syndrome, or for flushing only (flushing recorded, bowel movements <= telotristat_no_diarrhoea_bm_max).
    Then: NOT RECOMMENDED (label: 250 mg TID with SSA, for carcinoid diarrhoea); the dose alone above label:
    change to 250 mg TID; without an SSA only (within label otherwise): CAUTION, restart the SSA and keep
    telotristat as its add-on. Source: Xermelo label; TELESTAR.
NR-10 — telotristat with severe constipation or severe/worsening abdominal pain
    Then: CRITICAL: stop telotristat and assess; the card's suggestion deletes the telotristat order.
    Source: Xermelo label.
NR-11 — belzutifan in pregnancy; belzutifan without VHL on record
    Then: NOT RECOMMENDED in pregnancy (boxed embryo-fetal toxicity; critical when on it or ordered:
    stop it / cancel the order, with a suggestion deleting the belzutifan order); NOT RECOMMENDED when no VHL diagnosis is on record (label
    restricted to VHL; no evidence in sporadic pNET). Source: Welireg label.
NR-17 — long-acting SSA within 4 weeks before a PRRT dose
    When: a PRRT dose is scheduled and a long-acting SSA is active.
    Then: CAUTION, by what has already happened: the last depot injection on record was given less than
    ssa_long_acting_washout_days (28) before the PRRT date -> "given on <date>: postpone the PRRT dose to
    <date + 4 weeks> or later; confirm with nuclear medicine" (ssa-before-prrt-postpone); given earlier ->
    no further depot dose before the PRRT dose (ssa-before-prrt); no injection date on record -> check it
    (ssa-before-prrt-check). Short-acting octreotide stops 24 h before each dose. Order hooks, the draft itself
    inside the washout: NOT RECOMMENDED (a Lutathera draft within 4 weeks of a depot injection:
    prrt-draft-after-ssa, reschedule; a depot draft within 4 weeks before a PRRT dose: ssa-draft-before-prrt, give
    it 4-24 h after the dose). Source: Lutathera label.
NR-18 — liver embolisation/ablation after bilio-enteric anastomosis
    When: bilio-enteric anastomosis or pancreaticoduodenectomy on record and liver-directed therapy
    ordered or in play (liver-dominant liver metastases).
    Then: CAUTION: high liver-abscess risk; IR review, prolonged antibiotic prophylaxis, or prefer
    systemic options (merges with P-08). Source: IR literature.
NR-19 — everolimus with a strong CYP3A4/P-gp inhibitor; live vaccine on everolimus
    Then: CRITICAL: avoid the combination; the card's suggestion deletes the interacting drug's (or the live
    vaccine's) current order; if the inhibitor (e.g. an antibiotic) is unavoidable, hold everolimus for its
    course; an antibiotic for a chest infection on everolimus: consider non-infectious pneumonitis. (A strong
    inducer, or an inhibitor with an everolimus only suggested: SB-11.) Source: Afinitor label.
NR-20 — Cometriq capsules in place of Cabometyx tablets
    Then: NOT RECOMMENDED: different formulations/doses. Source: Cabometyx label.
SB-01 — on everolimus (active): stomatitis prophylaxis, glucose/lipids, pneumonitis; hyperglycaemia flagged.
    Impaired liver function: the Child-Pugh class the labs settle (picture child_pugh, a lower bound) at least
    B/C with a dose above the label's (5 / 2.5 mg) or not known -> everolimus-child-pugh-b/-c (the label dose;
    order hooks offer it in place of the draft); otherwise the general hepatic-impairment card.
SB-02 — on sunitinib: hepatotoxicity (boxed), BP, TSH, glucose, LVEF.
SB-03 — on cabozantinib: BP, LFT, proteinuria; stop >= 3 weeks before planned surgery.
SB-04 — on/ordered capecitabine (CAPTEM): DPYD test (not asked when DPD deficiency is on record: SB-13);
    CRITICAL when CrCl < 30 mL/min; a CrCl missing or older than drug_labs_max_age_days (30) is asked for
    (repeat before the dose).
SB-05 — on belzutifan: anaemia (hold for Hb < 9 g/dL), hypoxia, contraception.
SB-06 — on/ordered platinum: prefer carboplatin when CrCl < 60 mL/min (a CrCl older than
    drug_labs_max_age_days decides nothing: insufficient, repeat it).
SB-07 — on/ordered streptozocin: nephrotoxicity (boxed): creatinine and urine protein each course;
    CAUTION when CrCl < streptozocin_crcl_caution_below (60 mL/min); a CrCl missing or older than
    drug_labs_max_age_days is asked for.
SB-08 — on interferon alfa: depression/suicidality, flu-like illness, cytopenias, thyroid, liver.
SB-09 — on diazoxide: fluid retention/oedema (thiazide), hyperglycaemia overshoot, hypotension.
SB-10 — pregnancy or breast-feeding on record.
    Then: pregnant -> RECOMMEND a management path (mdt-review): NET MDT with obstetric input, what may
    continue (SSA for a hormone syndrome, PPI for gastrinoma, glucose control) and what waits (PRRT,
    targeted drugs, belzutifan, chemotherapy, ionising-radiation imaging), surgery timing; and, when a
    systemic antitumour drug (other than PRRT and belzutifan, which NR-04 and NR-11 cover) is ordered,
    taken or plausible (advanced disease), CAUTION (drug-safety): embryo-fetal toxicity. Breast-feeding and
    not pregnant -> CAUTION (drug-safety) only when such a drug is in play: stop breast-feeding for the
    course and for each label's period after the last dose (not a reason to withhold the therapy).
    Source: Afinitor, Sutent, Cabometyx, Lutathera labels (R for the exact wash-out times); ENETS/ESMO
    (pregnancy: MDT, R).
    SB-01..SB-03, SB-05, SB-08, SB-09 speak only while the drug is taken (a proposal's own card
    carries its cautions); SB-04, SB-06, SB-07 are pre-treatment checks and speak for orders too.
    Source for SB rows: product labels as summarised in decision table section 5.
"""
from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from service.picture.dates import shift
from service.picture.model import (
    Agent,
    Fact,
    Grade,
    Hereditary,
    NetPicture,
    PrimarySite,
    SstrStatus,
    TherapyStatus,
)
from service.rules.predicates import (
    drug_words,
    card_params,
    exposure_facts,
    labs_not_current,
    fact_uses,
    in_play,
    is_advanced,
    medication_fact,
    therapy_fact,
    well_differentiated,
)
from service.rules.outcome import FactUse, Outcome, age_words
from service.rules.registry import RuleKnowledge, rule


def _lab(name: str, fact: Fact[Any], unit: str) -> FactUse:
    return FactUse.of(name, fact, f"{fact.value:g} {unit}" if fact.known else None)


def _prrt_ordered(p: NetPicture) -> bool:
    return in_play(p, Agent.PRRT) or p.next_prrt_date.known


def prrt_in_play(p: NetPicture, k: RuleKnowledge) -> bool:
    """PRRT is ordered/scheduled, or would plausibly be proposed for this patient."""
    if _prrt_ordered(p):
        return True
    if p.declined(Agent.PRRT):
        return False  # the patient declined it and it has not been ordered since (PD-01)
    if well_differentiated(p) is False or is_advanced(p) is not True:
        return False
    if not p.sstr.is_(SstrStatus.POSITIVE_ALL):
        return False
    if p.progression.is_(True) or p.grade.is_(Grade.G3):
        return True
    return (p.newly_diagnosed.is_(True) and p.ki67.known
            and p.ki67.value.percent >= k.threshold("netter2_ki67_min"))


@rule("NR-04")
def prrt_safety(p: NetPicture, as_of: date, k: RuleKnowledge) -> Outcome | tuple[Outcome, ...]:
    if not prrt_in_play(p, k):
        return Outcome.not_applicable("NR-04", "PRRT not ordered and not in play")
    ordered = _prrt_ordered(p)
    facts = exposure_facts(p, Agent.PRRT)
    out: list[Outcome] = []
    if p.pregnant.is_(True):
        pregnancy = (FactUse.of("Pregnant", p.pregnant, "yes"), *facts)
        out.append(Outcome.applicable("NR-04", card="prrt-pregnancy", facts=pregnancy,
                                      reason="pregnancy excludes PRRT"))
        if ordered:
            out.append(Outcome.applicable("NR-04", card="prrt-pregnancy-current", facts=pregnancy,
                                          reason="PRRT ordered in pregnancy"))
    elif p.breastfeeding.is_(True):
        # Breast-feeding is stopped for the course, not a reason to give up PRRT (review 2026-12, Wrong 2).
        status = (FactUse.of("Breast-feeding", p.breastfeeding, "yes"),) + fact_uses(p, "pregnant")
        out.append(Outcome.applicable("NR-04", card="prrt-breastfeeding", facts=(*status, *facts),
                                      reason="breast-feeding: stop it before PRRT and for the label's period after"))
    labs = p.labs
    crcl = labs.creatinine_clearance
    checks = (
        ("CrCl", crcl, "mL/min", lambda v: v < k.threshold("prrt_crcl_min")),
        ("Hb", labs.hemoglobin, "g/dL", lambda v: v < k.threshold("prrt_hb_min")),
        ("WBC", labs.wbc, "x10^9/L", lambda v: v < k.threshold("prrt_wbc_min")),
        ("Platelets", labs.platelets, "x10^9/L", lambda v: v < k.threshold("prrt_platelets_min")),
        ("Albumin", labs.albumin, "g/dL", lambda v: v <= k.threshold("prrt_albumin_above")),
    )
    low: list[FactUse] = []
    missing: list[str] = []
    limit = k.threshold("prrt_labs_max_age_days")
    for name, fact, unit, fails in checks:
        if not fact.known:
            missing.append(name)
            continue
        if fails(fact.value):  # an old result below the threshold still warns (and is to be repeated)
            low.append(_lab(name, fact, unit))
        if fact.date is None or (as_of - fact.date).days > limit:
            when = f"last {fact.date.isoformat()}, {age_words(fact.date, as_of)}" if fact.date else "undated"
            missing.append(f"{name} ({when}: repeat before the dose)")
    if labs.bilirubin.known:
        uln = labs.bilirubin_uln.value if labs.bilirubin_uln.known else k.threshold("bilirubin_uln_default")
        if labs.bilirubin.value > k.threshold("prrt_bilirubin_uln_multiple_max") * uln:
            low.append(_lab("Bilirubin", labs.bilirubin, "mg/dL"))
        when = labs.bilirubin.date
        if when is None or (as_of - when).days > limit:
            missing.append(f"Bilirubin ({f'last {when.isoformat()}, {age_words(when, as_of)}' if when else 'undated'}"
                           ": repeat before the dose)")
    else:
        missing.append("Bilirubin")
    severe_renal = crcl.known and crcl.value < k.threshold("prrt_crcl_not_studied_below")
    if severe_renal:
        # EU label: do not use in severe renal impairment; US label: CrCl < 30 mL/min not studied
        out.append(Outcome.applicable(
            "NR-04", card="prrt-renal-not-recommended", facts=(_lab("CrCl", crcl, "mL/min"), *facts),
            reason="creatinine clearance below 30 mL/min (severe renal impairment)"))
        low = [f for f in low if f.name != "CrCl"]
    if low:
        out.append(Outcome.applicable(
            "NR-04", card="prrt-labs-caution", facts=(*low, *facts),
            params={"lab": ", ".join(f"{f.name[0].lower() + f.name[1:] if f.name != 'CrCl' else f.name} "
                                     f"{f.display}" for f in low)},
            reason="below the NETTER-1 eligibility thresholds at baseline",
        ))
    if missing and ordered:
        out.append(Outcome.insufficient("NR-04", tuple(missing), card="prrt-labs-needed",
                                        reason="labs needed before each PRRT dose"))
    if out:
        return tuple(out)
    if missing:
        return Outcome.insufficient("NR-04", tuple(missing), reason="PRRT eligibility labs not on record")
    return Outcome.not_applicable("NR-04", "no pregnancy; labs within PRRT thresholds")


@rule("NR-09")
def telotristat_off_label(p: NetPicture, as_of: date, k: RuleKnowledge) -> Outcome:
    if not in_play(p, Agent.TELOTRISTAT):
        return Outcome.not_applicable("NR-09", "telotristat not ordered")
    facts = exposure_facts(p, Agent.TELOTRISTAT)
    reasons = []
    if not p.on(Agent.SSA):
        reasons.append("no current somatostatin analogue")
    markers = k.values("telotristat_off_label_dose_markers")
    max_dose, max_per_day = k.threshold("telotristat_max_dose_mg"), k.threshold("telotristat_max_doses_per_day")
    for t in p.therapies_of(Agent.TELOTRISTAT):
        text = (t.dose_text or "").lower().replace(" ", "")
        # the structured dose when the order has one (mg per dose, doses per day), else the dosage text
        structured_over = ((t.dose_mg is not None and t.dose_mg > max_dose + 1e-6)
                           or (t.doses_per_day is not None and t.doses_per_day > max_per_day + 1e-6))
        if structured_over or any(m.replace(" ", "") in text for m in markers):
            amount = (f" (ordered: {t.dose_mg:g} mg" + (f", {t.doses_per_day:g} times a day" if t.doses_per_day else "")
                      + ")") if t.dose_mg is not None else ""
            reasons.append(f"dose above 250 mg three times daily{amount}")
            break
    if p.carcinoid_syndrome.is_(False):
        reasons.append("no carcinoid syndrome on record")
        facts += (FactUse.of("Carcinoid syndrome", p.carcinoid_syndrome, "no"),)
    bm, flush = p.bowel_movements_per_day, p.flushing_per_day
    if (flush.known and float(flush.value) > 0 and bm.known  # type: ignore[arg-type]
            and float(bm.value) <= k.threshold("telotristat_no_diarrhoea_bm_max")):  # type: ignore[arg-type]
        reasons.append("flushing without diarrhoea (telotristat treats carcinoid diarrhoea, not flushing)")
        facts += (FactUse.of("Bowel movements per day", bm), FactUse.of("Flushing episodes per day", flush))
    if not reasons:
        return Outcome.not_applicable("NR-09", "telotristat used within label")
    dose_only = len(reasons) == 1 and reasons[0].startswith("dose above")
    # telotristat within label except that the SSA lapsed: the plan is to restart the SSA and keep telotristat as
    # its add-on (review 2026-12 D, net-36), not a review of telotristat for conditions that do not apply
    no_ssa_only = reasons == ["no current somatostatin analogue"]
    card = "telotristat-above-label-dose" if dose_only else "telotristat-without-ssa" if no_ssa_only else None
    return Outcome.applicable("NR-09", card=card, facts=facts,
                              reason="; ".join(reasons))


@rule("NR-10")
def telotristat_constipation(p: NetPicture, as_of: date, k: RuleKnowledge) -> Outcome:
    if not p.on(Agent.TELOTRISTAT):
        return Outcome.not_applicable("NR-10", "not on telotristat")
    findings = [FactUse.of(n, f, "yes") for n, f in (("Severe constipation", p.severe_constipation),
                                                       ("Severe abdominal pain", p.abdominal_pain)) if f.is_(True)]
    if findings:
        return Outcome.applicable("NR-10", facts=(*findings, *exposure_facts(p, Agent.TELOTRISTAT)),
                                  reason="severe constipation or abdominal pain on telotristat")
    unknown = tuple(n for n, f in (("bowel habit (constipation)", p.severe_constipation),
                                   ("abdominal pain", p.abdominal_pain)) if not f.known)
    if unknown:
        return Outcome.insufficient("NR-10", unknown, reason="symptoms on telotristat not recorded")
    return Outcome.not_applicable("NR-10", "no severe constipation or abdominal pain")


@rule("NR-11")
def belzutifan_safety(p: NetPicture, as_of: date, k: RuleKnowledge) -> Outcome | tuple[Outcome, ...]:
    ordered = in_play(p, Agent.BELZUTIFAN)
    vhl = Hereditary.VHL in p.hereditary
    vhl_pnet = vhl and p.primary_site.is_(PrimarySite.PANCREAS)
    if not ordered and not vhl_pnet:
        return Outcome.not_applicable("NR-11", "belzutifan neither ordered nor in play")
    facts = exposure_facts(p, Agent.BELZUTIFAN)
    out: list[Outcome] = []
    if p.pregnant.is_(True):
        pregnancy = (FactUse.of("Pregnant", p.pregnant, "yes"), *facts)
        # One card: the critical "stop it / cancel the order" when it is taken or ordered (a second
        # "do not start" card on the belzutifan topic said the same thing: noise, review 2026-11).
        taken = any(t.status is TherapyStatus.ACTIVE and not p.draft_only(t) for t in p.therapies_of(Agent.BELZUTIFAN))
        if taken:  # an order-hook draft is an order, not a drug she takes
            out.append(Outcome.applicable("NR-11", card="belzutifan-pregnancy-current", facts=pregnancy,
                                          reason="on belzutifan in pregnancy"))
        elif ordered:
            out.append(Outcome.applicable("NR-11", card="belzutifan-pregnancy-ordered", facts=pregnancy,
                                          reason="belzutifan ordered in pregnancy"))
        else:
            out.append(Outcome.applicable("NR-11", card="belzutifan-pregnancy", facts=pregnancy,
                                          reason="belzutifan in pregnancy (boxed embryo-fetal toxicity)"))
    if ordered and not vhl:
        out.append(Outcome.applicable("NR-11", card="belzutifan-non-vhl", facts=facts,
                                      missing=("germline VHL result",),
                                      reason="no VHL diagnosis on record; label restricted to VHL"))
    if out:
        return tuple(out)
    if not p.pregnant.known and p.sex.is_("female"):
        return Outcome.insufficient("NR-11", ("pregnancy status",), reason="pregnancy status unknown")
    return Outcome.not_applicable("NR-11", "VHL on record and not pregnant")


def _next_prrt(p: NetPicture, as_of: date) -> date | None:
    dates = [p.next_prrt_date.value] if p.next_prrt_date.known else []
    dates += [t.start for t in p.therapies_of(Agent.PRRT) if t.status is TherapyStatus.PLANNED and t.start]
    upcoming = [d for d in dates if d >= as_of]
    return min(upcoming) if upcoming else None


def _draft_timing(p: NetPicture, as_of: date, k: RuleKnowledge) -> Outcome | None:
    """Order hooks: the draft itself breaks the washout -- NOT RECOMMENDED (the table says "not recommended").
    A Lutathera draft (dose on its start date, else today) with a long-acting SSA injection less than
    ssa_long_acting_washout_days before it (prrt-draft-after-ssa: reschedule on or after the earliest date), or a
    long-acting SSA draft (given today) with a PRRT dose scheduled within the washout (ssa-draft-before-prrt: give
    the SSA 4-24 h after the PRRT dose instead)."""
    drafts = set(p.order_drafts)
    if not drafts:
        return None
    days = int(k.threshold("ssa_long_acting_washout_days"))
    for t in p.therapies_of(Agent.PRRT):
        if not set(t.references) & drafts:
            continue
        dose = t.start if t.start is not None and t.start >= as_of else as_of
        given = [s for s in p.therapies_of(Agent.SSA) if s.long_acting is True and s.last_administered is not None
                 and shift(dose, -days) < s.last_administered <= dose]
        if given:
            last = max(given, key=lambda s: s.last_administered)  # type: ignore[arg-type, return-value]
            when = last.last_administered
            assert when is not None
            earliest = shift(when, days)
            facts = (therapy_fact(t, "draft order"),
                     FactUse(name="Last long-acting SSA injection", display=f"{last.drug} given {when.isoformat()}",
                             date=when, reference=last.references[-1] if last.references else None))
            return Outcome.applicable(
                "NR-17", card="prrt-draft-after-ssa", facts=facts,
                params={"given": when.isoformat(), "earliest": earliest.isoformat()},
                reason=f"Lu-177 dotatate drafted {(dose - when).days} days after a long-acting SSA injection "
                       f"(at least {days} needed)")
    prrt_date = _next_prrt(p, as_of)
    if prrt_date is None or (prrt_date - as_of).days >= days:
        return None
    for t in p.therapies_of(Agent.SSA):
        if t.long_acting is not False and set(t.references) & drafts:
            facts = (therapy_fact(t, "draft order"),
                     FactUse(name="Next PRRT dose", display=prrt_date.isoformat(), date=prrt_date,
                             reference=(p.next_prrt_date.sources[0].reference if p.next_prrt_date.sources else None)))
            return Outcome.applicable(
                "NR-17", card="ssa-draft-before-prrt", facts=facts, params={"date": prrt_date.isoformat()},
                reason=f"long-acting SSA drafted {(prrt_date - as_of).days} days before the PRRT dose "
                       f"(at least {days} needed)")
    return None


@rule("NR-17")
def ssa_before_prrt(p: NetPicture, as_of: date, k: RuleKnowledge) -> Outcome:
    drafted = _draft_timing(p, as_of, k)
    if drafted is not None:
        return drafted
    prrt_date = _next_prrt(p, as_of)
    if prrt_date is None:
        return Outcome.not_applicable("NR-17", "no PRRT dose scheduled")
    washout = timedelta(days=k.threshold("ssa_long_acting_washout_days"))
    window_start = shift(prrt_date, -washout.days)
    depots = [t for t in p.therapies_of(Agent.SSA)
              if t.long_acting is True and t.status is TherapyStatus.ACTIVE
              and (t.end is None or t.end > window_start)]
    if not depots:
        return Outcome.not_applicable("NR-17", "no long-acting SSA within the washout window")
    facts = (FactUse(name="Next PRRT dose", display=prrt_date.isoformat(), date=prrt_date,
                     reference=(p.next_prrt_date.sources[0].reference if p.next_prrt_date.sources else None)),
             *exposure_facts(p, Agent.SSA))
    # A hold refers to a date: check what has already happened. The last depot dose on record decides
    # whether the washout can still be kept before the scheduled PRRT dose.
    given_dates = [t.last_administered for t in depots if t.last_administered is not None]
    if not given_dates:
        return Outcome.applicable(
            "NR-17", card="ssa-before-prrt-check", facts=facts, params={"date": prrt_date.isoformat()},
            missing=("date of the last long-acting SSA injection",),
            reason="long-acting SSA active with a PRRT dose scheduled; last injection date not on record")
    given = max(given_dates)
    depot = next(t for t in depots if t.last_administered == given)
    given_fact = FactUse(name="Last long-acting SSA injection", display=f"{depot.drug} given {given.isoformat()}",
                         date=given, reference=depot.references[-1] if depot.references else None)
    if given > window_start:
        earliest = shift(given, washout.days)
        return Outcome.applicable(
            "NR-17", card="ssa-before-prrt-postpone", facts=(given_fact, *facts),
            params={"date": prrt_date.isoformat(), "given": given.isoformat(), "earliest": earliest.isoformat()},
            reason=f"long-acting SSA given {(prrt_date - given).days} days before the scheduled PRRT dose "
                   f"(at least {washout.days} needed)")
    return Outcome.applicable(
        "NR-17", facts=(given_fact, *facts), params={"date": prrt_date.isoformat(), "given": given.isoformat()},
        reason="long-acting SSA active with a PRRT dose scheduled: no further depot dose before it")


@rule("NR-18")
def embolisation_after_bilioenteric(p: NetPicture, as_of: date, k: RuleKnowledge) -> Outcome:
    kinds = set(k.values("bilio_enteric_procedures"))
    anastomosis = [FactUse(name="Procedure", display=pr.display, date=pr.date, reference=pr.reference)
                   for pr in p.procedures if pr.kind in kinds]
    if p.bilio_enteric_anastomosis.is_(True) and not anastomosis:
        anastomosis.append(FactUse.of("Bilio-enteric anastomosis", p.bilio_enteric_anastomosis, "yes"))
    if not anastomosis:
        if p.bilio_enteric_anastomosis.known:
            return Outcome.not_applicable("NR-18", "no bilio-enteric anastomosis")
        return Outcome.not_applicable("NR-18", "no bilio-enteric anastomosis or pancreaticoduodenectomy on record")
    ordered = in_play(p, Agent.LIVER_DIRECTED)
    liver_dominant = p.liver_metastases.is_(True) and p.liver_dominant.is_(True)
    if not ordered and not liver_dominant:
        return Outcome.not_applicable("NR-18", "liver-directed therapy neither ordered nor in play")
    facts = (*anastomosis, *exposure_facts(p, Agent.LIVER_DIRECTED))
    if liver_dominant:
        facts += (FactUse.of("Liver-dominant disease", p.liver_dominant, "yes"),)
    return Outcome.applicable("NR-18", facts=facts, reason="liver abscess risk after bilio-enteric anastomosis")


@rule("NR-19")
def everolimus_interactions(p: NetPicture, as_of: date, k: RuleKnowledge) -> Outcome | tuple[Outcome, ...]:
    if not in_play(p, Agent.EVEROLIMUS):
        return Outcome.not_applicable("NR-19", "everolimus not ordered")
    facts = exposure_facts(p, Agent.EVEROLIMUS)
    out = []
    for card, flags in (("everolimus-cyp3a4", k.values("strong_cyp3a4_inhibitor_flags")),
                        ("everolimus-live-vaccine", k.values("live_vaccine_flags"))):
        meds = [m for m in p.current_medications if m.flags & set(flags)]
        if meds:
            used = tuple(medication_fact(m) for m in meds)
            out.append(Outcome.applicable("NR-19", card=card, facts=(*used, *facts),
                                          params={"drug": ", ".join(dict.fromkeys(drug_words(m.name) for m in meds))},
                                          reason="interacting medication with everolimus"))
    if out:
        return tuple(out)
    if "medicationRequests" in p.unavailable or "medicationStatements" in p.unavailable:
        return Outcome.insufficient("NR-19", ("current medication list",), reason="medications could not be read")
    return Outcome.not_applicable("NR-19", "no strong CYP3A4 inhibitor or live vaccine on record")


@rule("NR-20")
def cometriq_substitution(p: NetPicture, as_of: date, k: RuleKnowledge) -> Outcome:
    codes = set(k.values("cometriq_rxnorm"))
    hits = [t for t in p.therapies_of(Agent.CABOZANTINIB)
            if t.status in (TherapyStatus.ACTIVE, TherapyStatus.PLANNED)
            and ("cometriq" in t.drug.lower() or any(c.rsplit("|", 1)[-1] in codes for c in t.codes))]
    if not hits:
        return Outcome.not_applicable("NR-20", "no Cometriq capsules ordered")
    facts = tuple(therapy_fact(t, t.status.value) for t in hits)
    return Outcome.applicable("NR-20", facts=facts, reason="cabozantinib capsules (Cometriq) ordered for NET")


# --------------------------------------------------------------------------- section 5 safety boxes


def _on_or_ordered(p: NetPicture, agent: Agent, rule_id: str) -> Outcome | None:
    """Pre-treatment checks (DPYD, renal function): the drug is taken or ordered."""
    if not in_play(p, agent):
        return Outcome.not_applicable(rule_id, f"not on {agent.value}")
    return None


def _on(p: NetPicture, agent: Agent, rule_id: str) -> Outcome | None:
    """Monitoring boxes: only while the patient takes the drug. For a drug merely proposed the
    drug's own card carries the cautions (and a proposal that is not recommended gets no
    'how to monitor it' card)."""
    if not p.on(agent):
        return Outcome.not_applicable(rule_id, f"not currently on {agent.value}")
    return None


@rule("SB-01")
def everolimus_monitoring(p: NetPicture, as_of: date, k: RuleKnowledge) -> Outcome:
    early = _on(p, Agent.EVEROLIMUS, "SB-01")
    if early:
        return early
    facts = exposure_facts(p, Agent.EVEROLIMUS)
    labs = p.labs
    uln = float(labs.bilirubin_uln.value) if labs.bilirubin_uln.known else k.threshold("bilirubin_uln_default")  # type: ignore[arg-type]
    liver = []
    if labs.bilirubin.known and labs.bilirubin.value > k.threshold("everolimus_hepatic_bilirubin_uln_multiple") * uln:
        liver.append(_lab("Bilirubin", labs.bilirubin, "mg/dL"))
    if labs.albumin.known and labs.albumin.value < k.threshold("everolimus_hepatic_albumin_below"):
        liver.append(_lab("Albumin", labs.albumin, "g/dL"))
    cp = p.child_pugh
    if liver and cp.known and cp.value.min_class in ("B", "C"):  # type: ignore[union-attr]
        # the labs already settle the class (at least B): the label dose, never "assess the Child-Pugh class"
        klass = cp.value.min_class  # type: ignore[union-attr]
        cap = k.threshold(f"everolimus_child_pugh_{klass.lower()}_max_mg")
        doses = [t.dose_mg for t in p.therapies_of(Agent.EVEROLIMUS)
                 if t.status in (TherapyStatus.ACTIVE, TherapyStatus.PLANNED) and t.dose_mg is not None]
        if not doses or max(doses) > cap:
            return Outcome.applicable(
                "SB-01", card=f"everolimus-child-pugh-{klass.lower()}",
                facts=(FactUse.of("Child-Pugh class", cp), *liver, *facts),
                missing=tuple(f"{u} (completes the Child-Pugh class)" for u in cp.value.unknown),  # type: ignore[union-attr]
                reason=f"at least Child-Pugh {klass} ({cp.value.min_points} points or more) on everolimus"  # type: ignore[union-attr]
                       + (f" {max(doses):g} mg" if doses else "") + f": at most {cap:g} mg daily")
    if liver:
        unknown = cp.value.unknown if cp.known else ("INR", "ascites", "encephalopathy")  # type: ignore[union-attr]
        return Outcome.applicable("SB-01", card="everolimus-hepatic-impairment",
                                  facts=(*((FactUse.of("Child-Pugh class", cp),) if cp.known else ()), *liver,
                                         *facts),
                                  missing=(f"Child-Pugh class ({', '.join(unknown)})",) if unknown else (),
                                  reason="impaired liver function on everolimus: Child-Pugh dose")
    high = []
    if p.labs.hba1c.known and p.labs.hba1c.value >= k.threshold("hba1c_diabetes_min"):
        high.append(_lab("HbA1c", p.labs.hba1c, "%"))
    if p.labs.glucose.known and p.labs.glucose.value >= k.threshold("fasting_glucose_diabetes_min"):
        high.append(_lab("Glucose", p.labs.glucose, "mg/dL"))
    if high:
        return Outcome.applicable("SB-01", card="everolimus-hyperglycaemia", facts=(*high, *facts),
                                  reason="raised glucose/HbA1c on or before everolimus")
    missing = tuple(n for n, f in (("fasting glucose or HbA1c", p.labs.hba1c if p.labs.hba1c.known else p.labs.glucose),
                                   ("lipids", p.labs.cholesterol)) if not f.known)
    return Outcome.applicable("SB-01", facts=facts, missing=missing, reason="everolimus monitoring")


@rule("SB-02")
def sunitinib_monitoring(p: NetPicture, as_of: date, k: RuleKnowledge) -> Outcome:
    early = _on(p, Agent.SUNITINIB, "SB-02")
    if early:
        return early
    facts = exposure_facts(p, Agent.SUNITINIB)
    if p.labs.systolic_bp.known and p.labs.systolic_bp.value >= k.threshold("systolic_bp_uncontrolled_min"):
        facts += (_lab("Systolic BP", p.labs.systolic_bp, "mm[Hg]"),)
    return Outcome.applicable("SB-02", facts=facts, reason="sunitinib monitoring")


@rule("SB-03")
def cabozantinib_monitoring(p: NetPicture, as_of: date, k: RuleKnowledge) -> Outcome:
    early = _on(p, Agent.CABOZANTINIB, "SB-03")
    if early:
        return early
    facts = exposure_facts(p, Agent.CABOZANTINIB)
    window = timedelta(days=k.threshold("cabozantinib_stop_before_surgery_days"))
    surgery = [t for t in p.therapies_of(Agent.SURGERY) if t.status is TherapyStatus.PLANNED]
    if surgery:
        soon = [t for t in surgery if t.start is None or t.start - as_of <= window + timedelta(days=7)]
        if soon:
            facts += exposure_facts(p, Agent.SURGERY)
            return Outcome.applicable("SB-03", card="cabozantinib-surgery", facts=facts,
                                      reason="planned surgery while on cabozantinib")
    return Outcome.applicable("SB-03", facts=facts, reason="cabozantinib monitoring")


@rule("SB-04")
def capecitabine_safety(p: NetPicture, as_of: date, k: RuleKnowledge) -> Outcome:
    early = _on_or_ordered(p, Agent.CAPTEM, "SB-04")
    if early:
        return early
    facts = exposure_facts(p, Agent.CAPTEM)
    crcl = p.labs.creatinine_clearance
    if crcl.known and crcl.value < k.threshold("capecitabine_crcl_contraindicated_below"):
        return Outcome.applicable("SB-04", card="capecitabine-renal", facts=(_lab("Creatinine clearance", crcl, "mL/min"), *facts),
                                  reason="capecitabine contraindicated at this renal function")
    missing, _ = labs_not_current(p, ("creatinine_clearance",), k.threshold("drug_labs_max_age_days"))
    if p.dpd_deficiency.is_(True):  # known: SB-13 says what to do; never ask for a test already answered
        facts = (FactUse.of("DPD deficiency", p.dpd_deficiency), *facts)
    else:
        missing = (*missing, "DPYD genotype / DPD activity")
    return Outcome.applicable("SB-04", facts=facts, missing=missing, reason="fluoropyrimidine safety checks")


@rule("SB-05")
def belzutifan_monitoring(p: NetPicture, as_of: date, k: RuleKnowledge) -> Outcome:
    if not p.on(Agent.BELZUTIFAN):
        return Outcome.not_applicable("SB-05", "not on belzutifan")
    facts = exposure_facts(p, Agent.BELZUTIFAN)
    hb = p.labs.hemoglobin
    if hb.known and hb.value < k.threshold("belzutifan_hb_hold_below"):
        return Outcome.applicable("SB-05", card="belzutifan-anaemia", facts=(_lab("Haemoglobin", hb, "g/dL"), *facts),
                                  reason="anaemia below the belzutifan hold threshold")
    return Outcome.applicable("SB-05", facts=facts, missing=() if hb.known else ("haemoglobin",),
                              reason="belzutifan monitoring")


@rule("SB-06")
def platinum_renal(p: NetPicture, as_of: date, k: RuleKnowledge) -> Outcome:
    early = _on_or_ordered(p, Agent.PLATINUM_ETOPOSIDE, "SB-06")
    if early:
        return early
    crcl = p.labs.creatinine_clearance
    if not crcl.known:
        return Outcome.insufficient("SB-06", ("creatinine clearance",), reason="renal function unknown")
    old, _ = labs_not_current(p, ("creatinine_clearance",), k.threshold("drug_labs_max_age_days"))
    if old:  # an old value does not choose between cisplatin and carboplatin
        return Outcome.insufficient("SB-06", tuple(old), reason="renal function not current")
    if crcl.value >= k.threshold("cisplatin_crcl_prefer_carboplatin_below"):
        return Outcome.not_applicable("SB-06", "renal function allows cisplatin")
    return Outcome.applicable("SB-06", facts=(_lab("Creatinine clearance", crcl, "mL/min"),
                                              *exposure_facts(p, Agent.PLATINUM_ETOPOSIDE)),
                              reason="reduced renal function: carboplatin preferred")


@rule("SB-07")
def streptozocin_renal(p: NetPicture, as_of: date, k: RuleKnowledge) -> Outcome:
    early = _on_or_ordered(p, Agent.STREPTOZOCIN, "SB-07")
    if early:
        return early
    facts = exposure_facts(p, Agent.STREPTOZOCIN)
    crcl = p.labs.creatinine_clearance
    if crcl.known and crcl.value < k.threshold("streptozocin_crcl_caution_below"):
        return Outcome.applicable("SB-07", card="streptozocin-renal", facts=(_lab("Creatinine clearance", crcl, "mL/min"), *facts),
                                  reason="streptozocin with reduced renal function")
    missing, _ = labs_not_current(p, ("creatinine_clearance",), k.threshold("drug_labs_max_age_days"))
    return Outcome.applicable("SB-07", facts=facts, missing=tuple(missing),
                              reason="streptozocin nephrotoxicity monitoring")


@rule("SB-08")
def interferon_monitoring(p: NetPicture, as_of: date, k: RuleKnowledge) -> Outcome:
    early = _on(p, Agent.INTERFERON, "SB-08")
    if early:
        return early
    return Outcome.applicable("SB-08", facts=exposure_facts(p, Agent.INTERFERON), reason="interferon alfa monitoring")


@rule("SB-09")
def diazoxide_monitoring(p: NetPicture, as_of: date, k: RuleKnowledge) -> Outcome:
    early = _on(p, Agent.DIAZOXIDE, "SB-09")
    if early:
        return early
    return Outcome.applicable("SB-09", facts=exposure_facts(p, Agent.DIAZOXIDE) + tuple(
        FactUse.of(n, f) for n, f in (("Glucose", p.labs.glucose), ("Hypoglycaemia", p.hypoglycaemia)) if f.known),
        reason="diazoxide monitoring")


_SYSTEMIC_FETOTOXIC = (Agent.EVEROLIMUS, Agent.SUNITINIB, Agent.CABOZANTINIB, Agent.CAPTEM, Agent.STREPTOZOCIN,
                       Agent.PLATINUM_ETOPOSIDE, Agent.OTHER_CHEMOTHERAPY, Agent.IMMUNOTHERAPY, Agent.INTERFERON)


@rule("SB-10")
def pregnancy_and_systemic_therapy(p: NetPicture, as_of: date, k: RuleKnowledge) -> Outcome | tuple[Outcome, ...]:
    pregnant, feeding = p.pregnant.is_(True), p.breastfeeding.is_(True)
    if not pregnant and not feeding:
        return Outcome.not_applicable("SB-10", "neither pregnancy nor breast-feeding on record")
    taken = [a for a in _SYSTEMIC_FETOTOXIC if in_play(p, a)]
    in_play_now = bool(taken) or is_advanced(p) is True
    drugs = exposure_facts(p, *taken)
    if pregnant:
        status = (FactUse.of("Pregnant", p.pregnant, "yes"),)
        out = [Outcome.applicable("SB-10", card="pregnancy-net-management", facts=status + drugs,
                                  params=card_params(p), reason="pregnancy with a neuroendocrine neoplasm")]
        if in_play_now:
            out.append(Outcome.applicable("SB-10", card="pregnancy-systemic-therapy", facts=status + drugs,
                                          reason="pregnancy with systemic antitumour therapy ordered or in play"))
        return tuple(out)
    if not in_play_now:
        return Outcome.not_applicable("SB-10", "breast-feeding; no systemic antitumour therapy ordered, taken or in play")
    status = (FactUse.of("Breast-feeding", p.breastfeeding, "yes"),) + fact_uses(p, "pregnant")
    return Outcome.applicable("SB-10", card="breastfeeding-systemic-therapy", facts=status + drugs,
                              reason="breast-feeding with systemic antitumour therapy ordered or in play")
