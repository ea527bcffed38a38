"""The public sources econsec reads, as data: what each is, its licence, where it lives.

Connectors use the ``id`` in the ``source`` column of every tidy row; pages and exports
use ``name`` and ``credit`` for their source lines.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Source:
    id: str
    name: str
    credit: str  # the short form for a chart's source line
    url: str
    licence: str
    provides: str


UN_COMTRADE = Source(
    id="un_comtrade",
    name="UN Comtrade",
    credit="UN Comtrade",
    url="https://comtradeplus.un.org/",
    licence="UN Comtrade terms of use (free for non-commercial use with attribution)",
    provides="Bilateral merchandise trade by HS code, reporter, partner and period (API v1).",
)

SOURCES: tuple[Source, ...] = (UN_COMTRADE,)
SOURCES_BY_ID = {s.id: s for s in SOURCES}


def get(source_id: str) -> Source:
    try:
        return SOURCES_BY_ID[source_id]
    except KeyError:
        from econsec.errors import ConfigError

        known = ", ".join(SOURCES_BY_ID)
        raise ConfigError(f"unknown source {source_id!r}; known sources: {known}") from None
