"""Against the REAL FHIR server (SEKMET, loaded with fhir_fixtures): the data stage reads what
prefetch lacks from ``fhirServer``, follows real ``next`` links, and answers 412 inside the
deadline when required data cannot be had.
"""
from __future__ import annotations

import json
import time
from pathlib import Path

import pytest

from service.errors import PreconditionFailed
from service.data.fhir_client import FhirClient, FhirPolicy, new_session
from service.protocol.request import parse_hook_request
from service.picture.terminology import load_terminology
from service.data.prefetch import discovery_prefetch, gather
from service.data.records import CATEGORIES

pytestmark = pytest.mark.fhirserver

ROOT = Path(__file__).resolve().parents[2]
PATIENT = "net-01"
DEADLINE = 2.0          # generous: SEKMET shares 2 cores with the rest of the test run
MANY = "netcds-it-many-conditions"


@pytest.fixture(scope="module")
def terminology():
    return load_terminology(ROOT / "cards" / "terminology")


@pytest.fixture(scope="module")
def templates(terminology):
    return discovery_prefetch(terminology)


@pytest.fixture
def session():
    s = new_session()
    yield s
    s.close()


def fixture_hook(patient_id: str) -> dict:
    return json.loads((ROOT / "fhir_fixtures" / "hooks" / f"{patient_id}.json").read_text(encoding="utf-8"))


def fixture_resources(patient_id: str) -> dict[str, set[str]]:
    bundle = json.loads((ROOT / "fhir_fixtures" / "bundles" / f"{patient_id}.json").read_text(encoding="utf-8"))
    out: dict[str, set[str]] = {}
    for entry in bundle["entry"]:
        r = entry["resource"]
        out.setdefault(r["resourceType"], set()).add(r["id"])
    return out


def wanted_observations(patient_id: str, terminology) -> set[str]:
    """Fixture Observations whose code is one the prefetch template asks for."""
    codes = set(terminology.observation_codes())
    bundle = json.loads((ROOT / "fhir_fixtures" / "bundles" / f"{patient_id}.json").read_text(encoding="utf-8"))
    return {e["resource"]["id"] for e in bundle["entry"]
            if e["resource"]["resourceType"] == "Observation"
            and any(f"{c.get('system')}|{c.get('code')}" in codes for c in e["resource"].get("code", {}).get("coding", []))}


def hook_request(server, *, prefetch: dict | None, token: str | None = None, patient_id: str = PATIENT,
                 base_url: str | None = None):
    body = fixture_hook(PATIENT)
    body["context"]["patientId"] = patient_id
    body.pop("prefetch", None)
    if prefetch is not None:
        body["prefetch"] = prefetch
    body["fhirServer"] = base_url or server.base_url
    body["fhirAuthorization"] = {"access_token": token or server.token, "token_type": "Bearer",
                                 "expires_in": 300, "scope": "user/*.read", "subject": "net-cds"}
    return parse_hook_request(body)


def gather_for(req, templates, session, *, base_url: str, max_pages: int = 5, deadline: float = DEADLINE):
    policy = FhirPolicy.build([base_url], allow_http=True, timeout=min(deadline, 1.0), max_pages=max_pages)
    client = FhirClient.for_request(req, policy, session=session)
    return gather(req, client=client, templates=templates, deadline=time.monotonic() + deadline), client


def by_type(record) -> dict[str, set[str]]:
    out: dict[str, set[str]] = {}
    for r in record.resources:
        out.setdefault(r["resourceType"], set()).add(r["id"])
    return out


def test_no_prefetch_at_all_is_answered_from_the_fhir_server(fhir_server, templates, terminology, session):
    req = hook_request(fhir_server, prefetch=None)
    record, client = gather_for(req, templates, session, base_url=fhir_server.base_url)
    got, expected = by_type(record), fixture_resources(PATIENT)
    assert got["Patient"] == {PATIENT}
    assert got["Condition"] == expected["Condition"] and got["Condition"]
    assert got.get("Observation", set()) == wanted_observations(PATIENT, terminology) != set()
    assert record.sources == {key: "fhir" for key in CATEGORIES}
    assert record.unavailable == frozenset() and record.incomplete == frozenset()
    assert client.stats["requests"] == len(CATEGORIES)


def test_partial_prefetch_is_completed_from_the_fhir_server(fhir_server, templates, terminology, session):
    full = fixture_hook(PATIENT)["prefetch"]
    partial = {"patient": full["patient"], "conditions": full["conditions"], "procedures": None}
    req = hook_request(fhir_server, prefetch=partial)
    record, client = gather_for(req, templates, session, base_url=fhir_server.base_url)
    assert record.sources["patient"] == record.sources["conditions"] == "prefetch"
    assert record.sources["procedures"] == "null"
    assert record.sources["observations"] == "fhir"
    assert by_type(record)["Observation"] == wanted_observations(PATIENT, terminology)
    assert client.stats["requests"] == len(CATEGORIES) - 3          # null is never re-queried


def test_prefetch_and_fhir_server_give_the_same_record(fhir_server, templates, session):
    full = fixture_hook(PATIENT)["prefetch"]
    from_prefetch, _ = gather_for(hook_request(fhir_server, prefetch=full), templates, session,
                                  base_url=fhir_server.base_url)
    from_server, _ = gather_for(hook_request(fhir_server, prefetch=None), templates, session,
                                base_url=fhir_server.base_url)
    assert by_type(from_prefetch) == by_type(from_server)


def many_conditions_bundle(n: int) -> dict:
    entries = [{"resource": {"resourceType": "Patient", "id": MANY, "gender": "other"},
                "request": {"method": "PUT", "url": f"Patient/{MANY}"}}]
    for i in range(n):
        cid = f"{MANY}-c{i:02d}"
        entries.append({"resource": {"resourceType": "Condition", "id": cid, "subject": {"reference": f"Patient/{MANY}"},
                                     "code": {"text": "synthetic test condition"}},
                        "request": {"method": "PUT", "url": f"Condition/{cid}"}})
    return {"resourceType": "Bundle", "type": "transaction", "entry": entries}


def test_real_next_links_are_followed_and_bounded(fhir_server, templates, session):
    fhir_server.load_bundle(many_conditions_bundle(45))            # SEKMET pages at 20 by default
    req = hook_request(fhir_server, prefetch=None, patient_id=MANY)
    record, _ = gather_for(req, templates, session, base_url=fhir_server.base_url)
    assert len(by_type(record)["Condition"]) == 45 and record.incomplete == frozenset()
    cut, _ = gather_for(req, templates, session, base_url=fhir_server.base_url, max_pages=2)
    assert len(by_type(cut)["Condition"]) == 40 and cut.incomplete == {"conditions"}


def test_wrong_token_is_412_for_required_data(fhir_server, templates, session):
    req = hook_request(fhir_server, prefetch=None, token="not-the-token")
    with pytest.raises(PreconditionFailed):
        gather_for(req, templates, session, base_url=fhir_server.base_url)


def test_unknown_search_parameter_outcome_entries_are_not_data(fhir_server, session):
    client = FhirClient(fhir_server.base_url, fhir_server.token, session=session)
    result = client.search(f"Condition?patient={PATIENT}&no-such-param=1", deadline=time.monotonic() + DEADLINE)
    assert result.outcomes == 1
    assert {r["resourceType"] for r in result.resources} == {"Condition"}


def test_dead_port_yields_412_inside_the_deadline(fhir_server, templates, session):
    from service.demo.fhir_server import free_port

    dead = f"http://127.0.0.1:{free_port()}/fhir"
    req = hook_request(fhir_server, prefetch=None, base_url=dead)
    start = time.monotonic()
    with pytest.raises(PreconditionFailed):
        gather_for(req, templates, session, base_url=dead, deadline=0.9)
    assert time.monotonic() - start < 0.9 + 0.25
