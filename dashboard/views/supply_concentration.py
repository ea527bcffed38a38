"""What the Supply concentration page (:mod:`dashboard.pages.supply_concentration`) draws: the URL's values
checked against the store, the goal card, the controls, the KPIs, charts, supplier table and notes."""

from __future__ import annotations

from collections.abc import Callable

import dash_bootstrap_components as dbc
import pandas as pd
from dash import dcc, html

from dashboard import chart_data, charts, controls, data, figures, params
from dashboard import scorecard as sc
from econsec.errors import EconsecError
from indicators.goals import GOALS_BY_ID
from indicators.thresholds import THRESHOLDS_BY_ID, hhi_points

GOAL = GOALS_BY_ID["derisk-critical-minerals"]

ID = "sc"  # the page's id prefix (dashboard.pages.supply_concentration.ID; a test checks they agree)


def _id(name: str) -> str:
    return f"{ID}-{name}"


# -- URL values ------------------------------------------------------------------------------
def resolve(reporter: object, product: object, start: object, end: object) -> tuple[str, str, int, int, list[str]]:
    """Validate the URL values against the store: ``(reporter, product, start, end, notices)``."""
    notices: list[str] = []
    reporters = data.available_reporters()
    if not reporters:
        raise EconsecError("the store holds no indicators")
    default_reporter = params.preferred(data.DEFAULT_REPORTER, reporters)
    r = params.reporter(reporter, reporters, default_reporter, data.reporter_name, notices)

    products = [p.id for p in data.products_for(r)]
    if not products:
        raise EconsecError(f"the store holds no import indicators for {data.reporter_name(r)}")
    default_product = params.preferred(data.DEFAULT_PRODUCT, products)
    p = params.one(product)
    if p is None:
        p = default_product
    elif p not in products:
        notices.append(
            f"No data for product “{p}” in {data.reporter_name(r)}'s imports; "
            f"showing {data.product_name(default_product)} instead."
        )
        p = default_product

    years = data.years()
    s, e = params.year_range(start, end, years, notices)
    return r, p, s, e, notices


# -- pieces -----------------------------------------------------------------------------------
def goal_card() -> dbc.Card:
    return dbc.Card(
        dbc.CardBody(
            [
                html.Div("Policy goal", className="text-uppercase small fw-semibold text-secondary"),
                html.H2(GOAL.title, className="h5 mb-2"),
                html.P(GOAL.statement, className="mb-2"),
                html.P(["From: ", html.Cite(GOAL.essay.citation)], className="small text-secondary mb-1"),
                html.P([html.Strong("Caveat: "), GOAL.caveats], className="small mb-0") if GOAL.caveats else None,
            ]
        ),
        className="goal-card mb-3",
    )


def _kpi(label: str, value: str, detail: str, kpi_id: str) -> dbc.Col:
    return dbc.Col(
        html.Div(
            [
                html.Div(label, className="kpi-label"),
                html.Div(value, className="kpi-value", id=_id(f"kpi-{kpi_id}")),
                html.Div(detail, className="kpi-detail"),
            ],
            className="kpi h-100",
        ),
        xs=6,
        md=4,
        xl=True,
    )


def _usd(value: float) -> str:
    if value >= 1e9:
        return f"US${value / 1e9:,.2f} bn"
    if value >= 1e6:
        return f"US${value / 1e6:,.1f} m"
    return f"US${value:,.0f}"


def _latest(inds: pd.DataFrame, indicator: str) -> tuple[str, float] | None:
    rows = inds[(inds["indicator"] == indicator) & inds["value"].notna()]
    if rows.empty:
        return None
    last = rows.sort_values("period").iloc[-1]
    return str(last["period"]), float(last["value"])


def kpi_strip(inds: pd.DataFrame, shares: pd.DataFrame) -> dbc.Row:
    na = "not measurable"
    hhi = _latest(inds, "hhi")
    eff = _latest(inds, "effective_suppliers")
    china = _latest(inds, "china_share")
    total = _latest(inds, "total_value_usd")
    cols = []
    if hhi:
        points = hhi_points(hhi[1])
        cols.append(_kpi(f"HHI, {hhi[0]}", f"{points:,.0f}", figures.hhi_band(points), "hhi"))
    else:
        cols.append(_kpi("HHI", "—", na, "hhi"))
    if eff:
        cols.append(_kpi(f"Effective suppliers, {eff[0]}", f"{eff[1]:.1f}", "1 / HHI", "effective"))
    else:
        cols.append(_kpi("Effective suppliers", "—", na, "effective"))
    if not shares.empty:
        period = shares["period"].max()
        top = shares[shares["period"] == period].sort_values("rank").iloc[0]
        cols.append(
            _kpi(
                f"Top supplier, {period}",
                data.reporter_name(str(top["partner"])),
                f"{top['share']:.0%} of imports",
                "top",
            )
        )
    else:
        cols.append(_kpi("Top supplier", "—", na, "top"))
    if china:
        cols.append(_kpi(f"China's share, {china[0]}", f"{china[1]:.0%}", "mainland China only", "china"))
    else:
        cols.append(_kpi("China's share", "—", na, "china"))
    if total:
        cols.append(_kpi(f"Imports, {total[0]}", _usd(total[1]), "all suppliers, current US$", "total"))
    return dbc.Row(cols, className="g-2 mb-3 kpi-strip", id=_id("kpis"))


def supplier_table(shares: pd.DataFrame, limit: int = 10) -> html.Div:
    if shares.empty:
        return html.Div()
    period = shares["period"].max()
    rows = shares[shares["period"] == period].sort_values("rank")
    shown = rows.head(limit)
    body = [
        html.Tr(
            [
                html.Td(int(r["rank"]), className="text-end"),
                html.Td(data.reporter_name(str(r["partner"]))),
                html.Td(f"{r['value_usd'] / 1e6:,.1f}", className="text-end"),
                html.Td(f"{r['share']:.1%}", className="text-end"),
            ]
        )
        for _, r in shown.iterrows()
    ]
    rest = rows.iloc[limit:]
    if not rest.empty:
        body.append(
            html.Tr(
                [
                    html.Td(""),
                    html.Td(f"{len(rest)} other suppliers", className="fst-italic"),
                    html.Td(f"{rest['value_usd'].sum() / 1e6:,.1f}", className="text-end"),
                    html.Td(f"{rest['share'].sum():.1%}", className="text-end"),
                ]
            )
        )
    return html.Div(
        [
            html.H3(f"Suppliers in {period}", className="h6 mb-2"),
            dbc.Table(
                [
                    html.Thead(
                        html.Tr(
                            [
                                html.Th("Rank", scope="col", className="text-end"),
                                html.Th("Country", scope="col"),
                                html.Th("Imports (US$ million)", scope="col", className="text-end"),
                                html.Th("Share", scope="col", className="text-end"),
                            ]
                        )
                    ),
                    html.Tbody(body),
                ],
                size="sm",
                striped=True,
                hover=True,
                className="mb-1",
                id=_id("table"),
            ),
        ],
        className="chart-card p-3 h-100",
    )


def _graph(kind: str, chart: charts.Chart) -> html.Div:
    return chart_data.chart_graph(_id(f"graph-{kind}"), chart)


def notes(inds: pd.DataFrame, reporter: str, product: str) -> html.Details:
    items = []
    measured = set(inds.loc[inds["indicator"] == "total_value_usd", "period"])
    complete = set(inds.loc[(inds["indicator"] == "hhi") & inds["value"].notna(), "period"])
    partial = sorted(measured - complete)
    if partial and complete:
        items.append(
            html.Li(
                f"No complete supplier breakdown for {', '.join(partial)}: those years are left out of "
                "the concentration and supplier charts and the table."
            )
        )
    coverage = _latest(inds, "coverage")
    if coverage:
        items.append(
            html.Li(
                f"Named supplier countries account for {coverage[1]:.1%} of the imports in {coverage[0]}; "
                "the rest is reported against residual areas such as “Areas, nes”."
            )
        )
    for tid in ("hhi_high", "hhi_ec_dependency", "china_majority"):
        t = THRESHOLDS_BY_ID[tid]
        items.append(html.Li([html.Strong(t.label + ": "), t.source]))
    items.extend(html.Li(c) for c in data.dataset_caveats(reporter, product))
    return html.Details(
        [html.Summary("Notes, thresholds and caveats"), html.Ul(items, className="small")],
        className="notes mt-3",
    )


def content(reporter: str, product: str, start: int, end: int) -> list:
    """Everything below the controls for one selection (also the callback's output)."""
    inds = data.indicators_for(reporter, product, start, end)
    shares = data.shares(reporter, product, start, end)
    who = data.reporter_name(reporter)
    what = data.product_name(product)
    years = f"{start}–{end}" if start != end else str(start)
    if inds.empty:
        return [dbc.Alert(f"No data for {who}'s imports of {what} in {years}.", color="warning", id=_id("empty"))]

    built = charts.concentration_charts(reporter, product, start, end)
    has_breakdown = not shares.empty or (inds["indicator"] == "hhi").any()
    blocks: list = [kpi_strip(inds, shares)]
    if has_breakdown:
        blocks.append(
            dbc.Row(
                [
                    dbc.Col(_graph("hhi", built["hhi"]), lg=6, className="chart-card"),
                    dbc.Col(_graph("suppliers", built["suppliers"]), lg=6, className="chart-card"),
                ],
                className="g-3 mb-3",
            )
        )
    else:
        where = "the bundled snapshot" if data.is_bundled() else "the refreshed data"
        measurable = (
            "only the share from China is measurable"
            if (inds["indicator"] == "china_share").any()
            else "only the total value is measurable"
        )
        blocks.append(
            dbc.Alert(
                [
                    html.Strong("No supplier breakdown. "),
                    f"{who}'s imports of {what} have no complete supplier breakdown in {where} — "
                    f"{measurable}, so concentration (HHI) and the supplier chart cannot be drawn. Run ",
                    html.Code("econsec refresh"),
                    " to fetch the full breakdown from the source.",
                ],
                color="info",
                id=_id("empty"),
            )
        )
    china_col = dbc.Col(_graph("china", built["china"]), lg=6, className="chart-card")
    row = [china_col, dbc.Col(supplier_table(shares), lg=6)] if not shares.empty else [china_col]
    blocks.append(dbc.Row(row, className="g-3"))
    blocks.append(notes(inds, reporter, product))
    return blocks


@data.per_generation(maxsize=64)
def _content_of(build: Callable[..., list], reporter: str, product: str, start: int, end: int) -> list:
    return build(reporter, product, start, end)


def content_of(build: Callable[..., list], reporter: str, product: str, start: int, end: int) -> list:
    """``build(reporter, product, start, end)``, built once per store generation, builder and selection (shared:
    do not mutate). The builder is part of the key, so a replaced ``content`` (a test's monkeypatch) is never
    served stale."""
    return _content_of(build, reporter, product, start, end)


def _controls(reporter: str, product: str, start: int, end: int) -> dbc.Card:
    years = data.years()
    reporters = [{"label": data.reporter_name(r), "value": r} for r in data.available_reporters()]
    return controls.card(
        [
            controls.labelled(
                _id("reporter"),
                "Importing country",
                dcc.Dropdown(id=_id("reporter"), options=reporters, value=reporter, clearable=False),
                md=3,
            ),
            controls.labelled(
                _id("product"),
                "Product",
                dcc.Dropdown(
                    id=_id("product"), options=_product_options(reporter), value=product, clearable=False, maxHeight=360
                ),
                md=5,
            ),
            controls.year_range(_id("years"), years, start, end, years, md=4),
        ]
    )


def _product_options(reporter: str) -> list[dict]:
    return [{"label": p.label, "value": p.id} for p in data.products_for(reporter)]


def error_page(exc: EconsecError) -> html.Div:
    """The page when the store cannot be read."""
    return html.Div(
        [
            goal_card(),
            sc.store_error_alert(exc, _id("error"), "The data"),
        ]
    )


def page(reporter: str, product: str, start: int, end: int, notices: list[str], blocks: list) -> html.Div:
    """The page for a resolved selection (:func:`resolve`) and its content (:func:`content`)."""
    body = [_controls(reporter, product, start, end), html.Div(blocks, id=_id("content"))]
    return html.Div(
        [
            html.Div(controls.notice_alerts(notices), id=_id("notice"), role="status"),
            goal_card(),
            *body,
            dcc.Store(id=_id("url-sync")),
        ]
    )


def years_of(years: object) -> tuple[str | None, str | None]:
    """The years slider's value as the URL's ``start`` and ``end`` (validated by :func:`resolve`)."""
    s, e = years if isinstance(years, list) and len(years) == 2 else (None, None)
    return (None if s is None else str(s)), (None if e is None else str(e))
