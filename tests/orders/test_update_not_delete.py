"""Ending a drug the patient is on keeps its record (finding 4, orders helper, 2026-12): over every fixture answer
(patient-view and order hooks), an action on a MedicationRequest/MedicationStatement that is in force is an
``update`` carrying the whole recorded resource with only its status changed -- ``stopped`` (``cancelled`` for an
order not yet started) or ``on-hold`` for a hold -- never a ``delete``, which would remove the order and its
history. A ``delete`` is only for a draft that was never signed (an order-hook draft, or a record with status
``draft``): "Cancel the order" of a draft stays a delete."""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.golden_cards_regen import HOOKS_DIR, ORDERS_DIR
from tests.orders.answers import all_answers
from tests.orders.ends import ENDING, target

_MEDICATION_TYPES = ("MedicationRequest", "MedicationStatement")


def _request(sid: str) -> dict:
    path = (ORDERS_DIR if sid.startswith("ord-") else HOOKS_DIR) / f"{sid}.json"
    return json.loads(Path(path).read_text(encoding="utf-8"))


def _recorded(request: dict) -> dict[str, dict]:
    """Type/id -> the recorded medication resource sent with the request (prefetch bundles)."""
    out = {}
    for value in request.get("prefetch", {}).values():
        for entry in (value or {}).get("entry", []) if isinstance(value, dict) else []:
            r = entry.get("resource", {})
            if r.get("resourceType") in _MEDICATION_TYPES:
                out[f"{r['resourceType']}/{r['id']}"] = r
    return out


def action_problems(request: dict, body: dict) -> list[str]:
    recorded = _recorded(request)
    drafts = {f"{d['resourceType']}/{d['id']}" for d in request.get("context", {}).get("draftOrders", {})
              .get("entry", []) for d in [d.get("resource", {})]} if isinstance(
        request.get("context", {}).get("draftOrders"), dict) else set()
    out = []
    for card in body["cards"]:
        for suggestion in card.get("suggestions", []):
            for action in suggestion["actions"]:
                if action["type"] == "delete":
                    ref = action["resourceId"]
                    if ref not in drafts and recorded.get(ref, {}).get("status") != "draft":
                        out.append(f"{suggestion['label']!r}: deletes {ref}, a record in force (stop it with an update)")
                elif action["type"] == "update":
                    ref = target(action)
                    new = action["resource"]
                    if new.get("status") not in ENDING:
                        out.append(f"{suggestion['label']!r}: update of {ref} to status {new.get('status')!r}")
                    old = recorded.get(ref)
                    if old is None:
                        out.append(f"{suggestion['label']!r}: update of {ref}, which the request did not send")
                    elif {**old, "status": new.get("status")} != new:
                        out.append(f"{suggestion['label']!r}: update of {ref} changes more than its status")
    return out


@pytest.fixture(scope="module")
def answers() -> dict[str, dict]:
    return all_answers()


def test_a_record_in_force_is_stopped_or_held_by_update_never_deleted(answers):
    found = {sid: p for sid, body in sorted(answers.items()) if (p := action_problems(_request(sid), body))}
    assert not found, "\n".join(f"{sid}: {line}" for sid, lines in found.items() for line in lines)


def test_there_are_stops_and_holds_to_check(answers):
    statuses = {a["resource"]["status"] for body in answers.values() for c in body["cards"]
                for s in c.get("suggestions", []) for a in s["actions"] if a["type"] == "update"}
    assert {"stopped", "on-hold"} <= statuses  # net-184 holds everolimus and stops clarithromycin


def test_the_check_can_fail():
    request = _request("net-184")
    body = {"cards": [{"suggestions": [{"label": "Stop", "actions": [
        {"type": "delete", "resourceId": "MedicationRequest/net-184-clarithromycin", "description": "x"},
        {"type": "update", "description": "x", "resource": {"resourceType": "MedicationRequest",
                                                             "id": "net-184-everolimus", "status": "on-hold"}}]}]}]}
    problems = action_problems(request, body)
    assert any("deletes MedicationRequest/net-184-clarithromycin" in p for p in problems)
    assert any("changes more than its status" in p for p in problems)
