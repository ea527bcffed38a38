"""The Alliance comparison page: it lays out on the bundled snapshot with every panel, each panel
carries a source line, and it says "not measurable" where the stored data cannot answer (also on a
store that lacks the alliance family altogether)."""

from __future__ import annotations

import pandas as pd
import pytest

from dashboard import chart_data, explore
from econsec.store import bundled_snapshot_dir
from tests.test_app import _ids, _text, write_synthetic_store

PANELS = ("china-share", "friend-share", "concentration", "exposure", "innovation", "bilateral", "bloc")


def _graphs(layout) -> dict:
    """``{panel key: figure}`` of the page's graphs."""
    out = {}

    def walk(component):
        if isinstance(component, (list, tuple)):
            for c in component:
                walk(c)
        elif hasattr(component, "to_plotly_json"):
            cid = chart_data.graph_key(component)
            if isinstance(cid, str) and cid.startswith("al-graph-") and hasattr(component, "figure"):
                out[cid.removeprefix("al-graph-")] = component.figure
            walk(getattr(component, "children", None))

    walk(layout)
    return out


@pytest.fixture
def bundled_page():
    if not (bundled_snapshot_dir() / "manifest.json").is_file():
        pytest.skip("the bundled snapshot is not built yet")
    from dashboard.app import create_app

    create_app()
    from dashboard.pages import alliance

    return alliance


@pytest.fixture
def synthetic_page():
    from dashboard.app import create_app
    from econsec.store import Store

    write_synthetic_store(Store().path)
    create_app()
    from dashboard.pages import alliance

    return alliance


def test_layout_renders_every_panel_on_the_snapshot(bundled_page):
    layout = bundled_page.layout()
    ids = _ids(layout)
    assert "al-error" not in ids
    for key in PANELS:
        assert f"al-panel-{key}" in ids
    graphs = _graphs(layout)
    assert set(graphs) == set(PANELS)
    for key, fig in graphs.items():
        assert fig.data, f"panel {key} drew nothing"
        sources = [a.text for a in fig.layout.annotations if a.name == "source"]
        assert sources and sources[0].startswith("Source:"), key


def test_us_japan_and_bloc_side_by_side(bundled_page):
    graphs = _graphs(bundled_page.layout())
    names = {t.name for t in graphs["china-share"].data}
    assert names == {"United States", "Japan", "US + Japan (pooled)"}
    assert {t.name for t in graphs["exposure"].data} == {"United States", "Japan", "US + Japan (pooled)"}
    assert [t.name for t in graphs["bilateral"].data] == ["Japan's share of US trade", "US share of Japan's trade"]
    assert {t.name for t in graphs["innovation"].data} >= {"United States", "Japan"}
    # HHI drawn in points (×10,000), shares in per cent.
    assert max(max(t.y) for t in graphs["concentration"].data) > 100
    assert max(max(t.x) for t in graphs["china-share"].data) <= 100


def test_notices_where_data_are_missing(bundled_page):
    panels = {p.key: p for p in bundled_page.panels()}
    assert any("Japan has only China's share" in m for m in panels["concentration"].missing)
    assert any(m.startswith("Japan: not measurable for rare earths") for m in panels["china-share"].missing)
    assert any("bloc" in m for m in panels["friend-share"].missing)
    assert any("bloc" in m for m in panels["innovation"].missing)
    text = _text(bundled_page.layout())
    assert text.count("Not measurable:") >= 4


def test_a_store_without_alliance_data_says_not_measurable(synthetic_page):
    layout = synthetic_page.layout()
    graphs = _graphs(layout)
    assert set(graphs) == set(PANELS)
    empty = [k for k, fig in graphs.items() if not fig.data]
    assert {"friend-share", "exposure", "innovation", "bilateral", "bloc"} <= set(empty)
    for key in empty:
        texts = [a.text for a in graphs[key].layout.annotations if a.name == "empty"]
        assert texts == ["Not measurable from the stored data."], key


def test_store_error_is_shown_not_raised(synthetic_page, monkeypatch, tmp_path):
    from econsec.errors import StoreError

    def fail(name):
        raise StoreError(f"no table {name!r}")

    monkeypatch.setattr("dashboard.data.generation", lambda: str(tmp_path / "nothing"))
    monkeypatch.setattr("dashboard.data.table", fail)
    assert "The data cannot be read" in _text(synthetic_page.layout())


def test_builders_on_small_frames():
    frame = pd.DataFrame(
        {
            "reporter": ["USA", "JPN", "USA"],
            "product": ["cobalt"] * 3,
            "period": ["2023", "2023", "2024"],
            "value": [0.1, 0.2, 0.3],
        }
    )
    latest = explore.latest_by(frame, ["reporter", "product"])
    assert dict(zip(latest["reporter"], latest["value"], strict=True)) == {"JPN": 0.2, "USA": 0.3}
    bars = explore.bars_figure(latest, "t", category="product", labels={"cobalt": "Cobalt"})
    assert [t.name for t in bars.data] == ["United States", "Japan"]
    assert [a.text for a in bars.layout.annotations if a.name == "label"] == ["Cobalt"]
    lines = explore.lines_figure(frame, "t", unit="hhi")
    assert [t.name for t in lines.data] == ["United States", "Japan"]
    assert list(lines.data[0].y) == [1000.0, 3000.0]
    assert explore.wrap("Source: " + "word " * 40, width=30).count("<br>") == 1
