"""The Explorer: accessors and figure builders (small frames, the synthetic store, the bundled
snapshot), the download builders (CSV escaping, Parquet round trip, safe file names) and the
page's URL handling."""

from __future__ import annotations

import csv
import io

import pandas as pd
import pytest

from dashboard import explore
from econsec.store import bundled_snapshot_dir
from tests.test_app import _ids, _text, write_synthetic_store

HAS_SNAPSHOT = (bundled_snapshot_dir() / "manifest.json").is_file()


@pytest.fixture
def app():
    from dashboard.app import create_app
    from econsec.store import Store

    write_synthetic_store(Store().path)
    return create_app()


@pytest.fixture
def bundled_app():
    """The app reading the bundled snapshot (conftest's data dir stays empty)."""
    if not HAS_SNAPSHOT:
        pytest.skip("the bundled snapshot is not built yet")
    from dashboard.app import create_app

    return create_app()


def _rows(**shares: float) -> pd.DataFrame:
    """Complete supplier rows for 2022 and 2023 with the given shares."""
    out = []
    for period in ("2022", "2023"):
        ranked = sorted(shares.items(), key=lambda kv: -kv[1])
        for rank, (partner, share) in enumerate(ranked, start=1):
            out.append((period, partner, partner, share * 1e6, share, rank, "complete"))
    return pd.DataFrame(out, columns=list(explore.ROW_COLUMNS))


# -- builders on small frames ----------------------------------------------------------------------
def test_stacked_shares_groups_the_rest_into_other_and_keeps_the_highlight():
    rows = _rows(CHN=0.5, JPN=0.2, KOR=0.1, DEU=0.08, FRA=0.07, VNM=0.05)
    fig = explore.stacked_shares_figure(rows, n=3)
    assert [t.name for t in fig.data] == ["China", "Japan", "South Korea", "Other"]
    assert fig.data[-1].y == (20.0, 20.0)
    highlighted = explore.stacked_shares_figure(rows, n=3, highlight="VNM")
    names = [t.name for t in highlighted.data]
    assert "Vietnam (highlighted)" in names and names[-1] == "Other"
    assert highlighted.data[-1].y == (15.0, 15.0)


def test_stacked_shares_skips_partial_periods_and_says_when_nothing_is_left():
    rows = _rows(CHN=0.6, JPN=0.4)
    rows.loc[rows["period"] == "2022", "breakdown"] = "partial"
    fig = explore.stacked_shares_figure(rows)
    assert list(fig.data[0].x) == [2023]
    rows["breakdown"] = "partial"
    empty = explore.stacked_shares_figure(rows)
    assert not empty.data
    assert "No complete supplier breakdown" in empty.layout.annotations[-1].text


def test_share_map_uses_iso3_and_the_latest_complete_year():
    rows = _rows(CHN=0.7, JPN=0.3)
    rows = pd.concat([rows, rows.assign(period="2024", breakdown="partial")], ignore_index=True)
    fig = explore.share_map_figure(rows, highlight="JPN")
    choropleth = fig.data[0]
    assert choropleth.locationmode == "ISO-3"
    assert list(choropleth.locations) == ["CHN", "JPN"] and list(choropleth.z) == [70.0, 30.0]
    assert "2023" in fig.layout.title.text
    assert [t.name for t in fig.data] == ["share", "highlight"]
    assert explore.map_period(rows) == "2023"
    assert not explore.share_map_figure(rows.iloc[0:0]).data


def test_graph_config_serves_the_topojson_locally():
    config = explore.graph_config("x")
    assert config["topojsonURL"] == "/assets/topojson/"
    from dashboard.app import ASSETS_DIR

    topojson = ASSETS_DIR / "topojson" / "world_110m.json"
    assert topojson.is_file() and (ASSETS_DIR / "topojson" / "LICENSE-plotly.js.txt").is_file()
    # Dash would serve a .js or .css file in assets/ to every page.
    assert not [p for p in topojson.parent.iterdir() if p.suffix in (".js", ".css")]


# -- downloads ---------------------------------------------------------------------------------------
def test_csv_escapes_formula_cells_and_keeps_numbers():
    frame = pd.DataFrame(
        {
            "text": ["=1+1", "+x", "-5", "@a", "\tx", "\rx", "Japan", "a=b"],
            "number": [1.5, -5.0, 0.0, 2.0, 3.0, 4.0, 5.0, 6.0],
        }
    )
    text = explore.csv_bytes(frame).decode("utf-8")
    rows = list(csv.reader(io.StringIO(text, newline="")))
    assert rows[0] == ["text", "number"]
    assert [r[0] for r in rows[1:]] == ["'=1+1", "'+x", "'-5", "'@a", "'\tx", "'\rx", "Japan", "a=b"]
    assert [r[1] for r in rows[1:]] == ["1.5", "-5.0", "0.0", "2.0", "3.0", "4.0", "5.0", "6.0"]
    assert explore.escape_cell(-5) == -5 and explore.escape_cell(None) is None
    assert frame["text"].iloc[0] == "=1+1"  # the frame itself is not changed


def test_parquet_round_trips():
    rows = _rows(CHN=0.6, JPN=0.4)
    rows["rank"] = rows["rank"].astype("Int64")
    back = pd.read_parquet(io.BytesIO(explore.parquet_bytes(rows)))
    pd.testing.assert_frame_equal(back, rows, check_dtype=False)
    assert back["share"].dtype == "float64"


@pytest.mark.parametrize(
    "raw, expected",
    [
        ("USA", "usa"),
        ("rare_earths", "rare_earths"),
        ("../../etc/passwd", "etc_passwd"),
        ("", "x"),
        ('a"b;c\nd', "a_b_c_d"),
        ("Ｆｕｌｌ", "x"),
    ],
)
def test_slug_is_safe(raw, expected):
    assert explore.slug(raw) == expected


def test_download_name_is_built_from_slugs():
    assert explore.download_name("USA", "rare_earths", 2019, 2024, "csv") == "econsec_usa_rare_earths_2019-2024.csv"
    name = explore.download_name("../x", "a/b", 2019, 2024, "parquet")
    assert "/" not in name and ".." not in name


def test_download_callback_uses_validated_values(app):
    from dashboard.pages import explorer as page

    sent = page._download("csv", "USA", "rare_earths", None, [2019, 2020], 5)
    assert sent["filename"] == "econsec_usa_rare_earths_2019-2020.csv"
    import base64

    text = base64.b64decode(sent["content"]).decode() if sent.get("base64") else sent["content"]
    assert text.splitlines()[0] == ",".join(explore.ROW_COLUMNS)
    assert {line.split(",")[0] for line in text.splitlines()[1:]} == {"2019", "2020"}
    hostile = page._download("parquet", "../../x", "=cmd|' /C calc'!A0", None, [2019, 2020], 5)
    assert hostile["filename"] == "econsec_usa_rare_earths_2019-2020.parquet"


# -- accessors and the page on the synthetic store ----------------------------------------------------
def test_accessors_on_the_synthetic_store(app):
    assert explore.explorer_reporters()[:2] == ["USA", "JPN"]
    assert [c.id for c in explore.explorer_products("JPN")] == ["rare_earths", "2504"]
    rows = explore.explorer_rows("USA", "rare_earths", 2019, 2020)
    assert list(rows.columns) == list(explore.ROW_COLUMNS)
    assert set(rows["period"]) == {"2019", "2020"} and (rows["breakdown"] == "complete").all()
    partial = explore.explorer_rows("JPN", "2504")
    assert set(partial["partner"]) == {"CHN"} and (partial["breakdown"] == "partial").all()
    assert explore.known_product("850511") is not None and explore.known_product("nope") is None


@pytest.mark.parametrize(
    "params, notice",
    [
        ({"reporter": "XXX"}, "No data for reporter “XXX”"),
        ({"product": "nope"}, "Unknown product “nope”"),
        ({"start": "1800"}, "Ignored start year “1800”"),
        ({"end": "abc"}, "Ignored end year “abc”"),
        ({"start": "2024", "end": "2019"}, "were swapped"),
        ({"top": "7"}, "Ignored top “7”"),
        ({"partner": "ZZZ"}, "Partner “ZZZ” does not supply"),
        ({"reporter": ["USA", "JPN"]}, "No data for reporter"),
    ],
)
def test_bad_query_values_fall_back_with_a_notice(app, params, notice):
    from dashboard.pages import explorer as page

    layout = page.layout(**params)
    assert notice in _text(layout)
    assert "ex-graph-suppliers" in _ids(layout)


def test_query_values_select_the_view(app):
    from dashboard.pages import explorer as page

    view, notices = page.resolve("usa", "850511", "kor", "2019", "2023", "3")
    assert notices == []
    assert view == {"reporter": "USA", "product": "850511", "partner": "KOR", "start": 2019, "end": 2023, "top": 3}
    layout = page.layout(reporter="USA", product="850511", partner="KOR", start="2019", end="2023", top="3")
    assert "ex-partner-line" in _ids(layout)
    assert "South Korea" in _text(layout)


def test_a_product_this_reporter_lacks_gives_the_empty_state(app):
    from dashboard.pages import explorer as page

    layout = page.layout(reporter="JPN", product="850511")
    text = _text(layout)
    assert "No data for Japan's imports of HS 850511 in the refreshed data" in text
    assert "econsec refresh" in text and "ex-graph-suppliers" not in _ids(layout)


def test_partial_breakdown_is_explained(app):
    from dashboard.pages import explorer as page

    blocks = page.content({"reporter": "JPN", "product": "2504", "partner": None, "start": 2018, "end": 2024, "top": 5})
    assert "ex-partial" in _ids(blocks) and "only China is stored" in _text(blocks)


def test_callbacks_are_registered(app):
    outputs = " ".join(app.callback_map)
    for output in ("ex-content.children", "ex-download-csv.data", "ex-download-parquet.data", "ex-partner.options"):
        assert output in outputs


def test_store_error_is_shown_not_raised(tmp_path, monkeypatch, app):
    from dashboard.pages import explorer as page
    from econsec.errors import StoreError

    def fail(name):
        raise StoreError(f"no table {name!r}")

    monkeypatch.setattr("dashboard.data.generation", lambda: str(tmp_path / "nothing"))
    monkeypatch.setattr("dashboard.data.table", fail)
    assert "The data cannot be read" in _text(page.layout())


# -- the bundled snapshot ------------------------------------------------------------------------------
def test_bundled_snapshot_accessors_and_figures(bundled_app):
    reporters = explore.explorer_reporters()
    assert reporters[:3] == ["USA", "JPN", "QUJ"]
    rows = explore.explorer_rows("USA", "rare_earths", 2019, 2024)
    assert not rows.empty and (rows.groupby("period")["rank"].min() == 1).all()
    assert explore.stacked_shares_figure(rows).data
    assert explore.share_map_figure(rows).data[0].locationmode == "ISO-3"
    bloc = explore.explorer_rows("QUJ", "cobalt")
    assert set(bloc["partner"]) == {"CHN"} and bloc["value_usd"].isna().all()


def test_bundled_snapshot_empty_state_wording(bundled_app):
    from dashboard.pages import explorer as page

    text = " ".join(_text(page.layout(reporter="JPN", product="280530")).split())
    assert "No data for Japan's imports of HS 280530 in the bundled snapshot — run econsec refresh" in text
