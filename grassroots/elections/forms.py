"""Console forms for the election stages; the slate is typed one candidate per line."""

from __future__ import annotations

import re
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from grassroots.elections import services
from grassroots.elections.models import Candidate, Election, Term
from grassroots.members.models import Member, Officer
from grassroots.organizations.models import Unit

POST_BY_LABEL = {str(label): value for value, label in Officer.Post.choices}


def parse_slate(unit: Unit, text: str, user: Any) -> list[tuple[Member, str]]:
    """Lines of "会员编号或姓名 职务" (职务 defaults to 委员); errors name the line."""
    rows: list[tuple[Member, str]] = []
    errors: list[str] = []
    members = Member.objects.visible_to(user).filter(  # type: ignore[attr-defined]
        unit__path__startswith=unit.path
    )
    for number, line in enumerate(text.splitlines(), 1):
        parts = [p for p in re.split(r"[\s,，、]+", line.strip()) if p]
        if not parts:
            continue
        key, label = parts[0], (parts[1] if len(parts) > 1 else str(Officer.Post.COMMITTEE.label))
        post = POST_BY_LABEL.get(label) or (label if label in Officer.Post.values else None)
        if post is None:
            errors.append(
                _("第%(n)s行：职务“%(post)s”无效，可填：%(posts)s")
                % {"n": number, "post": label, "posts": "、".join(POST_BY_LABEL)}
            )
            continue
        found = list(members.filter(member_number=key)[:2]) or list(members.filter(name=key)[:3])
        if not found:
            errors.append(
                _("第%(n)s行：%(unit)s中没有会员编号或姓名为“%(key)s”的会员")
                % {"n": number, "unit": unit.name, "key": key}
            )
        elif len(found) > 1:
            errors.append(
                _("第%(n)s行：名为“%(key)s”的会员不止一位，请改填会员编号")
                % {"n": number, "key": key}
            )
        else:
            rows.append((found[0], post))
    if errors:
        raise ValidationError(errors)
    return rows


class RequestForm(forms.Form):
    unit = forms.ModelChoiceField(queryset=Unit.objects.none(), label=gettext_lazy("组织"))
    term_number = forms.IntegerField(
        label=gettext_lazy("新一届届次"),
        required=False,
        min_value=1,
        help_text=gettext_lazy("留空则为上一届届次加一"),
    )
    request_date = forms.DateField(label=gettext_lazy("请示日期"), initial=timezone.localdate)
    planned_date = forms.DateField(label=gettext_lazy("拟召开日期"), required=False)
    proposed_seats = forms.IntegerField(label=gettext_lazy("拟设委员名额"), min_value=1)
    candidates = forms.CharField(
        label=gettext_lazy("候选人建议名单"),
        widget=forms.Textarea(attrs={"rows": 8}),
        help_text=gettext_lazy(
            "每行一人：会员编号或姓名，空格，拟任职务（主委、副主委、秘书长、委员；默认委员）"
        ),
    )
    request_text = forms.CharField(
        label=gettext_lazy("请示内容"), required=False, widget=forms.Textarea(attrs={"rows": 4})
    )

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.user = user
        self.fields["unit"].queryset = Unit.objects.visible_to(user).filter(is_active=True)  # type: ignore[attr-defined]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        unit = data.get("unit")
        if unit is not None and data.get("candidates"):
            try:
                data["slate"] = parse_slate(unit, data["candidates"], self.user)
            except ValidationError as exc:
                self.add_error("candidates", exc)
        return data


class ApproveForm(forms.Form):
    approval_number = forms.CharField(label=gettext_lazy("批复文号"), required=False, max_length=50)
    approval_date = forms.DateField(label=gettext_lazy("批复日期"), initial=timezone.localdate)
    seats = forms.IntegerField(label=gettext_lazy("应选名额"), min_value=1)
    approved = forms.ModelMultipleChoiceField(
        queryset=Candidate.objects.none(),
        label=gettext_lazy("批复的候选人"),
        widget=forms.CheckboxSelectMultiple,
    )
    approval_text = forms.CharField(
        label=gettext_lazy("批复意见"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )

    def __init__(self, *args: Any, election: Election, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        qs = election.candidates.select_related("member")
        self.fields["approved"].queryset = qs  # type: ignore[attr-defined]
        self.fields["approved"].initial = list(qs.values_list("pk", flat=True))
        self.fields["seats"].initial = election.proposed_seats


class RejectForm(forms.Form):
    reason = forms.CharField(
        label=gettext_lazy("不予批准的理由"), widget=forms.Textarea(attrs={"rows": 3})
    )


class MeetingForm(forms.Form):
    meeting_date = forms.DateField(label=gettext_lazy("选举日期"))
    total_voters = forms.IntegerField(label=gettext_lazy("应到人数"), min_value=1)
    present = forms.IntegerField(label=gettext_lazy("实到人数"), min_value=0)
    comment = forms.CharField(label=gettext_lazy("说明"), required=False)

    def __init__(self, *args: Any, election: Election, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.candidates = list(election.candidates.filter(approved=True).select_related("member"))
        for c in self.candidates:
            self.fields[f"votes_{c.pk}"] = forms.IntegerField(
                label=_("%(name)s（%(post)s）得票")
                % {"name": c.member.name, "post": c.get_post_display()},
                min_value=0,
                initial=c.votes,
            )

    def votes(self) -> dict[int, int]:
        return {c.pk: self.cleaned_data[f"votes_{c.pk}"] for c in self.candidates}


class FileForm(forms.Form):
    filed_date = forms.DateField(label=gettext_lazy("备案日期"), initial=timezone.localdate)
    note = forms.CharField(label=gettext_lazy("备案意见"), required=False, max_length=300)


class TermForm(forms.ModelForm):
    """Records a term that began before the platform; the service's rules run in clean()."""

    planned_end = forms.DateField(
        label=gettext_lazy("任期届满"),
        required=False,
        help_text=gettext_lazy("留空则按任期年限推算"),
    )

    class Meta:
        model = Term
        fields = ("unit", "number", "start_date", "planned_end", "note")

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("unit") and data.get("number") and data.get("start_date"):
            try:
                data["planned_end"] = services.term_validate(
                    unit=data["unit"],
                    number=data["number"],
                    start_date=data["start_date"],
                    planned_end=data.get("planned_end"),
                )
            except ValidationError as exc:
                for field, msgs in exc.message_dict.items():
                    self.add_error(field if field in self.fields else None, msgs)
        return data
