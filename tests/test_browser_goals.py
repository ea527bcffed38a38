"""The Overview and a goal page in a real browser (bundled snapshot): click a card, the goal page
draws its charts, back returns to the Overview; the console stays clean and no request leaves
127.0.0.1. Screenshots in test-artifacts/ (overview.png, goal_derisk-critical-minerals.png)."""

from __future__ import annotations

import pytest

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


def test_card_opens_goal_page_and_back(watched_bundled):  # noqa: F811
    page, watch, base = watched_bundled
    page.goto(base + "/")
    page.wait_for_selector("#card-derisk-critical-minerals")
    page.wait_for_selector("#ov-spark-derisk-critical-minerals .main-svg", timeout=20_000)
    assert "Off track" in page.inner_text("#ov-badge-derisk-critical-minerals")
    assert page.locator(".goal-overview-card").count() == 15
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "overview.png"), full_page=True)

    page.click("#card-derisk-critical-minerals")  # the whole card is the link (stretched-link)
    page.wait_for_url(base + "/goal/derisk-critical-minerals")
    for graph in ("#goal-graph-0", "#goal-graph-1"):
        page.wait_for_selector(f"{graph} .main-svg", timeout=20_000)
    n = page.evaluate("() => document.querySelector('#goal-graph-0 .js-plotly-plot').data[0].y.length")
    assert n >= 5
    assert "China export licensing" in page.inner_text("#goal-graph-0")
    page.screenshot(path=str(ARTIFACTS / "goal_derisk-critical-minerals.png"), full_page=True)

    page.go_back()
    page.wait_for_url(base + "/")
    page.wait_for_selector("#card-reduce-vulnerability")
    watch.check()


def test_convergence_page_and_unknown_goal(watched_bundled):  # noqa: F811
    page, watch, base = watched_bundled
    page.goto(base + "/goal/economic-security-convergence")
    page.wait_for_selector("#goal-graph-events .main-svg", timeout=20_000)
    page.wait_for_selector("#goal-graph-0 .main-svg", timeout=20_000)
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "goal_economic-security-convergence.png"), full_page=True)
    page.goto(base + "/goal/friendshoring")
    page.wait_for_selector("#goal-graph-1 .main-svg", timeout=20_000)
    page.screenshot(path=str(ARTIFACTS / "goal_friendshoring.png"), full_page=True)
    page.goto(base + "/goal/no-such-thing")
    page.wait_for_selector("#goal-unknown")
    assert "no-such-thing" in page.inner_text("#goal-unknown")
    watch.check()
