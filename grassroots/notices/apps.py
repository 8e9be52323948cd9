"""Notices to members with read receipts and replies, member tags, and QQ/WeChat group contacts."""

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class NoticesConfig(AppConfig):
    name = "grassroots.notices"
    label = "notices"
    verbose_name = _("通知与联络")
