"""社会服务: projects with kind, dates, units, volunteers and their hours, beneficiaries, value."""

from __future__ import annotations

from decimal import Decimal

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from grassroots.core.audit import AuditedModel
from grassroots.core.scope import ScopedModel
from grassroots.platforms.models.common import PlatformEntry


class ServiceKind(PlatformEntry):
    class Meta(PlatformEntry.Meta):
        verbose_name = _("社会服务类别")
        verbose_name_plural = _("社会服务类别")


class ServiceStatus(models.TextChoices):
    PLANNED = "planned", _("计划中")
    ONGOING = "ongoing", _("进行中")
    COMPLETED = "completed", _("已完成")
    CANCELLED = "cancelled", _("已取消")


class ServiceProject(AuditedModel, ScopedModel):
    """Belongs to its lead unit; co-organizing units are credited but do not widen scope."""

    scope_path_lookup = "unit__path"
    audit_exclude = ("updated_at",)

    unit = models.ForeignKey(
        "organizations.Unit",
        on_delete=models.PROTECT,
        related_name="service_projects",
        verbose_name=_("主办组织"),
    )
    kind = models.ForeignKey(ServiceKind, on_delete=models.PROTECT, verbose_name=_("类别"))
    year = models.PositiveSmallIntegerField(_("年度"))
    title = models.CharField(_("项目名称"), max_length=200)
    description = models.TextField(_("简介"), blank=True)
    location = models.CharField(_("地点"), max_length=200, blank=True)
    start_date = models.DateField(_("开始日期"))
    end_date = models.DateField(_("结束日期"), null=True, blank=True)
    status = models.CharField(
        _("状态"), max_length=16, choices=ServiceStatus.choices, default=ServiceStatus.PLANNED
    )
    beneficiaries = models.PositiveIntegerField(_("受益人数"), default=0)
    funds = models.DecimalField(
        _("资金（元）"), max_digits=14, decimal_places=2, default=Decimal(0)
    )
    materials_value = models.DecimalField(
        _("物资折价（元）"), max_digits=14, decimal_places=2, default=Decimal(0)
    )
    # Kept by service_volunteer_set, so yearly statistics need no join.
    volunteer_count = models.PositiveIntegerField(_("志愿者人数"), default=0, editable=False)
    volunteer_hours = models.DecimalField(
        _("志愿服务总时长"), max_digits=10, decimal_places=1, default=Decimal(0), editable=False
    )
    created_by = models.CharField(_("录入人"), max_length=150, blank=True)
    created_at = models.DateTimeField(_("录入时间"), default=timezone.now, editable=False)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    class Meta:
        verbose_name = _("社会服务项目")
        verbose_name_plural = _("社会服务项目")
        ordering = ["-start_date", "-id"]
        indexes = [models.Index(fields=["year", "unit"])]

    def __str__(self) -> str:
        return self.title


class ServiceProjectUnit(AuditedModel, ScopedModel):
    """A co-organizing unit (credited, not granted visibility)."""

    scope_path_lookup = "project__unit__path"

    project = models.ForeignKey(
        ServiceProject,
        on_delete=models.CASCADE,
        related_name="partner_units",
        verbose_name=_("项目"),
    )
    unit = models.ForeignKey(
        "organizations.Unit", on_delete=models.PROTECT, related_name="+", verbose_name=_("协办组织")
    )

    class Meta:
        verbose_name = _("协办组织")
        verbose_name_plural = _("协办组织")
        constraints = [
            models.UniqueConstraint(fields=["project", "unit"], name="uniq_service_partner")
        ]

    def __str__(self) -> str:
        return str(self.unit)


class ServiceVolunteer(AuditedModel, ScopedModel):
    scope_path_lookup = "project__unit__path"

    project = models.ForeignKey(
        ServiceProject, on_delete=models.CASCADE, related_name="volunteers", verbose_name=_("项目")
    )
    member = models.ForeignKey(
        "members.Member", on_delete=models.PROTECT, related_name="+", verbose_name=_("会员")
    )
    hours = models.DecimalField(_("服务时长（小时）"), max_digits=7, decimal_places=1)
    role = models.CharField(_("承担工作"), max_length=100, blank=True)

    class Meta:
        verbose_name = _("志愿者")
        verbose_name_plural = _("志愿者")
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(fields=["project", "member"], name="uniq_service_volunteer")
        ]
        indexes = [models.Index(fields=["member", "project"])]

    def __str__(self) -> str:
        return f"{self.member} {self.hours}h"
