"""Figure builders on small hand-made frames."""

from __future__ import annotations

import pandas as pd
import pytest

from dashboard import figures, images

SOURCE = "Source: UN Comtrade, US-reported imports; data as of 2026-11-22."


def _annotation_texts(fig) -> list[str]:
    return [a.text or "" for a in fig.layout.annotations]


def _shares(rows: dict[str, list[float]], periods=("2022", "2023")) -> pd.DataFrame:
    """``{partner: [share per period]}`` -> shares frame with values = share × 1e6."""
    out = []
    for partner, values in rows.items():
        for period, share in zip(periods, values, strict=True):
            out.append({"period": period, "partner": partner, "share": share, "value_usd": share * 1e6})
    return pd.DataFrame(out)


def test_hhi_figure_shows_points_on_the_doj_ftc_bands_with_the_ec_flag():
    frame = pd.DataFrame(
        {
            "indicator": ["hhi", "hhi", "china_share"],
            "period": ["2023", "2022", "2022"],
            "value": [0.62, 0.5, 0.9],
        }
    )
    fig = figures.hhi_figure(frame, source_line=SOURCE)
    (trace,) = fig.data
    assert list(trace.x) == [2022, 2023]
    assert list(trace.y) == pytest.approx([5000, 6200])
    bands = [(s.y0, s.y1) for s in fig.layout.shapes if s.type == "rect"]
    assert bands[:2] == [(0, 1500), (1500, 2500)] and bands[2][0] == 2500
    (flag,) = [s for s in fig.layout.shapes if s.type == "line"]
    assert flag.y0 == flag.y1 == 4000 and flag.line.dash == "dash"
    texts = _annotation_texts(fig)
    assert "Low<br>&lt;1,500" in texts and "Moderate<br>1,500–2,500" in texts and "High<br>&gt;2,500" in texts
    assert "EC flag<br>4,000" in texts
    assert SOURCE in texts
    assert fig.layout.yaxis.range[1] >= 6200


@pytest.mark.parametrize(
    "points, band",
    [
        (900, "Unconcentrated"),
        (1500, "Moderately concentrated"),
        (2600, "Highly concentrated"),
        (10_000, "Highly concentrated"),
    ],
)
def test_hhi_band_is_text(points, band):
    assert figures.hhi_band(points) == band


def test_area_figure_groups_beyond_top_five_into_other():
    shares = _shares(
        {
            "CHN": [0.5, 0.4],
            "JPN": [0.1, 0.2],
            "DEU": [0.1, 0.1],
            "KOR": [0.1, 0.1],
            "VNM": [0.08, 0.1],
            "EST": [0.07, 0.05],
            "FRA": [0.05, 0.05],
        }
    )
    fig = figures.supplier_area_figure(shares, source_line=SOURCE)
    names = [t.name for t in fig.data]
    assert names[-1] == "Other" and len(names) == 6
    assert "Estonia" not in names and "France" not in names
    assert names[0] == "China"
    other = fig.data[-1]
    assert list(other.y) == pytest.approx([12.0, 10.0])
    for t in fig.data:
        assert t.stackgroup == "suppliers"
    totals = [sum(t.y[i] for t in fig.data) for i in range(2)]
    assert totals == pytest.approx([100.0, 100.0])
    assert SOURCE in _annotation_texts(fig)


def test_area_figure_without_other_when_five_or_fewer():
    fig = figures.supplier_area_figure(_shares({"CHN": [0.7, 0.6], "JPN": [0.3, 0.4]}))
    assert [t.name for t in fig.data] == ["China", "Japan"]


def test_colours_are_consistent_and_china_is_distinct():
    a = figures.supplier_colours(["CHN", "JPN", "KOR", "Other"])
    b = figures.supplier_colours(["JPN", "DEU", "CHN"])
    assert a["CHN"] == b["CHN"] == figures.CHINA_COLOUR
    assert a["JPN"] == b["JPN"]
    assert a["Other"] == figures.OTHER_COLOUR
    assert figures.CHINA_COLOUR not in figures.PALETTE
    many = figures.supplier_colours(["JPN", "IND", "AUS", "ZAF", "BRA"])  # IND and AUS share a fixed colour
    assert len(set(many.values())) == 5


def test_china_share_figure_has_both_lines_and_the_50_percent_mark():
    frame = pd.DataFrame(
        {
            "indicator": ["china_share", "china_share", "china_hk_mo_share", "china_hk_mo_share", "hhi"],
            "period": ["2022", "2023", "2022", "2023", "2023"],
            "value": [0.6, 0.55, 0.65, 0.6, 0.4],
        }
    )
    fig = figures.china_share_figure(frame, source_line=SOURCE)
    assert [t.name for t in fig.data] == ["China", "China incl. Hong Kong & Macao"]
    assert list(fig.data[0].y) == pytest.approx([60, 55])
    (line,) = fig.layout.shapes
    assert line.y0 == line.y1 == 50
    assert any(t.startswith("50%") for t in _annotation_texts(fig))
    assert SOURCE in _annotation_texts(fig)


def test_china_share_figure_with_only_mainland():
    frame = pd.DataFrame({"indicator": ["china_share"], "period": ["2024"], "value": [0.9]})
    fig = figures.china_share_figure(frame)
    assert [t.name for t in fig.data] == ["China"]


@pytest.mark.parametrize(
    "builder, frame",
    [
        (
            figures.hhi_figure,
            pd.DataFrame({"indicator": ["china_share"], "period": ["2024"], "value": [0.9]}),
        ),
        (figures.supplier_area_figure, pd.DataFrame(columns=["period", "partner", "share", "value_usd"])),
        (figures.china_share_figure, pd.DataFrame(columns=["indicator", "period", "value"])),
    ],
)
def test_empty_input_gives_an_annotated_empty_figure(builder, frame):
    fig = builder(frame, source_line=SOURCE)
    assert len(fig.data) == 0
    texts = _annotation_texts(fig)
    assert any("No supplier breakdown" in t or "not measurable" in t for t in texts)
    assert SOURCE in texts


def test_graph_config_exports_at_briefing_size_without_cloud_links():
    config = figures.graph_config("econsec_USA_rare_earths_hhi_2018-2024")
    assert config["displaylogo"] is False
    assert config["showLink"] is False and config["showSendToCloud"] is False
    # The modebar's PNG is the server export's 16:9 slide: same size, same resolution.
    slide = images.SIZES["slide"]
    assert config["toImageButtonOptions"] == {
        "format": "png",
        "filename": "econsec_USA_rare_earths_hhi_2018-2024",
        "width": slide.width,
        "height": slide.height,
        "scale": slide.png_scale,
    }
    assert (slide.width, slide.height, slide.png_scale) == (1280, 720, 2)
