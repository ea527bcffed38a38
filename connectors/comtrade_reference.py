"""UN Comtrade reference lists (no key needed): HS commodity descriptions.

``GET {base}/files/v1/app/reference/HS.json`` returns
``{"classCode": "HS", "results": [{"id": "280530", "text": "280530 - Earth-metals, rare; ...",
"parent": "2805", "aggrLevel": 6, ...}, ...]}`` in the newest HS vintage (H6 = HS2022).
"""

from __future__ import annotations

import json
import re

import pandas as pd

from connectors import http
from econsec import settings
from econsec.errors import ParseError

SOURCE = "un_comtrade"
HS_REFERENCE_PATH = "/files/v1/app/reference/HS.json"
_CODE = re.compile(r"^\d{2}(\d{2}){0,2}$")


def fetch_hs_reference() -> http.RawResponse:
    return http.get(SOURCE, settings.base_url("comtrade") + HS_REFERENCE_PATH)


def parse_hs_reference(content: bytes | str, *, url: str = HS_REFERENCE_PATH) -> pd.DataFrame:
    """``hs_code, description`` for every 2-, 4- and 6-digit code in the list."""
    try:
        payload = json.loads(content)
        results = payload["results"]
        rows = [(r["id"], r["text"]) for r in results]
        bad = next((i for i, (code, text) in enumerate(rows) if not isinstance(code, str) or not isinstance(text, str)),
                   None)
        if bad is not None:
            raise TypeError(f"result {bad} has id {rows[bad][0]!r} and text {rows[bad][1]!r}, not two strings")
    except (ValueError, TypeError, KeyError) as exc:
        raise ParseError(f"not a Comtrade HS reference list ({type(exc).__name__}: {exc})",
                         source=SOURCE, url=url) from None
    frame = pd.DataFrame(rows, columns=["hs_code", "text"], dtype="str")
    frame = frame[frame["hs_code"].str.match(_CODE)]
    if frame.empty:
        raise ParseError("the HS reference list has no HS codes", source=SOURCE, url=url)
    # "280530 - Earth-metals, rare; ..." -> "Earth-metals, rare; ..."
    prefix = frame["hs_code"] + " - "
    text = frame["text"]
    frame["description"] = [t[len(p):] if t.startswith(p) else t for t, p in zip(text, prefix, strict=True)]
    return frame[["hs_code", "description"]].reset_index(drop=True)


def describe(codes: list[str], reference: pd.DataFrame) -> pd.DataFrame:
    """Descriptions for ``codes``. A code missing from the (newer) reference vintage, such as
    HS2017's 854140 that HS2022 split up, is described by the codes that replaced it."""
    lookup = dict(zip(reference["hs_code"], reference["description"], strict=True))
    out = []
    for code in sorted(set(codes)):
        if code in lookup:
            out.append((code, lookup[code]))
            continue
        successors = sorted(c for c in lookup if len(c) == len(code) and c[:-1] == code[:-1] and c != code)
        parent = lookup.get(code[:4], "")
        if successors:
            text = (f"{parent} (HS2017 code, split in HS2022 into {', '.join(successors)})"
                    if parent else f"HS2017 code, split in HS2022 into {', '.join(successors)}")
        else:
            text = parent or "description not in the HS reference list"
        out.append((code, text))
    return pd.DataFrame(out, columns=["hs_code", "description"], dtype="str")
