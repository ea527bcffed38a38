"""What the Alliance comparison page (:mod:`dashboard.pages.alliance`) draws: one panel per indicator family,
the United States, Japan and the pooled bloc side by side, each saying what it cannot measure."""

from __future__ import annotations

import dash_bootstrap_components as dbc
import pandas as pd
from dash import dcc, html

from dashboard import chart_data, data, explore, figures
from dashboard import scorecard as sc
from dashboard.explore import BLOC, JAPAN, US, Panel
from econsec.errors import EconsecError

ID = "al"  # the page's id prefix (dashboard.pages.alliance.ID; a test checks they agree)


def _id(name: str) -> str:
    return f"{ID}-{name}"


def _years(frame: pd.DataFrame) -> str:
    if frame.empty:
        return ""
    first, last = frame["period"].min(), frame["period"].max()
    return f"{first}–{last}" if first != last else first


# -- panels (each reads stored indicator rows only) -----------------------------------------------
def china_share_panel() -> Panel:
    rows = explore.china_share_by_product()
    labels = {g: data.product_name(g).capitalize() for g in data.group_order()}
    fig = explore.bars_figure(
        rows,
        "China's share of imports, by product group",
        category="product",
        labels=labels,
        subtitle="Latest year stored (see hover); bloc = US + Japan pooled",
        source_line=explore.indicator_source("china_share", "bloc_china_share"),
    )
    missing = []
    jp = set(rows.loc[rows["reporter"] == JAPAN, "product"])
    us = set(rows.loc[rows["reporter"] == US, "product"])
    if us - jp:
        names = ", ".join(labels[p].lower() for p in data.group_order() if p in us - jp)
        missing.append(f"Japan: not measurable for {names} (no Japanese import rows for these groups are stored).")
    bloc = set(rows.loc[rows["reporter"] == BLOC, "product"])
    if us - bloc:
        missing.append(
            "US + Japan bloc: only where both countries report the product ("
            + ", ".join(labels[p].lower() for p in data.group_order() if p in bloc)
            + ")."
        )
    return Panel("china-share", fig, missing=missing)


def concentration_panel() -> Panel:
    own = explore.alliance_series("hhi", (US, JAPAN), product=explore.TOTAL, flow=data.FLOW)
    bloc = explore.alliance_series("bloc_hhi", (BLOC,), product=explore.TOTAL)
    frame = pd.concat([own, bloc], ignore_index=True)
    fig = explore.lines_figure(
        frame,
        "Supplier concentration of all imports (HHI)",
        unit="hhi",
        subtitle=f"Total goods imports, {_years(frame)}; bloc: its suppliers outside the bloc",
        source_line=explore.indicator_source("hhi", "bloc_hhi"),
    )
    missing = []
    groups = set(data.group_order())
    ind = explore.indicators_table()
    japan = ind[(ind["reporter"] == JAPAN) & ind["product"].isin(groups)]
    if not japan.empty and not (japan["indicator"] == "hhi").any():
        missing.append(
            "Japan has only China's share for the product groups: with no full supplier breakdown stored, "
            "the concentration (HHI) of Japan's critical-product imports is not measurable. Compared here "
            "for total goods only."
        )
    return Panel(
        "concentration",
        fig,
        notes=["HHI ×10,000: above 2,500 counts as highly concentrated (DOJ/FTC 2010)."],
        missing=missing,
    )


def friend_share_panel() -> Panel:
    from indicators.partner_groups import PARTNER_GROUPS

    rows = explore.alliance_series("friend_share", (US, JAPAN, BLOC), product=explore.TOTAL, flow=data.FLOW)
    latest = explore.latest_by(rows, ["reporter", "partner"])
    labels = {g.id: g.name for g in PARTNER_GROUPS}
    fig = explore.bars_figure(
        latest,
        "Imports from partner groups",
        category="partner",
        labels=labels,
        subtitle=f"Share of total goods imports, {_years(latest)}; groups exclude the reporter",
        source_line=explore.indicator_source("friend_share"),
    )
    missing = []
    if latest.empty or BLOC not in set(latest["reporter"]):
        missing.append("US + Japan bloc: not measurable (friend shares are stored per country, not pooled).")
    return Panel("friend-share", fig, missing=missing)


def exposure_panel() -> Panel:
    own = explore.alliance_series("china_trade_share", (US, JAPAN), product=explore.TOTAL, flow="import")
    bloc = explore.alliance_series("bloc_china_share", (BLOC,), product=explore.TOTAL)
    frame = pd.concat([own, bloc], ignore_index=True)
    fig = explore.lines_figure(
        frame,
        "China's share of total goods imports",
        subtitle=f"Mainland China, {_years(frame)}",
        source_line=explore.indicator_source("china_trade_share"),
    )
    notes = ["Japan from 2021: Japan's customs statistics (yen), IMF DOTS before."]
    missing = [] if BLOC in set(frame["reporter"]) else ["US + Japan bloc: not measurable from the stored data."]
    return Panel("exposure", fig, notes=notes, missing=missing)


def innovation_panel() -> Panel:
    frame = explore.alliance_series("rd_intensity", (US, JAPAN, "CHN"))
    fig = explore.lines_figure(
        frame,
        "R&D spending, % of GDP",
        unit="",
        subtitle=f"Gross expenditure on R&D, {_years(frame)}; China for reference",
        source_line=explore.indicator_source("rd_intensity"),
        dashed=("CHN",),
    )
    fig.update_yaxes(ticksuffix="%")
    return Panel(
        "innovation",
        fig,
        missing=["US + Japan bloc: not measurable (no pooled R&D series is stored)."],
    )


def bilateral_panel() -> Panel:
    frame = explore.alliance_series("us_japan_trade_share", (US, JAPAN), flow="trade")
    names = {US: "Japan's share of US trade", JAPAN: "US share of Japan's trade"}
    fig = explore.lines_figure(
        frame,
        "US–Japan trade as a share of each one's trade",
        names=names,
        subtitle=f"Exports + imports of goods, {_years(frame)}",
        source_line=explore.indicator_source("us_japan_trade_share"),
    )
    bloc = explore.alliance_series("bloc_intra_share", (BLOC,), product=explore.TOTAL)
    notes = []
    if not bloc.empty:
        last = bloc.iloc[-1]
        notes.append(f"Pooled: {last['value']:.1%} of the bloc's imports in {last['period']} came from the other ally.")
    return Panel("bilateral", fig, notes=notes)


def bloc_panel() -> Panel:
    frame = explore.alliance_series("extra_alliance_dependence", (BLOC,), product=explore.TOTAL)
    fig = explore.lines_figure(
        frame,
        "US + Japan: extra-bloc imports from the adversary set",
        names={BLOC: "US + Japan: from China, Russia, Iran, North Korea"},
        subtitle=f"Share of the bloc's imports from outside the bloc, {_years(frame)}",
        source_line=explore.indicator_source("extra_alliance_dependence"),
    )
    return Panel(
        "bloc",
        fig,
        notes=["The adversary set is econsec's analytical grouping, not an official list."],
    )


PANELS = (  # in pairs: the two bar charts side by side, then the line charts
    china_share_panel,
    friend_share_panel,
    concentration_panel,
    exposure_panel,
    innovation_panel,
    bilateral_panel,
    bloc_panel,
)


def panels() -> list[Panel]:
    return [build() for build in PANELS]


def _card(panel: Panel) -> dbc.Col:
    children: list = [
        chart_data.graph_with_download(
            dcc.Graph(
                id=_id(f"graph-{panel.key}"),
                figure=figures.shared(panel.figure),  # the page body is cached per generation
                config=explore.graph_config(f"econsec_alliance_{panel.key}"),
                className="chart",
            )
        )
    ]
    children += [html.P(n, className="small text-secondary mb-1 px-1") for n in panel.notes]
    children += [
        html.P([html.Strong("Not measurable: "), m], className="small mb-1 px-1 not-measurable") for m in panel.missing
    ]
    return dbc.Col(html.Div(children, id=_id(f"panel-{panel.key}"), className="bg-white border rounded p-1 pb-2"), lg=6)


def layout(**_) -> html.Div:
    header = html.Div(
        [
            html.H1("Alliance comparison", className="h3 mb-1"),
            html.P(
                "The United States and Japan side by side, and the two pooled as one bloc, for each family "
                "of indicators with stored data. Where the data cannot answer, the panel says so.",
                className="text-secondary mb-3",
            ),
        ]
    )
    try:
        cards = [_card(p) for p in panels()]
    except EconsecError as exc:
        return html.Div(
            [
                header,
                sc.store_error_alert(exc, _id("error"), "The data"),
            ]
        )
    return html.Div([header, dbc.Row(cards, className="g-3")])
