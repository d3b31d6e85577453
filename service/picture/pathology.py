"""Ki-67, mitotic count, coded grade and the WHO grade (per specimen and date) with discordance."""
from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from datetime import date

from service.data.fhir_adapter import ObservationRec
from service.picture import grade as who
from service.picture import ki67 as ki67_reader
from service.picture.context import Context
from service.picture.diagnosis import Diagnosis
from service.picture.facts import Candidate, choose, dedupe_sources, with_report_text
from service.picture.model import (
    Differentiation,
    Fact,
    FactState,
    Grade,
    GradeAssessment,
    Ki67,
    PrimarySite,
    Scope,
    Source,
)

_PER_2MM2 = re.compile(r"^/?(per)?\s{0,3}2\s{0,3}mm\s{0,3}(2|²|\^2)$|^/\[?2\.?mm2\]?$", re.IGNORECASE)
_PER_10HPF = re.compile(r"^/?(per)?\s{0,3}10\s{0,3}(hpf|\[hpf\]|high[- ]power[- ]fields?)$", re.IGNORECASE)
_GRADE_TEXT = re.compile(r"\b(?:NET\s{0,3})?G(?:rade)?\s{0,3}([123])\b|\b(NEC)\b", re.IGNORECASE)


@dataclass(slots=True)
class Pathology:
    ki67: Fact = field(default_factory=Fact.missing)
    ki67_history: tuple[tuple[Ki67, Source], ...] = ()
    mitoses: Fact = field(default_factory=Fact.missing)
    coded_grade: Fact = field(default_factory=Fact.missing)
    grade: Fact = field(default_factory=Fact.missing)
    assessments: tuple[GradeAssessment, ...] = ()
    discordant: Fact = field(default_factory=Fact.missing)
    ki67_ends: tuple[tuple[Ki67, Grade | None], ...] = ()


def _specimen(obs: ObservationRec) -> str | None:
    parts = []
    if obs.body_site is not None:
        parts.append(obs.body_site.all_text)
    if obs.specimen_ref:
        parts.append(obs.specimen_ref)
    text = " ".join(p for p in parts if p).strip()
    return text[:60] or None


def _ki67_candidates(ctx: Context, dx: Diagnosis) -> tuple[list[Candidate[Ki67]], list[str]]:
    out: list[Candidate[Ki67]] = []
    notes: list[str] = []
    for obs, entry in ctx.role("ki67"):
        if entry.get("breast_specific"):
            why = _breast_code_unusable(obs, dx)
            if why:
                notes.append(f"breast-specific Ki-67 code (LOINC 85330-9) not read: {why}")
                continue
        k = ki67_reader.from_observation(obs)
        if k is None:
            notes.append("a Ki-67 result could not be read (unit or format not understood)")
            continue
        spec = _specimen(obs)
        if spec:
            k = Ki67(k.percent, k.comparator, k.low, spec)
        if obs.string and ki67_reader.is_narrative(obs.string):
            # read out of a sentence (a pathology text in valueString), not a coded value: provenance says so,
            # with the sentence and the coded result that would record it (card contract, report text)
            out.append(Candidate(k, _text_source(obs, k)))
            continue
        out.append(Candidate(k, Source(obs.ref or None, obs.date, ki67_reader.display(k))))
    out.extend(ctx.from_reports("ki67", besides=out))
    return out, notes


def _text_source(obs: ObservationRec, k: Ki67) -> Source:
    """The source of a Ki-67 read from a narrative valueString: the sentence as quote, and the coded Ki-67
    Observation (LOINC 29593-1, valueQuantity in %) that would record the value for the clinician to confirm."""
    shown = ki67_reader.display(k)
    text = " ".join(obs.string.split())
    # the sentence that gives the value (the quote the card shows), else the start of the text
    quote = next((sentence for sentence in re.split(r"(?<=[.;])\s+", text) if ki67_reader.names_ki67(sentence)),
                 text)[:200]
    value: dict = ({"valueRange": {"low": {"value": k.low, "unit": "%", "system": "http://unitsofmeasure.org",
                                           "code": "%"},
                                   "high": {"value": k.percent, "unit": "%", "system": "http://unitsofmeasure.org",
                                            "code": "%"}}}
                   if k.low is not None else
                   {"valueQuantity": {"value": k.percent, "unit": "%", "system": "http://unitsofmeasure.org",
                                      "code": "%", **({"comparator": k.comparator} if k.comparator != "=" else {})}})
    record = {"code": {"coding": [{"system": "http://loinc.org", "code": "29593-1",
                                   "display": "Cells.Ki-67 nuclear Ag/cells in Tissue by Immune stain"}]},
              **value, "category": "laboratory",
              "label": f"Record {shown} as a coded Ki-67 result (read from the result's text)",
              "note": f"Read from the text of {obs.ref or 'a Ki-67 result'}: \"{quote}\""}
    return Source(obs.ref or None, obs.date, f"{shown} (read from the result's text)", quote=quote,
                  record=json.dumps(record, sort_keys=True, separators=(",", ":")))


_BREAST_SPECIMEN = re.compile(r"breast|mamma", re.IGNORECASE)


def _breast_code_unusable(obs: ObservationRec, dx: Diagnosis) -> str:
    """Why a Ki-67 filed under the breast-specific LOINC cannot be taken as the NEN's (empty: it can).

    Labs file any Ki-67 under 85330-9; for a patient with an NEN diagnosis and no breast cancer on record it
    is the NEN's. With breast cancer on record (or a breast specimen) it may be the breast tumour's: not read.
    """
    if not dx.nen_conditions:
        return "no NEN diagnosis on record"
    if dx.breast_cancer:
        return "breast cancer on record"
    if _BREAST_SPECIMEN.search(_specimen(obs) or ""):
        return "breast specimen"
    return ""


def _mitoses_candidates(ctx: Context) -> tuple[list[Candidate[float]], list[str], set[str]]:
    out: list[Candidate[float]] = []
    notes: list[str] = []
    converted: set[str] = set()
    for obs, _ in ctx.role("mitoses"):
        q = obs.quantity
        if q is None or q.value < 0:
            notes.append("a mitotic count had no number with a unit")
            continue
        unit = (q.unit or q.code).strip()
        if _PER_2MM2.match(unit.replace(" ", "")) or _PER_2MM2.match(unit):
            disp = f"mitoses {q.value:g}/2 mm2"
        elif _PER_10HPF.match(unit.replace(" ", "")) or _PER_10HPF.match(unit):
            disp = f"mitoses {q.value:g}/10 HPF (taken as /2 mm2)"
            if obs.ref:
                converted.add(obs.ref)
        else:
            notes.append(f"a mitotic count in unit '{unit[:20]}' was not used: area not understood")
            continue
        out.append(Candidate(q.value, Source(obs.ref or None, obs.date, disp)))
    out.extend(ctx.from_reports("mitoses", besides=out))
    return out, notes, converted


def _coded_grade(ctx: Context) -> list[Candidate[Grade]]:
    out = []
    for obs, _ in ctx.role("grade"):
        g = None
        ans = ctx.answer(obs.concept, "grade")
        if ans is not None:
            g = Grade(str(ans[0]))
        else:
            text = obs.string or (obs.concept.all_text if obs.concept else "")
            m = _GRADE_TEXT.search(text or "")
            if m:
                g = Grade.NEC if m.group(2) else Grade(f"G{m.group(1)}")
        if g is not None:
            out.append(Candidate(g, Source(obs.ref or None, obs.date, f"grade reported {g.value}")))
    out.extend(ctx.from_reports("grade", besides=out))
    return out


def _same_index(a: Ki67, b: Ki67) -> bool:
    return (a.percent, a.comparator, a.low) == (b.percent, b.comparator, b.low)


def _ki67_fact(ctx: Context, cands: list[Candidate[Ki67]]) -> Fact:
    fact = choose(cands, as_of=ctx.as_of, lookback_days=ctx.lookback_days, what="Ki-67")
    if fact.state == FactState.CONTRADICTORY and len({s.origin for s in fact.sources}) > 1:
        # the same day's coded result and report text: contradictory only if the index itself differs
        fact = choose(cands, as_of=ctx.as_of, lookback_days=ctx.lookback_days, what="Ki-67", same=_same_index)
        if fact.state == FactState.CONTRADICTORY:
            return with_report_text(fact, cands)
    if fact.state != FactState.CONTRADICTORY:
        return with_report_text(fact, cands, same=_same_index)
    # Different specimens on the same date are discordance, not contradiction: the highest decides.
    latest = max((c.source.date for c in cands if c.source.date and c.source.date <= ctx.as_of), default=None)
    same_day = [c for c in cands if c.source.date == latest]
    specimens = {c.value.specimen for c in same_day}
    if len(specimens) == len(same_day) and None not in specimens:
        top = max(same_day, key=lambda c: c.value.percent)
        state = fact.state
        state = FactState.PRESENT
        return Fact(state, top.value, fact.sources, "different specimens on the same date; highest Ki-67 used")
    return fact


def read(ctx: Context, dx: Diagnosis) -> Pathology:
    p = Pathology()
    k_cands, k_notes = _ki67_candidates(ctx, dx)
    p.ki67 = _ki67_fact(ctx, k_cands)
    if p.ki67.state == FactState.MISSING and k_notes:
        p.ki67 = Fact.missing(k_notes[0])
    history = {}
    for c in sorted(k_cands, key=lambda c: (c.source.date or date.min, c.source.reference or "")):
        key = (c.value, c.source.date)
        if key not in history:
            history[key] = (c.value, c.source)
    p.ki67_history = tuple(history.values())

    m_cands, m_notes, converted = _mitoses_candidates(ctx)
    p.mitoses = with_report_text(choose(m_cands, as_of=ctx.as_of, lookback_days=ctx.lookback_days,
                                        what="mitotic count"), m_cands)
    if p.mitoses.state == FactState.MISSING and m_notes:
        p.mitoses = Fact.missing(m_notes[0])
    elif p.mitoses.known and any(s.reference in converted for s in p.mitoses.sources):
        p.mitoses = Fact(p.mitoses.state, p.mitoses.value, p.mitoses.sources,
                         (p.mitoses.note + "; " if p.mitoses.note else "")
                         + "counted per 10 HPF, taken 1:1 as per 2 mm2")

    g_cands = _coded_grade(ctx)
    p.coded_grade = with_report_text(choose(g_cands, as_of=ctx.as_of, lookback_days=ctx.lookback_days,
                                            what="reported grade"), g_cands)
    diff = dx.differentiation.value if dx.differentiation.known else None
    if p.ki67.state == FactState.CONTRADICTORY and len({s.origin for s in p.ki67.sources}) > 1:
        # a coded result and the report text disagree on one date: that is a contradiction to resolve, not
        # two specimens to grade apart (no discordance from it)
        k_cands = [c for c in k_cands if not (c.source.origin == "report-text" and c.source.date == p.ki67.date)]
    p.assessments = _assessments(k_cands, m_cands, diff, ctx.as_of)
    p.grade = _overall(p, dx)
    p.discordant = _discordance(p.assessments)
    p.ki67_ends = _ends(p, dx)
    p.grade = _range_grade(p)
    return p


def _range_grade(p: Pathology) -> Fact:
    """A Ki-67 range or bound whose ends fall in different grades: the grade keeps its value (the rows decide
    on it and KR-01 runs them at both ends) but says it is uncertain, with both grades and both ends: "G2-G3
    uncertain: Ki-67 15-25 % spans a grade cut-off" -- never "G3" alone (review B W3)."""
    grade = p.grade
    if len(p.ki67_ends) != 2 or not grade.known:
        return grade
    (lo, lo_grade), (hi, hi_grade) = p.ki67_ends
    if lo_grade is None or hi_grade is None or lo_grade == hi_grade:
        return grade
    k: Ki67 = p.ki67.value  # type: ignore[assignment]
    shown = f"{k.low:g}-{k.percent:g} %" if k.low is not None else f"{k.comparator}{k.percent:g} %"
    note = (f"{lo_grade.value}-{hi_grade.value} uncertain: Ki-67 {shown} spans a grade cut-off "
            f"({lo.percent:g} %: {lo_grade.value}; {hi.percent:g} %: {hi_grade.value})")
    return Fact(grade.state, grade.value, tuple(Source(s.reference, s.date, note, s.quote, s.record)
                                               for s in grade.sources), note)


# how far inside an open bound its end lies ("< 10 %" ends at 9.9 %, "> 20 %" at 20.1 %)
_OPEN_BOUND_STEP = 0.1


def _ends(p: Pathology, dx: Diagnosis) -> tuple[tuple[Ki67, Grade | None], ...]:
    """A Ki-67 reported as a range or bound: its two ends as point values, each with the grade at that end
    (computed as ``_overall`` computes it; None where the grade is not computed from Ki-67 here)."""
    if not p.ki67.known:
        return ()
    k: Ki67 = p.ki67.value
    if k.low is not None:
        lo, hi = k.low, k.percent
    elif k.comparator == "<":
        lo, hi = 0.0, max(k.percent - _OPEN_BOUND_STEP, 0.0)
    elif k.comparator == "<=":
        lo, hi = 0.0, k.percent
    elif k.comparator == ">":
        lo, hi = min(k.percent + _OPEN_BOUND_STEP, 100.0), 100.0
    elif k.comparator == ">=":
        lo, hi = k.percent, 100.0
    else:
        return ()
    diff = dx.differentiation
    computed = not (dx.scope in (Scope.SCLC, Scope.MINEN) or diff.is_(Differentiation.POOR)
                    or dx.primary_site.is_(PrimarySite.LUNG_THYMUS))
    m = p.mitoses.value if p.mitoses.known else None
    out = []
    for value in (lo, hi):
        point = Ki67(round(value, 4), "=", None, k.specimen)
        grade = None
        if computed:
            res = who.compute_grade(ki67=point, mitoses_per_2mm2=m,
                                    differentiation=diff.value if diff.known else None)
            grade = res.grade if res is not None else None
        out.append((point, grade))
    return tuple(out)


def _assessments(k_cands: list[Candidate[Ki67]], m_cands: list[Candidate[float]],
                 diff: Differentiation | None, as_of: date) -> tuple[GradeAssessment, ...]:
    groups: dict[tuple[date | None, str | None], dict] = {}
    for c in k_cands:
        if c.source.date is not None and c.source.date > as_of:
            continue
        g = groups.setdefault((c.source.date, c.value.specimen), {"k": [], "m": [], "refs": []})
        g["k"].append(c.value)
        g["refs"].append(c.source.reference)
    for c in m_cands:
        if c.source.date is not None and c.source.date > as_of:
            continue
        key = next((k for k in groups if k[0] == c.source.date), (c.source.date, None))
        g = groups.setdefault(key, {"k": [], "m": [], "refs": []})
        g["m"].append(c.value)
        g["refs"].append(c.source.reference)
    out = []
    for (when, specimen), g in groups.items():
        k = max(g["k"], key=lambda v: v.percent) if g["k"] else None
        m = max(g["m"]) if g["m"] else None
        res = who.compute_grade(ki67=k, mitoses_per_2mm2=m, differentiation=diff)
        if res is None:
            continue
        out.append(GradeAssessment(res.grade, when, specimen, k.percent if k else None, m, res.basis,
                                   tuple(dict.fromkeys(r for r in g["refs"] if r))))
    out.sort(key=lambda a: (a.date or date.min, a.specimen or ""))
    return tuple(out)


def _overall(p: Pathology, dx: Diagnosis) -> Fact:
    diff = dx.differentiation
    if dx.scope == Scope.SCLC:
        return Fact.missing("small-cell lung carcinoma: no WHO NET grade")
    if dx.scope == Scope.MINEN:
        return Fact.missing("MiNEN: each component is graded separately (pathology review)")
    if dx.primary_site.is_(PrimarySite.LUNG_THYMUS) and not diff.is_(Differentiation.POOR):
        return Fact.missing("lung/thymic carcinoid: classified typical/atypical (lung_type), no WHO G-grade")
    if diff.is_(Differentiation.POOR):
        return Fact(FactState.PRESENT if diff.state == FactState.PRESENT else diff.state, Grade.NEC,
                    diff.sources, "poorly differentiated -> NEC")
    if p.ki67.state == FactState.CONTRADICTORY:
        return Fact(FactState.CONTRADICTORY, None, p.ki67.sources, "Ki-67 results disagree on the same date")
    k = p.ki67.value if p.ki67.known else None
    m = p.mitoses.value if p.mitoses.known else None
    res = who.compute_grade(ki67=k, mitoses_per_2mm2=m,
                            differentiation=diff.value if diff.known else None)
    if res is None:
        if p.coded_grade.known:
            return Fact(p.coded_grade.state, p.coded_grade.value, p.coded_grade.sources,
                        "grade as reported (no Ki-67 or mitotic count to compute from)")
        return Fact.missing("no Ki-67, mitotic count or reported grade")
    facts = [f for f in (p.ki67, p.mitoses) if f.known]
    stale = any(f.state == FactState.STALE for f in facts)
    sources = dedupe_sources(s for f in facts for s in f.sources)
    note = res.basis
    if p.coded_grade.known and p.coded_grade.value != res.grade:
        note += f"; reported grade {p.coded_grade.value.value} differs"
    return Fact(FactState.STALE if stale else FactState.PRESENT, res.grade, sources, note)


def _discordance(assessments: tuple[GradeAssessment, ...]) -> Fact:
    if len(assessments) < 2:
        return Fact.missing("fewer than two graded specimens")
    grades = {a.grade for a in assessments}
    sources = tuple(Source(a.references[0] if a.references else None, a.date,
                           f"{a.grade.value} ({a.specimen or 'specimen'})") for a in assessments)
    if len(grades) > 1:
        return Fact(FactState.PRESENT, True, sources,
                    "grades differ between specimens/dates: " + ", ".join(sorted(g.value for g in grades)))
    return Fact(FactState.PRESENT, False, sources)
