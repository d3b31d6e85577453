"""What a suggestion's actions end (CDS Hooks 2.0 Action): a draft that was never signed is removed with ``delete``
(``resourceId``); a record in force is ended with an ``update`` of the whole resource to ``stopped`` (or
``cancelled`` for an order not yet started), or held with ``on-hold`` -- never deleted, so its history stays."""
from __future__ import annotations

from typing import Any, Iterable

ENDING = {"stopped": "stop", "cancelled": "stop", "on-hold": "hold"}


def target(action: dict[str, Any]) -> str:
    """The record an action acts on (``Type/id``)."""
    if "resourceId" in action:
        return action["resourceId"]
    resource = action.get("resource") or {}
    return f"{resource.get('resourceType')}/{resource.get('id')}"


def ends(action: dict[str, Any]) -> bool:
    """The action removes a draft or stops/holds a record in force."""
    return action.get("type") == "delete" or (
        action.get("type") == "update" and (action.get("resource") or {}).get("status") in ENDING)


def ended(actions: Iterable[dict[str, Any]]) -> list[str]:
    """The records the actions end, in order."""
    return [target(a) for a in actions if ends(a)]
