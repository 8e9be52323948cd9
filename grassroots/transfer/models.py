"""The import history: one row per roster import, with its outcome, counts and error workbook."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from grassroots.core.audit import AuditedModel
from grassroots.core.scope import ScopedModel


class ImportJob(AuditedModel, ScopedModel):
    """An uploaded roster (console) or a command-line import, from upload to its outcome."""

    class Mode(models.TextChoices):
        CREATE = "create", _("新增")
        UPDATE = "update", _("更新")

    class State(models.TextChoices):
        UPLOADED = "uploaded", _("待确认")
        QUEUED = "queued", _("排队中")
        RUNNING = "running", _("导入中")
        DONE = "done", _("已完成")
        PARTIAL = "partial", _("部分导入")
        REJECTED = "rejected", _("有错误，未导入")
        FAILED = "failed", _("文件无法读取")
        CANCELLED = "cancelled", _("已取消")

    scope_path_lookup = "unit__path"
    audit_exclude = ("progress", "errors", "warnings", "preview")

    unit = models.ForeignKey(
        "organizations.Unit",
        on_delete=models.PROTECT,
        related_name="import_jobs",
        verbose_name=_("导入到组织"),
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("操作人"),
    )
    actor_username = models.CharField(_("操作人账号"), max_length=150, blank=True)
    source = models.CharField(_("来源"), max_length=16, default="web")
    file_name = models.CharField(_("文件名"), max_length=255)
    upload = models.FileField(_("上传文件"), upload_to="transfer/uploads/", blank=True)
    sheet = models.CharField(_("工作表"), max_length=100, blank=True)
    mode = models.CharField(_("模式"), max_length=8, choices=Mode.choices, default=Mode.CREATE)
    valid_only = models.BooleanField(_("只导入正确的行"), default=False)
    state = models.CharField(
        _("结果"), max_length=16, choices=State.choices, default=State.UPLOADED, db_index=True
    )
    message = models.CharField(_("说明"), max_length=500, blank=True)
    rows = models.PositiveIntegerField(_("数据行"), default=0)
    created = models.PositiveIntegerField(_("新增"), default=0)
    updated = models.PositiveIntegerField(_("更新"), default=0)
    unchanged = models.PositiveIntegerField(_("未变化"), default=0)
    error_count = models.PositiveIntegerField(_("错误数"), default=0)
    errors = models.JSONField(_("错误"), default=list, blank=True)
    warnings = models.JSONField(_("提示"), default=list, blank=True)
    preview = models.JSONField(_("预览"), default=dict, blank=True)
    error_file = models.FileField(_("错误清单"), upload_to="transfer/errors/", blank=True)
    progress = models.PositiveSmallIntegerField(_("进度"), default=0)
    created_at = models.DateTimeField(_("上传时间"), default=timezone.now, db_index=True)
    finished_at = models.DateTimeField(_("完成时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("导入记录")
        verbose_name_plural = _("导入记录")
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.file_name} ({self.created_at:%Y-%m-%d %H:%M})"

    @property
    def is_finished(self) -> bool:
        return self.state in (
            self.State.DONE,
            self.State.PARTIAL,
            self.State.REJECTED,
            self.State.FAILED,
            self.State.CANCELLED,
        )
