"""OECD FDI connector: query and key building, SDMX-CSV/JSON parsing, fetching, the file loader.

Payloads are described in tests/data/oecd/README.md: the SDMX-JSON 1.0 message is a verbatim
OECD recording; the SDMX-CSV payload is WRITTEN FROM THE DOCUMENTATION with real values from the
Data Explorer export; the flattened CSV is a byte-exact line slice of the shared file.
"""

from __future__ import annotations

import io
import json
import logging
import time
from datetime import UTC, datetime
from pathlib import Path

import pandas as pd
import pytest
from werkzeug import Response

from connectors import oecd
from connectors.oecd import FdiQuery
from econsec.errors import (
    ConfigError,
    EmptyResultError,
    FetchError,
    HTTPStatusError,
    ParseError,
    SourceError,
    SourceTimeout,
)

DATA = Path(__file__).parent / "data" / "oecd"
SDMX_CSV = DATA / "sdmx_csv_usa_outward_flows_2011_from_docs.csv"
SDMX_JSON1 = DATA / "sdmx_json1_OECD_PART2_all.json"
FILE_SLICE = DATA / "usa_outward_asean_slice.csv"
REAL = Path(__file__).parents[2] / "shared" / "data" / "asean_fdi" / "oecd_fdi_usa_outward_to_asean_2011_2022.csv"
WHEN = datetime(2024, 7, 18, 15, 10, tzinfo=UTC)
URL = "https://sdmx.oecd.org/public/rest/data/OECD.DAF.INV,DSD_FDI@DF_FDI_CTRY_IND_SUMM,/USA.T_FA_F"
PATH = "/data/OECD.DAF.INV,DSD_FDI@DF_FDI_CTRY_IND_SUMM,/USA.T_FA_F.USD_EXC.DO.....IDN.._T.A."


def parse(content: bytes | str) -> pd.DataFrame:
    return oecd.parse(content, source_url=URL, retrieved_at=WHEN)


def tidy(rows: list[tuple], source_url: str = URL, estimated: list[bool] | None = None) -> pd.DataFrame:  # type: ignore[type-arg]
    """Expected frame from (reporter, counterpart, kind, direction, measure, period, value_usd)."""
    cols = ["reporter", "counterpart", "counterpart_kind", "direction", "measure", "period"]
    frame = pd.DataFrame([r[:6] for r in rows], columns=cols).astype("str")
    frame["value_usd"] = pd.Series([r[6] for r in rows], dtype="float64")
    frame["estimated"] = pd.Series(estimated or [False] * len(rows), dtype="bool")
    frame["source"] = pd.Series("oecd", index=frame.index, dtype="str")
    frame["source_url"] = pd.Series(source_url, index=frame.index, dtype="str")
    frame["retrieved_at"] = pd.Series(pd.Timestamp(WHEN), index=frame.index, dtype="datetime64[us, UTC]")
    return frame


def csv_with(**changes: str) -> str:
    """The SDMX-CSV fixture with cells of its first data row changed (column name -> new text)."""
    frame = pd.read_csv(SDMX_CSV, dtype=str, keep_default_na=False)
    for column, value in changes.items():
        frame.loc[0, column] = value
    return frame.to_csv(index=False)


# --------------------------------------------------------------------------- query


def test_default_query_key_and_request(monkeypatch):
    monkeypatch.delenv("ECONSEC_OECD_BASE_URL", raising=False)
    (query,) = oecd.default_queries()
    assert query.reporters == ("USA", "JPN") and query.counterparts[-1] == "CHN" and len(query.counterparts) == 11
    url, params, headers = oecd.build_request(query)
    assert url == (
        "https://sdmx.oecd.org/public/rest/data/OECD.DAF.INV,DSD_FDI@DF_FDI_CTRY_IND_SUMM,/"
        "USA+JPN.T_FA_F+LE_FA_F+T_D4P_F.USD_EXC.DO.....BRN+KHM+IDN+LAO+MYS+MMR+PHL+SGP+THA+VNM+CHN.._T.A."
    )
    assert params == {"startPeriod": "2011", "dimensionAtObservation": "AllDimensions"}
    assert headers == {"Accept": "application/vnd.sdmx.data+csv; charset=utf-8"}
    assert len(query.key().split(".")) == len(oecd.KEY_SLOTS) == 13


def test_key_of_world_inward_query_matches_the_public_canada_link():
    query = FdiQuery(reporters=("CAN",), counterparts=("WLD",), direction="inward", measures=("position",),
                     start_year=2015, end_year=2023)
    assert query.key() == "CAN.LE_FA_F.USD_EXC.DI.....W.._T.A."
    assert oecd.build_request(query)[1]["endPeriod"] == "2023"
    assert FdiQuery(reporters=("USA",), counterparts=None).key().split(".")[8] == ""


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"reporters": ("US",)}, "reporter 'US' is not a country ISO3"),
        ({"reporters": "USA"}, "must be a tuple of strings"),
        ({"reporters": ()}, "is empty"),
        ({"counterparts": ("ASEAN",)}, "counterpart 'ASEAN' is not an ISO3"),
        ({"direction": "both"}, "direction 'both'"),
        ({"measures": ("stock",)}, "measure 'stock'"),
        ({"start_year": "2011"}, "start_year '2011' must be a year"),
        ({"start_year": 2015, "end_year": 2012}, "end_year 2012 is before start_year 2015"),
    ],
)
def test_bad_queries_raise_config_error(changes, message):
    args = dict(reporters=("USA",), counterparts=("IDN",))
    args.update(changes)
    with pytest.raises(ConfigError, match=message):
        FdiQuery(**args)


# --------------------------------------------------------------------------- parse: SDMX-CSV


def test_parse_sdmx_csv():
    frame = parse(SDMX_CSV.read_bytes())
    expected = tidy(
        [
            ("USA", "BRN", "country", "outward", "flow", "2011", -5e6),
            ("USA", "IDN", "country", "outward", "flow", "2011", 1926e6),
            ("USA", "IDN", "country", "outward", "income", "2018", 3129e6),
            ("USA", "IDN", "country", "outward", "position", "2013", 12117e6),
            ("USA", "SGP", "country", "outward", "flow", "2011", 12500e6),
        ]
    )
    pd.testing.assert_frame_equal(frame, expected)  # the confidential BRN 2016 cell gives no row


def test_parse_world_counterpart_and_drops_other_aggregates_and_breakdowns(caplog):
    caplog.set_level(logging.INFO, logger="connectors.oecd")
    text = csv_with(COUNTERPART_AREA="W")
    frame = pd.read_csv(io.StringIO(text), dtype=str, keep_default_na=False)
    frame.loc[1, "COUNTERPART_AREA"] = "S_OXOECD"  # an aggregate: never a country
    frame.loc[2, "ECONOMIC_ACTIVITY"] = "C"  # a breakdown row: would double count
    frame.loc[4, "OBS_STATUS"] = "E"
    out = parse(frame.to_csv(index=False))
    assert out[["counterpart", "counterpart_kind"]].drop_duplicates().values.tolist() == [
        ["IDN", "country"], ["WLD", "world"]
    ]
    assert out.set_index(["counterpart", "measure"])["estimated"].to_dict() == {
        ("IDN", "income"): False, ("IDN", "position"): True, ("WLD", "flow"): False
    }
    assert "aggregate counterparts ['S_OXOECD']" in caplog.text


def test_unit_mult_scales_values():
    out = parse(csv_with(UNIT_MULT="3"))
    assert out.loc[out["counterpart"] == "BRN", "value_usd"].iloc[0] == -5e3


def test_header_only_csv_is_empty_result():
    header = SDMX_CSV.read_text().splitlines()[0] + "\n"
    with pytest.raises(EmptyResultError):
        parse(header)


def test_all_confidential_is_empty_result():
    frame = pd.read_csv(SDMX_CSV, dtype=str, keep_default_na=False)
    frame["OBS_VALUE"] = ""
    frame["CONF_STATUS"] = "C"
    with pytest.raises(EmptyResultError, match="all confidential"):
        parse(frame.to_csv(index=False))


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"", "empty"),
        (b"<!DOCTYPE html><html><body>Service unavailable</body></html>", "HTML/XML page"),
        (b'<?xml version="1.0"?><message:Error><message:Text>NoResultsFound</message:Text></message:Error>',
         "HTML/XML page"),
        (b"\xff\xfe\x00garbage", "not UTF-8"),
        (b'{"data": {"dataSets": [{"observations": ', "malformed or truncated JSON"),
    ],
)
def test_bad_bodies_raise_parse_error(content, message):
    with pytest.raises(ParseError, match=message):
        parse(content)


def test_truncated_csv_body_is_refused():
    body = SDMX_CSV.read_bytes()
    cut = body[: body.rindex(b",3129,") + 4]  # the last value cut from 3129 to 31
    with pytest.raises(ParseError, match="fewer fields than the header: the CSV was truncated"):
        parse(cut)


def test_missing_column_is_named():
    frame = pd.read_csv(SDMX_CSV, dtype=str, keep_default_na=False).drop(columns=["UNIT_MULT"])
    with pytest.raises(ParseError, match="column 'UNIT_MULT' is missing"):
        parse(frame.to_csv(index=False))


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"OBS_VALUE": "12,5"}, r"row 0: OBS_VALUE '12,5' is not a number"),
        ({"UNIT_MULT": "six"}, r"row 0: UNIT_MULT 'six' is not an integer power of ten"),
        ({"TIME_PERIOD": "2011-Q1"}, r"row 0: TIME_PERIOD '2011-Q1' is not a year"),
        ({"MEASURE_PRINCIPLE": "DX"}, r"row 0: MEASURE_PRINCIPLE 'DX' is not DI or DO"),
    ],
)
def test_wrong_types_raise_parse_error(changes, message):
    with pytest.raises(ParseError, match=message):
        parse(csv_with(**changes))


def test_disagreeing_duplicates_raise():
    frame = pd.read_csv(SDMX_CSV, dtype=str, keep_default_na=False)
    frame = pd.concat([frame, frame.iloc[[1]].assign(OBS_VALUE="1927")])
    with pytest.raises(ParseError, match="rows disagree"):
        parse(frame.to_csv(index=False))


# --------------------------------------------------------------------------- parse: SDMX-JSON


def test_decode_sdmx_json_1_on_recorded_oecd_message():
    frame = oecd.decode_sdmx_json(json.loads(SDMX_JSON1.read_bytes()))
    assert list(frame.columns) == ["LOCATION", "IND", "PER", "GRD", "FLD", "MSR", "TIME_FORMAT", "OBS_STATUS",
                                   "OBS_VALUE"]
    assert frame[["LOCATION", "IND", "PER", "MSR", "OBS_STATUS"]].astype(object).where(
        frame[["LOCATION", "IND", "PER", "MSR", "OBS_STATUS"]].notna(), None
    ).values.tolist() == [
        ["AUS", "5CLAT", "INI", "MN", None],
        ["HUN", "5CLAT", "CHG", "MN", "x"],
        ["HUN", "5CLAT", "INI", "SE", None],
        ["NZL", "5CLAT", "CHG", "MN", "w"],
        ["NZL", "5CLAT", "INI", "SE", None],
        ["NOR", "5CLAT", "CHG", "MN", "y"],
        ["OME", "17CCL", "CHJ", "IND", None],
    ]
    assert frame["OBS_VALUE"].tolist() == [11.963615756565, -2.13889095389401, 0.840296698679152,
                                           -2.45141648554599, 0.473064243412171, 1.35138670313075,
                                           22.0969285714286]
    assert frame.loc[6, ["GRD", "FLD"]].tolist() == ["ZZZ", "ZZZ"]


def test_parse_refuses_non_fdi_sdmx_json():
    with pytest.raises(ParseError, match="column 'REF_AREA' is missing"):
        parse(SDMX_JSON1.read_bytes())


def _dim(dim_id: str, *ids: str) -> dict:  # type: ignore[type-arg]
    return {"id": dim_id, "values": [{"id": i} for i in ids]}


def sdmx_json2(observations: dict) -> dict:  # type: ignore[type-arg]
    """An SDMX-JSON 2.0 message (shape from the standard) holding FDI observations."""
    dims = [_dim("REF_AREA", "USA"), _dim("MEASURE", "T_FA_F", "LE_FA_F"), _dim("UNIT_MEASURE", "USD_EXC"),
            _dim("MEASURE_PRINCIPLE", "DO"), _dim("COUNTERPART_AREA", "IDN", "SGP"),
            _dim("ECONOMIC_ACTIVITY", "_T"), _dim("FREQ", "A"), _dim("TIME_PERIOD", "2011", "2013")]
    attrs = [_dim("OBS_STATUS", "A", "E"), _dim("UNIT_MULT", "6")]
    return {"data": {"dataSets": [{"observations": observations}],
                     "structures": [{"dimensions": {"observation": dims}, "attributes": {"observation": attrs}}]}}


def test_parse_sdmx_json_2():
    body = sdmx_json2({"0:0:0:0:0:0:0:0": [1926, 0, 0], "0:1:0:0:0:0:0:1": [12117, 1, 0],
                       "0:0:0:0:1:0:0:0": [12500, 0, 0]})
    frame = parse(json.dumps(body).encode())
    expected = tidy(
        [
            ("USA", "IDN", "country", "outward", "flow", "2011", 1926e6),
            ("USA", "IDN", "country", "outward", "position", "2013", 12117e6),
            ("USA", "SGP", "country", "outward", "flow", "2011", 12500e6),
        ],
        estimated=[False, True, False],
    )
    pd.testing.assert_frame_equal(frame, expected)


@pytest.mark.parametrize(
    ("observations", "message"),
    [
        ({"0:0:0": [1.0, 0, 0]}, "has 3 positions for 8 dimensions"),
        ({"0:0:0:0:0:0:0:9": [1.0, 0, 0]}, "value index 9 outside its 2 values"),
        ({"0:0:0:0:0:0:0:0": "1926"}, "is not a non-empty array"),
        ({"0:0:0:0:0:0:0:0": [{"v": 1}, 0, 0]}, "is not a number"),
        ({"0:0:0:0:0:0:0:0": [1.0, 0]}, "1 attribute values for 2 attributes"),
    ],
)
def test_malformed_sdmx_json_raises_parse_error(observations, message):
    with pytest.raises(ParseError, match=message):
        parse(json.dumps(sdmx_json2(observations)))


def test_sdmx_json_without_data_sets_is_empty():
    body = sdmx_json2({})
    body["data"]["dataSets"] = []
    with pytest.raises(EmptyResultError):
        parse(json.dumps(body))
    with pytest.raises(ParseError, match="no dataSets/structure"):
        parse(json.dumps({"errors": [{"code": 404}]}))


# --------------------------------------------------------------------------- fetch


@pytest.fixture
def api(httpserver, monkeypatch):
    monkeypatch.setenv("ECONSEC_OECD_BASE_URL", httpserver.url_for("").rstrip("/"))
    monkeypatch.setenv("ECONSEC_HTTP_RETRIES", "2")
    return httpserver


def one_query() -> FdiQuery:
    return FdiQuery(reporters=("USA",), counterparts=("IDN",), measures=("flow",), end_year=2022)


def test_fetch_then_parse(api):
    api.expect_request(
        PATH,
        query_string={"startPeriod": "2011", "endPeriod": "2022", "dimensionAtObservation": "AllDimensions"},
        headers={"Accept": oecd.ACCEPT_CSV},
    ).respond_with_data(SDMX_CSV.read_bytes(), content_type="application/vnd.sdmx.data+csv; charset=utf-8")
    (raw,) = oecd.fetch(one_query())
    assert raw.url.startswith(api.url_for(PATH))
    frame = oecd.read(one_query())
    assert len(frame) == 5 and set(frame["source_url"]) == {raw.url}


def test_fetch_404_no_results_is_empty_result(api):
    api.expect_request(PATH).respond_with_data("NoResultsFound", status=404)
    with pytest.raises(EmptyResultError, match="no data for key"):
        oecd.fetch(one_query())
    assert len(api.log) == 1


def test_fetch_429_then_ok(api):
    api.expect_ordered_request(PATH).respond_with_data("slow down", status=429, headers={"Retry-After": "0"})
    api.expect_ordered_request(PATH).respond_with_data(SDMX_CSV.read_bytes())
    (raw,) = oecd.fetch(one_query())
    assert raw.status == 200 and len(api.log) == 2


def test_fetch_500_after_retries(api):
    api.expect_request(PATH).respond_with_data("internal error", status=500)
    with pytest.raises(HTTPStatusError) as info:
        oecd.fetch(one_query())
    assert info.value.status == 500 and len(api.log) == 3  # ECONSEC_HTTP_RETRIES=2 -> 3 requests


def test_fetch_timeout(api, monkeypatch):
    monkeypatch.setenv("ECONSEC_HTTP_TIMEOUT", "0.2")
    monkeypatch.setenv("ECONSEC_HTTP_RETRIES", "0")

    def slow(request):  # type: ignore[no-untyped-def]
        time.sleep(0.6)
        return Response(SDMX_CSV.read_bytes())

    api.expect_request(PATH).respond_with_handler(slow)
    with pytest.raises(SourceTimeout, match="0.2 s"):
        oecd.fetch(one_query())


def test_fetch_truncated_body(api, monkeypatch):
    monkeypatch.setenv("ECONSEC_HTTP_RETRIES", "0")
    body = SDMX_CSV.read_bytes()

    def short(request):  # type: ignore[no-untyped-def]
        response = Response(body[:200])
        response.headers["Content-Length"] = str(len(body))
        return response

    api.expect_request(PATH).respond_with_handler(short)
    with pytest.raises(FetchError):
        oecd.fetch(one_query())


# --------------------------------------------------------------------------- file loader


def test_read_fdi_csv_slice():
    frame = oecd.read_fdi_csv(FILE_SLICE, retrieved_at=WHEN)
    url = "file:usa_outward_asean_slice.csv"
    flows = [("BRN", -5), ("IDN", 1926), ("KHM", 7), ("LAO", 0), ("MMR", 0), ("MYS", 450), ("PHL", 228),
             ("SGP", 12500), ("THA", 1181), ("VNM", 166)]
    rows = [("USA", c, "country", "outward", "flow", "2011", v * 1e6) for c, v in flows]
    rows += [
        ("USA", "BRN", "country", "outward", "income", "2018", -5e6),
        ("USA", "BRN", "country", "outward", "position", "2013", 31e6),
        ("USA", "IDN", "country", "outward", "income", "2018", 3129e6),
        ("USA", "IDN", "country", "outward", "position", "2013", 12117e6),
    ]
    expected = tidy(rows, source_url=url).sort_values(oecd.FDI_KEY, ignore_index=True)
    pd.testing.assert_frame_equal(frame, expected)  # the four "C .." cells give no row


@pytest.mark.parametrize(
    ("text", "error", "message"),
    [
        ("", ParseError, "unreadable CSV"),
        ("reference_area,principle,measure,year,counterpart_area,value_usd_millions\n", EmptyResultError, "no data"),
        ("a,b\n1,2\n", ParseError, "column 'reference_area' is missing"),
        ("reference_area,principle,measure,year,counterpart_area,value_usd_millions\n"
         "United States,Directional principle: outward,FDI financial flows - total,2011,Atlantis,1\n",
         ParseError, "area name 'Atlantis'"),
        ("reference_area,principle,measure,year,counterpart_area,value_usd_millions\n"
         "United States,Directional principle: outward,FDI financial flows - total,2011,Cambodia,n/a\n",
         ParseError, "row 2: value 'n/a' is not a number"),
        ("reference_area,principle,measure,year,counterpart_area,value_usd_millions\n"
         "United States,Directional principle: outward,FDI stocks,2011,Cambodia,1\n",
         ParseError, r"unknown measure label\(s\) \['FDI stocks'\]"),
    ],
)
def test_bad_files(tmp_path, text, error, message):
    path = tmp_path / "fdi.csv"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(error, match=message) as info:
        oecd.read_fdi_csv(path, retrieved_at=WHEN)
    assert "fdi.csv" in str(info.value)


def test_missing_file(tmp_path):
    with pytest.raises(SourceError, match="cannot read none.csv"):
        oecd.read_fdi_csv(tmp_path / "none.csv", retrieved_at=WHEN)


@pytest.mark.skipif(not REAL.exists(), reason="needs ../shared/data beside the repo")
def test_read_fdi_csv_full_file():
    frame = oecd.read_fdi_csv(REAL, retrieved_at=WHEN)
    assert len(frame) == 340  # 360 cells, 20 "C .." (confidential)
    value = frame.set_index(["counterpart", "measure", "period"])["value_usd"]
    assert value[("SGP", "flow", "2011")] == 12500e6
    assert value[("IDN", "position", "2013")] == 12117e6
    assert value[("VNM", "income", "2022")] == 257e6  # the file's last line
    assert ("KHM", "flow", "2018") not in value.index  # "C .."
    assert set(frame["reporter"]) == {"USA"} and set(frame["direction"]) == {"outward"}
