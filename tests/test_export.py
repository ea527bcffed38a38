"""Briefing exports through kaleido and Debian's Chromium, on the bundled snapshot: every format at
every size opens and has the requested size, the PDF's text carries the title and source line, the
exported figure is the page's figure, the pack has a cover, the scorecard and one page (slide) per goal,
file names are safe, and a missing browser is a clear error."""

from __future__ import annotations

import io
import re
import xml.etree.ElementTree as ET

import dash
import pytest
from click.testing import CliRunner
from PIL import Image
from pptx import Presentation
from pypdf import PdfReader

from dashboard import briefing, chart_data, charts, images
from dashboard.cli import main
from indicators import goals as g

GOAL = "derisk-critical-minerals"


@pytest.fixture(scope="module", autouse=True)
def _one_browser():
    """One Chromium for the module, closed at its end (as a process would at exit)."""
    yield
    images.stop()


@pytest.fixture(scope="module")
def chart() -> charts.Chart:
    return charts.goal_charts(GOAL)[0]


def _pdf_text(content: bytes) -> list[str]:
    return [re.sub(r"\s+", " ", page.extract_text() or "") for page in PdfReader(io.BytesIO(content)).pages]


@pytest.mark.parametrize("size_id", list(images.SIZES))
@pytest.mark.parametrize("fmt", images.FORMATS)
def test_each_format_opens_at_the_requested_size(chart, fmt, size_id):
    content = images.render(chart.figure, fmt, size_id)
    size = images.SIZES[size_id]
    if fmt == "png":
        with Image.open(io.BytesIO(content)) as image:
            image.verify()
            assert image.format == "PNG" and image.size == size.pixels("png")
            assert image.size[0] >= 2400  # high resolution: a slide at 2×, paper at 300 dpi
    elif fmt == "svg":
        root = ET.fromstring(content)
        assert root.tag.endswith("svg")
        assert (float(root.get("width")), float(root.get("height"))) == (size.width, size.height)
    else:
        reader = PdfReader(io.BytesIO(content))
        assert len(reader.pages) == 1
        box = reader.pages[0].mediabox
        # Chromium prints CSS pixels at 72/96 points each.
        assert (round(float(box.width)), round(float(box.height))) == (round(size.width * 0.75),
                                                                      round(size.height * 0.75))
        text = _pdf_text(content)[0]
        assert "Supplier concentration of US rare-earth imports" in text
        assert "Source: UN Comtrade" in text and "data as of" in text
        assert "Goal: Derisk critical-mineral supply chains" in text
        assert "HS 280530" in text  # the product's codes, a footnote


def test_the_exported_figure_is_the_one_the_page_draws():
    from dashboard.app import create_app

    create_app()  # registers the pages (Dash Pages needs an app first)
    from dashboard.pages import goal as goal_page
    from dashboard.pages import supply_concentration as sc_page

    def graphs(component) -> dict:
        found = {}
        if isinstance(component, dash.dcc.Graph):
            found[chart_data.graph_key(component)] = component.figure
        children = getattr(component, "children", None)
        for child in children if isinstance(children, list) else [children]:
            if child is not None and hasattr(child, "to_plotly_json"):
                found.update(graphs(child))
        return found

    on_page = graphs(goal_page.layout(goal_id=GOAL))
    exported = charts.goal_charts(GOAL)
    assert len(exported) == 2
    for i, c in enumerate(exported):
        assert on_page[f"goal-graph-{i}"].to_plotly_json() == c.figure.to_plotly_json()

    page = graphs(dash.html.Div(sc_page.content("USA", "rare_earths", 2018, 2025)))
    built = charts.concentration_charts("USA", "rare_earths", 2018, 2025)
    for kind in ("hhi", "suppliers", "china"):
        assert page[f"sc-graph-{kind}"].to_plotly_json() == built[kind].figure.to_plotly_json()


def test_charts_carry_goal_essay_codes_and_method_in_the_figure(chart):
    notes = next(a.text for a in chart.figure.layout.annotations if a.name == "notes").replace("<br>", " ")
    assert "Goal: Derisk critical-mineral supply chains — Shihoko Goto and Lucas Myers" in notes
    assert "Rare earths: HS 280530, 284610, 284690." in notes
    assert notes.count("Method: Herfindahl–Hirschman index") == 1
    source = next(a.text for a in chart.figure.layout.annotations if a.name == "source")
    assert source.startswith("Source: UN Comtrade")


def test_cli_exports_goal_and_indicator_charts_with_safe_names(tmp_path):
    runner = CliRunner()
    result = runner.invoke(main, ["export", "chart", "--goal", GOAL, "--format", "png", "--format", "pdf",
                                  "--out", str(tmp_path / "out")])
    assert result.exit_code == 0, result.output
    written = sorted(p.name for p in (tmp_path / "out").iterdir())
    assert written == [f"econsec_{GOAL}_{i}.{ext}" for i in (1, 2) for ext in ("pdf", "png")]
    result = runner.invoke(main, ["export", "chart", "--indicator", "china_share", "--product", "rare_earths",
                                  "--start", "2019", "--end", "2024", "--format", "svg", "--size", "half-a4",
                                  "--out", str(tmp_path / "out")])
    assert result.exit_code == 0, result.output
    svg = tmp_path / "out" / "econsec_usa_rare_earths_2019-2024_china_share.svg"
    assert result.output.strip() == str(svg)
    root = ET.fromstring(svg.read_bytes())
    assert (float(root.get("width")), float(root.get("height"))) == (794, 561)
    result = runner.invoke(main, ["export", "chart", "--indicator", "rd_intensity", "--reporter", "JPN",
                                  "--product", "GB.XPD.RSDV.GD.ZS", "--out", str(tmp_path / "wb")])
    assert result.exit_code == 0, result.output
    [png] = list((tmp_path / "wb").iterdir())
    assert re.fullmatch(r"econsec_[a-z0-9_-]+\.png", png.name)
    with Image.open(png) as image:
        assert image.size == (2560, 1440)


@pytest.mark.parametrize(
    ("args", "code", "message"),
    [
        (["--goal", "nope"], 1, "unknown goal 'nope'"),
        ([], 2, "give either --goal ID or --indicator ID"),
        (["--goal", GOAL, "--indicator", "hhi"], 2, "give either --goal ID or --indicator ID"),
        (["--indicator", "nope"], 1, "unknown indicator 'nope'"),
        (["--indicator", "hhi", "--reporter", "../etc"], 1, "is not an ISO3 code"),
        (["--indicator", "hhi", "--product", "a/b"], 1, "is not a product group id"),
        (["--indicator", "hhi", "--start", "2024", "--end", "2019"], 1, "--start 2024 is after --end 2019"),
        (["--indicator", "hhi", "--reporter", "FRA", "--product", "rare_earths"], 1, "no Supplier concentration"),
        (["--goal", GOAL, "--format", "gif"], 2, "'gif' is not one of"),
        (["--goal", GOAL, "--size", "a3"], 2, "'a3' is not one of"),
    ],
)
def test_cli_bad_requests_are_clear_errors(tmp_path, args, code, message):
    result = CliRunner().invoke(main, ["export", "chart", *args, "--out", str(tmp_path)])
    assert result.exit_code == code
    assert message in result.output
    assert "Traceback" not in result.output
    assert list(tmp_path.iterdir()) == []


def test_pack_has_cover_scorecard_and_one_page_per_goal(tmp_path):
    pages = briefing.goal_pages()
    assert [p.goal.id for p in pages] == [goal.id for goal in g.GOALS]
    pdf = briefing.pdf(pages)
    text = _pdf_text(pdf)
    assert len(text) == 2 + len(g.GOALS)
    assert "econsec briefing pack" in text[0] and re.search(r"Data as of \d{4}-\d{2}-\d{2}", text[0])
    assert "Scorecard" in text[1]
    for goal, page_text in zip(g.GOALS, text[2:], strict=True):
        assert goal.title in page_text
        assert goal.essay.authors[0] in page_text
        assert briefing.status_word(next(p for p in pages if p.goal is goal).status.status) in page_text
    with_chart = [p for p in pages if p.chart_png]
    assert len(with_chart) == len(g.GOALS)  # every goal has a measure or the events timeline
    assert "Source: UN Comtrade" in text[2]

    deck = Presentation(io.BytesIO(briefing.pptx(pages)))
    slides = list(deck.slides)
    assert len(slides) == 2 + len(g.GOALS)
    assert (deck.slide_width, deck.slide_height) == (12192000, 6858000)  # 16:9
    for goal, slide in zip(g.GOALS, slides[2:], strict=True):
        texts = " ".join(s.text_frame.text for s in slide.shapes if s.has_text_frame)
        assert goal.title in texts and goal.statement in texts
        assert any(s.shape_type == 13 for s in slide.shapes)  # the chart, as a picture
    scorecard = slides[1].shapes
    table = next(s for s in scorecard if s.has_table).table
    assert len(table.rows) == 1 + len(g.GOALS)

    result = CliRunner().invoke(main, ["export", "pack", "--out", str(tmp_path / "brief.pdf"), "--goal", GOAL])
    assert result.exit_code == 0, result.output
    assert len(PdfReader(tmp_path / "brief.pdf").pages) == 3
    result = CliRunner().invoke(main, ["export", "pack", "--out", str(tmp_path / "brief.docx")])
    assert result.exit_code == 1 and "written as .pdf or .pptx" in result.output


def test_a_figure_from_the_browser_is_validated_before_it_is_drawn(chart):
    with pytest.raises(images.ExportError, match="not a valid plotly figure"):
        images.sized({"data": [{"type": "no-such-trace"}]})
    with pytest.raises(images.ExportError, match="not a chart that can be exported"):
        images.sized(["not", "a", "figure"])
    with pytest.raises(images.ExportError, match="larger than 5 MB"):
        images.sized({"data": [{"type": "scatter", "name": "x" * (images.MAX_FIGURE_TEXT + 1)}]})
    figure = chart.figure.to_plotly_json()
    figure["layout"]["images"] = [{"source": "file:///etc/passwd", "xref": "paper", "yref": "paper"}]
    assert images.sized(figure).layout.images == ()
    # The button callback: an unknown format or a malformed figure gives no file.
    assert chart_data.image_download({"graph": "x", "format": "exe"}, [1], figure) == (dash.no_update,) * 2
    assert chart_data.image_download({"graph": "x", "format": "png"}, [1], "junk") == (dash.no_update,) * 2
    data, error = chart_data.image_download({"graph": "../../etc", "format": "svg"}, [1], figure)
    assert error == "" and data["filename"] == "econsec_chart_supplier_concentration_of_us_rare-earth.svg"
    assert data["content"]


def test_no_browser_is_a_clear_error_saying_how_to_install_one(monkeypatch, tmp_path, chart):
    images.stop()
    monkeypatch.setenv("BROWSER_PATH", str(tmp_path / "no-chromium"))
    with pytest.raises(images.ExportError, match=r"needs a Chromium browser.*apt-get install -y chromium"):
        images.render(chart.figure, "png")
    result = CliRunner().invoke(main, ["export", "chart", "--goal", GOAL, "--out", str(tmp_path / "out")])
    assert result.exit_code == 1
    assert "apt-get install -y chromium" in result.output and "Traceback" not in result.output
    _, error = chart_data.image_download({"graph": "g", "format": "png"}, [1], chart.figure.to_plotly_json())
    assert error.startswith("No image: image export needs a Chromium browser")


def test_safe_names_never_leave_the_folder():
    assert images.safe_name("../../etc/passwd", "png") == "econsec_etc_passwd.png"
    assert images.safe_name("", "pdf") == "econsec_chart.pdf"
    with pytest.raises(images.ExportError, match="unknown image format"):
        images.safe_name("x", "sh")
    assert briefing.file_name("pdf").startswith("econsec_briefing_")
