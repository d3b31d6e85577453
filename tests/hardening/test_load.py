"""Admission under load, short version of ``python -m bench.load`` (5 s steady + 2 s burst).

The production server (python -m service) holds a steady rate (hook calls with a full fixture
prefetch, 1 in 10 feedback) with every answer 200, and beyond capacity answers 200 or 429/503
WITH Retry-After, never a timeout or a dropped connection. CI runs 25 req/s (other test servers
and the load generator share the 2 cores); the long run (python -m bench.load) holds 40 req/s.
"""
from __future__ import annotations

import pytest

from bench.load.run import Config, check_burst, check_steady, Phase, run


def test_the_verdicts_can_fail():
    steady = Phase("steady", sent=3)
    steady.record(200, 0.01, None, None)
    steady.record(429, 0.01, "1", None)
    steady.record(None, 30, None, "timeout")
    assert len(check_steady(steady)) == 3      # an error, a 429, one unanswered
    burst = Phase("burst")
    burst.record(503, 0.01, None, None)
    burst.record(500, 0.01, None, None)
    assert len(check_burst(burst, 1.0)) == 2


@pytest.mark.slow
def test_planned_rate_is_held_and_a_burst_is_shed_with_retry_after():
    report = run(Config(rate=25, steady_seconds=5, burst_seconds=2, burst_connections=64))
    assert report["problems"] == [], report
    assert report["steady"]["statuses"] == {"200": report["steady"]["sent"]}
