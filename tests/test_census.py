"""US Census international trade connector: query checks, request building, parsing, fetching.

The payloads under tests/data/census/ were written from the documentation (no recorded response exists;
their numbers are made up): see tests/data/census/README.md. HTTP goes to pytest-httpserver on localhost.
"""

from __future__ import annotations

import json
import logging
import time
from datetime import UTC, date, datetime
from pathlib import Path

import pandas as pd
import pytest
from werkzeug import Response

from connectors import census
from connectors.census import CensusQuery
from econsec.errors import (
    ConfigError,
    EmptyResultError,
    FetchError,
    HTTPStatusError,
    ParseError,
    SourceError,
    SourceTimeout,
)
from econsec.schema import validate_trade

DATA = Path(__file__).parent / "data" / "census"
WHEN = datetime(2024, 5, 1, 9, 30, tzinfo=UTC)
URL = "https://api.census.gov/data/timeseries/intltrade/imports/hs?get=CTY_CODE"
KEY = "0123456789abcdef0123456789abcdef01234567"  # Census keys are 40 hex characters
IMPORTS = "imports_hs854231_2024-01_to_2024-02.json"
EXPORTS = "exports_hs280530_2024-03.json"
PATH = "/timeseries/intltrade/imports/hs"


def load(name: str) -> bytes:
    return (DATA / name).read_bytes()


def parse(content: bytes | str) -> pd.DataFrame:
    return census.parse(content, source_url=URL, retrieved_at=WHEN)


def body(*rows: list[str], header: list[str] | None = None) -> bytes:
    header = header or ["CTY_CODE", "CTY_NAME", "I_COMMODITY", "GEN_VAL_MO", "time"]
    return json.dumps([header, *rows]).encode()


def tidy(rows: list[tuple]) -> pd.DataFrame:  # type: ignore[type-arg]
    """Expected frame from (partner, kind, flow, hs, period, value)."""
    frame = pd.DataFrame(
        [("USA", *r[:5]) for r in rows], columns=["reporter", "partner", "partner_kind", "flow", "hs_code", "period"]
    ).astype("str")
    frame["value_usd"] = pd.Series([r[5] for r in rows], dtype="float64")
    frame["net_weight_kg"] = pd.Series(float("nan"), index=frame.index, dtype="float64")
    frame["estimated"] = pd.Series(False, index=frame.index, dtype="bool")
    frame["source"] = pd.Series("us_census", index=frame.index, dtype="str")
    frame["source_url"] = pd.Series(URL, index=frame.index, dtype="str")
    frame["retrieved_at"] = pd.Series(pd.Timestamp(WHEN), index=frame.index, dtype="datetime64[us, UTC]")
    return frame


# --------------------------------------------------------------------------- query and request


@pytest.mark.parametrize(
    "changes, words",
    [
        (dict(flow="M"), "flow 'M'"),
        (dict(hs_code="85423"), "hs_code '85423'"),
        (dict(hs_code="8542310000"), "hs_code"),
        (dict(hs_code=854231), "hs_code"),
        (dict(start="2024-13"), "start '2024-13'"),
        (dict(end="2024"), "end '2024'"),
        (dict(start="2024-05", end="2024-01"), "after end"),
    ],
)
def test_query_rejects_bad_values(changes, words):
    args = dict(flow="import", hs_code="854231", start="2024-01", end="2024-02")
    args.update(changes)
    with pytest.raises(ConfigError, match=words):
        CensusQuery(**args)


def test_build_request_imports_with_key(monkeypatch):
    monkeypatch.setenv("ECONSEC_CENSUS_BASE_URL", "https://example.test/data/")
    url, params = census.build_request(CensusQuery("import", "854231", "2023-01", "2023-12"), KEY)
    assert url == "https://example.test/data/timeseries/intltrade/imports/hs"
    assert params == {
        "get": "CTY_CODE,CTY_NAME,I_COMMODITY,GEN_VAL_MO",
        "I_COMMODITY": "854231",
        "COMM_LVL": "HS6",
        "time": "from 2023-01 to 2023-12",
        "key": KEY,
    }


def test_build_request_exports_one_month_without_key():
    url, params = census.build_request(CensusQuery("export", "2504", "2024-06", "2024-06"), None)
    assert url == "https://api.census.gov/data/timeseries/intltrade/exports/hs"
    assert params == {
        "get": "CTY_CODE,CTY_NAME,E_COMMODITY,ALL_VAL_MO",
        "E_COMMODITY": "2504",
        "COMM_LVL": "HS4",
        "time": "2024-06",
    }


def test_default_queries_cover_six_digit_product_codes_for_36_months():
    from indicators.products import PRODUCT_GROUPS

    queries = census.default_queries(today=date(2026, 3, 15))
    codes = {c for g in PRODUCT_GROUPS for c in g.hs_codes if len(c) == 6}
    assert {q.hs_code for q in queries} == codes
    assert "2504" not in {q.hs_code for q in queries}  # 4-digit codes are not asked for
    assert len(queries) == 2 * len(codes)  # no repeats although groups nest (chips in semiconductors)
    assert {(q.start, q.end) for q in queries} == {("2023-03", "2026-02")}
    assert {q.flow for q in queries} == {"import", "export"}


def test_country_codes_reference():
    codes = census.country_codes()
    assert codes["5700"] == "CHN" and codes["5880"] == "JPN" and codes["5800"] == "KOR"
    assert codes["5830"] == "TWN" and codes["1000"] == "USA" and codes["7920"] == "NAM"  # ISO2 "NA"
    assert codes["4803"] == ""  # Kosovo: no ISO 3166 code
    assert census.partner_of("0014", "PACIFIC RIM COUNTRIES") is None
    assert census.partner_of("7XXX", "AFRICA") is None
    assert census.partner_of("9999", "SOMEWHERE NEW") == ("QNE", "area")


# --------------------------------------------------------------------------- parse


def test_parse_imports_payload(caplog):
    caplog.set_level(logging.INFO, logger="connectors.census")
    expected = tidy(
        [
            ("CHN", "country", "import", "854231", "2024-01", 210987654.0),
            ("CHN", "country", "import", "854231", "2024-02", 198765432.0),
            ("JPN", "country", "import", "854231", "2024-01", 98765432.0),
            ("KOR", "country", "import", "854231", "2024-01", 87654321.0),
            ("MYS", "country", "import", "854231", "2024-02", 455667788.0),
            ("QNE", "area", "import", "854231", "2024-01", 4600.0),  # Kosovo 1200 + West Bank 3400
            ("TWN", "country", "import", "854231", "2024-01", 1530123456.0),
            ("TWN", "country", "import", "854231", "2024-02", 1498765432.0),
            ("WLD", "world", "import", "854231", "2024-01", 3120456789.0),
            ("WLD", "world", "import", "854231", "2024-02", 2987654321.0),
        ]
    )
    got = parse(load(IMPORTS))
    pd.testing.assert_frame_equal(got, expected)
    pd.testing.assert_frame_equal(parse(load(IMPORTS).decode()), expected)
    assert "dropped 4 rows of country groups" in caplog.text and "0014 PACIFIC RIM COUNTRIES" in caplog.text
    assert "4803 KOSOVO" in caplog.text


def test_parse_exports_payload():
    expected = tidy(
        [
            ("CAN", "country", "export", "280530", "2024-03", 456789.0),
            ("JPN", "country", "export", "280530", "2024-03", 0.0),
            ("WLD", "world", "export", "280530", "2024-03", 1234567.0),
            ("ZAF", "country", "export", "280530", "2024-03", 77778.0),
        ]
    )
    pd.testing.assert_frame_equal(parse(load(EXPORTS)), expected)


def test_parse_empty_results():
    with pytest.raises(EmptyResultError, match="204"):
        parse(b"")
    with pytest.raises(EmptyResultError, match="no rows"):
        parse(body())
    with pytest.raises(EmptyResultError, match="groups"):
        parse(body(["0003", "EUROPEAN UNION", "854231", "5", "2024-01"]))


@pytest.mark.parametrize(
    "content, words",
    [
        (b"<!DOCTYPE html><html><body><h1>Service Unavailable</h1></body></html>", "HTML"),
        (b"<?xml version='1.0'?><error>Invalid Key</error>", "HTML/XML"),
        (b"error: unknown variable 'XYZ'", "unknown variable 'XYZ'"),
        (b"There was an error while running your query.  We've logged the error", "message instead of data"),
        (load(IMPORTS)[:300], "truncated"),
        (b'[["CTY_CODE"],["1", 2,]]', "malformed JSON"),
        (b"[]", "header"),
        (b'{"data": []}', "message instead of data"),
        (b'[["CTY_CODE", "CTY_NAME"], {"a": 1}]', "row 1 is a dict"),
        (b'[[1, 2], ["a", "b"]]', "header"),
        (b'[["CTY_CODE", "CTY_NAME"], ["5700"]]', "row 0 has 1 values"),
        (b"\xff\xfe", "not UTF-8"),
    ],
)
def test_parse_rejects_bad_bodies(content, words):
    with pytest.raises(ParseError, match=words) as info:
        parse(content)
    assert not isinstance(info.value, EmptyResultError)
    assert "us_census" in str(info.value)


@pytest.mark.parametrize("field", ["CTY_CODE", "CTY_NAME", "GEN_VAL_MO", "time"])
def test_parse_missing_variable(field):
    header = ["CTY_CODE", "CTY_NAME", "I_COMMODITY", "GEN_VAL_MO", "time"]
    row = ["5700", "CHINA", "854231", "5", "2024-01"]
    j = header.index(field)
    with pytest.raises(ParseError, match=f"{field!r} is missing"):
        parse(body(row[:j] + row[j + 1 :], header=header[:j] + header[j + 1 :]))


def test_parse_needs_exactly_one_commodity_variable():
    header = ["CTY_CODE", "CTY_NAME", "GEN_VAL_MO", "time"]
    with pytest.raises(ParseError, match="neither I_COMMODITY nor E_COMMODITY"):
        parse(body(["5700", "CHINA", "5", "2024-01"], header=header))


@pytest.mark.parametrize(
    "row, words",
    [
        (["5700", "CHINA", "854231", "12abc", "2024-01"], "row 1: GEN_VAL_MO is '12abc', not a number"),
        (["5700", "CHINA", "854231", "-5", "2024-01"], "GEN_VAL_MO is '-5'"),
        (["5700", "CHINA", "854231", None, "2024-01"], "GEN_VAL_MO is missing"),
        (["5700", "CHINA", "854231", 5, "2024-01"], "GEN_VAL_MO is 5, not a number"),
        (["5700", "CHINA", "8542310000", "5", "2024-01"], "I_COMMODITY is '8542310000'"),
        (["5700", "CHINA", "854231", "5", "2024"], "time is '2024', not YYYY-MM"),
        ([None, "CHINA", "854231", "5", "2024-01"], "CTY_CODE is None"),
    ],
)
def test_parse_wrong_types_name_column_and_row(row, words):
    good = ["5880", "JAPAN", "854231", "7", "2024-01"]
    with pytest.raises(ParseError, match=words.replace("(", r"\(")):
        parse(body(good, row))


def test_parse_duplicates():
    row = ["5700", "CHINA", "854231", "5", "2024-01"]
    assert len(parse(body(row, row))) == 1
    with pytest.raises(ParseError, match="rows disagree"):
        parse(body(row, ["5700", "CHINA", "854231", "6", "2024-01"]))


def test_parse_requires_aware_timestamp():
    with pytest.raises(ConfigError, match="timezone-aware"):
        census.parse(load(EXPORTS), source_url=URL, retrieved_at=datetime(2024, 1, 1))


def test_parsed_frame_is_valid_trade():
    validate_trade(parse(load(IMPORTS)))


# --------------------------------------------------------------------------- fetch


@pytest.fixture
def api(httpserver, monkeypatch):
    monkeypatch.setenv("ECONSEC_CENSUS_BASE_URL", httpserver.url_for("").rstrip("/"))
    monkeypatch.setenv("ECONSEC_HTTP_RETRIES", "2")
    return httpserver


QUERY = CensusQuery("import", "854231", "2024-01", "2024-02")


def test_fetch_with_key_never_leaks_it(api, monkeypatch, caplog):
    caplog.set_level(logging.DEBUG)
    monkeypatch.setenv("CENSUS_API_KEY", KEY)
    api.expect_request(
        PATH,
        query_string={
            "get": "CTY_CODE,CTY_NAME,I_COMMODITY,GEN_VAL_MO",
            "I_COMMODITY": "854231",
            "COMM_LVL": "HS6",
            "time": "from 2024-01 to 2024-02",
            "key": KEY,
        },
    ).respond_with_data(load(IMPORTS), content_type="application/json;charset=utf-8")
    [raw] = census.fetch(QUERY)
    assert raw.status == 200 and raw.source == "us_census" and raw.content == load(IMPORTS)
    assert "key=***" in raw.url and "time=from+2024-01+to+2024-02" in raw.url
    assert KEY not in raw.url and KEY not in json.dumps(raw.provenance())
    frame = census.parse(raw.content, source_url=raw.url, retrieved_at=raw.retrieved_at)
    assert KEY not in "".join(frame["source_url"])
    ours = [r for r in caplog.records if not r.name.startswith("werkzeug")]
    assert ours and all(KEY not in r.getMessage() for r in ours)


def test_fetch_without_key_and_204_is_empty(api):
    api.expect_request(PATH).respond_with_response(Response(status=204))
    [raw] = census.fetch(QUERY)
    assert raw.status == 204 and raw.content == b"" and "key" not in raw.url
    with pytest.raises(EmptyResultError, match="204"):
        census.read(QUERY)


def test_fetch_400_plain_text_error_with_key(api, monkeypatch):
    monkeypatch.setenv("CENSUS_API_KEY", KEY)
    # The message echoes the request, key included, as an API might: it must still not leak.
    api.expect_request(PATH).respond_with_data(f"error: unknown variable 'XYZ' in key={KEY}", status=400)
    with pytest.raises(HTTPStatusError) as info:
        census.fetch(QUERY)
    assert info.value.status == 400 and "unknown variable 'XYZ'" in str(info.value)
    assert KEY not in str(info.value) and KEY not in repr(info.value) and KEY not in (info.value.url or "")


def test_fetch_429_then_ok(api):
    api.expect_ordered_request(PATH).respond_with_data("slow down", status=429, headers={"Retry-After": "0"})
    api.expect_ordered_request(PATH).respond_with_data(load(IMPORTS))
    [raw] = census.fetch(QUERY)
    assert raw.status == 200 and len(api.log) == 2


def test_fetch_500_until_retries_give_up(api, monkeypatch):
    monkeypatch.setenv("CENSUS_API_KEY", KEY)
    api.expect_request(PATH).respond_with_data(f"internal error for {KEY}", status=500)
    with pytest.raises(HTTPStatusError) as info:
        census.fetch(QUERY)
    assert info.value.status == 500 and len(api.log) == 3  # ECONSEC_HTTP_RETRIES=2 -> 3 requests
    assert KEY not in str(info.value) and KEY not in repr(info.value)


def test_fetch_timeout(api, monkeypatch):
    monkeypatch.setenv("ECONSEC_HTTP_TIMEOUT", "0.2")
    monkeypatch.setenv("ECONSEC_HTTP_RETRIES", "0")
    monkeypatch.setenv("CENSUS_API_KEY", KEY)

    def slow(request):  # type: ignore[no-untyped-def]
        time.sleep(0.6)
        return Response(load(IMPORTS))

    api.expect_request(PATH).respond_with_handler(slow)
    with pytest.raises(SourceTimeout, match="0.2 s") as info:
        census.fetch(QUERY)
    assert KEY not in str(info.value)


def test_fetch_truncated_body(api, monkeypatch):
    monkeypatch.setenv("ECONSEC_HTTP_RETRIES", "0")
    full = load(IMPORTS)

    def cut(request):  # type: ignore[no-untyped-def]
        # Announces the whole length but sends half: the connection closes early.
        return Response(full[: len(full) // 2], headers={"Content-Length": str(len(full))})

    api.expect_request(PATH).respond_with_handler(cut)
    with pytest.raises(SourceError) as info:
        census.read(QUERY)
    assert isinstance(info.value, FetchError | ParseError)


def test_read_parses_a_cut_json_body(api):
    api.expect_request(PATH).respond_with_data(load(IMPORTS)[:500])
    with pytest.raises(ParseError, match="truncated"):
        census.read(QUERY)


def test_registry_protocol():
    from connectors.registry import connector

    module = connector("us_census")
    assert module.SOURCE == "us_census" and module.TABLE == "trade"
    assert callable(module.default_queries) and callable(module.fetch) and callable(module.parse)
