"""Writes to dues: rules, generating a year's rows, payments and receipts, exemptions, remittances.

Mid-year joiners: dues run from the month after joining, pro rata by whole months and rounded
to the fen (joined in March: April–December, 9/12 of the year). A member who joins in December
owes nothing that year and gets no row; a member with no join date, or who joined before the
year, owes the full year. Rows are generated once per member and year; running the generation
again only adds the members who have none yet (new members, or members of a unit whose rule was
set later), so it is safe to repeat. A member's row stays with the unit that collects it.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any

from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from grassroots.core import audit, sequences
from grassroots.core.context import actor_name
from grassroots.core.models import AuditEvent
from grassroots.core.scope import unit_in_scope
from grassroots.dues.models import (
    DuesRecord,
    DuesRule,
    ExemptReason,
    IncomeBand,
    Payment,
    PaymentMethod,
    RemitShare,
    Remittance,
)
from grassroots.members.models import Member, MemberStatus
from grassroots.organizations.models import Unit, UnitKind

CENT = Decimal("0.01")
MIN_YEAR, MAX_YEAR = 2000, 2100


def money(value: Decimal) -> Decimal:
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


def check_unit_in_scope(unit: Unit, actor: Any, field: str = "unit") -> None:
    """Writes for a unit need it inside the actor's scope (system actor: None passes)."""
    if actor is None:
        return
    if not unit_in_scope(unit, actor) or getattr(actor, "is_read_only", False):
        raise ValidationError({field: _("所选组织不在您的管理范围内")})


def _check_year(year: int) -> None:
    if not MIN_YEAR <= year <= MAX_YEAR:
        raise ValidationError({"year": _("年度应在2000至2100之间")})


def months_due(join_date: datetime.date | None, year: int) -> int:
    """Whole months owed in ``year``: from the month after joining (see the module docstring)."""
    if join_date is None or join_date.year < year:
        return 12
    if join_date.year > year:
        return 0
    return 12 - join_date.month


def prorated(annual: Decimal, months: int) -> Decimal:
    return money(annual * months / 12)


# --- rules -----------------------------------------------------------------------------------


def rule_for(unit: Unit, year: int) -> DuesRule | None:
    """The rule that applies to a unit: the nearest one up its path."""
    rules = DuesRule.objects.filter(year=year, unit__path__in=unit.ancestor_paths())
    return rules.select_related("unit").order_by("-unit__depth").first()


def share_for(unit: Unit, year: int, rule: DuesRule | None = None) -> Decimal:
    """The share of what ``unit`` collects and receives that it owes its parent."""
    if unit.parent_id is None:
        return Decimal(0)
    rule = rule if rule is not None else rule_for(unit, year)
    if rule is None:
        return Decimal(0)
    level = UnitKind.objects.filter(pk=unit.kind_id).values_list("level", flat=True).first()
    row = RemitShare.objects.filter(rule=rule, level=level or 0).first()
    return row.share if row else Decimal(0)


def rule_validate(rule: DuesRule, *, actor: Any = None) -> None:
    """Field errors of a rule (used by the console form before saving and by ``rule_save``)."""
    errors: dict[str, str] = {}
    unit = getattr(rule, "unit", None)
    if unit is not None:
        try:
            check_unit_in_scope(unit, actor)
        except ValidationError as exc:
            errors.update({k: v[0] for k, v in exc.message_dict.items()})
        else:
            level = UnitKind.objects.filter(pk=unit.kind_id).values_list("level", flat=True).first()
            if level is not None and level > UnitKind.Level.CITY:
                errors["unit"] = _("会费标准只能由省委会或市委会制定")
    if rule.year is not None and not MIN_YEAR <= rule.year <= MAX_YEAR:
        errors["year"] = _("年度应在2000至2100之间")
    if rule.kind == DuesRule.Kind.FLAT:
        if rule.flat_amount is None:
            errors["flat_amount"] = _("统一标准须填写年缴金额")
        elif rule.flat_amount < 0:
            errors["flat_amount"] = _("年缴金额不能为负数")
    if rule.year and unit is not None and rule.pk is not None:
        if DuesRecord.objects.filter(year=rule.year, unit__path__startswith=unit.path).exists():
            before = DuesRule.objects.get(pk=rule.pk)
            if (before.kind, before.flat_amount, before.year, before.unit_id) != (
                rule.kind,
                rule.flat_amount,
                rule.year,
                rule.unit_id,
            ):
                errors["__all__"] = _(
                    "本年度会费已按此标准生成，不能再修改计算方式、金额、年度或组织；"
                    "个别会员的档次或免缴请在年度会费中调整"
                )
    if errors:
        raise ValidationError(errors)


def rule_bands_validate(rule: DuesRule, bands: Iterable[IncomeBand]) -> None:
    """A banded rule needs at least one band and exactly one default band."""
    live = list(bands)
    if rule.kind != DuesRule.Kind.BANDED:
        return
    if not live:
        raise ValidationError(_("按收入档次计算的会费标准须至少设置一个档次"))
    defaults = [b for b in live if b.is_default]
    if len(defaults) != 1:
        raise ValidationError(_("按收入档次计算的会费标准须指定且只指定一个默认档次"))
    for band in live:
        if band.amount is not None and band.amount < 0:
            raise ValidationError(_("档次“%(name)s”的年缴金额不能为负数") % {"name": band.name})


@transaction.atomic
def rule_save(
    *,
    unit: Unit,
    year: int,
    kind: str = DuesRule.Kind.FLAT,
    flat_amount: Decimal | None = None,
    bands: list[dict[str, Any]] | None = None,
    shares: dict[int, Decimal] | None = None,
    note: str = "",
    actor: Any = None,
) -> DuesRule:
    """Create or replace a unit's rule for a year, with its bands and remittance shares."""
    if kind not in DuesRule.Kind.values:
        raise ValidationError({"kind": _("计算方式无效")})
    rule = DuesRule.objects.filter(unit=unit, year=year).first() or DuesRule(unit=unit, year=year)
    rule.kind, rule.flat_amount, rule.note = kind, flat_amount, note
    rule_validate(rule, actor=actor)
    band_rows = [IncomeBand(rule=rule, **b) for b in bands or []]
    rule_bands_validate(rule, band_rows)
    for level, share in (shares or {}).items():
        if not Decimal(0) <= share <= Decimal(1):
            raise ValidationError({"shares": _("上缴比例应在0到1之间")})
        if level not in (2, 3, 4):
            raise ValidationError({"shares": _("上缴组织层级无效")})
    rule.save()
    if bands is not None:
        kept = {b.code for b in band_rows}
        rule.bands.exclude(code__in=kept).delete()
        for band in band_rows:
            existing = rule.bands.filter(code=band.code).first()
            if existing:
                existing.name, existing.amount = band.name, band.amount
                existing.is_default, existing.order = band.is_default, band.order
                existing.save()
            else:
                band.rule = rule
                band.save()
    if shares is not None:
        rule.shares.exclude(level__in=list(shares)).delete()
        for level, share in shares.items():
            RemitShare.objects.update_or_create(rule=rule, level=level, defaults={"share": share})
    return rule


# --- generating a year's rows ----------------------------------------------------------------


def _months_sql(year: int) -> tuple[str, list[Any]]:
    """CASE giving the months owed from m.join_date (portable: no EXTRACT/strftime)."""
    whens = ["WHEN m.join_date IS NULL THEN 12", "WHEN m.join_date < %s THEN 12"]
    params: list[Any] = [datetime.date(year, 1, 1)]
    for month in range(1, 12):  # joined in month -> 12 - month months
        whens.append(f"WHEN m.join_date < %s THEN {12 - month}")
        params.append(datetime.date(year, month + 1, 1))
    return "CASE " + " ".join(whens) + " ELSE 0 END", params


@transaction.atomic
def dues_generate(*, unit: Unit, year: int, actor: Any = None) -> int:
    """Create the year's dues rows for every active member under ``unit`` that has none.

    One INSERT … SELECT per applicable rule (the province's and any city override), so a
    million members take one pass of the member table per rule. Members who already have a row
    are skipped by the unique (member, year) index (ON CONFLICT DO NOTHING), not by an anti-join:
    after the first pass the table's statistics are stale and an anti-join was planned as a
    nested loop over the rows just inserted. Returns the rows created.
    """
    check_unit_in_scope(unit, actor)
    _check_year(year)
    rules = list(
        DuesRule.objects.filter(year=year)
        .filter(Q(unit__path__in=unit.ancestor_paths()) | Q(unit__path__startswith=unit.path))
        .select_related("unit")
    )
    if not rules:
        raise ValidationError(
            {"year": _("%(year)s年度还没有适用于%(unit)s的会费标准") % {"year": year, "unit": unit}}
        )
    member_t, unit_t, record_t = (
        Member._meta.db_table,
        Unit._meta.db_table,
        DuesRecord._meta.db_table,
    )
    months_sql, months_params = _months_sql(year)
    now = connection.ops.adapt_datetimefield_value(timezone.now())
    created = 0
    for rule in rules:
        band: IncomeBand | None = None
        if rule.kind == DuesRule.Kind.BANDED:
            band = rule.bands.filter(is_default=True).first()
            if band is None:
                raise ValidationError(
                    {"year": _("会费标准“%(rule)s”没有默认档次") % {"rule": rule}}
                )
            annual = band.amount
        else:
            annual = rule.flat_amount or Decimal(0)
        domain = rule.unit.path if rule.unit.path.startswith(unit.path) else unit.path
        deeper = [
            r.unit.path
            for r in rules
            if r.unit.path.startswith(rule.unit.path) and r.unit.path != rule.unit.path
        ]
        not_deeper = "".join(" AND u.path NOT LIKE %s" for _p in deeper)
        sql = f"""
            INSERT INTO {record_t} (member_id, unit_id, year, band_id, months, amount_due,
                amount_paid, exempt, exempt_reason, exempt_note, exempt_approved_by,
                exempt_approved_on, created_at)
            SELECT m.id, m.unit_id, %s, %s, {months_sql},
                ROUND(CAST(%s AS NUMERIC) * ({months_sql}) / 12.0, 2), 0, %s, '', '', '', NULL, %s
            FROM {member_t} m
            JOIN {unit_t} u ON u.id = m.unit_id
            WHERE m.status = %s AND u.path LIKE %s{not_deeper}
              AND (m.join_date IS NULL OR m.join_date < %s)
            ON CONFLICT (member_id, year) DO NOTHING
        """
        params: list[Any] = [year, band.pk if band else None, *months_params, str(annual)]
        params += [*months_params, False, now, MemberStatus.ACTIVE, domain + "%"]
        params += [*(p + "%" for p in deeper), datetime.date(year, 12, 1)]
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            created += max(cursor.rowcount, 0)
    audit.record(
        AuditEvent.Action.BULK,
        object_type="dues.duesrecord",
        object_repr=f"dues_generate {unit.code} {year}",
        operation="dues_generate",
        unit_path=unit.path,
        extra={"count": created, "unit": unit.code, "year": year},
    )
    return created


# --- payments and receipts -------------------------------------------------------------------


def _amount(value: Any, field: str = "amount") -> Decimal:
    try:
        amount = Decimal(str(value).strip().replace(",", ""))
    except (InvalidOperation, ValueError) as exc:
        raise ValidationError({field: _("金额“%(v)s”不是有效的数字") % {"v": value}}) from exc
    if not amount.is_finite() or amount <= 0:
        raise ValidationError({field: _("金额必须大于0")})
    if amount != amount.quantize(CENT):
        raise ValidationError({field: _("金额最多保留两位小数（到分）")})
    return amount


def receipt_number(unit: Unit, year: int, seq: int) -> str:
    return f"{unit.code}-{year}-{seq:05d}"


@transaction.atomic
def payment_record(
    *,
    record: DuesRecord,
    amount: Decimal | str,
    paid_on: datetime.date,
    method: str,
    note: str = "",
    actor: Any = None,
) -> Payment:
    """Record one collection and issue its receipt (gap-free number per unit and dues year)."""
    check_unit_in_scope(record.unit, actor, "member")
    value = _amount(amount)
    if method not in PaymentMethod.values:
        raise ValidationError({"method": _("缴费方式无效")})
    if paid_on > timezone.localdate():
        raise ValidationError({"paid_on": _("缴费日期不能晚于今天")})
    locked = (
        DuesRecord.objects.select_for_update().select_related("unit", "member").get(pk=record.pk)
    )
    name = locked.member.name
    if locked.exempt:
        raise ValidationError(
            {
                "amount": _("%(name)s %(year)s年度会费已免缴，无需收缴")
                % {"name": name, "year": locked.year}
            }
        )
    left = locked.amount_due - locked.amount_paid
    if left <= 0:
        raise ValidationError(
            {"amount": _("%(name)s %(year)s年度会费已缴清") % {"name": name, "year": locked.year}}
        )
    if value > left:
        raise ValidationError(
            {
                "amount": _(
                    "缴费金额%(amount)s元超过%(name)s尚欠的%(left)s元"
                    "（应缴%(due)s元，已缴%(paid)s元），不能多收"
                )
                % {
                    "amount": value,
                    "name": name,
                    "left": left,
                    "due": locked.amount_due,
                    "paid": locked.amount_paid,
                }
            }
        )
    # The sequence row is updated inside this transaction: a rollback returns the number.
    seq = sequences.next_value(f"dues-receipt:{locked.unit_id}:{locked.year}")
    payment = Payment.objects.create(
        record=locked,
        unit=locked.unit,
        amount=value,
        paid_on=paid_on,
        method=method,
        note=note[:200],
        receipt_seq=seq,
        receipt_number=receipt_number(locked.unit, locked.year, seq),
        recorded_by=actor_name(actor),
    )
    locked.amount_paid += value
    locked.save(update_fields=["amount_paid"])
    record.amount_paid = locked.amount_paid
    return payment


@transaction.atomic
def payment_void(*, payment: Payment, reason: str, actor: Any = None) -> Payment:
    """Void a receipt: its amount leaves the member's paid total; the number is never reused."""
    check_unit_in_scope(payment.unit, actor)
    if not reason.strip():
        raise ValidationError({"reason": _("请填写作废原因")})
    locked = Payment.objects.select_for_update().get(pk=payment.pk)
    if locked.voided:
        raise ValidationError({"reason": _("收据%(n)s已作废") % {"n": locked.receipt_number}})
    record = DuesRecord.objects.select_for_update().get(pk=locked.record_id)
    locked.voided = True
    locked.voided_at = timezone.now()
    locked.voided_by = actor_name(actor)
    locked.void_reason = reason.strip()[:300]
    locked.save()
    record.amount_paid -= locked.amount
    record.save(update_fields=["amount_paid"])
    return locked


@dataclass
class Entry:
    """One line of a bulk collection (console list or imported sheet)."""

    record: DuesRecord
    amount: Any
    paid_on: datetime.date
    method: str
    note: str = ""
    where: str = ""  # "第3行（张三）" — prefixed to any error of this line


@transaction.atomic
def payments_record_bulk(*, entries: list[Entry], actor: Any = None) -> list[Payment]:
    """All lines or none: every line is tried, all errors are reported, then nothing is kept."""
    errors: list[str] = []
    payments: list[Payment] = []
    for entry in entries:
        try:
            with transaction.atomic():
                payments.append(
                    payment_record(
                        record=entry.record,
                        amount=entry.amount,
                        paid_on=entry.paid_on,
                        method=entry.method,
                        note=entry.note,
                        actor=actor,
                    )
                )
        except ValidationError as exc:
            errors.extend(f"{entry.where}{m}" for m in exc.messages)
    if errors:
        raise ValidationError(errors)
    if not payments:
        raise ValidationError(_("没有填写任何缴费金额"))
    return payments


# --- exemptions and bands --------------------------------------------------------------------


@transaction.atomic
def exemption_set(
    *,
    record: DuesRecord,
    reason: str,
    approved_by: str,
    approved_on: datetime.date,
    note: str = "",
    actor: Any = None,
) -> DuesRecord:
    """Exempt a member for the year: what is still unpaid is waived (payments made stay)."""
    check_unit_in_scope(record.unit, actor, "member")
    errors: dict[str, str] = {}
    if reason not in ExemptReason.values:
        errors["exempt_reason"] = _("免缴原因无效")
    if not approved_by.strip():
        errors["exempt_approved_by"] = _("请填写批准人")
    if approved_on > timezone.localdate():
        errors["exempt_approved_on"] = _("批准日期不能晚于今天")
    if reason == ExemptReason.OTHER and not note.strip():
        errors["exempt_note"] = _("原因为“其他”时请填写说明")
    if errors:
        raise ValidationError(errors)
    locked = DuesRecord.objects.select_for_update().get(pk=record.pk)
    locked.exempt = True
    locked.exempt_reason = reason
    locked.exempt_note = note.strip()[:300]
    locked.exempt_approved_by = approved_by.strip()[:100]
    locked.exempt_approved_on = approved_on
    locked.save()
    return locked


@transaction.atomic
def exemption_clear(*, record: DuesRecord, actor: Any = None) -> DuesRecord:
    check_unit_in_scope(record.unit, actor, "member")
    locked = DuesRecord.objects.select_for_update().get(pk=record.pk)
    locked.exempt = False
    locked.exempt_reason = locked.exempt_note = locked.exempt_approved_by = ""
    locked.exempt_approved_on = None
    locked.save()
    return locked


@transaction.atomic
def record_set_band(*, record: DuesRecord, band: IncomeBand, actor: Any = None) -> DuesRecord:
    """Put a member in an income band for the year; the amount due follows the band."""
    check_unit_in_scope(record.unit, actor, "member")
    locked = DuesRecord.objects.select_for_update().select_related("unit").get(pk=record.pk)
    rule = rule_for(locked.unit, locked.year)
    if rule is None or rule.kind != DuesRule.Kind.BANDED or band.rule_id != rule.pk:
        raise ValidationError(
            {"band": _("该档次不属于适用于本组织%(year)s年度的会费标准") % {"year": locked.year}}
        )
    due = prorated(band.amount, locked.months)
    if due < locked.amount_paid:
        raise ValidationError(
            {
                "band": _("按档次“%(band)s”应缴%(due)s元，少于已缴的%(paid)s元；请先作废多收的收据")
                % {"band": band.name, "due": due, "paid": locked.amount_paid}
            }
        )
    locked.band = band
    locked.amount_due = due
    locked.save()
    return locked


# --- remittance ------------------------------------------------------------------------------


@transaction.atomic
def remittance_record(
    *,
    unit: Unit,
    year: int,
    amount: Decimal | str,
    remitted_on: datetime.date,
    reference: str = "",
    note: str = "",
    actor: Any = None,
) -> Remittance:
    """A unit passes money up to its parent; more than it still owes is refused."""
    from grassroots.dues.selectors import remit_position

    check_unit_in_scope(unit, actor)
    _check_year(year)
    if unit.parent_id is None:
        raise ValidationError({"unit": _("%(unit)s没有上级组织，无需上缴") % {"unit": unit}})
    value = _amount(amount)
    if remitted_on > timezone.localdate():
        raise ValidationError({"remitted_on": _("上缴日期不能晚于今天")})
    # Lock the unit's row so two remittances of the same unit are checked one after the other.
    Unit.objects.select_for_update().filter(pk=unit.pk).first()
    position = remit_position(unit, year)
    if value > position.outstanding:
        raise ValidationError(
            {
                "amount": _(
                    "上缴金额%(amount)s元超过%(unit)s %(year)s年度尚应上缴的%(left)s元"
                    "（应上缴%(owed)s元，已上缴%(done)s元）"
                )
                % {
                    "amount": value,
                    "unit": unit,
                    "year": year,
                    "left": position.outstanding,
                    "owed": position.owed,
                    "done": position.remitted,
                }
            }
        )
    return Remittance.objects.create(
        unit=unit,
        to_unit_id=unit.parent_id,
        year=year,
        amount=value,
        remitted_on=remitted_on,
        reference=reference.strip()[:100],
        note=note.strip()[:200],
        recorded_by=actor_name(actor),
    )
