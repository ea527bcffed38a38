"""`econsec refresh` against a fake UN Comtrade API on loopback."""

import json
import os
from pathlib import Path

import pytest
from click.testing import CliRunner
from werkzeug import Request, Response

from connectors import comtrade
from dashboard.cli import main
from econsec import refresh
from econsec.errors import ConfigError, StoreError
from econsec.store import Store

DATA = Path(__file__).parent / "data"
KEY = "test-key-5f1e0c"
TEMPLATE = json.loads((DATA / "comtrade/includeDesc_reporter156_2010_TOTAL.json").read_text())["data"][0]
CODES = {842: "USA", 392: "JPN", 156: "CHN", 0: "W00", 410: "KOR"}


def row(reporter: int, partner: int, cmd: str, period: str, value: float) -> dict:
    r = dict(TEMPLATE)
    r.update(reporterCode=reporter, reporterISO=CODES[reporter], partnerCode=partner, partnerISO=CODES[partner],
             cmdCode=cmd, period=period, refYear=int(period), flowCode="M", flowDesc="Import",
             primaryValue=value, cifvalue=value, isAggregate=partner == 0, isReported=partner != 0)
    return r


class FakeComtrade:
    """Answers /data/v1/get and /public/v1/preview like the API, from a table of values."""

    def __init__(self, values: dict[tuple[int, int, str, str], float]) -> None:
        self.values = values
        self.requests: list[Request] = []
        self.fail_with: int | None = None

    def __call__(self, request: Request) -> Response:
        self.requests.append(request)
        if self.fail_with:
            return Response("<html>Service Unavailable</html>", status=self.fail_with)
        reporter, cmds, periods = (int(request.args["reporterCode"]), request.args["cmdCode"].split(","),
                                   request.args["period"].split(","))
        rows = [row(r, p, c, y, v) for (r, p, c, y), v in self.values.items()
                if r == reporter and c in cmds and y in periods]
        body = {"elapsedTime": "0.1 secs", "count": len(rows), "data": rows, "error": ""}
        return Response(json.dumps(body), content_type="application/json")


VALUES = {(842, 0, "280530", "2024"): 1000.0, (842, 156, "280530", "2024"): 700.0,
          (842, 392, "280530", "2024"): 200.0, (842, 410, "280530", "2024"): 100.0,
          (392, 0, "280530", "2024"): 50.0, (392, 156, "280530", "2024"): 50.0}


@pytest.fixture
def fake(httpserver, monkeypatch):
    api = FakeComtrade(dict(VALUES))
    httpserver.expect_request("/public/v1/preview/C/A/HS").respond_with_handler(api)
    httpserver.expect_request("/data/v1/get/C/A/HS").respond_with_handler(api)
    monkeypatch.setenv("ECONSEC_COMTRADE_BASE_URL", httpserver.url_for("").rstrip("/"))
    monkeypatch.setenv("ECONSEC_HTTP_RETRIES", "2")
    monkeypatch.setattr(comtrade, "default_queries", lambda: [
        comtrade.ComtradeQuery(reporters=(r,), partners=None, periods=("2024",), cmd_codes=("280530",))
        for r in ("USA", "JPN")])
    return api


def _indicator(store: Store, reporter: str, product: str, indicator: str, period: str = "2024") -> float:
    ind = store.read("indicators")
    hit = ind[(ind["reporter"] == reporter) & (ind["product"] == product) & (ind["indicator"] == indicator)
              & (ind["period"] == period)]
    assert len(hit) == 1
    return float(hit["value"].iloc[0])


def test_refresh_stores_exactly_the_served_values_and_recomputes_indicators(fake):
    store = Store()
    assert store.is_bundled
    bundled_rows = len(store.read("trade"))
    [outcome] = refresh.run(["un_comtrade"], store=store)
    assert outcome.ok and outcome.rows == 6 and outcome.responses == 2
    assert not store.is_bundled
    trade = store.read("trade")
    fresh = trade[trade["source_url"].str.startswith("http://")]
    got = {(r.reporter, r.partner, r.hs_code, r.period): r.value_usd for r in fresh.itertuples()}
    assert got == {("USA", "WLD", "280530", "2024"): 1000.0, ("USA", "CHN", "280530", "2024"): 700.0,
                   ("USA", "JPN", "280530", "2024"): 200.0, ("USA", "KOR", "280530", "2024"): 100.0,
                   ("JPN", "WLD", "280530", "2024"): 50.0, ("JPN", "CHN", "280530", "2024"): 50.0}
    # The answer covers the whole slice USA/import/280530/2024: every bundled row of it is replaced,
    # so a bundled partner the fresh answer lacks does not linger; all other rows are kept.
    bundled = Store(Path("/nonexistent")).read("trade")
    in_slice = (bundled["reporter"] == "USA") & (bundled["hs_code"] == "280530") & (bundled["period"] == "2024")
    replaced = (trade["reporter"] == "USA") & (trade["hs_code"] == "280530") & (trade["period"] == "2024")
    assert set(trade.loc[replaced, "partner"]) == {"WLD", "CHN", "JPN", "KOR"}
    assert len(trade) == bundled_rows - in_slice.sum() + 6
    assert outcome.removed == in_slice.sum() - 4  # WLD, CHN, JPN, KOR were in both: changed or unchanged
    assert outcome.added == 2  # JPN WLD, JPN CHN
    assert _indicator(store, "USA", "280530", "hhi") == pytest.approx(0.7**2 + 0.2**2 + 0.1**2)
    assert _indicator(store, "JPN", "280530", "china_share") == pytest.approx(1.0)
    assert _indicator(store, "USA", "rare_earths", "total_value_usd") > 1000.0  # the group still has 284610...


def test_raw_responses_are_kept_with_provenance(fake):
    store = Store()
    refresh.run(["un_comtrade"], store=store)
    [run_dir] = list(store.raw_dir("un_comtrade").iterdir())
    bodies = sorted(run_dir.glob("*.body"))
    assert len(bodies) == 2
    import hashlib

    for body in bodies:
        meta = json.loads(body.with_suffix(".json").read_text())
        assert meta["sha256"] == hashlib.sha256(body.read_bytes()).hexdigest()
        assert meta["status"] == 200 and meta["url"].startswith("http://localhost")
        # Re-running the parse offline gives the stored rows.
        frame = comtrade.parse(body.read_bytes(), source_url=meta["url"], retrieved_at=__import__(
            "datetime").datetime.fromisoformat(meta["retrieved_at"]))
        assert len(frame) in (2, 4)


def test_second_refresh_counts_changes(fake):
    store = Store()
    refresh.run(["un_comtrade"], store=store)
    fake.values[(842, 156, "280530", "2024")] = 710.0
    [outcome] = refresh.run(["un_comtrade"], store=store)
    assert (outcome.added, outcome.changed, outcome.unchanged, outcome.removed) == (0, 1, 5, 0)
    assert len(list(store.raw_dir("un_comtrade").iterdir())) == 1  # only the newest run's raw files


def test_a_failing_source_keeps_the_last_good_data(fake, httpserver):
    store = Store()
    refresh.run(["un_comtrade"], store=store)
    before = store.current_dir()
    fake.fail_with = 503
    fake.requests.clear()
    [outcome] = refresh.run(["un_comtrade"], store=store)
    assert not outcome.ok and "HTTP 503" in outcome.error
    assert len(fake.requests) == 3  # ECONSEC_HTTP_RETRIES=2: one call and two retries, then give up
    assert store.current_dir() == before
    status = refresh.status(store)["un_comtrade"]
    assert status["last_error"] and status["last_success"]


def test_a_failure_on_the_bundled_snapshot_writes_no_generation(fake):
    fake.fail_with = 500
    store = Store()
    [outcome] = refresh.run(["un_comtrade"], store=store)
    assert not outcome.ok
    assert store.is_bundled
    assert refresh.status(store)["un_comtrade"]["last_error"].startswith("HTTP 500")


def test_a_malformed_payload_stores_nothing(httpserver, monkeypatch, fake):
    httpserver.clear()
    httpserver.expect_request("/public/v1/preview/C/A/HS").respond_with_data('{"count": 1, "data": [{"oops": 1}]',
                                                                            content_type="application/json")
    [outcome] = refresh.run(["un_comtrade"], store=Store())
    assert not outcome.ok and "un_comtrade" in outcome.error
    assert Store().is_bundled


def test_offline_fails_fast_with_a_clear_message(monkeypatch, fake):
    monkeypatch.setenv("ECONSEC_COMTRADE_BASE_URL", "http://127.0.0.1:9")  # nothing listens on port 9
    [outcome] = refresh.run(["un_comtrade"], store=Store())
    assert not outcome.ok and outcome.error.startswith("offline or unreachable")
    assert Store().is_bundled


def test_a_second_refresh_is_refused_while_one_runs(fake):
    with Store().writer(), pytest.raises(StoreError, match="another refresh"):
        refresh.run(["un_comtrade"], store=Store())


def test_unknown_source_is_refused_before_anything_runs(fake):
    with pytest.raises(ConfigError, match="unknown source 'nope'"):
        refresh.run(["un_comtrade", "nope"], store=Store())
    assert fake.requests == []
    with pytest.raises(ConfigError, match="no API"):
        refresh.run(["japan_customs"], store=Store())


def test_the_key_is_stored_nowhere(fake, monkeypatch):
    monkeypatch.setenv("COMTRADE_API_KEY", KEY)
    store = Store()
    [outcome] = refresh.run(["un_comtrade"], store=store)
    assert outcome.ok
    assert all(r.headers.get("Ocp-Apim-Subscription-Key") == KEY for r in fake.requests)
    for folder, _, files in os.walk(store.path):
        for name in files:
            assert KEY.encode() not in (Path(folder) / name).read_bytes(), name


def test_cli_refresh_summary_and_exit_codes(fake):
    result = CliRunner().invoke(main, ["refresh", "--source", "un_comtrade"])
    assert result.exit_code == 0, result.output
    assert "ok     un_comtrade: 6 rows (2024–2024) from 2 responses" in result.stdout
    fake.fail_with = 503
    result = CliRunner().invoke(main, ["refresh", "--source", "un_comtrade"])
    assert result.exit_code == 1
    assert "FAILED un_comtrade" in result.stdout and "kept the last good data" in result.stdout
    result = CliRunner().invoke(main, ["sources"])
    assert "last error: HTTP 503" in result.stdout
    result = CliRunner().invoke(main, ["data", "--source", "un_comtrade", "--format", "csv"])
    assert result.exit_code == 0 and "http://localhost" in result.stdout
