"""Portal forms: sign-in by phone number or username, and the new password."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib.auth import authenticate
from django.contrib.auth.forms import PasswordChangeForm
from django.db.models import Q
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from grassroots.accounts.models import User


def username_for_login(login: str) -> str:
    """The username behind what a person typed: a username, or a phone number on one account.

    A phone number is looked up on the account and on the linked member record; when it belongs to
    no account or to several, the text is passed on as a username (and fails like a wrong password,
    so whether a phone number is registered does not leak).
    """
    login = login.strip()
    if User.objects.filter(username=login).exists():
        return login
    digits = login.replace(" ", "").replace("-", "")
    if digits.isdigit():
        matches = list(
            User.objects.filter(Q(phone=digits) | Q(member__phone=digits), is_active=True)
            .values_list("username", flat=True)
            .distinct()[:2]
        )
        if len(matches) == 1:
            return matches[0]
    return login


class LoginForm(forms.Form):
    login = forms.CharField(
        label=_("手机号码或用户名"),
        max_length=150,
        widget=forms.TextInput(attrs={"autocomplete": "username", "autofocus": True}),
    )
    password = forms.CharField(
        label=_("密码"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )

    def __init__(self, request: HttpRequest, *args: Any, **kwargs: Any) -> None:
        self.request = request
        self.user: User | None = None
        super().__init__(*args, **kwargs)

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        login, password = data.get("login"), data.get("password")
        if not login or not password:
            return data
        user = authenticate(self.request, username=username_for_login(login), password=password)
        if user is None:
            raise forms.ValidationError(
                _("手机号码/用户名或密码不正确。多次输错后账号将被暂时锁定。"), code="invalid"
            )
        if not user.is_active:
            raise forms.ValidationError(_("该账号已停用，请联系组织工作人员。"), code="inactive")
        self.user = user
        return data


class PortalPasswordChangeForm(PasswordChangeForm):
    """Django's own form: the old password is checked and the site's password policy applies."""
