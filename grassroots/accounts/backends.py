"""The lockout check that runs before the password check (django-axes).

Every sign-in a person can reach (console, portal, API token) calls ``authenticate`` with the
request, so lockout applies to all of them. Calls without a request come from code the operator
runs (tests, shell, management commands); axes cannot key those by address, so they pass through
to the password check instead of failing.
"""

from __future__ import annotations

from typing import Any

from axes.backends import AxesStandaloneBackend


class LockoutBackend(AxesStandaloneBackend):
    def authenticate(
        self, request: Any, username: str | None = None, password: str | None = None, **kwargs: Any
    ) -> None:  # type: ignore[override]
        if request is None:
            return None
        return super().authenticate(request, username=username, password=password, **kwargs)
