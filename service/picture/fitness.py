"""Age, sex, pregnancy, breastfeeding, ECOG (or Karnofsky converted to ECOG), syndrome measures, refractory carcinoid syndrome and labs.

Labs are converted to the canonical unit of each ``Labs`` field (cards/terminology/labs.yaml); a result in
a unit not listed there is not used and the fact's note says why. 5-HIAA and chromogranin A are kept as
reported (value and unit); "rising" chromogranin A is a marker trend only, never progression.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, timedelta

from service.data.fhir_adapter import ObservationRec, Qty
from service.picture.dates import shift
from service.picture.context import Context
from service.picture.diagnosis import Diagnosis
from service.picture.facts import Candidate, choose, or_unavailable, present
from service.picture.model import (Agent, ChildPugh, Fact, FactState, Labs, Quantity, Source, Therapy,
                                   TherapyStatus)
from service.picture.terminology import Terminology, normalize_unit

_ECOG_ANSWERS = {"LA9622-7": 0, "LA9623-5": 1, "LA9624-3": 2, "LA9625-0": 3, "LA9626-8": 4, "LA9627-6": 5}
_BP_COMPONENTS = {"8480-6": "systolic_bp", "8462-4": "diastolic_bp"}
_AS_REPORTED = ("hiaa5", "chromogranin_a")


@dataclass(slots=True)
class Fitness:
    age: Fact = field(default_factory=Fact.missing)
    sex: Fact = field(default_factory=Fact.missing)
    pregnant: Fact = field(default_factory=Fact.missing)
    breastfeeding: Fact = field(default_factory=Fact.missing)
    ecog: Fact = field(default_factory=Fact.missing)
    bowel_movements: Fact = field(default_factory=Fact.missing)
    flushing: Fact = field(default_factory=Fact.missing)
    labs: Labs = field(default_factory=Labs)
    symptoms: dict = field(default_factory=dict)
    carcinoid_syndrome: Fact = field(default_factory=Fact.missing)
    as_of: date = date.min
    min_ssa_days: int = 90
    min_bm: float = 4
    min_flushing: float = 2
    meds_unavailable: bool = False

    def symptom(self, name: str) -> Fact:
        return self.symptoms.get(name, Fact.missing())

    def refractory_cs(self, therapies: tuple[Therapy, ...]) -> Fact:
        """§1.3: on SSA >= 3 months and (>= 4 bowel movements/day or persistent flushing)."""
        if not self.carcinoid_syndrome.known:
            return Fact.missing("no carcinoid syndrome on record")
        ssa = [t for t in therapies if t.agent == Agent.SSA and t.status == TherapyStatus.ACTIVE]
        if not ssa:
            if self.meds_unavailable:
                return Fact.unavailable("medication history could not be read")
            return present(False, self.carcinoid_syndrome.sources, "not currently on a somatostatin analogue")
        long_enough = [t for t in ssa if t.start is not None
                       and t.start <= shift(self.as_of, -self.min_ssa_days)]
        if not long_enough:
            if all(t.start is None for t in ssa):
                return Fact.missing("start of the somatostatin analogue not known")
            return present(False, tuple(Source(t.references[0] if t.references else None, t.start, t.drug)
                                        for t in ssa), f"on SSA for less than {self.min_ssa_days} days")
        ssa_src = [Source(t.references[0] if t.references else None, t.start, f"on {t.drug}") for t in long_enough]
        bm, fl = self.bowel_movements, self.flushing
        if bm.known and bm.value >= self.min_bm:
            return Fact(bm.state, True, tuple(ssa_src) + bm.sources)
        if fl.known and fl.value >= self.min_flushing:
            return Fact(fl.state, True, tuple(ssa_src) + fl.sources, "persistent flushing on SSA")
        if bm.known:
            return Fact(bm.state, False, tuple(ssa_src) + bm.sources,
                        f"fewer than {self.min_bm:g} bowel movements a day")
        return Fact.missing("daily bowel-movement count not on record")


def _src(obs: ObservationRec, display: str) -> Source:
    return Source(obs.ref or None, obs.date, display)


def _convert(ctx: Context, lab: str, q: Qty) -> tuple[float, str] | None:
    return convert(ctx.term, lab, q)


def convert(term: Terminology, lab: str, q: Qty) -> tuple[float, str] | None:
    """``q`` in the canonical unit of ``lab``, or None when its unit is not understood."""
    rule = term.unit_rule(lab)
    if rule is None:
        return None
    for unit in (q.code, q.unit):
        if unit:
            factor = rule.factors.get(normalize_unit(unit))
            if factor is not None:
                return q.value * factor, rule.canonical
    return None


def lab_readable(term: Terminology, lab: str, q: Qty | None) -> bool:
    """Would ``_labs`` use this value? (the selection step asks before validating a resource)"""
    if q is None:
        return False
    if lab in _AS_REPORTED:
        return bool(q.unit or q.code)
    return convert(term, lab, q) is not None


def uln_readable(term: Terminology, obs: ObservationRec) -> bool:
    return (lab_readable(term, "bilirubin", obs.quantity) and obs.reference_high is not None
            and convert(term, "bilirubin", obs.reference_high) is not None)


def bp_components(term: Terminology, obs: ObservationRec) -> list[tuple[str, Qty | None]]:
    """(Labs field, quantity) of the systolic/diastolic components of a BP panel."""
    out = []
    for comp in obs.components:
        for c in comp.code.codings:
            if c.code in _BP_COMPONENTS and c.system == term.system("loinc"):
                out.append((_BP_COMPONENTS[c.code], comp.quantity))
    return out


def _labs(ctx: Context) -> Labs:
    cands: dict[str, list[Candidate]] = {}
    notes: dict[str, str] = {}
    uln: list[Candidate] = []
    history: dict[str, list[tuple[date, Quantity, Source]]] = {}

    def add(lab: str, obs: ObservationRec, q: Qty | None) -> None:
        if q is None:
            return
        if lab in _AS_REPORTED:
            unit = q.unit or q.code
            if not unit:
                notes[lab] = "a result without a unit was not used"
                return
            val = Quantity(q.value, unit)
            src = _src(obs, f"{q.value:g} {unit}")
            cands.setdefault(lab, []).append(Candidate(val, src))
            if obs.date:
                history.setdefault(lab, []).append((obs.date, val, src))
            return
        conv = _convert(ctx, lab, q)
        if conv is None:
            notes[lab] = f"a result in unit '{(q.unit or q.code)[:20]}' was not used: unit not understood"
            return
        value, unit = conv
        cands.setdefault(lab, []).append(Candidate(round(value, 4), _src(obs, f"{q.value:g} {q.unit or q.code}")))
        if lab == "bilirubin" and obs.reference_high is not None:
            hi = _convert(ctx, lab, obs.reference_high)
            if hi is not None:
                uln.append(Candidate(round(hi[0], 4), _src(obs, f"ULN {obs.reference_high.value:g} "
                                                               f"{obs.reference_high.unit or obs.reference_high.code}")))

    for obs, entry in ctx.role("lab"):
        add(str(entry.get("lab")), obs, obs.quantity)
    for obs, _ in ctx.role("bp-panel"):
        for lab, q in bp_components(ctx.term, obs):
            add(lab, obs, q)
    values = {}
    for name in Labs.__dataclass_fields__:
        if name in ("bilirubin_uln", "chromogranin_a_rising"):
            continue
        fact = choose(cands.get(name, []), as_of=ctx.as_of, lookback_days=ctx.lookback_days, what=name)
        if fact.state == FactState.MISSING and name in notes:
            fact = Fact.missing(notes[name])
        values[name] = or_unavailable(fact, ctx.unavailable_obs(), name)
    values["bilirubin_uln"] = or_unavailable(
        choose(uln, as_of=ctx.as_of, lookback_days=ctx.lookback_days, what="bilirubin ULN"),
        ctx.unavailable_obs(), "bilirubin ULN")
    values["chromogranin_a_rising"] = or_unavailable(_rising(ctx, history.get("chromogranin_a", [])),
                                                     ctx.unavailable_obs(), "chromogranin A")
    return Labs(**values)


def _rising(ctx: Context, series: list[tuple[date, Quantity, Source]]) -> Fact:
    series = sorted((s for s in series if s[0] <= ctx.as_of), key=lambda s: s[0])
    if not series:
        return Fact.missing()
    last = series[-1]
    earlier = [s for s in series if s[0] < last[0] and normalize_unit(s[1].unit) == normalize_unit(last[1].unit)]
    if not earlier:
        return Fact.missing("only one chromogranin A result in the same unit")
    prev = earlier[-1]
    ratio = float(ctx.term.parameter("cga_rising_ratio"))  # type: ignore[arg-type]
    rising = prev[1].value > 0 and last[1].value >= prev[1].value * ratio
    state = FactState.PRESENT
    if last[0] < ctx.as_of - timedelta(days=ctx.lookback_days):
        state = FactState.STALE
    return Fact(state, rising, (prev[2], last[2]), "marker trend only: not progression")


def child_pugh(term: Terminology, labs: Labs) -> Fact:
    """The Child-Pugh score the record settles (``ChildPugh``): bilirubin, albumin and INR score their points
    (cut-offs: the reviewed ``child_pugh_*`` parameters); ascites and encephalopathy are not read and count
    1-3 points each, like any component not on record. MISSING without bilirubin or albumin."""
    if not (labs.bilirubin.known or labs.albumin.known):
        return Fact.missing("neither bilirubin nor albumin on record")
    bili_cuts = term.parameter("child_pugh_bilirubin_mg_dl")
    alb_cuts = term.parameter("child_pugh_albumin_g_dl")
    inr_cuts = term.parameter("child_pugh_inr")
    a_max, b_max = term.parameter("child_pugh_class_max_points")  # type: ignore[misc]

    def rising(value: float, cuts) -> int:  # type: ignore[no-untyped-def]
        return 1 if value < cuts[0] else (2 if value <= cuts[1] else 3)

    def falling(value: float, cuts) -> int:  # type: ignore[no-untyped-def]
        return 1 if value > cuts[0] else (2 if value >= cuts[1] else 3)

    known, unknown, sources, words = 0, [], [], []
    for name, fact, score, unit in (("bilirubin", labs.bilirubin, lambda v: rising(v, bili_cuts), "mg/dL"),
                                    ("albumin", labs.albumin, lambda v: falling(v, alb_cuts), "g/dL"),
                                    ("INR", labs.inr, lambda v: rising(v, inr_cuts), "")):
        if fact.known:
            points = score(float(fact.value))
            known += points
            sources += fact.sources
            words.append(f"{name} {round(float(fact.value), 1):g}{' ' + unit if unit else ''} ({points})")
        else:
            unknown.append(name)
    unknown += ["ascites", "encephalopathy"]
    low, high = known + len(unknown), known + 3 * len(unknown)

    def klass(points: int) -> str:
        return "A" if points <= a_max else ("B" if points <= b_max else "C")

    value = ChildPugh(low, high, klass(low), klass(high), tuple(unknown))
    range_words = (f"Child-Pugh {value.min_class} ({low} pts)" if value.settled
                   else f"Child-Pugh at least {value.min_class} ({low}-{high} pts)")
    # the unrecorded components are named in the card's missing data (the display stays under 120 characters)
    display = f"{range_words}: {', '.join(words)}; {len(unknown)} components unrecorded"
    state = FactState.STALE if any(f.state is FactState.STALE for f in (labs.bilirubin, labs.albumin)
                                   if f.known) else FactState.PRESENT
    return Fact(state, value, tuple(Source(s.reference, s.date, display) for s in sources))


def ecog_value(obs: ObservationRec) -> int | None:
    value = None
    if obs.integer is not None:
        value = obs.integer
    elif obs.quantity is not None and float(obs.quantity.value).is_integer():
        value = int(obs.quantity.value)
    elif obs.concept is not None:
        for c in obs.concept.codings:
            if c.code in _ECOG_ANSWERS:
                value = _ECOG_ANSWERS[c.code]
                break
    return value if value is not None and 0 <= value <= 5 else None


_KPS_DISPLAY = re.compile(r"^\s{0,8}KPS\s{0,3}(\d{1,3})\b", re.IGNORECASE)


def karnofsky_value(obs: ObservationRec) -> int | None:
    """A Karnofsky score 0-100 in steps of 10 (integer, quantity, or a LOINC answer shown "KPS 70: ...")."""
    value = None
    if obs.integer is not None:
        value = obs.integer
    elif obs.quantity is not None and float(obs.quantity.value).is_integer():
        value = int(obs.quantity.value)
    elif obs.concept is not None:
        for c in obs.concept.codings:
            m = _KPS_DISPLAY.match(c.display or "")
            if m:
                value = int(m.group(1))
                break
    return value if value is not None and 0 <= value <= 100 and value % 10 == 0 else None


def karnofsky_to_ecog(term: Terminology, kps: int) -> int:
    """ECOG equivalent of a Karnofsky score (the reviewed table ``karnofsky_to_ecog``)."""
    for lowest, ecog in term.parameter("karnofsky_to_ecog"):  # type: ignore[union-attr]
        if kps >= int(lowest):
            return int(ecog)
    return 5


def _ecog(ctx: Context) -> Fact:
    """ECOG, read directly or converted from Karnofsky; on one date a recorded ECOG wins over a conversion."""
    cands = []
    ecog_dates = set()
    for obs, _ in ctx.role("ecog"):
        value = ecog_value(obs)
        if value is not None:
            cands.append(Candidate(value, _src(obs, f"ECOG {value}")))
            ecog_dates.add(obs.date)
    for obs, _ in ctx.role("karnofsky"):
        kps = karnofsky_value(obs)
        if kps is not None and obs.date not in ecog_dates:
            ecog = karnofsky_to_ecog(ctx.term, kps)
            cands.append(Candidate(ecog, _src(obs, f"Karnofsky {kps} % (ECOG {ecog} equivalent)")))
    return choose(cands, as_of=ctx.as_of, lookback_days=ctx.lookback_days, what="performance status")


_PER_DAY = re.compile(r"/d|/day|per day|/24\s{0,3}h|1/d|\{count\}/d", re.IGNORECASE)


def count_value(obs: ObservationRec) -> float | None:
    """A daily count (bowel movements, flushing episodes), or None when not readable."""
    q = obs.quantity
    value = q.value if q is not None else (obs.integer if obs.integer is not None else None)
    if value is None or value < 0:
        return None
    unit = (q.unit or q.code).strip() if q is not None else ""
    if unit and not _PER_DAY.fullmatch(unit):
        return None
    return value


def _count(ctx: Context, role: str, label: str) -> Fact:
    cands = []
    for obs, _ in ctx.role(role):
        value = count_value(obs)
        if value is None:
            continue
        cands.append(Candidate(float(value), _src(obs, f"{value:g} {label} a day")))
    return choose(cands, as_of=ctx.as_of, lookback_days=ctx.lookback_days, what=label)


def _pregnancy(ctx: Context, dx: Diagnosis) -> Fact:
    cands = [Candidate(True, s) for s in dx.pregnant_sources]
    for obs, _ in ctx.role("pregnancy-status"):
        ans = ctx.answer(obs.concept, "pregnant")
        if ans is not None:
            yes = ans[0] is True or ans[0] == "yes"
            cands.append(Candidate(yes, _src(obs, "pregnant" if yes else "not pregnant")))
    fact = choose(cands, as_of=ctx.as_of, lookback_days=ctx.lookback_days, what="pregnancy status")
    if fact.state == FactState.MISSING and "conditions" in ctx.unavailable and ctx.unavailable_obs():
        return Fact.unavailable("pregnancy status could not be read")
    return fact


def read(ctx: Context, dx: Diagnosis) -> Fitness:
    f = Fitness()
    f.as_of = ctx.as_of
    f.min_ssa_days = int(ctx.term.parameter("refractory_cs_min_ssa_days"))  # type: ignore[arg-type]
    f.min_bm = float(ctx.term.parameter("refractory_cs_min_bowel_movements"))  # type: ignore[arg-type]
    f.min_flushing = float(ctx.term.parameter("refractory_cs_min_flushing"))  # type: ignore[arg-type]
    f.meds_unavailable = ctx.all_meds_unavailable()
    f.carcinoid_syndrome = dx.carcinoid_syndrome
    patient = ctx.record.patient
    if patient is None:
        if "patient" in ctx.unavailable:
            f.age = Fact.unavailable("patient resource could not be read")
            f.sex = Fact.unavailable("patient resource could not be read")
    else:
        src = Source(patient.ref or None, None, "patient record")
        if patient.birth_date is not None and patient.birth_date <= ctx.as_of:
            b = patient.birth_date
            years = ctx.as_of.year - b.year - ((ctx.as_of.month, ctx.as_of.day) < (b.month, b.day))
            f.age = present(years, [Source(patient.ref or None, b, f"born {b.year}")])
        if patient.gender in ("male", "female", "other"):
            f.sex = present(patient.gender, [src])
    f.pregnant = _pregnancy(ctx, dx)
    if dx.breastfeeding_sources:
        f.breastfeeding = present(True, dx.breastfeeding_sources)
    f.ecog = _ecog(ctx)
    f.bowel_movements = _count(ctx, "bowel-movements", "bowel movements")
    f.flushing = _count(ctx, "flushing", "flushing episodes")
    f.labs = _labs(ctx)
    f.symptoms = {k: present(True, v) for k, v in dx.symptoms.items()}
    return f
