"""Loaders for the legacy IMF Direction of Trade Statistics (DOTS) files bundled in ``imf_dots/``.

DOTS was replaced by IMTS (:mod:`connectors.imf`); these files give the history before the API's
reach. Both loaders return TRADE rows (hs_code ``TOTAL``, source ``imf``)::

    read_dots_annual(Path("imf_dots/dots_annual_focus_reporters_by_partner_2000_2020.csv"), retrieved_at=when)
    read_dots_monthly(Path("imf_dots/dots_monthly_asean10_china_us_focus_partners_2011M01_2023M12.csv"),
                      retrieved_at=when)

Quirks (data folder's PROVENANCE.md section 4):

* Values are in **US$ millions**; they are multiplied by :data:`USD_PER_MILLION` to US dollars.
* Reporters and partners are **IMF names** ("China, P.R.: Mainland", "Korea, Rep. of", "Taiwan
  Province of China", "World", "Advanced Economies"). Names go to ISO3 through pycountry, after
  the source's own labels in :data:`IMF_NAMES`; IMF groups are kept (:data:`IMF_GROUPS`), summed
  into one residual partner (:data:`IMF_RESIDUALS`) or dropped and logged (:data:`IMF_DROPPED`).
  Hong Kong and Macao are HKG and MAC, never CHN.
* The annual file writes IMF footnote marks after the number ("0.00 e" = estimated); the monthly
  file has them in a ``flag`` column ("e" estimated, "r" revised).
* Each DOTS workbook lists Australia twice (in two regional blocks): identical repeated rows are
  dropped; repeats that disagree raise ParseError.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Collection
from datetime import datetime
from functools import lru_cache
from pathlib import Path

import pandas as pd
import pycountry

from econsec.errors import ConfigError, EmptyResultError, ParseError, SourceError
from econsec.schema import TRADE_KEY, WORLD, finish

log = logging.getLogger(__name__)

SOURCE = "imf"
TABLE = "trade"

#: DOTS values are US$ millions; the TRADE schema wants US dollars.
USD_PER_MILLION = 1e6

#: IMF group labels kept as econsec aggregates (econsec.countries.AGGREGATES). EUU/EMU are groups
#: of countries: partner_kind "group", never a supplier, never to be added to country rows.
IMF_GROUPS: dict[str, tuple[str, str]] = {
    "World": (WORLD, "world"),
    "European Union": ("EUU", "group"),
    "Euro Area": ("EMU", "group"),
}

#: Residual partners with no country ("... not specified", "Special Categories"): disjoint parts of
#: the World total (for Japan's imports in 2015, World - Advanced - Emerging economies = "Countries &
#: Areas not specified" + "Other Countries not included elsewhere"; the regional "not specified"
#: lines lie inside the regional groups). Summed into one partner per key, as Comtrade's "Areas, nes".
IMF_RESIDUALS = frozenset(
    {
        "Countries & Areas not specified",
        "Other Countries not included elsewhere",
        "Special Categories",
        "Africa not specified",
        "Asia not specified",
        "Europe not specified",
        "Middle East and Central Asia not specified",
        "Western Hemisphere not specified",
    }
)
#: econsec's code for those residuals (ISO 3166 user-assigned range; same as connectors.comtrade).
PARTNER_AREAS = "QNE"

#: IMF labels dropped on purpose: regional and analytical groups (sums of countries listed anyway),
#: and entities with no current ISO 3166-1 code (former states; Kosovo has none).
IMF_DROPPED = frozenset(
    {
        "Advanced Economies",
        "Africa",
        "Emerging and Developing Asia",
        "Emerging and Developing Economies",
        "Emerging and Developing Europe",
        "Emerging Market and Developing Economies by Source of Export Earnings: Fuel",
        "Emerging Market and Developing Economies by Source of Export Earnings: Nonfuel",
        "Middle East",
        "Middle East and Central Asia",
        "Sub-Saharan Africa",
        "Western Hemisphere",
        "Belgium-Luxembourg",
        "Czechoslovakia",
        "Kosovo, Rep. of",
        "Netherlands Antilles",
        "Serbia and Montenegro",
        "USSR",
        "Yugoslavia",
    }
)

#: The source's own country labels that pycountry does not resolve (or would resolve wrongly, as
#: "Congo, Dem. Rep. of the" -> Congo). A quirk table for IMF spellings, not a country table.
IMF_NAMES = {
    "China, P.R.: Mainland": "CHN",
    "China, P.R.: Hong Kong": "HKG",
    "China, P.R.: Macao": "MAC",
    "Taiwan Province of China": "TWN",
    "Korea, Rep. of": "KOR",
    "Korea, Dem. People's Rep. of": "PRK",
    "Congo, Dem. Rep. of the": "COD",
    "Congo, Rep. of": "COG",
    "Lao People's Dem. Rep.": "LAO",
    "Central African Rep.": "CAF",
    "Czech Rep.": "CZE",
    "Dominican Rep.": "DOM",
    "Kyrgyz Rep.": "KGZ",
    "Slovak Rep.": "SVK",
    "Syrian Arab Rep.": "SYR",
    "São Tomé and Príncipe, Dem. Rep. of": "STP",
    "Sint Maarten, Kingdom of the Netherlands": "SXM",
    "St. Kitts and Nevis": "KNA",
    "St. Lucia": "LCA",
    "St. Vincent and the Grenadines": "VCT",
    "Turkey": "TUR",
    "Türkiye, Rep of": "TUR",
    "Venezuela, Rep. Bolivariana de": "VEN",
    "Holy See": "VAT",
    "West Bank and Gaza": "PSE",
}

#: IMF's way of writing the form of state after a comma ("Armenia, Rep. of", "Bahamas, The",
#: "Aruba, Kingdom of the Netherlands"): removed before asking pycountry for the short name.
_IMF_SUFFIX = re.compile(
    r", (?:the )?(?:islamic |arab |united |federal |dem\. |federal dem\. )?"
    r"(?:rep\.|republic|kingdom|state|union|federated states)(?: of(?: the)?)?(?: the netherlands)?$"
    r"|, the$",
    re.IGNORECASE,
)

ANNUAL_FLOWS = {"Exports, FOB": "export", "Imports, CIF": "import"}
MONTHLY_FLOWS = {"X": "export", "M": "import"}
#: IMF footnote marks: "e" estimated, "r" revised (a revised figure is reported, not estimated).
FLAGS = {"": False, "r": False, "e": True}

ANNUAL_COLUMNS = ("reporter", "indicator", "partner", "year", "value")
MONTHLY_COLUMNS = ("reporter", "flow", "partner", "period", "value_usd_millions", "flag")

#: "1234.5", "8.9e-05", or with a footnote mark after a space: "0.00 e". Marked cells were text
#: in the workbooks and keep their thousands separators: "1,661.39 e".
_ANNUAL_VALUE = re.compile(
    r"^(?P<number>(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?(?:[eE][-+]?\d+)?)(?:\s+(?P<flag>[a-z]))?$"
)
_MONTH = re.compile(r"^(\d{4})M(0[1-9]|1[0-2])$")


# --------------------------------------------------------------------------- names


@lru_cache(maxsize=1024)
def imf_area(name: str) -> tuple[str, str] | None:
    """``(code, partner_kind)`` for an IMF area name; ``None`` if it is a group econsec drops.

    Raises KeyError for a name that is neither a known IMF label nor a country pycountry knows.

    >>> imf_area("China, P.R.: Hong Kong")
    ('HKG', 'country')
    >>> imf_area("Armenia, Rep. of")
    ('ARM', 'country')
    """
    name = name.strip()
    if name in IMF_GROUPS:
        return IMF_GROUPS[name]
    if name in IMF_RESIDUALS:
        return PARTNER_AREAS, "area"
    if name in IMF_DROPPED:
        return None
    if name in IMF_NAMES:
        return IMF_NAMES[name], "country"
    for candidate in (name, _IMF_SUFFIX.sub("", name)):
        try:
            return pycountry.countries.lookup(candidate).alpha_3, "country"
        except LookupError:
            continue
    raise KeyError(name)


# --------------------------------------------------------------------------- loaders


def read_dots_annual(
    path: Path,
    *,
    retrieved_at: datetime,
    source_url: str | None = None,
    partners: Collection[str] | None = None,
) -> pd.DataFrame:
    """TRADE rows from ``dots_annual_focus_reporters_by_partner_2000_2020.csv``.

    Columns ``reporter, indicator ("Exports, FOB" | "Imports, CIF"), partner, year, value`` (US$
    millions, possibly followed by a footnote mark). ``partners`` keeps only those partner codes
    (e.g. the focus countries plus ``WLD``) to keep the snapshot compact.
    """
    path = Path(path)
    source_url = source_url or f"file:{path.name}"
    raw = _read(path, ANNUAL_COLUMNS, source_url)
    fail = _failer(source_url)

    flows = _lookup(raw["indicator"], ANNUAL_FLOWS, "indicator", fail)
    years = raw["year"].str.strip()
    _check(years, years.str.fullmatch(r"\d{4}"), "year", "a four-digit year", fail)
    text = raw["value"].str.strip()
    blank = text == ""
    # Fast path for plain numbers; the regex only for the few cells that carry a mark or a comma.
    plain = text.str.fullmatch(r"\d+(?:\.\d+)?(?:[eE][-+]?\d+)?").fillna(False).astype(bool)
    parts = pd.DataFrame({"number": text.where(plain), "flag": pd.Series("", index=text.index, dtype="str")})
    marked = ~plain & ~blank
    if marked.any():
        parts.loc[marked, ["number", "flag"]] = text[marked].str.extract(_ANNUAL_VALUE).to_numpy()
    _check(text, parts["number"].notna() | blank, "value", "a number of US$ millions (maybe with a mark)", fail)
    marks = parts["flag"].fillna("").astype("str")
    _check(marks, marks.isin(list(FLAGS)), "value mark", f"one of {sorted(FLAGS)}", fail)
    millions = pd.to_numeric(parts["number"].str.replace(",", ""), errors="coerce").astype("float64")
    table = pd.DataFrame(
        {
            "reporter_name": raw["reporter"].str.strip(),
            "partner_name": raw["partner"].str.strip(),
            "flow": flows,
            "period": years,
            "millions": millions,
            "estimated": marks.map(FLAGS).astype(bool),
        }
    )
    return _tidy(
        table[~blank],
        blank=int(blank.sum()),
        source_url=source_url,
        retrieved_at=retrieved_at,
        partners=partners,
        fail=fail,
    )


def read_dots_monthly(
    path: Path,
    *,
    retrieved_at: datetime,
    source_url: str | None = None,
    partners: Collection[str] | None = None,
) -> pd.DataFrame:
    """TRADE rows from ``dots_monthly_asean10_china_us_*_2011M01_2023M12.csv`` (or its ``.parquet``).

    Columns ``reporter, flow (X | M), partner, period (YYYYMmm), value_usd_millions, flag``
    ("e" estimated, "r" revised, empty). ``partners`` as in :func:`read_dots_annual`.
    """
    path = Path(path)
    source_url = source_url or f"file:{path.name}"
    raw = _read(path, MONTHLY_COLUMNS, source_url)
    fail = _failer(source_url)

    flows = _lookup(raw["flow"], MONTHLY_FLOWS, "flow", fail)
    periods = raw["period"].str.strip()
    parts = _extract(periods, _MONTH)
    _check(periods, parts[0].notna(), "period", "YYYYMmm (e.g. 2011M01)", fail)
    text = raw["value_usd_millions"].str.strip()
    millions = pd.to_numeric(text.where(text != ""), errors="coerce").astype("float64")
    blank = text == ""
    _check(text, millions.notna() | blank, "value_usd_millions", "a number", fail)
    flags = raw["flag"].str.strip()
    _check(flags, flags.isin(list(FLAGS)), "flag", f"one of {sorted(FLAGS)}", fail)
    table = pd.DataFrame(
        {
            "reporter_name": raw["reporter"].str.strip(),
            "partner_name": raw["partner"].str.strip(),
            "flow": flows,
            "period": parts[0] + "-" + parts[1],
            "millions": millions,
            "estimated": flags.map(FLAGS).astype(bool),
        }
    )
    return _tidy(
        table[~blank],
        blank=int(blank.sum()),
        source_url=source_url,
        retrieved_at=retrieved_at,
        partners=partners,
        fail=fail,
    )


# --------------------------------------------------------------------------- helpers


def _failer(source_url: str):  # type: ignore[no-untyped-def]
    def fail(message: str) -> ParseError:
        return ParseError(message, source=SOURCE, url=source_url)

    return fail


def _read(path: Path, columns: tuple[str, ...], source_url: str) -> pd.DataFrame:
    """The file as text columns (parquet numbers become their shortest repr)."""
    fail = _failer(source_url)
    try:
        if path.suffix.lower() == ".parquet":
            frame = pd.read_parquet(path)
            for column in frame.columns:  # numbers -> their shortest text, which reads back exactly
                missing = frame[column].isna()
                frame[column] = frame[column].astype("str").mask(missing, "")
        elif path.suffix.lower() == ".csv":
            frame = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8")
        else:
            raise ConfigError(f"{path.name}: a DOTS file must be .csv or .parquet")
    except OSError as exc:
        raise SourceError(f"cannot read the file: {exc.strerror or exc}", source=SOURCE, url=source_url) from None
    except UnicodeDecodeError as exc:
        raise fail(f"the file is not UTF-8 text (byte {exc.start})") from None
    except pd.errors.EmptyDataError:
        raise fail("the file is empty") from None
    except (pd.errors.ParserError, ValueError) as exc:  # pyarrow's errors derive from ValueError too
        raise fail(f"unreadable file: {' '.join(str(exc).split())[:200]}") from None
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise fail(f"column {missing[0]!r} is missing (columns: {list(frame.columns)})")
    if frame.empty:
        raise EmptyResultError("the file has a header but no rows", source=SOURCE, url=source_url)
    return frame.reset_index(drop=True)


def _extract(values: pd.Series, pattern: re.Pattern) -> pd.DataFrame:
    """``values.str.extract(pattern)``, matched once per distinct value: str.extract runs Python's re row by
    row, and a file has a few hundred distinct periods in ~80,000 rows."""
    codes, distinct = pd.factorize(values, use_na_sentinel=False)  # a missing value is a value of its own
    groups = pd.Series(distinct, dtype=values.dtype).str.extract(pattern)
    return groups.iloc[codes].set_axis(values.index)


def _check(values: pd.Series, ok: pd.Series, field: str, what: str, fail) -> None:  # type: ignore[no-untyped-def]
    ok = ok.fillna(False).astype(bool)
    if not ok.all():
        i = int((~ok).to_numpy().argmax())
        # +2: data rows start on line 2 of the file (after the header)
        raise fail(f"line {i + 2}: {field} is {values.iloc[i]!r}, not {what}")


def _lookup(values: pd.Series, table: dict[str, str], field: str, fail) -> pd.Series:  # type: ignore[no-untyped-def]
    stripped = values.str.strip()
    _check(stripped, stripped.isin(list(table)), field, f"one of {sorted(table)}", fail)
    return stripped.map(table).astype("str")


def _tidy(
    table: pd.DataFrame,
    *,
    blank: int,
    source_url: str,
    retrieved_at: datetime,
    partners: Collection[str] | None,
    fail,  # type: ignore[no-untyped-def]
) -> pd.DataFrame:
    stamp = pd.Timestamp(retrieved_at)
    if stamp.tzinfo is None:
        raise ConfigError(f"retrieved_at {retrieved_at!r} must be timezone-aware")
    stamp = stamp.tz_convert("UTC").as_unit("us")
    if blank:
        log.info("%s: skipped %d rows without a value", source_url, blank)

    # 1. Repeated lines (Australia is listed twice in every DOTS workbook).
    names_key = ["reporter_name", "partner_name", "flow", "period"]
    table = _dedupe(table, names_key, "millions", source_url, fail)

    # 2. Names -> codes, once per distinct name.
    reporters = {n: _area_or_fail(n, "reporter", fail) for n in table["reporter_name"].unique()}
    for name, area in reporters.items():
        if area is None or area[0] == PARTNER_AREAS:
            raise fail(f"reporter {name!r} is not a country, World, the EU or the euro area")
    partner_areas = {n: _area_or_unknown(n) for n in table["partner_name"].unique()}
    unknown = sorted(n for n, a in partner_areas.items() if a == "unknown")
    dropped = sorted(n for n, a in partner_areas.items() if a is None)
    kept = {n: a for n, a in partner_areas.items() if isinstance(a, tuple)}
    keep = table["partner_name"].isin(list(kept))
    if dropped:
        log.info(
            "%s: dropped %d rows of IMF groups/former states: %s",
            source_url,
            int(table["partner_name"].isin(dropped).sum()),
            "; ".join(dropped),
        )
    if unknown:
        log.warning(
            "%s: dropped %d rows of partners with no ISO3 (add them to IMF_NAMES?): %s",
            source_url,
            int(table["partner_name"].isin(unknown).sum()),
            "; ".join(unknown),
        )
    table = table[keep]
    rows = pd.DataFrame(
        {
            "reporter": table["reporter_name"].map({n: a[0] for n, a in reporters.items() if a}),
            "partner": table["partner_name"].map({n: a[0] for n, a in kept.items()}),
            "partner_kind": table["partner_name"].map({n: a[1] for n, a in kept.items()}),
            "flow": table["flow"],
            "hs_code": "TOTAL",
            "period": table["period"],
            "value_usd": table["millions"] * USD_PER_MILLION,  # US$ millions -> US dollars
            "estimated": table["estimated"],
        }
    )

    # 3. Residuals: one summed partner per key (they are disjoint parts of the total).
    residual = rows["partner"] == PARTNER_AREAS
    if residual.any():
        summed = (
            rows[residual]
            .groupby(TRADE_KEY, sort=False)
            .agg(value_usd=("value_usd", "sum"), estimated=("estimated", "any"))
            .reset_index()
        )
        summed["partner_kind"] = "area"
        rows = pd.concat([rows[~residual], summed], ignore_index=True)

    # 4. Two IMF names for one code (e.g. "Turkey" and "Türkiye, Rep of") in one key.
    rows = _dedupe(rows, TRADE_KEY, "value_usd", source_url, fail)

    if partners is not None:
        wanted = set(partners)
        rows = rows[rows["partner"].isin(wanted)]
    if rows.empty:
        raise EmptyResultError("no rows left after mapping (and filtering) partners", source=SOURCE, url=source_url)
    return finish("trade", rows.drop(columns=["net_weight_kg"], errors="ignore"), source=SOURCE,
                  source_url=source_url, retrieved_at=stamp)


def _area_or_fail(name: str, role: str, fail) -> tuple[str, str] | None:  # type: ignore[no-untyped-def]
    try:
        return imf_area(name)
    except KeyError:
        raise fail(f"unknown {role} name {name!r} (not an IMF label econsec knows, nor a country)") from None


def _area_or_unknown(name: str) -> tuple[str, str] | None | str:
    try:
        return imf_area(name)
    except KeyError:
        return "unknown"


def _dedupe(rows: pd.DataFrame, key: list[str], value: str, source_url: str, fail) -> pd.DataFrame:  # type: ignore[no-untyped-def]
    dup = rows.duplicated(key, keep=False)
    if not dup.any():
        return rows
    spread = rows[dup].groupby(key, sort=False)[value].nunique()
    if (spread > 1).any():
        values = spread[spread > 1].index[0]
        shown = rows[dup].set_index(key).loc[values, value]
        raise fail(f"repeated rows disagree for {dict(zip(key, values, strict=True))}: {list(shown)}")
    repeats = int(rows.duplicated(key).sum())
    log.info("%s: dropped %d repeated rows (same key, same value)", source_url, repeats)
    return rows.drop_duplicates(key, keep="first")
