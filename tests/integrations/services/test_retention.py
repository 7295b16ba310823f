"""Raw webhook bodies and record outcomes are purged after RETENTION_DAYS; daily counts stay."""

import datetime as dt

import pytest
from django.conf import settings
from django.utils import timezone

from integrations.models import OutcomeDailyCount, RecordOutcome, WebhookEvent
from integrations.outcomes import Entity, Outcome, Reason
from integrations.selectors.monitoring import outcomes_by_day, venue_today
from integrations.services.outcomes import outcomes_record
from integrations.services.retention import retention_purge
from tests.factories import ConnectionFactory, WebhookEventFactory

pytestmark = pytest.mark.django_db
Status = WebhookEvent.Status
BODY = '{"id": "m-1", "data": {"customer": {"email": "mia@example.com"}}}'


def event(connection, status, *, days_old):
    row = WebhookEventFactory(connection=connection, status=status, body=BODY)
    WebhookEvent.objects.filter(pk=row.pk).update(received_at=timezone.now() - dt.timedelta(days=days_old))
    return row


def aged(outcomes, *, days_old):
    RecordOutcome.objects.filter(pk__in=[o.pk for o in outcomes]).update(
        created_at=timezone.now() - dt.timedelta(days=days_old)
    )


@pytest.fixture
def connection():
    return ConnectionFactory()


def test_bodies_of_finished_events_older_than_the_period_are_blanked(connection, settings):
    settings.RETENTION_DAYS = 30
    old_processed = event(connection, Status.PROCESSED, days_old=31)
    old_skipped = event(connection, Status.SKIPPED, days_old=45)
    recent = event(connection, Status.PROCESSED, days_old=29)

    result = retention_purge()

    assert result.bodies_blanked == 2
    assert WebhookEvent.objects.get(pk=old_processed.pk).body == ""
    assert WebhookEvent.objects.get(pk=old_skipped.pk).body == ""
    assert WebhookEvent.objects.get(pk=recent.pk).body == BODY


def test_the_event_rows_stay_so_a_late_redelivery_is_still_recognised(connection):
    old = event(connection, Status.PROCESSED, days_old=90)
    retention_purge()
    kept = WebhookEvent.objects.get(pk=old.pk)
    assert (kept.message_id, kept.status, kept.object_type) == (old.message_id, "processed", "Booking")


def test_an_unreadable_body_is_blanked_after_the_period_since_nothing_in_it_can_be_redacted(connection, settings):
    settings.RETENTION_DAYS = 30
    old, recent = event(connection, Status.FAILED, days_old=31), event(connection, Status.FAILED, days_old=5)
    other_failure = event(connection, Status.FAILED, days_old=31)
    WebhookEvent.objects.filter(pk__in=[old.pk, recent.pk]).update(
        reason=Reason.INVALID_PAYLOAD, raw_body=b"\x00" + BODY.encode()
    )
    WebhookEvent.objects.filter(pk=other_failure.pk).update(reason=Reason.SOURCE_ERROR)

    retention_purge()

    old.refresh_from_db(), recent.refresh_from_db(), other_failure.refresh_from_db()
    assert (old.body, old.raw_body, old.reason, old.status) == ("", None, Reason.INVALID_PAYLOAD, Status.FAILED)
    assert recent.body == BODY and bytes(recent.raw_body).endswith(BODY.encode())
    assert other_failure.body == BODY  # kept for a replay once the source answers


def test_failed_and_dead_events_keep_their_body_for_a_replay(connection):
    failed = event(connection, Status.FAILED, days_old=60)
    dead = event(connection, Status.DEAD, days_old=60)
    waiting = event(connection, Status.RECEIVED, days_old=60)

    retention_purge()

    assert {e.body for e in WebhookEvent.objects.filter(pk__in=[failed.pk, dead.pk, waiting.pk])} == {BODY}


def test_outcomes_older_than_the_period_are_deleted_and_their_daily_counts_survive(connection, settings):
    settings.RETENTION_DAYS = 30
    old = outcomes_record(
        connection=connection, entity=Entity.ORDER, rows=[("u-1", Outcome.SKIPPED, Reason.NO_CONTACT, "Booking 1")]
    )
    recent = outcomes_record(connection=connection, entity=Entity.ORDER, rows=[("u-2", Outcome.CREATED, "", "")])
    aged(old, days_old=31)
    counts_before = list(OutcomeDailyCount.objects.values_list("outcome", "reason", "count"))

    result = retention_purge()

    assert result.outcomes_deleted == 1
    assert list(RecordOutcome.objects.values_list("pk", flat=True)) == [recent[0].pk]
    assert list(OutcomeDailyCount.objects.values_list("outcome", "reason", "count")) == counts_before
    # The page's chart reads the daily counts: it still shows what was purged.
    today = outcomes_by_day(connection=connection)[-1]
    assert today.day == venue_today(connection)
    assert (today.counts["skipped"], today.counts["created"]) == (1, 1)


def test_the_period_is_configurable(connection, settings):
    settings.RETENTION_DAYS = 7
    eight_days = event(connection, Status.PROCESSED, days_old=8)
    retention_purge()
    assert WebhookEvent.objects.get(pk=eight_days.pk).body == ""


def test_the_purge_works_in_batches_until_done(connection):
    events = [event(connection, Status.PROCESSED, days_old=40) for _ in range(5)]
    outcomes = outcomes_record(
        connection=connection, entity=Entity.CONTACT, rows=[(str(n), Outcome.CREATED, "", "") for n in range(5)]
    )
    aged(outcomes, days_old=40)

    result = retention_purge(batch_size=2)

    assert (result.bodies_blanked, result.outcomes_deleted) == (5, 5)
    assert not WebhookEvent.objects.filter(pk__in=[e.pk for e in events]).exclude(body="").exists()
    assert not RecordOutcome.objects.exists()


def test_a_second_purge_finds_nothing_left(connection):
    event(connection, Status.PROCESSED, days_old=40)
    retention_purge()
    assert retention_purge().bodies_blanked == 0


def test_the_purge_runs_every_day_as_a_task():
    from integrations.tasks import tasks_monitoring

    assert tasks_monitoring.purge_expired_data.name == "integrations.tasks_monitoring.purge_expired_data"
    entries = [
        e for e in settings.CELERY_BEAT_SCHEDULE.values() if e["task"] == tasks_monitoring.purge_expired_data.name
    ]
    assert len(entries) == 1


def test_the_task_calls_the_purge(connection):
    from integrations.tasks_monitoring import purge_expired_data

    event(connection, Status.PROCESSED, days_old=40)
    assert purge_expired_data() == {"bodies_blanked": 1, "outcomes_deleted": 0}
