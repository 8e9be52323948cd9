"""Console for representative figures: the pool with each figure's arrangements, posts and
assessments; recommendation rounds with proposing, review and outcome; the statistics page.
Writes go through ``figures.services``."""

from __future__ import annotations

from typing import Any

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from unfold.admin import TabularInline

from grassroots.branches.tabular import export_action, xlsx_response
from grassroots.core.admin_base import ScopedModelAdmin
from grassroots.core.scope import get_visible_or_404
from grassroots.figures import selectors, services
from grassroots.figures.forms import (
    AssessmentForm,
    FigureForm,
    OutcomeForm,
    ProposeForm,
    ReviewForm,
    RoundForm,
)
from grassroots.figures.models import Assessment, Figure, Nomination, Round
from grassroots.members.models import Officer, PoliticalArrangement


def _errors(request: HttpRequest, exc: Exception) -> None:
    if isinstance(exc, ValidationError):
        for msg in exc.messages:
            messages.error(request, msg)
    else:
        messages.error(request, str(exc) or _("无权办理"))


def _table(headers: list[Any], rows: list[list[Any]], empty: str) -> str:
    """A small read-only table for the change form (the console's table styles are not loaded
    there, so the cells carry their own spacing)."""
    if not rows:
        return format_html('<span class="gr-muted">{}</span>', empty)
    cell = "padding:.2rem .8rem .2rem 0;text-align:left;vertical-align:top"
    head = format_html_join("", '<th style="{}">{}</th>', ((cell, h) for h in headers))
    body = format_html_join(
        "",
        "<tr>{}</tr>",
        (
            (
                format_html_join(
                    "",
                    '<td style="{}">{}</td>',
                    ((cell, c if c is not None else "") for c in r),
                ),
            )
            for r in rows
        ),
    )
    return format_html("<table><tr>{}</tr>{}</table>", head, body)


class AssessmentInline(TabularInline):
    model = Assessment
    form = AssessmentForm
    fields = ("date", "assessor", "rating", "text", "recorded_by")
    readonly_fields = ("recorded_by",)
    extra = 1
    tab = True
    verbose_name_plural = gettext_lazy("考察记录")

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False  # a record is kept as written; a new one corrects it

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


FIGURE_HEADERS = [
    gettext_lazy("姓名"),
    gettext_lazy("所属组织"),
    gettext_lazy("类别"),
    gettext_lazy("代表领域"),
    gettext_lazy("界别"),
    gettext_lazy("出生日期"),
    gettext_lazy("入库日期"),
    gettext_lazy("在库"),
    gettext_lazy("现任政治安排"),
]


def _figure_row(f: Figure) -> list[Any]:
    today = timezone.localdate()
    held = [
        f"{a.level}{a.kind}{(a.post and '（' + a.post + '）') or ''}"
        for a in f.member.arrangements.all()
        if (a.start_date is None or a.start_date <= today)
        and (a.end_date is None or a.end_date >= today)
    ]
    return [
        f.member.name,
        f.member.unit.name,
        f.get_category_display(),
        f.domain,
        str(f.member.sector or ""),
        f.member.birth_date,
        f.since,
        _("是") if f.is_active else _("否"),
        "；".join(held),
    ]


@admin.register(Figure)
class FigureAdmin(ScopedModelAdmin):
    form = FigureForm
    inlines = [AssessmentInline]
    list_display = ("member", "unit_name", "category", "domain", "since", "is_active")
    list_filter = ("category", "is_active")
    search_fields = ("member__name", "member__member_number", "domain")
    autocomplete_fields = ("member",)
    list_select_related = ("member", "member__unit")
    actions = [
        export_action(gettext_lazy("导出所选代表人士"), FIGURE_HEADERS, _figure_row, "figures")
    ]

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False  # leaving the pool is "在库" switched off; the record and its history stay

    def get_queryset(self, request: HttpRequest):
        return (
            super()
            .get_queryset(request)
            .select_related("member__unit", "member__sector")
            .prefetch_related("member__arrangements__kind", "member__arrangements__level")
        )

    @admin.display(description=gettext_lazy("所属组织"), ordering="member__unit__path")
    def unit_name(self, obj: Figure) -> str:
        return obj.member.unit.name

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None):
        if obj is None:
            return ()
        return ("member", "category", "arrangements_panel", "offices_panel")

    def get_fields(self, request: HttpRequest, obj: Any = None):
        if obj is None:
            return ("member", "category", "since", "domain", "note")
        return (
            "member",
            "category",
            "since",
            "domain",
            "note",
            "is_active",
            "arrangements_panel",
            "offices_panel",
        )

    def get_inlines(self, request: HttpRequest, obj: Any = None):
        return self.inlines if obj is not None else []

    @admin.display(description=gettext_lazy("政治安排"))
    def arrangements_panel(self, obj: Figure) -> str:
        rows = [
            [a.level, a.kind, a.body, a.post, a.start_date, a.end_date or _("至今")]
            for a in PoliticalArrangement.objects.filter(member=obj.member)
            .select_related("kind", "level")
            .order_by("-start_date")
        ]
        return _table(
            [_("级别"), _("类别"), _("届次/机构"), _("职务"), _("开始"), _("结束")],
            rows,
            _("没有政治安排"),
        )

    @admin.display(description=gettext_lazy("会内职务"))
    def offices_panel(self, obj: Figure) -> str:
        rows = [
            [o.unit.name, o.get_post_display(), o.start_date, o.end_date or _("至今")]
            for o in Officer.objects.filter(member=obj.member)
            .select_related("unit")
            .order_by("-start_date")
        ]
        return _table([_("组织"), _("职务"), _("任期开始"), _("任期结束")], rows, _("没有会内职务"))

    def save_model(self, request: HttpRequest, obj: Figure, form: Any, change: bool) -> None:
        if change:
            if (
                getattr(request.user, "role", "") in services.READ_ONLY_ROLES
                and not request.user.is_superuser
            ):
                raise PermissionDenied
            obj.save()
            return
        data = form.cleaned_data
        saved = services.figure_add(
            member=data["member"],
            category=data["category"],
            since=data.get("since"),
            domain=data.get("domain") or "",
            note=data.get("note") or "",
            actor=request.user,
        )
        obj.pk = saved.pk
        obj._state.adding = False

    def save_formset(self, request: HttpRequest, form: Any, formset: Any, change: bool) -> None:
        if formset.model is not Assessment:
            return super().save_formset(request, form, formset, change)
        # New rows go through the service; existing rows are read-only. The admin's change
        # message reads these three lists.
        formset.new_objects, formset.changed_objects, formset.deleted_objects = [], [], []
        for sub in formset.forms:
            if sub.instance.pk is None and sub.has_changed() and not sub.cleaned_data.get("DELETE"):
                d = sub.cleaned_data
                formset.new_objects.append(
                    services.assessment_add(
                        figure=form.instance,
                        date=d["date"],
                        assessor=d["assessor"],
                        rating=d["rating"],
                        text=d["text"],
                        actor=request.user,
                    )
                )
        return None

    def get_urls(self):
        view = self.admin_site.admin_view
        return [
            path("stats/", view(self.stats_view), name="figures_figure_stats"),
            *super().get_urls(),
        ]

    def stats_view(self, request: HttpRequest) -> HttpResponse:
        if not self.has_view_permission(request):
            raise PermissionDenied
        today = timezone.localdate()
        by_level = selectors.arrangements_by_level(request.user, day=today)
        terms = selectors.arrangements_over_terms(request.user)
        makeup = selectors.level_makeup(request.user, day=today)
        bands = selectors.age_band_labels()
        sectors = sorted({s for m in makeup for s in m.sectors})
        if request.GET.get("export") == "xlsx":
            rows: list[list[Any]] = [
                [r["level"], r["kind"], "", r["people"], r["posts"]] for r in by_level
            ]
            rows += [[r["level"], r["kind"], r["body"], r["people"], ""] for r in terms]
            return xlsx_response(
                filename="arrangements",
                headers=[_("级别"), _("类别"), _("届次/机构"), _("人数"), _("安排数")],
                rows=rows,
                object_type="figures.stats",
                filters={"day": today.isoformat()},
            )
        context = {
            **self.admin_site.each_context(request),
            "title": _("政治安排统计"),
            "opts": self.model._meta,
            "today": today,
            "by_level": by_level,
            "terms": terms,
            "bands": list(bands.items()),
            "sectors": sectors,
            "makeup": [
                {
                    "level": m.level,
                    "total": m.total,
                    "ages": [m.ages.get(k, 0) for k in bands],
                    "sectors": [m.sectors.get(s, 0) for s in sectors],
                }
                for m in makeup
            ],
        }
        return TemplateResponse(request, "figures/stats.html", context)


@admin.register(Round)
class RoundAdmin(ScopedModelAdmin):
    form = RoundForm
    list_display = ("label_display", "unit", "kind", "level", "opens_on", "closes_on", "status")
    list_filter = ("status",)
    list_select_related = ("unit", "kind", "level")
    search_fields = ("body",)

    @admin.display(description=gettext_lazy("推荐工作"))
    def label_display(self, obj: Round) -> str:
        return obj.label

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def save_model(self, request: HttpRequest, obj: Round, form: Any, change: bool) -> None:
        d = form.cleaned_data
        saved = services.round_open(
            unit=d["unit"],
            kind=d["kind"],
            level=d["level"],
            body=d["body"],
            term_number=d["term_number"],
            opens_on=d["opens_on"],
            closes_on=d["closes_on"],
            note=d.get("note") or "",
            actor=request.user,
        )
        obj.pk = saved.pk
        obj._state.adding = False

    def add_view(self, request, form_url="", extra_context=None):
        try:
            return super().add_view(request, form_url, extra_context)
        except (ValidationError, PermissionDenied) as exc:
            _errors(request, exc)
            return HttpResponseRedirect(reverse("admin:figures_round_add"))

    def _detail_url(self, rnd: Round) -> str:
        return reverse("admin:figures_round_change", args=[rnd.pk])

    def get_urls(self):
        view = self.admin_site.admin_view
        return [
            path("<int:pk>/act/", view(self.act_view), name="figures_round_act"),
            *super().get_urls(),
        ]

    def change_view(self, request, object_id, form_url="", extra_context=None):
        rnd = get_visible_or_404(
            Round.objects.select_related("unit", "kind", "level"), request.user, pk=object_id
        )
        if not self.has_view_permission(request):
            raise PermissionDenied
        if request.method == "POST":
            return HttpResponseRedirect(self._detail_url(rnd))
        user = request.user
        nominations = list(
            selectors.nominations_visible(user).filter(round=rnd).order_by("status", "member__name")
        )
        is_owner = user.is_superuser or user.unit_id == rnd.unit_id
        context = {
            **self.admin_site.each_context(request),
            "title": rnd.label,
            "opts": self.model._meta,
            "round": rnd,
            "nominations": nominations,
            "counts": selectors.round_counts(user, rnd),
            "propose_form": ProposeForm(user=user)
            if rnd.status == Round.Status.OPEN
            and user.unit_id is not None
            and user.role not in services.READ_ONLY_ROLES
            else None,
            "review_ids": {
                n.pk
                for n in nominations
                if n.status == Nomination.Status.PENDING
                and (user.is_superuser or n.at_unit_id == user.unit_id)
            },
            "outcome_ids": {
                n.pk for n in nominations if n.status == Nomination.Status.RECOMMENDED and is_owner
            },
            "can_close": is_owner and rnd.status == Round.Status.OPEN,
            "review_form": ReviewForm(),
            "outcome_form": OutcomeForm(),
        }
        return TemplateResponse(request, "figures/round_detail.html", context)

    def act_view(self, request: HttpRequest, pk: int) -> HttpResponse:
        rnd = get_visible_or_404(Round.objects.select_related("unit"), request.user, pk=pk)
        if request.method != "POST":
            return HttpResponseRedirect(self._detail_url(rnd))
        action = request.POST.get("action", "")
        user = request.user
        try:
            if action == "propose":
                form: Any = ProposeForm(request.POST, user=user)
                if self._valid(request, form):
                    services.nomination_propose(
                        round=rnd,
                        member=form.cleaned_data["member"],
                        reason=form.cleaned_data.get("reason") or "",
                        actor=user,
                    )
                    messages.success(request, _("已推荐，等待上级审核"))
            elif action == "review":
                form = ReviewForm(request.POST)
                if self._valid(request, form):
                    nomination = self._nomination(request, rnd, form.cleaned_data["nomination"])
                    services.nomination_review(
                        nomination=nomination,
                        recommend=form.cleaned_data["decision"] == "recommend",
                        comment=form.cleaned_data.get("comment") or "",
                        actor=user,
                    )
                    messages.success(request, _("已审核"))
            elif action == "outcome":
                form = OutcomeForm(request.POST)
                if self._valid(request, form):
                    nomination = self._nomination(request, rnd, form.cleaned_data["nomination"])
                    services.nomination_outcome(
                        nomination=nomination,
                        arranged=form.cleaned_data["arranged"] == "yes",
                        post=form.cleaned_data.get("post") or "",
                        date=form.cleaned_data["date"],
                        actor=user,
                    )
                    messages.success(request, _("已记录结果"))
            elif action == "close":
                services.round_close(round=rnd, actor=user)
                messages.success(request, _("推荐工作已结束"))
            else:
                raise Http404
        except (ValidationError, PermissionDenied) as exc:
            _errors(request, exc)
        return HttpResponseRedirect(self._detail_url(rnd))

    @staticmethod
    def _nomination(request: HttpRequest, rnd: Round, pk: int) -> Nomination:
        return get_visible_or_404(Nomination.objects.filter(round=rnd), request.user, pk=pk)

    @staticmethod
    def _valid(request: HttpRequest, form: Any) -> bool:
        if form.is_valid():
            return True
        for field, errs in form.errors.items():
            label = form.fields[field].label if field in form.fields else ""
            text = "；".join(str(e) for e in errs)
            messages.error(request, f"{label}：{text}" if label else text)
        return False


@admin.register(Nomination)
class NominationAdmin(ScopedModelAdmin):
    list_display = ("member", "round", "proposed_by", "at_unit", "status", "outcome_post")
    list_filter = ("status",)
    list_select_related = ("member", "round", "proposed_by", "at_unit")
    search_fields = ("member__name",)
    actions = [
        export_action(
            gettext_lazy("导出所选推荐人选"),
            [
                gettext_lazy("姓名"),
                gettext_lazy("推荐工作"),
                gettext_lazy("推荐组织"),
                gettext_lazy("状态"),
                gettext_lazy("安排职务"),
                gettext_lazy("结果日期"),
            ],
            lambda n: [
                n.member.name,
                n.round.label,
                n.proposed_by.name,
                n.get_status_display(),
                n.outcome_post,
                n.outcome_date,
            ],
            "nominations",
        )
    ]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # proposed on the round's page

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
