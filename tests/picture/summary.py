"""A compact, reviewable JSON summary of a NetPicture (what the golden files pin)."""
from __future__ import annotations

from datetime import date
from enum import Enum

from service.picture.model import Fact, NetPicture

GOLDEN_LABS = ("creatinine_clearance", "egfr", "creatinine", "hemoglobin", "neutrophils", "platelets",
               "bilirubin", "albumin", "nt_probnp", "hiaa5", "chromogranin_a", "chromogranin_a_rising",
               "glucose", "potassium", "magnesium", "inr", "qtc")


def _plain(value: object) -> object:
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, (frozenset, set)):
        return sorted(_plain(v) for v in value)
    if hasattr(value, "__dataclass_fields__"):
        return {k: _plain(getattr(value, k)) for k in value.__dataclass_fields__
                if getattr(value, k) not in (None, (), "")}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    return value


def fact(f: Fact) -> object:
    if f.state.value == "missing" and not f.note:
        return None
    out: dict = {"state": f.state.value}
    if f.value is not None:
        out["value"] = _plain(f.value)
    refs = [s.reference for s in f.sources if s.reference]
    if refs:
        out["refs"] = refs
    if f.note:
        out["note"] = f.note
    return out


def summarize(p: NetPicture) -> dict:
    out = _summarize(p)
    if p.site_detail.known and "appendi" in str(p.site_detail.value).lower():
        # appendiceal NET risk features (O-05), pinned only for appendiceal NETs
        out["appendix_risk"] = {"lvi": fact(p.appendix_lvi), "meso_deep": fact(p.appendix_meso_deep),
                                "base": fact(p.appendix_base)}
    return out


def _summarize(p: NetPicture) -> dict:
    return {
        "scope": p.scope.value,
        "site": fact(p.primary_site),
        "site_detail": fact(p.site_detail),
        "differentiation": fact(p.differentiation),
        "lung_type": fact(p.lung_type),
        "gastric_type": fact(p.gastric_type),
        "tumor_size_cm": fact(p.tumor_size_cm),
        "tumor_size_history": [{"cm": cm, "date": _plain(src.date), "ref": src.reference}
                               for cm, src in p.tumor_size_history],
        "tumor_growth_cm_per_year": fact(p.tumor_growth_cm_per_year),
        "tumor_doubling_time_days": fact(p.tumor_doubling_time_days),
        "multiple_primaries": fact(p.multiple_primaries),
        "ki67": fact(p.ki67),
        "ki67_ends": [{"percent": k.percent, "grade": g.value if g else None} for k, g in p.ki67_ends],
        "mitoses_per_2mm2": fact(p.mitoses_per_2mm2),
        "grade": fact(p.grade),
        "grade_discordant": fact(p.grade_discordant),
        "extent": fact(p.extent),
        "metastatic_sites": sorted(p.metastatic_sites),
        "hepatic_burden_percent": fact(p.hepatic_burden_percent),
        "liver_dominant": fact(p.liver_dominant),
        "resectability": fact(p.resectability),
        "sstr": fact(p.sstr),
        "fdg_avid": fact(p.fdg_avid),
        "disease_status": fact(p.disease_status),
        "progression": fact(p.progression),
        "progression_interval_days": fact(p.progression_interval_days),
        "newly_diagnosed": fact(p.newly_diagnosed),
        "r0_resection": fact(p.r0_resection),
        "syndromes": sorted(s.value for s in p.syndromes),
        "carcinoid_heart_disease": fact(p.carcinoid_heart_disease),
        "refractory_carcinoid_syndrome": fact(p.refractory_carcinoid_syndrome),
        "hereditary": sorted(h.value for h in p.hereditary),
        "family_history_net": fact(p.family_history_net),
        "therapies": [
            {"agent": t.agent.value, "drug": t.drug, "status": t.status.value,
             "start": _plain(t.start), "end": _plain(t.end), "long_acting": t.long_acting,
             "progressed_on": t.progressed_on, "cycles": t.cycles, "refs": list(t.references),
             "doses": t.doses, "last_dose": _plain(t.last_dose), "first_progression": _plain(t.first_progression),
             "end_to_progression_days": t.end_to_progression_days,
             "best_response": t.best_response.value if t.best_response else None,
             "dose_text": t.dose_text}
            for t in p.therapies
        ],
        "procedures": [{"kind": pr.kind, "date": _plain(pr.date), "ref": pr.reference} for pr in p.procedures],
        "declined_therapies": [{"agent": a.value, "ref": src.reference} for a, src in p.declined_sources],
        "current_medication_flags": sorted({f for m in p.current_medications for f in m.flags}),
        "age_years": fact(p.age_years),
        "pregnant": fact(p.pregnant),
        "ecog": fact(p.ecog),
        "labs": {name: fact(getattr(p.labs, name)) for name in GOLDEN_LABS},
        "unavailable": list(p.unavailable),
        "invalid_resources": p.invalid_resources,
    }
