"""Disease extent, imaging (SSTR, FDG), hepatic burden, resectability, status and progression.

- SSTR imaging (local ``sstr-imaging``): the coded uptake decides; else Krenning/"vs liver" text;
  else interpretation POS (degree unknown) / NEG. Not done -> MISSING, never NEGATIVE.
- Progression: a CancerDiseaseStatus (97509-4 / legacy 88040-1) "worsened" within ``progression_window_days``
  (12 months, decision table 1.2); an older one leaves the current status unknown (STALE, no value), never
  "progressive".
  Tumour markers (chromogranin A, 5-HIAA) are never read as progression.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta

from service.data.fhir_adapter import ObservationRec
from service.picture.context import Context
from service.picture.diagnosis import Diagnosis
from service.picture.facts import Candidate, choose, present, with_report_text
from service.picture.model import (
    DiseaseStatus,
    Fact,
    FactState,
    Resectability,
    Source,
    SstrStatus,
)


@dataclass(slots=True)
class Disease:
    extent: Fact = field(default_factory=Fact.missing)
    metastatic_sites: frozenset[str] = frozenset()
    liver_metastases: Fact = field(default_factory=Fact.missing)
    hepatic_burden: Fact = field(default_factory=Fact.missing)
    liver_dominant: Fact = field(default_factory=Fact.missing)
    resectability: Fact = field(default_factory=Fact.missing)
    sstr: Fact = field(default_factory=Fact.missing)
    fdg_avid: Fact = field(default_factory=Fact.missing)
    disease_status: Fact = field(default_factory=Fact.missing)
    progression: Fact = field(default_factory=Fact.missing)
    progression_date: Fact = field(default_factory=Fact.missing)
    progression_events: tuple[date, ...] = ()
    status_dates: tuple[date, ...] = ()
    status_events: tuple[tuple[date, DiseaseStatus, Source], ...] = ()  # every dated status, oldest first


def _src(obs: ObservationRec, display: str) -> Source:
    return Source(obs.ref or None, obs.date, display)


def _positive(ctx: Context, obs: ObservationRec) -> bool | None:
    for interp in obs.interpretation:
        ans = ctx.answer(interp, "positive")
        if ans is not None:
            return ans[0] is True or ans[0] == "yes"
    return None


def sstr_value(ctx: Context, obs: ObservationRec) -> tuple[SstrStatus, str] | None:
    """(status, display) of one SSTR imaging result, or None when it says nothing readable."""
    ans = ctx.answer(obs.concept, "sstr")
    if ans is not None:
        display = str(ans[1])
        # the answer's own words, prefixed only when they do not already say it ("Uptake higher than ...")
        if not display.lower().startswith(("uptake", "sstr", "no uptake", "no tumour uptake")):
            display = f"SSTR uptake {display}"
        return SstrStatus(str(ans[0])), display
    text = " ".join(filter(None, [obs.string or "", obs.concept.all_text if obs.concept else "",
                                  obs.note, obs.code.text]))
    e = ctx.term.match_text("sstr_text", text)
    if e is not None:
        value = SstrStatus(str(e.get("sstr")))
        degree = f" ({e.get('degree')})" if e.get("degree") else ""  # e.g. "equal to liver": PRRT rows read it
        return value, f"SSTR imaging: {value.value.replace('_', ' ')}{degree}"
    pos = _positive(ctx, obs)
    if pos is True:
        return SstrStatus.POSITIVE_DEGREE_UNKNOWN, "SSTR imaging positive (uptake vs liver not stated)"
    if pos is False:
        return SstrStatus.NEGATIVE, "SSTR imaging negative"
    return None


def _sstr(ctx: Context) -> Fact:
    cands = []
    for obs, _ in ctx.role("sstr"):
        read = sstr_value(ctx, obs)
        if read is not None:
            cands.append(Candidate(read[0], _src(obs, read[1])))
    cands.extend(ctx.from_reports("sstr", besides=cands))
    cands.sort(key=lambda c: c.value == SstrStatus.POSITIVE_DEGREE_UNKNOWN)   # the specific reading first
    return with_report_text(choose(cands, as_of=ctx.as_of, lookback_days=ctx.lookback_days,
                                   what="SSTR imaging result", same=_sstr_same), cands, same=_sstr_same)


_POSITIVE_CLASSES = frozenset({SstrStatus.POSITIVE_ALL, SstrStatus.POSITIVE_HETEROGENEOUS,
                               SstrStatus.LOWER_THAN_LIVER, SstrStatus.POSITIVE_DEGREE_UNKNOWN})


def _sstr_same(a: SstrStatus, b: SstrStatus) -> bool:
    """"Positive, degree unknown" agrees with any positive reading (it says less, not something else)."""
    if a == b:
        return True
    return SstrStatus.POSITIVE_DEGREE_UNKNOWN in (a, b) and a in _POSITIVE_CLASSES and b in _POSITIVE_CLASSES


def fdg_value(ctx: Context, obs: ObservationRec) -> bool | None:
    ans = ctx.answer(obs.concept, "fdg")
    if ans is not None:
        return ans[0] is True or ans[0] == "yes"
    return _positive(ctx, obs)


def _fdg(ctx: Context) -> Fact:
    cands = []
    for obs, _ in ctx.role("fdg"):
        avid = fdg_value(ctx, obs)
        if avid is not None:
            cands.append(Candidate(avid, _src(obs, "FDG-avid" if avid else "not FDG-avid")))
    cands.extend(ctx.from_reports("fdg", besides=cands))
    return with_report_text(choose(cands, as_of=ctx.as_of, lookback_days=ctx.lookback_days,
                                   what="FDG-PET result"), cands)


def number_readable(obs: ObservationRec, unit: str) -> bool:
    q = obs.quantity
    if q is None:
        return False
    return (q.code or q.unit).strip() in (unit, "") or q.unit.strip() == unit


def _number(ctx: Context, role: str, label: str, unit: str) -> Fact:
    cands = []
    for obs, _ in ctx.role(role):
        q = obs.quantity
        if not number_readable(obs, unit):
            continue   # no number, or an unknown unit: not guessed
        assert q is not None
        cands.append(Candidate(q.value, _src(obs, f"{label} {q.value:g} {unit}")))
    return choose(cands, as_of=ctx.as_of, lookback_days=ctx.lookback_days, what=label)


def _resectability(ctx: Context) -> Fact:
    cands = []
    for obs, _ in ctx.role("resectability"):
        ans = ctx.answer(obs.concept, "resectability")
        if ans is not None:
            cands.append(Candidate(Resectability(str(ans[0])), _src(obs, f"resectability: {ans[1]}")))
    return choose(cands, as_of=ctx.as_of, lookback_days=ctx.lookback_days, what="resectability judgement")


def _status(ctx: Context, d: Disease) -> None:
    cands = []
    for obs, _ in ctx.role("disease-status"):
        ans = ctx.answer(obs.concept, "status")
        if ans is None:
            continue
        cands.append(Candidate(DiseaseStatus(str(ans[0])), _src(obs, f"disease status: {ans[1]}")))
    cands.extend(ctx.from_reports("status", besides=cands))
    cands = [c for c in cands if c.source.date is None or c.source.date <= ctx.as_of]
    d.disease_status = with_report_text(choose(cands, as_of=ctx.as_of, lookback_days=ctx.lookback_days,
                                               what="disease status"), cands)
    d.progression_events = tuple(sorted({c.source.date for c in cands
                                         if c.value == DiseaseStatus.PROGRESSIVE and c.source.date}))
    d.status_dates = tuple(sorted({c.source.date for c in cands if c.source.date}))
    d.status_events = tuple(sorted(((c.source.date, c.value, c.source) for c in cands if c.source.date),
                                   key=lambda e: (e[0], e[1].value, e[2].reference or "")))
    if not cands:
        return
    window = int(ctx.term.parameter("progression_window_days"))  # type: ignore[arg-type]
    window_start = ctx.as_of - timedelta(days=window)
    recent_prog = [c for c in cands if c.value == DiseaseStatus.PROGRESSIVE and c.source.date
                   and c.source.date >= window_start]
    if recent_prog:
        last = max(recent_prog, key=lambda c: c.source.date)  # type: ignore[arg-type,return-value]
        d.progression = present(True, [c.source for c in recent_prog])
        d.progression_date = present(last.source.date, [last.source])
        return
    recent = [c for c in cands if c.source.date and c.source.date >= window_start
              and c.value != DiseaseStatus.UNDETERMINED]
    if recent:
        d.progression = present(False, [c.source for c in recent],
                                f"no progression documented in the last {window} days")
        return
    old_prog = [c for c in cands if c.value == DiseaseStatus.PROGRESSIVE and c.source.date]
    if old_prog:
        last = max(old_prog, key=lambda c: c.source.date)  # type: ignore[arg-type,return-value]
        # older than the progression window: the disease is not "progressive" now (decision table 1.2), and
        # whether it is stable is not known either: no value, the date kept (progression_date)
        d.progression = Fact(FactState.STALE, None, (last.source,),
                             f"last documented progression {last.source.date.isoformat()}, older than "  # type: ignore[union-attr]
                             f"{window} days: current status not known")
        d.progression_date = Fact(FactState.STALE, last.source.date, (last.source,))
    else:
        d.progression = Fact(FactState.STALE, None, tuple(c.source for c in cands),
                             f"no disease status in the last {window} days")


def read(ctx: Context, dx: Diagnosis) -> Disease:
    d = Disease(extent=dx.extent, metastatic_sites=dx.metastatic_sites, liver_metastases=dx.liver_metastases)
    d.hepatic_burden = _number(ctx, "hepatic-burden", "hepatic tumour burden", "%")
    if d.hepatic_burden.known and d.hepatic_burden.value and d.hepatic_burden.value > 0 \
            and not d.liver_metastases.known:
        d.liver_metastases = present(True, d.hepatic_burden.sources)
    if d.liver_metastases.known:
        # Liver dominance is asserted only when the record says so: a hepatic tumour burden measured on imaging
        # (the liver disease was quantified) with no extrahepatic metastasis coded. A liver-metastasis code alone
        # says the liver is involved, not that it dominates (review A W5): MISSING, with the note saying why.
        other = dx.metastatic_sites - {"liver"}
        if other:
            d.liver_dominant = Fact.missing("extrahepatic metastases coded: liver dominance needs imaging review")
        elif d.hepatic_burden.known:
            d.liver_dominant = present(True, (*d.hepatic_burden.sources, *d.liver_metastases.sources),
                                       "hepatic tumour burden on record, no extrahepatic metastasis coded")
        else:
            d.liver_dominant = Fact.missing("liver metastases on record; extent outside the liver not documented "
                                            "(no hepatic tumour burden or imaging review on record)")
    d.resectability = _resectability(ctx)
    d.sstr = _sstr(ctx)
    d.fdg_avid = _fdg(ctx)
    _status(ctx, d)
    return d
