"""Data and sources: every source, what the store holds from it, its last refresh, and where each
bundled dataset came from with its caveats ("derived", "transcribed").

This module declares the page; :mod:`dashboard.views.sources` builds it.
"""

from __future__ import annotations

import dash

from dashboard import views

dash.register_page(
    __name__,
    path="/sources",
    name="Data & sources",
    title="Data and sources · econsec",
    description="Every public source, its coverage, last refresh and caveats.",
    order=90,
)


def layout(**_query: str):
    # The builders import pandas & co.: loaded at the first request, not when the app is made (cold start, #8).
    return views.load("sources").layout()
