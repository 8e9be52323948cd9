"""Console for terms and elections: the term warnings, the request form, an election's page with
the form of each stage the user may take, and the printable documents. Writes go through
``elections.services``."""

from __future__ import annotations

from typing import Any

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from grassroots.branches.tabular import export_action, list_page, xlsx_response
from grassroots.core import audit
from grassroots.core.admin_base import ScopedModelAdmin
from grassroots.core.scope import get_visible_or_404
from grassroots.elections import pdf, procedure, selectors, services
from grassroots.elections.forms import (
    ApproveForm,
    FileForm,
    MeetingForm,
    RejectForm,
    RequestForm,
    TermForm,
)
from grassroots.elections.models import Election, Term


def _errors(request: HttpRequest, exc: Exception) -> None:
    if isinstance(exc, ValidationError):
        for msg in exc.messages:
            messages.error(request, msg)
    else:
        messages.error(request, str(exc) or _("无权办理"))


def _may_write(request: HttpRequest) -> bool:
    user = request.user
    return bool(
        user.is_superuser
        or (
            getattr(user, "role", "") and getattr(user, "role", "") not in procedure.READ_ONLY_ROLES
        )
    )


@admin.register(Term)
class TermAdmin(ScopedModelAdmin):
    form = TermForm
    list_display = ("unit", "number", "start_date", "planned_end", "ended_on")
    list_select_related = ("unit",)
    search_fields = ("unit__name", "unit__code")
    ordering = ("unit__path", "-number")
    actions = [
        export_action(
            gettext_lazy("导出所选届次"),
            [
                gettext_lazy("组织"),
                gettext_lazy("届次"),
                gettext_lazy("任期开始"),
                gettext_lazy("任期届满"),
                gettext_lazy("实际结束"),
            ],
            lambda t: [t.unit.name, t.number, t.start_date, t.planned_end, t.ended_on],
            "terms",
        )
    ]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return _may_write(request) and super().has_add_permission(request)

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False  # terms change only through elections

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def save_model(self, request: HttpRequest, obj: Term, form: Any, change: bool) -> None:
        data = form.cleaned_data
        saved = services.term_create(
            unit=data["unit"],
            number=data["number"],
            start_date=data["start_date"],
            planned_end=data.get("planned_end"),
            note=data.get("note") or "",
            actor=request.user,
        )
        obj.pk = saved.pk

    def get_urls(self):
        view = self.admin_site.admin_view
        return [path("due/", view(self.due_view), name="elections_term_due"), *super().get_urls()]

    def due_view(self, request: HttpRequest) -> HttpResponse:
        if not self.has_view_permission(request):
            raise PermissionDenied
        try:
            months = max(0, min(60, int(request.GET.get("months") or selectors.warning_months())))
        except ValueError:
            months = selectors.warning_months()
        lines = selectors.terms_due(request.user, months=months)
        pending = selectors.open_election_units(request.user)
        headers = [
            _("组织"),
            _("届次"),
            _("任期开始"),
            _("任期届满"),
            _("状态"),
            _("换届选举"),
        ]
        rows = [
            [
                line.unit.name,
                _("第%(n)s届") % {"n": line.number}
                if line.number
                else _("未登记（按现任负责人推算）"),
                line.start_date,
                line.planned_end,
                _("已届满%(d)s天") % {"d": -line.days_left}
                if line.expired
                else _("%(d)s天后届满") % {"d": line.days_left},
                _("办理中") if line.unit.pk in pending else _("未启动"),
            ]
            for line in lines
        ]
        if request.GET.get("export") == "xlsx":
            return xlsx_response(
                filename="terms-due",
                headers=headers,
                rows=rows,
                object_type="elections.term",
                filters={"months": months},
            )
        expired = sum(1 for line in lines if line.expired)
        return list_page(
            request,
            self.admin_site,
            title=_("换届提醒"),
            headers=headers,
            rows=rows,
            intro=_(
                "任期已届满的组织%(e)s个，%(m)s个月内届满的组织%(d)s个。"
                "未登记届次的组织按现任负责人最早任职日期加任期年限推算。"
            )
            % {"e": expired, "m": months, "d": len(lines) - expired},
            export_url=f"?months={months}&export=xlsx",
            empty=_("没有即将届满或已届满的组织"),
        )


def _election_row(e: Election) -> list[Any]:
    return [
        e.unit.name,
        e.term_number,
        e.get_status_display(),
        e.request_date,
        e.approval_number,
        e.seats,
        e.meeting_date,
        e.present,
        e.total_voters,
        e.filed_date,
    ]


@admin.register(Election)
class ElectionAdmin(ScopedModelAdmin):
    list_display = ("unit", "term_number", "status", "request_date", "meeting_date", "filed_date")
    list_filter = ("status",)
    list_select_related = ("unit",)
    search_fields = ("unit__name", "unit__code")
    ordering = ("-request_date", "-id")
    actions = [
        export_action(
            gettext_lazy("导出所选换届选举"),
            [
                gettext_lazy("组织"),
                gettext_lazy("届次"),
                gettext_lazy("状态"),
                gettext_lazy("请示日期"),
                gettext_lazy("批复文号"),
                gettext_lazy("应选名额"),
                gettext_lazy("选举日期"),
                gettext_lazy("实到人数"),
                gettext_lazy("应到人数"),
                gettext_lazy("备案日期"),
            ],
            _election_row,
            "elections",
        )
    ]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return _may_write(request) and self.has_view_permission(request)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def _detail_url(self, election: Election) -> str:
        return reverse("admin:elections_election_change", args=[election.pk])

    def get_urls(self):
        view = self.admin_site.admin_view
        return [
            path("todo/", view(self.todo_view), name="elections_election_todo"),
            path("<int:pk>/act/", view(self.act_view), name="elections_election_act"),
            path("<int:pk>/pdf/<slug:kind>/", view(self.pdf_view), name="elections_election_pdf"),
            *super().get_urls(),
        ]

    def add_view(self, request, form_url="", extra_context=None):
        if not self.has_add_permission(request):
            raise PermissionDenied
        form = RequestForm(request.POST or None, user=request.user)
        if request.method == "POST" and form.is_valid():
            data = form.cleaned_data
            try:
                election = services.election_request(
                    unit=data["unit"],
                    term_number=data.get("term_number"),
                    request_date=data["request_date"],
                    planned_date=data.get("planned_date"),
                    proposed_seats=data["proposed_seats"],
                    candidates=data["slate"],
                    request_text=data.get("request_text") or "",
                    actor=request.user,
                )
            except ValidationError as exc:
                for field, msgs in exc.message_dict.items():
                    form.add_error(field if field in form.fields else None, msgs)
            except PermissionDenied as exc:
                form.add_error(None, str(exc))
            else:
                messages.success(request, _("换届请示已提交，等待上级批复"))
                return HttpResponseRedirect(self._detail_url(election))
        return self._form_page(
            request, _("换届请示"), form, reverse("admin:elections_election_add")
        )

    def _form_page(self, request: HttpRequest, title: str, form: Any, action: str) -> HttpResponse:
        context = {
            **self.admin_site.each_context(request),
            "title": title,
            "opts": self.model._meta,
            "form": form,
            "action": action,
        }
        return TemplateResponse(request, "elections/form_page.html", context)

    def change_view(self, request, object_id, form_url="", extra_context=None):
        election = get_visible_or_404(
            Election.objects.select_related("unit", "unit__parent", "approved_by_unit", "new_term"),
            request.user,
            pk=object_id,
        )
        if not self.has_view_permission(request):
            raise PermissionDenied
        if request.method == "POST":
            return HttpResponseRedirect(self._detail_url(election))
        stages = procedure.next_stages(request.user, election)
        codes = {s.code for s in stages}
        forms: list[tuple[str, str, Any]] = []
        if "approve" in codes:
            forms.append(("approve", _("上级批复"), ApproveForm(election=election)))
        if "reject" in codes:
            forms.append(("reject", _("不予批准"), RejectForm()))
        if "meeting" in codes:
            initial = {
                "meeting_date": election.meeting_date or election.planned_date,
                "total_voters": election.total_voters,
                "present": election.present,
            }
            forms.append(
                ("meeting", _("选举大会及结果"), MeetingForm(election=election, initial=initial))
            )
        if "file" in codes:
            forms.append(("file", _("结果报上级备案"), FileForm()))
        why_not = None
        if not stages and election.status in procedure.OPEN_STATUSES:
            waiting = [
                s
                for s in procedure.STAGES
                if election.status in s.from_status and s.to_status != election.status
            ]
            if waiting:
                why_not = procedure.why_cannot_act(request.user, election, waiting[0])
        context = {
            **self.admin_site.each_context(request),
            "title": str(election),
            "opts": self.model._meta,
            "election": election,
            "candidates": list(election.candidates.select_related("member__unit", "officer")),
            "steps": [(st, procedure.BY_CODE[st.stage].name) for st in election.steps.all()],
            "stages": procedure.STAGES,
            "forms": forms,
            "can_install": "install" in codes,
            "why_not": why_not,
        }
        return TemplateResponse(request, "elections/election_detail.html", context)

    def act_view(self, request: HttpRequest, pk: int) -> HttpResponse:
        election = get_visible_or_404(Election.objects.all(), request.user, pk=pk)
        if request.method != "POST":
            return HttpResponseRedirect(self._detail_url(election))
        code = request.POST.get("stage", "")
        user = request.user
        try:
            if code == "approve":
                form: Any = ApproveForm(request.POST, election=election)
                if self._valid(request, form):
                    d = form.cleaned_data
                    services.election_approve(
                        election=election,
                        approval_date=d["approval_date"],
                        seats=d["seats"],
                        approved_ids=[c.pk for c in d["approved"]],
                        approval_number=d.get("approval_number") or "",
                        approval_text=d.get("approval_text") or "",
                        actor=user,
                    )
                    messages.success(request, _("已批复"))
            elif code == "reject":
                form = RejectForm(request.POST)
                if self._valid(request, form):
                    services.election_reject(
                        election=election, reason=form.cleaned_data["reason"], actor=user
                    )
                    messages.success(request, _("已退回请示"))
            elif code == "meeting":
                form = MeetingForm(request.POST, election=election)
                if self._valid(request, form):
                    d = form.cleaned_data
                    services.election_record_meeting(
                        election=election,
                        meeting_date=d["meeting_date"],
                        total_voters=d["total_voters"],
                        present=d["present"],
                        votes=form.votes(),
                        comment=d.get("comment") or "",
                        actor=user,
                    )
                    messages.success(request, _("选举结果已录入"))
            elif code == "install":
                services.election_install(election=election, actor=user)
                messages.success(request, _("新一届委员会已就职，上一届任期同日结束"))
            elif code == "file":
                form = FileForm(request.POST)
                if self._valid(request, form):
                    services.election_file(
                        election=election,
                        filed_date=form.cleaned_data["filed_date"],
                        note=form.cleaned_data.get("note") or "",
                        actor=user,
                    )
                    messages.success(request, _("已备案"))
            else:
                raise Http404
        except (ValidationError, PermissionDenied) as exc:
            _errors(request, exc)
        return HttpResponseRedirect(self._detail_url(election))

    @staticmethod
    def _valid(request: HttpRequest, form: Any) -> bool:
        if form.is_valid():
            return True
        for field, errs in form.errors.items():
            label = form.fields[field].label if field in form.fields else ""
            text = "；".join(str(e) for e in errs)
            messages.error(request, f"{label}：{text}" if label else text)
        return False

    def pdf_view(self, request: HttpRequest, pk: int, kind: str) -> HttpResponse:
        election = get_visible_or_404(
            Election.objects.select_related("unit", "unit__parent", "approved_by_unit"),
            request.user,
            pk=pk,
        )
        if not self.has_view_permission(request):
            raise PermissionDenied
        S = Election.Status
        renderers = {
            "request": (pdf.request_pdf, tuple(S.values)),
            "approval": (pdf.approval_pdf, (S.APPROVED, S.HELD, S.INSTALLED, S.FILED)),
            "result": (pdf.result_pdf, (S.HELD, S.INSTALLED, S.FILED)),
        }
        if kind not in renderers or election.status not in renderers[kind][1]:
            raise Http404
        body = renderers[kind][0](election)
        audit.record(
            audit.AuditEvent.Action.EXPORT,
            instance=election,
            extra={"format": "pdf", "document": kind, "rows": 1},
        )
        response = HttpResponse(body, content_type="application/pdf")
        response["Content-Disposition"] = f'inline; filename="election-{election.pk}-{kind}.pdf"'
        return response

    def todo_view(self, request: HttpRequest) -> HttpResponse:
        if not self.has_view_permission(request):
            raise PermissionDenied
        waiting = selectors.elections_waiting(request.user)
        rows = [
            [
                format_html(
                    '<a class="text-primary-600" href="{}">{}</a>', self._detail_url(e), e.unit.name
                ),
                _("第%(n)s届") % {"n": e.term_number},
                e.get_status_display(),
                "、".join(str(s.name) for s in procedure.next_stages(request.user, e)),
                e.request_date,
            ]
            for e in waiting
        ]
        return list_page(
            request,
            self.admin_site,
            title=_("待我办理的换届选举"),
            headers=[_("组织"), _("届次"), _("状态"), _("待办环节"), _("请示日期")],
            rows=rows,
            empty=_("没有待办的换届选举"),
        )
