import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from django.db import IntegrityError, transaction

from integrations.models import OutcomeDailyCount, RecordOutcome
from integrations.outcomes import Entity, Outcome, Reason
from integrations.records import OutcomeData
from integrations.services.outcomes import outcomes_record
from tests.factories import ConnectionFactory, SyncRunFactory, WebhookEventFactory

pytestmark = pytest.mark.django_db


def counts(connection):
    return {
        (row.entity, row.outcome, row.reason): row.count
        for row in OutcomeDailyCount.objects.filter(connection=connection)
    }


def test_outcomes_are_stored_and_counted_per_day_entity_outcome_and_reason():
    connection = ConnectionFactory()

    outcomes_record(
        connection=connection,
        outcomes=[
            OutcomeData(Entity.ORDER, Outcome.CREATED, source_id="a"),
            OutcomeData(Entity.ORDER, Outcome.SKIPPED, Reason.NO_CONTACT, source_id="b"),
            OutcomeData(Entity.ORDER, Outcome.SKIPPED, Reason.NO_CONTACT, source_id="c"),
        ],
    )
    outcomes_record(connection=connection, outcomes=[OutcomeData(Entity.ORDER, Outcome.SKIPPED, Reason.NO_CONTACT)])

    assert RecordOutcome.objects.filter(connection=connection).count() == 4
    assert counts(connection) == {
        (Entity.ORDER, Outcome.CREATED, ""): 1,
        (Entity.ORDER, Outcome.SKIPPED, Reason.NO_CONTACT): 3,
    }


def test_the_counts_survive_the_purge_of_outcomes():
    connection = ConnectionFactory()
    outcomes_record(connection=connection, outcomes=[OutcomeData(Entity.CONTACT, Outcome.UPDATED)] * 3)

    RecordOutcome.objects.filter(connection=connection).delete()

    assert counts(connection) == {(Entity.CONTACT, Outcome.UPDATED, ""): 3}


def test_the_day_is_the_venues_day():
    connection = ConnectionFactory(time_zone="Pacific/Kiritimati")  # UTC+14: a day ahead of UTC most hours

    outcomes_record(connection=connection, outcomes=[OutcomeData(Entity.ORDER, Outcome.CREATED)])

    venue_today = dt.datetime.now(dt.UTC).astimezone(ZoneInfo("Pacific/Kiritimati")).date()
    assert OutcomeDailyCount.objects.get(connection=connection).day == venue_today


def test_an_outcome_about_a_minor_keeps_no_source_id_and_no_detail():
    connection = ConnectionFactory()

    [stored] = outcomes_record(
        connection=connection,
        outcomes=[OutcomeData(Entity.ORDER, Outcome.SKIPPED, Reason.MINOR, source_id="64310294", detail="Noah")],
    )

    stored.refresh_from_db()
    assert (stored.source_id, stored.detail) == ("", "")


def test_the_database_itself_refuses_an_outcome_about_a_minor_with_a_source_id():
    connection = ConnectionFactory()
    with pytest.raises(IntegrityError), transaction.atomic():
        RecordOutcome.objects.create(
            connection=connection, entity=Entity.ORDER, outcome=Outcome.SKIPPED, reason=Reason.MINOR, source_id="1"
        )


def test_rows_of_one_entity_are_a_shorthand():
    connection = ConnectionFactory()

    outcomes_record(
        connection=connection,
        entity=Entity.EVENT,
        rows=[("message-1", Outcome.FAILED, Reason.INVALID_PAYLOAD, "The webhook body is not JSON.")],
    )

    stored = RecordOutcome.objects.get(connection=connection)
    assert (stored.entity, stored.source_id, stored.reason) == (Entity.EVENT, "message-1", Reason.INVALID_PAYLOAD)


def test_outcomes_link_to_the_event_or_run_they_came_from():
    connection = ConnectionFactory()
    event = WebhookEventFactory(connection=connection)
    run = SyncRunFactory(connection=connection)

    outcomes_record(connection=connection, outcomes=[OutcomeData(Entity.ORDER, Outcome.CREATED)], webhook_event=event)
    outcomes_record(connection=connection, outcomes=[OutcomeData(Entity.ORDER, Outcome.CREATED)], sync_run=run)

    assert RecordOutcome.objects.filter(webhook_event=event).count() == 1
    assert RecordOutcome.objects.filter(sync_run=run).count() == 1
