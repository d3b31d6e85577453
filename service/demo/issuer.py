"""The local demo issuer, for development only.

- ``ensure_demo_key(state_dir)``: an ES384 (P-384) private key, generated on first use into
  ``<state_dir>/demo-issuer-key.pem`` (mode 0600). ``.netcds/`` is git-ignored; never commit it.
- ``write_dev_issuers(path, state_dir=...)``: a development trusted-issuers file that trusts
  (a) the public CDS Hooks Sandbox, with its published public key inline (copied from
  ``deploy/dev/cds-hooks-sandbox-jwks.json``; its ``jku`` is allowlisted but never fetched), and
  (b) this demo issuer, with its public key inline. The Sandbox's private key is public, so this
  file must never be used in production.
- ``mint_token(audience, state_dir=...)``: a CDS Hooks client JWT signed by the demo issuer.
- ``main(argv)``: ``python -m service demo-token [--audience URL] [--path /cds-services/net-treatment]``.
"""
from __future__ import annotations

import argparse
import hashlib
import json
import os
import sys
import tempfile
import time
import uuid
from pathlib import Path
from typing import Sequence

import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from jwt.algorithms import ECAlgorithm

from service.errors import ConfigError

DEMO_ISSUER = "http://127.0.0.1/net-cds-demo"
DEMO_KEY_FILE = "demo-issuer-key.pem"
DEFAULT_STATE_DIR = ".netcds"
DEFAULT_HOOK_PATH = "/cds-services/net-treatment"

SANDBOX_ISSUER = "https://sandbox.cds-hooks.org"
SANDBOX_JKU = "https://sandbox.cds-hooks.org/.well-known/jwks.json"
SANDBOX_JWKS_PATH = Path(__file__).resolve().parents[2] / "deploy" / "dev" / "cds-hooks-sandbox-jwks.json"

MAX_DEMO_LIFETIME = 3600


def ensure_demo_key(state_dir: str | os.PathLike[str]) -> ec.EllipticCurvePrivateKey:
    """Load the demo issuer's P-384 private key, generating it (0600) on first use."""
    state = Path(state_dir)
    state.mkdir(mode=0o700, parents=True, exist_ok=True)
    path = state / DEMO_KEY_FILE
    if not path.exists():
        key = ec.generate_private_key(ec.SECP384R1())
        pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                serialization.NoEncryption())
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:
            pass  # another process won the race: use its key
        else:
            with os.fdopen(fd, "wb") as fh:
                fh.write(pem)
            return key
    if path.stat().st_mode & 0o077:
        os.chmod(path, 0o600)
    try:
        key = serialization.load_pem_private_key(path.read_bytes(), password=None)
    except (ValueError, TypeError) as exc:
        raise ConfigError(f"demo issuer key {path.name}: not a readable PEM private key ({exc})") from None
    if not isinstance(key, ec.EllipticCurvePrivateKey) or key.curve.name != "secp384r1":
        raise ConfigError(f"demo issuer key {path.name}: must be an EC P-384 key (delete it to regenerate)")
    return key


def demo_public_jwk(key: ec.EllipticCurvePrivateKey) -> dict:
    """The demo key's public JWK, kid = RFC 7638 thumbprint."""
    jwk = ECAlgorithm.to_jwk(key.public_key(), as_dict=True)
    public = {"kty": "EC", "crv": jwk["crv"], "x": jwk["x"], "y": jwk["y"]}
    canonical = json.dumps(public, sort_keys=True, separators=(",", ":")).encode()
    thumbprint = jwt.utils.base64url_encode(hashlib.sha256(canonical).digest()).decode()
    return {**public, "kid": thumbprint, "use": "sig", "alg": "ES384"}


def load_sandbox_jwks(path: str | os.PathLike[str] = SANDBOX_JWKS_PATH) -> dict:
    """The CDS Hooks Sandbox's published public JWK Set (committed under deploy/dev/)."""
    try:
        return json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise ConfigError(f"Sandbox JWKS ({Path(path).name}) cannot be read: {exc}") from None


def dev_issuers(*, state_dir: str | os.PathLike[str], sandbox_jwks_path: str | os.PathLike[str] = SANDBOX_JWKS_PATH) -> dict:
    key = ensure_demo_key(state_dir)
    return {
        SANDBOX_ISSUER: {"jwks": load_sandbox_jwks(sandbox_jwks_path), "jku": [SANDBOX_JKU]},
        DEMO_ISSUER: {"jwks": {"keys": [demo_public_jwk(key)]}},
    }


def write_dev_issuers(path: str | os.PathLike[str], *, state_dir: str | os.PathLike[str],
                      sandbox_jwks_path: str | os.PathLike[str] = SANDBOX_JWKS_PATH) -> Path:
    """Write a development trusted-issuers file (Sandbox + demo issuer; public keys only)."""
    from service.protocol.auth import TrustedIssuers

    data = dev_issuers(state_dir=state_dir, sandbox_jwks_path=sandbox_jwks_path)
    TrustedIssuers.from_mapping(data, source="development issuers")   # never write a file we would refuse
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=".issuers-", dir=target.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            json.dump(data, fh, indent=2)
            fh.write("\n")
        os.chmod(tmp, 0o644)
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return target


def mint_token(audience: str, *, state_dir: str | os.PathLike[str], lifetime: int = 300) -> str:
    """A CDS Hooks client JWT for ``audience`` (the endpoint URL), signed by the demo issuer."""
    if not 0 < lifetime <= MAX_DEMO_LIFETIME:
        raise ValueError(f"lifetime must be 1..{MAX_DEMO_LIFETIME} seconds")
    key = ensure_demo_key(state_dir)
    now = int(time.time())
    claims = {"iss": DEMO_ISSUER, "aud": audience, "iat": now, "exp": now + lifetime, "jti": str(uuid.uuid4())}
    headers = {"typ": "JWT", "kid": demo_public_jwk(key)["kid"]}
    return jwt.encode(claims, key, algorithm="ES384", headers=headers)


def _default_base_url() -> str:
    from service.config import Settings

    return os.environ.get("NETCDS_PUBLIC_BASE_URL", "").strip() or Settings.public_base_url


def main(argv: Sequence[str] | None = None) -> int:
    """``python -m service demo-token``: print a demo-issuer token for an endpoint of this service."""
    args_in = list(sys.argv[1:] if argv is None else argv)
    if args_in[:1] == ["demo-token"]:
        args_in = args_in[1:]
    parser = argparse.ArgumentParser(
        prog="python -m service demo-token",
        description="Print a development JWT signed by the local demo issuer (never for production).")
    parser.add_argument("--audience", help="full endpoint URL (default: NETCDS_PUBLIC_BASE_URL + --path)")
    parser.add_argument("--path", default=DEFAULT_HOOK_PATH, help=f"endpoint path (default {DEFAULT_HOOK_PATH})")
    parser.add_argument("--state-dir", default=DEFAULT_STATE_DIR, help="where the demo key lives (default .netcds)")
    parser.add_argument("--lifetime", type=int, default=300, help="token lifetime in seconds (default 300)")
    parser.add_argument("--write-issuers", metavar="PATH",
                        help="also write the development trusted-issuers file (Sandbox + demo issuer) to PATH")
    args = parser.parse_args(args_in)

    if args.audience:
        audience = args.audience
    else:
        path = args.path if args.path.startswith("/") else "/" + args.path
        audience = _default_base_url().rstrip("/") + path
    try:
        if args.write_issuers:
            written = write_dev_issuers(args.write_issuers, state_dir=args.state_dir)
            print(f"wrote development issuers file {written} (development only)", file=sys.stderr)
        token = mint_token(audience, state_dir=args.state_dir, lifetime=args.lifetime)
    except (ConfigError, ValueError) as exc:
        print(f"demo-token: {exc}", file=sys.stderr)
        return 2
    print(f"demo token for {audience} (development only)", file=sys.stderr)
    print(token)
    return 0


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
