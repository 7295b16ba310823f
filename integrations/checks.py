"""System checks that refuse a configuration the connector cannot run safely with.

They run with every management command and at server start (`manage.py check --deploy`
in production), so a missing key fails the deploy rather than the first webhook.
"""

from urllib.parse import urlsplit

from django.conf import settings
from django.core.checks import Error, Tags, register
from django.core.exceptions import ImproperlyConfigured

from integrations.encryption import EncryptionKeyError, current_cipher, decrypt, encrypt
from integrations.services.events import MAX_RETRY_WAIT_SECONDS

DEV_SECRET_KEY_PREFIX = "dev-insecure"
# Caches that live inside one process: each web and worker process would have its own copy.
PER_PROCESS_CACHES = (
    "django.core.cache.backends.locmem.LocMemCache",
    "django.core.cache.backends.dummy.DummyCache",
    "django.core.cache.backends.filebased.FileBasedCache",
)
DEV_FIELD_KEY = "ZGV2LWluc2VjdXJlLWZpZWxkLWtleS0wMDAwMDAwMDA="


@register(Tags.security)
def check_encryption_keys(app_configs, **kwargs) -> list[Error]:
    try:
        current_cipher()
        if decrypt(encrypt("check")) != "check":
            raise EncryptionKeyError("FIELD_ENCRYPTION_KEYS do not round-trip a value.")
    except EncryptionKeyError as exc:
        return [Error(str(exc), id="integrations.E001")]
    return []


@register(Tags.security, deploy=True)
def check_production_secrets(app_configs, **kwargs) -> list[Error]:
    errors = []
    try:
        secret_key = settings.SECRET_KEY
    except ImproperlyConfigured:  # Django refuses an empty one on access
        secret_key = ""
    if not secret_key or secret_key.startswith(DEV_SECRET_KEY_PREFIX):
        errors.append(
            Error(
                "SECRET_KEY is missing or still the development default.",
                hint="Set SECRET_KEY to a long random value in the environment.",
                id="integrations.E002",
            )
        )
    if not settings.FIELD_ENCRYPTION_KEYS or DEV_FIELD_KEY in settings.FIELD_ENCRYPTION_KEYS:
        errors.append(
            Error(
                "FIELD_ENCRYPTION_KEYS is missing or holds the development key.",
                hint="Generate a key with `manage.py generate_encryption_key` and set FIELD_ENCRYPTION_KEYS.",
                id="integrations.E003",
            )
        )
    public_url = urlsplit(settings.PUBLIC_BASE_URL or "")
    if public_url.scheme != "https" or not public_url.netloc:
        errors.append(
            Error(
                "PUBLIC_BASE_URL must be the public https:// address of this site.",
                hint="Source systems post webhooks to HTTPS addresses only.",
                id="integrations.E004",
            )
        )
    if settings.CELERY_BROKER_URL.startswith("filesystem://"):
        errors.append(
            Error(
                "CELERY_BROKER_URL is the local file-system broker, which only works on one machine.",
                hint="Set CELERY_BROKER_URL to redis://host:6379/0.",
                id="integrations.E005",
            )
        )
    if settings.DATABASES["default"]["ENGINE"] != "django.db.backends.postgresql":
        errors.append(
            Error(
                "DATABASE_URL must point at PostgreSQL in production.",
                hint="e.g. postgres://user:password@host:5432/connector",
                id="integrations.E006",
            )
        )
    return errors


@register(Tags.caches, deploy=True)
def check_shared_cache(app_configs, **kwargs) -> list[Error]:
    # Web and workers may run on several hosts: a guest dropped from one process's cache
    # after a guest-update webhook would stay cached, stale, in every other.
    backend = settings.CACHES["default"]["BACKEND"]
    if backend in PER_PROCESS_CACHES:
        return [
            Error(
                f"The cache ({backend.rsplit('.', 1)[-1]}) is not shared between processes and hosts.",
                hint="Use Redis: connector_site.settings.production reads CACHE_URL (default: the broker's Redis).",
                id="integrations.E007",
            )
        ]
    return []


@register()
def check_visibility_timeout(app_configs, **kwargs) -> list[Error]:
    """Redis hands an unacknowledged message to a second worker after its visibility time-out;
    a retry waiting longer than that in the broker would be delivered twice."""
    if not str(getattr(settings, "CELERY_BROKER_URL", "")).startswith(("redis://", "rediss://")):
        return []
    options = getattr(settings, "CELERY_BROKER_TRANSPORT_OPTIONS", None) or {}
    visibility = options.get("visibility_timeout", 3600)  # kombu's default
    if visibility > MAX_RETRY_WAIT_SECONDS + settings.CELERY_TASK_TIME_LIMIT:
        return []
    return [
        Error(
            f"The broker's visibility_timeout ({visibility} s) is not above the longest retry wait "
            f"({MAX_RETRY_WAIT_SECONDS} s) plus a task's time limit: retries would be delivered twice.",
            hint="Raise CELERY_BROKER_TRANSPORT_OPTIONS['visibility_timeout'] or lower MAX_RETRY_WAIT_SECONDS.",
            id="integrations.E090",
        )
    ]
