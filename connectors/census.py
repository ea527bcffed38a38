"""US Census Bureau international trade API: US imports and exports by HS code, partner and month.

Fetching (network) is split from parsing (pure)::

    query = CensusQuery(flow="import", hs_code="854231", start="2023-01", end="2023-12")
    raws = fetch(query)                                  # list[RawResponse], one API call
    frame = parse(raws[0].content, source_url=raws[0].url, retrieved_at=raws[0].retrieved_at)
    frame = read(query)                                  # both

Endpoints (``{base}`` = ``ECONSEC_CENSUS_BASE_URL``, default https://api.census.gov/data)::

    {base}/timeseries/intltrade/imports/hs?get=CTY_CODE,CTY_NAME,I_COMMODITY,GEN_VAL_MO
        &I_COMMODITY=854231&COMM_LVL=HS6&time=from+2023-01+to+2023-12[&key=...]
    {base}/timeseries/intltrade/exports/hs?get=CTY_CODE,CTY_NAME,E_COMMODITY,ALL_VAL_MO&E_COMMODITY=...

The optional key (``CENSUS_API_KEY``) travels in the query string, as the API documents; connectors/http.py
replaces it by ``***`` in errors, logs and ``RawResponse.url``.

Quirks handled here (the data folder's API_FORMATS.md section 3; no recorded response exists, so the
format is taken from the Census documentation and client code, and should be checked on the first live call):

* The body is a JSON array of arrays: the first row is the header, every value is a string, and the
  predicate variables the call filtered on (``I_COMMODITY``, ``COMM_LVL``, ``time``) are appended as extra
  columns, so a name can appear twice in the header (the first occurrence is used).
* An empty result is HTTP 204 with an empty body (-> :class:`EmptyResultError`), not ``[]``.
* Errors come as plain text (``error: unknown variable 'XYZ'``), usually with HTTP 400, or as an HTML page.
* Partners are Census Schedule C codes (not ISO/M49): read through ``econsec/reference/census_country_codes.csv``
  (Taiwan 5830 -> TWN). ``CTY_CODE "-"`` / "TOTAL FOR ALL COUNTRIES" is the world total; group codes
  (``0001``-``0028`` such as 0003 European Union or 0014 Pacific Rim, and continents ``1XXX``-``7XXX``)
  are dropped.
"""

from __future__ import annotations

import json
import logging
import re
from dataclasses import dataclass
from datetime import date, datetime
from functools import lru_cache
from importlib import resources

import numpy as np
import pandas as pd
import pycountry
import requests

from connectors import http
from connectors.payload import decode
from connectors.payload import snippet as _snippet
from connectors.payload import utc as _utc
from econsec import settings
from econsec.countries import TAIWAN
from econsec.errors import ConfigError, EmptyResultError, ParseError
from econsec.schema import TRADE_COLUMNS, TRADE_KEY, WORLD, validate_trade
from indicators.products import PRODUCT_GROUPS

log = logging.getLogger(__name__)

SOURCE = "us_census"
TABLE = "trade"

#: Census reports US trade: the reporter of every row.
REPORTER = "USA"

IMPORTS_PATH = "/timeseries/intltrade/imports/hs"
EXPORTS_PATH = "/timeseries/intltrade/exports/hs"
#: flow -> (endpoint path, commodity variable, value variable). GEN_VAL_MO = general imports, monthly,
#: US dollars; ALL_VAL_MO = total exports (domestic + foreign), monthly, US dollars. Both are already in
#: dollars (not thousands), so no conversion is applied.
FLOW_VARIABLES = {
    "import": (IMPORTS_PATH, "I_COMMODITY", "GEN_VAL_MO"),
    "export": (EXPORTS_PATH, "E_COMMODITY", "ALL_VAL_MO"),
}
#: COMM_LVL predicate by HS code length.
COMM_LEVELS = {2: "HS2", 4: "HS4", 6: "HS6"}

#: The world total row: CTY_CODE "-" and CTY_NAME "TOTAL FOR ALL COUNTRIES".
WORLD_CODE = "-"
WORLD_NAME = "TOTAL FOR ALL COUNTRIES"
#: Census Schedule C code of Taiwan.
TAIWAN_CODE = "5830"
#: Country groups returned when CTY_CODE is not filtered: 0001-0028 (0001 OPEC, 0003 European Union,
#: 0014 Pacific Rim, 0017 CAFTA-DR, 0020 USMCA/NAFTA, 0022 OECD, 0025 Euro area, 0026 APEC, 0027 ASEAN, ...)
#: and the continents 1XXX (North America) ... 7XXX (Africa). Groups overlap each other and contain the
#: countries that are also returned one by one, so keeping any of them would count trade twice: they are
#: dropped (a group total can always be rebuilt from its member countries).
GROUP_CODE = re.compile(r"^(0\d{3}|\dXXX)$")
#: Partners without an ISO3 (Census codes whose ISO2 is not an ISO 3166 code: Kosovo KV, Gaza Strip GZ,
#: West Bank WE; and codes missing from the reference list) are summed into one residual partner per
#: flow/code/month with this code (ISO 3166 user-assigned range; econsec.countries.AGGREGATES
#: "Areas not elsewhere specified"), partner_kind "area": part of the total, never a supplier.
PARTNER_AREAS = "QNE"

#: Product groups are monthly; this many months are asked for by default_queries().
DEFAULT_MONTHS = 36

_HS = re.compile(r"^(\d{2}|\d{4}|\d{6})$")
_MONTH = re.compile(r"^(\d{4})-(0[1-9]|1[0-2])$")


# --------------------------------------------------------------------------- reference


@lru_cache(maxsize=1)
def country_codes() -> dict[str, str]:
    """Census Schedule C code -> ISO3 ("" when the code has no ISO3), from the shipped reference list."""
    path = resources.files("econsec") / "reference" / "census_country_codes.csv"
    with resources.as_file(path) as p:
        # keep_default_na=False: Namibia's ISO2 is "NA".
        ref = pd.read_csv(p, dtype=str, keep_default_na=False)
    table: dict[str, str] = {}
    for code, iso2 in zip(ref["Code"], ref["ISO"], strict=True):
        country = pycountry.countries.get(alpha_2=iso2.strip())
        table[code.strip()] = country.alpha_3 if country is not None else ""
    table[TAIWAN_CODE] = TAIWAN
    return table


def partner_of(code: str, name: str) -> tuple[str, str] | None:
    """``(iso3, partner_kind)`` for a CTY_CODE/CTY_NAME pair, or None for a country group (dropped).

    >>> partner_of("5830", "TAIWAN")
    ('TWN', 'country')
    >>> partner_of("-", "TOTAL FOR ALL COUNTRIES")
    ('WLD', 'world')
    >>> partner_of("0003", "EUROPEAN UNION") is None
    True
    """
    code, name = code.strip(), name.strip()
    if code == WORLD_CODE or name.upper() == WORLD_NAME:
        return WORLD, "world"
    if GROUP_CODE.match(code):
        return None
    iso3 = country_codes().get(code, "")
    if iso3:
        return iso3, "country"
    return PARTNER_AREAS, "area"


# --------------------------------------------------------------------------- query


@dataclass(frozen=True)
class CensusQuery:
    """US imports or exports of one HS code (2, 4 or 6 digits) from every partner, month by month."""

    flow: str  # "import" | "export"
    hs_code: str
    start: str  # "YYYY-MM"
    end: str  # "YYYY-MM"

    def __post_init__(self) -> None:
        if self.flow not in FLOW_VARIABLES:
            raise ConfigError(f"CensusQuery.flow {self.flow!r} must be one of {sorted(FLOW_VARIABLES)}")
        if not isinstance(self.hs_code, str) or not _HS.match(self.hs_code):
            raise ConfigError(f"CensusQuery.hs_code {self.hs_code!r} is not 2, 4 or 6 HS digits as text")
        for name in ("start", "end"):
            value = getattr(self, name)
            if not isinstance(value, str) or not _MONTH.match(value):
                raise ConfigError(f"CensusQuery.{name} {value!r} is not a month YYYY-MM")
        if self.start > self.end:
            raise ConfigError(f"CensusQuery.start {self.start} is after end {self.end}")


def build_request(query: CensusQuery, api_key: str | None) -> tuple[str, dict[str, str]]:
    """``(url, params)`` for one call; the key, if any, is the ``key`` parameter."""
    path, commodity, value = FLOW_VARIABLES[query.flow]
    url = settings.base_url("census") + path
    period = query.start if query.start == query.end else f"from {query.start} to {query.end}"
    params = {
        "get": f"CTY_CODE,CTY_NAME,{commodity},{value}",
        commodity: query.hs_code,
        "COMM_LVL": COMM_LEVELS[len(query.hs_code)],
        "time": period,  # requests encodes the spaces as "+", as the API documents
    }
    if api_key:
        params["key"] = api_key
    return url, params


def _months_back(end: date, months: int) -> str:
    index = end.year * 12 + end.month - 1 - months
    return f"{index // 12:04d}-{index % 12 + 1:02d}"


def default_queries(today: date | None = None) -> list[CensusQuery]:
    """Monthly imports and exports of every 6-digit code in the product groups, last 36 months.

    The last month asked for is the month before ``today``: Census publishes a month about five weeks
    after it ends, so the newest month may simply not be there yet (the API then leaves it out).
    """
    today = today or date.today()
    end = _months_back(today, 1)
    start = _months_back(today, DEFAULT_MONTHS)
    codes = list(dict.fromkeys(c for g in PRODUCT_GROUPS for c in g.hs_codes if len(c) == 6))
    return [CensusQuery(flow, code, start, end) for code in codes for flow in ("import", "export")]


# --------------------------------------------------------------------------- fetch


def fetch(query: CensusQuery, *, session: requests.Session | None = None) -> list[http.RawResponse]:
    """One API call for ``query``. An empty result comes back as status 204 with an empty body."""
    url, params = build_request(query, settings.secret("CENSUS_API_KEY"))
    return [http.get(SOURCE, url, params, session=session)]


def read(query: CensusQuery, *, session: requests.Session | None = None) -> pd.DataFrame:
    """Fetch and parse ``query`` into a tidy trade frame (EmptyResultError if there are no rows)."""
    raw = fetch(query, session=session)[0]
    return parse(raw.content, source_url=raw.url, retrieved_at=raw.retrieved_at)


# --------------------------------------------------------------------------- parse


def parse(content: bytes | str, *, source_url: str, retrieved_at: datetime) -> pd.DataFrame:
    """Tidy trade frame (table ``trade``) from a Census intltrade JSON body."""

    def fail(message: str) -> ParseError:
        return ParseError(message, source=SOURCE, url=source_url)

    stamp = _utc(retrieved_at)
    text = decode(content, fail)
    stripped = text.strip()
    if not stripped:
        # How the API says "no rows": HTTP 204 No Content.
        raise EmptyResultError("no rows (empty body, HTTP 204)", source=SOURCE, url=source_url)
    if stripped.startswith("<"):
        raise fail(f"expected JSON, got an HTML/XML page: {_snippet(stripped)!r}")
    if not stripped.startswith("["):
        # Plain-text API errors such as "error: unknown variable 'XYZ'".
        raise fail(f"the API answered with a message instead of data: {_snippet(stripped, 200)!r}")
    try:
        body = json.loads(stripped)
    except json.JSONDecodeError as exc:
        if not stripped.endswith("]"):
            raise fail(f"the JSON ends early (truncated body?, {len(text)} characters): {exc.msg}") from None
        raise fail(f"malformed JSON: {exc.msg} at line {exc.lineno} column {exc.colno}") from None
    if not isinstance(body, list) or not body:
        raise fail("expected a JSON array whose first row is the header")
    if not all(isinstance(row, list) for row in body):
        i = next(i for i, row in enumerate(body) if not isinstance(row, list))
        raise fail(f"row {i} is a {type(body[i]).__name__}, not an array")
    header = body[0]
    if not header or not all(isinstance(h, str) for h in header):
        raise fail(f"the first row is not a header of variable names: {header!r}"[:200])
    rows = body[1:]
    if not rows:
        raise EmptyResultError("the API returned a header and no rows", source=SOURCE, url=source_url)
    for i, row in enumerate(rows):
        if len(row) != len(header):
            raise fail(f"row {i} has {len(row)} values, the header has {len(header)}")

    # Predicate variables are appended to the header, so a name can appear twice: keep the first one.
    position = {}
    for j, name in enumerate(header):
        position.setdefault(name, j)
    flows = [f for f, (_, commodity, _) in FLOW_VARIABLES.items() if commodity in position]
    if len(flows) != 1:
        raise fail("the header names neither I_COMMODITY nor E_COMMODITY (or both)")
    flow = flows[0]
    _, commodity_field, value_field = FLOW_VARIABLES[flow]
    for field in ("CTY_CODE", "CTY_NAME", commodity_field, value_field, "time"):
        if field not in position:
            raise fail(f"variable {field!r} is missing from the header {header!r}")

    def column(field: str) -> list[object]:
        return [row[position[field]] for row in rows]

    codes = _texts(column("CTY_CODE"), "CTY_CODE", fail)
    names = _texts(column("CTY_NAME"), "CTY_NAME", fail, allow_blank=True)
    hs_codes = _texts(column(commodity_field), commodity_field, fail)
    for i, code in enumerate(hs_codes):
        if not _HS.match(code):
            raise fail(f"row {i}: {commodity_field} is {code!r}, not a 2, 4 or 6 digit HS code")
    periods = _texts(column("time"), "time", fail)
    for i, period in enumerate(periods):
        if not _MONTH.match(period):
            raise fail(f"row {i}: time is {period!r}, not YYYY-MM")
    values = _numbers(column(value_field), value_field, fail)

    partners: list[str] = []
    kinds: list[str] = []
    keep: list[bool] = []
    groups: set[str] = set()
    unmapped: set[str] = set()
    for code, name in zip(codes, names, strict=True):
        found = partner_of(code, name)
        if found is None:
            groups.add(f"{code} {name}".strip())
            partners.append("")
            kinds.append("")
            keep.append(False)
            continue
        if found[1] == "area":
            unmapped.add(f"{code} {name}".strip())
        partners.append(found[0])
        kinds.append(found[1])
        keep.append(True)
    if groups:
        log.info("%s: dropped %d rows of country groups (%s)", source_url, keep.count(False), ", ".join(sorted(groups)))
    if unmapped:
        log.warning("%s: partners without an ISO3 summed into %s: %s", source_url, PARTNER_AREAS,
                    ", ".join(sorted(unmapped)))

    frame = pd.DataFrame(
        {
            "partner": partners,
            "partner_kind": kinds,
            "hs_code": hs_codes,
            "period": periods,
            "value_usd": values,
            "code": codes,
        }
    )[keep]
    if frame.empty:
        raise EmptyResultError("no rows left after dropping country groups", source=SOURCE, url=source_url)
    frame["reporter"] = REPORTER
    frame["flow"] = flow

    # Exact repeats are harmless; two rows for one key that disagree cannot be resolved.
    areas = frame["partner_kind"] == "area"
    countries = frame[~areas]
    dup = countries.duplicated(TRADE_KEY, keep=False)
    for key_values, group in countries[dup].groupby(TRADE_KEY, sort=False):
        if group["value_usd"].nunique() > 1:
            raise fail(
                f"rows disagree for {dict(zip(TRADE_KEY, key_values, strict=True))} "
                f"(CTY_CODE {sorted(set(group['code']))}): values {group['value_usd'].tolist()}"
            )
    countries = countries.drop_duplicates(TRADE_KEY)
    if areas.any():
        residual = frame[areas].drop_duplicates(["code", *TRADE_KEY])
        residual = residual.groupby(TRADE_KEY, sort=False, as_index=False).agg(
            value_usd=("value_usd", "sum"), partner_kind=("partner_kind", "first")
        )
        frame = pd.concat([countries, residual], ignore_index=True)
    else:
        frame = countries

    n = len(frame)
    out = pd.DataFrame(
        {
            "reporter": pd.Series(frame["reporter"].to_numpy(), dtype="str"),
            "partner": pd.Series(frame["partner"].to_numpy(), dtype="str"),
            "partner_kind": pd.Series(frame["partner_kind"].to_numpy(), dtype="str"),
            "flow": pd.Series(frame["flow"].to_numpy(), dtype="str"),
            "hs_code": pd.Series(frame["hs_code"].to_numpy(), dtype="str"),
            "period": pd.Series(frame["period"].to_numpy(), dtype="str"),
            "value_usd": pd.Series(frame["value_usd"].to_numpy(), dtype="float64"),
            "net_weight_kg": pd.Series(np.nan, index=range(n), dtype="float64"),  # not asked for
            "estimated": pd.Series(False, index=range(n), dtype="bool"),  # Census flags no estimates here
            "source": pd.Series(SOURCE, index=range(n), dtype="str"),
            "source_url": pd.Series(source_url, index=range(n), dtype="str"),
            "retrieved_at": pd.Series(stamp, index=range(n), dtype="datetime64[us, UTC]"),
        },
        columns=list(TRADE_COLUMNS),
    )
    out = out.sort_values(TRADE_KEY, kind="stable", ignore_index=True)
    return validate_trade(out)


# --------------------------------------------------------------------------- helpers






def _texts(values: list[object], field: str, fail, *, allow_blank: bool = False) -> list[str]:  # type: ignore[no-untyped-def]
    out = []
    for i, value in enumerate(values):
        if not isinstance(value, str) or (not allow_blank and not value.strip()):
            raise fail(f"row {i}: {field} is {value!r}, not a text value")
        out.append(value.strip())
    return out


_NUMBER = re.compile(r"^\s*\d+(\.\d+)?\s*$")


def _numbers(values: list[object], field: str, fail) -> list[float]:  # type: ignore[no-untyped-def]
    """Non-negative numbers from the API's strings (the API sends every value as text)."""
    out = []
    for i, value in enumerate(values):
        if not isinstance(value, str) or not _NUMBER.match(value):
            problem = "is missing" if value is None or value == "" else f"is {value!r}, not a number"
            raise fail(f"row {i}: {field} {problem}")
        out.append(float(value))
    return out
