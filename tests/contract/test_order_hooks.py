"""order-select and order-sign (CDS Hooks library, hookVersion 1.0): discovery, context validation,
concerns about drafts and silence about everything else.

The checks themselves are the patient-view rules run with and without the drafts
(``service.pipeline.advise_orders``); these tests pin the protocol: which drafts a card is about,
the delete suggestion, and 400s that name the offending element.
"""
from __future__ import annotations

import copy
import json

import pytest

from tests.plugins.app import DISCOVERY_PATH, fixture_hook_request

SELECT_PATH = "/cds-services/net-order-select"
SIGN_PATH = "/cds-services/net-order-sign"
RXNORM = "http://www.nlm.nih.gov/research/umls/rxnorm"


@pytest.fixture
def post(checked_client, auth_header):
    def _post(path, body):
        return checked_client.post(path, data=json.dumps(body), content_type="application/json",
                                   headers=auth_header(path))
    return _post


def medication_draft(draft_id: str, patient: str, code: str, display: str, **extra) -> dict:
    resource = {
        "resourceType": "MedicationRequest", "id": draft_id, "status": "draft", "intent": "order",
        "subject": {"reference": f"Patient/{patient}"},
        "medicationCodeableConcept": {"coding": [{"system": RXNORM, "code": code, "display": display}],
                                      "text": display},
    }
    resource.update(extra)
    return resource


def order_request(patient_fixture: str, hook: str, drafts: list[dict], selections: list[str] | None = None) -> dict:
    """The fixture patient's patient-view request turned into an order hook request with ``drafts``."""
    body = copy.deepcopy(fixture_hook_request(patient_fixture))
    body["hook"] = hook
    body["context"]["draftOrders"] = {"resourceType": "Bundle", "type": "collection",
                                      "entry": [{"resource": d} for d in drafts]}
    if hook == "order-select":
        body["context"]["selections"] = selections if selections is not None else [
            f"{d['resourceType']}/{d['id']}" for d in drafts]
    return body


def _net(card: dict) -> dict:
    return card["extension"]["net-cds"]


# ---------------------------------------------------------------------- discovery


def test_discovery_lists_the_three_services(checked_client, auth_header):
    services = checked_client.get(DISCOVERY_PATH, headers=auth_header(DISCOVERY_PATH)).get_json()["services"]
    by_id = {s["id"]: s for s in services}
    assert by_id["net-treatment"]["hook"] == "patient-view"
    assert by_id["net-order-select"]["hook"] == "order-select"
    assert by_id["net-order-sign"]["hook"] == "order-sign"
    assert by_id["net-order-sign"]["prefetch"] == by_id["net-treatment"]["prefetch"]


# ---------------------------------------------------------------------- validation


def _issue(response) -> dict:
    assert response.status_code == 400, response.get_json()
    return response.get_json()["issue"][0]


def test_wrong_hook_for_the_service_is_400(post):
    body = order_request("net-04", "order-select", [medication_draft("d1", "net-04", "1541890", "sunitinib")])
    assert _issue(post(SIGN_PATH, body))["expression"] == ["hook"]


@pytest.mark.parametrize("mutate, expression", [
    (lambda c: c.pop("draftOrders"), "context.draftOrders"),
    (lambda c: c.update(draftOrders=[]), "context.draftOrders"),
    (lambda c: c.update(draftOrders={"resourceType": "Patient"}), "context.draftOrders"),
    (lambda c: c["draftOrders"].update(entry={}), "context.draftOrders.entry"),
    (lambda c: c["draftOrders"]["entry"].append("x"), "context.draftOrders.entry[1]"),
    (lambda c: c["draftOrders"]["entry"].append({"resource": 3}), "context.draftOrders.entry[1].resource"),
    (lambda c: c["draftOrders"]["entry"][0]["resource"].pop("id"), "context.draftOrders.entry[0].resource.id"),
    (lambda c: c["draftOrders"]["entry"][0]["resource"].update(id="a b"),
     "context.draftOrders.entry[0].resource.id"),
    (lambda c: c["draftOrders"]["entry"][0]["resource"].update(subject={"reference": "Patient/someone-else"}),
     "context.draftOrders.entry[0].resource.subject"),
    (lambda c: c["draftOrders"]["entry"].append(copy.deepcopy(c["draftOrders"]["entry"][0])),
     "context.draftOrders.entry[1].resource.id"),
])
def test_malformed_draft_orders_are_400_naming_the_element(post, mutate, expression):
    body = order_request("net-04", "order-sign", [medication_draft("d1", "net-04", "1541890", "sunitinib")])
    mutate(body["context"])
    assert _issue(post(SIGN_PATH, body))["expression"] == [expression]


@pytest.mark.parametrize("selections, expression", [
    (None, "context.selections"),
    ([], "context.selections"),
    (["MedicationRequest/not-a-draft"], "context.selections[0]"),
    (["MedicationRequest/d1", 7], "context.selections[1]"),
])
def test_order_select_needs_selections_that_name_drafts(post, selections, expression):
    body = order_request("net-04", "order-select", [medication_draft("d1", "net-04", "1541890", "sunitinib")])
    if selections is None:
        body["context"].pop("selections")
    else:
        body["context"]["selections"] = selections
    assert _issue(post(SELECT_PATH, body))["expression"] == [expression]


def test_other_order_types_are_accepted_and_left_alone(post):
    nutrition = {"resourceType": "NutritionOrder", "status": "draft", "intent": "order"}   # no id needed
    body = order_request("net-04", "order-sign", [nutrition])
    response = post(SIGN_PATH, body)
    assert response.status_code == 200
    assert response.get_json() == {"cards": []}


def test_a_bare_draft_without_a_medication_yet_is_silent(post):
    """The Sandbox's Rx View sends a draft before a drug is chosen: nothing to check, no card."""
    bare = {"resourceType": "MedicationRequest", "id": "request-123", "status": "draft",
            "subject": {"reference": "Patient/net-04"}}
    response = post(SELECT_PATH, order_request("net-04", "order-select", [bare]))
    assert response.status_code == 200
    assert response.get_json() == {"cards": []}


# ---------------------------------------------------------------------- concerns


def test_sunitinib_for_a_midgut_net_is_not_recommended_and_the_draft_can_be_removed(post):
    draft = medication_draft("d-sun", "net-04", "1541890", "sunitinib 37.5 MG Oral Capsule")
    response = post(SIGN_PATH, order_request("net-04", "order-sign", [draft]))
    cards = response.get_json()["cards"]
    about = [c for c in cards if "MedicationRequest/d-sun" in _net(c).get("draftOrders", [])]
    assert about, [c["summary"] for c in cards]
    card = about[0]
    assert _net(card)["strength"] == "not-recommended"
    assert "NR-01" in _net(card)["rules"]
    deletes = [a for s in card["suggestions"] for a in s["actions"] if a["type"] == "delete"]
    assert deletes == [{"type": "delete", "description": "Remove draft MedicationRequest/d-sun",
                        "resourceId": "MedicationRequest/d-sun"}]
    assert not [a for s in card["suggestions"] for a in s["actions"] if a["type"] == "create"]


def test_order_select_answers_only_for_the_new_selections(post):
    sunitinib = medication_draft("d-sun", "net-04", "1541890", "sunitinib 37.5 MG Oral Capsule")
    other = medication_draft("d-other", "net-04", "197361", "amlodipine 5 MG Oral Tablet")
    asked_other = post(SELECT_PATH, order_request("net-04", "order-select", [sunitinib, other],
                                                  selections=["MedicationRequest/d-other"]))
    assert asked_other.get_json() == {"cards": []}
    asked_sunitinib = post(SELECT_PATH, order_request("net-04", "order-select", [sunitinib, other],
                                                      selections=["MedicationRequest/d-sun"]))
    assert any("MedicationRequest/d-sun" in _net(c)["draftOrders"] for c in asked_sunitinib.get_json()["cards"])


def test_a_concordant_draft_gets_no_card(post):
    """Lu-177 dotatate for the patient progressing on an SSA with SSTR uptake above liver (net-04,
    whose patient-view answer recommends it): the order hooks stay silent."""
    draft = medication_draft("d-lu", "net-04", "1999682", "lutetium Lu 177 dotatate")
    response = post(SIGN_PATH, order_request("net-04", "order-sign", [draft]))
    assert response.get_json() == {"cards": []}


def test_feedback_works_for_the_order_services(app, checked_client, auth_header):
    path = f"{SIGN_PATH}/feedback"
    card = "00000000-0000-4000-8000-000000000001"
    body = {"feedback": [{"card": card, "outcome": "overridden", "outcomeTimestamp": "2026-11-22T09:31:00Z"}]}

    def send():
        return checked_client.post(path, data=json.dumps(body), content_type="application/json",
                                   headers=auth_header(path))

    assert send().status_code == 404            # not (yet) a card of net-order-sign: nothing stored
    app.extensions["netcds"].feedback_store.record_issued([{"uuid": card}], service_id="net-order-sign",
                                                          hook_instance=None)
    assert send().status_code == 200
