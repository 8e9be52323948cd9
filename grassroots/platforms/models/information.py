"""宣传信息: pieces submitted, edited, adopted or published; points per adoption; yearly quotas."""

from __future__ import annotations

from decimal import Decimal

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from grassroots.core.audit import AuditedModel
from grassroots.core.scope import ScopedModel
from grassroots.platforms.models.common import AuthorRow, Level


class InformationStatus(models.TextChoices):
    SUBMITTED = "submitted", _("已报送")
    EDITED = "edited", _("已编辑")
    ADOPTED = "adopted", _("已采用")
    NOT_ADOPTED = "not_adopted", _("未采用")
    WITHDRAWN = "withdrawn", _("已撤回")


class InformationPointRule(models.Model):
    """The points table: how many points one adoption at a level is worth (data, not code)."""

    level = models.OneToOneField(
        Level, on_delete=models.CASCADE, related_name="information_points", verbose_name=_("级别")
    )
    points = models.DecimalField(_("分值"), max_digits=6, decimal_places=1)

    class Meta:
        verbose_name = _("信息采用计分标准")
        verbose_name_plural = _("信息采用计分标准")
        ordering = ["-points"]

    def __str__(self) -> str:
        return f"{self.level}: {self.points}"


class InformationPiece(AuditedModel, ScopedModel):
    scope_path_lookup = "unit__path"
    audit_exclude = ("updated_at",)

    unit = models.ForeignKey(
        "organizations.Unit",
        on_delete=models.PROTECT,
        related_name="information_pieces",
        verbose_name=_("所属组织"),
    )
    year = models.PositiveSmallIntegerField(_("年度"))
    title = models.CharField(_("标题"), max_length=200)
    body = models.TextField(_("正文"), blank=True)
    status = models.CharField(
        _("状态"),
        max_length=16,
        choices=InformationStatus.choices,
        default=InformationStatus.SUBMITTED,
    )
    submitted_on = models.DateField(_("报送日期"), default=timezone.localdate)
    editor = models.CharField(_("编辑"), max_length=150, blank=True)
    edited_at = models.DateTimeField(_("编辑时间"), null=True, blank=True)
    edit_note = models.TextField(_("编辑意见"), blank=True)
    points = models.DecimalField(
        _("积分"), max_digits=7, decimal_places=1, default=Decimal("0"), editable=False
    )
    created_by = models.CharField(_("录入人"), max_length=150, blank=True)
    created_at = models.DateTimeField(_("录入时间"), default=timezone.now, editable=False)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    class Meta:
        verbose_name = _("宣传信息")
        verbose_name_plural = _("宣传信息")
        ordering = ["-year", "-id"]
        indexes = [
            models.Index(fields=["year", "unit"]),
            models.Index(fields=["year", "status"]),
        ]

    def __str__(self) -> str:
        return self.title


class InformationAuthor(AuthorRow):
    scope_path_lookup = "piece__unit__path"

    piece = models.ForeignKey(
        InformationPiece, on_delete=models.CASCADE, related_name="authors", verbose_name=_("信息")
    )

    class Meta(AuthorRow.Meta):
        verbose_name = _("信息作者")
        verbose_name_plural = _("信息作者")
        constraints = [AuthorRow.one_of_constraint("information_author_member_or_unit")]
        indexes = [models.Index(fields=["member", "piece"])]


class InformationAdoption(AuditedModel, ScopedModel):
    """One adoption or publication; its points are fixed from the table when it is recorded."""

    class Kind(models.TextChoices):
        ADOPTED = "adopted", _("采用")
        PUBLISHED = "published", _("刊发")

    scope_path_lookup = "piece__unit__path"

    piece = models.ForeignKey(
        InformationPiece,
        on_delete=models.CASCADE,
        related_name="adoptions",
        verbose_name=_("信息"),
    )
    kind = models.CharField(_("方式"), max_length=16, choices=Kind.choices, default=Kind.ADOPTED)
    outlet = models.CharField(_("采用/刊发单位或刊物"), max_length=200)
    level = models.ForeignKey(
        Level, on_delete=models.PROTECT, related_name="+", verbose_name=_("级别")
    )
    adopted_on = models.DateField(_("日期"))
    points = models.DecimalField(_("积分"), max_digits=6, decimal_places=1)

    class Meta:
        verbose_name = _("采用/刊发")
        verbose_name_plural = _("采用/刊发")
        ordering = ["adopted_on", "id"]

    def __str__(self) -> str:
        return f"{self.outlet} {self.adopted_on}"


class InformationQuota(AuditedModel, ScopedModel):
    """A unit's yearly target: pieces adopted and points (its subtree's pieces count toward it)."""

    scope_path_lookup = "unit__path"

    unit = models.ForeignKey(
        "organizations.Unit",
        on_delete=models.CASCADE,
        related_name="information_quotas",
        verbose_name=_("组织"),
    )
    year = models.PositiveSmallIntegerField(_("年度"))
    target_adopted = models.PositiveIntegerField(_("采用篇数目标"), default=0)
    target_points = models.DecimalField(
        _("积分目标"), max_digits=7, decimal_places=1, default=Decimal("0")
    )

    class Meta:
        verbose_name = _("信息工作年度任务")
        verbose_name_plural = _("信息工作年度任务")
        ordering = ["-year", "unit__path"]
        constraints = [
            models.UniqueConstraint(fields=["unit", "year"], name="uniq_information_quota")
        ]

    def __str__(self) -> str:
        return f"{self.unit} {self.year}"
