"""Accounts console: staff users with roles inside the actor's scope, API tokens shown once."""

import pytest
from django.contrib.auth.models import Permission
from django.urls import reverse

from grassroots.accounts.models import ApiToken, Role, User
from grassroots.accounts.services import token_authenticate, token_create
from grassroots.core.models import AuditEvent

pytestmark = pytest.mark.django_db


def login(client, province, who):
    client.force_login(province.users[who])
    return client


@pytest.mark.parametrize("who", ["province", "city_a"])
def test_user_pages_render_for_staff(client, province, who):
    login(client, province, who)
    assert client.get(reverse("admin:accounts_user_changelist")).status_code == 200
    url = reverse("admin:accounts_user_change", args=[province.users["branch_a1"].pk])
    assert client.get(url).status_code == 200


def test_province_pages(client, province):
    login(client, province, "province")
    for name in (
        "admin:accounts_user_add",
        "admin:accounts_apitoken_changelist",
        "admin:accounts_apitoken_add",
    ):
        assert client.get(reverse(name)).status_code == 200
    url = reverse("admin:auth_user_password_change", args=[province.users["city_a"].pk])
    assert client.get(url).status_code == 200


def test_city_staff_sees_only_users_in_scope_and_cannot_add(client, province):
    login(client, province, "city_a")
    users = client.get(reverse("admin:accounts_user_changelist")).context["cl"].result_list
    assert {u.username for u in users} == {"city_a", "branch_a1"}
    other = province.users["city_b"]
    assert client.get(reverse("admin:accounts_user_change", args=[other.pk])).status_code == 404
    assert client.get(reverse("admin:accounts_user_add")).status_code == 403
    assert client.get(reverse("admin:accounts_apitoken_changelist")).status_code == 403


def test_create_staff_with_role(client, province):
    login(client, province, "province")
    response = client.post(
        reverse("admin:accounts_user_add"),
        {
            "username": "zhuzhou_staff",
            "full_name": "株洲干事",
            "phone": "",
            "unit": province.city_b.pk,
            "role": Role.UNIT_STAFF,
            "password1": "Xq7-lantern-orbit",
            "password2": "Xq7-lantern-orbit",
        },
    )
    assert response.status_code == 302, response.context["adminform"].form.errors
    user = User.objects.get(username="zhuzhou_staff")
    assert user.is_staff and user.role == Role.UNIT_STAFF and user.must_change_password
    assert list(user.groups.values_list("name", flat=True)) == [Role.UNIT_STAFF]
    assert user.has_perm("members.add_member") and not user.has_perm("accounts.add_user")


def test_weak_password_is_a_form_error(client, province):
    login(client, province, "province")
    response = client.post(
        reverse("admin:accounts_user_add"),
        {
            "username": "weak",
            "unit": province.city_b.pk,
            "role": Role.UNIT_STAFF,
            "password1": "12345678",
            "password2": "12345678",
        },
    )
    assert response.status_code == 200
    assert "password2" in response.context["adminform"].form.errors
    assert not User.objects.filter(username="weak").exists()


def test_unit_must_be_in_the_actors_scope(client, province):
    actor = province.users["city_a"]
    actor.user_permissions.add(*Permission.objects.filter(codename__in=["add_user", "change_user"]))
    client.force_login(actor)
    response = client.post(
        reverse("admin:accounts_user_add"),
        {
            "username": "intruder",
            "unit": province.city_b.pk,
            "role": Role.BRANCH_OFFICER,
            "password1": "Xq7-lantern-orbit",
            "password2": "Xq7-lantern-orbit",
        },
    )
    assert response.status_code == 200
    assert "unit" in response.context["adminform"].form.errors
    assert not User.objects.filter(username="intruder").exists()


def test_role_change_goes_through_the_service(client, province):
    target = province.users["branch_a1"]
    login(client, province, "province")
    response = client.post(
        reverse("admin:accounts_user_change", args=[target.pk]),
        {
            "username": target.username,
            "full_name": "",
            "phone": "",
            "email": "",
            "unit": target.unit_id,
            "role": Role.LEADER,
            "is_active": "on",
        },
    )
    assert response.status_code == 302, response.context["adminform"].form.errors
    target.refresh_from_db()
    assert target.role == Role.LEADER
    assert list(target.groups.values_list("name", flat=True)) == [Role.LEADER]
    assert AuditEvent.objects.filter(object_type="accounts.user", object_id=str(target.pk)).exists()


def test_leader_cannot_see_accounts(client, province):
    login(client, province, "leader")
    assert client.get(reverse("admin:accounts_user_changelist")).status_code == 403


def test_token_created_in_the_console_is_shown_once(client, province):
    login(client, province, "province")
    response = client.post(
        reverse("admin:accounts_apitoken_add"),
        {"user": province.users["city_a"].pk, "name": "报表"},
    )
    assert response.status_code == 200
    raw = response.context["revealed"]
    assert raw.startswith("grt_") and raw in response.content.decode()
    assert token_authenticate(raw) == province.users["city_a"]
    token = ApiToken.objects.get()
    page = client.get(reverse("admin:accounts_apitoken_change", args=[token.pk]))
    assert raw not in page.content.decode()


def test_revoke_action(client, province):
    token, raw = token_create(user=province.users["city_a"])
    login(client, province, "province")
    response = client.post(
        reverse("admin:accounts_apitoken_changelist"),
        {"action": "revoke", "_selected_action": [token.pk]},
    )
    assert response.status_code == 302
    token.refresh_from_db()
    assert token.revoked_at is not None
    assert token_authenticate(raw) is None


def test_tokens_are_scoped_by_their_user(client, province):
    inside, _ = token_create(user=province.users["branch_a1"])
    outside, _ = token_create(user=province.users["city_b"])
    actor = province.users["city_a"]
    actor.user_permissions.set(Permission.objects.filter(content_type__app_label="accounts"))
    client.force_login(actor)
    listed = client.get(reverse("admin:accounts_apitoken_changelist")).context["cl"].result_list
    assert [t.pk for t in listed] == [inside.pk]
    for token, status in ((inside, 200), (outside, 404)):
        url = reverse("admin:accounts_apitoken_change", args=[token.pk])
        assert client.get(url).status_code == status
    add = client.get(reverse("admin:accounts_apitoken_add"))
    users = add.context["adminform"].form.fields["user"].queryset
    assert province.users["city_b"] not in users and province.users["branch_a1"] in users
    response = client.post(
        reverse("admin:accounts_apitoken_add"), {"user": province.users["city_b"].pk, "name": "x"}
    )
    assert response.status_code == 200 and "user" in response.context["adminform"].form.errors
    assert ApiToken.objects.count() == 2
