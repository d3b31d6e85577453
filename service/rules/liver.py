"""Liver-directed therapy and surgical cytoreduction for well-differentiated NET (decision table 4.7).

Any primary site. Scope NET, not NEC/MiNEN. Numbers come from ``cards/knowledge/liver.yaml``.

LD-01 — surgical evaluation  (seed 001: resect if >=90 % resectable; NANETS 2017: >=70 %; ENETS)
    When: WD G1/G2, liver metastases, resectability "resectable" or "cytoreduction-feasible"
          (>=70-90 % of disease), and no extrahepatic metastases unless judged fully resectable.
    Then: RECOMMEND surgical evaluation (hepatectomy +/- ablation).
          Resectability not assessed -> needs-data card (ask surgeon/MDT) only where the answer
          decides the first plan: liver-dominant disease in a newly diagnosed patient (no prior
          systemic therapy) who is not progressing (progressing: LD-02's card asks for it). Hepatic burden > hepatic_replacement_high (50 %) (diffuse disease),
          unresectable extrahepatic disease, or a therapy for the current progression running ->
          not applicable. Otherwise (on treatment, not liver-dominant or not known to be) the row
          is insufficient without a card: at progression LD-02 lists the resectability assessment
          as missing on its own card, and a card for every metastatic patient was noise (review
          2026-11). Surgery already planned (a planned surgery order/procedure) -> INFO card: the
          operation is booked, complete the pre-operative checks (never "refer for surgical evaluation"
          again: review 2026-12, Wrong 15).
LD-02 — liver-directed therapy  (seed 001: no technique superior; ENETS/ESMO)
    When: WD NET G1-G3, liver-dominant, not resectable/cytoreducible, and progressive (12 months;
          not when a therapy started since the progression is still running, e.g. PRRT in course)
          or symptomatic (abdominal pain, or carcinoid syndrome refractory to >= 3 months of SSA).
    Then: CONSIDER TAE/TACE/TARE/ablation -- but CAUTION card instead when a bilio-enteric
          anastomosis is on record (abscess risk, P-08) or hepatic replacement > 50 % / bilirubin
          above the upper limit of normal (liver-failure risk). Resectability not assessed: the card
          that says "once resection is ruled out" (never asserts "not suited to resection": review
          2026-12, Wrong 12). Abdominal pain counts as symptomatic liver disease only when the
          small-bowel primary is not in situ (an unresected small-bowel primary with a mesenteric mass
          explains the pain: M-10). Liver dominance is never inferred from a liver-metastasis code alone
          (the picture needs a hepatic burden and no extrahepatic site): with dominance not documented and no
          extrahepatic site coded, CONSIDER 'if liver-dominant' (liver-directed-if-liver-dominant) asking for
          the extent outside the liver; with extrahepatic sites coded, insufficient (imaging/MDT).
LD-03 — liver transplantation  (seed 001; Milan-NET, Maspero 2022)
    When: WD G1/G2 with Ki-67 < transplant_ki67_max (10 %), metastases in the liver only,
          portal-drained primary (pancreas, midgut, other GI) removed (resection on record),
          liver not resectable, >= 1 prior systemic or liver-directed therapy, age <= transplant_age_max
          (60), hepatic burden <= transplant_hepatic_burden_max (50 %).
          Disease stable (not progressing) -- Milan-NET needs stable disease for >= transplant_stable_months
          (6) before listing: progressing -> not applicable; progression status unknown -> insufficient.
    Then: CONSIDER transplant-centre referral.
"""
from __future__ import annotations

from datetime import date

from service.picture.model import (
    Agent,
    Differentiation,
    Grade,
    NetPicture,
    PrimarySite,
    Resectability,
    Scope,
    TherapyStatus,
)
from service.rules.predicates import (
    SYSTEMIC,
    age_fact,
    progression_being_treated,
    refractory_symptoms,
    card_params,
    fact_uses,
    had_any,
    ki67_low,
    needs_data,
    newly_diagnosed,
    therapy_facts,
    well_differentiated_low_grade,
)
from service.rules.outcome import FactUse, Outcome, age_words, unknown
from service.rules.predicates import (
    anastomosis_facts,
    has_bilio_enteric_anastomosis,
)
from service.rules.registry import RuleKnowledge, rule

_OPERABLE = (Resectability.RESECTABLE, Resectability.CYTOREDUCTION_FEASIBLE)
_PORTAL_DRAINED = (PrimarySite.PANCREAS, PrimarySite.MIDGUT, PrimarySite.OTHER_GI)
_PRIMARY_RESECTIONS = ("resection", "r0-resection", "pancreaticoduodenectomy")


def _liver_mets(rule_id: str, p: NetPicture) -> Outcome | None:
    if unknown(p.liver_metastases):
        return Outcome.insufficient(rule_id, ("liver metastases (cross-sectional imaging)",),
                                    reason="liver status not known")
    if not p.liver_metastases.value:
        return Outcome.not_applicable(rule_id, "no liver metastases")
    return None


def _burden(p: NetPicture) -> float | None:
    return float(p.hepatic_burden_percent.value) if p.hepatic_burden_percent.known else None  # type: ignore[arg-type]


def _recorded_since(p: NetPicture, as_of: date) -> str:
    """" (first recorded 2021-09-24, 5 years ago)": the wording follows the date on record, never "newly
    diagnosed" for metastases found years ago (NEC review 2026-12, net-119/net-211)."""
    dates = [s.date for s in p.liver_metastases.sources if s.date is not None]
    if not dates:
        return " (date not recorded)"
    first = min(dates)
    return f" (first recorded {first.isoformat()}, {age_words(first, as_of)})"


@rule("LD-01")
def surgical_evaluation(p: NetPicture, as_of: date, k: RuleKnowledge) -> Outcome:
    stop = well_differentiated_low_grade("LD-01", p) or _liver_mets("LD-01", p)
    if stop is not None:
        return stop
    planned = [t for t in p.therapies_of(Agent.SURGERY) if t.status is TherapyStatus.PLANNED]
    if planned:
        when = min((t.start for t in planned if t.start is not None), default=None)
        facts = tuple(FactUse(name="Planned", display=t.drug, date=t.start,
                              reference=t.references[0] if t.references else None) for t in planned)
        return Outcome.applicable("LD-01", card="liver-surgery-planned", facts=facts + fact_uses(
            p, "resectability", "liver_metastases", "hepatic_burden_percent"),
            params={**card_params(p), "date": when.isoformat() if when else "the planned date"},
            reason="liver surgery already planned: pre-operative checks, not a new referral")
    burden = _burden(p)
    extrahepatic = p.metastatic_sites - {"liver", "lymph-node-regional"}
    if extrahepatic and not p.resectability.is_(Resectability.RESECTABLE):
        return Outcome.not_applicable("LD-01", "extrahepatic metastases (" + ", ".join(sorted(extrahepatic))
                                      + "): liver surgery only if all disease is resectable")
    if unknown(p.resectability):
        if burden is not None and burden > k.threshold("hepatic_replacement_high"):
            return Outcome.not_applicable("LD-01", "diffuse liver disease (>50 % replaced)")
        if progression_being_treated(p):
            return Outcome.not_applicable("LD-01", "a therapy for the current progression is running; reassess at the next decision")
        gap = ("surgical/MDT resectability assessment",)
        # no extrahepatic site is coded here (above): liver metastases alone are enough to ask the surgeon; the
        # card never asserts liver dominance the record does not document (review A W5)
        if p.liver_dominant.is_(False):
            return Outcome.insufficient("LD-01", gap, reason="resectability not assessed; disease not liver-dominant")
        if newly_diagnosed(p) is not True:
            return Outcome.insufficient("LD-01", gap, reason="resectability not assessed; not a first-plan decision "
                                        "(at progression LD-02 asks for it)")
        if p.progression.is_(True):
            return Outcome.insufficient("LD-01", gap, reason="resectability not assessed; progressing liver-dominant "
                                        "disease: LD-02 lists it as missing on its card")
        return needs_data("LD-01", p, gap, card="liver-resectability-needs-data",
                          facts=fact_uses(p, "liver_metastases", "liver_dominant", "hepatic_burden_percent", "grade"),
                          reason=("liver-dominant metastases" if p.liver_dominant.is_(True) else
                                  "liver metastases, no extrahepatic site coded")
                          + _recorded_since(p, as_of) + ", no systemic therapy yet"
                          + "; resectability not assessed")
    if p.resectability.value not in _OPERABLE:
        return Outcome.not_applicable("LD-01", "judged unresectable")
    return Outcome.applicable("LD-01", card="liver-surgery-evaluation", params=card_params(p),
                              facts=fact_uses(p, "grade", "liver_metastases", "resectability", "hepatic_burden_percent"),
                              reason=f"liver metastases, {p.resectability.value.value}")  # type: ignore[union-attr]


@rule("LD-02")
def liver_directed_therapy(p: NetPicture, as_of: date, k: RuleKnowledge) -> Outcome:
    if p.scope is not Scope.NET or p.differentiation.is_(Differentiation.POOR) or p.grade.is_(Grade.NEC):
        return Outcome.not_applicable("LD-02", "not a well-differentiated NET")
    if p.differentiation.is_(Differentiation.MIXED):
        return Outcome.not_applicable("LD-02", "MiNEN (G-04)")
    stop = _liver_mets("LD-02", p)
    if stop is not None:
        return stop
    dominance_unknown = unknown(p.liver_dominant)
    if not dominance_unknown and not p.liver_dominant.value:
        return Outcome.not_applicable("LD-02", "extrahepatic disease dominates")
    if p.resectability.known and p.resectability.value in _OPERABLE:
        return Outcome.not_applicable("LD-02", "resectable/cytoreducible: surgical evaluation (LD-01)")
    # Symptomatic = tumour pain, or a hormone syndrome refractory to standard medical control (a
    # syndrome controlled by SSA/PPI, or not yet treated, is not an indication for embolisation).
    refractory = refractory_symptoms("LD-02", p, as_of, k) is None
    symptomatic = _liver_pain(p) or refractory or p.refractory_carcinoid_syndrome.is_(True)
    answered = progression_being_treated(p)
    progressive = p.progression.is_(True) and not answered
    if not (symptomatic or progressive):
        if answered:
            return Outcome.not_applicable("LD-02", "progression already being treated ("
                                          + ", ".join(f.display for f in answered) + ")")
        if unknown(p.progression):
            return Outcome.insufficient("LD-02", ("documented progression within 12 months",),
                                        reason="progression status not on record")
        return Outcome.not_applicable("LD-02", "stable and asymptomatic")
    facts = fact_uses(p, "liver_metastases", "liver_dominant", "hepatic_burden_percent", "progression",
                      "carcinoid_syndrome", "abdominal_pain", "resectability")
    missing = () if p.resectability.known else ("resectability assessment",)
    params = card_params(p)
    if has_bilio_enteric_anastomosis(p):
        return Outcome.applicable("LD-02", card="liver-directed-anastomosis-caution", params=params,
                                  facts=facts + anastomosis_facts(p), missing=missing,
                                  reason="liver-directed therapy considered after bilio-enteric anastomosis")
    if dominance_unknown:
        # liver metastases on record, dominance not documented: never asserted; the card is conditional
        if p.metastatic_sites - {"liver"}:
            return Outcome.insufficient("LD-02", ("liver-dominant disease? (imaging/MDT)",),
                                        reason="extrahepatic metastases coded: not known if liver-dominant")
        return Outcome.applicable("LD-02", card="liver-directed-if-liver-dominant", params=params, facts=facts,
                                  missing=("extent of disease outside the liver (imaging review: is it liver-dominant?)",
                                           "hepatic tumour burden (% of liver)") + missing,
                                  reason="liver metastases on record, liver dominance not documented; "
                                         + ("progressive" if progressive else "symptomatic"))
    burden = _burden(p)
    bili, uln = p.labs.bilirubin, p.labs.bilirubin_uln
    bilirubin_high = bili.known and uln.known and float(bili.value) > float(uln.value)  # type: ignore[arg-type]
    if (burden is not None and burden > k.threshold("hepatic_replacement_high")) or bilirubin_high:
        return Outcome.applicable("LD-02", card="liver-directed-high-burden-caution", params=params,
                                  facts=facts, missing=missing,
                                  reason="high hepatic replacement or raised bilirubin")
    if burden is None:
        missing = missing + ("hepatic tumour burden (% of liver)",)
    card = "liver-directed-therapy" if p.resectability.known else "liver-directed-therapy-resectability-unknown"
    return Outcome.applicable("LD-02", card=card, params=params, facts=facts, missing=missing,
                              reason="liver-dominant, " + ("unresectable, " if p.resectability.known else
                                                           "resectability not assessed, ")
                              + ("progressive" if progressive else "symptomatic"))


def _liver_pain(p: NetPicture) -> bool:
    """Abdominal pain that points at the liver: not when an unresected small-bowel primary (with its mesenteric
    mass) is in situ, which explains it (M-10 offers that resection)."""
    if not p.abdominal_pain.is_(True):
        return False
    small_bowel = p.primary_site.is_(PrimarySite.MIDGUT) and not (
        p.site_detail.known and str(p.site_detail.value).lower() in ("appendix", "caecum", "cecum", "ascending colon"))
    primary_in_situ = not any(p.has_procedure(kind) for kind in _PRIMARY_RESECTIONS)
    return not (small_bowel and primary_in_situ)


@rule("LD-03")
def liver_transplant_referral(p: NetPicture, as_of: date, k: RuleKnowledge) -> Outcome:
    stop = well_differentiated_low_grade("LD-03", p) or _liver_mets("LD-03", p)
    if stop is not None:
        return stop
    if p.metastatic_sites - {"liver"}:
        return Outcome.not_applicable("LD-03", "extrahepatic metastases")
    if unknown(p.primary_site) or p.primary_site.value not in _PORTAL_DRAINED:
        return Outcome.not_applicable("LD-03", "primary not known to be portal-drained (GEP)")
    if not any(p.has_procedure(kind) for kind in _PRIMARY_RESECTIONS):
        return Outcome.not_applicable("LD-03", "primary not removed")
    if not had_any(p, SYSTEMIC | {Agent.LIVER_DIRECTED}):
        return Outcome.not_applicable("LD-03", "no prior therapy")
    if p.resectability.known and p.resectability.value in _OPERABLE:
        return Outcome.not_applicable("LD-03", "resectable: LD-01")
    if p.progression.is_(True):
        return Outcome.not_applicable("LD-03", "progressing: Milan-NET needs stable disease for 6 months before listing")
    low = ki67_low(p, k.threshold("transplant_ki67_max"))
    if low is False:
        return Outcome.not_applicable("LD-03", "Ki-67 >= 10 %")
    if p.age_years.known and p.age_years.value > k.threshold("transplant_age_max"):  # type: ignore[operator]
        return Outcome.not_applicable("LD-03", "older than Milan-NET age limit")
    burden = _burden(p)
    if burden is not None and burden > k.threshold("transplant_hepatic_burden_max"):
        return Outcome.not_applicable("LD-03", "hepatic involvement >50 %")
    missing = tuple(what for what, gap in (("Ki-67 index", low is None), ("age", not p.age_years.known),
                                            ("hepatic tumour burden", burden is None),
                                            ("resectability assessment", not p.resectability.known),
                                            (f"stable disease for at least {k.threshold('transplant_stable_months'):g} "
                                             "months (serial imaging)", unknown(p.progression))) if gap)
    if missing:
        return Outcome.insufficient("LD-03", missing, reason="Milan-NET criteria cannot be checked")
    return Outcome.applicable("LD-03", params=card_params(p),
                              facts=fact_uses(p, "primary_site", "grade", "ki67", "hepatic_burden_percent")
                              + (age_fact(p, as_of),)
                              + therapy_facts(p, (*sorted(SYSTEMIC, key=lambda a: a.value), Agent.LIVER_DIRECTED)),
                              reason="liver-only low-grade NET within Milan-NET criteria")
