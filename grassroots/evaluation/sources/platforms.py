"""Indicator source for the four work platforms: proposals, information, research, service.

Unit metrics count the records a unit owns (its own, not its subtree's; co-authors' units are
not credited, as in the platforms' statistics). Member metrics count what the member is
credited on (author, group member, volunteer) whichever unit owns the record. The period is
applied to the record's own date: a proposal's submission, an information piece's submission,
a topic's approval (its awards by their date), a service project's start.
"""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Any

from django.db.models import Count, Q, Sum
from django.utils.translation import gettext_lazy as _

from grassroots.evaluation.sources import (
    Metric,
    MetricContext,
    Subject,
    as_decimal,
    ratio,
    register,
)


def _moments(ctx: MetricContext) -> tuple[datetime.datetime, datetime.datetime]:
    """The period as aware datetimes [start 00:00, day after end 00:00) in local time."""
    from django.utils import timezone

    tz = timezone.get_current_timezone()
    start = datetime.datetime.combine(ctx.start, datetime.time.min, tzinfo=tz)
    end = datetime.datetime.combine(
        ctx.end + datetime.timedelta(days=1), datetime.time.min, tzinfo=tz
    )
    return start, end


def _proposal_filter(ctx: MetricContext, prefix: str = "") -> Q:
    start, end = _moments(ctx)
    q = Q(**{f"{prefix}submitted_at__gte": start, f"{prefix}submitted_at__lt": end}) & ~Q(
        **{f"{prefix}status__in": ["draft", "withdrawn"]}
    )
    kind = ctx.params.get("kind")
    if kind:
        kinds = [kind] if isinstance(kind, str) else list(kind)
        q &= Q(**{f"{prefix}kind__code__in": kinds})
    return q


def _proposal_counts(ctx: MetricContext) -> dict[int, dict[str, Any]]:
    """{unit id: {submitted, adopted, filed, instructed}} in one grouped query."""
    from grassroots.platforms.models import Proposal

    def fetch() -> dict[int, dict[str, Any]]:
        rows = (
            Proposal.objects.filter(unit_id__in=ctx.subject_ids)
            .filter(_proposal_filter(ctx))
            .order_by()
            .values("unit_id")
            .annotate(
                submitted=Count("id", distinct=True),
                adopted=Count("id", filter=Q(adopted=True), distinct=True),
                filed=Count("id", filter=Q(filed_as_case=True), distinct=True),
                instructed=Count("id", filter=Q(instructions__isnull=False), distinct=True),
            )
        )
        return {r["unit_id"]: dict(r) for r in rows}

    key = ("platforms.proposals", ctx.start, ctx.end, str(ctx.params.get("kind")))
    return ctx.memo(key, fetch)


def _pick(table: dict[int, dict[str, Any]], name: str) -> dict[int, Decimal]:
    return {k: as_decimal(v[name]) for k, v in table.items() if v.get(name)}


def proposals_submitted(ctx: MetricContext) -> dict[int, Decimal]:
    return _pick(_proposal_counts(ctx), "submitted")


def proposals_adopted(ctx: MetricContext) -> dict[int, Decimal]:
    return _pick(_proposal_counts(ctx), "adopted")


def proposals_filed(ctx: MetricContext) -> dict[int, Decimal]:
    return _pick(_proposal_counts(ctx), "filed")


def proposals_instructed(ctx: MetricContext) -> dict[int, Decimal]:
    return _pick(_proposal_counts(ctx), "instructed")


def proposals_per_member(ctx: MetricContext) -> dict[int, Decimal]:
    from grassroots.evaluation.sources.members import active_member_counts

    counts = {k: v["submitted"] for k, v in _proposal_counts(ctx).items()}
    return ratio(counts, active_member_counts(ctx))


def proposal_records(ctx: MetricContext, subject_id: int) -> Any:
    from grassroots.platforms.models import Proposal

    return Proposal.objects.filter(unit_id=subject_id).filter(_proposal_filter(ctx)).order_by("id")


def _information_counts(ctx: MetricContext) -> dict[int, dict[str, Any]]:
    from grassroots.platforms.models import InformationPiece

    def fetch() -> dict[int, dict[str, Any]]:
        rows = (
            InformationPiece.objects.filter(
                unit_id__in=ctx.subject_ids, submitted_on__range=(ctx.start, ctx.end)
            )
            .exclude(status="withdrawn")
            .order_by()
            .values("unit_id")
            .annotate(
                submitted=Count("id"),
                adopted=Count("id", filter=Q(status="adopted")),
                points=Sum("points"),
            )
        )
        return {r["unit_id"]: dict(r) for r in rows}

    return ctx.memo(("platforms.information", ctx.start, ctx.end), fetch)


def information_submitted(ctx: MetricContext) -> dict[int, Decimal]:
    return _pick(_information_counts(ctx), "submitted")


def information_adopted(ctx: MetricContext) -> dict[int, Decimal]:
    return _pick(_information_counts(ctx), "adopted")


def information_points(ctx: MetricContext) -> dict[int, Decimal]:
    return _pick(_information_counts(ctx), "points")


def information_quota_rate(ctx: MetricContext) -> dict[int, Decimal]:
    """Adopted pieces over the unit's yearly quota (units without a quota are left out)."""
    from grassroots.platforms.models import InformationQuota

    quotas = dict(
        InformationQuota.objects.filter(
            unit_id__in=ctx.subject_ids, year=ctx.year, target_adopted__gt=0
        ).values_list("unit_id", "target_adopted")
    )
    return ratio({k: v["adopted"] for k, v in _information_counts(ctx).items()}, quotas)


def information_records(ctx: MetricContext, subject_id: int) -> Any:
    from grassroots.platforms.models import InformationPiece

    return (
        InformationPiece.objects.filter(
            unit_id=subject_id, submitted_on__range=(ctx.start, ctx.end)
        )
        .exclude(status="withdrawn")
        .order_by("submitted_on", "id")
    )


def research_topics(ctx: MetricContext) -> dict[int, Decimal]:
    from grassroots.platforms.models import ResearchTopic

    rows = (
        ResearchTopic.objects.filter(
            unit_id__in=ctx.subject_ids, approved_on__range=(ctx.start, ctx.end)
        )
        .exclude(status="cancelled")
        .order_by()
        .values_list("unit_id")
        .annotate(n=Count("id"))
    )
    return {k: Decimal(n) for k, n in rows}


def research_awards(ctx: MetricContext) -> dict[int, Decimal]:
    from grassroots.platforms.models import ResearchAward

    qs = ResearchAward.objects.filter(
        topic__unit_id__in=ctx.subject_ids, awarded_on__range=(ctx.start, ctx.end)
    )
    level = ctx.params.get("level")
    if level:
        qs = qs.filter(level__code__in=[level] if isinstance(level, str) else list(level))
    rows = qs.order_by().values_list("topic__unit_id").annotate(n=Count("id"))
    return {k: Decimal(n) for k, n in rows}


def _service_totals(ctx: MetricContext) -> dict[int, dict[str, Any]]:
    from grassroots.platforms.models import ServiceProject, ServiceVolunteer

    def fetch() -> dict[int, dict[str, Any]]:
        base = {"start_date__range": (ctx.start, ctx.end)}
        rows = (
            ServiceProject.objects.filter(unit_id__in=ctx.subject_ids, **base)
            .exclude(status="cancelled")
            .order_by()
            .values("unit_id")
            .annotate(projects=Count("id"), beneficiaries=Sum("beneficiaries"))
        )
        out: dict[int, dict[str, Any]] = {r["unit_id"]: dict(r) for r in rows}
        hours = (
            ServiceVolunteer.objects.filter(
                project__unit_id__in=ctx.subject_ids,
                **{f"project__{k}": v for k, v in base.items()},
            )
            .exclude(project__status="cancelled")
            .order_by()
            .values_list("project__unit_id")
            .annotate(h=Sum("hours"))
        )
        for unit_id, h in hours:
            out.setdefault(unit_id, {})["hours"] = h
        return out

    return ctx.memo(("platforms.service", ctx.start, ctx.end), fetch)


def service_projects(ctx: MetricContext) -> dict[int, Decimal]:
    return _pick(_service_totals(ctx), "projects")


def service_hours(ctx: MetricContext) -> dict[int, Decimal]:
    return _pick(_service_totals(ctx), "hours")


def service_beneficiaries(ctx: MetricContext) -> dict[int, Decimal]:
    return _pick(_service_totals(ctx), "beneficiaries")


def service_records(ctx: MetricContext, subject_id: int) -> Any:
    from grassroots.platforms.models import ServiceProject

    return (
        ServiceProject.objects.filter(unit_id=subject_id, start_date__range=(ctx.start, ctx.end))
        .exclude(status="cancelled")
        .order_by("start_date", "id")
    )


# ---------------------------------------------------------------- per member


def _member_counts(ctx: MetricContext) -> dict[int, dict[str, Any]]:
    """{member id: {proposals, proposals_adopted, information, information_adopted, points,
    topics, hours}}: a handful of grouped queries over the credit tables."""
    from grassroots.platforms.models import (
        InformationAuthor,
        ProposalAuthor,
        ResearchMember,
        ServiceVolunteer,
    )

    def fetch() -> dict[int, dict[str, Any]]:
        out: dict[int, dict[str, Any]] = {}

        def put(rows: Any) -> None:
            for row in rows:
                out.setdefault(row.pop("member_id"), {}).update(row)

        ids = ctx.subject_ids
        put(
            ProposalAuthor.objects.filter(member_id__in=ids)
            .filter(_proposal_filter(ctx, "proposal__"))
            .order_by()
            .values("member_id")
            .annotate(
                proposals=Count("proposal_id", distinct=True),
                proposals_adopted=Count(
                    "proposal_id", filter=Q(proposal__adopted=True), distinct=True
                ),
            )
        )
        put(
            InformationAuthor.objects.filter(
                member_id__in=ids, piece__submitted_on__range=(ctx.start, ctx.end)
            )
            .exclude(piece__status="withdrawn")
            .order_by()
            .values("member_id")
            .annotate(
                information=Count("piece_id", distinct=True),
                information_adopted=Count(
                    "piece_id", filter=Q(piece__status="adopted"), distinct=True
                ),
                points=Sum("piece__points", filter=Q(order=1)),
            )
        )
        put(
            ResearchMember.objects.filter(
                member_id__in=ids, topic__approved_on__range=(ctx.start, ctx.end)
            )
            .exclude(topic__status="cancelled")
            .order_by()
            .values("member_id")
            .annotate(topics=Count("topic_id", distinct=True))
        )
        put(
            ServiceVolunteer.objects.filter(
                member_id__in=ids, project__start_date__range=(ctx.start, ctx.end)
            )
            .exclude(project__status="cancelled")
            .order_by()
            .values("member_id")
            .annotate(hours=Sum("hours"))
        )
        return out

    key = ("platforms.members", ctx.start, ctx.end, str(ctx.params.get("kind")))
    return ctx.memo(key, fetch)


def _member_metric(name: str) -> Any:
    def compute(ctx: MetricContext) -> dict[int, Decimal]:
        return _pick(_member_counts(ctx), name)

    compute.__name__ = f"member_{name}"
    return compute


def member_records(ctx: MetricContext, subject_id: int) -> Any:
    from grassroots.members.models import Member
    from grassroots.platforms.selectors import member_contributions

    member = Member.objects.filter(pk=subject_id).first()
    if member is None:
        return []
    return [
        f"{c.platform_label}：{c.title}（{c.role}，{c.status}）"
        for c in member_contributions(member, ctx.year)
        if c.date is None or ctx.start <= c.date <= ctx.end
    ]


U, M = Subject.UNIT, Subject.MEMBER
KIND_HELP = _(
    "可选参数 kind：提案类别代码（如 collective、individual、suggestion、social-conditions）"
)
for _metric in [
    Metric("platforms.proposals_submitted", _("提交提案数"), proposals_submitted, U, proposal_records, KIND_HELP, _("件")),
    Metric("platforms.proposals_adopted", _("提案被采纳数"), proposals_adopted, U, proposal_records, KIND_HELP, _("件")),
    Metric("platforms.proposals_filed", _("提案立案数"), proposals_filed, U, proposal_records, KIND_HELP, _("件")),
    Metric("platforms.proposals_instructed", _("获领导批示提案数"), proposals_instructed, U, proposal_records, KIND_HELP, _("件")),
    Metric("platforms.proposals_per_member", _("人均提交提案数"), proposals_per_member, U, proposal_records, KIND_HELP),
    Metric("platforms.information_submitted", _("报送信息数"), information_submitted, U, information_records, "", _("篇")),
    Metric("platforms.information_adopted", _("信息采用数"), information_adopted, U, information_records, "", _("篇")),
    Metric("platforms.information_points", _("信息采用积分"), information_points, U, information_records, "", _("分")),
    Metric("platforms.information_quota_rate", _("信息任务完成率"), information_quota_rate, U, information_records),
    Metric("platforms.research_topics", _("立项课题数"), research_topics, U, None, "", _("项")),
    Metric("platforms.research_awards", _("研究获奖数"), research_awards, U, None, _("可选参数 level：级别代码"), _("项")),
    Metric("platforms.service_projects", _("社会服务项目数"), service_projects, U, service_records, "", _("项")),
    Metric("platforms.service_hours", _("志愿服务时长"), service_hours, U, service_records, "", _("小时")),
    Metric("platforms.service_beneficiaries", _("社会服务受益人数"), service_beneficiaries, U, service_records, "", _("人")),
    Metric("platforms.member_proposals", _("个人提交提案数"), _member_metric("proposals"), M, member_records, KIND_HELP, _("件")),
    Metric("platforms.member_proposals_adopted", _("个人提案被采纳数"), _member_metric("proposals_adopted"), M, member_records, KIND_HELP, _("件")),
    Metric("platforms.member_information", _("个人报送信息数"), _member_metric("information"), M, member_records, "", _("篇")),
    Metric("platforms.member_information_adopted", _("个人信息采用数"), _member_metric("information_adopted"), M, member_records, "", _("篇")),
    Metric("platforms.member_information_points", _("个人信息积分（第一作者）"), _member_metric("points"), M, member_records, "", _("分")),
    Metric("platforms.member_research_topics", _("参与立项课题数"), _member_metric("topics"), M, member_records, "", _("项")),
    Metric("platforms.member_service_hours", _("个人志愿服务时长"), _member_metric("hours"), M, member_records, "", _("小时")),
]:  # fmt: skip
    register(_metric)
