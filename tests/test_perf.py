"""What the performance work must not break: callbacks still check against every page (in the suite and
with the dev-tools UI, no longer on every production request), and per-generation caches follow a refresh."""

from __future__ import annotations

import dash
import pandas as pd
from dash.development.base_component import Component
from plotly.io.json import to_json_plotly

from dashboard import data


def _ids(component: object) -> set[str]:
    found: set[str] = set()
    stack = [component]
    while stack:
        node = stack.pop()
        if isinstance(node, list | tuple):
            stack.extend(node)
        elif isinstance(node, Component):
            if isinstance(getattr(node, "id", None), str):
                found.add(node.id)
            stack.append(getattr(node, "children", None))
    return found


def test_every_callback_id_is_in_some_page_layout():
    """The check Dash's dev tools run in the browser: each string id a callback reads or writes exists."""
    from dashboard.app import create_app, shell

    app = create_app()
    app.server.test_client().get("/")  # registers Dash Pages' routing callback
    layouts = [page["layout"]() if callable(page["layout"]) else page["layout"] for page in dash.page_registry.values()]
    ids = _ids([shell(), *layouts])
    missing = []
    for key, callback in app.callback_map.items():
        deps = [*callback["inputs"], *callback.get("state", [])]
        outputs = [o for o in key.strip(".").split("...") if o]
        wanted = [d["id"] for d in deps] + [o.rsplit(".", 1)[0] for o in outputs]
        missing += [(key, i) for i in wanted if isinstance(i, str) and not i.startswith("{") and i not in ids]
    assert missing == []


def test_production_index_does_not_embed_every_page():
    from dashboard.app import create_app

    app = create_app()
    index = app.server.test_client().get("/")
    assert index.status_code == 200
    assert app.config.suppress_callback_exceptions is True
    assert b"validation_layout" not in index.data


def test_dev_tools_ui_turns_the_callback_check_on():
    from dashboard.app import create_app

    app = create_app()
    app.enable_dev_tools(debug=True, dev_tools_hot_reload=False)
    assert app.config.suppress_callback_exceptions is False
    index = app.server.test_client().get("/")
    assert index.status_code == 200
    assert b"validation_layout" in index.data


def test_per_generation_cache_rebuilds_after_a_new_generation(monkeypatch):
    calls: list[tuple] = []

    @data.per_generation(maxsize=8)
    def build(a: int, b: str) -> tuple:
        calls.append((a, b))
        return (a, b, len(calls))

    monkeypatch.setattr(data, "generation", lambda: "gen-1")
    first = build(1, "x")
    assert build(1, "x") is first  # same generation and arguments: built once
    assert build(2, "x") != first
    monkeypatch.setattr(data, "generation", lambda: "gen-2")  # a refresh wrote a new generation
    assert build(1, "x")[2] == 3
    assert calls == [(1, "x"), (2, "x"), (1, "x")]


def test_cached_explorer_content_equals_a_fresh_build():
    from dashboard.app import create_app

    create_app()
    from dashboard.pages import explorer, supply_concentration

    view, _ = explorer.resolve(None, None, None, None, None, None)
    assert to_json_plotly(explorer.cached_content(view)) == to_json_plotly(explorer.content(view))
    assert explorer.cached_content(view) is explorer.cached_content(view)
    r, p, s, e, _ = supply_concentration.resolve(None, None, None, None)
    assert supply_concentration.cached_content(r, p, s, e) is supply_concentration.cached_content(r, p, s, e)


def test_registry_validates_the_joined_values():
    """compute_all validates the families' values as a whole: a key produced twice is refused."""
    import pytest

    from econsec.errors import ValidationError
    from indicators import base, registry

    row = {"indicator": "x", "reporter": "USA", "flow": "import", "product": "p", "product_kind": "hs",
           "period": "2020", "value": 1.0}
    part = base.values(pd.DataFrame([row]))
    with pytest.raises(ValidationError):
        base.values(pd.concat([base.typed(part), base.typed(part)], ignore_index=True))
    assert callable(registry.compute_all)


def test_one_request_reads_one_generation(monkeypatch):
    """A page's builders ask for the generation many times; within one request the first answer holds, so a
    refresh landing half-way cannot mix two generations in one response. The next request sees the new one."""
    import flask

    from econsec.store import Store

    answers = iter(["/gen/one", "/gen/two", "/gen/three"])
    monkeypatch.setattr(Store, "current_dir", lambda self: next(answers))
    app = flask.Flask(__name__)
    with app.test_request_context("/"):
        assert [data.generation() for _ in range(3)] == ["/gen/one"] * 3
    with app.test_request_context("/"):
        assert data.generation() == "/gen/two"
    assert data.generation() == "/gen/three"  # outside a request: read every time


def test_a_shared_figure_is_sent_as_the_figure_and_encoded_once(monkeypatch):
    """figures.shared: the same JSON as the plain figure, computed on the first encoding only."""
    import numpy as np
    import plotly.graph_objects as go

    from dashboard import figures

    def figure() -> go.Figure:
        return go.Figure(go.Scatter(x=list(range(50)), y=np.linspace(0, 1, 50)), layout={"title": {"text": "t"}})

    plain, shared = figure(), figures.shared(figure())
    assert isinstance(shared, go.Figure) and figures.shared(shared) is shared
    assert to_json_plotly(shared) == to_json_plotly(plain)
    calls = []
    original = go.Figure.to_plotly_json
    monkeypatch.setattr(go.Figure, "to_plotly_json", lambda self: calls.append(1) or original(self))
    for _ in range(3):
        assert to_json_plotly(shared) == to_json_plotly(plain)
    assert len(calls) == 3  # the plain figure's three encodings; the shared one's was kept from the first
