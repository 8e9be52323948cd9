"""Helpers for dues tests: rules and rows through the services, so rules and audit apply."""

from __future__ import annotations

import datetime
from decimal import Decimal

from grassroots.dues import services
from grassroots.dues.models import DuesRecord, DuesRule
from grassroots.members.tests.factories import create_member

YEAR = 2025
DAY = datetime.date(2025, 6, 1)


def make_rule(unit, year: int = YEAR, amount: str = "120.00", **extra) -> DuesRule:
    extra.setdefault("shares", {4: Decimal("0.30"), 2: Decimal("0.10")})
    return services.rule_save(
        unit=unit, year=year, kind=DuesRule.Kind.FLAT, flat_amount=Decimal(amount), **extra
    )


def make_record(unit, year: int = YEAR, **member_data) -> DuesRecord:
    """A member of ``unit`` with a dues row for the year (the province's rule, made if missing)."""
    root = unit
    while root.parent_id is not None:
        root = root.parent
    if services.rule_for(unit, year) is None:
        make_rule(root, year)
    member = create_member(unit, **member_data)
    services.dues_generate(unit=unit, year=year)
    return DuesRecord.objects.get(member=member, year=year)


def pay(
    record: DuesRecord, amount: str, day: datetime.date = DAY, method: str = "cash", actor=None
):
    return services.payment_record(
        record=record, amount=Decimal(amount), paid_on=day, method=method, actor=actor
    )
