"""Therapies the patient declined (``NetPicture.declined_therapies``).

A therapy is declined when
- a Procedure with status not-done or stopped, or a MedicationRequest cancelled/stopped, MedicationStatement
  not-taken/stopped, MedicationAdministration not-done/stopped, gives a patient-refusal reason: a
  ``refusal_reason`` code (eCQM "Patient Declined") in statusReason or reasonCode, refusal words in the
  statusReason text, or a note in which the patient declines/refuses; the therapy is the record's own code;
- or a Condition / Observation "refusal of treatment by patient" names the therapy in its text or note
  (``declined_therapy_text``; every therapy named counts, "chemotherapy" alone names none).

A declination is dropped when the same therapy class was started or ordered after it (the patient changed
their mind). Declined records are never therapies given (not-done/not-taken and a refused cancelled order are not
exposures; a stopped one was started and stays one).
"""
from __future__ import annotations

from datetime import date

from service.data import limits
from service.data.fhir_adapter import Coding, Concept, MedicationRec, ProcedureRec
from service.picture.context import Context
from service.picture.diagnosis import Diagnosis
from service.picture.model import Agent, Source, Therapy
from service.picture.terminology import Terminology

PROCEDURE_STATUSES = frozenset({"not-done", "stopped"})
MEDICATION_STATUSES = {
    "MedicationRequest": frozenset({"cancelled", "stopped"}),
    "MedicationStatement": frozenset({"not-taken", "stopped"}),
    "MedicationAdministration": frozenset({"not-done", "stopped"}),
}
_LABEL = {Agent.PRRT: "PRRT", Agent.SSA: "somatostatin analogue", Agent.SURGERY: "surgery",
          Agent.LIVER_DIRECTED: "liver-directed therapy"}


def _yes(value: object) -> bool:
    return value is True or value == "yes"


def refusal(term: Terminology, reasons: tuple[Concept, ...], note: str) -> bool:
    """True when a status reason / reason code / note says the patient refused."""
    for c in reasons:
        if any(term.lookup("refusal_reason", cd.system, cd.code) is not None for cd in c.codings):
            return True
        if term.match_text("refusal_reason_text", c.all_text) is not None:
            return True
    return term.match_text("refusal_note_text", note) is not None


def refusal_dict(term: Terminology, resource: dict) -> bool:
    """Dict-level check (before validation): a declinable status with a refusal reason or note."""
    rtype = resource.get("resourceType")
    status = resource.get("status")
    allowed = PROCEDURE_STATUSES if rtype == "Procedure" else MEDICATION_STATUSES.get(str(rtype), frozenset())
    if status not in allowed:
        return False
    reasons: list[Concept] = []
    for key in ("statusReason", "reasonCode"):
        value = resource.get(key)
        for item in (limits.items(value) if isinstance(value, list) else [value]):
            if isinstance(item, dict):
                codings = tuple(_coding(c) for c in limits.items(item.get("coding"), limits.MAX_CODINGS)
                                if isinstance(c, dict))
                reasons.append(Concept(tuple(c for c in codings if c is not None), limits.text(item.get("text"))))
    notes = " ".join(limits.text(n["text"]) for n in limits.items(resource.get("note"))
                     if isinstance(n, dict) and isinstance(n.get("text"), str))[:limits.MAX_NOTES_TEXT]
    return refusal(term, tuple(reasons), notes)


def _coding(c: dict) -> Coding | None:
    if isinstance(c.get("system"), str) and isinstance(c.get("code"), str):
        return Coding(limits.text(c["system"]), limits.text(c["code"]).strip(), limits.text(c.get("display")))
    return None


def _named(ctx: Context, text: str) -> set[Agent]:
    out = set()
    for e in ctx.term.match_all("declined_therapy_text", text):
        try:
            out.add(Agent(str(e.get("agent"))))
        except ValueError:
            continue
    return out


def read(ctx: Context, dx: Diagnosis, therapies: tuple[Therapy, ...], classify_proc, classify_med
         ) -> tuple[frozenset[Agent], tuple[tuple[Agent, Source], ...]]:
    found: list[tuple[Agent, Source]] = []
    for proc in ctx.record.procedures:
        if proc.status in PROCEDURE_STATUSES and _proc_refused(ctx, proc):
            entry = classify_proc(ctx.term, proc)
            agents = {Agent(str(entry.get("agent")))} if entry is not None and entry.get("agent") \
                else _named(ctx, proc.code.all_text)
            for a in agents:
                found.append((a, Source(proc.ref or None, proc.date, _display(a, proc.code.all_text))))
    for med in ctx.record.medications:
        if med.status in MEDICATION_STATUSES.get(med.kind, ()) and _med_refused(ctx, med):
            entry, _ = classify_med(ctx.term, med.medication)
            agents = {Agent(str(entry.get("agent")))} if entry is not None and entry.get("agent") \
                and not entry.get("exclude") else _named(ctx, med.medication.all_text)
            for a in agents:
                found.append((a, Source(med.ref or None, med.authored or med.start,
                                        _display(a, med.medication.all_text))))
    for info in dx.refusals:
        for a in _named(ctx, " ".join([info.rec.code.text, info.rec.note])):
            found.append((a, info.source(_display(a, info.rec.code.text or info.rec.note))))
    for obs, _ in ctx.role("refusal"):
        text = " ".join(filter(None, [obs.code.text, obs.string or "", obs.concept.all_text if obs.concept else "",
                                      obs.note]))
        for a in _named(ctx, text):
            found.append((a, Source(obs.ref or None, obs.date, _display(a, text))))
    kept = [(a, s) for a, s in found if not _taken_up_since(a, s.date, therapies)]
    kept = sorted(dict.fromkeys(kept), key=lambda x: (x[0].value, x[1].date or date.min, x[1].reference or ""))
    return frozenset(a for a, _ in kept), tuple(kept)


def _proc_refused(ctx: Context, proc: ProcedureRec) -> bool:
    reasons = ((proc.status_reason,) if proc.status_reason is not None else ()) + proc.reasons
    return refusal(ctx.term, reasons, proc.note)


def _med_refused(ctx: Context, med: MedicationRec) -> bool:
    return refusal(ctx.term, med.status_reasons + med.reasons, med.note)


def _display(agent: Agent, text: str) -> str:
    what = _LABEL.get(agent, agent.value.replace("-", " "))
    return f"{what} declined by the patient" + (f" ({_clip(text, 120)})" if text else "")


def _clip(text: str, limit: int) -> str:
    """Shorten free text at a word boundary, marking the cut."""
    text = " ".join(text.split())
    if len(text) <= limit:
        return text
    cut = text[:limit].rsplit(" ", 1)[0] or text[:limit]
    return cut + " …"


def _taken_up_since(agent: Agent, when: date | None, therapies: tuple[Therapy, ...]) -> bool:
    """Started or ordered after the declination (undated declinations stand)."""
    if when is None:
        return False
    return any(t.agent == agent and t.start is not None and t.start > when for t in therapies)


def refused_cancellation(ctx: Context, med: MedicationRec) -> bool:
    """A MedicationRequest withdrawn before any dose because the patient refused: not an exposure."""
    return med.kind == "MedicationRequest" and med.status == "cancelled" and _med_refused(ctx, med)
