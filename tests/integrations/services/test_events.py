"""Processing stored events: claimed once, retried with back-off, dead after a bound,
replayable (reliability scenarios 1, 11–13), driven through the real task."""

import json
from datetime import timedelta

import pytest
from django.utils import timezone

from integrations.models import Connection, RecordOutcome, WebhookEvent
from integrations.outcomes import Reason
from integrations.payloads import unreadable_note
from integrations.services import claims, events
from integrations.services.events import (
    MAX_ATTEMPTS,
    webhook_event_claim,
    webhook_event_process,
    webhook_events_replay,
)
from integrations.tasks import process_webhook_event
from tests.factories import ConnectionFactory

pytestmark = pytest.mark.django_db
Status = WebhookEvent.Status


@pytest.fixture
def connection(fake_connector_registered):
    return ConnectionFactory(connector_type=fake_connector_registered)


def stored_event(connection, *, object_type="Thing", event_type="Created", **body) -> WebhookEvent:
    body.setdefault("thing", "t-1")
    return WebhookEvent.objects.create(
        connection=connection,
        message_id=f"m-{WebhookEvent.objects.count() + 1}",
        object_type=object_type,
        event_type=event_type,
        body=json.dumps(body),
    )


def reload(event: WebhookEvent) -> WebhookEvent:
    return WebhookEvent.objects.get(pk=event.pk)


def test_an_event_is_processed_once_by_its_handler(connection):
    event = stored_event(connection)

    assert process_webhook_event.apply(args=[event.pk]).get() == Status.PROCESSED
    event = reload(event)
    assert event.status == Status.PROCESSED
    assert event.processed_at is not None
    assert RecordOutcome.objects.filter(source_id="t-1").count() == 1


def test_a_second_copy_of_the_task_cannot_claim_an_event_that_is_taken_or_done(connection):
    event = stored_event(connection)
    assert webhook_event_claim(event_id=event.pk, task_id="first") is not None
    assert webhook_event_claim(event_id=event.pk, task_id="second") is None

    webhook_event_process(event_id=event.pk, task_id="first")  # the first finishes it
    assert webhook_event_process(event_id=event.pk, task_id="third").status == "not_claimed"
    assert RecordOutcome.objects.filter(source_id="t-1").count() == 1


def test_a_redelivered_message_of_the_same_task_may_claim_again_after_its_worker_died(connection):
    event = stored_event(connection)
    assert webhook_event_claim(event_id=event.pk, task_id="task-a") is not None
    # The worker died before committing; the broker hands the same message (task id) again.
    assert webhook_event_process(event_id=event.pk, task_id="task-a").status == Status.PROCESSED
    assert RecordOutcome.objects.filter(source_id="t-1").count() == 1


def test_a_claim_abandoned_longer_than_any_task_may_run_is_taken_over(connection):
    event = stored_event(connection)
    webhook_event_claim(event_id=event.pk, task_id="lost-worker")
    WebhookEvent.objects.filter(pk=event.pk).update(claimed_at=timezone.now() - claims.STALE_CLAIM - timedelta(1))
    assert webhook_event_claim(event_id=event.pk, task_id="sweeper-copy") is not None


def test_a_failing_handler_leaves_none_of_its_writes_behind(connection):
    event = stored_event(connection, fail="crash")
    result = webhook_event_process(event_id=event.pk, task_id="t")

    assert result.status == Status.FAILED
    assert result.retry_in is not None
    assert not RecordOutcome.objects.filter(source_id="t-1").exists()
    assert "RuntimeError: a bug" in reload(event).last_error


def test_a_rate_limited_source_is_retried_after_the_time_it_asks_for(connection):
    event = stored_event(connection, fail="transient", retry_after=60)
    result = webhook_event_process(event_id=event.pk, task_id="t")

    assert 60 <= result.retry_in <= 65
    event = reload(event)
    assert event.status == Status.FAILED
    assert event.next_attempt_at > timezone.now() + timedelta(seconds=55)


def test_other_transient_failures_back_off_further_each_attempt():
    assert events.retry_delay(1) < events.retry_delay(3) < events.retry_delay(5) <= 3600 * 1.2


def test_the_task_turns_a_transient_failure_into_a_celery_retry(connection):
    from celery.exceptions import Retry

    event = stored_event(connection, fail="transient", retry_after=60)
    with pytest.raises(Retry):
        process_webhook_event.apply(args=[event.pk], throw=True)


def test_an_event_that_keeps_failing_is_dead_after_a_bounded_number_of_attempts(connection):
    event = stored_event(connection, fail="transient")
    results = [webhook_event_process(event_id=event.pk, task_id="t").status for _ in range(MAX_ATTEMPTS)]

    assert results[-1] == Status.DEAD
    assert set(results[:-1]) == {Status.FAILED}
    assert reload(event).attempts == MAX_ATTEMPTS
    # Dead is final: nothing claims it again by itself.
    assert webhook_event_process(event_id=event.pk, task_id="t").status == "not_claimed"


def test_a_dead_event_can_be_replayed_once_the_cause_is_fixed(
    connection, published, django_capture_on_commit_callbacks
):
    event = stored_event(connection, fail="transient")
    WebhookEvent.objects.filter(pk=event.pk).update(status=Status.DEAD, attempts=MAX_ATTEMPTS)
    WebhookEvent.objects.filter(pk=event.pk).update(body=json.dumps({"thing": "t-1"}))  # the cause is fixed

    with django_capture_on_commit_callbacks(execute=True):
        assert webhook_events_replay(connection=connection) == 1
    assert published == [event.pk]
    assert reload(event).attempts == 0
    assert webhook_event_process(event_id=event.pk, task_id="replay").status == Status.PROCESSED


def test_replay_selects_by_type_id_and_time(connection, published):
    old = stored_event(connection)
    new = stored_event(connection, object_type="Other")
    WebhookEvent.objects.update(status=Status.FAILED)
    WebhookEvent.objects.filter(pk=old.pk).update(received_at=timezone.now() - timedelta(days=3))

    assert webhook_events_replay(object_type="other") == 1
    assert reload(new).status == Status.RECEIVED
    assert webhook_events_replay(received_until=timezone.now() - timedelta(days=1)) == 1
    assert reload(old).status == Status.RECEIVED


def test_revoked_credentials_mark_the_connection_and_keep_the_event_for_replay(connection):
    event = stored_event(connection, fail="broken")
    result = webhook_event_process(event_id=event.pk, task_id="t")

    assert result.status == Status.FAILED and result.retry_in is None
    connection.refresh_from_db()
    assert connection.status == Connection.Status.NEEDS_ATTENTION
    assert "credentials" in connection.status_reason
    assert reload(event).status == Status.FAILED


def test_an_unreadable_record_fails_with_its_reason_and_is_not_retried(connection):
    event = stored_event(connection, fail="record")
    result = webhook_event_process(event_id=event.pk, task_id="t")

    assert result.status == Status.FAILED and result.retry_in is None
    assert reload(event).reason == Reason.INVALID_PAYLOAD
    assert RecordOutcome.objects.get(webhook_event=event).reason == Reason.INVALID_PAYLOAD


def test_a_record_its_handler_cannot_read_keeps_its_size_and_hash_not_its_body(connection):
    event = stored_event(connection, fail="record")
    delivered = event.stored_bytes

    webhook_event_process(event_id=event.pk, task_id="t")

    event = reload(event)
    assert (event.body, event.raw_body, event.body_redacted) == ("", None, True)
    assert event.last_error == f"the thing has no id {unreadable_note(delivered)}"


def test_a_replay_leaves_an_event_kept_without_its_body_as_it_is(connection, published):
    # Nothing to read again: replayed, it would be skipped as an unknown event (no type) or
    # fail once more, its size and hash lost with the reset error.
    event = stored_event(connection, fail="record")
    webhook_event_process(event_id=event.pk, task_id="t")
    before = reload(event)

    assert webhook_events_replay(connection=connection) == 0

    after = reload(event)
    assert (after.status, after.reason, after.last_error) == (Status.FAILED, Reason.INVALID_PAYLOAD, before.last_error)


def test_an_event_nobody_handles_is_skipped_as_unknown_event(connection):
    event = stored_event(connection, object_type="Redemption")
    assert webhook_event_process(event_id=event.pk, task_id="t").status == Status.SKIPPED
    assert reload(event).reason == Reason.UNKNOWN_EVENT
    assert RecordOutcome.objects.get(webhook_event=event).reason == Reason.UNKNOWN_EVENT


def test_a_paused_connections_event_waits_untouched(connection):
    event = stored_event(connection)
    Connection.objects.filter(pk=connection.pk).update(status=Connection.Status.PAUSED)

    assert webhook_event_process(event_id=event.pk, task_id="t").status == "deferred"
    event = reload(event)
    assert (event.status, event.attempts) == (Status.RECEIVED, 0)
