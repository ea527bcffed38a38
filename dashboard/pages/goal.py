"""One page per policy goal (``/goal/<goal id>``), registered in a loop from the goals registry
(dmc-docs style), plus a catch-all ``/goal/<goal_id>`` template that answers unknown ids with a
"no such goal" page. The per-goal pages sort before the template (``order``), and Dash matches
pages in registry order, so a known id never reaches the catch-all.

A page: the goal, its stored status and explanation, how the status is judged, each measure as a
chart against the rule (HHI bands, baseline and watch band) with the coercion and export-control
events on its timeline, the caveats, and each chart's source line. This module declares the pages
(from :mod:`indicators.goals`, which imports no data library); :mod:`dashboard.views.goal` builds them.
"""

from __future__ import annotations

from functools import partial

import dash

from dashboard import views
from indicators import goals as g

ID = "goal"
ORDER = 100  # after the app's other pages; the catch-all comes last
PATH_TEMPLATE = "/goal/<goal_id>"


def goal_path(goal_id: str) -> str:
    """``/goal/<goal id>`` (the links to it come from ``dashboard.scorecard.goal_href``; a test checks they agree)."""
    return PATH_TEMPLATE.replace("<goal_id>", goal_id)


def _register() -> None:
    for i, goal in enumerate(g.GOALS):
        dash.register_page(
            f"{__name__}.{goal.id}",
            path=goal_path(goal.id),
            name=goal.title,
            title=f"{goal.title} · econsec",
            description=goal.statement,
            order=ORDER + i,
            layout=partial(layout, goal_id=goal.id),
            goal_page=True,
            cached=True,  # the layout depends on the store alone (dashboard.response_cache)
        )
    dash.register_page(
        f"{__name__}.unknown",
        path_template=PATH_TEMPLATE,
        name="Goal",
        title="Goal · econsec",
        order=ORDER + 999,
        layout=layout,
        goal_page=True,
    )


def layout(goal_id: str | None = None, **_query):
    """The page of one goal; an unknown id gets a "no such goal" page with links."""
    # The builders import pandas & co.: loaded at the first request, not when the app is made (cold start, #8).
    return views.load("goal").layout(goal_id)


_register()
