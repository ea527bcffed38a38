"""Pure figure builders: plain frames in, ``go.Figure`` out. No store, no Dash.

Every builder takes the rows it draws (already filtered to one reporter and product),
an optional ``source_line`` that is written *inside* the figure (so an exported PNG keeps
its attribution), and returns an annotated empty-state figure when there is nothing to
draw. The house style (fonts, margins, colours) lives here and nowhere else.

>>> import pandas as pd
>>> fig = hhi_figure(pd.DataFrame({"period": ["2023", "2024"], "value": [0.5, 0.6]}))
>>> list(fig.data[0].y)
[5000.0, 6000.0]
"""

from __future__ import annotations

import zlib
from collections.abc import Iterable

import pandas as pd
import plotly.graph_objects as go

from econsec.countries import CHINA, name
from indicators.thresholds import THRESHOLDS_BY_ID, hhi_points

# -- house style ----------------------------------------------------------------------
#: System fonts only (the app runs offline; Liberation ships with Debian's fonts-liberation).
FONT_FAMILY = "Liberation Sans, Arial, Helvetica, sans-serif"
FONT_SIZE = 14
TEXT = "#212529"
MUTED = "#5c636a"
GRID = "#e3e6ea"
MARGIN = {"l": 70, "r": 30, "t": 84, "b": 100}
#: Room on the right of the HHI chart for the band labels (text, so colour is not the only signal).
HHI_RIGHT_MARGIN = 104
HEIGHT = 420

#: China always in the same red, which no other supplier gets; "Other" always grey.
CHINA_COLOUR = "#c8102e"
CHINA_SARS_COLOUR = "#7a0019"
OTHER_COLOUR = "#adb5bd"
OTHER = "Other"
#: Colour-blind-safe qualitative palette without red (Okabe–Ito plus a few darker tones).
PALETTE = (
    "#0072b2",
    "#e69f00",
    "#009e73",
    "#56b4e9",
    "#cc79a7",
    "#8c564b",
    "#d55e00",
    "#6a3d9a",
    "#17becf",
    "#b8a000",
    "#1b4f72",
    "#52734d",
)
#: Fixed colours for frequent suppliers so a country keeps its colour across products.
FIXED_COLOURS = {
    "JPN": PALETTE[0],
    "KOR": PALETTE[1],
    "TWN": PALETTE[2],
    "USA": PALETTE[3],
    "DEU": PALETTE[4],
    "VNM": PALETTE[5],
    "MYS": PALETTE[6],
    "EST": PALETTE[7],
    "AUS": PALETTE[8],
    "CAN": PALETTE[9],
    "MEX": PALETTE[10],
    "FRA": PALETTE[11],
    "IND": PALETTE[8],
    "HKG": "#e8828f",  # a pale red: Hong Kong sits next to China in the SAR variant
    "MAC": "#f2b8bf",
}

#: HHI display bands (points): (low, high, fill, label); labels come from the threshold registry.
_HHI_MODERATE = hhi_points(THRESHOLDS_BY_ID["hhi_moderate"].value)
_HHI_HIGH = hhi_points(THRESHOLDS_BY_ID["hhi_high"].value)
HHI_EC_FLAG = hhi_points(THRESHOLDS_BY_ID["hhi_ec_dependency"].value)
HHI_BANDS = (
    (0.0, _HHI_MODERATE, "rgba(25,135,84,0.10)", f"Unconcentrated (below {_HHI_MODERATE:,.0f})"),
    (_HHI_MODERATE, _HHI_HIGH, "rgba(255,193,7,0.16)", THRESHOLDS_BY_ID["hhi_moderate"].label),
    (_HHI_HIGH, 10_000.0, "rgba(220,53,69,0.10)", THRESHOLDS_BY_ID["hhi_high"].label),
)
#: The band labels drawn beside the chart (the full labels are in the page's notes).
HHI_BAND_SHORT = (
    f"Low<br>&lt;{_HHI_MODERATE:,.0f}",
    f"Moderate<br>{_HHI_MODERATE:,.0f}–{_HHI_HIGH:,.0f}",
    f"High<br>&gt;{_HHI_HIGH:,.0f}",
)
CHINA_MAJORITY = THRESHOLDS_BY_ID["china_majority"]

#: Plotly config for every graph: no logo, no cloud links, the modebar's PNG at the briefing export's
#: slide size (16:9, 1280×720 CSS px at 2×: 2560×1440, as :data:`dashboard.images.SIZES` "slide").
EXPORT_WIDTH, EXPORT_HEIGHT, EXPORT_SCALE = 1280, 720, 2


class SharedFigure(go.Figure):
    """A figure built once and sent many times: a page body cached per store generation goes out in
    every response for its view. Plotly turns a figure into JSON by deep-copying it and re-encoding
    its arrays on every request (half the time of an Explorer response); this figure does it once
    and reuses the result. Like everything cached per generation it is shared: never mutate it."""

    def to_plotly_json(self) -> dict:
        cached = self.__dict__.get("_econsec_json")
        if cached is None:
            cached = self.__dict__["_econsec_json"] = super().to_plotly_json()
        return cached


def shared(fig: go.Figure) -> go.Figure:
    """Make ``fig`` a :class:`SharedFigure`, in place, and return it (for a ``dcc.Graph`` in a cached page
    body). In place, not ``SharedFigure(fig)``: that would copy and re-validate the figure (a tenth of a
    second for an Explorer chart) and turn its numpy arrays into tuples, changing what is sent."""
    if type(fig) is go.Figure:
        fig.__class__ = SharedFigure  # a subclass adding one method and no state: the object is unchanged
    return fig


def graph_config(filename: str) -> dict:
    """The ``dcc.Graph(config=...)`` for a chart exported as ``<filename>.png``."""
    return {
        "displaylogo": False,
        "showLink": False,
        "showSendToCloud": False,
        "showEditInChartStudio": False,
        "modeBarButtonsToRemove": ["select2d", "lasso2d", "autoScale2d"],
        "toImageButtonOptions": {
            "format": "png",
            "filename": filename,
            "width": EXPORT_WIDTH,
            "height": EXPORT_HEIGHT,
            "scale": EXPORT_SCALE,
        },
        "responsive": True,
    }


def _layout(fig: go.Figure, title: str, source_line: str | None, subtitle: str | None = None) -> go.Figure:
    fig.update_layout(
        template="plotly_white",
        title={
            "text": title,
            "x": 0,
            "xanchor": "left",
            "xref": "paper",
            "font": {"size": 18},
            "subtitle": {"text": subtitle or "", "font": {"size": 13, "color": MUTED}},
        },
        font={"family": FONT_FAMILY, "size": FONT_SIZE, "color": TEXT},
        margin=MARGIN,
        height=HEIGHT,
        hovermode="x unified",
        paper_bgcolor="white",
        plot_bgcolor="white",
    )
    fig.update_xaxes(showgrid=False, linecolor=MUTED, ticks="outside", dtick=1, tickformat="d")
    fig.update_yaxes(gridcolor=GRID, zeroline=False)
    if source_line:
        fig.add_annotation(
            text=source_line,
            xref="paper",
            yref="paper",
            x=0,
            y=0,
            yshift=-42,
            xanchor="left",
            yanchor="top",
            showarrow=False,
            align="left",
            font={"size": 12, "color": MUTED},
            name="source",
        )
    return fig


def empty_figure(
    message: str, title: str = "", source_line: str | None = None, subtitle: str | None = None
) -> go.Figure:
    """A figure with no data and ``message`` in the middle (never a blank chart)."""
    fig = _layout(go.Figure(), title, source_line, subtitle)
    fig.update_xaxes(visible=False)
    fig.update_yaxes(visible=False)
    fig.add_annotation(
        text=message,
        xref="paper",
        yref="paper",
        x=0.5,
        y=0.5,
        showarrow=False,
        font={"size": 15, "color": MUTED},
        name="empty",
    )
    return fig


def _years(periods: Iterable[object]) -> list[int]:
    return [int(str(p)[:4]) for p in periods]


def _series(frame: pd.DataFrame, indicator: str) -> pd.DataFrame:
    """``period, value`` rows of one indicator, sorted, missing values dropped."""
    if "indicator" in frame.columns:
        frame = frame[frame["indicator"] == indicator]
    out = frame.loc[frame["value"].notna(), ["period", "value"]]
    return out.sort_values("period")


# -- HHI ---------------------------------------------------------------------------------
def hhi_band(points: float) -> str:
    """The band label for an HHI in points: text, so colour is never the only signal."""
    for low, high, _fill, label in HHI_BANDS:
        if low <= points < high:
            return label.split(" (")[0]
    return HHI_BANDS[-1][3].split(" (")[0]


def hhi_figure(
    indicators: pd.DataFrame,
    title: str = "Supplier concentration (HHI)",
    source_line: str | None = None,
    subtitle: str | None = None,
) -> go.Figure:
    """HHI (shown ×10,000) over time on the DOJ/FTC bands, with the EC flag dashed.

    ``indicators``: ``period, value`` (0–1 scale), optionally long with an ``indicator``
    column (only ``hhi`` rows are drawn).
    """
    rows = _series(indicators, "hhi")
    if rows.empty:
        return empty_figure("No supplier breakdown: HHI cannot be measured.", title, source_line, subtitle)
    years = _years(rows["period"])
    points = [hhi_points(v) for v in rows["value"]]
    top = min(10_000.0, max(5_000.0, (max(points) * 1.12 // 1_000 + 1) * 1_000))
    fig = go.Figure()
    for (low, high, fill, label), short in zip(HHI_BANDS, HHI_BAND_SHORT, strict=True):
        if low >= top:
            continue
        fig.add_hrect(y0=low, y1=min(high, top), fillcolor=fill, line_width=0, layer="below", name=label)
        # The highest band's label hangs from the top so it keeps clear of the EC flag's label.
        at_top = high >= top
        fig.add_annotation(
            text=short,
            xref="paper",
            x=1,
            xanchor="left",
            xshift=8,
            y=top if at_top else (low + high) / 2,
            yanchor="top" if at_top else "middle",
            showarrow=False,
            align="left",
            font={"size": 11, "color": MUTED},
            name="band",
        )
    fig.add_hline(y=HHI_EC_FLAG, line_dash="dash", line_color=TEXT, line_width=1.5, name="ec_flag")
    fig.add_annotation(
        text=f"EC flag<br>{HHI_EC_FLAG:,.0f}",
        xref="paper",
        x=1,
        xanchor="left",
        xshift=8,
        y=HHI_EC_FLAG,
        yanchor="middle",
        showarrow=False,
        align="left",
        font={"size": 11, "color": TEXT},
        name="ec_flag",
    )
    fig.add_trace(
        go.Scatter(
            x=years,
            y=points,
            mode="lines+markers+text",
            name="HHI",
            line={"color": "#0b3d91", "width": 3},
            marker={"size": 8},
            text=[f"{p:,.0f}" for p in points],
            textposition="top center",
            textfont={"size": 12, "color": "#0b3d91"},
            hovertemplate="HHI %{y:,.0f}<extra></extra>",
        )
    )
    _layout(fig, title, source_line, subtitle)
    fig.update_yaxes(range=[0, top], title_text="HHI (0–10,000)", tickformat=",d")
    fig.update_xaxes(range=[min(years) - 0.4, max(years) + 0.4])
    fig.update_layout(showlegend=False, margin={**MARGIN, "r": HHI_RIGHT_MARGIN})
    return fig


# -- supplier shares -----------------------------------------------------------------------
def supplier_colours(partners: Iterable[str]) -> dict[str, str]:
    """A colour per partner: China red, fixed colours for frequent suppliers, else a stable
    hash into the palette; a clash inside one chart moves the later partner to a free colour."""
    out: dict[str, str] = {}
    used: set[str] = set()
    for partner in partners:
        if partner == CHINA:
            colour = CHINA_COLOUR
        elif partner == OTHER:
            colour = OTHER_COLOUR
        else:
            colour = FIXED_COLOURS.get(partner) or PALETTE[zlib.crc32(partner.encode()) % len(PALETTE)]
            if colour in used:
                colour = next((c for c in PALETTE if c not in used), colour)
        out[partner] = colour
        used.add(colour)
    return out


def top_suppliers(shares: pd.DataFrame, n: int = 5) -> list[str]:
    """The ``n`` partners with the largest value over all periods in ``shares``."""
    totals = shares.groupby("partner")["value_usd"].sum().sort_values(ascending=False, kind="stable")
    return [str(p) for p in totals.index[:n]]


def group_other(shares: pd.DataFrame, n: int = 5) -> pd.DataFrame:
    """``period, partner, share, value_usd`` with every partner beyond the top ``n`` summed
    into ``"Other"``. Shares are summed, not taken as ``1 - top``, so residual areas that
    are not suppliers stay out of "Other"."""
    top = top_suppliers(shares, n)
    frame = shares[["period", "partner", "share", "value_usd"]].copy()
    frame["partner"] = frame["partner"].where(frame["partner"].isin(top), OTHER)
    out = frame.groupby(["period", "partner"], as_index=False)[["share", "value_usd"]].sum()
    return out


def supplier_area_figure(
    shares: pd.DataFrame,
    n: int = 5,
    title: str = "Top 5 suppliers' share of imports",
    source_line: str | None = None,
    subtitle: str | None = None,
) -> go.Figure:
    """Stacked area of the top ``n`` suppliers' shares (%) plus "Other" over time.

    ``shares``: ``period, partner (ISO3), share (0–1), value_usd``.
    """
    if shares.empty:
        return empty_figure("No supplier breakdown for this product.", title, source_line, subtitle)
    grouped = group_other(shares, n)
    order = top_suppliers(shares, n) + ([OTHER] if (grouped["partner"] == OTHER).any() else [])
    colours = supplier_colours(order)
    periods = sorted(grouped["period"].unique())
    years = _years(periods)
    fig = go.Figure()
    for partner in order:
        rows = grouped[grouped["partner"] == partner].set_index("period").reindex(periods)
        label = OTHER if partner == OTHER else name(partner)
        fig.add_trace(
            go.Scatter(
                x=years,
                y=(rows["share"].fillna(0.0) * 100).round(2).tolist(),
                customdata=(rows["value_usd"].fillna(0.0) / 1e6).round(1).tolist(),
                name=label,
                mode="lines",
                stackgroup="suppliers",
                line={"width": 0.8, "color": colours[partner]},
                fillcolor=colours[partner],
                hovertemplate=f"{label}: %{{y:.1f}}% (US$ %{{customdata:,.1f}} m)<extra></extra>",
            )
        )
    _layout(fig, title, source_line, subtitle)
    fig.update_yaxes(range=[0, 100], ticksuffix="%", title_text="Share of imports")
    fig.update_xaxes(range=[min(years), max(years)] if len(years) > 1 else None)
    fig.update_layout(legend={"traceorder": "normal", "title": {"text": "Supplier"}})
    return fig


# -- China's share ---------------------------------------------------------------------------
def china_share_figure(
    indicators: pd.DataFrame,
    title: str = "Share of imports from China",
    source_line: str | None = None,
    subtitle: str | None = None,
) -> go.Figure:
    """China's share (%) and, when present, China incl. Hong Kong & Macao, with the 50% line.

    ``indicators``: long ``indicator, period, value`` rows (``china_share``,
    ``china_hk_mo_share``; 0–1 scale).
    """
    china = _series(indicators, "china_share")
    sars = _series(indicators, "china_hk_mo_share")
    if china.empty and sars.empty:
        return empty_figure("China's share is not measurable for this product.", title, source_line, subtitle)
    fig = go.Figure()
    majority = CHINA_MAJORITY.value * 100
    # Lines and legend go where the data leave room: label below the mark when China's share is
    # mostly above it, above it otherwise; the legend in the half the lines leave free.
    high = pd.concat([china["value"], sars["value"]]).mean() > CHINA_MAJORITY.value
    fig.add_hline(y=majority, line_dash="dot", line_color=MUTED, line_width=1.5, name="majority")
    fig.add_annotation(
        text=f"{majority:.0f}%: {CHINA_MAJORITY.label}",
        xref="paper",
        x=0.005,
        xanchor="left",
        y=majority,
        yanchor="top" if high else "bottom",
        showarrow=False,
        font={"size": 12, "color": MUTED},
        name="majority",
    )
    for rows, label, colour, dash in (
        (china, "China", CHINA_COLOUR, "solid"),
        (sars, "China incl. Hong Kong & Macao", CHINA_SARS_COLOUR, "dash"),
    ):
        if rows.empty:
            continue
        fig.add_trace(
            go.Scatter(
                x=_years(rows["period"]),
                y=(rows["value"] * 100).round(2).tolist(),
                name=label,
                mode="lines+markers",
                line={"color": colour, "width": 3, "dash": dash},
                marker={"size": 7, "symbol": "circle" if dash == "solid" else "diamond"},
                hovertemplate=f"{label}: %{{y:.1f}}%<extra></extra>",
            )
        )
    years = _years(pd.concat([china["period"], sars["period"]]))
    _layout(fig, title, source_line, subtitle)
    fig.update_yaxes(range=[0, 105], ticksuffix="%", title_text="Share of imports", dtick=20, tick0=0)
    fig.update_xaxes(range=[min(years) - 0.4, max(years) + 0.4])
    fig.update_layout(
        legend={
            "orientation": "h",
            "x": 1,
            "xanchor": "right",
            "y": 0.02 if high else 0.98,
            "yanchor": "bottom" if high else "top",
            "bgcolor": "rgba(255,255,255,0.85)",
        }
    )
    return fig
