"""Printable sign-in sheet (签到表) of an activity, as PDF (reportlab, CID font) or xlsx."""

from __future__ import annotations

import io
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _

from grassroots.branches import selectors
from grassroots.branches.models import Activity
from grassroots.core import audit
from grassroots.core.models import AuditEvent

BLANK_ROWS = 10


def _rows(activity: Activity, user: Any) -> list[tuple[str, str, str]]:
    """(name, unit, note) of the user's own members planned for the activity, then blank lines."""
    rows = [
        (
            a.member.name,
            a.unit.display_name,
            a.get_status_display() if a.status == "excused" else "",
        )
        for a in selectors.attendance_visible(user, activity).order_by("unit__path", "member__name")
    ]
    return rows + [("", "", "")] * BLANK_ROWS


def _header(activity: Activity) -> list[tuple[str, str]]:
    when = timezone.localtime(activity.starts_at).strftime("%Y-%m-%d %H:%M")
    return [
        (_("活动主题"), activity.topic),
        (_("活动类型"), activity.kind.name),
        (_("时间"), when),
        (_("地点"), activity.place),
        (
            _("主办组织"),
            "、".join(h.unit.display_name for h in activity.hosts.select_related("unit")),
        ),
    ]


def _audit(activity: Activity, fmt: str, count: int) -> None:
    audit.record(
        AuditEvent.Action.EXPORT,
        instance=activity,
        extra={"export": "signin_sheet", "format": fmt, "rows": count},
    )


def signin_sheet_pdf(*, activity: Activity, user: Any) -> bytes:
    from reportlab.lib import colors
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.lib.units import mm
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont
    from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

    font = "STSong-Light"
    if font not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(UnicodeCIDFont(font))
    title_style = ParagraphStyle("t", fontName=font, fontSize=18, leading=24, alignment=1)
    text_style = ParagraphStyle("b", fontName=font, fontSize=11, leading=16)
    rows = _rows(activity, user)
    buffer = io.BytesIO()
    doc = SimpleDocTemplate(buffer, pagesize=A4, topMargin=15 * mm, bottomMargin=15 * mm)
    story: list[Any] = [Paragraph(_("签到表"), title_style), Spacer(1, 6 * mm)]
    for label, value in _header(activity):
        story.append(Paragraph(f"{label}：{value}", text_style))
    story.append(Spacer(1, 4 * mm))
    data = [[_("序号"), _("姓名"), _("所属组织"), _("签名"), _("备注")]]
    data += [[str(i), name, unit, "", note] for i, (name, unit, note) in enumerate(rows, 1)]
    table = Table(data, colWidths=[14 * mm, 30 * mm, 50 * mm, 50 * mm, 30 * mm], repeatRows=1)
    table.setStyle(
        TableStyle(
            [
                ("FONTNAME", (0, 0), (-1, -1), font),
                ("FONTSIZE", (0, 0), (-1, -1), 11),
                ("GRID", (0, 0), (-1, -1), 0.5, colors.black),
                ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#eeeeee")),
                ("ROWBACKGROUNDS", (0, 1), (-1, -1), [colors.white]),
                ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
                ("ROWHEIGHT", (0, 1), (-1, -1), 9 * mm),
                ("TOPPADDING", (0, 1), (-1, -1), 8),
                ("BOTTOMPADDING", (0, 1), (-1, -1), 8),
            ]
        )
    )
    story.append(table)
    doc.build(story)
    _audit(activity, "pdf", len(rows) - BLANK_ROWS)
    return buffer.getvalue()


def signin_sheet_xlsx(*, activity: Activity, user: Any) -> bytes:
    import xlsxwriter

    rows = _rows(activity, user)
    buffer = io.BytesIO()
    book = xlsxwriter.Workbook(buffer, {"in_memory": True})
    sheet = book.add_worksheet(_("签到表"))
    title = book.add_format({"bold": True, "font_size": 16, "align": "center"})
    cell = book.add_format({"border": 1, "valign": "vcenter"})
    head = book.add_format({"border": 1, "bold": True, "bg_color": "#EEEEEE"})
    sheet.merge_range(0, 0, 0, 4, _("签到表"), title)
    line = 1
    for label, value in _header(activity):
        sheet.write(line, 0, label)
        sheet.merge_range(line, 1, line, 4, value)
        line += 1
    line += 1
    for col, text in enumerate([_("序号"), _("姓名"), _("所属组织"), _("签名"), _("备注")]):
        sheet.write(line, col, text, head)
    for i, (name, unit, note) in enumerate(rows, 1):
        sheet.set_row(line + i, 28)
        values: list[Any] = [i, name, unit, "", note]
        for col, value in enumerate(values):
            sheet.write(line + i, col, value, cell)
    sheet.set_column(0, 0, 6)
    sheet.set_column(1, 1, 14)
    sheet.set_column(2, 2, 24)
    sheet.set_column(3, 3, 24)
    sheet.set_column(4, 4, 14)
    sheet.repeat_rows(line)
    book.close()
    _audit(activity, "xlsx", len(rows) - BLANK_ROWS)
    return buffer.getvalue()
