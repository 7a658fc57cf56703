"""Django settings for gridgov. Every deployment choice comes from a GRIDGOV_* variable."""

import os
import sys
from pathlib import Path

import dj_database_url
import django_stubs_ext

# Generic Django classes (ModelAdmin[Model], QuerySet[Model]) may be subscripted at run time.
django_stubs_ext.monkeypatch()

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(os.environ.get("GRIDGOV_VAR_DIR", BASE_DIR / "var"))
VAR_DIR.mkdir(parents=True, exist_ok=True)


def _env_bool(name: str, default: bool) -> bool:
    return os.environ.get(name, str(default)).strip().lower() in {"1", "true", "yes", "on"}


TESTING = "pytest" in sys.modules
DEBUG = _env_bool("GRIDGOV_DEBUG", False)

# A development key is derived for local use; production sets GRIDGOV_SECRET_KEY (see README).
SECRET_KEY = os.environ.get("GRIDGOV_SECRET_KEY", "dev-insecure-gridgov-secret-key-change-me")
# 32 bytes, urlsafe base64 or hex; encrypts citizen IDs and phone numbers (gridgov.core.crypto).
DATA_KEY = os.environ.get("GRIDGOV_DATA_KEY", "")
# Keys being rotated away from, comma-separated: still read until `gridgov datakey rotate` is done.
DATA_KEY_PREVIOUS = os.environ.get("GRIDGOV_DATA_KEY_PREVIOUS", "")

ALLOWED_HOSTS = [
    h.strip()
    for h in os.environ.get("GRIDGOV_ALLOWED_HOSTS", "127.0.0.1,localhost,testserver").split(",")
    if h.strip()
]
TILE_URL = os.environ.get("GRIDGOV_TILE_URL", "")
# Reverse proxies in front (addresses or CIDR networks, comma-separated): only requests from
# them have their X-Forwarded-For read, from the right (gridgov.core.clientip).
GRIDGOV_TRUSTED_PROXIES = [
    p.strip() for p in os.environ.get("GRIDGOV_TRUSTED_PROXIES", "").split(",") if p.strip()
]

INSTALLED_APPS = [
    "gridgov.accounts.apps.GridgovAdminConfig",  # superusers only (accounts.admin_site)
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "gridgov.core",
    "gridgov.accounts",
    "gridgov.grid",
    "gridgov.people",
    "gridgov.orgs",
    "gridgov.dataio",
    "gridgov.cases",
    "gridgov.links",
    "gridgov.decisions",
    "gridgov.open311",
    "gridgov.demo",
    "gridgov.api",
    "gridgov.web",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "gridgov.core.middleware.SecurityHeadersMiddleware",
    # Outermost: every answer under /api/, errors included, is no-store.
    "gridgov.core.urlguard.ApiNoStoreMiddleware",
    # Before anything that reads the body: every error under /open311/ is an Open311 document,
    # every error under /api/ the API's JSON body.
    "gridgov.open311.errors.Open311ErrorsMiddleware",
    "gridgov.api.middleware.ApiErrorsMiddleware",
    "gridgov.core.urlguard.PersonalNumberInUrlMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "gridgov.core.middleware.ChineseFirstLocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "gridgov.core.middleware.NulRefusedMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "gridgov.accounts.middleware.SessionTimeoutMiddleware",
    "gridgov.accounts.passwords.PasswordChangeRequiredMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "gridgov.core.middleware.RequestContextMiddleware",
]

ROOT_URLCONF = "gridgov.urls"
WSGI_APPLICATION = "gridgov.wsgi.application"

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
        },
    },
]

DATABASES = {
    "default": dj_database_url.parse(
        os.environ.get("GRIDGOV_DATABASE_URL", f"sqlite:///{VAR_DIR / 'gridgov.sqlite3'}"),
        conn_max_age=int(os.environ.get("GRIDGOV_DB_CONN_MAX_AGE", "60")),
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL lets readers work while an import writes; IMMEDIATE avoids upgrade deadlocks.
    DATABASES["default"]["OPTIONS"] = {
        "init_command": (
            "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA busy_timeout=10000;"
            " PRAGMA foreign_keys=ON; PRAGMA cache_size=-65536;"
        ),
        "transaction_mode": "IMMEDIATE",
    }
    DATABASES["default"]["CONN_MAX_AGE"] = 0
    # Writers queue on a file lock rather than SQLite's sleep-and-retry (gridgov/core/sqlite).
    DATABASES["default"]["ENGINE"] = "gridgov.core.sqlite"
    if TESTING:
        # A file, not SQLite's shared in-memory database: that one locks whole tables, so tests
        # of concurrent writers (two ``gridgov tick`` at once) would meet errors that a real
        # deployment's WAL file with busy_timeout never shows.
        DATABASES["default"]["TEST"] = {"NAME": str(VAR_DIR / f"test-{os.getpid()}.sqlite3")}
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    # Server-side binding plus a prepare threshold let psycopg prepare a statement it has run
    # five times on a connection, so PostgreSQL stops planning the same joins on every request
    # (planning the matter's display read takes 3 ms, running it 0.5 ms: bench/load.py).
    # Django turns preparing off by default for the sake of connection poolers: behind
    # PgBouncer in transaction mode, set GRIDGOV_DB_PREPARE_THRESHOLD=0.
    _pg_options = DATABASES["default"].setdefault("OPTIONS", {})
    _pg_options["server_side_binding"] = os.environ.get(
        "GRIDGOV_DB_SERVER_SIDE_BINDING", "1"
    ) not in ("0", "false", "")
    _prepare_threshold = int(os.environ.get("GRIDGOV_DB_PREPARE_THRESHOLD", "5"))
    if _pg_options["server_side_binding"] and _prepare_threshold > 0:
        _pg_options["prepare_threshold"] = _prepare_threshold
if os.environ.get("GRIDGOV_TEST_DB_NAME"):
    DATABASES["default"]["TEST"] = {"NAME": os.environ["GRIDGOV_TEST_DB_NAME"]}

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTHENTICATION_BACKENDS = ["gridgov.accounts.backends.ThrottledModelBackend"]

PRODUCTION_PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
# Tests sign in hundreds of users: a fast hasher there, Argon2 everywhere else.
PASSWORD_HASHERS = (
    ["django.contrib.auth.hashers.MD5PasswordHasher"] if TESTING else PRODUCTION_PASSWORD_HASHERS
)

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
]

LOGIN_URL = "web:login"
LOGIN_REDIRECT_URL = "web:home"
LOGOUT_REDIRECT_URL = "web:login"

LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "gridgov" / "locale"]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = VAR_DIR / "static"
STATIC_ROOT.mkdir(exist_ok=True)
WHITENOISE_USE_FINDERS = True
MEDIA_ROOT = VAR_DIR / "media"
DATA_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
# Bigger uploads are spooled here while the request is read: a folder of ours, so that
# ``jobs_sweep`` removes what a process killed mid-upload left (gridgov.core.jobs).
FILE_UPLOAD_TEMP_DIR = VAR_DIR / "incoming"
FILE_UPLOAD_TEMP_DIR.mkdir(mode=0o700, exist_ok=True)
# Imports accept big sheets; the upload is streamed to disk, never held in memory.
# Residents' matters (docs/cases.md): the outbound channel of notifications (an SMS gateway's
# webhook, or a class with send(payload)), the Open311 jurisdiction and contact, and the public
# address that tracking links are built on.
GRIDGOV_NOTIFY_WEBHOOK = os.environ.get("GRIDGOV_NOTIFY_WEBHOOK", "")
GRIDGOV_NOTIFY_WEBHOOK_SECRET = os.environ.get("GRIDGOV_NOTIFY_WEBHOOK_SECRET", "")
GRIDGOV_NOTIFY_CHANNEL = os.environ.get("GRIDGOV_NOTIFY_CHANNEL", "")
GRIDGOV_OPEN311_JURISDICTION = os.environ.get("GRIDGOV_OPEN311_JURISDICTION", "")
GRIDGOV_OPEN311_CONTACT = os.environ.get("GRIDGOV_OPEN311_CONTACT", "")
GRIDGOV_PUBLIC_URL = os.environ.get("GRIDGOV_PUBLIC_URL", "").rstrip("/")

# How often `gridgov serve` runs `gridgov tick` (deadline warnings, escalation, outbound
# notifications) while it serves; `gridgov serve --no-tick` when cron runs it instead.
GRIDGOV_TICK_SECONDS = os.environ.get("GRIDGOV_TICK_SECONDS", "60")

GRIDGOV_IMPORT_MAX_BYTES = int(os.environ.get("GRIDGOV_IMPORT_MAX_BYTES", str(200 * 1024 * 1024)))

SESSION_COOKIE_HTTPONLY = True
# The absolute limit of a sign-in; idleness ends it sooner (accounts.middleware, accounts.rules).
SESSION_COOKIE_AGE = 12 * 3600  # = accounts.session_max_hours by default
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SAMESITE = "Lax"
SESSION_COOKIE_SECURE = not DEBUG and _env_bool("GRIDGOV_HTTPS", False)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
SECURE_CONTENT_TYPE_NOSNIFF = True
X_FRAME_OPTIONS = "DENY"
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
if SESSION_COOKIE_SECURE:
    # Behind TLS: browsers keep to HTTPS for a year, and plain-HTTP requests are redirected.
    SECURE_HSTS_SECONDS = 365 * 24 * 3600
    SECURE_HSTS_INCLUDE_SUBDOMAINS = False
    SECURE_SSL_REDIRECT = _env_bool("GRIDGOV_SSL_REDIRECT", False)
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

# Every handler masks personal numbers (core.logfilter). Django's own loggers are configured
# here so that their default handlers (which would not mask) are removed: they write through root.
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"personal_numbers": {"()": "gridgov.core.logfilter.PersonalNumberFilter"}},
    "handlers": {
        "console": {"class": "logging.StreamHandler", "filters": ["personal_numbers"]},
    },
    "loggers": {
        "django": {"handlers": [], "propagate": True},
        "django.server": {"handlers": [], "propagate": True},
    },
    "root": {"handlers": ["console"], "level": os.environ.get("GRIDGOV_LOG_LEVEL", "WARNING")},
}
MESSAGE_STORAGE = "django.contrib.messages.storage.session.SessionStorage"
