"""pytest fixtures: fhir_server (see tests/conftest.py)."""
