"""The annual statistical report's table of political arrangements by level (registered from
FiguresConfig.ready into planning's report sections)."""

from __future__ import annotations

import datetime
from typing import Any

from django.utils.translation import gettext as _

from grassroots.figures.selectors import arrangements_by_level
from grassroots.organizations.models import Unit
from grassroots.planning.report_sections import ExtraTable


def arrangements_table(*, user: Any, unit: Unit, year: int, end_day: datetime.date) -> ExtraTable:
    rows = arrangements_by_level(user, day=end_day, unit_path=unit.path)
    return ExtraTable(
        key="arrangements_by_level",
        title=_("政治安排分级"),
        heading=_("%(year)s年会员政治安排分级统计表") % {"year": year},
        note=_("%(unit)s　截至%(day)s在任，按级别与类别（人、职）")
        % {"unit": unit.name, "day": end_day.isoformat()},
        corner=_("级别·类别"),
        headers=[_("人数"), _("职数")],
        rows=[(f"{r['level']}·{r['kind']}", [r["people"], r["posts"]]) for r in rows],
    )
