"""Threshold bands for the concentration indicators, as data with their sources.

Values are on the 0–1 scale that :mod:`indicators.concentration` computes; the
conventional HHI "points" (0–10,000) are for display only, via :func:`hhi_points`.

>>> hhi_points(0.25)
2500.0
>>> [t.value for t in for_indicator("hhi")]
[0.15, 0.25, 0.4]
"""

from __future__ import annotations

from dataclasses import dataclass

_MERGER_2010 = (
    "U.S. Department of Justice and Federal Trade Commission, Horizontal Merger Guidelines "
    "(19 August 2010), §5.3 Market Concentration: markets with an HHI below 1,500 are "
    "unconcentrated, between 1,500 and 2,500 moderately concentrated, above 2,500 highly "
    "concentrated. The 2023 Merger Guidelines (DOJ/FTC, 18 December 2023) lowered the "
    "'highly concentrated' mark to 1,800; the 2010 bands are used here as the long-standing "
    "reference. Merger-review bands for sellers in a market, applied here by analogy to a "
    "country's suppliers of a product."
)
_MERGER_2010_URL = "https://www.justice.gov/atr/horizontal-merger-guidelines-08192010"

_EC_2021 = (
    "European Commission, Commission Staff Working Document SWD(2021) 352 final, "
    "'Strategic dependencies and capacities' (5 May 2021), accompanying the Communication "
    "'Updating the 2020 New Industrial Strategy': a product is flagged as a possible "
    "dependency when, among other criteria, the HHI of EU imports across supplier countries "
    "exceeds 0.4."
)
_EC_2021_URL = "https://eur-lex.europa.eu/legal-content/EN/TXT/?uri=CELEX:52021SC0352"


@dataclass(frozen=True)
class Threshold:
    """A reference mark on one indicator (``value`` on the indicator's own scale).

    A band starts *at or above* ``value`` except where ``label`` says "above" (strict).
    """

    id: str
    indicator: str
    value: float
    label: str
    source: str
    url: str


HHI_MODERATE = Threshold(
    id="hhi_moderate",
    indicator="hhi",
    value=0.15,
    label="Moderately concentrated (HHI 1,500–2,500)",
    source=_MERGER_2010,
    url=_MERGER_2010_URL,
)
HHI_HIGH = Threshold(
    id="hhi_high",
    indicator="hhi",
    value=0.25,
    label="Highly concentrated (HHI above 2,500)",
    source=_MERGER_2010,
    url=_MERGER_2010_URL,
)
HHI_EC_DEPENDENCY = Threshold(
    id="hhi_ec_dependency",
    indicator="hhi",
    value=0.4,
    label="EC strategic-dependency flag (HHI above 0.4)",
    source=_EC_2021,
    url=_EC_2021_URL,
)
CHINA_MAJORITY = Threshold(
    id="china_majority",
    indicator="china_share",
    value=0.5,
    label="China supplies half or more of imports",
    source=(
        "econsec convention, not an official threshold: China (mainland, CHN) supplies at least "
        "half of the reporter's imports of the product. Not to be confused with the 50% test in "
        "EC SWD(2021) 352, which is on the share of extra-EU imports in total EU imports."
    ),
    url="",
)

THRESHOLDS: tuple[Threshold, ...] = (HHI_MODERATE, HHI_HIGH, HHI_EC_DEPENDENCY, CHINA_MAJORITY)
THRESHOLDS_BY_ID: dict[str, Threshold] = {t.id: t for t in THRESHOLDS}


def for_indicator(indicator: str) -> tuple[Threshold, ...]:
    """The thresholds on ``indicator``, lowest value first."""
    return tuple(sorted((t for t in THRESHOLDS if t.indicator == indicator), key=lambda t: t.value))


def hhi_points(x: float) -> float:
    """HHI on the conventional 0–10,000 "points" scale, for display: ``x * 10_000``.

    >>> hhi_points(0.38)
    3800.0
    """
    return float(x) * 10_000
