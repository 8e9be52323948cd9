"""The user: one unit decides scope, one role decides actions (through Django permissions)."""

from __future__ import annotations

import datetime

from django.contrib.auth.models import AbstractUser, UserManager
from django.db import models
from django.utils import timezone
from django.utils.crypto import salted_hmac
from django.utils.translation import gettext_lazy as _

from grassroots.core.audit import AuditedModel
from grassroots.core.scope import ScopedQuerySet


class Role(models.TextChoices):
    PROVINCE_STAFF = "province-staff", _("省委会工作人员")
    UNIT_STAFF = "unit-staff", _("市委会/组织工作人员")
    BRANCH_OFFICER = "branch-officer", _("支部负责人")
    LEADER = "leader", _("领导（只读）")
    MEMBER = "member", _("会员")


class ScopedUserManager(UserManager.from_queryset(ScopedQuerySet)):  # type: ignore[misc]
    pass


class User(AuditedModel, AbstractUser):
    audit_exclude = ("password", "last_login", "password_changed_at", "session_generation")
    scope_path_lookup = "unit__path"

    unit = models.ForeignKey(
        "organizations.Unit",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="staff",
        verbose_name=_("所属组织"),
    )
    role = models.CharField(_("角色"), max_length=20, choices=Role.choices, blank=True)
    full_name = models.CharField(_("姓名"), max_length=50, blank=True)
    phone = models.CharField(_("手机号码"), max_length=20, blank=True, db_index=True)
    must_change_password = models.BooleanField(_("须修改密码"), default=False)
    password_changed_at = models.DateTimeField(_("密码修改时间"), null=True, blank=True)
    # Bumped by "sign out everywhere": every session signed with the old value stops working.
    session_generation = models.PositiveIntegerField(default=0, editable=False)

    objects = ScopedUserManager()  # type: ignore[misc,assignment]

    class Meta:
        verbose_name = _("用户")
        verbose_name_plural = _("用户")

    def __str__(self) -> str:
        return f"{self.full_name or self.username}"

    @classmethod
    def scope_q(cls, path: str) -> models.Q:
        return models.Q(unit__path__startswith=path)

    @property
    def scope_path(self) -> str | None:
        """Staff and leaders see their unit's subtree; a plain member sees no roster."""
        if self.role == Role.MEMBER or self.unit_id is None:
            return None
        return self.unit.path if self.unit else None

    @property
    def is_provincial(self) -> bool:
        return self.is_superuser or (self.unit is not None and self.unit.parent_id is None)

    @property
    def is_read_only(self) -> bool:
        return self.role == Role.LEADER

    def set_password(self, raw_password: str | None) -> None:
        super().set_password(raw_password)
        self.password_changed_at = timezone.now()
        self._password_changed = True  # read by the audit signal after the save

    def _get_session_auth_hash(self, secret: str | None = None) -> str:
        # Django's hash (of the password hash) until the person signs out everywhere once.
        if not self.session_generation:
            return super()._get_session_auth_hash(secret=secret)  # type: ignore[misc]
        return salted_hmac(
            "grassroots.accounts.User.session",
            f"{self.password}:{self.session_generation}",
            secret=secret,
            algorithm="sha256",
        ).hexdigest()

    def password_expired(self, max_age_days: int) -> bool:
        """True when password expiry is on and the password is older than the limit."""
        if max_age_days <= 0 or not self.has_usable_password():
            return False
        changed = self.password_changed_at or self.date_joined
        return timezone.now() - changed > datetime.timedelta(days=max_age_days)


class ApiToken(models.Model):
    """A bearer token; only its hash is stored, the token is shown once."""

    user = models.ForeignKey(
        User, on_delete=models.CASCADE, related_name="api_tokens", verbose_name=_("用户")
    )
    name = models.CharField(_("名称"), max_length=100, default="api")
    prefix = models.CharField(_("前缀"), max_length=12, db_index=True)
    key_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(_("创建时间"), default=timezone.now)
    last_used_at = models.DateTimeField(_("最后使用"), null=True, blank=True)
    expires_at = models.DateTimeField(_("过期时间"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("吊销时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("API令牌")
        verbose_name_plural = _("API令牌")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.prefix}… ({self.user})"

    @property
    def is_usable(self) -> bool:
        now = timezone.now()
        return self.revoked_at is None and (self.expires_at is None or self.expires_at > now)
