"""A live worker's heartbeat keeps its claim; a claim taken over undoes the late worker's writes."""

import json
from datetime import timedelta

import pytest
from django.utils import timezone

from integrations.models import RecordOutcome, WebhookEvent
from integrations.services import claims, events
from integrations.services.claims import ClaimHeartbeat
from integrations.services.dispatch import Dispatcher, webhook_events_sweep
from integrations.services.events import webhook_event_claim, webhook_event_process
from tests.factories import ConnectionFactory

pytestmark = pytest.mark.django_db
Status = WebhookEvent.Status


@pytest.fixture
def connection(fake_connector_registered):
    return ConnectionFactory(connector_type=fake_connector_registered)


def stored_event(connection, thing: str = "t-1") -> WebhookEvent:
    return WebhookEvent.objects.create(
        connection=connection, message_id=thing, object_type="Thing", event_type="Created",
        body=json.dumps({"thing": thing}),
    )  # fmt: skip


def an_old_claim(event: WebhookEvent, age: timedelta) -> None:
    WebhookEvent.objects.filter(pk=event.pk).update(claimed_at=timezone.now() - age)


def test_a_held_claim_is_refreshed_by_the_heartbeat_and_so_never_looks_stale(connection, published):
    event = stored_event(connection)
    webhook_event_claim(event_id=event.pk, task_id="busy-task")
    heartbeat = ClaimHeartbeat()
    with heartbeat.held(event_id=event.pk, task_id="busy-task"):
        an_old_claim(event, claims.STALE_CLAIM + timedelta(seconds=5))
        assert heartbeat.beat() == 1

    assert webhook_events_sweep() == 0
    assert webhook_event_claim(event_id=event.pk, task_id="another-task") is None
    assert heartbeat.beat() == 0  # released with the task


def test_a_claim_whose_heartbeat_stopped_is_handed_on_by_the_sweeper_well_within_a_minute(
    connection, published, django_capture_on_commit_callbacks
):
    event = stored_event(connection)
    webhook_event_claim(event_id=event.pk, task_id="killed-worker")
    assert claims.STALE_CLAIM + timedelta(seconds=15) <= timedelta(seconds=60)  # stale + one sweep interval

    an_old_claim(event, claims.STALE_CLAIM + timedelta(seconds=1))
    with django_capture_on_commit_callbacks(execute=True):
        assert webhook_events_sweep() == 1
    assert published == [event.pk]


def test_a_task_whose_claim_was_taken_over_commits_nothing(connection, monkeypatch):
    event = stored_event(connection)
    original = events._finish

    def taken_over_meanwhile(event, **fields):
        if fields.get("status") == Status.PROCESSED:
            # (In one transaction here, so undone with the rest; in life the copy commits first.)
            WebhookEvent.objects.filter(pk=event.pk).update(claimed_by="the-sweepers-copy")
        return original(event, **fields)

    monkeypatch.setattr(events, "_finish", taken_over_meanwhile)
    assert webhook_event_process(event_id=event.pk, task_id="late-worker").status == "not_claimed"
    assert not RecordOutcome.objects.exists()
    assert WebhookEvent.objects.get().status == Status.PROCESSING  # left to the task that has it


def test_the_dispatcher_publishes_again_what_the_broker_refused_once_it_is_back(connection, monkeypatch):
    from integrations.tasks import process_webhook_events

    sent: list[int] = []
    broker_up = False

    def publish(args, **kwargs):
        if not broker_up:
            raise ConnectionRefusedError("redis is down")
        sent.extend(args[0])

    monkeypatch.setattr(process_webhook_events, "apply_async", publish)
    dispatcher = Dispatcher()
    event = stored_event(connection)
    assert dispatcher.dispatch() == 0

    broker_up = True
    assert dispatcher.dispatch() == 1
    assert sent == [event.pk]
