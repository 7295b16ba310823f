"""What the export tests share: the sandbox unpaced, the in-process worker, and a receiver the
activated connection's webhook posts to (PUBLIC_BASE_URL points at it), whose deliveries a
test hands to the intake's storage and the events machinery as the site and workers would."""

import json
from collections.abc import Iterator

import pytest
from django.core.cache import cache

from integrations.roller import pacing
from tests.integrations.roller.sandbox.helpers import WebhookReceiver, receiver_serving
from tests.support.sync_worker import SyncWorker


@pytest.fixture
def receiver() -> Iterator[WebhookReceiver]:
    with receiver_serving() as receiver:
        yield receiver


@pytest.fixture
def sandbox(settings, roller_sandbox, receiver):
    settings.ROLLER_PACING_ENABLED = False
    settings.ROLLER_SANDBOX_URL = roller_sandbox.url
    settings.PUBLIC_BASE_URL = receiver.url
    # No generation delay; the reporting limit out of the way of the windows a fallback reads.
    roller_sandbox.configure(bulk_export_delay_seconds=0, reporting_limit=100_000)
    cache.clear()
    pacing.reset()
    yield roller_sandbox
    cache.clear()
    pacing.reset()


@pytest.fixture
def worker(monkeypatch, django_capture_on_commit_callbacks):
    return SyncWorker(django_capture_on_commit_callbacks).install(monkeypatch)


def bodies(receiver: WebhookReceiver, object_type: str = "BulkExport") -> list[dict]:
    return [r.body for r in receiver.received if r.body.get("type") == object_type]


def body_text(body: dict) -> str:
    return json.dumps(body)
