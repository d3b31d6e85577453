"""Universal gates (decision table section 4.1), evaluated for every NET/NEC/MiNEN picture.

G-01 — localized, resectable WD NET
    When: well-differentiated NET G1/G2, extent localized, not judged unresectable, no R0
    resection yet on record.
    Then: RECOMMEND referral for resection (endoscopic or surgical by site) / MDT. Adjuvant
    therapy after R0 resection is NR-08. A NET in remission (every NEN Condition is history -- remission,
    resolved, a personal-history code -- with no active metastasis, or a disease status of remission) with no
    resection on record: the same surveillance card (remission-follow-up): a Condition in remission is history,
    not "no NET". An ampullary / periampullary NET (site ampulla, or the
    diagnosis text names the ampulla: ``lists.ampullary_words``) gets the surgical card: resection
    with lymphadenectomy, never endoscopic resection (nodal risk at any size; endoscopic resection is
    for non-ampullary duodenal NETs <= 1 cm). Source: NCCN NET; ESMO-GEP 2020; ENETS gastroduodenal 2023.
G-02 — neuroendocrine carcinoma (poorly differentiated), extrapulmonary or unknown primary
    When: scope NEC (or differentiation poor / grade NEC).
    Then: RECOMMEND NET-MDT discussion on the NEC pathway (section 4.8); ``evaluate`` suppresses
    every WD-NET antiproliferative recommend/consider outcome. Source: WHO 2022; ENETS NEC 2023.
G-03 — see ``service.rules.scope``.
G-04 — MiNEN
    When: scope MiNEN or differentiation mixed.
    Then: NEEDS DATA / MDT: treat by the most aggressive component. Source: WHO 2019.
G-05 — differentiation or grade unknown
    When: a NET whose differentiation or WHO grade is not known (missing, unavailable,
    contradictory).
    Then: NEEDS DATA: request Ki-67 (LOINC 29593-1), mitotic count and differentiation; site rows
    return insufficient data instead of therapy cards. Source: WHO 2019/2022. Ki-67 contradictory (results
    that disagree, none newer) -> ki67-contradictory: reconcile them, both values, sources and dates named
    (the record has a Ki-67; it is never listed as "not on record").
    Also: Ki-67 > ki67_wd_expert_review_above (55 %) with "well differentiated" only inferred from a
    diagnosis/morphology code (``lists.inferred_differentiation_markers`` in the picture's note) ->
    NEEDS DATA: expert pathology review of differentiation (decision table 1.1 rule 5). The
    tumour is not turned into a NEC: the G3 rows keep speaking (G3-02 at Ki-67 > 55 % proposes
    platinum-etoposide, as the NEC pathway would).
G-06 — advanced WD NET without SSTR imaging
    When: advanced (metastatic, or locoregional unresectable) WD NET and no SSTR imaging result.
    Then: NEEDS DATA: SSTR PET/CT (Ga-68 DOTATATE/DOTATOC, Cu-64 DOTATATE) before SSA-for-
    antiproliferation or PRRT decisions, shortly before the next long-acting SSA dose. Source: NCCN.
G-07 — functional syndrome present
    When: any functional syndrome (carcinoid syndrome, insulinoma, gastrinoma, ...).
    Then: no card of its own; symptom-control cards (F-rows) are shown before antiproliferative
    cards of the same rank. Source: ENETS carcinoid-syndrome 2022, functioning pNET 2023.
G-08 — germline testing
    When: pNET, gastrinoma, multiple primary NETs, age under the threshold at pNET diagnosis, or a
    family history of NET, and no hereditary syndrome yet on record; not for a poorly differentiated NEC
    (the hereditary syndromes give well-differentiated NETs: review 2026-12, Wrong 9).
    Then: CONSIDER genetic counselling and germline testing (MEN1, VHL, NF1, TSC1/2, CDKN1B).
    Source: NCCN NET.
G-09 — chromogranin A rising with a confounder
    When: chromogranin A rising while on a PPI, with renal impairment, or with type 1 gastric NET
    (atrophic gastritis).
    Then: CAUTION: do not call progression on chromogranin A alone; confirm with imaging (merges
    with NR-21). Source: ENETS; labels.

Shared predicates (``is_advanced``, ``in_play``, ``well_differentiated`` ...) live in
``service.rules.predicates``.
"""
from __future__ import annotations

from datetime import date

from service.picture.model import (
    Agent,
    Differentiation,
    DiseaseStatus,
    Extent,
    FactState,
    Grade,
    Hereditary,
    NetPicture,
    PrimarySite,
    Resectability,
    Scope,
    Syndrome,
)
from service.rules.outcome import FactUse, Outcome
from service.rules.predicates import (
    PRIMARY_RESECTIONS,
    age_fact,
    exposure_facts,
    extent_fact,
    fact_uses,
    grade_fact,
    is_advanced,
    ki67_at_most,
    ki67_text,
    is_nec,
    primary_resected,
    site_words,
    syndrome_facts,
    well_differentiated,
)
from service.rules.registry import RuleKnowledge, rule

# --------------------------------------------------------------------------- rows


@rule("G-01")
def localized_resectable(p: NetPicture, as_of: date, k: RuleKnowledge) -> Outcome:
    if well_differentiated(p) is False:
        return Outcome.not_applicable("G-01", "not a well-differentiated NET")
    lung = p.primary_site.is_(PrimarySite.LUNG_THYMUS)
    if primary_resected(p):
        return _after_resection(p)
    if p.in_remission.is_(True) or p.disease_status.is_(DiseaseStatus.REMISSION):
        return _in_remission(p)
    if p.extent.known and p.extent.value is not Extent.LOCALIZED:
        return Outcome.not_applicable("G-01", "disease is not localized")
    if p.resectability.is_(Resectability.UNRESECTABLE):
        return Outcome.not_applicable("G-01", "judged unresectable")
    if p.grade.known and p.grade.value not in (Grade.G1, Grade.G2):
        if not (lung and p.lung_type.known):  # a thoracic carcinoid is graded by type, not Ki-67
            return Outcome.not_applicable("G-01", "not grade G1/G2")
    deferred = _site_decides(p, k)
    if deferred is not None:
        return deferred
    graded = p.grade.known or (lung and p.lung_type.known)
    missing = tuple(m for m, gap in (("disease extent (staging)", not p.extent.known),
                                     ("WHO grade" if not lung else "carcinoid type or WHO grade", not graded)) if gap)
    if missing:
        return Outcome.insufficient("G-01", missing, reason="extent or grade unknown")
    facts = (extent_fact(p), grade_fact(p) if p.grade.known else FactUse.of("Lung carcinoid type", p.lung_type))
    if p.resectability.known:
        facts += (FactUse.of("Resectability", p.resectability),)
    grade_words = p.grade.value.value if p.grade.known else p.lung_type.value.value  # type: ignore[union-attr]
    if ampullary(p, k):
        return Outcome.applicable("G-01", card="ampullary-net-surgery", facts=facts + fact_uses(p, "tumor_size_cm"),
                                  reason="localized ampullary NET: nodal risk at any size",
                                  params={"site": site_words(p), "grade": grade_words})
    return Outcome.applicable("G-01", facts=facts, reason="localized WD NET G1/G2",
                              params={"site": site_words(p), "grade": grade_words})


def ampullary(p: NetPicture, k: RuleKnowledge) -> bool:
    """Primary at the ampulla of Vater: the site detail, or the diagnosis text naming it (duodenal codes)."""
    if not p.primary_site.is_(PrimarySite.OTHER_GI):
        return False
    words = k.values("ampullary_words")
    texts = [str(p.site_detail.value) if p.site_detail.known else ""]
    texts += [s.display for s in p.site_detail.sources] + [s.display for s in p.scope_sources]
    return any(w in t.lower() for t in texts for w in words)


def _after_resection(p: NetPicture) -> Outcome:
    """G-01 after the primary was removed: follow-up, never adjuvant therapy (NR-08 names any proposed)."""
    if p.extent.is_(Extent.METASTATIC) or p.progression.is_(True):
        return Outcome.not_applicable("G-01", "resected primary but metastatic or recurrent disease: site rows apply")
    if _appendix_after_appendectomy(p):
        # one answer: the appendix row says surgery AND follow-up for this size and these risk features
        return Outcome.not_applicable("G-01", "appendiceal NET after appendectomy: O-05 decides further surgery "
                                              "and follow-up by size and risk features")
    facts = tuple(FactUse(name="Resection", display=pr.display, date=pr.date, reference=pr.reference)
                  for pr in p.procedures if pr.kind in PRIMARY_RESECTIONS)
    if p.r0_resection.is_(True):
        facts += (FactUse.of("R0 resection", p.r0_resection, "yes"),)
    facts += tuple(fu for fu, f in ((extent_fact(p), p.extent), (grade_fact(p), p.grade)) if f.known)
    return Outcome.applicable("G-01", card="post-resection-follow-up", facts=facts,
                              params={"site": site_words(p)}, reason="primary resected, no metastatic disease on record")


def _appendix_after_appendectomy(p: NetPicture) -> bool:
    """A localized appendiceal NET whose resections on record are appendectomies (no colectomy yet): the
    appendix row (O-05) gives its further surgery and follow-up, so G-01's generic follow-up stays silent."""
    detail = str(p.site_detail.value).lower() if p.site_detail.known else ""
    if "appendi" not in detail or not p.extent.is_(Extent.LOCALIZED):
        return False
    resections = [pr.display.lower() for pr in p.procedures if pr.kind in PRIMARY_RESECTIONS]
    return bool(resections) and not any("colectomy" in d or "ileocec" in d or "ileocaec" in d for d in resections)


def _in_remission(p: NetPicture) -> Outcome:
    """G-01 for a NET whose Conditions are all history (remission/resolved, personal-history code) with no resection
    on record (treated elsewhere): the same surveillance, never "no NET" and never a first-line plan."""
    if p.extent.is_(Extent.METASTATIC) or p.progression.is_(True):
        return Outcome.not_applicable("G-01", "recurrence or metastatic disease on record: site rows apply")
    facts = tuple(FactUse(name="Diagnosis", display=s.display, date=s.date, reference=s.reference)
                  for s in p.in_remission.sources)
    facts += fact_uses(p, "grade") + ((FactUse.of("Disease status", p.disease_status),) if p.disease_status.known else ())
    return Outcome.applicable("G-01", card="remission-follow-up", facts=facts, params={"site": site_words(p)},
                              reason="NET in remission (treated), no active disease on record")


def _site_decides(p: NetPicture, k: RuleKnowledge) -> Outcome | None:
    """Localized NETs whose own row decides between surveillance and resection (G-01 stays silent)."""
    if p.primary_site.is_(PrimarySite.PANCREAS):
        if p.hereditary & {Hereditary.MEN1, Hereditary.VHL}:
            return Outcome.not_applicable("G-01", "MEN1/VHL pNET: size thresholds of the hereditary rows decide (H-01..H-05)")
        sporadic_small_candidate = not p.syndromes and not p.carcinoid_syndrome.is_(True) and p.grade.is_(Grade.G1)
        if sporadic_small_candidate:
            if not p.tumor_size_cm.known:
                return Outcome.insufficient("G-01", ("tumour size (cm)",),
                                            reason="NF-pNET G1 of unknown size: surveillance may suffice if <=2 cm")
            if float(p.tumor_size_cm.value) <= k.threshold("pnet_small_max_cm"):  # type: ignore[arg-type]
                return Outcome.not_applicable("G-01", "sporadic NF-pNET G1 <=2 cm: surveillance vs resection (P-01)")
    detail = str(p.site_detail.value).lower() if p.site_detail.known else ""
    if p.primary_site.is_(PrimarySite.OTHER_GI) and ("stomach" in detail or "gastric" in detail):
        if p.gastric_type.is_(1):
            return Outcome.not_applicable("G-01", "gastric type 1: endoscopic surveillance/resection (O-01)")
        if p.gastric_type.is_(2):
            return Outcome.not_applicable("G-01", "gastric type 2: manage the gastrinoma and MEN1 (O-02, F-08)")
        if not p.gastric_type.known:
            return Outcome.insufficient("G-01", ("gastric NET type",), reason="gastric type decides the approach (O-01)")
    return None


@rule("G-02")
def neuroendocrine_carcinoma(p: NetPicture, as_of: date, k: RuleKnowledge) -> Outcome:
    if not is_nec(p):
        return Outcome.not_applicable("G-02", "not a poorly differentiated NEC")
    facts = tuple(FactUse.of(n, f) for n, f in (("Differentiation", p.differentiation), ("WHO grade", p.grade))
                  if f.known)
    return Outcome.applicable("G-02", facts=facts, reason="poorly differentiated NEC",
                              params={"site": site_words(p)})


@rule("G-04")
def mixed_neoplasm(p: NetPicture, as_of: date, k: RuleKnowledge) -> Outcome:
    if p.scope is not Scope.MINEN and not p.differentiation.is_(Differentiation.MIXED):
        return Outcome.not_applicable("G-04", "not a MiNEN")
    facts = tuple(FactUse(name="Diagnosis", display=s.display, date=s.date, reference=s.reference)
                  for s in p.scope_sources)
    return Outcome.applicable("G-04", facts=facts, reason="mixed neuroendocrine-non-neuroendocrine neoplasm",
                              missing=("histology, proportion and grade of each component (expert pathology)",))


@rule("G-05")
def grade_or_differentiation_unknown(p: NetPicture, as_of: date, k: RuleKnowledge) -> Outcome:
    if p.scope is not Scope.NET:
        return Outcome.not_applicable("G-05", f"scope is {p.scope.value}, grading gate is for NET")
    missing: list[str] = []
    if p.primary_site.is_(PrimarySite.LUNG_THYMUS):
        # Thoracic carcinoids are graded by type (mitoses, necrosis), not by the GEP G-grade.
        if not p.grade.known and not p.lung_type.known:
            if not p.mitoses_per_2mm2.known:
                missing.append("mitotic count per 2 mm2 and necrosis (typical vs atypical carcinoid)")
            if not p.ki67.known:
                missing.append("Ki-67 index (LOINC 29593-1)")
            if not missing:
                missing.append("carcinoid type (typical / atypical)")
    elif not p.grade.known:
        if p.ki67.state is FactState.CONTRADICTORY and p.ki67.sources:
            # on record, but contradictory: name both values and dates, never "not on record" (review B W8)
            readings = " vs ".join(dict.fromkeys(
                f"{s.display.split(' (read from')[0].removeprefix('Ki-67 ')} "
                f"{'in report text' if s.quote else 'coded'} {s.date.isoformat() if s.date else 'undated'}"
                for s in p.ki67.sources))
            return Outcome.insufficient(
                "G-05", (f"one reconciled Ki-67 value ({readings})",),
                card="ki67-contradictory", facts=(FactUse.of("Ki-67", p.ki67),),
                reason=f"Ki-67 results disagree with none newer: {readings}")
        if not p.ki67.known:
            missing.append("Ki-67 index (LOINC 29593-1)")
        if not p.mitoses_per_2mm2.known:
            missing.append("mitotic count per 2 mm2")
        if p.ki67.known and p.mitoses_per_2mm2.known:
            missing.append("WHO grade")
        if not p.differentiation.known:
            missing.append("differentiation (well / poorly differentiated)")
    elif p.grade.is_(Grade.G3) and not p.differentiation.known:
        # Ki-67 >20 % is where differentiation changes the pathway (WD NET G3 vs NEC); at
        # G1/G2 a NET is well differentiated by definition (a NEC is never G1/G2).
        missing.append("differentiation (well-differentiated NET G3 or poorly differentiated NEC)")
    if not missing:
        review = _expert_review(p, k)
        if review is not None:
            return review
        return Outcome.not_applicable("G-05", "grade known; differentiation known or implied by grade G1/G2")
    facts = tuple(
        FactUse.of(name, fact)
        for name, fact in (("WHO grade", p.grade), ("Ki-67", p.ki67), ("Differentiation", p.differentiation))
    )
    return Outcome.applicable("G-05", facts=facts, missing=tuple(missing),
                              reason="grade or differentiation not on record")


def _expert_review(p: NetPicture, k: RuleKnowledge) -> Outcome | None:
    """Decision table 1.1 rule 5 for a differentiation that is only coded: Ki-67 > 55 % -> expert review."""
    if not (p.differentiation.is_(Differentiation.WELL) and p.ki67.known):
        return None
    if not any(marker in p.differentiation.note for marker in k.values("inferred_differentiation_markers")):
        return None
    if ki67_at_most(p.ki67.value, k.threshold("ki67_wd_expert_review_above")) is not False:  # type: ignore[arg-type]
        return None  # 55 % or less, or a report that cannot say (e.g. "<70 %")
    facts = (FactUse.of("Differentiation", p.differentiation, f"well differentiated ({p.differentiation.note})"),
             FactUse.of("Ki-67", p.ki67))
    return Outcome.applicable("G-05", card="differentiation-expert-review", facts=facts,
                              params={"ki67": ki67_text(p.ki67.value)},  # type: ignore[arg-type]
                              missing=("differentiation confirmed by a NEN pathologist (morphology, p53/Rb)",),
                              reason="Ki-67 above 55 % with differentiation inferred only from the diagnosis code")


@rule("G-06")
def sstr_imaging_missing(p: NetPicture, as_of: date, k: RuleKnowledge) -> Outcome:
    if well_differentiated(p) is False:
        return Outcome.not_applicable("G-06", "not a well-differentiated NET")
    if p.sstr.known:
        return Outcome.not_applicable("G-06", "SSTR imaging on record")
    advanced = is_advanced(p)
    if advanced is False:
        return Outcome.not_applicable("G-06", "not advanced disease")
    if advanced is None:
        return Outcome.insufficient("G-06", ("disease extent (staging)",), reason="extent unknown")
    return Outcome.applicable(
        "G-06", facts=(extent_fact(p), FactUse.of("SSTR imaging", p.sstr)),
        missing=("SSTR PET/CT result (uptake compared with normal liver)",),
        reason="advanced WD NET without SSTR imaging",
    )


@rule("G-07")
def functional_syndrome_first(p: NetPicture, as_of: date, k: RuleKnowledge) -> Outcome:
    if not p.syndromes and not p.carcinoid_syndrome.is_(True):
        return Outcome.not_applicable("G-07", "no functional syndrome on record")
    names = sorted(s.value for s in p.syndromes) or [Syndrome.CARCINOID.value]
    facts = tuple(FactUse.of_source("Functional syndrome", s)
                  for s in p.syndrome_sources)
    return Outcome.applicable("G-07", facts=facts, reason="functional syndrome: " + ", ".join(names))


@rule("G-08")
def germline_testing(p: NetPicture, as_of: date, k: RuleKnowledge) -> Outcome:
    if p.hereditary:
        return Outcome.not_applicable("G-08", "hereditary syndrome already on record")
    if is_nec(p) or p.scope is not Scope.NET:
        return Outcome.not_applicable("G-08", "poorly differentiated NEC / not a WD NET: no germline-testing criterion")
    triggers: list[FactUse] = []
    if p.primary_site.is_(PrimarySite.PANCREAS):
        triggers.append(FactUse.of("Primary site", p.primary_site))
    if p.has_syndrome(Syndrome.GASTRINOMA):
        triggers.extend(syndrome_facts(p, Syndrome.GASTRINOMA))
    if p.multiple_primaries.is_(True) and not p.gastric_type.is_(1):
        # multifocal type 1 gastric NETs come from atrophic gastritis, not from a germline syndrome
        triggers.append(FactUse.of("Multiple primary NETs", p.multiple_primaries))
    if p.family_history_net.is_(True):
        triggers.append(FactUse.of("Family history of NET", p.family_history_net))
    if p.primary_site.is_(PrimarySite.PANCREAS) and p.age_years.known and p.age_years.value < k.threshold(
            "germline_pnet_age_below"):
        triggers.append(age_fact(p, as_of))
    if triggers:
        return Outcome.applicable("G-08", facts=tuple(triggers), reason="germline-testing criteria met",
                                  params={"site": site_words(p)})
    missing = tuple(m for m, f in (("primary site", p.primary_site),
                                   ("family history of NET", p.family_history_net)) if not f.known)
    if missing:
        return Outcome.insufficient("G-08", missing, reason="testing criteria cannot be excluded")
    return Outcome.not_applicable("G-08", "no germline-testing criterion")


@rule("G-09")
def chromogranin_confounded(p: NetPicture, as_of: date, k: RuleKnowledge) -> Outcome:
    if not p.labs.chromogranin_a_rising.is_(True):
        return Outcome.not_applicable("G-09", "chromogranin A not rising (or not on record)")
    confounders: list[FactUse] = []
    if p.on(Agent.PPI):
        confounders += exposure_facts(p, Agent.PPI)
    crcl = p.labs.creatinine_clearance if p.labs.creatinine_clearance.known else p.labs.egfr
    if crcl.known and crcl.value < k.threshold("cga_confounding_crcl_below"):
        confounders.append(FactUse.of("Renal function", crcl, f"{crcl.value:g} mL/min"))
    if p.gastric_type.is_(1):
        confounders.append(FactUse.of("Gastric NET type", p.gastric_type, "type 1 (atrophic gastritis)"))
    if not confounders:
        return Outcome.not_applicable("G-09", "no known cause of false chromogranin A rise")
    facts = (FactUse.of("Chromogranin A", p.labs.chromogranin_a_rising, "rising"), *confounders)
    return Outcome.applicable("G-09", facts=facts, reason="chromogranin A rise has a non-tumour explanation")
