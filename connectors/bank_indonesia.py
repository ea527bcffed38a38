"""Bank Indonesia SEKI table V.33: direct investment flows into Indonesia by country of origin.

File-only source (no API econsec can call). The workbook is the SEKI download
``bank_indonesia_seki_V33_fdi_by_country_of_origin.xls`` (old binary .xls, read with ``xlrd``)::

    frame = read_seki_fdi(Path(".../bank_indonesia_seki_V33_fdi_by_country_of_origin.xls"),
                          retrieved_at=datetime(2021, 11, 15, tzinfo=UTC))

Rows are FDI-schema rows: reporter IDN, direction inward, measure flow, annual periods.

Layout and quirks (seen in the cells, not documented by the source):

* Two sheets. ``"5.33"`` covers 2010 to 2021 Q3; ``"2004-2012"`` is an older edition covering
  2004-2012. The older sheet only adds the years before the first year of ``"5.33"``; on the years
  both hold, every counterpart both sheets map to the same code must agree (else ParseError).
* One header row holds the years (``NEGARA`` = "country" above the labels) and the row below it
  the quarters ``Q1``..``Q4``; each year is a block ``Q1 Q2 Q3 Q4 [blank] annual``: the annual
  column is the first column after ``Q4`` with data, and has no label of its own. Only annual
  columns are loaded (the FDI schema is annual). A year without a ``Q4`` (2021: ``Q1* Q2* Q3**``)
  has no annual column and is not loaded.
* The year cell normally sits above ``Q1`` (2021's above ``Q3**``); in the older sheet the cell
  above 2008's annual column wrongly says 2009, so the year is taken from the ``Q1`` column
  (or from the only year above the block's quarters).
* Quarter labels with ``*`` / ``**`` mark provisional figures: the annual figure of such a year is
  loaded with ``estimated=True``.
* ``"-"`` means zero / none (PROVENANCE.md): stored as 0.0. An empty cell gives no row (logged).
* Values are US$ millions ("Juta USD"): multiplied by 1e6 to dollars (:data:`UNIT_USD`).
* Row labels are Indonesian and form a hierarchy (region subtotal, its countries, the region's
  "lainnya" = other). :data:`SEKI_LABELS` maps every label: countries to ISO3; "Jumlah" (total)
  to WLD; the "Uni Eropa" (EU, which here still lists the United Kingdom) and "ASEAN" subtotals
  to EUU/QAS (kind "group": groups that overlap their member rows, never add them to countries);
  region subtotals are dropped; every residual "... lainnya" row is summed into one QNE row
  ("areas n.e.s."), so that, per year, the countries plus QNE add up to WLD (checked, within
  rounding), and no subtotal is counted as a country.
"""

from __future__ import annotations

import logging
import math
import re
from collections.abc import Mapping
from datetime import datetime
from pathlib import Path

import numpy as np
import pandas as pd

from connectors.payload import utc as _utc
from econsec.errors import ConfigError, ParseError, SourceError
from econsec.schema import FDI_COLUMNS, FDI_KEY, WORLD, validate_fdi

log = logging.getLogger(__name__)

SOURCE = "bank_indonesia"
TABLE = "fdi"

REPORTER = "IDN"
#: Sheet names in the SEKI workbook: the current edition and the older one kept beside it.
SHEET = "5.33"
OLDER_SHEET = "2004-2012"
#: "(Juta USD)" / "(Millions of USD)": one unit in the sheet is one million US dollars.
UNIT_USD = 1e6
#: "-" in a value cell: zero / none.
ZERO = "-"
#: The header cell above the row labels ("country").
LABEL_HEADER = "NEGARA"

#: Marks for rows that are not a counterpart of their own.
DROP = "drop"  # a regional subtotal: its parts are loaded instead
OTHER = "QNE"  # a residual "other ..." row: all of them are summed into one row per year
AREA_EU = "EUU"
AREA_ASEAN = "QAS"

#: The source's own row labels (Indonesian), as printed in sheet "5.33", mapped to what they
#: become: ISO3, WLD, an aggregate code, OTHER (summed into QNE) or DROP. This is the source's
#: label set (a quirk table), not a country table; English glosses from the sheet's COUNTRY column.
SEKI_LABELS: dict[str, str] = {
    "Amerika Utara": DROP,  # North America
    "Amerika Serikat": "USA",
    "Kanada": "CAN",
    "Amerika Utara lainnya ¹": OTHER,  # other North America, incl. Bermuda, Greenland, St Pierre & Miquelon
    "Amerika Tengah dan Selatan": DROP,  # Central and South America
    "Argentina": "ARG",
    "Brazil": "BRA",
    "Meksiko": "MEX",
    "Kepulauan Cayman": "CYM",
    "Amerika Tengah dan Selatan Lainnya": OTHER,
    "Eropa": DROP,  # Europe
    "Uni Eropa": AREA_EU,  # European Union (the United Kingdom is listed inside it)
    "Austria": "AUT",
    "Belgia": "BEL",
    "Denmark": "DNK",
    "Finlandia": "FIN",
    "Perancis": "FRA",
    "Jerman": "DEU",
    "Yunani": "GRC",
    "Irlandia": "IRL",
    "Italia": "ITA",
    "Luksemburg": "LUX",
    "Belanda": "NLD",
    "Portugis": "PRT",
    "Spanyol": "ESP",
    "Swedia": "SWE",
    "Inggris": "GBR",
    "Uni Eropa lainnya": OTHER,
    "Rusia": "RUS",
    "Turki": "TUR",
    "Eropa Lainnya": OTHER,
    "Asia": DROP,
    "Jepang": "JPN",
    "RRC": "CHN",  # Republik Rakyat Cina, People's Republic of China
    "Korea Selatan": "KOR",
    "India": "IND",
    "Hong Kong SAR": "HKG",
    "Taiwan, Provinsi China": "TWN",
    "Arab Saudi": "SAU",
    "ASEAN": AREA_ASEAN,
    "Brunei Darussalam": "BRN",
    "Kamboja": "KHM",
    "Laos": "LAO",
    "Malaysia": "MYS",
    "Myanmar": "MMR",
    "Filipina": "PHL",
    "Singapura": "SGP",
    "Thailand": "THA",
    "Vietnam": "VNM",
    "Asia lainnya": OTHER,
    "Australia dan Oseania": DROP,
    "Australia": "AUS",
    "Selandia Baru": "NZL",
    "Australia dan Oseania lainnya": OTHER,
    "Afrika": DROP,
    "Afrika Selatan": "ZAF",
    "Afrika lainnya": OTHER,
    "Lainnya": OTHER,  # "Others": in this sheet a top-level residual
    "Jumlah": WORLD,  # total
}

#: The older sheet "2004-2012" spells a few labels differently, lists Bermuda, and uses "Lainnya"
#: ("Others") as the subtotal of Bermuda + Cayman Islands + "Negara Lainnya" (other countries).
OLDER_SEKI_LABELS: dict[str, str] = {
    **SEKI_LABELS,
    "Philipina": "PHL",
    "Luxemburg": "LUX",
    "UE Lainnya": OTHER,
    "Asia Lainnya": OTHER,
    "Bermuda": "BMU",
    "Negara Lainnya": OTHER,
    "Lainnya": DROP,
}
SHEET_LABELS: dict[str, Mapping[str, str]] = {SHEET: SEKI_LABELS, OLDER_SHEET: OLDER_SEKI_LABELS}

#: Cells printed "-" that do NOT mean zero: in sheet "5.33" the Cayman Islands are shown separately
#: only from 2013; for 2010-2012 their flows sit inside "Lainnya" (Others). The older edition shows
#: them (308, 48, 65 US$ m) and its "Others" is smaller by exactly Cayman + Bermuda. So these cells
#: mean "not shown separately" and give no row (a number there would still be loaded).
NOT_SHOWN_SEPARATELY: dict[str, dict[str, frozenset[str]]] = {
    SHEET: {"Kepulauan Cayman": frozenset({"2010", "2011", "2012"})},
}
#: Counterparts the two editions define differently, so not compared on their common years: the
#: older sheet shows Bermuda and the Cayman Islands apart from "other" areas, "5.33" (2010-2012)
#: folds them into "Lainnya". Hence the QNE series has a break between 2009 and 2010.
EDITION_DIFFERENCES = frozenset({OTHER})

#: Countries + QNE must add up to the total within this many US$ millions per year: every
#: published cell is rounded (to whole millions before 2013), so sums drift by a few units.
ROUNDING_TOLERANCE = 5.0

_QUARTER = re.compile(r"^Q([1-4])(\*{0,2})$")
_YEAR = re.compile(r"^(19|20)\d{2}$")


# --------------------------------------------------------------------------- file


def read_seki_fdi(
    path: Path, *, retrieved_at: datetime, source_url: str | None = None, include_older: bool = True
) -> pd.DataFrame:
    """FDI rows from the SEKI V.33 workbook: sheet "5.33", plus the older sheet's earlier years.

    ``include_older=False`` loads sheet "5.33" only (2010-2020)."""
    path = Path(path)
    source_url = source_url or f"file:{path.name}"
    sheets = _read_workbook(path, source_url)
    if SHEET not in sheets:
        raise ParseError(f"{path.name}: no sheet {SHEET!r} (sheets: {sorted(sheets)})", source=SOURCE, url=source_url)
    current = parse_sheet(sheets[SHEET], source_url=source_url, retrieved_at=retrieved_at, sheet=SHEET)
    if not include_older or OLDER_SHEET not in sheets:
        return current
    older = parse_sheet(sheets[OLDER_SHEET], source_url=source_url, retrieved_at=retrieved_at, sheet=OLDER_SHEET)
    return combine(current, older, source_url=source_url)


def _read_workbook(path: Path, source_url: str) -> dict[str, pd.DataFrame]:
    """Every sheet as a frame of raw cell values (no header; blank cells NaN).

    xlrd is used directly: pandas 3 deprecates its xlrd engine, and xlrd keeps the cell types."""
    try:
        import xlrd
    except ImportError:  # pragma: no cover - xlrd is installed with econsec
        raise ConfigError("reading the SEKI .xls workbook needs the 'xlrd' package") from None
    try:
        book = xlrd.open_workbook(str(path), on_demand=True)
    except OSError as exc:
        raise SourceError(f"cannot read {path.name}: {exc.strerror or exc}", source=SOURCE, url=source_url) from None
    except Exception as exc:  # xlrd raises XLRDError, CompDocError, AssertionError... on a bad file
        raise ParseError(
            f"{path.name} is not a readable .xls workbook ({type(exc).__name__}: {exc})", source=SOURCE, url=source_url
        ) from None
    try:
        out = {}
        for sheet in book.sheets():
            cells = [
                [None if t in (xlrd.XL_CELL_EMPTY, xlrd.XL_CELL_BLANK) else v for t, v in
                 zip(sheet.row_types(r), sheet.row_values(r), strict=True)]
                for r in range(sheet.nrows)
            ]
            out[sheet.name] = pd.DataFrame(cells, dtype=object)
        return out
    finally:
        book.release_resources()


# --------------------------------------------------------------------------- parse


def parse_sheet(
    frame: pd.DataFrame,
    *,
    source_url: str,
    retrieved_at: datetime,
    sheet: str = SHEET,
    labels: Mapping[str, str] | None = None,
) -> pd.DataFrame:
    """FDI rows from one V.33 sheet given as raw cells (row/column positions as in the sheet).

    Pure: no file access. ``labels`` defaults to the label set of ``sheet`` (:data:`SHEET_LABELS`).
    """

    def fail(message: str) -> ParseError:
        return ParseError(f"sheet {sheet!r}: {message}", source=SOURCE, url=source_url)

    labels = labels if labels is not None else SHEET_LABELS.get(sheet, SEKI_LABELS)
    stamp = _utc(retrieved_at)
    cells = frame.reset_index(drop=True)
    cells.columns = range(cells.shape[1])
    if cells.empty:
        raise fail("the sheet is empty")

    header_row, label_col = _find(cells, LABEL_HEADER, fail)
    quarter_row = header_row + 1
    if quarter_row >= len(cells):
        raise fail("no quarter row below the year row")
    data_rows = [
        r for r in range(quarter_row + 1, len(cells))
        if isinstance(cells.iat[r, label_col], str) and cells.iat[r, label_col].strip()
    ]
    if not data_rows:
        raise fail("no labelled data rows below the header")
    blocks = _annual_columns(cells, header_row, quarter_row, data_rows, fail)

    unknown = [cells.iat[r, label_col].strip() for r in data_rows if cells.iat[r, label_col].strip() not in labels]
    if unknown:
        raise fail(f"row labels not in the label table: {unknown}")

    not_shown = NOT_SHOWN_SEPARATELY.get(sheet, {})
    records = []
    blanks = 0
    for year, column, provisional in blocks:
        for r in data_rows:
            label = cells.iat[r, label_col].strip()
            code = labels[label]
            if code == DROP:
                continue
            cell = cells.iat[r, column]
            if year in not_shown.get(label, ()) and isinstance(cell, str) and cell.strip() == ZERO:
                log.info("%s sheet %s: %r %s is not shown separately (no row)", source_url, sheet, label, year)
                continue
            value = _value(cell, fail, f"{label!r} {year}")
            if value is None:
                blanks += 1
                continue
            records.append((code, label, year, value, provisional))
    if blanks:
        log.info("%s sheet %s: %d empty annual cells (no row)", source_url, sheet, blanks)
    if not records:
        raise fail("no annual values")

    rows = pd.DataFrame.from_records(records, columns=["code", "label", "period", "millions", "estimated"])
    repeated = rows[rows["code"] != OTHER].duplicated(["code", "period"], keep=False)
    if repeated.any():
        first = rows[rows["code"] != OTHER][repeated].iloc[0]
        raise fail(f"two rows map to {first['code']} in {first['period']} (label {first['label']!r})")
    # Residual rows are disjoint: one QNE row per year holds their sum.
    rows = rows.groupby(["code", "period"], sort=False, as_index=False).agg(
        millions=("millions", "sum"), estimated=("estimated", "any")
    )
    _check_adds_up(rows, fail)

    kind = np.select([rows["code"] == WORLD, rows["code"] == OTHER, rows["code"].isin([AREA_EU, AREA_ASEAN])],
                     ["world", "area", "group"], default="country")
    out = pd.DataFrame(
        {
            "reporter": pd.Series(REPORTER, index=rows.index, dtype="str"),
            "counterpart": rows["code"].astype("str"),
            "counterpart_kind": pd.Series(kind, index=rows.index, dtype="str"),
            "direction": pd.Series("inward", index=rows.index, dtype="str"),
            "measure": pd.Series("flow", index=rows.index, dtype="str"),
            "period": rows["period"].astype("str"),
            # US$ millions -> US dollars.
            "value_usd": rows["millions"].astype("float64") * UNIT_USD,
            "estimated": rows["estimated"].astype("bool"),
            "source": pd.Series(SOURCE, index=rows.index, dtype="str"),
            "source_url": pd.Series(source_url, index=rows.index, dtype="str"),
            "retrieved_at": pd.Series(stamp, index=rows.index, dtype="datetime64[us, UTC]"),
        },
        columns=list(FDI_COLUMNS),
    )
    return validate_fdi(out.sort_values(FDI_KEY, kind="stable", ignore_index=True))


def combine(current: pd.DataFrame, older: pd.DataFrame, *, source_url: str) -> pd.DataFrame:
    """``current`` plus the rows of ``older`` for years before ``current`` starts.

    On the years both hold, every (counterpart, period) present in both must have the same value,
    except the counterparts in :data:`EDITION_DIFFERENCES`; so a revision stops the load rather than
    mixing two editions silently."""
    first = current["period"].min()
    both = older.merge(current, on=FDI_KEY, suffixes=("_older", ""))
    both = both[~both["counterpart"].isin(EDITION_DIFFERENCES)]
    differ = both[~np.isclose(both["value_usd_older"], both["value_usd"], rtol=0, atol=0.5)]
    if not differ.empty:
        show = ", ".join(
            f"{r.counterpart} {r.period}: {r.value_usd_older / UNIT_USD:g} vs {r.value_usd / UNIT_USD:g}"
            for r in differ.head(5).itertuples()
        )
        raise ParseError(
            f"sheets {OLDER_SHEET!r} and {SHEET!r} disagree on {len(differ)} overlapping values "
            f"(US$ millions, {OLDER_SHEET} vs {SHEET}): {show}",
            source=SOURCE,
            url=source_url,
        )
    earlier = older[older["period"] < first]
    log.info("%s: %d rows from sheet %s before %s", source_url, len(earlier), OLDER_SHEET, first)
    out = pd.concat([earlier, current], ignore_index=True)
    return validate_fdi(out.sort_values(FDI_KEY, kind="stable", ignore_index=True))


# --------------------------------------------------------------------------- helpers


def _find(cells: pd.DataFrame, text: str, fail) -> tuple[int, int]:  # type: ignore[no-untyped-def]
    for r in range(len(cells)):
        for c in range(cells.shape[1]):
            value = cells.iat[r, c]
            if isinstance(value, str) and value.strip() == text:
                return r, c
    raise fail(f"no {text!r} header cell (the row of years above the row labels)")


def _year(value: object) -> int | None:
    number = isinstance(value, float | int | np.floating | np.integer) and not isinstance(value, bool)
    if number and math.isfinite(value) and float(value).is_integer() and _YEAR.match(str(int(value))):
        return int(value)
    if isinstance(value, str) and _YEAR.match(value.strip()):
        return int(value.strip())
    return None


def _annual_columns(  # type: ignore[no-untyped-def]
    cells: pd.DataFrame, header_row: int, quarter_row: int, data_rows: list[int], fail
) -> list[tuple[str, int, bool]]:
    """``(year, annual column, provisional)`` for every Q1..Q4 block followed by an annual column."""
    quarters: list[tuple[int, int, bool]] = []  # (column, quarter number, starred)
    for c in range(cells.shape[1]):
        value = cells.iat[quarter_row, c]
        if isinstance(value, str) and (m := _QUARTER.match(value.strip())):
            quarters.append((c, int(m.group(1)), bool(m.group(2))))
    if not quarters:
        raise fail(f"no Q1..Q4 labels in row {quarter_row + 1}")

    def has_data(c: int) -> bool:
        return any(cells.iat[r, c] is not None and not _blank(cells.iat[r, c]) for r in data_rows)

    blocks: list[tuple[str, int, bool]] = []
    i = 0
    while i < len(quarters):
        col, number, _ = quarters[i]
        if number != 1:
            raise fail(f"column {col + 1}: quarter Q{number} does not follow Q{number - 1}")
        block = [quarters[i]]
        while i + len(block) < len(quarters) and quarters[i + len(block)][1] == len(block) + 1:
            block.append(quarters[i + len(block)])
        i += len(block)
        year = _year(cells.iat[header_row, col])
        if year is None:  # 2021's year sits above its last quarter (Q3**): take the block's only year
            found = {_year(cells.iat[header_row, c]) for c in range(col, block[-1][0] + 1)} - {None}
            if len(found) != 1:
                raise fail(f"no single year above the quarters starting in column {col + 1}")
            year = found.pop()
        if len(block) < 4:
            log.info("sheet year %d has only %d quarters: no annual column, not loaded", year, len(block))
            continue
        next_q1 = quarters[i][0] if i < len(quarters) else cells.shape[1]
        annual = next((c for c in range(block[-1][0] + 1, next_q1) if has_data(c)), None)
        if annual is None:
            raise fail(f"no annual column after Q4 of {year}")
        label = cells.iat[quarter_row, annual]
        if not _blank(label):
            raise fail(f"column {annual + 1}, taken as the {year} annual column, is labelled {label!r}")
        blocks.append((str(year), annual, any(starred for _, _, starred in block)))
    years = [int(y) for y, _, _ in blocks]
    if years != sorted(set(years)):
        raise fail(f"years are not increasing and distinct: {years}")
    return blocks


def _blank(value: object) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value)) or (
        isinstance(value, str) and not value.strip()
    )


def _value(value: object, fail, where: str) -> float | None:  # type: ignore[no-untyped-def]
    if _blank(value):
        return None
    if isinstance(value, str):
        if value.strip() == ZERO:
            return 0.0  # "-": zero / none
        try:
            number = float(value.replace(",", ""))
        except ValueError:
            raise fail(f"{where}: cell {value!r} is not a number or '-'") from None
    elif isinstance(value, bool):
        raise fail(f"{where}: cell {value!r} is not a number")
    elif isinstance(value, int | float | np.integer | np.floating):
        number = float(value)
    else:
        raise fail(f"{where}: cell {value!r} is not a number")
    if not math.isfinite(number):
        raise fail(f"{where}: cell {value!r} is not a finite number")
    return number


def _check_adds_up(rows: pd.DataFrame, fail) -> None:  # type: ignore[no-untyped-def]
    """Invariant: per year, countries + QNE = World (within rounding); catches a subtotal in the
    label table mapped to a country or a residual, which would count money twice."""
    parts = rows[~rows["code"].isin([WORLD, AREA_EU, AREA_ASEAN])].groupby("period")["millions"].sum()
    total = rows[rows["code"] == WORLD].set_index("period")["millions"]
    if total.empty:
        raise fail("no 'Jumlah' (total) row")
    gap = (parts.reindex(total.index, fill_value=0.0) - total).abs()
    bad = gap[gap > ROUNDING_TOLERANCE]
    if not bad.empty:
        year = bad.index[0]
        raise fail(
            f"countries + other areas = {parts.get(year, 0.0):g} but the total is {total[year]:g} "
            f"(US$ millions, {year}): the label table counts a subtotal twice or misses a row"
        )


