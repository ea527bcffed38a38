"""Innovation and growth: R&D, researchers, high-tech trade, patents, IP charges, growth and openness.

From the ``series`` table (World Bank World Development Indicators, :mod:`econsec.schema` SERIES),
one value per reporter x year. Reporters are whatever the table holds: countries and the WDI
aggregates it carries (WLD, EUU, EAS) are passed through as reporters, never summed.

Two kinds of indicator:

* **Passthroughs** (:data:`PASSTHROUGHS`): a WDI series copied unchanged, ``product`` = the WDI
  series id, ``product_kind`` "series". Percentages stay as WDI gives them (``% of GDP``, ``annual
  %``): the unit of each :class:`~indicators.base.Indicator` says so.
* **Derived** (computed here, ``product`` ""): ``trade_openness`` (WDI % units, a sum of two WDI
  percentages), ``ip_balance_ratio`` (a ratio), ``nonresident_patent_share`` (a 0–1 fraction, as
  every share econsec computes) and ``rd_gap_to_china`` (percentage points).

A derived value needs every input for the same reporter and year; otherwise no row (no filling,
no interpolation). The WDI files carry no estimate flags and no partial years (WDI publishes a
year's value only once the year is complete), so every year present is used.

>>> compute({})["indicator"].tolist()
[]
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from econsec.countries import CHINA
from econsec.schema import validate_series
from indicators import base

FAMILY = "Innovation and growth"

_WDI = "World Bank, World Development Indicators"
_UIS = f"{_WDI} (from UNESCO Institute for Statistics)"
_UNIDO = f"{_WDI} (from UNIDO, Competitive Industrial Performance database)"
_WIPO = f"{_WDI} (from WIPO Patent Report and Statistics Database)"
_BOP = f"{_WDI} (from IMF Balance of Payments Statistics)"
_COMTRADE = f"{_WDI} (from UN Comtrade)"

#: WDI series ids read here.
RD = "GB.XPD.RSDV.GD.ZS"
RESEARCHERS = "SP.POP.SCIE.RD.P6"
HIGHTECH_EXPORTS = "TX.VAL.TECH.CD"
HIGHTECH_SHARE = "TX.VAL.TECH.MF.ZS"
MHT_VA = "NV.MNF.TECH.ZS.UN"
GDP_GROWTH = "NY.GDP.MKTP.KD.ZG"
GDP = "NY.GDP.MKTP.CD"
FDI_IN = "BX.KLT.DINV.CD.WD"
PATENTS_RES = "IP.PAT.RESD"
PATENTS_NONRES = "IP.PAT.NRES"
IP_RECEIPTS = "BX.GSR.ROYL.CD"
IP_PAYMENTS = "BM.GSR.ROYL.CD"
EXPORTS_GDP = "NE.EXP.GNFS.ZS"
IMPORTS_GDP = "NE.IMP.GNFS.ZS"

#: The economies whose R&D intensity is compared with China's (``rd_gap_to_china``).
RD_GAP_REPORTERS = ("USA", "JPN", "KOR")


@dataclass(frozen=True)
class Passthrough:
    """A WDI series emitted unchanged under an econsec indicator id."""

    indicator: str
    series: str
    flow: str = ""


#: indicator id -> WDI series (and the flow it describes, where it is one).
PASSTHROUGHS: tuple[Passthrough, ...] = (
    Passthrough("rd_intensity", RD),
    Passthrough("researchers_per_million", RESEARCHERS),
    Passthrough("hightech_exports_usd", HIGHTECH_EXPORTS, "export"),
    Passthrough("hightech_export_share", HIGHTECH_SHARE, "export"),
    Passthrough("medhightech_va_share", MHT_VA),
    Passthrough("gdp_growth", GDP_GROWTH),
    Passthrough("gdp_usd", GDP),
    Passthrough("fdi_inflows_usd", FDI_IN, "inward"),
    Passthrough("patent_applications_resident", PATENTS_RES),
    Passthrough("patent_applications_nonresident", PATENTS_NONRES),
    # Charges for the use of IP are services trade in the balance of payments: receipts are
    # exports of IP services, payments imports.
    Passthrough("ip_receipts_usd", IP_RECEIPTS, "export"),
    Passthrough("ip_payments_usd", IP_PAYMENTS, "import"),
)


def _ind(id: str, name: str, unit: str, definition: str, scale: str, better: str, source: str) -> base.Indicator:
    return base.Indicator(id, name, unit, definition, scale, FAMILY, better, source)


INDICATORS: tuple[base.Indicator, ...] = (
    _ind("rd_intensity", "R&D intensity", "% of GDP",
         f"Gross domestic expenditure on research and development as a percentage of GDP (WDI {RD}), "
         "as WDI gives it.", "per cent of GDP (3.4 = 3.4% of GDP)", "higher", _UIS),
    _ind("researchers_per_million", "Researchers in R&D", "researchers per million people",
         f"Researchers engaged in R&D per million people (WDI {RESEARCHERS}).", "per million people", "higher",
         _UIS),
    _ind("hightech_exports_usd", "High-technology exports", "current US$",
         f"Exports of products with high R&D intensity (aerospace, computers, pharmaceuticals, scientific "
         f"instruments, electrical machinery) in current US dollars (WDI {HIGHTECH_EXPORTS}).",
         "current US dollars", "higher", _COMTRADE),
    _ind("hightech_export_share", "High-tech share of manufactured exports", "% of manufactured exports",
         f"High-technology exports as a percentage of manufactured exports (WDI {HIGHTECH_SHARE}), as WDI "
         "gives it (per cent, not a 0–1 fraction).", "per cent", "higher", _COMTRADE),
    _ind("medhightech_va_share", "Medium and high-tech manufacturing", "% of manufacturing value added",
         f"Medium- and high-tech industry value added as a percentage of manufacturing value added (WDI {MHT_VA}).",
         "per cent", "higher", _UNIDO),
    _ind("gdp_growth", "GDP growth", "annual %",
         f"Annual growth of GDP at constant local-currency prices (WDI {GDP_GROWTH}), per cent.",
         "per cent per year", "higher", _WDI),
    _ind("gdp_usd", "GDP", "current US$", f"Gross domestic product in current US dollars (WDI {GDP}).",
         "current US dollars", "", _WDI),
    _ind("fdi_inflows_usd", "FDI net inflows", "current US$",
         f"Foreign direct investment, net inflows (new investment inflows less disinvestment) into the reporter, "
         f"balance-of-payments basis, current US dollars (WDI {FDI_IN}); may be negative.",
         "current US dollars", "", _BOP),
    _ind("patent_applications_resident", "Patent applications by residents", "applications",
         f"Patent applications filed by residents of the reporter at its national patent office (WDI {PATENTS_RES}).",
         "count", "higher", _WIPO),
    _ind("patent_applications_nonresident", "Patent applications by non-residents", "applications",
         f"Patent applications filed at the reporter's national patent office by non-residents (WDI "
         f"{PATENTS_NONRES}).", "count", "", _WIPO),
    _ind("ip_receipts_usd", "IP receipts", "current US$",
         f"Charges for the use of intellectual property received from abroad (royalties and licence fees; "
         f"WDI {IP_RECEIPTS}).", "current US dollars", "higher", _BOP),
    _ind("ip_payments_usd", "IP payments", "current US$",
         f"Charges for the use of intellectual property paid abroad (WDI {IP_PAYMENTS}).",
         "current US dollars", "", _BOP),
    _ind("trade_openness", "Trade openness", "% of GDP",
         f"Exports plus imports of goods and services as a percentage of GDP: WDI {EXPORTS_GDP} + {IMPORTS_GDP}, "
         "same reporter and year. WDI's own NE.TRD.GNFS.ZS 'Trade (% of GDP)' is defined as exactly this sum "
         "('the sum of exports and imports of goods and services measured as a share of gross domestic "
         "product', WDI metadata) but is not in the bundled files. May exceed 100.",
         "per cent of GDP", "", _WDI),
    _ind("ip_balance_ratio", "IP receipts / payments", "ratio",
         f"IP receipts ({IP_RECEIPTS}) / IP payments ({IP_PAYMENTS}), both current US$, same reporter and year. "
         "A knowledge-exporter indicator: above 1 the reporter earns more from its intellectual property "
         "abroad than it pays for foreign IP (net exporter of IP). Only where payments are positive.",
         "ratio (1 = balance)", "higher", _BOP),
    _ind("nonresident_patent_share", "Non-resident share of patent applications", "share 0–1",
         f"Non-resident applications / (resident + non-resident applications) at the reporter's patent office "
         f"({PATENTS_NONRES}, {PATENTS_RES}), a 0–1 fraction computed by econsec. An indicator of openness to "
         "foreign inventors, relevant to 'knowledge friendshoring'; a high share can also mean little "
         "domestic inventive activity.", "0–1; shown as a percentage", "", _WIPO),
    _ind("rd_gap_to_china", "R&D intensity gap to China", "percentage points",
         f"The reporter's R&D intensity minus China's in the same year ({RD}, % of GDP): positive = the reporter "
         f"spends a larger share of GDP on R&D than China. Partner CHN. Reporters: {', '.join(RD_GAP_REPORTERS)}.",
         "percentage points of GDP", "higher", _UIS),
)
INDICATORS_BY_ID = {i.id: i for i in INDICATORS}
assert len(INDICATORS_BY_ID) == len(INDICATORS), "indicator ids are unique"
assert {p.indicator for p in PASSTHROUGHS} <= set(INDICATORS_BY_ID), "every passthrough is registered"


def _rows(indicator: str, reporter: pd.Series, period: pd.Series, value: pd.Series, *, partner: str = "",
          flow: str = "", product: str = "", product_kind: str = "") -> pd.DataFrame:
    return pd.DataFrame({
        "indicator": indicator,
        "reporter": np.asarray(reporter, dtype=object),
        "partner": partner,
        "flow": flow,
        "product": product,
        "product_kind": product_kind,
        "period": np.asarray(period, dtype=object),
        "value": np.asarray(value, dtype="float64"),
    })


def passthroughs(series: pd.DataFrame) -> pd.DataFrame:
    """The :data:`PASSTHROUGHS` rows of ``series``, values unchanged (non-finite values dropped)."""
    parts = []
    for p in PASSTHROUGHS:
        rows = series[(series["series"] == p.series) & np.isfinite(series["value"])]
        parts.append(_rows(p.indicator, rows["country"], rows["period"], rows["value"],
                           flow=p.flow, product=p.series, product_kind="series"))
    return pd.concat(parts, ignore_index=True)


def _wide(series: pd.DataFrame, ids: list[str]) -> pd.DataFrame:
    """reporter x period rows, one column per series id in ``ids`` (NaN where absent)."""
    rows = series[series["series"].isin(ids) & np.isfinite(series["value"])]
    wide = rows.pivot(index=["country", "period"], columns="series", values="value")
    return wide.reindex(columns=ids)


def derived(series: pd.DataFrame) -> pd.DataFrame:
    """The computed indicators (definitions in :data:`INDICATORS`); a value needs all its inputs.

    Exports 20 and imports 25 (% of GDP) give trade_openness 45; receipts 30 and payments 20 give
    ip_balance_ratio 1.5; 300 resident and 100 non-resident applications give
    nonresident_patent_share 0.25; R&D 3.4 vs China's 2.6 gives rd_gap_to_china 0.8.
    """
    w = _wide(series, [EXPORTS_GDP, IMPORTS_GDP, IP_RECEIPTS, IP_PAYMENTS, PATENTS_RES, PATENTS_NONRES, RD])
    country = w.index.get_level_values("country")
    period = w.index.get_level_values("period")
    parts = []

    def emit(indicator: str, value: pd.Series, keep: pd.Series, **kw: str) -> None:
        keep = keep.to_numpy(dtype=bool) & np.isfinite(value.to_numpy(dtype="float64"))
        parts.append(_rows(indicator, country[keep], period[keep], value.to_numpy()[keep], **kw))

    exp, imp = w[EXPORTS_GDP], w[IMPORTS_GDP]
    emit("trade_openness", exp + imp, exp.notna() & imp.notna())

    rec, pay = w[IP_RECEIPTS], w[IP_PAYMENTS]
    with np.errstate(divide="ignore", invalid="ignore"):
        emit("ip_balance_ratio", rec / pay, (pay > 0) & (rec >= 0))

    res, nres = w[PATENTS_RES], w[PATENTS_NONRES]
    total = res + nres
    with np.errstate(divide="ignore", invalid="ignore"):
        emit("nonresident_patent_share", nres / total, (res >= 0) & (nres >= 0) & (total > 0))

    rd = w[RD]
    china = rd.xs(CHINA, level="country") if CHINA in set(country) else pd.Series(dtype="float64")
    china_same_year = pd.Series(period, index=w.index).map(china)
    gap = rd - china_same_year.to_numpy(dtype="float64")
    emit("rd_gap_to_china", gap, pd.Series(country.isin(RD_GAP_REPORTERS), index=w.index) & gap.notna(),
         partner=CHINA)
    return pd.concat(parts, ignore_index=True)


def compute(tables: dict[str, pd.DataFrame], *, validated: bool = False) -> pd.DataFrame:
    """Every indicator of this family from ``tables["series"]``; no rows when it is absent or empty.
    The series are validated here unless ``validated`` (``indicators.registry`` validates them once)."""
    series = tables.get("series")
    if series is None or series.empty:
        return base.empty()
    if not validated:
        series = validate_series(series)
    out = pd.concat([passthroughs(series), derived(series)], ignore_index=True)
    if out.empty:
        return base.empty()
    order = {i.id: n for n, i in enumerate(INDICATORS)}
    out = out.sort_values(["indicator", "reporter", "period"], key=lambda c: c.map(order) if c.name == "indicator"
                          else c, kind="mergesort")
    return base.values(out)
