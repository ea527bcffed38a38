"""The policy goals the dashboard tracks, as data.

Each goal is stated in the project's own words and names the essay and author it
comes from (``shared/essays``). Issue #4 extends this registry to every policy
implication of the essays; the walking skeleton carries the first one.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Essay:
    title: str
    authors: tuple[str, ...]
    series: str

    @property
    def citation(self) -> str:
        return f"{' and '.join(self.authors)}, “{self.title}” ({self.series})"


TESTING_THE_BOND = Essay(
    "Testing the Bond of Shared Economic Security Interests",
    ("Shihoko Goto", "Lucas Myers"),
    "US–Japan economic security essay series, policy implications",
)
RECASTING = Essay(
    "Recasting U.S.-Japan Ties in a New Era of Economic Security",
    ("Shihoko Goto",),
    "A U.S.-Japan Partnership for a New Era, 2022–23",
)


@dataclass(frozen=True)
class Goal:
    id: str
    theme: str
    title: str
    statement: str
    essay: Essay
    indicators: tuple[str, ...]
    caveats: str = ""


DERISK_CRITICAL_MINERALS = Goal(
    id="derisk-critical-minerals",
    theme="Supply chains",
    title="Derisk critical-mineral supply chains",
    statement=(
        "Having started to reduce risk in semiconductor supply chains, the alliance should turn the "
        "same effort to critical minerals such as rare earths, cobalt and nickel: fewer imports from "
        "a single dominant supplier, and less reliance on China in particular."
    ),
    essay=TESTING_THE_BOND,
    indicators=("hhi", "top1_share", "china_share", "effective_suppliers"),
    caveats=(
        "Supplier is the country of origin declared to customs, not where the ore was mined or refined; "
        "a magnet assembled in Viet Nam from Chinese material counts as Vietnamese."
    ),
)

GOALS: tuple[Goal, ...] = (DERISK_CRITICAL_MINERALS,)
GOALS_BY_ID = {g.id: g for g in GOALS}
