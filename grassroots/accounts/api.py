"""API tokens: sign in with a username and password for a bearer token; revoke it when done."""

from __future__ import annotations

from django.contrib.auth import authenticate
from django.http import HttpRequest
from django.utils.translation import gettext
from ninja import Router, Schema
from ninja.errors import HttpError

from grassroots.accounts.models import ApiToken
from grassroots.accounts.services import token_create, token_revoke
from grassroots.api.auth import acting_user
from grassroots.api.schemas import ErrorOut
from grassroots.core import context
from grassroots.core.middleware import client_ip

PREFIX = "/auth"
router = Router(tags=["auth"])


class TokenIn(Schema):
    username: str
    password: str


class TokenOut(Schema):
    token: str


class RevokedOut(Schema):
    revoked: bool


@router.post("/token", auth=None, response={200: TokenOut, 401: ErrorOut})
def token_issue(request: HttpRequest, payload: TokenIn):
    """Exchange a username and password for a token (shown once; only its hash is stored)."""
    user = authenticate(request, username=payload.username, password=payload.password)
    # ModelBackend already refuses inactive users; the check stays explicit for other backends.
    if user is None or not user.is_active:
        raise HttpError(
            401, gettext("用户名或密码错误，或账号已停用") + " / Invalid username or password"
        )
    with context.acting(
        user,
        source="api",
        ip=client_ip(request),
        request_id=getattr(request, "request_id", ""),
    ):
        _token, raw = token_create(user=user, name="api")  # type: ignore[arg-type]
    return {"token": raw}


@router.delete("/token", response={200: RevokedOut, 400: ErrorOut})
def token_delete(request: HttpRequest):
    """Revoke the bearer token this request was made with."""
    prefix = getattr(request, "api_token_prefix", None)
    if prefix is None:
        raise HttpError(
            400,
            gettext("本请求未使用令牌（Authorization: Bearer），没有可吊销的令牌")
            + " / This request carries no bearer token to revoke",
        )
    token = ApiToken.objects.filter(
        user=acting_user(request), prefix=prefix, revoked_at__isnull=True
    ).first()
    if token is not None:
        token_revoke(token=token)
    return {"revoked": True}
