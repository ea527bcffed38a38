"""The engine's SQL runs unchanged on Spark (local mode) and gives the same numbers as on DuckDB.

PySpark lives apart from the app's environment, in ``.venv/spark-lib`` (``make spark``; ``make test``
depends on it): importable in the app's environment it would make pandera import
``pyspark.pandas`` on every start. So Spark runs in a subprocess with that directory on
``PYTHONPATH``, and the subprocess checks it never imported pandera. A missing PySpark or Java is a
failure with the command that fixes it, not a skip.
"""

from __future__ import annotations

import json
import math
import os
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import pandas as pd
import pyarrow.parquet as pq
import pytest

from econsec.store import Store, bundled_snapshot_dir
from indicators import engine
from tests.test_engine import handmade_trade

ROOT = Path(__file__).resolve().parent.parent
SPARK_LIB = ROOT / ".venv" / "spark-lib"
#: The snapshot's rows for these reporters (both flows, every product: HS codes, groups, the 8542
#: heading) plus the hand-made tables: the Spark run stays well under a minute on two cores.
REPORTERS = ("USA", "JPN", "AUS")

SCRIPT = textwrap.dedent(
    """
    import json, sys, warnings
    warnings.filterwarnings("ignore", message="PySpark does not yet fully support pandas")
    import pyarrow.parquet as pq
    from pyspark.sql import SparkSession
    from indicators import engine

    data, out = sys.argv[1], sys.argv[2]
    spark = (SparkSession.builder.master("local[2]").appName("econsec-engine-test")
             .config("spark.ui.enabled", "false").config("spark.ui.showConsoleProgress", "false")
             .config("spark.sql.shuffle.partitions", "2").getOrCreate())
    spark.sparkContext.setLogLevel("ERROR")
    runs = {"indicators": ("indicators", {}), "supplier_shares": ("supplier_shares", {}), "screen": ("screen", {}),
            "dependency": ("dependency", {}), "dependency_hs": ("dependency", {"groups": (), "headings": {}})}
    for name, (query, options) in runs.items():
        pq.write_table(engine.run_spark(spark, query, data, **options).toArrow(), f"{out}/{name}.parquet")
    spark.stop()
    print(json.dumps({"pandera": "pandera" in sys.modules, "spark": spark.version}))
    """
)


def _spark_ready() -> None:
    if not (SPARK_LIB / "pyspark" / "__init__.py").exists():
        pytest.fail(f"PySpark is not installed in {SPARK_LIB}: run `make spark` (make test does it)", pytrace=False)
    if shutil.which("java") is None:
        pytest.fail("no Java runtime for Spark: `make browser` installs Debian's openjdk-17-jre-headless",
                    pytrace=False)


def _same(a: pd.DataFrame, b: pd.DataFrame, what: str) -> None:
    assert list(a.columns) == list(b.columns), what
    assert len(a) == len(b), f"{what}: {len(a)} rows on DuckDB, {len(b)} on Spark"
    for col in a.columns:
        x, y = a[col].tolist(), b[col].tolist()
        for i, (u, v) in enumerate(zip(x, y, strict=True)):
            if isinstance(u, float) or isinstance(v, float):
                nu = u is None or (isinstance(u, float) and math.isnan(u))
                nv = v is None or (isinstance(v, float) and math.isnan(v))
                assert nu == nv and (nu or math.isclose(u, v, rel_tol=1e-12, abs_tol=0.0)), (
                    f"{what}: {col} row {i}: DuckDB {u!r}, Spark {v!r}")
            else:
                assert u == v, f"{what}: {col} row {i}: DuckDB {u!r}, Spark {v!r}"


def test_engine_on_spark_matches_duckdb(tmp_path: Path) -> None:
    _spark_ready()
    snap = Store(bundled_snapshot_dir()).read("trade")
    trade = pd.concat([snap[snap["reporter"].isin(REPORTERS)], handmade_trade()], ignore_index=True)
    data = tmp_path / "trade.parquet"
    trade.to_parquet(data, index=False)
    out = tmp_path / "out"
    out.mkdir()
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(SPARK_LIB), str(ROOT)])}
    env.pop("PYTHONWARNINGS", None)
    proc = subprocess.run([sys.executable, "-c", SCRIPT, str(data), str(out)], env=env, cwd=tmp_path,
                          capture_output=True, text=True, timeout=240, check=False)
    assert proc.returncode == 0, f"Spark run failed:\n{proc.stderr[-4000:]}"
    status = json.loads(proc.stdout.strip().splitlines()[-1])
    assert status["pandera"] is False, "the Spark subprocess imported pandera"
    assert status["spark"].startswith("4.")

    runs = {"indicators": ("indicators", {}), "supplier_shares": ("supplier_shares", {}), "screen": ("screen", {}),
            "dependency": ("dependency", {}), "dependency_hs": ("dependency", {"groups": (), "headings": {}})}
    keys = {"indicators": list(engine.KEY_COLUMNS), "supplier_shares": [*engine.KEY_COLUMNS, "rank"],
            "screen": ["reporter", "product", "period"], "dependency": list(engine.KEY_COLUMNS)}
    for name, (query, options) in runs.items():
        duck = engine.run_duckdb(query, data, **options).to_pandas()
        spark = pq.read_table(out / f"{name}.parquet").to_pandas()
        assert len(duck) > 0, f"{name}: the test input gives no rows"
        # Both engines sort by the key (ORDER BY); sort again to compare whatever Spark's collation.
        duck = duck.sort_values(keys[query], kind="mergesort").reset_index(drop=True)
        spark = spark.sort_values(keys[query], kind="mergesort").reset_index(drop=True)
        _same(duck, spark, name)
