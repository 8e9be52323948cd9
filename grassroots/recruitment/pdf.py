"""Printable recruitment documents (入会申请表, 审批表, 会员证, filing package) with reportlab.

Chinese text uses reportlab's built-in CID font STSong-Light: the PDF names the font and the
reader supplies the glyphs, so nothing has to be installed on the server (see
docs/decisions/0005-pdf-chinese-fonts.md)."""

from __future__ import annotations

import io
from collections.abc import Iterable
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _
from reportlab.lib.pagesizes import A4, landscape
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.platypus import (
    PageBreak,
    SimpleDocTemplate,
    Spacer,
)

from grassroots.core.pdf import build as _build
from grassroots.core.pdf import grid as _grid
from grassroots.core.pdf import paragraph as _p
from grassroots.core.pdf import styles as _styles
from grassroots.organizations.models import Unit
from grassroots.recruitment import conditions, procedure
from grassroots.recruitment.models import Application, FilingBatch, Step


def _root_name() -> str:
    root = Unit.objects.filter(parent__isnull=True).order_by("path").first()
    return root.name if root else ""


def _name(obj: Any) -> str:
    return str(obj) if obj else ""


def _form_story(app: Application, s: dict[str, ParagraphStyle]) -> list:
    w = 174 * mm
    birth = app.birth_date.isoformat() if app.birth_date else ""
    rows = [
        [_("姓名"), app.name, _("性别"), app.get_sex_display(), _("出生日期"), birth],
        [
            _("民族"),
            _name(app.ethnicity),
            _("学历"),
            _name(app.education),
            _("学位"),
            app.get_degree_display(),
        ],
        [
            _("职称"),
            _name(app.title),
            _("界别"),
            _name(app.sector),
            _("身份证号"),
            app.id_number_masked,
        ],
        [_("工作单位"), app.employer, _("职务"), app.post, _("联系电话"), app.phone],
        [
            _("优才"),
            (_("是：%(k)s") % {"k": _name(app.talent_kind)}) if app.is_talent else _("否"),
            _("其他党派"),
            app.other_party or _("无"),
            _("申请支部"),
            app.unit.name,
        ],
    ]
    widths = [w * x for x in (0.12, 0.21, 0.12, 0.21, 0.12, 0.22)]
    story: list = [
        _p(_("入会申请表"), s["title"]),
        Spacer(1, 4 * mm),
        _grid(rows, widths, s["body"]),
    ]
    for label, text in (
        (_("个人简历"), app.resume),
        (_("入会理由"), app.reasons),
        (_("家庭成员"), app.family_relations),
        (_("主要社会关系"), app.social_relations),
    ):
        story.append(_grid([[label, text or "—"]], [w * 0.16, w * 0.84], s["body"]))
    intro = [
        [
            _("介绍人"),
            ", ".join(
                f"{i.member.name}（{i.member.member_number or ''}）"
                for i in app.introducers.select_related("member")
            )
            or "—",
        ]
    ]
    story.append(_grid(intro, [w * 0.16, w * 0.84], s["body"]))
    story.append(Spacer(1, 6 * mm))
    story.append(_p(_("申请人签名：　　　　　　　　　　日期：　　　　年　　月　　日"), s["body"]))
    return story


def application_form_pdf(app: Application) -> bytes:
    return _build(_form_story(app, _styles()))


def _step_text(step: Step | None) -> str:
    if step is None:
        return ""
    lines = []
    if step.comment:
        lines.append(step.comment)
    lines.extend(f"{k}：{v}" for k, v in step.data.items() if v not in (None, ""))
    when = timezone.localtime(step.at).strftime("%Y-%m-%d")
    lines.append(_("办理人：%(who)s　%(when)s") % {"who": step.actor_name, "when": when})
    return "\n".join(lines)


def _labelled(step: Step | None) -> Step | None:
    """Replace stage field names with their labels for printing."""
    if step is None:
        return None
    labels = {f["name"]: f.get("label", f["name"]) for f in step.stage.fields}
    step.data = {labels.get(k, k): v for k, v in step.data.items()}
    return step


def _approval_story(app: Application, s: dict[str, ParagraphStyle]) -> list:
    w = 174 * mm
    latest: dict[int, Step] = {}
    for step in app.steps.filter(action=Step.Action.ADVANCE).select_related("stage"):
        latest[step.stage_id] = step
    rows: list[list[Any]] = [[_("环节"), _("办理情况")]]
    for stage in procedure.applicable_stages(app.unit):
        rows.append([stage.name, _step_text(_labelled(latest.get(stage.pk)))])
    cond_rows: list[list[Any]] = [[_("入会条件"), _("结果"), _("说明")]]
    for o in conditions.evaluate(app):
        text = o.sentence
        if o.override_reason:
            text += "\n" + _("破格理由：%(r)s") % {"r": o.override_reason}
        cond_rows.append([o.rule.name, o.label, text])
    story: list = [
        _p(_("入会审批表"), s["title"]),
        Spacer(1, 2 * mm),
        _p(
            _("申请人：%(name)s　申请支部：%(unit)s　状态：%(state)s")
            % {"name": app.name, "unit": app.unit.name, "state": app.get_state_display()},
            s["body"],
        ),
        Spacer(1, 3 * mm),
        _grid(cond_rows, [w * 0.3, w * 0.12, w * 0.58], s["small"]),
        Spacer(1, 3 * mm),
        _grid(rows, [w * 0.2, w * 0.8], s["body"]),
    ]
    if app.quota_override_reason:
        story.append(_p(_("超名额审批理由：%(r)s") % {"r": app.quota_override_reason}, s["body"]))
    return story


def approval_form_pdf(app: Application) -> bytes:
    return _build(_approval_story(app, _styles()))


def certificate_pdf(app: Application) -> bytes:
    """会员证: one card-sized page."""
    s = _styles()
    member = app.member
    assert member is not None
    rows = [
        [_("姓名"), member.name],
        [_("会员编号"), member.member_number or ""],
        [_("所属组织"), member.unit.name],
        [_("入会日期"), member.join_date.isoformat() if member.join_date else ""],
    ]
    story = [
        _p(_root_name(), s["h2"]),
        _p(_("会员证"), s["title"]),
        Spacer(1, 3 * mm),
        _grid(rows, [28 * mm, 90 * mm], s["body"]),
        Spacer(1, 4 * mm),
        _p(_("发证日期：%(d)s") % {"d": timezone.localdate().isoformat()}, s["small"]),
    ]
    buffer = io.BytesIO()
    doc = SimpleDocTemplate(
        buffer,
        pagesize=(140 * mm, 100 * mm),
        leftMargin=10 * mm,
        rightMargin=10 * mm,
        topMargin=8 * mm,
        bottomMargin=8 * mm,
    )
    doc.build(story)
    return buffer.getvalue()


def filing_package_pdf(batch: FilingBatch, apps: Iterable[Application]) -> bytes:
    """The batch list followed by each application's form and approval record."""
    s = _styles()
    apps = list(apps)
    w = 261 * mm
    rows: list[list[Any]] = [
        [
            _("序号"),
            _("姓名"),
            _("性别"),
            _("出生日期"),
            _("学历"),
            _("职称"),
            _("界别"),
            _("工作单位及职务"),
            _("申请支部"),
            _("审批日期"),
        ]
    ]
    for n, app in enumerate(apps, start=1):
        rows.append(
            [
                n,
                app.name,
                app.get_sex_display(),
                app.birth_date.isoformat() if app.birth_date else "",
                _name(app.education),
                _name(app.title),
                _name(app.sector),
                f"{app.employer} {app.post}".strip(),
                app.unit.name,
                app.approved_on.isoformat() if app.approved_on else "",
            ]
        )
    widths = [w * x for x in (0.05, 0.09, 0.05, 0.1, 0.1, 0.08, 0.08, 0.22, 0.15, 0.08)]
    story: list = [
        _p(_("入会备案名册（批次%(n)s）") % {"n": batch.number}, s["title"]),
        _p(
            _("报送单位：%(u)s　报送日期：%(d)s　共%(c)s人")
            % {"u": batch.unit.name, "d": batch.sent_on.isoformat(), "c": len(apps)},
            s["body"],
        ),
        Spacer(1, 3 * mm),
        _grid(rows, widths, s["small"]),
    ]
    list_pdf_pages = story
    detail: list = []
    for app in apps:
        detail.append(PageBreak())
        detail.extend(_form_story(app, s))
        detail.append(PageBreak())
        detail.extend(_approval_story(app, s))
    buffer = io.BytesIO()
    doc = SimpleDocTemplate(
        buffer,
        pagesize=landscape(A4),
        leftMargin=18 * mm,
        rightMargin=18 * mm,
        topMargin=16 * mm,
        bottomMargin=16 * mm,
    )
    doc.build(list_pdf_pages + detail)
    return buffer.getvalue()
