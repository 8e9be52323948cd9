"""Tables other apps add to the annual statistical report (dues, political arrangements by level).

Planning sits below the apps that own those figures, so it cannot import them: each registers a
builder here from its AppConfig.ready(), and the report calls every builder with the acting user
(scope applies), the report's unit and year. A builder returns None when it has nothing to say.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from grassroots.organizations.models import Unit


@dataclass
class ExtraTable:
    key: str
    title: str  # the sheet's name (short)
    heading: str  # the title printed above the table
    headers: list[str]
    rows: list[tuple[str, list[Any]]]
    note: str = ""
    corner: str = ""  # heading of the label column (单位 when empty)
    # Failed identities (e.g. due = collected + exempt + outstanding), shown with the checks.
    failures: list[str] = field(default_factory=list)


Builder = Callable[..., ExtraTable | None]
_BUILDERS: dict[str, tuple[int, Builder]] = {}


def register(key: str, builder: Builder, *, order: int = 100) -> None:
    """Add (or replace) the builder ``builder(user=, unit=, year=, end_day=)``."""
    _BUILDERS[key] = (order, builder)


def extra_tables(*, user: Any, unit: Unit, year: int, end_day: datetime.date) -> list[ExtraTable]:
    tables = []
    for _order, builder in sorted(_BUILDERS.values(), key=lambda item: item[0]):
        table = builder(user=user, unit=unit, year=year, end_day=end_day)
        if table is not None:
            tables.append(table)
    return tables
