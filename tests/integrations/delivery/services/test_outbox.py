"""The transactional outbox: written by the one ingest path's upserts, coalescing many
changes into one row per record, skipping what the destination does not take."""

import datetime as dt
from decimal import Decimal

import pytest

from integrations.delivery.models import Destination, OutboxItem
from integrations.models import Connection, Contact, Order, Product
from tests.factories import ConnectionFactory
from tests.integrations.delivery.conftest import NOW, booking, items, person, product, store

pytestmark = pytest.mark.django_db
LATER = NOW + dt.timedelta(hours=1)


@pytest.fixture
def destination(connection):
    # No stand-in needed: nothing is sent here.
    return Destination.objects.create(
        account=connection.account, destination_type="activate", name="Activate", status=Destination.Status.ACTIVE
    )


def test_a_contact_queues_one_profile_keyed_by_its_email(connection, destination):
    store(connection, contacts=[person(email="Mia@Example.com")])
    (row,) = items(destination)
    assert (row.kind, row.record_key, row.state, row.version) == ("profile", "mia@example.com", "queued", 1)
    assert row.connection == connection and row.source_changed_at == NOW


def test_an_order_queues_its_purchase_and_its_holder(connection, destination):
    store(connection, contacts=[person()], orders=[booking()])
    order = Order.objects.get()
    assert {(row.kind, row.record_key) for row in items(destination)} == {
        ("profile", "g1@example.com"),
        ("purchase", str(order.pk)),
    }


def test_products_queue_and_an_inactive_one_is_a_removal(connection, destination):
    store(connection, products=[product("P2", source_version=NOW), product("P3", active=False, source_version=NOW)])
    rows = {row.record_key: row for row in items(destination, "product")}
    p2, p3 = Product.objects.get(external_id="P2"), Product.objects.get(external_id="P3")
    assert rows[str(p2.pk)].removal is False
    assert rows[str(p3.pk)].removal is True


def test_many_changes_before_delivery_coalesce_into_the_latest_version(connection, destination):
    store(connection, contacts=[person(first_name="Mia")])
    store(connection, contacts=[person(first_name="Mira", source_version=LATER)])
    (row,) = items(destination)
    assert (row.version, row.source_changed_at, row.state) == (2, LATER, "queued")


def test_an_older_version_never_overrides_a_newer_one(connection, destination):
    store(connection, contacts=[person(source_version=LATER)])
    store(connection, contacts=[person(source_id="g2", email="g1@example.com", source_version=NOW)])
    (row,) = items(destination)
    assert (row.version, row.source_changed_at) == (1, LATER)


def test_a_delivered_record_changed_again_is_queued_again(connection, destination):
    store(connection, contacts=[person()])
    OutboxItem.objects.update(state=OutboxItem.State.DELIVERED, delivered_version=1)
    store(connection, contacts=[person(source_version=LATER)])
    (row,) = items(destination)
    assert (row.state, row.version, row.delivered_version) == ("queued", 2, 1)


def test_a_record_held_by_a_worker_stays_held_and_its_new_version_waits(connection, destination):
    store(connection, contacts=[person()])
    OutboxItem.objects.update(state=OutboxItem.State.DELIVERING)
    store(connection, contacts=[person(source_version=LATER)])
    (row,) = items(destination)
    assert (row.state, row.version) == ("delivering", 2)


def test_one_profile_per_email_across_the_account(connection, destination):
    other = ConnectionFactory(account=connection.account)
    store(connection, contacts=[person()])
    store(other, contacts=[person(source_id="x9", email="g1@example.com", source_version=LATER)])
    (row,) = items(destination)
    assert (row.record_key, row.connection, row.version) == ("g1@example.com", other, 2)


def test_a_contact_without_an_email_is_queued_to_be_counted_as_filtered(connection, destination):
    connection.matching_key = Connection.MatchingKey.PHONE
    connection.save()
    store(connection, contacts=[person(email="", phone="+31612345678")])
    contact = Contact.objects.get()
    assert [row.record_key for row in items(destination)] == [f"#{contact.pk}"]


def test_an_excluded_connection_queues_nothing(connection, destination):
    destination.excluded_connections.add(connection)
    store(connection, contacts=[person()], orders=[booking()])
    assert items(destination) == []


def test_a_kind_turned_off_queues_nothing(connection, destination):
    Destination.objects.filter(pk=destination.pk).update(send_purchases=False)
    store(connection, contacts=[person()], orders=[booking()])
    assert [row.kind for row in items(destination)] == ["profile"]


def test_a_draft_destination_queues_nothing_until_its_backfill(connection, destination):
    Destination.objects.filter(pk=destination.pk).update(status=Destination.Status.DRAFT)
    store(connection, contacts=[person()])
    assert items(destination) == []


def test_a_paused_destination_keeps_queueing(connection, destination):
    Destination.objects.filter(pk=destination.pk).update(status=Destination.Status.PAUSED)
    store(connection, contacts=[person()], orders=[booking(total=Decimal("5"))])
    assert len(items(destination)) == 2


def test_another_accounts_destination_gets_nothing(connection, destination):
    store(ConnectionFactory(), products=[product("P9", source_version=NOW)])
    assert items(destination) == []


def test_wakes_for_changes_in_one_window_coalesce_into_one_now_and_one_at_its_end(monkeypatch):
    from django.core.cache import cache

    from integrations.delivery.services import outbox

    cache.clear()
    published = []
    monkeypatch.setattr(outbox, "task_publish", lambda name, **options: published.append(options))
    for _change in range(5):
        outbox.outbox_kick_soon(destination_id=7, kind="purchase")
    assert published == [
        {"args": [7, "purchase"], "countdown": None},
        {"args": [7, "purchase"], "countdown": outbox.KICK_WINDOW.total_seconds()},
    ]
