"""Who is acting, from which request: one context variable read by audit and services."""

from __future__ import annotations

import contextlib
import uuid
from collections.abc import Iterator
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class ActingContext:
    user: Any = None  # accounts.User or None for the system actor
    request_id: str = field(default_factory=lambda: uuid.uuid4().hex)
    ip: str = ""
    source: str = "system"  # web, api, cli, task, system

    @property
    def actor_username(self) -> str:
        if self.user is not None and getattr(self.user, "is_authenticated", False):
            return self.user.get_username()
        return "system"

    @property
    def actor_unit_code(self) -> str:
        unit = getattr(self.user, "unit", None) if self.user is not None else None
        return getattr(unit, "code", "") or ""


def actor_name(actor: Any) -> str:
    """The name written into "recorded by" columns: the username, or "system"."""
    if actor is not None and getattr(actor, "is_authenticated", False):
        return str(actor.get_username())
    return "system"


_current: ContextVar[ActingContext | None] = ContextVar("grassroots_acting", default=None)


def current() -> ActingContext:
    return _current.get() or ActingContext()


@contextlib.contextmanager
def acting(
    user: Any = None, *, source: str = "system", ip: str = "", request_id: str = ""
) -> Iterator[ActingContext]:
    ctx = ActingContext(user=user, source=source, ip=ip, request_id=request_id or uuid.uuid4().hex)
    token = _current.set(ctx)
    try:
        yield ctx
    finally:
        _current.reset(token)
