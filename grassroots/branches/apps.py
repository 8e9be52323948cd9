"""Five-izations records: funding, venue, activities, training, attendance, visits."""

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class BranchesConfig(AppConfig):
    name = "grassroots.branches"
    label = "branches"
    verbose_name = _("基层组织建设")
