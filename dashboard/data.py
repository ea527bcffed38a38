"""Thin, cached accessors over the store for the pages. They read stored tables only:
no API call and no recomputation of an indicator happens here.

Derived lists are cached per store generation (the directory being read), so a refresh
that writes a new generation is picked up without a restart.
"""

from __future__ import annotations

import csv
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache, wraps
from importlib import resources
from typing import TypeVar

import pandas as pd

from dashboard.response_cache import generation  # read once per request (re-exported for the views)
from econsec import countries, sources
from econsec.errors import ConfigError, StoreError
from econsec.store import Store

T = TypeVar("T")
FLOW = "import"
DEFAULT_REPORTER = "USA"
DEFAULT_PRODUCT = "rare_earths"
#: Reporters listed first in the controls, in this order; the rest follow by name.
PREFERRED_REPORTERS = ("USA", "JPN")
#: The adjective of a reporter in a source line ("US-reported imports").
REPORTER_ADJECTIVE = {"USA": "US", "GBR": "UK"}


@dataclass(frozen=True)
class Product:
    id: str
    kind: str  # "group" | "hs"
    label: str


def _store() -> Store:
    return Store()


def per_generation(maxsize: int = 64) -> Callable[[Callable[..., T]], Callable[..., T]]:
    """Cache a builder's result per store generation and (hashable) arguments.

    For what a page draws from stored tables only (figures, tables, page bodies): a refresh that writes
    a new generation makes every key new, so nothing stale is served and no restart is needed. The
    result is shared between requests: callers must not mutate it.
    """

    def decorate(function: Callable[..., T]) -> Callable[..., T]:
        @lru_cache(maxsize=maxsize)
        def cached(gen: str, *args: object) -> T:
            return function(*args)

        @wraps(function)
        def wrapper(*args: object) -> T:
            return cached(generation(), *args)

        wrapper.cache_clear = cached.cache_clear  # type: ignore[attr-defined]
        wrapper.cache_info = cached.cache_info  # type: ignore[attr-defined]
        return wrapper

    return decorate


def table(name: str) -> pd.DataFrame:
    return _store().read(name)


def manifest() -> dict:
    return _store().manifest()


def is_bundled() -> bool:
    return _store().is_bundled


# -- labels -------------------------------------------------------------------------------
@lru_cache(maxsize=1)
def hs_descriptions() -> dict[str, str]:
    """``{hs_code: description}`` from econsec/reference/hs_descriptions.csv; {} if absent."""
    path = resources.files("econsec") / "reference" / "hs_descriptions.csv"
    try:
        with resources.as_file(path) as p, open(p, newline="", encoding="utf-8") as fh:
            return {row["hs_code"].strip(): row["description"].strip() for row in csv.DictReader(fh)}
    except (FileNotFoundError, KeyError):
        return {}


def _groups() -> dict:
    try:
        from indicators.products import GROUPS_BY_ID
    except ImportError:  # pragma: no cover - the registry ships with the package
        return {}
    return GROUPS_BY_ID


def group_order() -> list[str]:
    return list(_groups())


def group_codes(product: str) -> tuple[str, ...]:
    """The HS codes a product stands for: a group's codes, or the code itself."""
    group = _groups().get(product)
    return tuple(group.hs_codes) if group is not None else (product,)


def product_label(product: str, kind: str | None = None) -> str:
    """'Rare earths' for a group; '280530 — Rare-earth metals, …' for an HS code."""
    group = _groups().get(product)
    if group is not None and kind != "hs":
        return group.name
    if kind == "group":
        return product.replace("_", " ").capitalize()
    description = hs_descriptions().get(product)
    if description:
        short = description if len(description) <= 70 else description[:67].rstrip() + "…"
        return f"{product} — {short}"
    return f"HS {product}"


def product_name(product: str) -> str:
    """A product as it reads in a sentence: 'rare earths', 'HS 2504'."""
    group = _groups().get(product)
    return group.name.lower() if group is not None else f"HS {product}"


def reporter_name(reporter: str) -> str:
    return countries.name(reporter)


# -- choices ------------------------------------------------------------------------------
#: The page is about products: total trade (hs_code TOTAL, from the IMF) and monthly figures are
#: other indicator families and are not offered here.
TOTAL = "TOTAL"


@lru_cache(maxsize=4)
def _product_rows(gen: str, name: str) -> pd.DataFrame:
    frame = table(name)
    return frame[(frame["product"] != TOTAL) & (frame["period"].str.len() == 4)]


def product_table(name: str) -> pd.DataFrame:
    """``indicators`` or ``supplier_shares`` restricted to annual, product-level rows."""
    return _product_rows(generation(), name)


@lru_cache(maxsize=8)
def _reporters(gen: str) -> tuple[str, ...]:
    found = set(product_table("indicators")["reporter"].unique())
    first = [r for r in PREFERRED_REPORTERS if r in found]
    rest = sorted(found - set(first), key=countries.name)
    return tuple(first + rest)


def available_reporters() -> list[str]:
    """Reporters with indicators in the store, preferred ones first."""
    return list(_reporters(generation()))


@lru_cache(maxsize=32)
def _products(gen: str, reporter: str) -> tuple[Product, ...]:
    ind = product_table("indicators")
    rows = ind[(ind["reporter"] == reporter) & (ind["flow"] == FLOW)][["product", "product_kind"]]
    pairs = rows.drop_duplicates()
    order = {g: i for i, g in enumerate(group_order())}
    groups = sorted(
        (p for p, k in zip(pairs["product"], pairs["product_kind"], strict=True) if k == "group"),
        key=lambda p: (order.get(p, len(order)), p),
    )
    codes = sorted(p for p, k in zip(pairs["product"], pairs["product_kind"], strict=True) if k != "group")
    return tuple(
        [Product(p, "group", product_label(p, "group")) for p in groups]
        + [Product(p, "hs", product_label(p, "hs")) for p in codes]
    )


def products_for(reporter: str) -> list[Product]:
    """Products with indicators for ``reporter``: groups first (registry order), then HS codes."""
    return list(_products(generation(), reporter))


@lru_cache(maxsize=8)
def _periods(gen: str) -> tuple[int, ...]:
    periods = product_table("indicators")["period"].astype(str)
    return tuple(sorted({int(p[:4]) for p in periods if p[:4].isdigit()}))


def years() -> list[int]:
    """Every year in the indicators table, ascending."""
    return list(_periods(generation()))


# -- series -------------------------------------------------------------------------------
def _in_years(frame: pd.DataFrame, start: int | None, end: int | None) -> pd.DataFrame:
    year = frame["period"].astype(str).str[:4].astype(int)
    keep = pd.Series(True, index=frame.index)
    if start is not None:
        keep &= year >= start
    if end is not None:
        keep &= year <= end
    return frame[keep]


def indicators_for(reporter: str, product: str, start: int | None = None, end: int | None = None) -> pd.DataFrame:
    """Long ``indicator, period, value`` rows for one reporter and product, by period."""
    ind = product_table("indicators")
    rows = ind[(ind["reporter"] == reporter) & (ind["flow"] == FLOW) & (ind["product"] == product)]
    rows = _in_years(rows, start, end)
    return rows[["indicator", "period", "value"]].sort_values(["indicator", "period"]).reset_index(drop=True)


def indicator_series(
    reporter: str, product: str, indicator: str, start: int | None = None, end: int | None = None
) -> pd.DataFrame:
    """``period, value`` of one indicator."""
    rows = indicators_for(reporter, product, start, end)
    return rows[rows["indicator"] == indicator][["period", "value"]].reset_index(drop=True)


def shares(
    reporter: str, product: str, start: int | None = None, end: int | None = None, *, complete_only: bool = True
) -> pd.DataFrame:
    """Supplier rows ``period, partner, value_usd, share, rank`` for one reporter and product.

    With ``complete_only`` (the default) only periods whose breakdown is complete are kept,
    i.e. those with a stored ``hhi``: a partial breakdown (say, a download of "World and
    China" only) lists China as the sole supplier, and charting it would mislead.
    """
    sh = product_table("supplier_shares")
    rows = sh[(sh["reporter"] == reporter) & (sh["flow"] == FLOW) & (sh["product"] == product)]
    rows = _in_years(rows, start, end)
    if complete_only:
        rows = rows[rows["period"].isin(set(complete_periods(reporter, product)))]
    return (
        rows[["period", "partner", "value_usd", "share", "rank"]].sort_values(["period", "rank"]).reset_index(drop=True)
    )


def complete_periods(reporter: str, product: str) -> list[str]:
    """Periods with a complete supplier breakdown (an ``hhi`` value is stored for them)."""
    hhi = indicator_series(reporter, product, "hhi")
    return sorted(hhi.loc[hhi["value"].notna(), "period"].astype(str))


# -- provenance -----------------------------------------------------------------------------
@lru_cache(maxsize=64)
def _sources_of(gen: str, reporter: str, product: str) -> tuple[str, ...]:
    try:
        trade = table("trade")
    except StoreError:  # a store without the trade table still gets a (generic) source line
        return ()
    rows = trade[(trade["reporter"] == reporter) & (trade["flow"] == FLOW)]
    matching = rows[rows["hs_code"].isin(group_codes(product))]
    if not matching.empty:
        rows = matching
    return tuple(sorted(str(s) for s in rows["source"].dropna().unique()))


def _trade_sources(reporter: str, product: str) -> list[str]:
    """The source ids of the trade rows behind a reporter's product (cached per generation)."""
    return list(_sources_of(generation(), reporter, product))


def _credit(source_id: str) -> str:
    try:
        return sources.get(source_id).credit
    except ConfigError:
        return source_id


def datasets_for(reporter: str, product: str) -> list[dict]:
    """The manifest's datasets behind a reporter's product: from the trade rows' sources and,
    where a dataset declares its ``coverage`` (reporters, hs_codes), covering this selection."""
    ids = set(_trade_sources(reporter, product))
    codes = set(group_codes(product))
    out = []
    for d in manifest().get("datasets", []):
        if ids and d.get("source") not in ids:
            continue
        coverage = d.get("coverage") or {}
        if coverage.get("reporters") and reporter not in coverage["reporters"]:
            continue
        if coverage.get("hs_codes") and not codes & set(coverage["hs_codes"]):
            continue
        out.append(d)
    return out


def data_date(reporter: str, product: str) -> str:
    """The data date: the latest ``retrieved`` of the datasets behind the selection, else the
    manifest's ``built_at`` date."""
    dates = [str(d["retrieved"]) for d in datasets_for(reporter, product) if d.get("retrieved")]
    if dates:
        return max(dates)[:10]
    return str(manifest().get("built_at", ""))[:10] or "unknown"


def dataset_caveats(reporter: str, product: str) -> list[str]:
    """The caveats of the datasets behind the selection, each once."""
    out: list[str] = []
    for d in datasets_for(reporter, product):
        out.extend(c for c in d.get("caveats", []) if c not in out)
    return out


def source_ids(reporter: str, product: str) -> list[str]:
    return _trade_sources(reporter, product)


def source_line(reporter: str, product: str, suffix: str = "") -> str:
    """'Source: UN Comtrade, US-reported imports; data as of 2026-11-22.' built from the
    trade rows' ``source`` and the manifest's ``retrieved`` date, never typed in."""
    ids = _trade_sources(reporter, product)
    credit = ", ".join(_credit(s) for s in ids) or "econsec store"
    adjective = REPORTER_ADJECTIVE.get(reporter, countries.name(reporter))
    line = f"Source: {credit}, {adjective}-reported imports; data as of {data_date(reporter, product)}."
    return f"{line} {suffix}".strip()


def data_status() -> dict[str, object]:
    """``built_at`` (date), whether the bundled snapshot is being read, and the store's warning when
    it found damage and fell back to an older generation or the snapshot (else None)."""
    return _store().status()


def refresh_status() -> dict:
    """Per-source status written by `econsec refresh` (empty before the first refresh)."""
    from econsec import refresh

    return refresh.status(_store())


def stored_by_source() -> dict[str, dict]:
    """``{source id: {"rows": n, "periods": "first–last"}}`` over every tidy table in the store."""
    from econsec.schema import TABLE_VALIDATORS

    return _stored_by_source(generation(), tuple(t for t in TABLE_VALIDATORS if t in _store().tables()))


@lru_cache(maxsize=4)
def _stored_by_source(gen: str, tables: tuple[str, ...]) -> dict[str, dict]:
    out: dict[str, dict] = {}
    for name in tables:
        frame = table(name)
        for source, group in frame.groupby("source"):
            entry = out.setdefault(str(source), {"rows": 0, "first": None, "last": None})
            entry["rows"] += len(group)
            first, last = str(group["period"].min()), str(group["period"].max())
            entry["first"] = min(filter(None, (entry["first"], first)))
            entry["last"] = max(filter(None, (entry["last"], last)))
    for entry in out.values():
        entry["periods"] = f"{entry.pop('first')}–{entry.pop('last')}"
    return out
