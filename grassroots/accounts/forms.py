"""Forms of the account pages: a TOTP code, a new API token, signing out everywhere."""

from __future__ import annotations

import datetime
from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from unfold.forms import AuthenticationForm as UnfoldAuthenticationForm
from unfold.widgets import UnfoldAdminSelectWidget, UnfoldAdminTextInputWidget, UnfoldBooleanWidget

from grassroots.core.logging import redact

TOKEN_LIFETIMES = [
    ("30", _("30天")),
    ("90", _("90天")),
    ("365", _("一年")),
    ("0", _("不过期")),
]


class OtpCodeForm(forms.Form):
    otp = forms.CharField(
        label=_("动态验证码"),
        max_length=10,
        help_text=_(
            "身份验证器（如微信小程序“腾讯身份验证器”、Google Authenticator）显示的6位数字"
        ),
        widget=UnfoldAdminTextInputWidget(
            attrs={"autocomplete": "one-time-code", "inputmode": "numeric", "autofocus": True}
        ),
    )

    def clean_otp(self) -> str:
        code = "".join(self.cleaned_data["otp"].split())
        if not (code.isdigit() and len(code) == 6):
            raise forms.ValidationError(_("动态验证码应为6位数字"))
        return code


class TokenForm(forms.Form):
    name = forms.CharField(
        label=_("令牌名称"),
        max_length=100,
        help_text=_("说明用途，如“年报系统对接”"),
        widget=UnfoldAdminTextInputWidget,
    )
    lifetime = forms.ChoiceField(
        label=_("有效期"), choices=TOKEN_LIFETIMES, initial="90", widget=UnfoldAdminSelectWidget
    )

    def expires_at(self) -> datetime.datetime | None:
        days = int(self.cleaned_data["lifetime"])
        return timezone.now() + datetime.timedelta(days=days) if days else None


class SignOutEverywhereForm(forms.Form):
    revoke_tokens = forms.BooleanField(
        label=_("同时吊销我的全部API令牌"), required=False, widget=UnfoldBooleanWidget
    )


class ConsoleAuthenticationForm(UnfoldAuthenticationForm):
    """The console's sign-in form; a refused name shaped like an ID number is not echoed back.

    People do type their resident ID number into the user name box; the page that says the
    sign-in failed must not print it in full.
    """

    def clean(self) -> dict:
        try:
            return super().clean()
        except forms.ValidationError:
            submitted: Any = self.data  # type: ignore[has-type]
            username = str(submitted.get("username", ""))
            if username and redact(username) != username:
                masked = submitted.copy()
                masked["username"] = redact(username)
                self.data = masked
            raise
