from datetime import UTC, datetime
from pathlib import Path

import pandas as pd
import pytest

from connectors import japan_customs
from econsec import countries
from econsec.errors import ConfigError, ParseError

WHEN = datetime(2026, 11, 22, tzinfo=UTC)
SLICE = Path(__file__).parent / "data" / "japan_customs" / "japan_trade_by_area_goods_slice.csv"
REAL = (Path(__file__).resolve().parents[2] / "shared" / "data" / "japan_customs"
        / "japan_trade_by_area_goods_annual_2009_2026.csv")
needs_real = pytest.mark.skipif(not REAL.exists(), reason="needs ../shared/data beside the repo")
HEADER = b"ex_im,area,goods,year,value\n"


def _parse(content: bytes, **kwargs) -> pd.DataFrame:
    return japan_customs.parse(content, source_url="file:test.csv", retrieved_at=WHEN, **kwargs)


def _expected(rows: list[tuple], url: str) -> pd.DataFrame:
    frame = pd.DataFrame(rows, columns=["partner", "partner_kind", "flow", "goods", "period", "value"])
    frame.insert(0, "reporter", "JPN")
    frame.insert(7, "currency", "JPY")
    frame["estimated"] = False
    frame["source"] = "japan_customs"
    frame["source_url"] = url
    frame["retrieved_at"] = pd.Timestamp(WHEN).as_unit("us")
    frame["value"] = frame["value"].astype("float64")
    return frame.astype({c: "str" for c in frame.columns if frame[c].dtype == object})


def test_slice_in_yen_without_the_partial_year():
    tidy = japan_customs.read_trade_by_area(SLICE, retrieved_at=WHEN)
    url = f"file:{SLICE.name}"
    # billion yen x 1e9, rounded to whole thousands of yen (the official unit): 2171.0335999999998 -> 2171033600000
    expected = _expected(
        [
            ("CHN", "country", "export", "(Ic)", "2025", 922_657_200_000),
            ("CHN", "country", "export", "Grand Total", "2025", 18_778_014_976_000),
            ("EUU", "group", "export", "(Ic)", "2025", 89_225_276_000),
            ("EUU", "group", "export", "Grand Total", "2025", 10_093_093_960_000),
            ("WLD", "world", "export", "(Ic)", "2025", 4_869_593_489_000),
            ("WLD", "world", "export", "Grand Total", "2025", 110_400_454_682_000),
            ("TWN", "country", "export", "(Ic)", "2025", 1_274_683_321_000),
            ("TWN", "country", "export", "Grand Total", "2025", 7_907_014_313_000),
            ("CHN", "country", "import", "(Ic)", "2025", 271_215_897_000),
            ("CHN", "country", "import", "Grand Total", "2025", 26_699_859_835_000),
            ("EUU", "group", "import", "(Ic)", "2025", 147_905_436_000),
            ("EUU", "group", "import", "Grand Total", "2025", 12_758_703_630_000),
            ("WLD", "world", "import", "(Ic)", "2025", 3_596_114_056_000),
            ("WLD", "world", "import", "Grand Total", "2025", 113_330_098_822_000),
            ("TWN", "country", "import", "(Ic)", "2025", 2_171_033_600_000),
            ("TWN", "country", "import", "Grand Total", "2025", 5_001_712_992_000),
            ("CHN", "country", "import", "(Petroleum Spirits)", "2025", 9_591_368_000),
            ("CHN", "country", "import", "(Shrimps, Prawns, Lobsters)", "2017", 1_960_433_000),
        ],
        url,
    )
    pd.testing.assert_frame_equal(tidy, expected)


def test_partial_year_on_request():
    tidy = japan_customs.read_trade_by_area(SLICE, retrieved_at=WHEN, include_partial_year=True)
    assert len(tidy) == 34
    partial = tidy[tidy["period"] == japan_customs.PARTIAL_YEAR]
    assert len(partial) == 16
    assert not partial["estimated"].any()  # incomplete, not estimated
    row = partial[(partial["partner"] == "CHN") & (partial["goods"] == "(Ic)") & (partial["flow"] == "export")]
    assert row["value"].tolist() == [294_506_410_000.0]  # file: 294.50640999999996 billion yen


def test_goods_filter():
    tidy = japan_customs.read_trade_by_area(SLICE, retrieved_at=WHEN, goods=["(Ic)"])
    assert set(tidy["goods"]) == {"(Ic)"} and len(tidy) == 8
    with pytest.raises(ConfigError, match="Semiconductors etc"):
        japan_customs.read_trade_by_area(SLICE, retrieved_at=WHEN, goods=["Semiconductors etc"])


def test_area_table_uses_only_iso3_and_known_aggregates():
    for label, (code, kind) in japan_customs.AREAS.items():
        if kind == "country":
            assert countries.is_iso3(code), label
        else:
            assert code in countries.AGGREGATES, label
    assert japan_customs.AREAS["Grand Total"] == ("WLD", "world")
    assert japan_customs.AREAS["EU"] == ("EUU", "group")
    codes = [code for code, _ in japan_customs.AREAS.values()]
    assert len(codes) == len(set(codes)), "two labels map to the same code"


def test_unknown_area_label_fails_loudly():
    content = HEADER + b"export,Asia,Grand Total,2026,1.0\n"
    with pytest.raises(ParseError, match=r"area labels not in AREAS.*'Asia'"):
        _parse(content)


def test_stale_partial_year_constant_fails_loudly():
    content = HEADER + b"export,China,Grand Total,2026,1.0\nexport,China,Grand Total,2027,1.0\n"
    with pytest.raises(ParseError, match="newest year in the file is 2027.*PARTIAL_YEAR"):
        _parse(content)


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"", "not a readable CSV"),
        (HEADER, "no data rows"),
        (b"ex_im,area,goods,year\nexport,China,Grand Total,2026\n", r"missing columns \['value'\]"),
        (HEADER + b"export,China,Grand Total,2026,lots\n", r"value is not a non-negative number in rows \[0\]"),
        (HEADER + b"export,China,Grand Total,2026,-1.0\n", "non-negative"),
        (HEADER + b"export,China,Grand Total,2026,0.0000001\n", "whole number of thousand yen"),
        (HEADER + b"re-export,China,Grand Total,2026,1.0\n", "ex_im is not export/import"),
        (HEADER + b"export,China,Grand Total,twenty,1.0\n", "year is not a four-digit year"),
        (HEADER + b"export,China,Grand Total,2026,1.0\nexport,China,Grand Total,2026,2.0\n", "more than one row"),
        (b"\xff\xfe\x00e\x00x", "not a readable CSV"),
    ],
)
def test_bad_files_raise_parse_error_naming_the_file(content, message):
    with pytest.raises(ParseError, match=message) as info:
        _parse(content)
    assert "file:test.csv" in str(info.value)


def test_missing_file():
    with pytest.raises(ParseError, match="cannot read"):
        japan_customs.read_trade_by_area(Path("/nonexistent/japan.csv"), retrieved_at=WHEN)


@pytest.fixture(scope="module")
def real() -> pd.DataFrame:
    return japan_customs.read_trade_by_area(REAL, retrieved_at=WHEN, include_partial_year=True)


@needs_real
def test_every_area_label_of_the_real_file_is_mapped():
    labels = set(pd.read_csv(REAL, keep_default_na=False)["area"])
    assert labels == set(japan_customs.AREAS), labels ^ set(japan_customs.AREAS)


@needs_real
def test_real_file(real):
    assert len(real) == 95_829
    assert len(real[real["period"] != japan_customs.PARTIAL_YEAR]) == 90_474
    assert set(japan_customs.SNAPSHOT_GOODS) <= set(real["goods"])
    assert real["partner"].nunique() == 57

    def value(partner: str, flow: str, goods: str, period: str) -> float:
        hit = real[(real["partner"] == partner) & (real["flow"] == flow) & (real["goods"] == goods)
                   & (real["period"] == period)]
        assert len(hit) == 1
        return float(hit["value"].iloc[0])

    assert value("CHN", "export", "Semiconductors Etc", "2024") == 1_312_975_256_000  # file: 1312.975256
    assert value("WLD", "import", "Grand Total", "2022") == 118_503_152_779_000  # file: 118503.152779
    assert value("CHN", "export", "Semicon Machinery Etc", "2024") == 2_176_959_080_000  # file: 2176.95908
    assert value("WLD", "export", "Grand Total", "2026") == 29_726_055_700_000  # partial year, file: 29726.0557


@needs_real
def test_real_file_snapshot_filter():
    tidy = japan_customs.read_trade_by_area(REAL, retrieved_at=WHEN, goods=japan_customs.SNAPSHOT_GOODS)
    assert len(tidy) == 8_352
    assert set(tidy["goods"]) == set(japan_customs.SNAPSHOT_GOODS)
