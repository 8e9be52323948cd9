"""On a phone: a member signs in, reads a notice, answers one that needs a reply; the staff's
read-rate page then shows both as read."""

from __future__ import annotations

from urllib.parse import urlsplit

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse

from grassroots.conftest import ARTIFACTS
from grassroots.core.testing import build_small_province
from grassroots.notices.models import NoticeRecipient
from grassroots.notices.tests.factories import PASSWORD, make_notice, member_with_account

pytestmark = pytest.mark.django_db(transaction=True)


def _shot(page, name: str) -> None:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"notices-{name}.png"), full_page=True)


def test_member_reads_and_replies_and_staff_see_it_read(phone_page, desktop_page, live_server):
    province = build_small_province()
    member, _user = member_with_account(province.branch_a1, "notice-reader", phone="13912340001")
    member_with_account(province.branch_a1, "notice-idle", phone="13912340002")
    staff = province.users["city_a"]
    plain = make_notice(province.branch_a1, actor=staff, title="关于支部换届的通知")
    reply = make_notice(
        province.branch_a1,
        actor=staff,
        title="十月学习会出席确认",
        reply_required=True,
        reply_choices="参加、请假",
    )
    page = phone_page

    page.goto("/m/login/")
    page.fill("input[name=login]", "13912340001")
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url("**/m/")
    assert page.locator(".tabbar a:has-text('通知') .badge").inner_text() == "2"

    page.click(".tabbar a:has-text('通知')")
    page.wait_for_url("**/m/notices/")
    assert page.locator("#notice-list li.unread").count() == 2
    _shot(page, "1-list")

    page.click(f"#notice-list a:has-text('{plain.title}')")
    assert page.locator("#notice h3").inner_text() == plain.title
    assert "已读于" in page.locator("#notice").inner_text()
    _shot(page, "2-read")

    page.goto("/m/notices/")
    # The read notice now sits below the unread one.
    titles = page.locator("#notice-list h3").all_inner_texts()
    assert titles == [reply.title, plain.title]
    page.click(f"#notice-list a:has-text('{reply.title}')")
    page.check("#reply input[value='请假']")
    page.fill("#reply textarea[name=comment]", "外地出差")
    page.click("#reply button[type=submit]")
    assert "回执已提交" in page.locator(".msg.success").inner_text()
    assert "请假" in page.locator("#reply").inner_text()
    _shot(page, "3-replied")

    receipts = NoticeRecipient.objects.filter(member=member)
    assert all(r.read_at is not None for r in receipts)
    assert receipts.get(notice=reply).reply_choice == "请假"
    site = urlsplit(live_server.url).netloc
    assert [u for u in page.requests_seen if urlsplit(u).netloc not in ("", site)] == []

    # Staff of the city open the read rate of the reply notice in the console.
    client = Client()
    client.force_login(staff)
    desktop_page.context.add_cookies(
        [
            {
                "name": settings.SESSION_COOKIE_NAME,
                "value": client.cookies[settings.SESSION_COOKIE_NAME].value,
                "url": live_server.url,
            }
        ]
    )
    desktop_page.goto(reverse("admin:notices_notice_read_rate", args=[reply.pk]))
    row = desktop_page.locator("#read-rate tbody tr", has_text="长沙第一支部")
    cells = row.locator("td").all_inner_texts()
    assert cells[1:5] == ["2", "1", "1", "50.0%"]
    assert cells[-1] == "1"  # one reply
    people = desktop_page.locator("#recipients").inner_text()
    assert member.name in people and "请假" in people
    _shot(desktop_page, "4-read-rate")
