"""Yearly figures per unit, derived from the records and kept current on every write."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from grassroots.core.scope import ScopedModel


class PlatformTally(ScopedModel):
    """One unit's figures for one year (records it owns directly; metric → number, decimals
    as strings). Derived data: rebuilt from the records at any time (``tally_rebuild``), so it
    is not audited."""

    scope_path_lookup = "unit__path"

    unit = models.ForeignKey(
        "organizations.Unit", on_delete=models.CASCADE, related_name="+", verbose_name=_("组织")
    )
    year = models.PositiveSmallIntegerField(_("年度"))
    values = models.JSONField(_("统计值"), default=dict)
    refreshed_at = models.DateTimeField(_("更新时间"), auto_now=True)

    class Meta:
        verbose_name = _("平台年度统计")
        verbose_name_plural = _("平台年度统计")
        constraints = [models.UniqueConstraint(fields=["year", "unit"], name="uniq_platform_tally")]
        default_permissions = ("view",)

    def __str__(self) -> str:
        return f"{self.unit_id} {self.year}"
