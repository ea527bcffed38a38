"""The alliance as one bloc: United States and Japan imports pooled (reporter ``QUJ``).

The bloc's imports of a product in a period are the sum of the US and Japanese imports; trade
between the two (US imports from Japan, Japan's imports from the United States) is inside the
bloc — the analogue of "extra-EU" trade — and is taken out where the partner breakdown tells it.
Only products and periods where BOTH countries report are pooled: one side alone is not the bloc.

Indicators (reporter ``QUJ``, flow import, unless said otherwise):

* ``bloc_china_share``: (US + Japanese imports from mainland China) / (US + Japanese imports
  from the World). The denominator is TOTAL bloc imports, intra-bloc trade included, for every
  product, so the value is comparable across products and with each country's ``china_share``:
  for the critical-mineral extract (World and China rows only) the intra-bloc trade is unknown
  and could not be taken out. Needs, for each country, a China row (a complete breakdown
  without China counts as 0).
* ``bloc_intra_share``: (US imports from Japan + Japan's imports from the US) / bloc imports
  from the World: how much the two already rely on each other. Needs complete breakdowns.
* ``bloc_hhi``: HHI of the bloc's EXTRA-bloc suppliers: sum over partner countries other than
  the US and Japan of (pooled value / extra-bloc imports)², extra-bloc imports = bloc World
  total − intra-bloc trade. Needs complete breakdowns on both sides.
* ``extra_alliance_dependence``: the share of the bloc's extra-bloc imports that comes from the
  adversary set of :mod:`indicators.partner_groups` (CHN, RUS, IRN, PRK: an analytical set, not
  an official list). Needs complete breakdowns on both sides.
* ``us_japan_trade_share`` (reporter USA partner JPN, and reporter JPN partner USA; flow
  import, export, or trade = exports + imports; product TOTAL): the partner's share of the
  reporter's total goods trade, from the partner row and the World row of each flow.

"Complete breakdown" is the rule of :mod:`indicators.concentration` (country rows within
99–101% of the World row). On the bundled data both countries are complete reporters only in
the IMF annual TOTAL series (2000–2020), and both report World and China rows in the Quad
critical-mineral extract (2504, 2822, 282520; 2019–2024); the US supplier data (22 HS6 codes)
has no Japanese counterpart, and the IMF monthly data have no Japanese reporter.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from econsec.countries import CHINA
from econsec.schema import WORLD, validate_trade
from indicators import base
from indicators.partner_groups import ADVERSARY, KEY, TOTAL, breakdown, members_in
from indicators.products import PRODUCT_GROUPS, ProductGroup

FAMILY = "The alliance as one bloc"

US, JAPAN = "USA", "JPN"
BLOC_MEMBERS = (US, JAPAN)
#: Relative tolerance below which extra-bloc imports (World − intra-bloc) count as zero.
_RTOL = 1e-9
_PRODUCT = ["flow", "product_kind", "product", "period"]
_SOURCE = (
    "IMF Direction of Trade Statistics (TOTAL, annual 2000–2020); UN Comtrade imports of natural "
    "graphite, cobalt oxides and lithium oxide from the World and China (2019–2024)"
)

INDICATORS: tuple[base.Indicator, ...] = (
    base.Indicator(
        "bloc_china_share",
        "US + Japan: China's share of the bloc's imports",
        "share 0–1",
        "(US + Japanese imports from mainland China) / (US + Japanese imports from the World). "
        "Intra-bloc trade is part of the denominator (the critical-mineral data cannot separate it). "
        "Only where both countries report the product in the period.",
        "0–1; shown as a percentage.",
        family=FAMILY,
        better="lower",
        source=_SOURCE,
    ),
    base.Indicator(
        "bloc_intra_share",
        "US + Japan: imports from each other",
        "share 0–1",
        "(US imports from Japan + Japan's imports from the US) / (US + Japanese imports from the "
        "World). Only where both partner breakdowns are complete.",
        "0–1; shown as a percentage.",
        family=FAMILY,
        better="higher",
        source=_SOURCE,
    ),
    base.Indicator(
        "bloc_hhi",
        "US + Japan: concentration of extra-bloc suppliers (HHI)",
        "index 0–1",
        "Herfindahl–Hirschman index of the bloc's suppliers outside the bloc: sum over countries other "
        "than the US and Japan of (pooled US + Japanese imports from the country / extra-bloc imports)², "
        "extra-bloc imports = bloc imports from the World minus intra-bloc trade. Only where both "
        "partner breakdowns are complete.",
        "0–1 (1 = a single supplier); shown ×10,000 as HHI points on screen.",
        family=FAMILY,
        better="lower",
        source=_SOURCE,
    ),
    base.Indicator(
        "extra_alliance_dependence",
        "US + Japan: extra-bloc imports from the adversary set",
        "share 0–1",
        "Share of the bloc's extra-bloc imports (World minus US–Japan trade) that come from China, "
        "Russia, Iran and North Korea (econsec's analytical 'adversary' set, not an official list). "
        "Only where both partner breakdowns are complete.",
        "0–1; shown as a percentage.",
        family=FAMILY,
        better="lower",
        source=_SOURCE,
    ),
    base.Indicator(
        "us_japan_trade_share",
        "US–Japan trade as a share of each one's trade",
        "share 0–1",
        "Reporter USA, partner JPN: Japan's share of US goods trade (flow trade = exports + imports; "
        "or imports, or exports); reporter JPN, partner USA: the US share of Japan's. Partner row / "
        "World row, total goods (IMF DOTS).",
        "0–1; shown as a percentage.",
        family=FAMILY,
        better="higher",
        source="IMF Direction of Trade Statistics (TOTAL; annual 2000–2020, US monthly 2011–2023)",
    ),
)


def _wide(frame: pd.DataFrame, column: str) -> pd.DataFrame:
    """Per product key: ``column`` for the US and for Japan side by side (products where both have one)."""
    sides = [frame[frame["reporter"] == r].set_index(_PRODUCT)[column].rename(r) for r in BLOC_MEMBERS]
    return pd.concat(sides, axis=1, join="inner")


def bloc(trade: pd.DataFrame, groups: Sequence[ProductGroup] = PRODUCT_GROUPS) -> pd.DataFrame:
    """Bloc indicators (reporter QUJ, flow import) of a valid TRADE frame, as base.VALUE_COLUMNS rows."""
    bd = breakdown(trade, flows=("import",), reporters=BLOC_MEMBERS, groups=groups)
    keys = bd.keys[bd.keys["total"] > 0]  # a World total is known and positive
    if keys.empty:
        return base.empty()
    pairs = bd.pairs.merge(keys[KEY], on=KEY, how="inner")
    keys = keys.set_index(KEY)

    def partner_value(partner: str, column: str = "value") -> pd.Series:
        sel = pairs[pairs["partner"] == partner].set_index(KEY)[column]
        return sel.reindex(keys.index)

    k = keys.copy()
    k["china"] = partner_value(CHINA).fillna(0.0)
    # China is known where every code of the product has a China row, or the breakdown is complete.
    k["china_known"] = (partner_value(CHINA, "n_codes") == k["n_codes"]) | k["complete"]
    # The other bloc member as partner: US imports from Japan, Japan's imports from the US.
    is_intra = ((pairs["reporter"] == US) & (pairs["partner"] == JAPAN)) | (
        (pairs["reporter"] == JAPAN) & (pairs["partner"] == US)
    )
    k["intra"] = pairs[is_intra].groupby(KEY)["value"].sum().reindex(k.index).fillna(0.0)
    k = k.reset_index()

    out = []
    total = _wide(k, "total")
    china_ok = _wide(k, "china_known").all(axis=1)
    china = _wide(k, "china")[china_ok].sum(axis=1)
    out.append(("bloc_china_share", china / total.loc[china.index].sum(axis=1)))

    complete = _wide(k, "complete").all(axis=1)
    full = total[complete]
    if not full.empty:
        bloc_total = full.sum(axis=1)
        intra = _wide(k, "intra").loc[full.index].sum(axis=1)
        extra_total = bloc_total - intra
        # Extra-bloc imports indistinguishable from rounding (all imports intra-bloc): nothing to share out.
        has_extra = extra_total > _RTOL * bloc_total
        out.append(("bloc_intra_share", intra / bloc_total))
        # Pooled extra-bloc partner values of the complete product keys.
        p = pairs[~pairs["partner"].isin(BLOC_MEMBERS)]
        pooled = p.groupby(_PRODUCT + ["partner"], sort=False)["value"].sum().reset_index()
        pooled = pooled.merge(full.index.to_frame(index=False), on=_PRODUCT, how="inner")
        pooled = pooled.set_index(_PRODUCT)
        pooled["share"] = pooled["value"] / extra_total.reindex(pooled.index)
        hhi = (pooled["share"] ** 2).groupby(level=_PRODUCT).sum().reindex(full.index).fillna(0.0)
        out.append(("bloc_hhi", hhi.where(has_extra)))
        adversary = pooled[[
            partner in members_in(ADVERSARY, int(period[:4]))
            for partner, period in zip(pooled["partner"], pooled.index.get_level_values("period"), strict=True)
        ]]
        adv = adversary["value"].groupby(level=_PRODUCT).sum().reindex(full.index).fillna(0.0)
        out.append(("extra_alliance_dependence", (adv / extra_total).where(has_extra)))

    frames = []
    for indicator, series in out:
        s = series.dropna()
        s = s[np.isfinite(s)]
        f = s.rename("value").reset_index()
        frames.append(f.assign(indicator=indicator, reporter=base.BLOC, partner=""))
    if not frames:
        return base.empty()
    return base.values(pd.concat(frames, ignore_index=True)[base.VALUE_COLUMNS])


def us_japan_trade_share(trade: pd.DataFrame) -> pd.DataFrame:
    """``us_japan_trade_share`` rows: the other bloc member's share of each one's total goods trade."""
    t = trade[(trade["hs_code"] == TOTAL) & trade["flow"].isin(["import", "export"])]
    recs = []
    for reporter, partner in ((US, JAPAN), (JAPAN, US)):
        r = t[(t["reporter"] == reporter) & t["partner"].isin([partner, WORLD])]
        r = r[(r["partner_kind"] == "world") | (r["partner"] == partner)]
        if r.empty:
            continue
        w = r.pivot_table(index="period", columns=["flow", "partner"], values="value_usd", aggfunc="sum")
        for flow in ("import", "export"):
            if (flow, partner) in w and (flow, WORLD) in w:
                s = w[(flow, partner)] / w[(flow, WORLD)]
                recs.append(s.rename("value").reset_index().assign(flow=flow, reporter=reporter, partner=partner))
        if all((f, p) in w for f in ("import", "export") for p in (partner, WORLD)):
            s = (w[("import", partner)] + w[("export", partner)]) / (w[("import", WORLD)] + w[("export", WORLD)])
            recs.append(s.rename("value").reset_index().assign(flow="trade", reporter=reporter, partner=partner))
    if not recs:
        return base.empty()
    out = pd.concat(recs, ignore_index=True)
    out = out[out["value"].notna() & np.isfinite(out["value"])]
    out = out.assign(indicator="us_japan_trade_share", product=TOTAL, product_kind="total")
    return base.values(out[base.VALUE_COLUMNS])


def compute(tables: dict[str, pd.DataFrame], *, validated: bool = False) -> pd.DataFrame:
    """This family's values from ``tables["trade"]`` (validated here unless ``validated``)."""
    trade = tables.get("trade")
    if trade is None or trade.empty:
        return base.empty()
    if not validated:
        trade = validate_trade(trade)
    out = pd.concat([bloc(trade), us_japan_trade_share(trade)], ignore_index=True)
    return base.values(out.sort_values(base.VALUE_KEY).reset_index(drop=True))
