from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from connectors import taiwan_customs as tw
from econsec import countries
from econsec.errors import ParseError

WHEN = datetime(2026, 11, 22, tzinfo=UTC)
DATA = Path(__file__).parent / "data" / "taiwan_customs"
DEST = DATA / "taiwan_exports_hs8542_by_destination_slice.csv"
TOTAL = DATA / "taiwan_exports_hs8542_total_by_hs11_slice.csv"
SHARED = Path(__file__).resolve().parents[2] / "shared" / "data" / "taiwan_customs"
REAL_DEST = SHARED / "taiwan_exports_hs8542_by_destination_2013_2025.csv"
REAL_TOTAL = SHARED / "taiwan_exports_hs8542_total_by_hs11_2013_2025.csv"
needs_real = pytest.mark.skipif(not REAL_DEST.exists(), reason="needs ../shared/data beside the repo")

DEST_HEADER = "\ufeffYear,Country,HS Code,Description,Export Value (USD)\n".encode()
TOTAL_HEADER = "進出口別,日期,貨品號列,中文貨名,英文貨名,美元(千元)\n".encode()
FLOW_LABEL = "出口總值(含復出口)"


def _frame(rows: list[tuple], url: str, estimated: list[bool] | None = None) -> pd.DataFrame:
    frame = pd.DataFrame(rows, columns=["partner", "partner_kind", "hs_code", "period", "value_usd"])
    frame.insert(0, "reporter", "TWN")
    frame.insert(3, "flow", "export")
    frame["value_usd"] = frame["value_usd"].astype("float64")
    frame["net_weight_kg"] = np.nan
    frame["estimated"] = estimated if estimated is not None else False
    frame["source"] = "taiwan_customs"
    frame["source_url"] = url
    frame["retrieved_at"] = pd.Timestamp(WHEN).as_unit("us")
    return frame.astype({c: "str" for c in ("reporter", "partner", "partner_kind", "flow", "hs_code", "period",
                                            "source", "source_url")})


def _by_key(frame: pd.DataFrame) -> pd.DataFrame:
    return frame.sort_values(["period", "partner", "hs_code"]).reset_index(drop=True)


def test_destination_slice_summed_to_hs6_without_the_partial_year():
    tidy = tw.read_exports_by_destination(DEST, retrieved_at=WHEN)
    # Sums over the 11-digit CCC codes of each HS6, from the slice (e.g. 854232 has 13 CCC codes).
    expected = _frame(
        [
            ("XKX", "country", "854232", "2020", 9_000.00),
            ("CHN", "country", "854231", "2024", 1_437_490_000.00),
            ("CHN", "country", "854232", "2024", 6_144_275_000.00),
            ("CHN", "country", "854233", "2024", 22_826_000.00),
            ("CHN", "country", "854239", "2024", 40_825_958_000.00),
            ("CHN", "country", "854290", "2024", 41_507_000.00),
            ("QNE", "area", "854231", "2024", 27_000.00),
            ("QNE", "area", "854232", "2024", 8_000.00),
            ("QNE", "area", "854239", "2024", 1_748_000.00),
            ("QNE", "area", "854290", "2024", 0.00),
            ("USA", "country", "854231", "2024", 383_800_000.00),
            ("USA", "country", "854232", "2024", 308_561_000.00),
            ("USA", "country", "854233", "2024", 6_728_000.00),
            ("USA", "country", "854239", "2024", 6_701_385_000.00),
            ("USA", "country", "854290", "2024", 2_648_000.00),
            ("XKX", "country", "854239", "2024", 157_000.00),
        ],
        f"file:{DEST.name}",
    )
    pd.testing.assert_frame_equal(_by_key(tidy), _by_key(expected))


def test_destination_partial_year_on_request_is_flagged():
    tidy = tw.read_exports_by_destination(DEST, retrieved_at=WHEN, include_partial_year=True)
    partial = tidy[tidy["period"] == tw.PARTIAL_YEAR]
    assert len(partial) == 12 and partial["estimated"].all()
    assert not tidy.loc[tidy["period"] != tw.PARTIAL_YEAR, "estimated"].any()
    china = partial[(partial["partner"] == "CHN") & (partial["hs_code"] == "854239")]
    assert china["value_usd"].tolist() == [21_339_960_000.0]


def test_destination_without_bom_reads_the_same():
    content = DEST.read_bytes()
    assert content.startswith(b"\xef\xbb\xbf")
    with_bom = tw.parse_exports_by_destination(content, source_url="file:x", retrieved_at=WHEN)
    without = tw.parse_exports_by_destination(content[3:], source_url="file:x", retrieved_at=WHEN)
    pd.testing.assert_frame_equal(with_bom, without)


def test_no_value_is_lost_when_summing_to_hs6():
    raw = pd.read_csv(DEST, encoding="utf-8-sig", dtype={"HS Code": "str"})
    tidy = tw.read_exports_by_destination(DEST, retrieved_at=WHEN, include_partial_year=True)
    assert round(raw["Export Value (USD)"].sum() * 100) == round(tidy["value_usd"].sum() * 100)


def test_total_slice_to_world():
    tidy = tw.read_exports_by_code(TOTAL, retrieved_at=WHEN)
    expected = _frame(
        [
            ("WLD", "world", "854231", "2024", 17_157_502_000.0),  # thousand USD x 1e3
            ("WLD", "world", "854232", "2024", 20_397_958_000.0),
            ("WLD", "world", "854233", "2024", 70_790_000.0),
            ("WLD", "world", "854239", "2024", 127_293_394_000.0),
            ("WLD", "world", "854290", "2024", 122_558_000.0),
        ],
        f"file:{TOTAL.name}",
    )
    pd.testing.assert_frame_equal(_by_key(tidy), _by_key(expected))


def test_total_partial_year_detected_from_its_label():
    tidy = tw.read_exports_by_code(TOTAL, retrieved_at=WHEN, include_partial_year=True)
    partial = tidy[tidy["period"] == "2025"]
    assert len(partial) == 5 and partial["estimated"].all()  # 初步值 = preliminary
    assert partial.set_index("hs_code")["value_usd"].to_dict() == {
        "854231": 15_588_187_000.0, "854232": 15_999_264_000.0, "854233": 57_460_000.0,
        "854239": 78_045_339_000.0, "854290": 85_081_000.0,
    }


def test_sliced_destinations_never_exceed_the_world_total():
    dest = tw.read_exports_by_destination(DEST, retrieved_at=WHEN)
    total = tw.read_exports_by_code(TOTAL, retrieved_at=WHEN)
    both = dest[dest["period"] == "2024"].groupby("hs_code")["value_usd"].sum()
    assert (both <= total.set_index("hs_code")["value_usd"]).all()


@pytest.mark.parametrize(
    ("label", "expected"),
    [
        ("102年", ("2013", False, False)),
        ("113年", ("2024", False, False)),
        ("114年1月~114年7月(初步值)", ("2025", True, True)),
        ("114年1月~114年12月(初步值)", ("2025", False, True)),
        ("114年1月~114年7月", ("2025", True, False)),
    ],
)
def test_roc_periods(label, expected):
    assert tw.roc_period(label) == expected


@pytest.mark.parametrize("label", ["2024", "113", "113年13月", "114年7月~114年1月", "113年1月~114年2月"])
def test_bad_roc_period(label):
    content = TOTAL_HEADER + f"{FLOW_LABEL},{label},85423100002,x,y,1.0\n".encode()
    with pytest.raises(ParseError, match="日期"):
        tw.parse_exports_by_code(content, source_url="file:t.csv", retrieved_at=WHEN)


def test_every_name_of_the_reference_map_has_a_code():
    names = tw.country_names_zh_en()
    assert len(names) == 199
    codes = {zh: tw.destination_code(zh) for zh in names}
    for zh, (code, kind) in codes.items():
        if kind == "country":
            assert countries.is_iso3(code) or code in ("XKX", "ANT"), (zh, code)
        else:
            assert code in countries.AGGREGATES, (zh, code)
    assert len({code for code, _ in codes.values()}) == len(codes), "two names map to the same code"
    assert codes["南韓"] == ("KOR", "country") and codes["中國大陸"] == ("CHN", "country")
    assert codes["其他國家"] == ("QNE", "area")
    assert set(tw.NAME_EXCEPTIONS) <= set(names.values())


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"", "not a readable UTF-8 CSV"),
        (DEST_HEADER, "no data rows"),
        ("Year,Country,HS Code\n2025,美國,85423100002\n".encode(), "missing columns"),
        ("\ufeffYear,Country,HS Code,Description,Export Value (USD)\n2025,火星,85423100002,x,1.0\n".encode(),
         r"not in taiwan_country_names_zh_en.json: \['火星'\]"),
        (DEST_HEADER + "2025,美國,8542310000,x,1.0\n".encode(), "not an 11-digit CCC code"),
        (DEST_HEADER + "2025,美國,85423100002,x,many\n".encode(), "not a non-negative number"),
        (DEST_HEADER + "2025,美國,85423100002,x,1.001\n".encode(), "whole number of cents"),
        (DEST_HEADER + "2025,美國,85423100002,x,1.0\n2025,美國,85423100002,x,2.0\n".encode(), "more than one row"),
        (DEST_HEADER + "2026,美國,85423100002,x,1.0\n".encode(), "newest year in the file is 2026"),
        (b"\xef\xbb\xbfYear,Country\n2025,\xe7\xbe\n", "not a readable UTF-8 CSV"),
    ],
)
def test_bad_destination_files(content, message):
    with pytest.raises(ParseError, match=message) as info:
        tw.parse_exports_by_destination(content, source_url="file:d.csv", retrieved_at=WHEN)
    assert "file:d.csv" in str(info.value)


def test_unknown_english_name_is_a_parse_error(monkeypatch):
    monkeypatch.setattr(tw, "country_names_zh_en", lambda: {"美國": "United States", "火星": "Mars"})
    tw.english_to_code.cache_clear()
    content = DEST_HEADER + "2025,火星,85423100002,x,1.0\n".encode()
    with pytest.raises(ParseError, match=r"no ISO3.*火星 \(Mars\)"):
        tw.parse_exports_by_destination(content, source_url="file:d.csv", retrieved_at=WHEN)


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (TOTAL_HEADER, "no data rows"),
        (TOTAL_HEADER + "進口總值,113年,85423100002,x,y,1.0\n".encode(), "進出口別 is not"),
        (TOTAL_HEADER + f"{FLOW_LABEL},113年,85423100002,x,y,-1\n".encode(), "not a non-negative number"),
        (TOTAL_HEADER + f"{FLOW_LABEL},113年,85423100002,x,y,1.0000001\n".encode(), "whole number of cents"),
        (TOTAL_HEADER + f"{FLOW_LABEL},113年,85423100002,x,y,1\n{FLOW_LABEL},113年,85423100002,x,y,2\n".encode(),
         "more than one row"),
    ],
)
def test_bad_total_files(content, message):
    with pytest.raises(ParseError, match=message):
        tw.parse_exports_by_code(content, source_url="file:t.csv", retrieved_at=WHEN)


def test_missing_file():
    with pytest.raises(ParseError, match="cannot read"):
        tw.read_exports_by_code(Path("/nonexistent/t.csv"), retrieved_at=WHEN)


@needs_real
def test_real_destination_file():
    tidy = tw.read_exports_by_destination(REAL_DEST, retrieved_at=WHEN, include_partial_year=True)
    assert len(tidy) == 4_576
    assert len(tidy[tidy["period"] != tw.PARTIAL_YEAR]) == 4_290
    assert tidy["partner"].nunique() == 199
    raw = pd.read_csv(REAL_DEST, encoding="utf-8-sig", dtype={"HS Code": "str"})
    assert round(raw["Export Value (USD)"].sum() * 100) == round(tidy["value_usd"].sum() * 100)
    # 2013, Turkey, 85423100002: 229171.91 is the only 854231 row for Turkey that year
    hit = tidy[(tidy["partner"] == "TUR") & (tidy["hs_code"] == "854231") & (tidy["period"] == "2013")]
    assert hit["value_usd"].tolist() == [229_171.91]


@needs_real
def test_real_files_agree_to_the_cent():
    dest = tw.read_exports_by_destination(REAL_DEST, retrieved_at=WHEN, include_partial_year=True)
    total = tw.read_exports_by_code(REAL_TOTAL, retrieved_at=WHEN, include_partial_year=True)
    assert len(total) == 65
    by_dest = (dest["value_usd"] * 100).round().groupby([dest["period"], dest["hs_code"]]).sum()
    by_total = (total["value_usd"] * 100).round().groupby([total["period"], total["hs_code"]]).sum()
    gap = (by_dest - by_total).abs()
    assert gap.max() == 0, gap[gap > 0]
