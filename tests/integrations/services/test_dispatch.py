"""Handing events to workers: the dispatcher and the sweeper (reliability scenario 10)."""

from datetime import timedelta

import pytest
from django.utils import timezone

from integrations.models import Connection, WebhookEvent
from integrations.services import dispatch
from integrations.services.dispatch import Dispatcher, webhook_events_dispatch, webhook_events_sweep
from tests.factories import ConnectionFactory

pytestmark = pytest.mark.django_db
Status = WebhookEvent.Status


@pytest.fixture
def connection():
    return ConnectionFactory()


def stored(connection, **fields) -> WebhookEvent:
    return WebhookEvent.objects.create(
        connection=connection, message_id=f"m{WebhookEvent.objects.count()}", object_type="Thing", **fields
    )


def test_the_dispatcher_publishes_each_new_event_once_and_writes_nothing(connection, published):
    dispatcher = Dispatcher()
    first, second = stored(connection), stored(connection)
    assert dispatcher.dispatch() == 2
    assert dispatcher.dispatch() == 0
    third = stored(connection)
    assert dispatcher.dispatch() == 1
    assert published == [first.pk, second.pk, third.pk]
    assert not WebhookEvent.objects.filter(enqueued_at__isnull=False).exists()


def test_an_event_committed_out_of_id_order_is_still_dispatched(connection, published, monkeypatch):
    dispatcher = Dispatcher()
    late = stored(connection)  # its id was taken first, but it was not committed yet:
    WebhookEvent.objects.filter(pk=late.pk).update(status=Status.PROCESSING)
    early = stored(connection)
    assert dispatcher.dispatch() == 1
    WebhookEvent.objects.filter(pk=late.pk).update(status=Status.RECEIVED)  # now it commits
    assert dispatcher.dispatch() == 1
    assert published == [early.pk, late.pk]


def test_the_dispatcher_moves_on_once_older_ids_have_settled(connection, published, monkeypatch):
    clock = [1000.0]
    monkeypatch.setattr("integrations.services.dispatch.time.monotonic", lambda: clock[0])
    dispatcher = Dispatcher()
    first = stored(connection)
    dispatcher.dispatch()
    clock[0] += Dispatcher.SETTLE + 0.1
    dispatcher.dispatch()
    assert dispatcher.floor == first.pk
    assert dispatcher.published == set()  # nothing to remember below the floor


def test_the_dispatcher_leaves_paused_and_draft_connections_alone(published):
    stored(ConnectionFactory(status=Connection.Status.PAUSED))
    stored(ConnectionFactory(status=Connection.Status.DRAFT))
    assert webhook_events_dispatch() == 0


def test_an_event_the_broker_never_got_is_found_by_the_sweeper(
    connection, monkeypatch, django_capture_on_commit_callbacks
):
    from integrations.tasks import process_webhook_events

    def broker_down(*args, **kwargs):
        raise ConnectionRefusedError("broker down")

    event = stored(connection)
    monkeypatch.setattr(process_webhook_events, "apply_async", broker_down)
    webhook_events_dispatch()  # the publish failed

    sent = []
    monkeypatch.setattr(process_webhook_events, "apply_async", lambda args, **kw: sent.extend(args[0]))
    with django_capture_on_commit_callbacks(execute=True):
        assert webhook_events_sweep() == 0  # too early to tell it from a busy queue
        WebhookEvent.objects.update(received_at=timezone.now() - dispatch.REENQUEUE_AFTER - timedelta(seconds=1))
        assert webhook_events_sweep() == 1
        assert webhook_events_sweep() == 0  # marked: not again before another REENQUEUE_AFTER
    assert sent == [event.pk]


def test_the_sweeper_takes_over_when_the_dispatcher_is_not_running(connection, published):
    event = stored(connection)
    WebhookEvent.objects.update(received_at=timezone.now() - dispatch.REENQUEUE_AFTER - timedelta(seconds=1))
    assert webhook_events_sweep() == 1
    assert WebhookEvent.objects.get(pk=event.pk).enqueued_at is not None


def test_the_sweeper_republishes_a_retry_whose_message_was_lost(connection, published):
    stored(connection, status=Status.FAILED, next_attempt_at=timezone.now() - timedelta(minutes=10))
    stored(connection, status=Status.FAILED, next_attempt_at=timezone.now() + timedelta(minutes=10))
    stored(connection, status=Status.FAILED, next_attempt_at=None)  # waits for a replay
    assert webhook_events_sweep() == 1


def test_the_sweeper_rescues_an_event_whose_worker_was_lost(connection, published):
    stored(connection, status=Status.PROCESSING, claimed_at=timezone.now() - timedelta(hours=1))
    stored(connection, status=Status.PROCESSING, claimed_at=timezone.now())
    assert webhook_events_sweep() == 1


def test_the_sweeper_leaves_finished_events_alone(connection, published):
    old = timezone.now() - timedelta(days=1)
    stored(connection, status=Status.PROCESSED, enqueued_at=old)
    stored(connection, status=Status.DEAD, enqueued_at=old)
    stored(connection, status=Status.SKIPPED, enqueued_at=old)
    assert webhook_events_sweep() == 0


@pytest.mark.parametrize(
    ("waiting", "sizes"),
    [
        (3, [3]),  # a quiet moment: one message
        (25, [10, 10, 5]),  # a few at a time, spread over the worker processes
        (400, [50] * 8),  # a burst: at most eight messages
        (2000, [100] * 20),  # but never more than a hundred events in one message
    ],
)
def test_events_are_published_a_few_at_a_time_and_a_burst_in_few_messages(waiting, sizes):
    chunks = dispatch.publish_chunks(list(range(waiting)))
    assert [len(chunk) for chunk in chunks] == sizes
    assert [pk for chunk in chunks for pk in chunk] == list(range(waiting))
