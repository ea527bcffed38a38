"""Build the Dash app: ``create_app()`` (the command line calls ``create_app().run(host, port)``).

Everything the browser loads is served by the app itself (Bootstrap from ``assets/``,
plotly.js and the Dash bundles locally): the dashboard runs on air-gapped networks and
makes no request to any other origin.
"""

from __future__ import annotations

import inspect
import os
import sys
from pathlib import Path

import dash
import dash_bootstrap_components as dbc
from dash import html

from dashboard import chart_data, security
from econsec.errors import EconsecError

PACKAGE_DIR = Path(__file__).resolve().parent
PAGES_DIR = PACKAGE_DIR / "pages"
#: The repo-level assets/ folder, beside the package. A non-editable install does not ship
#: it (it is outside the packages in pyproject.toml): the app then runs unstyled until the
#: folder is packaged (move it to dashboard/assets or add it as package data).
ASSETS_DIR = PACKAGE_DIR.parent / "assets"
TITLE = "econsec"


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
    from dashboard import data

    try:
        status = data.data_status()
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
    for page in dash.page_registry.values():
        module = sys.modules.get(page["module"])
        for register in getattr(module, "CALLBACKS", ()):
            register(app)
    chart_data.register_callbacks(app)  # the one "Download data (CSV)" callback of every chart
    security.install(app)  # headers (CSP with the inline scripts' hashes), plain error pages, optional auth
    return app


def server():
    """The Flask server of a new app (for WSGI servers: ``dashboard.app:server()``)."""
    return create_app().server
