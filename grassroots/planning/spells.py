"""The membership-spells table: who was on the roll when, and where, replayed from the history.

The rules (docs/decisions/0006-composition-as-of.md):

* on the roll from the start date: the effective date of an accepted transfer in from another
  province, else ``join_date``, else the day the archive was created;
* off the roll from ``status_date`` when the status is not active; members whose history holds
  a return to active (恢复会籍) are walked through their StatusChange rows instead (status on D
  = the ``to_status`` of the last change dated ≤ D; active before the first);
* the unit on a date is the current unit, walked back through accepted internal transfers
  with ``effective_date`` after that date (the earliest one's ``from_unit``).

A member's spells are the on-roll intervals cut where the unit changes. They are rewritten
whenever the member or one of their transfers, status changes or political arrangements is
saved or deleted (signal
receivers, connected in ``PlanningConfig.ready``), after bulk writes that bypass ``save()``
(``members.services.members_written``), and in full by ``spells_rebuild``.
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.db import connection, transaction
from django.db.models import Exists, OuterRef
from django.db.models.expressions import RawSQL
from django.db.models.signals import post_delete, post_save
from django.utils import timezone

from grassroots.core import sequences
from grassroots.core.models import Sequence as CounterSequence
from grassroots.members.models import (
    Member,
    MemberStatus,
    PoliticalArrangement,
    StatusChange,
    Transfer,
)
from grassroots.members.services import members_written
from grassroots.planning.models import Spell

ACTIVE = MemberStatus.ACTIVE
LEAVES: dict[str, int] = {
    MemberStatus.TRANSFERRED_OUT: Spell.End.TRANSFERRED_OUT,
    MemberStatus.DECEASED: Spell.End.DECEASED,
    MemberStatus.RESIGNED: Spell.End.RESIGNED,
    MemberStatus.EXPELLED: Spell.End.EXPELLED,
}
# Member fields a spell depends on: a save touching none of them leaves the spells alone.
MEMBER_FIELDS = (
    "unit_id",
    "join_date",
    "created_at",
    "status",
    "status_date",
    "sex",
    "ethnicity_id",
    "birth_date",
    "education_id",
    "title_id",
    "sector_id",
    "is_talent",
)
ATTRIBUTES = (
    "sex",
    "ethnicity_id",
    "birth_date",
    "education_id",
    "title_id",
    "sector_id",
    "is_talent",
    "join_date",
)
COLUMNS = (
    "member_id",
    "unit_id",
    "start",
    "end",
    "start_kind",
    "end_kind",
    *ATTRIBUTES,
    "arranged",
)
_BATCH = 20000


@dataclass
class History:
    """What the replay needs to know about one member."""

    member_id: int
    unit_id: int
    start: datetime.date | None
    arrived: bool
    status: str
    status_date: datetime.date | None
    tail: tuple[Any, ...]  # the copied attributes, then ``arranged``
    moves: list[tuple[datetime.date, int]] = field(default_factory=list)  # (date, from_unit)
    changes: list[tuple[datetime.date, str]] | None = None  # (date, to_status): reinstated only

    def unit_on(self, day: datetime.date) -> int:
        for date, from_unit in self.moves:
            if date > day:
                return from_unit
        return self.unit_id

    def on_roll(self) -> list[tuple[datetime.date, datetime.date | None, int, int | None]]:
        """Intervals [start, end) on the roll, with how each began and ended."""
        start = self.start
        if start is None:
            return []
        first_kind = Spell.Start.ARRIVED if self.arrived else Spell.Start.ADMITTED
        if self.changes is None:
            if self.status == ACTIVE:
                return [(start, None, first_kind, None)]
            if self.status_date is None or self.status_date <= start:
                return []
            return [(start, self.status_date, first_kind, LEAVES.get(self.status))]
        # Reinstated: the state on D is that of the last change dated ≤ D (several changes on
        # one day: the last one counts), active before the first.
        states: dict[datetime.date, str] = {}
        for date, to_status in self.changes:
            states[date] = to_status
        intervals: list[tuple[datetime.date, datetime.date | None, int, int | None]] = []
        state: str = ACTIVE
        for date in sorted(d for d in states if d <= start):
            state = states[date]
        opened: tuple[datetime.date, int] | None = (start, first_kind) if state == ACTIVE else None
        for date in sorted(d for d in states if d > start):
            new = states[date]
            if opened is None and new == ACTIVE:
                opened = (date, Spell.Start.RETURNED)
            elif opened is not None and new != ACTIVE:
                intervals.append((opened[0], date, opened[1], LEAVES.get(new)))
                opened = None
        if opened is not None:
            intervals.append((opened[0], None, opened[1], None))
        return intervals

    def spells(self) -> list[tuple[Any, ...]]:
        rows: list[tuple[Any, ...]] = []
        cuts = sorted({date for date, _from in self.moves})
        for start, end, start_kind, end_kind in self.on_roll():
            unit = self.unit_on(start)
            kind = start_kind
            begin = start
            for cut in cuts:
                if cut <= start or (end is not None and cut >= end):
                    continue
                after = self.unit_on(cut)
                if after == unit:
                    continue
                rows.append(
                    (self.member_id, unit, begin, cut, kind, Spell.End.MOVED_OUT, *self.tail)
                )
                unit, begin, kind = after, cut, Spell.Start.MOVED_IN
            rows.append((self.member_id, unit, begin, end, kind, end_kind, *self.tail))
        return rows


@dataclass
class _Loaded:
    arrivals: dict[int, datetime.date]
    moves: dict[int, list[tuple[datetime.date, int]]]
    changes: dict[int, list[tuple[datetime.date, str]]]
    arranged: set[int]


def _among(ids: Sequence[int]) -> Any:
    """``ids`` for an ``__in`` filter: one array parameter on PostgreSQL, where a statement with
    5,000 placeholders costs the client more to prepare than the server to run (measured in a
    100,000-row import), a plain list elsewhere."""
    if connection.vendor == "postgresql":
        return RawSQL("SELECT unnest(%s::bigint[])", (list(ids),))
    return ids


def _load(ids: Sequence[int] | None) -> _Loaded:
    """Arrivals, internal moves, (for the reinstated) status walks and who has political
    arrangements: of every member (``ids`` None) or of a few."""
    transfers = Transfer.objects.filter(
        state=Transfer.State.ACCEPTED,
        kind__in=(Transfer.Kind.INTERNAL, Transfer.Kind.IN),
        effective_date__isnull=False,
    )
    reinstated = StatusChange.objects.filter(to_status=ACTIVE).exclude(from_status="")
    walked = StatusChange.objects.exclude(from_status="")
    if ids is not None:
        transfers = transfers.filter(member_id__in=_among(ids))
        reinstated = reinstated.filter(member_id__in=_among(ids))
        walked = walked.filter(member_id__in=_among(ids))
    arrivals: dict[int, datetime.date] = {}
    moves: dict[int, list[tuple[datetime.date, int]]] = defaultdict(list)
    for member_id, kind, date, from_unit, to_unit in transfers.order_by(
        "member_id", "effective_date", "id"
    ).values_list("member_id", "kind", "effective_date", "from_unit_id", "to_unit_id"):
        if date is None:  # excluded by the filter; for the type checker
            continue
        if kind == Transfer.Kind.IN:
            arrivals.setdefault(member_id, date)
        elif from_unit is not None and to_unit is not None:
            moves[member_id].append((date, from_unit))
    changes: dict[int, list[tuple[datetime.date, str]]] = defaultdict(list)
    walked = walked.filter(Exists(reinstated.filter(member_id=OuterRef("member_id"))))
    for member_id, date, to_status in walked.order_by("member_id", "date", "id").values_list(
        "member_id", "date", "to_status"
    ):
        changes[member_id].append((date, to_status))
    arranged = PoliticalArrangement.objects.order_by()
    if ids is not None:
        arranged = arranged.filter(member_id__in=_among(ids))
    holders = set(arranged.values_list("member_id", flat=True).distinct())
    return _Loaded(arrivals, dict(moves), dict(changes), holders)


_MEMBER_FIELDS = ("pk", "unit_id", "join_date", "created_at", "status", "status_date", *ATTRIBUTES)


def _histories(rows: Iterable[tuple[Any, ...]], loaded: _Loaded) -> Iterator[History]:
    for pk, unit_id, join, created, status, status_date, *attributes in rows:
        start = loaded.arrivals.get(pk) or join or timezone.localtime(created).date()
        yield History(
            member_id=pk,
            unit_id=unit_id,
            start=start,
            arrived=pk in loaded.arrivals,
            status=status,
            status_date=status_date,
            tail=(*attributes, pk in loaded.arranged),
            moves=loaded.moves.get(pk, []),
            changes=loaded.changes.get(pk),
        )


def _replay(ids: Sequence[int]) -> list[tuple[Any, ...]]:
    rows = list(
        Member.objects.filter(pk__in=_among(ids)).order_by("pk").values_list(*_MEMBER_FIELDS)
    )
    return [spell for h in _histories(rows, _load(ids)) for spell in h.spells()]


def _insert(rows: Iterable[tuple[Any, ...]]) -> int:
    n = 0
    if connection.vendor == "postgresql":
        names = ", ".join(connection.ops.quote_name(c) for c in _db_columns())
        with connection.cursor() as wrapper:
            cursor = wrapper.cursor
            with cursor.copy(f"COPY {Spell._meta.db_table} ({names}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
                    n += 1
        return n
    batch: list[Spell] = []
    for row in rows:
        batch.append(Spell(**dict(zip(COLUMNS, row, strict=True))))
        n += 1
        if len(batch) >= 2000:
            Spell.objects.bulk_create(batch)
            batch = []
    Spell.objects.bulk_create(batch)
    return n


def _db_columns() -> list[str]:
    by_attname = {f.attname: str(f.column) for f in Spell._meta.concrete_fields}
    return [by_attname[c] for c in COLUMNS]


@transaction.atomic
def spells_refresh(*, member_ids: Iterable[int], created: bool = False) -> int:
    """Rewrite the spells of these members from their history; returns the rows written.

    ``created``: the members were just inserted and have no history yet (no spells, transfers,
    arrangements or status changes beyond their first row), as after a bulk create; nothing is
    deleted and, on PostgreSQL, every spell is one set-based INSERT … SELECT.

    On PostgreSQL the members without moves, arrivals or returns (nearly all of them) get their
    spell from one INSERT … SELECT over their rows (``_SIMPLE_SQL``: rules 1, 2 and 4 of the
    replay reduced to SQL, kept equal to it by tests); only the others are replayed in Python.
    """
    ids = sorted(set(member_ids))
    written = 0
    if connection.vendor == "postgresql":
        step = 100_000 if created else 20_000
        for first in range(0, len(ids), step):
            written += _refresh_set_based(ids[first : first + step], created=created)
        _changed()
        return written
    for first in range(0, len(ids), 900):
        chunk = ids[first : first + 900]
        if not created:
            Spell.objects.filter(member_id__in=_among(chunk)).delete()
        written += _insert(_replay(chunk))
    _changed()
    return written


# The replay of a member with no accepted arrival or internal move and no return to active
# (``History.on_roll`` without ``changes`` and ``History.spells`` without cuts): one spell in the
# current unit from the start (join date, else the local day of creation) that is open while
# active, or ends on the status date when that is after the start (else no spell at all).
_SIMPLE_SQL = """
INSERT INTO {spell} ({columns})
SELECT m.id, m.unit_id, s.start,
       CASE WHEN m.status = %(active)s THEN NULL ELSE m.status_date END,
       %(admitted)s,
       CASE WHEN m.status = %(active)s THEN NULL ELSE {end_kind} END,
       m.sex, m.ethnicity_id, m.birth_date, m.education_id, m.title_id, m.sector_id,
       m.is_talent, m.join_date,
       EXISTS (SELECT 1 FROM {arrangement} a WHERE a.member_id = m.id)
FROM {member} m
CROSS JOIN LATERAL (
    SELECT COALESCE(m.join_date, (m.created_at AT TIME ZONE %(tz)s)::date) AS start
) s
WHERE {members}
  AND (m.status = %(active)s OR (m.status_date IS NOT NULL AND m.status_date > s.start))
"""
_LISTED = "m.id = ANY(%(ids)s::bigint[])"
# Every member but those ``_COMPLEX_SQL`` would name (the rebuild of the whole table).
_NOT_COMPLEX = """
NOT EXISTS (SELECT 1 FROM {transfer} t WHERE t.member_id = m.id AND t.state = %(accepted)s
            AND t.kind IN (%(internal)s, %(arrival)s) AND t.effective_date IS NOT NULL)
AND NOT EXISTS (SELECT 1 FROM {change} c WHERE c.member_id = m.id AND c.to_status = %(active)s
                AND c.from_status <> '')
"""
# Members the set-based statement does not cover (they are replayed).
_COMPLEX_SQL = """
SELECT DISTINCT t.member_id FROM {transfer} t
WHERE {transfers} AND t.state = %(accepted)s
  AND t.kind IN (%(internal)s, %(arrival)s) AND t.effective_date IS NOT NULL
UNION
SELECT DISTINCT c.member_id FROM {change} c
WHERE {changes} AND c.to_status = %(active)s AND c.from_status <> ''
"""


def _set_based_parts() -> tuple[dict[str, str], dict[str, Any], str]:
    """Table names, parameters and the end-kind expression of the statements above."""
    quote = connection.ops.quote_name
    tables = {
        "spell": quote(Spell._meta.db_table),
        "member": quote(Member._meta.db_table),
        "arrangement": quote(PoliticalArrangement._meta.db_table),
        "transfer": quote(Transfer._meta.db_table),
        "change": quote(StatusChange._meta.db_table),
    }
    params: dict[str, Any] = {
        "active": str(ACTIVE),
        "admitted": int(Spell.Start.ADMITTED),
        "tz": timezone.get_current_timezone_name(),
        "accepted": str(Transfer.State.ACCEPTED),
        "internal": str(Transfer.Kind.INTERNAL),
        "arrival": str(Transfer.Kind.IN),
    }
    whens = []
    for n, (status, end_kind) in enumerate(LEAVES.items()):
        params[f"leave{n}"], params[f"end{n}"] = str(status), int(end_kind)
        whens.append(f"WHEN %(leave{n})s THEN %(end{n})s")
    end_kind_sql = f"(CASE m.status {' '.join(whens)} ELSE NULL END)::smallint"
    return tables, params, end_kind_sql


def _refresh_set_based(ids: list[int], *, created: bool) -> int:
    quote = connection.ops.quote_name
    tables, params, end_kind_sql = _set_based_parts()
    params["ids"] = ids
    complex_ids: list[int] = []
    with connection.cursor() as cursor:
        if not created:
            cursor.execute(
                _COMPLEX_SQL.format(
                    transfers="t.member_id = ANY(%(ids)s::bigint[])",
                    changes="c.member_id = ANY(%(ids)s::bigint[])",
                    **tables,
                ),
                params,
            )
            complex_ids = sorted(row[0] for row in cursor.fetchall())
            cursor.execute(
                f"DELETE FROM {tables['spell']} WHERE member_id = ANY(%s::bigint[])", [ids]
            )
        simple = ids
        if complex_ids:
            skip = set(complex_ids)
            simple = [pk for pk in ids if pk not in skip]
        columns = ", ".join(quote(c) for c in _db_columns())
        cursor.execute(
            _SIMPLE_SQL.format(columns=columns, end_kind=end_kind_sql, members=_LISTED, **tables),
            {**params, "ids": simple},
        )
        written = cursor.rowcount
    for first in range(0, len(complex_ids), 5000):
        written += _insert(_replay(complex_ids[first : first + 5000]))
    return written


def _rebuild_set_based() -> int:
    """``spells_rebuild`` on PostgreSQL, into the emptied table: the members the set-based
    statement covers in one INSERT … SELECT over the whole member table, the others (a few
    percent: moved, arrived or reinstated) replayed in Python."""
    quote = connection.ops.quote_name
    tables, params, end_kind_sql = _set_based_parts()
    columns = ", ".join(quote(c) for c in _db_columns())
    with connection.cursor() as cursor:
        cursor.execute(
            _SIMPLE_SQL.format(
                columns=columns,
                end_kind=end_kind_sql,
                members=_NOT_COMPLEX.format(**tables),
                **tables,
            ),
            params,
        )
        written = cursor.rowcount
        cursor.execute(_COMPLEX_SQL.format(transfers="TRUE", changes="TRUE", **tables), params)
        complex_ids = sorted(row[0] for row in cursor.fetchall())
    for first in range(0, len(complex_ids), 5000):
        written += _insert(_replay(complex_ids[first : first + 5000]))
    return written


@transaction.atomic
def spells_rebuild() -> int:
    """Rewrite the whole table from the history (after bulk loads; safe to run twice)."""
    if connection.vendor == "postgresql":
        from grassroots.core.demo.writer import RowWriter

        with connection.cursor() as cursor:
            cursor.execute(f"TRUNCATE {Spell._meta.db_table}")
        # Into the emptied table, building its six indexes once after the load costs half of
        # keeping them up row by row (a million spells: 12 s instead of 22).
        with RowWriter().deferred_indexes([Spell], Member.objects.count()):
            written = _rebuild_set_based()
        with connection.cursor() as cursor:
            cursor.execute(f"ANALYZE {Spell._meta.db_table}")
        _changed()
        return written
    Spell.objects.all()._raw_delete(Spell.objects.db)
    loaded = _load(None)
    written, last = 0, 0
    members = Member.objects.order_by("pk").values_list(*_MEMBER_FIELDS)
    while True:
        rows = list(members.filter(pk__gt=last)[:_BATCH])
        if not rows:
            break
        last = rows[-1][0]
        written += _insert([s for h in _histories(rows, loaded) for s in h.spells()])
    _changed()
    return written


def replay(member_ids: Iterable[int]) -> list[tuple[Any, ...]]:
    """The spells the history gives for these members (for checks; nothing is written)."""
    ids = sorted(set(member_ids))
    return [row for first in range(0, len(ids), 900) for row in _replay(ids[first : first + 900])]


# --- the version that cached counts are keyed by -----------------------------------------

VERSION = "planning:spells"


def version() -> int:
    """Bumped after every commit that rewrote spells (counts cached under an older version
    are never read again)."""
    found = CounterSequence.objects.filter(name=VERSION).values_list("value", flat=True).first()
    return found or 0


def _bump() -> None:
    sequences.next_value(VERSION)


def changed_in_transaction() -> bool:
    """Whether this connection's open transaction rewrote spells (its own uncommitted counts
    must not be cached, nor cached ones read)."""
    return connection.in_atomic_block and any(
        entry[1] is _bump for entry in connection.run_on_commit
    )


def _changed() -> None:
    # Once per transaction: the bump runs after the commit, in its own short transaction, so
    # concurrent writers never wait on the counter's row. A rolled-back transaction drops it.
    if not changed_in_transaction():
        transaction.on_commit(_bump)


# --- keeping the table current ------------------------------------------------------------


def _refresh_one(member_id: int | None) -> None:
    if member_id is not None:
        spells_refresh(member_ids=[member_id])


def _on_member_saved(sender: Any, instance: Member, raw: bool = False, **kwargs: Any) -> None:
    if raw:
        return
    update_fields = kwargs.get("update_fields")
    if update_fields is not None and not {f.removesuffix("_id") for f in update_fields} & {
        f.removesuffix("_id") for f in MEMBER_FIELDS
    }:
        return
    _refresh_one(instance.pk)


def _on_member_deleted(sender: Any, instance: Member, **kwargs: Any) -> None:
    Spell.objects.filter(member_id=instance.pk).delete()


def _on_history_written(sender: Any, instance: Any, raw: bool = False, **kwargs: Any) -> None:
    if raw:
        return
    if Member.objects.filter(pk=instance.member_id).exists():
        _refresh_one(instance.member_id)


def _on_bulk_written(
    sender: Any, member_ids: Iterable[int] | None = None, created: bool = False, **kwargs: Any
) -> None:
    """``created=True``: the members were just inserted with no history (the COPY import)."""
    if member_ids is None:
        spells_rebuild()
    else:
        spells_refresh(member_ids=member_ids, created=created)


def connect() -> None:
    uid = "planning-spells"
    post_save.connect(_on_member_saved, sender=Member, dispatch_uid=f"{uid}-member")
    post_delete.connect(_on_member_deleted, sender=Member, dispatch_uid=f"{uid}-member-del")
    for model in (Transfer, StatusChange, PoliticalArrangement):
        name = model._meta.model_name
        post_save.connect(_on_history_written, sender=model, dispatch_uid=f"{uid}-{name}")
        post_delete.connect(_on_history_written, sender=model, dispatch_uid=f"{uid}-{name}-del")
    members_written.connect(_on_bulk_written, dispatch_uid=f"{uid}-bulk")
