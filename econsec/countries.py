"""Country codes: everything inside econsec is ISO 3166-1 alpha-3 (Taiwan = TWN).

Sources use their own codes. UN Comtrade uses M49-based numbers that differ from
M49 for a few countries (USA 842, India 699, France 251, Norway 579, Switzerland 757)
and reports Taiwan as 490 "Other Asia, nes"; so Comtrade codes are read through
Comtrade's own published partner list, and names and validity come from pycountry.
"""

from __future__ import annotations

from functools import lru_cache
from importlib import resources

import pandas as pd
import pycountry

from econsec.schema import WORLD

#: Comtrade reports trade with Taiwan under 490 "Other Asia, nes" (API_FORMATS.md 1.4).
COMTRADE_TAIWAN = 490
COMTRADE_WORLD = 0
TAIWAN = "TWN"

#: China's special administrative regions, for the "China incl. Hong Kong and Macao" variant.
CHINA = "CHN"
CHINA_WITH_SARS = ("CHN", "HKG", "MAC")

#: Aggregates used inside econsec where a source reports a group rather than a country
#: (partner_kind "world" or "area"). WLD/EUU/EMU/EAS are the World Bank's codes; codes in
#: ISO 3166's user-assigned range QMA-QZZ are econsec's own and can never clash with a country.
AGGREGATES = {
    WORLD: "World",
    "EUU": "European Union",
    "EMU": "Euro area",
    "EAS": "East Asia & Pacific",
    "QAS": "ASEAN",
    "QUJ": "United States + Japan",
    "QNE": "Areas not elsewhere specified",
}
#: Codes some sources use for countries that ISO 3166-1 does not (or no longer) list.
NON_ISO_COUNTRIES = {"XKX": "Kosovo", "ANT": "Netherlands Antilles (former)"}
EXTRA_NAMES = {**AGGREGATES, **NON_ISO_COUNTRIES}


@lru_cache(maxsize=1)
def comtrade_partners() -> pd.DataFrame:
    """Comtrade partner list: code (int), iso3, name, kind ('country' | 'world' | 'area')."""
    path = resources.files("econsec") / "reference" / "comtrade_partner_areas.csv"
    with resources.as_file(path) as p:
        ref = pd.read_csv(p, dtype={"iso_3": "str"}, keep_default_na=False)
    out = pd.DataFrame({"code": ref["id"].astype(int), "name": ref["country"]})
    iso = ref["iso_3"].where(ref["iso_3"].map(is_iso3), "")
    out["iso3"] = iso
    out.loc[out["code"] == COMTRADE_TAIWAN, "iso3"] = TAIWAN
    out["kind"] = "area"
    out.loc[out["iso3"] != "", "kind"] = "country"
    out.loc[out["code"] == COMTRADE_WORLD, ["iso3", "kind"]] = [WORLD, "world"]
    # Former and successor codes can share an ISO3 (e.g. 280/276 Germany): keep all codes.
    return out


@lru_cache(maxsize=1)
def _comtrade_index() -> dict[int, tuple[str, str]]:
    table = comtrade_partners()
    return {int(c): (i, k) for c, i, k in zip(table["code"], table["iso3"], table["kind"], strict=True)}


def comtrade_to_iso3(code: int) -> tuple[str, str]:
    """``(iso3, kind)`` for a Comtrade partner/reporter code.

    Areas without an ISO3 ("Areas, nes" 899, "Bunkers" 837, ...) return ``("", "area")``;
    unknown codes raise KeyError so the caller can name them in its own error.

    >>> comtrade_to_iso3(490)
    ('TWN', 'country')
    >>> comtrade_to_iso3(842)
    ('USA', 'country')
    """
    return _comtrade_index()[int(code)]


def is_iso3(code: object) -> bool:
    """An upper-case ISO 3166-1 alpha-3 code of a country (pycountry's lookup ignores case; we don't)."""
    return (isinstance(code, str) and len(code) == 3 and code.isascii() and code.isupper()
            and pycountry.countries.get(alpha_3=code) is not None)


#: Short names that would otherwise be shared by two countries ("Congo, The Democratic Republic of the"
#: and "Congo" would both be "Congo" in a partner list).
DISTINCT_NAMES = {"COD": "DR Congo", "COG": "Congo", "VGB": "British Virgin Islands", "VIR": "US Virgin Islands"}


def name(iso3: str) -> str:
    """A short English name for display, one per country: 'Korea, Republic of' -> 'South Korea'."""
    if iso3 in EXTRA_NAMES:
        return EXTRA_NAMES[iso3]
    if iso3 in DISTINCT_NAMES:
        return DISTINCT_NAMES[iso3]
    if iso3 == TAIWAN:
        return "Taiwan"
    country = pycountry.countries.get(alpha_3=iso3)
    if country is None:
        return iso3
    return getattr(country, "common_name", None) or country.name.split(",")[0]
