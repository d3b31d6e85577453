"""WHO 2019 (digestive) / 2022 (endocrine) grade of a neuroendocrine neoplasm. Pure.

net-guideline §1.1:
1. poorly differentiated -> NEC (whatever the indices say);
2. Ki-67 < 3 % -> G1; 3-20 % -> G2; > 20 % -> G3   (3.0 is G2, 20.0 is G2, 20.01 is G3);
3. mitoses per 2 mm2 < 2 -> G1; 2-20 -> G2; > 20 -> G3;
4. the higher of the two wins; with one index, that index decides;
5. well differentiated (or not stated) with Ki-67 > 20 % -> G3, never NEC: Ki-67 alone never makes a NEC.

A Ki-67 reported as "<2 %" grades on its bound (G1); a range grades on its upper bound (conservative).
"""
from __future__ import annotations

from dataclasses import dataclass

from service.picture.model import Differentiation, Grade, Ki67

_ORDER = {Grade.G1: 1, Grade.G2: 2, Grade.G3: 3, Grade.NEC: 4}

KI67_G2_MIN = 3.0      # %, inclusive
KI67_G2_MAX = 20.0     # %, inclusive
MITOSES_G2_MIN = 2.0   # per 2 mm2, inclusive
MITOSES_G2_MAX = 20.0  # per 2 mm2, inclusive


def ki67_class(percent: float) -> Grade:
    if percent < KI67_G2_MIN:
        return Grade.G1
    if percent <= KI67_G2_MAX:
        return Grade.G2
    return Grade.G3


def ki67_grade(ki67: Ki67) -> Grade:
    """Grade class of a reported Ki-67: bounds and ranges graded on the number that decides safely."""
    if ki67.comparator in ("<",) and ki67.percent <= KI67_G2_MIN:
        return Grade.G1           # "<2 %", "<3 %": below the G2 threshold
    if ki67.comparator == ">" and ki67.percent >= KI67_G2_MAX:
        return Grade.G3           # ">20 %"
    return ki67_class(ki67.percent)


def mitotic_class(per_2mm2: float) -> Grade:
    if per_2mm2 < MITOSES_G2_MIN:
        return Grade.G1
    if per_2mm2 <= MITOSES_G2_MAX:
        return Grade.G2
    return Grade.G3


def higher(a: Grade, b: Grade) -> Grade:
    return a if _ORDER[a] >= _ORDER[b] else b


def rank(grade: Grade) -> int:
    return _ORDER[grade]


@dataclass(frozen=True, slots=True)
class GradeResult:
    grade: Grade
    basis: str


def compute_grade(
    *,
    ki67: Ki67 | None,
    mitoses_per_2mm2: float | None,
    differentiation: Differentiation | None,
) -> GradeResult | None:
    """The WHO grade, or None when there is nothing to grade from (and the tumour is not known PD)."""
    if differentiation == Differentiation.POOR:
        return GradeResult(Grade.NEC, "poorly differentiated -> NEC")
    parts: list[str] = []
    grades: list[Grade] = []
    if ki67 is not None:
        g = ki67_grade(ki67)
        shown = ki67.comparator + " " if ki67.comparator not in ("=", "") else ""
        rng = f"{ki67.low:g}-" if ki67.low is not None else ""
        parts.append(f"Ki-67 {shown}{rng}{ki67.percent:g} % ({g.value})")
        grades.append(g)
    if mitoses_per_2mm2 is not None:
        g = mitotic_class(mitoses_per_2mm2)
        parts.append(f"mitoses {mitoses_per_2mm2:g}/2 mm2 ({g.value})")
        grades.append(g)
    if not grades:
        return None
    final = grades[0]
    for g in grades[1:]:
        final = higher(final, g)
    basis = "; ".join(parts)
    if len(grades) > 1:
        basis += " -> higher wins"
    if final == Grade.G3 and differentiation == Differentiation.WELL:
        basis += "; well differentiated -> NET G3 (not NEC)"
    return GradeResult(final, basis)
