"""Django settings for Walk the Talk.

Environment:
- ``WALKTHETALK_ENV``: ``development`` (default), ``test`` (set by the test suite's runners) or
  ``production``.
- ``WALKTHETALK_DATA``: data folder for the SQLite database and secret key.
- ``DATABASE_URL``: use this database (e.g. PostgreSQL) instead of SQLite.
- ``WALKTHETALK_SECRET_KEY``: secret key; required in production, otherwise generated once
  into the data folder.
- ``WALKTHETALK_ALLOWED_HOSTS``: comma-separated host names; required in production.
- ``WALKTHETALK_TRUSTED_PROXY``: comma-separated addresses (or networks) of the TLS proxy in
  front; only requests from there have their ``X-Forwarded-Proto``/``-For``/``-Host`` honoured.

Importing these settings writes nothing (see ``walkthetalk.site.paths``).
"""

from __future__ import annotations

import os
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

from walkthetalk.site.paths import DATABASE_FILE, data_dir, secret_key

ENV = os.environ.get("WALKTHETALK_ENV", "development")
PRODUCTION = ENV == "production"
DATA_DIR = data_dir()

if PRODUCTION:
    # Production never runs on a key written quietly to disk or on guessed host names.
    _missing = [
        name
        for name in ("WALKTHETALK_SECRET_KEY", "WALKTHETALK_ALLOWED_HOSTS")
        if not os.environ.get(name, "").strip()
    ]
    if _missing:
        raise ImproperlyConfigured(
            "Walk the Talk will not start in production without "
            + " and ".join(_missing)
            + " (see docs/operations.md)."
        )
    SECRET_KEY = os.environ["WALKTHETALK_SECRET_KEY"].strip()
else:
    SECRET_KEY = secret_key(DATA_DIR)
DEBUG = ENV == "development" and os.environ.get("WALKTHETALK_DEBUG") == "1"
ALLOWED_HOSTS = [
    h.strip()
    for h in os.environ.get("WALKTHETALK_ALLOWED_HOSTS", "127.0.0.1,localhost").split(",")
    if h.strip()
]
# Behind TLS the browser's origin is https://<an allowed host>.
CSRF_TRUSTED_ORIGINS = [
    f"https://*{host}" if host.startswith(".") else f"https://{host}"
    for host in ALLOWED_HOSTS
    if host != "*"
]
TRUSTED_PROXIES = [
    a.strip() for a in os.environ.get("WALKTHETALK_TRUSTED_PROXY", "").split(",") if a.strip()
]

INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django_htmx",
    "ninja",
    "django_tasks",
    "django_tasks_db",
    "axes",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "walkthetalk.site",
    "walkthetalk.caremap",
    "walkthetalk.pulse",
    "walkthetalk.conversations",
    "walkthetalk.agenda",
    "walkthetalk.messenger",
    "walkthetalk.reports",
]

MIDDLEWARE = [
    "walkthetalk.site.faults.RefuseBadBytesMiddleware",
    "walkthetalk.site.proxy.TrustedProxyMiddleware",
    "walkthetalk.site.privacy_guards.ForgetClientMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "walkthetalk.site.content_policy.ContentSecurityPolicyMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "walkthetalk.site.two_factor.TwoFactorMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "walkthetalk.site.errors.ServiceErrorMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "axes.middleware.AxesMiddleware",
]

# Participants' vote requests without a session cookie (walkthetalk.site.participant_handler):
# MIDDLEWARE, in the same order, without what only sessions, signed-in staff or static files need
# (whitenoise, sessions, auth, OTP/two-factor, axes).
PARTICIPANT_MIDDLEWARE = [
    "walkthetalk.site.faults.RefuseBadBytesMiddleware",
    "walkthetalk.site.proxy.TrustedProxyMiddleware",
    "walkthetalk.site.privacy_guards.ForgetClientMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "walkthetalk.site.content_policy.ContentSecurityPolicyMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "walkthetalk.site.errors.ServiceErrorMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
]

# The vote round trip's common case answered without the middleware chain, by the same code
# (walkthetalk.site.vote_fast_path); WALKTHETALK_VOTE_FAST_PATH=0 turns it off.
VOTE_FAST_PATH = os.environ.get("WALKTHETALK_VOTE_FAST_PATH", "1") == "1"

ROOT_URLCONF = "walkthetalk.site.urls"
WSGI_APPLICATION = "walkthetalk.site.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
            # Django's {% url %}, its answers remembered per process (the vote page has ten);
            # {{ value|day }}, the one way a day is shown.
            "builtins": [
                "walkthetalk.site.templatetags.cached_url",
                "walkthetalk.site.templatetags.dates",
            ],
        },
    },
]

if os.environ.get("DATABASE_URL"):
    DATABASES = {"default": dj_database_url.parse(os.environ["DATABASE_URL"], conn_max_age=60)}
    if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
        DATABASES["default"]["ENGINE"] = "walkthetalk.site.sqlite"  # the file owner-only
    else:
        # Django leaves psycopg's prepare_threshold at None, which turns prepared statements off
        # even where a cursor asks for them (prepare=True): the vote's statements
        # (conversations/vote_queries.py) were parsed and planned again on every request.
        # Django's own cursors bind on the client and never prepare, whatever this says.
        DATABASES["default"].setdefault("OPTIONS", {}).setdefault("prepare_threshold", 5)
else:
    DATABASES = {
        "default": {
            "ENGINE": "walkthetalk.site.sqlite",  # Django's, creating the file owner-only
            "NAME": str(DATA_DIR / DATABASE_FILE),
            # One connection per process, kept: opening one costs more than a vote does.
            "CONN_MAX_AGE": None,
            "OPTIONS": {
                # FULL: a vote acknowledged is on disk, even after a power cut (WAL + NORMAL
                # could lose the last transactions).
                "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL;",
                "transaction_mode": "IMMEDIATE",
                # Seconds to wait for another writer before answering 503 (see site/faults.py).
                "timeout": float(os.environ.get("WALKTHETALK_SQLITE_TIMEOUT", "20")),
            },
        }
    }

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# One cache shared by every server process and worker: rate limits and lockout delays hold
# across processes. The table is made by the site app's migration.
# Two database caches every server process shares, kept apart because they fill differently.
# "default" holds small security and coordination state: lockout delays, receipt-lookup rate
# limits, task heartbeats. Django's database cache deletes a third of its entries once it holds
# MAX_ENTRIES; an anonymous flood of lookups must never push a lockout delay or a rate limit out,
# so the bound is far above what the server can write within the longest window an entry lives
# for a rate limit (30 minutes at a few hundred requests a second is under 1,000,000).
# "figures" holds computed report output (released figures, chart files, PDFs of up to ~500 KB):
# anything dropped from it is computed again from the release on its next view.
CACHES = {
    "default": {
        "BACKEND": "django.core.cache.backends.db.DatabaseCache",
        "LOCATION": "walkthetalk_cache",
        "OPTIONS": {"MAX_ENTRIES": 5_000_000},
    },
    "figures": {
        "BACKEND": "django.core.cache.backends.db.DatabaseCache",
        "LOCATION": "walkthetalk_figures",
        "OPTIONS": {"MAX_ENTRIES": 2_000},
    },
}

# Staff passwords: Argon2 first; lockout after repeated failures (django-axes).
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 12},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
]
# Lockout: a growing cool-off per user name, never a hard lock, and browsers where the person
# signed in before are not held by it (walkthetalk.site.lockout).
AXES_FAILURE_LIMIT = int(os.environ.get("WALKTHETALK_LOGIN_FAILURE_LIMIT", "5"))
AXES_COOLOFF_TIME = "walkthetalk.site.lockout.cool_off"
AXES_WHITELIST_CALLABLE = "walkthetalk.site.lockout.trusted_device"
AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT = False
AXES_LOCKOUT_PARAMETERS = ["username"]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "site/locked_out.html"
# Lockout is by user name only; axes never stores an IP address or user agent.
AXES_CLIENT_IP_CALLABLE = "walkthetalk.site.privacy_guards.no_client_ip"
AXES_DISABLE_ACCESS_LOG = True
AXES_ENABLE_ACCESS_FAILURE_LOG = False
AXES_VERBOSE = False
# Lockout by user name, deliberately not by IP address: no address is ever stored (see above).
SILENCED_SYSTEM_CHECKS = ["axes.W006"]
# Two-step sign-in (django-otp, TOTP + recovery codes): required for stewards and superusers
# in production; the demo and the tests turn it on per test (a test checks production).
TWO_FACTOR_REQUIRED = PRODUCTION or os.environ.get("WALKTHETALK_REQUIRE_2FA") == "1"
OTP_TOTP_ISSUER = "Walk the Talk"
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "home"

LANGUAGE_CODE = "en"
TIME_ZONE = "UTC"
USE_I18N = True
# Everything a participant sees is in English and Spanish (src/walkthetalk/locale). The choice
# is kept in a cookie holding only the language code (never a session row); without it the
# browser's Accept-Language decides.
LANGUAGES = [("en", "English"), ("es", "Español")]
LOCALE_PATHS = [Path(__file__).resolve().parent.parent / "locale"]
LANGUAGE_COOKIE_NAME = "wtt_language"
LANGUAGE_COOKIE_AGE = 365 * 24 * 3600
LANGUAGE_COOKIE_HTTPONLY = True
LANGUAGE_COOKIE_SAMESITE = "Lax"
USE_TZ = True

STATIC_URL = "static/"
# Production serves what `walkthetalk collectstatic` gathers here; elsewhere whitenoise finds the
# files in the installed apps, so nothing has to be gathered (or created) first.
STATIC_ROOT = DATA_DIR / "static" if PRODUCTION else None
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}
WHITENOISE_USE_FINDERS = not PRODUCTION

TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}

# No participant IP address or user agent is ever logged: there is no access log, and
# Django's request logger (which names only the path) is kept to errors.
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": "WARNING"},
    "loggers": {
        "django.request": {"handlers": ["console"], "level": "ERROR", "propagate": False},
        "django.security": {"handlers": ["console"], "level": "ERROR", "propagate": False},
        "axes": {"handlers": ["console"], "level": "ERROR", "propagate": False},
    },
}

# Flash messages live in a signed cookie, never in a session row whose expiry time would
# record the exact moment of a participant's action.
MESSAGE_STORAGE = "django.contrib.messages.storage.cookie.CookieStorage"

SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_HTTPONLY = True
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"

SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"

# Content-Security-Policy (django-csp): scripts and styles only from the site's own static
# files — no inline script or style anywhere; charts are images (data: URIs).
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'none'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    }
}

if PRODUCTION:
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    LANGUAGE_COOKIE_SECURE = True
    SECURE_SSL_REDIRECT = os.environ.get("WALKTHETALK_SSL_REDIRECT", "1") == "1"
    SECURE_REDIRECT_EXEMPT = [r"^healthz$"]  # the proxy and monitors may ask over plain http
    SECURE_HSTS_SECONDS = 31536000
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    # The scheme comes from X-Forwarded-Proto only when the request came from
    # WALKTHETALK_TRUSTED_PROXY (walkthetalk.site.proxy); Django's own
    # SECURE_PROXY_SSL_HEADER would believe anyone, so it is not used.
