"""Loader for a processed Comtrade extract: US imports by supplier country (``fct_supplier_share.csv``).

This file is not an API response: a third-party pipeline pulled US-reported annual imports
from Comtrade API v1 (``/data/v1/get/C/A/HS``, reporter 842, flow M, all partners,
partner2Code 0, customsCode C00, motCode 0), dropped the World row, relabelled partner 490
as Taiwan and summed HS2022 successors back into their HS2017 codes (854140, 854150). See
``shared/data/PROVENANCE.md`` §10. The loader keeps its numbers as they are and records
where they came from; shares are recomputed by ``indicators`` from the values.

The World row is restored as the sum of the partner rows of each product and year: the
pipeline dropped it after testing that the partners sum to it within $1, and indicators
take a breakdown as complete only against a World total.
"""

from __future__ import annotations

from datetime import datetime
from io import BytesIO
from pathlib import Path

import numpy as np
import pandas as pd

from econsec import countries
from econsec.errors import ParseError
from econsec.schema import WORLD, validate_trade

SOURCE = "un_comtrade"
REPORTER = "USA"
COLUMNS = ("basket", "canonical_product_id", "year", "partner_code", "partner_iso3",
           "import_value_usd", "is_aggregate_partner")


def parse(content: bytes, *, source_url: str, retrieved_at: datetime) -> pd.DataFrame:
    """Tidy TRADE rows (reporter USA, flow import) from the CSV's bytes."""
    try:
        raw = pd.read_csv(BytesIO(content), dtype={"canonical_product_id": "str", "partner_iso3": "str"},
                          keep_default_na=False, na_values=[""])
    except (ValueError, UnicodeDecodeError, pd.errors.ParserError) as exc:
        raise ParseError(f"not a readable CSV: {exc}", source=SOURCE, url=source_url) from None
    missing = [c for c in COLUMNS if c not in raw.columns]
    if missing:
        raise ParseError(f"missing columns {missing}", source=SOURCE, url=source_url)
    if raw.empty:
        raise ParseError("the file has no data rows", source=SOURCE, url=source_url)

    values = pd.to_numeric(raw["import_value_usd"], errors="coerce")
    bad = raw.index[values.isna() | (values < 0)].tolist()
    if bad:
        raise ParseError(f"import_value_usd is not a non-negative number in rows {bad[:5]}",
                         source=SOURCE, url=source_url)
    years = raw["year"].astype("str").str.strip()
    bad = raw.index[~years.str.fullmatch(r"\d{4}")].tolist()
    if bad:
        raise ParseError(f"year is not a four-digit year in rows {bad[:5]}: {raw.loc[bad[:5], 'year'].tolist()}",
                         source=SOURCE, url=source_url)
    bad = raw.index[~np.isfinite(values)].tolist()
    if bad:
        raise ParseError(f"import_value_usd is not a finite number in rows {bad[:5]}", source=SOURCE, url=source_url)
    aggregates = raw["is_aggregate_partner"].astype(str).str.lower().isin(["t", "true"])
    unknown = sorted(set(raw.loc[~raw["partner_iso3"].map(countries.is_iso3), "partner_iso3"].astype(str)))
    if unknown:
        raise ParseError(f"partner_iso3 values that are not ISO 3166 alpha-3: {unknown[:10]}",
                         source=SOURCE, url=source_url)

    tidy = pd.DataFrame(
        {
            "reporter": REPORTER,
            "partner": raw["partner_iso3"].astype("str"),
            # The pipeline flags group partners; none are flagged in the extract, but keep the rule.
            "partner_kind": aggregates.map({True: "area", False: "country"}).astype("str"),
            "flow": "import",
            "hs_code": raw["canonical_product_id"].astype("str").str.zfill(6),
            "period": years,
            "value_usd": values.astype("float64"),
            "net_weight_kg": pd.Series(float("nan"), index=raw.index, dtype="float64"),
            "estimated": False,  # US-reported figures, not mirror data (PROVENANCE §10)
            "source": SOURCE,
            "source_url": source_url,
            "retrieved_at": pd.Timestamp(retrieved_at).tz_convert("UTC").as_unit("us"),
        }
    )
    tidy = tidy.astype({c: "str" for c in ("reporter", "flow", "source", "source_url")})
    parts = tidy[tidy["partner_kind"] != "group"]
    world = parts.groupby(["reporter", "flow", "hs_code", "period"], as_index=False).agg(
        value_usd=("value_usd", "sum"), source=("source", "first"), source_url=("source_url", "first"),
        retrieved_at=("retrieved_at", "first"))
    world = world.assign(partner=WORLD, partner_kind="world", estimated=False,
                         net_weight_kg=pd.Series(float("nan"), index=world.index, dtype="float64"))
    world = world.astype({c: "str" for c in ("partner", "partner_kind")})
    tidy = pd.concat([tidy, world[list(tidy.columns)]], ignore_index=True)
    return validate_trade(tidy)


def read(path: Path, *, retrieved_at: datetime, source_url: str | None = None) -> pd.DataFrame:
    return parse(path.read_bytes(), source_url=source_url or f"file:{path.name}", retrieved_at=retrieved_at)
