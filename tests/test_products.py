from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from indicators.products import (
    GROUPS_BY_ID,
    PRODUCT_GROUPS,
    ProductGroup,
    groups_of,
    overlapping_codes,
)

# CI has ../shared beside the repo; a fresh clone may not (the tests that need it skip).
SUPPLIER_SHARE_CSV = (
    Path(__file__).resolve().parents[2] / "shared/data/comtrade/us_imports_by_supplier/fct_supplier_share.csv"
)


def test_required_groups_and_codes():
    expected = {
        "rare_earths": ("280530", "284610", "284690"),
        "magnets": ("850511",),
        "semiconductors": (
            "854110", "854121", "854129", "854130", "854140", "854150", "854160", "854190",
            "854231", "854232", "854233", "854239", "854290",
        ),
        "semiconductor_equipment": ("848610", "848620", "848630", "848640", "848690"),
        "graphite": ("2504",),
        "cobalt": ("2822",),
        "lithium": ("282520",),
    }  # fmt: skip
    for gid, codes in expected.items():
        assert GROUPS_BY_ID[gid].hs_codes == codes, gid


def test_registry_is_consistent():
    ids = [g.id for g in PRODUCT_GROUPS]
    assert len(ids) == len(set(ids))
    assert list(GROUPS_BY_ID) == ids
    for g in PRODUCT_GROUPS:
        assert g.name and g.source and g.note
        assert all(isinstance(c, str) and c.isdigit() and len(c) in (2, 4, 6) for c in g.hs_codes)


@pytest.mark.parametrize("group", PRODUCT_GROUPS, ids=lambda g: g.id)
def test_no_group_has_overlapping_codes(group):
    # A code that is a prefix of another (2504 vs 250410) would count the same trade twice.
    assert overlapping_codes(group) == []


def test_groups_nest_only_where_declared():
    # Chips are a basket inside semiconductors; no other code is in two groups.
    shared = {c for g in PRODUCT_GROUPS for c in g.hs_codes if len(groups_of(c)) > 1}
    assert shared == set(GROUPS_BY_ID["chips"].hs_codes)
    assert shared <= set(GROUPS_BY_ID["semiconductors"].hs_codes)


def test_overlap_and_duplicates_detected():
    assert overlapping_codes(ProductGroup("g", "G", ("2504", "250410", "250490"), source="s")) == [
        ("2504", "250410"),
        ("2504", "250490"),
    ]
    with pytest.raises(ValueError, match="twice"):
        ProductGroup("g", "G", ("2504", "2504"), source="s")
    with pytest.raises(ValueError, match="not HS codes"):
        ProductGroup("g", "G", (2504,), source="s")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="no HS codes"):
        ProductGroup("g", "G", (), source="s")


def test_groups_of_is_exact():
    assert groups_of("2504") == (GROUPS_BY_ID["graphite"],)
    assert groups_of("854141") == ()  # an HS2022 successor, summed into 854140 by the source
    assert groups_of("250410") == ()
    assert groups_of("TOTAL") == ()
    assert [g.id for g in groups_of("280530")] == ["rare_earths"]
    assert [g.id for g in groups_of("854232")] == ["semiconductors", "chips"]


def test_sources_are_honest():
    for gid in ("rare_earths", "magnets", "semiconductors", "semiconductor_equipment"):
        src = GROUPS_BY_ID[gid].source
        assert "akashok1/semiconductor-rare-earth-supply-chain-risk" in src
        assert "§10" in src
        assert "World Customs Organization" in src
    for gid in ("graphite", "cobalt", "lithium"):
        assert "World Customs Organization" in GROUPS_BY_ID[gid].source
    note = GROUPS_BY_ID["semiconductors"].note
    assert "HS2017" in note and "854141" in note and "854151" in note


@pytest.mark.skipif(not SUPPLIER_SHARE_CSV.exists(), reason=f"{SUPPLIER_SHARE_CSV} not present (no ../shared)")
def test_groups_match_the_source_baskets():
    f = pd.read_csv(SUPPLIER_SHARE_CSV, dtype={"canonical_product_id": "str"})
    baskets = f.groupby("basket")["canonical_product_id"].agg(lambda s: set(s))
    ours = {
        "rare_earths_and_magnets": ("rare_earths", "magnets"),
        "semiconductors_and_sme": ("semiconductors", "semiconductor_equipment"),
    }
    for basket, gids in ours.items():
        assert baskets[basket] == {c for gid in gids for c in GROUPS_BY_ID[gid].hs_codes}
