"""Representative figures and reserve cadres, their assessments, and recommendation rounds."""

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class FiguresConfig(AppConfig):
    name = "grassroots.figures"
    label = "figures"
    verbose_name = _("代表人士")
