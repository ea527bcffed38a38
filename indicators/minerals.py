"""Critical minerals (USGS Mineral Commodity Summaries): US import reliance and sources, world supply.

From the ``minerals`` table (:mod:`econsec.schema` MINERALS; loaded by :mod:`connectors.usgs`). One
commodity = ``product`` (``product_kind`` "commodity"). Three groups of indicators:

* **US net import reliance** (reporter USA, flow import): ``net_import_reliance`` as MCS prints
  it (% of US consumption), ``net_import_reliance_bound`` (MCS prints some as ">95": the stored 95 is
  then a lower bound) and ``us_net_exporter`` (MCS prints "E": no number, so no reliance value).
* **US import sources** (reporter USA, flow import, partner = source country): MCS's "Import
  sources (2021–24)" shares, in MCS's per cent, for the period the rows carry ("2024").
* **World production and reserves** (reporter WLD, partner = producer): each listed country's share
  of the world total, China's share, and — production only — the largest listed producer's share and
  bounds on the Herfindahl–Hirschman index.

Rules (the MCS printed forms are kept by the loader in ``value_raw``):

* "W" (withheld) and "NA" have no number: no row. "—" is zero: a zero share.
* "Other countries" (QNE) is the residual of the listed producers, never a producer or a source.
* A world total printed as a bound (rare-earth reserves ">85,000,000") gives no shares at all.
* Denominator of a production/reserves share (:func:`world_total`): the World row, or the sum of the
  printed parts (listed countries + "Other countries") where MCS's rounding of the world total
  leaves it below that sum (gallium 2025: China 900,000 kg of a printed world 900,000, plus 9,000
  elsewhere); so shares of a commodity-year never sum above 1.
* MCS 2026's latest year (2025) is USGS's estimate ("e"); it is kept, as MCS headlines it.
* Several categories of one commodity and measure (germanium metal / dioxide / combined; nickel
  primary / scrap; rare-earth compounds / concentrates) get distinct products: the headline
  category (:data:`HEADLINE_CATEGORIES`) is the bare commodity id, the others
  ``<commodity>.<slug>`` (:func:`product_ids`).

>>> compute({})["indicator"].tolist()
[]
"""

from __future__ import annotations

import logging
import re

import numpy as np
import pandas as pd

from econsec.countries import AGGREGATES, CHINA
from econsec.schema import WORLD, validate_minerals
from indicators import base
from indicators.concentration import hhi

log = logging.getLogger(__name__)

FAMILY = "Critical minerals (USGS)"
_SOURCE = ("USGS, Mineral Commodity Summaries 2026 (transcribed from the commodity chapters; "
           "verify against the PDFs before publication)")

US = "USA"
#: The loader's code for MCS's "Other countries" row: the residual of the listed countries.
RESIDUAL = "QNE"
assert RESIDUAL in AGGREGATES and WORLD in AGGREGATES

#: MCS prints these before a number that is a bound: ">95" = at least 95, "<25" = at most 25.
LOWER_BOUND_MARK = ">"
UPPER_BOUND_MARK = "<"
#: MCS prints "E" for a net exporter (net import reliance has no number then).
NET_EXPORTER_MARK = "E"
#: The unit of the import-source rows, as MCS 2026 labels its "Import sources (2021–24)" section. Rows with
#: another unit (a later MCS edition covers other years) are not emitted under this label.
IMPORT_SOURCE_UNIT = "% of US imports, 2021–24"

#: Where MCS gives several categories for one commodity and measure, the one that stands for the
#: commodity (matched on the category's form: the text before ": ", or the whole category).
HEADLINE_CATEGORIES: dict[tuple[str, str], str] = {
    ("germanium", "import_source_share"): "Combined total",
    ("nickel", "import_source_share"): "Primary nickel",
    ("rare_earths", "net_import_reliance"): "compounds and metals",
}
#: Short product suffixes for MCS's non-headline category labels (others get a slug of the label).
CATEGORY_SLUGS: dict[str, str] = {
    "Germanium dioxide (Ge content)": "dioxide",
    "Germanium metal": "metal",
    "Nickel-containing scrap, including nickel content of stainless-steel scrap": "scrap",
    "mineral concentrates": "concentrates",
}

SHARE_MEASURES = {
    "production": ("world_production_share", "china_production_share"),
    "reserves": ("world_reserves_share", "china_reserves_share"),
}


def _ind(id: str, name: str, unit: str, definition: str, scale: str, better: str = "") -> base.Indicator:
    return base.Indicator(id, name, unit, definition, scale, FAMILY, better, _SOURCE)


_SHARE_OF_WORLD = (
    "Denominator: the World row, or the sum of the printed parts (listed countries + 'Other countries') "
    "where MCS's rounded world total is below it. 'W' (withheld) and 'NA' countries get no value; a "
    "world total printed as a bound ('>85,000,000') gives none at all. Latest year = USGS estimate."
)
_HHI_BOUNDS = (
    "MCS lists the major producers plus 'Other countries', a residual of unknown split; countries "
    "printed 'W' or 'NA' are unknown too."
)

INDICATORS: tuple[base.Indicator, ...] = (
    _ind("net_import_reliance", "US net import reliance", "% of US consumption",
         "US imports minus exports (adjusted for stock changes) as a percentage of consumption, as MCS prints "
         "it: of apparent consumption for most commodities, of reported consumption (gallium) or of "
         "estimated consumption (germanium). Where MCS prints '>95' the stored 95 is a lower bound and "
         "'<25' an upper bound: see net_import_reliance_bound. 'E' (net exporter) has no number: no row "
         "(see us_net_exporter).", "per cent (100 = wholly import-reliant)", "lower"),
    _ind("net_import_reliance_bound", "US net import reliance is a bound", "flag",
         "Beside each net_import_reliance value: 1 when MCS prints it as a lower bound ('>95': at least 95%), "
         "-1 as an upper bound ('<25': at most 25%), 0 when it prints the figure itself.",
         "1 = at least, -1 = at most, 0 = exact"),
    _ind("us_net_exporter", "US is a net exporter", "flag",
         "1 where MCS prints 'E' (the United States is a net exporter; no reliance figure), 0 where it prints "
         "a net import reliance figure. No row where MCS withholds the figure.", "1 = net exporter"),
    _ind("us_import_source_share", "US import source share", IMPORT_SOURCE_UNIT,
         "The source country's share of US imports of the commodity over 2021–24, as printed in MCS 'Import "
         "sources (2021–24)' (per cent, as MCS prints it, not a 0–1 fraction); period 2024 = the end of that "
         "window. Partner = the source country. MCS lists the main sources only; its 'Other' residual is not "
         "emitted.", "per cent of US imports, 2021–24 average"),
    _ind("us_import_source_china_share", "China's share of US imports (MCS)", IMPORT_SOURCE_UNIT,
         "China's us_import_source_share. Only where MCS lists China among the sources: an unlisted China's "
         "share is unknown (at most the 'Other' residual), so no row.", "per cent of US imports, 2021–24 average",
         "lower"),
    _ind("world_production_share", "Share of world production", "share 0–1",
         "A producer country's share of world production (mine production; for gallium, low-purity primary "
         "production), a 0–1 fraction computed by econsec. Reporter WLD, partner = the producer. "
         + _SHARE_OF_WORLD, "0–1; shown as a percentage"),
    _ind("china_production_share", "China's share of world production", "share 0–1",
         "China's world_production_share (reporter WLD). " + _SHARE_OF_WORLD, "0–1; shown as a percentage",
         "lower"),
    _ind("world_production_top_share", "Largest producer's share of world production", "share 0–1",
         "The largest listed producer country's world_production_share (a lower bound if an unlisted or "
         "withheld producer were larger). " + _HHI_BOUNDS, "0–1; shown as a percentage", "lower"),
    _ind("world_production_hhi", "Concentration of world production (HHI, lower bound)", "index 0–1",
         "Herfindahl–Hirschman index of world production over producer countries: the sum of the listed "
         "countries' squared world_production_share. A LOWER BOUND of the true HHI: the unallocated rest "
         "(residual, withheld countries, rounding) adds squares of its unknown parts. " + _HHI_BOUNDS,
         "0–1; shown ×10,000 as HHI points", "lower"),
    _ind("world_production_hhi_upper", "Concentration of world production (HHI, upper bound)", "index 0–1",
         "world_production_hhi plus the square of the unallocated rest (1 − the listed countries' shares): the "
         "HHI if that rest were one producer. The true HHI lies between the two bounds (up to MCS's rounding). "
         "Not given where a listed producer's figure is withheld ('W') or not available. " + _HHI_BOUNDS,
         "0–1; shown ×10,000 as HHI points", "lower"),
    _ind("world_reserves_share", "Share of world reserves", "share 0–1",
         "A country's share of world reserves, a 0–1 fraction computed by econsec. Reporter WLD, partner = the "
         "country. " + _SHARE_OF_WORLD, "0–1; shown as a percentage"),
    _ind("china_reserves_share", "China's share of world reserves", "share 0–1",
         "China's world_reserves_share (reporter WLD). " + _SHARE_OF_WORLD, "0–1; shown as a percentage"),
)
INDICATORS_BY_ID = {i.id: i for i in INDICATORS}
assert len(INDICATORS_BY_ID) == len(INDICATORS), "indicator ids are unique"


# --------------------------------------------------------------------------------------------
# Products


def _form(category: str) -> str:
    """The category's form: the text before ": " ("compounds and metals: Net import ..."), else all of it."""
    return category.split(": ", 1)[0].strip() if ": " in category else category.strip()


def _slug(form: str) -> str:
    return CATEGORY_SLUGS.get(form) or re.sub(r"[^a-z0-9]+", "_", form.lower()).strip("_")


def product_ids(minerals: pd.DataFrame) -> pd.Series:
    """The product id of each row: the commodity, or ``<commodity>.<slug>`` for a non-headline category.

    A commodity with one category for a measure is the bare commodity id; with several, the
    headline category of :data:`HEADLINE_CATEGORIES` is, and the others get a suffix.
    """
    out = pd.Series(minerals["commodity"].to_numpy(dtype=object), index=minerals.index, dtype=object)
    n_cat = minerals.groupby(["commodity", "measure"])["category"].transform("nunique")
    for i in minerals.index[n_cat > 1]:
        commodity, measure, category = minerals.loc[i, ["commodity", "measure", "category"]]
        form = _form(category)
        if HEADLINE_CATEGORIES.get((commodity, measure)) != form:
            out[i] = f"{commodity}.{_slug(form)}"
    pairs = pd.DataFrame({"measure": minerals["measure"], "category": minerals["category"],
                          "commodity": minerals["commodity"], "product": out})
    per = pairs.drop_duplicates().groupby(["commodity", "measure", "product"]).size()
    assert (per == 1).all(), "one category per (commodity, measure, product)"
    return out.astype("str")


# --------------------------------------------------------------------------------------------
# Shares of a world total


def world_total(world: float, parts: np.ndarray) -> float:
    """The denominator of shares of a world total: ``max(world, sum of the printed parts)``.

    MCS rounds its world totals, so the printed parts can sum a little above them; taking the
    larger keeps every share in [0, 1] and their sum at most 1.

    >>> world_total(900_000, np.array([900_000, 6_000, 3_000]))
    909000.0
    >>> world_total(380_000, np.array([270_000, 29_000]))
    380000.0
    """
    return float(max(world, np.nansum(parts)))


def hhi_bounds(shares: np.ndarray) -> tuple[float, float]:
    """``(lower, upper)`` bounds of the HHI given the known producers' shares of a total.

    The known producers' shares sum to ``c <= 1``; the rest ``1 - c`` is split among producers
    whose shares are unknown. The squares of the rest's parts add between 0 and ``(1 - c)**2``,
    so ``lower = sum(s**2)`` and ``upper = lower + (1 - c)**2``. ``lower`` reuses
    :func:`indicators.concentration.hhi`, which takes shares of the values' own sum:
    ``sum(s**2) = hhi(s) * c**2``.

    >>> [round(x, 4) for x in hhi_bounds(np.array([0.5, 0.3]))]
    [0.34, 0.38]
    """
    s = np.asarray(shares, dtype="float64")
    c = float(s.sum())
    if not 0 < c <= 1 + 1e-12:
        raise ValueError(f"hhi_bounds: the known shares must sum to (0, 1], not {c}")
    lower = hhi(s) * c**2
    rest = max(0.0, 1.0 - c)
    return lower, lower + rest**2


def _is_bound(raw: pd.Series) -> pd.Series:
    text = raw.astype("str").str.strip()
    return text.str.startswith(LOWER_BOUND_MARK) | text.str.startswith(UPPER_BOUND_MARK)


def _world_shares(rows: pd.DataFrame) -> list[dict]:
    """Share and concentration records for one (commodity, category, measure, period)."""
    first = rows.iloc[0]
    measure, period, product = first["measure"], first["period"], first["product"]
    world = rows[rows["country"] == WORLD]
    if len(world) != 1:
        return []
    w_value, w_raw = float(world["value"].iloc[0]), world["value_raw"].iloc[0]
    if not np.isfinite(w_value) or w_value <= 0 or _is_bound(world["value_raw"]).iloc[0]:
        if _is_bound(world["value_raw"]).iloc[0]:
            log.info("minerals: %s %s %s world total printed %r: no shares", product, measure, period, w_raw)
        return []
    if rows["unit"].nunique() != 1:  # a share of a total in another unit would be meaningless
        log.warning("minerals: %s %s %s mixes units %s: no shares", product, measure, period,
                    sorted(set(rows["unit"])))
        return []
    known = np.isfinite(rows["value"]) & (rows["value"] >= 0) & ~_is_bound(rows["value_raw"])
    # Parts of the world total: countries, and the residual "Other countries" (counted in the total,
    # never a producer). Any other aggregate (a group overlapping its members) is no part.
    is_country = ~rows["country"].isin(AGGREGATES)
    is_part = is_country | (rows["country"] == RESIDUAL)
    parts = rows[is_part & known]
    n_unknown = int((is_part & ~known).sum())  # "W", "NA" or printed as a bound
    producers = rows[is_country & known]
    total = world_total(w_value, parts["value"].to_numpy(dtype="float64"))
    share = producers["value"].to_numpy(dtype="float64") / total
    share_id, china_id = SHARE_MEASURES[measure]
    common = dict(reporter=WORLD, flow="", product=product, product_kind="commodity", period=period)
    pairs = list(zip(producers["country"], share, strict=True))
    out = [dict(indicator=share_id, partner=c, value=v, **common) for c, v in pairs]
    out += [dict(indicator=china_id, partner="", value=v, **common) for c, v in pairs if c == CHINA]
    if measure == "production" and share.sum() > 0:
        lower, upper = hhi_bounds(share)
        out += [dict(indicator="world_production_top_share", partner="", value=float(share.max()), **common),
                dict(indicator="world_production_hhi", partner="", value=lower, **common)]
        # A withheld producer's amount may be missing from the rest when rounding makes the parts
        # exceed the printed total: then the rest does not bound it, and no upper bound is given.
        if n_unknown == 0:
            out.append(dict(indicator="world_production_hhi_upper", partner="", value=upper, **common))
    return out


# --------------------------------------------------------------------------------------------
# The family


def _reliance(m: pd.DataFrame) -> list[dict]:
    rows = m[(m["measure"] == "net_import_reliance") & (m["country"] == US)]
    out = []
    for r in rows.itertuples(index=False):
        raw = str(r.value_raw).strip()
        common = dict(reporter=US, partner="", flow="import", product=r.product, product_kind="commodity",
                      period=r.period)
        if raw == NET_EXPORTER_MARK:
            out.append(dict(indicator="us_net_exporter", value=1.0, **common))
        elif np.isfinite(r.value):
            bound = 1.0 if raw.startswith(LOWER_BOUND_MARK) else -1.0 if raw.startswith(UPPER_BOUND_MARK) else 0.0
            out += [dict(indicator="net_import_reliance", value=float(r.value), **common),
                    dict(indicator="net_import_reliance_bound", value=bound, **common),
                    dict(indicator="us_net_exporter", value=0.0, **common)]
    return out


def _import_sources(m: pd.DataFrame) -> list[dict]:
    rows = m[(m["measure"] == "import_source_share") & np.isfinite(m["value"])]
    other_unit = rows["unit"] != IMPORT_SOURCE_UNIT
    if other_unit.any():
        log.warning("minerals: %d import-source rows with a unit other than %r not emitted: %s",
                    int(other_unit.sum()), IMPORT_SOURCE_UNIT, sorted(set(rows.loc[other_unit, "unit"])))
    rows = rows[~other_unit & ~rows["country"].isin(AGGREGATES)]
    out = []
    for r in rows.itertuples(index=False):
        common = dict(reporter=US, flow="import", product=r.product, product_kind="commodity", period=r.period)
        out.append(dict(indicator="us_import_source_share", partner=r.country, value=float(r.value), **common))
        if r.country == CHINA:
            out.append(dict(indicator="us_import_source_china_share", partner="", value=float(r.value), **common))
    return out


def compute(tables: dict[str, pd.DataFrame], *, validated: bool = False) -> pd.DataFrame:
    """Every indicator of this family from ``tables["minerals"]``; no rows when it is absent or empty.
    The table is validated here unless ``validated`` (``indicators.registry`` validates it once)."""
    minerals = tables.get("minerals")
    if minerals is None or minerals.empty:
        return base.empty()
    m = (minerals if validated else validate_minerals(minerals)).copy()
    m["product"] = product_ids(m)
    records = _reliance(m) + _import_sources(m)
    world = m[m["measure"].isin(list(SHARE_MEASURES))]
    for _, rows in world.groupby(["commodity", "category", "measure", "period"], sort=True):
        records += _world_shares(rows)
    if not records:
        return base.empty()
    out = pd.DataFrame.from_records(records)
    order = {i.id: n for n, i in enumerate(INDICATORS)}
    out = out.sort_values(["indicator", "product", "period", "partner"],
                          key=lambda c: c.map(order) if c.name == "indicator" else c, kind="mergesort")
    return base.values(out)
