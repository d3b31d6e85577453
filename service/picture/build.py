"""PatientRecord (raw FHIR R4 dicts) -> one immutable NetPicture with provenance.

Never raises on FHIR-shaped input: resources that fail validation are skipped and counted
(``NetPicture.invalid_resources``); facts that cannot be read stay MISSING (or UNAVAILABLE when
their data category could not be fetched), never a negative finding.
"""
from __future__ import annotations

import json

import logging
from datetime import date

from service.data import fhir_adapter, limits
from service.picture import appendix, declined, disease, extent, fitness, pathology, primary, tempo, therapy
from service.picture.reports import read as reports
from service.picture.context import Context
from service.picture.diagnosis import diagnose, relevant_condition
from service.picture.facts import or_unavailable
from service.picture.select import select
from service.picture.model import Extent, Fact, FactState, NetPicture, Resectability, Scope
from service.picture.terminology import Terminology
from service.data.records import PatientRecord

log = logging.getLogger(__name__)

DEFAULT_LOOKBACK_DAYS = 365


def relevance(term: Terminology):
    """The dict-level check of ``fhir_adapter.adapt`` (validate every relevant resource; tests and tools).

    ``build_picture`` goes further and validates only the candidates that decide a fact
    (``service.picture.select``).
    """
    ctx = Context(fhir_adapter.AdaptedRecord(), date.min, 0, term, frozenset())

    def relevant(resource: dict) -> bool:
        rtype = resource.get("resourceType")
        if rtype == "Observation":
            code = resource.get("code")
            if not isinstance(code, dict):
                return False
            return any(
                isinstance(c, dict) and isinstance(c.get("system"), str) and isinstance(c.get("code"), str)
                and term.is_observation_code(c["system"], c["code"])
                for c in limits.items(code.get("coding"), limits.MAX_CODINGS)
            )
        if rtype == "Condition":
            return relevant_condition(ctx, resource)
        if rtype in fhir_adapter.MEDICATION_TYPES:
            return therapy.relevant_medication(term, resource)
        if rtype == "Procedure":
            return therapy.relevant_procedure(term, resource)
        return False
    return relevant


def _comorbidity(dx, key: str, what: str) -> Fact:  # type: ignore[no-untyped-def]
    """An active comorbidity on record (True), else MISSING: an absent code is never read as "no"."""
    sources = dx.comorbidities.get(key, ())
    if sources:
        return Fact(FactState.PRESENT, True, tuple(sources))
    return Fact.missing()


def _dpd_partial(dx) -> Fact:  # type: ignore[no-untyped-def]
    """Partial DPD deficiency: every record of the deficiency states the partial degree; else MISSING (one record
    without the degree, or a complete deficiency, is read as complete by SB-13)."""
    deficient = dx.comorbidities.get("dpd-deficiency", ())
    partial = set(dx.comorbidities.get("dpd-partial", ()))
    if deficient and all(s in partial for s in deficient):
        return Fact(FactState.PRESENT, True, tuple(deficient))
    return Fact.missing()


def _medication_records(record: PatientRecord, therapies, medications) -> tuple[tuple[str, str], ...]:
    """The raw in-force MedicationRequests/MedicationStatements the picture refers to (what a stop or hold
    updates), as JSON text keyed by relative reference."""
    wanted = {ref for t in therapies for ref in (*t.orders, *t.statements)}
    wanted |= {m.reference for m in medications if m.reference}
    out: dict[str, str] = {}
    for resource in record.resources:
        if not isinstance(resource, dict) or resource.get("resourceType") not in ("MedicationRequest",
                                                                                 "MedicationStatement"):
            continue
        ref = f"{resource.get('resourceType')}/{resource.get('id')}"
        if ref in wanted and ref not in out:
            out[ref] = json.dumps(resource, sort_keys=True, ensure_ascii=False)
    return tuple(sorted(out.items()))


def build_picture(
    record: PatientRecord,
    *,
    as_of: date,
    terminology: Terminology,
    lookback_days: int = DEFAULT_LOOKBACK_DAYS,
) -> NetPicture:
    unavailable_set = frozenset(record.unavailable)
    adapted = select(record.resources, Context(fhir_adapter.AdaptedRecord(), as_of, lookback_days,
                                               terminology, unavailable_set))
    ctx = Context(adapted, as_of, lookback_days, terminology, unavailable_set)
    ctx.index_observations()
    found = reports.read(adapted.reports, adapted.report_results, terminology, as_of)
    ctx.report_candidates = found.candidates
    ctx.report_results = {r.ref: frozenset(x for x in r.results if x.startswith("Observation/"))
                          for r in adapted.reports}
    patient_ref = f"Patient/{record.patient_id}"

    dx = diagnose(ctx)
    unavailable = tuple(sorted(record.unavailable))
    if dx.scope == Scope.NONE:
        # No NEN: the rules emit nothing; keep the picture small.
        return NetPicture(patient_ref=patient_ref, as_of=as_of, scope=Scope.NONE,
                          unavailable=unavailable, incomplete=tuple(sorted(record.incomplete)),
                          invalid_resources=adapted.invalid)

    path = pathology.read(ctx, dx)
    dis = disease.read(ctx, dx)
    tx = therapy.read(ctx, dis.progression_events, dis.status_dates, dis.status_events)
    fit = fitness.read(ctx, dx)
    obs_unavail = ctx.unavailable_obs()
    sizes = tempo.size_history(ctx)
    growth, doubling = tempo.growth(ctx, sizes)
    extent_fact = dis.extent
    if extent_fact.state == FactState.MISSING:
        # localized only on positive evidence (never from the absence of a metastasis code alone)
        if dis.resectability.is_(Resectability.RESECTABLE):
            extent_fact = Fact(dis.resectability.state, Extent.LOCALIZED, dis.resectability.sources,
                               "judged resectable, no metastasis coded")
        elif tx.r0_resection.is_(True):
            extent_fact = Fact(FactState.PRESENT, Extent.LOCALIZED, tx.r0_resection.sources,
                               "R0 resection, no metastasis coded")
        else:
            extent_fact = extent.infer_localized(ctx, dx, dis, tx, sizes, frozenset(record.incomplete),
                                                 dx.carcinoid_syndrome.is_(True))
    risk = (appendix.read(ctx, frozenset(s.reference for s in dx.scope_sources if s.reference),
                          therapy._classify_proc)
            if dx.site_detail.known and "appendi" in str(dx.site_detail.value).lower() else appendix.AppendixRisk())
    declined_agents, declined_sources = declined.read(ctx, dx, tx.therapies, therapy._classify_proc,
                                                      therapy._classify_med)

    def obs_fact(fact: Fact, what: str) -> Fact:
        return or_unavailable(fact, obs_unavail, what)

    picture = NetPicture(
        patient_ref=patient_ref,
        as_of=as_of,
        scope=dx.scope,
        scope_sources=dx.scope_sources,
        out_of_scope=dx.out_of_scope,
        primary_site=dx.primary_site,
        site_detail=dx.site_detail,
        differentiation=obs_fact(dx.differentiation, "differentiation"),
        lung_type=dx.lung_type,
        gastric_type=(obs_fact(primary.gastric_type(ctx, dx, fit.labs.gastrin), "gastric NET type")
                      if dx.site_detail.is_("stomach") and dx.scope == Scope.NET else Fact.missing()),
        tumor_size_cm=obs_fact(primary.tumor_size(ctx), "tumour size"),
        diagnosis_date=dx.diagnosis_date,
        tumor_size_history=sizes,
        tumor_growth_cm_per_year=obs_fact(growth, "tumour size"),
        tumor_doubling_time_days=obs_fact(doubling, "tumour size"),
        ki67=obs_fact(path.ki67, "Ki-67"),
        ki67_history=path.ki67_history,
        ki67_ends=path.ki67_ends,
        mitoses_per_2mm2=obs_fact(path.mitoses, "mitotic count"),
        coded_grade=obs_fact(path.coded_grade, "grade"),
        grade=obs_fact(path.grade, "grade"),
        grade_assessments=path.assessments,
        grade_discordant=obs_fact(path.discordant, "grade"),
        extent=extent_fact,
        metastatic_sites=dis.metastatic_sites,
        liver_metastases=dis.liver_metastases,
        hepatic_burden_percent=obs_fact(dis.hepatic_burden, "hepatic tumour burden"),
        liver_dominant=dis.liver_dominant,
        resectability=obs_fact(dis.resectability, "resectability"),
        sstr=obs_fact(dis.sstr, "SSTR imaging"),
        fdg_avid=obs_fact(dis.fdg_avid, "FDG-PET"),
        disease_status=obs_fact(dis.disease_status, "disease status"),
        progression=obs_fact(dis.progression, "progression"),
        progression_date=obs_fact(dis.progression_date, "progression"),
        progression_interval_days=obs_fact(
            tempo.progression_interval(ctx, dis.progression_date, dx.diagnosis_date, tx.therapies), "progression"),
        r0_resection=tx.r0_resection,
        appendix_lvi=risk.lvi,
        appendix_meso_deep=risk.meso_deep,
        appendix_base=risk.base,
        in_remission=(Fact(FactState.PRESENT, True, dx.remission_sources) if dx.remission_sources
                      else Fact.missing()),
        newly_diagnosed=tx.newly_diagnosed,
        syndromes=dx.syndromes,
        syndrome_sources=dx.syndrome_sources,
        carcinoid_syndrome=dx.carcinoid_syndrome,
        refractory_carcinoid_syndrome=fit.refractory_cs(tx.therapies),
        bowel_movements_per_day=obs_fact(fit.bowel_movements, "bowel movements"),
        flushing_per_day=obs_fact(fit.flushing, "flushing episodes"),
        carcinoid_heart_disease=dx.carcinoid_heart_disease,
        hypoglycaemia=fit.symptom("hypoglycaemia"),
        severe_constipation=fit.symptom("severe-constipation"),
        abdominal_pain=fit.symptom("abdominal-pain"),
        hereditary=dx.hereditary,
        hereditary_sources=dx.hereditary_sources,
        family_history_net=dx.family_history_net,
        multiple_primaries=dx.multiple_primaries,
        therapies=tx.therapies,
        procedures=tx.procedures,
        current_medications=tx.current_medications,
        bilio_enteric_anastomosis=tx.bilio_enteric_anastomosis,
        next_prrt_date=tx.next_prrt_date,
        declined_therapies=declined_agents,
        declined_sources=declined_sources,
        age_years=fit.age,
        sex=fit.sex,
        pregnant=fit.pregnant,
        breastfeeding=fit.breastfeeding,
        ecog=obs_fact(fit.ecog, "ECOG"),
        venous_thromboembolism=_comorbidity(dx, "vte", "venous thromboembolism"),
        hyperparathyroidism=_comorbidity(dx, "hyperparathyroidism", "hyperparathyroidism"),
        dpd_deficiency=_comorbidity(dx, "dpd-deficiency", "DPD deficiency"),
        dpd_partial=_dpd_partial(dx),
        ugt1a1_poor=_comorbidity(dx, "ugt1a1-poor", "UGT1A1 poor metaboliser"),
        diabetes=_comorbidity(dx, "diabetes", "diabetes mellitus"),
        labs=fit.labs,
        child_pugh=fitness.child_pugh(terminology, fit.labs),
        unavailable=unavailable,
        incomplete=tuple(sorted(record.incomplete)),
        invalid_resources=adapted.invalid,
        unread_reports=tuple(found.unread),
        medication_records=_medication_records(record, tx.therapies, tx.current_medications),
    )
    log.debug("picture built", extra={"scope": picture.scope.value, "invalid_resources": adapted.invalid})
    return picture
