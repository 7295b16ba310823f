"""Settings shared by every environment.

Configuration comes from the environment (twelve-factor) through one `env` object; every
variable is documented in `.env.production.example` (local overrides: `.env.local.example`).
Defaults give a working local setup with no servers: SQLite and a file-system Celery broker.
"""

from pathlib import Path

import environ

BASE_DIR = Path(__file__).resolve().parent.parent.parent

env = environ.Env()
env_file = BASE_DIR / ".env"
if env_file.exists():
    environ.Env.read_env(str(env_file))

# ---------------------------------------------------------------------------------------
# Core
# ---------------------------------------------------------------------------------------
DEBUG = env.bool("DEBUG", default=False)
# What the local processes keep between runs on this machine: the embedded broker's folders,
# beat's schedule, the ROLLER sandbox's state. `make reset` empties it.
VAR_DIR = Path(env("VAR_DIR", default=str(BASE_DIR / "var")))
# A development key only; production.py refuses to start without a real one.
SECRET_KEY = env("SECRET_KEY", default="dev-insecure-only-for-local-use-0123456789abcdefghijklmnop")
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["localhost", "127.0.0.1", "[::1]"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django_htmx",
    "template_partials",
    "integrations",
    "integrations.roller",
    "integrations.delivery",
    "integrations.activate",
    "wizard",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "connector_site.middleware.UnreadableBodyMiddleware",
    "connector_site.middleware.PagesNotCachedMiddleware",
]

ROOT_URLCONF = "connector_site.urls"
WSGI_APPLICATION = "connector_site.wsgi.application"

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
            ],
        },
    },
]

# ---------------------------------------------------------------------------------------
# Database
# https://django-environ.readthedocs.io/en/latest/types.html#environ-env-db-url
# ---------------------------------------------------------------------------------------
DATABASES = {"default": env.db("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}")}
DATABASES["default"]["ATOMIC_REQUESTS"] = True
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # Web, worker and beat share one file: WAL lets readers go on while one writes, and the
    # busy time-out makes a writer wait for the lock instead of failing at once.
    DATABASES["default"]["OPTIONS"] = {
        "timeout": 20,
        "transaction_mode": "IMMEDIATE",
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    }
else:
    # Persistent connections: opening one per request costs more than the request itself.
    DATABASES["default"]["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE", default=60)
    # Off by default: a health check is one more round trip on every request, a third of the
    # webhook view's database time. A connection that died is replaced at the next request;
    # the webhook answering 503 once meanwhile is retried by ROLLER.
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = env.bool("CONN_HEALTH_CHECKS", default=False)
    # Django's cursors bind on the client and never prepare. The webhook insert asks for a
    # prepared statement (integrations.services.events); psycopg honours that only with a
    # threshold set, and this one is never reached by anything that does not ask. Turn it
    # off behind a transaction-mode pooler that cannot keep prepared statements (PgBouncer
    # before 1.21): the insert is then bound on the server without being prepared.
    if env.bool("DATABASE_PREPARED_STATEMENTS", default=True):
        DATABASES["default"].setdefault("OPTIONS", {})["prepare_threshold"] = 1_000_000

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# ---------------------------------------------------------------------------------------
# Auth
# ---------------------------------------------------------------------------------------
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "wizard:connection_list"
LOGOUT_REDIRECT_URL = "login"

# ---------------------------------------------------------------------------------------
# Internationalisation
# ---------------------------------------------------------------------------------------
LANGUAGE_CODE = "en-gb"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True
# One date style, and times that name their zone (the admin's are UTC, not the venue's).
# https://docs.djangoproject.com/en/5.2/ref/settings/#format-module-path
FORMAT_MODULE_PATH = ["connector_site.formats"]

# ---------------------------------------------------------------------------------------
# Static files
# ---------------------------------------------------------------------------------------
STATIC_URL = "static/"
# Where `collectstatic` gathers them, for WhiteNoise to serve in production.
STATIC_ROOT = env.path("STATIC_ROOT", default=BASE_DIR / "staticfiles")
STATICFILES_DIRS = [BASE_DIR / "static"]

# ---------------------------------------------------------------------------------------
# E-mail
# https://django-environ.readthedocs.io/en/latest/types.html#environ-env-email-url
# ---------------------------------------------------------------------------------------
vars().update(env.email_url("EMAIL_URL", default="consolemail://"))
DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL", default="Connector <noreply@localhost>")

# ---------------------------------------------------------------------------------------
# Secrets at rest: Client Secrets, webhook keys and access tokens are encrypted with these
# Fernet keys, newest first, never with SECRET_KEY (rotating one must not lose the other).
# Generate one with: python manage.py generate_encryption_key
# ---------------------------------------------------------------------------------------
FIELD_ENCRYPTION_KEYS = env.list(
    "FIELD_ENCRYPTION_KEYS",
    # Development key only; production.py refuses to start with it.
    default=["ZGV2LWluc2VjdXJlLWZpZWxkLWtleS0wMDAwMDAwMDA="],
)

# ---------------------------------------------------------------------------------------
# The connector
# ---------------------------------------------------------------------------------------
# The public address ROLLER posts webhooks to; ROLLER only accepts HTTPS for live venues.
PUBLIC_BASE_URL = env("PUBLIC_BASE_URL", default="http://127.0.0.1:8000")
# When set, the wizard offers the local ROLLER sandbox as an environment.
ROLLER_SANDBOX_URL = env("ROLLER_SANDBOX_URL", default="")
# When set, the wizard offers the local Activate stand-in as where the Activate account is.
ACTIVATE_SANDBOX_URL = env("ACTIVATE_SANDBOX_URL", default="")
# Raw webhook bodies and record outcomes are purged after this many days.
RETENTION_DAYS = env.int("RETENTION_DAYS", default=30)
# A first import's history comes by the source's export (ROLLER's bulk export) when it can.
# Generation "can take a long time" (ROLLER's docs): with no sequence at all this long after
# the request, the stream is read by one-day windows instead; a month still missing this long
# after the last one came is read by windows alone (integrations.services.exports).
EXPORT_WAIT_SECONDS = env.int("EXPORT_WAIT_SECONDS", default=2 * 3600)
EXPORT_SEQUENCE_WAIT_SECONDS = env.int("EXPORT_SEQUENCE_WAIT_SECONDS", default=3600)
# A file being read commits every thousand rows; one silent this long lost its worker and is
# taken over from its cursor.
EXPORT_FILE_STALE_SECONDS = env.int("EXPORT_FILE_STALE_SECONDS", default=120)
# A file's task is published once; still not started this long later, its message is taken to be
# lost and it is published again (a file may queue behind a hundred others of its import).
EXPORT_FILE_HAND_OUT_STALE_SECONDS = env.int("EXPORT_FILE_HAND_OUT_STALE_SECONDS", default=900)

# ---------------------------------------------------------------------------------------
# Logging: one line per event, never a secret (see integrations.logging).
# ---------------------------------------------------------------------------------------
LOG_LEVEL = env("LOG_LEVEL", default="INFO")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": LOG_LEVEL},
    "loggers": {"django.db.backends": {"level": "WARNING"}},
}


# ---------------------------------------------------------------------------------------
# ROLLER client (integrations.roller.client)
# ---------------------------------------------------------------------------------------
# Calls are paced inside ROLLER's limits (600 REST / 120 reporting calls a minute per API key),
# one pace per API key for every process (integrations.roller.pacing);
# benchmarks against the sandbox switch this off.
ROLLER_PACING_ENABLED = env.bool("ROLLER_PACING_ENABLED", default=True)
# (connect, read) seconds for every call.
ROLLER_HTTP_TIMEOUT = (5, 30)
# Attempts on a 5xx or time-out before giving up with "ROLLER unavailable", and the first back-off.
ROLLER_HTTP_ATTEMPTS = env.int("ROLLER_HTTP_ATTEMPTS", default=3)
ROLLER_HTTP_BACKOFF_SECONDS = env.float("ROLLER_HTTP_BACKOFF_SECONDS", default=1.0)

from connector_site.settings.celery import *  # noqa: E402, F403
