from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from econsec.schema import SERIES_COLUMNS, validate_series
from econsec.store import bundled_snapshot_dir
from indicators import base, innovation
from indicators.innovation import (
    EXPORTS_GDP,
    IMPORTS_GDP,
    INDICATORS,
    INDICATORS_BY_ID,
    IP_PAYMENTS,
    IP_RECEIPTS,
    PASSTHROUGHS,
    PATENTS_NONRES,
    PATENTS_RES,
    RD,
    compute,
)

# ---------------------------------------------------------------------------------------------
# helpers


def series(rows) -> pd.DataFrame:
    """A valid SERIES frame from (country, series, period, value) tuples."""
    df = pd.DataFrame.from_records(list(rows), columns=["country", "series", "period", "value"])
    for col in ("country", "series", "period"):
        df[col] = df[col].astype("str")
    df["value"] = df["value"].astype("float64")
    df["unit"] = pd.Series("test unit", index=df.index, dtype="str")
    df["estimated"] = False
    df["source"] = pd.Series("worldbank", index=df.index, dtype="str")
    df["source_url"] = pd.Series("file:test.csv", index=df.index, dtype="str")
    df["retrieved_at"] = pd.Series(pd.Timestamp("2026-01-01", tz="UTC"), index=df.index, dtype="datetime64[us, UTC]")
    return validate_series(df[list(SERIES_COLUMNS)])


def value(out: pd.DataFrame, indicator: str, reporter: str, period: str, **key: str) -> float:
    sel = (out["indicator"] == indicator) & (out["reporter"] == reporter) & (out["period"] == period)
    for k, v in key.items():
        sel &= out[k] == v
    hit = out.loc[sel, "value"]
    assert len(hit) == 1, f"{indicator} {reporter} {period} {key}: {len(hit)} rows"
    return float(hit.iloc[0])


def has(out: pd.DataFrame, indicator: str, reporter: str, period: str) -> bool:
    return bool(((out["indicator"] == indicator) & (out["reporter"] == reporter) & (out["period"] == period)).any())


@pytest.fixture(scope="module")
def real_series() -> pd.DataFrame:
    return pd.read_parquet(bundled_snapshot_dir() / "series.parquet")


@pytest.fixture(scope="module")
def real(real_series) -> pd.DataFrame:
    return compute({"series": real_series})


# ---------------------------------------------------------------------------------------------
# registry and contract


def test_registry_entries_are_complete():
    assert innovation.FAMILY == "Innovation and growth"
    for i in INDICATORS:
        assert i.family == innovation.FAMILY and i.unit and i.definition and i.source
        assert i.better in ("lower", "higher", "")
    # Percentages as WDI gives them say "%"; the one share econsec computes is a 0–1 fraction.
    for p in PASSTHROUGHS:
        assert p.series in INDICATORS_BY_ID[p.indicator].definition
    assert INDICATORS_BY_ID["nonresident_patent_share"].unit == "share 0–1"
    assert INDICATORS_BY_ID["rd_intensity"].unit == "% of GDP"
    assert INDICATORS_BY_ID["trade_openness"].unit == "% of GDP"
    assert "NE.TRD.GNFS.ZS" in INDICATORS_BY_ID["trade_openness"].definition


@pytest.mark.parametrize("tables", [{}, {"series": None}, {"series": series([])},
                                    {"series": series([("JPN", "SP.POP.TOTL", "2020", 1.0)])}])
def test_no_input_no_rows(tables):
    out = compute(tables)
    assert out.empty
    assert list(out.columns) == base.VALUE_COLUMNS


# ---------------------------------------------------------------------------------------------
# hand-computed values


def test_derived_values_by_hand():
    s = series([
        ("JPN", EXPORTS_GDP, "2020", 20.0), ("JPN", IMPORTS_GDP, "2020", 25.0),
        ("JPN", IP_RECEIPTS, "2020", 30.0), ("JPN", IP_PAYMENTS, "2020", 20.0),
        ("JPN", PATENTS_RES, "2020", 300.0), ("JPN", PATENTS_NONRES, "2020", 100.0),
        ("JPN", RD, "2020", 3.4), ("CHN", RD, "2020", 2.6), ("USA", RD, "2020", 3.5), ("DEU", RD, "2020", 3.1),
        ("KOR", RD, "2021", 4.9),  # no China value for 2021: no gap
        ("USA", EXPORTS_GDP, "2021", 11.0),  # no imports: no openness
        ("USA", IP_RECEIPTS, "2021", 5.0), ("USA", IP_PAYMENTS, "2021", 0.0),  # zero payments: no ratio
        ("IND", PATENTS_RES, "2021", 0.0), ("IND", PATENTS_NONRES, "2021", 0.0),  # no applications: no share
    ])
    out = compute({"series": s})
    assert value(out, "trade_openness", "JPN", "2020") == pytest.approx(45.0)
    assert value(out, "ip_balance_ratio", "JPN", "2020") == pytest.approx(1.5)
    assert value(out, "nonresident_patent_share", "JPN", "2020") == pytest.approx(0.25)
    assert value(out, "rd_gap_to_china", "JPN", "2020", partner="CHN") == pytest.approx(0.8)
    assert value(out, "rd_gap_to_china", "USA", "2020") == pytest.approx(0.9)
    assert not has(out, "rd_gap_to_china", "DEU", "2020")  # only USA, JPN, KOR
    assert not has(out, "rd_gap_to_china", "CHN", "2020")
    assert not has(out, "rd_gap_to_china", "KOR", "2021")
    assert not has(out, "trade_openness", "USA", "2021")
    assert not has(out, "ip_balance_ratio", "USA", "2021")
    assert not has(out, "nonresident_patent_share", "IND", "2021")
    derived = out[out["product_kind"] == ""]
    assert (derived["product"] == "").all()
    assert set(derived["indicator"]) == {"trade_openness", "ip_balance_ratio", "nonresident_patent_share",
                                         "rd_gap_to_china"}


def test_passthrough_keeps_values_and_labels():
    s = series([("JPN", RD, "2023", 3.44125), ("WLD", RD, "2022", 2.6), ("EUU", "BX.KLT.DINV.CD.WD", "2020", -5.0),
                ("EAS", "TX.VAL.TECH.CD", "2020", 1e12)])
    out = compute({"series": s})
    row = out[(out["indicator"] == "rd_intensity") & (out["reporter"] == "JPN")].iloc[0]
    assert (row["product"], row["product_kind"], row["partner"], row["flow"]) == (RD, "series", "", "")
    assert row["value"] == 3.44125
    # Aggregates are reporters too; a negative FDI inflow (disinvestment) is kept.
    assert value(out, "rd_intensity", "WLD", "2022") == 2.6
    assert value(out, "fdi_inflows_usd", "EUU", "2020", flow="inward") == -5.0
    assert value(out, "hightech_exports_usd", "EAS", "2020", flow="export") == 1e12


@settings(max_examples=40, deadline=None)
@given(res=st.floats(0, 1e7), nres=st.floats(0, 1e7), rec=st.floats(0, 1e12), pay=st.floats(1e-3, 1e12),
       k=st.floats(1e-3, 1e3))
def test_ratio_properties(res, nres, rec, pay, k):
    """The patent share lies in [0, 1]; both ratios ignore the scale of their inputs and row order."""
    rows = [("JPN", PATENTS_RES, "2020", res), ("JPN", PATENTS_NONRES, "2020", nres),
            ("JPN", IP_RECEIPTS, "2020", rec), ("JPN", IP_PAYMENTS, "2020", pay)]
    # derived() directly: the schema checks of compute() are exercised elsewhere and cost ~0.1 s a call.
    cols = ["country", "series", "period", "value"]
    out = innovation.derived(pd.DataFrame(rows, columns=cols))
    scaled = innovation.derived(pd.DataFrame([(c, s, p, v * k) for c, s, p, v in reversed(rows)], columns=cols))
    if res + nres > 0:
        share = value(out, "nonresident_patent_share", "JPN", "2020")
        assert 0.0 <= share <= 1.0
        assert value(scaled, "nonresident_patent_share", "JPN", "2020") == pytest.approx(share, rel=1e-9, abs=1e-12)
    ratio = value(out, "ip_balance_ratio", "JPN", "2020")
    assert value(scaled, "ip_balance_ratio", "JPN", "2020") == pytest.approx(ratio, rel=1e-9, abs=1e-12)


# ---------------------------------------------------------------------------------------------
# real bundled snapshot


def test_passthroughs_equal_the_source_rows(real_series, real):
    for p in PASSTHROUGHS:
        src = real_series[real_series["series"] == p.series].sort_values(["country", "period"])
        got = real[real["indicator"] == p.indicator].sort_values(["reporter", "period"])
        assert len(got) == len(src) > 0, p.indicator
        pd.testing.assert_series_equal(got["value"].reset_index(drop=True), src["value"].reset_index(drop=True),
                                       check_exact=True, check_names=False)
        assert got["reporter"].tolist() == src["country"].tolist()
        assert got["period"].tolist() == src["period"].tolist()
        assert set(got["product"]) == {p.series} and set(got["product_kind"]) == {"series"}


def test_real_spot_values(real):
    # worldbank_wdi/GB.XPD.RSDV.GD.ZS.csv: "Japan,JPN,2023,3.44125", "China,CHN,2023,2.57729".
    assert value(real, "rd_intensity", "JPN", "2023") == 3.44125
    assert value(real, "rd_gap_to_china", "JPN", "2023") == pytest.approx(3.44125 - 2.57729, abs=1e-12)
    # NE.EXP.GNFS.ZS.csv "Japan,JPN,2023,21.0593101343597" + NE.IMP.GNFS.ZS.csv "Japan,JPN,2023,22.5357732459138".
    assert value(real, "trade_openness", "JPN", "2023") == pytest.approx(21.0593101343597 + 22.5357732459138)
    # BX.GSR.ROYL.CD.csv "United States,USA,2023,148205000000" / BM.GSR.ROYL.CD.csv "...,52601000000".
    assert value(real, "ip_balance_ratio", "USA", "2023") == pytest.approx(148205 / 52601)
    # IP.PAT.RESD.csv "Japan,JPN,2021,222452", IP.PAT.NRES.csv "Japan,JPN,2021,66748".
    assert value(real, "nonresident_patent_share", "JPN", "2021") == pytest.approx(66748 / (222452 + 66748))
    # NY.GDP.MKTP.KD.ZG.csv "World,WLD,2024,2.90001340156714": aggregates are reporters.
    assert value(real, "gdp_growth", "WLD", "2024") == pytest.approx(2.90001340156714)
    assert {"WLD", "EUU", "EAS"} <= set(real["reporter"])
    assert set(real["indicator"]) == set(INDICATORS_BY_ID)
    assert set(real.loc[real["indicator"] == "rd_gap_to_china", "reporter"]) == {"USA", "JPN", "KOR"}
    assert np.isfinite(real["value"]).all()
