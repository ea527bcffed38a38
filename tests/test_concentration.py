from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from econsec.errors import ValidationError
from econsec.schema import TRADE_COLUMNS, WORLD, validate_trade
from indicators.concentration import (
    COMPLETE_COVERAGE,
    INDICATOR_COLUMNS,
    INDICATORS,
    INDICATORS_BY_ID,
    SHARE_COLUMNS,
    compute,
    concentration,
    hhi,
    supplier_shares,
)
from indicators.products import ProductGroup
from indicators.thresholds import THRESHOLDS, THRESHOLDS_BY_ID, for_indicator, hhi_points

# CI has ../shared beside the repo; a fresh clone may not (the tests that need it skip).
SUPPLIER_SHARE_CSV = (
    Path(__file__).resolve().parents[2] / "shared/data/comtrade/us_imports_by_supplier/fct_supplier_share.csv"
)
AREA = "XNA"  # stands for a residual like "Areas, nes" (partner_kind "area")


# ---------------------------------------------------------------------------------------------
# helpers


def trade(rows, world: str | None = "sum", **defaults) -> pd.DataFrame:
    """A valid TRADE frame from dicts (or (partner, value) pairs) with defaults filled in.

    Defaults: reporter USA, flow import, hs_code 850511, period 2024; partner_kind from the
    partner (WLD → world, XNA → area, else country). Unless the rows have a World row or
    ``world=None``, a World row equal to the sum of the country and area rows is added, as a
    source sends it with a complete partner breakdown.
    """
    base = dict(reporter="USA", flow="import", hs_code="850511", period="2024") | defaults
    recs = []
    for r in rows:
        r = dict(zip(("partner", "value_usd"), r, strict=True)) if isinstance(r, tuple) else dict(r)
        rec = base | r
        rec.setdefault(
            "partner_kind",
            "world" if rec["partner"] == WORLD else "area" if rec["partner"] == AREA else "country",
        )
        recs.append(rec)
    if world == "sum" and recs and not any(r["partner"] == WORLD for r in recs):
        by_key: dict[tuple, float] = {}
        for r in recs:
            if r["partner_kind"] in ("country", "area"):
                k = (r["reporter"], r["flow"], r["hs_code"], r["period"])
                by_key[k] = by_key.get(k, 0.0) + float(r["value_usd"])
        for (reporter, flow, hs_code, period), total in by_key.items():
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


def ind(frame: pd.DataFrame, product: str = "850511", kind: str = "hs", **key) -> dict[str, float]:
    """{indicator: value} for one key of a concentration() frame."""
    sel = (frame["product"] == product) & (frame["product_kind"] == kind)
    for col, val in key.items():
        sel &= frame[col] == val
    sub = frame[sel]
    assert not sub["indicator"].duplicated().any()
    return dict(zip(sub["indicator"], sub["value"], strict=True))


def shares_of(frame: pd.DataFrame, product: str = "850511", kind: str = "hs") -> dict[str, tuple[float, int]]:
    sub = frame[(frame["product"] == product) & (frame["product_kind"] == kind)]
    return {p: (s, r) for p, s, r in zip(sub["partner"], sub["share"], sub["rank"], strict=True)}


FULL = {"hhi", "effective_suppliers", "top1_share", "top3_share", "n_suppliers"}
approx = pytest.approx


# ---------------------------------------------------------------------------------------------
# hhi()


def test_hhi_known_values():
    assert hhi([50, 30, 20]) == approx(0.38)
    assert hhi(np.array([5.0, 3.0, 2.0])) == approx(0.38)
    assert hhi(pd.Series([1, 1, 1, 1])) == approx(0.25)
    assert hhi([3.0]) == 1.0
    assert hhi([3.0, 0.0]) == 1.0


@pytest.mark.parametrize("bad", [[], [1, -1], [0, 0], [1, float("nan")], [1, float("inf")]])
def test_hhi_rejects(bad):
    with pytest.raises(ValueError):
        hhi(bad)


# ---------------------------------------------------------------------------------------------
# hand-computed cases


def test_three_suppliers_complete_breakdown():
    t = trade([("CHN", 50), ("JPN", 30), ("KOR", 20)])
    got = ind(concentration(t))
    assert got == {
        "hhi": approx(0.38),
        "effective_suppliers": approx(1 / 0.38),
        "top1_share": approx(0.5),
        "top3_share": approx(1.0),
        "china_share": approx(0.5),
        "china_hk_mo_share": approx(0.5),  # complete: HKG/MAC absent count as 0
        "n_suppliers": 3.0,
        "coverage": approx(1.0),
        "total_value_usd": 100.0,
    }
    assert round(got["effective_suppliers"], 4) == 2.6316
    assert shares_of(supplier_shares(t)) == {
        "CHN": (approx(0.5), 1),
        "JPN": (approx(0.3), 2),
        "KOR": (approx(0.2), 3),
    }


def test_world_row_equal_to_partners_is_the_denominator():
    t = trade([(WORLD, 100), ("CHN", 50), ("JPN", 30), ("KOR", 20)])
    assert ind(concentration(t))["hhi"] == approx(0.38)
    assert set(supplier_shares(t)["partner"]) == {"CHN", "JPN", "KOR"}  # World is never a supplier


def test_world_row_bigger_than_partners_gives_no_hhi_but_china_share():
    t = trade([(WORLD, 200), ("CHN", 50), ("JPN", 30), ("KOR", 20)])
    got = ind(concentration(t))
    assert got == {
        "china_share": approx(0.25),
        "coverage": approx(0.5),
        "total_value_usd": 200.0,
    }  # no HHI/top-k/n (partial), no China+HK+MO (HKG, MAC unknown)
    assert shares_of(supplier_shares(t)) == {
        "CHN": (approx(0.25), 1),
        "JPN": (approx(0.15), 2),
        "KOR": (approx(0.10), 3),
    }


def test_coverage_threshold_edge():
    just = trade([(WORLD, 100), ("CHN", 99), ("JPN", 0)])
    assert ind(concentration(just))["hhi"] == approx(0.99**2)
    below = trade([(WORLD, 100), ("CHN", 98.9)])
    assert FULL.isdisjoint(ind(concentration(below)))
    assert COMPLETE_COVERAGE == 0.99


def test_partners_well_above_world_row_are_inconsistent():
    got = ind(concentration(trade([(WORLD, 50), ("CHN", 60)])))
    assert FULL.isdisjoint(got)
    assert got["coverage"] == approx(1.2)
    assert got["china_share"] == approx(1.2)  # China's row is there: reported as is


def test_partial_breakdown_without_china_gives_no_china_share():
    got = ind(concentration(trade([(WORLD, 100), ("JPN", 30)])))
    assert got == {"coverage": approx(0.3), "total_value_usd": 100.0}


def test_partial_breakdown_with_china_row_of_zero():
    t = trade([(WORLD, 100), ("CHN", 0), ("JPN", 30)])
    assert ind(concentration(t))["china_share"] == 0.0
    assert set(supplier_shares(t)["partner"]) == {"JPN"}  # zero value: not a supplier


def test_complete_breakdown_without_china_gives_zero():
    got = ind(concentration(trade([("JPN", 30), ("DEU", 70)])))
    assert got["china_share"] == 0.0
    assert got["china_hk_mo_share"] == 0.0
    assert got["n_suppliers"] == 2


def test_area_row_is_in_the_denominator_not_a_supplier():
    t = trade([("CHN", 60), ("JPN", 39.5), (AREA, 0.5)])
    got = ind(concentration(t))
    assert got["total_value_usd"] == 100.0
    assert got["coverage"] == approx(0.995)
    assert got["hhi"] == approx(0.6**2 + 0.395**2)
    assert got["n_suppliers"] == 2
    assert got["top1_share"] == approx(0.6)
    assert shares_of(supplier_shares(t)) == {"CHN": (approx(0.6), 1), "JPN": (approx(0.395), 2)}


def test_big_area_residual_blocks_hhi():
    # 20% unallocated: who supplies it is unknown, so HHI/top-k would be made up.
    no_world = ind(concentration(trade([("CHN", 50), ("JPN", 30), (AREA, 20)])))
    assert FULL.isdisjoint(no_world)
    assert no_world["china_share"] == approx(0.5)
    assert no_world["coverage"] == approx(0.8)
    with_world = ind(concentration(trade([(WORLD, 100), ("CHN", 50), ("JPN", 30), (AREA, 20)])))
    assert with_world == no_world


def test_hong_kong_macao_variant():
    got = ind(concentration(trade([("CHN", 40), ("HKG", 10), ("MAC", 5), ("JPN", 45)])))
    assert got["china_share"] == approx(0.40)
    assert got["china_hk_mo_share"] == approx(0.55)
    assert got["top1_share"] == approx(0.45)
    # Partial breakdown: the variant needs rows for all of CHN, HKG, MAC.
    partial = ind(concentration(trade([(WORLD, 100), ("CHN", 40), ("HKG", 10)])))
    assert partial["china_share"] == approx(0.40)
    assert "china_hk_mo_share" not in partial
    allthree = ind(concentration(trade([(WORLD, 100), ("CHN", 40), ("HKG", 10), ("MAC", 0)])))
    assert allthree["china_hk_mo_share"] == approx(0.50)


def test_ties_ranked_by_partner_code():
    s = shares_of(supplier_shares(trade([("JPN", 10), ("DEU", 10), ("CHN", 5), ("AUS", 10)])))
    assert {p: r for p, (_, r) in s.items()} == {"AUS": 1, "DEU": 2, "JPN": 3, "CHN": 4}


def test_group_sums_partner_values_across_codes_before_shares():
    t = pd.concat(
        [
            trade([("CHN", 10), ("TWN", 30)], hs_code="854231"),
            trade([("CHN", 40), ("KOR", 20)], hs_code="854232"),
        ],
        ignore_index=True,
    )
    s = supplier_shares(t)
    assert shares_of(s, "semiconductors", "group") == {
        "CHN": (approx(0.5), 1),
        "TWN": (approx(0.3), 2),
        "KOR": (approx(0.2), 3),
    }
    assert shares_of(s, "854231") == {"TWN": (approx(0.75), 1), "CHN": (approx(0.25), 2)}
    c = concentration(t)
    grp = ind(c, "semiconductors", "group")
    assert grp["hhi"] == approx(0.38)  # not the mean of the codes' HHIs
    assert grp["total_value_usd"] == 100.0
    assert ind(c, "854232")["hhi"] == approx((40 / 60) ** 2 + (20 / 60) ** 2)
    assert set(c["product"]) == {"854231", "854232", "semiconductors", "chips"}


def test_group_with_world_rows_uses_their_sum():
    t = pd.concat(
        [
            trade([(WORLD, 50), ("CHN", 10), ("TWN", 30)], hs_code="854231"),
            trade([(WORLD, 60), ("CHN", 40), ("KOR", 20)], hs_code="854232"),
        ],
        ignore_index=True,
    )
    grp = ind(concentration(t), "semiconductors", "group")
    assert grp == {
        "china_share": approx(50 / 110),
        "coverage": approx(100 / 110),
        "total_value_usd": 110.0,
    }
    assert shares_of(supplier_shares(t), "semiconductors", "group")["CHN"] == (approx(50 / 110), 1)


def test_group_with_a_partial_code_and_china_missing_from_it():
    # 854231: World 100, only TWN known. 854232: complete, China there. China's share of the
    # group is unknown (it may supply part of 854231's missing 60), so none is given.
    t = pd.concat(
        [
            trade([(WORLD, 100), ("TWN", 40)], hs_code="854231"),
            trade([("CHN", 40), ("KOR", 60)], hs_code="854232"),
        ],
        ignore_index=True,
    )
    c = concentration(t)
    grp = ind(c, "semiconductors", "group")
    assert grp == {"coverage": approx(140 / 200), "total_value_usd": 200.0}
    assert ind(c, "854232")["china_share"] == approx(0.4)


def test_group_of_a_custom_basket_and_single_code_groups():
    t = pd.concat(
        [trade([(WORLD, 100), ("CHN", 80)], hs_code="2504"), trade([(WORLD, 50), ("CHN", 5)], hs_code="2822")],
        ignore_index=True,
    )
    c = concentration(t)
    assert ind(c, "graphite", "group") == ind(c, "2504")  # a one-code group equals its code
    custom = ProductGroup("minerals", "Minerals", ("2504", "2822"), source="test")
    got = ind(concentration(t, groups=(custom,)), "minerals", "group")
    assert got["china_share"] == approx(85 / 150)
    assert set(concentration(t, groups=())["product_kind"]) == {"hs"}


def test_quad_like_download_world_and_china_only():
    rows = []
    for rep, world, chn in (("USA", 1000, 300), ("JPN", 800, 720), ("IND", 500, None)):
        rows.append(dict(reporter=rep, partner=WORLD, value_usd=world))
        if chn is not None:
            rows.append(dict(reporter=rep, partner="CHN", value_usd=chn))
    c = concentration(trade(rows, hs_code="282520", period="2023"))
    assert not (set(c["indicator"]) & FULL)
    china = c[(c["indicator"] == "china_share") & (c["product_kind"] == "hs")]
    assert dict(zip(china["reporter"], china["value"], strict=True)) == {"JPN": approx(0.9), "USA": approx(0.3)}


def test_keys_are_independent_and_flow_is_filtered():
    t = pd.concat(
        [
            trade([("CHN", 1)], reporter="JPN", period="2023"),
            trade([("CHN", 1), ("KOR", 1)], reporter="JPN", period="2024"),
            trade([("KOR", 9)], reporter="USA", period="2024-03"),
            trade([("CHN", 9), ("USA", 1)], reporter="JPN", period="2024", flow="export"),
        ],
        ignore_index=True,
    )
    c = concentration(t)
    assert set(c["flow"]) == {"import"}
    assert ind(c, reporter="JPN", period="2023")["hhi"] == 1.0
    assert ind(c, reporter="JPN", period="2024")["hhi"] == 0.5
    assert ind(c, reporter="USA", period="2024-03")["china_share"] == 0.0
    exp = concentration(t, flow="export")
    assert ind(exp, reporter="JPN", period="2024")["china_share"] == approx(0.9)


def test_output_format():
    t = pd.concat(
        [
            trade([(WORLD, 100), ("CHN", 50), ("JPN", 49.5)], hs_code="854231"),
            trade([("CHN", 5), ("HKG", 1)], hs_code="2504", reporter="JPN"),
        ],
        ignore_index=True,
    )
    out = compute(t)
    assert set(out) == {"indicators", "supplier_shares"}
    ind_, sh = out["indicators"], out["supplier_shares"]
    assert list(ind_.columns) == INDICATOR_COLUMNS
    assert list(sh.columns) == SHARE_COLUMNS
    for frame, floats in ((ind_, {"value"}), (sh, {"value_usd", "share"})):
        for col in frame.columns:
            if col in floats:
                assert frame[col].dtype == "float64", col
            elif col == "rank":
                assert frame[col].dtype == "int64"
            else:
                assert frame[col].dtype == "str", col
        assert not frame.isna().any().any()
        assert frame.index.equals(pd.RangeIndex(len(frame)))
    assert set(ind_["indicator"]) <= set(INDICATORS_BY_ID)
    assert set(sh["product_kind"]) == {"hs", "group"}
    # deterministic: same result from a shuffled frame, and sorted
    again = compute(t.sample(frac=1, random_state=1).reset_index(drop=True))
    pd.testing.assert_frame_equal(again["indicators"], ind_)
    pd.testing.assert_frame_equal(again["supplier_shares"], sh)
    assert sh.equals(supplier_shares(t)) and ind_.equals(concentration(t))
    order = {i.id: n for n, i in enumerate(INDICATORS)}
    keys = list(zip(ind_["indicator"].map(order), ind_["reporter"], ind_["product_kind"], ind_["product"], strict=True))
    assert keys == sorted(keys)


def test_invalid_frame_is_rejected():
    t = trade([("CHN", 1)])
    with pytest.raises(ValidationError):
        compute(pd.concat([t, t], ignore_index=True))  # duplicate key
    with pytest.raises(ValidationError):
        compute(t.assign(value_usd=-1.0))


def test_unknown_flow_is_rejected():
    with pytest.raises(ValueError, match="flow"):
        compute(trade([("CHN", 1)]), flow="imports")


def test_empty_frame():
    out = compute(trade([]))
    assert out["indicators"].empty and out["supplier_shares"].empty
    assert list(out["indicators"].columns) == INDICATOR_COLUMNS


def test_zero_total():
    got = ind(concentration(trade([(WORLD, 0), ("CHN", 0)])))
    assert got == {"total_value_usd": 0.0}


def test_indicator_registry():
    assert [i.id for i in INDICATORS] == [
        "hhi",
        "effective_suppliers",
        "top1_share",
        "top3_share",
        "china_share",
        "china_hk_mo_share",
        "n_suppliers",
        "coverage",
        "total_value_usd",
    ]
    for i in INDICATORS:
        assert i.name and i.unit and i.definition and i.scale


def test_thresholds():
    assert [t.value for t in for_indicator("hhi")] == [0.15, 0.25, 0.4]
    assert THRESHOLDS_BY_ID["china_majority"].value == 0.5
    assert {t.indicator for t in THRESHOLDS} <= set(INDICATORS_BY_ID)
    assert hhi_points(0.15) == approx(1500) and hhi_points(0.25) == approx(2500)
    assert "1,800" in THRESHOLDS_BY_ID["hhi_high"].source and "2010" in THRESHOLDS_BY_ID["hhi_high"].source
    assert "SWD(2021) 352" in THRESHOLDS_BY_ID["hhi_ec_dependency"].source


# ---------------------------------------------------------------------------------------------
# properties

PARTNERS = ["AUS", "CHN", "DEU", "HKG", "IND", "JPN", "KOR", "MAC", "MYS", "TWN", "VNM"]
values = st.dictionaries(
    st.sampled_from(PARTNERS), st.integers(0, 10**11).map(float), min_size=1, max_size=len(PARTNERS)
).filter(lambda d: sum(d.values()) > 0)
fast = settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@fast
@given(values, st.randoms(use_true_random=False), st.floats(1e-3, 1e3))
def test_properties_complete_breakdown(vals, rnd, scale):
    rows = list(vals.items())
    n = sum(v > 0 for v in vals.values())
    got = ind(concentration(trade(rows)))
    h = got["hhi"]
    assert 1 / n - 1e-12 <= h <= 1 + 1e-12
    assert h == approx(hhi(list(vals.values())), rel=1e-12)
    if n == 1:
        assert h == approx(1.0, rel=1e-12)
    assert 1 - 1e-9 <= got["effective_suppliers"] <= n + 1e-9
    assert got["n_suppliers"] == n
    assert got["top1_share"] <= got["top3_share"] <= 1 + 1e-12

    rnd.shuffle(rows)
    assert ind(concentration(trade(rows))) == {k: approx(v, rel=1e-12) for k, v in got.items()}
    scaled = ind(concentration(trade([(p, v * scale) for p, v in rows])))
    expect = {k: approx(v * scale if k == "total_value_usd" else v, rel=1e-9) for k, v in got.items()}
    assert scaled == expect


@fast
@given(values, st.floats(0, 3), st.integers(0, 10**10))
def test_properties_shares_sum_to_coverage(vals, extra, area):
    world = sum(vals.values()) * (1 + extra) + area
    rows = [*vals.items(), (WORLD, world)] + ([(AREA, float(area))] if area else [])
    out = compute(trade(rows))
    sh = out["supplier_shares"].query("product_kind == 'hs'")
    got = ind(out["indicators"])
    assert sh["share"].sum() == approx(got["coverage"], rel=1e-9)
    assert got["coverage"] == approx(sum(vals.values()) / world, rel=1e-12)
    assert sorted(sh["rank"]) == list(range(1, len(sh) + 1))
    assert (sh.sort_values("rank")["value_usd"].diff().dropna() <= 0).all()
    if got["coverage"] >= COMPLETE_COVERAGE:
        assert got["hhi"] == approx((sh["share"] ** 2).sum(), rel=1e-12)
    else:
        assert FULL.isdisjoint(got)
    assert ("china_share" in got) == ("CHN" in vals or got["coverage"] >= COMPLETE_COVERAGE)


# ---------------------------------------------------------------------------------------------
# the real US imports-by-supplier file (PROVENANCE §10)


@pytest.fixture(scope="module")
def us_imports() -> tuple[pd.DataFrame, pd.DataFrame]:
    if not SUPPLIER_SHARE_CSV.exists():
        pytest.skip(f"{SUPPLIER_SHARE_CSV} not present (the shared data directory is not beside the repo)")
    f = pd.read_csv(SUPPLIER_SHARE_CSV, dtype={"canonical_product_id": "str", "partner_iso3": "str"})
    rows = pd.DataFrame(
        {
            "reporter": "USA",
            "partner": f["partner_iso3"],
            "hs_code": f["canonical_product_id"],
            "period": f["year"].astype("str"),
            "value_usd": f["import_value_usd"],
        }
    )
    return f, trade(rows.to_dict("records"))


def test_real_supplier_shares_match_the_file(us_imports):
    f, t = us_imports
    ours = supplier_shares(t)
    hs = ours[ours["product_kind"] == "hs"]
    m = f.merge(
        hs,
        left_on=["canonical_product_id", f["year"].astype("str"), "partner_iso3"],
        right_on=["product", "period", "partner"],
        how="outer",
        validate="1:1",
        indicator=True,
    )
    assert (m["_merge"] == "both").all()
    assert (m["share_x"] - m["share_y"]).abs().max() <= 5e-6
    # Ranks agree, except that the file breaks ties by Comtrade's numeric partner code and we
    # by ISO3 (Chad 148 / Haiti 332 tie in 854239-2019): tied rows must hold the same ranks.
    tied = m.duplicated(["canonical_product_id", "year", "import_value_usd"], keep=False)
    assert (m.loc[~tied, "rank_x"] == m.loc[~tied, "rank_y"]).all()
    by_tie = m[tied].groupby(["canonical_product_id", "year", "import_value_usd"])
    assert (by_tie["rank_x"].agg(sorted) == by_tie["rank_y"].agg(sorted)).all()
    assert tied.sum() == 4


def test_real_indicators(us_imports):
    f, t = us_imports
    c = concentration(t)
    # The breakdown is complete (no World row, no areas): every key gets the full set.
    n_keys = c[["reporter", "flow", "product", "product_kind", "period"]].drop_duplicates().shape[0]
    assert n_keys == 176 + 5 * 8  # 22 codes and 5 groups (chips inside semiconductors), 8 years
    assert c["indicator"].value_counts().eq(n_keys).all()
    hs = c[(c["product_kind"] == "hs") & (c["indicator"] == "hhi")]
    expect = f.groupby(["canonical_product_id", f["year"].astype("str")])["import_value_usd"].agg(hhi)
    got = hs.set_index(["product", "period"])["value"]
    assert np.allclose(got.sort_index().to_numpy(), expect.sort_index().to_numpy(), rtol=1e-12)
    # Rare earths group: 2018 total is the sum of its three codes' totals.
    re_total = f[(f["year"] == 2018) & f["canonical_product_id"].isin(["280530", "284610", "284690"])]
    got = ind(c, "rare_earths", "group", period="2018")
    assert got["total_value_usd"] == approx(re_total["import_value_usd"].sum())
    chn = re_total.loc[re_total["partner_iso3"] == "CHN", "import_value_usd"].sum()
    assert got["china_share"] == approx(chn / re_total["import_value_usd"].sum())
    assert all(math.isfinite(v) for v in c["value"])


def test_nested_groups_each_aggregate_their_own_codes():
    t = pd.concat(
        [trade([("CHN", 60), ("KOR", 40)], hs_code="854231"), trade([("CHN", 10), ("MYS", 90)], hs_code="854110")],
        ignore_index=True,
    )
    c = concentration(t)
    assert ind(c, "chips", "group")["china_share"] == approx(0.6)  # 854231 only
    assert ind(c, "semiconductors", "group")["china_share"] == approx(70 / 200)  # both codes


def test_group_partners_are_never_suppliers_nor_part_of_the_total():
    # No World row: the total is the sum of countries and residual areas; the EU group overlaps
    # DEU and FRA and must not be added in (or every member would count twice).
    t = trade([("DEU", 30), ("FRA", 20), ("CHN", 50), dict(partner="EUU", value_usd=50, partner_kind="group")])
    c = ind(concentration(t), "850511")
    assert c["total_value_usd"] == 100.0
    assert c["china_share"] == approx(0.5)
    assert c["hhi"] == approx(0.3**2 + 0.2**2 + 0.5**2)
    assert "EUU" not in set(supplier_shares(t)["partner"])


def test_without_a_world_row_nothing_is_claimed():
    # A one-partner download (China's imports of 8542 from the US only) is not a complete
    # breakdown: no HHI, no top supplier, no shares; the partner value is not the total.
    t = trade([("USA", 500.0)], world=None, reporter="CHN", hs_code="8542")
    assert concentration(t).empty
    assert supplier_shares(t).empty
