"""E-mail delivery through Django's SMTP backend to a real SMTP server started by the test."""

from __future__ import annotations

import email
import email.header
import email.policy
import socket

import pytest
from aiosmtpd.controller import Controller
from django.test import override_settings

from grassroots.members.tests.factories import create_member
from grassroots.notices.tests.factories import make_notice

pytestmark = pytest.mark.django_db


class Inbox:
    """An aiosmtpd handler keeping every message it accepts."""

    def __init__(self) -> None:
        self.messages: list[tuple[list[str], email.message.EmailMessage]] = []

    async def handle_DATA(self, server, session, envelope):
        parsed = email.message_from_bytes(envelope.content, policy=email.policy.default)
        self.messages.append((list(envelope.rcpt_tos), parsed))
        return "250 Message accepted for delivery"


@pytest.fixture
def smtp_server():
    inbox = Inbox()
    with socket.socket() as probe:  # a free port (aiosmtpd's start-up check cannot use port 0)
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield inbox, controller.port
    finally:
        controller.stop()


def test_published_notice_arrives_by_smtp(
    province, smtp_server, django_capture_on_commit_callbacks
):
    inbox, port = smtp_server
    create_member(province.branch_a1, name="王晓红", email="wangxh@example.org")
    create_member(province.branch_a1, name="李明")  # no address: portal only
    with override_settings(
        EMAIL_BACKEND="django.core.mail.backends.smtp.EmailBackend",
        EMAIL_HOST="127.0.0.1",
        EMAIL_PORT=port,
        EMAIL_USE_TLS=False,
        DEFAULT_FROM_EMAIL="notices@grassroots.example",
        GRASSROOTS_NOTICE_EMAIL=True,
        GRASSROOTS_NOTICE_SMS_BACKEND="",
    ):
        with django_capture_on_commit_callbacks(execute=True):
            notice = make_notice(
                province.branch_a1, actor=province.users["city_a"], title="关于十月支部学习会的通知"
            )
    assert len(inbox.messages) == 1
    recipients, message = inbox.messages[0]
    assert recipients == ["wangxh@example.org"]
    assert message["To"] == "wangxh@example.org"
    # The header is folded before its encoded word; unfolding leaves the leading space.
    assert str(message["Subject"]).strip() == "【通知】关于十月支部学习会的通知"
    assert "请按时参加本月学习会。" in message.get_content()
    assert notice.recipients.get(member__name="王晓红").emailed_at is not None


def test_email_stays_off_unless_configured(
    province, smtp_server, django_capture_on_commit_callbacks
):
    inbox, port = smtp_server
    create_member(province.branch_a1, email="someone@example.org")
    with override_settings(
        EMAIL_BACKEND="django.core.mail.backends.smtp.EmailBackend",
        EMAIL_HOST="127.0.0.1",
        EMAIL_PORT=port,
        GRASSROOTS_NOTICE_EMAIL=False,
    ):
        with django_capture_on_commit_callbacks(execute=True):
            make_notice(province.branch_a1, actor=province.users["city_a"])
    assert inbox.messages == []
