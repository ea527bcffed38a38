"""The command line, and the issue's check that `econsec indicators` equals a direct computation."""

from io import StringIO
from pathlib import Path

import pandas as pd
import pytest
from click.testing import CliRunner

from dashboard.cli import main
from econsec.store import Store

SHARED = Path(__file__).resolve().parents[2] / "shared" / "data"
SUPPLIER_CSV = SHARED / "comtrade/us_imports_by_supplier/fct_supplier_share.csv"


def run(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(main, list(args))
    return result.exit_code, result.stdout, result.stderr


def _direct(rows: pd.DataFrame) -> pd.DataFrame:
    """HHI, top-1, top-3 and China share per product-year, written independently of `indicators`:
    rows are one supplier each (hs_code, period, partner, value)."""
    out = []
    for (code, period), g in rows.groupby(["hs_code", "period"]):
        shares = (g["value"] / g["value"].sum()).sort_values(ascending=False)
        china = g.loc[g["partner"] == "CHN", "value"].sum() / g["value"].sum()
        out += [("hhi", code, period, (shares**2).sum()), ("top1_share", code, period, shares.iloc[0]),
                ("top3_share", code, period, shares.iloc[:3].sum()), ("china_share", code, period, china)]
    return pd.DataFrame(out, columns=["indicator", "product", "period", "expected"])


def _cli_indicators() -> pd.DataFrame:
    code, out, _ = run("indicators", "--format", "csv", "--reporter", "USA")
    assert code == 0
    return pd.read_csv(StringIO(out), dtype={"product": str, "period": str})


def _compare(expected: pd.DataFrame) -> None:
    got = _cli_indicators()
    got = got[got["indicator"].isin(expected["indicator"].unique())]
    merged = expected.merge(got, on=["indicator", "product", "period"], how="left", validate="one_to_one")
    assert merged["value"].notna().all(), merged[merged["value"].isna()].head()
    assert (merged["value"] - merged["expected"]).abs().max() < 1e-12


def test_indicators_equal_a_direct_computation_from_the_stored_rows():
    trade = Store().read("trade")
    us = trade[(trade["reporter"] == "USA") & (trade["hs_code"].str.len() == 6)
               & (trade["partner_kind"] == "country")].rename(columns={"value_usd": "value"})
    us = us[us["hs_code"].isin(set(us["hs_code"]) - {"282520"})]  # 282520 has only World and China rows
    expected = _direct(us)
    assert expected["product"].nunique() == 22 and sorted(expected["period"].unique()) == [str(y) for y in
                                                                                            range(2018, 2026)]
    _compare(expected)


@pytest.mark.skipif(not SUPPLIER_CSV.is_file(), reason="needs ../shared/data beside the repo (CI has it)")
def test_indicators_equal_a_direct_computation_from_the_source_file():
    raw = pd.read_csv(SUPPLIER_CSV, dtype={"canonical_product_id": str})
    rows = pd.DataFrame({"hs_code": raw["canonical_product_id"], "period": raw["year"].astype(str),
                         "partner": raw["partner_iso3"], "value": raw["import_value_usd"]})
    expected = _direct(rows)
    _compare(expected)
    # The source's own shares agree with ours as well (it rounds to 6 decimals).
    first = raw[raw["rank"] == 1].assign(period=lambda d: d["year"].astype(str))
    top1 = first.set_index(["canonical_product_id", "period"])["share"]
    ours = expected[expected["indicator"] == "top1_share"].set_index(["product", "period"])["expected"]
    assert (ours - top1.reindex(ours.index)).abs().max() < 1e-6


def test_csv_has_the_documented_columns_and_indicators():
    got = _cli_indicators()
    assert {"indicator", "reporter", "product", "period", "value"} <= set(got.columns)
    assert {"hhi", "top1_share", "top3_share", "china_share", "effective_suppliers"} <= set(got["indicator"])
    hhi = got[got["indicator"] == "hhi"]["value"]
    assert hhi.between(0, 1).all()  # 0–1 scale inside the project


def test_out_file_formats(tmp_path):
    for fmt in ("csv", "parquet", "json"):
        out = tmp_path / f"ind.{fmt}"
        code, _, err = run("indicators", "--format", fmt, "--out", str(out), "--indicator", "hhi")
        assert code == 0, err
        assert "wrote" in err and out.stat().st_size > 0
    frame = pd.read_parquet(tmp_path / "ind.parquet")
    assert set(frame["indicator"]) == {"hhi"}


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["indicators", "--reporter", "XXX"], "no stored values for XXX"),
        (["indicators", "--format", "parquet"], "needs --out"),
        (["indicators", "--format", "xml"], "Invalid value"),
        (["snapshot", "build", "--from", "/nonexistent"], "does not exist"),
        (["serve", "--port", "0"], "Invalid value"),
    ],
)
def test_usage_errors_exit_non_zero_with_a_message(args, message):
    code, _, err = run(*args)
    assert code == 2
    assert message in err


def test_a_store_error_is_one_line_and_exit_1(tmp_path, monkeypatch):
    (tmp_path / "not-a-dir").write_text("")
    monkeypatch.setenv("ECONSEC_DATA_DIR", str(tmp_path / "not-a-dir"))
    code, _, err = run("indicators")
    assert code == 1
    assert err.startswith("error: ") and "Traceback" not in err


def test_snapshot_build_refuses_a_folder_that_is_not_the_shared_data(tmp_path):
    code, _, err = run("snapshot", "build", "--from", str(tmp_path), "--out", str(tmp_path / "out"))
    assert code == 1 and "PROVENANCE.md" in err


@pytest.mark.parametrize("command", ["serve", "indicators", "snapshot", "snapshot build", "snapshot info"])
def test_every_command_has_help(command):
    code, out, _ = run(*command.split(), "--help")
    assert code == 0 and "Usage:" in out


def test_snapshot_info_names_every_input_file():
    code, out, _ = run("snapshot", "info")
    assert code == 0
    for entry in Store().manifest()["datasets"]:
        for f in entry["files"]:
            assert f["path"] in out
