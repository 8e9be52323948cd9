"""What every app stands on: scope, audit, sensitive fields, ids, pinyin, notifications."""

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CoreConfig(AppConfig):
    name = "grassroots.core"
    label = "core"
    verbose_name = _("系统")

    def ready(self) -> None:
        from grassroots.core import audit

        audit.connect_signals()
