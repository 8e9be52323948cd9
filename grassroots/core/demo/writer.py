"""Fast row inserts for the demo generator: COPY on PostgreSQL, executemany on SQLite.

Rows are plain tuples in the order of the model's concrete columns; values are Python
dates, datetimes, bools and strings, adapted here the way Django's backends would. On
PostgreSQL rows may also come as COPY text already (``copy_text``), built in another process.
"""

from __future__ import annotations

import contextlib
import datetime
from collections.abc import Callable, Iterable, Iterator, Sequence
from typing import Any

from django.db import DatabaseError, connection, models, transaction

_ESCAPES = str.maketrans({"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"})


def _text(value: str) -> str:
    return value.translate(_ESCAPES)


class _Formats(dict[type, Callable[[Any], str]]):
    """How COPY's text format spells a value, by its type (subclasses resolved once)."""

    def __missing__(self, kind: type) -> Callable[[Any], str]:
        for base in (bool, int, str, datetime.datetime, datetime.date):
            if issubclass(kind, base):
                self[kind] = self[base]
                return self[base]
        raise TypeError(f"no COPY text for {kind.__name__} values")


_FORMATS = _Formats(
    {
        str: _text,
        bool: lambda v: "t" if v else "f",
        int: int.__str__,
        type(None): lambda v: "\\N",
        datetime.date: datetime.date.isoformat,
        datetime.datetime: datetime.datetime.isoformat,
    }
)


def copy_line(row: Sequence[Any], end: str = "\n") -> str:
    """One row in PostgreSQL's COPY text format (what ``copy.write_row`` sends), cheaply
    enough to run in a worker process that has no connection."""
    formats = _FORMATS
    return "\t".join([formats[type(v)](v) for v in row]) + end


def copy_text(rows: Iterable[Sequence[Any]]) -> bytes:
    return "".join([copy_line(row) for row in rows]).encode()


class RowWriter:
    def __init__(self) -> None:
        self.vendor = connection.vendor
        self.ops = connection.ops

    @property
    def is_postgres(self) -> bool:
        return self.vendor == "postgresql"

    def adapt_datetime(self, value: datetime.datetime | None) -> Any:
        if value is None or self.is_postgres:
            return value
        return self.ops.adapt_datetimefield_value(value)

    def adapt_date(self, value: datetime.date | None) -> Any:
        if value is None or self.is_postgres:
            return value
        return value.isoformat()

    @staticmethod
    def columns(model: type[models.Model], exclude: Sequence[str] = ()) -> list[models.Field]:
        return [f for f in model._meta.concrete_fields if f.attname not in exclude]

    def defaults(self, fields: Sequence[models.Field], given: Iterable[str]) -> dict[str, Any]:
        """Values for columns the generator does not fill (fields added later by other apps)."""
        known = set(given)
        return {
            f.attname: f.get_db_prep_save(f.get_default(), connection)
            for f in fields
            if f.attname not in known
        }

    def skip_fk_checks(self) -> bool:
        """On PostgreSQL, skip the per-row foreign-key triggers for this transaction.

        The generator writes keys it has just read or reserved, so the checks can only
        cost time (most of a million-member load). Needs a superuser; otherwise the
        checks simply run.
        """
        if not self.is_postgres:
            return False
        try:
            with transaction.atomic(), connection.cursor() as cursor:
                cursor.execute("SET LOCAL session_replication_role = replica")
            return True
        except DatabaseError:
            return False

    @contextlib.contextmanager
    def deferred_indexes(self, models_: Sequence[type[models.Model]], rows: int) -> Iterator[None]:
        """A bulk load into (nearly) empty tables: drop their plain indexes, rebuild after.

        Building an index once over sorted data is far cheaper than maintaining a dozen of
        them row by row. Indexes that back constraints (primary keys, unique) stay. Inside
        the caller's transaction, so a failed load leaves every index as it was.
        """
        if rows < 50_000:
            yield
            return
        saved: list[str] = []
        with connection.cursor() as cursor:
            if self.is_postgres:
                cursor.execute("SET LOCAL maintenance_work_mem = '256MB'")
            for model in models_:
                table = model._meta.db_table
                cursor.execute(f'SELECT COUNT(*) FROM (SELECT 1 FROM "{table}" LIMIT %s) t', [rows])
                if cursor.fetchone()[0] >= rows:
                    continue  # already big: dropping indexes would cost more than it saves
                if self.is_postgres:
                    cursor.execute(
                        "SELECT i.relname, pg_get_indexdef(i.oid) FROM pg_index x "
                        "JOIN pg_class i ON i.oid = x.indexrelid "
                        "WHERE x.indrelid = %s::regclass AND NOT EXISTS "
                        "(SELECT 1 FROM pg_constraint c WHERE c.conindid = x.indexrelid)",
                        [f'"{table}"'],
                    )
                else:
                    cursor.execute(
                        "SELECT name, sql FROM sqlite_master WHERE type = 'index' "
                        "AND tbl_name = %s AND sql IS NOT NULL AND sql NOT LIKE 'CREATE UNIQUE%%'",
                        [table],
                    )
                for name, definition in cursor.fetchall():
                    cursor.execute(f'DROP INDEX "{name}"')
                    saved.append(definition)
        yield
        with connection.cursor() as cursor:
            for definition in saved:
                cursor.execute(definition)

    def analyze(self, models_: Sequence[type[models.Model]]) -> None:
        """Fresh planner statistics after a bulk load (autovacuum would take a while)."""
        with connection.cursor() as cursor:
            for model in models_:
                cursor.execute(f'ANALYZE "{model._meta.db_table}"')

    def vacuum(self, models_: Sequence[type[models.Model]]) -> None:
        """After a large load on PostgreSQL: set the visibility map so that index-only scans
        (subtree counts) work now rather than after autovacuum. Outside any transaction."""
        if not self.is_postgres or connection.in_atomic_block:
            return
        with connection.cursor() as cursor:
            tables = ", ".join(f'"{m._meta.db_table}"' for m in models_)
            cursor.execute(f"VACUUM (ANALYZE) {tables}")

    def reserve_ids(self, model: type[models.Model], count: int) -> int:
        """First of ``count`` consecutive primary keys nobody else will use (table locked)."""
        table = model._meta.db_table
        with connection.cursor() as cursor:
            if self.is_postgres:
                cursor.execute(f'LOCK TABLE "{table}" IN SHARE ROW EXCLUSIVE MODE')
            cursor.execute(f'SELECT COALESCE(MAX("id"), 0) FROM "{table}"')
            return int(cursor.fetchone()[0]) + 1

    def sync_sequence(self, model: type[models.Model]) -> None:
        if not self.is_postgres:
            return  # SQLite's AUTOINCREMENT follows explicit keys on its own
        table = model._meta.db_table
        with connection.cursor() as cursor:
            cursor.execute(
                f"SELECT setval(pg_get_serial_sequence('\"{table}\"', 'id'), "
                f'GREATEST((SELECT MAX("id") FROM "{table}"), 1))'
            )

    def insert(
        self, model: type[models.Model], columns: Sequence[str], rows: Sequence[tuple] | bytes
    ) -> int:
        """Write rows (tuples, or on PostgreSQL COPY text from ``copy_text``)."""
        if not rows:
            return 0
        table = model._meta.db_table
        by_attname = {f.attname: f.column for f in model._meta.concrete_fields}
        names = ", ".join(f'"{by_attname[c]}"' for c in columns)
        with connection.cursor() as cursor:
            if self.is_postgres:
                raw = cursor.cursor  # the psycopg cursor under Django's wrapper
                from psycopg.copy import QueuedLibpqWriter

                if isinstance(rows, bytes):
                    with raw.copy(f'COPY "{table}" ({names}) FROM STDIN') as copy:
                        copy.write(rows)
                    return rows.count(b"\n")

                # A queued writer ships rows from a thread while Python builds the next ones.
                writer = QueuedLibpqWriter(raw)
                with raw.copy(f'COPY "{table}" ({names}) FROM STDIN', writer=writer) as copy:
                    for row in rows:
                        copy.write_row(row)
            else:
                if isinstance(rows, bytes):
                    raise TypeError("COPY text is for PostgreSQL")
                marks = ", ".join(["%s"] * len(columns))
                cursor.executemany(f'INSERT INTO "{table}" ({names}) VALUES ({marks})', rows)
        return len(rows)
