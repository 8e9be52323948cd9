"""Leadership terms of every unit and the election (换届选举) procedure that renews them."""

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ElectionsConfig(AppConfig):
    name = "grassroots.elections"
    label = "elections"
    verbose_name = _("换届选举")
