"""A deterministic bilateral HS6 trade table of realistic shape, written to Parquet in chunks.

Shape (at 50 million rows): 200 reporters × about 5,500 HS6 products × 5 years (2019–2023), each
reporter × product × year it trades with its import partners, an import World row and (most of the
time) an export World row — the columns of :mod:`econsec.schema`'s TRADE that the indicator engine
reads: ``reporter, partner, partner_kind, flow, hs_code, period, value_usd``. The size sets the number
of products only (as many as make about ``--rows`` rows, measured on a seeded one-year pilot:
``--rows 5000000`` gives 546 products and 4.9M rows, 50M gives 5,465 and 48.9M), so every size
keeps the same per-key shape.

What makes it realistic rather than uniform:

* Reporters differ in size (a Zipf-like weight): big ones import nearly every product from
  dozens of partners, small ones a fraction of the products from a handful.
* Partners are drawn by a skewed popularity (China first and most frequent, then the big
  exporters, then a long tail); values are log-normal, scaled by the partner's popularity: a few
  big suppliers and a long tail.
* Partner kinds: countries; now and then an "area" residual (QNE, not elsewhere specified; part of
  the total, never a supplier) and an EU "group" row (EUU; overlaps its members, never added).
* The World row equals the sum of the country and area rows for most keys; 4% of keys have a
  World row well above it (an incomplete breakdown: coverage 50–95%), 1% have no World row.
* Exports: only the World row (the screening reads the export total; export partner rows are
  not read by these indicators), for 85% of keys, at 0.05–5× the imports.

Deterministic: chunk ``i`` is drawn from ``numpy.random.default_rng([seed, i])``; the same
``--rows`` and ``--seed`` give byte-for-byte the same files. Written chunk by chunk with
:class:`pyarrow.parquet.ParquetWriter` (the full table is never in memory) under
``benchmarks/.data/`` (gitignored) and reused when present::

    python -m benchmarks.generate --rows 5000000      # prints the path of the Parquet file
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pycountry

from indicators.products import PRODUCT_GROUPS

DATA_DIR = Path(__file__).resolve().parent / ".data"
SEED = 20260511
N_REPORTERS = 200
YEARS = tuple(str(y) for y in range(2019, 2024))
CHINA = "CHN"
#: The most popular suppliers, in order (China first); the other countries follow in a seeded order.
BIG_EXPORTERS = ("CHN", "USA", "DEU", "JPN", "KOR", "ITA", "FRA", "NLD", "MEX", "TWN", "IND", "GBR", "CAN",
                 "VNM", "MYS", "CHE", "THA", "SGP", "ESP", "BEL", "POL", "AUS", "IDN", "BRA", "HKG")
AREA = "QNE"  # econsec's "not elsewhere specified" area code
EU = "EUU"
KINDS = ("country", "world", "area", "group")
SCHEMA = pa.schema(
    [
        ("reporter", pa.string()),
        ("partner", pa.string()),
        ("partner_kind", pa.string()),
        ("flow", pa.string()),
        ("hs_code", pa.string()),
        ("period", pa.string()),
        ("value_usd", pa.float64()),
    ]
)


def countries() -> list[str]:
    """ISO3 codes of the countries (pycountry), A→Z, with Taiwan as TWN."""
    return sorted(c.alpha_3 for c in pycountry.countries)


def products(n: int, seed: int = SEED) -> list[str]:
    """``n`` distinct HS6 codes, always including every code of the project's product groups."""
    real = sorted({c for g in PRODUCT_GROUPS for c in g.hs_codes if len(c) == 6})
    rng = np.random.default_rng([seed, 10**9])
    pool = np.setdiff1d(np.arange(10_000, 970_000), np.array([int(c) for c in real]))
    drawn = rng.choice(pool, size=max(n - len(real), 0), replace=False)
    return sorted(real[:n] + [f"{int(c):06d}" for c in drawn])


def path_for(rows: int, seed: int = SEED) -> Path:
    return DATA_DIR / f"trade_{rows}_{seed}.parquet"


class _Plan:
    """Reporters with their sizes, partners (China first) with their popularity, and products."""

    def __init__(self, rows: int, seed: int) -> None:
        self.seed = seed
        iso = countries()
        rng = np.random.default_rng([seed, 10**9 + 1])
        others = [c for c in iso if c not in BIG_EXPORTERS]
        rng.shuffle(others)
        self.partners = [*BIG_EXPORTERS, *others]  # popularity order: China first, then the big exporters
        pop = 1.0 / np.arange(1, len(self.partners) + 1) ** 1.1
        self.popularity = pop / pop.sum()
        self.reporters = sorted(rng.choice(iso, size=N_REPORTERS, replace=False).tolist())
        size = rng.permutation(1.0 / np.arange(1, N_REPORTERS + 1) ** 0.5)
        self.sizes = size / size.max()
        # Partner dictionary of the files: the countries, then the area, group and World codes.
        self.codes = [*self.partners, AREA, EU, "WLD"]
        self.products: list[str] = []
        # Products: as many as make about `rows` rows, from a one-year pilot on 40 products.
        pilot = self.chunk(-1, 0, np.arange(N_REPORTERS), 40)
        per_product = pilot.num_rows / 40 * len(YEARS)
        self.products = products(max(30, round(rows / per_product)), seed)

    def chunk(self, i: int, year: int, reporters: np.ndarray, n_prod: int | None = None) -> pa.Table:
        """Rows of one year for the reporters ``reporters`` (indices), all products."""
        rng = np.random.default_rng([self.seed, i + 1])
        n_prod = len(self.products) if n_prod is None else n_prod
        np_ = len(self.partners)
        # Keys: each reporter imports a share of the products rising with its size (50%..100%).
        rep = np.repeat(reporters, n_prod)
        prod = np.tile(np.arange(n_prod), reporters.size)
        keep = rng.random(rep.size) < 0.5 + 0.5 * self.sizes[rep]
        rep, prod = rep[keep], prod[keep]
        nk = rep.size
        # Partners per key: heavy-tailed, more for big reporters, at most 150; drawn by popularity.
        mean = 9.0 + 90.0 * self.sizes[rep]
        n_part = np.minimum(1 + rng.geometric(1.0 / mean), 150)
        key = np.repeat(np.arange(nk), n_part)
        pid = rng.choice(np_, size=key.size, p=self.popularity)
        pair = np.unique(key.astype(np.int64) * np_ + pid)  # one row per partner
        key, pid = pair // np_, pair % np_
        own = self._reporter_pid[rep[key]] == pid  # a reporter is not its own partner
        key, pid = key[~own], pid[~own]
        scale = 1.0 + 60.0 * self.popularity[pid] / self.popularity[1]
        value = np.maximum(np.round(rng.lognormal(11.0, 2.0, key.size) * scale, 0), 1.0)
        kind = np.zeros(key.size, dtype=np.int8)  # index into KINDS
        country = np.bincount(key, weights=value, minlength=nk)
        total = country.copy()
        ks, ps, kinds, vs = [key], [pid], [kind], [value]
        # Residual area rows (3% of keys) and EU group rows (5% of keys) beside the countries.
        for share, code, k in ((0.03, np_, 2), (0.05, np_ + 1, 3)):
            rows = np.flatnonzero(rng.random(nk) < share)
            v = np.round(country[rows] * rng.uniform(0.01, 0.3, rows.size), 0)
            if k == 2:
                total[rows] += v  # an area is part of the total; a group overlaps its members
            ks.append(rows)
            ps.append(np.full(rows.size, code))
            kinds.append(np.full(rows.size, k, dtype=np.int8))
            vs.append(v)
        # World rows: the total; for 4% of keys above it (incomplete breakdown); 1% missing.
        u = rng.random(nk)
        world = np.where(u < 0.04, np.round(total / rng.uniform(0.5, 0.95, nk), 0), total)
        rows = np.flatnonzero(u >= 0.01)
        ks.append(rows)
        ps.append(np.full(rows.size, np_ + 2))
        kinds.append(np.full(rows.size, 1, dtype=np.int8))
        vs.append(world[rows])
        n_import = sum(k.size for k in ks)
        # Exports: the World row only, for 85% of keys, at 0.05-5x the imports.
        rows = np.flatnonzero(rng.random(nk) < 0.85)
        ks.append(rows)
        ps.append(np.full(rows.size, np_ + 2))
        kinds.append(np.full(rows.size, 1, dtype=np.int8))
        vs.append(np.round(world[rows] * np.exp(rng.uniform(np.log(0.05), np.log(5.0), rows.size)), 0))
        k_all = np.concatenate(ks)
        flow = np.zeros(k_all.size, dtype=np.int8)
        flow[n_import:] = 1
        order = np.lexsort((flow, k_all))
        k_all = k_all[order]

        def dict_col(indices: np.ndarray, values: list[str]) -> pa.Array:
            return pa.DictionaryArray.from_arrays(pa.array(indices.astype(np.int32)), pa.array(values))

        cols = {
            "reporter": dict_col(rep[k_all], self.reporters),
            "partner": dict_col(np.concatenate(ps)[order], self.codes),
            "partner_kind": dict_col(np.concatenate(kinds)[order], list(KINDS)),
            "flow": dict_col(flow[order], ["import", "export"]),
            "hs_code": dict_col(prod[k_all], self.products[:n_prod] if n_prod <= len(self.products) else
                                [f"{j:06d}" for j in range(n_prod)]),
            "period": dict_col(np.zeros(k_all.size, dtype=np.int32), [YEARS[year]]),
            "value_usd": pa.array(np.concatenate(vs)[order].astype("float64")),
        }
        return pa.table(cols)

    @property
    def _reporter_pid(self) -> np.ndarray:
        where = {c: n for n, c in enumerate(self.partners)}
        return np.array([where.get(r, -1) for r in self.reporters])


def generate(rows: int = 50_000_000, seed: int = SEED, *, force: bool = False) -> Path:
    """Write (or reuse) the table of about ``rows`` rows; returns the Parquet file's path."""
    path = path_for(rows, seed)
    if path.exists() and not force:
        return path
    plan = _Plan(rows, seed)
    DATA_DIR.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    n = 0
    with pq.ParquetWriter(tmp, SCHEMA, compression="zstd") as writer:
        # One chunk per year and block of reporters: about 1M rows at any size.
        block = max(1, min(N_REPORTERS, round(N_REPORTERS * 1_000_000 / max(rows / len(YEARS), 1))))
        i = 0
        for year in range(len(YEARS)):
            for start in range(0, N_REPORTERS, block):
                t = plan.chunk(i, year, np.arange(start, min(start + block, N_REPORTERS)))
                writer.write_table(t.cast(SCHEMA), row_group_size=1_000_000)
                n += t.num_rows
                i += 1
    tmp.replace(path)
    meta = {"rows": n, "seed": seed, "products": len(plan.products), "reporters": N_REPORTERS, "years": list(YEARS)}
    path.with_suffix(".json").write_text(json.dumps(meta))
    return path


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--rows", type=int, default=5_000_000, help="about how many rows (default 5,000,000)")
    p.add_argument("--seed", type=int, default=SEED)
    p.add_argument("--force", action="store_true", help="rewrite even if cached")
    a = p.parse_args()
    t0 = time.perf_counter()
    path = generate(a.rows, a.seed, force=a.force)
    meta = json.loads(path.with_suffix(".json").read_text())
    print(f"{path} ({meta['rows']:,} rows, {time.perf_counter() - t0:.1f} s)")


if __name__ == "__main__":
    main()
