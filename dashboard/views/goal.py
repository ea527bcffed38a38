"""What a goal page (:mod:`dashboard.pages.goal`) draws: the goal, its stored status and explanation, how the
status is judged, each measure as a chart against the rule (HHI bands, baseline and watch band) with the
coercion and export-control events on its timeline, the caveats, and each chart's source line; and the
"no such goal" page.
"""

from __future__ import annotations

from functools import lru_cache
from urllib.parse import urlencode

import dash_bootstrap_components as dbc
from dash import dcc, html

from dashboard import chart_data, charts, data, explore
from dashboard import scorecard as sc
from econsec.errors import EconsecError
from indicators import events as ev
from indicators import goals as g
from indicators import status as st
from indicators.thresholds import THRESHOLDS_BY_ID

ID = "goal"  # the page's id prefix (dashboard.pages.goal.ID; a test checks they agree)
#: Goals whose evidence is the sequence of measures itself: their page shows the events timeline.
TIMELINE_GOALS = charts.TIMELINE_GOALS
EVENT_WINDOW_INDICATORS = charts.EVENT_WINDOW_INDICATORS


def _id(name: str) -> str:
    return f"{ID}-{name}"


# -- pieces ------------------------------------------------------------------------------------
def _fmt(indicator: str, value: float) -> str:
    return st.format_value(indicator, value)


def rule_text(goal: g.Goal) -> list:
    """How the status is judged, in words (the rule of indicators.goals)."""
    label, text = sc.rule_words(goal)
    return [html.Strong(f"{label}. "), text]


def events_list(events: list[ev.Event], list_id: str, start: int = 1) -> html.Ol | None:
    if not events:
        return None
    items = []
    for e in events:
        source = html.A(e.source, href=e.url, rel="noreferrer") if e.url else e.source
        informal = " Informal measure (never announced)." if e.note.startswith("INFORMAL") else ""
        items.append(
            html.Li(
                [
                    html.Strong(f"{e.date.isoformat()} "),
                    e.title,
                    ".",
                    informal,
                    " ",
                    html.Small(["Record: ", source], className="text-secondary"),
                ]
            )
        )
    return html.Ol(items, start=start, className="small events-list mb-0", id=list_id)


def _graph(name: str, chart: charts.Chart) -> html.Div:
    return chart_data.chart_graph(_id(f"graph-{name}"), chart)


def explorer_href(m: g.Measure, row: sc.MeasureRow | None = None) -> str | None:
    """``/explorer?reporter=…&product=…&start=…&end=…`` for a trade-based measure (a product group, HS code
    or TOTAL that the Explorer knows, imported by a reporter it knows), from the baseline (or the first
    year) to the latest year, clamped to the Explorer's years; ``None`` for any other measure."""
    if m.indicator in EVENT_WINDOW_INDICATORS or not m.product:
        return None
    try:
        if m.reporter not in explore.explorer_reporters() or explore.known_product(m.product) is None:
            return None
        years = explore.explorer_years()
        series = sc.series(m)
    except EconsecError:
        return None
    periods = [str(p)[:4] for p in series.index if str(p)[:4].isdigit()]
    if not years or not periods:
        return None
    first = row.baseline_period[:4] if row and row.baseline_period[:4].isdigit() else periods[0]
    start = min(max(int(first), years[0]), years[-1])
    end = min(max(int(periods[-1]), start), years[-1])
    query = urlencode({"reporter": m.reporter, "product": m.product, "start": start, "end": end})
    return f"/explorer?{query}"


def measure_block(goal: g.Goal, i: int, m: g.Measure, row: sc.MeasureRow | None) -> dbc.Col:
    chart = charts.goal_measure_chart(goal, i, m, row)
    drawn = list(chart.events)
    href = explorer_href(m, row)
    return dbc.Col(
        html.Div(
            [
                _graph(str(i), chart),
                html.Div(
                    dcc.Link("Explore the suppliers behind this", href=href, id=_id(f"explore-{i}")),
                    className="small px-3 pb-2 explore-link",
                )
                if href
                else None,
                html.Div(
                    [
                        html.Div("Events marked on this chart", className="small fw-semibold"),
                        events_list(drawn, _id(f"events-{i}")),
                    ],
                    className="px-3 pb-2",
                )
                if drawn
                else None,
            ],
            className="chart-frame",
        ),
        lg=6 if len(goal.measures) > 1 else 12,
        className="chart-card",
    )


def timeline_block(goal: g.Goal) -> html.Div:
    chart = charts.goal_timeline_chart(goal)
    return html.Div(
        [
            _graph("events", chart),
            html.Div(events_list(list(chart.events), _id("events-timeline")), className="px-3 pb-2"),
        ],
        className="chart-frame mb-3",
    )


def notes(goal: g.Goal) -> html.Details | None:
    items = []
    if any(m.indicator == "hhi" for m in goal.measures):
        for tid in ("hhi_moderate", "hhi_high", "hhi_ec_dependency"):
            t = THRESHOLDS_BY_ID[tid]
            items.append(html.Li([html.Strong(t.label + ": "), t.source]))
    for m in goal.measures:
        info = sc.indicator_info(m.indicator)
        if info and info.definition:
            entry = html.Li([html.Strong(f"{info.name}: "), info.definition])
            if all(entry.children[0].children != i.children[0].children for i in items):
                items.append(entry)
    if not items:
        return None
    return html.Details(
        [html.Summary("Definitions and thresholds"), html.Ul(items, className="small")], className="notes mt-3"
    )


def unknown_goal(goal_id: object) -> html.Div:
    links = [html.Li(dcc.Link(goal.title, href=sc.goal_href(goal.id))) for goal in g.GOALS]
    what = f"There is no goal “{goal_id}”." if goal_id else "No goal was named."
    return html.Div(
        [
            html.H1("No such goal", className="h3"),
            dbc.Alert(
                [what, " Choose one of the goals below, or go back to the ", dcc.Link("Overview", href="/"), "."],
                color="warning",
                id=_id("unknown"),
            ),
            html.Ul(links, className="unknown-goal-list"),
        ]
    )


@lru_cache(maxsize=64)
def _content(gen: str, goal_id: str) -> html.Div:
    goal = g.GOALS_BY_ID[goal_id]
    stored = sc.statuses()[goal_id]
    rows = {r.measure: r for r in stored.measures}
    header = [
        dcc.Link("← All goals", href="/", className="small back-link"),
        html.Div(goal.theme, className="text-uppercase small fw-semibold text-secondary mt-2"),
        html.Div(
            [html.H1(goal.title, className="h3 mb-0 me-3"), sc.status_badge(stored.status, _id("badge"), True)],
            className="d-flex flex-wrap align-items-center gap-2 mb-2",
        ),
    ]
    about = dbc.Card(
        dbc.CardBody(
            [
                html.P(goal.statement, className="goal-statement mb-2"),
                html.P(["From: ", html.Cite(goal.essay.citation)], className="small text-secondary mb-3"),
                html.H2("Status", className="h6 mb-1"),
                html.P(stored.explanation, className="mb-2", id=_id("explanation")),
                html.H2("How the status is judged", className="h6 mb-1"),
                html.P(rule_text(goal), className="mb-0", id=_id("rule")),
            ]
        ),
        className="goal-card mb-3",
    )
    blocks: list = []
    if goal.id in TIMELINE_GOALS:
        blocks.append(timeline_block(goal))
    if goal.measures:
        heading = "Closest indicators" if isinstance(goal.rule, g.Context) else "Measures"
        blocks.append(html.H2(heading, className="h5"))
        blocks.append(
            dbc.Row([measure_block(goal, i, m, rows.get(m)) for i, m in enumerate(goal.measures)], className="g-3 mb-3")
        )
    elif goal.id not in TIMELINE_GOALS:
        blocks.append(dbc.Alert("No statistic is tracked for this goal.", color="secondary"))
    caveats = [goal.caveats] if goal.caveats else []
    return html.Div(
        [
            *header,
            about,
            *blocks,
            html.Div(
                [html.H2("Caveats", className="h6"), html.Ul([html.Li(c) for c in caveats], className="small")],
                id=_id("caveats"),
            )
            if caveats
            else None,
            notes(goal),
            html.P(["Notes. ", sc.data_note()], className="small text-secondary mt-3"),
        ],
        className="goal-page",
        id=_id(f"page-{goal.id}"),
    )


def layout(goal_id: object = None) -> html.Div:
    """The page of one goal; an unknown id gets a "no such goal" page with links."""
    if not isinstance(goal_id, str) or goal_id not in g.GOALS_BY_ID:
        return unknown_goal(goal_id)
    try:
        return _content(data.generation(), goal_id)
    except EconsecError as exc:
        goal = g.GOALS_BY_ID[goal_id]
        return html.Div([html.H1(goal.title, className="h3"), sc.store_error_alert(exc, _id("error"))])

