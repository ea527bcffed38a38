"""The dashboard in a real browser (Debian's Chromium through Playwright): it draws, the
controls change the charts and the URL, a bookmarked URL restores its view, the console
stays clean and no request leaves the app's own origin (the app must work air-gapped)."""

from __future__ import annotations

import threading
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import parse_qs, urlparse

import pytest
from playwright.sync_api import TimeoutError as PlaywrightTimeoutError
from werkzeug.serving import make_server

from econsec.store import Store
from tests.test_app import write_synthetic_store

pytestmark = pytest.mark.browser

ARTIFACTS = Path(__file__).resolve().parents[1] / "test-artifacts"
CHARTS = ("#sc-graph-hhi", "#sc-graph-suppliers", "#sc-graph-china")


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    return {
        **browser_type_launch_args,
        "executable_path": "/usr/bin/chromium",
        "args": [
            "--no-sandbox",
            "--disable-gpu",
            "--disable-dev-shm-usage",
            "--disable-background-networking",
            "--disable-component-update",
            "--no-first-run",
            "--disable-sync",
        ],
    }


@pytest.fixture(scope="session")
def base_url():
    """Shadows pytest-playwright 0.10's fallback ``base_url``, a fixture defined on a plugin
    instance that pytest 9.2 warns about (PytestRemovedIn10Warning, an error here)."""
    return None


@pytest.fixture(scope="session")
def browser_context_args(browser_context_args):
    return {**browser_context_args, "viewport": {"width": 1400, "height": 1000}}


@contextmanager
def _serve():
    from dashboard.app import create_app

    app = create_app()
    server = make_server("127.0.0.1", 0, app.server, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        thread.join(timeout=10)
        server.server_close()


@pytest.fixture
def live_server():
    """The app on an ephemeral loopback port, reading a synthetic store."""
    write_synthetic_store(Store().path)
    with _serve() as url:
        yield url


@pytest.fixture
def bundled_server():
    """The app reading the bundled snapshot (conftest's data dir stays empty)."""
    with _serve() as url:
        yield url


class Watch:
    """Console errors, page errors and every requested URL of a page."""

    def __init__(self, page, origin: str) -> None:
        self.origin = origin
        self.errors: list[str] = []
        self.requests: list[str] = []
        page.on("console", lambda m: self.errors.append(f"console: {m.text}") if m.type == "error" else None)
        page.on("pageerror", lambda e: self.errors.append(f"pageerror: {e}"))
        page.on("request", lambda r: self.requests.append(r.url))

    def check(self) -> None:
        assert self.errors == []
        foreign = [u for u in self.requests if not u.startswith(self.origin + "/") and not u.startswith("data:")]
        assert foreign == [], f"requests outside {self.origin}: {foreign}"


@pytest.fixture
def watched(page, live_server):
    return page, Watch(page, live_server), live_server


@pytest.fixture
def watched_bundled(page, bundled_server):
    return page, Watch(page, bundled_server), bundled_server


def _wait_for_charts(page) -> None:
    for chart in CHARTS:
        page.wait_for_selector(f"{chart} .main-svg", timeout=20_000)


def _trace(page, chart: str, index: int = 0) -> dict:
    return page.evaluate(
        """([chart, index]) => {
            const gd = document.querySelector(chart + " .js-plotly-plot");
            const t = gd.data[index];
            return {name: t.name, x: Array.from(t.x), y: Array.from(t.y), n: gd.data.length,
                    title: gd.layout.title.subtitle.text};
        }""",
        [chart, index],
    )


def _query(page) -> dict[str, list[str]]:
    return parse_qs(urlparse(page.url).query)


def _idle(page) -> None:
    """Wait until no Dash callback is in flight (controls may be re-rendered by one)."""
    page.wait_for_function("() => !document.querySelector('[data-dash-is-loading=\"true\"]')", timeout=20_000)


def _pick(page, control: str, option: str) -> None:
    """Choose in a Dash dropdown by typing (long option lists are virtualised). On a loaded machine a
    callback can re-render the dropdown, or its option list, between the gesture's steps, so the whole
    gesture is retried (at most five times, each step bounded) until the dropdown shows the option; the
    test's own checks follow."""
    for _ in range(5):
        try:
            _idle(page)
            page.click(control, timeout=5_000)
            page.keyboard.type(option)
            page.get_by_role("option", name=option, exact=True).click(timeout=5_000)
            page.wait_for_function("([c, o]) => document.querySelector(c).innerText.includes(o)",
                                   arg=[control, option], timeout=5_000)
            _idle(page)  # the callbacks the choice sets off (options, content, URL) have answered
            return
        except PlaywrightTimeoutError:
            page.keyboard.press("Escape")
    raise AssertionError(f"could not choose {option!r} in {control}")


def test_product_change_updates_charts_and_url(watched):
    page, watch, base = watched
    page.goto(base + "/concentration")
    _wait_for_charts(page)
    before = _trace(page, "#sc-graph-hhi")
    assert "rare earths" in before["title"]
    assert page.inner_text("#sc-kpi-top") == "China"
    page.wait_for_function("() => window.location.search.includes('product=rare_earths')")

    _pick(page, "#sc-product", "Semiconductors")
    page.wait_for_function(
        """() => {
            const gd = document.querySelector("#sc-graph-hhi .js-plotly-plot");
            return gd && gd.layout.title.subtitle.text.includes("semiconductors");
        }""",
        timeout=20_000,
    )
    _wait_for_charts(page)
    after = _trace(page, "#sc-graph-hhi")
    assert after["y"] != before["y"]
    assert page.inner_text("#sc-kpi-top") != "China"
    page.wait_for_function("() => window.location.search.includes('product=semiconductors')")
    assert _query(page)["product"] == ["semiconductors"]
    assert _query(page)["reporter"] == ["USA"]

    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "supply_concentration_semiconductors.png"), full_page=True)
    watch.check()


def test_bookmarked_url_restores_the_view(watched):
    page, watch, base = watched
    page.goto(base + "/concentration?reporter=USA&product=850511&start=2019&end=2023")
    _wait_for_charts(page)
    assert "850511" in page.inner_text("#sc-product")
    china = _trace(page, "#sc-graph-china")
    assert china["x"] == [2019, 2020, 2021, 2022, 2023]
    assert "HS 850511" in china["title"]
    assert page.inner_text("#sc-notice").strip() == ""
    page.wait_for_timeout(300)
    assert _query(page) == {"reporter": ["USA"], "product": ["850511"], "start": ["2019"], "end": ["2023"]}
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "supply_concentration_default.png"), full_page=True)
    watch.check()


def test_bad_url_shows_a_notice_and_partial_data_an_empty_state(watched):
    page, watch, base = watched
    page.goto(base + "/concentration?reporter=XXX&product=2504")
    _wait_for_charts(page)
    assert "No data for reporter “XXX”" in page.inner_text("#sc-notice")

    page.goto(base + "/concentration?reporter=JPN&product=2504")
    page.wait_for_selector("#sc-empty")
    assert "only the share from China is measurable" in page.inner_text("#sc-empty")
    assert page.query_selector("#sc-graph-hhi") is None
    page.wait_for_selector("#sc-graph-china .main-svg")
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "supply_concentration_partial.png"), full_page=True)
    watch.check()


def test_reporter_change_updates_product_choices(watched):
    page, watch, base = watched
    page.goto(base + "/concentration?reporter=USA&product=850511")
    _wait_for_charts(page)
    _pick(page, "#sc-reporter", "Japan")
    page.wait_for_function("() => window.location.search.includes('reporter=JPN')", timeout=20_000)
    # 850511 is not among Japan's products: the product falls back to the default.
    page.wait_for_function("() => window.location.search.includes('product=rare_earths')", timeout=20_000)
    page.wait_for_function(
        """() => document.querySelector("#sc-graph-hhi .js-plotly-plot")
                   .layout.title.subtitle.text.startsWith("Japan")""",
        timeout=20_000,
    )
    watch.check()


@pytest.mark.parametrize(
    "query, expect",
    [
        ("", "#sc-graph-hhi"),
        ("?reporter=USA&product=850511", "#sc-graph-hhi"),
        ("?reporter=JPN&product=graphite", "#sc-empty"),
    ],
)
def test_bundled_snapshot_pages(watched_bundled, query, expect):
    """The real data: charts (or the partial-breakdown notice) and a clean console."""
    page, watch, base = watched_bundled
    page.goto(base + "/concentration" + query)
    page.wait_for_selector("#sc-graph-china .main-svg", timeout=20_000)
    page.wait_for_selector(expect)
    assert "bundled snapshot" in page.inner_text("#footer-data")
    ARTIFACTS.mkdir(exist_ok=True)
    name = "bundled_" + (query.replace("?", "").replace("&", "_").replace("=", "-") or "default")
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)
    watch.check()


def test_every_registered_page_from_the_navbar(watched_bundled):
    """Each page in the registry opens from the navbar link, renders, and stays on the app's origin."""
    import dash

    from dashboard import app as dashboard_app

    dashboard_app.create_app()
    page, watch, base = watched_bundled
    ARTIFACTS.mkdir(exist_ok=True)
    for entry in (p for p in dash.page_registry.values() if not p.get("goal_page")):
        page.goto(base + "/")
        page.get_by_role("link", name=entry["name"], exact=True).click()
        page.wait_for_url(base + entry["relative_path"])
        page.wait_for_selector("#main h1, #main h2, #main .card", timeout=20_000)
        slug = entry["relative_path"].strip("/") or "home"
        page.screenshot(path=str(ARTIFACTS / f"page_{slug}.png"), full_page=True)
    page.goto(base + "/sources")
    page.wait_for_selector("#sources-table")
    assert "UN Comtrade" in page.inner_text("#sources-table")
    watch.check()
