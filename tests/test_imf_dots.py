"""Legacy IMF DOTS file loaders: slices of the real files (tests/data/imf/) and guarded full-file checks."""

from __future__ import annotations

import logging
from datetime import UTC, datetime
from pathlib import Path

import pandas as pd
import pytest

from connectors import imf_dots
from econsec.errors import ConfigError, EmptyResultError, ParseError, SourceError
from econsec.schema import TRADE_COLUMNS

DATA = Path(__file__).parent / "data" / "imf"
SHARED = Path(__file__).resolve().parents[2] / "shared" / "data" / "imf_dots"
ANNUAL = SHARED / "dots_annual_focus_reporters_by_partner_2000_2020.csv"
MONTHLY = SHARED / "dots_monthly_asean10_china_us_focus_partners_2011M01_2023M12.csv"
WHEN = datetime(2024, 7, 16, tzinfo=UTC)
needs_shared = pytest.mark.skipif(not ANNUAL.exists(), reason="needs ../shared/data beside the repo")


def annual(path: Path = DATA / "dots_annual_slice.csv", **kw) -> pd.DataFrame:  # type: ignore[no-untyped-def]
    return imf_dots.read_dots_annual(path, retrieved_at=WHEN, **kw)


def monthly(path: Path = DATA / "dots_monthly_slice.csv", **kw) -> pd.DataFrame:  # type: ignore[no-untyped-def]
    return imf_dots.read_dots_monthly(path, retrieved_at=WHEN, **kw)


def value(frame: pd.DataFrame, reporter: str, partner: str, flow: str, period: str) -> float:
    sel = frame[
        (frame["reporter"] == reporter)
        & (frame["partner"] == partner)
        & (frame["flow"] == flow)
        & (frame["period"] == period)
    ]
    assert len(sel) == 1, sel
    return float(sel["value_usd"].iloc[0])


# --------------------------------------------------------------------------- names


@pytest.mark.parametrize(
    "name, expected",
    [
        ("China, P.R.: Mainland", ("CHN", "country")),
        ("China, P.R.: Hong Kong", ("HKG", "country")),
        ("China, P.R.: Macao", ("MAC", "country")),
        ("Taiwan Province of China", ("TWN", "country")),
        ("Korea, Rep. of", ("KOR", "country")),
        ("Lao People's Dem. Rep.", ("LAO", "country")),
        ("Congo, Dem. Rep. of the", ("COD", "country")),
        ("Congo, Rep. of", ("COG", "country")),
        ("Armenia, Rep. of", ("ARM", "country")),
        ("Bahamas, The", ("BHS", "country")),
        ("Netherlands, The", ("NLD", "country")),
        ("Aruba, Kingdom of the Netherlands", ("ABW", "country")),
        ("Vietnam", ("VNM", "country")),
        ("World", ("WLD", "world")),
        ("European Union", ("EUU", "group")),
        ("Euro Area", ("EMU", "group")),
        ("Asia not specified", ("QNE", "area")),
        ("Advanced Economies", None),
        ("Kosovo, Rep. of", None),
    ],
)
def test_imf_area(name, expected):
    assert imf_dots.imf_area(name) == expected


def test_imf_area_unknown_raises_keyerror():
    with pytest.raises(KeyError):
        imf_dots.imf_area("Atlantis, Rep. of")


# --------------------------------------------------------------------------- annual slice


def test_annual_slice(caplog):
    caplog.set_level(logging.INFO, logger="connectors.imf_dots")
    got = annual()
    assert list(got.columns) == list(TRADE_COLUMNS)
    assert set(got["hs_code"]) == {"TOTAL"} and set(got["source"]) == {"imf"}
    assert set(got["source_url"]) == {"file:dots_annual_slice.csv"}
    assert got["net_weight_kg"].isna().all()
    # US$ millions x 1e6 (file: 120341.425641 and 539503.427742)
    assert value(got, "USA", "CHN", "export", "2018") == 120341.425641 * 1e6
    assert value(got, "USA", "CHN", "import", "2018") == 539503.427742 * 1e6
    assert value(got, "USA", "HKG", "export", "2018") == 37459.619921 * 1e6  # never CHN
    assert value(got, "USA", "MAC", "export", "2018") == 601.783749 * 1e6
    assert value(got, "USA", "TWN", "export", "2018") == 30242.78957 * 1e6
    assert value(got, "USA", "AUS", "export", "2018") == 25306.451478 * 1e6  # listed twice in the file
    assert value(got, "USA", "WLD", "export", "2018") == 1664237.796386 * 1e6
    assert value(got, "USA", "EUU", "export", "2018") == 253425.885686 * 1e6
    # Residuals summed: Asia not specified + Other Countries not included elsewhere
    assert value(got, "USA", "QNE", "export", "2018") == pytest.approx((27.801092 + 275.882297) * 1e6)
    assert value(got, "CHN", "TLS", "import", "2004") == 8.9e-05 * 1e6
    assert value(got, "HKG", "KOR", "export", "2018") == 7803.189658 * 1e6
    assert value(got, "EUU", "USA", "export", "2018") == 414475.032694 * 1e6
    assert value(got, "WLD", "JPN", "import", "2018") == 771542.58539 * 1e6
    # "0.00 e" and "1,661.39 e": estimated, thousands separator removed
    assert value(got, "KHM", "FSM", "export", "2006") == 0.0
    assert value(got, "LAO", "CHN", "export", "2014") == 1661.39 * 1e6
    estimated = got[got["estimated"]][["reporter", "partner"]].values.tolist()
    assert sorted(estimated) == [["KHM", "FSM"], ["LAO", "CHN"]]
    kinds = got.set_index(["reporter", "partner", "flow", "period"])["partner_kind"]
    assert kinds[("USA", "WLD", "export", "2018")] == "world"
    assert kinds[("USA", "EUU", "export", "2018")] == "group"
    assert kinds[("USA", "QNE", "export", "2018")] == "area"
    assert len(got) == 16  # 20 data lines - 1 repeat - Advanced Economies - Kosovo - 2 residuals into 1
    assert "dropped 1 repeated rows" in caplog.text
    assert "Advanced Economies; Kosovo, Rep. of" in caplog.text


def test_annual_partner_filter():
    got = annual(partners={"CHN", "WLD"})
    assert set(got["partner"]) == {"CHN", "WLD"}
    with pytest.raises(EmptyResultError):
        annual(partners={"FRA"})


@pytest.mark.parametrize(
    "line, words",
    [
        ('United States,"Exports, FOB",Japan,2018,lots', "line 2: value is 'lots'"),
        ('United States,"Exports, FOB",Japan,2018,-5', "line 2: value is '-5'"),
        ('United States,"Exports, FOB",Japan,2018,1.0 x', "line 2: value mark is 'x'"),
        ('United States,"Exports, CIF",Japan,2018,1.0', "line 2: indicator is 'Exports, CIF'"),
        ('United States,"Exports, FOB",Japan,18,1.0', "line 2: year is '18'"),
        ('Atlantis,"Exports, FOB",Japan,2018,1.0', "unknown reporter name 'Atlantis'"),
        ('Advanced Economies,"Exports, FOB",Japan,2018,1.0', "reporter 'Advanced Economies' is not a country"),
    ],
)
def test_annual_bad_lines(tmp_path, line, words):
    path = tmp_path / "bad.csv"
    path.write_text("reporter,indicator,partner,year,value\n" + line + "\n", encoding="utf-8")
    with pytest.raises(ParseError, match=words) as info:
        annual(path)
    assert "file:bad.csv" in str(info.value)


def test_annual_repeats_that_disagree(tmp_path):
    path = tmp_path / "dup.csv"
    path.write_text(
        'reporter,indicator,partner,year,value\nJapan,"Exports, FOB",Australia,2018,1.0\n'
        'Japan,"Exports, FOB",Australia,2018,2.0\n',
        encoding="utf-8",
    )
    with pytest.raises(ParseError, match="repeated rows disagree"):
        annual(path)


def test_unknown_partner_is_dropped_with_warning(tmp_path, caplog):
    path = tmp_path / "u.csv"
    path.write_text(
        'reporter,indicator,partner,year,value\nJapan,"Exports, FOB",Atlantis,2018,1.0\n'
        'Japan,"Exports, FOB",World,2018,2.0\n',
        encoding="utf-8",
    )
    got = annual(path)
    assert got["partner"].tolist() == ["WLD"]
    assert "Atlantis" in caplog.text and any(r.levelno == logging.WARNING for r in caplog.records)


def test_bad_files(tmp_path):
    empty = tmp_path / "empty.csv"
    empty.write_bytes(b"")
    with pytest.raises(ParseError, match="file is empty") as info:
        annual(empty)
    assert "file:empty.csv" in str(info.value)
    header = tmp_path / "header.csv"
    header.write_text("reporter,indicator,partner,year,value\n")
    with pytest.raises(EmptyResultError, match="no rows"):
        annual(header)
    wrong = tmp_path / "wrong.csv"
    wrong.write_text("a,b\n1,2\n")
    with pytest.raises(ParseError, match="column 'reporter' is missing"):
        annual(wrong)
    latin = tmp_path / "latin.csv"
    latin.write_bytes("reporter,indicator,partner,year,value\nC\xf4te,x,y,2018,1\n".encode("latin-1"))
    with pytest.raises(ParseError, match="not UTF-8"):
        annual(latin)
    broken = tmp_path / "broken.parquet"
    broken.write_bytes(b"not parquet")
    with pytest.raises(ParseError, match="unreadable file"):
        monthly(broken)
    with pytest.raises(SourceError, match="cannot read"):
        annual(tmp_path / "missing.csv")
    with pytest.raises(ConfigError, match=".csv or .parquet"):
        annual(tmp_path / "x.xlsx")
    with pytest.raises(ConfigError, match="timezone"):
        imf_dots.read_dots_annual(DATA / "dots_annual_slice.csv", retrieved_at=datetime(2024, 1, 1))


# --------------------------------------------------------------------------- monthly slice


def test_monthly_slice():
    got = monthly()
    assert value(got, "USA", "CHN", "import", "2018-01") == 45681.310362 * 1e6
    assert value(got, "USA", "CHN", "import", "2018-02") == 38956.173961 * 1e6
    assert value(got, "USA", "HKG", "import", "2018-01") == 514.275041 * 1e6
    assert value(got, "USA", "TWN", "import", "2018-01") == 3762.277435 * 1e6
    assert value(got, "USA", "AUS", "import", "2018-01") == 846.475309 * 1e6  # repeated line merged
    assert value(got, "USA", "EUU", "import", "2018-01") == 32329.929035 * 1e6
    assert value(got, "USA", "WLD", "export", "2018-01") == 125038.459633 * 1e6
    assert value(got, "BRN", "AUS", "export", "2011-01") == 98.75 * 1e6
    flags = got.set_index(["reporter", "partner", "period"])["estimated"]
    assert flags[("LAO", "AUS", "2011-01")]  # "e"
    assert not flags[("BRN", "AUS", "2011-01")]  # "r" = revised, not estimated
    assert not flags[("USA", "WLD", "2018-01")]  # no flag
    assert len(got) == 9


def test_monthly_parquet_same_as_csv(tmp_path):
    csv = monthly()
    path = tmp_path / "slice.parquet"
    raw = pd.read_csv(DATA / "dots_monthly_slice.csv", keep_default_na=False)
    raw.to_parquet(path)
    got = monthly(path)
    pd.testing.assert_frame_equal(got.drop(columns="source_url"), csv.drop(columns="source_url"))


@pytest.mark.parametrize(
    "line, words",
    [
        ("Cambodia,X,Japan,2018-01,1.0,", "period is '2018-01'"),
        ("Cambodia,X,Japan,2018M13,1.0,", "period is '2018M13'"),
        ("Cambodia,R,Japan,2018M01,1.0,", "flow is 'R'"),
        ("Cambodia,X,Japan,2018M01,lots,", "value_usd_millions is 'lots'"),
        ("Cambodia,X,Japan,2018M01,1.0,z", "flag is 'z'"),
    ],
)
def test_monthly_bad_lines(tmp_path, line, words):
    path = tmp_path / "bad.csv"
    path.write_text("reporter,flow,partner,period,value_usd_millions,flag\n" + line + "\n", encoding="utf-8")
    with pytest.raises(ParseError, match=f"line 2: {words}"):
        monthly(path)


# --------------------------------------------------------------------------- full files


@needs_shared
def test_full_annual_file():
    raw = pd.read_csv(ANNUAL, dtype=str, keep_default_na=False)
    got = annual(ANNUAL)
    pick = raw[
        (raw["reporter"] == "United States")
        & (raw["partner"] == "China, P.R.: Mainland")
        & (raw["year"] == "2018")
        & (raw["indicator"] == "Imports, CIF")
    ]
    assert value(got, "USA", "CHN", "import", "2018") == float(pick["value"].iloc[0]) * 1e6 == 539503.427742e6
    assert value(got, "JPN", "TWN", "export", "2020") > 0
    assert set(got["reporter"]) >= {"USA", "JPN", "CHN", "HKG", "KOR", "WLD", "EUU", "EMU"}
    assert 160_000 < len(got) < 175_000  # 168,900 when written


@needs_shared
def test_full_monthly_file():
    got = monthly(MONTHLY)
    assert value(got, "USA", "CHN", "import", "2018-01") == 45681.310362e6
    assert sorted(set(got["period"]))[0] == "2011-01" and sorted(set(got["period"]))[-1] == "2023-12"
    assert value(got, "USA", "HKG", "import", "2018-01") == 514.275041e6  # Hong Kong stays HKG
    assert "TWN" in set(got["partner"])
    assert 75_000 < len(got) < 80_000  # 77,432 when written
