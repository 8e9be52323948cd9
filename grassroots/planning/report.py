"""The annual statistical report (年报): figures per unit, reconciliation checks, the xlsx."""

from __future__ import annotations

import datetime
import io
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

import xlsxwriter
from django.utils.translation import gettext as _

from grassroots.core import audit
from grassroots.organizations.models import Unit, UnitKind
from grassroots.planning import history
from grassroots.planning.composition import Dimension, dimensions
from grassroots.planning.history import CHANGE_IN, CHANGE_OUT, Column, UnitTree
from grassroots.planning.report_sections import ExtraTable, extra_tables
from grassroots.planning.selectors import as_of_for_year, check_unit_visible

SIZE_BANDS: list[tuple[int, int | None]] = [(0, 2), (3, 9), (10, 29), (30, 49), (50, None)]


def change_labels() -> dict[str, str]:
    return {
        "admitted": _("新发展"),
        "arrived": _("外省转入"),
        "moved_in": _("省内转入"),
        "returned": _("恢复会籍"),
        "moved_out": _("省内转出"),
        "transferred_out": _("转出外省"),
        "deceased": _("去世"),
        "resigned": _("退会"),
        "expelled": _("开除"),
    }


@dataclass
class ReportRow:
    unit: Unit
    own_only: bool  # the 本级 row: members held directly by a unit that has children
    depth: int
    values: dict[str, int]

    @property
    def label(self) -> str:
        name = _("%(name)s本级") % {"name": self.unit.display_name} if self.own_only else None
        return name or self.unit.display_name


@dataclass
class Check:
    unit: Unit
    kind: str  # "tree" (parent = children + 本级) or "flow" (start + in - out = end)
    checked: int
    failures: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.failures


@dataclass
class AnnualReport:
    unit: Unit
    year: int
    start_day: datetime.date
    end_day: datetime.date
    dims: list[Dimension]
    rows: list[ReportRow]
    checks: list[Check]
    size_rows: list[tuple[str, list[int]]]
    extras: list[ExtraTable] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return all(c.ok for c in self.checks) and not any(t.failures for t in self.extras)


def report_columns(year: int) -> list[Column]:
    """The columns of a year's report: the start and end of the year, then every bucket."""
    start_day = datetime.date(year - 1, 12, 31)
    end_day = as_of_for_year(year)
    return [Column("start", start_day), Column("end", end_day)] + [
        b.column(end_day) for d in dimensions(end_day) for b in d.buckets
    ]


def report_figures(
    tree: UnitTree, year: int
) -> tuple[dict[int, dict[str, int]], dict[int, dict[str, int]]]:
    """Own-unit counts and flows of a year's report (what the worker keeps counted)."""
    own = history.count(tree, report_columns(year))
    flows = history.changes(tree, datetime.date(year, 1, 1), as_of_for_year(year))
    return own, flows


def annual_report(
    *, user: Any, unit: Unit, year: int, max_depth: int | None = None
) -> AnnualReport:
    check_unit_visible(user, unit)
    tree = UnitTree.of(unit)
    start_day = datetime.date(year - 1, 12, 31)
    end_day = as_of_for_year(year)
    dims = dimensions(end_day)
    columns = report_columns(year)
    own, flows = report_figures(tree, year)
    for unit_id, values in flows.items():
        own.setdefault(unit_id, {}).update(values)
    for values in own.values():
        values["in"] = sum(values.get(k, 0) for k in CHANGE_IN)
        values["out"] = sum(values.get(k, 0) for k in CHANGE_OUT)
    totals = tree.rollup(own)

    rows: list[ReportRow] = []
    checks: list[Check] = []
    keys = [c.key for c in columns] + list(CHANGE_IN) + list(CHANGE_OUT) + ["in", "out"]
    has_children = {u.parent_id for u in tree.units.values()}
    for u in tree.units.values():
        rel = u.depth - unit.depth
        if max_depth is not None and rel > max_depth:
            continue
        rows.append(ReportRow(u, False, rel, totals.get(u.pk, {})))
        kids = tree.children(u.pk)
        if u.pk in has_children and (max_depth is None or rel < max_depth):
            rows.append(ReportRow(u, True, rel + 1, own.get(u.pk, {})))
        if kids:
            check = Check(u, "tree", len(keys))
            for key in keys:
                parent = totals.get(u.pk, {}).get(key, 0)
                summed = own.get(u.pk, {}).get(key, 0) + sum(
                    totals.get(k.pk, {}).get(key, 0) for k in kids
                )
                if parent != summed:
                    check.failures.append(f"{key}: {parent} ≠ {summed}")
            checks.append(check)
        values = totals.get(u.pk, {})
        flow = Check(u, "flow", 1)
        expected = values.get("start", 0) + values.get("in", 0) - values.get("out", 0)
        if expected != values.get("end", 0):
            flow.failures.append(f"{expected} ≠ {values.get('end', 0)}")
        checks.append(flow)

    # Grassroots organizations by size, per child of the report's unit.
    grassroots = [
        u for u in tree.units.values() if u.kind.level == UnitKind.Level.GRASSROOTS and u.is_active
    ]
    groups: dict[int, list[int]] = defaultdict(lambda: [0] * (len(SIZE_BANDS) + 1))
    top_of: dict[int, int] = {}
    for u in tree.units.values():
        if u.parent_id == unit.pk:
            top_of[u.pk] = u.pk
    for u in sorted(tree.units.values(), key=lambda x: x.depth):
        if u.pk not in top_of and u.parent_id in top_of:
            top_of[u.pk] = top_of[u.parent_id]
    for u in grassroots:
        size = totals.get(u.pk, {}).get("end", 0)
        band = next(
            i for i, (lo, hi) in enumerate(SIZE_BANDS) if size >= lo and (hi is None or size <= hi)
        )
        for group in (top_of.get(u.pk, unit.pk), unit.pk):
            groups[group][band] += 1
            groups[group][-1] += 1
    size_rows = [
        (tree.units[gid].display_name, groups[gid])
        for gid in [unit.pk] + [k.pk for k in tree.children(unit.pk)]
        if gid in groups
    ]
    extras = extra_tables(user=user, unit=unit, year=year, end_day=end_day)
    return AnnualReport(unit, year, start_day, end_day, dims, rows, checks, size_rows, extras)


# --- xlsx ---------------------------------------------------------------------------------


class _Book:
    def __init__(self, out: io.BytesIO) -> None:
        self.wb = xlsxwriter.Workbook(out, {"in_memory": True})
        base = {"font_name": "宋体", "font_size": 10, "border": 1, "valign": "vcenter"}
        self.title = self.wb.add_format({"bold": True, "font_size": 16, "align": "center"})
        self.sub = self.wb.add_format({"font_size": 10, "align": "left"})
        self.head = self.wb.add_format(
            {**base, "bold": True, "align": "center", "text_wrap": True, "bg_color": "#EDEDED"}
        )
        self.name = self.wb.add_format({**base, "align": "left"})
        self.own = self.wb.add_format({**base, "align": "left", "italic": True})
        self.num = self.wb.add_format({**base, "align": "right", "num_format": "0"})
        self.bad = self.wb.add_format({**base, "align": "right", "bg_color": "#F8CBAD"})
        self.text = self.wb.add_format({**base, "align": "left", "text_wrap": True})

    def sheet(self, name: str, title: str, subtitle: str, width: int) -> Any:
        ws = self.wb.add_worksheet(name)
        ws.set_landscape()
        ws.set_paper(9)  # A4
        ws.set_margins(left=0.4, right=0.4, top=0.6, bottom=0.6)
        ws.fit_to_pages(1, 0)
        ws.center_horizontally()
        ws.set_footer("&C" + _("第&P页，共&N页"))
        ws.merge_range(0, 0, 0, max(width - 1, 1), title, self.title)
        ws.merge_range(1, 0, 1, max(width - 1, 1), subtitle, self.sub)
        ws.set_row(0, 28)
        ws.set_column(0, 0, 22)
        ws.set_column(1, width, 7)
        return ws

    def headers(
        self, ws: Any, groups: list[tuple[str, list[str]]], row: int = 2, corner: str = ""
    ) -> int:
        """Two header rows: group headings merged over their columns; returns the first
        data row. Single-column groups span both rows. ``corner`` heads the label column."""
        ws.merge_range(row, 0, row + 1, 0, corner or _("单位"), self.head)
        col = 1
        for heading, subs in groups:
            if len(subs) == 1 and subs[0] == heading:
                ws.merge_range(row, col, row + 1, col, heading, self.head)
            elif len(subs) == 1:
                ws.write(row, col, heading, self.head)
                ws.write(row + 1, col, subs[0], self.head)
            else:
                ws.merge_range(row, col, row, col + len(subs) - 1, heading, self.head)
                for i, sub in enumerate(subs):
                    ws.write(row + 1, col + i, sub, self.head)
            col += len(subs)
        ws.set_row(row + 1, 42)
        ws.repeat_rows(row, row + 1)
        ws.freeze_panes(row + 2, 1)
        return row + 2


def _label(row: ReportRow) -> str:
    return "　" * row.depth + row.label


def _table(
    book: _Book,
    report: AnnualReport,
    name: str,
    title: str,
    groups: list[tuple[str, list[tuple[str, str]]]],
) -> int:
    width = 1 + sum(len(cols) for _h, cols in groups)
    subtitle = _("填报单位：%(unit)s　　统计时点：%(day)s") % {
        "unit": report.unit.name,
        "day": report.end_day.isoformat(),
    }
    ws = book.sheet(name, title, subtitle, width)
    first = book.headers(ws, [(h, [label for label, _k in cols]) for h, cols in groups])
    keys = [key for _h, cols in groups for _label_, key in cols]
    for i, row in enumerate(report.rows):
        ws.write(first + i, 0, _label(row), book.own if row.own_only else book.name)
        for j, key in enumerate(keys):
            ws.write_number(first + i, 1 + j, row.values.get(key, 0), book.num)
    return len(report.rows)


def write_xlsx(report: AnnualReport) -> bytes:
    out = io.BytesIO()
    book = _Book(out)
    dims = {d.key: d for d in report.dims}
    year = report.year

    def cols(key: str, skip_none: bool = False) -> list[tuple[str, str]]:
        return [
            (b.label, b.key)
            for b in dims[key].buckets
            if not (skip_none and b.key.endswith(("_none", "_missing")))
        ]

    total = [(_("合计"), "end")]
    rows = _table(
        book,
        report,
        _("表1 会员构成"),
        _("%(year)s年会员基本情况统计表（一）") % {"year": year},
        [
            (_("会员总数"), total),
            (_("性别"), cols("sex")),
            (_("民族"), [(_("少数民族"), "eth_minority")]),
            (_("年龄"), cols("age")),
            (_("学历"), cols("education")),
            (_("职称"), cols("title")),
        ],
    )
    _table(
        book,
        report,
        _("表2 界别与政治安排"),
        _("%(year)s年会员基本情况统计表（二）") % {"year": year},
        [
            (_("会员总数"), total),
            (_("界别"), cols("sector")),
            (_("政治安排"), cols("arrangement")),
            (_("优才"), [(_("优才"), "talent")]),
            (_("会龄"), cols("years")),
        ],
    )
    labels = change_labels()
    groups = [
        (_("年初数"), [(_("年初数"), "start")]),
        (_("增加"), [(labels[k], k) for k in history.CHANGE_IN] + [(_("小计"), "in")]),
        (_("减少"), [(labels[k], k) for k in history.CHANGE_OUT] + [(_("小计"), "out")]),
        (_("年末数"), [(_("年末数"), "end")]),
        (_("核对"), [(_("年初+增加−减少−年末"), "check")]),
    ]
    width = 1 + sum(len(c) for _h, c in groups)
    subtitle = _("填报单位：%(unit)s　　统计期间：%(start)s 至 %(end)s") % {
        "unit": report.unit.name,
        "start": datetime.date(year, 1, 1).isoformat(),
        "end": report.end_day.isoformat(),
    }
    ws = book.sheet(
        _("表3 年度变动"), _("%(year)s年会员增减变动情况表") % {"year": year}, subtitle, width
    )
    first = book.headers(ws, [(h, [label for label, _k in c]) for h, c in groups])
    keys = [k for _h, c in groups for _l, k in c]
    start_col, in_col, out_col, end_col = (
        1 + keys.index("start"),
        1 + keys.index("in"),
        1 + keys.index("out"),
        1 + keys.index("end"),
    )
    for i, row in enumerate(report.rows):
        r = first + i
        ws.write(r, 0, _label(row), book.own if row.own_only else book.name)
        for j, key in enumerate(keys[:-1]):
            ws.write_number(r, 1 + j, row.values.get(key, 0), book.num)
        v = row.values
        diff = v.get("start", 0) + v.get("in", 0) - v.get("out", 0) - v.get("end", 0)
        cell = xlsxwriter.utility.xl_rowcol_to_cell
        formula = f"={cell(r, start_col)}+{cell(r, in_col)}-{cell(r, out_col)}-{cell(r, end_col)}"
        ws.write_formula(r, len(keys), formula, book.bad if diff else book.num, diff)

    # Grassroots organizations by size.
    heads = [
        _("%(lo)s–%(hi)s人") % {"lo": lo, "hi": hi}
        if hi is not None
        else _("%(n)s人及以上") % {"n": lo}
        for lo, hi in SIZE_BANDS
    ]
    ws = book.sheet(
        _("表4 基层组织规模"),
        _("%(year)s年基层组织规模统计表") % {"year": year},
        _("按年末会员数分组（个）"),
        len(heads) + 2,
    )
    first = book.headers(ws, [(_("会员人数"), [*heads, _("合计")])])
    for i, (label, counts) in enumerate(report.size_rows):
        ws.write(first + i, 0, label, book.name)
        for j, n in enumerate(counts):
            ws.write_number(first + i, 1 + j, n, book.num)

    # Tables other apps add (dues, arrangements by level), numbered after the report's own.
    for number, extra in enumerate(report.extras, start=5):
        ws = book.sheet(
            _("表%(n)s %(title)s") % {"n": number, "title": extra.title},
            extra.heading,
            extra.note,
            len(extra.headers) + 1,
        )
        first = book.headers(ws, [(h, [h]) for h in extra.headers], corner=extra.corner)
        for i, (label, values) in enumerate(extra.rows):
            ws.write(first + i, 0, label, book.name)
            for j, value in enumerate(values):
                if isinstance(value, int | float):
                    ws.write_number(first + i, 1 + j, value, book.num)
                else:
                    ws.write(first + i, 1 + j, str(value), book.text)

    # The reconciliation proof.
    ws = book.sheet(
        _("表%(n)s 数据核对") % {"n": 5 + len(report.extras)},
        _("%(year)s年报表数据核对") % {"year": year},
        _("上级＝下级之和＋本级；年初数＋增加−减少＝年末数"),
        4,
    )
    first = book.headers(
        ws,
        [
            (_("核对项"), [_("核对项")]),
            (_("核对指标数"), [_("核对指标数")]),
            (_("结果"), [_("结果")]),
        ],
    )
    ws.set_column(1, 1, 36)
    ws.set_column(3, 3, 40)
    kinds = {"tree": _("上级＝下级之和＋本级"), "flow": _("年初＋增加−减少＝年末")}
    extra_checks = [(t.title, t.failures) for t in report.extras if t.failures]
    for i, (title, failures) in enumerate(extra_checks, start=len(report.checks)):
        ws.write(first + i, 0, title, book.name)
        ws.write(first + i, 3, _("不一致：") + "；".join(failures[:5]), book.bad)
    for i, check in enumerate(report.checks):
        ws.write(first + i, 0, check.unit.display_name, book.name)
        ws.write(first + i, 1, str(kinds[check.kind]), book.text)
        ws.write_number(first + i, 2, check.checked, book.num)
        ws.write(
            first + i,
            3,
            _("一致") if check.ok else _("不一致：") + "；".join(check.failures[:5]),
            book.text if check.ok else book.bad,
        )
    book.wb.close()
    del rows
    return out.getvalue()


def annual_report_export(
    *, user: Any, unit: Unit, year: int, max_depth: int | None = None
) -> tuple[AnnualReport, bytes]:
    """Build the report and its xlsx; the export is audited with its filter and row count."""
    report = annual_report(user=user, unit=unit, year=year, max_depth=max_depth)
    data = write_xlsx(report)
    audit.record(
        audit.AuditEvent.Action.EXPORT,
        object_type="planning.annual_report",
        object_repr=_("%(year)s年统计年报：%(unit)s") % {"year": year, "unit": unit.name},
        unit_path=unit.path,
        extra={
            "filter": {"unit": unit.code, "year": year, "max_depth": max_depth},
            "rows": len(report.rows),
            "format": "xlsx",
            "reconciled": report.ok,
        },
    )
    return report, data
