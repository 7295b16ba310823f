"""What the ROLLER tests share: a connection's registered webhook key (and a fresh view of it
in the intake's in-process cache for every test), the sandbox without pacing, and the
in-process sync worker. A test module may define its own `sandbox` for other switches."""

import pytest
from django.core.cache import cache

from integrations.roller import intake, pacing
from tests.factories import RollerSettingsFactory
from tests.support.sync_worker import SyncWorker
from tests.support.webhooks import WEBHOOK_KEY


@pytest.fixture(autouse=True)
def fresh_key_cache():
    intake._receivers.clear()
    yield
    intake._receivers.clear()


@pytest.fixture
def roller(db):
    """A ROLLER connection whose webhook posts with WEBHOOK_KEY."""
    return RollerSettingsFactory(webhook_key=WEBHOOK_KEY)


@pytest.fixture
def sandbox(settings, roller_sandbox):
    """The sandbox, unpaced (tests make calls faster than ROLLER allows), with empty caches."""
    settings.ROLLER_PACING_ENABLED = False
    settings.ROLLER_SANDBOX_URL = roller_sandbox.url
    cache.clear()
    pacing.reset()
    yield roller_sandbox
    cache.clear()
    pacing.reset()


@pytest.fixture
def worker(monkeypatch, django_capture_on_commit_callbacks):
    return SyncWorker(django_capture_on_commit_callbacks).install(monkeypatch)
