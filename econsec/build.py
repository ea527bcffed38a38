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

from connectors import japan_customs, worldbank
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
    # "module:function" (or one per file), called as function(path, retrieved_at=..., source_url=..., **options)
    loader: str | tuple[str, ...]
    origin: str  # where the bytes came from, as PROVENANCE.md states it
    flags: tuple[str, ...] = ()  # "derived", "transcribed"
    caveats: tuple[str, ...] = ()
    options: tuple[tuple[str, object], ...] = ()  # extra loader arguments, e.g. a country filter

    def loader_of(self, index: int) -> str:
        return self.loader if isinstance(self.loader, str) else self.loader[index]

    def load(self, index: int, path: Path, retrieved_at: datetime) -> pd.DataFrame:
        module, function = self.loader_of(index).split(":")
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
    BundledInput(
        id="imf_dots_annual",
        title="IMF Direction of Trade Statistics: exports and imports by partner, 23 reporters, 2000–2020",
        source="imf",
        table="trade",
        files=("imf_dots/dots_annual_focus_reporters_by_partner_2000_2020.csv",),
        loader="connectors.imf_dots:read_dots_annual",
        origin="SamLeBlanc/Direction-of-Trade-Map@a0b40afbac7cefc59a4b35c1ebe541ac546aafad:data/DOTS/DOTS_<n>.xlsx "
        "(IMF DOTS Excel exports), melted to long format, years before 2000 dropped",
        flags=("derived",),
        caveats=(
            "Reshaped from the IMF's Excel exports (wide to long; years before 2000 dropped); values unchanged.",
            "The annual history stops in 2020; later years come from the IMF's IMTS API (`econsec refresh`).",
            "Taiwan is not a reporter in DOTS (it appears only as a partner).",
        ),
    ),
    BundledInput(
        id="imf_dots_monthly",
        title="IMF Direction of Trade Statistics: monthly exports and imports of the ASEAN members, China and the "
        "US with 24 focus partners, 2011–2023",
        source="imf",
        table="trade",
        files=("imf_dots/dots_monthly_asean10_china_us_focus_partners_2011M01_2023M12.csv",),
        loader="connectors.imf_dots:read_dots_monthly",
        origin="Dem-guy/Hedging-against-Trump@ffc9bd528ae9be4bf25d779b69816ed76edb6761:"
        "Data/Exports_and_Imports_<country>.xlsx (IMF DOTS monthly downloads of 2024-07-16), reshaped to long",
        flags=("derived",),
        caveats=(
            "Reshaped from IMF DOTS monthly downloads; the IMF footnote marks were split into flags "
            "('e' = estimated).",
            "ASEAN reporters end in 2022-12; China and the US in 2023-12.",
        ),
    ),
    BundledInput(
        id="japan_customs_by_area",
        title="Japan's exports and imports by area and goods (total, semiconductors, ICs, chip-making machinery, "
        "non-ferrous ores and metals), 2009–2025",
        source="japan_customs",
        table="customs",
        files=("japan_customs/japan_trade_by_area_goods_annual_2009_2026.csv",),
        loader="connectors.japan_customs:read_trade_by_area",
        options=(("goods", japan_customs.SNAPSHOT_GOODS),),
        origin="mitsuoxv/jp-trade@a66ddb14f8406405522c1feedb119e8b1b0f8435:data/trade_year.rda (Japan MOF / Customs "
        "summary tables via e-Stat), converted to CSV",
        flags=("derived",),
        caveats=(
            "Values in yen: the source's billion-yen figures (rescaled by a third party from thousand yen).",
            "2026 is a partial year and is left out.",
        ),
    ),
    BundledInput(
        id="taiwan_exports_hs8542",
        title="Taiwan's exports of integrated circuits (HS 8542) by destination and in total, 2013–2024",
        source="taiwan_customs",
        table="trade",
        files=("taiwan_customs/taiwan_exports_hs8542_by_destination_2013_2025.csv",
               "taiwan_customs/taiwan_exports_hs8542_total_by_hs11_2013_2025.csv"),
        loader=("connectors.taiwan_customs:read_exports_by_destination",
                "connectors.taiwan_customs:read_exports_by_code"),
        origin="a0013333j-png/data-visualization-labs@5dff286360fd4f78e50ed2b56491ddf48b3a9207:"
        "self-extended-practice/semiconductor-tariff-impact-taiwan/data/raw/ (Taiwan Customs portal downloads)",
        caveats=(
            "Taiwan's 11-digit CCC codes are summed to HS6; destination names were mapped from Chinese with the "
            "downloader's own name list.",
            "2025 (January–July, preliminary) is left out.",
        ),
    ),
    BundledInput(
        id="usgs_mcs2026",
        title="USGS Mineral Commodity Summaries 2026: US net import reliance, US import sources, world "
        "production and reserves (cobalt, rare earths, lithium, graphite, gallium, germanium, nickel)",
        source="usgs",
        table="minerals",
        files=("usgs_mcs/net_import_reliance_mcs2026.csv", "usgs_mcs/us_import_sources_2021_2024_mcs2026.csv",
               "usgs_mcs/world_production_reserves_mcs2026.csv"),
        loader=("connectors.usgs:read_net_import_reliance", "connectors.usgs:read_import_sources",
                "connectors.usgs:read_world_production"),
        origin="pranava0x0/usgs-mineral-commodity-summaries@2514d2bf45d514b45435a62983869ba1738349ad:"
        "data/audit/<commodity>/data.json (parsed from the official MCS 2026 PDFs), transcribed by hand",
        flags=("transcribed",),
        caveats=(
            "Hand-transcribed from a third party's parse of the MCS 2026 PDFs, checked by re-summing; verify "
            "against the PDFs before publication.",
            "Only seven commodities are covered. '>95' is stored as 95; 'E' (net exporter) and 'W' (withheld) "
            "have no number.",
        ),
    ),
    BundledInput(
        id="oecd_us_fdi_asean",
        title="US direct investment in the ASEAN members: flows, positions and income, 2011–2022",
        source="oecd",
        table="fdi",
        files=("asean_fdi/oecd_fdi_usa_outward_to_asean_2011_2022.csv",),
        loader="connectors.oecd:read_fdi_csv",
        origin="Dem-guy/Hedging-against-Trump@ffc9bd528ae9be4bf25d779b69816ed76edb6761:Data/OECD.DAF.INV,"
        "DSD_FDI@DF_FDI_CTRY_IND_SUMM … .xlsx (OECD Data Explorer export), flattened to CSV",
        flags=("derived",),
        caveats=("Confidential cells ('C') have no value.",),
    ),
    BundledInput(
        id="bank_indonesia_fdi",
        title="Direct investment flows into Indonesia by country of origin, 2004–2020",
        source="bank_indonesia",
        table="fdi",
        files=("asean_fdi/bank_indonesia_seki_V33_fdi_by_country_of_origin.xls",),
        loader="connectors.bank_indonesia:read_seki_fdi",
        origin="dzulfiqarfr/jakpost-graphics@7bb45b1695482c62bfe1fa5aae2a18db23e7b9d2:"
        "2022/2022-01-04-trade-investment-china-us/data/bi-fdi-raw.xls (Bank Indonesia SEKI table V.33)",
        caveats=(
            "Annual columns only; 2020 is provisional. The 'other' residual changes definition between the "
            "2004–2012 and 2010–2021 editions of the table.",
        ),
    ),
    BundledInput(
        id="comtrade_hs8542_exports",
        title="Exports of integrated circuits (HS 8542) to the World by every reporting economy, 2013–2024, and "
        "monthly 2025-01 to 2025-08",
        source="un_comtrade",
        table="trade",
        files=("comtrade/extracts/hs8542_exports_all_reporters_to_world_annual_2013_2024.csv",
               "comtrade/extracts/hs8542_exports_all_reporters_to_world_monthly_202501_202508.csv"),
        loader="connectors.comtrade:read_extract",
        origin="a0013333j-png/data-visualization-labs@5dff286360fd4f78e50ed2b56491ddf48b3a9207:"
        "self-extended-practice/semiconductor-tariff-impact-taiwan/data/raw/ic_exports_world_HS8542_*.csv "
        "(UN Comtrade API downloads)",
        caveats=("2024 has only 86 reporters and 2025 is partial (73 reporters, January–August).",),
    ),
    BundledInput(
        id="comtrade_china_hs8542_imports_from_us",
        title="China's imports of integrated circuits (HS 8542) from the United States, 2010–2024",
        source="un_comtrade",
        table="trade",
        files=("comtrade/extracts/china_imports_hs8542_from_usa_annual_raw.csv",),
        loader="connectors.comtrade:read_extract",
        origin="laureleallen/Economic-warfare-portfolio@db7d103646576406b2161826c572e6d518f98439:"
        "data/raw/semiconductor_trade.csv (UN Comtrade API download)",
        caveats=("The download held second-partner breakdown rows for 2015–2017; only the totals are kept.",),
    ),
    BundledInput(
        id="china_critical_mineral_exports",
        title="China's monthly exports of natural and artificial graphite and unwrought gallium/germanium "
        "(HS 250410, 380110, 811292) by partner, 2017–2024",
        source="un_comtrade",
        table="trade",
        files=("comtrade/derived/china_exports_deep_dive_hs6_monthly_2017_2024.csv",),
        loader="connectors.china_exports:read_deep_dive_hs6_monthly",
        origin="qennis/ChinaCriticalMineralComtrade@44040f49dab67c29fd358d004b54ccb58fc14dbd:"
        "data_output/tables/deep_dive_hs6_monthly.csv (an ETL over monthly UN Comtrade v1 pulls)",
        flags=("derived",),
        caveats=(
            "Aggregated by a third party from monthly Comtrade pulls (reporter China, exports); 39 partners.",
            "HS 811292 also covers indium, niobium and vanadium, not only gallium and germanium.",
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
    if path.suffix == ".xlsx":
        return len(pd.read_excel(path))
    if path.suffix == ".xls":  # pandas' xlrd engine is deprecated: ask xlrd directly
        import xlrd

        return xlrd.open_workbook(str(path), on_demand=True).sheet_by_index(0).nrows
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
        for index, rel in enumerate(spec.files):
            path = shared / rel
            if not path.is_file():
                raise ConfigError(f"bundled input {spec.id}: {path} is missing")
            frame = spec.load(index, path, retrieved_at)
            loaded.append(frame)
            files.append({"path": rel, "sha256": _sha256(path), "bytes": path.stat().st_size,
                          "rows_in": _raw_rows(path), "rows_out": len(frame)})
            log.info("%s: %s -> %d tidy rows", spec.id, rel, len(frame))
        frames.setdefault(spec.table, []).extend(loaded)
        entries.append({
            "id": spec.id, "title": spec.title, "source": spec.source, "table": spec.table, "origin": spec.origin,
            "loader": [spec.loader_of(i) for i in range(len(spec.files))],
            "options": {k: list(v) if isinstance(v, tuple) else v for k, v in spec.options},
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
    from indicators import registry, status

    tables, entries = load_inputs(shared)
    tables = {name: frame.sort_values(TABLE_KEYS[name], kind="mergesort").reset_index(drop=True)
              for name, frame in tables.items()}
    trade = tables["trade"]
    tables.update(registry.compute_all(tables, validated=True))  # validated by load_inputs
    tables["goal_status"] = status.table(tables["indicators"])

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
