"""A big synthetic NET patient for benchmarks (deterministic; no real patient data).

``large_patient(n_resources, patient_id)`` returns ``(transaction_bundle, hook_request)`` for a patient
with exactly ``n_resources`` resources (the Patient included): a metastatic midgut NET G2 progressing on
octreotide LAR, SSTR-positive, good organ function (the same picture as fixture ``net-04``: M-04 should
fire), plus as many routine labs, vitals, medication orders and LAR administrations as needed, spread
backwards in time from AS_OF. Typical sizes: 50, 300, 3 000.
"""
from __future__ import annotations

import itertools
import random
from collections.abc import Iterator

from .fhir import LOINC, P, ago, cc, hook_request, qty, transaction

MIN_RESOURCES = 16

_PANEL = [  # (lab key, mean, spread) — routine labs drawn at each visit
    ("hb", 13.2, 0.8), ("wbc", 6.0, 1.2), ("plt", 230, 40), ("creatinine", 0.9, 0.1), ("alt", 25, 8),
    ("ast", 23, 6), ("bili", 0.6, 0.15), ("alb", 4.1, 0.2), ("glucose", 98, 12), ("potassium", 4.2, 0.3),
    ("sodium", 139, 2),
]
_ROUTINE_MEDS = ["amlodipine", "atorvastatin", "loperamide", "pancrelipase", "cholecalciferol"]


def _core(patient_id: str) -> P:
    p = P(patient_id, "Test Patient Benchmark", "male", "1958-06-02")
    p.condition("primary", "C7A.012", onset=ago(years=3), mcode="mcode-primary-cancer-condition", morphology="8249/3")
    p.condition("liver", "C7B.02", onset=ago(years=3))
    p.condition("htn", "I10", onset=ago(years=8))
    p.ki67("ki67", ago(years=3), 8)
    p.sstr("sstr", ago(months=1), "higher-than-liver")
    p.med_statement("lar", "octreotide_lar30", ago(years=2, months=10), dosage="30 mg IM every 4 weeks")
    p.status("status", ago(months=1), "progressive")
    p.ecog("ecog", ago(months=1), 1)
    p.lab("crcl", ago(days=1), 86, sfx="crcl-latest")
    p.lab("hb", ago(days=1), 13.5, sfx="hb-latest")
    p.lab("wbc", ago(days=1), 6.4, sfx="wbc-latest")
    p.lab("plt", ago(days=1), 240, sfx="plt-latest")
    p.lab("bili", ago(days=1), 0.5, sfx="bili-latest")
    p.lab("alb", ago(days=1), 4.2, sfx="alb-latest")
    p.lab("cga", ago(months=1), 520, sfx="cga-latest", mcode=True)
    assert len(p.resources) == MIN_RESOURCES
    return p


def _filler(p: P, rng: random.Random) -> Iterator[None]:
    """Adds one routine resource per step, oldest data further back; never ends."""
    for visit in itertools.count(1):
        day = 2 + 3 * visit  # a visit every 3 days, going backwards from AS_OF - 2 d
        when = ago(day)
        for key, mean, spread in _PANEL:
            value = round(rng.gauss(mean, spread), 2 if mean < 10 else 0)
            p.lab(key, when, value if mean < 10 else int(value), sfx=f"{key}-v{visit}")
            yield
        p.bp(f"bp-v{visit}", when, rng.randint(112, 148), rng.randint(68, 92))
        yield
        p.obs(f"hr-v{visit}", cc((LOINC, "8867-4", "Heart rate")), when, category="vital-signs",
              value={"valueQuantity": qty(rng.randint(56, 96), "/min", "/min")})
        yield
        p.obs(f"weight-v{visit}", cc((LOINC, "29463-7", "Body weight")), when, category="vital-signs",
              value={"valueQuantity": qty(round(rng.gauss(78, 1.5), 1), "kg", "kg")})
        yield
        if visit % 5 == 0:
            med = _ROUTINE_MEDS[(visit // 5) % len(_ROUTINE_MEDS)]
            p.med_request(f"rx-v{visit}", med, when, status="completed" if day > 90 else "active")
            yield
        if visit % 9 == 0:  # LAR every 27 days, recorded as administrations
            p.med_admin(f"lar-v{visit}", "octreotide_lar30", when, dose=qty(30, "mg", "mg"))
            yield


def large_patient(n_resources: int, patient_id: str = "net-bench") -> tuple[dict, dict]:
    """Build a patient with exactly ``n_resources`` resources; returns (transaction Bundle, hook request)."""
    if n_resources < MIN_RESOURCES:
        raise ValueError(f"n_resources must be >= {MIN_RESOURCES}")
    p = _core(patient_id)
    rng = random.Random(f"net-cds-bench/{patient_id}")
    steps = _filler(p, rng)
    while len(p.resources) < n_resources:
        next(steps)
    return transaction(p.resources), hook_request(patient_id, p.resources)
