"""Roster import: read, validate every row, then write all (or only the valid rows) in bulk.

The pipeline is the same for the command, the console and the background task:
``import_members`` reads the file, checks every row against the member rules (with one hashed
lookup per batch for duplicates), and writes nothing unless every row passed (or
``valid_only``). Every real run is recorded as an ``ImportJob`` and audited.
"""

from __future__ import annotations

import datetime
import os
import re
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import phonenumbers
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import ContentFile
from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from grassroots.core import audit
from grassroots.core.audit import AuditEvent
from grassroots.core.scope import user_scope_path
from grassroots.core.sensitive import keyed_hash, mask_id_number
from grassroots.members import models as member_models
from grassroots.members.identity import check_identity, normalize_phone
from grassroots.members.models import Degree, Member
from grassroots.members.services import existing_id_hashes, member_update
from grassroots.organizations.models import Unit
from grassroots.transfer import bulk, columns, readers, stream, values, workbooks
from grassroots.transfer.models import ImportJob

OPERATION = "transfer.import_members"
_CN = phonenumbers.PhoneMetadata.metadata_for_region("CN")
_MOBILE = re.compile(str(_CN.mobile.national_number_pattern))  # type: ignore[union-attr]
BATCH = 5000
PREVIEW_ROWS = 20
Progress = Callable[[int, int], None]


@dataclass
class RowError:
    row: int
    column: str
    value: str
    message: str

    def as_dict(self) -> dict[str, Any]:
        return {
            "row": self.row,
            "column": self.column,
            "value": self.value,
            "message": self.message,
        }


@dataclass
class ImportReport:
    rows: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    valid: int = 0
    errors: list[RowError] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    file_error: str = ""
    written: bool = False
    dry_run: bool = False
    valid_only: bool = False
    preview: list[dict[str, str]] = field(default_factory=list)
    preview_headers: list[str] = field(default_factory=list)
    error_workbook: bytes = b""
    job: ImportJob | None = None
    # Seconds per phase (read, validate, write, …), for benchmarks and logs; not in as_json.
    timings: dict[str, float] = field(default_factory=dict)

    def as_json(self) -> dict[str, Any]:
        if self.file_error:
            return {"error": self.file_error}
        return {
            "rows": self.rows,
            "created": self.created,
            "updated": self.updated,
            "unchanged": self.unchanged,
            "errors": [e.as_dict() for e in self.errors],
            "warnings": list(self.warnings),
        }

    @property
    def exit_code(self) -> int:
        if self.file_error:
            return 2
        return 1 if self.errors else 0


@dataclass(slots=True)
class ParsedRow:
    number: int  # the row number a person sees
    cells: list[object]
    data: dict[str, Any]
    unit: Unit | None  # None: the unit cell was empty
    id_hash: str = ""
    month_only_birth: bool = False


# --- lookups --------------------------------------------------------------------------------


REF_MODELS: dict[str, Any] = {
    "Ethnicity": member_models.Ethnicity,
    "Education": member_models.Education,
    "Title": member_models.Title,
    "Sector": member_models.Sector,
    "TalentKind": member_models.TalentKind,
}
DEGREE_WORDS = {"学士": "bachelor", "学士学位": "bachelor", "硕士": "master", "硕士学位": "master"}
DEGREE_WORDS |= {"博士": "doctor", "博士学位": "doctor", "无": "", "无学位": ""}


def _key(text: str) -> str:
    return values.compact(text).lower()


def reference_map(model_name: str) -> dict[str, Any]:
    """Name, code and every alias (split on 、 , ， ;) of active entries -> the entry."""
    found: dict[str, Any] = {}
    for entry in REF_MODELS[model_name].objects.filter(is_active=True).order_by("-order"):
        words = [entry.name, entry.code, entry.name_en]
        for sep in "、，;；":
            entry.aliases = entry.aliases.replace(sep, ",")
        words += entry.aliases.split(",")
        for word in words:
            if _key(word):
                found[_key(word)] = entry
        found[_key(entry.name)] = entry  # a name beats another entry's alias
    return found


class UnitLookup:
    """Units by code, full name or short name; only units under ``root_path`` may be used."""

    def __init__(self, root_path: str) -> None:
        self.root_path = root_path
        self.by_word: dict[str, list[Unit]] = {}
        for unit in Unit.objects.filter(is_active=True).only(
            "pk", "code", "name", "short_name", "path"
        ):
            for word in {unit.code, unit.name, unit.short_name}:
                if _key(word):
                    self.by_word.setdefault(_key(word), []).append(unit)

    def resolve(self, raw: str) -> Unit:
        candidates = self.by_word.get(_key(raw), [])
        inside = [u for u in candidates if u.path.startswith(self.root_path)]
        if len(inside) == 1:
            return inside[0]
        if len(inside) > 1:
            raise ValueError(_("“%(v)s”对应多个组织，请改填组织代码") % {"v": raw})
        if candidates:
            raise ValueError(_("组织“%(v)s”不在本次导入的范围内") % {"v": raw})
        raise ValueError(_("找不到组织“%(v)s”：请填写组织代码、全称或简称") % {"v": raw})


# --- parsing --------------------------------------------------------------------------------


class _RowParser:
    def __init__(self, header: columns.HeaderMap, units: UnitLookup, mode: str) -> None:
        self.header = header
        self.units = units
        self.mode = mode
        self.refs = {c.key: reference_map(c.ref) for c in columns.COLUMNS if c.kind == "ref"}
        memoized = {"sex", "ref", "degree", "bool", "unit", "date"}
        self.plan: list[tuple[str, int, str, dict[object, tuple[bool, Any]] | None]] = [
            (
                key,
                col,
                columns.BY_KEY[key].kind,
                {} if columns.BY_KEY[key].kind in memoized else None,
            )
            for key, col in header.fields.items()
        ]

    def column_name(self, key: str) -> str:
        return self.header.headers[self.header.fields[key]]

    def parse(self, number: int, cells: list[object], errors: list[RowError]) -> ParsedRow:
        data: dict[str, Any] = {}
        row = ParsedRow(number=number, cells=cells, data=data, unit=None)
        failed = False

        def fail(key: str, value: object, message: str) -> None:
            nonlocal failed
            failed = True
            shown = values.text(value)
            if key == "id_number":
                shown = mask_id_number(values.compact(value))
            errors.append(RowError(number, self.column_name(key), shown, message))

        for key, col, kind, memo in self.plan:
            raw = cells[col] if col < len(cells) else ""
            if raw is None or raw == "" or (type(raw) is str and not raw.strip()):
                continue
            try:
                if memo is None:
                    value = self.convert(key, kind, raw)
                else:
                    # Repeating values (sex, reference lists, units, dates) are converted once.
                    found = memo.get(raw)
                    if found is None:
                        try:
                            found = (True, self.convert(key, kind, raw))
                        except ValueError as exc:
                            found = (False, str(exc))
                        memo[raw] = found
                    if not found[0]:
                        raise ValueError(found[1])
                    value = found[1]
            except ValueError as exc:
                fail(key, raw, str(exc))
                continue
            if kind == "unit":
                row.unit = value
            elif kind == "date" and key == "birth_date":
                data[key], row.month_only_birth = value
            elif kind == "date":
                data[key] = value[0]
            else:
                data[key] = value
        if not data.get("name"):
            if "name" not in data:
                errors.append(RowError(number, self.column_name("name"), "", _("姓名不能为空")))
                failed = True
        self._identity(row, fail)
        if failed:
            row.data = {}
        return row

    def convert(self, key: str, kind: str, raw: object) -> Any:
        """One cell to its value; raises ValueError with the reason."""
        if kind == "name":
            return values.compact(raw)
        if kind == "text":
            return values.text(raw)
        if kind == "sex":
            return values.parse_sex(raw)
        if kind == "date":
            return values.parse_date(raw), _month_only(raw)
        if kind == "id":
            if values.id_lost_digits(raw):
                raise ValueError(values.id_lost_digits_message(raw))
            return values.compact(raw)
        if kind == "phone":
            return self.phone(raw)
        if kind == "email":
            email = values.compact(raw)
            if "@" not in email:
                raise ValueError(_("电子邮箱格式不正确：%(v)s") % {"v": email})
            return email
        if kind == "ref":
            word = _key(values.text(raw))
            if word not in self.refs[key]:
                raise ValueError(
                    _("“%(v)s”不是可选的%(label)s")
                    % {"v": values.text(raw), "label": columns.BY_KEY[key].label}
                )
            return self.refs[key][word]
        if kind == "degree":
            word = _key(values.text(raw))
            if word not in DEGREE_WORDS:
                raise ValueError(
                    _("无法识别的学位：%(v)s（应为学士、硕士或博士）") % {"v": values.text(raw)}
                )
            return DEGREE_WORDS[word]
        if kind == "bool":
            return values.parse_bool(raw)
        if kind == "unit":
            return self.units.resolve(values.text(raw))
        raise ValueError(kind)

    def phone(self, raw: object) -> str:
        text = values.compact(raw)
        # The common case, an 11-digit mainland mobile, is checked against phonenumbers' own
        # mobile pattern (normalize_phone would return the same digits); the rest goes through
        # normalize_phone for its verdict and message.
        if len(text) == 11 and _MOBILE.fullmatch(text):
            return text
        return normalize_phone(text)

    def _identity(self, row: ParsedRow, fail: Callable[[str, object, str], None]) -> None:
        data = row.data
        number = data.get("id_number", "")
        if not number:
            if "id_number" in data:
                return
            if self.mode == ImportJob.Mode.UPDATE:
                if "id_number" in self.header.fields:
                    fail("id_number", "", _("更新模式需要身份证号来找到对应的会员"))
                else:
                    fail("name", data.get("name", ""), _("更新模式的文件须包含身份证号列"))
            elif not data.get("sex"):
                target = "sex" if "sex" in self.header.fields else "name"
                fail(target, data.get(target, ""), _("请填写性别或身份证号"))
            return
        try:
            parsed = values.parse_id(number)
        except ValueError as exc:
            fail("id_number", number, str(exc))
            return
        birth = data.get("birth_date")
        if birth is not None and row.month_only_birth:
            if (birth.year, birth.month) != (parsed.birth_date.year, parsed.birth_date.month):
                fail(
                    "birth_date",
                    birth.strftime("%Y-%m"),
                    _("出生年月%(given)s与身份证号中的%(derived)s不一致")
                    % {"given": birth.strftime("%Y-%m"), "derived": parsed.birth_date.isoformat()},
                )
            birth = None
        sex = data.get("sex") or None
        if (birth is not None and birth != parsed.birth_date) or (sex and sex != parsed.sex):
            _parsed, problems = check_identity(parsed.value, birth, sex)
            for key, message in problems.items():
                fail(key, data.get(key, ""), message)
        data["id_number"] = parsed.value
        data["birth_date"] = parsed.birth_date
        data["sex"] = parsed.sex
        row.id_hash = keyed_hash(parsed.value)
        data["id_number_hash"] = row.id_hash


def _month_only(raw: object) -> bool:
    if isinstance(raw, datetime.date):
        return False
    if isinstance(raw, float | int):
        return 1900 < raw < 2100 or 190001 <= raw <= 210012
    text = values.compact(raw)
    return bool(values._DATE_MONTH.match(text)) or (text.isdigit() and len(text) == 6)


def _is_blank(cells: list[object]) -> bool:
    for cell in cells:
        if cell is None or cell == "":
            continue
        if isinstance(cell, str) and not cell.strip():
            continue
        return False
    return True


def _is_footer(cells: list[object], header: columns.HeaderMap) -> bool:
    """Rows such as "制表人：…", "合计：35人" or "注：…" below the data."""
    filled = [c for c in cells if not (c is None or c == "")]
    first = filled[0] if filled else None
    if not isinstance(first, str):
        return False
    first = values.compact(first)
    if first.startswith(columns.FOOTER_PREFIXES):
        return True
    return len(filled) == 1 and ("：" in first or ":" in first) and len(header.fields) > 2


# --- the pipeline ---------------------------------------------------------------------------


def import_members(
    *,
    path: Path,
    unit: Unit,
    actor: Any = None,
    file_name: str = "",
    mode: str = ImportJob.Mode.CREATE,
    valid_only: bool = False,
    dry_run: bool = False,
    sheet: str | None = None,
    restrict_to_unit: bool = True,
    progress: Progress | None = None,
    job: ImportJob | None = None,
    source: str = "cli",
) -> ImportReport:
    """Import a roster file into ``unit``. Unit cells must lie under ``unit`` (the command) or
    anywhere in the actor's scope (``restrict_to_unit=False``, the console)."""
    file_name = file_name or path.name
    _check_actor(actor, unit, mode)
    report = ImportReport(dry_run=dry_run, valid_only=valid_only)
    if job is None and not dry_run:
        job = ImportJob.objects.create(
            unit=unit,
            created_by=actor if getattr(actor, "is_authenticated", False) else None,
            actor_username=getattr(actor, "username", "") or "system",
            source=source,
            file_name=file_name[:255],
            sheet=sheet or "",
            mode=mode,
            valid_only=valid_only,
            state=ImportJob.State.RUNNING,
        )
    report.job = job
    root = unit.path
    if not restrict_to_unit:
        scope = user_scope_path(actor)
        root = unit.path if scope is None else scope
    started = time.perf_counter()
    try:
        table = readers.read_table(path, sheet)
        report.timings["read"] = time.perf_counter() - started
        header = columns.find_header(table.rows)
        if header is None:
            raise readers.FileReadError(
                _("找不到表头行：前30行中没有同时包含“姓名”和其他已知列名（如身份证号、性别）的行")
            )
        _validate(report, table, header, UnitLookup(root), unit, mode, actor, progress)
    except readers.FileReadError as exc:
        report.file_error = str(exc)
        _finish(report, job, file_name, unit, mode, actor)
        return report
    if report.errors:
        report.error_workbook = workbooks.error_workbook(
            table, header, report, only_error_rows=valid_only
        )
    if not dry_run and (valid_only or not report.errors):
        report.written = True
    finishing = time.perf_counter()
    _finish(report, job, file_name, unit, mode, actor)
    report.timings["finish"] = time.perf_counter() - finishing
    report.timings["total"] = time.perf_counter() - started
    return report


def _check_actor(actor: Any, unit: Unit, mode: str) -> None:
    if actor is None:
        return
    path = user_scope_path(actor)
    if path is None or not unit.path.startswith(path):
        raise PermissionDenied(_("所选组织不在您的管理范围内"))
    needed = "members.add_member" if mode == ImportJob.Mode.CREATE else "members.change_member"
    if not actor.has_perm(needed):
        raise PermissionDenied(_("您没有导入会员的权限"))


def _validate(
    report: ImportReport,
    table: readers.Sheet,
    header: columns.HeaderMap,
    units: UnitLookup,
    unit: Unit,
    mode: str,
    actor: Any,
    progress: Progress | None,
) -> None:
    if header.unknown:
        report.warnings.append(
            _("以下列未识别，已忽略：%(cols)s") % {"cols": "、".join(header.unknown)}
        )
    missing = [c for c in ("id_number",) if c not in header.fields]
    if missing and mode == ImportJob.Mode.CREATE:
        report.warnings.append(_("文件没有身份证号列：无法检查重复会员"))
    parser = _RowParser(header, units, mode)
    data_rows = [
        (index + 1, cells)
        for index, cells in enumerate(
            table.rows[header.row_index + 1 :], start=header.row_index + 1
        )
        if not _is_blank(cells) and not _is_footer(cells, header)
    ]
    report.rows = len(data_rows)
    if report.rows > readers.max_rows():
        raise readers.FileReadError(
            _("文件有%(n)d行数据，超过单次导入上限%(limit)d行：请拆分后分批导入")
            % {"n": report.rows, "limit": readers.max_rows()}
        )
    if report.rows == 0:
        raise readers.FileReadError(_("表头下面没有数据行"))
    report.preview_headers = [h for h in header.headers if h]
    for _number, cells in data_rows[:PREVIEW_ROWS]:
        report.preview.append(
            {
                header.headers[col]: (
                    mask_id_number(values.compact(cells[col]))
                    if key == "id_number"
                    else values.text(cells[col] if col < len(cells) else "")
                )
                for key, col in header.fields.items()
            }
        )
    total = report.rows
    copying = not report.dry_run and mode == ImportJob.Mode.CREATE
    copying = copying and connection.vendor == "postgresql"
    if (
        copying
        and not report.valid_only
        and len(data_rows) >= bulk.COPY_THRESHOLD
        and _streamed(report, parser, data_rows, unit, progress)
    ):
        return
    prefetch = None
    if copying:
        name_col = header.fields["name"]
        prefetch = bulk.PinyinPrefetch(
            [values.compact(cells[name_col]) for _n, cells in data_rows if name_col < len(cells)]
        )
    try:
        validating = time.perf_counter()
        parsed: list[ParsedRow] = []
        for done, (number, cells) in enumerate(data_rows, start=1):
            parsed.append(parser.parse(number, cells, report.errors))
            if progress is not None and (done % BATCH == 0 or done == total):
                progress(done // 2, total)
        _check_duplicates(report, parser, parsed)
        writing = time.perf_counter()
        report.timings["validate"] = writing - validating
        _plan_and_write(report, parser, parsed, unit, mode, actor, progress, prefetch, table)
        report.timings["write"] = time.perf_counter() - writing
    finally:
        if prefetch is not None:
            prefetch.close()


def _streamed(
    report: ImportReport,
    parser: _RowParser,
    data_rows: list[tuple[int, list[object]]],
    unit: Unit,
    progress: Progress | None,
) -> bool:
    """A large create on PostgreSQL: validate and COPY slice by slice (``transfer.stream``).
    False when it met anything to report: nothing was written and the full path takes over."""
    extra = {"file": getattr(report.job, "file_name", ""), "job": getattr(report.job, "pk", None)}
    try:
        created = stream.StreamImport(
            parser=parser,
            rows=data_rows,
            unit=unit,
            operation=OPERATION,
            extra=extra,
            progress=progress,
            timings=report.timings,
        ).run()
    except stream.Fallback:
        report.timings.clear()
        if connection.in_atomic_block:  # only in a caller's transaction (tests)
            with connection.cursor() as cursor:
                cursor.execute("SET CONSTRAINTS ALL DEFERRED")
        return False
    report.valid = report.created = created
    if progress is not None:
        progress(report.rows, report.rows)
    return True


def _check_duplicates(report: ImportReport, parser: _RowParser, parsed: list[ParsedRow]) -> None:
    seen: dict[str, int] = {}
    numbers: dict[str, int] = {}
    for row in parsed:
        if not row.data:
            continue
        if row.id_hash:
            first = seen.setdefault(row.id_hash, row.number)
            if first != row.number:
                report.errors.append(
                    RowError(
                        row.number,
                        parser.column_name("id_number"),
                        mask_id_number(row.data["id_number"]),
                        _("与第%(row)d行的身份证号重复") % {"row": first},
                    )
                )
                row.data = {}
                continue
        number = row.data.get("member_number")
        if number:
            first = numbers.setdefault(number, row.number)
            if first != row.number:
                report.errors.append(
                    RowError(
                        row.number,
                        parser.column_name("member_number"),
                        number,
                        _("与第%(row)d行的会员编号重复") % {"row": first},
                    )
                )
                row.data = {}


def _plan_and_write(
    report: ImportReport,
    parser: _RowParser,
    parsed: list[ParsedRow],
    unit: Unit,
    mode: str,
    actor: Any,
    progress: Progress | None,
    prefetch: bulk.PinyinPrefetch | None = None,
    table: readers.Sheet | None = None,
) -> None:
    scope_root = parser.units.root_path
    valid = [r for r in parsed if r.data]
    existing: dict[str, Member] = {}
    hashes = [r.id_hash for r in valid if r.id_hash]
    for start in range(0, len(hashes), BATCH):
        existing.update(existing_id_hashes(hashes[start : start + BATCH]))
    taken_numbers = _existing_member_numbers(
        [r.data["member_number"] for r in valid if r.data.get("member_number")]
    )
    creates: list[ParsedRow] = []
    updates: list[tuple[ParsedRow, Member]] = []
    for row in valid:
        found = existing.get(row.id_hash) if row.id_hash else None
        id_column = parser.column_name("id_number") if row.id_hash else ""
        if found is None:
            if row.data.get("member_number") in taken_numbers:
                _reject(report, parser, row, "member_number", _("该会员编号已被使用"))
                continue
            creates.append(row)
            continue
        inside = found.unit.path.startswith(scope_root)
        if mode == ImportJob.Mode.CREATE or not inside:
            message = (
                _("该身份证号已登记：%(name)s（%(unit)s）")
                % {"name": found.name, "unit": found.unit.name}
                if inside
                else _("该身份证号已在其他组织登记")
            )
            if inside and mode == ImportJob.Mode.CREATE:
                message += _("；如需修改其信息，请使用“更新”模式导入")
            report.errors.append(
                RowError(row.number, id_column, mask_id_number(row.data["id_number"]), message)
            )
            row.data = {}
            continue
        if row.unit is not None and row.unit.pk != found.unit_id:
            report.errors.append(
                RowError(
                    row.number,
                    parser.column_name("unit"),
                    values.text(row.cells[parser.header.fields["unit"]]),
                    _(
                        "该会员现属“%(current)s”，与所填组织不同：变更所属组织须办理组织关系转接，"
                        "不能通过导入修改"
                    )
                    % {"current": found.unit.name},
                )
            )
            row.data = {}
            continue
        updates.append((row, found))
    report.valid = len(creates) + len(updates)
    if report.errors and not report.valid_only:
        return  # all or nothing: counts stay zero, nothing is written
    if not report.errors and table is not None:
        # No error workbook will be needed: let the raw cells go before the write phase.
        table.rows.clear()
        for row in parsed:
            row.cells = []
    _count_or_write(report, creates, updates, unit, actor, progress, prefetch)


def _existing_member_numbers(numbers: list[str]) -> set[str]:
    taken: set[str] = set()
    for start in range(0, len(numbers), 900):
        found = Member.objects.filter(member_number__in=numbers[start : start + 900])
        taken.update(n for n in found.values_list("member_number", flat=True) if n)
    return taken


def _reject(
    report: ImportReport, parser: _RowParser, row: ParsedRow, key: str, message: str
) -> None:
    report.errors.append(
        RowError(row.number, parser.column_name(key), str(row.data.get(key, "")), message)
    )
    row.data = {}


def _count_or_write(
    report: ImportReport,
    creates: list[ParsedRow],
    updates: list[tuple[ParsedRow, Member]],
    unit: Unit,
    actor: Any,
    progress: Progress | None,
    prefetch: bulk.PinyinPrefetch | None = None,
) -> None:
    """Dry run: count what would happen. Real run: write creates in bulk, updates one by one."""
    changes: list[tuple[Member, dict[str, Any]]] = []
    pks = [member.pk for _row, member in updates]
    full: dict[int, Member] = {}
    for start in range(0, len(pks), 900):
        full.update(Member.objects.in_bulk(pks[start : start + 900]))
    for row, member in updates:
        diff = _changed_fields(full[member.pk], row.data)
        if diff:
            changes.append((full[member.pk], diff))
        else:
            report.unchanged += 1
    if report.dry_run:
        report.created = len(creates)
        report.updated = len(changes)
        return
    specs = [(row.unit or unit, row.data) for row in creates]
    extra = {"file": getattr(report.job, "file_name", ""), "job": getattr(report.job, "pk", None)}
    with transaction.atomic():
        bulk.insert_members(
            specs, operation=OPERATION, extra=extra, progress=progress, prefetch=prefetch
        )
        for member, diff in changes:
            member_update(member=member, data=diff, actor=actor)
    report.created = len(specs)
    report.updated = len(changes)
    if progress is not None:
        progress(report.rows, report.rows)


def _changed_fields(member: Member, data: dict[str, Any]) -> dict[str, Any]:
    """Only what the file states (non-empty) and differs from the archive."""
    diff: dict[str, Any] = {}
    for key, value in data.items():
        if value in ("", None):
            continue
        kind = columns.BY_KEY[key].kind if key in columns.BY_KEY else "text"
        if kind == "ref":
            current, value_cmp = getattr(member, f"{key}_id"), value.pk
        else:
            current, value_cmp = getattr(member, key), value
        if current != value_cmp:
            diff[key] = value
    diff.pop("id_number", None)  # the matching key itself never changes here
    diff.pop("id_number_hash", None)
    return diff


def _finish(
    report: ImportReport,
    job: ImportJob | None,
    file_name: str,
    unit: Unit,
    mode: str,
    actor: Any,
) -> None:
    if job is None or report.dry_run:
        return
    if report.file_error:
        state = ImportJob.State.FAILED
    elif report.errors and not report.written:
        state = ImportJob.State.REJECTED
    elif report.errors:
        state = ImportJob.State.PARTIAL
    else:
        state = ImportJob.State.DONE
    job.state = state
    job.message = report.file_error[:500]
    job.rows, job.created, job.updated = report.rows, report.created, report.updated
    job.unchanged, job.error_count = report.unchanged, len(report.errors)
    job.errors = [e.as_dict() for e in report.errors[:5000]]
    job.warnings = list(report.warnings)
    job.progress = 100
    job.finished_at = timezone.now()
    if report.error_workbook:
        stem = Path(file_name).stem[:80] or "import"
        job.error_file.save(
            f"{stem}-errors-{job.pk}.xlsx", ContentFile(report.error_workbook), save=False
        )
    job.save()
    audit.record(
        AuditEvent.Action.BULK if report.written else AuditEvent.Action.OTHER,
        instance=job,
        operation=OPERATION,
        extra={
            "file": file_name,
            "unit": unit.code,
            "mode": mode,
            "outcome": state,
            "rows": report.rows,
            "created": report.created,
            "updated": report.updated,
            "unchanged": report.unchanged,
            "errors": len(report.errors),
        },
    )


# --- console flow ---------------------------------------------------------------------------


def import_job_upload(
    *,
    uploaded: Any,
    unit: Unit,
    mode: str,
    valid_only: bool,
    actor: Any,
    sheet: str = "",
) -> ImportJob:
    """Store an upload and preview it (a dry run); nothing is written to the archive yet."""
    _check_actor(actor, unit, mode)
    name = os.path.basename(getattr(uploaded, "name", "") or "upload")
    if Path(name).suffix.lower() not in readers.SUFFIXES:
        raise ValidationError(
            {"file": _("不支持的文件类型：请上传 .xlsx、.xls、.ods 或 .csv 文件")}
        )
    if getattr(uploaded, "size", 0) > readers.max_bytes():
        raise ValidationError(
            {
                "file": _("文件超过上限%(limit)sMB：请拆分后分批导入")
                % {"limit": readers._mb(readers.max_bytes())}
            }
        )
    job = ImportJob(
        unit=unit,
        created_by=actor,
        actor_username=actor.get_username(),
        source="web",
        file_name=name[:255],
        sheet=sheet,
        mode=mode,
        valid_only=valid_only,
        state=ImportJob.State.UPLOADED,
    )
    job.upload.save(f"{timezone.now():%Y%m%d%H%M%S}{Path(name).suffix.lower()}", uploaded, False)
    job.save()
    report = import_members(
        path=Path(job.upload.path),
        unit=unit,
        actor=actor,
        file_name=name,
        mode=mode,
        valid_only=valid_only,
        dry_run=True,
        sheet=sheet or None,
        restrict_to_unit=False,
    )
    job.rows = report.rows
    job.error_count = len(report.errors)
    job.errors = [e.as_dict() for e in report.errors[:5000]]
    job.warnings = list(report.warnings)
    job.message = report.file_error[:500]
    job.preview = {
        "headers": report.preview_headers,
        "rows": report.preview,
        "created": report.created,
        "updated": report.updated,
        "unchanged": report.unchanged,
        "valid": report.valid,
    }
    if report.file_error:
        job.state = ImportJob.State.FAILED
        _delete_upload(job)
    if report.error_workbook:
        job.error_file.save(
            f"{Path(name).stem[:80]}-errors-{job.pk}.xlsx",
            ContentFile(report.error_workbook),
            save=False,
        )
    job.save()
    return job


def import_job_run(*, job: ImportJob, actor: Any, progress: Progress | None = None) -> ImportJob:
    """Run a previewed upload for real, then delete the uploaded file whatever the outcome."""
    if job.state not in (ImportJob.State.UPLOADED, ImportJob.State.QUEUED):
        raise ValidationError(_("该导入已处理"))
    ImportJob.objects.filter(pk=job.pk).update(state=ImportJob.State.RUNNING, progress=1)
    job.state = ImportJob.State.RUNNING
    try:
        import_members(
            path=Path(job.upload.path),
            unit=job.unit,
            actor=actor,
            file_name=job.file_name,
            mode=job.mode,
            valid_only=job.valid_only,
            sheet=job.sheet or None,
            restrict_to_unit=False,
            progress=progress or job_progress(job),
            job=job,
            source="web",
        )
    except Exception:
        # Nothing was written (the write is one transaction); the history must not show the
        # job as running forever.
        ImportJob.objects.filter(pk=job.pk).update(
            state=ImportJob.State.FAILED,
            message=_("导入过程中发生内部错误，未写入任何数据，请联系管理员"),
            finished_at=timezone.now(),
            progress=100,
        )
        raise
    finally:
        _delete_upload(job)
    return job


def import_job_cancel(*, job: ImportJob, actor: Any) -> ImportJob:
    if job.state != ImportJob.State.UPLOADED:
        raise ValidationError(_("该导入已处理"))
    job.state = ImportJob.State.CANCELLED
    job.finished_at = timezone.now()
    job.save()
    _delete_upload(job)
    return job


def job_progress(job: ImportJob) -> Progress:
    last = [0.0]

    def report(done: int, total: int) -> None:
        now = time.monotonic()
        if now - last[0] < 0.5 and done < total:
            return
        last[0] = now
        percent = max(1, min(99, int(done * 100 / max(total, 1))))
        ImportJob.objects.filter(pk=job.pk).update(progress=percent)

    return report


def _delete_upload(job: ImportJob) -> None:
    if job.upload:
        job.upload.delete(save=False)
        ImportJob.objects.filter(pk=job.pk).update(upload="")


# --- export ---------------------------------------------------------------------------------


def members_export(
    *,
    actor: Any,
    queryset: Any = None,
    columns_wanted: list[str] | None = None,
    params: dict[str, Any] | None = None,
) -> tuple[bytes, int]:
    """The members (already filtered by the console, or all in scope) as xlsx; audited with the
    filter and the row count. Full ID numbers only for holders of the reveal permission."""
    from grassroots.transfer import selectors

    keys = [
        k for k in (columns_wanted or workbooks.DEFAULT_EXPORT) if k in workbooks.EXPORT_COLUMNS
    ]
    if not keys:
        raise ValidationError({"columns": _("请至少选择一列")})
    reveal = bool(actor.has_perm("members.reveal_id_number")) and "id_number" in keys
    qs = selectors.members_for_export(actor, queryset)
    lookups = [workbooks.EXPORT_COLUMNS[k][1] for k in keys]
    if reveal:
        lookups[keys.index("id_number")] = "id_number"
    sex = dict(member_models.Sex.choices)
    status = dict(member_models.MemberStatus.choices)
    degree = dict(Degree.choices)
    yes, no = _("是"), _("否")
    count = 0

    def rows() -> Any:
        nonlocal count
        for values_row in qs.values_list(*lookups).iterator(chunk_size=5000):
            count += 1
            row = list(values_row)
            for i, key in enumerate(keys):
                if key == "sex":
                    row[i] = sex.get(row[i], row[i])
                elif key == "status":
                    row[i] = status.get(row[i], row[i])
                elif key == "degree":
                    row[i] = degree.get(row[i], "") if row[i] else ""
                elif key == "is_talent":
                    row[i] = yes if row[i] else no
            yield row

    headers = [str(workbooks.EXPORT_COLUMNS[k][0]) for k in keys]
    data = workbooks.export_workbook(rows(), headers, sheet=_("会员名单"))
    audit.record(
        AuditEvent.Action.EXPORT,
        object_type="members.member",
        object_repr=_("会员名单导出"),
        operation="transfer.members_export",
        extra={
            "filter": {k: v for k, v in (params or {}).items()},
            "rows": count,
            "columns": keys,
            "id_numbers_revealed": reveal,
        },
    )
    return data, count


def import_template() -> bytes:
    """The import template: canonical headers, an example row, drop-downs for choice columns."""
    choices: dict[str, list[str]] = {"sex": [str(label) for _v, label in member_models.Sex.choices]}
    for column in columns.COLUMNS:
        if column.kind == "ref":
            choices[column.key] = [
                str(e.name) for e in REF_MODELS[column.ref].objects.filter(is_active=True)
            ]
    choices["degree"] = [str(label) for value, label in Degree.choices if value]
    choices["is_talent"] = [_("是"), _("否")]
    return workbooks.template_workbook(choices)


def unit_roster(*, unit: Unit, actor: Any, include_descendants: bool = True) -> tuple[bytes, int]:
    """The printable roster (花名册) of a unit's active members; audited as an export."""
    from grassroots.transfer import selectors

    members = selectors.roster_members(actor, unit, include_descendants=include_descendants)
    rows = []
    for n, m in enumerate(members, start=1):
        job = "，".join(p for p in (m.employer, m.post) if p)
        rows.append(
            [
                str(n),
                m.name,
                m.get_sex_display(),
                m.ethnicity.name if m.ethnicity else "",
                m.birth_date.strftime("%Y.%m") if m.birth_date else "",
                m.education.name if m.education else "",
                m.title.name if m.title else "",
                job,
                m.join_date.strftime("%Y.%m") if m.join_date else "",
                m.phone,
            ]
        )
    data = workbooks.roster_workbook(
        title=_("%(unit)s会员花名册") % {"unit": unit.name},
        unit_name=unit.name,
        day=timezone.localdate(),
        rows=rows,
    )
    audit.record(
        AuditEvent.Action.EXPORT,
        instance=unit,
        operation="transfer.unit_roster",
        extra={
            "filter": {"unit": unit.code, "descendants": include_descendants},
            "rows": len(rows),
        },
    )
    return data, len(rows)
