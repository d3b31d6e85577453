"""Discovery (CDS Hooks §Discovery; checklist §13.1; Sandbox §14): shape, content type, auth."""
from __future__ import annotations

from tests.plugins.app import DISCOVERY_PATH, HOOK_PATH, SERVICE_ID

ARCHITECTURE_PREFETCH_KEYS = {
    "patient", "conditions", "observations", "medicationRequests", "medicationStatements",
    "medicationAdministrations", "procedures", "diagnosticReports",
}


def test_discovery_lists_the_patient_view_service_first_then_the_order_checks(checked_client, auth_header):
    response = checked_client.get(DISCOVERY_PATH, headers=auth_header(DISCOVERY_PATH))

    assert response.status_code == 200
    assert response.mimetype == "application/json"
    services = response.get_json()["services"]
    # The Sandbox treats an empty list as a failure.
    assert [s["id"] for s in services] == [SERVICE_ID, "net-order-select", "net-order-sign"]
    assert [s["hook"] for s in services] == ["patient-view", "order-select", "order-sign"]
    for service in services:
        assert service["title"] and service["description"] and service["usageRequirements"]


def test_discovery_prefetch_templates_use_the_fixed_keys_and_r4_query_subset(checked_client, auth_header):
    service = checked_client.get(DISCOVERY_PATH, headers=auth_header(DISCOVERY_PATH)).get_json()["services"][0]
    prefetch = service["prefetch"]

    assert set(prefetch) == ARCHITECTURE_PREFETCH_KEYS
    assert prefetch["patient"] == "Patient/{{context.patientId}}"
    assert prefetch["conditions"].startswith("Condition?patient={{context.patientId}}")
    assert "_sort=-date" in prefetch["observations"]          # R4 syntax, not DSTU2 sort:desc
    reports = prefetch["diagnosticReports"]
    assert reports.startswith("DiagnosticReport?patient={{context.patientId}}&category=")
    assert "v2-0074|SP" in reports and "loinc.org|LP7839-6" in reports and "v2-0074|RAD" in reports
    assert "_sort=-date" in reports and "_count=" in reports and "_include" not in reports
    for template in prefetch.values():
        assert "sort:desc" not in template and not template.startswith(("/", "http"))


def test_discovery_requires_a_jwt_for_the_discovery_url_when_auth_is_on(checked_client, auth_header):
    assert checked_client.get(DISCOVERY_PATH).status_code == 401
    # A token minted for another endpoint is not a discovery token.
    assert checked_client.get(DISCOVERY_PATH, headers=auth_header(HOOK_PATH)).status_code == 401


def test_discovery_can_be_made_public_by_setting(app_factory):
    client = app_factory(NETCDS_PUBLIC_DISCOVERY="true").test_client()

    response = client.get(DISCOVERY_PATH)

    assert response.status_code == 200
    assert response.get_json()["services"][0]["id"] == SERVICE_ID
    # ...but the hook itself still is not.
    assert client.post(HOOK_PATH, json={}).status_code == 401


def test_head_on_discovery_has_no_body(checked_client, auth_header):
    response = checked_client.head(DISCOVERY_PATH, headers=auth_header(DISCOVERY_PATH))
    assert response.status_code == 200
