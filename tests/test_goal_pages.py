"""Goal pages: one per goal of the registry; each renders (test client and layout), draws its
measures with data, marks coercion/export-control events where they matter, and an unknown id
gets a "no such goal" page rather than a traceback."""

from __future__ import annotations

import dash
import pytest

from econsec.store import bundled_snapshot_dir
from indicators import goals as g
from tests.test_app import _find, _ids, _text

pytestmark = pytest.mark.skipif(
    not (bundled_snapshot_dir() / "manifest.json").is_file(), reason="the bundled snapshot is not built yet"
)
EVENT_PAGES = ("derisk-critical-minerals", "reduce-vulnerability", "economic-security-convergence")


@pytest.fixture(scope="module")
def app():
    from dashboard.app import create_app

    return create_app()


def _page(goal_id: str) -> dict:
    return next(p for p in dash.page_registry.values() if p["path"] == f"/goal/{goal_id}")


def _graphs(component, found=None) -> list:
    found = [] if found is None else found
    if isinstance(component, (list, tuple)):
        for c in component:
            _graphs(c, found)
    elif hasattr(component, "to_plotly_json"):
        if type(component).__name__ == "Graph":
            found.append(component)
        _graphs(getattr(component, "children", None), found)
    return found


@pytest.mark.parametrize("goal", g.GOALS, ids=lambda goal: goal.id)
def test_every_goal_page_renders(app, goal):
    page = _page(goal.id)
    assert page["name"] == goal.title and page.get("goal_page") is True
    layout = page["layout"]()
    text = _text(layout)
    assert goal.title in text and goal.statement in text and f"From:  {goal.essay.citation}" in text
    assert {"goal-badge", "goal-rule", "goal-explanation"} <= _ids(layout)
    if isinstance(goal.rule, g.Context):
        assert "Context only" in _text(_find(layout, "goal-rule"))
    graphs = _graphs(layout)
    for i, _m in enumerate(goal.measures):
        graph = _find(layout, f"goal-graph-{i}")
        assert graph is not None
        assert any(len(t.y or []) for t in graph.figure.data), f"measure {i} of {goal.id} has no data drawn"
        sources = [a.text for a in graph.figure.layout.annotations if a.name == "source"]
        assert sources and sources[0].startswith("Source: ") and "data as of" in sources[0]
        assert graph.config["toImageButtonOptions"]["filename"].startswith(f"econsec_{goal.id}")
    assert graphs or goal.id == "no-measures", goal.id
    if goal.caveats:
        assert goal.caveats in _text(_find(layout, "goal-caveats"))
    client = app.server.test_client()
    assert client.get(f"/goal/{goal.id}").status_code == 200


@pytest.mark.parametrize("goal_id", EVENT_PAGES)
def test_events_are_drawn_on_the_timelines(app, goal_id):
    layout = _page(goal_id)["layout"]()
    marked = [
        a.text for graph in _graphs(layout) for a in graph.figure.layout.annotations if a.name == "event"
    ]
    lines = [s for graph in _graphs(layout) for s in graph.figure.layout.shapes if s.name == "event"]
    assert marked and lines and len(marked) == len(lines), goal_id
    assert "goal-events-0" in _ids(layout) or "goal-events-timeline" in _ids(layout)


def test_threshold_page_has_hhi_bands_and_trend_page_its_baseline(app):
    hhi = _find(_page("derisk-critical-minerals")["layout"](), "goal-graph-0").figure
    assert {s.name for s in hhi.layout.shapes} >= {"Highly concentrated (HHI above 2,500)", "ec_flag", "event"}
    assert max(hhi.data[0].y) > 1000  # HHI points, not 0–1
    assert "China export licensing · Apr 2025" in " ".join(a.text for a in hhi.layout.annotations)
    trend = _find(_page("friendshoring")["layout"](), "goal-graph-0").figure
    names = {s.name for s in trend.layout.shapes}
    assert {"baseline", "watch_band"} <= names
    assert any("Baseline 2018" in (a.text or "") for a in trend.layout.annotations)


def test_convergence_and_flexible_strategy_show_the_events_timeline(app):
    for goal_id in ("economic-security-convergence", "flexible-strategy"):
        layout = _page(goal_id)["layout"]()
        timeline = _find(layout, "goal-graph-events").figure
        assert sum(len(t.x) for t in timeline.data) >= 10
        assert "Licensing" in {t.name for t in timeline.data} or "Export licensing" in {t.name for t in timeline.data}
    window = _find(_page("economic-security-convergence")["layout"](), "goal-graph-0").figure
    assert "+69%" in " ".join(a.text or "" for a in window.layout.annotations)


@pytest.mark.parametrize("path", ["/goal/not-a-goal", "/goal/"])
def test_unknown_goal_is_a_page_not_a_traceback(app, path):
    client = app.server.test_client()
    assert client.get(path).status_code == 200
    from dashboard.pages import goal as goal_page

    layout = goal_page.layout(goal_id="not-a-goal")
    assert "No such goal" in _text(layout) and "not-a-goal" in _text(layout)
    assert "goal-unknown" in _ids(layout)
    assert len([c for c in layout.children[-1].children]) == len(g.GOALS)
    catch_all = next(p for p in dash.page_registry.values() if p["path_template"] == "/goal/<goal_id>")
    assert catch_all["order"] > max(_page(goal.id)["order"] for goal in g.GOALS)
    assert "No such goal" in _text(catch_all["layout"]())


def test_goal_pages_stay_out_of_the_navbar_flag(app):
    flagged = [p for p in dash.page_registry.values() if p.get("goal_page")]
    assert len(flagged) == len(g.GOALS) + 1
    assert all(p["path"].startswith("/goal/") for p in flagged)
