"""NOT RECOMMENDED rows (decision table section 6) that are not drug-safety rows.

A row fires only when the patient is on the therapy or it is ordered (NR-01, NR-02, NR-05, NR-07,
NR-08, NR-13, NR-14, NR-15, NR-16, NR-23), or -- for PRRT (NR-03) and SSA in insulinoma (NR-12) --
when the therapy is a usual next step the clinician is likely to weigh for this patient. The site rows never suggest a not-recommended therapy, so a
warning about a drug nobody proposed would be noise.
Each card says "not recommended" and why. (NR-04, NR-09..NR-11, NR-17..NR-20 live in
``service.rules.safety``; NR-22 in ``service.rules.scope``.)

NR-01 — sunitinib outside the pancreas
    When: non-pancreatic or unknown primary, and sunitinib ordered or taken.
    Why: only pNET RCT evidence and label (A6181111).
NR-02 — everolimus for functional carcinoid / carcinoid-syndrome symptom control
    When: carcinoid syndrome (non-pancreatic), and everolimus ordered or taken.
    Why: FDA limitation of use; RADIANT-2 missed its significance boundary. With documented progression the
    card gives the reason that applies (everolimus proposed against progression: the label's limitation for
    functional carcinoid tumours and RADIANT-2; PRRT if SSTR >= liver), not "symptom control" (review 2026-12,
    Wrong 10).
NR-03 — PRRT when SSTR uptake is negative, heterogeneous or below liver (or imaging not done
    when PRRT is ordered)
    When: PRRT ordered, or advanced WD NET with progression, G3 or Ki-67 >= 10 % newly diagnosed
          (not when the patient declined PRRT: PD-01 says so, a warning would be noise).
    Why: NETTER-1/-2 and the EU SmPC require uptake >= liver in every target lesion.
    SSTR "positive, degree unknown": NEEDS DATA (uptake vs liver). Uptake only "about equal to liver"
    (Krenning 2): CAUTION -- eligible by the EU wording, but the Krenning scale was defined on scintigraphy
    and on PET "equal to liver" may overstate eligibility (JNM 2021 review): confirm with nuclear medicine.
NR-05 — SSA as antitumour therapy in NEC (SSA ordered or taken). Why: no evidence.
NR-06 — everolimus, sunitinib, cabozantinib or PRRT as routine NEC therapy (when ordered; PRRT
    except the N-04 setting). Why: not studied/approved in NEC.
NR-07 — platinum-etoposide for WD G1/G2 NET (except atypical lung carcinoid)
    When: ordered or taken. Why: low activity; NCCN.
NR-08 — adjuvant systemic therapy after R0 resection of a WD NET
    When: R0 resection on record, no metastatic disease, and a systemic antitumour therapy ordered
    or active (SSA exempt with a functional syndrome). Why: no evidence.
NR-12 — SSA in insulinoma without SSTR-positive imaging
    When: insulinoma, SSTR imaging missing/negative/below liver, and SSA ordered or advanced
    disease. Why: may worsen hypoglycaemia.
NR-13 — interferon-alpha as first-line therapy (ordered, no prior SSA/PRRT/targeted therapy).
NR-14 — pasireotide as routine NET therapy (ordered). Why: not approved; no superiority.
NR-15 — SSA monotherapy as the only antiproliferative in advanced WD G3 NET
    When: an SSA is ordered or taken, no functional syndrome, no other antiproliferative therapy
    active or ordered. Why: low expected benefit. (The G3 rows never suggest SSA alone.)
NR-16 — SSA for antiproliferation when SSTR-negative (advanced WD G1/G2, no functional syndrome)
    When: an SSA is ordered or taken. Why: benefit shown in SSTR-positive tumours; keep for hormonal
    symptoms. (No row suggests an SSA for SSTR-negative disease.)
NR-21 — calling progression on chromogranin A alone (CgA rising, progression not shown on
    imaging). Why: false elevation (PPI, renal failure, atrophic gastritis). A current imaging assessment on
    record (stable/improved/remission) is cited (cga-alone-imaging-stable: "imaging on <date> is stable"),
    never asked for; an older one is named in "imaging more recent than <date>".
NR-23 — two SSAs together; routine everolimus + long-acting SSA for antiproliferation in non-functional NET
    outside a PRRT course (the card stops the SSA: the everolimus is the indicated line and is never what it
    removes; carcinoid syndrome is NR-02's); or everolimus during a PRRT course (a dose ordered or scheduled).
    Why: no added benefit shown; no trial of everolimus with PRRT and additive marrow toxicity.
"""
from __future__ import annotations

from datetime import date

from service.picture.model import (
    Agent,
    DiseaseStatus,
    Extent,
    FactState,
    Grade,
    LungType,
    NetPicture,
    PrimarySite,
    SstrStatus,
    Syndrome,
    TherapyStatus,
)
from service.rules.predicates import (
    exposure_facts,
    in_play,
    is_advanced,
    is_nec,
    site_words,
    syndrome_facts,
    well_differentiated,
)
from service.rules.outcome import FactUse, Outcome
from service.rules.registry import RuleKnowledge, rule

_ANTIPROLIFERATIVE = (Agent.EVEROLIMUS, Agent.SUNITINIB, Agent.CABOZANTINIB, Agent.PRRT, Agent.CAPTEM,
                      Agent.STREPTOZOCIN, Agent.PLATINUM_ETOPOSIDE, Agent.OTHER_CHEMOTHERAPY)
_SSTR_POSITIVE = (SstrStatus.POSITIVE_ALL, SstrStatus.POSITIVE_HETEROGENEOUS, SstrStatus.POSITIVE_DEGREE_UNKNOWN)
_SSTR_BELOW_LIVER = (SstrStatus.NEGATIVE, SstrStatus.POSITIVE_HETEROGENEOUS, SstrStatus.LOWER_THAN_LIVER)


def _functional(p: NetPicture) -> bool:
    return bool(p.syndromes) or p.carcinoid_syndrome.is_(True)


def _progressing(p: NetPicture) -> bool:
    return p.progression.is_(True) or p.disease_status.is_(DiseaseStatus.PROGRESSIVE)


def _advanced_wd(p: NetPicture) -> bool:
    return well_differentiated(p) is not False and is_advanced(p) is True


def _f(name: str, fact) -> tuple[FactUse, ...]:  # type: ignore[no-untyped-def]
    return (FactUse.of(name, fact),) if fact.known else ()


@rule("NR-01")
def sunitinib_outside_pancreas(p: NetPicture, as_of: date, k: RuleKnowledge) -> Outcome:
    # Only when sunitinib is ordered or taken: the site rows never suggest it outside the pancreas,
    # and a warning about a drug nobody proposed is noise (fixture convention: NR rows fire on the
    # patient's own data).
    if not in_play(p, Agent.SUNITINIB):
        return Outcome.not_applicable("NR-01", "sunitinib not ordered")
    if not p.primary_site.known:
        return Outcome.insufficient("NR-01", ("primary site",), reason="sunitinib evidence is pancreas-only")
    if p.primary_site.value is PrimarySite.PANCREAS:
        return Outcome.not_applicable("NR-01", "pancreatic primary")
    facts = (*_f("Primary site", p.primary_site), *_f("Progression", p.progression),
             *exposure_facts(p, Agent.SUNITINIB, Agent.SSA))
    return Outcome.applicable("NR-01", facts=facts, params={"site": site_words(p)},
                              reason="sunitinib evidence and label are for pancreatic NET only")


@rule("NR-02")
def everolimus_functional_carcinoid(p: NetPicture, as_of: date, k: RuleKnowledge) -> Outcome:
    carcinoid = p.carcinoid_syndrome.is_(True) or p.has_syndrome(Syndrome.CARCINOID)
    if not carcinoid:
        return Outcome.not_applicable("NR-02", "no carcinoid syndrome on record")
    if p.primary_site.is_(PrimarySite.PANCREAS):
        return Outcome.not_applicable("NR-02", "pancreatic NET (everolimus label covers pNET)")
    if not in_play(p, Agent.EVEROLIMUS):
        return Outcome.not_applicable("NR-02", "everolimus not ordered (the site rows never suggest it here)")
    facts = (FactUse(name="Carcinoid syndrome", display="present",
                     date=p.carcinoid_syndrome.date, reference=(p.carcinoid_syndrome.sources[0].reference
                                                                if p.carcinoid_syndrome.sources else None)),
             *_f("Progression", p.progression), *exposure_facts(p, Agent.EVEROLIMUS))
    if _progressing(p):
        return Outcome.applicable("NR-02", card="everolimus-functional-carcinoid-progression", facts=facts,
                                  reason="everolimus proposed for progression of a functional carcinoid tumour")
    return Outcome.applicable("NR-02", facts=facts, reason="functional carcinoid tumour")


def _prrt_candidate(p: NetPicture, k: RuleKnowledge) -> bool:
    if in_play(p, Agent.PRRT) or p.next_prrt_date.known:
        return True
    if p.declined(Agent.PRRT):
        return False  # the patient declined it: not a next step to warn about (PD-01)
    if not _advanced_wd(p):
        return False
    if _progressing(p) or p.grade.is_(Grade.G3):
        return True
    return (p.newly_diagnosed.is_(True) and p.ki67.known
            and p.ki67.value.percent >= k.threshold("netter2_ki67_min"))


@rule("NR-03")
def prrt_without_uptake(p: NetPicture, as_of: date, k: RuleKnowledge) -> Outcome:
    if is_nec(p):
        return Outcome.not_applicable("NR-03", "NEC: see NR-06 / N-04")
    if not _prrt_candidate(p, k):
        return Outcome.not_applicable("NR-03", "PRRT neither ordered nor in play")
    facts = (*_f("SSTR imaging", p.sstr), *_f("FDG PET", p.fdg_avid), *exposure_facts(p, Agent.PRRT))
    if not p.sstr.known:
        if in_play(p, Agent.PRRT) or p.next_prrt_date.known:
            return Outcome.applicable("NR-03", card="prrt-no-sstr-imaging", facts=facts,
                                      reason="PRRT ordered without SSTR imaging on record")
        return Outcome.insufficient("NR-03", ("SSTR PET/CT result",), reason="SSTR imaging not on record")
    if p.sstr.value is SstrStatus.POSITIVE_DEGREE_UNKNOWN:
        return Outcome.insufficient("NR-03", ("SSTR uptake compared with normal liver",), card="prrt-uptake-degree",
                                    facts=facts, reason="SSTR positive but uptake not compared with liver")
    if p.sstr.value in _SSTR_BELOW_LIVER:
        return Outcome.applicable("NR-03", facts=facts, params={"site": site_words(p)},
                                  reason="SSTR uptake below liver or absent in target lesions")
    if p.fdg_avid.is_(True) and p.sstr.value is not SstrStatus.POSITIVE_ALL:
        return Outcome.applicable("NR-03", facts=facts, reason="FDG-avid lesions without SSTR uptake")
    if uptake_equal_to_liver(p, k):
        return Outcome.applicable("NR-03", card="prrt-uptake-equal-to-liver", facts=facts,
                                  reason="uptake only about equal to liver: borderline for PRRT on PET")
    return Outcome.not_applicable("NR-03", "SSTR uptake at least liver in every lesion")


def uptake_equal_to_liver(p: NetPicture, k: RuleKnowledge) -> bool:
    """The newest SSTR result says uptake about equal to (not above) normal liver (Krenning 2)."""
    if not p.sstr.is_(SstrStatus.POSITIVE_ALL) or not p.sstr.sources:
        return False
    newest = max(p.sstr.sources, key=lambda s: s.date or date.min)
    words = k.values("sstr_equal_to_liver_words")
    return any(w in (newest.display or "").lower() for w in words)


@rule("NR-05")
def ssa_in_nec(p: NetPicture, as_of: date, k: RuleKnowledge) -> Outcome:
    if not is_nec(p):
        return Outcome.not_applicable("NR-05", "not a NEC")
    if not in_play(p, Agent.SSA):
        return Outcome.not_applicable("NR-05", "SSA not ordered")
    facts = (*_f("Differentiation", p.differentiation), *_f("SSTR imaging", p.sstr), *exposure_facts(p, Agent.SSA))
    return Outcome.applicable("NR-05", facts=facts, reason="SSA has no antitumour evidence in NEC")


_NEC_CARDS = {
    Agent.EVEROLIMUS: "nec-everolimus",
    Agent.SUNITINIB: "nec-sunitinib",
    Agent.CABOZANTINIB: "nec-cabozantinib",
    Agent.PRRT: "nec-prrt",
}


@rule("NR-06")
def targeted_or_prrt_in_nec(p: NetPicture, as_of: date, k: RuleKnowledge) -> Outcome | tuple[Outcome, ...]:
    if not is_nec(p):
        return Outcome.not_applicable("NR-06", "not a NEC")
    selected_prrt = (p.sstr.is_(SstrStatus.POSITIVE_ALL) and p.ki67.known
                     and p.ki67.value.percent < k.threshold("nec_ki67_high")
                     and (p.ever_had(Agent.PLATINUM_ETOPOSIDE) or p.ever_had(Agent.OTHER_CHEMOTHERAPY)))
    out = []
    for agent, card in _NEC_CARDS.items():
        if not in_play(p, agent) or (agent is Agent.PRRT and selected_prrt):
            continue
        out.append(Outcome.applicable("NR-06", card=card, facts=(*_f("Differentiation", p.differentiation),
                                                                  *exposure_facts(p, agent)),
                                      reason=f"{agent.value} ordered for NEC"))
    return tuple(out) if out else Outcome.not_applicable("NR-06", "no WD-NET targeted therapy or PRRT ordered")


@rule("NR-07")
def platinum_in_wd_net(p: NetPicture, as_of: date, k: RuleKnowledge) -> Outcome:
    if well_differentiated(p) is False:
        return Outcome.not_applicable("NR-07", "not a well-differentiated NET")
    if not p.grade.known:
        return Outcome.not_applicable("NR-07", "grade unknown (G-05 asks for it)")
    if p.grade.value not in (Grade.G1, Grade.G2):
        return Outcome.not_applicable("NR-07", "not grade G1/G2")
    if p.primary_site.is_(PrimarySite.LUNG_THYMUS) and p.lung_type.is_(LungType.ATYPICAL):
        return Outcome.not_applicable("NR-07", "atypical lung carcinoid: platinum may be considered (L-05)")
    if not in_play(p, Agent.PLATINUM_ETOPOSIDE):
        return Outcome.not_applicable("NR-07", "platinum-etoposide not ordered")
    facts = (*_f("WHO grade", p.grade), *_f("Ki-67", p.ki67), *exposure_facts(p, Agent.PLATINUM_ETOPOSIDE))
    return Outcome.applicable("NR-07", facts=facts, params={"grade": p.grade.value.value},
                              reason="platinum-etoposide has low activity in WD G1/G2 NET")


_ADJUVANT_CARDS = {
    Agent.SSA: "adjuvant-ssa",
    Agent.EVEROLIMUS: "adjuvant-everolimus",
    Agent.SUNITINIB: "adjuvant-sunitinib",
    Agent.CABOZANTINIB: "adjuvant-cabozantinib",
    Agent.PRRT: "adjuvant-prrt",
    Agent.CAPTEM: "adjuvant-captem",
    Agent.STREPTOZOCIN: "adjuvant-streptozocin",
    Agent.PLATINUM_ETOPOSIDE: "adjuvant-platinum",
    Agent.OTHER_CHEMOTHERAPY: "adjuvant-chemotherapy",
}


@rule("NR-08")
def adjuvant_after_r0(p: NetPicture, as_of: date, k: RuleKnowledge) -> Outcome | tuple[Outcome, ...]:
    if well_differentiated(p) is False:
        return Outcome.not_applicable("NR-08", "not a well-differentiated NET")
    if not p.r0_resection.is_(True):
        return Outcome.not_applicable("NR-08", "no R0 resection on record")
    if p.extent.is_(Extent.METASTATIC):
        return Outcome.not_applicable("NR-08", "metastatic disease: therapy is not adjuvant")
    resection = _f("R0 resection", p.r0_resection)
    out = []
    for agent, card in _ADJUVANT_CARDS.items():
        if not in_play(p, agent):
            continue
        if agent is Agent.SSA and _functional(p):
            continue  # SSA for hormonal symptoms is not adjuvant antitumour therapy
        out.append(Outcome.applicable("NR-08", card=card, facts=(*resection, *exposure_facts(p, agent)),
                                      reason=f"{agent.value} after R0 resection"))
    return tuple(out) if out else Outcome.not_applicable("NR-08", "no systemic therapy after R0 resection")


@rule("NR-12")
def ssa_in_insulinoma(p: NetPicture, as_of: date, k: RuleKnowledge) -> Outcome:
    if not p.has_syndrome(Syndrome.INSULINOMA):
        return Outcome.not_applicable("NR-12", "no insulinoma")
    if p.sstr.known and p.sstr.value in _SSTR_POSITIVE:
        return Outcome.not_applicable("NR-12", "SSTR-positive imaging on record (monitored test dose still advised)")
    if not in_play(p, Agent.SSA) and is_advanced(p) is not True:
        return Outcome.not_applicable("NR-12", "SSA neither ordered nor in play")
    facts = (*syndrome_facts(p, Syndrome.INSULINOMA), *_f("SSTR imaging", p.sstr),
             *_f("Hypoglycaemia", p.hypoglycaemia), *exposure_facts(p, Agent.SSA))
    return Outcome.applicable("NR-12", facts=facts, missing=() if p.sstr.known else ("SSTR PET/CT result",),
                              reason="insulinoma without SSTR-positive imaging")


@rule("NR-13")
def interferon_first_line(p: NetPicture, as_of: date, k: RuleKnowledge) -> Outcome:
    if not in_play(p, Agent.INTERFERON):
        return Outcome.not_applicable("NR-13", "interferon not ordered")
    prior = [a for a in (Agent.SSA, *_ANTIPROLIFERATIVE, Agent.TELOTRISTAT) if p.ever_had(a)]
    if prior:
        return Outcome.not_applicable("NR-13", "other therapies already used (M-09: later-line option)")
    return Outcome.applicable("NR-13", facts=exposure_facts(p, Agent.INTERFERON),
                              reason="interferon ordered before SSA or other standard options")


@rule("NR-14")
def pasireotide_routine(p: NetPicture, as_of: date, k: RuleKnowledge) -> Outcome:
    if not in_play(p, Agent.PASIREOTIDE):
        return Outcome.not_applicable("NR-14", "pasireotide not ordered")
    return Outcome.applicable("NR-14", facts=exposure_facts(p, Agent.PASIREOTIDE),
                              reason="pasireotide is not approved for NET")


def _other_antiproliferative_active(p: NetPicture) -> bool:
    return any(in_play(p, a) for a in _ANTIPROLIFERATIVE)


@rule("NR-15")
def ssa_alone_in_g3(p: NetPicture, as_of: date, k: RuleKnowledge) -> Outcome:
    if well_differentiated(p) is False or not p.grade.is_(Grade.G3):
        return Outcome.not_applicable("NR-15", "not a WD NET G3")
    if is_advanced(p) is not True:
        return Outcome.not_applicable("NR-15", "not known to be advanced")
    if _functional(p):
        return Outcome.not_applicable("NR-15", "functional syndrome: SSA kept for symptom control")
    if not in_play(p, Agent.SSA):
        return Outcome.not_applicable("NR-15", "no SSA ordered or taken (the G3 rows never suggest SSA alone)")
    if _other_antiproliferative_active(p):
        return Outcome.not_applicable("NR-15", "another antiproliferative therapy is active or ordered")
    facts = (*_f("WHO grade", p.grade), *_f("Ki-67", p.ki67), *exposure_facts(p, Agent.SSA))
    ki67 = f"{p.ki67.value.percent:g} %" if p.ki67.known else ""
    return Outcome.applicable("NR-15", facts=facts, params={"ki67": ki67},
                              reason="SSA alone has low expected benefit in WD G3 NET")


@rule("NR-16")
def ssa_sstr_negative(p: NetPicture, as_of: date, k: RuleKnowledge) -> Outcome:
    if not _advanced_wd(p):
        return Outcome.not_applicable("NR-16", "not an advanced WD NET")
    if not p.grade.known or p.grade.value not in (Grade.G1, Grade.G2):
        return Outcome.not_applicable("NR-16", "not grade G1/G2 (G3: NR-15)")
    if not p.sstr.is_(SstrStatus.NEGATIVE):
        return Outcome.not_applicable("NR-16", "SSTR imaging not negative (or not on record)")
    if _functional(p):
        return Outcome.not_applicable("NR-16", "functional syndrome: SSA kept for hormonal symptoms")
    if not in_play(p, Agent.SSA):
        return Outcome.not_applicable("NR-16", "no SSA ordered or taken (no row suggests one when SSTR-negative)")
    facts = (FactUse.of("SSTR imaging", p.sstr), *exposure_facts(p, Agent.SSA))
    return Outcome.applicable("NR-16", facts=facts, reason="SSTR-negative: low expected antiproliferative benefit")


@rule("NR-21")
def chromogranin_alone(p: NetPicture, as_of: date, k: RuleKnowledge) -> Outcome:
    if not p.labs.chromogranin_a_rising.is_(True):
        return Outcome.not_applicable("NR-21", "chromogranin A not rising (or not on record)")
    if _progressing(p):
        return Outcome.not_applicable("NR-21", "progression documented (imaging/disease status)")
    facts = (FactUse.of("Chromogranin A", p.labs.chromogranin_a_rising, "rising"), *_f("Disease status", p.disease_status))
    status = p.disease_status
    if (status.state is FactState.PRESENT and status.date is not None
            and status.value in (DiseaseStatus.STABLE, DiseaseStatus.IMPROVED, DiseaseStatus.REMISSION)):
        # the imaging assessment is on record and current: cite it, never ask for it again (review A, W1)
        return Outcome.applicable("NR-21", card="cga-alone-imaging-stable", facts=facts,
                                  params={"date": status.date.isoformat()},
                                  reason=f"chromogranin A rising; imaging assessment {status.value.value} on "
                                         f"{status.date.isoformat()}")
    missing = (f"cross-sectional imaging (RECIST 1.1) more recent than {status.date.isoformat()}"
               if status.known and status.date is not None else "cross-sectional imaging (RECIST 1.1)")
    return Outcome.applicable("NR-21", facts=facts, missing=(missing,),
                              reason="chromogranin A rising without documented progression")


@rule("NR-23")
def ssa_combinations(p: NetPicture, as_of: date, k: RuleKnowledge) -> Outcome | tuple[Outcome, ...]:
    depots = {t.drug.lower() for t in p.therapies_of(Agent.SSA)
              if t.status in (TherapyStatus.ACTIVE, TherapyStatus.PLANNED) and t.long_acting is True}
    out = []
    if len(depots) >= 2:
        out.append(Outcome.applicable("NR-23", card="ssa-combination", facts=exposure_facts(p, Agent.SSA),
                                      reason="two long-acting SSAs at the same time"))
    prrt_running = p.on(Agent.PRRT) or any(t.status is TherapyStatus.PLANNED for t in p.therapies_of(Agent.PRRT)) \
        or (p.next_prrt_date.known and p.next_prrt_date.value >= as_of)  # type: ignore[operator]
    # the routine combination: a long-acting SSA kept beside everolimus for tumour control in non-functional
    # disease. The everolimus is the indicated line (P-03, M-05); what is not recommended is keeping the SSA, so
    # the card stops the SSA and never the everolimus. Carcinoid syndrome: the SSA treats the syndrome and
    # NR-02 speaks about the everolimus (RADIANT-2); during a PRRT course the SSA is part of the PRRT schedule and
    # the everolimus-during-PRRT card speaks.
    depot_in_force = any(t.long_acting is not False and t.status in (TherapyStatus.ACTIVE, TherapyStatus.PLANNED)
                         for t in p.therapies_of(Agent.SSA))
    if in_play(p, Agent.EVEROLIMUS) and depot_in_force and not _functional(p) and not prrt_running:
        out.append(Outcome.applicable("NR-23", card="everolimus-ssa-combination",
                                      facts=exposure_facts(p, Agent.EVEROLIMUS, Agent.SSA),
                                      reason="long-acting SSA kept beside everolimus for tumour control, no functional "
                                             "syndrome"))
    if in_play(p, Agent.EVEROLIMUS) and prrt_running:
        out.append(Outcome.applicable("NR-23", card="everolimus-prrt-combination",
                                      facts=exposure_facts(p, Agent.EVEROLIMUS, Agent.PRRT)
                                      + ((FactUse.of("Next PRRT dose", p.next_prrt_date),) if p.next_prrt_date.known else ()),
                                      reason="everolimus during a PRRT course"))
    return tuple(out) if out else Outcome.not_applicable("NR-23", "no SSA combination")
