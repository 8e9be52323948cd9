"""Platform reads, scoped to the acting user: lists and search, yearly statistics, contributions."""

from __future__ import annotations

import datetime
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db.models import Count, Exists, OuterRef, Q, QuerySet, Sum
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy

from grassroots.core.scope import user_scope_path
from grassroots.members.models import Member
from grassroots.organizations.models import Unit
from grassroots.platforms.models import (
    InformationAuthor,
    InformationPiece,
    InformationQuota,
    InformationStatus,
    PlatformTally,
    Proposal,
    ProposalAuthor,
    ProposalStatus,
    ResearchAward,
    ResearchMember,
    ResearchOutput,
    ResearchStatus,
    ResearchTopic,
    ServiceProject,
    ServiceStatus,
    ServiceVolunteer,
)

# ---------------------------------------------------------------- lists and search


def _author_match(author_model: Any, link: str, q: str) -> Exists:
    return Exists(
        author_model.objects.filter(**{link: OuterRef("pk")}).filter(
            Q(member__name__contains=q) | Q(author_unit__name__contains=q)
        )
    )


def _common_filters(
    qs: QuerySet, *, year: int | None, status: str | None, unit: Unit | None
) -> QuerySet:
    if year:
        qs = qs.filter(year=year)
    if status:
        qs = qs.filter(status=status)
    if unit is not None:
        qs = qs.filter(unit__path__startswith=unit.path)
    return qs


def proposals_list(
    *,
    user: Any,
    year: int | None = None,
    status: str | None = None,
    kind: str | None = None,
    unit: Unit | None = None,
    q: str = "",
) -> QuerySet[Proposal]:
    """Search by title, text, reference code, author name or author unit."""
    qs = _common_filters(
        Proposal.objects.visible_to(user),
        year=year,
        status=status,
        unit=unit,  # type: ignore[attr-defined]
    )
    if kind:
        qs = qs.filter(kind__code=kind)
    q = (q or "").strip()
    if q:
        qs = qs.filter(
            Q(title__contains=q)
            | Q(body__contains=q)
            | Q(reference_code__iexact=q)
            | _author_match(ProposalAuthor, "proposal", q)
        )
    return qs.select_related("unit", "kind").order_by("-year", "-id")


def information_list(
    *,
    user: Any,
    year: int | None = None,
    status: str | None = None,
    unit: Unit | None = None,
    q: str = "",
) -> QuerySet[InformationPiece]:
    qs = _common_filters(
        InformationPiece.objects.visible_to(user),
        year=year,
        status=status,
        unit=unit,  # type: ignore[attr-defined]
    )
    q = (q or "").strip()
    if q:
        qs = qs.filter(
            Q(title__contains=q)
            | Q(body__contains=q)
            | Q(adoptions__outlet__contains=q)
            | _author_match(InformationAuthor, "piece", q)
        ).distinct()
    return qs.select_related("unit").order_by("-year", "-id")


def research_list(
    *,
    user: Any,
    year: int | None = None,
    status: str | None = None,
    unit: Unit | None = None,
    q: str = "",
) -> QuerySet[ResearchTopic]:
    qs = _common_filters(
        ResearchTopic.objects.visible_to(user),
        year=year,
        status=status,
        unit=unit,  # type: ignore[attr-defined]
    )
    q = (q or "").strip()
    if q:
        members = ResearchMember.objects.filter(topic=OuterRef("pk"), member__name__contains=q)
        qs = qs.filter(
            Q(title__contains=q) | Q(summary__contains=q) | Q(source__contains=q) | Exists(members)
        )
    return qs.select_related("unit", "lead").order_by("-year", "-id")


def service_list(
    *,
    user: Any,
    year: int | None = None,
    status: str | None = None,
    kind: str | None = None,
    unit: Unit | None = None,
    q: str = "",
) -> QuerySet[ServiceProject]:
    qs = _common_filters(
        ServiceProject.objects.visible_to(user),
        year=year,
        status=status,
        unit=unit,  # type: ignore[attr-defined]
    )
    if kind:
        qs = qs.filter(kind__code=kind)
    q = (q or "").strip()
    if q:
        volunteers = ServiceVolunteer.objects.filter(
            project=OuterRef("pk"), member__name__contains=q
        )
        qs = qs.filter(
            Q(title__contains=q)
            | Q(description__contains=q)
            | Q(location__contains=q)
            | Exists(volunteers)
        )
    return qs.select_related("unit", "kind").order_by("-start_date", "-id")


# ---------------------------------------------------------------- yearly statistics

PROPOSAL_METRICS = (
    "proposals_submitted",
    "proposals_received",
    "proposals_selected",
    "proposals_forwarded",
    "proposals_filed",
    "proposals_adopted",
    "proposals_instructed",
)
INFORMATION_METRICS = ("information_submitted", "information_adopted", "information_points")
RESEARCH_METRICS = (
    "research_topics",
    "research_approved",
    "research_concluded",
    "research_outputs",
    "research_awards",
)
SERVICE_METRICS = (
    "service_projects",
    "service_volunteers",
    "service_hours",
    "service_beneficiaries",
    "service_funds",
    "service_materials",
)
METRICS = PROPOSAL_METRICS + INFORMATION_METRICS + RESEARCH_METRICS + SERVICE_METRICS
METRIC_LABELS = {
    "proposals_submitted": _lazy("提案提交"),
    "proposals_received": _lazy("提案收件"),
    "proposals_selected": _lazy("提案采用"),
    "proposals_forwarded": _lazy("提案报送"),
    "proposals_filed": _lazy("提案立案"),
    "proposals_adopted": _lazy("提案被采纳"),
    "proposals_instructed": _lazy("获领导批示提案"),
    "information_submitted": _lazy("信息报送"),
    "information_adopted": _lazy("信息采用"),
    "information_points": _lazy("信息积分"),
    "research_topics": _lazy("研究课题"),
    "research_approved": _lazy("课题立项"),
    "research_concluded": _lazy("课题结题"),
    "research_outputs": _lazy("研究成果"),
    "research_awards": _lazy("研究获奖"),
    "service_projects": _lazy("社会服务项目"),
    "service_volunteers": _lazy("志愿者人次"),
    "service_hours": _lazy("志愿服务时长"),
    "service_beneficiaries": _lazy("受益人数"),
    "service_funds": _lazy("资金（元）"),
    "service_materials": _lazy("物资折价（元）"),
}

SUBMITTED = ~Q(status__in=[ProposalStatus.DRAFT, ProposalStatus.WITHDRAWN])


def _merge(target: dict[int, dict[str, Any]], rows: Iterable[Any], key: str) -> None:
    """Rows of one grouped query into {unit id: {metric: value}} (metric names never repeat
    across queries, so a plain update suffices)."""
    for row in rows:
        unit_id = row.pop(key)
        target[unit_id].update((name, value or 0) for name, value in row.items())


PLATFORM_METRICS = {
    "proposals": PROPOSAL_METRICS,
    "information": INFORMATION_METRICS,
    "research": RESEARCH_METRICS,
    "service": SERVICE_METRICS,
}
DECIMAL_METRICS = frozenset(
    {"information_points", "service_hours", "service_funds", "service_materials"}
)


def compute_by_unit(
    *, year: int, units: Any = None, platforms: Iterable[str] = tuple(PLATFORM_METRICS)
) -> dict[int, dict[str, Any]]:
    """{unit id: {metric: value}} computed from the records: figures of records owned directly
    by each unit, one grouped query per table. ``units`` limits the owning units (ids or a
    values("pk") queryset; None: all). Instruction and volunteer figures are kept on the
    proposal and the project by their services, so no child table is joined."""
    own: dict[int, dict[str, Any]] = defaultdict(dict)
    wanted = set(platforms)

    def owned(model: Any, link: str = "unit") -> QuerySet:
        qs = model.objects.all()
        return qs if units is None else qs.filter(**{f"{link}_id__in": units})

    if "proposals" in wanted:
        _merge(
            own,
            owned(Proposal)
            .filter(year=year)
            .order_by()
            .values("unit_id")
            .annotate(
                proposals_submitted=Count("id", filter=SUBMITTED),
                proposals_received=Count("id", filter=Q(reference_code__isnull=False)),
                proposals_selected=Count("id", filter=Q(selected_at__isnull=False)),
                proposals_forwarded=Count("id", filter=Q(forwarded_on__isnull=False)),
                proposals_filed=Count("id", filter=Q(filed_as_case=True)),
                proposals_adopted=Count("id", filter=Q(adopted=True)),
                proposals_instructed=Count("id", filter=Q(instruction_count__gt=0)),
            ),
            "unit_id",
        )
    if "information" in wanted:
        _merge(
            own,
            owned(InformationPiece)
            .filter(year=year)
            .order_by()
            .values("unit_id")
            .annotate(
                information_submitted=Count("id", filter=~Q(status=InformationStatus.WITHDRAWN)),
                information_adopted=Count("id", filter=Q(status=InformationStatus.ADOPTED)),
                information_points=Sum("points"),
            ),
            "unit_id",
        )
    if "research" in wanted:
        _merge(
            own,
            owned(ResearchTopic)
            .filter(year=year)
            .order_by()
            .values("unit_id")
            .annotate(
                research_topics=Count("id", filter=~Q(status=ResearchStatus.CANCELLED)),
                research_approved=Count("id", filter=Q(approved_on__isnull=False)),
                research_concluded=Count("id", filter=Q(status=ResearchStatus.CONCLUDED)),
            ),
            "unit_id",
        )
        # Outputs and awards carry their own dates (a topic runs over years); undated outputs
        # count in their topic's year.
        start, end = datetime.date(year, 1, 1), datetime.date(year, 12, 31)
        _merge(
            own,
            owned(ResearchOutput, "topic__unit")
            .filter(
                Q(published_on__range=(start, end)) | Q(published_on__isnull=True, topic__year=year)
            )
            .order_by()
            .values("topic__unit_id")
            .annotate(research_outputs=Count("id")),
            "topic__unit_id",
        )
        _merge(
            own,
            owned(ResearchAward, "topic__unit")
            .filter(awarded_on__range=(start, end))
            .order_by()
            .values("topic__unit_id")
            .annotate(research_awards=Count("id")),
            "topic__unit_id",
        )
    if "service" in wanted:
        _merge(
            own,
            owned(ServiceProject)
            .filter(year=year)
            .exclude(status=ServiceStatus.CANCELLED)
            .order_by()
            .values("unit_id")
            .annotate(
                service_projects=Count("id"),
                service_beneficiaries=Sum("beneficiaries"),
                service_funds=Sum("funds"),
                service_materials=Sum("materials_value"),
                service_volunteers=Sum("volunteer_count"),
                service_hours=Sum("volunteer_hours"),
            ),
            "unit_id",
        )
    return own


def _visible_unit_ids(user: Any) -> QuerySet:
    return Unit.objects.visible_to(user).values("pk")  # type: ignore[attr-defined]


def statistics_by_unit_from_records(*, user: Any, year: int) -> dict[int, dict[str, Any]]:
    """The same figures as statistics_by_unit, computed from the records inside the user's
    scope (the scope as a semi-join on the visible units' ids)."""
    return compute_by_unit(year=year, units=_visible_unit_ids(user))


def tally_values_load(values: dict[str, Any]) -> dict[str, Any]:
    return {k: Decimal(v) if k in DECIMAL_METRICS else v for k, v in values.items()}


def statistics_by_unit(*, user: Any, year: int) -> dict[int, dict[str, Any]]:
    """{unit id: {metric: value}} for the units the user can see, read from the yearly tallies
    (one row per unit and year, kept current by the platforms' services; decision 0008)."""
    rows = (
        PlatformTally.objects.visible_to(user)  # type: ignore[attr-defined]
        .filter(year=year)
        .values_list("unit_id", "values")
    )
    return {unit_id: tally_values_load(values) for unit_id, values in rows if values}


def _zero() -> dict[str, Any]:
    return dict.fromkeys(METRICS, 0)


@dataclass
class UnitStatistics:
    unit: Unit
    own: dict[str, Any] = field(default_factory=_zero)
    total: dict[str, Any] = field(default_factory=_zero)


def platform_statistics(*, user: Any, year: int) -> list[UnitStatistics]:
    """Every unit the user can see, with its own records' figures and its subtree's totals."""
    own = statistics_by_unit(user=user, year=year)
    units = list(
        Unit.objects.visible_to(user)  # type: ignore[attr-defined]
        .only("pk", "code", "name", "short_name", "path", "depth", "parent_id")
        .order_by("path")
    )
    rows = {u.path: UnitStatistics(unit=u) for u in units}
    by_id = {u.pk: u for u in units}
    for unit_id, values in own.items():
        unit = by_id.get(unit_id)
        if unit is None:
            continue
        rows[unit.path].own.update(values)
        targets = [r.total for r in map(rows.get, unit.ancestor_paths()) if r is not None]
        for name, value in values.items():
            if value:
                for total in targets:
                    total[name] += value
    return list(rows.values())


def totals_of(rows: Iterable[UnitStatistics]) -> dict[str, Any]:
    """The sum of every row's own figures: what the user can see, with no second query."""
    totals = _zero()
    for row in rows:
        for name, value in row.own.items():
            totals[name] += value
    return totals


def statistics_totals(*, user: Any, year: int) -> dict[str, Any]:
    """The figures for everything the user can see (the top of the table)."""
    totals = _zero()
    for values in statistics_by_unit(user=user, year=year).values():
        for name, value in values.items():
            totals[name] += value
    return totals


@dataclass
class MemberStatistics:
    member_id: int
    name: str = ""
    unit_name: str = ""
    values: dict[str, Any] = field(default_factory=dict)


MEMBER_METRICS = (
    "proposals_submitted",
    "proposals_first_author",
    "proposals_adopted",
    "information_submitted",
    "information_adopted",
    "information_points",
    "research_topics",
    "research_led",
    "service_projects",
    "service_hours",
)


def _credit_scope(user: Any, record: str, unit: Unit | None) -> Q | None:
    """Credit rows on records the user can see, for members the user can see (and, when
    given, members of ``unit``'s subtree). None: the user sees nothing. Both scope tests are
    semi-joins on the visible units' ids (see statistics_by_unit)."""
    path = user_scope_path(user)
    if path is None:
        return None
    q = Q()
    if path:
        units = Unit.objects.visible_to(user).values("pk")  # type: ignore[attr-defined]
        q &= Q(**{f"{record}__unit_id__in": units, "member__unit_id__in": units})
    if unit is not None:
        q &= Q(member__unit_id__in=Unit.objects.filter(path__startswith=unit.path).values("pk"))
    return q


def member_statistics(*, user: Any, year: int, unit: Unit | None = None) -> list[MemberStatistics]:
    """Per member: contributions to records the user can see, for members the user can see.

    A member appears once per record (authors are unique per record), so plain counts of
    credit rows are counts of records: four grouped queries over the credit tables."""
    values: dict[int, dict[str, Any]] = defaultdict(dict)
    proposal_q = _credit_scope(user, "proposal", unit)
    if proposal_q is None:
        return []
    _merge(
        values,
        ProposalAuthor.objects.filter(proposal_q, member__isnull=False, proposal__year=year)
        .exclude(proposal__status__in=[ProposalStatus.DRAFT, ProposalStatus.WITHDRAWN])
        .order_by()
        .values("member_id")
        .annotate(
            proposals_submitted=Count("id"),
            proposals_first_author=Count("id", filter=Q(order=1)),
            proposals_adopted=Count("id", filter=Q(proposal__adopted=True)),
        ),
        "member_id",
    )
    _merge(
        values,
        InformationAuthor.objects.filter(
            _credit_scope(user, "piece", unit), member__isnull=False, piece__year=year
        )
        .exclude(piece__status=InformationStatus.WITHDRAWN)
        .order_by()
        .values("member_id")
        .annotate(
            information_submitted=Count("id"),
            information_adopted=Count("id", filter=Q(piece__status=InformationStatus.ADOPTED)),
            information_points=Sum("piece__points", filter=Q(order=1)),
        ),
        "member_id",
    )
    _merge(
        values,
        ResearchMember.objects.filter(_credit_scope(user, "topic", unit), topic__year=year)
        .exclude(topic__status=ResearchStatus.CANCELLED)
        .order_by()
        .values("member_id")
        .annotate(research_topics=Count("id"), research_led=Count("id", filter=Q(is_lead=True))),
        "member_id",
    )
    _merge(
        values,
        ServiceVolunteer.objects.filter(_credit_scope(user, "project", unit), project__year=year)
        .exclude(project__status=ServiceStatus.CANCELLED)
        .order_by()
        .values("member_id")
        .annotate(service_projects=Count("id"), service_hours=Sum("hours")),
        "member_id",
    )
    # Names of the visible members in one scan (an IN list of thousands of ids is slower).
    people = Member.objects.visible_to(user)  # type: ignore[attr-defined]
    if unit is not None:
        people = people.filter(unit__path__startswith=unit.path)
    names: dict[int, dict[str, Any]] = {
        pk: {"name": name, "unit__name": unit_name}
        for pk, name, unit_name in people.values_list("pk", "name", "unit__name")
        if pk in values
    }
    out = []
    for member_id, metrics in values.items():
        info = names.get(member_id, {})
        out.append(
            MemberStatistics(
                member_id=member_id,
                name=info.get("name", ""),
                unit_name=info.get("unit__name", ""),
                values={**dict.fromkeys(MEMBER_METRICS, 0), **metrics},
            )
        )
    out.sort(key=lambda r: (r.unit_name, r.name, r.member_id))
    return out


# ---------------------------------------------------------------- information quotas


@dataclass
class QuotaProgress:
    quota: InformationQuota
    adopted: int
    points: Decimal

    @property
    def adopted_ratio(self) -> float | None:
        target = self.quota.target_adopted
        return round(self.adopted / target, 4) if target else None

    @property
    def points_ratio(self) -> float | None:
        target = self.quota.target_points
        return round(float(self.points / target), 4) if target else None


def information_quota_progress(*, user: Any, year: int) -> list[QuotaProgress]:
    """Each visible quota with what its unit's subtree has had adopted this year."""
    quotas = list(
        InformationQuota.objects.visible_to(user).filter(year=year).select_related("unit")  # type: ignore[attr-defined]
    )
    if not quotas:
        return []
    # The quota's unit may sit above the user's scope only if the user is superuser; the
    # per-unit figures are taken without the user's scope so that a branch officer sees the
    # same progress for their own branch quota as the province does.
    rows = (
        InformationPiece.objects.filter(year=year, status=InformationStatus.ADOPTED)
        .filter(Q.create([("unit__path__startswith", q.unit.path) for q in quotas], connector=Q.OR))
        .order_by()
        .values("unit__path")
        .annotate(n=Count("id"), p=Sum("points"))
    )
    per_path = [(r["unit__path"], r["n"], r["p"] or Decimal(0)) for r in rows]
    out = []
    for quota in quotas:
        adopted, points = 0, Decimal(0)
        for path, n, p in per_path:
            if path.startswith(quota.unit.path):
                adopted += n
                points += p
        out.append(QuotaProgress(quota=quota, adopted=adopted, points=points))
    return out


def quota_progress_of(quota: InformationQuota) -> QuotaProgress:
    """One quota's progress (the caller already sees the quota, hence its unit's subtree)."""
    row = InformationPiece.objects.filter(
        year=quota.year,
        status=InformationStatus.ADOPTED,
        unit__path__startswith=quota.unit.path,
    ).aggregate(n=Count("id"), p=Sum("points"))
    return QuotaProgress(quota=quota, adopted=row["n"] or 0, points=row["p"] or Decimal(0))


# ---------------------------------------------------------------- a member's contributions


@dataclass
class Contribution:
    platform: str  # proposal, information, research, service
    platform_label: str
    object_id: int
    title: str
    role: str
    status: str
    date: datetime.date | None
    reference_code: str = ""
    adopted: bool = False
    level: str = ""
    points: Decimal = Decimal(0)
    hours: Decimal = Decimal(0)
    unit_name: str = ""


def _day(value: datetime.datetime | datetime.date | None) -> datetime.date | None:
    if isinstance(value, datetime.datetime):
        # The day in Asia/Shanghai: an aware datetime's .date() would be the UTC day.
        return timezone.localtime(value).date() if timezone.is_aware(value) else value.date()
    return value


def member_contributions(member: Member, year: int) -> list[Contribution]:
    """Everything credited to the member in the year, on all four platforms.

    The caller has already decided the member is theirs to see (the portal shows a member
    their own list; the performance archive reads members in scope). Records owned by other
    units are listed because the member is credited on them.
    """
    out: list[Contribution] = []
    for author in (
        ProposalAuthor.objects.filter(member=member, proposal__year=year)
        .exclude(proposal__status__in=[ProposalStatus.DRAFT, ProposalStatus.WITHDRAWN])
        .select_related("proposal", "proposal__kind", "proposal__adoption_level", "proposal__unit")
    ):
        p = author.proposal
        out.append(
            Contribution(
                platform="proposal",
                platform_label=str(p.kind.name),
                object_id=p.pk,
                title=p.title,
                role=_("第%(n)d作者") % {"n": author.order},
                status=p.get_status_display(),
                date=_day(p.submitted_at),
                reference_code=p.reference_code or "",
                adopted=p.adopted,
                level=p.adoption_level.name if p.adoption_level else "",
                unit_name=p.unit.name,
            )
        )
    for info_author in (
        InformationAuthor.objects.filter(member=member, piece__year=year)
        .exclude(piece__status=InformationStatus.WITHDRAWN)
        .select_related("piece", "piece__unit")
        .prefetch_related("piece__adoptions__level")
    ):
        piece = info_author.piece
        levels = sorted({a.level.name for a in piece.adoptions.all()})
        out.append(
            Contribution(
                platform="information",
                platform_label=_("宣传信息"),
                object_id=piece.pk,
                title=piece.title,
                role=_("第%(n)d作者") % {"n": info_author.order},
                status=piece.get_status_display(),
                date=piece.submitted_on,
                adopted=piece.status == InformationStatus.ADOPTED,
                level="、".join(levels),
                points=piece.points if info_author.order == 1 else Decimal(0),
                unit_name=piece.unit.name,
            )
        )
    for row in (
        ResearchMember.objects.filter(member=member, topic__year=year)
        .exclude(topic__status=ResearchStatus.CANCELLED)
        .select_related("topic", "topic__unit")
    ):
        topic = row.topic
        out.append(
            Contribution(
                platform="research",
                platform_label=_("理论研究"),
                object_id=topic.pk,
                title=topic.title,
                role=_("课题负责人") if row.is_lead else _("课题组成员"),
                status=topic.get_status_display(),
                date=topic.approved_on,
                unit_name=topic.unit.name,
            )
        )
    for volunteer in (
        ServiceVolunteer.objects.filter(member=member, project__year=year)
        .exclude(project__status=ServiceStatus.CANCELLED)
        .select_related("project", "project__kind", "project__unit")
    ):
        project = volunteer.project
        out.append(
            Contribution(
                platform="service",
                platform_label=str(project.kind.name),
                object_id=project.pk,
                title=project.title,
                role=volunteer.role or _("志愿者"),
                status=project.get_status_display(),
                date=project.start_date,
                hours=volunteer.hours,
                unit_name=project.unit.name,
            )
        )
    out.sort(key=lambda c: (c.date or datetime.date(year, 12, 31), c.platform, c.object_id))
    return out
