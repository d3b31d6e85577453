"""Therapy history and current medications.

Medication orders, statements and administrations (coded RxNorm/HCPCS, contained Medication, or drug
names in text) and Procedures are merged into one :class:`Therapy` per therapy class and drug. Planned
orders never count as "had"; entered-in-error and not-taken/not-done records, and orders cancelled because
the patient refused, are ignored (``service.picture.declined`` reads those as declined therapies).

Each Therapy is a course: start, end, the dose dates (administrations and procedures; for PRRT also a
completed single-date statement or order, since a PRRT dose is often recorded only that way), the number
of doses (the dose dates, or a count the dosage text states, "4 cycles", when that says more), the last
dose, the first documented progression after the start, the days from the last dose (else the end) to it,
and the best response documented before it. Records of one dose a few days apart (an order and its
administration) count once (``course_same_dose_days``).

While a drug is taken, the records that are active now say what the patient takes: the dose text, the codes
and the name come from them, not from an earlier order that was stopped (a stopped 500 mg order beside an
active 250 mg order is 250 mg). A drug is a current medication (interaction checks) through an active
record, or an administration within ``current_administration_days`` that no later stopped or completed
record of the same drug ends.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date
from functools import lru_cache

from service.data import limits
from service.data.fhir_adapter import Concept, MedicationRec, ProcedureRec
from service.picture import declined
from service.picture.context import Context
from service.picture.reports import cues
from service.picture.dates import open_end, shift
from service.picture.facts import absent_fact, present
from service.picture.model import (
    Agent,
    DiseaseStatus,
    Fact,
    FactState,
    Medication,
    Procedure,
    Source,
    Therapy,
    TherapyStatus,
)
from service.picture.terminology import Entry, Terminology

IGNORED_MED_STATUS = frozenset({"entered-in-error", "not-taken", "not-done"})
IGNORED_PROC_STATUS = frozenset({"entered-in-error", "not-done"})
PLANNED_INTENTS = frozenset({"proposal", "plan"})

_REQUEST_STATUS = {"active": TherapyStatus.ACTIVE, "completed": TherapyStatus.COMPLETED,
                   "stopped": TherapyStatus.STOPPED, "cancelled": TherapyStatus.STOPPED,
                   "on-hold": TherapyStatus.STOPPED, "draft": TherapyStatus.PLANNED}
_STATEMENT_STATUS = {"active": TherapyStatus.ACTIVE, "completed": TherapyStatus.COMPLETED,
                     "stopped": TherapyStatus.STOPPED, "on-hold": TherapyStatus.STOPPED,
                     "intended": TherapyStatus.PLANNED}
_ADMIN_STATUS = {"completed": TherapyStatus.COMPLETED, "in-progress": TherapyStatus.ACTIVE,
                 "stopped": TherapyStatus.STOPPED, "on-hold": TherapyStatus.STOPPED}
_PROC_STATUS = {"completed": TherapyStatus.COMPLETED, "in-progress": TherapyStatus.ACTIVE,
                "stopped": TherapyStatus.STOPPED, "preparation": TherapyStatus.PLANNED,
                "on-hold": TherapyStatus.PLANNED}


@dataclass(slots=True)
class TherapyHistory:
    therapies: tuple[Therapy, ...] = ()
    procedures: tuple[Procedure, ...] = ()
    current_medications: tuple[Medication, ...] = ()
    r0_resection: Fact = field(default_factory=Fact.missing)
    newly_diagnosed: Fact = field(default_factory=Fact.missing)
    bilio_enteric_anastomosis: Fact = field(default_factory=Fact.missing)
    next_prrt_date: Fact = field(default_factory=Fact.missing)


# --------------------------------------------------------------------------- cheap relevance checks


def _codings(value: object) -> list[tuple[str, str]]:
    if not isinstance(value, dict):
        return []
    return [(c["system"], c["code"]) for c in limits.items(value.get("coding"), limits.MAX_CODINGS)
            if isinstance(c, dict) and isinstance(c.get("system"), str) and isinstance(c.get("code"), str)]


def _med_concept_dict(resource: dict) -> list[dict]:
    out = []
    if isinstance(resource.get("medicationCodeableConcept"), dict):
        out.append(resource["medicationCodeableConcept"])
    for c in limits.items(resource.get("contained")):
        if isinstance(c, dict) and c.get("resourceType") == "Medication" and isinstance(c.get("code"), dict):
            out.append(c["code"])
    ref = resource.get("medicationReference")
    if isinstance(ref, dict) and isinstance(ref.get("display"), str):
        out.append({"text": ref["display"]})
    return out


def _text_of(cc: dict) -> str:
    parts = [cc.get("text")] + [c.get("display") for c in limits.items(cc.get("coding"), limits.MAX_CODINGS)
                                if isinstance(c, dict)]
    return " ".join(limits.text(p) for p in parts if isinstance(p, str))


def relevant_medication(term: Terminology, resource: dict) -> bool:
    if isinstance(resource.get("medicationReference"), dict) and str(
            resource["medicationReference"].get("reference", "")).startswith("Medication/"):
        return True   # the referenced Medication is resolved during adaptation; decided afterwards
    for cc in _med_concept_dict(resource):
        for system, code in _codings(cc):
            if term.lookup("medication", system, code) or term.lookup("medication_flag", system, code):
                return True
        text = _text_of(cc)
        if term.match_text("medication_text", text) or term.match_text("medication_flag_text", text):
            return True
    return False


def relevant_procedure(term: Terminology, resource: dict) -> bool:
    cc = resource.get("code")
    for system, code in _codings(cc):
        if term.lookup("procedure", system, code):
            return True
    return isinstance(cc, dict) and term.match_text("procedure_text", _text_of(cc)) is not None


# --------------------------------------------------------------------------- classification


def _classify_med(term: Terminology, med: Concept) -> tuple[Entry | None, tuple[str, ...]]:
    codes = tuple(f"{c.system}|{c.code}" for c in med.codings)
    # the most specific code wins: a product code (SCD/SBD) over an ingredient
    found: list[Entry] = []
    for c in med.codings:
        e = term.lookup("medication", c.system, c.code)
        if e is not None:
            found.append(e)
    if found:
        excluded = [e for e in found if e.get("exclude")]
        if excluded:
            return excluded[0], codes
        specific = [e for e in found if e.get("long_acting") is not None] or found
        return specific[0], codes
    return term.match_text("medication_text", med.all_text), codes


def _flags(term: Terminology, med: Concept) -> tuple[frozenset[str], tuple[tuple[str, str], ...], str | None]:
    """The record's flags, which drug carries each (flag, drug), and the drug its coding names.

    A coded flag belongs to the coded drug; a flag read from the text belongs to the drug word the text names
    (a record "rifampicin 600 mg (with levofloxacin)" is QT-prolonging because of levofloxacin)."""
    flags: set[str] = set()
    carriers: list[tuple[str, str]] = []
    coded: str | None = None
    for c in med.codings:
        e = term.lookup("medication_flag", c.system, c.code)
        if e is not None:
            coded = coded or (str(e.get("drug")) if e.get("drug") else None)
            for f in e.get("flags") or ():
                flags.add(str(f))
                carriers.append((str(f), str(e.get("drug") or _med_name(med))))
    # every matching pattern counts: one drug can carry several flags (clarithromycin: strong CYP3A4
    # inhibitor and QT-prolonging), each on its own list
    for e, word in current_mentions(term, med.all_text):
        for f in e.get("flags") or ():
            flags.add(str(f))
            if not any(flag == str(f) for flag, _ in carriers):
                carriers.append((str(f), word))
    return frozenset(flags), tuple(dict.fromkeys(carriers)), coded


_SCOPE_END = re.compile(r"[;\n]|\.(?:\s|$)")


@lru_cache(maxsize=8)
def _mention_cues(term: Terminology) -> tuple[re.Pattern[str], re.Pattern[str], re.Pattern[str], int]:
    p = term.parameter
    return (cues.phrases(list(p("medication_text_not_current_before"))),  # type: ignore[arg-type]
            cues.phrases(list(p("medication_text_not_current_after"))),  # type: ignore[arg-type]
            cues.phrases(list(p("medication_text_current"))),  # type: ignore[arg-type]
            int(p("medication_text_scope_chars")["value"]  # type: ignore[index]
                if isinstance(p("medication_text_scope_chars"), dict) else p("medication_text_scope_chars")))


def current_mentions(term: Terminology, text: str) -> tuple[tuple[Entry, str], ...]:
    """The interaction-flag entries ``text`` names as current, each with the drug word it matched (the first
    current mention). A mention the text says was stopped, completed, or is history ("rifampicin stopped 2 weeks
    ago", "previously on carbamazepine") is not current; its scope ends at the neighbouring drug mention, ";",
    "." or a line end (``medication_text_*`` cue lists). A cue of current use in the scope ("restarted") keeps it."""
    spans = term.match_all_spans("medication_flag_text", text)
    if not spans:
        return ()
    before_cue, after_cue, current_cue, window = _mention_cues(term)
    starts = sorted({a for _, a, _ in spans})
    out: dict[int, tuple[Entry, str]] = {}
    for e, a, b in spans:
        if id(e) in out:
            continue
        lo = max([x for x in starts if x < a] + [0, a - window])
        for m in _SCOPE_END.finditer(text, lo, a):
            lo = max(lo, m.end())
        hi = min([x for x in starts if x > a] + [len(text), b + window])
        end = _SCOPE_END.search(text, b, hi)
        if end is not None:
            hi = end.start()
        before, after = text[lo:a], text[b:hi]
        stopped = before_cue.search(before) is not None or after_cue.search(after) is not None
        if stopped and current_cue.search(before + " " + after) is None:
            continue
        w0, w1 = a, b
        while w0 > 0 and (text[w0 - 1].isalnum() or text[w0 - 1] in "-'"):
            w0 -= 1
        while w1 < len(text) and (text[w1].isalnum() or text[w1] in "-'"):
            w1 += 1
        out[id(e)] = (e, text[w0:w1].strip().lower() or text[a:b].lower())
    order = {id(e): i for i, e in enumerate(term.entries("medication_flag_text"))}   # the table's order
    return tuple(v for _, v in sorted(out.items(), key=lambda kv: order.get(kv[0], 0)))


def _med_status(rec: MedicationRec, as_of: date) -> TherapyStatus | None:
    if rec.status in IGNORED_MED_STATUS:
        return None
    if rec.kind == "MedicationRequest":
        if rec.intent in PLANNED_INTENTS:
            return TherapyStatus.PLANNED
        status = _REQUEST_STATUS.get(rec.status, TherapyStatus.UNKNOWN)
    elif rec.kind == "MedicationStatement":
        status = _STATEMENT_STATUS.get(rec.status, TherapyStatus.UNKNOWN)
    else:
        status = _ADMIN_STATUS.get(rec.status, TherapyStatus.UNKNOWN)
    if status == TherapyStatus.ACTIVE:
        if rec.start is not None and rec.start > as_of:
            return TherapyStatus.PLANNED
        if rec.end is not None and rec.end < as_of:
            return TherapyStatus.COMPLETED
    return status


@dataclass(slots=True)
class _Exposure:
    agent: Agent
    drug: str
    status: TherapyStatus
    start: date | None
    end: date | None
    ref: str | None
    long_acting: bool | None
    dose_text: str
    codes: tuple[str, ...]
    is_admin: bool = False
    prrt_dose: bool = False
    kind: str = ""
    dose_mg: float | None = None       # the structured dose of one administration, in mg (None: not structured)
    per_day: float | None = None       # administrations per day (None: not structured)


def _med_key(term: Terminology, entry: Entry | None, med: Concept, codes: tuple[str, ...], name: str) -> str:
    """One key per drug, whatever record names it: the drug the medication table gives (a product or its
    ingredient code), else the drug of a flagged code (an interacting medicine), else the first code, else
    the name."""
    if entry is not None and not entry.get("exclude") and entry.get("drug"):
        return "drug:" + str(entry.get("drug")).split(" (")[0].lower()
    for c in med.codings:
        e = term.lookup("medication_flag", c.system, c.code)
        if e is not None and e.get("drug"):
            return "drug:" + str(e.get("drug")).lower()
    return codes[0] if codes else name.lower()


def _med_name(med: Concept) -> str:
    return (med.text or next((c.display for c in med.codings if c.display), "")
            or next((c.code for c in med.codings), "") or "medication")[:80]


def _lo(value: object) -> bool | None:
    if value is None:
        return None
    return value is True or value == "yes"


# --------------------------------------------------------------------------- main


def read(ctx: Context, progression_events: tuple[date, ...], status_dates: tuple[date, ...] = (),
         status_events: tuple[tuple[date, DiseaseStatus, Source], ...] = ()) -> TherapyHistory:
    term = ctx.term
    as_of = ctx.as_of
    exposures: list[_Exposure] = []
    # current medications: per drug, the active records (first) and recent administrations; a later stopped
    # or completed record of the same drug ends an administration's claim to be current
    active_meds: dict[str, Medication] = {}
    recent_admins: dict[str, tuple[date, Medication]] = {}
    ended: dict[str, date] = {}
    admin_days = int(term.parameter("current_administration_days"))  # type: ignore[arg-type]
    for rec in ctx.record.medications:
        status = _med_status(rec, as_of)
        if status is None or declined.refused_cancellation(ctx, rec):
            continue
        entry, codes = _classify_med(term, rec.medication)
        flags, carriers, coded = _flags(term, rec.medication)
        name = _med_name(rec.medication)
        if flags or (entry is not None and not entry.get("exclude")):
            key = _med_key(term, entry, rec.medication, codes, name)
            med = Medication(name, codes, rec.ref or None, flags, rec.start or rec.authored, carriers, coded)
            if status == TherapyStatus.ACTIVE:
                active_meds.setdefault(key, med)
            elif (rec.kind == "MedicationAdministration" and rec.start and rec.start <= as_of
                  and (as_of - rec.start).days <= admin_days):
                if key not in recent_admins or recent_admins[key][0] < rec.start:
                    recent_admins[key] = (rec.start, med)
            if status in (TherapyStatus.STOPPED, TherapyStatus.COMPLETED) and rec.kind != "MedicationAdministration":
                when = open_end(rec.end) or rec.start or rec.authored
                if when is not None and (key not in ended or ended[key] < when):
                    ended[key] = when
        if entry is None or entry.get("exclude") or not entry.get("agent"):
            continue
        try:
            agent = Agent(str(entry.get("agent")))
        except ValueError:
            continue
        start = rec.start or rec.authored
        end = open_end(rec.end)
        if rec.kind == "MedicationAdministration":
            end = rec.end or rec.start
        exposures.append(_Exposure(agent, str(entry.get("drug") or name), status, start, end, rec.ref or None,
                                   _lo(entry.get("long_acting")) if agent == Agent.SSA else None,
                                   rec.dose_text, codes, rec.kind == "MedicationAdministration",
                                   _lo(entry.get("prrt")) is True, rec.kind,
                                   _dose_mg(rec.dose_value, rec.dose_unit, rec.medication), rec.per_day))
    current: dict[str, Medication] = dict(active_meds)
    for key, (given, med) in recent_admins.items():
        if key not in current and not (key in ended and ended[key] >= given):
            current[key] = med

    procedures: list[Procedure] = []
    r0_sources: list[Source] = []
    r1_sources: list[Source] = []
    bilio: list[Source] = []
    for proc in ctx.record.procedures:
        if proc.status in IGNORED_PROC_STATUS:
            continue
        entry = _classify_proc(term, proc)
        if entry is None:
            continue
        status = _PROC_STATUS.get(proc.status, TherapyStatus.UNKNOWN)
        if status == TherapyStatus.COMPLETED and proc.date is not None and proc.date > as_of:
            status = TherapyStatus.PLANNED
        kind = str(entry.get("kind"))
        display = proc.code.all_text or str(entry.get("drug") or kind)
        text = " ".join([proc.code.all_text, proc.note, proc.outcome.all_text if proc.outcome else ""])
        if status in (TherapyStatus.COMPLETED, TherapyStatus.ACTIVE, TherapyStatus.UNKNOWN):
            procedures.append(Procedure(kind, proc.date, proc.ref or None, display[:80]))
            src = Source(proc.ref or None, proc.date, display[:80])
            if _lo(entry.get("bilio_enteric")):
                bilio.append(src)
            if kind == "r0-resection":
                r0_sources.append(src)
            elif entry.get("agent") == Agent.SURGERY.value:
                r0 = term.match_text("r0_text", text)
                if r0 is not None:
                    (r0_sources if _lo(r0.get("r0")) else r1_sources).append(src)
        if entry.get("agent"):
            agent = Agent(str(entry.get("agent")))
            codes = tuple(f"{c.system}|{c.code}" for c in proc.code.codings)
            exposures.append(_Exposure(agent, str(entry.get("drug") or kind), status, proc.date,
                                       open_end(proc.end) or proc.date, proc.ref or None, None, "", codes, True,
                                       agent == Agent.PRRT, "Procedure"))
    # a resection whose text says R0 is also listed as an "r0-resection"
    r0_refs = {s.reference for s in r0_sources}
    procedures.extend([Procedure("r0-resection", p.date, p.reference, p.display) for p in procedures
                       if p.kind != "r0-resection" and p.reference in r0_refs])

    therapies = _merge(ctx, exposures, progression_events, status_dates, status_events)
    hist = TherapyHistory()
    hist.therapies = therapies
    hist.procedures = tuple(sorted(procedures, key=lambda p: (p.date or date.min, p.kind)))
    hist.current_medications = tuple(current.values())
    procs_unavailable = "procedures" in ctx.unavailable
    if r0_sources and not r1_sources:
        hist.r0_resection = present(True, r0_sources)
    elif r1_sources and not r0_sources:
        hist.r0_resection = present(False, r1_sources, "resection with involved margins")
    elif r0_sources and r1_sources:
        hist.r0_resection = Fact(FactState.CONTRADICTORY, None, tuple(r0_sources + r1_sources),
                                 "resection margins recorded differently")
    else:
        hist.r0_resection = absent_fact(procs_unavailable, "resection")
    hist.bilio_enteric_anastomosis = (present(True, bilio) if bilio
                                      else absent_fact(procs_unavailable, "bilio-enteric anastomosis"))
    hist.newly_diagnosed = _newly_diagnosed(ctx, therapies)
    hist.next_prrt_date = _next_prrt(ctx, exposures)
    return hist


def _classify_proc(term: Terminology, proc: ProcedureRec) -> Entry | None:
    text = " ".join([proc.code.all_text, proc.note]).lower()
    for c in proc.code.codings:
        e = term.lookup("procedure", c.system, c.code)
        if e is not None:
            needs = e.get("needs_text")
            if needs and not re.search(str(needs), text + " " + " ".join(u.all_text for u in proc.used),
                                       re.IGNORECASE):
                continue
            return e
    return term.match_text("procedure_text", proc.code.all_text)


def _merge(ctx: Context, exposures: list[_Exposure], progression_events: tuple[date, ...],
           status_dates: tuple[date, ...],
           status_events: tuple[tuple[date, DiseaseStatus, Source], ...] = ()) -> tuple[Therapy, ...]:
    as_of = ctx.as_of
    active_days = int(ctx.term.parameter("ssa_administration_active_days"))
    grace = int(ctx.term.parameter("progression_grace_days"))
    same_dose = int(ctx.term.parameter("course_same_dose_days"))  # type: ignore[arg-type]
    groups: dict[tuple[Agent, str], list[_Exposure]] = {}
    for e in exposures:
        # an SSA depot and its short-acting form are different exposures; other drugs merge by ingredient
        drug_key = e.drug.lower() if e.agent == Agent.SSA else e.drug.split(" (")[0].split(" ")[0].lower()
        if e.agent in (Agent.PRRT, Agent.SURGERY, Agent.LIVER_DIRECTED, Agent.CAPTEM,
                       Agent.PLATINUM_ETOPOSIDE):
            drug_key = e.agent.value if e.agent in (Agent.PRRT, Agent.CAPTEM, Agent.PLATINUM_ETOPOSIDE) else e.drug
        groups.setdefault((e.agent, drug_key), []).append(e)
    out: list[Therapy] = []
    for (agent, _), items in groups.items():
        started = [i for i in items if i.status != TherapyStatus.PLANNED]
        if not started:
            start = min((i.start for i in items if i.start), default=None)
            out.append(Therapy(agent, items[0].drug, TherapyStatus.PLANNED, start, None,
                               tuple(dict.fromkeys(i.ref for i in items if i.ref)), _long(items),
                               _dose(items), _codes(items), orders=_orders(items),
                               dose_mg=_dose_of(items)[0], doses_per_day=_dose_of(items)[1]))
            continue
        start = min((i.start for i in started if i.start), default=None)
        ends = [i.end for i in started if i.end]
        end = max(ends) if ends else None
        statuses = {i.status for i in started}
        admins = [i for i in started if i.is_admin]
        future_planned = any(i.status == TherapyStatus.PLANNED and i.start and i.start > as_of for i in items)
        if future_planned and agent in (Agent.PRRT, Agent.SSA, Agent.CAPTEM, Agent.PLATINUM_ETOPOSIDE,
                                        Agent.STREPTOZOCIN, Agent.OTHER_CHEMOTHERAPY):
            status = TherapyStatus.ACTIVE        # a course under way: doses given and more scheduled
        elif TherapyStatus.ACTIVE in statuses and not (
                agent in (Agent.SURGERY, Agent.LIVER_DIRECTED) and len(statuses) > 1):
            status = TherapyStatus.ACTIVE
        elif admins and len(admins) == len(started) and agent == Agent.SSA and end is not None \
                and (as_of - end).days <= active_days:
            status = TherapyStatus.ACTIVE
        else:
            latest = max(started, key=lambda i: (i.end or i.start or date.min))
            status = latest.status if latest.status != TherapyStatus.ACTIVE else TherapyStatus.COMPLETED
        if status == TherapyStatus.ACTIVE:
            end = None
        # while the drug is taken, the records active now say what is taken (dose, codes, name): an earlier
        # order that was stopped does not
        live = [i for i in started if i.status == TherapyStatus.ACTIVE] if status == TherapyStatus.ACTIVE else []
        current = live or items
        dose_dates = _dose_dates(agent, started, same_dose, as_of)
        stated = max((n for n in (_stated_doses(i.dose_text) for i in started
                                  if i.status == TherapyStatus.COMPLETED) if n), default=None) \
            if agent in _CYCLIC else None
        doses = max(len(dose_dates), stated or 0) or None
        last_dose = max(dose_dates) if dose_dates else None
        if status != TherapyStatus.ACTIVE and end is not None and (last_dose is None or (
                stated and stated > len(dose_dates) and end > last_dose)):
            last_dose = end          # a course-level record ("4 cycles", period end) says when it ended
        first_prog = min((d for d in progression_events if start and start < d <= as_of), default=None)
        stop = last_dose or end
        best, best_src = _best_response(status_events, start, first_prog, as_of)
        refs = tuple(dict.fromkeys([*(i.ref for i in live if i.ref), *(i.ref for i in items if i.ref)]))
        out.append(Therapy(
            agent=agent, drug=_drug(current), status=status, start=start, end=end,
            references=refs,
            long_acting=_long(current) if agent == Agent.SSA else None,
            dose_text=_dose(live) if live else _dose(items), codes=_codes(current),
            dose_mg=_dose_of(live or items)[0], doses_per_day=_dose_of(live or items)[1],
            progressed_on=_progressed_on(start, end, progression_events, status_dates, grace, as_of),
            cycles=doses if agent == Agent.PRRT else None,
            dose_dates=dose_dates, doses=doses, last_dose=last_dose, first_progression=first_prog,
            end_to_progression_days=(first_prog - stop).days if first_prog and stop and status not in (
                TherapyStatus.ACTIVE,) else None,
            best_response=best, response_source=best_src,
            orders=_orders(items),
            statements=tuple(dict.fromkeys(i.ref for i in live if i.ref and i.ref.startswith("MedicationStatement/"))),
            last_administered=max((i.start for i in admins if i.start and i.start <= as_of), default=None),
        ))
    out.sort(key=lambda t: (t.start or date.min, t.agent.value, t.drug))
    return tuple(out)


_SINGLE_DOSE_KINDS = ("MedicationStatement", "MedicationRequest")
# courses counted in doses/cycles (every dose record is read, service.picture.select), whose completed
# records may also state the number given ("4 cycles"); other courses (SSA depots, daily tablets) are not
# counted: their dose series can be years long and the decisions need start, end and progression only
_CYCLIC = frozenset({Agent.PRRT, Agent.CAPTEM, Agent.STREPTOZOCIN, Agent.PLATINUM_ETOPOSIDE,
                     Agent.OTHER_CHEMOTHERAPY})
CYCLIC_AGENTS = frozenset(a.value for a in _CYCLIC)
_DOSE_COUNT = re.compile(r"\b(?:cycle|dose)s?\s{0,3}(\d{1,2})\s{0,3}(?:of|/)\s{0,3}(\d{1,2})\b"
                         r"|\b(\d{1,2})\s{0,3}(?:cycles|doses|treatments)\b|\bx\s{0,3}(\d{1,2})\b", re.IGNORECASE)


def _dose_dates(agent: Agent, started: list[_Exposure], same_dose: int, as_of: date) -> tuple[date, ...]:
    """Distinct dates of doses given, for courses counted in cycles: administrations and procedures; for
    PRRT also a completed record of one date (a statement, or an order marked completed). Dates within
    ``same_dose`` days are one dose."""
    if agent not in _CYCLIC:
        return ()
    dates = sorted({i.start for i in started if i.start and i.start <= as_of and (
        i.is_admin or (agent == Agent.PRRT and i.prrt_dose and i.kind in _SINGLE_DOSE_KINDS
                       and i.status == TherapyStatus.COMPLETED and (i.end is None or i.end == i.start)))})
    merged: list[date] = []
    for d in dates:
        if merged and (d - merged[-1]).days <= same_dose:
            continue
        merged.append(d)
    return tuple(merged)


def _stated_doses(text: str) -> int | None:
    """Doses a dosage text states as given: "4 cycles", "x4", "cycle 2 of 4" (2 given). None if none."""
    m = _DOSE_COUNT.search(text or "")
    if m is None:
        return None
    if m.group(1):
        return int(m.group(1))
    return int(m.group(3) or m.group(4))


_RESPONSE_RANK = {DiseaseStatus.REMISSION: 0, DiseaseStatus.IMPROVED: 1, DiseaseStatus.STABLE: 2}


def _best_response(events: tuple[tuple[date, DiseaseStatus, Source], ...], start: date | None,
                   until: date | None, as_of: date) -> tuple[DiseaseStatus | None, Source | None]:
    if start is None:
        return None, None
    limit = until or as_of
    seen = [(d, st, src) for d, st, src in events if start < d < limit and st in _RESPONSE_RANK] if until else \
        [(d, st, src) for d, st, src in events if start < d <= limit and st in _RESPONSE_RANK]
    if not seen:
        return None, None
    best = min(seen, key=lambda e: (_RESPONSE_RANK[e[1]], -e[0].toordinal()))
    return best[1], best[2]


def _drug(items: list[_Exposure]) -> str:
    # the most specific name: a depot/short-acting label over the bare ingredient
    names = [i.drug for i in items]
    return max(names, key=len)


def _long(items: list[_Exposure]) -> bool | None:
    values = {i.long_acting for i in items if i.long_acting is not None}
    if values == {True}:
        return True
    if values == {False}:
        return False
    return True if True in values else None


def _orders(items: list[_Exposure]) -> tuple[str, ...]:
    """The exposure's MedicationRequests still in force: active orders, and drafts/proposals not yet started
    (a change or a stop of the current order acts on these; completed or stopped orders are history)."""
    return tuple(dict.fromkeys(i.ref for i in items if i.ref and i.ref.startswith("MedicationRequest/")
                               and i.status in (TherapyStatus.ACTIVE, TherapyStatus.PLANNED)))


def _dose(items: list[_Exposure]) -> str | None:
    return next((i.dose_text for i in items if i.dose_text), None)


_MASS_TO_MG = {"mg": 1.0, "g": 1000.0, "ug": 0.001, "mcg": 0.001, "µg": 0.001, "microgram": 0.001}
_UNIT_DOSE = frozenset({"{pill}", "{tbl}", "{tablet}", "{tablets}", "{capsule}", "{cap}", "{caps}", "tablet",
                        "tablets", "tab", "tabs", "capsule", "capsules", "cap", "pill", "{pills}", "1"})
_STRENGTH = re.compile(r"\b(\d{1,5}(?:\.\d{1,3})?) ?mg\b", re.IGNORECASE)


def _dose_mg(value: float | None, unit: str, medication: Concept) -> float | None:
    """A structured dose in mg: a mass unit converted, or a count of tablets/capsules times the product's one
    strength in mg as its clinical-drug name gives it ("telotristat ethyl 250 MG Oral Tablet"). None when the
    unit is neither, or the name gives no single strength (never guessed)."""
    if value is None:
        return None
    u = unit.strip().lower()
    if u in _MASS_TO_MG:
        return value * _MASS_TO_MG[u]
    if u in _UNIT_DOSE:
        names = [c.display for c in medication.codings if c.display] + [medication.text]
        strengths = {float(m) for n in names if n for m in _STRENGTH.findall(n[:200])}
        if len(strengths) == 1:
            return value * strengths.pop()
    return None


def _dose_of(items: list[_Exposure]) -> tuple[float | None, float | None]:
    """(mg per administration, administrations per day) of the first record with a structured dose."""
    for i in items:
        if i.dose_mg is not None:
            return i.dose_mg, i.per_day
    return None, None


def _codes(items: list[_Exposure]) -> tuple[str, ...]:
    return tuple(dict.fromkeys(c for i in items for c in i.codes))


def _progressed_on(start: date | None, end: date | None, events: tuple[date, ...],
                   status_dates: tuple[date, ...], grace: int, as_of: date) -> bool | None:
    if start is None:
        return None
    until = shift(end, grace) if end else as_of
    if any(start < d <= until for d in events):
        return True
    if any(start < d <= until for d in status_dates):
        return False
    return None


def _newly_diagnosed(ctx: Context, therapies: tuple[Therapy, ...]) -> Fact:
    antitumour = {Agent(a) for a in ctx.term.parameter("antitumour_agents")}  # type: ignore[union-attr]
    prior = [t for t in therapies if t.agent in antitumour and t.status != TherapyStatus.PLANNED]
    if prior:
        srcs = [Source(t.references[0] if t.references else None, t.start, t.drug) for t in prior]
        return present(False, srcs, "prior antitumour systemic therapy")
    if ctx.meds_unavailable():
        return Fact.unavailable("medication history could not be read")
    return Fact(FactState.PRESENT, True, (), "no antitumour systemic therapy on record")


def _next_prrt(ctx: Context, exposures: list[_Exposure]) -> Fact:
    future = [e for e in exposures if e.agent == Agent.PRRT and e.start and e.start > ctx.as_of
              and e.status in (TherapyStatus.PLANNED, TherapyStatus.ACTIVE, TherapyStatus.UNKNOWN)]
    if not future:
        return Fact.missing()
    first = min(future, key=lambda e: e.start)  # type: ignore[arg-type,return-value]
    return present(first.start, [Source(first.ref, first.start, f"planned {first.drug}")])

