"""Dependency screening: the European Commission's three-criteria flag of foreign-dependent products.

The method (European Commission, SWD(2021) 352, "Strategic dependencies and capacities", 5 May
2021; applied again in SWD(2022) 41) screens every HS6 product the EU imports and flags it when
all three criteria hold:

1. **Concentration**: the HHI of imports across supplier countries is above 0.4
   (:data:`indicators.thresholds.HHI_EC_DEPENDENCY`; strictly above: 0.4 itself does not flag).
2. **Importance of imports in demand**: in the EU version extra-EU imports / total EU imports
   (intra-EU included, a proxy for demand) is above 0.5.
3. **Substitutability**: extra-EU imports / EU exports (a proxy for EU production) is above 1.

What we can measure here (no production data, so each criterion is only as good as its proxy):

* **Criterion 1** uses :func:`indicators.concentration.concentration`'s ``hhi`` (computed only
  where the partner breakdown covers the World total; else the criterion is *unknown*). For the
  bloc QUJ (United States + Japan) it is :func:`indicators.alliance.bloc`'s ``bloc_hhi``, the HHI
  of the pooled *extra-bloc* imports (as the EC takes extra-EU imports), which needs complete
  breakdowns on both sides; the bloc is screened only where it has one.
* **Criterion 2**, for the bloc: extra-bloc imports / total bloc imports (intra-bloc included),
  i.e. ``1 - bloc_intra_share`` of :mod:`indicators.alliance`, the direct analogue of the EC
  ratio. For a **single economy** the only proxy the data offers is
  ``imports / (imports + exports)``: it is reported (``screen_import_reliance``) but **not counted
  as a criterion**, because ``M / (M + X) > 0.5`` holds exactly when ``M / X > 1``: it is
  criterion 3 restated, and counting it would score one test twice. For a single economy
  criterion 2 is therefore always *unknown*.
* **Criterion 3**: imports / exports of the same product and period, exports being the World row
  of the reporter's exports (for the bloc: extra-bloc imports / the members' total exports, as the
  EC divides by total EU exports). No export row → *unknown*; exports 0 with positive imports →
  the criterion holds but the ratio has no finite value (no ratio row). (Exports stand for
  production; whether intra-bloc exports count matters only for the bloc, where the members'
  total exports are used — our reading of the SWD's "EU exports", not checked against the text.)

A product is **flagged** when criterion 1 is known and every *known* criterion holds;
``screen_criteria_known`` (1–3) says how many criteria that rests on, so a page can say "flagged
on 1 of 3 criteria, the others unknown". A product without a known HHI gets no flag at all.

Products: every HS code of the trade table with an import World row (``TOTAL`` — all goods — is
not a product and is not screened), plus each HS heading of :data:`HEADINGS` rebuilt from *all*
its subheadings when a reporter's imports come at 6 digits and its exports at 4 (US imports of
854231…854290 against US exports of 8542). A heading the table reports directly is never
replaced by the rebuilt one. Periods are those of the data (imports and exports must share the
period: a monthly export row is never compared with an annual import total).

>>> from econsec.schema import empty_trade
>>> compute({"trade": empty_trade()}).empty
True
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from econsec.schema import validate_trade
from indicators import alliance, base, concentration
from indicators.base import BLOC, Indicator
from indicators.products import ProductGroup
from indicators.rules import HEADINGS, HHI_CRITERION, IMPORT_EXPORT_CRITERION, SCREEN_RTOL

FAMILY = "Dependency screening"

_EC = (
    "European Commission, SWD(2021) 352 'Strategic dependencies and capacities' (5 May 2021) and "
    "SWD(2022) 41; applied to UN Comtrade imports and exports by partner as held in the trade table"
)
#: Criterion 2 (SWD(2021) 352): extra-EU imports / total EU imports strictly above 0.5.
IMPORT_SHARE_CRITERION = 0.5



_CRITERIA = ("hhi_criterion", "reliance_criterion", "substitutability_criterion")

INDICATORS: tuple[Indicator, ...] = (
    Indicator(
        "screen_hhi",
        "Import concentration (screening HHI)",
        "index 0–1",
        "HHI of imports across supplier countries, as used by criterion 1 (for the US+Japan bloc: "
        "of extra-bloc imports). Only where the partner breakdown covers the total.",
        "0–1; shown ×10,000 as HHI points.",
        FAMILY,
        "lower",
        _EC,
    ),
    Indicator(
        "screen_hhi_criterion",
        "Criterion 1: imports concentrated",
        "1/0",
        f"1 when the screening HHI is above {HHI_CRITERION:g} (strictly), else 0; no value when the "
        "HHI is unknown.",
        "yes/no",
        FAMILY,
        "lower",
        _EC,
    ),
    Indicator(
        "screen_import_reliance",
        "Import reliance (proxy)",
        "ratio 0–1",
        "For the US+Japan bloc: extra-bloc imports / total bloc imports (intra-bloc included), the "
        "EC's criterion 2. For a single economy: imports / (imports + exports) of the product, a "
        "proxy shown for information only (it exceeds 0.5 exactly when imports exceed exports, "
        "i.e. it repeats criterion 3, so it is not counted as a criterion).",
        "0–1; shown as a percentage.",
        FAMILY,
        "lower",
        _EC,
    ),
    Indicator(
        "screen_reliance_criterion",
        "Criterion 2: imports important in demand",
        "1/0",
        f"1 when extra-bloc imports / total bloc imports is above {IMPORT_SHARE_CRITERION:g}. Only for "
        "the US+Japan bloc: for a single economy there is no production or intra-trade data, so the "
        "criterion is unknown (no value).",
        "yes/no",
        FAMILY,
        "lower",
        _EC,
    ),
    Indicator(
        "screen_import_export_ratio",
        "Imports / exports",
        "ratio",
        "Imports / exports of the same product and period (World rows; for the bloc: extra-bloc "
        "imports / the members' total exports). Exports proxy domestic production, as in the EC "
        "method. No value when exports are unknown or zero.",
        "ratio (1 = imports equal exports)",
        FAMILY,
        "lower",
        _EC,
    ),
    Indicator(
        "screen_substitutability_criterion",
        "Criterion 3: little domestic substitute",
        "1/0",
        f"1 when imports / exports is above {IMPORT_EXPORT_CRITERION:g} (also when exports are 0 and "
        "imports positive), else 0; no value when exports are unknown.",
        "yes/no",
        FAMILY,
        "lower",
        _EC,
    ),
    Indicator(
        "screen_criteria_known",
        "Screening criteria known",
        "count 1–3",
        "How many of the three EC criteria the data can decide for this product and period.",
        "count",
        FAMILY,
        "",
        _EC,
    ),
    Indicator(
        "screen_flagged",
        "Flagged as foreign-dependent",
        "1/0",
        "1 when the concentration criterion is known and every known criterion holds (read with "
        "screen_criteria_known: flagged on 1, 2 or 3 criteria); 0 when a known criterion fails; "
        "no value when the HHI is unknown.",
        "yes/no",
        FAMILY,
        "lower",
        _EC,
    ),
)

SCREEN_COLUMNS = [
    "reporter",
    "product",
    "period",
    "hhi",
    "imports_usd",
    "exports_usd",
    "import_reliance",
    "import_export_ratio",
    *_CRITERIA,
    "criteria_known",
    "flagged",
]
_KEY = ["reporter", "product", "period"]
_TOTAL_KEY = ["reporter", "flow", "hs_code", "period"]
_OUT = {  # indicator id -> screen() column
    "screen_hhi": "hhi",
    "screen_hhi_criterion": "hhi_criterion",
    "screen_import_reliance": "import_reliance",
    "screen_reliance_criterion": "reliance_criterion",
    "screen_import_export_ratio": "import_export_ratio",
    "screen_substitutability_criterion": "substitutability_criterion",
    "screen_criteria_known": "criteria_known",
    "screen_flagged": "flagged",
}


def above(values: np.ndarray | float, threshold: float) -> np.ndarray:
    """1.0 where ``values`` is strictly above ``threshold`` (beyond rounding), 0.0 where not, NaN where unknown.

    >>> above(np.array([0.4, 0.4000000000000001, 0.41, np.nan]), 0.4).tolist()
    [0.0, 0.0, 1.0, nan]
    """
    v = np.asarray(values, dtype="float64")
    with np.errstate(invalid="ignore"):
        hit = (v > threshold) & ~np.isclose(v, threshold, rtol=SCREEN_RTOL, atol=0.0)
    return np.where(np.isnan(v), np.nan, hit.astype("float64"))


# --------------------------------------------------------------------------------------------
# Totals and the bloc


def _world_totals(trade: pd.DataFrame) -> pd.DataFrame:
    """``reporter, flow, hs_code, period, value`` from World rows, plus rebuilt :data:`HEADINGS`."""
    w = trade.loc[trade["partner_kind"] == "world", [*_TOTAL_KEY, "value_usd"]].rename(columns={"value_usd": "value"})
    parts = [w]
    for heading, subs in HEADINGS.items():
        s = w[w["hs_code"].isin(subs)]
        g = s.groupby(["reporter", "flow", "period"], as_index=False).agg(value=("value", "sum"), n=("value", "size"))
        g = g[g["n"] == len(subs)].drop(columns="n").assign(hs_code=heading)  # every subheading present
        direct = w.loc[w["hs_code"] == heading, ["reporter", "flow", "period"]]
        g = g.merge(direct.assign(_direct=True), on=["reporter", "flow", "period"], how="left")
        parts.append(g[g["_direct"].isna()].drop(columns="_direct"))
    out = pd.concat(parts, ignore_index=True)[[*_TOTAL_KEY, "value"]]
    assert not out.duplicated(_TOTAL_KEY).any(), "one total per (reporter, flow, hs_code, period)"
    return out


def _bloc(trade: pd.DataFrame, totals: pd.DataFrame, groups: list[ProductGroup]) -> pd.DataFrame:
    """Screen inputs of the bloc QUJ: ``reporter, product, period, hhi, imports_usd, exports_usd,
    import_reliance`` from :func:`indicators.alliance.bloc` (extra-bloc HHI and intra-bloc share,
    both needing complete breakdowns on both sides) and the members' World totals.
    """
    a = alliance.bloc(trade, groups=groups)
    a = a[a["indicator"].isin(["bloc_hhi", "bloc_intra_share"]) & (a["product_kind"] != "total")]
    if a.empty:
        return pd.DataFrame(columns=[*_KEY, "hhi", "imports_usd", "exports_usd", "import_reliance"])
    w = a.pivot_table(index=["product", "product_kind", "period"], columns="indicator", values="value",
                      aggfunc="first").reindex(columns=["bloc_hhi", "bloc_intra_share"]).reset_index()
    # A rebuilt heading (a "group" here) only where the members' tables do not report it directly.
    direct = w.loc[w["product_kind"] == "hs", ["product", "period"]].assign(_direct=True)
    w = w.merge(direct, on=["product", "period"], how="left")
    w = w[(w["product_kind"] == "hs") | w["_direct"].isna()]
    m = totals[totals["reporter"].isin(alliance.BLOC_MEMBERS)]
    both = m.groupby(["flow", "hs_code", "period"], as_index=False)["value"].agg(["sum", "size"])
    both = both[both["size"] == len(alliance.BLOC_MEMBERS)]  # every member has a World row
    idx = pd.MultiIndex.from_frame(w[["product", "period"]].rename(columns={"product": "hs_code"}))

    def bloc_total(flow: str) -> np.ndarray:
        f = both[both["flow"] == flow].set_index(["hs_code", "period"])["sum"]
        return f.reindex(idx).to_numpy(dtype="float64")

    bloc_m, bloc_x = bloc_total("import"), bloc_total("export")
    intra = w["bloc_intra_share"].to_numpy()
    out = pd.DataFrame({
        "reporter": BLOC,
        "product": w["product"].to_numpy(),
        "period": w["period"].to_numpy(),
        "hhi": w["bloc_hhi"].to_numpy(),
        "imports_usd": bloc_m * (1.0 - intra),  # extra-bloc imports
        "exports_usd": bloc_x,  # the members' total exports (the EC divides by total EU exports)
        "import_reliance": 1.0 - intra,  # extra-bloc / total bloc imports
    })
    return out[out["imports_usd"].notna()]


# --------------------------------------------------------------------------------------------
# The screen


def _heading_groups() -> list[ProductGroup]:
    return [
        ProductGroup(id=h, name=f"HS {h}", hs_codes=subs, source="every HS subheading of the heading")
        for h, subs in HEADINGS.items()
    ]


def _hhi(trade: pd.DataFrame, groups: list[ProductGroup], validated: bool = False) -> pd.DataFrame:
    """``reporter, product, period, hhi`` of imports for HS codes and rebuilt headings."""
    c = concentration.concentration(trade, flow="import", groups=groups, validated=validated)
    c = c[c["indicator"] == "hhi"]
    direct = c[c["product_kind"] == "hs"]
    rebuilt = c[c["product_kind"] == "group"]
    # A rebuilt heading only where the table does not report the heading itself.
    rebuilt = rebuilt.merge(direct[_KEY].assign(_direct=True), on=_KEY, how="left")
    rebuilt = rebuilt[rebuilt["_direct"].isna()]
    return pd.concat([direct, rebuilt], ignore_index=True)[[*_KEY, "value"]].rename(columns={"value": "hhi"})


def _finite(a: np.ndarray) -> np.ndarray:
    """``a`` with infinities (a ratio over a vanishing denominator) as NaN: no finite value to show."""
    return np.where(np.isfinite(a), a, np.nan)


def screen(trade: pd.DataFrame, *, validated: bool = False) -> pd.DataFrame:
    """One row per (reporter, product, period) with imports: the three criteria (1.0/0.0/NaN =
    unknown), their values and the flag; columns :data:`SCREEN_COLUMNS`. Rules in the module doc.
    ``validated``: ``trade`` was validated already; otherwise concentration() validates the rows read.
    """
    trade = trade[(trade["hs_code"] != "TOTAL") & (trade["reporter"] != BLOC)]
    if trade.empty:
        return pd.DataFrame({c: pd.Series([], dtype="str" if c in _KEY else "float64") for c in SCREEN_COLUMNS})
    groups = _heading_groups()
    totals = _world_totals(trade)
    imports = totals[totals["flow"] == "import"].rename(columns={"hs_code": "product", "value": "imports_usd"})
    exports = totals[totals["flow"] == "export"].rename(columns={"hs_code": "product", "value": "exports_usd"})
    s = imports.drop(columns="flow").merge(exports.drop(columns="flow"), on=_KEY, how="left")
    s = s.merge(_hhi(trade, groups, validated), on=_KEY, how="left")
    m, x = s["imports_usd"].to_numpy(), s["exports_usd"].to_numpy()
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        # One economy: M / (M + X) is shown but is criterion 3 restated, so it is not a criterion.
        s["import_reliance"] = np.where(m + x > 0, m / (m + x), np.nan)
    s["reliance_criterion"] = np.nan

    b = _bloc(trade, totals, groups)
    if not b.empty:
        b["reliance_criterion"] = above(b["import_reliance"].to_numpy(dtype="float64"), IMPORT_SHARE_CRITERION)
        s = pd.concat([s, b], ignore_index=True)

    m, x = s["imports_usd"].to_numpy(dtype="float64"), s["exports_usd"].to_numpy(dtype="float64")
    h = s["hhi"].to_numpy(dtype="float64")
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        s["import_export_ratio"] = _finite(np.where(x > 0, m / x, np.nan))
        # Imports over exports above 1, written so that exports of 0 (ratio infinite) still count.
        ratio = np.where(x > 0, m / x, np.inf)
    sub_known = ~np.isnan(x) & (m + np.nan_to_num(x) > 0)
    s["substitutability_criterion"] = np.where(sub_known, above(ratio, IMPORT_EXPORT_CRITERION), np.nan)
    s["hhi_criterion"] = above(h, HHI_CRITERION)
    crit = s[list(_CRITERIA)].to_numpy(dtype="float64")
    known = (~np.isnan(crit)).sum(axis=1)
    failed = (crit == 0).any(axis=1)
    s["criteria_known"] = np.where(known > 0, known, np.nan).astype("float64")
    s["flagged"] = np.where(np.isnan(h), np.nan, ~failed).astype("float64")
    out = s[SCREEN_COLUMNS].sort_values(_KEY, kind="mergesort").reset_index(drop=True)
    for c in _KEY:
        out[c] = out[c].astype("str")
    for c in SCREEN_COLUMNS[3:]:
        out[c] = out[c].astype("float64")
    return out


def compute(tables: dict[str, pd.DataFrame], *, validated: bool = False) -> pd.DataFrame:
    """Screening values in the long format of :mod:`indicators.base` (flow "import", product_kind "hs");
    the trade table is validated here unless ``validated``."""
    trade = tables.get("trade")
    if trade is None or trade.empty:
        return base.empty()
    s = screen(trade if validated else validate_trade(trade), validated=True)
    parts = []
    for ind, col in _OUT.items():
        v = s.loc[s[col].notna(), [*_KEY, col]].rename(columns={col: "value"})
        parts.append(v.assign(indicator=ind))
    if not parts or sum(len(p) for p in parts) == 0:
        return base.empty()
    long = pd.concat(parts, ignore_index=True).assign(partner="", flow="import", product_kind="hs")
    return base.values(long)


def flagged_products(values: pd.DataFrame, reporter: str, period: str) -> pd.DataFrame:
    """The products flagged for ``reporter`` in ``period`` with their criteria, from stored values.

    Columns: ``product, hhi, import_reliance, import_export_ratio, hhi_criterion,
    reliance_criterion, substitutability_criterion, criteria_known`` (NaN = unknown), largest
    HHI first. ``values`` is the indicator table (any families; only ``screen_*`` rows are read).
    """
    cols = ["product", *(_OUT[i] for i in _OUT if i != "screen_flagged")]
    v = values[
        values["indicator"].isin(list(_OUT)) & (values["reporter"] == reporter) & (values["period"] == period)
    ]
    if v.empty:
        return pd.DataFrame({c: pd.Series([], dtype="str" if c == "product" else "float64") for c in cols})
    wide = v.pivot_table(index="product", columns="indicator", values="value", aggfunc="first")
    wide = wide.reindex(columns=list(_OUT)).rename(columns=_OUT)
    wide = wide[wide["flagged"] == 1.0].drop(columns="flagged")
    out = wide.reset_index().rename_axis(columns=None)
    out = out.sort_values(["hhi", "product"], ascending=[False, True], kind="mergesort").reset_index(drop=True)
    out["product"] = out["product"].astype("str")
    return out[cols]
