"""Alerts: tell users when a goal's status changes or a measure crosses one of its bounds.

After each refresh that writes a new generation, :func:`compare` sets the new ``goal_status``
table against the previous generation's. Each goal yields at most one alert:

* ``status``: the goal's status changed (old → new), with the measures' threshold crossings in
  the explanation;
* ``threshold``: the status did not change but a measure of a :class:`~indicators.goals.Threshold`
  goal moved across one of its bounds (on track / watch / off track band).

Alerts are appended to ``alerts.json`` in the data directory (the newest :data:`ALERTS_LENGTH`),
logged, and optionally delivered to a webhook (``ECONSEC_ALERT_WEBHOOK_URL``, a JSON POST) and by
e-mail (``ECONSEC_SMTP_*``). A delivery failure is logged and never fails the refresh.
"""

from __future__ import annotations

import logging
import math
import smtplib
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from email.message import EmailMessage
from urllib.parse import urlsplit

import pandas as pd
import requests

from econsec import settings
from econsec.errors import ConfigError, StoreError
from econsec.store import Store

log = logging.getLogger(__name__)

ALERTS_FILE = "alerts.json"
ALERTS_LENGTH = 500


@dataclass(frozen=True)
class Alert:
    time: str
    goal: str
    title: str
    kind: str  # "status" | "threshold"
    old: str
    new: str
    explanation: str

    def summary(self) -> str:
        return f"{self.title}: {self.old} → {self.new}. {self.explanation}"


# -- configuration ------------------------------------------------------------------------------
@dataclass(frozen=True)
class Delivery:
    webhook_url: str | None
    smtp_host: str | None
    smtp_port: int
    smtp_user: str | None
    email_to: tuple[str, ...]
    email_from: str | None


def config() -> Delivery:
    """The delivery settings, checked; ConfigError with the setting's name when one is wrong."""
    url = settings.raw("ECONSEC_ALERT_WEBHOOK_URL")
    if url:
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            shown = f"{parts.scheme}://…" if parts.scheme else "a value without http(s)://"
            raise ConfigError(f"ECONSEC_ALERT_WEBHOOK_URL must be an http:// or https:// URL with a host (got {shown})")
    host = settings.raw("ECONSEC_SMTP_HOST")
    to = tuple(a.strip() for a in (settings.raw("ECONSEC_ALERT_EMAIL_TO") or "").split(",") if a.strip())
    sender = settings.raw("ECONSEC_ALERT_EMAIL_FROM")
    if host or to or sender:
        missing = [name for name, value in (("ECONSEC_SMTP_HOST", host), ("ECONSEC_ALERT_EMAIL_TO", to),
                                            ("ECONSEC_ALERT_EMAIL_FROM", sender)) if not value]
        if missing:
            raise ConfigError(f"alert e-mail needs {', '.join(missing)} as well "
                              f"(set all of ECONSEC_SMTP_HOST, ECONSEC_ALERT_EMAIL_TO, ECONSEC_ALERT_EMAIL_FROM)")
        bad = [a for a in (*to, sender) if "@" not in str(a)]
        if bad:
            raise ConfigError(f"alert e-mail address {bad[0]!r} is not an address (ECONSEC_ALERT_EMAIL_TO/FROM)")
    return Delivery(url or None, host or None, settings.smtp_port(), settings.raw("ECONSEC_SMTP_USER"), to, sender)


# -- comparing two goal_status tables -------------------------------------------------------------
def _band(rule, value: float) -> str | None:  # type: ignore[no-untyped-def]
    from indicators.status import OFF_TRACK, ON_TRACK, WATCH

    if value is None or math.isnan(value):
        return None
    if rule.better == "lower":
        return ON_TRACK if value <= rule.good else OFF_TRACK if value >= rule.bad else WATCH
    return ON_TRACK if value >= rule.good else OFF_TRACK if value <= rule.bad else WATCH


def _crossings(goal, old: pd.DataFrame, new: pd.DataFrame) -> list[str]:  # type: ignore[no-untyped-def]
    """Sentences for each Threshold measure whose latest value moved to another band."""
    from indicators import goals as g
    from indicators.status import format_value

    if not isinstance(goal.rule, g.Threshold) or len(old) != len(goal.measures) or len(new) != len(goal.measures):
        return []
    out = []
    for measure, (_, before), (_, after) in zip(goal.measures, old.iterrows(), new.iterrows(), strict=True):
        if before["measure"] != measure.indicator or after["measure"] != measure.indicator:
            return []  # rows do not line up with the registry (another code version): say nothing
        was, now = _band(goal.rule, float(before["value"])), _band(goal.rule, float(after["value"]))
        if was is None or now is None or was == now:
            continue
        good, bad = (format_value(measure.indicator, b) for b in (goal.rule.good, goal.rule.bad))
        bound_text = {frozenset({"on track", "watch"}): f"the {good} bound",
                      frozenset({"watch", "off track"}): f"the {bad} bound"}.get(
            frozenset({was, now}), f"both bounds ({good} and {bad})")
        out.append(f"{measure.label} crossed {bound_text}: {format_value(measure.indicator, float(before['value']))} "
                   f"in {before['period']} → {format_value(measure.indicator, float(after['value']))} in "
                   f"{after['period']} ({was} → {now})")
    return out


def compare(old: pd.DataFrame | None, new: pd.DataFrame, *, at: str | None = None) -> list[Alert]:
    """At most one alert per goal present in both tables; none when nothing changed."""
    from indicators import goals as g

    if old is None or old.empty:
        return []
    at = at or datetime.now(UTC).isoformat(timespec="seconds")
    alerts = []
    old_by_goal = {goal: rows for goal, rows in old.groupby("goal", sort=False)}
    for goal_id, rows in new.groupby("goal", sort=False):
        before = old_by_goal.get(goal_id)
        goal = g.GOALS_BY_ID.get(str(goal_id))
        if before is None or goal is None:
            continue
        was, now = str(before["status"].iloc[0]), str(rows["status"].iloc[0])
        crossings = _crossings(goal, before.reset_index(drop=True), rows.reset_index(drop=True))
        if was != now:
            explanation = str(rows["explanation"].iloc[0])
            if crossings:
                explanation = "; ".join(crossings) + ". " + explanation
            alerts.append(Alert(at, str(goal_id), goal.title, "status", was, now, explanation))
        elif crossings:
            alerts.append(Alert(at, str(goal_id), goal.title, "threshold", was, now,
                                "; ".join(crossings) + f". The goal stays {now}."))
    return alerts


# -- recording and delivering ----------------------------------------------------------------------
def history(store: Store | None = None) -> list[dict]:
    """Every recorded alert, oldest first ([] when none or the file is damaged)."""
    try:
        value = (store or Store()).read_json(ALERTS_FILE, [])
    except StoreError as exc:
        log.warning("%s", exc)
        return []
    return value if isinstance(value, list) else []


def latest(store: Store | None = None, n: int = 20) -> list[dict]:
    """The newest ``n`` alerts, newest first."""
    return list(reversed(history(store)[-n:]))


def record(store: Store, alerts: list[Alert]) -> None:
    """Append to alerts.json and write each alert to the log."""
    if not alerts:
        return
    for alert in alerts:
        log.warning("goal alert [%s] %s", alert.kind, alert.summary())
    store.write_json(ALERTS_FILE, (history(store) + [asdict(a) for a in alerts])[-ALERTS_LENGTH:])


def _redacted(text: str) -> str:
    from connectors.http import redact

    return redact(text)


def send_webhook(url: str, alerts: list[Alert]) -> bool:
    payload = {"source": "econsec", "kind": "goal-status-alerts", "alerts": [asdict(a) for a in alerts]}
    try:
        response = requests.post(url, json=payload, timeout=settings.http_timeout(),
                                 headers={"User-Agent": "econsec alerts"})
        response.raise_for_status()
    except (requests.RequestException, ConfigError) as exc:
        log.error("alert webhook failed (the refresh is not affected): %s", _redacted(f"{type(exc).__name__}: {exc}"))
        return False
    log.info("sent %d alert(s) to the webhook", len(alerts))
    return True


def send_email(delivery: Delivery, alerts: list[Alert]) -> bool:
    message = EmailMessage()
    message["Subject"] = (f"econsec: {alerts[0].title} is now {alerts[0].new}" if len(alerts) == 1
                          else f"econsec: {len(alerts)} goal alerts")
    message["From"] = delivery.email_from
    message["To"] = ", ".join(delivery.email_to)
    message.set_content("\n\n".join(f"{a.time}  {a.summary()}" for a in alerts) + "\n")
    try:
        with smtplib.SMTP(delivery.smtp_host or "", delivery.smtp_port, timeout=settings.http_timeout()) as smtp:
            smtp.ehlo()
            if smtp.has_extn("starttls"):
                smtp.starttls()
                smtp.ehlo()
            password = settings.secret("ECONSEC_SMTP_PASSWORD")
            if delivery.smtp_user and password:
                smtp.login(delivery.smtp_user, password)
            smtp.send_message(message)
    except (OSError, smtplib.SMTPException) as exc:
        log.error("alert e-mail failed (the refresh is not affected): %s", _redacted(f"{type(exc).__name__}: {exc}"))
        return False
    log.info("sent %d alert(s) by e-mail to %s", len(alerts), message["To"])
    return True


def deliver(alerts: list[Alert], delivery: Delivery | None = None) -> None:
    """Send alerts to the configured webhook and e-mail; never raises."""
    if not alerts:
        return
    try:
        delivery = delivery or config()
    except ConfigError as exc:
        log.error("alerts not delivered: %s", exc)
        return
    if delivery.webhook_url:
        send_webhook(delivery.webhook_url, alerts)
    if delivery.smtp_host:
        send_email(delivery, alerts)
