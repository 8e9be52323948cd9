"""Account writes: staff accounts with a role, and API tokens stored as hashes."""

from __future__ import annotations

import hashlib
import secrets

from django.contrib.auth.models import Group
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from grassroots.accounts.models import ApiToken, Role, User
from grassroots.core import audit


@transaction.atomic
def user_create(
    *,
    username: str,
    password: str | None,
    unit,
    role: str,
    full_name: str = "",
    phone: str = "",
    must_change_password: bool = True,
    validate: bool = True,
) -> User:
    if role not in Role.values:
        raise ValidationError({"role": _("未知角色：%(role)s") % {"role": role}})
    if User.objects.filter(username=username).exists():
        raise ValidationError({"username": _("用户名%(u)s已存在") % {"u": username}})
    user = User(
        username=username,
        unit=unit,
        role=role,
        full_name=full_name,
        phone=phone,
        is_staff=role != Role.MEMBER,
        must_change_password=must_change_password,
    )
    if password:
        if validate:
            validate_password(password, user)
        user.set_password(password)
    else:
        user.set_unusable_password()
    user.save()
    user_set_role(user=user, role=role)
    return user


def user_set_role(*, user: User, role: str) -> None:
    user.groups.set([Group.objects.get_or_create(name=role)[0]])
    if user.role != role or user.is_staff != (role != Role.MEMBER):
        user.role = role
        user.is_staff = role != Role.MEMBER
        user.save(update_fields=["role", "is_staff"])


def _hash(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


@transaction.atomic
def token_create(*, user: User, name: str = "api") -> tuple[ApiToken, str]:
    """Returns the token row and the raw token, which is shown once and never stored."""
    raw = "grt_" + secrets.token_urlsafe(32)
    token = ApiToken.objects.create(user=user, name=name, prefix=raw[:12], key_hash=_hash(raw))
    audit.record(
        audit.AuditEvent.Action.CREATE, instance=token, object_repr=f"API token {token.prefix}"
    )
    return token, raw


def token_authenticate(raw: str) -> User | None:
    token = (
        ApiToken.objects.select_related("user", "user__unit").filter(key_hash=_hash(raw)).first()
    )
    if token is None or not token.is_usable or not token.user.is_active:
        return None
    ApiToken.objects.filter(pk=token.pk).update(last_used_at=timezone.now())
    return token.user


@transaction.atomic
def token_revoke(*, token: ApiToken) -> None:
    ApiToken.objects.filter(pk=token.pk, revoked_at__isnull=True).update(revoked_at=timezone.now())
    audit.record(audit.AuditEvent.Action.UPDATE, instance=token, changes={"revoked": [False, True]})


@transaction.atomic
def user_password_change(*, user: User, new_password: str) -> User:
    """A person sets their own password (already checked by the caller's form against policy)."""
    validate_password(new_password, user)
    user.set_password(new_password)
    user.must_change_password = False
    user.save(update_fields=["password", "must_change_password"])
    audit.record(audit.AuditEvent.Action.UPDATE, instance=user, operation="password_change")
    return user
