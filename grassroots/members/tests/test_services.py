import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from grassroots.core import ids
from grassroots.core.models import AuditEvent
from grassroots.members.models import Member, MemberStatus, Transfer
from grassroots.members.services import (
    member_create,
    member_reveal_id_number,
    member_set_status,
    member_update,
    transfer_accept,
    transfer_into_province,
    transfer_out_of_province,
    transfer_record_receipt,
    transfer_start,
)
from grassroots.members.tests.factories import create_member

pytestmark = pytest.mark.django_db


def with_check(body17: str) -> str:
    return body17 + ids.ric.calc_check_digit(body17 + "0")


def test_create_derives_birth_and_sex_and_masks(province):
    number = ids.build("430102", datetime.date(1975, 3, 8), 7, "F")
    member = member_create(
        unit=province.branch_a1,
        data={"name": "陈立新", "id_number": number},
        actor=province.users["city_a"],
    )
    assert member.birth_date == datetime.date(1975, 3, 8)
    assert member.sex == "F"
    assert member.id_number_masked == number[:4] + "*" * 10 + number[-4:]
    assert member.member_number
    assert Member.objects.get(pk=member.pk).id_number == number


def test_id_number_is_encrypted_at_rest(province):
    from django.db import connection

    number = ids.build("430102", datetime.date(1980, 1, 2), 3, "M")
    member = create_member(
        province.branch_a1, id_number=number, sex="M", birth_date=datetime.date(1980, 1, 2)
    )
    with connection.cursor() as cursor:
        cursor.execute("SELECT id_number FROM members_member WHERE id = %s", [member.pk])
        (stored,) = cursor.fetchone()
    assert number not in stored
    assert stored.startswith("g1:")


@pytest.mark.parametrize(
    ("field", "data", "fragment"),
    [
        ("id_number", {"id_number": "430102197503080251"}, "校验位"),
        ("id_number", {"id_number": with_check("43010219750230025")}, "出生日期"),
        ("id_number", {"id_number": with_check("99999919750308025")}, "地区码"),
        ("birth_date", {"birth_date": datetime.date(1975, 3, 9)}, "不一致"),
        ("sex", {"sex": "F"}, "性别"),
        ("phone", {"phone": "12345"}, "电话"),
    ],
)
def test_bad_input_is_a_field_error_and_nothing_is_saved(province, field, data, fragment):
    base = {"name": "张三", "id_number": ids.build("430102", datetime.date(1975, 3, 8), 2, "M")}
    before = Member.objects.count()
    with pytest.raises(ValidationError) as err:
        member_create(
            unit=province.branch_a1, data={**base, **data}, actor=province.users["city_a"]
        )
    assert field in err.value.message_dict
    assert fragment in " ".join(err.value.message_dict[field])
    assert Member.objects.count() == before


def test_region_code_valid_in_any_year_and_residence_permits(province):
    # 430102 (芙蓉区) was created in 1983 but people born in 1975 hold it.
    assert ids.parse(ids.build("430102", datetime.date(1975, 3, 8), 1, "M")).sex == "M"
    for region in ("810000", "820000", "830000"):
        assert ids.parse(ids.build(region, datetime.date(1990, 5, 6), 1, "F")).sex == "F"


def test_duplicate_outside_scope_does_not_reveal_where(province):
    member = create_member(province.branch_b1)
    with pytest.raises(ValidationError) as err:
        member_create(
            unit=province.branch_a1,
            data={"name": "李四", "id_number": member.id_number},
            actor=province.users["city_a"],
        )
    message = " ".join(err.value.message_dict["id_number"])
    assert "其他组织" in message and province.branch_b1.name not in message


def test_duplicate_inside_scope_names_the_member(province):
    member = create_member(province.branch_a2)
    with pytest.raises(ValidationError) as err:
        member_create(
            unit=province.branch_a1,
            data={"name": "李四", "id_number": member.id_number},
            actor=province.users["city_a"],
        )
    assert member.name in " ".join(err.value.message_dict["id_number"])


def test_update_records_before_and_after_with_masked_id(province):
    member = create_member(province.branch_a1)
    new_number = ids.build("430103", member.birth_date, 9, member.sex)
    member_update(
        member=member,
        data={"employer": "湖南大学", "id_number": new_number},
        actor=province.users["city_a"],
    )
    event = AuditEvent.objects.filter(object_id=str(member.pk), action="update").latest("id")
    assert event.changes["employer"] == ["", "湖南大学"]
    assert new_number not in str(event.changes)
    assert event.changes["id_number"][1] == new_number[:4] + "*" * 10 + new_number[-4:]


def test_update_cannot_move_unit(province):
    member = create_member(province.branch_a1)
    with pytest.raises(ValidationError):
        member_update(
            member=member, data={"unit": province.branch_a2}, actor=province.users["city_a"]
        )


def test_reveal_needs_permission_and_is_audited(province):
    member = create_member(province.branch_a1)
    with pytest.raises(PermissionDenied):
        member_reveal_id_number(member=member, actor=province.users["leader"])
    assert (
        member_reveal_id_number(member=member, actor=province.users["province"]) == member.id_number
    )
    assert AuditEvent.objects.filter(action="reveal", object_id=str(member.pk)).count() == 1


def test_status_history(province):
    member = create_member(province.branch_a1)
    member_set_status(member=member, status=MemberStatus.DECEASED, date=datetime.date(2024, 5, 1))
    history = list(member.status_changes.order_by("id").values_list("from_status", "to_status"))
    assert history == [("", "active"), ("active", "deceased")]


def test_internal_transfer_keeps_member_with_source_until_accepted(province):
    member = create_member(province.branch_a1)
    city_a, city_b = province.users["city_a"], province.users["city_b"]
    transfer = transfer_start(member=member, to_unit=province.branch_b1, actor=city_a)
    assert Member.objects.visible_to(city_a).filter(pk=member.pk).exists()
    assert not Member.objects.visible_to(city_b).filter(pk=member.pk).exists()
    assert Transfer.objects.visible_to(city_b).filter(pk=transfer.pk).exists()
    with pytest.raises(ValidationError):
        transfer_accept(transfer=transfer, actor=city_a)  # the target accepts, not the source
    transfer_accept(transfer=transfer, actor=city_b)
    assert Member.objects.visible_to(city_b).filter(pk=member.pk).exists()
    assert not Member.objects.visible_to(city_a).filter(pk=member.pk).exists()
    assert Transfer.objects.visible_to(city_a).filter(pk=transfer.pk).exists()  # history stays


def test_transfers_across_provinces(province):
    member = create_member(province.branch_a1)
    out = transfer_out_of_province(
        member=member,
        external_org="民进广东省委会",
        letter_number="湘组转2026-01",
        letter_date=datetime.date(2026, 3, 1),
    )
    member.refresh_from_db()
    assert member.status == MemberStatus.TRANSFERRED_OUT
    transfer_record_receipt(transfer=out, receipt_date=datetime.date(2026, 3, 20))
    out.refresh_from_db()
    assert out.state == Transfer.State.ACCEPTED
    arrived = transfer_into_province(
        unit=province.branch_a2,
        data={"name": "王五", "id_number": ids.build("440103", datetime.date(1988, 1, 1), 3, "M")},
        external_org="民进广东省委会",
        letter_number="粤组转2026-02",
        letter_date=datetime.date(2026, 4, 1),
    )
    assert arrived.member.unit == province.branch_a2


@pytest.mark.parametrize("field", ["ethnicity", "education", "title", "sector", "talent_kind"])
def test_reference_entry_in_use_cannot_be_deleted(province, field):
    # No database constraint on these keys (docs/decisions/0047-member-indexes.md): the
    # collector's PROTECT is what refuses, for a single entry and for a queryset alike.
    from django.db.models import ProtectedError

    model = Member._meta.get_field(field).related_model
    entry = model.objects.create(code=f"test-{field}", name=f"测试{field}")
    create_member(province.branch_a1, **{field: entry, "is_talent": field == "talent_kind"})
    with pytest.raises(ProtectedError):
        entry.delete()
    with pytest.raises(ProtectedError):
        model.objects.filter(pk=entry.pk).delete()
    assert model.objects.filter(pk=entry.pk).exists()
    unused = model.objects.create(code=f"free-{field}", name=f"空闲{field}")
    unused.delete()  # an entry nobody uses still goes


def test_id_hash_and_member_number_stay_unique_in_the_database(province):
    from django.db import IntegrityError, transaction

    member = create_member(province.branch_a1)
    other = create_member(province.branch_a1)
    for column, value in (
        ("id_number_hash", member.id_number_hash),
        ("member_number", member.member_number),
    ):
        with pytest.raises(IntegrityError), transaction.atomic():
            Member.objects.filter(pk=other.pk).update(**{column: value})
