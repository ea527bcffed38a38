"""Supplier concentration of a reporter's trade in a product: shares, HHI, top-k, China share.

Pure functions over a ``TRADE`` frame (:mod:`econsec.schema`). A *product* is either one
HS code as it appears in the frame (``product_kind`` "hs") or a product group of
:mod:`indicators.products` (``product_kind`` "group"); a *key* is one
``(reporter, flow, product_kind, product, period)``.

Denominator (the product total) of a key: the World row (``partner_kind`` "world") of each HS
code, summed over the codes of a group. A code without a World row has no known total (its
partner rows may be a partial download, e.g. one partner asked for), so a key with such a code
gets no indicator at all: a partner's value is never taken for the total.

Suppliers are ``partner_kind`` "country" rows with a positive value; World, area (residuals
such as "Areas, nes") and group rows (EU, ASEAN: overlapping their members) are never suppliers.

Which indicators a key gets (never invented where the data cannot tell):

* ``coverage`` (country suppliers / total) and ``total_value_usd``: always (coverage needs a
  positive total).
* ``hhi``, ``effective_suppliers``, ``top1_share``, ``top3_share``, ``n_suppliers``: only when
  the breakdown is complete, ``COMPLETE_COVERAGE <= coverage <= MAX_COVERAGE``.
* ``china_share``: when the breakdown is complete (China absent → 0.0), or when every code of
  the product has a China row; else nothing (a partial breakdown without China says nothing).
* ``china_hk_mo_share``: when complete, or when every code has rows for all of CHN, HKG, MAC.

>>> from econsec.schema import empty_trade
>>> compute(empty_trade())["indicators"].columns.tolist()
['indicator', 'reporter', 'flow', 'product', 'product_kind', 'period', 'value']
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from econsec.countries import CHINA, CHINA_WITH_SARS
from econsec.schema import FLOWS, validate_trade
from indicators.base import Indicator
from indicators.products import PRODUCT_GROUPS, ProductGroup
from indicators.rules import COMPLETE_COVERAGE, MAX_COVERAGE

FAMILY = "Supplier concentration"

#: Relative tolerance for the internal "shares sum to coverage" invariant.
_RTOL = 1e-9

KEY = ["reporter", "flow", "product_kind", "product", "period"]
SHARE_COLUMNS = [
    "reporter",
    "flow",
    "product",
    "product_kind",
    "period",
    "partner",
    "value_usd",
    "share",
    "rank",
]
INDICATOR_COLUMNS = ["indicator", "reporter", "flow", "product", "product_kind", "period", "value"]
_STR_SHARE = ["reporter", "flow", "product", "product_kind", "period", "partner"]
_STR_IND = ["indicator", "reporter", "flow", "product", "product_kind", "period"]


INDICATORS: tuple[Indicator, ...] = (
    Indicator(
        "hhi",
        "Supplier concentration (HHI)",
        "index 0–1",
        "Herfindahl–Hirschman index: sum over supplier countries of the squared share of the "
        "product total. Only where the partner breakdown is complete.",
        "0–1 (1 = a single supplier); shown ×10,000 as HHI points on screen.",
    ),
    Indicator(
        "effective_suppliers",
        "Effective number of suppliers",
        "suppliers",
        "1 / HHI: the number of equal-sized suppliers that would give the same HHI.",
        "1 to the number of suppliers.",
    ),
    Indicator(
        "top1_share",
        "Largest supplier's share",
        "share 0–1",
        "The largest supplier country's value / product total.",
        "0–1; shown as a percentage.",
    ),
    Indicator(
        "top3_share",
        "Top-3 suppliers' share",
        "share 0–1",
        "The three largest supplier countries' value / product total.",
        "0–1; shown as a percentage.",
    ),
    Indicator(
        "china_share",
        "China's share",
        "share 0–1",
        "Mainland China (CHN) value / product total; Hong Kong and Macao not included.",
        "0–1; shown as a percentage.",
    ),
    Indicator(
        "china_hk_mo_share",
        "China incl. Hong Kong and Macao share",
        "share 0–1",
        "(CHN + HKG + MAC) value / product total.",
        "0–1; shown as a percentage.",
    ),
    Indicator(
        "n_suppliers",
        "Number of suppliers",
        "countries",
        "Supplier countries with a positive value. Only where the partner breakdown is complete.",
        "count",
    ),
    Indicator(
        "coverage",
        "Partner coverage",
        "share 0–1",
        "Sum over supplier countries / product total (World row, else all partner rows). Below "
        f"{COMPLETE_COVERAGE:g} the breakdown is partial and HHI/top-k are not computed.",
        "0–1 (may slightly exceed 1 when partner rows and the World row disagree).",
    ),
    Indicator(
        "total_value_usd",
        "Total value",
        "US$",
        "Product total: the World row, else the sum of all partner rows (country + area).",
        "current US dollars",
    ),
)
INDICATORS_BY_ID: dict[str, Indicator] = {i.id: i for i in INDICATORS}
_ORDER = {i.id: n for n, i in enumerate(INDICATORS)}


def hhi(values: Iterable[float]) -> float:
    """Herfindahl–Hirschman index on the 0–1 scale of non-negative values (shares taken inside).

    >>> round(hhi([50, 30, 20]), 6)
    0.38
    >>> hhi([7.0])
    1.0
    >>> hhi([1, 1, 1, 1])
    0.25
    """
    a = np.asarray(list(values) if not isinstance(values, np.ndarray | pd.Series) else values, dtype="float64")
    if a.size == 0:
        raise ValueError("hhi of no values")
    if not np.isfinite(a).all():
        raise ValueError("hhi: values must be finite numbers")
    if (a < 0).any():
        raise ValueError("hhi: values must be non-negative")
    total = a.sum()
    if total <= 0:
        raise ValueError("hhi: all values are zero")
    shares = a / total
    return float(np.square(shares).sum())


# --------------------------------------------------------------------------------------------
# Reshapes. Strings are factorised once; every aggregation after that is an integer bincount
# (no Python loop over groups), so millions of rows stay cheap.


@dataclass(frozen=True)
class _Tables:
    keys: pd.DataFrame  # one row per key id (KEY columns), in key-id order
    key_rank: np.ndarray  # position of each key id in the output sort order
    total: np.ndarray  # per key: product total (World rows, else partner rows, code by code)
    country: np.ndarray  # per key: sum over country partners
    n_codes: np.ndarray  # per key: HS codes with at least one row
    coverage: np.ndarray  # per key: country / total (NaN when total is 0)
    complete: np.ndarray  # per key: the breakdown covers the total
    partners: np.ndarray  # partner codes, sorted: pid -> ISO3
    pair_kid: np.ndarray  # per (key, country partner): key id
    pair_pid: np.ndarray  # ... partner id
    pair_value: np.ndarray  # ... value summed over the product's codes
    pair_ncodes: np.ndarray  # ... number of the product's codes with a row for that partner
    shares: pd.DataFrame  # suppliers: kid, pid, value_usd, share, rank; sorted by output order


def _long(trade: pd.DataFrame, flow: str, groups: Sequence[ProductGroup]) -> pd.DataFrame:
    """Trade rows of ``flow`` once per HS product and once more per group they belong to."""
    t = trade.loc[
        trade["flow"] == flow,
        ["reporter", "flow", "hs_code", "period", "partner", "partner_kind", "value_usd"],
    ]
    # All goods (hs_code TOTAL, e.g. the IMF's totals) is product_kind "total", one HS code "hs".
    parts = [t.assign(product=t["hs_code"], product_kind=np.where(t["hs_code"] == "TOTAL", "total", "hs"))]
    # One pass per group (a handful), not per data group: groups may nest, so a code can
    # belong to several (chips are also semiconductors).
    for group in groups:
        rows = t[t["hs_code"].isin(group.hs_codes)]
        parts.append(rows.assign(product=group.id, product_kind="group"))
    return pd.concat(parts, ignore_index=True)


def _bincount(ids: np.ndarray, n: int, weights: np.ndarray | None = None) -> np.ndarray:
    return np.bincount(ids, weights=weights, minlength=n).astype("float64")


def _tables(trade: pd.DataFrame, flow: str, groups: Sequence[ProductGroup], validated: bool = False) -> _Tables:
    if flow not in FLOWS:
        raise ValueError(f"flow must be one of {FLOWS}, not {flow!r}")
    if not validated:
        validate_trade(trade)
    long = _long(trade, flow, groups)

    # Key ids, code-within-key ids, partner ids (partner ids in A→Z order for tie-breaking).
    kid = long.groupby(KEY, sort=False).ngroup().to_numpy(dtype="int64")
    first = np.unique(kid, return_index=True)[1]
    keys = long[KEY].iloc[first].reset_index(drop=True)
    nk = len(keys)
    key_rank = np.empty(nk, dtype="int64")
    order = keys.sort_values(["reporter", "flow", "product_kind", "product", "period"], kind="mergesort")
    key_rank[order.index.to_numpy()] = np.arange(nk)
    hcode, hs_codes = pd.factorize(long["hs_code"])
    cid, cuniq = pd.factorize(kid * max(len(hs_codes), 1) + hcode)
    pid, partners = pd.factorize(long["partner"], sort=True)
    npart = max(len(partners), 1)
    triple = cid.astype("int64") * npart + pid
    assert len(np.unique(triple)) == len(triple), (
        "at most one row per (reporter, flow, product, period, hs_code, partner)"
    )

    # Per code of a key: World row if any, else all partner rows (country + area).
    v = long["value_usd"].to_numpy(dtype="float64")
    kind = long["partner_kind"].to_numpy(dtype=object)
    is_world = kind == "world"
    is_country = kind == "country"
    nc = len(cuniq)
    n_world = _bincount(cid, nc, is_world.astype("float64"))
    assert (n_world <= 1).all(), "at most one World row per (reporter, flow, hs_code, period)"
    world = _bincount(cid, nc, np.where(is_world, v, 0.0))
    # Without a World row a code's total is unknown: partner rows alone may be a partial download
    # (one partner asked for), and taking their sum as the total would invent a complete breakdown.
    code_total = np.where(n_world > 0, world, np.nan)
    code_kid = cuniq // max(len(hs_codes), 1)
    assert (code_kid[cid] == kid).all(), "each (key, hs_code) id belongs to its rows' key"

    # Per key.
    total = _bincount(code_kid, nk, code_total)
    country = _bincount(kid, nk, np.where(is_country, v, 0.0))
    n_codes = _bincount(code_kid, nk)
    with np.errstate(divide="ignore", invalid="ignore"):
        coverage = np.where(total > 0, country / total, np.nan)
    complete = (coverage >= COMPLETE_COVERAGE) & (coverage <= MAX_COVERAGE)

    # Per (key, country partner): values summed over the product's codes before any share.
    pair, puniq = pd.factorize(kid[is_country] * npart + pid[is_country])
    pair_value = _bincount(pair, len(puniq), v[is_country])
    pair_ncodes = _bincount(pair, len(puniq))
    pair_kid, pair_pid = puniq // npart, puniq % npart
    assert (pair_ncodes <= n_codes[pair_kid]).all(), "a partner has at most one row per code of a key"

    # Suppliers: positive value, positive total. Rank: value descending, then partner A→Z.
    sup = (pair_value > 0) & (total[pair_kid] > 0)
    s_kid, s_pid, s_val = pair_kid[sup], pair_pid[sup], pair_value[sup]
    o = np.lexsort((s_pid, -s_val, key_rank[s_kid]))
    s_kid, s_pid, s_val = s_kid[o], s_pid[o], s_val[o]
    is_start = np.ones(len(s_kid), dtype=bool)
    is_start[1:] = s_kid[1:] != s_kid[:-1]
    starts = np.flatnonzero(is_start)
    rank = np.arange(len(s_kid)) - starts[np.cumsum(is_start) - 1] + 1
    share = s_val / total[s_kid]
    shares = pd.DataFrame({"kid": s_kid, "pid": s_pid, "value_usd": s_val, "share": share, "rank": rank})
    assert len(np.unique(s_kid * npart + s_pid)) == len(s_kid), (
        "at most one supplier row per (reporter, flow, product, period, partner)"
    )
    assert np.allclose(_bincount(s_kid, nk, share), np.nan_to_num(coverage), rtol=_RTOL, atol=0), (
        "supplier shares of a key sum to its coverage"
    )
    assert (np.bincount(s_kid, minlength=nk)[s_kid] >= rank).all(), "ranks run 1..n within a key"
    return _Tables(
        keys, key_rank, total, country, n_codes, coverage, complete, np.asarray(partners),
        pair_kid, pair_pid, pair_value, pair_ncodes, shares,
    )  # fmt: skip


def _finish_shares(t: _Tables) -> pd.DataFrame:
    s = t.shares
    out = t.keys.iloc[s["kid"].to_numpy()].reset_index(drop=True)
    out["partner"] = t.partners[s["pid"].to_numpy()] if len(s) else np.array([], dtype=object)
    for col in ("value_usd", "share", "rank"):
        out[col] = s[col].to_numpy()
    out = out[SHARE_COLUMNS]
    for col in _STR_SHARE:
        out[col] = out[col].astype("str")
    out["value_usd"] = out["value_usd"].astype("float64")
    out["share"] = out["share"].astype("float64")
    out["rank"] = out["rank"].astype("int64")
    return out


def _indicators(t: _Tables) -> pd.DataFrame:
    nk = len(t.keys)
    s = t.shares
    kid = s["kid"].to_numpy()
    share = s["share"].to_numpy()
    rank = s["rank"].to_numpy()
    hhi_ = _bincount(kid, nk, share**2)
    top1 = _bincount(kid, nk, np.where(rank == 1, share, 0.0))
    top3 = _bincount(kid, nk, np.where(rank <= 3, share, 0.0))
    n_sup = _bincount(kid, nk)

    # Per SAR partner: value, and whether it has a row (zero values count) in every code.
    sar_value: dict[str, np.ndarray] = {}
    sar_in_all: dict[str, np.ndarray] = {}
    for p in CHINA_WITH_SARS:  # three partners, not a loop over groups
        mask = np.isin(t.pair_pid, np.flatnonzero(t.partners == p))
        sar_value[p] = _bincount(t.pair_kid[mask], nk, t.pair_value[mask])
        sar_in_all[p] = _bincount(t.pair_kid[mask], nk, t.pair_ncodes[mask]) == t.n_codes

    positive = t.total > 0
    complete = t.complete  # implies a positive total and at least one supplier
    china_known = positive & (complete | sar_in_all[CHINA])
    sars_known = positive & (complete | np.logical_and.reduce([sar_in_all[p] for p in CHINA_WITH_SARS]))
    with np.errstate(divide="ignore", invalid="ignore"):
        wide = {
            "hhi": np.where(complete, hhi_, np.nan),
            "effective_suppliers": np.where(complete, 1.0 / hhi_, np.nan),
            "top1_share": np.where(complete, top1, np.nan),
            "top3_share": np.where(complete, top3, np.nan),
            "china_share": np.where(china_known, sar_value[CHINA] / t.total, np.nan),
            "china_hk_mo_share": np.where(sars_known, sum(sar_value.values()) / t.total, np.nan),
            "n_suppliers": np.where(complete, n_sup, np.nan),
            "coverage": np.where(positive, t.coverage, np.nan),
            "total_value_usd": t.total,
        }
    assert list(wide) == [i.id for i in INDICATORS], "one array per INDICATORS entry, in order"

    # Long format, sorted by indicator (registry order) then key order; NaN = not emitted.
    by_pos = np.argsort(t.key_rank)
    grid = np.vstack([a[by_pos] for a in wide.values()]) if nk else np.zeros((len(wide), 0))
    ind_idx, pos_idx = np.nonzero(~np.isnan(grid))
    out = t.keys.iloc[by_pos[pos_idx]].reset_index(drop=True)
    out.insert(0, "indicator", np.asarray(list(wide), dtype=object)[ind_idx])
    out["value"] = grid[ind_idx, pos_idx]
    out = out[INDICATOR_COLUMNS]
    for col in _STR_IND:
        out[col] = out[col].astype("str")
    out["value"] = out["value"].astype("float64")
    assert len(out) == int((~np.isnan(grid)).sum()), "one row per (indicator, key) with a value"
    return out


# --------------------------------------------------------------------------------------------
# Public API


def supplier_shares(
    trade: pd.DataFrame, *, flow: str = "import", groups: Sequence[ProductGroup] = PRODUCT_GROUPS
) -> pd.DataFrame:
    """Each supplier country's share of each product total, for every HS code and product group.

    Columns: ``reporter, flow, product, product_kind ("hs"|"group"), period, partner,
    value_usd, share, rank`` (rank 1 = largest value; ties by partner code A→Z). A group's
    partner value is summed over its codes before the share is taken. Only ``partner_kind``
    "country" rows with a positive value are suppliers; the denominator is described in the
    module docstring. Shares of a key sum to its ``coverage``.
    Suppliers CHN 50, JPN 30, KOR 20 (no World row) give shares 0.5, 0.3, 0.2, ranks 1, 2, 3.
    """
    return _finish_shares(_tables(trade, flow, groups))


def concentration(
    trade: pd.DataFrame, *, flow: str = "import", groups: Sequence[ProductGroup] = PRODUCT_GROUPS,
    validated: bool = False,
) -> pd.DataFrame:
    """Concentration indicators in long format: ``indicator, reporter, flow, product,
    product_kind, period, value`` (ids and units in :data:`INDICATORS`; rules in the module
    docstring). Suppliers 50/30/20 of a complete breakdown give hhi 0.38, effective_suppliers
    2.63, top1_share 0.5, top3_share 1.0, n_suppliers 3, coverage 1.0. ``validated``: ``trade`` was
    validated already (see :func:`compute`).
    """
    return _indicators(_tables(trade, flow, groups, validated))


def compute(
    trade: pd.DataFrame, *, flow: str = "import", groups: Sequence[ProductGroup] = PRODUCT_GROUPS,
    validated: bool = False,
) -> dict[str, pd.DataFrame]:
    """``{"indicators": concentration(...), "supplier_shares": supplier_shares(...)}`` in one pass.

    ``validated``: ``trade`` was validated against the TRADE schema already (``indicators.registry``
    validates each table once); otherwise it is validated here (a ValidationError on bad input).
    """
    tables = _tables(trade, flow, groups, validated)
    return {"indicators": _indicators(tables), "supplier_shares": _finish_shares(tables)}
