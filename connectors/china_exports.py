"""Loader for China's monthly exports of graphite and unwrought gallium/germanium by partner (derived table).

The numbers are **UN Comtrade's**, but the file is **derived by a third party**: the ETL of
``qennis/ChinaCriticalMineralComtrade`` (``shared/data/PROVENANCE.md`` §2.3; no licence file, the README asks for
citation) pulled monthly Comtrade v1 records for reporter 156 (China), flow X (exports), one call per partner in
its own list of about 40 partners, and wrote ``deep_dive_hs6_monthly.csv`` by grouping those records by month,
partner name and the first six digits of ``cmdCode`` and summing ``primaryValue`` (``val``, US dollars) and
``primaryQuantity`` (``qty``). The source id is therefore ``un_comtrade``; the loader keeps the numbers as they
are and records the file it read.

Quirks of the derived table, as read from that ETL:

* ``partner_name`` is the ETL's own English label for a Comtrade partner code. "Taiwan" is Comtrade partner 490
  "Other Asia, nes", which is how Comtrade reports Taiwan (API_FORMATS.md §1.4): loaded as TWN.
  There is no World or total row: the partners are a selection, so they do not add up to China's total exports.
* ``qty`` is the sum of ``primaryQuantity``, kilograms for these three codes (their WCO unit is kg). Where
  Comtrade gave no quantity the ETL's sum wrote 0, so ``qty`` <= 0 is loaded as missing (NA), never as 0 kg.
* ``uv`` (= val / qty, computed by the ETL, ``inf`` where qty is 0) is not loaded: indicators recompute it.

The sibling table ``country_monthly_stats.csv`` is **not** loaded: its ``broad_group`` ("Graphite",
"Gallium/Germanium", "Rare Earths", "Polysilicon") is a basket of several HS6 codes (e.g. Gallium/Germanium =
811292, 811299, 282560, 282590, 285000, 285390 in the ETL), not an HS code, so it does not fit TRADE; it also
keeps only each group's top eight partners. Its Graphite rows equal the sum of 250410 and 380110 here.
"""

from __future__ import annotations

import re
from datetime import datetime
from io import BytesIO
from pathlib import Path

import numpy as np
import pandas as pd
import pycountry

from econsec.errors import ParseError
from econsec.schema import validate_trade

SOURCE = "un_comtrade"
TABLE = "trade"
REPORTER = "CHN"
FLOW = "export"
COLUMNS = ("period_dt", "partner_name", "hs6", "val", "qty")
PERIOD_DT = re.compile(r"^(\d{4}-(0[1-9]|1[0-2]))-01$")  # the first day of the month
HS6 = re.compile(r"^\d{6}$")

#: The ETL's partner labels that pycountry's exact lookup does not resolve (its CODE_TO_NAME), -> ISO3.
#: Every other label must resolve through pycountry; an unknown one is a ParseError.
PARTNER_EXCEPTIONS: dict[str, str] = {
    "Russia": "RUS",  # ISO: Russian Federation (Comtrade 643)
    "Turkey": "TUR",  # ISO: Türkiye (Comtrade 792)
    "UAE": "ARE",  # United Arab Emirates (Comtrade 784)
    "Taiwan": "TWN",  # Comtrade 490 "Other Asia, nes", relabelled by the ETL
}


def partner_code(name: str) -> str:
    """ISO3 for one of the ETL's partner labels; LookupError if unknown.

    >>> partner_code("South Korea")
    'KOR'
    """
    if name in PARTNER_EXCEPTIONS:
        return PARTNER_EXCEPTIONS[name]
    return pycountry.countries.lookup(name).alpha_3


def parse_deep_dive_hs6_monthly(content: bytes, *, source_url: str, retrieved_at: datetime) -> pd.DataFrame:
    """TRADE rows (CHN exports by partner, HS6, month) from ``deep_dive_hs6_monthly.csv``'s bytes."""
    url = source_url
    try:
        raw = pd.read_csv(BytesIO(content), dtype={"period_dt": "str", "partner_name": "str", "hs6": "str"},
                          keep_default_na=False, na_values=[""])
    except (ValueError, UnicodeDecodeError, pd.errors.ParserError, pd.errors.EmptyDataError) as exc:
        raise ParseError(f"not a readable CSV: {exc}", source=SOURCE, url=url) from None
    missing = [c for c in COLUMNS if c not in raw.columns]
    if missing:
        raise ParseError(f"missing columns {missing}", source=SOURCE, url=url)
    if raw.empty:
        raise ParseError("the file has no data rows", source=SOURCE, url=url)

    months = raw["period_dt"].fillna("").str.extract(PERIOD_DT)[0]
    bad = raw.index[months.isna()].tolist()
    if bad:
        raise ParseError(f"period_dt is not the first day of a month (YYYY-MM-01) in rows {bad[:5]}",
                         source=SOURCE, url=url)
    codes = raw["hs6"].fillna("")
    bad = raw.index[~codes.str.fullmatch(HS6)].tolist()
    if bad:
        raise ParseError(f"hs6 is not a 6-digit code in rows {bad[:5]}: {codes.loc[bad[:5]].tolist()}",
                         source=SOURCE, url=url)
    names = raw["partner_name"].fillna("")
    partners: dict[str, str] = {}
    unknown = []
    for name in sorted(set(names)):
        try:
            partners[name] = partner_code(name)
        except LookupError:
            unknown.append(name)
    if unknown:
        raise ParseError(f"partner names with no ISO3 (add them to PARTNER_EXCEPTIONS if they are countries): "
                         f"{unknown}", source=SOURCE, url=url)

    values = pd.to_numeric(raw["val"], errors="coerce")
    bad = raw.index[values.isna() | (values < 0) | np.isinf(values)].tolist()
    if bad:
        raise ParseError(f"val is not a non-negative number in rows {bad[:5]}", source=SOURCE, url=url)
    qty = pd.to_numeric(raw["qty"], errors="coerce")
    bad = raw.index[raw["qty"].notna() & (qty.isna() | np.isinf(qty))].tolist()
    if bad:
        raise ParseError(f"qty is not a number in rows {bad[:5]}", source=SOURCE, url=url)

    tidy = pd.DataFrame(
        {
            "reporter": REPORTER,
            "partner": names.map(partners).astype("str"),
            "partner_kind": "country",  # the file has no World or aggregate partner
            "flow": FLOW,
            "hs_code": codes.astype("str"),
            "period": months.astype("str"),
            "value_usd": values.astype("float64"),
            "net_weight_kg": qty.where(qty > 0).astype("float64"),  # 0 = not reported (see module docstring)
            "estimated": False,
            "source": SOURCE,
            "source_url": url,
            "retrieved_at": pd.Timestamp(retrieved_at).tz_convert("UTC").as_unit("us"),
        }
    )
    tidy = tidy.astype({c: "str" for c in ("reporter", "partner_kind", "flow", "source", "source_url")})
    keys = ["partner", "hs_code", "period"]
    dupes = tidy.duplicated(keys, keep=False)
    if dupes.any():
        first = raw.loc[dupes, ["period_dt", "partner_name", "hs6"]].head(3).to_dict("records")
        raise ParseError(f"more than one row for the same month, partner and hs6: {first}", source=SOURCE, url=url)
    return validate_trade(tidy)


def read_deep_dive_hs6_monthly(path: Path, *, retrieved_at: datetime, source_url: str | None = None) -> pd.DataFrame:
    """TRADE rows from ``china_exports_deep_dive_hs6_monthly_*.csv``."""
    url = source_url or f"file:{path.name}"
    try:
        content = path.read_bytes()
    except OSError as exc:
        raise ParseError(f"cannot read {path}: {exc.strerror}", source=SOURCE, url=url) from None
    return parse_deep_dive_hs6_monthly(content, source_url=url, retrieved_at=retrieved_at)
