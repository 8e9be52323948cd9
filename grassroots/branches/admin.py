"""Console for the five-izations records: the panel per unit, activities and attendance, training,
visits, cadence. Rule-bearing writes go through ``branches.services``."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Any

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count, OuterRef, Q, Subquery, Sum
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from unfold.admin import TabularInline
from unfold.widgets import UnfoldAdminFileFieldWidget

from grassroots.accounts.models import Role
from grassroots.branches import exports, selectors, services, signups
from grassroots.branches.models import (
    Activity,
    ActivityFile,
    ActivityHost,
    ActivityKind,
    ActivityOpening,
    ActivitySignup,
    Attendance,
    Branch,
    Cadence,
    FollowUp,
    Funding,
    PlatformActivity,
    Spending,
    TrainingCourse,
    Venue,
    Visit,
)
from grassroots.branches.tabular import export_action, list_page, xlsx_response
from grassroots.core.admin_base import ScopedModelAdmin
from grassroots.core.scope import get_visible_or_404, user_scope_path
from grassroots.organizations.models import Unit


def _this_year() -> int:
    return timezone.localdate().year


def _year(request: HttpRequest) -> int:
    try:
        return int(request.GET.get("year") or _this_year())
    except ValueError:
        return _this_year()


class ScopeCheckedForm(forms.ModelForm):
    """Refuses a unit outside the user's scope with a message on the field."""

    unit_fields: tuple[str, ...] = ("unit",)
    request_user: Any = None

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        for name in self.unit_fields:
            unit = data.get(name)
            if isinstance(unit, Unit):
                try:
                    services.check_unit_in_scope(unit, self.request_user, name)
                except ValidationError as exc:
                    self.add_error(name, exc.message_dict[name])
        return data


class ScopeFormAdmin(ScopedModelAdmin):
    form = ScopeCheckedForm

    def get_form(self, request, obj=None, change=False, **kwargs):
        form = super().get_form(request, obj, change, **kwargs)
        form.request_user = request.user
        return form


# --- the five-izations panel -----------------------------------------------------------------


@admin.register(Branch)
class BranchAdmin(ScopedModelAdmin):
    list_display = ("name", "parent", "budget", "venue", "platforms", "activities", "cadence")
    list_filter = ("kind",)
    search_fields = ("name", "code")
    ordering = ("path",)

    def get_queryset(self, request):
        year = _this_year()
        venue = Venue.objects.filter(unit=OuterRef("pk"), until__isnull=True).order_by("-since")
        return (
            super()
            .get_queryset(request)
            .select_related("parent", "kind")
            .annotate(
                budget_sum=Subquery(
                    Funding.objects.filter(unit=OuterRef("pk"), year=year)
                    .order_by()
                    .values("unit")
                    .annotate(s=Sum("budget"))
                    .values("s")[:1]
                ),
                venue_usage=Subquery(venue.values("usage")[:1]),
                platform_count=Subquery(
                    PlatformActivity.objects.filter(unit=OuterRef("pk"), until__isnull=True)
                    .order_by()
                    .values("unit")
                    .annotate(n=Count("platform", distinct=True))
                    .values("n")[:1]
                ),
                activity_count=Subquery(
                    ActivityHost.objects.filter(unit=OuterRef("pk"), activity__date__year=year)
                    .order_by()
                    .values("unit")
                    .annotate(n=Count("id"))
                    .values("n")[:1]
                ),
            )
        )

    @admin.display(description=_("本年经费（元）"))
    def budget(self, obj):
        return obj.budget_sum or "—"

    @admin.display(description=_("活动场地"))
    def venue(self, obj):
        return dict(Venue.Usage.choices).get(obj.venue_usage, "—")

    @admin.display(description=_("履职平台"))
    def platforms(self, obj):
        return f"{obj.platform_count or 0}/4"

    @admin.display(description=_("本年活动"))
    def activities(self, obj):
        return obj.activity_count or 0

    @admin.display(description=_("活动频次"))
    def cadence(self, obj):
        behind = getattr(self, "_behind", {}).get(obj.pk)
        if not behind:
            return "—"
        return format_html('<span class="text-red-600">⚠ {}</span>', "、".join(behind))

    def changelist_view(self, request, extra_context=None):
        # Units behind their cadence, computed once for the page (two queries), not per row.
        self._behind: dict[int, list[str]] = {}
        for flag in selectors.units_behind_cadence(user=request.user):
            self._behind.setdefault(flag.unit.pk, []).append(flag.kind_name)
        return super().changelist_view(request, extra_context)

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    actions = [
        export_action(
            _("导出所选组织的五化情况"),
            [_("组织"), _("上级"), _("本年经费（元）"), _("场地"), _("履职平台数"), _("本年活动")],
            lambda u: [
                u.name,
                u.parent.name if u.parent else "",
                u.budget_sum,
                dict(Venue.Usage.choices).get(u.venue_usage, ""),
                u.platform_count or 0,
                u.activity_count or 0,
            ],
            "five-izations",
        )
    ]

    def get_urls(self):
        return [
            path(
                "cadence/",
                self.admin_site.admin_view(self.cadence_view),
                name="branches_branch_cadence",
            ),
            *super().get_urls(),
        ]

    def change_view(self, request, object_id, form_url="", extra_context=None):
        unit = get_visible_or_404(Unit.objects.all(), request.user, pk=object_id)
        if not self.has_view_permission(request):
            raise PermissionDenied
        year = _year(request)
        panel = selectors.five_izations(unit=unit, year=year, user=request.user)
        from django.apps import apps

        evaluations: list[Any] = []
        if apps.is_installed("grassroots.evaluation"):
            # The panel shows the unit's published/ongoing results; evaluation sits above branches
            # and registers nothing here, so it is read by label to keep imports one-way.
            Evaluation = apps.get_model("evaluation", "Evaluation")
            evaluations = list(
                Evaluation.objects.visible_to(request.user)
                .filter(unit=unit, member__isnull=True, scheme__year=year)
                .select_related("scheme")
            )
        context = {
            **self.admin_site.each_context(request),
            "title": gettext("%(unit)s · 五化建设一览") % {"unit": unit.name},
            "panel": panel,
            "years": range(_this_year() - 3, _this_year() + 1),
            "evaluations": evaluations,
            "opts": self.model._meta,
        }
        return TemplateResponse(request, "branches/five_izations.html", context)

    def cadence_view(self, request):
        if not self.has_view_permission(request):
            raise PermissionDenied
        flags = selectors.units_behind_cadence(user=request.user)
        headers = [_("组织"), _("活动类型"), _("要求"), _("最近一次"), _("应开展日期")]
        rows = [
            [
                f.unit.name,
                f.kind_name,
                gettext("每%(n)s个月") % {"n": f.every_months},
                f.last_date or gettext("从未开展"),
                f.due_since,
            ]
            for f in flags
        ]
        if request.GET.get("export") == "xlsx":
            return xlsx_response(
                filename="behind-cadence",
                headers=headers,
                rows=rows,
                object_type="branches.cadence",
            )
        return list_page(
            request,
            self.admin_site,
            title=gettext("未按频次开展活动的组织"),
            headers=headers,
            rows=rows,
            intro=gettext("按各组织设定的活动频次，以下组织的相应活动已逾期。"),
            export_url="?export=xlsx",
            empty=gettext("所有组织均按频次开展活动"),
        )


# --- funding, venue, platforms ---------------------------------------------------------------


class SpendingInline(TabularInline):
    model = Spending
    extra = 0
    fields = ("date", "amount", "purpose")


@admin.register(Funding)
class FundingAdmin(ScopeFormAdmin):
    list_display = ("unit", "year", "source", "budget", "spent")
    list_filter = ("year", "source")
    search_fields = ("unit__name",)
    inlines = [SpendingInline]
    actions = [
        export_action(
            _("导出所选经费"),
            [_("组织"), _("年度"), _("来源"), _("预算"), _("支出")],
            lambda f: [f.unit.name, f.year, f.get_source_display(), f.budget, f.spent_sum],
            "funding",
        )
    ]

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .select_related("unit")
            .annotate(spent_sum=Sum("spendings__amount"))
        )

    @admin.display(description=_("已支出（元）"))
    def spent(self, obj):
        return obj.spent_sum or 0


class VenueForm(ScopeCheckedForm):
    def clean(self):
        data = super().clean() or {}
        until, since = data.get("until"), data.get("since")
        if until and since and until < since:
            self.add_error("until", gettext("停用日期不能早于启用日期"))
        return data


@admin.register(Venue)
class VenueAdmin(ScopeFormAdmin):
    form = VenueForm
    list_display = ("unit", "address", "usage", "area", "owner", "since", "until")
    list_filter = ("usage",)
    search_fields = ("unit__name", "address")
    actions = [
        export_action(
            _("导出所选场地"),
            [_("组织"), _("地址"), _("使用方式"), _("面积"), _("产权单位"), _("启用"), _("停用")],
            lambda v: [
                v.unit.name,
                v.address,
                v.get_usage_display(),
                v.area,
                v.owner,
                v.since,
                v.until,
            ],
            "venues",
        )
    ]

    def save_model(self, request, obj, form, change):
        if change:
            super().save_model(request, obj, form, change)
            return
        saved = services.venue_set(
            unit=obj.unit,
            address=obj.address,
            usage=obj.usage,
            since=obj.since,
            owner=obj.owner,
            area=obj.area,
            actor=request.user,
        )
        obj.pk = saved.pk


@admin.register(PlatformActivity)
class PlatformActivityAdmin(ScopeFormAdmin):
    list_display = ("unit", "platform", "since", "until", "note")
    list_filter = ("platform",)
    search_fields = ("unit__name",)
    actions = [
        export_action(
            _("导出所选履职平台"),
            [_("组织"), _("工作平台"), _("开始"), _("结束"), _("说明")],
            lambda p: [p.unit.name, p.get_platform_display(), p.since, p.until, p.note],
            "platforms",
        )
    ]


# --- activities and attendance ---------------------------------------------------------------


@admin.register(ActivityKind)
class ActivityKindAdmin(admin.ModelAdmin):
    list_display = ("name", "code", "is_training", "default_hours", "order", "is_active")
    list_editable = ("order", "is_active")


class ActivityForm(forms.ModelForm):
    request_user: Any = None
    co_hosts = forms.ModelMultipleChoiceField(
        label=_("联合主办组织"),
        queryset=Unit.objects.filter(is_active=True).order_by("path"),
        required=False,
        help_text=_("各主办组织只登记和查看本组织会员的出席情况"),
    )

    class Meta:
        model = Activity
        fields = (
            "kind", "topic", "starts_at", "ends_at", "lead_unit", "organizer", "place",
            "hours", "course", "minutes",
        )  # fmt: skip

    def clean(self):
        data = super().clean() or {}
        lead = data.get("lead_unit")
        if isinstance(lead, Unit):
            try:
                services.check_unit_in_scope(lead, self.request_user, "lead_unit")
            except ValidationError as exc:
                self.add_error("lead_unit", exc.message_dict["lead_unit"])
        starts, ends = data.get("starts_at"), data.get("ends_at")
        if starts and ends and ends < starts:
            self.add_error("ends_at", gettext("结束时间不能早于开始时间"))
        return data


class ActivityFileInline(TabularInline):
    model = ActivityFile
    extra = 0
    fields = ("kind", "name", "size", "unit", "uploaded_by", "uploaded_at")
    readonly_fields = fields
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


class HostFilter(admin.SimpleListFilter):
    title = _("主办组织")
    parameter_name = "host"

    def lookups(self, request, model_admin):
        return [(str(u.pk), u.name) for u in Unit.objects.visible_to(request.user)[:300]]

    def queryset(self, request, queryset):
        if self.value():
            return queryset.filter(hosts__unit_id=self.value())
        return queryset


@admin.register(Activity)
class ActivityAdmin(ScopedModelAdmin):
    form = ActivityForm
    list_display = ("date", "topic", "kind", "lead_unit", "host_names", "hours")
    list_filter = ("kind", HostFilter, "date")
    search_fields = ("topic", "place", "organizer")
    date_hierarchy = "date"
    inlines = [ActivityFileInline]
    readonly_fields = ("links",)
    actions = [
        export_action(
            _("导出所选活动"),
            [_("日期"), _("主题"), _("类型"), _("牵头组织"), _("主办组织"), _("地点"), _("学时")],
            lambda a: [
                a.date,
                a.topic,
                a.kind.name,
                a.lead_unit.name,
                "、".join(h.unit.name for h in a.hosts.all()),
                a.place,
                a.hours,
            ],
            "activities",
        )
    ]

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .select_related("kind", "lead_unit")
            .prefetch_related("hosts__unit")
        )

    def get_fields(self, request, obj=None):
        fields = [*list(ActivityForm.Meta.fields), "co_hosts"]
        if obj is not None:
            fields.remove("lead_unit")
            fields.remove("co_hosts")
            fields.insert(0, "links")
        return fields

    def get_form(self, request, obj=None, change=False, **kwargs):
        form = super().get_form(request, obj, change, **kwargs)
        form.request_user = request.user
        if "lead_unit" in form.base_fields:
            form.base_fields["lead_unit"].queryset = Unit.objects.visible_to(request.user)
        if "co_hosts" in form.base_fields:
            # The choice list names units in scope only (a sibling city's units never appear);
            # a wider joint activity is entered by staff whose scope covers every host.
            form.base_fields["co_hosts"].queryset = (
                Unit.objects.visible_to(request.user).filter(is_active=True).order_by("path")
            )
        return form

    @admin.display(description=_("主办组织"))
    def host_names(self, obj):
        return "、".join(h.unit.display_name for h in obj.hosts.all())

    @admin.display(description=_("登记"))
    def links(self, obj):
        if obj is None or obj.pk is None:
            return ""
        items = [
            (reverse("admin:branches_activity_attendance", args=[obj.pk]), gettext("出席登记")),
            (reverse("admin:branches_activity_files", args=[obj.pk]), gettext("照片和附件")),
            (
                reverse("admin:branches_activity_signin", args=[obj.pk]) + "?format=pdf",
                gettext("签到表（PDF）"),
            ),
            (
                reverse("admin:branches_activity_signin", args=[obj.pk]) + "?format=xlsx",
                gettext("签到表（Excel）"),
            ),
        ]
        return format_html_join(" · ", '<a class="text-primary-600" href="{}">{}</a>', items)

    def save_model(self, request, obj, form, change):
        try:
            if change:
                data = {k: form.cleaned_data[k] for k in form.changed_data if k != "co_hosts"}
                services.activity_update(activity=obj, data=data, actor=request.user)
            else:
                saved = services.activity_create(
                    kind=obj.kind,
                    topic=obj.topic,
                    starts_at=obj.starts_at,
                    ends_at=obj.ends_at,
                    lead_unit=obj.lead_unit,
                    co_hosts=list(form.cleaned_data.get("co_hosts") or []),
                    organizer=obj.organizer,
                    place=obj.place,
                    minutes=obj.minutes,
                    hours=obj.hours,
                    course=obj.course,
                    actor=request.user,
                )
                obj.pk = saved.pk
        except ValidationError as exc:
            raise PermissionDenied(" ".join(exc.messages)) from exc

    def get_urls(self):
        view = self.admin_site.admin_view
        return [
            path(
                "<int:pk>/attendance/",
                view(self.attendance_view),
                name="branches_activity_attendance",
            ),
            path("<int:pk>/signin/", view(self.signin_view), name="branches_activity_signin"),
            path("<int:pk>/files/", view(self.files_view), name="branches_activity_files"),
            *super().get_urls(),
        ]

    def _activity(self, request, pk) -> Activity:
        if not self.has_view_permission(request):
            raise PermissionDenied
        return get_visible_or_404(Activity.objects.select_related("kind"), request.user, pk=pk)

    def attendance_view(self, request, pk):
        activity = self._activity(request, pk)
        hosts = [h.unit for h in activity.hosts.select_related("unit")]
        scope = user_scope_path(request.user) or ""
        # Units this user may plan: hosts inside their scope, or their own unit under a host.
        plannable = [u for u in hosts if u.path.startswith(scope)]
        own = getattr(request.user, "unit", None)
        if not plannable and own is not None and any(own.path.startswith(h.path) for h in hosts):
            plannable = [own]
        # Branch officers record their own meetings' attendance (DOMAIN: roles), even though
        # their role grants only view permissions on the generic console forms.
        can_change = (
            self.has_change_permission(request) or request.user.role == Role.BRANCH_OFFICER
        ) and not request.user.is_read_only
        if request.method == "POST" and can_change:
            return self._attendance_post(request, activity, plannable)
        context = {
            **self.admin_site.each_context(request),
            "title": gettext("出席登记 · %(t)s") % {"t": activity.topic},
            "activity": activity,
            "hosts": [h.name for h in hosts],
            "rows": selectors.attendance_visible(request.user, activity).order_by(
                "unit__path", "member__name"
            ),
            "counts": [
                (label, n)
                for value, label in Attendance.Status.choices
                for status, n in selectors.attendance_visible(request.user, activity)
                .order_by()
                .values_list("status")
                .annotate(n=Count("id"))
                if status == value
            ],
            "statuses": Attendance.Status.choices,
            "plannable": plannable if can_change else [],
            "opts": self.model._meta,
        }
        return TemplateResponse(request, "branches/attendance.html", context)

    def _attendance_post(self, request, activity, plannable):
        if request.POST.get("action") == "plan":
            unit = next((u for u in plannable if str(u.pk) == request.POST.get("plan_unit")), None)
            if unit is None:
                messages.error(request, gettext("请选择您管理的主办组织"))
            else:
                n = services.attendance_plan(activity=activity, unit=unit, actor=request.user)
                messages.success(request, gettext("已加入%(n)s名会员") % {"n": n})
            return HttpResponseRedirect(request.path)
        errors = []
        for row in selectors.attendance_visible(request.user, activity):
            status = request.POST.get(f"status_{row.member_id}")
            if status is None:
                continue
            raw_hours = request.POST.get(f"hours_{row.member_id}", "").strip()
            try:
                hours = None if raw_hours == "" else Decimal(raw_hours)
                if status != Attendance.Status.ATTENDED and hours is not None and hours > 0:
                    hours = Decimal(0)
                services.attendance_record(
                    activity=activity,
                    member=row.member,
                    status=status,
                    hours=hours,
                    note=request.POST.get(f"note_{row.member_id}", "")[:200],
                    actor=request.user,
                )
            except (ValidationError, InvalidOperation) as exc:
                text = " ".join(getattr(exc, "messages", [gettext("学时须为数字")]))
                errors.append(f"{row.member.name}：{text}")
        if errors:
            messages.error(request, "；".join(errors))
        else:
            messages.success(request, gettext("出席情况已保存"))
        return HttpResponseRedirect(request.path)

    def signin_view(self, request, pk):
        activity = self._activity(request, pk)
        if request.GET.get("format") == "xlsx":
            body = exports.signin_sheet_xlsx(activity=activity, user=request.user)
            response = HttpResponse(body, content_type="application/vnd.ms-excel")
            response["Content-Disposition"] = f'attachment; filename="signin-{activity.pk}.xlsx"'
            return response
        body = exports.signin_sheet_pdf(activity=activity, user=request.user)
        response = HttpResponse(body, content_type="application/pdf")
        response["Content-Disposition"] = f'inline; filename="signin-{activity.pk}.pdf"'
        return response

    def files_view(self, request, pk):
        activity = self._activity(request, pk)
        form = ActivityFileForm(request.POST or None, request.FILES or None)
        form.fields["unit"].queryset = Unit.objects.visible_to(request.user).filter(
            pk__in=[h.unit_id for h in activity.hosts.all()]
        ) | Unit.objects.filter(pk=getattr(request.user, "unit_id", None))
        if request.method == "POST" and form.is_valid():
            try:
                services.activity_file_add(
                    activity=activity,
                    upload=form.cleaned_data["file"],
                    kind=form.cleaned_data["kind"],
                    unit=form.cleaned_data["unit"],
                    actor=request.user,
                )
                messages.success(request, gettext("已上传"))
                return HttpResponseRedirect(request.path)
            except ValidationError as exc:
                for field, errs in exc.message_dict.items():
                    form.add_error(field if field in form.fields else None, errs)
        rows = [
            [
                f.get_kind_display(),
                format_html('<a href="{}" target="_blank">{}</a>', f.file.url, f.name),
                f"{f.size / 1024:.0f} KB",
                f.unit.name,
                f.uploaded_by,
            ]
            for f in activity.files.select_related("unit")
        ]
        context = {
            **self.admin_site.each_context(request),
            "title": gettext("照片和附件 · %(t)s") % {"t": activity.topic},
            "form": form,
            "rows": rows,
            "headers": [_("类别"), _("文件"), _("大小"), _("上传组织"), _("上传人")],
            "back_url": reverse("admin:branches_activity_change", args=[activity.pk]),
            "opts": self.model._meta,
        }
        return TemplateResponse(request, "branches/files.html", context)


class ActivityFileForm(forms.Form):
    kind = forms.ChoiceField(label=_("类别"), choices=ActivityFile.Kind.choices)
    unit = forms.ModelChoiceField(label=_("上传组织"), queryset=Unit.objects.none())
    file = forms.FileField(
        widget=UnfoldAdminFileFieldWidget,
        label=_("文件"),
        help_text=_("照片：jpg/png/gif/webp，不超过10MB；文件：pdf/Office/txt，不超过20MB"),
    )


@admin.register(Attendance)
class AttendanceAdmin(ScopedModelAdmin):
    list_display = ("date", "activity", "member", "unit", "status", "hours")
    list_filter = ("status", "activity__kind", "date")
    search_fields = ("member__name", "activity__topic")
    date_hierarchy = "date"
    actions = [
        export_action(
            _("导出所选出席记录"),
            [_("日期"), _("活动"), _("会员"), _("组织"), _("出席情况"), _("学时")],
            lambda a: [
                a.date,
                a.activity.topic,
                a.member.name,
                a.unit.name,
                a.get_status_display(),
                a.hours,
            ],
            "attendance",
        )
    ]

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("activity", "member", "unit")

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


# --- training --------------------------------------------------------------------------------


@admin.register(TrainingCourse)
class TrainingCourseAdmin(ScopeFormAdmin):
    list_display = ("title", "year", "unit", "kind", "is_mandatory", "sessions_count", "links")
    list_filter = ("year", "is_mandatory", "kind")
    search_fields = ("title",)
    actions = [
        export_action(
            _("导出所选培训班"),
            [_("名称"), _("年度"), _("主办组织"), _("类型"), _("必修"), _("课次")],
            lambda c: [c.title, c.year, c.unit.name, c.kind.name, c.is_mandatory, c.n_sessions],
            "courses",
        )
    ]

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(n_sessions=Count("sessions"))

    @admin.display(description=_("课次"))
    def sessions_count(self, obj):
        return obj.n_sessions

    @admin.display(description=_("查看"))
    def links(self, obj):
        return format_html(
            '<a href="{}">{}</a>',
            reverse("admin:branches_trainingcourse_missing", args=[obj.pk]),
            gettext("未参训会员") if obj.is_mandatory else "",
        )

    def get_urls(self):
        view = self.admin_site.admin_view
        return [
            path(
                "<int:pk>/missing/", view(self.missing_view), name="branches_trainingcourse_missing"
            ),
            path("hours/", view(self.hours_view), name="branches_trainingcourse_hours"),
            *super().get_urls(),
        ]

    def missing_view(self, request, pk):
        if not self.has_view_permission(request):
            raise PermissionDenied
        course = get_visible_or_404(TrainingCourse.objects.all(), request.user, pk=pk)
        members = selectors.members_missing_mandatory(course=course, user=request.user)
        headers = [_("姓名"), _("会员编号"), _("所属组织")]
        rows = ([m.name, m.member_number or "", m.unit.name] for m in members)
        if request.GET.get("export") == "xlsx":
            return xlsx_response(
                filename="missed-training",
                headers=headers,
                rows=rows,
                object_type="members.member",
                filters={"course": course.pk},
            )
        return list_page(
            request,
            self.admin_site,
            title=gettext("未参加必修培训的会员 · %(c)s") % {"c": course},
            headers=headers,
            rows=rows,
            export_url="?export=xlsx",
            empty=gettext("所有会员均已参训"),
        )

    def hours_view(self, request):
        if not self.has_view_permission(request):
            raise PermissionDenied
        year = _year(request)
        members = selectors.training_hours_by_member(user=request.user, year=year).select_related(
            "unit"
        )
        headers = [_("姓名"), _("所属组织"), _("培训学时")]
        if request.GET.get("export") == "xlsx":
            return xlsx_response(
                filename=f"training-hours-{year}",
                headers=headers,
                rows=([m.name, m.unit.name, m.training_hours] for m in members.iterator()),
                object_type="members.member",
                filters={"year": year},
            )
        return list_page(
            request,
            self.admin_site,
            title=gettext("%(y)s年会员培训学时") % {"y": year},
            headers=headers,
            rows=([m.name, m.unit.name, m.training_hours] for m in members[:500]),
            intro=gettext("页面显示前500名，完整名单请导出。"),
            export_url=f"?year={year}&export=xlsx",
        )


# --- visits and forums, cadence --------------------------------------------------------------


class FollowUpInline(TabularInline):
    model = FollowUp
    extra = 0
    fields = ("action", "owner", "due_date", "status", "done_on", "result")


class VisitForm(ScopeCheckedForm):
    def clean(self):
        data = super().clean() or {}
        unit, members = data.get("unit"), data.get("members") or []
        if unit is not None:
            outside = [m.name for m in members if not m.unit.path.startswith(unit.path)]
            if outside:
                self.add_error(
                    "members", gettext("以下会员不属于本组织：%(n)s") % {"n": "、".join(outside)}
                )
        if not members and not (data.get("others") or "").strip():
            self.add_error("members", gettext("请选择走访/座谈对象或填写其他对象"))
        return data


@admin.register(Visit)
class VisitAdmin(ScopeFormAdmin):
    form = VisitForm
    list_display = ("date", "kind", "unit", "visitors", "member_names", "open_follow_ups")
    list_filter = ("kind", "date")
    search_fields = ("visitors", "topics", "members__name")
    raw_id_fields = ("members",)
    inlines = [FollowUpInline]
    actions = [
        export_action(
            _("导出所选走访座谈"),
            [_("日期"), _("形式"), _("组织"), _("走访人"), _("对象"), _("问题与意见")],
            lambda v: [
                v.date,
                v.get_kind_display(),
                v.unit.name,
                v.visitors,
                "、".join(m.name for m in v.members.all()) + (v.others and f" {v.others}"),
                v.topics,
            ],
            "visits",
        )
    ]

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .select_related("unit")
            .prefetch_related("members")
            .annotate(open_n=Count("follow_ups", filter=~Q(follow_ups__status="done")))
        )

    @admin.display(description=_("对象"))
    def member_names(self, obj):
        names = [m.name for m in obj.members.all()]
        return "、".join(names[:5]) + ("…" if len(names) > 5 else "") or obj.others

    @admin.display(description=_("未办结"))
    def open_follow_ups(self, obj):
        return obj.open_n


@admin.register(FollowUp)
class FollowUpAdmin(ScopedModelAdmin):
    list_display = ("action", "visit", "owner", "due_date", "status", "done_on")
    list_filter = ("status",)
    search_fields = ("action", "owner")
    actions = [
        export_action(
            _("导出所选跟进事项"),
            [_("跟进事项"), _("走访座谈"), _("责任人"), _("期限"), _("状态"), _("办结"), _("结果")],
            lambda f: [
                f.action,
                str(f.visit),
                f.owner,
                f.due_date,
                f.get_status_display(),
                f.done_on,
                f.result,
            ],
            "follow-ups",
        )
    ]


@admin.register(Cadence)
class CadenceAdmin(ScopeFormAdmin):
    list_display = ("unit", "kind", "every_months")
    list_filter = ("kind",)
    search_fields = ("unit__name",)
    actions = [
        export_action(
            _("导出所选频次要求"),
            [_("组织"), _("活动类型"), _("间隔（月）")],
            lambda c: [c.unit.name, c.kind.name, c.every_months],
            "cadence",
        )
    ]


# --- sign-up and check-in (member portal) ----------------------------------------------------


class ActivityOpeningForm(forms.ModelForm):
    class Meta:
        model = ActivityOpening
        fields = (
            "activity",
            "signup_open",
            "signup_deadline",
            "capacity",
            "checkin_opens_at",
            "checkin_closes_at",
            "note",
        )


@admin.register(ActivityOpening)
class ActivityOpeningAdmin(ScopedModelAdmin):
    """The organizer opens an activity to members and shows its check-in QR code on site."""

    form = ActivityOpeningForm
    list_display = ("activity", "starts", "signup_open", "capacity", "signed_up", "checked_in")
    list_filter = ("signup_open",)
    search_fields = ("activity__topic",)
    readonly_fields = ("qr_link", "signup_names")

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .select_related("activity", "activity__lead_unit")
            .annotate(
                signed_up_n=Count(
                    "activity__signups",
                    filter=Q(activity__signups__status=ActivitySignup.Status.SIGNED_UP),
                    distinct=True,
                ),
                checked_in_n=Count(
                    "activity__attendances",
                    filter=Q(activity__attendances__status=Attendance.Status.ATTENDED),
                    distinct=True,
                ),
            )
        )

    def get_fields(self, request, obj=None):
        fields = list(ActivityOpeningForm.Meta.fields)
        if obj is not None:
            fields.remove("activity")
            return ["qr_link", *fields, "signup_names"]
        return fields

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        field = super().formfield_for_foreignkey(db_field, request, **kwargs)
        if db_field.name == "activity" and field is not None:
            # Only activities whose lead unit this user looks after, not yet opened.
            field.queryset = (
                Activity.objects.visible_to(request.user)
                .filter(lead_unit__path__startswith=user_scope_path(request.user) or "")
                .filter(opening__isnull=True)
                .order_by("-starts_at")
            )
        return field

    @admin.display(description=_("开始时间"), ordering="activity__starts_at")
    def starts(self, obj):
        return timezone.localtime(obj.activity.starts_at).strftime("%Y-%m-%d %H:%M")

    @admin.display(description=_("已报名"))
    def signed_up(self, obj):
        return getattr(obj, "signed_up_n", 0)

    @admin.display(description=_("已签到"))
    def checked_in(self, obj):
        return getattr(obj, "checked_in_n", 0)

    @admin.display(description=_("签到二维码"))
    def qr_link(self, obj):
        if obj is None or obj.pk is None:
            return ""
        url = reverse("admin:branches_activityopening_qr", args=[obj.pk])
        return format_html(
            '<a class="text-primary-600" href="{}">{}</a>', url, gettext("显示签到二维码")
        )

    @admin.display(description=_("报名名单"))
    def signup_names(self, obj):
        if obj is None or obj.pk is None:
            return ""
        names = (
            obj.activity.signups.filter(status=ActivitySignup.Status.SIGNED_UP)
            .select_related("member")
            .order_by("signed_up_at")
            .values_list("member__name", flat=True)
        )
        return "、".join(names) or "—"

    def save_model(self, request, obj, form, change):
        try:
            saved = signups.opening_set(
                activity=obj.activity,
                signup_open=obj.signup_open,
                signup_deadline=obj.signup_deadline,
                capacity=obj.capacity,
                checkin_opens_at=obj.checkin_opens_at,
                checkin_closes_at=obj.checkin_closes_at,
                note=obj.note,
                actor=request.user,
            )
        except ValidationError as exc:
            raise PermissionDenied(" ".join(exc.messages)) from exc
        obj.pk = saved.pk

    def get_urls(self):
        view = self.admin_site.admin_view
        return [
            path("<path:object_id>/qr/", view(self.qr_view), name="branches_activityopening_qr"),
            *super().get_urls(),
        ]

    def qr_view(self, request, object_id):
        if not self.has_view_permission(request):
            raise PermissionDenied
        opening = get_visible_or_404(
            ActivityOpening.objects.select_related("activity", "activity__lead_unit"),
            request.user,
            pk=object_id,
        )
        if request.method == "POST":
            if not self.has_change_permission(request, opening) or request.user.is_read_only:
                raise PermissionDenied
            try:
                signups.opening_new_token(opening=opening, actor=request.user)
            except ValidationError as exc:
                raise PermissionDenied(" ".join(exc.messages)) from exc
            messages.success(request, gettext("已生成新的签到二维码，旧二维码已失效。"))
            return HttpResponseRedirect(request.path)
        url = request.build_absolute_uri(reverse("portal-checkin", args=[opening.checkin_token]))
        start, end = opening.checkin_window
        context = {
            **self.admin_site.each_context(request),
            "title": gettext("签到二维码 · %(t)s") % {"t": opening.activity.topic},
            "opening": opening,
            "qr_svg": signups.checkin_qr_svg(url),
            "checkin_url": url,
            "window_start": start,
            "window_end": end,
            "checked_in": opening.activity.attendances.filter(
                status=Attendance.Status.ATTENDED
            ).count(),
            "can_change": self.has_change_permission(request, opening)
            and not request.user.is_read_only,
            "back_url": reverse("admin:branches_activityopening_change", args=[opening.pk]),
        }
        return TemplateResponse(request, "branches/checkin_qr.html", context)
