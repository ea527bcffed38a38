"""Alliance comparison: the United States and Japan side by side, and the two pooled as one bloc
(reporter ``QUJ``), for each indicator family with stored data. Every panel says what it cannot
measure ("not measurable") rather than leaving a gap unexplained.

This module declares the page; :mod:`dashboard.views.alliance` builds it.
"""

from __future__ import annotations

import dash

from dashboard import views

dash.register_page(
    __name__,
    path="/alliance",
    name="Alliance comparison",
    title="Alliance comparison · econsec",
    description="The US and Japan side by side, and pooled as a bloc: China shares, friend shares, exposure, R&D.",
    order=30,
    cached=True,  # the layout depends on the store and the URL alone (dashboard.response_cache)
)

ID = "al"


def _view():  # -> dashboard.views.alliance
    # The builders import pandas & co.: loaded at the first request, not when the app is made (cold start, #8).
    return views.load("alliance")


def panels() -> list:
    """Every panel (:class:`dashboard.explore.Panel`) of the page, in order."""
    return _view().panels()


def layout(**_):
    return _view().layout()
