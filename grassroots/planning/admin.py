"""Console for planning: plans and targets (mismatches flagged), quotas, reporting rounds,
and the pages for composition, progress with gap advice, and the annual report."""

from __future__ import annotations

import datetime
from typing import Any
from urllib.parse import urlencode

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import NoReverseMatch, path, reverse
from django.utils import timezone
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from unfold.admin import TabularInline
from unfold.decorators import action, display

from grassroots.core.admin_base import ScopedModelAdmin
from grassroots.core.scope import get_visible_or_404
from grassroots.organizations.models import Unit
from grassroots.planning import selectors, services
from grassroots.planning.models import (
    Plan,
    PlanTarget,
    ReportingRound,
    RoundConfirmation,
    YearlyQuota,
)
from grassroots.planning.report import annual_report, annual_report_export, change_labels


def _errors_text(exc: ValidationError) -> str:
    if hasattr(exc, "error_dict"):
        return "；".join(" ".join(e.messages) for errs in exc.error_dict.values() for e in errs)
    return "；".join(exc.messages)


def member_list_url(unit: Unit, **params: Any) -> str:
    """The member list behind a figure (the list applies the viewer's scope itself)."""
    try:
        base = reverse("admin:members_member_changelist")
    except NoReverseMatch:
        return ""
    query = {"unit": unit.pk, **{k: v for k, v in params.items() if v is not None}}
    return f"{base}?{urlencode(query)}"


class PlanTargetForm(forms.ModelForm):
    """Targets are checked by the service's rules (period, shares 0–100, whole numbers)."""

    class Meta:
        model = PlanTarget
        fields = ("plan", "unit", "year", *services.TARGET_FIELDS)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        plan = data.get("plan") or (self.instance.plan if self.instance.plan_id else None)
        unit, year = data.get("unit"), data.get("year")
        if unit is None or year is None:
            return data
        values = {name: data.get(name) for name in services.TARGET_FIELDS if name in data}
        try:
            services.plan_target_validate(plan=plan, unit=unit, year=year, values=values)
        except ValidationError as exc:
            for field_name, errors in exc.message_dict.items():
                self.add_error(field_name if field_name in self.fields else None, errors)
        return data


class PlanForm(forms.ModelForm):
    class Meta:
        model = Plan
        fields = ("name", "unit", "start_year", "end_year", "is_active", "note")

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        start, end = data.get("start_year"), data.get("end_year")
        if start is not None and end is not None:
            try:
                services.plan_validate(name=data.get("name") or "", start_year=start, end_year=end)
            except ValidationError as exc:
                for field_name, errors in exc.message_dict.items():
                    self.add_error(field_name if field_name in self.fields else None, errors)
        return data


class PlanTargetInline(TabularInline):
    model = PlanTarget
    form = PlanTargetForm
    extra = 0
    fields = (
        "unit",
        "year",
        "new_members",
        "main_sector_share",
        "age_limit",
        "under_age_share",
        "bachelor_share",
        "senior_title_share",
        "women_share",
        "talents",
    )
    autocomplete_fields = ()
    tab = True

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("unit")

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "unit":
            kwargs["queryset"] = Unit.objects.visible_to(request.user).order_by("path")
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


@admin.register(Plan)
class PlanAdmin(ScopedModelAdmin):
    form = PlanForm
    list_display = ("name", "unit", "start_year", "end_year", "is_active", "mismatch_count")
    list_filter = ("is_active",)
    search_fields = ("name",)
    fields = ("name", "unit", "start_year", "end_year", "is_active", "note", "mismatch_list")
    readonly_fields = ("mismatch_list",)
    inlines = (PlanTargetInline,)

    @display(description=_("目标不一致"), label={"0": "success"})
    def mismatch_count(self, obj: Plan) -> str:
        return str(len(selectors.plan_mismatches(obj)))

    @display(description=_("下级目标核对"))
    def mismatch_list(self, obj: Plan | None) -> str:
        if obj is None or obj.pk is None:
            return "—"
        found = selectors.plan_mismatches(obj)
        if not found:
            return gettext("下级目标合计与上级目标一致")
        return format_html(
            "<ul class='list-disc ml-4 text-red-600'>{}</ul>",
            format_html_join(
                "",
                "<li>{}</li>",
                ((self._mismatch_text(m),) for m in found),
            ),
        )

    @staticmethod
    def _mismatch_text(m: selectors.Mismatch) -> str:
        text = gettext(
            "%(year)s年 %(unit)s %(label)s：上级目标%(parent)s，下级合计%(sum)s（差%(diff)+d）"
        ) % {
            "year": m.year,
            "unit": m.unit.display_name,
            "label": m.label,
            "parent": "—" if m.parent_value is None else m.parent_value,
            "sum": m.children_sum,
            "diff": m.difference,
        }
        if m.missing:
            text += gettext("；未设目标：%(names)s") % {"names": "、".join(m.missing)}
        return text

    def change_view(self, request, object_id, form_url="", extra_context=None):
        obj = self.get_object(request, object_id)
        if obj is not None and request.method == "GET":
            count = len(selectors.plan_mismatches(obj))
            if count:
                messages.warning(
                    request,
                    gettext("有%(n)s处下级目标合计与上级目标不一致，详见“下级目标核对”")
                    % {"n": count},
                )
        return super().change_view(request, object_id, form_url, extra_context)

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "unit":
            kwargs["queryset"] = Unit.objects.visible_to(request.user).order_by("path")
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def save_model(self, request, obj, form, change):
        if getattr(request.user, "is_read_only", False):
            raise PermissionDenied
        if change:
            super().save_model(request, obj, form, change)
            return
        created = services.plan_create(
            unit=obj.unit,
            name=obj.name,
            start_year=obj.start_year,
            end_year=obj.end_year,
            note=obj.note,
            actor=request.user,
        )
        obj.pk = created.pk
        obj._state.adding = False
        obj.refresh_from_db()

    def save_formset(self, request, form, formset, change):
        """Targets are written through the service (validated again there)."""
        if formset.model is not PlanTarget:
            return super().save_formset(request, form, formset, change)
        formset.save(commit=False)
        for obj in formset.deleted_objects:
            obj.delete()
        for target in [*formset.new_objects, *[o for o, _f in formset.changed_objects]]:
            values = {name: getattr(target, name) for name in services.TARGET_FIELDS}
            try:
                services.plan_target_set(
                    plan=form.instance,
                    unit=target.unit,
                    year=target.year,
                    values=values,
                    actor=request.user,
                )
            except ValidationError as exc:
                # Only possible for a new plan's targets (their period was not known
                # when the rows were checked): the plan is kept, the row is reported.
                messages.error(
                    request,
                    gettext("%(unit)s %(year)s年目标未保存：%(e)s")
                    % {"unit": target.unit, "year": target.year, "e": _errors_text(exc)},
                )

    # --- pages ------------------------------------------------------------------------

    def get_urls(self):
        wrap = self.admin_site.admin_view
        return [
            path("composition/", wrap(self.composition_view), name="planning_composition"),
            path("progress/", wrap(self.progress_view), name="planning_progress"),
            path("annual-report/", wrap(self.annual_report_view), name="planning_annual_report"),
            *super().get_urls(),
        ]

    def _page(self, request: HttpRequest, template: str, **context: Any) -> TemplateResponse:
        return TemplateResponse(
            request,
            template,
            {**self.admin_site.each_context(request), "opts": self.model._meta, **context},
        )

    def composition_view(self, request: HttpRequest) -> TemplateResponse:
        form = UnitDayForm(request.GET or None, user=request.user)
        unit, day = form.resolve(request.user)
        result = selectors.composition(user=request.user, unit=unit, day=day)
        years = list(range(day.year - 5, day.year + 1))
        trend = selectors.trend(user=request.user, unit=unit, years=years)
        return self._page(
            request,
            "planning/composition.html",
            title=gettext("会员构成分析"),
            form=form,
            result=result,
            trend=trend,
            list_url=member_list_url(unit, status__exact="active"),
        )

    def progress_view(self, request: HttpRequest) -> TemplateResponse:
        form = UnitYearForm(request.GET or None, user=request.user)
        unit, year = form.resolve(request.user)
        standing, rows = selectors.plan_progress(user=request.user, unit=unit, year=year)
        advice = selectors.gap_advice(unit, year, user=request.user)
        children = []
        for child in unit.children.filter(is_active=True).order_by("order", "path"):
            child_standing, child_rows = selectors.plan_progress(
                user=request.user, unit=child, year=year
            )
            children.append((child, child_standing, child_rows))
        return self._page(
            request,
            "planning/progress.html",
            title=gettext("规划执行进度"),
            form=form,
            unit=unit,
            year=year,
            standing=standing,
            rows=rows,
            advice=advice,
            children=children,
            new_url=member_list_url(unit, join_date__gte=f"{year}-01-01"),
        )

    def annual_report_view(self, request: HttpRequest) -> HttpResponse:
        form = UnitYearForm(request.GET or None, user=request.user)
        unit, year = form.resolve(request.user)
        if request.GET.get("format") == "xlsx":
            _report, data = annual_report_export(user=request.user, unit=unit, year=year)
            response = HttpResponse(
                data,
                content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            )
            filename = f"annual-report-{unit.code}-{year}.xlsx"
            response["Content-Disposition"] = f'attachment; filename="{filename}"'
            return response
        report = annual_report(user=request.user, unit=unit, year=year, max_depth=1)
        query = urlencode({"unit": unit.pk, "year": year, "format": "xlsx"})
        keys = ["start", *change_labels(), "end"]
        table = [
            (row.label, row.own_only, [row.values.get(k, 0) for k in keys]) for row in report.rows
        ]
        return self._page(
            request,
            "planning/annual_report.html",
            title=gettext("统计年报"),
            form=form,
            report=report,
            labels=change_labels(),
            table=table,
            download_url=f"{reverse('admin:planning_annual_report')}?{query}",
            failures=[c for c in report.checks if not c.ok],
        )


class _ScopeForm(forms.Form):
    unit = forms.ModelChoiceField(queryset=Unit.objects.none(), label=_("组织"), required=False)

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["unit"]
        assert isinstance(field, forms.ModelChoiceField)
        field.queryset = Unit.objects.visible_to(user).order_by("path")

    def _unit(self, user: Any) -> Unit:
        if self.data.get("unit") and "unit" in self.errors:
            raise Http404  # a unit outside the user's scope looks like a missing one
        chosen = self.cleaned_data.get("unit") if self.is_valid() else None
        if chosen is not None:
            return chosen
        own = getattr(user, "unit", None)
        if own is not None:
            return own
        root = Unit.objects.visible_to(user).order_by("depth", "path").first()
        if root is None:
            raise Http404
        return root


class UnitDayForm(_ScopeForm):
    day = forms.DateField(
        label=_("统计日期"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )

    def resolve(self, user: Any) -> tuple[Unit, datetime.date]:
        unit = self._unit(user)
        day = (self.cleaned_data.get("day") if self.is_valid() else None) or timezone.localdate()
        return unit, day


class UnitYearForm(_ScopeForm):
    year = forms.IntegerField(label=_("年度"), required=False, min_value=1950, max_value=2100)

    def resolve(self, user: Any) -> tuple[Unit, int]:
        unit = self._unit(user)
        year = (self.cleaned_data.get("year") if self.is_valid() else None) or (
            timezone.localdate().year
        )
        return unit, year


@admin.register(PlanTarget)
class PlanTargetAdmin(ScopedModelAdmin):
    form = PlanTargetForm
    list_display = (
        "plan",
        "unit",
        "year",
        "new_members",
        "main_sector_share",
        "under_age_share",
        "bachelor_share",
        "senior_title_share",
        "women_share",
        "talents",
    )
    list_filter = ("plan", "year")
    list_select_related = ("plan", "unit")
    search_fields = ("unit__name",)

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "unit":
            kwargs["queryset"] = Unit.objects.visible_to(request.user).order_by("path")
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def save_model(self, request, obj, form, change):
        values = {name: getattr(obj, name) for name in services.TARGET_FIELDS}
        saved = services.plan_target_set(
            plan=obj.plan, unit=obj.unit, year=obj.year, values=values, actor=request.user
        )
        obj.pk = saved.pk


@admin.register(YearlyQuota)
class YearlyQuotaAdmin(ScopedModelAdmin):
    list_display = ("unit", "year", "new_members", "plan_quota", "note")
    list_filter = ("year",)
    list_select_related = ("unit",)
    search_fields = ("unit__name",)

    @display(description=_("生效名额（规划优先）"))
    def plan_quota(self, obj: YearlyQuota) -> Any:
        return selectors.quota_for(obj.unit, obj.year)

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "unit":
            kwargs["queryset"] = Unit.objects.visible_to(request.user).order_by("path")
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


class RoundConfirmationInline(TabularInline):
    model = RoundConfirmation
    extra = 0
    can_delete = False
    fields = ("unit", "state", "confirmed_at", "late", "reminders", "reminded_at", "note")
    readonly_fields = fields
    tab = True

    def has_add_permission(self, request, obj=None):
        return False

    def get_queryset(self, request):
        return (
            super().get_queryset(request).select_related("unit", "round").visible_to(request.user)
        )

    @display(description=_("逾期"), boolean=True)
    def late(self, obj: RoundConfirmation) -> bool:
        return obj.is_late


@admin.register(ReportingRound)
class ReportingRoundAdmin(ScopedModelAdmin):
    list_display = ("title", "kind", "year", "unit", "deadline", "state", "progress")
    list_filter = ("state", "kind", "year")
    list_select_related = ("unit",)
    fields = ("title", "kind", "year", "unit", "deadline", "instructions", "state", "opened_by")
    inlines = (RoundConfirmationInline,)
    actions = ("remind",)
    actions_detail = ("remind_one", "close_one")

    def get_readonly_fields(self, request, obj=None):
        if obj is None:
            return ("state", "opened_by")
        return ("kind", "year", "unit", "state", "opened_by")

    @display(description=_("确认进度"))
    def progress(self, obj: ReportingRound) -> str:
        rows = list(obj.confirmations.all())
        done = sum(1 for r in rows if r.state == RoundConfirmation.State.CONFIRMED)
        late = sum(1 for r in rows if r.state != RoundConfirmation.State.CONFIRMED and r.is_late)
        text = gettext("%(d)s/%(n)s已确认") % {"d": done, "n": len(rows)}
        if late:
            text += gettext("，%(l)s个逾期") % {"l": late}
        return text

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "unit":
            kwargs["queryset"] = Unit.objects.visible_to(request.user).order_by("path")
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def save_model(self, request, obj, form, change):
        if change:
            super().save_model(request, obj, form, change)
            return
        created = services.round_open(
            unit=obj.unit,
            title=obj.title,
            kind=obj.kind,
            year=obj.year,
            deadline=obj.deadline,
            instructions=obj.instructions,
            actor=request.user,
        )
        obj.pk = created.pk
        obj._state.adding = False
        obj.refresh_from_db()

    def save_related(self, request, form, formsets, change):
        # Confirmations are created by the service, never from the form.
        form.save_m2m()

    def get_form(self, request, obj=None, change=False, **kwargs):
        form = super().get_form(request, obj, change=change, **kwargs)
        if obj is None:
            original = form.clean

            def clean(this):
                data = original(this)
                unit = data.get("unit")
                if unit is not None and not unit.children.filter(is_active=True).exists():
                    raise ValidationError({"unit": gettext("该组织没有下级组织，无需发起报送")})
                deadline = data.get("deadline")
                if deadline is not None and deadline < timezone.localdate():
                    raise ValidationError({"deadline": gettext("截止日期不能早于今天")})
                return data

            form.clean = clean
        return form

    @action(description=_("提醒未确认单位"))
    def remind(self, request, queryset):
        total = sum(
            services.round_remind(round=r, actor=request.user)
            for r in queryset.filter(state=ReportingRound.State.OPEN)
        )
        messages.success(request, gettext("已提醒%(n)s个单位") % {"n": total})

    @action(description=_("提醒未确认单位"), url_path="remind")
    def remind_one(self, request, object_id):
        round_ = get_visible_or_404(ReportingRound.objects, request.user, pk=object_id)
        n = services.round_remind(round=round_, actor=request.user)
        messages.success(request, gettext("已提醒%(n)s个单位") % {"n": n})
        return HttpResponseRedirect(
            reverse("admin:planning_reportinground_change", args=[round_.pk])
        )

    @action(description=_("结束报送"), url_path="close")
    def close_one(self, request, object_id):
        round_ = get_visible_or_404(ReportingRound.objects, request.user, pk=object_id)
        try:
            services.round_close(round=round_, actor=request.user)
            messages.success(request, gettext("报送已结束"))
        except (ValidationError, PermissionDenied) as exc:
            messages.error(request, str(getattr(exc, "message", exc)))
        return HttpResponseRedirect(
            reverse("admin:planning_reportinground_change", args=[round_.pk])
        )


@admin.register(RoundConfirmation)
class RoundConfirmationAdmin(ScopedModelAdmin):
    list_display = ("round", "unit", "state", "confirmed_at", "late", "reminders")
    list_filter = ("state", "round")
    list_select_related = ("round", "unit")
    fields = ("round", "unit", "state", "confirmed_by", "confirmed_at", "note", "snapshot_table")
    readonly_fields = fields
    actions = ("confirm",)
    actions_detail = ("confirm_one", "reopen_one")

    def has_add_permission(self, request):
        return False

    @display(description=_("逾期"), boolean=True)
    def late(self, obj: RoundConfirmation) -> bool:
        return obj.is_late

    @display(description=_("确认时数据"))
    def snapshot_table(self, obj: RoundConfirmation) -> str:
        figures = (obj.snapshot or {}).get("figures") if obj.state == "confirmed" else None
        if not figures:
            figures = services.confirmation_figures(obj)["figures"]
            caption = gettext("当前数据（尚未确认）")
        else:
            caption = gettext("确认时数据（截至%(d)s）") % {"d": obj.snapshot.get("as_of", "")}
        labels = {"start": gettext("年初数"), "end": gettext("年末数"), **change_labels()}
        labels.update({"in": gettext("增加合计"), "out": gettext("减少合计")})
        rows = [(labels[k], figures.get(k, 0)) for k in labels]
        return format_html(
            "<div>{}</div><table class='mt-2'>{}</table>",
            caption,
            format_html_join("", "<tr><td class='pr-4'>{}</td><td>{}</td></tr>", rows),
        )

    def _confirm(self, request, confirmation: RoundConfirmation) -> bool:
        try:
            services.round_confirm(confirmation=confirmation, actor=request.user)
            return True
        except (ValidationError, PermissionDenied) as exc:
            text = _errors_text(exc) if isinstance(exc, ValidationError) else str(exc)
            messages.error(request, f"{confirmation.unit}：{text}")
            return False

    @action(description=_("确认本单位数据"))
    def confirm(self, request, queryset):
        done = sum(self._confirm(request, c) for c in queryset.select_related("round", "unit"))
        if done:
            messages.success(request, gettext("已确认%(n)s个单位") % {"n": done})

    @action(description=_("确认本单位数据"), url_path="confirm")
    def confirm_one(self, request, object_id):
        confirmation = get_visible_or_404(RoundConfirmation.objects, request.user, pk=object_id)
        if self._confirm(request, confirmation):
            messages.success(request, gettext("已确认"))
        return HttpResponseRedirect(
            reverse("admin:planning_roundconfirmation_change", args=[confirmation.pk])
        )

    @action(description=_("退回修改"), url_path="reopen")
    def reopen_one(self, request, object_id):
        confirmation = get_visible_or_404(RoundConfirmation.objects, request.user, pk=object_id)
        try:
            services.round_confirmation_reopen(
                confirmation=confirmation,
                reason=gettext("请核对后重新确认"),
                actor=request.user,
            )
            messages.success(request, gettext("已退回"))
        except (ValidationError, PermissionDenied) as exc:
            text = _errors_text(exc) if isinstance(exc, ValidationError) else str(exc)
            messages.error(request, text)
        return HttpResponseRedirect(
            reverse("admin:planning_roundconfirmation_change", args=[confirmation.pk])
        )
