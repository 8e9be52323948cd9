"""The account a portal page acts as when it calls another app's services or selectors.

Services check scope with the console's rule (the user's unit subtree). In the portal a member
acts only on themselves and an officer on their branch, which the portal has already decided;
``acting_as`` hands the services the same user with that narrower (or, for a member, the own
unit's) scope, so their rules run unchanged and the audit names the real person.
"""

from __future__ import annotations

from typing import Any

from grassroots.accounts.models import Role


class ActingAs:
    """A user seen with the scope of one unit's subtree; every other attribute is the user's."""

    def __init__(self, user: Any, path: str, role: str | None = None) -> None:
        self._user = user
        self._path = path
        self._role = role

    @property
    def scope_path(self) -> str:
        return self._path

    @property
    def role(self) -> str:
        return self._role or self._user.role

    @property
    def is_read_only(self) -> bool:
        return self._role is None and bool(self._user.is_read_only)

    @property
    def is_superuser(self) -> bool:
        return False

    def __getattr__(self, name: str) -> Any:
        return getattr(self._user, name)

    def __eq__(self, other: object) -> bool:
        return self._user == (other._user if isinstance(other, ActingAs) else other)

    def __hash__(self) -> int:
        return hash(self._user)


def acting_as(user: Any, unit: Any) -> ActingAs:
    """The user with their own unit's subtree as scope and their own role."""
    return ActingAs(user, unit.path)


def acting_as_officer(user: Any, branch: Any) -> ActingAs:
    """A branch officer at work in the portal: the branch's subtree, the branch-officer role
    (a member who holds an office signs in with a member account)."""
    return ActingAs(user, branch.path, role=Role.BRANCH_OFFICER)
