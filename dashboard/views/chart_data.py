"""The heavy half of :mod:`dashboard.chart_data`: a chart as drawn (:func:`chart_graph`), and the CSV and image of
a figure that its buttons download. Imported on first use (it needs numpy, pandas and the figure builders).

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
from dash import dcc, html

from dashboard import explore, figures
from dashboard.chart_data import COLUMNS, IMAGE_FORMATS, graph_with_download
from econsec.errors import EconsecError

log = logging.getLogger(__name__)


def chart_graph(graph_id: str, chart) -> html.Div:  # noqa: ANN001 (a dashboard.charts.Chart)
    """A :class:`dashboard.charts.Chart` as a graph with the house config (the modebar's PNG named after
    the chart), its image and data buttons."""
    return graph_with_download(
        dcc.Graph(id=graph_id, figure=figures.shared(chart.figure), config=figures.graph_config(f"econsec_{chart.key}"),
                  className="chart")
    )


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

