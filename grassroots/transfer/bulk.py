"""Writing many validated members at once.

SQLite (and small batches) go through ``members.services.member_bulk_create``. On PostgreSQL a
large import produces the very same rows (member with derived columns and number, pinyin search
keys, first status row, one audit row per member plus one event naming the operation) with
COPY straight from the validated values, without building model instances: that is what keeps a
100,000-row import within seconds (see docs/decisions/0004-import-pipeline.md).
"""

from __future__ import annotations

import concurrent.futures
import datetime
import functools
import json
import multiprocessing as mp
import queue
import threading
from collections.abc import Callable, Iterable, Iterator, Sequence
from typing import Any, NamedTuple

from django.conf import settings
from django.db import connection, connections, models
from django.utils import timezone
from django.utils.translation import gettext as _

from grassroots.core import audit, context, sequences
from grassroots.core.audit import AuditEvent
from grassroots.core.pinyin import name_pinyin
from grassroots.core.sensitive import encrypt, keyed_hash, mask_id_number
from grassroots.members.identity import id_hashes
from grassroots.members.models import Member, NameKey, StatusChange
from grassroots.members.services import member_bulk_create, members_written
from grassroots.organizations.models import Unit

COPY_THRESHOLD = 2000
ORM_CHUNK = 10_000
SUMMARY_TYPE = "members.member"
Spec = tuple[Unit, dict[str, Any]]  # (unit, validated field values)


def insert_members(
    specs: list[Spec],
    *,
    operation: str,
    extra: dict[str, Any] | None = None,
    progress: Callable[[int, int], None] | None = None,
    prefetch: PinyinPrefetch | None = None,
) -> int:
    """Create members from validated values; returns how many were created."""
    actor = context.current().user
    if connection.vendor == "postgresql" and len(specs) >= COPY_THRESHOLD:
        ready = prefetch.results() if prefetch is not None else {}
        return _copy_members(
            specs, operation=operation, extra=extra, progress=progress, ready=ready
        )
    if prefetch is not None:
        prefetch.close()
    # Chunks bound the memory held in model instances (each chunk records its own summary
    # event, all inside the caller's transaction).
    for start in range(0, len(specs), ORM_CHUNK):
        chunk = specs[start : start + ORM_CHUNK]
        member_bulk_create(
            members=[Member(unit=unit, **data) for unit, data in chunk],
            operation=operation,
            actor=actor,
            audit_each=True,
            extra=extra,
        )
        if progress:
            progress(start + len(chunk), len(specs))
    return len(specs)


_pinyin = functools.lru_cache(maxsize=4096)(name_pinyin)
PARALLEL_MIN_NAMES = 5000


def _pinyin_chunk(names: list[str]) -> list[tuple[str, str, tuple[str, ...]]]:
    return [name_pinyin(name) for name in names]


class PinyinPrefetch:
    """Pinyin of many names computed in a forked worker process while the importer validates
    rows in this one (pypinyin is pure Python and the host has more than one core)."""

    def __init__(self, names: list[str]) -> None:
        self.names = list(dict.fromkeys(names))
        self.futures: list[tuple[list[str], concurrent.futures.Future]] = []
        self.executor: concurrent.futures.ProcessPoolExecutor | None = None
        self.ready: dict[str, tuple[str, str, tuple[str, ...]]] = {}
        if len(self.names) < PARALLEL_MIN_NAMES or "fork" not in mp.get_all_start_methods():
            return
        self.executor = concurrent.futures.ProcessPoolExecutor(
            max_workers=1, mp_context=mp.get_context("fork")
        )
        for start in range(0, len(self.names), 10_000):
            chunk = self.names[start : start + 10_000]
            self.futures.append((chunk, self.executor.submit(_pinyin_chunk, chunk)))

    def results(self) -> dict[str, tuple[str, str, tuple[str, ...]]]:
        for chunk, future in self.futures:
            self.ready.update(zip(chunk, future.result(), strict=True))
        self.futures = []
        self.close()
        return self.ready

    def close(self) -> None:
        if self.executor is not None:
            self.executor.shutdown(wait=True, cancel_futures=True)
            self.executor = None


class Copy(NamedTuple):
    sql: str
    types: list[int] | None  # column type oids of a binary COPY


class CopyStream:
    """COPY statements run in order by a thread of their own on the current connection, so that
    the server inserts (and checks) one slice of rows while Python prepares the next.

    The main thread must not use the connection until ``close``. A failed statement is kept
    and raised by the next ``put`` or by ``close`` (the transaction is then aborted: the caller
    rolls it back); later statements are dropped. ``after`` callables run in the thread after
    their statement (progress reports: Django gives the thread a connection of its own, closed
    when the thread ends, so a progress row written there is seen while the import's
    transaction is still open).
    """

    def __init__(self, depth: int = 3) -> None:
        connection.ensure_connection()
        self.conn = connection.connection  # the psycopg connection behind Django's
        self.queue: queue.Queue[tuple[Copy, Iterable[tuple], Callable[[], None] | None] | None]
        self.queue = queue.Queue(maxsize=depth)
        self.error: BaseException | None = None
        self.closed = False
        self.thread = threading.Thread(target=self._run, name="grassroots-copy", daemon=True)
        self.thread.start()

    @staticmethod
    def statement(table: str, fields: Sequence[str], binary: bool = False) -> Copy:
        """The COPY of ``fields`` into ``table``; ``binary``: in PostgreSQL's binary format (the
        server parses no text; the values must have the columns' exact types)."""
        quote = connection.ops.quote_name
        sql = f"COPY {quote(table)} ({', '.join(quote(f) for f in fields)}) FROM STDIN"
        if not binary:
            return Copy(sql, None)
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT attname, atttypid::int FROM pg_attribute"
                " WHERE attrelid = %s::regclass AND attnum > 0 AND NOT attisdropped",
                [table],
            )
            oids = dict(cursor.fetchall())
        return Copy(sql + " WITH (FORMAT BINARY)", [oids[f] for f in fields])

    def put(
        self, copy: Copy, rows: Iterable[tuple], after: Callable[[], None] | None = None
    ) -> None:
        if self.error is not None:
            raise self.error
        self.queue.put((copy, rows, after))

    def _run(self) -> None:
        try:
            cursor = self.conn.cursor()
            while (item := self.queue.get()) is not None:
                if self.error is not None:
                    continue  # drained: the transaction is aborted
                statement, rows, after = item
                try:
                    with cursor.copy(statement.sql) as copy:
                        if statement.types is not None:
                            copy.set_types(statement.types)
                        for row in rows:
                            copy.write_row(row)
                    if after is not None:
                        after()
                except BaseException as exc:  # handed to the main thread
                    self.error = exc
        finally:
            connections.close_all()  # this thread's own connections (progress), never the import's

    def close(self) -> None:
        """Wait for every statement; raise the first failure."""
        if not self.closed:
            self.closed = True
            self.queue.put(None)
            self.thread.join()
        if self.error is not None:
            raise self.error

    def abort(self) -> None:
        """Stop after the statement running now (the caller rolls the transaction back)."""
        if self.closed:
            return
        if self.error is None:
            self.error = RuntimeError("aborted")
        while True:
            try:
                self.queue.get_nowait()
            except queue.Empty:
                break
        self.closed = True
        self.queue.put(None)
        self.thread.join()


def _copy(cursor: Any, table: str, fields: list[str], rows: Iterable[tuple]) -> None:
    columns = ", ".join(connection.ops.quote_name(f) for f in fields)
    with cursor.copy(f"COPY {connection.ops.quote_name(table)} ({columns}) FROM STDIN") as copy:
        for row in rows:
            copy.write_row(row)


def _next_ids(cursor: Any, model: type[models.Model], count: int) -> list[int]:
    cursor.execute("SELECT pg_get_serial_sequence(%s, 'id')", [model._meta.db_table])
    sequence = cursor.fetchone()[0]
    cursor.execute("SELECT nextval(%s) FROM generate_series(1, %s)", [sequence, count])
    return [r[0] for r in cursor.fetchall()]


def _plain(value: Any) -> Any:
    """What ``audit.snapshot`` records for a value (dates as ISO text, instances as keys)."""
    if isinstance(value, datetime.date):
        return value.isoformat()
    if isinstance(value, models.Model):
        return value.pk
    return value


def _copy_members(
    specs: list[Spec],
    *,
    operation: str,
    extra: dict[str, Any] | None,
    progress: Callable[[int, int], None] | None,
    ready: dict[str, tuple[str, str, tuple[str, ...]]],
) -> int:
    ctx = context.current()

    def pinyin_of(name: str) -> tuple[str, str, tuple[str, ...]]:
        found = ready.get(name)
        return found if found is not None else _pinyin(name)

    user = (
        ctx.user if ctx.user is not None and getattr(ctx.user, "is_authenticated", False) else None
    )
    recorded_by = ctx.actor_username
    now = timezone.now()
    today = timezone.localdate()
    total = len(specs)
    fields = [f for f in Member._meta.concrete_fields if not f.primary_key]
    names = [f.name for f in fields]
    defaults = {f.name: f.get_default() for f in fields}
    defaults.update({"created_at": now, "updated_at": now, "photo": ""})
    audited = [
        (f.name, f.attname)
        for f in fields
        if f.name not in Member.audit_exclude and f.attname not in Member.audit_exclude
    ]
    rows: list[dict[str, Any]] = []
    by_year: dict[int, list[dict[str, Any]]] = {}
    for unit, data in specs:
        row = data  # completed in place: no second dict per member
        for name, value in defaults.items():
            row.setdefault(name, value)
        row["unit"] = unit
        if not row["member_number"]:
            by_year.setdefault((row["join_date"] or today).year, []).append(row)
        rows.append(row)
    for year, group in by_year.items():
        first = sequences.next_value(f"member_number:{year}", count=len(group))
        for offset, row in enumerate(group):
            row["member_number"] = settings.GRASSROOTS_MEMBER_NUMBER_FORMAT.format(
                year=year, seq=first + offset, unit=row["unit"].code
            )

    def member_rows(ids: list[int]) -> Iterator[tuple]:
        # Generated while COPY streams, so the server indexes rows as Python derives the next.
        for row, pk in zip(rows, ids, strict=True):
            row["id"] = pk
            number = row["id_number"]
            if number and row["id_number_hash"]:  # the exact hash was taken while validating
                row["id_tail_hash"] = keyed_hash(number[-4:], "tail")
                row["id_number_masked"] = mask_id_number(number)
            elif number:
                hashes = id_hashes(number)
                row["id_number_hash"], row["id_tail_hash"], row["id_number_masked"] = hashes
            else:
                row["id_number_hash"], row["id_tail_hash"], row["id_number_masked"] = None, "", ""
            row["pinyin_full"], row["pinyin_initials"], _keys = pinyin_of(row["name"])
            row["status_date"] = row["status_date"] or row["join_date"]
            values = [pk]
            for name in names:
                value = row[name]
                if isinstance(value, models.Model):
                    value = value.pk
                elif name == "id_number" and value:
                    value = encrypt(value)
                values.append(value)
            yield tuple(values)

    with connection.cursor() as wrapper:
        cursor = wrapper.cursor  # the psycopg cursor, for COPY
        ids = _next_ids(cursor, Member, total)
        columns = ["id", *[str(f.column) for f in fields]]
        _copy(cursor, Member._meta.db_table, columns, member_rows(ids))
        if progress:
            progress(int(total * 0.7), total)
        reason = _("建档")
        keys = (
            (row["id"], key, row["unit"].pk, row["pinyin_full"])
            for row in rows
            for key in pinyin_of(row["name"])[2]
        )
        history = (
            (row["id"], "", row["status"], row["join_date"] or today, reason, recorded_by, now)
            for row in rows
        )
        _copy(cursor, NameKey._meta.db_table, ["member_id", "key", "unit_id", "sort_key"], keys)
        _copy(
            cursor,
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
            history,
        )
        if progress:
            progress(int(total * 0.8), total)
        head = (
            now,
            user.pk if user else None,
            recorded_by,
            ctx.actor_unit_code,
            ctx.source,
            ctx.request_id,
            ctx.ip,
            "create",
            Member._meta.label_lower,
        )
        dumps = json.dumps

        def events() -> Iterator[tuple]:
            for row in rows:
                changes = {}
                for name, attname in audited:
                    value = row[name]
                    if name == "id_number":
                        value = mask_id_number(value) if value else value
                    changes[attname] = [None, _plain(value)]
                yield (
                    *head,
                    str(row["id"]),
                    row["name"][:255],
                    row["unit"].path,
                    operation,
                    dumps(changes),
                    "{}",
                )

        _copy(
            cursor,
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
            events(),
        )
    members_written.send(sender=Member, member_ids=ids)
    audit.record(
        AuditEvent.Action.BULK,
        object_type=SUMMARY_TYPE,
        object_repr=operation,
        operation=operation,
        extra={"count": total, **(extra or {})},
    )
    if progress:
        progress(total, total)
    return total
