"""`grassroots report annual --year Y --unit CODE [--as USERNAME] -o FILE.xlsx`."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import CommandError, CommandParser
from django.http import Http404
from django.utils.translation import gettext as _

from grassroots.core.management.base import ScopedCommand
from grassroots.organizations.models import Unit
from grassroots.planning.report import annual_report_export


class Command(ScopedCommand):
    help = _("生成统计年报（xlsx），范围为指定组织及其下级；加 --as 时按该账号的管理范围")

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("kind", choices=["annual"], help=_("报表类型：annual（统计年报）"))
        parser.add_argument("--year", type=int, required=True, help=_("统计年度"))
        parser.add_argument("--unit", required=True, help=_("组织代码"))
        parser.add_argument("-o", "--output", required=True, help=_("输出文件（.xlsx）"))
        parser.add_argument("--depth", type=int, default=None, help=_("向下展开的层数（默认全部）"))

    def handle(self, *args: Any, **options: Any) -> None:
        output = Path(options["output"])
        if output.suffix.lower() != ".xlsx":
            raise CommandError(_("输出文件须以 .xlsx 结尾：%(f)s") % {"f": output})
        if not output.parent.exists():
            raise CommandError(_("输出目录不存在：%(d)s") % {"d": output.parent})
        year = options["year"]
        if not 1950 <= year <= 2100:
            raise CommandError(_("年度超出范围：%(y)s") % {"y": year})
        units = Unit.objects.all()
        if self.actor is not None:
            units = units.visible_to(self.actor)
        unit = units.filter(code=options["unit"]).first()
        if unit is None:
            # Out of scope and missing look the same (existence does not leak).
            raise CommandError(_("未找到组织代码“%(c)s”") % {"c": options["unit"]})
        try:
            report, data = annual_report_export(
                user=self.actor, unit=unit, year=year, max_depth=options["depth"]
            )
        except Http404 as exc:
            raise CommandError(_("未找到组织代码“%(c)s”") % {"c": options["unit"]}) from exc
        tmp = output.with_name(output.name + ".part")
        tmp.write_bytes(data)
        tmp.replace(output)
        status = _("核对一致") if report.ok else _("核对不一致，请查看“数据核对”表")
        self.stdout.write(
            _("已生成%(f)s：%(n)s行，%(s)s") % {"f": output, "n": len(report.rows), "s": status}
        )
