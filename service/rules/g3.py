"""Well-differentiated NET G3 (Ki-67 >20 %), any GEP site (decision table section 4.6).

G3-01 — WD G3, SSTR uptake >= liver in every lesion, Ki-67 <= 55 %
    Then: newly diagnosed (no prior systemic therapy): RECOMMEND (MDT) first-line Lu-177 dotatate +
    octreotide LAR 30 mg (NETTER-2); after prior systemic therapy (an SSA included): CONSIDER (MDT)
    Lu-177 dotatate for WD G3 after prior therapy (not "first-line"; NETTER-2 enrolled only newly
    diagnosed patients, so it is not cited; series and PRRT consensus); treatment history unreadable:
    the PRRT card waits for it (INSUFFICIENT, like M-03). SSTR imaging outdated (older than its limit, the
    latest progression or new metastases) or eligibility labs missing/outdated: the needs-data card in place
    of the PRRT card (``predicates.prrt_gates``). After a PRRT course: re-treatment only after a durable
    response (``course.prrt_retreatment``). Either way CAPTEM (recommended for pancreas, considered
    elsewhere). PRRT and CAPTEM are one choice card (decision antitumour-therapy): pancreas -> CAPTEM first,
    elsewhere PRRT first, with the reason; an option the tumour progressed on is not offered. SSA alone is
    NR-15.
    Source: NETTER-2 (PFS 22.8 vs 8.5 mo); NANETS/SNMMI PRRT consensus; E2211; ENETS/ESMO.
    PRRT in WD G3 asks for an FDG PET/CT when none is on record (dual imaging: an FDG-avid lesion without SSTR
    uptake rules PRRT out, NR-03; review 2026-12 B-M2).
G3-02 — WD G3 with SSTR-negative/heterogeneous/below-liver uptake, or Ki-67 > 55 %, or FDG-avid, or
    rapid growth: documented progression within g3_rapid_progression_days (180) of the start of the
    therapy running at that progression (else of the diagnosis) -- ``progression_interval_days``,
    current (not stale) and not measured from a first *recorded* dose (only administrations on
    record: the true start may be earlier, so a short interval says nothing) -- or a primary-tumour
    volume doubling time < g3_rapid_doubling_days (180)
    Then: RECOMMEND cytotoxic chemotherapy: CAPTEM (or FOLFOX) when Ki-67 <= 55 %;
    platinum + etoposide when Ki-67 > 55 %; and RECOMMEND expert NEN pathology re-review (WD G3 vs NEC:
    morphology, p53/Rb, SSTR2; the regimen depends on it) unless differentiation was already confirmed by an
    expert statement on record (``lists.expert_differentiation_markers``). While that review is pending,
    platinum + etoposide is CONSIDER "plan it, start once the review is back" (g3-platinum-etoposide-pending),
    never "start" beside "the review decides the regimen" (review 2026-12 A-C2). PRRT (SSTR-negative) is NR-03.
    Source: ENETS NEC 2023 / ESMO-GEP 2020; NORDIC NEC; WHO 2022.
G3-03 — discordant grades between sites or over time (any WD NET)
    Then: the newest grading is the worst and comes from a biopsy taken after (or at most
    g3_biopsy_before_progression_days, 60, before) the current progression -- or, with no progression date,
    within g3_current_biopsy_days (90) -- -> INFO: the current biopsy shows the worst grade, treat by it (no
    request for a biopsy already done: review 2026-12, Wrong 5); every specimen of one date -> INFO worded for
    sites, not time (grade-discordant-sites: review 2026-12 B-W9, net-209); otherwise NEEDS DATA: biopsy the progressing
    lesion; treat by the worst grade. Source: WHO 2022.
"""
from __future__ import annotations

from datetime import date, timedelta

from service.picture.dates import shift
from service.picture.model import Agent, FactState, Grade, NetPicture, PrimarySite, SstrStatus
from service.rules.course import prrt_retreatment
from service.rules.predicates import (
    SYSTEMIC,
    card_params,
    ki67_outdated,
    ki67_text,
    prrt_gates,
    received,
    fact_uses,
    grade_fact,
    growth_facts,
    is_advanced,
    rapid_growth,
    newly_diagnosed,
    progressed_on,
    site_words,
    therapy_facts,
    well_differentiated,
)
from service.rules.outcome import FactUse, Outcome, Status
from service.rules.registry import RuleKnowledge, rule

_PRRT_UPTAKE = (SstrStatus.POSITIVE_ALL,)
_NOT_PRRT_UPTAKE = (SstrStatus.NEGATIVE, SstrStatus.POSITIVE_HETEROGENEOUS, SstrStatus.LOWER_THAN_LIVER)


def _wd_g3(p: NetPicture, rule_id: str) -> Outcome | None:
    """``None`` when the picture is an advanced WD NET G3; else the outcome that says why not."""
    if well_differentiated(p) is False:
        return Outcome.not_applicable(rule_id, "not a well-differentiated NET")
    if not p.grade.known:
        return Outcome.insufficient(rule_id, ("WHO grade (Ki-67)",), reason="grade unknown")
    if p.grade.value is not Grade.G3:
        return Outcome.not_applicable(rule_id, "not grade G3")
    advanced = is_advanced(p)
    if advanced is False:
        return Outcome.not_applicable(rule_id, "not advanced disease")
    if advanced is None:
        return Outcome.insufficient(rule_id, ("disease extent (staging)",), reason="extent unknown")
    return None


def _facts(p: NetPicture) -> tuple[FactUse, ...]:
    return ((grade_fact(p),) if p.grade.known else ()) + tuple(
        FactUse.of(n, f) for n, f in (("Ki-67", p.ki67), ("SSTR imaging", p.sstr),
                                                 ("FDG PET", p.fdg_avid)) if f.known)


def _params(p: NetPicture) -> dict[str, str]:
    ki67 = ki67_text(p.ki67.value) if p.ki67.known else ""   # a range keeps both ends (review B W3)
    # the grade words: "G3", or "G2-G3" for a Ki-67 range across the 20 % cut-off (card_params)
    return {"site": site_words(p), "ki67": ki67, "grade": card_params(p).get("grade", "G3")}


@rule("G3-01")
def g3_sstr_positive(p: NetPicture, as_of: date, k: RuleKnowledge) -> Outcome | tuple[Outcome, ...]:
    early = _wd_g3(p, "G3-01")
    if early is not None:
        return early
    if not p.sstr.known:
        return Outcome.insufficient("G3-01", ("SSTR PET/CT result",), reason="SSTR imaging not on file")
    if p.sstr.value is SstrStatus.POSITIVE_DEGREE_UNKNOWN:
        return Outcome.insufficient("G3-01", ("SSTR uptake compared with normal liver",),
                                    reason="SSTR positive, degree of uptake unknown")
    if p.sstr.value not in _PRRT_UPTAKE:
        return Outcome.not_applicable("G3-01", "SSTR uptake not at least liver in every lesion")
    if not p.ki67.known:
        return Outcome.insufficient("G3-01", ("Ki-67 index",), reason="Ki-67 unknown")
    if p.ki67.value.percent > k.threshold("ki67_g3_prrt_max"):
        return Outcome.not_applicable("G3-01", "Ki-67 above the NETTER-2 upper limit")
    facts, params = _facts(p), _params(p)
    captem = "g3-captem-pancreas" if p.primary_site.is_(PrimarySite.PANCREAS) else "g3-captem"
    new = newly_diagnosed(p)
    gate = prrt_gates("G3-01", p, k) if not received(p, Agent.PRRT) else None
    if received(p, Agent.PRRT):  # after a PRRT course: re-treatment only after a durable response
        prrt = prrt_retreatment("G3-01", p, k) or Outcome.not_applicable("G3-01", "PRRT given before")
    elif gate is not None:  # outdated SSTR imaging or eligibility labs: the needs-data card instead
        prrt = gate
    elif new is True:  # the NETTER-2 population: first line
        prrt = Outcome.applicable(
            "G3-01", card="g3-prrt-first-line", facts=facts + fact_uses(p, "newly_diagnosed"), params=params,
            reason="no prior systemic therapy, WD G3, SSTR uptake >= liver in every lesion, Ki-67 within NETTER-2 range")
    elif new is False:  # e.g. on lanreotide: PRRT after prior therapy, never "first-line"
        prrt = Outcome.applicable(
            "G3-01", card="g3-prrt-pretreated", facts=facts + therapy_facts(p, sorted(SYSTEMIC, key=str)),
            params=params,
            reason="WD G3 after prior systemic therapy, SSTR uptake >= liver in every lesion, Ki-67 <= 55 %")
    else:
        prrt = Outcome.insufficient(
            "G3-01", ("prior systemic therapy history (first-line PRRT per NETTER-2 only when newly diagnosed)",),
            reason="treatment history unreadable: first-line or after prior therapy cannot be told")
    # One decision, one choice card (decision antitumour-therapy): PRRT or CAPTEM, the option favoured for this
    # patient first; an option the tumour already progressed on is not offered.
    pancreas = p.primary_site.is_(PrimarySite.PANCREAS)
    failed = [a for a in (Agent.PRRT, Agent.CAPTEM) if progressed_on(p, a)]
    if pancreas:
        reason = ("CAPTEM first: pancreatic primary (capecitabine-temozolomide has its strongest evidence in "
                  "pancreatic NET and shrinks tumours); PRRT is the alternative")
    else:
        reason = ("PRRT first: extra-pancreatic primary with SSTR uptake at least as high as liver in every "
                  "lesion; CAPTEM is the alternative")
    if failed:
        reason = f"{failed[0].value.upper()} not offered: progression on it is on record"
    captem_outcome = Outcome.applicable("G3-01", card=captem, facts=facts, params=params, missing=ki67_outdated(p, k),
                                        reason=reason)
    if prrt.status is Status.APPLICABLE and prrt.card in ("g3-prrt-first-line", "g3-prrt-pretreated"):
        # WD G3: dual imaging before PRRT -- an FDG-avid lesion without somatostatin-receptor uptake rules it out
        # (NR-03); without an FDG PET on record it is asked for (review 2026-12 B-M2: net-104, 118, 183, 206, 209)
        fdg = () if p.fdg_avid.known else (
            "FDG PET/CT (WD G3: exclude FDG-avid lesions without somatostatin-receptor uptake before PRRT)",)
        prrt = Outcome.applicable("G3-01", card=prrt.card, facts=prrt.facts + fact_uses(p, "fdg_avid"),
                                  params=prrt.params, missing=prrt.missing + fdg, reason=reason)
    options = [o for o, a in ((captem_outcome, Agent.CAPTEM), (prrt, Agent.PRRT)) if a not in failed]
    if not pancreas:
        options.reverse()
    if not options:
        return Outcome.not_applicable("G3-01", "progression on both PRRT and CAPTEM is on record")
    return tuple(options)


@rule("G3-02")
def g3_aggressive(p: NetPicture, as_of: date, k: RuleKnowledge) -> Outcome:
    early = _wd_g3(p, "G3-02")
    if early is not None:
        return early
    high_ki67 = p.ki67.known and p.ki67.value.percent > k.threshold("ki67_g3_prrt_max")
    sstr_poor = p.sstr.known and p.sstr.value in _NOT_PRRT_UPTAKE
    fdg = p.fdg_avid.is_(True)
    rapid = _rapid_growth(p, k)
    if not (high_ki67 or sstr_poor or fdg or rapid):
        missing = tuple(m for m, f in (("SSTR PET/CT result", p.sstr), ("Ki-67 index", p.ki67)) if not f.known)
        if missing:
            return Outcome.insufficient("G3-02", missing, reason="aggressiveness criteria cannot be excluded")
        return Outcome.not_applicable("G3-02", "SSTR uptake >= liver, Ki-67 <= 55 %, not FDG-avid")
    facts, params = _facts(p) + rapid, _params(p)
    if high_ki67:
        chemo = Outcome.applicable("G3-02", card="g3-platinum-etoposide", facts=facts, params=params,
                                   missing=ki67_outdated(p, k), reason="WD G3 with Ki-67 above 55 %")
    else:
        chemo = Outcome.applicable("G3-02", card="g3-chemotherapy", facts=facts, params=params,
                                   reason="WD G3 with SSTR-poor, FDG-avid or rapidly growing disease")
    if any(m in p.differentiation.note.lower() or any(m in s.display.lower() for s in p.differentiation.sources)
           for m in k.values("expert_differentiation_markers")):
        return chemo  # an expert review is on record
    if high_ki67 and any(m in p.differentiation.note for m in k.values("inferred_differentiation_markers")):
        return chemo  # G-05 already asks for the expert review (differentiation only from a code, Ki-67 > 55 %)
    review = Outcome.applicable("G3-02", card="g3-pathology-review", facts=_facts(p), params=params,
                                missing=("expert NEN pathology review of differentiation (morphology, p53/Rb)",),
                                reason="aggressive WD G3: confirm WD NET G3 versus NEC before the regimen is chosen")
    if high_ki67:
        # the review decides the regimen: platinum-etoposide is planned, not started, until it is back (review
        # 2026-12 A-C2, net-22: "start platinum" beside "the review decides the regimen")
        chemo = Outcome.applicable("G3-02", card="g3-platinum-etoposide-pending", facts=facts, params=params,
                                   missing=ki67_outdated(p, k),
                                   reason="WD G3 with Ki-67 above 55 %; expert pathology review pending")
    return chemo, review


def _rapid_growth(p: NetPicture, k: RuleKnowledge) -> tuple[FactUse, ...]:
    """Facts showing rapid growth (empty when none is shown): a short progression interval, or a short
    primary-tumour volume doubling time. A missing/stale interval or one counted from a first recorded
    dose (``lists.uninformative_interval_markers`` in the picture's note) is not evidence either way."""
    out: tuple[FactUse, ...] = ()
    interval = p.progression_interval_days
    uninformative = any(marker in interval.note for marker in k.values("uninformative_interval_markers"))
    if (interval.known and interval.state is FactState.PRESENT and not uninformative
            and p.progression.is_(True) and int(interval.value) <= k.threshold("g3_rapid_progression_days")):  # type: ignore[arg-type]
        out += (FactUse.of("Progression interval", interval, f"{interval.note} (rapid)"),)
    if rapid_growth(p, doubling_days_below=k.threshold("g3_rapid_doubling_days")):
        out += growth_facts(p)
    return out


@rule("G3-03")
def discordant_grades(p: NetPicture, as_of: date, k: RuleKnowledge) -> Outcome:
    if well_differentiated(p) is False:
        return Outcome.not_applicable("G3-03", "not a well-differentiated NET")
    if not p.grade_discordant.is_(True):
        return Outcome.not_applicable("G3-03", "no discordant grades on record")
    facts = tuple(
        FactUse(name="Grade", display=f"{a.grade.value}: {a.basis}", date=a.date,
                reference=a.references[0] if a.references else None)
        for a in p.grade_assessments
    )
    current = _current_worst_biopsy(p, as_of, k)
    dates = {a.date for a in p.grade_assessments}
    if current is not None and len(dates) == 1:
        # specimens of one date: grades differ between sites, not over time (review 2026-12 B-W9, net-209)
        return Outcome.applicable("G3-03", card="grade-discordant-sites", facts=facts,
                                  params={"grade": current.grade.value},
                                  reason=f"specimens of {current.date} from different sites; the worst grade, "
                                         f"{current.grade.value}, guides therapy")
    if current is not None:
        return Outcome.applicable("G3-03", card="grade-discordant-current", facts=facts,
                                  params={"grade": current.grade.value},
                                  reason=f"the current biopsy ({current.date}, {current.specimen or 'specimen'}) "
                                         f"shows the worst grade, {current.grade.value}: treat by it")
    return Outcome.applicable("G3-03", facts=facts, missing=("grade of the currently progressing lesion",),
                              reason="grades differ between specimens or over time")


_GRADE_ORDER = {Grade.G1: 1, Grade.G2: 2, Grade.G3: 3, Grade.NEC: 4}


def _current_worst_biopsy(p: NetPicture, as_of: date, k: RuleKnowledge):  # type: ignore[no-untyped-def]
    """The newest grading when it is the worst grade on record and recent enough to be the biopsy of the
    lesion that is progressing now; None when the progressing lesion still needs a biopsy."""
    dated = [a for a in p.grade_assessments if a.date is not None]
    if not dated:
        return None
    newest = max(dated, key=lambda a: a.date)  # type: ignore[arg-type, return-value]
    if _GRADE_ORDER[newest.grade] < max(_GRADE_ORDER[a.grade] for a in p.grade_assessments):
        return None
    if p.progression.is_(True) and p.progression_date.known:
        window = k.threshold("g3_biopsy_before_progression_days")
        return newest if newest.date >= shift(p.progression_date.value, -window) else None  # type: ignore[operator]
    return newest if newest.date >= as_of - timedelta(days=k.threshold("g3_current_biopsy_days")) else None
