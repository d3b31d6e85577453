"""Which resources the rules read: cheap dict-level triage, then R4B validation of the chosen few.

A hook call may carry thousands of resources (years of routine labs, vitals and depot injections),
while the picture reads a few dozen. R4B validation costs ~70 µs a resource, reading a code or a
date from the dict well under 1 µs. So, in one linear pass:

1. every resource is triaged at dict level: type, the value-set entry of its code, status, date;
   resources no value set names are dropped here, unvalidated and unread;
2. per fact, the candidates that can decide it are picked:

   - Observations whose latest readable result is the fact (labs, vitals, ECOG, SSTR/FDG imaging,
     resectability, hepatic burden, pregnancy status, daily counts, gastric NET type): the results of the latest date
     (not after ``as_of``) whose value the extractor can read; chromogranin A also the previous
     result in the same unit (trend); bilirubin also the latest one carrying an upper limit;
   - Observations whose whole series matters (Ki-67, mitoses, grade, morphology, differentiation,
     TNM staging, disease status, tumour size (its history gives the growth rate), refusals): all of them;
   - medication records of one drug concept, kind and status: the first, the earliest start, the
     latest end, the most recent, the first with dose text, a current one, and all future-dated
     ones (and every dose of PRRT and of chemotherapy, which the course counts);
   - Conditions and Procedures in the value sets, and the Patient: all;

3. only the picked resources are validated, and of those only the elements the readers read
   (``fhir_adapter.ElementValidator``); one that fails is skipped, counted in
   ``invalid_resources``, and the next candidate for its fact is taken instead.

The extractors then run on this subset unchanged, and reach the same facts they would on everything.
"""
from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from datetime import date

from service.data import fhir_adapter as fa, limits
from service.data.limits import MAX_CODINGS
from service.picture import declined, disease, fitness, primary, therapy
from service.picture.context import Context
from service.picture.diagnosis import relevant_condition
from service.picture.facts import VALID_OBSERVATION_STATUSES
from service.picture.model import TherapyStatus
from service.picture.reports import read as report_reader
from service.picture.terminology import Entry, Terminology, normalize_unit

_UNSEEN = object()
_SERIES = object()          # an Observation code whose whole series is read
_UNDATED = 1 << 40          # sorts after every (negated) date ordinal
_READ_ERRORS = (ValueError, TypeError, KeyError, AttributeError, IndexError)


@dataclass(frozen=True, slots=True)
class _Key:
    """One fact decided by the latest readable Observation."""

    name: str
    # Cheap dict-level "could carry this value": the top-level elements the Observation must
    # have. Element names rather than a predicate, so the triage loop tests them inline (``in``
    # on the resource dict) instead of calling a function per Observation.
    needs: tuple[str, ...]
    readable: Callable[[fa.ObservationRec], bool]       # the extractor would use this value
    trend: bool = False                                 # also the previous result in the same unit


_ANY: tuple[str, ...] = ()
_QUANTITY = ("valueQuantity",)
_COMPONENTS = ("component",)
_REFERENCE_RANGE = ("referenceRange", "valueQuantity")


def _latest_keys(ctx: Context, entry: Entry) -> tuple[_Key, ...] | None:
    """The facts an Observation with this entry decides as "latest readable"; None = read the whole series."""
    term = ctx.term
    role = str(entry.get("role"))
    if role == "lab":
        lab = str(entry.get("lab"))
        keys = [_Key(lab, _QUANTITY, lambda o: fitness.lab_readable(term, lab, o.quantity),
                     trend=lab == "chromogranin_a")]
        if lab == "bilirubin":
            keys.append(_Key("bilirubin_uln", _REFERENCE_RANGE, lambda o: fitness.uln_readable(term, o)))
        return tuple(keys)
    if role == "bp-panel":
        def component(name: str) -> Callable[[fa.ObservationRec], bool]:
            return lambda o: any(lab == name and fitness.lab_readable(term, lab, q)
                                 for lab, q in fitness.bp_components(term, o))
        return (_Key("systolic_bp", _COMPONENTS, component("systolic_bp")),
                _Key("diastolic_bp", _COMPONENTS, component("diastolic_bp")))
    readers: dict[str, Callable[[fa.ObservationRec], bool]] = {
        "ecog": lambda o: fitness.ecog_value(o) is not None,
        "karnofsky": lambda o: fitness.karnofsky_value(o) is not None,
        "bowel-movements": lambda o: fitness.count_value(o) is not None,
        "flushing": lambda o: fitness.count_value(o) is not None,
        "pregnancy-status": lambda o: ctx.answer(o.concept, "pregnant") is not None,
        "hepatic-burden": lambda o: disease.number_readable(o, "%"),
        "resectability": lambda o: ctx.answer(o.concept, "resectability") is not None,
        "sstr": lambda o: disease.sstr_value(ctx, o) is not None,
        "fdg": lambda o: disease.fdg_value(ctx, o) is not None,
        "gastric-type": lambda o: primary.gastric_type_value(ctx, o) is not None,
    }
    reader = readers.get(role)
    return None if reader is None else (_Key(role, _ANY, reader),)


class _Selection:
    """Validation and reading of resources by their position, each at most once."""

    def __init__(self, resources: Sequence[dict], medications: dict[str, dict]):
        self.resources = resources
        self.medications = medications
        self._valid: dict[int, bool] = {}
        self._obs: dict[int, fa.ObservationRec | None] = {}
        self.chosen: set[int] = set()
        self.invalid = 0
        self._validator = fa.ElementValidator()
        self.refs: dict[int, str] = {}     # position -> reference of an Observation carried inside another

    def valid(self, i: int) -> bool:
        ok = self._valid.get(i)
        if ok is None:
            ok = self._valid[i] = self._validator.valid(self.resources[i])
            if not ok:
                self.invalid += 1
        return ok

    def observation(self, i: int) -> fa.ObservationRec | None:
        if i not in self._obs:
            try:
                rec = fa.read_observation(self.resources[i])
                ref = self.refs.get(i)
                self._obs[i] = rec if ref is None else replace(rec, ref=ref)
            except _READ_ERRORS:
                self._obs[i] = None
        return self._obs[i]


def _targets(ctx: Context, system: object, value: object, key_cache: dict,
             pools: dict[str, tuple[_Key, list[tuple[int, int]]]]) -> object:
    """Where Observations with this code go: None (not read), _SERIES, or ((needs, pool), ...)."""
    if not isinstance(system, str) or not isinstance(value, str):
        return None
    entry = ctx.term.lookup("observation", system, value)
    if entry is None or entry.get("role") == "panel":
        return None          # not read by code (a panel is read through its parts)
    keys = key_cache.get(id(entry), ())
    if keys == ():
        keys = key_cache[id(entry)] = _latest_keys(ctx, entry)
    if keys is None:
        return _SERIES
    return tuple((k.needs, pools.setdefault(k.name, (k, []))[1]) for k in keys)


_FUTURE = object()           # an Observation dated after as_of


def _sort_key(when: date | None, as_of: date) -> object:
    """An Observation's place in its pool: -ordinal (latest first), _UNDATED, or _FUTURE (dropped)."""
    if when is None:
        return _UNDATED
    if when > as_of:
        return _FUTURE
    return -when.toordinal()


def _walk(sel: _Selection, key: _Key, items: list[tuple[int, int]]) -> None:
    """Choose the latest readable, valid results for one fact (see the module docstring).

    ``items`` are (-ordinal of the date, position), or (_UNDATED, position).
    """
    items.sort()
    dated = [t for t in items if t[0] != _UNDATED]
    undated = [t for t in items if t[0] == _UNDATED]
    groups: list[list[int]] = []
    last: int | None = None
    for d, i in dated:
        if not groups or d != last:
            groups.append([])
            last = d
        groups[-1].append(i)
    if undated:
        groups.append([i for _, i in undated])
    unread: int | None = None   # one valid but unreadable result, kept for the fact's "not used" note
    found: list[fa.ObservationRec] = []
    rest = iter(range(len(groups)))
    for g in rest:
        for i in groups[g]:
            rec = sel.observation(i)
            if rec is None:
                continue
            if not key.readable(rec):
                if unread is None and sel.valid(i):
                    unread = i
                continue
            if sel.valid(i):
                sel.chosen.add(i)
                found.append(rec)
        if found:
            break
    if not found:
        if unread is not None:
            sel.chosen.add(unread)
        return
    if not key.trend or groups[g] is groups[-1] and undated:
        return
    q = found[-1].quantity
    unit = normalize_unit((q.unit or q.code) if q is not None else "")
    for g in rest:
        if undated and groups[g] is groups[-1]:
            break   # the trend needs dated results
        hit = False
        for i in groups[g]:
            rec = sel.observation(i)
            if rec is None or not key.readable(rec) or rec.quantity is None:
                continue
            if normalize_unit(rec.quantity.unit or rec.quantity.code) == unit and sel.valid(i):
                sel.chosen.add(i)
                hit = True
        if hit:
            return


def _choose_medications(sel: _Selection, ctx: Context, indices: list[int]) -> None:
    term, as_of = ctx.term, ctx.as_of
    admin_days = int(term.parameter("current_administration_days"))  # type: ignore[arg-type]
    classified: dict[tuple, tuple[Entry | None, frozenset[str]]] = {}
    groups: dict[tuple, list[tuple[int, fa.MedicationRec, bool, bool]]] = {}
    for i in indices:
        r = sel.resources[i]
        try:
            if not therapy.relevant_medication(term, r):
                continue
            rec = fa.read_medication(r, sel.medications)
            refused = declined.refusal_dict(term, r)
        except _READ_ERRORS:
            continue
        if refused:
            # a declined therapy (few such records): read it whatever its status
            if sel.valid(i):
                sel.chosen.add(i)
            if rec.status != "stopped":
                continue   # never an exposure
        status = therapy._med_status(rec, as_of)
        if status is None:
            continue
        concept_key = (rec.medication.codings, rec.medication.text)
        cls = classified.get(concept_key)
        if cls is None:
            entry, _ = therapy._classify_med(term, rec.medication)
            cls = classified[concept_key] = (entry, therapy._flags(term, rec.medication)[0])
        entry, flags = cls
        if not flags and (entry is None or entry.get("exclude")):
            continue   # neither a therapy nor an interaction flag: never read
        # every dose of a course counted in cycles (PRRT, chemotherapy) is read: the course counts them
        prrt = entry is not None and (entry.get("agent") in therapy.CYCLIC_AGENTS
                                      or therapy._lo(entry.get("prrt")) is True)
        current = status == TherapyStatus.ACTIVE or (
            rec.kind == "MedicationAdministration" and rec.start is not None
            and rec.start <= as_of and (as_of - rec.start).days <= admin_days)
        groups.setdefault((concept_key, rec.kind, status), []).append((i, rec, prrt, current))

    def start(item: tuple) -> date:
        return item[1].start or item[1].authored or date.min

    def end(item: tuple) -> date:
        rec = item[1]
        return (rec.end or rec.start if rec.kind == "MedicationAdministration" else rec.end) or date.min

    def latest(item: tuple) -> date:
        rec = item[1]
        e = rec.end or rec.start if rec.kind == "MedicationAdministration" else rec.end
        return e or rec.start or rec.authored or date.min

    for items in groups.values():
        pool = list(items)
        while pool:
            picks = {pool[0][0], min(pool, key=start)[0], max(pool, key=end)[0], max(pool, key=latest)[0]}
            picks.update(next(([it[0]] for it in pool if it[1].dose_text), []))
            picks.update(next(([it[0]] for it in pool if it[3]), []))
            picks.update(it[0] for it in pool if it[2] or (it[1].start is not None and it[1].start > as_of))
            bad = {i for i in picks if not sel.valid(i)}
            if not bad:
                sel.chosen.update(picks)
                break
            pool = [it for it in pool if it[0] not in bad]


def select(resources: Sequence[object], ctx: Context) -> fa.AdaptedRecord:
    """Triage every resource at dict level, validate only the ones the facts need, read those."""
    # Positions index ``resources`` itself (no filtered copy): the triage pass skips what is not
    # a dict, so nothing else is ever chosen, validated or read.
    if type(resources) is not tuple and type(resources) is not list:
        resources = tuple(resources)        # any other iterable: positions need a sequence
    medications: dict[str, dict] = {}       # filled by the triage pass below, read only after it
    sel = _Selection(resources, medications)  # type: ignore[arg-type]
    term, as_of = ctx.term, ctx.as_of
    key_cache: dict[int, tuple[_Key, ...] | None] = {}
    # system -> code -> where it goes (codes repeat: a routine series is a few codes many
    # times). Two plain dict lookups, no (system, code) tuple built per Observation.
    memo: dict[object, dict[object, object]] = {}
    parse_date = fa.parse_date
    # effectiveDateTime text -> its sort key (see _sort_key), each distinct text parsed once a
    # call: routine series repeat the same dates across many codes.
    sort_keys: dict[str, object] = {}
    pools: dict[str, tuple[_Key, list[tuple[int, int]]]] = {}
    series: list[int] = []
    conditions: list[int] = []
    meds: list[int] = []
    procedures: list[int] = []
    patients: list[int] = []
    panels: list[int] = []          # Observations of no known code with components or members (panels)
    reports: list[int] = []         # DiagnosticReports
    statuses = VALID_OBSERVATION_STATUSES
    medication_types = fa.MEDICATION_TYPES
    unseen = _UNSEEN
    # Runs once per resource (thousands on a large call): what it reads is bound to locals,
    # and the common case (an Observation) is tested first.
    for i, r in enumerate(resources):
        if type(r) is not dict and not isinstance(r, dict):
            continue
        rtype = r.get("resourceType")
        if rtype == "Observation":
            status = r.get("status")
            if type(status) is not str or status not in statuses:   # a list or object: not a status
                continue
            code = r.get("code")
            if not isinstance(code, dict):
                continue
            targets = None
            codings = code.get("coding")
            if type(codings) is not list:
                codings = ()
            elif len(codings) > MAX_CODINGS:
                codings = codings[:MAX_CODINGS]
            for c in codings:
                if isinstance(c, dict):
                    system = c.get("system")
                    value = c.get("code")
                    if not (_is_text(system) and _is_text(value)):
                        continue    # a list or object where a uri/code belongs: names no code
                    by_code = memo.get(system)
                    if by_code is None:
                        by_code = memo[system] = {}
                    targets = by_code.get(value, unseen)
                    if targets is unseen:
                        targets = by_code[value] = _targets(ctx, system, value, key_cache, pools)
                    if targets is not None:
                        break
            if targets is None:
                if "component" in r or "hasMember" in r:
                    panels.append(i)
                continue
            if targets is _SERIES:
                series.append(i)
                continue
            text = r.get("effectiveDateTime")
            if isinstance(text, str):
                sort_key = sort_keys.get(text, unseen)
                if sort_key is unseen:
                    sort_key = sort_keys[text] = _sort_key(parse_date(text), as_of)
            else:
                sort_key = _sort_key(fa.observation_date(r), as_of)
            if sort_key is _FUTURE:
                continue   # not yet known on as_of: never chosen
            item = (sort_key, i)
            for needs, pool in targets:  # type: ignore[union-attr]
                for name in needs:
                    if name not in r:
                        break
                else:
                    pool.append(item)
        elif rtype == "Condition":
            try:
                if relevant_condition(ctx, r):
                    conditions.append(i)
            except _READ_ERRORS:
                continue
        elif rtype in medication_types:
            meds.append(i)
        elif rtype == "Procedure":
            try:
                if therapy.relevant_procedure(term, r):
                    procedures.append(i)
            except _READ_ERRORS:
                continue
        elif rtype == "Patient":
            patients.append(i)
        elif rtype == "Medication" and isinstance(r.get("id"), str):
            medications[f"Medication/{r['id']}"] = r
        elif rtype == "DiagnosticReport":
            reports.append(i)

    if not conditions:
        # No Condition in the value sets: no NEN can be diagnosed (the scope comes from
        # Conditions), so the picture is Scope.NONE whatever the labs and medications say.
        # Nothing else is validated or read.
        return fa.AdaptedRecord()
    # the same resource twice (two feeds, a retried page): read once
    conditions, procedures, meds, reports = (_once(resources, ix) for ix in (conditions, procedures, meds, reports))
    parts = _panel_and_report_parts(resources, panels, reports)
    if parts:
        # read like any Observation: their positions follow the resources' own
        base = len(resources)
        resources = sel.resources = [*resources, *(r for r, _ in parts)]
        for k, (r, ref) in enumerate(parts):
            sel.refs[base + k] = ref
            _place(ctx, r, base + k, memo, key_cache, pools, series)
    for key, items in pools.values():
        _walk(sel, key, items)
    sel.chosen.update(i for i in series if sel.valid(i))
    sel.chosen.update(i for i in conditions + procedures if sel.valid(i))
    _choose_medications(sel, ctx, meds)
    patient_index = next((i for i in patients if sel.valid(i)), None)
    report_recs, report_results = _choose_reports(sel, ctx, reports, memo, key_cache, pools)
    return _read(sel, patient_index, report_recs, report_results)


# --------------------------------------------------------------------------- panels and reports


def _is_text(value: object) -> bool:
    """A str or absent: what a code, system, status or id may be (anything else is unhashable or wrong)."""
    return value is None or type(value) is str


def _once(resources: Sequence[dict], indices: list[int]) -> list[int]:
    """``indices`` without a second copy of the same resource (type and id)."""
    seen: set[tuple[object, object]] = set()
    out = []
    for i in indices:
        r = resources[i]
        key = (r.get("resourceType"), r.get("id"))
        if not (_is_text(key[0]) and _is_text(key[1])):
            out.append(i)     # no usable id (none, or a list/object): cannot be a second copy
        elif key[1] is None or key not in seen:
            seen.add(key)
            out.append(i)
    return out


def _panel_and_report_parts(resources: Sequence[dict], panels: list[int], reports: list[int]
                            ) -> list[tuple[dict, str]]:
    """Observations carried inside others (``fhir_adapter.observation_parts``): a panel's components and
    contained members, a report's contained results; with the panel's or report's reference."""
    parts: list[tuple[dict, str]] = []
    for i in panels:
        parts.extend(fa.observation_parts(resources[i]))
    for i in reports:
        parts.extend(fa.observation_parts(resources[i]))
    return parts


def _place(ctx: Context, r: dict, i: int, memo: dict, key_cache: dict,
           pools: dict[str, tuple[_Key, list[tuple[int, int]]]], series: list[int]) -> None:
    """The triage of one Observation (the loop in :func:`select`, for Observations found inside others)."""
    status = r.get("status")
    if type(status) is not str or status not in VALID_OBSERVATION_STATUSES:
        return
    code = r.get("code")
    targets = None
    for c in limits.items(code.get("coding"), MAX_CODINGS) if isinstance(code, dict) else ():
        if isinstance(c, dict) and _is_text(c.get("system")) and _is_text(c.get("code")):
            by_code = memo.setdefault(c.get("system"), {})
            targets = by_code.get(c.get("code"), _UNSEEN)
            if targets is _UNSEEN:
                targets = by_code[c.get("code")] = _targets(ctx, c.get("system"), c.get("code"), key_cache, pools)
            if targets is not None:
                break
    if targets is None:
        return
    if targets is _SERIES:
        series.append(i)
        return
    sort_key = _sort_key(fa.observation_date(r), ctx.as_of)
    if sort_key is _FUTURE:
        return
    for needs, pool in targets:  # type: ignore[union-attr]
        if all(name in r for name in needs):
            pool.append((sort_key, i))


def _choose_reports(sel: _Selection, ctx: Context, reports: list[int], memo: dict, key_cache: dict, pools: dict
                    ) -> tuple[tuple[fa.ReportRec, ...], dict[str, tuple[fa.ObservationRec, ...]]]:
    """The readable reports (newest first) and the narratives of their results that no code table reads."""
    chosen: list[tuple[int, fa.ReportRec]] = []
    for i in reports:
        try:
            rec = fa.read_report(sel.resources[i])
        except _READ_ERRORS:
            continue
        if report_reader.readable(ctx.term, rec, ctx.as_of) is None or not sel.valid(i):
            continue
        chosen.append((i, rec))
    if not chosen:
        return (), {}
    chosen.sort(key=lambda item: item[1].date or date.min, reverse=True)
    chosen = chosen[:REPORT_LIMIT]
    wanted: dict[str, list[str]] = {}                  # Observation id -> report refs
    for _, rec in chosen:
        for ref in rec.results:
            if ref.startswith("Observation/"):
                wanted.setdefault(ref.split("/", 1)[1], []).append(rec.ref)
    results: dict[str, list[fa.ObservationRec]] = {}
    if wanted:
        for j, r in enumerate(sel.resources):
            if type(r) is dict and r.get("resourceType") == "Observation" and r.get("id") in wanted:
                for report_ref in wanted[r["id"]]:
                    obs = _narrative(sel, ctx, j, memo, key_cache, pools)
                    if obs is not None:
                        results.setdefault(report_ref, []).append(obs)
    for i, rec in chosen:
        report = sel.resources[i]
        for member in fa.contained_observations(report, report.get("result")):
            try:
                if sel._validator.valid(member) and not _known_code(ctx, member, memo, key_cache, pools):
                    results.setdefault(rec.ref, []).append(fa.read_observation(member))
            except _READ_ERRORS:
                continue
    return tuple(rec for _, rec in chosen), {k: tuple(v) for k, v in results.items()}


REPORT_LIMIT = 50


def _known_code(ctx: Context, r: dict, memo: dict, key_cache: dict, pools: dict) -> bool:
    code = r.get("code")
    for c in limits.items(code.get("coding"), MAX_CODINGS) if isinstance(code, dict) else ():
        if isinstance(c, dict) and _targets(ctx, c.get("system"), c.get("code"), key_cache, pools) is not None:
            return True
    return False


def _narrative(sel: _Selection, ctx: Context, j: int, memo: dict, key_cache: dict, pools: dict
               ) -> fa.ObservationRec | None:
    """A report result that no code table reads: its name and value become report text."""
    r = sel.resources[j]
    status = r.get("status")
    if type(status) is not str or status not in VALID_OBSERVATION_STATUSES or _known_code(ctx, r, memo, key_cache, pools):
        return None
    if not sel.valid(j):
        return None
    return sel.observation(j)


def _read(sel: _Selection, patient_index: int | None, reports: tuple[fa.ReportRec, ...] = (),
          report_results: dict[str, tuple[fa.ObservationRec, ...]] | None = None) -> fa.AdaptedRecord:
    patient = fa.read_patient(sel.resources[patient_index]) if patient_index is not None else None
    conditions: list[fa.ConditionRec] = []
    observations: list[fa.ObservationRec] = []
    medications: list[fa.MedicationRec] = []
    procedures: list[fa.ProcedureRec] = []
    counts: dict[str, int] = {"Patient": 1} if patient is not None else {}
    invalid = sel.invalid
    for i in sorted(sel.chosen):
        r = sel.resources[i]
        rtype = r["resourceType"]
        try:
            if rtype == "Observation":
                rec = sel.observation(i)
                if rec is None:
                    raise ValueError("unreadable observation")
                observations.append(rec)
            elif rtype == "Condition":
                conditions.append(fa.read_condition(r))
            elif rtype == "Procedure":
                procedures.append(fa.read_procedure(r))
            else:
                medications.append(fa.read_medication(r, sel.medications))
        except _READ_ERRORS:
            invalid += 1
            continue
        counts[rtype] = counts.get(rtype, 0) + 1
    if reports:
        counts["DiagnosticReport"] = len(reports)
    return fa.AdaptedRecord(patient, tuple(conditions), tuple(observations), tuple(medications),
                            tuple(procedures), invalid, counts,
                            reports, report_results or {})
