"""One resource cannot cost more than its first few items and characters (issue 15, finding 2).

A 4-9 MB ``code.text``, an Observation with 80,000 components, a Condition with 600,000 notes took seconds: every
reader walked every item and every text pattern saw every character. The readers now look at a bounded prefix
(service/data/limits.py). Shown by counting what the readers do (items read, characters a pattern sees) and by
cost ratios (10x more items past the cap costs about the same), never by a wall-clock bound; and each hostile
resource, in a body within NETCDS_MAX_BODY_BYTES, gets a 200 through the whole hook call.
"""
from __future__ import annotations

import copy
import json
import time
import uuid
from datetime import date
from pathlib import Path

import pytest

from service.data import fhir_adapter as fa
from service.data.limits import MAX_CODINGS, MAX_ITEMS, MAX_NOTES_TEXT, MAX_TEXT, clip
from service.data.records import PatientRecord
from service.picture.terminology import Terminology
from tests.plugins.app import HOOK_PATH, fixture_hook_request

REPO = Path(__file__).resolve().parents[2]
BODY_LIMIT = 10_000_000        # service.config: max_body_bytes default
KI67 = {"coding": [{"system": "http://loinc.org", "code": "29593-1"}]}


def _panel(n: int) -> dict:
    component = {"code": KI67, "valueQuantity": {"value": 5, "unit": "%", "code": "%"}}
    return {"resourceType": "Observation", "id": "panel", "status": "final",
            "code": {"coding": [{"system": "http://example.org/panel", "code": "synoptic"}]},
            "subject": {"reference": "Patient/p"}, "effectiveDateTime": "2026-10-01", "component": [component] * n}


def _condition(**changes) -> dict:
    r = {"resourceType": "Condition", "id": "c", "subject": {"reference": "Patient/p"},
         "code": {"coding": [{"system": "http://hl7.org/fhir/sid/icd-10-cm", "code": "C7A.012"}],
                  "text": "Malignant carcinoid tumour of the ileum"}}
    r.update(changes)
    return r


def _ratio(fn, small, large, tries: int = 5) -> float:
    """best time of fn(large) / best time of fn(small), timed in turn (both see the same load)."""
    best_small = best_large = float("inf")
    for _ in range(tries):
        started = time.perf_counter()
        fn(small)
        best_small = min(best_small, time.perf_counter() - started)
        started = time.perf_counter()
        fn(large)
        best_large = min(best_large, time.perf_counter() - started)
    return best_large / max(best_small, 1e-7)


# ---------------------------------------------------------------------- what the readers read


def test_readers_read_at_most_the_first_items(monkeypatch):
    calls = []
    real = fa.concept
    monkeypatch.setattr(fa, "concept", lambda value: calls.append(1) or real(value))
    counts = []
    for n in (1_000, 80_000):
        calls.clear()
        rec = fa.read_observation(_panel(n))
        assert len(rec.components) == MAX_ITEMS
        counts.append(len(calls))
    assert counts[0] == counts[1] <= 2 * MAX_ITEMS + 5      # the same work for 80x the components
    parts = fa.observation_parts(_panel(80_000))
    assert len(parts) == MAX_ITEMS


def test_notes_codings_and_text_are_cut():
    notes = [{"text": "n" * 50}] * 600_000
    rec = fa.read_condition(_condition(note=notes))
    assert len(rec.note) == MAX_NOTES_TEXT
    many = _condition(code={"coding": [{"system": "http://snomed.info/sct", "code": str(i)} for i in range(200_000)],
                            "text": "x" * 4_000_000})
    rec = fa.read_condition(many)
    assert len(rec.code.codings) == MAX_CODINGS and len(rec.code.text) == MAX_TEXT
    obs = fa.read_observation({**_panel(1), "valueString": "1" * 9_000_000})
    assert len(obs.string) == MAX_TEXT


def test_clip_cuts_lists_and_refuses_what_no_element_is():
    assert len(clip({"coding": [{"code": "a"}] * 5_000})["coding"]) == MAX_ITEMS
    assert clip({f"k{i}": 1 for i in range(1_000)}) is None
    deep: object = "x"
    for _ in range(50):
        deep = [deep]
    assert clip(deep) is None
    text = "y" * 100_000
    assert clip({"text": text})["text"] is text      # strings are validated whole (one linear scan)


# ---------------------------------------------------------------------- validation cost past the cap


@pytest.mark.parametrize(("make", "small", "large"), [
    (_panel, 8_000, 80_000),
    (lambda n: _condition(note=[{"text": "n"}] * n), 60_000, 600_000),
    (lambda n: _condition(code={"coding": [{"system": "http://snomed.info/sct", "code": "1"}] * n}), 20_000, 200_000),
    (lambda n: _condition(bodySite=[{"text": "ileum"}] * n), 20_000, 200_000),
])
def test_validating_ten_times_more_items_costs_about_the_same(make, small, large):
    """Once over the cap, 10x the items costs about 1x (it cost 10x: every item was checked)."""
    fa.prepare_validation()
    small_r, large_r = make(small), make(large)
    assert _ratio(lambda r: fa.ElementValidator().valid(r), small_r, large_r) < 3.0


def test_a_long_list_is_validated_as_the_readers_read_it():
    """Items past the cap are not read, so they do not make the resource invalid either."""
    fa.prepare_validation()
    bad_tail = [{"text": "ileum"}] * MAX_ITEMS + [{"text": 5}]
    assert fa.ElementValidator().valid(_condition(bodySite=bad_tail))
    assert not fa.ElementValidator().valid(_condition(bodySite=[{"text": 5}] + bad_tail))


# ---------------------------------------------------------------------- text patterns see bounded text


def test_no_text_pattern_sees_more_than_a_few_caps(monkeypatch):
    """Through the whole picture (select, diagnosis, therapy ...): a 4 MB code.text and 4 MB notes reach the
    terminology's text patterns only as their first characters."""
    from service.pipeline import advise, prepare_knowledge
    from service.picture.terminology import load_terminology

    seen: list[int] = []
    for name in ("match_text", "match_all"):
        real = getattr(Terminology, name)

        def spy(self, table, text, _real=real):
            seen.append(len(text))
            return _real(self, table, text)
        monkeypatch.setattr(Terminology, name, spy)
    hook = fixture_hook_request("net-05")
    condition = hook["prefetch"]["conditions"]["entry"][0]["resource"]
    condition["code"]["text"] = "neuroendocrine tumour " + "x" * 4_000_000
    condition["note"] = [{"text": "n" * 4_000_000}]
    resources = [hook["prefetch"]["patient"]] + [e["resource"] for k, v in hook["prefetch"].items()
                                                 if k != "patient" for e in v.get("entry", [])]
    cards = advise(PatientRecord("net-05", tuple(resources)), as_of=date(2026, 11, 22),
                   knowledge=prepare_knowledge(REPO / "cards"),
                   terminology=load_terminology(REPO / "cards" / "terminology"),
                   uuid_factory=lambda: str(uuid.uuid4()))
    assert cards and seen
    assert max(seen) <= MAX_TEXT * (MAX_CODINGS + 3)       # text + displays + notes, never the 4 MB


# ---------------------------------------------------------------------- through the whole hook call


def _fits(body: dict) -> bytes:
    data = json.dumps(body).encode()
    assert len(data) <= BODY_LIMIT
    return data


def _hostile_bodies() -> dict[str, bytes]:
    base = fixture_hook_request("net-05")
    room = BODY_LIMIT - len(json.dumps(base)) - 2_000
    out = {}
    body = copy.deepcopy(base)
    body["prefetch"]["conditions"]["entry"][0]["resource"]["code"]["text"] = "neuroendocrine tumour " + "x" * room
    out["9 MB code.text"] = _fits(body)
    body = copy.deepcopy(base)
    one = len(json.dumps(_panel(1)["component"][0])) + 2
    body["prefetch"]["observations"]["entry"].append({"resource": _panel(room // one - 10)})
    out["75,000 components"] = _fits(body)
    body = copy.deepcopy(base)
    body["prefetch"]["conditions"]["entry"][0]["resource"]["note"] = [{"text": "n"}] * (room // 15)
    out["600,000 notes"] = _fits(body)
    return out


def test_hostile_resources_within_the_body_limit_get_an_answer(app_factory):
    app = app_factory(NETCDS_AUTH_DISABLED="true")
    client = app.test_client()
    for name, data in _hostile_bodies().items():
        response = client.post(HOOK_PATH, data=data, content_type="application/json")
        assert response.status_code == 200, name
        assert response.get_json()["cards"], name
