"""Therapy history and current medications from MedicationRequest/Statement/Administration and Procedure."""
from __future__ import annotations

from dataclasses import dataclass, field

from service.picture.context import Context
from service.picture.model import Fact, Medication, Procedure, Therapy
from service.picture.terminology import Terminology


@dataclass(slots=True)
class TherapyHistory:
    therapies: tuple[Therapy, ...] = ()
    procedures: tuple[Procedure, ...] = ()
    current_medications: tuple[Medication, ...] = ()
    r0_resection: Fact = field(default_factory=Fact.missing)
    newly_diagnosed: Fact = field(default_factory=Fact.missing)
    bilio_enteric_anastomosis: Fact = field(default_factory=Fact.missing)
    next_prrt_date: Fact = field(default_factory=Fact.missing)


def relevant_medication(term: Terminology, resource: dict) -> bool:
    return False


def relevant_procedure(term: Terminology, resource: dict) -> bool:
    return False


def read(ctx: Context, progression_events, status_dates=()) -> TherapyHistory:
    return TherapyHistory()
