"""USGS Mineral Commodity Summaries: loaders of the transcribed MCS 2026 tables, the data-release parser, fetch.

Slices under tests/data/usgs/ are unchanged lines of the shared transcribed files, and 14 rows of the
official MCS2026_Commodities_Data.csv as quoted by a third-party test fixture (tests/data/usgs/README.md).
"""

from __future__ import annotations

import json
import math
import time
from datetime import UTC, datetime
from pathlib import Path

import pandas as pd
import pytest
from werkzeug import Response

from connectors import usgs
from econsec.errors import ConfigError, EmptyResultError, HTTPStatusError, ParseError, SourceError, SourceTimeout
from econsec.schema import validate_minerals

DATA = Path(__file__).parent / "data" / "usgs"
SHARED = Path(__file__).resolve().parents[2] / "shared" / "data" / "usgs_mcs"
WHEN = datetime(2026, 11, 22, 12, 0, tzinfo=UTC)
URL = "https://www.sciencebase.gov/catalog/file/get/696a75d5d4be0228872d3bf8?name=MCS2026_Commodities_Data.csv"
LONG = DATA / "MCS2026_Commodities_Data_slice.csv"
NIR_BASIS = "Net import reliance as a percentage of apparent consumption"

needs_shared = pytest.mark.skipif(not SHARED.exists(), reason="needs ../shared/data beside the repo")


def expected(rows: list[tuple], source_url: str) -> pd.DataFrame:  # type: ignore[type-arg]
    """Frame from (commodity, category, country, measure, period, value, unit, value_raw, estimated)."""
    cols = ["commodity", "category", "country", "measure", "period"]
    frame = pd.DataFrame([r[:5] for r in rows], columns=cols).astype("str")
    frame["value"] = pd.Series([r[5] for r in rows], dtype="float64")
    frame["unit"] = pd.Series([r[6] for r in rows], dtype="str")
    frame["value_raw"] = pd.Series([r[7] for r in rows], dtype="str")
    frame["estimated"] = pd.Series([r[8] for r in rows], dtype="bool")
    frame["source"] = pd.Series("usgs", index=frame.index, dtype="str")
    frame["source_url"] = pd.Series(source_url, index=frame.index, dtype="str")
    frame["retrieved_at"] = pd.Series(pd.Timestamp(WHEN), index=frame.index, dtype="datetime64[us, UTC]")
    return frame


def one(frame: pd.DataFrame, **where: str) -> pd.Series:
    mask = pd.Series(True, index=frame.index)
    for column, value in where.items():
        mask &= frame[column] == value
    assert mask.sum() == 1, where
    return frame[mask].iloc[0]


# --------------------------------------------------------------------------- helpers


@pytest.mark.parametrize(
    "raw, value, estimated",
    [("1,700,000", 1700000.0, False), ("200", 200.0, False), (">95", 95.0, False), ("<25", 25.0, False),
     ("—", 0.0, False), ("-", 0.0, False), ("e10,500", 10500.0, True), ("0.5", 0.5, False)],
)
def test_parse_value_numbers(raw, value, estimated):
    assert usgs.parse_value(raw) == (value, estimated)


@pytest.mark.parametrize("raw", ["W", "NA", "E", "XX"])
def test_parse_value_markers_are_na(raw):
    value, estimated = usgs.parse_value(raw)
    assert math.isnan(value) and not estimated


@pytest.mark.parametrize("raw", ["abc", "1,00", "12 t", ""])
def test_parse_value_rejects_other_text(raw):
    with pytest.raises(ValueError):
        usgs.parse_value(raw)


def test_labels():
    assert usgs.parse_year("2025e") == ("2025", True) and usgs.parse_year("2024") == ("2024", False)
    assert usgs.commodity_id("Graphite (natural)") == ("graphite_natural", "")
    assert usgs.commodity_id("Rare Earths") == ("rare_earths", "")
    assert usgs.commodity_id("Rare earths (compounds and metals)") == ("rare_earths", "compounds and metals")
    codes = {n: usgs.country_code(n) for n in ("Burma", "Congo (Kinshasa)", "Russia", "Turkey", "United States",
                                               "Korea, Republic of", "World total (rounded)", "other", "Narnia")}
    assert codes == {"Burma": "MMR", "Congo (Kinshasa)": "COD", "Russia": "RUS", "Turkey": "TUR",
                     "United States": "USA", "Korea, Republic of": "KOR", "World total (rounded)": "WLD",
                     "other": "QNE", "Narnia": None}
    assert usgs.unit_label("metric tons, REO equivalent") == "t REO"
    assert usgs.unit_label("kilograms, gallium content") == "kg Ga content"


# --------------------------------------------------------------------------- transcribed files: slices


def test_read_net_import_reliance_slice():
    path = DATA / "net_import_reliance_slice.csv"
    got = usgs.read_net_import_reliance(path, retrieved_at=WHEN)
    apparent = "% of apparent consumption"
    rows = [
        ("cobalt", NIR_BASIS, "USA", "net_import_reliance", "2024", 74.0, apparent, "74", False),
        ("cobalt", NIR_BASIS, "USA", "net_import_reliance", "2025", 79.0, apparent, "79", True),
        ("gallium", "Net import reliance as a percentage of reported consumption", "USA", "net_import_reliance",
         "2024", 100.0, "% of reported consumption", "100", False),
        ("lithium", NIR_BASIS, "USA", "net_import_reliance", "2024", 50.0, apparent, ">50", False),
        ("rare_earths", f"compounds and metals: {NIR_BASIS}", "USA", "net_import_reliance", "2021", 95.0, apparent,
         ">95", False),
        ("rare_earths", f"mineral concentrates: {NIR_BASIS}", "USA", "net_import_reliance", "2021", float("nan"),
         apparent, "E", False),
    ]
    pd.testing.assert_frame_equal(got, expected(rows, "file:net_import_reliance_slice.csv"))


def test_read_import_sources_slice():
    got = usgs.read_import_sources(DATA / "us_import_sources_slice.csv", retrieved_at=WHEN, source_url="file:x")
    assert len(got) == 13 and set(got["period"]) == {"2024"} and set(got["unit"]) == {"% of US imports, 2021–24"}
    china = one(got, commodity="rare_earths", country="CHN")
    assert (china["category"], china["value"], china["value_raw"]) == ("Rare-earth compounds and metals", 71.0, "71")
    assert one(got, commodity="graphite_natural", country="MOZ")["value"] == 13.0
    assert one(got, commodity="lithium", country="QNE")["category"] == "all"
    # Each list (with its residual) sums to 100 % of imports.
    assert got.groupby(["commodity", "category"])["value"].sum().tolist() == [100.0, 100.0, 100.0]


def test_read_world_production_slice():
    got = usgs.read_world_production(DATA / "world_production_reserves_slice.csv", retrieved_at=WHEN)
    title = "World mine production and reserves"
    gallium = "World low-purity (primary) production and production capacity"
    rows = [
        ("cobalt", title, "COD", "production", "2024", 226000.0, "t Co content", "226000", False),
        ("cobalt", title, "COD", "production", "2025", 230000.0, "t Co content", "230000", True),
        ("cobalt", title, "COD", "reserves", "2025", 6000000.0, "t Co content", "6000000", False),
        ("gallium", gallium, "CHN", "capacity", "2025", 1600000.0, "kg Ga content", "1600000", False),
        ("gallium", gallium, "CHN", "production", "2024", 839000.0, "kg Ga content", "839000", False),
        ("gallium", gallium, "CHN", "production", "2025", 900000.0, "kg Ga content", "900000", True),
        ("gallium", gallium, "USA", "capacity", "2025", 0.0, "kg Ga content", "0", False),
        ("gallium", gallium, "USA", "production", "2024", 0.0, "kg Ga content", "—", False),
        ("gallium", gallium, "USA", "production", "2025", 0.0, "kg Ga content", "—", True),
        ("gallium", gallium, "WLD", "capacity", "2025", 1700000.0, "kg Ga content", "1700000", False),
        ("gallium", gallium, "WLD", "production", "2024", 848000.0, "kg Ga content", "848000", False),
        ("gallium", gallium, "WLD", "production", "2025", 900000.0, "kg Ga content", "900000", True),
        ("lithium", title, "USA", "production", "2024", float("nan"), "t Li content", "W", False),
        ("lithium", title, "USA", "production", "2025", float("nan"), "t Li content", "W", True),
        ("lithium", title, "USA", "reserves", "2025", 4400000.0, "t Li content", "4400000", False),
        ("rare_earths", title, "CAN", "production", "2024", 0.0, "t REO", "—", False),
        ("rare_earths", title, "CAN", "production", "2025", 0.0, "t REO", "—", True),
        ("rare_earths", title, "CAN", "reserves", "2025", 830000.0, "t REO", "830000", False),
        ("rare_earths", title, "MMR", "production", "2024", 27000.0, "t REO", "27000", False),
        ("rare_earths", title, "MMR", "production", "2025", 22000.0, "t REO", "22000", True),
        ("rare_earths", title, "MMR", "reserves", "2025", float("nan"), "t REO", "NA", False),
        ("rare_earths", title, "QNE", "production", "2024", 1000.0, "t REO", "1000", False),
        ("rare_earths", title, "QNE", "production", "2025", 550.0, "t REO", "550", True),
        ("rare_earths", title, "QNE", "reserves", "2025", float("nan"), "t REO", "NA", False),
        ("rare_earths", title, "WLD", "production", "2024", 380000.0, "t REO", "380000", False),
        ("rare_earths", title, "WLD", "production", "2025", 390000.0, "t REO", "390000", True),
        ("rare_earths", title, "WLD", "reserves", "2025", 85000000.0, "t REO", ">85,000,000", False),
    ]
    pd.testing.assert_frame_equal(got, expected(rows, "file:world_production_reserves_slice.csv"))


@pytest.mark.parametrize(
    "text, words",
    [
        ("", "is empty"),
        ("commodity,nir_basis,year,nir_pct\nCobalt,x,2024,74\n", "column 'nir_raw' is missing"),
        ("commodity,nir_basis,year,nir_pct,nir_raw\n", "header and no rows"),
        ("commodity,nir_basis,year,nir_pct,nir_raw\nCobalt,x,2024,seventy,74\n", "row 0: nir_pct is 'seventy'"),
        ("commodity,nir_basis,year,nir_pct,nir_raw\nCobalt,x,24,74,74\n", "row 0: year is '24'"),
        ("commodity,nir_basis,year,nir_pct,nir_raw\nCobalt,x,2024,74,47\n", "does not match the printed nir_raw"),
        ("commodity,nir_basis,year,nir_pct,nir_raw\nCobalt,x,2024,74,lots\n", "nir_raw is 'lots'"),
        ('commodity,nir_basis,year,nir_pct,nir_raw\nCobalt,x,2024,74,"74\n', "not a readable CSV"),
        ("commodity,nir_basis,year,nir_pct,nir_raw\nCobalt,x,2024,74\n", "row 0 has 4 fields, the header 5"),
        ("commodity,nir_basis,year,nir_pct,nir_raw\nCobalt,x,2024,74,74\nCobalt,x,2024,75,75\n", "rows disagree"),
    ],
)
def test_read_net_import_reliance_bad_files(tmp_path, text, words):
    path = tmp_path / "nir.csv"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ParseError, match=words) as info:
        usgs.read_net_import_reliance(path, retrieved_at=WHEN)
    assert "file:nir.csv" in str(info.value)


def test_loader_errors(tmp_path):
    with pytest.raises(SourceError, match="cannot read missing.csv"):
        usgs.read_world_production(tmp_path / "missing.csv", retrieved_at=WHEN)
    bad = tmp_path / "sources.csv"
    bad.write_text("commodity,import_category,country,share_pct,period\nCobalt,all,Narnia,5,2021-24\n")
    with pytest.raises(ParseError, match="unknown country 'Narnia'"):
        usgs.read_import_sources(bad, retrieved_at=WHEN)
    bad.write_text("commodity,import_category,country,share_pct,period\nCobalt,all,Chile,5,2021\n")
    with pytest.raises(ParseError, match="not a year range"):
        usgs.read_import_sources(bad, retrieved_at=WHEN)
    with pytest.raises(ConfigError, match="timezone-aware"):
        usgs.read_import_sources(DATA / "us_import_sources_slice.csv", retrieved_at=datetime(2026, 1, 1))


# --------------------------------------------------------------------------- transcribed files: full


@needs_shared
def test_full_net_import_reliance():
    got = usgs.read_net_import_reliance(SHARED / "net_import_reliance_mcs2026.csv", retrieved_at=WHEN)
    validate_minerals(got)
    assert len(got) == 40
    assert one(got, commodity="cobalt", period="2024")["value"] == 74.0  # file: Cobalt,...,2024,74,74
    assert one(got, commodity="nickel", period="2025")["estimated"]
    assert one(got, commodity="germanium", period="2023")["value_raw"] == ">50"
    concentrates = got[got["category"].str.startswith("mineral concentrates")]
    assert len(concentrates) == 5 and concentrates["value"].isna().all() and set(concentrates["value_raw"]) == {"E"}


@needs_shared
def test_full_import_sources():
    got = usgs.read_import_sources(SHARED / "us_import_sources_2021_2024_mcs2026.csv", retrieved_at=WHEN)
    validate_minerals(got)
    assert len(got) == 45
    assert one(got, commodity="germanium", category="Germanium metal", country="CHN")["value"] == 41.0
    assert one(got, commodity="cobalt", country="NOR")["value"] == 26.0
    scrap = got[got["category"].str.startswith("Nickel-containing scrap")]
    assert scrap["value"].sum() == 77.0  # three countries only, as in the source


@needs_shared
def test_full_world_production():
    got = usgs.read_world_production(SHARED / "world_production_reserves_mcs2026.csv", retrieved_at=WHEN)
    validate_minerals(got)
    assert len(got) == 150
    congo = one(got, commodity="cobalt", country="COD", measure="production", period="2024")
    assert congo["value"] == 226000.0 and congo["unit"] == "t Co content"
    assert one(got, commodity="rare_earths", country="CHN", measure="reserves")["value"] == 44000000.0
    assert one(got, commodity="lithium", country="AUS", measure="production", period="2025")["value"] == 92000.0
    assert one(got, commodity="gallium", country="WLD", measure="capacity")["value"] == 1700000.0
    assert set(got["country"]) >= {"WLD", "QNE", "MMR", "COD", "TUR", "RUS"}


# --------------------------------------------------------------------------- official data release


def test_parse_commodities_data_slice():
    got = usgs.parse(LONG.read_bytes(), source_url=URL, retrieved_at=WHEN)
    co, ga, li, ree = "t Co content", "kg Ga content", "t Li content", "t REO"
    rows = [
        ("antimony", "Mine production", "AUS", "production", "2024", 1270.0, "metric tons, antimony content",
         "1,270", False),
        ("cobalt", "Mine production", "COD", "production", "2024", 226000.0, co, "226,000", True),
        ("cobalt", "Mine production", "COD", "production", "2025", 230000.0, co, "230,000", True),
        ("cobalt", "Mine production", "QNE", "production", "2024", 7780.0, co, "7,780", True),
        ("cobalt", "Mine production", "USA", "production", "2024", 200.0, co, "200", True),
        ("cobalt", "Mine production", "WLD", "production", "2024", 302000.0, co, "302,000", True),
        ("cobalt", "Reserves", "AUS", "reserves", "2025", 1700000.0, co, "1,700,000", False),
        ("gallium", "Primary production", "CHN", "production", "2025", 900000.0, ga, "900,000", True),
        ("gallium", "Primary production", "USA", "production", "2024", 0.0, ga, "—", False),
        ("gallium", "Production capacity", "CHN", "capacity", "2025", 1600000.0, ga, "1,600,000", True),
        ("gallium", "Production capacity", "WLD", "capacity", "2025", 1700000.0, ga, "1,700,000", True),
        ("lithium", "Mine production", "USA", "production", "2024", float("nan"), li, "W", False),
        ("rare_earths", "Reserves", "MMR", "reserves", "2025", float("nan"), ree, "NA", False),
        ("rare_earths", "Reserves", "WLD", "reserves", "2025", 85000000.0, ree, ">85,000,000", False),
    ]
    want = expected(rows, URL)
    pd.testing.assert_frame_equal(got, want)
    # A re-saved UTF-8 copy and text give the same rows.
    text = LONG.read_bytes().decode("cp1252")
    pd.testing.assert_frame_equal(usgs.parse(text.encode("utf-8"), source_url=URL, retrieved_at=WHEN), want)
    pd.testing.assert_frame_equal(usgs.parse(text, source_url=URL, retrieved_at=WHEN), want)


HEADER = ",".join(usgs.MCS2026_COLUMNS)


def test_parse_net_import_reliance_rows_unverified():
    # WRITTEN FROM THE DOCUMENTATION: the official header, a guessed salient-statistics row layout.
    text = (
        f"{HEADER}\n"
        "COBALT,Salient Statistics—United States,Cobalt,United States,Net import reliance,"
        '"Net import reliance as a percentage of apparent consumption",percent,2024,74,,Yes,\n'
        "COBALT,Salient Statistics—United States,Cobalt,United States,Net import reliance,"
        '"Net import reliance as a percentage of apparent consumption",percent,2025,79,Estimated.,Yes,\n'
        "COBALT,Salient Statistics—United States,Cobalt,United States,Imports,Imports for consumption,"
        'metric tons,2024,"11,000",,Yes,\n'
    ).encode("cp1252")
    got = usgs.parse(text, source_url=URL, retrieved_at=WHEN)
    assert got["measure"].tolist() == ["net_import_reliance"] * 2
    assert got["value"].tolist() == [74.0, 79.0] and got["estimated"].tolist() == [False, True]
    assert set(got["country"]) == {"USA"} and set(got["category"]) == {NIR_BASIS}


def test_parse_skips_labels_that_are_not_countries(caplog):
    text = (
        f"{HEADER}\n"
        "HELIUM,World Production and Reserves,Helium,United States (extracted from natural gas),Production,"
        "Production,million cubic meters,2024,81,,Yes,\n"
        "HELIUM,World Production and Reserves,Helium,Qatar,Production,Production,million cubic meters,2024,63,,Yes,\n"
    )
    got = usgs.parse(text.encode(), source_url=URL, retrieved_at=WHEN)
    assert got["country"].tolist() == ["QAT"] and got["unit"].tolist() == ["million cubic meters"]
    assert "United States (extracted from natural gas)" in caplog.text


@pytest.mark.parametrize(
    "content, error, words",
    [
        (b"", EmptyResultError, "empty"),
        (b"<html><body>ScienceBase is down for maintenance</body></html>", ParseError, "HTML"),
        (b"SOURCE,COMMODITY,COUNTRY\nMCS2025,Cobalt,Canada\n", ParseError, "column 'Section' is missing"),
        (HEADER.encode() + b"\n", ParseError, "header and no rows"),
        (HEADER.encode() + b"\nX,World Mine Production and Reserves,Cobalt,Canada,Production,Mine production,"
         b"metric tons,2024,lots,,Yes,\n", ParseError, "row 0: Value is 'lots'"),
        (HEADER.encode() + b"\nX,World Mine Production and Reserves,Cobalt,Canada,Production,Mine production,"
         b"metric tons,2021-24,5,,Yes,\n", ParseError, "row 0: Year is '2021-24'"),
        (HEADER.encode() + b"\nX,World Mine Production and Reserves,Cobalt,Canada,Production,Mine production,"
         b"metric tons,2024,,,Yes,\n", ParseError, "Value is blank"),
        (HEADER.encode() + b"\nX,Salient Statistics,Cobalt,United States,Price,Price,dollars,2024,5,,Yes,\n",
         EmptyResultError, "no world production"),
        (LONG.read_bytes()[:1500], ParseError, "not a readable CSV"),  # cut inside a quoted field
        (HEADER.encode() + b"\nX,World Mine Production and Reserves,Cobalt,Canada,Production,Mine production\n",
         ParseError, "row 0 has 6 fields, the header 12"),
        (b"\x81\x8d\x8f", ParseError, "neither UTF-8 nor cp1252"),
    ],
)
def test_parse_bad_files(content, error, words):
    with pytest.raises(error, match=words) as info:
        usgs.parse(content, source_url=URL, retrieved_at=WHEN)
    assert "[usgs" in str(info.value)


# --------------------------------------------------------------------------- fetch


@pytest.fixture
def api(httpserver, monkeypatch):
    monkeypatch.setenv("ECONSEC_USGS_BASE_URL", httpserver.url_for("").rstrip("/"))
    monkeypatch.setenv("ECONSEC_HTTP_RETRIES", "2")
    return httpserver


FILE_PATH = f"/file/get/{usgs.MCS2026_ITEM_ID}"


def test_default_queries_and_request():
    [query] = usgs.default_queries()
    url, params = usgs.build_request(query)
    assert url == f"https://www.sciencebase.gov/catalog/file/get/{usgs.MCS2026_ITEM_ID}"
    assert params == {"name": "MCS2026_Commodities_Data.csv"}
    with pytest.raises(ConfigError, match="item id"):
        usgs.DataReleaseFile("not-an-id", "x.csv")


def test_fetch_then_parse(api):
    api.expect_request(FILE_PATH, query_string={"name": "MCS2026_Commodities_Data.csv"}).respond_with_data(
        LONG.read_bytes(), content_type="text/csv"
    )
    [raw] = usgs.fetch(usgs.default_queries()[0])
    assert raw.source == "usgs" and raw.url.endswith("?name=MCS2026_Commodities_Data.csv")
    frame = usgs.parse(raw.content, source_url=raw.url, retrieved_at=raw.retrieved_at)
    assert len(frame) == 14 and set(frame["source_url"]) == {raw.url}
    assert json.loads(json.dumps(raw.provenance()))["bytes"] == len(LONG.read_bytes())


def test_fetch_429_then_ok(api):
    api.expect_ordered_request(FILE_PATH).respond_with_data("busy", status=429, headers={"Retry-After": "0"})
    api.expect_ordered_request(FILE_PATH).respond_with_data(LONG.read_bytes())
    [raw] = usgs.fetch(usgs.default_queries()[0])
    assert raw.status == 200 and len(api.log) == 2


def test_fetch_500_until_retries_give_up(api):
    api.expect_request(FILE_PATH).respond_with_data("oops", status=500)
    with pytest.raises(HTTPStatusError) as info:
        usgs.fetch(usgs.default_queries()[0])
    assert info.value.status == 500 and len(api.log) == 3


def test_fetch_timeout(api, monkeypatch):
    monkeypatch.setenv("ECONSEC_HTTP_TIMEOUT", "0.2")
    monkeypatch.setenv("ECONSEC_HTTP_RETRIES", "0")

    def slow(request):  # type: ignore[no-untyped-def]
        time.sleep(0.6)
        return Response(LONG.read_bytes())

    api.expect_request(FILE_PATH).respond_with_handler(slow)
    with pytest.raises(SourceTimeout):
        usgs.fetch(usgs.default_queries()[0])


def test_registry_protocol():
    from connectors.registry import connector

    module = connector("usgs")
    assert module.SOURCE == "usgs" and module.TABLE == "minerals"
