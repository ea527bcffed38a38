"""A "Download data (CSV)" button under every chart: the data of the figure as drawn.

``graph_with_download(graph)`` wraps a ``dcc.Graph`` (house ``config``, so the modebar keeps the
PNG download) with a small button and a ``dcc.Download``. The wrapper takes over the graph's string
id (page CSS and tests keep finding ``#<graph id>``), and the graph gets the pattern-matching id
``{"type": "chart-graph", "graph": <graph id>}`` so that ONE callback, registered per app by
:func:`register_callbacks`, serves every chart: button click + the graph's ``figure`` (``MATCH``) in,
a tidy CSV (``series, x, y, source``) out, escaped against CSV injection like the Explorer's downloads.

This module is imported when the app is made, so it holds only the components and the callback
declarations; the CSV, the images and :func:`chart_graph` are built by :mod:`dashboard.views.chart_data`
(numpy, pandas, the figure builders), imported at the first call.
"""

from __future__ import annotations

import dash
from dash import ALL, MATCH, Input, Output, State, dcc, html

from dashboard import views

GRAPH_TYPE = "chart-graph"
BUTTON_TYPE = "chart-csv"
DOWNLOAD_TYPE = "chart-csv-download"
IMAGE_TYPE = "chart-image"
IMAGE_DOWNLOAD_TYPE = "chart-image-download"
IMAGE_ERROR_TYPE = "chart-image-error"
IMAGE_FORMATS = ("png", "svg", "pdf")
WRAPPER_CLASS = "chart-with-data"
COLUMNS = ["series", "x", "y", "source"]


def _view():
    # The builders import numpy, pandas and the figures: loaded at the first call, not when the app is made (#8).
    return views.load("chart_data")


def graph_with_download(graph: dcc.Graph) -> html.Div:
    """``graph`` with a "Download data (CSV)" button and its ``dcc.Download``, in a ``div`` that
    takes the graph's id (the graph gets ``{"type": "chart-graph", "graph": <id>}``)."""
    key = graph.id
    if not isinstance(key, str) or not key:
        raise ValueError("graph_with_download needs a graph with a string id")
    graph.id = {"type": GRAPH_TYPE, "graph": key}
    return html.Div(
        [
            graph,
            html.Div(
                [
                    html.Span("Image:", className="small text-secondary me-1"),
                    *[
                        html.Button(
                            fmt.upper(),
                            id={"type": IMAGE_TYPE, "graph": key, "format": fmt},
                            className="btn btn-outline-secondary btn-sm chart-image-button me-1",
                            title=f"This chart as {fmt.upper()} for a briefing (16:9 slide, with its source line "
                            "and notes)",
                            n_clicks=0,
                        )
                        for fmt in IMAGE_FORMATS
                    ],
                    html.Button(
                        "Download data (CSV)",
                        id={"type": BUTTON_TYPE, "graph": key},
                        className="btn btn-outline-secondary btn-sm chart-csv-button ms-2",
                        title="The data of this chart as a CSV file (series, x, y, source)",
                        n_clicks=0,
                    ),
                ],
                className="chart-data-bar text-end px-2 pb-1",
            ),
            dcc.Download(id={"type": DOWNLOAD_TYPE, "graph": key}),
            dcc.Loading(dcc.Download(id={"type": IMAGE_DOWNLOAD_TYPE, "graph": key}), type="dot"),
            html.Div(id={"type": IMAGE_ERROR_TYPE, "graph": key}, className="small text-danger px-2", role="status"),
        ],
        id=key,
        className=WRAPPER_CLASS,
    )


def graph_key(component: object) -> str | None:
    """The string id a chart is known by: a wrapped graph's ``graph`` key, else its own string id."""
    cid = getattr(component, "id", None)
    if isinstance(cid, dict) and cid.get("type") == GRAPH_TYPE:
        return cid.get("graph")
    return cid if isinstance(cid, str) else None


def chart_graph(graph_id: str, chart) -> html.Div:  # noqa: ANN001 (a dashboard.charts.Chart)
    """A :class:`dashboard.charts.Chart` as a graph with the house config (the modebar's PNG named after
    the chart), its image and data buttons."""
    return _view().chart_graph(graph_id, chart)


def figure_csv(figure: dict) -> bytes:
    """Tidy ``series, x, y, source`` rows of every trace of a figure as UTF-8 CSV, formula-looking text cells
    escaped (:func:`dashboard.views.chart_data.figure_csv`)."""
    return _view().figure_csv(figure)


def file_name(graph: str, figure: dict) -> str:
    """``econsec_<graph id>_<title>.csv``, both slugged."""
    return _view().file_name(graph, figure)


def download(n_clicks: int | None, figure: dict | None, button_id: dict) -> dict:
    """The CSV callback's body: the ``dcc.Download`` data for one click (``no_update`` before any)."""
    return _view().download(n_clicks, figure, button_id)


def image_download(button_id: object, clicks: list | None, figure: dict | None) -> tuple:
    """The image callback's body: (the ``dcc.Download`` data, an error line); see
    :func:`dashboard.views.chart_data.image_download`."""
    return _view().image_download(button_id, clicks, figure)


def register_callbacks(app: dash.Dash) -> None:
    """The one pattern-matching callback behind every chart's data button."""

    @app.callback(
        Output({"type": DOWNLOAD_TYPE, "graph": MATCH}, "data"),
        Input({"type": BUTTON_TYPE, "graph": MATCH}, "n_clicks"),
        State({"type": GRAPH_TYPE, "graph": MATCH}, "figure"),
        State({"type": BUTTON_TYPE, "graph": MATCH}, "id"),
        prevent_initial_call=True,
    )
    def _chart_csv(n_clicks, figure, button_id):
        return download(n_clicks, figure, button_id)

    @app.callback(
        Output({"type": IMAGE_DOWNLOAD_TYPE, "graph": MATCH}, "data"),
        Output({"type": IMAGE_ERROR_TYPE, "graph": MATCH}, "children"),
        Input({"type": IMAGE_TYPE, "graph": MATCH, "format": ALL}, "n_clicks"),
        State({"type": GRAPH_TYPE, "graph": MATCH}, "figure"),
        prevent_initial_call=True,
    )
    def _chart_image(clicks, figure):
        return image_download(dash.ctx.triggered_id, clicks, figure)
