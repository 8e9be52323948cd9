"""Lockout after repeated sign-in failures: per account and, with a higher limit, per address."""

from __future__ import annotations

from typing import Any

from axes.handlers.database import AxesDatabaseHandler
from axes.helpers import get_client_username
from axes.models import AccessAttempt
from django.conf import settings
from django.db.models import Sum
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.utils.translation import gettext

from grassroots.core.logging import redact


def lockout_message() -> str:
    return gettext(
        "登录失败次数过多，该账号或当前网络地址已被暂时锁定，请%(minutes)d分钟后再试；"
        "如需立即解锁，请联系上级管理员。"
    ) % {"minutes": settings.GRASSROOTS_LOCKOUT_MINUTES}


class LockoutHandler(AxesDatabaseHandler):
    """Axes counts one number against one limit; here each parameter has its own limit.

    ``AXES_LOCKOUT_PARAMETERS`` is ``["username", "ip_address"]``: the account locks after
    ``GRASSROOTS_LOCKOUT_FAILURES_PER_ACCOUNT`` failures, the address after
    ``GRASSROOTS_LOCKOUT_FAILURES_PER_IP`` (within the cool-off window either way).
    """

    def get_failures(self, request: Any, credentials: dict | None = None) -> int:
        per_account, per_ip = (
            attempts.aggregate(n=Sum("failures_since_start"))["n"] or 0
            for attempts in self.get_user_attempts(request, credentials)
        )
        if per_ip >= settings.GRASSROOTS_LOCKOUT_FAILURES_PER_IP:
            return max(per_account, settings.GRASSROOTS_LOCKOUT_FAILURES_PER_ACCOUNT)
        return per_account

    def reset_user_attempts(self, request: Any, credentials: dict | None = None) -> int:
        # A successful sign-in clears that account's failures only: one valid account must not
        # reset the counter of an address that is guessing other people's passwords.
        username = get_client_username(request, credentials)
        count, _ = AccessAttempt.objects.filter(username=username).delete()
        return count


def attempt_username(request: HttpRequest, credentials: dict | None = None) -> str:
    """The name failures are counted under; an ID number typed as a name is stored masked."""
    if credentials and credentials.get("username"):
        name = str(credentials["username"])
    else:
        name = str(request.POST.get("username", "")) if request is not None else ""
    return redact(name)


def lockout_response(
    request: HttpRequest, original_response: HttpResponse | None = None, credentials: Any = None
) -> HttpResponse:
    """429 with a Chinese message: JSON for the API, a page for the console and the portal."""
    message = lockout_message()
    retry_after = str(settings.GRASSROOTS_LOCKOUT_MINUTES * 60)
    if request.path_info.startswith("/api/"):
        response: HttpResponse = JsonResponse(
            {"detail": message + " / Too many failed sign-ins; try again later"}, status=429
        )
    else:
        response = render(
            request,
            "accounts/locked_out.html",
            {"message": message, "login_url": request.path},
            status=429,
        )
    response["Retry-After"] = retry_after
    return response


def account_unlock(*, username: str) -> int:
    """Clears the failures recorded against an account (the address counters stay)."""
    count, _ = AccessAttempt.objects.filter(username=redact(username)).delete()
    return count
