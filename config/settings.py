"""Settings for Lianxin, read from the environment (12-factor).

Embedded default (no variables set, DEBUG asked for by `make demo`): SQLite under var/ and an
eager Celery, so the portal runs on a bare machine. Production and CI: DATABASE_URL for
PostgreSQL and CELERY_BROKER_URL (or REDIS_URL) for Redis.
"""

from datetime import timedelta
from pathlib import Path

import environ
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = BASE_DIR / "var"

env = environ.Env()
if env.bool("DJANGO_READ_DOT_ENV_FILE", default=False):
    env.read_env(str(BASE_DIR / ".env"))

DEBUG = env.bool("DJANGO_DEBUG", default=False)
SECRET_KEY = env("DJANGO_SECRET_KEY", default="")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured(
            "DJANGO_SECRET_KEY must be set when DJANGO_DEBUG is off (production)."
        )
    SECRET_KEY = "insecure-dev-lianxin-not-for-production"  # noqa: S105 - DEBUG only
if (
    DEBUG
    and not SECRET_KEY.startswith(("insecure-", "django-insecure-"))
    and not env.bool("DJANGO_ALLOW_DEBUG_WITH_REAL_SECRET", default=False)
):
    # A production secret must never meet DEBUG: a traceback page would expose it.
    raise ImproperlyConfigured(
        "DJANGO_DEBUG is on with a production secret key; refusing to start."
    )

ALLOWED_HOSTS = env.list("DJANGO_ALLOWED_HOSTS", default=["127.0.0.1", "localhost", "[::1]"])
CSRF_TRUSTED_ORIGINS = env.list("DJANGO_CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "rest_framework",
    "rest_framework.authtoken",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "import_export",
    "django_celery_beat",
    "axes",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "csp",
    "core",
    "liaison",
    "committees",
    "households",
    "issues",
    "visits",
    "open311",
    "projects",
    "dashboard",
    "demo",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "core.middleware.NoStoreMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "core.middleware.AbsoluteSessionLimitMiddleware",
    "core.security.middleware.AccountSecurityMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "config.context_processors.navigation",
            ],
        },
    },
]

# --- Database ---------------------------------------------------------------------------
# PostgreSQL has two roles (README "Database roles"): DATABASE_URL is the APPLICATION role the
# web, worker and beat connect as (owns nothing; the audit table is SELECT + INSERT only);
# `migrate` and `setup_db_roles` run as the OWNER of the tables, by pointing DATABASE_URL at it
# for that one command: DATABASE_URL=$MIGRATION_DATABASE_URL manage.py migrate.
VAR_DIR.mkdir(exist_ok=True)
DATABASES = {
    "default": env.db_url("DATABASE_URL", default=f"sqlite:///{VAR_DIR / 'lianxin.sqlite3'}")
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    DATABASES["default"]["CONN_MAX_AGE"] = env.int("DB_CONN_MAX_AGE", default=60)
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
    DATABASES["default"].setdefault("TEST", {})["NAME"] = env(
        "DATABASE_TEST_NAME", default=f"test_{DATABASES['default']['NAME']}"
    )
else:
    DATABASES["default"]["OPTIONS"] = {"timeout": 20}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Auth ---------------------------------------------------------------------------------
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "core.security.password_validators.ContainsUserAttributeValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 10},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
    {"NAME": "core.validators.CharacterClassesValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

# Lock an account for 30 minutes after 5 failures (等保2.0 identity), whatever address the
# guesses come from (by username alone; each attempt still records its IP). django-axes warns
# (axes.W006) that the IP is not a lockout parameter: that is the point, so it is silenced.
AXES_FAILURE_LIMIT = 5
AXES_COOLOFF_TIME = timedelta(minutes=30)
AXES_LOCKOUT_PARAMETERS = ["username"]
AXES_CLIENT_IP_CALLABLE = "core.audit.client_ip"
SILENCED_SYSTEM_CHECKS = ["axes.W006"]
AXES_RESET_ON_SUCCESS = True
AXES_VERBOSE = False
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"

# Sessions: 30 minutes idle (sliding), 12 hours absolute (core.middleware). API tokens
# obey the same two limits (core.api.authentication.ExpiringTokenAuthentication).
SESSION_COOKIE_AGE = env.int("SESSION_IDLE_SECONDS", default=30 * 60)
SESSION_SAVE_EVERY_REQUEST = True
SESSION_ABSOLUTE_SECONDS = env.int("SESSION_ABSOLUTE_SECONDS", default=12 * 60 * 60)
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_HTTPONLY = True  # templates read the token from {% csrf_token %}, never the cookie

# Second factor (django-otp TOTP). Roles listed here must enrol; administrators can add admin
# and leader in the admin's 安全策略 page too (core.security.rules).
REQUIRE_2FA_FOR_ROLES = env.list("REQUIRE_2FA_FOR_ROLES", default=[])
OTP_TOTP_ISSUER = "连心"
OTP_TOTP_THROTTLE_FACTOR = 1

# The audit trail is kept at least 183 days (等保2.0 安全审计: ≥ 6 months); nothing purges it.
AUDIT_RETENTION_DAYS = env.int("AUDIT_RETENTION_DAYS", default=183)

# --- Internationalisation -----------------------------------------------------------------
LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

# --- Static and uploaded files ------------------------------------------------------------
STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = env.path("DJANGO_STATIC_ROOT", default=str(VAR_DIR / "staticfiles"))
MEDIA_URL = "media/"
MEDIA_ROOT = env.path("DJANGO_MEDIA_ROOT", default=str(VAR_DIR / "media"))
# Production serves what `collectstatic` wrote (issue 17): names carrying a hash of their content,
# each beside a gzip and a brotli copy. WhiteNoise (middleware right after SecurityMiddleware) sends
# the compressed copy the browser accepts and marks hashed names immutable (cached for ten years,
# never revalidated). Without DEBUG, pages need the manifest: run collectstatic before serving.
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}
# Source maps (6 MB of them in the API docs' vendored bundles) are fetched only by developer tools:
# compressing them made collectstatic several times slower for no visitor's benefit.
WHITENOISE_SKIP_COMPRESS_EXTENSIONS = (
    "jpg", "jpeg", "png", "gif", "webp", "zip", "gz", "tgz", "bz2", "tbz", "xz", "br", "swf",
    "flv", "woff", "woff2", "3gp", "3gpp", "asf", "avi", "m4v", "mov", "mp4", "mpeg", "mpg",
    "webm", "wmv", "map",
)  # fmt: skip
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
DATA_UPLOAD_MAX_MEMORY_SIZE = 20 * 1024 * 1024
# Uploads are never public media: each is served by a view that checks the access policy
# (core/files.py). A roster workbook is refused before parsing when it would inflate past
# these bounds (a zip bomb); a real 100,000-household roster is ~180 MB of XML at ~11:1.
ROSTER_MAX_UNCOMPRESSED_BYTES = env.int("ROSTER_MAX_UNCOMPRESSED_BYTES", default=512 * 1024 * 1024)
ROSTER_MAX_COMPRESSION_RATIO = env.int("ROSTER_MAX_COMPRESSION_RATIO", default=100)
ROSTER_END_PAIRINGS_CONFIRM = env.int("ROSTER_END_PAIRINGS_CONFIRM", default=20)  # typed above
# A contact card's QR link stays valid this many days after a newer print run replaces it.
CONTACT_CARD_OLD_LINK_DAYS = env.int("CONTACT_CARD_OLD_LINK_DAYS", default=180)

# --- Personal data ------------------------------------------------------------------------
# Key for encrypting ID-card numbers at rest (urlsafe base64 of 32 bytes, e.g. a Fernet key; new
# values are AES-256-GCM under a key derived from it, older Fernet values still decrypt). Without
# one, a key is derived from SECRET_KEY: acceptable for the demo, never for production.
FIELD_ENCRYPTION_KEY = env("FIELD_ENCRYPTION_KEY", default="")
if not FIELD_ENCRYPTION_KEY and not DEBUG and env.bool("DJANGO_PRODUCTION", default=False):
    raise ImproperlyConfigured("FIELD_ENCRYPTION_KEY must be set in production.")

# --- Cache ---------------------------------------------------------------------------------
# Rate limits and import progress live in the cache. One process: local memory. Production
# (several gunicorn and Celery processes) must share one: CACHE_URL=redis://host:6379/2.
# `check --deploy` warns without one (lianxin.W002).
CACHES = {"default": env.cache_url("CACHE_URL", default="locmemcache://")}
CACHES["default"].setdefault("KEY_PREFIX", "lianxin")
# The cache is optional at request time (issue 16): on Redis, a down cache is a miss or a dropped
# write within a second (a log line and a counter, core.cache), never an error page; the API's
# throttles then fail open.
if CACHES["default"]["BACKEND"] == "django.core.cache.backends.redis.RedisCache":
    CACHES["default"]["BACKEND"] = "core.cache.FailOpenRedisCache"
    CACHES["default"].setdefault("OPTIONS", {}).update(
        {"socket_connect_timeout": 0.5, "socket_timeout": 1, "retry_on_timeout": False}
    )

# --- Client address -------------------------------------------------------------------------
# How many reverse proxies in front of the app append to X-Forwarded-For (nginx in
# docker-compose: 1). 0: the header is ignored and REMOTE_ADDR is the client. core.audit.
# client_ip reads it for the audit, django-axes, the API throttles and the self-report limits.
TRUSTED_PROXY_COUNT = env.int("TRUSTED_PROXY_COUNT", default=0)

# --- Celery -------------------------------------------------------------------------------
CELERY_BROKER_URL = env("CELERY_BROKER_URL", default=env("REDIS_URL", default=""))
CELERY_TASK_ALWAYS_EAGER = not CELERY_BROKER_URL
if CELERY_TASK_ALWAYS_EAGER:
    # No broker: run tasks in process, so the demo needs no services.
    CELERY_BROKER_URL = "memory://"
    CELERY_RESULT_BACKEND = "cache+memory://"
    CELERY_TASK_EAGER_PROPAGATES = True
else:
    CELERY_RESULT_BACKEND = env("CELERY_RESULT_BACKEND", default=CELERY_BROKER_URL)
CELERY_TIMEZONE = TIME_ZONE
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_TIME_LIMIT = 30 * 60
CELERY_TASK_SOFT_TIME_LIMIT = 25 * 60
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# A worker that lost the broker cancels its running acks_late tasks instead of finishing them
# unacknowledged: they are redelivered, and every task is idempotent (issue 16). Celery 6's default.
CELERY_WORKER_CANCEL_LONG_RUNNING_TASKS_ON_CONNECTION_LOSS = True
# Retry the broker connection for ever after a Redis restart (the default gives up after 100).
CELERY_BROKER_CONNECTION_MAX_RETRIES = None
CELERY_BEAT_SCHEDULER = "django_celery_beat.schedulers:DatabaseScheduler"
# Faults (SECURITY.md): a dead broker must not hang a request (tasks go through core.outbox,
# which has its own 1 s timeouts; these bound any other publisher), and a message whose worker was
# killed is redelivered after the visibility timeout. It must be longer than the longest task: the
# roster import, whose hard limit is 30 min (CELERY_TASK_TIME_LIMIT and households.tasks); one hour
# leaves room for a queue wait, or Redis would hand a running import to a second worker.
CELERY_BROKER_CONNECTION_TIMEOUT = 2
CELERY_TASK_PUBLISH_RETRY_POLICY = {
    "max_retries": 2,
    "interval_start": 0,
    "interval_step": 0.5,
    "interval_max": 1,
}
CELERY_BROKER_TRANSPORT_OPTIONS = {
    "visibility_timeout": env.int("CELERY_VISIBILITY_TIMEOUT", default=3600),
    # kombu scans for such messages every 10 s × this throttle (100 s by default).
    "unacked_restore_throttle": env.int("CELERY_UNACKED_RESTORE_THROTTLE", default=10),
    "socket_connect_timeout": 2,
    # notice a dead connection (a Redis restart) within 25 s even when idle
    "health_check_interval": 25,
}
# Delivery to the external channels (core.delivery): transient errors back off 30 s, 60 s, ...
# up to 30 min, and after 8 attempts the row is marked failed; a row claimed by a worker that died
# is sent again after 5 min; the outbox republishes a task no worker finished within 40 min (more
# than the longest task's 30 min limit). The fault tests shorten these.
DELIVERY_BACKOFF_BASE = env.int("DELIVERY_BACKOFF_BASE", default=30)
DELIVERY_BACKOFF_CAP = env.int("DELIVERY_BACKOFF_CAP", default=30 * 60)
DELIVERY_MAX_ATTEMPTS = env.int("DELIVERY_MAX_ATTEMPTS", default=8)
DELIVERY_SENDING_TIMEOUT = env.int("DELIVERY_SENDING_TIMEOUT", default=300)
OUTBOX_REPUBLISH_AFTER = env.int("OUTBOX_REPUBLISH_AFTER", default=40 * 60)
CELERY_RESULT_EXPIRES = timedelta(days=1)

# --- REST API -----------------------------------------------------------------------------
# API pieces shared by all apps live in liaison/api/ (see its README section).
REST_FRAMEWORK = {
    # Token first: an anonymous request gets 401 with `WWW-Authenticate: Token`. Tokens expire
    # like sessions; the last class charges unauthenticated requests to the anonymous throttle
    # before any permission answers 401 (core.api.authentication).
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "core.api.authentication.ExpiringTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
        "core.api.authentication.AnonymousThrottleAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    # JSON that nests too deep or holds lone surrogates is a 400, not a 500 (liaison/api/parsers).
    "DEFAULT_PARSER_CLASSES": [
        "core.api.parsers.JSONParser",
        "rest_framework.parsers.FormParser",
        "rest_framework.parsers.MultiPartParser",
    ],
    "DEFAULT_FILTER_BACKENDS": [
        "django_filters.rest_framework.DjangoFilterBackend",
        "rest_framework.filters.SearchFilter",
        "rest_framework.filters.OrderingFilter",
    ],
    "DEFAULT_PAGINATION_CLASS": "rest_framework.pagination.PageNumberPagination",
    "PAGE_SIZE": 50,
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "DEFAULT_THROTTLE_CLASSES": [
        "core.api.throttling.AnonThrottle",
        "core.api.throttling.UserThrottle",
    ],
    "DEFAULT_THROTTLE_RATES": {
        "anon": env("API_THROTTLE_ANON", default="60/min"),
        "user": env("API_THROTTLE_USER", default="2000/min"),
        "token": env("API_THROTTLE_TOKEN", default="10/min"),
    },
    "EXCEPTION_HANDLER": "core.api.exceptions.api_exception_handler",
    # The throttles read the address through core.audit.client_ip; this keeps any other
    # DRF code (get_ident) on the same rule.
    "NUM_PROXIES": TRUSTED_PROXY_COUNT,
}
SPECTACULAR_SETTINGS = {
    "TITLE": "连心 Lianxin API",
    "DESCRIPTION": _("乡镇联系服务群众平台接口"),
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    # Separate request and response components: read-only fields are not asked for in requests.
    "COMPONENT_SPLIT_REQUEST": True,
    "SCHEMA_PATH_PREFIX": r"/api/v1",
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "core.api.schema.postprocess_schema",
    ],
    "SWAGGER_UI_SETTINGS": {"deepLinking": True, "persistAuthorization": True},
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
}

# --- E-mail and notifications -------------------------------------------------------------
EMAIL_BACKEND = env(
    "DJANGO_EMAIL_BACKEND",
    default=(
        "django.core.mail.backends.console.EmailBackend"
        if DEBUG
        else "django.core.mail.backends.smtp.EmailBackend"
    ),
)
EMAIL_HOST = env("EMAIL_HOST", default="localhost")
EMAIL_PORT = env.int("EMAIL_PORT", default=25)
DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL", default="lianxin@localhost")
# Notification backends (core.notifications): in-app and e-mail by default; add
# "core.notifications.sms.LoggingSmsBackend" or "core.notifications.webhook.WebhookBackend".
NOTIFICATION_BACKENDS = env.list(
    "NOTIFICATION_BACKENDS",
    default=[
        "core.notifications.inapp.InAppBackend",
        "core.notifications.email.EmailBackend",
    ],
)
NOTIFICATION_WEBHOOK_URL = env("NOTIFICATION_WEBHOOK_URL", default="")
NOTIFICATION_WEBHOOK_KIND = env("NOTIFICATION_WEBHOOK_KIND", default="wecom")  # or "dingtalk"
REMINDER_DAYS_BEFORE = env.int("REMINDER_DAYS_BEFORE", default=2)
VISIT_BACKDATE_DAYS = env.int("VISIT_BACKDATE_DAYS", default=30)  # 补记: how many days back

# Dashboard rankings: a unit with fewer finished issues than this (the resolution rate's
# denominator) is listed apart as 样本不足 instead of being ranked (README, "Fair rankings").
RANKING_MIN_SAMPLE = env.int("RANKING_MIN_SAMPLE", default=10)
# Open311 GeoReport v2 intake: requests per client (and per address without a key).
OPEN311_THROTTLE_RATE = env("OPEN311_THROTTLE_RATE", default="60/min")

# --- Security (production) ----------------------------------------------------------------
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
# Content-Security-Policy (django-csp): everything from this origin, no inline or eval'd script.
# Inline *styles* stay allowed: Bootstrap components and progress bars set style attributes.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'", "'unsafe-inline'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'", "data:"],
        "connect-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    }
}
if not DEBUG and env.bool("DJANGO_HTTPS", default=False):
    SECURE_SSL_REDIRECT = True
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_HSTS_SECONDS = env.int("DJANGO_HSTS_SECONDS", default=31536000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env("LOG_LEVEL", default="INFO")},
    "loggers": {"django.db.backends": {"level": "INFO"}},
}
