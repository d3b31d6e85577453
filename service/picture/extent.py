"""Localized disease inferred from the whole record, when nothing states the extent.

Extent comes first from positive statements (``diagnosis._metastases``: M1/metastasis codes -> METASTATIC,
N1/node codes -> LOCOREGIONAL, M0 / staging imaging "no metastases" -> LOCALIZED; then a "resectable"
judgement or an R0 resection). When none is on record, LOCALIZED is inferred only when all of these hold:

1. the problem list has an active primary NEN (not only a secondary or a personal-history code);
2. the data are complete: conditions and observations were read in full (not unavailable, not paged short);
3. nothing speaks against limited disease: no metastasis/secondary code (active or resolved), no liver
   metastasis or hepatic tumour burden, no resectability judgement other than "resectable", no N1-3/M1/T4,
   "metastatic", "stage IV", "unresectable"... in the NEN conditions' text, staging/size/imaging notes or
   resection notes, no carcinoid syndrome (usually means liver metastases), and no therapy used for
   advanced disease (PRRT, targeted, chemo-/immunotherapy, interferon, liver-directed therapy, liver resection);
4. at least one positive sign of limited disease: a tumour size on record; a T1-T3 category; a resection of
   the primary (an appendectomy only for an appendiceal NEN, an endoscopic resection only for a luminal GI
   NEN) since the diagnosis.

Otherwise the extent stays MISSING: never guessed. STALE when the newest sign is older than the lookback.
"""
from __future__ import annotations

import re
from datetime import timedelta

from service.picture.dates import shift
from service.picture.context import Context
from service.picture.diagnosis import Diagnosis
from service.picture.disease import Disease
from service.picture.facts import dedupe_sources
from service.picture.model import Agent, Extent, Fact, FactState, Resectability, Source, TherapyStatus
from service.picture.therapy import TherapyHistory

#: therapies given for advanced disease only (an SSA is also used for syndromes and gastric type 1 NETs)
_ADVANCED_AGENTS = frozenset({Agent.PRRT, Agent.EVEROLIMUS, Agent.SUNITINIB, Agent.CABOZANTINIB, Agent.CAPTEM,
                              Agent.STREPTOZOCIN, Agent.PLATINUM_ETOPOSIDE, Agent.OTHER_CHEMOTHERAPY,
                              Agent.IMMUNOTHERAPY, Agent.INTERFERON, Agent.LIVER_DIRECTED})
_ADVANCED_PROCEDURES = frozenset({"liver-resection", "tae", "tace", "tare", "ablation", "prrt"})
_PRIMARY_RESECTIONS = frozenset({"resection", "r0-resection", "pancreaticoduodenectomy"})
_LUMINAL_GI = frozenset({"stomach", "duodenum", "rectum", "colon", "sigmoid colon", "transverse colon",
                         "descending colon", "large intestine", "rectosigmoid", "caecum", "ascending colon",
                         "hindgut", "foregut", "oesophagus"})
_APPENDIX = re.compile(r"append", re.IGNORECASE)
#: a procedure up to this long before the NEN's first date can be the resection that found it
_BEFORE_DIAGNOSIS_DAYS = 180


def _yes(value: object) -> bool:
    return value is True or value == "yes"


def infer_localized(ctx: Context, dx: Diagnosis, dis: Disease, tx: TherapyHistory, size_history: tuple[tuple[float, Source], ...],
                    incomplete: frozenset[str], carcinoid_syndrome: bool) -> Fact:
    """LOCALIZED from positive signs of limited disease, or MISSING with the reason (see module docstring)."""
    primaries = [i for i in dx.nen_conditions if i.active and not i.attr("metastatic")
                 and not all(_yes(e.get("history")) for e, _ in i.entries if e.get("nen"))]
    if not dx.nen_conditions:
        return Fact.missing()
    if not primaries:
        return Fact.missing("extent not stated and no active primary NEN on the problem list")
    unreadable = sorted(c for c in ("conditions", "observations") if c in ctx.unavailable)
    if unreadable:
        return Fact.unavailable(f"extent: {', '.join(unreadable)} could not be read")
    partial = sorted(c for c in ("conditions", "observations") if c in incomplete)
    if partial:
        return Fact.missing(f"extent not stated; {', '.join(partial)} read only in part")
    why_not = _against(ctx, dx, dis, tx, carcinoid_syndrome)
    if why_not:
        return Fact.missing(f"extent not stated; {why_not}")
    signs = _signs(ctx, dx, tx, size_history)
    if not signs:
        return Fact.missing("extent not stated (no staging, size or resection on record)")
    what = sorted({label for label, _ in signs})
    sources = dedupe_sources([*(i.source(i.rec.code.all_text[:60] or "primary NEN") for i in primaries),
                              *(s for _, s in signs)])
    note = ("inferred: primary NEN on the problem list, no metastasis code, N1/M1 or advanced-disease therapy "
            "on record, and " + "; ".join(what))
    newest = max((s.date for _, s in signs if s.date is not None), default=None)
    if newest is None or newest < ctx.as_of - timedelta(days=ctx.lookback_days):
        return Fact(FactState.STALE, Extent.LOCALIZED, sources,
                    note + f" (newest sign older than {ctx.lookback_days} days or undated: restage)")
    return Fact(FactState.PRESENT, Extent.LOCALIZED, sources, note)


def _advanced_text(ctx: Context, text: str) -> bool:
    if not text:
        return False
    for e in ctx.term.entries("no_metastasis_text"):
        if e.pattern is not None:
            text = e.pattern.sub(" ", text)
    return any(_yes(e.get("advanced")) for e in ctx.term.match_all("advanced_disease_text", text))


def _against(ctx: Context, dx: Diagnosis, dis: Disease, tx: TherapyHistory, carcinoid_syndrome: bool) -> str:
    """Why limited disease cannot be inferred ("" when nothing speaks against it)."""
    if dx.metastasis_any:
        return "a metastasis code is on record (active or resolved)"
    if dis.liver_metastases.known or (dis.hepatic_burden.known and dis.hepatic_burden.value):
        return "liver metastases on record"
    if dis.resectability.known and dis.resectability.value is not Resectability.RESECTABLE:
        return "judged not completely resectable"
    if carcinoid_syndrome:
        return "carcinoid syndrome (usually liver metastases) without staging"
    for t in tx.therapies:
        if t.agent in _ADVANCED_AGENTS and t.status != TherapyStatus.PLANNED:
            return f"therapy for advanced disease on record ({t.drug})"
    if any(p.kind in _ADVANCED_PROCEDURES for p in tx.procedures):
        return "liver-directed therapy or liver resection on record"
    texts: list[str] = [" ".join([i.rec.code.text, i.rec.note]) for i in dx.nen_conditions]
    for role in ("stage-t", "stage-n", "stage-m", "tumor-size", "sstr", "fdg", "disease-status"):
        for obs, _ in ctx.role(role):
            texts.append(" ".join(filter(None, [obs.note, obs.string or ""])))
    for proc in ctx.record.procedures:
        texts.append(" ".join([proc.note, proc.outcome.all_text if proc.outcome else ""]))
    if any(_advanced_text(ctx, t) for t in texts):
        return "the record text mentions metastatic, nodal (N1-3), T4 or unresectable disease"
    return ""


def _signs(ctx: Context, dx: Diagnosis, tx: TherapyHistory, size_history: tuple[tuple[float, Source], ...]
           ) -> list[tuple[str, Source]]:
    signs: list[tuple[str, Source]] = []
    if size_history:
        signs.append(("a tumour size on record", size_history[-1][1]))
    for obs, _ in ctx.role("stage-t"):
        if obs.date is not None and obs.date > ctx.as_of:
            continue
        text = obs.concept.all_text if obs.concept is not None else (obs.string or "")
        e = ctx.term.match_text("stage_t_text", text)
        if e is not None and e.get("stage_t") == "T1-3":
            signs.append(("a T1-T3 category without N1/M1", Source(obs.ref or None, obs.date, f"T category {text[:20]}")))
    detail = dx.site_detail.value if dx.site_detail.known else ""
    first = min((i.when for i in dx.nen_conditions if i.when is not None), default=None)
    for p in tx.procedures:
        if p.date is None or p.date > ctx.as_of:
            continue
        if first is not None and p.date < shift(first, -_BEFORE_DIAGNOSIS_DAYS):
            continue   # long before the NEN: not the resection of this tumour
        if p.kind == "endoscopic-resection":
            if detail in _LUMINAL_GI:
                signs.append(("an endoscopic resection of the primary", Source(p.reference, p.date, p.display)))
        elif p.kind in _PRIMARY_RESECTIONS:
            if _APPENDIX.search(p.display) and detail != "appendix":
                continue   # an appendectomy says nothing about a non-appendiceal NEN
            signs.append(("a resection of the primary", Source(p.reference, p.date, p.display)))
    return signs
