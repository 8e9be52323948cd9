"""Membership dues: yearly rules (flat or by income band), dues rows, payments, remittances.

A rule is set per year by the province and may be overridden by a city for its subtree; the
nearest rule up a unit's path applies. Each active member gets one dues row per year
(``DuesRecord``) holding what is due; payments (each with its own receipt number) add to
``amount_paid``; an exemption waives what is left. Per row and per unit:
due = collected + exempt + outstanding.
"""

from __future__ import annotations

from decimal import Decimal

from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from grassroots.core.audit import AuditedModel
from grassroots.core.scope import ScopedModel
from grassroots.organizations.models import Unit

ZERO = Decimal("0.00")


def ancestor_paths(path: str) -> list[str]:
    parts = [p for p in path.split("/") if p]
    return ["".join(f"{p}/" for p in parts[: i + 1]) for i in range(len(parts))]


class DuesRule(AuditedModel, ScopedModel):
    """The dues of one year for a unit's subtree (the province's, or a city's override)."""

    class Kind(models.TextChoices):
        FLAT = "flat", _("统一标准")
        BANDED = "banded", _("按收入档次")

    unit = models.ForeignKey(
        Unit, on_delete=models.PROTECT, related_name="dues_rules", verbose_name=_("制定组织")
    )
    year = models.PositiveSmallIntegerField(_("年度"), db_index=True)
    kind = models.CharField(_("计算方式"), max_length=16, choices=Kind.choices, default=Kind.FLAT)
    flat_amount = models.DecimalField(
        _("年缴金额（元）"),
        max_digits=10,
        decimal_places=2,
        null=True,
        blank=True,
        help_text=_("统一标准时填写；按收入档次时以各档金额为准"),
    )
    note = models.CharField(_("说明"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("会费标准")
        verbose_name_plural = _("会费标准")
        ordering = ["-year", "unit__path"]
        constraints = [
            models.UniqueConstraint(fields=["unit", "year"], name="uniq_dues_rule_unit_year")
        ]

    def __str__(self) -> str:
        return f"{self.year} {self.unit} {self.get_kind_display()}"

    @classmethod
    def scope_q(cls, path: str) -> Q:
        # A city sees the province's rule that applies to it, and the rules of its own subtree.
        return Q(unit__path__startswith=path) | Q(unit__path__in=ancestor_paths(path))


class IncomeBand(AuditedModel, ScopedModel):
    """One income band of a banded rule and the yearly amount due in it."""

    scope_path_lookup = "rule__unit__path"

    rule = models.ForeignKey(
        DuesRule, on_delete=models.CASCADE, related_name="bands", verbose_name=_("会费标准")
    )
    code = models.SlugField(_("代码"), max_length=32)
    name = models.CharField(_("档次"), max_length=50, help_text=_("如：月收入5000元以下"))
    amount = models.DecimalField(_("年缴金额（元）"), max_digits=10, decimal_places=2)
    is_default = models.BooleanField(
        _("默认档次"), default=False, help_text=_("生成年度会费时先按此档计，再逐人调整")
    )
    order = models.PositiveSmallIntegerField(_("排序"), default=0)

    class Meta:
        verbose_name = _("收入档次")
        verbose_name_plural = _("收入档次")
        ordering = ["rule", "order", "id"]
        constraints = [
            models.UniqueConstraint(fields=["rule", "code"], name="uniq_dues_band_rule_code")
        ]

    def __str__(self) -> str:
        return f"{self.name}（{self.amount}）"

    @classmethod
    def scope_q(cls, path: str) -> Q:
        return Q(rule__unit__path__startswith=path) | Q(rule__unit__path__in=ancestor_paths(path))


class RemitShare(AuditedModel, ScopedModel):
    """The share a unit of a given level passes to its parent of what it collects and receives.

    E.g. branches 30% (to their city), cities 10% of what they received (to the province).
    """

    scope_path_lookup = "rule__unit__path"

    rule = models.ForeignKey(
        DuesRule, on_delete=models.CASCADE, related_name="shares", verbose_name=_("会费标准")
    )
    level = models.PositiveSmallIntegerField(
        _("上缴组织层级"),
        choices=[(2, _("市级")), (3, _("县区级")), (4, _("基层"))],
    )
    share = models.DecimalField(
        _("上缴比例"), max_digits=5, decimal_places=4, help_text=_("0到1之间，如0.30表示30%")
    )

    class Meta:
        verbose_name = _("上缴比例")
        verbose_name_plural = _("上缴比例")
        ordering = ["rule", "-level"]
        constraints = [
            models.UniqueConstraint(fields=["rule", "level"], name="uniq_dues_share_rule_level")
        ]

    def __str__(self) -> str:
        return f"{self.get_level_display()} {self.share:.2%}"

    @classmethod
    def scope_q(cls, path: str) -> Q:
        return Q(rule__unit__path__startswith=path) | Q(rule__unit__path__in=ancestor_paths(path))


class ExemptReason(models.TextChoices):
    RETIRED = "retired", _("离退休")
    HARDSHIP = "hardship", _("生活困难")
    OTHER = "other", _("其他")


class DuesRecord(AuditedModel, ScopedModel):
    """One member's dues for one year: what is due, what has been paid, any exemption."""

    member = models.ForeignKey(
        "members.Member",
        on_delete=models.CASCADE,
        related_name="dues_records",
        verbose_name=_("会员"),
    )
    unit = models.ForeignKey(
        Unit, on_delete=models.PROTECT, related_name="dues_records", verbose_name=_("收缴组织")
    )
    year = models.PositiveSmallIntegerField(_("年度"))
    band = models.ForeignKey(
        IncomeBand,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="records",
        verbose_name=_("收入档次"),
    )
    months = models.PositiveSmallIntegerField(_("计费月数"), default=12)
    amount_due = models.DecimalField(_("应缴（元）"), max_digits=10, decimal_places=2)
    amount_paid = models.DecimalField(
        _("已缴（元）"), max_digits=10, decimal_places=2, default=ZERO, editable=False
    )
    exempt = models.BooleanField(_("免缴"), default=False)
    exempt_reason = models.CharField(
        _("免缴原因"), max_length=16, choices=ExemptReason.choices, blank=True
    )
    exempt_note = models.CharField(_("免缴说明"), max_length=300, blank=True)
    exempt_approved_by = models.CharField(_("批准人"), max_length=100, blank=True)
    exempt_approved_on = models.DateField(_("批准日期"), null=True, blank=True)
    created_at = models.DateTimeField(_("生成时间"), default=timezone.now, editable=False)

    class Meta:
        verbose_name = _("年度会费")
        verbose_name_plural = _("年度会费")
        ordering = ["-year", "unit__path", "member_id"]
        constraints = [
            models.UniqueConstraint(fields=["member", "year"], name="uniq_dues_member_year"),
            models.CheckConstraint(
                condition=Q(amount_paid__lte=models.F("amount_due")) & Q(amount_paid__gte=0),
                name="dues_paid_within_due",
            ),
        ]
        indexes = [models.Index(fields=["year", "unit"])]

    def __str__(self) -> str:
        return f"{self.year} {self.member}"

    @property
    def amount_exempt(self) -> Decimal:
        return self.amount_due - self.amount_paid if self.exempt else ZERO

    @property
    def amount_outstanding(self) -> Decimal:
        return ZERO if self.exempt else self.amount_due - self.amount_paid


class PaymentMethod(models.TextChoices):
    CASH = "cash", _("现金")
    TRANSFER = "transfer", _("银行转账")
    WECHAT = "wechat", _("微信")
    ALIPAY = "alipay", _("支付宝")
    OTHER = "other", _("其他")


class Payment(AuditedModel, ScopedModel):
    """One collection from a member, with its receipt; voiding keeps the number."""

    # Rows are never deleted by the application; when a member's archive is removed outright
    # (the demo reset), their dues rows and receipts go with it.
    record = models.ForeignKey(
        DuesRecord, on_delete=models.CASCADE, related_name="payments", verbose_name=_("年度会费")
    )
    unit = models.ForeignKey(
        Unit, on_delete=models.PROTECT, related_name="dues_payments", verbose_name=_("收缴组织")
    )
    amount = models.DecimalField(_("金额（元）"), max_digits=10, decimal_places=2)
    paid_on = models.DateField(_("缴费日期"))
    method = models.CharField(_("缴费方式"), max_length=16, choices=PaymentMethod.choices)
    note = models.CharField(_("备注"), max_length=200, blank=True)
    receipt_number = models.CharField(_("收据编号"), max_length=48, unique=True)
    receipt_seq = models.PositiveIntegerField(_("收据序号"))
    recorded_by = models.CharField(_("经办人"), max_length=150, blank=True)
    recorded_at = models.DateTimeField(_("登记时间"), default=timezone.now, editable=False)
    voided = models.BooleanField(_("已作废"), default=False)
    voided_at = models.DateTimeField(_("作废时间"), null=True, blank=True)
    voided_by = models.CharField(_("作废人"), max_length=150, blank=True)
    void_reason = models.CharField(_("作废原因"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("缴费记录")
        verbose_name_plural = _("缴费记录")
        ordering = ["-paid_on", "-id"]
        indexes = [models.Index(fields=["unit", "paid_on"])]

    def __str__(self) -> str:
        return f"{self.receipt_number} {self.amount}"


class Remittance(AuditedModel, ScopedModel):
    """Money a unit passes up to its parent for a dues year."""

    unit = models.ForeignKey(
        Unit, on_delete=models.PROTECT, related_name="dues_remittances", verbose_name=_("上缴组织")
    )
    to_unit = models.ForeignKey(
        Unit,
        on_delete=models.PROTECT,
        related_name="dues_remittances_received",
        verbose_name=_("接收组织"),
        editable=False,
    )
    year = models.PositiveSmallIntegerField(_("会费年度"), db_index=True)
    amount = models.DecimalField(_("金额（元）"), max_digits=12, decimal_places=2)
    remitted_on = models.DateField(_("上缴日期"))
    reference = models.CharField(_("凭证号"), max_length=100, blank=True)
    note = models.CharField(_("备注"), max_length=200, blank=True)
    recorded_by = models.CharField(_("经办人"), max_length=150, blank=True, editable=False)

    class Meta:
        verbose_name = _("会费上缴")
        verbose_name_plural = _("会费上缴")
        ordering = ["-year", "-remitted_on", "-id"]

    def __str__(self) -> str:
        return f"{self.year} {self.unit} → {self.to_unit} {self.amount}"
