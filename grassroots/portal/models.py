"""Requests members make from the portal that staff decide in the console."""

from __future__ import annotations

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from grassroots.core.audit import AuditedModel
from grassroots.core.scope import ScopedModel


class ProfileChangeRequest(AuditedModel, ScopedModel):
    """A member asks to change archive fields (employer, post, education…); staff approve it.

    ``changes`` holds {field: new value} as stored values (ids for reference lists), ``shown``
    the same change in words for the reviewer: {field: [label, before, after]}.
    """

    class Status(models.TextChoices):
        PENDING = "pending", _("待审核")
        APPROVED = "approved", _("已通过")
        REJECTED = "rejected", _("未通过")
        WITHDRAWN = "withdrawn", _("已撤回")

    scope_path_lookup = "member__unit__path"

    member = models.ForeignKey(
        "members.Member",
        on_delete=models.CASCADE,
        related_name="change_requests",
        verbose_name=_("会员"),
    )
    changes = models.JSONField(_("申请变更"), default=dict)
    shown = models.JSONField(_("变更内容"), default=dict)
    reason = models.CharField(_("变更说明"), max_length=300, blank=True)
    status = models.CharField(
        _("状态"), max_length=16, choices=Status.choices, default=Status.PENDING, db_index=True
    )
    submitted_at = models.DateTimeField(_("提交时间"), default=timezone.now)
    decided_at = models.DateTimeField(_("审核时间"), null=True, blank=True)
    decided_by = models.CharField(_("审核人"), max_length=150, blank=True)
    decision_note = models.CharField(_("审核意见"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("资料变更申请")
        verbose_name_plural = _("资料变更申请")
        ordering = ["-submitted_at", "-id"]

    def __str__(self) -> str:
        return f"{self.member} {self.get_status_display()}"

    def audit_unit_path(self) -> str:
        return self.member.unit.path if self.member_id else ""
