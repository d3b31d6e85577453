"""Process entry points for the concurrency tests (importable, so they work with 'spawn')."""
from __future__ import annotations


def record_after_barrier(url: str, body: dict, barrier, results) -> None:
    from service.feedback.api import parse_feedback
    from service.feedback.store import FeedbackStore

    items = parse_feedback(body)
    with FeedbackStore(url) as store:
        barrier.wait(timeout=60)
        results.put(store.record("net-cds-patient-view", items))


def migrate_after_barrier(url: str, barrier, results) -> None:
    from service.feedback.store import migrate

    barrier.wait(timeout=60)
    try:
        results.put(migrate(url))
    except Exception as exc:  # reported to the parent, which fails the test
        results.put(f"error: {type(exc).__name__}: {exc}")
