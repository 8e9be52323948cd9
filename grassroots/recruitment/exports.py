"""The filing package as xlsx: one row per application in the batch."""

from __future__ import annotations

import io
from collections.abc import Iterable

import xlsxwriter
from django.utils.translation import gettext as _

from grassroots.recruitment.models import Application, FilingBatch


def filing_package_xlsx(batch: FilingBatch, apps: Iterable[Application]) -> bytes:
    buffer = io.BytesIO()
    book = xlsxwriter.Workbook(buffer, {"in_memory": True})
    sheet = book.add_worksheet(_("备案名册"))
    bold = book.add_format({"bold": True})
    headers = [
        _("序号"),
        _("申请编号"),
        _("姓名"),
        _("性别"),
        _("民族"),
        _("出生日期"),
        _("身份证号"),
        _("学历"),
        _("学位"),
        _("职称"),
        _("界别"),
        _("工作单位"),
        _("职务"),
        _("优才类别"),
        _("申请支部"),
        _("审批日期"),
        _("破格/超名额说明"),
    ]
    sheet.write_row(
        0, 0, [_("批次号"), batch.number, _("报送日期"), batch.sent_on.isoformat()], bold
    )
    sheet.write_row(2, 0, headers, bold)
    for n, app in enumerate(apps, start=1):
        notes = [f"{o.rule.name}：{o.reason}" for o in app.overrides.select_related("rule")]
        if app.quota_override_reason:
            notes.append(_("超名额：%(r)s") % {"r": app.quota_override_reason})
        sheet.write_row(
            2 + n,
            0,
            [
                n,
                app.pk,
                app.name,
                app.get_sex_display(),
                str(app.ethnicity or ""),
                app.birth_date.isoformat() if app.birth_date else "",
                app.id_number_masked,
                str(app.education or ""),
                app.get_degree_display(),
                str(app.title or ""),
                str(app.sector or ""),
                app.employer,
                app.post,
                str(app.talent_kind or "") if app.is_talent else "",
                app.unit.name,
                app.approved_on.isoformat() if app.approved_on else "",
                "；".join(notes),
            ],
        )
    sheet.set_column(0, len(headers), 14)
    book.close()
    return buffer.getvalue()
