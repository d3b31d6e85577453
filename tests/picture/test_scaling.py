"""The picture stage validates only what decides a fact, so a long record costs no more validation
than a short one, and reads the same clinical facts as validating everything would.

Behaviour only: no timings are asserted here (the benchmark measures them).
"""
from __future__ import annotations

import enum
from dataclasses import fields, is_dataclass
from datetime import date

import pytest

from fhir_fixtures.fhir import AS_OF as SYNTHETIC_AS_OF
from fhir_fixtures.synthetic import large_patient
from service.data import fhir_adapter
from service.picture import build as build_module
from service.picture.build import build_picture, relevance
from service.picture.model import NetPicture, Source
from service.data.records import PatientRecord
from tests.picture import factories as f
from tests.plugins.clinical import FIXTURE_AS_OF, bundle_record, fixture_bundles

#: provenance, not clinical content: which resources are cited may differ, the facts may not
_PROVENANCE = frozenset({"sources", "references", "reference", "scope_sources", "syndrome_sources",
                         "hereditary_sources"})


def hook_record(hook: dict) -> PatientRecord:
    """PatientRecord from a hook request's prefetch (what service.data.prefetch builds), deduplicated."""
    resources: dict[tuple[str, str], dict] = {}
    for value in hook["prefetch"].values():
        if not isinstance(value, dict):
            continue
        if value.get("resourceType") == "Bundle":
            for entry in value.get("entry") or ():
                r = entry["resource"]
                resources[(r["resourceType"], r["id"])] = r
        else:
            resources[(value["resourceType"], value["id"])] = value
    return PatientRecord(hook["context"]["patientId"], tuple(resources.values()))


def clinical(value: object) -> object:
    """The picture without provenance (plain values, comparable across records)."""
    if isinstance(value, Source):
        return None
    if isinstance(value, enum.Enum):
        return value.value
    if is_dataclass(value):
        return {fl.name: clinical(getattr(value, fl.name)) for fl in fields(value) if fl.name not in _PROVENANCE}
    if isinstance(value, (tuple, list)):
        return [clinical(v) for v in value]
    if isinstance(value, frozenset):
        return sorted(str(clinical(v)) for v in value)
    return value


def cited(picture: NetPicture) -> set[str]:
    """Every resource reference the picture cites anywhere."""
    out: set[str] = set()

    def walk(value: object) -> None:
        if isinstance(value, Source):
            if value.reference:
                out.add(value.reference)
        elif isinstance(value, str) or isinstance(value, (date, enum.Enum)):
            return
        elif is_dataclass(value):
            for fl in fields(value):
                v = getattr(value, fl.name)
                if fl.name in ("references",) and isinstance(v, tuple):
                    out.update(r for r in v if isinstance(r, str))
                elif fl.name == "reference" and isinstance(v, str):
                    out.add(v)
                else:
                    walk(v)
        elif isinstance(value, (tuple, list, frozenset)):
            for v in value:
                walk(v)

    walk(picture)
    return out


def measured(record: PatientRecord, terminology, as_of: date = SYNTHETIC_AS_OF) -> tuple[NetPicture, int]:
    before = fhir_adapter.validations()
    picture = build_picture(record, as_of=as_of, terminology=terminology)
    return picture, fhir_adapter.validations() - before


@pytest.fixture(scope="module")
def small_and_large(terminology):
    return [measured(hook_record(large_patient(n)[1]), terminology) for n in (300, 3000)]


def test_large_patient_validations_bounded_by_the_facts_it_cites(small_and_large):
    (small, small_n), (large, large_n) = small_and_large
    assert large.scope.value == "net"
    # every validated resource is cited by some fact (the Patient by age/sex)
    assert large_n <= len(cited(large)), (large_n, sorted(cited(large)))
    # ten times the record, not one validation more: the count follows the facts, not the size
    assert large_n == small_n
    assert large_n < 60


def test_large_patient_has_the_same_clinical_picture_as_a_short_one(small_and_large):
    (small, _), (large, _) = small_and_large
    assert clinical(large) == clinical(small)
    assert large.labs.hemoglobin.value == 13.5 and large.ki67.value.percent == 8


@pytest.mark.parametrize("path", fixture_bundles(), ids=lambda p: p.stem)
def test_selection_reads_the_same_facts_as_validating_everything(path, terminology, monkeypatch):
    record = bundle_record(path)
    chosen = build_picture(record, as_of=FIXTURE_AS_OF, terminology=terminology)
    monkeypatch.setattr(build_module, "select",
                        lambda resources, ctx: fhir_adapter.adapt(resources, relevant=relevance(ctx.term)))
    everything = build_picture(record, as_of=FIXTURE_AS_OF, terminology=terminology)
    assert clinical(chosen) == clinical(everything)
    # what the selection cites is a subset of what validating everything cites
    assert cited(chosen) <= cited(everything)


def _hb(value: float, day: str, **kw) -> dict:
    return f.observation("718-7", date=day, valueQuantity=f.qty(value, "g/dL"), **kw)


def test_an_invalid_latest_result_falls_back_to_the_previous_one(picture_of):
    broken = _hb(9.1, "2025-05-20")
    broken["subject"] = "Patient/p1"          # a string where a Reference belongs: fails R4 validation
    p = picture_of(f.record(f.ileal_net(), broken, _hb(12.4, "2025-05-01"), _hb(11.0, "2025-04-01")),
                   as_of=f.AS_OF)
    assert p.labs.hemoglobin.is_(12.4)
    assert p.invalid_resources == 1


def test_an_unreadable_latest_result_falls_back_to_the_previous_one(picture_of):
    p = picture_of(f.record(f.ileal_net(), f.observation("718-7", date="2025-05-20",
                                                          valueQuantity=f.qty(7, "furlongs")),
                            _hb(12.4, "2025-05-01")), as_of=f.AS_OF)
    assert p.labs.hemoglobin.is_(12.4)


def test_results_after_as_of_are_never_chosen(picture_of):
    p = picture_of(f.record(f.ileal_net(), _hb(8.0, "2025-07-01"), _hb(12.4, "2025-05-01")), as_of=f.AS_OF)
    assert p.labs.hemoglobin.is_(12.4)


def test_chromogranin_trend_still_sees_the_previous_result_in_the_same_unit(picture_of):
    def cga(value: float, day: str, unit: str = "ng/mL") -> dict:
        return f.observation("9811-1", date=day, valueQuantity=f.qty(value, unit))
    p = picture_of(f.record(f.ileal_net(), cga(300, "2025-05-01"), cga(90, "2025-03-01", "nmol/L"),
                            cga(100, "2025-01-01"), cga(80, "2024-10-01")), as_of=f.AS_OF)
    assert p.labs.chromogranin_a.value.value == 300
    assert p.labs.chromogranin_a_rising.is_(True)
    assert {s.date for s in p.labs.chromogranin_a_rising.sources} == {date(2025, 5, 1), date(2025, 1, 1)}

