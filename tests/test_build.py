"""The committed snapshot is what `econsec snapshot build` makes from shared/data: nothing typed in."""

import hashlib
import json
from pathlib import Path

import pandas as pd
import pytest

from econsec import build
from econsec.schema import validate_trade
from econsec.store import bundled_snapshot_dir

SHARED = Path(__file__).resolve().parents[2] / "shared" / "data"
needs_shared = pytest.mark.skipif(not (SHARED / "PROVENANCE.md").is_file(),
                                  reason="needs ../shared/data beside the repo (CI has it)")


@needs_shared
def test_the_committed_snapshot_is_reproducible_from_shared_data(tmp_path):
    manifest = build.build(SHARED, tmp_path)
    committed = json.loads((bundled_snapshot_dir() / "manifest.json").read_text())
    assert manifest["datasets"] == committed["datasets"]
    assert manifest["tables"] == committed["tables"]
    for name in manifest["tables"]:
        fresh = pd.read_parquet(tmp_path / f"{name}.parquet")
        shipped = pd.read_parquet(bundled_snapshot_dir() / f"{name}.parquet")
        pd.testing.assert_frame_equal(fresh, shipped, check_exact=True)


@needs_shared
def test_manifest_hashes_match_the_shared_files():
    committed = json.loads((bundled_snapshot_dir() / "manifest.json").read_text())
    for entry in committed["datasets"]:
        assert entry["origin"] and entry["source"] and entry["retrieved"]
        for f in entry["files"]:
            digest = hashlib.sha256((SHARED / f["path"]).read_bytes()).hexdigest()
            assert digest == f["sha256"], f["path"]


def test_the_shipped_trade_table_is_valid_and_covers_the_issue():
    trade = validate_trade(pd.read_parquet(bundled_snapshot_dir() / "trade.parquet"))
    us = trade[trade["reporter"] == "USA"]
    for code in ("280530", "284610", "284690", "850511", "854231", "848620"):
        assert set(us.loc[us["hs_code"] == code, "period"]) == {str(y) for y in range(2018, 2026)}, code
    quad = trade[trade["hs_code"].isin(["2504", "2822", "282520"])]
    assert set(quad["reporter"]) == {"USA", "JPN", "IND", "AUS"}
    assert set(quad["partner"]) == {"WLD", "CHN"}
    assert set(quad["period"]) == {str(y) for y in range(2019, 2025)}
    assert (trade["partner"] != "WLD").sum() > 0 and not trade.loc[trade["partner"] == "WLD", "partner_kind"].ne(
        "world").any()


def test_every_table_holds_exactly_the_rows_its_datasets_produced():
    manifest = json.loads((bundled_snapshot_dir() / "manifest.json").read_text())
    per_table: dict[str, int] = {}
    for entry in manifest["datasets"]:
        per_table[entry["table"]] = per_table.get(entry["table"], 0) + sum(f["rows_out"] for f in entry["files"])
    for table, rows in per_table.items():
        assert rows == manifest["tables"][table]["rows"] == len(pd.read_parquet(bundled_snapshot_dir() /
                                                                               f"{table}.parquet")), table
