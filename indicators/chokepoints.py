"""Chokepoints: how concentrated the world's exports of a product are across exporting economies.

Input: the trade table's rows of each economy's exports of an HS code to the World (``flow``
export, ``partner_kind`` world; e.g. the UN Comtrade extract of HS 8542 exports by every
reporter). Aggregates (World, EU, ASEAN, the US+Japan bloc, ...) are never exporters, and
``TOTAL`` (all goods) is not a product.

* **Denominator**: the sum of the *reporting* exporters' exports in the period, not true world
  exports: economies that did not report to Comtrade that year are missing, so every share is a
  share of reported exports.
* **Re-exports**: an economy's exports include its re-exports where its statistics do (Hong Kong's
  Comtrade exports of chips are mostly re-exports of chips made elsewhere), so part of world
  trade is counted twice and entrepôts appear as large exporters.
* **Coverage rule** (:func:`covered_periods`): a period gets values only when at least
  :data:`MIN_REPORTERS` economies report the product and their number is at least
  :data:`COVERAGE_OF_MEDIAN` (80%) of the median number over the product's *annual* periods
  (the usual full-year coverage). In the bundled extract HS 8542 has 140–151 reporters a year in
  2013–2023 (median 144): 2024 has 86 (60% of the median) and is left out, as is every month of
  2025 (at most 68 reporters, and neither Taiwan, China, Korea nor Singapore among them), so
  monthly shares are never set beside full-year ones.

Values per product x period, reporter ``WLD`` (the world market), flow export, product_kind hs:
``exporter_hhi``, ``top_exporter_share``, ``top3_exporter_share``, ``reporting_exporters``, and
``exporter_share`` with partner = each exporter's ISO3 (every exporter with a positive value;
Taiwan's share of HS 8542 is :data:`HIGHLIGHTS`).

>>> from econsec.schema import empty_trade
>>> compute({"trade": empty_trade()}).empty
True
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from econsec.countries import AGGREGATES, TAIWAN
from econsec.schema import WORLD
from indicators import base
from indicators.base import BLOC, Indicator
from indicators.concentration import hhi

FAMILY = "Chokepoints"

#: A "world market" needs many reporters: a product only a few economies report (Taiwan's own
#: customs rows of 854231...) says nothing about world concentration.
MIN_REPORTERS = 50
#: A period counts when its reporter count is at least this fraction of the product's median
#: annual reporter count (2024's 86 reporters against 2013–2023's ~144 fail it).
COVERAGE_OF_MEDIAN = 0.8
#: (product, exporter) shares a page should name: Taiwan in integrated circuits.
HIGHLIGHTS: tuple[tuple[str, str], ...] = (("8542", TAIWAN),)

_SOURCE = "UN Comtrade: each reporting economy's exports of the HS code to the World (trade table)"
_DENOM = (
    " Shares are of the sum of the reporting economies' exports (non-reporters are missing; "
    "re-exports, e.g. Hong Kong's, are included and double count part of trade)."
)

INDICATORS: tuple[Indicator, ...] = (
    Indicator(
        "exporter_hhi",
        "World export concentration (HHI)",
        "index 0–1",
        "Herfindahl–Hirschman index over exporting economies' shares of world exports of the "
        "product. Only for periods with enough reporters (see the family note)." + _DENOM,
        "0–1; shown ×10,000 as HHI points.",
        FAMILY,
        "lower",
        _SOURCE,
    ),
    Indicator(
        "top_exporter_share",
        "Largest exporter's share of world exports",
        "share 0–1",
        "The largest exporting economy's exports / sum of reporting economies' exports." + _DENOM,
        "0–1; shown as a percentage.",
        FAMILY,
        "lower",
        _SOURCE,
    ),
    Indicator(
        "top3_exporter_share",
        "Top-3 exporters' share of world exports",
        "share 0–1",
        "The three largest exporting economies' exports / sum of reporting economies' exports." + _DENOM,
        "0–1; shown as a percentage.",
        FAMILY,
        "lower",
        _SOURCE,
    ),
    Indicator(
        "exporter_share",
        "Exporter's share of world exports",
        "share 0–1",
        "The partner economy's exports of the product / sum of reporting economies' exports "
        "(partner = the exporter)." + _DENOM,
        "0–1; shown as a percentage.",
        FAMILY,
        "",
        _SOURCE,
    ),
    Indicator(
        "reporting_exporters",
        "Reporting exporters",
        "economies",
        "Economies reporting exports of the product to the World in the period (zeros included): "
        "the coverage behind the shares.",
        "count",
        FAMILY,
        "",
        _SOURCE,
    ),
)

_NON_EXPORTERS = frozenset(AGGREGATES) | {BLOC}


def exports_to_world(trade: pd.DataFrame) -> pd.DataFrame:
    """``product, period, exporter, value_usd``: economies' World export rows of HS codes."""
    t = trade[
        (trade["flow"] == "export")
        & (trade["partner_kind"] == "world")
        & (trade["partner"] == WORLD)
        & (trade["hs_code"] != "TOTAL")
        & ~trade["reporter"].isin(_NON_EXPORTERS)
    ]
    out = t.rename(columns={"hs_code": "product", "reporter": "exporter"})
    out = out[["product", "period", "exporter", "value_usd"]]
    assert not out.duplicated(["product", "period", "exporter"]).any(), "one World row per exporter, product, period"
    return out.reset_index(drop=True)


def covered_periods(
    counts: pd.DataFrame, *, min_reporters: int = MIN_REPORTERS, coverage_of_median: float = COVERAGE_OF_MEDIAN
) -> pd.DataFrame:
    """``counts`` (``product, period, n``: reporters per period) with a boolean ``covered`` column.

    Covered: ``n >= min_reporters`` and ``n >= coverage_of_median x`` the median ``n`` over the
    product's annual periods (over all its periods when it has no annual ones).

    >>> c = pd.DataFrame({"product": ["8542"] * 4, "period": ["2021", "2022", "2023", "2024"],
    ...                   "n": [150, 148, 141, 86]})
    >>> covered_periods(c)["covered"].tolist()
    [True, True, True, False]
    """
    out = counts.copy()
    annual = out["period"].str.len() == 4
    ref = out[annual].groupby("product")["n"].median()
    ref_all = out.groupby("product")["n"].median()
    reference = out["product"].map(ref).fillna(out["product"].map(ref_all))
    out["covered"] = (out["n"] >= min_reporters) & (out["n"] >= coverage_of_median * reference)
    return out


def export_concentration(
    trade: pd.DataFrame, *, min_reporters: int = MIN_REPORTERS, coverage_of_median: float = COVERAGE_OF_MEDIAN
) -> pd.DataFrame:
    """Chokepoint values in the long format of :mod:`indicators.base` (rules in the module doc).

    Exporters A 50, B 30, C 20 (with ``min_reporters=1``) give exporter_hhi 0.38,
    top_exporter_share 0.5, top3_exporter_share 1.0, exporter_share 0.5/0.3/0.2.
    """
    x = exports_to_world(trade)
    if x.empty:
        return base.empty()
    counts = x.groupby(["product", "period"], as_index=False).agg(n=("exporter", "size"))
    counts = covered_periods(counts, min_reporters=min_reporters, coverage_of_median=coverage_of_median)
    keep = counts[counts["covered"]]
    x = x.merge(keep[["product", "period"]], on=["product", "period"])
    x = x[x["value_usd"] > 0]
    rows: list[dict] = []
    for (product, period), g in x.groupby(["product", "period"], sort=True):
        total = g["value_usd"].sum()
        g = g.sort_values(["value_usd", "exporter"], ascending=[False, True], kind="mergesort")
        shares = (g["value_usd"] / total).to_numpy()
        key = dict(product=product, period=period)
        rows.append(key | dict(indicator="exporter_hhi", value=hhi(g["value_usd"].to_numpy())))
        rows.append(key | dict(indicator="top_exporter_share", value=float(shares[0])))
        rows.append(key | dict(indicator="top3_exporter_share", value=float(shares[:3].sum())))
        rows.extend(
            key | dict(indicator="exporter_share", partner=p, value=float(s))
            for p, s in zip(g["exporter"], shares, strict=True)
        )
    for r in keep.itertuples(index=False):
        rows.append(dict(product=r.product, period=r.period, indicator="reporting_exporters", value=float(r.n)))
    if not rows:
        return base.empty()
    out = pd.DataFrame(rows)
    out["partner"] = out["partner"].fillna("") if "partner" in out else ""
    out = out.assign(reporter=WORLD, flow="export", product_kind="hs")
    assert np.isfinite(out["value"]).all()
    return base.values(out.sort_values(["indicator", "product", "period", "partner"], kind="mergesort"))


def compute(tables: dict[str, pd.DataFrame], *, validated: bool = False) -> pd.DataFrame:
    """:func:`export_concentration` of the trade table; no rows when it is absent or empty.
    (``validated`` is accepted for the registry's uniform call; this family checks no input schema.)"""
    trade = tables.get("trade")
    if trade is None or trade.empty:
        return base.empty()
    return export_concentration(trade)
