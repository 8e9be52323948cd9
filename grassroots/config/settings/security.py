"""Authentication and browser security shared by every profile (imported by base.py).

Passwords, lockout (django-axes), idle sessions, two-factor sign-in (django-otp) and the
Content Security Policy (django-csp). The production profile tightens cookies and HTTPS; the
``mlps`` profile adds password expiry and two-factor for provincial roles.
See docs/decisions/0041-authentication-and-browser-security.md.
"""

import datetime
import os

from csp.constants import NONE, SELF

# --- passwords ------------------------------------------------------------------------------

AUTH_PASSWORD_VALIDATORS = [
    {
        "NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator",
        "OPTIONS": {"user_attributes": ("username", "full_name", "phone", "email")},
    },
    {
        "NAME": "grassroots.accounts.passwords.MinimumLengthValidator",
        "OPTIONS": {"min_length": 10},
    },
    {"NAME": "grassroots.accounts.passwords.LettersAndDigitsValidator"},
    {"NAME": "grassroots.accounts.passwords.CommonPasswordValidator"},
]
# One password per line (case-insensitive), checked on top of Django's bundled list.
GRASSROOTS_EXTRA_COMMON_PASSWORDS = os.environ.get("GRASSROOTS_EXTRA_COMMON_PASSWORDS", "")
# Days after which a password must be changed at the next request; 0 switches expiry off.
GRASSROOTS_PASSWORD_MAX_AGE_DAYS = int(os.environ.get("GRASSROOTS_PASSWORD_MAX_AGE_DAYS", "0"))

# --- lockout (django-axes) ------------------------------------------------------------------

AUTHENTICATION_BACKENDS = [
    "grassroots.accounts.backends.LockoutBackend",
    "django.contrib.auth.backends.ModelBackend",
]
GRASSROOTS_LOCKOUT_FAILURES_PER_ACCOUNT = int(
    os.environ.get("GRASSROOTS_LOCKOUT_FAILURES_PER_ACCOUNT", "5")
)
# Higher than per account: colleagues behind one office NAT share an address.
GRASSROOTS_LOCKOUT_FAILURES_PER_IP = int(os.environ.get("GRASSROOTS_LOCKOUT_FAILURES_PER_IP", "30"))
GRASSROOTS_LOCKOUT_MINUTES = int(os.environ.get("GRASSROOTS_LOCKOUT_MINUTES", "15"))
AXES_HANDLER = "grassroots.accounts.lockout.LockoutHandler"
AXES_LOCKOUT_PARAMETERS = ["username", "ip_address"]
AXES_FAILURE_LIMIT = GRASSROOTS_LOCKOUT_FAILURES_PER_ACCOUNT
AXES_COOLOFF_TIME = datetime.timedelta(minutes=GRASSROOTS_LOCKOUT_MINUTES)
AXES_RESET_ON_SUCCESS = True
AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT = False
AXES_LOCKOUT_CALLABLE = "grassroots.accounts.lockout.lockout_response"
AXES_CLIENT_IP_CALLABLE = "grassroots.core.middleware.client_ip"
AXES_USERNAME_CALLABLE = "grassroots.accounts.lockout.attempt_username"
AXES_ENABLE_ADMIN = False  # unlocking is a scoped action on the user list
AXES_SENSITIVE_PARAMETERS = ["username", "login", "ip_address", "password", "otp", "id_number"]
AXES_VERBOSE = False
AXES_DISABLE_ACCESS_LOG = True  # successful sign-ins are in the audit log already

# --- sessions -------------------------------------------------------------------------------

# Unfold's sign-in form posts no "next" when opened directly; land on the console, not a 404.
LOGIN_REDIRECT_URL = "/admin/"

# Signed out after this many idle minutes (console, portal and API session use).
GRASSROOTS_SESSION_IDLE_MINUTES = int(os.environ.get("GRASSROOTS_SESSION_IDLE_MINUTES", "30"))
SESSION_COOKIE_AGE = 12 * 3600  # an absolute cap: a working day
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"

# --- two-factor sign-in (django-otp, TOTP) --------------------------------------------------

OTP_TOTP_ISSUER = "Grassroots"
# Roles whose staff must enrol a TOTP device before using the console (e.g. "province-staff");
# "superuser" stands for superusers.
GRASSROOTS_REQUIRE_2FA_ROLES: list[str] = [
    r for r in os.environ.get("GRASSROOTS_REQUIRE_2FA_ROLES", "").split(",") if r
]

# --- Content Security Policy (django-csp) ---------------------------------------------------

# Everything is served by the site itself; nothing inline runs outside the console.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [SELF, "data:"],
        "font-src": [SELF],
        "connect-src": [SELF],
        "object-src": [NONE],
        "base-uri": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
    }
}
# The console (Unfold) runs Alpine.js, which evaluates its attribute expressions ('unsafe-eval'),
# and sets inline styles. 'unsafe-inline' scripts are allowed only because of the console's
# inline <script> blocks, listed in core/tests/test_csp.py::INLINE_SCRIPTS; when that list is
# empty, drop it. These relaxations apply under /admin/ only (grassroots.core.security).
GRASSROOTS_CSP_CONSOLE_PREFIX = "/admin/"
GRASSROOTS_CSP_CONSOLE_DIRECTIVES = {
    **CONTENT_SECURITY_POLICY["DIRECTIVES"],
    "script-src": [SELF, "'unsafe-inline'", "'unsafe-eval'"],
    "style-src": [SELF, "'unsafe-inline'"],
}
