"""A running run's heartbeat tells an interrupted import from a busy one (issue 16)."""

import datetime as dt
from types import SimpleNamespace

import pytest
from django.utils import timezone

from integrations.models import SyncRun
from integrations.services.heartbeat import (
    HEARTBEAT_STALE,
    heartbeat,
    runs_interrupted,
    runs_mark_interrupted,
)
from integrations.services.import_runs import first_import_start, imports_sweep
from integrations.tasks_sync import _mark_own_imports_interrupted, import_window
from tests.factories import ConnectionFactory
from tests.support.fake_source import TYPE

pytestmark = pytest.mark.django_db
Status = SyncRun.Status


@pytest.fixture
def connection(source):
    return ConnectionFactory(connector_type=TYPE, contacts_lookback_days=3, orders_lookback_days=2)


@pytest.fixture
def running(connection, worker) -> SyncRun:
    worker.call(first_import_start, connection=connection)
    worker.queue.clear()
    return SyncRun.objects.get(connection=connection, status=Status.RUNNING)


def beat(run: SyncRun, at: dt.datetime | None) -> None:
    SyncRun.objects.filter(pk=run.pk).update(heartbeat_at=at)


def test_the_sweeper_leaves_a_run_with_a_recent_heartbeat_alone(running, worker):
    beat(running, timezone.now() - HEARTBEAT_STALE / 2)

    assert worker.call(imports_sweep) == 0
    assert worker.queue == []


def test_the_sweeper_resumes_a_run_whose_heartbeat_went_stale(running, worker):
    beat(running, timezone.now() - HEARTBEAT_STALE - dt.timedelta(seconds=1))

    assert worker.call(imports_sweep) == 1
    worker.drain()
    assert set(SyncRun.objects.values_list("status", flat=True)) == {Status.SUCCEEDED}


def test_a_run_a_stopping_worker_marks_interrupted_is_resumed_at_once(running, worker):
    beat(running, timezone.now())

    assert runs_mark_interrupted(sync_run_ids=[running.pk]) == 1
    assert list(runs_interrupted(SyncRun.objects.all())) == [running]
    assert worker.call(imports_sweep) == 1


def test_a_stopping_worker_marks_the_import_runs_it_is_in_the_middle_of(running, monkeypatch):
    beat(running, timezone.now())
    requests = [
        SimpleNamespace(task_name=import_window.name, args=[running.pk]),
        SimpleNamespace(task_name="integrations.tasks.process_webhook_event", args=[999]),
    ]
    monkeypatch.setattr("celery.worker.state.active_requests", requests)

    _mark_own_imports_interrupted()

    running.refresh_from_db()
    assert running.heartbeat_at is None


def test_a_window_task_beats_while_it_works(running):
    with heartbeat(sync_run_id=running.pk):
        running.refresh_from_db()
        assert running.heartbeat_at is not None
        assert not runs_interrupted(SyncRun.objects.filter(pk=running.pk)).exists()


def test_only_running_runs_are_interrupted(running):
    SyncRun.objects.filter(pk=running.pk).update(status=Status.SUCCEEDED, heartbeat_at=None)

    assert not runs_interrupted(SyncRun.objects.all()).exists()


def test_a_window_taken_while_the_worker_stops_is_not_started_and_the_run_resumes_later(running, monkeypatch):
    beat(running, timezone.now())
    monkeypatch.setattr("celery.worker.state.should_stop", 0)  # Celery's "warm shutdown" flag

    assert import_window.run(running.pk) == "interrupted"

    running.refresh_from_db()
    assert running.windows_done == 0 and running.heartbeat_at is None
