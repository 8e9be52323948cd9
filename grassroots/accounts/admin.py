"""Console for accounts: staff users (created with a role, inside the actor's scope) and tokens."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.http import HttpRequest
from django.urls import path, reverse
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from django.views.decorators.debug import sensitive_post_parameters
from django_otp.plugins.otp_totp.models import TOTPDevice
from unfold.contrib.filters.admin import ChoicesDropdownFilter
from unfold.forms import AdminPasswordChangeForm, UserChangeForm, UserCreationForm

from grassroots.accounts import views
from grassroots.accounts.forms import ConsoleAuthenticationForm
from grassroots.accounts.models import ApiToken, User
from grassroots.accounts.services import (
    otp_device_reset,
    token_create,
    token_revoke,
    user_create,
    user_set_role,
    user_unlock,
)
from grassroots.core.admin import action_page
from grassroots.core.admin_base import ScopedModelAdmin


class StaffCreationForm(UserCreationForm):
    class Meta(UserCreationForm.Meta):
        model = User
        fields = ("username", "full_name", "phone", "unit", "role")

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["role"].required = True
        self.fields.pop("usable_password", None)


class StaffChangeForm(UserChangeForm):
    class Meta(UserChangeForm.Meta):
        model = User
        fields = "__all__"  # the admin's fieldsets choose the fields


@admin.register(User)
class UserAdmin(ScopedModelAdmin, BaseUserAdmin):
    form = StaffChangeForm
    add_form = StaffCreationForm
    change_password_form = AdminPasswordChangeForm
    list_display = ("username", "full_name", "unit", "role", "is_active", "last_login")
    list_select_related = ("unit",)
    list_filter = (("role", ChoicesDropdownFilter), "is_active")
    list_filter_submit = True
    search_fields = ("username", "full_name", "phone")
    ordering = ("username",)
    filter_horizontal = ()
    add_fieldsets = (
        (
            None,
            {
                "fields": (
                    "username",
                    "full_name",
                    "phone",
                    "unit",
                    "role",
                    "password1",
                    "password2",
                )
            },
        ),
    )
    readonly_fields = ("last_login", "date_joined", "password_changed_at")
    actions = ["reset_two_factor", "unlock"]

    def get_urls(self):
        def own(view, name: str, route: str):
            def bound(request, *args, **kwargs):
                return view(self.admin_site, request, *args, **kwargs)

            # The codes typed on these pages never reach an error report.
            guarded = sensitive_post_parameters("otp")(bound)
            return path(route, self.admin_site.admin_view(guarded), name=name)

        return [
            own(views.security, "accounts_security", "me/security/"),
            own(views.token_new, "accounts_token_new", "me/tokens/new/"),
            own(views.token_revoke_view, "accounts_token_revoke", "me/tokens/<int:pk>/revoke/"),
            own(views.sign_out_everywhere, "accounts_sign_out_everywhere", "me/sign-out/"),
            own(views.otp_setup, "accounts_otp_setup", "me/two-factor/setup/"),
            own(views.otp_verify, "accounts_otp_verify", "me/two-factor/verify/"),
            *super().get_urls(),
        ]

    @admin.action(description=_("重置两步验证（手机丢失或更换）"), permissions=["change"])
    def reset_two_factor(self, request: HttpRequest, queryset) -> None:
        count = 0
        for user in queryset:
            if TOTPDevice.objects.filter(user=user).exists():
                otp_device_reset(user=user)
                count += 1
        messages.success(request, gettext("已重置%(n)d个账号的两步验证") % {"n": count})

    @admin.action(description=_("解除登录锁定"), permissions=["change"])
    def unlock(self, request: HttpRequest, queryset) -> None:
        for user in queryset:
            user_unlock(user=user)
        messages.success(request, gettext("已解除%(n)d个账号的登录锁定") % {"n": queryset.count()})

    def get_fieldsets(self, request: HttpRequest, obj: Any = None):
        if obj is None:
            return self.add_fieldsets
        account: tuple[str, ...] = ("username", "password", "full_name", "phone", "email")
        access: tuple[str, ...] = ("unit", "role", "is_active", "must_change_password")
        if request.user.is_superuser:
            access = (*access, "is_superuser")
        return (
            (None, {"fields": account}),
            (_("组织与角色"), {"fields": access}),
            (_("时间"), {"fields": ("last_login", "date_joined")}),
        )

    def get_form(self, request: HttpRequest, obj: Any = None, change: bool = False, **kwargs):
        form = super().get_form(request, obj, change=change, **kwargs)
        unit = form.base_fields.get("unit")
        if unit is not None and not request.user.is_superuser:
            unit.required = True  # a staff account always sits in a unit the actor can see
        return form

    def save_model(self, request: HttpRequest, obj: User, form: Any, change: bool) -> None:
        if change:
            obj.save()
            # The role decides permissions: groups are set through the service.
            user_set_role(user=obj, role=obj.role)
            return
        data = form.cleaned_data
        created = user_create(
            username=data["username"],
            password=data.get("password1") or None,
            unit=data.get("unit"),
            role=data["role"],
            full_name=data.get("full_name") or "",
            phone=data.get("phone") or "",
            must_change_password=True,
        )
        obj.__dict__.update({k: v for k, v in created.__dict__.items() if k != "_state"})
        obj._state.adding = False


class TokenCreateForm(forms.ModelForm):
    class Meta:
        model = ApiToken
        fields = ("user", "name")


@admin.register(ApiToken)
class ApiTokenAdmin(ScopedModelAdmin):
    form = TokenCreateForm
    list_display = (
        "prefix",
        "name",
        "user",
        "created_at",
        "last_used_at",
        "expires_at",
        "revoked_at",
    )
    list_select_related = ("user",)
    list_filter = (("revoked_at", admin.EmptyFieldListFilter),)
    search_fields = ("prefix", "name", "user__username")
    actions = ["revoke"]
    readonly_fields = ("prefix", "created_at", "last_used_at", "expires_at", "revoked_at")

    def get_queryset(self, request: HttpRequest):
        users = User.objects.visible_to(request.user)  # type: ignore[attr-defined]
        return super().get_queryset(request).filter(user__in=users.values("pk"))

    def get_fields(self, request: HttpRequest, obj: Any = None):
        if obj is None:
            return ("user", "name")
        return ("user", "name", *self.readonly_fields)

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        # A token never changes; it is revoked (the list action) and a new one is made.
        return False if obj is not None else super().has_change_permission(request)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def save_model(self, request: HttpRequest, obj: ApiToken, form: Any, change: bool) -> None:
        token, raw = token_create(user=form.cleaned_data["user"], name=form.cleaned_data["name"])
        obj.__dict__.update({k: v for k, v in token.__dict__.items() if k != "_state"})
        obj._state.adding = False
        request._console_raw_token = raw  # type: ignore[attr-defined]

    def response_add(self, request: HttpRequest, obj: ApiToken, post_url_continue=None):
        raw = getattr(request, "_console_raw_token", "")
        return action_page(
            self,
            request,
            title=gettext("API令牌已创建"),
            intro=gettext("请立即复制保存：令牌只显示这一次，系统只保存其摘要。"),
            revealed=raw,
            revealed_label=gettext("新令牌："),
            back_url=self._changelist_url(),
        )

    def _changelist_url(self) -> str:
        return reverse("admin:accounts_apitoken_changelist")

    @admin.action(description=_("吊销所选令牌"), permissions=["change"])
    def revoke(self, request: HttpRequest, queryset) -> None:
        count = 0
        for token in queryset.filter(revoked_at__isnull=True):
            token_revoke(token=token)
            count += 1
        messages.success(request, gettext("已吊销%(n)d个令牌") % {"n": count})


# django-otp registers its device admin; devices are managed through the user list's actions.
if admin.site.is_registered(TOTPDevice):
    admin.site.unregister(TOTPDevice)

# The console's sign-in form masks an ID number typed as a user name when it re-renders.
admin.site.login_form = ConsoleAuthenticationForm
