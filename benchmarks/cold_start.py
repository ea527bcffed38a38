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

from benchmarks.common import free_port, routing_body, stop
from benchmarks.report import write_section

#: What was found and changed, and what the remaining gap is (kept with the figures on every run).
WHY = (
    "Before issue #8 (2026-11-22, 3 starts): 4.7–5.1 s to the first 200 of `/` against 0.47–0.66 s for the bare "
    "app (about 9×), and an 815 KiB `/`: with `suppress_callback_exceptions=False` Dash Pages rendered every page "
    "(all fifteen goal pages with their charts) on the first request to build a validation layout, and embedded "
    "it in every `/`. That check is only reported by the dev-tools UI, so the app now runs it only in debug mode "
    "(`dashboard/app.py`; `tests/test_perf.py` runs the same check in the suite). That left 2.7× (1.11 s against "
    "0.41 s, first page content 1.57 s; commit e283d9d), all of it import time: Dash Pages imports every page "
    "module when the app is made, and they imported pandas, numpy, pyarrow, pandera and requests. Now pages "
    "declare and views build: each `dashboard/pages/<name>.py` registers its page, names its ids and declares "
    "its callbacks, and loads the module that builds its content (`dashboard/views/<name>.py`) on the first "
    "request that needs it; the footer reads the store's manifest alone (`econsec/store.py` imports pandas and "
    "pyarrow where it reads a table), the log filter on secrets moved to `econsec/redact.py` (no requests), "
    "`indicators.goals` takes the bloc code from `indicators/codes.py` (no pandas), and `dashboard.chart_data` "
    "keeps the buttons and callbacks, its CSV and images in `dashboard/views/chart_data.py`. Serving `/` and "
    "`/_dash-layout` imports none of numpy, pandas, pyarrow, pandera, requests, duckdb or kaleido "
    "(`tests/test_cold_imports.py`). Then `econsec serve` (and each gunicorn worker, `post_worker_init`) starts "
    "a daemon thread that imports the Overview's view at once and the other views and the store's tables "
    "between requests (it waits while a request is answered, so it neither delays the first 200 nor competes "
    "with the first page's callback for the GIL). What remains above the bare app: Dash Bootstrap Components "
    "and the app's own modules (~0.13 s to import, against ~0.3 s for Dash) and making the app with its 22 "
    "pages (~0.04 s); the data libraries (~0.7 s) and the Overview's first build (~0.3 s) come after the first "
    "200, in the warm-up while the browser loads the scripts, or in the routing callback when it is posted at "
    "once. With a refreshed store (not the bundled snapshot), checking the current generation for damage "
    "(`pq.read_metadata` in `econsec/store.py`) still imports pyarrow (~0.2 s) before the first 200."
)

ROOT = Path(__file__).resolve().parent.parent
CHROMIUM = os.environ.get("BROWSER_PATH", "/usr/bin/chromium")
GOAL = 1.5
#: How long a server may take to answer before the run is abandoned.
START_TIMEOUT = 120.0



def _get(url: str, body: dict | None = None, timeout: float = 60.0) -> tuple[int, bytes]:
    data = json.dumps(body).encode() if body is not None else None
    headers = {"Content-Type": "application/json"} if body is not None else {}
    request = urllib.request.Request(url, data=data, headers=headers)
    with urllib.request.urlopen(request, timeout=timeout) as response:  # noqa: S310 - loopback only
        return response.status, response.read()


#: ``econsec serve`` with its background warm-up (:func:`dashboard.app.start_warmup`) turned off: what the
#: warm-up costs the first 200 and gains the first page content, measured in the same run.
NO_WARMUP = (
    "import dashboard.app; dashboard.app.start_warmup = lambda server: None; from dashboard.cli import main; main()"
)
APPS = ("bare", "econsec", "econsec_cold")


def command(app: str, port: int) -> list[str]:
    serve = ["serve", "--host", "127.0.0.1", "--port", str(port)]
    if app == "econsec":
        return [sys.executable, "-m", "dashboard.cli", *serve]
    if app == "econsec_cold":
        return [sys.executable, "-c", NO_WARMUP, *serve]
    return [sys.executable, "-m", "benchmarks.bare_app", "--host", "127.0.0.1", "--port", str(port)]


#: What a browser shows first in each app: its first text (the bare app's heading, the Overview's first goal
#: card, drawn by the routing callback) and its first chart (a plotly graph: the bare app's, the card's sparkline).
FIRST_CONTENT = {
    "bare": {"text": "h1", "chart": "#graph .main-svg"},
    "econsec": {"text": ".goal-overview-card", "chart": ".goal-overview-card .main-svg"},
}
FIRST_CONTENT["econsec_cold"] = FIRST_CONTENT["econsec"]


def one_start(app: str, browser=None) -> dict[str, float]:  # noqa: ANN001 - a playwright Browser
    """Seconds from process start to the first 200 of ``/``, then either (no ``browser``) to the first 200 of
    ``/_dash-layout`` and (econsec) of the routing callback posted right after it, or to the first content
    drawn by Chromium opening ``/`` (:data:`FIRST_CONTENT`)."""
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
            if browser is not None:
                context = browser.new_context()
                try:
                    page = context.new_page()
                    page.goto(base + "/", wait_until="commit")
                    for what, selector in FIRST_CONTENT[app].items():
                        page.wait_for_selector(selector, timeout=START_TIMEOUT * 1000)
                        out[what] = time.perf_counter() - start
                finally:
                    context.close()
                return out
            status, body = _get(base + "/_dash-layout")
            if status != 200:
                raise RuntimeError(f"{app}: /_dash-layout answered {status}")
            out["layout"] = time.perf_counter() - start
            if app != "bare":
                status, body = _get(base + "/_dash-update-component", routing_body())
                if status != 200 or b"_pages_content" not in body:
                    raise RuntimeError(f"{app}: the Overview's routing callback answered {status}")
                out["page"] = time.perf_counter() - start
            return out
        finally:
            stop(proc, timeout=10)
            proc.stderr.close()


def run(repeat: int) -> dict[str, list[dict[str, float]]]:
    """``{app: [one start's figures, ...]}``; each start is a fresh process, so the HTTP and the browser
    figures come from separate starts (the HTTP run's callback would warm the browser's)."""
    from playwright.sync_api import sync_playwright  # the Debian Chromium, as the browser tests use it

    results: dict[str, list[dict[str, float]]] = {app: [] for app in APPS}
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM)
        try:
            for i in range(repeat):
                order = APPS[i % len(APPS):] + APPS[:i % len(APPS)]  # each app first in turn
                for app in order:
                    figures = one_start(app)
                    drawn = one_start(app, browser)
                    figures |= {"text": drawn["text"], "chart": drawn["chart"]}
                    results[app].append(figures)
                    print(f"run {i + 1}/{repeat} {app}: " + ", ".join(f"{k}={v:.3f}" for k, v in figures.items()),
                          file=sys.stderr)
        finally:
            browser.close()
    return results


def median(rows: list[dict[str, float]], key: str) -> float:
    return statistics.median(r[key] for r in rows)


def markdown(results: dict[str, list[dict[str, float]]], repeat: int, note: str = "") -> str:
    bare, econ = results["bare"], results["econsec"]
    lines: list[str] = [
        "## Cold start",
        "",
        f"A fresh process to its first HTTP 200, median of {repeat} starts each, the apps alternating in "
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
    cold = results["econsec_cold"]
    lines += [
        "",
        f"`/` response: bare {median(bare, 'index_bytes') / 1024:.1f} KiB, econsec "
        f"{median(econ, 'index_bytes') / 1024:.1f} KiB.",
        "",
        "First content, from process start (separate starts from the table above): *routing callback* is the "
        "Dash Pages callback that draws the Overview, posted right after `/_dash-layout` (no bare-app "
        "equivalent); *in Chromium* is headless Debian Chromium opening `/`, every script and bundle loaded as "
        "a browser does, until the first text is on the page (the Overview's first goal card; the bare app's "
        "heading) and until the first chart is drawn (that card's sparkline; the bare app's graph). econsec "
        "serve is measured as shipped and with its background warm-up "
        "(`dashboard.app.start_warmup`) turned off.",
        "",
        "| app | first 200 of `/` (s) | routing callback (s) | first text in Chromium (s) | first chart in "
        "Chromium (s) | first chart vs bare |",
        "|---|---:|---:|---:|---:|---:|",
    ]
    chart_bare = median(bare, "chart")
    for label, rows in (("bare Dash", bare), ("econsec serve", econ), ("econsec serve, no warm-up", cold)):
        page = f"{median(rows, 'page'):.2f}" if "page" in rows[0] else "—"
        chart = median(rows, "chart")
        lines.append(f"| {label} | {median(rows, 'index'):.2f} | {page} | {median(rows, 'text'):.2f} | {chart:.2f} "
                     f"| {chart / chart_bare:.2f}× |")
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
