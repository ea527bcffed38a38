"""Which module connects each source, and which store table its rows go to.

An API connector module has:

* ``SOURCE`` (an id of :mod:`econsec.sources`) and ``TABLE`` (a key of ``econsec.schema.TABLE_VALIDATORS``);
* ``default_queries() -> list`` — what the dashboard needs from the source;
* ``fetch(query, *, session=None) -> list[RawResponse]`` — the network part;
* ``parse(content: bytes, *, source_url: str, retrieved_at: datetime) -> DataFrame`` — pure, returns
  rows validated against ``TABLE``'s schema, or raises ParseError / EmptyResultError.

``econsec refresh`` drives them through exactly these names. File-only sources (national tables
with no API) have loaders used by the snapshot build instead and are listed in ``FILE_ONLY``.
"""

from __future__ import annotations

import importlib
from types import ModuleType

from econsec.errors import ConfigError

API_CONNECTORS: dict[str, str] = {
    "un_comtrade": "connectors.comtrade",
    "worldbank": "connectors.worldbank",
    "imf": "connectors.imf",
    "us_census": "connectors.census",
    "usgs": "connectors.usgs",
    "oecd": "connectors.oecd",
}

#: Sources with no public API that econsec can call; their files are loaded by the snapshot build.
FILE_ONLY: dict[str, str] = {
    "japan_customs": "connectors.japan_customs",
    "taiwan_customs": "connectors.taiwan_customs",
    "bank_indonesia": "connectors.bank_indonesia",
}


def connector(source: str) -> ModuleType:
    """The connector module of an API source; ConfigError names the known ones otherwise."""
    if source in FILE_ONLY:
        raise ConfigError(f"{source} has no API that econsec can call; its data comes from files "
                          f"(rebuild with `econsec snapshot build`)")
    try:
        name = API_CONNECTORS[source]
    except KeyError:
        known = ", ".join(sorted(API_CONNECTORS))
        raise ConfigError(f"unknown source {source!r}; sources with an API: {known}") from None
    return importlib.import_module(name)
