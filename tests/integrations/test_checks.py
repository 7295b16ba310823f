"""Production refuses to start on a configuration it cannot run safely with."""

import pytest
from django.core.checks import run_checks

from integrations.checks import DEV_FIELD_KEY


def error_ids(include_deployment_checks: bool = True) -> set[str]:
    return {message.id for message in run_checks(include_deployment_checks=include_deployment_checks)}


def production_like(settings):
    settings.SECRET_KEY = "a-real-secret-key-with-enough-length-and-randomness-0123456789"
    settings.FIELD_ENCRYPTION_KEYS = ["dGVzdC1maWVsZC1rZXktbmV3ZXN0LTAwMDAwMDAwMDA="]
    settings.PUBLIC_BASE_URL = "https://connect.example.com"
    settings.CELERY_BROKER_URL = "redis://127.0.0.1:6379/0"
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": "redis://"}}
    use_database_engine(settings, "django.db.backends.postgresql")


def use_database_engine(settings, engine: str) -> None:
    # A copy: the settings fixture restores attributes, not dictionaries changed in place.
    settings.DATABASES = {**settings.DATABASES, "default": {**settings.DATABASES["default"], "ENGINE": engine}}


pytestmark = pytest.mark.filterwarnings("ignore:Overriding setting DATABASES")


def test_a_complete_production_configuration_passes(settings):
    production_like(settings)
    assert not {i for i in error_ids() if i.startswith("integrations.")}


def test_the_development_secret_key_is_refused(settings):
    production_like(settings)
    settings.SECRET_KEY = "dev-insecure-only-for-local-use"
    assert "integrations.E002" in error_ids()


def test_missing_or_development_encryption_keys_are_refused(settings):
    production_like(settings)
    settings.FIELD_ENCRYPTION_KEYS = [DEV_FIELD_KEY]
    assert "integrations.E003" in error_ids()


def test_malformed_encryption_keys_are_refused_even_outside_production(settings):
    settings.FIELD_ENCRYPTION_KEYS = ["garbage"]
    assert "integrations.E001" in error_ids(include_deployment_checks=False)


def test_a_public_address_without_https_is_refused(settings):
    production_like(settings)
    settings.PUBLIC_BASE_URL = "http://connect.example.com"
    assert "integrations.E004" in error_ids()


def test_the_file_system_broker_is_refused_in_production(settings):
    production_like(settings)
    settings.CELERY_BROKER_URL = "filesystem://"
    assert "integrations.E005" in error_ids()


def test_sqlite_is_refused_in_production(settings):
    production_like(settings)
    use_database_engine(settings, "django.db.backends.sqlite3")
    assert "integrations.E006" in error_ids()


def test_the_production_web_server_refuses_to_start_without_its_secrets():
    import os
    import subprocess
    import sys

    env = {k: v for k, v in os.environ.items() if k not in ("SECRET_KEY", "FIELD_ENCRYPTION_KEYS", "PUBLIC_BASE_URL")}
    env["DJANGO_SETTINGS_MODULE"] = "connector_site.settings.production"
    result = subprocess.run(
        [sys.executable, "-c", "import connector_site.wsgi"], env=env, capture_output=True, text=True, timeout=60
    )
    assert result.returncode != 0
    assert "Refusing to start" in result.stderr
    assert "FIELD_ENCRYPTION_KEYS" in result.stderr


def test_a_cache_inside_each_process_is_refused_in_production(settings):
    production_like(settings)
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    assert "integrations.E007" in error_ids()


def test_the_production_settings_share_their_cache_through_redis():
    from connector_site.settings import production

    assert production.CACHES["default"]["BACKEND"] == "django.core.cache.backends.redis.RedisCache"


def test_a_visibility_timeout_not_above_the_longest_retry_wait_is_refused(settings, monkeypatch):
    import importlib

    from integrations.checks import check_visibility_timeout
    from integrations.services.events import MAX_RETRY_WAIT_SECONDS, retry_delay

    monkeypatch.setenv("CELERY_BROKER_URL", "redis://127.0.0.1:6379/0")
    project = importlib.reload(importlib.import_module("connector_site.settings.celery"))
    settings.CELERY_BROKER_URL = project.CELERY_BROKER_URL
    settings.CELERY_BROKER_TRANSPORT_OPTIONS = project.CELERY_BROKER_TRANSPORT_OPTIONS
    assert check_visibility_timeout(None) == []  # the project's own Redis setting
    assert max(retry_delay(attempt) for attempt in range(1, 20) for _ in range(50)) <= MAX_RETRY_WAIT_SECONDS

    settings.CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": MAX_RETRY_WAIT_SECONDS}
    assert [error.id for error in check_visibility_timeout(None)] == ["integrations.E090"]
