"""Dues figures: the identity due = collected + exempt + outstanding over random histories,
per unit and per subtree, computed by aggregate SQL and checked against the payments table."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.db import transaction
from django.db.models import Sum
from django.http import Http404
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from grassroots.dues import selectors, services
from grassroots.dues.models import DuesRecord, Payment
from grassroots.dues.tests.factories import DAY, YEAR, make_record, make_rule, pay
from grassroots.members.tests.factories import create_member

pytestmark = pytest.mark.django_db

# One step of a history: (which row, what to do, an amount in fen).
STEP = st.tuples(
    st.integers(min_value=0, max_value=7),
    st.sampled_from(["pay", "pay", "pay", "void", "exempt", "unexempt"]),
    st.integers(min_value=1, max_value=15000),
)


def _apply(records, step, province):
    index, action, fen = step
    record = DuesRecord.objects.get(pk=records[index % len(records)].pk)
    try:
        if action == "pay":
            left = record.amount_due - record.amount_paid
            amount = min(Decimal(fen) / 100, left) if fen % 5 else Decimal(fen) / 100
            services.payment_record(record=record, amount=amount, paid_on=DAY, method="cash")
        elif action == "void":
            payment = Payment.objects.filter(record=record, voided=False).first()
            if payment:
                services.payment_void(payment=payment, reason="随机作废")
        elif action == "exempt":
            services.exemption_set(
                record=record, reason="hardship", approved_by="主委", approved_on=DAY
            )
        else:
            services.exemption_clear(record=record)
    except Exception as exc:  # refused steps (over-payment, exempt rows) must leave no trace
        from django.core.exceptions import ValidationError

        assert isinstance(exc, ValidationError)


def _assert_identity(figures: selectors.Figures) -> None:
    assert figures.due == figures.collected + figures.exempt + figures.outstanding
    assert figures.collected >= 0 and figures.exempt >= 0 and figures.outstanding >= 0


@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    steps=st.lists(STEP, max_size=30),
    amounts=st.lists(st.integers(0, 50000), min_size=2, max_size=2),
)
def test_due_equals_collected_plus_exempt_plus_outstanding(province, steps, amounts):
    # Each example runs in a transaction rolled back at its end: the next starts from the tree.
    with transaction.atomic():
        _history(province, steps, amounts)
        transaction.set_rollback(True)


def _history(province, steps, amounts):
    make_rule(province.province, amount=str(Decimal(amounts[0]) / 100))
    make_rule(province.city_b, amount=str(Decimal(amounts[1]) / 100))
    units = [province.branch_a1, province.branch_a2, province.branch_b1, province.direct_branch]
    for i in range(8):
        create_member(units[i % 4])
    services.dues_generate(unit=province.province, year=YEAR)
    records = list(DuesRecord.objects.filter(year=YEAR).order_by("pk"))
    for step in steps:
        _apply(records, step, province)
    root = province.users["admin"]
    total = selectors.subtree_figures(user=root, unit=province.province, year=YEAR)
    _assert_identity(total)
    # Collected agrees with the receipts that stand, independently of the rows' running totals.
    receipts = Payment.objects.filter(voided=False).aggregate(s=Sum("amount"))["s"] or 0
    assert total.collected == receipts
    per_unit = selectors.unit_figures(user=root, unit=province.province, year=YEAR)
    for figures in per_unit.values():
        _assert_identity(figures)
    for unit in (province.city_a, province.city_b, province.province):
        sub = selectors.subtree_figures(user=root, unit=unit, year=YEAR)
        _assert_identity(sub)
        rows = {
            r.unit.pk: r for r in selectors.unit_rows(user=root, unit=province.province, year=YEAR)
        }
        assert rows[unit.pk].total == sub
    assert total.members == 8


def test_unit_rows_roll_up_and_reconcile_remittances(province):
    records = [make_record(province.branch_a1) for _ in range(2)]
    records.append(make_record(province.branch_b1))
    for r in records:
        pay(r, "120")
    services.exemption_set(
        record=make_record(province.branch_a2),
        reason="retired",
        approved_by="主委",
        approved_on=DAY,
    )
    services.remittance_record(unit=province.branch_a1, year=YEAR, amount="50", remitted_on=DAY)
    admin = province.users["admin"]
    rows = {
        r.unit.code: r for r in selectors.unit_rows(user=admin, unit=province.province, year=YEAR)
    }
    a1, city_a = rows["430101"], rows["4301"]
    assert (a1.own.collected, a1.share, a1.owed, a1.remitted) == (
        Decimal("240.00"),
        Decimal("0.3000"),
        Decimal("72.00"),
        Decimal("50.00"),
    )
    assert a1.remit_outstanding == Decimal("22.00")
    assert (city_a.received, city_a.owed) == (Decimal("50.00"), Decimal("5.00"))
    assert city_a.total.exempt == Decimal("120.00") and city_a.total.members == 3
    assert rows["43"].total.collected == Decimal("360.00")
    summary = selectors.dues_summary(admin, province.city_a, YEAR)
    assert (summary.due, summary.collected, summary.exempt, summary.outstanding) == (
        Decimal("360.00"),
        Decimal("240.00"),
        Decimal("120.00"),
        Decimal("0.00"),
    )
    assert (summary.received, summary.owed, summary.remitted) == (
        Decimal("50.00"),
        Decimal("5.00"),
        Decimal("0.00"),
    )


def test_selectors_refuse_a_unit_outside_scope(province):
    make_record(province.branch_b1)
    city_a = province.users["city_a"]
    for call in (selectors.subtree_figures, selectors.unit_rows, selectors.arrears):
        with pytest.raises(Http404):
            call(user=city_a, unit=province.city_b, year=YEAR)
    with pytest.raises(Http404):
        selectors.dues_summary(city_a, province.city_b, YEAR)
    assert selectors.subtree_figures(user=city_a, unit=province.city_a, year=YEAR).members == 0


def test_arrears_lists_owing_rows_only(province):
    owing = make_record(province.branch_a1)
    paid = make_record(province.branch_a1)
    exempt = make_record(province.branch_a1)
    pay(owing, "20")
    pay(paid, "120")
    services.exemption_set(record=exempt, reason="hardship", approved_by="主委", approved_on=DAY)
    rows = list(selectors.arrears(user=province.users["city_a"], unit=province.city_a, year=YEAR))
    assert [(r.pk, r.outstanding) for r in rows] == [(owing.pk, Decimal("100.00"))]
