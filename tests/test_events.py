from __future__ import annotations

import dataclasses
import datetime
import math
import re

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from econsec.countries import is_iso3
from econsec.schema import TRADE_COLUMNS, WORLD, validate_trade
from econsec.store import bundled_snapshot_dir
from indicators import base, events
from indicators.events import (
    EVENTS,
    EVENTS_BY_ID,
    INDICATORS,
    LISTED_PARTNERS,
    WINDOW_MONTHS,
    Event,
    compute,
    event_of,
    events_for,
    measured_events,
    month_index,
    window_change,
    window_sums,
    windows,
)
from indicators.products import GROUPS_BY_ID

SNAPSHOT_TRADE = bundled_snapshot_dir() / "trade.parquet"
NAN = float("nan")


# ---------------------------------------------------------------------------------------------
# helpers


def months(first: str, last: str) -> list[str]:
    return [f"{m // 12}-{m % 12 + 1:02d}" for m in range(month_index(first), month_index(last) + 1)]


def trade(rows: list[dict]) -> pd.DataFrame:
    """A valid TRADE frame: defaults reporter CHN, flow export, hs 250410; partner_kind from the partner."""
    recs = []
    for r in rows:
        rec = dict(reporter="CHN", flow="export", hs_code="250410", net_weight_kg=NAN, estimated=False,
                   source="un_comtrade", source_url="file:test.csv") | r
        rec.setdefault("partner_kind", "world" if rec["partner"] == WORLD else
                       "group" if rec["partner"] == "EUU" else "country")
        recs.append(rec)
    frame = pd.DataFrame.from_records(recs)
    frame["retrieved_at"] = pd.Timestamp("2026-01-01", tz="UTC").as_unit("us")
    frame = frame[list(TRADE_COLUMNS)]
    for col in ("reporter", "partner", "partner_kind", "flow", "hs_code", "period", "source", "source_url"):
        frame[col] = frame[col].astype("str")
    for col in ("value_usd", "net_weight_kg"):
        frame[col] = frame[col].astype("float64")
    frame["estimated"] = frame["estimated"].astype("bool")
    return validate_trade(frame)


def value(out: pd.DataFrame, indicator: str, partner: str, product: str = "250410", period: str = "2023-12"):
    hit = out[(out["indicator"] == indicator) & (out["partner"] == partner) & (out["product"] == product)
              & (out["period"] == period)]
    assert len(hit) <= 1
    return None if hit.empty else float(hit["value"].iloc[0])


BEFORE = months("2022-12", "2023-11")  # the graphite event (effective 2023-12-01): 12 months before
AFTER = months("2023-12", "2024-11")  # ... and 12 months from the event month


def synthetic() -> list[dict]:
    """JPN: 10 a month before, 5 after, 1 kg every month. KOR: one row before (2023-01: 1), 2 a month after,
    one after-month without a weight. Non-listed partner CHL, a World row and an EU group row: all ignored."""
    rows = [dict(partner="JPN", period=p, value_usd=10.0, net_weight_kg=1.0) for p in BEFORE]
    rows += [dict(partner="JPN", period=p, value_usd=5.0, net_weight_kg=1.0) for p in AFTER]
    rows += [dict(partner="KOR", period="2023-01", value_usd=1.0, net_weight_kg=2.0)]
    rows += [dict(partner="KOR", period=p, value_usd=2.0, net_weight_kg=NAN if p == "2024-03" else 1.0)
             for p in AFTER]
    rows += [dict(partner="CHL", period=p, value_usd=1000.0) for p in BEFORE]
    rows += [dict(partner=WORLD, period=p, value_usd=5000.0) for p in BEFORE + AFTER]
    rows += [dict(partner="EUU", period=p, value_usd=7000.0) for p in BEFORE + AFTER]
    return rows


# ---------------------------------------------------------------------------------------------
# the events as data


def test_events_are_ordered_unique_and_well_formed() -> None:
    assert len(EVENTS_BY_ID) == len(EVENTS)
    dates = [e.date for e in EVENTS]
    assert dates == sorted(dates)
    hs = re.compile(r"^(\d{2}|\d{4}|\d{6})$")
    for e in EVENTS:
        assert isinstance(e.date, datetime.date)
        assert e.date_kind in ("announced", "effective")
        assert is_iso3(e.actor)
        assert e.target == (WORLD,) or all(is_iso3(t) for t in e.target), e.id
        assert all(hs.match(p) or p in GROUPS_BY_ID for p in e.products), e.id
        assert e.source.strip() and e.title.strip(), e.id
        assert e.url == "" or e.url.startswith("https://"), e.id
        assert e.announced is None or (e.announced <= e.date and e.date_kind == "effective"), e.id
        assert e.kind in ("coercion", "export_control", "import_ban", "licensing")


def test_the_required_events_are_there_with_their_records() -> None:
    def one(actor: str, day: datetime.date) -> Event:
        found = [e for e in EVENTS if e.actor == actor and e.date == day]
        assert len(found) == 1, (actor, day)
        return found[0]

    ree2010 = one("CHN", datetime.date(2010, 9, 22))
    assert ree2010.target == ("JPN",) and "INFORMAL" in ree2010.note and "rare_earths" in ree2010.products
    thaad = one("CHN", datetime.date(2017, 3, 15))
    assert thaad.target == ("KOR",) and thaad.products == () and thaad.flow == ""
    assert {e.products for e in EVENTS if e.target == ("AUS",)} == {("1003",), ("220421",), ("2701",)}
    assert "87 FR 62186" in one("USA", datetime.date(2022, 10, 7)).source
    gage = one("CHN", datetime.date(2023, 8, 1))
    assert gage.announced == datetime.date(2023, 7, 3) and "No. 23 of 2023" in gage.source
    assert "811292" in gage.products and gage.target == (WORLD,)
    graphite = one("CHN", datetime.date(2023, 12, 1))
    assert graphite.announced == datetime.date(2023, 10, 20) and "No. 39 of 2023" in graphite.source
    assert {"250410", "380110"} <= set(graphite.products)
    ban = one("CHN", datetime.date(2024, 12, 3))
    assert ban.target == ("USA",) and "No. 46 of 2024" in ban.source and ban.kind == "export_control"
    assert "No. 18 of 2025" in one("CHN", datetime.date(2025, 4, 4)).source
    one("USA", datetime.date(2023, 10, 17))
    one("USA", datetime.date(2024, 12, 2))


@pytest.mark.parametrize(
    "change",
    [dict(actor="China"), dict(target=("JPN", "EUU")), dict(target=()), dict(products=("2504x",)),
     dict(products=("no_such_group",)), dict(kind="sanction"), dict(date_kind="reported"), dict(source=" "),
     dict(announced=datetime.date(2024, 1, 1)), dict(flow="export", products=())],
)
def test_a_malformed_event_is_refused(change: dict) -> None:
    good = EVENTS_BY_ID["cn_graphite_2023"]
    with pytest.raises(ValueError, match="cn_graphite_2023"):
        dataclasses.replace(good, **change)


def test_events_for_matches_products_through_groups_and_headings_and_countries() -> None:
    assert [e.id for e in events_for("250410")] == ["cn_graphite_2023"]
    assert [e.id for e in events_for("100310")] == ["cn_aus_barley_2020"]  # HS 1003 heading
    assert {e.id for e in events_for("854231")} == {"us_bis_advanced_computing_2022", "us_bis_advanced_computing_2023"}
    assert {e.id for e in events_for("chips")} == {e.id for e in events_for("854231")} | {
        "us_bis_advanced_computing_2024"}  # 854232 (HBM) is a chip code
    assert [e.id for e in events_for(country="KOR") if e.target != (WORLD,)] == ["cn_thaad_korea_2017"]
    jpn = {e.id for e in events_for("rare_earths", "JPN")}
    assert jpn == {"cn_rare_earths_japan_2010", "cn_rare_earths_2025"}  # the 2025 measure covers all destinations
    assert events_for() == EVENTS


def test_event_of_maps_each_measured_value_back_and_never_collides() -> None:
    seen = {}
    for e in measured_events():
        assert e.actor == "CHN" and e.flow == "export"
        for code in e.hs_codes():
            assert (code, e.month) not in seen
            seen[code, e.month] = e.id
            assert event_of(code, e.month) == e.id
    assert event_of("250410", "2023-12") == "cn_graphite_2023"
    assert event_of("811292", "2023-08") == "cn_gallium_germanium_2023"
    assert event_of("811292", "2024-12") == "cn_ban_to_us_2024"
    assert event_of("854231", "2022-10") is None  # US measures: US exports are not measured
    assert event_of("250410", "2023-10") is None  # the announcement month is not the event month


# ---------------------------------------------------------------------------------------------
# window arithmetic


def test_windows_count_calendar_months_across_year_ends() -> None:
    before, after = windows("2023-12")
    assert len(before) == len(after) == WINDOW_MONTHS == 12
    label = [f"{m // 12}-{m % 12 + 1:02d}" for m in before + after]
    assert label == BEFORE + AFTER
    assert [f"{m // 12}-{m % 12 + 1:02d}" for m in sum(windows("2024-01", 1), [])] == ["2023-12", "2024-01"]


@pytest.fixture
def no_min_base(monkeypatch):
    """The synthetic frames trade a few dollars: lift the minimum base for them."""
    monkeypatch.setattr(events, "MIN_BASE_USD", 0.0)


def test_compute_on_a_hand_computed_synthetic_frame(no_min_base) -> None:
    out = compute({"trade": trade(synthetic())})
    ch, vol = "export_value_change_12m", "export_volume_change_12m"
    # JPN: before 12 x 10 = 120, after 12 x 5 = 60 -> 60/120 - 1 = -0.5; weight 12 kg both -> 0.0.
    assert value(out, ch, "JPN") == pytest.approx(-0.5)
    assert value(out, "export_value_before_12m", "JPN") == 120.0
    assert value(out, "export_value_after_12m", "JPN") == 60.0
    assert value(out, vol, "JPN") == pytest.approx(0.0)
    # KOR: months without a row (covered by JPN's rows) are zero: before 1, after 12 x 2 = 24 -> +23;
    # one after-row lacks a weight -> no volume.
    assert value(out, ch, "KOR") == pytest.approx(23.0)
    assert value(out, vol, "KOR") is None
    # Listed-partner sum: before 121, after 84 (CHL is not listed; World and EU group rows never added).
    assert value(out, ch, "") == pytest.approx(84 / 121 - 1)
    assert value(out, "export_value_before_12m", "") == 121.0
    assert value(out, vol, "") is None
    assert set(out["partner"]) == {"", "JPN", "KOR"}
    assert set(out["reporter"]) == {"CHN"} and set(out["flow"]) == {"export"} and set(out["product_kind"]) == {"hs"}
    assert set(out["period"]) == {"2023-12"}  # 380110/811292 have no rows; no other event month fits
    base.values(out)  # valid long format


def test_incomplete_windows_give_nothing() -> None:
    rows = [r for r in synthetic() if r["period"] != "2024-11"]  # the last after-month is absent for everyone
    assert compute({"trade": trade(rows)}).empty
    rows = [r for r in synthetic() if r["period"] != "2022-12"]  # the first before-month is absent
    assert compute({"trade": trade(rows)}).empty
    # Annual rows and other reporters/flows are not monthly CHN exports.
    other = [r | dict(reporter="JPN") for r in synthetic()] + [r | dict(flow="import") for r in synthetic()]
    assert compute({"trade": trade(other)}).empty
    assert compute({"trade": trade([dict(partner="JPN", period="2023", value_usd=1.0)])}).empty


def test_a_zero_before_window_gives_nothing_for_that_partner(no_min_base) -> None:
    rows = synthetic() + [dict(partner="USA", period=p, value_usd=3.0, net_weight_kg=1.0) for p in AFTER]
    out = compute({"trade": trade(rows)})
    assert "USA" not in set(out["partner"])
    assert value(out, "export_value_change_12m", "") == pytest.approx((84 + 36) / 121 - 1)


def test_an_absent_or_empty_table_gives_empty_values() -> None:
    for tables in ({}, {"trade": trade(synthetic()).iloc[:0]}, {"series": pd.DataFrame()}):
        out = compute(tables)
        assert out.empty and list(out.columns) == base.VALUE_COLUMNS


def test_window_change_small_example() -> None:
    f = pd.DataFrame({"period": ["2023-10", "2023-11", "2023-12"], "value_usd": [1.0, 3.0, 2.0],
                      "net_weight_kg": [1.0, 1.0, 1.0]})
    covered = ["2023-10", "2023-11", "2023-12", "2024-01"]
    assert window_sums(f, "2023-12", covered, n=2) == {"value": (4.0, 2.0), "volume": (2.0, 1.0)}
    assert window_change(f, "2023-12", covered, n=2) == {"value": -0.5, "volume": -0.5}
    assert window_change(f, "2023-12", n=2) == {"value": None, "volume": None}  # 2024-01 not in the data


@settings(max_examples=50, deadline=None)
@given(
    values=st.lists(st.floats(0.5, 1e6), min_size=4, max_size=4),
    scale=st.floats(1e-3, 1e3),
    seed=st.randoms(use_true_random=False),
)
def test_window_change_ignores_row_order_and_scale(values: list[float], scale: float, seed) -> None:
    f = pd.DataFrame({"period": ["2023-10", "2023-11", "2023-12", "2024-01"], "value_usd": values,
                      "net_weight_kg": values})
    ref = window_change(f, "2023-12", n=2)["value"]
    assert ref == pytest.approx((values[2] + values[3]) / (values[0] + values[1]) - 1)
    assert ref >= -1
    shuffled = f.sample(frac=1, random_state=seed.randint(0, 2**31)).reset_index(drop=True)
    assert window_change(shuffled, "2023-12", n=2)["value"] == pytest.approx(ref)
    scaled = f.assign(value_usd=f["value_usd"] * scale)
    assert window_change(scaled, "2023-12", n=2)["value"] == pytest.approx(ref)


# ---------------------------------------------------------------------------------------------
# honesty about partner coverage


def test_definitions_say_the_total_is_a_sum_over_listed_partners() -> None:
    assert len(LISTED_PARTNERS) == len(set(LISTED_PARTNERS)) == 39
    for indicator in INDICATORS:
        assert indicator.family == events.FAMILY and indicator.source
        assert "sum over the 39 destinations listed" in indicator.definition
        assert "NOT China's exports to the world" in indicator.definition


# ---------------------------------------------------------------------------------------------
# the real bundled snapshot


@pytest.fixture(scope="module")
def real() -> tuple[pd.DataFrame, pd.DataFrame]:
    if not SNAPSHOT_TRADE.is_file():
        pytest.skip("the bundled snapshot is not built yet")
    t = pd.read_parquet(SNAPSHOT_TRADE)
    return t, compute({"trade": t})


def test_real_graphite_to_japan_around_december_2023(real) -> None:
    _, out = real
    # Raw rows: reporter CHN, flow export, hs_code 250410, partner JPN (value_usd by month):
    #   before 2022-12..2023-11: 5,291,126 2,901,910 5,055,299 3,857,274 4,257,183 5,111,553 4,281,996
    #                            3,632,541 3,106,701 3,684,047 4,472,675 12,245,802   -> 57,898,107
    #   after  2023-12..2024-11: 7,003 1,215,521 3,775,202 4,024,958 3,311,066 4,691,304 6,495,132
    #                            3,371,274 3,031,376 2,950,398 2,143,844 4,641,735     -> 39,658,813
    #   change = 39,658,813 / 57,898,107 - 1 = -0.31502...  (stock-building in November 2023, then ~0 in December)
    #   net weight: 33,440,427.923 kg before, 22,206,695 kg after -> -0.33593...
    assert value(out, "export_value_before_12m", "JPN") == 57_898_107
    assert value(out, "export_value_after_12m", "JPN") == 39_658_813
    assert value(out, "export_value_change_12m", "JPN") == pytest.approx(-0.315024, abs=1e-6)
    assert value(out, "export_volume_change_12m", "JPN") == pytest.approx(-0.335933, abs=1e-6)
    assert event_of("250410", "2023-12") == "cn_graphite_2023"


def test_real_values_cover_only_events_with_both_windows_in_2017_2024(real) -> None:
    t, out = real
    assert set(zip(out["product"], out["period"], strict=True)) == {
        ("250410", "2023-12"), ("380110", "2023-12"), ("811292", "2023-08")}  # not 2024-12: after-window past 2024
    assert set(out["partner"]) - {""} <= set(LISTED_PARTNERS)
    assert out["value"].map(math.isfinite).all()
    # The "" value is the sum over listed partners' raw rows, recomputed independently here.
    rows = t[(t["reporter"] == "CHN") & (t["flow"] == "export") & (t["hs_code"] == "811292")]
    chn = t[(t["reporter"] == "CHN") & (t["flow"] == "export")]
    all_codes = chn[chn["hs_code"].isin(["250410", "380110", "811292"])]
    assert set(all_codes["partner"]) == set(LISTED_PARTNERS)  # the bundled table has exactly the listed partners
    before = rows[rows["period"].between("2022-08", "2023-07")]["value_usd"].sum()
    after = rows[rows["period"].between("2023-08", "2024-07")]["value_usd"].sum()
    assert value(out, "export_value_change_12m", "", "811292", "2023-08") == pytest.approx(after / before - 1)


def test_a_small_base_gives_the_sums_but_no_percentage_change() -> None:
    out = compute({"trade": trade(synthetic())})  # JPN's before-window is US$120, below MIN_BASE_USD
    jpn = out[(out["partner"] == "JPN") & (out["product"] == "250410")]
    assert set(jpn["indicator"]) == {"export_value_before_12m", "export_value_after_12m"}
