"""Building blocks for printable documents (reportlab): Chinese font, styles, grids, A4 builder.

Chinese text uses reportlab's built-in CID font STSong-Light: the PDF names the font and the
reader supplies the glyphs, so nothing has to be installed on the server (see
docs/decisions/0005-pdf-chinese-fonts.md)."""

from __future__ import annotations

import functools
import io
from typing import Any

from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.cidfonts import UnicodeCIDFont
from reportlab.platypus import Flowable, Paragraph, SimpleDocTemplate, Table, TableStyle

FONT = "STSong-Light"


@functools.cache
def _register() -> None:
    pdfmetrics.registerFont(UnicodeCIDFont(FONT))


def styles() -> dict[str, ParagraphStyle]:
    """body, small, title and h2 paragraph styles in the Chinese font."""
    _register()
    base = ParagraphStyle("body", fontName=FONT, fontSize=10.5, leading=15, wordWrap="CJK")
    return {
        "body": base,
        "small": ParagraphStyle("small", parent=base, fontSize=9, leading=12),
        "title": ParagraphStyle("title", parent=base, fontSize=18, leading=26, alignment=1),
        "h2": ParagraphStyle("h2", parent=base, fontSize=12.5, leading=18, spaceBefore=6),
    }


def paragraph(text: Any, style: ParagraphStyle) -> Paragraph:
    """A paragraph of plain text: markup characters are escaped, newlines kept."""
    value = "" if text is None else str(text)
    value = value.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return Paragraph(value.replace("\n", "<br/>"), style)


def grid(rows: list[list[Any]], widths: list[float], style: ParagraphStyle) -> Table:
    """A ruled table; plain cells become paragraphs so long Chinese text wraps."""
    data = [[c if isinstance(c, Flowable) else paragraph(c, style) for c in row] for row in rows]
    table = Table(data, colWidths=widths, repeatRows=0)
    table.setStyle(
        TableStyle(
            [
                ("GRID", (0, 0), (-1, -1), 0.6, colors.black),
                ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
                ("FONTNAME", (0, 0), (-1, -1), FONT),
            ]
        )
    )
    return table


def build(story: list, pagesize: Any = A4, title: str = "Grassroots") -> bytes:
    """Lay the story out on pages with the house margins and return the PDF bytes."""
    buffer = io.BytesIO()
    doc = SimpleDocTemplate(
        buffer,
        pagesize=pagesize,
        leftMargin=18 * mm,
        rightMargin=18 * mm,
        topMargin=16 * mm,
        bottomMargin=16 * mm,
        title=title,
    )
    doc.build(story)
    return buffer.getvalue()
