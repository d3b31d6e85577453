"""IssuedRecorder: issued cards written off the request path, many hook calls per INSERT, none lost on flush."""
from __future__ import annotations

import threading
import time

import sqlalchemy as sa
from sqlalchemy import event

from service.feedback.store import IssuedRecorder, card_issued_table
from tests.feedback.test_feedback_store import SERVICE, card, count_rows


def _inserts(store) -> list[str]:
    seen: list[str] = []

    @event.listens_for(store.engine, "before_cursor_execute")
    def _count(_conn, _cursor, statement, _params, _context, _executemany):
        if statement.lstrip().upper().startswith("INSERT"):
            seen.append(statement)

    return seen


def test_calls_submitted_together_are_written_in_one_insert(store):
    recorder = IssuedRecorder(store, flush_interval=30.0)     # only flush() writes in this test
    inserts = _inserts(store)
    for i in range(25):
        assert recorder.submit([card(f"c-{i}-a", "surgery", ["P-01"]), card(f"c-{i}-b", "prrt", ["M-07"])],
                               service_id=SERVICE, hook_instance=f"h-{i}")
    assert count_rows(store, card_issued_table) == 0          # nothing on the request path
    assert recorder.flush(10)
    assert count_rows(store, card_issued_table) == 50
    assert len(inserts) == 1                                   # one multi-row statement for 25 hook calls
    with store.engine.connect() as conn:
        row = conn.execute(sa.select(card_issued_table).where(card_issued_table.c.card_uuid == "c-7-b")).one()
    assert (row.hook_instance, row.topic, row.rules) == ("h-7", "prrt", "M-07")


def test_a_batch_is_written_after_the_interval_without_a_flush(store):
    recorder = IssuedRecorder(store, flush_interval=0.05)
    recorder.submit([card("t-1", "surgery", ["P-01"])], service_id=SERVICE, hook_instance="h")
    deadline = time.monotonic() + 10
    while count_rows(store, card_issued_table) == 0 and time.monotonic() < deadline:
        time.sleep(0.02)
    assert count_rows(store, card_issued_table) == 1


def test_a_full_batch_is_written_at_once(store):
    recorder = IssuedRecorder(store, flush_interval=30.0, max_batch=5)
    for i in range(5):
        recorder.submit([card(f"f-{i}", "surgery", ["P-01"])], service_id=SERVICE, hook_instance="h")
    deadline = time.monotonic() + 10
    while count_rows(store, card_issued_table) < 5 and time.monotonic() < deadline:
        time.sleep(0.02)
    assert count_rows(store, card_issued_table) == 5


def test_concurrent_submits_all_arrive_and_overflow_is_counted(store):
    recorder = IssuedRecorder(store, maxsize=10_000, flush_interval=0.01, max_batch=7)

    def worker(n: int) -> None:
        for i in range(40):
            recorder.submit([card(f"w{n}-{i}", "surgery", ["P-01"])], service_id=SERVICE, hook_instance="h")

    threads = [threading.Thread(target=worker, args=(n,)) for n in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert recorder.flush(10)
    assert count_rows(store, card_issued_table) == 160 and recorder.dropped == 0

    full = IssuedRecorder(store, maxsize=2, flush_interval=30.0)
    results = [full.submit([card(f"o-{i}", "surgery", [])], service_id=SERVICE, hook_instance="h") for i in range(3)]
    assert results == [True, True, False] and full.dropped == 1
    assert full.flush(10)
    assert count_rows(store, card_issued_table) == 162


def test_flush_with_nothing_waiting_returns_at_once(store):
    recorder = IssuedRecorder(store)
    started = time.monotonic()
    assert recorder.flush(5)
    assert time.monotonic() - started < 1
