"""Sign-in events in the audit log: sign-in, failure, lockout, sign-out and password changes."""

from __future__ import annotations

from typing import Any

from axes.signals import user_locked_out
from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.db.models.signals import post_save

from grassroots.accounts.models import User
from grassroots.core import audit, context
from grassroots.core.logging import redact
from grassroots.core.middleware import client_ip
from grassroots.core.models import AuditEvent

# AuditEvent.Action has no dedicated values for these; OTHER with extra["event"] names them.
EVENT_LOCKOUT = "lockout"
EVENT_PASSWORD_CHANGE = "password_change"
EVENT_SESSION_EXPIRED = "session_expired"
EVENT_SIGN_OUT_EVERYWHERE = "sign_out_everywhere"
EVENT_OTP = "two_factor"


def source_of(request: Any) -> str:
    path = getattr(request, "path_info", "") or ""
    if path.startswith("/api/"):
        return "api"
    if path.startswith("/m/"):
        return "portal"
    return "web"


def as_request(request: Any, user: Any = None) -> Any:
    """The acting context of a request made by ``user`` (the middleware bound the anonymous one)."""
    if request is None:
        return context.acting(user, source="system")
    return context.acting(
        user,
        source=source_of(request),
        ip=client_ip(request),
        request_id=getattr(request, "request_id", ""),
    )


def _user_named(username: str | None) -> User | None:
    if not username:
        return None
    return User.objects.select_related("unit").filter(username=username).first()


def _on_logged_in(sender: Any, request: Any, user: User, **kwargs: Any) -> None:
    with as_request(request, user):
        audit.record(AuditEvent.Action.LOGIN, instance=user, object_repr=user.get_username())


def _on_logged_out(sender: Any, request: Any, user: User | None, **kwargs: Any) -> None:
    if user is None:
        return
    reason = getattr(request, "_grassroots_logout_reason", "") if request is not None else ""
    with as_request(request, user):
        audit.record(
            AuditEvent.Action.LOGOUT,
            instance=user,
            object_repr=user.get_username(),
            extra={"reason": reason} if reason else None,
        )


def _on_login_failed(sender: Any, credentials: dict, request: Any = None, **kwargs: Any) -> None:
    # The attempted name may be a phone or ID number typed into the wrong box: stored redacted.
    attempted = redact(str(credentials.get("username") or ""))[:150]
    known = _user_named(credentials.get("username"))
    extra: dict[str, Any] = {"username": attempted}
    if request is not None and getattr(request, "axes_locked_out", False):
        extra["locked_out"] = True
    with as_request(request):
        audit.record(
            AuditEvent.Action.LOGIN_FAILED,
            object_type="accounts.user",
            object_id=str(known.pk) if known else "",
            object_repr=attempted,
            unit_path=(known.unit.path if known and known.unit else ""),
            extra=extra,
        )


def _on_locked_out(
    sender: Any, request: Any = None, username: str | None = None, **kwargs: Any
) -> None:
    known = _user_named(username)
    with as_request(request):
        audit.record(
            AuditEvent.Action.OTHER,
            object_type="accounts.user",
            object_id=str(known.pk) if known else "",
            object_repr=redact(str(username or ""))[:150],
            unit_path=(known.unit.path if known and known.unit else ""),
            extra={"event": EVENT_LOCKOUT, "ip": kwargs.get("ip_address") or ""},
        )


def _on_user_saved(
    sender: Any, instance: User, created: bool, raw: bool = False, **kwargs: Any
) -> None:
    if raw or not getattr(instance, "_password_changed", False):
        return
    if kwargs.get("update_fields") == frozenset({"password"}):
        # Django re-hashing a verified password with a newer hasher: the password is the same.
        instance._password_changed = False  # type: ignore[attr-defined]
        return
    instance._password_changed = False  # type: ignore[attr-defined]
    if created:
        return  # the creation event already says an account with a password exists
    actor = context.current().user
    by_self = (
        actor is not None and getattr(actor, "is_authenticated", False) and actor.pk == instance.pk
    )
    by_other = actor is not None and getattr(actor, "is_authenticated", False) and not by_self
    # A password someone else set is temporary: its owner chooses their own at the next request.
    must_change = True if by_other else (False if by_self else instance.must_change_password)
    if must_change != instance.must_change_password:
        User.objects.filter(pk=instance.pk).update(must_change_password=must_change)
        instance.must_change_password = must_change
    audit.record(
        AuditEvent.Action.OTHER,
        instance=instance,
        object_repr=instance.get_username(),
        extra={"event": EVENT_PASSWORD_CHANGE, "by_self": by_self},
    )


def connect() -> None:
    user_logged_in.connect(_on_logged_in, dispatch_uid="grassroots-audit-login")
    user_logged_out.connect(_on_logged_out, dispatch_uid="grassroots-audit-logout")
    user_login_failed.connect(_on_login_failed, dispatch_uid="grassroots-audit-login-failed")
    user_locked_out.connect(_on_locked_out, dispatch_uid="grassroots-audit-lockout")
    post_save.connect(_on_user_saved, sender=User, dispatch_uid="grassroots-audit-password")
