"""Staff console for the four platforms: lists, entry forms and one action page per record.

Every write goes through ``platforms.services``; this module only carries forms to them.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from unfold.admin import ModelAdmin, TabularInline
from unfold.contrib.filters.admin import ChoicesDropdownFilter, RelatedDropdownFilter
from unfold.decorators import action

from grassroots.core.admin import action_page, apply_validation_error
from grassroots.core.admin_base import ScopedModelAdmin
from grassroots.core.scope import get_visible_or_404
from grassroots.members.models import Member
from grassroots.platforms import exports, forms, selectors
from grassroots.platforms.models import (
    InformationAdoption,
    InformationAuthor,
    InformationPiece,
    InformationPointRule,
    InformationQuota,
    LeaderInstruction,
    Level,
    Proposal,
    ProposalAuthor,
    ProposalKind,
    ProposalNote,
    ProposalSimilarity,
    ResearchAward,
    ResearchMember,
    ResearchOutput,
    ResearchTopic,
    ServiceKind,
    ServiceProject,
    ServiceProjectUnit,
    ServiceVolunteer,
)
from grassroots.platforms.services import information as info_services
from grassroots.platforms.services import proposals as proposal_services
from grassroots.platforms.services import research as research_services
from grassroots.platforms.services import service as service_services
from grassroots.platforms.services.common import credits_from_numbers


def _posted(request: HttpRequest) -> Any:
    return request.POST if request.method == "POST" else None


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


class PlatformAdmin(ScopedModelAdmin):
    """Records are created on an entry page and moved on by actions; the stored form is read-only."""

    create_form: type = forms.ProposalCreateForm
    transition_form: type = forms.ProposalTransitionForm
    platform = "proposals"
    list_filter_submit = True
    actions_list = ["create_record", "export_xlsx"]
    actions_detail = ["transition"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # entry goes through the "新增" action page (the service decides the unit)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        return [f.name for f in self.model._meta.concrete_fields]

    def get_search_results(self, request: HttpRequest, queryset: Any, search_term: str) -> Any:
        if not search_term:
            return queryset, False
        found = self.search_selector(user=request.user, q=search_term)
        return queryset.filter(pk__in=found.values("pk")), False

    def search_selector(self, **kwargs: Any) -> Any:
        raise NotImplementedError

    def _changelist(self) -> str:
        opts = self.model._meta
        return reverse(f"admin:{opts.app_label}_{opts.model_name}_changelist")

    def _change(self, obj: Any) -> str:
        opts = self.model._meta
        return reverse(f"admin:{opts.app_label}_{opts.model_name}_change", args=[obj.pk])

    def create(self, request: HttpRequest, form: Any) -> Any:
        raise NotImplementedError

    def transit(self, request: HttpRequest, obj: Any, action: str, params: dict) -> Any:
        raise NotImplementedError

    def _run(self, request: HttpRequest, form: Any, call: Callable[[], Any]) -> Any:
        try:
            return call()
        except ValidationError as exc:
            apply_validation_error(form, exc)
        except PermissionDenied as exc:
            form.add_error(None, str(exc))
        return None

    @action(description=_("新增"), icon="add", url_path="create")
    def create_record(self, request: HttpRequest):
        perm = f"{self.model._meta.app_label}.add_{self.model._meta.model_name}"
        if not request.user.has_perm(perm):
            raise PermissionDenied
        form = self.create_form(_posted(request), user=request.user)
        if request.method == "POST" and form.is_valid():
            obj = self._run(request, form, lambda: self.create(request, form))
            if obj is not None:
                messages.success(request, gettext("已保存"))
                return HttpResponseRedirect(self._change(obj))
        return action_page(
            self,
            request,
            title=gettext("新增%(m)s") % {"m": self.model._meta.verbose_name},
            form=form,
            submit_label=gettext("保存"),
            back_url=self._changelist(),
        )

    @action(description=_("办理"), icon="account_tree", url_path="transition")
    def transition(self, request: HttpRequest, object_id: str):
        obj = get_visible_or_404(self.model.objects.all(), request.user, pk=object_id)
        form = self.transition_form(_posted(request), **self.transition_form_kwargs(request))
        if request.method == "POST" and form.is_valid():
            done = self._run(
                request,
                form,
                lambda: self.transit(request, obj, form.cleaned_data["action"], form.params()),
            )
            if done is not None:
                messages.success(request, gettext("已办理"))
                return HttpResponseRedirect(self._change(obj))
        return action_page(
            self,
            request,
            title=gettext("办理：%(t)s（当前状态：%(s)s）")
            % {"t": obj, "s": obj.get_status_display()},
            form=form,
            submit_label=gettext("提交"),
            back_url=self._change(obj),
            intro=gettext("选择操作并填写该操作需要的内容；状态不符或缺少必填内容时会提示原因。"),
        )

    def transition_form_kwargs(self, request: HttpRequest) -> dict[str, Any]:
        return {}

    @action(description=_("导出xlsx"), icon="download", url_path="export")
    def export_xlsx(self, request: HttpRequest):
        params = request.GET
        filters: dict[str, Any] = {
            "year": int(params["year"]) if params.get("year", "").isdigit() else None,
            "status": params.get("status") or None,
            "q": params.get("q", ""),
        }
        if self.platform in ("proposals", "service") and params.get("kind"):
            filters["kind"] = params["kind"]
        name, content, _rows = exports.platform_export_xlsx(
            user=request.user, platform=self.platform, filters=filters
        )
        response = HttpResponse(
            content,
            content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        )
        response["Content-Disposition"] = f'attachment; filename="{name}"'
        return response


# ------------------------------------------------------------------ proposals


class ProposalAuthorInline(ReadOnlyInline):
    model = ProposalAuthor
    fields = ("order", "member", "author_unit")
    readonly_fields = fields
    verbose_name_plural = _("作者")


class LeaderInstructionInline(ReadOnlyInline):
    model = LeaderInstruction
    fields = ("instructed_on", "leader", "level", "text")
    readonly_fields = fields


class ProposalNoteInline(ReadOnlyInline):
    model = ProposalNote
    fields = ("created_at", "author", "text")
    readonly_fields = fields


class ProposalSimilarityInline(ReadOnlyInline):
    model = ProposalSimilarity
    fk_name = "proposal"
    fields = ("other", "title_score", "text_score")
    readonly_fields = fields
    verbose_name_plural = _("疑似重复")

    def get_queryset(self, request: HttpRequest) -> Any:
        # Only the similar proposals this user may see are named (existence never leaks).
        visible = Proposal.objects.visible_to(request.user)  # type: ignore[attr-defined]
        return super().get_queryset(request).filter(other__in=visible)


@admin.register(Proposal)
class ProposalAdmin(PlatformAdmin):
    list_display = (
        "reference_code",
        "title",
        "kind",
        "unit",
        "year",
        "status",
        "possible_duplicate",
        "adopted",
    )
    list_select_related = ("unit", "kind")
    list_filter = (
        "year",
        ("status", ChoicesDropdownFilter),
        ("kind", RelatedDropdownFilter),
        "possible_duplicate",
        "adopted",
    )
    search_fields = ("title",)
    search_help_text = _("标题、正文、收件编号、作者姓名或署名组织")
    inlines = [
        ProposalAuthorInline,
        ProposalSimilarityInline,
        LeaderInstructionInline,
        ProposalNoteInline,
    ]

    def search_selector(self, **kwargs: Any) -> Any:
        return selectors.proposals_list(**kwargs)

    def get_urls(self) -> list:
        extra = [
            path(
                "statistics/",
                self.admin_site.admin_view(statistics_view),
                name="platforms_statistics",
            )
        ]
        return extra + super().get_urls()

    def create(self, request: HttpRequest, form: Any) -> Any:
        data = form.cleaned_data
        return proposal_services.proposal_create(
            actor=request.user,
            kind=data["kind"],
            title=data["title"],
            body=data["body"],
            authors=credits_from_numbers(
                numbers=data["author_numbers"], unit=data.get("author_unit")
            ),
            submit=data["submit"],
        )

    def transition_form_kwargs(self, request: HttpRequest) -> dict[str, Any]:
        return {"user": request.user}

    def transit(self, request: HttpRequest, obj: Any, action: str, params: dict) -> Any:
        if params.get("filed_as_case") is None:
            params.pop("filed_as_case", None)
        return proposal_services.proposal_transition(
            actor=request.user, proposal=obj, action=action, params=params
        )


# ------------------------------------------------------------------ information


class InformationAuthorInline(ReadOnlyInline):
    model = InformationAuthor
    fields = ("order", "member", "author_unit")
    readonly_fields = fields
    verbose_name_plural = _("作者")


class InformationAdoptionInline(ReadOnlyInline):
    model = InformationAdoption
    fields = ("adopted_on", "kind", "outlet", "level", "points")
    readonly_fields = fields


@admin.register(InformationPiece)
class InformationPieceAdmin(PlatformAdmin):
    create_form = forms.InformationCreateForm
    transition_form = forms.InformationTransitionForm
    platform = "information"
    list_display = ("title", "unit", "year", "submitted_on", "status", "points")
    list_select_related = ("unit",)
    list_filter = ("year", ("status", ChoicesDropdownFilter))
    search_fields = ("title",)
    search_help_text = _("标题、正文、采用刊物、作者姓名或署名组织")
    inlines = [InformationAuthorInline, InformationAdoptionInline]

    def search_selector(self, **kwargs: Any) -> Any:
        return selectors.information_list(**kwargs)

    def create(self, request: HttpRequest, form: Any) -> Any:
        data = form.cleaned_data
        return info_services.information_create(
            actor=request.user,
            title=data["title"],
            body=data["body"],
            authors=credits_from_numbers(
                numbers=data["author_numbers"], unit=data.get("author_unit")
            ),
            submitted_on=data.get("submitted_on"),
        )

    def transit(self, request: HttpRequest, obj: Any, action: str, params: dict) -> Any:
        return info_services.information_transition(
            actor=request.user, piece=obj, action=action, params=params
        )


@admin.register(InformationQuota)
class InformationQuotaAdmin(ScopedModelAdmin):
    list_display = ("unit", "year", "target_adopted", "target_points", "progress")
    list_select_related = ("unit",)
    list_filter = ("year",)
    fields = ("unit", "year", "target_adopted", "target_points")

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        return ("unit", "year") if obj is not None else ()

    @admin.display(description=_("完成情况"))
    def progress(self, obj: InformationQuota) -> str:
        row = selectors.quota_progress_of(obj)
        return gettext("已采用%(n)d篇，积分%(p)s") % {"n": row.adopted, "p": row.points}

    def save_model(
        self, request: HttpRequest, obj: InformationQuota, form: Any, change: bool
    ) -> None:
        saved = info_services.information_quota_set(
            actor=request.user,
            unit=obj.unit,
            year=obj.year,
            target_adopted=obj.target_adopted,
            target_points=obj.target_points,
        )
        obj.pk = saved.pk
        obj._state.adding = False


# ------------------------------------------------------------------ research


class ResearchMemberInline(ReadOnlyInline):
    model = ResearchMember
    fields = ("order", "member", "is_lead")
    readonly_fields = fields


class ResearchOutputInline(ReadOnlyInline):
    model = ResearchOutput
    fields = ("published_on", "kind", "title", "outlet")
    readonly_fields = fields


class ResearchAwardInline(ReadOnlyInline):
    model = ResearchAward
    fields = ("awarded_on", "name", "level", "grade")
    readonly_fields = fields


def _member_by_number(number: str, field: str) -> Member:
    member = Member.objects.select_related("unit").filter(member_number=number.strip()).first()
    if member is None:
        raise ValidationError({field: gettext("会员编号“%(v)s”不存在") % {"v": number}})
    return member


class ResearchForm(forms.ResearchCreateForm):
    def __init__(self, *args: Any, user: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)


@admin.register(ResearchTopic)
class ResearchTopicAdmin(PlatformAdmin):
    create_form = ResearchForm
    transition_form = forms.ResearchTransitionForm
    platform = "research"
    list_display = ("title", "lead", "unit", "year", "status", "approved_on", "concluded_on")
    list_select_related = ("unit", "lead")
    list_filter = ("year", ("status", ChoicesDropdownFilter))
    search_fields = ("title",)
    search_help_text = _("课题名称、简介、来源或成员姓名")
    inlines = [ResearchMemberInline, ResearchOutputInline, ResearchAwardInline]

    def search_selector(self, **kwargs: Any) -> Any:
        return selectors.research_list(**kwargs)

    def create(self, request: HttpRequest, form: Any) -> Any:
        data = form.cleaned_data
        numbers = [n for n in data["member_numbers"].replace("，", ",").split(",") if n.strip()]
        return research_services.research_topic_create(
            actor=request.user,
            title=data["title"],
            year=data["year"],
            lead=_member_by_number(data["lead_number"], "lead_number"),
            members=[_member_by_number(n, "member_numbers") for n in numbers],
            source=data["source"],
            summary=data["summary"],
        )

    def transit(self, request: HttpRequest, obj: Any, action: str, params: dict) -> Any:
        return research_services.research_transition(
            actor=request.user, topic=obj, action=action, params=params
        )


# ------------------------------------------------------------------ social service


class ServicePartnerInline(ReadOnlyInline):
    model = ServiceProjectUnit
    fields = ("unit",)
    readonly_fields = fields


class ServiceVolunteerInline(ReadOnlyInline):
    model = ServiceVolunteer
    fields = ("member", "hours", "role")
    readonly_fields = fields


@admin.register(ServiceProject)
class ServiceProjectAdmin(PlatformAdmin):
    create_form = forms.ServiceCreateForm
    transition_form = forms.ServiceTransitionForm
    platform = "service"
    list_display = (
        "title",
        "kind",
        "unit",
        "start_date",
        "status",
        "beneficiaries",
        "funds",
        "materials_value",
    )
    list_select_related = ("unit", "kind")
    list_filter = ("year", ("status", ChoicesDropdownFilter), ("kind", RelatedDropdownFilter))
    search_fields = ("title",)
    search_help_text = _("项目名称、简介、地点或志愿者姓名")
    inlines = [ServicePartnerInline, ServiceVolunteerInline]

    def search_selector(self, **kwargs: Any) -> Any:
        return selectors.service_list(**kwargs)

    def create(self, request: HttpRequest, form: Any) -> Any:
        data = form.cleaned_data
        figures = {
            k: data[k]
            for k in ("beneficiaries", "funds", "materials_value")
            if data.get(k) is not None
        }
        return service_services.service_project_create(
            actor=request.user,
            kind=data["kind"],
            title=data["title"],
            start_date=data["start_date"],
            end_date=data.get("end_date"),
            organizers=[
                data["organizer"],
                *[u for u in data["partners"] if u != data["organizer"]],
            ],
            location=data["location"],
            description=data["description"],
            figures=figures,
        )

    def transit(self, request: HttpRequest, obj: Any, action: str, params: dict) -> Any:
        number = params.pop("member_number", "")
        if action == "volunteer":
            params["member_id"] = _member_by_number(number, "member_number").pk
        return service_services.service_transition(
            actor=request.user, project=obj, action=action, params=params
        )


# ------------------------------------------------------------------ reference lists and statistics


@admin.register(Level)
class LevelAdmin(ModelAdmin):
    list_display = ("name", "code", "rank", "order", "is_active")


@admin.register(InformationPointRule)
class InformationPointRuleAdmin(ModelAdmin):
    list_display = ("level", "points")


@admin.register(ProposalKind)
class ProposalKindAdmin(ModelAdmin):
    list_display = ("name", "code", "prefix", "collective", "order", "is_active")


@admin.register(ServiceKind)
class ServiceKindAdmin(ModelAdmin):
    list_display = ("name", "code", "order", "is_active")


def statistics_view(request: HttpRequest) -> TemplateResponse:
    """The yearly table: one row per visible unit, own records and its subtree's totals."""
    if not request.user.has_perm("platforms.view_proposal"):
        raise PermissionDenied
    raw = request.GET.get("year", "")
    year = int(raw) if raw.isdigit() and 2000 <= int(raw) <= 2100 else timezone.localdate().year
    rows = selectors.platform_statistics(user=request.user, year=year)
    metrics = [(m, selectors.METRIC_LABELS[m]) for m in selectors.METRICS]
    table = [
        {
            "unit": r.unit,
            "indent": r.unit.depth,
            "values": [r.total[m] for m, _label in metrics],
        }
        for r in rows
    ]
    context = {
        **admin.site.each_context(request),
        "title": gettext("%(y)d年工作平台统计") % {"y": year},
        "year": year,
        "metrics": metrics,
        "table": table,
    }
    return TemplateResponse(request, "platforms/statistics.html", context)
