"""What every extractor needs: the adapted record, the date, the lookback, the value sets."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from service.data.fhir_adapter import AdaptedRecord, Concept, ObservationRec
from service.picture.facts import VALID_OBSERVATION_STATUSES, Candidate
from service.picture.terminology import Entry, Terminology


@dataclass(slots=True)
class Context:
    record: AdaptedRecord
    as_of: date
    lookback_days: int
    term: Terminology
    unavailable: frozenset[str]
    by_role: dict[str, list[tuple[ObservationRec, Entry]]] = field(default_factory=dict)
    # facts read from report text (service.picture.reports.read): field -> candidates, and unread attachments
    report_candidates: dict[str, list[Candidate]] = field(default_factory=dict)
    # DiagnosticReport reference -> the references of its results (a coded result speaks for its report)
    report_results: dict[str, frozenset[str]] = field(default_factory=dict)

    def index_observations(self) -> None:
        for obs in self.record.observations:
            if obs.status not in VALID_OBSERVATION_STATUSES:
                continue
            entry = self.observation_entry(obs.code)
            if entry is not None:
                self.by_role.setdefault(str(entry.get("role")), []).append((obs, entry))

    def observation_entry(self, code: Concept) -> Entry | None:
        for c in code.codings:
            e = self.term.lookup("observation", c.system, c.code)
            if e is not None:
                return e
        return None

    def role(self, role: str) -> list[tuple[ObservationRec, Entry]]:
        return self.by_role.get(role, [])

    def from_reports(self, name: str, besides: list[Candidate] | None = None) -> list[Candidate]:
        """Candidates for fact ``name`` read from report text (ki67, mitoses, differentiation, grade, sstr, fdg,
        status); their sources carry the quote and the DiagnosticReport.

        ``besides``: the coded candidates of the same fact. A report whose own coded result gives the fact (a
        contained result, or an Observation listed in its ``result``) is not read for it from its text: the
        structured result is the report's statement, its words a summary of it."""
        found = self.report_candidates.get(name, [])
        if not found or not besides:
            return found
        coded = {c.source.reference for c in besides if c.source.origin == "coded" and c.source.reference}
        out = []
        for c in found:
            ref = c.source.reference or ""
            if ref in coded or coded & self.report_results.get(ref, frozenset()):
                continue
            out.append(c)
        return out

    def answer(self, concept: Concept | None, key: str) -> tuple[object, str] | None:
        """The first coded answer in ``concept`` with attribute ``key``: (value, display)."""
        if concept is None:
            return None
        for c in concept.codings:
            e = self.term.lookup("answer", c.system, c.code)
            if e is not None and key in e.attrs:
                return e.attrs[key], c.display or c.code
        return None

    def unavailable_obs(self) -> bool:
        return "observations" in self.unavailable

    def meds_unavailable(self) -> bool:
        return any(k in self.unavailable for k in
                   ("medicationRequests", "medicationStatements", "medicationAdministrations"))

    def all_meds_unavailable(self) -> bool:
        return all(k in self.unavailable for k in
                   ("medicationRequests", "medicationStatements", "medicationAdministrations"))
