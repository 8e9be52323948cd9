"""理论研究: research topics (课题) with lead and members, outputs and awards."""

from __future__ import annotations

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from grassroots.core.audit import AuditedModel
from grassroots.core.scope import ScopedModel
from grassroots.platforms.models.common import Level


class ResearchStatus(models.TextChoices):
    PROPOSED = "proposed", _("申报")
    APPROVED = "approved", _("立项")
    CONCLUDED = "concluded", _("结题")
    CANCELLED = "cancelled", _("撤项")


class ResearchTopic(AuditedModel, ScopedModel):
    scope_path_lookup = "unit__path"
    audit_exclude = ("updated_at",)

    unit = models.ForeignKey(
        "organizations.Unit",
        on_delete=models.PROTECT,
        related_name="research_topics",
        verbose_name=_("所属组织"),
    )
    year = models.PositiveSmallIntegerField(_("年度"))
    title = models.CharField(_("课题名称"), max_length=200)
    source = models.CharField(_("课题来源"), max_length=100, blank=True)
    summary = models.TextField(_("简介"), blank=True)
    lead = models.ForeignKey(
        "members.Member",
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("课题负责人"),
    )
    status = models.CharField(
        _("状态"), max_length=16, choices=ResearchStatus.choices, default=ResearchStatus.PROPOSED
    )
    approved_on = models.DateField(_("立项日期"), null=True, blank=True)
    concluded_on = models.DateField(_("结题日期"), null=True, blank=True)
    status_note = models.TextField(_("状态说明"), blank=True)
    created_by = models.CharField(_("录入人"), max_length=150, blank=True)
    created_at = models.DateTimeField(_("录入时间"), default=timezone.now, editable=False)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    class Meta:
        verbose_name = _("研究课题")
        verbose_name_plural = _("研究课题")
        ordering = ["-year", "-id"]
        indexes = [models.Index(fields=["year", "unit"])]

    def __str__(self) -> str:
        return self.title


class ResearchMember(AuditedModel, ScopedModel):
    """A member of the topic's group, in order (the lead is also row 1)."""

    scope_path_lookup = "topic__unit__path"

    topic = models.ForeignKey(
        ResearchTopic, on_delete=models.CASCADE, related_name="members", verbose_name=_("课题")
    )
    member = models.ForeignKey(
        "members.Member", on_delete=models.PROTECT, related_name="+", verbose_name=_("会员")
    )
    order = models.PositiveSmallIntegerField(_("排序"), default=1)
    is_lead = models.BooleanField(_("负责人"), default=False)

    class Meta:
        verbose_name = _("课题组成员")
        verbose_name_plural = _("课题组成员")
        ordering = ["order", "id"]
        constraints = [
            models.UniqueConstraint(fields=["topic", "member"], name="uniq_research_member")
        ]
        indexes = [models.Index(fields=["member", "topic"])]

    def __str__(self) -> str:
        return str(self.member)


class ResearchOutput(AuditedModel, ScopedModel):
    class Kind(models.TextChoices):
        PAPER = "paper", _("论文")
        REPORT = "report", _("调研报告")
        BOOK = "book", _("专著")
        OTHER = "other", _("其他")

    scope_path_lookup = "topic__unit__path"

    topic = models.ForeignKey(
        ResearchTopic, on_delete=models.CASCADE, related_name="outputs", verbose_name=_("课题")
    )
    kind = models.CharField(_("成果类型"), max_length=16, choices=Kind.choices)
    title = models.CharField(_("成果名称"), max_length=200)
    outlet = models.CharField(_("发表/报送处"), max_length=200, blank=True)
    published_on = models.DateField(_("日期"), null=True, blank=True)

    class Meta:
        verbose_name = _("研究成果")
        verbose_name_plural = _("研究成果")
        ordering = ["published_on", "id"]

    def __str__(self) -> str:
        return self.title


class ResearchAward(AuditedModel, ScopedModel):
    scope_path_lookup = "topic__unit__path"

    topic = models.ForeignKey(
        ResearchTopic, on_delete=models.CASCADE, related_name="awards", verbose_name=_("课题")
    )
    name = models.CharField(_("奖项名称"), max_length=200)
    level = models.ForeignKey(
        Level, on_delete=models.PROTECT, related_name="+", verbose_name=_("级别")
    )
    grade = models.CharField(_("等次"), max_length=50, blank=True)
    awarded_on = models.DateField(_("获奖日期"))

    class Meta:
        verbose_name = _("研究获奖")
        verbose_name_plural = _("研究获奖")
        ordering = ["awarded_on", "id"]

    def __str__(self) -> str:
        return self.name
