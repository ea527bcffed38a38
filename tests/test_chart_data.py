"""Every chart's "Download data (CSV)": the pure CSV of a figure, the one pattern-matching callback,
and a walk of every registered page checking each chart is wrapped (sparklines and the Explorer's
own downloads excepted) and keeps the house PNG export config. Bundled snapshot, no browser."""

from __future__ import annotations

import base64
import csv
import io
import json

import dash
import numpy as np
import plotly.io as pio
import pytest

from dashboard import chart_data
from econsec.store import bundled_snapshot_dir
from tests.test_app import _find

#: Charts that keep no data button: the Overview's static sparklines, the Explorer (its own CSV/Parquet).
EXCEPT_PREFIXES = ("ov-spark-", "ex-graph-")


@pytest.fixture
def app():
    if not (bundled_snapshot_dir() / "manifest.json").is_file():
        pytest.skip("the bundled snapshot is not built yet")
    from dashboard.app import create_app

    return create_app()


def _rows(payload: bytes) -> list[list[str]]:
    return list(csv.reader(io.StringIO(payload.decode("utf-8"), newline="")))


def test_figure_csv_is_tidy_and_escaped():
    figure = {
        "data": [
            {"type": "scatter", "name": "China", "x": [2023, 2024], "y": [61.5, 70.25]},
            {"type": "scatter", "name": "=cmd|' /C calc'!A0", "x": [2024], "y": [1.0]},
            {"type": "scatter", "x": [], "y": []},  # nothing drawn: no rows
            {"type": "choropleth", "name": "Share", "locations": ["CHN", "JPN"], "z": [0.7, 0.1]},
        ],
        "layout": {
            "title": {"text": "Share of imports <b>from China</b>"},
            "annotations": [
                {"name": "band", "text": "High"},
                {"name": "source", "text": "Source: UN Comtrade &amp; USITC<br>-data as of 2025-01-01"},
            ],
        },
    }
    rows = _rows(chart_data.figure_csv(figure))
    source = "Source: UN Comtrade & USITC · -data as of 2025-01-01"
    assert rows == [
        ["series", "x", "y", "source"],
        ["China", "2023", "61.5", source],
        ["China", "2024", "70.25", source],
        ["'=cmd|' /C calc'!A0", "2024", "1.0", source],
        ["Share", "CHN", "0.7", source],
        ["Share", "JPN", "0.1", source],
    ]
    assert chart_data.file_name("goal-graph-0", figure) == "econsec_goal-graph-0_share_of_imports_from_china.csv"


def test_typed_arrays_are_decoded():
    """plotly.py sends numpy arrays as ``{"dtype", "bdata"}``: the CSV gets the numbers back."""
    y = np.array([0.5, 0.25])
    figure = {"data": [{"name": "HHI", "x": [2023, 2024], "y": {"dtype": "f8", "bdata": base64.b64encode(y).decode()}}]}
    assert _rows(chart_data.figure_csv(figure))[1:] == [["HHI", "2023", "0.5", ""], ["HHI", "2024", "0.25", ""]]


def test_download_callback_body():
    figure = {"data": [{"name": "A", "x": [1], "y": [2]}], "layout": {"title": {"text": "T/../x"}}}
    assert chart_data.download(0, figure, {"graph": "g"}) is dash.no_update
    out = chart_data.download(1, figure, {"type": chart_data.BUTTON_TYPE, "graph": "sc-graph-hhi"})
    assert out["filename"] == "econsec_sc-graph-hhi_t_x.csv" and out["base64"] is True
    assert _rows(base64.b64decode(out["content"])) == [["series", "x", "y", "source"], ["A", "1", "2", ""]]


def test_one_pattern_matching_callback_is_registered(app):
    keys = [k for k in app.callback_map if chart_data.DOWNLOAD_TYPE in k]
    assert len(keys) == 1 and "MATCH" in keys[0]


def test_real_goal_chart_round_trips_through_json(app):
    page = next(p for p in dash.page_registry.values() if p["path"] == "/goal/derisk-critical-minerals")
    graph = _find(page["layout"](), "goal-graph-0")
    browser_figure = json.loads(pio.to_json(graph.figure))  # what the callback's State receives
    rows = _rows(chart_data.figure_csv(browser_figure))
    assert rows[0] == ["series", "x", "y", "source"] and len(rows) > 5
    assert all(r[3].startswith("Source: ") and "data as of" in r[3] for r in rows[1:])
    hhi = [float(r[2]) for r in rows[1:] if r[0] == graph.figure.data[-1].name]
    assert hhi and all(0 <= v <= 10_000 for v in hhi)


def _layouts():
    for page in dash.page_registry.values():
        if page.get("path_template"):
            yield page["path_template"], page["layout"](goal_id="derisk-critical-minerals")
        else:
            yield page["path"], page["layout"]() if callable(page["layout"]) else page["layout"]


def _walk(component, parent=None):
    if isinstance(component, (list, tuple)):
        for c in component:
            yield from _walk(c, parent)
    elif hasattr(component, "to_plotly_json"):
        yield component, parent
        yield from _walk(getattr(component, "children", None), component)


def test_every_chart_has_image_and_data_downloads(app):
    seen = 0
    for path, layout in _layouts():
        for component, parent in _walk(layout):
            if type(component).__name__ != "Graph":
                continue
            key = chart_data.graph_key(component)
            assert key, f"a graph without an id on {path}"
            if key.startswith("ov-spark-"):
                assert component.config.get("staticPlot") is True
                continue
            options = component.config.get("toImageButtonOptions", {})
            assert options.get("format") == "png" and options.get("filename", "").startswith("econsec_"), (path, key)
            assert component.config.get("displaylogo") is False
            if key.startswith(EXCEPT_PREFIXES):
                continue
            assert component.id == {"type": chart_data.GRAPH_TYPE, "graph": key}, (path, key)
            assert parent is not None and parent.id == key and chart_data.WRAPPER_CLASS in parent.className
            ids = [getattr(c, "id", None) for c, _ in _walk(parent.children)]
            assert {"type": chart_data.BUTTON_TYPE, "graph": key} in ids, (path, key)
            assert {"type": chart_data.DOWNLOAD_TYPE, "graph": key} in ids, (path, key)
            seen += 1
    assert seen >= 20  # concentration (3), goal pages, alliance panels
