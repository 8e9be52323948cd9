"""The election procedure as data: each stage names who acts (the unit itself or the level
above) and from which status it may be taken. Pure reads shared by services, console and API."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from grassroots.accounts.models import Role
from grassroots.elections.models import Election
from grassroots.organizations.models import Unit

S = Election.Status
UNIT, PARENT = "unit", "parent"
READ_ONLY_ROLES = {Role.LEADER, Role.MEMBER}


@dataclass(frozen=True)
class Stage:
    code: str
    name: Any
    actor: str  # UNIT: the unit's own staff; PARENT: the staff of the level above
    from_status: tuple[str, ...]
    to_status: str


STAGES: tuple[Stage, ...] = (
    Stage("request", gettext_lazy("换届请示"), UNIT, (), S.REQUESTED),
    Stage("approve", gettext_lazy("上级批复"), PARENT, (S.REQUESTED,), S.APPROVED),
    Stage("reject", gettext_lazy("不予批准"), PARENT, (S.REQUESTED,), S.REJECTED),
    # Recording the meeting again while the new officers have not taken office corrects it.
    Stage("meeting", gettext_lazy("选举大会及结果"), UNIT, (S.APPROVED, S.HELD), S.HELD),
    Stage("install", gettext_lazy("新一届就职"), UNIT, (S.HELD,), S.INSTALLED),
    Stage("file", gettext_lazy("结果报上级备案"), PARENT, (S.INSTALLED,), S.FILED),
)
BY_CODE = {s.code: s for s in STAGES}
OPEN_STATUSES = (S.REQUESTED, S.APPROVED, S.HELD, S.INSTALLED)


def stage(code: str) -> Stage:
    return BY_CODE[code]


def acting_unit(election: Election, st: Stage) -> Unit:
    """The unit whose staff take the stage. The root has no level above inside the platform:
    its own staff record the national committee's reply and the filing."""
    if st.actor == PARENT and election.unit.parent_id is not None:
        return election.unit.parent  # type: ignore[return-value]
    return election.unit


def why_cannot_act(user: Any, election: Election, st: Stage) -> str | None:
    """None when ``user`` may take stage ``st`` now; otherwise the Chinese reason."""
    if user is None or not getattr(user, "is_authenticated", False) or not user.is_active:
        return _("请先登录")
    if election.pk is not None and election.status not in st.from_status:
        return _("该换届选举当前状态为“%(status)s”，不能办理“%(stage)s”") % {
            "status": election.get_status_display(),
            "stage": st.name,
        }
    if user.is_superuser:
        return None
    if getattr(user, "role", None) in READ_ONLY_ROLES or not getattr(user, "role", ""):
        return _("您的角色只能查看，不能办理")
    unit = acting_unit(election, st)
    if getattr(user, "unit_id", None) != unit.pk:
        return _("“%(stage)s”须由%(unit)s的工作人员办理") % {"stage": st.name, "unit": unit.name}
    return None


def next_stages(user: Any, election: Election) -> list[Stage]:
    """The stages this user may take now (for buttons and the to-do list)."""
    return [
        st for st in STAGES if st.code != "request" and why_cannot_act(user, election, st) is None
    ]
