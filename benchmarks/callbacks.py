"""Callbacks: p50/p95 latency of the heaviest callbacks under gunicorn (2 workers), against a no-op floor.

The server is :mod:`benchmarks.bench_app` (the production app plus one hidden no-op callback) under
the documented gunicorn deployment (``dashboard/gunicorn_conf.py``: 2 workers × 4 threads) on
loopback, reading the bundled snapshot (empty ``ECONSEC_DATA_DIR``). Request bodies are built from
the app's own callback map and store -- exactly what the browser posts to
``/_dash-update-component`` -- and cycle through several views each:

* ``explorer``: the Explorer's content callback (a filter change: reporter, product, partner, years, top);
* ``goal``: a goal page load (Dash Pages' routing callback for ``/goal/<id>``, every goal in turn);
* ``concentration``: the Supply concentration page's content callback (reporter, product, years);
* ``noop``: a callback that returns its input (the floor: Flask, Dash dispatch, JSON).

Each runs with locust (headless, bounded in time) at 1 and at 20 concurrent users against the app as
shipped, whose repeated responses come from :mod:`dashboard.response_cache`; then, at 20 users, against
the same app with that cache off (``ECONSEC_RESPONSE_CACHE_MB=0``): what a response costs when Dash builds
and encodes it (a view asked for the first time in a generation). Also measured: the bytes a first load
of ``/`` transfers in Debian's Chromium (Playwright), uncompressed and gzip-compressed.

    python -m benchmarks.callbacks [--seconds 20]
"""

from __future__ import annotations

import argparse
import csv
import gzip
import json
import os
import subprocess
import sys
import tempfile
import urllib.request
from pathlib import Path

from benchmarks.bench_app import NOOP_IN, NOOP_OUT, NOOP_OUTPUT
from benchmarks.common import gunicorn
from benchmarks.report import write_section

#: What was found and changed, and what the remaining gap is (kept with the figures on every run).
WHY = (
    "Before issue #8 (same method, 8 s per run, on a loaded machine): explorer p50/p95 220/650 ms at 1 user and "
    "4,100/5,100 ms at 20; concentration 950/1,600 and 6,800/11,000 ms; goal 7/19 and 180/420 ms; no-op 2/7 and "
    "35/83 ms. The Explorer and Supply concentration callbacks rebuilt their figures and tables on every request; "
    "their page bodies are now cached per store generation and selection (`dashboard.data.per_generation`: a "
    "refresh writes a new generation, so nothing stale is served). That left p95 at 20 users at 8.6× (explorer), "
    "4.6× (concentration) and 4.3× (goal) the no-op (commit 072af5d): a cached figure was still turned into JSON "
    "on every request, and plotly does that by deep-copying the figure and re-encoding its arrays (half of an "
    "Explorer response's time in a profile). A figure in a cached page body is now a `dashboard.figures."
    "SharedFigure`, which keeps its JSON form after the first response; the Explorer's check of a `partner` "
    "value is cached per generation; and the store's current generation is looked up once per request instead "
    "of five or six times. In-process (Flask test client, one thread) an Explorer response went from 19 to about "
    "4 ms, a goal page from 8 to 2–3 ms, Supply concentration from 14 to 3 ms. That left p95 at 20 users at "
    "2.9–3.3× the no-op (commit d3e9615): what remained was Dash encoding the responses (plotly's JSON encoder "
    "walks every component, then decodes and encodes the result again; 0.87 of 1.56 s in a profile of 240 "
    "Explorer responses; ~80 KB each, against a no-op's few bytes). Now the encoded response of a callback that "
    "draws from the store and its inputs alone is kept per store generation and request body "
    "(`dashboard/response_cache.py`: the Explorer's and Supply concentration's callbacks, the routing callback "
    "of every page but Data & sources, which shows the refresh status; declared by the pages, bounded by "
    "`ECONSEC_RESPONSE_CACHE_MB`; errors, downloads and failed callbacks are never kept; access control runs "
    "first) and sent again as it is: in-process an Explorer repeat takes 0.3 ms against the no-op's 0.55 ms "
    "(which still goes through Dash). The first request for a view in a generation still pays the full cost "
    "(the table without the cache). The first load is dominated "
    "by plotly.min.js (4.6 MiB); the app serves it uncompressed (flask-compress leaves streamed static files "
    "open), so let the reverse proxy compress: about a quarter of the bytes. dash_table's bundle loads on every "
    "page because Dash registers it eagerly."
)

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
CALLBACKS = ("noop", "explorer", "goal", "concentration")
USERS = (1, 20)
GOAL_RATIO = 2.0


def _body(output: str, outputs: list[tuple[str, str]], inputs: list[tuple[str, str, object]]) -> dict:
    return {
        "output": output,
        "outputs": [{"id": i, "property": p} for i, p in outputs]
        if len(outputs) > 1 else {"id": outputs[0][0], "property": outputs[0][1]},
        "inputs": [{"id": i, "property": p, "value": v} for i, p, v in inputs],
        "changedPropIds": [f"{inputs[0][0]}.{inputs[0][1]}"],
        "state": [],
    }


def bodies(views: int = 8) -> dict[str, list[dict]]:
    """Request bodies per callback, from the app's callback map and the bundled store's choices."""
    from benchmarks.bench_app import create_app
    from dashboard import data, explore
    from indicators import goals

    app = create_app()
    from dashboard.pages import explorer  # imported by create_app (a page may only register after it)

    app.server.test_client().get("/")  # registers Dash Pages' routing callback
    outputs = {key: cb for key, cb in app.callback_map.items()}

    def key_for(first_output: str) -> str:
        found = [k for k in outputs if first_output in k]
        if len(found) != 1:
            raise RuntimeError(f"no single callback writes {first_output}: {found}")
        return found[0]

    out: dict[str, list[dict]] = {"noop": [], "explorer": [], "goal": [], "concentration": []}
    for i in range(views):
        out["noop"].append(_body(NOOP_OUTPUT, [(NOOP_OUT, "children")], [(NOOP_IN, "children", f"ping {i}")]))

    view, _ = explorer.resolve(None, None, None, None, None, None)
    ex_key = key_for("ex-content.children")
    ex_outputs = [("ex-content", "children"), ("ex-notice", "children"), ("ex-csv-button", "disabled"),
                  ("ex-parquet-button", "disabled")]
    products = [c.id for c in explore.explorer_products(view["reporter"])][:views]
    partners = [None, "CHN"]
    for i, product in enumerate(products):
        out["explorer"].append(_body(ex_key, ex_outputs, [
            ("ex-reporter", "value", view["reporter"]), ("ex-product", "value", product),
            ("ex-partner", "value", partners[i % 2]), ("ex-years", "value", [view["start"], view["end"]]),
            ("ex-top", "value", view["top"]),
        ]))

    pages_key = key_for("_pages_content.children")
    for goal in goals.GOALS:
        body = _body(pages_key, [("_pages_content", "children"), ("_pages_store", "data")],
                     [("_pages_location", "pathname", f"/goal/{goal.id}"), ("_pages_location", "search", "")])
        body["changedPropIds"] = ["_pages_location.pathname", "_pages_location.search"]
        out["goal"].append(body)

    sc_key = key_for("sc-content.children")
    years = data.years()
    for product in [p.id for p in data.products_for(data.DEFAULT_REPORTER)][:views]:
        out["concentration"].append(_body(sc_key, [("sc-content", "children"), ("sc-notice", "children")], [
            ("sc-reporter", "value", data.DEFAULT_REPORTER), ("sc-product", "value", product),
            ("sc-years", "value", [years[0], years[-1]]),
        ]))
    for name, rows in out.items():
        if not rows:
            raise RuntimeError(f"no request bodies for {name}")
    return out


def _post(base: str, body: dict) -> tuple[int, int]:
    request = urllib.request.Request(base + "/_dash-update-component", data=json.dumps(body).encode(),
                                     headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=120) as response:  # noqa: S310 - loopback only
        return response.status, len(response.read())


def warm(base: str, all_bodies: dict[str, list[dict]]) -> None:
    """Each view once per worker before timing (round robin is not guaranteed: twice): steady state."""
    for _ in range(2):
        for name, rows in all_bodies.items():
            for body in rows:
                status, _size = _post(base, body)
                if status != 200:
                    raise RuntimeError(f"{name}: HTTP {status}")


def locust(base: str, bodies_file: Path, name: str, users: int, seconds: int, workdir: Path) -> dict:
    prefix = workdir / f"{name}-{users}"
    env = {**os.environ, "BENCH_BODIES": str(bodies_file), "BENCH_CALLBACK": name}
    subprocess.run(
        [str(BIN / "locust"), "-f", str(Path(__file__).with_name("callbacks_locustfile.py")), "--headless",
         "-u", str(users), "-r", str(users), "-t", f"{seconds}s", "--host", base, "--csv", str(prefix),
         "--only-summary", "--loglevel", "WARNING", "--stop-timeout", "10", "--exit-code-on-error", "0"],
        cwd=ROOT, env=env, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, timeout=seconds + 120,
    )
    with open(f"{prefix}_stats.csv", newline="", encoding="utf-8") as fh:
        row = next(r for r in csv.DictReader(fh) if r["Name"] == name)
    return {"requests": int(row["Request Count"]), "failures": int(row["Failure Count"]),
            "p50": float(row["50%"]), "p95": float(row["95%"]), "rps": float(row["Requests/s"])}


def page_bytes(base: str) -> dict:
    """Every response of a first load of ``/`` in Chromium: uncompressed and gzip sizes, biggest first."""
    from playwright.sync_api import sync_playwright

    items: list[dict] = []
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=[
            "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--disable-background-networking",
            "--disable-component-update", "--no-first-run", "--disable-sync"])
        try:
            page = browser.new_page()
            responses = []
            page.on("response", lambda response: responses.append(response))
            page.goto(base + "/", wait_until="networkidle")
            page.wait_for_selector("#_pages_content *", timeout=60_000)
            page.wait_for_load_state("networkidle")
            for response in responses:
                try:
                    body = response.body()
                except Exception:  # noqa: BLE001 - a redirect or aborted request has no body
                    continue
                wire = response.request.sizes()["responseBodySize"]
                items.append({"url": response.url.removeprefix(base), "bytes": len(body),
                              "gzip": len(gzip.compress(body, 6)), "wire": wire})
        finally:
            browser.close()
    items.sort(key=lambda x: -x["bytes"])
    return {"items": items, "bytes": sum(i["bytes"] for i in items), "gzip": sum(i["gzip"] for i in items),
            "wire": sum(i["wire"] for i in items)}


def markdown(results: dict, uncached: dict, transfer: dict, seconds: int, views: dict[str, int], note: str,
             loads: list[float]) -> str:
    lines = [
        "## Callbacks",
        "",
        "The documented gunicorn deployment (`dashboard/gunicorn_conf.py`: 2 workers × 4 threads) serving "
        f"`benchmarks/bench_app.py` (the production app plus one hidden no-op callback) "
        f"on the bundled snapshot; locust, headless on loopback, {seconds} s per callback and user count, users "
        "posting back to back. Bodies are what the browser posts to `/_dash-update-component`, built from the "
        "app's callback map, cycling through "
        + ", ".join(f"{n} {name} views" for name, n in views.items() if name != "noop")
        + " (each view requested once per worker before timing, so this is steady state: repeated responses come"
        " from the response cache, `dashboard/response_cache.py`).",
        "",
        "| callback | users | requests | errors | req/s | p50 (ms) | p95 (ms) | p95 / no-op p95 |",
        "|---|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for name in CALLBACKS:
        for users in USERS:
            r = results[(name, users)]
            floor = results[("noop", users)]["p95"]
            lines.append(f"| {name} | {users} | {r['requests']} | {r['failures']} | {r['rps']:.1f} | {r['p50']:.0f} "
                         f"| {r['p95']:.0f} | {r['p95'] / floor:.2f}× |")
    worst = max(results[(n, 20)]["p95"] / results[("noop", 20)]["p95"] for n in CALLBACKS if n != "noop")
    errors = sum(r["failures"] for r in results.values())
    lines += [
        "",
        f"Goal at 20 users: p95 at most {GOAL_RATIO:.0f}× the no-op floor, zero errors — worst ratio "
        f"{worst:.2f}× ({'met' if worst <= GOAL_RATIO else 'NOT met'}); errors {errors}.",
        "",
        "**Without the response cache** (`ECONSEC_RESPONSE_CACHE_MB=0`, another server started the same way, the "
        "views warmed the same way): every response is built from the cached page body and encoded by Dash, as "
        "the first request for a view in a generation is. 20 users:",
        "",
        "| callback | requests | errors | req/s | p50 (ms) | p95 (ms) | p95 / no-op p95 |",
        "|---|---:|---:|---:|---:|---:|---:|",
    ]
    for name in CALLBACKS:
        r, floor = uncached[name], uncached["noop"]["p95"]
        lines.append(f"| {name} | {r['requests']} | {r['failures']} | {r['rps']:.1f} | {r['p50']:.0f} | "
                     f"{r['p95']:.0f} | {r['p95'] / floor:.2f}× |")
    worst_uncached = max(uncached[n]["p95"] / uncached["noop"]["p95"] for n in CALLBACKS if n != "noop")
    lines += [
        "",
        f"Worst ratio without the cache: {worst_uncached:.2f}×; errors "
        f"{sum(r['failures'] for r in uncached.values())}. 1-minute load average at the start, between the two "
        f"servers and at the end: {', '.join(f'{x:.1f}' for x in loads)}.",
        "",
        f"**First page load** of `/` in Chromium: {len(transfer['items'])} responses, "
        f"{transfer['bytes'] / 1024:.0f} KiB uncompressed, {transfer['gzip'] / 1024:.0f} KiB gzip-compressed "
        f"(the app serves them uncompressed: {transfer['wire'] / 1024:.0f} KiB on the wire). Biggest:",
        "",
        "| response | KiB | KiB gzip |",
        "|---|---:|---:|",
    ]
    for item in transfer["items"][:8]:
        lines.append(f"| `{item['url'][:90]}` | {item['bytes'] / 1024:.0f} | {item['gzip'] / 1024:.0f} |")
    if note:
        lines += ["", note]
    lines += ["", WHY, "", "Reproduce: `.venv/bin/python -m benchmarks.callbacks --seconds 20`."]
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description="Callback latency benchmark (gunicorn + locust).")
    parser.add_argument("--seconds", type=int, default=20)
    parser.add_argument("--note", default="")
    parser.add_argument("--no-write", action="store_true")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="econsec-bench-cb-") as tmp:
        workdir = Path(tmp)
        data_dir = workdir / "data"
        data_dir.mkdir()
        os.environ["ECONSEC_DATA_DIR"] = str(data_dir)
        all_bodies = bodies()
        bodies_file = workdir / "bodies.json"
        bodies_file.write_text(json.dumps(all_bodies))
        (workdir / "uncached").mkdir()
        loads = [os.getloadavg()[0]]
        with gunicorn(str(data_dir), workdir / "gunicorn.log", app="benchmarks.bench_app:server()") as base:
            warm(base, all_bodies)
            results = {}
            for name in CALLBACKS:
                for users in USERS:
                    results[(name, users)] = locust(base, bodies_file, name, users, args.seconds, workdir)
                    print(f"{name} @ {users}: {results[(name, users)]}", file=sys.stderr)
            transfer = page_bytes(base)
        loads.append(os.getloadavg()[0])
        uncached = {}
        with gunicorn(str(data_dir), workdir / "gunicorn-uncached.log", app="benchmarks.bench_app:server()",
                      settings={"ECONSEC_RESPONSE_CACHE_MB": "0"}) as base:
            warm(base, all_bodies)
            for name in CALLBACKS:
                uncached[name] = locust(base, bodies_file, name, 20, args.seconds, workdir / "uncached")
                print(f"{name} @ 20, no response cache: {uncached[name]}", file=sys.stderr)
    loads.append(os.getloadavg()[0])
    text = markdown(results, uncached, transfer, args.seconds, {k: len(v) for k, v in all_bodies.items()},
                    args.note, loads)
    print(text)
    if not args.no_write:
        write_section("callbacks", text)


if __name__ == "__main__":
    main()
