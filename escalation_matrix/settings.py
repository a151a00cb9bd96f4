"""Settings, read from the environment.

With nothing set, the app runs on SQLite and Celery's filesystem transport under ``var/`` so that the
first ``make run`` needs no server. Set ``DATABASE_URL`` and ``REDIS_URL`` for PostgreSQL and Redis.
Our own variables never start with ``CELERY_``: Celery reads those as its own command-line options.
"""

import os
from pathlib import Path

import dj_database_url
from celery.schedules import crontab

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(os.environ.get("VAR_DIR", BASE_DIR / "var"))


def envbool(name: str, default: bool = False) -> bool:
    return os.environ.get(name, str(default)).strip().lower() in {"1", "true", "yes", "on"}


def envint(name: str, default: int) -> int:
    return int(os.environ.get(name, default))


def envlist(name: str, default: str = "") -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


# Zero-setup mode (no DATABASE_URL) is a developer's machine: DEBUG defaults on there, so that
# `manage.py` commands work with no environment. A deployment sets DATABASE_URL and gets DEBUG off.
DEBUG = envbool("DEBUG", not os.environ.get("DATABASE_URL"))
# An empty SECRET_KEY in production is refused by a system check (escalation_matrix.checks);
# the development fallback only works with DEBUG on.
SECRET_KEY = os.environ.get("SECRET_KEY") or ("dev-insecure-key-change-me" if DEBUG else "")
ALLOWED_HOSTS = envlist("ALLOWED_HOSTS", "127.0.0.1,localhost" if DEBUG else "")
CSRF_TRUSTED_ORIGINS = envlist("CSRF_TRUSTED_ORIGINS")
SITE_URL = os.environ.get("SITE_URL", "http://127.0.0.1:8000")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "csp",
    "simple_history",
    "axes",
    "crispy_forms",
    "crispy_bootstrap5",
    "django_htmx",
    "django_filters",
    "rest_framework",
    "rest_framework.authtoken",
    "drf_spectacular",
    "escalation_matrix.apps.ProjectConfig",
    "notifications",
    "matrix",
    "incidents",
    "reviews",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "csp.middleware.CSPMiddleware",  # before WhiteNoise: static responses carry the policy too
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.auth.middleware.LoginRequiredMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    # Last, as django-axes asks: it turns a locked-out login into a clear 429 page.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "escalation_matrix.urls"
WSGI_APPLICATION = "escalation_matrix.wsgi.application"

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
                "matrix.context_processors.on_call",  # the top bar's "On call" menu
            ],
        },
    },
]

if os.environ.get("DATABASE_URL"):
    # Connections are kept for a minute and checked before each request or task reuses one: after a
    # failover, a restart or a pooler dropping them, the first request opens a fresh one instead of failing.
    DATABASES = {
        "default": dj_database_url.parse(os.environ["DATABASE_URL"], conn_max_age=60, conn_health_checks=True)
    }
    if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
        # PostgreSQL's JIT compiles any query whose estimated cost is high, which the metrics' GROUP BYs
        # over 100,000 incidents reach: 0.5–1.5 s of compiling for 0.1 s of work (bench/accuracy.py). No
        # query here runs long enough for JIT to pay off.
        options = DATABASES["default"].setdefault("OPTIONS", {})
        options["options"] = (options.get("options", "") + " -c jit=off").strip()
else:
    VAR_DIR.mkdir(parents=True, exist_ok=True)
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": VAR_DIR / "db.sqlite3",
            # Web, worker and beat write at once in `make run`: queue writers instead of failing.
            "OPTIONS": {
                "transaction_mode": "IMMEDIATE",
                "timeout": 20,
                "init_command": "PRAGMA journal_mode=WAL;",
            },
        }
    }

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",  # throttles login attempts (per username and address)
    "django.contrib.auth.backends.ModelBackend",
]
AXES_FAILURE_LIMIT = envint("LOGIN_FAILURE_LIMIT", 5)
AXES_COOLOFF_TIME = envint("LOGIN_COOLOFF_MINUTES", 15) / 60  # hours
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_VERBOSE = False
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"
# Behind a reverse proxy every request comes from the proxy's address: say how many proxies stand in front
# (each appends to X-Forwarded-For), and login throttling and API rate limits count the real client's address
# instead, so one shared address cannot lock everyone out. 0: requests come straight from clients.
TRUSTED_PROXY_COUNT = envint("TRUSTED_PROXY_COUNT", 0)
AXES_CLIENT_IP_CALLABLE = "escalation_matrix.throttling.client_address"
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "matrix:home"
LOGOUT_REDIRECT_URL = "login"

LANGUAGE_CODE = "en-us"
TIME_ZONE = os.environ.get("TIME_ZONE", "UTC")
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = VAR_DIR / "staticfiles"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
        if not DEBUG
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}

CRISPY_ALLOWED_TEMPLATE_PACKS = "bootstrap5"
CRISPY_TEMPLATE_PACK = "bootstrap5"

# Email: SMTP when EMAIL_HOST is set. Without it, in development, each message is kept in the outbox folder,
# announced in one log line and read in full at /dev/outbox/ (escalation_matrix.mail); with DEBUG off, printed.
EMAIL_HOST = os.environ.get("EMAIL_HOST", "")
EMAIL_PORT = envint("EMAIL_PORT", 587)
EMAIL_HOST_USER = os.environ.get("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = os.environ.get("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = envbool("EMAIL_USE_TLS", True)
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "escalation-matrix@localhost")
if EMAIL_HOST:
    EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
elif DEBUG:
    EMAIL_BACKEND = "escalation_matrix.mail.OutboxBackend"
else:
    EMAIL_BACKEND = "django.core.mail.backends.console.EmailBackend"
DEV_OUTBOX_DIR = VAR_DIR / "outbox"

# Celery: Redis when REDIS_URL is set, otherwise kombu's filesystem transport under var/.
REDIS_URL = os.environ.get("REDIS_URL", "")
BROKER_DIR = VAR_DIR / "broker"
if REDIS_URL:
    CELERY_BROKER_URL = REDIS_URL
    CELERY_BROKER_TRANSPORT = "escalation_matrix.celery:RedisTransport"  # survives a lost connection (see there)
    CELERY_BROKER_TRANSPORT_OPTIONS: dict = {
        # Without them a Redis that stops answering (paused, failing over, behind a dropped route) blocks
        # a publish forever, and with it the web request that filed an incident. Half a second is ages for
        # Redis; a publish tries twice (notifications.dispatch), then the outbox sweep takes over.
        "socket_connect_timeout": 0.5,
        "socket_timeout": 0.5,
        # A message is handed to another worker if unacknowledged this long: longer than the longest
        # countdown we publish (a notification's last back-off, 2 h), or each hour would duplicate it.
        "visibility_timeout": 3 * 60 * 60,
    }
else:
    for sub in ("queue", "processed", "control"):
        (BROKER_DIR / sub).mkdir(parents=True, exist_ok=True)
    # The host is meaningless to the filesystem transport, but without one kombu warns "No hostname was
    # supplied" from every process, each time it opens a connection.
    CELERY_BROKER_URL = "filesystem://localhost//"
    CELERY_BROKER_TRANSPORT = "escalation_matrix.celery:FilesystemTransport"  # atomic publishing (see there)
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(BROKER_DIR / "queue"),
        "data_folder_out": str(BROKER_DIR / "queue"),
        "processed_folder": str(BROKER_DIR / "processed"),
        "store_processed": False,
        "control_folder": str(BROKER_DIR / "control"),  # kombu's default is ./control, inside the checkout
    }
CELERY_TASK_IGNORE_RESULT = True
# Three queues, each with workers of its own (Procfile): the timer sweep never waits behind a slow mail
# server, and deliveries never wait behind reminders. Everything not routed here goes to "celery".
CELERY_TASK_DEFAULT_QUEUE = "celery"
CELERY_TASK_ROUTES = {
    "incidents.tasks.timers_tick": {"queue": "timers"},
    "notifications.tasks.sweep_notifications": {"queue": "timers"},
    "notifications.tasks.deliver_notifications": {"queue": "notifications"},
}
# A worker takes one message per pool slot at a time: a killed worker strands no others in its memory.
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
# The worker and beat outlive any broker outage: they retry connecting forever (Celery's default gives up
# after 100 attempts, about 50 minutes).
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_BROKER_CONNECTION_MAX_RETRIES = None
# Only tasks with late acknowledgement are affected (we have none); Celery 6's default, and no warning.
CELERY_WORKER_CANCEL_LONG_RUNNING_TASKS_ON_CONNECTION_LOSS = True
CELERY_TIMEZONE = TIME_ZONE
CELERY_BEAT_SCHEDULE_FILENAME = str(VAR_DIR / "celerybeat-schedule")
CELERY_BEAT_SCHEDULER = "escalation_matrix.beat:HeartbeatScheduler"
# Each worker and beat writes a heartbeat this often; one silent for HEARTBEAT_DEAD_SECONDS is dead
# (escalation_matrix.liveness): /healthz says so, and the outbox takes back what it had claimed.
HEARTBEAT_SECONDS = envint("HEARTBEAT_SECONDS", 2)
HEARTBEAT_DEAD_SECONDS = envint("HEARTBEAT_DEAD_SECONDS", 10)
CELERY_BEAT_SCHEDULE = {
    # Incident timers: the sweep claims what is due each second; a tick nobody ran in time expires.
    "incident-timers": {
        "task": "incidents.tasks.timers_tick",
        "schedule": 1.0,
        "options": {"expires": 1},
    },
    # The outbox's safety net: re-dispatches notifications whose broker message was lost, and takes back
    # claims of dead workers. Every few seconds, so a page held by a killed worker is seconds late, not minutes.
    "notifications-sweep": {
        "task": "notifications.tasks.sweep_notifications",
        "schedule": 3.0,
        "options": {"expires": 3},
    },
    # Post-incident reviews and action items: due and overdue reminders, once a day (in TIME_ZONE).
    "review-reminders": {
        "task": "reviews.tasks.send_review_reminders",
        "schedule": crontab(minute=0, hour=envint("REVIEW_REMINDER_HOUR", 8)),
    },
    # The quarterly matrix review: opens the next one when due, reminds 14/7/1 days before and daily after.
    "matrix-review-reminders": {
        "task": "reviews.send_matrix_review_reminders",
        "schedule": crontab(minute=5, hour=envint("REVIEW_REMINDER_HOUR", 8)),
    },
    # Drills whose start time has come are started (their drill incident filed) within a minute.
    "drills-start": {
        "task": "reviews.start_due_drills",
        "schedule": 60.0,
        "options": {"expires": 60},
    },
    # Training: assignments due, overdue, or due a refresher.
    "training-reminders": {
        "task": "reviews.send_training_reminders",
        "schedule": crontab(minute=10, hour=envint("REVIEW_REMINDER_HOUR", 8)),
    },
}

# The cache holds the matrix version (matrix.cache): it must be shared by the web, worker and beat
# processes, so Redis when there is one, else files under VAR_DIR — never a per-process LocMem cache.
# Short socket timeouts: a Redis that stops answering costs a request at most that long (the matrix is
# then read from the database), never a hang.
if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": "em",
            "OPTIONS": {"socket_connect_timeout": 0.5, "socket_timeout": 0.5},
        }
    }
else:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
            "LOCATION": str(VAR_DIR / "cache"),
            "KEY_PREFIX": "em",
        }
    }

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "rest_framework.authentication.TokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    # Rate limits (escalation_matrix/throttling.py): per user or token, per address when anonymous; inbound
    # hooks per integration (incidents/api/hooks.py). A 429 says when to retry.
    "DEFAULT_THROTTLE_CLASSES": [
        "escalation_matrix.throttling.UserRateThrottle",
        "escalation_matrix.throttling.AnonRateThrottle",
    ],
    "DEFAULT_THROTTLE_RATES": {
        "user": os.environ.get("API_RATE_USER", "600/min"),
        "anon": os.environ.get("API_RATE_ANON", "60/min"),
        "hook": os.environ.get("API_RATE_HOOK", "300/min"),
    },
    "NUM_PROXIES": TRUSTED_PROXY_COUNT or None,
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Escalation Matrix API",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    # The default hook (enums as components), then the 401 and 429 every operation may answer.
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "escalation_matrix.api_schema.add_common_responses",
    ],
}

# Inbound hooks (incidents/api/hooks.py): a larger body is refused with a 413 before it is read. Never more
# than DATA_UPLOAD_MAX_MEMORY_SIZE (2.5 MB), which Django applies to every request.
HOOK_MAX_BODY_BYTES = envint("HOOK_MAX_BODY_BYTES", 256 * 1024)

# Notifications: every send gives up after NOTIFICATION_TIMEOUT_SECONDS (far inside the seconds a dead
# worker's claim is kept); a delivery task sends its batch on up to NOTIFICATION_SEND_THREADS connections at
# once, so a burst to a slow receiver drains in seconds; a message is dead-lettered after
# NOTIFICATION_MAX_ATTEMPTS attempts.
NOTIFICATION_TIMEOUT_SECONDS = envint("NOTIFICATION_TIMEOUT_SECONDS", 5)
NOTIFICATION_SEND_THREADS = envint("NOTIFICATION_SEND_THREADS", 20)
NOTIFICATION_MAX_ATTEMPTS = envint("NOTIFICATION_MAX_ATTEMPTS", 6)
# Webhooks are called only at public addresses (notifications.outbound), so a contact channel cannot make the
# worker call this server, the cloud metadata service or anything else inside the network. These hosts (names
# or addresses, each optionally with :port) may be called whatever they resolve to: an internal relay, say.
OUTBOUND_ALLOWED_HOSTS = envlist("OUTBOUND_ALLOWED_HOSTS")

# Matrix governance.
# Every change's reason is kept whole in the history (simple-history's default cuts it at 100 characters).
SIMPLE_HISTORY_HISTORY_CHANGE_REASON_USE_TEXT_FIELD = True
MATRIX_CONTACT_STALE_DAYS = envint("MATRIX_CONTACT_STALE_DAYS", 90)
# With approvals on, a change saved in the admin becomes a change request that an approver other than its
# author must approve before the matrix changes (matrix.governance). Off: the admin saves directly.
MATRIX_APPROVALS = envbool("MATRIX_APPROVALS", True)
# Learning from misroutes: when this many of one rule's incidents within this many days were moved to one
# team as misroutes, a change request refining the rule is drafted for a manager (incidents.learning).
ROUTING_REFINE_THRESHOLD = envint("ROUTING_REFINE_THRESHOLD", 3)
ROUTING_REFINE_DAYS = envint("ROUTING_REFINE_DAYS", 90)

# Post-incident reviews: due this many of the owning team's business days after the resolve.
REVIEW_DUE_BUSINESS_DAYS = envint("REVIEW_DUE_BUSINESS_DAYS", 5)

# The quarterly matrix review (reviews.matrix_reviews): due this many days after the last sign-off (or the
# first deploy); run by this user (a username; empty: the first active member of the Managers group).
MATRIX_REVIEW_INTERVAL_DAYS = envint("MATRIX_REVIEW_INTERVAL_DAYS", 91)
MATRIX_REVIEW_OWNER = os.environ.get("MATRIX_REVIEW_OWNER", "")
# Its checklist lists rules right first time in fewer than this share (percent) of their incidents, and tiers
# breached in more than this share; only rules and tiers with at least MATRIX_REVIEW_MIN_INCIDENTS count.
MATRIX_REVIEW_RULE_ACCURACY_MIN = envint("MATRIX_REVIEW_RULE_ACCURACY_MIN", 80)
MATRIX_REVIEW_BREACH_RATE_MAX = envint("MATRIX_REVIEW_BREACH_RATE_MAX", 20)
MATRIX_REVIEW_MIN_INCIDENTS = envint("MATRIX_REVIEW_MIN_INCIDENTS", 5)

# Production hardening; `manage.py check --deploy` must be clean with DEBUG off.
if not DEBUG:
    SECURE_SSL_REDIRECT = envbool("SECURE_SSL_REDIRECT", True)
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_HSTS_SECONDS = envint("SECURE_HSTS_SECONDS", 31536000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    SECURE_CONTENT_TYPE_NOSNIFF = True
X_FRAME_OPTIONS = "DENY"
# Content-Security-Policy (django-csp): the browser runs and styles only what this server serves itself, so
# injected markup cannot run script, restyle a page into a phishing form, or call home. No 'unsafe-inline' or
# 'unsafe-eval': the templates carry no inline script, handler or style (escalation_matrix/tests/test_csp.py
# scans them), and htmx runs without eval (its config meta tag in base.html). data: images are Bootstrap's
# inline SVG icons (form validation, selects, close buttons).
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "connect-src": ["'self'"],
        "font-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    },
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"client_error_without_traceback": {"()": "escalation_matrix.logging.ClientErrorWithoutTraceback"}},
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
    "loggers": {
        "axes": {"level": "WARNING"},  # it logs every login at INFO
        # One line per development e-mail, even from workers started at --loglevel WARNING (Procfile.dev).
        "escalation_matrix.mail": {"level": "INFO"},
        # Django's defaults give "django" a console handler of its own with DEBUG on, so every record was
        # written twice in development (tracebacks included); the root's console writes them once.
        # (Its mail_admins handler mailed nobody: ADMINS is not set.)
        "django": {"handlers": [], "level": "INFO"},
        # A refused or unknown request is one line, not a traceback (escalation_matrix.logging).
        "django.request": {"filters": ["client_error_without_traceback"]},
    },
}
