"""The pool of representative figures (代表人士) and reserve cadres (后备干部), their assessment
records, and the recommendation rounds (推荐) run for each term of a congress or CPPCC.

Political arrangements themselves stay in ``members.PoliticalArrangement`` and posts inside the
association in ``members.Officer``; a nomination remembers the arrangement its outcome created."""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from grassroots.core.audit import AuditedModel
from grassroots.core.scope import ScopedModel


class Figure(AuditedModel, ScopedModel):
    """A member entered in the pool under one category."""

    class Category(models.TextChoices):
        REPRESENTATIVE = "representative", _("代表人士")
        RESERVE = "reserve", _("后备干部")

    scope_path_lookup = "member__unit__path"

    member = models.ForeignKey(
        "members.Member", on_delete=models.CASCADE, related_name="figures", verbose_name=_("会员")
    )
    category = models.CharField(_("类别"), max_length=16, choices=Category.choices)
    since = models.DateField(_("入库日期"), default=timezone.localdate)
    domain = models.CharField(
        _("代表领域"), max_length=100, blank=True, help_text=_("如：教育界、文化界、青年")
    )
    note = models.TextField(_("备注"), blank=True)
    is_active = models.BooleanField(_("在库"), default=True)

    class Meta:
        verbose_name = _("代表人士")
        verbose_name_plural = _("代表人士和后备干部")
        ordering = ["member__pinyin_full", "id"]
        constraints = [
            models.UniqueConstraint(fields=["member", "category"], name="uniq_figure_category")
        ]

    def __str__(self) -> str:
        return f"{self.member}（{self.get_category_display()}）"

    def audit_unit_path(self) -> str:
        return self.member.unit.path


class Assessment(AuditedModel, ScopedModel):
    """考察/考核 record of a figure: when, by whom, the rating and the text."""

    class Rating(models.TextChoices):
        EXCELLENT = "excellent", _("优秀")
        COMPETENT = "competent", _("称职")
        BASIC = "basic", _("基本称职")
        INCOMPETENT = "incompetent", _("不称职")

    scope_path_lookup = "figure__member__unit__path"

    figure = models.ForeignKey(
        Figure, on_delete=models.CASCADE, related_name="assessments", verbose_name=_("代表人士")
    )
    date = models.DateField(_("考察日期"))
    assessor = models.CharField(_("考察人"), max_length=100)
    rating = models.CharField(_("评价等次"), max_length=16, choices=Rating.choices)
    text = models.TextField(_("考察意见"))
    recorded_by = models.CharField(_("记录人"), max_length=150, blank=True)

    class Meta:
        verbose_name = _("考察记录")
        verbose_name_plural = _("考察记录")
        ordering = ["-date", "-id"]

    def __str__(self) -> str:
        return f"{self.figure.member} {self.date} {self.get_rating_display()}"

    def audit_unit_path(self) -> str:
        return self.figure.member.unit.path


class Round(AuditedModel, ScopedModel):
    """A recommendation round for one term of a body, e.g. 省政协第十三届, opened by a unit
    (usually the province). Units below see it so that they can propose candidates."""

    class Status(models.TextChoices):
        OPEN = "open", _("推荐中")
        CLOSED = "closed", _("已结束")

    unit = models.ForeignKey(
        "organizations.Unit",
        on_delete=models.PROTECT,
        related_name="recommendation_rounds",
        verbose_name=_("组织单位"),
    )
    kind = models.ForeignKey(
        "members.ArrangementKind", on_delete=models.PROTECT, verbose_name=_("安排类别")
    )
    level = models.ForeignKey(
        "members.ArrangementLevel", on_delete=models.PROTECT, verbose_name=_("级别")
    )
    body = models.CharField(_("机构"), max_length=100, help_text=_("如：省政协、市人大"))
    term_number = models.PositiveSmallIntegerField(_("届次"))
    opens_on = models.DateField(_("开始日期"))
    closes_on = models.DateField(_("截止日期"))
    status = models.CharField(_("状态"), max_length=16, choices=Status.choices, default=Status.OPEN)
    note = models.TextField(_("说明"), blank=True)

    class Meta:
        verbose_name = _("推荐工作")
        verbose_name_plural = _("推荐工作")
        ordering = ["-opens_on", "-id"]

    def __str__(self) -> str:
        return self.label

    @property
    def label(self) -> str:
        return _("%(body)s第%(n)s届") % {"body": self.body, "n": self.term_number}

    @classmethod
    def scope_q(cls, path: str) -> Q:
        """The opening unit's subtree, and every unit above the user (so that a city sees the
        province's round it proposes to), never a sibling's round."""
        parts = [p for p in path.split("/") if p]
        above = ["".join(f"{p}/" for p in parts[: i + 1]) for i in range(len(parts))]
        return Q(unit__path__startswith=path) | Q(unit__path__in=above)


class Nomination(AuditedModel, ScopedModel):
    """A member proposed in a round, moving up one level at a time until the opening unit
    recommends them upward; then the outcome is recorded."""

    class Status(models.TextChoices):
        PENDING = "pending", _("待上级审核")
        RECOMMENDED = "recommended", _("已向上推荐")
        DROPPED = "dropped", _("未予推荐")
        ARRANGED = "arranged", _("已安排")
        NOT_ARRANGED = "not_arranged", _("未安排")

    scope_path_lookup = "member__unit__path"

    round = models.ForeignKey(
        Round, on_delete=models.CASCADE, related_name="nominations", verbose_name=_("推荐工作")
    )
    member = models.ForeignKey(
        "members.Member", on_delete=models.PROTECT, related_name="+", verbose_name=_("会员")
    )
    proposed_by = models.ForeignKey(
        "organizations.Unit",
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("推荐组织"),
    )
    at_unit = models.ForeignKey(
        "organizations.Unit",
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("待审核组织"),
    )
    status = models.CharField(
        _("状态"), max_length=16, choices=Status.choices, default=Status.PENDING, db_index=True
    )
    reason = models.TextField(_("推荐理由"), blank=True)
    outcome_post = models.CharField(_("安排职务"), max_length=100, blank=True)
    outcome_date = models.DateField(_("结果日期"), null=True, blank=True)
    arrangement = models.OneToOneField(
        "members.PoliticalArrangement",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="nomination",
        verbose_name=_("政治安排"),
    )
    trail = models.JSONField(_("办理记录"), default=list, blank=True)
    created_at = models.DateTimeField(_("推荐时间"), default=timezone.now, editable=False)

    class Meta:
        verbose_name = _("推荐人选")
        verbose_name_plural = _("推荐人选")
        ordering = ["round", "member__pinyin_full", "id"]
        constraints = [
            models.UniqueConstraint(fields=["round", "member"], name="uniq_nomination_member")
        ]

    def __str__(self) -> str:
        return f"{self.member} {self.round}"

    def audit_unit_path(self) -> str:
        return self.member.unit.path
