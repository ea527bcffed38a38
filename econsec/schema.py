"""The tidy frames every connector produces and every indicator reads.

``TRADE``: one row per reporter x partner x flow x HS code x period.

* ``reporter`` ISO3 (Taiwan = TWN); ``partner`` ISO3, or ``WLD`` for the World total.
* ``partner_kind``: ``country`` (a supplier or customer), ``world`` (the total, never a
  supplier) or ``area`` (a residual such as "Areas, nes": part of the total, never a supplier).
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

import pandas as pd
import pandera.pandas as pa
from pandera.errors import SchemaError, SchemaErrors

from econsec.errors import ValidationError

FLOWS = ("import", "export", "re-import", "re-export")
PARTNER_KINDS = ("country", "world", "area")
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

_text = dict(dtype="str", nullable=False)

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
