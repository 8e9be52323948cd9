"""参政议政: proposals, suggestions and social-conditions information, from draft to archive."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from grassroots.core.audit import AuditedModel
from grassroots.core.scope import ScopedModel
from grassroots.platforms.models.common import AuthorRow, Level, PlatformEntry


class ProposalKind(PlatformEntry):
    """集体提案, 个人提案, 建议, 社情民意信息 — kinds are data; the prefix starts the reference code."""

    prefix = models.CharField(
        _("编号前缀"), max_length=8, help_text=_("如 TA，收件编号为 TA-2026-0042")
    )
    collective = models.BooleanField(_("以组织名义"), default=False)

    class Meta(PlatformEntry.Meta):
        verbose_name = _("提案类别")
        verbose_name_plural = _("提案类别")


class ProposalStatus(models.TextChoices):
    DRAFT = "draft", _("草稿")
    SUBMITTED = "submitted", _("已提交")
    RECEIVED = "received", _("已收件")
    IN_REVIEW = "in_review", _("审核中")
    SELECTED = "selected", _("已采用")
    RETURNED = "returned", _("已退回")
    MERGED = "merged", _("已并案")
    FORWARDED = "forwarded", _("已报送")
    CONCLUDED = "concluded", _("已办结")
    ARCHIVED = "archived", _("已归档")
    WITHDRAWN = "withdrawn", _("已撤回")


class ForwardTarget(models.TextChoices):
    CPPCC = "cppcc", _("政协")
    CONGRESS = "congress", _("人大")
    GOVERNMENT = "government", _("政府部门")
    PARTY = "party", _("党派上级组织")
    OTHER = "other", _("其他")


class Satisfaction(models.TextChoices):
    SATISFIED = "satisfied", _("满意")
    BASIC = "basic", _("基本满意")
    UNSATISFIED = "unsatisfied", _("不满意")


class Proposal(AuditedModel, ScopedModel):
    """One proposal. It belongs to one unit (its first author's); co-authors never widen scope."""

    scope_path_lookup = "unit__path"
    audit_exclude = ("updated_at",)

    unit = models.ForeignKey(
        "organizations.Unit",
        on_delete=models.PROTECT,
        related_name="proposals",
        verbose_name=_("所属组织"),
    )
    kind = models.ForeignKey(ProposalKind, on_delete=models.PROTECT, verbose_name=_("类别"))
    year = models.PositiveSmallIntegerField(_("年度"))
    title = models.CharField(_("标题"), max_length=200)
    body = models.TextField(_("正文"), blank=True)
    status = models.CharField(
        _("状态"), max_length=16, choices=ProposalStatus.choices, default=ProposalStatus.DRAFT
    )
    reference_code = models.CharField(
        _("收件编号"), max_length=32, unique=True, null=True, blank=True
    )
    possible_duplicate = models.BooleanField(_("疑似重复"), default=False)
    merged_into = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="merged_from",
        verbose_name=_("并入"),
    )
    return_reason = models.TextField(_("退回理由"), blank=True)
    forward_target = models.CharField(
        _("报送对象"), max_length=16, choices=ForwardTarget.choices, blank=True
    )
    forward_organization = models.CharField(_("报送单位"), max_length=200, blank=True)
    filed_as_case = models.BooleanField(_("立案"), null=True, blank=True)
    adopted = models.BooleanField(_("被采纳"), default=False)
    adoption_level = models.ForeignKey(
        Level,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("采纳级别"),
    )
    # Kept by the service that adds instructions, so yearly statistics need no join.
    instruction_count = models.PositiveSmallIntegerField(_("领导批示数"), default=0, editable=False)
    handling_unit = models.CharField(_("承办单位"), max_length=200, blank=True)
    reply = models.TextField(_("办理答复"), blank=True)
    replied_on = models.DateField(_("答复日期"), null=True, blank=True)
    satisfaction = models.CharField(
        _("提案人满意度"), max_length=16, choices=Satisfaction.choices, blank=True
    )
    submitted_at = models.DateTimeField(_("提交时间"), null=True, blank=True)
    received_at = models.DateTimeField(_("收件时间"), null=True, blank=True)
    review_started_at = models.DateTimeField(_("审核开始"), null=True, blank=True)
    selected_at = models.DateTimeField(_("采用时间"), null=True, blank=True)
    returned_at = models.DateTimeField(_("退回时间"), null=True, blank=True)
    forwarded_on = models.DateField(_("报送日期"), null=True, blank=True)
    concluded_at = models.DateTimeField(_("办结时间"), null=True, blank=True)
    archived_at = models.DateTimeField(_("归档时间"), null=True, blank=True)
    withdrawn_at = models.DateTimeField(_("撤回时间"), null=True, blank=True)
    created_by = models.CharField(_("录入人"), max_length=150, blank=True)
    created_at = models.DateTimeField(_("录入时间"), default=timezone.now, editable=False)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    class Meta:
        verbose_name = _("提案")
        verbose_name_plural = _("提案")
        ordering = ["-year", "-id"]
        indexes = [
            models.Index(fields=["year", "unit"]),
            models.Index(fields=["year", "status"]),
        ]

    def __str__(self) -> str:
        return f"{self.reference_code or ''} {self.title}".strip()


class ProposalAuthor(AuthorRow):
    scope_path_lookup = "proposal__unit__path"

    proposal = models.ForeignKey(
        Proposal, on_delete=models.CASCADE, related_name="authors", verbose_name=_("提案")
    )

    class Meta(AuthorRow.Meta):
        verbose_name = _("提案作者")
        verbose_name_plural = _("提案作者")
        constraints = [AuthorRow.one_of_constraint("proposal_author_member_or_unit")]
        indexes = [models.Index(fields=["member", "proposal"])]


class ProposalReviewer(AuditedModel, ScopedModel):
    scope_path_lookup = "proposal__unit__path"

    proposal = models.ForeignKey(
        Proposal, on_delete=models.CASCADE, related_name="reviewers", verbose_name=_("提案")
    )
    reviewer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("审核人"),
    )
    assigned_at = models.DateTimeField(_("指派时间"), default=timezone.now)
    assigned_by = models.CharField(_("指派人"), max_length=150, blank=True)

    class Meta:
        verbose_name = _("审核人")
        verbose_name_plural = _("审核人")
        constraints = [
            models.UniqueConstraint(fields=["proposal", "reviewer"], name="uniq_proposal_reviewer")
        ]

    def __str__(self) -> str:
        return str(self.reviewer)


class ProposalNote(AuditedModel, ScopedModel):
    """A reviewer's private note: shown to staff only, never to the authors or the portal."""

    scope_path_lookup = "proposal__unit__path"

    proposal = models.ForeignKey(
        Proposal, on_delete=models.CASCADE, related_name="notes", verbose_name=_("提案")
    )
    author = models.CharField(_("记录人"), max_length=150)
    text = models.TextField(_("内容"))
    created_at = models.DateTimeField(_("时间"), default=timezone.now)

    class Meta:
        verbose_name = _("审核意见")
        verbose_name_plural = _("审核意见")
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return self.text[:40]


class ProposalSimilarity(models.Model):
    """A possible duplicate found when the proposal was submitted (score: bigram Jaccard)."""

    proposal = models.ForeignKey(
        Proposal, on_delete=models.CASCADE, related_name="similar", verbose_name=_("提案")
    )
    other = models.ForeignKey(
        Proposal, on_delete=models.CASCADE, related_name="+", verbose_name=_("相似提案")
    )
    title_score = models.FloatField(_("标题相似度"))
    text_score = models.FloatField(_("全文相似度"))

    class Meta:
        verbose_name = _("相似提案")
        verbose_name_plural = _("相似提案")
        ordering = ["-text_score", "-title_score"]
        constraints = [
            models.UniqueConstraint(fields=["proposal", "other"], name="uniq_proposal_similarity")
        ]

    def __str__(self) -> str:
        return f"{self.proposal_id}~{self.other_id}"


class LeaderInstruction(AuditedModel, ScopedModel):
    """领导批示: a leader's written instruction on a proposal, with the leader's level."""

    scope_path_lookup = "proposal__unit__path"

    proposal = models.ForeignKey(
        Proposal, on_delete=models.CASCADE, related_name="instructions", verbose_name=_("提案")
    )
    leader = models.CharField(_("批示领导"), max_length=100)
    level = models.ForeignKey(
        Level, on_delete=models.PROTECT, related_name="+", verbose_name=_("领导级别")
    )
    text = models.TextField(_("批示内容"))
    instructed_on = models.DateField(_("批示日期"))

    class Meta:
        verbose_name = _("领导批示")
        verbose_name_plural = _("领导批示")
        ordering = ["instructed_on", "id"]

    def __str__(self) -> str:
        return f"{self.leader} {self.instructed_on}"
