"""The data stage's output: what was gathered about one patient, before any interpretation.

``PatientRecord`` is built by ``service.data.prefetch`` (prefetch + FHIR fallback) and read by
``service.picture.build``. It holds raw FHIR R4 JSON dicts; nothing past the picture stage
sees them.
"""
from __future__ import annotations

from dataclasses import dataclass, field

# Data categories, one per prefetch key. The picture builder uses them to tell "nothing on
# record" (MISSING) from "could not be read" (UNAVAILABLE).
CATEGORIES = (
    "patient",
    "conditions",
    "observations",
    "medicationRequests",
    "medicationStatements",
    "medicationAdministrations",
    "procedures",
    "diagnosticReports",
)
REQUIRED_CATEGORIES = ("patient", "conditions")


@dataclass(frozen=True, slots=True)
class PatientRecord:
    patient_id: str                                   # bare FHIR id, no "Patient/" prefix
    resources: tuple[dict, ...] = ()                   # every resource gathered, de-duplicated by type/id
    unavailable: frozenset[str] = frozenset()         # categories that could not be read at all
    incomplete: frozenset[str] = frozenset()          # categories read only in part (paging cut short)
    sources: dict = field(default_factory=dict)       # category -> "prefetch" | "fhir" | "null" | "unavailable" (for logs/metrics)
