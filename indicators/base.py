"""What every indicator family shares: the registry entry of an indicator, and the long format of
its values.

A family is a module of :mod:`indicators` with ``FAMILY`` (a title), ``INDICATORS`` (a tuple of
:class:`Indicator`) and ``compute(tables) -> DataFrame``: pure, from the store's tidy tables
(``trade``, ``series``, ``customs``, ``minerals``, ``fdi``; a family must cope with a table
being absent or empty) to values in the long format below. :mod:`indicators.registry` runs them
all at refresh and at snapshot build, with ``compute(tables, validated=True)``: it has validated each
table once, so no family checks it again (called directly, a family that checks its input still does);
pages and the CLI only read the stored result.

Long format, one row per value (``VALUE_COLUMNS``):

* ``indicator`` an id from a family's ``INDICATORS``;
* ``reporter`` the economy the value is about: ISO3, an aggregate of econsec.countries.AGGREGATES
  (WLD, EUU, QAS = ASEAN) or the alliance bloc QUJ (United States + Japan);
* ``partner`` the counterpart where the value is about a pair (China's exports *to* Japan;
  the US share of Viet Nam's trade), a partner-group id, else "";
* ``flow`` import | export | trade (exports + imports) | inward | outward | "";
* ``product`` an HS code, a product-group id, TOTAL (all goods), a series id, a commodity id, or "";
* ``product_kind`` hs | group | total | series | commodity | "";
* ``period`` YYYY or YYYY-MM; ``value`` float (on the indicator's unit; shares as 0–1 fractions).
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd
import pandera.pandas as pa

from econsec.schema import ISO3, PERIOD, TEXT, validate
from indicators.codes import BLOC  # noqa: F401 - re-exported (base.BLOC); light for goals and pages

VALUE_COLUMNS = ["indicator", "reporter", "partner", "flow", "product", "product_kind", "period", "value"]
VALUE_KEY = VALUE_COLUMNS[:-1]
FLOWS = ("import", "export", "trade", "inward", "outward", "")
PRODUCT_KINDS = ("hs", "group", "total", "series", "commodity", "")


@dataclass(frozen=True)
class Indicator:
    """Labels and units of one indicator id, for the CLI, the pages and the generated reference."""

    id: str
    name: str
    unit: str
    definition: str
    scale: str = ""  # how it is shown when that differs from the stored unit (HHI x 10,000)
    family: str = ""
    #: Which way serves the essays' goals: "lower" (less dependence), "higher" (more R&D), or "".
    better: str = ""
    source: str = ""  # where the inputs come from, in words


_text = dict(dtype=TEXT, nullable=False)
VALUES = pa.DataFrameSchema(
    {
        "indicator": pa.Column(**_text),
        "reporter": pa.Column(checks=pa.Check.str_matches(ISO3), **_text),
        "partner": pa.Column(**_text),
        "flow": pa.Column(checks=pa.Check.isin(FLOWS), **_text),
        "product": pa.Column(**_text),
        "product_kind": pa.Column(checks=pa.Check.isin(PRODUCT_KINDS), **_text),
        "period": pa.Column(checks=pa.Check.str_matches(PERIOD), **_text),
        "value": pa.Column("float64", checks=pa.Check(lambda s: s.abs() < float("inf"), error="finite"),
                           nullable=False),
    },
    checks=[pa.Check(lambda df: ~df.duplicated(VALUE_KEY, keep=False), error="one value per key")],
    strict=True,
    coerce=False,
)


def values(frame: pd.DataFrame) -> pd.DataFrame:
    """``frame`` with missing optional columns filled (""), typed and validated as indicator values."""
    return validate(typed(frame).reset_index(drop=True), VALUES, "indicator values")


def typed(frame: pd.DataFrame) -> pd.DataFrame:
    """``frame`` with missing optional columns filled ("") and typed, NOT validated: for joining parts
    that :func:`values` validates as a whole."""
    out = frame.copy()
    for column in VALUE_COLUMNS:
        if column not in out.columns:
            out[column] = ""
    out = out[VALUE_COLUMNS]
    for column in VALUE_KEY:
        out[column] = out[column].astype("str")
    out["value"] = out["value"].astype("float64")
    return out


def empty() -> pd.DataFrame:
    return values(pd.DataFrame({c: pd.Series([], dtype="float64" if c == "value" else "str") for c in VALUE_COLUMNS}))
