"""Console for core: the audit log (browsable, scoped, strictly read-only) and notifications."""

from __future__ import annotations

import datetime
from typing import Any

from django import forms
from django.contrib import admin, messages
from django.http import Http404, HttpRequest, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from unfold.contrib.filters.admin import ChoicesDropdownFilter, FieldTextFilter, RangeDateFilter
from unfold.decorators import action, display
from unfold.utils import parse_date_str

from grassroots.core.admin_base import ScopedModelAdmin
from grassroots.core.models import AuditEvent, Notification
from grassroots.core.notifications import notification_mark_read


def action_page(
    model_admin: Any,
    request: HttpRequest,
    *,
    title: str,
    form: Any = None,
    submit_label: str = "",
    back_url: str = "",
    intro: str = "",
    revealed: str = "",
    revealed_label: str = "",
) -> TemplateResponse:
    """A console page holding one small form for an action (transfer, move, reveal …)."""
    context = {
        **model_admin.admin_site.each_context(request),
        "title": title,
        "opts": model_admin.model._meta,
        "form": form,
        "submit_label": submit_label or gettext("提交"),
        "back_url": back_url,
        "intro": intro,
        "revealed": revealed,
        "revealed_label": revealed_label or gettext("完整身份证号（仅本次显示，已记入审计日志）："),
    }
    response = TemplateResponse(request, "admin/console/action_form.html", context)
    if revealed:
        response["Cache-Control"] = "no-store"
    return response


def apply_validation_error(form: Any, exc: Any, field_map: dict[str, str] | None = None) -> None:
    """Put a service's ValidationError on the form: keyed errors on their fields, others on top."""
    field_map = field_map or {}
    if hasattr(exc, "error_dict"):
        for key, errors in exc.error_dict.items():
            name = field_map.get(key, key)
            for error in errors:
                text = " ".join(error.messages)
                form.add_error(name if name in form.fields else None, text)
    else:
        for text in exc.messages:
            form.add_error(None, text)


# --- audit log -----------------------------------------------------------------------------


class DayRangeFilter(RangeDateFilter):
    """Whole local days on a datetime column, using the column's index (no per-row cast)."""

    def queryset(self, request: HttpRequest, queryset):
        filters = {}
        for suffix, lookup, shift in (("from", "gte", 0), ("to", "lt", 1)):
            value = self.used_parameters.get(f"{self.parameter_name}_{suffix}")
            if value in (None, ""):
                continue
            try:
                day = parse_date_str(value)
            except (ValueError, TypeError):
                return None
            if day is None:
                continue
            start = datetime.datetime.combine(day + datetime.timedelta(days=shift), datetime.time())
            filters[f"{self.parameter_name}__{lookup}"] = timezone.make_aware(start)
        return queryset.filter(**filters)


@admin.register(AuditEvent)
class AuditEventAdmin(ScopedModelAdmin):
    list_display = (
        "occurred_at",
        "actor_username",
        "actor_unit_code",
        "action",
        "object_type",
        "object_repr",
        "operation",
        "ip",
    )
    list_filter = (
        ("action", ChoicesDropdownFilter),
        ("object_type", FieldTextFilter),
        ("actor_username", FieldTextFilter),
        ("occurred_at", DayRangeFilter),
    )
    list_filter_submit = True
    search_fields = ("object_repr", "object_id", "request_id")
    search_help_text = _("按对象名称、对象ID或请求编号搜索")
    date_hierarchy = None
    readonly_fields = (
        "occurred_at",
        "actor_username",
        "actor_id",
        "actor_unit_code",
        "source",
        "request_id",
        "ip",
        "action",
        "operation",
        "object_type",
        "object_id",
        "object_repr",
        "unit_path",
        "changes_table",
        "extra",
    )
    fields = readonly_fields

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def get_actions(self, request: HttpRequest) -> dict:
        return {}

    @display(description=_("变更"))
    def changes_table(self, obj: AuditEvent):
        if not obj.changes:
            return "-"
        rows = format_html_join(
            "",
            "<tr><td class='pr-4 font-medium'>{}</td><td class='pr-4'>{}</td><td>{}</td></tr>",
            ((field, *[*list(values), "", ""][:2]) for field, values in obj.changes.items()),
        )
        header = format_html(
            "<tr><th class='pr-4 text-left'>{}</th><th class='pr-4 text-left'>{}</th>"
            "<th class='text-left'>{}</th></tr>",
            gettext("字段"),
            gettext("修改前"),
            gettext("修改后"),
        )
        return format_html("<table>{}{}</table>", header, rows)


# --- notifications -------------------------------------------------------------------------


@admin.register(Notification)
class NotificationAdmin(ScopedModelAdmin):
    """Each person sees only their own notifications, superusers included."""

    list_display = ("title_link", "created_at", "is_read")
    list_filter = (("read_at", admin.EmptyFieldListFilter),)
    fields = ("title", "body", "url", "created_at", "read_at")
    readonly_fields = fields
    actions = ["mark_read"]
    actions_list = ["mark_all_read"]
    actions_row = ["open"]

    def get_queryset(self, request: HttpRequest):
        return super().get_queryset(request).filter(recipient=request.user)

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return bool(request.user.is_active and request.user.is_staff)

    def has_module_permission(self, request: HttpRequest) -> bool:
        return self.has_view_permission(request)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def change_view(self, request, object_id, form_url="", extra_context=None):
        # Reading a notification marks it read.
        obj = self.get_object(request, object_id)
        if obj is None:
            raise Http404
        notification_mark_read(user=request.user, ids=[obj.pk])
        return super().change_view(request, object_id, form_url, extra_context)

    @display(description=_("标题"))
    def title_link(self, obj: Notification):
        weight = "" if obj.read_at else "font-semibold"
        return format_html("<span class='{}'>{}</span>", weight, obj.title)

    @display(description=_("已读"), boolean=True)
    def is_read(self, obj: Notification) -> bool:
        return obj.read_at is not None

    @admin.action(description=_("标记为已读"))
    def mark_read(self, request: HttpRequest, queryset) -> None:
        count = notification_mark_read(user=request.user, ids=queryset.values_list("pk", flat=True))
        messages.success(request, gettext("已将%(n)d条通知标记为已读") % {"n": count})

    @action(description=_("全部标记为已读"), icon="done_all", url_path="mark-all-read")
    def mark_all_read(self, request: HttpRequest):
        """A confirmation page (GET) and the change itself (POST): links never change state."""
        back = reverse("admin:core_notification_changelist")
        if request.method == "POST":
            count = notification_mark_read(user=request.user)
            messages.success(request, gettext("已将%(n)d条通知标记为已读") % {"n": count})
            return HttpResponseRedirect(back)
        return action_page(
            self,
            request,
            title=gettext("全部标记为已读"),
            form=forms.Form(),
            submit_label=gettext("全部标记为已读"),
            back_url=back,
        )

    @action(description=_("打开"), icon="open_in_new", url_path="open")
    def open(self, request: HttpRequest, object_id: str):
        """Mark read and go where the notification points (or to its page)."""
        obj = self.get_object(request, object_id)
        if obj is None:
            raise Http404
        notification_mark_read(user=request.user, ids=[obj.pk])
        target = obj.url if obj.url.startswith("/") and not obj.url.startswith("//") else ""
        return HttpResponseRedirect(
            target or reverse("admin:core_notification_change", args=[obj.pk])
        )
