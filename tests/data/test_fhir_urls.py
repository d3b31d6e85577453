"""FHIR URL tricks and DNS pinning (issue 15, finding 8).

``fhirServer`` and ``next`` links are normalised, then refused if a server would read them as
somewhere else: ``;`` path parameters (``/fhir/..;/admin`` is ``/admin`` to Tomcat and Spring),
percent-encoded dot segments in any case, encoded or plain backslashes, double encoding. A host
checked at one address is connected to at that address: a second DNS answer (rebinding) between
check and connect is never used; TLS still verifies, and SNI and ``Host`` still name, the host.
"""
from __future__ import annotations

import socket
import time

import pytest
import requests

from service.data import fhir_client
from service.data.fhir_client import FhirClient, FhirPolicy, PinnedAdapter, _PINS, new_session, parse_server_url
from service.errors import BadRequest
from tests.data._support import PATIENT, TOKEN, FaultServer, Req, patient, searchset, observation

ALLOWED = FhirPolicy.build(["https://ehr.example.org/fhir"])


def public(host, port):
    return ["93.184.216.34"]


TRICKS = [
    "https://ehr.example.org/fhir/..;/admin",
    "https://ehr.example.org/fhir/..;x=1/admin",
    "https://ehr.example.org/fhir/tenant;jsessionid=1",
    "https://ehr.example.org/fhir/%2e%2e/admin",
    "https://ehr.example.org/fhir/%2E%2E/admin",
    "https://ehr.example.org/fhir/%2e%2E/admin",
    "https://ehr.example.org/fhir/.%2e/admin",
    "https://ehr.example.org/fhir/%2e./admin",
    "https://ehr.example.org/fhir/%2e/admin",
    "https://ehr.example.org/fhir/%252e%252e/admin",      # double encoding
    "https://ehr.example.org/fhir/%5c..%5cadmin",          # encoded backslash
    "https://ehr.example.org/fhir/%5C..%5Cadmin",
    "https://ehr.example.org/fhir\\..\\admin",              # plain backslash
    "https://ehr.example.org/fhir/..%2fadmin",
    "https://ehr.example.org/fhir/%00/admin",
    "https://ehr.example.org/fhir/%ff",                    # not UTF-8
    "https://ehr.example.org%2eevil.com/fhir",
]


@pytest.mark.parametrize("url", TRICKS)
def test_each_trick_in_fhir_server_is_a_400_naming_fhirServer(url):
    with pytest.raises(ValueError):
        parse_server_url(url)
    req = Req(fhir_server=url, fhir_authorization={"access_token": TOKEN})
    with pytest.raises(BadRequest) as info:
        FhirClient.for_request(req, ALLOWED, resolver=public)
    assert info.value.expression == "fhirServer"


def test_plain_urls_still_pass():
    for url in ("https://ehr.example.org/fhir/tenant-a", "https://ehr.example.org/fhir/Patient/pat-1.v2",
                "https://fhir_server:8080/fhir"):
        parse_server_url(url)
    parse_server_url("https://ehr.example.org/fhir/Observation?code=http%3A%2F%2Floinc.org%7C1", allow_query=True)


@pytest.mark.parametrize("link", [
    "/fhir/..;/admin/Observation?page=2",
    "/fhir/%2e%2e/admin/Observation?page=2",
    "/fhir/%2E%2E/admin/Observation?page=2",
    "%2e%2e/admin/Observation?page=2",
    "/fhir/%5c..%5cadmin/Observation?page=2",
    "/fhir/Observation;x=..?page=2",
])
def test_next_links_with_tricks_are_not_followed_and_get_no_token(link):
    ehr = FaultServer().start()
    session = new_session()
    try:
        ehr.routes["Observation"] = ehr.ok(searchset(observation("o1"), next_url=link))
        ehr.default = ehr.ok(searchset(observation("o-admin")))
        client = FhirClient(ehr.base_url, TOKEN, session=session)
        result = client.search(f"Observation?patient={PATIENT}", deadline=time.monotonic() + 2)
        assert {r["id"] for r in result.resources} == {"o1"} and result.complete is False
        assert [path for path, _ in ehr.seen] == [f"/fhir/Observation?patient={PATIENT}"]
    finally:
        session.close()
        ehr.stop()


# --------------------------------------------------------------------------- pinning


@pytest.fixture
def two_hosts():
    """The same port on 127.0.0.1 (the address checked) and 127.0.0.2 (a rebinding's answer)."""
    first = FaultServer("/fhir/tenant", host="127.0.0.1").start()
    try:
        second = FaultServer("/fhir/tenant", host="127.0.0.2", port=first.port).start()
    except OSError:
        first.stop()
        pytest.skip("127.0.0.2 is not usable here")
    hosts = {}
    for name, server in (("first", first), ("second", second)):
        def answer(h, name=name):
            hosts.setdefault(name, []).append(h.headers.get("Host"))
            h.send_json(patient())
        server.routes["Patient"] = answer
    yield first, second, hosts
    first.stop()
    second.stop()


def test_the_connection_goes_to_the_checked_address_not_a_second_dns_answer(two_hosts, monkeypatch):
    first, second, hosts = two_hosts
    real = socket.getaddrinfo
    calls = []

    def rebinding(host, port, *args, **kwargs):
        if host != "ehr.rebind.test":
            return real(host, port, *args, **kwargs)
        calls.append(host)
        address = "127.0.0.1" if len(calls) == 1 else "127.0.0.2"       # first answer checked, then rebound
        return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", (address, port))]

    monkeypatch.setattr(socket, "getaddrinfo", rebinding)
    monkeypatch.setattr(fhir_client, "_is_public", lambda address: address == "127.0.0.1")   # loopback stands in
    port = first.port
    policy = FhirPolicy.build([f"http://ehr.rebind.test:{port}/fhir"], allow_http=True)
    req = Req(fhir_server=f"http://ehr.rebind.test:{port}/fhir/tenant", fhir_authorization={"access_token": TOKEN})
    session = new_session()
    try:
        client = FhirClient.for_request(req, policy, session=session)        # resolves once: 127.0.0.1, checked
        assert calls == ["ehr.rebind.test"]
        for _ in range(2):
            assert client.read(f"Patient/{PATIENT}", deadline=time.monotonic() + 2)["id"] == PATIENT
    finally:
        session.close()
    assert hosts == {"first": [f"ehr.rebind.test:{port}"] * 2}, "every request went to the checked address"
    assert calls == ["ehr.rebind.test"], "no second resolution between check and connect"


def test_without_pinning_the_same_setup_would_reach_the_rebound_address(two_hosts, monkeypatch):
    """The control: a plain requests session resolves again and lands on the second answer."""
    first, second, hosts = two_hosts
    real = socket.getaddrinfo
    calls = []

    def rebinding(host, port, *args, **kwargs):
        if host != "ehr.rebind.test":
            return real(host, port, *args, **kwargs)
        calls.append(host)
        address = "127.0.0.1" if len(calls) == 1 else "127.0.0.2"
        return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", (address, port))]

    monkeypatch.setattr(socket, "getaddrinfo", rebinding)
    socket.getaddrinfo("ehr.rebind.test", first.port)                 # the check's resolution
    with requests.Session() as plain:
        plain.trust_env = False
        plain.get(f"http://ehr.rebind.test:{first.port}/fhir/tenant/Patient/{PATIENT}", timeout=2)
    assert "second" in hosts


def test_https_pins_the_address_but_verifies_and_names_the_hostname():
    adapter = PinnedAdapter()
    request = requests.Request("GET", "https://ehr.example.org/fhir/Patient/p").prepare()
    token = _PINS.set({("ehr.example.org", 443): "93.184.216.34"})
    try:
        pool = adapter.get_connection_with_tls_context(request, True)
    finally:
        _PINS.reset(token)
    assert pool.host == "93.184.216.34" and pool.port == 443
    assert pool.conn_kw.get("server_hostname") == "ehr.example.org"      # SNI
    assert pool.assert_hostname == "ehr.example.org"                      # certificate checked for the name
    unpinned = adapter.get_connection_with_tls_context(request, True)
    assert unpinned.host == "ehr.example.org"
    adapter.close()
