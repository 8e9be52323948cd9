"""Account guard: idle sign-out, forced password change, and two-factor sign-in for staff.

Runs after authentication and django-otp's middleware, on every request of a signed-in person:

1. idle for longer than ``GRASSROOTS_SESSION_IDLE_MINUTES`` → signed out (audited), sent to sign in;
2. under ``/admin/``: a staff member with a TOTP device who has not entered a code yet → the
   verification page; one whose role requires two-factor and has no device → the enrolment page;
3. a password that must be changed (set by someone else, or older than
   ``GRASSROOTS_PASSWORD_MAX_AGE_DAYS``) → the password page of the console or of the portal.
"""

from __future__ import annotations

import functools
import time
from typing import Any
from urllib.parse import urlencode

from django.conf import settings
from django.contrib.auth import logout
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect, JsonResponse
from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext

from grassroots.accounts import twofactor

LAST_SEEN_KEY = "grassroots_last_seen"
# The session is written at most this often just to move the idle clock (not on every request).
TOUCH_EVERY_SECONDS = 60


def _reverse(name: str) -> str | None:
    try:
        return reverse(name)
    except NoReverseMatch:
        return None


def _redirect(url: str, request: HttpRequest) -> HttpResponse:
    return HttpResponseRedirect(f"{url}?{urlencode({'next': request.get_full_path()})}")


def password_change_required(user: Any) -> bool:
    return bool(
        user.must_change_password
        or user.password_expired(settings.GRASSROOTS_PASSWORD_MAX_AGE_DAYS)
    )


class AccountGuardMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = getattr(request, "user", None)
        if user is None or not user.is_authenticated:
            return self.get_response(request)
        expired = self._idle_expired(request)
        if expired is not None:
            return expired
        path = request.path_info
        if path.startswith("/admin/"):
            answer = self._console(request, user)
        elif path.startswith("/m/"):
            answer = self._portal(request, user)
        elif path.startswith("/api/") and request.session.session_key:
            answer = self._api_session(request, user)
        else:
            answer = None
        return answer or self.get_response(request)

    # --- idle timeout -----------------------------------------------------------------------

    def _idle_expired(self, request: HttpRequest) -> HttpResponse | None:
        now = int(time.time())
        last_seen = request.session.get(LAST_SEEN_KEY)
        limit = settings.GRASSROOTS_SESSION_IDLE_MINUTES * 60
        if last_seen is not None and limit > 0 and now - int(last_seen) > limit:
            from grassroots.accounts.signals import EVENT_SESSION_EXPIRED

            request._grassroots_logout_reason = EVENT_SESSION_EXPIRED  # type: ignore[attr-defined]
            logout(request)
            message = gettext(
                "您已超过%(minutes)d分钟未操作，为保护数据已自动退出，请重新登录。"
            ) % {"minutes": settings.GRASSROOTS_SESSION_IDLE_MINUTES}
            if request.path_info.startswith("/api/"):
                return JsonResponse({"detail": message + " / Session expired"}, status=401)
            login = (
                _reverse("portal-login") if request.path_info.startswith("/m/") else None
            ) or settings.LOGIN_URL
            query = urlencode({"next": request.get_full_path(), "idle": "1"})
            # The sign-in page says why (the "idle" flag); the message itself is for the API.
            return HttpResponseRedirect(f"{login}?{query}")
        if last_seen is None or now - int(last_seen) >= TOUCH_EVERY_SECONDS:
            request.session[LAST_SEEN_KEY] = now
        return None

    # --- console ----------------------------------------------------------------------------

    def _console(self, request: HttpRequest, user: Any) -> HttpResponse | None:
        path = request.path_info
        if any(path.startswith(p) for p in self._console_open_paths()):
            return None
        if user.is_staff and not twofactor.is_verified(user):
            if twofactor.has_device(user):
                return _redirect(reverse("admin:accounts_otp_verify"), request)
            if twofactor.required_for(user):
                return _redirect(reverse("admin:accounts_otp_setup"), request)
        if password_change_required(user):
            return _redirect(reverse("admin:password_change"), request)
        return None

    @staticmethod
    @functools.cache
    def _console_open_paths() -> tuple[str, ...]:
        return (
            reverse("admin:logout"),
            reverse("admin:login"),
            reverse("admin:jsi18n"),
            reverse("admin:password_change"),
            reverse("admin:password_change_done"),
            reverse("admin:accounts_otp_verify"),
            reverse("admin:accounts_otp_setup"),
        )

    # --- portal and API ---------------------------------------------------------------------

    def _portal(self, request: HttpRequest, user: Any) -> HttpResponse | None:
        target = _reverse("portal-password")
        if target is None or not password_change_required(user):
            return None
        open_paths = [target, _reverse("portal-login"), _reverse("portal-logout")]
        if any(p and request.path_info.startswith(p) for p in open_paths):
            return None
        return _redirect(target, request)

    def _api_session(self, request: HttpRequest, user: Any) -> HttpResponse | None:
        # A console session used against the API obeys the console's rules.
        if user.is_staff and twofactor.has_device(user) and not twofactor.is_verified(user):
            detail = gettext("请先在控制台输入动态验证码完成两步验证")
            return JsonResponse({"detail": detail + " / Two-factor sign-in required"}, status=401)
        return None
