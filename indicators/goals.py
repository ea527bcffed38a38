"""The policy goals the dashboard tracks, as data, and the essays' implications they come from.

Every policy implication of the two texts in ``shared/essays`` is listed in :data:`IMPLICATIONS`
(essay, author, its place in the text, a short paraphrase) and mapped to one goal. Goals are
stated in the project's own words. Each goal lists the measures that speak to it and how its
status is judged:

* :class:`Threshold`: the latest value against two published or declared bounds;
* :class:`Trend`: the change since a baseline year, in the direction the goal needs;
* :class:`Context`: no public statistic can honestly measure the goal; the closest indicators are
  shown, and the status says "context" — never an invented judgement.

Statuses are computed from stored indicator values by :mod:`indicators.status`.
"""

from __future__ import annotations

from dataclasses import dataclass

from indicators.codes import BLOC


@dataclass(frozen=True)
class Essay:
    title: str
    authors: tuple[str, ...]
    series: str
    file: str  # in shared/essays

    @property
    def citation(self) -> str:
        return f"{' and '.join(self.authors)}, “{self.title}” ({self.series})"


_SERIES = "US–Japan economic security essay series, policy implications"
TESTING_THE_BOND = Essay("Testing the Bond of Shared Economic Security Interests", ("Shihoko Goto", "Lucas Myers"),
                         _SERIES, "policy-implications-summary.txt")
HUDSON = Essay("Evolving US Economic Strategic Approaches to China", ("Walter Hudson",), _SERIES,
               "policy-implications-summary.txt")
OSAWA = Essay("How Japan Defines Economic Security", ("Jun Osawa",), _SERIES, "policy-implications-summary.txt")
TODO_ESSAY = Essay("Supply Chain Resilience and the Innovation Challenge", ("Yasuyuki Todo",), _SERIES,
             "policy-implications-summary.txt")
RECASTING = Essay("Recasting U.S.-Japan Ties in a New Era of Economic Security", ("Shihoko Goto",),
                  "A U.S.-Japan Partnership for a New Era, 2022–23", "goto-recasting-us-japan-ties.txt")
ESSAYS = (TESTING_THE_BOND, HUDSON, OSAWA, TODO_ESSAY, RECASTING)


@dataclass(frozen=True)
class Measure:
    """One stored indicator series: the values of ``indicator`` matching these fields."""

    indicator: str
    reporter: str
    label: str  # what it is, in words: "US imports of rare earths"
    product: str = ""
    partner: str = ""
    flow: str | None = None  # None: whatever flow the family stores


@dataclass(frozen=True)
class Threshold:
    """Latest value against bounds: on the good side of ``good`` is on track, past ``bad`` off track."""

    better: str  # "lower" or "higher"
    good: float
    bad: float
    basis: str  # where the bounds come from

    def __post_init__(self) -> None:
        assert self.better in ("lower", "higher"), self.better
        assert (self.good < self.bad) if self.better == "lower" else (self.good > self.bad), "good before bad"


@dataclass(frozen=True)
class Trend:
    """Change since ``baseline`` (a year): beyond ``tolerance`` in the ``better`` direction is on
    track, beyond it the other way off track, within it "watch"."""

    better: str
    baseline: str
    tolerance: float  # in the indicator's unit (0.01 = one percentage point for a 0–1 share)
    basis: str

    def __post_init__(self) -> None:
        assert self.better in ("lower", "higher"), self.better


@dataclass(frozen=True)
class Context:
    reason: str  # why no status can be computed honestly


Rule = Threshold | Trend | Context


@dataclass(frozen=True)
class Goal:
    id: str
    theme: str
    title: str
    statement: str
    essay: Essay
    rule: Rule
    measures: tuple[Measure, ...]  # judged (or, for Context, the closest indicators shown)
    caveats: str = ""

    @property
    def indicators(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(m.indicator for m in self.measures))


THEMES = ("Supply chains and critical minerals", "Technology and innovation", "Southeast Asia and the regional order",
          "The alliance and economic security", "Growth and openness")

_DOJ = "DOJ/FTC Horizontal Merger Guidelines (2010): HHI below 1,500 unconcentrated, above 2,500 highly concentrated"

GOALS: tuple[Goal, ...] = (
    Goal(
        id="derisk-critical-minerals",
        theme=THEMES[0],
        title="Derisk critical-mineral supply chains",
        statement=(
            "Having started to reduce risk in semiconductor supply chains, the alliance should turn the same effort "
            "to critical minerals such as rare earths, cobalt and nickel: fewer imports from a single dominant "
            "supplier, and less reliance on China in particular."
        ),
        essay=TESTING_THE_BOND,
        rule=Threshold("lower", 0.15, 0.25, _DOJ),
        measures=(
            Measure("hhi", "USA", "Supplier concentration of US rare-earth imports", product="rare_earths"),
            Measure("hhi", "USA", "Supplier concentration of US permanent-magnet imports", product="magnets"),
        ),
        caveats=(
            "Supplier is the country of origin declared to customs, not where the ore was mined or refined; a "
            "magnet assembled in Viet Nam from Chinese material counts as Vietnamese. Japan's supplier breakdown "
            "for these products is not in the bundled data (only its imports from China and the World)."
        ),
    ),
    Goal(
        id="reduce-vulnerability",
        theme=THEMES[0],
        title="Reduce vulnerability to disruption of strategic goods",
        statement=(
            "Washington and Tokyo should shrink the set of strategic goods whose supply a single country, "
            "above all China, could cut off — fewer products that screen as foreign-dependent."
        ),
        essay=OSAWA,
        rule=Trend("lower", "2018", 0.02, "China's share of the alliance's imports of strategic goods falling "
                   "since 2018 (±2 points)"),
        measures=(
            Measure("bloc_china_share", BLOC, "China's share of US+Japan imports of natural graphite",
                    product="graphite"),
            Measure("china_share", "USA", "China's share of US imports of chips (integrated circuits)",
                    product="chips"),
        ),
        caveats="The EC-style screening covers only the products in the store; see the screening list.",
    ),
    Goal(
        id="friendshoring",
        theme=THEMES[0],
        title="Friendshore through the G7, IPEF and supply-chain initiatives",
        statement=(
            "Use multilateral frameworks such as the G7, IPEF and the Supply Chain Resilience Initiative to invest "
            "in trusted partners, so that more of what the US and Japan import comes from them and less from China."
        ),
        essay=TODO_ESSAY,
        rule=Trend("higher", "2018", 0.01, "a rising share of imports from partner groups since 2018"),
        measures=(
            Measure("friend_share", "USA", "Share of US rare-earth imports from the 14 IPEF partners",
                    product="rare_earths", partner="ipef_fixed", flow="import"),
            Measure("friend_share", "USA", "Share of US chip imports from the 14 IPEF partners", product="chips",
                    partner="ipef_fixed", flow="import"),
        ),
        caveats=("IPEF was launched in 2022; to compare with 2018 its 14 partners are counted in every year "
                 "(the 'ipef_fixed' set). Dated memberships are used elsewhere."),
    ),
    Goal(
        id="tech-cooperation",
        theme=THEMES[1],
        title="Cooperate on next-generation technologies",
        statement=(
            "As market economies facing a state-directed competitor, the US and Japan should develop the next "
            "generation of technologies together, with public–private collaboration, building on each side's "
            "competitive strengths."
        ),
        essay=TESTING_THE_BOND,
        rule=Trend("higher", "2015", 0.05, "R&D spending as a share of GDP rising since 2015 (±0.05 points)"),
        measures=(
            Measure("rd_intensity", "USA", "US R&D expenditure, % of GDP", product="GB.XPD.RSDV.GD.ZS"),
            Measure("rd_intensity", "JPN", "Japan's R&D expenditure, % of GDP", product="GB.XPD.RSDV.GD.ZS"),
        ),
        caveats="R&D intensity measures effort, not cooperation; no public statistic counts joint US–Japan projects.",
    ),
    Goal(
        id="knowledge-friendshoring",
        theme=THEMES[1],
        title="Friendshore knowledge: research collaboration among partners",
        statement=(
            "Extend friendshoring from goods to knowledge: international research collaboration among trusted "
            "partners to speed up the technologies that keep their edge."
        ),
        essay=TODO_ESSAY,
        rule=Trend("higher", "2015", 50.0, "researchers per million people rising since 2015 (±50)"),
        measures=(
            Measure("researchers_per_million", "USA", "US researchers in R&D per million people",
                    product="SP.POP.SCIE.RD.P6"),
            Measure("researchers_per_million", "JPN", "Japan's researchers in R&D per million people",
                    product="SP.POP.SCIE.RD.P6"),
        ),
        caveats="Research capacity is a proxy; co-authorship and joint patent data are not in the store.",
    ),
    Goal(
        id="cyber-defence",
        theme=THEMES[1],
        title="Cyber defence of key technologies and critical infrastructure",
        statement=(
            "Strengthen US–Japan cooperation in cyber defence, both to protect the technologies at the root of "
            "national strength and to shield critical infrastructure from state-backed cyberattacks."
        ),
        essay=OSAWA,
        rule=Context("No public trade or economic statistic measures cyber defence or attacks on infrastructure; "
                     "the closest indicators show the value of the technology being protected."),
        measures=(
            Measure("ip_receipts_usd", "USA", "US receipts for the use of intellectual property",
                    product="BX.GSR.ROYL.CD"),
            Measure("ip_receipts_usd", "JPN", "Japan's receipts for the use of intellectual property",
                    product="BX.GSR.ROYL.CD"),
        ),
    ),
    Goal(
        id="southeast-asia-arena",
        theme=THEMES[2],
        title="Compete with China in Southeast Asia",
        statement=(
            "Southeast Asia is where economic competition with China will be decided: the alliance should combine "
            "Japan's standing as the region's preferred economic partner with the US role as security provider."
        ),
        essay=TESTING_THE_BOND,
        rule=Trend("lower", "2011", 0.01, "the gap between China's and the US+Japan share of ASEAN trade narrowing "
                   "since 2011"),
        measures=(
            Measure("china_vs_alliance_gap", "QAS", "China's share minus the US+Japan share of ASEAN members' trade",
                    product="TOTAL", partner="QUJ", flow="trade"),
        ),
    ),
    Goal(
        id="japan-bridge",
        theme=THEMES[2],
        title="Japan as the bridge to Southeast Asia",
        statement=(
            "Japan's pragmatic approach, focused on shared interests rather than values, is welcome in the region; "
            "the US engages Southeast Asia better when it leans on Japan's economic and political leadership there."
        ),
        essay=RECASTING,
        rule=Trend("higher", "2011", 0.005, "Japan's share of ASEAN members' trade holding up or rising since 2011"),
        measures=(
            Measure("partner_trade_share", "QAS", "Japan's share of ASEAN members' trade", product="TOTAL",
                    partner="JPN", flow="trade"),
        ),
    ),
    Goal(
        id="order-building",
        theme=THEMES[2],
        title="Build order through existing relationships and initiatives",
        statement=(
            "Both allies want to renew the post-war economic order rather than replace it; in the Indo-Pacific they "
            "can do so jointly through the relationships, investments and initiatives they already have."
        ),
        essay=TESTING_THE_BOND,
        rule=Trend("higher", "2015", 0.01, "the share of US and Japanese trade with IPEF partners rising since 2015"),
        measures=(
            Measure("friend_share", "USA", "Share of US imports from the 14 IPEF partners", product="TOTAL",
                    partner="ipef_fixed", flow="import"),
            Measure("friend_share", "JPN", "Share of Japan's imports from the 14 IPEF partners", product="TOTAL",
                    partner="ipef_fixed", flow="import"),
        ),
        caveats=("The IMF's annual partner history in the bundled data ends in 2020; IPEF's 14 partners are counted "
                 "in every year so the trend can start before its 2022 launch."),
    ),
    Goal(
        id="consolidate-initiatives",
        theme=THEMES[2],
        title="Consolidate overlapping initiatives",
        statement=(
            "The many bilateral and multilateral economic-security initiatives overlap a great deal; to be "
            "effective they should be merged and streamlined."
        ),
        essay=RECASTING,
        rule=Context("How many initiatives exist and how far they overlap is not a public statistic; the partner "
                     "groups tracked here show the overlap of their memberships."),
        measures=(
            Measure("friend_share", "USA", "Share of US imports from G7 partners", product="TOTAL", partner="g7",
                    flow="import"),
        ),
    ),
    Goal(
        id="rely-on-each-other",
        theme=THEMES[3],
        title="Rely on each other against economic pressure",
        statement=(
            "The US and Japan now agree that they must compete with China on economic security — a deep change of "
            "thinking in Tokyo — and each can count on the other to secure its economy."
        ),
        essay=OSAWA,
        rule=Trend("higher", "2010", 0.005, "each ally's share of the other's trade holding up or rising since 2010"),
        measures=(
            Measure("us_japan_trade_share", "USA", "Japan's share of US goods trade", product="TOTAL", partner="JPN",
                    flow="trade"),
            Measure("us_japan_trade_share", "JPN", "The US share of Japan's goods trade", product="TOTAL",
                    partner="USA", flow="trade"),
        ),
    ),
    Goal(
        id="economic-security-convergence",
        theme=THEMES[3],
        title="Economic and national security converge",
        statement=(
            "Economic interest and national security are converging in US policy for the first time in decades, "
            "reshaping domestic policy and strategy towards allies such as Japan and towards authoritarian states."
        ),
        essay=HUDSON,
        rule=Context("A change in policy thinking is not measured by statistics; the closest evidence is the "
                     "sequence of export controls and coercive measures and their effect on trade."),
        measures=(
            Measure("export_value_change_12m", "CHN", "Change in China's exports of gallium/germanium after its "
                    "2023 licensing", product="811292"),
        ),
    ),
    Goal(
        id="flexible-strategy",
        theme=THEMES[3],
        title="A flexible, pragmatic economic strategy",
        statement=(
            "Whatever its model — fencing off a few key technologies (“small yard, high fence”) or a broad "
            "industrial policy — US economic strategy should stay pragmatic and adaptable, and it will shift with "
            "administrations and circumstances."
        ),
        essay=HUDSON,
        rule=Context("Flexibility of strategy is a quality of policy-making, not a statistic; the export-control "
                     "timeline shows how policy has shifted."),
        measures=(),
    ),
    Goal(
        id="strategy-tensions",
        theme=THEMES[3],
        title="Mind the tension between industrial strategy and an open order",
        statement=(
            "A strong turn to industrial strategy can look, to partners, like a retreat from the promised return to "
            "a rules-based order towards a more national and transactional approach; US policy should be aware of it."
        ),
        essay=HUDSON,
        rule=Context("Perceptions of US strategy are not measured here; trade openness is the closest indicator."),
        measures=(
            Measure("trade_openness", "USA", "US trade (exports + imports), % of GDP"),
        ),
    ),
    Goal(
        id="growth-market-access",
        theme=THEMES[4],
        title="Keep growth and market access in view",
        statement=(
            "Protecting technology matters for defence and for prosperity, but growth and market access cannot be "
            "sidelined: economic security must be balanced with growth, at home and abroad, and with the global South."
        ),
        essay=RECASTING,
        rule=Trend("higher", "2015", 1.0, "trade as a share of GDP holding up or rising since 2015 (±1 point)"),
        measures=(
            Measure("trade_openness", "USA", "US trade (exports + imports), % of GDP"),
            Measure("trade_openness", "JPN", "Japan's trade (exports + imports), % of GDP"),
        ),
        caveats="Openness rises and falls with commodity prices and exchange rates, not only with policy.",
    ),
)

GOALS_BY_ID = {g.id: g for g in GOALS}
DERISK_CRITICAL_MINERALS = GOALS_BY_ID["derisk-critical-minerals"]


@dataclass(frozen=True)
class Implication:
    """One policy implication as the essays list it (the ``n``-th bullet of its essay's list)."""

    essay: Essay
    n: int
    gist: str  # a short paraphrase
    goal: str


IMPLICATIONS: tuple[Implication, ...] = (
    Implication(TESTING_THE_BOND, 1, "co-develop next-generation technologies, public–private", "tech-cooperation"),
    Implication(TESTING_THE_BOND, 2, "after semiconductors, derisk critical minerals", "derisk-critical-minerals"),
    Implication(TESTING_THE_BOND, 3, "Southeast Asia is the arena of competition with China", "southeast-asia-arena"),
    Implication(TESTING_THE_BOND, 4, "build order through existing relationships and initiatives", "order-building"),
    Implication(HUDSON, 1, "strategy should be flexible, pragmatic, adaptable", "flexible-strategy"),
    Implication(HUDSON, 2, "strategy changes with administrations and conditions", "flexible-strategy"),
    Implication(HUDSON, 3, "tension between industrial strategy and a return to order", "strategy-tensions"),
    Implication(HUDSON, 4, "economic and national security converge", "economic-security-convergence"),
    Implication(OSAWA, 1, "aligned on competing with China; can rely on each other", "rely-on-each-other"),
    Implication(OSAWA, 2, "cooperate on cyber defence of key technologies", "cyber-defence"),
    Implication(OSAWA, 3, "protect critical infrastructure from cyberattacks", "cyber-defence"),
    Implication(OSAWA, 4, "reduce vulnerability to disruption of strategic goods", "reduce-vulnerability"),
    Implication(TODO_ESSAY, 1, "balance security and growth, at home and abroad", "growth-market-access"),
    Implication(TODO_ESSAY, 2, "friendshore through the G7, IPEF and SCRI", "friendshoring"),
    Implication(TODO_ESSAY, 3, "knowledge friendshoring", "knowledge-friendshoring"),
    Implication(RECASTING, 1, "consolidate overlapping initiatives", "consolidate-initiatives"),
    Implication(RECASTING, 2, "Japan's realist approach; Japan as bridge to Southeast Asia", "japan-bridge"),
    Implication(RECASTING, 3, "technology protection, but growth and market access too", "growth-market-access"),
)
