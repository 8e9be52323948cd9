"""Delivery channels beyond the portal: e-mail through Django's backend, SMS through a plug-in.

Settings:
- ``GRASSROOTS_NOTICE_EMAIL`` (bool, default False): e-mail notices to recipients who have an
  address, through ``EMAIL_BACKEND`` (SMTP in production: ``EMAIL_HOST``, ``EMAIL_PORT`` …).
- ``GRASSROOTS_NOTICE_SMS_BACKEND`` (dotted path, default the logging backend below; empty
  switches SMS off). A backend is a class with ``send_messages(messages) -> int``.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

from django.conf import settings
from django.utils.module_loading import import_string

logger = logging.getLogger("grassroots.notices.sms")

DEFAULT_SMS_BACKEND = "grassroots.notices.delivery.LoggingSmsBackend"


@dataclass(frozen=True)
class SmsMessage:
    phone: str
    text: str


class SmsBackend(Protocol):
    def send_messages(self, messages: Sequence[SmsMessage]) -> int:
        """Send the messages; answer how many were accepted."""
        ...


def mask_phone(phone: str) -> str:
    """13812345678 -> 138****5678; short numbers keep only their last two digits."""
    digits = str(phone or "")
    if len(digits) >= 8:
        return digits[:3] + "*" * (len(digits) - 7) + digits[-4:]
    return "*" * max(0, len(digits) - 2) + digits[-2:]


class LoggingSmsBackend:
    """Writes each message to the log (phone masked) instead of sending it: the default until
    an operator configures a real gateway."""

    def send_messages(self, messages: Sequence[SmsMessage]) -> int:
        for message in messages:
            logger.info("SMS to %s: %s", mask_phone(message.phone), message.text)
        return len(messages)


def sms_backend() -> SmsBackend | None:
    path = getattr(settings, "GRASSROOTS_NOTICE_SMS_BACKEND", DEFAULT_SMS_BACKEND)
    if not path:
        return None
    return import_string(path)()


def email_enabled() -> bool:
    return bool(getattr(settings, "GRASSROOTS_NOTICE_EMAIL", False))
