"""The one scope rule: a user sees their unit and everything below it, never a sibling's.

Every domain model uses ScopedQuerySet and says how it reaches a unit's materialized path,
either with ``scope_path_lookup`` (e.g. ``"unit__path"``) or by overriding ``scope_q``.
"""

from __future__ import annotations

from typing import Any

from django.db import models
from django.db.models import Q
from django.http import Http404


def user_scope_path(user: Any) -> str | None:
    """The path prefix a user may see; "" means everything, None means nothing."""
    if user is None or not getattr(user, "is_authenticated", False) or not user.is_active:
        return None
    if user.is_superuser:
        return ""
    return getattr(user, "scope_path", None)


def unit_in_scope(unit: Any, user: Any) -> bool:
    """The same rule for one unit: it lies in the user's subtree (None is never in scope)."""
    path = user_scope_path(user)
    return unit is not None and path is not None and unit.path.startswith(path)


class ScopedQuerySet(models.QuerySet):
    def visible_to(self, user: Any) -> ScopedQuerySet:
        path = user_scope_path(user)
        if path is None:
            return self.none()
        if path == "":
            return self
        return self.filter(self.model.scope_q(path))  # type: ignore[attr-defined]


ScopedManager = models.Manager.from_queryset(ScopedQuerySet)


class ScopedModel(models.Model):
    """Abstract base for models reached through a unit path."""

    scope_path_lookup: str = "unit__path"

    objects = ScopedManager()

    class Meta:
        abstract = True

    @classmethod
    def scope_q(cls, path: str) -> Q:
        return Q(**{f"{cls.scope_path_lookup}__startswith": path})


def get_visible_or_404(queryset: models.QuerySet, user: Any, **lookup: Any) -> Any:
    """Fetch one object inside the user's scope; anything else is a 404 (existence never leaks)."""
    try:
        return queryset.visible_to(user).get(**lookup)  # type: ignore[attr-defined]
    except (queryset.model.DoesNotExist, ValueError, TypeError) as exc:
        raise Http404 from exc
