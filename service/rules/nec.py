"""Neuroendocrine carcinoma, poorly differentiated, extrapulmonary or unknown primary (section 4.8).

A small-cell NEC outside the lung (oesophagus, cervix, bladder, unknown primary...) stays on this NEC pathway;
only pulmonary small-cell carcinoma is routed out (G-03).

N-01 — localized or locoregional NEC  (ENETS NEC 2023)
    When: NEC, not metastatic. Resectable (or localized with resectability not judged unresectable) ->
          RECOMMEND multimodality treatment: surgery + adjuvant platinum-etoposide (about 4 cycles), or
          definitive chemoradiation by site (oesophagus, anorectum) (MDT). Locoregional and unresectable ->
          RECOMMEND definitive chemoradiation with platinum-etoposide (nec-locoregional-chemoradiation; N-02,
          the metastatic first line, does not fire). Locoregional with resectability not assessed -> insufficient.
N-02 — metastatic NEC, first line (no platinum-etoposide yet)
    Then: RECOMMEND cisplatin (or carboplatin) + etoposide q21d x4-6; test MMR/MSI, TMB and
    BRAF V600E. Source: NORDIC NEC; ENETS NEC 2023.
N-03 — advanced NEC after platinum-etoposide
    Then: CONSIDER FOLFIRI, FOLFOX/CAPOX or CAPTEM; ipilimumab + nivolumab for non-pancreatic
    NEC (NCCN 2B); biomarker-directed therapy: the MMR/MSI, TMB and BRAF V600E results are asked for on a
    data-gap card (pembrolizumab and dabrafenib + trametinib need them). Progression at least
    nec_platinum_rechallenge_min_days (84: 3 months / 12 weeks, R) after the last platinum-etoposide dose, with no
    other line since, AND a response (improved/remission) to the first line on record -> CONSIDER platinum-etoposide
    re-challenge (late relapse after a response), the interval counted from the last dose on record (else the
    course end); the re-challenge repeats the platinum of the first line: carboplatin given -> the
    carboplatin card (AUC dosing: an oncology referral, never a cisplatin draft; net-133). TC-01 keeps the
    re-challenge card (its own conditions decide). Response not on record -> NEEDS DATA (never assumed); stable
    disease only, or progression under the threshold -> no re-challenge card, and the second-line card's
    finding says why (net-58, net-284). UGT1A1 poor metaboliser on record -> the second-line card without the
    standard-dose FOLFIRI draft (nec-second-line-ugt1a1-poor, net-276). Source: NCCN; DART; ENETS NEC 2023.
N-04 — NEC with SSTR uptake >= liver and Ki-67 < 55 % after chemotherapy
    Then: CONSIDER PRRT only in an MDT / clinical-trial setting; outdated SSTR imaging or missing/outdated
    eligibility labs give the needs-data card instead (``predicates.prrt_gates``). Source: ENETS NEC 2023.
"""
from __future__ import annotations

from datetime import date

from service.picture.model import Agent, DiseaseStatus, Extent, NetPicture, PrimarySite, Resectability, SstrStatus, TherapyStatus
from service.rules.predicates import (
    exposure_facts,
    is_advanced,
    is_nec,
    needs_data,
    prrt_gates,
    site_words,
)
from service.rules.outcome import FactUse, Outcome
from service.rules.registry import RuleKnowledge, rule


def _facts(p: NetPicture) -> tuple[FactUse, ...]:
    return tuple(FactUse.of(n, f) for n, f in (("Differentiation", p.differentiation), ("Ki-67", p.ki67),
                                                 ("Extent", p.extent)) if f.known)


@rule("N-01")
def localized_nec(p: NetPicture, as_of: date, k: RuleKnowledge) -> Outcome:
    if not is_nec(p):
        return Outcome.not_applicable("N-01", "not a NEC")
    if not p.extent.known:
        return Outcome.insufficient("N-01", ("disease extent (staging)",), reason="extent unknown")
    if p.extent.value is Extent.METASTATIC:
        return Outcome.not_applicable("N-01", "metastatic NEC: N-02")
    params = {"site": site_words(p)}
    if p.resectability.is_(Resectability.UNRESECTABLE):
        return Outcome.applicable("N-01", card="nec-locoregional-chemoradiation", facts=_facts(p) + _resect(p),
                                  params=params, reason="locoregional unresectable NEC: definitive chemoradiation")
    if p.extent.value is Extent.LOCOREGIONAL and not p.resectability.known:
        return Outcome.insufficient("N-01", ("resectability (surgical/MDT judgement)",), reason="resectability unknown")
    return Outcome.applicable("N-01", facts=_facts(p) + _resect(p), params=params,
                              reason="localized or locoregional resectable NEC")


def _resect(p: NetPicture) -> tuple[FactUse, ...]:
    return (FactUse.of("Resectability", p.resectability),) if p.resectability.known else ()


def _metastatic_or_unknown(rule_id: str, p: NetPicture) -> Outcome | None:
    """N-02 is the first line of metastatic NEC; localized/locoregional NEC is N-01 (multimodality)."""
    advanced = is_advanced(p)
    if advanced is None:
        return Outcome.insufficient(rule_id, ("disease extent (staging)",), reason="extent unknown")
    if not advanced:
        return Outcome.not_applicable(rule_id, "not advanced")
    if not p.extent.is_(Extent.METASTATIC):
        return Outcome.not_applicable(rule_id, "locoregional NEC: definitive chemoradiation (N-01)")
    return None


@rule("N-02")
def nec_first_line(p: NetPicture, as_of: date, k: RuleKnowledge) -> Outcome | tuple[Outcome, ...]:
    if not is_nec(p):
        return Outcome.not_applicable("N-02", "not a NEC")
    stop = _metastatic_or_unknown("N-02", p)
    if stop is not None:
        return stop
    if p.ever_had(Agent.PLATINUM_ETOPOSIDE):
        return Outcome.not_applicable("N-02", "platinum-etoposide already given (see N-03)")
    facts, params = _facts(p), {"site": site_words(p)}
    return (
        Outcome.applicable("N-02", card="nec-platinum-etoposide", facts=facts, params=params,
                           reason="advanced NEC, no prior platinum-etoposide"),
        Outcome.applicable("N-02", card="nec-biomarkers", facts=facts, params=params,
                           reason="biomarkers guide later-line therapy"),
    )


@rule("N-03")
def nec_second_line(p: NetPicture, as_of: date, k: RuleKnowledge) -> Outcome | tuple[Outcome, ...]:
    if not is_nec(p):
        return Outcome.not_applicable("N-03", "not a NEC")
    if not p.ever_had(Agent.PLATINUM_ETOPOSIDE):
        return Outcome.not_applicable("N-03", "no platinum-etoposide yet (see N-02)")
    if is_advanced(p) is False:
        return Outcome.not_applicable("N-03", "not advanced")
    facts = _facts(p) + exposure_facts(p, Agent.PLATINUM_ETOPOSIDE)
    params = {"site": site_words(p)}
    # UGT1A1 poor metaboliser on record: the standard-dose FOLFIRI draft (irinotecan 180 mg/m2) is not offered; the
    # card keeps FOLFOX and says irinotecan starts at 70 % if chosen (DPWG), prescribed by hand (SB-14's class)
    if p.ugt1a1_poor.is_(True):
        out: list[Outcome] = [Outcome.applicable(
            "N-03", card="nec-second-line-ugt1a1-poor", params=params,
            facts=facts + (FactUse.of("UGT1A1 poor metaboliser", p.ugt1a1_poor),),
            reason="advanced NEC after platinum-etoposide; UGT1A1 poor metaboliser: no standard-dose FOLFIRI draft")]
    else:
        out = [Outcome.applicable("N-03", card="nec-second-line", facts=facts, params=params,
                                  reason="advanced NEC after platinum-etoposide")]
    if p.primary_site.is_(PrimarySite.PANCREAS):
        pass
    elif not p.primary_site.known:
        out.append(Outcome.insufficient("N-03", ("primary site",), reason="ipilimumab + nivolumab is for non-pancreatic NEC"))
    else:
        out.append(Outcome.applicable("N-03", card="nec-immunotherapy", facts=facts, params=params,
                                      reason="non-pancreatic NEC after platinum-etoposide"))
    out.append(Outcome.applicable("N-03", card="nec-biomarkers-later-line", facts=facts, params=params,
                                  reason="MMR/MSI, TMB and BRAF V600E decide the biomarker-directed options"))
    rechallenge, why_not = _late_relapse(p, k)
    if rechallenge is not None:
        out.append(rechallenge)
    if why_not:  # the answer says why no re-challenge is offered after a first line with progression
        out[0] = out[0].amended(note=why_not)
    return tuple(out)


NON_PLATINUM_LINES = frozenset({Agent.OTHER_CHEMOTHERAPY, Agent.CAPTEM, Agent.IMMUNOTHERAPY, Agent.EVEROLIMUS,
                                Agent.SUNITINIB, Agent.CABOZANTINIB, Agent.PRRT, Agent.STREPTOZOCIN})


def _late_relapse(p: NetPicture, k: RuleKnowledge) -> tuple[Outcome | None, str]:
    """Platinum-etoposide re-challenge: progression >= nec_platinum_rechallenge_min_days after the last dose (the
    latest dose date on record, else the course end, else its start), and why it is not offered when the first
    line was followed by progression but the conditions fail (said on the second-line card, net-58)."""
    if not (p.progression.is_(True) and p.progression_date.known):
        return None, ""
    courses = [t for t in p.therapies_of(Agent.PLATINUM_ETOPOSIDE)
               if t.status is not TherapyStatus.PLANNED and not p.on(Agent.PLATINUM_ETOPOSIDE)]
    stops = [d for d in (t.last_dose or t.end or t.start for t in courses) if d is not None]
    last = max(stops, default=None)
    if last is None:
        return Outcome.insufficient("N-03", ("date of the last platinum-etoposide dose",),
                                    reason="re-challenge depends on the time from the last dose to progression"), ""
    later = [t for t in p.therapies if t.agent in NON_PLATINUM_LINES and t.start is not None and t.start > last
             and t.status is not TherapyStatus.PLANNED]
    if later:
        return None, ""  # another line came after platinum-etoposide: not a relapse after the first line
    interval = (p.progression_date.value - last).days  # type: ignore[operator]
    minimum = k.threshold("nec_platinum_rechallenge_min_days")
    if interval < minimum:
        return None, (f"platinum-etoposide re-challenge not offered: progression {interval} days after the last "
                      f"dose ({last.isoformat()}), under the {minimum:g}-day (12-week) late-relapse threshold")
    facts = _facts(p) + exposure_facts(p, Agent.PLATINUM_ETOPOSIDE) + (
        FactUse(name="Progression after the last platinum-etoposide dose",
                display=f"{interval} days (last dose {last.isoformat()})", date=p.progression_date.value,
                reference=p.progression_date.sources[-1].reference if p.progression_date.sources else None),)
    params = {"site": site_words(p)}
    # Re-challenge needs BOTH a late relapse and a response to the first line (ENETS NEC 2023): the response is
    # never assumed. Not recorded -> a needs-data card that asks for it; stable disease only (no objective
    # response) -> no re-challenge card (the second-line regimens stay).
    responses = [t for t in courses if t.best_response is not None]
    best = min((t.best_response for t in responses), key=lambda r: _RESPONSE_ORDER.get(r, 9), default=None)
    if best is None:
        return needs_data("N-03", p, ("response to first-line platinum-etoposide (best response on imaging, "
                                      "e.g. RECIST partial/complete response)",),
                          card="nec-platinum-rechallenge-needs-response", facts=facts,
                          reason=f"progression {interval} days after the last platinum-etoposide dose; response to "
                                 "the first line not on record: re-challenge needs one"), ""
    if best not in RESPONDED:  # no objective response to the first line: re-challenge is not the late-relapse option
        return None, (f"platinum-etoposide re-challenge not offered: best response to the first line {best.value} "
                      "(no objective response)")
    source = next(t.response_source for t in responses if t.best_response is best)
    facts += (FactUse(name="Best response to first-line platinum-etoposide", display=best.value,
                      date=source.date if source else None, reference=source.reference if source else None),)
    # a re-challenge repeats the platinum the NEC responded to: carboplatin given -> carboplatin (no cisplatin draft)
    words = k.values("carboplatin_words")
    responded = [t for t in responses if t.best_response in RESPONDED]
    carboplatin = any(any(w in t.drug.lower() for w in words) for t in responded)
    return Outcome.applicable("N-03", card="nec-platinum-rechallenge-carboplatin" if carboplatin
                              else "nec-platinum-rechallenge", facts=facts, params=params,
                              reason=f"late relapse after a response ({best.value}): progression {interval} days "
                                     "after the last platinum-etoposide dose"), ""


#: an objective response to the first line (stable disease is disease control, not a response)
RESPONDED = frozenset({DiseaseStatus.IMPROVED, DiseaseStatus.REMISSION})
_RESPONSE_ORDER = {DiseaseStatus.REMISSION: 0, DiseaseStatus.IMPROVED: 1, DiseaseStatus.STABLE: 2}


@rule("N-04")
def nec_prrt_selected(p: NetPicture, as_of: date, k: RuleKnowledge) -> Outcome:
    if not is_nec(p):
        return Outcome.not_applicable("N-04", "not a NEC")
    if not p.ever_had(Agent.PLATINUM_ETOPOSIDE) and not p.ever_had(Agent.OTHER_CHEMOTHERAPY):
        return Outcome.not_applicable("N-04", "no prior chemotherapy")
    if not p.sstr.known:
        return Outcome.not_applicable("N-04", "no SSTR imaging; PRRT is not routine in NEC")
    if p.sstr.value is not SstrStatus.POSITIVE_ALL:
        return Outcome.not_applicable("N-04", "SSTR uptake not >= liver in every lesion")
    if not p.ki67.known:
        return Outcome.insufficient("N-04", ("Ki-67 index",), reason="Ki-67 unknown")
    if p.ki67.value.percent >= k.threshold("nec_ki67_high"):
        return Outcome.not_applicable("N-04", "Ki-67 55 % or more")
    gate = prrt_gates("N-04", p, k)  # SSTR imaging current, eligibility labs current
    if gate is not None:
        return gate
    facts = _facts(p) + (FactUse.of("SSTR imaging", p.sstr),)
    return Outcome.applicable("N-04", facts=facts, reason="NEC with high SSTR uptake, Ki-67 < 55 %, after chemotherapy")
