"""World Bank Indicators API v2 connector: queries, parsing, WDI file loaders, fetching.

The JSON/XML payloads under tests/data/worldbank/ were WRITTEN FROM THE DOCUMENTATION with real
WDI values (no recorded response exists); the CSVs are byte-exact slices of the real WDI files.
See tests/data/worldbank/README.md. HTTP goes to pytest-httpserver on localhost.
"""

from __future__ import annotations

import json
import logging
import socket
import threading
import time
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import pandas as pd
import pycountry
import pytest
from werkzeug import Response

from connectors import registry, worldbank
from connectors.worldbank import WorldBankQuery
from econsec.countries import AGGREGATES
from econsec.errors import (
    ConfigError,
    EmptyResultError,
    FetchError,
    HTTPStatusError,
    ParseError,
    SourceError,
    SourceTimeout,
)
from econsec.schema import validate_series

DATA = Path(__file__).parent / "data" / "worldbank"
SLICES = DATA / "wdi"
SHARED = Path(__file__).resolve().parents[2] / "shared" / "data" / "worldbank_wdi"
WHEN = datetime(2026, 7, 2, 9, 30, tzinfo=UTC)
URL = "https://api.worldbank.org/v2/country/JPN;USA;WLD/indicator/GB.XPD.RSDV.GD.ZS?format=json&page=1"
RSDV = "GB.XPD.RSDV.GD.ZS"
PAGE1 = "rsdv_JPN-USA-WLD_2022-2024_page1.json"
PAGE2 = "rsdv_JPN-USA-WLD_2022-2024_page2.json"
AGGREGATES_2023 = "rsdv_aggregates_2023.json"
PATH = f"/country/JPN;USA;WLD/indicator/{RSDV}"


def load(name: str) -> bytes:
    return (DATA / name).read_bytes()


def parse(content: bytes | str, source_url: str = URL) -> pd.DataFrame:
    return worldbank.parse(content, source_url=source_url, retrieved_at=WHEN)


def rows_of(name: str) -> list[dict]:  # type: ignore[type-arg]
    return json.loads(load(name))[1]


def body(*rows: dict, page: int = 1, pages: int = 1) -> bytes:  # type: ignore[type-arg]
    meta = {"page": page, "pages": pages, "per_page": 1000, "total": len(rows), "sourceid": "2"}
    return json.dumps([meta, list(rows)]).encode()


def row(**changes) -> dict:  # type: ignore[no-untyped-def,type-arg]
    """Japan 2023 from the first page, changed as asked."""
    base = dict(rows_of(PAGE1)[1])
    assert base["countryiso3code"] == "JPN" and base["date"] == "2023"
    base.update(changes)
    return base


def series(rows: list[tuple], source_url: str = URL, when: datetime = WHEN) -> pd.DataFrame:  # type: ignore[type-arg]
    """Expected frame from (country, series, period, value, unit, estimated) tuples."""
    frame = pd.DataFrame([r[:3] for r in rows], columns=["country", "series", "period"]).astype("str")
    frame["value"] = pd.Series([r[3] for r in rows], dtype="float64")
    frame["unit"] = pd.Series([r[4] for r in rows], dtype="str")
    frame["estimated"] = pd.Series([r[5] for r in rows], dtype="bool")
    frame["source"] = pd.Series("worldbank", index=frame.index, dtype="str")
    frame["source_url"] = pd.Series(source_url, index=frame.index, dtype="str")
    frame["retrieved_at"] = pd.Series(pd.Timestamp(when), index=frame.index, dtype="datetime64[us, UTC]")
    return frame


GDP = "% of GDP"
PAGE1_ROWS = [  # values as in worldbank_wdi/GB.XPD.RSDV.GD.ZS.csv; 2024 is null and dropped
    ("JPN", RSDV, "2022", 3.40053, GDP, False),
    ("JPN", RSDV, "2023", 3.44125, GDP, False),
    ("USA", RSDV, "2023", 3.44716, GDP, False),
]
PAGE2_ROWS = [
    ("USA", RSDV, "2022", 3.48736, GDP, False),
    ("WLD", RSDV, "2022", 2.5711591602204, GDP, False),
    ("WLD", RSDV, "2023", 2.59737836465431, GDP, False),
]


# --------------------------------------------------------------------------- registry and queries


def test_module_follows_the_connector_protocol():
    module = registry.connector("worldbank")
    assert module is worldbank and worldbank.SOURCE == "worldbank" and worldbank.TABLE == "series"
    assert set(worldbank.KEPT_AGGREGATES) <= set(AGGREGATES)


def test_series_info_matches_the_wdi_files():
    assert len(worldbank.SERIES_INFO) == 19
    assert {p.name[:-4] for p in SLICES.glob("*.csv")} == set(worldbank.SERIES_INFO)
    assert worldbank.SERIES_INFO[RSDV].unit == "% of GDP"
    assert worldbank.SERIES_INFO["NY.GDP.MKTP.CD"].unit == "current US$"
    assert all(info.name and info.unit for info in worldbank.SERIES_INFO.values())


@pytest.mark.skipif(not SHARED.exists(), reason="needs ../shared/data beside the repo")
def test_series_info_matches_the_shared_folder():
    assert {p.name[:-4] for p in SHARED.glob("*.csv")} == set(worldbank.SERIES_INFO)


def test_default_queries():
    queries = worldbank.default_queries()
    assert [q.indicator for q in queries] == list(worldbank.SERIES_INFO)
    year = datetime.now(UTC).year
    for q in queries:
        assert (q.start_year, q.end_year, q.per_page) == (2000, year, 1000)
        assert q.countries == worldbank.DEFAULT_COUNTRIES
        assert len(q.chunks()) == 1  # 20 codes fit easily in one URL
    codes = set(worldbank.DEFAULT_COUNTRIES)
    assert len(codes) == 20 and "TWN" not in codes and {"USA", "JPN", "VNM", "WLD", "EUU", "EAS"} <= codes
    assert worldbank.default_queries(end_year=2024)[0].end_year == 2024


@pytest.mark.parametrize(
    "changes, words",
    [
        (dict(indicator="SP.POP.TOTL"), "not in worldbank.SERIES_INFO"),
        (dict(countries=("TWN",)), "Taiwan is not covered"),
        (dict(countries=("usa",)), "'usa'"),
        (dict(countries=("HIC",)), "'HIC'"),
        (dict(countries=("XKX",)), "'XKX'"),
        (dict(countries=(840,)), "840"),
        (dict(countries="USA"), "tuple"),
        (dict(countries=()), "empty"),
        (dict(countries=("USA", "USA")), "repeats"),
        (dict(start_year=2024, end_year=2000), "ordered"),
        (dict(start_year=1900), "1960"),
        (dict(start_year="2000"), "integer"),
        (dict(end_year=True), "integer"),
        (dict(per_page=0), "per_page"),
        (dict(per_page=worldbank.MAX_PER_PAGE + 1), "per_page"),
    ],
)
def test_query_rejects_bad_values(changes, words):
    args = dict(indicator=RSDV, countries=("USA",), start_year=2000, end_year=2024)
    args.update(changes)
    with pytest.raises(ConfigError, match=words):
        WorldBankQuery(**args)


def test_build_request(monkeypatch):
    monkeypatch.setenv("ECONSEC_WORLDBANK_BASE_URL", "https://example.test/v2/")
    q = WorldBankQuery(RSDV, ["JPN", "USA", "WLD"], 2022, 2024, per_page=5)
    assert q.countries == ("JPN", "USA", "WLD")  # normalised to a tuple
    url, params = worldbank.build_request(q, page=2)
    assert url == f"https://example.test/v2{PATH}"
    assert params == {"format": "json", "source": "2", "date": "2022:2024", "per_page": "5", "page": "2"}
    assert (
        worldbank.request_url(q)
        == f"https://example.test/v2{PATH}?format=json&source=2&date=2022%3A2024&per_page=5&page=1"
    )


def test_chunks_keep_every_url_short_and_every_country_in_order():
    everyone = tuple(sorted(c.alpha_3 for c in pycountry.countries if c.alpha_3 != "TWN"))
    q = WorldBankQuery("NY.GDP.MKTP.CD", everyone, 2000, 2025)
    chunks = q.chunks()
    assert len(chunks) > 1
    assert tuple(c for chunk in chunks for c in chunk.countries) == everyone
    for chunk in chunks:
        assert len(worldbank.request_url(chunk, page=999)) <= worldbank.MAX_URL_CHARS < 1500
        assert (chunk.indicator, chunk.start_year, chunk.end_year) == (q.indicator, 2000, 2025)
    one = len(worldbank.request_url(q._with(("ABW",)), page=worldbank.MAX_PAGES))
    assert {len(c.countries) for c in q.chunks(max_url_chars=one + 4)[:-1]} == {2}  # ";XXX" adds 4 characters
    with pytest.raises(ConfigError, match="too long"):
        q.chunks(max_url_chars=40)


# --------------------------------------------------------------------------- parse


def test_parse_two_pages_drops_null_values():
    pd.testing.assert_frame_equal(parse(load(PAGE1)), series(PAGE1_ROWS))
    pd.testing.assert_frame_equal(parse(load(PAGE2)), series(PAGE2_ROWS))
    pd.testing.assert_frame_equal(parse(load(PAGE1).decode()), series(PAGE1_ROWS))  # str accepted
    assert parse(b"\xef\xbb\xbf" + load(PAGE1)).equals(parse(load(PAGE1)))  # a BOM is harmless


def test_parse_keeps_wld_euu_eas_drops_other_aggregates(caplog):
    caplog.set_level(logging.DEBUG, logger="connectors.worldbank")
    expected = series(
        [
            ("EAS", RSDV, "2023", 2.77833006240947, GDP, False),
            ("EUU", RSDV, "2023", 2.26277335792334, GDP, False),  # countryiso3code "" -> country.id EU
            ("KOR", RSDV, "2023", 4.94352, GDP, False),
        ]
    )
    pd.testing.assert_frame_equal(parse(load(AGGREGATES_2023)), expected)
    assert "'HIC'" in caplog.text and "'XC'" in caplog.text  # Euro area (no ISO3) and High income dropped


@pytest.mark.parametrize(
    "iso3, wb_id, expected",
    [
        ("", "1W", "WLD"),
        ("", "Z4", "EAS"),
        ("", "EU", "EUU"),
        ("", "EUU", "EUU"),
        ("", "JP", "JPN"),  # a country without its ISO3: country.id is ISO2
        ("", "ZG", None),  # Sub-Saharan Africa
        ("", "", None),
        ("WLD", "1W", "WLD"),
        ("EMU", "XC", None),
        ("XKX", "XK", None),  # Kosovo: a World Bank code, not ISO 3166
        ("CHI", "JG", None),  # Channel Islands
    ],
)
def test_country_codes(iso3, wb_id, expected):
    content = body(row(countryiso3code=iso3, country={"id": wb_id, "value": "x"}))
    if expected is None:
        with pytest.raises(EmptyResultError, match="no row is a country or a kept aggregate"):
            parse(content)
    else:
        assert parse(content)["country"].tolist() == [expected]


def test_parse_estimated_from_obs_status():
    frame = parse(
        body(row(obs_status="E"), row(date="2022", obs_status=""), row(date="2021", obs_status=None), row(date="2020"))
    )
    assert frame.set_index("period")["estimated"].to_dict() == {
        "2020": False,
        "2021": False,
        "2022": False,
        "2023": True,
    }


def test_parse_converts_retrieved_at_to_utc_and_needs_a_timezone():
    tokyo = datetime(2026, 7, 2, 18, 30, tzinfo=timezone(timedelta(hours=9)))
    frame = worldbank.parse(load(PAGE1), source_url=URL, retrieved_at=tokyo)
    assert (frame["retrieved_at"] == pd.Timestamp(WHEN)).all()
    with pytest.raises(ConfigError, match="timezone"):
        worldbank.parse(load(PAGE1), source_url=URL, retrieved_at=datetime(2026, 7, 2))


def test_parse_empty_result():
    with pytest.raises(EmptyResultError, match="no rows"):
        parse(load("empty_result.json"))
    with pytest.raises(EmptyResultError, match="no rows"):
        parse(b'[{"page":1,"pages":1,"per_page":50,"total":0},[]]')
    with pytest.raises(EmptyResultError, match="every value is null"):
        parse(body(row(value=None), row(date="2022", value=None)))


def test_parse_api_error_array():
    with pytest.raises(ParseError) as info:
        parse(load("error_invalid_value.json"))
    assert not isinstance(info.value, EmptyResultError)
    assert "120 Invalid value: The provided parameter value is not valid" in str(info.value)
    assert URL in str(info.value) and "worldbank" in str(info.value)


def test_parse_xml_error_though_json_was_asked():
    for content in (load("error_indicator_not_found.xml"), load("error_indicator_not_found.xml").decode()):
        with pytest.raises(ParseError, match="175 Invalid format: The indicator was not found") as info:
            parse(content)
        assert "as XML" in str(info.value) and URL in str(info.value)
    with pytest.raises(ParseError, match="error as XML"):
        parse(b'<wb:error xmlns:wb="http://www.worldbank.org"><wb:message id="1"')  # cut XML


@pytest.mark.parametrize(
    "content, words",
    [
        (b"", "empty"),
        (b"  \n", "empty"),
        (b"<!DOCTYPE html><html><body>Service Unavailable</body></html>", "HTML"),
        (load(PAGE1)[:700], "truncated"),
        (b'[{"page": 1}, [}]', "malformed JSON"),
        (b'{"page": 1}', "expected the \\[metadata, rows\\] array, got a dict"),
        (b"[]", "got a list"),
        (b"null", "got null"),
        (b'[{"page": 1}, [], []]', "3-element"),
        (b'[1, [{"a": 1}]]', "2-element"),
        (b'[{"page": 1}, {"a": 1}]', "rows are a dict"),
        (b'[{"page": 1}, [1]]', "row 0 is a int"),
        (b"\xff\xfe[]", "UTF-8"),
    ],
)
def test_parse_rejects_bad_bodies(content, words):
    with pytest.raises(ParseError, match=words) as info:
        parse(content)
    assert not isinstance(info.value, EmptyResultError)
    assert URL in str(info.value)


@pytest.mark.parametrize("field", ["indicator", "country", "countryiso3code", "date", "value"])
def test_parse_row_missing_field(field):
    second = row(date="2022")
    del second[field]
    with pytest.raises(ParseError, match=f"row 1: field '{field}' is missing"):
        parse(body(row(), second))


@pytest.mark.parametrize(
    "changes, words",
    [
        (dict(value="3.44125"), "value is '3.44125', not a number"),
        (dict(value=True), "value is True"),
        (dict(value=[1]), "value is \\[1\\]"),
        (dict(date=2023), "date is 2023, not a year as text"),
        (dict(date="2023Q1"), "date is '2023Q1'"),
        (dict(countryiso3code=None), "countryiso3code is None"),
        (dict(country="JP"), "country is 'JP'"),
        (dict(indicator="GB.XPD.RSDV.GD.ZS"), "indicator is"),
        (dict(indicator={"id": "SP.POP.TOTL", "value": "Population"}), "indicator 'SP.POP.TOTL' is not in"),
        (dict(obs_status=1), "obs_status is 1"),
    ],
)
def test_parse_row_with_wrong_type(changes, words):
    with pytest.raises(ParseError, match=f"row 1: {words}"):
        parse(body(row(date="2022"), row(**changes)))


def test_parse_value_can_be_an_integer_or_negative():
    frame = parse(body(row(value=12), row(date="2022", value=-1.5)))
    assert frame["value"].tolist() == [-1.5, 12.0] and frame["value"].dtype == "float64"


def test_parse_repeated_rows():
    assert len(parse(body(row(), row()))) == 1
    with pytest.raises(ParseError, match="rows disagree"):
        parse(body(row(), row(value=1.0)))
    # The EU once with its ISO3 and once without: the same row, named two ways.
    assert len(parse(body(row(countryiso3code="EUU"), row(countryiso3code="", country={"id": "EU"})))) == 1


# --------------------------------------------------------------------------- WDI files


def test_read_wdi_csv_slice():
    frame = worldbank.read_wdi_csv(SLICES / f"{RSDV}.csv", retrieved_at=WHEN)
    expected = series(
        [
            ("EAS", RSDV, "2023", 2.77833006240947, GDP, False),
            ("EUU", RSDV, "2023", 2.26277335792334, GDP, False),
            ("JPN", RSDV, "2022", 3.40053, GDP, False),
            ("JPN", RSDV, "2023", 3.44125, GDP, False),
            ("KOR", RSDV, "2023", 4.94352, GDP, False),  # "Korea, Rep." is quoted in the file
            ("WLD", RSDV, "2023", 2.59737836465431, GDP, False),
        ],  # AFE (Africa Eastern and Southern) is an aggregate econsec does not keep
        source_url=f"file:{RSDV}.csv",
    )
    pd.testing.assert_frame_equal(frame, expected)


def test_read_wdi_csv_drops_non_iso_economies_and_filters_countries():
    path = SLICES / "NY.GDP.MKTP.CD.csv"
    frame = worldbank.read_wdi_csv(path, retrieved_at=WHEN, source_url="file:gdp")
    assert "XKX" not in set(frame["country"]) and "ABW" in set(frame["country"])
    assert set(frame["unit"]) == {"current US$"} and set(frame["source_url"]) == {"file:gdp"}
    jpn = worldbank.read_wdi_csv(path, retrieved_at=WHEN, countries=["JPN", "WLD"])
    assert jpn[["country", "period", "value"]].values.tolist() == [
        ["JPN", "2024", 4190008188358.57],
        ["JPN", "2025", 4435162999976.94],
        ["WLD", "2025", 118350166039396.0],
    ]
    none = worldbank.read_wdi_csv(path, retrieved_at=WHEN, countries=["FRA"])
    assert none.empty and list(none.columns) == list(expected_columns())
    validate_series(none)
    with pytest.raises(ConfigError, match="not ISO3"):
        worldbank.read_wdi_csv(path, retrieved_at=WHEN, countries=["jp"])
    with pytest.raises(ConfigError, match="collection"):
        worldbank.read_wdi_csv(path, retrieved_at=WHEN, countries="JPN")


def expected_columns() -> tuple[str, ...]:
    return ("country", "series", "period", "value", "unit", "estimated", "source", "source_url", "retrieved_at")


def test_read_wdi_folder_slices():
    frame = worldbank.read_wdi_folder(SLICES, retrieved_at=WHEN)
    assert set(frame["series"]) == set(worldbank.SERIES_INFO)
    assert set(frame["country"]) <= set(worldbank.DEFAULT_COUNTRIES)
    assert set(frame["country"]) == {"JPN", "KOR", "WLD", "EUU", "EAS"}
    assert frame["source_url"].str.startswith("file:").all()
    assert (frame["source_url"] == "file:" + frame["series"] + ".csv").all()
    everyone = worldbank.read_wdi_folder(SLICES, retrieved_at=WHEN, countries=None)
    assert len(everyone) > len(frame) and "ABW" in set(everyone["country"])


@pytest.mark.parametrize(
    "name, content, words",
    [
        ("SP.POP.TOTL.csv", b"Country Name,Country Code,Year,Value\nJapan,JPN,2023,1\n", "does not name a series"),
        (f"{RSDV}.csv", b"", "empty"),
        (f"{RSDV}.csv", b"Country Name,Country Code,Year,Value\n", "no data rows"),
        (f"{RSDV}.csv", b"Country,Code,Year,Value\nJapan,JPN,2023,1\n", "columns are"),
        (f"{RSDV}.csv", b"Country Name,Country Code,Year,Value\nJapan,JPN,23,1\n", "line 2: Year is '23'"),
        (
            f"{RSDV}.csv",
            b"Country Name,Country Code,Year,Value\nJapan,JPN,2023,1\nJapan,JPN,2022,n/a\n",
            "line 3: Value is 'n/a'",
        ),
        (f"{RSDV}.csv", b'Country Name,Country Code,Year,Value\n"Japan,JPN,2023,1\n', "unreadable CSV"),
        (f"{RSDV}.csv", b"\xff\xfe\x00\x01", "not UTF-8"),
        (f"{RSDV}.csv", b"Country Name,Country Code,Year,Value\nJapan,JPN,2023,1\nJapan,JPN,2023,2\n", "rows disagree"),
    ],
)
def test_read_wdi_csv_errors(tmp_path, name, content, words):
    path = tmp_path / name
    path.write_bytes(content)
    with pytest.raises(ParseError, match=words) as info:
        worldbank.read_wdi_csv(path, retrieved_at=WHEN)
    assert name in str(info.value)


def test_read_wdi_csv_blank_value_is_dropped_and_missing_file_is_a_source_error(tmp_path):
    path = tmp_path / f"{RSDV}.csv"
    path.write_bytes(b"Country Name,Country Code,Year,Value\nJapan,JPN,2023,3.44125\nJapan,JPN,2024,\n")
    assert worldbank.read_wdi_csv(path, retrieved_at=WHEN)["period"].tolist() == ["2023"]
    with pytest.raises(SourceError, match="cannot read"):
        worldbank.read_wdi_csv(tmp_path / "NY.GDP.MKTP.CD.csv", retrieved_at=WHEN)
    with pytest.raises(SourceError, match="has no SP.POP.SCIE.RD.P6.csv"):
        worldbank.read_wdi_folder(tmp_path, retrieved_at=WHEN)


@pytest.mark.skipif(not SHARED.exists(), reason="needs ../shared/data beside the repo")
def test_read_wdi_folder_real_files():
    frame = worldbank.read_wdi_folder(SHARED, retrieved_at=WHEN)
    assert 10_000 < len(frame) < 30_000  # focus countries + WLD/EUU/EAS, every year in the files
    assert set(frame["country"]) == set(worldbank.DEFAULT_COUNTRIES)
    value = frame.set_index(["country", "series", "period"])["value"]
    assert value[("JPN", RSDV, "2023")] == 3.44125
    assert value[("WLD", RSDV, "2022")] == 2.5711591602204
    assert value[("KOR", RSDV, "2023")] == 4.94352
    assert value[("JPN", "NY.GDP.MKTP.CD", "2025")] == 4435162999976.94
    assert not frame["estimated"].any()
    full = worldbank.read_wdi_csv(SHARED / f"{RSDV}.csv", retrieved_at=WHEN, countries=None)
    assert 2_000 < len(full) < 3_198 and {"HIC", "AFE", "EMU"}.isdisjoint(set(full["country"]))


# --------------------------------------------------------------------------- fetch


@pytest.fixture
def api(httpserver, monkeypatch):
    monkeypatch.setenv("ECONSEC_WORLDBANK_BASE_URL", httpserver.url_for("").rstrip("/"))
    monkeypatch.setenv("ECONSEC_HTTP_RETRIES", "2")
    return httpserver


def paged_query(**changes) -> WorldBankQuery:  # type: ignore[no-untyped-def]
    args = dict(indicator=RSDV, countries=("JPN", "USA", "WLD"), start_year=2022, end_year=2024, per_page=5)
    args.update(changes)
    return WorldBankQuery(**args)


def test_fetch_follows_pages_and_parse_returns_the_values(api):
    for page, name in ((1, PAGE1), (2, PAGE2)):
        api.expect_ordered_request(
            PATH,
            query_string={"format": "json", "source": "2", "date": "2022:2024", "per_page": "5", "page": str(page)},
        ).respond_with_data(load(name), content_type="application/json;charset=utf-8")
    raws = worldbank.fetch(paged_query())
    assert [r.content for r in raws] == [load(PAGE1), load(PAGE2)] and len(api.log) == 2
    assert all(r.source == "worldbank" and r.status == 200 for r in raws)
    frames = [worldbank.parse(r.content, source_url=r.url, retrieved_at=WHEN) for r in raws]
    pd.testing.assert_frame_equal(frames[0], series(PAGE1_ROWS, source_url=raws[0].url))
    pd.testing.assert_frame_equal(frames[1], series(PAGE2_ROWS, source_url=raws[1].url))
    assert raws[1].url.startswith(api.url_for(PATH)) and raws[1].url.endswith("page=2")


def test_read_concatenates_pages(api):
    def handler(request):  # type: ignore[no-untyped-def]
        return Response(load(PAGE1 if request.args["page"] == "1" else PAGE2), content_type="application/json")

    api.expect_request(PATH).respond_with_handler(handler)
    frame = worldbank.read(paged_query())
    got = frame[["country", "period", "value"]].values.tolist()
    assert got == [[c, p, v] for c, _, p, v, _, _ in sorted(PAGE1_ROWS + PAGE2_ROWS)]


def test_fetch_splits_long_country_lists(api, monkeypatch):
    monkeypatch.setattr(
        worldbank,
        "MAX_URL_CHARS",
        len(worldbank.request_url(paged_query(countries=("JPN",)), page=worldbank.MAX_PAGES)) + 4,
    )
    seen = []

    def handler(request):  # type: ignore[no-untyped-def]
        seen.append(request.path)
        return Response(load("empty_result.json"), content_type="application/json")

    api.expect_request(f"/country/JPN;USA/indicator/{RSDV}").respond_with_handler(handler)
    api.expect_request(f"/country/WLD/indicator/{RSDV}").respond_with_handler(handler)
    raws = worldbank.fetch(paged_query())
    assert seen == [f"/country/JPN;USA/indicator/{RSDV}", f"/country/WLD/indicator/{RSDV}"] and len(raws) == 2
    with pytest.raises(EmptyResultError, match="no values for GB.XPD.RSDV.GD.ZS in 2022:2024"):
        worldbank.read(paged_query())


@pytest.mark.parametrize(
    "name, content_type, words",
    [
        ("error_invalid_value.json", "application/json", "120 Invalid value"),
        ("error_indicator_not_found.xml", "text/xml", "175 Invalid format"),
    ],
)
def test_fetch_api_errors_come_with_http_200(api, name, content_type, words):
    api.expect_request(PATH).respond_with_data(load(name), content_type=content_type)
    raws = worldbank.fetch(paged_query())
    assert len(raws) == 1 and len(api.log) == 1  # no pagination on an error
    with pytest.raises(ParseError, match=words):
        worldbank.read(paged_query())


def test_fetch_refuses_an_absurd_page_count(api):
    api.expect_request(PATH).respond_with_data(body(row(), pages=10**6))
    with pytest.raises(ParseError, match="1000000 pages"):
        worldbank.fetch(paged_query())
    api.clear()
    api.expect_request(PATH).respond_with_data(body(row(), pages="two"))  # type: ignore[arg-type]
    with pytest.raises(ParseError, match="'pages' is 'two'"):
        worldbank.fetch(paged_query())


def test_fetch_accepts_page_counts_sent_as_text(api):
    meta = {"page": "1", "pages": "1", "per_page": "5", "total": "1"}
    api.expect_request(PATH).respond_with_data(json.dumps([meta, [row()]]))
    assert len(worldbank.fetch(paged_query())) == 1 and len(api.log) == 1


def test_fetch_429_then_ok(api):
    api.expect_ordered_request(PATH).respond_with_data("slow down", status=429, headers={"Retry-After": "0"})
    api.expect_ordered_request(PATH).respond_with_data(load("rsdv_aggregates_2023.json"))
    raws = worldbank.fetch(paged_query())
    assert len(raws) == 1 and raws[0].status == 200 and len(api.log) == 2


def test_fetch_500_after_retries(api):
    api.expect_request(PATH).respond_with_data("Service Unavailable", status=500)
    with pytest.raises(HTTPStatusError) as info:
        worldbank.fetch(paged_query())
    assert info.value.status == 500 and len(api.log) == 3  # ECONSEC_HTTP_RETRIES=2 -> 3 requests
    assert "worldbank" in str(info.value) and PATH in str(info.value)


def test_fetch_timeout(api, monkeypatch):
    monkeypatch.setenv("ECONSEC_HTTP_TIMEOUT", "0.2")
    monkeypatch.setenv("ECONSEC_HTTP_RETRIES", "0")

    def slow(request):  # type: ignore[no-untyped-def]
        time.sleep(0.6)
        return Response(load(PAGE1))

    api.expect_request(PATH).respond_with_handler(slow)
    with pytest.raises(SourceTimeout, match="0.2 s"):
        worldbank.fetch(paged_query())


def test_fetch_truncated_body(monkeypatch):
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(1)
    head = b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 5000\r\n\r\n"

    def run() -> None:
        conn, _ = server.accept()
        with conn:
            conn.recv(65536)
            conn.sendall(head + load(PAGE1)[:300])
        server.close()

    threading.Thread(target=run, daemon=True).start()
    monkeypatch.setenv("ECONSEC_WORLDBANK_BASE_URL", f"http://127.0.0.1:{server.getsockname()[1]}")
    monkeypatch.setenv("ECONSEC_HTTP_RETRIES", "0")
    with pytest.raises(FetchError, match="cut off") as info:
        worldbank.fetch(paged_query())
    assert "worldbank" in str(info.value)
