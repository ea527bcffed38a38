"""Every page in Chromium under the real security headers: the Content-Security-Policy (no
'unsafe-eval', scripts from the app's origin and Dash's inline scripts by hash) lets every chart and
the Explorer's map draw, and the console shows no CSP violation or other error. A control run with
the inline-script hashes left out shows that a violation would be seen."""

from __future__ import annotations

import pytest

from dashboard import security
from indicators import goals as g
from tests.test_browser import (  # noqa: F401 - fixtures
    Watch,
    _serve,
    base_url,
    browser_context_args,
    browser_type_launch_args,
)

pytestmark = pytest.mark.browser

# (path, a selector that proves the page drew, how many plotly charts at least)
PAGES = [
    ("/", "#main .card", 0),
    *[(f"/goal/{goal.id}", "#main h1", 0) for goal in g.GOALS],
    ("/concentration", "#sc-graph-hhi .main-svg", 3),
    ("/explorer", "#ex-graph-map .choroplethlocation", 2),
    ("/alliance", "#main .js-plotly-plot .main-svg", 1),
    ("/sources", "#sources-table", 0),
]


def _charts(page) -> int:
    return page.evaluate("() => document.querySelectorAll('.js-plotly-plot .main-svg').length")


def test_every_page_draws_under_the_csp_with_a_clean_console(page):
    with _serve() as base:
        watch = Watch(page, base)
        response = page.goto(base + "/")
        csp = response.headers["content-security-policy"]
        assert "'unsafe-eval'" not in csp and "frame-ancestors 'none'" in csp
        for path, ready, charts in PAGES:
            response = page.goto(base + path)
            assert response.status == 200
            assert response.headers["x-frame-options"] == "DENY"
            page.wait_for_selector(ready, timeout=20_000)
            page.wait_for_function("() => !document.querySelector('[data-dash-is-loading=\"true\"]')",
                                   timeout=20_000)
            assert _charts(page) >= charts, path
            assert not [e for e in watch.errors if "Content Security Policy" in e], path
        watch.check()  # no console error at all, no request off the origin


def test_a_missing_script_hash_would_be_seen(page, monkeypatch):
    """The control: without the inline scripts' hashes the renderer is refused and the console says so."""
    original = security.content_security_policy
    monkeypatch.setattr(security, "content_security_policy", lambda _hashes: original([]))
    with _serve() as base:
        watch = Watch(page, base)
        page.goto(base + "/concentration")
        page.wait_for_timeout(1_500)
        assert any("Content Security Policy" in e for e in watch.errors), watch.errors
        assert page.query_selector("#sc-graph-hhi") is None
