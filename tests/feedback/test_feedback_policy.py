"""Which feedback is kept (issue 15, finding 13), on SQLite and on a real PostgreSQL server.

``FeedbackStore.record(..., issued_only=True, max_per_card=N)`` is what the feedback endpoint
calls: only cards in ``card_issued`` for the same service, issued within 30 days, to the same JWT
issuer; at most N items per card, also under concurrent requests; the caller's ``iss`` and
``tenant`` stored with each item. The HTTP side: tests/contract/test_feedback.py.
"""
from __future__ import annotations

import threading
from datetime import datetime, timedelta, timezone

import pytest
import sqlalchemy as sa

from service.errors import CardNotIssued, FeedbackLimitReached
from service.feedback.api import FeedbackItem
from service.feedback.store import ISSUED_WINDOW, card_issued_table, feedback_table

SERVICE = "net-treatment"
ISS_A, ISS_B = "https://ehr-a.example/issuer", "https://ehr-b.example/issuer"


def item(card: str, minute: int = 0) -> FeedbackItem:
    return FeedbackItem(card, "overridden", datetime(2026, 11, 22, 11, minute, tzinfo=timezone.utc))


def issue(store, *uuids: str, service: str = SERVICE, iss: str | None = ISS_A, tenant: str | None = "t-a") -> None:
    assert store.record_issued([{"uuid": u} for u in uuids], service_id=service, hook_instance=None,
                               iss=iss, tenant=tenant) == len(uuids)


def rows(store) -> int:
    with store.engine.connect() as conn:
        return conn.execute(sa.select(sa.func.count()).select_from(feedback_table)).scalar_one()


def policy(**kw):
    return {"issued_only": True, "max_per_card": 20, **kw}


def test_a_card_never_issued_is_refused_naming_its_entry_and_nothing_is_stored(store):
    issue(store, "card-1")
    with pytest.raises(CardNotIssued) as info:
        store.record(SERVICE, [item("card-1"), item("card-1", 1), item("card-x")], iss=ISS_A, **policy())
    assert info.value.status == 404 and info.value.expression == "feedback[2].card"
    assert rows(store) == 0


def test_a_card_of_another_service_is_refused(store):
    issue(store, "card-1", service="net-order-sign")
    with pytest.raises(CardNotIssued):
        store.record(SERVICE, [item("card-1")], iss=ISS_A, **policy())
    assert store.record("net-order-sign", [item("card-1")], iss=ISS_A, **policy()) == 1


def test_a_card_issued_longer_ago_than_the_window_is_refused(store):
    issue(store, "old", "recent")
    with store.engine.begin() as conn:
        conn.execute(card_issued_table.update().where(card_issued_table.c.card_uuid == "old")
                     .values(issued_at=datetime.now(timezone.utc) - ISSUED_WINDOW - timedelta(minutes=1)))
        conn.execute(card_issued_table.update().where(card_issued_table.c.card_uuid == "recent")
                     .values(issued_at=datetime.now(timezone.utc) - ISSUED_WINDOW + timedelta(minutes=5)))
    with pytest.raises(CardNotIssued):
        store.record(SERVICE, [item("old")], iss=ISS_A, **policy())
    assert store.record(SERVICE, [item("recent")], iss=ISS_A, **policy()) == 1


def test_feedback_only_from_the_issuer_the_card_was_issued_to(store):
    issue(store, "card-a", iss=ISS_A)
    issue(store, "card-open", iss=None, tenant=None)      # issued before 0003, or with auth disabled
    with pytest.raises(CardNotIssued):
        store.record(SERVICE, [item("card-a")], iss=ISS_B, **policy())
    assert store.record(SERVICE, [item("card-a")], iss=ISS_A, **policy()) == 1
    assert store.record(SERVICE, [item("card-open")], iss=ISS_B, **policy()) == 1


def test_issuer_and_tenant_are_stored_the_card_s_tenant_when_the_caller_has_none(store):
    issue(store, "card-1", "card-2", tenant="hospital-a")
    store.record(SERVICE, [item("card-1")], iss=ISS_A, tenant="ward-7", **policy())
    store.record(SERVICE, [item("card-2")], iss=ISS_A, tenant=None, **policy())
    stored = {s.item.card_uuid: (s.iss, s.tenant) for s in store.list_feedback()}
    assert stored == {"card-1": (ISS_A, "ward-7"), "card-2": (ISS_A, "hospital-a")}


def test_the_issued_card_records_issuer_and_tenant(store):
    issue(store, "card-1", iss=ISS_B, tenant="https://fhir.ehr-b.example/r4")
    with store.engine.connect() as conn:
        row = conn.execute(sa.select(card_issued_table).where(card_issued_table.c.card_uuid == "card-1")).one()
    assert (row.iss, row.tenant, row.service_id) == (ISS_B, "https://fhir.ehr-b.example/r4", SERVICE)


def test_at_most_max_per_card_items_a_request_over_it_stores_nothing_repeats_stay_fine(store):
    issue(store, "card-1", "card-2")
    assert store.record(SERVICE, [item("card-1", m) for m in range(4)], iss=ISS_A, **policy(max_per_card=5)) == 4
    with pytest.raises(FeedbackLimitReached) as info:
        store.record(SERVICE, [item("card-2"), item("card-1", 10), item("card-1", 11)], iss=ISS_A,
                     **policy(max_per_card=5))
    assert info.value.status == 409 and info.value.expression == "feedback[1].card"
    assert rows(store) == 4                      # card-2's item went too: all or nothing
    assert store.record(SERVICE, [item("card-1", 10)], iss=ISS_A, **policy(max_per_card=5)) == 1
    repeat = [item("card-1", m) for m in range(4)] + [item("card-1", 10)]
    assert store.record(SERVICE, repeat, iss=ISS_A, **policy(max_per_card=5)) == 0
    with pytest.raises(FeedbackLimitReached):
        store.record(SERVICE, [item("card-1", 20)], iss=ISS_A, **policy(max_per_card=5))
    assert rows(store) == 5


def test_concurrent_requests_about_one_card_cannot_pass_the_bound_together(store):
    """12 threads, each one new item for the same card, released at once: exactly 5 are kept."""
    issue(store, "hot")
    barrier = threading.Barrier(12)
    outcomes: list[str] = []
    lock = threading.Lock()

    def send(minute: int) -> None:
        barrier.wait()
        try:
            store.record(SERVICE, [item("hot", minute)], iss=ISS_A, **policy(max_per_card=5))
            result = "stored"
        except FeedbackLimitReached:
            result = "409"
        with lock:
            outcomes.append(result)

    threads = [threading.Thread(target=send, args=(m,)) for m in range(12)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert sorted(outcomes) == ["409"] * 7 + ["stored"] * 5
    assert rows(store) == 5
