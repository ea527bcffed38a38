"""Every indicator family, run in one place (refresh and snapshot build call :func:`compute_all`).

Families are listed explicitly (no import-time discovery); each is documented in
:mod:`indicators.base`. A family whose inputs are missing returns no rows rather than failing,
so a store without, say, FDI data still gets every other indicator.

Each tidy table is validated once, here, before the families run; the families are then called
with ``validated=True`` and trust it. Called directly, concentration, partner groups, alliance,
screening, innovation and minerals still validate the table they read, so bad input gets a typed
:class:`econsec.errors.ValidationError`.
"""

from __future__ import annotations

import importlib
import logging
from functools import lru_cache
from types import ModuleType

import pandas as pd

from indicators import base

log = logging.getLogger(__name__)

#: Concentration first: it also produces the supplier_shares table.
FAMILIES: tuple[str, ...] = (
    "indicators.concentration",
    "indicators.partner_groups",
    "indicators.alliance",
    "indicators.screening",
    "indicators.chokepoints",
    "indicators.exposure",
    "indicators.innovation",
    "indicators.minerals",
    "indicators.events",
)


@lru_cache(maxsize=1)
def families() -> tuple[ModuleType, ...]:
    """The family modules that exist (a family still being written is skipped, and says so)."""
    out = []
    for name in FAMILIES:
        try:
            out.append(importlib.import_module(name))
        except ModuleNotFoundError as exc:
            if exc.name != name:
                raise
            log.warning("indicator family %s is not installed; skipped", name)
    return tuple(out)


@lru_cache(maxsize=1)
def all_indicators() -> dict[str, base.Indicator]:
    """Every registered indicator by id; ids are unique across families."""
    out: dict[str, base.Indicator] = {}
    for module in families():
        for indicator in module.INDICATORS:
            if indicator.id in out:
                raise ValueError(f"indicator id {indicator.id!r} is registered twice")
            out[indicator.id] = indicator
    return out


def compute_all(tables: dict[str, pd.DataFrame], *, validated: bool = False) -> dict[str, pd.DataFrame]:
    """``{"indicators": every family's values, "supplier_shares": ...}`` from the store's tidy tables.

    ``validated``: the caller has validated every tidy table of ``tables`` against its schema (the
    snapshot build does, at the store boundary); otherwise each non-empty one is validated here,
    once, instead of once per family that reads it.
    """
    from econsec import schema
    from indicators import concentration

    if not validated:
        tables = {name: schema.TABLE_VALIDATORS[name](frame)
                  if name in schema.TABLE_VALIDATORS and frame is not None and not frame.empty else frame
                  for name, frame in tables.items()}
    # Each family returns validated values (base.values); the whole is validated once more at the end,
    # which also catches a key produced by two families. Validating each part again here cost ~0.5 s.
    parts = []
    shares = None
    for module in families():
        if module is concentration:
            trade = tables.get("trade")
            if trade is None or trade.empty:
                continue
            result = concentration.compute(trade, validated=True)
            shares = result["supplier_shares"]
            parts.append(result["indicators"])
        else:
            parts.append(module.compute(tables, validated=True))
    parts = [base.typed(part) for part in parts if not part.empty]
    indicators = base.values(pd.concat(parts, ignore_index=True)) if parts else base.empty()
    out = {"indicators": indicators}
    if shares is not None:
        out["supplier_shares"] = shares
    return out
