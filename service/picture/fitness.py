"""Age, sex, pregnancy, ECOG, symptoms, refractory carcinoid syndrome and labs."""
from __future__ import annotations

from dataclasses import dataclass, field

from service.picture.context import Context
from service.picture.diagnosis import Diagnosis
from service.picture.model import Fact, Labs


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

    def symptom(self, name: str) -> Fact:
        return self.symptoms.get(name, Fact.missing())

    def refractory_cs(self, therapies) -> Fact:
        return Fact.missing()


def read(ctx: Context, dx: Diagnosis) -> Fitness:
    return Fitness()
