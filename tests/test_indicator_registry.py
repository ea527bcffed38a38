"""indicators.registry.compute_all validates each tidy table once; a family called directly still validates."""

import pandas as pd
import pytest

from econsec import schema
from econsec.errors import ValidationError
from econsec.store import bundled_snapshot_dir
from indicators import alliance, concentration, innovation, minerals, partner_groups, registry, screening

TABLES = ("trade", "series", "customs", "minerals", "fdi")


@pytest.fixture(scope="module")
def tables() -> dict[str, pd.DataFrame]:
    """The bundled snapshot's tidy tables, trade cut to the US and Japan as reporters (still valid: a subset)."""
    out = {name: pd.read_parquet(bundled_snapshot_dir() / f"{name}.parquet") for name in TABLES}
    trade = out["trade"]
    out["trade"] = trade[trade["reporter"].isin(["USA", "JPN"])].reset_index(drop=True)
    assert len(out["trade"]) > 1000
    return out


def _count_validations(monkeypatch) -> list[str]:
    names: list[str] = []
    real = schema.validate

    def counted(frame, table_schema, name):
        names.append(name)
        return real(frame, table_schema, name)

    monkeypatch.setattr(schema, "validate", counted)  # the table validators and base.values call it by name
    monkeypatch.setattr("indicators.base.validate", counted)
    return names


def test_each_table_is_validated_once(tables, monkeypatch):
    names = _count_validations(monkeypatch)
    out = registry.compute_all(tables)
    for table in TABLES:
        assert names.count(f"{table} frame") == 1, (table, names)
    assert len(out["indicators"]) > 0 and len(out["supplier_shares"]) > 0

    names.clear()
    trusted = registry.compute_all(tables, validated=True)
    assert not [n for n in names if n.endswith(" frame")], "validated=True: no table is checked again"
    for name in out:
        pd.testing.assert_frame_equal(trusted[name], out[name], check_exact=True)


def test_a_bad_table_is_refused_before_any_family_runs(tables):
    bad = tables["trade"].copy()
    bad.loc[0, "reporter"] = "usa"
    with pytest.raises(ValidationError, match="reporter"):
        registry.compute_all({**tables, "trade": bad})
    series = tables["series"].copy()
    series.loc[0, "period"] = "20x1"
    with pytest.raises(ValidationError, match="period"):
        registry.compute_all({**tables, "series": series})


@pytest.mark.parametrize(
    ("family", "table"),
    [(partner_groups, "trade"), (alliance, "trade"), (screening, "trade"), (innovation, "series"),
     (minerals, "minerals")],
)
def test_a_family_called_directly_still_validates(tables, family, table):
    bad = tables[table].copy()
    bad.loc[bad.index[0], "period"] = "not a period"
    with pytest.raises(ValidationError, match="period"):
        family.compute({**tables, table: bad})
    good = family.compute(tables)
    pd.testing.assert_frame_equal(family.compute(tables, validated=True), good, check_exact=True)


def test_concentration_called_directly_still_validates(tables):
    bad = tables["trade"].copy()
    bad.loc[0, "value_usd"] = -1.0
    with pytest.raises(ValidationError, match="value_usd"):
        concentration.compute(bad)
    with pytest.raises(ValidationError, match="value_usd"):
        concentration.concentration(bad)
    good = concentration.compute(tables["trade"])
    trusted = concentration.compute(tables["trade"], validated=True)
    for name in good:
        pd.testing.assert_frame_equal(trusted[name], good[name], check_exact=True)


def test_text_columns_are_checked_once_per_column_with_pandera_s_messages():
    """schema.TEXT answers a matching column with one True (not one per row); a mismatch is reported as before."""
    from pandera.engines import pandas_engine

    text = pd.Series(["USA", "JPN"], dtype="str")
    assert schema.TEXT.check(pandas_engine.Engine.dtype(text.dtype), text) is True
    assert str(schema.TEXT) == str(pandas_engine.Engine.dtype("str"))
    frame = schema.empty("trade")
    assert list(frame.dtypes.astype(str)) == [str(c.dtype) if str(c.dtype) != "string[pyarrow]" else "str"
                                              for c in schema.TRADE.columns.values()]
    for bad in (pd.Series([1, 2]), pd.Series(["a", "b"], dtype="category"), pd.Series([1, "b"], dtype=object)):
        assert schema.TEXT.check(pandas_engine.Engine.dtype(bad.dtype), bad) is not True
    row = {"country": "JPN", "series": "S", "period": "2020", "value": 1.0, "unit": "u", "estimated": False,
           "source": "worldbank", "source_url": "file:x", "retrieved_at": pd.Timestamp("2026-01-01", tz="UTC")}
    frame = pd.DataFrame([row]).astype({"retrieved_at": "datetime64[us, UTC]"})
    assert len(schema.validate_series(frame)) == 1
    with pytest.raises(ValidationError, match=r"column 'unit' fails dtype\('string\[pyarrow\]'\)"):
        schema.validate_series(frame.astype({"unit": "category"}))
