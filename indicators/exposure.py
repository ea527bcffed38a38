"""Trade exposure to China, and Southeast Asia as the arena: partner shares of total trade, FDI by origin.

Pure functions over the tidy tables of :mod:`econsec.schema` (``trade``, ``customs``, ``fdi``).

**Trade shares** (``china_trade_share``, ``china_hk_mo_trade_share``, ``partner_trade_share``,
``china_vs_alliance_gap``). Inputs: the ``trade`` rows with ``hs_code`` TOTAL (IMF Direction of
Trade Statistics: annual 2000–2020 for 23 reporters, monthly 2011–2023 for ASEAN10 + CHN + USA;
monthly periods stay monthly) and, for Japan, the ``customs`` table (yen, by goods label).

* Denominator: the reporter's World row (``partner_kind`` "world") of the flow. No World row, or a
  World value of 0, means no share: partner rows are never summed into a total.
* Numerator: the partner's own row(s). A partner set (CHN+HKG+MAC; QUJ = USA+JPN) needs a row for
  *every* member: a missing row is unknown, not zero, so it gives no value (never a made-up 0).
  Group rows such as EUU are used as one partner (one row), never added to their members.
* ``flow`` "export" and "import" per flow; "trade" = (exports + imports) / (World exports + World
  imports), only where all four rows exist.
* Japan: the trade table (IMF, US$, 2000–2020) takes precedence; Japan's customs table fills the
  keys the trade table leaves empty (2021–2025, and any missing year). Where both exist
  (2009–2020) the two agree to within 0.06 percentage points except 2020 imports (IMF 25.97%,
  customs 25.74%), so the series switches source once, at 2021, with a step far smaller than the
  movements it shows. Shares within the customs table are taken in one currency (yen) only. The
  customs "Grand Total" is product TOTAL (product_kind "total"); its other goods labels
  ("Semiconductors Etc", "Ore Of Nonferrous", ...) are emitted with the label as product and
  product_kind "" (customs only, no precedence question).
* ASEAN (reporter ``QAS``): the ten members pooled — each row summed over the ten members, for a
  (flow, period) only where *all ten* have the World row and the partner row(s); a year with a
  member missing has no ASEAN value. Pooled totals include intra-ASEAN trade (Viet Nam's imports
  from Singapore are part of the denominator), so ASEAN shares are shares of the members' total
  trade, not of extra-ASEAN trade.

**FDI** (``fdi`` table): ``fdi_source_share`` = each origin's share of a reporter's inward FDI
flows (Bank Indonesia: Indonesia, 2004–2020), denominator the World row; years with a World total
≤ 0 are skipped. Origins are countries and groups (EUU, QAS: one row each, overlapping their
members); the "areas n.e.s." residual is not emitted. ``us_fdi_position_in_asean`` = the US
outward FDI position in each ASEAN member (OECD), and the ASEAN sum (partner QAS) only in years
where all ten members have a value (OECD suppresses confidential cells).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from econsec.countries import CHINA, CHINA_WITH_SARS
from econsec.schema import WORLD
from indicators import base
from indicators.base import BLOC, Indicator

FAMILY = "Trade exposure to China and Southeast Asia"

#: The ten ASEAN members (ISO3) and econsec's code for their aggregate (econsec.countries.AGGREGATES).
ASEAN: tuple[str, ...] = ("BRN", "KHM", "IDN", "LAO", "MYS", "MMR", "PHL", "SGP", "THA", "VNM")
ASEAN_CODE = "QAS"
USA, JPN = "USA", "JPN"

#: Partners of ``partner_trade_share``: output partner id -> the partner rows summed for it.
#: EUU is the source's own European Union row (a group), taken as one partner.
SEA_PARTNERS: dict[str, tuple[str, ...]] = {
    "CHN": (CHINA,),
    USA: (USA,),
    JPN: (JPN,),
    BLOC: (USA, JPN),
    "KOR": ("KOR",),
    "EUU": ("EUU",),
}
#: The numerators of the two China indicators (output partner is "CHN" for both).
CHINA_ONLY = {CHINA: (CHINA,)}
CHINA_SARS = {CHINA: CHINA_WITH_SARS}

#: Labels of the customs table that mean "all goods" (Japan's customs: "Grand Total").
CUSTOMS_TOTAL_GOODS = ("Grand Total",)
TOTAL = "TOTAL"
TRADE_FLOWS = ("export", "import")

_SOURCE_TRADE = (
    "IMF Direction of Trade Statistics (annual 2000–2020, monthly 2011–2023, US$); for Japan from 2021 "
    "(and per goods category) Japan Ministry of Finance customs statistics (yen)"
)

INDICATORS: tuple[Indicator, ...] = (
    Indicator(
        "china_trade_share",
        "China's share of total goods trade",
        "share 0–1",
        "Reporter's trade with mainland China (partner CHN; Hong Kong and Macao not included) / its trade "
        "with the World, per flow (export, import) and for exports + imports (trade). Only where the World "
        "row and the China row both exist. Japan: IMF where available, Japan's customs (yen) for later "
        "years; per goods category (product = the customs goods label) from customs only.",
        "0–1; shown as a percentage.",
        FAMILY,
        "lower",
        _SOURCE_TRADE,
    ),
    Indicator(
        "china_hk_mo_trade_share",
        "China incl. Hong Kong and Macao: share of total goods trade",
        "share 0–1",
        "(CHN + HKG + MAC) / World, per flow and for exports + imports. Only where all three partner rows "
        "exist (the monthly IMF data and Japan's customs table have no Macao rows, so no value there).",
        "0–1; shown as a percentage.",
        FAMILY,
        "lower",
        _SOURCE_TRADE,
    ),
    Indicator(
        "partner_trade_share",
        "Partner's share of an ASEAN member's goods trade",
        "share 0–1",
        "For each ASEAN member and for ASEAN pooled (QAS): trade with the partner / trade with the World, "
        "per flow and for exports + imports. Partners: CHN, USA, JPN, QUJ (USA + JPN summed), KOR, EUU (the "
        "source's EU row). ASEAN pooled = the ten members summed, only where all ten report; its total "
        "includes intra-ASEAN trade.",
        "0–1; shown as a percentage.",
        FAMILY,
        "",
        "IMF Direction of Trade Statistics (annual 2000–2020, monthly 2011–2022 for ASEAN reporters, US$)",
    ),
    Indicator(
        "china_vs_alliance_gap",
        "China's lead over the US + Japan in an ASEAN member's trade",
        "share difference (fraction)",
        "partner_trade_share of CHN minus partner_trade_share of QUJ (United States + Japan), same reporter, "
        "flow and period; positive = China's share is larger. For each ASEAN member and ASEAN pooled (QAS).",
        "−1 to 1; shown as percentage points.",
        FAMILY,
        "lower",
        "IMF Direction of Trade Statistics (annual 2000–2020, monthly 2011–2022 for ASEAN reporters, US$)",
    ),
    Indicator(
        "fdi_source_share",
        "Origin's share of inward FDI flows",
        "share of total (fraction, may be <0 or >1)",
        "Inward direct-investment flow from the origin (partner; a country, or a group row such as EUU or "
        "QAS) / inward flow from the World, per year. Years where the World total is zero or negative are "
        "skipped. FDI flows can be negative (disinvestment), so a share can be below 0 or above 1 when "
        "other origins' flows are negative (Indonesia 2016: the World total is small after a large "
        "negative residual, and Singapore's share exceeds 2); read it as a relative size, not a "
        "0–1 split.",
        "shown as a percentage; not bounded to 0–100%.",
        FAMILY,
        "",
        "Bank Indonesia SEKI table V.33 (direct investment into Indonesia by country of origin, US$)",
    ),
    Indicator(
        "us_fdi_position_in_asean",
        "US direct-investment position in ASEAN",
        "US$",
        "US outward FDI position (stock) in each ASEAN member (partner), and the sum over the ten members "
        "(partner QAS) only in years where every member has a value (OECD suppresses confidential cells, "
        "so years with a missing member have no ASEAN total).",
        "current US dollars",
        FAMILY,
        "higher",
        "OECD FDI statistics by counterpart (US outward positions, US$)",
    ),
)
INDICATORS_BY_ID: dict[str, Indicator] = {i.id: i for i in INDICATORS}


# --------------------------------------------------------------------------------------------
# Shares of a total from a wide table: one row per (reporter, product, ..., period), columns
# (flow, partner) with World under partner WLD.


def _wide(rows: pd.DataFrame, index: list[str]) -> pd.DataFrame:
    """``rows`` (index columns + flow, partner, value) to columns (flow, partner). Keys are unique."""
    if rows.empty:
        return pd.DataFrame(index=pd.MultiIndex.from_tuples([], names=index))
    return rows.pivot(index=index, columns=["flow", "partner"], values="value")


def _col(wide: pd.DataFrame, flow: str, partner: str) -> pd.Series:
    key = (flow, partner)
    if key in wide.columns:
        return wide[key].astype("float64")
    return pd.Series(np.nan, index=wide.index, dtype="float64")


def _sum_all(wide: pd.DataFrame, flow: str, partners: tuple[str, ...]) -> pd.Series:
    """Sum over ``partners`` of the flow; NaN unless every partner has a value."""
    out = pd.Series(0.0, index=wide.index, dtype="float64")
    for p in partners:
        out = out + _col(wide, flow, p)  # NaN propagates: a missing row is unknown, not 0
    return out


def shares(wide: pd.DataFrame, numerators: dict[str, tuple[str, ...]]) -> pd.DataFrame:
    """Long frame (index columns, partner, flow, value) of numerator / World per flow and for trade.

    ``numerators`` maps an output partner id to the partner rows summed for it. A share exists
    only where the World value is positive and every summed partner has a value.
    """
    columns = [*wide.index.names, "partner", "flow", "value"]
    if wide.empty:
        return pd.DataFrame(columns=columns)
    totals = {f: _col(wide, f, WORLD) for f in TRADE_FLOWS}
    totals["trade"] = totals["export"] + totals["import"]
    cols: dict[tuple[str, str], pd.Series] = {}
    for name, members in numerators.items():
        nums = {f: _sum_all(wide, f, members) for f in TRADE_FLOWS}
        nums["trade"] = nums["export"] + nums["import"]
        for flow, total in totals.items():
            cols[(name, flow)] = (nums[flow] / total).where(total > 0)
    table = pd.DataFrame(cols)
    table.columns = table.columns.set_names(["partner", "flow"])
    long = table.stack(level=["partner", "flow"]).dropna()
    if long.empty:
        return pd.DataFrame(columns=columns)
    return long.rename("value").reset_index()[columns]


def pool(wide: pd.DataFrame, members: tuple[str, ...], code: str) -> pd.DataFrame:
    """Sum the ``members``' rows of ``wide`` (index level ``reporter``) into reporter ``code``.

    A cell of the pooled table is NaN unless every member has a value for it.
    """
    if wide.empty:
        return wide
    levels = [n for n in wide.index.names if n != "reporter"]
    sub = wide[wide.index.get_level_values("reporter").isin(members)]
    if sub.empty:
        return sub
    grouped = sub.groupby(level=levels, sort=True)
    summed = grouped.sum(min_count=1).where(grouped.count() == len(members))
    idx = summed.index
    summed.index = pd.MultiIndex.from_arrays(
        [[code] * len(idx) if n == "reporter" else idx.get_level_values(n) for n in wide.index.names],
        names=wide.index.names,
    )
    return summed


# --------------------------------------------------------------------------------------------
# Inputs


_TRADE_INDEX = ["reporter", "product", "product_kind", "period"]


def _trade_rows(trade: pd.DataFrame | None) -> pd.DataFrame:
    """TOTAL export/import rows of the trade table, World rows under partner WLD."""
    cols = [*_TRADE_INDEX, "flow", "partner", "value"]
    if trade is None or trade.empty:
        return pd.DataFrame(columns=cols)
    t = trade[(trade["hs_code"] == TOTAL) & trade["flow"].isin(TRADE_FLOWS)]
    out = pd.DataFrame(
        {
            "reporter": t["reporter"],
            "product": TOTAL,
            "product_kind": "total",
            "period": t["period"],
            "flow": t["flow"],
            "partner": t["partner"].where(t["partner_kind"] != "world", WORLD),
            "value": t["value_usd"].astype("float64"),
        }
    )
    return out[cols]


_CUSTOMS_INDEX = ["reporter", "product", "product_kind", "period", "currency"]


def _customs_rows(customs: pd.DataFrame | None) -> pd.DataFrame:
    """Export/import rows of the customs table by goods label; the currency stays in the key."""
    cols = [*_CUSTOMS_INDEX, "flow", "partner", "value"]
    if customs is None or customs.empty:
        return pd.DataFrame(columns=cols)
    c = customs[customs["flow"].isin(TRADE_FLOWS)]
    is_total = c["goods"].isin(CUSTOMS_TOTAL_GOODS)
    out = pd.DataFrame(
        {
            "reporter": c["reporter"],
            "product": c["goods"].where(~is_total, TOTAL),
            "product_kind": np.where(is_total, "total", ""),
            "period": c["period"],
            "currency": c["currency"],
            "flow": c["flow"],
            "partner": c["partner"].where(c["partner_kind"] != "world", WORLD),
            "value": c["value"].astype("float64"),
        }
    )
    return out[cols]


def _label(frame: pd.DataFrame, indicator: str) -> pd.DataFrame:
    out = frame.assign(indicator=indicator)
    return out[[c for c in base.VALUE_COLUMNS if c in out.columns]]


# --------------------------------------------------------------------------------------------
# Families of values. The private functions return unvalidated long rows (maybe none); the public
# ones validate them; compute() validates once.


def _finish(parts: list[pd.DataFrame]) -> pd.DataFrame:
    parts = [p for p in parts if not p.empty]
    if not parts:
        return base.empty()
    out = pd.concat(parts, ignore_index=True)
    for column in base.VALUE_KEY:
        out[column] = out[column].fillna("") if column in out.columns else ""
    # Precedence: the first part holding a key wins (the trade table before the customs table).
    out = out.drop_duplicates(base.VALUE_KEY, keep="first")
    return base.values(out.sort_values(base.VALUE_KEY, kind="mergesort"))


def _china_trade(w: pd.DataFrame, wc: pd.DataFrame) -> list[pd.DataFrame]:
    # ``wc`` has the currency in its key, so numerator and denominator are always in one currency;
    # the currency is dropped from the output (a share has none).
    return [
        _label(shares(w, CHINA_ONLY), "china_trade_share"),
        _label(shares(w, CHINA_SARS), "china_hk_mo_trade_share"),
        _label(shares(wc, CHINA_ONLY), "china_trade_share"),
        _label(shares(wc, CHINA_SARS), "china_hk_mo_trade_share"),
    ]


def _southeast_asia(w: pd.DataFrame) -> list[pd.DataFrame]:
    if w.empty:
        return []
    members = w[w.index.get_level_values("reporter").isin(ASEAN)]
    s = shares(pd.concat([members, pool(w, ASEAN, ASEAN_CODE)]), SEA_PARTNERS)
    if s.empty:
        return []
    key = [*_TRADE_INDEX, "flow"]
    china = s[s["partner"] == CHINA].set_index(key)["value"]
    bloc = s[s["partner"] == BLOC].set_index(key)["value"]
    gap = (china - bloc).dropna().rename("value").reset_index().assign(partner=BLOC)
    return [_label(s, "partner_trade_share"), _label(gap, "china_vs_alliance_gap")]


def _fdi_sources(fdi: pd.DataFrame | None) -> list[pd.DataFrame]:
    if fdi is None or fdi.empty:
        return []
    f = fdi[(fdi["direction"] == "inward") & (fdi["measure"] == "flow")]
    world = f[f["counterpart_kind"] == "world"].set_index(["reporter", "period"])["value_usd"]
    world = world[world > 0]  # a zero or negative total: no shares that year
    parts = f[f["counterpart_kind"].isin(("country", "group"))]
    total = world.reindex(pd.MultiIndex.from_frame(parts[["reporter", "period"]])).to_numpy(dtype="float64")
    out = pd.DataFrame(
        {
            "indicator": "fdi_source_share",
            "reporter": parts["reporter"].to_numpy(),
            "partner": parts["counterpart"].to_numpy(),
            "flow": "inward",
            "period": parts["period"].to_numpy(),
            "value": parts["value_usd"].to_numpy(dtype="float64") / total,
        }
    )
    return [out.dropna(subset=["value"])]


def _us_position_in_asean(fdi: pd.DataFrame | None) -> list[pd.DataFrame]:
    if fdi is None or fdi.empty:
        return []
    f = fdi[(fdi["reporter"] == USA) & (fdi["direction"] == "outward") & (fdi["measure"] == "position")
            & fdi["counterpart"].isin(ASEAN)]
    if f.empty:
        return []
    members = pd.DataFrame({"partner": f["counterpart"], "period": f["period"],
                            "value": f["value_usd"].astype("float64")})
    g = members.groupby("period")["value"]
    complete = g.count() == len(ASEAN)  # OECD confidential cells are absent rows: then no sum
    total = g.sum()[complete].rename("value").reset_index().assign(partner=ASEAN_CODE)
    out = pd.concat([members, total], ignore_index=True)
    return [out.assign(indicator="us_fdi_position_in_asean", reporter=USA, flow="outward")]


def _trade_wide(trade: pd.DataFrame | None) -> pd.DataFrame:
    return _wide(_trade_rows(trade), _TRADE_INDEX)


def china_trade(trade: pd.DataFrame | None, customs: pd.DataFrame | None = None) -> pd.DataFrame:
    """``china_trade_share`` and ``china_hk_mo_trade_share`` (trade table first, customs fills in)."""
    return _finish(_china_trade(_trade_wide(trade), _wide(_customs_rows(customs), _CUSTOMS_INDEX)))


def southeast_asia(trade: pd.DataFrame | None) -> pd.DataFrame:
    """``partner_trade_share`` and ``china_vs_alliance_gap`` for the ASEAN members and ASEAN pooled."""
    return _finish(_southeast_asia(_trade_wide(trade)))


def fdi_sources(fdi: pd.DataFrame | None) -> pd.DataFrame:
    """``fdi_source_share``: inward FDI flow by origin / World, years with a positive World total."""
    return _finish(_fdi_sources(fdi))


def us_position_in_asean(fdi: pd.DataFrame | None) -> pd.DataFrame:
    """``us_fdi_position_in_asean``: per member, and the ASEAN sum where all ten have a value."""
    return _finish(_us_position_in_asean(fdi))


def compute(tables: dict[str, pd.DataFrame], *, validated: bool = False) -> pd.DataFrame:
    """Every indicator of the family from the store's tidy tables (absent tables give no rows).
    (``validated`` is accepted for the registry's uniform call; this family checks no input schema.)"""
    trade, customs, fdi = tables.get("trade"), tables.get("customs"), tables.get("fdi")
    w = _trade_wide(trade)
    wc = _wide(_customs_rows(customs), _CUSTOMS_INDEX)
    return _finish([*_china_trade(w, wc), *_southeast_asia(w), *_fdi_sources(fdi), *_us_position_in_asean(fdi)])
