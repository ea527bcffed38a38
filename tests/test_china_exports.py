from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from connectors import china_exports
from econsec import countries
from econsec.errors import ParseError

WHEN = datetime(2026, 11, 22, tzinfo=UTC)
SLICE = Path(__file__).parent / "data" / "china_exports" / "china_exports_deep_dive_hs6_monthly_slice.csv"
REAL = (Path(__file__).resolve().parents[2] / "shared" / "data" / "comtrade" / "derived"
        / "china_exports_deep_dive_hs6_monthly_2017_2024.csv")
needs_real = pytest.mark.skipif(not REAL.exists(), reason="needs ../shared/data beside the repo")
HEADER = b"period_dt,partner_name,hs6,val,qty,uv\n"


def _parse(content: bytes) -> pd.DataFrame:
    return china_exports.parse_deep_dive_hs6_monthly(content, source_url="file:c.csv", retrieved_at=WHEN)


def test_slice_exact():
    tidy = china_exports.read_deep_dive_hs6_monthly(SLICE, retrieved_at=WHEN)
    rows = [
        ("JPN", "250410", "2024-12", 1992802.0, 1933090.0),
        ("JPN", "380110", "2024-12", 5209723.0, 7032740.0),
        ("JPN", "811292", "2024-12", 471630.0, 1753.0),
        ("RUS", "250410", "2024-12", 144837.0, 312000.0),
        ("RUS", "380110", "2024-12", 577961.0, 223962.0),
        ("KOR", "250410", "2024-12", 4037137.0, 2897137.0),
        ("KOR", "380110", "2024-12", 8000541.0, 3434150.0),
        ("KOR", "811292", "2024-12", 5221332.0, 24940.0),
        ("TWN", "250410", "2024-12", 150876.0, 284303.0),
        ("TWN", "380110", "2024-12", 840565.0, 1018220.0),
        ("TWN", "811292", "2024-12", 1370281.0, 6500.0),
        ("TUR", "250410", "2024-12", 105500.0, 225000.0),
        ("TUR", "380110", "2024-12", 2427092.0, 4754190.0),
        ("TUR", "811292", "2024-12", 25350.0, 300.0),
        ("ARE", "380110", "2024-12", 63808.0, 83154.0),
        ("USA", "250410", "2024-12", 4980316.0, 1700794.0),
        ("USA", "380110", "2024-12", 13004355.0, 3237540.0),
        ("USA", "811292", "2024-12", 654069.0, 11724.0),
        ("VNM", "250410", "2024-12", 110960.0, 66700.0),
        ("VNM", "380110", "2024-12", 4955418.0, 3106930.0),
        ("JPN", "811292", "2017-01", 775312.0, np.nan),  # qty 0.0 in the file = not reported
    ]
    expected = pd.DataFrame(rows, columns=["partner", "hs_code", "period", "value_usd", "net_weight_kg"])
    expected.insert(0, "reporter", "CHN")
    expected.insert(2, "partner_kind", "country")
    expected.insert(3, "flow", "export")
    expected["estimated"] = False
    expected["source"] = "un_comtrade"
    expected["source_url"] = f"file:{SLICE.name}"
    expected["retrieved_at"] = pd.Timestamp(WHEN).as_unit("us")
    expected = expected.astype({c: "str" for c in ("reporter", "partner", "partner_kind", "flow", "hs_code",
                                                   "period", "source", "source_url")})
    pd.testing.assert_frame_equal(tidy, expected)


def test_partner_labels():
    assert china_exports.partner_code("Taiwan") == "TWN"
    assert china_exports.partner_code("South Korea") == "KOR"
    assert china_exports.partner_code("Czech Republic") == "CZE"
    for code in china_exports.PARTNER_EXCEPTIONS.values():
        assert countries.is_iso3(code)


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"", "not a readable CSV"),
        (HEADER, "no data rows"),
        (b"period_dt,partner_name,hs6,val\n2024-12-01,Japan,250410,1.0\n", r"missing columns \['qty'\]"),
        (HEADER + b"2024-12-15,Japan,250410,1.0,1.0,1.0\n", "period_dt is not the first day of a month"),
        (HEADER + b"202412,Japan,250410,1.0,1.0,1.0\n", "period_dt"),
        (HEADER + b"2024-12-01,Japan,25041,1.0,1.0,1.0\n", "hs6 is not a 6-digit code"),
        (HEADER + b"2024-12-01,Japan,2504100,1.0,1.0,1.0\n", "hs6 is not a 6-digit code"),
        (HEADER + b"2024-12-01,Atlantis,250410,1.0,1.0,1.0\n", r"no ISO3.*Atlantis"),
        (HEADER + b"2024-12-01,Unknown,250410,1.0,1.0,1.0\n", r"no ISO3.*Unknown"),
        (HEADER + b"2024-12-01,Japan,250410,-1.0,1.0,1.0\n", "val is not a non-negative number"),
        (HEADER + b"2024-12-01,Japan,250410,inf,1.0,1.0\n", "val is not a non-negative number"),
        (HEADER + b"2024-12-01,Japan,250410,1.0,heavy,1.0\n", "qty is not a number"),
        (HEADER + b"2024-12-01,Japan,250410,1.0,1.0,1.0\n2024-12-01,Japan,250410,2.0,1.0,2.0\n", "more than one row"),
    ],
)
def test_bad_files(content, message):
    with pytest.raises(ParseError, match=message) as info:
        _parse(content)
    assert "file:c.csv" in str(info.value)


def test_missing_qty_is_na():
    tidy = _parse(HEADER + b"2024-12-01,Japan,250410,1.0,,\n2024-11-01,Japan,250410,1.0,-2.0,\n")
    assert tidy["net_weight_kg"].isna().all()


def test_missing_file():
    with pytest.raises(ParseError, match="cannot read"):
        china_exports.read_deep_dive_hs6_monthly(Path("/nonexistent/c.csv"), retrieved_at=WHEN)


@needs_real
def test_real_file():
    tidy = china_exports.read_deep_dive_hs6_monthly(REAL, retrieved_at=WHEN)
    assert len(tidy) == 6_442
    assert tidy["partner"].nunique() == 39
    assert set(tidy["hs_code"]) == {"250410", "380110", "811292"}
    assert tidy["period"].min() == "2017-01" and tidy["period"].max() == "2024-12"
    assert tidy["net_weight_kg"].isna().sum() == 146
    assert set(tidy["partner_kind"]) == {"country"}
    first = tidy.iloc[0]
    assert (first["partner"], first["hs_code"], first["period"], first["value_usd"], first["net_weight_kg"]) == (
        "AUS", "250410", "2017-01", 10200.0, 6116.362)
    raw = pd.read_csv(REAL, dtype={"hs6": "str"})
    assert tidy["value_usd"].sum() == raw["val"].sum()
