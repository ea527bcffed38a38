"""The load of benchmarks/load.py in CI: 50 concurrent users for 60 s against gunicorn (2 workers) on
loopback. Asserts zero errors, never timings (those go to BENCHMARKS.md)."""

from __future__ import annotations

import pytest

from benchmarks import load

pytestmark = pytest.mark.slow


def test_fifty_users_for_a_minute_get_no_errors():
    results = load.measure(users=50, seconds=60, baseline_seconds=0, warm=False)
    total = results["load"]["total"]
    assert results["bodies"] > 20, "every kind of request was checked against the server first"
    assert total["requests"] > 500, f"the load did not run: {total}"
    kinds = set(results["load"]["rows"]) - {"Aggregated"}
    assert {"GET page", "POST page content", "POST concentration charts", "POST explorer charts"} <= kinds
    assert total["failures"] == 0, results["load"]["failure_lines"]
    assert results["server_errors"] == []
