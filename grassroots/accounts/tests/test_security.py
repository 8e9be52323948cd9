"""Sign-in hardening: password policy and expiry, lockout, idle timeout, sign-out everywhere,
two-factor sign-in, and a person's own API tokens."""

from __future__ import annotations

import datetime
import time

import pytest
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.test import Client
from django.urls import reverse
from django.utils import timezone, translation
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice

from grassroots.accounts.middleware import LAST_SEEN_KEY
from grassroots.accounts.models import ApiToken, Role, User
from grassroots.accounts.services import token_authenticate, token_create
from grassroots.core.models import AuditEvent

pytestmark = pytest.mark.django_db

LOGIN = "/admin/login/"
TOKEN = "/api/v1/auth/token"


def console_login(client: Client, username: str, password: str):
    return client.post(LOGIN, {"username": username, "password": password, "next": "/admin/"})


def events(event: str) -> list[AuditEvent]:
    return [e for e in AuditEvent.objects.order_by("pk") if e.extra.get("event") == event]


def code_for(device: TOTPDevice, offset: int = 0) -> str:
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    totp.time = time.time() + offset * device.step
    return f"{totp.token():06d}"


# --- password policy ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("password", "message"),
    [
        ("ab12cd34", "至少"),  # too short (Django's own Chinese message)
        ("onlyletterslong", "字母和数字"),
        ("1234567890123", "字母和数字"),
        ("password123", "常见"),  # Django's offline list
    ],
)
def test_password_policy_refuses_with_a_chinese_message(password, message):
    with translation.override("zh-hans"), pytest.raises(ValidationError) as caught:
        validate_password(password, User(username="x1"))
    assert any(message in m for m in caught.value.messages), caught.value.messages


def test_password_similar_to_the_full_name_or_phone_is_refused():
    user = User(username="staff9", full_name="zhangweiming", phone="13912345678")
    with pytest.raises(ValidationError):
        validate_password("zhangweiming1", user)
    with pytest.raises(ValidationError):
        validate_password("a13912345678", user)
    validate_password("Lantern-orbit-73", user)


def test_extra_common_password_list(tmp_path, settings):
    extra = tmp_path / "extra.txt"
    extra.write_text("Hunan2026abc\n", encoding="utf-8")
    validate_password("hunan2026abc", User(username="x2"))  # not on Django's list
    settings.GRASSROOTS_EXTRA_COMMON_PASSWORDS = str(extra)
    with pytest.raises(ValidationError) as caught:
        validate_password("hunan2026abc", User(username="x2"))
    assert caught.value.error_list[0].code == "password_too_common"


# --- forced change and expiry ---------------------------------------------------------------


def test_expired_password_must_be_changed_before_anything_else(client, province, settings):
    settings.GRASSROOTS_PASSWORD_MAX_AGE_DAYS = 90
    user = province.users["city_a"]
    User.objects.filter(pk=user.pk).update(
        password_changed_at=timezone.now() - datetime.timedelta(days=91)
    )
    client.force_login(user)
    response = client.get("/admin/members/member/")
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("admin:password_change"))
    new = "Camellia-river-2031"
    response = client.post(
        reverse("admin:password_change"),
        {
            "old_password": province.password("city_a"),
            "new_password1": new,
            "new_password2": new,
        },
    )
    assert response.status_code == 302
    assert client.get("/admin/members/member/").status_code == 200
    changed = events("password_change")[-1]  # earlier ones: the fixture setting passwords
    assert changed.actor_username == "city_a" and changed.extra["by_self"] is True


def test_expiry_is_off_by_default(client, province):
    user = province.users["city_a"]
    User.objects.filter(pk=user.pk).update(
        password_changed_at=timezone.now() - datetime.timedelta(days=3650)
    )
    client.force_login(user)
    assert client.get("/admin/members/member/").status_code == 200


def test_password_set_by_an_administrator_must_be_changed_by_its_owner(client, province):
    target = province.users["branch_a1"]
    client.force_login(province.users["province"])
    new = "Osmanthus-tea-4471"
    response = client.post(
        reverse("admin:auth_user_password_change", args=[target.pk]),
        {"password1": new, "password2": new},
    )
    assert response.status_code == 302
    target.refresh_from_db()
    assert target.must_change_password
    assert events("password_change")[-1].extra["by_self"] is False
    owner = Client()
    owner.force_login(target)
    response = owner.get("/admin/")
    assert response["Location"].startswith(reverse("admin:password_change"))


# --- lockout --------------------------------------------------------------------------------


def test_console_lockout_after_five_failures_is_audited(client, province):
    for _ in range(4):
        assert console_login(client, "city_a", "wrong-password-1").status_code == 200
    locked = console_login(client, "city_a", "wrong-password-1")
    assert locked.status_code == 429
    assert "已被暂时锁定" in locked.content.decode()
    # Even the right password is refused while locked.
    again = console_login(client, "city_a", province.password("city_a"))
    assert again.status_code == 429
    assert "_auth_user_id" not in client.session
    failures = AuditEvent.objects.filter(action=AuditEvent.Action.LOGIN_FAILED)
    assert failures.count() == 6
    assert failures.first().object_repr == "city_a"
    lockouts = events("lockout")
    assert lockouts and lockouts[0].object_repr == "city_a"
    assert lockouts[0].unit_path == province.city_a.path
    # Another account from another address is not affected.
    other = Client(REMOTE_ADDR="10.0.0.9")
    assert console_login(other, "city_b", province.password("city_b")).status_code == 302


def test_unlock_action_clears_the_account(client, province):
    for _ in range(5):
        console_login(client, "city_a", "wrong-password-1")
    admin = Client(REMOTE_ADDR="10.0.0.2")
    admin.force_login(province.users["province"])
    response = admin.post(
        reverse("admin:accounts_user_changelist"),
        {"action": "unlock", "_selected_action": [province.users["city_a"].pk]},
    )
    assert response.status_code == 302
    assert events("unlock")
    assert console_login(client, "city_a", province.password("city_a")).status_code == 302


def test_address_lockout_has_its_own_higher_limit(settings, province):
    settings.GRASSROOTS_LOCKOUT_FAILURES_PER_IP = 6
    spray = Client(REMOTE_ADDR="10.9.9.9")
    for name in ("prov", "city_a", "city_b", "branch_a1", "leader", "nobody"):
        assert console_login(spray, name, "Spring-2026-pw").status_code in (200, 429)
    # Six accounts, one failure each: the address is now locked, for a right password too.
    assert console_login(spray, "root", "root-pass-2026").status_code == 429
    assert (
        console_login(Client(REMOTE_ADDR="10.1.1.1"), "root", "root-pass-2026").status_code == 302
    )


def test_api_token_failures_count_and_lock_with_429(province):
    api = Client()
    for _ in range(4):
        response = api.post(
            TOKEN, {"username": "city_a", "password": "nope-nope-1"}, "application/json"
        )
        assert response.status_code == 401
    response = api.post(
        TOKEN, {"username": "city_a", "password": "nope-nope-1"}, "application/json"
    )
    assert response.status_code == 429
    assert "已被暂时锁定" in response.json()["detail"] and response["Retry-After"] == "900"
    right = {"username": "city_a", "password": province.password("city_a")}
    assert api.post(TOKEN, right, "application/json").status_code == 429
    # The console shares the count.
    assert console_login(Client(), "city_a", province.password("city_a")).status_code == 429


def test_api_token_sign_in_is_audited(province):
    right = {"username": "city_a", "password": province.password("city_a")}
    response = Client().post(TOKEN, right, "application/json")
    assert response.status_code == 200
    login = AuditEvent.objects.get(action=AuditEvent.Action.LOGIN)
    assert login.actor_username == "city_a" and login.source == "api"


# --- two-factor -----------------------------------------------------------------------------


def enrol(client: Client) -> TOTPDevice:
    page = client.get(reverse("admin:accounts_otp_setup"))
    assert page.status_code == 200
    body = page.content.decode()
    assert "<svg" in body and 'id="otp-secret"' in body
    device = TOTPDevice.objects.get(confirmed=False)
    assert client.post(reverse("admin:accounts_otp_setup"), {"otp": "000000"}).status_code == 200
    response = client.post(reverse("admin:accounts_otp_setup"), {"otp": code_for(device)})
    assert response.status_code == 302
    device.refresh_from_db()
    assert device.confirmed
    return device


@pytest.fixture
def no_throttle(settings):
    """django-otp slows down guessing (1 s, 2 s, 4 s … after failures); tests do not wait."""
    settings.OTP_TOTP_THROTTLE_FACTOR = 0


def test_enrol_then_sign_in_asks_for_the_code(province, no_throttle):
    first = Client()
    assert console_login(first, "city_a", province.password("city_a")).status_code == 302
    device = enrol(first)
    assert first.get("/admin/").status_code == 200  # verified by enrolment

    second = Client()
    assert console_login(second, "city_a", province.password("city_a")).status_code == 302
    gate = second.get("/admin/members/member/")
    assert gate.status_code == 302
    assert gate["Location"].startswith(reverse("admin:accounts_otp_verify"))
    verify = reverse("admin:accounts_otp_verify")
    page = second.get(verify)
    assert page.status_code == 200 and "动态验证码" in page.content.decode()
    wrong = second.post(verify, {"otp": "000000"})
    assert wrong.status_code == 200 and "动态验证码不正确" in wrong.content.decode()
    ok = second.post(verify, {"otp": code_for(device, 1), "next": "/admin/members/member/"})
    assert ok.status_code == 302 and ok["Location"] == "/admin/members/member/"
    assert second.get("/admin/members/member/").status_code == 200
    assert [e.extra["change"] for e in events("two_factor")] == ["enrolled", "verified"]


def test_wrong_codes_lock_the_account(province, no_throttle):
    device = TOTPDevice.objects.create(user=province.users["city_a"], confirmed=True)
    client = Client()
    console_login(client, "city_a", province.password("city_a"))
    verify = reverse("admin:accounts_otp_verify")
    bad = str((int(code_for(device)) + 1) % 1000000).zfill(6)
    for _ in range(4):
        assert client.post(verify, {"otp": bad}).status_code == 200
    assert client.post(verify, {"otp": bad}).status_code == 429
    assert "_auth_user_id" not in client.session


def test_required_roles_must_enrol(province, settings):
    settings.GRASSROOTS_REQUIRE_2FA_ROLES = [Role.PROVINCE_STAFF]
    prov = Client()
    console_login(prov, "prov", province.password("prov"))
    response = prov.get("/admin/")
    assert response["Location"].startswith(reverse("admin:accounts_otp_setup"))
    city = Client()
    console_login(city, "city_a", province.password("city_a"))
    assert city.get("/admin/").status_code == 200


def test_api_token_takes_otp_when_two_factor_is_on(province, no_throttle):
    device = TOTPDevice.objects.create(user=province.users["city_a"], confirmed=True)
    body = {"username": "city_a", "password": province.password("city_a")}
    missing = Client().post(TOKEN, body, "application/json")
    assert missing.status_code == 401 and "otp" in missing.json()["detail"]
    wrong = Client().post(TOKEN, {**body, "otp": "12"}, "application/json")
    assert wrong.status_code == 401
    assert AuditEvent.objects.filter(action=AuditEvent.Action.LOGIN_FAILED).count() == 1
    ok = Client().post(TOKEN, {**body, "otp": code_for(device)}, "application/json")
    assert ok.status_code == 200 and ok.json()["token"].startswith("grt_")


def test_administrator_resets_a_lost_device(client, province):
    target = province.users["city_a"]
    TOTPDevice.objects.create(user=target, confirmed=True)
    client.force_login(province.users["province"])
    response = client.post(
        reverse("admin:accounts_user_changelist"),
        {"action": "reset_two_factor", "_selected_action": [target.pk]},
    )
    assert response.status_code == 302
    assert not TOTPDevice.objects.filter(user=target).exists()
    [reset] = events("two_factor")
    assert reset.extra["change"] == "reset" and reset.actor_username == "prov"


def test_otp_admin_is_not_registered_separately():
    from django.contrib import admin

    assert not admin.site.is_registered(TOTPDevice)


# --- sessions -------------------------------------------------------------------------------


def test_idle_session_signs_out_and_is_audited(client, province, settings):
    settings.GRASSROOTS_SESSION_IDLE_MINUTES = 30
    console_login(client, "city_a", province.password("city_a"))
    assert client.get("/admin/").status_code == 200
    session = client.session
    session[LAST_SEEN_KEY] = int(time.time()) - 31 * 60
    session.save()
    response = client.get("/admin/members/member/")
    assert response.status_code == 302 and "idle=1" in response["Location"]
    assert "_auth_user_id" not in client.session
    logout = AuditEvent.objects.get(action=AuditEvent.Action.LOGOUT)
    assert logout.extra["reason"] == "session_expired" and logout.actor_username == "city_a"
    page = client.get(response["Location"])
    assert "长时间未操作" in page.content.decode()


def test_active_session_survives(client, province):
    console_login(client, "city_a", province.password("city_a"))
    session = client.session
    session[LAST_SEEN_KEY] = int(time.time()) - 29 * 60
    session.save()
    assert client.get("/admin/").status_code == 200


def test_sign_out_everywhere_ends_every_session_and_can_revoke_tokens(province):
    _token, raw = token_create(user=province.users["city_a"])
    office, phone = Client(), Client()
    console_login(office, "city_a", province.password("city_a"))
    console_login(phone, "city_a", province.password("city_a"))
    assert phone.get("/admin/").status_code == 200
    response = office.post(reverse("admin:accounts_sign_out_everywhere"), {"revoke_tokens": "on"})
    assert response.status_code == 302
    assert phone.get("/admin/").status_code == 302  # sent to sign in
    assert office.get("/admin/").status_code == 302
    assert token_authenticate(raw) is None
    assert events("sign_out_everywhere")[0].extra["tokens_revoked"] == 1
    # Signing in again works.
    again = Client()
    assert console_login(again, "city_a", province.password("city_a")).status_code == 302
    assert again.get("/admin/").status_code == 200


# --- a person's own API tokens --------------------------------------------------------------


def test_own_tokens_created_once_listed_and_revoked(client, province):
    user = province.users["leader"]  # a read-only role still manages its own tokens
    client.force_login(user)
    page = client.get(reverse("admin:accounts_security"))
    assert page.status_code == 200
    response = client.post(
        reverse("admin:accounts_token_new"), {"name": "年报对接", "lifetime": "30"}
    )
    assert response.status_code == 200
    raw = response.context["revealed_token"]
    assert raw.startswith("grt_") and token_authenticate(raw) == user
    token = ApiToken.objects.get(user=user)
    assert token.expires_at is not None and token.name == "年报对接"
    listing = client.get(reverse("admin:accounts_security")).content.decode()
    assert token.prefix in listing and raw not in listing
    revoke = client.post(reverse("admin:accounts_token_revoke", args=[token.pk]))
    assert revoke.status_code == 302
    assert token_authenticate(raw) is None


def test_token_revoke_is_scoped(client, province):
    subordinate, _ = token_create(user=province.users["branch_a1"])
    sibling, _ = token_create(user=province.users["city_b"])
    mine, _ = token_create(user=province.users["city_a"])
    # City staff may not manage tokens: only their own, everyone else's answers 404.
    client.force_login(province.users["city_a"])
    for token in (subordinate, sibling):
        url = reverse("admin:accounts_token_revoke", args=[token.pk])
        assert client.post(url).status_code == 404
    assert client.post(reverse("admin:accounts_token_revoke", args=[mine.pk])).status_code == 302
    # Province staff may revoke any token in their scope.
    boss = Client()
    boss.force_login(province.users["province"])
    url = reverse("admin:accounts_token_revoke", args=[subordinate.pk])
    assert boss.post(url).status_code == 302
    subordinate.refresh_from_db()
    sibling.refresh_from_db()
    assert subordinate.revoked_at is not None and sibling.revoked_at is None


def test_token_revoke_outside_a_city_managers_scope_is_404(client, province):
    from django.contrib.auth.models import Permission

    outside, _ = token_create(user=province.users["city_b"])
    inside, _ = token_create(user=province.users["branch_a1"])
    actor = province.users["city_a"]
    actor.user_permissions.add(Permission.objects.get(codename="change_apitoken"))
    client.force_login(actor)
    assert client.post(reverse("admin:accounts_token_revoke", args=[outside.pk])).status_code == 404
    assert client.post(reverse("admin:accounts_token_revoke", args=[inside.pk])).status_code == 302


def test_user_menu_links_to_the_security_page(client, province):
    client.force_login(province.users["city_a"])
    body = client.get("/admin/").content.decode()
    assert reverse("admin:accounts_security") in body
