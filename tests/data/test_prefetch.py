"""The prefetch decision table (CDS Hooks §Prefetch Template) and template tokens.

FHIR calls are mocked with ``responses`` here; real sockets are in test_fhir_client_faults.py
and the real server in tests/integration.
"""
from __future__ import annotations

import re
import time
from collections import Counter
from urllib.parse import parse_qs, unquote, urlsplit

import pytest
import responses

from service.errors import BadRequest, PreconditionFailed
from service.data.fhir_client import FhirClient, FhirPolicy, new_session
from service.data.prefetch import TemplateError, discovery_prefetch, gather, instantiate
from service.data.records import CATEGORIES
from tests.data._support import (
    OTHER, PATIENT, TOKEN, Req, condition, ids, observation, operation_outcome, patient, resource_of,
    searchset,
)

BASE = "https://ehr.example.org/fhir"


class Terms:
    def __init__(self, codes=("http://loinc.org|29593-1", "http://loinc.org|1694-9")):
        self.codes = list(codes)

    def observation_codes(self):
        return self.codes


TEMPLATES = discovery_prefetch(Terms())


def full_prefetch(**overrides):
    """A complete prefetch for PATIENT; keyword overrides replace (or, with ..., remove) keys."""
    data = {
        "patient": patient(),
        "conditions": searchset(condition("c1")),
        "observations": searchset(observation("o1")),
        "medicationRequests": searchset(),
        "medicationStatements": searchset(),
        "medicationAdministrations": searchset(),
        "procedures": searchset(),
        "diagnosticReports": searchset(),
    }
    for key, value in overrides.items():
        if value is ...:
            data.pop(key)
        else:
            data[key] = value
    return data


@pytest.fixture
def session():
    s = new_session()
    yield s
    s.close()


@pytest.fixture
def client(session):
    return FhirClient(BASE, TOKEN, timeout=0.5, max_pages=3, session=session)


@pytest.fixture
def fhir():
    with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
        yield mock


def run(req, client=None, **kw):
    return gather(req, client=client, templates=TEMPLATES, deadline=time.monotonic() + 0.9, **kw)


def register_search(fhir, rtype, body, status=200):
    fhir.add(responses.GET, re.compile(re.escape(f"{BASE}/{rtype}") + r"\?.*"), json=body, status=status)


# --------------------------------------------------------------------------- discovery templates


def test_discovery_declares_one_template_per_category_in_r4_syntax():
    assert list(TEMPLATES) == list(CATEGORIES)
    assert TEMPLATES["patient"] == "Patient/{{context.patientId}}"
    assert TEMPLATES["conditions"] == "Condition?patient={{context.patientId}}"
    obs = TEMPLATES["observations"]
    assert obs.startswith("Observation?patient={{context.patientId}}&code=")
    assert "&_sort=-date&" in obs + "&" and "sort:desc" not in obs and "_count=500" in obs
    codes = parse_qs(urlsplit(obs).query)["code"][0].split(",")
    assert codes == ["http://loinc.org|1694-9", "http://loinc.org|29593-1"]


def test_templates_stay_inside_the_cds_hooks_query_subset():
    allowed = {"patient", "code", "category", "_sort", "_count"}
    for key, template in TEMPLATES.items():
        path, _, query = template.partition("?")
        assert re.fullmatch(r"[A-Z][A-Za-z]+(/\{\{context\.patientId\}\})?", path), key
        for param in filter(None, query.split("&")):
            name = param.split("=", 1)[0]
            assert name in allowed, (key, name)     # no modifiers such as code:text, no chaining


def test_code_values_with_fhir_special_characters_are_escaped():
    template = discovery_prefetch(Terms(["urn:oid:1.2|a,b", "http://x.org|c$d"]))["observations"]
    value = unquote(parse_qs(urlsplit(template).query)["code"][0])
    assert "urn:oid:1.2|a\\,b" in value and "http://x.org|c\\$d" in value
    assert value.count(",") - value.count("\\,") == 1          # exactly one OR separator


# --------------------------------------------------------------------------- tokens


def test_tokens_are_filled_from_context_and_url_encoded():
    req = Req(patient_id="a&b=c", user_id="Practitioner/dr 7", context={"encounterId": "enc-1"})
    assert instantiate("Condition?patient={{context.patientId}}", req) == "Condition?patient=a%26b%3Dc"
    assert instantiate("Patient/{{context.patientId}}", Req(patient_id="x/../y")) == "Patient/x%2F..%2Fy"
    assert instantiate("Practitioner/{{userPractitionerId}}", req) == "Practitioner/dr%207"
    assert instantiate("Encounter/{{context.encounterId}}", req) == "Encounter/enc-1"
    assert instantiate("Practitioner/{{context.userId}}", req) == "Practitioner/Practitioner%2Fdr%207"


@pytest.mark.parametrize("template", [
    "PractitionerRole/{{userPractitionerRoleId}}",      # the user is a Practitioner
    "Encounter/{{context.encounterId}}",                # not in this context
    "X/{{context.medication.id}}",                      # only root-level fields are tokens
    "X/{{somethingElse}}",
])
def test_unfillable_tokens_are_refused(template):
    with pytest.raises(TemplateError):
        instantiate(template, Req())


# --------------------------------------------------------------------------- decision table


def test_complete_prefetch_is_used_without_calling_the_fhir_server(fhir, client):
    record = run(Req(prefetch=full_prefetch()), client)
    assert ids(record) == {PATIENT, "c1", "o1"}
    assert record.unavailable == frozenset() and record.incomplete == frozenset()
    assert set(record.sources.values()) == {"prefetch"}
    assert len(fhir.calls) == 0


def test_null_means_no_data_and_is_not_requeried(fhir, client):
    record = run(Req(prefetch=full_prefetch(observations=None, procedures=None)), client)
    assert record.sources["observations"] == "null"
    assert "observations" not in record.unavailable
    assert ids(record, "Observation") == set()
    assert len(fhir.calls) == 0


def test_null_for_a_required_search_is_no_data_not_412():
    record = run(Req(prefetch=full_prefetch(conditions=None)))
    assert record.sources["conditions"] == "null" and "conditions" not in record.unavailable


def test_empty_bundle_means_no_data_and_is_not_requeried(fhir, client):
    record = run(Req(prefetch=full_prefetch(observations={"resourceType": "Bundle", "type": "searchset"})), client)
    assert record.sources["observations"] == "prefetch"
    assert "observations" not in record.unavailable and len(fhir.calls) == 0


def test_operation_outcome_without_server_makes_optional_category_unavailable():
    record = run(Req(prefetch=full_prefetch(observations=operation_outcome())))
    assert record.unavailable == {"observations"}
    assert record.sources["observations"] == "unavailable"
    assert ids(record) == {PATIENT, "c1"}


def test_operation_outcome_is_requeried_when_a_server_is_usable(fhir, client):
    register_search(fhir, "Observation", searchset(observation("o9")))
    record = run(Req(prefetch=full_prefetch(observations=operation_outcome())), client)
    assert record.sources["observations"] == "fhir"
    assert ids(record, "Observation") == {"o9"}
    assert len(fhir.calls) == 1


def test_bundle_of_only_operation_outcomes_counts_as_unavailable():
    only_outcomes = searchset(outcomes=2)
    record = run(Req(prefetch=full_prefetch(procedures=only_outcomes)))
    assert record.unavailable == {"procedures"}


def test_outcome_entries_beside_matches_are_ignored_and_matches_kept():
    record = run(Req(prefetch=full_prefetch(conditions=searchset(condition("c1"), condition("c2"), outcomes=1))))
    assert ids(record, "Condition") == {"c1", "c2"} and record.unavailable == frozenset()


def test_only_match_entries_and_entries_without_mode_are_read():
    bundle = searchset(condition("c1"), mode=None)
    bundle["entry"].append({"resource": condition("c-included"), "search": {"mode": "include"}})
    record = run(Req(prefetch=full_prefetch(conditions=bundle)))
    assert ids(record, "Condition") == {"c1"}


def test_operation_outcome_for_required_key_without_server_is_412():
    with pytest.raises(PreconditionFailed) as info:
        run(Req(prefetch=full_prefetch(conditions=operation_outcome())))
    assert info.value.status == 412 and info.value.expression == "prefetch.conditions"
    assert "conditions" in info.value.message


def test_absent_keys_are_fetched_from_the_fhir_server_with_instantiated_templates(fhir, client):
    fhir.add(responses.GET, f"{BASE}/Patient/{PATIENT}", json=patient())
    register_search(fhir, "Condition", searchset(condition("c5")))
    register_search(fhir, "Observation", searchset(observation("o5")))
    record = run(Req(prefetch=full_prefetch(patient=..., conditions=..., observations=...)), client)
    assert ids(record) == {PATIENT, "c5", "o5"}
    assert record.sources["patient"] == record.sources["conditions"] == "fhir"
    assert record.sources["procedures"] == "prefetch"
    urls = {urlsplit(c.request.url).path: parse_qs(urlsplit(c.request.url).query) for c in fhir.calls}
    assert urls["/fhir/Condition"] == {"patient": [PATIENT]}
    assert urls["/fhir/Observation"]["code"] == ["http://loinc.org|1694-9,http://loinc.org|29593-1"]
    assert urls["/fhir/Observation"]["_sort"] == ["-date"]
    assert all(c.request.headers["Authorization"] == f"Bearer {TOKEN}" for c in fhir.calls)
    assert all(c.request.headers["Accept"] == "application/fhir+json" for c in fhir.calls)


def test_absent_optional_key_without_server_is_unavailable_not_an_error():
    record = run(Req(prefetch=full_prefetch(medicationStatements=...)))
    assert record.unavailable == {"medicationStatements"}


@pytest.mark.parametrize("missing", ["patient", "conditions"])
def test_required_key_absent_and_no_server_is_412(missing):
    with pytest.raises(PreconditionFailed) as info:
        run(Req(prefetch=full_prefetch(**{missing: ...})))
    assert info.value.expression == f"prefetch.{missing}"


def test_no_prefetch_at_all_and_no_server_is_412():
    with pytest.raises(PreconditionFailed):
        run(Req(prefetch=None))


def test_paginated_prefetch_is_followed_on_the_same_server_with_the_token(fhir, client):
    page2 = f"{BASE}/Observation?patient={PATIENT}&_offset=1"
    fhir.add(responses.GET, page2, json=searchset(observation("o2")))
    record = run(Req(prefetch=full_prefetch(observations=searchset(observation("o1"), next_url=page2))), client)
    assert ids(record, "Observation") == {"o1", "o2"}
    assert record.incomplete == frozenset()
    assert fhir.calls[0].request.headers["Authorization"] == f"Bearer {TOKEN}"


def test_paginated_prefetch_without_server_keeps_first_page_and_flags_incomplete():
    page2 = f"{BASE}/Observation?_offset=1"
    record = run(Req(prefetch=full_prefetch(observations=searchset(observation("o1"), next_url=page2))))
    assert ids(record, "Observation") == {"o1"}
    assert record.incomplete == {"observations"} and record.unavailable == frozenset()


def test_paginated_prefetch_pointing_elsewhere_is_not_followed(fhir, client):
    evil = "https://evil.example.net/fhir/Observation?page=2"
    record = run(Req(prefetch=full_prefetch(observations=searchset(observation("o1"), next_url=evil))), client)
    assert record.incomplete == {"observations"}
    assert len(fhir.calls) == 0


# --------------------------------------------------------------------------- whose data


def test_other_patients_resources_in_prefetch_are_dropped_and_counted():
    stats = Counter()
    smuggled = searchset(condition("c1"), condition("c-other", OTHER), observation("o-x", OTHER))
    record = run(Req(prefetch=full_prefetch(conditions=smuggled)), stats=stats)
    assert ids(record, "Condition") == {"c1"}
    assert "o-x" not in ids(record)                               # also the wrong type for the key
    assert stats["dropped_other_patient"] == 1 and stats["dropped_wrong_type"] == 1


def test_resources_without_a_subject_are_dropped():
    orphan = {"resourceType": "Condition", "id": "c-orphan"}
    record = run(Req(prefetch=full_prefetch(conditions=searchset(condition("c1"), orphan))))
    assert ids(record, "Condition") == {"c1"}


def test_absolute_and_versioned_patient_references_are_recognised():
    c_abs = condition("c-abs")
    c_abs["subject"]["reference"] = f"{BASE}/Patient/{PATIENT}"
    c_ver = condition("c-ver")
    c_ver["subject"]["reference"] = f"Patient/{PATIENT}/_history/3"
    c_pre = condition("c-prefix")
    c_pre["subject"]["reference"] = f"Patient/{PATIENT}x"
    record = run(Req(prefetch=full_prefetch(conditions=searchset(c_abs, c_ver, c_pre))))
    assert ids(record, "Condition") == {"c-abs", "c-ver"}


def test_another_patients_patient_resource_is_refused_then_412_without_server():
    with pytest.raises(PreconditionFailed) as info:
        run(Req(prefetch=full_prefetch(patient=patient(OTHER))))
    assert info.value.expression == "prefetch.patient"


def test_another_patients_patient_resource_is_replaced_from_the_server(fhir, client):
    fhir.add(responses.GET, f"{BASE}/Patient/{PATIENT}", json=patient())
    record = run(Req(prefetch=full_prefetch(patient=patient(OTHER))), client)
    assert ids(record, "Patient") == {PATIENT}


def test_resources_fetched_from_the_server_are_filtered_too(fhir, client):
    register_search(fhir, "Procedure", searchset(resource_of("Procedure", "pr1"),
                                                  resource_of("Procedure", "pr2", OTHER)))
    record = run(Req(prefetch=full_prefetch(procedures=...)), client)
    assert ids(record, "Procedure") == {"pr1"}


def test_resources_are_deduplicated_by_type_and_id():
    record = run(Req(prefetch=full_prefetch(conditions=searchset(condition("c1"), condition("c1")))))
    assert [r["id"] for r in record.resources if r["resourceType"] == "Condition"] == ["c1"]


@pytest.mark.parametrize("value", ["Patient/pat-1", 42, [patient()], {"resourceType": "Bundle"}])
def test_malformed_required_prefetch_is_unusable(value):
    with pytest.raises(PreconditionFailed):
        run(Req(prefetch=full_prefetch(patient=value)))


# --------------------------------------------------------------------------- which server


def resolver_to(address):
    return lambda host, port: [address]


def policy(**kw):
    return FhirPolicy.build([BASE], **kw)


def test_server_without_authorization_is_ignored_unless_anonymous_allowed(session):
    req = Req(fhir_server=BASE, fhir_authorization=None)
    assert FhirClient.for_request(req, policy(), session=session) is None
    anon = FhirClient.for_request(req, policy(allow_anonymous=True), session=session,
                                  resolver=resolver_to("93.184.216.34"))
    assert anon is not None and "token=no" in repr(anon)


def test_anonymous_client_sends_no_authorization_header(fhir, session):
    anon = FhirClient.for_request(Req(fhir_server=BASE), policy(allow_anonymous=True), session=session,
                                  resolver=resolver_to("93.184.216.34"))
    register_search(fhir, "Condition", searchset(condition("c1")))
    run(Req(fhir_server=BASE, prefetch=full_prefetch(conditions=...)), anon)
    assert "Authorization" not in fhir.calls[0].request.headers


def test_server_without_authorization_and_required_key_absent_is_412(session):
    req = Req(fhir_server=BASE, prefetch=full_prefetch(conditions=...))
    with pytest.raises(PreconditionFailed):
        run(req, FhirClient.for_request(req, policy(), session=session))


def test_authorization_without_a_token_is_a_bad_request(session):
    req = Req(fhir_server=BASE, fhir_authorization={"token_type": "Bearer"})
    with pytest.raises(BadRequest) as info:
        FhirClient.for_request(req, policy(), session=session)
    assert info.value.expression == "fhirAuthorization.access_token"


def test_token_never_appears_in_the_client_repr(session):
    c = FhirClient.for_request(Req(fhir_server=BASE, fhir_authorization={"access_token": TOKEN}), policy(),
                               session=session, resolver=resolver_to("93.184.216.34"))
    assert TOKEN not in repr(c) and TOKEN not in str(c)


def test_a_server_read_returning_another_patient_is_412(fhir, client):
    fhir.add(responses.GET, f"{BASE}/Patient/{PATIENT}", json=patient(OTHER))
    with pytest.raises(PreconditionFailed) as info:
        run(Req(prefetch=full_prefetch(patient=...)), client)
    assert info.value.expression == "prefetch.patient"


def test_an_exactly_allowlisted_server_needs_no_dns_lookup(session):
    def no_dns(host, port):
        raise AssertionError("DNS lookup on the request path")
    assert FhirClient.for_request(Req(fhir_server=BASE, fhir_authorization={"access_token": TOKEN}), policy(),
                                  session=session, resolver=no_dns) is not None
