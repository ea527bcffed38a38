"""The production app plus a NO-OP callback, for the callback benchmark only (never served to users).

``create_app()`` builds the real app (every page and callback) and adds one hidden input and output and a
callback that returns its input unchanged: the floor a request pays for Flask, Dash's dispatch and JSON,
measured in the same server as the real callbacks. Serve it with::

    gunicorn -w 2 -b 127.0.0.1:8052 'benchmarks.bench_app:server()'
"""

from __future__ import annotations

import dash
from dash import Input, Output, html

from dashboard import app as dashboard_app

NOOP_IN = "bench-noop-in"
NOOP_OUT = "bench-noop-out"
NOOP_OUTPUT = f"{NOOP_OUT}.children"


def create_app() -> dash.Dash:
    app = dashboard_app.create_app()
    shell = app.layout

    def layout() -> html.Div:
        hidden = html.Div([html.Div(id=NOOP_IN), html.Div(id=NOOP_OUT)], hidden=True)
        return html.Div([shell() if callable(shell) else shell, hidden])

    app.layout = layout

    @app.callback(Output(NOOP_OUT, "children"), Input(NOOP_IN, "children"), prevent_initial_call=True)
    def _noop(value):
        return value

    return app


def server():
    """The Flask server (for gunicorn: ``benchmarks.bench_app:server()``)."""
    return create_app().server
