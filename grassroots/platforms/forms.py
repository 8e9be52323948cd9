"""Console forms for the platforms; they carry input to the services and show their errors."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _
from unfold.widgets import (
    UnfoldAdminDecimalFieldWidget,
    UnfoldAdminIntegerFieldWidget,
    UnfoldAdminSelectWidget,
    UnfoldAdminSingleDateWidget,
    UnfoldAdminTextareaWidget,
    UnfoldAdminTextInputWidget,
    UnfoldBooleanWidget,
)

from grassroots.accounts.models import User
from grassroots.organizations.models import Unit
from grassroots.platforms.models import (
    ForwardTarget,
    InformationAdoption,
    Level,
    ProposalKind,
    ResearchOutput,
    Satisfaction,
    ServiceKind,
)
from grassroots.platforms.services import information, proposals, research, service

TEXT = UnfoldAdminTextInputWidget
AREA = UnfoldAdminTextareaWidget
DATE = UnfoldAdminSingleDateWidget
SELECT = UnfoldAdminSelectWidget


class UnitChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Unit) -> str:
        return "\u3000" * obj.depth + obj.name


def _units(user: Any) -> Any:
    return Unit.objects.visible_to(user).filter(is_active=True).order_by("path")  # type: ignore[attr-defined]


def _text(label: Any, required: bool = False, area: bool = False, **kw: Any) -> forms.CharField:
    return forms.CharField(label=label, required=required, widget=AREA if area else TEXT, **kw)


def _date(label: Any, required: bool = False, **kw: Any) -> forms.DateField:
    return forms.DateField(label=label, required=required, widget=DATE, **kw)


def _level(label: Any, required: bool = False) -> forms.ModelChoiceField:
    return forms.ModelChoiceField(
        label=label,
        required=required,
        queryset=Level.objects.filter(is_active=True),
        to_field_name="code",
        widget=SELECT,
    )


def _choices(mapping: dict[str, Any]) -> list[tuple[str, Any]]:
    return [(k, v) for k, v in mapping.items()]


AUTHOR_HELP = _("会员编号，按署名顺序以逗号分隔；第一作者须在您的管理范围内，合作者可来自其他组织")


class AuthorsForm(forms.Form):
    author_unit = UnitChoiceField(
        label=_("署名组织"),
        required=False,
        queryset=Unit.objects.none(),
        widget=SELECT,
        help_text=_("以组织名义提交时填写，组织即第一作者（记录归属该组织）"),
    )
    author_numbers = _text(_("作者"), help_text=AUTHOR_HELP)

    def __init__(self, *args: Any, user: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["author_unit"]
        assert isinstance(field, forms.ModelChoiceField)
        field.queryset = _units(user)


class ProposalCreateForm(AuthorsForm):
    kind = forms.ModelChoiceField(
        label=_("类别"), queryset=ProposalKind.objects.filter(is_active=True), widget=SELECT
    )
    title = _text(_("标题"), required=True, max_length=200)
    body = _text(_("正文"), area=True)
    submit = forms.BooleanField(
        label=_("保存后立即提交"), required=False, widget=UnfoldBooleanWidget
    )
    field_order = ["kind", "title", "body", "author_unit", "author_numbers", "submit"]


class ProposalTransitionForm(forms.Form):
    action = forms.ChoiceField(
        label=_("操作"),
        choices=[*_choices(proposals.ACTION_LABELS), ("note", _("填写审核意见"))],
        widget=SELECT,
    )
    reviewers = forms.ModelMultipleChoiceField(
        label=_("审核人"),
        required=False,
        queryset=User.objects.none(),
        help_text=_("开始审核、指派审核人时填写"),
    )
    reason = _text(_("退回理由"), area=True, help_text=_("退回时必填"))
    into = _text(_("并入提案"), help_text=_("并案时填写保留提案的收件编号"))
    target = forms.ChoiceField(
        label=_("报送对象"),
        required=False,
        choices=[("", "—"), *ForwardTarget.choices],
        widget=SELECT,
    )
    organization = _text(_("报送单位"))
    date = _date(_("日期"), help_text=_("报送日期或批示日期，留空为今天"))
    filed_as_case = forms.NullBooleanField(
        label=_("立案"),
        required=False,
        widget=forms.Select(choices=[("unknown", "—"), ("true", _("是")), ("false", _("否"))]),
    )
    adopted = forms.BooleanField(label=_("被采纳"), required=False, widget=UnfoldBooleanWidget)
    level = _level(_("级别"))
    handling_unit = _text(_("承办单位"))
    reply = _text(_("办理答复"), area=True)
    replied_on = _date(_("答复日期"))
    satisfaction = forms.ChoiceField(
        label=_("提案人满意度"),
        required=False,
        choices=[("", "—"), *Satisfaction.choices],
        widget=SELECT,
    )
    leader = _text(_("批示领导"))
    text = _text(_("批示内容或审核意见"), area=True)

    def __init__(self, *args: Any, user: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["reviewers"]
        assert isinstance(field, forms.ModelMultipleChoiceField)
        field.queryset = User.objects.visible_to(user).filter(is_active=True, is_staff=True)

    def params(self) -> dict[str, Any]:
        data = {k: v for k, v in self.cleaned_data.items() if v not in (None, "", [])}
        data.pop("action", None)
        if "reviewers" in data:
            data["reviewers"] = [u.pk for u in data["reviewers"]]
        if "level" in data:
            data["level"] = data["level"].code
        return data


class InformationCreateForm(AuthorsForm):
    title = _text(_("标题"), required=True, max_length=200)
    body = _text(_("正文"), area=True)
    submitted_on = _date(_("报送日期"), help_text=_("留空为今天"))
    field_order = ["title", "body", "author_unit", "author_numbers", "submitted_on"]


class InformationTransitionForm(forms.Form):
    action = forms.ChoiceField(
        label=_("操作"),
        choices=[(k, v) for k, v in information.ACTION_LABELS.items() if k != "update"],
        widget=SELECT,
    )
    note = _text(_("编辑意见/说明"), area=True)
    kind = forms.ChoiceField(
        label=_("方式"),
        required=False,
        choices=InformationAdoption.Kind.choices,
        widget=SELECT,
    )
    outlet = _text(_("采用/刊发单位或刊物"))
    level = _level(_("级别"))
    date = _date(_("采用日期"), help_text=_("留空为今天"))

    def params(self) -> dict[str, Any]:
        data = {k: v for k, v in self.cleaned_data.items() if v not in (None, "")}
        data.pop("action", None)
        if "level" in data:
            data["level"] = data["level"].code
        return data


class ResearchCreateForm(forms.Form):
    title = _text(_("课题名称"), required=True, max_length=200)
    year = forms.IntegerField(label=_("年度"), widget=UnfoldAdminIntegerFieldWidget)
    lead_number = _text(_("课题负责人（会员编号）"), required=True)
    member_numbers = _text(_("课题组成员（会员编号，逗号分隔）"))
    source = _text(_("课题来源"), max_length=100)
    summary = _text(_("简介"), area=True)


class ResearchTransitionForm(forms.Form):
    action = forms.ChoiceField(
        label=_("操作"), choices=_choices(research.ACTION_LABELS), widget=SELECT
    )
    date = _date(_("日期"), help_text=_("立项、结题、发表或获奖日期"))
    reason = _text(_("撤项原因"))
    kind = forms.ChoiceField(
        label=_("成果类型"),
        required=False,
        choices=[("", "—"), *ResearchOutput.Kind.choices],
        widget=SELECT,
    )
    title = _text(_("成果名称"))
    outlet = _text(_("发表/报送处"))
    name = _text(_("奖项名称"))
    level = _level(_("获奖级别"))
    grade = _text(_("等次"))

    def params(self) -> dict[str, Any]:
        data = {k: v for k, v in self.cleaned_data.items() if v not in (None, "")}
        data.pop("action", None)
        if "level" in data:
            data["level"] = data["level"].code
        return data


class ServiceCreateForm(forms.Form):
    kind = forms.ModelChoiceField(
        label=_("类别"), queryset=ServiceKind.objects.filter(is_active=True), widget=SELECT
    )
    title = _text(_("项目名称"), required=True, max_length=200)
    organizer = UnitChoiceField(label=_("主办组织"), queryset=Unit.objects.none(), widget=SELECT)
    partners = forms.ModelMultipleChoiceField(
        label=_("协办组织"), required=False, queryset=Unit.objects.none()
    )
    start_date = _date(_("开始日期"), required=True)
    end_date = _date(_("结束日期"))
    location = _text(_("地点"), max_length=200)
    description = _text(_("简介"), area=True)
    beneficiaries = forms.IntegerField(
        label=_("受益人数"), required=False, min_value=0, widget=UnfoldAdminIntegerFieldWidget
    )
    funds = forms.DecimalField(
        label=_("资金（元）"), required=False, widget=UnfoldAdminDecimalFieldWidget
    )
    materials_value = forms.DecimalField(
        label=_("物资折价（元）"), required=False, widget=UnfoldAdminDecimalFieldWidget
    )

    def __init__(self, *args: Any, user: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        organizer = self.fields["organizer"]
        assert isinstance(organizer, forms.ModelChoiceField)
        organizer.queryset = _units(user)
        partners = self.fields["partners"]
        assert isinstance(partners, forms.ModelMultipleChoiceField)
        partners.queryset = Unit.objects.filter(is_active=True).order_by("path")


class ServiceTransitionForm(forms.Form):
    action = forms.ChoiceField(
        label=_("操作"), choices=_choices(service.ACTION_LABELS), widget=SELECT
    )
    end_date = _date(_("结束日期"))
    beneficiaries = forms.IntegerField(
        label=_("受益人数"), required=False, min_value=0, widget=UnfoldAdminIntegerFieldWidget
    )
    funds = forms.DecimalField(
        label=_("资金（元）"), required=False, widget=UnfoldAdminDecimalFieldWidget
    )
    materials_value = forms.DecimalField(
        label=_("物资折价（元）"), required=False, widget=UnfoldAdminDecimalFieldWidget
    )
    member_number = _text(_("志愿者（会员编号）"))
    hours = forms.DecimalField(
        label=_("服务时长（小时）"), required=False, widget=UnfoldAdminDecimalFieldWidget
    )
    role = _text(_("承担工作"))

    def params(self) -> dict[str, Any]:
        data = {k: v for k, v in self.cleaned_data.items() if v not in (None, "")}
        data.pop("action", None)
        if isinstance(data.get("end_date"), object) and "end_date" in data:
            data["end_date"] = data["end_date"].isoformat()
        return data
