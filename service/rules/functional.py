"""Functional syndromes (decision table 4.9). Symptom-control rows fire in addition to the
antiproliferative rows and take priority (G-07).

Scope NET (any WD grade) unless stated; the syndrome comes from ``picture.syndromes`` (or the
``carcinoid_syndrome`` fact). Numbers come from ``cards/knowledge/functional.yaml``.

F-01 — carcinoid syndrome: SSA  (seeds 002/004; labels)
    When: carcinoid syndrome.
    Then: not on an SSA -> RECOMMEND octreotide LAR 30 mg q4w (with SC octreotide three times daily for the
          first 2 weeks) or lanreotide 120 mg q4w (one choice card); already on one -> RECOMMEND continuing
          it (ssa-carcinoid-continue) with SC octreotide as an as-needed rescue order (never a standing order).
F-02 — refractory carcinoid diarrhoea  (TELESTAR -0.81 BM/day vs placebo; TELECAST)
    When: carcinoid syndrome, on an SSA >= ssa_min_months_refractory (3 months), bowel movements
          >= refractory_bm_per_day (4/day) (or recorded refractory with BM count missing), no
          severe constipation.
    Then: RECOMMEND telotristat 250 mg TID with the SSA; CONSIDER SSA escalation (the M-08 card for the
          depot in use);
          already on telotristat -> only the SSA-escalation card.
F-03 — refractory flushing  (ENETS-CS 2022)
    When: carcinoid syndrome, on an SSA >= 3 months, flushing >= refractory_flushing_per_day.
    Then: CONSIDER SSA escalation, the M-08 card for the depot in use (liver-directed therapy and PRRT come
          from LD-02/F-06).
F-04 — carcinoid heart disease  (ENETS-CS 2022; Bhattacharyya 2008)
    When: carcinoid heart disease on record, or carcinoid syndrome with NT-proBNP > ntprobnp_chd_screen
          (260 pg/mL). Carcinoid syndrome with NT-proBNP missing -> needs-data card (a warning when surgery,
          liver-directed therapy or PRRT is planned: ENETS 2022 expects CHD excluded before surgery).
    Then: known CHD -> RECOMMEND cardiology / valve-team referral and tighter 5-HIAA control (no "arrange
          echocardiography ... suspected or known"); raised NT-proBNP -> RECOMMEND echocardiography +
          cardiology review.
F-05 — peri-procedural cover that fits the syndrome  (ENETS/NANETS; ENETS-fpNET 2023)  [review row]
    When: functional NET and a procedure either planned (planned surgery / liver-directed therapy / PRRT
          order, or a next PRRT date on/after today) or recommended by this very answer (a recommend card on
          the surgery, liver-directed-therapy or PRRT topic, not of a therapy the patient declined; a consider
          card -- an MDT option -- carries the cover as a caution line of its own, no separate card or draft).
          It runs after the other rows to see their suggestions.
    Then: carcinoid syndrome and the other hormone syndromes (VIPoma, glucagonoma, gastrinoma,
          somatostatinoma) -> RECOMMEND octreotide cover before/during the procedure (crisis-prophylaxis), not
          when an insulinoma without SSTR-positive imaging is also present (NR-12);
          insulinoma -> RECOMMEND peri-procedural glucose monitoring and IV dextrose (diazoxide topic), never
          octreotide cover (NR-12: an SSA can deepen hypoglycaemia); ectopic ACTH -> CAUTION (drug-safety: the
          procedure goes ahead with this flag) a glucocorticoid-cover plan and a plan for the steroidogenesis
          inhibitors (endocrinology), not carcinoid-crisis cover. A patient with several syndromes gets each
          fitting card.
F-06 — progression with carcinoid syndrome  (NETTER-1; everolimus label limitation, RADIANT-2)
    When: WD G1/G2 GEP or unknown-primary NET, carcinoid syndrome, progressive on an SSA.
    Then: RECOMMEND PRRT if SSTR positive_all and no PRRT yet (needs-data when SSTR vs liver unknown);
          CONSIDER liver-directed therapy if liver-dominant and not resectable (no anastomosis: LD-02 gives the
          caution; resectability not assessed: the card says "once resection is ruled out").
          Everolimus is never suggested here (NR-02).
F-07 — insulinoma  (ENETS-fpNET 2023)
    When: insulinoma.
    Then: localized -> RECOMMEND enucleation/resection; hypoglycaemia not known to be controlled -> RECOMMEND
          diazoxide (already on it: optimise the dose, diazoxide-insulinoma-optimise); advanced (malignant):
          RECOMMEND everolimus (no everolimus yet), CONSIDER PRRT with glucose monitoring when SSTR uptake
          >= liver in every lesion and no PRRT yet (needs-data when SSTR not known), CONSIDER
          liver-directed therapy when liver-dominant and not resectable, CONSIDER CAPTEM (no CAPTEM yet).
          Never an SSA without SSTR-positive imaging and a monitored test dose (NR-12), never sunitinib as a
          glucose-raising option.
F-08 — gastrinoma / ZES  (ENETS-fpNET 2023; seed 001)
    When: gastrinoma.
    Then: RECOMMEND high-dose PPI (info card "continue" if already on a PPI); sporadic (no MEN1) and
          localized -> RECOMMEND curative surgery.
F-09 — VIPoma: not on an SSA -> RECOMMEND IV fluids, K/Mg replacement and octreotide (one signable SC dose,
    100 micrograms TID, the titration in the text); on an SSA with diarrhoea
    not controlled (>= refractory_bm_per_day bowel movements/day, or recorded refractory) -> RECOMMEND
    escalation (SSA dose, IV fluids, K/Mg, tumour-directed control: debulking, liver-directed therapy, PRRT,
    everolimus/sunitinib); on an SSA with the symptoms not recorded -> insufficient (bowel movements per day).
    Potassium and magnesium on record are cited with their dates (critical values make the card critical,
    ``predicates.lab_fact``); only those not on record or older than vipoma_electrolytes_max_days are missing, and
    then a needs-data card (vipoma-electrolytes-needed) offers a lab request for each of potassium, magnesium and
    creatinine -- the renderer drafts only those with no value on record within that many days.
F-10 — glucagonoma: RECOMMEND SSA, nutrition, diabetes care and VTE prophylaxis when not on an SSA; with an
    active DVT/PE on record the card says "confirm therapeutic anticoagulation" instead of prophylaxis (and
    whether an anticoagulant is on record).
F-11 — ACTH-secreting NET: RECOMMEND control of hypercortisolism (endocrinology); an active DVT/PE on record
    -> the card variant that asks to confirm therapeutic anticoagulation (not prophylaxis).
F-12 — somatostatinoma: CONSIDER an SSA trial when not on an SSA and not localized (localized: resection), and not
    when the first-line SSA row (advanced, SSTR-positive, Ki-67 < 10 %) already starts one (its card names the
    syndrome and its cautions).
"""
from __future__ import annotations

from dataclasses import replace
from datetime import date

from service.picture.model import (
    Agent,
    Differentiation,
    Extent,
    Grade,
    Hereditary,
    NetPicture,
    PrimarySite,
    Resectability,
    Scope,
    Syndrome,
    TherapyStatus,
)
from service.rules.predicates import (
    ssa_escalation_card,
    SSTR_POSITIVE,
    card_params,
    ki67_low,
    medication_fact,
    fact_uses,
    functional_carcinoid,
    lab_facts,
    is_advanced,
    needs_data,
    on_ssa_for,
    progressed_on,
    progression_known,
    received,
    refractory_symptoms,
    prrt_gates,
    therapy_facts,
    well_differentiated_low_grade,
)
from service.rules.outcome import FactUse, Outcome, Status, unknown
from service.rules.predicates import (
    beyond_critical,
    recent_critical,
    has_bilio_enteric_anastomosis,
)
from service.rules.registry import RuleKnowledge, rule


def _net(rule_id: str, p: NetPicture) -> Outcome | None:
    if p.scope is not Scope.NET or p.differentiation.is_(Differentiation.POOR) or p.grade.is_(Grade.NEC):
        return Outcome.not_applicable(rule_id, "functional rows are for well-differentiated NET")
    return None


def _syndrome(rule_id: str, p: NetPicture, syndrome: Syndrome) -> Outcome | None:
    stop = _net(rule_id, p)
    if stop is not None:
        return stop
    if not p.has_syndrome(syndrome):
        return Outcome.not_applicable(rule_id, f"no {syndrome.value} syndrome on record")
    return None


def _syndrome_facts(p: NetPicture) -> tuple[FactUse, ...]:
    return tuple(FactUse.of_source("Functional syndrome", s)
                 for s in p.syndrome_sources)


@rule("F-01")
def ssa_for_carcinoid_syndrome(p: NetPicture, as_of: date, k: RuleKnowledge) -> Outcome:
    stop = _net("F-01", p)
    if stop is not None:
        return stop
    if not functional_carcinoid(p):
        return Outcome.not_applicable("F-01", "no carcinoid syndrome on record")
    if p.on(Agent.SSA):
        return Outcome.applicable("F-01", card="ssa-carcinoid-continue", params=card_params(p),
                                  facts=_syndrome_facts(p) + fact_uses(p, "bowel_movements_per_day", "flushing_per_day")
                                  + therapy_facts(p, (Agent.SSA,)),
                                  reason="carcinoid syndrome on an SSA: continue and optimise it")
    return Outcome.applicable("F-01", card="ssa-carcinoid-syndrome", params=card_params(p),
                              facts=_syndrome_facts(p) + fact_uses(p, "carcinoid_syndrome", "bowel_movements_per_day",
                                                                   "flushing_per_day"),
                              reason="carcinoid syndrome without SSA")


@rule("F-02")
def telotristat_for_refractory_diarrhoea(p: NetPicture, as_of: date, k: RuleKnowledge) -> Outcome | tuple[Outcome, ...]:
    stop = _net("F-02", p)
    if stop is not None:
        return stop
    if not functional_carcinoid(p):
        return Outcome.not_applicable("F-02", "no carcinoid syndrome on record")
    on_telotristat = p.on(Agent.TELOTRISTAT)
    if p.severe_constipation.is_(True) or (p.abdominal_pain.is_(True) and received(p, Agent.TELOTRISTAT)):
        return Outcome.not_applicable("F-02", "severe constipation / abdominal pain: telotristat not advised (NR-10)")
    long_enough = on_ssa_for(p, as_of, k.threshold("ssa_min_months_refractory"))
    if long_enough is None:
        return Outcome.insufficient("F-02", ("start date of the somatostatin analogue",), reason="SSA start unknown")
    if not long_enough:
        return Outcome.not_applicable("F-02", "not on a standard-dose SSA for 3 months yet (telotristat is added to an SSA)")
    bm = p.bowel_movements_per_day
    missing: tuple[str, ...] = ()
    if bm.known:
        if float(bm.value) < k.threshold("refractory_bm_per_day"):  # type: ignore[arg-type]
            return Outcome.not_applicable("F-02", "fewer than 4 bowel movements per day")
    elif p.refractory_carcinoid_syndrome.is_(True):
        missing = ("bowel movements per day (diary)",)
    else:
        return Outcome.insufficient("F-02", ("bowel movements per day (diary)",), reason="stool frequency not recorded")
    facts = (fact_uses(p, "carcinoid_syndrome", "bowel_movements_per_day", "refractory_carcinoid_syndrome")
             + therapy_facts(p, (Agent.SSA, Agent.TELOTRISTAT)))
    params = card_params(p)
    if on_telotristat:  # still refractory on SSA + telotristat: escalate the SSA (and LD-02/F-06/M-09 by their rows)
        return Outcome.applicable("F-02", card=ssa_escalation_card(p), params=params, facts=facts,
                                  reason="carcinoid diarrhoea refractory to SSA and telotristat")
    return (
        Outcome.applicable("F-02", card="telotristat-refractory", params=params, facts=facts, missing=missing,
                           reason="carcinoid diarrhoea refractory to >=3 months of SSA"),
        Outcome.applicable("F-02", card=ssa_escalation_card(p), params=params, facts=facts,
                           reason="refractory carcinoid diarrhoea"),
    )


@rule("F-03")
def refractory_flushing(p: NetPicture, as_of: date, k: RuleKnowledge) -> Outcome:
    stop = refractory_symptoms("F-03", p, as_of, k, flushing_only=True)
    if stop is not None:
        return stop
    return Outcome.applicable("F-03", card=ssa_escalation_card(p), params=card_params(p),
                              facts=fact_uses(p, "carcinoid_syndrome", "flushing_per_day") + therapy_facts(p, (Agent.SSA,)),
                              reason="daily flushing despite >=3 months of SSA")


@rule("F-04")
def carcinoid_heart_disease(p: NetPicture, as_of: date, k: RuleKnowledge) -> Outcome:
    stop = _net("F-04", p)
    if stop is not None:
        return stop
    if p.carcinoid_heart_disease.is_(True):
        bnp_fact = (FactUse.of("NT-proBNP", p.labs.nt_probnp),) if p.labs.nt_probnp.known else ()
        return Outcome.applicable("F-04", card="chd-known", params=card_params(p),
                                  facts=fact_uses(p, "carcinoid_heart_disease") + bnp_fact,
                                  reason="carcinoid heart disease on record")
    if not functional_carcinoid(p):
        return Outcome.not_applicable("F-04", "no carcinoid syndrome or heart disease on record")
    bnp = p.labs.nt_probnp
    if unknown(bnp):
        planned = [t for a in _PROCEDURE_AGENTS for t in p.therapies_of(a) if t.status is TherapyStatus.PLANNED]
        if planned or (p.next_prrt_date.known and p.next_prrt_date.value >= as_of):  # type: ignore[operator]
            facts = tuple(FactUse(name="Planned", display=t.drug, date=t.start,
                                  reference=t.references[0] if t.references else None) for t in planned)
            return needs_data("F-04", p, ("NT-proBNP", "echocardiogram"), card="chd-screening-before-procedure",
                              facts=fact_uses(p, "carcinoid_syndrome") + facts,
                              reason="procedure planned; carcinoid heart disease not excluded")
        return needs_data("F-04", p, ("NT-proBNP", "echocardiogram"), card="chd-screening-needs-data",
                          facts=fact_uses(p, "carcinoid_syndrome"), reason="heart not assessed")
    if float(bnp.value) > k.threshold("ntprobnp_chd_screen"):  # type: ignore[arg-type]
        return Outcome.applicable("F-04", card="chd-cardiology", params=card_params(p),
                                  facts=(FactUse.of("NT-proBNP", bnp),) + fact_uses(p, "carcinoid_syndrome"),
                                  reason="carcinoid syndrome with raised NT-proBNP")
    return Outcome.not_applicable("F-04", "NT-proBNP not raised; rescreen periodically")


_PROCEDURE_AGENTS = (Agent.SURGERY, Agent.LIVER_DIRECTED, Agent.PRRT)
_PROCEDURE_TOPICS = {a.value: a for a in _PROCEDURE_AGENTS}
# Hormone syndromes whose peri-procedural risk is a hormonal (carcinoid-type) crisis: octreotide cover.
_OCTREOTIDE_COVER = frozenset({Syndrome.CARCINOID, Syndrome.VIPOMA, Syndrome.GLUCAGONOMA, Syndrome.GASTRINOMA,
                               Syndrome.SOMATOSTATINOMA})


def _procedures_ahead(p: NetPicture, as_of: date, k: RuleKnowledge,
                      outcomes: tuple[Outcome, ...]) -> tuple[FactUse, ...]:
    """Procedures planned on record or suggested by this answer (not of a declined therapy), as facts."""
    planned = [t for a in _PROCEDURE_AGENTS for t in p.therapies_of(a) if t.status is TherapyStatus.PLANNED]
    facts = tuple(FactUse(name="Planned", display=t.drug, date=t.start, reference=t.references[0] if t.references else None)
                  for t in planned)
    next_prrt = p.next_prrt_date.value if p.next_prrt_date.known else None
    if next_prrt is not None and next_prrt >= as_of:  # type: ignore[operator]
        facts += (FactUse.of("Next PRRT dose", p.next_prrt_date),)
    suggested: dict[str, list[str]] = {}
    for o in outcomes:
        if o.status is not Status.APPLICABLE:
            continue
        spec = k.card_of(o)
        # only a procedure this answer recommends counts: a "consider" (an MDT option, e.g. liver-directed therapy
        # "if liver-dominant") carries the cover as a caution line on its own card, never a separate card with an
        # octreotide draft for a procedure nobody has planned (review A W6)
        if spec is None or spec.strength != "recommend" or spec.topic not in _PROCEDURE_TOPICS:
            continue
        if spec.id in k.values("f05_not_tumour_procedure_cards"):
            continue  # e.g. parathyroidectomy in MEN1: not a procedure on the hormone-secreting tumour
        if p.declined(_PROCEDURE_TOPICS[spec.topic]):
            continue  # PD-01 withholds it: no cover for a procedure that will not be suggested
        suggested.setdefault(spec.topic, []).append(o.rule_id)
    facts += tuple(FactUse(name="Suggested on another card", display=f"{topic.replace('-', ' ')} ({', '.join(rows)})")
                   for topic, rows in sorted(suggested.items()))
    return facts


@rule("F-05", review=True)
def crisis_prophylaxis(p: NetPicture, as_of: date, k: RuleKnowledge,
                       outcomes: tuple[Outcome, ...]) -> tuple[Outcome, ...]:
    if _net("F-05", p) is not None:
        return outcomes
    syndromes = set(p.syndromes)
    if p.carcinoid_syndrome.is_(True):
        syndromes.add(Syndrome.CARCINOID)
    if not syndromes:
        return outcomes
    ahead = _procedures_ahead(p, as_of, k, outcomes)
    if not ahead:
        return outcomes
    params, facts = card_params(p), _syndrome_facts(p) + ahead
    added: list[Outcome] = []
    insulinoma_without_sstr = Syndrome.INSULINOMA in syndromes and not (p.sstr.known and p.sstr.value in SSTR_POSITIVE)
    if syndromes & _OCTREOTIDE_COVER and not insulinoma_without_sstr:
        # with an insulinoma, octreotide (even for a second syndrome) can deepen hypoglycaemia unless SSTR-positive
        # imaging is on record (NR-12): the glucose card below then carries the peri-procedural plan
        added.append(Outcome.applicable("F-05", card="crisis-prophylaxis", params=params, facts=facts,
                                        reason="hormone-secreting NET with a procedure planned or suggested"))
    if Syndrome.INSULINOMA in syndromes:
        added.append(Outcome.applicable(
            "F-05", card="insulinoma-periprocedural", params=params, facts=facts + fact_uses(p, "sstr"),
            reason="insulinoma with a procedure planned or suggested: glucose cover, never octreotide cover"))
    if Syndrome.ACTH in syndromes:
        added.append(Outcome.applicable(
            "F-05", card="acth-periprocedural", params=params,
            facts=facts + fact_uses(p, "venous_thromboembolism") + _medication_facts(p, "anticoagulant"),
            reason="ectopic ACTH with a procedure planned or suggested: glucocorticoid cover plan"))
    return outcomes + tuple(added)


def _medication_facts(p: NetPicture, flag: str) -> tuple[FactUse, ...]:
    return tuple(medication_fact(m) for m in p.medication_flagged(flag))


@rule("F-06")
def progression_with_carcinoid_syndrome(p: NetPicture, as_of: date, k: RuleKnowledge) -> Outcome | tuple[Outcome, ...]:
    stop = well_differentiated_low_grade("F-06", p)
    if stop is not None:
        return stop
    if not functional_carcinoid(p):
        return Outcome.not_applicable("F-06", "no carcinoid syndrome on record")
    if p.primary_site.is_(PrimarySite.LUNG_THYMUS):
        return Outcome.not_applicable("F-06", "lung/thymic primary: L-04 (PRRT off-label)")
    stop = progression_known("F-06", p)
    if stop is not None:
        return stop
    if not progressed_on(p, Agent.SSA):
        return Outcome.not_applicable("F-06", "no documented progression on an SSA")
    params = card_params(p)
    facts = fact_uses(p, "carcinoid_syndrome", "progression", "sstr", "liver_dominant") + therapy_facts(p, (Agent.SSA,))
    out: list[Outcome] = []
    if not received(p, Agent.PRRT):
        gate = prrt_gates("F-06", p, k)
        if gate is None:
            out.append(Outcome.applicable("F-06", card="prrt-second-line", params=params, facts=facts,
                                          reason="carcinoid syndrome, progressive on SSA, SSTR >= liver everywhere"))
        else:   # current SSTR imaging or eligibility labs needed first
            out.append(gate)
    operable = p.resectability.known and p.resectability.value in (Resectability.RESECTABLE,
                                                                    Resectability.CYTOREDUCTION_FEASIBLE)
    if p.liver_dominant.is_(True) and not operable and not has_bilio_enteric_anastomosis(p):
        card = "liver-directed-therapy" if p.resectability.known else "liver-directed-therapy-resectability-unknown"
        out.append(Outcome.applicable("F-06", card=card, params=params, facts=facts + fact_uses(p, "resectability"),
                                      missing=() if p.resectability.known else ("resectability assessment",),
                                      reason="carcinoid syndrome, progressive, liver-dominant"))
    if not out:
        return Outcome.not_applicable("F-06", "PRRT given/not possible and disease not liver-dominant: M-07 / MDT")
    return tuple(out)


@rule("F-07")
def insulinoma(p: NetPicture, as_of: date, k: RuleKnowledge) -> Outcome | tuple[Outcome, ...]:
    stop = _syndrome("F-07", p, Syndrome.INSULINOMA)
    if stop is not None:
        return stop
    params, facts = card_params(p), _syndrome_facts(p) + fact_uses(p, "hypoglycaemia", "extent", "tumor_size_cm")
    out: list[Outcome] = []
    if p.extent.is_(Extent.LOCALIZED):
        out.append(Outcome.applicable("F-07", card="insulinoma-surgery", params=params, facts=facts,
                                      reason="localized insulinoma"))
    if not p.hypoglycaemia.is_(False):
        # the latest glucose is cited with its date (below the critical limit the card is critical)
        glucose = lab_facts(p, k, "glucose")
        low = (f"; glucose {glucose[0].display} on {glucose[0].date.isoformat()}"
               if glucose and glucose[0].date is not None else "")
        if p.on(Agent.DIAZOXIDE):
            out.append(Outcome.applicable("F-07", card="diazoxide-insulinoma-optimise", params=params,
                                          facts=facts + glucose + therapy_facts(p, (Agent.DIAZOXIDE,)),
                                          reason="insulinoma on diazoxide, hypoglycaemia not recorded as controlled"
                                          + low))
        else:
            out.append(Outcome.applicable("F-07", card="diazoxide-insulinoma", params=params, facts=facts + glucose,
                                          reason="insulinoma, hypoglycaemia not controlled on record" + low))
    advanced_state = is_advanced(p)
    if advanced_state:
        out.extend(_malignant_insulinoma_options(p, k, params, facts))
    if not out:
        if advanced_state is None:
            return Outcome.insufficient("F-07", ("disease extent (staging imaging)",), reason="extent not known")
        return Outcome.not_applicable("F-07", "glucose controlled and options already in use")
    return tuple(out)


def _malignant_insulinoma_options(p: NetPicture, k: RuleKnowledge, params: dict[str, str],
                                  facts: tuple[FactUse, ...]) -> list[Outcome]:
    """Every option the table gives for a malignant insulinoma that is not in use or failed already."""
    out: list[Outcome] = []
    if not received(p, Agent.EVEROLIMUS):
        out.append(Outcome.applicable("F-07", card="everolimus-insulinoma", params=params, facts=facts,
                                      reason="malignant (advanced) insulinoma"))
    if not received(p, Agent.PRRT) and not p.declined(Agent.PRRT):
        gate = prrt_gates("F-07", p, k)
        if gate is None:
            out.append(Outcome.applicable("F-07", card="prrt-insulinoma", params=params,
                                          facts=facts + fact_uses(p, "sstr"),
                                          reason="malignant insulinoma, SSTR uptake >= liver in every lesion"))
        else:   # current SSTR imaging or eligibility labs needed first
            out.append(gate)
    liver_ok = (p.liver_dominant.is_(True) and not (p.resectability.known and p.resectability.value in
                                                     (Resectability.RESECTABLE, Resectability.CYTOREDUCTION_FEASIBLE)))
    if liver_ok and not has_bilio_enteric_anastomosis(p):
        out.append(Outcome.applicable("F-07", card="liver-directed-insulinoma", params=params,
                                      facts=facts + fact_uses(p, "liver_dominant", "hepatic_burden_percent"),
                                      missing=() if p.resectability.known else ("resectability assessment",),
                                      reason="malignant insulinoma, liver-dominant"))
    if not received(p, Agent.CAPTEM):
        out.append(Outcome.applicable("F-07", card="captem-insulinoma", params=params, facts=facts,
                                      reason="malignant insulinoma: cytotoxic option"))
    return out


@rule("F-08")
def gastrinoma(p: NetPicture, as_of: date, k: RuleKnowledge) -> Outcome | tuple[Outcome, ...]:
    stop = _syndrome("F-08", p, Syndrome.GASTRINOMA)
    if stop is not None:
        return stop
    params, facts = card_params(p), _syndrome_facts(p) + fact_uses(p, "extent", "primary_site")
    out = [Outcome.applicable("F-08", card="ppi-gastrinoma-continue" if p.on(Agent.PPI) else "ppi-gastrinoma",
                              params=params, facts=facts + therapy_facts(p, (Agent.PPI,)), reason="gastrinoma")]
    if p.extent.is_(Extent.LOCALIZED) and Hereditary.MEN1 not in p.hereditary:
        out.append(Outcome.applicable("F-08", card="gastrinoma-surgery", params=params, facts=facts,
                                      reason="sporadic localized gastrinoma"))
    return tuple(out)


def _ssa_syndrome(rule_id: str, p: NetPicture, syndrome: Syndrome, reason: str) -> Outcome:
    stop = _syndrome(rule_id, p, syndrome)
    if stop is not None:
        return stop
    if p.on(Agent.SSA):
        return Outcome.not_applicable(rule_id, "already on an SSA")
    return Outcome.applicable(rule_id, params=card_params(p), facts=_syndrome_facts(p), reason=reason)


@rule("F-09")
def vipoma(p: NetPicture, as_of: date, k: RuleKnowledge) -> Outcome | tuple[Outcome, ...]:
    stop = _syndrome("F-09", p, Syndrome.VIPOMA)
    if stop is not None:
        return stop
    # the electrolytes and creatinine on record are cited with their dates (a critical value makes the card
    # critical); those not on record, or older than a week, are asked for on a needs-data card with a lab request
    # each (the renderer drafts only the ones without a recent value)
    labs = lab_facts(p, k, "potassium", "magnesium") + _renal_facts(p)
    asked = _electrolytes_missing(p, as_of, k)
    electrolytes = tuple(words for _, words in asked)
    requested = {"labs": _words_and([lab for lab, _ in asked])}     # the summary names exactly what is requested
    critical = [f.name.lower() for f in labs if f.critical and f.name in ("Potassium", "Magnesium")]
    if critical:
        # a recent critical potassium or magnesium is not "on record, not asked again": replace it now, repeat it
        # today (the renderer drafts a critical value's request however recent) and record an ECG (review D)
        lab_card: tuple[Outcome, ...] = (
            Outcome.applicable("F-09", card="vipoma-electrolytes-critical", facts=labs, missing=electrolytes,
                               params={"critical": _words_and(critical), **requested},
                               reason=f"VIPoma: critical {_words_and(critical)}"),)
    else:
        # the request card cites the values (why one is not requested again) but is not itself escalated by them:
        # the treatment card beside it is the critical one
        lab_card = (Outcome.insufficient("F-09", electrolytes, card="vipoma-electrolytes-needed",
                                         facts=tuple(replace(f, critical=False) for f in labs), params=requested,
                                         reason="VIPoma: potassium, magnesium or creatinine not recent"),
                    ) if electrolytes else ()
    if not p.on(Agent.SSA):
        return (Outcome.applicable("F-09", params=card_params(p), facts=_syndrome_facts(p) + labs,
                                   missing=electrolytes, reason="VIPoma without SSA"),) + lab_card
    bm = p.bowel_movements_per_day
    if bm.known and float(bm.value) >= k.threshold("refractory_bm_per_day"):  # type: ignore[arg-type]
        return (Outcome.applicable("F-09", card="vipoma-not-controlled", params=card_params(p),
                                   facts=_syndrome_facts(p) + fact_uses(p, "bowel_movements_per_day") + labs
                                   + therapy_facts(p, (Agent.SSA,)),
                                   missing=electrolytes, reason="VIPoma diarrhoea not controlled on an SSA"),
                ) + lab_card
    if bm.known:
        return (Outcome.not_applicable("F-09", "VIPoma controlled on an SSA"),) + lab_card
    return (Outcome.insufficient("F-09", ("bowel movements per day (diary) on the SSA",) + electrolytes,
                                 facts=labs, reason="on an SSA; whether the diarrhoea is controlled is not recorded"),
            ) + lab_card


def _renal_facts(p: NetPicture) -> tuple[FactUse, ...]:
    """Creatinine on record (else creatinine clearance), with its date."""
    if p.labs.creatinine.known:
        return (FactUse.of("Creatinine", p.labs.creatinine),)
    if p.labs.creatinine_clearance.known:
        return (FactUse.of("Creatinine clearance", p.labs.creatinine_clearance),)
    return ()


def _electrolytes_missing(p: NetPicture, as_of: date, k: RuleKnowledge) -> tuple[tuple[str, str], ...]:
    """What F-09 asks for, as (lab, missing-data words): potassium, magnesium and renal function not on record
    or older than ``vipoma_electrolytes_max_days``, and a recent potassium or magnesium beyond a critical limit
    (repeated today and after replacement: the renderer drafts its request however recent). A recent
    non-critical value on record is cited, never listed as missing."""
    max_days = k.threshold("vipoma_electrolytes_max_days")
    out = []
    labs = (("potassium", "potassium", p.labs.potassium),
            ("magnesium", "magnesium", p.labs.magnesium),
            ("creatinine", "renal function (creatinine)", p.labs.creatinine if p.labs.creatinine.known
             else p.labs.creatinine_clearance))
    # one recent critical potassium or magnesium: all three are repeated together today (magnesium decides whether
    # potassium can be corrected; renal function comes before IV replacement) -- review E
    any_critical = any(lab != "creatinine" and recent_critical(k.whole.thresholds, lab, fact, as_of, max_days)
                       for lab, _, fact in labs)
    for lab, words, fact in labs:
        if any_critical and fact.known and fact.date is not None and (as_of - fact.date).days <= max_days:
            if lab != "creatinine" and beyond_critical(k.whole.thresholds, lab, float(fact.value)) is not None:  # type: ignore[arg-type]
                out.append((lab, f"{words}: repeat today and after replacement (critical value of {fact.date.isoformat()})"))
            else:
                out.append((lab, f"{words}: repeat today with the critical value (last {fact.date.isoformat()})"))
            continue
        if not fact.known:
            out.append((lab, f"{words} (today)"))
        elif fact.date is None or (as_of - fact.date).days > max_days:
            out.append((lab, f"{words} more recent than {fact.date.isoformat() if fact.date else 'undated'}"))
        elif lab != "creatinine" and beyond_critical(k.whole.thresholds, lab, float(fact.value)) is not None:  # type: ignore[arg-type]
            out.append((lab, f"{words}: repeat today and after replacement (critical value of {fact.date.isoformat()})"))
    return tuple(out)


def _words_and(words: list[str]) -> str:
    """"a", "a and b", "a, b and c"."""
    return words[0] if len(words) == 1 else ", ".join(words[:-1]) + " and " + words[-1] if words else ""


def _vte_facts(p: NetPicture) -> tuple[FactUse, ...]:
    return fact_uses(p, "venous_thromboembolism") + _medication_facts(p, "anticoagulant")


@rule("F-10")
def glucagonoma(p: NetPicture, as_of: date, k: RuleKnowledge) -> Outcome:
    out = _ssa_syndrome("F-10", p, Syndrome.GLUCAGONOMA, "glucagonoma without SSA")
    if out.fires and p.venous_thromboembolism.is_(True):
        # an active DVT/PE: the question is therapeutic anticoagulation, not prophylaxis (review U3)
        return Outcome.applicable("F-10", card="glucagonoma-ssa-vte", params=out.params, facts=out.facts + _vte_facts(p),
                                  missing=() if p.medication_flagged("anticoagulant") else (
                                      "current anticoagulant (none on the medication list)",),
                                  reason="glucagonoma without SSA, active venous thromboembolism on record")
    return out


@rule("F-11")
def acth_secreting(p: NetPicture, as_of: date, k: RuleKnowledge) -> Outcome:
    stop = _syndrome("F-11", p, Syndrome.ACTH)
    if stop is not None:
        return stop
    if p.venous_thromboembolism.is_(True):
        return Outcome.applicable("F-11", card="acth-hypercortisolism-vte", params=card_params(p),
                                  facts=_syndrome_facts(p) + _vte_facts(p),
                                  missing=() if p.medication_flagged("anticoagulant") else (
                                      "current anticoagulant (none on the medication list)",),
                                  reason="ectopic ACTH syndrome with active venous thromboembolism")
    return Outcome.applicable("F-11", params=card_params(p), facts=_syndrome_facts(p),
                              reason="ectopic ACTH syndrome")


@rule("F-12")
def somatostatinoma(p: NetPicture, as_of: date, k: RuleKnowledge) -> Outcome:
    if p.extent.is_(Extent.LOCALIZED):
        return Outcome.not_applicable("F-12", "localized somatostatinoma: resection is the treatment (G-01)")
    if (is_advanced(p) and p.sstr.known and p.sstr.value in SSTR_POSITIVE and not p.on(Agent.SSA)
            and ki67_low(p, k.threshold("ki67_clarinet_low_max"))):
        # the first-line SSA card (P-02/M-02) starts the SSA and names the syndrome and its cautions: a second
        # "consider a trial of SSA" card beside "start lanreotide" contradicted it (review 2026-12, Wrong 13)
        return Outcome.not_applicable("F-12", "the first-line SSA card covers the somatostatinoma")
    return _ssa_syndrome("F-12", p, Syndrome.SOMATOSTATINOMA, "somatostatinoma without SSA")
