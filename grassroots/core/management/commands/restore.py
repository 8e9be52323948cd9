"""`grassroots restore DIR`: replace the database and uploaded files with a verified backup."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _

from grassroots.core import audit, backup, context
from grassroots.core.models import AuditEvent


class Command(BaseCommand):
    help = _(
        "用目录 DIR 中的备份替换当前数据库和上传文件，并核对各表行数、试解密加密字段；"
        "请先停止网站和后台任务进程"
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("directory", type=Path, help=_("由 grassroots backup 写出的目录"))
        parser.add_argument("--yes", action="store_true", help=_("不再询问，直接替换当前数据"))

    def handle(self, *args: Any, **options: Any) -> None:
        directory: Path = options["directory"]
        try:
            manifest = backup.read_manifest(directory)
        except backup.BackupError as exc:
            raise CommandError(str(exc)) from exc
        if not options["yes"]:
            answer = input(
                _("将用 %(when)s 的备份替换当前数据库和全部上传文件，输入 yes 继续：")
                % {"when": manifest["created_at"]}
            )
            if answer.strip().lower() != "yes":
                raise CommandError(_("已取消，未做任何改动"))
        try:
            manifest, report = backup.restore(directory)
        except backup.BackupError as exc:
            raise CommandError(str(exc)) from exc
        with context.acting(None, source="cli"):
            audit.record(
                AuditEvent.Action.OTHER,
                object_type="core.backup",
                object_repr=str(directory.resolve())[:255],
                operation="restore",
                extra={
                    "directory": str(directory.resolve()),
                    "backup_created_at": manifest["created_at"],
                    "rows": report.rows,
                    "tables": report.tables,
                    "media_files": report.media_files,
                    "decrypted_samples": report.decrypted_samples,
                    "seconds": round(report.seconds, 2),
                },
            )
        self.stdout.write(
            _("恢复完成并已核对：%(what)s；试解密 %(samples)d 个加密字段")
            % {"what": backup.describe(report), "samples": report.decrypted_samples}
        )
