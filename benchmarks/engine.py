"""The indicator engine at scale: indicators.engine against hand-written DuckDB SQL and a pandas groupby.

On the generated bilateral HS6 table (:mod:`benchmarks.generate`) each implementation computes, for
every reporter × HS6 product × year of the imports, supplier shares, HHI, top-1/top-3 shares,
number of suppliers, China's share (alone and with Hong Kong and Macao), coverage and the
screening (criteria 1 and 3, the flag), and writes its results to Parquet:

* **engine** — :mod:`indicators.engine` on DuckDB: the SQL that runs on Spark too, its ``dependency``
  query (indicators and screening in one statement, one scan of both flows), streamed from the Parquet
  file to Parquet.
* **duckdb-sql** — one hand-written DuckDB query, the engine's limit: a single scan of both flows,
  each row classified once, conditions as ``CASE`` (DuckDB's ``FILTER`` clauses cost far more), the
  top-n aggregate ``max(x, 3)`` and ``GROUP BY ALL``, HS
  codes only.
* **pandas** — a straightforward pandas groupby over the table read into memory (string columns as
  pandas 3's ``str``): the framework floor. Run at the smaller sizes only; at the largest its time
  is extrapolated linearly from the largest size it ran (said so in the table; a lower bound, as
  its sorts grow faster than linearly, and its memory, 2.3 GB at 5M rows, would not fit 50M rows).

Each run is its own subprocess (peak memory = that process's ``ru_maxrss``); the three results are
checked against each other (same keys, HHI and flags) at every size where they all ran. Product
groups and the rebuilt 8542 heading are off in the engine run (``groups=()``, ``headings={}``), so
all three compute the same thing.

    python -m benchmarks.engine                      # 1M and 5M rows: a quick check (a minute or two)
    python -m benchmarks.engine --rows 5000000 --rows 50000000 --pandas-max 5000000
"""

from __future__ import annotations

import argparse
import importlib
import json
import os
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path

from benchmarks import generate

OUT_DIR = generate.DATA_DIR / "out"

HAND_SQL = """
COPY (
WITH r AS (
  SELECT reporter, hs_code, period, flow, partner, partner_kind, value_usd,
    flow = 'import' AND partner_kind = 'country' AS cty
  FROM read_parquet('{path}') WHERE hs_code <> 'TOTAL'
), k AS (
  SELECT reporter, hs_code AS product, period,
    sum(CASE WHEN partner_kind = 'world' AND flow = 'import' THEN value_usd END) AS total,
    sum(CASE WHEN partner_kind = 'world' AND flow = 'export' THEN value_usd END) AS exports,
    sum(CASE WHEN cty THEN value_usd ELSE 0 END) AS country,
    sum(sv * sv) AS ss,
    count(sv) AS n_sup,
    max(sv, 3) AS top,
    sum(CASE WHEN cp = 'CHN' THEN coalesce(value_usd, 0) END) AS chn,
    sum(CASE WHEN cp = 'HKG' THEN coalesce(value_usd, 0) END) AS hkg,
    sum(CASE WHEN cp = 'MAC' THEN coalesce(value_usd, 0) END) AS mac,
    count(CASE WHEN flow = 'import' THEN 1 END) AS n_import
  FROM (SELECT *, CASE WHEN cty THEN partner END AS cp, CASE WHEN cty AND value_usd > 0 THEN value_usd END AS sv
        FROM r) AS x
  GROUP BY ALL
), c AS (
  SELECT *, country / total AS coverage,
    total > 0 AND country / total >= 0.99 AND country / total <= 1.01 AS complete,
    ss / (total * total) AS h
  FROM k WHERE n_import > 0
), s AS (
  SELECT reporter, product, period, total AS total_value_usd,
    CASE WHEN total > 0 THEN coverage END AS coverage,
    CASE WHEN complete THEN h END AS hhi,
    CASE WHEN complete THEN 1 / h END AS effective_suppliers,
    CASE WHEN complete THEN top[1] / total END AS top1_share,
    CASE WHEN complete THEN list_sum(top) / total END AS top3_share,
    CASE WHEN complete THEN n_sup END AS n_suppliers,
    CASE WHEN total > 0 AND (complete OR chn IS NOT NULL) THEN coalesce(chn, 0) / total END AS china_share,
    CASE WHEN total > 0 AND (complete OR (chn IS NOT NULL AND hkg IS NOT NULL AND mac IS NOT NULL))
         THEN (coalesce(chn, 0) + coalesce(hkg, 0) + coalesce(mac, 0)) / total END AS china_hk_mo_share,
    total AS imports_usd, exports AS exports_usd,
    CASE WHEN total + exports > 0 THEN total / (total + exports) END AS import_reliance,
    CASE WHEN exports > 0 THEN total / exports END AS import_export_ratio,
    CASE WHEN complete THEN (h > 0.4 AND h - 0.4 > 0.4e-12)::DOUBLE END AS hhi_criterion,
    CASE WHEN exports IS NULL OR NOT (total + exports > 0) THEN NULL WHEN exports = 0 THEN 1.0
         ELSE (total / exports > 1 AND total / exports - 1 > 1e-12)::DOUBLE END AS substitutability_criterion
  FROM c
)
SELECT *,
  CASE WHEN hhi_criterion IS NOT NULL OR substitutability_criterion IS NOT NULL THEN
    (hhi_criterion IS NOT NULL)::DOUBLE + (substitutability_criterion IS NOT NULL)::DOUBLE END AS criteria_known,
  CASE WHEN hhi IS NULL THEN NULL WHEN hhi_criterion = 0 OR substitutability_criterion = 0 THEN 0.0
       ELSE 1.0 END AS flagged
FROM s
) TO '{out}' (FORMAT parquet)
"""


def _engine(path: str, out: Path) -> int:
    from indicators import engine

    engine.write_parquet("dependency", path, out / "all.parquet", groups=(), headings={}, ordered=False)
    return 1


def _duckdb_sql(path: str, out: Path) -> int:
    import duckdb

    from indicators.engine import DUCKDB_CONFIG

    with duckdb.connect(config=DUCKDB_CONFIG) as con:  # the engine's settings: a fair comparison
        con.execute(HAND_SQL.format(path=path, out=out / "all.parquet"))
    return 1


def _pandas(path: str, out: Path) -> int:
    import numpy as np
    import pandas as pd

    t = pd.read_parquet(path)
    t = t[t["hs_code"] != "TOTAL"]
    key = ["reporter", "hs_code", "period"]
    world = t[t["partner_kind"] == "world"]
    imports = world[world["flow"] == "import"].set_index(key)["value_usd"].rename("total")
    exports = world[world["flow"] == "export"].set_index(key)["value_usd"].rename("exports")
    c = t[(t["flow"] == "import") & (t["partner_kind"] == "country")]
    c = c.join(imports, on=key)
    c["share"] = c["value_usd"] / c["total"]
    sup = c[(c["value_usd"] > 0) & (c["total"] > 0)].copy()
    sup["share2"] = sup["share"] ** 2
    sup = sup.sort_values([*key, "value_usd"], ascending=[True, True, True, False])
    sup["rank"] = sup.groupby(key).cumcount() + 1
    g = sup.groupby(key)
    k = pd.DataFrame({
        "hhi": g["share2"].sum(),
        "top1_share": g["share"].max(),
        "top3_share": sup[sup["rank"] <= 3].groupby(key)["share"].sum(),
        "n_suppliers": g.size(),
    })
    k["coverage"] = c.groupby(key)["value_usd"].sum() / imports
    chn = c[c["partner"] == "CHN"].groupby(key)["value_usd"].sum()
    sars = c[c["partner"].isin(["CHN", "HKG", "MAC"])].groupby(key)
    k = k.join(imports, how="outer").join(exports, how="left")
    k["china"] = chn.reindex(k.index)
    k["sars"] = sars["value_usd"].sum().reindex(k.index)
    k["n_sars"] = sars["partner"].nunique().reindex(k.index)
    complete = (k["coverage"] >= 0.99) & (k["coverage"] <= 1.01)
    for col in ("hhi", "top1_share", "top3_share", "n_suppliers"):
        k[col] = k[col].where(complete)
    k["effective_suppliers"] = 1 / k["hhi"]
    k["china_share"] = (k["china"].fillna(0) / k["total"]).where(complete | k["china"].notna())
    k["china_hk_mo_share"] = (k["sars"].fillna(0) / k["total"]).where(complete | (k["n_sars"] == 3))
    m, x = k["total"], k["exports"]
    k["import_export_ratio"] = (m / x).where(x > 0)
    k["hhi_criterion"] = np.where(k["hhi"].isna(), np.nan, (k["hhi"] > 0.4) & (k["hhi"] - 0.4 > 0.4e-12))
    ratio = np.where(x > 0, m / x, np.inf)
    k["substitutability_criterion"] = np.where(x.isna() | ~(m + x > 0), np.nan, (ratio > 1) & (ratio - 1 > 1e-12))
    c1, c3 = k["hhi_criterion"], k["substitutability_criterion"]
    known = c1.notna().astype(float) + c3.notna().astype(float)
    k["criteria_known"] = known.where(known > 0)
    k["flagged"] = np.where(k["hhi"].isna(), np.nan, np.where((c1 == 0) | (c3 == 0), 0.0, 1.0))
    k.reset_index().rename(columns={"hs_code": "product", "total": "total_value_usd"}).to_parquet(
        out / "all.parquet", index=False)
    return 1


def _scan(path: str, out: Path) -> int:
    """The floor of both DuckDB runs: read the seven columns the indicators need, nothing else."""
    import duckdb

    from indicators.engine import DUCKDB_CONFIG, INPUT_COLUMNS

    with duckdb.connect(config=DUCKDB_CONFIG) as con:
        # A hash of every value (max() alone could be answered from the row groups' statistics).
        con.execute(f"SELECT sum(hash({', '.join(INPUT_COLUMNS)})) FROM read_parquet('{path}')").fetchall()
    return 1


IMPLEMENTATIONS = {"engine": _engine, "duckdb-sql": _duckdb_sql, "pandas": _pandas, "scan": _scan}
LIBRARIES = {"engine": ("duckdb", "indicators.engine"), "duckdb-sql": ("duckdb", "indicators.engine"),
             "pandas": ("numpy", "pandas", "pyarrow.parquet"), "scan": ("duckdb", "indicators.engine")}


def _child(impl: str, path: str, out: str) -> None:
    """Run one implementation in this process; print its time and peak memory as JSON."""
    o = Path(out)
    o.mkdir(parents=True, exist_ok=True)
    for module in LIBRARIES[impl]:  # imported before the clock starts: the computation is timed, not the imports
        importlib.import_module(module)
    t0 = time.perf_counter()
    IMPLEMENTATIONS[impl](path, o)
    seconds = time.perf_counter() - t0
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024  # Linux: KiB
    print(json.dumps({"seconds": seconds, "peak_bytes": peak}))


def run(impl: str, path: Path) -> dict:
    out = OUT_DIR / f"{impl}_{path.stem}"
    proc = subprocess.run([sys.executable, "-m", "benchmarks.engine", "--child", impl, str(path), str(out)],
                          capture_output=True, text=True, check=False)
    if proc.returncode != 0:
        raise RuntimeError(f"{impl} on {path.name} failed:\n{proc.stderr[-3000:]}")
    return {**json.loads(proc.stdout.strip().splitlines()[-1]), "out": out}


def _check(results: dict[str, dict]) -> str:
    """The implementations' results agree: same keys with a value, same HHI and flags (to rounding)."""
    import duckdb

    def load(impl: str) -> str:
        out = results[impl]["out"]
        return (f"(SELECT reporter, product, period, hhi, top3_share, china_share, substitutability_criterion, "
                f"flagged FROM '{out}/all.parquet')")

    impls = list(results)
    facts = []
    with duckdb.connect() as con:
        for impl in impls:
            facts.append(con.execute(
                f"SELECT count(hhi), round(sum(hhi), 6), round(sum(top3_share), 6), round(sum(china_share), 6), "
                f"sum(substitutability_criterion), sum(flagged), count(flagged) FROM {load(impl)}").fetchone())
    if any(f != facts[0] for f in facts):
        raise AssertionError(f"results differ: {dict(zip(impls, facts, strict=True))}")
    return (f"{facts[0][0]:,} keys with an HHI, {facts[0][6]:,} screened, {facts[0][5]:,.0f} flagged; sums of HHI,"
            " top-3 and China shares and criterion 3 equal")


#: The issue's scale, "50 million rows and up": the goals are judged there (the generator's 50M table has
#: 48.9M rows); smaller sizes show how the ratios move with size, where fixed costs weigh more.
GOAL_ROWS = 40_000_000


def _verdict(summary: list[tuple[int, float, float, float]]) -> str:
    """Goals met or not, in words, from the measured ratios (judged at GOAL_ROWS and above)."""
    import math

    at_scale = [s for s in summary if s[0] >= GOAL_ROWS]
    small = [s for s in summary if s[0] < GOAL_ROWS]
    out = []
    if at_scale:
        worst = max(r for _, r, _, _ in at_scale)
        slowest = min(p for _, _, p, _ in at_scale)
        out.append(f"At the goals' scale (50 million rows and up: {', '.join(f'{n:,}' for n, *_ in at_scale)} rows):"
                   f" within 1.3× of the hand-written SQL {'met' if worst <= 1.3 else 'NOT met'} ({worst:.2f}×);"
                   f" at least 10× faster than pandas {'met' if slowest >= 10 else 'NOT met'} ({slowest:.1f}×,"
                   " pandas extrapolated from the largest size it ran).")
    else:
        out.append("The goals' scale (50 million rows and up) was not run: add `--rows 50000000`.")
    if small:
        parts = [f"{r:.2f}× the SQL and {'pandas not run' if math.isnan(p) else f'{p:.1f}× faster than pandas'}"
                 f" at {n:,} rows (scan floor {s:.0%} of the engine's time)" for n, r, p, s in small]
        out.append("Smaller tables, for reference: " + "; ".join(parts) + ".")
    return " ".join(out)


def _fmt_s(x: float) -> str:
    return f"{x:.2f} s" if x < 10 else f"{x:.1f} s"


def _fmt_mem(b: float) -> str:
    return f"{b / 2**20:,.0f} MiB"


def main() -> None:
    p = argparse.ArgumentParser(description="indicator engine vs hand-written DuckDB SQL vs pandas")
    p.add_argument("--rows", type=int, action="append", help="table size(s); default 1M and 5M")
    p.add_argument("--pandas-max", type=int, default=5_000_000,
                   help="largest size pandas runs at (larger: extrapolated linearly)")
    p.add_argument("--repeat", type=int, default=3, help="runs of each DuckDB implementation (fastest kept)")
    p.add_argument("--no-write", action="store_true", help="print only; leave BENCHMARKS.md alone")
    p.add_argument("--child", nargs=3, help=argparse.SUPPRESS)
    a = p.parse_args()
    if a.child:
        _child(*a.child)
        return
    sizes = sorted(a.rows or [1_000_000, 5_000_000])
    lines = []
    pandas_rate = None  # seconds per row at the largest size pandas ran
    loads: list[float] = []  # 1-minute load average before and after each size
    summary: list[tuple[int, float, float, float]] = []  # rows, engine/SQL, pandas/engine, scan/engine
    for rows in sizes:
        t0 = time.perf_counter()
        path = generate.generate(rows)
        n = json.loads(path.with_suffix(".json").read_text())["rows"]
        print(f"{path.name}: {n:,} rows (generated or cached in {time.perf_counter() - t0:.0f} s)", flush=True)
        res: dict[str, dict] = {}
        loads.append(os.getloadavg()[0])
        # The two DuckDB runs alternate, `--repeat` times each: medians of the times, and the median of
        # the ratios of each pair (run back to back, so under the same load); pandas runs once.
        order = [*(["engine", "duckdb-sql"] * a.repeat), "scan", "pandas"]
        runs: dict[str, list[dict]] = {}
        for impl in order:
            if impl == "pandas" and rows > a.pandas_max:
                continue
            r = run(impl, path)
            print(f"  {impl}: {r['seconds']:.1f} s, peak {_fmt_mem(r['peak_bytes'])}", flush=True)
            runs.setdefault(impl, []).append(r)
        for impl, rs in runs.items():
            res[impl] = {**rs[0], "seconds": statistics.median(r["seconds"] for r in rs),
                         "peak_bytes": max(r["peak_bytes"] for r in rs)}
        pair = statistics.median(x["seconds"] / y["seconds"] for x, y in zip(runs["engine"], runs["duckdb-sql"],
                                                                              strict=True))
        loads.append(os.getloadavg()[0])
        check = _check({k: v for k, v in res.items() if k != "scan"})
        print(f"  {check}", flush=True)
        e, h = res["engine"]["seconds"], res["duckdb-sql"]["seconds"]
        if "pandas" in res:
            pd_s, pd_note = res["pandas"]["seconds"], _fmt_s(res["pandas"]["seconds"])
            pandas_rate = pd_s / n
            pd_mem = _fmt_mem(res["pandas"]["peak_bytes"])
        elif pandas_rate is not None:
            pd_s = pandas_rate * n
            pd_note, pd_mem = f"≈{pd_s:.0f} s (extrapolated)", "not run"
        else:
            pd_s, pd_note, pd_mem = float("nan"), "not run", "not run"
        summary.append((n, pair, pd_s / e, res["scan"]["seconds"] / e))
        lines.append(
            f"| {n:,} | {_fmt_s(e)} | {_fmt_s(h)} | {pd_note} | **{pair:.2f}×** | **{pd_s / e:.1f}×** | "
            f"{_fmt_mem(res['engine']['peak_bytes'])} | {_fmt_mem(res['duckdb-sql']['peak_bytes'])} | {pd_mem} | "
            f"{_fmt_s(res['scan']['seconds'])} ({res['scan']['seconds'] / e:.0%}) |"
        )
    table = "\n".join([
        "| rows | engine | hand-written DuckDB SQL | pandas groupby | engine / SQL (goal ≤ 1.3×) "
        "| pandas / engine (goal ≥ 10×) | peak engine | peak SQL | peak pandas | scan floor (of engine) |",
        "|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
        *lines,
    ])
    print(table)
    verdict = _verdict(summary)
    print(verdict)
    if a.no_write:
        return
    from benchmarks.report import write_section

    cmd = " ".join(f"--rows {r}" for r in sizes)
    write_section("engine", f"""## Indicator engine at scale

Every reporter × HS6 product × year of a generated bilateral table (`benchmarks/generate.py`: 200
reporters, 5,000-odd products at 50M rows, 5 years, skewed partners with China most frequent, World
rows, some incomplete breakdowns and missing World rows; seeded): supplier shares, HHI, effective
suppliers, top-1/top-3 shares, number of suppliers, China's share (with and without Hong Kong and
Macao), coverage, and the screening (criteria 1 and 3, the criteria known, the flag) — results written
to Parquet. **engine**: `indicators.engine` on DuckDB, the SQL that runs on Spark too (its `dependency`
query: indicators and screen in one statement, one scan of both flows); **hand-written DuckDB SQL**: one
DuckDB-only query (`GROUP BY ALL`, the top-n aggregate `max(x, 3)`, each row classified once, the same
result columns but the constant `flow` and `product_kind` and the always-empty criterion 2), a single
scan of both flows (the engine's limit); both on a
connection with the engine's settings (`preserve_insertion_order=false`: the Parquet result is
written from both threads), {a.repeat} alternating runs each (median times; the ratio is the median of the
ratios of the back-to-back pairs, peak memory the largest); **pandas**: a
straightforward groupby over the table read into memory, run up to {a.pandas_max:,} rows and
extrapolated linearly above (a lower bound: its sorts grow faster than linearly; at 2.3 GB for 5M rows
it would not fit 50M rows in this machine's memory). Product groups are off in all three (HS6 codes
only). Each run in its own subprocess, timed from after its libraries are imported (DuckDB ~0.13 s,
pandas more) to its Parquet file written; peak memory is that process's `ru_maxrss`. The three results
are checked against each other at each size ({check}). 1-minute load average around the runs:
{", ".join(f"{x:.1f}" for x in loads)} (other jobs share this 2-core machine).

{table}

{verdict}

How it got here (same machine, 2026-11-22). Commit 562f5dc: two queries, `indicators` (one scan of
the imports) and then `screen` (a second scan, of the World rows): 1.31–1.47× the hand-written SQL of
the time, pandas 4.3–6.0× slower. Commit 4a44e93: one statement, the `dependency` query (one
aggregation by reporter × HS code × period over the rows of both flows, the supplier statistics
conditional on the flow, the export World total beside them, the screen's columns from that row):
1.18–1.30×, pandas 9.0–10.4×. Then, profiled with DuckDB's `EXPLAIN ANALYZE` and, for instruction
counts a noisy machine cannot blur, callgrind (1M rows, one thread; hand-written SQL of the time 1,920M
instructions, engine 1,981M → 1,565M): the filter `flow IN ('import', 'export')` ran over every row
(the hand-written SQL had none: DuckDB drops its `hs_code <> 'TOTAL'` by the Parquet statistics), now
`flow <> 're-import' AND flow <> 're-export'`, which DuckDB drops the same way where no other flow is
stored; a test such as `partner_kind = 'country'` written into several aggregates was evaluated once per
aggregate over every row, now each row is classified once in a subquery (`cty`, its partner `cp`, its
positive value `sv`); whether China, Hong Kong and Macao have a row now comes from their sums (three
aggregates fewer); criterion 3 was inlined three times in the screen's columns, now computed once. The
engine then ran at 0.84–0.96× the hand-written SQL of the time: that SQL used `FILTER` clauses, which
DuckDB evaluates at a far higher cost than `CASE` (2,017M against 1,171M instructions for the same
aggregates), and it stopped short of the screen's flag. It is now written with the same care (`CASE`,
rows classified once, the flag and the criteria known), so it is again the limit, and the ratio above is
against it. Results unchanged throughout: every query's output equal, value for value, on the benchmark
tables, the bundled snapshot and the hand-made tables of `tests/test_engine.py` (which now also checks
re-export and re-import rows and a China row without a value); `tests/test_spark.py` runs the new SQL on
Spark in local mode and gets the same numbers as DuckDB. Tried, not kept: `FILTER` clauses in the engine
(slower, above); the top-1 share taken from the top-3 list (1% fewer instructions, but three
engine-specific pieces instead of one, and Spark 4 raises on an empty array's first element); Parquet
results compressed with zstd or uncompressed (Snappy, DuckDB's default, was as fast or faster). What the
engine does beyond the hand-written SQL: it writes three more columns (the key's constant `flow` and
`product_kind`, and criterion 2, always empty for a single economy). Not changed:
the input files (zstd, dictionary-encoded strings, 1M-row row groups: the 1M table is one row group, read
by one thread; the 5M table's five split 3:2 over two threads, for all three runs alike).

Reproduce: `python -m benchmarks.engine {cmd} --pandas-max {a.pandas_max}` (the quick default,
`python -m benchmarks.engine`, runs 1M and 5M rows; tables are generated once into
`benchmarks/.data/`, gitignored).""")


if __name__ == "__main__":
    main()
