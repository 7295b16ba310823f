"""Tasks whose service decides when to give up retry as long as it says so.

Celery's `self.retry(max_retries=None)` means "the task's default", 3, not "no limit": a
window waiting out ROLLER's rate limit a fourth time raised MaxRetriesExceededError and the
run waited for the sweep. The services bound their attempts (integrations.services.runs,
integrations.services.events); the tasks must not cut them short.
"""

import contextlib

import pytest
from celery.exceptions import Retry

from integrations import tasks, tasks_sync
from integrations.services.events import ProcessResult
from integrations.services.runs import StepResult

pytestmark = pytest.mark.django_db

FIFTH_ATTEMPT = 4  # request.retries: four retries already made


def test_a_webhook_event_retries_a_fifth_time_when_its_service_asks(monkeypatch):
    monkeypatch.setattr(tasks, "webhook_event_process", lambda **kwargs: ProcessResult("failed", retry_in=30))

    with pytest.raises(Retry):
        tasks.process_webhook_event.apply(args=[1], retries=FIFTH_ATTEMPT, throw=True)


def test_an_import_window_retries_a_fifth_time_when_its_service_asks(monkeypatch):
    monkeypatch.setattr(tasks_sync, "import_window_process", lambda **kwargs: StepResult("retry", retry_in=60))
    monkeypatch.setattr(tasks_sync, "run_heartbeat_beat", lambda **kwargs: None)
    monkeypatch.setattr(tasks_sync, "heartbeat", lambda **kwargs: contextlib.nullcontext())

    with pytest.raises(Retry):
        tasks_sync.import_window.apply(args=[1], retries=FIFTH_ATTEMPT, throw=True)


def test_a_product_sync_retries_a_fifth_time_when_its_service_asks(monkeypatch):
    monkeypatch.setattr(tasks_sync, "products_sync_run", lambda **kwargs: StepResult("retry", retry_in=60))

    with pytest.raises(Retry):
        tasks_sync.sync_products.apply(args=[1], retries=FIFTH_ATTEMPT, throw=True)


def test_an_export_file_retries_a_fifth_time_when_its_service_asks(monkeypatch):
    from integrations.services.export_files import FileResult

    monkeypatch.setattr(tasks_sync, "export_file_process", lambda **kwargs: FileResult("retry", retry_in=30))

    with pytest.raises(Retry):
        tasks_sync.import_export_file.apply(args=[1], retries=FIFTH_ATTEMPT, throw=True)
