"""API authentication: a hashed bearer token, or the console's session (with CSRF)."""

from __future__ import annotations

from typing import Any

from django.db.models import Model
from django.http import HttpRequest
from ninja.security import HttpBearer, SessionAuth

from grassroots.accounts.services import token_authenticate
from grassroots.core import context
from grassroots.core.scope import get_visible_or_404


class TokenAuth(HttpBearer):
    def authenticate(self, request: HttpRequest, token: str) -> Any:
        user = token_authenticate(token)
        if user is None:
            return None
        request.user = user
        # Remembered (never the token itself) so that DELETE /auth/token can revoke this token.
        request.api_token_prefix = token[:12]  # type: ignore[attr-defined]
        # Re-bind the acting context so that audit rows name the API user.
        context._current.set(
            context.ActingContext(
                user=user,
                source="api",
                ip=context.current().ip,
                request_id=context.current().request_id,
            )
        )
        return user


class StaffSessionAuth(SessionAuth):
    def authenticate(self, request: HttpRequest, key: str | None) -> Any:
        user = super().authenticate(request, key)
        return user if user is not None and user.is_active else None


DEFAULT_AUTH = [TokenAuth(), StaffSessionAuth()]


def acting_user(request: HttpRequest) -> Any:
    """The user a route acts for (set by whichever auth accepted the request)."""
    return getattr(request, "auth", None)


def visible_or_404(request: HttpRequest, model: type[Model], pk: int) -> Any:
    """Row ``pk`` of ``model`` if the acting user's scope holds it; otherwise the API's 404 (a
    row outside scope and a missing row answer alike)."""
    return get_visible_or_404(model._default_manager.all(), acting_user(request), pk=pk)
