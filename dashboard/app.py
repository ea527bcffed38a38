"""Build the Dash app: ``create_app()`` (the command line calls ``create_app().run(host, port)``).

Everything the browser loads is served by the app itself (Bootstrap from ``assets/``,
plotly.js and the Dash bundles locally): the dashboard runs on air-gapped networks and
makes no request to any other origin.
"""

from __future__ import annotations

import inspect
import logging
import os
import sys
import threading
from collections.abc import Callable
from pathlib import Path

import dash
import dash_bootstrap_components as dbc
import flask
from dash import html

from dashboard import chart_data, response_cache, security, views
from econsec.errors import EconsecError
from econsec.store import Store

log = logging.getLogger(__name__)

PACKAGE_DIR = Path(__file__).resolve().parent
PAGES_DIR = PACKAGE_DIR / "pages"
#: The repo-level assets/ folder, beside the package. A non-editable install does not ship
#: it (it is outside the packages in pyproject.toml): the app then runs unstyled until the
#: folder is packaged (move it to dashboard/assets or add it as package data).
ASSETS_DIR = PACKAGE_DIR.parent / "assets"
TITLE = "econsec"
#: The view modules (``dashboard.views.<name>``) that build page content, numpy, pandas, pyarrow and pandera
#: with them: imported in the background by :func:`start_warmup`, not when the app is made. The Overview
#: (the landing page) first.
VIEWS = ("overview", "chart_data", "goal", "supply_concentration", "explorer", "alliance", "sources")


class EconsecDash(dash.Dash):
    """Dash with the dev-tools version check off by default: in debug mode it would call
    dash-version.plotly.com, which an air-gapped browser cannot reach.

    Callbacks are checked against every page's layout only when the dev-tools UI is on (the only
    place the browser reports a failed check): to check them, Dash renders all twenty-odd pages,
    every goal chart included, on the first request (seconds) and embeds the result in every
    ``/`` response (~800 KB). Production serving skips both; ``tests/test_perf.py`` runs the same
    check in the suite."""

    def enable_dev_tools(self, *args, **kwargs):  # type: ignore[no-untyped-def]
        bound = inspect.signature(dash.Dash.enable_dev_tools).bind(self, *args, **kwargs)
        key = "dev_tools_disable_version_check"
        if bound.arguments.get(key) is None and "DASH_DISABLE_VERSION_CHECK" not in os.environ:
            bound.arguments[key] = True
        debug = super().enable_dev_tools(*bound.args[1:], **bound.kwargs)
        if self._dev_tools.ui:
            self.config.suppress_callback_exceptions = False
        return debug


def navbar() -> dbc.Navbar:
    links = [
        dbc.NavItem(dbc.NavLink(page["name"], href=page["relative_path"], active="exact"))
        for page in dash.page_registry.values()
        if not page.get("goal_page")  # fifteen goal pages are reached from the Overview's cards
    ]
    return dbc.Navbar(
        dbc.Container(
            [
                dbc.NavbarBrand(
                    [
                        html.Span("econsec", className="fw-bold"),
                        html.Span(" · US–Japan economic security indicators", className="brand-sub"),
                    ],
                    href="/",
                ),
                dbc.Nav(links, navbar=True, className="ms-auto"),
            ],
            fluid="xl",
        ),
        color="dark",
        dark=True,
        className="mb-3",
        role="navigation",
    )


def footer() -> html.Footer:
    try:
        status = Store().status()  # the manifest alone: the shell must not import pandas (dashboard.data does)
        which = "bundled snapshot" if status["bundled"] else "refreshed data"
        text = f"Data as of {status['built_at']} ({which})."
        if status.get("warning"):
            text += f" Warning: damaged store — {status['warning']}"
    except EconsecError as exc:
        text = f"Data unavailable: {exc}"
    return html.Footer(
        dbc.Container(
            [
                html.Span(text, id="footer-data"),
                html.Span(
                    " Indicators computed from public trade statistics; see each chart's source line.",
                    className="text-secondary",
                ),
            ],
            fluid="xl",
        ),
        className="site-footer mt-4 py-3",
    )


def shell() -> html.Div:
    """The frame around every page (a function, so the footer's data date follows refreshes)."""
    return html.Div(
        [navbar(), html.Main(dbc.Container(dash.page_container, fluid="xl"), id="main"), footer()],
    )


def create_app() -> dash.Dash:
    """A new app with every page in ``dashboard/pages`` and their callbacks."""
    app = EconsecDash(
        "dashboard",  # the package: page modules are imported as dashboard.pages.<name>
        use_pages=True,
        pages_folder=str(PAGES_DIR),
        assets_folder=str(ASSETS_DIR),
        external_stylesheets=[],
        external_scripts=[],
        serve_locally=True,
        title=TITLE,
        update_title=None,
        suppress_callback_exceptions=True,  # False with the dev-tools UI: see EconsecDash
        meta_tags=[{"name": "viewport", "content": "width=device-width, initial-scale=1"}],
    )
    app.layout = shell
    cached: list[str] = []
    for module in dict.fromkeys(sys.modules.get(page["module"]) for page in dash.page_registry.values()):
        for register in getattr(module, "CALLBACKS", ()):
            register(app)
        cached += getattr(module, "CACHED_OUTPUTS", ())
    chart_data.register_callbacks(app)  # the one "Download data (CSV)" callback of every chart
    security.install(app)  # headers (CSP with the inline scripts' hashes), plain error pages, optional auth
    response_cache.install(app, cached)  # after the access control: nothing is served before it
    return app


def server():
    """The Flask server of a new app (for WSGI servers: ``dashboard.app:server()``)."""
    return create_app().server


class RequestsInFlight:
    """WSGI middleware counting the requests being answered, so that the warm-up can wait for a quiet moment
    instead of competing with them for the GIL (two cores, and a request that needs a view waits for its
    import anyway)."""

    def __init__(self, wsgi_app: Callable) -> None:
        self.wsgi_app = wsgi_app
        self._busy = 0
        self._changed = threading.Condition()

    def __call__(self, environ: dict, start_response: Callable):  # noqa: ANN204 - a WSGI body
        with self._changed:
            self._busy += 1
        try:
            return self.wsgi_app(environ, start_response)
        finally:
            with self._changed:
                self._busy -= 1
                self._changed.notify_all()

    def wait_quiet(self) -> None:
        """Return once no request is being answered."""
        with self._changed:
            self._changed.wait_for(lambda: self._busy == 0)


def warm_up(wait_quiet: Callable[[], None] = lambda: None) -> None:
    """Import the view modules and open the store's tables, so that the first page content does not pay for
    them. The landing page's view is imported at once (its first request would wait for it anyway); each
    further step waits for ``wait_quiet``.

    Only time is at stake: a store that cannot be read is left for the pages to report, and anything else that
    fails here is logged and fails again, with the page's own error handling, where a request needs it."""
    try:
        views.load(VIEWS[0])
        for name in VIEWS[1:]:
            wait_quiet()
            views.load(name)
        store = Store()
        for table in store.tables():
            wait_quiet()
            store.read(table)  # cached per generation by the store: the pages' first reads are then free
    except EconsecError as exc:
        log.debug("warm-up: the store cannot be read (%s); the pages will say so", exc)
    except Exception:  # noqa: BLE001 - see the docstring
        log.warning("warm-up stopped; pages load what they need on their first request", exc_info=True)


def start_warmup(server: flask.Flask) -> threading.Thread:
    """Run :func:`warm_up` in a daemon thread, its steps after the first between requests to ``server`` (the
    app's Flask server, not yet serving). ``econsec serve`` and each gunicorn worker call this once the app is
    made; ``create_app`` does not, so tests and other callers import nothing they do not use."""
    in_flight = RequestsInFlight(server.wsgi_app)
    server.wsgi_app = in_flight  # type: ignore[method-assign]
    thread = threading.Thread(target=warm_up, args=(in_flight.wait_quiet,), name="econsec-warm-up", daemon=True)
    thread.start()
    return thread
