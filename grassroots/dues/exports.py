"""Dues documents: xlsx sheets (audited with filter and row count) and the printable receipt."""

from __future__ import annotations

import io
from collections.abc import Iterable, Sequence
from typing import Any

from django.http import HttpResponse
from django.utils import timezone
from django.utils.encoding import escape_uri_path
from django.utils.translation import gettext as _

from grassroots.core import audit, pdf
from grassroots.core.models import AuditEvent
from grassroots.dues.models import Payment

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def xlsx_bytes(headers: Sequence[Any], rows: Iterable[Sequence[Any]]) -> tuple[bytes, int]:
    import xlsxwriter

    buffer = io.BytesIO()
    book = xlsxwriter.Workbook(buffer, {"in_memory": True, "remove_timezone": True})
    sheet = book.add_worksheet()
    bold = book.add_format({"bold": True})
    money = book.add_format({"num_format": "0.00"})
    for col, header in enumerate(headers):
        sheet.write(0, col, str(header), bold)
        sheet.set_column(col, col, 14)
    count = 0
    for count, row in enumerate(rows, 1):
        for col, value in enumerate(row):
            if value is None:
                continue
            if hasattr(value, "quantize"):
                sheet.write_number(count, col, float(value), money)
            elif isinstance(value, int | float | bool):
                sheet.write(count, col, value)
            else:
                sheet.write_string(count, col, str(value))
    book.close()
    return buffer.getvalue(), count


def xlsx_response(
    *,
    filename: str,
    headers: Sequence[Any],
    rows: Iterable[Sequence[Any]],
    object_type: str,
    filters: dict[str, Any],
    unit_path: str = "",
) -> HttpResponse:
    """One sheet; the export is recorded in the audit log with its filter and row count."""
    content, count = xlsx_bytes(headers, rows)
    audit.record(
        AuditEvent.Action.EXPORT,
        object_type=object_type,
        object_repr=filename,
        unit_path=unit_path or None,
        extra={"filters": filters, "rows": count},
    )
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
    response = HttpResponse(content, content_type=XLSX)
    response["Content-Disposition"] = (
        f"attachment; filename*=UTF-8''{escape_uri_path(f'{filename}-{stamp}.xlsx')}"
    )
    return response


def receipt_pdf(payment: Payment) -> bytes:
    """The receipt of one payment (会费收据); a voided receipt says so in its title."""
    from reportlab.lib.pagesizes import A5, landscape
    from reportlab.lib.units import mm
    from reportlab.platypus import Spacer

    s = pdf.styles()
    record = payment.record
    member = record.member
    title = _("会费收据")
    if payment.voided:
        title = _("会费收据（已作废）")
    rows = [
        [_("收据编号"), payment.receipt_number, _("缴费日期"), payment.paid_on.isoformat()],
        [_("缴费人"), member.name, _("会员编号"), member.member_number or ""],
        [_("所属组织"), record.unit.name, _("会费年度"), str(record.year)],
        [_("金额（元）"), f"{payment.amount:.2f}", _("缴费方式"), payment.get_method_display()],
        [
            _("本年应缴（元）"),
            f"{record.amount_due:.2f}",
            _("累计已缴（元）"),
            f"{record.amount_paid:.2f}",
        ],
        [_("经办人"), payment.recorded_by, _("备注"), payment.note],
    ]
    story: list[Any] = [pdf.paragraph(title, s["title"]), Spacer(1, 4 * mm)]
    story.append(pdf.grid(rows, [28 * mm, 62 * mm, 28 * mm, 62 * mm], s["body"]))
    if payment.voided:
        story.append(Spacer(1, 3 * mm))
        story.append(
            pdf.paragraph(
                _("作废原因：%(reason)s（%(by)s）")
                % {"reason": payment.void_reason, "by": payment.voided_by},
                s["small"],
            )
        )
    story.append(Spacer(1, 8 * mm))
    story.append(
        pdf.paragraph(_("收款单位（盖章）：%(unit)s") % {"unit": payment.unit.name}, s["body"])
    )
    return pdf.build(story, pagesize=landscape(A5), title=payment.receipt_number)


def receipt_response(payment: Payment) -> HttpResponse:
    """The receipt as an inline PDF; the download is recorded in the audit log."""
    content = receipt_pdf(payment)
    audit.record(
        AuditEvent.Action.EXPORT,
        instance=payment,
        extra={"export": "receipt", "format": "pdf", "rows": 1},
    )
    response = HttpResponse(content, content_type="application/pdf")
    name = escape_uri_path(f"{payment.receipt_number}.pdf")
    response["Content-Disposition"] = f"inline; filename*=UTF-8''{name}"
    return response
