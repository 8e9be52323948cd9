"""Core tables: the audit log, notifications, named sequences, worker heartbeats and job runs."""

from __future__ import annotations

from contextvars import ContextVar
from typing import Any

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from grassroots.core.scope import ScopedModel, ScopedQuerySet

# Set only by ``audit.maintenance()`` (the retention purge on SQLite, test set-up): the ORM then
# lets audit rows be deleted. On PostgreSQL the database refuses anyway unless the connection is
# the table's owner (migration core 0002).
audit_maintenance: ContextVar[bool] = ContextVar("grassroots_audit_maintenance", default=False)


class AuditLogIsAppendOnly(Exception):
    """An attempt to change or delete a recorded audit event."""


def _refuse(what: str) -> None:
    if not audit_maintenance.get():
        raise AuditLogIsAppendOnly(
            f"core_auditevent is append-only: {what} refused (purges run through "
            "`grassroots purge_audit`)"
        )


class AuditEventQuerySet(ScopedQuerySet):
    def update(self, **kwargs: Any) -> int:
        _refuse("UPDATE")
        return super().update(**kwargs)

    def delete(self) -> tuple[int, dict[str, int]]:
        _refuse("DELETE")
        return super().delete()

    def _raw_delete(self, using: Any) -> int:
        _refuse("DELETE")
        return super()._raw_delete(using)


class AuditEvent(ScopedModel):
    """One recorded action. Who and where are plain values so rows outlive what they describe.

    Rows are only ever inserted: saving a loaded row, deleting one and queryset updates or
    deletes raise ``AuditLogIsAppendOnly`` on every database.
    """

    class Action(models.TextChoices):
        CREATE = "create", _("新增")
        UPDATE = "update", _("修改")
        DELETE = "delete", _("删除")
        BULK = "bulk", _("批量操作")
        REVEAL = "reveal", _("查看敏感信息")
        EXPORT = "export", _("导出")
        LOGIN = "login", _("登录")
        LOGIN_FAILED = "login_failed", _("登录失败")
        LOGOUT = "logout", _("退出")
        OTHER = "other", _("其他")

    scope_path_lookup = "unit_path"

    occurred_at = models.DateTimeField(_("时间"), default=timezone.now, db_index=True)
    actor_id = models.BigIntegerField(_("操作人ID"), null=True, blank=True)
    actor_username = models.CharField(_("操作人"), max_length=150, db_index=True)
    actor_unit_code = models.CharField(_("操作人单位"), max_length=32, blank=True)
    source = models.CharField(_("来源"), max_length=16, default="system")
    request_id = models.CharField(_("请求编号"), max_length=64, blank=True)
    ip = models.CharField(_("IP地址"), max_length=64, blank=True)
    action = models.CharField(_("动作"), max_length=16, choices=Action.choices, db_index=True)
    object_type = models.CharField(_("对象类型"), max_length=100, db_index=True)
    object_id = models.CharField(_("对象ID"), max_length=64, blank=True, db_index=True)
    object_repr = models.CharField(_("对象"), max_length=255, blank=True)
    unit_path = models.CharField(_("所属单位路径"), max_length=255, blank=True, db_index=True)
    operation = models.CharField(_("操作名称"), max_length=100, blank=True)
    changes = models.JSONField(_("变更"), default=dict, blank=True)
    extra = models.JSONField(_("附加信息"), default=dict, blank=True)

    objects = models.Manager.from_queryset(AuditEventQuerySet)()  # type: ignore[misc]

    class Meta:
        verbose_name = _("审计日志")
        verbose_name_plural = _("审计日志")
        ordering = ["-occurred_at", "-id"]
        indexes = [models.Index(fields=["object_type", "object_id", "-occurred_at"])]
        default_permissions = ("view",)

    def __str__(self) -> str:
        return f"{self.occurred_at:%Y-%m-%d %H:%M} {self.actor_username} {self.action} {self.object_repr}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if not self._state.adding or kwargs.get("force_update") or kwargs.get("update_fields"):
            _refuse("UPDATE")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> tuple[int, dict[str, int]]:
        _refuse("DELETE")
        return super().delete(*args, **kwargs)

    @classmethod
    def scope_q(cls, path: str) -> Q:
        return Q(unit_path__startswith=path)


class Notification(models.Model):
    """An in-app message telling a person what waits for them."""

    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="notifications",
        verbose_name=_("接收人"),
    )
    title = models.CharField(_("标题"), max_length=200)
    body = models.TextField(_("内容"), blank=True)
    url = models.CharField(_("链接"), max_length=500, blank=True)
    created_at = models.DateTimeField(_("时间"), default=timezone.now)
    read_at = models.DateTimeField(_("已读时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("站内通知")
        verbose_name_plural = _("站内通知")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["recipient", "read_at"])]

    def __str__(self) -> str:
        return self.title


class Sequence(models.Model):
    """A named counter (member numbers per year, reference codes); incremented under a row lock."""

    name = models.CharField(max_length=100, unique=True)
    value = models.BigIntegerField(default=0)

    class Meta:
        verbose_name = _("编号序列")
        verbose_name_plural = _("编号序列")

    def __str__(self) -> str:
        return f"{self.name}={self.value}"


class WorkerHeartbeat(models.Model):
    worker_name = models.CharField(max_length=200, unique=True)
    last_seen = models.DateTimeField(default=timezone.now)
    started_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("任务进程心跳")
        verbose_name_plural = _("任务进程心跳")

    def __str__(self) -> str:
        return self.worker_name


class PeriodicJobRun(models.Model):
    """One row per job and time slot: the unique constraint makes a slot run exactly once."""

    job = models.CharField(max_length=100)
    slot = models.CharField(max_length=32)
    worker_name = models.CharField(max_length=200)
    started_at = models.DateTimeField(default=timezone.now)
    finished_at = models.DateTimeField(null=True, blank=True)
    outcome = models.TextField(blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["job", "slot"], name="uniq_job_slot")]
        verbose_name = _("定时任务记录")
        verbose_name_plural = _("定时任务记录")

    def __str__(self) -> str:
        return f"{self.job}@{self.slot}"
