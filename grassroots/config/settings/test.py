"""Tests: fast hashing, in-memory email, immediate-free task backend, per-run PostgreSQL test DB."""

import os

from .base import *  # noqa: F403
from .base import DATABASES, TASKS

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
TASKS["default"] = {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}
if DATABASES["default"]["ENGINE"] != "django.db.backends.sqlite3":
    # One test database per run, so concurrent runs on one server never drop each other's
    # database; exported so that servers and workers a test starts use the same one.
    suffix = os.environ.setdefault("GRASSROOTS_TEST_DB_SUFFIX", f"_{os.getpid()}")
    DATABASES["default"]["TEST"] = {"NAME": f"test_grassroots{suffix}"}
# WhiteNoise looks for collected static files at start-up; tests never collect them.
WHITENOISE_AUTOREFRESH = True
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
GRASSROOTS_BADGE_CACHE_SECONDS = 0  # tests see every count at once (one test turns it on)
GRASSROOTS_SIDEBAR_CACHE_SECONDS = 0  # tests see permission changes in the sidebar at once
GRASSROOTS_FILTER_CACHE_SECONDS = 0  # tests see new units and reference items in filters at once
GRASSROOTS_FIGURES_WARM_AFTER_WRITES = (
    False  # tests count figures where they read them (one test turns it on)
)
