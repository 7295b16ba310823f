"""Fixtures shared by the sync tests: a fake source system and an in-process sync worker."""

from decimal import Decimal

import pytest

from integrations.records import ProductData
from tests.support.fake_source import FakeSource
from tests.support.sync_worker import SyncWorker


@pytest.fixture
def source():
    """The fake source with one product; a test module may override it with its own catalogue."""
    yield FakeSource(products=[ProductData("P1", "Jump 60", price=Decimal("16.50"))]).register()
    FakeSource.unregister()


@pytest.fixture
def worker(monkeypatch, django_capture_on_commit_callbacks):
    return SyncWorker(django_capture_on_commit_callbacks).install(monkeypatch)
