"""Goal alerts: one per changed goal, none when nothing changed, delivered to a local webhook; a failing
webhook or mail server never fails the refresh."""

from __future__ import annotations

import json
import logging

import pandas as pd
import pytest
from werkzeug import Request, Response

from econsec import alerts, refresh
from econsec.errors import ConfigError
from econsec.store import Store
from tests.test_refresh import TEMPLATE
from tests.test_schedule import serve_comtrade

DERISK = "derisk-critical-minerals"
RARE_EARTHS = ("280530", "284610", "284690")  # the whole group
#: M49 codes of partners outside IPEF (so the friend-shoring goals do not move with them).
PARTNERS = {156: "CHN", 276: "DEU", 826: "GBR", 124: "CAN", 76: "BRA", 484: "MEX", 380: "ITA", 724: "ESP",
            528: "NLD", 56: "BEL"}


class RareEarths:
    """A UN Comtrade answering US rare-earth imports for 2025 with a settable split across partners."""

    def __init__(self) -> None:
        self.shares: dict[int, float] = {156: 0.9, 276: 0.1}
        self.requests: list[Request] = []

    def __call__(self, request: Request) -> Response:
        self.requests.append(request)
        rows = []
        for cmd in request.args["cmdCode"].split(","):
            for partner, share in {0: 1.0, **self.shares}.items():
                r = dict(TEMPLATE)
                r.update(reporterCode=842, reporterISO="USA", partnerCode=partner,
                         partnerISO=PARTNERS.get(partner, "W00"), cmdCode=cmd, period="2025", refYear=2025,
                         flowCode="M", flowDesc="Import", primaryValue=share * 1e7, cifvalue=share * 1e7,
                         isAggregate=partner == 0, isReported=partner != 0)
                rows.append(r)
        return Response(json.dumps({"count": len(rows), "data": rows, "error": ""}), content_type="application/json")


@pytest.fixture
def rare_earths(httpserver, monkeypatch):
    return serve_comtrade(httpserver, monkeypatch, RareEarths(), periods=("2025",), codes=RARE_EARTHS,
                          reporters=("USA",))


@pytest.fixture
def webhook(httpserver, monkeypatch):
    received: list[dict] = []

    def handler(request: Request) -> Response:
        received.append(request.get_json())
        return Response("ok")

    httpserver.expect_request("/hook", method="POST").respond_with_handler(handler)
    monkeypatch.setenv("ECONSEC_ALERT_WEBHOOK_URL", httpserver.url_for("/hook"))
    return received


def _statuses(store: Store) -> dict[str, str]:
    table = store.read("goal_status")
    return table.groupby("goal", sort=False)["status"].first().to_dict()


def _changed(before: dict[str, str], after: dict[str, str]) -> set[str]:
    return {g for g in after if g in before and before[g] != after[g]}


def _posted(received: list[dict]) -> list[dict]:
    return [a for body in received for a in body["alerts"]]


def test_one_alert_per_changed_goal_and_none_when_unchanged(rare_earths, webhook):
    store = Store()
    before = _statuses(store)
    [outcome] = refresh.run(["un_comtrade"], store=store)  # still concentrated: derisk stays off track
    assert outcome.ok
    first = _statuses(store)
    assert first[DERISK] == before[DERISK] == "off track"
    assert [a["goal"] for a in _posted(webhook)] == sorted(_changed(before, first), key=list(first).index)

    webhook.clear()
    rare_earths.shares = dict.fromkeys(PARTNERS, 0.1)  # ten suppliers: HHI 0.10, on the good side of 0.15
    [outcome] = refresh.run(["un_comtrade"], store=store)
    assert outcome.ok
    second = _statuses(store)
    assert second[DERISK] == "watch"  # rare earths on track, magnets still off track
    changed = _changed(first, second)
    assert DERISK in changed
    assert len(webhook) == 1  # one POST per refresh
    posted = _posted(webhook)
    assert sorted(a["goal"] for a in posted) == sorted(changed)  # exactly one alert per changed goal
    derisk = next(a for a in posted if a["goal"] == DERISK)
    assert (derisk["old"], derisk["new"], derisk["kind"]) == ("off track", "watch", "status")
    assert "Supplier concentration of US rare-earth imports crossed both bounds" in derisk["explanation"]
    assert "1,000 in 2025" in derisk["explanation"]
    recorded = alerts.history(store)
    assert [a["goal"] for a in recorded[-len(posted):]] == [a["goal"] for a in posted]
    assert alerts.latest(store, 1)[0]["goal"] == posted[-1]["goal"]

    webhook.clear()
    n = len(recorded)
    [outcome] = refresh.run(["un_comtrade"], store=store)  # the same answer again: nothing changes
    assert outcome.ok
    assert webhook == [] and len(alerts.history(store)) == n


def test_a_failing_webhook_does_not_fail_the_refresh(rare_earths, httpserver, monkeypatch, caplog):
    refresh.run(["un_comtrade"], store=Store())
    httpserver.expect_request("/broken", method="POST").respond_with_data("down", status=500)
    monkeypatch.setenv("ECONSEC_ALERT_WEBHOOK_URL", httpserver.url_for("/broken"))
    rare_earths.shares = dict.fromkeys(PARTNERS, 0.1)
    with caplog.at_level(logging.ERROR, logger="econsec.alerts"):
        [outcome] = refresh.run(["un_comtrade"], store=Store())
    assert outcome.ok
    assert _statuses(Store())[DERISK] == "watch"
    assert any(a["goal"] == DERISK for a in alerts.history(Store()))  # recorded even if not delivered
    assert "alert webhook failed (the refresh is not affected): HTTPError: 500" in caplog.text
    assert httpserver.url_for("/broken") not in caplog.text  # the webhook URL is a secret

    monkeypatch.setenv("ECONSEC_ALERT_WEBHOOK_URL", "http://127.0.0.1:9/hook")  # nothing listens
    rare_earths.shares = {156: 0.9, 276: 0.1}
    [outcome] = refresh.run(["un_comtrade"], store=Store())
    assert outcome.ok and "ConnectionError" in caplog.text


def test_alerts_by_email(rare_earths, monkeypatch):
    sent = []

    class FakeSMTP:
        def __init__(self, host, port, timeout):
            self.host, self.port, self.timeout = host, port, timeout

        def __enter__(self):
            return self

        def __exit__(self, *exc):
            return False

        def ehlo(self):
            pass

        def has_extn(self, name):
            return False

        def login(self, user, password):
            sent.append(("login", user, password))

        def send_message(self, message):
            sent.append((self.host, self.port, message))

    monkeypatch.setattr(alerts.smtplib, "SMTP", FakeSMTP)
    monkeypatch.setenv("ECONSEC_SMTP_HOST", "mail.localhost")
    monkeypatch.setenv("ECONSEC_SMTP_PORT", "2525")
    monkeypatch.setenv("ECONSEC_SMTP_USER", "econsec")
    monkeypatch.setenv("ECONSEC_SMTP_PASSWORD", "pw-secret")
    monkeypatch.setenv("ECONSEC_ALERT_EMAIL_TO", "a@example.org, b@example.org")
    monkeypatch.setenv("ECONSEC_ALERT_EMAIL_FROM", "econsec@example.org")
    refresh.run(["un_comtrade"], store=Store())
    sent.clear()
    rare_earths.shares = dict.fromkeys(PARTNERS, 0.1)
    refresh.run(["un_comtrade"], store=Store())
    assert sent[0] == ("login", "econsec", "pw-secret")
    host, port, message = sent[1]
    assert (host, port) == ("mail.localhost", 2525)
    assert message["To"] == "a@example.org, b@example.org" and "econsec" in message["Subject"]
    assert "Derisk critical-mineral supply chains: off track → watch" in message.get_content()


def test_a_failing_mail_server_does_not_fail_the_refresh(rare_earths, monkeypatch, caplog):
    monkeypatch.setenv("ECONSEC_SMTP_HOST", "127.0.0.1")
    monkeypatch.setenv("ECONSEC_SMTP_PORT", "9")  # nothing listens
    monkeypatch.setenv("ECONSEC_ALERT_EMAIL_TO", "a@example.org")
    monkeypatch.setenv("ECONSEC_ALERT_EMAIL_FROM", "econsec@example.org")
    refresh.run(["un_comtrade"], store=Store())
    rare_earths.shares = dict.fromkeys(PARTNERS, 0.1)
    with caplog.at_level(logging.ERROR):
        [outcome] = refresh.run(["un_comtrade"], store=Store())
    assert outcome.ok and "alert e-mail failed" in caplog.text


def _goal_rows(values: list[float], status: str) -> pd.DataFrame:
    table = Store().read("goal_status")
    rows = table[table["goal"] == DERISK].copy()
    rows["value"] = values
    rows["status"] = status
    return rows


def test_compare_threshold_crossing_without_a_status_change():
    old = _goal_rows([0.10, 0.30], "watch")  # rare earths on track, magnets off track
    new = _goal_rows([0.20, 0.30], "watch")  # rare earths now between the bounds: the goal stays watch
    [alert] = alerts.compare(old, new, at="2026-01-01T00:00:00+00:00")
    assert (alert.kind, alert.old, alert.new) == ("threshold", "watch", "watch")
    assert "crossed the 1,500 bound: 1,000 in 2025 → 2,000 in 2025 (on track → watch)" in alert.explanation
    assert alerts.compare(old, old.copy()) == []
    assert alerts.compare(None, new) == []


def test_compare_one_alert_per_goal_even_with_several_crossings():
    old = _goal_rows([0.10, 0.10], "on track")
    new = _goal_rows([0.30, 0.30], "off track")
    [alert] = alerts.compare(old, new)
    assert (alert.goal, alert.kind, alert.old, alert.new) == (DERISK, "status", "on track", "off track")
    assert alert.explanation.count("crossed both bounds") == 2


@pytest.mark.parametrize(("name", "value", "message"), [
    ("ECONSEC_ALERT_WEBHOOK_URL", "ftp://hooks.example.org/x", "ECONSEC_ALERT_WEBHOOK_URL must be an http"),
    ("ECONSEC_ALERT_WEBHOOK_URL", "https:///nohost", "with a host"),
    ("ECONSEC_ALERT_EMAIL_TO", "a@example.org", "needs ECONSEC_SMTP_HOST, ECONSEC_ALERT_EMAIL_FROM"),
    ("ECONSEC_SMTP_PORT", "99999", "ECONSEC_SMTP_PORT=99999 must be at most 65535"),
])
def test_bad_alert_settings_stop_a_refresh_before_it_starts(rare_earths, monkeypatch, name, value, message):
    monkeypatch.setenv(name, value)
    with pytest.raises(ConfigError, match=message):
        refresh.run(["un_comtrade"], store=Store())
    assert rare_earths.requests == [] and Store().is_bundled


def test_cli_refresh_with_a_bad_webhook_url_exits_non_zero(rare_earths, monkeypatch):
    from click.testing import CliRunner

    from dashboard.cli import main

    monkeypatch.setenv("ECONSEC_ALERT_WEBHOOK_URL", "not a url")
    result = CliRunner().invoke(main, ["refresh", "--source", "un_comtrade"])
    assert result.exit_code == 1 and "ECONSEC_ALERT_WEBHOOK_URL must be an http" in result.stderr
