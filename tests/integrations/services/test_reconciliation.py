"""Reconciliation: daily in the venue's early morning, healing what webhooks missed, and noticing
a webhook the source stopped calling. With a fake source (tests.support.fake_source)."""

import datetime as dt
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone

from integrations.models import Connection, Contact, Order, RecordOutcome, SyncRun
from integrations.outcomes import Entity, Outcome
from integrations.records import ContactData, OrderData, OrderLineData
from integrations.services.import_runs import first_import_start
from integrations.services.reconciliation import (
    reconciliation_dispatch_due,
    reconciliation_slot,
    reconciliation_start,
    webhook_check,
)
from tests.factories import ConnectionFactory
from tests.support.fake_source import TYPE

pytestmark = pytest.mark.django_db
AMS = ZoneInfo("Europe/Amsterdam")
Stream, Kind, Status = SyncRun.Stream, SyncRun.Kind, SyncRun.Status


@pytest.fixture
def connection(source):
    return ConnectionFactory(
        connector_type=TYPE,
        contacts_lookback_days=5,
        orders_lookback_days=5,
        activated_at=timezone.now() - dt.timedelta(days=2),
    )


def at(day: dt.date, hour: int, minute: int = 0) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hour, minute), tzinfo=AMS)


def ago(**delta) -> dt.datetime:
    return timezone.now() - dt.timedelta(**delta)


def guest(source_id: str, version: dt.datetime, **values) -> ContactData:
    return ContactData(source_id=source_id, email=f"{source_id}@example.com", source_version=version, **values)


def booking(external_id: str, holder: str, version: dt.datetime) -> OrderData:
    line = OrderLineData(f"{external_id}-1", "P1", 1, Decimal("16.50"))
    return OrderData(
        external_id, "online", reference=external_id, holder_source_id=holder, source_version=version, lines=(line,)
    )


# --- when ---------------------------------------------------------------------------------------


def test_the_pass_is_due_once_a_day_at_the_venues_early_morning_hour(connection, worker, settings):
    today = timezone.localdate(timezone=AMS)
    assert reconciliation_slot(connection=connection, now=at(today, 3, 59)) == at(today - dt.timedelta(days=1), 4)
    assert reconciliation_slot(connection=connection, now=at(today, 4, 1)) == at(today, 4)

    assert worker.call(reconciliation_dispatch_due, now=at(today, 4, 1)) == 1
    assert sorted(SyncRun.objects.filter(kind=Kind.RECONCILIATION).values_list("stream", flat=True)) == sorted(
        [Stream.AGES, Stream.CONTACTS, Stream.ORDERS]
    )
    worker.drain()
    assert worker.call(reconciliation_dispatch_due, now=at(today, 9)) == 0  # once a day

    settings.RECONCILIATION_HOUR = 2
    assert reconciliation_slot(connection=connection, now=at(today, 3)) == at(today, 2)
    settings.RECONCILIATION_EVERY_HOURS = 6
    assert reconciliation_slot(connection=connection, now=at(today, 9)) == at(today, 8)


def test_no_pass_for_a_paused_or_just_activated_connection_or_while_one_waits(connection, worker):
    now = timezone.now()
    Connection.objects.filter(pk=connection.pk).update(activated_at=now)
    assert reconciliation_dispatch_due(now=now) == 0  # the first import read these days

    Connection.objects.filter(pk=connection.pk).update(activated_at=now - dt.timedelta(days=2), status="paused")
    assert reconciliation_dispatch_due(now=now) == 0

    Connection.objects.filter(pk=connection.pk).update(status="active")
    worker.call(first_import_start, connection=connection)  # a long import still running
    assert worker.call(reconciliation_dispatch_due, now=now) == 1
    assert reconciliation_dispatch_due(now=now + dt.timedelta(days=1)) == 0  # yesterday's still waits


# --- healing ------------------------------------------------------------------------------------


def test_what_the_webhooks_missed_is_written_and_marked_healed(connection, source, worker):
    source.guests = [guest("g1", ago(days=2), first_name="Mia"), guest("g2", ago(days=2), first_name="Tom")]
    source.bookings = [booking("b1", "g1", ago(days=2))]
    worker.call(first_import_start, connection=connection)
    worker.drain()
    # Then the webhook broke: g1 changed her name, g3 signed up and booked; g2 did nothing.
    source.guests += [guest("g1", ago(hours=20), first_name="Mila"), guest("g3", ago(hours=20), first_name="Ann")]
    source.bookings += [booking("b2", "g3", ago(hours=19))]

    runs = worker.call(reconciliation_start, connection=connection, now=timezone.now() + dt.timedelta(minutes=20))
    worker.drain()

    healed = dict(Contact.objects.values_list("first_name", "healed"))
    assert healed == {"Mila": True, "Tom": False, "Ann": True}
    assert dict(Order.objects.values_list("external_id", "healed")) == {"b1": False, "b2": True}
    outcomes = RecordOutcome.objects.filter(sync_run__in=runs)
    assert set(outcomes.filter(healed=True).values_list("entity", "outcome", "source_id")) == {
        (Entity.CONTACT, Outcome.UPDATED, "g1"),
        (Entity.CONTACT, Outcome.CREATED, "g3"),
        (Entity.ORDER, Outcome.CREATED, "b2"),
    }
    assert set(outcomes.filter(healed=False).values_list("outcome", flat=True)) == {Outcome.UNCHANGED}


# --- the webhook --------------------------------------------------------------------------------


def test_a_webhook_the_source_stopped_calling_turns_the_connection_to_needs_attention(connection, source, worker):
    source.webhook_problem = "The source has disabled our webhook. Click 'Register webhook again'."
    worker.call(reconciliation_start, connection=connection)
    worker.drain()

    connection.refresh_from_db()
    assert connection.status == Connection.Status.NEEDS_ATTENTION
    assert connection.status_reason == source.webhook_problem


def test_a_working_webhook_changes_nothing(connection, source):
    assert webhook_check(connection=connection) is None
    connection.refresh_from_db()
    assert connection.status == Connection.Status.ACTIVE
