"""Goals: every implication of the essays is tracked, in our own words, and statuses follow the rules."""

import re
from pathlib import Path

import pandas as pd
import pytest

from indicators import goals as g
from indicators import status as st
from indicators.registry import all_indicators

ESSAYS = Path(__file__).resolve().parents[2] / "shared" / "essays"
needs_essays = pytest.mark.skipif(not ESSAYS.is_dir(), reason="needs ../shared/essays beside the repo (CI has it)")


def _bullets_by_essay() -> dict[str, int]:
    """Count the policy-implication bullets of each essay as the texts print them."""
    counts: dict[str, int] = {}
    summary = (ESSAYS / "policy-implications-summary.txt").read_text()
    current = None
    for line in summary.splitlines():
        title = re.match(r"^[“\"](.+)[”\"]\s*$", line.strip())
        if title:
            current = title.group(1)
        elif current and line.startswith("- "):
            counts[current] = counts.get(current, 0) + 1
    recasting = (ESSAYS / "goto-recasting-us-japan-ties.txt").read_text()
    section = recasting.split("#### POLICY IMPLICATIONS", 1)[1].split("The convergence", 1)[0]
    counts[g.RECASTING.title] = sum(1 for line in section.splitlines() if line.startswith("- "))
    return counts


@needs_essays
def test_every_implication_in_the_essays_is_listed():
    counts = _bullets_by_essay()
    assert sum(counts.values()) == 18
    for essay in g.ESSAYS:
        listed = sorted(i.n for i in g.IMPLICATIONS if i.essay == essay)
        assert listed == list(range(1, counts[essay.title] + 1)), essay.title


def test_every_implication_maps_to_a_measured_or_context_goal():
    for implication in g.IMPLICATIONS:
        goal = g.GOALS_BY_ID[implication.goal]
        assert goal.measures or isinstance(goal.rule, g.Context), goal.id
    assert {i.goal for i in g.IMPLICATIONS} == set(g.GOALS_BY_ID), "every goal comes from an implication"


def test_every_measure_names_a_registered_indicator():
    known = all_indicators()
    for goal in g.GOALS:
        for measure in goal.measures:
            assert measure.indicator in known, (goal.id, measure.indicator)


def test_goals_have_themes_essays_and_unique_ids():
    assert len(g.GOALS_BY_ID) == len(g.GOALS)
    for goal in g.GOALS:
        assert goal.theme in g.THEMES and goal.essay in g.ESSAYS and len(goal.statement) > 80


@needs_essays
def test_statements_are_in_our_own_words():
    """No run of eight words of a goal statement appears in the essays (quotations aside)."""
    text = " ".join(re.findall(r"[a-z]+", " ".join(p.read_text().lower() for p in ESSAYS.glob("*.txt"))))
    for goal in g.GOALS:
        words = re.findall(r"[a-z]+", goal.statement.lower())
        for i in range(len(words) - 7):
            assert " ".join(words[i:i + 8]) not in text, (goal.id, " ".join(words[i:i + 8]))


def _values(indicator: str, points: dict[str, float], **fields) -> pd.DataFrame:
    base = {"reporter": "USA", "partner": "", "flow": "import", "product": "p", "product_kind": "hs"} | fields
    return pd.DataFrame([base | {"indicator": indicator, "period": p, "value": v} for p, v in points.items()])


def _goal(rule, *measures) -> g.Goal:
    return g.Goal("t", g.THEMES[0], "T", "x" * 90, g.TESTING_THE_BOND, rule, tuple(measures))


M = g.Measure("hhi", "USA", "US imports", product="p")


@pytest.mark.parametrize(("latest", "expected"), [(0.10, st.ON_TRACK), (0.20, st.WATCH), (0.30, st.OFF_TRACK),
                                                  (0.15, st.ON_TRACK), (0.25, st.OFF_TRACK)])
def test_threshold_lower_is_better(latest, expected):
    result = st.evaluate(_goal(g.Threshold("lower", 0.15, 0.25, "b"), M), _values("hhi", {"2023": 0.5,
                                                                                         "2024": latest}))
    assert result.status == expected
    assert f"{latest * 10_000:,.0f} in 2024" in result.explanation


def test_trend_uses_the_first_value_from_the_baseline_and_the_tolerance():
    rule = g.Trend("lower", "2018", 0.02, "b")
    m = g.Measure("china_share", "USA", "China's share", product="p")
    frame = _values("china_share", {"2016": 0.9, "2019": 0.50, "2024": 0.40})
    result = st.evaluate(_goal(rule, m), frame)
    assert result.status == st.ON_TRACK
    assert result.measures[0].baseline_period == "2019"  # no 2018 value: the first one after it
    assert "down from 50.0% in 2019 (-10.0 pts)" in result.explanation
    assert st.evaluate(_goal(rule, m), _values("china_share", {"2019": 0.50, "2024": 0.51})).status == st.WATCH
    assert st.evaluate(_goal(rule, m), _values("china_share", {"2019": 0.50, "2024": 0.60})).status == st.OFF_TRACK


def test_mixed_measures_give_watch_and_missing_data_gives_no_data():
    other = g.Measure("hhi", "JPN", "Japan's imports", product="p")
    frame = pd.concat([_values("hhi", {"2024": 0.1}), _values("hhi", {"2024": 0.3}, reporter="JPN")])
    rule = g.Threshold("lower", 0.15, 0.25, "b")
    assert st.evaluate(_goal(rule, M, other), frame).status == st.WATCH
    empty = st.evaluate(_goal(rule, M), _values("hhi", {"2024": 0.1}).iloc[0:0])
    assert empty.status == st.NO_DATA and "econsec refresh" in empty.explanation


def test_context_goals_never_get_a_judgement():
    result = st.evaluate(_goal(g.Context("no statistic"), M), _values("hhi", {"2024": 0.9}))
    assert result.status == st.CONTEXT and "no statistic" in result.explanation and "9,000" in result.explanation


def test_ambiguous_measure_is_refused():
    frame = pd.concat([_values("hhi", {"2024": 0.1}), _values("hhi", {"2024": 0.2}, flow="export")])
    with pytest.raises(ValueError, match="several series"):
        st.evaluate(_goal(g.Threshold("lower", 0.15, 0.25, "b"), M), frame)


def test_the_snapshot_has_a_status_for_every_goal():
    from econsec.store import Store

    table = Store().read("goal_status")
    assert set(table["goal"]) == set(g.GOALS_BY_ID)
    assert set(table["status"]) <= set(st.STATUSES)
    derisk = table[table["goal"] == "derisk-critical-minerals"].iloc[0]
    assert derisk["status"] == st.OFF_TRACK  # US rare-earth and magnet HHIs are above 2,500


def test_the_committed_reference_is_up_to_date():
    from indicators import reference

    committed = (Path(__file__).parents[1] / "docs" / "REFERENCE.md").read_text()
    assert committed == reference.markdown(), "docs/REFERENCE.md is stale: run `make docs`"
