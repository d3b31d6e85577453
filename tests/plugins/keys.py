"""pytest fixtures: keys (see tests/conftest.py).

Real key pairs are generated once per session (nothing private is committed). ``issuers_file``
trusts:

- ``TEST_ISS``: inline JWKS with an ES384 (P-384), an ES256 (P-256) and an RSA-2048 key (the RSA JWK
  declares no ``alg``, so it serves RS256/RS384/PS384); no tenant restriction;
- ``TENANT_ISS``: the ES384 key, tenants restricted to ``TEST_TENANT``;
- ``SANDBOX_ISS`` (https://sandbox.cds-hooks.org): a *test* P-384 key registered under the
  Sandbox's real kid, jku allowlisted (it is inline, so never fetched).

``mint(...)`` makes a token; each test overrides only what matters::

    token = mint(aud=AUD, alg="RS384")              # a valid RS384 token
    token = mint(exp=OMIT)                          # no exp claim
    header = f"Bearer {mint()}"

Protocol tests: set NETCDS_TRUSTED_ISSUERS to ``issuers_file`` and mint with ``aud`` = the
endpoint URL under the app's public base URL.
"""
from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time
import uuid
from pathlib import Path
from typing import Any, Callable

import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from jwt.algorithms import ECAlgorithm, RSAAlgorithm

TEST_ISS = "https://ehr.test.example/issuer"
TENANT_ISS = "https://multi-tenant.test.example/issuer"
TEST_TENANT = "hospital-a"
SANDBOX_ISS = "https://sandbox.cds-hooks.org"
SANDBOX_KID = "44823f3d-0b01-4a6c-a80e-b9d3e8a7226f"
SANDBOX_JKU = "https://sandbox.cds-hooks.org/.well-known/jwks.json"

TEST_BASE_URL = "https://netcds.test.example"
TEST_AUD = f"{TEST_BASE_URL}/cds-services/net-treatment"

KID_ES384 = "test-es384"
KID_ES256 = "test-es256"
KID_RSA = "test-rsa"
KID_FOR_ALG = {"ES384": KID_ES384, "ES256": KID_ES256, "RS256": KID_RSA, "RS384": KID_RSA, "PS384": KID_RSA}


class _Omit:
    def __repr__(self) -> str:
        return "OMIT"


OMIT: Any = _Omit()
"""Pass as a claim/header value to leave it out of the token."""


def public_jwk(key: Any, kid: str, **extra: Any) -> dict:
    """The public JWK of a private (or public) key, with ``kid``."""
    pub = key.public_key() if hasattr(key, "public_key") else key
    if isinstance(pub, ec.EllipticCurvePublicKey):
        jwk = ECAlgorithm.to_jwk(pub, as_dict=True)
    else:
        jwk = RSAAlgorithm.to_jwk(pub, as_dict=True)
    jwk.pop("key_ops", None)
    return {**jwk, "kid": kid, "use": "sig", **extra}


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def encode_token(claims: dict, key: Any, *, alg: str, headers: dict) -> str:
    """Sign ``claims``; also builds the tokens PyJWT refuses to make (``alg: none``, HS* with a PEM secret)."""
    if alg == "none" or alg.startswith("HS"):
        header = {k: v for k, v in {"alg": alg, **headers}.items() if v is not None}
    if alg == "none" or alg.startswith("HS"):
        signing_input = f"{_b64(json.dumps(header).encode())}.{_b64(json.dumps(claims).encode())}"
        if alg == "none":
            return signing_input + "."
        digest = {"HS256": hashlib.sha256, "HS384": hashlib.sha384, "HS512": hashlib.sha512}[alg]
        secret = key if isinstance(key, bytes) else str(key).encode()
        return signing_input + "." + _b64(hmac.new(secret, signing_input.encode(), digest).digest())
    return jwt.encode(claims, key, algorithm=alg, headers=headers)  # a None value drops it (e.g. typ)


def sandbox_like_token(key: ec.EllipticCurvePrivateKey, aud: str, *, now: float | None = None,
                       kid: str = SANDBOX_KID, jku: str = SANDBOX_JKU) -> str:
    """A token shaped exactly like the CDS Hooks Sandbox's (§14), signed with ``key``.

    ES384; header ``typ JWT``, ``kid``, ``jku``; claims iss/aud/exp/iat/jti, no tenant; ``iat`` is
    ``round(now)`` as the Sandbox's ``Math.round(Date.now()/1000)``, so up to 0.5 s in the future.
    """
    now = time.time() if now is None else now
    iat = int(round(now))
    claims = {"iss": SANDBOX_ISS, "aud": aud, "exp": iat + 300, "iat": iat, "jti": str(uuid.uuid4())}
    return jwt.encode(claims, key, algorithm="ES384", headers={"typ": "JWT", "kid": kid, "jku": jku})


@pytest.fixture(scope="session")
def es384_key() -> ec.EllipticCurvePrivateKey:
    return ec.generate_private_key(ec.SECP384R1())


@pytest.fixture(scope="session")
def es256_key() -> ec.EllipticCurvePrivateKey:
    return ec.generate_private_key(ec.SECP256R1())


@pytest.fixture(scope="session")
def rs384_key() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


@pytest.fixture(scope="session")
def sandbox_test_key() -> ec.EllipticCurvePrivateKey:
    """A P-384 key standing in for the Sandbox's (registered under its kid in ``issuers_file``)."""
    return ec.generate_private_key(ec.SECP384R1())


@pytest.fixture(scope="session")
def signing_keys(es384_key, es256_key, rs384_key) -> dict[str, Any]:
    """alg -> the private key ``mint`` signs with by default."""
    return {"ES384": es384_key, "ES256": es256_key, "RS256": rs384_key, "RS384": rs384_key, "PS384": rs384_key}


@pytest.fixture(scope="session")
def issuers_config(es384_key, es256_key, rs384_key, sandbox_test_key) -> dict:
    """The trusted issuers mapping written to ``issuers_file`` (a fresh copy may be edited)."""
    return {
        TEST_ISS: {"jwks": {"keys": [
            public_jwk(es384_key, KID_ES384, alg="ES384"),
            public_jwk(es256_key, KID_ES256, alg="ES256"),
            public_jwk(rs384_key, KID_RSA),
        ]}},
        TENANT_ISS: {"jwks": {"keys": [public_jwk(es384_key, KID_ES384, alg="ES384")]},
                     "tenants": [TEST_TENANT]},
        SANDBOX_ISS: {"jwks": {"keys": [public_jwk(sandbox_test_key, SANDBOX_KID, alg="ES384")]},
                      "jku": [SANDBOX_JKU]},
    }


@pytest.fixture(scope="session")
def issuers_file(tmp_path_factory, issuers_config) -> Path:
    path = tmp_path_factory.mktemp("auth") / "trusted-issuers.json"
    path.write_text(json.dumps(issuers_config, indent=2), encoding="utf-8")
    return path


@pytest.fixture
def mint(signing_keys) -> Callable[..., str]:
    """Factory: ``mint(aud=TEST_AUD, *, alg, kid, iss, exp, iat, jti, tenant, nbf, headers, key, claims, now)``.

    Defaults make a valid ES384 token from ``TEST_ISS`` for ``TEST_AUD`` issued now with a 300 s
    lifetime. ``OMIT`` drops a claim/header; ``headers`` adds or overrides header fields;
    ``claims`` adds extra claims; ``key`` signs with another key (bytes for HS*).
    """

    def _mint(aud: Any = TEST_AUD, *, alg: str = "ES384", kid: Any = None, iss: Any = TEST_ISS,
              exp: Any = None, iat: Any = None, jti: Any = None, tenant: Any = OMIT, nbf: Any = OMIT,
              typ: Any = "JWT", headers: dict | None = None, key: Any = None,
              claims: dict | None = None, now: float | None = None) -> str:
        now = time.time() if now is None else now
        iat = int(now) if iat is None else iat
        values = {
            "iss": iss, "aud": aud,
            "iat": iat,
            "exp": (int(now) + 300) if exp is None else exp,
            "jti": str(uuid.uuid4()) if jti is None else jti,
            "tenant": tenant, "nbf": nbf,
            **(claims or {}),
        }
        payload = {k: v for k, v in values.items() if v is not OMIT}
        hdr = {"typ": typ, "kid": KID_FOR_ALG.get(alg, KID_ES384) if kid is None else kid, **(headers or {})}
        hdr = {k: v for k, v in hdr.items() if v is not OMIT or k == "typ"}
        if hdr.get("typ") is OMIT:
            hdr["typ"] = None
        signer = signing_keys.get(alg) if key is None else key
        return encode_token(payload, signer, alg=alg, headers=hdr)

    return _mint
