"""World Bank Indicators API v2 (World Development Indicators): one value per country, series and year.

Fetching (network) is split from parsing (pure)::

    query = WorldBankQuery("GB.XPD.RSDV.GD.ZS", countries=("JPN", "USA", "WLD"), start_year=2000, end_year=2024)
    raws = fetch(query)                       # list[RawResponse]: every page of every chunk of countries
    frame = parse(raws[0].content, source_url=raws[0].url, retrieved_at=raws[0].retrieved_at)
    frame = read(query)                       # both, all pages concatenated

Endpoint (``{base}`` = ``ECONSEC_WORLDBANK_BASE_URL``, default https://api.worldbank.org/v2)::

    {base}/country/JPN;USA;WLD/indicator/GB.XPD.RSDV.GD.ZS?format=json&source=2&date=2000:2024&per_page=1000&page=1

The bundled snapshot does not call the API: :func:`read_wdi_folder` loads the datahub.io mirror of
WDI (one ``Country Name,Country Code,Year,Value`` CSV per indicator, shared/data/worldbank_wdi/).

Quirks handled here (shared/data/API_FORMATS.md section 2, and the wbgapi client's comments):

* A response is a 2-element JSON array ``[metadata, rows]``; pages are numbered from 1 and the
  metadata says how many there are (``pages``; some endpoints send the numbers as strings).
* Errors are HTTP 200 with a 1-element array ``[{"message": [{"id", "key", "value"}]}]``, and some
  (unknown indicator) come as an XML ``<wb:error>`` page, with a UTF-8 BOM, even though JSON was asked.
* A query with no data is ``[{"page": 0, "pages": 0, ..., "total": 0}, null]``.
* Years without data are still returned, with ``"value": null``: those rows are dropped, not zeroed.
* ``date`` is a string; ``countryiso3code`` is ISO3 for countries, the World Bank's 3-letter code
  for aggregates, and sometimes empty for aggregates: then ``country.id`` (the World Bank's
  2-character code, ISO2 for countries) identifies the row (:data:`WB_AGGREGATE_IDS`).
* URLs longer than about 1,500 characters fail with a server error: countries are split into
  chunks so each URL stays below :data:`MAX_URL_CHARS`.
* Taiwan is not covered by WDI (no TWN/TW rows in any series): use national sources or the IMF.
"""

from __future__ import annotations

import io
import json
import logging
import math
import re
import xml.etree.ElementTree as ET
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import NamedTuple
from urllib.parse import urlencode

import pandas as pd
import pycountry
import requests

from connectors import http
from connectors.payload import decode
from connectors.payload import utc as _utc
from econsec import settings
from econsec.countries import is_iso3
from econsec.errors import ConfigError, EmptyResultError, ParseError, SourceError
from econsec.schema import SERIES_COLUMNS, SERIES_KEY, WORLD, validate_series

log = logging.getLogger(__name__)

SOURCE = "worldbank"
TABLE = "series"


class SeriesInfo(NamedTuple):
    name: str
    unit: str  # in words, as shown next to a number


#: The WDI series the dashboard uses: id -> (name, unit). Exactly the files of shared/data/worldbank_wdi/
#: (PROVENANCE.md section 1). Money series are current US dollars as published (not millions).
SERIES_INFO: dict[str, SeriesInfo] = {
    "GB.XPD.RSDV.GD.ZS": SeriesInfo("Research and development expenditure", "% of GDP"),
    "SP.POP.SCIE.RD.P6": SeriesInfo("Researchers in R&D", "per million people"),
    "BX.KLT.DINV.CD.WD": SeriesInfo("Foreign direct investment, net inflows (BoP)", "current US$"),
    "TX.VAL.TECH.CD": SeriesInfo("High-technology exports", "current US$"),
    "TX.VAL.TECH.MF.ZS": SeriesInfo("High-technology exports", "% of manufactured exports"),
    "NY.GDP.MKTP.CD": SeriesInfo("GDP", "current US$"),
    "NY.GDP.MKTP.KD.ZG": SeriesInfo("GDP growth", "annual %"),
    "NE.EXP.GNFS.ZS": SeriesInfo("Exports of goods and services", "% of GDP"),
    "NE.IMP.GNFS.ZS": SeriesInfo("Imports of goods and services", "% of GDP"),
    "TG.VAL.TOTL.GD.ZS": SeriesInfo("Merchandise trade", "% of GDP"),
    "TX.VAL.MRCH.CD.WT": SeriesInfo("Merchandise exports", "current US$"),
    "TM.VAL.MRCH.CD.WT": SeriesInfo("Merchandise imports", "current US$"),
    "TX.VAL.MMTL.ZS.UN": SeriesInfo("Ores and metals exports", "% of merchandise exports"),
    "NV.MNF.TECH.ZS.UN": SeriesInfo("Medium and high-tech manufacturing value added", "% of manufacturing value added"),
    "TX.MNF.TECH.ZS.UN": SeriesInfo("Medium and high-tech exports", "% of manufactured exports"),
    "IP.PAT.RESD": SeriesInfo("Patent applications, residents", "applications"),
    "IP.PAT.NRES": SeriesInfo("Patent applications, nonresidents", "applications"),
    "BX.GSR.ROYL.CD": SeriesInfo("Charges for the use of intellectual property, receipts", "current US$"),
    "BM.GSR.ROYL.CD": SeriesInfo("Charges for the use of intellectual property, payments", "current US$"),
}

#: The dashboard's focus countries that WDI covers. Taiwan (TWN) is NOT in WDI: the World Bank
#: publishes no series for it, so it is left out here and comes from national sources / the IMF.
FOCUS_COUNTRIES = (
    "USA", "JPN", "CHN", "KOR", "IND", "AUS", "DEU",
    "BRN", "KHM", "IDN", "LAO", "MYS", "MMR", "PHL", "SGP", "THA", "VNM",  # the 10 ASEAN members
)  # fmt: skip
#: The World Bank aggregates econsec keeps (all are in econsec.countries.AGGREGATES); every other
#: aggregate (income groups, other regions, IDA/IBRD, ...) is dropped: aggregates are never countries.
KEPT_AGGREGATES = (WORLD, "EUU", "EAS")
DEFAULT_COUNTRIES = FOCUS_COUNTRIES + KEPT_AGGREGATES
TAIWAN = "TWN"

#: The World Bank's own 2-character ``country.id`` of the kept aggregates (the source's label set,
#: not a country table): used when ``countryiso3code`` comes back empty for an aggregate.
WB_AGGREGATE_IDS = {"1W": WORLD, "EU": "EUU", "Z4": "EAS"}

#: First year of the default queries; the last is the current year (the API simply has no rows,
#: or null values, for years not yet published).
DEFAULT_START_YEAR = 2000
#: WDI starts in 1960; reject obviously wrong years early.
MIN_YEAR, MAX_YEAR = 1960, 2100

#: Rows per page. wbgapi uses 1000; the API accepts much more (wbwdi documents 32,500) but large
#: pages are the first thing to fail with "service unavailable" under load.
PER_PAGE = 1000
MAX_PER_PAGE = 32_500
#: The API answers a URL longer than ~1,500 characters with a server error (wbgapi: api_maxlen).
#: Keep each full URL, query string included, well below that.
MAX_URL_CHARS = 1_000
#: A page count above this is a broken answer, not a real result (20k countries x years at 1000/page).
MAX_PAGES = 500
#: WDI's database id: pins the series to World Development Indicators when an id exists in several.
WDI_SOURCE_ID = "2"

#: ``obs_status`` values meaning "estimate". The API sends "" for nearly every WDI value; the codes
#: follow SDMX's observation status list, where E = estimated value (documented, not seen in WDI).
ESTIMATE_STATUSES = frozenset({"E"})

#: Columns of the datahub.io WDI CSV files, in order.
WDI_CSV_COLUMNS = ("Country Name", "Country Code", "Year", "Value")

_ISO3 = re.compile(r"^[A-Z]{3}$")
_YEAR = re.compile(r"^\d{4}$")


# --------------------------------------------------------------------------- query


@dataclass(frozen=True)
class WorldBankQuery:
    """One WDI series for some countries (ISO3, or WLD/EUU/EAS) over a range of years, both included."""

    indicator: str
    countries: tuple[str, ...]
    start_year: int
    end_year: int
    per_page: int = PER_PAGE

    def __post_init__(self) -> None:
        if self.indicator not in SERIES_INFO:
            raise ConfigError(
                f"indicator {self.indicator!r} is not in worldbank.SERIES_INFO (add it with its unit first)"
            )
        countries = self.countries
        if isinstance(countries, str) or not isinstance(countries, Iterable):
            raise ConfigError(f"WorldBankQuery.countries must be a tuple of ISO3 codes, got {countries!r}")
        countries = tuple(countries)
        object.__setattr__(self, "countries", countries)  # frozen: normalise once
        if not countries:
            raise ConfigError("WorldBankQuery.countries is empty")
        if len(set(countries)) != len(countries):
            raise ConfigError(f"WorldBankQuery.countries repeats a code: {countries!r}")
        for code in countries:
            if code == TAIWAN:
                raise ConfigError("TWN: Taiwan is not covered by the World Development Indicators")
            if not isinstance(code, str) or not (_is_country(code) or code in KEPT_AGGREGATES):
                raise ConfigError(f"country {code!r} is not an ISO3 country code or one of {KEPT_AGGREGATES}")
        for name in ("start_year", "end_year", "per_page"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int):
                raise ConfigError(f"WorldBankQuery.{name} must be an integer, got {value!r}")
        if not MIN_YEAR <= self.start_year <= self.end_year <= MAX_YEAR:
            raise ConfigError(
                f"years {self.start_year}:{self.end_year} must be ordered and within {MIN_YEAR}-{MAX_YEAR}"
            )
        if not 1 <= self.per_page <= MAX_PER_PAGE:
            raise ConfigError(f"per_page {self.per_page} must be between 1 and {MAX_PER_PAGE}")

    def chunks(self, max_url_chars: int | None = None) -> list[WorldBankQuery]:
        """This query split by countries so that every request URL fits in ``max_url_chars``
        (default :data:`MAX_URL_CHARS`); the order of the countries is kept."""
        max_url_chars = MAX_URL_CHARS if max_url_chars is None else max_url_chars
        out: list[WorldBankQuery] = []
        current: list[str] = []
        for code in self.countries:
            trial = self._with(tuple(current + [code]))
            if current and len(request_url(trial, page=MAX_PAGES)) > max_url_chars:
                out.append(self._with(tuple(current)))
                current = [code]
            else:
                current.append(code)
        out.append(self._with(tuple(current)))
        for chunk in out:
            if len(request_url(chunk, page=MAX_PAGES)) > max_url_chars:
                raise ConfigError(f"the base URL is too long to fit one country in {max_url_chars} characters")
        return out

    def _with(self, countries: tuple[str, ...]) -> WorldBankQuery:
        return WorldBankQuery(self.indicator, countries, self.start_year, self.end_year, self.per_page)


def default_queries(end_year: int | None = None) -> list[WorldBankQuery]:
    """Every SERIES_INFO series for the focus countries and WLD/EUU/EAS, 2000 to ``end_year``.

    ``end_year`` defaults to the current year."""
    end = datetime.now(UTC).year if end_year is None else end_year
    return [WorldBankQuery(series, DEFAULT_COUNTRIES, DEFAULT_START_YEAR, end) for series in SERIES_INFO]


def build_request(query: WorldBankQuery, page: int = 1) -> tuple[str, dict[str, str]]:
    """``(url, params)`` for one page of ``query`` (no key: the API is open)."""
    base = settings.base_url("worldbank")
    # ';' separates countries in the path; requests keeps it as is (a reserved character).
    url = f"{base}/country/{';'.join(query.countries)}/indicator/{query.indicator}"
    params = {
        "format": "json",  # without it the API answers in XML
        "source": WDI_SOURCE_ID,
        "date": f"{query.start_year}:{query.end_year}",
        "per_page": str(query.per_page),
        "page": str(page),
    }
    return url, params


def request_url(query: WorldBankQuery, page: int = 1) -> str:
    """The full URL of one page, as sent."""
    url, params = build_request(query, page)
    return f"{url}?{urlencode(params)}"


# --------------------------------------------------------------------------- fetch


def fetch(query: WorldBankQuery, *, session: requests.Session | None = None) -> list[http.RawResponse]:
    """Every page of every chunk of countries: page 1 first, then pages 2..``pages`` it announces.

    A first page that is not a readable envelope (an error message, XML) is returned alone, so that
    :func:`parse` reports it with the full story."""
    session = session or http.make_session()
    raws: list[http.RawResponse] = []
    for chunk in query.chunks():
        url, params = build_request(chunk, page=1)
        first = http.get(SOURCE, url, params, session=session)
        raws.append(first)
        pages = _page_count(first)
        for page in range(2, (pages or 1) + 1):
            url, params = build_request(chunk, page=page)
            raws.append(http.get(SOURCE, url, params, session=session))
    return raws


def read(query: WorldBankQuery, *, session: requests.Session | None = None) -> pd.DataFrame:
    """Fetch and parse ``query`` into one series frame; EmptyResultError if no page had a value."""
    frames = []
    for raw in fetch(query, session=session):
        try:
            frames.append(parse(raw.content, source_url=raw.url, retrieved_at=raw.retrieved_at))
        except EmptyResultError:
            log.info("no values in %s", raw.url)
    if not frames:
        raise EmptyResultError(f"no values for {query.indicator} in {query.start_year}:{query.end_year}", source=SOURCE)
    frame = pd.concat(frames, ignore_index=True).sort_values(SERIES_KEY, kind="stable", ignore_index=True)
    return validate_series(frame)


def _page_count(raw: http.RawResponse) -> int | None:
    """``pages`` from a page's metadata, or None when the body is not a data envelope."""
    try:
        body = json.loads(raw.content.decode("utf-8-sig"))
    except (UnicodeDecodeError, ValueError):
        return None
    if not (isinstance(body, list) and len(body) == 2 and isinstance(body[0], dict)):
        return None
    pages = _count(body[0].get("pages"))
    if pages is None:
        raise ParseError(
            f"the metadata's 'pages' is {body[0].get('pages')!r}, not a page count", source=SOURCE, url=raw.url
        )
    if pages > MAX_PAGES:
        raise ParseError(
            f"the API announces {pages} pages (more than {MAX_PAGES}); narrow the query", source=SOURCE, url=raw.url
        )
    return pages


def _count(value: object) -> int | None:
    """A non-negative integer sent as a number or as digits (metadata fields are sometimes strings)."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value if value >= 0 else None
    if isinstance(value, str) and value.strip().isdigit():
        return int(value)
    return None


# --------------------------------------------------------------------------- parse


def parse(content: bytes | str, *, source_url: str, retrieved_at: datetime) -> pd.DataFrame:
    """Series frame (table ``series``) from one page of an Indicators API v2 JSON response."""

    def fail(message: str) -> ParseError:
        return ParseError(message, source=SOURCE, url=source_url)

    stamp = _utc(retrieved_at)
    text = decode(content, fail)
    stripped = text.strip()
    if not stripped:
        raise fail("the response body is empty")
    if stripped.startswith("<"):
        raise fail(_xml_error(stripped))
    try:
        body = json.loads(text)
    except json.JSONDecodeError as exc:
        if not stripped.endswith(("]", "}")):
            raise fail(f"the JSON ends early (truncated body?, {len(text)} characters): {exc.msg}") from None
        raise fail(f"malformed JSON: {exc.msg} at line {exc.lineno} column {exc.colno}") from None

    if not isinstance(body, list) or not body:
        raise fail(f"expected the [metadata, rows] array, got {_kind(body)}")
    head = body[0]
    if isinstance(head, dict) and "message" in head:
        raise fail(f"the API reported an error: {_api_message(head['message'])}")
    if len(body) != 2 or not isinstance(head, dict):
        raise fail(f"expected the [metadata, rows] array, got a {len(body)}-element array")
    rows = body[1]
    if rows is None or rows == []:
        raise EmptyResultError(f"the API returned no rows (total {head.get('total')!r})", source=SOURCE, url=source_url)
    if not isinstance(rows, list):
        raise fail(f"the rows are {_kind(rows)}, not a list")

    records = [_record(i, row, fail) for i, row in enumerate(rows)]
    nulls = sum(r is None for r in records)
    kept = [r for r in records if r is not None and r[0] is not None]
    dropped = [r[4] for r in records if r is not None and r[0] is None]
    if nulls:
        log.debug("%s: dropped %d rows with value null (no data for that year)", source_url, nulls)
    if dropped:
        log.debug(
            "%s: dropped %d rows of aggregates econsec does not keep: %s",
            source_url,
            len(dropped),
            sorted(set(dropped)),
        )
    if not kept:
        why = "every value is null" if nulls else "no row is a country or a kept aggregate"
        raise EmptyResultError(f"no values left: {why}", source=SOURCE, url=source_url)

    frame = pd.DataFrame(kept, columns=["country", "series", "period", "value", "label", "estimated"])
    frame = _dedupe(frame, fail)
    return _tidy(frame, source_url=source_url, stamp=stamp)


def _record(i: int, row: object, fail) -> tuple | None:  # type: ignore[no-untyped-def,type-arg]
    """(country or None if dropped, series, period, value, WB label, estimated); None for a null value."""
    if not isinstance(row, dict):
        raise fail(f"row {i} is {_kind(row)}, not an object")
    for field in ("indicator", "country", "countryiso3code", "date", "value"):
        if field not in row:
            raise fail(f"row {i}: field {field!r} is missing")

    indicator = row["indicator"]
    series = indicator.get("id") if isinstance(indicator, dict) else None
    if not isinstance(series, str) or not series:
        raise fail(f"row {i}: indicator is {indicator!r}, not an object with an 'id'")
    if series not in SERIES_INFO:
        raise fail(f"row {i}: indicator {series!r} is not in worldbank.SERIES_INFO (its unit is unknown)")

    date = row["date"]
    if not isinstance(date, str) or not _YEAR.match(date):
        raise fail(f"row {i}: date is {date!r}, not a year as text ('2023')")

    value = row["value"]
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise fail(f"row {i}: value is {value!r}, not a number or null")

    status = row.get("obs_status")
    if status is not None and not isinstance(status, str):
        raise fail(f"row {i}: obs_status is {status!r}, not text")
    estimated = (status or "").strip().upper() in ESTIMATE_STATUSES

    iso3 = row["countryiso3code"]
    country = row["country"]
    wb_id = country.get("id") if isinstance(country, dict) else None
    if not isinstance(iso3, str):
        raise fail(f"row {i}: countryiso3code is {iso3!r}, not text")
    if not isinstance(wb_id, str):
        raise fail(f"row {i}: country is {country!r}, not an object with an 'id'")
    code = _country_code(iso3.strip(), wb_id.strip())
    return code, series, date, float(value), iso3 or wb_id, estimated


def _country_code(iso3: str, wb_id: str) -> str | None:
    """The econsec code of a row, or None for an aggregate (or non-ISO economy) econsec drops."""
    if iso3:
        return iso3 if iso3 in KEPT_AGGREGATES or _is_country(iso3) else None
    if wb_id in WB_AGGREGATE_IDS:
        return WB_AGGREGATE_IDS[wb_id]
    if wb_id in KEPT_AGGREGATES:
        return wb_id
    # No ISO3 given: a country's country.id is its ISO 3166 alpha-2 code; an aggregate's is not one.
    found = pycountry.countries.get(alpha_2=wb_id) if len(wb_id) == 2 and wb_id.isalpha() and wb_id.isupper() else None
    return found.alpha_3 if found is not None else None


def _api_message(message: object) -> str:
    """'120 Invalid value: The provided parameter value is not valid' from the API's message list."""
    items = message if isinstance(message, list) else [message]
    parts = []
    for item in items:
        if isinstance(item, dict):
            words = " ".join(str(item[k]) for k in ("id", "key") if item.get(k) not in (None, ""))
            value = item.get("value")
            parts.append(f"{words}: {value}" if value else words)
        else:
            parts.append(str(item))
    return "; ".join(p for p in parts if p) or "no message"


def _xml_error(text: str) -> str:
    """Describe an XML/HTML answer: the API's <wb:error> message when there is one."""
    if "wb:error" in text[:500]:
        try:
            root = ET.fromstring(text)
        except ET.ParseError:
            root = None
        if root is not None:
            messages = [
                {"id": el.get("id"), "key": el.get("key"), "value": " ".join((el.text or "").split())}
                for el in root.iter()
                if el.tag.endswith("}message") or el.tag == "message"
            ]
            if messages:
                return f"the API reported an error (as XML, though JSON was asked): {_api_message(messages)}"
        return f"the API reported an error as XML: {_snippet(text)!r}"
    return f"expected JSON, got an HTML/XML page: {_snippet(text)!r}"


def _dedupe(frame: pd.DataFrame, fail) -> pd.DataFrame:  # type: ignore[no-untyped-def]
    """Exact repeats are harmless; repeats that disagree cannot be resolved."""
    dup = frame.duplicated(SERIES_KEY, keep=False)
    if not dup.any():
        return frame
    for values, group in frame[dup].groupby(SERIES_KEY, sort=False):
        if group["value"].nunique() > 1 or group["estimated"].nunique() > 1:
            raise fail(
                f"rows disagree for {dict(zip(SERIES_KEY, values, strict=True))}: "
                f"values {group['value'].tolist()} (codes {group['label'].tolist()})"
            )
    log.info("dropped %d repeated rows", int(frame.duplicated(SERIES_KEY).sum()))
    return frame.drop_duplicates(SERIES_KEY, keep="first")


def _tidy(frame: pd.DataFrame, *, source_url: str, stamp: pd.Timestamp) -> pd.DataFrame:
    index = frame.index
    out = pd.DataFrame(
        {
            "country": frame["country"].astype("str"),
            "series": frame["series"].astype("str"),
            "period": frame["period"].astype("str"),
            "value": frame["value"].astype("float64"),
            "unit": frame["series"].map(lambda s: SERIES_INFO[s].unit).astype("str"),
            "estimated": frame["estimated"].astype("bool"),
            "source": pd.Series(SOURCE, index=index, dtype="str"),
            "source_url": pd.Series(source_url, index=index, dtype="str"),
            "retrieved_at": pd.Series(stamp, index=index, dtype="datetime64[us, UTC]"),
        },
        columns=list(SERIES_COLUMNS),
    )
    out = out.sort_values(SERIES_KEY, kind="stable", ignore_index=True)
    return validate_series(out)


# --------------------------------------------------------------------------- files (bundled snapshot)


def read_wdi_csv(
    path: Path | str,
    *,
    retrieved_at: datetime,
    source_url: str | None = None,
    countries: Iterable[str] | None = None,
) -> pd.DataFrame:
    """Series frame from one datahub.io WDI file (``Country Name,Country Code,Year,Value``).

    The series id is the file's stem (``GB.XPD.RSDV.GD.ZS.csv``). Countries with an ISO3 code and
    the aggregates WLD, EUU and EAS are kept; other aggregates and economies without an ISO 3166
    code (Kosovo XKX, Channel Islands CHI) are dropped. ``countries`` keeps only those codes.
    Blank values (none in the 2026-07 files) are dropped like the API's nulls. Example::

        read_wdi_csv(Path("worldbank_wdi/GB.XPD.RSDV.GD.ZS.csv"), retrieved_at=when, countries=["JPN"])
        # -> JPN rows 1996..2023, value 3.44125 for 2023, unit "% of GDP", source_url "file:GB.XPD.RSDV.GD.ZS.csv"
    """
    path = Path(path)
    source_url = source_url or f"file:{path.name}"
    stamp = _utc(retrieved_at)

    def fail(message: str) -> ParseError:
        return ParseError(f"{path.name}: {message}", source=SOURCE, url=source_url)

    wanted = _wanted_countries(countries)
    series = path.name[: -len(".csv")] if path.name.lower().endswith(".csv") else path.name
    if series not in SERIES_INFO:
        raise fail(f"the file name does not name a series of worldbank.SERIES_INFO ({series!r})")
    try:
        content = path.read_bytes()
    except OSError as exc:
        raise SourceError(f"cannot read {path.name}: {exc.strerror or exc}", source=SOURCE, url=source_url) from None
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise fail(f"not UTF-8 text (byte {exc.start})") from None
    if not text.strip():
        raise fail("the file is empty")
    try:
        raw = pd.read_csv(io.StringIO(text), dtype=str, keep_default_na=False)
    except (pd.errors.ParserError, pd.errors.EmptyDataError, ValueError) as exc:
        raise fail(f"unreadable CSV: {' '.join(str(exc).split())}") from None
    if tuple(raw.columns) != WDI_CSV_COLUMNS:
        raise fail(f"columns are {list(raw.columns)}, expected {list(WDI_CSV_COLUMNS)}")
    if raw.empty:
        raise fail("the file has no data rows")

    codes = raw["Country Code"].str.strip()
    years = raw["Year"].str.strip()
    bad_year = ~years.str.fullmatch(r"\d{4}")
    if bad_year.any():
        i = int(bad_year.to_numpy().argmax())
        raise fail(f"line {i + 2}: Year is {raw['Year'].iloc[i]!r}, not a 4-digit year")
    blank = raw["Value"].str.strip() == ""
    values = pd.to_numeric(raw["Value"].where(~blank), errors="coerce")
    bad_value = (values.isna() & ~blank) | values.abs().eq(math.inf)
    if bad_value.any():
        i = int(bad_value.to_numpy().argmax())
        raise fail(f"line {i + 2}: Value is {raw['Value'].iloc[i]!r}, not a number")

    known = {c: (c in KEPT_AGGREGATES or _is_country(c)) for c in codes.unique()}
    keep = codes.map(known).astype(bool) & ~blank
    if wanted is not None:
        keep &= codes.isin(wanted)
    frame = pd.DataFrame(
        {
            "country": codes[keep],
            "series": series,
            "period": years[keep],
            "value": values[keep].astype("float64"),
            "label": codes[keep],
            "estimated": False,  # the files carry no observation status
        }
    )
    if frame.duplicated(SERIES_KEY, keep=False).any():
        frame = _dedupe(frame, fail)
    return _tidy(frame, source_url=source_url, stamp=stamp)


def read_wdi_folder(
    folder: Path | str,
    *,
    retrieved_at: datetime,
    countries: Iterable[str] | None = DEFAULT_COUNTRIES,
) -> pd.DataFrame:
    """Every SERIES_INFO file of a WDI folder (``<series id>.csv``) in one series frame.

    Defaults to the focus countries and WLD/EUU/EAS (pass ``countries=None`` for every country);
    each row's ``source_url`` is ``file:<file name>``."""
    folder = Path(folder)
    frames = []
    for series in SERIES_INFO:
        path = folder / f"{series}.csv"
        if not path.is_file():
            raise SourceError(
                f"{folder.name}/ has no {path.name} (one file per series is expected)",
                source=SOURCE,
                url=f"file:{path.name}",
            )
        frames.append(read_wdi_csv(path, retrieved_at=retrieved_at, countries=countries))
    frame = pd.concat(frames, ignore_index=True)
    return validate_series(frame.sort_values(SERIES_KEY, kind="stable", ignore_index=True))


def _wanted_countries(countries: Iterable[str] | None) -> frozenset[str] | None:
    if countries is None:
        return None
    if isinstance(countries, str) or not isinstance(countries, Iterable):
        raise ConfigError(f"countries must be a collection of ISO3 codes, got {countries!r}")
    wanted = frozenset(countries)
    bad = sorted(str(c) for c in wanted if not isinstance(c, str) or not _ISO3.match(c))
    if bad:
        raise ConfigError(f"countries holds codes that are not ISO3: {bad}")
    return wanted


# --------------------------------------------------------------------------- helpers


def _is_country(code: str) -> bool:
    """An upper-case ISO 3166 alpha-3 code (pycountry's lookup alone also accepts 'usa')."""
    return bool(_ISO3.match(code)) and is_iso3(code)




def _kind(value: object) -> str:
    return "null" if value is None else f"a {type(value).__name__}"


def _snippet(text: str, size: int = 120) -> str:
    return " ".join(text[:size].split())
