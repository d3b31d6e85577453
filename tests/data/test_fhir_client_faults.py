"""A misbehaving FHIR server never stalls, crashes or leaks: each fault is answered inside the
deadline with 412 (required data) or an unavailable/incomplete category (optional data), and
the bearer token only ever reaches the allowlisted server.

Real sockets: a small fault-injecting HTTP server on 127.0.0.1 (tests/data/_support.py).
"""
from __future__ import annotations

import json
import time

import pytest

from service.errors import BadRequest, FhirAccessError, PayloadTooLarge, PreconditionFailed
from service.data.fhir_client import FhirClient, FhirPolicy, new_session, parse_server_url
from service.data.prefetch import discovery_prefetch, gather
from tests.data._support import (
    PATIENT, TOKEN, FaultServer, Req, condition, elapsed, healthy_ehr, ids, observation, patient, searchset,
)

TEMPLATES = discovery_prefetch(type("T", (), {"observation_codes": lambda self: ["http://loinc.org|29593-1"]})())
TIMEOUT = 0.3          # per call
DEADLINE = 0.6         # overall
# The faults below would hold a call for 5 s (hang) or 500 s (drip) without the deadline, so
# "answered by DEADLINE + SLACK" proves the deadline cut them short; the slack is generous so a
# loaded CI machine (2 shared cores) cannot make it flaky. This guards behaviour, not speed.
SLACK = 1.2


@pytest.fixture
def ehr():
    server = healthy_ehr()
    yield server
    server.stop()


@pytest.fixture
def elsewhere():
    """Another origin that must never be contacted (and never see the token)."""
    server = FaultServer().start()
    server.default = server.ok(searchset(observation("o-evil")))
    yield server
    server.stop()


@pytest.fixture
def session():
    s = new_session()
    yield s
    s.close()


@pytest.fixture
def policy(ehr):
    return FhirPolicy.build([ehr.base_url], allow_http=True, timeout=TIMEOUT, max_pages=3, max_bytes=100_000)


def call(ehr, policy, session, prefetch=None):
    """One hook call's data stage, timed: (record, seconds, error)."""
    req = Req(fhir_server=ehr.base_url, fhir_authorization={"access_token": TOKEN}, prefetch=prefetch or {})
    client = FhirClient.for_request(req, policy, session=session)
    return elapsed(lambda: gather(req, client=client, templates=TEMPLATES, deadline=time.monotonic() + DEADLINE))


def assert_only_ehr_saw_token(ehr, *others):
    assert ehr.seen, "the allowlisted server was called"
    assert all(auth == f"Bearer {TOKEN}" for _, auth in ehr.seen)
    for other in others:
        assert other.seen == [], "a non-allowlisted host was contacted"


# --------------------------------------------------------------------------- happy path through real sockets


def test_no_prefetch_is_read_from_the_server_in_parallel(ehr, policy, session):
    record, seconds, error = call(ehr, policy, session)
    assert error is None
    assert ids(record) == {PATIENT, "c1"} and record.unavailable == frozenset()
    assert len(ehr.seen) == 8          # complete (nothing cut off by the deadline) in one round of parallel reads
    assert all(auth == f"Bearer {TOKEN}" for _, auth in ehr.seen)


# --------------------------------------------------------------------------- faults


FAULTS = {
    "timeout": lambda s: s.hang(5),
    "http-500": lambda s: s.status(500),
    "http-503": lambda s: s.status(503),
    "http-401": lambda s: s.status(401),
    "http-403": lambda s: s.status(403),
    "http-404": lambda s: s.status(404),
    "malformed-json": lambda s: s.raw(b'{"resourceType": "Bundle", "entry": ['),
    "json-array": lambda s: s.raw(b"[]"),
    "html": lambda s: s.raw(b"<html>login</html>", "text/html"),
    "not-a-bundle": lambda s: s.ok({"resourceType": "OperationOutcome", "issue": []}),
    "slow-drip": lambda s: s.drip(0.05),
    "too-large": lambda s: s.raw(json.dumps(searchset(*[condition(f"c{i}") for i in range(2000)])).encode()),
    # issue 15, finding 5: the strict loader of request bodies reads FHIR responses too
    "nan": lambda s: s.raw(json.dumps(searchset({**condition("c1"), "onsetAge": {"value": float("nan")}})).encode()),
    "infinity": lambda s: s.raw(json.dumps(searchset({**condition("c1"), "onsetAge": {"value": float("inf")}})).encode()),
    "4000-digit-integer": lambda s: s.raw(json.dumps(searchset(condition("c1"))).encode().replace(
        b'"total": 1', b'"total": ' + b"9" * 4000)),
    "duplicate-key": lambda s: s.raw(json.dumps(searchset(condition("c1"))).encode().replace(
        b'"id": "c1"', b'"id": "c1", "id": "c2"')),
}


@pytest.mark.parametrize("fault", sorted(FAULTS))
def test_fault_on_required_data_is_412_inside_the_deadline(ehr, policy, session, fault):
    ehr.routes["Condition"] = FAULTS[fault](ehr)
    _, seconds, error = call(ehr, policy, session)
    assert isinstance(error, PreconditionFailed), error
    assert error.expression == "prefetch.conditions"
    assert seconds < DEADLINE + SLACK
    assert TOKEN not in error.message and PATIENT not in error.message


@pytest.mark.parametrize("fault", sorted(FAULTS))
def test_fault_on_optional_data_marks_it_unavailable_inside_the_deadline(ehr, policy, session, fault):
    ehr.routes["Observation"] = FAULTS[fault](ehr)
    record, seconds, error = call(ehr, policy, session)
    assert error is None, error
    assert record.unavailable == {"observations"}
    assert ids(record) == {PATIENT, "c1"}
    assert seconds < DEADLINE + SLACK


def test_patient_read_failing_is_412_naming_patient(ehr, policy, session):
    ehr.routes["Patient"] = ehr.status(404)
    _, _, error = call(ehr, policy, session)
    assert isinstance(error, PreconditionFailed) and error.expression == "prefetch.patient"


def test_every_call_hanging_still_returns_by_the_overall_deadline(ehr, policy, session):
    ehr.default = ehr.hang(5)
    ehr.routes.clear()
    _, seconds, error = call(ehr, policy, session)
    assert isinstance(error, PreconditionFailed)
    assert seconds < DEADLINE + SLACK


def test_dead_port_is_412_quickly(session):
    server = FaultServer().start()
    base = server.base_url
    server.stop()                                           # nothing listens there any more
    pol = FhirPolicy.build([base], allow_http=True, timeout=TIMEOUT)
    req = Req(fhir_server=base, fhir_authorization={"access_token": TOKEN})
    client = FhirClient.for_request(req, pol, session=session)
    _, seconds, error = elapsed(lambda: gather(req, client=client, templates=TEMPLATES,
                                               deadline=time.monotonic() + DEADLINE))
    assert isinstance(error, PreconditionFailed) and seconds < DEADLINE + SLACK


def test_failures_are_counted_for_metrics(ehr, policy, session):
    ehr.routes["Observation"] = ehr.status(503)
    ehr.routes["Procedure"] = ehr.raw(b"nonsense")
    req = Req(fhir_server=ehr.base_url, fhir_authorization={"access_token": TOKEN})
    client = FhirClient.for_request(req, policy, session=session)
    gather(req, client=client, templates=TEMPLATES, deadline=time.monotonic() + DEADLINE)
    assert client.stats["server_error"] == 1 and client.stats["bad_json"] == 1
    assert client.stats["ok"] == 6 and client.stats["requests"] == 8


# --------------------------------------------------------------------------- paging


def endless(server, *, same_url=False):
    counter = {"n": 0}

    def run(h):
        counter["n"] += 1
        n = 0 if same_url else counter["n"]
        h.send_json(searchset(observation(f"o{counter['n']}"),
                              next_url=f"{server.base_url}/Observation?patient={PATIENT}&_offset={n}"))
    return run


def test_endless_next_links_stop_at_max_pages_and_flag_incomplete(ehr, policy, session):
    ehr.routes["Observation"] = endless(ehr)
    record, seconds, error = call(ehr, policy, session)
    assert error is None
    assert record.incomplete == {"observations"} and "observations" not in record.unavailable
    assert ids(record, "Observation") == {"o1", "o2", "o3"}           # max_pages = 3
    assert sum(1 for path, _ in ehr.seen if "/Observation" in path) == 3


def test_a_next_link_pointing_to_itself_is_not_followed_forever(ehr, policy, session):
    ehr.routes["Observation"] = endless(ehr, same_url=True)
    record, _, error = call(ehr, policy, session)
    assert error is None and record.incomplete == {"observations"}
    assert sum(1 for path, _ in ehr.seen if "/Observation" in path) <= 3


def test_next_link_to_another_host_is_not_followed_and_gets_no_token(ehr, elsewhere, policy, session):
    ehr.routes["Observation"] = ehr.ok(searchset(observation("o1"),
                                                 next_url=f"{elsewhere.base_url}/Observation?page=2"))
    record, _, error = call(ehr, policy, session)
    assert error is None
    assert ids(record, "Observation") == {"o1"} and record.incomplete == {"observations"}
    assert_only_ehr_saw_token(ehr, elsewhere)


def test_next_link_outside_the_base_path_is_not_followed(ehr, policy, session):
    ehr.routes["Observation"] = ehr.ok(searchset(observation("o1"), next_url=f"{ehr.origin}/admin/Observation?p=2"))
    record, _, _ = call(ehr, policy, session)
    assert record.incomplete == {"observations"}
    assert not any(path.startswith("/admin") for path, _ in ehr.seen)


def test_a_failing_second_page_keeps_the_first_and_flags_incomplete(ehr, policy, session):
    ehr.routes["Observation"] = ehr.ok(searchset(observation("o1"), next_url=f"{ehr.base_url}/Observation?p=2"))
    ehr.routes["/fhir/Observation?p=2"] = ehr.status(500)
    record, _, _ = call(ehr, policy, session)
    assert ids(record, "Observation") == {"o1"} and record.incomplete == {"observations"}


def test_prefetched_bundle_with_next_is_completed_from_the_server(ehr, policy, session):
    ehr.routes["/fhir/Observation?page=2"] = ehr.ok(searchset(observation("o2")))
    prefetch = {"patient": patient(), "conditions": searchset(),
                "observations": searchset(observation("o1"), next_url=f"{ehr.base_url}/Observation?page=2")}
    record, _, error = call(ehr, policy, session, prefetch)
    assert error is None
    assert ids(record, "Observation") == {"o1", "o2"} and record.incomplete == frozenset()



# --------------------------------------------------------------------------- fetched resources are counted (issue 15, finding 2)


def call_limited(ehr, policy, session, max_resources, prefetch=None):
    req = Req(fhir_server=ehr.base_url, fhir_authorization={"access_token": TOKEN}, prefetch=prefetch or {})
    # generous time limits: these tests count resources, a loaded machine must not cut a read short
    policy = FhirPolicy.build([ehr.base_url], allow_http=True, timeout=5, max_pages=policy.max_pages,
                              max_bytes=policy.max_bytes)
    client = FhirClient.for_request(req, policy, session=session)
    return elapsed(lambda: gather(req, client=client, templates=TEMPLATES, deadline=time.monotonic() + 10,
                                  max_resources=max_resources))


def test_resources_read_from_the_fhir_server_count_against_the_prefetch_limit(ehr, policy, session):
    ehr.routes["Observation"] = ehr.ok(searchset(*[observation(f"o{i}") for i in range(40)]))
    record, _, error = call_limited(ehr, policy, session, max_resources=42)   # patient + c1 + 40: at the limit
    assert error is None and len(ids(record, "Observation")) == 40

    _, _, error = call_limited(ehr, policy, session, max_resources=41)        # one over
    assert isinstance(error, PayloadTooLarge) and error.status == 413
    assert error.expression == "fhirServer" and "41" in error.message


def test_next_pages_of_a_prefetched_bundle_count_too_and_paging_stops_at_the_limit(ehr, policy, session):
    ehr.routes["Observation"] = endless(ehr)          # every page: one Observation and a next link
    prefetch = {"patient": patient(), "conditions": searchset(condition("c1")),
                "observations": searchset(*[observation(f"p{i}") for i in range(10)],
                                          next_url=f"{ehr.base_url}/Observation?patient={PATIENT}&_offset=first")}
    _, _, error = call_limited(ehr, policy, session, max_resources=13, prefetch=prefetch)   # 12 prefetched
    assert isinstance(error, PayloadTooLarge)
    # 12 prefetched + 1 fetched is at the limit, the second page passes it: paging stopped there
    assert sum(1 for path, _ in ehr.seen if "/Observation" in path) == 2


# --------------------------------------------------------------------------- redirects


@pytest.mark.parametrize("code", [301, 302, 303, 307, 308])
def test_redirects_are_failures_and_are_not_followed(ehr, elsewhere, policy, session, code):
    ehr.routes["Condition"] = ehr.redirect(f"{elsewhere.base_url}/Condition?patient={PATIENT}", code)
    ehr.routes["Observation"] = ehr.redirect(f"{elsewhere.base_url}/Observation", code)
    _, _, error = call(ehr, policy, session)
    assert isinstance(error, PreconditionFailed)
    assert_only_ehr_saw_token(ehr, elsewhere)


def test_redirect_of_optional_data_marks_it_unavailable(ehr, elsewhere, policy, session):
    ehr.routes["Observation"] = ehr.redirect(f"{elsewhere.base_url}/Observation")
    record, _, error = call(ehr, policy, session)
    assert error is None and record.unavailable == {"observations"}
    assert elsewhere.seen == []


# --------------------------------------------------------------------------- which servers may be called


def req_for(server):
    return Req(fhir_server=server, fhir_authorization={"access_token": TOKEN})


def public(host, port):
    return ["93.184.216.34"]


def private(host, port):
    return ["10.1.2.3"]


ALLOWED = FhirPolicy.build(["https://ehr.example.org/fhir", "https://fhir.example.com:8443/r4/"])


@pytest.mark.parametrize("server", [
    "https://ehr.example.org/fhir",
    "https://EHR.example.org./fhir/",
    "https://ehr.example.org:443/fhir",
    "https://ehr.example.org/fhir/tenant-a",
    "https://fhir.example.com:8443/r4",
])
def test_allowlisted_servers_are_accepted(server, session):
    client = FhirClient.for_request(req_for(server), ALLOWED, session=session, resolver=public)
    assert client is not None


@pytest.mark.parametrize("server", [
    "https://ehr.example.org.evil.com/fhir",      # suffix trick
    "https://evil.com/ehr.example.org/fhir",
    "https://ehr.example.org@evil.com/fhir",      # userinfo
    "https://user:pw@ehr.example.org/fhir",
    "https://ehr.example.org/fhirx",              # path prefix without segment boundary
    "https://ehr.example.org/",                   # above the allowlisted path
    "https://ehr.example.org/fhir/../admin",
    "https://ehr.example.org/fhir/%2e%2e/admin",
    "https://ehr.example.org:8443/fhir",          # other port
    "http://ehr.example.org/fhir",                # http when not allowed
    "https://fhir.example.com/r4",                # default port, entry says 8443
    "https://ehr.example.org/fhir?x=1",
    "https://ehr.example.org/fhir#frag",
    "ftp://ehr.example.org/fhir",
    "https://ehr.example.org/fhir\\..\\admin",
    "https://ehr.example.org /fhir",
    "Patient/123",
    "",
])
def test_disallowed_fhir_servers_are_a_400_naming_fhirServer(server, session):
    with pytest.raises(BadRequest) as info:
        FhirClient.for_request(req_for(server), ALLOWED, session=session, resolver=public)
    assert info.value.status == 400 and info.value.expression == "fhirServer"
    assert TOKEN not in info.value.message


def test_http_is_accepted_only_when_allowed(session):
    http_policy = FhirPolicy.build(["http://ehr.example.org/fhir"], allow_http=True)
    assert FhirClient.for_request(req_for("http://ehr.example.org/fhir"), http_policy,
                                  session=session, resolver=public) is not None
    strict = FhirPolicy.build(["http://ehr.example.org/fhir"], allow_http=False)
    with pytest.raises(BadRequest):
        FhirClient.for_request(req_for("http://ehr.example.org/fhir"), strict, session=session, resolver=public)


@pytest.mark.parametrize("address", ["10.1.2.3", "192.168.0.7", "127.0.0.1", "169.254.169.254", "::1",
                                     "fd00::1", "::ffff:10.0.0.1", "0.0.0.0"])
def test_private_addresses_are_refused_below_an_allowlist_entry(address, session):
    with pytest.raises(BadRequest):
        FhirClient.for_request(req_for("https://ehr.example.org/fhir/tenant"), ALLOWED, session=session,
                               resolver=lambda h, p: ["93.184.216.34", address])


def test_a_private_address_is_accepted_when_that_exact_server_is_allowlisted(session):
    assert FhirClient.for_request(req_for("https://ehr.example.org/fhir"), ALLOWED, session=session,
                                  resolver=private) is not None
    loop = FhirPolicy.build(["http://127.0.0.1:8080/fhir"], allow_http=True)
    assert FhirClient.for_request(req_for("http://127.0.0.1:8080/fhir"), loop, session=session) is not None
    with pytest.raises(BadRequest):
        FhirClient.for_request(req_for("http://127.0.0.1:8080/fhir/x"), loop, session=session)


def test_unresolvable_host_below_an_entry_is_refused(session):
    def fail(host, port):
        raise OSError("no such host")
    with pytest.raises(BadRequest):
        FhirClient.for_request(req_for("https://ehr.example.org/fhir/t"), ALLOWED, session=session, resolver=fail)


def test_disallowed_server_gets_no_request_at_all(elsewhere, session):
    pol = FhirPolicy.build(["https://ehr.example.org/fhir"], allow_http=True)
    with pytest.raises(BadRequest):
        FhirClient.for_request(req_for(elsewhere.base_url), pol, session=session)
    assert elsewhere.seen == []


def test_empty_allowlist_refuses_every_server(session):
    with pytest.raises(BadRequest):
        FhirClient.for_request(req_for("https://ehr.example.org/fhir"), FhirPolicy.build([]),
                               session=session, resolver=public)


def test_bad_allowlist_entry_fails_at_start_up():
    with pytest.raises(ValueError):
        FhirPolicy.build(["https://user@ehr.example.org/fhir"])


def test_server_url_normalisation():
    url = parse_server_url("HTTPS://Ehr.Example.org.:443/fhir/")
    assert url.url == "https://ehr.example.org/fhir"


def test_client_read_refuses_absolute_or_escaping_paths(session):
    client = FhirClient("https://ehr.example.org/fhir", TOKEN, session=session)
    for bad in ("https://evil.com/x", "/etc/passwd", "../admin", "Patient/../../admin"):
        with pytest.raises(ValueError):
            client.read(bad, deadline=time.monotonic() + 1, resource_type="Patient")


def test_read_of_wrong_type_is_a_fhir_access_error(ehr, session):
    ehr.routes["Patient"] = ehr.ok(condition("c1"))
    client = FhirClient(ehr.base_url, TOKEN, session=session)
    with pytest.raises(FhirAccessError):
        client.read(f"Patient/{PATIENT}", deadline=time.monotonic() + 1)


def test_a_slow_drip_is_cut_off_by_the_per_call_time_limit_not_just_abandoned(ehr, session):
    """Each read returns within the read timeout, so only a wall-clock limit frees the worker."""
    ehr.routes["Condition"] = ehr.drip(0.05, total=40)       # 2 s in all, a byte every 50 ms
    client = FhirClient(ehr.base_url, TOKEN, timeout=TIMEOUT, session=session)
    _, seconds, error = elapsed(lambda: client.search(f"Condition?patient={PATIENT}",
                                                      deadline=time.monotonic() + 10))
    assert isinstance(error, FhirAccessError)
    assert seconds < TIMEOUT + SLACK
    assert client.stats["timeout"] == 1
