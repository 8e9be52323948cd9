"""The `grassroots` command: every Django management command, plus the project's own.

Our commands may be typed with hyphens (``grassroots add-staff``): when the hyphenated
name is not itself a command and its underscored form is, the underscored one runs.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Sequence

DEFAULT_SETTINGS = "grassroots.config.settings.dev"


def resolve_command(name: str, available: Sequence[str] | set[str] | dict) -> str:
    """``add-staff`` -> ``add_staff`` when only the latter exists; anything else unchanged."""
    if "-" not in name or name.startswith("-") or name in available:
        return name
    underscored = name.replace("-", "_")
    return underscored if underscored in available else name


def main(argv: Sequence[str] | None = None) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", DEFAULT_SETTINGS)
    args = list(sys.argv[1:] if argv is None else argv)
    from django.core.management import execute_from_command_line

    if args and "-" in args[0] and not args[0].startswith("-"):
        import django
        from django.core.management import get_commands

        django.setup()
        args[0] = resolve_command(args[0], get_commands())
    execute_from_command_line(["grassroots", *args])


if __name__ == "__main__":
    main()
