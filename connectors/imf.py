"""IMF International Trade in Goods (IMTS, the successor of DOTS): trade by partner, SDMX 3.0.

Fetching (network) is split from parsing (pure)::

    query = ImfQuery(reporters=("USA", "JPN"))          # exports + imports, all partners, annual, from 2015
    raws = fetch(query)                                  # list[RawResponse], one call per query
    frame = parse(raws[0].content, source_url=raws[0].url, retrieved_at=raws[0].retrieved_at)

Request (``{base}`` = ``ECONSEC_IMF_BASE_URL``, default https://api.imf.org/external/sdmx/3.0)::

    GET {base}/data/dataflow/IMF.STA/IMTS/+/{COUNTRY}.{INDICATOR}.{COUNTERPART_COUNTRY}.{FREQUENCY}
        ?c%5BTIME_PERIOD%5D=ge:2015-01-01+le:2024-12-31&dimensionAtObservation=TIME_PERIOD
        &detail=full&includeHistory=false                       Accept: application/xml

Several codes in one key slot are joined with ``+`` (the recorded request used ``G001+G998``);
"every code" is ``*`` (SDMX 3.0 REST ``data.md``: "Wildcarding is supported via the * operator";
what IMF's server does with ``*`` in IMTS is not recorded, so that part is unverified).
The ``+`` after ``IMTS/`` is the version ("latest stable"). The query string is written by hand
in the recorded style (``+`` and ``:`` left as they are), not by ``urlencode``, which would
turn the ``+`` of the time filter into ``%2B``.

Quirks handled here (details in the data folder's API_FORMATS.md section 4):

* Units: ``OBS_VALUE`` is in plain US dollars although each series says ``SCALE="6"``
  (see :data:`VALUE_MULTIPLIER`).
* Counterparts are ISO3 codes (TWN included) or IMF group codes (``G001`` World, other ``G…``,
  ``GX…``, ``TX…``); groups other than those in :data:`COUNTERPART_GROUPS` are dropped and counted.
* Indicators: ``XG_FOB_USD`` exports FOB, ``MG_CIF_USD`` imports CIF; ``TBG_USD`` (balance) is skipped.
* Namespaces and prefixes differ between SDMX versions and servers: elements and attributes are
  matched by local name.
"""

from __future__ import annotations

import logging
import math
import re
import xml.etree.ElementTree as ET
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

import pandas as pd
import requests

from connectors import http
from connectors.payload import decode
from connectors.payload import snippet as _snippet
from connectors.payload import utc as _utc
from econsec import settings
from econsec.countries import is_iso3
from econsec.errors import ConfigError, EmptyResultError, ParseError
from econsec.schema import TRADE_COLUMNS, TRADE_KEY, WORLD, validate_trade

log = logging.getLogger(__name__)

SOURCE = "imf"
TABLE = "trade"

#: Dataflow IMF.STA:IMTS, latest stable version ("+").
DATA_PATH = "/data/dataflow/IMF.STA/IMTS/+"
ACCEPT = "application/xml"
#: The SDMX 3.0 wildcard for one key slot.
ALL = "*"

#: IMTS INDICATOR -> schema flow (renamed from DOTS' TXG_FOB_USD / TMG_CIF_USD).
INDICATORS = {"XG_FOB_USD": "export", "MG_CIF_USD": "import"}
#: Indicators that are not a flow of goods: skipped when a response holds them.
SKIPPED_INDICATORS = frozenset({"TBG_USD"})  # trade balance = exports - imports

#: UNITS TRAP: OBS_VALUE is already in US dollars (US exports to the World in 2023 =
#: 2,019,551,635,133, i.e. 2.02 trillion) although every series carries SCALE="6". Multiplying by
#: 10**SCALE would overstate every value a millionfold. API_FORMATS.md section 4 notes this, as does a
#: public client ("OBS_VALUE is the actual USD amount without scaling"). So SCALE is ignored.
VALUE_MULTIPLIER = 1.0

#: IMF group codes kept, as econsec aggregates. G001 = World is documented (API_FORMATS.md 4).
#: G998 = European Union is INFERRED: the recorded US exports to G998 (369.8 bn US$ in 2023) match
#: US goods exports to the EU, and 998 is the EU in the IMF's legacy numeric area codes; G163 = Euro
#: area follows the same legacy codes (163 Euro area) and is UNVERIFIED (no recording holds it).
#: EUU/EMU rows get partner_kind "group": they are groups of countries, never a single supplier,
#: and must not be added to country rows.
COUNTERPART_GROUPS: dict[str, tuple[str, str]] = {
    "G001": (WORLD, "world"),
    "G998": ("EUU", "group"),
    "G163": ("EMU", "group"),
}
_GROUP_CODES = {iso3: code for code, (iso3, _) in COUNTERPART_GROUPS.items()}

#: SDMX cross-domain code list CL_OBS_STATUS: "E" = estimated value. IMTS observations seen so far
#: carry DERIVATION_TYPE="M" instead, whose code list we could not read offline; its meaning is
#: unknown, so it does NOT set ``estimated`` (it may mean e.g. "derived from monthly data").
ESTIMATED_OBS_STATUS = frozenset({"E"})

#: SDMX error code 100 = "No results found" (SDMX standard error codes): an empty result, not a failure.
SDMX_NO_RESULTS = "100"

ASEAN = ("BRN", "KHM", "IDN", "LAO", "MYS", "MMR", "PHL", "SGP", "THA", "VNM")
#: Reporters the dashboard needs. TWN is not a reporter in IMF trade statistics (it is a counterpart).
DEFAULT_REPORTERS = ("USA", "JPN", "CHN", "KOR", "AUS", "IND", "DEU", *ASEAN)
DEFAULT_START = "2015"

_ISO3 = re.compile(r"^[A-Z]{3}$")
_YEAR = re.compile(r"^\d{4}$")
_MONTH = re.compile(r"^(\d{4})-(0[1-9]|1[0-2])$")
_FREQS = ("A", "M")


# --------------------------------------------------------------------------- query


def _codes(name: str, value: object) -> tuple[str, ...]:
    if isinstance(value, str) or not isinstance(value, Iterable):
        raise ConfigError(f"ImfQuery.{name} must be a tuple of strings, got {value!r}")
    items = tuple(value)
    if not items:
        raise ConfigError(f"ImfQuery.{name} is empty")
    if any(not isinstance(i, str) for i in items):
        raise ConfigError(f"ImfQuery.{name} holds a non-string: {items!r}")
    if len(set(items)) != len(items):
        raise ConfigError(f"ImfQuery.{name} repeats a value: {items!r}")
    return items


@dataclass(frozen=True)
class ImfQuery:
    """One IMTS question. ``counterparts=None`` asks for every counterpart (World and groups included).

    ``start``/``end`` are ``YYYY`` (annual) or ``YYYY`` / ``YYYY-MM`` (monthly); ``end=None`` = up to
    the latest data.
    """

    reporters: tuple[str, ...]
    indicators: tuple[str, ...] = ("XG_FOB_USD", "MG_CIF_USD")
    counterparts: tuple[str, ...] | None = None
    freq: str = "A"
    start: str = DEFAULT_START
    end: str | None = None

    def __post_init__(self) -> None:
        set_ = object.__setattr__  # frozen: normalise once
        set_(self, "reporters", _codes("reporters", self.reporters))
        set_(self, "indicators", _codes("indicators", self.indicators))
        if self.counterparts is not None:
            set_(self, "counterparts", _codes("counterparts", self.counterparts))
        for iso3 in self.reporters:
            if not _country(iso3):
                raise ConfigError(f"reporter {iso3!r} is not a country ISO3 code")
        for code in self.counterparts or ():
            if code not in _GROUP_CODES and not _country(code):
                raise ConfigError(f"counterpart {code!r} is not an ISO3 code or one of {sorted(_GROUP_CODES)}")
        for indicator in self.indicators:
            if indicator not in INDICATORS:
                raise ConfigError(f"indicator {indicator!r} must be one of {sorted(INDICATORS)}")
        if self.freq not in _FREQS:
            raise ConfigError(f"freq {self.freq!r} must be 'A' or 'M' (quarterly data do not fit the schema)")
        start = _period_bounds(self.start, self.freq, "start")[0]
        if self.end is not None and _period_bounds(self.end, self.freq, "end")[1] < start:
            raise ConfigError(f"end {self.end!r} is before start {self.start!r}")

    @property
    def key(self) -> str:
        """The SDMX series key ``COUNTRY.INDICATOR.COUNTERPART_COUNTRY.FREQUENCY``."""
        counterparts = ALL if self.counterparts is None else "+".join(_GROUP_CODES.get(c, c) for c in self.counterparts)
        return ".".join(("+".join(self.reporters), "+".join(self.indicators), counterparts, self.freq))


def _period_bounds(period: object, freq: str, name: str) -> tuple[str, str]:
    """First and last day (ISO dates) of a ``YYYY`` or (monthly only) ``YYYY-MM`` period."""
    if not isinstance(period, str):
        raise ConfigError(f"{name} {period!r} must be a string")
    if _YEAR.match(period):
        return f"{period}-01-01", f"{period}-12-31"
    match = _MONTH.match(period)
    if match and freq == "M":
        year, month = int(match.group(1)), int(match.group(2))
        last = (pd.Timestamp(year=year, month=month, day=1) + pd.offsets.MonthEnd(1)).day
        return f"{period}-01", f"{period}-{last:02d}"
    raise ConfigError(f"{name} {period!r} must be YYYY" + (" or YYYY-MM" if freq == "M" else " for annual data"))


def default_queries() -> list[ImfQuery]:
    """Annual exports and imports of each focus reporter with every counterpart, from 2015.

    One query per reporter keeps each response small (about 230 counterparts x 2 flows x 10 years)
    and lets one bad reporter fail alone.
    """
    return [ImfQuery(reporters=(iso3,)) for iso3 in DEFAULT_REPORTERS]


def build_request(query: ImfQuery) -> tuple[str, dict[str, str]]:
    """``(url, headers)`` for one call; the query string is part of ``url`` (recorded style)."""
    first = _period_bounds(query.start, query.freq, "start")[0]
    time_filter = f"ge:{first}"
    if query.end is not None:
        time_filter += f"+le:{_period_bounds(query.end, query.freq, 'end')[1]}"
    url = (
        f"{settings.base_url('imf')}{DATA_PATH}/{query.key}"
        f"?c%5BTIME_PERIOD%5D={time_filter}&dimensionAtObservation=TIME_PERIOD&detail=full&includeHistory=false"
    )
    return url, {"Accept": ACCEPT}


# --------------------------------------------------------------------------- fetch


def fetch(query: ImfQuery, *, session: requests.Session | None = None) -> list[http.RawResponse]:
    """The one call ``query`` needs."""
    url, headers = build_request(query)
    return [http.get(SOURCE, url, None, headers, session=session)]


def read(query: ImfQuery, *, session: requests.Session | None = None) -> pd.DataFrame:
    """Fetch and parse ``query`` into a tidy trade frame."""
    raw = fetch(query, session=session)[0]
    return parse(raw.content, source_url=raw.url, retrieved_at=raw.retrieved_at)


# --------------------------------------------------------------------------- parse


def _local(name: str) -> str:
    """``{namespace}Series`` or ``Series`` -> ``Series`` (prefixes differ between servers)."""
    return name.rsplit("}", 1)[-1]


def _attrs(element: ET.Element) -> dict[str, str]:
    return {_local(k): v for k, v in element.attrib.items()}


def _children(element: ET.Element, name: str) -> list[ET.Element]:
    return [child for child in element if _local(child.tag) == name]






def _period(value: str) -> str | None:
    """TIME_PERIOD -> ``YYYY`` or ``YYYY-MM``; ``None`` for a quarter; ValueError otherwise.

    Accepted: ``2023``, ``2023-01``, ``2023-M01``, ``2023M01`` (the last two are the IMF's and
    SDMX's reporting-period forms), and ``2023-Q1`` / ``2023Q1`` (skipped).
    """
    value = value.strip()
    if _YEAR.match(value):
        return value
    match = re.fullmatch(r"(\d{4})-?M?(0[1-9]|1[0-2])", value)
    if match and (value[4] == "-" or "M" in value):  # not "202301" (ambiguous in SDMX)
        return f"{match.group(1)}-{match.group(2)}"
    if re.fullmatch(r"\d{4}-?Q[1-4]", value):
        return None
    raise ValueError(value)


def _root(content: bytes | str, fail) -> ET.Element:  # type: ignore[no-untyped-def]
    text = decode(content, fail)
    stripped = text.lstrip()
    if not stripped:
        raise fail("the response body is empty")
    if stripped.startswith(("{", "[")):
        raise fail(f"expected SDMX-ML (XML), got JSON: {_snippet(stripped)!r}")
    head = stripped[:1000].lower()
    if "<html" in head or head.startswith("<!doctype html"):
        raise fail(f"expected SDMX-ML, got an HTML page: {_snippet(stripped)!r}")
    if not stripped.startswith("<"):
        raise fail(f"expected SDMX-ML (XML), got text: {_snippet(stripped)!r}")
    # SDMX messages never carry a DTD. Refusing one rules out entity-expansion ("billion laughs")
    # and external-entity tricks without an extra dependency.
    if "<!DOCTYPE" in text or "<!ENTITY" in text:
        raise fail("the XML declares a DTD or entities, which SDMX-ML never does; refused")
    try:
        return ET.fromstring(text)
    except ET.ParseError as exc:
        if "no element found" in str(exc) or "unclosed token" in str(exc):
            raise fail(f"the XML ends early (truncated body?, {len(text)} characters): {exc}") from None
        raise fail(f"malformed XML: {exc}") from None


def parse(content: bytes | str, *, source_url: str, retrieved_at: datetime) -> pd.DataFrame:
    """Tidy trade frame (hs_code ``TOTAL``) from an IMTS SDMX-ML 3.0 StructureSpecificData message."""

    def fail(message: str) -> ParseError:
        return ParseError(message, source=SOURCE, url=source_url)

    stamp = _utc(retrieved_at)
    root = _root(content, fail)
    kind = _local(root.tag)
    if kind == "Error":  # SDMX error message: <message:Error><message:ErrorMessage code=".."><common:Text>
        messages = [e for e in root.iter() if _local(e.tag) == "ErrorMessage"]
        code = messages[0].get("code", "") if messages else ""
        text = " ".join(t.text.strip() for t in root.iter() if _local(t.tag) == "Text" and t.text) or "no text"
        if code == SDMX_NO_RESULTS:
            raise EmptyResultError(f"SDMX error {code}: {text}", source=SOURCE, url=source_url)
        raise fail(f"the API returned an SDMX error{f' {code}' if code else ''}: {text}")
    if kind != "StructureSpecificData":
        raise fail(f"expected an SDMX StructureSpecificData message, got <{kind}>")

    datasets = [e for e in root.iter() if _local(e.tag) == "DataSet"]
    series_list = [s for d in datasets for s in _children(d, "Series")]
    if not series_list:
        raise EmptyResultError("the message holds no series (empty DataSet)", source=SOURCE, url=source_url)

    rows: list[dict[str, object]] = []
    dropped: Counter[str] = Counter()
    for i, series in enumerate(series_list):
        attrs = _attrs(series)
        for field in ("COUNTRY", "INDICATOR", "COUNTERPART_COUNTRY", "FREQUENCY"):
            if not attrs.get(field, "").strip():
                raise fail(f"series {i}: {field} is missing")
        indicator = attrs["INDICATOR"]
        if indicator not in INDICATORS:
            dropped[f"indicator {indicator}" + ("" if indicator in SKIPPED_INDICATORS else " (unknown)")] += 1
            continue
        if attrs["FREQUENCY"] not in _FREQS:
            dropped[f"frequency {attrs['FREQUENCY']}"] += 1
            continue
        reporter = _area(attrs["COUNTRY"])
        partner = _area(attrs["COUNTERPART_COUNTRY"])
        if reporter is None:
            dropped[f"reporter {attrs['COUNTRY']}"] += 1
            continue
        if partner is None:
            dropped[f"counterpart group {attrs['COUNTERPART_COUNTRY']}"] += 1
            continue
        for j, obs in enumerate(_children(series, "Obs")):
            o = _attrs(obs)
            where = f"series {i} ({attrs['COUNTRY']}.{indicator}.{attrs['COUNTERPART_COUNTRY']}) obs {j}"
            raw_period = o.get("TIME_PERIOD")
            if raw_period is None or not raw_period.strip():
                raise fail(f"{where}: TIME_PERIOD is missing")
            try:
                period = _period(raw_period)
            except ValueError:
                raise fail(f"{where}: TIME_PERIOD is {raw_period!r}, not a year or month") from None
            if period is None:
                dropped["quarterly observation"] += 1
                continue
            raw_value = o.get("OBS_VALUE")
            if raw_value is None or raw_value.strip() in ("", "NaN"):
                dropped["observation without a value"] += 1  # SDMX writes a missing value as NaN or not at all
                continue
            try:
                value = float(raw_value) * VALUE_MULTIPLIER
            except ValueError:
                raise fail(f"{where}: OBS_VALUE is {raw_value!r}, not a number") from None
            if not math.isfinite(value) or value < 0:
                raise fail(f"{where}: OBS_VALUE is {raw_value!r}, not a finite amount >= 0")
            rows.append(
                {
                    "reporter": reporter[0],
                    "partner": partner[0],
                    "partner_kind": partner[1],
                    "flow": INDICATORS[indicator],
                    "period": period,
                    "value_usd": value,
                    "estimated": o.get("OBS_STATUS", "") in ESTIMATED_OBS_STATUS,
                }
            )
    if dropped:
        log.info("%s: skipped %s", source_url, ", ".join(f"{n} x {what}" for what, n in sorted(dropped.items())))
    if not rows:
        raise EmptyResultError(
            "no observations left after skipping groups and other series", source=SOURCE, url=source_url
        )
    return _frame(rows, source_url=source_url, stamp=stamp, fail=fail)


def _area(code: str) -> tuple[str, str] | None:
    """``(iso3, partner_kind)`` for an IMTS area code; ``None`` for a group econsec does not keep."""
    code = code.strip()
    if code in COUNTERPART_GROUPS:
        return COUNTERPART_GROUPS[code]
    if _country(code):
        return code, "country"
    return None


def _country(code: str) -> bool:
    """An upper-case ISO 3166-1 alpha-3 code of a country (pycountry alone ignores case)."""
    return bool(_ISO3.match(code)) and is_iso3(code)


def _frame(rows: list[dict[str, object]], *, source_url: str, stamp: pd.Timestamp, fail) -> pd.DataFrame:  # type: ignore[no-untyped-def]
    frame = pd.DataFrame(rows)
    frame["hs_code"] = "TOTAL"
    dup = frame.duplicated(TRADE_KEY, keep=False)
    if dup.any():
        for values, group in frame[dup].groupby(TRADE_KEY, sort=False):
            if group["value_usd"].nunique() > 1:
                raise fail(
                    f"observations disagree for {dict(zip(TRADE_KEY, values, strict=True))}: "
                    f"{group['value_usd'].tolist()}"
                )
        log.info("%s: dropped %d repeated observations", source_url, int(frame.duplicated(TRADE_KEY).sum()))
        frame = frame.drop_duplicates(TRADE_KEY, keep="first")
    n = len(frame)
    out = pd.DataFrame(
        {
            "reporter": frame["reporter"].astype("str"),
            "partner": frame["partner"].astype("str"),
            "partner_kind": frame["partner_kind"].astype("str"),
            "flow": frame["flow"].astype("str"),
            "hs_code": frame["hs_code"].astype("str"),
            "period": frame["period"].astype("str"),
            "value_usd": frame["value_usd"].astype("float64"),
            "net_weight_kg": pd.Series([float("nan")] * n, index=frame.index, dtype="float64"),
            "estimated": frame["estimated"].astype("bool"),
            "source": pd.Series(SOURCE, index=frame.index, dtype="str"),
            "source_url": pd.Series(source_url, index=frame.index, dtype="str"),
            "retrieved_at": pd.Series(stamp, index=frame.index, dtype="datetime64[us, UTC]"),
        },
        columns=list(TRADE_COLUMNS),
    )
    out = out.sort_values(TRADE_KEY, kind="stable", ignore_index=True)
    return validate_trade(out)
