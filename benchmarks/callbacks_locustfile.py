"""Locust user for benchmarks/callbacks.py: posts one callback's recorded request bodies in turn.

Driven by benchmarks/callbacks.py (headless, on loopback), which writes the bodies to a JSON file and sets
``BENCH_BODIES`` (that file) and ``BENCH_CALLBACK`` (which callback's bodies to post). Each request is named
after the callback, so locust's statistics are per callback.
"""

from __future__ import annotations

import itertools
import json
import os
import threading

from locust import HttpUser, constant, task

_BODIES = json.loads(open(os.environ["BENCH_BODIES"], encoding="utf-8").read())  # noqa: SIM115
_NAME = os.environ["BENCH_CALLBACK"]
_CYCLE = itertools.cycle(_BODIES[_NAME])
_LOCK = threading.Lock()


class DashUser(HttpUser):
    wait_time = constant(0)  # back-to-back requests: the latency under load is what is measured

    @task
    def post_callback(self) -> None:
        with _LOCK:
            body = next(_CYCLE)
        with self.client.post("/_dash-update-component", json=body, name=_NAME, catch_response=True) as response:
            if response.status_code != 200:
                response.failure(f"HTTP {response.status_code}")
            elif _NAME != "noop" and len(response.content) < 100:
                response.failure("suspiciously small response")
            else:
                response.success()
