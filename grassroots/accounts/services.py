"""Account writes: staff accounts with a role, and API tokens stored as hashes."""

from __future__ import annotations

import datetime
import hashlib
import secrets

from django.contrib.auth.models import Group
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _
from django_otp.plugins.otp_totp.models import TOTPDevice

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
def token_create(
    *, user: User, name: str = "api", expires_at: datetime.datetime | None = None
) -> tuple[ApiToken, str]:
    """Returns the token row and the raw token, which is shown once and never stored."""
    raw = "grt_" + secrets.token_urlsafe(32)
    token = ApiToken.objects.create(
        user=user, name=name, prefix=raw[:12], key_hash=_hash(raw), expires_at=expires_at
    )
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
    """A person sets their own password (already checked by the caller's form against policy);
    the accounts signal audits the change."""
    validate_password(new_password, user)
    user.set_password(new_password)
    user.must_change_password = False
    user.save(update_fields=["password", "password_changed_at", "must_change_password"])
    return user


@transaction.atomic
def user_sign_out_everywhere(*, user: User, revoke_tokens: bool = False) -> int:
    """Ends every session of ``user`` (console and portal); optionally revokes their API tokens.

    Sessions are signed with a per-user generation (see ``User._get_session_auth_hash``): bumping
    it makes every existing session fail its check at the next request, whichever backend stores
    the sessions. Returns the number of tokens revoked.
    """
    User.objects.filter(pk=user.pk).update(session_generation=F("session_generation") + 1)
    user.refresh_from_db(fields=["session_generation"])
    revoked = 0
    if revoke_tokens:
        for token in ApiToken.objects.filter(user=user, revoked_at__isnull=True):
            token_revoke(token=token)
            revoked += 1
    audit.record(
        audit.AuditEvent.Action.OTHER,
        instance=user,
        object_repr=user.get_username(),
        extra={"event": "sign_out_everywhere", "tokens_revoked": revoked},
    )
    return revoked


@transaction.atomic
def otp_device_start(*, user: User) -> TOTPDevice:
    """A new, unconfirmed TOTP device (replacing any unconfirmed one) to show as a QR code."""
    TOTPDevice.objects.filter(user=user, confirmed=False).delete()
    return TOTPDevice.objects.create(user=user, name="TOTP", confirmed=False)


@transaction.atomic
def otp_device_confirm(*, user: User, device: TOTPDevice, code: str) -> bool:
    """Confirms the device when ``code`` is its current code; the old confirmed device goes."""
    device = TOTPDevice.objects.select_for_update().get(pk=device.pk, user=user)
    code = "".join((code or "").split())
    if not code.isdigit() or not device.verify_token(code):
        return False
    TOTPDevice.objects.filter(user=user, confirmed=True).exclude(pk=device.pk).delete()
    device.confirmed = True
    device.save(update_fields=["confirmed"])
    audit.record(
        audit.AuditEvent.Action.OTHER,
        instance=user,
        object_repr=user.get_username(),
        extra={"event": "two_factor", "change": "enrolled"},
    )
    return True


@transaction.atomic
def otp_device_reset(*, user: User) -> int:
    """Removes the person's devices (lost phone); they enrol again at the next sign-in."""
    count, _ = TOTPDevice.objects.filter(user=user).delete()
    audit.record(
        audit.AuditEvent.Action.OTHER,
        instance=user,
        object_repr=user.get_username(),
        extra={"event": "two_factor", "change": "reset", "devices": count},
    )
    return count


@transaction.atomic
def user_unlock(*, user: User) -> int:
    """Clears the sign-in failures recorded against the account (django-axes)."""
    from grassroots.accounts.lockout import account_unlock

    count = account_unlock(username=user.get_username())
    audit.record(
        audit.AuditEvent.Action.OTHER,
        instance=user,
        object_repr=user.get_username(),
        extra={"event": "unlock", "attempts_cleared": count},
    )
    return count


TEMPORARY_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnpqrstuvwxyz23456789"


def temporary_password() -> str:
    """Twelve characters without look-alikes (0/O, 1/l/I), read out or sent by SMS once."""
    while True:
        raw = "".join(secrets.choice(TEMPORARY_ALPHABET) for _i in range(12))
        if any(c.isdigit() for c in raw) and any(c.isalpha() for c in raw):
            return raw


@transaction.atomic
def user_password_reset(*, user: User, actor: User) -> str:
    """Staff reset a password: a temporary one, shown once, to be changed at the next sign-in
    (the accounts signal audits it as set by someone else)."""
    if actor.pk == user.pk:
        raise ValidationError(_("不能用此功能重置自己的密码，请使用修改密码"))
    raw = temporary_password()
    user.set_password(raw)
    user.must_change_password = True
    user.is_active = True
    user.save(
        update_fields=["password", "password_changed_at", "must_change_password", "is_active"]
    )
    return raw


@transaction.atomic
def member_account_issue(*, member, actor: User) -> tuple[User, str]:
    """A member's portal account (role member, the member's unit): created on first issue, its
    password reset afterwards. Answers the account and its temporary password (shown once)."""
    if member.status != "active":
        raise ValidationError(_("只有在册会员可以开通会员门户账号"))
    if member.user_id is not None:
        return member.user, user_password_reset(user=member.user, actor=actor)
    base = member.member_number or f"m{member.pk}"
    username, n = base, 1
    while User.objects.filter(username=username).exists():
        n += 1
        username = f"{base}-{n}"
    raw = temporary_password()
    user = user_create(
        username=username,
        password=raw,
        unit=member.unit,
        role=Role.MEMBER,
        full_name=member.name,
        phone=member.phone,
        must_change_password=True,
        validate=False,  # random and temporary; the new password at first sign-in is validated
    )
    member.user = user
    member.save(update_fields=["user"])
    return user, raw
