"""Regression tests for what the fuzz campaign (test_fuzz_campaign.py) found: each is the
minimal request that answered 500, and must now be answered as if the broken element were absent.

F1  Observation ``status`` a list or an object: ``TypeError: unhashable`` in the triage of
    ``service/picture/select.py`` (``status not in statuses``); also for an Observation inside a
    panel or a report (``_place``).
F2  ``coding.system`` / ``coding.code`` a list or an object: ``TypeError: unhashable`` in the
    code lookup of the same triage (``memo.get(system)``, ``by_code.get(code)``).
F3  a Condition, medication, procedure or report ``id`` a list or an object: ``TypeError:
    unhashable`` in the duplicate check (``select._once``).
F4  ``code.coding`` a number or ``true``: not iterable, same triage.
F5  a completed therapy ending on (or within its grace period of) 9999-12-31: ``OverflowError``
    computing end + grace (service/picture/therapy.py ``_progressed_on``,
    service/picture/tempo.py ``progression_interval``).
F6  a DiagnosticReport ``status`` a list or an object (service/data/fhir_adapter.py ``observation_parts``).
F7  a huge CodeableConcept text or display (1 MB: 12 s) - every text table ran over all of it.
"""
from __future__ import annotations

import copy
import json

import pytest

from tests.plugins.app import HOOK_PATH, fixture_hook_request

PATIENT = "net-04"    # a NET with labs, a Ki-67 and a somatostatin analogue: cards come out


@pytest.fixture
def post(checked_client, auth_header):
    def _post(body):
        return checked_client.post(HOOK_PATH, data=json.dumps(body), content_type="application/json",
                                   headers=auth_header(HOOK_PATH))
    return _post


def _summaries(response) -> list[str]:
    assert response.status_code == 200, response.get_json()
    return [card["summary"] for card in response.get_json()["cards"]]


def _entries(body: dict, key: str) -> list[dict]:
    return [e["resource"] for e in body["prefetch"][key]["entry"]]


def _with_extra_observation(body: dict, **fields) -> dict:
    body = copy.deepcopy(body)
    obs = copy.deepcopy(_entries(body, "observations")[0])
    obs.update(id="fuzz-extra", **fields)
    body["prefetch"]["observations"]["entry"].append({"resource": obs})
    return body


@pytest.mark.parametrize("status", [["final"], {"code": "final"}, [], {}])
def test_f1_observation_status_not_a_string_is_ignored(post, status):
    body = fixture_hook_request(PATIENT)
    expected = _summaries(post(body))
    assert _summaries(post(_with_extra_observation(body, status=status))) == expected


@pytest.mark.parametrize("status", [["final"], {"code": "final"}])
def test_f1_component_of_a_panel_with_a_status_not_a_string(post, status):
    body = fixture_hook_request(PATIENT)
    expected = _summaries(post(body))
    panel = {"status": status, "code": {"coding": [{"system": "http://loinc.org", "code": "85354-9"}]},
             "component": [{"code": {"coding": [{"system": "http://loinc.org", "code": "8480-6"}]},
                            "valueQuantity": {"value": 120, "unit": "mmHg"}}]}
    assert _summaries(post(_with_extra_observation(body, **panel))) == expected


@pytest.mark.parametrize("coding", [
    {"system": ["http://loinc.org"], "code": "718-7"},
    {"system": {"uri": "http://loinc.org"}, "code": "718-7"},
    {"system": "http://loinc.org", "code": ["718-7"]},
    {"system": "http://loinc.org", "code": {"value": "718-7"}},
])
def test_f2_coding_system_or_code_not_a_string_names_no_code(post, coding):
    body = fixture_hook_request(PATIENT)
    expected = _summaries(post(body))
    extra = _with_extra_observation(body, code={"coding": [coding]},
                                    valueQuantity={"value": 5.0, "unit": "g/dL"}, effectiveDateTime="2026-11-21")
    assert _summaries(post(extra)) == expected


def test_f2_a_broken_coding_beside_a_good_one_is_not_a_500(post):
    """The resource itself is invalid (the adapter drops it), but the call is answered."""
    body = copy.deepcopy(fixture_hook_request(PATIENT))
    for o in _entries(body, "observations"):
        o["code"]["coding"].insert(0, {"system": ["x"], "code": {"y": 1}})
    _summaries(post(body))


@pytest.mark.parametrize("key", ["conditions", "medicationStatements"])
@pytest.mark.parametrize("rid", [["a"], {"id": "a"}])
def test_f3_resource_id_not_a_string_is_not_a_500(post, key, rid):
    body = copy.deepcopy(fixture_hook_request(PATIENT))
    duplicate = copy.deepcopy(_entries(body, key)[0])
    duplicate["id"] = rid
    body["prefetch"][key]["entry"].append({"resource": duplicate})
    response = post(body)
    assert response.status_code == 200, response.get_json()


# F4  ``code.coding`` a number or ``true``: ``TypeError: 'int' object is not iterable`` in the same
#     triage (``for c in code.get("coding") or ()``), for an Observation, a panel's part or a report's
#     result.
@pytest.mark.parametrize("codings", [7, 1.5, True, {"system": "http://loinc.org", "code": "718-7"}])
def test_f4_coding_not_a_list_names_no_code(post, codings):
    body = fixture_hook_request(PATIENT)
    expected = _summaries(post(body))
    extra = _with_extra_observation(body, code={"coding": codings}, valueQuantity={"value": 5.0, "unit": "g/dL"})
    assert _summaries(post(extra)) == expected


# F5  a therapy whose end is 9999-12-31 (or within its grace period of it): ``OverflowError: date
#     value out of range`` where the progression window is computed (service/picture/therapy.py
#     ``_progressed_on``: end + grace).
@pytest.mark.parametrize("end", ["9999-12-31", "9999-12-30", "9999-11-01"])
def test_f5_therapy_ending_at_the_end_of_time_is_not_a_500(post, end):
    body = copy.deepcopy(fixture_hook_request(PATIENT))
    statement = _entries(body, "medicationStatements")[0]
    statement["status"] = "completed"      # an active therapy has no end
    statement["effectivePeriod"] = {"start": statement["effectivePeriod"]["start"], "end": end}
    _summaries(post(body))



# F6  a DiagnosticReport ``status`` a list or an object: ``TypeError: unhashable`` reading the
#     report's contained results (service/data/fhir_adapter.py ``observation_parts``). The same
#     guard was added where a report's uncoded results become text (select.py ``_narrative``).
@pytest.mark.parametrize("status", [{"code": "final"}, ["final"]])
def test_f6_report_status_not_a_string_is_not_a_500(post, status):
    body = copy.deepcopy(fixture_hook_request("net-208"))
    report = next(r for r in _entries(body, "diagnosticReports") if r.get("contained"))
    report["status"] = status
    _summaries(post(body))


# F7  (from the campaign's slowest answers: 0.9 s for a 62 KB medication display made by a mutation)
#     every text table's patterns ran over a CodeableConcept's whole text and displays, several times
#     per medication: a 1 MB display took 12 s (linear, ~12 us a character), so a 10 MB body could
#     hold a worker for minutes. ``Concept.all_text`` (service/data/fhir_adapter.py) now reads at most
#     CONCEPT_TEXT_CAP characters. Shown by what the text tables are given, not by timing.
@pytest.mark.parametrize("field", ["display", "text"])
def test_f7_text_tables_read_a_bounded_prefix_of_a_huge_medication_name(post, monkeypatch, field):
    from service.data import fhir_adapter
    from service.picture.terminology import Terminology

    cap = getattr(fhir_adapter, "CONCEPT_TEXT_CAP", 4096)

    longest = {"chars": 0}
    for name in ("match_text", "match_all"):
        real = getattr(Terminology, name)

        def spy(self, table, text, _real=real):
            longest["chars"] = max(longest["chars"], len(text or ""))
            return _real(self, table, text)
        monkeypatch.setattr(Terminology, name, spy)

    body = copy.deepcopy(fixture_hook_request(PATIENT))
    concept = _entries(body, "medicationStatements")[0]["medicationCodeableConcept"]
    name = "octreotide 30 MG Injection "
    if field == "display":
        concept["coding"][0]["display"] = name * 40_000          # ~1 MB
    else:
        concept["text"] = name * 40_000
    _summaries(post(body))
    assert 0 < longest["chars"] <= cap
