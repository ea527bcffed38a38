"""The Explorer and Alliance pages in a real browser (Debian's Chromium through Playwright), on the
bundled snapshot: controls change the charts and the URL, a reloaded URL restores the view, the map
draws from the locally served topojson with no request leaving the origin, the CSV download holds
the rows, and the console stays clean."""

from __future__ import annotations

import csv
import io
from pathlib import Path
from urllib.parse import parse_qs, urlparse

import pytest

from tests.test_browser import (  # noqa: F401  (fixtures, shared with the other browser tests)
    ARTIFACTS,
    Watch,
    _pick,
    _serve,
    base_url,
    browser_context_args,
    browser_type_launch_args,
)

pytestmark = pytest.mark.browser


@pytest.fixture
def explorer(page):
    """A page on the app reading the bundled snapshot, watched for errors and foreign requests."""
    with _serve() as url:
        yield page, Watch(page, url), url


def _query(page) -> dict[str, list[str]]:
    return parse_qs(urlparse(page.url).query)


def _wait_for_charts(page) -> None:
    for chart in ("#ex-graph-suppliers", "#ex-graph-map"):
        page.wait_for_selector(f"{chart} .main-svg", timeout=20_000)


def _chart(page, chart: str) -> dict:
    return page.evaluate(
        """(chart) => {
            const gd = document.querySelector(chart + " .js-plotly-plot");
            return {names: gd.data.map(t => t.name), subtitle: gd.layout.title.subtitle.text,
                    title: gd.layout.title.text,
                    locations: gd.data[0].locations ? Array.from(gd.data[0].locations) : null};
        }""",
        chart,
    )


def test_controls_change_charts_url_and_reload_restores(explorer):
    page, watch, base = explorer
    page.goto(base + "/explorer")
    _wait_for_charts(page)
    before = _chart(page, "#ex-graph-suppliers")
    assert "rare earths" in before["subtitle"]
    page.wait_for_function("() => window.location.search.includes('product=rare_earths')")

    _pick(page, "#ex-product", "Semiconductors")
    page.wait_for_function(
        """() => document.querySelector("#ex-graph-suppliers .js-plotly-plot")
                   .layout.title.subtitle.text.includes("semiconductors")""",
        timeout=20_000,
    )
    after = _chart(page, "#ex-graph-suppliers")
    assert after["names"] != before["names"]
    page.wait_for_function("() => window.location.search.includes('product=semiconductors')")

    _pick(page, "#ex-reporter", "Japan")
    page.wait_for_function("() => window.location.search.includes('reporter=JPN')", timeout=20_000)
    # Semiconductors are not among Japan's products: the product falls back to all goods.
    page.wait_for_function(
        """() => document.querySelector("#ex-graph-suppliers .js-plotly-plot")
                   .layout.title.subtitle.text.startsWith("Japan, imports of all goods")""",
        timeout=20_000,
    )
    _pick(page, "#ex-partner", "South Korea")
    page.wait_for_function("() => window.location.search.includes('partner=KOR')", timeout=20_000)
    page.wait_for_selector("#ex-partner-line")
    query = _query(page)
    assert query["reporter"] == ["JPN"] and query["product"] == ["TOTAL"] and query["partner"] == ["KOR"]

    page.reload()
    _wait_for_charts(page)
    restored = _chart(page, "#ex-graph-suppliers")
    assert restored["subtitle"].startswith("Japan, imports of all goods")
    assert any("South Korea" in n for n in restored["names"])
    assert "Japan" in page.inner_text("#ex-reporter")
    assert page.inner_text("#ex-notice").strip() == ""
    watch.check()


def test_map_draws_offline_and_csv_downloads(explorer):
    page, watch, base = explorer
    page.goto(base + "/explorer?reporter=USA&product=rare_earths&partner=KOR&start=2019&end=2024&top=5")
    _wait_for_charts(page)
    # The countries are drawn (the topojson arrived) and it came from this origin.
    page.wait_for_selector("#ex-graph-map .choroplethlocation", timeout=20_000)
    assert page.locator("#ex-graph-map .choroplethlocation").count() > 10
    assert any(u.endswith("/assets/topojson/world_110m.json") for u in watch.requests)
    assert "2024" in _chart(page, "#ex-graph-map")["title"]

    with page.expect_download() as info:
        page.click("#ex-csv-button")
    download = info.value
    assert download.suggested_filename == "econsec_usa_rare_earths_2019-2024.csv"
    text = Path(download.path()).read_text(encoding="utf-8")
    rows = list(csv.DictReader(io.StringIO(text)))
    assert rows and set(rows[0]) >= {"period", "partner", "partner_name", "value_usd", "share", "rank"}
    assert {r["period"] for r in rows} == {str(y) for y in range(2019, 2025)}
    assert any(r["partner"] == "CHN" for r in rows)

    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "explorer.png"), full_page=True)
    watch.check()


def test_bad_url_and_empty_state(explorer):
    page, watch, base = explorer
    page.goto(base + "/explorer?reporter=XXX&product=nope&top=99")
    _wait_for_charts(page)
    notice = page.inner_text("#ex-notice")
    assert "No data for reporter “XXX”" in notice and "Unknown product “nope”" in notice

    page.goto(base + "/explorer?reporter=JPN&product=280530")
    page.wait_for_selector("#ex-empty")
    assert "No data for Japan's imports of HS 280530 in the bundled snapshot — run econsec refresh" in (
        page.inner_text("#ex-empty")
    )
    assert page.is_disabled("#ex-csv-button")
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "explorer_empty.png"), full_page=True)
    watch.check()


def test_alliance_page(explorer):
    page, watch, base = explorer
    page.goto(base + "/alliance")
    for key in ("china-share", "concentration", "friend-share", "exposure", "innovation", "bilateral", "bloc"):
        page.wait_for_selector(f"#al-graph-{key} .main-svg", timeout=20_000)
    assert "Not measurable" in page.inner_text("#al-panel-innovation")
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "alliance.png"), full_page=True)
    watch.check()
