"""A member's journey on a phone (WeChat's browser): sign in, read a notice, sign up for an
activity, check in by its QR link, submit an information piece."""

from __future__ import annotations

import datetime
from urllib.parse import urlsplit

import pytest
from django.utils import timezone

from grassroots.branches import signups
from grassroots.branches.models import ActivitySignup, Attendance
from grassroots.branches.tests.factories import make_activity
from grassroots.conftest import ARTIFACTS
from grassroots.core.testing import build_small_province
from grassroots.notices.models import NoticeRecipient
from grassroots.notices.tests.factories import make_notice
from grassroots.platforms.models import InformationPiece
from grassroots.portal.tests.factories import PASSWORD, member_with_account

pytestmark = pytest.mark.django_db(transaction=True)


def _shot(page, name: str) -> None:
    """Each step's screen, kept beside the fixture's final screenshot as a test artifact."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"portal-journey-{name}.png"), full_page=True)


def test_member_signs_in_reads_signs_up_checks_in_and_submits(phone_page, live_server):
    province = build_small_province()
    member, _user = member_with_account(
        province.branch_a1, "phone-member", phone="13912345678", must_change_password=True
    )
    # Starts in half an hour: sign-up is still open and check-in already is (from 1 h before).
    activity = make_activity(province.city_a, timezone.localdate(), topic="主题教育学习会")
    activity.starts_at = timezone.now() + datetime.timedelta(minutes=30)
    activity.save()
    opening = signups.opening_set(activity=activity, actor=province.users["city_a"])
    notice = make_notice(province.branch_a1, actor=province.users["city_a"], title="学习会通知")
    page = phone_page

    page.goto("/m/")
    page.fill("input[name=login]", "13912345678")
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    # First sign-in: a new password before anything else.
    page.wait_for_url("**/m/password/**")
    page.fill("input[name=old_password]", PASSWORD)
    page.fill("input[name=new_password1]", "Xiangjiang-2026-river")
    page.fill("input[name=new_password2]", "Xiangjiang-2026-river")
    page.click("button:has-text('保存新密码')")
    page.wait_for_url("**/m/")
    assert page.locator("#member-tiles").is_visible()
    _shot(page, "1-home")

    page.click(".tabbar a:has-text('通知')")
    page.click(f"#notice-list a:has-text('{notice.title}')")
    assert page.locator("#notice h3").inner_text() == notice.title
    assert NoticeRecipient.objects.get(notice=notice, member=member).read_at is not None
    _shot(page, "2-notice")

    page.click(".tabbar a:has-text('活动报名')")
    page.click(f"#open-activities a:has-text('{activity.topic}')")
    page.click("#signup-button")
    assert page.locator(".msg.success").inner_text() == "报名成功。"
    _shot(page, "3-signed-up")
    assert ActivitySignup.objects.get(activity=activity, member=member).status == "signed_up"

    # Scanning the QR code opens its link in the same browser.
    page.goto(f"/m/check-in/{opening.checkin_token}/")
    assert "签到成功" in page.locator("#check-in-result").inner_text()
    _shot(page, "4-checked-in")
    page.reload()
    assert "无需重复签到" in page.locator("#check-in-result").inner_text()
    assert Attendance.objects.filter(activity=activity, member=member).count() == 1

    page.goto("/m/submissions/")
    page.click("#new-information")
    page.fill("input[name=title]", "社区老年食堂运营情况")
    page.fill("textarea[name=body]", "近期走访三个社区，老年食堂普遍存在……")
    page.click("#submit-form button[type=submit]")
    page.wait_for_url("**/m/submissions/information/**")
    assert page.locator("#submission-status").inner_text() == "已报送"
    piece = InformationPiece.objects.get(title="社区老年食堂运营情况")
    assert piece.authors.get().member == member

    site = urlsplit(live_server.url).netloc
    outside = [u for u in page.requests_seen if urlsplit(u).netloc not in ("", site)]
    assert outside == []
    # The phone layout fits: no horizontal scrolling at 390 px.
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
