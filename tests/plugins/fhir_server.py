"""pytest fixtures: fhir_server (see tests/conftest.py).

``fhir_server`` (session scope): the real SEKMET FHIR R4 server on 127.0.0.1, loaded with every
``fhir_fixtures/bundles/*.json`` transaction. It exposes ``base_url``, ``token`` (bearer),
``headers`` and ``load_bundle(bundle)`` (PUT entries are idempotent, so tests may add their own
patients with unique ids). SEKMET is installed into ``.netcds/sekmet-venv`` first if missing
(CI runs the installer before the tests, so there it is already present). Tests that use it
carry the ``fhirserver`` marker.
"""
from __future__ import annotations

import pytest

from service.demo.fhir_server import SekmetServer, ensure_sekmet, fixture_bundles


@pytest.fixture(scope="session")
def fhir_server():
    executable = ensure_sekmet()
    server = SekmetServer(executable=executable).start()
    try:
        server.load_files(fixture_bundles())
        yield server
    finally:
        server.stop()
