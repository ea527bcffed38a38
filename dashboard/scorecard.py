"""Store accessors and shared pieces for the goal pages (the Overview and ``/goal/<id>``).

Statuses and explanations are read from the stored ``goal_status`` table, written by the
refresh and the snapshot build (:func:`indicators.status.table`): nothing here judges a goal.
The series drawn in the charts are selected from the stored ``indicators`` table with
:func:`indicators.status.series_of` (the same selection the status used), cached per store
generation like :mod:`dashboard.data`.
"""

from __future__ import annotations

import math
import textwrap
from dataclasses import dataclass, field
from functools import lru_cache

import dash_bootstrap_components as dbc
import pandas as pd
from dash import html

from dashboard import data, response_cache
from econsec import countries
from indicators import events as ev
from indicators import goals as g
from indicators import status as st
from indicators.base import BLOC
from indicators.registry import all_indicators

#: Status -> (badge text, icon, css suffix). Text and icon together: colour is never the only signal.
BADGES = {
    st.ON_TRACK: ("On track", "✓", "on-track"),
    st.WATCH: ("Watch", "!", "watch"),
    st.OFF_TRACK: ("Off track", "✗", "off-track"),
    st.CONTEXT: ("Context", "i", "context"),
    st.NO_DATA: ("No data", "–", "no-data"),
}
#: Products that are not goods (totals, World Bank series ids): no coercion event is about them.
_NOT_GOODS = ("", "TOTAL")


def goal_href(goal_id: str) -> str:
    return f"/goal/{goal_id}"


def status_badge(status: str, badge_id: str | None = None, large: bool = False) -> html.Span:
    """'On track ✓' as a badge: text, an icon in its own shape, and a colour."""
    text, icon, css = BADGES.get(status, (status.capitalize(), "?", "no-data"))
    kwargs = {"id": badge_id} if badge_id else {}
    return html.Span(
        [html.Span(text, className="status-text"), html.Span(icon, className="status-icon", **{"aria-hidden": "true"})],
        className=f"status-badge status-{css}" + (" status-lg" if large else ""),
        title=f"Status: {text}",
        **kwargs,
    )


# -- stored statuses ----------------------------------------------------------------------
@dataclass(frozen=True)
class MeasureRow:
    """One measure of a goal as stored in ``goal_status`` (latest value, baseline where a Trend)."""

    measure: g.Measure
    period: str
    value: float | None
    baseline_period: str
    baseline_value: float | None

    @property
    def has_data(self) -> bool:
        return bool(self.period) and self.value is not None

    @property
    def change(self) -> float | None:
        if self.value is None or self.baseline_value is None or not self.baseline_period:
            return None
        return self.value - self.baseline_value


@dataclass(frozen=True)
class StoredStatus:
    goal: g.Goal
    status: str
    explanation: str
    measures: tuple[MeasureRow, ...] = field(default_factory=tuple)
    stored: bool = True  # False: the goal is missing from the stored table

    @property
    def headline(self) -> MeasureRow | None:
        """The goal's first measure with data."""
        return next((m for m in self.measures if m.has_data), None)


def _float(x: object) -> float | None:
    try:
        f = float(x)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return None
    return None if math.isnan(f) else f


@lru_cache(maxsize=4)
def _statuses(gen: str) -> dict[str, StoredStatus]:
    table = data.table("goal_status")
    out: dict[str, StoredStatus] = {}
    for goal in g.GOALS:
        rows = table[table["goal"] == goal.id]
        if rows.empty:
            out[goal.id] = StoredStatus(
                goal, st.NO_DATA, "No stored status for this goal: run `econsec refresh`.", stored=False
            )
            continue
        measures = []
        # goal_status keeps one row per measure, in the goal's order (indicators.status.table).
        for m, (_, r) in zip(goal.measures, rows.iterrows(), strict=False):
            if str(r["measure"]) != m.indicator:
                break
            measures.append(
                MeasureRow(
                    m, str(r["period"]), _float(r["value"]), str(r["baseline_period"]), _float(r["baseline_value"])
                )
            )
        first = rows.iloc[0]
        out[goal.id] = StoredStatus(goal, str(first["status"]), str(first["explanation"]), tuple(measures))
    return out


def statuses() -> dict[str, StoredStatus]:
    """``{goal id: StoredStatus}`` for every goal of the registry, in registry order.

    Raises StoreError when the store has no ``goal_status`` table."""
    return _statuses(data.generation())


def status_counts() -> dict[str, int]:
    """Goals per status, every status listed (0 where none)."""
    counts = dict.fromkeys(st.STATUSES, 0)
    for s in statuses().values():
        counts[s.status] = counts.get(s.status, 0) + 1
    return counts


# -- series ---------------------------------------------------------------------------------
@lru_cache(maxsize=2)
def _indicators(gen: str) -> pd.DataFrame:
    return data.table("indicators")


@lru_cache(maxsize=256)
def _series(gen: str, measure: g.Measure) -> pd.Series:
    try:
        return st.series_of(_indicators(gen), measure).dropna()
    except (ValueError, KeyError):  # several series match, or an older table lacks a column: shown as missing
        return pd.Series(dtype="float64")


def series(measure: g.Measure) -> pd.Series:
    """The stored values of one measure by period (ascending), as the status read them."""
    return _series(data.generation(), measure)


def event_window_sums(measure: g.Measure, period: str) -> tuple[float | None, float | None]:
    """China's exports in the 12 months before / from an event month (the sums behind a change)."""
    out = []
    for indicator in ("export_value_before_12m", "export_value_after_12m"):
        s = _series(
            data.generation(),
            g.Measure(indicator, measure.reporter, "", measure.product, measure.partner, measure.flow),
        )
        out.append(_float(s.get(period)))
    return out[0], out[1]


def events_for_measure(measure: g.Measure) -> tuple[ev.Event, ...]:
    """The coercion and export-control events on a measure's product involving its reporter (both
    allies for the US+Japan bloc); none for totals and non-goods series."""
    if measure.product in _NOT_GOODS or measure.product not in data.group_order() and not measure.product.isdigit():
        return ()
    reporters = ("USA", "JPN") if measure.reporter == BLOC else (measure.reporter,)
    found: dict[str, ev.Event] = {}
    for reporter in reporters:
        for e in ev.events_for(measure.product, reporter):
            found.setdefault(e.id, e)
    return tuple(sorted(found.values(), key=lambda e: e.date))


# -- labels and provenance ------------------------------------------------------------------
def indicator_info(indicator: str):
    return all_indicators().get(indicator)


def reporter_name(code: str) -> str:
    if code == BLOC:
        return "US + Japan"
    if code == "QAS":
        return "ASEAN"
    try:
        return countries.name(code)
    except Exception:  # noqa: BLE001 - an unknown aggregate keeps its code
        return code


def store_date() -> str:
    """The data date of the store: the latest ``retrieved`` of its datasets, else ``built_at``."""
    m = data.manifest()
    dates = [str(d["retrieved"])[:10] for d in m.get("datasets", []) if d.get("retrieved")]
    return max(dates) if dates else (str(m.get("built_at", ""))[:10] or "unknown")


def _wrap(text: str, width: int = 90) -> str:
    return "<br>".join(textwrap.wrap(text, width))


def source_line(measure: g.Measure, suffix: str = "") -> str:
    """The source line of a measure's chart: from the trade rows for a product a reporter imports
    (as on the concentration page), else from the indicator's registered source; with the data date."""
    product_level = measure.product not in _NOT_GOODS and (
        measure.product in data.group_order() or measure.product.isdigit()
    )
    if (
        product_level
        and measure.reporter not in (BLOC, "QAS", "CHN")
        and data.source_ids(measure.reporter, measure.product)
    ):
        line = data.source_line(measure.reporter, measure.product)
    else:
        info = indicator_info(measure.indicator)
        credit = info.source if info and info.source else (info.family if info and info.family else "econsec store")
        line = f"Source: {credit.rstrip('.')}; data as of {store_date()}."
    return _wrap(line) + (f"<br>{_wrap(suffix)}" if suffix else "")


def data_note() -> str:
    """'Statuses come from public statistics in the bundled snapshot (data as of …).'"""
    where = "the bundled snapshot" if data.is_bundled() else "the last refresh"
    return (
        f"Statuses come from public statistics in {where} (data as of {store_date()}), judged by the rule "
        "shown on each goal's page; they are read from the stored status table, not recomputed here."
    )


def store_error_alert(exc: Exception, alert_id: str, subject: str = "Goal statuses") -> dbc.Alert:
    """What a page shows instead of its content when the store cannot be read, and what to do about it
    (never cached: the next request tries the store again)."""
    response_cache.do_not_cache()
    return dbc.Alert(
        [
            html.Strong(f"{subject} cannot be read. "),
            str(exc),
            " Run ",
            html.Code("econsec refresh"),
            " or check ",
            html.Code("ECONSEC_DATA_DIR"),
            ".",
        ],
        color="danger",
        id=alert_id,
    )


def rule_words(goal: g.Goal) -> tuple[str, str]:
    """How a goal's status is judged: a short label and one or two sentences (the goal page and the
    briefing pack say it the same way)."""
    rule = goal.rule
    indicator = goal.measures[0].indicator if goal.measures else ""
    if isinstance(rule, g.Threshold):
        good, bad = st.format_value(indicator, rule.good), st.format_value(indicator, rule.bad)
        side = ("at or below", "at or above") if rule.better == "lower" else ("at or above", "at or below")
        return (
            "Threshold",
            f"Each measure's latest value is on track {side[0]} {good}, off track {side[1]} {bad}, and “watch” in "
            f"between; the goal is on track when every measure is, off track when every one is, else watch. "
            f"Basis: {rule.basis}.",
        )
    if isinstance(rule, g.Trend):
        tol = st.format_value(indicator, rule.tolerance, change=True).lstrip("+")
        return (
            "Trend since a baseline",
            f"Each measure's change since {rule.baseline} (the first year with a value from then on) is on track "
            f"beyond ±{tol} in the direction the goal needs ({rule.better}), off track beyond it the other way, and "
            f"“watch” within it. Basis: {rule.basis}.",
        )
    return "Context only, no status", rule.reason


def headline_words(s: StoredStatus) -> tuple[str, str]:
    """The headline measure in words: ``("US imports of rare earths", "HHI 5,120 in 2024, +310 since 2019")``;
    ``("", "No values in the store.")`` without one."""
    head = s.headline
    if head is None:
        return "", ("No values in the store." if s.goal.measures else "No statistic measures this goal.")
    m = head.measure
    reading = f"{st.format_value(m.indicator, head.value)} in {head.period}"
    if isinstance(s.goal.rule, g.Trend) and head.change is not None:
        reading += f", {st.format_value(m.indicator, head.change, change=True)} since {head.baseline_period}"
    return m.label, reading

