"""Pure figure builders for the goal pages: a measure's series against its goal's rule, with the
coercion and export-control events drawn on the timeline; the events timeline; the Overview's
sparklines. Series in, ``go.Figure`` out; no store, no Dash. House style from
:mod:`dashboard.figures`.

>>> import pandas as pd
>>> fig = sparkline(pd.Series([0.2, 0.3], index=["2020", "2021"]), "china_share")
>>> list(fig.data[0].y)
[20.0, 30.0]
"""

from __future__ import annotations

import datetime
from collections.abc import Sequence
from dataclasses import dataclass

import pandas as pd
import plotly.graph_objects as go

from dashboard import figures
from dashboard.figures import MUTED, TEXT
from indicators import goals as g
from indicators.events import Event
from indicators.registry import all_indicators

LINE = "#0b3d91"
SECOND = "#e69f00"
BASELINE = "#5c636a"
EVENT = "#7a0019"
SPARK_HEIGHT = 64
#: Event labels hang from the top of the plot at these heights (paper), in turn, so close events do not overlap.
_LABEL_LEVELS = (0.99, 0.90, 0.81)
KIND_WORDS = {
    "coercion": "coercion",
    "export_control": "export controls",
    "licensing": "export licensing",
    "import_ban": "import halt",
}
KIND_SYMBOLS = {"coercion": "x", "export_control": "diamond", "licensing": "square", "import_ban": "triangle-up"}
ACTOR_WORDS = {"CHN": "China", "USA": "US", "JPN": "Japan"}


# -- scales -------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Scale:
    """How an indicator is shown: values × ``factor``; axis title; hover format and suffix."""

    factor: float
    axis: str
    fmt: str
    suffix: str = ""
    prefix: str = ""


def scale_of(indicator: str) -> Scale:
    """The display scale of an indicator, as :func:`indicators.status.format_value` writes it."""
    info = all_indicators().get(indicator)
    unit, scale = (info.unit, info.scale) if info else ("", "")
    if "10,000" in scale or indicator.endswith("hhi"):
        return Scale(10_000, "HHI (0–10,000)", ",.0f")
    if "percentage change" in scale:
        return Scale(100, "Change, %", "+.0f", "%")
    if "share difference" in unit:
        return Scale(100, "Percentage points", "+.1f", " pts")
    if "0–1" in unit or "fraction" in unit:
        return Scale(100, "Share, %", ".1f", "%")
    if "US$" in unit:
        return Scale(1e-9, "US$ billion", ",.1f", " bn", "US$")
    if unit.startswith("%"):
        return Scale(1, unit, ".2f", "%")
    return Scale(1, unit.capitalize() if unit else "", ",.0f" if "per million" in unit else ",.2f")


def year_x(period: object) -> float:
    """'2023' -> 2023; '2023-08' -> 2023.58 (monthly values between the years)."""
    text = str(period)
    return int(text[:4]) + ((int(text[5:7]) - 1) / 12 if len(text) >= 7 else 0.0)


def date_x(day: datetime.date) -> float:
    return day.year + (day.timetuple().tm_yday - 1) / 365.25


def event_label(e: Event) -> str:
    """'China export licensing · Apr 2025' (the full title is listed under the chart)."""
    return f"{ACTOR_WORDS.get(e.actor, e.actor)} {KIND_WORDS.get(e.kind, e.kind)} · {e.date:%b %Y}"


# -- sparkline ------------------------------------------------------------------------------------
def sparkline(series: pd.Series, indicator: str, baseline_period: str | None = None) -> go.Figure:
    """A small line without axes (the Overview's cards): the last value marked, the baseline hollow."""
    s = scale_of(indicator)
    fig = go.Figure()
    if len(series):
        x = [year_x(p) for p in series.index]
        y = [round(float(v) * s.factor, 6) for v in series.values]
        fig.add_trace(go.Scatter(x=x, y=y, mode="lines", line={"color": LINE, "width": 2}, hoverinfo="skip"))
        fig.add_trace(
            go.Scatter(x=[x[-1]], y=[y[-1]], mode="markers", marker={"color": LINE, "size": 7}, hoverinfo="skip")
        )
        if baseline_period and baseline_period in series.index:
            i = list(series.index).index(baseline_period)
            fig.add_trace(
                go.Scatter(
                    x=[x[i]],
                    y=[y[i]],
                    mode="markers",
                    hoverinfo="skip",
                    marker={"color": "white", "size": 7, "line": {"color": BASELINE, "width": 2}},
                )
            )
    fig.update_layout(
        height=SPARK_HEIGHT,
        margin={"l": 4, "r": 6, "t": 6, "b": 6},
        showlegend=False,
        paper_bgcolor="rgba(0,0,0,0)",
        plot_bgcolor="rgba(0,0,0,0)",
        xaxis={"visible": False},
        yaxis={"visible": False},
    )
    return fig


SPARK_CONFIG = {"staticPlot": True, "displayModeBar": False, "responsive": True}


# -- one measure ----------------------------------------------------------------------------------
def _frame(series: pd.Series) -> pd.DataFrame:
    return pd.DataFrame({"period": [str(p) for p in series.index], "value": series.to_numpy(dtype="float64")})


def add_events(fig: go.Figure, events: Sequence[Event], lo: float, hi: float, first_number: int = 1) -> list[Event]:
    """Dashed vertical markers with numbered labels for ``events`` dated within [lo, hi]; returns those drawn."""
    drawn = [e for e in events if lo <= date_x(e.date) <= hi]
    for i, e in enumerate(drawn):
        x = date_x(e.date)
        fig.add_vline(x=x, line_dash="dash", line_color=EVENT, line_width=1.5, name="event")
        fig.add_annotation(
            text=f"<b>{first_number + i}</b> {event_label(e)}",
            x=x,
            xref="x",
            y=_LABEL_LEVELS[i % len(_LABEL_LEVELS)],
            yref="paper",
            xanchor="right" if x > lo + 0.6 * (hi - lo) else "left",
            yanchor="top",
            showarrow=False,
            bgcolor="rgba(255,255,255,0.88)",
            bordercolor=EVENT,
            borderwidth=1,
            borderpad=2,
            font={"size": 12, "color": EVENT},
            name="event",
        )
    return drawn


def measure_figure(
    series: pd.Series,
    indicator: str,
    title: str,
    rule: g.Rule,
    *,
    subtitle: str | None = None,
    source_line: str | None = None,
    baseline_period: str | None = None,
    events: Sequence[Event] = (),
) -> tuple[go.Figure, list[Event]]:
    """A measure over time against its goal's rule; returns the figure and the events drawn on it.

    Threshold on an HHI: the DOJ/FTC bands of the concentration page. Other thresholds: the good and
    bad bounds as lines. Trend: the baseline year marked, its level carried across with the
    tolerance ("watch") band around it."""
    if series.empty:
        return figures.empty_figure("No values in the store for this measure.", title, source_line, subtitle), []
    s = scale_of(indicator)
    years = [year_x(p) for p in series.index]
    lo, hi = min(years) - 0.5, max(years) + 0.5
    if isinstance(rule, g.Threshold) and (indicator.endswith("hhi")):
        fig = figures.hhi_figure(_frame(series), title=title, source_line=source_line, subtitle=subtitle)
    else:
        values = [float(v) * s.factor for v in series.values]
        fig = go.Figure()
        if isinstance(rule, g.Trend) and baseline_period and baseline_period in series.index:
            base = float(series[baseline_period]) * s.factor
            tol = rule.tolerance * s.factor
            bx = year_x(baseline_period)
            fig.add_hrect(
                y0=base - tol,
                y1=base + tol,
                fillcolor="rgba(255,193,7,0.18)",
                line_width=0,
                layer="below",
                name="watch_band",
            )
            fig.add_hline(y=base, line_dash="dot", line_color=BASELINE, line_width=1.5, name="baseline")
            fig.add_vline(x=bx, line_dash="dot", line_color=BASELINE, line_width=1.5, name="baseline")
            fig.add_annotation(
                text=f"Baseline {baseline_period}: {s.prefix}{base:{s.fmt.lstrip('+')}}{s.suffix}"
                f"<br>watch band ±{tol:g}{s.suffix}",
                x=bx,
                y=base,
                xref="x",
                yref="y",
                xanchor="left",
                yanchor="bottom",
                xshift=6,
                yshift=4,
                showarrow=False,
                align="left",
                font={"size": 12, "color": BASELINE},
                name="baseline",
                bgcolor="rgba(255,255,255,0.8)",
            )
        if isinstance(rule, g.Threshold):
            for bound, word in ((rule.good, "on track"), (rule.bad, "off track")):
                y = bound * s.factor
                fig.add_hline(
                    y=y, line_dash="dash", line_color=TEXT if word == "off track" else MUTED, name="threshold"
                )
                fig.add_annotation(
                    text=f"{word} {'≤' if (rule.better == 'lower') == (word == 'on track') else '≥'}"
                    f" {y:{s.fmt.lstrip('+')}}{s.suffix}",
                    xref="paper",
                    x=1,
                    xanchor="right",
                    y=y,
                    yanchor="bottom",
                    showarrow=False,
                    font={"size": 12, "color": MUTED},
                    name="threshold",
                )
        monthly = any(len(str(p)) > 4 for p in series.index)
        fig.add_trace(
            go.Scatter(
                x=years,
                y=values,
                mode="lines+markers" if len(values) > 1 else "markers",
                name=title,
                line={"color": LINE, "width": 3},
                marker={"size": 7 if len(values) < 30 else 4},
                customdata=[str(p) for p in series.index],
                hovertemplate=f"%{{customdata}}: {s.prefix}%{{y:{s.fmt}}}{s.suffix}<extra></extra>",
            )
        )
        figures._layout(fig, title, source_line, subtitle)
        fig.update_yaxes(title_text=s.axis, ticksuffix=s.suffix.strip() if s.suffix == "%" else "", tickprefix="")
        span = hi - lo
        fig.update_xaxes(
            range=[lo, hi], dtick=1 if span <= 14 else 5 if span <= 60 else 10, tickformat="d" if not monthly else "d"
        )
        fig.update_layout(showlegend=False, hovermode="closest")
    drawn = add_events(fig, events, lo, hi)
    _fit_source(fig, source_line)
    return fig, drawn


def _fit_source(fig: go.Figure, source_line: str | None) -> None:
    """Room at the bottom for a source line of several lines."""
    lines = (source_line or "").count("<br>") + 1
    if lines > 2:
        fig.update_layout(margin={**fig.layout.margin.to_plotly_json(), "b": 64 + 18 * lines})


def event_window_figure(
    event: Event | None,
    period: str,
    before: float | None,
    after: float | None,
    change: float | None,
    title: str,
    *,
    subtitle: str | None = None,
    source_line: str | None = None,
) -> go.Figure:
    """China's exports in the 12 months before and from an event month, as monthly averages on a
    timeline, with the event marked (the change is measured between these two sums)."""
    if before is None or after is None:
        return figures.empty_figure(
            "The 12-month sums around this event are not in the store.", title, source_line, subtitle
        )
    start = year_x(period)
    fig = go.Figure()
    for x0, x1, total, word, colour in (
        (start - 1, start, before, "12 months before", BASELINE),
        (start, start + 1, after, "12 months from the event", LINE),
    ):
        avg = total / 12 / 1e6
        fig.add_trace(
            go.Scatter(
                x=[x0, x1],
                y=[avg, avg],
                mode="lines",
                line={"color": colour, "width": 10},
                name=word,
                hovertemplate=f"{word}: US$ %{{y:,.1f}} m a month (US$ {total / 1e6:,.0f} m in all)<extra></extra>",
            )
        )
        fig.add_annotation(
            text=f"{word}<br><b>US$ {avg:,.1f} m</b> a month",
            x=(x0 + x1) / 2,
            y=avg,
            yanchor="bottom",
            yshift=8,
            showarrow=False,
            font={"size": 13, "color": colour},
        )
    figures._layout(fig, title, source_line, subtitle)
    top = max(before, after) / 12 / 1e6
    fig.update_yaxes(range=[0, top * 1.45], title_text="Exports, US$ million a month", tickformat=",.0f")
    fig.update_xaxes(range=[start - 1.6, start + 1.6], dtick=1, tickformat="d")
    fig.update_layout(showlegend=False, hovermode="closest")
    if change is not None:
        fig.add_annotation(
            text=f"Change: <b>{change * 100:+.0f}%</b>",
            xref="paper",
            yref="paper",
            x=0.99,
            y=0.99,
            xanchor="right",
            yanchor="top",
            showarrow=False,
            font={"size": 15, "color": TEXT},
        )
    if event is not None:
        add_events(fig, [event], start - 1.6, start + 1.6)
    _fit_source(fig, source_line)
    return fig


# -- the events timeline ---------------------------------------------------------------------------
def events_timeline_figure(
    events: Sequence[Event],
    title: str = "Coercion and export-control measures",
    *,
    subtitle: str | None = None,
    source_line: str | None = None,
) -> go.Figure:
    """Every event on one timeline: a row per actor, a marker shape per kind (named in the legend), numbered."""
    if not events:
        return figures.empty_figure("No events recorded.", title, source_line, subtitle)
    fig = go.Figure()
    actors = list(dict.fromkeys(e.actor for e in sorted(events, key=lambda e: e.actor != "USA")))
    numbered = {e.id: i for i, e in enumerate(sorted(events, key=lambda e: e.date), start=1)}
    for kind, symbol in KIND_SYMBOLS.items():
        rows = [e for e in events if e.kind == kind]
        if not rows:
            continue
        fig.add_trace(
            go.Scatter(
                x=[date_x(e.date) for e in rows],
                y=[ACTOR_WORDS.get(e.actor, e.actor) for e in rows],
                mode="markers+text",
                name=KIND_WORDS[kind].capitalize(),
                marker={
                    "symbol": symbol,
                    "size": 15,
                    "color": EVENT if rows[0].actor == "CHN" else LINE,
                    "line": {"width": 1.5, "color": TEXT},
                },
                text=[str(numbered[e.id]) for e in rows],
                textposition=["top center" if numbered[e.id] % 2 else "bottom center" for e in rows],
                textfont={"size": 13, "color": TEXT},
                customdata=[[e.date.isoformat(), e.title] for e in rows],
                hovertemplate="%{customdata[0]}: %{customdata[1]}<extra></extra>",
            )
        )
    for trace in fig.data:  # one colour per actor, not per kind
        trace.marker.color = [EVENT if y == "China" else LINE for y in trace.y]
    figures._layout(fig, title, source_line, subtitle)
    xs = [date_x(e.date) for e in events]
    fig.update_xaxes(range=[min(xs) - 0.7, max(xs) + 0.7], dtick=1 if max(xs) - min(xs) < 12 else 2, tickformat="d")
    fig.update_yaxes(
        categoryorder="array",
        categoryarray=[ACTOR_WORDS.get(a, a) for a in actors],
        range=[-0.6, len(actors) - 0.4],
        gridcolor=figures.GRID,
    )
    fig.update_layout(
        height=340,
        hovermode="closest",
        legend={"orientation": "h", "x": 0, "y": 1.02, "yanchor": "bottom", "title": {"text": ""}},
    )
    _fit_source(fig, source_line)
    return fig
