"""Who may open the portal: sign-in by phone or username, forced password change, 404s."""

from __future__ import annotations

import pytest
from django.urls import reverse

from grassroots.core.portal import portal_branch
from grassroots.portal.tests.factories import PASSWORD, member_with_account, officer_with_account

pytestmark = pytest.mark.django_db


def test_anonymous_is_sent_to_sign_in_with_next(client):
    response = client.get("/m/")
    assert response.status_code == 302
    assert response["Location"] == "/m/login/?next=%2Fm%2F"


def test_sign_in_by_phone_number(client, province):
    member, _user = member_with_account(province.branch_a1, "m1", phone="13800000001")
    response = client.post("/m/login/", {"login": "138 0000 0001", "password": PASSWORD})
    assert response.status_code == 302
    assert response["Location"] == "/m/"
    page = client.get("/m/")
    assert page.status_code == 200
    assert member.name in page.content.decode()


def test_sign_in_by_username_and_wrong_password(client, province):
    member_with_account(province.branch_a1, "m2")
    bad = client.post("/m/login/", {"login": "m2", "password": "nope"})
    assert bad.status_code == 200
    assert "手机号码/用户名或密码不正确" in bad.content.decode()
    good = client.post("/m/login/?next=/m/", {"login": "m2", "password": PASSWORD})
    assert good.status_code == 302


def test_phone_shared_by_two_accounts_does_not_sign_in(client, province):
    member_with_account(province.branch_a1, "twin1", phone="13900000009")
    member_with_account(province.branch_a2, "twin2", phone="13900000009")
    response = client.post("/m/login/", {"login": "13900000009", "password": PASSWORD})
    assert response.status_code == 200
    assert not response.wsgi_request.user.is_authenticated


def test_first_sign_in_forces_a_new_password(client, province):
    _member, user = member_with_account(province.branch_a1, "m3", must_change_password=True)
    response = client.post("/m/login/", {"login": "m3", "password": PASSWORD})
    assert response.status_code == 302
    assert response["Location"].startswith("/m/password/")
    # Every member page sends them back to the change page until the password is changed.
    assert client.get("/m/")["Location"].startswith("/m/password/")
    weak = client.post(
        "/m/password/",
        {"old_password": PASSWORD, "new_password1": "123", "new_password2": "123"},
    )
    assert weak.status_code == 200
    new = "Another-Strong-pass-77"
    done = client.post(
        "/m/password/?next=/m/",
        {"old_password": PASSWORD, "new_password1": new, "new_password2": new},
    )
    assert done.status_code == 302
    assert done["Location"] == "/m/"
    user.refresh_from_db()
    assert user.must_change_password is False
    assert user.check_password(new)
    assert client.get("/m/").status_code == 200  # still signed in after the change


def test_staff_account_without_member_cannot_use_portal(client, province):
    client.force_login(province.users["city_a"])
    assert client.get("/m/").status_code == 404
    response = client.post(
        "/m/login/", {"login": "city_a", "password": province.password("city_a")}
    )
    assert response.status_code == 200
    assert "未关联在册会员" in response.content.decode()


def test_sign_out(client, province):
    _member, user = member_with_account(province.branch_a1, "m4")
    client.force_login(user)
    assert client.get("/m/").status_code == 200
    client.post(reverse("portal-logout"))
    assert client.get("/m/").status_code == 302


def test_officer_branch_from_current_office_or_role(province):
    _member, user = officer_with_account(province.branch_a1, "chair1")
    assert portal_branch(user) == province.branch_a1
    assert portal_branch(province.users["branch_a1"]) == province.branch_a1
    _m, plain = member_with_account(province.branch_a1, "plain1")
    assert portal_branch(plain) is None
    assert portal_branch(province.users["city_a"]) is None
