"""The members' notice pages: unread first, reading records a receipt, replies, 404s."""

from __future__ import annotations

import datetime

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import override_settings
from django.urls import reverse
from django.utils import timezone

from grassroots.notices import services
from grassroots.notices.models import NoticeRecipient
from grassroots.notices.tests.factories import (
    PASSWORD,
    make_group,
    make_notice,
    member_with_account,
)

pytestmark = pytest.mark.django_db

PNG = (
    b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00"
    b"\x1f\x15\xc4\x89\x00\x00\x00\rIDATx\x9cc\xf8\x0f\x00\x00\x01\x01\x00\x05\x18\xd8N\x00"
    b"\x00\x00\x00IEND\xaeB`\x82"
)


@pytest.fixture
def media(tmp_path):
    with override_settings(MEDIA_ROOT=tmp_path):
        yield tmp_path


@pytest.fixture
def reader(client, province):
    member, user = member_with_account(province.branch_a1, "reader1")
    client.force_login(user)
    return member


def test_list_shows_unread_first_with_badge(client, province, reader):
    actor = province.users["city_a"]
    older = make_notice(province.branch_a1, actor=actor, title="旧通知")
    services.notice_mark_read(notice=older, member=reader)
    make_notice(province.branch_a1, actor=actor, title="新未读通知")
    member_with_account(province.branch_b1, "zz1")
    make_notice(province.branch_b1, actor=province.users["city_b"], title="株洲的通知")
    page = client.get(reverse("portal-notices"))
    text = page.content.decode()
    assert page.status_code == 200
    assert text.index("新未读通知") < text.index("旧通知")
    assert "株洲的通知" not in text
    home = client.get("/m/").content.decode()
    assert 'class="badge">1<' in home


def test_opening_marks_read_once_and_others_get_404(client, province, reader):
    notice = make_notice(province.branch_a1, actor=province.users["city_a"])
    url = reverse("portal-notice", args=[notice.pk])
    assert client.get(url).status_code == 200
    first = NoticeRecipient.objects.get(notice=notice, member=reader).read_at
    assert first is not None
    client.get(url)
    assert NoticeRecipient.objects.get(notice=notice, member=reader).read_at == first
    _other, _other_user = member_with_account(province.branch_a2, "reader2")
    elsewhere = make_notice(province.branch_a2, actor=province.users["city_a"], title="二支部通知")
    assert client.get(reverse("portal-notice", args=[elsewhere.pk])).status_code == 404
    assert client.get(reverse("portal-notice", args=[987654])).status_code == 404
    assert not NoticeRecipient.objects.filter(notice=elsewhere, read_at__isnull=False).exists()
    draft = make_notice(province.branch_a1, actor=province.users["city_a"], publish=False)
    assert client.get(reverse("portal-notice", args=[draft.pk])).status_code == 404


def test_reply_in_the_portal(client, province, reader):
    notice = make_notice(
        province.branch_a1,
        actor=province.users["city_a"],
        reply_required=True,
        reply_choices="参加、请假",
        deadline=timezone.now() + datetime.timedelta(days=2),
    )
    url = reverse("portal-notice", args=[notice.pk])
    bad = client.post(url, {"choice": "不知道"})
    assert bad.status_code == 200 and "errorlist" in bad.content.decode()
    done = client.post(url, {"choice": "请假", "comment": "外地出差"})
    assert done.status_code == 302
    row = NoticeRecipient.objects.get(notice=notice, member=reader)
    assert (row.reply_choice, row.reply_comment) == ("请假", "外地出差")
    assert "请假" in client.get(url).content.decode()


def test_attachment_only_for_recipients(client, province, reader, media):
    notice = make_notice(province.branch_a1, actor=province.users["city_a"], attachment=b"%PDF-1")
    attachment = notice.attachments.get()
    url = reverse("portal-notice-file", args=[attachment.pk])
    got = client.get(url)
    assert got.status_code == 200
    assert b"".join(got.streaming_content) == b"%PDF-1"
    assert "attachment" in got["Content-Disposition"]
    _other, other_user = member_with_account(province.branch_a2, "reader3")
    client.force_login(other_user)
    assert client.get(url).status_code == 404
    assert client.get(reverse("portal-notice-file", args=[987654])).status_code == 404


def test_groups_of_my_unit_and_above_only(client, province, reader, media):
    mine = make_group(
        province.branch_a1,
        name="长沙一支部QQ群",
        number="88886666",
        qr_image=SimpleUploadedFile("qr.png", PNG, "image/png"),
    )
    make_group(province.city_a, name="长沙市委会微信群", platform="wechat", number="")
    theirs = make_group(
        province.branch_b1,
        name="株洲一支部群",
        qr_image=SimpleUploadedFile("qr.png", PNG, "image/png"),
    )
    text = client.get(reverse("portal-groups")).content.decode()
    assert "长沙一支部QQ群" in text and "88886666" in text and "长沙市委会微信群" in text
    assert "株洲一支部群" not in text
    assert client.get(reverse("portal-group-qr", args=[mine.pk])).status_code == 200
    assert client.get(reverse("portal-group-qr", args=[theirs.pk])).status_code == 404


def test_staff_without_member_record_gets_404(client, province):
    client.force_login(province.users["city_a"])
    assert client.get(reverse("portal-notices")).status_code == 404


def test_anonymous_is_sent_to_sign_in(client, province):
    response = client.get(reverse("portal-notices"))
    assert response.status_code == 302 and response["Location"].startswith("/m/login/")
    assert PASSWORD  # the factories' password signs in through /m/login/ (browser test)


def test_withdrawn_notice_disappears_with_its_files(client, province, reader, media):
    notice = make_notice(province.branch_a1, actor=province.users["city_a"], attachment=b"%PDF-2")
    attachment = notice.attachments.get()
    services.notice_withdraw(notice=notice, actor=province.users["city_a"])
    assert notice.title not in client.get(reverse("portal-notices")).content.decode()
    assert client.get(reverse("portal-notice", args=[notice.pk])).status_code == 404
    assert client.get(reverse("portal-notice-file", args=[attachment.pk])).status_code == 404
