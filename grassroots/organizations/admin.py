"""Console for the unit tree: units (created and moved through services), kinds, tree browser."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from unfold.contrib.filters.admin import RelatedDropdownFilter
from unfold.decorators import action
from unfold.widgets import UnfoldAdminSelectWidget

from grassroots.core.admin import action_page, apply_validation_error
from grassroots.core.admin_base import ScopedModelAdmin, permission_check
from grassroots.core.scope import get_visible_or_404
from grassroots.organizations.models import Unit, UnitKind
from grassroots.organizations.selectors import unit_tree, units_visible
from grassroots.organizations.services import unit_create, unit_move


class UnitChoiceField(forms.ModelChoiceField):
    """Units shown indented by depth so that the tree reads in a plain select."""

    def label_from_instance(self, obj: Unit) -> str:
        return "\u3000" * obj.depth + f"{obj.name}（{obj.code}）"


class UnitMoveForm(forms.Form):
    new_parent = UnitChoiceField(
        label=_("新的上级组织"), queryset=Unit.objects.none(), widget=UnfoldAdminSelectWidget
    )

    def __init__(self, *args: Any, user: Any, unit: Unit, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["new_parent"]
        assert isinstance(field, forms.ModelChoiceField)
        field.queryset = units_visible(user).exclude(path__startswith=unit.path).order_by("path")


@admin.register(UnitKind)
class UnitKindAdmin(ScopedModelAdmin):
    list_display = ("name", "code", "level", "order")
    ordering = ("order", "id")


@admin.register(Unit)
class UnitAdmin(ScopedModelAdmin):
    has_change_unit_permission = permission_check("organizations.change_unit")
    list_display = ("name", "code", "kind", "parent", "founded_on", "is_active")
    list_select_related = ("kind", "parent")
    list_filter = (("kind", RelatedDropdownFilter), "is_active")
    search_fields = ("name", "short_name", "code")
    search_help_text = _("按名称、简称或组织代码搜索")
    ordering = ("path",)
    actions_detail = ["move"]
    actions_list = ["open_tree"]

    add_fields = ("code", "name", "short_name", "kind", "parent", "founded_on", "order")
    change_fields = (
        "code",
        "name",
        "short_name",
        "kind",
        "parent",
        "founded_on",
        "is_active",
        "order",
    )

    def get_fields(self, request: HttpRequest, obj: Any = None):
        return self.add_fields if obj is None else self.change_fields

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None):
        # The parent changes only through "move" (every path below is rewritten at once).
        return () if obj is None else ("code", "parent")

    def get_form(self, request: HttpRequest, obj: Any = None, change: bool = False, **kwargs):
        form = super().get_form(request, obj, change=change, **kwargs)
        if obj is None and "parent" in form.base_fields and not request.user.is_superuser:
            # Only the top unit has no parent, and only a superuser creates it.
            form.base_fields["parent"].required = True
        return form

    def save_model(self, request: HttpRequest, obj: Unit, form: Any, change: bool) -> None:
        if change:
            super().save_model(request, obj, form, change)
            return
        data = form.cleaned_data
        created = unit_create(
            code=data["code"],
            name=data["name"],
            short_name=data.get("short_name") or "",
            kind=data["kind"],
            parent=data.get("parent"),
            founded_on=data.get("founded_on"),
            order=data.get("order") or 0,
        )
        obj.__dict__.update({k: v for k, v in created.__dict__.items() if k != "_state"})
        obj._state.adding = False

    def get_urls(self):
        urls = super().get_urls()
        tree = path(
            "tree/",
            self.admin_site.admin_view(self.tree_view),
            name="organizations_unit_tree",
        )
        return [tree, *urls]

    def tree_view(self, request: HttpRequest) -> TemplateResponse:
        if not self.has_view_permission(request):
            raise PermissionDenied
        context = {
            **self.admin_site.each_context(request),
            "title": gettext("组织树"),
            "opts": self.model._meta,
            "nodes": unit_tree(user=request.user),
        }
        return TemplateResponse(request, "admin/organizations/unit_tree.html", context)

    @action(description=_("组织树"), icon="account_tree", url_path="tree-link")
    def open_tree(self, request: HttpRequest):
        return HttpResponseRedirect(reverse("admin:organizations_unit_tree"))

    @action(
        description=_("移动到其他上级组织"),
        icon="drive_file_move",
        url_path="move",
        permissions=["change_unit"],
    )
    def move(self, request: HttpRequest, object_id: str):
        unit = get_visible_or_404(Unit.objects.all(), request.user, pk=object_id)
        back = reverse("admin:organizations_unit_change", args=[unit.pk])
        form = UnitMoveForm(
            request.POST if request.method == "POST" else None, user=request.user, unit=unit
        )
        if request.method == "POST" and form.is_valid():
            try:
                unit_move(unit=unit, new_parent=form.cleaned_data["new_parent"])
            except ValidationError as exc:
                apply_validation_error(form, exc, {"parent": "new_parent"})
            else:
                messages.success(request, gettext("已移动组织“%(u)s”") % {"u": unit.name})
                return HttpResponseRedirect(back)
        return action_page(
            self,
            request,
            title=gettext("移动组织：%(u)s") % {"u": unit.name},
            form=form,
            submit_label=gettext("移动"),
            back_url=back,
            intro=gettext("该组织及其全部下级组织将一并移动。"),
        )
