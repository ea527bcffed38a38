import json

import pandas as pd
import pytest

from econsec.errors import StoreError
from econsec.store import Store, bundled_snapshot_dir


def _frame(n: int) -> pd.DataFrame:
    return pd.DataFrame({"x": list(range(n))})


def test_empty_data_dir_reads_the_bundled_snapshot(tmp_path):
    store = Store(tmp_path / "empty")
    assert store.is_bundled
    assert store.current_dir() == bundled_snapshot_dir()


def test_write_then_read_and_keep_untouched_tables(tmp_path):
    store = Store(tmp_path)
    store.write({"a": _frame(2), "b": _frame(3)}, {"v": 1}, replace_all=True)
    store.write({"a": _frame(5)}, {"v": 2})
    assert not store.is_bundled
    assert len(store.read("a")) == 5
    assert len(store.read("b")) == 3  # carried over from the previous generation
    assert store.manifest() == {"v": 2}
    assert store.tables() == ["a", "b"]


def test_old_generations_are_pruned(tmp_path):
    store = Store(tmp_path)
    for i in range(6):
        store.write({"a": _frame(i + 1)}, {"v": i}, replace_all=True)
    generations = [p for p in (tmp_path / "generations").iterdir() if not p.name.startswith(".")]
    assert len(generations) == 3
    assert len(store.read("a")) == 6


def test_a_failed_write_leaves_the_previous_generation(tmp_path, monkeypatch):
    store = Store(tmp_path)
    store.write({"a": _frame(2)}, {"v": 1}, replace_all=True)

    def boom(*args, **kwargs):
        raise OSError("disk full")

    monkeypatch.setattr(pd.DataFrame, "to_parquet", boom)
    with pytest.raises(StoreError, match="disk full"):
        store.write({"a": _frame(9)}, {"v": 2})
    monkeypatch.undo()
    assert len(store.read("a")) == 2
    assert store.manifest() == {"v": 1}
    assert not [p for p in (tmp_path / "generations").iterdir() if p.name.startswith(".")]


def test_a_second_writer_is_refused(tmp_path):
    with Store(tmp_path).writer(), pytest.raises(StoreError, match="another refresh"):
        Store(tmp_path).write({"a": _frame(1)}, {})


def test_the_lock_holder_can_write_its_result(tmp_path):
    store = Store(tmp_path)
    with store.writer():
        store.write({"a": _frame(4)}, {"v": 1}, replace_all=True)
    assert len(store.read("a")) == 4
    Store(tmp_path).write({"a": _frame(5)}, {"v": 2})  # the lock was released


def test_json_state_files(tmp_path):
    store = Store(tmp_path)
    assert store.read_json("status.json", {}) == {}
    store.write_json("status.json", {"a": 1})
    assert store.read_json("status.json", {}) == {"a": 1}
    (tmp_path / "status.json").write_text("{broken")
    with pytest.raises(StoreError, match="status.json"):
        store.read_json("status.json", {})


def test_a_pointer_to_a_missing_generation_falls_back_with_a_warning(tmp_path):
    (tmp_path / "CURRENT").write_text("20990101T000000Z\n")
    assert Store(tmp_path).is_bundled  # no intact generation: the bundled snapshot (tests/test_store_corruption.py)
    assert "missing or incomplete" in Store(tmp_path).warning


def test_unknown_table_and_bad_names(tmp_path):
    store = Store(tmp_path)
    store.write({"a": _frame(1)}, {}, replace_all=True)
    with pytest.raises(StoreError, match="no table 'zzz'"):
        store.read("zzz")
    with pytest.raises(StoreError, match="letters, digits"):
        store.read("../etc")


def test_a_damaged_manifest_is_detected(tmp_path):
    store = Store(tmp_path)
    gen = store.write({"a": _frame(1)}, {}, replace_all=True)
    (gen / "manifest.json").write_text("{not json")
    assert store.is_bundled and "manifest.json is damaged" in store.warning  # detected, not served


def test_unwritable_data_dir(tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("")
    with pytest.raises(StoreError, match="cannot write"):
        Store(blocker / "sub").write({"a": _frame(1)}, {})


def test_bundled_snapshot_manifest_lists_its_tables():
    manifest = json.loads((bundled_snapshot_dir() / "manifest.json").read_text())
    on_disk = sorted(p.stem for p in bundled_snapshot_dir().glob("*.parquet"))
    assert sorted(manifest["tables"]) == on_disk
    for name, info in manifest["tables"].items():
        assert len(pd.read_parquet(bundled_snapshot_dir() / f"{name}.parquet")) == info["rows"]
