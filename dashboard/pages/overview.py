"""Overview: every policy goal of the essays as a card with its stored status, headline measure and
a sparkline, grouped by theme; a strip of counts per status. Each card opens the goal's page.

This module declares the page (path, ids, the briefing pack's callback); :mod:`dashboard.views.overview`
builds it.
"""

from __future__ import annotations

import dash
from dash import ALL, Input, Output

from dashboard import views

dash.register_page(
    __name__,
    path="/",
    name="Overview",
    title="Overview · econsec",
    description="Every US–Japan economic-security goal of the essays, with its status from public statistics.",
    order=0,
    cached=True,  # the layout depends on the store and the URL alone (dashboard.response_cache)
)

ID = "ov"


def _id(name: str) -> str:
    return f"{ID}-{name}"


def _view():  # -> dashboard.views.overview
    # The builders import pandas & co.: loaded at the first request, not when the app is made (cold start, #8).
    return views.load("overview")


def register_callbacks(app: dash.Dash) -> None:
    @app.callback(
        Output(_id("pack-download"), "data"),
        Output(_id("pack-error"), "children"),
        Input({"type": _id("pack"), "kind": ALL}, "n_clicks"),
        prevent_initial_call=True,
    )
    def _pack(clicks):
        return _view().pack_download(dash.ctx.triggered_id, clicks)


CALLBACKS = (register_callbacks,)


def layout(**_query):
    return _view().layout()
