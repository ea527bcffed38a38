"""Locust user for benchmarks/load.py: an analyst browsing the dashboard.

Each user opens pages the way the browser does (the page, ``/_dash-layout``, ``/_dash-dependencies``,
then the pages router's callback POST that draws the page) and changes the controls of the
Supply concentration and Explorer pages (their callback POSTs). Request bodies are written by
benchmarks/load.py (``LOAD_BODIES``: a JSON file ``{name: [{"path": ..., "body": ...}, ...]}``) in the
renderer's format, each checked against the server before the run. Requests are named by kind, so
locust's statistics are per kind. A non-200 answer or a callback answer without its outputs counts as
a failure.
"""

from __future__ import annotations

import itertools
import json
import os
import threading

from locust import HttpUser, between, task

_BODIES: dict[str, list[dict]] = json.loads(open(os.environ["LOAD_BODIES"], encoding="utf-8").read())  # noqa: SIM115
_CYCLES = {name: itertools.cycle(rows) for name, rows in _BODIES.items()}
_LOCK = threading.Lock()


def _next(name: str) -> dict:
    with _LOCK:
        return next(_CYCLES[name])


class Analyst(HttpUser):
    wait_time = between(1, 3)  # a person reads between clicks

    def _get(self, path: str, name: str) -> None:
        with self.client.get(path, name=name, catch_response=True) as response:
            if response.status_code != 200:
                response.failure(f"HTTP {response.status_code}")

    def _callback(self, name: str, body: dict) -> None:
        with self.client.post("/_dash-update-component", json=body, name=name, catch_response=True) as response:
            if response.status_code != 200:
                response.failure(f"HTTP {response.status_code}")
            elif '"response"' not in response.text:
                response.failure("no callback outputs in the answer")

    @task(3)
    def open_page(self) -> None:
        row = _next("pages")
        self._get(row["path"], "GET page")
        self._get("/_dash-layout", "GET /_dash-layout")
        self._get("/_dash-dependencies", "GET /_dash-dependencies")
        self._callback("POST page content", row["body"])

    @task(2)
    def change_concentration(self) -> None:
        self._callback("POST concentration products", _next("sc-products")["body"])
        self._callback("POST concentration charts", _next("sc-content")["body"])

    @task(2)
    def change_explorer(self) -> None:
        self._callback("POST explorer partners", _next("ex-partners")["body"])
        self._callback("POST explorer charts", _next("ex-content")["body"])
