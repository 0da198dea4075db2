"""Settings read from the environment, with safe single-machine defaults.

With no environment at all Handoff runs on SQLite and a server-less Celery
transport (`filesystem://`) under `var/`, so `make run` needs nothing installed.
Production sets DATABASE_URL (PostgreSQL) and CELERY_BROKER_URL (Redis).
"""

from datetime import timedelta
from pathlib import Path

import environ
from csp.constants import NONE, SELF

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()
environ.Env.read_env(BASE_DIR / ".env", overwrite=False)

DATA_DIR = Path(env.str("HANDOFF_DATA_DIR", default=str(BASE_DIR / "var")))
DATA_DIR.mkdir(parents=True, exist_ok=True)

DEBUG = env.bool("DEBUG", default=False)
SECRET_KEY = env.str("SECRET_KEY", default="insecure-dev-key-change-me-in-production-" + "x" * 16)
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["localhost", "127.0.0.1", "[::1]"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "axes",
    "csp",
    "django_htmx",
    "template_partials",
    "orchestrations",
    "builder",
    "inbox",
    "demo",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "csp.middleware.CSPMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    # Last: turns a login refused for too many failures into the login form saying so.
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
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "inbox.context_processors.inbox_counts",
            ],
        },
    },
]

# SQLite: WAL plus IMMEDIATE transactions, so the web server and the worker
# queue for the write lock instead of failing with "database is locked".
DATABASES = {
    "default": env.db_url("DATABASE_URL", default=f"sqlite:///{DATA_DIR / 'handoff.sqlite3'}"),
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"]["OPTIONS"] = {
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    }
    DATABASES["default"]["TEST"] = {"NAME": str(DATA_DIR / "test.sqlite3")}
else:
    # Persistent connections: each web or worker process keeps its connection for this many
    # seconds instead of opening one (a new PostgreSQL server process) per request; checked
    # before reuse, so a restarted database costs one failed check, not an error.
    DATABASES["default"]["CONN_MAX_AGE"] = env.int("DATABASE_CONN_MAX_AGE", default=60)
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "/"
LOGOUT_REDIRECT_URL = "login"
# axes first: it refuses a locked-out login before the password is even checked.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
# Login throttling (django-axes): after this many failed logins for one username from one
# address, that pair is refused for the cool-off; `manage.py axes_reset` (or axes_reset_username
# <name>) unlocks at once. A username+address pair, so that nobody can lock a colleague out from
# elsewhere and one office behind a NAT is not locked out by one person's typos.
AXES_FAILURE_LIMIT = env.int("HANDOFF_LOGIN_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = timedelta(minutes=env.int("HANDOFF_LOGIN_COOLOFF_MINUTES", default=15))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
# Every sign-in is logged (who, from where, when) for this many days, then deleted daily.
HANDOFF_LOGIN_LOG_KEEP_DAYS = env.int("HANDOFF_LOGIN_LOG_KEEP_DAYS", default=90)
AXES_LOCKOUT_CALLABLE = "config.lockout.lockout_response"
AXES_CLIENT_IP_CALLABLE = "config.lockout.client_address"
# Behind N reverse proxies, the client's address is the Nth entry of X-Forwarded-For from the
# right (each proxy appends the address it received the request from); 0: REMOTE_ADDR.
HANDOFF_PROXY_COUNT = env.int("HANDOFF_PROXY_COUNT", default=0)

LANGUAGE_CODE = "en-us"
TIME_ZONE = env.str("TIME_ZONE", default="UTC")
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = DATA_DIR / "static"
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": env.str(
            "STATICFILES_BACKEND",
            default="django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG
            else "whitenoise.storage.CompressedManifestStaticFilesStorage",
        )
    },
}

# Email: printed to the console unless an SMTP server is configured.
EMAIL_BACKEND = env.str("EMAIL_BACKEND", default="django.core.mail.backends.console.EmailBackend")
# For EMAIL_BACKEND=django.core.mail.backends.filebased.EmailBackend: one file per send.
EMAIL_FILE_PATH = env.str("EMAIL_FILE_PATH", default=str(DATA_DIR / "mail"))
EMAIL_HOST = env.str("EMAIL_HOST", default="localhost")
EMAIL_PORT = env.int("EMAIL_PORT", default=25)
EMAIL_HOST_USER = env.str("EMAIL_HOST_USER", default="")
EMAIL_HOST_PASSWORD = env.str("EMAIL_HOST_PASSWORD", default="")
EMAIL_USE_TLS = env.bool("EMAIL_USE_TLS", default=False)
# Seconds; well within the outbox's claim (60 s), so a hung server is not sent to twice.
EMAIL_TIMEOUT = env.int("EMAIL_TIMEOUT", default=20)
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="Handoff <handoff@localhost>")
SUPPORT_EMAILS = env.list("HANDOFF_SUPPORT_EMAILS", default=[])
# Absolute address used in email links, e.g. https://handoff.example.com
SITE_URL = env.str("HANDOFF_SITE_URL", default="http://127.0.0.1:8000")

# Celery: a broker that needs no server by default (folders under var/).
CELERY_BROKER_URL = env.str("CELERY_BROKER_URL", default="filesystem://localhost//")
_queue_dir = DATA_DIR / "celery"
CELERY_BROKER_TRANSPORT_OPTIONS = (
    {
        "data_folder_in": str(_queue_dir / "queue"),
        "data_folder_out": str(_queue_dir / "queue"),
        "processed_folder": str(_queue_dir / "processed"),
        # kombu's default is ./control, relative to whatever directory the process started in.
        "control_folder": str(_queue_dir / "control"),
        "store_processed": False,
    }
    if CELERY_BROKER_URL.startswith("filesystem")
    else {}
)
if CELERY_BROKER_URL.startswith("filesystem"):
    # The filesystem transport does not create its folders; a missing one fails the first send.
    for _folder in ("queue", "processed", "control"):
        (_queue_dir / _folder).mkdir(parents=True, exist_ok=True)
CELERY_TASK_ALWAYS_EAGER = env.bool("CELERY_TASK_ALWAYS_EAGER", default=False)
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_IGNORE_RESULT = True
# Two queues: background actions go to "handoff.actions" (engine.dispatch); everything
# else (the sweeper, outbox deliveries) to this one, consumed by a worker of its own so
# that it never waits behind long actions.
CELERY_TASK_DEFAULT_QUEUE = "handoff.control"
# A publish after commit must not hang a request while the broker is down: the outbox
# keeps the message and the sweeper sends it.
CELERY_BROKER_CONNECTION_TIMEOUT = env.float("CELERY_BROKER_CONNECTION_TIMEOUT", default=2.0)
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# A broker blip must not cancel bodies that are running (their lease decides).
CELERY_WORKER_CANCEL_LONG_RUNNING_TASKS_ON_CONNECTION_LOSS = False
CELERY_BEAT_SCHEDULE_FILENAME = str(DATA_DIR / "celerybeat-schedule")
HANDOFF_SWEEP_SECONDS = env.float("HANDOFF_SWEEP_SECONDS", default=5)
CELERY_BEAT_SCHEDULE = {
    "sweep": {
        "task": "orchestrations.tasks.sweep",
        "schedule": timedelta(seconds=HANDOFF_SWEEP_SECONDS),
        # A sweep not started within one interval is superseded by the next one.
        "options": {"expires": HANDOFF_SWEEP_SECONDS},
    },
    "forget-old-logins": {"task": "config.forget_old_logins", "schedule": timedelta(days=1)},
}

# Orchestration engine
HANDOFF_MAX_STAGE_VISITS = env.int("HANDOFF_MAX_STAGE_VISITS", default=20)
HANDOFF_HTTP_ALLOWED_HOSTS = env.list("HANDOFF_HTTP_ALLOWED_HOSTS", default=[])
# The time limit of one background attempt: past it the body is stopped and the
# attempt fails as timed out (and is retried per the step's policy).
HANDOFF_ACTION_TIMEOUT_SECONDS = env.int("HANDOFF_ACTION_TIMEOUT_SECONDS", default=300)
# The lease a running attempt holds, renewed by its worker every third of it: a worker
# that dies is noticed within a lease plus one sweep.
HANDOFF_LEASE_SECONDS = env.float("HANDOFF_LEASE_SECONDS", default=15)
# An attempt sent this long ago that nobody claimed, with the actions queue empty, is
# missing (lost by the broker) and is sent again.
HANDOFF_MISSING_MESSAGE_SECONDS = env.float("HANDOFF_MISSING_MESSAGE_SECONDS", default=30)
# Outbox rows sent (or discarded) longer ago than this are deleted by the sweeper.
HANDOFF_OUTBOX_KEEP_DAYS = env.int("HANDOFF_OUTBOX_KEEP_DAYS", default=7)
# /healthz fails (503) when the oldest unsent outbox message is older than this, or the
# sweeper has not run for this long.
HANDOFF_HEALTH_OUTBOX_LAG_SECONDS = env.int("HANDOFF_HEALTH_OUTBOX_LAG_SECONDS", default=120)
HANDOFF_HEALTH_SWEEP_STALE_SECONDS = env.int("HANDOFF_HEALTH_SWEEP_STALE_SECONDS", default=60)

# Browser-side security ----------------------------------------------------------------
# Content-Security-Policy (django-csp): scripts and styles only from our own static files;
# no inline script, no inline style, no eval (htmx is configured for it in base.html), no
# framing. data: images are Pico's and the admin's icons, drawn as inline SVG in their CSS.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [SELF, "data:"],
        "object-src": [NONE],
        "base-uri": [NONE],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
    },
}
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
CSRF_FAILURE_VIEW = "config.errors.csrf_failure"

# Served over HTTPS: on whenever DEBUG is off (set HANDOFF_HTTPS=false to try the production
# stack over plain HTTP on a private machine). Cookies are then sent over HTTPS only, plain
# HTTP is redirected (except /healthz, for load balancers that probe over HTTP), and browsers
# are told to use HTTPS only for HANDOFF_HSTS_SECONDS.
HANDOFF_HTTPS = env.bool("HANDOFF_HTTPS", default=not DEBUG)
SESSION_COOKIE_SECURE = HANDOFF_HTTPS
CSRF_COOKIE_SECURE = HANDOFF_HTTPS
SECURE_SSL_REDIRECT = env.bool("HANDOFF_SSL_REDIRECT", default=HANDOFF_HTTPS)
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
SECURE_HSTS_SECONDS = env.int("HANDOFF_HSTS_SECONDS", default=31_536_000 if HANDOFF_HTTPS else 0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env.bool("HANDOFF_HSTS_INCLUDE_SUBDOMAINS", default=True)
SECURE_HSTS_PRELOAD = env.bool("HANDOFF_HSTS_PRELOAD", default=False)
if not SECURE_HSTS_PRELOAD:
    # Asking browsers to preload the domain is its owner's decision (hstspreload.org takes
    # the header as consent, and leaving the list takes months): off unless switched on.
    SILENCED_SYSTEM_CHECKS = ["security.W021"]
# Only behind a reverse proxy that terminates TLS and always sets this header itself (and
# strips it from what clients send): e.g. X-Forwarded-Proto. Otherwise a client could claim
# HTTPS over plain HTTP.
_proxy_ssl_header = env.str("HANDOFF_PROXY_SSL_HEADER", default="")
if _proxy_ssl_header:
    SECURE_PROXY_SSL_HEADER = ("HTTP_" + _proxy_ssl_header.upper().replace("-", "_"), "https")

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
    # axes announces itself at every start of every process; its lockouts stay (warnings).
    "loggers": {"axes.apps": {"level": "WARNING"}},
}
