"""Prospects, admission conditions, the approval-and-filing procedure, the talent programme."""

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RecruitmentConfig(AppConfig):
    name = "grassroots.recruitment"
    label = "recruitment"
    verbose_name = _("组织发展")
