"""Unit tree reads, scoped to the acting user: the tree browser with member counts per unit."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.db.models import QuerySet

from grassroots.organizations.models import Unit

# Counting members belongs to an app above this one; it registers itself here (one-way imports).
MemberCounter = Callable[[Any], dict[int, int]]
_member_counter: MemberCounter | None = None


def register_member_counter(counter: MemberCounter) -> None:
    """``counter(user)`` answers {unit id: active members held directly by that unit}."""
    global _member_counter
    _member_counter = counter


def units_visible(user: Any) -> QuerySet[Unit]:
    return Unit.objects.visible_to(user)  # type: ignore[attr-defined]


@dataclass
class TreeNode:
    unit: Unit
    own: int = 0
    total: int = 0
    children: list[TreeNode] = field(default_factory=list)


def unit_tree(*, user: Any) -> list[TreeNode]:
    """The user's subtree as nested nodes with own and rolled-up counts (two queries)."""
    units = list(units_visible(user).select_related("kind").order_by("depth", "order", "code"))
    counts = _member_counter(user) if _member_counter is not None else {}
    nodes = {u.path: TreeNode(unit=u, own=counts.get(u.pk, 0)) for u in units}
    for node in nodes.values():
        # Roll each unit's own count up to every ancestor the user can see.
        for path in node.unit.ancestor_paths():
            ancestor = nodes.get(path)
            if ancestor is not None:
                ancestor.total += node.own
    roots: list[TreeNode] = []
    for unit in units:
        node = nodes[unit.path]
        parent_path = unit.path[: -len(unit.path.rstrip("/").split("/")[-1]) - 1]
        parent = nodes.get(parent_path)
        if parent is None:
            roots.append(node)
        else:
            parent.children.append(node)
    return roots


def units_for_transfer_target() -> QuerySet[Unit]:
    """Every active unit in the province: a transfer may go outside the sender's scope."""
    return Unit.objects.filter(is_active=True).order_by("path")
