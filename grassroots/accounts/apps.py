"""Accounts: the custom user (unit + role), roles as permission groups, API tokens."""

from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


class AccountsConfig(AppConfig):
    name = "grassroots.accounts"
    label = "accounts"
    verbose_name = _("账号与权限")

    def ready(self) -> None:
        from grassroots.accounts import roles, signals

        post_migrate.connect(roles.sync_role_groups, dispatch_uid="grassroots-sync-roles")
        signals.connect()
