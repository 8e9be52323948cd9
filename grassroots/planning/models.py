"""Planning tables: yearly admission quotas per unit (the five-year plan fills them)."""

from django.db import models
from django.utils.translation import gettext_lazy as _

from grassroots.core.audit import AuditedModel
from grassroots.core.scope import ScopedModel


class YearlyQuota(AuditedModel, ScopedModel):
    """How many new members a unit may admit in a year (入会名额)."""

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
