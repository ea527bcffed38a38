"""Goal statuses from stored indicator values, each with a one-sentence explanation from the numbers.

A measure's series is the stored annual values of its indicator for its reporter, product, partner
and flow. Its status follows the goal's rule (:mod:`indicators.goals`); a goal is on track when
every measure with data is, off track when every one is, "watch" otherwise, "context" when the
goal cannot be measured honestly, and "no data" when none of its measures has values.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pandas as pd

from indicators import goals as g

ON_TRACK, WATCH, OFF_TRACK, CONTEXT, NO_DATA = "on track", "watch", "off track", "context", "no data"
STATUSES = (ON_TRACK, WATCH, OFF_TRACK, CONTEXT, NO_DATA)
STATUS_COLUMNS = ["goal", "theme", "status", "explanation", "measure", "reporter", "period", "value",
                  "baseline_period", "baseline_value"]


@dataclass
class MeasureResult:
    measure: g.Measure
    series: pd.Series  # value by period (annual), ascending
    status: str | None = None
    baseline_period: str | None = None
    baseline_value: float | None = None
    text: str = ""

    @property
    def latest_period(self) -> str | None:
        return str(self.series.index[-1]) if len(self.series) else None

    @property
    def latest(self) -> float | None:
        return float(self.series.iloc[-1]) if len(self.series) else None


@dataclass
class GoalStatus:
    goal: g.Goal
    status: str
    explanation: str
    measures: list[MeasureResult] = field(default_factory=list)


def series_of(indicators: pd.DataFrame, m: g.Measure) -> pd.Series:
    """The values of one measure by period: annual where it has any, else monthly (event windows);
    ValueError if the fields match several series."""
    rows = indicators[(indicators["indicator"] == m.indicator) & (indicators["reporter"] == m.reporter)
                      & (indicators["product"] == m.product) & (indicators["partner"] == m.partner)]
    if m.flow is not None:
        rows = rows[rows["flow"] == m.flow]
    annual = rows["period"].str.len() == 4
    if annual.any():
        rows = rows[annual]
    if rows["period"].duplicated().any():
        flows = sorted(rows["flow"].unique())
        raise ValueError(f"measure {m} matches several series (flows {flows}); name its flow")
    return rows.set_index("period")["value"].sort_index()


def format_value(indicator: str, value: float, *, change: bool = False) -> str:
    """A value as analysts read it: shares in per cent (points for a change), HHI x 10,000, money in US$."""
    from indicators.registry import all_indicators

    info = all_indicators().get(indicator)
    unit = info.unit if info else ""
    sign = "+" if change and value > 0 else ""
    scale = info.scale if info else ""
    if "10,000" in scale or indicator.endswith("hhi"):
        return f"{sign}{value * 10_000:,.0f}"
    if "percentage change" in scale:
        return f"{value * 100:+.1f}%"
    if "0–1" in unit or "fraction" in unit:
        return f"{sign}{value * 100:.1f} {'pts' if change else '%'}".replace(" %", "%")
    if "US$" in unit:
        for size, word in ((1e12, "tn"), (1e9, "bn"), (1e6, "m")):
            if abs(value) >= size:
                return f"{sign}US${value / size:,.1f} {word}"
        return f"{sign}US${value:,.0f}"
    if unit.startswith("%"):
        return f"{sign}{value:,.2f}{' pts' if change else '%'}"
    return f"{sign}{value:,.1f}"


def _judge(rule: g.Rule, r: MeasureResult) -> None:
    m, latest, period = r.measure, r.latest, r.latest_period
    assert latest is not None and period is not None
    now = f"{m.label}: {format_value(m.indicator, latest)} in {period}"
    if isinstance(rule, g.Threshold):
        good_side = latest <= rule.good if rule.better == "lower" else latest >= rule.good
        bad_side = latest >= rule.bad if rule.better == "lower" else latest <= rule.bad
        r.status = ON_TRACK if good_side else OFF_TRACK if bad_side else WATCH
        r.text = now
    elif isinstance(rule, g.Trend):
        later = r.series[r.series.index >= rule.baseline]
        if len(later) < 2:
            r.status, r.text = None, f"{now} (no value since {rule.baseline} to compare with)"
            return
        r.baseline_period, r.baseline_value = str(later.index[0]), float(later.iloc[0])
        delta = latest - r.baseline_value
        improving = delta < 0 if rule.better == "lower" else delta > 0
        r.status = WATCH if abs(delta) <= rule.tolerance else ON_TRACK if improving else OFF_TRACK
        word = "up" if delta > 0 else "down" if delta < 0 else "unchanged"
        r.text = (f"{now}, {word} from {format_value(m.indicator, r.baseline_value)} in {r.baseline_period} "
                  f"({format_value(m.indicator, delta, change=True)})")
    else:
        r.text = now


def evaluate(goal: g.Goal, indicators: pd.DataFrame) -> GoalStatus:
    results = [MeasureResult(m, series_of(indicators, m)) for m in goal.measures]
    with_data = [r for r in results if len(r.series)]
    for r in with_data:
        _judge(goal.rule, r)
    facts = "; ".join(r.text for r in with_data)
    if isinstance(goal.rule, g.Context):
        shown = f" Closest indicators — {facts}." if facts else ""
        return GoalStatus(goal, CONTEXT, f"Context only: {goal.rule.reason}{shown}", results)
    judged = [r.status for r in with_data if r.status]
    if not judged:
        missing = facts or "none of its indicators has values in the store"
        return GoalStatus(goal, NO_DATA, f"No status: {missing}. Run `econsec refresh`.", results)
    status = judged[0] if len(set(judged)) == 1 else WATCH
    return GoalStatus(goal, status, f"{facts} — {status} ({goal.rule.basis}).", results)


def evaluate_all(indicators: pd.DataFrame) -> list[GoalStatus]:
    return [evaluate(goal, indicators) for goal in g.GOALS]


def table(indicators: pd.DataFrame) -> pd.DataFrame:
    """Goal statuses as a stored table: one row per goal and measure (a goal without measures: one row)."""
    rows = []
    for gs in evaluate_all(indicators):
        base = {"goal": gs.goal.id, "theme": gs.goal.theme, "status": gs.status, "explanation": gs.explanation}
        if not gs.measures:
            rows.append(base | {"measure": "", "reporter": "", "period": "", "value": float("nan"),
                                "baseline_period": "", "baseline_value": float("nan")})
        for r in gs.measures:
            rows.append(base | {
                "measure": r.measure.indicator, "reporter": r.measure.reporter, "period": r.latest_period or "",
                "value": r.latest if r.latest is not None else float("nan"),
                "baseline_period": r.baseline_period or "",
                "baseline_value": r.baseline_value if r.baseline_value is not None else float("nan")})
    out = pd.DataFrame(rows, columns=STATUS_COLUMNS)
    for column in STATUS_COLUMNS:
        out[column] = out[column].astype("float64" if column in ("value", "baseline_value") else "str")
    return out
