"""A "Download data (CSV)" button under every chart: the data of the figure as drawn.

``graph_with_download(graph)`` wraps a ``dcc.Graph`` (house ``config``, so the modebar keeps the
PNG download) with a small button and a ``dcc.Download``. The wrapper takes over the graph's string
id (page CSS and tests keep finding ``#<graph id>``), and the graph gets the pattern-matching id
``{"type": "chart-graph", "graph": <graph id>}`` so that ONE callback, registered per app by
:func:`register_callbacks`, serves every chart: button click + the graph's ``figure`` (``MATCH``) in,
a tidy CSV (``series, x, y, source``) out, escaped against CSV injection like the Explorer's downloads.

>>> fig = {"data": [{"name": "=HHI", "x": [2023, 2024], "y": [5000.0, 6000.0]}],
...        "layout": {"title": {"text": "Concentration"},
...                   "annotations": [{"name": "source", "text": "Source: UN Comtrade<br>HHI ×10,000"}]}}
>>> print(figure_csv(fig).decode().replace("\\r", ""), end="")
series,x,y,source
'=HHI,2023,5000.0,"Source: UN Comtrade · HHI ×10,000"
'=HHI,2024,6000.0,"Source: UN Comtrade · HHI ×10,000"
"""

from __future__ import annotations

import base64
import html as html_lib
import logging
import re

import dash
import numpy as np
import pandas as pd
from dash import ALL, MATCH, Input, Output, State, dcc, html

from dashboard import explore, figures
from econsec.errors import EconsecError

log = logging.getLogger(__name__)

GRAPH_TYPE = "chart-graph"
BUTTON_TYPE = "chart-csv"
DOWNLOAD_TYPE = "chart-csv-download"
IMAGE_TYPE = "chart-image"
IMAGE_DOWNLOAD_TYPE = "chart-image-download"
IMAGE_ERROR_TYPE = "chart-image-error"
IMAGE_FORMATS = ("png", "svg", "pdf")
WRAPPER_CLASS = "chart-with-data"
COLUMNS = ["series", "x", "y", "source"]


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


def chart_graph(graph_id: str, chart) -> html.Div:  # noqa: ANN001 (a dashboard.charts.Chart)
    """A :class:`dashboard.charts.Chart` as a graph with the house config (the modebar's PNG named after
    the chart), its image and data buttons."""
    return graph_with_download(
        dcc.Graph(id=graph_id, figure=chart.figure, config=figures.graph_config(f"econsec_{chart.key}"),
                  className="chart")
    )


def graph_key(component: object) -> str | None:
    """The string id a chart is known by: a wrapped graph's ``graph`` key, else its own string id."""
    cid = getattr(component, "id", None)
    if isinstance(cid, dict) and cid.get("type") == GRAPH_TYPE:
        return cid.get("graph")
    return cid if isinstance(cid, str) else None


# -- the CSV (pure) -----------------------------------------------------------------------------
def _plain(text: object) -> str:
    """Figure text without markup: ``<br>`` as " · ", other tags dropped, entities decoded."""
    out = re.sub(r"<br\s*/?>", " · ", str(text or ""), flags=re.IGNORECASE)
    out = re.sub(r"<[^>]+>", "", out)
    return re.sub(r"\s+", " ", html_lib.unescape(out)).strip()


def _values(value: object) -> list:
    """A trace array as a list: plain lists, plotly's typed arrays (``{"dtype", "bdata"}``), scalars."""
    if value is None:
        return []
    if isinstance(value, dict) and "bdata" in value and "dtype" in value:
        arr = np.frombuffer(base64.b64decode(value["bdata"]), dtype=np.dtype(value["dtype"]))
        return arr.tolist()
    if isinstance(value, np.ndarray):
        return value.tolist()
    if isinstance(value, (list, tuple)):
        return list(value)
    return [value]


def figure_title(figure: dict) -> str:
    title = (figure.get("layout") or {}).get("title") or {}
    return _plain(title.get("text") if isinstance(title, dict) else title)


def figure_source(figure: dict) -> str:
    """The figure's source line (the annotation named ``source``), as plain text."""
    for annotation in (figure.get("layout") or {}).get("annotations") or ():
        if annotation.get("name") == "source":
            return _plain(annotation.get("text"))
    return ""


def figure_frame(figure: dict) -> pd.DataFrame:
    """Tidy ``series, x, y, source`` rows of every trace of a figure (a dict or ``go.Figure``).
    Map traces give ``locations`` as x and ``z`` as y; traces without data are skipped."""
    if hasattr(figure, "to_plotly_json"):
        figure = figure.to_plotly_json()
    figure = figure or {}
    source = figure_source(figure)
    rows: list[dict] = []
    for i, trace in enumerate(figure.get("data") or ()):
        if "locations" in trace and "z" in trace:
            xs, ys = _values(trace.get("locations")), _values(trace.get("z"))
        else:
            xs, ys = _values(trace.get("x")), _values(trace.get("y"))
        n = max(len(xs), len(ys))
        if n == 0:
            continue
        xs += [None] * (n - len(xs))
        ys += [None] * (n - len(ys))
        series = _plain(trace.get("name")) or figure_title(figure) or f"series {i + 1}"
        rows += [{"series": series, "x": x, "y": y, "source": source} for x, y in zip(xs, ys, strict=True)]
    return pd.DataFrame(rows, columns=COLUMNS)


def figure_csv(figure: dict) -> bytes:
    """:func:`figure_frame` as UTF-8 CSV, formula-looking text cells escaped (``explore.csv_bytes``)."""
    return explore.csv_bytes(figure_frame(figure))


def file_name(graph: str, figure: dict) -> str:
    """``econsec_<graph id>_<title>.csv``, both slugged."""
    return f"econsec_{explore.slug(graph)}_{explore.slug(figure_title(figure or {}), 'chart')}.csv"


def download(n_clicks: int | None, figure: dict | None, button_id: dict) -> dict:
    """The callback's body: the ``dcc.Download`` data for one click (``no_update`` before any)."""
    if not n_clicks or not _well_formed(figure):
        return dash.no_update  # the figure and id come from the browser: a malformed one gets no file
    key = button_id.get("graph") if isinstance(button_id, dict) else None
    key = key if isinstance(key, str) and _GRAPH_KEY.fullmatch(key) else "chart"  # an id of ours, else generic
    return dcc.send_bytes(figure_csv(figure), file_name(key, figure))


#: What a chart's string id looks like (``sc-graph-hhi``); anything else is not one of ours.
_GRAPH_KEY = re.compile(r"[A-Za-z0-9_-]{1,80}")


def _well_formed(figure: object) -> bool:
    """A figure as a ``dcc.Graph`` sends it: a dict whose layout, annotations and traces are dicts."""
    if not isinstance(figure, dict) or not figure:
        return False
    layout = figure.get("layout") or {}
    traces = figure.get("data") or []
    return (
        isinstance(layout, dict)
        and isinstance(layout.get("annotations") or [], list)
        and all(isinstance(a, dict) for a in layout.get("annotations") or [])
        and isinstance(layout.get("title") or {}, dict | str)
        and isinstance(traces, list)
        and all(isinstance(t, dict) for t in traces)
    )


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


def image_download(button_id: object, clicks: list | None, figure: dict | None) -> tuple:
    """The image callback's body: (the ``dcc.Download`` data, an error line). The chart as the browser
    holds it, rendered server-side at the briefing slide size (:mod:`dashboard.images` validates the
    figure and drops any image sources)."""
    from dashboard import images

    fmt = button_id.get("format") if isinstance(button_id, dict) else None
    if fmt not in IMAGE_FORMATS or not any(clicks or ()) or not _well_formed(figure):
        return dash.no_update, dash.no_update
    key = button_id.get("graph")
    key = key if isinstance(key, str) and _GRAPH_KEY.fullmatch(key) else "chart"
    try:
        content = images.render(figure, fmt)
    except EconsecError as exc:
        log.warning("image export failed: %s", exc)
        return dash.no_update, f"No image: {exc}"
    stem = f"{explore.slug(key)}_{explore.slug(figure_title(figure), 'chart')}"
    return dcc.send_bytes(content, images.safe_name(stem, fmt)), ""

