"""Every synthetic fixture patient round-trips through the adapter, matches the fixture author's
clinical expectations, and its whole picture summary is pinned in tests/golden/pictures/<id>.json.

Goldens change only through ``python -m tests.picture.regen`` (or NETCDS_REGEN_GOLDENS=1), reviewed like
a clinical change.
"""
from __future__ import annotations

import json
import os

import pytest

from service.data import fhir_adapter
from service.picture.build import relevance
from service.picture.model import Agent
from tests.picture.regen import GOLDEN_DIR, golden_text
from tests.picture.summary import summarize
from tests.plugins.clinical import FIXTURES_DIR, bundle_record, fixture_bundles

BUNDLES = fixture_bundles()
INDEX = {p["id"]: p for p in json.loads((FIXTURES_DIR / "index.json").read_text(encoding="utf-8"))["patients"]} \
    if (FIXTURES_DIR / "index.json").exists() else {}
pytestmark = pytest.mark.skipif(not BUNDLES, reason="no fixture bundles yet")

#: Where the picture deliberately differs from the fixture index, and why (reported to the fixtures author).
KNOWN_DISAGREEMENTS: dict[str, dict[str, str]] = {}


@pytest.mark.parametrize("path", BUNDLES, ids=lambda p: p.stem)
def test_every_fixture_resource_validates(path, terminology):
    rec = bundle_record(path)
    for r in rec.resources:
        assert fhir_adapter.valid(r), f"{r.get('resourceType')}/{r.get('id')} fails R4 validation"
    adapted = fhir_adapter.adapt(rec.resources, relevant=relevance(terminology))
    assert adapted.invalid == 0 and adapted.patient is not None


@pytest.mark.parametrize("path", BUNDLES, ids=lambda p: p.stem)
def test_fixture_matches_clinical_expectations(path, picture_of):
    expect = INDEX.get(path.stem, {}).get("expect")
    if not expect:
        pytest.skip("no expectations in the fixture index")
    p = picture_of(bundle_record(path))
    skip = KNOWN_DISAGREEMENTS.get(path.stem, {})
    expect = {k: v for k, v in expect.items() if k not in skip}
    assert p.scope.value == expect["scope"]
    if "site" in expect:
        assert (p.primary_site.value.value if p.primary_site.known else None) == expect["site"]
    if "grade" in expect:
        assert (p.grade.value.value if p.grade.known else None) == expect["grade"]
    if "ki67" in expect:
        assert (p.ki67.value.percent if p.ki67.known else None) == expect["ki67"]
    if "sstr" in expect:
        assert (p.sstr.value.value if p.sstr.known else None) == expect["sstr"]
    if "progression" in expect:
        assert (p.progression.value if p.progression.state.value == "present" else None) == expect["progression"]
    if "syndromes" in expect:
        assert sorted(s.value for s in p.syndromes) == sorted(expect["syndromes"])
    if "hereditary" in expect:
        assert sorted(h.value for h in p.hereditary) == sorted(expect["hereditary"])
    if "differentiation" in expect and expect["differentiation"] is not None:
        assert p.differentiation.known and p.differentiation.value.value == expect["differentiation"]
    if "extent" in expect and expect["extent"] is not None:
        assert p.extent.known and p.extent.value.value == expect["extent"]
    if "site_detail" in expect:
        assert (p.site_detail.value if p.site_detail.known else None) == expect["site_detail"]
    if "tumor_size_cm" in expect:
        assert (p.tumor_size_cm.value if p.tumor_size_cm.known else None) == expect["tumor_size_cm"]
    if "gastric_type" in expect:
        assert (p.gastric_type.value if p.gastric_type.known else None) == expect["gastric_type"]
    if "prrt_declined" in expect:
        assert p.declined(Agent.PRRT) is expect["prrt_declined"]


def test_no_known_disagreement_is_stale():
    """Every allowed disagreement names a patient and a key the index still expects (and the test checks)."""
    for pid, keys in KNOWN_DISAGREEMENTS.items():
        assert set(keys) <= set(INDEX[pid]["expect"]), pid


@pytest.mark.parametrize("path", BUNDLES, ids=lambda p: p.stem)
def test_fixture_picture_golden(path, picture_of):
    text = golden_text(summarize(picture_of(bundle_record(path))))
    golden = GOLDEN_DIR / f"{path.stem}.json"
    if os.environ.get("NETCDS_REGEN_GOLDENS") == "1":
        golden.write_text(text, encoding="utf-8")
    assert golden.exists(), f"no golden for {path.stem}: run python -m tests.picture.regen and review it"
    assert golden.read_text(encoding="utf-8") == text, f"picture of {path.stem} changed: review, then regen"
