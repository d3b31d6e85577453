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
    Then: CONSIDER (MDT), as the table rates it, Lu-177 dotatate x4 + octreotide LAR 30 mg as the alternative to an
          SSA alone (OS immature); an option of the first-line choice card beside M-02 (XC-02 puts the SSA first);
          first-line use is off-label in the EU (label: progressive G1-G2). Was shown as RECOMMEND on a card of
          its own (review 2026-12 A-W4, B-W2). SSTR missing or degree unknown -> needs-data card (prrt-needs-sstr).
M-04 — PRRT after SSA  (NETTER-1 PFS NR vs 8.4 mo; FDA/EU label)
    When: advanced, progressive on an SSA, SSTR positive_all, no PRRT before.
    Then: RECOMMEND Lu-177 dotatate 7.4 GBq q8w x4. SSTR missing/degree unknown -> needs-data;
          heterogeneous/below liver/negative -> not applicable (NR-03 says why).
M-05 — everolimus  (RADIANT-4 PFS 11.0 vs 3.9 mo)
    When: advanced, non-functional (no carcinoid syndrome), progressive on an SSA, no everolimus and
          no PRRT before (after PRRT: M-07).
    Then: CONSIDER everolimus 10 mg daily (card says: if PRRT not possible or declined). When the record shows
          PRRT is not possible now (``pathways.prrt_not_possible``: declined, CrCl below the label's 30 mL/min,
          pregnancy, breast-feeding) the table's condition is met: RECOMMEND everolimus as the next line, with the
          reason (everolimus-prrt-not-possible; review 2026-12 A-W3, net-41/42/67).
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
    Then: CONSIDER SSA escalation for symptom control (any site; shared cards with F-02/F-03), the step for
          the depot in use (predicates.ssa_escalation_card): lanreotide -> 120 mg every 14 days; octreotide
          LAR -> 30 mg every 3 weeks or 60 mg every 4 weeks; unknown -> every step. Its own card (decision
          ssa-escalation), never merged under "continue the SSA"; the draft replaces the current depot order.
M-09 — interferon alfa  (SWOG S0518; seeds 000/002)
    When: interferon planned or active after an SSA and >= interferon_min_prior_non_ssa_lines (2) other
          options (non-SSA systemic lines, liver-directed therapy, telotristat for carcinoid syndrome).
    Then: CONSIDER interferon as a last resort; otherwise not applicable (first-line use is NR-13). Carcinoid
          syndrome whose SSA was never escalated (no dose above standard on record:
          ``lists.ssa_escalated_dose_markers``) -> the card says escalation comes first (review 2026-12, Wrong 13:
          never "other options appear used" while one is untried).
M-10 — primary / mesenteric resection  (seed 001; NANETS surgery 2017)
    When: small-intestine primary (not appendix, not unknown), advanced, no resection on record,
          abdominal pain documented (obstruction/ischaemia risk). Pain not recorded -> insufficient.
    Then: CONSIDER resection of primary and mesenteric mass; cholecystectomy if long-term SSA.
M-11 — unknown primary  (RADIANT-4 and CABINET included unknown primary)
    When: unknown primary, WD G1/G2.
    Then: RECOMMEND primary localisation; rows M-02..M-07 treat it as extra-pancreatic; sunitinib
          only once a pancreatic primary is established.

Shared predicates live in ``service.rules.predicates``; the M-02..M-07 sequence (reused by O-06)
in ``service.rules.pathways``.
"""
from __future__ import annotations

from datetime import date

from service.picture.model import Agent, NetPicture, PrimarySite, TherapyStatus
from service.rules.outcome import Outcome, unknown
from service.rules.pathways import (
    after_prrt_or_everolimus,
    everolimus_progressive,
    prrt_after_ssa,
    prrt_first_line,
    ssa_first_line,
    sstr_negative_progression,
)
from service.rules.predicates import (
    ssa_escalation_card,
    MIDGUT_SITES,
    NON_SSA_SYSTEMIC,
    advanced,
    card_params,
    fact_uses,
    first,
    functional_carcinoid,
    had_any,
    ki67_low,
    progression_known,
    received,
    refractory_symptoms,
    site_is,
    therapy_facts,
    well_differentiated_low_grade,
)
from service.rules.registry import RuleKnowledge, rule

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
    return _midgut_row("M-02", p) or ssa_first_line("M-02", p, k)


@rule("M-03")
def first_line_prrt(p: NetPicture, as_of: date, k: RuleKnowledge) -> Outcome:
    return _midgut_row("M-03", p) or prrt_first_line("M-03", p, k)


@rule("M-04")
def prrt_after_progression_on_ssa(p: NetPicture, as_of: date, k: RuleKnowledge) -> Outcome:
    return _midgut_row("M-04", p) or prrt_after_ssa("M-04", p, k)


@rule("M-05")
def everolimus_after_ssa(p: NetPicture, as_of: date, k: RuleKnowledge) -> Outcome:
    return _midgut_row("M-05", p) or everolimus_progressive("M-05", p, k)


@rule("M-06")
def progression_sstr_negative(p: NetPicture, as_of: date, k: RuleKnowledge) -> Outcome | tuple[Outcome, ...]:
    return _midgut_row("M-06", p) or sstr_negative_progression("M-06", p)


@rule("M-07")
def after_prrt_or_everolimus_row(p: NetPicture, as_of: date, k: RuleKnowledge) -> Outcome | tuple[Outcome, ...]:
    return _midgut_row("M-07", p) or after_prrt_or_everolimus("M-07", p, k)


@rule("M-08")
def ssa_escalation_for_symptoms(p: NetPicture, as_of: date, k: RuleKnowledge) -> Outcome:
    stop = refractory_symptoms("M-08", p, as_of, k)
    if stop is not None:
        return stop
    return Outcome.applicable(
        "M-08", card=ssa_escalation_card(p), params=card_params(p),
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
    # Options already used besides the SSA: non-SSA systemic lines, liver-directed therapy and,
    # for carcinoid syndrome, telotristat (interferon's remaining role is refractory syndrome).
    used = [a for a in NON_SSA_SYSTEMIC - {Agent.INTERFERON} | {Agent.LIVER_DIRECTED} if received(p, a)]
    if functional_carcinoid(p) and received(p, Agent.TELOTRISTAT):
        used.append(Agent.TELOTRISTAT)
    if len(used) < k.threshold("interferon_min_prior_non_ssa_lines") or not received(p, Agent.SSA):
        return Outcome.not_applicable("M-09", "other standard options not exhausted (interferon first/early: NR-13)")
    facts = therapy_facts(p, (Agent.INTERFERON, *sorted(NON_SSA_SYSTEMIC, key=lambda a: a.value), Agent.SSA,
                              Agent.TELOTRISTAT, Agent.LIVER_DIRECTED))
    if functional_carcinoid(p) and not ssa_escalated(p, k):
        return Outcome.applicable("M-09", card="interferon-after-ssa-escalation", params=card_params(p), facts=facts,
                                  missing=("SSA dose escalation tried (none above the standard dose on record)",),
                                  reason="interferon requested, SSA escalation for the syndrome not yet tried")
    return Outcome.applicable("M-09", params=card_params(p), facts=facts,
                              reason="standard options used; interferon as last resort")


def ssa_escalated(p: NetPicture, k: RuleKnowledge) -> bool:
    """An SSA above the standard dose is or was on record (octreotide LAR 60 mg / every 3 weeks, lanreotide every
    2 weeks ...), read from the dose text of any SSA exposure."""
    markers = k.values("ssa_escalated_dose_markers")
    return any(m in (t.dose_text or "").lower().replace(" ", "") for t in p.therapies_of(Agent.SSA) for m in markers)


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
