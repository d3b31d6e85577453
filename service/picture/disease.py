"""Disease extent, imaging (SSTR, FDG), hepatic burden, resectability, status and progression."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from service.picture.context import Context
from service.picture.diagnosis import Diagnosis
from service.picture.model import Fact


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


def read(ctx: Context, dx: Diagnosis) -> Disease:
    return Disease(extent=dx.extent, metastatic_sites=dx.metastatic_sites, liver_metastases=dx.liver_metastases)
