"""Base class for management commands that act in a scope: ``--as USERNAME`` picks the actor.

Without ``--as`` the command acts as the system actor (recorded as "system" in the audit);
with it, the named account is bound to the acting context so services and the audit see it.
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _

from grassroots.core import context

UNKNOWN_USER_EXIT = 2


class ScopedCommand(BaseCommand):
    """Every scoped command gets ``--as``; ``self.actor`` is the user (None for the system)."""

    actor: Any = None

    def create_parser(self, prog_name: str, subcommand: str, **kwargs: Any) -> CommandParser:
        parser = super().create_parser(prog_name, subcommand, **kwargs)
        parser.add_argument(
            "--as",
            dest="acting_username",
            metavar="USERNAME",
            default=None,
            help=_("以该账号的身份执行（写入审计日志）；省略时以系统身份执行"),
        )
        return parser

    def execute(self, *args: Any, **options: Any) -> Any:
        username = options.get("acting_username")
        self.actor = resolve_actor(username) if username else None
        with context.acting(self.actor, source="cli"):
            return super().execute(*args, **options)


def resolve_actor(username: str) -> Any:
    user = (
        get_user_model()
        .objects.select_related("unit")
        .filter(username=username, is_active=True)
        .first()
    )
    if user is None:
        raise CommandError(
            _("未找到有效账号“%(u)s”（unknown or inactive user）") % {"u": username},
            returncode=UNKNOWN_USER_EXIT,
        )
    return user
