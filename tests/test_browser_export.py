"""The export buttons in a real browser (bundled snapshot): a chart's SVG button downloads the chart
as the page draws it, at the slide size; the Overview's briefing-pack button downloads a PDF with a
cover, the scorecard and one page per goal. The console stays clean; no request leaves 127.0.0.1."""

from __future__ import annotations

import xml.etree.ElementTree as ET

import pytest
from pypdf import PdfReader

from dashboard import images
from indicators import goals as g
from tests.test_browser import (  # noqa: F401, F811 - fixtures
    Watch,
    base_url,
    browser_context_args,
    browser_type_launch_args,
    bundled_server,
    watched_bundled,
)

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module", autouse=True)
def _close_export_browser():
    yield
    images.stop()


def test_chart_image_button_downloads_the_chart(watched_bundled, tmp_path):  # noqa: F811
    page, watch, base = watched_bundled
    page.goto(base + "/goal/derisk-critical-minerals")
    page.wait_for_selector("#goal-graph-0 .main-svg", timeout=20_000)
    button = page.locator("#goal-graph-0 .chart-image-button", has_text="SVG")
    with page.expect_download(timeout=60_000) as download:
        button.click()
    assert download.value.suggested_filename == "econsec_goal-graph-0_supplier_concentration_of_us_rare-earth.svg"
    path = tmp_path / "chart.svg"
    download.value.save_as(path)
    root = ET.fromstring(path.read_bytes())
    assert (float(root.get("width")), float(root.get("height"))) == (1280, 720)
    text = " ".join("".join(t.itertext()) for t in root.iter() if t.tag.endswith("}text"))
    assert "Supplier concentration of US rare-earth imports" in text and "Source: UN Comtrade" in text
    watch.check()


def test_overview_pack_button_downloads_the_briefing_pack(watched_bundled, tmp_path):  # noqa: F811
    page, watch, base = watched_bundled
    page.goto(base + "/")
    page.wait_for_selector("#card-derisk-critical-minerals")
    with page.expect_download(timeout=180_000) as download:
        page.get_by_role("button", name="Briefing pack (PDF)").click()
    assert download.value.suggested_filename.startswith("econsec_briefing_")
    path = tmp_path / "pack.pdf"
    download.value.save_as(path)
    assert len(PdfReader(path).pages) == 2 + len(g.GOALS)
    assert page.inner_text("#ov-pack-error").strip() == ""
    watch.check()
