"""Every fixture answer, live from the real application (patient-view hooks and order-hook situations), and
small readers of cards and drafts shared by the draft-order tests."""
from __future__ import annotations

import re
from functools import lru_cache
from typing import Iterator

from tests.golden_cards_regen import golden_client, hook_files, order_files, order_response_for, response_for


@lru_cache(maxsize=1)
def all_answers() -> dict[str, dict]:
    """{patient or situation id: response body} for every patient-view fixture and every order situation."""
    out: dict[str, dict] = {}
    with golden_client() as (client, uuids):
        for path in hook_files():
            out[path.stem] = response_for(client, uuids, path)
        for path in order_files():
            out[path.stem] = order_response_for(client, uuids, path)
    return out


def section(card: dict, title: str) -> str:
    """The text of one ``**Title**`` section of a card's detail ('' when the card has none)."""
    detail = card.get("detail", "")
    m = re.search(r"\*\*" + re.escape(title) + r"\*\*\n\n(.*?)(?=\n\n\*\*|\Z)", detail, re.S)
    return m.group(1) if m else ""


def drafts(card: dict) -> Iterator[tuple[dict, dict, bool]]:
    """(suggestion, MedicationRequest, in a regimen) of every medication the card's suggestions create."""
    for suggestion in card.get("suggestions", []):
        for action in suggestion["actions"]:
            if action["type"] != "create":
                continue
            resource = action["resource"]
            if resource["resourceType"] == "MedicationRequest":
                yield suggestion, resource, False
            elif resource["resourceType"] == "RequestGroup":
                for mr in resource.get("contained", []):
                    yield suggestion, mr, True


def ordered_dose(mr: dict) -> tuple[float, float, str]:
    dosage = mr["dosageInstruction"][0]
    (entry,) = [d for d in dosage["doseAndRate"] if d["type"]["coding"][0]["code"] == "ordered"]
    if "doseQuantity" in entry:
        q = entry["doseQuantity"]
        return q["value"], q["value"], q["code"]
    return entry["doseRange"]["low"]["value"], entry["doseRange"]["high"]["value"], entry["doseRange"]["low"]["code"]
