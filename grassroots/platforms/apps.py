"""Proposals, information pieces, theory research and social service."""

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PlatformsConfig(AppConfig):
    name = "grassroots.platforms"
    label = "platforms"
    verbose_name = _("工作平台")

    def ready(self) -> None:
        from grassroots.platforms.services import tally

        tally.connect()
