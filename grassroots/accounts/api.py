"""API tokens: sign in with a username and password for a bearer token; revoke it when done."""

from __future__ import annotations

from django.contrib.auth import authenticate
from django.contrib.auth.signals import user_logged_in, user_login_failed
from django.http import HttpRequest
from django.utils.translation import gettext
from ninja import Field, Router, Schema
from ninja.errors import HttpError

from grassroots.accounts import twofactor
from grassroots.accounts.middleware import password_change_required
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
    otp: str | None = Field(
        None, description="6-digit code from the authenticator app, when two-factor is enabled"
    )


class TokenOut(Schema):
    token: str


class RevokedOut(Schema):
    revoked: bool


@router.post(
    "/token", auth=None, response={200: TokenOut, 401: ErrorOut, 403: ErrorOut, 429: ErrorOut}
)
def token_issue(request: HttpRequest, payload: TokenIn):
    """Exchange a username and password (and ``otp`` when two-factor is on) for a token.

    The token is shown once; only its hash is stored. Failures count toward the sign-in lockout
    shared with the console and the portal: once locked, the answer is 429 with Retry-After.
    """
    user = authenticate(request, username=payload.username, password=payload.password)
    # ModelBackend already refuses inactive users; the check stays explicit for other backends.
    if user is None or not user.is_active:
        raise HttpError(
            401, gettext("用户名或密码错误，或账号已停用") + " / Invalid username or password"
        )
    if twofactor.has_device(user):
        if not payload.otp:
            # Not a failure: the client learns it must ask for the code, nothing was guessed.
            raise HttpError(
                401,
                gettext("该账号已启用两步验证，请在otp字段填写动态验证码")
                + " / Two-factor code required in 'otp'",
            )
        if twofactor.verify(user, payload.otp) is None:
            user_login_failed.send(
                sender=__name__, credentials={"username": payload.username}, request=request
            )
            raise HttpError(401, gettext("动态验证码不正确") + " / Invalid two-factor code")
    if password_change_required(user):
        raise HttpError(
            403,
            gettext("密码已过期或须修改，请先登录控制台修改密码")
            + " / Password must be changed in the console first",
        )
    # A sign-in like the console's: audited, last_login updated, the account's failures cleared.
    user_logged_in.send(sender=user.__class__, request=request, user=user)
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
