"""Console pages: import history, upload → preview → confirm (with a progress bar for large
files), member export with the member list's current filter, the import template, the roster."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote, urlsplit

from django import forms
from django.conf import settings
from django.contrib import admin, messages
from django.contrib.admin.options import IncorrectLookupParameters
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import (
    Http404,
    HttpRequest,
    HttpResponse,
    HttpResponseRedirect,
    JsonResponse,
    QueryDict,
)
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import NoReverseMatch, path, reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from unfold.widgets import UnfoldAdminFileFieldWidget

from grassroots.core import audit
from grassroots.core.admin_base import ScopedModelAdmin
from grassroots.core.scope import user_scope_path
from grassroots.members.models import Member
from grassroots.members.selectors import member_search, members_visible
from grassroots.organizations.models import Unit
from grassroots.transfer import selectors, services, workbooks
from grassroots.transfer.models import ImportJob

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
EXPORT_OWN_PARAMS = {"columns", "download"}


def background_rows() -> int:
    return int(getattr(settings, "GRASSROOTS_IMPORT_BACKGROUND_ROWS", 2000))


def _download(data: bytes, name: str) -> HttpResponse:
    response = HttpResponse(data, content_type=XLSX)
    response["Content-Disposition"] = f"attachment; filename*=UTF-8''{_quote(name)}"
    return response


def _quote(name: str) -> str:
    return quote(name)


def _member_list_query(request: HttpRequest) -> QueryDict | None:
    """The member list's filter when the export was opened from it (a list action button
    that only redirects here keeps the list page as the referer)."""
    referer = urlsplit(request.META.get("HTTP_REFERER", ""))
    try:
        member_list = reverse("admin:members_member_changelist")
    except NoReverseMatch:
        return None
    if referer.path != member_list or not referer.query:
        return None
    return QueryDict(referer.query, mutable=True)


class UploadForm(forms.Form):
    file = forms.FileField(
        widget=UnfoldAdminFileFieldWidget,
        label=gettext_lazy("花名册文件"),
        help_text=gettext_lazy("支持 .xlsx、.xls、.ods、.csv（UTF-8 或 GBK 编码）"),
    )
    unit = forms.ModelChoiceField(
        label=gettext_lazy("导入到组织"),
        queryset=Unit.objects.none(),
        help_text=gettext_lazy("“所属组织”列为空的行归入此组织"),
    )
    mode = forms.ChoiceField(label=gettext_lazy("模式"), choices=ImportJob.Mode.choices)
    valid_only = forms.BooleanField(
        label=gettext_lazy("只导入正确的行（默认：有任何错误则全部不导入）"), required=False
    )
    sheet = forms.CharField(
        label=gettext_lazy("工作表"), required=False, help_text=gettext_lazy("默认第一个")
    )

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["unit"].queryset = selectors.units_for_import(user)  # type: ignore[attr-defined]
        if getattr(user, "unit", None) is not None:
            self.fields["unit"].initial = user.unit


class ExportForm(forms.Form):
    columns = forms.MultipleChoiceField(
        label=gettext_lazy("导出列"),
        choices=[(k, v[0]) for k, v in workbooks.EXPORT_COLUMNS.items()],
        initial=workbooks.DEFAULT_EXPORT,
        widget=forms.CheckboxSelectMultiple,
    )


class RosterForm(forms.Form):
    unit = forms.ModelChoiceField(
        label=gettext_lazy("组织"),
        queryset=Unit.objects.none(),
    )
    include_descendants = forms.BooleanField(
        label=gettext_lazy("包含下级组织的会员"), required=False, initial=True
    )

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["unit"].queryset = selectors.units_for_import(user)  # type: ignore[attr-defined]


@admin.register(ImportJob)
class ImportJobAdmin(ScopedModelAdmin):
    list_display = (
        "created_at",
        "file_name",
        "unit",
        "actor_username",
        "mode",
        "state",
        "rows",
        "created",
        "updated",
        "unchanged",
        "error_count",
        "error_link",
    )
    list_filter = ("state", "mode", "source")
    search_fields = ("file_name", "actor_username")
    readonly_fields = [f.name for f in ImportJob._meta.fields]
    list_display_links = ("created_at", "file_name")

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    @admin.display(description=gettext_lazy("错误清单"))
    def error_link(self, obj: ImportJob) -> str:
        if not obj.error_file:
            return "—"
        url = reverse("admin:transfer_import_errors", args=[obj.pk])
        return format_html('<a class="text-primary-600 underline" href="{}">{}</a>', url, _("下载"))

    def change_view(self, request: HttpRequest, object_id: str, *args: Any, **kwargs: Any) -> Any:
        # A job's page is its preview; a sibling's job answers 404 like a missing one.
        if self.get_object(request, object_id) is None:
            raise Http404
        return self.preview_view(request, int(object_id))

    def changelist_view(self, request: HttpRequest, extra_context: Any = None) -> Any:
        extra = {
            "title": _("导入记录"),
            "transfer_links": [
                (reverse("admin:transfer_import_upload"), _("导入会员")),
                (reverse("admin:transfer_template"), _("下载导入模板")),
                (reverse("admin:transfer_export"), _("导出会员")),
                (reverse("admin:transfer_roster"), _("打印花名册")),
            ],
        }
        return super().changelist_view(request, {**extra, **(extra_context or {})})

    def get_urls(self) -> list[Any]:
        wrap = self.admin_site.admin_view
        return [
            path("upload/", wrap(self.upload_view), name="transfer_import_upload"),
            path("<int:pk>/preview/", wrap(self.preview_view), name="transfer_import_preview"),
            path("<int:pk>/status/", wrap(self.status_view), name="transfer_import_status"),
            path("<int:pk>/errors/", wrap(self.errors_view), name="transfer_import_errors"),
            path("template/", wrap(self.template_view), name="transfer_template"),
            path("export/", wrap(self.export_view), name="transfer_export"),
            path("roster/", wrap(self.roster_view), name="transfer_roster"),
            *super().get_urls(),
        ]

    def _page(self, request: HttpRequest, template: str, **context: Any) -> TemplateResponse:
        return TemplateResponse(
            request,
            template,
            {**self.admin_site.each_context(request), "opts": self.model._meta, **context},
        )

    # --- import ---------------------------------------------------------------------------

    def upload_view(self, request: HttpRequest) -> HttpResponse:
        form = UploadForm(request.POST or None, request.FILES or None, user=request.user)
        if request.method == "POST" and form.is_valid():
            try:
                job = services.import_job_upload(
                    uploaded=form.cleaned_data["file"],
                    unit=form.cleaned_data["unit"],
                    mode=form.cleaned_data["mode"],
                    valid_only=form.cleaned_data["valid_only"],
                    sheet=form.cleaned_data["sheet"],
                    actor=request.user,
                )
            except ValidationError as exc:
                for message in exc.messages:
                    form.add_error("file", message)
            else:
                return redirect("admin:transfer_import_preview", job.pk)
        return self._page(
            request,
            "transfer/upload.html",
            title=_("导入会员"),
            form=form,
            template_url=reverse("admin:transfer_template"),
            max_mb=services.readers.max_bytes() // (1024 * 1024),
        )

    def preview_view(self, request: HttpRequest, pk: int) -> HttpResponse:
        job = selectors.import_job_get(request.user, pk)
        if request.method == "POST":
            return self._decide(request, job)
        preview = job.preview or {}
        return self._page(
            request,
            "transfer/preview.html",
            title=_("导入预览：%(name)s") % {"name": job.file_name},
            job=job,
            headers=preview.get("headers", []),
            rows=[
                [r.get(h, "") for h in preview.get("headers", [])] for r in preview.get("rows", [])
            ],
            counts=preview,
            can_confirm=job.state == ImportJob.State.UPLOADED and self._is_owner(request, job),
            status_url=reverse("admin:transfer_import_status", args=[job.pk]),
            errors_url=(
                reverse("admin:transfer_import_errors", args=[job.pk]) if job.error_file else ""
            ),
            history_url=reverse("admin:transfer_importjob_changelist"),
        )

    def _is_owner(self, request: HttpRequest, job: ImportJob) -> bool:
        return bool(request.user.is_superuser or job.created_by_id == request.user.pk)

    def _decide(self, request: HttpRequest, job: ImportJob) -> HttpResponse:
        if not self._is_owner(request, job):
            raise PermissionDenied
        target = reverse("admin:transfer_import_preview", args=[job.pk])
        try:
            if "cancel" in request.POST:
                services.import_job_cancel(job=job, actor=request.user)
                messages.info(request, _("已取消本次导入，上传的文件已删除"))
            elif job.rows >= background_rows():
                from grassroots.transfer.tasks import import_job_process

                ImportJob.objects.filter(pk=job.pk).update(state=ImportJob.State.QUEUED)
                import_job_process.enqueue(job.pk, int(request.user.pk or 0))
            else:
                services.import_job_run(job=job, actor=request.user)
                job.refresh_from_db()
                self._report(request, job)
        except ValidationError as exc:
            messages.error(request, "；".join(exc.messages))
        return HttpResponseRedirect(target)

    def _report(self, request: HttpRequest, job: ImportJob) -> None:
        if job.state == ImportJob.State.DONE:
            messages.success(
                request,
                _("导入完成：新增%(c)d，更新%(u)d，未变化%(n)d")
                % {"c": job.created, "u": job.updated, "n": job.unchanged},
            )
        else:
            messages.warning(request, job.get_state_display())

    def status_view(self, request: HttpRequest, pk: int) -> JsonResponse:
        job = selectors.import_job_get(request.user, pk)
        return JsonResponse(
            {
                "state": job.state,
                "state_label": job.get_state_display(),
                "progress": job.progress,
                "finished": job.is_finished,
                "rows": job.rows,
                "created": job.created,
                "updated": job.updated,
                "unchanged": job.unchanged,
                "errors": job.error_count,
            }
        )

    def errors_view(self, request: HttpRequest, pk: int) -> HttpResponse:
        job = selectors.import_job_get(request.user, pk)
        if not job.error_file:
            raise PermissionDenied
        with job.error_file.open("rb") as handle:
            data = handle.read()
        # The error list repeats the uploaded rows (ID numbers included): a download of personal data.
        audit.record(audit.AuditEvent.Action.EXPORT, instance=job, extra={"export": "import_errors", "filter": {"import_job": job.pk}, "rows": job.error_count})  # fmt: skip
        return _download(data, f"{job.file_name.rsplit('.', 1)[0]}-错误清单.xlsx")

    # --- export, template, roster ----------------------------------------------------------

    def template_view(self, request: HttpRequest) -> HttpResponse:
        return _download(services.import_template(), _("会员导入模板.xlsx"))

    def export_view(self, request: HttpRequest) -> HttpResponse:
        """Reads the member list's own query string (filters, search) and exports those rows."""
        filters = request.GET.copy()
        for key in EXPORT_OWN_PARAMS:
            filters.pop(key, None)
        if not filters and "download" not in request.GET:
            filters = _member_list_query(request) or filters
        form = ExportForm(request.GET if "download" in request.GET else None)
        if form.is_bound and form.is_valid():
            try:
                queryset = self._member_queryset(request, filters)
            except IncorrectLookupParameters:
                messages.error(request, _("筛选条件无效，请返回会员列表重新筛选"))
                return redirect("admin:transfer_export")
            data, _count = services.members_export(
                actor=request.user,
                queryset=queryset,
                columns_wanted=form.cleaned_data["columns"],
                params={k: filters.getlist(k) for k in filters},
            )
            stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
            return _download(data, _("会员名单-%(t)s.xlsx") % {"t": stamp})
        return self._page(
            request,
            "transfer/export.html",
            title=_("导出会员"),
            form=form if form.is_bound else ExportForm(),
            filters=[(k, v) for k in filters for v in filters.getlist(k)],
            reveal=request.user.has_perm("members.reveal_id_number"),
        )

    def _member_queryset(self, request: HttpRequest, filters: Any) -> Any:
        member_admin = self.admin_site._registry.get(Member)
        if member_admin is None:
            return member_search(
                members_visible(request.user),
                filters.get("q", ""),
                within=user_scope_path(request.user),
            )
        original = request.GET
        request.GET = filters
        try:
            changelist = member_admin.get_changelist_instance(request)
            return changelist.get_queryset(request)
        finally:
            request.GET = original

    def roster_view(self, request: HttpRequest) -> HttpResponse:
        form = RosterForm(request.GET if "unit" in request.GET else None, user=request.user)
        if form.is_bound and form.is_valid():
            unit = form.cleaned_data["unit"]
            data, _count = services.unit_roster(
                unit=unit,
                actor=request.user,
                include_descendants=form.cleaned_data["include_descendants"],
            )
            return _download(data, _("%(unit)s花名册.xlsx") % {"unit": unit.name})
        return self._page(
            request,
            "transfer/roster.html",
            title=_("打印花名册"),
            form=form if form.is_bound else RosterForm(user=request.user),
        )
