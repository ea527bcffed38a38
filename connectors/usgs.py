"""USGS Mineral Commodity Summaries (MCS): net import reliance, import sources, world production and reserves.

USGS has no API: each year's MCS is a ScienceBase *data release* of CSV files. Two kinds of input:

* The TRANSCRIBED MCS 2026 tables bundled in the shared data folder (PROVENANCE.md section 7), read by
  :func:`read_net_import_reliance`, :func:`read_import_sources` and :func:`read_world_production`.
* The official MCS 2026 data release file ``MCS2026_Commodities_Data.csv`` (long format: one row per
  chapter x country x statistic x year, cp1252), fetched from ScienceBase by :func:`fetch` and read by
  :func:`parse`. Its column names come from public code that downloads it and from a third-party test
  excerpt of it (tests/data/usgs/README.md); no copy of the whole file could be read here, so the
  selection rules below (which sections and statistics are kept) are UNVERIFIED against the full file.

Tidy rows go to the ``minerals`` table (econsec.schema.MINERALS)::

    frame = read_net_import_reliance(Path("net_import_reliance_mcs2026.csv"), retrieved_at=when)
    raws = fetch(default_queries()[0]); frame = parse(raws[0].content, source_url=raws[0].url, ...)

MCS quirks handled here (named constants below):

* Values are printed with thousands separators and markers: ``W`` withheld (value NA), ``NA`` not
  available (NA), ``E`` net exporter (net import reliance only; NA), ``—`` zero (0), ``>95`` / ``<25``
  bounds (the bound is stored, the printed text stays in ``value_raw``), a leading ``e`` = estimate.
* Years such as ``2025e`` are estimates: period "2025", ``estimated`` True.
* "World total" rows become ``WLD``; "Other" / "Other countries" (the residual of the listed countries)
  become ``QNE``: MINERALS has no partner_kind column, so the residual uses econsec's
  "areas not elsewhere specified" code, which can never be mistaken for a country.
* Country names are USGS's own (Burma, Congo (Kinshasa), Russia, Turkey): pycountry for standard names,
  :data:`USGS_COUNTRY_LABELS` for the labels USGS spells its own way.
"""

from __future__ import annotations

import csv
import io
import logging
import math
import re
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import pandas as pd
import pycountry
import requests

from connectors import http
from connectors.payload import utc as _utc
from econsec import settings
from econsec.errors import ConfigError, EmptyResultError, ParseError, SourceError
from econsec.schema import MINERALS_COLUMNS, MINERALS_KEY, WORLD, validate_minerals

log = logging.getLogger(__name__)

SOURCE = "usgs"
TABLE = "minerals"

# --------------------------------------------------------------------------- ScienceBase

#: ScienceBase item of the "Mineral Commodity Summaries 2026 Data Release" (DOI 10.5066/P1WKQ63T), as used by
#: public code that downloads it; CHECK on the first live call (https://www.sciencebase.gov/catalog/item/<id>).
MCS2026_ITEM_ID = "696a75d5d4be0228872d3bf8"
MCS2026_COMMODITIES_FILE = "MCS2026_Commodities_Data.csv"
#: Column names of MCS2026_Commodities_Data.csv (the header line of the official file, as quoted by public
#: code that checks it on download).
MCS2026_COLUMNS = ("MCS chapter", "Section", "Commodity", "Country", "Statistics", "Statistics_detail", "Unit",
                   "Year", "Value", "Notes", "Is critical mineral 2025", "Other notes")
#: The columns parse() cannot do without.
REQUIRED_COLUMNS = ("Section", "Commodity", "Country", "Statistics", "Statistics_detail", "Unit", "Year", "Value")
#: The official CSVs are Windows-1252 (em dashes and curly quotes are single bytes).
ENCODING = "cp1252"


@dataclass(frozen=True)
class DataReleaseFile:
    """One file of a ScienceBase data release: ``{base}/file/get/{item_id}?name={name}``."""

    item_id: str
    name: str

    def __post_init__(self) -> None:
        if not re.fullmatch(r"[0-9a-f]{24}", self.item_id or ""):
            raise ConfigError(f"ScienceBase item id {self.item_id!r} is not 24 hexadecimal characters")
        if not self.name or "/" in self.name:
            raise ConfigError(f"data release file name {self.name!r} is not a file name")


def build_request(query: DataReleaseFile) -> tuple[str, dict[str, str]]:
    return f"{settings.base_url('usgs')}/file/get/{query.item_id}", {"name": query.name}


def default_queries() -> list[DataReleaseFile]:
    """The MCS 2026 data release file with every commodity's statistics."""
    return [DataReleaseFile(MCS2026_ITEM_ID, MCS2026_COMMODITIES_FILE)]


def fetch(query: DataReleaseFile, *, session: requests.Session | None = None) -> list[http.RawResponse]:
    """GET the data release file (ScienceBase answers with the file itself, after a redirect)."""
    url, params = build_request(query)
    return [http.get(SOURCE, url, params, session=session)]


# --------------------------------------------------------------------------- labels and markers

#: MCS value markers that mean "no number" (value NA; the marker stays in value_raw).
NA_MARKERS = {
    "W": "withheld to avoid disclosing company proprietary data",
    "NA": "not available",
    "E": "net exporter (net import reliance)",
    "XX": "not applicable",
}
#: MCS prints zero as a dash.
ZERO_MARKERS = frozenset({"—", "–", "-", "--"})
_NUMBER = re.compile(r"^(?P<e>e)?\s*(?P<bound>[<>]=?)?\s*(?P<num>\d{1,3}(?:,\d{3})+|\d+)(?P<dec>\.\d+)?$")
_YEAR = re.compile(r"^(?P<year>\d{4})\s*(?P<est>e|_?estimated|\s*\(estimated\))?$", re.IGNORECASE)

#: USGS's own spellings of country names that pycountry does not know (USGS's label set, not a country table).
USGS_COUNTRY_LABELS = {
    "Burma": "MMR",
    "Congo (Kinshasa)": "COD",
    "Congo (Brazzaville)": "COG",
    "Russia": "RUS",
    "Turkey": "TUR",
    "Korea, North": "PRK",
    "Korea, Republic of": "KOR",
}
#: Labels of the world total and of the residual "other" row.
WORLD_LABELS = frozenset({"world total", "world total (rounded)", "world", "world total, rounded"})
OTHER_LABELS = frozenset({"other", "other countries", "other countries (rounded)"})
#: Residual code for "Other countries" (ISO 3166 user-assigned range; econsec.countries.AGGREGATES).
OTHER = "QNE"
#: The United States, country of every net-import-reliance and import-source row.
USA = "USA"

#: Commodity labels that name a commodity *and a form of it*: label (lower case) -> (commodity id, form).
#: Other labels become ids by :func:`commodity_id` ("Graphite (natural)" -> "graphite_natural").
COMMODITY_FORMS = {
    "rare earths (compounds and metals)": ("rare_earths", "compounds and metals"),
    "rare earths (mineral concentrates)": ("rare_earths", "mineral concentrates"),
}
#: Units as printed (MCS table headings, or "(Data in ...)" notes) -> short unit labels.
UNIT_LABELS = {
    "metric tons, reo equivalent": "t REO",
    "metric tons, rare-earth-oxide (reo) equivalent": "t REO",
    "metric tons, cobalt content": "t Co content",
    "metric tons, lithium content": "t Li content",
    "metric tons, nickel content": "t Ni content",
    "kilograms, germanium content": "kg Ge content",
    "kilograms, gallium content": "kg Ga content",
    "metric tons": "t",
    "thousand metric tons": "kt",
    "kilograms": "kg",
}
IMPORT_SHARE_UNIT = "% of US imports"
#: MCS 2026 reserves and production capacity are stated for 2025 (the year the official data release gives).
RESERVES_YEAR = "2025"
CAPACITY_YEAR = "2025"


def commodity_id(label: str) -> tuple[str, str]:
    """``(id, form)`` for an MCS commodity label.

    >>> commodity_id("Rare earths (mineral concentrates)")
    ('rare_earths', 'mineral concentrates')
    >>> commodity_id("Graphite (natural)")
    ('graphite_natural', '')
    """
    key = " ".join(label.split()).lower()
    if key in COMMODITY_FORMS:
        return COMMODITY_FORMS[key]
    return re.sub(r"[^a-z0-9]+", "_", key).strip("_"), ""


def unit_label(text: str) -> str:
    """Short unit for a printed unit ("metric tons, cobalt content" -> "t Co content"); unknown: as printed."""
    return UNIT_LABELS.get(" ".join(text.split()).lower(), " ".join(text.split()))


def country_code(name: str) -> str | None:
    """ISO3 (or WLD / QNE) for a USGS country label; None if unknown."""
    label = " ".join(name.split())
    key = label.lower()
    if key in WORLD_LABELS:
        return WORLD
    if key in OTHER_LABELS:
        return OTHER
    if label in USGS_COUNTRY_LABELS:
        return USGS_COUNTRY_LABELS[label]
    try:
        return pycountry.countries.lookup(label).alpha_3
    except LookupError:
        return None


def parse_value(text: str) -> tuple[float, bool]:
    """``(value, estimated)`` for a printed MCS value; ValueError if it is none of the documented forms.

    >>> parse_value(">85,000,000")
    (85000000.0, False)
    >>> parse_value("—")
    (0.0, False)
    >>> parse_value("W")
    (nan, False)
    """
    raw = text.strip()
    if raw in NA_MARKERS:
        return math.nan, False
    if raw in ZERO_MARKERS:
        return 0.0, False
    match = _NUMBER.match(raw)
    if not match:
        raise ValueError(raw)
    number = float(match["num"].replace(",", "") + (match["dec"] or ""))
    return number, bool(match["e"])


def parse_year(text: str) -> tuple[str, bool]:
    """``(period, estimated)``: "2024" -> ("2024", False); "2025e" -> ("2025", True)."""
    match = _YEAR.match(text.strip())
    if not match:
        raise ValueError(text)
    return match["year"], bool(match["est"])


# --------------------------------------------------------------------------- transcribed MCS 2026 tables


def read_net_import_reliance(
    path: Path, *, retrieved_at: datetime, source_url: str | None = None
) -> pd.DataFrame:
    """US net import reliance by commodity and year (``measure`` net_import_reliance, country USA).

    ``nir_pct`` holds the number (95 for ">95", blank for "E" = net exporter); ``nir_raw`` the printed form,
    kept as ``value_raw``. The two must agree. ``category`` is the file's ``nir_basis`` (prefixed by the form
    for rare earths, which have two series); ``unit`` is "% of <basis>" ("% of apparent consumption").
    """
    url = source_url or f"file:{path.name}"
    table = _read_csv(path, url, ("commodity", "nir_basis", "year", "nir_pct", "nir_raw"))
    fail = _failer(url)
    records = []
    for i, row in table.iterrows():
        commodity, form = commodity_id(row["commodity"])
        basis = " ".join(row["nir_basis"].split())
        period, estimated = _year(row["year"], i, "year", fail)
        value = _number_cell(row["nir_pct"], i, "nir_pct", fail)
        raw = row["nir_raw"].strip()
        _check_raw(value, raw, i, "nir_pct", "nir_raw", fail)
        match = re.search(r"percentage of (.+)$", basis, re.IGNORECASE)
        records.append(
            dict(
                commodity=commodity,
                category=f"{form}: {basis}" if form else basis,
                country=USA,
                measure="net_import_reliance",
                period=period,
                value=value,
                unit=f"% of {match[1]}" if match else "%",
                value_raw=raw,
                estimated=estimated,
            )
        )
    return _frame(records, url, retrieved_at)


def read_import_sources(path: Path, *, retrieved_at: datetime, source_url: str | None = None) -> pd.DataFrame:
    """Shares of US imports by source country ("Import Sources (2021–24)"), ``measure`` import_source_share.

    The MCS gives one share for the four years 2021–24. The schema's period is one year or month, so the
    rows are stored under the range's last year ("2021-24" -> period "2024") and the range travels in the
    unit ("% of US imports, 2021–24"), so no display can show it as one year's share; ``category`` is the
    file's ``import_category`` ("all" where MCS gives one list).
    """
    url = source_url or f"file:{path.name}"
    table = _read_csv(path, url, ("commodity", "import_category", "country", "share_pct", "period"))
    fail = _failer(url)
    records = []
    for i, row in table.iterrows():
        commodity, form = commodity_id(row["commodity"])
        category = " ".join(row["import_category"].split())
        match = re.fullmatch(r"(\d{4})-(\d{2})", row["period"].strip())
        if not match or int(match[2]) < int(match[1][2:]):
            raise fail(f"row {i}: period {row['period']!r} is not a year range like 2021-24")
        value = _number_cell(row["share_pct"], i, "share_pct", fail, required=True)
        records.append(
            dict(
                commodity=commodity,
                category=f"{form}: {category}" if form else category,
                country=_country(row["country"], i, fail),
                measure="import_source_share",
                period=match[1][:2] + match[2],
                value=value,
                unit=f"{IMPORT_SHARE_UNIT}, {match[1]}–{match[2]}",
                value_raw=row["share_pct"].strip(),
                estimated=False,
            )
        )
    return _frame(records, url, retrieved_at)


#: world production file: (value column, printed column or None, measure, period, estimated)
_WORLD_MEASURES = (
    ("production_2024", "production_2024_raw", "production", "2024", False),
    ("production_2025e", "production_2025e_raw", "production", "2025", True),
    ("capacity", None, "capacity", CAPACITY_YEAR, False),
    ("reserves", "reserves_raw", "reserves", RESERVES_YEAR, False),
)


def read_world_production(path: Path, *, retrieved_at: datetime, source_url: str | None = None) -> pd.DataFrame:
    """World mine production (2024, 2025e), production capacity and reserves by country.

    One row per filled cell: a cell blank in both its number and printed columns is not in the MCS table and
    gives no row; "W" (withheld) and "NA" give a row with value NA; "—" gives 0. ``category`` is the file's
    ``measure`` text (the MCS table title), ``unit`` the short form of ``unit`` ("t REO", "t Co content").
    The file has no printed column for capacity: its number is its printed form.
    """
    url = source_url or f"file:{path.name}"
    required = ("commodity", "measure", "unit", "country") + tuple(
        c for value, raw, *_ in _WORLD_MEASURES for c in (value, raw) if c
    )
    table = _read_csv(path, url, required)
    fail = _failer(url)
    records = []
    for i, row in table.iterrows():
        commodity, form = commodity_id(row["commodity"])
        title = " ".join(row["measure"].split())
        country = _country(row["country"], i, fail)
        for value_col, raw_col, measure, period, estimated in _WORLD_MEASURES:
            raw = row[raw_col].strip() if raw_col else row[value_col].strip()
            if not raw and not row[value_col].strip():
                continue
            value = _number_cell(row[value_col], i, value_col, fail)
            if raw_col:
                _check_raw(value, raw, i, value_col, raw_col, fail)
            records.append(
                dict(
                    commodity=commodity,
                    category=f"{form}: {title}" if form else title,
                    country=country,
                    measure=measure,
                    period=period,
                    value=value,
                    unit=unit_label(row["unit"]),
                    value_raw=raw,
                    estimated=estimated,
                )
            )
    return _frame(records, url, retrieved_at)


# --------------------------------------------------------------------------- official data release


#: Statistics kept from the world tables of MCS2026_Commodities_Data.csv (lower case) -> measure.
WORLD_STATISTICS = {"production": "production", "reserves": "reserves", "capacity": "capacity"}
#: Sections holding world tables start with this ("World Mine Production and Reserves",
#: "World Low-Purity Production and Production Capacity", ...).
WORLD_SECTION_PREFIX = "world"
#: UNVERIFIED (no salient-statistics row of the official file could be read): a row of a "Salient
#: Statistics" section whose Statistics or Statistics_detail mentions this is taken as net import reliance.
NIR_TEXT = "net import reliance"
#: The world total row's detail ends with this ("Mine production: rounded").
ROUNDED_SUFFIX = ": rounded"
_DATA_IN = re.compile(r"^\(Data in (?P<unit>.*?), unless otherwise specified\)")


def parse(content: bytes | str, *, source_url: str, retrieved_at: datetime) -> pd.DataFrame:
    """Tidy minerals frame from ``MCS2026_Commodities_Data.csv`` (the official MCS 2026 data release).

    Kept: production, reserves and capacity rows of the "World ..." sections, by country (``category`` =
    ``Statistics_detail`` without ": rounded", e.g. "Mine production"; ``unit`` from the "(Data in ...)"
    note when it refines ``Unit``, e.g. "t Co content"), and net-import-reliance rows of the salient
    statistics (UNVERIFIED selection). Everything else (US salient statistics, prices, import sources with
    year ranges) is skipped and counted in the log. ``estimated`` is True for an "e"/"estimated" year, an
    "e"-prefixed value, or a row whose ``Notes`` begin with "Estimated". Country labels that are neither
    countries nor totals (e.g. "United States (extracted from natural gas)") are skipped with a warning.
    """
    fail = _failer(source_url)
    text = _decode(content, fail)
    if not text.strip():
        raise EmptyResultError("the file is empty", source=SOURCE, url=source_url)
    if text.lstrip().startswith("<"):
        raise fail(f"expected CSV, got an HTML/XML page: {' '.join(text.strip()[:80].split())!r}")
    table = _csv_table(text, REQUIRED_COLUMNS, fail)

    records = []
    skipped = 0
    unknown: set[str] = set()
    for i, row in table.iterrows():
        section = row["Section"].strip().lower()
        statistic = row["Statistics"].strip().lower()
        detail = " ".join(row["Statistics_detail"].split())
        if section.startswith(WORLD_SECTION_PREFIX) and statistic in WORLD_STATISTICS:
            measure = WORLD_STATISTICS[statistic]
            category = detail[: -len(ROUNDED_SUFFIX)] if detail.lower().endswith(ROUNDED_SUFFIX) else detail
        elif "salient" in section and (NIR_TEXT in statistic or NIR_TEXT in detail.lower()):
            measure, category = "net_import_reliance", detail
        else:
            skipped += 1
            continue
        country = country_code(row["Country"])
        if country is None:
            unknown.add(row["Country"].strip())
            continue
        if measure == "net_import_reliance" and country != USA:
            raise fail(f"row {i}: net import reliance for {row['Country']!r}, not the United States")
        period, year_estimated = _year(row["Year"], i, "Year", fail)
        raw = row["Value"].strip()
        if not raw:
            raise fail(f"row {i}: Value is blank")
        try:
            value, value_estimated = parse_value(raw)
        except ValueError:
            raise fail(f"row {i}: Value is {raw!r}, not a number or an MCS marker (W, NA, E, —)") from None
        notes = row["Notes"].strip().lower() if "Notes" in table else ""
        unit = row["Unit"].strip()
        data_in = _DATA_IN.match(row["Other notes"].strip()) if "Other notes" in table else None
        if data_in and data_in["unit"].lower().startswith(unit.lower()):
            unit = data_in["unit"]  # "metric tons" -> "metric tons, cobalt content"
        commodity, _ = commodity_id(row["Commodity"])
        records.append(
            dict(
                commodity=commodity,
                category=category,
                country=country,
                measure=measure,
                period=period,
                value=value,
                unit=unit_label(unit) if measure != "net_import_reliance" else "%",
                value_raw=raw,
                estimated=year_estimated or value_estimated or notes.startswith("estimated"),
            )
        )
    log.info("%s: kept %d rows, skipped %d rows of other statistics", source_url, len(records), skipped)
    if unknown:
        log.warning("%s: skipped rows of labels that are not countries: %s", source_url, ", ".join(sorted(unknown)))
    if not records:
        raise EmptyResultError("no world production, reserves or capacity rows", source=SOURCE, url=source_url)
    return _frame(records, source_url, retrieved_at)


# --------------------------------------------------------------------------- helpers


def _failer(url: str):  # type: ignore[no-untyped-def]
    def fail(message: str) -> ParseError:
        return ParseError(message, source=SOURCE, url=url)

    return fail


def _decode(content: bytes | str, fail) -> str:  # type: ignore[no-untyped-def]
    if isinstance(content, str):
        return content
    try:
        return content.decode("utf-8-sig")  # a re-saved copy
    except UnicodeDecodeError:
        pass
    try:
        return content.decode(ENCODING)
    except UnicodeDecodeError as exc:
        raise fail(f"the file is neither UTF-8 nor {ENCODING} (byte {exc.start})") from None


def _csv_table(text: str, required: tuple[str, ...], fail) -> pd.DataFrame:  # type: ignore[no-untyped-def]
    """All cells as text; every row must have as many fields as the header (a short row = a cut file)."""
    try:
        rows = [row for row in csv.reader(io.StringIO(text), strict=True) if row]
    except csv.Error as exc:
        raise fail(f"not a readable CSV: {exc}") from None
    if not rows:
        raise fail("the file has no header")
    header = [c.strip() for c in rows[0]]
    missing = [c for c in required if c not in header]
    if missing:
        raise fail(f"column {missing[0]!r} is missing (columns: {', '.join(header)})")
    if len(rows) == 1:
        raise fail("the file has a header and no rows")
    for i, row in enumerate(rows[1:]):
        if len(row) != len(header):
            raise fail(f"row {i} has {len(row)} fields, the header {len(header)} (truncated file?)")
    return pd.DataFrame(rows[1:], columns=header, dtype="str")


def _read_csv(path: Path, url: str, required: tuple[str, ...]) -> pd.DataFrame:
    path = Path(path)
    try:
        content = path.read_bytes()
    except OSError as exc:
        raise SourceError(f"cannot read {path.name}: {exc.strerror or exc}", source=SOURCE, url=url) from None
    fail = _failer(url)
    text = _decode(content, fail)
    if not text.strip():
        raise fail(f"{path.name} is empty")
    return _csv_table(text, required, lambda message: fail(f"{path.name}: {message}"))


def _year(text: str, i: int, column: str, fail) -> tuple[str, bool]:  # type: ignore[no-untyped-def]
    try:
        return parse_year(text)
    except ValueError:
        raise fail(f"row {i}: {column} is {text!r}, not a year (YYYY or YYYYe)") from None


def _number_cell(text: str, i: int, column: str, fail, *, required: bool = False) -> float:  # type: ignore[no-untyped-def]
    """A number column of the transcribed files: plain numbers, blank = NA."""
    text = text.strip()
    if not text:
        if required:
            raise fail(f"row {i}: {column} is blank")
        return math.nan
    try:
        value = float(text)
    except ValueError:
        raise fail(f"row {i}: {column} is {text!r}, not a number") from None
    if not math.isfinite(value):
        raise fail(f"row {i}: {column} is {text!r}, not a finite number")
    return value


def _check_raw(value: float, raw: str, i: int, value_col: str, raw_col: str, fail) -> None:  # type: ignore[no-untyped-def]
    """The number must be what the printed form says (never alter a number: a mismatch is a transcription slip)."""
    try:
        printed, _ = parse_value(raw)
    except ValueError:
        raise fail(f"row {i}: {raw_col} is {raw!r}, not a number or an MCS marker (W, NA, E, —)") from None
    same = (math.isnan(printed) and math.isnan(value)) or printed == value
    if not same:
        raise fail(f"row {i}: {value_col} {value:g} does not match the printed {raw_col} {raw!r}")


def _country(name: str, i: int, fail) -> str:  # type: ignore[no-untyped-def]
    code = country_code(name)
    if code is None:
        raise fail(f"row {i}: unknown country {name.strip()!r}")
    return code




def _frame(records: list[dict[str, object]], source_url: str, retrieved_at: datetime) -> pd.DataFrame:
    stamp = _utc(retrieved_at)
    if not records:
        raise EmptyResultError("no rows", source=SOURCE, url=source_url)
    rows = pd.DataFrame.from_records(records)
    dup = rows.duplicated(MINERALS_KEY, keep=False)
    if dup.any():
        for key, group in rows[dup].groupby(MINERALS_KEY, sort=False):
            if group["value"].nunique(dropna=False) > 1 or group["value_raw"].nunique() > 1:
                raise ParseError(
                    f"rows disagree for {dict(zip(MINERALS_KEY, key, strict=True))}: "
                    f"values {group['value_raw'].tolist()}",
                    source=SOURCE,
                    url=source_url,
                )
        rows = rows.drop_duplicates(MINERALS_KEY)
    n = len(rows)
    text_columns = ("commodity", "category", "country", "measure", "period", "unit", "value_raw")
    out = pd.DataFrame({c: pd.Series(rows[c].to_numpy(), dtype="str") for c in text_columns})
    out["value"] = pd.Series(rows["value"].to_numpy(dtype="float64"), dtype="float64")
    out["estimated"] = pd.Series(rows["estimated"].to_numpy(dtype=bool), dtype="bool")
    out["source"] = pd.Series(SOURCE, index=range(n), dtype="str")
    out["source_url"] = pd.Series(source_url, index=range(n), dtype="str")
    out["retrieved_at"] = pd.Series(stamp, index=range(n), dtype="datetime64[us, UTC]")
    out = out[list(MINERALS_COLUMNS)].sort_values(MINERALS_KEY, kind="stable", ignore_index=True)
    assert not out.duplicated(MINERALS_KEY).any(), "at most one row per commodity, category, country, measure, period"
    return validate_minerals(out)
