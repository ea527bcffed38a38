"""The controls row of the Explorer and Supply concentration pages: each control under its visible label."""

from __future__ import annotations

import dash_bootstrap_components as dbc
from dash import dcc, html
from dash.development.base_component import Component


def labelled(ident: str, text: str, control: Component, md: int) -> dbc.Col:
    """``control`` (whose id is ``ident``) under the label ``text``, as a column of :func:`card`'s row.

    The group is named by its label: Dash 4's dropdown button is labelled by its value only, so screen
    readers get the control's name from the group."""
    label = f"{ident}-label"
    return dbc.Col(
        html.Div(
            [html.Label(text, htmlFor=ident, className="form-label", id=label), control],
            role="group",
            **{"aria-labelledby": label},
        ),
        md=md,
    )


def notice_alerts(notices: list[str]) -> list[dbc.Alert]:
    """What was ignored or replaced among the controls' (or the URL's) values, one dismissable warning each."""
    return [dbc.Alert(n, color="warning", dismissable=True, className="py-2") for n in notices]


def card(columns: list[dbc.Col]) -> dbc.Card:
    """The card holding a page's controls, one row of :func:`labelled` columns."""
    return dbc.Card(dbc.CardBody(dbc.Row(columns, className="g-3")), className="controls mb-3")


def year_range(ident: str, years: list[int], start: int, end: int, marks: list[int], md: int) -> dbc.Col:
    """The "Years" range slider over ``years`` (labelled at ``marks``), from ``start`` to ``end``."""
    slider = dcc.RangeSlider(
        id=ident,
        min=years[0],
        max=years[-1],
        step=1,
        value=[start, end],
        marks={y: str(y) for y in marks},
        allowCross=False,
        allow_direct_input=False,
    )
    return labelled(ident, "Years", slider, md=md)
