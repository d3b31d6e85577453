"""Dates at the calendar's edges (issue 15, finding 4): never a 500.

EHRs write an open-ended period as ``end: 9999-12-31`` and unknown dates as ``0001-01-01``.
``date + timedelta`` on such a date overflows; before the fix a period end of 9999-12-31 on a
therapy gave 500 (``OverflowError`` in the therapy reader's progression window). Every case here
is a full hook call through the Flask test client (auth on, checked responses), with the date put
into one element of every resource of one type of a fixture patient (and once into every date of
the record at the same time). Feedback ``outcomeTimestamp`` at the edges: see
tests/contract/test_feedback.py (``test_outcome_timestamp_at_the_calendar_edges``).
"""
from __future__ import annotations

import copy
import json
from datetime import date
from typing import Any, Callable, Iterator

import pytest

from service.picture.dates import open_end, shift
from tests.plugins.app import HOOK_PATH, fixture_hook_request

EDGES = [
    "9999-12-31",
    "0001-01-01",
    "9999-12-31T23:59:59+14:00",
    "0001-01-01T00:00:00-14:00",
    "9999-12-31T23:59:59.999Z",
]
# Fixture patients with every resource type below: MedicationRequest (net-06: timing bounds),
# MedicationStatement, MedicationAdministration, Procedure, Condition, Observation.
PATIENTS = ["net-44", "net-48", "net-06"]
SIGN_PATH = "/cds-services/net-order-sign"


def _resources(body: dict, resource_type: str) -> Iterator[dict]:
    for value in body["prefetch"].values():
        if not isinstance(value, dict):
            continue
        entries = value.get("entry") or [] if value.get("resourceType") == "Bundle" else [{"resource": value}]
        for entry in entries:
            resource = entry.get("resource")
            if isinstance(resource, dict) and resource.get("resourceType") == resource_type:
                yield resource


def _first_date(resource: dict) -> str:
    for key in ("effectiveDateTime", "performedDateTime", "authoredOn", "onsetDateTime"):
        if isinstance(resource.get(key), str):
            return resource[key]
    for key in ("effectivePeriod", "performedPeriod"):
        if isinstance(resource.get(key), dict) and resource[key].get("start"):
            return resource[key]["start"]
    return "2024-01-01"


def _bounds(edge: str, which: str) -> Callable[[dict], None]:
    def set_(mr: dict) -> None:
        period = {"start": _first_date(mr), "end": "2027-01-01", which: edge}
        instructions = mr.get("dosageInstruction") or [{"text": "as directed"}]
        for instruction in instructions:
            repeat = instruction.setdefault("timing", {}).setdefault("repeat", {})
            repeat["boundsPeriod"] = dict(period)
        mr["dosageInstruction"] = instructions
    return set_


def _period(key: str, date_key: str | None, edge: str, which: str) -> Callable[[dict], None]:
    def set_(resource: dict) -> None:
        start = _first_date(resource)
        if date_key is not None:
            resource.pop(date_key, None)
        resource[key] = {"start": start, which: edge} if which == "end" else {"start": edge}
    return set_


def _field(key: str, edge: str, drop: tuple[str, ...] = ()) -> Callable[[dict], None]:
    def set_(resource: dict) -> None:
        for other in drop:
            resource.pop(other, None)
        resource[key] = edge
    return set_


def _targets(edge: str) -> dict[str, tuple[str, Callable[[dict], None]]]:
    return {
        "MedicationRequest bounds end": ("MedicationRequest", _bounds(edge, "end")),
        "MedicationRequest bounds start": ("MedicationRequest", _bounds(edge, "start")),
        "MedicationRequest authoredOn": ("MedicationRequest", _field("authoredOn", edge)),
        "MedicationStatement effectivePeriod end": (
            "MedicationStatement", _period("effectivePeriod", "effectiveDateTime", edge, "end")),
        "MedicationStatement effectivePeriod start": (
            "MedicationStatement", _period("effectivePeriod", "effectiveDateTime", edge, "start")),
        "MedicationAdministration effectiveDateTime": (
            "MedicationAdministration", _field("effectiveDateTime", edge, drop=("effectivePeriod",))),
        "MedicationAdministration effectivePeriod end": (
            "MedicationAdministration", _period("effectivePeriod", "effectiveDateTime", edge, "end")),
        "Procedure performedPeriod end": (
            "Procedure", _period("performedPeriod", "performedDateTime", edge, "end")),
        "Procedure performedDateTime": (
            "Procedure", _field("performedDateTime", edge, drop=("performedPeriod",))),
        "Condition onset": ("Condition", _field("onsetDateTime", edge, drop=("onsetPeriod", "onsetAge"))),
        "Condition recordedDate": ("Condition", _field("recordedDate", edge)),
        "Observation effective": (
            "Observation", _field("effectiveDateTime", edge, drop=("effectivePeriod", "effectiveInstant"))),
    }


TARGET_NAMES = list(_targets("x"))
_DATE_KEYS = {"effectiveDateTime", "performedDateTime", "onsetDateTime", "authoredOn", "issued",
              "recordedDate", "abatementDateTime", "dateAsserted", "occurrenceDateTime", "start", "end",
              "birthDate", "deceasedDateTime", "effectiveInstant", "date"}


def _every_date(x: Any, edge: str) -> None:
    if isinstance(x, dict):
        for key, value in x.items():
            if key in _DATE_KEYS and isinstance(value, str):
                x[key] = edge
            else:
                _every_date(value, edge)
    elif isinstance(x, list):
        for value in x:
            _every_date(value, edge)


@pytest.fixture(scope="module")
def bodies() -> dict[str, dict]:
    return {p: fixture_hook_request(p) for p in PATIENTS}


@pytest.fixture
def post(checked_client, auth_header):
    def _post(body: dict, path: str = HOOK_PATH):
        return checked_client.post(path, data=json.dumps(body), content_type="application/json",
                                   headers=auth_header(path))
    return _post


@pytest.mark.parametrize("edge", EDGES)
@pytest.mark.parametrize("target", TARGET_NAMES)
def test_a_date_at_the_calendar_edge_in_one_element_never_gives_500(post, bodies, edge, target):
    resource_type, set_ = _targets(edge)[target]
    touched = 0
    for patient in PATIENTS:
        body = copy.deepcopy(bodies[patient])
        resources = list(_resources(body, resource_type))
        for resource in resources:
            set_(resource)
        touched += len(resources)
        response = post(body)
        assert response.status_code == 200, (patient, target, edge, response.get_json())
        assert isinstance(response.get_json()["cards"], list)
    assert touched, f"no {resource_type} in {PATIENTS}: the case tests nothing"


@pytest.mark.parametrize("edge", EDGES)
@pytest.mark.parametrize("patient", PATIENTS)
def test_every_date_of_the_record_at_the_calendar_edge_never_gives_500(post, bodies, patient, edge):
    body = copy.deepcopy(bodies[patient])
    _every_date(body["prefetch"], edge)
    response = post(body)
    assert response.status_code == 200, response.get_json()


def test_an_open_ended_therapy_with_a_progression_still_counts_as_progression_on_it(post, bodies):
    """9999-12-31 is read as "no end": the lanreotide course of net-44 stays current, not a 500."""
    plain = post(copy.deepcopy(bodies["net-44"]))
    body = copy.deepcopy(bodies["net-44"])
    for ms in _resources(body, "MedicationStatement"):
        ms["effectivePeriod"] = {"start": ms["effectivePeriod"]["start"], "end": "9999-12-31"}
    open_ended = post(body)
    assert plain.status_code == open_ended.status_code == 200
    rules = lambda r: sorted(x for c in r.get_json()["cards"] for x in c["extension"]["net-cds"]["rules"])  # noqa: E731
    assert rules(open_ended) == rules(plain)


@pytest.mark.parametrize("edge", ["9999-12-31", "0001-01-01", "9999-12-31T23:59:59+14:00"])
def test_a_draft_order_with_timing_bounds_at_the_calendar_edge_never_gives_500(post, bodies, edge):
    body = copy.deepcopy(bodies["net-44"])
    draft = {
        "resourceType": "MedicationRequest", "id": "draft-edge", "status": "draft", "intent": "order",
        "subject": {"reference": "Patient/net-44"}, "authoredOn": edge,
        "medicationCodeableConcept": {"coding": [{
            "system": "http://www.nlm.nih.gov/research/umls/rxnorm", "code": "845507",
            "display": "everolimus 10 MG Oral Tablet"}]},
        "dosageInstruction": [{"timing": {"repeat": {"boundsPeriod": {"start": edge, "end": edge},
                                                     "frequency": 1, "period": 1, "periodUnit": "d"}}}],
    }
    body["hook"] = "order-sign"
    body["context"]["draftOrders"] = {"resourceType": "Bundle", "type": "collection",
                                      "entry": [{"resource": draft}]}
    response = post(body, SIGN_PATH)
    assert response.status_code == 200, response.get_json()


# ---------------------------------------------------------------------- the helpers themselves


def test_shift_clamps_to_the_calendar_instead_of_overflowing():
    assert shift(date(9999, 12, 31), 30) == date.max
    assert shift(date(1, 1, 1), -3650) == date.min
    assert shift(date(2026, 1, 1), 31) == date(2026, 2, 1)
    assert shift(date(2026, 1, 1), -1) == date(2025, 12, 31)


def test_open_end_reads_the_year_9999_as_ongoing():
    assert open_end(date(9999, 12, 31)) is None
    assert open_end(None) is None
    assert open_end(date(2026, 5, 1)) == date(2026, 5, 1)
