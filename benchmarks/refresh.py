"""Refresh: a full offline rebuild of the store, timed step by step.

Two workloads, each in a fresh empty data directory, each the project's own code path with timers
wrapped around its steps (nothing is re-implemented here):

1. **snapshot build** -- ``econsec snapshot build --from ../shared/data``: every bundled input read by its
   source's loader (read + parse), the tidy tables validated, every indicator family recomputed, the goal
   statuses derived, the Parquet generation written. Goal: at most 10 s.
2. **refresh from recorded responses** -- ``econsec refresh`` of every API source against a loopback server
   that answers each request with the recorded payload the tests use (``tests/test_refresh_sources.py``;
   one default query per source, as there), upserted into the bundled snapshot, then every indicator
   recomputed over the whole store and a new generation written.

The baseline in the same run is the unavoidable part: reading the shared files' bytes and writing the
tables as Parquet, timed on their own.

    python -m benchmarks.refresh [--repeat 3] [--shared ../shared/data]
"""

from __future__ import annotations

import argparse
import contextlib
import logging
import os
import statistics
import sys
import tempfile
import threading
import time
from collections import defaultdict
from collections.abc import Callable, Iterator
from pathlib import Path

import pandas as pd

from benchmarks.report import write_section

ROOT = Path(__file__).resolve().parent.parent
GOAL_SECONDS = 10.0
STEPS = ("fetch", "read + parse", "validate", "upsert", "indicators", "goal status", "store", "other")


class Timer:
    """Seconds spent per step; nested steps are not double counted (the outer one excludes them)."""

    def __init__(self) -> None:
        self.seconds: dict[str, float] = defaultdict(float)
        self._stack: list[list] = []

    @contextlib.contextmanager
    def step(self, name: str) -> Iterator[None]:
        start = time.perf_counter()
        frame = [name, 0.0]
        self._stack.append(frame)
        try:
            yield
        finally:
            self._stack.pop()
            elapsed = time.perf_counter() - start
            self.seconds[name] += elapsed - frame[1]
            if self._stack:
                self._stack[-1][1] += elapsed

    def wrap(self, name: str, function: Callable) -> Callable:
        def timed(*args, **kwargs):
            with self.step(name):
                return function(*args, **kwargs)

        timed.__wrapped__ = function
        return timed


@contextlib.contextmanager
def patched(target: object, attribute: str, value: object) -> Iterator[None]:
    old = getattr(target, attribute)
    setattr(target, attribute, value)
    try:
        yield
    finally:
        setattr(target, attribute, old)


@contextlib.contextmanager
def instrumented(timer: Timer, connectors: dict[str, object] | None = None) -> Iterator[None]:
    """Timers around the steps of build and refresh (restored on exit)."""
    from econsec import build, schema, store
    from indicators import registry, status

    with contextlib.ExitStack() as stack:
        validators = {name: timer.wrap("validate", f) for name, f in schema.TABLE_VALIDATORS.items()}
        stack.enter_context(patched(schema, "TABLE_VALIDATORS", validators))
        stack.enter_context(patched(build, "TABLE_VALIDATORS", validators))
        stack.enter_context(patched(build.BundledInput, "load", timer.wrap("read + parse", build.BundledInput.load)))
        stack.enter_context(patched(registry, "compute_all", timer.wrap("indicators", registry.compute_all)))
        stack.enter_context(patched(status, "table", timer.wrap("goal status", status.table)))
        stack.enter_context(patched(pd.DataFrame, "to_parquet", timer.wrap("store", pd.DataFrame.to_parquet)))
        stack.enter_context(patched(store.Store, "write", timer.wrap("store", store.Store.write)))
        from econsec import refresh

        stack.enter_context(patched(refresh, "upsert", timer.wrap("upsert", refresh.upsert)))
        for module in (connectors or {}).values():
            stack.enter_context(patched(module, "fetch", timer.wrap("fetch", module.fetch)))
            stack.enter_context(patched(module, "parse", timer.wrap("read + parse", module.parse)))
        yield


def snapshot_build(shared: Path) -> dict[str, float]:
    from econsec import build

    timer = Timer()
    with tempfile.TemporaryDirectory(prefix="econsec-bench-build-") as out, instrumented(timer), timer.step("other"):
        build.build(shared, Path(out))
    return dict(timer.seconds)


@contextlib.contextmanager
def recorded_server() -> Iterator[dict[str, object]]:
    """A loopback server answering like each API source with its recorded payload; env pointed at it."""
    from werkzeug import Request, Response
    from werkzeug.serving import make_server

    from connectors import registry
    from tests.test_refresh_sources import KEY, SOURCES

    def app(environ, start_response):
        request = Request(environ)
        source = request.path.strip("/").split("/", 1)[0]
        _env, _key, content_type, payload = SOURCES[source]
        return Response(payload(request).read_bytes(), content_type=content_type)(environ, start_response)

    logging.getLogger("werkzeug").setLevel(logging.WARNING)  # one line per request otherwise
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    saved = dict(os.environ)
    modules = {}
    try:
        for source, (env, key_var, _ctype, _payload) in SOURCES.items():
            os.environ[f"ECONSEC_{env}_BASE_URL"] = f"http://127.0.0.1:{server.server_port}/{source}"
            if key_var:
                os.environ[key_var] = KEY
            modules[source] = registry.connector(source)
        os.environ["ECONSEC_HTTP_RETRIES"] = "0"
        yield modules
    finally:
        os.environ.clear()
        os.environ.update(saved)
        server.shutdown()
        thread.join()


def refresh_recorded() -> tuple[dict[str, float], int]:
    from econsec import refresh
    from econsec.store import Store

    timer = Timer()
    with tempfile.TemporaryDirectory(prefix="econsec-bench-refresh-") as data_dir, recorded_server() as modules:
        os.environ["ECONSEC_DATA_DIR"] = data_dir
        with contextlib.ExitStack() as stack:
            for module in modules.values():  # one default query per source, as the end-to-end tests do
                first = module.default_queries()[:1]
                stack.enter_context(patched(module, "default_queries", lambda first=first: first))
            stack.enter_context(instrumented(timer, modules))
            with timer.step("other"):
                outcomes = refresh.run(list(modules), store=Store(data_dir))
        failed = [o for o in outcomes if not o.ok]
        if failed:
            raise RuntimeError("recorded refresh failed: " + "; ".join(f"{o.source}: {o.error}" for o in failed))
        rows = sum(o.rows for o in outcomes)
    return dict(timer.seconds), rows


def floor(shared: Path) -> float:
    """Reading every bundled input file's bytes and writing the snapshot's tables as Parquet."""
    from econsec import build
    from econsec.store import bundled_snapshot_dir

    start = time.perf_counter()
    for spec in build.INPUTS:
        for rel in spec.files:
            (shared / rel).read_bytes()
    with tempfile.TemporaryDirectory(prefix="econsec-bench-floor-") as out:
        for path in sorted(bundled_snapshot_dir().glob("*.parquet")):
            pd.read_parquet(path).to_parquet(Path(out) / path.name, index=False)
    return time.perf_counter() - start


def _median_steps(runs: list[dict[str, float]]) -> dict[str, float]:
    return {s: statistics.median(r.get(s, 0.0) for r in runs) for s in STEPS}


def markdown(build_runs, refresh_runs, floors, rows: int, repeat: int, note: str,
             load: tuple[float, float] | None = None) -> str:
    b, r = _median_steps(build_runs), _median_steps(refresh_runs)
    b_total = statistics.median(sum(x.values()) for x in build_runs)
    r_total = statistics.median(sum(x.values()) for x in refresh_runs)
    fl = statistics.median(floors)
    lines = [
        "## Refresh",
        "",
        f"A full offline rebuild of the store, median of {repeat} runs in one process (the first run, which "
        "also pays the imports, included). Steps are timed by wrappers around the project's own functions.",
        "",
        "| step | snapshot build (s) | refresh from recorded responses (s) |",
        "|---|---:|---:|",
    ]
    for step in STEPS:
        lines.append(f"| {step} | {b[step]:.2f} | {r[step]:.2f} |")
    lines += [
        f"| **total** | **{b_total:.2f}** | **{r_total:.2f}** |",
        "",
        f"Goal for the snapshot build: at most {GOAL_SECONDS:.0f} s — "
        f"{'met' if b_total <= GOAL_SECONDS else 'NOT met'} ({b_total:.2f} s). Baseline in the same run: "
        f"reading the input files and writing the snapshot's tables as Parquet takes {fl:.2f} s; the build is "
        f"{b_total / fl:.1f}× that floor, the recorded refresh {r_total / fl:.1f}×. The recorded refresh fetched "
        f"{rows} rows from a loopback server (one recorded response per API source), upserted them into the "
        "bundled snapshot and recomputed every indicator over the whole store. *fetch* is HTTP on loopback; "
        "*read + parse* the connectors' parsers and the bundled inputs' loaders; *other* is the rest "
        "(hashing, the HS reference, manifests, raw-response files).",
        "",
        "Each run (s): snapshot build " + ", ".join(f"{sum(x.values()):.2f}" for x in build_runs)
        + "; recorded refresh " + ", ".join(f"{sum(x.values()):.2f}" for x in refresh_runs)
        + "; floor " + ", ".join(f"{x:.2f}" for x in floors) + "."
        + (f" Load average (1 min) {load[0]:.1f} at the start, {load[1]:.1f} at the end." if load else ""),
    ]
    if note:
        lines += ["", note]
    lines += ["", "Reproduce: `.venv/bin/python -m benchmarks.refresh --repeat 3` (needs `../shared/data`)."]
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description="Refresh benchmark: snapshot build and recorded refresh.")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--shared", type=Path, default=ROOT.parent / "shared" / "data")
    parser.add_argument("--note", default="")
    parser.add_argument("--no-write", action="store_true")
    args = parser.parse_args()
    build_runs, refresh_runs, floors = [], [], []
    rows = 0
    load_start = os.getloadavg()[0]
    for i in range(args.repeat):
        floors.append(floor(args.shared))
        build_runs.append(snapshot_build(args.shared))
        steps, rows = refresh_recorded()
        refresh_runs.append(steps)
        print(f"run {i + 1}: floor {floors[-1]:.2f} s, build {sum(build_runs[-1].values()):.2f} s, "
              f"refresh {sum(steps.values()):.2f} s", file=sys.stderr)
    text = markdown(build_runs, refresh_runs, floors, rows, args.repeat, args.note, (load_start, os.getloadavg()[0]))
    print(text)
    if not args.no_write:
        write_section("refresh", text)


if __name__ == "__main__":
    main()
