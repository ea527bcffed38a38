"""Coercion and export-control events as dated, sourced data, and the change in China's exports around them.

**Events** (:data:`EVENTS`) are facts written from memory of the public record, without internet access while
writing: each names its official record (MOFCOM/GACC announcement number, Federal Register citation, WTO
dispute) or a news-of-record report, and says in ``note`` "citation to verify" wherever the number, date or
URL is not certain. No event carries a trade figure. Informal measures (never announced, officially denied)
say so in their note.

**Measured change** (:func:`compute`): China's exports (trade table: reporter CHN, flow export, monthly periods
YYYY-MM, country partners) of each HS code an event names, in the :data:`WINDOW_MONTHS` calendar months
*before* the event month against the :data:`WINDOW_MONTHS` months *from* the event month on::

    change = sum(after) / sum(before) - 1
    before = [event month - 12, event month - 1]     after = [event month, event month + 11]

The event month is the month of :attr:`Event.date` (the day the measure took effect where known, see
``date_kind``); it counts as "after" even when the measure took effect mid-month.

Only China's export measures are measured (``actor`` CHN, ``flow`` "export"): the store's only monthly
by-destination data on affected products is the derived Comtrade table of China's exports of 250410, 380110
and 811292 to :data:`LISTED_PARTNERS` (39 partners, 2017-01..2024-12). That table has **no World row**: the
partner "" value is the sum over those 39 listed partners, not China's exports to the world.

Comtrade publishes no zero rows, and the table's producer pulled every listed partner for every month, so a
listed partner without a row in a month that the code has data for is counted as zero trade in that month.
A window must lie wholly inside the months the code has data for (any listed partner's row), the before-sum
must be positive, and volume (net weight) needs a weight on every row in both windows; else no value. A
percentage change is given only where the before-window held at least :data:`MIN_BASE_USD` of trade (the
two sums are given wherever they exist, so small flows stay visible).

Indicators: ``export_value_change_12m``, ``export_volume_change_12m`` and, wherever the value change is given,
its two sums ``export_value_before_12m`` / ``export_value_after_12m`` (US$): a tiny base (a partner buying a few
dollars' worth before) makes a huge change, and the sums show it. Periods carry the event month;
:func:`event_of` maps ``(product, period)`` back to the event id.
"""

from __future__ import annotations

import datetime
import re
from collections.abc import Iterable
from dataclasses import dataclass

import pandas as pd

from econsec.countries import is_iso3
from econsec.schema import WORLD
from indicators import base
from indicators.products import GROUPS_BY_ID

FAMILY = "Coercion and export-control events"

DATE_KINDS = ("announced", "effective")
KINDS = ("coercion", "export_control", "import_ban", "licensing")
#: The actor's goods trade a measure restricts; "" when it is not a goods-trade measure (tourism, retail).
EVENT_FLOWS = ("export", "import", "")
_HS = re.compile(r"^(\d{2}|\d{4}|\d{6})$")

#: Months in each window (calendar months, counted from the event month).
WINDOW_MONTHS = 12
#: Whose exports are measured: the only reporter with monthly by-destination data on affected products.
MEASURED_REPORTER = "CHN"
#: The 39 destinations of the derived Comtrade table of China's monthly exports of 250410/380110/811292
#: (shared/data/PROVENANCE.md §2.3, the ETL's own partner list; Taiwan is Comtrade's "Other Asia, nes").
#: The partner "" value sums these only: it is NOT China's world total.
LISTED_PARTNERS: tuple[str, ...] = (
    "ARE", "AUS", "AUT", "BEL", "BRA", "CAN", "CZE", "DEU", "EGY", "ESP", "FRA", "GBR", "HKG",
    "HUN", "IDN", "IND", "IRN", "ITA", "JPN", "KAZ", "KOR", "MEX", "MOZ", "MYS", "NLD", "NZL",
    "PHL", "POL", "RUS", "SGP", "SVK", "SWE", "THA", "TUR", "TWN", "TZA", "USA", "VNM", "ZAF",
)  # fmt: skip
ALL_LISTED = ""  # partner value of the sum over LISTED_PARTNERS


@dataclass(frozen=True)
class Event:
    """One dated, sourced measure. ``date`` is the day of ``date_kind`` ("effective": took effect;
    "announced": announced, where no separate effective day is recorded); ``announced`` is the earlier
    announcement day of an effective-dated event. ``target`` is ISO3 codes or ("WLD",) for measures on all
    destinations. ``products`` are HS codes (2/4/6 digits) or product-group ids of :mod:`indicators.products`
    (empty when no goods are involved). ``source`` names the record, ``url`` links it ("" when not known)."""

    id: str
    date: datetime.date
    date_kind: str
    actor: str
    target: tuple[str, ...]
    kind: str
    title: str
    products: tuple[str, ...]
    source: str
    note: str = ""
    url: str = ""
    flow: str = ""
    announced: datetime.date | None = None

    def __post_init__(self) -> None:
        problems = []
        if self.date_kind not in DATE_KINDS:
            problems.append(f"date_kind {self.date_kind!r} not in {DATE_KINDS}")
        if self.kind not in KINDS:
            problems.append(f"kind {self.kind!r} not in {KINDS}")
        if self.flow not in EVENT_FLOWS:
            problems.append(f"flow {self.flow!r} not in {EVENT_FLOWS}")
        if not is_iso3(self.actor):
            problems.append(f"actor {self.actor!r} is not an ISO3 country code")
        if not self.target or not (self.target == (WORLD,) or all(is_iso3(t) for t in self.target)):
            problems.append(f"target {self.target!r} is not ISO3 codes or ({WORLD!r},)")
        bad = [p for p in self.products if not (_HS.match(p) or p in GROUPS_BY_ID)]
        if bad:
            problems.append(f"products {bad!r} are neither HS codes nor product-group ids")
        if self.flow and not self.products:
            problems.append(f"flow {self.flow!r} without products")
        if not self.source.strip() or not self.title.strip():
            problems.append("title and source must not be empty")
        if self.announced is not None and (self.date_kind != "effective" or self.announced > self.date):
            problems.append("announced must be on or before an effective date")
        if problems:
            raise ValueError(f"event {self.id!r}: " + "; ".join(problems))

    @property
    def month(self) -> str:
        """The event month YYYY-MM: the first month of the after-window."""
        return f"{self.date.year:04d}-{self.date.month:02d}"

    def hs_codes(self) -> tuple[str, ...]:
        """``products`` with group ids expanded to their HS codes."""
        out: list[str] = []
        for p in self.products:
            for code in GROUPS_BY_ID[p].hs_codes if p in GROUPS_BY_ID else (p,):
                if code not in out:
                    out.append(code)
        return tuple(out)


_D = datetime.date
_VERIFY = "citation to verify"
_FR = "https://www.federalregister.gov/citation/"

EVENTS: tuple[Event, ...] = (
    Event(
        "cn_rare_earths_japan_2010",
        _D(2010, 9, 22), "effective", "CHN", ("JPN",), "coercion",
        "China halts rare-earth shipments to Japan after the Senkaku trawler collision (informal)",
        ("rare_earths",),
        "The New York Times, K. Bradsher, 'Amid Tension, China Blocks Vital Exports to Japan', 2010-09-22",
        "INFORMAL: never announced, and China's commerce ministry denied any ban; customs hold-ups were reported "
        "from about 2010-09-21, after the trawler captain's detention (collision 2010-09-07). The date is the "
        "first press report, not an official act. Related formal case: WTO DS431/DS432/DS433 (China — rare "
        f"earths, tungsten, molybdenum export restrictions, 2012). URL {_VERIFY}.",
        url="https://www.nytimes.com/2010/09/23/business/global/23rare.html",
        flow="export",
    ),
    Event(
        "cn_thaad_korea_2017",
        _D(2017, 3, 15), "effective", "CHN", ("KOR",), "coercion",
        "China's measures against Korea over the THAAD deployment: group-tour ban, Lotte Mart closures (informal)",
        (),
        "Press of record (Reuters, Yonhap), March 2017: travel agencies told to stop selling group tours to Korea",
        "INFORMAL: never officially acknowledged. Tourism and retail (Lotte Mart stores closed after fire-safety "
        "inspections from March 2017) and Korean entertainment (from 2016), not a traded-goods product, so no "
        "products. THAAD deployment announced 2016-07-08. Date = reported start of the group-tour ban; "
        f"{_VERIFY}.",
    ),
    Event(
        "cn_aus_barley_2020",
        _D(2020, 5, 19), "effective", "CHN", ("AUS",), "coercion",
        "China's anti-dumping and countervailing duties on Australian barley",
        ("1003",),
        "MOFCOM Announcements No. 14 and No. 15 of 2020 (final AD and CVD determinations on barley from "
        "Australia); WTO DS598, China — Anti-Dumping and Countervailing Duty Measures on Barley from Australia",
        f"Announced 2020-05-18. Announcement numbers: {_VERIFY}. Duties were removed in August 2023 ({_VERIFY}).",
        url="https://www.wto.org/english/tratop_e/dispu_e/cases_e/ds598_e.htm",
        flow="import", announced=_D(2020, 5, 18),
    ),
    Event(
        "cn_aus_coal_2020",
        _D(2020, 10, 1), "effective", "CHN", ("AUS",), "import_ban",
        "China's informal halt of Australian coal imports",
        ("2701",),
        "Press of record (Bloomberg, Reuters), October 2020: utilities and traders told to stop buying Australian "
        "coal",
        "INFORMAL: verbal guidance, never announced. Only the month (October 2020) is supported by the record; "
        f"the day is a placeholder. Imports resumed from early 2023 ({_VERIFY}).",
        flow="import",
    ),
    Event(
        "cn_aus_wine_2020",
        _D(2020, 11, 28), "effective", "CHN", ("AUS",), "coercion",
        "China's anti-dumping (and countervailing) duties on Australian bottled wine",
        ("220421",),
        "MOFCOM preliminary anti-dumping determination on wine from Australia, 2020-11-27 (deposits from "
        "2020-11-28); WTO DS602, China — Anti-Dumping and Countervailing Duty Measures on Wine from Australia",
        "Scope: wine in containers of 2 litres or less (HS 220421; whether 220422 is included: to verify). Final "
        f"duties from 2021-03-28; removed 2024-03-29. MOFCOM announcement numbers: {_VERIFY}.",
        url="https://www.wto.org/english/tratop_e/dispu_e/cases_e/ds602_e.htm",
        flow="import", announced=_D(2020, 11, 27),
    ),
    Event(
        "us_bis_advanced_computing_2022",
        _D(2022, 10, 7), "announced", "USA", ("CHN",), "export_control",
        "US controls on advanced computing chips and semiconductor manufacturing items to China",
        ("semiconductors", "semiconductor_equipment"),
        "US BIS interim final rule, 'Implementation of Additional Export Controls: Certain Advanced Computing and "
        "Semiconductor Manufacturing Items; Supercomputer and Semiconductor End Use; Entity List Modification', "
        "87 FR 62186 (2022-10-13)",
        "Released 2022-10-07; parts effective 2022-10-07, others 2022-10-21. Products: the rule controls advanced "
        "ICs (ECCN 3A090), computers containing them and chip-making equipment; the HS groups are broader.",
        url=_FR + "87-FR-62186",
        flow="export",
    ),
    Event(
        "cn_gallium_germanium_2023",
        _D(2023, 8, 1), "effective", "CHN", (WORLD,), "licensing",
        "China's export licensing of gallium and germanium items",
        ("811292", "811299", "282560"),
        "MOFCOM/GACC Announcement No. 23 of 2023 (export control of gallium- and germanium-related items)",
        "Announced 2023-07-03, effective 2023-08-01; licences for all destinations. Items: gallium metal and "
        "compounds (nitride, oxide, phosphide, arsenide, ...), germanium metal, ingots, dioxide, tetrachloride, "
        "... HS 811292 also covers unwrought indium, niobium and vanadium; compound codes beyond 282560 (germanium "
        f"oxides) not listed: {_VERIFY}.",
        flow="export", announced=_D(2023, 7, 3),
    ),
    Event(
        "us_bis_advanced_computing_2023",
        _D(2023, 10, 17), "announced", "USA", ("CHN", "MAC"), "export_control",
        "US update of the advanced computing and semiconductor manufacturing equipment controls",
        ("semiconductors", "semiconductor_equipment"),
        "US BIS interim final rules 'Implementation of Additional Export Controls: Certain Advanced Computing "
        "Items; Supercomputer and Semiconductor End Use; Updates and Corrections', 88 FR 73458, and 'Export "
        "Controls on Semiconductor Manufacturing Items', 88 FR 73424 (2023-10-25)",
        f"Released 2023-10-17, most provisions effective 2023-11-17; also covers arms-embargoed (D:5) countries. "
        f"FR page numbers: {_VERIFY}.",
        url=_FR + "88-FR-73458",
        flow="export",
    ),
    Event(
        "cn_graphite_2023",
        _D(2023, 12, 1), "effective", "CHN", (WORLD,), "licensing",
        "China's export licensing of graphite items",
        ("250410", "380110", "380190"),
        "MOFCOM/GACC Announcement No. 39 of 2023 (optimising and adjusting temporary export control measures on "
        "graphite items)",
        "Announced 2023-10-20, effective 2023-12-01: high-purity, high-strength, high-density synthetic graphite "
        "and natural flake graphite and products (incl. spherical and expanded graphite). The exact HS/national "
        f"codes listed (e.g. 250490, 680291) are {_VERIFY}.",
        flow="export", announced=_D(2023, 10, 20),
    ),
    Event(
        "cn_antimony_2024",
        _D(2024, 9, 15), "effective", "CHN", (WORLD,), "licensing",
        "China's export licensing of antimony items and superhard-material equipment",
        ("261710", "811010", "282580"),
        "MOFCOM/GACC Announcement No. 33 of 2024",
        f"Announced 2024-08-15, effective 2024-09-15. Announcement number and item codes: {_VERIFY}.",
        flow="export", announced=_D(2024, 8, 15),
    ),
    Event(
        "us_bis_advanced_computing_2024",
        _D(2024, 12, 2), "announced", "USA", ("CHN", "MAC"), "export_control",
        "US controls on high-bandwidth memory and more chip-making equipment; Entity List additions",
        ("semiconductor_equipment", "854232"),
        "US BIS interim final rule 'Foreign-Produced Direct Product Rule Additions, and Refinements to Controls "
        "for Advanced Computing and Semiconductor Manufacturing Items', 89 FR 96790 (2024-12-05), and Entity "
        "List additions, 89 FR 96830",
        f"Released 2024-12-02. FR page numbers: {_VERIFY}. HBM is within HS 854232 (memories).",
        url=_FR + "89-FR-96790",
        flow="export",
    ),
    Event(
        "cn_ban_to_us_2024",
        _D(2024, 12, 3), "effective", "CHN", ("USA",), "export_control",
        "China bans exports of gallium, germanium, antimony and superhard materials to the United States",
        ("811292", "811299", "282560", "261710", "811010", "282580"),
        "MOFCOM Announcement No. 46 of 2024 (strengthening export control of relevant dual-use items to the "
        "United States)",
        "Announced and effective 2024-12-03 (on publication). In principle no licences for US end users of "
        "gallium, germanium, antimony and superhard materials; stricter end-use review for graphite. Superhard "
        f"material codes not listed: {_VERIFY}.",
        flow="export",
    ),
    Event(
        "cn_rare_earths_2025",
        _D(2025, 4, 4), "effective", "CHN", (WORLD,), "licensing",
        "China's export licensing of seven medium and heavy rare earths",
        ("rare_earths", "850511"),
        "MOFCOM/GACC Announcement No. 18 of 2025 (export control of medium and heavy rare-earth items)",
        "Announced and effective 2025-04-04: samarium, gadolinium, terbium, dysprosium, lutetium, scandium, "
        "yttrium (metals, alloys, oxides, compounds) and some magnets containing them; 850511 covers all "
        f"permanent magnets of metal, so it is broader. Magnet coverage: {_VERIFY}.",
        flow="export",
    ),
)
EVENTS_BY_ID: dict[str, Event] = {e.id: e for e in EVENTS}


def _codes(product: str) -> tuple[str, ...]:
    return GROUPS_BY_ID[product].hs_codes if product in GROUPS_BY_ID else (product,)


def _overlap(a: Iterable[str], b: Iterable[str]) -> bool:
    """Some code of ``a`` and some code of ``b`` are equal or one is a heading of the other ("1003"/"100310")."""
    b = list(b)
    return any(x.startswith(y) or y.startswith(x) for x in a for y in b)


def events_for(product: str | None = None, country: str | None = None) -> tuple[Event, ...]:
    """Events on ``product`` (an HS code or group id; matched through groups and HS headings) involving
    ``country`` (the actor, a named target, or any country when the measure covers all destinations).

    >>> [e.id for e in events_for("250410")]
    ['cn_graphite_2023']
    >>> [e.id for e in events_for("rare_earths", "JPN")]
    ['cn_rare_earths_japan_2010', 'cn_rare_earths_2025']
    """
    out = []
    for e in EVENTS:
        if product is not None and not (product in e.products or _overlap(_codes(product), e.hs_codes())):
            continue
        if country is not None and not (country == e.actor or country in e.target or e.target == (WORLD,)):
            continue
        out.append(e)
    return tuple(out)


def measured_events() -> tuple[Event, ...]:
    """The events whose change in exports is measured: measures of MEASURED_REPORTER on its own exports."""
    return tuple(e for e in EVENTS if e.actor == MEASURED_REPORTER and e.flow == "export" and e.products)


def event_of(product: str, period: str) -> str | None:
    """The id of the measured event behind an indicator value on ``product`` at ``period`` (its event month).

    >>> event_of("250410", "2023-12")
    'cn_graphite_2023'
    >>> event_of("250410", "2024-01") is None
    True
    """
    found = [e.id for e in measured_events() if e.month == period and product in e.hs_codes()]
    if len(found) > 1:
        raise ValueError(f"events {found} share product {product} and month {period}: values would collide")
    return found[0] if found else None


_SUM_NOTE = (
    "Partner \"\" is the sum over the 39 destinations listed in the source table (LISTED_PARTNERS), "
    "NOT China's exports to the world: the table has no World row."
)
_SOURCE = (
    "UN Comtrade monthly exports of China by partner (reporter CHN, flow export), HS 250410, 380110, 811292, "
    "2017-01..2024-12, 39 partners, as aggregated by qennis/ChinaCriticalMineralComtrade (derived table); events "
    "from official records (MOFCOM/GACC announcements, US Federal Register, WTO disputes) listed in "
    "indicators/events.py"
)
INDICATORS: tuple[base.Indicator, ...] = (
    base.Indicator(
        "export_value_change_12m",
        "Change in China's exports, 12 months after vs before a measure",
        "ratio (0.25 = +25%)",
        f"(sum of export value, US$, over the {WINDOW_MONTHS} calendar months from the event month) / (sum over "
        f"the {WINDOW_MONTHS} months before) - 1, for each HS code the event names, by destination. Period = the "
        "event month (event_of(product, period) gives the event). Only where both windows lie wholly inside the "
        "data and the before-sum is positive; a listed partner without a row in a covered month counts as zero "
        "(Comtrade publishes no zero rows). The before-window includes any stock-building between announcement "
        "and effect (graphite to Japan: November 2023). " + _SUM_NOTE,
        "fraction; shown as a percentage change",
        FAMILY,
        "",
        _SOURCE,
    ),
    base.Indicator(
        "export_volume_change_12m",
        "Change in China's export volume (net weight), 12 months after vs before a measure",
        "ratio (0.25 = +25%)",
        "As export_value_change_12m on net weight (kg): only where every row in both windows has a weight. "
        + _SUM_NOTE,
        "fraction; shown as a percentage change",
        FAMILY,
        "",
        _SOURCE,
    ),
    base.Indicator(
        "export_value_before_12m",
        "China's exports in the 12 months before a measure",
        "US$",
        f"Sum of export value over the {WINDOW_MONTHS} calendar months before the event month: the base of "
        "export_value_change_12m, given wherever that change is (a tiny base makes a huge change). " + _SUM_NOTE,
        "current US dollars",
        FAMILY,
        "",
        _SOURCE,
    ),
    base.Indicator(
        "export_value_after_12m",
        "China's exports in the 12 months from a measure",
        "US$",
        f"Sum of export value over the {WINDOW_MONTHS} calendar months from the event month on, wherever "
        "export_value_change_12m is given. " + _SUM_NOTE,
        "current US dollars",
        FAMILY,
        "",
        _SOURCE,
    ),
)

_VALUE, _VOLUME, _BEFORE, _AFTER = (i.id for i in INDICATORS)
_MONTH = re.compile(r"^\d{4}-(0[1-9]|1[0-2])$")


def month_index(period: str) -> int:
    """Calendar months since year 0: '2023-12' -> 2023*12 + 11."""
    return int(period[:4]) * 12 + int(period[5:7]) - 1


def windows(month: str, n: int = WINDOW_MONTHS) -> tuple[list[int], list[int]]:
    """Month indices of the before- and after-window around the event month ``month`` (YYYY-MM).

    >>> b, a = windows("2023-12", 2)
    >>> [f"{m // 12}-{m % 12 + 1:02d}" for m in b + a]
    ['2023-10', '2023-11', '2023-12', '2024-01']
    """
    m0 = month_index(month)
    return list(range(m0 - n, m0)), list(range(m0, m0 + n))


def window_sums(monthly: pd.DataFrame, month: str, covered: Iterable[str] | None = None,
                n: int = WINDOW_MONTHS) -> dict[str, tuple[float, float] | None]:
    """``{"value": (before, after), "volume": (before, after)}`` sums around the event month ``month``.

    ``monthly`` holds one series' rows: ``period`` (YYYY-MM), ``value_usd``, ``net_weight_kg`` (NaN = no
    weight); several rows in a month (partners of a sum) are added, a month without a row counts as zero.
    ``covered`` are the months the data holds (default: the months of ``monthly``). None unless both windows
    lie inside ``covered``; the volume is None if a row in either window lacks a weight.
    """
    before, after = windows(month, n)
    months = monthly["period"].map(month_index)
    have = {month_index(p) for p in (monthly["period"] if covered is None else covered)}
    if not set(before + after) <= have:
        return {"value": None, "volume": None}
    b, a = monthly[months.isin(before)], monthly[months.isin(after)]
    out: dict[str, tuple[float, float] | None] = {}
    for key, col in (("value", "value_usd"), ("volume", "net_weight_kg")):
        missing = b[col].isna().any() or a[col].isna().any()
        out[key] = None if missing else (float(b[col].sum()), float(a[col].sum()))
    return out


#: Smallest before-window (US$) for which a percentage change is given: Austria's US$10 of graphite
#: before December 2023 would otherwise read as +799,900%.
MIN_BASE_USD = 1_000_000.0


def window_change(monthly: pd.DataFrame, month: str, covered: Iterable[str] | None = None,
                  n: int = WINDOW_MONTHS) -> dict[str, float | None]:
    """``{"value": after/before - 1, "volume": ...}`` from :func:`window_sums`; None also where before is 0.

    >>> f = pd.DataFrame({"period": ["2023-10", "2023-11", "2023-12"], "value_usd": [1.0, 3.0, 2.0],
    ...                   "net_weight_kg": [1.0, float("nan"), 1.0]})
    >>> window_change(f, "2023-12", ["2023-10", "2023-11", "2023-12", "2024-01"], n=2)
    {'value': -0.5, 'volume': None}
    """
    sums = window_sums(monthly, month, covered, n)
    return {k: (v[1] / v[0] - 1.0 if v is not None and v[0] > 0 else None) for k, v in sums.items()}


def compute(tables: dict[str, pd.DataFrame], *, validated: bool = False) -> pd.DataFrame:
    """Indicator values (long format of :mod:`indicators.base`) from the store's tidy tables.
    (``validated`` is accepted for the registry's uniform call; this family checks no input schema.)"""
    trade = tables.get("trade")
    if trade is None or trade.empty:
        return base.empty()
    rows = trade[
        (trade["reporter"] == MEASURED_REPORTER)
        & (trade["flow"] == "export")
        & (trade["partner_kind"] == "country")
        & trade["partner"].isin(LISTED_PARTNERS)
        & trade["period"].str.match(_MONTH)
    ]
    records: list[dict] = []
    for event in measured_events():
        for code in event.hs_codes():
            series = rows[rows["hs_code"] == code]
            if series.empty:
                continue
            event_of(code, event.month)  # raises if two events would write the same keys
            frame = series[["partner", "period", "value_usd", "net_weight_kg"]]
            covered = set(frame["period"])
            parts = [(ALL_LISTED, frame)] + [(str(p), g) for p, g in frame.groupby("partner", sort=True)]
            for partner, part in parts:
                sums = window_sums(part, event.month, covered)
                key = dict(reporter=MEASURED_REPORTER, partner=partner, flow="export", product=code,
                           product_kind="hs", period=event.month)
                value_pair = sums["value"]
                if value_pair is None or not value_pair[0] > 0:
                    continue
                records.append(key | dict(indicator=_BEFORE, value=value_pair[0]))
                records.append(key | dict(indicator=_AFTER, value=value_pair[1]))
                if value_pair[0] < MIN_BASE_USD:  # a change on a few dollars' trade is noise, not a finding
                    continue
                for measure, change_id in (("value", _VALUE), ("volume", _VOLUME)):
                    pair = sums[measure]
                    if pair is not None and pair[0] > 0:
                        records.append(key | dict(indicator=change_id, value=pair[1] / pair[0] - 1.0))
    if not records:
        return base.empty()
    return base.values(pd.DataFrame.from_records(records))
