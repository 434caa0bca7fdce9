"""Django settings, read from the environment. Development needs no configuration.

See docs/configuration.md for every variable. With DEBUG off, start-up refuses an insecure
configuration (the development or a weak secret key, no ALLOWED_HOSTS) and says which variable to set.
"""

from __future__ import annotations

from pathlib import Path

import dj_database_url

from mamori.env import (
    DEVELOPMENT_SECRET_KEY,
    ConfigError,
    default_data_dir,
    env_bool,
    env_int,
    env_list,
    env_secret,
    env_str,
    key_weakness,
    make_private_dir,
    make_private_file,
)

PACKAGE_DIR = Path(__file__).resolve().parent

DEBUG = env_bool("DEBUG", True)
DATA_DIR = Path(env_str("MAMORI_DATA_DIR") or default_data_dir()).expanduser().resolve()
MEDIA_ROOT = DATA_DIR / "files"
SECRET_KEY = env_secret("SECRET_KEY", DEVELOPMENT_SECRET_KEY)
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["localhost", "127.0.0.1", "[::1]"] if DEBUG else [])
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")
SITE_URL = env_str("SITE_URL", "http://127.0.0.1:8000")


def _refuse_insecure_production() -> None:
    if DEBUG:
        return
    # Stripped first: "the-default " with a stray space is still the default.
    if SECRET_KEY.strip() in {"", DEVELOPMENT_SECRET_KEY}:
        raise ConfigError(
            "DEBUG is off but SECRET_KEY is the development default. Set SECRET_KEY (or SECRET_KEY_FILE) "
            "to a long random value, e.g. the output of: python -c 'import secrets; print(secrets.token_urlsafe(50))'"
        )
    weakness = key_weakness(SECRET_KEY)
    if weakness:
        raise ConfigError(
            f"DEBUG is off and SECRET_KEY {weakness}; use a long random value, e.g. the output of: "
            "python -c 'import secrets; print(secrets.token_urlsafe(50))'"
        )
    if not ALLOWED_HOSTS:
        raise ConfigError(
            "DEBUG is off but ALLOWED_HOSTS is empty. Set ALLOWED_HOSTS to the host names that serve Mamori, "
            "comma-separated, e.g. ALLOWED_HOSTS=mamori.example.co.jp"
        )


_refuse_insecure_production()

INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "rest_framework",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "mamori.core",
    "mamori.accounts",
    "mamori.audit",
    "mamori.jobs",
    "mamori.contractors",
    "mamori.incidents",
    "mamori.evidence",
    "mamori.ledger",
    "mamori.risk",
    "mamori.discovery",
    "mamori.scoping",
    "mamori.cardlists",
    "mamori.notices",
    "mamori.pms",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "mamori.core.middleware.ContentSecurityPolicyMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "mamori.core.middleware.JapaneseFirstLocaleMiddleware",  # Japanese unless switched
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "mamori.audit.middleware.AuditContextMiddleware",
    "mamori.accounts.middleware.TwoFactorMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "mamori.urls"
WSGI_APPLICATION = "mamori.wsgi.application"

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
                "mamori.core.context_processors.navigation",
            ],
        },
    }
]

# Missing keys are made at first use only in development; in production `mamori keys init` makes them, so a
# server never silently starts on fresh keys that cannot read its own data (core/keys.py).
MAMORI_CREATE_KEYS = DEBUG


def _prepare_data_dir(sqlite_file: Path | None) -> None:
    """The data folder and uploaded-files folder 0700, the SQLite file 0600 — created so, tightened if looser.

    SQLite would create its file with the process umask (usually 0644, readable by every local user) and
    its -wal/-shm files copy the database file's mode, so the file is made before the first connection.
    """
    try:
        make_private_dir(DATA_DIR)
        make_private_dir(MEDIA_ROOT)
        if sqlite_file is not None:
            make_private_file(sqlite_file)
    except OSError as exc:
        if sqlite_file is not None:  # with SQLite nothing works without it; otherwise `mamori check` says why
            raise ConfigError(
                f"the data folder {DATA_DIR} cannot be prepared ({exc.strerror or exc}); "
                "set MAMORI_DATA_DIR to a folder the user running Mamori may write"
            ) from None


DATABASES = {
    "default": dj_database_url.parse(
        env_str("DATABASE_URL") or f"sqlite:///{DATA_DIR / 'mamori.sqlite3'}",
        conn_max_age=env_int("DATABASE_CONN_MAX_AGE", 0),
    )
}
_is_sqlite = DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3"
_sqlite_name = str(DATABASES["default"].get("NAME") or "")
_prepare_data_dir(Path(_sqlite_name) if _is_sqlite and _sqlite_name not in {"", ":memory:"} else None)
if _is_sqlite:
    # WAL lets the worker and the web server write without "database is locked" errors.
    DATABASES["default"]["OPTIONS"] = {
        "timeout": 20,
        "transaction_mode": "IMMEDIATE",
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON;",
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "accounts.User"
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "core:dashboard"
LOGOUT_REDIRECT_URL = "accounts:login"
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": env_int("MAMORI_PASSWORD_MIN_LENGTH", 12)},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
AUTHENTICATION_BACKENDS = ["mamori.accounts.backends.LockoutBackend"]

# Lockout: this many failures in a row lock the account for MAMORI_LOCKOUT_MINUTES.
MAMORI_LOCKOUT_ATTEMPTS = env_int("MAMORI_LOCKOUT_ATTEMPTS", 5)
MAMORI_LOCKOUT_MINUTES = env_int("MAMORI_LOCKOUT_MINUTES", 15)
MAMORI_API_TOKEN_DAYS = env_int("MAMORI_API_TOKEN_DAYS", 90)  # default lifetime of a new API token
# Card-company lists: processes that fingerprint a list (0: one per core), and from how many numbers an import
# is fingerprinted in the background.
MAMORI_CARDLIST_WORKERS = env_int("MAMORI_CARDLIST_WORKERS", 0)
MAMORI_CARDLIST_BACKGROUND_FROM = env_int("MAMORI_CARDLIST_BACKGROUND_FROM", 500)
# Requests from persons (開示等の請求): days from receipt to the company's own answer date.
MAMORI_REQUEST_DUE_DAYS = env_int("MAMORI_REQUEST_DUE_DAYS", 14)
# Roles that must use two-factor authentication (comma-separated role codes, empty for none).
MAMORI_2FA_REQUIRED_ROLES = env_list(
    "MAMORI_2FA_REQUIRED_ROLES", ["top_management", "protection_manager", "audit_manager"]
)

SESSION_COOKIE_AGE = env_int("MAMORI_SESSION_IDLE_MINUTES", 30) * 60
SESSION_SAVE_EVERY_REQUEST = True  # the age above is then an idle timeout
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_HTTPONLY = True
LANGUAGE_COOKIE_SAMESITE = "Lax"
HTTPS = env_bool("MAMORI_HTTPS", not DEBUG)
SESSION_COOKIE_SECURE = HTTPS
CSRF_COOKIE_SECURE = HTTPS
LANGUAGE_COOKIE_SECURE = HTTPS
SECURE_HSTS_SECONDS = 31536000 if HTTPS else 0
SECURE_HSTS_INCLUDE_SUBDOMAINS = HTTPS
SECURE_SSL_REDIRECT = env_bool("MAMORI_SSL_REDIRECT", False)
if env_bool("MAMORI_BEHIND_PROXY", False):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"

LANGUAGE_CODE = "ja"
LANGUAGES = [("ja", "日本語"), ("en", "English")]
LOCALE_PATHS = [PACKAGE_DIR / "locale"]
USE_I18N = True
TIME_ZONE = "Asia/Tokyo"
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = DATA_DIR / "static"
STATICFILES_DIRS = [PACKAGE_DIR / "static"]  # mamori.css and vendored htmx
MEDIA_URL = "/files/"  # never served directly: downloads go through a view that checks permission
FILE_UPLOAD_PERMISSIONS = 0o600  # uploaded files and their folders are readable by Mamori's user only
FILE_UPLOAD_DIRECTORY_PERMISSIONS = 0o700
# Upload limits, checked before any parser runs (mamori.core.uploads; docs/security.md). Django spools files
# over FILE_UPLOAD_MAX_MEMORY_SIZE (2.5 MB default) to a temporary file, so the body never sits in memory.
MAMORI_UPLOAD_MAX_BYTES = env_int("MAMORI_UPLOAD_MAX_BYTES", 20 * 1024 * 1024)
MAMORI_UPLOAD_MAX_UNCOMPRESSED = env_int("MAMORI_UPLOAD_MAX_UNCOMPRESSED", 100 * 1024 * 1024)
MAMORI_UPLOAD_MAX_RATIO = env_int("MAMORI_UPLOAD_MAX_RATIO", 100)
MAMORI_UPLOAD_MAX_ENTRIES = env_int("MAMORI_UPLOAD_MAX_ENTRIES", 10_000)
MAMORI_IMPORT_MAX_ROWS = env_int("MAMORI_IMPORT_MAX_ROWS", 50_000)
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
        if not DEBUG
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}
WHITENOISE_USE_FINDERS = DEBUG

EMAIL_HOST = env_str("EMAIL_HOST", "localhost")
EMAIL_PORT = env_int("EMAIL_PORT", 25)
EMAIL_HOST_USER = env_str("EMAIL_HOST_USER")
EMAIL_HOST_PASSWORD = env_secret("EMAIL_HOST_PASSWORD")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", False)
EMAIL_USE_SSL = env_bool("EMAIL_USE_SSL", False)
EMAIL_TIMEOUT = env_int("EMAIL_TIMEOUT", 10)
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "mamori@localhost")
EMAIL_BACKEND = env_str(
    "EMAIL_BACKEND",
    "django.core.mail.backends.console.EmailBackend"
    if DEBUG and not env_str("EMAIL_HOST")
    else "django.core.mail.backends.smtp.EmailBackend",
)

# Background jobs: "embedded" (a table in the main database, no extra server) or "redis".
REDIS_URL = env_str("REDIS_URL")
MAMORI_JOBS_BACKEND = env_str("MAMORI_JOBS_BACKEND", "redis" if REDIS_URL else "embedded")
# See docs/jobs.md: lease a silent worker keeps a job, idle poll, first retry delay (doubles), attempts.
MAMORI_JOBS_LEASE_SECONDS = env_int("MAMORI_JOBS_LEASE_SECONDS", 300)
MAMORI_JOBS_POLL_SECONDS = env_int("MAMORI_JOBS_POLL_SECONDS", 2)
MAMORI_JOBS_RETRY_SECONDS = env_int("MAMORI_JOBS_RETRY_SECONDS", 30)
MAMORI_JOBS_MAX_ATTEMPTS = env_int("MAMORI_JOBS_MAX_ATTEMPTS", 3)
MAMORI_JOBS_REDIS_PREFIX = env_str("MAMORI_JOBS_REDIS_PREFIX", "mamori:jobs:")

# Data sources (docs/configuration.md): the folders and host[:port] patterns an administrator allows scans of —
# none in production until listed; in development the demo shop database and local database servers. Mamori's
# own database and data directory are refused whatever is listed. Then the timeouts of every outbound connection.
MAMORI_SCAN_ALLOW = env_list(
    "MAMORI_SCAN_ALLOW", [str(DATA_DIR / "demo"), "localhost", "127.0.0.1", "[::1]"] if DEBUG else []
)
MAMORI_SCAN_CONNECT_TIMEOUT = env_int("MAMORI_SCAN_CONNECT_TIMEOUT", 10)
MAMORI_SCAN_TEST_TIMEOUT = env_int("MAMORI_SCAN_TEST_TIMEOUT", 30)

# docs/api.md. Token first: a request without credentials then gets 401 with WWW-Authenticate: Token.
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "mamori.api.authentication.TokenAuthentication",
        "mamori.api.authentication.SessionAuthentication",
    ],
    # The browsable API loads only /static/ scripts, so it works under the site's CSP.
    "DEFAULT_RENDERER_CLASSES": [
        "rest_framework.renderers.JSONRenderer",
        "rest_framework.renderers.BrowsableAPIRenderer",
    ],
    "DEFAULT_PARSER_CLASSES": [
        "mamori.api.parsers.JSONParser",
        "rest_framework.parsers.FormParser",
        "rest_framework.parsers.MultiPartParser",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["mamori.api.permissions.PolicyPermission"],
    "DEFAULT_PAGINATION_CLASS": "mamori.api.pagination.Pagination",
    "DEFAULT_FILTER_BACKENDS": [
        "django_filters.rest_framework.DjangoFilterBackend",
        "rest_framework.filters.OrderingFilter",
        "mamori.api.filters.SearchFilter",
    ],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "mamori.api.errors.exception_handler",
    "PAGE_SIZE": 50,
    "DEFAULT_THROTTLE_RATES": {"anon": "60/min", "token": env_str("MAMORI_API_TOKEN_RATE", "20/min")},
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Mamori API",
    "DESCRIPTION": "Personal-information protection, discovery and incident response.",
    "VERSION": "0.1.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    # Several records have a "status" or "kind" of their own: name each choice set after its record.
    "ENUM_NAME_OVERRIDES": {
        "CaseStatusEnum": "mamori.incidents.models.CaseStatus",
        "CaseTaskStatusEnum": "mamori.incidents.models.TaskStatus",
        "TimelineKindEnum": "mamori.incidents.models.TimelineKind",
        "EvidenceKindEnum": "mamori.evidence.models.EvidenceKind",
        "CustodyActionEnum": "mamori.evidence.models.CustodyAction",
        "ScanStatusEnum": "mamori.discovery.models.ScanStatus",
        "SourceKindEnum": "mamori.discovery.models.SourceKind",
        "JobStatusEnum": "mamori.jobs.models.Status",
        "RiskStatusEnum": "mamori.risk.models.RiskStatus",
        "NonconformityStatusEnum": "mamori.risk.models.NonconformityStatus",
        "CardListStatusEnum": "mamori.cardlists.models.ListStatus",
        "ScopingStatusEnum": "mamori.scoping.models.ScopingStatus",
        "CampaignStatusEnum": "mamori.notices.models.CampaignStatus",
        "DeliveryStatusEnum": "mamori.notices.models.DeliveryStatus",
        "AuditPlanStatusEnum": "mamori.pms.models.AuditPlanStatus",
        "ManagementReviewStatusEnum": "mamori.pms.models.ReviewStatus",
        "SubjectRequestStatusEnum": "mamori.pms.models.RequestStatus",
        "SubjectRequestKindEnum": "mamori.pms.models.RequestKind",
        "ComplaintStatusEnum": "mamori.pms.models.ComplaintStatus",
        "ComplaintKindEnum": "mamori.pms.models.ComplaintKind",
        "IntakeChannelEnum": "mamori.pms.models.Channel",
    },
}

# One line per logged event: Django's own default configuration gives its "django" logger a console handler
# of its own (active with DEBUG on), so every record was printed twice, once there and once by the root handler;
# here "django" only passes records up to the root. A 4xx is one line, without a traceback (core/errors.py).
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"client_errors": {"()": "mamori.core.errors.ClientErrorsWithoutTraceback"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "filters": ["client_errors"]}},
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "WARNING")},
    "loggers": {"django": {"handlers": [], "level": env_str("LOG_LEVEL", "WARNING"), "propagate": True}},
}
