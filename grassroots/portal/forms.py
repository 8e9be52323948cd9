"""Portal forms: sign-in by phone number or username, and the new password."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib.auth import authenticate
from django.contrib.auth.forms import PasswordChangeForm
from django.core.exceptions import ValidationError
from django.db.models import Q
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from grassroots.accounts.models import User
from grassroots.branches.models import ActivityKind
from grassroots.core.logging import redact
from grassroots.members.models import Degree, Education, Member, Sector, Sex, Title
from grassroots.platforms.models import ProposalKind


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
        data = super().clean() or {}
        login, password = data.get("login"), data.get("password")
        if not login or not password:
            return data
        user = authenticate(self.request, username=username_for_login(login), password=password)
        if user is None:
            if redact(login) != login:
                # People type their ID number here; the failure page must not print it in full.
                masked: Any = self.data.copy()  # type: ignore[attr-defined]
                masked["login"] = redact(login)
                self.data = masked
            raise forms.ValidationError(
                _("手机号码/用户名或密码不正确。多次输错后账号将被暂时锁定。"), code="invalid"
            )
        if not user.is_active:
            raise forms.ValidationError(_("该账号已停用，请联系组织工作人员。"), code="inactive")
        self.user = user
        return data


class PortalPasswordChangeForm(PasswordChangeForm):
    """Django's own form: the old password is checked and the site's password policy applies."""


def apply_errors(form: forms.Form, exc: ValidationError) -> None:
    """A service's ValidationError shown on the form: on its field when the form has one."""
    if hasattr(exc, "error_dict"):
        for field, errors in exc.message_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, exc.messages)


class ContactForm(forms.Form):
    phone = forms.CharField(
        label=_("手机号码"),
        max_length=20,
        widget=forms.TextInput(attrs={"type": "tel", "autocomplete": "tel"}),
    )
    email = forms.EmailField(label=_("电子邮箱"), required=False)


class CoreChangeForm(forms.Form):
    """The archive fields a member may ask to change; staff approve before they apply."""

    employer = forms.CharField(label=_("工作单位"), max_length=200, required=False)
    post = forms.CharField(label=_("职务"), max_length=100, required=False)
    education = forms.ModelChoiceField(
        label=_("学历"), queryset=Education.objects.filter(is_active=True), required=False
    )
    degree = forms.ChoiceField(label=_("学位"), choices=Degree.choices, required=False)
    title = forms.ModelChoiceField(
        label=_("职称"), queryset=Title.objects.filter(is_active=True), required=False
    )
    sector = forms.ModelChoiceField(
        label=_("界别"), queryset=Sector.objects.filter(is_active=True), required=False
    )
    reason = forms.CharField(
        label=_("变更说明"),
        max_length=300,
        required=False,
        help_text=_("如：工作调动、取得新职称"),
    )

    def __init__(self, *args: Any, member: Member, **kwargs: Any) -> None:
        kwargs.setdefault(
            "initial",
            {
                "employer": member.employer,
                "post": member.post,
                "education": member.education_id,
                "degree": member.degree,
                "title": member.title_id,
                "sector": member.sector_id,
            },
        )
        super().__init__(*args, **kwargs)


class ProposalForm(forms.Form):
    kind = forms.ModelChoiceField(
        label=_("类别"),
        queryset=ProposalKind.objects.filter(is_active=True, collective=False),
        empty_label=None,
    )
    title = forms.CharField(label=_("标题"), max_length=200)
    body = forms.CharField(
        label=_("正文"), widget=forms.Textarea(attrs={"rows": 10}), max_length=20000
    )


class InformationForm(forms.Form):
    title = forms.CharField(label=_("标题"), max_length=200)
    body = forms.CharField(
        label=_("正文"), widget=forms.Textarea(attrs={"rows": 10}), max_length=20000
    )


class ActivityForm(forms.Form):
    kind = forms.ModelChoiceField(
        label=_("活动类型"), queryset=ActivityKind.objects.filter(is_active=True), empty_label=None
    )
    topic = forms.CharField(label=_("主题"), max_length=200)
    starts_at = forms.DateTimeField(
        label=_("开始时间"),
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
        input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"],
    )
    ends_at = forms.DateTimeField(
        label=_("结束时间"),
        required=False,
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
        input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"],
    )
    place = forms.CharField(label=_("地点"), max_length=200, required=False)
    hours = forms.DecimalField(
        label=_("计入学时"),
        required=False,
        min_value=0,
        max_digits=5,
        decimal_places=1,
        help_text=_("不填则按活动类型的默认学时"),
    )
    minutes = forms.CharField(
        label=_("纪要"), required=False, widget=forms.Textarea(attrs={"rows": 4})
    )
    open_signup = forms.BooleanField(
        label=_("开放会员报名和扫码签到"), required=False, initial=True
    )


class ProspectForm(forms.Form):
    name = forms.CharField(label=_("姓名"), max_length=50)
    sex = forms.ChoiceField(label=_("性别"), choices=[("", "—"), *Sex.choices], required=False)
    phone = forms.CharField(
        label=_("手机号码"),
        max_length=20,
        required=False,
        widget=forms.TextInput(attrs={"type": "tel"}),
    )
    employer = forms.CharField(label=_("工作单位"), max_length=200, required=False)
    post = forms.CharField(label=_("职务"), max_length=100, required=False)
    note = forms.CharField(
        label=_("推荐理由"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
        max_length=2000,
    )
