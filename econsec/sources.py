"""The public sources econsec reads, as data: what each is, its licence, where it lives.

Connectors use the ``id`` in the ``source`` column of every tidy row; pages and exports
use ``name`` and ``credit`` for their source lines.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Source:
    id: str
    name: str
    credit: str  # the short form for a chart's source line
    url: str
    licence: str
    provides: str
    cadence_days: int = 365  # how often new data is expected; older data is flagged stale


UN_COMTRADE = Source(
    id="un_comtrade",
    name="UN Comtrade",
    credit="UN Comtrade",
    url="https://comtradeplus.un.org/",
    licence="UN Comtrade terms of use (free for non-commercial use with attribution)",
    provides="Bilateral merchandise trade by HS code, reporter, partner and period (API v1).",
    cadence_days=31,
)
WORLDBANK = Source(
    id="worldbank",
    name="World Bank World Development Indicators",
    credit="World Bank, World Development Indicators",
    url="https://data.worldbank.org/",
    licence="CC BY 4.0",
    provides="Country series: R&D, researchers, high-tech exports, FDI, GDP and growth, trade openness, "
    "patents, IP receipts and payments.",
)
IMF = Source(
    id="imf",
    name="IMF International Trade in Goods (IMTS; formerly Direction of Trade Statistics)",
    credit="IMF, International Trade in Goods by partner (IMTS/DOTS)",
    url="https://data.imf.org/",
    licence="IMF terms of use (free reuse with attribution)",
    provides="Exports and imports by partner country, annual and monthly, in US dollars.",
    cadence_days=31,
)
US_CENSUS = Source(
    id="us_census",
    name="US Census Bureau international trade",
    credit="US Census Bureau, international trade",
    url="https://www.census.gov/foreign-trade/",
    licence="Public domain (US government work)",
    provides="US imports and exports by HS code and country, monthly.",
    cadence_days=31,
)
USGS = Source(
    id="usgs",
    name="USGS Mineral Commodity Summaries",
    credit="USGS, Mineral Commodity Summaries",
    url="https://www.usgs.gov/centers/national-minerals-information-center/mineral-commodity-summaries",
    licence="Public domain (US government work)",
    provides="US net import reliance, US import sources, world production and reserves by mineral.",
)
OECD = Source(
    id="oecd",
    name="OECD FDI statistics",
    credit="OECD, FDI statistics by counterpart area (BMD4)",
    url="https://data-explorer.oecd.org/",
    licence="OECD terms and conditions (CC BY 4.0 for most data)",
    provides="Foreign direct investment flows, positions and income by counterpart economy.",
)
JAPAN_CUSTOMS = Source(
    id="japan_customs",
    name="Japan Ministry of Finance trade statistics",
    credit="Japan Ministry of Finance / Japan Customs, trade statistics",
    url="https://www.customs.go.jp/toukei/info/index_e.htm",
    licence="Government of Japan Standard Terms of Use (CC BY 4.0 compatible)",
    provides="Japan's exports and imports by area and goods category, in yen.",
    cadence_days=31,
)
TAIWAN_CUSTOMS = Source(
    id="taiwan_customs",
    name="Taiwan Customs Administration trade statistics",
    credit="Customs Administration, Ministry of Finance (Taiwan)",
    url="https://portal.sw.nat.gov.tw/APGA/GA30E",
    licence="Open Government Data License, version 1.0 (Taiwan)",
    provides="Taiwan's exports by CCC code and destination, in US dollars.",
    cadence_days=31,
)
BANK_INDONESIA = Source(
    id="bank_indonesia",
    name="Bank Indonesia, Indonesian Financial Statistics (SEKI)",
    credit="Bank Indonesia, SEKI table V.33",
    url="https://www.bi.go.id/en/statistik/ekonomi-keuangan/seki/Default.aspx",
    licence="Bank Indonesia terms of use",
    provides="Direct investment flows into Indonesia by country of origin.",
    cadence_days=92,
)

SOURCES: tuple[Source, ...] = (UN_COMTRADE, WORLDBANK, IMF, US_CENSUS, USGS, OECD, JAPAN_CUSTOMS, TAIWAN_CUSTOMS,
                               BANK_INDONESIA)
SOURCES_BY_ID = {s.id: s for s in SOURCES}


def get(source_id: str) -> Source:
    try:
        return SOURCES_BY_ID[source_id]
    except KeyError:
        from econsec.errors import ConfigError

        known = ", ".join(SOURCES_BY_ID)
        raise ConfigError(f"unknown source {source_id!r}; known sources: {known}") from None


@dataclass(frozen=True)
class Freshness:
    """How current a source's stored data is (see :func:`freshness`)."""

    source: str
    as_of: str | None  # ISO time of the last successful refresh or newest stored row, whichever is later
    age_days: float | None
    limit_days: float  # cadence + grace
    stale: bool

    @property
    def label(self) -> str:
        if self.as_of is None:
            return "NO DATA"
        return "STALE" if self.stale else "current"

    def describe(self) -> str:
        if self.as_of is None:
            return "NO DATA: nothing stored from this source"
        age = f"{self.age_days:.0f} days old" if self.age_days is not None else "age unknown"
        if self.stale:
            return f"STALE: data as of {self.as_of[:10]} is {age}; expected at least every {self.limit_days:.0f} days"
        return f"current: data as of {self.as_of[:10]} ({age})"


def freshness(source_id: str, *, newest_retrieved: object = None, last_success: str | None = None,
              now: object = None, grace_days: float | None = None) -> Freshness:
    """Is a source's data stale? Its age is counted from the later of its last successful refresh and
    the newest ``retrieved_at`` of its stored rows; stale when older than ``cadence_days`` + grace
    (``ECONSEC_STALE_GRACE_DAYS``)."""
    import pandas as pd

    from econsec import settings

    source = get(source_id)
    grace = settings.stale_grace_days() if grace_days is None else grace_days
    limit = source.cadence_days + grace
    stamps = []
    for value in (newest_retrieved, last_success):
        if value is None or (isinstance(value, float) and pd.isna(value)):
            continue
        try:
            stamp = pd.Timestamp(value)
        except (TypeError, ValueError):
            continue
        if pd.isna(stamp):
            continue
        stamps.append(stamp.tz_localize("UTC") if stamp.tzinfo is None else stamp.tz_convert("UTC"))
    if not stamps:
        return Freshness(source_id, None, None, limit, False)
    as_of = max(stamps)
    current = pd.Timestamp.now(tz="UTC") if now is None else pd.Timestamp(now)
    if current.tzinfo is None:
        current = current.tz_localize("UTC")
    age = (current - as_of).total_seconds() / 86400
    return Freshness(source_id, as_of.isoformat(timespec="seconds"), age, limit, age > limit)


def newest_retrieved(tables: dict) -> dict[str, object]:
    """``{source id: newest retrieved_at}`` over stored tidy tables (``{name: DataFrame}``)."""
    out: dict[str, object] = {}
    for frame in tables.values():
        if "retrieved_at" not in frame.columns or "source" not in frame.columns or frame.empty:
            continue
        for source, newest in frame.groupby("source")["retrieved_at"].max().items():
            key = str(source)
            out[key] = newest if key not in out else max(out[key], newest)  # type: ignore[type-var]
    return out
