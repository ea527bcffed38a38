"""Keep the store current without anyone watching: each API source refreshed on its own cron schedule.

``econsec schedule`` runs a :class:`~apscheduler.schedulers.background.BackgroundScheduler` (UTC) with
one job per API source while the main thread waits for a signal. When a source runs comes from
``ECONSEC_SCHEDULE_<SOURCE>`` (a five-field cron expression, or ``off``); defaults follow each
source's publication rhythm. Jobs use ``max_instances=1`` and ``coalesce=True`` (runs missed while
the machine slept become one run, if no later than ``ECONSEC_MISFIRE_GRACE_SECONDS``). SIGTERM/SIGINT
stop the scheduler: no new job starts, a refresh in progress finishes (a second signal ends the
process; the store survives even a SIGKILL).

Each job calls :func:`econsec.refresh.run` for its source. A refresh refused because another holds the
store's write lock is logged and recorded in the history (status ``refused``), never a crash.

``econsec serve --schedule`` runs a :class:`~apscheduler.schedulers.background.BackgroundScheduler` in
the web process instead, guarded by a non-blocking ``fcntl`` lock on ``<data dir>/.scheduler.lock``:
of several web workers only the one holding the lock schedules; the lock dies with its process.
"""

from __future__ import annotations

import fcntl
import logging
import os
import signal
import time
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import IO

from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.schedulers.base import BaseScheduler
from apscheduler.triggers.cron import CronTrigger

from connectors import registry
from econsec import alerts, settings
from econsec.errors import ConfigError, EconsecError, StoreError
from econsec.store import Store

log = logging.getLogger(__name__)

PREFIX = "ECONSEC_SCHEDULE_"
LOCK_FILE = ".scheduler.lock"
OFF = ("off", "none", "never", "disabled")


def setting_name(source: str) -> str:
    return f"{PREFIX}{source.upper()}"


@dataclass(frozen=True)
class Entry:
    source: str
    expression: str | None  # None: switched off
    trigger: CronTrigger | None


def _check_environment() -> None:
    """An ECONSEC_SCHEDULE_* variable naming no API source is a typo the user must hear about."""
    declared = {s.name for s in settings.SETTINGS}
    for name in os.environ:
        if name.startswith(PREFIX) and name not in declared:
            source = name[len(PREFIX):].lower()
            known = ", ".join(setting_name(s) for s in registry.API_CONNECTORS)
            raise ConfigError(f"{name} names unknown source {source!r}; schedulable sources: {known}")


def parse(source: str, expression: str) -> CronTrigger | None:
    if expression.strip().lower() in OFF:
        return None
    if len(expression.split()) != 5:
        raise ConfigError(f"{setting_name(source)}={expression!r} is not a cron expression: it needs five fields "
                          f"(minute hour day month weekday, UTC), e.g. '0 3 5 * *', or 'off'")
    minute, hour, day, month, weekday = expression.split()
    try:
        return CronTrigger(minute=minute, hour=hour, day=day, month=month, day_of_week=_weekdays(weekday),
                           timezone=UTC)
    except ValueError as exc:
        raise ConfigError(f"{setting_name(source)}={expression!r} is not a valid cron expression: {exc}") from None


_DAYS = ("sun", "mon", "tue", "wed", "thu", "fri", "sat")


def _weekdays(field: str) -> str:
    """The cron weekday field in APScheduler's terms. Cron counts 0 (or 7) = Sunday, APScheduler 3 counts
    0 = Monday (and ``CronTrigger.from_crontab`` does not translate), so numbers become day names."""
    out = []
    for part in field.lower().split(","):
        span, _, step = part.partition("/")
        if not any(c.isdigit() for c in span) and not step:
            out.append(part)  # "*", "mon", "mon-fri": the same in both
            continue
        if span == "*":
            first, last = 0, 6
        elif "-" in span:
            first, last = (_day_number(x) for x in span.split("-", 1))
        else:
            first = last = _day_number(span)
            if step:
                last = 6
        if last < first:
            raise ValueError(f"weekday range {span!r} runs backwards")
        every = int(step) if step else 1
        if every < 1:
            raise ValueError(f"step {step!r} must be at least 1")
        out.extend(_DAYS[n % 7] for n in range(first, last + 1, every))
    return ",".join(dict.fromkeys(out))


def _day_number(text: str) -> int:
    if text in _DAYS:
        return _DAYS.index(text)
    if not text.isdigit() or int(text) > 7:
        raise ValueError(f"weekday {text!r} must be 0–7 (0 and 7 are Sunday) or a name (sun, mon, …)")
    return int(text)


def entries(sources: Sequence[str] | None = None) -> list[Entry]:
    """The schedule of ``sources`` (default: every API source); ConfigError for an unknown source or a bad cron."""
    _check_environment()
    names = list(sources) if sources else list(registry.API_CONNECTORS)
    out = []
    for name in names:
        registry.connector(name)  # ConfigError names the known sources
        expression = settings.raw(setting_name(name)) or "off"
        out.append(Entry(name, None if expression.lower() in OFF else expression, parse(name, expression)))
    return out


def check(sources: Sequence[str] | None = None) -> list[Entry]:
    """Everything a scheduled run needs, checked before the first job: schedule, grace, alert delivery."""
    found = entries(sources)
    settings.misfire_grace_seconds()
    alerts.config()
    return found


def run_job(source: str, store_path: str | None = None) -> list:
    """One scheduled refresh. Never raises: a refusal or an error is logged and recorded."""
    from econsec import refresh

    store = Store(store_path) if store_path else Store()
    started = datetime.now(UTC).isoformat(timespec="seconds")
    try:
        outcomes = refresh.run([source], store=store)
    except StoreError as exc:
        if "another refresh" in str(exc):
            log.warning("scheduled refresh of %s refused: %s", source, exc)
            _record_refused(store, source, str(exc), started)
        else:
            log.error("scheduled refresh of %s failed: %s", source, exc)
        return []
    except EconsecError as exc:
        log.error("scheduled refresh of %s failed: %s", source, exc)
        return []
    for outcome in outcomes:
        (log.info if outcome.ok else log.error)("scheduled refresh: %s", outcome.summary())
    return outcomes


def _record_refused(store: Store, source: str, error: str, started: str) -> None:
    from econsec import refresh

    try:
        refresh.record_refused(store, [source], error, started)
    except (OSError, EconsecError) as exc:
        log.error("could not record the refused run of %s: %s", source, exc)


def build(scheduler: BaseScheduler, schedule: list[Entry], store_path: str | None = None) -> BaseScheduler:
    for entry in schedule:
        if entry.trigger is not None:
            scheduler.add_job(run_job, entry.trigger, args=[entry.source, store_path], id=entry.source,
                              name=f"refresh {entry.source}", replace_existing=True)
    return scheduler


def _job_defaults() -> dict:
    return {"max_instances": 1, "coalesce": True, "misfire_grace_time": settings.misfire_grace_seconds()}


def make_scheduler(kind: type[BaseScheduler], schedule: list[Entry], store_path: str | None = None) -> BaseScheduler:
    return build(kind(timezone=UTC, job_defaults=_job_defaults()), schedule, store_path)


# -- due jobs (``--once``) and the listing (``--list``) ------------------------------------------------
def _last_attempt(store: Store, source: str) -> datetime | None:
    from econsec import refresh

    try:
        value = refresh.status(store).get(source, {}).get("last_attempt")
    except StoreError:
        return None
    try:
        return datetime.fromisoformat(value) if value else None
    except ValueError:
        return None


def due(entry: Entry, store: Store, now: datetime | None = None) -> bool:
    """A source is due when it never ran, or its schedule fired since its last attempt."""
    if entry.trigger is None:
        return False
    now = now or datetime.now(UTC)
    last = _last_attempt(store, entry.source)
    if last is None:
        return True
    following = entry.trigger.get_next_fire_time(None, last + timedelta(seconds=1))
    return following is not None and following <= now


def run_due(schedule: list[Entry], store: Store | None = None, now: datetime | None = None) -> dict[str, list]:
    """Run every due job once, one after the other (for cron users and tests)."""
    store = store or Store()
    return {e.source: run_job(e.source, str(store.path)) for e in schedule if due(e, store, now)}


def listing(schedule: list[Entry], store: Store | None = None, now: datetime | None = None) -> list[str]:
    store = store or Store()
    now = now or datetime.now(UTC)
    lines = []
    for entry in schedule:
        if entry.trigger is None:
            lines.append(f"{entry.source:12} off        ({setting_name(entry.source)})")
            continue
        following = entry.trigger.get_next_fire_time(None, now)
        last = _last_attempt(store, entry.source)
        line = f"{entry.source:12} {entry.expression:18} next {following:%Y-%m-%d %H:%M} UTC; "
        line += f"last run {last:%Y-%m-%d %H:%M} UTC" if last else "never run"
        lines.append(line + (" (due now)" if due(entry, store, now) else ""))
    return lines


# -- running ---------------------------------------------------------------------------------------
def run_forever(schedule: list[Entry], poll_seconds: float = 0.2) -> None:
    """The ``econsec schedule`` process: blocks until SIGTERM or SIGINT.

    The signal handler only records the signal; the main thread notices it and shuts the scheduler
    down. (A handler that calls ``scheduler.shutdown()`` itself can interrupt the scheduler while it
    holds its own non-reentrant event lock, and the process deadlocks. Blocking the signals and using
    ``sigwait`` is no cure either: native threads started at import, e.g. Arrow's pool, would still
    take the signal and die by it.)
    """
    scheduler = make_scheduler(BackgroundScheduler, schedule)
    received: list[int] = []
    previous = {sig: signal.signal(sig, lambda signum, _frame: received.append(signum))
                for sig in (signal.SIGTERM, signal.SIGINT)}
    try:
        scheduler.start()
        for job in scheduler.get_jobs():
            log.info("scheduled %s: %s", job.name, job.trigger)
        while not received:
            time.sleep(poll_seconds)
        log.info("%s received: stopping the scheduler (a refresh in progress finishes)",
                 signal.Signals(received[0]).name)
    finally:
        for sig, handler in previous.items():  # a second signal ends the process the default way
            signal.signal(sig, handler)
    scheduler.shutdown(wait=True)
    log.info("scheduler stopped")


_in_process: tuple[IO[str], BackgroundScheduler] | None = None


def start_in_process(store: Store | None = None, sources: Sequence[str] | None = None) -> BackgroundScheduler | None:
    """Start a background scheduler in this (web) process if no other process runs one.

    Returns the scheduler, or None when another process holds the lock. Call it once per process
    (e.g. from gunicorn's ``post_worker_init``); the lock is released when the process ends.
    """
    global _in_process
    if _in_process is not None:
        return _in_process[1]
    schedule = check(sources)
    store = store or Store()
    store.path.mkdir(parents=True, exist_ok=True)
    handle = (store.path / LOCK_FILE).open("w")
    try:
        fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        handle.close()
        log.info("another process runs the refresh schedule for %s; this one only serves", store.path)
        return None
    handle.write(f"{os.getpid()}\n")
    handle.flush()
    scheduler = make_scheduler(BackgroundScheduler, schedule, str(store.path))
    scheduler.start()
    _in_process = (handle, scheduler)
    log.info("process %d runs the refresh schedule (%d jobs)", os.getpid(), len(scheduler.get_jobs()))
    return scheduler


def stop_in_process() -> None:
    global _in_process
    if _in_process is None:
        return
    handle, scheduler = _in_process
    _in_process = None
    if scheduler.running:
        scheduler.shutdown(wait=False)
    handle.close()
