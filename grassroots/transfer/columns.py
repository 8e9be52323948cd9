"""The roster columns the importer knows, their aliases, and how a header row is recognised."""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass

from django.utils.translation import gettext_lazy as _


@dataclass(frozen=True)
class Column:
    key: str  # Member field name, or "unit"
    label: object  # the canonical header (lazy Chinese string)
    aliases: tuple[str, ...]
    kind: str  # text, name, sex, date, id, phone, email, ref, degree, bool, unit
    ref: str = ""  # reference model name for kind "ref"
    example: str = ""


COLUMNS: tuple[Column, ...] = (
    Column("name", _("姓名"), ("姓名", "名字", "会员姓名"), "name", example="张三"),
    Column("sex", _("性别"), ("性别",), "sex", example="男"),
    Column("ethnicity", _("民族"), ("民族",), "ref", ref="Ethnicity", example="汉族"),
    Column(
        "id_number",
        _("身份证号"),
        ("身份证号", "身份证号码", "公民身份号码", "身份证", "公民身份证号码", "证件号码"),
        "id",
        example="430102197503081234",
    ),
    Column(
        "birth_date",
        _("出生日期"),
        ("出生日期", "出生年月", "出生年月日", "生日"),
        "date",
        example="1975-03-08",
    ),
    Column(
        "phone",
        _("手机号码"),
        ("手机号码", "手机", "手机号", "联系电话", "电话", "联系方式"),
        "phone",
        example="13800138000",
    ),
    Column("email", _("电子邮箱"), ("电子邮箱", "邮箱", "电子邮件", "email", "e-mail"), "email"),
    Column("education", _("学历"), ("学历", "最高学历", "文化程度"), "ref", ref="Education"),
    Column("degree", _("学位"), ("学位", "最高学位"), "degree"),
    Column("title", _("职称"), ("职称", "专业技术职称", "技术职称"), "ref", ref="Title"),
    Column("sector", _("界别"), ("界别", "所属界别"), "ref", ref="Sector"),
    Column("employer", _("工作单位"), ("工作单位", "单位", "工作单位名称"), "text"),
    Column("post", _("职务"), ("职务", "现任职务", "单位职务"), "text"),
    Column("join_date", _("入会日期"), ("入会日期", "入会时间", "入会年月"), "date"),
    Column("member_number", _("会员编号"), ("会员编号", "会员证号", "编号"), "text"),
    Column("is_talent", _("优才"), ("优才", "是否优才"), "bool"),
    Column("talent_kind", _("优才类别"), ("优才类别",), "ref", ref="TalentKind"),
    Column(
        "unit",
        _("所属组织"),
        ("所属组织", "所属支部", "所在组织", "基层组织", "所在支部", "支部"),
        "unit",
        example="",
    ),
)
BY_KEY = {c.key: c for c in COLUMNS}
# Headers that carry nothing to import and are expected in real rosters: not warned about.
IGNORED_HEADERS = {"序号", "编号序号", "no", "no.", "备注"}

FOOTER_PREFIXES = ("制表人", "审核人", "填表人", "负责人", "制表日期", "填报日期", "合计", "注：")


def normalize_header(text: object) -> str:
    """Full-width folded, spaces, colons and asterisks (required marks) dropped, lower-cased."""
    value = unicodedata.normalize("NFKC", str(text or ""))
    return "".join(value.split()).strip("*：:").lower()


_ALIASES: dict[str, str] = {
    normalize_header(alias): column.key for column in COLUMNS for alias in column.aliases
}


def match_header(text: object) -> str | None:
    return _ALIASES.get(normalize_header(text))


@dataclass
class HeaderMap:
    row_index: int  # 0-based index in the sheet's rows
    fields: dict[str, int]  # field key -> column index
    headers: list[str]  # the file's own header text per column index
    unknown: list[str]


def find_header(rows: list[list[object]], scan: int = 30) -> HeaderMap | None:
    """The first row (within ``scan``) naming 姓名 and at least one more known column."""
    for index, row in enumerate(rows[:scan]):
        fields: dict[str, int] = {}
        for col, cell in enumerate(row):
            key = match_header(cell)
            if key and key not in fields:
                fields[key] = col
        if "name" in fields and len(fields) >= 2:
            headers = [str(c or "").strip() for c in row]
            unknown = [
                h
                for col, h in enumerate(headers)
                if h and col not in fields.values() and normalize_header(h) not in IGNORED_HEADERS
            ]
            return HeaderMap(index, fields, headers, unknown)
    return None
