"""Cold start (issue #8): making the app and serving its shell import no data library. Pages declare,
views build: a page module registers its page and callbacks and loads its view (pandas & co.) only when a
request needs the page's content. Each check runs in a fresh interpreter, so nothing imported by other
tests can hide an import."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from benchmarks.common import routing_body

ROOT = Path(__file__).resolve().parent.parent
HEAVY = ("numpy", "pandas", "pyarrow", "pandera", "requests", "duckdb", "kaleido")
PAGES = ("overview", "goal", "explorer", "supply_concentration", "alliance", "sources")



def _run(code: str) -> dict:
    """Run ``code`` in a fresh interpreter (this test's data dir, the repo on the path); its last stdout line
    is JSON."""
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    done = subprocess.run([sys.executable, "-c", textwrap.dedent(code)], cwd=ROOT, env=env, capture_output=True,
                          text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-3000:]
    return json.loads(done.stdout.strip().splitlines()[-1])


def test_serving_the_shell_imports_no_data_library():
    out = _run(f"""
        import json, sys
        from dashboard.app import create_app
        app = create_app()
        client = app.server.test_client()
        index, layout = client.get("/"), client.get("/_dash-layout")
        print(json.dumps({{
            "status": [index.status_code, layout.status_code],
            "footer": "footer-data" in layout.get_data(as_text=True),
            "heavy": sorted(m for m in {HEAVY!r} if m in sys.modules),
            "views": sorted(m for m in sys.modules if m.startswith("dashboard.views.")),
        }}))
    """)
    assert out["status"] == [200, 200]
    assert out["footer"], "the footer (with the data date) is part of the layout"
    assert out["heavy"] == [], f"serving / and /_dash-layout imported {out['heavy']}"
    assert out["views"] == [], f"serving the shell loaded {out['views']}"


def test_the_first_page_content_loads_its_view_and_draws_the_page():
    """The lazy boundary holds in both directions: the routing callback loads the Overview's view (and with it
    pandas) and answers with the page, not an error."""
    out = _run(f"""
        import json, sys
        from dashboard.app import create_app
        app = create_app()
        client = app.server.test_client()
        client.get("/")
        response = client.post("/_dash-update-component", json={routing_body()!r})
        print(json.dumps({{
            "status": response.status_code,
            "cards": response.get_data(as_text=True).count("goal-overview-card"),
            "overview": "dashboard.views.overview" in sys.modules,
            "pandas": "pandas" in sys.modules,
        }}))
    """)
    from indicators import goals

    assert out["status"] == 200
    assert out["cards"] == len(goals.GOALS)
    assert out["overview"] and out["pandas"]


def test_the_gunicorn_workers_warm_up_every_view_and_the_stores_tables():
    """``post_worker_init`` (as gunicorn calls it, with the worker's app) starts the warm-up; it loads every
    view and reads every stored table, and the app still answers through the request counter it installs."""
    out = _run("""
        import json, sys, threading
        from types import SimpleNamespace
        from dashboard import gunicorn_conf
        from dashboard.app import VIEWS, server
        from econsec import store
        flask_app = server()
        gunicorn_conf.post_worker_init(SimpleNamespace(wsgi=flask_app))
        status = flask_app.test_client().get("/").status_code
        [warm] = [t for t in threading.enumerate() if t.name == "econsec-warm-up"]
        warm.join(timeout=240)
        print(json.dumps({
            "status": status,
            "alive": warm.is_alive(),
            "missing": [name for name in VIEWS if f"dashboard.views.{name}" not in sys.modules],
            "cached": store._read_table.cache_info().currsize,
            "stored": len(store.Store().tables()),
        }))
    """)
    assert out["status"] == 200 and not out["alive"]
    assert out["missing"] == [], f"not loaded by the warm-up: {out['missing']}"
    assert out["cached"] == out["stored"] > 0


def test_the_warm_up_waits_while_a_request_is_answered():
    """After the landing page's view, each step of the warm-up waits until no request is being answered."""
    import threading

    from dashboard.app import RequestsInFlight

    entered, release = threading.Event(), threading.Event()

    def slow_app(environ, start_response):
        entered.set()
        release.wait(timeout=30)
        return [b"ok"]

    in_flight = RequestsInFlight(slow_app)
    request = threading.Thread(target=in_flight, args=({}, None))
    request.start()
    assert entered.wait(timeout=30)
    waiter = threading.Thread(target=in_flight.wait_quiet)
    waiter.start()
    waiter.join(timeout=0.2)
    assert waiter.is_alive(), "wait_quiet returned while a request was being answered"
    release.set()
    request.join(timeout=30)
    waiter.join(timeout=30)
    assert not waiter.is_alive()


@pytest.mark.parametrize("name", [p for p in PAGES if p != "sources"])  # sources has no ids of its own
def test_each_page_and_its_view_agree_on_the_id_prefix(name):
    """A page declares its component ids (callbacks); its view builds components with the same prefix."""
    import importlib

    from dashboard.app import create_app
    from dashboard.views import load

    create_app()
    page = importlib.import_module(f"dashboard.pages.{name}")
    view = load(name)
    assert isinstance(page.ID, str) and page.ID == view.ID


def test_goal_pages_are_where_the_links_point():
    from dashboard import scorecard
    from dashboard.app import create_app
    from indicators import goals

    create_app()
    from dashboard.pages import goal

    assert all(goal.goal_path(g.id) == scorecard.goal_href(g.id) for g in goals.GOALS)
