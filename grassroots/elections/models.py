"""Terms (第N届) of a unit's leadership, elections with their candidates, and the election's
step log. Officers themselves stay in ``members.Officer``; a candidate remembers the officer row
its election produced."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from grassroots.core.audit import AuditedModel
from grassroots.core.scope import ScopedModel
from grassroots.members.models import Officer


class Term(AuditedModel, ScopedModel):
    """One term of a unit's leadership: from its start to its planned end (or actual end)."""

    scope_path_lookup = "unit__path"

    unit = models.ForeignKey(
        "organizations.Unit",
        on_delete=models.CASCADE,
        related_name="terms",
        verbose_name=_("组织"),
    )
    number = models.PositiveSmallIntegerField(_("届次"))
    start_date = models.DateField(_("任期开始"))
    planned_end = models.DateField(_("任期届满"))
    ended_on = models.DateField(_("实际结束"), null=True, blank=True)
    note = models.CharField(_("备注"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("届次")
        verbose_name_plural = _("届次")
        ordering = ["unit__path", "-number"]
        constraints = [
            models.UniqueConstraint(fields=["unit", "number"], name="uniq_term_unit_number")
        ]

    def __str__(self) -> str:
        return _("%(unit)s第%(n)s届") % {"unit": self.unit, "n": self.number}

    @property
    def is_current(self) -> bool:
        return self.ended_on is None


class Election(AuditedModel, ScopedModel):
    """换届选举 of one unit, moving through the stages in ``elections.procedure``."""

    class Status(models.TextChoices):
        REQUESTED = "requested", _("已请示")
        APPROVED = "approved", _("已批复")
        HELD = "held", _("已选举")
        INSTALLED = "installed", _("已就职")
        FILED = "filed", _("已备案")
        REJECTED = "rejected", _("未批准")

    scope_path_lookup = "unit__path"

    unit = models.ForeignKey(
        "organizations.Unit",
        on_delete=models.PROTECT,
        related_name="elections",
        verbose_name=_("组织"),
    )
    term_number = models.PositiveSmallIntegerField(_("新一届届次"))
    status = models.CharField(
        _("状态"), max_length=16, choices=Status.choices, default=Status.REQUESTED, db_index=True
    )
    # 请示
    request_date = models.DateField(_("请示日期"))
    request_text = models.TextField(_("请示内容"), blank=True)
    proposed_seats = models.PositiveSmallIntegerField(_("拟设委员名额"))
    planned_date = models.DateField(_("拟召开日期"), null=True, blank=True)
    # 批复
    approval_number = models.CharField(_("批复文号"), max_length=50, blank=True)
    approval_date = models.DateField(_("批复日期"), null=True, blank=True)
    approval_text = models.TextField(_("批复意见"), blank=True)
    seats = models.PositiveSmallIntegerField(_("应选名额"), null=True, blank=True)
    approved_by_unit = models.ForeignKey(
        "organizations.Unit",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("批复组织"),
    )
    # 选举大会
    meeting_date = models.DateField(_("选举日期"), null=True, blank=True)
    total_voters = models.PositiveIntegerField(_("应到人数"), null=True, blank=True)
    present = models.PositiveIntegerField(_("实到人数"), null=True, blank=True)
    # 备案
    filed_date = models.DateField(_("备案日期"), null=True, blank=True)
    filing_note = models.CharField(_("备案意见"), max_length=300, blank=True)
    new_term = models.OneToOneField(
        Term,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="election",
        verbose_name=_("产生的届次"),
    )
    created_at = models.DateTimeField(_("创建时间"), default=timezone.now, editable=False)

    class Meta:
        verbose_name = _("换届选举")
        verbose_name_plural = _("换届选举")
        ordering = ["-request_date", "-id"]

    def __str__(self) -> str:
        return _("%(unit)s第%(n)s届换届选举") % {"unit": self.unit, "n": self.term_number}


class Candidate(AuditedModel, ScopedModel):
    """A person on the slate: proposed by the unit, approved by the level above, voted on."""

    scope_path_lookup = "election__unit__path"

    election = models.ForeignKey(
        Election, on_delete=models.CASCADE, related_name="candidates", verbose_name=_("换届选举")
    )
    member = models.ForeignKey(
        "members.Member", on_delete=models.PROTECT, related_name="+", verbose_name=_("会员")
    )
    post = models.CharField(_("拟任职务"), max_length=16, choices=Officer.Post.choices)
    order = models.PositiveSmallIntegerField(_("排序"), default=0)
    approved = models.BooleanField(_("列入批复名单"), default=False)
    votes = models.PositiveIntegerField(_("得票"), null=True, blank=True)
    elected = models.BooleanField(_("当选"), default=False)
    officer = models.OneToOneField(
        Officer,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="candidacy",
        verbose_name=_("任职记录"),
    )

    class Meta:
        verbose_name = _("候选人")
        verbose_name_plural = _("候选人")
        ordering = ["election", "order", "id"]
        constraints = [
            models.UniqueConstraint(fields=["election", "member"], name="uniq_candidate_member")
        ]

    def __str__(self) -> str:
        return f"{self.member} {self.get_post_display()}"


class ElectionStep(ScopedModel):
    """What was done at each stage, by whom and when (the audit log keeps the field diffs)."""

    scope_path_lookup = "election__unit__path"

    election = models.ForeignKey(
        Election, on_delete=models.CASCADE, related_name="steps", verbose_name=_("换届选举")
    )
    stage = models.CharField(_("环节"), max_length=16)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("办理人"),
    )
    actor_name = models.CharField(_("办理人"), max_length=150)
    actor_unit = models.CharField(_("办理组织"), max_length=100, blank=True)
    at = models.DateTimeField(_("时间"), default=timezone.now)
    comment = models.TextField(_("意见"), blank=True)

    class Meta:
        verbose_name = _("办理记录")
        verbose_name_plural = _("办理记录")
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"{self.election} {self.stage}"
