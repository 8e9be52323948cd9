"""Reference data shared by the platforms: levels (national, provincial, …) and the author row."""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from grassroots.core.audit import AuditedModel
from grassroots.core.scope import ScopedModel


class PlatformEntry(models.Model):
    """An editable reference list entry, seeded by a migration."""

    code = models.SlugField(_("代码"), max_length=32, unique=True)
    name = models.CharField(_("名称"), max_length=50)
    name_en = models.CharField(_("英文名称"), max_length=80, blank=True)
    order = models.PositiveSmallIntegerField(_("排序"), default=0)
    is_active = models.BooleanField(_("有效"), default=True)

    class Meta:
        abstract = True
        ordering = ["order", "id"]

    def __str__(self) -> str:
        return str(self.name)


class Level(PlatformEntry):
    """National, provincial, city, county, the party's own publications…: where a thing landed."""

    rank = models.PositiveSmallIntegerField(_("等级"), default=0, help_text=_("越大级别越高"))

    class Meta(PlatformEntry.Meta):
        verbose_name = _("级别")
        verbose_name_plural = _("级别")


class AuthorRow(AuditedModel, ScopedModel):
    """One credited author, in order: a member or a whole unit (exactly one of the two)."""

    member = models.ForeignKey(
        "members.Member",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("会员"),
    )
    author_unit = models.ForeignKey(
        "organizations.Unit",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("署名组织"),
    )
    order = models.PositiveSmallIntegerField(_("署名顺序"), default=1)

    class Meta:
        abstract = True
        ordering = ["order", "id"]

    def __str__(self) -> str:
        return str(self.member or self.author_unit or "")

    @classmethod
    def one_of_constraint(cls, name: str) -> models.CheckConstraint:
        return models.CheckConstraint(
            condition=(Q(member__isnull=False, author_unit__isnull=True))
            | (Q(member__isnull=True, author_unit__isnull=False)),
            name=name,
        )
