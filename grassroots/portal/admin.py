"""Console: staff review members' requests to change archive fields (approve applies them)."""

from __future__ import annotations

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html, format_html_join
from django.utils.safestring import mark_safe
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from grassroots.core.admin_base import ScopedModelAdmin
from grassroots.core.scope import get_visible_or_404
from grassroots.portal import services
from grassroots.portal.models import ProfileChangeRequest


@admin.register(ProfileChangeRequest)
class ProfileChangeRequestAdmin(ScopedModelAdmin):
    list_display = ("member", "unit", "summary", "status", "submitted_at", "decided_by")
    list_filter = ("status",)
    search_fields = ("member__name", "member__member_number")
    readonly_fields = (
        "member",
        "summary",
        "reason",
        "status",
        "submitted_at",
        "decided_at",
        "decided_by",
        "decision_note",
        "decide_link",
    )
    fields = readonly_fields

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("member", "member__unit")

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.display(description=_("所属组织"))
    def unit(self, obj):
        return obj.member.unit.name

    @admin.display(description=_("变更内容"))
    def summary(self, obj):
        return format_html_join(
            mark_safe("<br>"), "{}：{} → {}", [tuple(v) for v in obj.shown.values()]
        )

    @admin.display(description=_("审核"))
    def decide_link(self, obj):
        if obj is None or obj.status != ProfileChangeRequest.Status.PENDING:
            return "—"
        url = reverse("admin:portal_profilechangerequest_decide", args=[obj.pk])
        return format_html('<a class="text-primary-600" href="{}">{}</a>', url, gettext("审核"))

    def get_urls(self):
        view = self.admin_site.admin_view
        return [
            path(
                "<path:object_id>/decide/",
                view(self.decide_view),
                name="portal_profilechangerequest_decide",
            ),
            *super().get_urls(),
        ]

    def decide_view(self, request, object_id):
        change = get_visible_or_404(
            ProfileChangeRequest.objects.select_related("member", "member__unit"),
            request.user,
            pk=object_id,
        )
        if not self.has_change_permission(request, change):
            raise PermissionDenied
        error = ""
        if request.method == "POST":
            note = request.POST.get("note", "")
            try:
                if request.POST.get("decision") == "approve":
                    services.profile_change_approve(request=change, actor=request.user, note=note)
                    messages.success(request, gettext("已通过，会员档案已更新。"))
                elif request.POST.get("decision") == "reject":
                    services.profile_change_reject(request=change, actor=request.user, note=note)
                    messages.success(request, gettext("已标记为不通过。"))
                else:
                    raise ValidationError(gettext("请选择通过或不通过"))
            except ValidationError as exc:
                error = " ".join(exc.messages)
            else:
                return HttpResponseRedirect(reverse("admin:portal_profilechangerequest_changelist"))
        context = {
            **self.admin_site.each_context(request),
            "title": gettext("审核资料变更 · %(name)s") % {"name": change.member.name},
            "change": change,
            "error": error,
            "opts": self.model._meta,
        }
        return TemplateResponse(request, "portal/admin_decide.html", context)
