"""Load: 50 analysts browsing the dashboard at once for 60 s, against gunicorn with 2 workers.

``gunicorn -c python:dashboard.gunicorn_conf 'dashboard.app:server()'`` (the documented deployment:
2 gthread workers) on a free loopback port, reading the bundled snapshot (an empty
``ECONSEC_DATA_DIR``). Locust, headless in a subprocess, runs benchmarks/load_locustfile.py: page opens
(``/``, every ``/goal/<id>``, ``/concentration``, ``/explorer`` with and without query strings, each as
the browser loads it: page, layout, dependencies, the router's callback) and control changes on the
Supply concentration and Explorer pages (their callback POSTs, bodies in the renderer's format, each
checked against the server first). The baseline, in the same run: the same mix by ONE user, so the
ratio says what 50 concurrent users cost each request.

Run: ``python -m benchmarks.load [--users 50] [--seconds 60] [--baseline-seconds 20]`` (writes the
"load" section of BENCHMARKS.md). tests/test_load.py runs the same load and asserts zero errors.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import subprocess
import sys
import tempfile
import urllib.request
from pathlib import Path

from benchmarks.common import gunicorn

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
LOCUSTFILE = Path(__file__).with_name("load_locustfile.py")
PAGE_PATHS = ("/", "/concentration", "/explorer")
PAGE_QUERIES = {"/concentration": ("?reporter=USA&product=850511&start=2019&end=2024", "?reporter=JPN"),
                "/explorer": ("?reporter=USA&product=semiconductors", "?reporter=JPN&top=5")}


def _body(outputs: list[tuple[str, str]], inputs: list[tuple[str, str, object]],
          state: list[tuple[str, str, object]] = ()) -> dict:
    """A ``/_dash-update-component`` body as dash-renderer 4 sends it."""
    keys = [f"{i}.{p}" for i, p in outputs]
    out = [{"id": i, "property": p} for i, p in outputs]
    return {
        "output": f"..{'...'.join(keys)}.." if len(keys) > 1 else keys[0],
        "outputs": out if len(out) > 1 else out[0],
        "inputs": [{"id": i, "property": p, "value": v} for i, p, v in inputs],
        "state": [{"id": i, "property": p, "value": v} for i, p, v in state],
        "changedPropIds": [f"{inputs[0][0]}.{inputs[0][1]}"],
    }


def _page(path: str, search: str = "") -> dict:
    body = _body([("_pages_content", "children"), ("_pages_store", "data")],
                 [("_pages_location", "pathname", path), ("_pages_location", "search", search)])
    body["changedPropIds"] = ["_pages_location.pathname", "_pages_location.search"]
    return {"path": path + search, "body": body}


def bodies(per_page: int = 6) -> dict[str, list[dict]]:
    """Request bodies of every kind the locustfile posts, from the store the server reads."""
    from dashboard import data, explore
    from indicators import goals

    pages = [_page(p) for p in PAGE_PATHS]
    pages += [_page(p, q) for p, qs in PAGE_QUERIES.items() for q in qs]
    pages += [_page(f"/goal/{g.id}") for g in goals.GOALS]

    years = data.years()
    sc_products, sc_content = [], []
    for reporter in data.available_reporters():
        products = [p.id for p in data.products_for(reporter)][:per_page]
        if not products:  # a reporter with no import indicators is not offered by the page
            continue
        sc_products.append({"body": _body([("sc-product", "options"), ("sc-product", "value")],
                                          [("sc-reporter", "value", reporter)],
                                          [("sc-product", "value", products[0])])})
        sc_content += [{"body": _body([("sc-content", "children"), ("sc-notice", "children")],
                                      [("sc-reporter", "value", reporter), ("sc-product", "value", p),
                                       ("sc-years", "value", [years[0], years[-1]])])} for p in products]

    ex_years = explore.explorer_years()
    ex_partners, ex_content = [], []
    for reporter in explore.explorer_reporters()[:4]:
        for choice in explore.explorer_products(reporter)[:per_page]:
            ex_partners.append({"body": _body([("ex-partner", "options"), ("ex-partner", "value")],
                                              [("ex-reporter", "value", reporter), ("ex-product", "value", choice.id)],
                                              [("ex-partner", "value", None)])})
            ex_content.append({"body": _body(
                [("ex-content", "children"), ("ex-notice", "children"), ("ex-csv-button", "disabled"),
                 ("ex-parquet-button", "disabled")],
                [("ex-reporter", "value", reporter), ("ex-product", "value", choice.id), ("ex-partner", "value", None),
                 ("ex-years", "value", [ex_years[0], ex_years[-1]]), ("ex-top", "value", explore.DEFAULT_TOP)])})
    out = {"pages": pages, "sc-products": sc_products, "sc-content": sc_content,
           "ex-partners": ex_partners, "ex-content": ex_content}
    empty = [name for name, rows in out.items() if not rows]
    if empty:
        raise RuntimeError(f"no request bodies for {empty}: is the bundled snapshot installed?")
    return out


def _request(base: str, path: str, body: dict | None = None, timeout: float = 120.0) -> tuple[int, bytes]:
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(base + path, data=data, headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=timeout) as response:  # noqa: S310 - loopback only
        return response.status, response.read()


def check_bodies(base: str, all_bodies: dict[str, list[dict]]) -> int:
    """POST every body once (this also warms both workers' caches); a non-200 stops the benchmark."""
    n = 0
    for name, rows in all_bodies.items():
        for row in rows:
            status, content = _request(base, "/_dash-update-component", row["body"])
            if status != 200 or b'"response"' not in content:
                raise RuntimeError(f"{name}: HTTP {status} for {json.dumps(row['body'])[:200]}")
            n += 1
    return n


def run_locust(base: str, bodies_file: Path, users: int, seconds: int, workdir: Path) -> dict:
    """Locust headless for ``seconds`` with ``users`` (all started within 5 s); per-kind and total rows."""
    prefix = workdir / f"load-{users}"
    env = {**os.environ, "LOAD_BODIES": str(bodies_file)}
    rate = max(1, users // 5)
    with open(workdir / f"locust-{users}.log", "wb") as log:
        subprocess.run(
            [str(BIN / "locust"), "-f", str(LOCUSTFILE), "--headless", "-u", str(users), "-r", str(rate),
             "-t", f"{seconds}s", "--host", base, "--csv", str(prefix), "--only-summary", "--loglevel", "WARNING",
             "--stop-timeout", "30", "--exit-code-on-error", "0"],
            cwd=ROOT, env=env, check=True, stdout=log, stderr=subprocess.STDOUT, timeout=seconds + 180,
        )
    rows = {}
    with open(f"{prefix}_stats.csv", newline="", encoding="utf-8") as fh:
        for r in csv.DictReader(fh):
            rows[r["Name"]] = {
                "requests": int(r["Request Count"]), "failures": int(r["Failure Count"]),
                "p50": float(r["50%"]), "p95": float(r["95%"]), "p99": float(r["99%"]), "rps": float(r["Requests/s"]),
            }
    failures_file = Path(f"{prefix}_failures.csv")
    errors = failures_file.read_text(encoding="utf-8") if failures_file.exists() else ""
    return {"users": users, "seconds": seconds, "rows": rows, "total": rows["Aggregated"], "failure_lines": errors}


def measure(users: int = 50, seconds: int = 60, baseline_seconds: int = 20, workers: int = 2,
            warm: bool = True) -> dict:
    """Baseline (1 user) then the load (``users``), both against one gunicorn; the results of each.
    Every request body is checked once first; ``warm`` sends them all a second time (both workers' caches)."""
    with tempfile.TemporaryDirectory(prefix="econsec-load-") as tmp:
        work = Path(tmp)
        data_dir = str(work / "data")
        previous = os.environ.get("ECONSEC_DATA_DIR")
        os.environ["ECONSEC_DATA_DIR"] = data_dir  # bodies() reads the same (bundled) store as the server
        try:
            all_bodies = bodies()
        finally:
            os.environ.pop("ECONSEC_DATA_DIR") if previous is None else os.environ.update(ECONSEC_DATA_DIR=previous)
        bodies_file = work / "bodies.json"
        bodies_file.write_text(json.dumps(all_bodies), encoding="utf-8")
        with gunicorn(data_dir, work / "gunicorn.log", workers) as base:
            checked = check_bodies(base, all_bodies)
            if warm:
                check_bodies(base, all_bodies)  # the second worker warms too (requests alternate)
            baseline = run_locust(base, bodies_file, 1, baseline_seconds, work) if baseline_seconds else None
            load = run_locust(base, bodies_file, users, seconds, work)
        server_log = (work / "gunicorn.log").read_text(errors="replace")
    return {"baseline": baseline, "load": load, "bodies": checked, "workers": workers,
            "server_errors": [line for line in server_log.splitlines() if " ERROR " in line or "Traceback" in line]}


def markdown(results: dict) -> str:
    load, baseline = results["load"], results["baseline"]
    total = load["total"]
    lines = [
        f"{load['users']} concurrent users for {load['seconds']} s against `gunicorn -c python:dashboard.gunicorn_conf "
        f"'dashboard.app:server()'` ({results['workers']} gthread workers × 4 threads) on loopback, bundled snapshot. "
        "Each user opens pages as the browser does (page, `/_dash-layout`, `/_dash-dependencies`, the router's "
        "callback; `/`, every `/goal/<id>`, `/concentration`, `/explorer`, with and without query strings) and "
        "changes the Supply concentration and Explorer controls (their callback POSTs), 1–3 s apart. Baseline, "
        f"same run and server: the same mix by one user for {baseline['seconds'] if baseline else 0} s.",
        "",
        f"**{total['requests']:,} requests, {total['failures']} errors, {total['rps']:.1f} requests/s; "
        f"p50 {total['p50']:.0f} ms, p95 {total['p95']:.0f} ms, p99 {total['p99']:.0f} ms.** "
        f"Server log errors: {len(results['server_errors'])}.",
        "",
        "| request | requests | errors | p50 ms | p95 ms | p99 ms | req/s | 1-user p50 ms | p50 ratio |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for name, row in sorted(load["rows"].items(), key=lambda kv: (kv[0] == "Aggregated", kv[0])):
        base = (baseline or {}).get("rows", {}).get(name)
        alone = f"{base['p50']:.0f} | {row['p50'] / base['p50']:.1f}×" if base and base["p50"] else "— | —"
        lines.append(
            f"| {'**all**' if name == 'Aggregated' else name} | {row['requests']:,} | {row['failures']} | "
            f"{row['p50']:.0f} | {row['p95']:.0f} | {row['p99']:.0f} | {row['rps']:.1f} | {alone} |"
        )
    if load["failure_lines"].strip().count("\n"):
        lines += ["", "Failures:", "", "```", load["failure_lines"].strip()[:2000], "```"]
    lines += ["", "Reproduce: `python -m benchmarks.load` (or `make bench BENCHES=load`); "
              "`pytest tests/test_load.py` runs the same load and asserts zero errors."]
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description="Load test: gunicorn + locust on loopback.")
    parser.add_argument("--users", type=int, default=50)
    parser.add_argument("--seconds", type=int, default=60)
    parser.add_argument("--baseline-seconds", type=int, default=20)
    parser.add_argument("--no-write", action="store_true", help="print, do not write BENCHMARKS.md")
    args = parser.parse_args()
    results = measure(args.users, args.seconds, args.baseline_seconds)
    text = markdown(results)
    print(text)
    if not args.no_write:
        from benchmarks.report import write_section

        write_section("load", text)


if __name__ == "__main__":
    main()
