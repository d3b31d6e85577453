"""Order hooks on the order-hook situations (``fhir_fixtures/orders/``): whole answers pinned, and what each
situation must say -- a concern card about the draft from each expected row, with a suggestion deleting the
draft, or no card at all for a concordant draft (order hooks stay silent unless there is something to act on).

Regenerate deliberately: ``python -m tests.golden_cards_regen`` (patient-view and order goldens together).
"""
from __future__ import annotations

import json

import pytest

from tests.golden_cards_regen import (
    ORDER_GOLDEN_DIR,
    ORDERS_DIR,
    golden_client,
    golden_text,
    order_files,
    order_response_for,
)

INDEX = json.loads((ORDERS_DIR / "index.json").read_text(encoding="utf-8"))["situations"]
EXPECT = {s["id"]: s for s in INDEX}


@pytest.fixture(scope="module")
def answers() -> dict[str, dict]:
    with golden_client() as (client, uuids):
        return {f.stem: order_response_for(client, uuids, f) for f in order_files()}


def test_at_least_fifteen_situations_with_silent_ones_among_them():
    assert len(INDEX) >= 15
    assert sum(1 for s in INDEX if not s["expect"]) >= 4
    assert {s["hook"] for s in INDEX} == {"order-select", "order-sign"}


@pytest.mark.parametrize("situation", sorted(EXPECT))
def test_the_answer_is_the_golden(situation, answers):
    golden = ORDER_GOLDEN_DIR / f"{situation}.json"
    assert golden.exists(), f"no golden for {situation}: python -m tests.golden_cards_regen {situation}"
    assert golden_text(answers[situation]) == golden.read_text(encoding="utf-8"), (
        f"{situation}: the answer changed; review it as a clinical change and regenerate")


@pytest.mark.parametrize("situation", sorted(EXPECT))
def test_each_situation_says_what_it_must_and_nothing_else(situation, answers):
    cards = answers[situation]["cards"]
    expected = EXPECT[situation]["expect"]
    if not expected:
        assert cards == [], f"{situation}: a concordant draft must get no card: {[c['summary'] for c in cards]}"
        return
    body = json.loads((ORDERS_DIR / f"{situation}.json").read_text(encoding="utf-8"))
    drafts = {f"{e['resource']['resourceType']}/{e['resource']['id']}" for e in body["context"]["draftOrders"]["entry"]}
    spoken = {r for c in cards for r in c["extension"]["net-cds"]["rules"]}
    assert set(expected) <= spoken, f"{situation}: expected {expected}, the cards speak for {sorted(spoken)}"
    for card in cards:
        net = card["extension"]["net-cds"]
        assert net["draftOrders"] and set(net["draftOrders"]) <= drafts, card["summary"]
        assert net["strength"] in ("not-recommended", "caution") or card["indicator"] == "critical", card["summary"]
        deletes = [a["resourceId"] for s in card["suggestions"] for a in s["actions"] if a["type"] == "delete"]
        if not set(net["draftOrders"]) & set(deletes):
            # the remedy acts on another drug (NR-23 stops the SSA kept beside the indicated everolimus): the
            # card's suggestion stops current orders, and never the draft
            assert card["suggestions"] and all(d not in drafts for d in deletes), (
                f"{situation}: no suggestion removes the draft or stops the drug the card is about")
        else:
            assert set(net["draftOrders"]) <= set(deletes), f"{situation}: no suggestion removes the draft"
        # a corrected order or a hold is an alternative to the plain removal (at most one); otherwise the removal,
        # the tests a hazard asks for (ECG, labs) and the stop of another current drug may all be taken
        corrected = any(a["type"] == "create" and a["resource"]["resourceType"] != "ServiceRequest"
                        for s in card["suggestions"] for a in s["actions"])
        held = any(s["label"].startswith("Hold") for s in card["suggestions"])
        assert card["selectionBehavior"] == ("at-most-one" if corrected or held or len(card["suggestions"]) == 1
                                             else "any"), card["summary"]
        # alternatives may each delete the draft (replace it, or remove it); suggestions that only delete never
        # delete one resource twice (review B W10: "Remove the draft" and "Stop the current order" on one draft)
        per_resource = [a["resourceId"] for s in card["suggestions"] if all(a["type"] == "delete" for a in s["actions"])
                        for a in s["actions"]]
        assert len(per_resource) == len(set(per_resource)), f"{situation}: one resource deleted twice on one card"


def test_a_dose_above_the_label_is_replaced_by_the_label_dose(answers):
    (card,) = answers["ord-10"]["cards"]
    replace, remove = card["suggestions"][:2]
    creates = [a["resource"] for a in replace["actions"] if a["type"] == "create"]
    assert [a["type"] for a in replace["actions"]] == ["delete", "create"]
    dosage = creates[0]["dosageInstruction"][0]
    assert dosage["doseAndRate"][0]["doseQuantity"]["value"] == 250
    assert dosage["doseAndRate"][0]["doseQuantity"]["code"] == "mg"
    assert dosage["timing"]["repeat"]["frequency"] == 3
    assert [a["type"] for a in remove["actions"]] == ["delete"]
