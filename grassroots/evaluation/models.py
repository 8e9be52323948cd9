"""Evaluation schemes as data: indicator trees, grade bands, evaluations, scores and evidence."""

from __future__ import annotations

import datetime
from decimal import Decimal

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from grassroots.core.audit import AuditedModel
from grassroots.core.scope import ScopedModel
from grassroots.evaluation.sources import Subject
from grassroots.members.models import Member
from grassroots.organizations.models import Unit


def ancestor_paths(path: str) -> list[str]:
    parts = [p for p in path.split("/") if p]
    return ["".join(f"{p}/" for p in parts[: i + 1]) for i in range(len(parts))]


class Scheme(AuditedModel, ScopedModel):
    """An evaluation scheme for one year, owned by a unit and applied to units (or members) below.

    Seen by the owner's staff and everyone above them, and by the evaluated units below (a branch
    must see the scheme it is scored by).
    """

    class Status(models.TextChoices):
        DRAFT = "draft", _("草稿")
        SELF = "self", _("自评中")
        REVIEW = "review", _("上级评审中")
        PUBLISHED = "published", _("已公布")

    class RecomputeState(models.TextChoices):
        IDLE = "idle", _("未计算")
        QUEUED = "queued", _("排队中")
        RUNNING = "running", _("计算中")
        DONE = "done", _("已完成")
        FAILED = "failed", _("失败")

    unit = models.ForeignKey(
        Unit,
        on_delete=models.PROTECT,
        related_name="evaluation_schemes",
        verbose_name=_("制定组织"),
    )
    name = models.CharField(_("名称"), max_length=200)
    year = models.PositiveSmallIntegerField(_("年度"), db_index=True)
    subject = models.CharField(
        _("考核对象"), max_length=8, choices=Subject.choices, default=Subject.UNIT
    )
    subject_level = models.PositiveSmallIntegerField(
        _("考核组织层级"),
        choices=[(4, _("基层")), (3, _("县区级")), (2, _("市级"))],
        default=4,
        help_text=_("考核组织时适用：对制定组织以下该层级的组织进行考核"),
    )
    period_start = models.DateField(_("考核期开始"))
    period_end = models.DateField(_("考核期结束"))
    status = models.CharField(
        _("状态"), max_length=16, choices=Status.choices, default=Status.DRAFT
    )
    previous = models.ForeignKey(
        "self",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("上年方案"),
        help_text=_("用于同比"),
    )
    recompute_state = models.CharField(
        _("计算状态"), max_length=16, choices=RecomputeState.choices, default=RecomputeState.IDLE
    )
    recompute_done = models.PositiveIntegerField(_("已计算指标"), default=0)
    recompute_total = models.PositiveIntegerField(_("指标总数"), default=0)
    recompute_message = models.CharField(_("计算信息"), max_length=300, blank=True)
    recomputed_at = models.DateTimeField(_("计算时间"), null=True, blank=True)
    published_at = models.DateTimeField(_("公布时间"), null=True, blank=True)

    audit_exclude = ("recompute_done", "recompute_total", "recompute_message", "recompute_state")

    class Meta:
        verbose_name = _("考核方案")
        verbose_name_plural = _("考核方案")
        ordering = ["-year", "name"]

    def __str__(self) -> str:
        return f"{self.year} {self.name}"

    @classmethod
    def scope_q(cls, path: str) -> Q:
        return Q(unit__path__startswith=path) | Q(unit__path__in=ancestor_paths(path))

    @property
    def progress_percent(self) -> int:
        if not self.recompute_total:
            return 0
        return int(100 * self.recompute_done / self.recompute_total)

    @classmethod
    def default_period(cls, year: int) -> tuple[datetime.date, datetime.date]:
        return datetime.date(year, 1, 1), datetime.date(year, 12, 31)


class GradeBand(AuditedModel, ScopedModel):
    """优秀/良好/合格/不合格: a total at or above ``min_score`` earns the band (highest first)."""

    scope_path_lookup = "scheme__unit__path"

    scheme = models.ForeignKey(
        Scheme, on_delete=models.CASCADE, related_name="bands", verbose_name=_("方案")
    )
    name = models.CharField(_("等次"), max_length=20)
    min_score = models.DecimalField(_("最低分"), max_digits=7, decimal_places=2)

    class Meta:
        verbose_name = _("等次")
        verbose_name_plural = _("等次")
        ordering = ["scheme", "-min_score"]

    def __str__(self) -> str:
        return f"{self.name} ≥ {self.min_score}"

    @classmethod
    def scope_q(cls, path: str) -> Q:
        return Q(scheme__in=Scheme.objects.filter(Scheme.scope_q(path)))


class Indicator(AuditedModel, ScopedModel):
    """One node of the indicator tree.

    A leaf scores ``weight × min(value / target, 1)`` (computed) or what the evaluator entered
    (0..weight). A group scores ``weight × Σ children / Σ children's weights``.
    """

    class Method(models.TextChoices):
        GROUP = "group", _("分组")
        COMPUTED = "computed", _("依据记录自动计算")
        ENTERED = "entered", _("评审人员评分")

    scope_path_lookup = "scheme__unit__path"

    scheme = models.ForeignKey(
        Scheme, on_delete=models.CASCADE, related_name="indicators", verbose_name=_("方案")
    )
    parent = models.ForeignKey(
        "self",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="children",
        verbose_name=_("上级指标"),
    )
    code = models.CharField(_("编号"), max_length=20)
    name = models.CharField(_("名称"), max_length=200)
    weight = models.DecimalField(_("分值/权重"), max_digits=7, decimal_places=2)
    method = models.CharField(_("评分方式"), max_length=16, choices=Method.choices)
    metric = models.CharField(_("数据指标"), max_length=100, blank=True)
    params = models.JSONField(_("参数"), default=dict, blank=True)
    target = models.DecimalField(
        _("目标值"),
        max_digits=12,
        decimal_places=4,
        null=True,
        blank=True,
        help_text=_("达到目标值得满分，不足按比例计分"),
    )
    guidance = models.TextField(_("评分说明"), blank=True)
    order = models.PositiveSmallIntegerField(_("排序"), default=0)

    class Meta:
        verbose_name = _("考核指标")
        verbose_name_plural = _("考核指标")
        ordering = ["scheme", "order", "code"]
        constraints = [
            models.UniqueConstraint(fields=["scheme", "code"], name="uniq_indicator_code")
        ]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"

    @classmethod
    def scope_q(cls, path: str) -> Q:
        """Seen wherever its scheme is seen (evaluated units read the indicators too)."""
        return Q(scheme__in=Scheme.objects.filter(Scheme.scope_q(path)))


class Evaluation(AuditedModel, ScopedModel):
    """One subject (a unit, or a member) under one scheme: its total, grade, rank and step."""

    class Step(models.TextChoices):
        SELF = "self", _("自评")
        SUBMITTED = "submitted", _("已提交上级")
        REVIEWED = "reviewed", _("上级已评审")
        PUBLISHED = "published", _("已公布")

    scheme = models.ForeignKey(
        Scheme, on_delete=models.CASCADE, related_name="evaluations", verbose_name=_("方案")
    )
    unit = models.ForeignKey(
        Unit, on_delete=models.CASCADE, related_name="evaluations", verbose_name=_("组织")
    )
    member = models.ForeignKey(
        "members.Member",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="evaluations",
        verbose_name=_("会员"),
    )
    total = models.DecimalField(_("总分"), max_digits=8, decimal_places=2, default=Decimal(0))
    grade = models.CharField(_("等次"), max_length=20, blank=True)
    rank = models.PositiveIntegerField(_("排名"), null=True, blank=True)
    peers = models.PositiveIntegerField(_("参评数"), null=True, blank=True)
    step = models.CharField(_("环节"), max_length=16, choices=Step.choices, default=Step.SELF)
    self_comment = models.TextField(_("自评说明"), blank=True)
    review_comment = models.TextField(_("评审意见"), blank=True)
    submitted_by = models.CharField(_("提交人"), max_length=150, blank=True)
    submitted_at = models.DateTimeField(_("提交时间"), null=True, blank=True)
    reviewed_by = models.CharField(_("评审人"), max_length=150, blank=True)
    reviewed_at = models.DateTimeField(_("评审时间"), null=True, blank=True)
    computed_at = models.DateTimeField(_("计算时间"), null=True, blank=True)

    audit_exclude = ("total", "grade", "rank", "peers", "computed_at")

    class Meta:
        verbose_name = _("考核结果")
        verbose_name_plural = _("考核结果")
        ordering = ["scheme", "rank", "unit__path"]
        constraints = [
            models.UniqueConstraint(
                fields=["scheme", "unit"],
                condition=Q(member__isnull=True),
                name="uniq_evaluation_unit",
            ),
            models.UniqueConstraint(
                fields=["scheme", "member"],
                condition=Q(member__isnull=False),
                name="uniq_evaluation_member",
            ),
        ]

    def __str__(self) -> str:
        who = self.member if self.member_id else self.unit
        return f"{self.scheme} · {who}"

    @property
    def subject_id(self) -> int:
        return self.member_id or self.unit_id


class Score(AuditedModel, ScopedModel):
    """An indicator's value and score for one evaluation, with the evidence behind entered ones."""

    scope_path_lookup = "evaluation__unit__path"

    evaluation = models.ForeignKey(
        Evaluation, on_delete=models.CASCADE, related_name="scores", verbose_name=_("考核结果")
    )
    indicator = models.ForeignKey(
        Indicator, on_delete=models.CASCADE, related_name="scores", verbose_name=_("指标")
    )
    value = models.DecimalField(_("数据值"), max_digits=14, decimal_places=4, null=True, blank=True)
    score = models.DecimalField(_("得分"), max_digits=8, decimal_places=2, default=Decimal(0))
    self_score = models.DecimalField(
        _("自评分"), max_digits=8, decimal_places=2, null=True, blank=True
    )
    reviewed_score = models.DecimalField(
        _("评审分"), max_digits=8, decimal_places=2, null=True, blank=True
    )
    evidence = models.TextField(_("佐证说明"), blank=True)
    evidence_file = models.FileField(_("佐证材料"), upload_to="evaluation/evidence/", blank=True)
    entered_by = models.CharField(_("评分人"), max_length=150, blank=True)
    entered_at = models.DateTimeField(_("评分时间"), null=True, blank=True)

    audit_exclude = ("value", "score")

    class Meta:
        verbose_name = _("指标得分")
        verbose_name_plural = _("指标得分")
        ordering = ["evaluation", "indicator__order", "indicator__code"]
        constraints = [
            models.UniqueConstraint(fields=["evaluation", "indicator"], name="uniq_score")
        ]

    def __str__(self) -> str:
        return f"{self.indicator}: {self.score}"


class PerformanceArchive(Member):
    """Members seen through their performance archive (履职档案): the console's page per member."""

    class Meta:
        proxy = True
        verbose_name = _("履职档案")
        verbose_name_plural = _("履职档案")
