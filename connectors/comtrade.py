"""UN Comtrade API v1: goods trade by reporter, partner, flow, HS code and period.

Fetching (network) is split from parsing (pure), as in pandas-datareader::

    query = ComtradeQuery(reporters=("USA",), partners=("CHN", "WLD"), periods=("2023",),
                          cmd_codes=("8542",), flows=("M",))
    raws = fetch(query)                                  # list[RawResponse], one per API call
    frame = parse(raws[0].content, source_url=raws[0].url, retrieved_at=raws[0].retrieved_at)
    frame = read(query)                                  # both, all calls concatenated

Endpoints (``{base}`` = ``ECONSEC_COMTRADE_BASE_URL``, default https://comtradeapi.un.org):

* keyed: ``{base}/data/v1/get/{typeCode}/{freqCode}/{clCode}``, key in the
  ``Ocp-Apim-Subscription-Key`` header (never in the URL, so it cannot leak into logs),
  at most :data:`MAX_RECORDS_KEYED` rows per call;
* keyless preview: ``{base}/public/v1/preview/{typeCode}/{freqCode}/{clCode}``,
  at most :data:`MAX_RECORDS_PREVIEW` rows per call, heavily rate limited.

Quirks handled here (details in the data folder's API_FORMATS.md section 1):

* The JSON envelope is ``{"elapsedTime", "count", "data": [...], "error": ""}``; an empty result
  is HTTP 200 with ``count 0`` (-> :class:`EmptyResultError`), API messages come in ``error``.
* A result of exactly ``maxRecords`` rows was cut by the API: we refuse it (:class:`ParseError`).
* Without ``partner2Code=0&customsCode=C00&motCode=0`` the API adds breakdown rows by second
  partner / customs procedure / transport mode that double count; we pin them in requests and
  filter on them when parsing (extracts downloaded by others often lack the pins).
* Partner 0 is World; Taiwan is reported as 490 "Other Asia, nes" (-> TWN, see econsec.countries).
* ``cmdCode`` is text ("2504", "01"), but spreadsheets turn it into a number: re-pad to 2/4/6 digits.
* CSV downloads are Latin-1 with a trailing comma on every data row; booleans are "true"/"false".
"""

from __future__ import annotations

import io
import json
import logging
import math
import re
import warnings
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import lru_cache
from importlib import resources
from pathlib import Path

import numpy as np
import pandas as pd
import requests

from connectors import http
from connectors.payload import decode
from connectors.payload import snippet as _snippet
from connectors.payload import utc as _utc
from econsec import settings
from econsec.countries import comtrade_to_iso3
from econsec.errors import ConfigError, EmptyResultError, ParseError, SourceError
from econsec.schema import TRADE_KEY, WORLD, finish, validate_trade

log = logging.getLogger(__name__)

SOURCE = "un_comtrade"
TABLE = "trade"

#: Partner code of the World total (partnerISO "W00").
PARTNER_WORLD = 0
#: Taiwan's trade is reported under 490 "Other Asia, nes".
PARTNER_TAIWAN = 490
#: Pinned "no breakdown" values; any other value is a component of the total row.
PARTNER2_WORLD = 0
CUSTOMS_TOTAL = "C00"
MOT_TOTAL = 0

#: Documented row caps per call; a response holding exactly this many rows was truncated.
MAX_RECORDS_KEYED = 250_000
MAX_RECORDS_PREVIEW = 500
#: The API rejects calls with more than 12 periods, so longer queries are split.
MAX_PERIODS_PER_CALL = 12

KEY_HEADER = "Ocp-Apim-Subscription-Key"
KEYED_PATH = "/data/v1/get"
PREVIEW_PATH = "/public/v1/preview"

#: Comtrade flowCode -> schema flow.
FLOWS = {"M": "import", "X": "export", "RM": "re-import", "RX": "re-export"}
#: Domestic exports (DX) and foreign imports (FM) are components of X and M for the reporters
#: that publish them; keeping them next to X/M would count the same goods twice.
COMPONENT_FLOWS = frozenset({"DX", "FM"})

#: Residual partners without an ISO3 ("Areas, nes" 899, "Bunkers" 837, "Free Zones" 838,
#: "Special Categories" 839, regional "nes" codes, ...) are summed into one partner per
#: reporter/flow/code/period with this code. "QNE" lies in ISO 3166-1's user-assigned range
#: QMA-QZZ, which ISO guarantees never to give a country, and no other source econsec reads
#: uses it (unlike X.. codes, e.g. World Bank XKX for Kosovo); "NE" stands for "n.e.s.".
PARTNER_AREAS = "QNE"

REQUIRED_FIELDS = ("reporterCode", "partnerCode", "flowCode", "cmdCode", "period", "primaryValue")

_ISO3 = re.compile(r"^[A-Z]{3}$")
_PERIOD = re.compile(r"^(\d{4})(?:-(0[1-9]|1[0-2]))?$")
_HS = re.compile(r"^(\d{2}|\d{4}|\d{6})$")
_CMD_SPECIAL = ("TOTAL", "AG2", "AG4", "AG6")
_CLASSIFICATIONS = ("HS", "H0", "H1", "H2", "H3", "H4", "H5", "H6")


# --------------------------------------------------------------------------- query


@lru_cache(maxsize=1)
def _iso3_to_code() -> dict[str, int]:
    """ISO3 -> the Comtrade code in current use.

    Several codes share an ISO3 (USA 840/841/842, India 356/699, France 250/251, Taiwan 158/490,
    ...). Pick the code with no exit year, then the latest entry year, then the highest code:
    Comtrade's own country variants (842, 251, 579, 757) and 490 for Taiwan are the higher ones.
    """
    path = resources.files("econsec") / "reference" / "comtrade_partner_areas.csv"
    with resources.as_file(path) as p:
        ref = pd.read_csv(p, dtype={"iso_3": "str"}, keep_default_na=False)
    best: dict[str, tuple[tuple[bool, float, int], int]] = {}
    for code, entry, exit_ in zip(ref["id"].astype(int), ref["entry_year"], ref["exit_year"], strict=True):
        try:
            iso3, kind = comtrade_to_iso3(code)
        except KeyError:  # pragma: no cover - same file
            continue
        if kind == "area" or not iso3:
            continue
        rank = (exit_ == "", float(entry) if entry != "" else 0.0, code)
        if iso3 not in best or rank > best[iso3][0]:
            best[iso3] = (rank, code)
    return {iso3: code for iso3, (_, code) in best.items()}


def comtrade_code(iso3: str) -> int:
    """Comtrade code for an ISO3 (or WLD -> 0); ConfigError if Comtrade has none."""
    try:
        return _iso3_to_code()[iso3]
    except KeyError:
        raise ConfigError(f"{iso3!r} is not an ISO3 code Comtrade knows") from None


def _as_tuple(name: str, value: object, *, allow_none: bool = False) -> tuple[str, ...] | None:
    if value is None and allow_none:
        return None
    if isinstance(value, str) or not isinstance(value, Iterable):
        raise ConfigError(f"ComtradeQuery.{name} must be a tuple of strings, got {value!r}")
    items = tuple(value)
    if not items:
        raise ConfigError(f"ComtradeQuery.{name} is empty")
    for item in items:
        if not isinstance(item, str):
            raise ConfigError(f"ComtradeQuery.{name} holds {item!r}, not a string")
    if len(set(items)) != len(items):
        raise ConfigError(f"ComtradeQuery.{name} repeats a value: {items!r}")
    return items


@dataclass(frozen=True)
class ComtradeQuery:
    """One Comtrade question. ``partners=None`` asks for every partner, World included."""

    reporters: tuple[str, ...]
    partners: tuple[str, ...] | None
    periods: tuple[str, ...]
    cmd_codes: tuple[str, ...]
    flows: tuple[str, ...] = ("M",)
    freq: str | None = None  # "A" | "M"; derived from the periods when None
    type_code: str = "C"
    classification: str = "HS"
    include_desc: bool = True

    def __post_init__(self) -> None:
        set_ = object.__setattr__  # frozen: normalise in place once
        set_(self, "reporters", _as_tuple("reporters", self.reporters))
        set_(self, "partners", _as_tuple("partners", self.partners, allow_none=True))
        set_(self, "periods", _as_tuple("periods", self.periods))
        set_(self, "cmd_codes", _as_tuple("cmd_codes", self.cmd_codes))
        set_(self, "flows", _as_tuple("flows", self.flows))

        for iso3 in self.reporters:
            if not _ISO3.match(iso3) or iso3 == WORLD:
                raise ConfigError(f"reporter {iso3!r} is not a country ISO3 code")
            comtrade_code(iso3)
        for iso3 in self.partners or ():
            if not _ISO3.match(iso3):
                raise ConfigError(f"partner {iso3!r} is not an ISO3 code (or {WORLD})")
            comtrade_code(iso3)

        freqs = set()
        for period in self.periods:
            match = _PERIOD.match(period)
            if not match:
                raise ConfigError(f"period {period!r} is not YYYY or YYYY-MM")
            freqs.add("M" if match.group(2) else "A")
        if len(freqs) > 1:
            raise ConfigError(f"periods mix years and months: {self.periods!r}")
        derived = freqs.pop()
        if self.freq is None:
            set_(self, "freq", derived)
        elif self.freq not in ("A", "M"):
            raise ConfigError(f"freq {self.freq!r} must be 'A' or 'M'")
        elif self.freq != derived:
            raise ConfigError(f"freq {self.freq!r} does not match periods {self.periods!r}")

        for code in self.cmd_codes:
            if code not in _CMD_SPECIAL and not _HS.match(code):
                raise ConfigError(f"cmd code {code!r} is not 2, 4 or 6 HS digits, TOTAL or AG2/AG4/AG6")
        for flow in self.flows:
            if flow not in FLOWS:
                raise ConfigError(f"flow {flow!r} must be one of {sorted(FLOWS)}")
        if self.type_code != "C":
            raise ConfigError(f"type_code {self.type_code!r}: only goods ('C') fit the trade schema")
        if self.classification not in _CLASSIFICATIONS:
            raise ConfigError(f"classification {self.classification!r} must be one of {_CLASSIFICATIONS}")
        if not isinstance(self.include_desc, bool):
            raise ConfigError(f"include_desc must be True or False, got {self.include_desc!r}")

    def chunks(self, size: int = MAX_PERIODS_PER_CALL) -> list[ComtradeQuery]:
        """This query split into queries of at most ``size`` periods each."""
        periods = self.periods
        return [
            ComtradeQuery(
                reporters=self.reporters,
                partners=self.partners,
                periods=periods[i : i + size],
                cmd_codes=self.cmd_codes,
                flows=self.flows,
                freq=self.freq,
                type_code=self.type_code,
                classification=self.classification,
                include_desc=self.include_desc,
            )
            for i in range(0, len(periods), size)
        ]


def _join(values: Iterable[object]) -> str:
    return ",".join(str(v) for v in values)


def build_request(query: ComtradeQuery, api_key: str | None) -> tuple[str, dict[str, str], dict[str, str]]:
    """``(url, params, headers)`` for one call. The key, if any, goes only into the headers."""
    base = settings.base_url("comtrade")
    path = KEYED_PATH if api_key else PREVIEW_PATH
    url = f"{base}{path}/{query.type_code}/{query.freq}/{query.classification}"
    params = {
        "reporterCode": _join(comtrade_code(r) for r in query.reporters),
        "period": _join(p.replace("-", "") for p in query.periods),
        "cmdCode": _join(query.cmd_codes),
        "flowCode": _join(query.flows),
        # Pin the totals so the API does not add breakdown rows that double count (section 1.5).
        "partner2Code": str(PARTNER2_WORLD),
        "customsCode": CUSTOMS_TOTAL,
        "motCode": str(MOT_TOTAL),
        "includeDesc": "TRUE" if query.include_desc else "FALSE",
        "maxRecords": str(MAX_RECORDS_KEYED if api_key else MAX_RECORDS_PREVIEW),
    }
    if query.partners is not None:
        params["partnerCode"] = _join(comtrade_code(p) for p in query.partners)
    headers = {KEY_HEADER: api_key} if api_key else {}
    return url, params, headers


# --------------------------------------------------------------------------- fetch


def fetch_raw(query: ComtradeQuery, *, session: requests.Session | None = None) -> http.RawResponse:
    """One API call for ``query`` (at most 12 periods); refuses a result the API truncated."""
    if len(query.periods) > MAX_PERIODS_PER_CALL:
        raise ConfigError(
            f"{len(query.periods)} periods in one call; the API accepts {MAX_PERIODS_PER_CALL} (use fetch)"
        )
    api_key = settings.secret("COMTRADE_API_KEY")
    url, params, headers = build_request(query, api_key)
    raw = http.get(SOURCE, url, params, headers, session=session)
    _check_not_truncated(raw, int(params["maxRecords"]))
    return raw


def fetch(query: ComtradeQuery, *, session: requests.Session | None = None) -> list[http.RawResponse]:
    """Every call needed for ``query``: one per chunk of at most 12 periods, sharing one session."""
    session = session or http.make_session()
    return [fetch_raw(chunk, session=session) for chunk in query.chunks()]


#: What the dashboard asks Comtrade for: US and Japanese imports, from every partner, of the
#: HS codes in the product groups, for the years the bundled snapshot covers and after.
DEFAULT_REPORTERS = ("USA", "JPN")
DEFAULT_FIRST_YEAR = 2018


def default_queries(last_year: int | None = None) -> list[ComtradeQuery]:
    """With a key: one query per reporter (all codes, all years). Without one, the keyless
    preview returns at most 500 rows a call, so ask for one code and one year at a time."""
    from indicators.products import PRODUCT_GROUPS

    last_year = last_year or datetime.now(UTC).year - 1
    codes = tuple(sorted({code for group in PRODUCT_GROUPS for code in group.hs_codes}))
    years = tuple(str(y) for y in range(DEFAULT_FIRST_YEAR, last_year + 1))
    if settings.secret("COMTRADE_API_KEY"):
        return [ComtradeQuery(reporters=(r,), partners=None, periods=years, cmd_codes=codes, flows=("M",))
                for r in DEFAULT_REPORTERS]
    return [ComtradeQuery(reporters=(r,), partners=None, periods=(y,), cmd_codes=(c,), flows=("M",))
            for r in DEFAULT_REPORTERS for c in codes for y in years]


def read(query: ComtradeQuery, *, session: requests.Session | None = None) -> pd.DataFrame:
    """Fetch and parse ``query`` into one tidy trade frame; EmptyResultError if no call had rows."""
    frames = []
    for raw in fetch(query, session=session):
        try:
            frames.append(parse(raw.content, source_url=raw.url, retrieved_at=raw.retrieved_at))
        except EmptyResultError:
            log.info("no rows for %s", raw.url)
    if not frames:
        raise EmptyResultError("no rows for any period of the query", source=SOURCE)
    return validate_trade(pd.concat(frames, ignore_index=True))


def _check_not_truncated(raw: http.RawResponse, max_records: int) -> None:
    try:
        body = json.loads(raw.content)
    except ValueError:
        return  # not JSON: parse() reports it with the full story
    rows = body.get("data") if isinstance(body, dict) else None
    if isinstance(rows, list) and len(rows) >= max_records:
        raise ParseError(
            f"the API returned {len(rows)} rows = maxRecords, so the result was truncated; "
            "narrow the query (fewer reporters, partners, periods or codes)",
            source=SOURCE,
            url=raw.url,
        )


# --------------------------------------------------------------------------- parse


def parse(content: bytes | str, *, source_url: str, retrieved_at: datetime) -> pd.DataFrame:
    """Tidy trade frame from a Comtrade JSON response body."""

    def fail(message: str) -> ParseError:
        return ParseError(message, source=SOURCE, url=source_url)

    text = decode(content, fail)
    stripped = text.lstrip()
    if not stripped:
        raise fail("the response body is empty")
    if stripped.startswith("<"):
        raise fail(f"expected JSON, got an HTML/XML page: {_snippet(stripped)!r}")
    try:
        body = json.loads(text)
    except json.JSONDecodeError as exc:
        if not text.rstrip().endswith(("}", "]")):
            # A complete envelope ends with "}"; anything else was cut off on the way.
            raise fail(f"the JSON ends early (truncated body?, {len(text)} characters): {exc.msg}") from None
        raise fail(f"malformed JSON: {exc.msg} at line {exc.lineno} column {exc.colno}") from None
    if not isinstance(body, dict):
        raise fail(f"expected a JSON object with 'data', got {type(body).__name__}")
    error = body.get("error")
    if error not in (None, ""):
        raise fail(f"the API reported an error: {error}")
    if "data" not in body:
        # Gateway errors (bad key, quota) come as {"statusCode": ..., "message": ...}.
        extra = f": {body['message']}" if "message" in body else ""
        raise fail(f"the response has no 'data' field{extra}")
    rows = body["data"]
    if rows is None or (isinstance(rows, list) and not rows):
        raise EmptyResultError("the API returned no rows (count 0)", source=SOURCE, url=source_url)
    if not isinstance(rows, list):
        raise fail(f"'data' is a {type(rows).__name__}, not a list of rows")
    for i, row in enumerate(rows):
        if not isinstance(row, dict):
            raise fail(f"row {i} is a {type(row).__name__}, not an object")
    return parse_records(rows, source_url=source_url, retrieved_at=retrieved_at)


def parse_csv(content: bytes, *, source_url: str, retrieved_at: datetime) -> pd.DataFrame:
    """Tidy trade frame from a Comtrade CSV download (Latin-1, trailing comma on data rows)."""
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = content.decode("latin-1")  # what Comtrade's CSV downloads are; never fails
    try:
        with warnings.catch_warnings():
            # pandas only warns when a row has more fields than the header (it would drop the extra
            # ones, shifting nothing but losing data): a damaged file, not something to store.
            warnings.simplefilter("error", pd.errors.ParserWarning)
            # index_col=False: every data row ends with a comma (one field more than the header);
            # without it pandas would take the first column as the index and shift the others.
            frame = pd.read_csv(
                io.StringIO(text), dtype=str, keep_default_na=False, na_values=[""], index_col=False
            )
    except pd.errors.ParserWarning:
        raise ParseError("unreadable CSV: a data row has more fields than the header (a damaged download?)",
                         source=SOURCE, url=source_url) from None
    except (pd.errors.ParserError, pd.errors.EmptyDataError, ValueError) as exc:
        raise ParseError(f"unreadable CSV: {exc}", source=SOURCE, url=source_url) from None
    return parse_records(frame, source_url=source_url, retrieved_at=retrieved_at)


def read_extract(path: Path | str, *, retrieved_at: datetime, source_url: str | None = None) -> pd.DataFrame:
    """Parse a saved Comtrade extract (.csv or .xlsx); ``retrieved_at`` = when it was downloaded.

    ``source_url`` defaults to ``file:<path>``; the snapshot build passes ``file:<name>`` so that
    stored provenance does not depend on where the shared folder sat on the building machine."""
    source_url = source_url or f"file:{path}"
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix not in (".csv", ".xlsx"):
        raise ConfigError(f"{path}: a Comtrade extract must be .csv or .xlsx")
    try:
        if suffix == ".csv":
            content = path.read_bytes()
        else:
            with warnings.catch_warnings():
                # openpyxl warns about workbooks written without a default style; harmless.
                warnings.filterwarnings("ignore", message="Workbook contains no default style")
                frame = pd.read_excel(path, sheet_name=0)
    except OSError as exc:
        raise SourceError(
            f"cannot read the extract: {exc.strerror or exc}", source=SOURCE, url=source_url
        ) from None
    except Exception as exc:  # noqa: BLE001 - openpyxl/zipfile raise BadZipFile, KeyError, XML errors... on a bad file
        raise ParseError(f"unreadable workbook {path.name} ({type(exc).__name__}: {exc})",
                         source=SOURCE, url=source_url) from None
    if suffix == ".csv":
        return parse_csv(content, source_url=source_url, retrieved_at=retrieved_at)
    return parse_records(frame, source_url=source_url, retrieved_at=retrieved_at)


def parse_records(
    records: Sequence[dict] | pd.DataFrame, *, source_url: str, retrieved_at: datetime
) -> pd.DataFrame:
    """The core shared by JSON, CSV and xlsx: Comtrade rows -> validated tidy trade frame.

    Row numbers in error messages count data rows from 0 in the order given.
    """

    def fail(message: str) -> ParseError:
        return ParseError(message, source=SOURCE, url=source_url)

    stamp = _utc(retrieved_at)
    if isinstance(records, pd.DataFrame):
        raw = records.reset_index(drop=True)
    else:
        raw = pd.DataFrame.from_records(list(records)) if len(records) else pd.DataFrame()
    if raw.empty:
        raise EmptyResultError("no rows", source=SOURCE, url=source_url)
    missing = [f for f in REQUIRED_FIELDS if f not in raw.columns]
    if missing:
        raise fail(f"field {missing[0]!r} is missing from every row")

    # 1. Type-check every row first, so row numbers refer to the input.
    reporter = _ints(raw["reporterCode"], "reporterCode", fail)
    partner = _ints(raw["partnerCode"], "partnerCode", fail)
    flow_code = _texts(raw["flowCode"], "flowCode", fail)
    hs_code = _cmd_codes(raw["cmdCode"], fail)
    period = _periods(raw["period"], fail)
    value = _floats(raw["primaryValue"], "primaryValue", fail, required=True)
    weight = _floats(raw["netWgt"], "netWgt", fail) if "netWgt" in raw else pd.Series(np.nan, raw.index)
    # TradeDataItems.json: isReported = "the record is reported by the country", isAggregate =
    # "the record is aggregated by UNSD". A record that is neither was estimated by UNSD. An
    # aggregate (e.g. the World partner row, an HS4 summed from HS6, or a total summed from a
    # partner2 breakdown) is not reported as such but is a sum of reported figures, not an
    # estimate. legacyEstimationFlag is documented as a *quantity* estimation flag (0 none,
    # 2 quantity, 4 weight, 6 both in the old API) and says nothing about the value.
    reported = _flags(raw, "isReported", fail, default=True)
    aggregate = _flags(raw, "isAggregate", fail, default=False)
    estimated = ~reported & ~aggregate

    # 2. Keep the totals only: breakdown rows are components of the total row (section 1.5).
    keep = pd.Series(True, index=raw.index)
    for field, total in (("partner2Code", PARTNER2_WORLD), ("motCode", MOT_TOTAL)):
        if field in raw:
            keep &= _ints(raw[field], field, fail) == total
    if "customsCode" in raw:
        keep &= _texts(raw["customsCode"], "customsCode", fail) == CUSTOMS_TOTAL
    if (~keep).any():
        log.info("%s: dropped %d breakdown rows (partner2/customs/transport mode)", source_url, (~keep).sum())

    # 3. Flows. DX/FM are parts of X/M (see COMPONENT_FLOWS); anything else is undocumented.
    component = flow_code.isin(COMPONENT_FLOWS)
    unknown = ~flow_code.isin(FLOWS) & ~component & keep
    if unknown.any():
        i = int(unknown.idxmax())
        raise fail(f"row {i}: unknown flowCode {flow_code[i]!r}")
    if (component & keep).any():
        log.info("%s: dropped %d DX/FM rows (components of X/M)", source_url, (component & keep).sum())
    keep &= ~component

    rows = pd.DataFrame(
        {
            "reporter_code": reporter,
            "partner_code": partner,
            "flow": flow_code.map(FLOWS),
            "hs_code": hs_code,
            "period": period,
            "value_usd": value,
            "net_weight_kg": weight.where(weight > 0),
            "estimated": estimated,
        }
    )[keep]
    if rows.empty:
        raise EmptyResultError("no rows left after dropping breakdown rows", source=SOURCE, url=source_url)

    # 4. Exact repeats of a row are harmless; repeats that disagree cannot be resolved.
    rows = _dedupe(rows, ["reporter_code", "partner_code", "flow", "hs_code", "period"], fail)

    # 5. Codes -> ISO3.
    reporters = _lookup(rows["reporter_code"], "reporter", fail)
    if (reporters["kind"] != "country").any():
        code = rows["reporter_code"][reporters["kind"] != "country"].iloc[0]
        raise fail(f"reporter code {code} is not a country")
    partners = _lookup(rows["partner_code"], "partner", fail)
    rows["reporter"] = reporters["iso3"]
    rows["partner"] = partners["iso3"].where(partners["kind"] != "area", PARTNER_AREAS)
    rows["partner_kind"] = partners["kind"]

    # 6. Residual areas have no ISO3: one summed row per key (they are disjoint partners).
    areas = rows["partner_kind"] == "area"
    if areas.any():
        summed = (
            rows[areas]
            .groupby(TRADE_KEY, sort=False)
            .agg(
                value_usd=("value_usd", "sum"),
                net_weight_kg=("net_weight_kg", lambda s: s.sum() if s.notna().all() else np.nan),
                estimated=("estimated", "any"),
                partner_code=("partner_code", "min"),
            )
            .reset_index()
        )
        summed["partner_kind"] = "area"
        rows = pd.concat([rows[~areas], summed], ignore_index=True)

    # 7. Two Comtrade codes for one ISO3 (e.g. 280/276 Germany) in the same key.
    rows = _dedupe(rows, TRADE_KEY, fail)

    return finish("trade", rows, source=SOURCE, source_url=source_url, retrieved_at=stamp)


# --------------------------------------------------------------------------- helpers






def _is_missing(value: object) -> bool:
    return value is None or value is pd.NA or (isinstance(value, float) and math.isnan(value))


def _bad(series: pd.Series, ok: pd.Series, field: str, what: str, fail) -> None:  # type: ignore[no-untyped-def]
    if not ok.all():
        i = int((~ok).to_numpy().argmax())
        value = series.iloc[i]
        value = value.item() if isinstance(value, np.generic) else value  # 1.5, not np.float64(1.5)
        problem = "is missing" if _is_missing(value) else f"is {value!r}, not {what}"
        raise fail(f"row {i}: {field} {problem}")


def _ints(series: pd.Series, field: str, fail) -> pd.Series:  # type: ignore[no-untyped-def]
    """Integer codes from ints, integral floats or digit strings (not bools, not blanks)."""
    if pd.api.types.is_integer_dtype(series.dtype) and not pd.api.types.is_bool_dtype(series.dtype):
        return series.astype("int64")

    def convert(v: object) -> int | None:
        if isinstance(v, bool | np.bool_):
            return None
        if isinstance(v, int | np.integer):
            n = int(v)
        elif isinstance(v, float | np.floating):
            n = int(v) if math.isfinite(v) and float(v).is_integer() else None
        elif isinstance(v, str) and re.fullmatch(r"\s*-?\d{1,19}\s*", v):
            n = int(v)
        else:
            return None
        # A code beyond int64 is no Comtrade code (and would overflow the column).
        return n if n is not None and -(2**63) <= n < 2**63 else None

    converted = series.map(convert).astype("object")
    _bad(series, converted.notna(), field, "an integer code", fail)
    return converted.astype("int64")


def _texts(series: pd.Series, field: str, fail) -> pd.Series:  # type: ignore[no-untyped-def]
    ok = series.map(lambda v: isinstance(v, str) and v.strip() != "").astype(bool)
    _bad(series, ok, field, "a text code", fail)
    return series.map(str.strip).astype("str")


def _floats(series: pd.Series, field: str, fail, *, required: bool = False) -> pd.Series:  # type: ignore[no-untyped-def]
    """Numbers from numeric cells or numeric strings; blanks are NaN unless ``required``."""
    if pd.api.types.is_float_dtype(series.dtype) or (
        pd.api.types.is_integer_dtype(series.dtype) and not pd.api.types.is_bool_dtype(series.dtype)
    ):
        out = series.astype("float64")
    else:
        bad = np.nan  # the flag next to the number tells a bad cell from a blank one

        def convert(v: object) -> tuple[float, bool]:
            if _is_missing(v):
                return np.nan, True
            if isinstance(v, bool | np.bool_):
                return bad, False
            if isinstance(v, int | float | np.integer | np.floating):
                return float(v), True
            if isinstance(v, str):
                try:
                    return (float(v) if v.strip() else np.nan), True
                except ValueError:
                    return bad, False
            return bad, False

        pairs = [convert(v) for v in series]
        ok = pd.Series([good for _, good in pairs], index=series.index, dtype=bool)
        _bad(series, ok, field, "a number", fail)
        out = pd.Series([number for number, _ in pairs], index=series.index, dtype="float64")
    ok = out.map(math.isfinite) if required else ~np.isinf(out)
    _bad(series, ok.astype(bool), field, "a finite number", fail)
    return out


def _flags(raw: pd.DataFrame, field: str, fail, *, default: bool) -> pd.Series:  # type: ignore[no-untyped-def]
    """Booleans from JSON/xlsx bools or CSV text ("true"/"false", also Python's "True"/"False")."""
    if field not in raw:
        return pd.Series(default, index=raw.index, dtype=bool)
    words = {"true": True, "false": False, "1": True, "0": False}

    def convert(v: object) -> bool | None:
        if isinstance(v, bool | np.bool_):
            return bool(v)
        if isinstance(v, str):
            return words.get(v.strip().lower())
        return None

    converted = raw[field].map(convert).astype("object")
    _bad(raw[field], converted.notna(), field, "true or false", fail)
    return converted.astype(bool)


def _cmd_codes(series: pd.Series, fail) -> pd.Series:  # type: ignore[no-untyped-def]
    """HS codes as text. Spreadsheets store 2504 as a number and "01" as 1: pad to even length."""

    def convert(v: object) -> str | None:
        if isinstance(v, bool | np.bool_):
            return None
        if isinstance(v, float | np.floating) and math.isfinite(v) and float(v).is_integer():
            v = int(v)
        if isinstance(v, int | np.integer):
            v = str(int(v))
        if not isinstance(v, str):
            return None
        v = v.strip()
        if v == "TOTAL":
            return v
        if v.isdigit() and len(v) % 2:
            v = "0" + v
        return v if _HS.match(v) else None

    converted = series.map(convert).astype("object")
    _bad(series, converted.notna(), "cmdCode", "TOTAL or a 2, 4 or 6 digit HS code", fail)
    return converted.astype("str")


def _periods(series: pd.Series, fail) -> pd.Series:  # type: ignore[no-untyped-def]
    """Period text: "2019" stays "2019"; "201903" (or the number 201903) becomes "2019-03"."""

    def convert(v: object) -> str | None:
        if isinstance(v, bool | np.bool_):
            return None
        if isinstance(v, float | np.floating) and math.isfinite(v) and float(v).is_integer():
            v = int(v)
        if isinstance(v, int | np.integer):
            v = str(int(v))
        if not isinstance(v, str):
            return None
        v = v.strip()
        if re.fullmatch(r"\d{4}", v):
            return v
        if re.fullmatch(r"\d{4}(0[1-9]|1[0-2])", v):
            return f"{v[:4]}-{v[4:]}"
        return None

    converted = series.map(convert).astype("object")
    _bad(series, converted.notna(), "period", "YYYY or YYYYMM", fail)
    return converted.astype("str")


def _lookup(codes: pd.Series, role: str, fail) -> pd.DataFrame:  # type: ignore[no-untyped-def]
    table = {}
    for code in codes.unique():
        try:
            table[code] = comtrade_to_iso3(int(code))
        except KeyError:
            raise fail(f"unknown {role} code {int(code)} (not in Comtrade's partner list)") from None
    return pd.DataFrame(
        {"iso3": codes.map(lambda c: table[c][0]), "kind": codes.map(lambda c: table[c][1])},
        index=codes.index,
    )


def _dedupe(rows: pd.DataFrame, key: list[str], fail) -> pd.DataFrame:  # type: ignore[no-untyped-def]
    dup = rows.duplicated(key, keep=False)
    if not dup.any():
        return rows
    for values, group in rows[dup].groupby(key, sort=False):
        if group["value_usd"].nunique() > 1:
            codes = sorted(set(group["partner_code"].astype(int)))
            raise fail(
                f"rows disagree for {dict(zip(key, values, strict=True))} (partner codes {codes}): "
                f"values {group['value_usd'].tolist()}"
            )
    log.info("dropped %d repeated rows", int(rows.duplicated(key).sum()))
    return rows.drop_duplicates(key, keep="first")
