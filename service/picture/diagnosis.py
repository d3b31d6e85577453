"""Diagnosis and scope from Conditions (+ morphology Observations): is there an NEN, which kind, where.

- An NEN needs an NEN code (C7A/C7B/C25.4/D3A, SNOMED NEN disorders) or an ambiguous malignant code
  (C25.x, C34.x, C80.1, GI sites) together with an NEN morphology. A Ki-67 never makes an NEN.
- Small-cell carcinoma of the lung -> SCLC; Merkel cell carcinoma -> EXCLUDED; poorly differentiated
  (extrapulmonary, unknown, or large-cell lung) -> NEC; mixed (8154/8244) -> MINEN; else NET.
- Differentiation: explicit pathology (the local ``differentiation`` code, else pathology text) wins; else it is
  inferred from the codes (ICD-O-3 morphology 8240-8249/8150-8156 -> well, 8246/8041/8013 -> poor, 8154/8244 ->
  mixed; ICD-10-CM C7A.0x/D3A carcinoid -> well, C7A.1 -> poor; SNOMED disorders), the worse component deciding;
  C7A.8, C25.4 and NEN NOS say nothing. Explicit well vs inferred poor (or the reverse) -> CONTRADICTORY.
  Never from Ki-67.
- Conditions entered-in-error or refuted are ignored; resolved/inactive ones count for history
  (scope, site) but not for active facts (metastases, syndromes, pregnancy).
"""
from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from datetime import date, timedelta

from service.data import limits
from service.data.fhir_adapter import Concept, ConditionRec
from service.picture.context import Context
from service.picture.facts import Candidate, choose, dedupe_sources, present, with_report_text
from service.picture.model import (
    Differentiation,
    Extent,
    Fact,
    FactState,
    Hereditary,
    LungType,
    PrimarySite,
    Scope,
    Source,
    Syndrome,
)
from service.picture.reports import conditions as text_conditions
from service.picture.terminology import Entry

IGNORED_VERIFICATION = frozenset({"entered-in-error", "refuted"})
INACTIVE_CLINICAL = frozenset({"resolved", "inactive", "remission"})
PRIMARY_PROFILE = "mcode-primary-cancer-condition"
SECONDARY_PROFILE = "mcode-secondary-cancer-condition"


@dataclass(slots=True)
class ConditionInfo:
    rec: ConditionRec
    entries: list[tuple[Entry, str]]          # (entry, display) from condition codes
    morphology: list[tuple[Entry, str]]       # from the histology extension
    topography: list[tuple[Entry, str]]
    active: bool

    @property
    def when(self) -> date | None:
        return self.rec.onset or self.rec.recorded

    def source(self, display: str) -> Source:
        return Source(self.rec.ref or None, self.when, display)

    def attr(self, key: str) -> list[tuple[Entry, str]]:
        return [(e, d) for e, d in self.entries if key in e.attrs]

    def text(self) -> str:
        return " ".join([self.rec.code.all_text, self.rec.note])


@dataclass(slots=True)
class Diagnosis:
    scope: Scope = Scope.NONE
    scope_sources: tuple[Source, ...] = ()
    nen_morphology: bool = False
    primary_site: Fact = field(default_factory=Fact.missing)
    site_detail: Fact = field(default_factory=Fact.missing)
    differentiation: Fact = field(default_factory=Fact.missing)
    lung_type: Fact = field(default_factory=Fact.missing)
    diagnosis_date: Fact = field(default_factory=Fact.missing)
    multiple_primaries: Fact = field(default_factory=Fact.missing)
    extent: Fact = field(default_factory=Fact.missing)
    metastatic_sites: frozenset[str] = frozenset()
    liver_metastases: Fact = field(default_factory=Fact.missing)
    syndromes: frozenset[Syndrome] = frozenset()
    syndrome_sources: tuple[Source, ...] = ()
    carcinoid_syndrome: Fact = field(default_factory=Fact.missing)
    carcinoid_heart_disease: Fact = field(default_factory=Fact.missing)
    hereditary: frozenset[Hereditary] = frozenset()
    hereditary_sources: tuple[Source, ...] = ()
    pregnant_sources: tuple[Source, ...] = ()
    breastfeeding_sources: tuple[Source, ...] = ()
    symptoms: dict[str, tuple[Source, ...]] = field(default_factory=dict)
    history_only: bool = False
    family_history_net: Fact = field(default_factory=Fact.missing)
    # background of the stomach (gastric NET type): atrophic_gastritis, achlorhydria, hypergastrinaemia,
    # gastrinoma (ZES named in text) -> sources
    gastric_background: dict[str, tuple[Source, ...]] = field(default_factory=dict)
    gastrinoma_only_from_gastrin: bool = False   # every gastrinoma source is "increased secretion of gastrin"
    nen_conditions: tuple[ConditionInfo, ...] = ()
    breast_cancer: tuple[Source, ...] = ()          # breast cancer on record (85330-9 Ki-67 is then not read)
    metastasis_any: tuple[Source, ...] = ()         # any metastasis/secondary code, active or not (not refuted)
    refusals: tuple[ConditionInfo, ...] = ()        # "refusal of treatment by patient" Conditions
    # scope EXCLUDED / SCLC: which other pathway the tumour belongs to ("sclc", "merkel", "ppgl", "other")
    out_of_scope: str = ""
    # every NEN Condition is history (clinicalStatus remission/resolved/inactive, abated, or a personal-history
    # code) and no active metastasis is coded: the tumour was treated (resected) -> surveillance, not "no NET"
    remission_sources: tuple[Source, ...] = ()
    # active comorbidities the safety/syndrome rows read ("vte", "hyperparathyroidism", "dpd-deficiency")
    comorbidities: dict[str, tuple[Source, ...]] = field(default_factory=dict)


def _lookup_all(ctx: Context, table: str, concept: Concept) -> list[tuple[Entry, str]]:
    out = []
    for c in concept.codings:
        e = ctx.term.lookup(table, c.system, c.code)
        if e is not None:
            out.append((e, f"{c.display or c.code}"))
    return out


def condition_infos(ctx: Context) -> list[ConditionInfo]:
    infos = []
    for rec in ctx.record.conditions:
        if rec.verification_status in IGNORED_VERIFICATION:
            continue
        morph: list[tuple[Entry, str]] = []
        for m in rec.morphology:
            morph.extend(_lookup_all(ctx, "morphology", m))
        topo: list[tuple[Entry, str]] = []
        for b in rec.body_site:
            found = _lookup_all(ctx, "topography", b)
            if not found:
                e = ctx.term.match_text("topography_text", b.all_text)
                if e is not None:
                    found = [(e, b.all_text[:40])]
            topo.extend(found)
        entries = _lookup_all(ctx, "condition", rec.code)
        if not entries:
            # no code the tables know: the diagnosis may be written only in words (code.text, a local display)
            e = text_conditions.nen_entry(ctx.term, rec.code.all_text)
            if e is not None:
                entries = [(e, rec.code.all_text[:60])]
        infos.append(ConditionInfo(
            rec, entries, morph, topo,
            rec.clinical_status not in INACTIVE_CLINICAL and rec.abatement is None,
        ))
    return infos


def relevant_condition(ctx: Context, resource: dict) -> bool:
    """Cheap dict-level check: does this Condition carry a code or morphology the picture reads?"""
    code = resource.get("code")
    codings = limits.items(code.get("coding"), limits.MAX_CODINGS) if isinstance(code, dict) else ()
    for c in codings:
        if isinstance(c, dict) and isinstance(c.get("code"), str) and isinstance(c.get("system"), str):
            if ctx.term.lookup("condition", c["system"], c["code"]) is not None:
                return True
    for ext in limits.items(resource.get("extension")):
        if isinstance(ext, dict) and "histology-morphology" in limits.text(ext.get("url")):
            return True
    if isinstance(code, dict) and isinstance(code.get("text"), str):
        if ctx.term.match_text("condition_text", limits.text(code["text"])) is not None:
            return True
    if isinstance(code, dict):
        words = " ".join([limits.text(code.get("text")),
                          *(limits.text(c["display"]) for c in codings
                            if isinstance(c, dict) and isinstance(c.get("display"), str))])
        return text_conditions.nen_entry(ctx.term, words) is not None
    return False


def _morphology_observations(ctx: Context) -> list[tuple[Entry, Source]]:
    out = []
    for obs, _ in ctx.role("morphology"):
        if obs.concept is None:
            continue
        for e, disp in _lookup_all(ctx, "morphology", obs.concept):
            out.append((e, Source(obs.ref or None, obs.date, f"morphology {disp}")))
    return out


def _is_small_cell(entries: list[tuple[Entry, object]]) -> bool:
    return any(e.get("small_cell") == "yes" or e.get("small_cell") is True for e, _ in entries)


def _yes(value: object) -> bool:
    return value is True or value == "yes"


def _site_of(info: ConditionInfo) -> tuple[str, str] | None:
    """A specific site from the code or the topography; "unknown primary" only when neither names one."""
    unknown = None
    for e, _ in info.entries + info.topography:
        site = e.get("site")
        if not site:
            continue
        if site == "unknown":
            unknown = unknown or ("unknown", str(e.get("site_detail") or site))
            continue
        return str(site), str(e.get("site_detail") or site)
    return unknown


def _is_lung(info: ConditionInfo) -> bool:
    site = _site_of(info)
    return site is not None and site[1] == "lung"


def diagnose(ctx: Context) -> Diagnosis:
    infos = condition_infos(ctx)
    morph_obs = _morphology_observations(ctx)
    global_nen_morph = [(e, s) for e, s in morph_obs if _yes(e.get("nen"))]
    dx = Diagnosis()
    _breast_and_refusals(ctx, dx, infos, morph_obs)

    nen: list[ConditionInfo] = []
    excluded: list[ConditionInfo] = []
    sclc: list[ConditionInfo] = []
    for info in infos:
        own_morph_nen = any(_yes(e.get("nen")) for e, _ in info.morphology)
        merkel = any(e.get("scope") == "excluded" for e, _ in info.entries + info.morphology)
        if merkel:
            excluded.append(info)
            continue
        if any(e.get("scope") == "sclc" for e, _ in info.entries):
            sclc.append(info)
            continue
        code_nen = [e.get("nen") for e, _ in info.entries if e.get("nen")]
        is_nen = (any(_yes(v) for v in code_nen) or own_morph_nen
                  or ("needs-morphology" in code_nen and bool(global_nen_morph)))
        if not is_nen:
            continue
        morph_here = info.morphology or [(e, "") for e, _ in global_nen_morph]
        if _is_lung(info) and _is_small_cell(morph_here):
            sclc.append(info)
            continue
        nen.append(info)

    if not nen:
        if sclc:
            dx.scope = Scope.SCLC
            dx.out_of_scope = "sclc"
            dx.scope_sources = tuple(i.source(i.rec.code.all_text or "small-cell lung carcinoma") for i in sclc)
            _site(ctx, dx, sclc)
            dx.differentiation = present(Differentiation.POOR, dx.scope_sources)
        elif excluded:
            dx.scope = Scope.EXCLUDED
            dx.out_of_scope = _out_of_scope_kind(excluded)
            dx.scope_sources = tuple(i.source(i.rec.code.all_text or _OUT_OF_SCOPE_WORDS[dx.out_of_scope])
                                     for i in excluded)
        return dx
    if sclc:
        dx.scope = Scope.SCLC
        dx.out_of_scope = "sclc"
        dx.scope_sources = tuple(i.source(i.rec.code.all_text or "small-cell lung carcinoma") for i in sclc)
        # keep reading the rest: the rules only emit the out-of-scope card for SCLC

    all_morph: list[tuple[Entry, Source]] = []
    for info in nen:
        for e, disp in info.morphology:
            all_morph.append((e, info.source(f"morphology {disp}")))
    all_morph.extend(global_nen_morph)
    dx.nen_morphology = any(_yes(e.get("nen")) for e, _ in all_morph)

    dx.nen_conditions = tuple(nen)
    _differentiation(ctx, dx, nen, all_morph)
    _site(ctx, dx, nen)
    _lung_type(dx, nen, all_morph)

    mixed = dx.differentiation.is_(Differentiation.MIXED) or any(e.get("scope") == "minen" for e, _ in all_morph)
    if dx.scope != Scope.SCLC:
        if mixed:
            dx.scope = Scope.MINEN
        elif dx.differentiation.is_(Differentiation.POOR):
            dx.scope = Scope.NEC
        else:
            dx.scope = Scope.NET
        dx.scope_sources = tuple(i.source(i.rec.code.all_text or "neuroendocrine neoplasm") for i in nen)

    dates = [i.when for i in nen if i.when is not None]
    if dates:
        first = min(dates)
        dx.diagnosis_date = present(first, [i.source(i.rec.code.all_text) for i in nen if i.when == first])
    dx.history_only = all(_yes(e.get("history")) for i in nen for e, _ in i.entries if e.get("nen"))
    historical = [i for i in nen if not i.active or all(_yes(e.get("history")) for e, _ in i.entries if e.get("nen"))]
    active_metastasis = any(info.active and info.attr("metastatic") for info in infos)
    if nen and len(historical) == len(nen) and not active_metastasis:
        dx.remission_sources = tuple(
            i.source(f"{i.rec.code.all_text[:60] or 'NEN'} ({i.rec.clinical_status or 'history'})") for i in nen)
    _metastases(ctx, dx, infos)
    _function_and_heredity(ctx, dx, infos)
    return dx


_OUT_OF_SCOPE_WORDS = {"merkel": "Merkel cell carcinoma", "ppgl": "paraganglioma / phaeochromocytoma",
                       "other": "neoplasm managed on another pathway"}


def _out_of_scope_kind(excluded: list[ConditionInfo]) -> str:
    """Which pathway an excluded (not-NET) neuroendocrine neoplasm belongs to: the ``out_of_scope`` attribute of
    its codes; an excluded entry without one whose note names Merkel cell carcinoma is "merkel"."""
    kinds = []
    for info in excluded:
        for e, _ in info.entries + info.morphology:
            if e.get("scope") != "excluded":
                continue
            kind = e.get("out_of_scope")
            if not kind:
                kind = "merkel" if "merkel" in str(e.get("note") or e.get("display") or "").lower() else "other"
            kinds.append(str(kind))
    for preferred in ("merkel", "ppgl"):
        if preferred in kinds:
            return preferred
    return kinds[0] if kinds else "other"


_ORDER = {"mixed": 3, "poor": 2, "well": 1}
_LABEL = {"well": "well differentiated", "poor": "poorly differentiated", "mixed": "mixed (MiNEN)"}


def _differentiation(ctx: Context, dx: Diagnosis, nen: list[ConditionInfo],
                     all_morph: list[tuple[Entry, Source]]) -> None:
    explicit = _explicit_differentiation(ctx, nen)
    inferred = _inferred_differentiation(ctx, nen, all_morph)
    if explicit.state == FactState.MISSING:
        if inferred is not None:
            value, sources, note = inferred
            dx.differentiation = present(Differentiation(value), sources, note)
        return
    if explicit.known and inferred is not None \
            and {explicit.value, Differentiation(inferred[0])} == {Differentiation.WELL, Differentiation.POOR}:
        said = _LABEL[explicit.value.value]
        coded = _LABEL[inferred[0]]
        dx.differentiation = Fact(
            FactState.CONTRADICTORY, None, dedupe_sources([*explicit.sources, *inferred[1]]),
            f"pathology says {said} but the diagnosis/morphology code means {coded}: pathology review needed")
        return
    dx.differentiation = explicit


def _explicit_differentiation(ctx: Context, nen: list[ConditionInfo]) -> Fact:
    """The pathologist's statement: the local differentiation code (latest), else pathology text."""
    cands = []
    for obs, _ in ctx.role("differentiation"):
        ans = ctx.answer(obs.concept, "differentiation")
        if ans is not None:
            cands.append(Candidate(Differentiation(str(ans[0])),
                                   Source(obs.ref or None, obs.date, f"differentiation: {ans[1]}")))
    # the pathology report's words (differentiation, NET/NEC/MiNEN) weigh as the coded statement does
    cands.extend(Candidate(Differentiation(str(c.value)), c.source) for c in ctx.from_reports("differentiation", besides=cands))
    fact = with_report_text(choose(cands, as_of=ctx.as_of, lookback_days=None, what="differentiation"), cands)
    if fact.state != FactState.MISSING:
        return fact
    # free text written by people (Condition text/note, pathology Observation text/note), not code displays
    texts: list[tuple[str, Source]] = [(" ".join([i.rec.code.text, i.rec.note]), i.source(i.rec.code.all_text))
                                       for i in nen]
    for role in ("ki67", "grade", "morphology", "mitoses"):
        for obs, _ in ctx.role(role):
            texts.append((" ".join(filter(None, [obs.code.text, obs.string or "", obs.note])),
                          Source(obs.ref or None, obs.date, "pathology text")))
    text_cands = []
    for text, src in texts:
        found = {str(e.get("differentiation")) for e in ctx.term.match_all("differentiation_text", text)}
        if "mixed" in found:
            value = "mixed"
        elif len(found) == 1:
            value = found.pop()
        else:
            continue   # nothing, or "well" and "poorly" in one text: not read
        d = Differentiation(value)
        text_cands.append(Candidate(d, Source(src.reference, src.date, f"pathology text: {_LABEL[value]}")))
    return choose(text_cands, as_of=ctx.as_of, lookback_days=None, what="differentiation")


def _inferred_differentiation(ctx: Context, nen: list[ConditionInfo], all_morph: list[tuple[Entry, Source]]
                              ) -> tuple[str, list[Source], str] | None:
    """What the morphology and diagnosis codes imply (the worse component decides): (value, sources, note)."""
    found: dict[str, list[Source]] = {}
    for e, src in all_morph:
        d = e.get("differentiation")
        if d in _ORDER:
            found.setdefault(str(d), []).append(
                Source(src.reference, src.date, f"from {src.display} ({_LABEL[str(d)]})"))
    for info in nen:
        for c in info.rec.code.codings:
            e = ctx.term.lookup("condition", c.system, c.code)
            d = e.get("differentiation") if e is not None else None
            if d in _ORDER:
                basis = str(e.get("differentiation_basis") or _LABEL[str(d)])  # type: ignore[union-attr]
                found.setdefault(str(d), []).append(info.source(f"from diagnosis code {c.code} ({basis})"))
    if not found:
        return None
    value = max(found, key=lambda d: _ORDER[d])
    note = "inferred from the diagnosis/morphology code (no pathology statement of differentiation)"
    if len(found) > 1:
        note += "; codes disagree (" + ", ".join(_LABEL[d] for d in sorted(found, key=_ORDER.get)) \
                + "): the worse component is used"
    return value, found[value], note


def _site(ctx: Context, dx: Diagnosis, nen: list[ConditionInfo]) -> None:
    found: list[tuple[str, str, ConditionInfo]] = []
    for info in nen:
        s = _site_of(info)
        if s is not None:
            found.append((s[0], s[1], info))
    if not found:
        return
    specific = [f for f in found if f[0] != PrimarySite.UNKNOWN.value] or found
    specific.sort(key=lambda f: (f[2].when or date.min, f[2].active))
    site, detail, info = specific[-1]
    src = info.source(info.rec.code.all_text or detail)
    dx.primary_site = present(PrimarySite(site), [src])
    dx.site_detail = present(detail, [src])
    # distinct primaries: a generic site ("small intestine", "colon") of the same class as a specific one
    # ("ileum") is the same tumour coded twice, not a second primary; resected-history codes do not count
    current = [f for f in specific if not all(_yes(e.get("history")) for e, _ in f[2].entries if e.get("nen"))]
    details = {(f[0], f[1]) for f in current}
    distinct = {d for d in details
                if not (d[1] in _GENERIC_SITES and any(o[0] == d[0] and o[1] != d[1] for o in details))}
    if len(distinct) > 1:
        keep = {d[1] for d in distinct}
        dx.multiple_primaries = present(True, [f[2].source(f[1]) for f in current if f[1] in keep],
                                        "NEN coded at more than one primary site")
        return
    multifocal = [i for i in nen if _MULTIFOCAL.search(i.text())]
    if multifocal:
        dx.multiple_primaries = present(True, [i.source(i.rec.code.all_text or "multifocal NEN") for i in multifocal],
                                        "multiple/multifocal primary NETs in the diagnosis text")


_GENERIC_SITES = frozenset({"small intestine", "intestine", "midgut", "foregut", "hindgut", "large intestine",
                            "colon", "unknown primary", "other site"})
_MULTIFOCAL = re.compile(r"\bmultifocal\b|\bmultiple\s{1,3}(primary\s{1,3})?(nets?|neuroendocrine|carcinoids?|tumou?rs)",
                         re.IGNORECASE)


def _lung_type(dx: Diagnosis, nen: list[ConditionInfo], all_morph: list[tuple[Entry, Source]]) -> None:
    if not dx.primary_site.is_(PrimarySite.LUNG_THYMUS):
        return
    for info in nen:
        for e, disp in info.entries:
            if e.get("lung_type"):
                dx.lung_type = present(LungType(str(e.get("lung_type"))), [info.source(disp)])
                return
    if dx.differentiation.is_(Differentiation.POOR):
        return
    types = {}
    for e, src in all_morph:
        if e.get("lung_type"):
            types.setdefault(str(e.get("lung_type")), []).append(src)
    if "atypical" in types:
        dx.lung_type = present(LungType.ATYPICAL, types["atypical"])
    elif "typical" in types:
        dx.lung_type = present(LungType.TYPICAL, types["typical"])


def _stage(ctx: Context, obs, table: str, key: str) -> str | None:
    """The TNM category an N/M staging Observation reports ("M1", "M0", "N1", "N0"), or None."""
    if obs.concept is not None:
        if key == "stage_m" and ctx.answer(obs.concept, "metastatic") is not None:
            return "M1"
        e = ctx.term.match_text(table, obs.concept.all_text)
        return str(e.get(key)) if e is not None else None
    if obs.string:
        e = ctx.term.match_text(table, obs.string)
        return str(e.get(key)) if e is not None else None
    return None


def _breast_and_refusals(ctx: Context, dx: Diagnosis, infos: list[ConditionInfo],
                         morph_obs: list[tuple[Entry, Source]]) -> None:
    breast: list[Source] = []
    refusals: list[ConditionInfo] = []
    for info in infos:
        if any(_yes(e.get("breast_cancer")) for e, _ in info.entries + info.morphology) \
                or any(_yes(e.get("breast_cancer")) for e in ctx.term.match_all("condition_text", info.text())):
            breast.append(info.source(info.rec.code.all_text[:60] or "breast cancer"))
        if any(_yes(e.get("refusal")) for e, _ in info.entries):
            refusals.append(info)
    breast.extend(src for e, src in morph_obs if _yes(e.get("breast_cancer")))
    dx.breast_cancer = tuple(breast)
    dx.refusals = tuple(refusals)


def _metastases(ctx: Context, dx: Diagnosis, infos: list[ConditionInfo]) -> None:
    """Extent from positive evidence only: M1 / distant-metastasis codes -> METASTATIC; N1 staging or
    lymph-node metastasis codes with an NEN primary -> LOCOREGIONAL; explicit M0 staging, or staging
    imaging (SSTR/FDG PET) that says "no metastases" -> LOCALIZED.
    The absence of a metastasis code is never read as localized disease."""
    sites: set[str] = set()
    sources: list[Source] = []
    liver: list[Source] = []
    regional: list[Source] = []
    dx.metastasis_any = tuple(info.source(disp) for info in infos for _, disp in info.attr("metastatic"))
    for info in infos:
        if not info.active:
            continue
        for e, disp in info.attr("metastatic"):
            if e.get("regional_possible"):
                if _yes(e.get("regional_nodes")):
                    regional.append(info.source(disp))
                continue   # lymph-node codes without "distant" may be regional
            site = str(e.get("met_site") or "other")
            sites.add(site)
            sources.append(info.source(disp))
            if site == "liver":
                liver.append(info.source(disp))
    m0: list[Source] = []
    for obs, _ in ctx.role("stage-m") + ctx.role("disease-status"):
        if obs.date is not None and obs.date > ctx.as_of:
            continue
        m = _stage(ctx, obs, "stage_m_text", "stage_m")
        if m == "M1":
            sources.append(Source(obs.ref or None, obs.date, "distant metastasis (M1)"))
        elif m == "M0":
            m0.append(Source(obs.ref or None, obs.date, "no distant metastasis (M0)"))
    for obs, _ in ctx.role("sstr") + ctx.role("fdg"):
        if obs.date is not None and obs.date > ctx.as_of:
            continue
        text = " ".join(filter(None, [obs.note, obs.string or "", obs.concept.all_text if obs.concept else ""]))
        if ctx.term.match_text("no_metastasis_text", text) is not None:
            m0.append(Source(obs.ref or None, obs.date, "staging imaging: no metastases"))
    for obs, _ in ctx.role("stage-n"):
        if obs.date is not None and obs.date > ctx.as_of:
            continue
        if _stage(ctx, obs, "stage_n_text", "stage_n") == "N1":
            regional.append(Source(obs.ref or None, obs.date, "regional lymph-node metastasis (N1)"))
    if sources:
        dx.extent = present(Extent.METASTATIC, sources)
        dx.metastatic_sites = frozenset(sites)
    elif regional:
        dx.extent = present(Extent.LOCOREGIONAL, regional,
                            "regional lymph-node disease (N1 or a lymph-node metastasis code), no distant "
                            "metastasis on record")
    elif m0:
        latest = max((s.date for s in m0 if s.date is not None), default=None)
        top = [s for s in m0 if s.date == latest]
        if latest is None or latest < ctx.as_of - timedelta(days=ctx.lookback_days):
            dx.extent = Fact(FactState.STALE, Extent.LOCALIZED, tuple(top),
                             "M0 staging older than the lookback (or undated): restage before relying on it")
        else:
            dx.extent = present(Extent.LOCALIZED, top, "M0 on staging" if any("M0" in s.display for s in top)
                                else "staging imaging without metastases")
    if liver:
        dx.liver_metastases = present(True, liver)


_GASTRIC_BACKGROUND = ("atrophic_gastritis", "achlorhydria", "hypergastrinaemia")
_TEXT_SYNDROMES = (("vip", Syndrome.VIPOMA), ("vasoactive", Syndrome.VIPOMA),
                   ("somatostatin", Syndrome.SOMATOSTATINOMA))


def _text_source(ctx: Context, info: ConditionInfo, what: str, record_code: str) -> Source:
    """A Condition fact read from its text (code.text or note) rather than its code: the text as quote and, when
    the terminology names the precise code (``record_code`` "system|code|display"), the coded Condition that
    would record it for the clinician to confirm (card contract, "Facts read from report text")."""
    quote = " ".join((info.rec.code.text or info.rec.note or info.rec.code.all_text).split())[:200]
    record = None
    if record_code.count("|") == 2:
        system, code, display = record_code.split("|")
        record = json.dumps({
            "resourceType": "Condition",
            "code": {"coding": [{"system": ctx.term.system(system), "code": code, "display": display}]},
            "label": f"Record {what} as a coded diagnosis ({code}), read from the problem-list text",
            "note": f"Read from the text of {info.rec.ref or 'a Condition'}: \"{quote}\""},
            sort_keys=True, separators=(",", ":"))
    return Source(info.rec.ref or None, info.when, f"{what} (read from the condition text)", quote=quote or what,
                  record=record)


def _function_and_heredity(ctx: Context, dx: Diagnosis, infos: list[ConditionInfo]) -> None:
    syndromes: dict[Syndrome, list[Source]] = {}
    hereditary: dict[Hereditary, list[Source]] = {}
    heart: list[Source] = []
    pregnant: list[Source] = []
    breastfeeding: list[Source] = []
    symptoms: dict[str, list[Source]] = {}
    family: list[Source] = []
    comorbid: dict[str, list[Source]] = {}
    background: dict[str, list[Source]] = {}
    gastrin_only: list[bool] = []
    text_entries = [e for e in ctx.term.entries("condition_text") if e.pattern is not None]
    nen_present = dx.scope != Scope.NONE
    for info in infos:
        text = info.text().lower()
        for e, disp in info.entries:
            needs_text = e.get("needs_text")
            if needs_text and not re.search(str(needs_text), text, re.IGNORECASE):
                continue
            src = info.source(disp)
            if e.get("hereditary"):
                h = Hereditary(str(e.get("hereditary")))
                # a generic code (Q85.8 "other phakomatoses") that means VHL only through its text: a text fact
                hereditary.setdefault(h, []).append(
                    _text_source(ctx, info, h.value, str(e.get("record_code") or "")) if needs_text else src)
            if _yes(e.get("family_history_net")):
                family.append(src)
            for key in _GASTRIC_BACKGROUND:
                if _yes(e.get(key)):
                    background.setdefault(key, []).append(src)
            if not info.active:
                continue
            if e.get("syndrome") and (not e.get("needs_nen") or nen_present):
                syndromes.setdefault(Syndrome(str(e.get("syndrome"))), []).append(src)
                if e.get("syndrome") == Syndrome.GASTRINOMA.value:
                    gastrin_only.append(_yes(e.get("hypergastrinaemia")))
                    if not _yes(e.get("hypergastrinaemia")):
                        background.setdefault("gastrinoma", []).append(src)
            if e.get("syndrome_from_text"):
                for word, syn in _TEXT_SYNDROMES:
                    if word in text:
                        syndromes.setdefault(syn, []).append(src)
            if _yes(e.get("carcinoid_heart")):
                heart.append(src)
            if _yes(e.get("pregnancy")):
                pregnant.append(src)
            if _yes(e.get("breastfeeding")):
                breastfeeding.append(src)
            if e.get("symptom"):
                symptoms.setdefault(str(e.get("symptom")), []).append(src)
            if e.get("comorbidity"):
                comorbid.setdefault(str(e.get("comorbidity")), []).append(src)
        for pattern in text_entries:
            if pattern.pattern is not None and pattern.pattern.search(text):
                src = info.source(info.rec.code.text[:60] or "condition text")
                if _yes(pattern.get("family_history_net")):
                    family.append(src)
                for key in (*_GASTRIC_BACKGROUND, "gastrinoma"):
                    if _yes(pattern.get(key)):
                        background.setdefault(key, []).append(src)
                if pattern.get("comorbidity") and info.active:
                    comorbid.setdefault(str(pattern.get("comorbidity")), []).append(src)
        if info.active:
            for e, disp in info.morphology:
                if e.get("syndrome"):
                    syndromes.setdefault(Syndrome(str(e.get("syndrome"))), []).append(info.source(disp))
    dx.family_history_net = present(True, family, "family history of NET or MEN recorded") if family \
        else Fact.missing("family history not coded (FamilyMemberHistory is not read)")
    dx.gastric_background = {k: tuple(v) for k, v in background.items()}
    if Syndrome.GASTRINOMA in syndromes and gastrin_only and all(gastrin_only) \
            and "gastrinoma" not in background \
            and (background.get("atrophic_gastritis") or background.get("achlorhydria")):
        # "increased secretion of gastrin" with atrophic gastritis/achlorhydria is secondary
        # hypergastrinaemia (gastric NET type 1 background), not a gastrinoma
        dx.gastrinoma_only_from_gastrin = True
        background.setdefault("hypergastrinaemia", []).extend(syndromes.pop(Syndrome.GASTRINOMA))
        dx.gastric_background = {k: tuple(v) for k, v in background.items()}
    dx.syndromes = frozenset(syndromes)
    dx.syndrome_sources = tuple(s for v in syndromes.values() for s in v)
    if Syndrome.CARCINOID in syndromes:
        dx.carcinoid_syndrome = present(True, syndromes[Syndrome.CARCINOID])
    if heart:
        dx.carcinoid_heart_disease = present(True, heart)
    dx.hereditary = frozenset(hereditary)
    dx.hereditary_sources = tuple(s for v in hereditary.values() for s in v)
    dx.pregnant_sources = tuple(pregnant)
    dx.breastfeeding_sources = tuple(breastfeeding)
    dx.symptoms = {k: tuple(v) for k, v in symptoms.items()}
    dx.comorbidities = {k: tuple(dict.fromkeys(v)) for k, v in comorbid.items()}
