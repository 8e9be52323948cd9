"""Keeping the yearly tallies current: every write to a counted record refreshes its unit's row.

A refresh recomputes the affected platform's figures for one (unit, year) from the records,
under a row lock, inside the writing transaction: the tally can never drift from the records
(a concurrent writer waits for the lock and then recomputes from committed rows).
"""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models.signals import post_delete, post_save, pre_save

from grassroots.platforms import selectors
from grassroots.platforms.models import (
    InformationPiece,
    PlatformTally,
    Proposal,
    ResearchAward,
    ResearchOutput,
    ResearchTopic,
    ServiceProject,
)


def _dump(values: dict[str, Any]) -> dict[str, Any]:
    return {k: str(v) if isinstance(v, Decimal) else v for k, v in values.items()}


def _locked(unit_id: int, year: int) -> PlatformTally:
    try:
        with transaction.atomic():
            PlatformTally.objects.get_or_create(unit_id=unit_id, year=year)
    except IntegrityError:
        pass
    return PlatformTally.objects.select_for_update().get(unit_id=unit_id, year=year)


@transaction.atomic
def tally_refresh(*, unit_id: int, year: int, platform: str) -> None:
    """Recompute one platform's figures of one unit and year."""
    row = _locked(unit_id, year)
    fresh = selectors.compute_by_unit(year=year, units=[unit_id], platforms=[platform])
    values = dict(row.values)
    values.update(dict.fromkeys(selectors.PLATFORM_METRICS[platform], 0))
    values.update(_dump(fresh.get(unit_id, {})))
    row.values = values
    row.save(update_fields=["values", "refreshed_at"])


@transaction.atomic
def tally_rebuild(*, year: int) -> int:
    """Recompute every unit's row for the year from the records (after bulk loads); answers the
    number of rows written."""
    computed = selectors.compute_by_unit(year=year)
    zero = selectors._zero()
    PlatformTally.objects.filter(year=year).delete()
    rows = [
        PlatformTally(unit_id=unit_id, year=year, values=_dump({**zero, **values}))
        for unit_id, values in computed.items()
    ]
    PlatformTally.objects.bulk_create(rows, batch_size=2000)
    return len(rows)


# ---------------------------------------------------------------- which (unit, year) a record feeds


def _record_keys(instance: Any, values: dict[str, Any]) -> list[tuple[int, int]]:
    """(unit id, year) of a record from a dict of its field values (current or as loaded)."""
    if isinstance(instance, ResearchOutput | ResearchAward):
        topic = instance.topic
        day: datetime.date | None = values.get(
            "published_on" if isinstance(instance, ResearchOutput) else "awarded_on"
        )
        return [(topic.unit_id, day.year if day else topic.year)]
    unit_id, year = values.get("unit_id"), values.get("year")
    return [(unit_id, year)] if unit_id and year else []


PLATFORM_OF = {
    Proposal: "proposals",
    InformationPiece: "information",
    ResearchTopic: "research",
    ResearchOutput: "research",
    ResearchAward: "research",
    ServiceProject: "service",
}
_KEYS = ("unit_id", "year", "published_on", "awarded_on")


def _remember(sender: Any, instance: Any, raw: bool = False, **kwargs: Any) -> None:
    """Before a save: the (unit, year) the record fed as loaded, so that a move refreshes both
    the old and the new row (the audit keeps the loaded values until after the save)."""
    loaded = getattr(instance, "_audit_loaded", None)
    if loaded is not None:
        instance._tally_before = {k: loaded.get(k) for k in _KEYS}


def _on_change(sender: Any, instance: Any, raw: bool = False, **kwargs: Any) -> None:
    if raw:
        return
    platform = PLATFORM_OF[sender]
    keys = set(_record_keys(instance, {k: getattr(instance, k, None) for k in _KEYS}))
    before = getattr(instance, "_tally_before", None)
    if before:
        keys |= set(_record_keys(instance, before))
        instance._tally_before = None
    for unit_id, year in keys:
        tally_refresh(unit_id=unit_id, year=year, platform=platform)


def connect() -> None:
    """Called from the app config: saves and deletes of counted records refresh the tallies."""
    for model in PLATFORM_OF:
        name = model.__name__
        pre_save.connect(_remember, sender=model, dispatch_uid=f"platforms-tally-pre-{name}")
        post_save.connect(_on_change, sender=model, dispatch_uid=f"platforms-tally-{name}")
        post_delete.connect(_on_change, sender=model, dispatch_uid=f"platforms-tally-del-{name}")
