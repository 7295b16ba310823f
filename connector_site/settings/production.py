"""Production: everything sensitive must come from the environment.

The system checks in integrations.checks refuse to start when a required value is missing
or still has its development default; `manage.py check --deploy` runs Django's own checks.
"""

from connector_site.settings.base import *  # noqa: F403
from connector_site.settings.base import CELERY_BROKER_URL, MIDDLEWARE, env

DEBUG = False
SECRET_KEY = env("SECRET_KEY", default="")
FIELD_ENCRYPTION_KEYS = env.list("FIELD_ENCRYPTION_KEYS", default=[])
PUBLIC_BASE_URL = env("PUBLIC_BASE_URL", default="")

# https://docs.djangoproject.com/en/5.2/howto/deployment/checklist/
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=True)
# ROLLER posts webhooks over HTTPS only; the health check is for a load balancer on HTTP.
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
SESSION_COOKIE_SECURE = True
CSRF_COOKIE_SECURE = True
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=60 * 60 * 24 * 30)
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
SECURE_HSTS_PRELOAD = env.bool("SECURE_HSTS_PRELOAD", default=False)
# The preload list is a commitment for the whole domain: the operator opts in, we don't nag.
SILENCED_SYSTEM_CHECKS = [] if SECURE_HSTS_PRELOAD else ["security.W021"]
SECURE_CONTENT_TYPE_NOSNIFF = True
X_FRAME_OPTIONS = "DENY"

# ---------------------------------------------------------------------------------------
# Static files: served by gunicorn through WhiteNoise, from what `collectstatic` gathered
# in STATIC_ROOT, under hashed names (cached for a year) and pre-compressed (gzip, Brotli).
# Without it the pages had no style and htmx did not load: Django serves no static files
# when DEBUG is off.
# https://whitenoise.readthedocs.io/en/stable/django.html
# ---------------------------------------------------------------------------------------
MIDDLEWARE = [*MIDDLEWARE]
MIDDLEWARE.insert(
    MIDDLEWARE.index("django.middleware.security.SecurityMiddleware") + 1, "whitenoise.middleware.WhiteNoiseMiddleware"
)
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}

# ---------------------------------------------------------------------------------------
# Cache: shared by every process on every host. The default (local memory) is one per
# process, so a guest's record dropped from the cache by one worker after a guest-update
# webhook stayed cached, stale, in the others (integrations.roller.handlers).
# https://docs.djangoproject.com/en/5.2/topics/cache/#redis
# ---------------------------------------------------------------------------------------
CACHES = {
    "default": {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        # Default: the broker's Redis. A separate database number keeps `FLUSHDB` of one from
        # emptying the other, e.g. CACHE_URL=redis://host:6379/1.
        "LOCATION": env("CACHE_URL", default=CELERY_BROKER_URL),
        "KEY_PREFIX": "connect",
    }
}
