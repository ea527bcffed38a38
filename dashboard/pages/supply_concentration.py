"""Supply concentration: who supplies a reporter's imports of a critical product, and how
concentrated that supply is. Serves the goal "Derisk critical-mineral supply chains".

The view is in the URL (``/concentration?reporter=JPN&product=850511&start=2019&end=2024``) so it can
be bookmarked and shared; bad values fall back to the defaults with a visible notice.

This module declares the page (path, ids, callbacks); :mod:`dashboard.views.supply_concentration` builds it.
"""

from __future__ import annotations

from collections.abc import Callable

import dash
from dash import Input, Output, State

from dashboard import controls, views
from econsec.errors import EconsecError

dash.register_page(
    __name__,
    path="/concentration",
    name="Supply concentration",
    title="Supply concentration · econsec",
    description="How concentrated US and Japanese imports of critical minerals and chips are; China's share.",
    order=10,
    cached=True,  # the layout depends on the store and the URL alone (dashboard.response_cache)
)

ID = "sc"  # prefix of every component id on this page


def _id(name: str) -> str:
    return f"{ID}-{name}"


def _view():  # -> dashboard.views.supply_concentration
    # The builders import pandas & co.: loaded at the first request, not when the app is made (cold start, #8).
    return views.load("supply_concentration")


def resolve(reporter: object, product: object, start: object, end: object) -> tuple[str, str, int, int, list[str]]:
    """Validate the URL values against the store: ``(reporter, product, start, end, notices)``."""
    return _view().resolve(reporter, product, start, end)


def content(reporter: str, product: str, start: int, end: int) -> list:
    """Everything below the controls for one selection (also the callback's output)."""
    return _view().content(reporter, product, start, end)


def cached_content(reporter: str, product: str, start: int, end: int) -> list:
    """:func:`content`, built once per store generation and selection (shared: do not mutate). The
    builder is part of the key, so a replaced ``content`` (a test's monkeypatch) is never served stale."""
    return _view().content_of(content, reporter, product, start, end)


def _product_options(reporter: str) -> list[dict]:
    return _view()._product_options(reporter)


def layout(reporter=None, product=None, start=None, end=None, **_):
    """The page for a URL's query values (bad values fall back to defaults, with a notice)."""
    build = _view()
    try:
        r, p, s, e, notices = resolve(reporter, product, start, end)
        return build.page(r, p, s, e, notices, cached_content(r, p, s, e))
    except EconsecError as exc:
        return build.error_page(exc)


# -- callbacks (registered per app by dashboard.app.create_app) -------------------------------
_URL_SYNC = """
function(reporter, product, years) {
    if (!reporter || !product || !years) { return window.dash_clientside.no_update; }
    const params = new URLSearchParams({reporter: reporter, product: product,
                                        start: String(years[0]), end: String(years[1])});
    const url = window.location.pathname + "?" + params.toString();
    if (url !== window.location.pathname + window.location.search) {
        // replaceState, not a dcc.Location: the pages router must not re-render the page.
        window.history.replaceState(window.history.state, "", url);
    }
    return url;
}
"""


def register_callbacks(app: dash.Dash) -> None:
    """Attach this page's callbacks to ``app`` (explicitly, so each app gets its own set)."""

    @app.callback(
        Output(_id("product"), "options"),
        Output(_id("product"), "value"),
        Input(_id("reporter"), "value"),
        State(_id("product"), "value"),
        prevent_initial_call=True,
    )
    def _products(reporter: str, product: str):
        r, p, *_ = resolve(reporter, product, None, None)  # a callback never trusts its inputs
        return _product_options(r), p

    @app.callback(
        Output(_id("content"), "children"),
        Output(_id("notice"), "children"),
        Input(_id("reporter"), "value"),
        Input(_id("product"), "value"),
        Input(_id("years"), "value"),
        prevent_initial_call=True,
    )
    def _content(reporter: str, product: str, years: list[int]):
        if not reporter or not product or not years:
            return dash.no_update, dash.no_update
        # validated as the URL's values are: a crafted request gets the defaults and a notice
        r, p, s, e, notices = resolve(reporter, product, *_view().years_of(years))
        return cached_content(r, p, s, e), controls.notice_alerts(notices)

    app.clientside_callback(
        _URL_SYNC,
        Output(_id("url-sync"), "data"),
        Input(_id("reporter"), "value"),
        Input(_id("product"), "value"),
        Input(_id("years"), "value"),
    )


CALLBACKS: tuple[Callable[[dash.Dash], None], ...] = (register_callbacks,)
#: First outputs of the callbacks that draw from the store and their inputs alone: their responses are
#: cached per store generation and request (:mod:`dashboard.response_cache`).
CACHED_OUTPUTS = (_id("content"), _id("product"))
