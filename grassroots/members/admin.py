"""Console for the member archive: members with tabs, transfers, arrangements, officers, lists.

Every write goes through ``members.services``; this module only carries forms to them.
"""

from __future__ import annotations

import datetime
from typing import Any
from urllib.parse import urlencode

from django.contrib import admin, messages
from django.contrib.admin.utils import display_for_field, display_for_value, label_for_field
from django.contrib.admin.utils import lookup_field as admin_lookup_field
from django.core.exceptions import ValidationError
from django.forms.models import _get_foreign_key
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.template.loader import render_to_string
from django.urls import path, reverse
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from unfold.admin import TabularInline
from unfold.contrib.filters.admin import (
    BooleanRadioFilter,
    ChoicesDropdownFilter,
    DropdownFilter,
    RelatedDropdownFilter,
)
from unfold.datasets import BaseDataset
from unfold.decorators import action
from unfold.paginator import InfinitePaginator

from grassroots.accounts.services import member_account_issue
from grassroots.core.admin import action_page
from grassroots.core.admin_base import ScopedModelAdmin, permission_check
from grassroots.core.models import AuditEvent
from grassroots.core.scope import get_visible_or_404, unit_in_scope, user_scope_path
from grassroots.members import selectors, services
from grassroots.members.forms import (
    ArrivalFields,
    ConfirmForm,
    MemberForm,
    StatusChangeForm,
    TransferAcceptForm,
    TransferDeclineForm,
    TransferOutForm,
    TransferReceiptForm,
    TransferStartForm,
    put_errors,
)
from grassroots.members.models import (
    ArrangementKind,
    ArrangementLevel,
    Education,
    Ethnicity,
    Member,
    Officer,
    PoliticalArrangement,
    Sector,
    StatusChange,
    TalentKind,
    Title,
    Transfer,
)
from grassroots.organizations import selectors as unit_selectors
from grassroots.organizations.models import Unit

# The unit tree browser (organizations) counts members through this hook.
unit_selectors.register_member_counter(selectors.active_member_counts_by_unit)


def _posted(request: HttpRequest) -> Any:
    """Bound data on POST even when every field is optional (an empty POST is still a submit)."""
    return request.POST if request.method == "POST" else None


# --- filters -------------------------------------------------------------------------------


class UnitSubtreeFilter(DropdownFilter):
    """A unit the user can see, and everything below it."""

    title = _("所属组织（含下级）")
    parameter_name = "unit"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, str]]:
        visible = unit_selectors.units_visible(request.user).only("pk", "name", "depth", "path")
        units = list(visible.order_by("path"))
        base = min((u.depth for u in units), default=0)
        return [(str(u.pk), "\u3000" * (u.depth - base) + u.name) for u in units]

    def queryset(self, request: HttpRequest, queryset):
        if not self.value():
            return queryset
        unit = get_visible_or_404(Unit.objects.all(), request.user, pk=self.value())
        return selectors.members_in_unit(queryset, unit)


def years_ago(day: datetime.date, years: int) -> datetime.date:
    try:
        return day.replace(year=day.year - years)
    except ValueError:  # 29 February
        return day.replace(year=day.year - years, day=28)


class AgeBandFilter(DropdownFilter):
    title = _("年龄段")
    parameter_name = "age"
    BANDS: dict[str, tuple[int | None, int | None]] = {
        "lt35": (None, 35),
        "35-45": (35, 45),
        "45-55": (45, 55),
        "55-65": (55, 65),
        "ge65": (65, None),
    }

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, str]]:
        return [
            ("lt35", gettext("35岁以下")),
            ("35-45", gettext("35至44岁")),
            ("45-55", gettext("45至54岁")),
            ("55-65", gettext("55至64岁")),
            ("ge65", gettext("65岁及以上")),
        ]

    def queryset(self, request: HttpRequest, queryset):
        band = self.BANDS.get(self.value() or "")
        if band is None:
            return queryset
        low, high = band
        today = timezone.localdate()
        # Age ≥ n exactly when born on or before the day n years ago.
        if low is not None:
            queryset = queryset.filter(birth_date__lte=years_ago(today, low))
        if high is not None:
            queryset = queryset.filter(birth_date__gt=years_ago(today, high))
        return queryset


# --- member detail tabs ----------------------------------------------------------------------


class ReadOnlyInline(TabularInline):
    extra = 0
    tab = True
    show_change_link = False

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class StatusChangeInline(ReadOnlyInline):
    model = StatusChange
    fields = ("date", "from_status", "to_status", "reason", "recorded_by", "recorded_at")
    readonly_fields = fields
    verbose_name_plural = _("状态历史")


class TransferInline(ReadOnlyInline):
    model = Transfer
    fk_name = "member"
    fields = (
        "kind",
        "state",
        "from_unit",
        "to_unit",
        "external_org",
        "letter_number",
        "started_at",
        "effective_date",
    )
    readonly_fields = fields
    show_change_link = True
    verbose_name_plural = _("转接记录")


class OfficeInline(ReadOnlyInline):
    """Positions inside the association (会内职务), past and present, kept as officer rows."""

    model = Officer
    fk_name = "member"
    fields = ("unit", "post", "start_date", "end_date")
    readonly_fields = fields
    ordering = ("-start_date", "-id")
    verbose_name_plural = _("会内职务")


class ArrangementInline(TabularInline):
    model = PoliticalArrangement
    fields = ("kind", "level", "body", "post", "start_date", "end_date")
    extra = 0
    tab = True


class MemberAuditAdmin(ScopedModelAdmin):
    """The audit rows of one member, shown as a tab of the member page."""

    list_display = ("occurred_at", "actor_username", "action", "operation", "source", "ip")
    extra_context: dict[str, Any] = {}

    def get_queryset(self, request: HttpRequest):
        object_id = str((self.extra_context or {}).get("object") or "")
        return (
            super()
            .get_queryset(request)
            .filter(object_type="members.member", object_id=object_id)
            .order_by("-occurred_at", "-id")
        )

    def get_actions(self, request: HttpRequest) -> dict:
        return {}


class MemberAuditDataset(BaseDataset):
    model = AuditEvent
    model_admin = MemberAuditAdmin
    tab = True
    title = _("审计记录")


class LazyTab:
    """A read-only tab of the member page, loaded from ``tab_url`` when first opened (htmx).

    Unfold renders such tabs on every view of the page whether or not they are opened; the
    three read-only inlines and the audit rows cost about 40% of the member page's CPU
    (docs/decisions/0048-console-cpu-per-page.md). To Unfold this is a change-form dataset:
    a tab in the bar (``#dataset-<key>``) and the ``contents`` below the form, here only a
    placeholder. What is loaded is decided again by ``MemberAdmin.tab_view`` (scope, permissions).
    """

    tab = True
    key = ""
    title: Any = ""
    model: Any = None

    def __init__(self, request: HttpRequest, extra_context: dict[str, Any] | None) -> None:
        self.request = request
        self.object_id = str((extra_context or {}).get("object") or "")

    @property
    def model_name(self) -> str:
        return self.key

    @property
    def contents(self) -> str:
        url = reverse("admin:members_member_tab", args=[self.object_id, self.key])
        prefix = f"{self.key}-"  # the audit rows' own page and search parameters
        query = [(k, v) for k, v in self.request.GET.items() if k.startswith(prefix)]
        if query:
            url = f"{url}?{urlencode(query)}"
        return render_to_string(
            "admin/members/member/lazy_tab.html", {"key": self.key, "url": url}, self.request
        )


def _lazy_tab(key: str, title: Any, model: Any) -> type[LazyTab]:
    return type(f"LazyTab_{key}", (LazyTab,), {"key": key, "title": title, "model": model})


def inline_tab_rows(inline: Any, request: HttpRequest, member: Member) -> dict[str, Any]:
    """The rows of a read-only inline as the tab shows them: its fields, labels and order."""
    names = list(inline.get_fields(request, member))
    fk = _get_foreign_key(Member, inline.model, fk_name=inline.fk_name)
    model_fields = {f.name: f for f in inline.model._meta.get_fields()}
    relations = [n for n in names if getattr(model_fields.get(n), "many_to_one", False)]
    rows = inline.get_queryset(request).filter(**{fk.name: member}).select_related(*relations)
    empty = inline.get_empty_value_display()
    link = getattr(inline, "show_change_link", False)
    headers = [label_for_field(n, inline.model, inline) for n in names]
    lines = []
    for obj in rows:
        cells = []
        for name in names:
            field, _attr, value = admin_lookup_field(name, obj, inline)
            if field is None:
                cells.append(display_for_value(value, empty))
            else:
                cells.append(display_for_field(value, field, empty))
        url = ""
        if link:
            opts = inline.model._meta
            url = reverse(f"admin:{opts.app_label}_{opts.model_name}_change", args=[obj.pk])
        lines.append({"cells": cells, "url": url})
    return {"headers": headers, "rows": lines, "links": link}


# --- members -------------------------------------------------------------------------------


PROFILE = (
    "name",
    "sex",
    "id_number_input",
    "birth_date",
    "ethnicity",
    "phone",
    "email",
)
EDUCATION = ("education", "degree", "title", "sector", "employer", "post")
TALENT = ("is_talent", "talent_kind")
MEMBERSHIP = ("join_date", "member_number", "photo")


@admin.register(Member)
class MemberAdmin(ScopedModelAdmin):
    has_reveal_id_number_permission = permission_check("members.reveal_id_number")
    has_add_transfer_permission = permission_check("members.add_transfer")
    has_change_member_permission = permission_check("members.change_member")
    has_add_member_permission = permission_check("members.add_member")
    form = MemberForm
    list_display = (
        "name",
        "sex",
        "id_number_masked",
        "unit",
        "sector",
        "title",
        "status",
        "member_number",
    )
    list_select_related = ("unit", "sector", "title")
    list_filter = (
        UnitSubtreeFilter,
        ("sector", RelatedDropdownFilter),
        ("education", RelatedDropdownFilter),
        ("title", RelatedDropdownFilter),
        AgeBandFilter,
        ("status", ChoicesDropdownFilter),
        ("is_talent", BooleanRadioFilter),
        ("talent_kind", RelatedDropdownFilter),
    )
    list_filter_submit = True
    search_fields = ("name",)
    search_help_text = _("姓名、全拼、首字母、手机号或身份证号后四位")
    paginator = InfinitePaginator
    show_full_result_count = False
    # Only the editable inline is part of the form; the read-only ones are tabs loaded when
    # opened (``LazyTab``), as are the audit rows.
    inlines = [ArrangementInline]
    read_only_tabs = [StatusChangeInline, TransferInline, OfficeInline]
    change_form_datasets = [MemberAuditDataset]
    actions_detail = [
        "reveal_id",
        "start_transfer",
        "transfer_out",
        "change_status",
        "portal_account",
    ]
    actions_list = ["arrival", "export_xlsx"]
    # No bulk actions: the fast paginator has no total to "select all" against, and members
    # leave the roster through a status change, not a bulk delete.
    actions = None

    # --- lists and search ---

    def get_queryset(self, request: HttpRequest):
        qs = super().get_queryset(request)
        match = getattr(request, "resolver_match", None)
        if match is not None and match.url_name in ("members_member_changelist", "autocomplete"):
            # The encrypted column is never shown in lists; do not fetch or decrypt it.
            qs = qs.defer("id_number")
        return qs

    def get_search_results(self, request: HttpRequest, queryset, search_term: str):
        within = user_scope_path(request.user)
        return selectors.member_search(queryset, search_term, within=within), False

    def get_ordering(self, request: HttpRequest):
        if selectors.is_pinyin_search(getattr(request, "GET", {}).get("q", "")):
            return selectors.SEARCH_ORDERING
        return super().get_ordering(request)

    # --- the form ---

    def get_fieldsets(self, request: HttpRequest, obj: Any = None):
        if obj is None:
            return [
                (None, {"fields": ("unit", *PROFILE)}),
                (_("学历、职称与工作"), {"fields": EDUCATION}),
                (_("优才"), {"fields": TALENT}),
                (_("会籍"), {"fields": MEMBERSHIP}),
            ]
        profile: tuple[str, ...] = PROFILE
        if not self.has_change_permission(request, obj):
            profile = tuple("id_number_masked" if f == "id_number_input" else f for f in PROFILE)
        return [
            (None, {"fields": ("unit", *profile)}),
            (_("学历、职称与工作"), {"fields": EDUCATION}),
            (_("优才"), {"fields": TALENT}),
            (_("会籍"), {"fields": (*MEMBERSHIP, "status", "status_date", "created_at")}),
        ]

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None):
        if obj is None:
            return ()
        return ("unit", "status", "status_date", "created_at", "id_number_masked")

    def get_form(self, request: HttpRequest, obj: Any = None, change: bool = False, **kwargs):
        form = super().get_form(request, obj, change=change, **kwargs)
        return type(form.__name__, (form,), {"actor": request.user})

    def get_inlines(self, request: HttpRequest, obj: Any = None):
        return self.inlines if obj is not None else []

    def get_changeform_datasets(self, request: HttpRequest) -> list[Any]:
        match = getattr(request, "resolver_match", None)
        if match is None or match.url_name != "members_member_change":
            return []
        return [_lazy_tab(key, title, model) for key, title, model, _ in self._tabs(request)]

    def _tabs(self, request: HttpRequest, obj: Any = None) -> list[tuple[str, Any, Any, Any]]:
        """(key, title, model, what renders it) of the lazy tabs this user may open."""
        tabs: list[tuple[str, Any, Any, Any]] = []
        for inline_class in self.read_only_tabs:
            inline = inline_class(self.model, self.admin_site)
            if inline.has_view_permission(request, obj):
                opts = inline.model._meta
                key = str(opts.model_name)
                tabs.append((key, inline.verbose_name_plural, inline.model, inline))
        for dataset in self.change_form_datasets:
            if request.user.has_perm("core.view_auditevent"):
                key = str(dataset.model._meta.model_name)
                tabs.append((key, dataset.title, dataset.model, dataset))
        return tabs

    def get_urls(self):
        tab = path(
            "<path:object_id>/tab/<slug:key>/",
            self.admin_site.admin_view(self.tab_view),
            name="members_member_tab",
        )
        return [tab, *super().get_urls()]

    def tab_view(self, request: HttpRequest, object_id: str, key: str) -> HttpResponse:
        """One lazy tab of a member's page: 404 outside scope or without the permission."""
        member = self._member(request, object_id)
        if not self.has_view_or_change_permission(request, member):
            raise Http404
        found = {k: (title, r) for k, title, _, r in self._tabs(request, member)}.get(key)
        if found is None:
            raise Http404
        title, renderer = found
        if isinstance(renderer, type):  # the audit rows: Unfold's own dataset rendering
            html = renderer(request=request, extra_context={"object": str(member.pk)}).contents
        else:
            context = {"title": title, **inline_tab_rows(renderer, request, member)}
            html = render_to_string("admin/members/member/tab_rows.html", context, request)
        return HttpResponse(html)

    def save_model(self, request: HttpRequest, obj: Member, form: Any, change: bool) -> None:
        if change:
            fresh = Member.objects.get(pk=obj.pk)
            saved = services.member_update(member=fresh, data=form.member_data, actor=request.user)
        else:
            saved = services.member_create(
                unit=form.cleaned_data["unit"], data=form.member_data, actor=request.user
            )
        obj.__dict__.update({k: v for k, v in saved.__dict__.items() if k != "_state"})
        obj._state.adding = False

    # --- actions on one member ---

    def _member(self, request: HttpRequest, object_id: str) -> Member:
        return get_visible_or_404(Member.objects.select_related("unit"), request.user, pk=object_id)

    def _back(self, member: Member) -> str:
        return reverse("admin:members_member_change", args=[member.pk])

    @action(
        description=_("查看完整身份证号"),
        icon="visibility",
        url_path="reveal-id",
        permissions=["reveal_id_number"],
    )
    def reveal_id(self, request: HttpRequest, object_id: str):
        member = self._member(request, object_id)
        form: ConfirmForm | None = ConfirmForm(_posted(request))
        revealed = ""
        if request.method == "POST" and form is not None and form.is_valid():
            revealed = services.member_reveal_id_number(member=member, actor=request.user)
            form = None
        return action_page(
            self,
            request,
            title=gettext("查看完整身份证号：%(name)s") % {"name": member.name},
            form=form,
            submit_label=gettext("显示完整号码"),
            back_url=self._back(member),
            intro="" if revealed else gettext("查看完整身份证号将记入审计日志。"),
            revealed=revealed or ("" if form else gettext("（未填写身份证号）")),
        )

    @action(
        description=_("省内转接"),
        icon="swap_horiz",
        url_path="transfer",
        permissions=["add_transfer"],
    )
    def start_transfer(self, request: HttpRequest, object_id: str):
        member = self._member(request, object_id)
        form = TransferStartForm(_posted(request))
        if request.method == "POST" and form.is_valid():
            try:
                services.transfer_start(
                    member=member,
                    to_unit=form.cleaned_data["to_unit"],
                    reason=form.cleaned_data["reason"],
                    actor=request.user,
                )
            except ValidationError as exc:
                put_errors(form, exc, {"member": "__all__"})
            else:
                messages.success(request, gettext("已发起转接，待转入组织接收"))
                return HttpResponseRedirect(self._back(member))
        return action_page(
            self,
            request,
            title=gettext("省内转接：%(name)s") % {"name": member.name},
            form=form,
            submit_label=gettext("发起转接"),
            back_url=self._back(member),
            intro=gettext("转入组织接收前，会员仍属于%(unit)s。") % {"unit": member.unit.name},
        )

    @action(
        description=_("转出外省"),
        icon="logout",
        url_path="transfer-out",
        permissions=["add_transfer"],
    )
    def transfer_out(self, request: HttpRequest, object_id: str):
        member = self._member(request, object_id)
        form = TransferOutForm(_posted(request))
        if request.method == "POST" and form.is_valid():
            try:
                services.transfer_out_of_province(
                    member=member, actor=request.user, **form.cleaned_data
                )
            except ValidationError as exc:
                put_errors(form, exc, {"member": "__all__"})
            else:
                messages.success(request, gettext("已登记转出介绍信"))
                return HttpResponseRedirect(self._back(member))
        return action_page(
            self,
            request,
            title=gettext("转出外省：%(name)s") % {"name": member.name},
            form=form,
            submit_label=gettext("登记介绍信"),
            back_url=self._back(member),
        )

    @action(
        description=_("变更状态"),
        icon="event_busy",
        url_path="status",
        permissions=["change_member"],
    )
    def change_status(self, request: HttpRequest, object_id: str):
        member = self._member(request, object_id)
        form = StatusChangeForm(_posted(request))
        if request.method == "POST" and form.is_valid():
            try:
                services.member_set_status(member=member, actor=request.user, **form.cleaned_data)
            except ValidationError as exc:
                put_errors(form, exc, {})
            else:
                messages.success(request, gettext("状态已变更"))
                return HttpResponseRedirect(self._back(member))
        return action_page(
            self,
            request,
            title=gettext("变更状态：%(name)s（当前：%(status)s）")
            % {"name": member.name, "status": member.get_status_display()},
            form=form,
            submit_label=gettext("保存"),
            back_url=self._back(member),
        )

    @action(
        description=_("会员门户账号"),
        icon="phone_iphone",
        url_path="portal-account",
        permissions=["change_member"],
    )
    def portal_account(self, request: HttpRequest, object_id: str):
        """Issue the member's portal account, or reset its password; shown once."""
        member = self._member(request, object_id)
        form: ConfirmForm | None = ConfirmForm(_posted(request))
        issued = ""
        if request.method == "POST" and form is not None and form.is_valid():
            try:
                user, raw = member_account_issue(member=member, actor=request.user)  # type: ignore[arg-type]
            except ValidationError as exc:
                messages.error(request, " ".join(exc.messages))
                return HttpResponseRedirect(self._back(member))
            issued = gettext("登录名：%(u)s　临时密码：%(p)s") % {"u": user.username, "p": raw}
            form = None
        account = member.user
        return action_page(
            self,
            request,
            title=gettext("会员门户账号：%(name)s") % {"name": member.name},
            form=form,
            submit_label=gettext("重置密码") if account is not None else gettext("开通账号"),
            back_url=self._back(member),
            intro=""
            if issued
            else (
                gettext("该会员已有账号（%(u)s）。重置后旧密码失效，须用临时密码登录并修改。")
                % {"u": account.username}
                if account is not None
                else gettext("开通后会员可用手机号码或登录名在手机上登录会员之家（/m/）。")
            ),
            revealed=issued,
            revealed_label=gettext("请将以下信息告知会员（仅本次显示，首次登录须修改密码）："),
        )

    @action(description=_("导出Excel"), icon="download", url_path="export-xlsx")
    def export_xlsx(self, request: HttpRequest):
        """The roster export (transfer app) reads this list's filter from the referring page."""
        return HttpResponseRedirect(reverse("admin:transfer_export"))

    @action(
        description=_("外省转入"),
        icon="login",
        url_path="arrival",
        permissions=["add_member", "add_transfer"],
    )
    def arrival(self, request: HttpRequest):
        """A member arriving with another province's letter: archive and transfer together."""
        base = self.get_form(
            request, None, change=False, fields=("unit", *PROFILE, *EDUCATION, *TALENT, *MEMBERSHIP)
        )
        form_class = type("ArrivalForm", (base,), dict(ArrivalFields.base_fields))
        form = form_class(_posted(request), request.FILES or None)
        if request.method == "POST" and form.is_valid():
            letter = {k: form.cleaned_data[k] for k in ArrivalFields.base_fields}
            try:
                transfer = services.transfer_into_province(
                    unit=form.cleaned_data["unit"],
                    data=form.member_data,
                    actor=request.user,
                    **letter,
                )
            except ValidationError as exc:
                put_errors(form, exc, {"id_number": "id_number_input"})
            else:
                messages.success(request, gettext("已登记外省转入"))
                return HttpResponseRedirect(self._back(transfer.member))
        return action_page(
            self,
            request,
            title=gettext("外省转入"),
            form=form,
            submit_label=gettext("登记转入"),
            back_url=reverse("admin:members_member_changelist"),
        )


# --- transfers -----------------------------------------------------------------------------


def _in_scope(user: Any, unit: Unit | None) -> bool:
    return unit_in_scope(unit, user)


@admin.register(Transfer)
class TransferAdmin(ScopedModelAdmin):
    has_change_transfer_permission = permission_check("members.change_transfer")
    list_display = ("member", "kind", "state", "from_unit", "to_unit", "external_org", "started_at")
    list_select_related = ("member", "from_unit", "to_unit")
    list_filter = (("kind", ChoicesDropdownFilter), ("state", ChoicesDropdownFilter))
    list_filter_submit = True
    search_fields = ("member__name", "letter_number")
    actions_detail = ["accept", "give_back", "cancel", "receipt"]

    def get_queryset(self, request: HttpRequest):
        return super().get_queryset(request).select_related("member", "from_unit", "to_unit")

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # started from the member's page

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        # The record itself is history; it changes only through the actions.
        return False if obj is not None else super().has_change_permission(request)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def get_actions_detail(self, request: HttpRequest, object_id: Any) -> list:
        allowed = super().get_actions_detail(request, object_id)
        transfer = (
            Transfer.objects.visible_to(request.user)  # type: ignore[attr-defined]
            .select_related("from_unit", "to_unit")
            .filter(pk=object_id)
            .first()
        )
        if transfer is None or transfer.state != Transfer.State.PENDING:
            return []
        user = request.user
        wanted = set()
        if transfer.kind == Transfer.Kind.INTERNAL and _in_scope(user, transfer.to_unit):
            wanted |= {"accept", "give_back"}
        if transfer.kind == Transfer.Kind.INTERNAL and _in_scope(user, transfer.from_unit):
            wanted.add("cancel")
        if transfer.kind == Transfer.Kind.OUT and _in_scope(user, transfer.from_unit):
            wanted.add("receipt")
        return [a for a in allowed if a.action_name.removeprefix("members_transfer_") in wanted]

    def _transfer(self, request: HttpRequest, object_id: str) -> Transfer:
        return get_visible_or_404(
            Transfer.objects.select_related("member", "from_unit", "to_unit"),
            request.user,
            pk=object_id,
        )

    def _back(self, transfer: Transfer) -> str:
        return reverse("admin:members_transfer_change", args=[transfer.pk])

    def _run(self, request, transfer, form, call, done: str, title: str, submit: str):
        if request.method == "POST" and form.is_valid():
            try:
                call(**form.cleaned_data)
            except ValidationError as exc:
                put_errors(form, exc, {})
            else:
                messages.success(request, done)
                return HttpResponseRedirect(self._back(transfer))
        return action_page(
            self,
            request,
            title=f"{title}：{transfer.member.name}",
            form=form,
            submit_label=submit,
            back_url=self._back(transfer),
        )

    @action(
        description=_("接收"),
        icon="task_alt",
        url_path="accept",
        permissions=["change_transfer"],
    )
    def accept(self, request: HttpRequest, object_id: str):
        transfer = self._transfer(request, object_id)
        return self._run(
            request,
            transfer,
            TransferAcceptForm(_posted(request)),
            lambda date: services.transfer_accept(transfer=transfer, date=date, actor=request.user),
            gettext("已接收，会员已转入本组织"),
            gettext("接收转接"),
            gettext("接收"),
        )

    @action(
        description=_("退回"),
        icon="undo",
        url_path="return",
        permissions=["change_transfer"],
    )
    def give_back(self, request: HttpRequest, object_id: str):
        transfer = self._transfer(request, object_id)
        return self._run(
            request,
            transfer,
            TransferDeclineForm(_posted(request)),
            lambda note: services.transfer_decline(
                transfer=transfer, cancel=False, note=note, actor=request.user
            ),
            gettext("已退回"),
            gettext("退回转接"),
            gettext("退回"),
        )

    @action(
        description=_("撤销"),
        icon="cancel",
        url_path="cancel",
        permissions=["change_transfer"],
    )
    def cancel(self, request: HttpRequest, object_id: str):
        transfer = self._transfer(request, object_id)
        return self._run(
            request,
            transfer,
            TransferDeclineForm(_posted(request)),
            lambda note: services.transfer_decline(
                transfer=transfer, cancel=True, note=note, actor=request.user
            ),
            gettext("已撤销"),
            gettext("撤销转接"),
            gettext("撤销"),
        )

    @action(
        description=_("登记回执"),
        icon="receipt_long",
        url_path="receipt",
        permissions=["change_transfer"],
    )
    def receipt(self, request: HttpRequest, object_id: str):
        transfer = self._transfer(request, object_id)
        return self._run(
            request,
            transfer,
            TransferReceiptForm(_posted(request)),
            lambda receipt_date: services.transfer_record_receipt(
                transfer=transfer, receipt_date=receipt_date, actor=request.user
            ),
            gettext("已登记回执"),
            gettext("登记回执"),
            gettext("保存"),
        )


# --- political arrangements and officers ---------------------------------------------------


@admin.register(PoliticalArrangement)
class PoliticalArrangementAdmin(ScopedModelAdmin):
    list_display = ("member", "kind", "level", "body", "post", "start_date", "end_date")
    list_select_related = ("member", "kind", "level")
    list_filter = (("kind", RelatedDropdownFilter), ("level", RelatedDropdownFilter))
    list_filter_submit = True
    search_fields = ("member__name", "body", "post")
    autocomplete_fields = ("member",)


@admin.register(Officer)
class OfficerAdmin(ScopedModelAdmin):
    list_display = ("unit", "post", "member", "start_date", "end_date")
    list_select_related = ("unit", "member")
    list_filter = (("post", ChoicesDropdownFilter),)
    list_filter_submit = True
    search_fields = ("member__name", "unit__name")
    autocomplete_fields = ("member",)


# --- reference lists (province staff edit them; Django permissions decide) -----------------


class ReferenceAdmin(ScopedModelAdmin):
    list_display = ("name", "code", "aliases", "order", "is_active")
    list_filter = ("is_active",)
    search_fields = ("name", "code", "aliases")
    ordering = ("order", "id")


for _model, _extra in (
    (Sector, ("is_main",)),
    (Education, ("rank", "bachelor_or_higher")),
    (Title, ("grade",)),
    (Ethnicity, ()),
    (ArrangementKind, ()),
    (ArrangementLevel, ("rank",)),
    (TalentKind, ()),
):
    admin.site.register(
        _model,
        type(
            f"{_model.__name__}Admin",
            (ReferenceAdmin,),
            {
                "list_display": (
                    *ReferenceAdmin.list_display[:2],
                    *_extra,
                    *ReferenceAdmin.list_display[2:],
                )
            },
        ),
    )
