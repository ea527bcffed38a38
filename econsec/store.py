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
"""

from __future__ import annotations

import fcntl
import json
import os
import shutil
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from datetime import UTC, datetime
from functools import lru_cache
from importlib import resources
from pathlib import Path

import pandas as pd

from econsec import settings
from econsec.errors import StoreError

MANIFEST = "manifest.json"
KEEP_GENERATIONS = 3


def bundled_snapshot_dir() -> Path:
    return Path(str(resources.files("econsec") / "snapshot"))


class Store:
    def __init__(self, path: Path | str | None = None) -> None:
        self.path = Path(path) if path is not None else settings.data_dir()
        self._holding_lock = False

    # -- reading -----------------------------------------------------------------
    def current_dir(self) -> Path:
        """The generation to read: the data directory's current one, else the bundled snapshot."""
        pointer = self.path / "CURRENT"
        try:
            name = pointer.read_text().strip()
        except FileNotFoundError:
            return bundled_snapshot_dir()
        except OSError as exc:
            raise StoreError(f"cannot read {pointer}: {exc}") from None
        generation = self.path / "generations" / name
        if not name or not (generation / MANIFEST).is_file():
            raise StoreError(f"{pointer} names generation {name!r}, which is missing or incomplete")
        return generation

    @property
    def is_bundled(self) -> bool:
        return self.current_dir() == bundled_snapshot_dir()

    def manifest(self) -> dict:
        return _read_manifest(self.current_dir())

    def tables(self) -> list[str]:
        return sorted(p.stem for p in self.current_dir().glob("*.parquet"))

    def read(self, table: str) -> pd.DataFrame:
        """A stored table. Cached per generation, so repeated reads cost nothing and a
        new generation is picked up by the next read without a restart."""
        directory = self.current_dir()
        return _read_table(str(directory), table).copy()

    # -- writing -----------------------------------------------------------------
    @contextmanager
    def writer(self) -> Iterator[None]:
        """Hold the write lock; a second writer gets StoreError at once instead of waiting."""
        try:
            self.path.mkdir(parents=True, exist_ok=True)
            handle = (self.path / ".lock").open("w")
        except OSError as exc:
            raise StoreError(f"cannot write to the data directory {self.path}: {exc}") from None
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


@lru_cache(maxsize=32)
def _read_table(directory: str, table: str) -> pd.DataFrame:
    _check_name(table)
    path = Path(directory) / f"{table}.parquet"
    if not path.is_file():
        raise StoreError(f"no table {table!r} in {directory}; run `econsec refresh` or `econsec snapshot build`")
    try:
        return pd.read_parquet(path)
    except Exception as exc:  # pyarrow raises several types for a damaged file
        raise StoreError(f"cannot read {path}: {type(exc).__name__}: {exc}") from None
