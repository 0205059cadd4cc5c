"""The Bhatkhande grid as a picture a teacher can print: SVG (text, written by hand) or PNG.

The same layout as the text grid (``render``): one row per cycle (a pickup's first row leaves the
matras before it empty, a landing on sam opens a row of its own), matra numbers above, bols in the
middle, the vibhag marks ``X 2 0 3`` under the first matra of each vibhag, a bar between vibhags,
section names above the row where they begin, and the piece's title on top. Where a matra stands in
its cycle comes from the taal automaton (``rhythm``).

The layout is computed once, as a list of texts and lines at pixel positions in a monospace font,
and then painted twice: by hand into SVG, and by matplotlib (already a dependency, for the loss
curve) into PNG. One layout means the two pictures cannot disagree, and PNG needs no SVG renderer
(cairo) installed.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from pathlib import Path
from xml.sax.saxutils import escape

from seqgen.errors import SeqgenError
from seqgen.rhythm import Beat, Meter
from seqgen.taals import Taal

FONT = 15  # pixels
CHAR = 0.62 * FONT  # advance of one monospace character (DejaVu Sans Mono: 0.602 em), with room to spare
LINE = 1.45 * FONT
MARGIN = 24
CELL_PAD = 14
ROW_GAP = 18
PNG_DPI = 200  # printable: the 100-pixel-per-inch layout drawn at twice the resolution


@dataclass(frozen=True)
class Sheet:
    """One composition to draw: its title, cycles (lists of matra texts), taal, start and sections
    (``{"kind", "matras": [first, last]}``, counted from the piece's first matra)."""

    title: str
    cycles: list[list[str]]
    taal: Taal
    start: int = 1
    sections: tuple[dict, ...] = ()


@dataclass(frozen=True)
class Text:
    x: float
    y: float  # baseline
    text: str
    size: float = FONT
    bold: bool = False
    colour: str = "#000000"


@dataclass(frozen=True)
class Line:
    x1: float
    y1: float
    x2: float
    y2: float
    colour: str = "#888888"


@dataclass(frozen=True)
class Layout:
    width: float
    height: float
    items: list


def layout(sheets: list[Sheet]) -> Layout:
    """Texts and lines of every sheet, stacked top to bottom."""
    items: list = []
    y, width = MARGIN, 0.0
    for sheet in sheets:
        if sheet.title:
            y += LINE
            items.append(Text(MARGIN, y, sheet.title, FONT * 1.15, bold=True))
            width = max(width, MARGIN + len(sheet.title) * CHAR * 1.15)
            y += ROW_GAP * 0.5
        for row, labels in _rows(sheet):
            if labels:
                y += LINE
                items.append(Text(MARGIN, y, "; ".join(labels), FONT * 0.85, colour="#7a3b00"))
                width = max(width, MARGIN + len("; ".join(labels)) * CHAR * 0.85)
            right = _row(items, row, sheet.taal, y)
            width = max(width, right)
            y += 3 * LINE + ROW_GAP
        y += ROW_GAP
    return Layout(width + MARGIN, y + MARGIN - ROW_GAP, items)


def _rows(sheet: Sheet) -> list[tuple[list[tuple[int, str]], list[str]]]:
    """Each row's (cycle position, matra text) cells and the section names beginning in it."""
    meter = Meter(sheet.taal, start=sheet.start)
    begins: dict[int, list[str]] = {}
    for section in sheet.sections:
        done = section["matras"][0] - 1
        begins.setdefault(done, []).append(f"{section['kind']} (from matra {meter.matra_of(Beat(done=done)) + 1})")
    rows: list[tuple[list[tuple[int, str]], list[str]]] = []
    for done, matra in enumerate(matra for cycle in sheet.cycles for matra in cycle):
        position = meter.matra_of(Beat(done=done))
        if not rows or position == 0:
            rows.append(([], []))
        rows[-1][0].append((position, matra))
        rows[-1][1].extend(begins.get(done, []))
    return rows


def _row(items: list, row: list[tuple[int, str]], taal: Taal, top: float) -> float:
    """Lay out one row (numbers, bols, marks) below ``top``; returns its right edge."""
    written = dict(row)
    marks = {start - 1: mark for start, mark in zip(taal.vibhag_starts, taal.marks)}
    x = MARGIN
    for position in range(max(written) + 1):
        if position in marks and position:
            items.append(Line(x - CELL_PAD / 2, top + 0.35 * LINE, x - CELL_PAD / 2, top + 3.3 * LINE))
        text = written.get(position)
        cell = max(len(text or ""), len(str(position + 1)), 1) * CHAR
        if text is not None:
            items.append(Text(x, top + LINE, str(position + 1), FONT * 0.8, colour="#555555"))
            items.append(Text(x, top + 2 * LINE, text))
            if position in marks:
                items.append(Text(x, top + 3 * LINE, marks[position], bold=True, colour="#1a4f8a"))
        x += cell + CELL_PAD
    return x - CELL_PAD


def svg(sheets: list[Sheet]) -> str:
    """The sheets as an SVG document."""
    drawn = layout(sheets)
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{drawn.width:.0f}" height="{drawn.height:.0f}" '
             f'viewBox="0 0 {drawn.width:.0f} {drawn.height:.0f}" font-family="DejaVu Sans Mono, monospace">',
             '<rect width="100%" height="100%" fill="#ffffff"/>']
    for item in drawn.items:
        if isinstance(item, Line):
            parts.append(f'<line x1="{item.x1:.1f}" y1="{item.y1:.1f}" x2="{item.x2:.1f}" y2="{item.y2:.1f}" '
                         f'stroke="{item.colour}" stroke-width="1"/>')
        else:
            weight = ' font-weight="bold"' if item.bold else ""
            parts.append(f'<text x="{item.x:.1f}" y="{item.y:.1f}" font-size="{item.size:.1f}"{weight} '
                         f'fill="{item.colour}">{escape(item.text)}</text>')
    parts.append("</svg>")
    return "\n".join(parts) + "\n"


def png(sheets: list[Sheet]) -> bytes:
    """The sheets as a PNG image (the SVG's layout painted by matplotlib)."""
    import matplotlib

    matplotlib.use("Agg")  # no display: files only
    from matplotlib.figure import Figure

    drawn = layout(sheets)
    figure = Figure(figsize=(drawn.width / 100, drawn.height / 100), dpi=100, facecolor="white")
    axes = figure.add_axes((0, 0, 1, 1))
    axes.set_xlim(0, drawn.width)
    axes.set_ylim(drawn.height, 0)
    axes.axis("off")
    points = 72 / 100  # layout pixels (100 a figure inch) to font points
    for item in drawn.items:
        if isinstance(item, Line):
            axes.plot([item.x1, item.x2], [item.y1, item.y2], color=item.colour, linewidth=0.8)
        else:
            axes.text(item.x, item.y, item.text, fontsize=item.size * points, family="monospace",
                      fontweight="bold" if item.bold else "normal", color=item.colour, va="baseline", ha="left")
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=PNG_DPI, facecolor="white")
    return buffer.getvalue()


FORMATS = ("svg", "png")


def picture(sheets: list[Sheet], format: str) -> bytes:
    """The sheets as an ``svg`` or ``png`` file's bytes."""
    if format == "svg":
        return svg(sheets).encode("utf-8")
    if format == "png":
        return png(sheets)
    raise SeqgenError(f"unknown picture format {format!r}; use one of {', '.join(FORMATS)}")


def write(sheets: list[Sheet], path: str | Path, format: str | None = None) -> bytes:
    """Write the picture to ``path`` atomically (format from its suffix unless given); returns it."""
    from seqgen.bundle import atomic_write

    chosen = format or Path(path).suffix.lstrip(".").lower()
    data = picture(sheets, chosen)
    atomic_write(Path(path), data)
    return data
