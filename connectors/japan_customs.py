"""Loader for Japan's trade by area and goods category (Ministry of Finance / Japan Customs), annual, in yen.

The bundled file ``japan_trade_by_area_goods_annual_2009_2026.csv`` (``shared/data/PROVENANCE.md`` §5) is not
the Ministry's own download: ``mitsuoxv/jp-trade`` (MIT) tidied the Ministry's e-Stat summary tables and rescaled
the official **thousand-yen** figures to **billion yen**; it was then converted from R ``.rda`` to CSV. Columns:
``ex_im`` (export | import), ``area`` (the Ministry's abbreviated area labels), ``goods`` (the Ministry's goods
categories; parenthesised labels such as "(Ic)" are sub-items of the line above them in the official table),
``year``, ``value`` (billion JPY).

Rows go to the CUSTOMS table: reporter JPN, the goods label exactly as in the file, value in yen, currency JPY.
No exchange rate is applied here. Japan has no API that econsec calls, so this module has a loader, not ``fetch``.

Quirks worth knowing:

* The last year in the file is a partial year-to-date (:data:`PARTIAL_YEAR`); it is dropped unless asked for.
* Goods categories changed in 2017: "Audio Apparatus" and "Visual Apparatus" (exports, 2009-2017) were replaced
  by "Audio & Visual Apparatus" (exports, 2017-); imports use "Audio And Visual Apparatus" throughout; "Semicon
  Machinery Etc" (exports) starts in 2017. Labels are kept as they are, so both appear in 2017.
* "EU" is the European Union as the Ministry defines it in each year (membership changes are not adjusted here).
* "Grand Total" is Japan's trade with the World; the 55 countries listed do not add up to it.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from io import BytesIO
from pathlib import Path

import numpy as np
import pandas as pd

from econsec.errors import ConfigError, ParseError
from econsec.schema import validate_customs

SOURCE = "japan_customs"
TABLE = "customs"
REPORTER = "JPN"
CURRENCY = "JPY"
COLUMNS = ("ex_im", "area", "goods", "year", "value")
FLOWS = {"export": "export", "import": "import"}

#: The file's ``value`` is in billion yen (the repo author divided the official thousand-yen figures by 1e6).
#: Yen = billion yen x 1e9; the result is rounded to whole thousands of yen, the official unit, which removes
#: the float noise of that division (e.g. 0.30000000000000004 billion). A value more than
#: :data:`GRID_TOLERANCE` thousand yen away from a whole thousand yen means the file is not what we think.
YEN_PER_UNIT = 1e9
OFFICIAL_UNIT_YEN = 1e3
GRID_TOLERANCE = 0.01

#: The file ends with a partial year-to-date: PROVENANCE.md §5 says 2026 is partial (its Grand Total is about a
#: quarter of 2025's). The file has no month column, so partial years cannot be detected from the data: this
#: constant says which one it is. A newer file must update it; :func:`parse` refuses a file whose newest year
#: is not this one, so a stale constant fails loudly instead of silently dropping a complete year.
PARTIAL_YEAR = "2026"

#: Goods categories the dashboard's snapshot keeps (exact labels in the file).
SNAPSHOT_GOODS = ("Grand Total", "Semiconductors Etc", "(Ic)", "Semicon Machinery Etc", "Ore Of Nonferrous",
                  "Nonferrous Metals")

#: The source's own area labels (the Ministry's abbreviations as tidied by jp-trade) -> (code, partner_kind).
#: This is the complete label set of the bundled file: a label not listed here is a ParseError, so a new label
#: fails loudly. No continent or region aggregates (Asia, ASEAN, ...) are in the file; none are dropped.
AREAS: dict[str, tuple[str, str]] = {
    "Grand Total": ("WLD", "world"),
    "EU": ("EUU", "group"),
    "Argent": ("ARG", "country"),
    "Austral": ("AUS", "country"),
    "Austria": ("AUT", "country"),
    "Bahrain": ("BHR", "country"),
    "Belgium": ("BEL", "country"),
    "Brazil": ("BRA", "country"),
    "Brunei": ("BRN", "country"),
    "Canada": ("CAN", "country"),
    "Chile": ("CHL", "country"),
    "China": ("CHN", "country"),
    "Colmbia": ("COL", "country"),
    "Denmark": ("DNK", "country"),
    "Finland": ("FIN", "country"),
    "France": ("FRA", "country"),
    "Germany": ("DEU", "country"),
    "Greece": ("GRC", "country"),
    "Hg Kong": ("HKG", "country"),
    "India": ("IND", "country"),
    "Indnsia": ("IDN", "country"),
    "Iran": ("IRN", "country"),
    "Ireland": ("IRL", "country"),
    "Israel": ("ISR", "country"),
    "Italy": ("ITA", "country"),
    "Kuwait": ("KWT", "country"),
    "Liberia": ("LBR", "country"),
    "Malysia": ("MYS", "country"),
    "Mexico": ("MEX", "country"),
    "Nethlds": ("NLD", "country"),
    "Newzeld": ("NZL", "country"),
    "Norway": ("NOR", "country"),
    "Oman": ("OMN", "country"),
    "Pakistn": ("PAK", "country"),
    "Panama": ("PAN", "country"),
    "Pap Nga": ("PNG", "country"),
    "Peru": ("PER", "country"),
    "Philpin": ("PHL", "country"),
    "Portugl": ("PRT", "country"),
    "Prtrico": ("PRI", "country"),
    "Qatar": ("QAT", "country"),
    "R Korea": ("KOR", "country"),
    "Russia": ("RUS", "country"),
    "S Afrca": ("ZAF", "country"),
    "Sngapor": ("SGP", "country"),
    "Spain": ("ESP", "country"),
    "Su Arab": ("SAU", "country"),
    "Sweden": ("SWE", "country"),
    "Switzld": ("CHE", "country"),
    "Taiwan": ("TWN", "country"),
    "Thailnd": ("THA", "country"),
    "Turkey": ("TUR", "country"),
    "U Arb E": ("ARE", "country"),
    "U King": ("GBR", "country"),
    "USA": ("USA", "country"),
    "Venezla": ("VEN", "country"),
    "Vietnam": ("VNM", "country"),
}


def parse(
    content: bytes,
    *,
    source_url: str,
    retrieved_at: datetime,
    goods: Iterable[str] | None = None,
    include_partial_year: bool = False,
) -> pd.DataFrame:
    """Tidy CUSTOMS rows from the CSV's bytes.

    ``goods`` keeps only those categories (exact labels; a label not in the file is a ConfigError).
    ``include_partial_year`` keeps :data:`PARTIAL_YEAR` (year-to-date, not comparable with full years).
    """
    wanted = None if goods is None else list(dict.fromkeys(goods))
    try:
        raw = pd.read_csv(BytesIO(content), dtype={"ex_im": "str", "area": "str", "goods": "str"},
                          keep_default_na=False, na_values=[""])
    except (ValueError, UnicodeDecodeError, pd.errors.ParserError, pd.errors.EmptyDataError) as exc:
        raise ParseError(f"not a readable CSV: {exc}", source=SOURCE, url=source_url) from None
    missing = [c for c in COLUMNS if c not in raw.columns]
    if missing:
        raise ParseError(f"missing columns {missing}", source=SOURCE, url=source_url)
    if raw.empty:
        raise ParseError("the file has no data rows", source=SOURCE, url=source_url)

    years = pd.to_numeric(raw["year"], errors="coerce")
    bad = raw.index[years.isna() | (years != years.round()) | (years < 1900) | (years > 2999)].tolist()
    if bad:
        raise ParseError(f"year is not a four-digit year in rows {bad[:5]}", source=SOURCE, url=source_url)
    period = years.astype(int).astype("str")
    newest = str(period.max())
    if newest != PARTIAL_YEAR:
        raise ParseError(f"the newest year in the file is {newest}, but PARTIAL_YEAR is {PARTIAL_YEAR}: check "
                         f"whether {newest} is a complete year and update PARTIAL_YEAR", source=SOURCE,
                         url=source_url)

    flows = raw["ex_im"].map(FLOWS)
    bad = raw.index[flows.isna()].tolist()
    if bad:
        raise ParseError(f"ex_im is not export/import in rows {bad[:5]}: {raw.loc[bad[:5], 'ex_im'].tolist()}",
                         source=SOURCE, url=source_url)
    unknown = sorted(set(raw["area"].dropna()) - set(AREAS)) + (["<empty>"] if raw["area"].isna().any() else [])
    if unknown:
        raise ParseError(f"area labels not in AREAS (add them with their ISO3 or aggregate code): {unknown}",
                         source=SOURCE, url=source_url)
    if raw["goods"].isna().any():
        raise ParseError(f"empty goods label in rows {raw.index[raw['goods'].isna()].tolist()[:5]}",
                         source=SOURCE, url=source_url)

    values = pd.to_numeric(raw["value"], errors="coerce")
    bad = raw.index[values.isna() | (values < 0)].tolist()
    if bad:
        raise ParseError(f"value is not a non-negative number in rows {bad[:5]}", source=SOURCE, url=source_url)
    thousands = values.to_numpy(dtype="float64") * (YEN_PER_UNIT / OFFICIAL_UNIT_YEN)
    off = np.abs(thousands - np.round(thousands))
    bad = raw.index[off > GRID_TOLERANCE].tolist()
    if bad:
        raise ParseError(f"value is not a whole number of thousand yen (the official unit) in rows {bad[:5]}",
                         source=SOURCE, url=source_url)
    yen = np.round(thousands) * OFFICIAL_UNIT_YEN

    # Every label is in AREAS (checked above): a dict lookup per row, not a Python call per row.
    codes = raw["area"].map({label: code for label, (code, _kind) in AREAS.items()})
    kinds = raw["area"].map({label: kind for label, (_code, kind) in AREAS.items()})
    tidy = pd.DataFrame(
        {
            "reporter": REPORTER,
            "partner": codes.astype("str"),
            "partner_kind": kinds.astype("str"),
            "flow": flows.astype("str"),
            "goods": raw["goods"].astype("str"),
            "period": period,
            "value": pd.Series(yen, index=raw.index, dtype="float64"),
            "currency": CURRENCY,
            "estimated": False,  # the Ministry's published figures; the partial year is incomplete, not estimated
            "source": SOURCE,
            "source_url": source_url,
            "retrieved_at": pd.Timestamp(retrieved_at).tz_convert("UTC").as_unit("us"),
        }
    )
    tidy = tidy.astype({c: "str" for c in ("reporter", "currency", "source", "source_url")})

    keys = ["partner", "flow", "goods", "period"]
    dupes = tidy.duplicated(keys, keep=False)
    if dupes.any():
        first = tidy.loc[dupes, keys].head(3).to_dict("records")
        raise ParseError(f"more than one row for the same area, flow, goods and year: {first}", source=SOURCE,
                         url=source_url)

    if wanted is not None:
        present = set(tidy["goods"].unique())  # once, not once per wanted label
        absent = [g for g in wanted if g not in present]
        if absent:
            raise ConfigError(f"goods labels not in {source_url}: {absent} (labels are case- and "
                              f"punctuation-exact, e.g. 'Semiconductors Etc', '(Ic)')")
        tidy = tidy[tidy["goods"].isin(wanted)]
    if not include_partial_year:
        tidy = tidy[tidy["period"] != PARTIAL_YEAR]
    return validate_customs(tidy.reset_index(drop=True))


def read_trade_by_area(
    path: Path,
    *,
    retrieved_at: datetime,
    source_url: str | None = None,
    goods: Iterable[str] | None = None,
    include_partial_year: bool = False,
) -> pd.DataFrame:
    """CUSTOMS rows from ``japan_trade_by_area_goods_annual_*.csv``.

    >>> read_trade_by_area(path, retrieved_at=now, goods=SNAPSHOT_GOODS)  # doctest: +SKIP
    """
    url = source_url or f"file:{path.name}"
    try:
        content = path.read_bytes()
    except OSError as exc:
        raise ParseError(f"cannot read {path}: {exc.strerror}", source=SOURCE, url=url) from None
    return parse(content, source_url=url, retrieved_at=retrieved_at, goods=goods,
                 include_partial_year=include_partial_year)
