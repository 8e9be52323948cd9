"""The fast path of a large create import on PostgreSQL: the rows are validated slice by slice,
column by column, and each slice is written by COPY (from a thread of its own) while the next
one is validated, so the server inserts, indexes and checks rows during the Python work
instead of after it.

It is optimistic: it writes only while every row passes. Whatever the full path would report —
a cell it cannot convert, an ID number that does not match the sex or birth date, a duplicate
inside the file, a member already registered (the unique indexes refuse the COPY) — makes it
give up (``Fallback``): its transaction is rolled back and ``services`` validates the file
again the usual way, which reports every error and writes nothing. So this path never words an
error, and it writes the very rows the full path writes (member with its derived columns and
number, search keys, first status row, one audit row per member, the summary event, the
spells): tests compare the two. See docs/decisions/0004-import-pipeline.md.
"""

from __future__ import annotations

import datetime
import itertools
import json
import operator
import time
from collections.abc import Callable, Sequence
from typing import Any

import psycopg.errors
from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from grassroots.core import audit, context, sensitive, sequences
from grassroots.core.audit import AuditEvent
from grassroots.core.sensitive import mask_id_number
from grassroots.members.models import Member, NameKey, StatusChange
from grassroots.members.services import members_written
from grassroots.organizations.models import Unit
from grassroots.transfer import bulk, values

SLICE = 5000
BINARY = (
    True  # members, keys and status rows in COPY's binary format (the audit rows' JSON as text)
)
BLANK: Any = object()  # a cell the full path skips as empty (the field keeps its default)
_MISS: Any = object()
# A str as JSON text, non-ASCII characters as they are (the column is jsonb: the stored value is
# the same as json.dumps' escaped form, and the server parses less).
_json_str = json.encoder.encode_basestring
_by_key = operator.itemgetter(1)


class Fallback(Exception):
    """Something only the full path may judge: roll back and validate the usual way."""


Progress = Callable[[int, int], None]


def _blank(raw: object) -> bool:
    return raw is None or raw == "" or (type(raw) is str and not raw.strip())


class _Columns:
    """Cell converters per column: the full path's own conversions (``_RowParser.convert``),
    each distinct value converted once; any ValueError means Fallback."""

    def __init__(self, parser: Any) -> None:
        self.parser = parser
        self.memos: dict[str, dict[object, Any]] = {}
        self.kinds = {key: kind for key, _col, kind, _memo in parser.plan}
        self.cols = {key: col for key, col, _kind, _memo in parser.plan}

    def convert_one(self, key: str, raw: object) -> Any:
        if _blank(raw):
            return BLANK
        try:
            return self.parser.convert(key, self.kinds[key], raw)
        except ValueError as exc:
            raise Fallback from exc

    def column(self, key: str, rows: Sequence[list[object]]) -> list[Any]:
        col = self.cols[key]
        raw = [cells[col] if col < len(cells) else "" for cells in rows]
        kind = self.kinds[key]
        if kind == "id":
            return [self._id(value) for value in raw]
        if kind == "phone":
            return [self._phone(value) for value in raw]
        memo = self.memos.setdefault(key, {})
        get = memo.get
        # str keys as they are; other cells keyed with their type (1 == 1.0 == True).
        out = [get(value, _MISS) for value in raw]
        for n, found in enumerate(out):
            if found is _MISS:
                value = raw[n]
                memo_key = value if type(value) is str else (type(value), value)
                found = get(memo_key, _MISS)
                if found is _MISS:
                    found = memo[memo_key] = self.convert_one(key, value)
                out[n] = found
        return out

    def _id(self, raw: object) -> Any:
        if type(raw) is str:
            if not raw.strip():
                return BLANK
            text = values.compact(raw)
            if values._SCIENTIFIC.match(text):
                raise Fallback  # the ID lost its digits in Excel
            return text
        return self.convert_one("id_number", raw)

    def _phone(self, raw: object) -> Any:
        if _blank(raw):
            return BLANK
        try:
            return self.parser.phone(raw)  # what convert does for a phone cell
        except ValueError as exc:
            raise Fallback from exc


def _fragment(value: Any) -> str:
    """``value`` as JSON text: the value ``json.dumps(audit._plain(value))`` writes."""
    if value is None:
        return "null"
    if value is True:
        return "true"
    if value is False:
        return "false"
    if isinstance(value, str):
        return _json_str(value)
    if isinstance(value, int):
        return str(value)
    if isinstance(value, datetime.date):
        return '"' + value.isoformat() + '"'
    return json.dumps(bulk._plain(value))


def _fragments(column: Sequence[Any]) -> list[str]:
    cache: dict[Any, str] = {}
    out = []
    for value in column:
        found = cache.get(value)
        if found is None:
            found = cache[value] = _fragment(value)
        out.append(found)
    return out


class StreamImport:
    """One create import of ``rows`` (row number, cells) into ``unit`` by slices."""

    def __init__(
        self,
        *,
        parser: Any,
        rows: list[tuple[int, list[object]]],
        unit: Unit,
        operation: str,
        extra: dict[str, Any],
        progress: Progress | None,
        timings: dict[str, float] | None = None,
    ) -> None:
        self.timings = timings if timings is not None else {}
        self.parser = parser
        self.rows = rows
        self.unit = unit
        self.operation = operation
        self.extra = extra
        self.progress = progress
        self.columns = _Columns(parser)
        self.today = datetime.date.today()  # ids.parse bounds birth dates by the system date
        self.local_today = timezone.localdate()
        self.now = timezone.now()
        self.pinyins: dict[str, tuple[str, str, tuple[str, ...]]] = {}
        self.seen_ids: set[str] = set()
        self.seen_numbers: set[str] = set()
        self.exact = sensitive.fast_keyed_hash("exact")
        tail = sensitive.fast_keyed_hash("tail")
        self.tails: dict[str, str] = {}
        self.tail = lambda t: self.tails.get(t) or self.tails.setdefault(t, tail(t))
        self.encrypt = sensitive.fast_encrypt()
        fields = [f for f in Member._meta.concrete_fields if not f.primary_key]
        self.fields = fields
        self.defaults: dict[str, Any] = {f.name: f.get_default() for f in fields}
        self.defaults.update({"created_at": self.now, "updated_at": self.now, "photo": ""})
        self.member_sql = bulk.CopyStream.statement(
            Member._meta.db_table, ["id", *[str(f.column) for f in fields]], BINARY
        )
        self.key_sql = bulk.CopyStream.statement(
            NameKey._meta.db_table, ["member_id", "key", "unit_id", "sort_key"], BINARY
        )
        self.status_sql = bulk.CopyStream.statement(
            StatusChange._meta.db_table,
            [
                "member_id",
                "from_status",
                "to_status",
                "date",
                "reason",
                "recorded_by",
                "recorded_at",
            ],
            BINARY,
        )
        self.audit_sql = bulk.CopyStream.statement(
            AuditEvent._meta.db_table,
            [
                "occurred_at",
                "actor_id",
                "actor_username",
                "actor_unit_code",
                "source",
                "request_id",
                "ip",
                "action",
                "object_type",
                "object_id",
                "object_repr",
                "unit_path",
                "operation",
                "changes",
                "extra",
            ],
        )
        self.audited = [
            (f.name, f.attname)
            for f in fields
            if f.name not in Member.audit_exclude and f.attname not in Member.audit_exclude
        ]
        ctx = context.current()
        user = ctx.user if getattr(ctx.user, "is_authenticated", False) else None
        self.recorded_by = ctx.actor_username
        self.reason = _("建档")
        self.head = (
            self.now,
            user.pk if user else None,
            ctx.actor_username,
            ctx.actor_unit_code,
            ctx.source,
            ctx.request_id,
            ctx.ip,
            "create",
            Member._meta.label_lower,
        )

    # --- validation ---------------------------------------------------------------------

    def _numbers_needed(self) -> dict[int, int]:
        """Member numbers to reserve per join year (rows without one of their own), in the
        order the years first appear, as ``member_bulk_create`` and the COPY writer reserve
        them once every row is valid."""
        cells = [cells for _n, cells in self.rows]
        joins = (
            self.columns.column("join_date", cells)
            if "join_date" in self.columns.cols
            else [BLANK] * len(cells)
        )
        given = (
            self.columns.column("member_number", cells)
            if "member_number" in self.columns.cols
            else [BLANK] * len(cells)
        )
        years: dict[int, int] = {}
        year_now = self.local_today.year
        for join, number in zip(joins, given, strict=True):
            if number is BLANK or not number:
                year = join[0].year if join is not BLANK and join[0] is not None else year_now
                years[year] = years.get(year, 0) + 1
        return years

    def _slice(self, rows: Sequence[tuple[int, list[object]]]) -> dict[str, list[Any]]:
        """The slice's values per field (BLANK where the full path leaves the default); raises
        Fallback on the first thing the full path would report."""
        cells = [c for _n, c in rows]
        cols = {key: self.columns.column(key, cells) for key in self.columns.cols}
        n = len(rows)
        for key, kind in self.columns.kinds.items():
            if kind == "date":
                col = cols[key]
                cols[key] = [BLANK if v is BLANK else v[0] for v in col]
                if key == "birth_date":
                    cols["_month_only"] = [v is not BLANK and v[1] for v in col]
        if any(v is BLANK for v in cols["name"]):
            raise Fallback  # 姓名不能为空
        ids = cols.get("id_number") or [BLANK] * n
        sexes = cols.get("sex") or [BLANK] * n
        births = cols.get("birth_date") or [BLANK] * n
        month_only = cols.get("_month_only") or [False] * n
        hashes: list[str | None] = []
        numbers: list[str] = []
        parse_id, today, exact = values.parse_id, self.today, self.exact
        for i in range(n):
            number = ids[i]
            sex = sexes[i]
            if number is BLANK or not number:
                if number is BLANK and (sex is BLANK or not sex):
                    raise Fallback  # 请填写性别或身份证号
                hashes.append(None)
                numbers.append("" if number is BLANK else number)
                continue
            try:
                parsed = parse_id(number, today)
            except ValueError as exc:
                raise Fallback from exc
            birth = births[i]
            if birth is BLANK:
                birth = None
            if birth is not None and month_only[i]:
                if (birth.year, birth.month) != (parsed.birth_date.year, parsed.birth_date.month):
                    raise Fallback
                birth = None
            if (birth is not None and birth != parsed.birth_date) or (
                sex is not BLANK and sex and sex != parsed.sex
            ):
                raise Fallback
            births[i] = parsed.birth_date
            sexes[i] = parsed.sex
            hashed = exact(parsed.value)
            if hashed in self.seen_ids:
                raise Fallback  # 与第…行的身份证号重复
            self.seen_ids.add(hashed)
            hashes.append(hashed)
            numbers.append(parsed.value)
        cols["id_number"], cols["sex"], cols["birth_date"] = numbers, sexes, births
        cols["_hash"] = hashes
        if "member_number" in cols:
            for number in cols["member_number"]:
                if number is not BLANK and number:
                    if number in self.seen_numbers:
                        raise Fallback  # 与第…行的会员编号重复
                    self.seen_numbers.add(number)
        return cols

    # --- the rows written ---------------------------------------------------------------

    def _tables(
        self,
        cols: dict[str, list[Any]],
        ids: Sequence[int],
        firsts: dict[int, int],
    ) -> tuple[list[tuple], list[tuple], list[tuple], list[tuple]]:
        n = len(ids)
        units: list[Unit] = [
            self.unit if u is BLANK else u for u in cols.get("unit") or [BLANK] * n
        ]
        unit_ids = [u.pk for u in units]
        per_row: dict[str, list[Any]] = {"unit": unit_ids}
        for key, column in cols.items():
            if key.startswith("_") or key == "unit":
                continue
            default = self.defaults[key]
            if self.columns.kinds.get(key) == "ref":
                per_row[key] = [default if v is BLANK else v.pk for v in column]
            else:
                per_row[key] = [default if v is BLANK else v for v in column]
        joins = per_row.get("join_date") or [None] * n
        # member numbers: the file's own, else the next of the join year's reserved block
        given = per_row.get("member_number") or [None] * n
        fmt = settings.GRASSROOTS_MEMBER_NUMBER_FORMAT
        numbers = []
        for i in range(n):
            if given[i]:
                numbers.append(given[i])
                continue
            year = (joins[i] or self.local_today).year
            seq = firsts[year]
            firsts[year] = seq + 1
            numbers.append(fmt.format(year=year, seq=seq, unit=units[i].code))
        per_row["member_number"] = numbers
        plain = per_row["id_number"]
        hashes = cols["_hash"]
        per_row["id_number_hash"] = hashes
        per_row["id_tail_hash"] = [
            self.tail(p[-4:]) if h else "" for p, h in zip(plain, hashes, strict=True)
        ]
        masked = [mask_id_number(p) if h else "" for p, h in zip(plain, hashes, strict=True)]
        per_row["id_number_masked"] = masked
        names = per_row["name"]
        pinyins = self._pinyin(names)
        per_row["pinyin_full"] = [p[0] for p in pinyins]
        per_row["pinyin_initials"] = [p[1] for p in pinyins]
        status = per_row.get("status") or itertools.repeat(self.defaults["status"], n)
        per_row["status_date"] = list(joins)  # status_date or join_date: never imported
        sources: list[Any] = [ids]
        for f in self.fields:
            if f.name == "id_number":
                sources.append(self.encrypt(plain))
            elif f.name in per_row:
                sources.append(per_row[f.name])
            else:
                sources.append(itertools.repeat(self._db_default(f.name), n))
        members = list(zip(*sources, strict=True))
        keys = [
            (pk, key, unit_id, full)
            for pk, unit_id, (full, _initials, found) in zip(ids, unit_ids, pinyins, strict=True)
            for key in found
        ]
        # In key order: consecutive inserts land on neighbouring pages of the (key, unit,
        # sort_key, member) index instead of all over it (about a third less server time).
        keys.sort(key=_by_key)
        history = [
            (pk, "", st, join or self.local_today, self.reason, self.recorded_by, self.now)
            for pk, st, join in zip(ids, status, joins, strict=True)
        ]
        audit_rows = self._audit(per_row, masked, ids, names, units)
        return members, keys, history, audit_rows

    def _db_default(self, name: str) -> Any:
        value = self.defaults[name]
        return value.pk if hasattr(value, "pk") else value

    def _pinyin(self, names: list[str]) -> list[tuple[str, str, tuple[str, ...]]]:
        # In this thread: it has time to spare while the server works, and the characters'
        # readings are cached (core.pinyin.cached_syllable_options), so a worker process would
        # only compete with the server for the cores.
        cache = self.pinyins
        out = []
        for name in names:
            found = cache.get(name)
            if found is None:
                found = cache[name] = bulk.name_pinyin(name)
            out.append(found)
        return out

    def _audit(
        self,
        per_row: dict[str, list[Any]],
        masked: list[str],
        ids: Sequence[int],
        names: list[str],
        units: list[Unit],
    ) -> list[tuple]:
        parts: list[str] = []
        varying: list[list[str]] = []
        for name, attname in self.audited:
            if name == "id_number":
                column: Any = masked
            else:
                column = per_row.get(name)
            if column is None:
                fragment = _fragment(self._db_default(name)).replace("%", "%%")
                parts.append(f'"{attname}":[null,{fragment}]')
            else:
                parts.append(f'"{attname}":[null,%s]')
                varying.append(_fragments(column))
        template = "{" + ",".join(parts) + "}"
        head = self.head
        operation = self.operation
        rows = zip(*varying, strict=True) if varying else itertools.repeat((), len(ids))
        return [
            (*head, str(pk), name[:255], unit.path, operation, template % frags, "{}")
            for pk, name, unit, frags in zip(ids, names, units, rows, strict=True)
        ]

    # --- the run ------------------------------------------------------------------------

    def run(self) -> int:
        """Write every row or raise Fallback (nothing written). Returns the rows created.

        ``timings``: validate (cells to values), derive (hashes, ciphertexts, pinyin, the rows
        of every table), wait_server (this thread waiting for the COPYs: the server is the
        slower side), spells (the derived tables that follow, set-based), commit."""
        clock = time.perf_counter
        spent = dict.fromkeys(("validate", "derive", "wait_server"), 0.0)
        total = len(self.rows)
        outermost = not connection.in_atomic_block
        mark = clock()
        years = self._numbers_needed()
        spent["validate"] += clock() - mark
        with transaction.atomic():
            with connection.cursor() as wrapper:
                if outermost:
                    # The import's commit does not wait for its WAL to reach disk: the job's
                    # own commit right after (synchronous) flushes it before anyone is told.
                    wrapper.execute("SET LOCAL synchronous_commit TO OFF")
                ids = bulk._next_ids(wrapper.cursor, Member, total)
                # Foreign keys checked at the end of each slice's COPY, in the writer thread,
                # instead of all at commit.
                wrapper.execute("SET CONSTRAINTS ALL IMMEDIATE")
            firsts = {
                year: sequences.next_value(f"member_number:{year}", count=count)
                for year, count in years.items()
            }
            writer = bulk.CopyStream()
            try:
                for start in range(0, total, SLICE):
                    piece = self.rows[start : start + SLICE]
                    mark = clock()
                    cols = self._slice(piece)
                    validated = clock()
                    members, keys, history, events = self._tables(
                        cols, ids[start : start + len(piece)], firsts
                    )
                    derived = clock()
                    writer.put(self.member_sql, members)
                    writer.put(self.key_sql, keys)
                    writer.put(self.status_sql, history)
                    writer.put(self.audit_sql, events, self._reporter(start + len(piece), total))
                    spent["validate"] += validated - mark
                    spent["derive"] += derived - validated
                    spent["wait_server"] += clock() - derived
                mark = clock()
                writer.close()
                spent["wait_server"] += clock() - mark
            except psycopg.errors.IntegrityError as exc:
                writer.abort()
                raise Fallback from exc  # a member already registered, a number taken
            except BaseException:
                writer.abort()
                raise
            mark = clock()
            with connection.cursor() as wrapper:
                wrapper.execute("SET CONSTRAINTS ALL DEFERRED")
            members_written.send(sender=Member, member_ids=ids, created=True)
            audit.record(
                AuditEvent.Action.BULK,
                object_type=bulk.SUMMARY_TYPE,
                object_repr=self.operation,
                operation=self.operation,
                extra={"count": total, **self.extra},
            )
            spent["spells"] = clock() - mark
            mark = clock()
        spent["commit"] = clock() - mark
        self.timings.update(spent)
        return total

    def _reporter(self, done: int, total: int) -> Callable[[], None] | None:
        progress = self.progress
        if progress is None:
            return None
        return lambda: progress(done, total)
