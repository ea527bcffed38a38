from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from econsec.schema import TRADE_COLUMNS, WORLD, validate_customs, validate_fdi, validate_trade
from indicators import base, exposure
from indicators.exposure import ASEAN, ASEAN_CODE, INDICATORS, compute

_T = pd.Timestamp("2026-01-01", tz="UTC")
BLOC = base.BLOC


# ---------------------------------------------------------------------------------------------
# helpers: valid tidy frames from compact records


def _kind(partner: str) -> str:
    return {"WLD": "world", "EUU": "group", "EMU": "group", "QAS": "group", "QNE": "area"}.get(partner, "country")


def _finish(df: pd.DataFrame, text: list[str]) -> pd.DataFrame:
    for col in text:
        df[col] = df[col].astype("str")
    df["estimated"] = False
    df["source"] = pd.Series("test", index=df.index, dtype="str")
    df["source_url"] = pd.Series("file:test", index=df.index, dtype="str")
    df["retrieved_at"] = pd.Series(_T, index=df.index, dtype="datetime64[us, UTC]")
    return df


def trade(rows, reporter="VNM", period="2020", hs_code="TOTAL") -> pd.DataFrame:
    """TRADE frame from (partner, flow, value) or dicts overriding reporter/period/hs_code."""
    recs = []
    for r in rows:
        r = dict(zip(("partner", "flow", "value_usd"), r, strict=True)) if isinstance(r, tuple) else dict(r)
        rec = dict(reporter=reporter, period=period, hs_code=hs_code) | r
        rec.setdefault("partner_kind", _kind(rec["partner"]))
        recs.append(rec)
    df = pd.DataFrame.from_records(recs, columns=list(TRADE_COLUMNS[:7]))
    df["value_usd"] = df["value_usd"].astype("float64")
    df["net_weight_kg"] = pd.Series(np.nan, index=df.index, dtype="float64")
    df = _finish(df, ["reporter", "partner", "partner_kind", "flow", "hs_code", "period"])
    return validate_trade(df)


def customs(rows, reporter="JPN", currency="JPY") -> pd.DataFrame:
    """CUSTOMS frame from (partner, flow, goods, period, value) or dicts."""
    keys = ("partner", "flow", "goods", "period", "value")
    recs = []
    for r in rows:
        r = dict(zip(keys, r, strict=True)) if isinstance(r, tuple) else dict(r)
        rec = dict(reporter=reporter, currency=currency) | r
        rec.setdefault("partner_kind", _kind(rec["partner"]))
        recs.append(rec)
    df = pd.DataFrame.from_records(recs, columns=["reporter", "partner", "partner_kind", "flow", "goods", "period",
                                                  "value", "currency"])
    df["value"] = df["value"].astype("float64")
    return validate_customs(_finish(df, ["reporter", "partner", "partner_kind", "flow", "goods", "period",
                                         "currency"]))


def fdi(rows, reporter="IDN", direction="inward", measure="flow") -> pd.DataFrame:
    """FDI frame from (counterpart, period, value) or dicts."""
    recs = []
    for r in rows:
        r = dict(zip(("counterpart", "period", "value_usd"), r, strict=True)) if isinstance(r, tuple) else dict(r)
        rec = dict(reporter=reporter, direction=direction, measure=measure) | r
        rec.setdefault("counterpart_kind", _kind(rec["counterpart"]))
        recs.append(rec)
    df = pd.DataFrame.from_records(recs, columns=["reporter", "counterpart", "counterpart_kind", "direction",
                                                  "measure", "period", "value_usd"])
    df["value_usd"] = df["value_usd"].astype("float64")
    return validate_fdi(_finish(df, ["reporter", "counterpart", "counterpart_kind", "direction", "measure",
                                     "period"]))


def val(frame: pd.DataFrame, indicator: str, **key) -> float | None:
    """The one value of ``indicator`` at ``key`` (None when there is no row)."""
    sel = frame["indicator"] == indicator
    for col, v in key.items():
        sel &= frame[col] == v
    hits = frame.loc[sel, "value"]
    assert len(hits) <= 1, f"several values for {indicator} {key}"
    return None if hits.empty else float(hits.iloc[0])


def keys(frame: pd.DataFrame, indicator: str) -> set[tuple]:
    f = frame[frame["indicator"] == indicator]
    return set(zip(f["reporter"], f["partner"], f["flow"], f["period"], strict=True))


VNM_ROWS = [
    ("WLD", "export", 200.0), ("WLD", "import", 300.0),
    ("CHN", "export", 20.0), ("CHN", "import", 90.0),
    ("HKG", "export", 10.0), ("HKG", "import", 5.0),
    ("MAC", "export", 1.0), ("MAC", "import", 0.0),
    ("USA", "export", 60.0), ("USA", "import", 15.0),
    ("JPN", "export", 14.0), ("JPN", "import", 21.0),
    ("KOR", "export", 8.0), ("KOR", "import", 40.0),
    ("EUU", "export", 30.0), ("EUU", "import", 12.0),
    ("QNE", "export", 3.0), ("QNE", "import", 4.0),
]


# ---------------------------------------------------------------------------------------------
# china_trade_share / china_hk_mo_trade_share


def test_china_share_per_flow_and_trade():
    out = compute({"trade": trade(VNM_ROWS)})
    k = dict(reporter="VNM", partner="CHN", product="TOTAL", product_kind="total", period="2020")
    assert val(out, "china_trade_share", flow="export", **k) == pytest.approx(20 / 200)
    assert val(out, "china_trade_share", flow="import", **k) == pytest.approx(90 / 300)
    assert val(out, "china_trade_share", flow="trade", **k) == pytest.approx((20 + 90) / (200 + 300))
    # CHN + HKG + MAC; a MAC row of 0 is a known zero.
    assert val(out, "china_hk_mo_trade_share", flow="export", **k) == pytest.approx(31 / 200)
    assert val(out, "china_hk_mo_trade_share", flow="import", **k) == pytest.approx(95 / 300)
    assert val(out, "china_hk_mo_trade_share", flow="trade", **k) == pytest.approx(126 / 500)
    base.values(out)  # valid long rows, one value per key


def test_no_world_row_no_share():
    rows = [r for r in VNM_ROWS if not (r[0] == WORLD and r[1] == "import")]
    out = compute({"trade": trade(rows)})
    assert val(out, "china_trade_share", reporter="VNM", flow="export") == pytest.approx(0.1)
    assert val(out, "china_trade_share", reporter="VNM", flow="import") is None
    assert val(out, "china_trade_share", reporter="VNM", flow="trade") is None  # needs both World rows
    # and partner rows are never summed into a total
    out = compute({"trade": trade([r for r in VNM_ROWS if r[0] != WORLD])})
    assert out[out["indicator"].isin(["china_trade_share", "partner_trade_share"])].empty


def test_zero_world_gives_no_share():
    out = compute({"trade": trade([("WLD", "export", 0.0), ("CHN", "export", 0.0)])})
    assert val(out, "china_trade_share", flow="export") is None


def test_missing_china_row_is_unknown_not_zero():
    rows = [r for r in VNM_ROWS if not (r[0] == "CHN" and r[1] == "export")]
    out = compute({"trade": trade(rows)})
    assert val(out, "china_trade_share", reporter="VNM", flow="export") is None
    assert val(out, "china_trade_share", reporter="VNM", flow="import") == pytest.approx(0.3)
    assert val(out, "china_trade_share", reporter="VNM", flow="trade") is None


def test_hk_mo_variant_needs_all_three_rows():
    rows = [r for r in VNM_ROWS if r[0] != "MAC"]
    out = compute({"trade": trade(rows)})
    assert keys(out, "china_hk_mo_trade_share") == set()
    assert val(out, "china_trade_share", reporter="VNM", flow="trade") == pytest.approx(110 / 500)


def test_other_hs_codes_and_reexports_are_ignored():
    other = trade([("WLD", "export", 10.0), ("CHN", "export", 9.0)], hs_code="8542")
    reexp = trade([("WLD", "re-export", 10.0), ("CHN", "re-export", 9.0)])
    out = compute({"trade": pd.concat([trade(VNM_ROWS), other, reexp], ignore_index=True)})
    assert val(out, "china_trade_share", reporter="VNM", flow="export") == pytest.approx(0.1)
    assert set(out["flow"]) <= {"export", "import", "trade"}
    assert set(out["product"]) == {"TOTAL"}


def test_monthly_periods_stay_monthly():
    rows = [{"partner": p, "flow": f, "value_usd": v, "period": m}
            for m in ("2022-01", "2022-02") for p, f, v in VNM_ROWS]
    out = compute({"trade": trade(rows)})
    assert set(out["period"]) == {"2022-01", "2022-02"}
    assert val(out, "china_trade_share", flow="trade", period="2022-02") == pytest.approx(0.22)


# ---------------------------------------------------------------------------------------------
# Japan: trade table first, customs fills in


def _jp_customs() -> pd.DataFrame:
    return customs([
        ("WLD", "import", "Grand Total", "2020", 1000.0), ("CHN", "import", "Grand Total", "2020", 300.0),
        ("WLD", "export", "Grand Total", "2020", 800.0), ("CHN", "export", "Grand Total", "2020", 100.0),
        ("WLD", "import", "Grand Total", "2021", 2000.0), ("CHN", "import", "Grand Total", "2021", 500.0),
        ("WLD", "import", "Ore Of Nonferrous", "2021", 50.0), ("CHN", "import", "Ore Of Nonferrous", "2021", 1.0),
        ("EUU", "import", "Grand Total", "2021", 400.0), ("HKG", "import", "Grand Total", "2021", 10.0),
    ])


def test_japan_precedence_trade_table_then_customs():
    imf = trade([("WLD", "import", 900.0), ("CHN", "import", 200.0)], reporter="JPN", period="2020")
    out = compute({"trade": imf, "customs": _jp_customs()})
    k = dict(indicator="china_trade_share", reporter="JPN", product="TOTAL", product_kind="total")
    # 2020 import: both sources → the trade table (IMF) wins, one value only.
    assert val(out, flow="import", period="2020", **k) == pytest.approx(200 / 900)
    # 2020 export and trade: only customs can answer them (IMF has no export rows here).
    assert val(out, flow="export", period="2020", **k) == pytest.approx(100 / 800)
    # trade 2020 from customs (both flows present there); never mixed with IMF rows
    assert val(out, flow="trade", period="2020", **k) == pytest.approx(400 / 1800)
    # 2021: customs only
    assert val(out, flow="import", period="2021", **k) == pytest.approx(0.25)
    # goods category: product = the label, product_kind ""
    assert val(out, "china_trade_share", reporter="JPN", flow="import", period="2021",
               product="Ore Of Nonferrous", product_kind="") == pytest.approx(0.02)
    assert not out.duplicated(base.VALUE_KEY).any()
    # no Macao row in customs → no HK/MO variant from it
    assert keys(out, "china_hk_mo_trade_share") == set()


def test_customs_shares_never_mix_currencies():
    jpy = customs([("WLD", "import", "Grand Total", "2021", 1000.0)])
    usd = customs([("CHN", "import", "Grand Total", "2021", 5.0)], currency="USD")
    out = compute({"customs": pd.concat([jpy, usd], ignore_index=True)})
    assert out.empty


# ---------------------------------------------------------------------------------------------
# Southeast Asia: partner shares, QUJ, gap, ASEAN pooling


def test_partner_shares_bloc_and_gap():
    out = compute({"trade": trade(VNM_ROWS)})
    k = dict(reporter="VNM", product="TOTAL", period="2020")
    assert val(out, "partner_trade_share", partner="USA", flow="export", **k) == pytest.approx(60 / 200)
    assert val(out, "partner_trade_share", partner="KOR", flow="import", **k) == pytest.approx(40 / 300)
    assert val(out, "partner_trade_share", partner="EUU", flow="trade", **k) == pytest.approx(42 / 500)
    # QUJ = USA + JPN summed
    assert val(out, "partner_trade_share", partner=BLOC, flow="export", **k) == pytest.approx((60 + 14) / 200)
    assert val(out, "partner_trade_share", partner=BLOC, flow="trade", **k) == pytest.approx(110 / 500)
    # gap = CHN − QUJ, per flow
    assert val(out, "china_vs_alliance_gap", partner=BLOC, flow="export", **k) == pytest.approx(0.1 - 0.37)
    assert val(out, "china_vs_alliance_gap", partner=BLOC, flow="import", **k) == pytest.approx(0.3 - 0.12)
    assert val(out, "china_vs_alliance_gap", partner=BLOC, flow="trade", **k) == pytest.approx(0.0)
    # area residuals and HK/MO are not partners of this indicator
    assert set(out.loc[out["indicator"] == "partner_trade_share", "partner"]) == {"CHN", "USA", "JPN", BLOC,
                                                                                  "KOR", "EUU"}


def test_bloc_needs_both_members():
    rows = [r for r in VNM_ROWS if not (r[0] == "JPN" and r[1] == "export")]
    out = compute({"trade": trade(rows)})
    assert val(out, "partner_trade_share", partner=BLOC, flow="export") is None
    assert val(out, "partner_trade_share", partner="USA", flow="export") == pytest.approx(0.3)
    assert val(out, "china_vs_alliance_gap", flow="export") is None
    assert val(out, "china_vs_alliance_gap", flow="import") == pytest.approx(0.18)


def test_partner_shares_only_for_asean_members():
    out = compute({"trade": trade(VNM_ROWS, reporter="KOR")})
    assert keys(out, "partner_trade_share") == set()
    assert val(out, "china_trade_share", reporter="KOR", flow="export") == pytest.approx(0.1)


def _asean_rows(period="2020", skip=()):
    """Member i: World exports 100*(i+1), China exports 10*(i+1)+i, US 5, Japan 7; imports likewise."""
    rows = []
    for i, m in enumerate(ASEAN):
        for flow, w in (("export", 100.0 * (i + 1)), ("import", 50.0 * (i + 1))):
            for p, v in (("WLD", w), ("CHN", 10.0 * (i + 1) + i), ("USA", 5.0), ("JPN", 7.0)):
                if (m, p, flow) not in skip:
                    rows.append(dict(reporter=m, partner=p, flow=flow, value_usd=v, period=period))
    return rows


def test_asean_pooling_sums_all_ten_members():
    extra = [dict(reporter="CHN", partner=p, flow="export", value_usd=v) for p, v in (("WLD", 1e6), ("USA", 1e5))]
    out = compute({"trade": trade(_asean_rows() + extra)})
    n = np.arange(1, 11)
    world_x, world_m = (100 * n).sum(), (50 * n).sum()
    china = (10 * n + (n - 1)).sum()
    k = dict(reporter=ASEAN_CODE, product="TOTAL", product_kind="total", period="2020")
    assert val(out, "partner_trade_share", partner="CHN", flow="export", **k) == pytest.approx(china / world_x)
    assert val(out, "partner_trade_share", partner="CHN", flow="trade", **k) == pytest.approx(
        2 * china / (world_x + world_m))
    assert val(out, "partner_trade_share", partner=BLOC, flow="import", **k) == pytest.approx(120 / world_m)
    assert val(out, "china_vs_alliance_gap", partner=BLOC, flow="export", **k) == pytest.approx(
        (china - 120) / world_x)
    # China (a non-member) is not pooled: the CHN reporter's rows do not change the ASEAN total
    assert val(out, "china_trade_share", reporter=ASEAN_CODE, flow="export") is None  # not a china_* reporter


def test_asean_pooling_needs_every_member():
    # Laos has no World import row: no ASEAN import or trade share that year, exports still pooled.
    out = compute({"trade": trade(_asean_rows(skip={("LAO", "WLD", "import")}))})
    k = dict(reporter=ASEAN_CODE, partner="CHN")
    assert val(out, "partner_trade_share", flow="import", **k) is None
    assert val(out, "partner_trade_share", flow="trade", **k) is None
    assert val(out, "partner_trade_share", flow="export", **k) is not None
    # Brunei has no US export row: no ASEAN USA (nor QUJ, nor gap) export share; China's still there.
    out = compute({"trade": trade(_asean_rows(skip={("BRN", "USA", "export")}))})
    assert val(out, "partner_trade_share", flow="export", reporter=ASEAN_CODE, partner="USA") is None
    assert val(out, "partner_trade_share", flow="export", reporter=ASEAN_CODE, partner=BLOC) is None
    assert val(out, "china_vs_alliance_gap", flow="export", reporter=ASEAN_CODE) is None
    assert val(out, "partner_trade_share", flow="export", reporter=ASEAN_CODE, partner="CHN") is not None
    # a member missing altogether: no ASEAN rows at all
    rows = [r for r in _asean_rows() if r["reporter"] != "MMR"]
    out = compute({"trade": trade(rows)})
    assert ASEAN_CODE not in set(out["reporter"])
    assert "VNM" in set(out["reporter"])


# ---------------------------------------------------------------------------------------------
# FDI


def test_fdi_source_share_and_negative_totals():
    rows = [
        ("WLD", "2015", 100.0), ("CHN", "2015", 30.0), ("USA", "2015", -20.0), ("SGP", "2015", 150.0),
        ("QAS", "2015", 160.0), ("QNE", "2015", -60.0),
        ("WLD", "2016", -5.0), ("CHN", "2016", 30.0),  # negative total: skipped
        ("WLD", "2017", 0.0), ("CHN", "2017", 3.0),  # zero total: skipped
        ("CHN", "2018", 3.0),  # no World row: no share
    ]
    out = compute({"fdi": fdi(rows)})
    k = dict(indicator="fdi_source_share", reporter="IDN", flow="inward", product="", product_kind="")
    assert val(out, partner="CHN", period="2015", **k) == pytest.approx(0.3)
    assert val(out, partner="USA", period="2015", **k) == pytest.approx(-0.2)  # negative share kept
    assert val(out, partner="SGP", period="2015", **k) == pytest.approx(1.5)  # above 1 kept
    assert val(out, partner="QAS", period="2015", **k) == pytest.approx(1.6)  # a group row, on its own
    assert val(out, partner="QNE", period="2015", **k) is None  # residual not emitted
    assert set(out["period"]) == {"2015"}


def test_fdi_source_share_ignores_outward_and_positions():
    rows = fdi([("WLD", "2015", 100.0), ("CHN", "2015", 30.0)], reporter="USA", direction="outward")
    pos = fdi([("WLD", "2015", 100.0), ("CHN", "2015", 30.0)], measure="position")
    assert compute({"fdi": pd.concat([rows, pos], ignore_index=True)}).empty


def test_us_position_in_asean_sum_needs_all_members():
    rows = [(m, "2011", 10.0 * (i + 1)) for i, m in enumerate(ASEAN)]
    rows += [(m, "2012", 1.0) for m in ASEAN if m != "KHM"]  # Cambodia confidential in 2012
    rows += [("CHN", "2011", 999.0)]  # not ASEAN
    out = compute({"fdi": fdi(rows, reporter="USA", direction="outward", measure="position")})
    k = dict(indicator="us_fdi_position_in_asean", reporter="USA", flow="outward")
    assert val(out, partner=ASEAN_CODE, period="2011", **k) == pytest.approx(550.0)
    assert val(out, partner=ASEAN_CODE, period="2012", **k) is None
    assert val(out, partner="VNM", period="2011", **k) == pytest.approx(100.0)
    assert val(out, partner="IDN", period="2012", **k) == pytest.approx(1.0)
    assert val(out, partner="CHN", period="2011", **k) is None
    # outward flows are not positions
    flows = fdi([("VNM", "2011", 5.0)], reporter="USA", direction="outward", measure="flow")
    assert compute({"fdi": flows}).empty


# ---------------------------------------------------------------------------------------------
# absent / empty inputs, registry metadata


@pytest.mark.parametrize("tables", [{}, {"trade": trade([])}, {"customs": customs([])}, {"fdi": fdi([])},
                                    {"trade": trade([("WLD", "export", 1.0)], hs_code="8542")}])
def test_absent_or_irrelevant_tables_give_empty(tables):
    out = compute(tables)
    assert out.empty
    assert list(out.columns) == base.VALUE_COLUMNS


def test_indicator_metadata():
    ids = [i.id for i in INDICATORS]
    assert len(ids) == len(set(ids))
    assert all(i.family == exposure.FAMILY and i.definition and i.source for i in INDICATORS)
    assert all(i.better in ("lower", "higher", "") for i in INDICATORS)
    out = compute({"trade": trade(VNM_ROWS), "customs": _jp_customs(),
                   "fdi": fdi([("WLD", "2015", 100.0), ("CHN", "2015", 30.0)])})
    assert set(out["indicator"]) <= set(ids)


# ---------------------------------------------------------------------------------------------
# properties


_amount = st.floats(min_value=0.0, max_value=1e12, allow_nan=False)


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    parts=st.lists(st.tuples(_amount, _amount), min_size=6, max_size=6),
    extra=st.tuples(_amount, _amount),
    scale=st.floats(min_value=1e-3, max_value=1e3),
    seed=st.integers(0, 2**16),
)
def test_shares_bounded_and_invariant(parts, extra, scale, seed):
    partners = ["CHN", "HKG", "MAC", "USA", "JPN", "KOR"]
    rows = [(p, f, v) for p, vals in zip(partners, parts, strict=True) for f, v in zip(TRADE_FLOWS, vals,
                                                                                      strict=True)]
    # World = partners + an unallocated rest, so every partner share is in [0, 1].
    rows += [("WLD", f, sum(v[i] for v in parts) + extra[i]) for i, f in enumerate(TRADE_FLOWS)]
    out = compute({"trade": trade(rows)})
    assert ((out["value"] >= -1e-12) & (out["value"] <= 1 + 1e-12))[out["indicator"] != "china_vs_alliance_gap"].all()
    gap = out.loc[out["indicator"] == "china_vs_alliance_gap", "value"]
    assert ((gap >= -1 - 1e-12) & (gap <= 1 + 1e-12)).all()
    hk = out[out["indicator"] == "china_hk_mo_trade_share"].set_index("flow")["value"]
    cn = out[out["indicator"] == "china_trade_share"].set_index("flow")["value"]
    assert (hk.reindex(cn.index) >= cn - 1e-12).all()  # adding HKG/MAC never lowers the share
    # Row order and the unit of money do not matter.
    frame = trade(rows)
    shuffled = frame.sample(frac=1.0, random_state=seed).reset_index(drop=True)
    scaled = frame.assign(value_usd=frame["value_usd"] * scale)
    for other in (shuffled, scaled):
        got = compute({"trade": other})
        pd.testing.assert_frame_equal(got.drop(columns="value"), out.drop(columns="value"))
        np.testing.assert_allclose(got["value"], out["value"], rtol=1e-9, atol=1e-12)


TRADE_FLOWS = ("export", "import")


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.tuples(st.floats(1.0, 1e9), st.floats(0.0, 1.0)), min_size=10, max_size=10))
def test_pooled_share_is_between_member_shares(members):
    """The ASEAN share is a weighted mean of member shares, so it lies between their min and max."""
    rows = []
    for m, (world, frac) in zip(ASEAN, members, strict=True):
        rows += [dict(reporter=m, partner="WLD", flow="export", value_usd=world),
                 dict(reporter=m, partner="CHN", flow="export", value_usd=world * frac)]
    out = compute({"trade": trade(rows)})
    s = out[(out["indicator"] == "partner_trade_share") & (out["partner"] == "CHN")].set_index("reporter")["value"]
    members_s = s.drop(ASEAN_CODE)
    assert members_s.min() - 1e-9 <= s[ASEAN_CODE] <= members_s.max() + 1e-9


# ---------------------------------------------------------------------------------------------
# the bundled snapshot


@pytest.fixture(scope="module")
def real() -> pd.DataFrame:
    from econsec.store import bundled_snapshot_dir

    d = bundled_snapshot_dir()
    if not (d / "trade.parquet").exists():
        pytest.skip("no bundled snapshot")
    return compute({n: pd.read_parquet(d / f"{n}.parquet") for n in ("trade", "customs", "fdi")})


def test_real_viet_nam_2020(real):
    # IMF DOTS annual rows, reporter VNM, hs_code TOTAL, 2020 (US$):
    #   CHN export 49,094,894,832   CHN import 84,374,276,687
    #   WLD export 277,270,837,492  WLD import 258,784,442,782
    # trade share = (49,094,894,832 + 84,374,276,687) / (277,270,837,492 + 258,784,442,782)
    #             = 133,469,171,519 / 536,055,280,274 = 0.24898...
    k = dict(reporter="VNM", partner="CHN", product="TOTAL", period="2020")
    assert val(real, "china_trade_share", flow="trade", **k) == pytest.approx(133_469_171_519 / 536_055_280_274)
    assert val(real, "china_trade_share", flow="import", **k) == pytest.approx(84_374_276_687 / 258_784_442_782)
    assert val(real, "partner_trade_share", flow="trade", **k) == pytest.approx(0.248984, abs=1e-6)


def test_real_japan_imports_2024_from_customs(real):
    # Japan customs, goods "Grand Total", imports 2024 (yen): CHN 25,313,194,657,000 / WLD 112,715,960,939,000
    # = 0.22457... (22.5%); the IMF annual series ends in 2020, so customs is the only source that year.
    k = dict(reporter="JPN", partner="CHN", product="TOTAL", product_kind="total")
    assert val(real, "china_trade_share", flow="import", period="2024", **k) == pytest.approx(
        25_313_194_657_000 / 112_715_960_939_000)
    # 2020 comes from the IMF rows (precedence), and there is exactly one value per key.
    assert val(real, "china_trade_share", flow="import", period="2020", **k) == pytest.approx(0.2597, abs=1e-4)
    assert not real.duplicated(base.VALUE_KEY).any()
    jp = real[(real["indicator"] == "china_trade_share") & (real["reporter"] == "JPN") & (real["flow"] == "import")
              & (real["product"] == "TOTAL")]
    assert jp["period"].min() == "2000" and jp["period"].max() == "2025"


def test_real_fdi(real):
    # OECD US outward positions 2011 (US$ millions): BRN 99, IDN 12,046, KHM 37, LAO 0, MMR 1, MYS 11,627,
    # PHL 4,897, SGP 119,395, THA 11,840, VNM 964 → 160,906 million. 2013: Cambodia confidential → no sum.
    k = dict(indicator="us_fdi_position_in_asean", reporter="USA", partner=ASEAN_CODE)
    assert val(real, period="2011", **k) == pytest.approx(160_906e6)
    assert val(real, period="2013", **k) is None
    # Bank Indonesia 2016: Singapore 8,406.93 / World 3,920.68 (US$ millions) = 2.14 (the World total is
    # small after a negative residual), China 354.77 / 3,920.68 = 0.0905.
    k = dict(indicator="fdi_source_share", reporter="IDN", period="2016")
    assert val(real, partner="SGP", **k) == pytest.approx(8406.93 / 3920.68)
    assert val(real, partner="CHN", **k) == pytest.approx(354.77 / 3920.68)


def test_real_asean_pooled(real):
    pooled = real[(real["reporter"] == ASEAN_CODE) & (real["indicator"] == "partner_trade_share")]
    years = set(pooled.loc[pooled["period"].str.len() == 4, "period"])
    assert years == {str(y) for y in range(2000, 2021)}
    months = pooled.loc[pooled["period"].str.len() == 7, "period"]
    assert months.max() == "2022-12"  # ASEAN members' monthly data end there
