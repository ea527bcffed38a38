"""The briefing pack: every goal of the essays in one PDF (A4 landscape) or PowerPoint deck (16:9).

A cover with the data date, the scorecard (every goal's status, headline reading and explanation),
then one page or slide per goal: theme, title, status, the goal in the project's words with its essay,
the explanation, how the status is judged, its headline chart (:func:`dashboard.charts.headline_chart`,
the chart the goal page draws, rendered by :mod:`dashboard.images`) and its sources. Each part is
fitted to its page (shrunk if it must be), so a pack has exactly ``2 + len(goals)`` pages.

Text comes from the stored goal statuses (:mod:`dashboard.scorecard`); nothing is recomputed here.
"""

from __future__ import annotations

import io
import re
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import lru_cache
from pathlib import Path
from xml.sax.saxutils import escape

from dashboard import charts, data, images
from dashboard import scorecard as sc
from indicators import goals as g
from indicators import status as st

TITLE = "US–Japan economic security: the goals of the essays against public statistics"
KINDS = ("pdf", "pptx")
#: Status colours of the overview's badges; the status is always written out too.
STATUS_COLOURS = {
    st.ON_TRACK: "#198754",
    st.WATCH: "#b8860b",
    st.OFF_TRACK: "#b02a37",
    st.CONTEXT: "#495057",
    st.NO_DATA: "#6c757d",
}
#: The chart's size in the pack: the 16:9 slide export.
CHART_SIZE = "slide"
FONT_DIRS = (Path("/usr/share/fonts/truetype/liberation"), Path("/usr/share/fonts/truetype/dejavu"))


@dataclass(frozen=True)
class GoalPage:
    status: sc.StoredStatus
    chart_png: bytes | None
    sources: tuple[str, ...]

    @property
    def goal(self) -> g.Goal:
        return self.status.goal


def plain(text: str) -> str:
    """Figure markup as plain text: ``<br>`` as a space, tags dropped."""
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", text.replace("<br>", " "))).strip()


def status_word(status: str) -> str:
    """'Off track': the word, always beside the colour (the badges' icons are not in every font)."""
    return sc.BADGES.get(status, sc.BADGES[st.NO_DATA])[0]


def _sources(goal: g.Goal) -> tuple[str, ...]:
    seen: list[str] = []
    for m in goal.measures:
        line = plain(sc.source_line(m))
        if line not in seen:
            seen.append(line)
    return tuple(seen)


def goal_pages(goal_ids: list[str] | None = None) -> list[GoalPage]:
    """Every goal (or those named) with its headline chart as PNG, rendered in one browser session."""
    statuses = sc.statuses()
    ids = goal_ids or [goal.id for goal in g.GOALS]
    pages = []
    for goal_id in ids:
        chart = charts.headline_chart(goal_id)
        png = images.render(chart.figure, "png", CHART_SIZE) if chart else None
        pages.append(GoalPage(statuses[goal_id], png, _sources(statuses[goal_id].goal)))
    return pages


def cover_lines() -> dict[str, str]:
    counts = sc.status_counts()
    where = "the bundled snapshot" if data.is_bundled() else "the last refresh"
    summary = ", ".join(f"{n} {sc.BADGES[s][0].lower()}" for s, n in counts.items() if n)
    essays = sorted({goal.essay.citation for goal in g.GOALS})
    return {
        "title": TITLE,
        "data": f"Data as of {sc.store_date()} ({where}).",
        "made": f"Made by econsec on {datetime.now(UTC):%Y-%m-%d %H:%M} UTC.",
        "summary": f"{len(g.GOALS)} goals: {summary}.",
        "essays": "Goals from: " + "; ".join(essays) + ".",
        "note": sc.data_note(),
    }


# -- PDF (reportlab) --------------------------------------------------------------------------------
def _fonts() -> tuple[str, str]:
    """Liberation Sans (Debian's fonts-liberation, as the charts use), else DejaVu, else Helvetica
    (which lacks some symbols such as ≤)."""
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.ttfonts import TTFont

    for folder, regular, bold in (
        (FONT_DIRS[0], "LiberationSans-Regular.ttf", "LiberationSans-Bold.ttf"),
        (FONT_DIRS[1], "DejaVuSans.ttf", "DejaVuSans-Bold.ttf"),
    ):
        if (folder / regular).is_file() and (folder / bold).is_file():
            pdfmetrics.registerFont(TTFont("Briefing", str(folder / regular)))
            pdfmetrics.registerFont(TTFont("Briefing-Bold", str(folder / bold)))
            return "Briefing", "Briefing-Bold"
    return "Helvetica", "Helvetica-Bold"


def pdf(pages: list[GoalPage]) -> bytes:
    from reportlab.lib import colors
    from reportlab.lib.pagesizes import A4, landscape
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.lib.units import mm
    from reportlab.platypus import (
        Image,
        KeepInFrame,
        PageBreak,
        Paragraph,
        SimpleDocTemplate,
        Spacer,
        Table,
        TableStyle,
    )

    regular, bold = _fonts()
    size = landscape(A4)
    margin = 14 * mm
    frame_w, frame_h = size[0] - 2 * margin, size[1] - 2 * margin - 8 * mm

    def style(name: str, font: str = regular, fs: float = 10, colour: str = "#212529", **kw) -> ParagraphStyle:
        return ParagraphStyle(name, fontName=font, fontSize=fs, leading=fs * 1.3, textColor=colour, **kw)

    h1, h2 = style("h1", bold, 20, spaceAfter=6), style("h2", bold, 11, spaceBefore=4, spaceAfter=2)
    body, small = style("body", fs=10, spaceAfter=4), style("small", fs=8, colour="#5c636a")
    theme = style("theme", bold, 8, colour="#5c636a")
    cell, cell_bold = style("cell", fs=7.5), style("cellb", bold, 7.5)

    def p(text: str, st_: ParagraphStyle) -> Paragraph:
        return Paragraph(escape(text), st_)

    def status_para(status: str, fs: float = 12) -> Paragraph:
        colour = STATUS_COLOURS.get(status, "#6c757d")
        return Paragraph(f'<font color="{colour}"><b>{escape(status_word(status))}</b></font>', style("s", bold, fs))

    def fit(flowables: list) -> KeepInFrame:
        return KeepInFrame(frame_w, frame_h, flowables, mode="shrink")

    cover = cover_lines()
    story: list = [
        fit(
            [
                Spacer(1, 30 * mm),
                p("econsec briefing pack", theme),
                p(cover["title"], style("cover", bold, 24, spaceAfter=12)),
                p(cover["data"], style("coverdata", bold, 14, spaceAfter=8)),
                p(cover["summary"], body),
                p(cover["essays"], body),
                p(cover["note"], small),
                p(cover["made"], small),
            ]
        ),
        PageBreak(),
    ]
    rows = [[p("Theme", cell_bold), p("Goal", cell_bold), p("Status", cell_bold), p("Headline", cell_bold),
             p("Explanation", cell_bold)]]
    for page in pages:
        label, reading = sc.headline_words(page.status)
        rows.append([
            p(page.goal.theme, cell),
            p(page.goal.title, cell_bold),
            status_para(page.status.status, 7.5),
            p(f"{label}: {reading}" if label else reading, cell),
            p(page.status.explanation, cell),
        ])
    table = Table(rows, colWidths=[x * frame_w for x in (0.12, 0.2, 0.08, 0.22, 0.38)], repeatRows=1)
    table.setStyle(TableStyle([
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ("LINEBELOW", (0, 0), (-1, 0), 0.8, colors.HexColor("#212529")),
        ("LINEBELOW", (0, 1), (-1, -1), 0.25, colors.HexColor("#dee2e6")),
        ("TOPPADDING", (0, 0), (-1, -1), 2),
        ("BOTTOMPADDING", (0, 0), (-1, -1), 2),
    ]))
    story += [fit([p("Scorecard", h1), p(cover["data"], small), Spacer(1, 3 * mm), table]), PageBreak()]
    for i, page in enumerate(pages):
        goal = page.goal
        label, text = sc.rule_words(goal)
        left = [
            p("Goal", h2),
            p(goal.statement, body),
            p(f"From: {goal.essay.citation}", small),
            p("Status", h2),
            p(page.status.explanation, body),
            p("How the status is judged", h2),
            p(f"{label}. {text}", small),
            p("Sources", h2),
            *[p(s, small) for s in page.sources],
        ]
        if goal.caveats:
            left += [p("Caveats", h2), p(goal.caveats, small)]
        chart_w = frame_w * 0.62
        right = (
            [Image(io.BytesIO(page.chart_png), width=chart_w, height=chart_w * 9 / 16)]
            if page.chart_png
            else [p("No chart: no statistic measures this goal.", small)]
        )
        body_table = Table([[KeepInFrame(frame_w * 0.36, frame_h * 0.8, left, mode="shrink"), right]],
                           colWidths=[frame_w * 0.37, frame_w * 0.63])
        body_table.setStyle(TableStyle([("VALIGN", (0, 0), (-1, -1), "TOP"), ("LEFTPADDING", (0, 0), (-1, -1), 0)]))
        story.append(fit([p(goal.theme.upper(), theme), p(goal.title, h1), status_para(page.status.status),
                          Spacer(1, 3 * mm), body_table]))
        if i < len(pages) - 1:
            story.append(PageBreak())

    made = cover["data"]

    def footer(canvas, doc) -> None:  # noqa: ANN001 (reportlab's callback)
        canvas.saveState()
        canvas.setFont(regular, 7.5)
        canvas.setFillColor(colors.HexColor("#5c636a"))
        canvas.drawString(margin, 8 * mm, f"econsec briefing pack · {made}")
        canvas.drawRightString(size[0] - margin, 8 * mm, f"{doc.page}")
        canvas.restoreState()

    out = io.BytesIO()
    doc = SimpleDocTemplate(out, pagesize=size, leftMargin=margin, rightMargin=margin, topMargin=margin,
                            bottomMargin=margin + 8 * mm, title="econsec briefing pack", author="econsec",
                            subject=made)
    doc.build(story, onFirstPage=footer, onLaterPages=footer)
    return out.getvalue()


# -- PowerPoint (python-pptx) ----------------------------------------------------------------------
def pptx(pages: list[GoalPage]) -> bytes:
    from pptx import Presentation
    from pptx.dml.color import RGBColor
    from pptx.util import Emu, Pt

    deck = Presentation()
    deck.slide_width, deck.slide_height = Emu(12192000), Emu(6858000)  # 16:9, 13.33 × 7.5 in
    blank = deck.slide_layouts[6]
    width, height = deck.slide_width, deck.slide_height
    inch = 914400
    grey = RGBColor(0x5C, 0x63, 0x6A)

    def box(slide, left, top, w, h, paragraphs: list[tuple[str, float, bool, str | None]]):  # noqa: ANN001
        frame = slide.shapes.add_textbox(Emu(left), Emu(top), Emu(w), Emu(h)).text_frame
        frame.word_wrap = True
        for k, (text, size_pt, is_bold, colour) in enumerate(paragraphs):
            para = frame.paragraphs[0] if k == 0 else frame.add_paragraph()
            run = para.add_run()
            run.text = text
            run.font.size, run.font.bold = Pt(size_pt), is_bold
            run.font.color.rgb = RGBColor.from_string(colour.lstrip("#")) if colour else grey
            para.space_after = Pt(4)
        return frame

    cover = cover_lines()
    slide = deck.slides.add_slide(blank)
    box(slide, inch // 2, int(inch * 1.5), width - inch, int(inch * 4.5), [
        ("econsec briefing pack", 14, True, None),
        (cover["title"], 30, True, "#212529"),
        (cover["data"], 18, True, "#212529"),
        (cover["summary"], 14, False, "#212529"),
        (cover["essays"], 11, False, None),
        (cover["made"], 10, False, None),
    ])

    slide = deck.slides.add_slide(blank)
    box(slide, inch // 2, inch // 4, width - inch, inch // 2, [("Scorecard", 24, True, "#212529")])
    rows = len(pages) + 1
    shape = slide.shapes.add_table(rows, 4, Emu(inch // 2), Emu(int(inch * 0.9)), Emu(width - inch),
                                   Emu(height - int(inch * 1.2)))
    table = shape.table
    for col, (title, share) in enumerate((("Goal", 0.3), ("Status", 0.12), ("Headline", 0.28), ("Theme", 0.3))):
        table.columns[col].width = Emu(int((width - inch) * share))
        table.cell(0, col).text = title
    for r, page in enumerate(pages, start=1):
        label, reading = sc.headline_words(page.status)
        values = (page.goal.title, status_word(page.status.status), f"{label}: {reading}" if label else reading,
                  page.goal.theme)
        for col, value in enumerate(values):
            table.cell(r, col).text = value
    for r in range(rows):
        table.rows[r].height = Emu(int((height - inch * 1.2) / rows))
        for col in range(4):
            for para in table.cell(r, col).text_frame.paragraphs:
                for run in para.runs:
                    run.font.size = Pt(9 if r else 10)
                    if r and col == 1:
                        colour = STATUS_COLOURS.get(pages[r - 1].status.status, "#6c757d")
                        run.font.color.rgb = RGBColor.from_string(colour.lstrip("#"))
                        run.font.bold = True

    for page in pages:
        goal = page.goal
        slide = deck.slides.add_slide(blank)
        colour = STATUS_COLOURS.get(page.status.status, "#6c757d")
        box(slide, inch // 2, inch // 4, width - inch, int(inch * 0.9), [
            (goal.theme.upper(), 10, True, None),
            (goal.title, 24, True, "#212529"),
            (status_word(page.status.status), 14, True, colour),
        ])
        label, text = sc.rule_words(goal)
        box(slide, inch // 2, int(inch * 1.45), int(inch * 4.4), height - int(inch * 1.7), [
            (goal.statement, 11, False, "#212529"),
            (f"From: {goal.essay.citation}", 8, False, None),
            (page.status.explanation, 11, True, "#212529"),
            (f"{label}. {text}", 8, False, None),
            ("Sources: " + " ".join(page.sources), 8, False, None),
        ]).auto_size = None
        if page.chart_png:
            chart_w = width - int(inch * 5.2)
            slide.shapes.add_picture(io.BytesIO(page.chart_png), Emu(int(inch * 5.0)), Emu(int(inch * 1.45)),
                                     width=Emu(chart_w), height=Emu(chart_w * 9 // 16))
        notes = slide.notes_slide.notes_text_frame
        notes.text = f"{goal.statement}\n\nStatus: {page.status.explanation}\n\nFrom: {goal.essay.citation}"
    out = io.BytesIO()
    deck.core_properties.title = "econsec briefing pack"
    deck.core_properties.subject = cover["data"]
    deck.save(out)
    return out.getvalue()


def pack(kind: str, goal_ids: list[str] | None = None) -> bytes:
    """The whole briefing pack as ``kind`` ("pdf" or "pptx") bytes."""
    if kind not in KINDS:
        raise images.ExportError(f"unknown briefing pack format {kind!r}: choose pdf or pptx")
    pages = goal_pages(goal_ids)
    return pdf(pages) if kind == "pdf" else pptx(pages)


@lru_cache(maxsize=2)
def _cached(generation: str, kind: str) -> bytes:
    return pack(kind)


def cached_pack(kind: str) -> bytes:
    """:func:`pack` of every goal, made once per store generation and kind (the dashboard's button)."""
    if kind not in KINDS:
        raise images.ExportError(f"unknown briefing pack format {kind!r}: choose pdf or pptx")
    return _cached(data.generation(), kind)


def file_name(kind: str) -> str:
    """``econsec_briefing_<data date>.<kind>`` (never from user input)."""
    day = re.sub(r"[^0-9-]", "", sc.store_date()) or "undated"
    return f"econsec_briefing_{day}.{kind}"


def write(path: Path, goal_ids: list[str] | None = None) -> Path:
    """Write the pack to ``path``; its suffix (.pdf or .pptx) says which."""
    kind = path.suffix.lower().lstrip(".")
    if kind not in KINDS:
        raise images.ExportError(f"{path.name}: the briefing pack is written as .pdf or .pptx")
    return images.write_bytes(pack(kind, goal_ids), path)

