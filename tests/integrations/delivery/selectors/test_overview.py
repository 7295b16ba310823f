"""What the destination page and the connection page read."""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone

from integrations.delivery.models import DeliveryAttempt, Destination, OutboxItem
from integrations.delivery.selectors.overview import (
    connection_delivery_status,
    delivery_log,
    destination_overview,
    destination_zone,
)
from integrations.delivery.services.retention import delivery_log_purge
from integrations.models import Connection
from tests.factories import AccountFactory, ConnectionFactory
from tests.integrations.delivery.conftest import booking, deliver, person, store

pytestmark = pytest.mark.django_db


def test_the_overview_counts_each_step_with_reasons(destination, connection, activate_sandbox):
    activate_sandbox.configure(custom_fields=["custom_visit_date", "custom_channel", "custom_status", "custom_venue"])
    store(connection, contacts=[person("g1"), person("g2", sms_consent=True)], orders=[booking()])
    store(connection, contacts=[person("g3", date_of_birth=None)])
    OutboxItem.objects.filter(record_key="g3@example.com").update(state="dead", reason="500: try again later")
    deliver(destination, "profile")
    overview = destination_overview(destination)
    steps = {step.kind: step for step in overview.steps}
    profiles = steps["profile"]
    assert (profiles.in_store, profiles.delivered, profiles.failed, profiles.dead) == (3, 1, 1, 1)
    assert list(profiles.failed_reasons) == [
        "events[0]: custom field custom_sms_consent does not exist: create it in Activate first"
    ]
    purchases = steps["purchase"]
    assert (purchases.in_store, purchases.queued) == (1, 1)
    assert overview.oldest_undelivered_age is not None and overview.oldest_undelivered_age < dt.timedelta(minutes=1)


def test_the_log_is_filtered_by_record_and_newest_first(destination, connection, activate_sandbox):
    store(connection, contacts=[person("g1"), person("g2")])
    deliver(destination)
    assert [a.record_key for a in delivery_log(destination)] == ["g2@example.com", "g1@example.com"]
    assert [a.record_key for a in delivery_log(destination, record_key="g1@example.com")] == ["g1@example.com"]


def test_the_connection_page_sees_whether_its_data_arrived(destination, connection, activate_sandbox):
    store(connection, contacts=[person()], orders=[booking()])
    deliver(destination, "profile")
    (status,) = connection_delivery_status(connection)
    assert (status.delivered, status.queued, status.failed, status.excluded) == (1, 1, 0, False)
    assert status.last_delivered_at is not None


def test_the_log_is_kept_fourteen_days(destination, connection, activate_sandbox):
    store(connection, contacts=[person("g1"), person("g2")])
    deliver(destination)
    DeliveryAttempt.objects.filter(record_key="g1@example.com").update(
        created_at=timezone.now() - dt.timedelta(days=15)
    )
    assert delivery_log_purge() == 1
    assert [a.record_key for a in DeliveryAttempt.objects.all()] == ["g2@example.com"]


# --- the zone of the destination's pages -----------------------------------------------------


def _destination_of(account) -> Destination:
    return Destination.objects.create(account=account, destination_type="activate", name="Spotler Activate")


def test_a_destination_shows_times_in_its_venues_zone_when_they_share_one():
    venue = ConnectionFactory(time_zone="America/New_York")
    ConnectionFactory(account=venue.account, time_zone="America/New_York")

    assert destination_zone(_destination_of(venue.account)) == ZoneInfo("America/New_York")


def test_venues_in_different_zones_give_utc_which_favours_none():
    venue = ConnectionFactory(time_zone="America/New_York")
    ConnectionFactory(account=venue.account, time_zone="Europe/Amsterdam")

    assert destination_zone(_destination_of(venue.account)) == ZoneInfo("UTC")


def test_only_the_venues_the_destination_takes_from_count():
    venue = ConnectionFactory(time_zone="America/New_York")
    left_out = ConnectionFactory(account=venue.account, time_zone="Europe/Amsterdam")
    ConnectionFactory(account=venue.account, time_zone="Asia/Tokyo", status=Connection.Status.DRAFT)
    destination = _destination_of(venue.account)
    destination.excluded_connections.add(left_out)

    assert destination_zone(destination) == ZoneInfo("America/New_York")


def test_an_account_without_venues_yet_gives_utc():
    assert destination_zone(_destination_of(AccountFactory())) == ZoneInfo("UTC")
