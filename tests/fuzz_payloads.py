"""Hypothesis strategies that damage real payloads (tests/data/<source>/) the way APIs and files go wrong.

Each strategy starts from a recorded payload and applies one or more mutations:

* structural, by format: JSON (a node's value replaced by a wrong type, a huge, negative or NaN/inf
  value; a key dropped, an extra key, a list item duplicated or emptied), CSV (a cell replaced, a
  column dropped or renamed, a row duplicated or dropped, an extra column), XML (an attribute changed
  or removed, an element dropped, duplicated or renamed), xlsx (a cell rewritten through openpyxl);
* byte level, for every format: truncated, empty, random bytes, re-encoded (Latin-1, UTF-16, a BOM),
  bytes flipped, a line duplicated or dropped.

Used by tests/test_fuzz_parsers.py.
"""

from __future__ import annotations

import copy
import csv
import io
import json
import xml.etree.ElementTree as ET

from hypothesis import strategies as st

#: Values a field should never hold, or holds only at the edge: wrong types, huge, negative, NaN/inf, empty.
ODD_TEXT = ("", " ", "-", "NaN", "nan", "inf", "-inf", "Infinity", "-1", "-123456.5", "1e309", "-1e309",
            "1e308", "99999999999999999999999999999", "0", "null", "None", "W", "E", ">95", "x", "é中",
            "\x00", "2024-13", "0000", "9999", "19", "TOTAL", "USA", "True", "1,2", "--5", "'1'")
ODD_JSON = (None, True, False, 0, -1, -1.5, 1e308, -1e308, float("nan"), float("inf"), float("-inf"),
            10**30, -(10**30), "", "NaN", "inf", "-1", "abc", "é中", [], {}, [1, 2], {"a": 1})


def _index(draw, n: int) -> int:  # type: ignore[no-untyped-def]
    return draw(st.integers(min_value=0, max_value=max(n - 1, 0)))


# -------------------------------------------------------------------------------------------- bytes
@st.composite
def byte_mutation(draw, content: bytes) -> bytes:  # type: ignore[no-untyped-def]
    kind = draw(st.sampled_from(["truncate", "empty", "random", "encode", "flip", "insert", "lines"]))
    if kind == "truncate":
        return content[: _index(draw, len(content) + 1)]
    if kind == "empty":
        return draw(st.sampled_from([b"", b" ", b"\n", b"\xef\xbb\xbf", b"null", b"{}", b"[]", b"<a/>"]))
    if kind == "random":
        return draw(st.binary(max_size=256))
    if kind == "encode":
        text = content.decode("utf-8", "replace")
        codec = draw(st.sampled_from(["latin-1", "utf-16", "utf-16-le", "utf-8-sig", "cp1252", "shift_jis"]))
        return text.encode(codec, "replace")
    if kind == "flip":
        out = bytearray(content)
        for _ in range(draw(st.integers(1, 8))):
            if out:
                out[_index(draw, len(out))] = draw(st.integers(0, 255))
        return bytes(out)
    if kind == "insert":
        at = _index(draw, len(content) + 1)
        return content[:at] + draw(st.binary(min_size=1, max_size=16)) + content[at:]
    lines = content.splitlines(keepends=True)
    if not lines:
        return content
    i = _index(draw, len(lines))
    if draw(st.booleans()):
        lines.insert(i, lines[i])
    else:
        del lines[i]
    return b"".join(lines)


# -------------------------------------------------------------------------------------------- JSON
def _nodes(value, path=()):  # type: ignore[no-untyped-def]
    yield path, value
    if isinstance(value, dict):
        for key, child in value.items():
            yield from _nodes(child, (*path, key))
    elif isinstance(value, list):
        for i, child in enumerate(value):
            yield from _nodes(child, (*path, i))


def _get(value, path):  # type: ignore[no-untyped-def]
    for step in path:
        value = value[step]
    return value


@st.composite
def json_mutation(draw, content: bytes) -> bytes:  # type: ignore[no-untyped-def]
    doc = copy.deepcopy(json.loads(content))
    for _ in range(draw(st.integers(1, 3))):
        nodes = list(_nodes(doc))
        path, node = nodes[_index(draw, len(nodes))]
        kind = draw(st.sampled_from(["replace", "drop", "extra", "duplicate", "empty"]))
        if not path:
            if kind == "replace":
                doc = copy.deepcopy(draw(st.sampled_from(ODD_JSON)))  # never the shared constant itself
            continue
        parent = _get(doc, path[:-1])
        step = path[-1]
        if kind == "replace":
            parent[step] = copy.deepcopy(draw(st.sampled_from(ODD_JSON)))
        elif kind == "drop":
            del parent[step]
        elif kind == "extra" and isinstance(node, dict):
            node[draw(st.sampled_from(["extra", "value", "id", "", "data"]))] = copy.deepcopy(
                draw(st.sampled_from(ODD_JSON)))
        elif kind == "duplicate" and isinstance(parent, list):
            parent.insert(step, copy.deepcopy(node))
        elif kind == "empty" and isinstance(node, list | dict):
            parent[step] = type(node)()
    return json.dumps(doc, allow_nan=True).encode()  # NaN and Infinity as Python's json writes them


# -------------------------------------------------------------------------------------------- CSV
@st.composite
def csv_mutation(draw, content: bytes, encoding: str = "utf-8") -> bytes:  # type: ignore[no-untyped-def]
    text = content.decode(encoding)
    bom = text.startswith("\ufeff")
    rows = list(csv.reader(io.StringIO(text.lstrip("\ufeff"), newline="")))
    for _ in range(draw(st.integers(1, 4))):
        if not rows:
            break
        width = max(len(r) for r in rows)
        kind = draw(st.sampled_from(["cell", "cell", "cell", "drop_col", "rename", "dup_row", "drop_row",
                                     "extra_col", "short_row"]))
        r, c = _index(draw, len(rows)), _index(draw, width)
        if kind == "cell" and c < len(rows[r]):
            rows[r][c] = draw(st.sampled_from(ODD_TEXT) | st.text(max_size=12))
        elif kind == "drop_col":
            rows = [row[:c] + row[c + 1:] for row in rows]
        elif kind == "rename" and c < len(rows[0]):
            rows[0][c] = draw(st.sampled_from(["", "x", rows[0][c].upper() + "_", rows[0][c] + " "]))
        elif kind == "dup_row":
            rows.insert(r, list(rows[r]))
        elif kind == "drop_row":
            del rows[r]
        elif kind == "extra_col":
            rows = [[*row, draw(st.sampled_from(ODD_TEXT))] for row in rows]
        elif kind == "short_row":
            rows[r] = rows[r][: c]
    out = io.StringIO(newline="")
    csv.writer(out, lineterminator="\n").writerows(rows)
    return (("\ufeff" if bom else "") + out.getvalue()).encode(encoding, "replace")


# -------------------------------------------------------------------------------------------- XML
@st.composite
def xml_mutation(draw, content: bytes) -> bytes:  # type: ignore[no-untyped-def]
    root = ET.fromstring(content)
    for _ in range(draw(st.integers(1, 3))):
        elements = [(parent, child) for parent in root.iter() for child in parent]
        if not elements:
            break
        parent, element = elements[_index(draw, len(elements))]
        kind = draw(st.sampled_from(["attr", "attr", "drop_attr", "drop", "duplicate", "rename", "text"]))
        names = sorted(element.attrib)
        if kind == "attr" and names:
            element.set(names[_index(draw, len(names))], draw(st.sampled_from(ODD_TEXT) | st.text(max_size=8)))
        elif kind == "drop_attr" and names:
            del element.attrib[names[_index(draw, len(names))]]
        elif kind == "drop":
            parent.remove(element)
        elif kind == "duplicate":
            parent.insert(list(parent).index(element), copy.deepcopy(element))
        elif kind == "rename":
            element.tag = draw(st.sampled_from(["Obs", "Series", "DataSet", "Error", "x"]))
        elif kind == "text":
            element.text = draw(st.sampled_from(ODD_TEXT))
    return ET.tostring(root, encoding="utf-8", xml_declaration=True)


# -------------------------------------------------------------------------------------------- xlsx
@st.composite
def xlsx_mutation(draw, content: bytes) -> bytes:  # type: ignore[no-untyped-def]
    import openpyxl

    book = openpyxl.load_workbook(io.BytesIO(content))
    sheet = book.worksheets[0]
    for _ in range(draw(st.integers(1, 3))):
        r = draw(st.integers(1, max(sheet.max_row, 1)))
        c = draw(st.integers(1, max(sheet.max_column, 1)))
        kind = draw(st.sampled_from(["cell", "cell", "number", "delete_row", "delete_col"]))
        if kind == "cell":
            sheet.cell(r, c).value = draw(st.sampled_from([t for t in ODD_TEXT if t.isprintable()])) or None
        elif kind == "number":
            sheet.cell(r, c).value = draw(st.sampled_from([-1.0, -1e308, 1e308, 0, 10**15, 3.5]))
        elif kind == "delete_row":
            sheet.delete_rows(r)
        else:
            sheet.delete_cols(c)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


STRUCTURAL = {"json": json_mutation, "csv": csv_mutation, "xml": xml_mutation, "xlsx": xlsx_mutation}


@st.composite
def damaged(draw, seeds: dict[str, bytes], fmt: str, encoding: str = "utf-8") -> tuple[str, bytes]:  # type: ignore[no-untyped-def]
    """``(seed name, damaged bytes)``: mostly structural mutations of a real payload, else byte-level ones
    (sometimes both). The unmodified seed is drawn too, so the valid path stays exercised."""
    name = draw(st.sampled_from(sorted(seeds)))
    content = seeds[name]
    kind = draw(st.sampled_from(["structural"] * 5 + ["bytes"] * 3 + ["both", "as_is"]))
    if kind in ("structural", "both"):
        mutate = STRUCTURAL[fmt]
        content = draw(mutate(content, encoding) if fmt == "csv" else mutate(content))
    if kind in ("bytes", "both"):
        content = draw(byte_mutation(content))
    return name, content
