"""CDS client JWT verification (CDS Hooks 2.0 §9, Sandbox behaviour §14).

Every rejection test also asserts the logged reason category, so each test proves that the
guard it names fired (not merely that *something* rejected the token).
"""
from __future__ import annotations

import base64
import copy
import functools
import json
import logging
import threading
from types import SimpleNamespace

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa

from service.protocol.auth import (
    Claims,
    InMemoryReplayCache,
    ReplayCacheFull,
    TrustedIssuers,
    Verifier,
    check_fetch_url,
)
from service.errors import ConfigError, Unauthorized
from tests.plugins.keys import (
    KID_ES384,
    KID_RSA,
    OMIT,
    SANDBOX_ISS,
    SANDBOX_JKU,
    SANDBOX_KID,
    TENANT_ISS,
    TEST_AUD,
    TEST_BASE_URL,
    TEST_ISS,
    TEST_TENANT,
    public_jwk,
    sandbox_like_token,
)

DISCOVERY_AUD = f"{TEST_BASE_URL}/cds-services"
NOW = 1_700_000_000.0


@pytest.fixture
def make_verifier(issuers_file):
    def _make(issuers: TrustedIssuers | dict | None = None, **kw) -> Verifier:
        if issuers is None:
            issuers = TrustedIssuers.from_file(issuers_file)
        elif isinstance(issuers, dict):
            issuers = TrustedIssuers.from_mapping(issuers)
        kw.setdefault("public_base_url", TEST_BASE_URL)
        return Verifier(issuers, **kw)

    return _make


@pytest.fixture
def auth_log(caplog):
    caplog.set_level(logging.DEBUG, logger="service.protocol.auth")
    return caplog


def rejected(verifier: Verifier, header: str | None, audience: str, caplog) -> str:
    """Assert the call is refused with a detail-free 401 and return the logged reason category."""
    caplog.clear()
    with pytest.raises(Unauthorized) as excinfo:
        verifier.verify(header, audience)
    assert str(excinfo.value) == Unauthorized.public_message      # no detail in the error
    assert excinfo.value.__cause__ is None
    reasons = [r.reason for r in caplog.records if r.name == "service.protocol.auth" and r.levelno == logging.WARNING]
    assert reasons, "a rejection must be logged at WARNING"
    return reasons[-1]


def bearer(token: str) -> str:
    return f"Bearer {token}"


# ------------------------------------------------------------------------------------ accepted
def test_valid_es384_token_passes_and_returns_its_claims(make_verifier, mint):
    token = mint(jti="jti-1", claims={"sub": "client-x"})
    claims = make_verifier().verify(bearer(token), TEST_AUD)
    assert claims.iss == TEST_ISS and claims.jti == "jti-1" and claims.tenant is None
    assert isinstance(claims.exp, int)


@pytest.mark.parametrize("alg", ["ES384", "RS384", "ES256", "RS256", "PS384"])
def test_each_allowlisted_asymmetric_algorithm_passes(make_verifier, mint, alg):
    assert make_verifier().verify(bearer(mint(alg=alg)), TEST_AUD).iss == TEST_ISS


def test_aud_array_containing_the_endpoint_passes(make_verifier, mint):
    token = mint(aud=["https://elsewhere.example/x", TEST_AUD])
    assert make_verifier().verify(bearer(token), TEST_AUD).iss == TEST_ISS


def test_bearer_scheme_is_case_insensitive_and_typ_is_optional(make_verifier, mint):
    assert make_verifier().verify(f"bearer {mint(typ=OMIT)}", TEST_AUD).iss == TEST_ISS


def test_extra_claims_sub_and_past_nbf_are_tolerated(make_verifier, mint):
    token = mint(nbf=int(NOW) - 300, now=NOW, claims={"sub": "epic-client", "foo": [1]})
    assert make_verifier(clock=lambda: NOW).verify(bearer(token), TEST_AUD).iss == TEST_ISS


def test_sandbox_shaped_token_with_iat_half_a_second_ahead_passes(make_verifier, sandbox_test_key):
    now = NOW + 0.6                                   # the Sandbox rounds iat up to NOW + 1
    token = sandbox_like_token(sandbox_test_key, TEST_AUD, now=now)
    header = json.loads(base64.urlsafe_b64decode(token.split(".")[0] + "=="))
    payload = json.loads(base64.urlsafe_b64decode(token.split(".")[1] + "=="))
    assert header == {"alg": "ES384", "typ": "JWT", "kid": SANDBOX_KID, "jku": SANDBOX_JKU}
    assert payload["iat"] > now and payload["exp"] == payload["iat"] + 300 and "tenant" not in payload

    claims = make_verifier(clock=lambda: now).verify(bearer(token), TEST_AUD)
    assert claims == Claims(iss=SANDBOX_ISS, tenant=None, jti=payload["jti"], exp=payload["exp"])


def test_zero_leeway_would_reject_the_sandbox_token_so_the_leeway_matters(make_verifier, sandbox_test_key, auth_log):
    now = NOW + 0.6
    token = sandbox_like_token(sandbox_test_key, TEST_AUD, now=now)
    assert rejected(make_verifier(clock=lambda: now, leeway=0), bearer(token), TEST_AUD, auth_log) == "iat-in-future"


def test_configured_alternative_audience_base_is_accepted_for_the_same_endpoint(make_verifier, mint, auth_log, issuers_config):
    config = copy.deepcopy(issuers_config)
    config[TEST_ISS]["audiences"] = ["https://ehr-facing.example/net/"]
    verifier = make_verifier(config)
    ok = mint(aud="https://ehr-facing.example/net/cds-services/net-treatment")
    assert verifier.verify(bearer(ok), TEST_AUD).iss == TEST_ISS
    other_endpoint = mint(aud="https://ehr-facing.example/net/cds-services")
    assert rejected(verifier, bearer(other_endpoint), TEST_AUD, auth_log) == "bad-audience"


# ------------------------------------------------------------------------------------ the Sandbox's real key
def _committed_sandbox_jwks() -> dict:
    from service.demo.issuer import SANDBOX_JWKS_PATH

    return json.loads(SANDBOX_JWKS_PATH.read_text(encoding="utf-8"))


def _b64int(value: str) -> int:
    return int.from_bytes(base64.urlsafe_b64decode(value + "=" * (-len(value) % 4)), "big")


def test_dev_issuers_file_trusts_the_sandboxs_real_public_key(tmp_path):
    from service.demo.issuer import write_dev_issuers

    committed = _committed_sandbox_jwks()["keys"][0]
    assert committed["kid"] == SANDBOX_KID and committed["crv"] == "P-384" and "d" not in committed

    path = write_dev_issuers(tmp_path / "dev-issuers.json", state_dir=tmp_path / "state")
    raw = json.loads(path.read_text())
    entry = raw[SANDBOX_ISS]
    assert entry["jku"] == [SANDBOX_JKU]
    (written,) = entry["jwks"]["keys"]
    assert (written["x"], written["y"]) == (committed["x"], committed["y"])
    assert '"d"' not in path.read_text()                            # public keys only

    issuer = TrustedIssuers.from_file(path).get(SANDBOX_ISS)
    key = issuer.keys[SANDBOX_KID]                                  # kid resolves to ...
    numbers = key.key.public_numbers()                              # ... the real public key
    assert (numbers.x, numbers.y) == (_b64int(committed["x"]), _b64int(committed["y"]))
    assert key.fits("ES384") and not key.fits("RS384")


def test_sandbox_shaped_token_under_the_sandbox_kid_passes_with_dev_file_layout(tmp_path, sandbox_test_key):
    """The dev file's Sandbox entry, with a test key in place of the real one, accepts a Sandbox token."""
    from service.demo.issuer import write_dev_issuers

    raw = json.loads(write_dev_issuers(tmp_path / "dev.json", state_dir=tmp_path / "state").read_text())
    raw[SANDBOX_ISS]["jwks"]["keys"][0] = public_jwk(sandbox_test_key, SANDBOX_KID, alg="ES384")
    verifier = Verifier(TrustedIssuers.from_mapping(raw), fetch_jwks=_no_fetch)
    claims = verifier.verify(bearer(sandbox_like_token(sandbox_test_key, TEST_AUD)), TEST_AUD)
    assert claims.iss == SANDBOX_ISS


def test_dev_file_verifies_with_the_real_key_so_a_test_key_fails(tmp_path, sandbox_test_key, auth_log):
    from service.demo.issuer import write_dev_issuers

    path = write_dev_issuers(tmp_path / "dev.json", state_dir=tmp_path / "state")
    verifier = Verifier(TrustedIssuers.from_file(path), fetch_jwks=_no_fetch)
    token = sandbox_like_token(sandbox_test_key, TEST_AUD)
    assert rejected(verifier, bearer(token), TEST_AUD, auth_log) == "bad-signature"


def _no_fetch(url):  # pragma: no cover - a call is the failure
    raise AssertionError(f"nothing may be fetched, but {url} was")


# ------------------------------------------------------------------------------------ rejected
def _hs256_with_public_key(mint, rs384_key):
    pem = rs384_key.public_key().public_bytes(serialization.Encoding.PEM,
                                              serialization.PublicFormat.SubjectPublicKeyInfo)
    return mint(alg="HS256", kid=KID_RSA, key=pem)


REJECTIONS = {
    # name: (token factory(mint, keys) -> token, audience, reason)
    "wrong aud": (lambda m, k: m(aud="https://other.example/cds-services/net-treatment"), TEST_AUD, "bad-audience"),
    "aud with trailing slash": (lambda m, k: m(aud=TEST_AUD + "/"), TEST_AUD, "bad-audience"),
    "aud with other scheme": (lambda m, k: m(aud=TEST_AUD.replace("https://", "http://")), TEST_AUD, "bad-audience"),
    "aud of discovery used for the service": (lambda m, k: m(aud=DISCOVERY_AUD), TEST_AUD, "bad-audience"),
    "aud array without the endpoint": (lambda m, k: m(aud=[DISCOVERY_AUD]), TEST_AUD, "bad-audience"),
    "aud missing": (lambda m, k: m(aud=OMIT), TEST_AUD, "bad-audience"),
    "expired beyond leeway": (lambda m, k: m(iat=int(NOW) - 400, exp=int(NOW) - 61, now=NOW), TEST_AUD, "expired"),
    "iat far in the future": (lambda m, k: m(iat=int(NOW) + 120, exp=int(NOW) + 400, now=NOW), TEST_AUD, "iat-in-future"),
    "nbf in the future": (lambda m, k: m(nbf=int(NOW) + 120, now=NOW), TEST_AUD, "not-yet-valid"),
    "exp - iat > max lifetime": (lambda m, k: m(iat=int(NOW), exp=int(NOW) + 3601, now=NOW), TEST_AUD, "bad-lifetime"),
    "exp missing": (lambda m, k: m(exp=OMIT, now=NOW), TEST_AUD, "missing-exp"),
    "iat missing": (lambda m, k: m(iat=OMIT, now=NOW), TEST_AUD, "missing-iat"),
    "exp not a number": (lambda m, k: m(exp=str(int(NOW) + 100), now=NOW), TEST_AUD, "missing-exp"),
    "unknown issuer": (lambda m, k: m(iss="https://evil.example"), TEST_AUD, "unknown-issuer"),
    "iss missing": (lambda m, k: m(iss=OMIT), TEST_AUD, "unknown-issuer"),
    "unknown kid": (lambda m, k: m(kid="no-such-kid"), TEST_AUD, "unknown-kid"),
    "kid missing": (lambda m, k: m(kid=OMIT), TEST_AUD, "missing-kid"),
    "alg none": (lambda m, k: m(alg="none"), TEST_AUD, "bad-alg"),
    "HS256 signed with the public key bytes": (lambda m, k: _hs256_with_public_key(m, k["RS384"]), TEST_AUD, "bad-alg"),
    "ES384 header with an RSA key": (lambda m, k: m(alg="ES384", kid=KID_RSA), TEST_AUD, "key-alg-mismatch"),
    "RS384 header with an EC key": (lambda m, k: m(alg="RS384", kid=KID_ES384), TEST_AUD, "key-alg-mismatch"),
    "ES256 header with a P-384 key": (lambda m, k: m(alg="ES256", kid=KID_ES384, key=k["ES256"]), TEST_AUD, "key-alg-mismatch"),
    "typ not JWT": (lambda m, k: m(typ="at+jwt"), TEST_AUD, "bad-typ"),
    "crit header": (lambda m, k: m(headers={"crit": ["exp"], "exp": 1}), TEST_AUD, "unsupported-header"),
    "signed by another key under a trusted kid": (
        lambda m, k: m(key=ec.generate_private_key(ec.SECP384R1())), TEST_AUD, "bad-signature"),
    "jti missing": (lambda m, k: m(jti=OMIT), TEST_AUD, "missing-jti"),
    "jti empty": (lambda m, k: m(jti=""), TEST_AUD, "missing-jti"),
    "tenant not allowed": (lambda m, k: m(iss=TENANT_ISS, tenant="hospital-b"), TEST_AUD, "tenant-not-allowed"),
    "tenant absent where required": (lambda m, k: m(iss=TENANT_ISS), TEST_AUD, "tenant-not-allowed"),
    "jku not on the issuer's allowlist": (
        lambda m, k: m(headers={"jku": "https://evil.example/jwks.json"}), TEST_AUD, "jku-not-allowed"),
}


@pytest.mark.parametrize("name", list(REJECTIONS))
def test_bad_token_is_rejected_with_401_for_the_right_reason(name, make_verifier, mint, signing_keys, auth_log):
    factory, audience, reason = REJECTIONS[name]
    token = factory(functools.partial(mint, now=NOW), signing_keys)      # every token minted at NOW ...
    verifier = make_verifier(clock=lambda: NOW)                           # ... and verified at NOW
    assert rejected(verifier, bearer(token), audience, auth_log) == reason


def test_tenant_on_the_allowlist_passes(make_verifier, mint):
    assert make_verifier().verify(bearer(mint(iss=TENANT_ISS, tenant=TEST_TENANT)), TEST_AUD).tenant == TEST_TENANT


def test_algorithm_outside_the_configured_allowlist_is_rejected(make_verifier, mint, auth_log):
    verifier = make_verifier(algorithms=("ES384",))
    assert verifier.verify(bearer(mint(alg="ES384")), TEST_AUD)
    assert rejected(verifier, bearer(mint(alg="RS384")), TEST_AUD, auth_log) == "bad-alg"


def test_tampered_payload_fails_the_signature(make_verifier, mint, auth_log):
    h, p, s = mint().split(".")
    claims = json.loads(base64.urlsafe_b64decode(p + "=="))
    claims["tenant"] = "injected"
    forged = base64.urlsafe_b64encode(json.dumps(claims).encode()).rstrip(b"=").decode()
    assert rejected(make_verifier(), bearer(f"{h}.{forged}.{s}"), TEST_AUD, auth_log) == "bad-signature"


def test_replayed_jti_is_rejected(make_verifier, mint, auth_log):
    verifier = make_verifier()
    token = mint()
    verifier.verify(bearer(token), TEST_AUD)
    assert rejected(verifier, bearer(token), TEST_AUD, auth_log) == "replayed-jti"
    # the same jti in a freshly signed token is a replay too
    assert rejected(verifier, bearer(mint(jti=_jti(token))), TEST_AUD, auth_log) == "replayed-jti"


def _jti(token: str) -> str:
    return json.loads(base64.urlsafe_b64decode(token.split(".")[1] + "=="))["jti"]


def test_rejected_token_does_not_poison_the_replay_cache(make_verifier, mint, auth_log):
    verifier = make_verifier()
    assert rejected(verifier, bearer(mint(jti="j-1", aud=DISCOVERY_AUD)), TEST_AUD, auth_log) == "bad-audience"
    assert verifier.verify(bearer(mint(jti="j-1")), TEST_AUD).jti == "j-1"


def test_concurrent_replays_let_exactly_one_through(make_verifier, mint):
    verifier = make_verifier()
    header = bearer(mint())
    results: list[bool] = []

    def call():
        try:
            verifier.verify(header, TEST_AUD)
            results.append(True)
        except Unauthorized:
            results.append(False)

    threads = [threading.Thread(target=call) for _ in range(16)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(results) == [False] * 15 + [True]


@pytest.mark.parametrize("header,reason", [
    (None, "missing-authorization"),
    ("", "missing-authorization"),
    ("Basic dXNlcjpwYXNz", "wrong-scheme"),
    ("Token abc.def.ghi", "wrong-scheme"),
    ("Bearer", "malformed-token"),
    ("Bearer not-a-jwt", "malformed-token"),
    ("Bearer a.b", "malformed-token"),
    ("Bearer a.b.c.d", "malformed-token"),
    ("Bearer !!!.@@@.###", "malformed-token"),
    ("Bearer eyJhbGciOiJFUzM4NCJ9.%%%.sig", "malformed-token"),
    ("Bearer bm90IGpzb24.bm90IGpzb24.c2ln", "malformed-token"),          # base64 of "not json"
    ("Bearer WzFd.e30.c2ln", "malformed-token"),                          # header is a JSON array
    ("Bearer " + "A" * 20000 + ".e30.c2ln", "malformed-token"),          # oversized
])
def test_missing_or_malformed_authorization_is_rejected(make_verifier, auth_log, header, reason):
    assert rejected(make_verifier(), header, TEST_AUD, auth_log) == reason


def test_bare_token_without_scheme_is_rejected(make_verifier, mint, auth_log):
    assert rejected(make_verifier(), mint(), TEST_AUD, auth_log) == "wrong-scheme"


def test_expiry_honours_leeway_but_not_beyond(make_verifier, mint, auth_log):
    token = mint(iat=int(NOW) - 300, exp=int(NOW) - 30, now=NOW)
    assert make_verifier(clock=lambda: NOW).verify(bearer(token), TEST_AUD)
    late = mint(iat=int(NOW) - 300, exp=int(NOW) - 30, now=NOW)
    assert rejected(make_verifier(clock=lambda: NOW + 31), bearer(late), TEST_AUD, auth_log) == "expired"


# ------------------------------------------------------------------------------------ jku / JWKS URL
def test_jku_off_the_allowlist_is_never_fetched(make_verifier, mint, jwks_server, auth_log):
    attacker = ec.generate_private_key(ec.SECP384R1())
    jwks_server.jwks = {"keys": [public_jwk(attacker, SANDBOX_KID, alg="ES384")]}
    for iss in (SANDBOX_ISS, TEST_ISS):
        token = mint(iss=iss, kid=SANDBOX_KID, key=attacker, headers={"jku": jwks_server.url()})
        # default fetcher (real requests) in use: a fetch would reach the loopback server
        assert rejected(make_verifier(), bearer(token), TEST_AUD, auth_log) == "jku-not-allowed"
    assert jwks_server.requests == []


def test_allowlisted_sandbox_jku_is_not_fetched_because_its_key_is_inline(make_verifier, sandbox_test_key):
    verifier = make_verifier(fetch_jwks=_no_fetch)
    assert verifier.verify(bearer(sandbox_like_token(sandbox_test_key, TEST_AUD)), TEST_AUD).iss == SANDBOX_ISS


@pytest.fixture
def url_issuer(jwks_server, es384_key):
    """An issuer whose keys are published at a loopback JWKS URL."""
    jwks_server.jwks = {"keys": [public_jwk(es384_key, "k1", alg="ES384")]}
    return TrustedIssuers.from_mapping({TEST_ISS: {"jwks_url": jwks_server.url()}})


def test_jwks_url_key_is_fetched_once_then_cached(make_verifier, mint, url_issuer, jwks_server, clock):
    verifier = make_verifier(url_issuer, clock=clock)
    verifier.verify(bearer(mint(kid="k1", now=clock.now)), TEST_AUD)
    assert jwks_server.requests == ["/.well-known/jwks.json"]
    clock.advance(60)
    verifier.verify(bearer(mint(kid="k1", now=clock.now)), TEST_AUD)
    assert len(jwks_server.requests) == 1                       # cached
    clock.advance(300)                                          # TTL (300 s) passed
    verifier.verify(bearer(mint(kid="k1", now=clock.now)), TEST_AUD)
    assert len(jwks_server.requests) == 2


def test_key_rotation_unknown_kid_triggers_one_refetch(make_verifier, mint, url_issuer, jwks_server, clock):
    verifier = make_verifier(url_issuer, clock=clock)
    verifier.verify(bearer(mint(kid="k1", now=clock.now)), TEST_AUD)
    new_key = ec.generate_private_key(ec.SECP384R1())
    jwks_server.jwks["keys"].append(public_jwk(new_key, "k2", alg="ES384"))
    clock.advance(30)
    assert verifier.verify(bearer(mint(kid="k2", key=new_key, now=clock.now)), TEST_AUD).iss == TEST_ISS
    assert len(jwks_server.requests) == 2


def test_unknown_kid_is_rejected_after_one_rate_limited_refetch(make_verifier, mint, url_issuer, jwks_server, clock, auth_log):
    verifier = make_verifier(url_issuer, clock=clock)
    verifier.verify(bearer(mint(kid="k1", now=clock.now)), TEST_AUD)
    clock.advance(30)
    assert rejected(verifier, bearer(mint(kid="bogus", now=clock.now)), TEST_AUD, auth_log) == "unknown-kid"
    assert len(jwks_server.requests) == 2                       # one refetch
    for _ in range(5):
        assert rejected(verifier, bearer(mint(kid="bogus", now=clock.now)), TEST_AUD, auth_log) == "unknown-kid"
    assert len(jwks_server.requests) == 2                       # rate-limited: no hammering


def test_jwks_url_failure_rejects_without_crashing(make_verifier, mint, url_issuer, jwks_server, auth_log):
    jwks_server.status = 500
    assert rejected(make_verifier(url_issuer), bearer(mint(kid="k1")), TEST_AUD, auth_log) == "unknown-kid"
    assert len(jwks_server.requests) == 1


def test_fetched_jwks_with_private_key_material_is_not_used(make_verifier, mint, url_issuer, jwks_server, es384_key, auth_log):
    leaked = _private_jwk(es384_key, "k1")
    jwks_server.jwks = {"keys": [leaked]}
    assert rejected(make_verifier(url_issuer), bearer(mint(kid="k1")), TEST_AUD, auth_log) == "unknown-kid"


def test_allowlisted_jku_is_fetched_for_a_url_issuer(make_verifier, mint, jwks_server, es384_key):
    jwks_server.jwks = {"keys": [public_jwk(es384_key, "k1", alg="ES384")]}
    jku = jwks_server.url("/other/jwks.json")
    issuers = TrustedIssuers.from_mapping({TEST_ISS: {"jwks_url": jwks_server.url(), "jku": [jku]}})
    make_verifier(issuers).verify(bearer(mint(kid="k1", headers={"jku": jku})), TEST_AUD)
    assert jwks_server.requests == ["/other/jwks.json"]


@pytest.mark.parametrize("url,ok", [
    ("https://ehr.example/jwks.json", True),
    ("http://127.0.0.1:8000/jwks.json", True),
    ("http://localhost/jwks.json", True),
    ("http://ehr.example/jwks.json", False),
    ("http://10.0.0.1/jwks.json", False),
    ("file:///etc/passwd", False),
    ("https://user:pw@ehr.example/jwks.json", False),
])
def test_only_https_or_loopback_http_jwks_urls_may_be_fetched(url, ok):
    if ok:
        check_fetch_url(url)
    else:
        with pytest.raises(ValueError):
            check_fetch_url(url)


# ------------------------------------------------------------------------------------ logging
def test_logs_never_contain_the_token_but_name_iss_jti_and_reason(make_verifier, mint, auth_log):
    verifier = make_verifier()
    good = mint(jti="log-jti-1")
    bad = mint(jti="log-jti-2", aud=DISCOVERY_AUD)
    verifier.verify(bearer(good), TEST_AUD)
    with pytest.raises(Unauthorized):
        verifier.verify(bearer(bad), TEST_AUD)
    with pytest.raises(Unauthorized):
        verifier.verify(bearer(good), TEST_AUD)                 # replay
    dumped = auth_log.text + "".join(repr(vars(r)) for r in auth_log.records)
    for token in (good, bad):
        assert token not in dumped
        assert token.split(".")[2] not in dumped                 # not even the signature
    failure = [r for r in auth_log.records if r.levelno == logging.WARNING][0]
    assert (failure.iss, failure.jti, failure.reason, failure.tenant) == (TEST_ISS, "log-jti-2", "bad-audience", None)


# ------------------------------------------------------------------------------------ auth disabled
def test_auth_disabled_passes_and_warns_on_every_request(auth_log):
    verifier = Verifier(TrustedIssuers(), auth_disabled=True)
    for _ in range(2):
        auth_log.clear()
        assert verifier.verify(None, TEST_AUD).iss == "auth-disabled"
        assert [r.getMessage() for r in auth_log.records if r.levelno == logging.WARNING] == [
            "authentication disabled: development only"]


def test_auth_enabled_without_issuers_refuses_to_start():
    with pytest.raises(ConfigError):
        Verifier(TrustedIssuers())


# ------------------------------------------------------------------------------------ settings
def test_from_settings_maps_the_settings(issuers_file, mint):
    from service.config import Settings

    settings = Settings.from_env({"NETCDS_TRUSTED_ISSUERS": str(issuers_file),
                                  "NETCDS_PUBLIC_BASE_URL": TEST_BASE_URL,
                                  "NETCDS_JWT_ALGORITHMS": "ES384"})
    verifier = Verifier.from_settings(settings)
    assert verifier.algorithms == {"ES384"} and verifier.leeway == 60 and verifier.max_lifetime == 3600
    assert verifier.verify(bearer(mint()), f"{settings.public_base_url}/cds-services/net-treatment").iss == TEST_ISS


def test_from_settings_auth_disabled_needs_no_issuers_file():
    settings = SimpleNamespace(trusted_issuers_path=None, auth_disabled=True, jwt_algorithms=("ES384",),
                               jwt_leeway_seconds=60, jwt_max_lifetime_seconds=3600, public_base_url=TEST_BASE_URL)
    assert Verifier.from_settings(settings).verify(None, TEST_AUD).iss == "auth-disabled"


@pytest.mark.parametrize("algs", [("none",), ("HS256",), ("ES384", "HS512"), ()])
def test_insecure_algorithm_allowlist_refuses_to_start(issuers_file, algs):
    with pytest.raises(ConfigError):
        Verifier(TrustedIssuers.from_file(issuers_file), algorithms=algs)


# ------------------------------------------------------------------------------------ issuers file
def _private_jwk(key, kid):
    from jwt.algorithms import ECAlgorithm

    return {**ECAlgorithm.to_jwk(key, as_dict=True), "kid": kid}


@pytest.fixture(scope="module")
def rsa_1024():
    return rsa.generate_private_key(public_exponent=65537, key_size=1024)


BAD_FILES = {
    "private key": (lambda k: {"i": {"jwks": {"keys": [_private_jwk(k["ES384"], "a")]}}}, "private"),
    "symmetric key": (lambda k: {"i": {"jwks": {"keys": [{"kty": "oct", "kid": "a", "k": "c2VjcmV0"}]}}}, "symmetric"),
    "unknown kty": (lambda k: {"i": {"jwks": {"keys": [{"kty": "OKP", "kid": "a", "crv": "Ed25519", "x": "AA"}]}}}, "kty"),
    "missing kid": (lambda k: {"i": {"jwks": {"keys": [public_jwk(k["ES384"], "")]}}}, "kid"),
    "duplicate kid": (lambda k: {"i": {"jwks": {"keys": [public_jwk(k["ES384"], "a"), public_jwk(k["RS384"], "a")]}}}, "duplicate"),
    "alg does not fit key": (lambda k: {"i": {"jwks": {"keys": [public_jwk(k["ES384"], "a", alg="ES256")]}}}, "fit"),
    "enc key": (lambda k: {"i": {"jwks": {"keys": [public_jwk(k["ES384"], "a", use="enc")]}}}, "use"),
    "no keys": (lambda k: {"i": {"jwks": {"keys": []}}}, "no keys"),
    "jwks not a set": (lambda k: {"i": {"jwks": [1]}}, "'keys'"),
    "both jwks and url": (lambda k: {"i": {"jwks": {"keys": [public_jwk(k["ES384"], "a")]}, "jwks_url": "https://x/j"}}, "exactly one"),
    "neither jwks nor url": (lambda k: {"i": {"jku": ["https://x/j"]}}, "exactly one"),
    "http jwks_url": (lambda k: {"i": {"jwks_url": "http://ehr.example/jwks"}}, "https"),
    "http jku": (lambda k: {"i": {"jwks_url": "https://x/j", "jku": ["http://ehr.example/jwks"]}}, "https"),
    "jku not a list": (lambda k: {"i": {"jwks_url": "https://x/j", "jku": "https://x/j"}}, "jku"),
    "unknown field": (lambda k: {"i": {"jwks_url": "https://x/j", "audience": ["https://x"]}}, "unknown field"),
    "empty tenants": (lambda k: {"i": {"jwks_url": "https://x/j", "tenants": []}}, "tenants"),
    "relative audience": (lambda k: {"i": {"jwks_url": "https://x/j", "audiences": ["/cds-services"]}}, "audience"),
    "issuer not an object": (lambda k: {"i": "https://x/j"}, "object"),
    "empty file": (lambda k: {}, "no trusted issuers"),
    "top level array": (lambda k: [], "JSON object"),
}


@pytest.mark.parametrize("name", list(BAD_FILES))
def test_bad_issuers_file_refuses_to_start_naming_the_problem(name, tmp_path, signing_keys):
    build, fragment = BAD_FILES[name]
    path = tmp_path / "issuers.json"
    path.write_text(json.dumps(build(signing_keys)))
    with pytest.raises(ConfigError) as excinfo:
        TrustedIssuers.from_file(path)
    assert fragment.lower() in str(excinfo.value).lower()
    assert "NETCDS_TRUSTED_ISSUERS" in str(excinfo.value)


def test_weak_rsa_key_in_issuers_file_is_refused(tmp_path, rsa_1024):
    path = tmp_path / "issuers.json"
    path.write_text(json.dumps({"i": {"jwks": {"keys": [public_jwk(rsa_1024, "a")]}}}))
    with pytest.raises(ConfigError, match="2048"):
        TrustedIssuers.from_file(path)


@pytest.mark.parametrize("content,fragment", [(None, "cannot be read"), ("{not json", "not valid JSON")])
def test_unreadable_issuers_file_refuses_to_start(tmp_path, content, fragment):
    path = tmp_path / "issuers.json"
    if content is not None:
        path.write_text(content)
    with pytest.raises(ConfigError, match=fragment):
        TrustedIssuers.from_file(path)


def test_the_shared_issuers_fixture_file_is_valid(issuers_file):
    issuers = TrustedIssuers.from_file(issuers_file)
    assert {i.iss for i in issuers} == {TEST_ISS, TENANT_ISS, SANDBOX_ISS}


# ------------------------------------------------------------------------------------ replay cache
def test_replay_cache_forgets_after_expiry_and_is_bounded():
    cache = InMemoryReplayCache(max_entries=2)
    assert cache.add("a", expires_at=110, now=100) is True
    assert cache.add("a", expires_at=110, now=105) is False           # replay within lifetime
    assert cache.add("b", expires_at=200, now=105) is True
    with pytest.raises(ReplayCacheFull):
        cache.add("c", expires_at=200, now=105)                       # full: fail closed
    assert cache.add("c", expires_at=200, now=111) is True            # "a" expired and was purged
    assert len(cache) == 2


def test_full_replay_cache_rejects_rather_than_forgetting(make_verifier, mint, auth_log):
    verifier = make_verifier(replay_cache=InMemoryReplayCache(max_entries=1))
    verifier.verify(bearer(mint()), TEST_AUD)
    assert rejected(verifier, bearer(mint()), TEST_AUD, auth_log) == "replay-cache-full"


# ------------------------------------------------------------------------ duplicate members (issue 15, finding 11)
def _signed_raw(header_json: str, payload_json: str, key) -> str:
    """A correctly signed ES384 token over exactly these JSON texts (duplicates kept as written)."""
    from jwt.algorithms import ECAlgorithm

    def b64(text: str) -> str:
        return base64.urlsafe_b64encode(text.encode()).rstrip(b"=").decode()

    signing_input = f"{b64(header_json)}.{b64(payload_json)}"
    signature = ECAlgorithm(ECAlgorithm.SHA384).sign(signing_input.encode(), key)
    return f"{signing_input}.{base64.urlsafe_b64encode(signature).rstrip(b'=').decode()}"


def _raw_claims(now: float, jti: str, aud_members: str) -> str:
    return (f'{{"iss": "{TEST_ISS}", {aud_members}, "iat": {int(now)}, "exp": {int(now) + 300}, '
            f'"jti": "{jti}"}}')


@pytest.mark.parametrize("where", ["header", "payload"])
def test_a_token_repeating_a_member_is_refused(make_verifier, es384_key, auth_log, where):
    verifier = make_verifier(clock=lambda: NOW)
    header = f'{{"alg": "ES384", "typ": "JWT", "kid": "{KID_ES384}"}}'
    single = _signed_raw(header, _raw_claims(NOW, "dup-ok", f'"aud": "{TEST_AUD}"'), es384_key)
    assert verifier.verify(bearer(single), TEST_AUD).jti == "dup-ok"      # the same token, no repeat: accepted

    if where == "header":
        # a reader keeping the first "alg" sees "none"; the stdlib (last wins) saw ES384 and accepted it
        header = f'{{"alg": "none", "typ": "JWT", "kid": "{KID_ES384}", "alg": "ES384"}}'
        payload = _raw_claims(NOW, "dup-h", f'"aud": "{TEST_AUD}"')
    else:
        # a reader keeping the first "aud" sees another service; the stdlib saw this one
        payload = _raw_claims(NOW, "dup-p", f'"aud": "https://other.example/cds-services/x", "aud": "{TEST_AUD}"')
    token = _signed_raw(header, payload, es384_key)
    auth_log.clear()
    with pytest.raises(Unauthorized) as excinfo:
        verifier.verify(bearer(token), TEST_AUD)
    assert str(excinfo.value) == Unauthorized.public_message and excinfo.value.__cause__ is None
    reasons = [r.reason for r in auth_log.records if r.name == "service.protocol.auth" and r.levelno == logging.WARNING]
    assert reasons[-1] == "malformed-token"
