"""The annual statistical report's dues table: the unit and each unit below it, with the identity
due = collected + exempt + outstanding checked per row (registered from DuesConfig.ready)."""

from __future__ import annotations

import datetime
from typing import Any

from django.utils.translation import gettext as _

from grassroots.dues.models import DuesRecord
from grassroots.dues.selectors import dues_summary
from grassroots.organizations.models import Unit
from grassroots.planning.report_sections import ExtraTable


def dues_table(*, user: Any, unit: Unit, year: int, end_day: datetime.date) -> ExtraTable | None:
    if not DuesRecord.objects.filter(year=year, unit__path__startswith=unit.path).exists():
        return None  # no dues were raised in this subtree that year
    units = [unit, *Unit.objects.filter(parent=unit, is_active=True).order_by("order", "code")]
    rows: list[tuple[str, list[Any]]] = []
    failures: list[str] = []
    for u in units:
        s = dues_summary(user, u, year)
        if s.due != s.collected + s.exempt + s.outstanding:
            failures.append(
                _("%(unit)s：应缴%(due)s ≠ 已缴%(paid)s＋减免%(exempt)s＋欠缴%(owing)s")
                % {
                    "unit": u.display_name,
                    "due": s.due,
                    "paid": s.collected,
                    "exempt": s.exempt,
                    "owing": s.outstanding,
                }
            )
        rows.append(
            (
                ("　" if u.pk != unit.pk else "") + u.display_name,
                [
                    s.members,
                    float(s.due),
                    float(s.collected),
                    float(s.exempt),
                    float(s.outstanding),
                    s.in_arrears,
                    float(s.owed),
                    float(s.remitted),
                    float(s.remit_outstanding),
                ],
            )
        )
    return ExtraTable(
        key="dues",
        title=_("会费收缴"),
        heading=_("%(year)s年会费收缴情况统计表") % {"year": year},
        note=_("金额单位：元；应缴＝已缴＋减免＋欠缴；上缴为本级应向上级上缴的份额"),
        headers=[
            _("应缴人数"),
            _("应缴"),
            _("已缴"),
            _("减免"),
            _("欠缴"),
            _("欠缴人数"),
            _("应上缴"),
            _("已上缴"),
            _("未上缴"),
        ],
        rows=rows,
        failures=failures,
    )
