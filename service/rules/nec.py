"""Neuroendocrine carcinoma, poorly differentiated, extrapulmonary or unknown primary (section 4.8).

N-01 — localized resectable NEC
    Then: RECOMMEND multimodality treatment: surgery + adjuvant platinum-etoposide (about 4
    cycles), or definitive chemoradiation by site (MDT). Source: ENETS NEC 2023.
N-02 — advanced NEC, first line (no platinum-etoposide yet)
    Then: RECOMMEND cisplatin (or carboplatin) + etoposide q21d x4-6; test MMR/MSI, TMB and
    BRAF V600E. Source: NORDIC NEC; ENETS NEC 2023.
N-03 — advanced NEC after platinum-etoposide
    Then: CONSIDER FOLFIRI, FOLFOX/CAPOX or CAPTEM; ipilimumab + nivolumab for non-pancreatic
    NEC (NCCN 2B); biomarker-directed therapy (MSI-H, TMB-high, BRAF V600E). Source: NCCN; DART.
N-04 — NEC with SSTR uptake >= liver and Ki-67 < 55 % after chemotherapy
    Then: CONSIDER PRRT only in an MDT / clinical-trial setting; outdated SSTR imaging or missing/outdated
    eligibility labs give the needs-data card instead (``predicates.prrt_gates``). Source: ENETS NEC 2023.
"""
from __future__ import annotations

from datetime import date

from service.picture.model import Agent, Extent, NetPicture, PrimarySite, Resectability, SstrStatus
from service.rules.predicates import (
    exposure_facts,
    is_advanced,
    is_nec,
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
    if p.extent.value is Extent.METASTATIC or p.resectability.is_(Resectability.UNRESECTABLE):
        return Outcome.not_applicable("N-01", "not localized resectable disease")
    if p.extent.value is Extent.LOCOREGIONAL and not p.resectability.known:
        return Outcome.insufficient("N-01", ("resectability (surgical/MDT judgement)",), reason="resectability unknown")
    return Outcome.applicable("N-01", facts=_facts(p), params={"site": site_words(p)},
                              reason="localized resectable NEC")


@rule("N-02")
def nec_first_line(p: NetPicture, as_of: date, k: RuleKnowledge) -> Outcome | tuple[Outcome, ...]:
    if not is_nec(p):
        return Outcome.not_applicable("N-02", "not a NEC")
    advanced = is_advanced(p)
    if advanced is None:
        return Outcome.insufficient("N-02", ("disease extent (staging)",), reason="extent unknown")
    if not advanced:
        return Outcome.not_applicable("N-02", "not advanced")
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
    chemo = Outcome.applicable("N-03", card="nec-second-line", facts=facts, params=params,
                               reason="advanced NEC after platinum-etoposide")
    if p.primary_site.is_(PrimarySite.PANCREAS):
        return chemo
    if not p.primary_site.known:
        return (chemo, Outcome.insufficient("N-03", ("primary site",), reason="ipilimumab + nivolumab is for non-pancreatic NEC"))
    return chemo, Outcome.applicable("N-03", card="nec-immunotherapy", facts=facts, params=params,
                                     reason="non-pancreatic NEC after platinum-etoposide")


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
