"""MLPS 2.0 (等保 2.0) level 2–3 profile: production plus password expiry and two-factor sign-in.

Use ``DJANGO_SETTINGS_MODULE=grassroots.config.settings.mlps``. Each value can still be set from
the environment (the variables named in ``settings/security.py``); these are the defaults an
assessment expects: passwords changed every 90 days, two-factor sign-in for provincial staff and
superusers, a 30-minute lockout after 5 failures, signed out after 15 idle minutes.
"""

import datetime
import os

from .production import *  # noqa: F403

GRASSROOTS_PASSWORD_MAX_AGE_DAYS = int(os.environ.get("GRASSROOTS_PASSWORD_MAX_AGE_DAYS", "90"))
GRASSROOTS_REQUIRE_2FA_ROLES = [
    r
    for r in os.environ.get("GRASSROOTS_REQUIRE_2FA_ROLES", "province-staff,superuser").split(",")
    if r
]
GRASSROOTS_LOCKOUT_MINUTES = int(os.environ.get("GRASSROOTS_LOCKOUT_MINUTES", "30"))
AXES_COOLOFF_TIME = datetime.timedelta(minutes=GRASSROOTS_LOCKOUT_MINUTES)
GRASSROOTS_SESSION_IDLE_MINUTES = int(os.environ.get("GRASSROOTS_SESSION_IDLE_MINUTES", "15"))
