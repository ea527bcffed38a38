from __future__ import annotations

import numpy as np
import pandas as pd
import pycountry
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from econsec.schema import TRADE_COLUMNS, WORLD, empty_trade, validate_trade
from econsec.store import bundled_snapshot_dir
from indicators import base, chokepoints
from indicators.chokepoints import (
    COVERAGE_OF_MEDIAN,
    HIGHLIGHTS,
    INDICATORS,
    MIN_REPORTERS,
    compute,
    covered_periods,
    export_concentration,
)

SNAPSHOT_TRADE = bundled_snapshot_dir() / "trade.parquet"
#: Real ISO3 codes to stand for many exporters.
COUNTRIES = sorted(c.alpha_3 for c in pycountry.countries)


def world_exports(values: dict[str, float], hs_code: str = "8542", period: str = "2023") -> pd.DataFrame:
    """A valid TRADE frame of exports to the World: one row per exporter."""
    df = pd.DataFrame({
        "reporter": pd.Series(list(values), dtype="str"),
        "partner": pd.Series([WORLD] * len(values), dtype="str"),
        "partner_kind": pd.Series(["world"] * len(values), dtype="str"),
        "flow": pd.Series(["export"] * len(values), dtype="str"),
        "hs_code": pd.Series([hs_code] * len(values), dtype="str"),
        "period": pd.Series([period] * len(values), dtype="str"),
        "value_usd": pd.Series(list(values.values()), dtype="float64"),
    })
    df["net_weight_kg"] = pd.Series(np.nan, index=df.index, dtype="float64")
    df["estimated"] = False
    df["source"] = pd.Series("test", index=df.index, dtype="str")
    df["source_url"] = pd.Series("file://tests", index=df.index, dtype="str")
    df["retrieved_at"] = pd.Series(pd.Timestamp("2026-01-01", tz="UTC"), index=df.index, dtype="datetime64[us, UTC]")
    return validate_trade(df[list(TRADE_COLUMNS)])


def values_of(v: pd.DataFrame, period: str = "2023", product: str = "8542") -> dict[tuple[str, str], float]:
    sel = v[(v["period"] == period) & (v["product"] == product)]
    return {(i, p): x for i, p, x in zip(sel["indicator"], sel["partner"], sel["value"], strict=True)}


def test_hand_computed_shares_and_hhi():
    t = pd.concat([
        world_exports({"TWN": 50, "KOR": 30, "CHN": 20, "USA": 0}),
        world_exports({"EUU": 999, "WLD": 5000}),  # aggregates are never exporters
    ], ignore_index=True)
    v = export_concentration(validate_trade(t), min_reporters=1)
    got = values_of(v)
    assert got[("exporter_hhi", "")] == pytest.approx(0.38)  # .25 + .09 + .04
    assert got[("top_exporter_share", "")] == pytest.approx(0.5)
    assert got[("top3_exporter_share", "")] == pytest.approx(1.0)
    assert got[("exporter_share", "TWN")] == pytest.approx(0.5)
    assert got[("exporter_share", "CHN")] == pytest.approx(0.2)
    assert ("exporter_share", "USA") not in got  # zero exports: no share row, but it reported
    assert got[("reporting_exporters", "")] == 4.0
    assert set(v["reporter"]) == {WORLD} and set(v["flow"]) == {"export"} and set(v["product_kind"]) == {"hs"}
    assert list(v.columns) == base.VALUE_COLUMNS


def test_default_rule_needs_many_reporters():
    few = world_exports({"TWN": 50, "KOR": 30, "CHN": 20})
    assert compute({"trade": few}).empty  # 3 reporters is no world market
    many = world_exports({c: 1.0 for c in COUNTRIES[:MIN_REPORTERS]})
    got = values_of(compute({"trade": many}))
    assert got[("exporter_hhi", "")] == pytest.approx(1 / MIN_REPORTERS)
    assert got[("reporting_exporters", "")] == MIN_REPORTERS


def test_low_coverage_year_and_months_are_left_out():
    years = {"2021": 150, "2022": 148, "2023": 141, "2024": 86}
    parts = [world_exports({c: 1.0 + i for i, c in enumerate(COUNTRIES[:n])}, period=p) for p, n in years.items()]
    parts.append(world_exports({c: 1.0 for c in COUNTRIES[:68]}, period="2025-01"))
    v = compute({"trade": validate_trade(pd.concat(parts, ignore_index=True))})
    assert sorted(set(v["period"])) == ["2021", "2022", "2023"]
    # The rule on counts: median of the annual counts 150/148/141/86 = 144.5; 80% of it = 115.6.
    counts = pd.DataFrame({"product": ["8542"] * 5, "period": [*years, "2025-01"], "n": [*years.values(), 68]})
    c = covered_periods(counts)
    assert c["covered"].tolist() == [True, True, True, False, False]
    assert COVERAGE_OF_MEDIAN * 144.5 > 86
    # Exactly at 80% of the median is covered; just under is not.
    edge = pd.DataFrame({"product": ["x"] * 3, "period": ["2021", "2022", "2023"], "n": [100, 100, 80]})
    assert covered_periods(edge, min_reporters=1)["covered"].tolist() == [True, True, True]
    edge.loc[2, "n"] = 79
    assert covered_periods(edge, min_reporters=1)["covered"].tolist() == [True, True, False]


def test_total_and_imports_ignored_and_empty_inputs():
    t = world_exports({c: 1.0 for c in COUNTRIES[:60]}, hs_code="TOTAL")
    assert compute({"trade": t}).empty
    assert compute({}).empty and compute({"trade": empty_trade()}).empty


def test_registry_entries():
    assert {i.id for i in INDICATORS} == {"exporter_hhi", "top_exporter_share", "top3_exporter_share",
                                          "exporter_share", "reporting_exporters"}
    assert all(i.family == chokepoints.FAMILY for i in INDICATORS)
    assert ("8542", "TWN") in HIGHLIGHTS


@settings(max_examples=25, deadline=None)
@given(
    values=st.lists(st.floats(1e-3, 1e12, allow_subnormal=False), min_size=1, max_size=12),
    scale=st.floats(1e-3, 1e3),
)
def test_exporter_hhi_bounds_and_invariance(values, scale):
    exporters = dict(zip(COUNTRIES, values, strict=False))
    a = values_of(export_concentration(world_exports(exporters), min_reporters=1))
    n = len(exporters)
    h = a[("exporter_hhi", "")]
    assert 1 / n - 1e-12 <= h <= 1 + 1e-12
    assert a[("top_exporter_share", "")] <= a[("top3_exporter_share", "")] <= 1 + 1e-12
    assert sum(x for (i, _), x in a.items() if i == "exporter_share") == pytest.approx(1.0)
    scaled = {k: v * scale for k, v in reversed(list(exporters.items()))}
    b = values_of(export_concentration(world_exports(scaled), min_reporters=1))
    assert h == pytest.approx(b[("exporter_hhi", "")], rel=1e-9)
    assert a[("top3_exporter_share", "")] == pytest.approx(b[("top3_exporter_share", "")], rel=1e-9)


@pytest.fixture(scope="module")
def real_trade() -> pd.DataFrame:
    if not SNAPSHOT_TRADE.exists():
        pytest.skip("no bundled snapshot")
    return pd.read_parquet(SNAPSHOT_TRADE)


def test_real_snapshot_taiwan_share_of_8542(real_trade):
    v = compute({"trade": real_trade})
    assert set(v["product"]) == {"8542"}
    # 2013–2023 only: 2024 (86 reporters) and every 2025 month fail the coverage rule.
    assert sorted(set(v["period"])) == [str(y) for y in range(2013, 2024)]
    got = values_of(v, "2023")
    # By hand from the extract's 2023 rows (hs_code 8542, flow export, partner WLD; 141 reporters):
    # TWN 166,464,248,663.24 / sum of all 141 rows 951,555,582,482.64 = 0.174939.
    rows = real_trade[(real_trade["hs_code"] == "8542") & (real_trade["flow"] == "export")
                      & (real_trade["partner"] == WORLD) & (real_trade["period"] == "2023")]
    assert len(rows) == 141
    assert rows["value_usd"].sum() == pytest.approx(951_555_582_482.64)
    twn = rows.loc[rows["reporter"] == "TWN", "value_usd"].item()
    assert twn == pytest.approx(166_464_248_663.24)
    assert got[("exporter_share", "TWN")] == pytest.approx(twn / 951_555_582_482.64)
    assert got[("exporter_share", "TWN")] == pytest.approx(0.174939, abs=1e-6)
    # Largest "exporter" is Hong Kong (re-exports): 193.5 bn / 951.6 bn = 0.2034.
    assert got[("top_exporter_share", "")] == pytest.approx(0.203370, abs=1e-6)
    assert got[("exporter_share", "HKG")] == got[("top_exporter_share", "")]
    assert got[("reporting_exporters", "")] == 141.0
    assert 0 < got[("exporter_hhi", "")] < 0.25
