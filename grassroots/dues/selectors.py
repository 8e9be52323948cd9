"""Reads of dues: figures per unit and per subtree (aggregate SQL), arrears, reconciliation.

Every figure satisfies due = collected + exempt + outstanding, per row, per unit and per
subtree: collected is what valid receipts add up to, exempt is what an exemption waived of the
rest, outstanding is the rest of the rows that are not exempt.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db.models import Case, Count, DecimalField, F, Q, QuerySet, Sum, Value, When
from django.db.models.functions import Coalesce
from django.http import Http404

from grassroots.core.scope import unit_in_scope
from grassroots.dues.models import ZERO, DuesRecord, DuesRule, Payment, RemitShare, Remittance
from grassroots.organizations.models import Unit

MONEY = DecimalField(max_digits=14, decimal_places=2)


def _sum(expr: Any) -> Coalesce:
    return Coalesce(Sum(expr, output_field=MONEY), Value(ZERO), output_field=MONEY)


FIGURES = {
    "f_due": _sum("amount_due"),
    "f_collected": _sum("amount_paid"),
    "f_exempt": _sum(
        Case(When(exempt=True, then=F("amount_due") - F("amount_paid")), default=ZERO)
    ),
    "f_outstanding": _sum(
        Case(When(exempt=False, then=F("amount_due") - F("amount_paid")), default=ZERO)
    ),
    "f_members": Count("id"),
    "f_in_arrears": Count("id", filter=Q(exempt=False, amount_paid__lt=F("amount_due"))),
    "f_exempted": Count("id", filter=Q(exempt=True)),
}


@dataclass
class Figures:
    due: Decimal = ZERO
    collected: Decimal = ZERO
    exempt: Decimal = ZERO
    outstanding: Decimal = ZERO
    members: int = 0
    in_arrears: int = 0
    exempted: int = 0

    def add(self, other: Figures) -> None:
        for name in ("due", "collected", "exempt", "outstanding"):
            setattr(self, name, getattr(self, name) + getattr(other, name))
        self.members += other.members
        self.in_arrears += other.in_arrears
        self.exempted += other.exempted

    @property
    def rate(self) -> Decimal | None:
        """Collection rate: collected of what was due and not exempted."""
        base = self.due - self.exempt
        return (self.collected / base * 100).quantize(Decimal("0.1")) if base else None


def _figures(values: Any) -> Figures:
    # SQLite sums decimals as floats: amounts are brought back to the fen.
    return Figures(
        due=_fen(values.get("f_due")),
        collected=_fen(values.get("f_collected")),
        exempt=_fen(values.get("f_exempt")),
        outstanding=_fen(values.get("f_outstanding")),
        members=int(values.get("f_members") or 0),
        in_arrears=int(values.get("f_in_arrears") or 0),
        exempted=int(values.get("f_exempted") or 0),
    )


def _fen(value: Any) -> Decimal:
    return Decimal(value or 0).quantize(Decimal("0.01"))


def _check(user: Any, unit: Unit) -> None:
    if not unit_in_scope(unit, user):
        raise Http404


def records_visible(user: Any) -> QuerySet[DuesRecord]:
    return DuesRecord.objects.visible_to(user)  # type: ignore[attr-defined]


def subtree_figures(*, user: Any, unit: Unit, year: int) -> Figures:
    """The figures of a unit and everything below it: one aggregate query."""
    _check(user, unit)
    values = DuesRecord.objects.filter(year=year, unit__path__startswith=unit.path).aggregate(
        **FIGURES
    )
    return _figures(values)


def unit_figures(*, user: Any, unit: Unit, year: int) -> dict[int, Figures]:
    """{unit id: own figures} for every unit of the subtree that has dues rows: one grouped query."""
    _check(user, unit)
    rows = (
        DuesRecord.objects.filter(year=year, unit__path__startswith=unit.path)
        .order_by()
        .values("unit_id")
        .annotate(**FIGURES)
    )
    return {r["unit_id"]: _figures(r) for r in rows}


@dataclass
class UnitRow:
    unit: Unit
    own: Figures
    total: Figures = field(default_factory=Figures)
    share: Decimal = ZERO
    received: Decimal = ZERO  # remitted to this unit by its children
    owed: Decimal = ZERO  # what this unit owes its parent
    remitted: Decimal = ZERO  # what it has passed up
    collected_here: Decimal = ZERO

    @property
    def remit_outstanding(self) -> Decimal:
        return self.owed - self.remitted


def _rules_by_path(year: int, paths: set[str]) -> dict[str, DuesRule]:
    rules = DuesRule.objects.filter(year=year).select_related("unit")
    return {r.unit.path: r for r in rules if any(p.startswith(r.unit.path) for p in paths)}


def _effective(path: str, rules: dict[str, DuesRule]) -> DuesRule | None:
    best: DuesRule | None = None
    for rule_path, rule in rules.items():
        if path.startswith(rule_path) and (best is None or len(rule_path) > len(best.unit.path)):
            best = rule
    return best


def unit_rows(*, user: Any, unit: Unit, year: int) -> list[UnitRow]:
    """Every unit of the subtree: own and rolled-up figures, and its remittance position.

    Four grouped queries whatever the size of the subtree; roll-ups run along the paths.
    """
    _check(user, unit)
    units = list(
        Unit.objects.filter(path__startswith=unit.path).select_related("kind").order_by("path")
    )
    own = unit_figures(user=user, unit=unit, year=year)
    rows = {u.path: UnitRow(unit=u, own=own.get(u.pk, Figures())) for u in units}
    for row in rows.values():
        for path in row.unit.ancestor_paths():
            if path in rows:
                rows[path].total.add(row.own)
    received = dict(
        Remittance.objects.filter(year=year, to_unit__path__startswith=unit.path)
        .order_by()
        .values("to_unit_id")
        .annotate(s=Sum("amount"))
        .values_list("to_unit_id", "s")
    )
    remitted = dict(
        Remittance.objects.filter(year=year, unit__path__startswith=unit.path)
        .order_by()
        .values("unit_id")
        .annotate(s=Sum("amount"))
        .values_list("unit_id", "s")
    )
    rules = _rules_by_path(year, set(rows))
    shares = {
        (s.rule_id, s.level): s.share
        for s in RemitShare.objects.filter(rule_id__in=[r.pk for r in rules.values()])
    }
    for row in rows.values():
        u = row.unit
        row.received = _fen(received.get(u.pk))
        row.remitted = _fen(remitted.get(u.pk))
        row.collected_here = row.own.collected
        rule = _effective(u.path, rules)
        if u.parent_id is not None and rule is not None:
            row.share = shares.get((rule.pk, u.kind.level), ZERO)
        row.owed = _owed(row.collected_here + row.received, row.share)
    return list(rows.values())


def _owed(base: Decimal, share: Decimal) -> Decimal:
    from grassroots.dues.services import money

    return money(base * share)


@dataclass
class RemitPosition:
    base: Decimal  # collected by the unit itself + received from the units below
    received: Decimal
    share: Decimal
    owed: Decimal
    remitted: Decimal

    @property
    def outstanding(self) -> Decimal:
        return self.owed - self.remitted


def remit_position(unit: Unit, year: int) -> RemitPosition:
    """What one unit owes its parent for a year, has remitted and still owes (no scope: services)."""
    from grassroots.dues.services import share_for

    collected = _fen(
        DuesRecord.objects.filter(year=year, unit=unit).aggregate(s=_sum("amount_paid"))["s"]
    )
    received = _fen(
        Remittance.objects.filter(year=year, to_unit=unit).aggregate(s=_sum("amount"))["s"]
    )
    remitted = _fen(
        Remittance.objects.filter(year=year, unit=unit).aggregate(s=_sum("amount"))["s"]
    )
    share = share_for(unit, year)
    base = collected + received
    return RemitPosition(
        base=base, received=received, share=share, owed=_owed(base, share), remitted=remitted
    )


@dataclass
class DuesSummary:
    """The dues line of a unit's statistical report (its whole subtree) for one year."""

    unit: Unit
    year: int
    due: Decimal
    collected: Decimal
    exempt: Decimal
    outstanding: Decimal
    members: int
    in_arrears: int
    exempted: int
    received: Decimal  # remitted to the unit by the units directly below it
    owed: Decimal  # the unit's own share owed to the level above
    remitted: Decimal  # what the unit has remitted to the level above
    remit_outstanding: Decimal


def dues_summary(user: Any, unit: Unit, year: int) -> DuesSummary:
    """Due / collected / exempt / outstanding of the subtree, and the unit's remittance upward."""
    figures = subtree_figures(user=user, unit=unit, year=year)
    position = remit_position(unit, year)
    return DuesSummary(
        unit=unit,
        year=year,
        due=figures.due,
        collected=figures.collected,
        exempt=figures.exempt,
        outstanding=figures.outstanding,
        members=figures.members,
        in_arrears=figures.in_arrears,
        exempted=figures.exempted,
        received=position.received,
        owed=position.owed,
        remitted=position.remitted,
        remit_outstanding=position.outstanding,
    )


def arrears(*, user: Any, unit: Unit, year: int) -> QuerySet[DuesRecord]:
    """Rows of the subtree still owing money (not exempt, paid less than due)."""
    _check(user, unit)
    return (
        records_visible(user)
        .filter(year=year, unit__path__startswith=unit.path, exempt=False)
        .filter(amount_paid__lt=F("amount_due"))
        .select_related("member", "unit")
        .annotate(outstanding=F("amount_due") - F("amount_paid"))
        .order_by("unit__path", "member__pinyin_full", "member_id")
    )


def payments_visible(user: Any) -> QuerySet[Payment]:
    return Payment.objects.visible_to(user)  # type: ignore[attr-defined]


def years_with_rules(user: Any) -> list[int]:
    qs = DuesRule.objects.visible_to(user)  # type: ignore[attr-defined]
    return sorted(set(qs.values_list("year", flat=True)), reverse=True)


def member_status(member: Any) -> list[dict[str, Any]]:
    """A member's own dues by year with valid receipts (the portal and the API's member view)."""
    records = (
        DuesRecord.objects.filter(member=member)
        .select_related("unit", "band")
        .prefetch_related("payments")
        .order_by("-year")
    )
    return [
        {
            "record": r,
            "year": r.year,
            "unit": r.unit,
            "due": r.amount_due,
            "paid": r.amount_paid,
            "exempt": r.amount_exempt,
            "outstanding": r.amount_outstanding,
            "is_exempt": r.exempt,
            "receipts": [p for p in r.payments.all() if not p.voided],
        }
        for r in records
    ]
