"""Who was on the roll on a date, and in which unit: counts reconstructed from the history.

The rules (docs/decisions/0006-composition-as-of.md):

* on the roll from the start date: the effective date of an accepted transfer in from another
  province, else ``join_date``, else the day the archive was created;
* off the roll from ``status_date`` when the status is not active; members whose history holds
  a return to active (恢复会籍) are walked through their StatusChange rows instead;
* the unit on a date is the current unit, walked back through accepted internal transfers
  with ``effective_date`` after that date (the earliest one's ``from_unit``).

Counting is one aggregate query grouped by the member's current unit, with one conditional
count per column, followed by a correction for the few members the fast rule gets wrong on
the columns' dates (moved, arrived from outside or reinstated after the earliest date).
"""

from __future__ import annotations

import contextlib
import datetime
from collections import Counter, defaultdict
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.db import connection, transaction
from django.db.models import (
    Case,
    Count,
    Exists,
    F,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Value,
    When,
)
from django.utils import timezone

from grassroots.members.models import Member, MemberStatus, StatusChange, Transfer
from grassroots.organizations.models import Unit

ACTIVE = MemberStatus.ACTIVE
MOVES = (Transfer.Kind.INTERNAL, Transfer.Kind.IN)
_IN_LIST_LIMIT = 2000


def years_before(day: datetime.date, years: int) -> datetime.date:
    """The same calendar day ``years`` earlier (29 February falls back to the 28th)."""
    try:
        return day.replace(year=day.year - years)
    except ValueError:
        return day.replace(year=day.year - years, day=28)


def active_q(day: datetime.date) -> Q:
    """The fast rule, on Member's own fields: joined by ``day`` and not yet left."""
    # join_date is nearly always set: test it first so the time-zone cast rarely runs.
    started = Q(join_date__lte=day) | (Q(join_date__isnull=True) & Q(created_at__date__lte=day))
    return started & (Q(status=ACTIVE) | Q(status_date__gt=day))


@dataclass(frozen=True)
class Column:
    """One figure to count: the members on the roll on ``day`` matching ``q`` — or, with
    ``via`` (a queryset of a table with ``member_id``), those having a row there."""

    key: str
    day: datetime.date
    q: Q = field(default_factory=Q)
    via: QuerySet[Any] | None = None
    # Only the subtree's total is wanted (not the split by unit): moves inside the subtree
    # need no correction, which makes far-back days cheap.
    total_only: bool = False

    def condition(self) -> Q:
        if self.via is not None:
            return Q(pk__in=self.via.values("member_id"))
        return self.q


@dataclass
class UnitTree:
    """The units of one subtree, for rolling own-unit counts up to every ancestor."""

    root: Unit
    units: dict[int, Unit]

    @classmethod
    def of(cls, root: Unit) -> UnitTree:
        units = {
            u.pk: u
            for u in Unit.objects.filter(path__startswith=root.path)
            .select_related("kind")
            .order_by("path")
        }
        return cls(root=root, units=units)

    def children(self, unit_id: int) -> list[Unit]:
        return [u for u in self.units.values() if u.parent_id == unit_id]

    def rollup(self, own: dict[int, dict[str, int]]) -> dict[int, dict[str, int]]:
        """Subtree totals: every unit is the sum of its own members and its children's totals."""
        total: dict[int, dict[str, int]] = {uid: dict(own.get(uid, {})) for uid in self.units}
        for unit in sorted(self.units.values(), key=lambda u: -u.depth):
            if unit.pk == self.root.pk or unit.parent_id not in total:
                continue
            parent = total[unit.parent_id]
            for key, value in total[unit.pk].items():
                parent[key] = parent.get(key, 0) + value
        return total


@dataclass
class _Timeline:
    """What the correction needs to know about one member."""

    unit_id: int
    join: datetime.date | None
    status: str
    status_date: datetime.date | None
    arrived: datetime.date | None = None
    moves: list[tuple[datetime.date, int, int]] = field(default_factory=list)
    changes: list[tuple[datetime.date, str, str]] | None = None  # only for reinstated
    extra: dict[str, Any] = field(default_factory=dict)

    def fast_active(self, day: datetime.date) -> bool:
        if self.join is None or self.join > day:
            return False
        return self.status == ACTIVE or (self.status_date is not None and self.status_date > day)

    def start(self) -> datetime.date | None:
        return self.arrived or self.join

    def active(self, day: datetime.date) -> bool:
        start = self.start()
        if start is None or start > day:
            return False
        if self.changes is None:
            return self.status == ACTIVE or (
                self.status_date is not None and self.status_date > day
            )
        state: str = ACTIVE
        for date, _from, to in self.changes:
            if date > day:
                break
            state = to
        return state == ACTIVE

    def unit_on(self, day: datetime.date) -> int:
        for date, from_unit, _to in self.moves:
            if date > day:
                return from_unit
        return self.unit_id


def _unit_filter(tree: UnitTree, prefix: str = "") -> Q:
    if tree.root.parent_id is None:
        return Q()
    if len(tree.units) <= _IN_LIST_LIMIT:
        return Q(**{f"{prefix}unit_id__in": list(tree.units)})
    return Q(**{f"{prefix}unit__path__startswith": tree.root.path})


def _rows(qs: Any) -> list[dict[str, Any]]:
    """A values() queryset's rows, typed loosely (their keys are built at run time)."""
    return list(qs)


def _flag(q: Q) -> Case | Value:
    if not q:
        return Value(1, output_field=IntegerField())
    return Case(When(q, then=Value(1)), default=Value(0), output_field=IntegerField())


def reinstated_q() -> Q:
    """Members whose history holds a return to active (the fast rule cannot see it)."""
    back = StatusChange.objects.filter(member=OuterRef("pk"), to_status=ACTIVE).exclude(
        from_status=""
    )
    return Q(Exists(back))


def _batch() -> int:
    """Ids per IN list: PostgreSQL takes 65,535 parameters, older SQLite builds 32,766."""
    return 30000 if connection.vendor == "postgresql" else 5000


def timelines(
    member_ids: Iterable[int], extra: dict[str, Any] | None = None
) -> dict[int, _Timeline]:
    """The history of a few members, read in three queries (``extra`` annotations of the
    member rows are kept in each timeline's ``extra``)."""
    ids = list(member_ids)
    found: dict[int, _Timeline] = {}
    fields = ("pk", "unit_id", "join_date", "created_at", "status", "status_date")
    batch = _batch()
    for start in range(0, len(ids), batch):
        chunk = ids[start : start + batch]
        rows = Member.objects.filter(pk__in=chunk).values(*fields)
        if extra:
            rows = rows.annotate(**extra)
        for row in _rows(rows):
            join = row["join_date"] or timezone.localtime(row["created_at"]).date()
            found[row["pk"]] = _Timeline(
                unit_id=row["unit_id"],
                join=join,
                status=row["status"],
                status_date=row["status_date"],
                extra={k: row[k] for k in extra} if extra else {},
            )
        transfers = (
            Transfer.objects.filter(
                member_id__in=chunk,
                state=Transfer.State.ACCEPTED,
                kind__in=MOVES,
                effective_date__isnull=False,
            )
            .order_by("member_id", "effective_date", "id")
            .values_list("member_id", "kind", "effective_date", "from_unit_id", "to_unit_id")
        )
        for member_id, kind, date, from_unit, to_unit in transfers:
            line = found[member_id]
            if kind == Transfer.Kind.IN:
                line.arrived = line.arrived or date
            elif date is not None and from_unit is not None and to_unit is not None:
                line.moves.append((date, from_unit, to_unit))
        back = set(
            StatusChange.objects.filter(member_id__in=chunk, to_status=ACTIVE)
            .exclude(from_status="")
            .values_list("member_id", flat=True)
        )
        if back:
            history = (
                StatusChange.objects.filter(member_id__in=back)
                .exclude(from_status="")
                .order_by("member_id", "date", "id")
                .values_list("member_id", "date", "from_status", "to_status")
            )
            for member_id, date, from_status, to_status in history:
                line = found[member_id]
                if line.changes is None:
                    line.changes = []
                line.changes.append((date, from_status, to_status))
    return found


def _exceptions(tree: UnitTree, since: datetime.date, crossing_only: bool = False) -> set[int]:
    """Members the fast rule may misplace on a date after ``since`` (with ``crossing_only``:
    only those whose moves cross the subtree's boundary)."""
    path = tree.root.path
    from_in = Q(from_unit__path__startswith=path)
    to_in = Q(to_unit__path__startswith=path)
    touching = from_in | to_in | Q(member__unit__path__startswith=path)
    if crossing_only:
        crossing = (from_in & ~to_in) | (~from_in & to_in)
        touching = Q(kind=Transfer.Kind.IN, to_unit__path__startswith=path) | (
            Q(kind=Transfer.Kind.INTERNAL) & crossing
        )
        if tree.root.parent_id is None:
            touching = Q(kind=Transfer.Kind.IN)
    elif tree.root.parent_id is None:
        touching = Q()
    moved = set(
        Transfer.objects.filter(
            touching, state=Transfer.State.ACCEPTED, kind__in=MOVES, effective_date__gt=since
        ).values_list("member_id", flat=True)
    )
    back = StatusChange.objects.filter(to_status=ACTIVE, date__gt=since).exclude(from_status="")
    if tree.root.parent_id is not None:
        back = back.filter(member__unit__path__startswith=path)
    return moved | set(back.values_list("member_id", flat=True))


def _no_jit() -> contextlib.AbstractContextManager[Any]:
    """PostgreSQL's JIT spends longer compiling these many-aggregate queries than it saves."""
    if connection.vendor != "postgresql":
        return contextlib.nullcontext()

    @contextlib.contextmanager
    def off() -> Iterator[None]:
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute("SET LOCAL jit = off")
            yield

    return off()


def _fast_active_flag(day: datetime.date) -> Case:
    return Case(When(active_q(day), then=Value(1)), default=Value(0), output_field=IntegerField())


def count(
    tree: UnitTree, columns: Sequence[Column], *, base: Q | None = None, by_unit: bool = True
) -> dict[int, dict[str, int]]:
    """Own-unit counts (members held directly by each unit) for every column.

    One scan of the members grouped by unit and by whether they are on the roll on the day
    most columns ask about (so that test runs once per row); columns counted through a
    related table (``via``) are counted from that table's rows."""
    if not columns:
        return {}
    days = [c.day for c in columns]
    first, last = min(days), max(days)
    main_day = Counter(c.day for c in columns if c.via is None).most_common(1)
    scope = _unit_filter(tree)
    prefilter = (Q(join_date__lte=last) | Q(join_date__isnull=True)) & (
        Q(status=ACTIVE) | Q(status_date__gt=first)
    )
    own: dict[int, dict[str, int]] = defaultdict(dict)
    plain = [c for c in columns if c.via is None]
    if plain:
        day0 = main_day[0][0]
        qs = Member.objects.filter(scope, prefilter)
        if base is not None:
            qs = qs.filter(base)
        aggregates: dict[str, Any] = {}
        for c in plain:
            if c.day == day0:
                aggregates[c.key] = Count("id", filter=c.q) if c.q else Count("id")
            else:
                aggregates[c.key] = Count("id", filter=active_q(c.day) & c.q)
        keys = ("unit_id", "_on") if by_unit else ("_on",)
        grouped = qs.order_by().annotate(_on=_fast_active_flag(day0)).values(*keys)
        with _no_jit():
            rows = _rows(grouped.annotate(**aggregates))
        for row in rows:
            bucket = own[row["unit_id"] if by_unit else tree.root.pk]
            for c in plain:
                if c.day == day0 and not row["_on"]:
                    continue
                bucket[c.key] = bucket.get(c.key, 0) + row[c.key]
    via_columns = [c for c in columns if c.via is not None]
    if via_columns:
        # Each related table is read without joins; the members behind all of them once.
        held = {
            c.key: set(c.via.values_list("member_id", flat=True))
            for c in via_columns
            if c.via is not None
        }
        everyone = sorted(set().union(*held.values()))
        lines: dict[int, _Timeline] = {}
        fields = ("pk", "unit_id", "join_date", "created_at", "status", "status_date")
        batch = _batch()
        for start in range(0, len(everyone), batch):
            people = Member.objects.filter(scope, pk__in=everyone[start : start + batch])
            if base is not None:
                people = people.filter(base)
            for pk, unit_id, join, created, status, status_date in people.values_list(*fields):
                lines[pk] = _Timeline(
                    unit_id=unit_id,
                    join=join or timezone.localtime(created).date(),
                    status=status,
                    status_date=status_date,
                )
        for c in via_columns:
            for member_id in held[c.key]:
                line = lines.get(member_id)
                if line is not None and line.fast_active(c.day):
                    bucket = own[line.unit_id if by_unit else tree.root.pk]
                    bucket[c.key] = bucket.get(c.key, 0) + 1

    split = [c for c in columns if by_unit and not c.total_only]
    whole = [c for c in columns if not by_unit or c.total_only]
    if split:
        _correct(tree, split, own, base, min(c.day for c in split), True)
    if whole:
        totals: dict[int, dict[str, int]] = defaultdict(dict)
        _correct(tree, whole, totals, base, min(c.day for c in whole), False)
        for values in totals.values():  # all on the root
            for key, n in values.items():
                root = own[tree.root.pk]
                root[key] = root.get(key, 0) + n
    return {uid: values for uid, values in own.items() if uid in tree.units}


def _correct(
    tree: UnitTree,
    columns: Sequence[Column],
    own: dict[int, dict[str, int]],
    base: Q | None,
    first: datetime.date,
    by_unit: bool = True,
) -> None:
    """Move the members the fast rule misplaces: counted where the history puts them.
    Without ``by_unit`` only the subtree's total matters, so moves inside it are ignored."""
    special = _exceptions(tree, first, crossing_only=not by_unit)
    if not special:
        return
    days = sorted({c.day for c in columns})
    flags = {
        c.key: _flag(c.condition() & base if base is not None else c.condition()) for c in columns
    }
    for line in timelines(special, flags).values():
        for day in days:
            was = line.unit_id if line.fast_active(day) else None
            now = line.unit_on(day) if line.active(day) else None
            if not by_unit:
                root = tree.root.pk
                was = root if was in tree.units else None
                now = root if now in tree.units else None
            if was == now:
                continue
            for column in columns:
                if column.day != day or not line.extra[column.key]:
                    continue
                if was is not None and was in tree.units:
                    bucket = own[was]
                    bucket[column.key] = bucket.get(column.key, 0) - 1
                if now is not None and now in tree.units:
                    bucket = own[now]
                    bucket[column.key] = bucket.get(column.key, 0) + 1


CHANGE_IN = ("admitted", "arrived", "moved_in", "returned")
CHANGE_OUT = ("moved_out", "transferred_out", "deceased", "resigned", "expelled")
_LEAVE_KEYS: dict[str, str] = {
    MemberStatus.TRANSFERRED_OUT: "transferred_out",
    MemberStatus.DECEASED: "deceased",
    MemberStatus.RESIGNED: "resigned",
    MemberStatus.EXPELLED: "expelled",
}


def _add(own: dict[int, dict[str, int]], unit_id: int | None, key: str, n: int = 1) -> None:
    if unit_id is None:
        return
    bucket = own[unit_id]
    bucket[key] = bucket.get(key, 0) + n


def admitted(tree: UnitTree, first: datetime.date, last: datetime.date) -> dict[int, int]:
    """New members (not arrivals from another province) between two dates inclusive, by the
    unit they joined."""
    own: dict[int, dict[str, int]] = defaultdict(dict)
    scope = _unit_filter(tree)
    arrived_in = Transfer.objects.filter(
        member=OuterRef("pk"), kind=Transfer.Kind.IN, state=Transfer.State.ACCEPTED
    )
    # Admissions, counted where the member was on the day they joined. Two queries rather
    # than an OR so that each can use the join_date index.
    for joined in (
        Q(join_date__range=(first, last)),
        Q(join_date__isnull=True) & Q(created_at__date__range=(first, last)),
    ):
        joined_here = Member.objects.filter(scope, joined).filter(~Q(Exists(arrived_in)))
        for row in _rows(joined_here.order_by().values("unit_id").annotate(n=Count("id"))):
            _add(own, row["unit_id"], "admitted", row["n"])
    moved_after_join = set(
        Transfer.objects.filter(
            state=Transfer.State.ACCEPTED,
            kind=Transfer.Kind.INTERNAL,
            member__join_date__range=(first, last),
            effective_date__gt=F("member__join_date"),
        )
        .filter(effective_date__gt=first)
        .values_list("member_id", flat=True)
    )
    if moved_after_join:
        lines = timelines(moved_after_join)
        for line in lines.values():
            if line.arrived is not None or line.join is None:
                continue
            if line.unit_id in tree.units:
                _add(own, line.unit_id, "admitted", -1)
            _add(own, line.unit_on(line.join), "admitted")
    return {uid: v.get("admitted", 0) for uid, v in own.items() if uid in tree.units}


def changes(tree: UnitTree, first: datetime.date, last: datetime.date) -> dict[int, dict[str, int]]:
    """Own-unit flows between two dates inclusive, consistent with ``count``'s rules, so that
    on the roll at ``first - 1 day`` + in - out = on the roll at ``last`` for every unit."""
    own: dict[int, dict[str, int]] = defaultdict(dict)
    scope = _unit_filter(tree)
    for unit_id, n in admitted(tree, first, last).items():
        _add(own, unit_id, "admitted", n)
    # Transfers: from another province, and between units inside the province.
    transfers = Transfer.objects.filter(
        state=Transfer.State.ACCEPTED, effective_date__range=(first, last)
    )
    arrivals = transfers.filter(kind=Transfer.Kind.IN).order_by().values("to_unit_id")
    for row in _rows(arrivals.annotate(n=Count("id"))):
        _add(own, row["to_unit_id"], "arrived", row["n"])
    internal = transfers.filter(kind=Transfer.Kind.INTERNAL)
    for row in _rows(internal.order_by().values("to_unit_id").annotate(n=Count("id"))):
        _add(own, row["to_unit_id"], "moved_in", row["n"])
    for row in _rows(internal.order_by().values("from_unit_id").annotate(n=Count("id"))):
        _add(own, row["from_unit_id"], "moved_out", row["n"])
    # Leaves: the member's current status, except for the reinstated (walked below).
    leaves = (
        Member.objects.filter(scope, status_date__range=(first, last))
        .filter(status__in=list(_LEAVE_KEYS))
        .filter(~reinstated_q())
    )
    for row in _rows(leaves.order_by().values("unit_id", "status").annotate(n=Count("id"))):
        _add(own, row["unit_id"], _LEAVE_KEYS[row["status"]], row["n"])
    # A leave whose unit differs from the current one (moved after leaving) is rare.
    odd = set(
        Transfer.objects.filter(
            state=Transfer.State.ACCEPTED,
            kind=Transfer.Kind.INTERNAL,
            member__status_date__range=(first, last),
            effective_date__gt=F("member__status_date"),
        )
        .exclude(member__status=ACTIVE)
        .values_list("member_id", flat=True)
    )
    reinstated = set(
        StatusChange.objects.filter(to_status=ACTIVE)
        .exclude(from_status="")
        .values_list("member_id", flat=True)
    )
    for line in timelines(odd | reinstated).values():
        if line.changes is None:
            if line.status_date is None:
                continue
            key = _LEAVE_KEYS[line.status]
            if line.unit_id in tree.units:
                _add(own, line.unit_id, key, -1)
            _add(own, line.unit_on(line.status_date), key)
            continue
        start = line.start()
        for date, from_status, to_status in line.changes:
            if not (first <= date <= last) or start is None or date < start:
                continue
            if to_status == ACTIVE and from_status != ACTIVE:
                _add(own, line.unit_on(date), "returned")
            elif from_status == ACTIVE and to_status != ACTIVE:
                _add(own, line.unit_on(date), _LEAVE_KEYS[to_status])
    return {uid: values for uid, values in own.items() if uid in tree.units}
