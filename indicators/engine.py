"""The concentration and screening computation as one SQL text: DuckDB by default, Spark unchanged.

:mod:`indicators.concentration` and :mod:`indicators.screening` compute in numpy/pandas over a
frame held in memory. This module computes the same numbers — supplier shares and ranks, HHI,
effective suppliers, top-1/top-3 shares, number of suppliers, China's share (alone and with Hong
Kong and Macao), coverage, the product total, and the EC screening's criteria 1 and 3 with its flag
for single economies — for every reporter × flow × product × period of a bilateral table, in SQL,
so that the table never has to fit in pandas: DuckDB streams Parquet files (or scans an Arrow
table) with its own memory limit, and a Spark cluster spreads the same query over its executors.

**Written once.** Each query is built as one SQL text in DuckDB's dialect (:func:`sql`) and
rendered for another engine by sqlglot (``sql(..., dialect="spark")``). The text keeps to what both
engines mean the same way: no integer division, every division guarded by a ``CASE`` (Spark 4 raises
on division by zero), every numeric literal cast to DOUBLE, conditional sums and joins. One piece is
per engine, on purpose: the sum of a key's three largest shares (:data:`TOP3_SUM`), DuckDB's top-n
aggregate ``max(x, 3)`` and Spark's ``sort_array(collect_list(x))``. The portable form, a
``ROW_NUMBER()`` window over every supplier row, sorts the whole table: it made the engine 2.5×
slower than hand-written DuckDB SQL, and the top-n aggregate is a single hash aggregation
(the ``supplier_shares`` query, which must rank every supplier, keeps the window). Another engine
needs one entry in ``_TOP3`` (:func:`sql` says so when it is missing). Why not Ibis:
ibis-framework 12's PySpark backend requires ``pyspark<4.1`` (its ``pyspark`` extra pins
``>=3.5,<4.1``), while this project runs Spark 4.3; and the benchmark's goal (within 1.3× of
hand-written DuckDB SQL) is easier to keep with SQL we write than with SQL a compiler writes for us.
sqlglot is what Ibis itself compiles with.

**One pass.** The ``"dependency"`` query computes the indicators of the imports and the screening in
one statement that reads the table once: one aggregation by reporter × HS code × period over the rows
of both flows, the supplier statistics conditional on the flow being "import", the export World total
summed beside them; the screen's columns are then expressions over that row (only the rebuilt
headings join a few rows back). Running ``"indicators"`` and then ``"screen"`` reads the table twice
(the screen needs the export totals), which made the engine 1.3–1.5× the hand-written DuckDB SQL of
``benchmarks/engine.py``. Below the aggregation each row is classified once (a country row of the
imports, its partner, its positive value) rather than in every aggregate's CASE, and the other flows are
kept out by inequalities that DuckDB drops when the Parquet statistics show none (``_indicator_ctes``
says why). Conditions are written as CASE, not as ``FILTER`` clauses: DuckDB evaluates those at a far
higher cost. BENCHMARKS.md has the figures against hand-written DuckDB SQL written with the same care.

**Same rules as the numpy engine** (read :mod:`indicators.concentration`'s docstring): the product
total of a key is the sum of its HS codes' World rows, unknown (no indicator but none) when a code
has no World row; suppliers are ``partner_kind`` "country" rows with a positive value summed over
the product's codes (World, area and group partners never are); HHI, effective suppliers, top-1,
top-3 and the number of suppliers only where ``COMPLETE_COVERAGE <= coverage <= MAX_COVERAGE``;
China's share where complete (absent → 0) or where every code has a China row; the same for China
with Hong Kong and Macao. Ranks: value descending, ties by partner code A→Z. The screening
(:data:`SCREEN_COLUMNS`) follows :func:`indicators.screening.screen` for single economies: criterion
1 is HHI > 0.4, criterion 2 is always unknown for a single economy (its only proxy repeats criterion
3), criterion 3 is imports / exports > 1 (exports 0 with imports → holds), thresholds compared
"beyond rounding" as :func:`indicators.screening.above` does, headings of ``headings`` rebuilt from
all their subheadings where the table does not report them; the US+Japan bloc (``QUJ``, needing
:mod:`indicators.alliance`) is not screened here. ``tests/test_engine.py`` checks every number
against the numpy engine on the bundled snapshot and on hand-made tables (and the ``"dependency"`` query
against the other two); ``tests/test_spark.py``
runs the same queries on Spark in local mode and gets the same numbers as DuckDB.

Input: a relation with the TRADE columns ``reporter, partner, partner_kind, flow, hs_code, period,
value_usd`` (others are ignored), one row per ``reporter, partner, flow, hs_code, period`` — the
uniqueness :data:`econsec.schema.TRADE` checks when a table enters the store; the engine does not
check it again (a scan of billions of rows for it belongs to the load step).

DuckDB (the default)::

    from indicators import engine
    wide = engine.concentration("trade/*.parquet")         # pyarrow.Table, one row per key
    both = engine.run_duckdb("dependency", "trade/*.parquet")  # indicators and screen, one scan
    shares = engine.supplier_shares(arrow_table)            # ... or an Arrow table / pandas frame
    flags = engine.screen("trade/*.parquet")
    engine.write_parquet("indicators", "trade/*.parquet", "out/indicators.parquet")  # never in Python

**On a Spark cluster** — the same SQL, rendered for Spark::

    from pyspark.sql import SparkSession
    from indicators import engine
    spark = (SparkSession.builder.master("spark://head-node:7077")   # or "yarn", "k8s://https://…"
             .appName("econsec-engine").getOrCreate())
    wide = engine.run_spark(spark, "indicators", "s3a://bucket/trade/")   # a Spark DataFrame
    wide.write.mode("overwrite").parquet("s3a://bucket/indicators/")

``run_spark`` reads the Parquet path (any URL the cluster's Hadoop file systems reach: ``hdfs://``,
``s3a://``, ``abfss://``, ``gs://``, or a directory shared by every node) into a temporary view and
runs :func:`sql` on it; pass a DataFrame instead of a path to use a table already loaded. The same
script runs under ``spark-submit --master spark://head-node:7077 --py-files econsec.zip job.py``
(zip the ``indicators`` package: this module imports only :mod:`indicators.products` and
:mod:`indicators.thresholds`, never pandas or pandera, so executors need nothing else); on a
managed service (Databricks, EMR, Dataproc) use the session it gives (``SparkSession.builder
.getOrCreate()``). Locally, ``make spark`` installs PySpark 4 into ``.venv/spark-lib`` (kept apart
from the app's environment) and ``PYTHONPATH=.venv/spark-lib`` with ``master("local[*]")`` runs it on
one machine with Java 17.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from econsec.errors import ConfigError, ValidationError
from indicators.codes import BLOC  # the bloc is screened by indicators.screening only (it needs alliance)
from indicators.products import PRODUCT_GROUPS, ProductGroup
from indicators.rules import (
    COMPLETE_COVERAGE,
    HEADINGS,
    HHI_CRITERION,
    IMPORT_EXPORT_CRITERION,
    MAX_COVERAGE,
    SCREEN_RTOL,
)

#: Must equal :data:`econsec.countries.CHINA` / ``CHINA_WITH_SARS`` (tests check): repeated here because
#: that module imports pandera, which this module must not (Spark executors, the Spark test).
CHINA = "CHN"
CHINA_WITH_SARS = ("CHN", "HKG", "MAC")

FLOWS = ("import", "export", "re-import", "re-export")
INPUT_COLUMNS = ("reporter", "partner", "partner_kind", "flow", "hs_code", "period", "value_usd")
KEY_COLUMNS = ("reporter", "flow", "product", "product_kind", "period")
#: Columns of the ``"indicators"`` query: the key, then one column per indicator of
#: :data:`indicators.concentration.INDICATORS` (NULL where the numpy engine emits no row).
INDICATOR_COLUMNS = (
    *KEY_COLUMNS,
    "hhi",
    "effective_suppliers",
    "top1_share",
    "top3_share",
    "china_share",
    "china_hk_mo_share",
    "n_suppliers",
    "coverage",
    "total_value_usd",
)
SHARE_COLUMNS = (*KEY_COLUMNS, "partner", "value_usd", "share", "rank")
SCREEN_COLUMNS = (
    "reporter",
    "product",
    "period",
    "hhi",
    "imports_usd",
    "exports_usd",
    "import_reliance",
    "import_export_ratio",
    "hhi_criterion",
    "reliance_criterion",
    "substitutability_criterion",
    "criteria_known",
    "flagged",
)
#: Columns of the ``"dependency"`` query: the indicators of the imports, then the screening's columns
#: (NULL on rows that are not screened: the all-goods total, the bloc, groups other than the headings,
#: keys without an import World row).
DEPENDENCY_COLUMNS = (*INDICATOR_COLUMNS, *SCREEN_COLUMNS[4:])
QUERIES = ("indicators", "supplier_shares", "screen", "dependency")
#: The one engine-specific piece: the sum of a key's three largest supplier values, as an aggregate
#: (see the module docstring). Both forms add the three largest first, as the numpy engine does.
TOP3_SUM = "ECONSEC_TOP3_SUM"
_TOP3 = {
    "duckdb": "list_sum(max({x}, 3))",
    "spark": "AGGREGATE(SLICE(SORT_ARRAY(COLLECT_LIST({x}), FALSE), 1, 3), CAST(0 AS DOUBLE), (s, v) -> s + v)",
}
_K = ", ".join(("reporter", "flow", "product_kind", "product", "period"))


def _q(text: str) -> str:
    """A SQL string literal."""
    return "'" + text.replace("'", "''") + "'"


def _d(x: float) -> str:
    """A DOUBLE literal (a bare 0.4 is DECIMAL in both engines)."""
    return f"CAST({float(x)!r} AS DOUBLE)"


def _above(v: str, threshold: float) -> str:
    """:func:`indicators.screening.above` in SQL: 1/0, NULL when ``v`` is NULL."""
    return (f"CASE WHEN {v} IS NULL THEN NULL WHEN {v} > {_d(threshold)} AND {v} - {_d(threshold)} > "
            f"{_d(SCREEN_RTOL)} * {_d(threshold)} THEN {_d(1)} ELSE {_d(0)} END")


def _check(flow: str, groups: Sequence[ProductGroup]) -> None:
    if flow not in FLOWS:
        raise ConfigError(f"engine: flow must be one of {FLOWS}, not {flow!r}")
    for g in groups:
        if not isinstance(g, ProductGroup):
            raise ConfigError(f"engine: groups must be ProductGroup objects, not {g!r}")


def _parts(source: str, flow: str, groups: Sequence[ProductGroup], where: str
           ) -> tuple[str, str, list[str], list[str], list[str]]:
    """Pieces of the queries: the flow's rows as a subquery, the single-code key columns, the group CTEs,
    and the per-key and per-pair SELECTs (one per path) that ``keys`` and ``pairs`` unite.

    A product that is one HS code (or all goods) has one code per key, so its keys aggregate the rows
    directly and its pairs are the rows themselves (one row per partner); only product groups go
    through the per-code step. The two paths give the same numbers as one general path would.
    """
    kind = "CASE WHEN hs_code = 'TOTAL' THEN 'total' ELSE 'hs' END"
    one = f"reporter, flow, {kind} AS product_kind, hs_code AS product, period"
    extra = f" AND {where}" if where else ""
    # The rows of the flow, as a subquery in each place rather than a CTE used several times (DuckDB
    # would materialise such a CTE: a copy of the table).
    rows = ("(SELECT reporter, flow, hs_code, period, partner, partner_kind, CAST(value_usd AS DOUBLE) AS value_usd"
            f" FROM {source} WHERE flow = {_q(flow)}{extra}")
    base = rows + ") AS base"
    gctes: list[str] = []
    # Per key: the total (World row; NULL when none), the country rows' sum, the number of codes.
    keys = [
        f"  SELECT {one}, 1 AS n_codes, SUM(CASE WHEN partner_kind = 'world' THEN value_usd END) AS total,"
        " SUM(CASE WHEN partner_kind = 'country' THEN value_usd ELSE 0 END) AS country\n"
        f"  FROM {base} GROUP BY reporter, flow, hs_code, period"
    ]
    # Per key and country partner: value (summed over the product's codes) and in how many codes.
    pairs = [f"  SELECT {one}, partner, value_usd, 1 AS n_codes FROM {base} WHERE partner_kind = 'country'"]
    members = [(c, g.id) for g in groups for c in g.hs_codes]
    if members:
        values = ", ".join(f"({_q(c)}, {_q(g)})" for c, g in members)
        gctes += [
            "gprod AS (\n  SELECT b.reporter, b.flow, 'group' AS product_kind, g.product, b.hs_code, b.period,"
            " b.partner, b.partner_kind, b.value_usd\n"
            f"  FROM {rows} AND hs_code IN ({', '.join(sorted({_q(c) for c, _ in members}))})) AS b\n"
            f"  JOIN (VALUES {values}) AS g(code, product) ON b.hs_code = g.code\n)",
            # Per group key and code: its World row (NULL when none) and its country rows.
            f"gcodes AS (\n  SELECT {_K}, hs_code,"
            " SUM(CASE WHEN partner_kind = 'world' THEN value_usd END) AS world,"
            " SUM(CASE WHEN partner_kind = 'country' THEN value_usd ELSE 0 END) AS country\n"
            f"  FROM gprod GROUP BY {_K}, hs_code\n)",
        ]
        # A group's total is known only when every code has a World row.
        keys.append(f"  SELECT {_K}, COUNT(*) AS n_codes, CASE WHEN COUNT(world) = COUNT(*) THEN SUM(world) END"
                    f" AS total, SUM(country) AS country\n  FROM gcodes GROUP BY {_K}")
        pairs.append(f"  SELECT {_K}, partner, SUM(value_usd) AS value_usd, COUNT(*) AS n_codes\n"
                     f"  FROM gprod WHERE partner_kind = 'country' GROUP BY {_K}, partner")
    return base, one, gctes, keys, pairs


_UNION = "\n  UNION ALL\n"


def _ctes(source: str, flow: str, groups: Sequence[ProductGroup], *, where: str = "") -> list[str]:
    """The CTEs of the supplier shares: ``keys`` (per key), ``pairs`` (per key × country partner),
    ``shr`` (suppliers and their shares) and ``sup`` (ranked)."""
    _, _, gctes, keys, pairs = _parts(source, flow, groups, where)
    return [
        *gctes,
        "keys AS (\n" + _UNION.join(keys) + "\n)",
        "pairs AS (\n" + _UNION.join(pairs) + "\n)",
        # Suppliers: positive value of a positive total.
        "shr AS (\n  SELECT p.reporter, p.flow, p.product_kind, p.product, p.period, p.partner, p.value_usd,"
        " p.value_usd / k.total AS share\n"
        f"  FROM pairs AS p JOIN keys AS k ON {_join('p', 'k')}\n"
        "  WHERE p.value_usd > 0 AND k.total > 0\n)",
        # ... ranked by value, ties by partner A-Z (a sort of every supplier row: supplier_shares only).
        f"sup AS (\n  SELECT *, ROW_NUMBER() OVER (PARTITION BY {_K} ORDER BY value_usd DESC, partner) AS rnk\n"
        "  FROM shr\n)",
    ]


def _on_cols(a: str) -> str:
    return ", ".join(f"{a}.{c}" for c in ("reporter", "flow", "product_kind", "product", "period"))


def _join(a: str, b: str) -> str:
    return " AND ".join(f"{a}.{c} = {b}.{c}" for c in ("reporter", "flow", "product_kind", "product", "period"))


def _indicator_ctes(source: str, flow: str, groups: Sequence[ProductGroup], *, where: str = "",
                    exports: bool = False) -> list[str]:
    """The CTEs of the ``"indicators"`` query, ending in ``wide``. ``exports``: also carry each key's
    export World total (``x_total``) from the same scan — the rows of both flows are read once and
    grouped by reporter × code × period, the statistics taken over the imports only (``flow`` must be
    "import"); keys with no import row are dropped."""
    base, one, gctes, keys, pairs = _parts(source, flow, groups, where)
    # Per key, in one pass and before any share is taken: sums of the suppliers' (positive) values and
    # squares, the largest and the three largest (TOP3_SUM, rendered per engine by sql()), their number,
    # and the values of China, Hong Kong and Macao with the number of codes they have a row in (zero
    # values count). Shares are these over the key's total, in `wide`.
    sup = f"SUM(sv * sv) AS ss, MAX(sv) AS top1, {TOP3_SUM}(sv) AS top3, COUNT(sv) AS n_sup"
    sars = [p.lower() for p in CHINA_WITH_SARS]
    # Single-code products: the key's total and its supplier statistics from one scan of the rows,
    # grouped by reporter × code × period (the scan holds one flow, or with `exports` both flows, the
    # statistics then conditional on the flow). Each row is classified once, in the subqueries: `cty`
    # (a country partner's row, of the flow), `cp` (its partner, NULL on other rows), `sv` (its value if
    # positive); a test written into several aggregates is an AND DuckDB evaluates over every row, once
    # per aggregate (those repeats were a sixth of the query's work). The sums of China, Hong Kong and
    # Macao are NULL where they have no row (COALESCE: a row without a value is still a row), so whether
    # they have one (`nc_`) needs no aggregate of its own.
    mine = f"flow = {_q(flow)} AND " if exports else ""
    if exports:
        # Every aggregate is conditional on the flow and keys without a row of `flow` are dropped (`n_m`),
        # so this filter only keeps other flows out of the aggregation. Written as inequalities, DuckDB
        # drops it where the Parquet statistics show no other flow; `flow IN (...)` was a filter on
        # every row (a tenth of the query's work).
        others = " AND ".join(f"flow <> {_q(f)}" for f in FLOWS if f not in (flow, "export"))
        base = base.replace(f"WHERE flow = {_q(flow)}", f"WHERE {others}", 1)
    kind = "CASE WHEN hs_code = 'TOTAL' THEN 'total' ELSE 'hs' END"
    single = (
        "  SELECT reporter, flow, product_kind, product, period, n_codes, total, country, ss, top1, top3, n_sup, "
        + ", ".join(f"v_{p}, CASE WHEN v_{p} IS NOT NULL THEN 1 END AS nc_{p}" for p in sars)
        + (", x_total, n_m" if exports else "") + " FROM (\n"
        f"  SELECT reporter, {_q(flow)} AS flow, {kind} AS product_kind, hs_code AS product, period, 1 AS n_codes,"
        f" SUM(CASE WHEN {mine}partner_kind = 'world' THEN value_usd END) AS total,"
        f" SUM(CASE WHEN cty THEN value_usd ELSE {_d(0)} END) AS country,\n    {sup},\n    "
        + ", ".join(f"SUM(CASE WHEN cp = {_q(p)} THEN COALESCE(value_usd, {_d(0)}) END) AS v_{p.lower()}"
                    for p in CHINA_WITH_SARS)
        + (",\n    SUM(CASE WHEN flow = 'export' AND partner_kind = 'world' THEN value_usd END) AS x_total,"
            f" COUNT(CASE WHEN flow = {_q(flow)} THEN 1 END) AS n_m" if exports else "") + "\n"
        "  FROM (SELECT *, CASE WHEN cty THEN partner END AS cp, CASE WHEN cty AND value_usd > 0 THEN value_usd END"
        f" AS sv FROM\n    (SELECT *, {mine}partner_kind = 'country' AS cty FROM {base}) AS c) AS r\n"
        "  GROUP BY reporter, hs_code, period\n  ) AS a"
    )
    kagg = [single]
    if gctes:  # product groups: keys from their codes, statistics from their pairs (a partner's sum over codes)
        sar = ", ".join(f"SUM(CASE WHEN partner = {_q(p)} THEN value_usd ELSE {_d(0)} END) AS v_{p.lower()},"
                        f" MAX(CASE WHEN partner = {_q(p)} THEN n_codes END) AS nc_{p.lower()}"
                        for p in CHINA_WITH_SARS)
        gctes = [
            *gctes,
            f"gkeys AS (\n{keys[1]}\n)",
            f"gpairs AS (\n  SELECT *, CASE WHEN value_usd > 0 THEN value_usd END AS sv FROM (\n{pairs[1]}) AS p\n)",
            f"gagg AS (\n  SELECT {_K}, {sup},\n    {sar}\n  FROM gpairs GROUP BY {_K}\n)",
        ]
        stat_cols = ("ss", "top1", "top3", "n_sup", *(f"{c}_{p}" for p in sars for c in ("v", "nc")))
        kagg.append("  SELECT k.reporter, k.flow, k.product_kind, k.product, k.period, k.n_codes, k.total, k.country, "
                    + ", ".join(f"a.{c}" for c in stat_cols)
                    + (", CAST(NULL AS DOUBLE) AS x_total, 1 AS n_m" if exports else "")
                    + f"\n  FROM gkeys AS k LEFT JOIN gagg AS a ON {_join('k', 'a')}")
    # China, Hong Kong, Macao: known where their rows are in every code of the key.
    all_ = {p: f"COALESCE(nc_{p.lower()} = n_codes, FALSE)" for p in CHINA_WITH_SARS}
    xt = ", x_total, n_m" if exports else ""
    return [
        *gctes,
        "kagg AS (\n" + _UNION.join(kagg) + "\n)",
        # Each share where it is kept, with one CASE: the coverage where the total is positive, the
        # supplier statistics where the breakdown is complete (which implies a positive total).
        "ind AS (\n  SELECT reporter, flow, product_kind, product, period, total, ss, top1, top3, n_sup,\n"
        "    CASE WHEN total > 0 THEN country / total END AS coverage,\n"
        f"    COALESCE(v_chn, {_d(0)}) AS v_chn,"
        f" COALESCE(v_chn, {_d(0)}) + COALESCE(v_hkg, {_d(0)}) + COALESCE(v_mac, {_d(0)}) AS v_sars,\n"
        f"    {all_[CHINA]} AS all_chn, {' AND '.join(all_.values())} AS all_sars{xt}\n"
        "  FROM kagg\n)",
        "wide AS (\n  SELECT reporter, flow, product, product_kind, period, hhi,\n"
        f"    CASE WHEN complete THEN {_d(1)} / hhi END AS effective_suppliers,\n"
        "    CASE WHEN complete THEN top1 / total END AS top1_share,\n"
        "    CASE WHEN complete THEN top3 / total END AS top3_share,\n"
        "    CASE WHEN total > 0 AND (complete OR all_chn) THEN v_chn / total END AS china_share,\n"
        "    CASE WHEN total > 0 AND (complete OR all_sars) THEN v_sars / total END AS china_hk_mo_share,\n"
        f"    CASE WHEN complete THEN CAST(n_sup AS DOUBLE) END AS n_suppliers,\n"
        f"    coverage, total AS total_value_usd{xt}\n"
        "  FROM (SELECT *, CASE WHEN complete THEN ss / (total * total) END AS hhi\n"
        f"    FROM (SELECT *, COALESCE(coverage >= {_d(COMPLETE_COVERAGE)} AND coverage <= {_d(MAX_COVERAGE)}, FALSE)"
        " AS complete FROM ind) AS i) AS c\n)",
    ]


def sql(
    query: str = "indicators",
    *,
    dialect: str = "duckdb",
    source: str = "trade",
    flow: str = "import",
    groups: Sequence[ProductGroup] = PRODUCT_GROUPS,
    headings: dict[str, tuple[str, ...]] | None = None,
    hhi_from: str | None = None,
    ordered: bool = True,
) -> str:
    """The SQL text of ``query`` (one of :data:`QUERIES`) over the relation ``source``.

    ``"dependency"``: :data:`DEPENDENCY_COLUMNS`, the two together in one statement reading the table
    once (both flows; with product groups, once more for the groups' codes): the ``"indicators"`` of the
    imports, computed with ``groups`` and the ``headings`` as groups (:func:`heading_groups`), each row
    with the screen's columns where the screen has that reporter × product × period (an HS code on its
    own row, a heading rebuilt from its subheadings on the heading's group row; NULL elsewhere).
    ``"indicators"``: :data:`INDICATOR_COLUMNS`, one row per key of ``flow``. ``"supplier_shares"``:
    :data:`SHARE_COLUMNS`, one row per supplier. ``"screen"``: :data:`SCREEN_COLUMNS` (imports,
    every product with an import World row; ``flow`` and ``groups`` do not apply, ``headings``
    defaults to :data:`HEADINGS`; ``hhi_from``: a relation holding an ``"indicators"`` result of the
    imports, computed with groups that include the headings, to take the HHI from instead of computing
    it again). ``ordered`` sorts by the key as the numpy engine does (leave it
    off when writing a large result to files). Written in DuckDB's dialect; any other ``dialect``
    is rendered by sqlglot.

    >>> "ROW_NUMBER() OVER" in sql("supplier_shares", dialect="spark")
    True
    """
    if query not in QUERIES:
        raise ConfigError(f"engine: query must be one of {QUERIES}, not {query!r}")
    if query == "screen":
        text = _screen_sql(source, HEADINGS if headings is None else headings, ordered, hhi_from)
    elif query == "dependency":
        _check("import", groups)
        text = _dependency_sql(source, groups, HEADINGS if headings is None else headings, ordered)
    else:
        _check(flow, groups)
        if query == "indicators":
            cols = ", ".join(INDICATOR_COLUMNS)
            ctes = _indicator_ctes(source, flow, groups)
            text = "WITH " + ",\n".join(ctes) + f"\nSELECT {cols} FROM wide"
        else:
            cols = ", ".join(SHARE_COLUMNS[:-1])
            text = ("WITH " + ",\n".join(_ctes(source, flow, groups))
                    + f"\nSELECT {cols}, CAST(rnk AS BIGINT) AS rank FROM sup")
        if ordered:
            text += "\nORDER BY reporter, flow, product_kind, product, period" + (
                ", rank" if query == "supplier_shares" else "")
    if dialect != "duckdb":
        import sqlglot

        text = sqlglot.transpile(text, read="duckdb", write=dialect, pretty=True)[0]
    top3 = re.compile(rf"{TOP3_SUM}\(\s*(\w+)\s*\)", re.IGNORECASE)
    if top3.search(text):
        if dialect not in _TOP3:
            raise ConfigError(f"engine: no top-3 aggregate for dialect {dialect!r}; known: {sorted(_TOP3)}")
        text = top3.sub(lambda m: _TOP3[dialect].format(x=m.group(1)), text)
    return text


def heading_groups(headings: dict[str, tuple[str, ...]] = HEADINGS) -> list[ProductGroup]:
    """The headings as product groups (id = the heading): add them to ``groups`` of an ``"indicators"``
    run whose result is meant for ``sql("screen", hhi_from=...)``."""
    return [ProductGroup(id=h, name=f"HS {h}", hs_codes=tuple(subs), source="every HS subheading of the heading")
            for h, subs in headings.items()]


def _screen_exprs(m: str, x: str, h: str) -> tuple[list[str], list[str]]:
    """SCREEN_COLUMNS[4:] from the imports ``m``, exports ``x`` and HHI ``h`` (all NULL: not screened): the
    criteria 1 and 3 (``crit1``, ``crit3``) for a first SELECT, then the columns over them for a second
    (inlined, criterion 3 was computed three times per row)."""
    crit3 = (f"CASE WHEN {x} IS NULL OR NOT ({m} + {x} > {_d(0)}) THEN NULL"
             f" WHEN {x} = {_d(0)} THEN {_d(1)} ELSE {_above(f'{m} / {x}', IMPORT_EXPORT_CRITERION)} END")
    known = f"(CASE WHEN {h} IS NULL THEN 0 ELSE 1 END + CASE WHEN crit3 IS NULL THEN 0 ELSE 1 END)"
    return [f"{_above(h, HHI_CRITERION)} AS crit1", f"{crit3} AS crit3"], [
        f"{m} AS imports_usd",
        f"{x} AS exports_usd",
        f"CASE WHEN {m} + {x} > {_d(0)} THEN {m} / ({m} + {x}) END AS import_reliance",
        f"CASE WHEN {x} > {_d(0)} THEN {m} / {x} END AS import_export_ratio",
        "crit1 AS hhi_criterion",
        "CAST(NULL AS DOUBLE) AS reliance_criterion",
        "crit3 AS substitutability_criterion",
        f"CASE WHEN {known} > 0 THEN CAST({known} AS DOUBLE) END AS criteria_known",
        f"CASE WHEN {h} IS NULL THEN NULL WHEN crit1 = {_d(0)} OR crit3 = {_d(0)} THEN {_d(0)}"
        f" ELSE {_d(1)} END AS flagged",
    ]


def _dependency_sql(source: str, groups: Sequence[ProductGroup], headings: dict[str, tuple[str, ...]],
                    ordered: bool) -> str:
    """The indicators of the imports and the screening in one statement, from one scan of both flows.

    The screen's inputs are columns of the indicator keys: the import World total (the key's total),
    the export World total (``x_total``, summed in the same aggregation) and the HHI. Only the headings
    need more: their totals rebuilt from their subheadings and their HHI from the heading as a group
    (``groups`` gets the headings as groups, :func:`heading_groups`), a few rows joined back by key.
    """
    ids = {g.id for g in groups}
    groups = [*groups, *(g for g in heading_groups(headings) if g.id not in ids)]
    ctes = _indicator_ctes(source, "import", groups, exports=True)

    def screened(a: str) -> str:
        return f"{a}product_kind = 'hs' AND {a}reporter <> {_q(BLOC)} AND {a}total_value_usd IS NOT NULL"

    cols = ", ".join(INDICATOR_COLUMNS)
    if not headings:
        inner = (f"SELECT {cols}, n_m, CASE WHEN {screened('')} THEN total_value_usd END AS s_m,\n"
                 f"    CASE WHEN {screened('')} THEN x_total END AS s_x,"
                 f" CASE WHEN {screened('')} THEN hhi END AS s_h\n  FROM wide")
    else:
        subs = [(c, h, len(s)) for h, s in headings.items() for c in s]
        values = ", ".join(f"({_q(c)}, {_q(h)}, {n})" for c, h, n in subs)
        hids = ", ".join(_q(h) for h in headings)
        on = "o.reporter = b.reporter AND o.product = b.product AND o.period = b.period"
        ctes += [
            # Per reporter × heading × period: its subheadings' World totals, both flows.
            "hsub AS (\n  SELECT k.reporter, h.heading AS product, k.period, SUM(k.total_value_usd) AS m,"
            " COUNT(k.total_value_usd) AS m_n, SUM(k.x_total) AS x, COUNT(k.x_total) AS x_n, MAX(h.n) AS n_subs\n"
            f"  FROM wide AS k JOIN (VALUES {values}) AS h(code, heading, n) ON k.product = h.code\n"
            f"  WHERE k.product_kind = 'hs' AND k.reporter <> {_q(BLOC)}\n"
            "  GROUP BY k.reporter, h.heading, k.period\n)",
            # ... the heading as reported itself, and its HHI (its own where computed, else the group's).
            "hown AS (\n  SELECT reporter, product, period,"
            " MAX(CASE WHEN product_kind = 'hs' THEN total_value_usd END) AS m,"
            " MAX(CASE WHEN product_kind = 'hs' THEN x_total END) AS x,\n"
            "    COALESCE(MAX(CASE WHEN product_kind = 'hs' THEN hhi END),"
            " MAX(CASE WHEN product_kind = 'group' THEN hhi END)) AS hhi\n"
            f"  FROM wide WHERE product IN ({hids}) AND product_kind IN ('hs', 'group')"
            f" AND reporter <> {_q(BLOC)}\n  GROUP BY reporter, product, period\n)",
            # The heading's screen row: on the code's own row where it has an import World row, else
            # on the group's row with the totals rebuilt (each flow from all its subheadings).
            "hfix AS (\n  SELECT COALESCE(o_reporter, b_reporter) AS reporter,"
            " COALESCE(o_product, b_product) AS product, COALESCE(o_period, b_period) AS period,\n"
            "    CASE WHEN own_m IS NOT NULL THEN 'hs' ELSE 'group' END AS product_kind,\n"
            "    m, CASE WHEN m IS NOT NULL THEN x END AS x, CASE WHEN m IS NOT NULL THEN hhi END AS hhi\n"
            "  FROM (SELECT o.reporter AS o_reporter, o.product AS o_product, o.period AS o_period,"
            " b.reporter AS b_reporter, b.product AS b_product, b.period AS b_period,\n"
            "    COALESCE(o.m, CASE WHEN b.m_n = b.n_subs THEN b.m END) AS m,"
            " COALESCE(o.x, CASE WHEN b.x_n = b.n_subs THEN b.x END) AS x, o.hhi, o.m AS own_m\n"
            f"    FROM hown AS o FULL OUTER JOIN hsub AS b ON {on}) AS ob\n)",
        ]
        wcols = ", ".join(f"w.{c}" for c in INDICATOR_COLUMNS)
        hit, own = "f.product IS NOT NULL", screened("w.")
        inner = (
            f"SELECT {wcols}, w.n_m, CASE WHEN {hit} THEN f.m WHEN {own} THEN w.total_value_usd END AS s_m,\n"
            f"    CASE WHEN {hit} THEN f.x WHEN {own} THEN w.x_total END AS s_x,\n"
            f"    CASE WHEN {hit} THEN f.hhi WHEN {own} THEN w.hhi END AS s_h\n"
            "  FROM wide AS w LEFT JOIN hfix AS f ON w.reporter = f.reporter AND w.product = f.product"
            " AND w.period = f.period AND w.product_kind = f.product_kind"
        )
    # The screen's columns where the imports are known (exports and HHI are NULL elsewhere); keys with
    # no import row (read for their exports only) are dropped here.
    crit, screen = _screen_exprs("s_m", "s_x", "s_h")
    text = ("WITH " + ",\n".join(ctes) + f"\nSELECT {cols},\n  " + ",\n  ".join(screen)
            + f"\nFROM (\n  SELECT *, {', '.join(crit)}\n  FROM (\n  {inner}\n  ) AS d\n  WHERE n_m > 0\n) AS c")
    if ordered:
        text += "\nORDER BY reporter, flow, product_kind, product, period"
    return text


def _screen_sql(source: str, headings: dict[str, tuple[str, ...]], ordered: bool, hhi_from: str | None) -> str:
    """Criteria 1 and 3 and the flag of :func:`indicators.screening.screen` for single economies."""
    groups = heading_groups(headings)
    where = f"hs_code <> 'TOTAL' AND reporter <> {_q(BLOC)}"
    if hhi_from is None:
        conc = _indicator_ctes(source, "import", groups, where=where)
    else:  # HHI from a stored result of the "indicators" query (import flow; groups incl. the headings)
        ids = ", ".join(_q(h) for h in headings) or "''"
        conc = [f"wide AS (\n  SELECT reporter, product, product_kind, period, hhi FROM {hhi_from}\n"
                f"  WHERE flow = 'import' AND (product_kind = 'hs' OR product IN ({ids}))\n)"]
    subs = [(c, h, len(s)) for h, s in headings.items() for c in s]
    rebuilt = ""
    if subs:
        values = ", ".join(f"({_q(c)}, {_q(h)}, {n})" for c, h, n in subs)
        rebuilt = (
            "\n  UNION ALL\n"
            "  SELECT r.reporter, r.flow, r.product, r.period, r.value FROM (\n"
            "    SELECT w.reporter, w.flow, h.heading AS product, w.period, SUM(w.value) AS value,"
            " COUNT(*) AS n, MAX(h.n) AS n_subs\n"
            f"    FROM w JOIN (VALUES {values}) AS h(code, heading, n) ON w.product = h.code\n"
            "    GROUP BY w.reporter, w.flow, h.heading, w.period) AS r\n"
            "  LEFT JOIN w AS d ON d.reporter = r.reporter AND d.flow = r.flow AND d.product = r.product"
            " AND d.period = r.period\n"
            "  WHERE r.n = r.n_subs AND d.product IS NULL"
        )
    crit, screen = _screen_exprs("imports_usd", "exports_usd", "hhi")
    ctes = [
        *conc,
        "w AS (\n  SELECT reporter, flow, hs_code AS product, period, CAST(value_usd AS DOUBLE) AS value\n"
        f"  FROM {source} WHERE partner_kind = 'world' AND {where}\n)",
        "totals AS (\n  SELECT reporter, flow, product, period, value FROM w" + rebuilt + "\n)",
        # HHI: the code's own where computed, else the heading rebuilt from its subheadings.
        "hh AS (\n  SELECT reporter, product, period, COALESCE(MAX(CASE WHEN product_kind = 'hs' THEN hhi END),"
        " MAX(CASE WHEN product_kind = 'group' THEN hhi END)) AS hhi\n"
        "  FROM wide WHERE hhi IS NOT NULL GROUP BY reporter, product, period\n)",
        "s AS (\n  SELECT i.reporter, i.product, i.period, h.hhi, i.value AS imports_usd, x.value AS exports_usd\n"
        "  FROM totals AS i\n"
        "  LEFT JOIN totals AS x ON x.flow = 'export' AND x.reporter = i.reporter AND x.product = i.product"
        " AND x.period = i.period\n"
        "  LEFT JOIN hh AS h ON h.reporter = i.reporter AND h.product = i.product AND h.period = i.period\n"
        "  WHERE i.flow = 'import'\n)",
        f"c AS (\n  SELECT reporter, product, period, hhi, imports_usd, exports_usd, {', '.join(crit)}\n  FROM s\n)",
    ]
    text = "WITH " + ",\n".join(ctes) + "\nSELECT reporter, product, period, hhi,\n  " + ",\n  ".join(screen)
    text += "\nFROM c"
    if ordered:
        text += "\nORDER BY reporter, product, period"
    return text


# --------------------------------------------------------------------------------------------
# Running it

#: Settings of the connections the engine opens itself. No query promises an order without its
#: ORDER BY (``ordered``), so DuckDB need not keep the scan's order: it can then write a Parquet
#: result from both threads at once (the benchmark's hand-written SQL runs with the same settings).
DUCKDB_CONFIG = {"preserve_insertion_order": False}


def _relation(con: Any, data: Any, name: str) -> None:
    """Make ``data`` (Parquet path/glob/list, Arrow table or dataset, pandas frame) the view ``name``."""
    if isinstance(data, str | Path) or (isinstance(data, list | tuple) and data and
                                         all(isinstance(p, str | Path) for p in data)):
        paths = [str(p) for p in ([data] if isinstance(data, str | Path) else data)]
        listed = ", ".join(_q(p) for p in paths)
        try:
            con.execute(f"CREATE OR REPLACE TEMP VIEW {name} AS SELECT * FROM read_parquet([{listed}])")
        except Exception as exc:  # duckdb.IOException and friends: name the files
            raise ConfigError(f"engine: cannot read Parquet {paths}: {exc}") from None
    elif hasattr(data, "columns") or hasattr(data, "schema"):
        con.register(name, data)
    else:
        raise ConfigError(f"engine: data must be Parquet paths, an Arrow table or a data frame, not {type(data)}")
    have = {r[0] for r in con.execute(f"DESCRIBE {name}").fetchall()}
    missing = [c for c in INPUT_COLUMNS if c not in have]
    if missing:
        raise ValidationError(f"engine: the trade table lacks columns {missing} (has {sorted(have)})")


def run_duckdb(query: str, data: Any, *, con: Any = None, **options: Any) -> Any:
    """Run :func:`sql` ``query`` on DuckDB over ``data``; returns a :class:`pyarrow.Table`.

    ``data``: Parquet file(s) or a glob (streamed, never loaded whole), an Arrow table or
    dataset, or a pandas frame. ``con``: a DuckDB connection (default: a new in-memory one with
    :data:`DUCKDB_CONFIG`;
    pass your own to set ``memory_limit``, ``threads`` or ``temp_directory``). ``options`` go to
    :func:`sql` (``flow``, ``groups``, ``headings``, ``ordered``).
    """
    import duckdb

    own = con is None
    con = duckdb.connect(config=DUCKDB_CONFIG) if own else con
    try:
        _relation(con, data, "econsec_trade")
        return con.sql(sql(query, source="econsec_trade", **options)).to_arrow_table()
    finally:
        if own:
            con.close()


def write_parquet(query: str, data: Any, out: str | Path, *, con: Any = None, **options: Any) -> Path:
    """Run ``query`` on DuckDB and write the result straight to the Parquet file ``out`` (no Python copy)."""
    import duckdb

    own = con is None
    con = duckdb.connect(config=DUCKDB_CONFIG) if own else con
    try:
        _relation(con, data, "econsec_trade")
        text = sql(query, source="econsec_trade", **options)
        con.execute(f"COPY ({text}) TO {_q(str(out))} (FORMAT parquet)")
        return Path(out)
    finally:
        if own:
            con.close()


def run_spark(spark: Any, query: str, data: Any, **options: Any) -> Any:
    """Run :func:`sql` ``query`` rendered for Spark; returns a (lazy) Spark DataFrame.

    ``data``: a Parquet path or URL the cluster reads (``hdfs://``, ``s3a://``, a shared
    directory), or a Spark DataFrame with the TRADE columns.
    """
    df = spark.read.parquet(str(data)) if isinstance(data, str | Path) else data
    missing = [c for c in INPUT_COLUMNS if c not in df.columns]
    if missing:
        raise ValidationError(f"engine: the trade table lacks columns {missing} (has {sorted(df.columns)})")
    df.createOrReplaceTempView("econsec_trade")
    return spark.sql(sql(query, dialect="spark", source="econsec_trade", **options))


def concentration(data: Any, **options: Any) -> Any:
    """The ``"indicators"`` query on DuckDB: one row per key, :data:`INDICATOR_COLUMNS` (Arrow)."""
    return run_duckdb("indicators", data, **options)


def supplier_shares(data: Any, **options: Any) -> Any:
    """The ``"supplier_shares"`` query on DuckDB: one row per supplier, :data:`SHARE_COLUMNS` (Arrow)."""
    return run_duckdb("supplier_shares", data, **options)


def screen(data: Any, **options: Any) -> Any:
    """The ``"screen"`` query on DuckDB: one row per reporter × product × period, :data:`SCREEN_COLUMNS`."""
    return run_duckdb("screen", data, **options)


def to_long(wide: Any) -> Any:
    """The ``"indicators"`` result in :func:`indicators.concentration.concentration`'s long format
    (``indicator, reporter, flow, product, product_kind, period, value``; NULLs dropped; sorted by
    indicator in registry order, then key). Needs pandas: for results, not for the input table.
    """
    import pandas as pd

    w = wide.to_pandas() if hasattr(wide, "to_pandas") else wide
    names = list(INDICATOR_COLUMNS[len(KEY_COLUMNS):])
    w = w.sort_values(["reporter", "flow", "product_kind", "product", "period"], kind="mergesort")
    long = w.melt(id_vars=list(KEY_COLUMNS), value_vars=names, var_name="indicator", value_name="value")
    long = long[long["value"].notna()]
    long["_i"] = long["indicator"].map({n: i for i, n in enumerate(names)})
    long = long.sort_values("_i", kind="mergesort").drop(columns="_i").reset_index(drop=True)
    cols = ["indicator", "reporter", "flow", "product", "product_kind", "period", "value"]
    out = long[cols]
    for c in cols[:-1]:
        out[c] = out[c].astype("str")
    out["value"] = out["value"].astype("float64")
    return pd.DataFrame(out)
