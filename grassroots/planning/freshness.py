"""Which units' spells a committed write changed: the versions the planning counts are cached by.

A unit's own counts (members it holds directly, on any day) depend only on its own spells.
So every committed transaction that rewrote spells bumps, after its commit, a version per unit
whose spells it touched (``own``) and one per unit whose subtree holds such a unit (``sub``:
the unit and its ancestors). A reader of a subtree reads the subtree's version and an epoch
in one query: unchanged, its cached counts are current. Changed, it reads the own versions of
the subtree's units and recounts only the units whose own version moved — a branch's few
hundred spells, not the province's million. A full rebuild of the table bumps the epoch, which
invalidates everything.

The touched units are read around the spells upkeep of ``planning.spells``: a receiver
connected before it notes the member's units before the write, one connected after it notes
them after (a rewrite deletes and reinserts the member's spells, so every changed row is in
one of the two). They cover every write that upkeep follows: member, transfer, status and
arrangement saves and deletes, and ``members_written`` (bulk create, COPY import; without ids
a rebuild). A path that rewrites spells without those signals must bump here too
(``note_members`` or ``note_rebuild``), or cached counts would miss it. Versions move only
after the write commits (the before-receivers only note units), so that a figure stored
under a version always counts every write that version stands for.

After a bump the worker is asked to count the figures readers ask for
(``planning.warming``), which it leaves in ``UnitFigures`` for every process.

See docs/decisions/0006-composition-as-of.md and 0045-persisted-unit-figures.md.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.db import DEFAULT_DB_ALIAS, connection, connections, transaction
from django.db.models import F
from django.db.models.expressions import RawSQL
from django.db.models.signals import post_delete, post_save

from grassroots.core.models import Sequence
from grassroots.members.models import Member, PoliticalArrangement, StatusChange, Transfer
from grassroots.members.services import members_written
from grassroots.organizations.models import Unit
from grassroots.planning.models import Spell
from grassroots.planning.spells import MEMBER_FIELDS

logger = logging.getLogger("grassroots.planning")

EPOCH = "planning:epoch"
OWN = "planning:own:"
SUB = "planning:sub:"
_REBUILD = -1  # in the pending set: the whole table was rewritten


def own_name(unit_id: int) -> str:
    return f"{OWN}{unit_id}"


def sub_name(unit_id: int) -> str:
    return f"{SUB}{unit_id}"


# --- reading -------------------------------------------------------------------------------


def subtree_version(root_id: int) -> tuple[int, int]:
    """(epoch, version of the subtree under ``root_id``), in one query."""
    found = dict(
        Sequence.objects.filter(name__in=[EPOCH, sub_name(root_id)]).values_list("name", "value")
    )
    return found.get(EPOCH, 0), found.get(sub_name(root_id), 0)


def own_versions() -> dict[int, int]:
    """Every unit's own version (units never written are absent: version 0)."""
    rows = Sequence.objects.filter(name__startswith=OWN).values_list("name", "value")
    return {int(name[len(OWN) :]): value for name, value in rows}


# --- noting what a transaction touched ----------------------------------------------------


def _pending() -> set[int]:
    """The units this connection's transaction touched and has not bumped yet."""
    holder: Any = connections[DEFAULT_DB_ALIAS]
    found: set[int] | None = getattr(holder, "_planning_touched_units", None)
    if found is None:
        found = set()
        holder._planning_touched_units = found
    return found


def pending_in_transaction() -> bool:
    """Whether this connection's open transaction touched spells not yet bumped here."""
    return connection.in_atomic_block and any(
        entry[1] is _flush for entry in connection.run_on_commit
    )


def _add(units: Iterable[int], *, now: bool = True) -> None:
    """Note units to bump after the commit of the write that touched them.

    ``now=False`` (the receivers before the spells' upkeep): outside a transaction, the units
    wait for the receiver after the upkeep instead of being bumped at once. A version must
    never move before the spells it stands for are committed: the upkeep commits its own
    transaction after the before-receivers, and a reader in between would count the old
    spells and store them under the new version — for a unit the write emptied (a member's
    unit corrected in place), no later bump would ever make it recount."""
    pending = _pending()
    pending.update(units)
    if not pending:
        return
    if not connection.in_atomic_block:
        if now:
            _flush()
        return
    # Once per transaction (again if a rolled-back savepoint dropped the callback; anything
    # left from a rolled-back transaction is bumped too, which costs a recount, never a miss).
    if not any(entry[1] is _flush for entry in connection.run_on_commit):
        transaction.on_commit(_flush)


def _units_of(member_ids: list[int]) -> set[int]:
    if not member_ids:
        return set()
    found: set[int] = set()
    postgres = connection.vendor == "postgresql"
    step = 100_000 if postgres else 900
    for first in range(0, len(member_ids), step):
        chunk = member_ids[first : first + step]
        # PostgreSQL takes the ids as one array parameter (a long IN list costs more to plan).
        among = RawSQL("SELECT unnest(%s::bigint[])", [chunk]) if postgres else chunk
        found.update(
            Spell.objects.filter(member_id__in=among)
            .order_by()
            .values_list("unit_id", flat=True)
            .distinct()
        )
    return found


def note_members(member_ids: Iterable[int], *, now: bool = True) -> None:
    """Bump, after the commit, the units these members' spells are in now (``now=False``:
    outside a transaction, with the next bump rather than at once)."""
    _add(_units_of(sorted(set(member_ids))), now=now)


def note_rebuild() -> None:
    """Bump the epoch after the commit: every cached count is recomputed."""
    _add([_REBUILD])


def _flush() -> None:
    pending = _pending()
    touched = set(pending)
    pending.clear()
    if not touched:
        return
    names = set()
    if _REBUILD in touched:
        names.add(EPOCH)
        touched.discard(_REBUILD)
    for path in Unit.objects.filter(pk__in=sorted(touched)).values_list("path", flat=True):
        names.update(sub_name(int(part)) for part in path.split("/") if part)
    # A deleted unit's path is gone; its own version still moves.
    names.update(own_name(uid) for uid in touched)
    names.update(sub_name(uid) for uid in touched)
    ordered = sorted(names)
    with transaction.atomic():
        Sequence.objects.bulk_create([Sequence(name=n) for n in ordered], ignore_conflicts=True)
        # Rows locked in one order: concurrent bumps never deadlock.
        locked = list(
            Sequence.objects.select_for_update()
            .filter(name__in=ordered)
            .order_by("name")
            .values_list("pk", flat=True)
        )
        Sequence.objects.filter(pk__in=locked).update(value=F("value") + 1)
    _warm_soon(rebuilt=EPOCH in names)


# One warming task per this many seconds per process after ordinary writes (each recounts only
# the units whose versions moved); after a rebuild, always.
WARM_EVERY_SECONDS = 30


def _warm_soon(*, rebuilt: bool) -> None:
    """Ask the worker to count the figures readers ask for (``planning.warming``), now that
    versions moved: the next reader then finds them in ``UnitFigures``."""
    if not getattr(settings, "GRASSROOTS_FIGURES_WARM_AFTER_WRITES", True):
        return
    if not rebuilt and not cache.add("planning:warm-asked", True, WARM_EVERY_SECONDS):
        return
    from grassroots.planning.tasks import figures_warm_task

    try:
        figures_warm_task.enqueue()
    except Exception:  # the write is committed; the periodic job counts what this task would
        logger.exception("could not enqueue the planning figures task")


# --- the receivers around planning.spells' upkeep -----------------------------------------


def _member_id(sender: Any, instance: Any) -> int | None:
    return instance.pk if sender is Member else getattr(instance, "member_id", None)


def _around(
    sender: Any, instance: Any, raw: bool = False, *, now: bool = True, **kwargs: Any
) -> None:
    if raw:
        return
    update_fields = kwargs.get("update_fields")
    if (
        sender is Member
        and update_fields is not None
        and not {f.removesuffix("_id") for f in update_fields}
        & {f.removesuffix("_id") for f in MEMBER_FIELDS}
    ):
        return  # as the spells' upkeep: nothing a spell holds was written
    member_id = _member_id(sender, instance)
    if member_id is not None:
        note_members([member_id], now=now)


def _around_bulk(
    sender: Any, member_ids: Iterable[int] | None = None, *, now: bool = True, **kwargs: Any
) -> None:
    if member_ids is None:
        _add([_REBUILD], now=now)
    else:
        note_members(member_ids, now=now)


def _before(sender: Any, instance: Any, raw: bool = False, **kwargs: Any) -> None:
    _around(sender, instance, raw=raw, now=False, **kwargs)


_MODELS = (Member, Transfer, StatusChange, PoliticalArrangement)


def _before_bulk(sender: Any, member_ids: Iterable[int] | None = None, **kwargs: Any) -> None:
    if member_ids is not None and kwargs.get("created"):
        return  # members just inserted (``created=True``) had no spells before
    _around_bulk(sender, member_ids=member_ids, now=False, **kwargs)


def connect_before() -> None:
    """Receivers that run before the spells' upkeep (the member's units before the write)."""
    for model in _MODELS:
        name = model._meta.model_name
        post_save.connect(_before, sender=model, dispatch_uid=f"planning-fresh-before-{name}")
        post_delete.connect(_before, sender=model, dispatch_uid=f"planning-fresh-bdel-{name}")
    members_written.connect(_before_bulk, dispatch_uid="planning-fresh-before-bulk")


def _after(sender: Any, instance: Any, raw: bool = False, **kwargs: Any) -> None:
    _around(sender, instance, raw=raw, **kwargs)


def _after_bulk(sender: Any, member_ids: Iterable[int] | None = None, **kwargs: Any) -> None:
    _around_bulk(sender, member_ids=member_ids, **kwargs)


def connect_after() -> None:
    """Receivers that run after the spells' upkeep (the member's units after the write)."""
    for model in _MODELS:
        name = model._meta.model_name
        post_save.connect(_after, sender=model, dispatch_uid=f"planning-fresh-after-{name}")
        post_delete.connect(_after, sender=model, dispatch_uid=f"planning-fresh-adel-{name}")
    members_written.connect(_after_bulk, dispatch_uid="planning-fresh-after-bulk")
