"""Callbacks referenced from the UNFOLD settings."""

from django.conf import settings
from django.utils.translation import gettext as _


def environment(request):
    if settings.DATABASES["default"]["ENGINE"].endswith("sqlite3"):
        return [_("嵌入式数据库"), "info"]
    return None
