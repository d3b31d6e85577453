"""Universal gates (decision table section 4.1), evaluated for every NET/NEC/MiNEN picture.

G-05 — differentiation or grade unknown
    When: a neuroendocrine tumour (scope NET) whose differentiation or WHO grade is not known
    (missing, unavailable or contradictory).
    Then: NEEDS DATA card: request Ki-67 (LOINC 29593-1), mitotic count and differentiation;
    no antiproliferative therapy card until known (site rules return insufficient data).
    Source: WHO 2019/2022 grading; decision table G-05.
"""
from __future__ import annotations

from datetime import date

from service.picture.model import NetPicture, Scope
from service.rules.outcome import FactUse, Outcome
from service.rules.registry import RuleKnowledge, rule


@rule("G-05")
def grade_or_differentiation_unknown(p: NetPicture, as_of: date, k: RuleKnowledge) -> Outcome:
    if p.scope is not Scope.NET:
        return Outcome.not_applicable("G-05", f"scope is {p.scope.value}, grading gate is for NET")
    missing: list[str] = []
    if not p.grade.known:
        if not p.ki67.known:
            missing.append("Ki-67 index (LOINC 29593-1)")
        if not p.mitoses_per_2mm2.known:
            missing.append("mitotic count per 2 mm2")
        if p.ki67.known and p.mitoses_per_2mm2.known:
            missing.append("WHO grade")
    if not p.differentiation.known:
        missing.append("differentiation (well / poorly differentiated)")
    if not missing:
        return Outcome.not_applicable("G-05", "grade and differentiation are known")
    facts = tuple(
        FactUse.of(name, fact)
        for name, fact in (("WHO grade", p.grade), ("Ki-67", p.ki67), ("Differentiation", p.differentiation))
    )
    return Outcome.applicable("G-05", facts=facts, missing=tuple(missing),
                              reason="grade or differentiation not on record")
