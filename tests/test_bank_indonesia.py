"""Bank Indonesia SEKI V.33 loader: parse_sheet on real cells, the edition merge, the full workbook.

The cell slices under tests/data/bank_indonesia/ are real cells of the SEKI workbook (see the
README there): no small .xls can be written without adding a dependency, so the pure core
(:func:`parse_sheet`) is tested on them and the .xls reading on the real file when it is present.
"""

from __future__ import annotations

import csv
from datetime import UTC, datetime
from pathlib import Path

import pandas as pd
import pytest

from connectors import bank_indonesia as bi
from econsec.errors import ParseError, SourceError

DATA = Path(__file__).parent / "data" / "bank_indonesia"
CURRENT = DATA / "seki_v33_sheet5.33_2010_2019-2021_cells.csv"
OLDER = DATA / "seki_v33_sheet2004-2012_2008-2010_cells.csv"
SHARED = Path(__file__).parents[2] / "shared" / "data" / "asean_fdi"
REAL = SHARED / "bank_indonesia_seki_V33_fdi_by_country_of_origin.xls"
WHEN = datetime(2021, 11, 15, tzinfo=UTC)
URL = "file:bank_indonesia_seki_V33_fdi_by_country_of_origin.xls"
needs_real = pytest.mark.skipif(not REAL.exists(), reason="needs ../shared/data beside the repo")


def cells(path: Path) -> pd.DataFrame:
    """The slice as raw cells: numbers as floats, text as text, blank as None (as xlrd gives them)."""

    def cell(text: str) -> object:
        if text == "":
            return None
        try:
            return float(text)
        except ValueError:
            return text

    with path.open(encoding="utf-8", newline="") as f:
        return pd.DataFrame([[cell(v) for v in row] for row in csv.reader(f)], dtype=object)


def parse(frame: pd.DataFrame, sheet: str = bi.SHEET, **kwargs) -> pd.DataFrame:  # type: ignore[no-untyped-def]
    return bi.parse_sheet(frame, source_url=URL, retrieved_at=WHEN, sheet=sheet, **kwargs)


def tidy(rows: list[tuple]) -> pd.DataFrame:  # type: ignore[type-arg]
    """Expected frame from (counterpart, kind, period, US$ millions, estimated)."""
    frame = pd.DataFrame(
        {
            "reporter": pd.Series(["IDN"] * len(rows), dtype="str"),
            "counterpart": pd.Series([r[0] for r in rows], dtype="str"),
            "counterpart_kind": pd.Series([r[1] for r in rows], dtype="str"),
            "direction": pd.Series(["inward"] * len(rows), dtype="str"),
            "measure": pd.Series(["flow"] * len(rows), dtype="str"),
            "period": pd.Series([r[2] for r in rows], dtype="str"),
            "value_usd": pd.Series([r[3] * 1e6 for r in rows], dtype="float64"),
            "estimated": pd.Series([r[4] for r in rows], dtype="bool"),
        }
    )
    frame["source"] = pd.Series("bank_indonesia", index=frame.index, dtype="str")
    frame["source_url"] = pd.Series(URL, index=frame.index, dtype="str")
    frame["retrieved_at"] = pd.Series(pd.Timestamp(WHEN), index=frame.index, dtype="datetime64[us, UTC]")
    return frame


# --------------------------------------------------------------------------- parse_sheet


def test_parse_sheet_on_real_cells_of_sheet_5_33():
    frame = parse(cells(CURRENT))
    focus = ["CHN", "CYM", "EUU", "JPN", "LAO", "QAS", "QNE", "TWN", "USA", "WLD"]
    got = frame[frame["counterpart"].isin(focus)].reset_index(drop=True)
    qne_2010 = -1.0 + 262.0 + 61.0 + 1418.0  # the "... lainnya" rows; "-" cells are zero
    qne_2019 = 99.41 + 193.08 + 0.91 + 314.77 + 138.74 + 5.66 + 39.41 + 291.73
    qne_2020 = 156.07 + 1476.27 - 0.49 - 39.73 + 587.52 + 1.22 - 54.5 - 83.25
    expected = tidy(
        [
            ("CHN", "country", "2010", 354.0, False), ("CHN", "country", "2019", 811.29, False),
            ("CHN", "country", "2020", 904.34, True),
            # 2010: "-" means "not shown separately" for the Cayman Islands (inside "Lainnya"): no row.
            ("CYM", "country", "2019", 235.26, False), ("CYM", "country", "2020", 100.51, True),
            ("EUU", "group", "2010", 17.0, False), ("EUU", "group", "2019", 2445.2, False),
            ("EUU", "group", "2020", -1017.83, True),
            ("JPN", "country", "2010", 3729.0, False), ("JPN", "country", "2019", 8319.11, False),
            ("JPN", "country", "2020", 2089.81, True),
            ("LAO", "country", "2010", 0.0, False), ("LAO", "country", "2019", 0.0, False),
            ("LAO", "country", "2020", 0.0, True),
            ("QAS", "group", "2010", 5903.0, False), ("QAS", "group", "2019", 6880.47, False),
            ("QAS", "group", "2020", 7900.31, True),
            ("QNE", "area", "2010", qne_2010, False), ("QNE", "area", "2019", qne_2019, False),
            ("QNE", "area", "2020", qne_2020, True),
            ("TWN", "country", "2010", 24.0, False), ("TWN", "country", "2019", 118.73, False),
            ("TWN", "country", "2020", 944.03, True),
            ("USA", "country", "2010", 572.0, False), ("USA", "country", "2019", 1246.92, False),
            ("USA", "country", "2020", 612.88, True),
            ("WLD", "world", "2010", 13771.0, False), ("WLD", "world", "2019", 23883.25, False),
            ("WLD", "world", "2020", 18541.32, True),
        ]
    )
    pd.testing.assert_frame_equal(got, expected)


def test_parse_sheet_loads_annual_columns_only_and_skips_the_partial_year():
    frame = parse(cells(CURRENT))
    assert sorted(frame["period"].unique()) == ["2010", "2019", "2020"]  # 2021 has Q1*-Q3** only
    # 59 rows - 6 regional subtotals - 8 residuals (summed into one QNE) + QNE = 46; CYM 2010 has none.
    assert len(frame) == 3 * 46 - 1
    assert not frame["counterpart"].isin(["Asia", "EUR"]).any()


def test_every_label_of_both_sheets_is_in_the_label_tables():
    for path, table in ((CURRENT, bi.SEKI_LABELS), (OLDER, bi.OLDER_SEKI_LABELS)):
        frame = cells(path)
        column = 2 if path == CURRENT else 1
        labels = {v.strip() for v in frame[column].iloc[6:] if isinstance(v, str) and v.strip()}
        assert labels <= set(table), labels - set(table)


def test_older_sheet_takes_the_year_from_q1_not_the_mislabelled_annual_column():
    frame = parse(cells(OLDER), sheet=bi.OLDER_SHEET)
    assert sorted(frame["period"].unique()) == ["2008", "2009", "2010"]
    jpn = frame[frame["counterpart"] == "JPN"].set_index("period")["value_usd"]
    assert jpn.to_dict() == {"2008": 1144e6, "2009": 896e6, "2010": 3729e6}
    bermuda = frame[(frame["counterpart"] == "BMU")].set_index("period")["value_usd"]
    assert bermuda["2010"] == 82e6


def test_combine_keeps_current_edition_and_adds_earlier_years():
    current = parse(cells(CURRENT))
    older = parse(cells(OLDER), sheet=bi.OLDER_SHEET)
    both = bi.combine(current, older, source_url=URL)
    assert sorted(both["period"].unique()) == ["2008", "2009", "2010", "2019", "2020"]
    jpn_2010 = both[(both["counterpart"] == "JPN") & (both["period"] == "2010")]
    assert len(jpn_2010) == 1 and jpn_2010["value_usd"].iloc[0] == 3729e6
    # 2010 comes from sheet 5.33: its QNE includes Bermuda and the Cayman Islands.
    assert not ((both["counterpart"] == "BMU") & (both["period"] == "2010")).any()


def test_combine_raises_when_editions_disagree():
    older_cells = cells(OLDER)
    japan = older_cells.index[older_cells[1] == "Jepang"][0]
    older_cells.iat[japan, 17] = 3730.0  # the 2010 annual cell of Japan
    older_cells.iat[older_cells.index[older_cells[1] == "Jumlah"][0], 17] = 13772.0  # keep the sum right
    with pytest.raises(ParseError, match=r"disagree on 2 overlapping values.*JPN 2010: 3730 vs 3729"):
        bi.combine(parse(cells(CURRENT)), parse(older_cells, sheet=bi.OLDER_SHEET), source_url=URL)


def test_a_subtotal_mapped_as_a_country_breaks_the_sum_check():
    labels = {**bi.SEKI_LABELS, "Asia": "ASM"}  # pretend the Asia subtotal were a country
    with pytest.raises(ParseError, match="counts a subtotal twice"):
        parse(cells(CURRENT), labels=labels)


def test_unknown_label_is_named():
    frame = cells(CURRENT)
    frame.iat[7, 2] = "Amerika"
    with pytest.raises(ParseError, match=r"row labels not in the label table: \['Amerika'\]"):
        parse(frame)


def test_text_in_a_value_cell_is_a_parse_error():
    frame = cells(CURRENT)
    frame.iat[7, 7] = "n.a."
    with pytest.raises(ParseError, match=r"'Amerika Serikat' 2010: cell 'n.a.' is not a number"):
        parse(frame)


def test_empty_cell_gives_no_row():
    frame = cells(CURRENT)
    row = frame.index[frame[2] == "Argentina"][0]
    assert frame.iat[row, 7] == "-"
    frame.iat[row, 7] = None
    out = parse(frame)
    assert not ((out["counterpart"] == "ARG") & (out["period"] == "2010")).any()
    assert ((out["counterpart"] == "ARG") & (out["period"] == "2019")).any()


def test_a_missing_country_value_breaks_the_sum_check():
    frame = cells(CURRENT)
    frame.iat[frame.index[frame[2] == "Jepang"][0], 7] = None
    with pytest.raises(ParseError, match=r"countries \+ other areas = 10042 but the total is 13771"):
        parse(frame)


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda f: f.iloc[:0], "the sheet is empty"),
        (lambda f: f.replace("NEGARA", "X"), "no 'NEGARA' header cell"),
        (lambda f: f.replace(r"^Q\d.*", "T", regex=True), "no Q1..Q4 labels"),
        (lambda f: f.replace({"Q1": "T1"}), "quarter Q2 does not follow Q1"),
        (lambda f: f.drop(columns=[7]), "no annual column after Q4 of 2010"),
    ],
)
def test_malformed_sheets_raise_parse_error(change, message):
    with pytest.raises(ParseError, match=message):
        parse(change(cells(CURRENT)).reset_index(drop=True))


def test_naive_retrieved_at_is_refused():
    with pytest.raises(Exception, match="timezone-aware"):
        bi.parse_sheet(cells(CURRENT), source_url=URL, retrieved_at=datetime(2021, 1, 1))


# --------------------------------------------------------------------------- files


def test_not_an_xls_file_is_a_parse_error(tmp_path):
    bad = tmp_path / "seki.xls"
    bad.write_bytes(b"<html><body>Bank Indonesia - page not found</body></html>")
    with pytest.raises(ParseError, match="seki.xls is not a readable .xls workbook"):
        bi.read_seki_fdi(bad, retrieved_at=WHEN)


def test_missing_file_is_a_source_error(tmp_path):
    with pytest.raises(SourceError, match="cannot read nothing.xls"):
        bi.read_seki_fdi(tmp_path / "nothing.xls", retrieved_at=WHEN)


@needs_real
def test_full_workbook_spot_values():
    frame = bi.read_seki_fdi(REAL, retrieved_at=WHEN)
    assert len(frame) == 785
    assert sorted(frame["period"].unique()) == [str(y) for y in range(2004, 2021)]
    value = frame.set_index(["counterpart", "period"])["value_usd"]
    assert value[("JPN", "2019")] == pytest.approx(8319.11e6)  # sheet 5.33, row "Jepang", 2019 annual
    assert value[("USA", "2010")] == 572e6
    assert value[("CHN", "2004")] == 295e6  # sheet 2004-2012, row "RRC", 2004 annual
    assert value[("BMU", "2005")] == pytest.approx(-158.82e6)
    assert value[("WLD", "2020")] == pytest.approx(18541.32e6)
    assert ("CYM", "2011") not in value.index  # "-" = not shown separately in sheet 5.33
    estimated = frame.set_index(["counterpart", "period"])["estimated"]
    assert estimated[("WLD", "2020")] and not estimated[("WLD", "2019")]
    assert frame["source_url"].unique().tolist() == [URL]


@needs_real
def test_full_workbook_current_sheet_only():
    frame = bi.read_seki_fdi(REAL, retrieved_at=WHEN, include_older=False)
    assert sorted(frame["period"].unique()) == [str(y) for y in range(2010, 2021)]
