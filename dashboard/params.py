"""Query-string values shared by the pages: each page validates its URL against the store and
falls back to defaults with a notice, never a traceback."""

from __future__ import annotations


def one(value: object) -> str | None:
    """A query value as text; a repeated parameter (a list) counts as bad."""
    if value is None or value == "":
        return None
    return value if isinstance(value, str) else repr(value)


def year_range(start: object, end: object, years: list[int], notices: list[str]) -> tuple[int, int]:
    """``(start, end)`` within ``years`` (ascending); bad values fall back to the data's span, reversed
    ones are swapped, and each correction adds a notice."""
    lo, hi = years[0], years[-1]
    bounds = []
    for label, raw, default in (("start", start, lo), ("end", end, hi)):
        text = one(raw)
        if text is None:
            bounds.append(default)
        elif text.isdigit() and lo <= int(text) <= hi:
            bounds.append(int(text))
        else:
            notices.append(f"Ignored {label} year “{text}”: the data cover {lo}–{hi}.")
            bounds.append(default)
    s, e = bounds
    if s > e:
        notices.append(f"Start year {s} is after end year {e}; the two were swapped.")
        s, e = e, s
    return s, e


def preferred(choice: str, choices: list[str]) -> str:
    """The default of a control: ``choice`` where the data has it, else the first of ``choices``."""
    return choice if choice in choices else choices[0]


def reporter(value: object, reporters: list[str], default: str, name, notices: list[str]) -> str:
    """The reporter a URL asks for, if the data has it (case-insensitive), else ``default`` with a notice."""
    text = one(value)
    if text is None:
        return default
    if text.upper() in reporters:
        return text.upper()
    notices.append(f"No data for reporter “{text}”; showing {name(default)} instead.")
    return default
