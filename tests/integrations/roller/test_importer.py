"""ROLLER's side of imports, product syncs and reconciliation, against the sandbox over HTTP.

The first import of a short look-back in one-day windows, counted at the sandbox (scenario 31),
inside the reporting rate limit, through an outage; scenario 17's second half; a reconciliation
healing what a broken webhook missed; a disabled or deleted webhook noticed.
"""

import datetime as dt

import pytest
from django.utils import timezone

from integrations.minors import minor_hash
from integrations.models import (
    Connection,
    Contact,
    ContactSourceLink,
    KnownMinor,
    Order,
    Product,
    RecordOutcome,
    SyncRun,
)
from integrations.outcomes import Entity, Outcome
from integrations.roller import pacing
from integrations.roller.client import RollerClient
from integrations.services.connections import connection_activate
from integrations.services.products_sync import products_sync_start
from integrations.services.reconciliation import reconciliation_start, webhook_check
from tests.factories import RollerSettingsFactory
from tests.integrations.roller.activation import activate
from tests.support.webhooks import deliver, envelope

pytestmark = pytest.mark.django_db
Stream, Kind, Status = SyncRun.Stream, SyncRun.Kind, SyncRun.Status


def reporting_calls(sandbox) -> dict[str, int]:
    calls = sandbox.stats()["callsByPath"]
    return {
        path: calls.get(f"reporting {path}", 0)
        for path in ("/data/signedwaivers", "/data/products", "/data/customers", "/data/bookingitems")
    }


def windows(connection, stream) -> int:
    return SyncRun.objects.get(connection=connection, stream=stream, kind=Kind.FIRST_IMPORT).windows_total


# --- the first import (scenario 31) --------------------------------------------------------------


def test_the_first_import_reads_each_stream_in_one_day_windows_and_stores_what_the_rules_allow(sandbox, worker):
    connection = activate(sandbox, worker)
    worker.drain()

    runs = SyncRun.objects.filter(connection=connection, kind=Kind.FIRST_IMPORT)
    assert set(runs.values_list("status", flat=True)) == {Status.SUCCEEDED}
    assert (
        windows(connection, Stream.AGES),
        windows(connection, Stream.CONTACTS),
        windows(connection, Stream.ORDERS),
    ) == (4, 4, 3)
    # One call a window (a small venue's day is one page), one for the product list.
    assert reporting_calls(sandbox) == {
        "/data/signedwaivers": 4, "/data/products": 1, "/data/customers": 4, "/data/bookingitems": 3,
    }  # fmt: skip
    assert sandbox.stats()["statuses"].get("400", 0) == 0  # every window was one ROLLER accepts

    assert Product.objects.filter(connection=connection, parent__isnull=False).exists()
    assert Contact.objects.filter(connection=connection).exists()
    orders = Order.objects.filter(connection=connection)
    assert orders.exists() and not orders.filter(lines__isnull=True).exists()
    # No double count: one outcome per guest and per booking read.
    for run in runs.filter(stream__in=[Stream.CONTACTS, Stream.ORDERS]):
        sources = list(
            RecordOutcome.objects.filter(sync_run=run).exclude(source_id="").values_list("entity", "source_id")
        )
        assert len(sources) == len(set(sources))


def test_minors_signed_for_on_a_waiver_are_never_stored(sandbox, worker):
    signed = sandbox.waiver(minors=2)  # the parent and two children, as guests, now
    connection = activate(sandbox, worker)
    worker.drain()

    minors = [str(guest_id) for guest_id in signed["minorGuestIds"]]
    hashes = {minor_hash(connection_id=connection.pk, source_id=guest_id) for guest_id in minors}
    assert hashes <= set(KnownMinor.objects.filter(connection=connection).values_list("guest_hash", flat=True))
    assert not ContactSourceLink.objects.filter(connection=connection, source_id__in=minors).exists()
    assert ContactSourceLink.objects.filter(connection=connection, source_id=str(signed["adultGuestId"])).exists()
    assert not RecordOutcome.objects.filter(connection=connection, source_id__in=minors).exists()


def test_the_import_paces_itself_inside_the_reporting_rate_limit(sandbox, worker, settings, monkeypatch):
    # ROLLER: 120 calls a minute, we pace at 90 + a burst of 2. Here in miniature: 24 calls a
    # second allowed, paced at 20 + 2; 35 days of contacts make the import need more than that.
    settings.ROLLER_PACING_ENABLED = True
    monkeypatch.setitem(pacing.RATES, pacing.REPORTING, (20.0, 2))
    # Bulk exports unavailable: the history falls back to windows, paced like the rest.
    sandbox.configure(rate_window_seconds=1.0, reporting_limit=24, lockout_seconds=60.0, bulk_exports_enabled=False)
    connection = activate(sandbox, worker, contacts_days=35)
    worker.drain()

    assert sandbox.stats()["rateLimited"] == 0
    assert set(SyncRun.objects.filter(connection=connection).values_list("status", flat=True)) == {Status.SUCCEEDED}
    assert sum(reporting_calls(sandbox).values()) == 36 + 1 + 36 + 3


def test_a_rate_limited_import_waits_out_the_penalty_and_goes_on_without_gap_or_double_count(sandbox, worker):
    sandbox.configure(rate_window_seconds=1.0, reporting_limit=5, lockout_seconds=0.3, bulk_exports_enabled=False)
    worker.sleep_on_retry = 0.4
    connection = activate(sandbox, worker, contacts_days=8)
    worker.drain()

    assert sandbox.stats()["rateLimited"] > 0 and worker.retries
    for run in SyncRun.objects.filter(connection=connection):
        assert (run.status, run.windows_done) == (Status.SUCCEEDED, run.windows_total)
    contacts = SyncRun.objects.get(connection=connection, stream=Stream.CONTACTS, phase=SyncRun.Phase.HISTORY)
    assert sum(contacts.counts.values()) == RecordOutcome.objects.filter(sync_run=contacts).count()


def test_an_outage_mid_import_is_retried_and_the_window_read_again(sandbox, worker, settings):
    settings.ROLLER_HTTP_ATTEMPTS = 1
    sandbox.fault("/data/customers", status=503, count=1)
    connection = activate(sandbox, worker)
    worker.drain()

    assert len(worker.retries) == 1
    assert reporting_calls(sandbox)["/data/customers"] == 4 + 1
    run = SyncRun.objects.get(connection=connection, stream=Stream.CONTACTS)
    assert (run.status, run.windows_done) == (Status.SUCCEEDED, 4)


# --- products (scenario 17, second half) ----------------------------------------------------------


def test_a_product_made_from_a_booking_gets_its_details_from_the_next_product_sync(sandbox, worker):
    connection = RollerSettingsFactory(
        custom_base_url=sandbox.url, client_id=sandbox.client_id, client_secret=sandbox.client_secret
    ).connection
    made = sandbox.online_booking(newGuest=True)
    booking = RollerClient.from_settings(connection.roller).get_booking(made["uniqueId"])
    # ROLLER's own booking, as its Booking Created webhook carries it.
    deliver(
        envelope("booking_created", event_date=timezone.now().isoformat()) | {"data": booking}, connection=connection
    )
    order = Order.objects.get(connection=connection)
    from_order = {line.product_id: line.product for line in order.lines.all()}
    assert all(product.created_from_order and not product.category for product in from_order.values())

    run = worker.call(products_sync_start, connection=connection)
    worker.drain()

    run.refresh_from_db()
    assert run.status == Status.SUCCEEDED
    for product in Product.objects.filter(pk__in=from_order):
        assert product.created_from_order is True  # its origin stays visible
        assert product.category and product.source_version is not None  # the reporting list's details
    assert {line.product_id for line in Order.objects.get(pk=order.pk).lines.all()} == set(from_order)
    assert Product.objects.filter(connection=connection).count() == run.records_seen


def test_a_product_archived_in_roller_is_kept_inactive(sandbox, worker):
    connection = activate(sandbox, worker, contacts_days=0, orders_days=0)
    worker.drain()
    variation = Product.objects.filter(connection=connection, parent__isnull=False, active=True).first()
    sandbox.product_change(productId=int(variation.external_id), productStatus="Archived")

    worker.call(products_sync_start, connection=connection)
    worker.drain()
    variation.refresh_from_db()
    assert variation.active is False


# --- reconciliation ------------------------------------------------------------------------------


def test_the_reconciliation_heals_what_a_broken_webhook_missed(sandbox, worker):
    connection = activate(sandbox, worker, contacts_days=2, orders_days=2)
    worker.drain()
    # The webhook posts to http://testserver, which nobody answers: these changes are missed.
    linked = ContactSourceLink.objects.filter(connection=connection).select_related("contact").first()
    sandbox.guest_update(guestId=int(linked.source_id), firstName="Healed")
    made = sandbox.online_booking(newGuest=True)

    runs = worker.call(reconciliation_start, connection=connection, now=timezone.now() + dt.timedelta(minutes=20))
    worker.drain()

    contact = Contact.objects.get(pk=linked.contact_id)
    assert (contact.first_name, contact.healed) == ("Healed", True)
    assert Order.objects.get(connection=connection, external_id=made["uniqueId"]).healed is True
    healed = RecordOutcome.objects.filter(sync_run__in=runs, healed=True)
    assert {
        (Entity.CONTACT, Outcome.UPDATED, linked.source_id),
        (Entity.ORDER, Outcome.CREATED, made["uniqueId"]),
    } <= set(healed.values_list("entity", "outcome", "source_id"))
    assert (
        not Contact.objects.filter(connection=connection, healed=True)
        .exclude(pk=contact.pk)
        .exclude(source_links__source_id=str(made["customerId"]))
        .exists()
    )


def test_a_webhook_roller_disabled_turns_the_connection_to_needs_attention_with_what_to_do(sandbox, worker):
    connection = activate(sandbox, worker, contacts_days=0, orders_days=0)
    assert webhook_check(connection=connection) is None

    sandbox.disable_webhook(connection.roller.webhook_id)
    problem = webhook_check(connection=connection)

    connection.refresh_from_db()
    assert connection.status == Connection.Status.NEEDS_ATTENTION
    assert connection.status_reason == problem
    assert "ROLLER has disabled our webhook" in problem and "Register webhook again" in problem

    worker.call(connection_activate, connection=connection)  # "Register webhook again"
    assert webhook_check(connection=connection) is None
    connection.refresh_from_db()
    assert connection.status == Connection.Status.ACTIVE


def test_a_webhook_deleted_at_roller_is_noticed(sandbox, worker):
    connection = activate(sandbox, worker, contacts_days=0, orders_days=0)
    RollerClient.from_settings(connection.roller).delete_webhook(connection.roller.webhook_id)

    assert "ROLLER no longer has our webhook" in webhook_check(connection=connection)
    assert Connection.objects.get(pk=connection.pk).status == Connection.Status.NEEDS_ATTENTION
