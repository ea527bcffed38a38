"""OECD FDI statistics by counterpart (SDMX REST): who invests how much where.

Dataflow ``OECD.DAF.INV,DSD_FDI@DF_FDI_CTRY_IND_SUMM`` ("FDI by counterpart area and by economic
activity, BMD4"): inward and outward FDI flows, positions and income of OECD reporters by
counterpart, in US$ millions. Fetch (network) is split from parse (pure)::

    query = FdiQuery(reporters=("USA",), counterparts=("VNM",), direction="outward")
    raws = fetch(query)
    frame = parse(raws[0].content, source_url=raws[0].url, retrieved_at=raws[0].retrieved_at)

Endpoint (``{base}`` = ``ECONSEC_OECD_BASE_URL``, default https://sdmx.oecd.org/public/rest)::

    GET {base}/data/OECD.DAF.INV,DSD_FDI@DF_FDI_CTRY_IND_SUMM,/{key}
        ?startPeriod=YYYY&endPeriod=YYYY&dimensionAtObservation=AllDimensions
    Accept: application/vnd.sdmx.data+csv; charset=utf-8

What is verified and what is not (API_FORMATS.md section 5; nothing here was fetched live):

* The key (:data:`KEY_SLOTS`, 13 dot-separated slots) is copied from the Data Explorer link
  stored in the real export ``oecd_fdi_ctry_ind_summ_usa_outward_to_asean_2011_2022.xlsx``
  (cell G369: ``dq=USA.LE_FA_F+T_FA_F+T_D4P_F.USD_EXC.DO.....VNM+THA+...+BRN.._T.A.``, 2024-07-18)
  and agrees with a second public query of the same dataflow (``CAN.LE_FA_F.USD_EXC.DI.....W.._T.A.``,
  "Counterpart area = World, Economic activity = Total"). The positions of REF_AREA, MEASURE,
  UNIT_MEASURE, MEASURE_PRINCIPLE, COUNTERPART_AREA, ECONOMIC_ACTIVITY and FREQ follow from those
  links; the ids of the other six slots (left empty = all) are NOT known: check the DSD on the
  first live call. The parser reads columns by name, so it does not depend on the slot order.
* Measure codes (export sheet labels + the public query above): ``T_FA_F`` "FDI financial flows -
  total", ``LE_FA_F`` "FDI positions - total", ``T_D4P_F`` "FDI income - total".
  ``MEASURE_PRINCIPLE``: ``DI`` inward, ``DO`` outward. Counterpart ``W`` = World.
* SDMX-CSV (one row per observation, columns named by dimension/attribute ids) and the
  ``UNIT_MULT`` / ``OBS_STATUS`` / ``CONF_STATUS`` attributes are from the SDMX standard, not a
  recording: the test payloads are WRITTEN FROM THE DOCUMENTATION (with real values).
  :func:`decode_sdmx_json` is tested on a real OECD SDMX-JSON 1.0 message.
* An empty result is HTTP 404 "NoResultsFound" in the SDMX REST standard -> EmptyResultError.

Units: ``OBS_VALUE x 10**UNIT_MULT`` = US dollars (UNIT_MULT 6: US$ millions x 1e6).
Confidential or missing observations (``CONF_STATUS`` C, empty, "C", "..") give no row (logged).
"""

from __future__ import annotations

import csv
import io
import json
import logging
import math
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import numpy as np
import pandas as pd
import pycountry
import requests

from connectors import http
from connectors.payload import decode
from connectors.payload import utc as _utc
from econsec import settings
from econsec.countries import is_iso3
from econsec.errors import ConfigError, EmptyResultError, HTTPStatusError, ParseError, SourceError
from econsec.schema import FDI_KEY, WORLD, finish

log = logging.getLogger(__name__)

SOURCE = "oecd"
TABLE = "fdi"

AGENCY = "OECD.DAF.INV"
DATAFLOW = "DSD_FDI@DF_FDI_CTRY_IND_SUMM"
VERSION = ""  # empty = latest version
ACCEPT_CSV = "application/vnd.sdmx.data+csv; charset=utf-8"

#: The 13 key slots of DF_FDI_CTRY_IND_SUMM, in order. None = id not known (see module docstring).
KEY_SLOTS: tuple[str | None, ...] = (
    "REF_AREA", "MEASURE", "UNIT_MEASURE", "MEASURE_PRINCIPLE", None, None, None, None,
    "COUNTERPART_AREA", None, "ECONOMIC_ACTIVITY", "FREQ", None,
)
#: Pinned slots: US dollars converted at exchange rates; all economic activities; annual.
UNIT_USD = "USD_EXC"
ACTIVITY_TOTAL = "_T"
FREQ_ANNUAL = "A"

#: MEASURE code -> schema measure.
MEASURES = {"T_FA_F": "flow", "LE_FA_F": "position", "T_D4P_F": "income"}
#: MEASURE_PRINCIPLE (directional principle) -> schema direction.
PRINCIPLES = {"DI": "inward", "DO": "outward"}
#: Counterpart codes that are aggregates. Only World is known for sure; any other code that is
#: not ISO3 (regions, "rest of world", unallocated) is dropped and counted, never kept as a country.
COUNTERPART_AGGREGATES = {"W": (WORLD, "world")}
#: OBS_STATUS codes (SDMX cross-domain list) loaded with estimated=True: E estimated, P provisional.
ESTIMATED_STATUS = frozenset({"E", "P"})
#: CONF_STATUS C = confidential: the value is withheld.
CONFIDENTIAL_STATUS = frozenset({"C"})
#: Cell texts meaning "no value" in OECD exports ("C .." is how the Data Explorer prints a
#: confidential cell, ".." a missing one).
MISSING_TEXTS = frozenset({"", "C", "..", "C ..", "NaN", "nan"})

REQUIRED_COLUMNS = ("REF_AREA", "MEASURE", "MEASURE_PRINCIPLE", "COUNTERPART_AREA", "TIME_PERIOD",
                    "OBS_VALUE", "UNIT_MULT")

ASEAN = ("BRN", "KHM", "IDN", "LAO", "MYS", "MMR", "PHL", "SGP", "THA", "VNM")
FIRST_YEAR = 2011

_YEAR = re.compile(r"^\d{4}$")


# --------------------------------------------------------------------------- query


def _as_tuple(name: str, value: object) -> tuple[str, ...]:
    if isinstance(value, str) or not isinstance(value, Iterable):
        raise ConfigError(f"FdiQuery.{name} must be a tuple of strings, got {value!r}")
    items = tuple(value)
    if not items:
        raise ConfigError(f"FdiQuery.{name} is empty")
    if any(not isinstance(i, str) for i in items) or len(set(items)) != len(items):
        raise ConfigError(f"FdiQuery.{name} must hold distinct strings, got {items!r}")
    return items


@dataclass(frozen=True)
class FdiQuery:
    """One FDI question: reporters' inward or outward FDI by counterpart, annual, in US dollars.

    ``counterparts=None`` asks for every counterpart; ``end_year=None`` for the latest year."""

    reporters: tuple[str, ...]
    counterparts: tuple[str, ...] | None
    direction: str = "outward"
    measures: tuple[str, ...] = ("flow", "position", "income")
    start_year: int = FIRST_YEAR
    end_year: int | None = None

    def __post_init__(self) -> None:
        set_ = object.__setattr__
        set_(self, "reporters", _as_tuple("reporters", self.reporters))
        if self.counterparts is not None:
            set_(self, "counterparts", _as_tuple("counterparts", self.counterparts))
        set_(self, "measures", _as_tuple("measures", self.measures))
        for iso3 in self.reporters:
            if not is_iso3(iso3):
                raise ConfigError(f"reporter {iso3!r} is not a country ISO3 code")
        for iso3 in self.counterparts or ():
            if iso3 != WORLD and not is_iso3(iso3):
                raise ConfigError(f"counterpart {iso3!r} is not an ISO3 code (or {WORLD})")
        if self.direction not in PRINCIPLES.values():
            raise ConfigError(f"direction {self.direction!r} must be 'inward' or 'outward'")
        for measure in self.measures:
            if measure not in MEASURES.values():
                raise ConfigError(f"measure {measure!r} must be one of {sorted(MEASURES.values())}")
        for name in ("start_year", "end_year"):
            year = getattr(self, name)
            if year is None and name == "end_year":
                continue
            if not isinstance(year, int) or isinstance(year, bool) or not 1950 <= year <= 2100:
                raise ConfigError(f"{name} {year!r} must be a year (int)")
        if self.end_year is not None and self.end_year < self.start_year:
            raise ConfigError(f"end_year {self.end_year} is before start_year {self.start_year}")

    def key(self) -> str:
        """The SDMX series key: 13 dot-separated slots, ``+`` between values, empty = all."""
        codes = {v: k for k, v in MEASURES.items()}
        principle = {v: k for k, v in PRINCIPLES.items()}[self.direction]
        counterparts = "" if self.counterparts is None else "+".join(
            "W" if c == WORLD else c for c in self.counterparts
        )
        slots = {
            "REF_AREA": "+".join(self.reporters),
            "MEASURE": "+".join(codes[m] for m in self.measures),
            "UNIT_MEASURE": UNIT_USD,
            "MEASURE_PRINCIPLE": principle,
            "COUNTERPART_AREA": counterparts,
            "ECONOMIC_ACTIVITY": ACTIVITY_TOTAL,
            "FREQ": FREQ_ANNUAL,
        }
        return ".".join(slots.get(slot, "") if slot else "" for slot in KEY_SLOTS)


def default_queries() -> list[FdiQuery]:
    """US and Japanese outward FDI to the 10 ASEAN members and China, 2011 to the latest year."""
    return [FdiQuery(reporters=("USA", "JPN"), counterparts=(*ASEAN, "CHN"), direction="outward")]


def build_request(query: FdiQuery) -> tuple[str, dict[str, str], dict[str, str]]:
    """``(url, params, headers)`` of the data call for ``query``. The API takes no key."""
    base = settings.base_url("oecd")
    url = f"{base}/data/{AGENCY},{DATAFLOW},{VERSION}/{query.key()}"
    params = {"startPeriod": str(query.start_year), "dimensionAtObservation": "AllDimensions"}
    if query.end_year is not None:
        params["endPeriod"] = str(query.end_year)
    return url, params, {"Accept": ACCEPT_CSV}


# --------------------------------------------------------------------------- fetch


def fetch(query: FdiQuery, *, session: requests.Session | None = None) -> list[http.RawResponse]:
    """One call for ``query``. SDMX REST answers "no data for this key" with HTTP 404."""
    url, params, headers = build_request(query)
    try:
        return [http.get(SOURCE, url, params, headers, session=session)]
    except HTTPStatusError as exc:
        if exc.status == 404:
            raise EmptyResultError(
                f"no data for key {query.key()} (HTTP 404, SDMX 'no results found')", source=SOURCE, url=exc.url
            ) from None
        raise


def read(query: FdiQuery, *, session: requests.Session | None = None) -> pd.DataFrame:
    """Fetch and parse ``query`` into FDI rows."""
    raw = fetch(query, session=session)[0]
    return parse(raw.content, source_url=raw.url, retrieved_at=raw.retrieved_at)


# --------------------------------------------------------------------------- parse


def parse(content: bytes | str, *, source_url: str, retrieved_at: datetime) -> pd.DataFrame:
    """FDI rows from an SDMX-CSV (or SDMX-JSON 1.0/2.0) data message of DF_FDI_CTRY_IND_SUMM."""

    def fail(message: str) -> ParseError:
        return ParseError(message, source=SOURCE, url=source_url)

    text = decode(content, fail)
    stripped = text.lstrip()
    if not stripped:
        raise fail("the response body is empty")
    if stripped.startswith("<"):
        raise fail(f"expected SDMX-CSV, got an HTML/XML page: {' '.join(stripped[:80].split())!r}")
    if stripped.startswith(("{", "[")):
        try:
            payload = json.loads(text)
        except json.JSONDecodeError as exc:
            raise fail(f"malformed or truncated JSON: {exc.msg} at line {exc.lineno}") from None
        try:
            records = decode_sdmx_json(payload)
        except EmptyResultError as exc:
            raise EmptyResultError(exc.args[0].split(" [", 1)[0], source=SOURCE, url=source_url) from None
        except ParseError as exc:
            raise fail(exc.args[0].split(" [", 1)[0]) from None
    else:
        try:
            records = pd.read_csv(io.StringIO(text), dtype=str, keep_default_na=False)
        except (pd.errors.ParserError, pd.errors.EmptyDataError, ValueError) as exc:
            raise fail(f"unreadable CSV: {exc}") from None
        # A row with fewer fields than the header was cut off (pandas would pad it with blanks):
        # a value cut mid-number must not load as a smaller number.
        try:
            widths = [len(row) for row in csv.reader(io.StringIO(text, newline="")) if row]
        except csv.Error as exc:  # e.g. a stray carriage return inside an unquoted field
            raise fail(f"unreadable CSV: {exc}") from None
        short = [i for i, width in enumerate(widths[1:]) if width < widths[0]]
        if short:
            raise fail(f"row {short[0]} has fewer fields than the header: the CSV was truncated")
    return parse_records(records, source_url=source_url, retrieved_at=retrieved_at)


def parse_records(records: pd.DataFrame, *, source_url: str, retrieved_at: datetime) -> pd.DataFrame:
    """The core shared by SDMX-CSV and SDMX-JSON: observations named by SDMX ids -> FDI rows.

    ``csvfilewithlabels`` exports (columns "REF_AREA" and "Reference area" side by side) work too:
    only the id columns are read."""

    def fail(message: str) -> ParseError:
        return ParseError(message, source=SOURCE, url=source_url)

    stamp = _utc(retrieved_at)
    if records.empty:
        raise EmptyResultError("the data message holds no observations", source=SOURCE, url=source_url)
    raw = records.reset_index(drop=True).astype(object)
    missing = [c for c in REQUIRED_COLUMNS if c not in raw.columns]
    if missing:
        raise fail(f"column {missing[0]!r} is missing (columns: {list(raw.columns)[:20]})")

    text = {c: raw[c].map(_text) for c in raw.columns}
    keep = pd.Series(True, index=raw.index)

    # 1. Totals only: an economic-activity breakdown or another unit would count money twice.
    for column, wanted in (("ECONOMIC_ACTIVITY", ACTIVITY_TOTAL), ("UNIT_MEASURE", UNIT_USD),
                           ("FREQ", FREQ_ANNUAL)):
        if column in raw:
            other = text[column] != wanted
            if other.any():
                log.info("%s: dropped %d rows with %s other than %s", source_url, int(other.sum()), column, wanted)
            keep &= ~other
    measure = text["MEASURE"].map(MEASURES)
    if (measure.isna() & keep).any():
        log.info("%s: dropped %d rows of other measures", source_url, int((measure.isna() & keep).sum()))
    keep &= measure.notna()
    direction = text["MEASURE_PRINCIPLE"].map(PRINCIPLES)
    if (direction.isna() & keep).any():
        i = int((direction.isna() & keep).idxmax())
        raise fail(f"row {i}: MEASURE_PRINCIPLE {raw.at[i, 'MEASURE_PRINCIPLE']!r} is not DI or DO")

    # 2. Values: confidential or missing observations give no row.
    confidential = text["CONF_STATUS"].isin(CONFIDENTIAL_STATUS) if "CONF_STATUS" in raw else False
    value = raw["OBS_VALUE"].map(_number)
    bad = value.isna() & ~raw["OBS_VALUE"].map(_is_missing_text) & keep
    if bad.any():
        i = int(bad.idxmax())
        raise fail(f"row {i}: OBS_VALUE {raw.at[i, 'OBS_VALUE']!r} is not a number")
    withheld = keep & (value.isna() | confidential)
    if withheld.any():
        log.info("%s: %d confidential or missing observations (no row)", source_url, int(withheld.sum()))
    keep &= ~withheld

    # 3. Scale: OBS_VALUE x 10**UNIT_MULT is in US dollars (UNIT_MULT 6 = millions -> x 1e6).
    mult = raw["UNIT_MULT"].map(_number)
    bad = keep & (mult.isna() | ~mult.map(lambda m: math.isfinite(m) and float(m).is_integer()))
    if bad.any():
        i = int(bad.idxmax())
        raise fail(f"row {i}: UNIT_MULT {raw.at[i, 'UNIT_MULT']!r} is not an integer power of ten")

    period = text["TIME_PERIOD"]
    bad = keep & ~period.map(lambda p: bool(_YEAR.match(p)))
    if bad.any():
        i = int(bad.idxmax())
        raise fail(f"row {i}: TIME_PERIOD {raw.at[i, 'TIME_PERIOD']!r} is not a year (annual data only)")

    # 4. Areas: reporters must be countries; counterparts ISO3 or World, other aggregates dropped.
    reporter = text["REF_AREA"]
    not_country = keep & ~reporter.map(is_iso3)
    if not_country.any():
        log.info("%s: dropped %d rows of non-country reporters %s", source_url, int(not_country.sum()),
                 sorted(set(reporter[not_country])))
    keep &= ~not_country
    counterpart = text["COUNTERPART_AREA"].map(lambda c: COUNTERPART_AGGREGATES.get(c, (c, "country"))[0])
    kind = text["COUNTERPART_AREA"].map(lambda c: COUNTERPART_AGGREGATES.get(c, (c, "country"))[1])
    other = keep & ~((kind == "world") | counterpart.map(is_iso3))
    if other.any():
        log.info("%s: dropped %d rows of aggregate counterparts %s", source_url, int(other.sum()),
                 sorted(set(text["COUNTERPART_AREA"][other])))
    keep &= ~other

    status = text["OBS_STATUS"] if "OBS_STATUS" in raw else pd.Series("", index=raw.index)
    rows = pd.DataFrame(
        {
            "reporter": reporter,
            "counterpart": counterpart,
            "counterpart_kind": kind,
            "direction": direction,
            "measure": measure,
            "period": period,
            "value_usd": value * np.power(10.0, mult.fillna(0.0)),
            "estimated": status.isin(ESTIMATED_STATUS),
        }
    )[keep]
    if rows.empty:
        raise EmptyResultError("no observations left (all confidential, missing or dropped)",
                               source=SOURCE, url=source_url)
    rows = _dedupe(rows, fail)
    return _frame(rows, source_url, stamp)


def decode_sdmx_json(payload: Mapping) -> pd.DataFrame:
    """Observations of an SDMX-JSON data message as a frame: one column per dimension id (value ids),
    one per attribute id (value ids, None if unset) and ``OBS_VALUE``.

    Handles SDMX-JSON 1.0 (``{"dataSets", "structure"}``, as the retired stats.oecd.org API sent,
    observations keyed ``"0:0:0"`` or grouped by ``series``) and 2.0 (``{"data": {"dataSets",
    "structures"}}``). Only the first data set is read. Observation attribute arrays are paired
    with ``structure.attributes.observation`` in order; OECD's 1.0 messages leave out attributes
    that have no values (seen in the recorded message), so a shorter array is paired with the
    attributes that have values. Raises ParseError (source "oecd") on any other shape.

    >>> decode_sdmx_json(json.loads(Path("data-PART2-all-all.json").read_text())).shape  # doctest: +SKIP
    (7, 9)
    """

    def fail(message: str) -> ParseError:
        return ParseError(f"SDMX-JSON: {message}", source=SOURCE)

    try:
        body = payload["data"] if isinstance(payload, Mapping) and "data" in payload else payload
        datasets = body["dataSets"]
        structure = body["structure"] if "structure" in body else body["structures"][0]
        dims = structure["dimensions"]
        attrs = structure.get("attributes") or {}
    except (KeyError, IndexError, TypeError) as exc:
        raise fail(f"no dataSets/structure ({type(exc).__name__}: {exc})") from None
    if not isinstance(datasets, list) or not datasets:
        raise EmptyResultError("SDMX-JSON: the message holds no data set", source=SOURCE)
    dataset = datasets[0]
    if not isinstance(dataset, Mapping):
        raise fail("dataSets[0] is not an object")

    def level(items: object, what: str) -> list[tuple[str, list[str | None]]]:
        if items is None:
            return []
        if not isinstance(items, list):
            raise fail(f"{what} is not a list")
        out = []
        for item in items:
            try:
                out.append((str(item["id"]), [v.get("id") for v in item.get("values") or []]))
            except (KeyError, TypeError, AttributeError):
                raise fail(f"{what}: an entry without id/values") from None
        return out

    series_dims = level(dims.get("series"), "structure.dimensions.series")
    obs_dims = level(dims.get("observation"), "structure.dimensions.observation")
    set_attrs = level(attrs.get("dataSet"), "structure.attributes.dataSet")
    series_attrs = level(attrs.get("series"), "structure.attributes.series")
    obs_attrs = level(attrs.get("observation"), "structure.attributes.observation")

    def pick(values: list[str | None], index: object, what: str) -> str | None:
        if index is None:
            return None
        if not isinstance(index, int) or isinstance(index, bool) or not 0 <= index < len(values):
            raise fail(f"{what}: value index {index!r} outside its {len(values)} values")
        return values[index]

    def decode_key(key: str, levels: list[tuple[str, list[str | None]]], what: str) -> dict[str, str | None]:
        parts = key.split(":") if key != "" else []
        if len(parts) != len(levels):
            raise fail(f"{what} key {key!r} has {len(parts)} positions for {len(levels)} dimensions")
        try:
            return {dim: pick(values, int(p), f"{what} {dim}") for (dim, values), p in zip(levels, parts, strict=True)}
        except ValueError:
            raise fail(f"{what} key {key!r} is not colon-separated integers") from None

    def decode_attrs(indexes: object, levels: list[tuple[str, list[str | None]]], what: str) -> dict:
        if not indexes:
            return {}
        if not isinstance(indexes, list):
            raise fail(f"{what} attributes are not a list")
        if len(indexes) != len(levels):
            valued = [lv for lv in levels if lv[1]]
            if len(indexes) != len(valued):
                raise fail(f"{what}: {len(indexes)} attribute values for {len(levels)} attributes")
            levels = valued
        return {a: pick(values, i, f"{what} attribute {a}") for (a, values), i in zip(levels, indexes, strict=True)}

    base = decode_attrs(dataset.get("attributes"), set_attrs, "data set")

    def observation(key: str, obs: object, context: dict) -> dict:
        if not isinstance(obs, list) or not obs:
            raise fail(f"observation {key!r} is not a non-empty array")
        value = obs[0]
        if value is not None and (isinstance(value, bool) or not isinstance(value, int | float | str)):
            raise fail(f"observation {key!r}: value {value!r} is not a number")
        row = dict(context)
        row.update(decode_key(key, obs_dims, "observation"))
        row.update(decode_attrs(obs[1:], obs_attrs, f"observation {key!r}"))
        row["OBS_VALUE"] = value
        return row

    rows = []
    if "series" in dataset:
        series = dataset["series"]
        if not isinstance(series, Mapping):
            raise fail("dataSets[0].series is not an object")
        for skey, sval in series.items():
            if not isinstance(sval, Mapping):
                raise fail(f"series {skey!r} is not an object")
            context = {**base, **decode_key(skey, series_dims, "series"),
                       **decode_attrs(sval.get("attributes"), series_attrs, f"series {skey!r}")}
            for okey, obs in (sval.get("observations") or {}).items():
                rows.append(observation(okey, obs, context))
    else:
        observations = dataset.get("observations")
        if observations is None:
            raise fail("dataSets[0] has neither series nor observations")
        if not isinstance(observations, Mapping):
            raise fail("dataSets[0].observations is not an object")
        for okey, obs in observations.items():
            rows.append(observation(okey, obs, base))
    columns = [d for d, _ in series_dims + obs_dims] + [a for a, _ in set_attrs + series_attrs + obs_attrs]
    columns = list(dict.fromkeys(columns)) + ["OBS_VALUE"]
    return pd.DataFrame(rows, columns=columns)


# --------------------------------------------------------------------------- file loader

#: The flattened Data Explorer export's label texts (the source's label set, not a country
#: table): names pycountry does not know, and the principle/measure labels.
OECD_AREA_NAMES = {
    "World": WORLD,
    "China (People's Republic of)": "CHN",
    "Korea": "KOR",
    "Chinese Taipei": "TWN",
    "Hong Kong, China": "HKG",
}
PRINCIPLE_LABELS = {"Directional principle: outward": "outward", "Directional principle: inward": "inward"}
MEASURE_LABELS = {
    "FDI financial flows - total": "flow",
    "FDI positions - total": "position",
    "FDI income - total": "income",
}
FILE_COLUMNS = ("reference_area", "principle", "measure", "year", "counterpart_area", "value_usd_millions")
#: The flattened file's values are in US$ millions (its column name says so): x 1e6 to dollars.
MILLIONS = 1e6


def read_fdi_csv(path: Path, *, retrieved_at: datetime, source_url: str | None = None) -> pd.DataFrame:
    """FDI rows from ``oecd_fdi_usa_outward_to_asean_2011_2022.csv`` (the export flattened to
    ``reference_area, principle, measure, year, counterpart_area, value_usd_millions``, names not codes)."""
    path = Path(path)
    source_url = source_url or f"file:{path.name}"

    def fail(message: str) -> ParseError:
        return ParseError(f"{path.name}: {message}", source=SOURCE, url=source_url)

    try:
        content = path.read_bytes()
    except OSError as exc:
        raise SourceError(f"cannot read {path.name}: {exc.strerror or exc}", source=SOURCE, url=source_url) from None
    try:
        frame = pd.read_csv(io.BytesIO(content), dtype=str, keep_default_na=False, encoding="utf-8-sig")
    except (pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeDecodeError, ValueError) as exc:
        raise fail(f"unreadable CSV: {exc}") from None
    missing = [c for c in FILE_COLUMNS if c not in frame.columns]
    if missing:
        raise fail(f"column {missing[0]!r} is missing (columns: {list(frame.columns)})")
    if frame.empty:
        raise EmptyResultError(f"{path.name}: no data rows", source=SOURCE, url=source_url)
    stamp = _utc(retrieved_at)

    names: dict[str, str] = {}
    for name in set(frame["reference_area"]) | set(frame["counterpart_area"]):
        names[name] = _area_code(name, fail)
    for column, table in (("principle", PRINCIPLE_LABELS), ("measure", MEASURE_LABELS)):
        unknown = sorted(set(frame[column]) - set(table))
        if unknown:
            raise fail(f"unknown {column} label(s) {unknown}")
    bad = ~frame["year"].str.strip().str.fullmatch(r"\d{4}")
    if bad.any():
        i = int(bad.idxmax())
        raise fail(f"row {i + 2}: year {frame.at[i, 'year']!r} is not YYYY")
    value = frame["value_usd_millions"].map(_number)
    bad = value.isna() & ~frame["value_usd_millions"].map(_is_missing_text)
    if bad.any():
        i = int(bad.idxmax())
        raise fail(f"row {i + 2}: value {frame.at[i, 'value_usd_millions']!r} is not a number")
    if value.isna().any():
        log.info("%s: %d confidential or missing cells (no row)", source_url, int(value.isna().sum()))
    reporter = frame["reference_area"].map(names)
    if (reporter == WORLD).any():
        raise fail("the reference area must be a country, not World")
    counterpart = frame["counterpart_area"].map(names)
    rows = pd.DataFrame(
        {
            "reporter": reporter,
            "counterpart": counterpart,
            "counterpart_kind": np.where(counterpart == WORLD, "world", "country"),
            "direction": frame["principle"].map(PRINCIPLE_LABELS),
            "measure": frame["measure"].map(MEASURE_LABELS),
            "period": frame["year"].str.strip(),
            "value_usd": value * MILLIONS,
            "estimated": False,
        }
    )[value.notna()]
    if rows.empty:
        raise EmptyResultError(f"{path.name}: every value is confidential or missing", source=SOURCE, url=source_url)
    return _frame(_dedupe(rows, fail), source_url, stamp)


def _area_code(name: str, fail) -> str:  # type: ignore[no-untyped-def]
    clean = name.strip().replace("\u2019", "'")  # the export writes "Lao People’s" with a curly apostrophe
    if clean in OECD_AREA_NAMES:
        return OECD_AREA_NAMES[clean]
    try:
        return pycountry.countries.lookup(clean).alpha_3
    except LookupError:
        raise fail(f"area name {name!r} is neither a country nor a known aggregate") from None


# --------------------------------------------------------------------------- helpers


def _frame(rows: pd.DataFrame, source_url: str, stamp: pd.Timestamp) -> pd.DataFrame:
    return finish("fdi", rows, source=SOURCE, source_url=source_url, retrieved_at=stamp)


def _dedupe(rows: pd.DataFrame, fail) -> pd.DataFrame:  # type: ignore[no-untyped-def]
    dup = rows.duplicated(FDI_KEY, keep=False)
    if not dup.any():
        return rows
    for values, group in rows[dup].groupby(FDI_KEY, sort=False):
        if group["value_usd"].nunique() > 1:
            raise fail(f"rows disagree for {dict(zip(FDI_KEY, values, strict=True))}: {group['value_usd'].tolist()}")
    return rows.drop_duplicates(FDI_KEY, keep="first")


def _text(value: object) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def _is_missing_text(value: object) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value)) or (
        isinstance(value, str) and value.strip() in MISSING_TEXTS
    )


def _number(value: object) -> float:
    """A finite float, or NaN for anything else (callers tell blanks from bad cells)."""
    if isinstance(value, bool) or value is None:
        return np.nan
    if isinstance(value, int | float | np.integer | np.floating):
        number = float(value)
    elif isinstance(value, str):
        try:
            number = float(value.strip())
        except ValueError:
            return np.nan
    else:
        return np.nan
    return number if math.isfinite(number) else np.nan


