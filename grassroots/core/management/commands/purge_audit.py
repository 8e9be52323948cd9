"""`grassroots purge_audit`: delete audit rows older than the retention period (owner connection)."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ImproperlyConfigured
from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from grassroots.core import audit, context


class Command(BaseCommand):
    help = _(
        "删除早于保留期（GRASSROOTS_AUDIT_RETENTION_DAYS，至少 180 天）的审计日志；"
        "PostgreSQL 上通过 DATABASE_OWNER_URL 执行，本次清理本身也记入审计日志"
    )

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            with context.acting(None, source="cli"):
                count, cutoff = audit.purge_expired()
        except ImproperlyConfigured as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(
            _("已删除 %(count)d 条早于 %(cutoff)s 的审计日志")
            % {"count": count, "cutoff": cutoff.strftime("%Y-%m-%d %H:%M")}
        )
