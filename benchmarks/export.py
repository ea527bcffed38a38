"""Export timings: the first image (Chromium starting), one warm chart image per format, and the full
briefing pack (PDF and PowerPoint), on the bundled snapshot. Baseline in the same run: a one-trace
figure rendered warm by the same browser, so the ratio says what the house-style chart costs over
kaleido's floor.

    python -m benchmarks.export [--repeat 7]
"""

from __future__ import annotations

import argparse
import os
import statistics
import tempfile
import time

import plotly.graph_objects as go

from benchmarks.report import write_section


def _timed(fn, repeat: int) -> list[float]:
    out = []
    for _ in range(repeat):
        t = time.perf_counter()
        fn()
        out.append(time.perf_counter() - t)
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=7)
    args = parser.parse_args()
    os.environ.setdefault("ECONSEC_DATA_DIR", tempfile.mkdtemp(prefix="econsec-bench-"))  # bundled snapshot

    from dashboard import briefing, charts, images

    chart = charts.goal_charts("derisk-critical-minerals")[0]
    floor_fig = go.Figure(go.Scatter(x=[1, 2, 3], y=[1, 3, 2]))
    t = time.perf_counter()
    images.render(floor_fig, "png")
    first = time.perf_counter() - t
    rows = []
    for fmt in images.FORMATS:
        floor = statistics.median(_timed(lambda fmt=fmt: images.render(floor_fig, fmt), args.repeat))
        warm = statistics.median(_timed(lambda fmt=fmt: images.render(chart.figure, fmt), args.repeat))
        rows.append((fmt, warm, floor))
    t = time.perf_counter()
    pages = briefing.goal_pages()
    charts_s = time.perf_counter() - t
    t = time.perf_counter()
    pdf = briefing.pdf(pages)
    pdf_s = time.perf_counter() - t
    t = time.perf_counter()
    pptx = briefing.pptx(pages)
    pptx_s = time.perf_counter() - t
    images.stop()

    lines = [
        "## Export (issue #7)",
        "",
        "One persistent Chromium per process (kaleido 1.x sync server, Debian's chromium). Chart: the first measure "
        "of *Derisk critical-mineral supply chains* (HHI with bands, events and footnotes) at the 16:9 slide size "
        "(PNG 2560×1440). Floor: a one-trace figure through the same browser. Medians of "
        f"{args.repeat} warm runs.",
        "",
        f"- First image of a process (starts Chromium): **{first:.2f} s**",
        "",
        "| format | chart, warm | floor (one trace) | chart / floor |",
        "|---|---|---|---|",
        *[f"| {fmt.upper()} | {warm:.3f} s | {floor:.3f} s | {warm / floor:.2f}× |" for fmt, warm, floor in rows],
        "",
        f"Full briefing pack, {len(pages)} goals (warm browser): headline charts rendered **{charts_s:.1f} s**; "
        f"PDF assembled {pdf_s:.2f} s ({len(pdf) / 1e6:.1f} MB, {2 + len(pages)} pages); "
        f"PowerPoint assembled {pptx_s:.2f} s ({len(pptx) / 1e6:.1f} MB, {2 + len(pages)} slides). "
        f"Total for one pack: {charts_s + pdf_s:.1f} s (PDF), {charts_s + pptx_s:.1f} s (PowerPoint); the "
        "dashboard's button caches a pack per store generation.",
        "",
        "Reproduce: `.venv/bin/python -m benchmarks.export`.",
    ]
    write_section("export", "\n".join(lines))
    print("\n".join(lines))


if __name__ == "__main__":
    main()
