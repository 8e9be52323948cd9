"""Console for evaluation: schemes and their indicator trees, results with ranking and radar,
self-assessment and review, drill-down to records, the members' performance archive."""

from __future__ import annotations

import datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import NoReverseMatch, path, reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from unfold.admin import TabularInline
from unfold.widgets import UnfoldAdminFileFieldWidget

from grassroots.branches.tabular import export_action, xlsx_response
from grassroots.core.admin_base import ScopedModelAdmin
from grassroots.core.scope import get_visible_or_404
from grassroots.evaluation import selectors, services, sources
from grassroots.evaluation.charts import radar_svg
from grassroots.evaluation.models import (
    Evaluation,
    GradeBand,
    Indicator,
    PerformanceArchive,
    Scheme,
)


def _message_errors(request: HttpRequest, exc: Exception) -> None:
    texts = getattr(exc, "messages", None) or [str(exc)]
    messages.error(request, "；".join(str(t) for t in texts))


# --- schemes ---------------------------------------------------------------------------------


class IndicatorForm(forms.ModelForm):
    metric = forms.ChoiceField(label=_("数据指标"), required=False)

    class Meta:
        model = Indicator
        fields = (
            "parent",
            "code",
            "name",
            "weight",
            "method",
            "metric",
            "params",
            "target",
            "order",
        )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        metric_field: Any = self.fields["metric"]
        metric_field.choices = [("", "—"), *sources.choices()]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if self.errors:
            return data
        if self.instance.scheme_id:
            scheme = self.instance.scheme
        else:  # adding a scheme: the tree is checked against the subject posted with it
            scheme = Scheme(subject=self.data.get("subject") or sources.Subject.UNIT)
        probe = Indicator(
            scheme=scheme,
            parent=data.get("parent"),
            code=data.get("code") or "",
            name=data.get("name") or "",
            weight=data.get("weight") or Decimal(0),
            method=data.get("method") or "",
            metric=data.get("metric") or "",
            params=data.get("params") or {},
            target=data.get("target"),
        )
        try:
            services.indicator_validate(probe)
        except ValidationError as exc:
            for field, errs in exc.message_dict.items():
                self.add_error(field if field in self.fields else None, errs)
        return data


class IndicatorInline(TabularInline):
    model = Indicator
    form = IndicatorForm
    fk_name = "scheme"
    extra = 0
    ordering = ("order", "code")

    def _editable(self, obj: Scheme | None) -> bool:
        return obj is None or obj.status == Scheme.Status.DRAFT

    def has_add_permission(self, request, obj=None):
        return self._editable(obj) and super().has_add_permission(request, obj)

    def has_change_permission(self, request, obj=None):
        return self._editable(obj) and super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        return self._editable(obj) and super().has_delete_permission(request, obj)

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "parent":
            scheme_id = (
                request.resolver_match.kwargs.get("object_id") if request.resolver_match else None
            )
            kwargs["queryset"] = Indicator.objects.filter(
                scheme_id=scheme_id, method=Indicator.Method.GROUP
            )
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


class GradeBandInline(TabularInline):
    model = GradeBand
    extra = 0


class SchemeForm(forms.ModelForm):
    request_user: Any = None

    class Meta:
        model = Scheme
        fields = (
            "unit", "name", "year", "subject", "subject_level", "period_start", "period_end",
            "previous",
        )  # fmt: skip

    def clean(self):
        data = super().clean() or {}
        unit = data.get("unit")
        if unit is not None:
            try:
                services._check_manages(unit, self.request_user)
            except PermissionDenied as exc:
                self.add_error("unit", str(exc))
        start, end = data.get("period_start"), data.get("period_end")
        if start and end and end < start:
            self.add_error("period_end", gettext("考核期结束不能早于开始"))
        return data


@admin.register(Scheme)
class SchemeAdmin(ScopedModelAdmin):
    form = SchemeForm
    list_display = ("name", "year", "unit", "subject", "status", "progress", "controls")
    list_filter = ("year", "status", "subject")
    search_fields = ("name",)
    actions = [
        export_action(
            _("导出所选方案"),
            [_("名称"), _("年度"), _("制定组织"), _("考核对象"), _("状态")],
            lambda s: [
                s.name,
                s.year,
                s.unit.name,
                s.get_subject_display(),
                s.get_status_display(),
            ],
            "schemes",
        )
    ]
    inlines = [GradeBandInline, IndicatorInline]
    readonly_fields = ("status", "progress", "controls")

    def get_form(self, request, obj=None, change=False, **kwargs):
        form = super().get_form(request, obj, change, **kwargs)
        form.request_user = request.user
        return form

    def get_readonly_fields(self, request, obj=None):
        fields = list(super().get_readonly_fields(request, obj))
        if obj is not None and obj.status != Scheme.Status.DRAFT:
            fields += list(SchemeForm.Meta.fields)
        return fields

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        if not form.instance.bands.exists():  # a new scheme gets 优秀/良好/合格/不合格
            for name, minimum in services.DEFAULT_BANDS:
                GradeBand.objects.create(scheme=form.instance, name=name, min_score=minimum)

    @admin.display(description=_("计算进度"))
    def progress(self, obj):
        if obj is None or obj.pk is None:
            return "—"
        label = obj.get_recompute_state_display()
        if obj.recompute_state == Scheme.RecomputeState.RUNNING:
            return f"{label} {obj.progress_percent}%"
        if obj.recompute_state == Scheme.RecomputeState.FAILED:
            return f"{label}：{obj.recompute_message}"
        if obj.recomputed_at:
            return f"{label}（{timezone.localtime(obj.recomputed_at):%Y-%m-%d %H:%M}）"
        return label

    @admin.display(description=_("操作"))
    def controls(self, obj):
        if obj is None or obj.pk is None:
            return "—"
        return format_html(
            '<a href="{}">{}</a>',
            reverse("admin:evaluation_scheme_results", args=[obj.pk]),
            gettext("结果与操作"),
        )

    def get_urls(self):
        view = self.admin_site.admin_view
        return [
            path("<int:pk>/results/", view(self.results_view), name="evaluation_scheme_results"),
            path("<int:pk>/do/<str:step>/", view(self.step_view), name="evaluation_scheme_step"),
            *super().get_urls(),
        ]

    def results_view(self, request, pk):
        if not self.has_view_permission(request):
            raise PermissionDenied
        scheme = get_visible_or_404(Scheme.objects.select_related("unit"), request.user, pk=pk)
        rows = selectors.ranking(scheme=scheme, user=request.user)
        headers = [
            _("排名"), _("同级排名"), _("对象"), _("所属组织"), _("总分"), _("等次"), _("环节"),
            _("上年总分"),
        ]  # fmt: skip
        if request.GET.get("export") == "xlsx":
            return xlsx_response(
                filename=f"evaluation-{scheme.year}",
                headers=headers,
                rows=(
                    [
                        r.evaluation.rank,
                        f"{r.peer_rank}/{r.peer_count}",
                        r.evaluation.member or r.evaluation.unit,
                        r.evaluation.unit.name,
                        r.evaluation.total,
                        r.evaluation.grade,
                        r.evaluation.get_step_display(),
                        r.previous_total,
                    ]
                    for r in rows
                ),
                object_type="evaluation.evaluation",
                filters={"scheme": scheme.pk},
            )
        context = {
            **self.admin_site.each_context(request),
            "title": str(scheme),
            "scheme": scheme,
            "rows": rows[:1000],
            "truncated": len(rows) > 1000,
            "can_manage": self.has_change_permission(request) and not request.user.is_read_only,
            "running": scheme.recompute_state
            in (Scheme.RecomputeState.QUEUED, Scheme.RecomputeState.RUNNING),
            "opts": self.model._meta,
        }
        return TemplateResponse(request, "evaluation/results.html", context)

    def step_view(self, request, pk, step):
        scheme = get_visible_or_404(Scheme.objects.select_related("unit"), request.user, pk=pk)
        if request.method != "POST" or not self.has_change_permission(request):
            raise PermissionDenied
        back = reverse("admin:evaluation_scheme_results", args=[scheme.pk])
        try:
            if step == "open":
                services.scheme_open(scheme=scheme, actor=request.user)
                messages.success(request, gettext("方案已启用，各组织可以开始自评"))
            elif step == "recompute":
                services.scheme_recompute_request(scheme=scheme, actor=request.user)
                messages.success(request, gettext("已开始后台计算"))
            elif step == "publish":
                services.scheme_publish(scheme=scheme, actor=request.user)
                messages.success(request, gettext("结果已公布"))
            elif step == "copy":
                copy = services.scheme_copy(scheme=scheme, year=scheme.year + 1, actor=request.user)
                messages.success(request, gettext("已复制为%(y)s年方案") % {"y": copy.year})
                return HttpResponseRedirect(
                    reverse("admin:evaluation_scheme_change", args=[copy.pk])
                )
            else:
                raise PermissionDenied
        except (ValidationError, PermissionDenied) as exc:
            _message_errors(request, exc)
        return HttpResponseRedirect(back)


# --- evaluations -----------------------------------------------------------------------------


class ScoreEntryForm(forms.Form):
    score = forms.DecimalField(label=_("得分"), min_value=0, decimal_places=2)
    evidence = forms.CharField(label=_("佐证说明"), required=False, widget=forms.Textarea)
    evidence_file = forms.FileField(
        label=_("佐证材料"), required=False, widget=UnfoldAdminFileFieldWidget
    )


@admin.register(Evaluation)
class EvaluationAdmin(ScopedModelAdmin):
    list_display = ("scheme", "unit", "member", "total", "grade", "rank", "step")
    list_filter = ("scheme__year", "step", "grade")
    search_fields = ("unit__name", "member__name", "scheme__name")
    actions = [
        export_action(
            _("导出所选考核结果"),
            [_("方案"), _("组织"), _("会员"), _("总分"), _("等次"), _("排名"), _("环节")],
            lambda e: [
                str(e.scheme),
                e.unit.name,
                e.member.name if e.member_id else "",
                e.total,
                e.grade,
                e.rank,
                e.get_step_display(),
            ],
            "evaluations",
        )
    ]

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("scheme", "unit", "member")

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def get_urls(self):
        view = self.admin_site.admin_view
        return [
            path(
                "<int:pk>/indicator/<int:indicator_id>/",
                view(self.drill_view),
                name="evaluation_evaluation_drill",
            ),
            path(
                "<int:pk>/enter/<int:indicator_id>/",
                view(self.enter_view),
                name="evaluation_evaluation_enter",
            ),
            path(
                "<int:pk>/step/<str:step>/", view(self.step_view), name="evaluation_evaluation_step"
            ),
            *super().get_urls(),
        ]

    def _evaluation(self, request, pk) -> Evaluation:
        if not self.has_view_permission(request):
            raise PermissionDenied
        return get_visible_or_404(
            Evaluation.objects.select_related("scheme", "unit", "member"), request.user, pk=pk
        )

    def change_view(self, request, object_id, form_url="", extra_context=None):
        evaluation = self._evaluation(request, object_id)
        sheet = selectors.score_sheet(evaluation=evaluation)
        axes = sheet.radar()
        compare = None
        previous = None
        if evaluation.scheme.previous_id:
            previous = (
                selectors.evaluations_visible(request.user)
                .filter(
                    scheme_id=evaluation.scheme.previous_id,
                    unit_id=evaluation.unit_id,
                    member_id=evaluation.member_id,
                )
                .first()
            )
            if previous is not None:
                old = dict(selectors.score_sheet(evaluation=previous).radar())
                compare = [old.get(name, Decimal(0)) for name, _share in axes]
        history = (
            selectors.unit_history(unit_id=evaluation.unit_id, user=request.user)
            if not evaluation.member_id
            else []
        )
        context = {
            **self.admin_site.each_context(request),
            "title": str(evaluation),
            "evaluation": evaluation,
            "sheet": sheet,
            "radar": radar_svg(axes, compare),
            "previous": previous,
            "history": history,
            "entry_form": ScoreEntryForm(),
            "can_write": not request.user.is_read_only,
            "opts": self.model._meta,
        }
        return TemplateResponse(request, "evaluation/evaluation.html", context)

    def drill_view(self, request, pk, indicator_id):
        evaluation = self._evaluation(request, pk)
        indicator = get_visible_or_404(
            Indicator.objects.all(), request.user, pk=indicator_id, scheme_id=evaluation.scheme_id
        )
        records = selectors.score_records(
            evaluation=evaluation, indicator=indicator, user=request.user
        )
        rows = []
        for record in records:
            try:
                url = reverse(
                    f"admin:{record._meta.app_label}_{record._meta.model_name}_change",
                    args=[record.pk],
                )
            except NoReverseMatch:
                url = ""
            rows.append((record, url, getattr(record, "date", "") or ""))
        metric = sources.get(indicator.metric)
        context = {
            **self.admin_site.each_context(request),
            "title": gettext("%(i)s · 数据来源") % {"i": indicator.name},
            "evaluation": evaluation,
            "indicator": indicator,
            "metric": metric,
            "rows": rows,
            "opts": self.model._meta,
        }
        return TemplateResponse(request, "evaluation/drill.html", context)

    def enter_view(self, request, pk, indicator_id):
        evaluation = self._evaluation(request, pk)
        if request.method != "POST":
            raise PermissionDenied
        indicator = get_visible_or_404(
            Indicator.objects.all(), request.user, pk=indicator_id, scheme_id=evaluation.scheme_id
        )
        form = ScoreEntryForm(request.POST, request.FILES)
        back = reverse("admin:evaluation_evaluation_change", args=[evaluation.pk])
        if not form.is_valid():
            messages.error(
                request,
                "；".join(f"{form.fields[k].label}：{' '.join(v)}" for k, v in form.errors.items()),
            )
            return HttpResponseRedirect(back)
        try:
            services.score_enter(
                evaluation=evaluation,
                indicator=indicator,
                score=form.cleaned_data["score"],
                evidence=form.cleaned_data["evidence"],
                evidence_file=form.cleaned_data["evidence_file"],
                review=request.POST.get("review") == "1",
                actor=request.user,
            )
            messages.success(request, gettext("已保存%(i)s的得分") % {"i": indicator.name})
        except (ValidationError, PermissionDenied, InvalidOperation) as exc:
            _message_errors(request, exc)
        return HttpResponseRedirect(back)

    def step_view(self, request, pk, step):
        evaluation = self._evaluation(request, pk)
        if request.method != "POST":
            raise PermissionDenied
        comment = request.POST.get("comment", "")
        try:
            if step == "submit":
                services.evaluation_submit(
                    evaluation=evaluation, comment=comment, actor=request.user
                )
            elif step == "review":
                services.evaluation_review(
                    evaluation=evaluation, comment=comment, actor=request.user
                )
            elif step == "return":
                services.evaluation_return(
                    evaluation=evaluation, comment=comment, actor=request.user
                )
            else:
                raise PermissionDenied
            messages.success(request, gettext("已办理"))
        except (ValidationError, PermissionDenied) as exc:
            _message_errors(request, exc)
        return HttpResponseRedirect(reverse("admin:evaluation_evaluation_change", args=[pk]))


# --- members' performance archive ------------------------------------------------------------


@admin.action(description=_("导出所选会员本年履职数据"))
def export_archive_year(modeladmin: Any, request: HttpRequest, queryset: Any):
    """One row per member and figure for the current year (every registered member metric)."""
    year = timezone.localdate().year
    members = list(queryset.select_related("unit")[:5000])
    ctx = sources.MetricContext(
        subject=sources.Subject.MEMBER,
        subject_ids=[m.pk for m in members],
        start=datetime.date(year, 1, 1),
        end=datetime.date(year, 12, 31),
    )
    metrics = sources.all_metrics(sources.Subject.MEMBER)
    values = {metric.name: metric.compute(ctx) for metric in metrics}
    return xlsx_response(
        filename=f"archive-{year}",
        headers=[_("姓名"), _("所属组织"), *[str(m.label) for m in metrics]],
        rows=(
            [m.name, m.unit.name, *[values[metric.name].get(m.pk, 0) for metric in metrics]]
            for m in members
        ),
        object_type="members.member",
        filters={"year": year, **dict(request.GET.items())},
    )


@admin.register(PerformanceArchive)
class PerformanceArchiveAdmin(ScopedModelAdmin):
    list_display = ("name", "member_number", "unit", "status")
    list_filter = ("status",)
    search_fields = ("name", "member_number")
    actions = [export_archive_year]

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("unit")

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def change_view(self, request, object_id, form_url="", extra_context=None):
        if not self.has_view_permission(request):
            raise PermissionDenied
        member = get_visible_or_404(PerformanceArchive.objects.all(), request.user, pk=object_id)
        try:
            year = int(request.GET.get("year") or timezone.localdate().year)
        except ValueError:
            year = timezone.localdate().year
        archive = selectors.member_archive(member=member, year=year, user=request.user)
        if request.GET.get("export") == "xlsx":
            return xlsx_response(
                filename=f"archive-{member.pk}-{year}",
                headers=[_("项目"), _("数值"), _("单位")],
                rows=([line.label, line.value, line.unit_label] for line in archive.lines),
                object_type="members.member",
                filters={"member": member.pk, "year": year},
            )
        this_year = timezone.localdate().year
        context = {
            **self.admin_site.each_context(request),
            "title": gettext("%(n)s · %(y)s年履职档案") % {"n": member.name, "y": year},
            "archive": archive,
            "years": range(this_year - 4, this_year + 1),
            "opts": self.model._meta,
        }
        return TemplateResponse(request, "evaluation/archive.html", context)
