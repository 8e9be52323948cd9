"""In a real browser the console works under its policy and no page reports a CSP violation."""

from __future__ import annotations

import pytest

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.browser]


def violations(page) -> list[str]:
    return [m for m in page.console_seen if "Content Security Policy" in m or "CSP" in m]


@pytest.fixture
def province(transactional_db):
    """A transactional test starts from a flushed database: put back the seeded unit kinds."""
    import importlib

    from django.apps import apps

    from grassroots.core.testing import build_small_province

    importlib.import_module("grassroots.organizations.migrations.0002_seed_unit_kinds").seed(
        apps, None
    )
    return build_small_province()


@pytest.fixture
def watched(desktop_page):
    desktop_page.console_seen = []
    desktop_page.on("console", lambda msg: desktop_page.console_seen.append(msg.text))
    desktop_page.on("pageerror", lambda exc: desktop_page.console_seen.append(str(exc)))
    return desktop_page


def test_console_sign_in_and_member_list_without_csp_violations(watched, province):
    page = watched
    page.goto("/admin/login/")
    page.fill("input[name=username]", "city_a")
    page.fill("input[name=password]", province.password("city_a"))
    page.click("button[type=submit]")
    page.wait_for_url("**/admin/")
    page.goto("/admin/members/member/")
    page.wait_for_load_state("networkidle")
    assert page.locator("#changelist-form, #result_list, table").first.is_visible()
    # Alpine.js runs (Unfold's user menu opens on click), which needs the console's relaxation.
    page.goto("/admin/accounts/user/me/security/")
    page.wait_for_load_state("networkidle")
    assert page.locator("#api-tokens").is_visible()
    assert violations(page) == [], page.console_seen


@pytest.mark.parametrize("path", ["/m/login/", "/api/v1/docs"])
def test_strict_pages_report_no_violation(watched, path):
    watched.goto(path)
    watched.wait_for_load_state("networkidle")
    assert violations(watched) == [], watched.console_seen


def test_two_factor_step_is_a_console_page(watched, province, settings):
    from django_otp.oath import TOTP
    from django_otp.plugins.otp_totp.models import TOTPDevice

    settings.OTP_TOTP_THROTTLE_FACTOR = 0
    device = TOTPDevice.objects.create(user=province.users["city_a"], confirmed=True)
    page = watched
    page.goto("/admin/login/")
    page.fill("input[name=username]", "city_a")
    page.fill("input[name=password]", province.password("city_a"))
    page.click("button[type=submit]")
    page.wait_for_url("**/two-factor/verify/**")
    # The same sign-in layout as the password step, with the code field focused.
    assert page.locator("#otp-form input[name=otp]").is_visible()
    assert page.locator("body.login").count() == 1
    page.fill("input[name=otp]", f"{TOTP(device.bin_key).token():06d}")
    page.click("#otp-form button[type=submit]")
    page.wait_for_url("**/admin/")
    page.goto("/admin/members/member/")
    assert "two-factor" not in page.url
    assert violations(page) == [], page.console_seen


def test_member_page_tabs_load_when_opened(watched, province):
    """The read-only tabs of a member's page come from the server on first opening (htmx)."""
    from grassroots.members.tests.factories import create_member

    member = create_member(province.branch_a1, name="汪涵")
    page = watched
    page.goto("/admin/login/")
    page.fill("input[name=username]", "city_a")
    page.fill("input[name=password]", province.password("city_a"))
    page.click("button[type=submit]")
    page.wait_for_url("**/admin/")
    page.goto(f"/admin/members/member/{member.pk}/change/")
    page.wait_for_load_state("networkidle")
    assert page.locator("[data-lazy-tab=auditevent]").count() == 1  # not loaded yet
    with page.expect_response(lambda r: "/tab/auditevent/" in r.url) as loaded:
        page.click("a[href='#dataset-auditevent']")
    assert loaded.value.status == 200
    page.wait_for_selector("#dataset-auditevent-group", state="visible")  # the rows came in
    assert page.locator("[data-lazy-tab=auditevent]").count() == 0
    page.click("a[href='#dataset-statuschange']")
    page.wait_for_selector("[data-lazy-tab=statuschange]", state="detached")
    assert violations(page) == [], page.console_seen
