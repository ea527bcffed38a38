"""Every chart the dashboard draws that a briefing may need, built once: the pages show these figures,
and the exports (``econsec export``, the image buttons, the briefing pack) render the same ones.

A chart's figure carries everything a reader of a pasted image needs: title, subtitle, the source
line with its data date (from the figure builders), and — added here — footnotes naming the goal it
serves with its essay, the HS codes behind the product, and the method. Store reads go through
:mod:`dashboard.data` and :mod:`dashboard.scorecard`; the figures come from the pure builders of
:mod:`dashboard.figures` and :mod:`dashboard.goal_figures`.
"""

from __future__ import annotations

import re
import textwrap
from dataclasses import dataclass

import plotly.graph_objects as go

from dashboard import data, explore, figures
from dashboard import goal_figures as gf
from dashboard import scorecard as sc
from econsec import countries
from econsec.errors import ConfigError, EconsecError
from indicators import events as ev
from indicators import goals as g
from indicators.base import BLOC
from indicators.registry import all_indicators

#: Goals whose evidence is the sequence of measures itself: their page shows the events timeline.
TIMELINE_GOALS = ("economic-security-convergence", "flexible-strategy")
EVENT_WINDOW_INDICATORS = ("export_value_change_12m", "export_volume_change_12m")
HHI_NOTE = "HHI ×10,000. Bands: DOJ/FTC Merger Guidelines 2010; EC SWD(2021) 352."
NOTE_WIDTH = 80  # characters per footnote line at 11 px: fits a half-width chart on screen
NOTE_LINE_PX = 16
MAX_CODES = 12


class NoValues(EconsecError):
    """The store has no values for the chart asked for."""


@dataclass(frozen=True)
class Chart:
    """One chart: ``key`` is a file-name-safe slug (it names exported files)."""

    key: str
    figure: go.Figure
    goal: g.Goal | None = None
    events: tuple[ev.Event, ...] = ()


# -- footnotes -----------------------------------------------------------------------------------
def goal_note(goal: g.Goal) -> str:
    return f"Goal: {goal.title} — {goal.essay.citation}."


def product_note(product: str) -> str:
    """'Rare earths: HS 280530, 284690, …' for a group; 'HS 850511: description' for a code."""
    if not product or product == data.TOTAL or not (product.isdigit() or product in data.group_order()):
        return ""
    if product.isdigit():
        description = data.hs_descriptions().get(product, "")
        return f"HS {product}" + (f": {description}" if description else "") + "."
    codes = data.group_codes(product)
    shown = ", ".join(codes[:MAX_CODES]) + (f" and {len(codes) - MAX_CODES} more" if len(codes) > MAX_CODES else "")
    return f"{data.product_label(product, 'group')}: HS {shown}."


def method_note(indicator: str) -> str:
    """The first sentence of the indicator's registered definition."""
    info = all_indicators().get(indicator)
    if not info or not info.definition:
        return ""
    first = re.split(r"(?<=[.;])\s", info.definition.strip(), maxsplit=1)[0].rstrip(".;")
    return f"Method: {first}."


def _source_lines(fig: go.Figure) -> int:
    for a in fig.layout.annotations:
        if a.name == "source":
            return str(a.text or "").count("<br>") + 1
    return 0


def add_notes(fig: go.Figure, notes: list[str], *, first: bool = False) -> go.Figure:
    """Footnotes under the source line, in the figure itself (so a pasted image keeps them); the
    figure grows by their height, the plot area keeps its size. Called again, the new notes join the
    figure's notes (before them with ``first``)."""
    new = [line for note in notes if note for line in textwrap.wrap(note, NOTE_WIDTH)]
    if not new:
        return fig
    old = [a for a in fig.layout.annotations if a.name == "notes"]
    old_lines = str(old[0].text).split("<br>") if old else []
    if old:
        fig.layout.annotations = [a for a in fig.layout.annotations if a.name != "notes"]
    lines = new + old_lines if first else old_lines + new
    source_lines = _source_lines(fig)
    fig.add_annotation(
        text="<br>".join(lines),
        xref="paper",
        yref="paper",
        x=0,
        y=0,
        yshift=-42 - NOTE_LINE_PX * source_lines - 4,
        xanchor="left",
        yanchor="top",
        showarrow=False,
        align="left",
        font={"size": 11, "color": figures.MUTED},
        name="notes",
    )
    margin = fig.layout.margin.to_plotly_json()
    bottom = int(margin.get("b") or figures.MARGIN["b"])
    extra = max(0, 42 + NOTE_LINE_PX * (source_lines + len(lines)) + 12 - bottom)
    fig.update_layout(margin={**margin, "b": bottom + extra}, height=int(fig.layout.height or figures.HEIGHT) + extra)
    return fig


# -- goal pages ----------------------------------------------------------------------------------
def goal_measure_chart(goal: g.Goal, i: int, m: g.Measure, row: sc.MeasureRow | None) -> Chart:
    """Measure ``i`` of a goal against the goal's rule, with the events on its timeline."""
    series = sc.series(m)
    who = sc.reporter_name(m.reporter)
    info = sc.indicator_info(m.indicator)
    span = (
        f"{series.index[0]}–{series.index[-1]}"
        if len(series) > 1
        else (str(series.index[0]) if len(series) else "no values")
    )
    subtitle = f"{info.name if info else m.indicator} · {who} · {span}"
    source = sc.source_line(m, HHI_NOTE if m.indicator == "hhi" else "")
    if m.indicator in EVENT_WINDOW_INDICATORS and len(series):
        period = str(series.index[-1])
        before, after = sc.event_window_sums(m, period)
        event_id = ev.event_of(m.product, period) if len(period) == 7 else None
        event = ev.EVENTS_BY_ID.get(event_id) if event_id else None
        fig = gf.event_window_figure(
            event,
            period,
            before,
            after,
            float(series.iloc[-1]),
            m.label,
            subtitle=f"China's exports to {len(ev.LISTED_PARTNERS)} listed partners, HS {m.product}, around {period}",
            source_line=source,
        )
        drawn = [event] if event else []
    else:
        fig, drawn = gf.measure_figure(
            series,
            m.indicator,
            m.label,
            goal.rule,
            subtitle=subtitle,
            source_line=source,
            baseline_period=row.baseline_period if row else None,
            events=list(sc.events_for_measure(m)),
        )
    add_notes(fig, [goal_note(goal), product_note(m.product), method_note(m.indicator)])
    return Chart(f"{goal.id}_{i + 1}", fig, goal, tuple(drawn))


def goal_timeline_chart(goal: g.Goal) -> Chart:
    """US and Chinese export controls and coercive measures, numbered by date."""
    events = sorted((e for e in ev.EVENTS if e.actor in ("USA", "CHN")), key=lambda e: e.date)
    source = (
        "Source: econsec events registry (indicators/events.py): official records (MOFCOM/GACC announcements, "
        "Federal Register, WTO disputes) and press of record;<br>dates to verify where the record is informal."
    )
    fig = gf.events_timeline_figure(
        events,
        "US and Chinese export controls and coercive measures",
        subtitle=f"{events[0].date.year}–{events[-1].date.year}, numbered by date",
        source_line=source,
    )
    add_notes(fig, [goal_note(goal)])
    return Chart(f"{goal.id}_events", fig, goal, tuple(events))


def _goal(goal_id: str) -> g.Goal:
    try:
        return g.GOALS_BY_ID[goal_id]
    except KeyError:
        raise ConfigError(f"unknown goal {goal_id!r}: see `econsec goals` for the ids") from None


def goal_charts(goal_id: str) -> list[Chart]:
    """The charts of a goal's page, in page order (the events timeline first where the page has one)."""
    goal = _goal(goal_id)
    rows = {r.measure: r for r in sc.statuses()[goal.id].measures}
    charts = [goal_timeline_chart(goal)] if goal.id in TIMELINE_GOALS else []
    charts += [goal_measure_chart(goal, i, m, rows.get(m)) for i, m in enumerate(goal.measures)]
    return charts


def headline_chart(goal_id: str) -> Chart | None:
    """The one chart a briefing shows for a goal: its first measure with data, else the events
    timeline where the goal has one, else its first measure (drawn with its empty state)."""
    goal = _goal(goal_id)
    stored = sc.statuses()[goal.id]
    rows = {r.measure: r for r in stored.measures}
    for i, m in enumerate(goal.measures):
        if rows.get(m) is not None and rows[m].has_data:
            return goal_measure_chart(goal, i, m, rows[m])
    if goal.id in TIMELINE_GOALS:
        return goal_timeline_chart(goal)
    if goal.measures:
        return goal_measure_chart(goal, 0, goal.measures[0], rows.get(goal.measures[0]))
    return None


# -- the concentration page and single indicators ------------------------------------------------
def concentration_charts(reporter: str, product: str, start: int, end: int) -> dict[str, Chart]:
    """The concentration page's three charts for one selection: ``hhi``, ``suppliers``, ``china``."""
    inds = data.indicators_for(reporter, product, start, end)
    shares = data.shares(reporter, product, start, end)
    who, what = data.reporter_name(reporter), data.product_name(product)
    source = data.source_line(reporter, product)
    if inds.empty:
        first = last = ""
    else:
        first, last = str(inds["period"].min())[:4], str(inds["period"].max())[:4]
    subtitle = f"{who}, imports of {what}, " + (f"{first}–{last}" if first != last else first)
    products = product_note(product)
    hhi = figures.hhi_figure(inds, subtitle=subtitle, source_line=f"{source}<br>{HHI_NOTE}")
    area = figures.supplier_area_figure(
        shares, subtitle=subtitle, source_line=f"{source}<br>Share of import value by country of origin."
    )
    china = figures.china_share_figure(
        inds, subtitle=subtitle, source_line=f"{source}<br>China = mainland China (CHN)."
    )
    stem = f"{explore.slug(reporter)}_{explore.slug(product)}_{start}-{end}"
    return {
        "hhi": Chart(f"{stem}_hhi", add_notes(hhi, [products, method_note("hhi")])),
        "suppliers": Chart(f"{stem}_suppliers", add_notes(area, [products, method_note("top1_share")])),
        "china": Chart(f"{stem}_china", add_notes(china, [products, method_note("china_share")])),
    }


def check_filters(reporter: str, product: str, start: int | None, end: int | None) -> None:
    """Allow-list the command line's filters: ISO3 or a known aggregate, a product id, a year range."""
    if not (countries.is_iso3(reporter) or reporter in countries.AGGREGATES or reporter == BLOC):
        raise ConfigError(f"--reporter {reporter!r} is not an ISO3 code (e.g. USA, JPN; QUJ for US+Japan)")
    if product and not re.fullmatch(r"[A-Za-z0-9_.]{1,40}", product):
        raise ConfigError(f"--product {product!r} is not a product group id, an HS code or a series id")
    if start is not None and end is not None and start > end:
        raise ConfigError(f"--start {start} is after --end {end}")


def indicator_chart(indicator: str, reporter: str, product: str = "", start: int | None = None,
                    end: int | None = None) -> Chart:
    """One stored indicator for one reporter (and product) over the years, with the goal it serves
    named where a goal tracks exactly that series. HHI and China's share of a product are the
    concentration page's charts (with the HHI bands)."""
    info = all_indicators().get(indicator)
    if info is None:
        raise ConfigError(f"unknown indicator {indicator!r}: see docs/REFERENCE.md for the ids")
    check_filters(reporter, product, start, end)
    goal = next((gl for gl in g.GOALS for m in gl.measures
                 if (m.indicator, m.reporter, m.product) == (indicator, reporter, product)), None)
    what = f", {data.product_name(product)}" if product and product != data.TOTAL else ""
    on_page = reporter in data.available_reporters() and product in {p.id for p in data.products_for(reporter)}
    if indicator in ("hhi", "china_share") and on_page:
        rows = data.indicator_series(reporter, product, indicator, start, end).dropna(subset=["value"])
        if rows.empty:
            raise NoValues(f"no {info.name} values for {sc.reporter_name(reporter)}{what} in the store")
        first, last = start or int(str(rows["period"].min())[:4]), end or int(str(rows["period"].max())[:4])
        chart = concentration_charts(reporter, product, first, last)["hhi" if indicator == "hhi" else "china"]
        if goal:
            add_notes(chart.figure, [goal_note(goal)], first=True)
        return Chart(chart.key.replace("_china", "_china_share"), chart.figure, goal)
    measure = g.Measure(indicator, reporter, info.name, product)
    series = sc.series(measure)
    if start is not None:
        series = series[[int(str(p)[:4]) >= start for p in series.index]]
    if end is not None:
        series = series[[int(str(p)[:4]) <= end for p in series.index]]
    if series.empty:
        raise NoValues(f"no {info.name} values for {sc.reporter_name(reporter)}{what} in the store "
                       f"(indicator {indicator}, reporter {reporter}, product {product or 'none'})")
    span = f"{series.index[0]}–{series.index[-1]}" if len(series) > 1 else str(series.index[0])
    subtitle = f"{sc.reporter_name(reporter)}{what} · {span}"
    source = sc.source_line(measure)
    rule = g.Context(reason="a single indicator, not judged here")
    fig, _ = gf.measure_figure(series, indicator, info.name, rule, subtitle=subtitle, source_line=source)
    add_notes(fig, [goal_note(goal) if goal else "", product_note(product), method_note(indicator)])
    stem = "_".join(explore.slug(x) for x in (indicator, reporter, product or "all"))
    years = f"_{start or ''}-{end or ''}" if start or end else ""
    return Chart(stem + years, fig, goal)
