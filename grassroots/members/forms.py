"""Console forms for the member archive; every rule is the service's, the forms only carry it."""

from __future__ import annotations

from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from unfold.widgets import (
    UnfoldAdminSelectWidget,
    UnfoldAdminSingleDateWidget,
    UnfoldAdminTextInputWidget,
)

from grassroots.members.models import Member, MemberStatus
from grassroots.members.services import EDITABLE_FIELDS, member_validate
from grassroots.organizations.models import Unit
from grassroots.organizations.selectors import units_for_transfer_target


def put_errors(form: forms.BaseForm, exc: ValidationError, field_map: dict[str, str]) -> None:
    """A service's keyed ValidationError onto the form's fields (unknown keys go on top)."""
    if hasattr(exc, "error_dict"):
        for key, errors in exc.error_dict.items():
            name = field_map.get(key, key)
            for error in errors:
                form.add_error(name if name in form.fields else None, " ".join(error.messages))
    else:
        for text in exc.messages:
            form.add_error(None, text)


class UnitChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Unit) -> str:
        return "\u3000" * obj.depth + f"{obj.name}（{obj.code}）"


class MemberForm(forms.ModelForm):
    """Validated by ``member_validate``: every bad input is an error on its field, nothing saved.

    The ID number is entered in its own field and never pre-filled (the stored value is only
    shown through the audited reveal action).
    """

    id_number_input = forms.CharField(
        label=_("身份证号"),
        required=False,
        max_length=32,
        widget=UnfoldAdminTextInputWidget,
    )

    # Set by the admin on a per-request subclass: the acting user (scope of the duplicate check).
    actor: Any = None

    class Meta:
        model = Member
        fields = (
            "unit",
            *sorted(EDITABLE_FIELDS - {"id_number"}),
        )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.member_data: dict[str, Any] = {}
        if "sex" in self.fields:
            # Derived from the ID number when one is given.
            self.fields["sex"].required = False
        if self.instance.pk:
            self.fields["id_number_input"].help_text = gettext(
                "当前：%(masked)s。留空表示不修改。"
            ) % {"masked": self.instance.id_number_masked or gettext("未填写")}

    def _payload(self) -> dict[str, Any]:
        cleaned = self.cleaned_data
        names = [n for n in self.fields if n in EDITABLE_FIELDS and n in cleaned]
        if self.instance.pk:
            names = [n for n in names if n in self.changed_data]
        data = {name: cleaned[name] for name in names}
        if "photo" in data and not data["photo"]:
            data["photo"] = ""
        if "member_number" in data and not data["member_number"]:
            data["member_number"] = None
        raw_id = (cleaned.get("id_number_input") or "").strip()
        if raw_id:
            data["id_number"] = raw_id
        return data

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        if self.errors:
            return cleaned
        data = self._payload()
        try:
            validated = member_validate(
                data=data, instance=self.instance if self.instance.pk else None, actor=self.actor
            )
        except ValidationError as exc:
            put_errors(self, exc, {"id_number": "id_number_input"})
            return cleaned
        self.member_data = validated
        for key in ("sex", "birth_date"):
            if key in validated and key in self.fields:
                cleaned[key] = validated[key]
        return cleaned


class ArrivalFields(forms.Form):
    """A member arriving from another province: the letter (介绍信) that comes with them."""

    external_org = forms.CharField(
        label=_("原组织（外省）"), max_length=200, widget=UnfoldAdminTextInputWidget
    )
    letter_number = forms.CharField(
        label=_("介绍信编号"), max_length=50, widget=UnfoldAdminTextInputWidget
    )
    letter_date = forms.DateField(label=_("介绍信日期"), widget=UnfoldAdminSingleDateWidget)


class TransferStartForm(forms.Form):
    to_unit = UnitChoiceField(
        label=_("转入组织"),
        queryset=Unit.objects.none(),
        widget=UnfoldAdminSelectWidget,
        help_text=_("可选择全省任一有效组织"),
    )
    reason = forms.CharField(
        label=_("转接原因"), max_length=300, required=False, widget=UnfoldAdminTextInputWidget
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["to_unit"]
        assert isinstance(field, forms.ModelChoiceField)
        field.queryset = units_for_transfer_target()


class TransferOutForm(forms.Form):
    external_org = forms.CharField(
        label=_("转入组织（外省）"), max_length=200, widget=UnfoldAdminTextInputWidget
    )
    letter_number = forms.CharField(
        label=_("介绍信编号"), max_length=50, widget=UnfoldAdminTextInputWidget
    )
    letter_date = forms.DateField(label=_("介绍信日期"), widget=UnfoldAdminSingleDateWidget)
    reason = forms.CharField(
        label=_("转接原因"), max_length=300, required=False, widget=UnfoldAdminTextInputWidget
    )


class StatusChangeForm(forms.Form):
    status = forms.ChoiceField(
        label=_("新状态"),
        choices=[
            (MemberStatus.DECEASED.value, MemberStatus.DECEASED.label),
            (MemberStatus.RESIGNED.value, MemberStatus.RESIGNED.label),
            (MemberStatus.EXPELLED.value, MemberStatus.EXPELLED.label),
            (MemberStatus.ACTIVE.value, _("恢复在册")),
        ],
        widget=UnfoldAdminSelectWidget,
    )
    date = forms.DateField(label=_("日期"), widget=UnfoldAdminSingleDateWidget)
    reason = forms.CharField(
        label=_("原因"), max_length=300, required=False, widget=UnfoldAdminTextInputWidget
    )


class TransferAcceptForm(forms.Form):
    date = forms.DateField(
        label=_("生效日期"),
        required=False,
        widget=UnfoldAdminSingleDateWidget,
        help_text=_("留空为今天"),
    )


class TransferDeclineForm(forms.Form):
    note = forms.CharField(
        label=_("说明"), max_length=300, required=False, widget=UnfoldAdminTextInputWidget
    )


class TransferReceiptForm(forms.Form):
    receipt_date = forms.DateField(label=_("回执日期"), widget=UnfoldAdminSingleDateWidget)


class ConfirmForm(forms.Form):
    """No fields: the page asks for a deliberate POST (e.g. before revealing an ID number)."""
