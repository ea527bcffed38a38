"""A damaged store is detected and never served: readers fall back to the newest intact generation, else
the bundled snapshot, with a warning (logged, on ``Store.warning`` and in ``econsec sources``)."""

from __future__ import annotations

import logging
from pathlib import Path

import pandas as pd
import pytest
from click.testing import CliRunner

from dashboard.cli import main
from econsec.errors import StoreError
from econsec.store import Store, bundled_snapshot_dir


def _frame(n: int) -> pd.DataFrame:
    return pd.DataFrame({"x": list(range(n))})


@pytest.fixture
def two_generations(tmp_path) -> tuple[Store, Path, Path]:
    store = Store(tmp_path / "store")
    old = store.write({"a": _frame(2)}, {"v": 1}, replace_all=True)
    new = store.write({"a": _frame(5)}, {"v": 2}, replace_all=True)
    assert store.current_dir() == new and store.warning is None
    return store, old, new


def _truncate(path: Path) -> None:
    path.write_bytes(path.read_bytes()[: path.stat().st_size // 2])


@pytest.mark.parametrize("damage", ["truncated", "garbage", "empty"])
def test_a_damaged_parquet_file_falls_back_to_the_last_good_generation(two_generations, damage, caplog):
    store, old, new = two_generations
    table = new / "a.parquet"
    if damage == "truncated":
        _truncate(table)
    elif damage == "garbage":
        table.write_bytes(b"\x00garbage" * 100)
    else:
        table.write_bytes(b"")
    with caplog.at_level(logging.WARNING, logger="econsec.store"):
        assert len(Store(store.path).read("a")) == 2  # the older generation's rows
    assert Store(store.path).current_dir() == old
    warning = Store(store.path).warning
    assert warning and "a.parquet is damaged" in warning and old.name in warning
    assert any("damaged store" in r.getMessage() for r in caplog.records)
    assert Store(store.path).manifest() == {"v": 1}  # tables and manifest of one generation, never a mix


def test_damage_inside_a_parquet_file_found_on_reading_also_falls_back(two_generations):
    """A file whose footer is intact but whose data pages are garbage fails only when read."""
    store, old, new = two_generations
    table = new / "a.parquet"
    data = bytearray(table.read_bytes())
    data[4:40] = b"\xff" * 36  # the first column chunk, after the PAR1 magic
    table.write_bytes(bytes(data))
    assert len(Store(store.path).read("a")) == 2
    assert Store(store.path).current_dir() == old


def test_a_damaged_manifest_falls_back(two_generations):
    store, old, new = two_generations
    (new / "manifest.json").write_text("{not json")
    assert Store(store.path).manifest() == {"v": 1}
    assert "manifest.json is damaged" in Store(store.path).warning


@pytest.mark.parametrize("pointer", [b"\x00\xff\xfe garbage", b"../../etc", b"", b"20990101T000000Z\n"])
def test_a_garbage_or_dangling_current_pointer_falls_back(two_generations, pointer):
    store, old, new = two_generations
    (store.path / "CURRENT").write_bytes(pointer)
    assert Store(store.path).current_dir() == new  # the newest intact generation
    assert len(Store(store.path).read("a")) == 5
    assert "CURRENT" in Store(store.path).warning


def test_every_generation_damaged_falls_back_to_the_bundled_snapshot(two_generations):
    store, old, new = two_generations
    for generation in (old, new):
        _truncate(generation / "a.parquet")
    reader = Store(store.path)
    assert reader.is_bundled and reader.current_dir() == bundled_snapshot_dir()
    assert "bundled snapshot" in reader.warning
    assert len(reader.read("trade")) > 0


def test_a_repaired_generation_is_used_again(two_generations):
    store, old, new = two_generations
    good = (new / "a.parquet").read_bytes()
    _truncate(new / "a.parquet")
    assert Store(store.path).current_dir() == old
    (new / "a.parquet").write_bytes(good)
    assert Store(store.path).current_dir() == new and Store(store.path).warning is None


def test_a_write_after_damage_builds_on_the_last_good_generation(two_generations):
    store, old, new = two_generations
    store.write({"b": _frame(1)}, {"v": 3}, replace_all=True)
    store.write({"a": _frame(7)}, {"v": 4}, replace_all=True)
    current = store.current_dir()
    (current / "a.parquet").write_bytes(b"garbage")
    written = Store(store.path).write({"c": _frame(3)}, {"v": 5})  # keeps the other tables of the intact one
    reader = Store(store.path)
    assert reader.current_dir() == written and reader.warning is None
    assert len(reader.read("c")) == 3 and "a" not in reader.tables()  # the fallback generation had b only
    assert len(reader.read("b")) == 1


def test_a_data_dir_that_is_a_file_is_a_store_error(tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("")
    with pytest.raises(StoreError, match="not a directory"):
        Store(blocker).current_dir()


# ------------------------------------------------------------------------------------------- CLI
@pytest.fixture
def damaged_cli_store(tmp_path, monkeypatch) -> Path:
    """A data dir whose current generation (a copy of the bundled snapshot) has a truncated trade table."""
    store = Store(tmp_path / "data")
    snapshot = bundled_snapshot_dir()
    tables = {p.stem: pd.read_parquet(p) for p in snapshot.glob("*.parquet")}
    store.write(tables, {"built_at": "good"}, replace_all=True)
    damaged = store.write(tables, {"built_at": "damaged"}, replace_all=True)
    _truncate(damaged / "trade.parquet")
    monkeypatch.setenv("ECONSEC_DATA_DIR", str(store.path))
    return damaged


def test_cli_sources_says_the_store_is_damaged_and_still_works(damaged_cli_store):
    result = CliRunner().invoke(main, ["sources"])
    assert result.exit_code == 0, result.output
    assert "WARNING: damaged store" in result.stdout and "trade.parquet is damaged" in result.stdout
    assert "un_comtrade" in result.stdout


def test_cli_commands_read_the_last_good_generation(damaged_cli_store):
    result = CliRunner().invoke(main, ["data", "--source", "un_comtrade", "--format", "csv"])
    assert result.exit_code == 0 and "reporter" in result.stdout.splitlines()[0]
    assert Store().manifest() == {"built_at": "good"}


@pytest.mark.parametrize("name", ["sources.json", "history.json"])
def test_garbage_state_files_are_reported_and_ignored(tmp_path, monkeypatch, caplog, name):
    store = Store(tmp_path / "data")
    store.path.mkdir()
    (store.path / name).write_bytes(b"\x00{garbage")
    monkeypatch.setenv("ECONSEC_DATA_DIR", str(store.path))
    with caplog.at_level(logging.WARNING):
        result = CliRunner().invoke(main, ["sources"])
    assert result.exit_code == 0, result.output
    assert "un_comtrade" in result.stdout
    assert any(name in r.getMessage() for r in caplog.records if r.levelno == logging.WARNING)


def test_the_dashboard_footer_says_the_store_is_damaged(damaged_cli_store):
    from dashboard.app import footer

    text = footer().children.children[0].children
    assert text.startswith("Data as of good (refreshed data). Warning: damaged store")
    assert "trade.parquet is damaged" in text
