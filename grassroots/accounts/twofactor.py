"""Two-factor sign-in with TOTP (django-otp): who has a device, who must have one, who is verified."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django_otp.plugins.otp_totp.models import TOTPDevice

from grassroots.accounts.models import Role

SUPERUSER = "superuser"


def confirmed_device(user: Any) -> TOTPDevice | None:
    return TOTPDevice.objects.filter(user_id=user.pk, confirmed=True).first()


def has_device(user: Any) -> bool:
    return TOTPDevice.objects.filter(user_id=user.pk, confirmed=True).exists()


def is_verified(user: Any) -> bool:
    verified = getattr(user, "is_verified", None)
    return bool(verified()) if callable(verified) else False


def required_for(user: Any) -> bool:
    """Whether the profile requires two-factor sign-in for this person's role."""
    roles = set(settings.GRASSROOTS_REQUIRE_2FA_ROLES)
    if not roles or not getattr(user, "is_staff", False):
        return False
    if user.is_superuser and SUPERUSER in roles:
        return True
    return user.role in roles and user.role != Role.MEMBER


def verify(user: Any, code: str) -> TOTPDevice | None:
    """The user's confirmed device if ``code`` is its current code (each code works once)."""
    device = confirmed_device(user)
    code = "".join((code or "").split())
    if device is None or not code.isdigit():
        return None
    return device if device.verify_token(code) else None
