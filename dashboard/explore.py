"""Data accessors and figure builders for the Explorer and the Alliance comparison pages.

Two layers, kept apart so each can be tested without Dash:

* **accessors** (``explorer_*``, ``alliance_*``) read stored tables only (``supplier_shares`` and
  ``indicators`` through :mod:`dashboard.data`), cached per store generation: a refresh that
  writes a new generation is picked up without a restart, and no indicator is recomputed here;
* **builders** (``*_figure``, ``csv_bytes``, ``parquet_bytes``, ``slug``) are pure: plain frames
  in, figures or bytes out.

>>> escape_cell("=1+1"), escape_cell("Japan"), escape_cell(5)
("'=1+1", 'Japan', 5)
"""

from __future__ import annotations

import io
import re
from dataclasses import dataclass, field
from functools import lru_cache

import pandas as pd
import plotly.graph_objects as go

from dashboard import data, figures
from econsec import countries
from econsec.countries import CHINA

BLOC = "QUJ"  # the US + Japan bloc, as the alliance family stores it
TOTAL = "TOTAL"
TOTAL_LABEL = "All goods (total trade, IMF)"
FLOW = data.FLOW
#: The topojson folder served from assets/ (plotly.js asks for ``world_110m.json`` in it).
TOPOJSON_URL = "/assets/topojson/"
TOP_CHOICES = (3, 5, 8, 10)
DEFAULT_TOP = 5
SMALL_HEIGHT = 330
MAP_COLOURSCALE = ((0.0, "#dbe9f6"), (0.1, "#9ecae1"), (0.35, "#4292c6"), (1.0, "#08306b"))


def graph_config(filename: str) -> dict:
    """The house graph config plus the local topojson (geo charts never fetch from a CDN)."""
    return {**figures.graph_config(filename), "topojsonURL": TOPOJSON_URL}


# ============================================================================================
# Explorer: accessors
# ============================================================================================
@dataclass(frozen=True)
class Choice:
    id: str
    kind: str  # "group" | "hs" | "total"
    label: str


def _annual(frame: pd.DataFrame) -> pd.DataFrame:
    return frame[frame["period"].str.len() == 4]


@lru_cache(maxsize=4)
def _shares_table(gen: str) -> pd.DataFrame:
    sh = data.table("supplier_shares")
    return _annual(sh[sh["flow"] == FLOW])


@lru_cache(maxsize=4)
def _indicators(gen: str) -> pd.DataFrame:
    return _annual(data.table("indicators"))


def shares_table() -> pd.DataFrame:
    """Annual import rows of ``supplier_shares`` (cached per store generation)."""
    return _shares_table(data.generation())


def indicators_table() -> pd.DataFrame:
    """Annual rows of ``indicators`` (cached per store generation)."""
    return _indicators(data.generation())


@lru_cache(maxsize=4)
def _bloc_rows(gen: str) -> pd.DataFrame:
    ind = _indicators(gen)
    return ind[(ind["reporter"] == BLOC) & (ind["indicator"] == "bloc_china_share")]


@lru_cache(maxsize=4)
def _reporters(gen: str) -> tuple[str, ...]:
    found = set(_shares_table(gen)["reporter"].unique())
    first = [r for r in data.PREFERRED_REPORTERS if r in found]
    if not _bloc_rows(gen).empty:
        first.append(BLOC)
    rest = sorted(found - set(first), key=countries.name)
    return tuple(first + rest)


def explorer_reporters() -> list[str]:
    """Reporters with supplier rows: the US, Japan, the US + Japan bloc (where the bloc's China
    share is stored), then the rest by name."""
    return list(_reporters(data.generation()))


def product_label(product: str, kind: str) -> str:
    if kind == "total" or product == TOTAL:
        return TOTAL_LABEL
    return data.product_label(product, kind)


def _choices(pairs: pd.DataFrame) -> tuple[Choice, ...]:
    order = {g: i for i, g in enumerate(data.group_order())}
    pairs = pairs.drop_duplicates()
    kinds = dict(zip(pairs["product"], pairs["product_kind"], strict=True))
    groups = sorted((p for p, k in kinds.items() if k == "group"), key=lambda p: (order.get(p, len(order)), p))
    codes = sorted(p for p, k in kinds.items() if k == "hs")
    totals = [p for p, k in kinds.items() if k == "total"]
    return tuple(Choice(p, kinds[p], product_label(p, kinds[p])) for p in groups + codes + totals)


@lru_cache(maxsize=64)
def _products(gen: str, reporter: str) -> tuple[Choice, ...]:
    if reporter == BLOC:
        rows = _bloc_rows(gen)
    else:
        sh = _shares_table(gen)
        rows = sh[sh["reporter"] == reporter]
    return _choices(rows[["product", "product_kind"]])


def explorer_products(reporter: str) -> list[Choice]:
    """Products with rows for ``reporter``: groups (registry order), HS codes, then all goods."""
    return list(_products(data.generation(), reporter))


@lru_cache(maxsize=4)
def _all_products(gen: str) -> dict[str, Choice]:
    sh = _shares_table(gen)
    return {
        c.id: c
        for c in _choices(pd.concat([sh[["product", "product_kind"]], _bloc_rows(gen)[["product", "product_kind"]]]))
    }


def known_product(product: str) -> Choice | None:
    """The product if any reporter has rows for it (so a URL can ask for it), else None."""
    return _all_products(data.generation()).get(product)


@lru_cache(maxsize=4)
def _years(gen: str) -> tuple[int, ...]:
    periods = set(_shares_table(gen)["period"]) | set(_bloc_rows(gen)["period"])
    return tuple(sorted(int(p) for p in periods if p.isdigit()))


def explorer_years() -> list[int]:
    return list(_years(data.generation()))


@lru_cache(maxsize=256)
def _complete(gen: str, reporter: str, product: str) -> frozenset[str]:
    ind = _indicators(gen)
    hhi = ind[
        (ind["indicator"] == "hhi")
        & (ind["reporter"] == reporter)
        & (ind["flow"] == FLOW)
        & (ind["product"] == product)
        & ind["value"].notna()
    ]
    return frozenset(hhi["period"])


def explorer_partners(reporter: str, product: str) -> frozenset[str]:
    """The partners in :func:`explorer_rows` for any period (checked on every Explorer request)."""
    return _partners(data.generation(), reporter, product)


@lru_cache(maxsize=256)
def _partners(gen: str, reporter: str, product: str) -> frozenset[str]:
    return frozenset(explorer_rows(reporter, product)["partner"])


ROW_COLUMNS = ("period", "partner", "partner_name", "value_usd", "share", "rank", "breakdown")


def explorer_rows(reporter: str, product: str, start: int | None = None, end: int | None = None) -> pd.DataFrame:
    """The stored supplier rows behind the Explorer's charts, one per period and partner.

    Columns ``period, partner, partner_name, value_usd, share, rank, breakdown``; ``breakdown``
    is "complete" where a supplier HHI is stored for the period (every supplier is listed),
    "partial" otherwise (say, only China and the World were downloaded). For the bloc the rows
    are its stored China share (``bloc_china_share``): no value, no rank, always partial.
    """
    gen = data.generation()
    if reporter == BLOC:
        ind = _bloc_rows(gen)
        rows = ind[ind["product"] == product]
        out = pd.DataFrame(
            {
                "period": rows["period"].astype(str),
                "partner": CHINA,
                "value_usd": float("nan"),
                "share": rows["value"].astype(float),
                "rank": pd.array([pd.NA] * len(rows), dtype="Int64"),
            }
        )
        complete: frozenset[str] = frozenset()
    else:
        sh = _shares_table(gen)
        rows = sh[(sh["reporter"] == reporter) & (sh["product"] == product)]
        out = rows[["period", "partner", "value_usd", "share", "rank"]].copy()
        out["rank"] = out["rank"].astype("Int64")
        complete = _complete(gen, reporter, product)
    years = out["period"].astype(int)
    if start is not None:
        out = out[years >= start]
    if end is not None:
        out = out[years.loc[out.index] <= end]
    out = out.copy()
    out["partner_name"] = out["partner"].map(countries.name).astype("str")
    out["breakdown"] = out["period"].map(lambda p: "complete" if p in complete else "partial").astype("str")
    out = out.sort_values(["period", "rank", "partner"], na_position="last").reset_index(drop=True)
    return out[list(ROW_COLUMNS)]


def explorer_source_line(reporter: str, product: str) -> str:
    if reporter == BLOC:
        info = _registry().get("bloc_china_share")
        credit = info.source if info else "econsec store"
        return f"Source: {credit}; US + Japan pooled; data as of {data.data_status()['built_at']}."
    return data.source_line(reporter, product)


def describe(reporter: str, product: str) -> tuple[str, str]:
    """``(who, what)`` as in a sentence: ("Japan", "HS 280530"), ("the United States", "rare earths")."""
    who = countries.name(reporter)
    if product == TOTAL:
        return who, "all goods"
    return who, data.product_name(product)


def empty_message(reporter: str, product: str, years: str | None = None) -> str:
    """ "No data for Japan's imports of HS 280530 in the bundled snapshot" (the page adds the
    ``econsec refresh`` hint)."""
    who, what = describe(reporter, product)
    where = "the bundled snapshot" if data.is_bundled() else "the refreshed data"
    span = f" for {years}" if years else ""
    return f"No data for {who}'s imports of {what}{span} in {where}"


# ============================================================================================
# Explorer: builders (pure)
# ============================================================================================
def _style(fig: go.Figure, title: str, source_line: str | None, subtitle: str | None, height: int) -> go.Figure:
    figures._layout(fig, title, source_line, subtitle)  # the house style (fonts, margins, source line)
    fig.update_layout(height=height)
    return fig


def stacked_shares_figure(
    rows: pd.DataFrame,
    n: int = DEFAULT_TOP,
    highlight: str | None = None,
    source_line: str | None = None,
    subtitle: str | None = None,
) -> go.Figure:
    """Supplier shares (%) over time, top ``n`` plus "Other", stacked; only complete periods.

    A ``highlight`` partner gets its own band even outside the top ``n`` and is drawn solid,
    the others paler. Rows: ``period, partner, share, value_usd`` (and ``breakdown``).
    """
    title = f"Top {n} suppliers' share of imports"
    if "breakdown" in rows.columns:
        rows = rows[rows["breakdown"] == "complete"]
    if rows.empty:
        return figures.empty_figure("No complete supplier breakdown to stack.", title, source_line, subtitle)
    top = figures.top_suppliers(rows, n)
    if highlight and highlight not in top and highlight in set(rows["partner"]):
        top.append(highlight)
    frame = rows[["period", "partner", "share", "value_usd"]].copy()
    frame["partner"] = frame["partner"].where(frame["partner"].isin(top), figures.OTHER)
    grouped = frame.groupby(["period", "partner"], as_index=False)[["share", "value_usd"]].sum()
    order = top + ([figures.OTHER] if (grouped["partner"] == figures.OTHER).any() else [])
    colours = figures.supplier_colours(order)
    periods = sorted(grouped["period"].unique())
    years = [int(p) for p in periods]
    fig = go.Figure()
    for partner in order:
        part = grouped[grouped["partner"] == partner].set_index("period").reindex(periods)
        label = figures.OTHER if partner == figures.OTHER else countries.name(partner)
        faded = bool(highlight) and partner != highlight
        fig.add_trace(
            go.Scatter(
                x=years,
                y=(part["share"].fillna(0.0) * 100).round(2).tolist(),
                customdata=(part["value_usd"].fillna(0.0) / 1e6).round(1).tolist(),
                name=label + (" (highlighted)" if highlight and partner == highlight else ""),
                mode="lines",
                stackgroup="suppliers",
                line={
                    "width": 2.5 if partner == highlight else 0.8,
                    "color": "#111" if partner == highlight else colours[partner],
                },
                fillcolor=_rgba(colours[partner], 0.5 if faded else 0.95),
                hovertemplate=f"{label}: %{{y:.1f}}% (US$ %{{customdata:,.1f}} m)<extra></extra>",
            )
        )
    _style(fig, title, source_line, subtitle, figures.HEIGHT)
    fig.update_yaxes(range=[0, 100], ticksuffix="%", title_text="Share of imports")
    if len(years) > 1:
        fig.update_xaxes(range=[min(years), max(years)], dtick=max(1, round(len(years) / 8)))
    # The legend across the top (at the side it would take a third of a half-width chart), with
    # room for its rows (about three entries a row) between the subtitle and the plot.
    rows = -(-len(order) // 3)
    fig.update_layout(
        legend={"traceorder": "normal", "orientation": "h", "x": 0, "y": 1.02, "yanchor": "bottom"},
        margin={"t": 96 + 22 * rows},
        height=figures.HEIGHT + 22 * rows,
        title={"yref": "container", "y": 1, "yanchor": "top", "pad": {"t": 18}},
    )
    return fig


def _rgba(hex_colour: str, alpha: float) -> str:
    h = hex_colour.lstrip("#")
    r, g, b = (int(h[i : i + 2], 16) for i in (0, 2, 4))
    return f"rgba({r},{g},{b},{alpha})"


def map_period(rows: pd.DataFrame) -> str | None:
    """The period the map shows: the latest complete one, else the latest one."""
    if rows.empty:
        return None
    complete = rows.loc[rows.get("breakdown", pd.Series("complete", index=rows.index)) == "complete", "period"]
    return str((complete if not complete.empty else rows["period"]).max())


def share_map_figure(
    rows: pd.DataFrame, highlight: str | None = None, source_line: str | None = None, subtitle: str | None = None
) -> go.Figure:
    """A choropleth of the suppliers' shares (%) in the latest complete period (ISO3 locations).

    Draws from the topojson served locally (see :func:`graph_config`). A ``highlight`` partner
    is outlined. Countries too small for the 110m map (Singapore, Hong Kong) are in the table.
    """
    period = map_period(rows)
    title = f"Where the imports came from, {period}" if period else "Where the imports came from"
    if period is None:
        return figures.empty_figure("No supplier rows to map.", title, source_line, subtitle)
    latest = rows[(rows["period"] == period) & rows["share"].notna()]
    partial = "breakdown" in latest.columns and (latest["breakdown"] == "partial").all()
    names = latest["partner"].map(countries.name)
    values = latest["value_usd"]
    custom = [
        [n, f"US$ {v / 1e6:,.1f} m" if pd.notna(v) else "value not stored"] for n, v in zip(names, values, strict=True)
    ]
    top = max(float(latest["share"].max()) * 100, 1.0)
    fig = go.Figure(
        go.Choropleth(
            locations=latest["partner"].tolist(),
            locationmode="ISO-3",
            z=(latest["share"] * 100).round(2).tolist(),
            zmin=0,
            zmax=top,
            customdata=custom,
            colorscale=[list(stop) for stop in MAP_COLOURSCALE],
            marker={"line": {"color": "#ffffff", "width": 0.4}},
            colorbar={"title": {"text": "Share"}, "ticksuffix": "%", "thickness": 12, "len": 0.75},
            hovertemplate="%{customdata[0]}: %{z:.1f}% (%{customdata[1]})<extra></extra>",
            name="share",
        )
    )
    if highlight and highlight in set(latest["partner"]):
        row = latest[latest["partner"] == highlight].iloc[0]
        fig.add_trace(
            go.Choropleth(
                locations=[highlight],
                locationmode="ISO-3",
                z=[round(float(row["share"]) * 100, 2)],
                zmin=0,
                zmax=top,
                colorscale=[list(stop) for stop in MAP_COLOURSCALE],
                showscale=False,
                marker={"line": {"color": "#111111", "width": 2.5}},
                hovertemplate=f"{countries.name(highlight)} (highlighted): %{{z:.1f}}%<extra></extra>",
                name="highlight",
            )
        )
    _style(fig, title, source_line, subtitle, figures.HEIGHT)
    if partial:
        fig.add_annotation(
            text="Partial breakdown: only the partners shown are stored",
            xref="paper",
            yref="paper",
            x=0,
            y=1,
            xanchor="left",
            yanchor="bottom",
            showarrow=False,
            font={"size": 12, "color": figures.MUTED},
            name="partial",
        )
    fig.update_xaxes(visible=False)
    fig.update_yaxes(visible=False)
    fig.update_geos(
        projection_type="natural earth",
        showcountries=True,
        countrycolor="#c9ced6",
        showcoastlines=False,
        showland=True,
        landcolor="#f1f3f5",
        showframe=False,
        lataxis_range=[-58, 85],
    )
    fig.update_layout(margin={"l": 10, "r": 10, "t": 84, "b": 100}, hovermode="closest", height=figures.HEIGHT + 66)
    return fig


def empty_explorer_figure(message: str, title: str) -> go.Figure:
    return figures.empty_figure(message, title)


# -- downloads ----------------------------------------------------------------------------------
#: A cell that starts with one of these is read as a formula by spreadsheets (OWASP "CSV injection").
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


def escape_cell(value: object) -> object:
    """Prefix a text cell that a spreadsheet would run as a formula with ``'``; numbers stay numbers.

    >>> escape_cell("-5"), escape_cell(-5.0)
    ("'-5", -5.0)
    """
    if isinstance(value, str) and value.startswith(FORMULA_PREFIXES):
        return "'" + value
    return value


def escape_frame(frame: pd.DataFrame) -> pd.DataFrame:
    """Every text column escaped cell by cell; numeric columns untouched."""
    out = frame.copy()
    for column in out.columns:
        if not pd.api.types.is_numeric_dtype(out[column]):
            out[column] = out[column].map(escape_cell)
    return out


def csv_bytes(frame: pd.DataFrame) -> bytes:
    """UTF-8 CSV of ``frame`` with formula-looking text cells escaped."""
    # CRLF as RFC 4180 has it: Python quotes a field holding any line-terminator character, so a
    # lone CR inside a cell is quoted too (with "\n" alone it would split the row).
    return escape_frame(frame).to_csv(index=False, lineterminator="\r\n").encode("utf-8")


def parquet_bytes(frame: pd.DataFrame) -> bytes:
    """Parquet of ``frame`` as stored (typed columns: no spreadsheet reads it as formulas)."""
    buf = io.BytesIO()
    frame.reset_index(drop=True).to_parquet(buf, index=False)
    return buf.getvalue()


def slug(text: object, fallback: str = "x") -> str:
    """A file-name-safe slug: lower-case ASCII letters, digits, ``_`` and ``-``, at most 40 characters.

    >>> slug("../Rare earths!"), slug("")
    ('rare_earths', 'x')
    """
    out = re.sub(r"[^a-z0-9-]+", "_", str(text).lower()).strip("_-")[:40].strip("_-")
    return out or fallback


def download_name(reporter: str, product: str, start: int, end: int, ext: str) -> str:
    """``econsec_usa_rare_earths_2019-2024.csv``: from validated values, slugged again anyway."""
    return f"econsec_{slug(reporter)}_{slug(product)}_{int(start)}-{int(end)}.{slug(ext)}"


# ============================================================================================
# Alliance comparison: accessors and builders
# ============================================================================================
US, JAPAN = "USA", "JPN"
SIDE_COLOURS = {US: "#0b3d91", JAPAN: "#e69f00", BLOC: "#009e73", CHINA: figures.CHINA_COLOUR}
SIDE_NAMES = {US: "United States", JAPAN: "Japan", BLOC: "US + Japan (pooled)", CHINA: "China (reference)"}


@dataclass
class Panel:
    """One small chart of the Alliance page, with its notes and "not measurable" notices.

    (Defined here, not in the page module: Dash executes page modules before registering them in
    ``sys.modules``, where ``dataclass`` looks.)
    """

    key: str
    figure: go.Figure
    notes: list[str] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)


@lru_cache(maxsize=1)
def _registry() -> dict:
    from indicators.registry import all_indicators

    return all_indicators()


def indicator_name(indicator: str) -> str:
    info = _registry().get(indicator)
    return info.name if info else indicator


def indicator_source(*indicator_ids: str) -> str:
    """'Source: IMF Direction of Trade Statistics …; data as of 2026-11-22.' from the registry."""
    credits: list[str] = []
    for i in indicator_ids:
        info = _registry().get(i)
        if info and info.source and info.source not in credits:
            credits.append(info.source)
    credit = "; ".join(credits) or "econsec store"
    return wrap(f"Source: {credit}; data as of {data.data_status()['built_at']}.")


def wrap(text: str, width: int = 78, lines: int = 2) -> str:
    """``text`` broken with ``<br>`` at word boundaries into at most ``lines`` lines (the last cut with …):
    a source line inside a half-width chart must not run off its edge.

    >>> wrap("a b c", width=3)
    'a b<br>c'
    """
    out: list[str] = []
    for word in text.split():
        if out and len(out[-1]) + 1 + len(word) <= width:
            out[-1] += " " + word
        else:
            out.append(word)
    if len(out) > lines:
        out = out[:lines]
        out[-1] = out[-1][: width - 1].rstrip(" ;,") + "…"
    return "<br>".join(out)


def alliance_series(
    indicator: str,
    reporters: tuple[str, ...] = (US, JAPAN, BLOC),
    product: str | None = None,
    flow: str | None = None,
    partner: str | None = None,
) -> pd.DataFrame:
    """Annual ``reporter, partner, product, period, value`` rows of one indicator (stored rows only)."""
    ind = indicators_table()
    rows = ind[(ind["indicator"] == indicator) & ind["reporter"].isin(reporters) & ind["value"].notna()]
    if product is not None:
        rows = rows[rows["product"] == product]
    if flow is not None:
        rows = rows[rows["flow"] == flow]
    if partner is not None:
        rows = rows[rows["partner"] == partner]
    cols = [c for c in ("reporter", "partner", "product", "flow", "period", "value") if c in rows.columns]
    return rows[cols].sort_values(["reporter", "period"]).reset_index(drop=True)


def latest_by(frame: pd.DataFrame, keys: list[str]) -> pd.DataFrame:
    """The latest period's row for each combination of ``keys``."""
    if frame.empty:
        return frame
    return frame.sort_values("period").groupby(keys, as_index=False).tail(1).reset_index(drop=True)


def china_share_by_product() -> pd.DataFrame:
    """Latest China share of imports for each product group: US and Japan (``china_share``) and the
    bloc (``bloc_china_share``). Columns ``reporter, product, period, value``."""
    groups = set(data.group_order())
    own = alliance_series("china_share", (US, JAPAN), flow=FLOW)
    bloc = alliance_series("bloc_china_share", (BLOC,))
    rows = pd.concat([own, bloc], ignore_index=True)
    rows = rows[rows["product"].isin(groups)]
    return latest_by(rows, ["reporter", "product"])[["reporter", "product", "period", "value"]]


def lines_figure(
    frame: pd.DataFrame,
    title: str,
    *,
    by: str = "reporter",
    names: dict[str, str] | None = None,
    unit: str = "%",
    source_line: str | None = None,
    subtitle: str | None = None,
    empty: str = "Not measurable from the stored data.",
    dashed: tuple[str, ...] = (),
) -> go.Figure:
    """One line per ``by`` value over annual ``period`` (small multiples of the Alliance page).

    ``unit``: "%" (stored 0–1, drawn ×100), "hhi" (0–1, drawn ×10,000 as points) or "" (as stored).
    """
    if frame.empty:
        return _small(figures.empty_figure(empty, title, source_line, subtitle))
    fig = go.Figure()
    scale, suffix = {"%": (100, "%"), "hhi": (10_000, "")}.get(unit, (1, ""))
    number = ",.0f" if unit == "hhi" else ".1f"
    order = {k: i for i, k in enumerate((US, JAPAN, BLOC, CHINA))}
    keys = sorted(frame[by].unique(), key=lambda k: (order.get(str(k), len(order)), str(k)))
    for key in keys:
        part = frame[frame[by] == key].sort_values("period")
        label = (names or SIDE_NAMES).get(str(key), countries.name(str(key)))
        colour = SIDE_COLOURS.get(str(key))
        fig.add_trace(
            go.Scatter(
                x=part["period"].astype(int).tolist(),
                y=(part["value"] * scale).round(2).tolist(),
                name=label,
                mode="lines+markers" if len(part) < 12 else "lines",
                line={"width": 2.5, "color": colour, "dash": "dot" if str(key) in dashed else "solid"},
                hovertemplate=f"{label}: %{{y:{number}}}{suffix}<extra></extra>",
            )
        )
    _style(fig, title, source_line, subtitle, SMALL_HEIGHT)
    years = frame["period"].astype(int)
    fig.update_xaxes(dtick=max(1, round((years.max() - years.min()) / 6)))
    fig.update_yaxes(ticksuffix=suffix, rangemode="tozero", tickformat=",d" if unit == "hhi" else None)
    _legend_below(fig)
    return _small(fig)


def bars_figure(
    frame: pd.DataFrame,
    title: str,
    *,
    category: str,
    labels: dict[str, str],
    source_line: str | None = None,
    subtitle: str | None = None,
    empty: str = "Not measurable from the stored data.",
) -> go.Figure:
    """Horizontal grouped bars: one bar per reporter for each ``category`` value (latest year in
    hover). Category labels sit above their bars, so long names need no left margin."""
    if frame.empty:
        return _small(figures.empty_figure(empty, title, source_line, subtitle))
    cats = [c for c in labels if c in set(frame[category])]
    sides = [r for r in (US, JAPAN, BLOC) if frame.loc[frame["reporter"] == r, "value"].notna().any()]
    bar_px, gap_px = 11, 30  # per bar, and per category for its label and the space below
    band = bar_px * len(sides) + gap_px
    fig = go.Figure()
    for reporter in sides:
        part = frame[frame["reporter"] == reporter].set_index(category).reindex(cats)
        fig.add_trace(
            go.Bar(
                y=cats,
                x=(part["value"] * 100).round(1).tolist(),
                customdata=[
                    [labels[c], p if isinstance(p, str) else ""] for c, p in zip(cats, part["period"], strict=True)
                ],
                name=SIDE_NAMES[reporter],
                orientation="h",
                marker_color=SIDE_COLOURS[reporter],
                text=[f"{v:.0f}%" if pd.notna(v) else "" for v in part["value"] * 100],
                textposition="outside",
                textfont={"size": 11},
                cliponaxis=False,
                hovertemplate=SIDE_NAMES[reporter] + ", %{customdata[0]}: %{x:.1f}% (%{customdata[1]})<extra></extra>",
            )
        )
    _style(fig, title, source_line, subtitle, SMALL_TOP + SMALL_BOTTOM + band * len(cats))
    for c in cats:
        fig.add_annotation(
            text=labels[c],
            x=0,
            y=c,
            xref="paper",
            xanchor="left",
            yanchor="bottom",
            yshift=bar_px * len(sides) / 2,
            showarrow=False,
            font={"size": 12, "color": figures.TEXT},
            name="label",
        )
    fig.update_xaxes(dtick=None, tickformat=None, ticksuffix="%", range=[0, 108], showgrid=True, gridcolor=figures.GRID)
    fig.update_yaxes(autorange="reversed", showticklabels=False, showgrid=False)
    fig.update_layout(barmode="group", hovermode="closest", bargap=gap_px / band, bargroupgap=0)
    _legend_below(fig)
    _small(fig)
    fig.update_layout(margin={"l": 20})
    return fig


def _legend_below(fig: go.Figure) -> None:
    fig.update_layout(legend={"orientation": "h", "x": 0, "xanchor": "left", "y": 1.0, "yanchor": "bottom"})


SMALL_TOP, SMALL_BOTTOM = 104, 96


def _small(fig: go.Figure) -> go.Figure:
    fig.update_layout(
        title={"font": {"size": 15}, "xref": "container", "x": 0.02},
        margin={"l": 60, "r": 24, "t": SMALL_TOP, "b": SMALL_BOTTOM},
    )
    return fig
