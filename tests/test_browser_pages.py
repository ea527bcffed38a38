"""Every page of ``dash.page_registry`` in a real browser (bundled snapshot, one browser page reused):
it draws its main content and every chart, the console stays clean, no request leaves the origin;
a screenshot of each goes to test-artifacts/page_<slug>.png. Plus a chart's "Download data (CSV)"
and the path an analyst takes: a scorecard card, its goal page, then the Explorer on that goal's data."""

from __future__ import annotations

import csv
import io
from pathlib import Path
from urllib.parse import parse_qs, urlparse

import dash
import pytest

from dashboard import explore
from tests.test_browser import (  # noqa: F401, F811 - fixtures
    ARTIFACTS,
    Watch,
    base_url,
    browser_context_args,
    browser_type_launch_args,
    bundled_server,
    watched_bundled,
)

pytestmark = pytest.mark.browser

UNKNOWN_GOAL = "no-such-goal"
#: The main content of the app's fixed pages (goal pages: ``#goal-page-<id>``; unknown goal: ``#goal-unknown``).
MAIN = {
    "/": "#card-derisk-critical-minerals",
    "/concentration": "#sc-kpis",
    "/explorer": "#ex-content",
    "/alliance": "#al-panel-china_share, #_pages_content .chart-with-data",
    "/sources": "#sources-table",
}
#: True once the page has content and every dcc.Graph on it has drawn.
ALL_CHARTS_DRAWN = """() => {
    const root = document.querySelector('#_pages_content');
    if (!root || !root.children.length) return false;
    const graphs = root.querySelectorAll('.dash-graph');
    return Array.from(graphs).every(g => g.querySelector('.main-svg'));
}"""


def _targets() -> list[tuple[str, str, str]]:
    """``(url path, main-content selector, screenshot slug)`` for every registered page."""
    out = []
    for page in dash.page_registry.values():
        if page.get("path_template"):
            path = page["path_template"].replace("<goal_id>", UNKNOWN_GOAL)
            out.append((path, "#goal-unknown", "goal_unknown"))
        elif page["path"].startswith("/goal/"):
            goal_id = page["path"].removeprefix("/goal/")
            out.append((page["path"], f"#goal-page-{goal_id}", explore.slug(page["path"])))
        else:
            main = MAIN.get(page["path"], "#_pages_content h1")
            out.append((page["path"], main, explore.slug(page["path"], "overview")))
    return out


def test_every_registered_page(watched_bundled):  # noqa: F811
    page, watch, base = watched_bundled
    targets = _targets()
    assert sum(1 for path, _, _ in targets if path.startswith("/goal/")) == 16  # 15 goals + the catch-all
    ARTIFACTS.mkdir(exist_ok=True)
    problems: dict[str, list[str]] = {}
    for path, selector, slug in targets:
        watch.errors.clear()
        watch.requests.clear()
        page.goto(base + path)
        page.wait_for_selector(selector, timeout=20_000)
        page.wait_for_function(ALL_CHARTS_DRAWN, timeout=20_000)
        if slug == "goal_unknown":
            assert UNKNOWN_GOAL in page.inner_text("#goal-unknown")
        else:
            graphs = page.locator("#_pages_content .dash-graph").count()
            assert graphs == page.locator("#_pages_content .js-plotly-plot").count(), path
        page.screenshot(path=str(ARTIFACTS / f"page_{slug}.png"), full_page=True)
        foreign = [u for u in watch.requests if not u.startswith(base + "/") and not u.startswith("data:")]
        if watch.errors or foreign:
            problems[path] = watch.errors + [f"request outside origin: {u}" for u in foreign]
    assert problems == {}


def test_chart_data_download(watched_bundled):  # noqa: F811
    page, watch, base = watched_bundled
    page.goto(base + "/goal/derisk-critical-minerals")
    page.wait_for_selector("#goal-graph-0 .main-svg", timeout=20_000)
    button = page.locator("#goal-graph-0 .chart-csv-button")
    assert button.inner_text() == "Download data (CSV)"
    with page.expect_download() as info:
        button.click()
    download = info.value
    name = download.suggested_filename
    assert name.startswith("econsec_goal-graph-0_") and name.endswith(".csv")
    rows = list(csv.DictReader(io.StringIO(Path(download.path()).read_text(encoding="utf-8"), newline="")))
    drawn = page.evaluate("() => document.querySelector('#goal-graph-0 .js-plotly-plot').data.length")
    assert rows and list(rows[0]) == ["series", "x", "y", "source"] and drawn >= 1
    assert all(r["source"].startswith("Source: ") for r in rows)
    assert {r["x"] for r in rows} >= {"2018", "2025"}
    watch.check()


def test_scorecard_to_goal_to_explorer(watched_bundled):  # noqa: F811
    page, watch, base = watched_bundled
    page.goto(base + "/")
    page.wait_for_selector("#card-derisk-critical-minerals")
    page.click("#card-derisk-critical-minerals")
    page.wait_for_url(base + "/goal/derisk-critical-minerals")
    link = page.locator("#goal-explore-0")
    assert link.inner_text() == "Explore the suppliers behind this"
    link.click()
    page.wait_for_url(lambda url: urlparse(url).path == "/explorer", timeout=20_000)
    query = parse_qs(urlparse(page.url).query)
    assert query == {"reporter": ["USA"], "product": ["rare_earths"], "start": ["2018"], "end": ["2025"]}
    page.wait_for_selector("#ex-graph-suppliers .main-svg", timeout=20_000)
    assert "United States" in page.inner_text("#ex-reporter")
    assert "Rare earths" in page.inner_text("#ex-product")
    subtitle = page.evaluate(
        "() => document.querySelector('#ex-graph-suppliers .js-plotly-plot').layout.title.subtitle.text"
    )
    assert "rare earths" in subtitle and "2018" in subtitle and "2025" in subtitle
    assert page.inner_text("#ex-notice").strip() == ""
    watch.check()
