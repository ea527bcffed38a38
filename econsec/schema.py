"""The tidy frames every connector produces and every indicator reads.

``TRADE``: one row per reporter x partner x flow x HS code x period.

* ``reporter`` ISO3 (Taiwan = TWN); ``partner`` ISO3, or ``WLD`` for the World total.
* ``partner_kind``: ``country`` (a supplier or customer), ``world`` (the total, never a
  supplier), ``area`` (a residual such as "Areas, nes": part of the total, never a supplier) or
  ``group`` (an aggregate that overlaps its member countries, such as the EU or ASEAN: never a
  supplier and never added to anything, or its members would be counted twice).
* ``flow``: import, export, re-import, re-export.
* ``hs_code``: the HS code as text (2, 4 or 6 digits, leading zeros kept) or ``TOTAL``.
* ``period``: ``YYYY`` (annual) or ``YYYY-MM`` (monthly).
* ``value_usd``: current US dollars (not thousands); ``net_weight_kg`` may be missing.
* ``estimated``: the source flags the value as estimated, or it is a mirror figure.
* ``source`` (a source id), ``source_url`` (URL without secrets, or file), ``retrieved_at`` (UTC).

``validate_trade`` raises :class:`econsec.errors.ValidationError` naming every bad column
and the first offending rows, never a bare pandas error.
"""

from __future__ import annotations

import dataclasses

import numpy as np
import pandas as pd
import pandera.pandas as pa
from pandera.engines import pandas_engine
from pandera.errors import SchemaError, SchemaErrors

from econsec.errors import ValidationError

FLOWS = ("import", "export", "re-import", "re-export")
PARTNER_KINDS = ("country", "world", "area", "group")
WORLD = "WLD"

ISO3 = r"^[A-Z]{3}$"
PERIOD = r"^\d{4}(-(0[1-9]|1[0-2]))?$"
HS_CODE = r"^(\d{2}|\d{4}|\d{6}|TOTAL)$"

TRADE_COLUMNS = (
    "reporter",
    "partner",
    "partner_kind",
    "flow",
    "hs_code",
    "period",
    "value_usd",
    "net_weight_kg",
    "estimated",
    "source",
    "source_url",
    "retrieved_at",
)
TRADE_KEY = ["reporter", "partner", "flow", "hs_code", "period"]


@dataclasses.dataclass(frozen=True)
class _Text(pandas_engine.STRING):
    """pandas' ``str`` dtype (what ``dtype="str"`` resolves to), answered once per column.

    pandera 0.35 answers a column whose dtype matches with one ``True`` per row, and then builds an
    (empty) failure report and its message for every string column on every call: ~2 ms each,
    whatever the size, which added up to most of the cost of validating a small frame. A match is
    answered ``True`` here; a mismatch goes through pandera unchanged (same errors, same messages).
    """

    def check(self, pandera_dtype, data_container=None):  # type: ignore[no-untyped-def]
        result = super().check(pandera_dtype, data_container)
        if isinstance(result, bool):
            return result
        return True if bool(np.all(result)) else result


#: The dtype of every text column of the tidy schemas (and of indicator values).
TEXT = _Text(storage=pandas_engine.Engine.dtype("str").storage)
_text = dict(dtype=TEXT, nullable=False)

TRADE = pa.DataFrameSchema(
    {
        "reporter": pa.Column(checks=pa.Check.str_matches(ISO3), **_text),
        "partner": pa.Column(checks=pa.Check.str_matches(ISO3), **_text),
        "partner_kind": pa.Column(checks=pa.Check.isin(PARTNER_KINDS), **_text),
        "flow": pa.Column(checks=pa.Check.isin(FLOWS), **_text),
        "hs_code": pa.Column(checks=pa.Check.str_matches(HS_CODE), **_text),
        "period": pa.Column(checks=pa.Check.str_matches(PERIOD), **_text),
        "value_usd": pa.Column("float64", checks=pa.Check.ge(0), nullable=False),
        "net_weight_kg": pa.Column("float64", checks=pa.Check.ge(0), nullable=True),
        "estimated": pa.Column("bool", nullable=False),
        "source": pa.Column(**_text),
        "source_url": pa.Column(**_text),
        "retrieved_at": pa.Column("datetime64[us, UTC]", nullable=False),
    },
    checks=[
        pa.Check(
            lambda df: ~df.duplicated(TRADE_KEY, keep=False),
            error="at most one row per reporter, partner, flow, hs_code and period",
        ),
        pa.Check(
            lambda df: (df["partner_kind"] != "world") | (df["partner"] == WORLD),
            error=f"a partner_kind 'world' row must have partner {WORLD}",
        ),
    ],
    strict=True,
    ordered=False,
    coerce=False,
)


def empty_trade() -> pd.DataFrame:
    """A zero-row frame with the TRADE columns and dtypes."""
    return pd.DataFrame(
        {
            "reporter": pd.Series([], dtype="str"),
            "partner": pd.Series([], dtype="str"),
            "partner_kind": pd.Series([], dtype="str"),
            "flow": pd.Series([], dtype="str"),
            "hs_code": pd.Series([], dtype="str"),
            "period": pd.Series([], dtype="str"),
            "value_usd": pd.Series([], dtype="float64"),
            "net_weight_kg": pd.Series([], dtype="float64"),
            "estimated": pd.Series([], dtype="bool"),
            "source": pd.Series([], dtype="str"),
            "source_url": pd.Series([], dtype="str"),
            "retrieved_at": pd.Series([], dtype="datetime64[us, UTC]"),
        }
    )


def validate(frame: pd.DataFrame, schema: pa.DataFrameSchema, name: str) -> pd.DataFrame:
    """Check ``frame`` against ``schema``; on failure raise ValidationError naming columns and rows."""
    try:
        return schema.validate(frame, lazy=True)
    except SchemaErrors as exc:
        raise ValidationError(_describe(name, exc.failure_cases)) from None
    except SchemaError as exc:  # pragma: no cover - lazy=True collects into SchemaErrors
        raise ValidationError(f"{name}: {exc}") from None


def validate_trade(frame: pd.DataFrame) -> pd.DataFrame:
    return validate(frame, TRADE, "trade frame")


def _describe(name: str, cases: pd.DataFrame, limit: int = 5) -> str:
    lines = [f"{name} does not match its schema:"]
    for (column, check), group in cases.groupby(
        [cases["column"].fillna("<frame>").astype(str), cases["check"].astype(str)], sort=False
    ):
        rows = [int(i) for i in group["index"].dropna().head(limit)]
        values = [repr(v) for v in group["failure_case"].head(limit)]
        where = f" rows {rows}" if rows else ""
        lines.append(f"  column {column!r} fails {check}:{where} values {', '.join(values)}")
    return "\n".join(lines)


# --------------------------------------------------------------------------------------------
# Country series (World Bank and similar): one value per country x series x period.
#   country ISO3, or an aggregate code from econsec.countries.AGGREGATES (WLD, EUU, ...)
#   series  the source's series id (e.g. "GB.XPD.RSDV.GD.ZS"); unit in words ("% of GDP", "current US$")
SERIES_COLUMNS = ("country", "series", "period", "value", "unit", "estimated", "source", "source_url", "retrieved_at")
SERIES_KEY = ["country", "series", "period"]

SERIES = pa.DataFrameSchema(
    {
        "country": pa.Column(checks=pa.Check.str_matches(ISO3), **_text),
        "series": pa.Column(**_text),
        "period": pa.Column(checks=pa.Check.str_matches(PERIOD), **_text),
        "value": pa.Column("float64", nullable=False),
        "unit": pa.Column(**_text),
        "estimated": pa.Column("bool", nullable=False),
        "source": pa.Column(**_text),
        "source_url": pa.Column(**_text),
        "retrieved_at": pa.Column("datetime64[us, UTC]", nullable=False),
    },
    checks=[pa.Check(lambda df: ~df.duplicated(SERIES_KEY, keep=False),
                     error="at most one row per country, series and period")],
    strict=True,
    coerce=False,
)


def validate_series(frame: pd.DataFrame) -> pd.DataFrame:
    return validate(frame, SERIES, "series frame")


# --------------------------------------------------------------------------------------------
# Trade in national currency by the source's own goods categories (Japan's customs statistics):
# like TRADE, but `goods` is the source's label ("Grand Total", "Semiconductors Etc") and `value`
# is in `currency` units (ISO 4217, e.g. JPY), because no exchange rate is applied at load time.
CUSTOMS_COLUMNS = ("reporter", "partner", "partner_kind", "flow", "goods", "period", "value", "currency",
                   "estimated", "source", "source_url", "retrieved_at")
CUSTOMS_KEY = ["reporter", "partner", "flow", "goods", "period"]

CUSTOMS = pa.DataFrameSchema(
    {
        "reporter": pa.Column(checks=pa.Check.str_matches(ISO3), **_text),
        "partner": pa.Column(checks=pa.Check.str_matches(ISO3), **_text),
        "partner_kind": pa.Column(checks=pa.Check.isin(PARTNER_KINDS), **_text),
        "flow": pa.Column(checks=pa.Check.isin(FLOWS), **_text),
        "goods": pa.Column(**_text),
        "period": pa.Column(checks=pa.Check.str_matches(PERIOD), **_text),
        "value": pa.Column("float64", checks=pa.Check.ge(0), nullable=False),
        "currency": pa.Column(checks=pa.Check.str_matches(r"^[A-Z]{3}$"), **_text),
        "estimated": pa.Column("bool", nullable=False),
        "source": pa.Column(**_text),
        "source_url": pa.Column(**_text),
        "retrieved_at": pa.Column("datetime64[us, UTC]", nullable=False),
    },
    checks=[pa.Check(lambda df: ~df.duplicated(CUSTOMS_KEY, keep=False),
                     error="at most one row per reporter, partner, flow, goods and period")],
    strict=True,
    coerce=False,
)


def validate_customs(frame: pd.DataFrame) -> pd.DataFrame:
    return validate(frame, CUSTOMS, "customs frame")


# --------------------------------------------------------------------------------------------
# Mineral statistics (USGS Mineral Commodity Summaries): commodity x country x measure x period.
#   measure: net_import_reliance (% of apparent consumption), import_source_share (% of US imports),
#            production, reserves, capacity;  value_raw keeps the printed form (">95", "E", "W").
MINERALS_COLUMNS = ("commodity", "category", "country", "measure", "period", "value", "unit", "value_raw",
                    "estimated", "source", "source_url", "retrieved_at")
MINERALS_KEY = ["commodity", "category", "country", "measure", "period"]
MINERAL_MEASURES = ("net_import_reliance", "import_source_share", "production", "reserves", "capacity")

MINERALS = pa.DataFrameSchema(
    {
        "commodity": pa.Column(**_text),
        "category": pa.Column(**_text),
        "country": pa.Column(checks=pa.Check.str_matches(ISO3), **_text),
        "measure": pa.Column(checks=pa.Check.isin(MINERAL_MEASURES), **_text),
        "period": pa.Column(checks=pa.Check.str_matches(PERIOD), **_text),
        "value": pa.Column("float64", nullable=True),
        "unit": pa.Column(**_text),
        "value_raw": pa.Column(**_text),
        "estimated": pa.Column("bool", nullable=False),
        "source": pa.Column(**_text),
        "source_url": pa.Column(**_text),
        "retrieved_at": pa.Column("datetime64[us, UTC]", nullable=False),
    },
    checks=[pa.Check(lambda df: ~df.duplicated(MINERALS_KEY, keep=False),
                     error="at most one row per commodity, category, country, measure and period")],
    strict=True,
    coerce=False,
)


def validate_minerals(frame: pd.DataFrame) -> pd.DataFrame:
    return validate(frame, MINERALS, "minerals frame")


# --------------------------------------------------------------------------------------------
# Foreign direct investment by counterpart: reporter (the economy that reports) x counterpart.
#   direction inward|outward; measure flow|position|income; value in US dollars (may be negative:
#   disinvestment); period YYYY (annual only: quarterly source columns are not loaded).
FDI_COLUMNS = ("reporter", "counterpart", "counterpart_kind", "direction", "measure", "period", "value_usd",
               "estimated", "source", "source_url", "retrieved_at")
FDI_KEY = ["reporter", "counterpart", "direction", "measure", "period"]

FDI = pa.DataFrameSchema(
    {
        "reporter": pa.Column(checks=pa.Check.str_matches(ISO3), **_text),
        "counterpart": pa.Column(checks=pa.Check.str_matches(ISO3), **_text),
        "counterpart_kind": pa.Column(checks=pa.Check.isin(PARTNER_KINDS), **_text),
        "direction": pa.Column(checks=pa.Check.isin(("inward", "outward")), **_text),
        "measure": pa.Column(checks=pa.Check.isin(("flow", "position", "income")), **_text),
        "period": pa.Column(checks=pa.Check.str_matches(r"^\d{4}$"), **_text),
        "value_usd": pa.Column("float64", nullable=False),
        "estimated": pa.Column("bool", nullable=False),
        "source": pa.Column(**_text),
        "source_url": pa.Column(**_text),
        "retrieved_at": pa.Column("datetime64[us, UTC]", nullable=False),
    },
    checks=[pa.Check(lambda df: ~df.duplicated(FDI_KEY, keep=False),
                     error="at most one row per reporter, counterpart, direction, measure and period")],
    strict=True,
    coerce=False,
)


def validate_fdi(frame: pd.DataFrame) -> pd.DataFrame:
    return validate(frame, FDI, "fdi frame")


#: Each store table of tidy rows and its validator; refresh and the snapshot build use this.
TABLE_VALIDATORS = {
    "trade": validate_trade,
    "series": validate_series,
    "customs": validate_customs,
    "minerals": validate_minerals,
    "fdi": validate_fdi,
}
TABLE_KEYS = {"trade": TRADE_KEY, "series": SERIES_KEY, "customs": CUSTOMS_KEY, "minerals": MINERALS_KEY,
              "fdi": FDI_KEY}


def empty(table: str) -> pd.DataFrame:
    """A zero-row frame with the columns and dtypes of a tidy table (for a store that lacks it)."""
    schema = {"trade": TRADE, "series": SERIES, "customs": CUSTOMS, "minerals": MINERALS, "fdi": FDI}[table]
    columns = {}
    for name, column in schema.columns.items():
        dtype = str(column.dtype)
        columns[name] = pd.Series([], dtype="str" if dtype.startswith("str") else dtype)
    return pd.DataFrame(columns)


#: The column holding each tidy table's number (what a refresh compares to count changes).
TABLE_VALUES = {"trade": "value_usd", "series": "value", "customs": "value", "minerals": "value", "fdi": "value_usd"}

#: The slice a source's answer is authoritative for: a refresh replaces every stored row of a slice
#: it received (a partner that no longer appears in an all-partner answer must not linger).
TABLE_SLICES = {
    "trade": ["reporter", "flow", "hs_code", "period"],
    "series": ["country", "series", "period"],
    "customs": ["reporter", "flow", "goods", "period"],
    "minerals": ["commodity", "measure", "period"],
    "fdi": ["reporter", "direction", "measure", "period"],
}

_SCHEMAS = {"trade": TRADE, "series": SERIES, "customs": CUSTOMS, "minerals": MINERALS, "fdi": FDI}
_PROVENANCE = ("source", "source_url", "retrieved_at")


def finish(table: str, rows: pd.DataFrame, *, source: str, source_url: str, retrieved_at: pd.Timestamp
           ) -> pd.DataFrame:
    """A parser's last step: ``rows`` (the table's data columns) cast to the schema's dtypes, the
    provenance columns added, sorted by the table's key and validated. A missing optional number
    column (``net_weight_kg``) is filled with NA."""
    schema = _SCHEMAS[table]
    columns = {}
    for name, column in schema.columns.items():
        if name in _PROVENANCE:
            continue
        dtype = "str" if str(column.dtype).startswith("str") else str(column.dtype)
        if name not in rows.columns and column.nullable:
            columns[name] = pd.Series(float("nan"), index=rows.index, dtype=dtype)
        else:
            columns[name] = rows[name].astype(dtype)
    columns["source"] = pd.Series(source, index=rows.index, dtype="str")
    columns["source_url"] = pd.Series(source_url, index=rows.index, dtype="str")
    columns["retrieved_at"] = pd.Series(retrieved_at, index=rows.index, dtype="datetime64[us, UTC]")
    out = pd.DataFrame(columns, columns=list(schema.columns))
    out = out.sort_values(TABLE_KEYS[table], kind="stable", ignore_index=True)
    return TABLE_VALIDATORS[table](out)
