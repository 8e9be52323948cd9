"""Units of the organization tree, kept as a materialized path for one-filter subtree queries."""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from grassroots.core.audit import AuditedModel
from grassroots.core.scope import ScopedModel

PATH_WIDTH = 7  # digits per level: "0000001/0000014/"


def path_segment(pk: int) -> str:
    return f"{pk:0{PATH_WIDTH}d}/"


class UnitKind(models.Model):
    """Province committee, city committee, county committee, branch… Kinds are data."""

    class Level(models.IntegerChoices):
        PROVINCE = 1, _("省级")
        CITY = 2, _("市级")
        COUNTY = 3, _("县区级")
        GRASSROOTS = 4, _("基层")

    code = models.SlugField(_("代码"), max_length=32, unique=True)
    name = models.CharField(_("名称"), max_length=50)
    name_en = models.CharField(_("英文名称"), max_length=80, blank=True)
    level = models.PositiveSmallIntegerField(_("层级"), choices=Level.choices)
    order = models.PositiveSmallIntegerField(_("排序"), default=0)

    class Meta:
        verbose_name = _("组织类别")
        verbose_name_plural = _("组织类别")
        ordering = ["order", "id"]

    def __str__(self) -> str:
        return str(self.name)

    @property
    def is_grassroots(self) -> bool:
        return self.level == self.Level.GRASSROOTS


class Unit(AuditedModel, ScopedModel):
    scope_path_lookup = "path"

    code = models.CharField(_("组织代码"), max_length=32, unique=True)
    name = models.CharField(_("名称"), max_length=100)
    short_name = models.CharField(_("简称"), max_length=50, blank=True)
    kind = models.ForeignKey(UnitKind, on_delete=models.PROTECT, verbose_name=_("类别"))
    parent = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="children",
        verbose_name=_("上级组织"),
    )
    path = models.CharField(_("路径"), max_length=255, unique=True, editable=False)
    depth = models.PositiveSmallIntegerField(_("深度"), default=0, editable=False)
    founded_on = models.DateField(_("成立日期"), null=True, blank=True)
    is_active = models.BooleanField(_("有效"), default=True)
    order = models.PositiveIntegerField(_("排序"), default=0)

    class Meta:
        verbose_name = _("组织")
        verbose_name_plural = _("组织")
        ordering = ["path"]
        indexes = [
            models.Index(
                fields=["path"], name="unit_path_prefix", opclasses=["varchar_pattern_ops"]
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @classmethod
    def scope_q(cls, path: str) -> Q:
        return Q(path__startswith=path)

    def audit_unit_path(self) -> str:
        return self.path

    @property
    def display_name(self) -> str:
        return self.short_name or self.name

    def ancestor_paths(self) -> list[str]:
        parts = [p for p in self.path.split("/") if p]
        return ["".join(f"{p}/" for p in parts[: i + 1]) for i in range(len(parts))]

    def ancestors(self, include_self: bool = False) -> models.QuerySet[Unit]:
        paths = self.ancestor_paths()
        if not include_self:
            paths = paths[:-1]
        return Unit.objects.filter(path__in=paths).order_by("depth")

    def descendants(self, include_self: bool = True) -> models.QuerySet[Unit]:
        qs = Unit.objects.filter(path__startswith=self.path)
        return qs if include_self else qs.exclude(pk=self.pk)

    def is_within(self, other: Unit) -> bool:
        return self.path.startswith(other.path)
