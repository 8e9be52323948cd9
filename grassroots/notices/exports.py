"""Exports of the notices app: replies per unit (xlsx) and the groups' contact lists (xlsx, vCard).

Every export is recorded in the audit log with its filter and row count.
"""

from __future__ import annotations

import io
from collections.abc import Iterable, Sequence
from typing import Any

from django.http import HttpResponse
from django.utils import timezone
from django.utils.encoding import escape_uri_path
from django.utils.translation import gettext as _

from grassroots.core import audit
from grassroots.core.models import AuditEvent
from grassroots.members.models import Member
from grassroots.notices.models import Notice, NoticeRecipient
from grassroots.organizations.models import Unit

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
VCARD = "text/vcard; charset=utf-8"


def _attachment(content: bytes, content_type: str, filename: str) -> HttpResponse:
    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = f"attachment; filename*=UTF-8''{escape_uri_path(filename)}"
    response["Cache-Control"] = "private, no-store"
    return response


def _stamp() -> str:
    return timezone.localtime().strftime("%Y%m%d-%H%M")


def _local(value: Any) -> str:
    return timezone.localtime(value).strftime("%Y-%m-%d %H:%M") if value else ""


def _xlsx(
    headers: Sequence[str], rows: Iterable[Sequence[Any]], sheet_name: str
) -> tuple[bytes, int]:
    import xlsxwriter

    buffer = io.BytesIO()
    book = xlsxwriter.Workbook(buffer, {"in_memory": True, "constant_memory": True})
    sheet = book.add_worksheet(sheet_name[:31])
    bold = book.add_format({"bold": True})
    for col, header in enumerate(headers):
        sheet.write_string(0, col, str(header), bold)
    count = 0
    for count, row in enumerate(rows, 1):
        for col, value in enumerate(row):
            if isinstance(value, int | float):
                sheet.write_number(count, col, value)
            else:
                # Text as text: phone numbers and codes keep their leading zeros.
                sheet.write_string(count, col, str(value or ""))
    sheet.set_column(0, len(headers) - 1, 16)
    book.close()
    return buffer.getvalue(), count


def replies_xlsx(*, notice: Notice, focus: Unit, filters: dict[str, Any]) -> HttpResponse:
    """Every recipient of the focus unit's subtree: read time and reply."""
    rows = (
        NoticeRecipient.objects.filter(notice=notice, unit__path__startswith=focus.path)
        .select_related("unit", "member")
        .order_by("unit__path", "member__pinyin_full", "pk")
        .values_list(
            "unit__name",
            "member__name",
            "member__member_number",
            "read_at",
            "reply_choice",
            "reply_comment",
            "replied_at",
        )
    )
    headers = [
        _("组织"),
        _("姓名"),
        _("会员编号"),
        _("阅读时间"),
        _("回执"),
        _("回执备注"),
        _("回执时间"),
    ]
    content, count = _xlsx(
        headers,
        (
            (unit, name, number or "", _local(read), choice, comment, _local(replied))
            for unit, name, number, read, choice, comment, replied in rows.iterator(chunk_size=2000)
        ),
        _("回执"),
    )
    audit.record(
        AuditEvent.Action.EXPORT,
        instance=notice,
        operation="notice_replies_export",
        extra={"filters": {**filters, "unit": focus.code}, "rows": count, "format": "xlsx"},
    )
    return _attachment(content, XLSX, f"{_('回执')}-{notice.pk}-{focus.code}-{_stamp()}.xlsx")


# --- contact lists -------------------------------------------------------------------------


def _vcard_escape(value: str) -> str:
    return (
        str(value)
        .replace("\\", "\\\\")
        .replace(",", "\\,")
        .replace(";", "\\;")
        .replace("\r\n", "\\n")
        .replace("\n", "\\n")
    )


def _fold(line: str) -> str:
    """RFC 2425 folding: lines of at most 75 octets, continued with CRLF and a space, never
    splitting a UTF-8 character."""
    out: list[str] = []
    current = ""
    size = 0
    limit = 75
    for char in line:
        width = len(char.encode("utf-8"))
        if size + width > limit:
            out.append(current)
            current, size, limit = "", 0, 74  # the leading space counts on continued lines
        current += char
        size += width
    out.append(current)
    return "\r\n ".join(out)


def vcard(name: str, phone: str, unit_name: str) -> str:
    """One vCard 3.0 entry: the whole name as the family-name part (Chinese names are not
    split, compound surnames included), the phone as a cell number, the unit as ORG."""
    lines = [
        "BEGIN:VCARD",
        "VERSION:3.0",
        f"N:{_vcard_escape(name)};;;;",
        f"FN:{_vcard_escape(name)}",
        f"TEL;TYPE=CELL:{_vcard_escape(phone)}",
        f"ORG:{_vcard_escape(unit_name)}",
        "END:VCARD",
    ]
    return "".join(_fold(line) + "\r\n" for line in lines)


def _contact_rows(members: Any) -> Iterable[tuple[str, str, str]]:
    return members.values_list("name", "phone", "unit__name").iterator(chunk_size=2000)


def contacts_export(*, unit: Unit, members: Any, fmt: str, filters: dict[str, Any]) -> HttpResponse:
    """The unit subtree's contact list as xlsx or vCard; audited with filter and row count."""
    if fmt == "vcf":
        parts = [vcard(n, p, u) for n, p, u in _contact_rows(members)]
        content, count = "".join(parts).encode("utf-8"), len(parts)
        response = _attachment(content, VCARD, f"{_('通讯录')}-{unit.code}-{_stamp()}.vcf")
    else:
        fmt = "xlsx"
        content, count = _xlsx(
            [_("姓名"), _("手机号码"), _("组织")], _contact_rows(members), _("通讯录")
        )
        response = _attachment(content, XLSX, f"{_('通讯录')}-{unit.code}-{_stamp()}.xlsx")
    audit.record(
        AuditEvent.Action.EXPORT,
        object_type=Member._meta.label_lower,
        object_repr=f"{_('通讯录')} {unit.name}",
        unit_path=unit.path,
        operation="contacts_export",
        extra={"filters": {**filters, "unit": unit.code}, "rows": count, "format": fmt},
    )
    return response
