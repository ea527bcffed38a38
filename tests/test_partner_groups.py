from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from econsec.schema import TRADE_COLUMNS, WORLD, validate_trade
from econsec.store import bundled_snapshot_dir
from indicators import base, registry
from indicators.partner_groups import (
    BASELINE_YEAR,
    CPTPP,
    GROUPS_BY_ID,
    INDICATORS,
    PARTNER_GROUPS,
    Membership,
    PartnerGroup,
    compute,
    friend_shares,
    members_in,
)
from indicators.products import ProductGroup

AREA = "XNA"  # a residual like "Areas, nes" (partner_kind "area")


def trade(rows, world: str | None = "sum", **defaults) -> pd.DataFrame:
    """A valid TRADE frame from dicts or (partner, value) pairs. Defaults: USA import TOTAL 2019.

    Unless ``world=None`` or the rows carry one, a World row equal to the sum of the country and
    area rows of each (reporter, flow, hs_code, period) is added, as with a complete breakdown.
    """
    base_rec = dict(reporter="USA", flow="import", hs_code="TOTAL", period="2019") | defaults
    recs = []
    for r in rows:
        r = dict(zip(("partner", "value_usd"), r, strict=True)) if isinstance(r, tuple) else dict(r)
        rec = base_rec | r
        rec.setdefault("partner_kind", "world" if rec["partner"] == WORLD else "area" if rec["partner"] == AREA
                       else "country")
        recs.append(rec)
    if world == "sum":
        totals: dict[tuple, float] = {}
        has_world = {(r["reporter"], r["flow"], r["hs_code"], r["period"]) for r in recs if r["partner"] == WORLD}
        for r in recs:
            k = (r["reporter"], r["flow"], r["hs_code"], r["period"])
            if r["partner_kind"] in ("country", "area") and k not in has_world:
                totals[k] = totals.get(k, 0.0) + float(r["value_usd"])
        for (reporter, flow, hs_code, period), total in totals.items():
            recs.append(dict(reporter=reporter, flow=flow, hs_code=hs_code, period=period, partner=WORLD,
                             partner_kind="world", value_usd=total))
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


def value(frame: pd.DataFrame, indicator: str = "friend_share", **key) -> float | None:
    key = dict(reporter="USA", flow="import", product="TOTAL", period="2019") | key
    sel = frame["indicator"] == indicator
    for col, v in key.items():
        sel &= frame[col] == v
    rows = frame[sel]
    assert len(rows) <= 1
    return None if rows.empty else float(rows["value"].iloc[0])


# ---------------------------------------------------------------------------------------------
# Dated membership


def test_cptpp_membership_before_and_after_accession():
    assert members_in(CPTPP, 2017) == frozenset()
    # In force 30 Dec 2018: counted for 2018 (state on 31 December).
    assert members_in(CPTPP, 2018) == {"AUS", "CAN", "JPN", "MEX", "NZL", "SGP"}
    assert "VNM" not in members_in(CPTPP, 2018) and "VNM" in members_in(CPTPP, 2019)
    assert "PER" not in members_in(CPTPP, 2020) and "PER" in members_in(CPTPP, 2021)
    assert "GBR" not in members_in(CPTPP, 2023) and "GBR" in members_in(CPTPP, 2024)
    assert len(members_in(CPTPP, 2024)) == 12


def test_other_groups_dates():
    assert len(members_in(GROUPS_BY_ID["ipef"], 2022)) == 14 and not members_in(GROUPS_BY_ID["ipef"], 2021)
    assert members_in(GROUPS_BY_ID["g7"], 2000) == {"CAN", "FRA", "DEU", "ITA", "JPN", "GBR", "USA"}
    assert len(members_in(GROUPS_BY_ID["asean"], 2020)) == 10
    assert members_in(GROUPS_BY_ID["us_fta"], 2011) == members_in(GROUPS_BY_ID["us_fta"], 2012) - {"KOR", "COL", "PAN"}
    assert len(members_in(GROUPS_BY_ID["us_fta"], 2020)) == 20
    assert "JPN" not in members_in(GROUPS_BY_ID["us_fta_plus_japan"], 2022)
    assert members_in(GROUPS_BY_ID["us_fta_plus_japan"], 2023) == members_in(GROUPS_BY_ID["us_fta"], 2023) | {"JPN"}
    assert members_in(GROUPS_BY_ID["adversary"], 1990) == {"CHN", "RUS", "IRN", "PRK"}
    # The analytical fixed-IPEF set: the 2022 partners in every year.
    assert members_in(GROUPS_BY_ID["ipef_fixed"], 2015) == members_in(GROUPS_BY_ID["ipef"], 2022)


def test_membership_left_is_exclusive_and_validated():
    m = Membership("RUS", 1997, left=2014)
    assert m.in_year(1997) and m.in_year(2013) and not m.in_year(2014) and not m.in_year(1996)
    with pytest.raises(ValueError, match="not after"):
        Membership("RUS", 2014, left=2014)
    with pytest.raises(ValueError, match="ISO3"):
        Membership("EUU", 2000)
    with pytest.raises(ValueError, match="twice"):
        PartnerGroup("x", "X", (Membership("USA", 2000), Membership("USA", 2001)), source="test")


def test_every_group_names_a_source_and_says_how_sure_it_is():
    assert len({g.id for g in PARTNER_GROUPS}) == len(PARTNER_GROUPS)
    for g in PARTNER_GROUPS:
        assert g.source and g.note
        if not g.analytical:
            assert "http" in g.source and "checked: no" in g.note, g.id
    assert {g.id for g in PARTNER_GROUPS if g.better == "lower"} == {"adversary", "china_hk_mo"}


# ---------------------------------------------------------------------------------------------
# friend_share on hand-computed inputs


def test_friend_share_hand_computed():
    # US imports: CAN 50, JPN 30, CHN 19.5, AREA 0.5 → World 100 (coverage 0.995: complete).
    t = trade([("CAN", 50), ("JPN", 30), ("CHN", 19.5), (AREA, 0.5)])
    out = friend_shares(t)
    assert value(out, partner="g7") == pytest.approx(0.8)
    assert value(out, partner="adversary") == pytest.approx(0.195)
    assert value(out, partner="quad") == pytest.approx(0.3)
    assert value(out, partner="us_fta") == pytest.approx(0.5)
    assert value(out, partner="cptpp") == pytest.approx(0.8)  # CAN and JPN in force by 2019
    assert value(out, partner="asean") == pytest.approx(0.0)  # complete breakdown, no ASEAN supplier
    assert value(out, partner="ipef") is None  # not launched in 2019
    assert value(out, partner="msp") is None
    assert set(out["product_kind"]) == {"total"}


def test_reporter_is_excluded_from_its_own_group():
    # Japan's imports with a (re-import) row for itself: JPN 10, USA 40, CHN 50; World 100.
    t = trade([("JPN", 10), ("USA", 40), ("CHN", 50)], reporter="JPN")
    out = friend_shares(t)
    assert value(out, reporter="JPN", partner="g7") == pytest.approx(0.4)
    # A group whose only member is the reporter gets no row, not 0.
    solo = PartnerGroup("solo", "Solo", (Membership("JPN", 2000),), source="test")
    assert friend_shares(t, groups=(solo,)).empty


def test_partial_breakdown_gives_no_friend_share():
    # World and China only (the Quad extract): coverage 0.6.
    t = trade([(WORLD, 100), ("CHN", 60)], hs_code="2504")
    assert friend_shares(t).empty
    # No World row: the total is unknown.
    assert friend_shares(trade([("CAN", 60), ("CHN", 40)], world=None)).empty


def test_aggregate_reporters_are_skipped():
    t = trade([("CHN", 60), ("USA", 40)], reporter="EUU")
    assert friend_shares(t).empty


def test_product_groups_sum_their_codes():
    g = ProductGroup("duo", "Duo", ("850511", "854231"), source="test")
    t = pd.concat([
        trade([("JPN", 30), ("CHN", 70)], hs_code="850511"),
        trade([("JPN", 90), ("CHN", 10)], hs_code="854231"),
    ], ignore_index=True)
    out = friend_shares(validate_trade(t), products=(g,))
    assert value(out, partner="g7", product="duo") == pytest.approx(120 / 200)
    assert value(out, partner="g7", product="850511") == pytest.approx(0.3)
    # A code of the group without a World row: the group has no total, so no share.
    t2 = pd.concat([trade([("JPN", 30), ("CHN", 70)], hs_code="850511"),
                    trade([("JPN", 90)], world=None, hs_code="854231")], ignore_index=True)
    out2 = friend_shares(validate_trade(t2), products=(g,))
    assert value(out2, partner="g7", product="duo") is None
    assert value(out2, partner="g7", product="850511") == pytest.approx(0.3)


def test_change_since_baseline_uses_the_later_years_members():
    # CPTPP for US imports: VNM joins in 2019. 2018: VNM 10, CAN 20, CHN 70; 2019: VNM 30, CAN 20, CHN 50.
    t = pd.concat([
        trade([("VNM", 10), ("CAN", 20), ("CHN", 70)], period=str(BASELINE_YEAR)),
        trade([("VNM", 30), ("CAN", 20), ("CHN", 50)], period="2019"),
    ], ignore_index=True)
    out = friend_shares(validate_trade(t))
    assert value(out, partner="cptpp", period="2018") == pytest.approx(0.2)  # VNM not yet a member
    assert value(out, partner="cptpp", period="2019") == pytest.approx(0.5)
    # Same members (2019: with VNM) in both years: 0.5 - 0.3, not 0.5 - 0.2.
    assert value(out, "friend_share_change", partner="cptpp", period="2019") == pytest.approx(0.2)
    assert value(out, "friend_share_change", partner="adversary", period="2019") == pytest.approx(-0.2)
    assert value(out, "friend_share_change", partner="cptpp", period="2018") is None


def test_change_needs_a_complete_baseline_and_annual_periods():
    t = pd.concat([
        trade([(WORLD, 100), ("CAN", 20)], period=str(BASELINE_YEAR)),  # partial baseline
        trade([("CAN", 50), ("CHN", 50)], period="2019"),
        trade([("CAN", 50), ("CHN", 50)], period="2019-03"),
    ], ignore_index=True)
    out = friend_shares(validate_trade(t))
    assert value(out, partner="g7", period="2019") == pytest.approx(0.5)
    assert value(out, partner="g7", period="2019-03") == pytest.approx(0.5)  # monthly: members of 2019
    assert not (out["indicator"] == "friend_share_change").any()


def test_exports_are_shares_of_exports():
    t = trade([("CAN", 30), ("CHN", 70)], flow="export")
    out = friend_shares(t)
    assert value(out, flow="export", partner="g7") == pytest.approx(0.3)
    assert value(out, flow="import", partner="g7") is None


def test_compute_copes_with_missing_tables():
    assert compute({}).equals(base.empty())
    assert compute({"trade": trade([])}).empty
    assert [i.id for i in INDICATORS] == ["friend_share", "friend_share_change"]


# ---------------------------------------------------------------------------------------------
# Properties

_PARTNERS = ["CAN", "JPN", "CHN", "DEU", "VNM", "IND", "MEX", "BRA"]


_value = st.floats(min_value=0.0, max_value=1e12, allow_nan=False)
#: Several independent cases per example (one period each): one call checks them all, keeping the test fast.
_cases = st.lists(st.lists(_value, min_size=len(_PARTNERS), max_size=len(_PARTNERS)), min_size=1, max_size=8)


@settings(max_examples=6, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(cases=_cases, scale=st.floats(min_value=1e-3, max_value=1e3), seed=st.integers(0, 1000))
def test_friend_share_bounds_scaling_and_order(cases, scale, seed):
    def frame(k: float) -> pd.DataFrame:
        rows = [dict(partner=p, value_usd=v * k, period=str(2000 + i))
                for i, values in enumerate(cases) for p, v in zip(_PARTNERS, values, strict=True)]
        return trade(rows)

    t = frame(1.0)
    out = friend_shares(t, products=())
    shares = out[out["indicator"] == "friend_share"]
    assert set(shares["period"]) == {str(2000 + i) for i, values in enumerate(cases) if sum(values) > 0}
    assert ((shares["value"] >= 0) & (shares["value"] <= 1 + 1e-12)).all()
    shuffled = t.sample(frac=1.0, random_state=seed).reset_index(drop=True)
    for other in (friend_shares(frame(scale), products=()), friend_shares(shuffled, products=())):
        merged = out.merge(other, on=base.VALUE_KEY, suffixes=("", "_o"))
        assert len(merged) == len(out) == len(other)
        assert np.allclose(merged["value"], merged["value_o"], rtol=1e-9, atol=1e-12)


@settings(max_examples=4, deadline=None)
@given(cases=st.lists(st.lists(st.floats(min_value=1.0, max_value=1e12), min_size=1, max_size=7), min_size=1,
                      max_size=8))
def test_friend_share_is_one_when_every_supplier_is_a_member(cases):
    g7_others = ["CAN", "FRA", "DEU", "ITA", "JPN", "GBR", "USA"]
    rows = [dict(partner=p, value_usd=v, period=str(2000 + i))
            for i, values in enumerate(cases) for p, v in zip(g7_others, values, strict=False)]
    out = friend_shares(trade(rows, reporter="KOR"), products=())
    g7 = out[(out["indicator"] == "friend_share") & (out["partner"] == "g7")]
    assert len(g7) == len(cases) and np.allclose(g7["value"], 1.0)


# ---------------------------------------------------------------------------------------------
# Real bundled snapshot


@pytest.fixture(scope="module")
def real() -> pd.DataFrame:
    t = pd.read_parquet(bundled_snapshot_dir() / "trade.parquet")
    return compute({"trade": t})


def test_real_usa_g7_import_share_2019(real):
    # IMF DOTS rows, USA imports 2019 (US$ bn): World 2,498.402; CAN 319.736, FRA 57.507, DEU 127.462,
    # ITA 57.160, JPN 143.636, GBR 63.187 → 768.688 / 2,498.402 = 0.30767 (USA itself excluded).
    assert value(real, partner="g7") == pytest.approx(0.307672, abs=1e-6)
    # Quad for the USA = AUS + IND + JPN; adversary mostly China (452.243 of it).
    assert 0.18 < value(real, partner="adversary") < 0.2
    assert value(real, partner="us_fta") == value(real, partner="us_fta_plus_japan")  # Japan only from 2023


def test_real_data_shape(real):
    assert base.values(real).equals(real)
    assert set(real["indicator"]) == {"friend_share", "friend_share_change"}
    assert not real["reporter"].isin(["WLD", "EUU", "EMU"]).any()
    fs = real[real["indicator"] == "friend_share"]
    assert fs["value"].between(0, 1).all()
    # The Quad extract (World + China only) gives no friend share; the US supplier data and Taiwan's
    # chip exports (complete breakdowns) do.
    assert not fs["product"].isin(["2504", "2822", "282520"]).any()
    assert (fs["reporter"] == "TWN").any() and ((fs["reporter"] == "USA") & (fs["product"] == "854231")).any()
    assert math.isclose(
        value(real, partner="g7", period="2020") - value(real, partner="g7", period=str(BASELINE_YEAR)),
        value(real, "friend_share_change", partner="g7", period="2020"), abs_tol=1e-12,
    )  # G7 membership unchanged, so the change is the plain difference


def test_registry_runs_the_family():
    assert "friend_share" in registry.all_indicators()
