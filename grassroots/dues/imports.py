"""Import of a collection sheet (收缴表, xlsx): one payment per row, all rows or none.

The first row names the columns; 会员编号, 金额 and 缴费日期 are required, 姓名 (checked against
the member), 缴费方式 (default 现金) and 备注 are optional. Errors name the row and column.
"""

from __future__ import annotations

import datetime
import io
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from grassroots.dues import services
from grassroots.dues.models import DuesRecord, Payment, PaymentMethod
from grassroots.organizations.models import Unit

MAX_BYTES = 5 * 1024 * 1024
MAX_ROWS = 20_000
COLUMNS = {
    "number": ("会员编号",),
    "name": ("姓名",),
    "amount": ("金额", "缴费金额", "本次收缴金额", "实收金额"),
    "paid_on": ("缴费日期", "日期"),
    "method": ("缴费方式", "方式"),
    "note": ("备注",),
}
REQUIRED = ("number", "amount", "paid_on")
METHODS = {
    "现金": PaymentMethod.CASH,
    "转账": PaymentMethod.TRANSFER,
    "银行转账": PaymentMethod.TRANSFER,
    "微信": PaymentMethod.WECHAT,
    "支付宝": PaymentMethod.ALIPAY,
    "其他": PaymentMethod.OTHER,
    **{m.value: m.value for m in PaymentMethod},
}


def _label(key: str) -> str:
    return COLUMNS[key][0]


def _read(content: bytes) -> list[list[Any]]:
    from python_calamine import CalamineWorkbook

    if len(content) > MAX_BYTES:
        raise ValidationError(_("文件超过5MB，请拆分后再导入"))
    try:
        book = CalamineWorkbook.from_filelike(io.BytesIO(content))
        rows = book.get_sheet_by_index(0).to_python(skip_empty_area=False)
    except Exception as exc:  # calamine raises its own error types for damaged files
        raise ValidationError(_("文件无法读取：请上传Excel文件（.xlsx）")) from exc
    if len(rows) > MAX_ROWS + 1:
        raise ValidationError(_("一次最多导入%(n)s行") % {"n": MAX_ROWS})
    return rows


def _text(value: Any) -> str:
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return "" if value is None else str(value).strip()


def _date(value: Any) -> datetime.date:
    if isinstance(value, datetime.datetime):
        return value.date()
    if isinstance(value, datetime.date):
        return value
    text = _text(value).replace("/", "-").replace(".", "-")
    try:
        return datetime.date.fromisoformat("-".join(p.zfill(2) for p in text.split("-")))
    except ValueError as exc:
        raise ValueError(_("日期“%(v)s”无法识别，请写成2025-03-01") % {"v": _text(value)}) from exc


@transaction.atomic
def collection_import(*, unit: Unit, year: int, content: bytes, actor: Any = None) -> list[Payment]:
    """Read the sheet, check every row, then record all payments (or raise with every error)."""
    services.check_unit_in_scope(unit, actor)
    rows = _read(content)
    if not rows:
        raise ValidationError(_("文件是空的"))
    header = [_text(c) for c in rows[0]]
    where: dict[str, int] = {}
    for key, names in COLUMNS.items():
        for index, title in enumerate(header):
            if title in names and key not in where:
                where[key] = index
    missing = [_label(k) for k in REQUIRED if k not in where]
    if missing:
        raise ValidationError(_("第1行（表头）缺少列：%(cols)s") % {"cols": "、".join(missing)})
    body = [(n, r) for n, r in enumerate(rows[1:], start=2) if any(_text(c) for c in r)]
    if not body:
        raise ValidationError(_("表中没有数据行"))

    def cell(row: list[Any], key: str) -> Any:
        index = where.get(key)
        return row[index] if index is not None and index < len(row) else None

    numbers = {_text(cell(r, "number")) for _n, r in body}
    records = {
        r.member.member_number: r
        for r in DuesRecord.objects.filter(
            year=year, unit__path__startswith=unit.path, member__member_number__in=numbers
        ).select_related("member", "unit")
    }
    errors: list[str] = []
    entries: list[services.Entry] = []
    for line, row in body:

        def err(key: str, message: str, line: int = line) -> None:
            errors.append(
                _("第%(row)s行“%(col)s”列：%(msg)s")
                % {"row": line, "col": _label(key), "msg": message}
            )

        number = _text(cell(row, "number"))
        record = records.get(number)
        if not number:
            err("number", _("必须填写"))
        elif record is None:
            err(
                "number",
                _("%(unit)s没有会员编号为%(n)s的会员的%(year)s年度会费记录")
                % {"unit": unit.name, "n": number, "year": year},
            )
        name = _text(cell(row, "name"))
        if record is not None and name and name != record.member.name:
            err(
                "name",
                _("与会员编号%(n)s的姓名“%(real)s”不符")
                % {"n": number, "real": record.member.name},
            )
        amount = _text(cell(row, "amount"))
        if not amount:
            err("amount", _("必须填写"))
        try:
            paid_on = _date(cell(row, "paid_on"))
        except ValueError as exc:
            err("paid_on", str(exc))
            paid_on = None
        method_text = _text(cell(row, "method")) or "现金"
        method = METHODS.get(method_text)
        if method is None:
            err(
                "method",
                _("“%(v)s”不是有效的缴费方式（可填：现金、转账、微信、支付宝、其他）")
                % {"v": method_text},
            )
        if record is not None and amount and paid_on is not None and method is not None:
            entries.append(
                services.Entry(
                    record=record,
                    amount=amount.replace("，", ""),
                    paid_on=paid_on,
                    method=method,
                    note=_text(cell(row, "note")),
                    where=_("第%(row)s行（%(name)s）：")
                    % {"row": line, "name": record.member.name},
                )
            )
    if errors:
        raise ValidationError(errors)
    return services.payments_record_bulk(entries=entries, actor=actor)


def template_rows(records: list[DuesRecord]) -> list[list[Any]]:
    """Rows of a blank collection sheet for the given dues rows (the arrears of a unit)."""
    return [
        [
            r.member.member_number or "",
            r.member.name,
            r.unit.name,
            r.amount_due - r.amount_paid,
            None,
            None,
            None,
            None,
        ]
        for r in records
    ]


TEMPLATE_HEADERS = [
    "会员编号",
    "姓名",
    "组织",
    "欠缴（元）",
    "金额",
    "缴费日期",
    "缴费方式",
    "备注",
]
