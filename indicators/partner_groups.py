"""Partner groups (friendshoring): how much of a reporter's trade is with a group of partners.

Partner groups are DATED data: each member has the year it joined (and left, if it did), and
a group's membership in a year is its state on 31 December of that year (:func:`members_in`):
a country is a member in year ``Y`` when its membership (or the agreement, for it) was in force
by 31 December of ``Y`` and had not ended by then. CPTPP entered into force on 30 December 2018
for its first six parties, so they count as members for all of 2018: a yearly rule cannot do
better, and the rule is the same for every group.

The membership facts were WRITTEN OFFLINE FROM MEMORY (no internet when this was written): each
group names the official member list it should be checked against, and says
"checked: no (written offline)" until someone has compared it with that list.

Indicators (partner column = the group id):

* ``friend_share``: the share of a reporter's imports (flow import) or exports (flow export)
  that is with the group's members of that year, the reporter itself excluded (a country does
  not trade with itself: for the USA, G7 means the six others). Numerator: the sum of the
  members' ``partner_kind`` "country" rows; denominator: the World row of the same reporter,
  flow, HS code and period (summed over the codes of a product group). Emitted only where the
  partner breakdown is complete (country rows within ``COMPLETE_COVERAGE``–``MAX_COVERAGE`` of
  the World row: the rule of :mod:`indicators.concentration`), so a download of "World and
  China only" gives no friend share, and only where the group has at least one member other
  than the reporter that year (IPEF before 2022 gives nothing, not 0).
* ``friend_share_change``: ``friend_share`` in a year minus its value in ``BASELINE_YEAR``,
  both computed with the SAME members (those of the later year): it measures a shift of trade
  towards the group, not the group's enlargement. Annual periods after the baseline only.

Reporters are countries only: aggregates (World, EU, euro area) report trade that includes
trade among their own members, so "the reporter excluded" has no single meaning for them.
Products: ``TOTAL`` (all goods, product_kind "total"), each HS code (product_kind "hs") and the
product groups of :mod:`indicators.products` (product_kind "group").
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from econsec.countries import AGGREGATES, is_iso3
from econsec.schema import validate_trade
from indicators import base
from indicators.concentration import COMPLETE_COVERAGE, MAX_COVERAGE
from indicators.products import PRODUCT_GROUPS, ProductGroup

FAMILY = "Partner groups (friendshoring)"

#: Policy baseline of ``friend_share_change``: 2018, the year the United States began its
#: Section 301 tariffs on imports from China (July 2018) and CPTPP entered into force
#: (30 December 2018) — the start of the "friendshoring" period. It is also the first year of
#: the US supplier data. The IMF annual history stops in 2020, so on total trade the change
#: covers 2019 and 2020 only.
BASELINE_YEAR = 2018
#: A membership without a date: an analytical set whose members count in every year.
UNDATED = 0
TOTAL = "TOTAL"
_UNCHECKED = "checked: no (written offline, from memory)"
KEY = ["reporter", "flow", "product_kind", "product", "period"]


@dataclass(frozen=True)
class Membership:
    """One country's membership: in force from ``joined`` (a year) until ``left`` (a year, exclusive)."""

    iso3: str
    joined: int
    left: int | None = None

    def __post_init__(self) -> None:
        if not is_iso3(self.iso3):
            raise ValueError(f"membership: {self.iso3!r} is not an ISO3 country code")
        if self.left is not None and self.left <= self.joined:
            raise ValueError(f"membership of {self.iso3}: left {self.left} is not after joined {self.joined}")

    def in_year(self, year: int) -> bool:
        """Member on 31 December of ``year``."""
        return self.joined <= year and (self.left is None or year < self.left)


@dataclass(frozen=True)
class PartnerGroup:
    """A named, dated set of partner countries with the official list it comes from."""

    id: str
    name: str
    members: tuple[Membership, ...]
    source: str  # title + URL of the official member list
    note: str = ""
    analytical: bool = False  # an econsec analytical set, not an official membership
    #: Which way of ``friend_share`` serves the essays' goals for this group: "higher" for partners
    #: (friendshoring), "lower" for the adversary and China sets.
    better: str = "higher"

    def __post_init__(self) -> None:
        codes = [m.iso3 for m in self.members]
        if not codes:
            raise ValueError(f"partner group {self.id!r} has no members")
        if len(set(codes)) != len(codes):
            raise ValueError(f"partner group {self.id!r} lists a country twice")
        if self.better not in ("higher", "lower", ""):
            raise ValueError(f"partner group {self.id!r}: better must be 'higher', 'lower' or ''")


def members_in(group: PartnerGroup, year: int) -> frozenset[str]:
    """ISO3 codes of ``group``'s members on 31 December of ``year``.

    >>> sorted(members_in(GROUPS_BY_ID["cptpp"], 2019))
    ['AUS', 'CAN', 'JPN', 'MEX', 'NZL', 'SGP', 'VNM']
    >>> "GBR" in members_in(GROUPS_BY_ID["cptpp"], 2023), "GBR" in members_in(GROUPS_BY_ID["cptpp"], 2024)
    (False, True)
    """
    return frozenset(m.iso3 for m in group.members if m.in_year(year))


def _m(year: int, *codes: str) -> tuple[Membership, ...]:
    return tuple(Membership(c, year) for c in codes)


G7 = PartnerGroup(
    id="g7",
    name="G7",
    members=_m(1975, "FRA", "DEU", "ITA", "JPN", "GBR", "USA") + _m(1976, "CAN"),
    source=(
        "Ministry of Foreign Affairs of Japan, 'G7/G8 Summit Meetings' "
        "https://www.mofa.go.jp/policy/economy/summit/index.html (the G7 has no secretariat; "
        "the presidency's site lists the members)"
    ),
    note=(
        "Six members from the 1975 Rambouillet summit, Canada from 1976. The European Union takes "
        "part in the G7 as a non-enumerated member and is NOT counted here (its member states other "
        "than France, Germany and Italy are not G7 members). Russia (G8, 1997–2014) is not included: "
        "it was never a G7 member. " + _UNCHECKED
    ),
)
QUAD = PartnerGroup(
    id="quad",
    name="Quad",
    members=_m(2017, "AUS", "IND", "JPN", "USA"),
    source=(
        "Australian Government, Department of Foreign Affairs and Trade, 'The Quad' "
        "https://www.dfat.gov.au/international-relations/regional-architecture/quad"
    ),
    note=(
        "Dated from the November 2017 revival (senior officials' meeting, Manila), not the 2007 "
        "dialogue, which lapsed in early 2008 when Australia withdrew: the Quad has met "
        "continuously only since 2017, and its economic-security agenda (critical and emerging "
        "technology, critical minerals) belongs to the revived format. " + _UNCHECKED
    ),
)
IPEF = PartnerGroup(
    id="ipef",
    name="Indo-Pacific Economic Framework (IPEF)",
    members=_m(2022, "AUS", "BRN", "FJI", "IND", "IDN", "JPN", "KOR", "MYS", "NZL", "PHL", "SGP", "THA",
               "USA", "VNM"),
    source="U.S. Department of Commerce, 'Indo-Pacific Economic Framework for Prosperity' https://www.commerce.gov/ipef",
    note=(
        "Launched in Tokyo on 23 May 2022 with 13 partners; Fiji joined days later (May 2022): 14 "
        "partners. A framework, not a free trade agreement (no tariff commitments); India stays "
        "out of the trade pillar. Nothing before 2022. " + _UNCHECKED
    ),
)
CPTPP = PartnerGroup(
    id="cptpp",
    name="CPTPP",
    members=(
        _m(2018, "AUS", "CAN", "JPN", "MEX", "NZL", "SGP")
        + _m(2019, "VNM")
        + _m(2021, "PER")
        + _m(2022, "MYS")
        + _m(2023, "CHL", "BRN")
        + _m(2024, "GBR")
    ),
    source=(
        "New Zealand Ministry of Foreign Affairs and Trade (CPTPP depositary), 'Comprehensive and "
        "Progressive Agreement for Trans-Pacific Partnership' "
        "https://www.mfat.govt.nz/en/trade/free-trade-agreements/free-trade-agreements-in-force/cptpp"
    ),
    note=(
        "Parties for which the agreement is in force, by date of entry into force (from memory): "
        "30 Dec 2018 AUS CAN JPN MEX NZL SGP; 14 Jan 2019 VNM; 19 Sep 2021 PER; 29 Nov 2022 MYS; "
        "21 Feb 2023 CHL; 12 Jul 2023 BRN (an earlier brief said 2024: to be checked); 15 Dec 2024 "
        "GBR (accession). Signatories not yet in force are not members. " + _UNCHECKED
    ),
)
MSP = PartnerGroup(
    id="msp",
    name="Minerals Security Partnership (MSP)",
    members=(
        _m(2022, "AUS", "CAN", "FIN", "FRA", "DEU", "JPN", "KOR", "SWE", "GBR", "USA")
        + _m(2022, "ITA")
        + _m(2023, "IND", "NOR")
        + _m(2024, "EST")
    ),
    source="U.S. Department of State, 'Minerals Security Partnership' https://www.state.gov/minerals-security-partnership/",
    note=(
        "Launched 14 June 2022 by ten countries and the European Union (represented by the "
        "European Commission). The EU is not enumerated: its member states count only where they "
        "joined in their own right. Later partners and the years used here are UNCERTAIN: India "
        "(June 2023, fairly sure); Italy (2022 used; may be 2023); Norway (2023 used; may be 2022 "
        "or 2024); Estonia (2024 used; may be 2023). Later joiners (if any) are missing. " + _UNCHECKED
    ),
)
_US_FTA = (
    Membership("ISR", 1985),
    Membership("CAN", 1989),
    Membership("MEX", 1994),
    Membership("JOR", 2001),
    Membership("SGP", 2004),
    Membership("CHL", 2004),
    Membership("AUS", 2005),
    Membership("MAR", 2006),
    Membership("SLV", 2006),
    Membership("HND", 2006),
    Membership("NIC", 2006),
    Membership("GTM", 2006),
    Membership("BHR", 2006),
    Membership("DOM", 2007),
    Membership("CRI", 2009),
    Membership("OMN", 2009),
    Membership("PER", 2009),
    Membership("KOR", 2012),
    Membership("COL", 2012),
    Membership("PAN", 2012),
)
_USTR_FTA = "Office of the U.S. Trade Representative, 'Free Trade Agreements' https://ustr.gov/trade-agreements/free-trade-agreements"
US_FTA = PartnerGroup(
    id="us_fta",
    name="US free-trade-agreement partners",
    members=_US_FTA,
    source=_USTR_FTA,
    note=(
        "The 20 countries with a US FTA in force, by year of entry into force: Israel 1985; Canada "
        "1989 (US–Canada FTA, then NAFTA 1994, USMCA 2020); Mexico 1994; Jordan 2001; Singapore, "
        "Chile 2004; Australia 2005; Morocco, and CAFTA-DR for El Salvador, Honduras, Nicaragua, "
        "Guatemala 2006, Bahrain 2006; Dominican Republic 2007; Costa Rica, Oman, Peru 2009; Korea, "
        "Colombia, Panama 2012. " + _UNCHECKED
    ),
)
US_FTA_PLUS_JAPAN = PartnerGroup(
    id="us_fta_plus_japan",
    name="US FTA partners + Japan (IRA critical minerals)",
    members=_US_FTA + (Membership("JPN", 2023),),
    source=(
        _USTR_FTA + "; U.S.–Japan Critical Minerals Agreement (signed 28 March 2023), USTR; IRS Notice "
        "2023-29 https://www.irs.gov/pub/irs-drop/n-23-29.pdf"
    ),
    note=(
        "Countries whose critical minerals count for the Inflation Reduction Act's clean-vehicle "
        "credit (section 30D) as 'free trade agreement' partners: the 20 FTA partners, plus Japan "
        "from 2023 under the US–Japan Critical Minerals Agreement. Later critical-minerals "
        "agreements, if any, are not included. " + _UNCHECKED
    ),
)
ASEAN = PartnerGroup(
    id="asean",
    name="ASEAN",
    members=(
        _m(1967, "IDN", "MYS", "PHL", "SGP", "THA")
        + _m(1984, "BRN")
        + _m(1995, "VNM")
        + _m(1997, "LAO", "MMR")
        + _m(1999, "KHM")
        + _m(2025, "TLS")
    ),
    source="ASEAN Secretariat, 'ASEAN Member States' https://asean.org/member-states/",
    note=(
        "Founders 1967 (Bangkok Declaration); Brunei 1984, Viet Nam 1995, Laos and Myanmar 1997, "
        "Cambodia 1999; Timor-Leste admitted as the 11th member at the October 2025 summit (from "
        "memory; no data in this project reaches it except US imports in 2025, where it is "
        "negligible). " + _UNCHECKED
    ),
)
IPEF_FIXED = PartnerGroup(
    id="ipef_fixed",
    name="IPEF partners (2022 membership, held fixed)",
    members=tuple(Membership(m.iso3, UNDATED) for m in IPEF.members),
    source=IPEF.source,
    note=(
        "An econsec analytical set: IPEF's 14 partners of 2022, counted in EVERY year, so that trade "
        "with the countries that would form IPEF can be followed before the 2022 launch (the IMF annual "
        "history ends in 2020). It is not membership: before 2022 there was no IPEF. " + _UNCHECKED
    ),
    analytical=True,
)
ADVERSARY = PartnerGroup(
    id="adversary",
    name="Adversary set (China, Russia, Iran, North Korea)",
    members=tuple(Membership(c, UNDATED) for c in ("CHN", "RUS", "IRN", "PRK")),
    source=(
        "econsec analytical set; the same four countries as the 'covered nations' of 10 U.S.C. "
        "§ 4872 https://www.law.cornell.edu/uscode/text/10/4872"
    ),
    note=(
        "An econsec analytical set, NOT an official list of adversaries, undated (the same four "
        "countries in every year). Mainland China only: Hong Kong and Macao are separate partners "
        "(see 'china_hk_mo')."
    ),
    analytical=True,
    better="lower",
)
CHINA_HK_MO = PartnerGroup(
    id="china_hk_mo",
    name="China incl. Hong Kong and Macao",
    members=tuple(Membership(c, UNDATED) for c in ("CHN", "HKG", "MAC")),
    source="econsec analytical set (mainland China and its two special administrative regions)",
    note="Undated analytical set: China's share counting re-exports through Hong Kong and Macao.",
    analytical=True,
    better="lower",
)

PARTNER_GROUPS: tuple[PartnerGroup, ...] = (
    G7, QUAD, IPEF, IPEF_FIXED, CPTPP, MSP, US_FTA, US_FTA_PLUS_JAPAN, ASEAN, ADVERSARY, CHINA_HK_MO,
)
GROUPS_BY_ID: dict[str, PartnerGroup] = {g.id: g for g in PARTNER_GROUPS}

_SOURCE = (
    "IMF Direction of Trade Statistics (TOTAL, 2000–2020 annual; monthly with 24 partners), UN "
    "Comtrade US imports by supplier, Taiwan customs exports; memberships of "
    "indicators.partner_groups.PARTNER_GROUPS"
)
INDICATORS: tuple[base.Indicator, ...] = (
    base.Indicator(
        "friend_share",
        "Trade with a partner group",
        "share 0–1",
        "Share of the reporter's imports (or exports) of the product that is with the partner group's "
        "members of that year, the reporter itself excluded: members' country rows / World row. Only "
        f"where the partner breakdown is complete (country rows {COMPLETE_COVERAGE:g}–{MAX_COVERAGE:g} "
        "of the World row). The partner column holds the group id. Which way is better depends on the "
        "group (PartnerGroup.better): higher for partners, lower for the adversary and China sets.",
        "0–1; shown as a percentage.",
        family=FAMILY,
        better="",
        source=_SOURCE,
    ),
    base.Indicator(
        "friend_share_change",
        f"Change in trade with a partner group since {BASELINE_YEAR}",
        "change in share (0–1 scale)",
        f"friend_share in the year minus friend_share in {BASELINE_YEAR}, both with the members of the "
        "later year (so a new member does not count as a shift of trade). Annual periods after "
        f"{BASELINE_YEAR} where both years have a complete breakdown. Direction as for friend_share "
        "(PartnerGroup.better).",
        "shown ×100 as percentage points.",
        family=FAMILY,
        better="",
        source=_SOURCE,
    ),
)


# --------------------------------------------------------------------------------------------
# Shared with indicators.alliance: per-key totals and partner values.


@dataclass(frozen=True)
class Breakdown:
    """Per key (``KEY`` columns): the World total and completeness; per key and country partner: the value.

    ``keys`` columns: KEY + ``total`` (World rows summed over the product's codes; NaN when a
    code lacks its World row), ``country`` (country rows summed), ``coverage``, ``complete``,
    ``n_codes``. ``pairs`` columns: KEY + ``partner``, ``value`` (summed over codes), ``n_codes``
    (codes of the product with a row for that partner; zero values count).
    """

    keys: pd.DataFrame
    pairs: pd.DataFrame


_ROW_COLUMNS = ["reporter", "flow", "hs_code", "period", "partner", "partner_kind", "value_usd"]


def product_rows(trade: pd.DataFrame, groups: Sequence[ProductGroup] = PRODUCT_GROUPS) -> pd.DataFrame:
    """Trade rows once per product: TOTAL (kind total), each HS code (kind hs), each product group (kind group)."""
    t = trade[_ROW_COLUMNS]
    is_total = t["hs_code"] == TOTAL
    parts = [
        t[is_total].assign(product=TOTAL, product_kind="total"),
        t[~is_total].assign(product=t.loc[~is_total, "hs_code"], product_kind="hs"),
    ]
    for group in groups:  # a handful of groups; a code may be in several (chips are semiconductors)
        rows = t[t["hs_code"].isin(group.hs_codes)]
        if not rows.empty:
            parts.append(rows.assign(product=group.id, product_kind="group"))
    out = pd.concat(parts, ignore_index=True)
    for col in ("product", "product_kind"):
        out[col] = out[col].astype("str")
    return out


def breakdown(trade: pd.DataFrame, *, flows: Iterable[str] = ("import", "export"),
              reporters: Iterable[str] | None = None,
              groups: Sequence[ProductGroup] = PRODUCT_GROUPS) -> Breakdown:
    """Totals, coverage and partner values per key of ``trade`` (a valid TRADE frame)."""
    # Only the columns product_rows reads: every row filter below then copies 7 columns, not 12.
    t = trade[_ROW_COLUMNS]
    t = t[t["flow"].isin(list(flows))]
    if reporters is not None:
        t = t[t["reporter"].isin(list(reporters))]
    long = product_rows(t, groups)
    code_key = KEY + ["hs_code"]
    world = long[long["partner_kind"] == "world"].groupby(code_key, sort=False)["value_usd"].sum()
    codes = long.groupby(code_key, sort=False).size().rename("rows").to_frame()
    codes["world"] = world.reindex(codes.index)
    # A code without a World row has no known total: the key's total is then unknown (NaN).
    by_key = codes.groupby(level=KEY, sort=False)
    keys = pd.DataFrame({"total": by_key["world"].sum(), "n_codes": by_key["rows"].size()})
    keys.loc[by_key["world"].count() < keys["n_codes"], "total"] = np.nan
    country_rows = long[long["partner_kind"] == "country"]
    keys["country"] = country_rows.groupby(KEY, sort=False)["value_usd"].sum().reindex(keys.index).fillna(0.0)
    with np.errstate(divide="ignore", invalid="ignore"):
        keys["coverage"] = np.where(keys["total"] > 0, keys["country"] / keys["total"], np.nan)
    keys["complete"] = (keys["coverage"] >= COMPLETE_COVERAGE) & (keys["coverage"] <= MAX_COVERAGE)
    pairs = country_rows.groupby(KEY + ["partner"], sort=False).agg(
        value=("value_usd", "sum"), n_codes=("value_usd", "size")
    )
    return Breakdown(keys.reset_index(), pairs.reset_index())


def _membership_table(groups: Sequence[PartnerGroup], years: Iterable[int]) -> pd.DataFrame:
    """One row per (group, year, member): columns ``group, year, partner``."""
    recs = [(g.id, y, c) for g in groups for y in sorted(set(years)) for c in sorted(members_in(g, y))]
    return pd.DataFrame(recs, columns=["group", "year", "partner"]).astype(
        {"group": "str", "year": "int64", "partner": "str"}
    )


def _group_sums(pairs: pd.DataFrame, members: pd.DataFrame, year_col: str) -> pd.DataFrame:
    """Per KEY and group: the sum of member partners' values (reporter excluded); ``year_col`` picks the members."""
    merged = pairs.merge(members, left_on=[year_col, "partner"], right_on=["year", "partner"], how="inner")
    merged = merged[merged["partner"] != merged["reporter"]]
    return merged.groupby(KEY + ["group"], sort=False)["value"].sum().rename("members").reset_index()


def friend_shares(trade: pd.DataFrame, groups: Sequence[PartnerGroup] = PARTNER_GROUPS,
                  products: Sequence[ProductGroup] = PRODUCT_GROUPS) -> pd.DataFrame:
    """``friend_share`` and ``friend_share_change`` rows (base.VALUE_COLUMNS) of a valid TRADE frame."""
    bd = breakdown(trade, reporters=None, groups=products)
    keys = bd.keys[bd.keys["complete"] & ~bd.keys["reporter"].isin(list(AGGREGATES))].copy()
    if keys.empty:
        return base.empty()
    keys["year"] = keys["period"].str[:4].astype("int64")
    members = _membership_table(groups, keys["year"])
    # Every complete key x group with a member other than the reporter that year.
    candidates = keys[KEY + ["year", "total"]].merge(members, on="year", how="inner")
    candidates = candidates[candidates["partner"] != candidates["reporter"]]
    candidates = candidates.drop_duplicates(KEY + ["group"])[KEY + ["year", "group", "total"]]
    pairs = bd.pairs.merge(keys[KEY + ["year"]], on=KEY, how="inner")
    sums = _group_sums(pairs, members, "year")
    shares = candidates.merge(sums, on=KEY + ["group"], how="left")
    shares["members"] = shares["members"].fillna(0.0)
    shares["value"] = shares["members"] / shares["total"]
    out = [shares.assign(indicator="friend_share", partner=shares["group"])]

    # Change since the baseline, with the later year's members in both years.
    annual = shares[shares["period"].str.len() == 4]
    later = annual[annual["year"] > BASELINE_YEAR]
    base_keys = keys[(keys["period"] == str(BASELINE_YEAR))]
    if not later.empty and not base_keys.empty:
        prod = ["reporter", "flow", "product_kind", "product"]
        base_pairs = pairs[pairs["period"] == str(BASELINE_YEAR)].drop(columns=["year", "period"])
        # Baseline partner values against each later year's membership.
        later_years = later[prod + ["year"]].drop_duplicates()
        bp = base_pairs.merge(later_years, on=prod, how="inner").assign(period=lambda d: d["year"].astype("str"))
        base_sums = _group_sums(bp, members, "year").rename(columns={"members": "base_members"})
        ch = later.merge(base_keys[prod + ["total"]].rename(columns={"total": "base_total"}), on=prod, how="inner")
        ch = ch.merge(base_sums, on=KEY + ["group"], how="left")
        ch["base_members"] = ch["base_members"].fillna(0.0)
        ch["value"] = ch["value"] - ch["base_members"] / ch["base_total"]
        out.append(ch.assign(indicator="friend_share_change", partner=ch["group"]))
    result = pd.concat(out, ignore_index=True)
    result = result.sort_values(["indicator", "partner", "reporter", "flow", "product_kind", "product", "period"])
    return base.values(result[base.VALUE_COLUMNS])


def compute(tables: dict[str, pd.DataFrame], *, validated: bool = False) -> pd.DataFrame:
    """This family's values from ``tables["trade"]`` (validated here unless ``validated``)."""
    trade = tables.get("trade")
    if trade is None or trade.empty:
        return base.empty()
    return friend_shares(trade if validated else validate_trade(trade))
