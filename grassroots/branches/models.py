"""Five-izations records: funding, venue, platforms, activities, attendance, training, visits."""

from __future__ import annotations

import datetime
import secrets
from decimal import Decimal

from django.db import models
from django.db.models import Exists, OuterRef, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from grassroots.core.audit import AuditedModel
from grassroots.core.scope import ScopedModel
from grassroots.organizations.models import Unit


class Branch(Unit):
    """The unit seen through its working conditions: the console's five-izations page per unit."""

    class Meta:
        proxy = True
        verbose_name = _("基层组织五化")
        verbose_name_plural = _("基层组织五化")


class FundingSource(models.TextChoices):
    ALLOCATION = "allocation", _("上级拨款")
    EMPLOYER = "employer", _("单位支持")
    OWN = "own", _("自筹")


class Funding(AuditedModel, ScopedModel):
    """A unit's budget for one year from one source (经费固定化)."""

    unit = models.ForeignKey(
        Unit, on_delete=models.CASCADE, related_name="fundings", verbose_name=_("组织")
    )
    year = models.PositiveSmallIntegerField(_("年度"), db_index=True)
    source = models.CharField(_("来源"), max_length=16, choices=FundingSource.choices)
    budget = models.DecimalField(_("预算（元）"), max_digits=12, decimal_places=2)
    note = models.CharField(_("备注"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("经费")
        verbose_name_plural = _("经费")
        ordering = ["-year", "unit__path", "source"]
        constraints = [
            models.UniqueConstraint(
                fields=["unit", "year", "source"], name="uniq_funding_unit_year_source"
            )
        ]

    def __str__(self) -> str:
        return f"{self.unit} {self.year} {self.get_source_display()} {self.budget}"


class Spending(AuditedModel, ScopedModel):
    scope_path_lookup = "funding__unit__path"

    funding = models.ForeignKey(
        Funding, on_delete=models.CASCADE, related_name="spendings", verbose_name=_("经费")
    )
    date = models.DateField(_("日期"))
    amount = models.DecimalField(_("金额（元）"), max_digits=12, decimal_places=2)
    purpose = models.CharField(_("用途"), max_length=200)

    class Meta:
        verbose_name = _("经费支出")
        verbose_name_plural = _("经费支出")
        ordering = ["-date", "-id"]

    def __str__(self) -> str:
        return f"{self.date} {self.purpose} {self.amount}"


class Venue(AuditedModel, ScopedModel):
    """Where a unit meets (场地专门化); the current venue has no end date."""

    class Usage(models.TextChoices):
        DEDICATED = "dedicated", _("专用")
        SHARED = "shared", _("共用")

    unit = models.ForeignKey(
        Unit, on_delete=models.CASCADE, related_name="venues", verbose_name=_("组织")
    )
    address = models.CharField(_("地址"), max_length=200)
    owner = models.CharField(_("产权/提供单位"), max_length=100, blank=True)
    usage = models.CharField(_("使用方式"), max_length=16, choices=Usage.choices)
    area = models.DecimalField(
        _("面积（平方米）"), max_digits=8, decimal_places=1, null=True, blank=True
    )
    since = models.DateField(_("启用日期"))
    until = models.DateField(_("停用日期"), null=True, blank=True)

    class Meta:
        verbose_name = _("活动场地")
        verbose_name_plural = _("活动场地")
        ordering = ["unit__path", "-since"]

    def __str__(self) -> str:
        return f"{self.address}（{self.get_usage_display()}）"


class WorkPlatform(models.TextChoices):
    POLICY = "policy", _("参政议政")
    PUBLICITY = "publicity", _("宣传信息")
    THEORY = "theory", _("理论研究")
    SOCIAL = "social", _("社会服务")


class PlatformActivity(AuditedModel, ScopedModel):
    """A unit is active in one of the four work platforms (履职平台多样化)."""

    unit = models.ForeignKey(
        Unit, on_delete=models.CASCADE, related_name="platform_activities", verbose_name=_("组织")
    )
    platform = models.CharField(_("工作平台"), max_length=16, choices=WorkPlatform.choices)
    since = models.DateField(_("开始日期"))
    until = models.DateField(_("结束日期"), null=True, blank=True)
    note = models.CharField(_("说明"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("履职平台")
        verbose_name_plural = _("履职平台")
        ordering = ["unit__path", "platform"]

    def __str__(self) -> str:
        return f"{self.unit} {self.get_platform_display()}"


class ActivityKind(models.Model):
    """Organization life meeting, study session, training… Kinds are data."""

    code = models.SlugField(_("代码"), max_length=32, unique=True)
    name = models.CharField(_("名称"), max_length=50)
    is_training = models.BooleanField(_("计入培训学时"), default=False)
    default_hours = models.DecimalField(
        _("默认学时"), max_digits=5, decimal_places=1, default=Decimal("0")
    )
    order = models.PositiveSmallIntegerField(_("排序"), default=0)
    is_active = models.BooleanField(_("有效"), default=True)

    class Meta:
        verbose_name = _("活动类型")
        verbose_name_plural = _("活动类型")
        ordering = ["order", "id"]

    def __str__(self) -> str:
        return self.name


def ancestor_paths(path: str) -> list[str]:
    parts = [p for p in path.split("/") if p]
    return ["".join(f"{p}/" for p in parts[: i + 1]) for i in range(len(parts))]


class TrainingCourse(AuditedModel, ScopedModel):
    """A course (骨干培训, 专题培训) made of sessions; mandatory for its unit's members.

    Seen from above (the organizer's subtree) and from below (the units whose members must
    attend), like a notice.
    """

    unit = models.ForeignKey(
        Unit, on_delete=models.CASCADE, related_name="courses", verbose_name=_("主办组织")
    )
    title = models.CharField(_("名称"), max_length=200)
    year = models.PositiveSmallIntegerField(_("年度"), db_index=True)
    kind = models.ForeignKey(ActivityKind, on_delete=models.PROTECT, verbose_name=_("类型"))
    is_mandatory = models.BooleanField(_("必修"), default=False)
    description = models.TextField(_("说明"), blank=True)

    class Meta:
        verbose_name = _("培训班")
        verbose_name_plural = _("培训班")
        ordering = ["-year", "title"]

    def __str__(self) -> str:
        return f"{self.year} {self.title}"

    @classmethod
    def scope_q(cls, path: str) -> Q:
        return Q(unit__path__startswith=path) | Q(unit__path__in=ancestor_paths(path))


class Activity(AuditedModel, ScopedModel):
    """An activity hosted by one or more units; each host sees it, attendance stays per host."""

    kind = models.ForeignKey(ActivityKind, on_delete=models.PROTECT, verbose_name=_("类型"))
    topic = models.CharField(_("主题"), max_length=200)
    starts_at = models.DateTimeField(_("开始时间"), db_index=True)
    ends_at = models.DateTimeField(_("结束时间"), null=True, blank=True)
    date = models.DateField(_("日期"), db_index=True, editable=False)
    lead_unit = models.ForeignKey(
        Unit, on_delete=models.PROTECT, related_name="led_activities", verbose_name=_("牵头组织")
    )
    units = models.ManyToManyField(
        Unit, through="ActivityHost", related_name="activities", verbose_name=_("主办组织")
    )
    organizer = models.CharField(_("组织人"), max_length=100, blank=True)
    place = models.CharField(_("地点"), max_length=200, blank=True)
    minutes = models.TextField(_("纪要"), blank=True)
    hours = models.DecimalField(_("计入学时"), max_digits=5, decimal_places=1, default=Decimal("0"))
    course = models.ForeignKey(
        TrainingCourse,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="sessions",
        verbose_name=_("所属培训班"),
    )
    created_at = models.DateTimeField(_("登记时间"), default=timezone.now, editable=False)

    class Meta:
        verbose_name = _("活动")
        verbose_name_plural = _("活动")
        ordering = ["-starts_at", "-id"]

    def __str__(self) -> str:
        return f"{self.date} {self.topic}"

    @classmethod
    def scope_q(cls, path: str) -> Q:
        hosted = ActivityHost.objects.filter(activity=OuterRef("pk"), unit__path__startswith=path)
        return Q(Exists(hosted))

    def audit_unit_path(self) -> str:
        return self.lead_unit.path if self.lead_unit_id else ""

    def save(self, *args, **kwargs):
        if self.starts_at:
            self.date = timezone.localtime(self.starts_at).date()
        super().save(*args, **kwargs)


class ActivityHost(AuditedModel, ScopedModel):
    """A co-hosting unit; its staff record their own members' attendance."""

    activity = models.ForeignKey(Activity, on_delete=models.CASCADE, related_name="hosts")
    unit = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="+")

    class Meta:
        verbose_name = _("主办组织")
        verbose_name_plural = _("主办组织")
        constraints = [
            models.UniqueConstraint(fields=["activity", "unit"], name="uniq_activity_host")
        ]

    def __str__(self) -> str:
        return str(self.unit)


class Attendance(AuditedModel, ScopedModel):
    """One member at one activity; scoped by the member's unit at recording time."""

    class Status(models.TextChoices):
        PLANNED = "planned", _("应到")
        ATTENDED = "attended", _("实到")
        EXCUSED = "excused", _("请假")
        ABSENT = "absent", _("缺席")

    activity = models.ForeignKey(
        Activity, on_delete=models.CASCADE, related_name="attendances", verbose_name=_("活动")
    )
    member = models.ForeignKey(
        "members.Member",
        on_delete=models.CASCADE,
        related_name="attendances",
        verbose_name=_("会员"),
    )
    unit = models.ForeignKey(
        Unit, on_delete=models.PROTECT, related_name="+", verbose_name=_("组织")
    )
    date = models.DateField(_("日期"), db_index=True)
    status = models.CharField(
        _("出席情况"), max_length=16, choices=Status.choices, default=Status.PLANNED
    )
    hours = models.DecimalField(_("学时"), max_digits=5, decimal_places=1, default=Decimal("0"))
    note = models.CharField(_("备注"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("出席记录")
        verbose_name_plural = _("出席记录")
        ordering = ["activity", "member__name"]
        constraints = [
            models.UniqueConstraint(fields=["activity", "member"], name="uniq_attendance")
        ]
        indexes = [models.Index(fields=["unit", "date"]), models.Index(fields=["member", "date"])]

    def __str__(self) -> str:
        return f"{self.member} {self.get_status_display()}"


class ActivityFile(AuditedModel, ScopedModel):
    class Kind(models.TextChoices):
        PHOTO = "photo", _("照片")
        FILE = "file", _("文件")

    activity = models.ForeignKey(
        Activity, on_delete=models.CASCADE, related_name="files", verbose_name=_("活动")
    )
    unit = models.ForeignKey(
        Unit, on_delete=models.PROTECT, related_name="+", verbose_name=_("上传组织")
    )
    kind = models.CharField(_("类别"), max_length=8, choices=Kind.choices)
    file = models.FileField(_("文件"), upload_to="activities/%Y/%m/")
    name = models.CharField(_("文件名"), max_length=200)
    size = models.PositiveIntegerField(_("大小（字节）"), default=0)
    uploaded_by = models.CharField(_("上传人"), max_length=150, blank=True)
    uploaded_at = models.DateTimeField(_("上传时间"), default=timezone.now)

    class Meta:
        verbose_name = _("活动附件")
        verbose_name_plural = _("活动附件")
        ordering = ["activity", "kind", "id"]

    def __str__(self) -> str:
        return self.name

    @classmethod
    def scope_q(cls, path: str) -> Q:
        hosted = ActivityHost.objects.filter(
            activity=OuterRef("activity"), unit__path__startswith=path
        )
        return Q(Exists(hosted))


class Visit(AuditedModel, ScopedModel):
    """Visits and forums with members (走访座谈): who visited whom, topics raised."""

    class Kind(models.TextChoices):
        VISIT = "visit", _("走访")
        FORUM = "forum", _("座谈")

    unit = models.ForeignKey(
        Unit, on_delete=models.CASCADE, related_name="visits", verbose_name=_("组织")
    )
    kind = models.CharField(_("形式"), max_length=8, choices=Kind.choices, default=Kind.VISIT)
    date = models.DateField(_("日期"), db_index=True)
    visitors = models.CharField(_("走访人"), max_length=200)
    members = models.ManyToManyField(
        "members.Member", related_name="visits", blank=True, verbose_name=_("走访/座谈对象")
    )
    others = models.CharField(_("其他对象"), max_length=200, blank=True)
    topics = models.TextField(_("反映的问题与意见"), blank=True)

    class Meta:
        verbose_name = _("走访座谈")
        verbose_name_plural = _("走访座谈")
        ordering = ["-date", "-id"]

    def __str__(self) -> str:
        return f"{self.date} {self.get_kind_display()} {self.visitors}"


class FollowUp(AuditedModel, ScopedModel):
    class Status(models.TextChoices):
        OPEN = "open", _("待办")
        IN_PROGRESS = "in_progress", _("办理中")
        DONE = "done", _("已办结")

    scope_path_lookup = "visit__unit__path"

    visit = models.ForeignKey(
        Visit, on_delete=models.CASCADE, related_name="follow_ups", verbose_name=_("走访座谈")
    )
    action = models.CharField(_("跟进事项"), max_length=300)
    owner = models.CharField(_("责任人"), max_length=100, blank=True)
    due_date = models.DateField(_("期限"), null=True, blank=True)
    status = models.CharField(_("状态"), max_length=16, choices=Status.choices, default=Status.OPEN)
    done_on = models.DateField(_("办结日期"), null=True, blank=True)
    result = models.CharField(_("办理结果"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("跟进事项")
        verbose_name_plural = _("跟进事项")
        ordering = ["status", "due_date", "id"]

    def __str__(self) -> str:
        return self.action


class Cadence(AuditedModel, ScopedModel):
    """How often a unit should hold a kind of activity (e.g. a study session every month)."""

    unit = models.ForeignKey(
        Unit, on_delete=models.CASCADE, related_name="cadences", verbose_name=_("组织")
    )
    kind = models.ForeignKey(ActivityKind, on_delete=models.PROTECT, verbose_name=_("活动类型"))
    every_months = models.PositiveSmallIntegerField(
        _("间隔（月）"), help_text=_("每隔几个月至少开展一次，如每月一次填1，每季度一次填3")
    )

    class Meta:
        verbose_name = _("活动频次要求")
        verbose_name_plural = _("活动频次要求")
        ordering = ["unit__path", "kind__order"]
        constraints = [models.UniqueConstraint(fields=["unit", "kind"], name="uniq_cadence")]

    def __str__(self) -> str:
        return f"{self.unit} {self.kind} / {self.every_months}"


# --- sign-up and check-in from the member portal ---------------------------------------------


def new_checkin_token() -> str:
    return secrets.token_urlsafe(18)


class ActivityOpening(AuditedModel, ScopedModel):
    """An activity opened to members in the portal: sign-up, and check-in by its QR code.

    The QR code encodes /m/check-in/<token>/; the token is unguessable and can be replaced (the
    old printed code then stops working). Members of every host unit and the units below it may
    sign up and check in; each check-in records their attendance once.
    """

    activity = models.OneToOneField(
        Activity, on_delete=models.CASCADE, related_name="opening", verbose_name=_("活动")
    )
    signup_open = models.BooleanField(_("开放报名"), default=True)
    signup_deadline = models.DateTimeField(
        _("报名截止"), null=True, blank=True, help_text=_("不填则报名截止于活动开始时")
    )
    capacity = models.PositiveIntegerField(
        _("名额"), null=True, blank=True, help_text=_("不填则不限名额")
    )
    checkin_token = models.CharField(
        _("签到码"), max_length=32, unique=True, default=new_checkin_token, editable=False
    )
    checkin_opens_at = models.DateTimeField(
        _("签到开始"), null=True, blank=True, help_text=_("不填则为活动开始前1小时")
    )
    checkin_closes_at = models.DateTimeField(
        _("签到结束"),
        null=True,
        blank=True,
        help_text=_("不填则为活动结束时（未填结束时间为开始后4小时）"),
    )
    note = models.CharField(_("报名须知"), max_length=300, blank=True)
    created_at = models.DateTimeField(_("开放时间"), default=timezone.now, editable=False)

    audit_exclude = ("checkin_token",)

    class Meta:
        verbose_name = _("报名与签到")
        verbose_name_plural = _("报名与签到")
        ordering = ["-activity__starts_at", "-id"]

    def __str__(self) -> str:
        return str(self.activity)

    @classmethod
    def scope_q(cls, path: str) -> Q:
        hosted = ActivityHost.objects.filter(
            activity=OuterRef("activity"), unit__path__startswith=path
        )
        return Q(Exists(hosted))

    def audit_unit_path(self) -> str:
        return self.activity.lead_unit.path if self.activity_id else ""

    @property
    def signup_closes_at(self) -> datetime.datetime:
        return self.signup_deadline or self.activity.starts_at

    @property
    def checkin_window(self) -> tuple[datetime.datetime, datetime.datetime]:
        start = self.checkin_opens_at or self.activity.starts_at - datetime.timedelta(hours=1)
        end = self.checkin_closes_at or self.activity.ends_at
        if end is None:
            end = self.activity.starts_at + datetime.timedelta(hours=4)
        return start, end


class ActivitySignup(AuditedModel, ScopedModel):
    """A member's sign-up for an opened activity; cancelling keeps the row (and its history)."""

    class Status(models.TextChoices):
        SIGNED_UP = "signed_up", _("已报名")
        CANCELLED = "cancelled", _("已取消")

    activity = models.ForeignKey(
        Activity, on_delete=models.CASCADE, related_name="signups", verbose_name=_("活动")
    )
    member = models.ForeignKey(
        "members.Member",
        on_delete=models.CASCADE,
        related_name="activity_signups",
        verbose_name=_("会员"),
    )
    unit = models.ForeignKey(
        Unit, on_delete=models.PROTECT, related_name="+", verbose_name=_("组织")
    )
    status = models.CharField(
        _("状态"), max_length=16, choices=Status.choices, default=Status.SIGNED_UP
    )
    signed_up_at = models.DateTimeField(_("报名时间"), default=timezone.now)
    cancelled_at = models.DateTimeField(_("取消时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("活动报名")
        verbose_name_plural = _("活动报名")
        ordering = ["activity", "signed_up_at"]
        constraints = [
            models.UniqueConstraint(fields=["activity", "member"], name="uniq_activity_signup")
        ]

    def __str__(self) -> str:
        return f"{self.member} {self.get_status_display()}"
