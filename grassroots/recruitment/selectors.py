"""Recruitment reads, always for an acting user: the inbox, quotas, the introducer lookup,
the timeline, the talent programme's figures."""

from __future__ import annotations

import datetime
from collections import Counter, OrderedDict
from dataclasses import dataclass
from typing import Any

from django.core.cache import cache
from django.db.models import Count, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from grassroots.core.scope import user_scope_path
from grassroots.members.models import Member, MemberStatus
from grassroots.organizations.models import Unit, UnitKind
from grassroots.planning.selectors import quota_for
from grassroots.recruitment import conditions, procedure
from grassroots.recruitment.models import (
    Application,
    Prospect,
    Stage,
    Step,
    TalentProgramme,
)
from grassroots.recruitment.services import CLOSED_STATES


def applications_visible(user: Any) -> QuerySet[Application]:
    return Application.objects.visible_to(user)  # type: ignore[attr-defined]


def inbox(user: Any) -> QuerySet[Application]:
    """Open applications waiting for this user's action: the current stage's role and level
    are the user's, inside their scope, and they are neither applicant nor introducer."""
    stages = procedure.stages_for_user(user)
    if not stages:
        return Application.objects.none()
    qs = applications_visible(user).filter(state=Application.State.OPEN, stage__in=stages)
    member = procedure.member_of(user)
    if member is not None:
        qs = qs.exclude(introducers__member=member)
        if member.id_number_hash:
            qs = qs.exclude(id_number_hash=member.id_number_hash)
    return qs.exclude(applicant_user=user)


def inbox_count(user: Any) -> int:
    """Counted once per request: the inbox page stores its own count on the user object so
    that the sidebar badge does not count again."""
    cached = getattr(user, "_recruitment_inbox_count", None)
    if cached is None:
        cached = inbox(user).count()
        remember_inbox_count(user, cached)
    return cached


def remember_inbox_count(user: Any, count: int) -> None:
    if getattr(user, "is_authenticated", False):
        user._recruitment_inbox_count = count


def age_in_days(app: Application, today: datetime.date | None = None) -> int:
    today = today or timezone.localdate()
    return (today - timezone.localtime(app.stage_entered_at).date()).days


@dataclass(frozen=True)
class QuotaLine:
    unit: Unit
    year: int
    quota: int | None
    used: int

    @property
    def remaining(self) -> int | None:
        return None if self.quota is None else self.quota - self.used


def quota_lines(user: Any, year: int | None = None) -> list[QuotaLine]:
    """Used/remaining quota for every unit right below the root inside the user's scope
    (or the user's own such unit when they sit lower)."""
    year = year or timezone.localdate().year
    path = user_scope_path(user)
    if path is None:
        return []
    root_depth = Unit.objects.filter(parent__isnull=True).values_list("depth", flat=True).first()
    depth = (root_depth or 0) + 1
    units = list(
        Unit.objects.filter(depth=depth).filter(
            Q(path__startswith=path) | Q(path__in=_ancestor_paths(path))
        )
    )
    used = dict(
        Application.objects.filter(quota_year=year, quota_unit__in=units)
        .exclude(state__in=CLOSED_STATES)
        .values_list("quota_unit")
        .annotate(n=Count("id"))
        .values_list("quota_unit", "n")
    )
    return [QuotaLine(u, year, _quota_shown(u, year), used.get(u.pk, 0)) for u in units]


QUOTA_DISPLAY_SECONDS = 60


def _quota_shown(unit: Unit, year: int) -> int | None:
    """The quota as displayed in the inbox, cached briefly: planning computes it from the plan
    (several queries per unit) and the inbox lists every city. Approval itself always asks
    planning afresh (services.quota_status), so a stale display never lets a quota be passed."""
    key = f"recruitment:quota:{unit.pk}:{year}"
    cached = cache.get(key, "missing")
    if cached != "missing":
        return cached
    value = quota_for(unit, year)
    cache.set(key, value, QUOTA_DISPLAY_SECONDS)
    return value


def _ancestor_paths(path: str) -> list[str]:
    parts = [p for p in path.split("/") if p]
    return ["".join(f"{p}/" for p in parts[: i + 1]) for i in range(len(parts))]


def introducer_lookup(*, user: Any, query: str) -> list[dict[str, str]]:
    """Find an active member by member number or exact name anywhere in the province (an
    introducer may sit outside the staff's scope); only name, unit and number are returned."""
    if user_scope_path(user) is None:
        return []
    query = "".join((query or "").split())
    if not query:
        return []
    rows = (
        Member.objects.filter(status=MemberStatus.ACTIVE)
        .filter(Q(member_number=query) | Q(name=query))
        .select_related("unit")
        .only("pk", "name", "member_number", "unit__name")
        .order_by("member_number", "pk")[:20]
    )
    return [
        {
            "id": str(m.pk),
            "name": m.name,
            "unit": m.unit.name,
            "member_number": m.member_number or "",
        }
        for m in rows
    ]


def timeline(app: Application) -> list[Step]:
    return list(
        app.steps.select_related("stage", "to_stage")
        .prefetch_related("attachments")
        .order_by("at", "id")
    )


def condition_outcomes(app: Application) -> list[conditions.Outcome]:
    return conditions.evaluate(app)


def stage_record(app: Application) -> dict[int, Step]:
    """The latest 'advance' step of each stage (what the printed forms show)."""
    latest: dict[int, Step] = {}
    for step in app.steps.filter(action=Step.Action.ADVANCE).select_related("stage", "actor"):
        latest[step.stage_id] = step
    return latest


def applicable_stages(app: Application) -> list[Stage]:
    return procedure.applicable_stages(app.unit)


# --- the talent programme ----------------------------------------------------------------


@dataclass
class ProgrammeFigures:
    programme: TalentProgramme
    target: int
    admitted: int
    by_category: list[tuple[str, int]]
    by_recruiter: list[tuple[str, int]]
    pipeline: list[tuple[str, int]]
    timeline: list[tuple[str, int]]  # (YYYY-MM, cumulative admitted)

    @property
    def share(self) -> int:
        return round(100 * self.admitted / self.target) if self.target else 0


def programme_figures(*, programme: TalentProgramme, user: Any) -> ProgrammeFigures:
    apps = applications_visible(user).filter(programme=programme)
    admitted_qs = apps.filter(state=Application.State.ADMITTED)
    admitted = list(
        admitted_qs.select_related("talent_kind", "recruiter", "member").only(
            "talent_kind__name", "recruiter__name", "member__join_date", "closed_at"
        )
    )
    by_category = Counter(a.talent_kind.name if a.talent_kind else _("未分类") for a in admitted)
    by_recruiter = Counter(a.recruiter.name if a.recruiter else _("未指定") for a in admitted)
    prospects = Prospect.objects.visible_to(user).filter(  # type: ignore[attr-defined]
        programme=programme, status=Prospect.Status.CULTIVATING
    )
    pipeline = [
        (_("后备人选"), prospects.count()),
        (_("申请中"), apps.filter(state=Application.State.OPEN).count()),
        (_("已入会"), len(admitted)),
    ]
    months: OrderedDict[str, int] = OrderedDict()
    for a in sorted(admitted, key=lambda a: _admitted_on(a)):
        key = _admitted_on(a).strftime("%Y-%m")
        months[key] = months.get(key, 0) + 1
    running, cumulative = 0, []
    for key, n in months.items():
        running += n
        cumulative.append((key, running))
    return ProgrammeFigures(
        programme=programme,
        target=programme.target,
        admitted=len(admitted),
        by_category=by_category.most_common(),
        by_recruiter=by_recruiter.most_common(),
        pipeline=pipeline,
        timeline=cumulative,
    )


def _admitted_on(app: Application) -> datetime.date:
    if app.member and app.member.join_date:
        return app.member.join_date
    return timezone.localtime(app.closed_at).date() if app.closed_at else timezone.localdate()


def grassroots_units(user: Any) -> QuerySet[Unit]:
    return Unit.objects.visible_to(user).filter(  # type: ignore[attr-defined]
        kind__level=UnitKind.Level.GRASSROOTS
    )
