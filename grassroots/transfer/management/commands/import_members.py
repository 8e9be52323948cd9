"""Import a roster file: ``grassroots import-members FILE --unit CODE [--as USERNAME] ...``."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

from django.core.exceptions import PermissionDenied
from django.core.management.base import CommandError, CommandParser
from django.utils.translation import gettext as _

from grassroots.core.management.base import ScopedCommand
from grassroots.organizations.models import Unit
from grassroots.transfer import services
from grassroots.transfer.models import ImportJob


class Command(ScopedCommand):
    help = _("从Excel/CSV花名册导入会员（默认全部正确才写入）")

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", help=_("花名册文件（.xlsx、.xls、.ods、.csv）"))
        parser.add_argument("--unit", required=True, help=_("导入到的组织代码"))
        parser.add_argument("--mode", choices=["create", "update"], default="create")
        parser.add_argument("--dry-run", action="store_true", help=_("只检查，不写入"))
        parser.add_argument("--valid-only", action="store_true", help=_("只写入正确的行"))
        parser.add_argument("--json", action="store_true", help=_("以JSON输出结果"))
        parser.add_argument("--sheet", default=None, help=_("工作表名称（默认第一个）"))
        parser.add_argument(
            "--errors-out", default=None, help=_("把错误清单工作簿保存到该路径（.xlsx）")
        )

    def handle(self, *args: Any, **options: Any) -> None:
        as_json = options["json"]
        unit = Unit.objects.filter(code=options["unit"]).first()
        if unit is None or (
            self.actor is not None and not Unit.objects.visible_to(self.actor).filter(pk=unit.pk)
        ):
            self._fail(_("找不到组织代码“%(c)s”") % {"c": options["unit"]}, as_json)
        assert unit is not None
        path = Path(options["file"])
        progress = None if options["verbosity"] == 0 else self._progress
        try:
            report = services.import_members(
                path=path,
                unit=unit,
                actor=self.actor,
                file_name=path.name,
                mode=options["mode"],
                valid_only=options["valid_only"],
                dry_run=options["dry_run"],
                sheet=options["sheet"],
                progress=progress,
                source="cli",
            )
        except PermissionDenied as exc:
            self._fail(str(exc), as_json)
        if progress is not None:
            self.stderr.write("")
        if options["errors_out"] and report.error_workbook:
            Path(options["errors_out"]).write_bytes(report.error_workbook)
        if as_json:
            self.stdout.write(json.dumps(report.as_json(), ensure_ascii=False))
        else:
            self._print(report, options)
        if report.exit_code:
            sys.exit(report.exit_code)

    def _progress(self, done: int, total: int) -> None:
        self.stderr.write(
            f"\r{_('进度')} {done}/{total} ({done * 100 // max(total, 1)}%)", ending=""
        )
        self.stderr.flush()

    def _fail(self, message: str, as_json: bool) -> None:
        if as_json:
            self.stdout.write(json.dumps({"error": message}, ensure_ascii=False))
            sys.exit(2)
        raise CommandError(message, returncode=2)

    def _print(self, report: services.ImportReport, options: dict[str, Any]) -> None:
        if report.file_error:
            self.stderr.write(report.file_error)
            return
        for warning in report.warnings:
            self.stderr.write(_("提示：") + warning)
        for error in report.errors:
            self.stdout.write(
                _("第%(row)d行 %(col)s“%(val)s”：%(msg)s")
                % {"row": error.row, "col": error.column, "val": error.value, "msg": error.message}
            )
        verb = _("将") if options["dry_run"] else ""
        self.stdout.write(
            _("共%(rows)d行：%(verb)s新增%(c)d，%(verb)s更新%(u)d，未变化%(n)d，错误%(e)d")
            % {
                "rows": report.rows,
                "verb": verb,
                "c": report.created,
                "u": report.updated,
                "n": report.unchanged,
                "e": len(report.errors),
            }
        )
        if report.errors and not report.valid_only and not options["dry_run"]:
            self.stdout.write(
                _("存在错误，本次未写入任何数据；改正后重新导入，或使用 --valid-only")
            )
        job: ImportJob | None = report.job
        if job is not None and job.error_file:
            self.stdout.write(_("错误清单：%(p)s") % {"p": job.error_file.path})
