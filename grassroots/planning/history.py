"""Who was on the roll on a date, and in which unit: counts from the membership spells.

``planning.spells`` keeps one row per member per contiguous time on the roll in one unit,
replayed from the status and transfer history (the rules are there and in
docs/decisions/0006-composition-as-of.md). Counting members on day D is a range test on
that narrow table (``start <= D < end``), grouped by unit, with one conditional count per
column; flows between two dates are the spells starting and ending between them, so that
start + in − out = end holds for every unit by construction.
"""

from __future__ import annotations

import contextlib
import contextvars
import datetime
import hashlib
import itertools
from collections import Counter, defaultdict
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.core.cache import cache
from django.db import connection, transaction
from django.db.models import Case, Count, Q, QuerySet, Value, When
from django.db.models.expressions import RawSQL

from grassroots.organizations.models import Unit
from grassroots.planning import freshness
from grassroots.planning import spells as spell_table
from grassroots.planning.models import Spell, UnitFigures

# This process's copies of a subtree's figures are checked against the versions on every
# read; the expiry only bounds memory (an expired entry is read back from ``UnitFigures``).
CACHE_SECONDS = 600

_IN_LIST_LIMIT = 2000


def years_before(day: datetime.date, years: int) -> datetime.date:
    """The same calendar day ``years`` earlier (29 February falls back to the 28th)."""
    try:
        return day.replace(year=day.year - years)
    except ValueError:
        return day.replace(year=day.year - years, day=28)


def on_roll_q(day: datetime.date) -> Q:
    """Spells on the roll at the end of ``day``."""
    return Q(start__lte=day) & (Q(end__isnull=True) | Q(end__gt=day))


@dataclass(frozen=True)
class Column:
    """One figure to count: the members on the roll on ``day`` matching ``q`` — or, with
    ``via`` (a queryset of a table with ``member_id``), those having a row there."""

    key: str
    day: datetime.date
    q: Q = field(default_factory=Q)
    via: QuerySet[Any] | None = None
    # With ``via``: a condition every spell of those members meets (``arranged``), so that
    # only those spells are read rather than looked up by member.
    hint: Q | None = None
    # Only the subtree's total is wanted, not the split by unit (kept for callers: counts
    # from the spells are exact per unit at no extra cost).
    total_only: bool = False


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


def _unit_filter(tree: UnitTree, prefix: str = "", only: list[int] | None = None) -> Q:
    """The subtree's spells (or only those of the units ``only``)."""
    if only is not None:
        return Q(**{f"{prefix}unit_id__in": only})
    if tree.root.parent_id is None:
        return Q()
    if len(tree.units) <= _IN_LIST_LIMIT:
        return Q(**{f"{prefix}unit_id__in": list(tree.units)})
    return Q(**{f"{prefix}unit__path__startswith": tree.root.path})


def _rows(qs: Any) -> list[dict[str, Any]]:
    """A values() queryset's rows, typed loosely (their keys are built at run time)."""
    return list(qs)


def _id_lists(ids: list[int]) -> Iterator[list[int]]:
    """PostgreSQL takes any number as one array parameter; SQLite's IN lists are bounded."""
    step = len(ids) or 1 if connection.vendor == "postgresql" else 5000
    for first in range(0, len(ids), step):
        yield ids[first : first + step]


def _member_in(ids: list[int]) -> Q:
    if connection.vendor == "postgresql":
        # One array parameter joined as a set: a literal IN list of tens of thousands of
        # values costs more to plan than to run.
        return Q(member_id__in=RawSQL("SELECT unnest(%s::bigint[])", [ids]))
    return Q(member_id__in=ids)


def _no_jit() -> contextlib.AbstractContextManager[Any]:
    """PostgreSQL's JIT spends longer compiling these many-aggregate queries than it saves;
    the default work_mem would sort the grouped rows on disk."""
    if connection.vendor != "postgresql":
        return contextlib.nullcontext()

    @contextlib.contextmanager
    def off() -> Iterator[None]:
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute("SET LOCAL jit = off")
            # Room to hash-aggregate by unit instead of sorting the rows on disk.
            cursor.execute("SET LOCAL work_mem = '64MB'")
            yield

    return off()


# A subtree whose changed units are more than this share of its units is recounted whole.
_RECOUNT_SHARE = 0.25


_reading: contextvars.ContextVar[dict[Any, Any] | None] = contextvars.ContextVar(
    "planning_reading", default=None
)


@contextlib.contextmanager
def one_reading() -> Iterator[None]:
    """Several figures of one page read the versions once: they are then all as current as
    the first read (the start of the request), and the page saves a query per figure."""
    token = _reading.set({})
    try:
        yield
    finally:
        _reading.reset(token)


_reads = itertools.count()


def _remembered(key: Any, read: Callable[[], Any], *, after: int = -1) -> tuple[Any, int]:
    """``read()`` (once per reading), with the order in which it was read: a value read
    before ``after`` (another read's order) is read again."""
    memo = _reading.get()
    if memo is None:
        return read(), next(_reads)
    found = memo.get(key)
    if found is None or found[1] < after:
        found = memo[key] = (read(), next(_reads))
    return found


def figure_key(kind: str, parts: Any) -> str:
    """A figure's identity, the same in every process: its kind and arguments, not a subtree
    (a unit's own figures do not depend on which subtree asked for them)."""
    return hashlib.sha1(repr((kind, parts)).encode()).hexdigest()


def _cached(
    kind: str,
    tree: UnitTree,
    parts: Any,
    compute: Callable[[list[int] | None], dict[int, Any]],
) -> dict[int, Any]:
    """Own-unit figures ``compute(units)`` (``None``: the whole subtree), kept current unit by
    unit (``planning.freshness``): after a committed write only the units whose spells it
    touched are recounted. Two layers: this process's cache per subtree and arguments, and
    the ``UnitFigures`` rows every process shares (filled by any reader and by the worker), so
    that a process's first reader of a figure reads rows instead of scanning the spells."""
    if spell_table.changed_in_transaction() or freshness.pending_in_transaction():
        return compute(None)
    figure = figure_key(kind, parts)
    units = hashlib.sha1(",".join(map(str, sorted(tree.units))).encode()).hexdigest()
    key = "planning:" + hashlib.sha1(repr((figure, tree.root.pk, units)).encode()).hexdigest()
    # The order is what keeps figures exact: the subtree's version, then the units' own
    # versions, then the count, then the store. A version moves only after the write it
    # stands for is committed (planning.freshness), so everything read after it counts that
    # write; a write committed in between is counted and, its version being newer than the
    # ones stored, counted again by the next reader — never missed.
    (epoch, sub), read_at = _remembered(
        ("sub", tree.root.pk), lambda: freshness.subtree_version(tree.root.pk)
    )
    entry = cache.get(key)
    if entry is not None and entry[0] == epoch and entry[1] == sub:
        found: dict[int, Any] = entry[3]
        return found
    # Own versions read before this subtree's version (by another figure of the page, for
    # another subtree) are read again: older than ``sub``, they could miss a unit whose write
    # ``sub`` already includes, and the figures would be stored as current under ``sub``.
    every: dict[int, int] = _remembered("own", freshness.own_versions, after=read_at)[0]
    own = {uid: every.get(uid, 0) for uid in tree.units}
    found = {}
    current: set[int] = set()
    if entry is not None and entry[0] == epoch:
        before: dict[int, int] = entry[2]
        current = {uid for uid in tree.units if own[uid] == before.get(uid, 0)}
        found = {uid: v for uid, v in entry[3].items() if uid in current}
    missing = [uid for uid in sorted(tree.units) if uid not in current]
    if missing:
        for uid, values in _stored(figure, epoch, own, missing).items():
            current.add(uid)
            if values is not None:
                found[uid] = values
        missing = [uid for uid in missing if uid not in current]
    if missing:
        whole = len(missing) > max(1, _RECOUNT_SHARE * len(tree.units))
        counted = compute(None if whole else missing)
        written = sorted(tree.units) if whole else missing
        for uid in written:
            found.pop(uid, None)
            if uid in counted:
                found[uid] = counted[uid]
        _store(figure, epoch, own, counted, written)
    cache.set(key, (epoch, sub, own, found), CACHE_SECONDS)
    return found


def _stored(figure: str, epoch: int, own: dict[int, int], wanted: list[int]) -> dict[int, Any]:
    """The persisted figures of these units counted at their current versions (a unit with
    no figures maps to None)."""
    rows = UnitFigures.objects.filter(key=figure, epoch=epoch)
    if len(wanted) <= _IN_LIST_LIMIT:
        rows = rows.filter(unit_id__in=wanted)
    wanted_set = set(wanted)
    return {
        uid: values
        for uid, version, values in rows.values_list("unit_id", "version", "values")
        if uid in wanted_set and own.get(uid) == version
    }


def _store(
    figure: str, epoch: int, own: dict[int, int], counted: dict[int, Any], units: list[int]
) -> None:
    """Persist the units' figures under the versions read before they were counted (a row is
    never newer than what it counted; an older one is merely recounted)."""
    rows = [
        UnitFigures(key=figure, unit_id=uid, epoch=epoch, version=own[uid], values=counted.get(uid))
        for uid in units
    ]
    # Rows in (key, unit) order: concurrent writers lock them in one order.
    UnitFigures.objects.bulk_create(
        rows,
        update_conflicts=True,
        unique_fields=["key", "unit_id"],
        update_fields=["epoch", "version", "values", "counted_at"],
    )


_PLAIN = (int, str, bool, float, datetime.date, type(None))


def _plain(value: Any) -> bool:
    if isinstance(value, (list, tuple, set, frozenset)):
        return all(isinstance(v, _PLAIN) for v in value)
    return isinstance(value, _PLAIN)


def _sql(q: Q | None) -> str:
    """A condition as an unambiguous cache key: its repr when it holds only plain values
    (cheap), else the SQL it compiles to (an expression's repr may name a memory address)."""
    if not q:
        return ""

    def plain(node: Any) -> bool:
        if isinstance(node, Q):
            return all(plain(child) for child in node.children)
        return isinstance(node, tuple) and len(node) == 2 and _plain(node[1])

    if plain(q):
        return repr(q)
    return str(Spell.objects.filter(q).query)


def _column_key(c: Column) -> tuple[Any, ...]:
    via = str(c.via.query) if c.via is not None else None
    return (c.key, c.day.isoformat(), _sql(c.q), via, _sql(c.hint))


def _aggregate(qs: QuerySet[Any], keys: Sequence[str], aggregates: dict[str, Any]) -> list[dict]:
    with _no_jit():
        if not keys:
            return [qs.aggregate(**aggregates)]
        return _rows(qs.order_by().values(*keys).annotate(**aggregates))


def count(
    tree: UnitTree, columns: Sequence[Column], *, base: Q | None = None, by_unit: bool = True
) -> dict[int, dict[str, int]]:
    """Own-unit counts (members held directly by each unit) for every column.

    One scan of the subtree's spells, grouped by unit and, when the columns ask about
    several days, by whether the spell is on the roll on the day most of them ask about (so
    that test runs once per row). ``base`` is a condition on the spells' attributes.
    Columns counted through a related table (``via``) read the spells of its members."""
    if not columns:
        return {}
    parts = ([_column_key(c) for c in columns], _sql(base))
    found: dict[int, dict[str, int]] = _cached(
        "count", tree, parts, lambda only: _count(tree, columns, base, only)
    )
    if not by_unit:
        whole: dict[str, int] = {}
        for values in found.values():
            for key, n in values.items():
                whole[key] = whole.get(key, 0) + n
        return {tree.root.pk: whole} if whole else {}
    return {uid: dict(values) for uid, values in found.items()}


def _count(
    tree: UnitTree, columns: Sequence[Column], base: Q | None, only: list[int] | None = None
) -> dict[int, dict[str, int]]:
    scope = _unit_filter(tree, only=only)
    own: dict[int, dict[str, int]] = defaultdict(dict)

    def add(unit_id: int, key: str, n: int) -> None:
        bucket = own[unit_id]
        bucket[key] = bucket.get(key, 0) + n

    plain = [c for c in columns if c.via is None]
    if plain:
        days = {c.day for c in plain}
        day0 = Counter(c.day for c in plain).most_common(1)[0][0]
        qs = Spell.objects.filter(scope)
        if base is not None:
            qs = qs.filter(base)
        keys = ["unit_id"]
        if len(days) == 1:
            qs = qs.filter(on_roll_q(day0))
        else:
            first, last = min(days), max(days)
            qs = qs.filter(Q(start__lte=last) & (Q(end__isnull=True) | Q(end__gt=first)))
            qs = qs.annotate(_on=Case(When(on_roll_q(day0), then=Value(1)), default=Value(0)))
            keys.append("_on")
        aggregates: dict[str, Any] = {}
        for c in plain:
            condition = c.q if c.day == day0 else on_roll_q(c.day) & c.q
            aggregates[c.key] = Count("id", filter=condition) if condition else Count("id")
        for row in _aggregate(qs, keys, aggregates):
            for c in plain:
                if c.day == day0 and not row.get("_on", 1):
                    continue
                add(row["unit_id"], c.key, row[c.key] or 0)

    via_columns = [c for c in columns if c.via is not None]
    if via_columns:
        # Each related table is read without joins; the spells behind all of them once.
        held: dict[str, set[int]] = {}
        for c in via_columns:
            assert c.via is not None
            via = c.via
            if only is not None:
                # Recounting a few units: only their members' rows (a semi-join on the
                # narrow table), not every arrangement held in the province.
                here = Spell.objects.filter(scope)
                if c.hint is not None:
                    here = here.filter(c.hint)
                via = via.filter(member_id__in=here.values("member_id"))
            held[c.key] = set(via.values_list("member_id", flat=True))
        everyone = sorted(set().union(*held.values()))
        first = min(c.day for c in via_columns)
        last = max(c.day for c in via_columns)
        hints = {c.hint for c in via_columns}
        if None in hints:
            chosen = [_member_in(ids) for ids in _id_lists(everyone)]
        else:
            hint = Q()
            for h in hints:
                hint |= h  # type: ignore[operator]
            chosen = [hint] if everyone else []
        for condition in chosen:
            spells = Spell.objects.filter(
                scope,
                condition,
                Q(start__lte=last) & (Q(end__isnull=True) | Q(end__gt=first)),
            )
            if base is not None:
                spells = spells.filter(base)
            for member_id, unit_id, begin, end in spells.values_list(
                "member_id", "unit_id", "start", "end"
            ):
                for c in via_columns:
                    if member_id in held[c.key] and begin <= c.day and (end is None or end > c.day):
                        add(unit_id, c.key, 1)
    return {uid: values for uid, values in own.items() if uid in tree.units}


CHANGE_IN = ("admitted", "arrived", "moved_in", "returned")
CHANGE_OUT = ("moved_out", "transferred_out", "deceased", "resigned", "expelled")
_START_KEYS: dict[int, str] = {
    Spell.Start.ADMITTED: "admitted",
    Spell.Start.ARRIVED: "arrived",
    Spell.Start.MOVED_IN: "moved_in",
    Spell.Start.RETURNED: "returned",
}
_END_KEYS: dict[int, str] = {
    Spell.End.MOVED_OUT: "moved_out",
    Spell.End.TRANSFERRED_OUT: "transferred_out",
    Spell.End.DECEASED: "deceased",
    Spell.End.RESIGNED: "resigned",
    Spell.End.EXPELLED: "expelled",
}


def admitted(tree: UnitTree, first: datetime.date, last: datetime.date) -> dict[int, int]:
    """New members (not arrivals from another province) between two dates inclusive, by the
    unit they joined."""
    found: dict[int, int] = _cached(
        "admitted", tree, (first, last), lambda only: _admitted(tree, first, last, only)
    )
    return dict(found)


def _admitted(
    tree: UnitTree, first: datetime.date, last: datetime.date, only: list[int] | None = None
) -> dict[int, int]:
    rows = (
        Spell.objects.filter(
            _unit_filter(tree, only=only),
            start_kind=Spell.Start.ADMITTED,
            start__range=(first, last),
        )
        .order_by()
        .values("unit_id")
        .annotate(n=Count("id"))
    )
    return {row["unit_id"]: row["n"] for row in _rows(rows) if row["unit_id"] in tree.units}


def changes(tree: UnitTree, first: datetime.date, last: datetime.date) -> dict[int, dict[str, int]]:
    """Own-unit flows between two dates inclusive: the spells that began and ended in them,
    so that on the roll at ``first - 1 day`` + in - out = on the roll at ``last`` for every
    unit. Moves between two units count at both ends."""
    found: dict[int, dict[str, int]] = _cached(
        "changes", tree, (first, last), lambda only: _changes(tree, first, last, only)
    )
    return {uid: dict(values) for uid, values in found.items()}


def _changes(
    tree: UnitTree, first: datetime.date, last: datetime.date, only: list[int] | None = None
) -> dict[int, dict[str, int]]:
    own: dict[int, dict[str, int]] = defaultdict(dict)
    scope = _unit_filter(tree, only=only)
    spells = Spell.objects.filter(scope).order_by()
    began = spells.filter(start__range=(first, last)).values("unit_id", "start_kind")
    for row in _rows(began.annotate(n=Count("id"))):
        key = _START_KEYS[row["start_kind"]]
        bucket = own[row["unit_id"]]
        bucket[key] = bucket.get(key, 0) + row["n"]
    ended = spells.filter(end__range=(first, last)).values("unit_id", "end_kind")
    for row in _rows(ended.annotate(n=Count("id"))):
        if row["end_kind"] not in _END_KEYS:
            continue
        key = _END_KEYS[row["end_kind"]]
        bucket = own[row["unit_id"]]
        bucket[key] = bucket.get(key, 0) + row["n"]
    return {uid: values for uid, values in own.items() if uid in tree.units}
