"""What the Explorer page (:mod:`dashboard.pages.explorer`) draws: the URL's values checked against the store,
the controls, the stacked area of supplier shares, the map, the rows table and the downloads."""

from __future__ import annotations

import warnings
from collections.abc import Callable

import dash_bootstrap_components as dbc
import pandas as pd
from dash import dash_table, dcc, html

from dashboard import chart_data, controls, data, explore, figures, params
from dashboard import scorecard as sc
from econsec import countries
from econsec.errors import EconsecError

ID = "ex"  # the page's id prefix (dashboard.pages.explorer.ID; a test checks they agree)
PAGE_SIZE = 15


def _id(name: str) -> str:
    return f"{ID}-{name}"


# -- URL values --------------------------------------------------------------------------------
def default_product(reporter: str) -> str | None:
    ids = [c.id for c in explore.explorer_products(reporter)]
    if data.DEFAULT_PRODUCT in ids:
        return data.DEFAULT_PRODUCT
    return explore.TOTAL if explore.TOTAL in ids else (ids[0] if ids else None)


def resolve(
    reporter: object, product: object, partner: object, start: object, end: object, top: object
) -> tuple[dict, list[str]]:
    """Validate URL values against the store: ``({reporter, product, partner, start, end, top}, notices)``.

    A product that some reporter has but this one lacks is kept (the page then says there is no
    data for it); an unknown one falls back to the default.
    """
    notices: list[str] = []
    reporters = explore.explorer_reporters()
    if not reporters:
        raise EconsecError("the store holds no supplier rows")
    default_reporter = params.preferred(data.DEFAULT_REPORTER, reporters)
    r = params.reporter(reporter, reporters, default_reporter, countries.name, notices)

    fallback = default_product(r)
    p = params.one(product)
    if p is None:
        p = fallback
    elif explore.known_product(p) is None:
        notices.append(f"Unknown product “{p}”; showing {explore.describe(r, fallback or '')[1]} instead.")
        p = fallback

    years = explore.explorer_years()
    if not years:
        raise EconsecError("the store holds no annual supplier rows")
    s, e = params.year_range(start, end, years, notices)

    n = params.one(top)
    if n is None:
        t = explore.DEFAULT_TOP
    elif n.isdigit() and int(n) in explore.TOP_CHOICES:
        t = int(n)
    else:
        notices.append(f"Ignored top “{n}”: choose one of {', '.join(map(str, explore.TOP_CHOICES))}.")
        t = explore.DEFAULT_TOP

    q = params.one(partner)
    if q is not None:
        partners = explore.explorer_partners(r, p) if p else frozenset()
        if q.upper() in partners:
            q = q.upper()
        else:
            notices.append(f"Partner “{q}” does not supply this product in the data; no partner is highlighted.")
            q = None
    return {"reporter": r, "product": p, "partner": q, "start": s, "end": e, "top": t}, notices


# -- pieces --------------------------------------------------------------------------------------
def _graph(kind: str, figure, view: dict) -> html.Div:
    name = explore.download_name(view["reporter"], view["product"], view["start"], view["end"], kind)
    return chart_data.graph_with_download(
        dcc.Graph(
            id=_id(f"graph-{kind}"),
            figure=figures.shared(figure),  # sent with every response for this view (cached)
            config=explore.graph_config(name.rsplit(".", 1)[0]),
            className="chart",
        )
    )


def _empty(reporter: str, product: str, span: str | None) -> dbc.Alert:
    return dbc.Alert(
        [
            explore.empty_message(reporter, product, span),
            " — run ",
            html.Code("econsec refresh"),
            " to fetch it from the source.",
        ],
        color="warning",
        id=_id("empty"),
    )


TABLE_COLUMNS = [
    {"name": "Year", "id": "period"},
    {"name": "Partner", "id": "partner_name"},
    {"name": "ISO3", "id": "partner"},
    {"name": "Imports (US$)", "id": "value_usd", "type": "numeric", "format": {"specifier": ",.0f"}},
    {"name": "Share", "id": "share", "type": "numeric", "format": {"specifier": ".1%"}},
    {"name": "Rank", "id": "rank", "type": "numeric"},
    {"name": "Breakdown", "id": "breakdown"},
]


def rows_table(rows, highlight: str | None) -> dash_table.DataTable:
    records = rows.sort_values(["period", "rank"], ascending=[False, True], na_position="last")
    records = records.astype(object).where(records.notna(), None).to_dict("records")
    style = [{"if": {"row_index": "odd"}, "backgroundColor": "#f8f9fa"}]
    if highlight:
        style.append(
            {"if": {"filter_query": f'{{partner}} = "{highlight}"'}, "backgroundColor": "#fff3cd", "fontWeight": "bold"}
        )
    # Dash 4 deprecates DataTable in favour of dash-ag-grid (not a dependency yet): the warning is
    # silenced for this one construction, so a test run with warnings as errors still sees others.
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message=r"\s*The dash_table.DataTable", category=DeprecationWarning)
        return _data_table(records, style)


def _data_table(records: list[dict], style: list[dict]) -> dash_table.DataTable:
    return dash_table.DataTable(
        id=_id("table"),
        columns=TABLE_COLUMNS,
        data=records,
        page_size=PAGE_SIZE,
        page_action="native",
        sort_action="native",
        filter_action="native",
        style_table={"overflowX": "auto"},
        style_cell={"fontFamily": figures.FONT_FAMILY, "fontSize": "0.9rem", "padding": "4px 8px", "textAlign": "left"},
        style_cell_conditional=[{"if": {"column_id": c}, "textAlign": "right"} for c in ("value_usd", "share", "rank")],
        style_header={"fontWeight": "600", "backgroundColor": "#e9ecef"},
        style_data_conditional=style,
    )


def _partner_summary(rows, partner: str | None, reporter: str, product: str) -> html.P | None:
    if not partner:
        return None
    mine = rows[rows["partner"] == partner]
    who, what = explore.describe(reporter, product)
    if mine.empty:
        return html.P(
            f"{countries.name(partner)} has no rows in these years.", className="mb-2", id=_id("partner-line")
        )
    last = mine.sort_values("period").iloc[-1]
    rank = f", rank {int(last['rank'])}" if pd.notna(last["rank"]) else ""
    return html.P(
        [
            html.Strong(countries.name(partner)),
            f": {last['share']:.1%} of {who}'s imports of {what} in {last['period']}{rank}.",
        ],
        className="mb-2",
        id=_id("partner-line"),
    )


def content(view: dict) -> list:
    """Everything below the controls for one view (also the callback's output)."""
    r, p, q = view["reporter"], view["product"], view["partner"]
    s, e = view["start"], view["end"]
    span = f"{s}–{e}" if s != e else str(s)
    rows = explore.explorer_rows(r, p, s, e) if p else explore.explorer_rows(r, "", s, e)
    if rows.empty:
        everything = explore.explorer_rows(r, p) if p else rows
        return [_empty(r, p or "", None if everything.empty else span)]
    who, what = explore.describe(r, p)
    first, last = rows["period"].min(), rows["period"].max()
    subtitle = f"{who}, imports of {what}, " + (f"{first}–{last}" if first != last else first)
    source = explore.wrap(explore.explorer_source_line(r, p), lines=3)  # half-width charts: keep the date in view
    blocks: list = []
    partial = sorted(set(rows.loc[rows["breakdown"] == "partial", "period"]))
    if partial:
        only = ", ".join(sorted(countries.name(x) for x in set(rows.loc[rows["breakdown"] == "partial", "partner"])))
        blocks.append(
            dbc.Alert(
                [
                    html.Strong("Partial breakdown. "),
                    f"For {partial[0]}–{partial[-1]} only {only} is stored for {who}'s imports of {what}, "
                    "so those years are not stacked; the map and the table show what is stored. Run ",
                    html.Code("econsec refresh"),
                    " to fetch every supplier.",
                ],
                color="info",
                id=_id("partial"),
            )
        )
    area = explore.stacked_shares_figure(
        rows, view["top"], q, source_line=f"{source}<br>Share of import value by country of origin.", subtitle=subtitle
    )
    world = explore.share_map_figure(rows, q, source_line=source, subtitle=subtitle)
    blocks.append(
        dbc.Row(
            [
                dbc.Col(_graph("suppliers", area, view), lg=6, className="chart-card"),
                dbc.Col(_graph("map", world, view), lg=6, className="chart-card"),
            ],
            className="g-3 mb-3",
        )
    )
    blocks.append(
        html.Div(
            [
                html.H2(f"The rows behind the charts ({len(rows):,})", className="h6 mb-2"),
                _partner_summary(rows, q, r, p),
                rows_table(rows, q),
                html.P(
                    "Values in current US$; shares of the reporter's imports from the World. "
                    "CSV cells that a spreadsheet would read as a formula are prefixed with ' .",
                    className="small text-secondary mt-2 mb-0",
                ),
            ],
            className="chart-card p-3",
        )
    )
    return blocks


@data.per_generation(maxsize=64)
def _content_of(build: Callable[[dict], list], view: tuple) -> list:
    return build(dict(view))


def content_of(build: Callable[[dict], list], view: dict) -> list:
    """``build(view)``, built once per store generation, builder and view (shared: do not mutate). The
    builder is part of the key, so a replaced ``content`` (a test's monkeypatch) is never served stale."""
    return _content_of(build, tuple(sorted(view.items())))


def cached_content(view: dict) -> list:
    """:func:`content`, built once per store generation and view (shared: do not mutate)."""
    return content_of(content, view)


def has_rows(blocks: list) -> bool:
    """Whether ``content`` drew rows (it returns the empty-state alert alone otherwise)."""
    return not (len(blocks) == 1 and getattr(blocks[0], "id", None) == _id("empty"))


def _downloads(enabled: bool) -> html.Div:
    return html.Div(
        [
            html.Span("Download the rows behind the charts:", className="me-2 small fw-semibold"),
            dbc.Button("CSV", id=_id("csv-button"), color="primary", size="sm", className="me-2", disabled=not enabled),
            dbc.Button(
                "Parquet", id=_id("parquet-button"), color="secondary", size="sm", outline=True, disabled=not enabled
            ),
        ],
        className="d-flex align-items-center mb-3",
        id=_id("downloads"),
    )


def _product_options(reporter: str, product: str | None = None) -> list[dict]:
    options = [{"label": c.label, "value": c.id} for c in explore.explorer_products(reporter)]
    if product and product not in {o["value"] for o in options}:
        known = explore.known_product(product)
        label = known.label if known else product
        options.append({"label": f"{label} (no data for {countries.name(reporter)})", "value": product})
    return options


def _partner_options(reporter: str, product: str | None) -> list[dict]:
    if not product:
        return []
    rows = explore.explorer_rows(reporter, product)
    partners = sorted(set(rows["partner"]), key=lambda x: (countries.name(x), x))  # a stable order
    return [{"label": countries.name(x), "value": x} for x in partners]


def _controls(view: dict) -> dbc.Card:
    years = explore.explorer_years()
    step = max(1, len(years) // 8)
    reporters = [{"label": countries.name(r), "value": r} for r in explore.explorer_reporters()]
    return controls.card(
        [
            controls.labelled(
                _id("reporter"),
                "Importing country",
                dcc.Dropdown(id=_id("reporter"), options=reporters, value=view["reporter"], clearable=False),
                md=3,
            ),
            controls.labelled(
                _id("product"),
                "Product",
                dcc.Dropdown(
                    id=_id("product"),
                    options=_product_options(view["reporter"], view["product"]),
                    value=view["product"],
                    clearable=False,
                    maxHeight=360,
                ),
                md=4,
            ),
            controls.labelled(
                _id("partner"),
                "Highlight a partner",
                dcc.Dropdown(
                    id=_id("partner"),
                    options=_partner_options(view["reporter"], view["product"]),
                    value=view["partner"],
                    placeholder="None",
                    clearable=True,
                ),
                md=3,
            ),
            controls.labelled(
                _id("top"),
                "Top suppliers",
                dcc.Dropdown(
                    id=_id("top"),
                    options=[{"label": str(n), "value": n} for n in explore.TOP_CHOICES],
                    value=view["top"],
                    clearable=False,
                ),
                md=2,
            ),
            controls.year_range(_id("years"), years, view["start"], view["end"], years[::step] + [years[-1]], md=12),
        ]
    )


def _header() -> html.Div:
    return html.Div(
        [
            html.H1("Explorer", className="h3 mb-1"),
            html.P(
                "Who supplies a reporter's imports of a product, year by year: pick a country, a product "
                "group or HS code, a partner to highlight and the years. The URL keeps the view.",
                className="text-secondary mb-3",
            ),
        ]
    )


def error_page(exc: EconsecError) -> html.Div:
    """The page when the store cannot be read."""
    return html.Div(
        [
            _header(),
            sc.store_error_alert(exc, _id("error"), "The data"),
        ]
    )


def page(view: dict, notices: list[str], blocks: list) -> html.Div:
    """The page for a resolved view (:func:`resolve`) and its content (:func:`content`)."""
    body = [_controls(view), _downloads(has_rows(blocks)), html.Div(blocks, id=_id("content"))]
    return html.Div(
        [
            _header(),
            html.Div(controls.notice_alerts(notices), id=_id("notice"), role="status"),
            *body,
            dcc.Download(id=_id("download-csv")),
            dcc.Download(id=_id("download-parquet")),
            dcc.Store(id=_id("url-sync")),
        ]
    )


# -- the callbacks' bodies (declared by dashboard.pages.explorer) ------------------------------------
def products_for_reporter(reporter: object, product: object) -> tuple[list[dict], str | None]:
    """The product dropdown for a reporter: (options, value), the chosen product kept when the reporter has it."""
    reporter = resolve(reporter, None, None, None, None, None)[0]["reporter"]  # never trust an input
    ids = [c.id for c in explore.explorer_products(reporter)]
    chosen = product if isinstance(product, str) and product in ids else default_product(reporter)
    return _product_options(reporter, chosen), chosen


def partners_for(reporter: object, product: object, partner: object) -> tuple[list[dict], str | None]:
    """The partner dropdown for a reporter and product: (options, value), the partner kept when it supplies it."""
    view, _ = resolve(reporter, product, None, None, None, None)  # never trust an input
    options = _partner_options(view["reporter"], view["product"])
    keep = partner if isinstance(partner, str) and partner in {o["value"] for o in options} else None
    return options, keep


def view_from_controls(reporter, product, partner, years, top) -> tuple[dict, list[str]]:
    """The controls' values validated as the URL's are (a callback never trusts its inputs)."""
    years = years if isinstance(years, list) and len(years) == 2 else [None, None]
    return resolve(reporter, product, partner, years[0] and str(years[0]), years[1] and str(years[1]), top and str(top))


def download(kind: str, reporter, product, partner, years, top):
    view, _ = view_from_controls(reporter, product, partner, years, top)
    rows = explore.explorer_rows(view["reporter"], view["product"] or "", view["start"], view["end"])
    name = explore.download_name(view["reporter"], view["product"] or "none", view["start"], view["end"], kind)
    if kind == "csv":
        return dcc.send_bytes(explore.csv_bytes(rows), name, type="text/csv")
    return dcc.send_bytes(explore.parquet_bytes(rows), name, type="application/vnd.apache.parquet")


