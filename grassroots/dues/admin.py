"""Console for dues: rules, the year's rows, collection (one member, a list, a sheet), receipts,
arrears, per-unit figures and remittance reconciliation. Writes go through ``dues.services``."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.forms.models import BaseInlineFormSet
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from unfold.admin import TabularInline
from unfold.widgets import UnfoldAdminFileFieldWidget

from grassroots.core.admin_base import ScopedModelAdmin
from grassroots.core.scope import get_visible_or_404, unit_in_scope
from grassroots.dues import exports, imports, selectors, services
from grassroots.dues.models import (
    DuesRecord,
    DuesRule,
    ExemptReason,
    IncomeBand,
    Payment,
    PaymentMethod,
    RemitShare,
    Remittance,
)
from grassroots.organizations.models import Unit

LIST_LIMIT = 500


def _errors(exc: ValidationError) -> list[str]:
    if hasattr(exc, "error_dict"):
        return [m for msgs in exc.message_dict.values() for m in msgs]
    return list(exc.messages)


def _apply_errors(form: forms.BaseForm, exc: ValidationError) -> None:
    if hasattr(exc, "error_dict"):
        for name, msgs in exc.message_dict.items():
            form.add_error(name if name in form.fields else None, msgs)
    else:
        form.add_error(None, exc.messages)


# --- rules -----------------------------------------------------------------------------------


class BandFormSet(BaseInlineFormSet):
    def clean(self) -> None:
        super().clean()
        live = [
            f.instance
            for f in self.forms
            if f.cleaned_data and not f.cleaned_data.get("DELETE") and f.cleaned_data.get("code")
        ]
        for form in self.forms:
            if form.cleaned_data and not form.cleaned_data.get("DELETE"):
                form.instance.is_default = bool(form.cleaned_data.get("is_default"))
        services.rule_bands_validate(self.instance, live)


class IncomeBandInline(TabularInline):
    model = IncomeBand
    formset = BandFormSet
    extra = 0
    fields = ("order", "code", "name", "amount", "is_default")


class RemitShareInline(TabularInline):
    model = RemitShare
    extra = 0
    fields = ("level", "share")


class RuleForm(forms.ModelForm):
    request_user: Any = None

    class Meta:
        model = DuesRule
        fields = ("unit", "year", "kind", "flat_amount", "note")

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if self.errors:
            return data
        rule = self.instance
        for name in ("unit", "year", "kind", "flat_amount", "note"):
            if name in data:
                setattr(rule, name, data[name])
        try:
            services.rule_validate(rule, actor=self.request_user)
        except ValidationError as exc:
            _apply_errors(self, exc)
        return data


@admin.register(DuesRule)
class DuesRuleAdmin(ScopedModelAdmin):
    form = RuleForm
    list_display = ("year", "unit", "kind", "flat_amount", "shares_display", "note")
    list_filter = ("year", "kind")
    inlines = [IncomeBandInline, RemitShareInline]

    def get_form(self, request, obj=None, change=False, **kwargs):
        form = super().get_form(request, obj, change, **kwargs)
        form.request_user = request.user
        return form

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("unit").prefetch_related("shares")

    @admin.display(description=_("上缴比例"))
    def shares_display(self, obj: DuesRule) -> str:
        return "；".join(str(s) for s in obj.shares.all()) or "—"

    def has_change_permission(self, request, obj=None):
        # Rules set by a level above are shown, not edited, below it.
        if obj is not None and not unit_in_scope(obj.unit, request.user):
            return False
        return super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        if (
            obj is not None
            and obj.year
            and DuesRecord.objects.filter(
                year=obj.year, unit__path__startswith=obj.unit.path
            ).exists()
        ):
            return False
        return self.has_change_permission(request, obj) and super().has_delete_permission(
            request, obj
        )


# --- the year's rows -------------------------------------------------------------------------


def _units_for(user: Any) -> list[Unit]:
    units = list(Unit.objects.visible_to(user).filter(is_active=True).order_by("path"))  # type: ignore[attr-defined]
    top = min((u.depth for u in units), default=0)
    for u in units:
        u.indent = "　" * (u.depth - top)  # type: ignore[attr-defined]
    return units


def _year(request: HttpRequest) -> int:
    try:
        year = int(request.GET.get("year") or request.POST.get("year") or 0)
    except ValueError:
        year = 0
    return year if 2000 <= year <= 2100 else timezone.localdate().year


def _unit(request: HttpRequest, units: list[Unit]) -> Unit:
    """The unit asked for (404 outside scope), or the user's own (the first visible)."""
    raw = request.GET.get("unit") or request.POST.get("unit")
    if raw:
        return get_visible_or_404(Unit.objects.all(), request.user, pk=raw)
    if not units:
        raise PermissionDenied
    return units[0]


class PaymentForm(forms.Form):
    amount = forms.DecimalField(label=_("金额（元）"), max_digits=10, decimal_places=2)
    paid_on = forms.DateField(label=_("缴费日期"), widget=forms.DateInput(attrs={"type": "date"}))
    method = forms.ChoiceField(label=_("缴费方式"), choices=PaymentMethod.choices)
    note = forms.CharField(label=_("备注"), max_length=200, required=False)


class ExemptForm(forms.Form):
    exempt_reason = forms.ChoiceField(label=_("免缴原因"), choices=ExemptReason.choices)
    exempt_note = forms.CharField(label=_("免缴说明"), max_length=300, required=False)
    exempt_approved_by = forms.CharField(label=_("批准人"), max_length=100)
    exempt_approved_on = forms.DateField(
        label=_("批准日期"), widget=forms.DateInput(attrs={"type": "date"})
    )


class GenerateForm(forms.Form):
    unit = forms.ModelChoiceField(label=_("组织"), queryset=Unit.objects.none())
    year = forms.IntegerField(label=_("年度"), min_value=2000, max_value=2100)


class ImportForm(forms.Form):
    unit = forms.ModelChoiceField(label=_("组织"), queryset=Unit.objects.none())
    year = forms.IntegerField(label=_("会费年度"), min_value=2000, max_value=2100)
    file = forms.FileField(
        widget=UnfoldAdminFileFieldWidget,
        label=_("收缴表（.xlsx）"),
        help_text=_(
            "第一行为表头：会员编号、姓名、金额、缴费日期、缴费方式、备注；可先导出欠缴名单作模板"
        ),
    )


class PaymentInline(TabularInline):
    model = Payment
    extra = 0
    fields = ("receipt_number", "amount", "paid_on", "method", "recorded_by", "voided")
    readonly_fields = fields
    can_delete = False
    tab = True

    def has_add_permission(self, request, obj=None):
        return False


class RecordForm(forms.ModelForm):
    class Meta:
        model = DuesRecord
        fields = ("band",)


@admin.register(DuesRecord)
class DuesRecordAdmin(ScopedModelAdmin):
    form = RecordForm
    list_display = (
        "member", "unit", "year", "band", "amount_due", "amount_paid", "outstanding",
        "exempt", "actions_column",
    )  # fmt: skip
    list_filter = ("year", "exempt")
    search_fields = ("member__name", "member__member_number")
    list_select_related = ("member", "unit", "band")
    readonly_fields = (
        "member", "unit", "year", "months", "amount_due", "amount_paid", "exempt",
        "exempt_reason", "exempt_note", "exempt_approved_by", "exempt_approved_on",
    )  # fmt: skip
    inlines = [PaymentInline]
    actions = None

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.display(description=_("欠缴（元）"))
    def outstanding(self, obj: DuesRecord) -> Decimal:
        return obj.amount_outstanding

    @admin.display(description=_("操作"))
    def actions_column(self, obj: DuesRecord) -> str:
        return format_html(
            '<a href="{}">{}</a> · <a href="{}">{}</a>',
            reverse("admin:dues_duesrecord_pay", args=[obj.pk]),
            gettext("收缴"),
            reverse("admin:dues_duesrecord_exempt", args=[obj.pk]),
            gettext("免缴"),
        )

    def save_model(self, request, obj, form, change):
        if "band" in form.changed_data and obj.band is not None:
            fresh = DuesRecord.objects.get(pk=obj.pk)
            services.record_set_band(record=fresh, band=obj.band, actor=request.user)

    def get_form(self, request, obj=None, change=False, **kwargs):
        form = super().get_form(request, obj, change, **kwargs)

        class BandChecked(form):  # type: ignore[valid-type,misc]
            """The band is checked by the service (in a rolled-back transaction) before saving."""

            def clean(inner) -> dict[str, Any]:
                data = super().clean() or {}
                band = data.get("band")
                if obj is not None and band is not None and band != obj.band:
                    try:
                        with _dry_run():
                            services.record_set_band(
                                record=DuesRecord.objects.get(pk=obj.pk),
                                band=band,
                                actor=request.user,
                            )
                    except ValidationError as exc:
                        _apply_errors(inner, exc)
                return data

        return BandChecked

    def get_urls(self):
        view = self.admin_site.admin_view
        return [
            path("<int:pk>/pay/", view(self.pay_view), name="dues_duesrecord_pay"),
            path("<int:pk>/exempt/", view(self.exempt_view), name="dues_duesrecord_exempt"),
            path("generate/", view(self.generate_view), name="dues_duesrecord_generate"),
            path("collect/", view(self.collect_view), name="dues_duesrecord_collect"),
            path("import/", view(self.import_view), name="dues_duesrecord_import"),
            path("arrears/", view(self.arrears_view), name="dues_duesrecord_arrears"),
            path("units/", view(self.units_view), name="dues_duesrecord_units"),
            *super().get_urls(),
        ]

    # -- pages --------------------------------------------------------------------------------

    def _page(self, request, template: str, title: Any, **context: Any) -> TemplateResponse:
        base = {**self.admin_site.each_context(request), "title": title, "opts": self.model._meta}
        return TemplateResponse(request, template, {**base, **context})

    def _need(self, request: HttpRequest, perm: str) -> None:
        if not request.user.has_perm(perm):
            raise PermissionDenied

    def pay_view(self, request: HttpRequest, pk: int) -> HttpResponse:
        record = get_visible_or_404(
            DuesRecord.objects.select_related("member", "unit"), request.user, pk=pk
        )
        self._need(request, "dues.add_payment")
        form = PaymentForm(
            request.POST or None,
            initial={
                "amount": record.amount_outstanding or None,
                "paid_on": timezone.localdate(),
                "method": PaymentMethod.CASH,
            },
        )
        if request.method == "POST" and form.is_valid():
            try:
                payment = services.payment_record(
                    record=record, actor=request.user, **form.cleaned_data
                )
            except ValidationError as exc:
                _apply_errors(form, exc)
            else:
                messages.success(
                    request,
                    gettext("已登记%(name)s缴费%(amount)s元，收据编号%(n)s")
                    % {
                        "name": record.member.name,
                        "amount": payment.amount,
                        "n": payment.receipt_number,
                    },
                )
                return HttpResponseRedirect(reverse("admin:dues_payment_change", args=[payment.pk]))
        facts = [
            (gettext("会员"), record.member.name),
            (gettext("组织"), record.unit.name),
            (gettext("年度"), record.year),
            (gettext("应缴（元）"), record.amount_due),
            (gettext("已缴（元）"), record.amount_paid),
            (gettext("欠缴（元）"), record.amount_outstanding),
        ]
        return self._page(
            request,
            "dues/form.html",
            gettext("登记缴费"),
            form=form,
            facts=facts,
            submit_label=gettext("保存并开具收据"),
            back_url=reverse("admin:dues_duesrecord_change", args=[record.pk]),
        )

    def exempt_view(self, request: HttpRequest, pk: int) -> HttpResponse:
        record = get_visible_or_404(
            DuesRecord.objects.select_related("member", "unit"), request.user, pk=pk
        )
        self._need(request, "dues.change_duesrecord")
        initial = {
            "exempt_reason": record.exempt_reason or ExemptReason.RETIRED,
            "exempt_note": record.exempt_note,
            "exempt_approved_by": record.exempt_approved_by,
            "exempt_approved_on": record.exempt_approved_on or timezone.localdate(),
        }
        form = ExemptForm(request.POST or None, initial=initial)
        back = reverse("admin:dues_duesrecord_change", args=[record.pk])
        if request.method == "POST" and request.POST.get("action") == "clear":
            services.exemption_clear(record=record, actor=request.user)
            messages.success(request, gettext("已取消免缴"))
            return HttpResponseRedirect(back)
        if request.method == "POST" and form.is_valid():
            data = form.cleaned_data
            try:
                services.exemption_set(
                    record=record,
                    reason=data["exempt_reason"],
                    note=data["exempt_note"],
                    approved_by=data["exempt_approved_by"],
                    approved_on=data["exempt_approved_on"],
                    actor=request.user,
                )
            except ValidationError as exc:
                _apply_errors(form, exc)
            else:
                messages.success(request, gettext("已登记免缴"))
                return HttpResponseRedirect(back)
        facts = [
            (gettext("会员"), record.member.name),
            (gettext("年度"), record.year),
            (gettext("应缴（元）"), record.amount_due),
            (gettext("已缴（元）"), record.amount_paid),
        ]
        return self._page(
            request,
            "dues/form.html",
            gettext("免缴"),
            form=form,
            facts=facts,
            intro=gettext("免缴后，尚未缴纳的部分不再收取；已缴部分保留。"),
            submit_label=gettext("登记免缴"),
            extra_button=("clear", gettext("取消免缴")) if record.exempt else None,
            back_url=back,
        )

    def generate_view(self, request: HttpRequest) -> HttpResponse:
        self._need(request, "dues.add_duesrecord")
        form = GenerateForm(request.POST or None, initial={"year": timezone.localdate().year})
        form.fields["unit"].queryset = Unit.objects.visible_to(request.user).order_by("path")  # type: ignore[attr-defined]
        if request.method == "POST" and form.is_valid():
            try:
                count = services.dues_generate(
                    unit=form.cleaned_data["unit"],
                    year=form.cleaned_data["year"],
                    actor=request.user,
                )
            except ValidationError as exc:
                _apply_errors(form, exc)
            else:
                messages.success(request, gettext("已生成%(n)s条年度会费记录") % {"n": count})
                return HttpResponseRedirect(reverse("admin:dues_duesrecord_changelist"))
        return self._page(
            request,
            "dues/form.html",
            gettext("生成年度会费"),
            form=form,
            intro=gettext(
                "为所选组织及其下级的全部在册会员生成本年度会费记录；已有记录的会员不重复生成，"
                "可多次运行。年中入会的会员从入会次月起按月计算，12月入会的当年不计。"
            ),
            submit_label=gettext("生成"),
        )

    def collect_view(self, request: HttpRequest) -> HttpResponse:
        self._need(request, "dues.add_payment")
        units = _units_for(request.user)
        unit, year = _unit(request, units), _year(request)
        rows = list(selectors.arrears(user=request.user, unit=unit, year=year)[:LIST_LIMIT])
        errors: list[str] = []
        paid_on = request.POST.get("paid_on") or timezone.localdate().isoformat()
        method = request.POST.get("method") or PaymentMethod.CASH
        if request.method == "POST":
            entered = {r.pk: (request.POST.get(f"amount_{r.pk}") or "").strip() for r in rows}
            for r in rows:
                r.entered = entered[r.pk]  # type: ignore[attr-defined]
            try:
                day = forms.DateField().clean(paid_on)
            except ValidationError:
                errors.append(gettext("缴费日期“%(v)s”无法识别") % {"v": paid_on})
                day = None
            if day is not None:
                entries = [
                    services.Entry(
                        record=r,
                        amount=entered[r.pk],
                        paid_on=day,
                        method=method,
                        where=gettext("%(name)s：") % {"name": r.member.name},
                    )
                    for r in rows
                    if entered[r.pk]
                ]
                try:
                    done = services.payments_record_bulk(entries=entries, actor=request.user)
                except ValidationError as exc:
                    errors.extend(_errors(exc))
                else:
                    messages.success(
                        request,
                        gettext("已登记%(n)s笔缴费，收据%(first)s至%(last)s")
                        % {
                            "n": len(done),
                            "first": done[0].receipt_number,
                            "last": done[-1].receipt_number,
                        },
                    )
                    url = reverse("admin:dues_duesrecord_collect")
                    return HttpResponseRedirect(f"{url}?unit={unit.pk}&year={year}")
        return self._page(
            request,
            "dues/collect.html",
            gettext("批量收缴 · %(unit)s %(year)s年度") % {"unit": unit.name, "year": year},
            units=units,
            unit=unit,
            year=year,
            rows=rows,
            errors=errors,
            paid_on=paid_on,
            method=method,
            methods=PaymentMethod.choices,
            truncated=LIST_LIMIT if len(rows) == LIST_LIMIT else 0,
            import_url=reverse("admin:dues_duesrecord_import"),
        )

    def import_view(self, request: HttpRequest) -> HttpResponse:
        self._need(request, "dues.add_payment")
        form = ImportForm(
            request.POST or None, request.FILES or None, initial={"year": timezone.localdate().year}
        )
        form.fields["unit"].queryset = Unit.objects.visible_to(request.user).order_by("path")  # type: ignore[attr-defined]
        errors: list[str] = []
        if request.method == "POST" and form.is_valid():
            data = form.cleaned_data
            try:
                done = imports.collection_import(
                    unit=data["unit"],
                    year=data["year"],
                    content=data["file"].read(),
                    actor=request.user,
                )
            except ValidationError as exc:
                errors = _errors(exc)
            else:
                messages.success(request, gettext("已导入%(n)s笔缴费") % {"n": len(done)})
                url = reverse("admin:dues_duesrecord_collect")
                return HttpResponseRedirect(f"{url}?unit={data['unit'].pk}&year={data['year']}")
        return self._page(
            request,
            "dues/form.html",
            gettext("导入收缴表"),
            form=form,
            errors=errors,
            intro=gettext(
                "整张表逐行检查：任何一行有误，整张表都不导入，并列出每处错误所在的行和列。"
            ),
            submit_label=gettext("导入"),
        )

    def arrears_view(self, request: HttpRequest) -> HttpResponse:
        self._need(request, "dues.view_duesrecord")
        units = _units_for(request.user)
        unit, year = _unit(request, units), _year(request)
        qs = selectors.arrears(user=request.user, unit=unit, year=year)
        export = request.GET.get("export")
        if export in ("xlsx", "template"):
            if export == "template":
                headers: list[Any] = imports.TEMPLATE_HEADERS
                rows: Any = imports.template_rows(list(qs.iterator(chunk_size=2000)))
                name = "dues-collection-sheet"
            else:
                headers = [
                    _("姓名"),
                    _("会员编号"),
                    _("组织"),
                    _("年度"),
                    _("应缴"),
                    _("已缴"),
                    _("欠缴"),
                ]
                rows = (
                    [r.member.name, r.member.member_number or "", r.unit.name, r.year,
                     r.amount_due, r.amount_paid, r.amount_outstanding]
                    for r in qs.iterator(chunk_size=2000)
                )  # fmt: skip
                name = "dues-arrears"
            return exports.xlsx_response(
                filename=name,
                headers=headers,
                rows=rows,
                object_type="dues.duesrecord",
                filters={"unit": unit.code, "year": year, "export": export},
                unit_path=unit.path,
            )
        shown = list(qs[:LIST_LIMIT])
        figures = selectors.subtree_figures(user=request.user, unit=unit, year=year)
        base = f"?unit={unit.pk}&year={year}"
        return self._page(
            request,
            "dues/table.html",
            gettext("欠缴名单 · %(unit)s %(year)s年度") % {"unit": unit.name, "year": year},
            units=units,
            unit=unit,
            year=year,
            cards=[
                (gettext("欠缴人数"), figures.in_arrears),
                (gettext("欠缴金额（元）"), figures.outstanding),
            ],
            headers=[
                _("姓名"),
                _("会员编号"),
                _("组织"),
                _("应缴"),
                _("已缴"),
                _("欠缴"),
                _("操作"),
            ],
            rows=[
                [
                    r.member.name,
                    r.member.member_number or "",
                    r.unit.name,
                    r.amount_due,
                    r.amount_paid,
                    r.amount_outstanding,
                    format_html(
                        '<a href="{}">{}</a>',
                        reverse("admin:dues_duesrecord_pay", args=[r.pk]),
                        gettext("收缴"),
                    ),
                ]
                for r in shown
            ],
            truncated=LIST_LIMIT if len(shown) == LIST_LIMIT else 0,
            export_url=base + "&export=xlsx",
            links=[(gettext("下载收缴表模板"), base + "&export=template")],
            empty=gettext("没有欠缴会员"),
        )

    def units_view(self, request: HttpRequest) -> HttpResponse:
        self._need(request, "dues.view_duesrecord")
        units = _units_for(request.user)
        unit, year = _unit(request, units), _year(request)
        rows = selectors.unit_rows(user=request.user, unit=unit, year=year)
        headers = [
            _("组织"), _("会员数"), _("应缴"), _("已缴"), _("免缴"), _("欠缴"), _("收缴率%"),
            _("欠缴人数"), _("下级上缴"), _("上缴比例"), _("应上缴"), _("已上缴"), _("未上缴"),
        ]  # fmt: skip

        def line(r: selectors.UnitRow, indent: str = "") -> list[Any]:
            t = r.total
            return [
                indent + r.unit.name, t.members, t.due, t.collected, t.exempt, t.outstanding,
                t.rate if t.rate is not None else "—", t.in_arrears, r.received,
                f"{r.share:.2%}" if r.unit.parent_id else "—", r.owed, r.remitted,
                r.remit_outstanding,
            ]  # fmt: skip

        if request.GET.get("export") == "xlsx":
            return exports.xlsx_response(
                filename="dues-units",
                headers=headers,
                rows=(line(r) for r in rows),
                object_type="dues.duesrecord",
                filters={"unit": unit.code, "year": year, "export": "units"},
                unit_path=unit.path,
            )
        total = rows[0].total if rows else selectors.Figures()
        return self._page(
            request,
            "dues/table.html",
            gettext("会费收缴与上缴对账 · %(unit)s %(year)s年度")
            % {"unit": unit.name, "year": year},
            units=units,
            unit=unit,
            year=year,
            cards=[
                (gettext("应缴（元）"), total.due),
                (gettext("已缴（元）"), total.collected),
                (gettext("免缴（元）"), total.exempt),
                (gettext("欠缴（元）"), total.outstanding),
            ],
            intro=gettext(
                "各组织数字含其下级：应缴 = 已缴 + 免缴 + 欠缴。应上缴 = （本组织收缴 + 下级上缴）× 上缴比例。"
            ),
            headers=headers,
            rows=[line(r, "　" * (r.unit.depth - unit.depth)) for r in rows],
            export_url=f"?unit={unit.pk}&year={year}&export=xlsx",
            links=[
                (
                    gettext("欠缴名单"),
                    reverse("admin:dues_duesrecord_arrears") + f"?unit={unit.pk}&year={year}",
                )
            ],
        )


class _dry_run:
    """Run a service inside a transaction that is always rolled back (form validation)."""

    def __enter__(self) -> None:
        from django.db import transaction

        self._atomic = transaction.atomic()
        self._atomic.__enter__()

    def __exit__(self, *exc: Any) -> None:
        from django.db import transaction

        transaction.set_rollback(True)
        self._atomic.__exit__(None, None, None)


# --- payments and receipts -------------------------------------------------------------------


class VoidForm(forms.Form):
    reason = forms.CharField(label=_("作废原因"), max_length=300)


@admin.register(Payment)
class PaymentAdmin(ScopedModelAdmin):
    list_display = (
        "receipt_number", "member", "unit", "year", "amount", "paid_on", "method",
        "recorded_by", "voided", "receipt_links",
    )  # fmt: skip
    list_filter = ("voided", "method", "record__year")
    search_fields = ("receipt_number", "record__member__name")
    list_select_related = ("record__member", "unit")
    actions = None
    readonly_fields = (
        "receipt_number", "record", "unit", "amount", "paid_on", "method", "note",
        "recorded_by", "recorded_at", "voided", "voided_at", "voided_by", "void_reason",
    )  # fmt: skip
    fields = readonly_fields

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.display(description=_("会员"))
    def member(self, obj: Payment) -> str:
        return obj.record.member.name

    @admin.display(description=_("年度"))
    def year(self, obj: Payment) -> int:
        return obj.record.year

    @admin.display(description=_("收据"))
    def receipt_links(self, obj: Payment) -> str:
        receipt = reverse("admin:dues_payment_receipt", args=[obj.pk])
        if obj.voided:
            return format_html('<a href="{}">{}</a>', receipt, gettext("打印"))
        return format_html(
            '<a href="{}">{}</a> · <a href="{}">{}</a>',
            receipt,
            gettext("打印"),
            reverse("admin:dues_payment_void", args=[obj.pk]),
            gettext("作废"),
        )

    def get_urls(self):
        view = self.admin_site.admin_view
        return [
            path("<int:pk>/receipt/", view(self.receipt_view), name="dues_payment_receipt"),
            path("<int:pk>/void/", view(self.void_view), name="dues_payment_void"),
            *super().get_urls(),
        ]

    def receipt_view(self, request: HttpRequest, pk: int) -> HttpResponse:
        payment = get_visible_or_404(
            Payment.objects.select_related("record__member", "record__unit", "unit"),
            request.user,
            pk=pk,
        )
        if not request.user.has_perm("dues.view_payment"):
            raise PermissionDenied
        return exports.receipt_response(payment)

    def void_view(self, request: HttpRequest, pk: int) -> HttpResponse:
        payment = get_visible_or_404(
            Payment.objects.select_related("record__member", "unit"), request.user, pk=pk
        )
        if not request.user.has_perm("dues.change_payment"):
            raise PermissionDenied
        form = VoidForm(request.POST or None)
        if request.method == "POST" and form.is_valid():
            try:
                services.payment_void(
                    payment=payment, reason=form.cleaned_data["reason"], actor=request.user
                )
            except ValidationError as exc:
                _apply_errors(form, exc)
            else:
                messages.success(
                    request, gettext("收据%(n)s已作废") % {"n": payment.receipt_number}
                )
                return HttpResponseRedirect(reverse("admin:dues_payment_change", args=[payment.pk]))
        return self._void_page(request, payment, form)

    def _void_page(
        self, request: HttpRequest, payment: Payment, form: VoidForm
    ) -> TemplateResponse:
        context = {
            **self.admin_site.each_context(request),
            "title": gettext("作废收据 %(n)s") % {"n": payment.receipt_number},
            "opts": self.model._meta,
            "form": form,
            "facts": [
                (gettext("会员"), payment.record.member.name),
                (gettext("金额（元）"), payment.amount),
                (gettext("缴费日期"), payment.paid_on),
                (gettext("状态"), gettext("已作废") if payment.voided else gettext("有效")),
            ],
            "intro": gettext("作废后收据编号保留、不再使用，金额从该会员的已缴中扣除。"),
            "submit_label": gettext("作废"),
            "back_url": reverse("admin:dues_payment_change", args=[payment.pk]),
        }
        return TemplateResponse(request, "dues/form.html", context)


# --- remittance ------------------------------------------------------------------------------


class RemittanceForm(forms.ModelForm):
    request_user: Any = None

    class Meta:
        model = Remittance
        fields = ("unit", "year", "amount", "remitted_on", "reference", "note")
        widgets = {"remitted_on": forms.DateInput(attrs={"type": "date"})}

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if self.errors:
            return data
        try:
            with _dry_run():
                services.remittance_record(actor=self.request_user, **data)
        except ValidationError as exc:
            _apply_errors(self, exc)
        return data


@admin.register(Remittance)
class RemittanceAdmin(ScopedModelAdmin):
    form = RemittanceForm
    list_display = ("year", "unit", "to_unit", "amount", "remitted_on", "reference", "recorded_by")
    list_filter = ("year",)
    search_fields = ("unit__name", "reference")
    list_select_related = ("unit", "to_unit")
    actions = None

    def get_form(self, request, obj=None, change=False, **kwargs):
        form = super().get_form(request, obj, change, **kwargs)
        form.request_user = request.user
        return form

    def get_readonly_fields(self, request, obj=None):
        if obj is not None:
            return (
                "unit",
                "to_unit",
                "year",
                "amount",
                "remitted_on",
                "reference",
                "note",
                "recorded_by",
            )
        return ()

    def has_change_permission(self, request, obj=None):
        return obj is None and super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        return False

    def save_model(self, request, obj, form, change):
        data = form.cleaned_data
        saved = services.remittance_record(
            unit=data["unit"],
            year=data["year"],
            amount=data["amount"],
            remitted_on=data["remitted_on"],
            reference=data.get("reference", ""),
            note=data.get("note", ""),
            actor=request.user,
        )
        obj.pk = saved.pk
