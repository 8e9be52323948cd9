"""Prospects, admission conditions, the approval-and-filing procedure, the talent programme."""

from __future__ import annotations

import datetime

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from grassroots.core.audit import MASK_ID, AuditedModel
from grassroots.core.scope import ScopedModel
from grassroots.core.sensitive import EncryptedTextField
from grassroots.members.models import Degree, Sex
from grassroots.organizations.models import UnitKind


class PersonFields(models.Model):
    """The personal fields a prospect and an applicant share with the member archive."""

    name = models.CharField(_("姓名"), max_length=50, db_index=True)
    sex = models.CharField(_("性别"), max_length=1, choices=Sex.choices, blank=True)
    ethnicity = models.ForeignKey(
        "members.Ethnicity",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("民族"),
    )
    birth_date = models.DateField(_("出生日期"), null=True, blank=True)
    id_number = EncryptedTextField(_("身份证号"), blank=True, default="")
    id_number_hash = models.CharField(max_length=64, blank=True, db_index=True, editable=False)
    id_number_masked = models.CharField(_("身份证号"), max_length=24, blank=True, editable=False)
    phone = models.CharField(_("手机号码"), max_length=20, blank=True)
    email = models.EmailField(_("电子邮箱"), blank=True)
    education = models.ForeignKey(
        "members.Education",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("学历"),
    )
    degree = models.CharField(_("学位"), max_length=16, choices=Degree.choices, blank=True)
    title = models.ForeignKey(
        "members.Title",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("职称"),
    )
    sector = models.ForeignKey(
        "members.Sector",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("界别"),
    )
    employer = models.CharField(_("工作单位"), max_length=200, blank=True)
    post = models.CharField(_("职务"), max_length=100, blank=True)
    is_talent = models.BooleanField(_("优才"), default=False)
    talent_kind = models.ForeignKey(
        "members.TalentKind",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("优才类别"),
    )
    other_party = models.CharField(
        _("其他党派"), max_length=50, blank=True, help_text=_("如已加入其他党派请填写，否则留空")
    )

    class Meta:
        abstract = True

    def age_on(self, day: datetime.date) -> int | None:
        if not self.birth_date:
            return None
        b = self.birth_date
        return day.year - b.year - ((day.month, day.day) < (b.month, b.day))


PERSON_FIELDS = (
    "name",
    "sex",
    "ethnicity",
    "birth_date",
    "id_number",
    "phone",
    "email",
    "education",
    "degree",
    "title",
    "sector",
    "employer",
    "post",
    "is_talent",
    "talent_kind",
    "other_party",
)


class TalentProgramme(AuditedModel, ScopedModel):
    """百名优才入会工程 and the like: a named target over a period for chosen talent kinds."""

    scope_path_lookup = "unit__path"

    unit = models.ForeignKey(
        "organizations.Unit",
        on_delete=models.PROTECT,
        related_name="talent_programmes",
        verbose_name=_("组织"),
    )
    name = models.CharField(_("名称"), max_length=100)
    start_date = models.DateField(_("开始日期"))
    end_date = models.DateField(_("结束日期"))
    target = models.PositiveIntegerField(_("目标人数"))
    categories = models.ManyToManyField(
        "members.TalentKind", blank=True, related_name="+", verbose_name=_("优才类别")
    )
    note = models.TextField(_("说明"), blank=True)

    class Meta:
        verbose_name = _("优才工程")
        verbose_name_plural = _("优才工程")
        ordering = ["-start_date", "id"]

    def __str__(self) -> str:
        return self.name


class Prospect(AuditedModel, ScopedModel, PersonFields):
    """后备人选: someone being cultivated before they apply."""

    class Status(models.TextChoices):
        CULTIVATING = "cultivating", _("培养中")
        APPLIED = "applied", _("已申请")
        DROPPED = "dropped", _("已放弃")

    scope_path_lookup = "unit__path"
    audit_exclude = ("id_number_hash", "id_number_masked")
    audit_masked = MASK_ID

    unit = models.ForeignKey(
        "organizations.Unit",
        on_delete=models.PROTECT,
        related_name="prospects",
        verbose_name=_("培养组织"),
    )
    recruiter = models.ForeignKey(
        "members.Member",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="recruited_prospects",
        verbose_name=_("培养联系人"),
    )
    programme = models.ForeignKey(
        TalentProgramme,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="prospects",
        verbose_name=_("优才工程"),
    )
    source = models.CharField(_("来源"), max_length=100, blank=True)
    status = models.CharField(
        _("状态"), max_length=16, choices=Status.choices, default=Status.CULTIVATING
    )
    note = models.TextField(_("备注"), blank=True)
    created_at = models.DateTimeField(_("建档时间"), default=timezone.now, editable=False)

    class Meta:
        verbose_name = _("后备人选")
        verbose_name_plural = _("后备人选")
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return self.name


class CultivationRecord(AuditedModel, ScopedModel):
    """A dated cultivation step: a talk, an activity attended, a visit."""

    class Kind(models.TextChoices):
        TALK = "talk", _("谈心谈话")
        ACTIVITY = "activity", _("参加活动")
        VISIT = "visit", _("走访")
        OTHER = "other", _("其他")

    scope_path_lookup = "prospect__unit__path"

    prospect = models.ForeignKey(
        Prospect, on_delete=models.CASCADE, related_name="records", verbose_name=_("后备人选")
    )
    date = models.DateField(_("日期"))
    kind = models.CharField(_("方式"), max_length=16, choices=Kind.choices, default=Kind.TALK)
    content = models.TextField(_("内容"))
    recorded_by = models.CharField(_("记录人"), max_length=150, blank=True)

    class Meta:
        verbose_name = _("培养记录")
        verbose_name_plural = _("培养记录")
        ordering = ["-date", "-id"]

    def __str__(self) -> str:
        return f"{self.date} {self.get_kind_display()}"


class AdmissionRule(AuditedModel):
    """One admission condition (入会条件): a kind of check, its parameters and its sentence."""

    class Kind(models.TextChoices):
        MAX_AGE = "max_age", _("年龄上限")
        EDUCATION_OR_TITLE = "education_or_title", _("学历或职称")
        MAIN_SECTOR = "main_sector", _("主界别")
        NO_OTHER_PARTY = "no_other_party", _("未加入其他党派")
        ID_VALID_UNREGISTERED = "id_valid_unregistered", _("身份证号有效且未登记")

    class Severity(models.TextChoices):
        FAIL = "fail", _("不符合即阻止")
        WARNING = "warning", _("不符合仅提示")

    code = models.SlugField(_("代码"), max_length=40, unique=True)
    name = models.CharField(_("名称"), max_length=100)
    kind = models.CharField(_("规则类型"), max_length=32, choices=Kind.choices)
    params = models.JSONField(_("参数"), default=dict, blank=True)
    message = models.CharField(
        _("不符合时的说明"),
        max_length=300,
        help_text=_("可使用 {age}、{max}、{education}、{title}、{sector} 等占位符"),
    )
    severity = models.CharField(
        _("严重程度"), max_length=8, choices=Severity.choices, default=Severity.FAIL
    )
    order = models.PositiveSmallIntegerField(_("排序"), default=0)
    is_active = models.BooleanField(_("启用"), default=True)

    class Meta:
        verbose_name = _("入会条件")
        verbose_name_plural = _("入会条件")
        ordering = ["order", "id"]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        if not isinstance(self.params, dict):
            raise ValidationError({"params": _('须为JSON对象，例如 {"max": 55}')})
        try:
            str(self.message).format_map(_Anything())
        except (ValueError, IndexError) as exc:
            raise ValidationError(
                {"message": _("说明中的占位符格式不正确：%(e)s") % {"e": exc}}
            ) from exc


class _Anything(dict):
    def __missing__(self, key: str) -> str:
        return ""


class Stage(AuditedModel):
    """One step of the procedure: who acts (role at a level of the tree) and what is recorded."""

    class Kind(models.TextChoices):
        FORM = "form", _("提交申请")
        INTRODUCERS = "introducers", _("介绍人确认")
        RECORD = "record", _("登记材料")
        REVIEW = "review", _("审核")
        APPROVAL = "approval", _("审批（占用名额）")
        FILING = "filing", _("备案")
        ADMISSION = "admission", _("入会")

    order = models.PositiveSmallIntegerField(_("顺序"), unique=True)
    code = models.SlugField(_("代码"), max_length=40, unique=True)
    name = models.CharField(_("名称"), max_length=50)
    kind = models.CharField(_("类型"), max_length=16, choices=Kind.choices)
    actor_level = models.PositiveSmallIntegerField(
        _("办理层级"),
        choices=UnitKind.Level.choices,
        help_text=_(
            "申请人所在组织的哪一级上级办理；该级不存在时（如省直属支部没有市级）本环节跳过"
        ),
    )
    actor_roles = models.JSONField(_("办理角色"), default=list)
    fields = models.JSONField(
        _("登记字段"),
        default=list,
        blank=True,
        help_text=_("列表：name、label、type（text/date/int）、required"),
    )
    params = models.JSONField(_("参数"), default=dict, blank=True)
    is_active = models.BooleanField(_("启用"), default=True)

    class Meta:
        verbose_name = _("办理环节")
        verbose_name_plural = _("办理环节")
        ordering = ["order"]

    def __str__(self) -> str:
        return f"{self.order}. {self.name}"

    def clean(self) -> None:
        from grassroots.accounts.models import Role

        errors: dict[str, object] = {}
        roles = self.actor_roles if isinstance(self.actor_roles, list) else None
        unknown = [r for r in roles or [] if r not in Role.values]
        if roles is None or not roles or unknown:
            errors["actor_roles"] = _("须为角色代码列表，可选：%(roles)s") % {
                "roles": "、".join(Role.values)
            }
        specs = self.fields if isinstance(self.fields, list) else None
        if specs is None or any(
            not isinstance(f, dict)
            or not f.get("name")
            or f.get("type", "text") not in ("text", "date", "int")
            for f in specs
        ):
            errors["fields"] = _("须为列表，每项含 name、label、type（text/date/int）、required")
        if not isinstance(self.params, dict):
            errors["params"] = _("须为JSON对象")
        if errors:
            raise ValidationError(errors)


class Application(AuditedModel, ScopedModel, PersonFields):
    """入会申请: moves through the stages; a member is created when the last stage is done."""

    class State(models.TextChoices):
        OPEN = "open", _("办理中")
        ADMITTED = "admitted", _("已入会")
        REJECTED = "rejected", _("未通过")
        WITHDRAWN = "withdrawn", _("已撤回")

    scope_path_lookup = "unit__path"
    audit_exclude = ("id_number_hash", "id_number_masked", "version")
    audit_masked = MASK_ID

    unit = models.ForeignKey(
        "organizations.Unit",
        on_delete=models.PROTECT,
        related_name="applications",
        verbose_name=_("申请支部"),
    )
    prospect = models.ForeignKey(
        Prospect,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="applications",
        verbose_name=_("后备人选"),
    )
    programme = models.ForeignKey(
        TalentProgramme,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="applications",
        verbose_name=_("优才工程"),
    )
    recruiter = models.ForeignKey(
        "members.Member",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="recruited_applications",
        verbose_name=_("培养联系人"),
    )
    resume = models.TextField(_("个人简历"), blank=True)
    reasons = models.TextField(_("入会理由"), blank=True)
    family_relations = models.TextField(_("家庭成员"), blank=True)
    social_relations = models.TextField(_("主要社会关系"), blank=True)
    applicant_user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="own_applications",
        verbose_name=_("申请人账号"),
    )
    stage = models.ForeignKey(
        Stage, on_delete=models.PROTECT, related_name="applications", verbose_name=_("当前环节")
    )
    state = models.CharField(
        _("状态"), max_length=16, choices=State.choices, default=State.OPEN, db_index=True
    )
    version = models.PositiveIntegerField(default=0, editable=False)
    created_at = models.DateTimeField(_("创建时间"), default=timezone.now, editable=False)
    submitted_at = models.DateTimeField(_("提交时间"), null=True, blank=True)
    stage_entered_at = models.DateTimeField(_("进入本环节时间"), default=timezone.now)
    closed_at = models.DateTimeField(_("办结时间"), null=True, blank=True)
    approved_on = models.DateField(_("审批日期"), null=True, blank=True)
    quota_unit = models.ForeignKey(
        "organizations.Unit",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("占用名额单位"),
    )
    quota_year = models.PositiveSmallIntegerField(_("名额年度"), null=True, blank=True)
    quota_override_reason = models.CharField(_("超名额理由"), max_length=300, blank=True)
    filing_batch = models.ForeignKey(
        "FilingBatch",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="applications",
        verbose_name=_("备案批次"),
    )
    member = models.OneToOneField(
        "members.Member",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="application",
        verbose_name=_("会员档案"),
    )

    class Meta:
        verbose_name = _("入会申请")
        verbose_name_plural = _("入会申请")
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["state", "stage", "stage_entered_at"]),
            models.Index(fields=["quota_unit", "quota_year", "state"]),
            # The inbox lists open applications oldest-waiting first.
            models.Index(
                fields=["stage_entered_at", "id"],
                name="application_open_waiting",
                condition=models.Q(state="open"),
            ),
            # ... and counts them per stage and unit (index-only on PostgreSQL).
            models.Index(
                fields=["stage", "unit", "applicant_user"],
                name="application_open_stage_unit",
                condition=models.Q(state="open"),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name}（{self.unit}）"

    @property
    def is_open(self) -> bool:
        return self.state == self.State.OPEN


class Introducer(AuditedModel, ScopedModel):
    """介绍人: an active member, possibly outside the staff's scope; confirmation is recorded."""

    scope_path_lookup = "application__unit__path"

    application = models.ForeignKey(
        Application, on_delete=models.CASCADE, related_name="introducers", verbose_name=_("申请")
    )
    member = models.ForeignKey(
        "members.Member", on_delete=models.PROTECT, related_name="+", verbose_name=_("介绍人")
    )
    confirmed_at = models.DateTimeField(_("确认时间"), null=True, blank=True)
    confirmed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("确认记录人"),
    )
    confirmed_in_person = models.BooleanField(_("本人确认"), default=False)
    note = models.CharField(_("说明"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("介绍人")
        verbose_name_plural = _("介绍人")
        constraints = [
            models.UniqueConstraint(fields=["application", "member"], name="uniq_introducer")
        ]
        ordering = ["id"]

    def __str__(self) -> str:
        return str(self.member)


class Step(ScopedModel):
    """One recorded step of an application: who, when, which stage, what, comment, data."""

    class Action(models.TextChoices):
        CREATE = "create", _("创建")
        ADVANCE = "advance", _("通过")
        RETURN = "return", _("退回")
        REJECT = "reject", _("不予通过")
        WITHDRAW = "withdraw", _("撤回")
        OVERRIDE = "override", _("条件破格")
        INTRODUCER = "introducer", _("介绍人确认")
        FILING = "filing", _("报送备案")

    scope_path_lookup = "application__unit__path"

    application = models.ForeignKey(
        Application, on_delete=models.CASCADE, related_name="steps", verbose_name=_("申请")
    )
    stage = models.ForeignKey(
        Stage, on_delete=models.PROTECT, related_name="+", verbose_name=_("环节")
    )
    to_stage = models.ForeignKey(
        Stage,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("转入环节"),
    )
    action = models.CharField(_("动作"), max_length=16, choices=Action.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("办理人"),
    )
    actor_name = models.CharField(_("办理人"), max_length=150)
    actor_unit = models.CharField(_("办理单位"), max_length=100, blank=True)
    at = models.DateTimeField(_("时间"), default=timezone.now)
    comment = models.TextField(_("意见"), blank=True)
    data = models.JSONField(_("登记内容"), default=dict, blank=True)

    class Meta:
        verbose_name = _("办理记录")
        verbose_name_plural = _("办理记录")
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"{self.stage.name} {self.get_action_display()}"


class StepAttachment(ScopedModel):
    scope_path_lookup = "step__application__unit__path"

    step = models.ForeignKey(
        Step, on_delete=models.CASCADE, related_name="attachments", verbose_name=_("办理记录")
    )
    file = models.FileField(_("附件"), upload_to="recruitment/attachments/%Y/")
    name = models.CharField(_("文件名"), max_length=200)

    class Meta:
        verbose_name = _("附件")
        verbose_name_plural = _("附件")

    def __str__(self) -> str:
        return self.name


class ConditionOverride(AuditedModel, ScopedModel):
    """破格: the approving level accepts a failing condition, with its reason."""

    scope_path_lookup = "application__unit__path"

    application = models.ForeignKey(
        Application, on_delete=models.CASCADE, related_name="overrides", verbose_name=_("申请")
    )
    rule = models.ForeignKey(
        AdmissionRule, on_delete=models.PROTECT, related_name="+", verbose_name=_("入会条件")
    )
    reason = models.CharField(_("破格理由"), max_length=300)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
        verbose_name=_("批准人"),
    )
    actor_name = models.CharField(_("批准人"), max_length=150)
    at = models.DateTimeField(_("时间"), default=timezone.now)

    class Meta:
        verbose_name = _("条件破格")
        verbose_name_plural = _("条件破格")
        constraints = [
            models.UniqueConstraint(fields=["application", "rule"], name="uniq_override")
        ]

    def __str__(self) -> str:
        return f"{self.rule}: {self.reason}"


class FilingBatch(AuditedModel, ScopedModel):
    """备案批次: approved applications sent together to the central committee, one reply."""

    class State(models.TextChoices):
        SENT = "sent", _("已报送")
        REPLIED = "replied", _("已回复")

    scope_path_lookup = "unit__path"

    unit = models.ForeignKey(
        "organizations.Unit",
        on_delete=models.PROTECT,
        related_name="filing_batches",
        verbose_name=_("报送单位"),
    )
    number = models.CharField(_("批次号"), max_length=50, unique=True)
    sent_on = models.DateField(_("报送日期"))
    state = models.CharField(_("状态"), max_length=16, choices=State.choices, default=State.SENT)
    reply_on = models.DateField(_("回复日期"), null=True, blank=True)
    reply = models.TextField(_("中央回复"), blank=True)
    created_by = models.CharField(_("经办人"), max_length=150, blank=True)
    created_at = models.DateTimeField(_("创建时间"), default=timezone.now)

    class Meta:
        verbose_name = _("备案批次")
        verbose_name_plural = _("备案批次")
        ordering = ["-sent_on", "-id"]

    def __str__(self) -> str:
        return self.number
