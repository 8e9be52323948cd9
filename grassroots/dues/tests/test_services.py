"""Dues services: rules, generation (pro rata, idempotent, city overrides), payments, voids."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from grassroots.core.models import AuditEvent, Sequence
from grassroots.dues import services
from grassroots.dues.models import DuesRecord, DuesRule, Payment
from grassroots.dues.tests.factories import DAY, YEAR, make_record, make_rule, pay
from grassroots.members.models import Member, MemberStatus
from grassroots.members.tests.factories import create_member

pytestmark = pytest.mark.django_db


def test_generation_prorates_joiners_skips_december_and_the_inactive(province):
    make_rule(province.province, amount="120.00")
    old = create_member(province.branch_a1, join_date=datetime.date(2010, 5, 1))
    march = create_member(province.branch_a1, join_date=datetime.date(YEAR, 3, 15))
    november = create_member(province.branch_a2, join_date=datetime.date(YEAR, 11, 30))
    december = create_member(province.branch_a2, join_date=datetime.date(YEAR, 12, 1))
    later = create_member(province.branch_b1, join_date=datetime.date(YEAR + 1, 1, 5))
    gone = create_member(province.branch_b1)
    Member.objects.filter(pk=gone.pk).update(status=MemberStatus.RESIGNED)
    created = services.dues_generate(unit=province.province, year=YEAR)
    rows = {r.member_id: r for r in DuesRecord.objects.filter(year=YEAR)}
    assert created == 3 == len(rows)
    assert (rows[old.pk].months, rows[old.pk].amount_due) == (12, Decimal("120.00"))
    assert (rows[march.pk].months, rows[march.pk].amount_due) == (9, Decimal("90.00"))
    assert (rows[november.pk].months, rows[november.pk].amount_due) == (1, Decimal("10.00"))
    assert december.pk not in rows and later.pk not in rows and gone.pk not in rows
    assert rows[march.pk].unit == province.branch_a1
    event = AuditEvent.objects.filter(operation="dues_generate").latest("id")
    assert event.extra["count"] == 3


def test_generation_is_idempotent_and_adds_only_newcomers(province):
    make_rule(province.province)
    create_member(province.branch_a1)
    assert services.dues_generate(unit=province.province, year=YEAR) == 1
    assert services.dues_generate(unit=province.province, year=YEAR) == 0
    create_member(province.branch_b1)
    assert services.dues_generate(unit=province.city_b, year=YEAR) == 1
    assert DuesRecord.objects.filter(year=YEAR).count() == 2


def test_a_city_override_wins_in_its_subtree_only(province):
    make_rule(province.province, amount="120.00")
    make_rule(province.city_a, amount="240.00")
    a = create_member(province.branch_a1)
    b = create_member(province.branch_b1)
    d = create_member(province.direct_branch)
    assert services.dues_generate(unit=province.province, year=YEAR) == 3
    due = dict(DuesRecord.objects.values_list("member_id", "amount_due"))
    assert due == {a.pk: Decimal("240.00"), b.pk: Decimal("120.00"), d.pk: Decimal("120.00")}


def test_generation_needs_a_rule_and_a_unit_in_scope(province):
    create_member(province.branch_a1)
    with pytest.raises(ValidationError, match="还没有适用于"):
        services.dues_generate(unit=province.city_a, year=YEAR)
    make_rule(province.province)
    with pytest.raises(ValidationError, match="管理范围"):
        services.dues_generate(unit=province.city_b, year=YEAR, actor=province.users["city_a"])
    assert not DuesRecord.objects.exists()


def test_banded_rule_uses_the_default_band_then_a_members_band(province):
    rule = services.rule_save(
        unit=province.province,
        year=YEAR,
        kind=DuesRule.Kind.BANDED,
        bands=[
            {
                "code": "low",
                "name": "月收入5000元以下",
                "amount": Decimal("60"),
                "is_default": True,
            },
            {"code": "high", "name": "月收入5000元以上", "amount": Decimal("240")},
        ],
    )
    record = make_record(province.branch_a1, join_date=datetime.date(YEAR, 6, 10))
    assert (record.band.code, record.amount_due) == ("low", Decimal("30.00"))
    high = rule.bands.get(code="high")
    record = services.record_set_band(record=record, band=high)
    assert record.amount_due == Decimal("120.00")
    pay(record, "100.00")
    low = rule.bands.get(code="low")
    with pytest.raises(ValidationError, match="少于已缴"):
        services.record_set_band(record=record, band=low)


def test_rule_validation_messages(province):
    with pytest.raises(ValidationError, match="须填写年缴金额"):
        services.rule_save(unit=province.province, year=YEAR, kind="flat")
    with pytest.raises(ValidationError, match="只能由省委会或市委会"):
        make_rule(province.branch_a1)
    with pytest.raises(ValidationError, match="默认档次"):
        services.rule_save(
            unit=province.province,
            year=YEAR,
            kind="banded",
            bands=[{"code": "a", "name": "甲", "amount": Decimal("1")}],
        )
    with pytest.raises(ValidationError, match="管理范围"):
        make_rule(province.province, actor=province.users["city_a"])


def test_payments_partial_then_over_payment_refused_with_the_numbers(province):
    record = make_record(province.branch_a1)
    first = pay(record, "50.00")
    second = pay(record, "20.50", method="wechat")
    assert [first.receipt_number, second.receipt_number] == [
        f"430101-{YEAR}-00001",
        f"430101-{YEAR}-00002",
    ]
    record.refresh_from_db()
    assert record.amount_paid == Decimal("70.50")
    with pytest.raises(ValidationError) as exc:
        pay(record, "49.51")
    assert "超过" in str(exc.value) and "49.50" in str(exc.value) and "不能多收" in str(exc.value)
    pay(record, "49.50")
    with pytest.raises(ValidationError, match="已缴清"):
        pay(record, "1")


@pytest.mark.parametrize(
    ("amount", "message"),
    [("0", "必须大于0"), ("-5", "必须大于0"), ("1.005", "两位小数"), ("abc", "不是有效的数字")],
)
def test_bad_amounts_are_refused(province, amount, message):
    record = make_record(province.branch_a1)
    with pytest.raises(ValidationError, match=message):
        services.payment_record(record=record, amount=amount, paid_on=DAY, method="cash")
    assert not Payment.objects.exists()


def test_a_refused_payment_does_not_use_up_a_receipt_number(province):
    record = make_record(province.branch_a1)
    with pytest.raises(ValidationError):
        pay(record, "999")
    assert pay(record, "10").receipt_seq == 1


def test_void_keeps_the_number_and_never_reuses_it(province):
    record = make_record(province.branch_a1)
    first = pay(record, "100")
    voided = services.payment_void(payment=first, reason="金额录错", actor=province.users["city_a"])
    assert voided.voided and voided.voided_by == "city_a"
    record.refresh_from_db()
    assert record.amount_paid == 0
    again = pay(record, "100")
    assert (again.receipt_seq, voided.receipt_number) == (2, f"430101-{YEAR}-00001")
    with pytest.raises(ValidationError, match="已作废"):
        services.payment_void(payment=voided, reason="再次")
    with pytest.raises(ValidationError, match="作废原因"):
        services.payment_void(payment=again, reason=" ")
    assert AuditEvent.objects.filter(
        object_type="dues.payment", object_id=str(first.pk), action="update"
    ).exists()


def test_receipt_sequences_are_per_unit_and_year(province):
    a1 = make_record(province.branch_a1)
    a2 = make_record(province.branch_a2)
    assert pay(a1, "1").receipt_seq == pay(a2, "1").receipt_seq == 1
    make_rule(province.province, year=YEAR + 1)
    services.dues_generate(unit=province.branch_a1, year=YEAR + 1)
    nxt = DuesRecord.objects.get(member=a1.member, year=YEAR + 1)
    assert pay(nxt, "1").receipt_number == f"430101-{YEAR + 1}-00001"
    assert Sequence.objects.filter(name__startswith="dues-receipt:").count() == 3


def test_exemption_waives_the_rest_and_blocks_payments(province):
    record = make_record(province.branch_a1)
    pay(record, "20")
    with pytest.raises(ValidationError) as exc:
        services.exemption_set(
            record=record, reason="other", approved_by="", approved_on=DAY, note=""
        )
    assert set(exc.value.message_dict) == {"exempt_approved_by", "exempt_note"}
    record = services.exemption_set(
        record=record, reason="retired", approved_by="王主委", approved_on=DAY
    )
    assert (record.amount_exempt, record.amount_outstanding) == (Decimal("100.00"), 0)
    with pytest.raises(ValidationError, match="免缴"):
        pay(record, "1")
    record = services.exemption_clear(record=record)
    assert record.amount_outstanding == Decimal("100.00")


def test_scope_of_writes(province):
    record = make_record(province.branch_b1)
    city_a, leader = province.users["city_a"], province.users["leader"]
    for actor in (city_a, leader):
        with pytest.raises(ValidationError, match="管理范围"):
            pay(record, "1", actor=actor)
    assert pay(record, "1", actor=province.users["city_b"]).recorded_by == "city_b"


def test_bulk_is_all_or_nothing_and_names_each_bad_line(province):
    r1 = make_record(province.branch_a1, name="张三")
    r2 = make_record(province.branch_a1, name="李四")
    entries = [
        services.Entry(r1, "50", DAY, "cash", where="第1行（张三）："),
        services.Entry(r2, "500", DAY, "cash", where="第2行（李四）："),
        services.Entry(r2, "10", DAY, "bitcoin", where="第3行（李四）："),
    ]
    with pytest.raises(ValidationError) as exc:
        services.payments_record_bulk(entries=entries)
    messages = exc.value.messages
    assert len(messages) == 2
    assert messages[0].startswith("第2行（李四）：") and "超过" in messages[0]
    assert messages[1].startswith("第3行（李四）：") and "方式" in messages[1]
    assert not Payment.objects.exists()
    assert not Sequence.objects.filter(name__startswith="dues-receipt:", value__gt=0).exists()
    ok = services.payments_record_bulk(entries=entries[:1])
    assert ok[0].receipt_seq == 1


def test_remittance_is_refused_beyond_what_is_owed(province):
    records = [make_record(province.branch_a1) for _ in range(3)]
    for r in records:
        pay(r, "100")
    # Branch owes 30% of 300 = 90 to the city.
    with pytest.raises(ValidationError) as exc:
        services.remittance_record(
            unit=province.branch_a1, year=YEAR, amount="90.01", remitted_on=DAY
        )
    assert "尚应上缴的90.00元" in str(exc.value)
    done = services.remittance_record(
        unit=province.branch_a1, year=YEAR, amount="90", remitted_on=DAY, reference="银行回单001"
    )
    assert done.to_unit == province.city_a
    # The city owes 10% of what it received.
    with pytest.raises(ValidationError, match=r"尚应上缴的9\.00元"):
        services.remittance_record(unit=province.city_a, year=YEAR, amount="10", remitted_on=DAY)
    with pytest.raises(ValidationError, match="没有上级组织"):
        services.remittance_record(unit=province.province, year=YEAR, amount="1", remitted_on=DAY)
