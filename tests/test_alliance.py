from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from econsec.schema import WORLD, validate_trade
from econsec.store import bundled_snapshot_dir
from indicators import alliance, base, registry
from indicators.alliance import INDICATORS, bloc, compute, us_japan_trade_share
from tests.test_partner_groups import trade

BLOC_IDS = {"bloc_china_share", "bloc_intra_share", "bloc_hhi", "extra_alliance_dependence"}


def value(frame: pd.DataFrame, indicator: str, **key) -> float | None:
    key = dict(reporter=base.BLOC, flow="import", product="TOTAL", period="2019") | key
    sel = frame["indicator"] == indicator
    for col, v in key.items():
        sel &= frame[col] == v
    rows = frame[sel]
    assert len(rows) <= 1
    return None if rows.empty else float(rows["value"].iloc[0])


def both(us_rows, jp_rows, **defaults) -> pd.DataFrame:
    return validate_trade(pd.concat([trade(us_rows, reporter="USA", **defaults),
                                     trade(jp_rows, reporter="JPN", **defaults)], ignore_index=True))


def test_bloc_pooling_and_intra_bloc_removal_hand_computed():
    # US imports: JPN 10, CHN 30, DEU 40, RUS 20 (World 100); Japan's: USA 20, CHN 50, AUS 30 (World 100).
    t = both([("JPN", 10), ("CHN", 30), ("DEU", 40), ("RUS", 20)], [("USA", 20), ("CHN", 50), ("AUS", 30)])
    out = bloc(t)
    # Bloc imports 200; intra-bloc 10 + 20 = 30; extra-bloc 170.
    assert value(out, "bloc_china_share") == pytest.approx(80 / 200)
    assert value(out, "bloc_intra_share") == pytest.approx(30 / 200)
    # Extra-bloc suppliers: CHN 80, DEU 40, AUS 30, RUS 20 → (80² + 40² + 30² + 20²) / 170² = 9300 / 28900.
    assert value(out, "bloc_hhi") == pytest.approx(9300 / 28900)
    # Adversaries outside the bloc: CHN 80 + RUS 20 of 170.
    assert value(out, "extra_alliance_dependence") == pytest.approx(100 / 170)
    assert set(out["reporter"]) == {base.BLOC} and set(out["partner"]) == {""}
    assert set(out["product_kind"]) == {"total"}


def test_world_and_china_only_gives_just_the_china_share_of_total_bloc_imports():
    # The Quad extract: World and China rows only; intra-bloc trade unknown, so not taken out.
    t = both([(WORLD, 100), ("CHN", 60)], [(WORLD, 50), ("CHN", 10)], hs_code="2504")
    out = bloc(t)
    assert value(out, "bloc_china_share", product="2504") == pytest.approx(70 / 150)
    assert value(out, "bloc_china_share", product="graphite") == pytest.approx(70 / 150)
    assert set(out["indicator"]) == {"bloc_china_share"}


def test_china_share_needs_china_on_both_sides():
    # Japan: World and Korea only (partial, no China row): China's share is unknown.
    t = both([(WORLD, 100), ("CHN", 60)], [(WORLD, 50), ("KOR", 10)], hs_code="2504")
    assert bloc(t).empty
    # A complete breakdown without China: China counts 0.
    t2 = both([(WORLD, 100), ("CHN", 60)], [("KOR", 50)], hs_code="2504")
    assert value(bloc(t2), "bloc_china_share", product="2504") == pytest.approx(60 / 150)


def test_one_side_alone_is_not_the_bloc():
    assert bloc(trade([("JPN", 10), ("CHN", 90)], reporter="USA")).empty
    # Different periods on each side do not pool.
    t = validate_trade(pd.concat([trade([("CHN", 1)], reporter="USA", period="2019"),
                                  trade([("CHN", 1)], reporter="JPN", period="2020")], ignore_index=True))
    assert bloc(t).empty


def test_partial_breakdown_on_one_side_gives_no_hhi():
    t = both([("JPN", 10), ("CHN", 90)], [(WORLD, 100), ("USA", 20), ("CHN", 50)])
    out = bloc(t)
    assert set(out["indicator"]) == {"bloc_china_share"}
    assert value(out, "bloc_china_share") == pytest.approx(140 / 200)


def test_us_japan_trade_share_hand_computed():
    t = validate_trade(pd.concat([
        trade([("JPN", 10), ("CHN", 90)], reporter="USA", flow="import"),
        trade([("JPN", 10), ("CAN", 30)], reporter="USA", flow="export"),
        trade([("USA", 5), ("CHN", 15)], reporter="JPN", flow="import"),  # no Japanese export rows
    ], ignore_index=True))
    out = us_japan_trade_share(t)
    key = dict(reporter="USA", partner="JPN", flow="import", product="TOTAL")
    assert value(out, "us_japan_trade_share", **key) == pytest.approx(0.1)
    assert value(out, "us_japan_trade_share", **(key | {"flow": "export"})) == pytest.approx(0.25)
    assert value(out, "us_japan_trade_share", **(key | {"flow": "trade"})) == pytest.approx(20 / 140)
    jp = dict(reporter="JPN", partner="USA", product="TOTAL")
    assert value(out, "us_japan_trade_share", flow="import", **jp) == pytest.approx(0.25)
    assert value(out, "us_japan_trade_share", flow="trade", **jp) is None  # exports unknown


def test_compute_copes_with_missing_tables():
    assert compute({}).equals(base.empty())
    assert compute({"trade": trade([])}).empty
    assert {i.id for i in INDICATORS} == BLOC_IDS | {"us_japan_trade_share"}
    assert alliance.FAMILY and all(i.family == alliance.FAMILY for i in INDICATORS)


_SUPPLIERS = ["CHN", "DEU", "KOR", "RUS", "AUS"]


_value = st.floats(min_value=0.0, max_value=1e11)
#: Several independent cases per example (one period each): one call checks them all, keeping the test fast.
_cases = st.lists(st.tuples(st.lists(_value, min_size=6, max_size=6), st.lists(_value, min_size=6, max_size=6)),
                  min_size=1, max_size=8)


@settings(max_examples=5, deadline=None)
@given(cases=_cases, scale=st.floats(min_value=1e-3, max_value=1e3))
def test_bloc_bounds_and_scale_invariance(cases, scale):
    def frame(k: float) -> pd.DataFrame:
        rows = []
        for i, (us, jp) in enumerate(cases):
            for reporter, partners, values in (("USA", ["JPN", *_SUPPLIERS], us), ("JPN", ["USA", *_SUPPLIERS], jp)):
                rows += [dict(reporter=reporter, partner=p, value_usd=v * k, period=str(2000 + i))
                         for p, v in zip(partners, values, strict=True)]
        return trade(rows)

    out = bloc(frame(1.0), groups=())
    assert out["value"].between(0, 1 + 1e-12).all()
    scaled = bloc(frame(scale), groups=())
    merged = out.merge(scaled, on=base.VALUE_KEY, suffixes=("", "_s"))
    assert len(merged) == len(out) == len(scaled)
    assert np.allclose(merged["value"], merged["value_s"], rtol=1e-9, atol=1e-12)
    # A period where both sides import something gets the China and intra-bloc shares; the HHI and
    # the adversary share also need some extra-bloc imports.
    # (Extra-bloc imports within rounding of zero, relative to the bloc total, count as none.)
    for i, (us, jp) in enumerate(cases):
        n = len(out[out["period"] == str(2000 + i)])
        extra, total = sum(us[1:]) + sum(jp[1:]), sum(us) + sum(jp)
        if sum(us) == 0 or sum(jp) == 0:
            assert n == 0
        elif extra == 0:
            assert n == 2
        elif extra > 1e-6 * total:
            assert n == 4


@pytest.fixture(scope="module")
def real() -> pd.DataFrame:
    return compute({"trade": pd.read_parquet(bundled_snapshot_dir() / "trade.parquet")})


def test_real_bloc_values(real):
    # IMF DOTS imports 2019 (US$ bn): USA World 2,498.402, CHN 452.243; JPN World 720.803, CHN 169.233.
    # (452.243 + 169.233) / (2,498.402 + 720.803) = 621.476 / 3,219.205 = 0.19305.
    assert value(real, "bloc_china_share") == pytest.approx(0.193053, abs=1e-6)
    # Intra-bloc: US imports from Japan 143.636 + Japan's from the US 81.246 = 224.882 / 3,219.205 = 0.06986.
    assert value(real, "bloc_intra_share") == pytest.approx(0.069857, abs=1e-6)
    # Comtrade (Quad extract) HS 2504, 2019 (US$ m): USA World 59.715, CHN 24.362; JPN World 102.664,
    # CHN 95.220 → 119.582 / 162.379 = 0.73644.
    assert value(real, "bloc_china_share", product="2504") == pytest.approx(0.736437, abs=1e-6)
    assert value(real, "bloc_hhi", product="2504") is None
    # Full bloc computations only on IMF TOTAL, 2000–2020.
    full = real[real["indicator"].isin(["bloc_hhi", "extra_alliance_dependence", "bloc_intra_share"])]
    assert set(full["product"]) == {"TOTAL"} and full["period"].min() == "2000" and full["period"].max() == "2020"
    # China dominates the adversary set: dependence above the China share of TOTAL bloc imports.
    assert value(real, "extra_alliance_dependence") > value(real, "bloc_china_share")


def test_real_us_japan_trade_share(real):
    # USA 2019: exports to JPN 74.653 + imports from JPN 143.636 = 218.289; World 1,641.118 + 2,498.402
    # = 4,139.520 → 0.05273.
    key = dict(reporter="USA", partner="JPN", flow="trade", product="TOTAL", period="2019")
    assert value(real, "us_japan_trade_share", **key) == pytest.approx(0.052733, abs=1e-6)
    # JPN 2019: (140.394 + 81.246) / (705.632 + 720.803) = 221.640 / 1,426.435 = 0.15538.
    key = dict(reporter="JPN", partner="USA", flow="trade", product="TOTAL", period="2019")
    assert value(real, "us_japan_trade_share", **key) == pytest.approx(0.155380, abs=1e-6)
    assert base.values(real).equals(real)


def test_registry_runs_the_family():
    assert "bloc_hhi" in registry.all_indicators()
