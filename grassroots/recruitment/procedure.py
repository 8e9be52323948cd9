"""The procedure as data, read: which stages apply to a branch, who acts on a stage, the next
and previous stage. Pure reads shared by services and selectors."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _

from grassroots.accounts.models import Role
from grassroots.organizations.models import Unit
from grassroots.recruitment.models import Application, Stage

# Roles that may never act on an application, whatever a stage row says.
READ_ONLY_ROLES = {Role.LEADER, Role.MEMBER}


def active_stages() -> list[Stage]:
    return list(Stage.objects.filter(is_active=True).order_by("order"))


def unit_chain(unit: Unit) -> list[Unit]:
    """The unit and its ancestors, root first, with their kinds loaded."""
    return list(unit.ancestors(include_self=True).select_related("kind"))


def acting_unit(chain: list[Unit], level: int) -> Unit | None:
    """The unit at ``level`` on the branch's chain; None when the tree has no such level there
    (a branch directly under the province has no city committee)."""
    for unit in reversed(chain):
        if unit.kind.level == level:
            return unit
    return None


def applicable_stages(unit: Unit, stages: list[Stage] | None = None) -> list[Stage]:
    chain = unit_chain(unit)
    return [s for s in (stages or active_stages()) if acting_unit(chain, s.actor_level)]


def next_stage(app: Application) -> Stage | None:
    stages = applicable_stages(app.unit)
    later = [s for s in stages if s.order > app.stage.order]
    return later[0] if later else None


def previous_stage(app: Application) -> Stage | None:
    stages = applicable_stages(app.unit)
    earlier = [s for s in stages if s.order < app.stage.order]
    return earlier[-1] if earlier else None


def quota_unit(unit: Unit) -> Unit:
    """Whose yearly quota an admission consumes: the unit right below the root on the branch's
    path (its city committee, or the branch itself when directly under the province)."""
    chain = unit_chain(unit)
    return chain[1] if len(chain) > 1 else chain[0]


def user_level(user: Any) -> int | None:
    unit = getattr(user, "unit", None)
    return unit.kind.level if unit is not None else None


def member_of(user: Any) -> Any:
    """The user's own member record (or None), looked up once per user object."""
    if not hasattr(user, "_recruitment_member"):
        user._recruitment_member = getattr(user, "member", None) if user.pk else None
    return user._recruitment_member


def is_applicant_or_introducer(user: Any, app: Application) -> bool:
    if app.applicant_user_id and app.applicant_user_id == user.pk:
        return True
    member = member_of(user)
    if member is not None and app.id_number_hash and member.id_number_hash == app.id_number_hash:
        return True
    return app.introducers.filter(member__user=user).exists() if app.pk else False


def why_cannot_act(user: Any, app: Application, stage: Stage | None = None) -> str | None:
    """None when ``user`` may act on ``stage`` (default: the current one) of ``app``;
    otherwise the Chinese sentence saying why not."""
    stage = stage or app.stage
    if user is None or not getattr(user, "is_authenticated", False) or not user.is_active:
        return _("请先登录")
    if user.role in READ_ONLY_ROLES or user.role not in stage.actor_roles:
        return _("“%(stage)s”环节须由%(roles)s办理，您的角色不能办理") % {
            "stage": stage.name,
            "roles": "、".join(str(Role(r).label) for r in stage.actor_roles if r in Role.values),
        }
    unit = getattr(user, "unit", None)
    if unit is None or not app.unit.path.startswith(unit.path):
        return _("该申请不在您的管理范围内")
    if unit.kind.level != stage.actor_level:
        return _("“%(stage)s”环节须由%(level)s组织办理") % {
            "stage": stage.name,
            "level": stage.get_actor_level_display(),
        }
    if stage.kind != Stage.Kind.FORM and is_applicant_or_introducer(user, app):
        return _("申请人本人或介绍人不能审批该申请")
    return None


def stages_for_user(user: Any) -> list[Stage]:
    """Stages this user's role and level could act on (scope is applied separately);
    remembered on the user object for the rest of the request."""
    cached = getattr(user, "_recruitment_stages", None)
    if cached is not None:
        return cached
    level = user_level(user)
    if level is None or user.role in READ_ONLY_ROLES:
        stages: list[Stage] = []
    else:
        stages = [
            s for s in active_stages() if s.actor_level == level and user.role in s.actor_roles
        ]
    if getattr(user, "is_authenticated", False):
        user._recruitment_stages = stages
    return stages
