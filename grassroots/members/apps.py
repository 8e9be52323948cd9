"""The member archive: members, reference lists, status history, transfers, officers."""

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MembersConfig(AppConfig):
    name = "grassroots.members"
    label = "members"
    verbose_name = _("会员档案")
