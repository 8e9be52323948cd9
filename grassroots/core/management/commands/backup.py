"""`grassroots backup DIR`: the database, uploaded files and a manifest; never the keys."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _

from grassroots.core import audit, backup, context
from grassroots.core.models import AuditEvent


class Command(BaseCommand):
    help = _(
        "把数据库和上传文件备份到目录 DIR（附清单：时间、版本、各表行数、校验和）；"
        "密钥不在备份中，请另行保管"
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("directory", type=Path, help=_("备份目录（须为空或不存在）"))

    def handle(self, *args: Any, **options: Any) -> None:
        directory: Path = options["directory"]
        try:
            manifest, report = backup.backup(directory)
        except backup.BackupError as exc:
            raise CommandError(str(exc)) from exc
        with context.acting(None, source="cli"):
            audit.record(
                AuditEvent.Action.EXPORT,
                object_type="core.backup",
                object_repr=str(directory.resolve())[:255],
                operation="backup",
                extra={
                    "directory": str(directory.resolve()),
                    "filter": {"database": "all tables", "media": "all files"},
                    "rows": report.rows,
                    "tables": report.tables,
                    "media_files": report.media_files,
                    "checksum": manifest["checksum"],
                },
            )
        self.stdout.write(
            _("备份完成：%(dir)s（%(what)s）") % {"dir": directory, "what": backup.describe(report)}
        )
