"""A refresh SIGKILLed half-way through writing its generation leaves the previous data intact; the next
refresh succeeds and removes the half-written generation."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from econsec import refresh
from econsec.schema import TABLE_VALIDATORS
from econsec.store import Store
from tests.test_refresh import VALUES, FakeComtrade
from tests.test_schedule import serve_comtrade

ROOT = Path(__file__).resolve().parents[1]

#: Run in the child: the same fake-API queries as the parent, and a to_parquet that stops for a minute
#: after the first table of the new generation is on disk (the parent kills it there).
CHILD = """
import sys, time
import pandas as pd
from connectors import comtrade
comtrade.default_queries = lambda: [comtrade.ComtradeQuery(reporters=(r,), partners=None, periods=("2024",),
                                                           cmd_codes=("280530",)) for r in ("USA", "JPN")]
marker, real, written = sys.argv[1], pd.DataFrame.to_parquet, []
def slow(self, path, *args, **kwargs):
    real(self, path, *args, **kwargs)
    written.append(str(path))
    if ".partial" in str(path) and len(written) == 1:
        open(marker, "w").write(str(path))
        time.sleep(60)
pd.DataFrame.to_parquet = slow
from econsec import refresh
refresh.run(["un_comtrade"])
print("the write was not interrupted", file=sys.stderr)
"""


@pytest.fixture
def api(httpserver, monkeypatch):
    return serve_comtrade(httpserver, monkeypatch, FakeComtrade(dict(VALUES)))


def _china_2024(store: Store) -> float:
    trade = store.read("trade")
    hit = trade[(trade["reporter"] == "USA") & (trade["partner"] == "CHN") & (trade["hs_code"] == "280530")
                & (trade["period"] == "2024")]
    return float(hit["value_usd"].iloc[0])


def test_a_refresh_killed_mid_write_leaves_the_previous_generation(api, tmp_path):
    store = Store()
    [outcome] = refresh.run(["un_comtrade"], store=store)
    assert outcome.ok
    previous = store.current_dir()
    before = {t: store.read(t) for t in store.tables()}
    history_before = refresh.history(store)
    assert _china_2024(store) == 700.0

    api.values[(842, 156, "280530", "2024")] = 710.0
    marker = tmp_path / "writing"
    child = subprocess.Popen([sys.executable, "-c", CHILD, str(marker)], cwd=ROOT, env=dict(os.environ),
                             stderr=subprocess.PIPE, text=True)
    try:
        deadline = time.monotonic() + 60
        while not marker.exists():
            assert child.poll() is None, child.stderr.read()
            assert time.monotonic() < deadline, "the child never started writing"
            time.sleep(0.05)
        partial = Path(marker.read_text()).parent
        assert partial.name.endswith(".partial") and any(partial.glob("*.parquet"))
        child.send_signal(signal.SIGKILL)
        child.wait(10)
    finally:
        if child.poll() is None:
            child.kill()
            child.wait(10)
        child.stderr.close()
    assert child.returncode == -signal.SIGKILL
    assert partial.is_dir()  # the half-written generation is left behind …

    # … but readers never see it: the store opens on the previous generation, every table intact.
    store = Store()
    assert store.current_dir() == previous
    assert sorted(store.tables()) == sorted(before)
    for name, frame in before.items():
        assert store.read(name).equals(frame), name
    assert _china_2024(store) == 700.0
    assert refresh.history(store) == history_before  # the killed run recorded nothing half-way
    json.loads((store.path / refresh.HISTORY_FILE).read_text())

    # The lock died with the process: the next refresh runs, stores the new value, and cleans up.
    [outcome] = refresh.run(["un_comtrade"], store=store)
    assert outcome.ok and outcome.changed == 1
    assert store.current_dir() != previous
    assert _china_2024(store) == 710.0
    assert not partial.exists()
    assert not [p for p in (store.path / "generations").iterdir() if p.name.endswith(".partial")]
    assert set(TABLE_VALIDATORS) & set(store.tables())
