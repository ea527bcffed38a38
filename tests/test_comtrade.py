"""UN Comtrade connector: query checks, request building, parsing of real payloads, fetching.

Payloads under tests/data/comtrade/ are verbatim recorded responses or byte-exact slices of real
extracts (see tests/data/comtrade/README.md). HTTP goes to pytest-httpserver on localhost.
"""

from __future__ import annotations

import json
import logging
import socket
import time
from datetime import UTC, datetime
from pathlib import Path

import pandas as pd
import pytest
from werkzeug import Response

from connectors import comtrade
from connectors.comtrade import ComtradeQuery
from econsec.errors import (
    ConfigError,
    EmptyResultError,
    HTTPStatusError,
    ParseError,
    SourceError,
    SourceTimeout,
    SourceUnreachable,
)
from econsec.schema import TRADE_COLUMNS, validate_trade

DATA = Path(__file__).parent / "data" / "comtrade"
WHEN = datetime(2024, 11, 15, 12, 0, tzinfo=UTC)
URL = "https://comtradeapi.un.org/data/v1/get/C/A/HS?reporterCode=156"
KEY = "k3y-Sekrit-0123456789abcdef"
INCLUDE_DESC = "includeDesc_reporter156_2010_TOTAL.json"


def load(name: str) -> bytes:
    return (DATA / name).read_bytes()


def query(**changes) -> ComtradeQuery:  # type: ignore[no-untyped-def]
    args = dict(reporters=("USA",), partners=("CHN", "WLD"), periods=("2023",), cmd_codes=("8542",))
    args.update(changes)
    return ComtradeQuery(**args)


def row(**changes) -> dict:  # type: ignore[type-arg]
    """The first row of the recorded includeDesc response, changed as asked."""
    base = dict(json.loads(load(INCLUDE_DESC))["data"][0])
    base.update(changes)
    return base


def body(*rows: dict) -> bytes:  # type: ignore[type-arg]
    return json.dumps(
        {"elapsedTime": "0.1 secs", "count": len(rows), "data": list(rows), "error": ""}
    ).encode()


def parse(content: bytes | str) -> pd.DataFrame:
    return comtrade.parse(content, source_url=URL, retrieved_at=WHEN)


def tidy(rows: list[tuple], source_url: str = URL, when: datetime = WHEN) -> pd.DataFrame:  # type: ignore[type-arg]
    """Expected frame from (reporter, partner, kind, flow, hs, period, value, weight, estimated)."""
    cols = ["reporter", "partner", "partner_kind", "flow", "hs_code", "period"]
    frame = pd.DataFrame([r[:6] for r in rows], columns=cols).astype("str")
    frame["value_usd"] = pd.Series([r[6] for r in rows], dtype="float64")
    frame["net_weight_kg"] = pd.Series([r[7] for r in rows], dtype="float64")
    frame["estimated"] = pd.Series([r[8] for r in rows], dtype="bool")
    frame["source"] = pd.Series(comtrade.SOURCE, index=frame.index, dtype="str")
    frame["source_url"] = pd.Series(source_url, index=frame.index, dtype="str")
    frame["retrieved_at"] = pd.Series(pd.Timestamp(when), index=frame.index, dtype="datetime64[us, UTC]")
    return frame


# --------------------------------------------------------------------------- query


def test_query_derives_freq_and_maps_codes():
    q = query(periods=("2023-01", "2023-02"))
    assert q.freq == "M"
    assert query().freq == "A"
    assert comtrade.comtrade_code("USA") == 842
    assert comtrade.comtrade_code("TWN") == 490
    assert comtrade.comtrade_code("IND") == 699
    assert comtrade.comtrade_code("FRA") == 251
    assert comtrade.comtrade_code("DEU") == 276
    assert comtrade.comtrade_code("WLD") == 0


@pytest.mark.parametrize(
    "changes, words",
    [
        (dict(reporters=("usa",)), "reporter 'usa'"),
        (dict(reporters=("WLD",)), "reporter 'WLD'"),
        (dict(reporters=("XYZ",)), "'XYZ'"),
        (dict(reporters="USA"), "tuple"),
        (dict(reporters=()), "empty"),
        (dict(partners=("CH",)), "partner 'CH'"),
        (dict(partners=()), "empty"),
        (dict(periods=("23",)), "period '23'"),
        (dict(periods=("2023-13",)), "period '2023-13'"),
        (dict(periods=("2023", "2023-01")), "mix"),
        (dict(periods=("2023",), freq="M"), "does not match"),
        (dict(cmd_codes=("854",)), "cmd code '854'"),
        (dict(cmd_codes=("85423100",)), "cmd code"),
        (dict(cmd_codes=("8542", "8542")), "repeats"),
        (dict(flows=("DX",)), "flow 'DX'"),
        (dict(type_code="S"), "goods"),
        (dict(classification="S4"), "classification"),
    ],
)
def test_query_rejects_bad_values(changes, words):
    with pytest.raises(ConfigError, match=words):
        query(**changes)


def test_query_chunks_periods_by_twelve():
    q = query(periods=tuple(str(y) for y in range(2000, 2026)))  # 26 years
    chunks = q.chunks()
    assert [len(c.periods) for c in chunks] == [12, 12, 2]
    assert sum((c.periods for c in chunks), ()) == q.periods
    assert all(c.reporters == q.reporters and c.freq == "A" for c in chunks)


# --------------------------------------------------------------------------- build_request


def test_build_request_keyed(monkeypatch):
    monkeypatch.setenv("ECONSEC_COMTRADE_BASE_URL", "https://example.test/")
    q = query(
        reporters=("USA", "JPN"), partners=("TWN", "WLD"), periods=("2023-01", "2023-02"), flows=("M", "X")
    )
    url, params, headers = comtrade.build_request(q, KEY)
    assert url == "https://example.test/data/v1/get/C/M/HS"
    assert params == {
        "reporterCode": "842,392",
        "partnerCode": "490,0",
        "period": "202301,202302",
        "cmdCode": "8542",
        "flowCode": "M,X",
        "partner2Code": "0",
        "customsCode": "C00",
        "motCode": "0",
        "includeDesc": "TRUE",
        "maxRecords": "250000",
    }
    assert headers == {"Ocp-Apim-Subscription-Key": KEY}
    assert KEY not in url and KEY not in json.dumps(params)


def test_build_request_preview_without_key():
    url, params, headers = comtrade.build_request(query(partners=None), None)
    assert url == "https://comtradeapi.un.org/public/v1/preview/C/A/HS"
    assert "partnerCode" not in params  # all partners, World included
    assert params["maxRecords"] == "500"
    assert (params["partner2Code"], params["customsCode"], params["motCode"]) == ("0", "C00", "0")
    assert headers == {}


# --------------------------------------------------------------------------- parse: JSON


def test_parse_recorded_include_desc_response():
    expected = tidy(
        [
            ("CHN", "ARG", "country", "export", "TOTAL", "2010", 6115764185.0, None, False),
            ("CHN", "ARG", "country", "import", "TOTAL", "2010", 6804128143.0, None, False),
            ("CHN", "DEU", "country", "export", "TOTAL", "2010", 68047133397.0, None, False),
            ("CHN", "DEU", "country", "import", "TOTAL", "2010", 74251272075.0, None, False),
        ]
    )
    got = parse(load(INCLUDE_DESC))
    pd.testing.assert_frame_equal(got, expected)
    pd.testing.assert_frame_equal(parse(load("pretty_reporter156_2010_TOTAL.json")), expected)
    pd.testing.assert_frame_equal(parse(load(INCLUDE_DESC).decode()), expected)  # str accepted


def test_parse_recorded_empty_result():
    with pytest.raises(EmptyResultError, match="no rows"):
        parse(load("empty_result.json"))


@pytest.mark.parametrize(
    "content, words",
    [
        (b"", "empty"),
        (b"<!DOCTYPE html><html><body>Service Unavailable</body></html>", "HTML"),
        (b'{"count": 1, "data": [}', "malformed JSON"),
        (load(INCLUDE_DESC)[:1000], "truncated"),
        (b"[1, 2]", "list"),
        (b'{"count": 0}', "no 'data'"),
        (b'{"statusCode": 401, "message": "Access denied"}', "Access denied"),
        (b'{"count": 0, "data": [], "error": "Invalid period"}', "Invalid period"),
        (b'{"data": {"a": 1}, "error": ""}', "not a list"),
        (b'{"data": [1], "error": ""}', "row 0"),
        (b"\xff\xfe{}", "UTF-8"),
    ],
)
def test_parse_rejects_bad_bodies(content, words):
    with pytest.raises(ParseError, match=words) as info:
        parse(content)
    assert not isinstance(info.value, EmptyResultError)
    assert URL in str(info.value) and "un_comtrade" in str(info.value)


@pytest.mark.parametrize("field", comtrade.REQUIRED_FIELDS)
def test_parse_row_missing_required_field(field):
    second = row(partnerCode=276)
    del second[field]
    with pytest.raises(ParseError, match=rf"row 1: {field} is missing") as info:
        parse(body(row(), second))
    assert URL in str(info.value)


@pytest.mark.parametrize(
    "field, value, words",
    [
        ("reporterCode", "China", "reporterCode is 'China'"),
        ("partnerCode", True, "partnerCode is True"),
        ("partnerCode", 1.5, "partnerCode is 1.5"),
        ("primaryValue", "lots", "primaryValue is 'lots'"),
        ("primaryValue", [1], "primaryValue is \\[1\\]"),
        ("cmdCode", "85423100", "cmdCode is '85423100'"),
        ("period", "2010-01", "period is '2010-01'"),
        ("flowCode", 7, "flowCode is 7"),
        ("netWgt", "heavy", "netWgt is 'heavy'"),
        ("isReported", "maybe", "isReported is 'maybe'"),
        ("partner2Code", None, "partner2Code is missing"),
    ],
)
def test_parse_row_with_wrong_type(field, value, words):
    with pytest.raises(ParseError, match=rf"row 1: {words}"):
        bad = row(partnerCode=276)
        bad[field] = value
        parse(body(row(), bad))


def test_parse_unknown_codes_and_flows():
    with pytest.raises(ParseError, match="unknown partner code 123"):
        parse(body(row(partnerCode=123)))
    with pytest.raises(ParseError, match="unknown reporter code 9999"):
        parse(body(row(reporterCode=9999)))
    with pytest.raises(ParseError, match="reporter code 0 is not a country"):
        parse(body(row(reporterCode=0)))
    with pytest.raises(ParseError, match="row 0: unknown flowCode 'MIP'"):
        parse(body(row(flowCode="MIP")))


def test_parse_maps_world_taiwan_periods_codes_and_flows():
    rows = [
        row(partnerCode=0, cmdCode="01", period="201903", primaryValue=5, netWgt=0, flowCode="M"),
        row(partnerCode=490, cmdCode="0101", period="201903", primaryValue=6, netWgt=2.5, flowCode="RX"),
        row(partnerCode=490, cmdCode="010121", period="201903", primaryValue=7, netWgt=-1, flowCode="RM"),
        row(partnerCode=490, cmdCode="TOTAL", period="201903", primaryValue=8, flowCode="DX"),  # dropped
        row(partnerCode=490, cmdCode="TOTAL", period="201903", primaryValue=9, flowCode="FM"),  # dropped
    ]
    expected = tidy(
        [
            ("CHN", "TWN", "country", "re-export", "0101", "2019-03", 6.0, 2.5, False),
            ("CHN", "TWN", "country", "re-import", "010121", "2019-03", 7.0, None, False),
            ("CHN", "WLD", "world", "import", "01", "2019-03", 5.0, None, False),
        ]
    )
    pd.testing.assert_frame_equal(parse(body(*rows)), expected)


def test_parse_estimated_flag():
    rows = [
        row(partnerCode=32, isReported=True, isAggregate=False),  # reported
        row(partnerCode=0, isReported=False, isAggregate=True),  # UNSD sum of reported figures
        row(partnerCode=276, isReported=False, isAggregate=False),  # neither: UNSD estimate
    ]
    got = parse(body(*rows)).set_index("partner")["estimated"]
    assert got.to_dict() == {"ARG": False, "DEU": True, "WLD": False}


def test_parse_sums_residual_areas_into_one_partner():
    rows = [
        row(partnerCode=899, primaryValue=10.0, netWgt=1.0, isReported=True),  # Areas, nes
        row(partnerCode=837, primaryValue=5.0, netWgt=2.0, isReported=False),  # Bunkers (estimate)
        row(partnerCode=839, primaryValue=1.0, netWgt=None),  # Special Categories
        row(partnerCode=899, primaryValue=3.0, flowCode="X"),
    ]
    got = parse(body(*rows))
    expected = tidy(
        [
            ("CHN", comtrade.PARTNER_AREAS, "area", "export", "TOTAL", "2010", 3.0, None, False),
            ("CHN", comtrade.PARTNER_AREAS, "area", "import", "TOTAL", "2010", 16.0, None, True),
        ]
    )
    pd.testing.assert_frame_equal(got, expected)


def test_parse_duplicates_identical_are_merged_disagreeing_raise():
    same = parse(body(row(), row()))
    assert len(same) == 1
    with pytest.raises(ParseError, match="rows disagree"):
        parse(body(row(), row(primaryValue=1.0)))
    # Two Comtrade codes for one ISO3 (158 and 490 are both Taiwan) that disagree.
    with pytest.raises(ParseError, match=r"partner codes \[158, 490\]"):
        parse(body(row(partnerCode=490), row(partnerCode=158, primaryValue=1.0)))


def test_parse_drops_breakdown_rows_and_logs(caplog):
    caplog.set_level(logging.INFO, logger="connectors.comtrade")
    rows = [row(), row(motCode=2100, primaryValue=1.0), row(customsCode="C01", primaryValue=2.0)]
    got = parse(body(*rows))
    assert got["value_usd"].tolist() == [6804128143.0]
    assert "dropped 2 breakdown rows" in caplog.text


def test_parse_records_requires_aware_timestamp():
    with pytest.raises(ConfigError, match="timezone"):
        comtrade.parse_records([row()], source_url=URL, retrieved_at=datetime(2024, 1, 1))


# --------------------------------------------------------------------------- parse: CSV and xlsx


def test_partner2_breakdown_rows_are_dropped():
    """The 2015 rows of this real extract are split by partner2Code; only partner2Code 0 is kept."""
    content = load("china_imports_hs8542_from_usa_2010_2015.csv")
    raw = pd.read_csv(DATA / "china_imports_hs8542_from_usa_2010_2015.csv")
    year = raw[raw["period"] == 2015]
    assert len(year) > 50 and (year["partner2Code"] != 0).sum() == len(year) - 1
    total = float(year.loc[year["partner2Code"] == 0, "primaryValue"].iloc[0])

    got = comtrade.parse_csv(content, source_url="file:x.csv", retrieved_at=WHEN)
    assert got["period"].tolist() == ["2010", "2011", "2012", "2013", "2014", "2015"]
    kept = got[got["period"] == "2015"].iloc[0]
    assert kept["value_usd"] == total == 11369627279.0
    assert kept["net_weight_kg"] == 636374.601
    key = ("reporter", "partner", "flow", "hs_code")
    assert tuple(kept[list(key)]) == ("CHN", "USA", "import", "8542")
    assert not got["estimated"].any()  # isAggregate rows are sums, not estimates
    assert pd.isna(got.loc[got["period"] == "2014", "net_weight_kg"]).all()


def test_latin1_trailing_comma_csv(tmp_path):
    content = load("hs8542_exports_to_world_annual_slice.csv")
    assert b"C\xf4te d'Ivoire" in content and b"T\xfcrkiye" in content  # Latin-1 bytes
    assert content.split(b"\r\n")[1].endswith(b",")  # trailing comma on data rows
    got = comtrade.parse_csv(content, source_url="file:slice.csv", retrieved_at=WHEN)
    validate_trade(got)
    assert list(got.columns) == list(TRADE_COLUMNS)
    by = got.set_index("reporter")
    assert sorted(by.index) == ["ALB", "CIV", "DZA", "ITA", "TUR", "TWN"]
    assert by.loc["TWN", "value_usd"] == 62480624006.0  # reporter 490 "Other Asia, nes"
    assert by.loc["ALB", "value_usd"] == 63939.0  # not shifted by the trailing comma
    assert by.loc["ALB", "net_weight_kg"] == 115.0
    assert set(got["partner"]) == {"WLD"} and set(got["partner_kind"]) == {"world"}
    assert set(got["flow"]) == {"export"} and set(got["hs_code"]) == {"8542"}
    assert by["estimated"].to_dict() == {r: r == "ITA" for r in by.index}  # ITA 2013: not reported

    path = tmp_path / "slice.csv"
    path.write_bytes(content)
    from_file = comtrade.read_extract(path, retrieved_at=WHEN)
    pd.testing.assert_frame_equal(from_file.drop(columns="source_url"), got.drop(columns="source_url"))
    assert set(from_file["source_url"]) == {f"file:{path}"}


def test_monthly_csv_periods():
    got = comtrade.parse_csv(
        load("hs8542_exports_to_world_monthly_slice.csv"), source_url="file:m.csv", retrieved_at=WHEN
    )
    assert got["period"].tolist() == ["2025-01", "2025-01"]
    assert got["reporter"].tolist() == ["AUS", "AZE"]


def test_utf8_csv_and_bad_csv():
    text = load("hs8542_exports_to_world_annual_slice.csv").decode("latin-1")
    got = comtrade.parse_csv(text.encode("utf-8"), source_url="file:u.csv", retrieved_at=WHEN)
    assert len(got) == 6
    with pytest.raises(ParseError, match="field 'reporterCode' is missing"):
        comtrade.parse_csv(b"a,b\n1,2\n", source_url="file:bad.csv", retrieved_at=WHEN)
    with pytest.raises(EmptyResultError):
        comtrade.parse_csv(text.split("\r\n")[0].encode(), source_url="file:h.csv", retrieved_at=WHEN)


def test_xlsx_extract_keeps_hs_codes_as_text():
    path = DATA / "quad_imports_from_world_2019_slice.xlsx"
    assert pd.read_excel(path)["cmdCode"].dtype == "int64"  # the trap
    got = comtrade.read_extract(path, retrieved_at=WHEN)
    assert sorted(set(got["hs_code"])) == ["2504", "2822", "282520"]
    assert sorted(set(got["reporter"])) == ["AUS", "IND", "JPN", "USA"]
    usa = got[(got["reporter"] == "USA") & (got["hs_code"] == "2504")].iloc[0]
    key = ["partner", "partner_kind", "flow", "period"]
    assert tuple(usa[key]) == ("WLD", "world", "import", "2019")
    assert usa["value_usd"] == 59715071.0
    assert not got["estimated"].any()  # World rows are UNSD aggregates, not estimates
    assert got["source_url"].iloc[0] == f"file:{path}"


def test_numeric_cmd_codes_are_zero_padded():
    frame = pd.DataFrame([row(cmdCode=c, partnerCode=p) for c, p in [(1, 32), (101, 276), (10121, 0)]])
    got = comtrade.parse_records(frame, source_url=URL, retrieved_at=WHEN)
    assert sorted(got["hs_code"]) == ["01", "0101", "010121"]


def test_read_extract_errors(tmp_path):
    with pytest.raises(ConfigError, match=r"\.csv or \.xlsx"):
        comtrade.read_extract(tmp_path / "x.json", retrieved_at=WHEN)
    with pytest.raises(SourceError, match="cannot read"):
        comtrade.read_extract(tmp_path / "missing.csv", retrieved_at=WHEN)
    bad = tmp_path / "bad.xlsx"
    bad.write_bytes(b"not a zip")
    with pytest.raises(ParseError, match="unreadable workbook"):
        comtrade.read_extract(bad, retrieved_at=WHEN)


# --------------------------------------------------------------------------- fetch


@pytest.fixture
def api(httpserver, monkeypatch):
    monkeypatch.setenv("ECONSEC_COMTRADE_BASE_URL", httpserver.url_for(""))
    monkeypatch.setenv("ECONSEC_HTTP_RETRIES", "2")
    return httpserver


def test_fetch_keyed_sends_key_in_header_only(api, monkeypatch, caplog):
    caplog.set_level(logging.DEBUG)
    monkeypatch.setenv("COMTRADE_API_KEY", KEY)
    api.expect_request(
        "/data/v1/get/C/A/HS",
        query_string={
            "reporterCode": "156",
            "partnerCode": "32,276",
            "period": "2010",
            "cmdCode": "TOTAL",
            "flowCode": "M,X",
            "partner2Code": "0",
            "customsCode": "C00",
            "motCode": "0",
            "includeDesc": "TRUE",
            "maxRecords": "250000",
        },
        headers={"Ocp-Apim-Subscription-Key": KEY},
    ).respond_with_data(load(INCLUDE_DESC), content_type="application/json")
    q = ComtradeQuery(
        reporters=("CHN",), partners=("ARG", "DEU"), periods=("2010",), cmd_codes=("TOTAL",), flows=("M", "X")
    )
    raw = comtrade.fetch_raw(q)
    assert raw.status == 200 and raw.content == load(INCLUDE_DESC) and raw.source == "un_comtrade"
    assert KEY not in raw.url and KEY not in json.dumps(raw.provenance())
    assert KEY not in caplog.text
    frame = comtrade.parse(raw.content, source_url=raw.url, retrieved_at=raw.retrieved_at)
    assert len(frame) == 4 and set(frame["source_url"]) == {raw.url}


def test_fetch_preview_without_key(api):
    api.expect_request("/public/v1/preview/C/A/HS").respond_with_data(load("empty_result.json"))
    raws = comtrade.fetch(query())
    assert len(raws) == 1 and "maxRecords=500" in raws[0].url
    with pytest.raises(EmptyResultError):
        comtrade.read(query())


def test_fetch_splits_periods_and_read_concatenates(api):
    years = tuple(str(y) for y in range(2000, 2014))  # 14 years -> 12 + 2

    def handler(request):  # type: ignore[no-untyped-def]
        periods = request.args["period"].split(",")
        rows = [row(period=p, partnerCode=0) for p in periods if p == "2010"]
        return Response(body(*rows), content_type="application/json")

    api.expect_request("/public/v1/preview/C/A/HS").respond_with_handler(handler)
    raws = comtrade.fetch(query(periods=years))
    assert len(raws) == 2 and len(api.log) == 2
    assert [r.args["period"].count(",") + 1 for r, _ in api.log] == [12, 2]
    frame = comtrade.read(query(periods=years))
    assert frame["period"].tolist() == ["2010"]
    with pytest.raises(ConfigError, match="12"):
        comtrade.fetch_raw(query(periods=years))


def test_fetch_refuses_truncated_result(api):
    rows = [row(partnerCode=32, period=str(1500 + i)) for i in range(comtrade.MAX_RECORDS_PREVIEW)]
    api.expect_request("/public/v1/preview/C/A/HS").respond_with_data(body(*rows))
    with pytest.raises(ParseError, match="truncated; narrow the query"):
        comtrade.fetch_raw(query())


def test_fetch_429_then_ok(api):
    api.expect_ordered_request("/public/v1/preview/C/A/HS").respond_with_data(
        "slow down", status=429, headers={"Retry-After": "0"}
    )
    api.expect_ordered_request("/public/v1/preview/C/A/HS").respond_with_data(load(INCLUDE_DESC))
    raw = comtrade.fetch_raw(query())
    assert raw.status == 200 and len(api.log) == 2


def test_fetch_500_after_retries(api, monkeypatch):
    monkeypatch.setenv("COMTRADE_API_KEY", KEY)
    # The error page echoes the key, as some gateways do: it must still not leak.
    api.expect_request("/data/v1/get/C/A/HS").respond_with_data(f"internal error for {KEY}", status=500)
    with pytest.raises(HTTPStatusError) as info:
        comtrade.fetch_raw(query())
    assert info.value.status == 500 and len(api.log) == 3  # ECONSEC_HTTP_RETRIES=2 -> 3 requests
    assert KEY not in str(info.value) and KEY not in repr(info.value) and KEY not in (info.value.url or "")
    assert "***" in str(info.value)


def test_fetch_timeout(api, monkeypatch):
    monkeypatch.setenv("ECONSEC_HTTP_TIMEOUT", "0.2")
    monkeypatch.setenv("ECONSEC_HTTP_RETRIES", "0")

    def slow(request):  # type: ignore[no-untyped-def]
        time.sleep(0.6)
        return Response(load(INCLUDE_DESC))

    api.expect_request("/public/v1/preview/C/A/HS").respond_with_handler(slow)
    with pytest.raises(SourceTimeout, match="0.2 s"):
        comtrade.fetch_raw(query())


def test_fetch_connection_refused(monkeypatch):
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    monkeypatch.setenv("ECONSEC_COMTRADE_BASE_URL", f"http://127.0.0.1:{port}")
    monkeypatch.setenv("ECONSEC_HTTP_RETRIES", "0")
    monkeypatch.setenv("COMTRADE_API_KEY", KEY)
    with pytest.raises(SourceUnreachable) as info:
        comtrade.fetch_raw(query())
    assert f"127.0.0.1:{port}/data/v1/get/C/A/HS" in str(info.value)
    assert KEY not in str(info.value) and KEY not in repr(info.value)
