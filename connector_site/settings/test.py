"""Tests: fast hashing, mail kept in memory, tasks not sent unless a test asks for it, ROLLER unpaced."""

from connector_site.settings.base import *  # noqa: F403
from connector_site.settings.base import env

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
PUBLIC_BASE_URL = "http://testserver"
FIELD_ENCRYPTION_KEYS = [
    # Two keys, so that decryption with an older key is exercised by every test run.
    "dGVzdC1maWVsZC1rZXktbmV3ZXN0LTAwMDAwMDAwMDA=",
    "dGVzdC1maWVsZC1rZXktb2xkZXItMDAwMDAwMDAwMDA=",
]
# ROLLER back-off in milliseconds, not seconds: tests provoke many 5xx from the sandbox.
ROLLER_HTTP_BACKOFF_SECONDS = 0.01
# Unpaced unless a test paces on purpose (tests/integrations/roller/test_pacing.py): tests make
# calls faster than ROLLER allows, and the pace is shared through the database, which most
# tests of the client do not open.
ROLLER_PACING_ENABLED = env.bool("ROLLER_PACING_ENABLED", default=False)
