"""The members' mobile pages at /m/: sign-in, profile, sign-ups, check-in, submissions."""

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PortalConfig(AppConfig):
    name = "grassroots.portal"
    label = "portal"
    verbose_name = _("会员门户")
