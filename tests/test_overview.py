"""The Overview: a card per goal of the registry, each linking to a page that exists, badges with
text, and summary counts equal to the stored goal_status table (the bundled snapshot)."""

from __future__ import annotations

import dash
import pytest

from econsec.store import Store, bundled_snapshot_dir
from indicators import goals as g
from indicators import status as st
from tests.test_app import _find, _ids, _text, synthetic_tables

pytestmark = pytest.mark.skipif(
    not (bundled_snapshot_dir() / "manifest.json").is_file(), reason="the bundled snapshot is not built yet"
)


@pytest.fixture
def app():
    from dashboard.app import create_app

    return create_app()


def _overview():
    return next(p for p in dash.page_registry.values() if p["path"] == "/")


def _links(component, found=None) -> list[str]:
    found = [] if found is None else found
    if isinstance(component, (list, tuple)):
        for c in component:
            _links(c, found)
    elif hasattr(component, "to_plotly_json"):
        if getattr(component, "href", None):
            found.append(component.href)
        _links(getattr(component, "children", None), found)
    return found


def test_overview_is_the_home_page(app):
    page = _overview()
    assert page["name"] == "Overview" and page["order"] == 0
    assert page["module"] == "dashboard.pages.overview"


def test_every_goal_has_a_card_linking_to_an_existing_page(app):
    layout = _overview()["layout"]()
    ids = _ids(layout)
    paths = {p["path"] for p in dash.page_registry.values()}
    for goal in g.GOALS:
        card = _find(layout, f"card-{goal.id}")
        assert card is not None, goal.id
        links = _links(card)
        assert links == [f"/goal/{goal.id}"], links
        assert links[0] in paths
        assert goal.title in _text(card)
        assert f"ov-badge-{goal.id}" in ids


def test_badges_carry_text_and_icon(app):
    layout = _overview()["layout"]()
    stored = Store().read("goal_status").drop_duplicates("goal").set_index("goal")["status"]
    for goal in g.GOALS:
        badge = _find(layout, f"ov-badge-{goal.id}")
        text, icon = badge.children[0].children, badge.children[1].children
        expected = {"on track": "On track", "watch": "Watch", "off track": "Off track", "context": "Context",
                    "no data": "No data"}[stored[goal.id]]
        assert text == expected and icon


def test_summary_counts_equal_the_stored_table(app):
    layout = _overview()["layout"]()
    stored = Store().read("goal_status").drop_duplicates("goal")["status"].value_counts()
    for i, status in enumerate(st.STATUSES):
        assert _find(layout, f"ov-count-{i}").children == str(int(stored.get(status, 0))), status
    assert sum(int(_find(layout, f"ov-count-{i}").children) for i in range(len(st.STATUSES))) == len(g.GOALS)


def test_headline_value_change_sparkline_and_notes(app):
    layout = _overview()["layout"]()
    card = _text(_find(layout, "card-reduce-vulnerability"))
    assert "73.2%" in card and "in 2024" in card and "-0.5 pts since 2019" in card
    spark = _find(layout, "ov-spark-derisk-critical-minerals")
    assert spark.config["staticPlot"] is True and len(spark.figure.data[0].y) >= 2
    assert not spark.figure.layout.xaxis.visible
    notes = _text(_find(layout, "ov-notes"))
    assert "bundled snapshot" in notes and "data as of 20" in notes
    # Themes in registry order.
    text = _text(layout)
    assert [text.index(t) for t in g.THEMES] == sorted(text.index(t) for t in g.THEMES)


def test_statuses_are_read_not_recomputed(app, monkeypatch):
    def boom(*a, **k):
        raise AssertionError("statuses must be read from the stored table")

    monkeypatch.setattr(st, "evaluate", boom)
    monkeypatch.setattr(st, "evaluate_all", boom)
    assert "card-derisk-critical-minerals" in _ids(_overview()["layout"]())


def test_store_without_goal_status_says_so(app):
    tables, manifest = synthetic_tables()
    Store().write(tables, manifest, replace_all=True)  # no goal_status table
    layout = _overview()["layout"]()
    assert "ov-error" in _ids(layout)
    assert "econsec refresh" in _text(layout)


def test_store_with_no_data_statuses(app):
    tables, manifest = synthetic_tables()
    tables["goal_status"] = st.table(tables["indicators"].assign(partner=""))
    Store().write(tables, manifest, replace_all=True)
    layout = _overview()["layout"]()
    counts = {s: int(_find(layout, f"ov-count-{i}").children) for i, s in enumerate(st.STATUSES)}
    assert sum(counts.values()) == len(g.GOALS) and counts["no data"] > 0
    assert "No data" in _text(_find(layout, "card-tech-cooperation"))
    assert "Off track" in _text(_find(layout, "card-derisk-critical-minerals"))  # synthetic rare-earth HHI
