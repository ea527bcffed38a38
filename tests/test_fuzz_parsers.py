"""Property-based fuzzing of every connector's parser and file loader with damaged real payloads.

Every API connector of ``connectors.registry.API_CONNECTORS`` (its ``parse``) and every file loader
(``read_*``/``parse_*`` of the file-only sources and extracts) gets a few hundred payloads built from
the recorded ones in tests/data/<source>/ by tests/fuzz_payloads.py: wrong types, missing and extra
fields, huge/negative/NaN/inf values, duplicate rows, other encodings, truncated bodies, random bytes.

The property: each call returns a frame that passes its table's schema (econsec.schema) with finite
numbers, or raises a typed :class:`econsec.errors.EconsecError` with a message. Any other exception
(KeyError, ValueError, UnicodeDecodeError, zipfile.BadZipFile, ...) fails the test with the payload.

Reproducible: ``derandomize=True`` (the examples are a function of the test), no deadline (a loaded
CI machine must not turn slowness into a failure), and ``max_examples`` set per target.
"""

from __future__ import annotations

import csv
import json
import math
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from connectors import (
    bank_indonesia,
    census,
    china_exports,
    comtrade,
    comtrade_reference,
    imf,
    imf_dots,
    japan_customs,
    oecd,
    registry,
    supplier_share,
    taiwan_customs,
    usgs,
    worldbank,
)
from econsec import schema
from econsec.errors import EconsecError, ParseError
from tests.fuzz_payloads import byte_mutation, damaged

DATA = Path(__file__).parent / "data"
WHEN = datetime(2025, 1, 2, 3, 4, 5, tzinfo=UTC)
URL = "http://fuzz.invalid/payload"
#: Examples per target in CI. A parse ends in a pandera validation (~35 ms), so this keeps the file at
#: ~80 s of CPU on a 2-core machine (every source gets 250 or more across its parsers);
#: ``pytest --hypothesis-profile=fuzz-deep`` runs 2,000 per target instead.
EXAMPLES = 120
SOLE = 250  # a source with one parser gets more, so every source sees a few hundred damaged payloads
# The "fuzz-deep" profile (2,000 examples) is registered in conftest.py: pytest must know it at start-up.


def fuzz(examples: int = EXAMPLES) -> settings:
    deep = settings.default.max_examples > 100  # a profile asking for more than Hypothesis's default
    return settings(max_examples=max(examples, settings.default.max_examples) if deep else examples,
                    deadline=None, derandomize=True, database=None,
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])


def seeds(*paths: str) -> dict[str, bytes]:
    return {p: (DATA / p).read_bytes() for p in paths}


def _in_file(read: Callable[..., pd.DataFrame]) -> Callable[[str, bytes], pd.DataFrame]:
    """A file loader called on ``content`` written under the seed's own file name (names carry meaning)."""

    def call(name: str, content: bytes) -> pd.DataFrame:
        with tempfile.TemporaryDirectory() as folder:
            path = Path(folder) / Path(name).name
            path.write_bytes(content)
            return read(path, retrieved_at=WHEN)

    return call


def _bytes(parse: Callable[..., pd.DataFrame]) -> Callable[[str, bytes], pd.DataFrame]:
    return lambda name, content: parse(content, source_url=URL, retrieved_at=WHEN)


def _cells(content: bytes) -> pd.DataFrame:
    """Raw sheet cells as xlrd gives them (floats, text, None), from the cells CSV of a SEKI slice."""

    def cell(text: str) -> object:
        if text == "":
            return None
        try:
            return float(text)
        except ValueError:
            return text

    rows = list(csv.reader(content.decode("utf-8", "replace").splitlines()))
    width = max((len(row) for row in rows), default=0)  # a sheet is a rectangle: short rows end in blanks
    return pd.DataFrame([[cell(v) for v in row] + [None] * (width - len(row)) for row in rows], dtype=object)


def _seki_sheet(name: str, content: bytes) -> pd.DataFrame:
    sheet = bank_indonesia.OLDER_SHEET if "2004-2012" in name else bank_indonesia.SHEET
    return bank_indonesia.parse_sheet(_cells(content), source_url=URL, retrieved_at=WHEN, sheet=sheet)


def _hs_reference(name: str, content: bytes) -> pd.DataFrame:
    return comtrade_reference.parse_hs_reference(content, url=URL)


@dataclass(frozen=True)
class Target:
    name: str
    call: Callable[[str, bytes], pd.DataFrame]
    seeds: dict[str, bytes]
    fmt: str  # json, csv, xml or xlsx: the structural mutations to apply (byte-level ones apply to all)
    table: str | None  # the store table the rows must fit; None for the HS reference list
    encoding: str = "utf-8"
    examples: int = EXAMPLES


WDI = ["worldbank/wdi/GB.XPD.RSDV.GD.ZS.csv", "worldbank/wdi/NY.GDP.MKTP.KD.ZG.csv"]
HS_REFERENCE = {"inline": b'{"classCode": "HS", "results": [{"id": "28", "text": "28 - Inorganic chemicals",'
                          b' "parent": "TOTAL", "aggrLevel": 2}, {"id": "280530", "text": "280530 - Earth-metals,'
                          b' rare", "parent": "2805", "aggrLevel": 6}]}'}

TARGETS = [
    # -- API parsers (connectors.registry.API_CONNECTORS) -----------------------------------------------------
    Target("comtrade.parse", _bytes(comtrade.parse), seeds(
        "comtrade/includeDesc_reporter156_2010_TOTAL.json", "comtrade/pretty_reporter156_2010_TOTAL.json",
        "comtrade/empty_result.json"), "json", "trade"),
    Target("worldbank.parse", _bytes(worldbank.parse), seeds(
        "worldbank/rsdv_JPN-USA-WLD_2022-2024_page1.json", "worldbank/rsdv_JPN-USA-WLD_2022-2024_page2.json",
        "worldbank/rsdv_aggregates_2023.json", "worldbank/empty_result.json", "worldbank/error_invalid_value.json"),
        "json", "series"),
    Target("worldbank.parse[xml]", _bytes(worldbank.parse), seeds("worldbank/error_indicator_not_found.xml"),
           "xml", "series"),
    Target("imf.parse", _bytes(imf.parse), seeds(
        "imf/imts_USA_XG_FOB_USD_G001+G998_A_2023-2024.xml", "imf/written_monthly_variant.xml",
        "imf/written_empty_dataset.xml", "imf/written_error_100_no_results.xml", "imf/written_error_150.xml"),
        "xml", "trade"),
    Target("census.parse", _bytes(census.parse), seeds(
        "census/imports_hs854231_2024-01_to_2024-02.json", "census/exports_hs280530_2024-03.json"), "json", "trade",
        examples=SOLE),
    Target("usgs.parse", _bytes(usgs.parse), seeds("usgs/MCS2026_Commodities_Data_slice.csv"), "csv", "minerals",
           encoding="cp1252"),
    Target("oecd.parse[csv]", _bytes(oecd.parse), seeds("oecd/sdmx_csv_usa_outward_flows_2011_from_docs.csv"),
           "csv", "fdi"),
    Target("oecd.parse[json]", _bytes(oecd.parse), seeds("oecd/sdmx_json1_OECD_PART2_all.json"), "json", "fdi"),
    # -- extracts and file-only sources ----------------------------------------------------------------------
    Target("comtrade.parse_csv", _bytes(comtrade.parse_csv), seeds(
        "comtrade/china_imports_hs8542_from_usa_2010_2015.csv", "comtrade/hs8542_exports_to_world_annual_slice.csv",
        "comtrade/hs8542_exports_to_world_monthly_slice.csv"), "csv", "trade", encoding="latin-1"),
    Target("comtrade.read_extract[xlsx]", _in_file(comtrade.read_extract),
           seeds("comtrade/quad_imports_from_world_2019_slice.xlsx"), "xlsx", "trade",
           examples=40),  # ~150 ms each (openpyxl both ways); parse_records is fuzzed through JSON and CSV too
    Target("comtrade_reference.parse_hs_reference", _hs_reference, HS_REFERENCE, "json", None),
    Target("worldbank.read_wdi_csv", _in_file(worldbank.read_wdi_csv), seeds(*WDI), "csv", "series"),
    Target("imf_dots.read_dots_annual", _in_file(imf_dots.read_dots_annual), seeds("imf/dots_annual_slice.csv"),
           "csv", "trade"),
    Target("imf_dots.read_dots_monthly", _in_file(imf_dots.read_dots_monthly), seeds("imf/dots_monthly_slice.csv"),
           "csv", "trade"),
    Target("usgs.read_net_import_reliance", _in_file(usgs.read_net_import_reliance),
           seeds("usgs/net_import_reliance_slice.csv"), "csv", "minerals"),
    Target("usgs.read_import_sources", _in_file(usgs.read_import_sources), seeds("usgs/us_import_sources_slice.csv"),
           "csv", "minerals"),
    Target("usgs.read_world_production", _in_file(usgs.read_world_production),
           seeds("usgs/world_production_reserves_slice.csv"), "csv", "minerals"),
    Target("oecd.read_fdi_csv", _in_file(oecd.read_fdi_csv), seeds("oecd/usa_outward_asean_slice.csv"), "csv", "fdi"),
    Target("japan_customs.parse", _bytes(japan_customs.parse),
           seeds("japan_customs/japan_trade_by_area_goods_slice.csv"), "csv", "customs", examples=SOLE),
    Target("taiwan_customs.parse_exports_by_destination", _bytes(taiwan_customs.parse_exports_by_destination),
           seeds("taiwan_customs/taiwan_exports_hs8542_by_destination_slice.csv"), "csv", "trade"),
    Target("taiwan_customs.parse_exports_by_code", _bytes(taiwan_customs.parse_exports_by_code),
           seeds("taiwan_customs/taiwan_exports_hs8542_total_by_hs11_slice.csv"), "csv", "trade"),
    Target("bank_indonesia.parse_sheet", _seki_sheet, seeds(
        "bank_indonesia/seki_v33_sheet5.33_2010_2019-2021_cells.csv",
        "bank_indonesia/seki_v33_sheet2004-2012_2008-2010_cells.csv"), "csv", "fdi", examples=SOLE),
    Target("china_exports.parse_deep_dive_hs6_monthly", _bytes(china_exports.parse_deep_dive_hs6_monthly),
           seeds("china_exports/china_exports_deep_dive_hs6_monthly_slice.csv"), "csv", "trade", examples=SOLE),
    Target("supplier_share.parse", _bytes(supplier_share.parse), seeds("supplier_share/fct_supplier_share_head.csv"),
           "csv", "trade", examples=SOLE),
]
BY_NAME = {t.name: t for t in TARGETS}

#: The OLE2 signature of an .xls file, so damaged "workbooks" get past the first check.
OLE2 = bytes.fromhex("d0cf11e0a1b11ae1")


_VALID: set[tuple] = set()


def check(target: Target, name: str, content: bytes) -> None:
    """The property: valid tidy rows (finite numbers) or a typed econsec error with a message."""
    try:
        out = target.call(name, content)
    except EconsecError as exc:
        assert str(exc).strip(), f"{type(exc).__name__} without a message"
        return
    assert isinstance(out, pd.DataFrame)
    if target.table is None:  # the HS reference list: codes and descriptions
        assert list(out.columns) == ["hs_code", "description"] and out["hs_code"].str.fullmatch(r"\d{2,6}").all()
        return
    key = (target.table, tuple(out.columns), tuple(map(str, out.dtypes)),
           int(pd.util.hash_pandas_object(out, index=True).sum()) if len(out) else 0)
    if key not in _VALID:  # many damaged payloads give the very frame already checked: validate it once
        schema.TABLE_VALIDATORS[target.table](out)
        _VALID.add(key)
    for column in out.select_dtypes("number").columns:
        values = out[column].dropna().to_numpy(dtype=float)
        assert all(math.isfinite(v) for v in values), f"{target.name}: non-finite {column}: {values[:5]}"


def test_every_parser_is_fuzzed():
    """Every API connector and every file-only source has at least one target here."""
    modules = {t.name.split(".")[0] for t in TARGETS}
    for module in (*registry.API_CONNECTORS.values(), *registry.FILE_ONLY.values()):
        assert module.removeprefix("connectors.") in modules, module


@pytest.mark.parametrize("target", TARGETS, ids=lambda t: t.name)
def test_seed_payloads_parse(target):
    """The undamaged payloads give rows or a typed error (the error samples), so mutations start from the real thing."""
    for name, content in target.seeds.items():
        check(target, name, content)


@pytest.mark.parametrize("target", TARGETS, ids=lambda t: t.name)
def test_damaged_payloads_give_tidy_rows_or_a_typed_error(target):
    @fuzz(target.examples)
    @given(case=damaged(target.seeds, target.fmt, target.encoding))
    def run(case: tuple[str, bytes]) -> None:
        check(target, *case)

    run()


@fuzz()
@given(content=st.one_of(st.binary(max_size=512), st.binary(max_size=512).map(lambda b: OLE2 + b),
                         byte_mutation(OLE2 + bytes(504))))
def test_bank_indonesia_workbook_garbage_is_a_parse_error(content):
    """The SEKI .xls loader on bytes that are not a workbook (or a damaged OLE2 file)."""
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "seki.xls"
        path.write_bytes(content)
        try:
            bank_indonesia.read_seki_fdi(path, retrieved_at=WHEN)
        except EconsecError as exc:
            assert str(exc).strip()
        else:  # pragma: no cover - garbage cannot hold sheet 5.33
            pytest.fail("garbage bytes parsed as a SEKI workbook")


# ------------------------------------------------------------------ regressions: what the fuzzing found
def _raises_parse_error(call: Callable[[], object], message: str) -> None:
    with pytest.raises(ParseError, match=message):
        call()


def test_comtrade_csv_row_longer_than_its_header_is_a_parse_error():
    """pandas warned and dropped the extra fields (data lost silently) instead of refusing the file."""
    content = (DATA / "comtrade/hs8542_exports_to_world_monthly_slice.csv").read_bytes()
    header, *rows = content.splitlines()
    damaged_csv = b"\n".join([header, *(row + b",extra" for row in rows if row)])  # beyond the trailing comma
    _raises_parse_error(lambda: comtrade.parse_csv(damaged_csv, source_url=URL, retrieved_at=WHEN),
                        "more fields than the header")


@pytest.mark.parametrize("content", [b"PK\x03\x04", b"not a zip", b""])
def test_comtrade_damaged_xlsx_is_a_parse_error(tmp_path, content):
    """zipfile.BadZipFile escaped read_extract."""
    path = tmp_path / "extract.xlsx"
    path.write_bytes(content)
    _raises_parse_error(lambda: comtrade.read_extract(path, retrieved_at=WHEN), "unreadable workbook extract.xlsx")


def test_comtrade_code_beyond_int64_is_a_parse_error():
    """OverflowError when a code did not fit in int64 (a JSON 10**30, or a huge cell of an xlsx)."""
    body = json.loads((DATA / "comtrade/includeDesc_reporter156_2010_TOTAL.json").read_bytes())
    body["data"][0]["partnerCode"] = 10**30
    _raises_parse_error(lambda: comtrade.parse(json.dumps(body).encode(), source_url=URL, retrieved_at=WHEN),
                        "partnerCode")


def test_oecd_csv_that_the_csv_module_cannot_read_is_a_parse_error():
    """csv.Error escaped the truncation check: "new-line character seen in unquoted field" for a stray
    carriage return (now read with newline="", as pandas reads it), or a field over the csv module's limit."""
    content = (DATA / "oecd/sdmx_csv_usa_outward_flows_2011_from_docs.csv").read_bytes()
    check(BY_NAME["oecd.parse[csv]"], "stray CR", b"\r" + content[1:])  # rows or a typed error, no crash
    header, first, *rest = content.splitlines()
    huge = first.replace(b",USA,", b"," + b"U" * 200_000 + b",", 1)
    _raises_parse_error(lambda: oecd.parse(b"\n".join([header, huge, *rest]), source_url=URL, retrieved_at=WHEN),
                        "unreadable CSV: field larger than field limit")


@pytest.mark.parametrize("value", ["inf", "1e309", "1e300", "nan"])
def test_taiwan_customs_infinite_or_absurd_value_is_a_parse_error(value):
    """numpy overflowed casting to whole cents (RuntimeWarning, then garbage int64s)."""
    lines = (DATA / "taiwan_customs/taiwan_exports_hs8542_by_destination_slice.csv").read_text("utf-8-sig").splitlines()
    fields = lines[1].split(",")
    fields[-1] = value
    content = "\n".join([lines[0], ",".join(fields), *lines[2:]]).encode()
    _raises_parse_error(lambda: taiwan_customs.parse_exports_by_destination(content, source_url=URL, retrieved_at=WHEN),
                        "Export Value")


@pytest.mark.parametrize("year, message", [("\x00018", "four-digit year"), ("20x8", "four-digit year")])
def test_supplier_share_bad_year_is_a_parse_error(year, message):
    """int(year) raised ValueError."""
    lines = (DATA / "supplier_share/fct_supplier_share_head.csv").read_text().splitlines()
    fields = lines[1].split(",")
    fields[2] = year
    content = "\n".join([lines[0], ",".join(fields), *lines[2:]]).encode()
    _raises_parse_error(lambda: supplier_share.parse(content, source_url=URL, retrieved_at=WHEN), message)


def test_supplier_share_infinite_value_is_a_parse_error():
    lines = (DATA / "supplier_share/fct_supplier_share_head.csv").read_text().splitlines()
    fields = lines[1].split(",")
    fields[7] = "inf"
    content = "\n".join([lines[0], ",".join(fields), *lines[2:]]).encode()
    _raises_parse_error(lambda: supplier_share.parse(content, source_url=URL, retrieved_at=WHEN), "finite")


def test_hs_reference_with_a_null_text_is_a_parse_error():
    """AttributeError ('float' object has no attribute 'startswith')."""
    content = HS_REFERENCE["inline"].replace(b'"28 - Inorganic chemicals"', b"null")
    _raises_parse_error(lambda: comtrade_reference.parse_hs_reference(content, url=URL), "not two strings")
