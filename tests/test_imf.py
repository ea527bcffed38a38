"""IMF IMTS (SDMX 3.0) connector: queries, request URLs, parsing of the recorded response, fetching.

tests/data/imf/README.md says which payloads are recorded and which were written here.
HTTP goes to pytest-httpserver on localhost.
"""

from __future__ import annotations

import logging
import time
from datetime import UTC, datetime
from pathlib import Path

import pandas as pd
import pytest
from werkzeug import Response

from connectors import imf
from connectors.imf import ImfQuery
from econsec.errors import ConfigError, EmptyResultError, HTTPStatusError, ParseError, SourceTimeout

DATA = Path(__file__).parent / "data" / "imf"
RECORDED = "imts_USA_XG_FOB_USD_G001+G998_A_2023-2024.xml"
WHEN = datetime(2025, 12, 16, 5, 16, tzinfo=UTC)
URL = "https://api.imf.org/external/sdmx/3.0/data/dataflow/IMF.STA/IMTS/+/USA.XG_FOB_USD.G001+G998.A"
PATH = "/data/dataflow/IMF.STA/IMTS/+/USA.XG_FOB_USD+MG_CIF_USD.*.A"


def load(name: str) -> bytes:
    return (DATA / name).read_bytes()


def parse(content: bytes | str) -> pd.DataFrame:
    return imf.parse(content, source_url=URL, retrieved_at=WHEN)


def tidy(rows: list[tuple]) -> pd.DataFrame:  # type: ignore[type-arg]
    """Expected frame from (reporter, partner, kind, flow, period, value, estimated)."""
    frame = pd.DataFrame(
        [(r[0], r[1], r[2], r[3], "TOTAL", r[4]) for r in rows],
        columns=["reporter", "partner", "partner_kind", "flow", "hs_code", "period"],
    ).astype("str")
    frame["value_usd"] = pd.Series([r[5] for r in rows], dtype="float64")
    frame["net_weight_kg"] = pd.Series([float("nan")] * len(rows), dtype="float64")
    frame["estimated"] = pd.Series([r[6] for r in rows], dtype="bool")
    frame["source"] = pd.Series("imf", index=frame.index, dtype="str")
    frame["source_url"] = pd.Series(URL, index=frame.index, dtype="str")
    frame["retrieved_at"] = pd.Series(pd.Timestamp(WHEN), index=frame.index, dtype="datetime64[us, UTC]")
    return frame


def series(*obs: str, **attrs: str) -> str:
    base = dict(COUNTRY="USA", INDICATOR="XG_FOB_USD", COUNTERPART_COUNTRY="JPN", FREQUENCY="A")
    base.update(attrs)
    head = " ".join(f'{k}="{v}"' for k, v in base.items() if v is not None)
    return f"<Series {head}>{''.join(obs)}</Series>"


def message(*parts: str) -> bytes:
    """A message with the recorded header and these series in its DataSet."""
    text = load(RECORDED).decode()
    head, rest = text.split("<message:DataSet ", 1)
    opening = "<message:DataSet " + rest.split(">", 1)[0] + ">"
    return (head + opening + "".join(parts) + "</message:DataSet></message:StructureSpecificData>").encode()


# --------------------------------------------------------------------------- query and request


def test_default_queries_cover_focus_reporters_all_counterparts():
    queries = imf.default_queries()
    reporters = [q.reporters[0] for q in queries]
    assert set(reporters) >= {"USA", "JPN", "CHN", "KOR", "AUS", "IND", *imf.ASEAN}
    assert len(reporters) == len(set(reporters)) == 17
    for q in queries:
        assert q.counterparts is None and q.freq == "A" and q.start == "2015"
        assert set(q.indicators) == {"XG_FOB_USD", "MG_CIF_USD"}


def test_build_request_recorded_style(monkeypatch):
    monkeypatch.setenv("ECONSEC_IMF_BASE_URL", "https://example.test/sdmx/3.0/")
    q = ImfQuery(reporters=("USA",), indicators=("XG_FOB_USD",), counterparts=("WLD", "EUU"), end="2025")
    url, headers = imf.build_request(q)
    assert url == (
        "https://example.test/sdmx/3.0/data/dataflow/IMF.STA/IMTS/+/USA.XG_FOB_USD.G001+G998.A"
        "?c%5BTIME_PERIOD%5D=ge:2015-01-01+le:2025-12-31&dimensionAtObservation=TIME_PERIOD"
        "&detail=full&includeHistory=false"
    )
    assert headers == {"Accept": "application/xml"}


def test_build_request_all_counterparts_monthly():
    q = ImfQuery(reporters=("USA", "JPN"), counterparts=None, freq="M", start="2024-02", end="2024-02")
    url, _ = imf.build_request(q)
    assert "/IMTS/+/USA+JPN.XG_FOB_USD+MG_CIF_USD.*.M?" in url
    assert "ge:2024-02-01+le:2024-02-29&" in url
    assert imf.build_request(ImfQuery(reporters=("USA",)))[0].count("le:") == 0  # open end


@pytest.mark.parametrize(
    "changes, words",
    [
        (dict(reporters=("usa",)), "reporter 'usa'"),
        (dict(reporters=("WLD",)), "reporter 'WLD'"),
        (dict(reporters="USA"), "tuple"),
        (dict(reporters=()), "empty"),
        (dict(counterparts=("G001",)), "counterpart 'G001'"),
        (dict(counterparts=("CHN", "CHN")), "repeats"),
        (dict(indicators=("TBG_USD",)), "indicator 'TBG_USD'"),
        (dict(freq="Q"), "quarterly"),
        (dict(start="2015-01"), "start '2015-01'"),
        (dict(start="15"), "start '15'"),
        (dict(start="2020", end="2019"), "before start"),
    ],
)
def test_query_rejects_bad_values(changes, words):
    args = dict(reporters=("USA",))
    args.update(changes)
    with pytest.raises(ConfigError, match=words):
        ImfQuery(**args)


# --------------------------------------------------------------------------- parse


def test_parse_recorded_response():
    expected = tidy(
        [
            # G998 -> EUU (inferred, see COUNTERPART_GROUPS); values are plain US dollars despite SCALE="6".
            ("USA", "EUU", "group", "export", "2023", 369756760426.0, False),
            ("USA", "EUU", "group", "export", "2024", 371064529410.0, False),
            ("USA", "WLD", "world", "export", "2023", 2019551635133.0, False),
            ("USA", "WLD", "world", "export", "2024", 2065411250609.0, False),
        ]
    )
    pd.testing.assert_frame_equal(parse(load(RECORDED)), expected)
    pd.testing.assert_frame_equal(parse(load(RECORDED).decode()), expected)


def test_parse_monthly_variant_written_from_recording(caplog):
    caplog.set_level(logging.INFO, logger="connectors.imf")
    got = parse(load("written_monthly_variant.xml"))
    expected = tidy(
        [
            ("USA", "TWN", "country", "import", "2024-01", 9000000000.0, False),
            ("USA", "WLD", "world", "export", "2024-01", 170000000000.0, False),
            ("USA", "WLD", "world", "export", "2024-02", 171500000000.5, True),  # OBS_STATUS="E"
        ]
    )
    pd.testing.assert_frame_equal(got, expected)
    for skipped in ("counterpart group GX123", "indicator TBG_USD", "frequency Q", "observation without a value"):
        assert skipped in caplog.text


@pytest.mark.parametrize(
    "period, expected", [("2023", "2023"), ("2023-01", "2023-01"), ("2023-M12", "2023-12"), ("2023M07", "2023-07")]
)
def test_parse_period_forms(period, expected):
    got = parse(message(series(f'<Obs OBS_VALUE="1" TIME_PERIOD="{period}"/>')))
    assert got["period"].tolist() == [expected]


def test_parse_empty_dataset_and_no_results_error():
    with pytest.raises(EmptyResultError, match="empty DataSet"):
        parse(load("written_empty_dataset.xml"))
    with pytest.raises(EmptyResultError, match="SDMX error 100: No Results Found"):
        parse(load("written_error_100_no_results.xml"))
    with pytest.raises(EmptyResultError, match="no observations left"):
        parse(message(series('<Obs OBS_VALUE="1" TIME_PERIOD="2023"/>', COUNTERPART_COUNTRY="G999")))


@pytest.mark.parametrize(
    "content, words",
    [
        (b"", "empty"),
        (b"<!DOCTYPE html><html><body>Service Unavailable</body></html>", "HTML"),
        (b"<html><head><title>502 Bad Gateway</title></head></html>", "HTML"),
        (b'{"data": {}}', "JSON"),
        (b"Service Unavailable", "got text"),
        (load(RECORDED)[:900], "truncated"),
        (load(RECORDED)[:-40], "truncated"),
        (b"<a><b></a>", "malformed XML"),
        (b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "aaaa">]><x>&a;</x>', "DTD"),
        (b"<message:Structure xmlns:message='m'/>", "got <Structure>"),
        (b"\xff\xfe<x/>", "UTF-8"),
        (load("written_error_150.xml"), "SDMX error 150: Semantic Error"),
    ],
)
def test_parse_rejects_bad_bodies(content, words):
    with pytest.raises(ParseError, match=words) as info:
        parse(content)
    assert not isinstance(info.value, EmptyResultError)
    assert URL in str(info.value) and "[imf" in str(info.value)


@pytest.mark.parametrize("field", ["COUNTRY", "INDICATOR", "COUNTERPART_COUNTRY", "FREQUENCY"])
def test_parse_series_missing_field(field):
    good = series('<Obs OBS_VALUE="1" TIME_PERIOD="2023"/>')
    bad = series('<Obs OBS_VALUE="1" TIME_PERIOD="2023"/>', **{field: None})
    with pytest.raises(ParseError, match=rf"series 1: {field} is missing"):
        parse(message(good, bad))


@pytest.mark.parametrize(
    "obs, words",
    [
        ('<Obs OBS_VALUE="1"/>', "TIME_PERIOD is missing"),
        ('<Obs OBS_VALUE="1" TIME_PERIOD="2023-13"/>', "TIME_PERIOD is '2023-13'"),
        ('<Obs OBS_VALUE="1" TIME_PERIOD="202301"/>', "TIME_PERIOD is '202301'"),
        ('<Obs OBS_VALUE="lots" TIME_PERIOD="2023"/>', "OBS_VALUE is 'lots', not a number"),
        ('<Obs OBS_VALUE="-5" TIME_PERIOD="2023"/>', "OBS_VALUE is '-5'"),
        ('<Obs OBS_VALUE="inf" TIME_PERIOD="2023"/>', "OBS_VALUE is 'inf'"),
    ],
)
def test_parse_observation_with_wrong_type(obs, words):
    with pytest.raises(ParseError, match=rf"series 0 \(USA.XG_FOB_USD.JPN\) obs 0: {words}"):
        parse(message(series(obs)))


def test_parse_duplicates_merge_or_raise():
    obs = '<Obs OBS_VALUE="1" TIME_PERIOD="2023"/>'
    assert len(parse(message(series(obs), series(obs)))) == 1
    with pytest.raises(ParseError, match="disagree"):
        parse(message(series(obs), series('<Obs OBS_VALUE="2" TIME_PERIOD="2023"/>')))


def test_parse_namespaced_series_and_derivation_type_not_estimated():
    body = message(
        '<ss:Series xmlns:ss="urn:x" COUNTRY="JPN" INDICATOR="MG_CIF_USD" COUNTERPART_COUNTRY="CHN" FREQUENCY="A">'
        '<ss:Obs OBS_VALUE="188000000000" DERIVATION_TYPE="M" TIME_PERIOD="2023"/></ss:Series>'
    )
    got = parse(body)
    assert got[["reporter", "partner", "flow", "value_usd", "estimated"]].values.tolist() == [
        ["JPN", "CHN", "import", 188000000000.0, False]
    ]


def test_parse_requires_aware_timestamp():
    with pytest.raises(ConfigError, match="timezone"):
        imf.parse(load(RECORDED), source_url=URL, retrieved_at=datetime(2025, 1, 1))


# --------------------------------------------------------------------------- fetch


@pytest.fixture
def api(httpserver, monkeypatch):
    monkeypatch.setenv("ECONSEC_IMF_BASE_URL", httpserver.url_for("").rstrip("/"))
    monkeypatch.setenv("ECONSEC_HTTP_RETRIES", "2")
    return httpserver


def test_fetch_sends_recorded_style_request(api):
    api.expect_request(PATH, headers={"Accept": "application/xml"}).respond_with_data(
        load(RECORDED), content_type="application/xml"
    )
    raws = imf.fetch(ImfQuery(reporters=("USA",), end="2024"))
    assert len(raws) == 1 and raws[0].source == "imf" and raws[0].content == load(RECORDED)
    request = api.log[0][0]
    assert request.query_string.decode() == (
        "c%5BTIME_PERIOD%5D=ge:2015-01-01+le:2024-12-31&dimensionAtObservation=TIME_PERIOD"
        "&detail=full&includeHistory=false"
    )
    frame = imf.parse(raws[0].content, source_url=raws[0].url, retrieved_at=raws[0].retrieved_at)
    assert len(frame) == 4 and set(frame["source_url"]) == {raws[0].url}
    assert PATH in raws[0].url


def test_read_empty(api):
    api.expect_request(PATH).respond_with_data(load("written_empty_dataset.xml"))
    with pytest.raises(EmptyResultError):
        imf.read(ImfQuery(reporters=("USA",)))


def test_fetch_429_then_ok(api):
    api.expect_ordered_request(PATH).respond_with_data("slow down", status=429, headers={"Retry-After": "0"})
    api.expect_ordered_request(PATH).respond_with_data(load(RECORDED))
    frame = imf.read(ImfQuery(reporters=("USA",)))
    assert len(api.log) == 2 and len(frame) == 4


def test_fetch_500_after_retries(api):
    api.expect_request(PATH).respond_with_data("internal error", status=500)
    with pytest.raises(HTTPStatusError) as info:
        imf.fetch(ImfQuery(reporters=("USA",)))
    assert info.value.status == 500 and len(api.log) == 3  # ECONSEC_HTTP_RETRIES=2 -> 3 requests
    assert "[imf" in str(info.value)


def test_fetch_timeout(api, monkeypatch):
    monkeypatch.setenv("ECONSEC_HTTP_TIMEOUT", "0.2")
    monkeypatch.setenv("ECONSEC_HTTP_RETRIES", "0")

    def slow(request):  # type: ignore[no-untyped-def]
        time.sleep(0.6)
        return Response(load(RECORDED))

    api.expect_request(PATH).respond_with_handler(slow)
    with pytest.raises(SourceTimeout, match="0.2 s"):
        imf.fetch(ImfQuery(reporters=("USA",)))


def test_fetch_truncated_body_is_typed(api):
    api.expect_request(PATH).respond_with_data(load(RECORDED)[:700])
    with pytest.raises(ParseError, match="truncated"):
        imf.read(ImfQuery(reporters=("USA",)))


def test_registry_protocol():
    from connectors import registry

    module = registry.connector("imf")
    assert module is imf and module.SOURCE == "imf" and module.TABLE == "trade"
