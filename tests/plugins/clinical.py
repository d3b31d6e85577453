"""pytest fixtures: clinical (see tests/conftest.py): value sets, fixture patients, pictures."""
from __future__ import annotations

import json
from collections.abc import Callable
from datetime import date
from pathlib import Path

import pytest

from service.picture.build import build_picture
from service.picture.model import NetPicture
from service.picture.terminology import Terminology, load_terminology
from service.data.records import PatientRecord

ROOT = Path(__file__).resolve().parents[2]
TERMINOLOGY_DIR = ROOT / "cards" / "terminology"
FIXTURES_DIR = ROOT / "fhir_fixtures"
#: The fixed "today" of the fixture patients and goldens.
FIXTURE_AS_OF = date(2026, 11, 22)


@pytest.fixture(scope="session")
def terminology() -> Terminology:
    return load_terminology(TERMINOLOGY_DIR)


def bundle_record(path: Path) -> PatientRecord:
    """A transaction Bundle of one synthetic patient -> PatientRecord (every resource, deduplicated)."""
    bundle = json.loads(path.read_text(encoding="utf-8"))
    resources: dict[tuple[str, str], dict] = {}
    patient_id = None
    for entry in bundle.get("entry") or ():
        r = entry.get("resource")
        if not isinstance(r, dict):
            continue
        resources[(r.get("resourceType"), r.get("id"))] = r
        if r.get("resourceType") == "Patient":
            patient_id = r.get("id")
    return PatientRecord(patient_id or path.stem, tuple(resources.values()))


def fixture_bundles() -> list[Path]:
    return sorted((FIXTURES_DIR / "bundles").glob("*.json"))


@pytest.fixture(scope="session")
def picture_of(terminology: Terminology) -> Callable[..., NetPicture]:
    """Build the picture of a PatientRecord with the reviewed value sets (as_of defaults to the fixture day)."""
    def build(record: PatientRecord, *, as_of: date = FIXTURE_AS_OF, lookback_days: int = 365) -> NetPicture:
        return build_picture(record, as_of=as_of, terminology=terminology, lookback_days=lookback_days)
    return build
