"""`econsec schedule`: jobs on a schedule against a fake UN Comtrade on loopback, one refresh at a time,
bad configuration refused, clean shutdown, one scheduler across web workers, fresh data without a restart."""

from __future__ import annotations

import fcntl
import os
import signal
import subprocess
import sys
import threading
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.triggers.interval import IntervalTrigger
from click.testing import CliRunner

from connectors import comtrade
from dashboard.cli import main
from econsec import refresh, schedule
from econsec.store import Store
from tests.test_refresh import VALUES, FakeComtrade

ROOT = Path(__file__).resolve().parents[1]


def serve_comtrade(httpserver, monkeypatch, api, *, periods=("2024",), codes=("280530",), reporters=("USA", "JPN")):
    """Point UN Comtrade at ``api`` (a FakeComtrade-like handler) on the local server."""
    httpserver.expect_request("/public/v1/preview/C/A/HS").respond_with_handler(api)
    httpserver.expect_request("/data/v1/get/C/A/HS").respond_with_handler(api)
    monkeypatch.setenv("ECONSEC_COMTRADE_BASE_URL", httpserver.url_for("").rstrip("/"))
    monkeypatch.setenv("ECONSEC_HTTP_RETRIES", "0")
    monkeypatch.setattr(comtrade, "default_queries", lambda: [
        comtrade.ComtradeQuery(reporters=(r,), partners=None, periods=tuple(periods), cmd_codes=tuple(codes))
        for r in reporters])
    return api


class SlowComtrade(FakeComtrade):
    """Holds every answer until ``release`` is set, so a refresh can be caught in the middle."""

    def __init__(self, values) -> None:
        super().__init__(values)
        self.entered = threading.Event()
        self.release = threading.Event()

    def __call__(self, request):
        self.entered.set()
        assert self.release.wait(30), "the test never released the fake API"
        return super().__call__(request)


@pytest.fixture
def api(httpserver, monkeypatch):
    return serve_comtrade(httpserver, monkeypatch, FakeComtrade(dict(VALUES)))


def _wait(predicate, timeout=30.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.05)
    return False


def test_a_scheduled_job_refreshes_the_store_and_writes_the_history(api):
    store = Store()
    assert store.is_bundled
    entry = schedule.Entry("un_comtrade", "every second", IntervalTrigger(seconds=1, timezone=UTC))
    scheduler = schedule.make_scheduler(BackgroundScheduler, [entry], str(store.path))
    scheduler.start()
    try:
        job = scheduler.get_job("un_comtrade")
        assert (job.max_instances, job.coalesce, job.misfire_grace_time) == (1, True, 86400)
        assert _wait(lambda: len(refresh.history(store)) >= 2), "the job did not run twice within 30 s"
    finally:
        scheduler.shutdown(wait=True)
    assert not store.is_bundled
    trade = store.read("trade")
    assert set(trade.loc[trade["source_url"].str.startswith("http://"), "reporter"]) == {"USA", "JPN"}
    runs = refresh.history(store)
    for run in runs:
        assert run["source"] == "un_comtrade" and run["status"] == "ok" and run["error"] is None
        assert run["rows"] == 6 and {"added", "changed", "unchanged", "removed"} <= set(run)
        assert datetime.fromisoformat(run["started"]) <= datetime.fromisoformat(run["ended"])
    assert runs[-1]["added"] == 2 and runs[0]["changed"] == 0 and runs[0]["unchanged"] == 6  # the oldest, the newest


def test_a_second_refresh_is_refused_and_recorded_while_one_runs(httpserver, monkeypatch):
    api = serve_comtrade(httpserver, monkeypatch, SlowComtrade(dict(VALUES)))
    store = Store()
    results: dict[str, list] = {}
    first = threading.Thread(target=lambda: results.setdefault("first", schedule.run_job("un_comtrade")))
    first.start()
    try:
        assert api.entered.wait(10)  # the first refresh holds the write lock and waits on the API
        second = schedule.run_job("un_comtrade")  # must neither run nor raise
    finally:
        api.release.set()
        first.join(30)
    assert second == []
    assert [o.ok for o in results["first"]] == [True]
    assert len(api.requests) == 2  # one refresh's two queries: the second never reached the API
    runs = refresh.history(store)
    assert [r["status"] for r in runs] == ["ok", "refused"]  # newest first; the refused run finished first
    assert "another refresh" in runs[1]["error"]
    assert refresh.status(store)["un_comtrade"]["last_error"] is None  # a refusal is not a source failure


def test_once_runs_due_jobs_then_nothing_is_due(api, monkeypatch):
    for source in ("worldbank", "imf", "us_census", "usgs", "oecd"):
        monkeypatch.setenv(schedule.setting_name(source), "off")
    result = CliRunner().invoke(main, ["schedule", "--once"])
    assert result.exit_code == 0, result.output
    assert "ok     un_comtrade: 6 rows" in result.stdout
    assert not Store().is_bundled
    result = CliRunner().invoke(main, ["schedule", "--once"])
    assert result.exit_code == 0 and "nothing due" in result.stderr
    assert len(api.requests) == 2
    result = CliRunner().invoke(main, ["schedule", "--list"])
    assert result.exit_code == 0
    assert "un_comtrade  0 3 5 * *" in result.stdout and "last run" in result.stdout
    assert "worldbank    off" in result.stdout
    # A month later the job is due again.
    [entry] = schedule.entries(["un_comtrade"])
    assert schedule.due(entry, Store(), datetime.now(UTC) + timedelta(days=32))


def test_once_exits_non_zero_when_the_due_refresh_fails(api, monkeypatch):
    api.fail_with = 503
    result = CliRunner().invoke(main, ["schedule", "--once", "--source", "un_comtrade"])
    assert result.exit_code == 1
    assert "FAILED un_comtrade" in result.stdout and "1 of 1 due refreshes failed" in result.stderr


def test_list_prints_next_run_times_from_the_settings(monkeypatch):
    monkeypatch.setenv("ECONSEC_SCHEDULE_IMF", "30 2 * * 1")
    result = CliRunner().invoke(main, ["schedule", "--list", "--source", "imf"])
    assert result.exit_code == 0, result.output
    [line] = result.stdout.splitlines()
    assert line.startswith("imf          30 2 * * 1") and "never run (due now)" in line
    next_run = datetime.strptime(line.split("next ")[1][:16], "%Y-%m-%d %H:%M")
    assert next_run.weekday() == 0 and (next_run.hour, next_run.minute) == (2, 30)


@pytest.mark.parametrize(("env", "args", "message"), [
    ({"ECONSEC_SCHEDULE_UN_COMTRADE": "61 3 5 * *"}, [], "ECONSEC_SCHEDULE_UN_COMTRADE='61 3 5 * *' is not a valid"),
    ({"ECONSEC_SCHEDULE_IMF": "monthly"}, [], "needs five fields"),
    ({"ECONSEC_SCHEDULE_COMTRADE": "0 3 5 * *"}, [], "ECONSEC_SCHEDULE_COMTRADE names unknown source 'comtrade'"),
    ({}, ["--source", "nope"], "unknown source 'nope'"),
    ({}, ["--source", "japan_customs"], "no API"),
    ({"ECONSEC_ALERT_WEBHOOK_URL": "hooks.example.org/x"}, [], "ECONSEC_ALERT_WEBHOOK_URL must be an http"),
    ({"ECONSEC_SMTP_HOST": "mail.example.org"}, [], "ECONSEC_ALERT_EMAIL_TO, ECONSEC_ALERT_EMAIL_FROM"),
    ({"ECONSEC_MISFIRE_GRACE_SECONDS": "soon"}, [], "ECONSEC_MISFIRE_GRACE_SECONDS='soon' is not a number"),
])
@pytest.mark.parametrize("mode", ["--once", "--list", None])
def test_bad_configuration_is_a_clear_error_and_non_zero_exit(monkeypatch, env, args, message, mode):
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    result = CliRunner().invoke(main, ["schedule", *args, *([mode] if mode else [])])
    assert result.exit_code == 1
    assert result.stderr.startswith("error: ") and message in result.stderr
    assert Store().is_bundled


def test_serve_with_a_bad_schedule_does_not_start(monkeypatch):
    monkeypatch.setenv("ECONSEC_SCHEDULE_OECD", "0 0 31 2 * *")
    result = CliRunner().invoke(main, ["serve", "--schedule", "--port", "1"])
    assert result.exit_code == 1 and "ECONSEC_SCHEDULE_OECD" in result.stderr


def test_sigterm_stops_the_schedule_process_cleanly(tmp_path):
    env = {**os.environ, "ECONSEC_DATA_DIR": str(tmp_path / "d"), "ECONSEC_LOG_LEVEL": "INFO"}
    # The subprocess is outside conftest's network guard: should a job ever fire, it meets a closed port.
    env.update({f"ECONSEC_{name}_BASE_URL": "http://127.0.0.1:9" for name in
                ("COMTRADE", "WORLDBANK", "IMF", "CENSUS", "USGS", "OECD")})
    process = subprocess.Popen([sys.executable, "-m", "dashboard.cli", "schedule"], cwd=ROOT, env=env,
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        lines = []
        while not any("scheduler" in line.lower() and "started" in line.lower() for line in lines):
            line = process.stderr.readline()
            assert line, "".join(lines)
            lines.append(line)
        process.send_signal(signal.SIGTERM)
        _, err = process.communicate(timeout=20)
    finally:
        if process.poll() is None:
            process.kill()
            _, err = process.communicate()  # reaps it and closes the pipes
    assert process.returncode == 0, err
    assert "SIGTERM received: stopping the scheduler" in err and "scheduler stopped" in err


def test_only_the_process_holding_the_lock_runs_the_in_process_scheduler():
    store = Store()
    store.path.mkdir(parents=True)
    with (store.path / schedule.LOCK_FILE).open("w") as other_worker:
        fcntl.flock(other_worker, fcntl.LOCK_EX | fcntl.LOCK_NB)  # as another gunicorn worker would
        assert schedule.start_in_process(store) is None
    try:
        scheduler = schedule.start_in_process(store)
        assert scheduler is not None and scheduler.running
        assert {j.id for j in scheduler.get_jobs()} == {"un_comtrade", "worldbank", "imf", "us_census", "usgs",
                                                        "oecd"}
        assert schedule.start_in_process(store) is scheduler  # once per process
        with (store.path / schedule.LOCK_FILE).open("r") as probe, pytest.raises(BlockingIOError):
            fcntl.flock(probe, fcntl.LOCK_EX | fcntl.LOCK_NB)
    finally:
        schedule.stop_in_process()


def test_the_web_process_sees_a_new_generation_without_a_restart(api):
    """dashboard/data.py caches per generation: after a refresh the same app serves the new data."""
    import dash

    from dashboard import app as dashboard_app
    from dashboard import data

    dashboard_app.create_app()  # once: the pages below are this app's, never re-created
    page = next(p for p in dash.page_registry.values() if p["path"] == "/sources")
    before_generation, before = data.generation(), data.stored_by_source()["un_comtrade"]["rows"]
    assert "No refresh has run yet" in str(page["layout"]())
    [outcome] = refresh.run(["un_comtrade"])
    assert outcome.ok
    assert data.generation() != before_generation
    assert data.stored_by_source()["un_comtrade"]["rows"] == before - outcome.removed + outcome.added
    assert "USA" in data.available_reporters()
    layout = str(page["layout"]())
    assert "No refresh has run yet" not in layout and "6 rows: 2 new" in layout
