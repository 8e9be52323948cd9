"""Planning tables: five-year plans with yearly per-unit targets, quotas, reporting rounds."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Exists, OuterRef, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from grassroots.core.audit import AuditedModel
from grassroots.core.scope import ScopedModel


class YearlyQuota(AuditedModel, ScopedModel):
    """How many new members a unit may admit in a year (入会名额) when no plan sets it."""

    scope_path_lookup = "unit__path"

    unit = models.ForeignKey(
        "organizations.Unit",
        on_delete=models.CASCADE,
        related_name="quotas",
        verbose_name=_("组织"),
    )
    year = models.PositiveSmallIntegerField(_("年度"))
    new_members = models.PositiveIntegerField(_("发展名额"))
    note = models.CharField(_("备注"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("年度发展名额")
        verbose_name_plural = _("年度发展名额")
        constraints = [
            models.UniqueConstraint(fields=["unit", "year"], name="uniq_quota_unit_year")
        ]
        ordering = ["-year", "unit__path"]

    def __str__(self) -> str:
        return f"{self.unit} {self.year}: {self.new_members}"


class Plan(AuditedModel, ScopedModel):
    """组织发展五年规划: a period and, per year and unit, targets (PlanTarget rows)."""

    scope_path_lookup = "unit__path"

    name = models.CharField(_("名称"), max_length=100)
    unit = models.ForeignKey(
        "organizations.Unit",
        on_delete=models.PROTECT,
        related_name="plans",
        verbose_name=_("制定组织"),
    )
    start_year = models.PositiveSmallIntegerField(_("起始年度"))
    end_year = models.PositiveSmallIntegerField(_("截止年度"))
    is_active = models.BooleanField(_("执行中"), default=True)
    note = models.TextField(_("说明"), blank=True)

    class Meta:
        verbose_name = _("五年规划")
        verbose_name_plural = _("五年规划")
        ordering = ["-start_year", "unit__path"]
        constraints = [
            models.CheckConstraint(
                condition=Q(end_year__gte=models.F("start_year")), name="plan_period_order"
            )
        ]

    def __str__(self) -> str:
        return f"{self.name}（{self.start_year}–{self.end_year}）"

    @classmethod
    def scope_q(cls, path: str) -> Q:
        # A unit sees the plans made above it (they carry its targets) and those made below it.
        below = Q(unit__path__startswith=path)
        covers = Exists(PlanTarget.objects.filter(plan=OuterRef("pk"), unit__path__startswith=path))
        return below | Q(covers)

    @property
    def years(self) -> range:
        return range(self.start_year, self.end_year + 1)


class PlanTarget(AuditedModel, ScopedModel):
    """One unit's targets for one year of a plan. Empty values mean "no target"."""

    scope_path_lookup = "unit__path"

    plan = models.ForeignKey(
        Plan, on_delete=models.CASCADE, related_name="targets", verbose_name=_("规划")
    )
    unit = models.ForeignKey(
        "organizations.Unit",
        on_delete=models.PROTECT,
        related_name="plan_targets",
        verbose_name=_("组织"),
    )
    year = models.PositiveSmallIntegerField(_("年度"))
    new_members = models.PositiveIntegerField(_("发展新会员"), null=True, blank=True)
    main_sector_share = models.DecimalField(
        _("主界别占比%"), max_digits=5, decimal_places=2, null=True, blank=True
    )
    age_limit = models.PositiveSmallIntegerField(
        _("年龄线"), default=45, help_text=_("“年龄以下占比”所指的年龄（不含）")
    )
    under_age_share = models.DecimalField(
        _("年龄线以下占比%"), max_digits=5, decimal_places=2, null=True, blank=True
    )
    bachelor_share = models.DecimalField(
        _("本科及以上占比%"), max_digits=5, decimal_places=2, null=True, blank=True
    )
    senior_title_share = models.DecimalField(
        _("高级职称占比%"), max_digits=5, decimal_places=2, null=True, blank=True
    )
    women_share = models.DecimalField(
        _("女性占比%"), max_digits=5, decimal_places=2, null=True, blank=True
    )
    talents = models.PositiveIntegerField(_("优才人数"), null=True, blank=True)

    class Meta:
        verbose_name = _("规划目标")
        verbose_name_plural = _("规划目标")
        ordering = ["plan", "year", "unit__path"]
        constraints = [
            models.UniqueConstraint(fields=["plan", "unit", "year"], name="uniq_target_unit_year")
        ]

    def __str__(self) -> str:
        return f"{self.unit} {self.year}"


class ReportingRound(AuditedModel, ScopedModel):
    """数据报送: a unit asks the units below it to check and confirm their figures by a deadline."""

    class Kind(models.TextChoices):
        ROSTER = "roster", _("会员名册核对")
        ANNUAL = "annual", _("年度统计报表")

    class State(models.TextChoices):
        OPEN = "open", _("进行中")
        CLOSED = "closed", _("已结束")

    scope_path_lookup = "unit__path"

    title = models.CharField(_("名称"), max_length=100)
    kind = models.CharField(_("类型"), max_length=16, choices=Kind.choices, default=Kind.ANNUAL)
    year = models.PositiveSmallIntegerField(_("年度"))
    unit = models.ForeignKey(
        "organizations.Unit",
        on_delete=models.PROTECT,
        related_name="reporting_rounds",
        verbose_name=_("发起组织"),
    )
    deadline = models.DateField(_("截止日期"))
    state = models.CharField(_("状态"), max_length=16, choices=State.choices, default=State.OPEN)
    opened_by = models.CharField(_("发起人"), max_length=150, blank=True)
    opened_at = models.DateTimeField(_("发起时间"), default=timezone.now)
    closed_at = models.DateTimeField(_("结束时间"), null=True, blank=True)
    instructions = models.TextField(_("报送说明"), blank=True)

    class Meta:
        verbose_name = _("数据报送")
        verbose_name_plural = _("数据报送")
        ordering = ["-opened_at", "-id"]

    def __str__(self) -> str:
        return str(self.title)

    @classmethod
    def scope_q(cls, path: str) -> Q:
        # The units asked to report see the round too.
        asked = Exists(
            RoundConfirmation.objects.filter(round=OuterRef("pk"), unit__path__startswith=path)
        )
        return Q(unit__path__startswith=path) | Q(asked)


class RoundConfirmation(AuditedModel, ScopedModel):
    """One unit's answer in a round; a confirmation keeps the figures as they were confirmed."""

    class State(models.TextChoices):
        PENDING = "pending", _("待确认")
        CONFIRMED = "confirmed", _("已确认")

    scope_path_lookup = "unit__path"

    round = models.ForeignKey(
        ReportingRound,
        on_delete=models.CASCADE,
        related_name="confirmations",
        verbose_name=_("报送"),
    )
    unit = models.ForeignKey(
        "organizations.Unit",
        on_delete=models.PROTECT,
        related_name="round_confirmations",
        verbose_name=_("组织"),
    )
    state = models.CharField(_("状态"), max_length=16, choices=State.choices, default=State.PENDING)
    confirmed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("确认人"),
    )
    confirmed_at = models.DateTimeField(_("确认时间"), null=True, blank=True)
    snapshot = models.JSONField(_("确认时数据"), default=dict, blank=True)
    reminded_at = models.DateTimeField(_("最近提醒"), null=True, blank=True)
    reminders = models.PositiveSmallIntegerField(_("提醒次数"), default=0)
    note = models.CharField(_("说明"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("报送确认")
        verbose_name_plural = _("报送确认")
        ordering = ["round", "unit__path"]
        constraints = [models.UniqueConstraint(fields=["round", "unit"], name="uniq_round_unit")]

    def __str__(self) -> str:
        return f"{self.round} · {self.unit}"

    @property
    def is_late(self) -> bool:
        if self.state == self.State.CONFIRMED:
            # The confirming day in Asia/Shanghai: an aware datetime's .date() is the UTC day.
            confirmed = self.confirmed_at and timezone.localtime(self.confirmed_at).date()
            return bool(confirmed and confirmed > self.round.deadline)
        return timezone.localdate() > self.round.deadline


class Spell(models.Model):
    """One member's contiguous time on the roll in one unit (a derived table).

    Rebuilt from the member, transfer and status history by ``planning.spells`` whenever
    one of them is written; every as-of count is a range query on it
    (docs/decisions/0006-composition-as-of.md). On the roll on day D (the end of that day)
    means ``start <= D < end`` (an open spell has no end). The attributes the compositions
    count are copied from the member so that counting never reads the wide member table.
    """

    class Start(models.IntegerChoices):
        ADMITTED = 1, _("新发展")
        ARRIVED = 2, _("外省转入")
        MOVED_IN = 3, _("省内转入")
        RETURNED = 4, _("恢复会籍")

    class End(models.IntegerChoices):
        MOVED_OUT = 1, _("省内转出")
        TRANSFERRED_OUT = 2, _("转出外省")
        DECEASED = 3, _("去世")
        RESIGNED = 4, _("退会")
        EXPELLED = 5, _("开除")

    # No database constraints: the rows follow the member's own writes (and a bulk reset
    # drops members without signals; the demo rebuilds the whole table after it).
    member = models.ForeignKey(
        "members.Member", on_delete=models.DO_NOTHING, db_constraint=False, related_name="+"
    )
    unit = models.ForeignKey(
        "organizations.Unit", on_delete=models.DO_NOTHING, db_constraint=False, related_name="+"
    )
    start = models.DateField()
    end = models.DateField(null=True)
    start_kind = models.PositiveSmallIntegerField(choices=Start.choices)
    end_kind = models.PositiveSmallIntegerField(choices=End.choices, null=True)
    # Copies of the member's attributes (the archive keeps no history of them).
    sex = models.CharField(max_length=1, blank=True)
    ethnicity_id = models.IntegerField(null=True)
    birth_date = models.DateField(null=True)
    education_id = models.IntegerField(null=True)
    title_id = models.IntegerField(null=True)
    sector_id = models.IntegerField(null=True)
    is_talent = models.BooleanField(default=False)
    join_date = models.DateField(null=True)
    # Whether the member holds or held any political arrangement: narrows the rows read to
    # count arrangements (a few percent of the members).
    arranged = models.BooleanField(default=False)

    class Meta:
        verbose_name = _("在册时段")
        verbose_name_plural = _("在册时段")
        indexes = [
            models.Index(fields=["unit", "start"], name="spell_unit_start"),
            models.Index(fields=["start"], name="spell_start"),
            models.Index(fields=["end"], name="spell_end"),
            models.Index(fields=["unit"], condition=Q(arranged=True), name="spell_arranged"),
        ]

    def __str__(self) -> str:
        return f"{self.member_id}@{self.unit_id} {self.start}–{self.end or ''}"


class UnitFigures(models.Model):
    """One unit's own figures of one kind (counts as of given days, flows, admissions), as
    counted at the unit's own version (a derived table: docs/decisions/0045).

    ``planning.history`` reads a subtree's rows, keeps those whose ``epoch`` and ``version``
    are the current ones (``planning.freshness``) and recounts only the other units, writing
    their rows back; the worker keeps the figures readers ask for current. So a process that
    has never counted a figure reads it from here instead of scanning the subtree's spells.
    """

    # The figure: a hash of its kind and arguments (days, conditions), not of any subtree.
    key = models.CharField(max_length=40)
    unit_id = models.BigIntegerField()
    epoch = models.BigIntegerField()
    version = models.BigIntegerField()
    # The unit's own figures; null when it has none (no member matched).
    values = models.JSONField(null=True)
    counted_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("单位统计数")
        verbose_name_plural = _("单位统计数")
        constraints = [
            models.UniqueConstraint(fields=["key", "unit_id"], name="unit_figures_key_unit")
        ]

    def __str__(self) -> str:
        return f"{self.key[:8]}@{self.unit_id} v{self.epoch}.{self.version}"
