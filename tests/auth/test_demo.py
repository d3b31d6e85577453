"""The local demo issuer (development only): key handling, dev issuers file, token minting, CLI."""
from __future__ import annotations

import json
import stat

import pytest

from service.demo import issuer as auth_demo
from service.protocol.auth import TrustedIssuers, Verifier
from service.errors import Unauthorized

HOOK = "/cds-services/net-treatment"


def test_demo_key_is_generated_once_private_0600_and_reused(tmp_path):
    state = tmp_path / ".netcds"
    key = auth_demo.ensure_demo_key(state)
    path = state / "demo-issuer-key.pem"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert key.curve.name == "secp384r1"
    again = auth_demo.ensure_demo_key(state)
    assert again.private_numbers() == key.private_numbers()


def test_loose_demo_key_permissions_are_tightened(tmp_path):
    auth_demo.ensure_demo_key(tmp_path)
    path = tmp_path / "demo-issuer-key.pem"
    path.chmod(0o644)
    auth_demo.ensure_demo_key(tmp_path)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600


def test_demo_token_verifies_against_the_dev_issuers_file(tmp_path):
    state = tmp_path / "state"
    issuers = TrustedIssuers.from_file(auth_demo.write_dev_issuers(tmp_path / "dev.json", state_dir=state))
    assert {i.iss for i in issuers} == {auth_demo.SANDBOX_ISSUER, auth_demo.DEMO_ISSUER}
    aud = "http://127.0.0.1:8080" + HOOK
    token = auth_demo.mint_token(aud, state_dir=state)
    verifier = Verifier(issuers)
    claims = verifier.verify(f"Bearer {token}", aud)
    assert claims.iss == auth_demo.DEMO_ISSUER
    with pytest.raises(Unauthorized):                      # bound to its endpoint
        Verifier(issuers).verify(f"Bearer {auth_demo.mint_token(aud, state_dir=state)}", aud + "/feedback")


def test_dev_issuers_file_holds_public_keys_only(tmp_path):
    path = auth_demo.write_dev_issuers(tmp_path / "dev.json", state_dir=tmp_path / "state")
    for entry in json.loads(path.read_text()).values():
        for jwk in entry["jwks"]["keys"]:
            assert not {"d", "p", "q", "k"} & set(jwk)


def test_token_lifetime_is_bounded(tmp_path):
    with pytest.raises(ValueError):
        auth_demo.mint_token("http://127.0.0.1:8080" + HOOK, state_dir=tmp_path, lifetime=7200)


def test_cli_prints_a_token_for_the_public_base_url_and_hook_path(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("NETCDS_PUBLIC_BASE_URL", "https://net.example.org/")
    state = tmp_path / "state"
    assert auth_demo.main(["demo-token", "--state-dir", str(state),
                           "--write-issuers", str(tmp_path / "dev.json")]) == 0
    token = capsys.readouterr().out.strip()
    verifier = Verifier(TrustedIssuers.from_file(tmp_path / "dev.json"))
    assert verifier.verify(f"Bearer {token}", "https://net.example.org" + HOOK).iss == auth_demo.DEMO_ISSUER


def test_cli_audience_and_path_options(tmp_path, monkeypatch, capsys):
    monkeypatch.delenv("NETCDS_PUBLIC_BASE_URL", raising=False)
    state = tmp_path / "state"
    issuers = TrustedIssuers.from_file(auth_demo.write_dev_issuers(tmp_path / "dev.json", state_dir=state))
    assert auth_demo.main(["--state-dir", str(state), "--path", "/cds-services"]) == 0
    discovery_token = capsys.readouterr().out.strip()
    Verifier(issuers).verify(f"Bearer {discovery_token}", "http://127.0.0.1:8080/cds-services")
    assert auth_demo.main(["--state-dir", str(state), "--audience", "https://x.example/cds-services"]) == 0
    Verifier(issuers).verify(f"Bearer {capsys.readouterr().out.strip()}", "https://x.example/cds-services")


def test_cli_refuses_bad_lifetime(tmp_path, capsys):
    assert auth_demo.main(["--state-dir", str(tmp_path), "--lifetime", "0"]) == 2
    assert capsys.readouterr().out == ""
