from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from econsec.schema import TRADE_COLUMNS, WORLD, empty_trade, validate_trade
from econsec.store import bundled_snapshot_dir
from indicators import base, screening
from indicators.screening import (
    HHI_CRITERION,
    INDICATORS,
    SCREEN_COLUMNS,
    above,
    compute,
    flagged_products,
    screen,
)
from indicators.thresholds import HHI_EC_DEPENDENCY

SNAPSHOT_TRADE = bundled_snapshot_dir() / "trade.parquet"


def trade(rows, **defaults) -> pd.DataFrame:
    """A valid TRADE frame from (partner, value) pairs or dicts; defaults USA import 850511 2024.

    partner_kind: WLD → world, XNA → area, else country. No World row is added: write it.
    """
    base_ = dict(reporter="USA", flow="import", hs_code="850511", period="2024") | defaults
    recs = []
    for r in rows:
        r = dict(zip(("partner", "value_usd"), r, strict=True)) if isinstance(r, tuple) else dict(r)
        rec = base_ | r
        rec.setdefault("partner_kind", "world" if rec["partner"] == WORLD else "area" if rec["partner"] == "XNA"
                       else "country")
        recs.append(rec)
    df = pd.DataFrame.from_records(recs, columns=list(TRADE_COLUMNS[:7]))
    for col in ("reporter", "partner", "partner_kind", "flow", "hs_code", "period"):
        df[col] = df[col].astype("str")
    df["value_usd"] = df["value_usd"].astype("float64")
    df["net_weight_kg"] = pd.Series(np.nan, index=df.index, dtype="float64")
    df["estimated"] = False
    df["source"] = pd.Series("test", index=df.index, dtype="str")
    df["source_url"] = pd.Series("file://tests", index=df.index, dtype="str")
    df["retrieved_at"] = pd.Series(pd.Timestamp("2026-01-01", tz="UTC"), index=df.index, dtype="datetime64[us, UTC]")
    return validate_trade(df)


def imports(suppliers: dict[str, float], world: float | None = None, **key) -> list[dict]:
    """Import rows from suppliers plus a World row (their sum unless given)."""
    rows = [dict(partner=p, value_usd=v, flow="import", **key) for p, v in suppliers.items()]
    total = sum(suppliers.values()) if world is None else world
    return [*rows, dict(partner=WORLD, value_usd=total, flow="import", **key)]


def exports(total: float, **key) -> list[dict]:
    return [dict(partner=WORLD, value_usd=total, flow="export", **key)]


def row(frame: pd.DataFrame, reporter: str = "USA", product: str = "850511", period: str = "2024") -> dict:
    sel = frame[(frame["reporter"] == reporter) & (frame["product"] == product) & (frame["period"] == period)]
    assert len(sel) == 1, sel
    return sel.iloc[0].to_dict()


def long(values: pd.DataFrame, **key) -> dict[str, float]:
    sel = values
    for k, v in key.items():
        sel = sel[sel[k] == v]
    return dict(zip(sel["indicator"], sel["value"], strict=True))


# ---------------------------------------------------------------------------------------------
# Hand-computed criteria


def test_flagged_on_two_known_criteria():
    # CHN 60, KOR 20, DEU 20 of 100: HHI .36 + .04 + .04 = .44 > .4; exports 50: ratio 2 > 1.
    t = trade(imports({"CHN": 60, "KOR": 20, "DEU": 20}) + exports(50))
    r = row(screen(t))
    assert r["hhi"] == pytest.approx(0.44)
    assert r["hhi_criterion"] == 1.0
    assert r["import_export_ratio"] == pytest.approx(2.0)
    assert r["substitutability_criterion"] == 1.0
    assert r["import_reliance"] == pytest.approx(100 / 150)  # shown, not counted for one economy
    assert math.isnan(r["reliance_criterion"])
    assert r["criteria_known"] == 2.0
    assert r["flagged"] == 1.0


def test_not_flagged_when_exports_exceed_imports():
    t = trade(imports({"CHN": 60, "KOR": 20, "DEU": 20}) + exports(200))
    r = row(screen(t))
    assert r["hhi_criterion"] == 1.0
    assert r["import_export_ratio"] == pytest.approx(0.5)
    assert r["substitutability_criterion"] == 0.0
    assert (r["criteria_known"], r["flagged"]) == (2.0, 0.0)


def test_not_flagged_when_diversified():
    # Four suppliers of 25: HHI .25.
    t = trade(imports({"CHN": 25, "KOR": 25, "DEU": 25, "JPN": 25}))
    r = row(screen(t))
    assert r["hhi"] == pytest.approx(0.25)
    assert (r["hhi_criterion"], r["criteria_known"], r["flagged"]) == (0.0, 1.0, 0.0)


def test_exports_unknown_leaves_criterion_unknown_and_flag_on_one():
    t = trade(imports({"CHN": 90, "KOR": 10}))
    r = row(screen(t))
    assert math.isnan(r["exports_usd"]) and math.isnan(r["import_export_ratio"])
    assert math.isnan(r["import_reliance"]) and math.isnan(r["substitutability_criterion"])
    assert (r["criteria_known"], r["flagged"]) == (1.0, 1.0)
    v = long(compute({"trade": t}))
    assert v == {"screen_hhi": pytest.approx(0.82), "screen_hhi_criterion": 1.0, "screen_criteria_known": 1.0,
                 "screen_flagged": 1.0}


def test_hhi_unknown_gives_no_flag():
    # Only World and China (the Quad extract): breakdown incomplete, so no HHI and no flag; the
    # export criterion is still known.
    t = trade(imports({"CHN": 60}, world=100) + exports(20))
    r = row(screen(t))
    assert math.isnan(r["hhi"]) and math.isnan(r["flagged"])
    assert (r["substitutability_criterion"], r["criteria_known"]) == (1.0, 1.0)
    v = long(compute({"trade": t}))
    assert "screen_flagged" not in v and v["screen_criteria_known"] == 1.0


def test_zero_exports_hold_the_criterion_without_a_ratio():
    t = trade(imports({"CHN": 90, "KOR": 10}) + exports(0))
    r = row(screen(t))
    assert r["substitutability_criterion"] == 1.0 and math.isnan(r["import_export_ratio"])
    assert r["import_reliance"] == 1.0


def test_monthly_exports_never_meet_annual_imports():
    t = trade(imports({"CHN": 90, "KOR": 10}) + exports(500, period="2024-01"))
    r = row(screen(t))
    assert math.isnan(r["substitutability_criterion"]) and r["criteria_known"] == 1.0


def test_hhi_exactly_at_threshold_does_not_flag_strictly_above_does():
    assert HHI_CRITERION == HHI_EC_DEPENDENCY.value == 0.4
    # 60, 10, 10, 10, 10: HHI .36 + 4 x .01 = .40 exactly (up to rounding).
    at = trade(imports({"CHN": 60, "KOR": 10, "DEU": 10, "JPN": 10, "VNM": 10}))
    r = row(screen(at))
    assert r["hhi"] == pytest.approx(0.4, abs=1e-15)
    assert (r["hhi_criterion"], r["flagged"]) == (0.0, 0.0)
    # 61, 9, 10, 10, 10: .3721 + .0081 + .03 = .4102.
    over = trade(imports({"CHN": 61, "KOR": 9, "DEU": 10, "JPN": 10, "VNM": 10}))
    r = row(screen(over))
    assert r["hhi"] == pytest.approx(0.4102)
    assert (r["hhi_criterion"], r["flagged"]) == (1.0, 1.0)


def test_above_is_strict_and_ignores_rounding():
    assert above(np.array([0.4, np.nextafter(0.4, 1), 0.40001, 0.39, np.nan]), 0.4).tolist()[:4] == [0, 0, 1, 0]
    assert math.isnan(above(np.array([np.nan]), 0.4)[0])
    assert above(np.array([np.inf]), 1.0).tolist() == [1.0]


def test_heading_rebuilt_from_all_subheadings_against_heading_exports():
    # US imports at 6 digits (every subheading of 8542), exports at 4 digits.
    rows = []
    for code, (chn, kor) in {"854231": (30, 10), "854232": (5, 5), "854233": (1, 1), "854239": (20, 20),
                             "854290": (4, 4)}.items():
        rows += imports({"TWN": chn, "KOR": kor}, hs_code=code)
    t = trade(rows + exports(50, hs_code="8542"))
    r = row(screen(t), product="8542")
    # TWN 60, KOR 40 of 100: HHI .52; ratio 100 / 50 = 2.
    assert r["imports_usd"] == 100 and r["hhi"] == pytest.approx(0.52)
    assert r["import_export_ratio"] == pytest.approx(2.0)
    assert (r["criteria_known"], r["flagged"]) == (2.0, 1.0)
    # A missing subheading means no rebuilt heading (its total would be short).
    partial = trade([r_ for r_ in rows if r_["hs_code"] != "854290"] + exports(50, hs_code="8542"))
    assert "8542" not in set(screen(partial)["product"])


def test_direct_heading_is_not_replaced():
    rows = []
    for code in screening.HEADINGS["8542"]:
        rows += imports({"TWN": 10}, hs_code=code)
    rows += imports({"KOR": 7, "TWN": 3}, hs_code="8542")
    r = row(screen(trade(rows)), product="8542")
    assert r["imports_usd"] == 10 and r["hhi"] == pytest.approx(0.58)


def test_bloc_pools_extra_bloc_trade():
    # USA imports: CHN 60, KOR 20, JPN 20 (World 100); JPN imports: CHN 30, USA 10 (World 40).
    # Extra-bloc imports: CHN 90, KOR 20 = 110 of total 140: reliance 110/140 = .7857 > .5.
    # Extra-bloc HHI: (90/110)^2 + (20/110)^2 = .7025. Exports: USA 30 + JPN 25 = 55: ratio 2.
    rows = imports({"CHN": 60, "KOR": 20, "JPN": 20}) + imports({"CHN": 30, "USA": 10}, reporter="JPN")
    rows += exports(30) + exports(25, reporter="JPN")
    r = row(screen(trade(rows)), reporter=base.BLOC)
    assert r["imports_usd"] == 110 and r["exports_usd"] == 55
    assert r["hhi"] == pytest.approx((90 / 110) ** 2 + (20 / 110) ** 2)
    assert r["import_reliance"] == pytest.approx(110 / 140)
    assert r["reliance_criterion"] == 1.0
    assert r["import_export_ratio"] == pytest.approx(2.0)
    assert (r["criteria_known"], r["flagged"]) == (3.0, 1.0)


def test_bloc_needs_both_members_and_known_intra_trade():
    only_us = trade(imports({"CHN": 60, "KOR": 40}))
    assert base.BLOC not in set(screen(only_us)["reporter"])
    # JPN's breakdown is partial (World 100, CHN 50) and has no USA row: intra-bloc trade unknown.
    rows = imports({"CHN": 60, "KOR": 40}) + imports({"CHN": 50}, world=100, reporter="JPN")
    assert base.BLOC not in set(screen(trade(rows))["reporter"])


def test_total_is_not_a_product_and_empty_inputs():
    t = trade(imports({"CHN": 90, "KOR": 10}, hs_code="TOTAL"))
    assert screen(t).empty and compute({"trade": t}).empty
    assert compute({}).empty and compute({"trade": empty_trade()}).empty
    assert list(screen(empty_trade()).columns) == SCREEN_COLUMNS


def test_compute_long_format_and_registry_ids():
    t = trade(imports({"CHN": 60, "KOR": 20, "DEU": 20}) + exports(50))
    v = compute({"trade": t})
    assert list(v.columns) == base.VALUE_COLUMNS
    assert set(v["indicator"]) <= {i.id for i in INDICATORS}
    assert set(v["flow"]) == {"import"} and set(v["product_kind"]) == {"hs"} and set(v["partner"]) == {""}
    assert all(i.family == screening.FAMILY for i in INDICATORS)


def test_flagged_products_lists_flagged_only():
    rows = imports({"CHN": 60, "KOR": 20, "DEU": 20}) + exports(50)  # flagged on 2 of 3
    rows += imports({"CHN": 25, "KOR": 25, "DEU": 25, "JPN": 25}, hs_code="854231")  # not flagged
    rows += imports({"CHN": 95, "KOR": 5}, hs_code="280530")  # flagged on 1 of 3
    v = compute({"trade": trade(rows)})
    f = flagged_products(v, "USA", "2024")
    assert f["product"].tolist() == ["280530", "850511"]  # largest HHI first
    assert f["criteria_known"].tolist() == [1.0, 2.0]
    assert math.isnan(f.loc[0, "import_export_ratio"]) and f.loc[1, "import_export_ratio"] == pytest.approx(2.0)
    assert flagged_products(v, "USA", "1999").empty
    assert flagged_products(v, "JPN", "2024").empty


# ---------------------------------------------------------------------------------------------
# Properties


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    values=st.lists(st.floats(1.0, 1e9), min_size=1, max_size=8),
    exports_=st.one_of(st.just(0.0), st.floats(1e-300, 1e10, allow_subnormal=False)),
    scale=st.floats(1e-3, 1e3),
)
def test_criteria_invariant_to_scaling_and_row_order(values, exports_, scale):
    suppliers = {p: v for p, v in zip(["CHN", "KOR", "DEU", "JPN", "VNM", "TWN", "MYS", "THA"], values, strict=False)}
    rows = imports(suppliers) + exports(exports_)
    a = row(screen(trade(rows)))
    scaled = [r | dict(value_usd=r["value_usd"] * scale) for r in reversed(rows)]
    b = row(screen(trade(scaled)))
    assert 0 < a["hhi"] <= 1 + 1e-12
    for c in ("hhi_criterion", "flagged", "criteria_known"):
        assert a[c] == b[c] or (math.isnan(a[c]) and math.isnan(b[c]))
    assert a["hhi"] == pytest.approx(b["hhi"], rel=1e-9)


# ---------------------------------------------------------------------------------------------
# The bundled snapshot


@pytest.fixture(scope="module")
def real_trade() -> pd.DataFrame:
    if not SNAPSHOT_TRADE.exists():
        pytest.skip("no bundled snapshot")
    return pd.read_parquet(SNAPSHOT_TRADE)


def test_real_snapshot_spot_values(real_trade):
    s = screen(real_trade)
    # US imports of rare-earth metals (280530) in 2024: HHI from the raw supplier rows, by hand:
    # sum of squared (country value / World row); World = 4,695,777 (CHN 3,672,400 alone is 78%).
    raw = real_trade[(real_trade["reporter"] == "USA") & (real_trade["hs_code"] == "280530")
                     & (real_trade["period"] == "2024") & (real_trade["flow"] == "import")]
    world = raw.loc[raw["partner_kind"] == "world", "value_usd"].item()
    assert world == 4_695_777.0
    by_hand = float(((raw.loc[raw["partner_kind"] == "country", "value_usd"] / world) ** 2).sum())
    r = row(s, product="280530")
    assert r["hhi"] == pytest.approx(by_hand) and by_hand == pytest.approx(0.628021, abs=1e-6)
    assert (r["flagged"], r["criteria_known"]) == (1.0, 1.0)  # no US exports of 280530 in the table
    # US 8542 in 2023: imports 854231..854290 World rows 20,283.58 + 2,032.40 + 801.73 + 12,660.95 + 284.16
    # = 36,062.82 $m; exports (Comtrade 8542 to World) 43,556.98 $m: ratio 0.828 → not flagged.
    r = row(s, product="8542", period="2023")
    assert r["imports_usd"] == pytest.approx(36_062.82e6, rel=1e-6)
    assert r["exports_usd"] == pytest.approx(43_556.98e6, rel=1e-6)
    assert r["import_export_ratio"] == pytest.approx(0.82795, abs=1e-5)
    assert (r["substitutability_criterion"], r["hhi_criterion"], r["flagged"]) == (0.0, 0.0, 0.0)
    # The Quad's World + China extracts have no supplier breakdown: nothing is flagged for them.
    v = compute({"trade": real_trade})
    assert set(v["reporter"]) == {"USA"}
    assert set(flagged_products(v, "USA", "2024")["product"]) == {"280530", "284610", "284690", "850511"}
