"""Admission control: at most N hook calls at once per worker, the others wait briefly, then 429.

A pool of N tokens in a :class:`queue.SimpleQueue` (implemented in C): taking a token is one C
call, waiting for one is a C-level timed wait, and giving one back wakes one waiter without the
pure-Python ``Condition`` bookkeeping of :class:`threading.BoundedSemaphore`. Measured under load
(bench/served_profile.py, 8 connections), the semaphore's ``release -> Condition.notify`` held
the GIL for ~5 % of a worker's CPU samples; this pool is not visible in the profile.

Same calling convention as a semaphore (``acquire(blocking=True, timeout=None) -> bool``,
``release()``), so the view and the tests read the same. Releasing more than was taken is a
programming error and raises, like ``BoundedSemaphore``.
"""
from __future__ import annotations

import queue
import threading


class Admission:
    """N tokens; ``acquire`` takes one (waiting at most ``timeout`` s), ``release`` gives it back."""

    __slots__ = ("limit", "_tokens", "_out", "_lock")

    def __init__(self, limit: int = 1):
        if limit < 1:
            raise ValueError("admission limit must be at least 1")
        self.limit = limit
        self._tokens: queue.SimpleQueue[None] = queue.SimpleQueue()
        for _ in range(limit):
            self._tokens.put(None)
        self._out = 0
        self._lock = threading.Lock()

    def acquire(self, blocking: bool = True, timeout: float | None = None) -> bool:
        try:
            self._tokens.get(blocking, timeout if blocking else None)
        except queue.Empty:
            return False
        with self._lock:
            self._out += 1
        return True

    def release(self) -> None:
        with self._lock:
            if self._out <= 0:
                raise ValueError("Admission released more often than acquired")
            self._out -= 1
        self._tokens.put(None)

    @property
    def in_use(self) -> int:
        """Tokens taken now (for tests and diagnostics)."""
        return self._out
