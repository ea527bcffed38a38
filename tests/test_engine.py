"""indicators.engine (SQL, DuckDB) against the numpy engine and against values worked out by hand."""

from __future__ import annotations

import subprocess
import sys
from datetime import UTC, datetime

import numpy as np
import pandas as pd
import pyarrow as pa
import pytest

from econsec import countries
from econsec.errors import ConfigError, ValidationError
from econsec.store import Store, bundled_snapshot_dir
from indicators import concentration, engine, screening

KEY = ["indicator", "reporter", "flow", "product", "product_kind", "period"]


def _rows(rows: list[tuple[str, str, str, str, str, float]]) -> pd.DataFrame:
    """TRADE rows from ``(reporter, flow, hs_code, partner, partner_kind, value)``, period 2020."""
    n = len(rows)
    return pd.DataFrame({
        "reporter": pd.Series([r[0] for r in rows], dtype="str"),
        "partner": pd.Series([r[3] for r in rows], dtype="str"),
        "partner_kind": pd.Series([r[4] for r in rows], dtype="str"),
        "flow": pd.Series([r[1] for r in rows], dtype="str"),
        "hs_code": pd.Series([r[2] for r in rows], dtype="str"),
        "period": pd.Series(["2020"] * n, dtype="str"),
        "value_usd": pd.Series([float(r[5]) for r in rows], dtype="float64"),
        "net_weight_kg": pd.Series([np.nan] * n, dtype="float64"),
        "estimated": pd.Series([False] * n, dtype="bool"),
        "source": pd.Series(["test"] * n, dtype="str"),
        "source_url": pd.Series(["hand-made"] * n, dtype="str"),
        "retrieved_at": pd.Series([datetime(2026, 1, 1, tzinfo=UTC)] * n, dtype="datetime64[us, UTC]"),
    })


def handmade_trade() -> pd.DataFrame:
    """Small tables with every rule in play; reporters AAA..HHH (not real ISO3 reporters of the snapshot)."""
    m, x, c, w = "import", "export", "country", "world"
    return _rows([
        # AAA: complete breakdown 50/30/20 (HHI 0.38); exports 40 (M/X 2.5).
        ("AAA", m, "111111", "WLD", w, 100), ("AAA", m, "111111", "CHN", c, 50),
        ("AAA", m, "111111", "JPN", c, 30), ("AAA", m, "111111", "KOR", c, 20),
        ("AAA", x, "111111", "WLD", w, 40),
        # AAA rare earths (group of 280530, 284610, 284690): CHN 10+10, USA 20 of 40 -> a tie.
        ("AAA", m, "280530", "WLD", w, 10), ("AAA", m, "280530", "CHN", c, 10),
        ("AAA", m, "284610", "WLD", w, 30), ("AAA", m, "284610", "CHN", c, 10), ("AAA", m, "284610", "USA", c, 20),
        # BBB: incomplete (coverage 0.65): China known (its row), HKG and a zero MAC row too.
        ("BBB", m, "111111", "WLD", w, 100), ("BBB", m, "111111", "CHN", c, 40),
        ("BBB", m, "111111", "DEU", c, 20), ("BBB", m, "111111", "HKG", c, 5), ("BBB", m, "111111", "MAC", c, 0),
        ("BBB", x, "111111", "WLD", w, 200),
        # BBB 222222: incomplete and no China row: China's share unknown.
        ("BBB", m, "222222", "WLD", w, 100), ("BBB", m, "222222", "DEU", c, 50),
        # CCC: no World row: the total is unknown, so nothing at all.
        ("CCC", m, "111111", "CHN", c, 10), ("CCC", m, "111111", "USA", c, 10),
        # DDD: complete, China absent (share 0); exports 0 (criterion 3 holds, no ratio).
        ("DDD", m, "111111", "WLD", w, 100), ("DDD", m, "111111", "USA", c, 60), ("DDD", m, "111111", "DEU", c, 40),
        ("DDD", x, "111111", "WLD", w, 0),
        # EEE: three-way tie: ranks by partner A-Z.
        ("EEE", m, "111111", "WLD", w, 90), ("EEE", m, "111111", "USA", c, 30),
        ("EEE", m, "111111", "DEU", c, 30), ("EEE", m, "111111", "FRA", c, 30),
        # FFF: an area residual (part of the total) and an EU group row (never a supplier): coverage 0.99.
        ("FFF", m, "111111", "WLD", w, 100), ("FFF", m, "111111", "USA", c, 60), ("FFF", m, "111111", "DEU", c, 39),
        ("FFF", m, "111111", "QNE", "area", 1), ("FFF", m, "111111", "EUU", "group", 40),
        ("FFF", x, "111111", "WLD", w, 60),
        # GGG: imports equal exports: criterion 3 does not hold (ratio 1 is not above 1).
        ("GGG", m, "111111", "WLD", w, 100), ("GGG", m, "111111", "CHN", c, 100), ("GGG", x, "111111", "WLD", w, 100),
        # HHH: imports at 6 digits, exports of the heading 8542: the heading is rebuilt for the screen.
        *[r for code in ("854231", "854232", "854233", "854239", "854290")
          for r in (("HHH", m, code, "WLD", w, 10), ("HHH", m, code, "CHN", c, 10))],
        ("HHH", x, "8542", "WLD", w, 20),
    ])


# ---------------------------------------------------------------------------------------------
# Hand-worked values

EXPECTED = {  # (reporter, product) -> {indicator: value or None (no value)}
    ("AAA", "111111"): {"hhi": 0.38, "effective_suppliers": 1 / 0.38, "top1_share": 0.5, "top3_share": 1.0,
                        "china_share": 0.5, "china_hk_mo_share": 0.5, "n_suppliers": 3, "coverage": 1.0,
                        "total_value_usd": 100},
    ("AAA", "rare_earths"): {"hhi": 0.5, "top1_share": 0.5, "top3_share": 1.0, "china_share": 0.5,
                             "n_suppliers": 2, "coverage": 1.0, "total_value_usd": 40},
    ("AAA", "284610"): {"hhi": 5 / 9, "top1_share": 2 / 3, "china_share": 1 / 3},
    ("BBB", "111111"): {"hhi": None, "effective_suppliers": None, "top1_share": None, "top3_share": None,
                        "n_suppliers": None, "china_share": 0.4, "china_hk_mo_share": 0.45, "coverage": 0.65,
                        "total_value_usd": 100},
    ("BBB", "222222"): {"hhi": None, "china_share": None, "china_hk_mo_share": None, "coverage": 0.5},
    ("CCC", "111111"): {"hhi": None, "china_share": None, "coverage": None, "total_value_usd": None},
    ("DDD", "111111"): {"hhi": 0.52, "china_share": 0.0, "china_hk_mo_share": 0.0, "n_suppliers": 2},
    ("EEE", "111111"): {"hhi": 1 / 3, "top1_share": 1 / 3, "top3_share": 1.0, "n_suppliers": 3},
    ("FFF", "111111"): {"hhi": 0.6**2 + 0.39**2, "coverage": 0.99, "n_suppliers": 2, "top3_share": 0.99,
                        "china_share": 0.0, "total_value_usd": 100},
}

EXPECTED_SCREEN = {  # (reporter, product) -> {column: value or None}
    ("AAA", "111111"): {"hhi_criterion": 0.0, "import_export_ratio": 2.5, "substitutability_criterion": 1.0,
                        "import_reliance": 100 / 140, "reliance_criterion": None, "criteria_known": 2.0,
                        "flagged": 0.0},
    ("BBB", "111111"): {"hhi": None, "hhi_criterion": None, "substitutability_criterion": 0.0, "criteria_known": 1.0,
                        "flagged": None},
    ("DDD", "111111"): {"hhi_criterion": 1.0, "import_export_ratio": None, "substitutability_criterion": 1.0,
                        "import_reliance": 1.0, "criteria_known": 2.0, "flagged": 1.0},
    ("EEE", "111111"): {"hhi_criterion": 0.0, "exports_usd": None, "substitutability_criterion": None,
                        "criteria_known": 1.0, "flagged": 0.0},
    ("GGG", "111111"): {"hhi": 1.0, "import_export_ratio": 1.0, "substitutability_criterion": 0.0, "flagged": 0.0},
    ("HHH", "8542"): {"hhi": 1.0, "imports_usd": 50.0, "exports_usd": 20.0, "import_export_ratio": 2.5,
                      "hhi_criterion": 1.0, "substitutability_criterion": 1.0, "criteria_known": 2.0, "flagged": 1.0},
    ("HHH", "854231"): {"hhi": 1.0, "exports_usd": None, "substitutability_criterion": None, "flagged": 1.0},
}


def _check(row: pd.Series, expected: dict, what: str) -> None:
    for col, want in expected.items():
        got = row[col]
        if want is None:
            assert pd.isna(got), f"{what} {col}: expected no value, got {got!r}"
        else:
            assert got == pytest.approx(want, rel=1e-12, abs=0), f"{what} {col}"


def test_handmade_values() -> None:
    wide = engine.concentration(handmade_trade()).to_pandas()
    for (reporter, product), expected in EXPECTED.items():
        row = wide[(wide["reporter"] == reporter) & (wide["product"] == product) & (wide["flow"] == "import")]
        assert len(row) == 1, (reporter, product)
        _check(row.iloc[0], expected, f"{reporter} {product}")
    assert wide.loc[wide["product"] == "rare_earths", "product_kind"].tolist() == ["group"]


def test_handmade_ranks_break_ties_by_partner() -> None:
    s = engine.supplier_shares(handmade_trade()).to_pandas()
    eee = s[s["reporter"] == "EEE"]
    assert eee["partner"].tolist() == ["DEU", "FRA", "USA"] and eee["rank"].tolist() == [1, 2, 3]
    rare = s[(s["reporter"] == "AAA") & (s["product"] == "rare_earths")]
    assert rare["partner"].tolist() == ["CHN", "USA"] and rare["share"].tolist() == [0.5, 0.5]
    assert "EUU" not in set(s["partner"]) and "QNE" not in set(s["partner"]) and "WLD" not in set(s["partner"])


def test_handmade_screen() -> None:
    got = engine.screen(handmade_trade()).to_pandas()
    for (reporter, product), expected in EXPECTED_SCREEN.items():
        row = got[(got["reporter"] == reporter) & (got["product"] == product)]
        assert len(row) == 1, (reporter, product)
        _check(row.iloc[0], expected, f"screen {reporter} {product}")
    assert "CCC" not in set(got["reporter"])  # no import World row: not screened


def _compare_long(ref: pd.DataFrame, got: pd.DataFrame) -> None:
    assert len(ref) == len(got)
    pd.testing.assert_frame_equal(ref[KEY], got[KEY])
    np.testing.assert_allclose(got["value"].to_numpy(), ref["value"].to_numpy(), rtol=1e-12, atol=0)


def _compare_shares(ref: pd.DataFrame, got: pd.DataFrame) -> None:
    cols = ["reporter", "flow", "product", "product_kind", "period", "partner", "rank"]
    got = got.to_pandas()
    assert len(ref) == len(got)
    for col in cols:
        assert ref[col].tolist() == got[col].tolist(), col
    for col in ("value_usd", "share"):
        np.testing.assert_allclose(got[col].to_numpy(), ref[col].to_numpy(), rtol=1e-12, atol=0)


def _compare_screen(ref: pd.DataFrame, got: pd.DataFrame) -> None:
    got = got.to_pandas()
    assert list(got.columns) == list(screening.SCREEN_COLUMNS)
    assert len(ref) == len(got)
    for col in ("reporter", "product", "period"):
        assert ref[col].tolist() == got[col].tolist(), col
    for col in screening.SCREEN_COLUMNS[3:]:
        np.testing.assert_allclose(got[col].to_numpy("float64"), ref[col].to_numpy("float64"), rtol=1e-12, atol=0,
                                   err_msg=col)


def test_handmade_matches_numpy_engine() -> None:
    trade = handmade_trade()
    ref = concentration.compute(trade)
    _compare_long(ref["indicators"], engine.to_long(engine.concentration(trade)))
    _compare_shares(ref["supplier_shares"], engine.supplier_shares(trade))
    _compare_screen(screening.screen(trade), engine.screen(trade))


@pytest.fixture(scope="module")
def snapshot_trade() -> pd.DataFrame:
    return Store(bundled_snapshot_dir()).read("trade")


@pytest.mark.parametrize("flow", ["import", "export"])
def test_snapshot_matches_numpy_engine(snapshot_trade: pd.DataFrame, flow: str) -> None:
    ref = concentration.compute(snapshot_trade, flow=flow)
    assert len(ref["indicators"]) > 10_000
    _compare_long(ref["indicators"], engine.to_long(engine.concentration(snapshot_trade, flow=flow)))
    _compare_shares(ref["supplier_shares"], engine.supplier_shares(snapshot_trade, flow=flow))


def test_snapshot_screen_matches_screening(snapshot_trade: pd.DataFrame) -> None:
    ref = screening.screen(snapshot_trade)
    ref = ref[ref["reporter"] != engine.BLOC].reset_index(drop=True)  # the bloc is screened by screening only
    assert ref["flagged"].notna().sum() > 10
    _compare_screen(ref, engine.screen(snapshot_trade))


def test_parquet_in_and_out(tmp_path, snapshot_trade: pd.DataFrame) -> None:
    path = tmp_path / "trade.parquet"
    snapshot_trade.to_parquet(path, index=False)
    from_arrow = engine.concentration(pa.Table.from_pandas(snapshot_trade, preserve_index=False))
    from_file = engine.concentration(str(path))
    # Same rows; values equal up to summation order (DuckDB adds in parallel, in any order).
    _compare_long(engine.to_long(from_arrow), engine.to_long(from_file))
    out = engine.write_parquet("screen", path, tmp_path / "screen.parquet")
    _compare_screen(engine.screen(path).to_pandas(), pa.Table.from_pandas(pd.read_parquet(out)))
    # The screen taking its HHI from a stored indicators result gives the same numbers.
    ind = engine.write_parquet("indicators", path, tmp_path / "ind.parquet", ordered=False,
                               groups=engine.heading_groups())
    reused = engine.screen(path, hhi_from=f"read_parquet('{ind}')")
    _compare_screen(engine.screen(path).to_pandas(), reused)


def test_bad_input() -> None:
    trade = handmade_trade()
    with pytest.raises(ValidationError, match="lacks columns \\['partner_kind'\\]"):
        engine.concentration(trade.drop(columns="partner_kind"))
    with pytest.raises(ConfigError, match="flow must be one of"):
        engine.concentration(trade, flow="imports")
    with pytest.raises(ConfigError, match="query must be one of"):
        engine.sql("hhi")
    with pytest.raises(ConfigError, match="cannot read Parquet"):
        engine.concentration("/nonexistent/trade.parquet")
    with pytest.raises(ConfigError, match="data must be"):
        engine.concentration(42)


def test_constants_agree_with_the_numpy_engine() -> None:
    """The coverage bounds, screening criteria and headings are shared (indicators.rules); what the engine
    must repeat (it cannot import econsec.countries, which imports pandera) and its column lists are checked."""
    assert engine.CHINA == countries.CHINA and engine.CHINA_WITH_SARS == countries.CHINA_WITH_SARS
    assert list(engine.INDICATOR_COLUMNS[len(engine.KEY_COLUMNS):]) == [i.id for i in concentration.INDICATORS]
    assert list(engine.SCREEN_COLUMNS) == screening.SCREEN_COLUMNS


def test_rendering_per_engine() -> None:
    duck, spark = engine.sql("indicators"), engine.sql("indicators", dialect="spark")
    assert "list_sum(max(sv, 3))" in duck and engine.TOP3_SUM not in duck
    assert "SORT_ARRAY(COLLECT_LIST(sv), FALSE)" in spark and engine.TOP3_SUM not in spark
    assert "ROW_NUMBER() OVER" in engine.sql("supplier_shares", dialect="spark")
    assert "ROW_NUMBER() OVER" in engine.sql("supplier_shares", dialect="trino")  # portable: no top-3 aggregate
    with pytest.raises(ConfigError, match="no top-3 aggregate for dialect 'trino'"):
        engine.sql("indicators", dialect="trino")


def test_engine_imports_neither_pandas_nor_pandera() -> None:
    code = "import sys, indicators.engine; print('pandera' in sys.modules, 'pandas' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.split() == ["False", "False"]


# ---------------------------------------------------------------------------------------------
# The "dependency" query: indicators and screen in one statement


def _compare_dependency(trade: pd.DataFrame, **options) -> pd.DataFrame:
    """The dependency query's indicator columns equal the indicators query's (with the headings as groups),
    and its screened rows equal the screen query's; returns the dependency result."""
    headings = options.get("headings", engine.HEADINGS)
    groups = options.get("groups", engine.PRODUCT_GROUPS)
    dep = engine.run_duckdb("dependency", trade, **options).to_pandas()
    assert list(dep.columns) == list(engine.DEPENDENCY_COLUMNS)
    ind = engine.concentration(trade, groups=[*groups, *engine.heading_groups(headings)]).to_pandas()
    pd.testing.assert_frame_equal(dep[list(engine.INDICATOR_COLUMNS)], ind, check_exact=False, rtol=1e-12, atol=0)
    scr = engine.screen(trade, headings=headings).to_pandas()
    got = dep[dep["imports_usd"].notna()].sort_values(["reporter", "product", "period"], kind="mergesort")
    got = got.reset_index(drop=True)
    assert len(got) == len(scr) > 0
    for col in ("reporter", "product", "period"):
        assert got[col].tolist() == scr[col].tolist(), col
    for col in engine.SCREEN_COLUMNS[4:]:
        np.testing.assert_allclose(got[col].to_numpy("float64"), scr[col].to_numpy("float64"), rtol=1e-12, atol=0,
                                   err_msg=col)
    # The row's HHI is the screen's wherever the row has one (a heading with an incomplete breakdown of its
    # own is judged on the HHI rebuilt from its subheadings, as the screen does).
    has = got["hhi"].notna().to_numpy()
    np.testing.assert_allclose(got["hhi"].to_numpy("float64")[has], scr["hhi"].to_numpy("float64")[has], rtol=1e-12)
    return dep


def test_dependency_handmade() -> None:
    dep = _compare_dependency(handmade_trade())
    # HHH reports its imports at six digits, its exports as the heading: the rebuilt heading is screened
    # on the heading's group row.
    row = dep[(dep["reporter"] == "HHH") & (dep["product"] == "8542")]
    assert row["product_kind"].tolist() == ["group"]
    _check(row.iloc[0], EXPECTED_SCREEN[("HHH", "8542")] | {"hhi": 1.0}, "dependency HHH 8542")
    # Not screened: the groups other than the headings, and keys without an import World row.
    assert dep.loc[dep["product"] == "rare_earths", "imports_usd"].isna().all()
    assert dep.loc[dep["reporter"] == "CCC", "flagged"].isna().all()
    # Keys with exports only (HHH's 8542 as an HS code) are not rows of the imports.
    assert not ((dep["reporter"] == "HHH") & (dep["product_kind"] == "hs") & (dep["product"] == "8542")).any()


def test_dependency_hs_codes_only() -> None:
    _compare_dependency(handmade_trade(), groups=(), headings={})


def test_dependency_snapshot(snapshot_trade: pd.DataFrame) -> None:
    _compare_dependency(snapshot_trade)
    _compare_dependency(snapshot_trade, groups=(), headings={})


def test_dependency_is_one_scan(tmp_path) -> None:
    """One pass: DuckDB's plan reads the table once (with product groups, once more for the groups' codes)."""
    import duckdb

    path = tmp_path / "trade.parquet"
    handmade_trade().to_parquet(path, index=False)
    with duckdb.connect() as con:
        con.execute(f"CREATE TEMP VIEW econsec_trade AS SELECT * FROM read_parquet('{path}')")

        def scans(**options) -> int:
            plan = con.execute("EXPLAIN " + engine.sql("dependency", source="econsec_trade", **options)).fetchall()
            return "\n".join(r[1] for r in plan).count("READ_PARQUET")

        assert scans(groups=(), headings={}) == 1
        assert scans(groups=()) == 2  # the heading 8542 as a group


def test_dependency_other_flows_and_rows_without_a_value() -> None:
    """Rows of the re-flows change nothing (the scan's filter only keeps them out of the aggregation; a
    key with re-flows only is no row), and a China row without a value is still China's row."""
    trade = handmade_trade()
    again = trade[trade["reporter"].isin(["AAA", "DDD"])].assign(flow="re-export")
    only = trade[trade["reporter"] == "EEE"].assign(flow="re-import", reporter="ZZZ")
    plus = pd.concat([trade, again, only], ignore_index=True)
    for options in ({}, {"groups": (), "headings": {}}):
        want = engine.run_duckdb("dependency", trade, **options).to_pandas()
        got = engine.run_duckdb("dependency", plus, **options).to_pandas()
        pd.testing.assert_frame_equal(got, want, check_exact=False, rtol=1e-12, atol=0)
    # BBB 111111 is incomplete, so China's share is known only from China's row: 0 of 100 without a value.
    blank = trade.copy()
    blank.loc[(blank["reporter"] == "BBB") & (blank["hs_code"] == "111111") & (blank["partner"] == "CHN"),
              "value_usd"] = np.nan
    dep = engine.run_duckdb("dependency", blank, groups=(), headings={}).to_pandas()
    row = dep[(dep["reporter"] == "BBB") & (dep["product"] == "111111")].iloc[0]
    assert row["china_share"] == 0.0 and row["china_hk_mo_share"] == pytest.approx(0.05, rel=1e-12)
