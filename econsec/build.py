"""Build the bundled snapshot from ``shared/data`` through the connectors' own parsers.

``econsec snapshot build --from ../shared/data`` runs this. Each input is declared below
with its provenance and the store table it feeds; every file is read by the parser or
loader of its source, the tidy tables are validated, the indicators computed, and the
result written as Parquet with a manifest listing every input file, its sha256, rows in
and out, and where it came from. No figure is typed in here: all come from the files.
"""

from __future__ import annotations

import hashlib
import importlib
import json
import logging
import re
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import pandas as pd

from connectors import worldbank
from econsec import __version__
from econsec.errors import ConfigError
from econsec.schema import TABLE_KEYS, TABLE_VALIDATORS

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class BundledInput:
    id: str
    title: str
    source: str
    table: str  # the store table the rows go to (a key of econsec.schema.TABLE_VALIDATORS)
    files: tuple[str, ...]  # relative to the shared data folder
    loader: str  # "module:function", called as function(path, retrieved_at=..., source_url=..., **options)
    origin: str  # where the bytes came from, as PROVENANCE.md states it
    flags: tuple[str, ...] = ()  # "derived", "transcribed"
    caveats: tuple[str, ...] = ()
    options: tuple[tuple[str, object], ...] = ()  # extra loader arguments, e.g. a country filter

    def load(self, path: Path, retrieved_at: datetime) -> pd.DataFrame:
        module, function = self.loader.split(":")
        read = getattr(importlib.import_module(module), function)
        return read(path, retrieved_at=retrieved_at, source_url=f"file:{path.name}", **dict(self.options))


INPUTS: tuple[BundledInput, ...] = (
    BundledInput(
        id="us_imports_by_supplier",
        title="US imports by supplier country: rare earths, magnets, semiconductors and equipment, 2018–2025",
        source="un_comtrade",
        table="trade",
        files=("comtrade/us_imports_by_supplier/fct_supplier_share.csv",),
        loader="connectors.supplier_share:read",
        origin="akashok1/semiconductor-rare-earth-supply-chain-risk@72a6515c9fbc90712a09e3fe9b552d767f75dfc0:"
        "exports/fct_supplier_share.csv (UN Comtrade API v1, reporter 842, flow M, all partners)",
        flags=("derived",),
        caveats=(
            "Processed by a third-party pipeline from UN Comtrade API v1 pulls: the World row was dropped, "
            "partner 490 relabelled Taiwan, and HS2022 successors summed back into HS2017 854140 and 854150.",
            "No value below about US$2,000 appears (a reporting floor); very small suppliers are missing.",
            "2025 is the newest year and may still be revised by UN Comtrade.",
        ),
    ),
    BundledInput(
        id="quad_critical_mineral_imports",
        title="US, Japan, India and Australia imports of natural graphite, cobalt oxides and lithium oxide "
        "from the World and from China, 2019–2024",
        source="un_comtrade",
        table="trade",
        files=(
            "comtrade/extracts/quad_imports_from_world_hs2504_2822_282520_2019_2024.xlsx",
            "comtrade/extracts/quad_imports_from_china_hs2504_2822_282520_2019_2024.xlsx",
        ),
        loader="connectors.comtrade:read_extract",
        origin="areeshafirdaus01/quad-critical-minerals-supply-chain@2eb108851db7a5c1483dd600b1732bac465d3920:"
        "raw-data/p3 minerals quad {world,china}.xlsx (Comtrade Plus downloads)",
        caveats=(
            "Only two partners per product: the World total and China. China's share is measurable; "
            "supplier concentration (HHI, top suppliers) is not.",
        ),
    ),
    BundledInput(
        id="worldbank_wdi",
        title="World Development Indicators: R&D, researchers, high-tech exports, FDI, GDP, growth, openness, "
        "patents, IP charges (focus countries and World, EU, East Asia & Pacific)",
        source="worldbank",
        table="series",
        files=tuple(f"worldbank_wdi/{series}.csv" for series in worldbank.SERIES_INFO),
        loader="connectors.worldbank:read_wdi_csv",
        options=(("countries", worldbank.DEFAULT_COUNTRIES),),
        origin="datasets/world-development-indicators@4ebec5a2273f531ba238a34dbe440394dc5a6c4b:"
        "indicators/<code>/data.csv (datahub.io mirror of WDI, update of 2026-07-01)",
        caveats=(
            "Taiwan is not covered by the World Development Indicators.",
            "R&D and researcher series come from UNESCO UIS via the World Bank; latest years are often missing.",
        ),
    ),
)


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def collected_date(shared: Path) -> datetime:
    """The date the shared files were collected, as PROVENANCE.md states it ("Collected YYYY-MM-DD")."""
    text = (shared / "PROVENANCE.md").read_text(encoding="utf-8")
    match = re.search(r"Collected (\d{4}-\d{2}-\d{2})", text)
    if not match:
        raise ConfigError(f"{shared / 'PROVENANCE.md'} does not say when the files were collected")
    return datetime.fromisoformat(match.group(1)).replace(tzinfo=UTC)


def _raw_rows(path: Path) -> int:
    """Rows in the input as its publisher laid it out (data rows of a CSV, rows of the first sheet)."""
    if path.suffix in (".xlsx", ".xls"):
        return len(pd.read_excel(path))
    if path.suffix == ".parquet":
        return len(pd.read_parquet(path))
    with open(path, "rb") as fh:
        return max(sum(1 for _ in fh) - 1, 0)


def _coverage(frame: pd.DataFrame) -> dict:
    coverage: dict[str, object] = {"periods": [str(frame["period"].min()), str(frame["period"].max())]}
    for column, name in (("reporter", "reporters"), ("country", "countries"), ("hs_code", "hs_codes"),
                         ("commodity", "commodities")):
        if column in frame.columns:
            coverage[name] = sorted(str(v) for v in frame[column].unique())
    return coverage


def load_inputs(shared: Path) -> tuple[dict[str, pd.DataFrame], list[dict]]:
    """Every bundled input through its loader: validated tidy tables and the manifest entries."""
    if not (shared / "PROVENANCE.md").is_file():
        raise ConfigError(f"{shared} is not the shared data folder (no PROVENANCE.md there)")
    retrieved_at = collected_date(shared)
    frames: dict[str, list[pd.DataFrame]] = {}
    entries = []
    for spec in INPUTS:
        files, loaded = [], []
        for rel in spec.files:
            path = shared / rel
            if not path.is_file():
                raise ConfigError(f"bundled input {spec.id}: {path} is missing")
            frame = spec.load(path, retrieved_at)
            loaded.append(frame)
            files.append({"path": rel, "sha256": _sha256(path), "bytes": path.stat().st_size,
                          "rows_in": _raw_rows(path), "rows_out": len(frame)})
            log.info("%s: %s -> %d tidy rows", spec.id, rel, len(frame))
        frames.setdefault(spec.table, []).extend(loaded)
        entries.append({
            "id": spec.id, "title": spec.title, "source": spec.source, "table": spec.table, "origin": spec.origin,
            "loader": spec.loader, "options": {k: list(v) if isinstance(v, tuple) else v for k, v in spec.options},
            "retrieved": retrieved_at.date().isoformat(), "flags": list(spec.flags),
            "caveats": list(spec.caveats), "files": files,
            "coverage": _coverage(pd.concat(loaded, ignore_index=True)),
        })
    # Two inputs may never describe the same row: each table's key check enforces it.
    tables = {name: TABLE_VALIDATORS[name](pd.concat(parts, ignore_index=True)) for name, parts in frames.items()}
    return tables, entries


def build(shared: Path, out: Path, reference_dir: Path | None = None) -> dict:
    """Build the snapshot into ``out`` (a store generation layout) and return its manifest."""
    from connectors import comtrade_reference
    from indicators import concentration

    tables, entries = load_inputs(shared)
    tables = {name: frame.sort_values(TABLE_KEYS[name], kind="mergesort").reset_index(drop=True)
              for name, frame in tables.items()}
    trade = tables["trade"]
    tables.update(concentration.compute(trade))

    hs_path = shared / "recorded/comtrade/files_v1_app_reference_HS.json"
    reference = comtrade_reference.parse_hs_reference(hs_path.read_bytes(), url=f"file:{hs_path.name}")
    descriptions = comtrade_reference.describe([c for c in trade["hs_code"].unique() if c != "TOTAL"], reference)

    manifest = {
        "built_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "econsec_version": __version__,
        "built_from": "shared/data",
        "datasets": entries,
        "tables": {name: {"rows": len(frame), "columns": list(frame.columns)} for name, frame in tables.items()},
        "reference": {"hs_descriptions": {"path": "recorded/comtrade/files_v1_app_reference_HS.json",
                                          "sha256": _sha256(hs_path), "rows_out": len(descriptions)}},
    }
    out.mkdir(parents=True, exist_ok=True)
    for old in out.glob("*.parquet"):
        old.unlink()
    for name, frame in tables.items():
        frame.to_parquet(out / f"{name}.parquet", index=False)
    (out / "manifest.json").write_text(json.dumps(manifest, indent=2, sort_keys=True) + "\n")
    if reference_dir is not None:
        descriptions.to_csv(reference_dir / "hs_descriptions.csv", index=False)
    return manifest
