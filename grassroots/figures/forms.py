"""Console forms for the figures pool and the recommendation rounds."""

from __future__ import annotations

from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from grassroots.figures import services
from grassroots.figures.models import Assessment, Figure, Round
from grassroots.members.models import Member


def _errors_to_form(form: forms.BaseForm, exc: ValidationError) -> None:
    if hasattr(exc, "error_dict"):
        for name, msgs in exc.message_dict.items():
            form.add_error(name if name in form.fields else None, msgs)
    else:
        form.add_error(None, exc.messages)


class FigureForm(forms.ModelForm):
    class Meta:
        model = Figure
        fields = ("member", "category", "since", "domain", "note", "is_active")

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if self.instance.pk is None and data.get("member") and data.get("category"):
            try:
                services.figure_validate(member=data["member"], category=data["category"])
            except ValidationError as exc:
                _errors_to_form(self, exc)
        return data


class AssessmentForm(forms.ModelForm):
    class Meta:
        model = Assessment
        fields = ("date", "assessor", "rating", "text")

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if self.instance.pk is None and self.has_changed():
            problems = services.assessment_validate(
                date=data.get("date"),
                assessor=data.get("assessor") or "",
                rating=data.get("rating") or "",
                text=data.get("text") or "",
            )
            for name, msg in problems.items():
                if name not in self.errors:  # the field's own error already says it
                    self.add_error(name, msg)
        return data


class RoundForm(forms.ModelForm):
    class Meta:
        model = Round
        fields = ("unit", "kind", "level", "body", "term_number", "opens_on", "closes_on", "note")


class ProposeForm(forms.Form):
    member = forms.CharField(
        label=gettext_lazy("会员编号或姓名"),
        help_text=gettext_lazy("本组织及下级组织的在册会员"),
    )
    reason = forms.CharField(
        label=gettext_lazy("推荐理由"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.user = user

    def clean_member(self) -> Member:
        key = self.cleaned_data["member"].strip()
        qs = Member.objects.visible_to(self.user)  # type: ignore[attr-defined]
        found = list(qs.filter(member_number=key)[:2]) or list(qs.filter(name=key)[:3])
        if not found:
            raise ValidationError(_("您管理的组织中没有会员编号或姓名为“%(k)s”的会员") % {"k": key})
        if len(found) > 1:
            raise ValidationError(_("名为“%(k)s”的会员不止一位，请改填会员编号") % {"k": key})
        return found[0]


class ReviewForm(forms.Form):
    nomination = forms.IntegerField(widget=forms.HiddenInput)
    decision = forms.ChoiceField(
        choices=[("recommend", gettext_lazy("推荐")), ("drop", gettext_lazy("不予推荐"))],
        label=gettext_lazy("审核"),
    )
    comment = forms.CharField(label=gettext_lazy("意见"), required=False)


class OutcomeForm(forms.Form):
    nomination = forms.IntegerField(widget=forms.HiddenInput)
    arranged = forms.ChoiceField(
        choices=[("yes", gettext_lazy("已安排")), ("no", gettext_lazy("未安排"))],
        label=gettext_lazy("结果"),
    )
    post = forms.CharField(label=gettext_lazy("安排职务"), required=False, max_length=100)
    date = forms.DateField(label=gettext_lazy("结果日期"), initial=timezone.localdate)
