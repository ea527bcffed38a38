from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from econsec.schema import MINERALS_COLUMNS, validate_minerals
from econsec.store import bundled_snapshot_dir
from indicators import base, minerals
from indicators.minerals import (
    IMPORT_SOURCE_UNIT,
    INDICATORS,
    INDICATORS_BY_ID,
    compute,
    hhi_bounds,
    product_ids,
    world_total,
)

NIR = "Net import reliance as a percentage of apparent consumption"
PROD = "World mine production and reserves"

# ---------------------------------------------------------------------------------------------
# helpers


def mineral_rows(rows, **defaults) -> pd.DataFrame:
    """A valid MINERALS frame from dicts; value_raw defaults to the printed number, unit by measure."""
    base_ = dict(commodity="cobalt", period="2024") | defaults
    recs = []
    for r in rows:
        rec = base_ | dict(r)
        rec.setdefault("category", {"net_import_reliance": NIR, "import_source_share": "all"}.get(rec["measure"], PROD))
        rec.setdefault("unit", {"net_import_reliance": "% of apparent consumption",
                                "import_source_share": IMPORT_SOURCE_UNIT}.get(rec["measure"], "t"))
        v = rec.get("value", math.nan)
        rec["value"] = v
        rec.setdefault("value_raw", "W" if v is None or (isinstance(v, float) and math.isnan(v)) else f"{v:g}")
        recs.append(rec)
    df = pd.DataFrame.from_records(recs, columns=["commodity", "category", "country", "measure", "period", "value",
                                                  "unit", "value_raw"])
    for col in ("commodity", "category", "country", "measure", "period", "unit", "value_raw"):
        df[col] = df[col].astype("str")
    df["value"] = df["value"].astype("float64")
    df["estimated"] = False
    df["source"] = pd.Series("usgs", index=df.index, dtype="str")
    df["source_url"] = pd.Series("file:test.csv", index=df.index, dtype="str")
    df["retrieved_at"] = pd.Series(pd.Timestamp("2026-01-01", tz="UTC"), index=df.index, dtype="datetime64[us, UTC]")
    return validate_minerals(df[list(MINERALS_COLUMNS)])


def production(values: dict[str, float], **defaults) -> pd.DataFrame:
    return mineral_rows([dict(country=c, measure="production", value=v) for c, v in values.items()], **defaults)


def get(out: pd.DataFrame, indicator: str, **key: str) -> pd.Series:
    sel = out["indicator"] == indicator
    for k, v in key.items():
        sel &= out[k] == v
    return out.loc[sel, "value"]


def one(out: pd.DataFrame, indicator: str, **key: str) -> float:
    hit = get(out, indicator, **key)
    assert len(hit) == 1, f"{indicator} {key}: {len(hit)} rows"
    return float(hit.iloc[0])


@pytest.fixture(scope="module")
def real_minerals() -> pd.DataFrame:
    return pd.read_parquet(bundled_snapshot_dir() / "minerals.parquet")


@pytest.fixture(scope="module")
def real(real_minerals) -> pd.DataFrame:
    return compute({"minerals": real_minerals})


# ---------------------------------------------------------------------------------------------
# registry and contract


def test_registry_entries_are_complete():
    assert minerals.FAMILY == "Critical minerals (USGS)"
    for i in INDICATORS:
        assert i.family == minerals.FAMILY and i.unit and i.definition and "USGS" in i.source
    assert INDICATORS_BY_ID["us_import_source_share"].unit == IMPORT_SOURCE_UNIT
    assert "LOWER BOUND" in INDICATORS_BY_ID["world_production_hhi"].definition
    assert INDICATORS_BY_ID["world_production_share"].unit == "share 0–1"


@pytest.mark.parametrize("tables", [{}, {"minerals": None}, {"minerals": mineral_rows([])}])
def test_no_input_no_rows(tables):
    out = compute(tables)
    assert out.empty and list(out.columns) == base.VALUE_COLUMNS


# ---------------------------------------------------------------------------------------------
# net import reliance


def test_net_import_reliance_forms():
    rows = [dict(country="USA", measure="net_import_reliance", period=p, value=v, value_raw=raw)
            for p, v, raw in [("2021", 74.0, "74"), ("2022", 95.0, ">95"), ("2023", 25.0, "<25"),
                              ("2024", math.nan, "E"), ("2025", math.nan, "W")]]
    out = compute({"minerals": mineral_rows(rows)})
    key = dict(reporter="USA", product="cobalt", product_kind="commodity", flow="import")
    assert one(out, "net_import_reliance", period="2021", **key) == 74.0
    assert one(out, "net_import_reliance_bound", period="2021", **key) == 0.0
    assert one(out, "net_import_reliance", period="2022", **key) == 95.0
    assert one(out, "net_import_reliance_bound", period="2022", **key) == 1.0  # at least 95
    assert one(out, "net_import_reliance_bound", period="2023", **key) == -1.0  # at most 25
    assert [one(out, "us_net_exporter", period=p, **key) for p in ("2021", "2022", "2023", "2024")] == [0, 0, 0, 1]
    # "E" has no number and "W" nothing at all.
    assert get(out, "net_import_reliance", period="2024").empty
    assert (out["period"] != "2025").all()


# ---------------------------------------------------------------------------------------------
# import sources


def test_import_sources():
    rows = [dict(country=c, measure="import_source_share", value=v) for c, v in
            [("CHN", 71.0), ("MYS", 13.0), ("JPN", 5.0), ("EST", 5.0), ("QNE", 6.0)]]
    rows += [dict(commodity="cobalt", country=c, measure="import_source_share", value=v, category="Metal")
             for c, v in [("NOR", 26.0), ("QNE", 74.0)]]
    out = compute({"minerals": mineral_rows(rows, commodity="rare_earths")})
    shares = get(out, "us_import_source_share", product="rare_earths", reporter="USA", flow="import", period="2024")
    assert shares.tolist() == [71.0, 5.0, 5.0, 13.0]  # CHN EST JPN MYS as printed; the residual QNE left out
    assert set(out.loc[out["indicator"] == "us_import_source_share", "partner"]) == {"CHN", "MYS", "JPN", "EST", "NOR"}
    assert one(out, "us_import_source_china_share", product="rare_earths", partner="") == 71.0
    assert get(out, "us_import_source_china_share", product="cobalt").empty  # China not listed: unknown


def test_import_sources_with_another_unit_are_not_labelled_2021_24():
    rows = [dict(country="CHN", measure="import_source_share", value=50.0, unit="% of US imports, 2022–25")]
    assert compute({"minerals": mineral_rows(rows)}).empty


def test_product_ids_for_several_categories():
    rows = [dict(commodity="germanium", category=cat, country="BEL", measure="import_source_share", value=1.0)
            for cat in ("Combined total", "Germanium metal", "Germanium dioxide (Ge content)")]
    rows += [dict(commodity="rare_earths", category=f"{form}: {NIR}", country="USA", measure="net_import_reliance",
                  value=1.0) for form in ("compounds and metals", "mineral concentrates")]
    rows += [dict(commodity="nickel", category="Secondary", country="CAN", measure="import_source_share", value=1.0),
             dict(commodity="nickel", category="Primary nickel", country="CAN", measure="import_source_share",
                  value=1.0),
             dict(commodity="lithium", category="all", country="ARG", measure="import_source_share", value=1.0)]
    frame = mineral_rows(rows)
    assert product_ids(frame).tolist() == ["germanium", "germanium.metal", "germanium.dioxide", "rare_earths",
                                           "rare_earths.concentrates", "nickel.secondary", "nickel", "lithium"]


# ---------------------------------------------------------------------------------------------
# world production


def test_world_production_shares_by_hand():
    out = compute({"minerals": production({"WLD": 100.0, "CHN": 60.0, "AUS": 20.0, "QNE": 20.0})})
    key = dict(reporter="WLD", product="cobalt", product_kind="commodity", period="2024")
    assert one(out, "world_production_share", partner="CHN", **key) == pytest.approx(0.6)
    assert one(out, "world_production_share", partner="AUS", **key) == pytest.approx(0.2)
    assert get(out, "world_production_share", partner="QNE").empty  # the residual is never a producer
    assert one(out, "china_production_share", partner="", **key) == pytest.approx(0.6)
    assert one(out, "world_production_top_share", **key) == pytest.approx(0.6)
    assert one(out, "world_production_hhi", **key) == pytest.approx(0.6**2 + 0.2**2)  # 0.40, a lower bound
    assert one(out, "world_production_hhi_upper", **key) == pytest.approx(0.40 + 0.2**2)  # if QNE were one


def test_rounded_world_total_below_its_parts():
    # Gallium 2025 in MCS 2026: China 900,000 kg of a printed world 900,000, Russia 6,000, Japan 3,000.
    out = compute({"minerals": production({"WLD": 900.0, "CHN": 900.0, "RUS": 6.0, "JPN": 3.0, "QNE": 0.0})})
    assert one(out, "china_production_share") == pytest.approx(900 / 909)
    assert get(out, "world_production_share").sum() == pytest.approx(1.0)
    assert one(out, "world_production_hhi") <= 1.0
    assert world_total(900.0, np.array([900.0, 6.0, 3.0])) == 909.0


def test_unknown_values_and_bounded_totals():
    # A withheld producer: shares of the others, the lower bound, but no upper bound.
    out = compute({"minerals": production({"WLD": 100.0, "CHN": 50.0, "USA": math.nan, "AUS": 30.0})})
    assert get(out, "world_production_share", partner="USA").empty
    assert one(out, "world_production_hhi") == pytest.approx(0.25 + 0.09)
    assert get(out, "world_production_hhi_upper").empty
    # A world total printed as a bound: no shares at all.
    rows = [dict(country="WLD", measure="reserves", value=85.0, value_raw=">85"),
            dict(country="CHN", measure="reserves", value=44.0)]
    assert compute({"minerals": mineral_rows(rows, period="2025")}).empty
    # No World row: no total, no shares.
    assert compute({"minerals": production({"CHN": 50.0, "AUS": 30.0})}).empty
    # A group overlapping its members is neither a producer nor a part of the total.
    out = compute({"minerals": production({"WLD": 100.0, "CHN": 60.0, "EUU": 90.0})})
    assert set(out.loc[out["indicator"] == "world_production_share", "partner"]) == {"CHN"}
    assert one(out, "world_production_hhi_upper") == pytest.approx(0.36 + 0.16)


def test_reserves_have_shares_but_no_concentration():
    rows = [dict(country=c, measure="reserves", value=v) for c, v in [("WLD", 10.0), ("CHN", 4.0), ("AUS", 1.0)]]
    out = compute({"minerals": mineral_rows(rows, period="2025")})
    assert one(out, "world_reserves_share", partner="AUS") == pytest.approx(0.1)
    assert one(out, "china_reserves_share") == pytest.approx(0.4)
    assert set(out["indicator"]) == {"world_reserves_share", "china_reserves_share"}


#: Quantities: zero, or at least a millionth of a unit (subnormal floats are not data and underflow when scaled).
QUANTITY = st.one_of(st.just(0.0), st.floats(1e-6, 1e6))


@settings(max_examples=40, deadline=None)
@given(known=st.lists(QUANTITY, min_size=1, max_size=8),
       rest=st.lists(QUANTITY, min_size=0, max_size=6),
       k=st.floats(1e-3, 1e3))
def test_hhi_bounds_hold_for_every_split_of_the_residual(known, rest, k):
    """Whatever producers hide in the residual, the true HHI lies between the two bounds; top share is
    between HHI and its square root; the bounds ignore scale and row order."""
    total = sum(known) + sum(rest)
    if sum(known) <= 0:
        return
    lower, upper = hhi_bounds(np.array(known) / total)
    true = sum((v / total) ** 2 for v in known + rest)
    assert lower <= true * (1 + 1e-9) + 1e-12
    assert true <= upper * (1 + 1e-9) + 1e-12
    assert 0.0 <= lower <= upper <= 1.0 + 1e-12
    top = max(known) / total
    assert top**2 <= lower * (1 + 1e-9) + 1e-12 and lower <= top * (1 + 1e-9) + 1e-12
    scaled = hhi_bounds(np.array([v * k for v in reversed(known)]) / (total * k))
    assert scaled == pytest.approx((lower, upper), rel=1e-9, abs=1e-12)


def test_hhi_bounds_through_compute():
    values = {"WLD": 1000.0, "COD": 700.0, "IDN": 100.0, "RUS": 30.0, "QNE": 170.0}
    out = compute({"minerals": production(values)})
    lower = (0.7**2 + 0.1**2 + 0.03**2)
    assert one(out, "world_production_hhi") == pytest.approx(lower)
    assert one(out, "world_production_hhi_upper") == pytest.approx(lower + 0.17**2)
    shuffled = compute({"minerals": production(dict(reversed(list(values.items()))))})
    pd.testing.assert_frame_equal(out, shuffled)


# ---------------------------------------------------------------------------------------------
# real bundled snapshot (values checked by hand against the minerals rows / usgs_mcs CSVs)


def test_real_spot_values(real_minerals, real):
    # net_import_reliance_mcs2026.csv: cobalt 2024 "74".
    assert one(real, "net_import_reliance", product="cobalt", period="2024") == 74.0
    assert one(real, "net_import_reliance_bound", product="cobalt", period="2024") == 0.0
    # Rare-earth compounds and metals 2022 printed ">95"; concentrates printed "E" every year.
    assert one(real, "net_import_reliance", product="rare_earths", period="2022") == 95.0
    assert one(real, "net_import_reliance_bound", product="rare_earths", period="2022") == 1.0
    assert one(real, "us_net_exporter", product="rare_earths.concentrates", period="2024") == 1.0
    assert get(real, "net_import_reliance", product="rare_earths.concentrates").empty
    # Rare earths 2024 (t REO): China 270,000; listed countries sum to 383,000 and "Other countries" 1,000,
    # above the rounded world 380,000, so the denominator is 384,000. 2025: parts 389,310 < world 390,000.
    assert one(real, "china_production_share", product="rare_earths", period="2024") == pytest.approx(270 / 384)
    assert one(real, "china_production_share", product="rare_earths", period="2025") == pytest.approx(270 / 390)
    # Gallium 2024 (kg): China 839,000, Japan 3,000, Russia 6,000, world 848,000.
    assert one(real, "world_production_share", partner="CHN", product="gallium", period="2024") == pytest.approx(
        839 / 848)
    # Cobalt 2024: Congo (Kinshasa) 226,000 of 302,000 (parts 301,590) is the largest producer.
    assert one(real, "world_production_top_share", product="cobalt", period="2024") == pytest.approx(226 / 302)
    # US import sources 2021–24: rare-earth compounds and metals China 71%; cobalt lists no China.
    assert one(real, "us_import_source_china_share", product="rare_earths") == 71.0
    assert get(real, "us_import_source_china_share", product="cobalt").empty
    # Rare-earth world reserves are printed ">85,000,000": no reserve shares for rare earths.
    assert get(real, "world_reserves_share", product="rare_earths").empty
    # Lithium: US production withheld ("W"), so a lower HHI bound but no upper one.
    assert not get(real, "world_production_hhi", product="lithium", period="2024").empty
    assert get(real, "world_production_hhi_upper", product="lithium", period="2024").empty
    assert set(real["indicator"]) == set(INDICATORS_BY_ID)


def test_real_passthroughs_equal_the_source_rows(real_minerals, real):
    src = real_minerals[(real_minerals["measure"] == "net_import_reliance") & real_minerals["value"].notna()]
    src = src.assign(product=product_ids(src)).sort_values(["product", "period"])
    got = real[real["indicator"] == "net_import_reliance"].sort_values(["product", "period"])
    pd.testing.assert_series_equal(got["value"].reset_index(drop=True), src["value"].reset_index(drop=True),
                                   check_exact=True, check_names=False)
    src = real_minerals[(real_minerals["measure"] == "import_source_share") & (real_minerals["country"] != "QNE")]
    src = src.assign(product=product_ids(real_minerals)).sort_values(["product", "country"])
    got = real[real["indicator"] == "us_import_source_share"].sort_values(["product", "partner"])
    pd.testing.assert_series_equal(got["value"].reset_index(drop=True), src["value"].reset_index(drop=True),
                                   check_exact=True, check_names=False)
    assert got["partner"].tolist() == src["country"].tolist()
    # Shares of one commodity-year never sum above 1.
    shares = real[real["indicator"].isin(["world_production_share", "world_reserves_share"])]
    assert (shares.groupby(["indicator", "product", "period"])["value"].sum() <= 1 + 1e-12).all()
