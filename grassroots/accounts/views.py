"""A person's own account pages in the console: two-factor sign-in, API tokens, sign-out everywhere.

Mounted by ``UserAdmin.get_urls`` under ``/admin/accounts/user/me/`` (staff only, through the
admin site's login check). Every page acts on the signed-in person; the one page that acts on
someone else's object (revoking a subordinate's token) answers 404 outside the actor's scope.
"""

from __future__ import annotations

import functools
from typing import Any

import django_otp
import segno
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.signals import user_login_failed
from django.http import HttpRequest, HttpResponseNotAllowed, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext
from django_otp.plugins.otp_totp.models import TOTPDevice

from grassroots.accounts import twofactor
from grassroots.accounts.forms import OtpCodeForm, SignOutEverywhereForm, TokenForm
from grassroots.accounts.lockout import lockout_response
from grassroots.accounts.models import ApiToken, User
from grassroots.accounts.services import (
    otp_device_confirm,
    otp_device_start,
    token_create,
    token_revoke,
    user_sign_out_everywhere,
)
from grassroots.core import audit
from grassroots.core.models import AuditEvent

SETUP_DEVICE_KEY = "grassroots_otp_setup_device"


def _next_url(request: HttpRequest, default: str) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return default


def account_links(request: HttpRequest) -> list[dict[str, Any]]:
    """The console's user menu (Unfold ACCOUNT.navigation)."""
    user = request.user
    if not user.is_authenticated:
        return []
    links = [{"title": gettext("账号安全"), "link": reverse("admin:accounts_security")}]
    if user.has_usable_password():
        links.append({"title": gettext("修改密码"), "link": reverse("admin:password_change")})
    return links


def post_only(view: Any) -> Any:
    """The views below take the admin site first, so Django's require_POST cannot wrap them."""

    @functools.wraps(view)
    def wrapped(site: Any, request: HttpRequest, *args: Any, **kwargs: Any) -> Any:
        if request.method != "POST":
            return HttpResponseNotAllowed(["POST"])
        return view(site, request, *args, **kwargs)

    return wrapped


def _page(site: Any, request: HttpRequest, template: str, title: str, **extra: Any) -> Any:
    context = {**site.each_context(request), "title": title, **extra}
    response = TemplateResponse(request, template, context)
    response["Cache-Control"] = "no-store"
    return response


# --- the security page ----------------------------------------------------------------------


def security(site: Any, request: HttpRequest, revealed_token: str = "") -> Any:
    user: Any = request.user
    tokens = ApiToken.objects.filter(user=user).order_by("-created_at")
    return _page(
        site,
        request,
        "accounts/security.html",
        gettext("账号安全"),
        has_device=twofactor.has_device(user),
        two_factor_required=twofactor.required_for(user),
        tokens=tokens,
        token_form=TokenForm(),
        sign_out_form=SignOutEverywhereForm(),
        revealed_token=revealed_token,
    )


@post_only
def token_new(site: Any, request: HttpRequest) -> Any:
    form = TokenForm(request.POST)
    if not form.is_valid():
        messages.error(
            request,
            gettext("未能创建令牌：%(errors)s")
            % {"errors": "；".join(" ".join(str(m) for m in e) for e in form.errors.values())},
        )
        return HttpResponseRedirect(reverse("admin:accounts_security"))
    _token, raw = token_create(
        user=request.user,  # type: ignore[arg-type]
        name=form.cleaned_data["name"],
        expires_at=form.expires_at(),
    )
    # Rendered, never redirected: the raw token exists only in this one response.
    return security(site, request, revealed_token=raw)


@post_only
def token_revoke_view(site: Any, request: HttpRequest, pk: int) -> Any:
    """One's own token; or, with the right to manage tokens, a token of someone in one's scope."""
    user: Any = request.user
    tokens = ApiToken.objects.filter(user=user)
    if user.has_perm("accounts.change_apitoken"):
        visible = User.objects.visible_to(user).values("pk")  # type: ignore[attr-defined]
        tokens = ApiToken.objects.filter(user__in=visible) | tokens
    token = get_object_or_404(tokens, pk=pk)
    if token.revoked_at is None:
        token_revoke(token=token)
        messages.success(request, gettext("已吊销令牌%(prefix)s…") % {"prefix": token.prefix})
    default = (
        reverse("admin:accounts_security")
        if token.user_id == user.pk
        else reverse("admin:accounts_apitoken_changelist")
    )
    return HttpResponseRedirect(_next_url(request, default))


@post_only
def sign_out_everywhere(site: Any, request: HttpRequest) -> Any:
    form = SignOutEverywhereForm(request.POST)
    revoke_tokens = form.is_valid() and form.cleaned_data["revoke_tokens"]
    user = request.user
    user_sign_out_everywhere(user=user, revoke_tokens=revoke_tokens)  # type: ignore[arg-type]
    request._grassroots_logout_reason = "sign_out_everywhere"  # type: ignore[attr-defined]
    logout(request)
    return HttpResponseRedirect(reverse("admin:login") + "?signed_out=everywhere")


# --- two-factor enrolment and verification --------------------------------------------------


def otp_setup(site: Any, request: HttpRequest) -> Any:
    user = request.user
    device = None
    device_id = request.session.get(SETUP_DEVICE_KEY)
    if device_id:
        device = TOTPDevice.objects.filter(pk=device_id, user=user, confirmed=False).first()
    if device is None or (request.method == "GET" and request.GET.get("restart")):
        device = otp_device_start(user=user)  # type: ignore[arg-type]
        request.session[SETUP_DEVICE_KEY] = device.pk
    form = OtpCodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        if otp_device_confirm(user=user, device=device, code=form.cleaned_data["otp"]):  # type: ignore[arg-type]
            request.session.pop(SETUP_DEVICE_KEY, None)
            device.refresh_from_db()
            django_otp.login(request, device)
            messages.success(request, gettext("两步验证已启用，今后登录时需输入动态验证码。"))
            return HttpResponseRedirect(_next_url(request, reverse("admin:accounts_security")))
        form.add_error("otp", gettext("动态验证码不正确，请核对手机时间后输入最新的6位数字"))
    uri = device.config_url
    return _page(
        site,
        request,
        "accounts/otp_setup.html",
        gettext("启用两步验证"),
        form=form,
        qr_svg=segno.make(uri, error="m").svg_inline(scale=5, omitsize=False),
        secret=_spaced(device.bin_key),
        required=twofactor.required_for(user),
        next=request.GET.get("next", ""),
    )


def _spaced(key: bytes) -> str:
    from base64 import b32encode

    text = b32encode(key).decode().rstrip("=")
    return " ".join(text[i : i + 4] for i in range(0, len(text), 4))


def otp_verify(site: Any, request: HttpRequest) -> Any:
    user = request.user
    default = reverse("admin:index")
    if twofactor.is_verified(user) or not twofactor.has_device(user):
        return HttpResponseRedirect(_next_url(request, default))
    form = OtpCodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        device = twofactor.verify(user, form.cleaned_data["otp"])
        if device is not None:
            django_otp.login(request, device)
            audit.record(
                AuditEvent.Action.OTHER,
                instance=user,
                object_repr=user.get_username(),
                extra={"event": "two_factor", "change": "verified"},
            )
            return HttpResponseRedirect(_next_url(request, default))
        # A wrong code counts toward the lockout like a wrong password.
        user_login_failed.send(
            sender=__name__, credentials={"username": user.get_username()}, request=request
        )
        if getattr(request, "axes_locked_out", False):
            logout(request)
            return lockout_response(request)
        form.add_error("otp", gettext("动态验证码不正确"))
    return _page(
        site,
        request,
        "accounts/otp_verify.html",
        gettext("两步验证"),
        form=form,
        next=request.GET.get("next", ""),
        site_title=site.site_title,
    )
