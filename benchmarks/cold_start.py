"""Cold start: ``econsec serve`` to the first 200 of ``/`` and of ``/_dash-layout``, against a bare Dash app.

Each repetition starts a fresh process on a free loopback port (econsec on the bundled snapshot with an
empty ``ECONSEC_DATA_DIR``; the bare app is :mod:`benchmarks.bare_app`, started the same way), polls ``/``
until it answers 200, then asks for ``/_dash-layout``. The two apps alternate within the run, so the
ratio compares like with like on a noisy machine. For econsec it also times the first page content (the
Dash Pages routing callback for ``/``, i.e. the Overview), which the bare app has no equivalent of.

    python -m benchmarks.cold_start [--repeat 5]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path

from benchmarks.common import free_port, stop
from benchmarks.report import write_section

#: What was found and changed, and what the remaining gap is (kept with the figures on every run).
WHY = (
    "Before issue #8 (2026-11-22, 3 starts): 4.7–5.1 s to the first 200 of `/` against 0.47–0.66 s for the bare "
    "app (about 9×), and an 815 KiB `/`: with `suppress_callback_exceptions=False` Dash Pages rendered every page "
    "(all fifteen goal pages with their charts) on the first request to build a validation layout, and embedded "
    "it in every `/`. That check is only reported by the dev-tools UI, so the app now runs it only in debug mode "
    "(`dashboard/app.py`; `tests/test_perf.py` runs the same check in the suite). What remains is import time: "
    "Dash Pages imports every page module when the app is made, and they import pandas, numpy and pyarrow "
    "(~0.5 s) and pandera (~0.2 s, through `econsec.countries` → `econsec.schema` and `indicators.base`); the "
    "bare app imports Dash alone. Meeting 1.5× would mean pages that import no data library until their first "
    "request."
)

ROOT = Path(__file__).resolve().parent.parent
GOAL = 1.5
#: How long a server may take to answer before the run is abandoned.
START_TIMEOUT = 120.0

#: The Dash Pages routing callback for ``/`` (what the browser posts right after the layout).
PAGES_BODY = {
    "output": ".._pages_content.children..._pages_store.data..",
    "outputs": [{"id": "_pages_content", "property": "children"}, {"id": "_pages_store", "property": "data"}],
    "inputs": [
        {"id": "_pages_location", "property": "pathname", "value": "/"},
        {"id": "_pages_location", "property": "search", "value": ""},
    ],
    "changedPropIds": ["_pages_location.pathname", "_pages_location.search"],
    "state": [],
}


def _get(url: str, body: dict | None = None, timeout: float = 60.0) -> tuple[int, bytes]:
    data = json.dumps(body).encode() if body is not None else None
    headers = {"Content-Type": "application/json"} if body is not None else {}
    request = urllib.request.Request(url, data=data, headers=headers)
    with urllib.request.urlopen(request, timeout=timeout) as response:  # noqa: S310 - loopback only
        return response.status, response.read()


def command(app: str, port: int) -> list[str]:
    if app == "econsec":
        return [sys.executable, "-m", "dashboard.cli", "serve", "--host", "127.0.0.1", "--port", str(port)]
    return [sys.executable, "-m", "benchmarks.bare_app", "--host", "127.0.0.1", "--port", str(port)]


def one_start(app: str) -> dict[str, float]:
    """Seconds from process start to the first 200 of ``/``, of ``/_dash-layout`` and (econsec) the page."""
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    with tempfile.TemporaryDirectory(prefix="econsec-cold-") as data_dir:
        env = {**os.environ, "ECONSEC_DATA_DIR": data_dir, "PYTHONDONTWRITEBYTECODE": "0"}
        start = time.perf_counter()
        proc = subprocess.Popen(command(app, port), cwd=ROOT, env=env, stdout=subprocess.DEVNULL,
                                stderr=subprocess.PIPE)
        try:
            out: dict[str, float] = {}
            while True:
                if proc.poll() is not None:
                    raise RuntimeError(f"{app} exited with {proc.returncode}: {proc.stderr.read().decode()[-2000:]}")
                if time.perf_counter() - start > START_TIMEOUT:
                    raise RuntimeError(f"{app} did not answer / within {START_TIMEOUT:.0f} s")
                try:
                    status, body = _get(base + "/", timeout=START_TIMEOUT)
                except (urllib.error.URLError, ConnectionError, TimeoutError):
                    time.sleep(0.01)
                    continue
                if status == 200:
                    out["index"] = time.perf_counter() - start
                    out["index_bytes"] = len(body)
                    break
            status, body = _get(base + "/_dash-layout")
            if status != 200:
                raise RuntimeError(f"{app}: /_dash-layout answered {status}")
            out["layout"] = time.perf_counter() - start
            if app == "econsec":
                status, body = _get(base + "/_dash-update-component", PAGES_BODY)
                if status != 200 or b"_pages_content" not in body:
                    raise RuntimeError(f"{app}: the Overview's routing callback answered {status}")
                out["page"] = time.perf_counter() - start
            return out
        finally:
            stop(proc, timeout=10)
            proc.stderr.close()


def run(repeat: int) -> dict[str, list[dict[str, float]]]:
    results: dict[str, list[dict[str, float]]] = {"bare": [], "econsec": []}
    for i in range(repeat):
        order = ("bare", "econsec") if i % 2 == 0 else ("econsec", "bare")
        for app in order:
            results[app].append(one_start(app))
            print(f"run {i + 1}/{repeat} {app}: " + ", ".join(f"{k}={v:.3f}" for k, v in results[app][-1].items()),
                  file=sys.stderr)
    return results


def median(rows: list[dict[str, float]], key: str) -> float:
    return statistics.median(r[key] for r in rows)


def markdown(results: dict[str, list[dict[str, float]]], repeat: int, note: str = "") -> str:
    bare, econ = results["bare"], results["econsec"]
    lines = [
        "## Cold start",
        "",
        f"A fresh process to its first HTTP 200, median of {repeat} starts each, the two apps alternating in "
        "the same run. econsec: `econsec serve` on the bundled snapshot (empty `ECONSEC_DATA_DIR`); baseline: "
        "`benchmarks/bare_app.py`, a one-page Dash app with `serve_locally=True`, started the same way "
        f"(`Dash.run`). Goal: at most {GOAL}× the bare app.",
        "",
        "| first 200 of | bare Dash (s) | econsec (s) | ratio | goal |",
        "|---|---:|---:|---:|---|",
    ]
    for key, label in (("index", "`/`"), ("layout", "`/_dash-layout`")):
        b, e = median(bare, key), median(econ, key)
        ratio = e / b
        lines.append(f"| {label} | {b:.2f} | {e:.2f} | {ratio:.2f}× | {'met' if ratio <= GOAL else 'NOT met'} |")
    lines += [
        "",
        f"`/` response: bare {median(bare, 'index_bytes') / 1024:.1f} KiB, econsec "
        f"{median(econ, 'index_bytes') / 1024:.1f} KiB. econsec's first page content (the routing callback "
        f"that draws the Overview, right after the layout): {median(econ, 'page'):.2f} s after process start "
        "(no bare-app equivalent).",
    ]
    if note:
        lines += ["", note]
    lines += ["", WHY, "", "Reproduce: `.venv/bin/python -m benchmarks.cold_start --repeat 5`."]
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description="Cold-start benchmark: econsec serve vs a bare Dash app.")
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--note", default="", help="a paragraph added to the section (e.g. before/after figures)")
    parser.add_argument("--no-write", action="store_true", help="print the section; do not write BENCHMARKS.md")
    args = parser.parse_args()
    results = run(args.repeat)
    text = markdown(results, args.repeat, args.note)
    print(text)
    if not args.no_write:
        write_section("cold-start", text)


if __name__ == "__main__":
    main()
