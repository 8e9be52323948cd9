"""Settings shared by every profile; secrets and the database come from the environment."""

import os
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

from grassroots.config.keys import load_or_create_key

PACKAGE_DIR = Path(__file__).resolve().parents[2]
BASE_DIR = PACKAGE_DIR.parent
VAR_DIR = Path(os.environ.get("GRASSROOTS_VAR_DIR", BASE_DIR / "var"))
VAR_DIR.mkdir(parents=True, exist_ok=True)

# Missing keys are generated once into var/ on development machines; production refuses to start.
GENERATE_MISSING_KEYS = os.environ.get("GRASSROOTS_GENERATE_KEYS", "1") == "1"
SECRET_KEY = load_or_create_key(
    "GRASSROOTS_SECRET_KEY", VAR_DIR / "secret_key", GENERATE_MISSING_KEYS
)
FIELD_ENCRYPTION_KEY = load_or_create_key(
    "GRASSROOTS_FIELD_KEY", VAR_DIR / "field_key", GENERATE_MISSING_KEYS
)

DEBUG = False
ALLOWED_HOSTS = [
    h for h in os.environ.get("GRASSROOTS_ALLOWED_HOSTS", "127.0.0.1,localhost").split(",") if h
]
CSRF_TRUSTED_ORIGINS = [
    o for o in os.environ.get("GRASSROOTS_CSRF_TRUSTED_ORIGINS", "").split(",") if o
]

INSTALLED_APPS = [
    "grassroots.config.console.ConsoleConfig",  # Unfold, lighter per page
    "unfold.contrib.filters",
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django_htmx",
    "ninja",
    "django_tasks",
    "django_tasks_db",
    "axes",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "grassroots.core",
    "grassroots.organizations",
    "grassroots.accounts",
    "grassroots.members",
    "grassroots.planning",
    "grassroots.recruitment",
    "grassroots.branches",
    "grassroots.platforms",
    "grassroots.transfer",
    "grassroots.notices",
    "grassroots.evaluation",
    "grassroots.elections",
    "grassroots.figures",
    "grassroots.dues",
    "grassroots.dashboard",
    "grassroots.portal",
]

# The apps whose nav.py (console navigation) and api.py (REST routes) are collected.
GRASSROOTS_APPS = [
    a.removeprefix("grassroots.")
    for a in INSTALLED_APPS
    if a.startswith("grassroots.") and not a.startswith("grassroots.config.")
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "grassroots.core.security.ScopedCSPMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "grassroots.core.middleware.ChineseUnlessChosenMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "grassroots.accounts.middleware.AccountGuardMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "grassroots.core.middleware.RequestContextMiddleware",
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "grassroots.config.urls"
WSGI_APPLICATION = "grassroots.config.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [PACKAGE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]


def database_from_url(url: str) -> dict:
    """One database dict from a URL; SQLite gets WAL, a busy timeout and immediate transactions."""
    config: dict = dict(dj_database_url.parse(url, conn_max_age=0))
    if config["ENGINE"] == "django.db.backends.sqlite3":
        config["OPTIONS"] = {
            "timeout": 30,
            "transaction_mode": "IMMEDIATE",
            "init_command": (
                "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON;"
            ),
        }
    else:
        config["CONN_HEALTH_CHECKS"] = True
    return config


DATABASE_URL = os.environ.get("DATABASE_URL") or f"sqlite:///{VAR_DIR / 'grassroots.sqlite3'}"
DATABASES = {"default": database_from_url(DATABASE_URL)}
# The owner of the tables (PostgreSQL): migrations, audit purges and restores; never the web app.
DATABASE_OWNER_URL = os.environ.get("DATABASE_OWNER_URL", "")
# Audit rows are kept at least this long; values under 180 are refused (system check).
GRASSROOTS_AUDIT_RETENTION_DAYS = int(os.environ.get("GRASSROOTS_AUDIT_RETENTION_DAYS", "365"))
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "accounts.User"
LOGIN_URL = "/admin/login/"
from .security import *  # noqa: E402, F403  (passwords, lockout, sessions, 2FA, CSP)

LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", _("Simplified Chinese")), ("en", _("English"))]
LOCALE_PATHS = [PACKAGE_DIR / "locale"]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = VAR_DIR / "static"
STATICFILES_DIRS = [PACKAGE_DIR / "static"]
MEDIA_URL = "/media/"
MEDIA_ROOT = Path(os.environ.get("GRASSROOTS_MEDIA_ROOT", VAR_DIR / "media"))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}
DATA_UPLOAD_MAX_NUMBER_FIELDS = 10000

# The task queue: the database (django-tasks-db, the default: nothing else to run) or Redis
# (django-tasks-rq) for deployments with task workers on several machines. `grassroots worker`
# serves whichever is configured; docs/decisions/0043-task-queue-backends.md.
GRASSROOTS_TASKS = os.environ.get("GRASSROOTS_TASKS", "database")
if GRASSROOTS_TASKS not in ("database", "rq"):
    raise ImproperlyConfigured(
        f"GRASSROOTS_TASKS must be 'database' or 'rq', not {GRASSROOTS_TASKS!r}"
    )
if GRASSROOTS_TASKS == "rq":
    INSTALLED_APPS.append("django_rq")
    TASKS = {"default": {"BACKEND": "django_tasks_rq.RQBackend", "QUEUES": ["default"]}}
    RQ_QUEUES = {
        "default": {
            "URL": os.environ.get("GRASSROOTS_REDIS_URL", "redis://127.0.0.1:6379/0"),
            "DEFAULT_TIMEOUT": 3600,
        }
    }
else:
    TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default"]}}

# Member numbers: {year} of joining and a per-year {seq}; unit code is available as {unit}.
GRASSROOTS_MEMBER_NUMBER_FORMAT = os.environ.get(
    "GRASSROOTS_MEMBER_NUMBER_FORMAT", "{year}{seq:05d}"
)
GRASSROOTS_WORKER_HEARTBEAT_SECONDS = 30

# Notices: e-mail through EMAIL_BACKEND (EMAIL_HOST/PORT/USER/PASSWORD, EMAIL_USE_TLS) when on;
# SMS through a backend class (dotted path; empty = off; default writes to the log, phone masked).
GRASSROOTS_NOTICE_EMAIL = os.environ.get("GRASSROOTS_NOTICE_EMAIL", "") in ("1", "true", "yes")
GRASSROOTS_NOTICE_SMS_BACKEND = os.environ.get(
    "GRASSROOTS_NOTICE_SMS_BACKEND", "grassroots.notices.delivery.LoggingSmsBackend"
)
EMAIL_HOST = os.environ.get("GRASSROOTS_EMAIL_HOST", "localhost")
EMAIL_PORT = int(os.environ.get("GRASSROOTS_EMAIL_PORT", "25"))
EMAIL_HOST_USER = os.environ.get("GRASSROOTS_EMAIL_USER", "")
EMAIL_HOST_PASSWORD = os.environ.get("GRASSROOTS_EMAIL_PASSWORD", "")
EMAIL_USE_TLS = os.environ.get("GRASSROOTS_EMAIL_TLS", "") in ("1", "true", "yes")
DEFAULT_FROM_EMAIL = os.environ.get("GRASSROOTS_EMAIL_FROM", "grassroots@localhost")

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"redact": {"()": "grassroots.core.logging.RedactSensitiveFilter"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "filters": ["redact"]}},
    "root": {"handlers": ["console"], "level": "WARNING"},
    "loggers": {"grassroots": {"level": "INFO"}},
}

from grassroots.config.unfold import build_unfold  # noqa: E402

UNFOLD = build_unfold(GRASSROOTS_APPS)
