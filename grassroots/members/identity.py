"""Identity rules shared by the console form, the API and the importer: ID, sex, birth, phone."""

from __future__ import annotations

import datetime
import unicodedata

import phonenumbers
from django.utils.translation import gettext as _

from grassroots.core import ids
from grassroots.core.sensitive import keyed_hash, mask_id_number


def normalize_phone(raw: str) -> str:
    """A valid phone as digits (mainland numbers without +86); raises ValueError with a reason."""
    text = "".join(unicodedata.normalize("NFKC", str(raw or "")).split())
    if not text:
        return ""
    try:
        parsed = phonenumbers.parse(text, "CN")
    except phonenumbers.NumberParseException as exc:
        raise ValueError(_("电话号码格式不正确：%(v)s") % {"v": text}) from exc
    if not phonenumbers.is_valid_number(parsed):
        raise ValueError(_("电话号码无效：%(v)s") % {"v": text})
    if parsed.country_code == 86:
        return (
            phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.NATIONAL)
            .replace(" ", "")
            .replace("-", "")
        )
    return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)


def id_hashes(number: str) -> tuple[str, str, str]:
    """(exact hash, tail hash, masked) for a normalized ID number."""
    return keyed_hash(number), keyed_hash(number[-4:], "tail"), mask_id_number(number)


def check_identity(
    id_number: str, birth_date: datetime.date | None, sex: str | None
) -> tuple[ids.IdNumber | None, dict[str, str]]:
    """Parse the ID and check birth date and sex against it; errors are keyed by field name."""
    errors: dict[str, str] = {}
    if not id_number:
        return None, errors
    try:
        parsed = ids.parse(id_number)
    except ids.IdNumberError as exc:
        return None, {"id_number": str(exc)}
    if birth_date and birth_date != parsed.birth_date:
        errors["birth_date"] = _("出生日期%(given)s与身份证号中的%(derived)s不一致") % {
            "given": birth_date.isoformat(),
            "derived": parsed.birth_date.isoformat(),
        }
    if sex and sex != parsed.sex:
        errors["sex"] = _("性别与身份证号不一致（身份证号显示为%(sex)s）") % {
            "sex": _("男") if parsed.sex == "M" else _("女")
        }
    return parsed, errors
