"""Reads of the notices app: a member's notices, staff's notices and read rates, contacts."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.db.models import Count, F, FilteredRelation, Q, QuerySet
from django.http import Http404

from grassroots.core.scope import get_visible_or_404, user_scope_path
from grassroots.members.models import Member, MemberStatus
from grassroots.notices.models import Notice, NoticeAttachment, NoticeRecipient, UnitGroup
from grassroots.organizations.models import Unit

# --- a member's own notices ----------------------------------------------------------------


def notices_for_member(member: Member) -> QuerySet[Notice]:
    """Published notices addressed to the member, unread first, newest first; each carries the
    member's own ``read_at``, ``replied_at`` and ``reply_choice``."""
    return (
        Notice.objects.annotate(
            mine=FilteredRelation("recipients", condition=Q(recipients__member=member))
        )
        .filter(mine__isnull=False, state=Notice.State.PUBLISHED)
        .annotate(
            read_at=F("mine__read_at"),
            replied_at=F("mine__replied_at"),
            reply_choice=F("mine__reply_choice"),
            reply_comment=F("mine__reply_comment"),
        )
        .select_related("unit")
        .order_by(F("mine__read_at").asc(nulls_first=True), "-published_at", "-id")
    )


def unread_count(member: Member | None) -> int:
    if member is None:
        return 0
    return NoticeRecipient.objects.filter(
        member=member, read_at__isnull=True, notice__state=Notice.State.PUBLISHED
    ).count()


def notice_for_member_or_404(member: Member, notice_id: Any) -> Notice:
    """The notice if it was addressed to this member; any other notice is a 404."""
    try:
        return notices_for_member(member).get(pk=notice_id)
    except (Notice.DoesNotExist, ValueError, TypeError) as exc:
        raise Http404 from exc


def attachment_for_member_or_404(member: Member, attachment_id: Any) -> NoticeAttachment:
    try:
        return NoticeAttachment.objects.select_related("notice").get(
            pk=attachment_id,
            notice__state=Notice.State.PUBLISHED,
            notice__recipients__member=member,
        )
    except (NoticeAttachment.DoesNotExist, ValueError, TypeError) as exc:
        raise Http404 from exc


def groups_for_member(member: Member) -> QuerySet[UnitGroup]:
    """The QQ/WeChat groups of the member's unit and of the units above it, nearest first."""
    return (
        UnitGroup.objects.filter(unit__path__in=member.unit.ancestor_paths())
        .select_related("unit")
        .order_by("-unit__depth", "order", "id")
    )


# --- staff ---------------------------------------------------------------------------------


def notices_visible(user: Any) -> QuerySet[Notice]:
    return Notice.objects.visible_to(user).select_related("unit")


@dataclass
class RateRow:
    unit: Unit
    total: int = 0
    read: int = 0
    replied: int = 0
    drill: bool = False  # the unit has recipients below it: the page can open it
    own: bool = False  # the focus unit's own members (not its subtree)

    @property
    def unread(self) -> int:
        return self.total - self.read

    @property
    def rate(self) -> float:
        return self.read / self.total if self.total else 0.0

    @property
    def percent(self) -> str:
        return f"{self.rate * 100:.1f}"

    @property
    def rate_text(self) -> str:
        return f"{self.rate * 100:.1f}%"


@dataclass
class ReadRate:
    notice: Notice
    focus: Unit
    rows: list[RateRow] = field(default_factory=list)
    total: RateRow | None = None
    trail: list[Unit] = field(default_factory=list)


def _scope_path(user: Any) -> str:
    path = user_scope_path(user)
    if path is None:
        raise Http404
    return path


def rate_focus(notice: Notice, user: Any, unit_id: Any = None) -> Unit:
    """The unit the read-rate page looks at: the notice's unit by default, or one inside both
    the notice's subtree and the user's scope (anything else is a 404)."""
    if unit_id in (None, ""):
        path = _scope_path(user)
        if notice.unit.path.startswith(path):
            return notice.unit
        # A notice from above that the user can see through a deeper unit: start at their unit.
        return get_visible_or_404(Unit.objects.all(), user, path=path)
    unit = get_visible_or_404(Unit.objects.all(), user, pk=unit_id)
    if not unit.path.startswith(notice.unit.path):
        raise Http404
    return unit


def read_rate(*, notice: Notice, user: Any, unit_id: Any = None) -> ReadRate:
    """Recipients, read and replied per unit below the focus unit (each row rolled up over its
    subtree), plus the focus unit's own members. One grouped query plus the unit names."""
    focus = rate_focus(notice, user, unit_id)
    grouped = (
        NoticeRecipient.objects.filter(notice=notice, unit__path__startswith=focus.path)
        .values("unit_id", "unit__path")
        .annotate(total=Count("id"), read=Count("read_at"), replied=Count("replied_at"))
        .order_by()
    )
    children = {u.path: u for u in Unit.objects.filter(parent=focus).select_related("kind")}
    rows: dict[str, RateRow] = {}
    own = RateRow(unit=focus, own=True)
    total = RateRow(unit=focus)
    depth_cut = len(focus.path)
    for g in grouped:
        path = g["unit__path"]
        total.total += g["total"]
        total.read += g["read"]
        total.replied += g["replied"]
        if path == focus.path:
            target = own
        else:
            child_path = path[: path.index("/", depth_cut) + 1]
            child = children.get(child_path)
            if child is None:
                continue
            target = rows.setdefault(child_path, RateRow(unit=child))
            target.drill = True
        target.total += g["total"]
        target.read += g["read"]
        target.replied += g["replied"]
    ordered = [rows[p] for p in sorted(rows)]
    if own.total:
        ordered.insert(0, own)
    trail = [u for u in focus.ancestors(include_self=True) if u.path.startswith(notice.unit.path)]
    path = user_scope_path(user) or ""
    trail = [u for u in trail if u.path.startswith(path)]
    return ReadRate(notice=notice, focus=focus, rows=ordered, total=total, trail=trail)


def recipients_of_unit(*, notice: Notice, focus: Unit, subtree: bool = False) -> QuerySet:
    qs = NoticeRecipient.objects.filter(notice=notice)
    qs = qs.filter(unit__path__startswith=focus.path) if subtree else qs.filter(unit=focus)
    return qs.select_related("member", "unit").order_by(
        F("read_at").asc(nulls_first=True), "unit__path", "member__name", "pk"
    )


# --- contacts ------------------------------------------------------------------------------


def contacts_of_unit(*, unit: Unit) -> QuerySet[Member]:
    """Active members of the unit's subtree who have a phone number, for the groups' contact
    lists (the caller has checked the unit against the user's scope)."""
    return (
        Member.objects.filter(unit__path__startswith=unit.path, status=MemberStatus.ACTIVE)
        .exclude(phone="")
        .select_related("unit")
        .defer("id_number")
        .order_by("unit__path", "pinyin_full", "pk")
    )
