"""Sign-in with a phone number or username, sign-out, and the (first-time) password change."""

from __future__ import annotations

from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth import login, logout, update_session_auth_hash
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_protect
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_POST

from grassroots.accounts.services import user_password_change
from grassroots.core.portal import portal_branch, portal_member
from grassroots.portal.forms import LoginForm, PortalPasswordChangeForm


def _next_url(request: HttpRequest) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return reverse("portal-home")


@sensitive_post_parameters("password")
@csrf_protect
@never_cache
def login_view(request: HttpRequest) -> HttpResponse:
    form = LoginForm(request, data=request.POST or None)
    if request.method == "POST" and form.is_valid():
        user = form.user
        assert user is not None
        member = portal_member(user)
        if member is None and portal_branch(user) is None:
            form.add_error(
                None,
                _("该账号未关联在册会员，不能使用会员门户。工作人员请使用管理后台登录。"),
            )
        else:
            login(request, user)
            target = _next_url(request)
            if user.must_change_password:
                query = urlencode({"next": target})
                return HttpResponseRedirect(f"{reverse('portal-password')}?{query}")
            return HttpResponseRedirect(target)
    return render(
        request,
        "portal/login.html",
        {"form": form, "next": request.GET.get("next", ""), "hide_nav": True},
    )


@require_POST
def logout_view(request: HttpRequest) -> HttpResponse:
    logout(request)
    messages.info(request, _("您已退出登录。"))
    return HttpResponseRedirect(reverse("portal-login"))


@sensitive_post_parameters("old_password", "new_password1", "new_password2")
@csrf_protect
@never_cache
def password_change(request: HttpRequest) -> HttpResponse:
    if not request.user.is_authenticated:
        query = urlencode({"next": request.get_full_path()})
        return HttpResponseRedirect(f"{reverse('portal-login')}?{query}")
    form = PortalPasswordChangeForm(request.user, data=request.POST or None)
    if request.method == "POST" and form.is_valid():
        user = user_password_change(
            user=request.user, new_password=form.cleaned_data["new_password1"]
        )
        update_session_auth_hash(request, user)
        messages.success(request, _("密码已修改。"))
        return HttpResponseRedirect(_next_url(request))
    return render(
        request,
        "portal/password.html",
        {
            "form": form,
            "forced": request.user.must_change_password,
            "next": request.GET.get("next", ""),
            "hide_nav": request.user.must_change_password,
        },
    )
