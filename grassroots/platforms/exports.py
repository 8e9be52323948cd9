"""xlsx exports of the four platforms; every export is audited with its filter and row count."""

from __future__ import annotations

import io
from collections.abc import Callable
from typing import Any

import xlsxwriter
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy

from grassroots.core import audit
from grassroots.core.models import AuditEvent
from grassroots.platforms import selectors
from grassroots.platforms.models import (
    InformationPiece,
    Proposal,
    ResearchTopic,
    ServiceProject,
)


def _authors(rows: Any) -> str:
    return "、".join(str(a.member.name if a.member else a.author_unit.name) for a in rows)


def _proposal_rows(qs: QuerySet[Proposal]) -> tuple[list[str], Callable[[Proposal], list[Any]]]:
    header = [
        _("收件编号"),
        _("年度"),
        _("类别"),
        _("标题"),
        _("作者"),
        _("所属组织"),
        _("状态"),
        _("疑似重复"),
        _("报送单位"),
        _("立案"),
        _("被采纳"),
        _("采纳级别"),
        _("领导批示"),
        _("满意度"),
    ]

    def row(p: Proposal) -> list[Any]:
        filed = "" if p.filed_as_case is None else (_("是") if p.filed_as_case else _("否"))
        return [
            p.reference_code or "",
            p.year,
            p.kind.name,
            p.title,
            _authors(p.authors.all()),
            p.unit.name,
            p.get_status_display(),
            _("是") if p.possible_duplicate else "",
            p.forward_organization,
            filed,
            _("是") if p.adopted else _("否"),
            p.adoption_level.name if p.adoption_level else "",
            "；".join(f"{i.leader}（{i.level.name}）" for i in p.instructions.all()),
            p.get_satisfaction_display() if p.satisfaction else "",
        ]

    return header, row


def _information_rows(qs: Any) -> tuple[list[str], Callable[[InformationPiece], list[Any]]]:
    header = [
        _("年度"),
        _("标题"),
        _("作者"),
        _("所属组织"),
        _("报送日期"),
        _("状态"),
        _("采用/刊发"),
        _("积分"),
    ]

    def row(p: InformationPiece) -> list[Any]:
        return [
            p.year,
            p.title,
            _authors(p.authors.all()),
            p.unit.name,
            p.submitted_on.isoformat(),
            p.get_status_display(),
            "；".join(f"{a.outlet}（{a.level.name}）" for a in p.adoptions.all()),
            float(p.points),
        ]

    return header, row


def _research_rows(qs: Any) -> tuple[list[str], Callable[[ResearchTopic], list[Any]]]:
    header = [
        _("年度"),
        _("课题名称"),
        _("课题来源"),
        _("负责人"),
        _("成员"),
        _("所属组织"),
        _("状态"),
        _("成果数"),
        _("获奖"),
    ]

    def row(t: ResearchTopic) -> list[Any]:
        return [
            t.year,
            t.title,
            t.source,
            t.lead.name,
            "、".join(m.member.name for m in t.members.all()),
            t.unit.name,
            t.get_status_display(),
            len(t.outputs.all()),
            "；".join(f"{a.name}（{a.level.name}{a.grade}）" for a in t.awards.all()),
        ]

    return header, row


def _service_rows(qs: Any) -> tuple[list[str], Callable[[ServiceProject], list[Any]]]:
    header = [
        _("年度"),
        _("项目名称"),
        _("类别"),
        _("主办组织"),
        _("协办组织"),
        _("开始日期"),
        _("结束日期"),
        _("状态"),
        _("志愿者人数"),
        _("服务时长（小时）"),
        _("受益人数"),
        _("资金（元）"),
        _("物资折价（元）"),
    ]

    def row(s: ServiceProject) -> list[Any]:
        volunteers = list(s.volunteers.all())
        return [
            s.year,
            s.title,
            s.kind.name,
            s.unit.name,
            "、".join(p.unit.name for p in s.partner_units.all()),
            s.start_date.isoformat(),
            s.end_date.isoformat() if s.end_date else "",
            s.get_status_display(),
            len(volunteers),
            float(sum(v.hours for v in volunteers)),
            s.beneficiaries,
            float(s.funds),
            float(s.materials_value),
        ]

    return header, row


PLATFORMS: dict[str, tuple[Any, Any, list[str], Any]] = {
    # name: (selector, row builder, prefetches, sheet title)
    "proposals": (
        selectors.proposals_list,
        _proposal_rows,
        [
            "authors__member",
            "authors__author_unit",
            "instructions__level",
        ],
        _lazy("提案"),
    ),
    "information": (
        selectors.information_list,
        _information_rows,
        ["authors__member", "authors__author_unit", "adoptions__level"],
        _lazy("宣传信息"),
    ),
    "research": (
        selectors.research_list,
        _research_rows,
        ["members__member", "outputs", "awards__level"],
        _lazy("理论研究"),
    ),
    "service": (
        selectors.service_list,
        _service_rows,
        ["partner_units__unit", "volunteers"],
        _lazy("社会服务"),
    ),
}


def platform_export_xlsx(
    *, user: Any, platform: str, filters: dict[str, Any]
) -> tuple[str, bytes, int]:
    """(file name, xlsx bytes, row count) of the user's visible records matching the filter."""
    selector, builder, prefetch, sheet = PLATFORMS[platform]
    qs = selector(user=user, **filters)
    if platform == "proposals":
        qs = qs.select_related("adoption_level")
    qs = qs.prefetch_related(*prefetch)
    header, row = builder(qs)
    buffer = io.BytesIO()
    book = xlsxwriter.Workbook(buffer, {"in_memory": True})
    ws = book.add_worksheet(str(sheet))
    bold = book.add_format({"bold": True})
    ws.write_row(0, 0, header, bold)
    count = 0
    for count, obj in enumerate(qs.iterator(chunk_size=1000), 1):
        ws.write_row(count, 0, row(obj))
    book.close()
    shown = {
        k: (v.pk if hasattr(v, "pk") else v) for k, v in filters.items() if v not in (None, "")
    }
    audit.record(
        AuditEvent.Action.EXPORT,
        object_type=f"platforms.{platform}",
        object_repr=_("%(s)s导出") % {"s": sheet},
        extra={"filter": shown, "rows": count, "format": "xlsx"},
    )
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
    return f"{platform}-{stamp}.xlsx", buffer.getvalue(), count
