"""Member console: pages, scope (404 outside), search, filters, the validated form, actions."""

import datetime

import pytest
from django.urls import reverse

from grassroots.core import ids
from grassroots.core.models import AuditEvent
from grassroots.core.testing import unique_id_number
from grassroots.members.models import (
    Member,
    MemberStatus,
    Officer,
    PoliticalArrangement,
    Sector,
    Transfer,
)
from grassroots.members.services import transfer_out_of_province, transfer_start
from grassroots.members.tests.factories import create_member

pytestmark = pytest.mark.django_db


def with_check(body17: str) -> str:
    return body17 + ids.ric.calc_check_digit(body17 + "0")


@pytest.fixture
def wanghan(province):
    number = ids.build("430102", datetime.date(1974, 7, 21), 11, "M")
    return create_member(
        province.branch_a1,
        name="汪涵",
        sex="M",
        birth_date=datetime.date(1974, 7, 21),
        id_number=number,
        phone="13907310001",
    )


def login(client, province, who):
    client.force_login(province.users[who])
    return client


def changelist_names(response) -> list[str]:
    return [m.name for m in response.context["cl"].result_list]


# --- pages render, scope -------------------------------------------------------------------


PAGES = [
    "admin:members_member_changelist",
    "admin:members_member_add",
    "admin:members_member_arrival",
    "admin:members_transfer_changelist",
    "admin:members_politicalarrangement_changelist",
    "admin:members_politicalarrangement_add",
    "admin:members_officer_changelist",
    "admin:members_officer_add",
    "admin:members_sector_changelist",
    "admin:members_education_changelist",
    "admin:members_title_changelist",
    "admin:members_ethnicity_changelist",
    "admin:members_arrangementkind_changelist",
    "admin:members_arrangementlevel_changelist",
    "admin:members_talentkind_changelist",
]


@pytest.mark.parametrize("who", ["province", "city_a"])
@pytest.mark.parametrize("name", PAGES)
def test_pages_render_for_staff(client, province, wanghan, who, name):
    response = login(client, province, who).get(reverse(name))
    assert response.status_code == 200


@pytest.mark.parametrize("who", ["province", "city_a"])
def test_member_detail_has_tabs_and_masked_id(client, province, wanghan, who):
    response = login(client, province, who).get(
        reverse("admin:members_member_change", args=[wanghan.pk])
    )
    assert response.status_code == 200
    html = response.content.decode()
    for tab in ("状态历史", "转接记录", "政治安排", "审计记录"):
        assert tab in html
    assert wanghan.id_number_masked in html
    assert wanghan.id_number not in html
    assert [d.key for d in response.context["datasets"]] == [
        "statuschange",
        "transfer",
        "officer",
        "auditevent",
    ]
    audit_url = reverse("admin:members_member_tab", args=[wanghan.pk, "auditevent"])
    assert f'hx-get="{audit_url}"' in html  # loaded when the tab is first opened
    audit = client.get(audit_url)
    assert audit.status_code == 200
    events = list(audit.context["cl"].result_list)
    assert [e.action for e in events] == ["create"]
    assert events[0].object_id == str(wanghan.pk)


def test_member_page_renders_only_the_editable_inline_the_rest_on_demand(client, province, wanghan):
    transfer_start(
        member=wanghan, to_unit=province.branch_a2, reason="工作调动", actor=province.users["admin"]
    )
    login(client, province, "city_a")
    page = client.get(reverse("admin:members_member_change", args=[wanghan.pk]))
    assert [f.opts.model.__name__ for f in page.context["inline_admin_formsets"]] == [
        "PoliticalArrangement"
    ]
    assert "工作调动" not in page.content.decode()
    tab = client.get(reverse("admin:members_member_tab", args=[wanghan.pk, "transfer"]))
    html = tab.content.decode()
    assert tab.status_code == 200 and province.branch_a2.name in html
    transfer = Transfer.objects.get(member=wanghan)
    assert reverse("admin:members_transfer_change", args=[transfer.pk]) in html
    assert tab["Cache-Control"].startswith("max-age=0")  # never cached, like the page
    history = client.get(reverse("admin:members_member_tab", args=[wanghan.pk, "statuschange"]))
    assert history.status_code == 200
    assert len(history.context["rows"]) == wanghan.status_changes.count()


def test_member_tabs_keep_scope_and_permissions(client, province, wanghan):
    keys = ("statuschange", "transfer", "officer", "auditevent")
    login(client, province, "city_b")  # a sibling city
    for key in keys:
        url = reverse("admin:members_member_tab", args=[wanghan.pk, key])
        assert client.get(url).status_code == 404, key
    login(client, province, "branch_a1")  # sees the member, not the audit log
    page = client.get(reverse("admin:members_member_change", args=[wanghan.pk]))
    assert "auditevent" not in [d.key for d in page.context["datasets"]]
    for key in keys[:3]:
        url = reverse("admin:members_member_tab", args=[wanghan.pk, key])
        assert client.get(url).status_code == 200, key
    audit = reverse("admin:members_member_tab", args=[wanghan.pk, "auditevent"])
    assert client.get(audit).status_code == 404
    assert (
        client.get(reverse("admin:members_member_tab", args=[wanghan.pk, "nope"])).status_code
        == 404
    )
    client.logout()
    assert client.get(audit).status_code == 302  # to sign-in


def test_out_of_scope_member_pages_answer_404(client, province, wanghan):
    login(client, province, "city_b")
    for name in (
        "admin:members_member_change",
        "admin:members_member_history",
        "admin:members_member_start_transfer",
        "admin:members_member_transfer_out",
        "admin:members_member_change_status",
    ):
        assert client.get(reverse(name, args=[wanghan.pk])).status_code == 404, name
    response = client.get(reverse("admin:members_member_changelist"))
    assert "汪涵" not in changelist_names(response)


def test_reveal_outside_scope_answers_404_even_with_the_permission(client, province, wanghan):
    from django.contrib.auth.models import Permission

    user = province.users["city_b"]
    user.user_permissions.add(Permission.objects.get(codename="reveal_id_number"))
    client.force_login(user)
    response = client.post(reverse("admin:members_member_reveal_id", args=[wanghan.pk]))
    assert response.status_code == 404
    assert not AuditEvent.objects.filter(action="reveal").exists()


def test_unit_filter_for_a_unit_outside_scope_answers_404(client, province, wanghan):
    login(client, province, "city_b")
    url = reverse("admin:members_member_changelist") + f"?unit={province.city_a.pk}"
    assert client.get(url).status_code == 404


# --- search and filters --------------------------------------------------------------------


@pytest.mark.parametrize("query", ["wh", "wanghan", "汪涵", "13907310001", "WH"])
def test_search_finds_wanghan(client, province, wanghan, query):
    create_member(province.branch_a2, name="李明")
    response = login(client, province, "city_a").get(
        reverse("admin:members_member_changelist"), {"q": query}
    )
    assert changelist_names(response) == ["汪涵"]


def test_search_by_last_four_of_id(client, province, wanghan):
    create_member(province.branch_a2, name="李明")
    response = login(client, province, "province").get(
        reverse("admin:members_member_changelist"), {"q": wanghan.id_number[-4:]}
    )
    assert changelist_names(response) == ["汪涵"]


def test_search_finds_zeng_by_surname_reading(client, province):
    create_member(province.branch_a1, name="曾国藩")
    create_member(province.branch_a1, name="李明")
    response = login(client, province, "province").get(
        reverse("admin:members_member_changelist"), {"q": "zeng"}
    )
    assert changelist_names(response) == ["曾国藩"]


def test_unit_filter_includes_descendants(client, province):
    create_member(province.branch_a1, name="张一")
    create_member(province.branch_a2, name="张二")
    create_member(province.city_a, name="张三")
    create_member(province.branch_b1, name="张四")
    response = login(client, province, "province").get(
        reverse("admin:members_member_changelist"), {"unit": province.city_a.pk}
    )
    assert sorted(changelist_names(response)) == ["张一", "张三", "张二"]


def test_age_band_and_status_and_sector_filters(client, province):
    today = datetime.date.today()
    young = create_member(
        province.branch_a1, name="青年", birth_date=today.replace(year=today.year - 30)
    )
    create_member(province.branch_a1, name="中年", birth_date=today.replace(year=today.year - 50))
    create_member(province.branch_a1, name="老年", birth_date=datetime.date(1940, 1, 1))
    login(client, province, "province")
    url = reverse("admin:members_member_changelist")
    assert changelist_names(client.get(url, {"age": "lt35"})) == ["青年"]
    assert changelist_names(client.get(url, {"age": "45-55"})) == ["中年"]
    assert changelist_names(client.get(url, {"age": "ge65"})) == ["老年"]
    young.status = MemberStatus.DECEASED
    young.save()
    assert changelist_names(client.get(url, {"status": "deceased"})) == ["青年"]
    sector = Sector.objects.first()
    Member.objects.filter(pk=young.pk).update(sector=sector)
    assert changelist_names(client.get(url, {"sector__id__exact": sector.pk})) == ["青年"]


# --- permissions ---------------------------------------------------------------------------


def test_leader_cannot_add_or_change(client, province, wanghan):
    login(client, province, "leader")
    assert client.get(reverse("admin:members_member_add")).status_code == 403
    url = reverse("admin:members_member_change", args=[wanghan.pk])
    page = client.get(url)
    assert page.status_code == 200  # read-only view
    assert wanghan.id_number not in page.content.decode()
    response = client.post(url, {"name": "改名", "phone": "13907310002"})
    assert response.status_code == 403
    assert Member.objects.get(pk=wanghan.pk).name == "汪涵"
    assert (
        client.get(reverse("admin:members_member_start_transfer", args=[wanghan.pk])).status_code
        == 403
    )
    assert (
        client.post(reverse("admin:members_member_reveal_id", args=[wanghan.pk])).status_code == 403
    )


# --- the member form -----------------------------------------------------------------------


def form_data(unit, **overrides):
    data = {
        "unit": unit.pk,
        "name": "新会员",
        "sex": "",
        "id_number_input": "",
        "birth_date": "",
        "phone": "",
        "email": "",
        "degree": "",
        "employer": "",
        "post": "",
        "join_date": "2020-05-01",
        "member_number": "",
        **{f"{prefix}-{key}": value for prefix in () for key, value in ()},
    }
    data.update(overrides)
    return data


def test_add_member_through_the_form(client, province):
    number = ids.build("430102", datetime.date(1980, 2, 3), 9, "F")
    login(client, province, "city_a")
    response = client.post(
        reverse("admin:members_member_add"),
        form_data(province.branch_a1, name="曾  小红", id_number_input=number, phone="13800138000"),
    )
    assert response.status_code == 302, response.context["adminform"].form.errors
    member = Member.objects.get(name="曾小红")
    assert (member.sex, member.birth_date) == ("F", datetime.date(1980, 2, 3))
    assert member.member_number and member.status == MemberStatus.ACTIVE
    assert member.name_keys.filter(key__startswith="zeng").exists()
    assert member.status_changes.count() == 1


def test_edit_member_through_the_form_goes_through_the_service(client, province, wanghan):
    login(client, province, "city_a")
    url = reverse("admin:members_member_change", args=[wanghan.pk])
    data = form_data(
        province.branch_a1,
        name="汪涵",
        sex="M",
        birth_date="1974-07-21",
        phone="13907310009",
        join_date="2015-06-01",
        member_number=wanghan.member_number,
    )
    for prefix in ("status_changes", "transfers", "arrangements", "offices"):
        data.update({f"{prefix}-TOTAL_FORMS": "0", f"{prefix}-INITIAL_FORMS": "0"})
    data["status_changes-INITIAL_FORMS"] = str(wanghan.status_changes.count())
    response = client.post(url, data)
    assert response.status_code == 302, response.context["adminform"].form.errors
    wanghan.refresh_from_db()
    assert wanghan.phone == "13907310009"
    assert wanghan.id_number_masked  # untouched: the ID field was left empty
    event = AuditEvent.objects.filter(object_id=str(wanghan.pk), action="update").latest("id")
    assert event.changes["phone"] == ["13907310001", "13907310009"]


def bad_inputs(province):
    valid = ids.build("430102", datetime.date(1975, 3, 8), 7, "F")
    return [
        (
            "id_number_input",
            {"id_number_input": valid[:-1] + ("0" if valid[-1] != "0" else "1")},
            "校验位",
        ),
        ("id_number_input", {"id_number_input": with_check("43010219750230025")}, "出生日期"),
        ("id_number_input", {"id_number_input": with_check("99999919750308025")}, "地区码"),
        ("birth_date", {"id_number_input": valid, "birth_date": "1975-03-09"}, "不一致"),
        ("sex", {"id_number_input": valid, "sex": "M"}, "性别"),
        ("phone", {"phone": "12345"}, "电话号码"),
    ]


@pytest.mark.parametrize("case", range(6))
def test_bad_member_input_is_a_chinese_field_error_and_nothing_is_saved(client, province, case):
    field, overrides, fragment = bad_inputs(province)[case]
    login(client, province, "city_a")
    members, events = Member.objects.count(), AuditEvent.objects.count()
    response = client.post(
        reverse("admin:members_member_add"), form_data(province.branch_a1, **overrides)
    )
    assert response.status_code == 200
    errors = response.context["adminform"].form.errors
    assert field in errors, errors
    assert fragment in " ".join(errors[field])
    assert fragment in response.content.decode()
    assert (Member.objects.count(), AuditEvent.objects.count()) == (members, events)


def test_registered_id_in_scope_names_the_member(client, province, wanghan):
    login(client, province, "city_a")
    response = client.post(
        reverse("admin:members_member_add"),
        form_data(province.branch_a2, id_number_input=wanghan.id_number),
    )
    errors = response.context["adminform"].form.errors["id_number_input"]
    assert "已登记" in errors[0] and "汪涵" in errors[0]
    assert Member.objects.count() == 1


def test_registered_id_out_of_scope_does_not_reveal_where(client, province, wanghan):
    login(client, province, "city_b")
    response = client.post(
        reverse("admin:members_member_add"),
        form_data(province.branch_b1, id_number_input=wanghan.id_number),
    )
    errors = response.context["adminform"].form.errors["id_number_input"]
    assert errors == ["该身份证号已在其他组织登记"]
    assert "汪涵" not in response.content.decode()
    assert Member.objects.count() == 1


def test_add_form_offers_only_units_in_scope(client, province):
    response = login(client, province, "city_a").get(reverse("admin:members_member_add"))
    units = response.context["adminform"].form.fields["unit"].queryset
    assert province.branch_b1 not in units and province.branch_a1 in units


# --- reveal --------------------------------------------------------------------------------


def test_reveal_shows_the_full_number_once_and_is_audited(client, province, wanghan):
    login(client, province, "province")
    url = reverse("admin:members_member_reveal_id", args=[wanghan.pk])
    page = client.get(url)
    assert page.status_code == 200 and wanghan.id_number not in page.content.decode()
    response = client.post(url)
    assert wanghan.id_number in response.content.decode()
    assert "no-store" in response["Cache-Control"]
    assert AuditEvent.objects.filter(action="reveal", object_id=str(wanghan.pk)).count() == 1


def test_city_staff_may_not_reveal(client, province, wanghan):
    login(client, province, "city_a")
    response = client.post(reverse("admin:members_member_reveal_id", args=[wanghan.pk]))
    assert response.status_code == 403
    assert not AuditEvent.objects.filter(action="reveal").exists()


# --- transfers and status ------------------------------------------------------------------


def test_internal_transfer_started_and_accepted_in_the_console(client, province, wanghan):
    login(client, province, "city_a")
    start = reverse("admin:members_member_start_transfer", args=[wanghan.pk])
    page = client.get(start)
    # The target may be outside the sender's scope.
    assert province.branch_b1 in page.context["form"].fields["to_unit"].queryset
    response = client.post(start, {"to_unit": province.branch_b1.pk, "reason": "工作调动"})
    assert response.status_code == 302
    transfer = Transfer.objects.get(member=wanghan)
    assert transfer.state == Transfer.State.PENDING

    # The source cannot accept it; the target can.
    assert (
        client.post(reverse("admin:members_transfer_accept", args=[transfer.pk]), {}).status_code
        == 200
    )
    transfer.refresh_from_db()
    assert transfer.state == Transfer.State.PENDING
    client.force_login(province.users["city_b"])
    detail = client.get(reverse("admin:members_transfer_change", args=[transfer.pk]))
    assert "接收" in detail.content.decode()
    response = client.post(reverse("admin:members_transfer_accept", args=[transfer.pk]), {})
    assert response.status_code == 302
    wanghan.refresh_from_db()
    assert wanghan.unit == province.branch_b1


def test_transfer_to_same_unit_is_a_form_error(client, province, wanghan):
    login(client, province, "city_a")
    response = client.post(
        reverse("admin:members_member_start_transfer", args=[wanghan.pk]),
        {"to_unit": province.branch_a1.pk},
    )
    assert "转入组织与当前组织相同" in response.content.decode()
    assert not Transfer.objects.exists()


def test_transfer_returned_by_target_and_cancelled_by_source(client, province, wanghan):
    other = create_member(province.branch_a2, name="李明")
    first = transfer_start(
        member=wanghan, to_unit=province.branch_b1, actor=province.users["city_a"]
    )
    second = transfer_start(
        member=other, to_unit=province.branch_b1, actor=province.users["city_a"]
    )
    login(client, province, "city_b")
    client.post(reverse("admin:members_transfer_give_back", args=[first.pk]), {"note": "材料不全"})
    login(client, province, "city_a")
    client.post(reverse("admin:members_transfer_cancel", args=[second.pk]), {"note": ""})
    first.refresh_from_db()
    second.refresh_from_db()
    assert (first.state, second.state) == (Transfer.State.REJECTED, Transfer.State.CANCELLED)
    assert first.note == "材料不全"


def test_out_of_province_letter_and_receipt(client, province, wanghan):
    login(client, province, "city_a")
    response = client.post(
        reverse("admin:members_member_transfer_out", args=[wanghan.pk]),
        {"external_org": "湖北省委会", "letter_number": "湘转2026-1", "letter_date": "2026-03-01"},
    )
    assert response.status_code == 302
    wanghan.refresh_from_db()
    assert wanghan.status == MemberStatus.TRANSFERRED_OUT
    transfer = Transfer.objects.get(member=wanghan, kind=Transfer.Kind.OUT)
    response = client.post(
        reverse("admin:members_transfer_receipt", args=[transfer.pk]),
        {"receipt_date": "2026-03-20"},
    )
    assert response.status_code == 302
    transfer.refresh_from_db()
    assert transfer.state == Transfer.State.ACCEPTED
    assert transfer.receipt_date == datetime.date(2026, 3, 20)


def test_receipt_on_a_transfer_outside_scope_is_404(client, province, wanghan):
    transfer = transfer_out_of_province(
        member=wanghan,
        external_org="湖北省委会",
        letter_number="1",
        letter_date=datetime.date(2026, 3, 1),
        actor=province.users["city_a"],
    )
    login(client, province, "city_b")
    url = reverse("admin:members_transfer_receipt", args=[transfer.pk])
    assert client.post(url, {"receipt_date": "2026-03-20"}).status_code == 404
    assert (
        client.get(reverse("admin:members_transfer_change", args=[transfer.pk])).status_code == 404
    )


def test_arrival_from_another_province(client, province):
    number = unique_id_number(sex="M")
    login(client, province, "city_a")
    data = form_data(
        province.branch_a1,
        name="赵来",
        id_number_input=number,
        external_org="江西省委会",
        letter_number="赣转7",
        letter_date="2026-02-02",
    )
    response = client.post(reverse("admin:members_member_arrival"), data)
    assert response.status_code == 302, response.context["form"].errors
    transfer = Transfer.objects.get(kind=Transfer.Kind.IN)
    assert transfer.member.name == "赵来" and transfer.to_unit == province.branch_a1


def test_arrival_with_a_bad_id_saves_nothing(client, province):
    login(client, province, "city_a")
    data = form_data(
        province.branch_a1,
        id_number_input="123",
        external_org="江西省委会",
        letter_number="赣转7",
        letter_date="2026-02-02",
    )
    response = client.post(reverse("admin:members_member_arrival"), data)
    assert "18位" in " ".join(response.context["form"].errors["id_number_input"])
    assert not Member.objects.exists() and not Transfer.objects.exists()


def test_status_change_needs_a_reason_for_expulsion(client, province, wanghan):
    login(client, province, "city_a")
    url = reverse("admin:members_member_change_status", args=[wanghan.pk])
    response = client.post(url, {"status": "expelled", "date": "2026-01-05", "reason": ""})
    assert "请填写原因" in response.content.decode()
    wanghan.refresh_from_db()
    assert wanghan.status == MemberStatus.ACTIVE
    response = client.post(url, {"status": "deceased", "date": "2026-01-05", "reason": "病故"})
    assert response.status_code == 302
    wanghan.refresh_from_db()
    assert (wanghan.status, wanghan.status_date) == ("deceased", datetime.date(2026, 1, 5))
    assert wanghan.status_changes.filter(to_status="deceased").exists()


# --- officers and arrangements -------------------------------------------------------------


def test_officer_and_arrangement_lists_are_scoped(client, province, wanghan):
    from grassroots.members.models import ArrangementKind, ArrangementLevel

    Officer.objects.create(
        unit=province.branch_a1, member=wanghan, post="chair", start_date=datetime.date(2022, 1, 1)
    )
    arrangement = PoliticalArrangement.objects.create(
        member=wanghan, kind=ArrangementKind.objects.first(), level=ArrangementLevel.objects.first()
    )
    login(client, province, "city_b")
    assert not client.get(reverse("admin:members_officer_changelist")).context["cl"].result_list
    url = reverse("admin:members_politicalarrangement_change", args=[arrangement.pk])
    assert client.get(url).status_code == 404
    login(client, province, "city_a")
    assert client.get(url).status_code == 200


def test_member_autocomplete_is_scoped_and_uses_pinyin(client, province, wanghan):
    create_member(province.branch_b1, name="王华")
    login(client, province, "city_a")
    response = client.get(
        reverse("admin:autocomplete"),
        {
            "term": "wh",
            "app_label": "members",
            "model_name": "officer",
            "field_name": "member",
        },
    )
    assert [r["text"] for r in response.json()["results"]] == ["汪涵"]


def test_reference_lists_editable_by_province_staff_only(client, province):
    login(client, province, "city_a")
    assert client.get(reverse("admin:members_sector_add")).status_code == 403
    login(client, province, "province")
    response = client.post(
        reverse("admin:members_sector_add"),
        {"code": "media", "name": "新闻出版", "order": 9, "is_active": "on"},
    )
    assert response.status_code == 302
    assert Sector.objects.filter(code="media").exists()


# --- every page of the foundation apps -----------------------------------------------------


FOUNDATION_APPS = {"core", "organizations", "accounts", "members"}


@pytest.mark.parametrize("who", ["province", "city_a", "leader", "branch_a1"])
def test_every_foundation_console_page_renders_or_is_refused(client, province, wanghan, who):
    """Changelist, add and change page of every registered model: 200, or 403 when the role
    lacks the permission — never an error, and never 404 for an object inside scope."""
    from django.contrib import admin as django_admin

    from grassroots.accounts.services import token_create
    from grassroots.core.notifications import notification_send
    from grassroots.members.models import ArrangementKind, ArrangementLevel

    user = province.users[who]
    token_create(user=province.users["branch_a1"])
    notification_send(recipients=[user], title="通知")
    Officer.objects.create(
        unit=province.branch_a1, member=wanghan, post="chair", start_date=datetime.date(2022, 1, 1)
    )
    PoliticalArrangement.objects.create(
        member=wanghan, kind=ArrangementKind.objects.first(), level=ArrangementLevel.objects.first()
    )
    transfer_start(member=wanghan, to_unit=province.branch_a2, actor=province.users["city_a"])
    client.force_login(user)
    checked = 0
    for model, model_admin in django_admin.site._registry.items():
        opts = model._meta
        if opts.app_label not in FOUNDATION_APPS:
            continue
        prefix = f"admin:{opts.app_label}_{opts.model_name}"
        request_perm = user.has_perm(f"{opts.app_label}.view_{opts.model_name}")
        response = client.get(reverse(f"{prefix}_changelist"))
        assert response.status_code in (200, 403), (prefix, response.status_code)
        if response.status_code == 403:
            assert not request_perm, prefix
            continue
        response = client.get(reverse(f"{prefix}_add"))
        assert response.status_code in (200, 403), (prefix, "add", response.status_code)
        obj = model_admin.get_queryset(type("R", (), {"user": user})()).first()
        if obj is not None:
            response = client.get(reverse(f"{prefix}_change", args=[obj.pk]))
            assert response.status_code == 200, (prefix, "change", response.status_code)
        checked += 1
    assert checked >= 10


def test_arrival_offers_and_accepts_only_units_in_scope(client, province):
    login(client, province, "city_a")
    url = reverse("admin:members_member_arrival")
    page = client.get(url)
    units = page.context["form"].fields["unit"].queryset
    assert province.branch_b1 not in units and province.branch_a1 in units
    assert province.city_b.name not in page.content.decode()
    data = form_data(
        province.branch_b1,
        name="赵来",
        external_org="江西省委会",
        letter_number="赣转8",
        letter_date="2026-02-02",
    )
    response = client.post(url, data)
    assert response.status_code == 200 and "unit" in response.context["form"].errors
    assert not Member.objects.exists()


def test_export_button_leads_to_a_scoped_export_of_the_list(client, province):
    create_member(province.branch_a1, name="导出本市")
    create_member(province.branch_b1, name="导出外市")
    client.force_login(province.users["city_a"])
    changelist = reverse("admin:members_member_changelist")
    response = client.get(changelist + "export-xlsx/", HTTP_REFERER=changelist + "?q=导出")
    assert response.status_code == 302 and response["Location"] == reverse("admin:transfer_export")
    download = client.get(response["Location"], {"q": "导出", "download": "1", "columns": ["name"]})
    assert download.status_code == 200
    event = AuditEvent.objects.get(action="export")
    assert event.extra["rows"] == 1
