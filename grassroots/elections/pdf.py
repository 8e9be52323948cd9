"""Printable election documents: the unit's 请示, the level above's 批复 and the result report."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _
from reportlab.lib.units import mm
from reportlab.platypus import Spacer

from grassroots.core.pdf import build, grid, paragraph, styles
from grassroots.elections import procedure
from grassroots.elections.models import Election


def _date(day) -> str:
    return f"{day.year}年{day.month}月{day.day}日" if day else ""


def _parent_name(election: Election) -> str:
    return procedure.acting_unit(election, procedure.stage("approve")).name


def _signature(unit_name: str, day) -> list:
    s = styles()
    right = s["body"].clone("right", alignment=2)
    return [Spacer(1, 12 * mm), paragraph(unit_name, right), paragraph(_date(day), right)]


def request_pdf(election: Election) -> bytes:
    s = styles()
    unit = election.unit
    story: list = [
        paragraph(_("关于%(unit)s换届选举的请示") % {"unit": unit.name}, s["title"]),
        Spacer(1, 6 * mm),
        paragraph(_parent_name(election) + _("："), s["body"]),
        Spacer(1, 3 * mm),
        paragraph(
            _(
                "%(unit)s本届委员会任期即将届满（或已届满）。经研究，拟召开会员大会（代表大会）"
                "选举产生第%(n)s届委员会，拟设委员%(seats)s名%(when)s。现将候选人建议名单报上，请予批复。"
            )
            % {
                "unit": unit.name,
                "n": election.term_number,
                "seats": election.proposed_seats,
                "when": (
                    _("，拟于%(d)s召开") % {"d": _date(election.planned_date)}
                    if election.planned_date
                    else ""
                ),
            },
            s["body"],
        ),
    ]
    if election.request_text:
        story += [Spacer(1, 3 * mm), paragraph(election.request_text, s["body"])]
    rows: list[list[Any]] = [
        [_("序号"), _("姓名"), _("性别"), _("出生日期"), _("所属组织"), _("拟任职务")]
    ]
    for i, c in enumerate(election.candidates.select_related("member__unit"), 1):
        m = c.member
        rows.append(
            [
                i,
                m.name,
                m.get_sex_display(),
                m.birth_date.isoformat() if m.birth_date else "",
                m.unit.name,
                c.get_post_display(),
            ]
        )
    story += [
        Spacer(1, 4 * mm),
        paragraph(_("附：候选人建议名单"), s["h2"]),
        grid(rows, [12 * mm, 26 * mm, 14 * mm, 26 * mm, 60 * mm, 36 * mm], s["small"]),
        *_signature(unit.name, election.request_date),
    ]
    return build(story, title=_("换届请示"))


def approval_pdf(election: Election) -> bytes:
    s = styles()
    unit = election.unit
    parent = election.approved_by_unit.name if election.approved_by_unit else _parent_name(election)
    story: list = [
        paragraph(_("关于同意%(unit)s换届选举的批复") % {"unit": unit.name}, s["title"]),
    ]
    if election.approval_number:
        story.append(paragraph(election.approval_number, s["body"].clone("c", alignment=1)))
    story += [
        Spacer(1, 6 * mm),
        paragraph(unit.name + _("："), s["body"]),
        Spacer(1, 3 * mm),
        paragraph(
            _(
                "你单位%(d)s《关于%(unit)s换届选举的请示》收悉。经研究，同意你单位召开会员大会"
                "（代表大会）选举产生第%(n)s届委员会，应选委员%(seats)s名，候选人名单如下。"
                "请按照有关规定认真组织选举，并将选举结果及时报我单位备案。"
            )
            % {
                "d": _date(election.request_date),
                "unit": unit.name,
                "n": election.term_number,
                "seats": election.seats or 0,
            },
            s["body"],
        ),
    ]
    if election.approval_text:
        story += [Spacer(1, 3 * mm), paragraph(election.approval_text, s["body"])]
    rows: list[list[Any]] = [[_("序号"), _("姓名"), _("性别"), _("所属组织"), _("拟任职务")]]
    approved = election.candidates.filter(approved=True).select_related("member__unit")
    for i, c in enumerate(approved, 1):
        rows.append(
            [i, c.member.name, c.member.get_sex_display(), c.member.unit.name, c.get_post_display()]
        )
    story += [
        Spacer(1, 4 * mm),
        paragraph(_("候选人名单"), s["h2"]),
        grid(rows, [12 * mm, 30 * mm, 16 * mm, 72 * mm, 44 * mm], s["small"]),
        *_signature(parent, election.approval_date),
    ]
    return build(story, title=_("换届批复"))


def result_pdf(election: Election) -> bytes:
    s = styles()
    unit = election.unit
    story: list = [
        paragraph(_("关于%(unit)s换届选举结果的报告") % {"unit": unit.name}, s["title"]),
        Spacer(1, 6 * mm),
        paragraph(_parent_name(election) + _("："), s["body"]),
        Spacer(1, 3 * mm),
        paragraph(
            _(
                "根据%(approval)s批复，%(unit)s于%(d)s召开会员大会（代表大会），应到%(t)s人，"
                "实到%(p)s人，符合规定人数。大会以无记名投票方式选举产生第%(n)s届委员会，"
                "应选%(seats)s名，当选%(e)s名。现将选举结果报告如下，请予备案。"
            )
            % {
                "approval": election.approval_number or _("上级"),
                "unit": unit.name,
                "d": _date(election.meeting_date),
                "t": election.total_voters or 0,
                "p": election.present or 0,
                "n": election.term_number,
                "seats": election.seats or 0,
                "e": election.candidates.filter(elected=True).count(),
            },
            s["body"],
        ),
    ]
    rows: list[list[Any]] = [[_("序号"), _("姓名"), _("所属组织"), _("职务"), _("得票"), _("结果")]]
    ranked = election.candidates.filter(approved=True).select_related("member__unit")
    for i, c in enumerate(sorted(ranked, key=lambda c: (-(c.votes or 0), c.order)), 1):
        rows.append(
            [
                i,
                c.member.name,
                c.member.unit.name,
                c.get_post_display(),
                c.votes if c.votes is not None else "",
                _("当选") if c.elected else _("未当选"),
            ]
        )
    story += [
        Spacer(1, 4 * mm),
        grid(rows, [12 * mm, 28 * mm, 60 * mm, 28 * mm, 20 * mm, 26 * mm], s["small"]),
        *_signature(unit.name, election.meeting_date),
    ]
    return build(story, title=_("换届选举结果报告"))
