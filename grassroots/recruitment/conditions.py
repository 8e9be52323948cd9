"""The admission-conditions engine: each rule kind is a small check giving pass/fail/warning
with one explaining sentence. Rules (kind + parameters + message) are rows of AdmissionRule."""

from __future__ import annotations

import datetime
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _

from grassroots.core import ids
from grassroots.core.sensitive import keyed_hash
from grassroots.members.models import Member, Title
from grassroots.recruitment.models import AdmissionRule, Application

PASS, FAIL, WARNING = "pass", "fail", "warning"


@dataclass(frozen=True)
class Outcome:
    rule: AdmissionRule
    result: str  # pass / fail / warning
    sentence: str
    override_reason: str = ""

    @property
    def blocks(self) -> bool:
        return self.result == FAIL and not self.override_reason

    @property
    def label(self) -> str:
        if self.result == FAIL and self.override_reason:
            return _("已破格")
        return {PASS: _("符合"), FAIL: _("不符合"), WARNING: _("提示")}[self.result]


class _SafeDict(dict):
    def __missing__(self, key: str) -> str:
        return "{" + key + "}"


def _say(rule: AdmissionRule, values: dict[str, Any]) -> str:
    return str(rule.message).format_map(_SafeDict({k: str(v) for k, v in values.items()}))


def _reference_day(app: Application) -> datetime.date:
    moment = app.submitted_at or timezone.now()
    return timezone.localtime(moment).date()


def _max_age(rule: AdmissionRule, app: Application) -> tuple[bool, str, dict]:
    limit = int(rule.params.get("max", 55))
    day = _reference_day(app)
    age = app.age_on(day)
    if rule.params.get("exempt_talents", True) and app.is_talent:
        return True, _("优才不受年龄限制"), {"age": age, "max": limit}
    if age is None:
        return False, "", {"age": _("未知"), "max": limit}
    return (
        age <= limit,
        _("申请时年龄%(age)s岁，不超过%(max)s岁") % {"age": age, "max": limit},
        {"age": age, "max": limit},
    )


def _education_or_title(rule: AdmissionRule, app: Application) -> tuple[bool, str, dict]:
    grades = rule.params.get(
        "title_grades",
        [Title.Grade.FULL_SENIOR, Title.Grade.DEPUTY_SENIOR, Title.Grade.INTERMEDIATE],
    )
    values = {
        "education": app.education.name if app.education else _("未填写"),
        "title": app.title.name if app.title else _("未填写"),
    }
    if app.education is not None and app.education.bachelor_or_higher:
        return True, _("学历为%(education)s，达到本科及以上") % values, values
    if app.title is not None and app.title.grade in grades:
        return True, _("职称为%(title)s，达到中级及以上") % values, values
    return False, "", values


def _main_sector(rule: AdmissionRule, app: Application) -> tuple[bool, str, dict]:
    values = {"sector": app.sector.name if app.sector else _("未填写")}
    if app.sector is not None and app.sector.is_main:
        return True, _("界别为%(sector)s，属于主界别") % values, values
    return False, "", values


def _no_other_party(rule: AdmissionRule, app: Application) -> tuple[bool, str, dict]:
    values = {"party": app.other_party}
    if not app.other_party.strip():
        return True, _("未加入其他党派"), values
    return False, "", values


def _id_valid_unregistered(rule: AdmissionRule, app: Application) -> tuple[bool, str, dict]:
    if not app.id_number:
        return False, "", {"problem": _("未填写身份证号")}
    try:
        parsed = ids.parse(app.id_number)
    except ids.IdNumberError as exc:
        return False, "", {"problem": str(exc)}
    digest = keyed_hash(parsed.value)
    if Member.objects.filter(id_number_hash=digest).exists():
        return False, "", {"problem": _("该身份证号已登记为会员")}
    others = Application.objects.filter(id_number_hash=digest, state=Application.State.OPEN)
    if app.pk:
        others = others.exclude(pk=app.pk)
    if others.exists():
        return False, "", {"problem": _("该身份证号已有办理中的入会申请")}
    return True, _("身份证号有效，且未登记为会员"), {"problem": ""}


CHECKS: dict[str, Callable[[AdmissionRule, Application], tuple[bool, str, dict]]] = {
    AdmissionRule.Kind.MAX_AGE: _max_age,
    AdmissionRule.Kind.EDUCATION_OR_TITLE: _education_or_title,
    AdmissionRule.Kind.MAIN_SECTOR: _main_sector,
    AdmissionRule.Kind.NO_OTHER_PARTY: _no_other_party,
    AdmissionRule.Kind.ID_VALID_UNREGISTERED: _id_valid_unregistered,
}


def evaluate(app: Application, rules: list[AdmissionRule] | None = None) -> list[Outcome]:
    """Every active rule's outcome for this application, overrides included."""
    if rules is None:
        rules = list(AdmissionRule.objects.filter(is_active=True))
    overrides = {}
    if app.pk:
        overrides = dict(app.overrides.values_list("rule_id", "reason"))
    outcomes = []
    for rule in rules:
        check = CHECKS.get(rule.kind)
        if check is None:
            continue
        ok, sentence, values = check(rule, app)
        if ok:
            outcomes.append(Outcome(rule, PASS, sentence))
            continue
        result = FAIL if rule.severity == AdmissionRule.Severity.FAIL else WARNING
        outcomes.append(
            Outcome(rule, result, _say(rule, values), override_reason=overrides.get(rule.pk, ""))
        )
    return outcomes


def blocking(outcomes: list[Outcome]) -> list[Outcome]:
    return [o for o in outcomes if o.blocks]
