"""Loaders for Taiwan's (ROC) customs export statistics of integrated circuits, HS 8542, in US dollars.

The two bundled files (``shared/data/PROVENANCE.md`` §6) were downloaded from the Customs Administration's
statistics portal by ``a0013333j-png/data-visualization-labs`` and copied unchanged:

* ``taiwan_exports_hs8542_by_destination_2013_2025.csv`` (UTF-8 with BOM): ``Year``, ``Country`` (destination,
  **Chinese name**), ``HS Code`` (11-digit Taiwan CCC code), ``Description``, ``Export Value (USD)`` (dollars).
* ``taiwan_exports_hs8542_total_by_hs11_2013_2025.csv``: ``進出口別`` (flow: 出口總值(含復出口) = total exports
  incl. re-exports), ``日期`` (ROC year: 102年 = 2013; the last one is 114年1月~114年7月(初步值) = Jan-Jul 2025,
  preliminary), ``貨品號列`` (CCC code), ``中文貨名``, ``英文貨名``, ``美元(千元)`` (**thousand** US dollars).

Both go to the TRADE table: reporter TWN, flow export, ``hs_code`` = the first six digits of the CCC code (the
HS subheading), with values **summed over the 11-digit codes of each HS6** (the sum is checked exactly, in
cents, so no value is lost). Destination names go Chinese -> English through the repository author's helper
mapping (``econsec/reference/taiwan_country_names_zh_en.json``, not official), then English -> ISO3 through
pycountry, with :data:`NAME_EXCEPTIONS` for the names pycountry does not know. Both files agree: for every year
and HS6 the destinations add up to the total file's figure (checked on the bundled files, gap 0 to the cent).

"Exports incl. re-exports" is loaded as flow ``export``: the portal's total-export figure includes re-exports.
Taiwan has no API that econsec calls, so this module has loaders, not ``fetch``.
"""

from __future__ import annotations

import json
import re
from datetime import datetime
from functools import cache, lru_cache
from importlib import resources
from io import BytesIO
from pathlib import Path

import numpy as np
import pandas as pd
import pycountry

from econsec.errors import ParseError
from econsec.schema import validate_trade

SOURCE = "taiwan_customs"
TABLE = "trade"
REPORTER = "TWN"
FLOW = "export"

DESTINATION_COLUMNS = ("Year", "Country", "HS Code", "Description", "Export Value (USD)")
CODE_COLUMNS = ("進出口別", "日期", "貨品號列", "美元(千元)")
#: The only flow label in the total file: "total exports (including re-exports)".
TOTAL_EXPORTS_LABEL = "出口總值(含復出口)"
CCC_CODE = re.compile(r"^\d{11}$")

#: The destination file is in dollars with cents; the total file in thousand dollars with up to 5 decimals
#: (= cents). Values are summed as whole cents, which removes float noise in the files (5663.179999999999)
#: and makes "no value lost" an exact check. A value more than CENT_TOLERANCE cents off a whole cent is refused.
CENTS_PER_USD = 100
USD_PER_THOUSAND = 1e3  # 美元(千元) = thousand US dollars: value_usd = value x 1e3
CENT_TOLERANCE = 0.01

#: ROC (Minguo) calendar: ROC year + 1911 = Gregorian year.
ROC_OFFSET = 1911
#: 日期 labels of the total file: "102年" (a year) or "114年1月~114年7月(初步值)" (months, preliminary).
ROC_PERIOD = re.compile(r"^(?P<y>\d{2,3})年(?:(?P<m1>\d{1,2})月~(?P<y2>\d{2,3})年(?P<m2>\d{1,2})月)?"
                        r"(?P<prelim>\(初步值\))?$")

#: The destination file has no month column. Its last year, 2025, is partial: the total file labels the same
#: year "114年1月~114年7月(初步值)" (January-July 2025, preliminary), and the destination file's 2025 HS 8542
#: sum equals that figure exactly. A newer file must update this; :func:`parse_exports_by_destination`
#: refuses a file whose newest year is not this one. Included on request, its rows are flagged estimated
#: (the source calls them preliminary) and cover only the months the total file names.
PARTIAL_YEAR = "2025"

#: English names of the helper mapping that pycountry's exact lookup does not resolve -> (code, kind, why).
#: XKX (Kosovo) is the code the EU, IMF and World Bank use (ISO has not assigned one); ANT is the withdrawn
#: ISO 3166-3 code of the Netherlands Antilles (dissolved 2010, still a destination label in the source).
#: "Others" (其他國家) is the source's residual of unlisted destinations: an area, never a country.
NAME_EXCEPTIONS: dict[str, tuple[str, str, str]] = {
    "Turkey": ("TUR", "country", "ISO name is Türkiye"),
    "Russia": ("RUS", "country", "ISO name is Russian Federation"),
    "United States Virgin Islands": ("VIR", "country", "ISO name is Virgin Islands, U.S."),
    "Macau": ("MAC", "country", "ISO spelling is Macao"),
    "Ivory Coast": ("CIV", "country", "ISO name is Côte d'Ivoire"),
    "Democratic Republic of the Congo": ("COD", "country", "ISO name is Congo, The Democratic Republic of the"),
    "Brunei": ("BRN", "country", "ISO name is Brunei Darussalam"),
    "East Timor": ("TLS", "country", "ISO name is Timor-Leste"),
    "Reunion": ("REU", "country", "ISO spelling is Réunion"),
    "Micronesia": ("FSM", "country", "ISO name is Micronesia, Federated States of"),
    "Netherlands Antilles": ("ANT", "country", "dissolved 2010; withdrawn ISO 3166-3 code"),
    "Kosovo": ("XKX", "country", "no ISO code; XKX as used by the EU, IMF and World Bank"),
    "Others": ("QNE", "area", "the source's residual 'other countries'"),
}


@lru_cache(maxsize=1)
def country_names_zh_en() -> dict[str, str]:
    """The helper mapping of Chinese destination names to English (econsec/reference, not official)."""
    ref = resources.files("econsec") / "reference" / "taiwan_country_names_zh_en.json"
    return json.loads(ref.read_text(encoding="utf-8"))


@cache
def english_to_code(name: str) -> tuple[str, str]:
    """``(code, partner_kind)`` for an English name of the helper mapping; LookupError if unknown."""
    if name in NAME_EXCEPTIONS:
        code, kind, _why = NAME_EXCEPTIONS[name]
        return code, kind
    return pycountry.countries.lookup(name).alpha_3, "country"


def destination_code(name_zh: str) -> tuple[str, str]:
    """``(code, partner_kind)`` for a Chinese destination name; LookupError if it cannot be mapped.

    >>> destination_code("南韓")
    ('KOR', 'country')
    """
    return english_to_code(country_names_zh_en()[name_zh])


def _read(content: bytes, columns: tuple[str, ...], dtypes: dict[str, str], url: str) -> pd.DataFrame:
    try:
        # utf-8-sig drops the BOM of the destination file and reads BOM-less UTF-8 unchanged.
        raw = pd.read_csv(BytesIO(content), encoding="utf-8-sig", dtype=dtypes, keep_default_na=False,
                          na_values=[""])
    except (ValueError, UnicodeDecodeError, pd.errors.ParserError, pd.errors.EmptyDataError) as exc:
        raise ParseError(f"not a readable UTF-8 CSV: {exc}", source=SOURCE, url=url) from None
    missing = [c for c in columns if c not in raw.columns]
    if missing:
        raise ParseError(f"missing columns {missing}", source=SOURCE, url=url)
    if raw.empty:
        raise ParseError("the file has no data rows", source=SOURCE, url=url)
    return raw


#: Whole cents are kept as int64; a value beyond this (US$ 90 quadrillion) is a damaged cell, not trade.
MAX_CENTS = 2.0**63 / 1000


def _cents(values: pd.Series, usd_per_unit: float, column: str, url: str) -> pd.Series:
    """Whole cents (int64) from a value column in ``usd_per_unit`` dollars; ParseError on a bad value."""
    numbers = pd.to_numeric(values, errors="coerce").astype("float64")
    bad = values.index[~np.isfinite(numbers) | (numbers < 0)].tolist()  # NaN, "inf", "1e309", negatives
    if bad:
        raise ParseError(f"{column} is not a non-negative number in rows {bad[:5]}", source=SOURCE, url=url)
    too_big = values.index[numbers * (usd_per_unit * CENTS_PER_USD) >= MAX_CENTS].tolist()
    if too_big:
        raise ParseError(f"{column} is absurdly large in rows {too_big[:5]} (more than US$ {MAX_CENTS / 100:.0e})",
                         source=SOURCE, url=url)
    cents = numbers.to_numpy(dtype="float64") * (usd_per_unit * CENTS_PER_USD)
    bad = values.index[np.abs(cents - np.round(cents)) > CENT_TOLERANCE].tolist()
    if bad:
        raise ParseError(f"{column} is not a whole number of cents in rows {bad[:5]}", source=SOURCE, url=url)
    return pd.Series(np.round(cents).astype("int64"), index=values.index)


def _check_codes(codes: pd.Series, column: str, url: str) -> None:
    bad = codes.index[~codes.fillna("").str.fullmatch(CCC_CODE)].tolist()
    if bad:
        raise ParseError(f"{column} is not an 11-digit CCC code in rows {bad[:5]}: "
                         f"{codes.loc[bad[:5]].tolist()}", source=SOURCE, url=url)


def _tidy(frame: pd.DataFrame, *, url: str, retrieved_at: datetime) -> pd.DataFrame:
    """Sum whole cents over the 11-digit codes of each HS6 and build TRADE rows (asserting nothing is lost)."""
    frame = frame.assign(hs_code=frame["ccc"].str.slice(0, 6))
    keys = ["partner", "partner_kind", "hs_code", "period", "estimated"]
    summed = frame.groupby(keys, as_index=False, sort=True)["cents"].sum()
    before, after = int(frame["cents"].sum()), int(summed["cents"].sum())
    assert before == after, f"summing to HS6 changed the total: {before} != {after} cents"
    tidy = pd.DataFrame(
        {
            "reporter": REPORTER,
            "partner": summed["partner"].astype("str"),
            "partner_kind": summed["partner_kind"].astype("str"),
            "flow": FLOW,
            "hs_code": summed["hs_code"].astype("str"),
            "period": summed["period"].astype("str"),
            "value_usd": summed["cents"].to_numpy(dtype="float64") / CENTS_PER_USD,
            "net_weight_kg": np.nan,
            "estimated": summed["estimated"].astype("bool"),
            "source": SOURCE,
            "source_url": url,
            "retrieved_at": pd.Timestamp(retrieved_at).tz_convert("UTC").as_unit("us"),
        }
    )
    tidy = tidy.astype({c: "str" for c in ("reporter", "flow", "source", "source_url")})
    tidy["net_weight_kg"] = tidy["net_weight_kg"].astype("float64")
    return validate_trade(tidy)


def parse_exports_by_destination(
    content: bytes, *, source_url: str, retrieved_at: datetime, include_partial_year: bool = False
) -> pd.DataFrame:
    """TRADE rows (TWN exports by destination, HS6 under 8542) from the destination file's bytes."""
    url = source_url
    raw = _read(content, DESTINATION_COLUMNS, {"Country": "str", "HS Code": "str"}, url)
    years = pd.to_numeric(raw["Year"], errors="coerce")
    bad = raw.index[years.isna() | (years != years.round()) | (years < 1900) | (years > 2999)].tolist()
    if bad:
        raise ParseError(f"Year is not a four-digit year in rows {bad[:5]}", source=SOURCE, url=url)
    period = years.astype(int).astype("str")
    newest = str(period.max())
    if newest != PARTIAL_YEAR:
        raise ParseError(f"the newest year in the file is {newest}, but PARTIAL_YEAR is {PARTIAL_YEAR}: check "
                         f"whether {newest} is a complete year and update PARTIAL_YEAR", source=SOURCE, url=url)
    _check_codes(raw["HS Code"], "HS Code", url)

    names = raw["Country"].fillna("")
    mapping = country_names_zh_en()
    unmapped = sorted(set(names) - set(mapping))
    if unmapped:
        raise ParseError(f"destination names not in taiwan_country_names_zh_en.json: {unmapped}", source=SOURCE,
                         url=url)
    codes: dict[str, tuple[str, str]] = {}
    unknown: list[str] = []
    for zh in sorted(set(names)):
        try:
            codes[zh] = destination_code(zh)
        except LookupError:
            unknown.append(f"{zh} ({mapping[zh]})")
    if unknown:
        raise ParseError(f"destination names with no ISO3 (add them to NAME_EXCEPTIONS): {unknown}", source=SOURCE,
                         url=url)
    clash = pd.Series({zh: c for zh, (c, _k) in codes.items()})
    clash = clash[clash.duplicated(keep=False)]
    if not clash.empty:
        raise ParseError(f"different destination names map to the same code: {clash.to_dict()}", source=SOURCE,
                         url=url)

    frame = pd.DataFrame(
        {
            "partner": names.map(lambda n: codes[n][0]),
            "partner_kind": names.map(lambda n: codes[n][1]),
            "ccc": raw["HS Code"],
            "period": period,
            "estimated": period == PARTIAL_YEAR,
            "cents": _cents(raw["Export Value (USD)"], 1.0, "Export Value (USD)", url),
        }
    )
    dupes = frame.duplicated(["partner", "ccc", "period"], keep=False)
    if dupes.any():
        first = raw.loc[dupes, ["Year", "Country", "HS Code"]].head(3).to_dict("records")
        raise ParseError(f"more than one row for the same year, destination and code: {first}", source=SOURCE,
                         url=url)
    if not include_partial_year:
        frame = frame[frame["period"] != PARTIAL_YEAR]
    return _tidy(frame, url=url, retrieved_at=retrieved_at)


def roc_period(label: str) -> tuple[str, bool, bool]:
    """``(YYYY, partial, preliminary)`` for a 日期 label of the total file.

    >>> roc_period("102年")
    ('2013', False, False)
    >>> roc_period("114年1月~114年7月(初步值)")
    ('2025', True, True)
    """
    match = ROC_PERIOD.fullmatch(label.strip())
    if match is None:
        raise ValueError(f"not an ROC year or month range: {label!r}")
    year = int(match["y"])
    partial = False
    if match["m1"] is not None:
        first, last = int(match["m1"]), int(match["m2"])
        if int(match["y2"]) != year or not 1 <= first <= last <= 12:
            raise ValueError(f"a month range across years or out of order: {label!r}")
        partial = (first, last) != (1, 12)
    return str(year + ROC_OFFSET), partial, match["prelim"] is not None


def parse_exports_by_code(
    content: bytes, *, source_url: str, retrieved_at: datetime, include_partial_year: bool = False
) -> pd.DataFrame:
    """TRADE rows (TWN exports to the World, HS6 under 8542) from the total file's bytes.

    Partial years are detected from the 日期 label (a month range short of January-December) and dropped
    unless ``include_partial_year``; preliminary figures (初步值) are flagged ``estimated``.
    """
    url = source_url
    raw = _read(content, CODE_COLUMNS, {"進出口別": "str", "日期": "str", "貨品號列": "str"}, url)
    flows = raw["進出口別"].fillna("")
    bad = raw.index[flows != TOTAL_EXPORTS_LABEL].tolist()
    if bad:
        raise ParseError(f"進出口別 is not {TOTAL_EXPORTS_LABEL} in rows {bad[:5]}: {flows.loc[bad[:5]].tolist()}",
                         source=SOURCE, url=url)
    _check_codes(raw["貨品號列"], "貨品號列", url)
    periods: dict[str, tuple[str, bool, bool]] = {}
    for label in raw["日期"].fillna("").unique():
        try:
            periods[label] = roc_period(label)
        except ValueError as exc:
            raise ParseError(f"日期: {exc}", source=SOURCE, url=url) from None
    labels = raw["日期"].fillna("")
    frame = pd.DataFrame(
        {
            "partner": "WLD",
            "partner_kind": "world",
            "ccc": raw["貨品號列"],
            "period": labels.map(lambda x: periods[x][0]).astype("str"),
            "partial": labels.map(lambda x: periods[x][1]).astype("bool"),
            "estimated": labels.map(lambda x: periods[x][2]).astype("bool"),
            "cents": _cents(raw["美元(千元)"], USD_PER_THOUSAND, "美元(千元)", url),
        }
    )
    dupes = frame.duplicated(["ccc", "period"], keep=False)
    if dupes.any():
        first = raw.loc[dupes, ["日期", "貨品號列"]].head(3).to_dict("records")
        raise ParseError(f"more than one row for the same period and code: {first}", source=SOURCE, url=url)
    if not include_partial_year:
        frame = frame[~frame["partial"]]
    return _tidy(frame.drop(columns="partial"), url=url, retrieved_at=retrieved_at)


def _bytes(path: Path, url: str) -> bytes:
    try:
        return path.read_bytes()
    except OSError as exc:
        raise ParseError(f"cannot read {path}: {exc.strerror}", source=SOURCE, url=url) from None


def read_exports_by_destination(
    path: Path, *, retrieved_at: datetime, source_url: str | None = None, include_partial_year: bool = False
) -> pd.DataFrame:
    """TRADE rows from ``taiwan_exports_hs8542_by_destination_*.csv``."""
    url = source_url or f"file:{path.name}"
    return parse_exports_by_destination(_bytes(path, url), source_url=url, retrieved_at=retrieved_at,
                                        include_partial_year=include_partial_year)


def read_exports_by_code(
    path: Path, *, retrieved_at: datetime, source_url: str | None = None, include_partial_year: bool = False
) -> pd.DataFrame:
    """TRADE rows (partner WLD) from ``taiwan_exports_hs8542_total_by_hs11_*.csv``."""
    url = source_url or f"file:{path.name}"
    return parse_exports_by_code(_bytes(path, url), source_url=url, retrieved_at=retrieved_at,
                                 include_partial_year=include_partial_year)
