"""Writes to the unit tree: create, update, and move a subtree with every path updated at once."""

from __future__ import annotations

import datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F, Value
from django.db.models.functions import Concat, Length, Substr
from django.utils.translation import gettext as _

from grassroots.core import audit
from grassroots.organizations.models import Unit, UnitKind, path_segment


@transaction.atomic
def unit_create(
    *,
    code: str,
    name: str,
    kind: UnitKind,
    parent: Unit | None,
    short_name: str = "",
    founded_on: datetime.date | None = None,
    order: int = 0,
) -> Unit:
    if Unit.objects.filter(code=code).exists():
        raise ValidationError({"code": _("组织代码%(code)s已被使用") % {"code": code}})
    if parent is None and Unit.objects.filter(parent__isnull=True).exists():
        raise ValidationError({"parent": _("只能有一个顶层组织，请选择上级组织")})
    unit = Unit(
        code=code,
        name=name,
        short_name=short_name,
        kind=kind,
        parent=parent,
        founded_on=founded_on,
        order=order,
        path=f"tmp-{code}",
        depth=(parent.depth + 1) if parent else 0,
    )
    with audit.suppressed():
        unit.save()
    unit.path = (parent.path if parent else "") + path_segment(unit.pk)
    Unit.objects.filter(pk=unit.pk).update(path=unit.path)
    audit.mark_clean(unit)
    audit.record(
        audit.AuditEvent.Action.CREATE,
        instance=unit,
        changes={k: [None, v] for k, v in audit.snapshot(unit).items()},
    )
    return unit


@transaction.atomic
def unit_move(*, unit: Unit, new_parent: Unit) -> Unit:
    """Re-hang a subtree; every path below changes in one UPDATE."""
    unit = Unit.objects.select_for_update().get(pk=unit.pk)
    if new_parent.path.startswith(unit.path):
        raise ValidationError({"parent": _("不能把组织移到它自己或它的下级组织之下")})
    old_path, old_depth, old_parent_id = unit.path, unit.depth, unit.parent_id
    new_path = new_parent.path + path_segment(unit.pk)
    depth_delta = new_parent.depth + 1 - old_depth
    Unit.objects.filter(path__startswith=old_path).update(
        path=Concat(Value(new_path), Substr(F("path"), Length(Value(old_path)) + 1)),
        depth=F("depth") + depth_delta,
    )
    Unit.objects.filter(pk=unit.pk).update(parent=new_parent)
    unit.refresh_from_db()
    audit.record(
        audit.AuditEvent.Action.UPDATE,
        instance=unit,
        operation="unit_move",
        changes={"parent_id": [old_parent_id, new_parent.pk], "path": [old_path, new_path]},
    )
    return unit
