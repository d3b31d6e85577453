"""Lung and thymic NET: typical and atypical carcinoid (decision table 4.4).

All rows need scope NET (small-cell carcinoma never reaches them: G-03), primary site
lung/thymus, not poorly differentiated, and a known grade or carcinoid type (typical/atypical;
neither known -> insufficient). Thoracic carcinoids are graded by type, not Ki-67; a carcinoid
with Ki-67 >20 % (WHO "G3") stays here (there is no GEP G3 row for the lung). Numbers come from
``cards/knowledge/lung.yaml`` (and ``midgut.yaml`` for the 10 % Ki-67 threshold).

L-01 — localized  (ESMO-Lung 2021)
    When: localized or resectable locoregional.
    Then: RECOMMEND anatomic resection + lymph-node dissection; no routine adjuvant therapy.
L-02 — advanced, SSTR+, low proliferation  (ESMO-Lung/ENETS; SPINET closed early)
    When: advanced, SSTR positive (any degree), Ki-67 < lung_ki67_high_min (10 %) or typical
          carcinoid without a Ki-67.
    Then: RECOMMEND observation (if not progressing) and/or SSA (if none yet; US off-label).
L-03 — progressive, non-functional  (RADIANT-4)
    When: advanced, progressive (12 months), no functional syndrome, no everolimus yet.
    Then: RECOMMEND everolimus 10 mg daily (lung: FDA/EMA-approved, RADIANT-4); thymic primary: CONSIDER it as
          off-label (thymic NETs were not in RADIANT-4; review 2026-12, Wrong 7).
L-04 — progressive, SSTR positive_all  (retrospective series; NCCN)
    When: advanced, progressive, SSTR positive_all, no PRRT yet.
    Then: CONSIDER Lu-177 dotatate (off-label); SSTR missing/degree unknown/outdated or eligibility labs
          missing/outdated -> needs-data (``predicates.prrt_gates``). After a PRRT course: re-treatment
          (``course.prrt_retreatment``).
L-05 — aggressive / SSTR-negative  (seed 000; NCCN; CABINET)
    When: advanced, progressive, and (atypical, Ki-67 >= 10 %, G3, or SSTR negative/below liver).
    Then: CONSIDER temozolomide +/- capecitabine (if not given; the card names the reason: higher-grade or
          SSTR-negative, or progressive atypical); platinum-etoposide when atypical
          (or G3) with Ki-67 > lung_platinum_ki67_min (20 %); cabozantinib after a non-SSA therapy.
L-06 — not for lung/thymic NET  (no RCT for sunitinib; NCCN v1.2020 panel vote)
    When: advanced lung/thymic NET with sunitinib ordered or taken; advanced typical carcinoid with
          platinum-etoposide ordered or taken. No lung row suggests either, so a warning about a
          drug nobody proposed would be noise (the NR-row convention).
    Then: NOT RECOMMENDED cards (merge with NR-01 / NR-07 on the same topic).
"""
from __future__ import annotations

from datetime import date

from service.picture.model import (
    Agent,
    Differentiation,
    Extent,
    Grade,
    LungType,
    NetPicture,
    PrimarySite,
    Resectability,
    Scope,
    SstrStatus,
)
from service.rules.predicates import (
    NON_SSA_SYSTEMIC,
    SSTR_POSITIVE,
    advanced,
    any_functional,
    card_params,
    exposure_facts,
    fact_uses,
    in_play,
    ki67_at_least,
    ki67_at_most,
    progressed_on,
    progression_known,
    received,
    site_is,
    prrt_gates,
    therapy_facts,
)
from service.rules.course import prrt_retreatment
from service.rules.outcome import Outcome, unknown
from service.rules.registry import RuleKnowledge, rule

LUNG = frozenset({PrimarySite.LUNG_THYMUS})


def _lung(rule_id: str, p: NetPicture, *, need_advanced: bool = True) -> Outcome | None:
    if p.scope is not Scope.NET:
        return Outcome.not_applicable(rule_id, f"scope is {p.scope.value}; lung carcinoid rows are for WD NET")
    if p.differentiation.is_(Differentiation.POOR) or p.grade.is_(Grade.NEC):
        return Outcome.not_applicable(rule_id, "poorly differentiated (LCNEC/SCLC): not a carcinoid")
    stop = site_is(rule_id, p, LUNG, "lung/thymic NET")
    if stop is not None:
        return stop
    if unknown(p.grade) and unknown(p.lung_type):
        return Outcome.insufficient(rule_id, ("carcinoid type (typical/atypical: mitoses, necrosis) or WHO grade",),
                                    reason="grade/type not known")
    return advanced(rule_id, p) if need_advanced else None


def _params(p: NetPicture) -> dict[str, str]:
    params = card_params(p)
    params["site"] = "thymic" if params.get("site") == "thymic" else "lung"
    return params


def _low_proliferation(p: NetPicture, threshold: float) -> bool | None:
    if not unknown(p.ki67):
        high = ki67_at_least(p.ki67.value, threshold)  # type: ignore[arg-type]
        return None if high is None else not high
    if p.lung_type.is_(LungType.TYPICAL) or p.grade.is_(Grade.G1):
        return True
    if p.lung_type.is_(LungType.ATYPICAL):
        return None
    return None


@rule("L-01")
def localized_lung_carcinoid(p: NetPicture, as_of: date, k: RuleKnowledge) -> Outcome:
    stop = _lung("L-01", p, need_advanced=False)
    if stop is not None:
        return stop
    if unknown(p.extent):
        return Outcome.insufficient("L-01", ("disease extent (staging imaging)",), reason="extent not known")
    local = p.extent.value is Extent.LOCALIZED or (
        p.extent.value is Extent.LOCOREGIONAL and p.resectability.is_(Resectability.RESECTABLE))
    if not local:
        return Outcome.not_applicable("L-01", "advanced disease")
    return Outcome.applicable("L-01", params=_params(p), facts=fact_uses(p, "site_detail", "lung_type", "extent"),
                              reason="localized lung/thymic carcinoid")


@rule("L-02")
def observation_or_ssa(p: NetPicture, as_of: date, k: RuleKnowledge) -> Outcome | tuple[Outcome, ...]:
    stop = _lung("L-02", p)
    if stop is not None:
        return stop
    if unknown(p.sstr):
        return Outcome.insufficient("L-02", ("SSTR imaging (G-06)",), reason="no SSTR imaging on record")
    if p.sstr.value not in SSTR_POSITIVE:
        return Outcome.not_applicable("L-02", "SSTR-negative")
    low = _low_proliferation(p, k.threshold("lung_ki67_high_min"))
    if low is None:
        return Outcome.insufficient("L-02", ("Ki-67 index",), reason="proliferation not known")
    if not low:
        return Outcome.not_applicable("L-02", "Ki-67 >= 10 %: L-03..L-05")
    params, facts = _params(p), fact_uses(p, "lung_type", "ki67", "sstr", "progression", "extent")
    out = []
    if p.progression.is_(False) and not received(p, Agent.SSA):
        out.append(Outcome.applicable("L-02", card="lung-surveillance", params=params, facts=facts,
                                      reason="advanced, stable, low-grade lung carcinoid"))
    if not p.on(Agent.SSA) and not progressed_on(p, Agent.SSA):
        out.append(Outcome.applicable("L-02", card="lung-ssa", params=params, facts=facts,
                                      reason="advanced SSTR+ low-grade lung carcinoid, no SSA yet"))
    if not out:
        return Outcome.not_applicable("L-02", "already on or progressed on an SSA")
    return tuple(out)


@rule("L-03")
def everolimus_lung(p: NetPicture, as_of: date, k: RuleKnowledge) -> Outcome:
    stop = _lung("L-03", p) or progression_known("L-03", p)
    if stop is not None:
        return stop
    if not p.progression.value:
        return Outcome.not_applicable("L-03", "not progressing")
    if any_functional(p):
        return Outcome.not_applicable("L-03", "functional tumour: everolimus not standard (NR-02)")
    if received(p, Agent.EVEROLIMUS):
        return Outcome.not_applicable("L-03", "everolimus already given")
    if p.site_detail.known and "thym" in str(p.site_detail.value).lower():
        # RADIANT-4 enrolled lung, not thymic, primaries: off-label there (review 2026-12, Wrong 7)
        return Outcome.applicable("L-03", card="everolimus-thymic", params=_params(p),
                                  facts=fact_uses(p, "site_detail", "lung_type", "ki67", "progression"),
                                  reason="progressive non-functional thymic NET: everolimus off-label")
    return Outcome.applicable("L-03", params=_params(p), facts=fact_uses(p, "lung_type", "ki67", "progression"),
                              reason="progressive non-functional lung NET")


@rule("L-04")
def prrt_lung(p: NetPicture, as_of: date, k: RuleKnowledge) -> Outcome:
    stop = _lung("L-04", p) or progression_known("L-04", p)
    if stop is not None:
        return stop
    if not p.progression.value:
        return Outcome.not_applicable("L-04", "not progressing")
    if received(p, Agent.PRRT):
        return prrt_retreatment("L-04", p, k)  # type: ignore[return-value]
    stop = prrt_gates("L-04", p, k)
    if stop is not None:
        return stop
    return Outcome.applicable("L-04", card="prrt-lung", params=_params(p),
                              facts=fact_uses(p, "lung_type", "sstr", "progression"),
                              reason="progressive lung/thymic NET, SSTR >= liver everywhere")


@rule("L-05")
def aggressive_lung(p: NetPicture, as_of: date, k: RuleKnowledge) -> Outcome | tuple[Outcome, ...]:
    stop = _lung("L-05", p) or progression_known("L-05", p)
    if stop is not None:
        return stop
    if not p.progression.value:
        return Outcome.not_applicable("L-05", "not progressing")
    atypical = p.lung_type.is_(LungType.ATYPICAL)
    g3 = p.grade.is_(Grade.G3)
    ki_high = bool(not unknown(p.ki67) and ki67_at_least(p.ki67.value, k.threshold("lung_ki67_high_min")))  # type: ignore[arg-type]
    sstr_neg = p.sstr.known and p.sstr.value in (SstrStatus.NEGATIVE, SstrStatus.LOWER_THAN_LIVER)
    if not (atypical or g3 or ki_high or sstr_neg):
        return Outcome.not_applicable("L-05", "indolent typical carcinoid profile")
    params = _params(p)
    facts = fact_uses(p, "lung_type", "grade", "ki67", "sstr", "progression")
    out = []
    if not received(p, Agent.CAPTEM):
        # the card names the reason this patient has (review 2026-12, Wrong 13: not "aggressive or SSTR-negative"
        # for an SSTR-positive atypical carcinoid with Ki-67 9 %)
        card = "captem-lung" if (g3 or ki_high or sstr_neg) else "captem-lung-atypical"
        out.append(Outcome.applicable("L-05", card=card, params=params, facts=facts,
                                      reason="progressive " + ("higher-grade or SSTR-negative" if card == "captem-lung"
                                                               else "atypical") + " lung/thymic NET"))
    very_high = not unknown(p.ki67) and ki67_at_most(p.ki67.value, k.threshold("lung_platinum_ki67_min")) is False  # type: ignore[arg-type]
    if (atypical or g3) and (very_high or g3) and not received(p, Agent.PLATINUM_ETOPOSIDE):
        out.append(Outcome.applicable("L-05", card="platinum-etoposide-lung", params=params, facts=facts,
                                      reason="aggressive atypical carcinoid with Ki-67 >20 %"))
    prior = NON_SSA_SYSTEMIC - {Agent.INTERFERON}
    if any(progressed_on(p, a) for a in prior) and not received(p, Agent.CABOZANTINIB):
        out.append(Outcome.applicable("L-05", card="cabozantinib-lung", params=params,
                                      facts=facts + therapy_facts(p, prior),
                                      reason="progressed after a non-SSA systemic therapy"))
    if not out:
        return Outcome.not_applicable("L-05", "options of this row already used")
    return tuple(out)


@rule("L-06")
def not_for_lung(p: NetPicture, as_of: date, k: RuleKnowledge) -> Outcome | tuple[Outcome, ...]:
    stop = _lung("L-06", p)
    if stop is not None:
        return stop
    params, facts = _params(p), fact_uses(p, "site_detail", "lung_type", "extent")
    out = []
    if in_play(p, Agent.SUNITINIB):
        out.append(Outcome.applicable("L-06", card="lung-sunitinib-not-recommended", params=params,
                                      facts=facts + exposure_facts(p, Agent.SUNITINIB),
                                      reason="sunitinib ordered; no evidence in lung/thymic NET"))
    if p.lung_type.is_(LungType.TYPICAL) and not p.grade.is_(Grade.G3) and in_play(p, Agent.PLATINUM_ETOPOSIDE):
        out.append(Outcome.applicable("L-06", card="lung-platinum-not-first-line", params=params,
                                      facts=facts + exposure_facts(p, Agent.PLATINUM_ETOPOSIDE),
                                      reason="platinum-etoposide ordered for a typical carcinoid"))
    if not out:
        return Outcome.not_applicable("L-06", "neither sunitinib nor platinum-etoposide (typical carcinoid) ordered")
    return tuple(out)
