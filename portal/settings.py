"""MeterGate settings: every value comes from the environment here, with embedded defaults.

Without any environment the portal runs on a SQLite file, with Celery tasks run eagerly and
e-mails printed to the console. Production sets DEBUG=0, SECRET_KEY, ALLOWED_HOSTS,
DATABASE_URL and REDIS_URL; it then passes `manage.py check --deploy`.
"""

import os
from datetime import timedelta
from pathlib import Path

import dj_database_url
from celery.schedules import crontab
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent


def env_bool(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: str = "") -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


DEBUG = env_bool("DEBUG", default=False)
SECRET_KEY = os.environ.get("SECRET_KEY", "")
if not SECRET_KEY:
    if not DEBUG and env_bool("REQUIRE_SECRET_KEY", default=False):
        raise ImproperlyConfigured("SECRET_KEY must be set when DEBUG is off.")
    # Development and test only; `check --deploy` flags this key (security.W009).
    SECRET_KEY = "django-insecure-metergate-development-key-do-not-use-in-production"  # noqa: S105
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "localhost,127.0.0.1,[::1],testserver")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")
SITE_URL = os.environ.get("SITE_URL", "http://127.0.0.1:8000").rstrip("/")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "rest_framework",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "oauth2_provider",
    "anymail",
    "portal",
    "meters",
    "agreements",
    "usage",
    "reports",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "portal.urls"
WSGI_APPLICATION = "portal.wsgi.application"
ASGI_APPLICATION = "portal.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "portal.context_processors.portal",
            ],
        },
    },
]

# --- Database: a SQLite file unless DATABASE_URL names another (PostgreSQL via psycopg 3).
DATABASES = {
    "default": dj_database_url.parse(
        os.environ.get("DATABASE_URL") or f"sqlite:///{BASE_DIR / 'db.sqlite3'}",
        conn_max_age=int(os.environ.get("DATABASE_CONN_MAX_AGE", "60")),
        conn_health_checks=True,
    )
}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Redis: Celery broker and cache. Without it, tasks run eagerly in the web process.
REDIS_URL = os.environ.get("REDIS_URL", "")
if REDIS_URL:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL}}
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

CELERY_BROKER_URL = REDIS_URL or "memory://"
CELERY_RESULT_BACKEND = None
CELERY_TASK_ALWAYS_EAGER = env_bool("CELERY_TASK_ALWAYS_EAGER", default=not REDIS_URL)
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TASK_ACKS_LATE = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_DEFAULT_QUEUE = "default"
# Queues by kind of work, so that a big export never delays an e-mail.
CELERY_TASK_ROUTES = {
    "portal.tasks.send_email": {"queue": "email"},
    "usage.tasks.ingest_inbox": {"queue": "ingest"},
    # Report files (env REPORTS_QUEUE: a test worker's own queue).
    "reports.tasks.run_report": {"queue": os.environ.get("REPORTS_QUEUE", "reports")},
    # Consumption extract files are bulk file work too.
    "usage.tasks.run_extract": {"queue": os.environ.get("REPORTS_QUEUE", "reports")},
    # HAN requests and messages to the meter network (env HEADEND_QUEUE: a test worker's own queue).
    "meters.tasks.*": {"queue": os.environ.get("HEADEND_QUEUE", "headend")},
    # Webhook requests wait on third parties' servers: their own queue (env WEBHOOKS_QUEUE for a test worker).
    "portal.webhooks.tasks.*": {"queue": os.environ.get("WEBHOOKS_QUEUE", "webhooks")},
    # On-demand meter reads go to the meter network too.
    "usage.tasks.*_on_demand_read*": {"queue": os.environ.get("HEADEND_QUEUE", "headend")},
}
CELERY_BEAT_SCHEDULE: dict = {
    # The access gate already ignores agreements past their end; the sweep records the expiry.
    "agreements-expire-due": {"task": "agreements.tasks.expire_due", "schedule": 15 * 60},
    # Meter-data files dropped into USAGE_INBOX_DIR; monthly interval partitions kept 3 months ahead.
    "usage-ingest-inbox": {"task": "usage.tasks.ingest_inbox", "schedule": 60},
    "usage-create-interval-partitions": {"task": "usage.tasks.create_interval_partitions", "schedule": 24 * 60 * 60},
    # Report schedules: each due period (missed ones caught up) becomes one report request.
    "reports-run-due-schedules": {"task": "reports.tasks.run_due_schedules", "schedule": 5 * 60},
    # Reports whose task was lost (a dead worker machine, a broker restart) are queued again.
    "reports-resume-stalled": {"task": "reports.tasks.resume_stalled_reports", "schedule": 10 * 60},
    # Consumption extracts: each automated type's incremental (and corrections), after local midnight.
    "usage-create-incremental-extracts": {
        "task": "usage.tasks.create_incremental_extracts",
        "schedule": crontab(hour="7", minute="0"),
    },
    "usage-compact-last-month": {
        "task": "usage.tasks.compact_last_months_partition",
        "schedule": crontab(day_of_month="3", hour="4", minute="0"),
    },
    # HAN requests: send any the web process could not enqueue, poll answers, time out, purge > 13 months.
    "meters-han-poll": {"task": "meters.tasks.poll_open_requests", "schedule": 60},
    # On-demand reads: send what the web process could not enqueue, poll answers, time out.
    "usage-on-demand-sweep": {"task": "usage.tasks.sweep_on_demand_reads", "schedule": 60},
    "meters-han-expire": {"task": "meters.tasks.expire_han_requests", "schedule": 60},
    "meters-han-purge": {"task": "meters.tasks.purge_han_history", "schedule": 24 * 60 * 60},
    # Webhooks: retries that are due, and sends whose task was lost; the delivery log is trimmed daily.
    "webhooks-deliver-due": {"task": "portal.webhooks.tasks.deliver_due_webhooks", "schedule": 30},
    "webhooks-purge-history": {"task": "portal.webhooks.tasks.purge_webhook_history", "schedule": 24 * 60 * 60},
}
CELERY_TIMEZONE = "UTC"
# A task a dead worker had taken (acks_late) goes back to the queue after this many seconds on
# Redis; it must exceed the longest task (a big report), which is also safe to run twice.
CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": int(os.environ.get("CELERY_VISIBILITY_TIMEOUT", "3600"))}

# --- E-mail: an ESP through django-anymail when EMAIL_ESP is set (e.g. "mailgun", "postmark",
# "sendgrid", "amazon_ses"; its keys in ANYMAIL_* variables), SMTP when EMAIL_HOST is set,
# files when EMAIL_FILE_PATH is set, else the console.
EMAIL_ESP = os.environ.get("EMAIL_ESP", "")
if EMAIL_ESP:
    EMAIL_BACKEND = f"anymail.backends.{EMAIL_ESP}.EmailBackend"
    ANYMAIL = {key.removeprefix("ANYMAIL_"): value for key, value in os.environ.items() if key.startswith("ANYMAIL_")}
elif os.environ.get("EMAIL_HOST"):
    EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    EMAIL_HOST = os.environ["EMAIL_HOST"]
    EMAIL_PORT = int(os.environ.get("EMAIL_PORT", "25"))
    EMAIL_HOST_USER = os.environ.get("EMAIL_HOST_USER", "")
    EMAIL_HOST_PASSWORD = os.environ.get("EMAIL_HOST_PASSWORD", "")
    EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS")
elif os.environ.get("EMAIL_FILE_PATH"):
    EMAIL_BACKEND = "django.core.mail.backends.filebased.EmailBackend"
    EMAIL_FILE_PATH = os.environ["EMAIL_FILE_PATH"]
else:
    EMAIL_BACKEND = "django.core.mail.backends.console.EmailBackend"
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "MeterGate <no-reply@metergate.localhost>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL

# --- Accounts
AUTH_USER_MODEL = "portal.User"
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
PASSWORD_RESET_TIMEOUT = 60 * 60 * 24
ACCOUNT_ACTIVATION_DAYS = 3

# --- Internationalisation: stored times are UTC; premises show their local time.
LANGUAGE_CODE = "en-us"
TIME_ZONE = os.environ.get("TIME_ZONE", "America/Chicago")
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = Path(os.environ.get("STATIC_ROOT", BASE_DIR / "var" / "staticfiles"))
MEDIA_ROOT = Path(os.environ.get("MEDIA_ROOT", BASE_DIR / "var" / "media"))

# --- API
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "oauth2_provider.contrib.rest_framework.OAuth2Authentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "DEFAULT_PAGINATION_CLASS": "portal.api_support.Pagination",
    "PAGE_SIZE": 50,
    "EXCEPTION_HANDLER": "portal.api_support.exception_handler",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "MeterGate API",
    "DESCRIPTION": "Smart-meter data shared under explicit, revocable customer consent.",
    "VERSION": "1",
    "SERVE_INCLUDE_SCHEMA": False,
    "COMPONENT_SPLIT_REQUEST": True,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    # Machine clients (the utility's systems, third parties' servers) get tokens by client credentials.
    "OAUTH2_FLOWS": ["clientCredentials"],
    "OAUTH2_TOKEN_URL": "/oauth/token/",
    # Several models have a `status`; name their enums so the schema has no collisions.
    "ENUM_NAME_OVERRIDES": {
        "PremiseStatusEnum": "meters.models.Premise.Status",
        "BillingAccountStatusEnum": "meters.models.BillingAccount.Status",
        "InHomeDeviceStatusEnum": "meters.models.InHomeDevice.Status",
        "HanRequestStatusEnum": "meters.models.HanDeviceEvent.Status",
        "HanMessageStatusEnum": "meters.models.HanMessage.Status",
        "AgreementStatusEnum": "agreements.models.Agreement.Status",
        "CdsClientStatusEnum": "portal.cds.serializers.STATUSES",
        "CdsMessageStatusEnum": "portal.cds.serializers.MESSAGE_STATUSES",
        "CdsGrantStatusEnum": "agreements.grants_api.STATUSES",
        "CdsGrantCloseEnum": "agreements.grants_api.CLOSABLE",
        "ReportStatusEnum": "reports.models.ReportRequest.Status",
        "ReportItemStatusEnum": "reports.models.ReportItem.Status",
        "ReportScheduleStatusEnum": "reports.models.ReportSchedule.Status",
        "ReportSourceEnum": "reports.models.ReportRequest.Source",
        "AgreementSourceEnum": "agreements.models.Agreement.Source",
        "ReportFormatEnum": "reports.models.ReportFormat",
        "SmtVersionEnum": "reports.smt_v2.serializers.VERSIONS",
        "SmtReadingTypeEnum": "reports.smt_v2.serializers.READING_TYPES",
        "SmtReportFormatEnum": "reports.smt_v2.serializers.REPORT_FORMATS",
        "SmtDeliveryModeEnum": "reports.smt_v2.serializers.DELIVERY_MODES",
        "SmtDataTypeEnum": "reports.smt_v2.api_subscriptions.DATA_TYPES",
        "SmtSubscriptionTypeEnum": "reports.smt_v2.api_subscriptions.SUBSCRIPTION_TYPES",
        "SmtSubscriptionFormatEnum": "reports.smt_v2.api_subscriptions.FORMATS",
        "SmtSubscriptionDeliveryModeEnum": "reports.smt_v2.api_subscriptions.MODES",
        "DataKindEnum": "agreements.models.DataKind",
        "ScheduleKindEnum": "reports.serializers.SCHEDULE_KINDS",
        "WebhookEventEnum": "portal.webhooks.events.Event",
        "WebhookSubscribableEventEnum": "portal.webhooks.serializers.EVENT_CHOICES",
        "WebhookDeliveryStatusEnum": "portal.webhooks.models.WebhookDelivery.Status",
    },
}

# --- OAuth2 (django-oauth-toolkit). Clients belong to a third party, or to the utility itself.
OAUTH2_PROVIDER_APPLICATION_MODEL = "portal.OAuthClient"
# DOT's own token model, named so that our tables can point at it (credentials, grants).
OAUTH2_PROVIDER_ACCESS_TOKEN_MODEL = "oauth2_provider.AccessToken"  # noqa: S105 - a model name
OAUTH2_PROVIDER = {
    "SCOPES": {
        "provisioning": "Create and update label partners, customers, premises, meters, move-ins and move-outs",
        "agreements": "Manage agreement invitations and agreements",
        "usage": "Read usage data covered by an active agreement",
        "reports": "Request and schedule usage reports",
        "han": "Manage in-home devices and HAN messages",
        "webhooks": "Register webhook endpoints and read their delivery log",
        "ingest": "Deliver meter-data files",
        "tariffs": "Supply tariffs",
    },
    "DEFAULT_SCOPES": [],
    "SCOPES_BACKEND_CLASS": "portal.oauth.ClientScopes",
    # Short-lived access tokens; refresh tokens rotate and die 30 days after their last use.
    "ACCESS_TOKEN_EXPIRE_SECONDS": int(os.environ.get("ACCESS_TOKEN_EXPIRE_SECONDS", "900")),
    "REFRESH_TOKEN_EXPIRE_SECONDS": int(os.environ.get("REFRESH_TOKEN_EXPIRE_SECONDS", str(30 * 24 * 3600))),
    # CDS clients authenticate with their credentials (portal.cds); tokens are tied to grants.
    "OAUTH2_VALIDATOR_CLASS": "agreements.oauth_validator.GrantValidator",
    # RFC 8414 metadata lists only what is offered (CDS WG1-02: authorization code, refresh,
    # client credentials; Basic authentication).
    "OAUTH2_RESPONSE_TYPES_SUPPORTED": ["code"],
    "OAUTH2_GRANT_TYPES_SUPPORTED": ["authorization_code", "refresh_token", "client_credentials"],
    "OAUTH2_TOKEN_ENDPOINT_AUTH_METHODS_SUPPORTED": ["client_secret_basic"],
    "PKCE_REQUIRED": True,
    "REFRESH_TOKEN_REUSE_PROTECTION": True,
    "ROTATE_REFRESH_TOKEN": True,
    "ALLOW_URI_WILDCARDS": False,
    # Loopback http callbacks (RFC 8252) only while developing; https everywhere else.
    "ALLOWED_REDIRECT_URI_SCHEMES": env_list("OAUTH_REDIRECT_URI_SCHEMES", "http,https" if DEBUG else "https"),
    "OIDC_ISS_ENDPOINT": SITE_URL,
    # RFC 9700 (OAuth 2.0 Security BCP): no implicit or password grant, PKCE S256 only, tokens in
    # headers only, `iss` in authorization responses, tokens stored hashed.
    "COMPLIANT_BCP_RFC9700_IMPLICIT_GRANT": True,
    "COMPLIANT_BCP_RFC9700_PASSWORD_GRANT": True,
    "COMPLIANT_BCP_RFC9700_PKCE_METHOD": True,
    "COMPLIANT_BCP_RFC9700_ACCESS_TOKEN_TRANSPORT": True,
    "COMPLIANT_BCP_RFC9700_AUTHZ_RESPONSE_ISS": True,
    "COMPLIANT_BCP_RFC9700_TOKEN_STORAGE": True,
    "COMPLIANT_BCP_RFC9700_REFRESH_TOKEN": True,
    "COMPLIANT_BCP_RFC9700_REDIRECT_URI_SCHEME": not DEBUG,
    "COMPLIANT_BCP_RFC9700_REDIRECT_URI_MATCHING": True,
    "COMPLIANT_BCP_RFC9700_PKCE_REQUIRED": True,
}
# --- CDS server metadata (WG1-01): how third parties find and register with MeterGate.
CDS_SERVER_NAME = os.environ.get("CDS_SERVER_NAME", "MeterGate")
CDS_SERVER_DESCRIPTION = os.environ.get(
    "CDS_SERVER_DESCRIPTION", "Smart-meter data shared under explicit, revocable customer consent."
)
CDS_METADATA_CREATED = os.environ.get("CDS_METADATA_CREATED", "2026-01-01T00:00:00Z")
CDS_METADATA_UPDATED = os.environ.get("CDS_METADATA_UPDATED", "2026-01-01T00:00:00Z")
CDS_SUPPORT_URL = os.environ.get("CDS_SUPPORT_URL", "")  # empty: the developer page's support section
CDS_PAR_EXPIRES_SECONDS = 600  # a pushed authorization request outlives a slow login
CDS_REGISTRATION_RATE = os.environ.get("CDS_REGISTRATION_RATE", "60/hour")  # per address; no captcha there
# How many days (ending yesterday) of 15-minute reads seed_demo gives every demo premise.
DEMO_USAGE_DAYS = int(os.environ.get("DEMO_USAGE_DAYS", "365"))
# Aggregation privacy (WG3-01 §3.7): summed usage only for groups of at least this many customers
# in which no customer is more than this percentage of any interval.
CDS_AGGREGATION_MIN_CUSTOMERS = int(os.environ.get("CDS_AGGREGATION_MIN_CUSTOMERS", "15"))
CDS_AGGREGATION_MAX_SHARE = int(os.environ.get("CDS_AGGREGATION_MAX_SHARE", "15"))

# --- Security: on by default whenever DEBUG is off.
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", default=not DEBUG)
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https") if env_bool("BEHIND_PROXY") else None
SESSION_COOKIE_SECURE = env_bool("SESSION_COOKIE_SECURE", default=not DEBUG)
CSRF_COOKIE_SECURE = env_bool("CSRF_COOKIE_SECURE", default=not DEBUG)
SECURE_HSTS_SECONDS = int(os.environ.get("SECURE_HSTS_SECONDS", "0" if DEBUG else str(60 * 60 * 24 * 365)))
SECURE_HSTS_INCLUDE_SUBDOMAINS = not DEBUG
SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", default=not DEBUG)
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SESSION_COOKIE_HTTPONLY = True
SESSION_ENGINE = "django.contrib.sessions.backends.cached_db" if REDIS_URL else "django.contrib.sessions.backends.db"

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
    "loggers": {"django.db.backends": {"level": "WARNING"}},
}

# --- Domain settings
INVITATION_VALID_DAYS = 30
HEADEND_ADAPTER = os.environ.get("HEADEND_ADAPTER", "meters.headend.SimulatedHeadEnd")
# A HAN add / remove request or message without an answer from the head-end fails after this.
HAN_REQUEST_TIMEOUT = timedelta(minutes=int(os.environ.get("HAN_REQUEST_TIMEOUT_MINUTES", "10")))
HAN_POLL_SECONDS = int(os.environ.get("HAN_POLL_SECONDS", "5"))  # first poll of the head-end after a request
# On-demand meter reads: first poll after sending, and when an unanswered one times out.
ON_DEMAND_POLL_SECONDS = int(os.environ.get("ON_DEMAND_POLL_SECONDS", "5"))
ON_DEMAND_READ_TIMEOUT = timedelta(minutes=int(os.environ.get("ON_DEMAND_READ_TIMEOUT_MINUTES", "5")))
ACCESS_TOKEN_LIFETIME = timedelta(seconds=OAUTH2_PROVIDER["ACCESS_TOKEN_EXPIRE_SECONDS"])
# Meter-data files dropped here are ingested by a beat task, then moved to processed/ or failed/.
USAGE_INBOX_DIR = Path(os.environ.get("USAGE_INBOX_DIR", BASE_DIR / "var" / "inbox"))
# Reports: the embedded default destination (a folder per third party), FTPS client settings, and
# the Fernet keys (comma-separated, newest first) sealing delivery passwords (else from SECRET_KEY).
REPORTS_LOCAL_DIR = Path(os.environ.get("REPORTS_LOCAL_DIR", BASE_DIR / "var" / "reports"))
# Consumption extract files: each extract type's `destination` is a folder under this one.
EXTRACTS_ROOT = Path(os.environ.get("EXTRACTS_ROOT", BASE_DIR / "var" / "extracts"))
REPORTS_FTPS_CAFILE = os.environ.get("REPORTS_FTPS_CAFILE", "")  # extra CA certificates to trust (PEM)
REPORTS_FTPS_VERIFY = env_bool("REPORTS_FTPS_VERIFY", default=True)
REPORTS_FTPS_TIMEOUT = int(os.environ.get("REPORTS_FTPS_TIMEOUT", "30"))
REPORTS_MAX_ESIIDS = int(os.environ.get("REPORTS_MAX_ESIIDS", "5000"))  # per request
# Files of one report delivered at once (threads, each with its own FTPS session and database
# connection; more than 1 needs PostgreSQL).
REPORTS_DELIVERY_THREADS = int(os.environ.get("REPORTS_DELIVERY_THREADS", "1"))
DELIVERY_SECRET_KEYS = env_list("DELIVERY_SECRET_KEYS")
# Brute-force lock on password logins (portal login page, Smart Meter Texas customer API): failures
# counted per account and per client address over a window; at the limit, refused until it ends.
LOGIN_LOCK_MAX_FAILURES = int(os.environ.get("LOGIN_LOCK_MAX_FAILURES", "5"))
LOGIN_LOCK_MAX_FAILURES_PER_IP = int(os.environ.get("LOGIN_LOCK_MAX_FAILURES_PER_IP", "30"))
LOGIN_LOCK_SECONDS = int(os.environ.get("LOGIN_LOCK_SECONDS", "900"))
# Smart Meter Texas customer API (usage.smt_api): a token lapses after this long without use.
SMT_TOKEN_IDLE = timedelta(minutes=int(os.environ.get("SMT_TOKEN_IDLE_MINUTES", "15")))
# Smart Meter Texas v2 third-party API (reports.smt_v2): token lifetime, on-demand reads a day per company.
SMT_V2_TOKEN_SECONDS = int(os.environ.get("SMT_V2_TOKEN_SECONDS", "3600"))
SMT_V2_ODR_DAILY_CAP = int(os.environ.get("SMT_V2_ODR_DAILY_CAP", "3000"))
# NewAgreement durations SMT offers (1-36 months) above this are refused; our agreements run at most 12.
SMT_V2_MAX_AGREEMENT_MONTHS = int(os.environ.get("SMT_V2_MAX_AGREEMENT_MONTHS", "12"))
# Webhooks: https endpoints only, unless WEBHOOK_ALLOW_LOCAL (default: DEBUG) also allows plain http
# to this machine and private addresses (development and tests). Retries run for 72 hours; an
# endpoint with no success for WEBHOOK_DISABLE_AFTER (and at least WEBHOOK_DISABLE_MIN_FAILURES
# failures in a row) is disabled. A rotated-out secret still signs for WEBHOOK_SECRET_OVERLAP.
WEBHOOK_ALLOW_LOCAL = env_bool("WEBHOOK_ALLOW_LOCAL", default=DEBUG)
WEBHOOK_TIMEOUT_SECONDS = int(os.environ.get("WEBHOOK_TIMEOUT_SECONDS", "10"))
WEBHOOK_DISABLE_AFTER = timedelta(hours=int(os.environ.get("WEBHOOK_DISABLE_AFTER_HOURS", "72")))
WEBHOOK_DISABLE_MIN_FAILURES = int(os.environ.get("WEBHOOK_DISABLE_MIN_FAILURES", "10"))
WEBHOOK_SECRET_OVERLAP = timedelta(hours=int(os.environ.get("WEBHOOK_SECRET_OVERLAP_HOURS", "24")))
WEBHOOK_MAX_ENDPOINTS = int(os.environ.get("WEBHOOK_MAX_ENDPOINTS", "10"))  # per third party
WEBHOOK_LOG_DAYS = int(os.environ.get("WEBHOOK_LOG_DAYS", "30"))  # finished deliveries kept this long
