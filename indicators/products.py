"""Product groups as data: named baskets of HS codes that indicators aggregate over.

A group's value for a partner is the sum of that partner's values over the group's
codes (see :func:`indicators.concentration.supplier_shares`). Codes are matched
exactly, never by prefix: within a group no code may be a prefix of another (``2504``
and ``250410`` together would count natural graphite powder twice). Groups are baskets and
may nest: integrated circuits ("chips") are also part of "semiconductors".
``tests/test_products.py`` checks this.

>>> GROUPS_BY_ID["magnets"].hs_codes
('850511',)
>>> [g.id for g in groups_of("854231")]
['semiconductors', 'chips']
>>> groups_of("250410")  # exact match only: 250410 is not the heading 2504
()
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_HS = re.compile(r"^(\d{2}|\d{4}|\d{6})$")

#: Where the code definitions come from.
_WCO = (
    "World Customs Organization, Harmonized Commodity Description and Coding System (HS) "
    "nomenclature, 2017 and 2022 editions"
)
_AKASHOK1 = (
    "Basket as defined by the source dataset akashok1/semiconductor-rare-earth-supply-chain-risk "
    "(exports/fct_supplier_share.csv @72a6515c, UN Comtrade US imports; shared/data/PROVENANCE.md §10); "
    "code definitions: " + _WCO
)
_QUAD = (
    "HS code as downloaded from UN Comtrade by areeshafirdaus01/quad-critical-minerals-supply-chain "
    "(shared/data/PROVENANCE.md §2.1); code definition: " + _WCO
)


@dataclass(frozen=True)
class ProductGroup:
    """A named basket of HS codes (text, 2/4/6 digits, leading zeros kept)."""

    id: str
    name: str
    hs_codes: tuple[str, ...]
    source: str
    note: str = ""

    def __post_init__(self) -> None:
        if not self.hs_codes:
            raise ValueError(f"product group {self.id!r} has no HS codes")
        bad = [c for c in self.hs_codes if not isinstance(c, str) or not _HS.match(c)]
        if bad:
            raise ValueError(f"product group {self.id!r}: not HS codes as text: {bad!r}")
        if len(set(self.hs_codes)) != len(self.hs_codes):
            raise ValueError(f"product group {self.id!r} lists a code twice: {self.hs_codes!r}")


RARE_EARTHS = ProductGroup(
    id="rare_earths",
    name="Rare earths",
    hs_codes=("280530", "284610", "284690"),
    source=_AKASHOK1,
    note=(
        "280530 rare-earth metals, scandium and yttrium; 284610 cerium compounds; 284690 other "
        "rare-earth compounds. Part of the source's 'rare_earths_and_magnets' basket (with 850511)."
    ),
)
MAGNETS = ProductGroup(
    id="magnets",
    name="Permanent magnets",
    hs_codes=("850511",),
    source=_AKASHOK1,
    note=(
        "850511 permanent magnets (and articles to become permanent magnets) of metal: includes "
        "NdFeB and SmCo rare-earth magnets but also e.g. AlNiCo; the HS does not separate "
        "rare-earth magnets at 6 digits (ferrite magnets are 850519)."
    ),
)
SEMICONDUCTORS = ProductGroup(
    id="semiconductors",
    name="Semiconductors",
    hs_codes=(
        "854110",
        "854121",
        "854129",
        "854130",
        "854140",
        "854150",
        "854160",
        "854190",
        "854231",
        "854232",
        "854233",
        "854239",
        "854290",
    ),
    source=_AKASHOK1,
    note=(
        "Discrete semiconductor devices, crystals and parts (8541) and integrated circuits and parts "
        "(8542). 854140 and 854150 are HS2017 families: from 2022 the source sums the HS2022 "
        "successors 854141/854142/854143/854149 into 854140 and 854151/854159 into 854150. "
        "854140 (photosensitive devices: solar cells, LEDs) is the largest code by value, so this "
        "group's concentration largely reflects solar imports; see 'chips' for integrated circuits."
    ),
)
CHIPS = ProductGroup(
    id="chips",
    name="Chips (integrated circuits)",
    hs_codes=("854231", "854232", "854233", "854239", "854290"),
    source=_AKASHOK1,
    note=(
        "HS 8542: processors and controllers (854231), memories (854232), amplifiers (854233), "
        "other integrated circuits (854239) and parts (854290). A subset of 'semiconductors'."
    ),
)
SEMICONDUCTOR_EQUIPMENT = ProductGroup(
    id="semiconductor_equipment",
    name="Semiconductor manufacturing equipment",
    hs_codes=("848610", "848620", "848630", "848640", "848690"),
    source=_AKASHOK1,
    note=(
        "Machines for making boules/wafers (848610), semiconductor devices or ICs (848620), flat "
        "panel displays (848630), the machines of HS Note 11(C) (848640), and parts (848690)."
    ),
)
GRAPHITE = ProductGroup(
    id="graphite",
    name="Natural graphite",
    hs_codes=("2504",),
    source=_QUAD,
    note="HS heading 2504 (4 digits): natural graphite, powder/flakes (250410) and other (250490).",
)
COBALT = ProductGroup(
    id="cobalt",
    name="Cobalt oxides and hydroxides",
    hs_codes=("2822",),
    source=_QUAD,
    note=(
        "HS heading 2822 (4 digits): cobalt oxides and hydroxides, commercial cobalt oxides. Not "
        "cobalt ores (2605) nor unwrought cobalt (8105)."
    ),
)
LITHIUM = ProductGroup(
    id="lithium",
    name="Lithium oxide and hydroxide",
    hs_codes=("282520",),
    source=_QUAD,
    note="HS 282520: lithium oxide and hydroxide. Not lithium carbonate (283691).",
)

PRODUCT_GROUPS: tuple[ProductGroup, ...] = (
    RARE_EARTHS,
    MAGNETS,
    SEMICONDUCTORS,
    CHIPS,
    SEMICONDUCTOR_EQUIPMENT,
    GRAPHITE,
    COBALT,
    LITHIUM,
)
GROUPS_BY_ID: dict[str, ProductGroup] = {g.id: g for g in PRODUCT_GROUPS}


def overlapping_codes(group: ProductGroup) -> list[tuple[str, str]]:
    """Pairs ``(a, b)`` of codes in ``group`` where ``a`` is a prefix of ``b`` (would double count).

    >>> overlapping_codes(ProductGroup("x", "X", ("2504", "250410"), source="test"))
    [('2504', '250410')]
    """
    codes = group.hs_codes
    return [(a, b) for a in codes for b in codes if a != b and b.startswith(a)]


def groups_of(hs_code: str, groups: tuple[ProductGroup, ...] = PRODUCT_GROUPS) -> tuple[ProductGroup, ...]:
    """The product groups listing ``hs_code`` exactly, in registry order.

    >>> [g.name for g in groups_of("2504")]
    ['Natural graphite']
    >>> groups_of("TOTAL")
    ()
    """
    return tuple(g for g in groups if hs_code in g.hs_codes)
