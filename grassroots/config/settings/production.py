"""Production: keys must come from the environment (or var/), HTTPS everywhere."""

import os

from django.core.exceptions import ImproperlyConfigured

from grassroots.config.keys import load_or_create_key

# Read by base.py: a production process never generates keys into var/, it refuses to start.
os.environ["GRASSROOTS_GENERATE_KEYS"] = "0"

from .base import *  # noqa: F403
from .base import VAR_DIR

DEBUG = False
SECRET_KEY = load_or_create_key("GRASSROOTS_SECRET_KEY", VAR_DIR / "secret_key", False)
FIELD_ENCRYPTION_KEY = load_or_create_key("GRASSROOTS_FIELD_KEY", VAR_DIR / "field_key", False)
if len(SECRET_KEY) < 50:
    raise ImproperlyConfigured("GRASSROOTS_SECRET_KEY must be at least 50 characters.")
SECURE_SSL_REDIRECT = os.environ.get("GRASSROOTS_SSL_REDIRECT", "1") == "1"
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_HSTS_SECONDS = 31536000
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
SECURE_HSTS_PRELOAD = True
SESSION_COOKIE_SECURE = True
CSRF_COOKIE_SECURE = True
SECURE_CONTENT_TYPE_NOSNIFF = True
# Browsers on the intranet reach the site over HTTPS only; plain-http subresources are upgraded.
CONTENT_SECURITY_POLICY["DIRECTIVES"]["upgrade-insecure-requests"] = True  # type: ignore[assignment]  # noqa: F405
GRASSROOTS_CSP_CONSOLE_DIRECTIVES["upgrade-insecure-requests"] = True  # type: ignore[assignment]  # noqa: F405

# Web workers keep their PostgreSQL connection between requests (a new connection forks a server
# process each time); health checks drop one the server closed. SQLite opens files, not servers.
if DATABASES["default"]["ENGINE"] != "django.db.backends.sqlite3":  # noqa: F405
    DATABASES["default"]["CONN_MAX_AGE"] = int(os.environ.get("GRASSROOTS_DB_CONN_MAX_AGE", "60"))  # noqa: F405
