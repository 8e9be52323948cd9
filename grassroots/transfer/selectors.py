"""Reads for import and export, always inside the acting user's scope."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet

from grassroots.core.scope import get_visible_or_404
from grassroots.members.models import Member, MemberStatus
from grassroots.members.selectors import members_in_unit, members_visible
from grassroots.organizations.models import Unit
from grassroots.transfer.models import ImportJob


def import_jobs_visible(user: Any) -> QuerySet[ImportJob]:
    return ImportJob.objects.visible_to(user).select_related("unit", "created_by")  # type: ignore[attr-defined]


def import_job_get(user: Any, pk: Any) -> ImportJob:
    return get_visible_or_404(ImportJob.objects.select_related("unit"), user, pk=pk)


def members_for_export(user: Any, queryset: QuerySet[Member] | None = None) -> QuerySet[Member]:
    """A console-filtered queryset narrowed to the user's scope again (never wider)."""
    visible = members_visible(user)
    if queryset is None:
        return visible.order_by("unit__path", "pinyin_full", "id")
    return queryset.filter(pk__in=visible.values("pk"))


def roster_members(user: Any, unit: Unit, include_descendants: bool = True) -> QuerySet[Member]:
    qs = members_in_unit(members_visible(user), unit, include_descendants)
    return (
        qs.filter(status=MemberStatus.ACTIVE)
        .select_related("ethnicity", "education", "title")
        .order_by("unit__path", "pinyin_full", "id")
    )


def units_for_import(user: Any) -> QuerySet[Unit]:
    return Unit.objects.visible_to(user).filter(is_active=True)  # type: ignore[attr-defined]
