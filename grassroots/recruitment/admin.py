"""Console pages for recruitment: the inbox, applications with their timeline and actions,
prospects, the talent programme's figures, filing batches, the procedure and conditions."""

from __future__ import annotations

from typing import Any

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Exists, OuterRef
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from unfold.admin import ModelAdmin, TabularInline

from grassroots.core import audit
from grassroots.core.admin_base import ScopedModelAdmin
from grassroots.core.scope import get_visible_or_404
from grassroots.members.models import Member
from grassroots.recruitment import exports, pdf, procedure, selectors, services
from grassroots.recruitment.forms import (
    APPLICATION_FORM_FIELDS,
    ActionForm,
    ApplicationForm,
    FilingBatchForm,
    FilingReplyForm,
    OverrideForm,
    ProspectForm,
)
from grassroots.recruitment.models import (
    PERSON_FIELDS,
    AdmissionRule,
    Application,
    ConditionOverride,
    CultivationRecord,
    FilingBatch,
    Introducer,
    Prospect,
    Stage,
    TalentProgramme,
)


def _errors(request: HttpRequest, exc: Exception) -> None:
    if isinstance(exc, ValidationError):
        if hasattr(exc, "error_dict"):
            for field, msgs in exc.message_dict.items():
                label = _field_label(field)
                for msg in msgs:
                    messages.error(request, f"{label}：{msg}" if label else msg)
        else:
            for msg in exc.messages:
                messages.error(request, msg)
    else:
        messages.error(request, str(exc))


def _field_label(field: str) -> str:
    if field in ("__all__", "conditions", "applications"):
        return ""
    try:
        return str(getattr(Application._meta.get_field(field), "verbose_name", ""))
    except Exception:
        return ""


class ProvinceConfigAdmin(ModelAdmin):
    """Procedure and conditions are the association's preset: only provincial staff edit them."""

    def _provincial(self, request: HttpRequest) -> bool:
        user: Any = request.user
        return bool(user.is_superuser or (user.is_provincial and user.role == "province-staff"))

    def has_add_permission(self, request: HttpRequest) -> bool:
        return self._provincial(request) and super().has_add_permission(request)

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return self._provincial(request) and super().has_change_permission(request, obj)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return self._provincial(request) and super().has_delete_permission(request, obj)


@admin.register(AdmissionRule)
class AdmissionRuleAdmin(ProvinceConfigAdmin):
    list_display = ("name", "kind", "severity", "is_active", "order")
    list_editable = ("is_active", "order")
    fields = ("code", "name", "kind", "params", "message", "severity", "order", "is_active")


@admin.register(Stage)
class StageAdmin(ProvinceConfigAdmin):
    list_display = ("order", "name", "kind", "actor_level", "roles", "is_active")
    fields = (
        "order",
        "code",
        "name",
        "kind",
        "actor_level",
        "actor_roles",
        "fields",
        "params",
        "is_active",
    )

    @admin.display(description=gettext_lazy("办理角色"))
    def roles(self, obj: Stage) -> str:
        from grassroots.accounts.models import Role

        return "、".join(str(Role(r).label) for r in obj.actor_roles if r in Role.values)


# --- the talent programme ----------------------------------------------------------------


@admin.register(TalentProgramme)
class TalentProgrammeAdmin(ScopedModelAdmin):
    list_display = ("name", "unit", "start_date", "end_date", "target", "figures_link")
    filter_horizontal = ("categories",)
    fields = ("unit", "name", "start_date", "end_date", "target", "categories", "note")

    @admin.display(description=gettext_lazy("进展"))
    def figures_link(self, obj: TalentProgramme) -> str:
        url = reverse("admin:recruitment_talentprogramme_figures", args=[obj.pk])
        return format_html('<a class="text-primary-600" href="{}">{}</a>', url, _("查看进展"))

    def get_urls(self):
        return [
            path(
                "<int:pk>/figures/",
                self.admin_site.admin_view(self.figures_view),
                name="recruitment_talentprogramme_figures",
            ),
            *super().get_urls(),
        ]

    def figures_view(self, request: HttpRequest, pk: int) -> HttpResponse:
        programme = get_visible_or_404(TalentProgramme.objects.all(), request.user, pk=pk)
        figures = selectors.programme_figures(programme=programme, user=request.user)
        chart = {
            "labels": [m for m, _n in figures.timeline],
            "admitted": [n for _m, n in figures.timeline],
            "target": programme.target,
        }
        context = {
            **self.admin_site.each_context(request),
            "title": programme.name,
            "figures": figures,
            "chart": chart,
            "opts": self.model._meta,
        }
        return TemplateResponse(request, "recruitment/programme_figures.html", context)


# --- prospects ---------------------------------------------------------------------------


class CultivationRecordInline(TabularInline):
    model = CultivationRecord
    extra = 1
    fields = ("date", "kind", "content", "recorded_by")
    readonly_fields = ("recorded_by",)


@admin.register(Prospect)
class ProspectAdmin(ScopedModelAdmin):
    form = ProspectForm
    list_display = ("name", "unit", "talent_kind", "recruiter", "programme", "status")
    list_filter = ("status", "talent_kind", "programme")
    search_fields = ("name",)
    raw_id_fields = ("recruiter",)
    inlines = [CultivationRecordInline]
    actions = ["make_applications"]
    exclude = ("id_number",)
    readonly_fields = ("id_number_masked",)

    def get_fields(self, request: HttpRequest, obj: Any = None):
        fields = [f for f in ProspectForm.Meta.fields if f != "id_number"]
        if obj is None:
            fields.insert(fields.index("birth_date") + 1, "id_number")
        else:
            fields.insert(fields.index("birth_date") + 1, "id_number_masked")
        return fields

    def get_exclude(self, request: HttpRequest, obj: Any = None):
        return () if obj is None else ("id_number",)

    def save_model(self, request: HttpRequest, obj: Prospect, form: Any, change: bool) -> None:
        data = {k: form.cleaned_data[k] for k in PERSON_FIELDS if k in form.cleaned_data}
        if change:
            extra = {
                k: form.cleaned_data[k]
                for k in ("recruiter", "programme", "source", "note", "status")
            }
            saved = services.prospect_update(
                prospect=obj, data={**data, **extra}, actor=request.user
            )
        else:
            saved = services.prospect_create(
                unit=form.cleaned_data["unit"],
                data=data,
                actor=request.user,
                recruiter=form.cleaned_data.get("recruiter"),
                programme=form.cleaned_data.get("programme"),
                source=form.cleaned_data.get("source", ""),
                note=form.cleaned_data.get("note", ""),
            )
        obj.pk = saved.pk

    def save_formset(self, request: HttpRequest, form: Any, formset: Any, change: bool) -> None:
        instances = formset.save(commit=False)
        for record in instances:
            if record.pk is None:
                services.cultivation_record_add(
                    prospect=form.instance,
                    date=record.date,
                    kind=record.kind,
                    content=record.content,
                    actor=request.user,
                )
            else:
                record.save()
        for record in formset.deleted_objects:
            record.delete()

    @admin.action(description=gettext_lazy("转为入会申请"))
    def make_applications(self, request: HttpRequest, queryset: Any) -> None:
        made = 0
        for prospect in queryset:
            try:
                services.application_from_prospect(prospect=prospect, actor=request.user)
                made += 1
            except (ValidationError, PermissionDenied) as exc:
                messages.error(
                    request, f"{prospect.name}：{'；'.join(getattr(exc, 'messages', [str(exc)]))}"
                )
        if made:
            messages.success(request, _("已为%(n)s名后备人选创建入会申请") % {"n": made})


# --- applications ------------------------------------------------------------------------


@admin.register(Application)
class ApplicationAdmin(ScopedModelAdmin):
    form = ApplicationForm
    list_display = ("name", "unit", "stage", "state", "age_days", "override_flag", "created_at")
    list_filter = ("state", "stage")
    search_fields = ("name",)
    raw_id_fields = ("recruiter",)
    list_select_related = ("unit", "stage")
    actions = ["make_filing_batch"]

    def get_queryset(self, request: HttpRequest):
        return (
            super()
            .get_queryset(request)
            .annotate(
                has_override=Exists(ConditionOverride.objects.filter(application=OuterRef("pk")))
            )
        )

    def get_fields(self, request: HttpRequest, obj: Any = None):
        return [f for f in APPLICATION_FORM_FIELDS if not (obj and f == "id_number")]

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None):
        if obj is not None:
            return ("unit",)
        return ()

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    @admin.display(description=gettext_lazy("本环节天数"))
    def age_days(self, obj: Application) -> Any:
        return selectors.age_in_days(obj) if obj.is_open else "—"

    @admin.display(description=gettext_lazy("破格"), boolean=True)
    def override_flag(self, obj: Application) -> bool:
        return bool(getattr(obj, "has_override", False))

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        field = super().formfield_for_foreignkey(db_field, request, **kwargs)
        if db_field.name == "unit" and field is not None:
            field.queryset = selectors.grassroots_units(request.user)
        return field

    def save_model(self, request: HttpRequest, obj: Application, form: Any, change: bool) -> None:
        data = {k: form.cleaned_data[k] for k in APPLICATION_FORM_FIELDS if k in form.cleaned_data}
        unit = data.pop("unit", None)
        if change:
            fresh = Application.objects.get(pk=obj.pk)
            saved = services.application_update(application=fresh, data=data, actor=request.user)
        else:
            saved = services.application_create(
                unit=unit,
                data=data,
                actor=request.user,
                programme=data.get("programme"),
                recruiter=data.get("recruiter"),
            )
        obj.pk = saved.pk

    def _detail_url(self, app: Application) -> str:
        return reverse("admin:recruitment_application_change", args=[app.pk])

    def get_urls(self):
        view = self.admin_site.admin_view
        return [
            path("inbox/", view(self.inbox_view), name="recruitment_application_inbox"),
            path("<int:pk>/act/", view(self.act_view), name="recruitment_application_act"),
            path(
                "<int:pk>/introducers/",
                view(self.introducer_view),
                name="recruitment_application_introducers",
            ),
            path(
                "<int:pk>/override/",
                view(self.override_view),
                name="recruitment_application_override",
            ),
            path(
                "<int:pk>/pdf/<slug:kind>/", view(self.pdf_view), name="recruitment_application_pdf"
            ),
            path("filing/", view(self.filing_view), name="recruitment_application_filing"),
            *super().get_urls(),
        ]

    def change_view(self, request, object_id, form_url="", extra_context=None):
        if request.method == "GET" and "edit" not in request.GET:
            return self.detail_view(request, object_id)
        app = get_visible_or_404(Application.objects.all(), request.user, pk=object_id)
        if not app.is_open or app.stage.kind != Stage.Kind.FORM:
            messages.error(request, _("申请已提交，表格内容只能在退回到“提交申请”环节后修改"))
            return redirect(self._detail_url(app))
        try:
            return super().change_view(request, object_id, form_url, extra_context)
        except (ValidationError, PermissionDenied) as exc:
            _errors(request, exc)
            return redirect(self._detail_url(app))

    def add_view(self, request, form_url="", extra_context=None):
        try:
            return super().add_view(request, form_url, extra_context)
        except (ValidationError, PermissionDenied) as exc:
            _errors(request, exc)
            return redirect(reverse("admin:recruitment_application_add"))

    def detail_view(self, request: HttpRequest, object_id: Any) -> HttpResponse:
        app = get_visible_or_404(
            Application.objects.select_related(
                "unit", "stage", "member", "filing_batch", "recruiter", "programme"
            ),
            request.user,
            pk=object_id,
        )
        stages = selectors.applicable_stages(app)
        why_not = procedure.why_cannot_act(request.user, app) if app.is_open else None
        query = request.GET.get("introducer_q", "")
        found = selectors.introducer_lookup(user=request.user, query=query) if query else []
        quota = None
        if app.is_open and app.stage.kind == Stage.Kind.APPROVAL:
            from django.utils import timezone

            quota = services.quota_status(app.unit, timezone.localdate().year)
        context = {
            **self.admin_site.each_context(request),
            "title": _("入会申请：%(name)s") % {"name": app.name},
            "opts": self.model._meta,
            "app": app,
            "stages": stages,
            "outcomes": selectors.condition_outcomes(app),
            "introducers": list(app.introducers.select_related("member__unit")),
            "timeline": selectors.timeline(app),
            "why_not": why_not,
            "form": ActionForm(stage=app.stage, initial={"version": app.version}),
            "override_form": OverrideForm(),
            "introducer_q": query,
            "found": found,
            "quota": quota,
            "can_edit": app.is_open and app.stage.kind == Stage.Kind.FORM and not why_not,
            "person_fields": [
                (getattr(Application._meta.get_field(f), "verbose_name", f), _display(app, f))
                for f in PERSON_FIELDS
            ],
        }
        return TemplateResponse(request, "recruitment/application_detail.html", context)

    def act_view(self, request: HttpRequest, pk: int) -> HttpResponse:
        app = get_visible_or_404(Application.objects.select_related("stage"), request.user, pk=pk)
        if request.method != "POST":
            return redirect(self._detail_url(app))
        form = ActionForm(request.POST, request.FILES, stage=app.stage)
        if not form.is_valid():
            for field, errs in form.errors.items():
                label = form.fields[field].label if field in form.fields else ""
                messages.error(request, f"{label}：{'；'.join(str(e) for e in errs)}")
            return redirect(self._detail_url(app))
        app.version = form.cleaned_data["version"]
        action = form.cleaned_data["action"]
        comment = form.cleaned_data["comment"]
        files = [form.cleaned_data["attachment"]] if form.cleaned_data.get("attachment") else []
        try:
            if action == "advance":
                services.application_advance(
                    application=app,
                    actor=request.user,
                    comment=comment,
                    data=form.stage_data(),
                    attachments=files,
                    quota_reason=form.cleaned_data.get("quota_reason") or "",
                )
            elif action == "return":
                services.application_return(
                    application=app, actor=request.user, comment=comment, attachments=files
                )
            elif action == "reject":
                services.application_reject(
                    application=app, actor=request.user, comment=comment, attachments=files
                )
            else:
                services.application_withdraw(application=app, actor=request.user, comment=comment)
            messages.success(request, _("已办理"))
        except services.ApplicationConflict as exc:
            messages.warning(request, str(exc))
        except (ValidationError, PermissionDenied) as exc:
            _errors(request, exc)
        return redirect(self._detail_url(app))

    def introducer_view(self, request: HttpRequest, pk: int) -> HttpResponse:
        app = get_visible_or_404(Application.objects.all(), request.user, pk=pk)
        if request.method != "POST":
            return redirect(self._detail_url(app))
        try:
            if "confirm" in request.POST:
                intro = Introducer.objects.get(pk=request.POST["confirm"], application=app)
                services.introducer_confirm(
                    introducer=intro, actor=request.user, note=request.POST.get("note", "")
                )
            elif "remove" in request.POST:
                intro = Introducer.objects.get(pk=request.POST["remove"], application=app)
                services.introducer_remove(introducer=intro, actor=request.user)
            else:
                # Deliberately not scoped: an introducer may belong to any unit of the province.
                member = Member.objects.get(pk=int(request.POST.get("member") or 0))
                services.introducer_add(application=app, member=member, actor=request.user)
            messages.success(request, _("已保存"))
        except (Introducer.DoesNotExist, Member.DoesNotExist, ValueError) as exc:
            raise Http404 from exc
        except (ValidationError, PermissionDenied, services.ApplicationConflict) as exc:
            _errors(request, exc)
        return redirect(self._detail_url(app))

    def override_view(self, request: HttpRequest, pk: int) -> HttpResponse:
        app = get_visible_or_404(Application.objects.all(), request.user, pk=pk)
        form = OverrideForm(request.POST or None)
        if request.method == "POST" and form.is_valid():
            try:
                rule = AdmissionRule.objects.get(pk=form.cleaned_data["rule"])
                services.condition_override(
                    application=app,
                    rule=rule,
                    reason=form.cleaned_data["reason"],
                    actor=request.user,
                )
                messages.success(request, _("已批准破格"))
            except AdmissionRule.DoesNotExist as exc:
                raise Http404 from exc
            except (ValidationError, PermissionDenied, services.ApplicationConflict) as exc:
                _errors(request, exc)
        elif request.method == "POST":
            messages.error(request, _("请填写破格理由"))
        return redirect(self._detail_url(app))

    def pdf_view(self, request: HttpRequest, pk: int, kind: str) -> HttpResponse:
        app = get_visible_or_404(Application.objects.all(), request.user, pk=pk)
        renderers = {
            "form": (pdf.application_form_pdf, _("入会申请表")),
            "approval": (pdf.approval_form_pdf, _("入会审批表")),
            "certificate": (pdf.certificate_pdf, _("会员证")),
        }
        if kind not in renderers or (kind == "certificate" and app.member_id is None):
            raise Http404
        render, label = renderers[kind]
        audit.record(
            audit.AuditEvent.Action.EXPORT,
            instance=app,
            extra={"format": "pdf", "document": kind, "rows": 1},
        )
        response = HttpResponse(render(app), content_type="application/pdf")
        response["Content-Disposition"] = f'inline; filename="application-{app.pk}-{kind}.pdf"'
        del label
        return response

    def inbox_view(self, request: HttpRequest) -> HttpResponse:
        qs = (
            selectors.inbox(request.user)
            .select_related("unit", "stage")
            .only(
                "pk",
                "name",
                "unit__name",
                "stage__name",
                "stage__order",
                "stage_entered_at",
                "submitted_at",
                "state",
                "is_talent",
            )
            .order_by("stage_entered_at", "pk")
        )
        page = Paginator(qs, 50).get_page(request.GET.get("p"))
        selectors.remember_inbox_count(request.user, page.paginator.count)
        apps = list(page.object_list)
        # Overrides for the shown rows only (an annotation would be computed for every match).
        overridden = set(
            ConditionOverride.objects.filter(application__in=apps).values_list(
                "application_id", flat=True
            )
        )
        rows = [(a, selectors.age_in_days(a), a.pk in overridden) for a in apps]
        context = {
            **self.admin_site.each_context(request),
            "title": _("我的待办"),
            "opts": self.model._meta,
            "page": page,
            "rows": rows,
            "quotas": selectors.quota_lines(request.user),
        }
        return TemplateResponse(request, "recruitment/inbox.html", context)

    @admin.action(description=gettext_lazy("编入备案批次"))
    def make_filing_batch(self, request: HttpRequest, queryset: Any) -> HttpResponse:
        ids = ",".join(str(pk) for pk in queryset.values_list("pk", flat=True))
        return HttpResponseRedirect(reverse("admin:recruitment_application_filing") + f"?ids={ids}")

    def filing_view(self, request: HttpRequest) -> HttpResponse:
        raw = request.POST.get("ids") or request.GET.get("ids", "")
        try:
            ids = [int(x) for x in raw.split(",") if x]
        except ValueError as exc:
            raise Http404 from exc
        apps = list(
            Application.objects.visible_to(request.user).filter(pk__in=ids).select_related("unit")
        )
        form = FilingBatchForm(request.POST or None)
        if request.method == "POST" and form.is_valid():
            try:
                batch = services.filing_batch_create(
                    applications=apps,
                    number=form.cleaned_data["number"],
                    sent_on=form.cleaned_data["sent_on"],
                    actor=request.user,
                )
                messages.success(request, _("已创建备案批次%(n)s") % {"n": batch.number})
                return redirect(reverse("admin:recruitment_filingbatch_change", args=[batch.pk]))
            except (ValidationError, PermissionDenied) as exc:
                _errors(request, exc)
        context = {
            **self.admin_site.each_context(request),
            "title": _("编入备案批次"),
            "opts": self.model._meta,
            "form": form,
            "apps": apps,
            "ids": raw,
            "submit_label": _("创建批次"),
            "intro": _("以下申请将编入同一备案批次报送中央；只有处于“备案”环节的申请可以编入。"),
        }
        return TemplateResponse(request, "recruitment/form_page.html", context)


def _display(app: Application, field: str) -> Any:
    if field == "id_number":
        return app.id_number_masked
    value = getattr(app, f"get_{field}_display", None)
    if value is not None:
        return value()
    result = getattr(app, field)
    if isinstance(result, bool):
        return _("是") if result else _("否")
    return result if result not in (None, "") else "—"


# --- filing batches ----------------------------------------------------------------------


@admin.register(FilingBatch)
class FilingBatchAdmin(ScopedModelAdmin):
    list_display = ("number", "sent_on", "state", "reply_on", "size", "downloads")
    readonly_fields = (
        "unit",
        "number",
        "sent_on",
        "state",
        "reply_on",
        "reply",
        "created_by",
        "created_at",
    )
    fields = readonly_fields

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    @admin.display(description=gettext_lazy("申请数"))
    def size(self, obj: FilingBatch) -> int:
        return obj.applications.count()

    @admin.display(description=gettext_lazy("备案材料"))
    def downloads(self, obj: FilingBatch) -> str:
        return format_html(
            '<a class="text-primary-600" href="{}">xlsx</a> · <a class="text-primary-600" href="{}">PDF</a> · '
            '<a class="text-primary-600" href="{}">{}</a>',
            reverse("admin:recruitment_filingbatch_package", args=[obj.pk, "xlsx"]),
            reverse("admin:recruitment_filingbatch_package", args=[obj.pk, "pdf"]),
            reverse("admin:recruitment_filingbatch_reply", args=[obj.pk]),
            _("登记回复"),
        )

    def get_urls(self):
        view = self.admin_site.admin_view
        return [
            path(
                "<int:pk>/package.<slug:fmt>",
                view(self.package_view),
                name="recruitment_filingbatch_package",
            ),
            path("<int:pk>/reply/", view(self.reply_view), name="recruitment_filingbatch_reply"),
            *super().get_urls(),
        ]

    def package_view(self, request: HttpRequest, pk: int, fmt: str) -> HttpResponse:
        batch = get_visible_or_404(FilingBatch.objects.all(), request.user, pk=pk)
        apps = list(
            batch.applications.visible_to(request.user)
            .select_related(  # type: ignore[attr-defined]
                "unit", "education", "title", "sector", "talent_kind", "ethnicity"
            )
            .order_by("pk")
        )
        if fmt == "xlsx":
            body = exports.filing_package_xlsx(batch, apps)
            ctype = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
        elif fmt == "pdf":
            body = pdf.filing_package_pdf(batch, apps)
            ctype = "application/pdf"
        else:
            raise Http404
        audit.record(
            audit.AuditEvent.Action.EXPORT,
            instance=batch,
            extra={"format": fmt, "filter": {"batch": batch.number}, "rows": len(apps)},
        )
        response = HttpResponse(body, content_type=ctype)
        response["Content-Disposition"] = f'attachment; filename="filing-{batch.pk}.{fmt}"'
        return response

    def reply_view(self, request: HttpRequest, pk: int) -> HttpResponse:
        batch = get_visible_or_404(FilingBatch.objects.all(), request.user, pk=pk)
        form = FilingReplyForm(request.POST or None)
        if request.method == "POST" and form.is_valid():
            try:
                services.filing_batch_record_reply(
                    batch=batch,
                    reply_on=form.cleaned_data["reply_on"],
                    reply=form.cleaned_data["reply"],
                    rejected=form.cleaned_data["rejected"],
                    actor=request.user,
                )
                messages.success(request, _("已登记中央回复"))
                return redirect(reverse("admin:recruitment_filingbatch_change", args=[batch.pk]))
            except (ValidationError, PermissionDenied, services.ApplicationConflict) as exc:
                _errors(request, exc)
        context = {
            **self.admin_site.each_context(request),
            "title": _("登记中央回复：%(n)s") % {"n": batch.number},
            "opts": self.model._meta,
            "form": form,
            "submit_label": _("保存"),
            "back_url": reverse("admin:recruitment_filingbatch_changelist"),
            "intro": _("本批次共%(n)s份申请。") % {"n": batch.applications.count()},
        }
        return TemplateResponse(request, "recruitment/form_page.html", context)
