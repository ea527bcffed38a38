"""The Dash app: it builds, every page lays out (also for bad query values), and it serves.

The store is a small synthetic one written into the per-test data dir (tests/conftest.py
points ECONSEC_DATA_DIR at an empty tmp dir), so these tests do not depend on the
bundled snapshot; one test also renders the bundled snapshot when it is present.
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import dash
import numpy as np
import pandas as pd
import pytest

from econsec.store import Store, bundled_snapshot_dir

YEARS = [str(y) for y in range(2018, 2025)]
RETRIEVED = "2026-11-22"
PARTIAL_RETRIEVED = "2026-10-01"
#: (reporter, product, kind) -> supplier weights; products listed without weights only have
#: the China share and the total (a partial breakdown, like JPN 2504 in the real snapshot).
SUPPLIERS = {
    ("USA", "rare_earths", "group"): {
        "CHN": 70,
        "EST": 8,
        "JPN": 6,
        "MYS": 5,
        "FRA": 4,
        "KOR": 3,
        "DEU": 2,
        "VNM": 2,
    },
    ("USA", "semiconductors", "group"): {
        "MYS": 20,
        "TWN": 18,
        "KOR": 15,
        "VNM": 12,
        "CHN": 8,
        "JPN": 7,
        "PHL": 20,
    },
    ("USA", "850511", "hs"): {"CHN": 80, "JPN": 10, "DEU": 4, "KOR": 3, "VNM": 3},
    ("USA", "280530", "hs"): {"CHN": 60, "JPN": 25, "EST": 15},
    ("JPN", "rare_earths", "group"): {
        "CHN": 60,
        "VNM": 15,
        "FRA": 10,
        "EST": 5,
        "USA": 4,
        "HKG": 3,
        "IND": 3,
    },
    ("JPN", "2504", "hs"): None,
}
HS = {"rare_earths": ["280530", "284610", "284690"], "semiconductors": ["854231", "854232"]}


def synthetic_tables() -> tuple[dict[str, pd.DataFrame], dict]:
    rng = np.random.default_rng(7)
    ind_rows, share_rows, trade_rows = [], [], []
    retrieved_at = pd.Timestamp("2026-11-22T08:00:00", tz="UTC")
    for (reporter, product, kind), weights in SUPPLIERS.items():
        for i, period in enumerate(YEARS):
            total = 1e8 * (1 + 0.1 * i)
            if weights is None:
                china = 0.9 - 0.02 * i
                ind_rows += [
                    (reporter, product, kind, period, "china_share", china),
                    (reporter, product, kind, period, "total_value_usd", total),
                    (reporter, product, kind, period, "coverage", china),
                ]
                # indicators.concentration lists the partial breakdown's suppliers too
                share_rows.append((reporter, "import", product, kind, period, "CHN", china * total, china, 1))
                continue
            w = {p: v * (1 + rng.uniform(-0.2, 0.2)) for p, v in weights.items()}
            s = sum(w.values())
            shares = {p: v / s for p, v in w.items()}
            ranked = sorted(shares.items(), key=lambda kv: -kv[1])
            for rank, (partner, share) in enumerate(ranked, start=1):
                share_rows.append((reporter, "import", product, kind, period, partner, share * total, share, rank))
            hhi = sum(x * x for x in shares.values())
            values = {
                "hhi": hhi,
                "effective_suppliers": 1 / hhi,
                "top1_share": ranked[0][1],
                "top3_share": sum(x for _, x in ranked[:3]),
                "china_share": shares.get("CHN", 0.0),
                "china_hk_mo_share": shares.get("CHN", 0.0) + shares.get("HKG", 0.0),
                "n_suppliers": float(len(shares)),
                "coverage": 0.99,
                "total_value_usd": total,
            }
            if (reporter, product, period) == ("USA", "280530", "2018"):  # a partial year: no HHI etc.
                values = {k: values[k] for k in ("china_share", "coverage", "total_value_usd")}
                values["coverage"] = 0.7
            ind_rows += [(reporter, product, kind, period, k, v) for k, v in values.items()]
            for partner, share in shares.items():
                for code in HS.get(product, [product]):
                    trade_rows.append(
                        (
                            reporter,
                            partner,
                            "country",
                            "import",
                            code,
                            period,
                            share * total / len(HS.get(product, [product])),
                            "un_comtrade",
                            "https://comtradeapi.un.org/public/v1/preview/C/A/HS",
                            retrieved_at,
                        )
                    )
    indicators = pd.DataFrame(ind_rows, columns=["reporter", "product", "product_kind", "period", "indicator", "value"])
    indicators.insert(1, "flow", "import")
    supplier_shares = pd.DataFrame(
        share_rows,
        columns=[
            "reporter",
            "flow",
            "product",
            "product_kind",
            "period",
            "partner",
            "value_usd",
            "share",
            "rank",
        ],
    )
    trade = pd.DataFrame(
        trade_rows,
        columns=[
            "reporter",
            "partner",
            "partner_kind",
            "flow",
            "hs_code",
            "period",
            "value_usd",
            "source",
            "source_url",
            "retrieved_at",
        ],
    )
    manifest = {
        "built_at": datetime(2026, 11, 23, tzinfo=UTC).isoformat(),
        "datasets": [
            {
                "id": "comtrade_annual",
                "title": "UN Comtrade annual imports (synthetic test data)",
                "source": "un_comtrade",
                "retrieved": RETRIEVED,
                "caveats": ["Synthetic data written by the test suite."],
                "coverage": {
                    "reporters": ["USA", "JPN"],
                    "hs_codes": [*HS["rare_earths"], *HS["semiconductors"], "850511", "280530"],
                },
                "files": [],
            },
            {
                "id": "china_and_world_only",
                "title": "Imports from the World and from China (synthetic)",
                "source": "un_comtrade",
                "retrieved": PARTIAL_RETRIEVED,
                "caveats": ["Only two partners: the World total and China."],
                "coverage": {"reporters": ["JPN"], "hs_codes": ["2504"]},
                "files": [],
            },
        ],
    }
    return {"indicators": indicators, "supplier_shares": supplier_shares, "trade": trade}, manifest


def write_synthetic_store(path: Path | str) -> Store:
    store = Store(path)
    tables, manifest = synthetic_tables()
    store.write(tables, manifest, replace_all=True)
    return store


@pytest.fixture
def synthetic_store(tmp_path) -> Store:
    """The synthetic store in the data dir the app reads (ECONSEC_DATA_DIR, set by conftest)."""
    return write_synthetic_store(Store().path)


@pytest.fixture
def app(synthetic_store):
    from dashboard.app import create_app

    return create_app()


def _page(path: str = "/") -> dict:
    return next(p for p in dash.page_registry.values() if p["path"] == path)


def _text(component) -> str:
    """All the text in a component tree."""
    if component is None:
        return ""
    if isinstance(component, (str, int, float)):
        return str(component)
    if isinstance(component, (list, tuple)):
        return " ".join(_text(c) for c in component)
    return _text(getattr(component, "children", None))


def _ids(component, found=None) -> set[str]:
    found = set() if found is None else found
    if isinstance(component, (list, tuple)):
        for c in component:
            _ids(c, found)
    elif hasattr(component, "to_plotly_json"):
        if isinstance(getattr(component, "id", None), str):
            found.add(component.id)
        _ids(getattr(component, "children", None), found)
    return found


def test_create_app_registers_pages_and_callbacks(app):
    assert isinstance(app, dash.Dash)
    assert app.config.external_stylesheets == []
    assert Path(app.config.assets_folder, "bootstrap.min.css").is_file()
    assert "dashboard.pages.supply_concentration" in dash.page_registry
    for page in dash.page_registry.values():
        assert page["layout"] is not None, page["module"]
        assert _text(page["layout"]() if callable(page["layout"]) else page["layout"])


def test_default_layout_shows_goal_kpis_and_charts(app):
    layout = _page("/concentration")["layout"]()
    text = _text(layout)
    assert "Derisk critical-mineral supply chains" in text
    assert "From: " in text and "Goto" in text
    ids = _ids(layout)
    assert {
        "sc-reporter",
        "sc-product",
        "sc-years",
        "sc-graph-hhi",
        "sc-graph-suppliers",
        "sc-graph-china",
        "sc-table",
    } <= ids
    assert "sc-empty" not in ids
    assert "China's share, 2024" in text


@pytest.mark.parametrize(
    "params, notice",
    [
        ({"reporter": "XXX"}, "No data for reporter “XXX”"),
        ({"product": "nonsense"}, "No data for product “nonsense”"),
        ({"start": "1990"}, "Ignored start year “1990”"),
        ({"end": "abc"}, "Ignored end year “abc”"),
        ({"start": "2023", "end": "2019"}, "swapped"),
        ({"reporter": ["USA", "JPN"]}, "No data for reporter"),
    ],
)
def test_bad_query_values_fall_back_with_a_notice(app, params, notice):
    layout = _page("/concentration")["layout"](**params)
    notices = next(c for c in layout.children if getattr(c, "id", None) == "sc-notice")
    assert notice in _text(notices)
    assert "sc-graph-hhi" in _ids(layout)


def test_query_values_select_the_view(app):
    layout = _page("/concentration")["layout"](reporter="jpn", product="rare_earths", start="2020", end="2022")
    graph = _find(layout, "sc-graph-china")
    assert list(graph.figure.data[0].x) == [2020, 2021, 2022]
    assert graph.figure.layout.title.subtitle.text == "Japan, imports of rare earths, 2020–2022"
    assert _find(layout, "sc-reporter").value == "JPN"
    assert _find(layout, "sc-years").value == [2020, 2022]
    assert not _text(_find(layout, "sc-notice"))


def test_partial_breakdown_says_so_instead_of_an_empty_chart(app):
    layout = _page("/concentration")["layout"](reporter="JPN", product="2504")
    empty = _find(layout, "sc-empty")
    message = _text(empty)
    assert "no complete supplier breakdown" in message and "only the share from China is measurable" in message
    assert "econsec refresh" in message
    ids = _ids(layout)
    assert "sc-graph-hhi" not in ids and "sc-graph-suppliers" not in ids
    assert "sc-graph-china" in ids


def test_partial_years_are_left_out_of_supplier_charts(app):
    from dashboard import data

    assert "2018" not in set(data.shares("USA", "280530")["period"])
    assert "2018" in set(data.shares("USA", "280530", complete_only=False)["period"])
    layout = _page("/concentration")["layout"](reporter="USA", product="280530")
    assert 2018 not in _find(layout, "sc-graph-suppliers").figure.data[0].x
    assert "No complete supplier breakdown for 2018" in _text(layout)


def test_products_list_groups_first_then_hs_codes(app):
    from dashboard import data

    products = data.products_for("USA")
    kinds = [p.kind for p in products]
    assert kinds == sorted(kinds, key=lambda k: k != "group")
    assert [p.id for p in products[:2]] == ["rare_earths", "semiconductors"]
    assert products[0].label == "Rare earths"
    assert {p.id for p in data.products_for("JPN")} == {"rare_earths", "2504"}


def test_source_line_comes_from_trade_rows_and_manifest(app):
    from dashboard import data

    assert data.source_line("USA", "rare_earths") == (
        f"Source: UN Comtrade, US-reported imports; data as of {RETRIEVED}."
    )
    assert data.source_line("JPN", "rare_earths").startswith("Source: UN Comtrade, Japan-reported imports")
    assert data.source_line("JPN", "2504").endswith(f"data as of {PARTIAL_RETRIEVED}.")
    fig = _find(_page("/concentration")["layout"](), "sc-graph-hhi").figure
    assert any(RETRIEVED in (a.text or "") for a in fig.layout.annotations)


def test_notes_carry_only_the_caveats_of_the_datasets_behind_the_view(app):
    us = _text(_page("/concentration")["layout"]())
    assert "Synthetic data written by the test suite." in us
    assert "Only two partners" not in us
    jp = _text(_page("/concentration")["layout"](reporter="JPN", product="2504"))
    assert "Only two partners" in jp and "Synthetic data written" not in jp


def test_callbacks_render_content_and_product_options(app):
    from dashboard.pages import supply_concentration as page

    content = page.content("USA", "850511", 2018, 2024)
    assert "sc-graph-hhi" in _ids(content)
    options = page._product_options("JPN")
    assert [o["value"] for o in options] == ["rare_earths", "2504"]


def test_server_serves_index_and_layout(app):
    client = app.server.test_client()
    index = client.get("/concentration")
    assert index.status_code == 200
    html = index.get_data(as_text=True)
    assert "bootstrap.min.css" in html and "cdn" not in html.lower()
    layout = client.get("/_dash-layout")
    assert layout.status_code == 200
    assert "footer-data" in layout.get_data(as_text=True)
    assert client.get("/concentration?reporter=JPN&product=2504").status_code == 200
    css = client.get("/assets/bootstrap.min.css")
    try:
        assert css.status_code == 200 and b"Bootstrap" in css.get_data()[:200]
    finally:
        css.close()


def test_footer_names_data_date_and_store_kind(app):
    from dashboard.app import footer

    text = _text(footer())
    assert "Data as of 2026-11-23" in text and "refreshed data" in text


def test_store_error_is_shown_not_raised(tmp_path, monkeypatch):
    """An empty data dir with no bundled snapshot yet: the page explains, it does not crash."""
    from dashboard.pages import supply_concentration as page

    monkeypatch.setattr("dashboard.data.generation", lambda: str(tmp_path / "nothing"))
    monkeypatch.setattr("dashboard.data.table", _raise_store_error)
    layout = page.layout()
    assert "The data cannot be read" in _text(layout)


def _raise_store_error(name):
    from econsec.errors import StoreError

    raise StoreError(f"no table {name!r}")


@pytest.mark.skipif(
    not (bundled_snapshot_dir() / "manifest.json").is_file(), reason="the bundled snapshot is not built yet"
)
def test_bundled_snapshot_renders():
    from dashboard.app import create_app, footer

    create_app()
    layout = _page("/concentration")["layout"]()
    assert "sc-error" not in _ids(layout)
    assert "sc-graph-china" in _ids(layout) or "sc-empty" in _ids(layout)
    assert "bundled snapshot" in _text(footer())


def _find(component, wanted: str):
    """The component with id ``wanted``; for a chart wrapped by ``chart_data.graph_with_download``, the
    ``dcc.Graph`` itself (its id is ``{"type": "chart-graph", "graph": wanted}``), not the wrapper."""
    from dashboard import chart_data

    if isinstance(component, (list, tuple)):
        for c in component:
            hit = _find(c, wanted)
            if hit is not None:
                return hit
        return None
    if hasattr(component, "to_plotly_json"):
        wrapper = chart_data.WRAPPER_CLASS in (getattr(component, "className", None) or "")
        if chart_data.graph_key(component) == wanted and not wrapper:
            return component
        return _find(getattr(component, "children", None), wanted)
    return None
