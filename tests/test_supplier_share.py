from datetime import UTC, datetime

import pandas as pd
import pytest

from connectors import supplier_share
from econsec.errors import ParseError

WHEN = datetime(2026, 11, 22, tzinfo=UTC)


def _parse(content: bytes) -> pd.DataFrame:
    return supplier_share.parse(content, source_url="file:test.csv", retrieved_at=WHEN)


def test_parses_the_recorded_head(data_dir):
    content = (data_dir / "supplier_share/fct_supplier_share_head.csv").read_bytes()
    everything = _parse(content)
    world = everything[everything["partner"] == "WLD"]
    tidy = everything[everything["partner"] != "WLD"].reset_index(drop=True)
    raw = pd.read_csv(data_dir / "supplier_share/fct_supplier_share_head.csv", dtype={"canonical_product_id": str})
    assert len(tidy) == len(raw)
    assert set(tidy["reporter"]) == {"USA"}
    assert set(tidy["flow"]) == {"import"}
    assert tidy["hs_code"].tolist() == raw["canonical_product_id"].tolist()
    assert tidy["period"].tolist() == raw["year"].astype(str).tolist()
    assert tidy["partner"].tolist() == raw["partner_iso3"].tolist()
    assert tidy["value_usd"].tolist() == raw["import_value_usd"].tolist()
    # The World row is restored per product and year as the sum of the partners (PROVENANCE §10).
    assert set(world["partner_kind"]) == {"world"}
    sums = raw.groupby(raw["year"].astype(str))["import_value_usd"].sum()
    assert dict(zip(world["period"], world["value_usd"], strict=True)) == pytest.approx(sums.to_dict())
    first = tidy.iloc[0]
    assert (first["partner"], first["hs_code"], first["period"], first["value_usd"]) == ("CHN", "280530", "2018",
                                                                                         6081534.0)


def test_missing_column_is_named():
    with pytest.raises(ParseError, match="missing columns.*import_value_usd"):
        _parse(b"basket,canonical_product_id,year,partner_code,partner_iso3,is_aggregate_partner\n")


def test_empty_file():
    header = b"basket,canonical_product_id,year,partner_code,partner_iso3,partner_name,is_aggregate_partner,"
    header += b"import_value_usd,share,rank\n"
    with pytest.raises(ParseError, match="no data rows"):
        _parse(header)


def test_bad_value_and_bad_country():
    header = (b"basket,canonical_product_id,year,partner_code,partner_iso3,partner_name,is_aggregate_partner,"
              b"import_value_usd,share,rank\n")
    with pytest.raises(ParseError, match="rows \\[0\\]"):
        _parse(header + b"x,280530,2018,156,CHN,China,f,lots,1,1\n")
    with pytest.raises(ParseError, match="ZZZ"):
        _parse(header + b"x,280530,2018,999,ZZZ,Nowhere,f,10.0,1,1\n")


def test_duplicate_rows_are_refused_by_the_schema():
    from econsec.errors import ValidationError

    header = (b"basket,canonical_product_id,year,partner_code,partner_iso3,partner_name,is_aggregate_partner,"
              b"import_value_usd,share,rank\n")
    row = b"x,280530,2018,156,CHN,China,f,10.0,1,1\n"
    with pytest.raises(ValidationError, match="at most one row"):
        _parse(header + row + row)


def test_not_a_csv():
    with pytest.raises(ParseError):
        _parse(b"\xff\xfe\x00binary")
