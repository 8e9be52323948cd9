"""Notice services: targeting, publishing in bulk, reading once, replying, reminding."""

from __future__ import annotations

import datetime
import logging

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import override_settings
from django.utils import timezone

from grassroots.accounts.models import Role
from grassroots.core.models import AuditEvent
from grassroots.members.models import MemberStatus
from grassroots.members.services import member_set_status
from grassroots.members.tests.factories import create_member
from grassroots.notices import services
from grassroots.notices.models import MemberTag, Notice, NoticeRecipient, NoticeReminder
from grassroots.notices.tests.factories import make_notice, member_with_account

pytestmark = pytest.mark.django_db


def test_publish_resolves_unit_subtree_into_one_row_per_active_member(province):
    a1 = create_member(province.branch_a1)
    a2 = create_member(province.branch_a2)
    create_member(province.branch_b1)
    gone = create_member(province.branch_a1)
    member_set_status(
        member=gone, status=MemberStatus.RESIGNED, date=datetime.date(2026, 1, 1), reason="退会"
    )
    notice = make_notice(province.city_a, actor=province.users["city_a"])
    rows = NoticeRecipient.objects.filter(notice=notice)
    assert set(rows.values_list("member_id", flat=True)) == {a1.pk, a2.pk}
    assert notice.recipient_count == 2 and notice.state == Notice.State.PUBLISHED
    assert {r.unit_id for r in rows} == {province.branch_a1.pk, province.branch_a2.pk}
    assert AuditEvent.objects.filter(operation="notice_publish", object_id=str(notice.pk)).exists()


def test_publishing_twice_is_refused_and_adds_no_rows(province):
    create_member(province.branch_a1)
    notice = make_notice(province.city_a, actor=province.users["city_a"])
    with pytest.raises(ValidationError):
        services.notice_publish(notice=notice, actor=province.users["city_a"])
    assert NoticeRecipient.objects.filter(notice=notice).count() == 1


def test_targets_by_role_and_tag_stay_inside_the_notice_unit(province):
    officer, _u = member_with_account(province.branch_a1, "officer1", role=Role.BRANCH_OFFICER)
    member_with_account(province.branch_b1, "officer2", role=Role.BRANCH_OFFICER)
    tagged = create_member(province.branch_a2)
    plain = create_member(province.branch_a2)
    tag = services.tag_create(unit=province.city_a, name="青年会员", actor=province.users["city_a"])
    services.tag_add_members(tag=tag, members=[tagged], actor=province.users["city_a"])
    notice = make_notice(
        province.city_a,
        actor=province.users["city_a"],
        targets=[],
        target_roles=[Role.BRANCH_OFFICER],
        target_tags=[tag],
    )
    ids = set(NoticeRecipient.objects.filter(notice=notice).values_list("member_id", flat=True))
    assert ids == {officer.pk, tagged.pk}
    assert plain.pk not in ids


def test_compose_refuses_targets_outside_and_says_where(province):
    city_a = province.users["city_a"]
    with pytest.raises(ValidationError) as caught:
        services.notice_create(
            unit=province.city_a,
            title="越权",
            body="x",
            actor=city_a,
            target_units=[province.branch_b1],
        )
    assert "株洲第一支部" in str(caught.value.message_dict["target_units"])
    with pytest.raises(ValidationError) as caught:
        services.notice_create(unit=province.city_b, title="t", body="b", actor=city_a)
    assert "unit" in caught.value.message_dict
    with pytest.raises(ValidationError) as caught:
        services.notice_create(
            unit=province.city_a,
            title="t",
            body="b",
            actor=city_a,
            target_units=[province.city_a],
            reply_required=True,
            reply_choices="参加",
        )
    assert "reply_choices" in caught.value.message_dict
    assert not Notice.objects.exists()


def test_nobody_addressed_publishes_nothing(province):
    notice = make_notice(province.branch_a2, actor=province.users["city_a"], publish=False)
    with pytest.raises(ValidationError):
        services.notice_publish(notice=notice, actor=province.users["city_a"])
    notice.refresh_from_db()
    assert notice.state == Notice.State.DRAFT and not notice.recipients.exists()


def test_mark_read_records_the_first_time_only(province):
    member = create_member(province.branch_a1)
    notice = make_notice(province.branch_a1, actor=province.users["city_a"])
    first = services.notice_mark_read(notice=notice, member=member)
    assert first.read_at is not None
    again = services.notice_mark_read(notice=notice, member=member)
    assert again.read_at == first.read_at
    stranger = create_member(province.branch_a2)
    with pytest.raises(PermissionDenied):
        services.notice_mark_read(notice=notice, member=stranger)


def test_reply_checks_choice_and_deadline_and_marks_read(province):
    member = create_member(province.branch_a1)
    notice = make_notice(
        province.branch_a1,
        actor=province.users["city_a"],
        reply_required=True,
        reply_choices="参加、请假",
        deadline=timezone.now() + datetime.timedelta(days=1),
    )
    with pytest.raises(ValidationError) as caught:
        services.notice_reply(notice=notice, member=member, choice="也许")
    assert "参加、请假" in str(caught.value)
    receipt = services.notice_reply(notice=notice, member=member, choice="请假", comment="出差")
    assert receipt.reply_choice == "请假" and receipt.reply_comment == "出差"
    assert receipt.read_at is not None and receipt.replied_at is not None
    Notice.objects.filter(pk=notice.pk).update(
        deadline=timezone.now() - datetime.timedelta(hours=1)
    )
    notice.refresh_from_db()
    with pytest.raises(ValidationError, match="回执已截止"):
        services.notice_reply(notice=notice, member=member, choice="参加")


def test_remind_claims_unread_once_and_sends_through_channels(
    province, caplog, django_capture_on_commit_callbacks
):
    reader = create_member(province.branch_a1, email="reader@example.org")
    idle = create_member(province.branch_a1, email="idle@example.org", phone="13812345678")
    with override_settings(GRASSROOTS_NOTICE_EMAIL=True):
        with django_capture_on_commit_callbacks(execute=True):
            notice = make_notice(province.branch_a1, actor=province.users["city_a"])
        assert sorted(m.to[0] for m in mail.outbox) == ["idle@example.org", "reader@example.org"]
        services.notice_mark_read(notice=notice, member=reader)
        mail.outbox.clear()
        caplog.clear()
        with caplog.at_level(logging.INFO, logger="grassroots.notices.sms"):
            with django_capture_on_commit_callbacks(execute=True):
                reminder = services.notice_remind(notice=notice, actor=province.users["city_a"])
        assert reminder is not None and reminder.recipient_count == 1
        assert [m.to for m in mail.outbox] == [["idle@example.org"]]
        assert mail.outbox[0].subject == "【提醒】关于参加学习会的通知"
        assert "138****5678" in caplog.text and "13812345678" not in caplog.text
        # Twice in a row: nobody is claimed, nothing is sent, no empty round is kept.
        mail.outbox.clear()
        with django_capture_on_commit_callbacks(execute=True):
            assert services.notice_remind(notice=notice, actor=province.users["city_a"]) is None
        assert mail.outbox == []
    assert NoticeReminder.objects.filter(notice=notice).count() == 1
    row = NoticeRecipient.objects.get(notice=notice, member=idle)
    assert row.remind_count == 1 and row.reminded_at is not None
    # The same delivery task run again for the round sends nothing.
    assert services.notice_deliver(notice_id=notice.pk, reminder_id=reminder.pk) == {
        "email": 0,
        "sms": 0,
    }
    # After the interval a new round claims the still-unread member again.
    later = timezone.now() + services.REMIND_INTERVAL + datetime.timedelta(minutes=1)
    again = services.notice_remind(notice=notice, actor=province.users["city_a"], now=later)
    assert again is not None and again.recipient_count == 1


def test_first_delivery_does_not_resend_when_run_again(province):
    create_member(province.branch_a1, email="one@example.org")
    notice = make_notice(province.branch_a1, actor=province.users["city_a"])
    with override_settings(GRASSROOTS_NOTICE_EMAIL=True, GRASSROOTS_NOTICE_SMS_BACKEND=""):
        assert services.notice_deliver(notice_id=notice.pk)["email"] == 1
        assert services.notice_deliver(notice_id=notice.pk)["email"] == 0
    assert len(mail.outbox) == 1


def test_leader_cannot_compose(province):
    with pytest.raises(PermissionDenied):
        make_notice(province.city_a, actor=province.users["leader"])


def test_tag_by_lines_names_the_line_of_an_unknown_value(province):
    m = create_member(province.branch_a1, phone="13900001111")
    outsider = create_member(province.branch_b1, phone="13900002222")
    tag = MemberTag.objects.create(unit=province.city_a, name="骨干")
    actor = province.users["city_a"]
    with pytest.raises(ValidationError) as caught:
        services.tag_add_by_lines(tag=tag, text=f"13900001111\n{outsider.phone}", actor=actor)
    assert "第2行" in str(caught.value)
    assert not tag.taggings.exists()
    assert services.tag_add_by_lines(tag=tag, text="13900001111", actor=actor) == 1
    assert services.tag_add_by_lines(tag=tag, text="13900001111", actor=actor) == 0
    assert list(tag.members.all()) == [m]
    assert services.tag_add_unit(tag=tag, unit=province.branch_a1, actor=actor) == 0
    with pytest.raises(ValidationError):
        services.tag_add_unit(tag=tag, unit=province.branch_b1, actor=actor)


class RecordingSms:
    """A stand-in gateway named by dotted path, as an operator would configure a real one."""

    sent: list = []

    def send_messages(self, messages):
        RecordingSms.sent.extend(messages)
        return len(messages)


def test_sms_backend_is_pluggable_by_dotted_path(province, django_capture_on_commit_callbacks):
    RecordingSms.sent = []
    create_member(province.branch_a1, phone="13700001234")
    create_member(province.branch_a1, phone="")
    path = "grassroots.notices.tests.test_services.RecordingSms"
    with override_settings(GRASSROOTS_NOTICE_SMS_BACKEND=path, GRASSROOTS_NOTICE_EMAIL=False):
        with django_capture_on_commit_callbacks(execute=True):
            notice = make_notice(province.branch_a1, actor=province.users["city_a"])
    assert [m.phone for m in RecordingSms.sent] == ["13700001234"]
    assert notice.title in RecordingSms.sent[0].text
    texted = NoticeRecipient.objects.filter(notice=notice, texted_at__isnull=False)
    assert list(texted.values_list("member__phone", flat=True)) == ["13700001234"]
