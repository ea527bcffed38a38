"""The store: tidy tables and computed indicators as Parquet, in generations.

Layout of a data directory::

    CURRENT                 name of the generation readers use (replaced atomically)
    generations/<name>/     one Parquet file per table + manifest.json
    .lock                   held by a writer; a second writer is refused

A write builds a complete new generation, fsyncs it, then swaps ``CURRENT`` with
``os.replace``: a reader sees the old generation or the new one, never a mix, and a
writer killed half-way leaves the previous generation untouched. While a data
directory has no ``CURRENT`` the bundled snapshot (shipped inside the package, same
layout as a generation) is read instead.

A damaged store is detected and worked around, never served: a ``CURRENT`` that is garbage or
names a missing generation, or a generation whose manifest is not JSON or whose Parquet file is
truncated or garbage, makes readers fall back to the newest intact older generation, else to the
bundled snapshot. The fallback is logged (once per state of the store) and reported by
:attr:`Store.warning`, which ``econsec sources`` prints. A data directory that cannot be read at all
(not a directory, no permission) is a :class:`StoreError`, not a fallback.
"""

from __future__ import annotations

import fcntl
import json
import logging
import os
import re
import shutil
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING

from econsec import settings
from econsec.errors import StoreError

if TYPE_CHECKING:
    import pandas as pd

log = logging.getLogger(__name__)

MANIFEST = "manifest.json"
KEEP_GENERATIONS = 3
#: What ``_write_locked`` names a generation (UTC time stamp); anything else in CURRENT is garbage.
GENERATION_NAME = re.compile(r"^\d{8}T\d{6}\d*Z$")


@lru_cache(maxsize=1)
def bundled_snapshot_dir() -> Path:
    return Path(str(resources.files("econsec") / "snapshot"))


class Store:
    def __init__(self, path: Path | str | None = None) -> None:
        self.path = Path(path) if path is not None else settings.data_dir()
        self._holding_lock = False

    # -- reading -----------------------------------------------------------------
    def current_dir(self) -> Path:
        """The generation to read: the data directory's current one, else the bundled snapshot.

        A damaged current generation (or pointer) gives the newest intact older generation, else
        the bundled snapshot; :attr:`warning` then says what was wrong."""
        return self._resolve().directory

    @property
    def warning(self) -> str | None:
        """Why the store is not reading its current generation (damage and fallback), or None."""
        return self._resolve().warning

    @property
    def is_bundled(self) -> bool:
        return self.current_dir() == bundled_snapshot_dir()

    def _resolve(self) -> _Resolved:
        pointer = self.path / "CURRENT"
        try:
            raw = pointer.read_bytes()
        except FileNotFoundError:
            return _Resolved(bundled_snapshot_dir(), None)
        except NotADirectoryError:
            raise StoreError(f"the data directory {self.path} is not a directory (check ECONSEC_DATA_DIR)") from None
        except OSError as exc:
            raise StoreError(f"cannot read {pointer}: {exc.strerror or exc}") from None
        try:
            name = raw.decode("ascii").strip()
        except UnicodeDecodeError:
            name = None
        generations = self.path / "generations"
        if name is None or not GENERATION_NAME.match(name):
            shown = raw[:40].decode("ascii", "replace") if raw else ""
            problem = f"{pointer} is damaged (it holds {shown!r}, not a generation name)"
        elif not (generations / name / MANIFEST).is_file():
            problem = f"{pointer} names generation {name!r}, which is missing or incomplete"
        else:
            problem = _damage(generations / name)
            if problem is None:
                return _Resolved(generations / name, None)
        for older in _complete_generations(generations):
            if older.name != name and _damage(older) is None:
                return _Resolved(older, _warn_once(f"{problem}; reading the last good generation {older.name}"))
        return _Resolved(bundled_snapshot_dir(), _warn_once(f"{problem}; no intact generation left, reading the "
                                                            f"bundled snapshot (run `econsec refresh`)"))

    def manifest(self) -> dict:
        return _read_manifest(self.current_dir())

    def status(self) -> dict[str, object]:
        """What the dashboard's footer and sources say of the data: ``built_at`` (a date), whether the
        bundled snapshot is read, and :attr:`warning`. From the manifest alone (no table is read)."""
        built_at = str(self.manifest().get("built_at", ""))[:10] or "unknown"
        return {"built_at": built_at, "bundled": self.is_bundled, "warning": self.warning}

    def tables(self) -> list[str]:
        return sorted(p.stem for p in self.current_dir().glob("*.parquet"))

    def read(self, table: str) -> pd.DataFrame:
        """A stored table. Cached per generation, so repeated reads cost nothing and a
        new generation is picked up by the next read without a restart. A table file found
        damaged on reading marks its generation damaged, and the read falls back (see above)."""
        for _ in range(KEEP_GENERATIONS + 2):
            directory = self.current_dir()
            try:
                return _read_table(str(directory), table).copy()
            except _DamagedTable as exc:
                if directory == bundled_snapshot_dir():
                    raise StoreError(str(exc)) from None
                _mark_damaged(directory, str(exc))
        raise StoreError(f"no intact copy of table {table!r} in {self.path}")  # pragma: no cover

    # -- writing -----------------------------------------------------------------
    @contextmanager
    def writer(self) -> Iterator[None]:
        """Hold the write lock; a second writer gets StoreError at once instead of waiting."""
        if self.path.exists() and not self.path.is_dir():
            raise StoreError(f"the data directory {self.path} is not a directory (check ECONSEC_DATA_DIR)")
        try:
            self.path.mkdir(parents=True, exist_ok=True)
            handle = (self.path / ".lock").open("w")
        except OSError as exc:
            raise StoreError(f"cannot write to the data directory {self.path}: {exc.strerror or exc}") from None
        with handle:
            try:
                fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                raise StoreError(f"another refresh is writing to {self.path}; try again when it ends") from None
            self._holding_lock = True
            try:
                yield
            finally:
                self._holding_lock = False

    def write(self, tables: Mapping[str, pd.DataFrame], manifest: dict, *, replace_all: bool = False) -> Path:
        """Write a new generation holding ``tables`` (and, unless ``replace_all``, every other
        table of the current generation unchanged), then make it current atomically."""
        if self._holding_lock:  # inside this store's own writer(): a refresh writing its result
            return self._write_locked(tables, manifest, replace_all=replace_all)
        with self.writer():
            return self._write_locked(tables, manifest, replace_all=replace_all)

    # -- small state files beside the generations (source status, refresh history) ---------------
    def read_json(self, name: str, default: object) -> object:
        path = self.path / name
        try:
            return json.loads(path.read_text())
        except FileNotFoundError:
            return default
        except (OSError, ValueError) as exc:
            raise StoreError(f"cannot read {path}: {exc}") from None

    def write_json(self, name: str, value: object) -> None:
        """Replace a small JSON state file atomically (temporary file, fsync, rename)."""
        path = self.path / name
        tmp = path.with_suffix(".tmp")
        try:
            self.path.mkdir(parents=True, exist_ok=True)
            with open(tmp, "w") as fh:
                json.dump(value, fh, indent=2, sort_keys=True, default=str)
                fh.flush()
                os.fsync(fh.fileno())
            os.replace(tmp, path)
        except OSError as exc:
            raise StoreError(f"cannot write {path}: {exc}") from None

    def raw_dir(self, source: str) -> Path:
        """Where raw responses of ``source`` are kept, so a parse can be re-run offline."""
        return self.path / "raw" / source

    def _write_locked(self, tables: Mapping[str, pd.DataFrame], manifest: dict, *, replace_all: bool) -> Path:
        previous = self.current_dir()
        name = datetime.now(UTC).strftime("%Y%m%dT%H%M%S%fZ")
        generations = self.path / "generations"
        staging = generations / f".{name}.partial"
        final = generations / name
        try:
            staging.mkdir(parents=True)
            for table, frame in tables.items():
                _check_name(table)
                frame.to_parquet(staging / f"{table}.parquet", index=False)
            if not replace_all:
                for old in previous.glob("*.parquet"):
                    if old.stem not in tables:
                        shutil.copy2(old, staging / old.name)
            (staging / MANIFEST).write_text(json.dumps(manifest, indent=2, sort_keys=True, default=str))
            _fsync_dir(staging)
            os.rename(staging, final)
            pointer_tmp = self.path / "CURRENT.tmp"
            pointer_tmp.write_text(name + "\n")
            with open(pointer_tmp, "rb+") as fh:
                os.fsync(fh.fileno())
            os.replace(pointer_tmp, self.path / "CURRENT")
            _fsync_dir(self.path)
        except OSError as exc:
            shutil.rmtree(staging, ignore_errors=True)
            raise StoreError(f"cannot write a new generation in {generations}: {exc}") from None
        self._prune(keep=name)
        return final

    def _prune(self, keep: str) -> None:
        generations = sorted(p for p in (self.path / "generations").iterdir() if p.is_dir())
        for path in generations:
            if path.name.startswith(".") and path.name != f".{keep}.partial":
                shutil.rmtree(path, ignore_errors=True)  # left by a writer that was killed
        complete = [p for p in generations if not p.name.startswith(".")]
        for path in complete[:-KEEP_GENERATIONS]:
            if path.name != keep:
                shutil.rmtree(path, ignore_errors=True)


def _check_name(table: str) -> None:
    if not table.replace("_", "").isalnum():
        raise StoreError(f"table name {table!r} must be letters, digits and underscores")


def _fsync_dir(path: Path) -> None:
    for child in path.iterdir():
        if child.is_file():
            with open(child, "rb") as fh:
                os.fsync(fh.fileno())
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _read_manifest(directory: Path) -> dict:
    try:
        return json.loads((directory / MANIFEST).read_text())
    except FileNotFoundError:
        raise StoreError(f"{directory} has no {MANIFEST}") from None
    except (OSError, ValueError) as exc:
        raise StoreError(f"cannot read {directory / MANIFEST}: {exc}") from None


class _DamagedTable(StoreError):
    """A table file that exists but cannot be read (truncated, garbage)."""


@lru_cache(maxsize=32)
def _read_table(directory: str, table: str) -> pd.DataFrame:
    # pandas and pyarrow are imported where a table is read, not with the module: the dashboard reads the
    # manifest (its footer's data date) while serving the page shell, which must not import them (issue #8).
    import pandas as pd

    _check_name(table)
    path = Path(directory) / f"{table}.parquet"
    if not path.is_file():
        raise StoreError(f"no table {table!r} in {directory}; run `econsec refresh` or `econsec snapshot build`")
    try:
        return pd.read_parquet(path)
    except Exception as exc:  # noqa: BLE001 - pyarrow raises several types for a damaged file
        raise _DamagedTable(f"cannot read {path}: {type(exc).__name__}: {exc}") from None


# -- detecting a damaged generation ---------------------------------------------------------------
@dataclass(frozen=True)
class _Resolved:
    directory: Path
    warning: str | None


#: ``{generation dir: (signature of its files, damage or None)}``: a generation is checked again
#: only when one of its files changes (size or mtime), so readers pay a few ``stat`` calls.
_CHECKED: dict[str, tuple[tuple, str | None]] = {}
_WARNED: set[str] = set()


def _signature(directory: Path) -> tuple:
    try:
        return tuple(sorted((p.name, st.st_size, st.st_mtime_ns) for p in directory.iterdir()
                            if p.is_file() and (st := p.stat())))
    except OSError:
        return ()


def _damage(directory: Path) -> str | None:
    """What is wrong with a generation (manifest not JSON, a Parquet file without a valid footer), or None."""
    signature = _signature(directory)
    cached = _CHECKED.get(str(directory))
    if cached is not None and cached[0] == signature:
        return cached[1]
    import pyarrow.parquet as pq  # here, not with the module: see _read_table

    problem = None
    try:
        if not isinstance(json.loads((directory / MANIFEST).read_text(encoding="utf-8")), dict):
            problem = f"{directory / MANIFEST} is not a JSON object"
    except (OSError, ValueError) as exc:
        problem = f"{directory / MANIFEST} is damaged ({type(exc).__name__})"
    for path in sorted(directory.glob("*.parquet")) if problem is None else ():
        try:
            pq.read_metadata(path)  # the footer: a truncated or overwritten file fails here
        except Exception as exc:  # noqa: BLE001 - pyarrow raises ArrowInvalid, OSError... for a bad file
            problem = f"{path} is damaged ({type(exc).__name__}: {exc})"
            break
    _CHECKED[str(directory)] = (signature, problem)
    return problem


def _mark_damaged(directory: Path, problem: str) -> None:
    _CHECKED[str(directory)] = (_signature(directory), problem)


def _complete_generations(generations: Path) -> list[Path]:
    """Complete generations, newest first."""
    try:
        found = [p for p in generations.iterdir() if p.is_dir() and GENERATION_NAME.match(p.name)]
    except OSError:
        return []
    return sorted(found, key=lambda p: p.name, reverse=True)


def _warn_once(message: str) -> str:
    if message not in _WARNED:
        _WARNED.add(message)
        log.warning("damaged store: %s", message)
    return message
