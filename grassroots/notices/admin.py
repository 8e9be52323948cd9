"""Console for notices (compose, publish, read rates, reminders, replies), member tags and the
units' QQ/WeChat groups with their contact-list exports. Writes go through ``services``."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count, IntegerField, OuterRef, Subquery
from django.db.models.functions import Coalesce
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from unfold.admin import TabularInline
from unfold.decorators import action, display
from unfold.widgets import (
    UnfoldAdminCheckboxSelectMultipleWidget,
    UnfoldAdminFileFieldWidget,
    UnfoldAdminSelectWidget,
    UnfoldAdminTextareaWidget,
)

from grassroots.accounts.models import Role
from grassroots.core.admin import action_page, apply_validation_error
from grassroots.core.admin_base import ScopedModelAdmin, permission_check
from grassroots.core.scope import get_visible_or_404
from grassroots.notices import exports, selectors, services
from grassroots.notices.models import (
    MemberTag,
    MemberTagging,
    Notice,
    NoticeAttachment,
    NoticeRecipient,
    UnitGroup,
)
from grassroots.organizations.models import Unit

ROLE_TARGETS = [(r.value, r.label) for r in Role if r != Role.MEMBER]
MEMBER_LIST_LIMIT = 500


def _posted(request: HttpRequest) -> Any:
    return request.POST if request.method == "POST" else None


class ConfirmForm(forms.Form):
    """An empty form: the POST itself is the confirmation (and carries the CSRF token)."""


class UnitChoiceForm(forms.Form):
    unit = forms.ModelChoiceField(
        label=_("组织"), queryset=Unit.objects.none(), widget=UnfoldAdminSelectWidget
    )

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["unit"].queryset = Unit.objects.visible_to(user).filter(is_active=True)  # type: ignore[attr-defined]


# --- member tags ---------------------------------------------------------------------------


class TaggingInline(TabularInline):
    model = MemberTagging
    extra = 0
    per_page = 20
    fields = ("member", "member_unit", "tagged_at", "tagged_by")
    readonly_fields = ("member", "member_unit", "tagged_at", "tagged_by")
    verbose_name_plural = _("标签成员（用“批量添加”添加）")

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    @admin.display(description=_("所属组织"))
    def member_unit(self, obj: MemberTagging) -> str:
        return obj.member.unit.name

    def get_queryset(self, request: HttpRequest):
        return super().get_queryset(request).select_related("member__unit")


class LinesForm(forms.Form):
    lines = forms.CharField(
        label=_("会员编号或手机号码"),
        widget=UnfoldAdminTextareaWidget(attrs={"rows": 12}),
        help_text=_("每行一个或多个，以空格或逗号分隔"),
    )


@admin.register(MemberTag)
class MemberTagAdmin(ScopedModelAdmin):
    has_change_membertag_permission = permission_check("notices.change_membertag")
    list_display = ("name", "unit", "member_count", "note")
    list_select_related = ("unit",)
    search_fields = ("name",)
    fields = ("unit", "name", "note")
    inlines = [TaggingInline]
    actions_detail = ["add_by_lines", "add_unit"]

    def get_queryset(self, request: HttpRequest):
        return (
            super()
            .get_queryset(request)
            .annotate(n_members=Count("taggings"))
            .order_by("unit__path", "name")
        )

    @admin.display(description=_("会员数"), ordering="n_members")
    def member_count(self, obj: MemberTag) -> int:
        return obj.n_members  # type: ignore[attr-defined]

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None):
        return ("unit",) if obj is not None else ()

    def save_model(self, request: HttpRequest, obj: MemberTag, form: Any, change: bool) -> None:
        if change:
            obj.save()
            return
        saved = services.tag_create(unit=obj.unit, name=obj.name, note=obj.note, actor=request.user)
        obj.pk = saved.pk
        obj._state.adding = False

    def get_form(self, request: HttpRequest, obj: Any = None, change: bool = False, **kwargs):
        form = super().get_form(request, obj, change=change, **kwargs)

        class TagForm(form):  # type: ignore[valid-type,misc]
            def clean(self) -> dict[str, Any]:
                data = super().clean() or {}
                unit = data.get("unit")
                if obj is None and unit is not None and data.get("name"):
                    name = " ".join(data["name"].split())
                    if MemberTag.objects.filter(unit=unit, name=name).exists():
                        self.add_error(
                            "name", gettext("本组织已有同名标签“%(name)s”") % {"name": name}
                        )
                return data

        TagForm.__name__ = form.__name__
        return TagForm

    def _tag(self, request: HttpRequest, object_id: str) -> MemberTag:
        return get_visible_or_404(
            MemberTag.objects.select_related("unit"), request.user, pk=object_id
        )

    def _back(self, tag: MemberTag) -> str:
        return reverse("admin:notices_membertag_change", args=[tag.pk])

    @action(
        description=_("批量添加会员"),
        icon="group_add",
        url_path="add-members",
        permissions=["change_membertag"],
    )
    def add_by_lines(self, request: HttpRequest, object_id: str):
        tag = self._tag(request, object_id)
        form = LinesForm(_posted(request))
        if request.method == "POST" and form.is_valid():
            try:
                added = services.tag_add_by_lines(
                    tag=tag, text=form.cleaned_data["lines"], actor=request.user
                )
            except ValidationError as exc:
                for text in exc.messages:
                    form.add_error("lines", text)
            else:
                messages.success(request, gettext("已添加%(n)d名会员") % {"n": added})
                return HttpResponseRedirect(self._back(tag))
        return action_page(
            self,
            request,
            title=gettext("批量添加会员：%(tag)s") % {"tag": tag.name},
            form=form,
            submit_label=gettext("添加"),
            back_url=self._back(tag),
            intro=gettext("只能添加%(unit)s及下级组织的在册会员；已有此标签的会员会被跳过。")
            % {"unit": tag.unit.name},
        )

    @action(
        description=_("按组织添加"),
        icon="account_tree",
        url_path="add-unit",
        permissions=["change_membertag"],
    )
    def add_unit(self, request: HttpRequest, object_id: str):
        tag = self._tag(request, object_id)
        form = UnitChoiceForm(_posted(request), user=request.user)
        form.fields["unit"].queryset = form.fields["unit"].queryset.filter(  # type: ignore[attr-defined]
            path__startswith=tag.unit.path
        )
        if request.method == "POST" and form.is_valid():
            try:
                added = services.tag_add_unit(
                    tag=tag, unit=form.cleaned_data["unit"], actor=request.user
                )
            except ValidationError as exc:
                apply_validation_error(form, exc)
            else:
                messages.success(request, gettext("已添加%(n)d名会员") % {"n": added})
                return HttpResponseRedirect(self._back(tag))
        return action_page(
            self,
            request,
            title=gettext("按组织添加：%(tag)s") % {"tag": tag.name},
            form=form,
            submit_label=gettext("添加该组织及下级的全部在册会员"),
            back_url=self._back(tag),
        )


# --- notices -------------------------------------------------------------------------------


class MultipleFileInput(UnfoldAdminFileFieldWidget):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    widget = MultipleFileInput

    def clean(self, data: Any, initial: Any = None) -> list[Any]:
        single = super().clean
        if isinstance(data, list | tuple):
            return [single(item, initial) for item in data if item]
        return [single(data, initial)] if data else []


class NoticeForm(forms.ModelForm):
    target_roles = forms.MultipleChoiceField(
        label=_("发送角色"),
        choices=ROLE_TARGETS,
        required=False,
        widget=UnfoldAdminCheckboxSelectMultipleWidget,
        help_text=_("本组织范围内账号为该角色的会员"),
    )
    new_attachments = MultipleFileField(
        label=_("上传附件"),
        required=False,
        help_text=_("可多选；PDF、Office、WPS、图片或压缩包，每个不超过20MB"),
    )

    actor: Any = None

    class Meta:
        model = Notice
        fields = (
            "unit",
            "title",
            "body",
            "target_units",
            "target_roles",
            "target_tags",
            "reply_required",
            "reply_choices",
            "deadline",
        )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        for file in data.get("new_attachments") or []:
            try:
                services.attachment_check(file)
            except ValidationError as exc:
                apply_validation_error(self, exc, {"attachments": "new_attachments"})
        unit = data.get("unit") if "unit" in self.fields else self.instance.unit
        errors = services.notice_validate(
            unit=unit,
            title=data.get("title") or "",
            body=data.get("body") or "",
            reply_required=bool(data.get("reply_required")),
            reply_choices=data.get("reply_choices") or "",
            deadline=data.get("deadline"),
            target_units=list(data.get("target_units") or []),
            target_roles=list(data.get("target_roles") or []),
            target_tags=list(data.get("target_tags") or []),
            actor=self.actor,
        )
        for name, text in errors.items():
            if name in self.fields and name not in self.errors:
                self.add_error(name, text)
            elif name not in self.fields:
                self.add_error(None, text)
        return data

    def service_kwargs(self) -> dict[str, Any]:
        data = self.cleaned_data
        return {
            "title": data["title"],
            "body": data["body"],
            "reply_required": bool(data.get("reply_required")),
            "reply_choices": data.get("reply_choices") or "",
            "deadline": data.get("deadline"),
            "target_units": list(data.get("target_units") or []),
            "target_roles": list(data.get("target_roles") or []),
            "target_tags": list(data.get("target_tags") or []),
            "attachments": list(data.get("new_attachments") or []),
        }


class AttachmentInline(TabularInline):
    model = NoticeAttachment
    extra = 0
    fields = ("name", "size", "uploaded_at")
    readonly_fields = ("name", "size", "uploaded_at")

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return (
            obj is not None
            and obj.state == Notice.State.DRAFT
            and super().has_delete_permission(request, obj)
        )


@admin.register(Notice)
class NoticeAdmin(ScopedModelAdmin):
    has_change_notice_permission = permission_check("notices.change_notice")
    has_view_notice_permission = permission_check("notices.view_notice")
    form = NoticeForm
    list_display = (
        "title",
        "unit",
        "state_badge",
        "published_at",
        "recipient_count",
        "read_rate_column",
        "reply_required",
    )
    list_filter = ("state", "reply_required")
    list_select_related = ("unit",)
    search_fields = ("title",)
    autocomplete_fields = ("target_units", "target_tags")
    inlines = [AttachmentInline]
    actions_detail = ["publish", "remind", "read_rate", "withdraw"]
    actions = None

    def get_queryset(self, request: HttpRequest):
        read = (
            NoticeRecipient.objects.filter(notice=OuterRef("pk"), read_at__isnull=False)
            .order_by()
            .values("notice")
            .annotate(n=Count("id"))
            .values("n")
        )
        return (
            super()
            .get_queryset(request)
            .annotate(n_read=Coalesce(Subquery(read, output_field=IntegerField()), 0))
        )

    @display(description=_("状态"), label={"草稿": "info", "已发布": "success", "已撤回": "danger"})
    def state_badge(self, obj: Notice) -> str:
        return obj.get_state_display()

    @admin.display(description=_("已读"))
    def read_rate_column(self, obj: Notice) -> str:
        if not obj.recipient_count:
            return "—"
        rate = obj.n_read / obj.recipient_count * 100  # type: ignore[attr-defined]
        return f"{obj.n_read}/{obj.recipient_count}（{rate:.1f}%）"  # type: ignore[attr-defined]

    def get_fieldsets(self, request: HttpRequest, obj: Any = None):
        main: tuple[str, ...] = ("unit", "title", "body")
        if obj is None or obj.state == Notice.State.DRAFT:
            main = (*main, "new_attachments")
        fieldsets = [
            (None, {"fields": main}),
            (
                _("发送对象（满足任一即发送）"),
                {"fields": ("target_units", "target_roles", "target_tags")},
            ),
            (_("回执"), {"fields": ("reply_required", "reply_choices", "deadline")}),
        ]
        if obj is not None and obj.state != Notice.State.DRAFT:
            fieldsets.append(
                (
                    _("发布"),
                    {"fields": ("state", "published_by", "published_at", "recipient_count")},
                )
            )
        return fieldsets

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None):
        if obj is None:
            return ()
        if obj.state != Notice.State.DRAFT:
            return (
                "unit",
                "title",
                "body",
                "target_units",
                "target_roles_display",
                "target_tags",
                "reply_required",
                "reply_choices",
                "deadline",
                "state",
                "published_by",
                "published_at",
                "recipient_count",
            )
        return ("unit",)

    @admin.display(description=_("发送角色"))
    def target_roles_display(self, obj: Notice) -> str:
        return "、".join(obj.role_labels()) or "—"

    def get_fields(self, request: HttpRequest, obj: Any = None):
        return [f for _name, opts in self.get_fieldsets(request, obj) for f in opts["fields"]]

    def get_form(self, request: HttpRequest, obj: Any = None, change: bool = False, **kwargs):
        if obj is not None and obj.state != Notice.State.DRAFT:
            kwargs["fields"] = []
            form = super().get_form(request, obj, change=change, **kwargs)
        else:
            form = super().get_form(request, obj, change=change, **kwargs)
        return type(form.__name__, (form,), {"actor": request.user})

    def get_changeform_initial_data(self, request: HttpRequest) -> dict[str, Any]:
        initial = super().get_changeform_initial_data(request)
        if getattr(request.user, "unit_id", None):
            initial.setdefault("unit", request.user.unit_id)  # type: ignore[union-attr]
        return initial

    def save_model(self, request: HttpRequest, obj: Notice, form: Any, change: bool) -> None:
        if not hasattr(form, "service_kwargs"):
            return  # a published notice's form carries nothing to save
        if change:
            fresh = Notice.objects.select_related("unit").get(pk=obj.pk)
            saved = services.notice_update(
                notice=fresh, actor=request.user, **form.service_kwargs()
            )
        else:
            saved = services.notice_create(
                unit=form.cleaned_data["unit"], actor=request.user, **form.service_kwargs()
            )
        obj.pk = saved.pk
        obj._state.adding = False

    def save_related(self, request: HttpRequest, form: Any, formsets: Any, change: bool) -> None:
        # The service has set the targets already; only the inlines (attachment deletions) remain.
        for formset in formsets:
            self.save_formset(request, form, formset, change=change)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        if obj is not None and obj.state != Notice.State.DRAFT:
            return False
        return super().has_delete_permission(request, obj)

    # --- actions on one notice ---

    def _notice(self, request: HttpRequest, object_id: str) -> Notice:
        return get_visible_or_404(Notice.objects.select_related("unit"), request.user, pk=object_id)

    def _back(self, notice: Notice) -> str:
        return reverse("admin:notices_notice_change", args=[notice.pk])

    @action(description=_("发布"), icon="send", url_path="publish", permissions=["change_notice"])
    def publish(self, request: HttpRequest, object_id: str):
        notice = self._notice(request, object_id)
        form = ConfirmForm(_posted(request))
        if request.method == "POST" and form.is_valid():
            try:
                count = services.notice_publish(notice=notice, actor=request.user)
            except ValidationError as exc:
                apply_validation_error(form, exc)
            except PermissionDenied as exc:
                form.add_error(None, str(exc))
            else:
                messages.success(request, gettext("已发布，共%(n)d名接收人") % {"n": count})
                return HttpResponseRedirect(self._back(notice))
        preview = services.recipient_members(notice).count()
        return action_page(
            self,
            request,
            title=gettext("发布通知：%(title)s") % {"title": notice.title},
            form=form,
            submit_label=gettext("确认发布"),
            back_url=self._back(notice),
            intro=gettext("将发送给%(n)d名在册会员；发布后不能再修改。") % {"n": preview},
        )

    @action(
        description=_("提醒未读"),
        icon="notifications_active",
        url_path="remind",
        permissions=["change_notice"],
    )
    def remind(self, request: HttpRequest, object_id: str):
        notice = self._notice(request, object_id)
        form = ConfirmForm(_posted(request))
        if request.method == "POST" and form.is_valid():
            try:
                reminder = services.notice_remind(notice=notice, actor=request.user)
            except ValidationError as exc:
                apply_validation_error(form, exc)
            except PermissionDenied as exc:
                form.add_error(None, str(exc))
            else:
                if reminder is None:
                    messages.info(
                        request, gettext("没有需要提醒的会员（未读会员在12小时内已提醒过）")
                    )
                else:
                    messages.success(
                        request,
                        gettext("已提醒%(n)d名未读会员") % {"n": reminder.recipient_count},
                    )
                return HttpResponseRedirect(self._back(notice))
        unread = notice.recipients.filter(read_at__isnull=True).count()
        return action_page(
            self,
            request,
            title=gettext("提醒未读：%(title)s") % {"title": notice.title},
            form=form,
            submit_label=gettext("发送提醒"),
            back_url=self._back(notice),
            intro=gettext(
                "%(n)d名会员尚未阅读。提醒通过会员手机端、邮件和短信（已配置时）发送；"
                "12小时内已提醒过的会员不会重复提醒。"
            )
            % {"n": unread},
        )

    @action(description=_("撤回"), icon="undo", url_path="withdraw", permissions=["change_notice"])
    def withdraw(self, request: HttpRequest, object_id: str):
        notice = self._notice(request, object_id)
        form = ConfirmForm(_posted(request))
        if request.method == "POST" and form.is_valid():
            try:
                services.notice_withdraw(notice=notice, actor=request.user)
            except ValidationError as exc:
                apply_validation_error(form, exc)
            except PermissionDenied as exc:
                form.add_error(None, str(exc))
            else:
                messages.success(request, gettext("通知已撤回，会员端不再显示"))
                return HttpResponseRedirect(self._back(notice))
        return action_page(
            self,
            request,
            title=gettext("撤回通知：%(title)s") % {"title": notice.title},
            form=form,
            submit_label=gettext("确认撤回"),
            back_url=self._back(notice),
            intro=gettext("撤回后会员端不再显示这条通知，已读和回执记录保留。"),
        )

    @action(
        description=_("阅读与回执"),
        icon="monitoring",
        url_path="read-rate",
        permissions=["view_notice"],
    )
    def read_rate(self, request: HttpRequest, object_id: str):
        notice = self._notice(request, object_id)
        report = selectors.read_rate(
            notice=notice, user=request.user, unit_id=request.GET.get("unit")
        )
        if request.GET.get("export") == "xlsx":
            return exports.replies_xlsx(
                notice=notice, focus=report.focus, filters=dict(request.GET.items())
            )
        subtree = request.GET.get("all") == "1"
        people = selectors.recipients_of_unit(notice=notice, focus=report.focus, subtree=subtree)
        shown = list(people[: MEMBER_LIST_LIMIT + 1])
        context = {
            **self.admin_site.each_context(request),
            "title": gettext("阅读与回执：%(title)s") % {"title": notice.title},
            "opts": self.model._meta,
            "notice": notice,
            "report": report,
            "people": shown[:MEMBER_LIST_LIMIT],
            "people_more": len(shown) > MEMBER_LIST_LIMIT,
            "subtree": subtree,
            "back_url": self._back(notice),
            "base_url": reverse("admin:notices_notice_read_rate", args=[notice.pk]),
        }
        return TemplateResponse(request, "notices/console/read_rate.html", context)


# --- groups and contact lists --------------------------------------------------------------


class ContactsForm(UnitChoiceForm):
    fmt = forms.ChoiceField(
        label=_("格式"),
        choices=[("xlsx", _("Excel（xlsx）")), ("vcf", _("手机通讯录（vCard .vcf）"))],
        widget=UnfoldAdminSelectWidget,
    )


@admin.register(UnitGroup)
class UnitGroupAdmin(ScopedModelAdmin):
    has_view_unitgroup_permission = permission_check("notices.view_unitgroup")
    list_display = ("name", "platform", "number", "unit", "has_qr", "updated_at")
    list_filter = ("platform",)
    list_select_related = ("unit",)
    search_fields = ("name", "number")
    fields = ("unit", "platform", "name", "number", "qr_image", "note", "order")
    actions_list = ["contacts"]

    @admin.display(description=_("二维码"), boolean=True)
    def has_qr(self, obj: UnitGroup) -> bool:
        return bool(obj.qr_image)

    def save_model(self, request: HttpRequest, obj: UnitGroup, form: Any, change: bool) -> None:
        services.group_save(group=obj, actor=request.user)

    def get_form(self, request: HttpRequest, obj: Any = None, change: bool = False, **kwargs):
        form = super().get_form(request, obj, change=change, **kwargs)

        class GroupForm(form):  # type: ignore[valid-type,misc]
            def clean(self) -> dict[str, Any]:
                data = super().clean() or {}
                number = "".join((data.get("number") or "").split())
                if data.get("platform") == UnitGroup.Platform.QQ and not number.isdigit():
                    self.add_error("number", gettext("QQ群号应为数字"))
                return data

        GroupForm.__name__ = form.__name__
        return GroupForm

    @action(
        description=_("导出通讯录"),
        icon="contacts",
        url_path="contacts",
        permissions=["view_unitgroup"],
    )
    def contacts(self, request: HttpRequest) -> HttpResponse:
        """A unit subtree's members with phones, for building the QQ/WeChat group (xlsx/vCard)."""
        data = request.GET if "unit" in request.GET else None
        form = ContactsForm(data, user=request.user)
        if data is not None:
            unit = get_visible_or_404(Unit.objects.all(), request.user, pk=request.GET.get("unit"))
            if form.is_valid():
                return exports.contacts_export(
                    unit=unit,
                    members=selectors.contacts_of_unit(unit=unit),
                    fmt=form.cleaned_data["fmt"],
                    filters=dict(request.GET.items()),
                )
        context = {
            **self.admin_site.each_context(request),
            "title": gettext("导出通讯录"),
            "opts": self.model._meta,
            "form": form,
            "back_url": reverse("admin:notices_unitgroup_changelist"),
        }
        return TemplateResponse(request, "notices/console/contacts.html", context)
