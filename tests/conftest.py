"""Shared pytest wiring. Fixtures live in tests/plugins/, one module per area."""
pytest_plugins = [
    "tests.plugins.app",          # app/client factories (protocol)
    "tests.plugins.keys",         # JWT signing keys and token minting (auth)
    "tests.plugins.postgres",     # a real throwaway PostgreSQL server (feedback store)
    "tests.plugins.fhir_server",  # the real SEKMET FHIR server loaded with fhir_fixtures (integration)
    "tests.plugins.clinical",     # fixture patients, pictures, knowledge (picture + rules)
    "tests.plugins.live_server",  # the production server (python -m service) on a loopback port
    "tests.plugins.log_audit",    # fails the session if any log line holds a JWT, token, name or resource
]
