"""A reader of draft orders that looks ONLY at the structured FHIR fields (never at any text) and says what an
EHR executing the draft would give: per drug, the amount per administration, the administrations, the days,
and so the exposure over one cycle.

* MedicationRequest: ``dosageInstruction[0]``: the ``ordered`` entry of ``doseAndRate`` (``doseQuantity`` or
  ``doseRange``, UCUM code), ``timing.repeat`` (frequency / period / periodUnit; ``boundsDuration`` and
  ``count`` bound it; ``count`` alone is a course of doses), ``asNeeded[x]`` and ``maxDosePerPeriod``.
* RequestGroup (a cyclic regimen): its cycle action's ``timingTiming`` (cycle length and number of cycles);
  each sub-action's contained MedicationRequest, and its offset from the day-1 action (``relatedAction``).
"""
from __future__ import annotations

from dataclasses import dataclass

UCUM = "http://unitsofmeasure.org"
_DAYS = {"h": 1 / 24, "d": 1, "wk": 7, "mo": 30}
CONTINUOUS_REFERENCE_DAYS = 28  # exposure of a continuous drug is read over 28 days


@dataclass(frozen=True)
class Exposure:
    """What the structured fields order for one drug."""

    rxnorm: str
    text: str                       # medicationCodeableConcept.text (only to name the drug in messages)
    unit: str                       # UCUM code of the dose
    per_dose: tuple[float, float]   # (low, high) per administration
    per_cycle: tuple[float, float]  # (low, high) over one cycle (as needed: the maximum)
    cycle_days: float
    first_day: int = 1              # day of the cycle the drug starts (regimens)
    days: float | None = None       # days the drug is given in the cycle (None: every day of it)
    bounded: bool = False           # timing has a bound (boundsDuration/count) or a cycle
    as_needed: bool = False
    cycles: int | None = None       # cycles in the draft (regimens); None for a non-cyclic order
    total: tuple[float, float] | None = None  # whole course when counted (e.g. 4 PRRT doses)


def _dose(dosage: dict) -> tuple[tuple[float, float], str]:
    ordered = [d for d in dosage.get("doseAndRate", [])
               if any(c.get("code") == "ordered" for c in d.get("type", {}).get("coding", []))]
    assert len(ordered) == 1, "exactly one 'ordered' dose"
    entry = ordered[0]
    if "doseQuantity" in entry:
        q = entry["doseQuantity"]
        assert q["system"] == UCUM, "dose in UCUM"
        return (q["value"], q["value"]), q["code"]
    low, high = entry["doseRange"]["low"], entry["doseRange"]["high"]
    assert low["system"] == high["system"] == UCUM and low["code"] == high["code"], "dose range in one UCUM unit"
    return (low["value"], high["value"]), low["code"]


def read_medication_request(mr: dict, *, cycle_days: float | None = None, first_day: int = 1,
                            cycles: int | None = None) -> Exposure:
    dosage = mr["dosageInstruction"][0]
    (low, high), unit = _dose(dosage)
    repeat = dosage["timing"]["repeat"]
    period_days = repeat["period"] * _DAYS[repeat["periodUnit"]]
    per_day = repeat["frequency"] / period_days
    rx = mr["medicationCodeableConcept"]["coding"][0]["code"]
    text = mr["medicationCodeableConcept"].get("text", rx)
    as_needed = bool(dosage.get("asNeededBoolean") or dosage.get("asNeededCodeableConcept"))
    if as_needed:
        cap = dosage["maxDosePerPeriod"]
        assert cap["numerator"]["code"] == unit, "the daily maximum is in the dose's unit"
        per_day_max = cap["numerator"]["value"] / (cap["denominator"]["value"] * _DAYS[cap["denominator"]["code"]])
        most = min(per_day_max, high * repeat.get("frequencyMax", repeat["frequency"]) / period_days)
        return Exposure(rx, text, unit, (low, high), (0.0, most), 1.0, as_needed=True, bounded=True)
    if "boundsDuration" in repeat:
        bound = repeat["boundsDuration"]
        assert bound["system"] == UCUM and bound["code"] in _DAYS
        days = bound["value"] * _DAYS[bound["code"]]
        administrations = per_day * days
        assert repeat.get("count") in (None, round(administrations)), "count agrees with the bounded days"
        cycle = cycle_days if cycle_days is not None else days
        return Exposure(rx, text, unit, (low, high), (low * administrations, high * administrations), cycle,
                        first_day=first_day, days=days, bounded=True, cycles=cycles)
    if "count" in repeat:  # a course of a fixed number of doses, one per period
        per_period = repeat["frequency"]
        total = (low * repeat["count"], high * repeat["count"])
        return Exposure(rx, text, unit, (low, high), (low * per_period, high * per_period), period_days,
                        bounded=True, total=total)
    assert cycle_days is None, "a regimen member is always bounded to its days of the cycle"
    reference = CONTINUOUS_REFERENCE_DAYS
    return Exposure(rx, text, unit, (low, high), (low * per_day * reference, high * per_day * reference), reference)


def read_draft(resource: dict) -> list[Exposure]:
    """Every drug a create action's resource orders, read from its structured fields."""
    if resource["resourceType"] == "MedicationRequest":
        return [read_medication_request(resource)]
    if resource["resourceType"] != "RequestGroup":
        return []
    contained = {r["id"]: r for r in resource.get("contained", [])}
    out = []
    for cycle in resource["action"]:
        repeat = cycle["timingTiming"]["repeat"]
        cycle_days = repeat["period"] * _DAYS[repeat["periodUnit"]]
        cycles = repeat["count"]
        first_days: dict[str, int] = {}
        for action in cycle["action"]:
            first_day = 1
            for related in action.get("relatedAction", []):
                if related["relationship"] == "after-end":
                    # same day, in sequence after an earlier drug of the cycle (no offset: never a day later)
                    assert "offsetDuration" not in related and related["actionId"] in first_days
                    first_day = first_days[related["actionId"]]
                    continue
                assert related["relationship"] == "after-start"
                offset = related["offsetDuration"]
                first_day = 1 + int(offset["value"] * _DAYS[offset["code"]])
            first_days[action["id"]] = first_day
            mr = contained[action["resource"]["reference"].lstrip("#")]
            out.append(read_medication_request(mr, cycle_days=cycle_days, first_day=first_day, cycles=cycles))
    return out
