"""What the Overview (:mod:`dashboard.pages.overview`) draws: a card per goal with its stored status, headline
measure and sparkline, grouped by theme; the strip of counts per status; the briefing pack's buttons.

Statuses and explanations are read from the stored ``goal_status`` table (the refresh writes
it); this page judges nothing itself.
"""

from __future__ import annotations

import dash
import dash_bootstrap_components as dbc
from dash import dcc, html

from dashboard import goal_figures as gf
from dashboard import scorecard as sc
from econsec.errors import EconsecError
from indicators import goals as g
from indicators import status as st

ID = "ov"  # the page's id prefix (dashboard.pages.overview.ID; a test checks they agree)


def _id(name: str) -> str:
    return f"{ID}-{name}"


def summary_strip(counts: dict[str, int]) -> html.Div:
    items = [
        html.Div(
            [
                html.Span(str(n), className="summary-count", id=_id(f"count-{st.STATUSES.index(status)}")),
                sc.status_badge(status),
            ],
            className="summary-item",
            **{"data-status": status},
        )
        for status, n in counts.items()
    ]
    return html.Div(
        items, className="summary-strip mb-3", id=_id("summary"), role="list", **{"aria-label": "Goals per status"}
    )


def _headline(s: sc.StoredStatus) -> list:
    head = s.headline
    if head is None:
        why = "No measure: " if not s.goal.measures else "No values in the store."
        return [
            html.Div(
                why if s.goal.measures else "No statistic measures this goal; see the page for the events timeline.",
                className="card-measure text-secondary",
            )
        ]
    m = head.measure
    change = None
    if isinstance(s.goal.rule, g.Trend) and head.change is not None:
        change = html.Span(
            f"{st.format_value(m.indicator, head.change, change=True)} since {head.baseline_period}",
            className="card-change",
        )
    spark = gf.sparkline(sc.series(m), m.indicator, head.baseline_period or None)
    return [
        html.Div(m.label, className="card-measure"),
        html.Div(
            [
                html.Span(st.format_value(m.indicator, head.value), className="card-value"),
                html.Span(f" in {head.period}", className="card-period"),
                " ",
                change,
            ],
            className="card-reading",
        ),
        dcc.Graph(
            figure=spark,
            config=gf.SPARK_CONFIG,
            className="sparkline",
            id=_id(f"spark-{s.goal.id}"),
            responsive=True,
            style={"height": f"{gf.SPARK_HEIGHT}px"},
        ),
    ]


def goal_card(s: sc.StoredStatus) -> dbc.Col:
    _text, _icon, css = sc.BADGES.get(s.status, sc.BADGES[st.NO_DATA])
    return dbc.Col(
        dbc.Card(
            dbc.CardBody(
                [
                    html.Div(sc.status_badge(s.status, _id(f"badge-{s.goal.id}")), className="mb-2"),
                    html.H3(
                        dcc.Link(
                            s.goal.title,
                            href=sc.goal_href(s.goal.id),
                            className="stretched-link goal-link",
                            id=_id(f"link-{s.goal.id}"),
                        ),
                        className="h6 card-title mb-1",
                    ),
                    *_headline(s),
                    html.P(s.explanation, className="card-explanation mb-0"),
                ]
            ),
            className=f"goal-overview-card h-100 border-status-{css}",
            id=f"card-{s.goal.id}",
        ),
        xs=12,
        md=6,
        xl=4,
    )


def pack_buttons() -> html.Div:
    """Download the briefing pack: cover, scorecard and a page (slide) per goal."""
    buttons = [
        html.Button(
            label,
            id={"type": _id("pack"), "kind": kind},
            className="btn btn-outline-primary btn-sm me-2",
            title=f"Every goal with its status, explanation, headline chart and sources, as {what}",
            n_clicks=0,
        )
        for kind, label, what in (
            ("pdf", "Briefing pack (PDF)", "a PDF (A4 landscape)"),
            ("pptx", "Briefing pack (PowerPoint)", "PowerPoint slides (16:9)"),
        )
    ]
    return html.Div(
        [
            html.Div(buttons),
            dcc.Loading(dcc.Download(id=_id("pack-download")), type="dot"),
            html.Div(id=_id("pack-error"), className="small text-danger", role="status"),
        ],
        className="ms-auto pack-buttons",
        id=_id("pack"),
    )


def pack_download(triggered: object, clicks: list | None) -> tuple:
    """The pack callback's body: (``dcc.Download`` data, error line)."""
    from dashboard import briefing

    kind = triggered.get("kind") if isinstance(triggered, dict) else None
    if kind not in briefing.KINDS or not any(clicks or ()):
        return dash.no_update, dash.no_update
    try:
        content = briefing.cached_pack(kind)
    except EconsecError as exc:
        return dash.no_update, f"No briefing pack: {exc}"
    return dcc.send_bytes(content, briefing.file_name(kind)), ""


def layout() -> html.Div:
    header = [
        html.H1("US–Japan economic security: goals and status", className="h3 mb-1"),
        html.P(
            "Each card is a policy goal drawn from the essays on the US–Japan partnership, with the public "
            "statistic that comes closest to measuring it. Open a card for the charts, the rule and the caveats.",
            className="text-secondary mb-3 lead-sm",
        ),
    ]
    try:
        statuses = sc.statuses()
        counts = sc.status_counts()
        note = sc.data_note()
    except EconsecError as exc:
        return html.Div([*header, sc.store_error_alert(exc, _id("error"))], className="overview")
    sections = []
    for theme in g.THEMES:
        cards = [goal_card(s) for s in statuses.values() if s.goal.theme == theme]
        if cards:
            sections.append(
                html.Section(
                    [html.H2(theme, className="h5 theme-heading"), dbc.Row(cards, className="g-3 mb-4")],
                    className="theme",
                )
            )
    missing = [s.goal.title for s in statuses.values() if not s.stored]
    alerts = (
        [
            dbc.Alert(
                f"No stored status for {len(missing)} goal(s) ({', '.join(missing)}): run `econsec refresh`.",
                color="warning",
                id=_id("missing"),
            )
        ]
        if missing
        else []
    )
    return html.Div(
        [
            *header,
            html.Div([summary_strip(counts), pack_buttons()], className="d-flex flex-wrap align-items-start gap-3"),
            *alerts,
            *sections,
            html.P([html.Strong("Notes. "), note], className="small text-secondary", id=_id("notes")),
        ],
        className="overview",
    )
