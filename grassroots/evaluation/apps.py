"""Indicator schemes scored from the records, rankings, members' performance archive."""

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class EvaluationConfig(AppConfig):
    name = "grassroots.evaluation"
    label = "evaluation"
    verbose_name = _("考核评价")
