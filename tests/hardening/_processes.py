"""Process entry points for the replay-cache tests (importable, so they work with 'spawn')."""
from __future__ import annotations


def add_after_barrier(url: str, key: str, expires_at: float, now: float, barrier, results) -> None:
    from service.protocol.auth import DatabaseReplayCache

    cache = DatabaseReplayCache(url)
    try:
        barrier.wait(timeout=60)
        results.put(cache.add(key, expires_at=expires_at, now=now))
    finally:
        cache.close()
