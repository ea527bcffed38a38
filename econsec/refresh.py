"""``econsec refresh``: pull each source, parse, validate and store — atomically.

For every source asked for: run its connector's default queries, keep each raw response
(bytes + provenance: URL without secrets, time, status, sha256) under ``raw/<source>/`` so
the parse can be re-run offline, parse and validate, then upsert the rows into the source's
table by the table's key (rows the source no longer sends are kept). A source that fails
changes nothing: its error is recorded and its last good data stays. When at least one
source succeeded, the indicators are recomputed from the merged tables and everything is
written as one new store generation (see :mod:`econsec.store`). The write lock is held for
the whole run, so a second refresh started meanwhile is refused.

Every run is appended to ``history.json`` (start, end, source, rows, added/changed/unchanged/removed,
status ``ok``/``failed``/``refused``, error). When a new generation is written, goal statuses are
compared with the previous generation's and changes become alerts (:mod:`econsec.alerts`), delivered
after the write lock is released; a delivery failure never fails the refresh.
"""

from __future__ import annotations

import fcntl
import json
import logging
import shutil
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime

import pandas as pd

from connectors import http, registry
from econsec import alerts, schema
from econsec.errors import EconsecError, EmptyResultError, SourceUnreachable, StoreError
from econsec.store import Store

log = logging.getLogger(__name__)

STATUS_FILE = "sources.json"
HISTORY_FILE = "history.json"
HISTORY_LENGTH = 500


@dataclass
class Outcome:
    """What a refresh did for one source."""

    source: str
    ok: bool = False
    table: str = ""
    rows: int = 0  # rows the source sent this time
    added: int = 0
    changed: int = 0
    unchanged: int = 0
    removed: int = 0
    periods: tuple[str, str] | None = None
    responses: int = 0
    empty_responses: int = 0
    error: str | None = None
    started: str = field(default_factory=lambda: _now())
    ended: str | None = None

    def summary(self) -> str:
        if not self.ok:
            return f"FAILED {self.source}: {self.error} (kept the last good data)"
        span = f" ({self.periods[0]}–{self.periods[1]})" if self.periods else ""
        return (f"ok     {self.source}: {self.rows:,} rows{span} from {self.responses} responses; "
                f"{self.added:,} new, {self.changed:,} changed, {self.unchanged:,} unchanged, "
                f"{self.removed:,} no longer reported")


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def upsert(old: pd.DataFrame, new: pd.DataFrame, table: str) -> tuple[pd.DataFrame, dict[str, int]]:
    """Replace in ``old`` every slice (see ``schema.TABLE_SLICES``) that ``new`` covers.

    Returns the merged table and counts by row key: ``added``, ``changed``, ``unchanged`` and
    ``removed`` (a row of a replaced slice that the new answer no longer has).
    """
    key, value, slices = schema.TABLE_KEYS[table], schema.TABLE_VALUES[table], schema.TABLE_SLICES[table]
    in_scope = pd.MultiIndex.from_frame(old[slices]).isin(pd.MultiIndex.from_frame(new[slices]))
    before = old[in_scope].set_index(key)[value]
    after = new.set_index(key)[value]
    common = after.index.intersection(before.index)
    same = (before.loc[common].to_numpy() == after.loc[common].to_numpy()) | (
        before.loc[common].isna().to_numpy() & after.loc[common].isna().to_numpy())
    counts = {"added": int(len(after) - len(common)), "changed": int((~same).sum()),
              "unchanged": int(same.sum()), "removed": int(len(before) - len(common))}
    merged = pd.concat([old[~in_scope], new], ignore_index=True)
    merged = merged.sort_values(key, kind="mergesort").reset_index(drop=True)
    return merged, counts


def _keep_raw(store: Store, run_id: str, raw: http.RawResponse, n: int) -> None:
    folder = store.raw_dir(raw.source) / run_id
    folder.mkdir(parents=True, exist_ok=True)
    stem = f"{n:04d}-{raw.sha256[:12]}"
    (folder / f"{stem}.body").write_bytes(raw.content)
    (folder / f"{stem}.json").write_text(json.dumps(raw.provenance(), indent=1))


def _prune_raw(store: Store, source: str, keep: str) -> None:
    """Keep the raw responses of the newest successful run only."""
    root = store.raw_dir(source)
    for folder in root.iterdir() if root.is_dir() else ():
        if folder.name != keep:
            shutil.rmtree(folder, ignore_errors=True)


def fetch_source(source: str, store: Store, run_id: str) -> tuple[str, pd.DataFrame, Outcome]:
    """Fetch and parse one source; raises EconsecError on failure (nothing is stored yet)."""
    module = registry.connector(source)
    outcome = Outcome(source=source, table=module.TABLE)
    session = http.make_session()
    frames = []
    for query in module.default_queries():
        try:
            responses = module.fetch(query, session=session)
        except EmptyResultError:
            outcome.empty_responses += 1
            continue
        for raw in responses:
            outcome.responses += 1
            _keep_raw(store, run_id, raw, outcome.responses)
            try:
                frames.append(module.parse(raw.content, source_url=raw.url, retrieved_at=raw.retrieved_at))
            except EmptyResultError:
                outcome.empty_responses += 1
    if not frames:
        raise EmptyResultError("every query came back empty", source=source)
    rows = schema.TABLE_VALIDATORS[module.TABLE](pd.concat(frames, ignore_index=True))
    outcome.rows = len(rows)
    outcome.periods = (str(rows["period"].min()), str(rows["period"].max()))
    return module.TABLE, rows, outcome


def run(sources: Sequence[str] | None = None, *, store: Store | None = None,
        progress: Callable[[str], None] = lambda message: None) -> list[Outcome]:
    """Refresh ``sources`` (default: every API source) into ``store``; one Outcome per source."""
    store = store or Store()
    names = list(sources) if sources else list(registry.API_CONNECTORS)
    for name in names:
        registry.connector(name)  # an unknown source is a ConfigError before anything starts
    delivery = alerts.config()  # so is a bad alert setting
    run_id = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    outcomes: list[Outcome] = []
    new_alerts: list[alerts.Alert] = []
    with store.writer():
        tables: dict[str, pd.DataFrame] = {}
        for name in names:
            progress(f"{name}: fetching …")
            started, started_at = time.monotonic(), _now()
            try:
                table, rows, outcome = fetch_source(name, store, run_id)
                if table not in tables:
                    tables[table] = store.read(table) if table in store.tables() else schema.empty(table)
                tables[table], counts = upsert(tables[table], rows, table)
                for name_, count in counts.items():
                    setattr(outcome, name_, count)
                outcome.ok = True
            except SourceUnreachable as exc:
                outcome = Outcome(source=name, error=f"offline or unreachable: {exc}", started=started_at)
            except EconsecError as exc:
                outcome = Outcome(source=name, error=str(exc), started=started_at)
            outcome.ended = _now()
            outcomes.append(outcome)
            progress(f"{outcome.summary()}  [{time.monotonic() - started:.1f} s]")
        if tables:
            previous = _goal_status(store)
            _write(store, tables, outcomes)
            for outcome in outcomes:
                if outcome.ok:
                    _prune_raw(store, outcome.source, keep=run_id)
            new_alerts = _alerts(store, previous, tables["goal_status"])
        _record(store, outcomes)
    if new_alerts:
        alerts.deliver(new_alerts, delivery)
    return outcomes


def _goal_status(store: Store) -> pd.DataFrame | None:
    try:
        return store.read("goal_status") if "goal_status" in store.tables() else None
    except StoreError as exc:
        log.warning("no previous goal statuses to compare with: %s", exc)
        return None


def _alerts(store: Store, previous: pd.DataFrame | None, current: pd.DataFrame) -> list[alerts.Alert]:
    """Compare and record; a problem here is logged, the new data is already stored."""
    try:
        found = alerts.compare(previous, current)
        alerts.record(store, found)
        return found
    except Exception:  # noqa: BLE001 - alerts must never fail a refresh that already stored its data
        log.exception("could not compute or record goal alerts")
        return []


def _write(store: Store, tables: dict[str, pd.DataFrame], outcomes: list[Outcome]) -> None:
    from indicators import registry, status

    # Every family reads every tidy table, refreshed or not: start from the whole store.
    inputs = {name: tables[name] if name in tables else store.read(name)
              for name in schema.TABLE_VALIDATORS if name in tables or name in store.tables()}
    tables.update(registry.compute_all(inputs))
    tables["goal_status"] = status.table(tables["indicators"])
    manifest = store.manifest()
    refreshes = manifest.setdefault("refreshes", {})
    for outcome in outcomes:
        if outcome.ok:
            refreshes[outcome.source] = {"at": outcome.ended, "rows": outcome.rows, "periods": outcome.periods,
                                         "responses": outcome.responses}
    manifest["tables"] = {**manifest.get("tables", {}),
                          **{n: {"rows": len(f), "columns": list(f.columns)} for n, f in tables.items()}}
    manifest["refreshed_at"] = _now()
    store.write(tables, manifest)


@contextmanager
def _state_lock(store: Store) -> Iterator[None]:
    """Serialise read-modify-write of the state files (a refused run records itself without the write lock)."""
    store.path.mkdir(parents=True, exist_ok=True)
    with (store.path / ".state.lock").open("w") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        yield


def _read_state(store: Store, name: str, default: object) -> object:
    try:
        return store.read_json(name, default)
    except StoreError as exc:  # a damaged state file must not lose the refreshed data
        log.warning("%s; starting a new one", exc)
        return default


def _history_entry(outcome: Outcome) -> dict:
    return {**asdict(outcome), "status": "ok" if outcome.ok else "failed"}


def _record(store: Store, outcomes: list[Outcome]) -> None:
    """Per-source status (last success, last error) and the run history, beside the generations."""
    with _state_lock(store):
        status = _read_state(store, STATUS_FILE, {})
        history = _read_state(store, HISTORY_FILE, [])
        for outcome in outcomes:
            entry = status.setdefault(outcome.source, {})
            entry["last_attempt"] = outcome.ended
            if outcome.ok:
                entry.update(last_success=outcome.ended, rows=outcome.rows, periods=outcome.periods, last_error=None)
            else:
                entry["last_error"] = outcome.error
            history.append(_history_entry(outcome))
        store.write_json(STATUS_FILE, status)
        store.write_json(HISTORY_FILE, history[-HISTORY_LENGTH:])


def record_refused(store: Store, sources: Sequence[str], error: str, started: str) -> None:
    """Put a run that could not start (another refresh held the lock) in the history."""
    ended = _now()
    with _state_lock(store):
        history = _read_state(store, HISTORY_FILE, [])
        for source in sources:
            history.append({**asdict(Outcome(source=source, error=error, started=started, ended=ended)),
                            "status": "refused"})
        store.write_json(HISTORY_FILE, history[-HISTORY_LENGTH:])


def history(store: Store | None = None, n: int | None = None) -> list[dict]:
    """Recorded runs, newest first (the newest ``n``)."""
    entries = _read_state(store or Store(), HISTORY_FILE, [])
    entries = entries if isinstance(entries, list) else []
    return list(reversed(entries if n is None else entries[-n:]))


def last_runs(store: Store | None = None) -> dict[str, dict]:
    """The newest recorded run of each source."""
    out: dict[str, dict] = {}
    for entry in history(store):
        out.setdefault(str(entry.get("source")), entry)
    return out


def status(store: Store | None = None) -> dict:
    found = _read_state(store or Store(), STATUS_FILE, {})  # a damaged file is logged and read as empty
    return found if isinstance(found, dict) else {}
