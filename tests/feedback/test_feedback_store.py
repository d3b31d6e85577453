"""FeedbackStore on SQLite (file) and on a real PostgreSQL server: durable, idempotent, concurrent-safe."""
from __future__ import annotations

import logging
import multiprocessing
import threading
from datetime import datetime, timedelta, timezone

import pytest
import sqlalchemy as sa

from service.errors import FeedbackStoreError
from service.feedback.api import FeedbackItem, parse_feedback
from service.feedback.store import FeedbackStore, card_issued_table, feedback_table
from tests.feedback import _workers

SERVICE = "net-cds-patient-view"
REASON_SYSTEM = "https://net-cds.org/fhir/CodeSystem/override-reason"


def body(*entries):
    return {"feedback": list(entries)}


def overridden(card, ts="2021-12-11T11:07:29.497Z", code=None, comment=None, display=None):
    entry = {"card": card, "outcome": "overridden", "outcomeTimestamp": ts}
    if code or comment:
        entry["overrideReason"] = {}
        if code:
            entry["overrideReason"]["reason"] = {"code": code, "system": REASON_SYSTEM}
            if display:
                entry["overrideReason"]["reason"]["display"] = display
        if comment:
            entry["overrideReason"]["userComment"] = comment
    return entry


def accepted(card, ts="2021-12-11T10:05:31Z", suggestion="s-1"):
    return {"card": card, "outcome": "accepted", "acceptedSuggestions": [{"id": suggestion}], "outcomeTimestamp": ts}


def card(uuid, topic, rules, strength="recommend"):
    return {"uuid": uuid, "summary": "x", "indicator": "info", "source": {"label": "net-cds"},
            "extension": {"net-cds": {"topic": topic, "strength": strength, "rules": rules,
                                      "knowledgeVersion": "2026.1", "evidence": [], "facts": []}}}


def count_rows(store, table=feedback_table):
    with store.engine.connect() as conn:
        return conn.execute(sa.select(sa.func.count()).select_from(table)).scalar_one()


def test_records_and_reads_back_every_field(store):
    items = parse_feedback(body(
        overridden("card-1", code="patient-declined", display="Patient declined", comment="prefers to wait"),
        accepted("card-2", ts="2021-12-11T12:05:31.250+02:00"),
    ))
    assert store.record(SERVICE, items, hook_instance="hi-1") == 2
    stored = store.list_feedback(SERVICE)
    assert [s.item for s in stored] == sorted(items, key=lambda i: i.outcome_timestamp)
    for s in stored:
        assert s.service_id == SERVICE and s.hook_instance == "hi-1"
        assert s.received_at.tzinfo is not None and s.received_at.utcoffset().total_seconds() == 0
        assert s.item.outcome_timestamp.utcoffset().total_seconds() == 0
    assert stored[0].item.outcome_timestamp == datetime(2021, 12, 11, 10, 5, 31, 250000, tzinfo=timezone.utc)


def test_record_is_idempotent(store):
    items = parse_feedback(body(overridden("card-1"), accepted("card-1")))
    assert store.record(SERVICE, items) == 2
    assert store.record(SERVICE, items) == 0
    # same instant written with another offset is the same item
    again = parse_feedback(body(overridden("card-1", ts="2021-12-11T12:07:29.497+01:00")))
    assert store.record(SERVICE, again) == 0
    assert count_rows(store) == 2


def test_same_instant_in_another_time_zone_is_the_same_item(store):
    utc = datetime(2021, 12, 11, 11, 7, 29, 497000, tzinfo=timezone.utc)
    paris = utc.astimezone(timezone(timedelta(hours=1)))
    assert store.record(SERVICE, [FeedbackItem("card-1", "overridden", paris)]) == 1
    assert store.record(SERVICE, [FeedbackItem("card-1", "overridden", utc)]) == 0
    [stored] = store.list_feedback()
    assert stored.item.outcome_timestamp == utc and stored.item.outcome_timestamp.utcoffset() == timedelta(0)


def test_naive_timestamps_are_refused(store):
    with pytest.raises(ValueError):
        store.record(SERVICE, [FeedbackItem("card-1", "overridden", datetime(2021, 12, 11, 11, 7, 29))])
    assert count_rows(store) == 0


def test_duplicates_within_one_batch_are_stored_once(store):
    items = parse_feedback(body(overridden("card-1"), overridden("card-1"), overridden("card-1", code="x")))
    assert store.record(SERVICE, items) == 1
    assert count_rows(store) == 1


def test_same_card_different_outcome_or_time_or_service_are_distinct(store):
    items = parse_feedback(body(overridden("card-1"), overridden("card-1", ts="2021-12-11T11:07:30Z"),
                                accepted("card-1", ts="2021-12-11T11:07:29.497Z")))
    assert store.record(SERVICE, items) == 3
    assert store.record("other-service", items[:1]) == 1
    assert count_rows(store) == 4


def test_empty_record_is_a_no_op(store):
    assert store.record(SERVICE, []) == 0


def test_concurrent_duplicate_submissions_from_threads_store_once(store):
    items = parse_feedback(body(*[overridden(f"card-{i}") for i in range(20)]))
    barrier = threading.Barrier(8)
    results: list[int] = []
    errors: list[BaseException] = []

    def submit():
        try:
            barrier.wait(timeout=30)
            results.append(store.record(SERVICE, items))
        except BaseException as exc:  # noqa: BLE001 - surfaced below
            errors.append(exc)

    threads = [threading.Thread(target=submit) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    assert not errors
    assert sorted(results, reverse=True)[0] >= 1 and sum(results) == 20
    assert count_rows(store) == 20


@pytest.mark.slow
def test_concurrent_duplicate_submissions_from_processes_store_once(store, db_url):
    payload = body(*[overridden(f"card-{i}") for i in range(20)], accepted("card-x"))
    ctx = multiprocessing.get_context("spawn")
    barrier, results = ctx.Barrier(4), ctx.Queue()
    procs = [ctx.Process(target=_workers.record_after_barrier, args=(db_url, payload, barrier, results))
             for _ in range(4)]
    for p in procs:
        p.start()
    for p in procs:
        p.join(timeout=120)
    assert [p.exitcode for p in procs] == [0, 0, 0, 0]
    inserted = [results.get(timeout=5) for _ in procs]
    results.close()
    results.join_thread()
    assert sum(inserted) == 21
    assert count_rows(store) == 21


def test_record_issued_stores_topic_strength_and_rules(store):
    cards = [card("u-1", "surgery", ["P-01", "P-03"]), card("u-2", "prrt", ["M-07"], "consider"),
             {"uuid": "u-3", "summary": "no extension"}, {"summary": "no uuid"}]
    assert store.record_issued(cards, service_id=SERVICE, hook_instance="hi-9") == 3
    assert store.record_issued(cards[:1], service_id=SERVICE, hook_instance="hi-10") == 1   # repeat: no error
    with store.engine.connect() as conn:
        rows = {r.card_uuid: r for r in conn.execute(sa.select(card_issued_table))}
    assert set(rows) == {"u-1", "u-2", "u-3"}
    assert (rows["u-1"].topic, rows["u-1"].strength, rows["u-1"].rules) == ("surgery", "recommend", "P-01,P-03")
    assert rows["u-1"].hook_instance == "hi-9" and rows["u-1"].knowledge_version == "2026.1"
    assert rows["u-3"].topic is None


def test_record_issued_swallows_database_failures(db_url, caplog):
    # schema never migrated: the insert fails, the hook call must not
    with FeedbackStore(db_url) as s, caplog.at_level(logging.WARNING):
        assert s.record_issued([card("u-1", "surgery", ["P-01"])], service_id=SERVICE, hook_instance="h") == 0
        # and the next call within the back-off does not even try
        assert s.record_issued([card("u-2", "surgery", ["P-01"])], service_id=SERVICE, hook_instance="h") == 0
    assert "issued cards not recorded" in caplog.text


def test_record_without_schema_raises_instead_of_losing_items(db_url):
    with FeedbackStore(db_url) as s, pytest.raises(FeedbackStoreError) as caught:
        s.record(SERVICE, parse_feedback(body(overridden("card-1"))))
    assert caught.value.status == 503


def test_failures_never_log_comments_or_parameters(db_url, caplog):
    secret = "Mrs Example, NHS 943 476 5919"
    items = parse_feedback(body(overridden("card-1", comment=secret)))
    with FeedbackStore(db_url) as s, caplog.at_level(logging.DEBUG):
        with pytest.raises(FeedbackStoreError) as caught:
            s.record(SERVICE, items)
    assert secret not in caplog.text and secret not in str(caught.value)
    assert caught.value.__cause__ is None


def test_ping(store, db_url):
    assert store.ping() is True


def test_report_rates_per_topic_and_rule(store):
    store.record_issued([
        card("s-1", "surgery", ["P-01"]), card("s-2", "surgery", ["P-01"]),
        card("s-3", "surgery", ["P-01", "P-03"]), card("s-4", "surgery", ["P-03"]),
        card("r-1", "prrt", ["M-07"]), card("r-2", "prrt", ["M-07"]),
    ], service_id=SERVICE, hook_instance="h")
    store.record(SERVICE, parse_feedback(body(
        accepted("s-1"),
        accepted("s-1", ts="2021-12-11T10:06:00Z"),            # same card accepted twice: 1 card, 2 items
        overridden("s-2", code="patient-declined", display="Patient declined"),
        overridden("s-3", code="patient-declined"),
        overridden("r-1", code="not-indicated"),
        overridden("r-2", code="not-indicated"),
        overridden("r-2", ts="2021-12-11T11:08:00Z", code="other"),
        overridden("ghost"),                                     # card never recorded as issued
    )))
    rows = {(r.topic, r.rule): r for r in store.report()}
    assert set(rows) == {("surgery", "P-01"), ("surgery", "P-03"), ("prrt", "M-07"), ("(unknown)", "(unknown)")}

    p01 = rows[("surgery", "P-01")]       # s-1 accepted, s-2 and s-3 overridden
    assert (p01.cards_issued, p01.feedback_items, p01.accepted, p01.overridden) == (3, 4, 1, 2)
    assert p01.acceptance_rate == pytest.approx(1 / 3) and p01.override_rate == pytest.approx(2 / 3)
    assert [(r.code, r.count, r.display) for r in p01.top_override_reasons] == [
        ("patient-declined", 2, "Patient declined")]

    p03 = rows[("surgery", "P-03")]       # s-3 overridden, s-4 ignored
    assert (p03.cards_issued, p03.feedback_items, p03.accepted, p03.overridden) == (2, 1, 0, 1)
    assert p03.acceptance_rate == 0 and p03.override_rate == pytest.approx(0.5)

    m07 = rows[("prrt", "M-07")]
    assert (m07.cards_issued, m07.feedback_items, m07.accepted, m07.overridden) == (2, 3, 0, 2)
    assert m07.override_rate == 1.0
    assert [(r.code, r.count) for r in m07.top_override_reasons] == [("not-indicated", 2), ("other", 1)]

    ghost = rows[("(unknown)", "(unknown)")]
    assert (ghost.cards_issued, ghost.feedback_items, ghost.overridden) == (0, 1, 1)
    assert ghost.acceptance_rate is None and ghost.override_rate is None


def test_report_of_empty_store_is_empty(store):
    assert store.report() == []


def test_largest_allowed_batch_is_stored_in_one_call(store):
    from service.feedback.api import MAX_ITEMS

    items = parse_feedback(body(*[overridden(f"card-{i}", code="x", comment="c") for i in range(MAX_ITEMS)]))
    assert store.record(SERVICE, items) == MAX_ITEMS
    assert store.record(SERVICE, items) == 0
    assert count_rows(store) == MAX_ITEMS


@pytest.mark.parametrize("ts", ["1970-01-01T00:00:00-14:00", "2099-12-31T23:59:59.999999Z",
                                "2100-01-01T13:59:59+14:00"])
def test_timestamps_at_the_edges_of_the_accepted_range_round_trip(store, ts):
    """The outermost outcomeTimestamps the parser lets through are stored and read back unchanged."""
    items = parse_feedback(body(overridden("card-edge", ts=ts)))
    assert store.record(SERVICE, items) == 1
    assert [s.item.outcome_timestamp for s in store.list_feedback(SERVICE)] == [items[0].outcome_timestamp]
    assert [r.feedback_items for r in store.report()] == [1]
