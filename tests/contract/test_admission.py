"""The admission pool: N calls at once, a bounded wait, then refusal; tokens come back."""
import threading
import time

import pytest

from service.protocol.admission import Admission


def test_takes_up_to_the_limit_then_refuses_without_waiting_when_not_blocking():
    pool = Admission(2)
    assert pool.acquire() and pool.acquire(blocking=False)
    assert pool.in_use == 2
    assert pool.acquire(blocking=False) is False
    pool.release()
    assert pool.acquire(blocking=False) is True


def test_a_full_pool_waits_at_most_the_timeout():
    pool = Admission(1)
    pool.acquire()
    started = time.monotonic()
    assert pool.acquire(timeout=0.05) is False
    assert 0.04 <= time.monotonic() - started < 1.0


def test_a_token_given_back_during_the_wait_is_taken():
    pool = Admission(1)
    pool.acquire()
    threading.Timer(0.02, pool.release).start()
    assert pool.acquire(timeout=2.0) is True
    assert pool.in_use == 1


def test_releasing_more_than_taken_is_an_error_and_does_not_add_a_token():
    pool = Admission(1)
    with pytest.raises(ValueError):
        pool.release()
    assert pool.acquire(blocking=False) and not pool.acquire(blocking=False)


def test_limit_below_one_is_refused():
    with pytest.raises(ValueError):
        Admission(0)
