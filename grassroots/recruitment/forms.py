"""Console forms: thin wrappers whose clean() defers to the services' validation."""

from __future__ import annotations

from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _
from unfold.widgets import UnfoldAdminFileFieldWidget

from grassroots.recruitment.models import PERSON_FIELDS, Application, Prospect, Stage
from grassroots.recruitment.services import person_clean

APPLICATION_FORM_FIELDS = (
    "unit",
    *PERSON_FIELDS,
    "resume",
    "reasons",
    "family_relations",
    "social_relations",
    "programme",
    "recruiter",
)


class PersonFormMixin:
    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()  # type: ignore[misc]
        data = {k: v for k, v in cleaned.items() if k in PERSON_FIELDS}
        try:
            normalized = person_clean(data=data, instance=self.instance)  # type: ignore[attr-defined]
        except ValidationError as exc:
            for field, messages in exc.message_dict.items():
                target = field if field in self.fields else None  # type: ignore[attr-defined]
                for message in messages:
                    self.add_error(target, message)  # type: ignore[attr-defined]
            return cleaned
        cleaned.update(normalized)
        return cleaned


class ApplicationForm(PersonFormMixin, forms.ModelForm):
    class Meta:
        model = Application
        fields = APPLICATION_FORM_FIELDS


class ProspectForm(PersonFormMixin, forms.ModelForm):
    class Meta:
        model = Prospect
        fields = ("unit", *PERSON_FIELDS, "recruiter", "programme", "source", "status", "note")


class ActionForm(forms.Form):
    """advance / return / reject / withdraw with a comment, attachments and the stage's fields."""

    ACTIONS = (
        ("advance", _("通过，转下一环节")),
        ("return", _("退回上一环节")),
        ("reject", _("不予通过")),
        ("withdraw", _("撤回申请")),
    )
    action = forms.ChoiceField(label=_("办理"), choices=ACTIONS)
    comment = forms.CharField(
        label=_("意见"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    quota_reason = forms.CharField(label=_("超名额理由"), required=False)
    attachment = forms.FileField(label=_("附件"), required=False, widget=UnfoldAdminFileFieldWidget)
    version = forms.IntegerField(widget=forms.HiddenInput)

    def __init__(self, *args: Any, stage: Stage, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.stage = stage
        for spec in stage.fields:
            kind = spec.get("type", "text")
            label = spec.get("label", spec["name"])
            field: forms.Field
            if kind == "date":
                field = forms.DateField(
                    label=label, required=False, widget=forms.DateInput(attrs={"type": "date"})
                )
            elif kind == "int":
                field = forms.IntegerField(label=label, required=False, min_value=0)
            else:
                field = forms.CharField(label=label, required=False)
            self.fields[f"stage_{spec['name']}"] = field
        if stage.kind != Stage.Kind.APPROVAL:
            del self.fields["quota_reason"]

    def stage_data(self) -> dict[str, Any]:
        return {
            spec["name"]: self.cleaned_data.get(f"stage_{spec['name']}")
            for spec in self.stage.fields
        }


class OverrideForm(forms.Form):
    rule = forms.IntegerField(widget=forms.HiddenInput)
    reason = forms.CharField(label=_("破格理由"), max_length=300)


class FilingBatchForm(forms.Form):
    number = forms.CharField(label=_("批次号"), max_length=50)
    sent_on = forms.DateField(label=_("报送日期"), widget=forms.DateInput(attrs={"type": "date"}))


class FilingReplyForm(forms.Form):
    reply_on = forms.DateField(label=_("回复日期"), widget=forms.DateInput(attrs={"type": "date"}))
    reply = forms.CharField(label=_("中央回复"), widget=forms.Textarea(attrs={"rows": 3}))
    rejected = forms.CharField(
        label=_("未予备案的申请"),
        required=False,
        help_text=_("每行一条：申请编号 空格 理由；其余申请按同意备案处理"),
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    def clean_rejected(self) -> dict[int, str]:
        result: dict[int, str] = {}
        for number, line in enumerate(self.cleaned_data["rejected"].splitlines(), start=1):
            if not line.strip():
                continue
            head, _sep, reason = line.strip().partition(" ")
            if not head.isdigit() or not reason.strip():
                raise ValidationError(_("第%(n)s行格式不正确：应为“申请编号 理由”") % {"n": number})
            result[int(head)] = reason.strip()
        return result
