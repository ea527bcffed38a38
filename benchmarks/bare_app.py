"""The framework floor for the cold-start benchmark: a bare Dash app with one page, served locally.

Started the same way as ``econsec serve`` (a fresh Python process, Flask's development server via
``Dash.run``) so that the two differ only in what econsec adds on top of Dash::

    python -m benchmarks.bare_app --port 8051
"""

from __future__ import annotations

import argparse

import dash
from dash import dcc, html


def create_app() -> dash.Dash:
    """One page with a heading, a dropdown and a graph: the smallest honest Dash app."""
    app = dash.Dash(__name__, serve_locally=True, title="bare", update_title=None)
    app.layout = html.Div(
        [
            html.H1("Bare Dash app"),
            dcc.Dropdown(["a", "b"], "a", id="choice"),
            dcc.Graph(id="graph", figure={"data": [{"x": [1, 2, 3], "y": [1, 3, 2]}]}),
        ]
    )
    return app


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8051)
    args = parser.parse_args()
    create_app().run(host=args.host, port=args.port, debug=False)


if __name__ == "__main__":
    main()
