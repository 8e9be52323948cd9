"""The notices console: compose and publish through services, read rates per unit with drill
down, reminders, exports audited with filter and row count, tags in bulk, groups. City-A staff
never see or reach city B."""

from __future__ import annotations

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import override_settings
from django.urls import reverse
from python_calamine import CalamineWorkbook

from grassroots.core.models import AuditEvent
from grassroots.members.tests.factories import create_member
from grassroots.notices import services
from grassroots.notices.models import MemberTag, Notice, NoticeRecipient
from grassroots.notices.tests.factories import make_group, make_notice

pytestmark = pytest.mark.django_db
MISSING = 987654321


@pytest.fixture
def city_a(client, province):
    client.force_login(province.users["city_a"])
    return client


def sheet(response) -> list[list]:
    return (
        CalamineWorkbook.from_filelike(io.BytesIO(response.content))
        .get_sheet_by_index(0)
        .to_python()
    )


def test_compose_in_console_creates_a_draft_through_the_service(city_a, province, tmp_path):
    create_member(province.branch_a1)
    url = reverse("admin:notices_notice_add")
    assert city_a.get(url).status_code == 200
    with override_settings(MEDIA_ROOT=tmp_path):
        response = city_a.post(
            url,
            {
                "unit": province.city_a.pk,
                "title": "关于召开年度会议的通知",
                "body": "定于下周召开。",
                "target_units": [province.branch_a1.pk],
                "target_roles": [],
                "reply_required": "on",
                "reply_choices": "参加、请假",
                "new_attachments": [SimpleUploadedFile("议程.pdf", b"%PDF", "application/pdf")],
                "attachments-TOTAL_FORMS": "0",
                "attachments-INITIAL_FORMS": "0",
            },
        )
    assert response.status_code == 302, response.content.decode()[:3000]
    notice = Notice.objects.get(title="关于召开年度会议的通知")
    assert notice.state == Notice.State.DRAFT and notice.created_by == "city_a"
    assert list(notice.target_units.all()) == [province.branch_a1]
    assert notice.attachments.get().name == "议程.pdf"


def test_compose_refuses_sibling_target_with_message_on_field(city_a, province):
    response = city_a.post(
        reverse("admin:notices_notice_add"),
        {
            "unit": province.city_a.pk,
            "title": "t",
            "body": "b",
            "target_units": [province.branch_b1.pk],
            "attachments-TOTAL_FORMS": "0",
            "attachments-INITIAL_FORMS": "0",
        },
    )
    assert response.status_code == 200
    assert not Notice.objects.exists()


def test_publish_and_remind_actions(city_a, province):
    create_member(province.branch_a1)
    notice = make_notice(province.branch_a1, actor=province.users["city_a"], publish=False)
    url = reverse("admin:notices_notice_publish", args=[notice.pk])
    assert "1名" in city_a.get(url).content.decode()
    assert city_a.post(url).status_code == 302
    notice.refresh_from_db()
    assert notice.state == Notice.State.PUBLISHED and notice.recipient_count == 1
    again = city_a.post(url)
    assert again.status_code == 200 and "已发布" in again.content.decode()
    remind = reverse("admin:notices_notice_remind", args=[notice.pk])
    assert city_a.post(remind).status_code == 302
    assert city_a.post(remind).status_code == 302
    assert NoticeRecipient.objects.get(notice=notice).remind_count == 1


def test_sibling_notices_answer_404_in_every_action(city_a, province):
    create_member(province.branch_b1)
    theirs = make_notice(province.branch_b1, actor=province.users["city_b"])
    changelist = city_a.get(reverse("admin:notices_notice_changelist")).content.decode()
    assert theirs.title not in changelist
    for name in ("publish", "remind", "withdraw", "read_rate", "change"):
        for pk in (theirs.pk, MISSING):
            url = reverse(f"admin:notices_notice_{name}", args=[pk])
            assert city_a.get(url).status_code == 404, name
            assert city_a.post(url).status_code == 404, name
    assert NoticeRecipient.objects.get(notice=theirs).remind_count == 0


def test_read_rate_per_unit_with_drill_down(city_a, province):
    a1 = [create_member(province.branch_a1) for _ in range(3)]
    a2 = [create_member(province.branch_a2) for _ in range(2)]
    create_member(province.city_a)  # a member of the city itself ("本级")
    notice = make_notice(
        province.city_a,
        actor=province.users["province"],
        reply_required=True,
        reply_choices="参加、请假",
    )
    services.notice_mark_read(notice=notice, member=a1[0])
    services.notice_reply(notice=notice, member=a1[1], choice="参加")
    services.notice_mark_read(notice=notice, member=a2[0])
    url = reverse("admin:notices_notice_read_rate", args=[notice.pk])
    page = city_a.get(url)
    text = page.content.decode()
    assert page.status_code == 200
    assert "长沙第一支部" in text and "66.7%" in text and "50.0%" in text
    report = page.context["report"]
    by_unit = {r.unit.name: (r.total, r.read, r.replied) for r in report.rows}
    assert by_unit["长沙第一支部"] == (3, 2, 1)
    assert by_unit["长沙第二支部"] == (2, 1, 0)
    assert by_unit["长沙市委会"] == (1, 0, 0)
    assert (report.total.total, report.total.read) == (6, 3)
    drill = city_a.get(url, {"unit": province.branch_a1.pk})
    names = {r.member.name for r in drill.context["people"]}
    assert names == {m.name for m in a1}
    for unit in (province.branch_b1, province.city_b):
        assert city_a.get(url, {"unit": unit.pk}).status_code == 404
    assert city_a.get(url, {"unit": MISSING}).status_code == 404


def test_replies_export_is_audited_and_scoped(city_a, province):
    m = create_member(province.branch_a1, name="张回执")
    create_member(province.branch_a2, name="李未读")
    notice = make_notice(
        province.city_a,
        actor=province.users["city_a"],
        reply_required=True,
        reply_choices="参加、请假",
    )
    services.notice_reply(notice=notice, member=m, choice="请假", comment="出差")
    url = reverse("admin:notices_notice_read_rate", args=[notice.pk])
    response = city_a.get(url, {"unit": province.branch_a1.pk, "export": "xlsx"})
    rows = sheet(response)
    assert rows[0][:2] == ["组织", "姓名"]
    assert [r[1] for r in rows[1:]] == ["张回执"] and rows[1][4] == "请假"
    event = AuditEvent.objects.get(operation="notice_replies_export")
    assert event.extra["rows"] == 1
    assert event.extra["filters"]["unit"] == province.branch_a1.code
    assert city_a.get(url, {"unit": province.branch_b1.pk, "export": "xlsx"}).status_code == 404


def test_tag_bulk_actions(city_a, province):
    m1 = create_member(province.branch_a1, phone="13700000001")
    create_member(province.branch_a2)
    tag = MemberTag.objects.create(unit=province.city_a, name="青年会员")
    lines = reverse("admin:notices_membertag_add_by_lines", args=[tag.pk])
    bad = city_a.post(lines, {"lines": "13700000001\nno-such"})
    assert bad.status_code == 200 and "第2行" in bad.content.decode()
    assert city_a.post(lines, {"lines": "13700000001"}).status_code == 302
    assert list(tag.members.all()) == [m1]
    by_unit = reverse("admin:notices_membertag_add_unit", args=[tag.pk])
    assert city_a.post(by_unit, {"unit": province.branch_a2.pk}).status_code == 302
    assert tag.members.count() == 2
    assert city_a.post(by_unit, {"unit": province.branch_b1.pk}).status_code == 200
    other = MemberTag.objects.create(unit=province.city_b, name="株洲标签")
    for name in ("add_by_lines", "add_unit"):
        url = reverse(f"admin:notices_membertag_{name}", args=[other.pk])
        assert city_a.get(url).status_code == 404


def test_contacts_export_xlsx_and_vcard_scoped_and_audited(city_a, province):
    create_member(province.branch_a1, name="欧阳晓", phone="13811112222")
    create_member(province.branch_a2, name="无电话")
    create_member(province.branch_b1, name="株洲人", phone="13833334444")
    url = reverse("admin:notices_unitgroup_contacts")
    form = city_a.get(url)
    assert form.status_code == 200
    assert "株洲" not in form.content.decode()
    xlsx = city_a.get(url, {"unit": province.city_a.pk, "fmt": "xlsx"})
    rows = sheet(xlsx)
    assert rows == [["姓名", "手机号码", "组织"], ["欧阳晓", "13811112222", "长沙第一支部"]]
    vcf = city_a.get(url, {"unit": province.city_a.pk, "fmt": "vcf"})
    assert vcf["Content-Type"].startswith("text/vcard")
    text = vcf.content.decode("utf-8")
    assert text == (
        "BEGIN:VCARD\r\nVERSION:3.0\r\nN:欧阳晓;;;;\r\nFN:欧阳晓\r\n"
        "TEL;TYPE=CELL:13811112222\r\nORG:长沙第一支部\r\nEND:VCARD\r\n"
    )
    events = AuditEvent.objects.filter(operation="contacts_export").order_by("id")
    assert [(e.extra["format"], e.extra["rows"], e.extra["filters"]["unit"]) for e in events] == [
        ("xlsx", 1, "4301"),
        ("vcf", 1, "4301"),
    ]
    for unit_id in (province.city_b.pk, province.branch_b1.pk, MISSING):
        assert city_a.get(url, {"unit": unit_id, "fmt": "vcf"}).status_code == 404
    assert AuditEvent.objects.filter(operation="contacts_export").count() == 2


def test_group_console_refuses_bad_qq_number(city_a, province):
    response = city_a.post(
        reverse("admin:notices_unitgroup_add"),
        {
            "unit": province.branch_a1.pk,
            "platform": "qq",
            "name": "群",
            "number": "abc",
            "order": 0,
        },
    )
    assert response.status_code == 200 and "QQ群号应为数字" in response.content.decode()
    make_group(province.branch_b1, name="株洲群")
    listed = city_a.get(reverse("admin:notices_unitgroup_changelist")).content.decode()
    assert "株洲群" not in listed


def test_vcard_folds_long_lines_on_character_boundaries():
    from grassroots.notices.exports import vcard

    card = vcard("张三", "13800000000", "很长的组织名称" * 6)
    for line in card.split("\r\n"):
        assert len(line.encode("utf-8")) <= 75
    unfolded = card.replace("\r\n ", "")
    assert "ORG:" + "很长的组织名称" * 6 in unfolded
    assert vcard("a;b", "1", "x,y").count("a\\;b") == 2


def test_published_notice_is_read_only_and_draft_edits_go_through_the_service(city_a, province):
    create_member(province.branch_a1)
    draft = make_notice(province.branch_a1, actor=province.users["city_a"], publish=False)
    url = reverse("admin:notices_notice_change", args=[draft.pk])
    assert city_a.get(url).status_code == 200
    edited = city_a.post(
        url,
        {
            "title": "改过的标题",
            "body": "新正文",
            "target_units": [province.branch_a1.pk],
            "attachments-TOTAL_FORMS": "0",
            "attachments-INITIAL_FORMS": "0",
        },
    )
    assert edited.status_code == 302
    draft.refresh_from_db()
    assert (draft.title, draft.body) == ("改过的标题", "新正文")
    services.notice_publish(notice=draft, actor=province.users["city_a"])
    page = city_a.get(url)
    assert page.status_code == 200 and "改过的标题" in page.content.decode()
    city_a.post(
        url,
        {"title": "发布后改", "attachments-TOTAL_FORMS": "0", "attachments-INITIAL_FORMS": "0"},
    )
    draft.refresh_from_db()
    assert draft.title == "改过的标题"
    assert city_a.post(reverse("admin:notices_notice_delete", args=[draft.pk]), {"post": "yes"})
    assert Notice.objects.filter(pk=draft.pk).exists()


def test_leader_reads_but_cannot_publish(client, province):
    create_member(province.branch_a1)
    notice = make_notice(province.branch_a1, actor=province.users["city_a"], publish=False)
    client.force_login(province.users["leader"])
    assert client.get(reverse("admin:notices_notice_change", args=[notice.pk])).status_code == 200
    client.post(reverse("admin:notices_notice_publish", args=[notice.pk]))
    notice.refresh_from_db()
    assert notice.state == Notice.State.DRAFT
