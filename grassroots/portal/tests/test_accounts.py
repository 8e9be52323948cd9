"""Staff issue portal accounts and reset passwords from the member's console page."""

from __future__ import annotations

import re

import pytest
from django.test import Client

from grassroots.accounts.signals import EVENT_PASSWORD_CHANGE
from grassroots.core.models import AuditEvent
from grassroots.members.models import Member
from grassroots.members.tests.factories import create_member

pytestmark = pytest.mark.django_db


def _issued(page: str) -> tuple[str, str]:
    found = re.search(r"登录名：(\S+)　临时密码：(\S+?)<", page)
    assert found, "the page shows no login and temporary password"
    return found.group(1), found.group(2)


def test_issue_an_account_sign_in_with_phone_then_reset(client, province):
    member = create_member(province.branch_a1, phone="13600001234")
    client.force_login(province.users["city_a"])
    url = f"/admin/members/member/{member.pk}/portal-account/"
    assert province.users["city_a"].username and client.get(url).status_code == 200
    page = client.post(url).content.decode()
    username, first = _issued(page)
    member.refresh_from_db()
    assert member.user is not None and member.user.username == username
    assert member.user.must_change_password and member.user.role == "member"
    assert not member.user.is_staff

    phone = Client()
    response = phone.post("/m/login/", {"login": "13600001234", "password": first})
    assert response.status_code == 302 and response["Location"].startswith("/m/password/")

    _same, second = _issued(client.post(url).content.decode())
    assert second != first
    assert Member.objects.get(pk=member.pk).user_id == member.user_id  # same account
    resets = AuditEvent.objects.filter(
        object_type="accounts.user", object_id=str(member.user_id), extra__by_self=False
    )
    assert resets.filter(extra__event=EVENT_PASSWORD_CHANGE).exists()
    again = Client()
    assert again.post("/m/login/", {"login": username, "password": first}).status_code == 200


def test_staff_of_another_city_cannot_issue(client, province):
    member = create_member(province.branch_a1)
    client.force_login(province.users["city_b"])
    response = client.post(f"/admin/members/member/{member.pk}/portal-account/")
    assert response.status_code == 404
    member.refresh_from_db()
    assert member.user is None
