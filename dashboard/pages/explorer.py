"""Explorer: any stored reporter × product × partner × years, as a stacked area of supplier
shares, a map of the latest year and the rows behind them (downloadable as CSV or Parquet).

The view is in the URL (``/explorer?reporter=USA&product=rare_earths&partner=KOR&start=2019&end=2024&top=5``)
so it can be bookmarked; bad values fall back to the defaults with a visible notice.

This module declares the page (path, ids, callbacks); :mod:`dashboard.views.explorer` builds it.
"""

from __future__ import annotations

from collections.abc import Callable

import dash
from dash import Input, Output, State

from dashboard import controls, views
from econsec.errors import EconsecError

dash.register_page(
    __name__,
    path="/explorer",
    name="Explorer",
    title="Explorer · econsec",
    description="Supplier shares for any stored reporter, product and years: chart, map, table and downloads.",
    order=20,
    cached=True,  # the layout depends on the store and the URL alone (dashboard.response_cache)
)

ID = "ex"


def _id(name: str) -> str:
    return f"{ID}-{name}"


def _view():  # -> dashboard.views.explorer
    # The builders import pandas & co.: loaded at the first request, not when the app is made (cold start, #8).
    return views.load("explorer")


def resolve(
    reporter: object, product: object, partner: object, start: object, end: object, top: object
) -> tuple[dict, list[str]]:
    """URL values validated against the store: ``({reporter, product, partner, start, end, top}, notices)``
    (:func:`dashboard.views.explorer.resolve`)."""
    return _view().resolve(reporter, product, partner, start, end, top)


def content(view: dict) -> list:
    """Everything below the controls for one view (also the callback's output)."""
    return _view().content(view)


def cached_content(view: dict) -> list:
    """:func:`content`, built once per store generation and view (shared: do not mutate). The builder
    is part of the key, so a replaced ``content`` (a test's monkeypatch) is never served stale."""
    return _view().content_of(content, view)


def _download(kind: str, reporter, product, partner, years, top):
    """The rows of the controls' view as a CSV or Parquet ``dcc.Download``."""
    return _view().download(kind, reporter, product, partner, years, top)


def layout(reporter=None, product=None, partner=None, start=None, end=None, top=None, **_):
    """The page for a URL's query values (bad values fall back to defaults, with a notice)."""
    build = _view()
    try:
        view, notices = resolve(reporter, product, partner, start, end, top)
        return build.page(view, notices, cached_content(view))
    except EconsecError as exc:
        return build.error_page(exc)


# -- callbacks -------------------------------------------------------------------------------------
_URL_SYNC = """
function(reporter, product, partner, top, years) {
    if (!reporter || !product || !years) { return window.dash_clientside.no_update; }
    const params = new URLSearchParams({reporter: reporter, product: product});
    if (partner) { params.set("partner", partner); }
    params.set("start", String(years[0]));
    params.set("end", String(years[1]));
    params.set("top", String(top));
    const url = window.location.pathname + "?" + params.toString();
    if (url !== window.location.pathname + window.location.search) {
        // replaceState, not a dcc.Location: the pages router must not re-render the page.
        window.history.replaceState(window.history.state, "", url);
    }
    return url;
}
"""


def register_callbacks(app: dash.Dash) -> None:
    """Attach this page's callbacks to ``app``."""

    @app.callback(
        Output(_id("product"), "options"),
        Output(_id("product"), "value"),
        Input(_id("reporter"), "value"),
        State(_id("product"), "value"),
        prevent_initial_call=True,
    )
    def _products(reporter: str, product: str):
        return _view().products_for_reporter(reporter, product)

    @app.callback(
        Output(_id("partner"), "options"),
        Output(_id("partner"), "value"),
        Input(_id("reporter"), "value"),
        Input(_id("product"), "value"),
        State(_id("partner"), "value"),
        prevent_initial_call=True,
    )
    def _partners(reporter: str, product: str, partner: str | None):
        return _view().partners_for(reporter, product, partner)

    @app.callback(
        Output(_id("content"), "children"),
        Output(_id("notice"), "children"),
        Output(_id("csv-button"), "disabled"),
        Output(_id("parquet-button"), "disabled"),
        Input(_id("reporter"), "value"),
        Input(_id("product"), "value"),
        Input(_id("partner"), "value"),
        Input(_id("years"), "value"),
        Input(_id("top"), "value"),
        prevent_initial_call=True,
    )
    def _content(reporter, product, partner, years, top):
        if not reporter or not product or not years:
            return (dash.no_update,) * 4
        build = _view()
        view, notices = build.view_from_controls(reporter, product, partner, years, top)
        blocks = cached_content(view)
        return blocks, controls.notice_alerts(notices), not build.has_rows(blocks), not build.has_rows(blocks)

    for kind in ("csv", "parquet"):  # one download callback per file kind, the same otherwise

        @app.callback(
            Output(_id(f"download-{kind}"), "data"),
            Input(_id(f"{kind}-button"), "n_clicks"),
            State(_id("reporter"), "value"),
            State(_id("product"), "value"),
            State(_id("partner"), "value"),
            State(_id("years"), "value"),
            State(_id("top"), "value"),
            prevent_initial_call=True,
        )
        def _file(n_clicks, reporter, product, partner, years, top, kind=kind):
            if not n_clicks:
                return dash.no_update
            return _download(kind, reporter, product, partner, years, top)

    app.clientside_callback(
        _URL_SYNC,
        Output(_id("url-sync"), "data"),
        Input(_id("reporter"), "value"),
        Input(_id("product"), "value"),
        Input(_id("partner"), "value"),
        Input(_id("top"), "value"),
        Input(_id("years"), "value"),
    )


CALLBACKS: tuple[Callable[[dash.Dash], None], ...] = (register_callbacks,)
#: First outputs of the callbacks that draw from the store and their inputs alone: their responses are
#: cached per store generation and request (:mod:`dashboard.response_cache`). Not the downloads.
CACHED_OUTPUTS = (_id("content"), _id("product"), _id("partner"))
