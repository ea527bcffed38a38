"""Small helpers every parser shares: decoding a body, a short snippet for messages, UTC stamps."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

import pandas as pd

from econsec.errors import ConfigError, ParseError


def decode(content: bytes | str, fail: Callable[[str], ParseError]) -> str:
    """The body as text: UTF-8 with any byte-order mark removed; ``fail(...)`` if it is not UTF-8."""
    if isinstance(content, str):
        return content.lstrip("\ufeff")
    try:
        return content.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise fail(f"the response is not UTF-8 text (byte {exc.start})") from None


def snippet(text: str, size: int = 80) -> str:
    """The start of a body on one line, for an error message."""
    return " ".join(text[:size].split())


def utc(when: datetime) -> pd.Timestamp:
    """A retrieval time as the schemas store it (UTC, microseconds); naive times are refused."""
    stamp = pd.Timestamp(when)
    if stamp.tzinfo is None:
        raise ConfigError(f"retrieved_at {when!r} must be timezone-aware")
    return stamp.tz_convert("UTC").as_unit("us")
